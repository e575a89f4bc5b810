"""Edits as data: what a planner (scaffold -f, migrate) wants changed in one object, applied to the
round-trip tree so that everything the plan does not name stays as it was (comments included).

A path is a list of mapping keys and list indexes from the document's root."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

Path = tuple  # of str | int


@dataclass(frozen=True)
class Edit:
    """`append`: add `value` to the list `key` of the mapping at `path` (the list is created, before
    the first of `before` that exists, when missing).
    `set`: set `key` of the mapping at `path` to `value` (a new key goes before `before` too).
    `move`: take item `index` of the list `key` at `path` and append it to the list `to_key` of the
    same mapping (created before `before`), then set `value`'s keys on it (a mapping)."""

    op: str
    path: Path
    key: str
    value: object = None
    before: tuple[str, ...] = ()
    index: int | None = None
    to_key: str | None = None
    what: str = ""           # for the messages: which field, in words


@dataclass
class Plan:
    """What one object gets: edits, and lines for stderr."""

    edits: list[Edit] = field(default_factory=list)
    said: list[str] = field(default_factory=list)


def node_at(root, path: Path):
    node = root
    for step in path:
        node = node[step]
    return node


def _insert_key(mapping, key: str, value, before: tuple[str, ...]) -> None:
    if key in mapping:
        mapping[key] = value
        return
    keys = list(mapping.keys())
    position = next((keys.index(b) for b in before if b in keys), len(keys))
    if hasattr(mapping, "insert"):
        mapping.insert(position, key, value)  # ruamel's CommentedMap keeps the position
    else:
        items = list(mapping.items())
        items.insert(position, (key, value))
        mapping.clear()
        mapping.update(items)


def _list_of(mapping, key: str, before: tuple[str, ...]) -> list:
    if mapping.get(key) is None:
        _insert_key(mapping, key, [], before)
    return mapping[key]


def apply(root, edits: list[Edit]) -> None:
    """Apply the edits in order; `move`s remove from a list, so a plan lists them last-index first."""
    for edit in edits:
        mapping = node_at(root, edit.path)
        if edit.op == "append":
            _list_of(mapping, edit.key, edit.before).append(copy.deepcopy(edit.value))
        elif edit.op == "set":
            _insert_key(mapping, edit.key, copy.deepcopy(edit.value), edit.before)
        elif edit.op == "move":
            if edit.index is None or edit.to_key is None:
                raise ValueError("a move needs index and to_key")
            item = mapping[edit.key].pop(edit.index)
            for key, value in (edit.value if isinstance(edit.value, dict) else {}).items():
                _insert_key(item, key, copy.deepcopy(value), ())
            _list_of(mapping, edit.to_key, edit.before).append(item)
        else:
            raise ValueError(f"unknown edit {edit.op!r}")
