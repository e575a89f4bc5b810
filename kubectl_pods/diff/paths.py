"""List identities and the path style of the fixtures: `spec.containers[name=app].image`.

Lists are matched by identity, not position (tests/fixtures/oracle/README.md, "Path style"). A list is
turned into a map keyed by its items' identity, so that deepdiff compares items by identity and
reordering alone is no change.
"""

from __future__ import annotations

import json
import re

from kubectl_pods.errors import UserError

IDENTITY = {
    "containers": "name", "initContainers": "name", "ephemeralContainers": "name", "volumes": "name",
    "env": "name", "schedulingGates": "name", "imagePullSecrets": "name", "resourceClaims": "name",
    "containerStatuses": "name", "initContainerStatuses": "name", "ephemeralContainerStatuses": "name",
    "ports": "containerPort", "volumeMounts": "mountPath", "volumeDevices": "devicePath",
    "tolerations": "key", "readinessGates": "conditionType", "hostAliases": "ip", "conditions": "type",
}
SECOND_FIELD = {"ports": ("protocol", "TCP"), "tolerations": ("effect", None)}
_PLAIN_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


class Keyed(dict):
    """A list turned into a map by identity; remembers it was a list."""


class Identity(str):
    """A list item's identity as a path segment, `[name=app]`; kept apart from map keys that
    merely look like one, and carrying its conditions unparsed (values may hold `,` or `=`)."""

    conditions: dict[str, str]

    def __new__(cls, conditions: dict[str, str]):
        self = super().__new__(cls, "[" + ",".join(f"{k}={v}" for k, v in conditions.items()) + "]")
        self.conditions = conditions
        return self


def _identity(field: str, item: dict, use_second: bool) -> Identity:
    key = IDENTITY[field]
    conditions = {key: "" if item.get(key) is None else str(item.get(key))}
    if use_second:
        second, default = SECOND_FIELD[field]
        value = item.get(second, default)
        if value is not None:
            conditions[second] = str(value)
    return Identity(conditions)


def _needs_second(field: str, *lists: list) -> bool:
    if field not in SECOND_FIELD:
        return False
    key = IDENTITY[field]
    return any(len({str(i.get(key)) for i in items}) < len(items) for items in lists if items)


def keyed_pair(intended, live, field: str | None = None):
    """Both sides with identity lists turned into `Keyed` maps, deciding identity jointly."""
    if isinstance(intended, dict) and isinstance(live, dict):
        keys = list(intended) + [k for k in live if k not in intended]
        pairs = {k: keyed_pair(intended.get(k, _MISSING), live.get(k, _MISSING), k) for k in keys}
        return ({k: a for k, (a, _) in pairs.items() if a is not _MISSING},
                {k: b for k, (_, b) in pairs.items() if b is not _MISSING})
    if field in IDENTITY and _dict_list(intended) and _dict_list(live):
        mine = intended if intended is not _MISSING else []
        theirs = live if live is not _MISSING else []
        second = _needs_second(field, mine, theirs)
        ids_mine = [_identity(field, i, second) for i in mine]
        ids_theirs = [_identity(field, i, second) for i in theirs]
        if len(set(ids_mine)) == len(ids_mine) and len(set(ids_theirs)) == len(ids_theirs):
            by_mine, by_theirs = dict(zip(ids_mine, mine)), dict(zip(ids_theirs, theirs))
            pairs = {k: keyed_pair(by_mine.get(k, _MISSING), by_theirs.get(k, _MISSING))
                     for k in list(by_mine) + [k for k in by_theirs if k not in by_mine]}
            a = Keyed({k: v for k, (v, _) in pairs.items() if v is not _MISSING})
            b = Keyed({k: v for k, (_, v) in pairs.items() if v is not _MISSING})
            return (a if intended is not _MISSING else _MISSING, b if live is not _MISSING else _MISSING)
    if isinstance(intended, dict) and live is _MISSING:
        return keyed_pair(intended, {}, field)[0], _MISSING
    if isinstance(live, dict) and intended is _MISSING:
        return _MISSING, keyed_pair({}, live, field)[1]
    return intended, live


class _Missing:
    def __repr__(self):
        return "<missing>"


_MISSING = _Missing()


def _dict_list(value) -> bool:
    return value is _MISSING or (isinstance(value, list) and all(isinstance(i, dict) for i in value))


def format_path(parts: list) -> str:
    """deepdiff's list of keys -> `spec.containers[name=app].image`."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif isinstance(part, Identity):
            text += part
        elif _PLAIN_KEY.match(str(part)):
            text += ("." if text else "") + str(part)
        else:
            text += f"[{json.dumps(part)}]"
    return text


def _matches(item, conditions: dict[str, str]) -> bool:
    if not isinstance(item, dict):
        return False
    for key, wanted in conditions.items():
        value = item.get(key)
        if value is None:
            value = "TCP" if key == "protocol" else ""
        if str(value) != wanted:
            return False
    return True


def value_at(obj, parts: list):
    """The value at a path in an unkeyed object (identity segments looked up by field), or None."""
    node = obj
    for part in parts:
        if isinstance(node, list) and isinstance(part, Identity):
            node = next((item for item in node if _matches(item, part.conditions)), None)
        elif isinstance(node, list) and isinstance(part, int):
            node = node[part] if part < len(node) else None
        elif isinstance(node, dict):
            node = node.get(part)
        else:
            return None
        if node is None:
            return None
    return node


# A path as format_path writes it: keys joined by `.`, each followed by any `[...]` (an identity,
# an index, or a quoted key); `*` stands for any key or identity value.
_KEY = r"[A-Za-z0-9_*-]+"
_BRACKET = r'\[(?:"(?:[^"\\]|\\.)*"|[^\[\]"]+)\]'
_PATH_PATTERN = re.compile(rf"{_KEY}(?:\.{_KEY}|{_BRACKET})*")


class IgnoreRules:
    """`--ignore` paths in the form changes are reported in, `*` for any list identity or key.
    Called with a change's path: whether to leave it out. Remembers which patterns met a field of
    the objects compared (`note_fields`), so that one that never did can be said."""

    def __init__(self, patterns: list[str]):
        for pattern in patterns:
            if not _PATH_PATTERN.fullmatch(pattern):
                raise UserError(f"invalid --ignore {pattern!r}: give a path as diff reports them, e.g. "
                                "spec.containers[name=app].image or 'spec.containers[name=*].image'")
        self.rules = [(p, re.compile(re.escape(p).replace(r"\*", r"[^.\[\]]*") + r"(?:$|[.\[])")) for p in patterns]
        self.met: set[str] = set()
        self.compared = 0  # objects whose fields were looked at

    def __call__(self, path: str) -> bool:
        found = [pattern for pattern, rx in self.rules if rx.match(path)]
        self.met.update(found)
        return bool(found)

    def note_fields(self, *objects: dict) -> None:
        """Marks the patterns that name a field of these objects (whether it changed or not)."""
        self.compared += len(objects)
        waiting = [(pattern, rx) for pattern, rx in self.rules if pattern not in self.met]
        for obj in objects if waiting else ():
            for parts in _node_paths(keyed_pair(obj, {})[0], []):
                path = format_path(parts)
                self.met.update(pattern for pattern, rx in waiting if rx.match(path))

    def unmet(self) -> list[str]:
        return [pattern for pattern, _ in self.rules if pattern not in self.met]


def _node_paths(node, parts: list):
    if parts:
        yield parts
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _node_paths(value, parts + [key])
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _node_paths(value, parts + [index])
