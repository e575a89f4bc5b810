"""The diff report: per pod changes, grouped when the same drift hits many pods of one owner."""

from __future__ import annotations

import json

from kubectl_pods.diff.compare import ADDED, REMOVED, diff_objects
from kubectl_pods.diff.owner import managers_of
from kubectl_pods.diff.paths import ignore_matcher


def pod_diff(intended: dict, live: dict, *, intended_is_template: bool, ignore: list[str],
             attribute: bool) -> dict:
    ignored = ignore_matcher(ignore)
    changes = [c for c in diff_objects(intended, live, intended_is_template) if not ignored(c["path"])]
    if attribute:
        for change in changes:
            managers = managers_of(live, change["path"])
            change["managers"] = managers
            if change["type"] == ADDED:
                change["message"] = "added by " + (managers[0] if managers else "someone other than the owner")
            elif change["type"] == REMOVED:
                change["message"] = "removed after creation"
            else:
                change["message"] = "changed by " + (managers[0] if managers else "someone other than the owner")
    return report_item(live, changes)


def report_item(live: dict, changes: list[dict]) -> dict:
    """One pod of the DiffList: its name, namespace, controller and changes."""
    meta = live.get("metadata") or {}
    owner = next((r for r in meta.get("ownerReferences") or [] if r.get("controller")), None)
    return {"name": meta.get("name"), "namespace": meta.get("namespace"),
            "owner": {"kind": owner.get("kind"), "name": owner.get("name")} if owner else None,
            "changes": changes}


def group(items: list[dict]) -> list[dict]:
    """Pods of one owner with the same drift become one group: `3/3 pods`."""
    groups: dict[str, dict] = {}
    per_owner: dict[str, int] = {}
    for item in items:
        owner = json.dumps(item["owner"], sort_keys=True)
        per_owner[owner] = per_owner.get(owner, 0) + 1
        signature = json.dumps([owner, [(c["path"], c["type"], c["intended"], c["live"]) for c in item["changes"]]],
                               sort_keys=True, default=str)
        entry = groups.setdefault(signature, {"owner": item["owner"], "pods": [], "changes": item["changes"]})
        entry["pods"].append({"name": item["name"], "namespace": item["namespace"]})
    for entry in groups.values():
        entry["ofOwner"] = per_owner[json.dumps(entry["owner"], sort_keys=True)]
    return list(groups.values())
