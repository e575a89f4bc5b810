"""Who changed what: a change's path looked up in the live object's `managedFields`."""

from __future__ import annotations

import json
import re

from kubectl_pods.report_types import Change

_SEGMENT = re.compile(r"\[([^\]]*)\]|\.?([^.\[]+)")


def segments(path: str) -> list[tuple[str, str]]:
    """`spec.containers[name=app].image` -> [("field","spec"), ("field","containers"),
    ("item","name=app"), ("field","image")]."""
    result = []
    for item, field in _SEGMENT.findall(path):
        if field:
            result.append(("field", field))
        elif item.startswith('"'):
            result.append(("field", json.loads(item)))
        elif "=" in item:
            result.append(("item", item))
        else:
            result.append(("index", item))
    return result


def _item_key_matches(key: str, conditions: str) -> bool:
    if not key.startswith("k:"):
        return False
    try:
        fields = json.loads(key[2:])
    except ValueError:
        return False
    wanted = dict(term.split("=", 1) for term in conditions.split(","))
    return all(str(fields.get(k, "TCP" if k == "protocol" else "")) == v for k, v in wanted.items())


def _owns(fields: dict, path: str) -> bool:
    node: dict | None = fields
    for kind, value in segments(path):
        if node is None:
            return False
        if kind == "field":
            node = node.get(f"f:{value}")
        elif kind == "item":
            node = next((child for key, child in node.items() if _item_key_matches(key, value)), None)
        else:
            return True  # positional items (args[2]) are owned with their list
    return node is not None


def managers_of(live: dict, path: str) -> list[str]:
    """The field managers that own `path` (or something under it), newest first."""
    entries = (live.get("metadata") or {}).get("managedFields") or []
    owning = [e for e in entries if _owns(e.get("fieldsV1") or {}, path)]
    owning.sort(key=lambda e: e.get("time") or "", reverse=True)
    return [e.get("manager") + (f" ({e['subresource']})" if e.get("subresource") else "") for e in owning]


def _leaves(fields: dict, parts: list, parent_field: str | None):
    """The paths a fieldsV1 set owns (`f:` fields, `k:` list items by key, `v:` set values, `i:`
    indices — `sigs.k8s.io/structured-merge-diff` fieldpath serialisation), as path parts."""
    from kubectl_pods.diff.paths import IDENTITY, Identity

    children = [k for k in fields if k != "."]
    if not children:
        yield parts
        return
    for key in children:
        kind, _, rest = key.partition(":")
        if kind == "f":
            yield from _leaves(fields[key] or {}, parts + [rest], rest)
        elif kind == "k":
            try:
                identity = json.loads(rest)
            except ValueError:
                continue
            field = IDENTITY.get(parent_field or "")
            wanted = {field: str(identity[field])} if field is not None and field in (identity or {}) else {k: str(v) for k, v in identity.items()}
            yield from _leaves(fields[key] or {}, parts + [Identity(wanted)], None)
        else:  # v: and i: address a whole set or list element: the list itself is the owned path
            yield parts
            return


def changes_after_creation(live: dict, why: str) -> list[Change]:
    """Without the owner's template: every field that a manager other than the one that created
    the pod wrote since, from `managedFields`. The intended value is unknown (None)."""
    from kubectl_pods.diff.paths import format_path, value_at

    entries = [e for e in (live.get("metadata") or {}).get("managedFields") or []
               if isinstance(e, dict) and not e.get("subresource")]
    if not entries:
        return []
    creator = min(entries, key=lambda e: e.get("time") or "").get("manager")
    changes: dict[str, Change] = {}
    for entry in entries:
        if entry.get("manager") == creator:
            continue
        for parts in _leaves(entry.get("fieldsV1") or {}, [], None):
            if parts and parts[0] in ("metadata", "spec"):
                path = format_path(parts)
                found = changes.setdefault(path, {"path": path, "type": "changed", "intended": None,
                                                  "live": value_at(live, parts), "managers": []})
                found["managers"].append(entry.get("manager") or "a manager with no name")
    for change in changes.values():
        change["message"] = f"written by {', '.join(change['managers'])} after creation by {creator} ({why})"
    return sorted(changes.values(), key=lambda c: c["path"])
