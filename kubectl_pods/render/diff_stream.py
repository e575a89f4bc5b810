"""`diff` output written as comparisons arrive: JSON items and unified diffs stream; the text
report keeps one entry a group of pods with the same drift (their names and one set of changes)."""

from __future__ import annotations

import json
from typing import TextIO

from kubectl_pods.render.structured import ListStream
from kubectl_pods.report_types import DiffItem

HEADER = {"kind": "DiffList", "apiVersion": "kubectl-pods/v1"}


class Grouper:
    """Pods of one owner with the same drift become one group: `3/3 pods`."""

    def __init__(self):
        self.groups: dict[str, dict] = {}
        self.per_owner: dict[str, int] = {}

    def add(self, item: dict) -> None:
        owner = json.dumps([item.get("kind"), item["owner"]], sort_keys=True)
        self.per_owner[owner] = self.per_owner.get(owner, 0) + 1
        signature = json.dumps([owner, item.get("comparedWith"), item.get("revision"),
                                [(c["path"], c["type"], c["intended"], c["live"], c.get("message")) for c in item["changes"]],
                                item.get("injected")],
                               sort_keys=True, default=str)
        entry = self.groups.setdefault(signature, {"kind": item.get("kind"), "owner": item["owner"], "pods": [],
                                                   "changes": item["changes"], "comparedWith": item.get("comparedWith"),
                                                   "revision": item.get("revision"),
                                                   "serverFilled": item.get("serverFilled"), "ownerKey": owner,
                                                   "injected": item.get("injected") or []})
        entry["pods"].append({"name": item["name"], "namespace": item["namespace"]})

    def result(self) -> list[dict]:
        return [{**{k: v for k, v in entry.items() if k != "ownerKey"}, "ofOwner": self.per_owner[entry["ownerKey"]]}
                for entry in self.groups.values()]


class DiffWriter:
    def __init__(self, out: TextIO, output: str, show_injected: bool = False):
        self.out, self.output, self.show_injected = out, output, show_injected
        self.structured = ListStream(out, "json", HEADER) if output == "json" else None
        self.grouper = Grouper()
        self.skipped: list[dict] = []
        self.unmatched_items: list[DiffItem] = []
        self.drift = False

    def add(self, item: dict, comparison=None) -> None:
        self.drift = self.drift or bool(item.get("changes"))
        if self.structured is not None:
            self.structured.add(item)
        elif self.output == "unified":
            from kubectl_pods.diff.normalise import normalise
            from kubectl_pods.render.diff_text import render_unified

            if comparison is not None:
                c = comparison
                self.out.write(render_unified([(c.live_name, *normalise(c.intended, c.live, c.from_template, c.facts))]))
        else:
            self.grouper.add(item)

    def skip(self, item: dict) -> None:
        self.skipped.append(item)
        if self.structured is not None:
            self.structured.add(item)

    def unmatched(self, item: DiffItem) -> None:
        """A pod with no counterpart to compare with (`--against-context`): a difference too."""
        self.drift = True
        self.unmatched_items.append(item)
        if self.structured is not None:
            self.structured.add(item)

    def finish(self, unavailable: list[dict]) -> None:
        if self.structured is not None:
            self.structured.finish({"unavailable": unavailable} if unavailable else {})
        elif self.output != "unified":
            from kubectl_pods.render.diff_text import render_groups

            self.out.write(render_groups(self.grouper.result(), self.skipped, unavailable, self.unmatched_items,
                                         self.show_injected))
