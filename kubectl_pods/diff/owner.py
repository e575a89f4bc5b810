"""Who changed what: a change's path looked up in the live object's `managedFields`."""

from __future__ import annotations

import json
import re

_SEGMENT = re.compile(r"\[([^\]]*)\]|\.?([^.\[]+)")


def _segments(path: str) -> list[tuple[str, str]]:
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
    node = fields
    for kind, value in _segments(path):
        if kind == "field":
            node = node.get(f"f:{value}")
        elif kind == "item":
            node = next((child for key, child in node.items() if _item_key_matches(key, value)), None)
        else:
            return True  # positional items (args[2]) are owned with their list
        if node is None:
            return False
    return True


def managers_of(live: dict, path: str) -> list[str]:
    """The field managers that own `path` (or something under it), newest first."""
    entries = (live.get("metadata") or {}).get("managedFields") or []
    owning = [e for e in entries if _owns(e.get("fieldsV1") or {}, path)]
    owning.sort(key=lambda e: e.get("time") or "", reverse=True)
    return [e.get("manager") + (f" ({e['subresource']})" if e.get("subresource") else "") for e in owning]
