"""The diff report: one item per comparison, grouped when the same drift hits many pods of one owner."""

from __future__ import annotations

from dataclasses import dataclass

from kubectl_pods.diff.admission import ClusterFacts
from kubectl_pods.diff.changes import ADDED, REMOVED
from kubectl_pods.diff.compare import diff_objects
from kubectl_pods.diff.injected import split_injected
from kubectl_pods.diff.owner import managers_of
from kubectl_pods.diff.paths import IgnoreRules
from kubectl_pods.report_types import Change, DiffItem, Revision


@dataclass
class Comparison:
    """One intended object and the live one it is compared with, and what the intent came from."""

    intended: dict
    live: dict
    from_template: bool
    compared_with: str
    facts: ClusterFacts | None = None
    revision: Revision | None = None
    known_changes: list[Change] | None = None  # changes found without an intended object (managedFields)

    @property
    def is_pod(self) -> bool:
        return (self.live.get("kind") or "Pod") == "Pod"

    @property
    def live_name(self) -> str | None:
        return (self.live.get("metadata") or {}).get("name")


def pod_diff(comparison: Comparison, *, ignore: IgnoreRules, explain_defaults: bool = False) -> DiffItem:
    ignored = ignore
    c = comparison
    if ignore.rules:
        ignore.note_fields(c.intended, c.live)
    if c.known_changes is not None:
        item = report_item(c.live, [change for change in c.known_changes if not ignored(change["path"])])
        item["comparedWith"] = c.compared_with
        return item
    changes = [change for change in diff_objects(c.intended, c.live, c.from_template, c.facts)
               if not ignored(change["path"])]
    changes, injected = split_injected(c.live, changes)
    for change in changes:
        managers = managers_of(c.live, change["path"])
        if managers:
            change["managers"] = managers
            verb = {ADDED: "added", REMOVED: "removed"}.get(change["type"], "changed")
            change["message"] = f"{verb} by {managers[0]}" if change["type"] != REMOVED else "removed after creation"
        elif change["type"] == REMOVED and c.from_template:
            change["message"] = "removed after creation"
    item = report_item(c.live, changes)
    item["comparedWith"] = c.compared_with
    item["injected"] = injected
    if c.revision:
        item["revision"] = c.revision
    if explain_defaults:
        from kubectl_pods.diff.normalise import server_filled

        item["serverFilled"] = server_filled(c.intended, c.live, c.from_template, c.facts)
    return item


def report_item(live: dict, changes: list[Change]) -> DiffItem:
    """One object of the DiffList: its kind, name, namespace, controller and changes."""
    meta = live.get("metadata") or {}
    owner = next((r for r in meta.get("ownerReferences") or [] if isinstance(r, dict) and r.get("controller")), None)
    return {"kind": live.get("kind") or "Pod", "name": meta.get("name"), "namespace": meta.get("namespace"),
            "owner": {"kind": owner.get("kind"), "name": owner.get("name")} if owner else None,
            "changes": changes}
