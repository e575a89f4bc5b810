"""Label and field selectors as the API server reads them, for the loopback test server."""

from __future__ import annotations

import re

_SET_TERM = re.compile(r"^\s*(!?)([\w./-]+)\s*(?:(in|notin)\s*\(([^)]*)\))?\s*$")
_EQ_TERM = re.compile(r"^\s*([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)\s*$")


def split_terms(selector: str) -> list[str]:
    """Split on commas that are not inside `in (...)` sets."""
    terms, depth, current = [], 0, ""
    for ch in selector:
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            terms.append(current)
            current = ""
        else:
            current += ch
    terms.append(current)
    return [t for t in terms if t.strip()]


def label_matcher(selector: str | None):
    if not selector:
        return lambda labels: True
    checks = []
    for term in split_terms(selector):
        eq = _EQ_TERM.match(term)
        if eq:
            key, op, value = eq.groups()
            checks.append(lambda ls, k=key, o=op, v=value: (ls.get(k) == v) == (o != "!="))
            continue
        st = _SET_TERM.match(term)
        if not st:
            raise ValueError(f"unable to parse requirement: {term!r}")
        negate, key, op, values = st.groups()
        if op:
            allowed = {v.strip() for v in values.split(",")}
            checks.append(lambda ls, k=key, o=op, a=allowed:
                          (ls.get(k) in a) if o == "in" else (ls.get(k) not in a))
        else:
            checks.append(lambda ls, k=key, n=bool(negate): (k in ls) != n)
    return lambda labels: all(check(labels or {}) for check in checks)


def field_value(obj: dict, dotted: str):
    value = obj
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return "" if value is None else str(value)


def field_matcher(selector: str | None, supported: set[str]):
    if not selector:
        return lambda obj: True
    checks = []
    for term in split_terms(selector):
        eq = _EQ_TERM.match(term)
        if not eq:
            raise ValueError(f"invalid field selector: {term!r}")
        key, op, value = eq.groups()
        if key not in supported:
            raise ValueError(f'field label not supported: {key}')
        checks.append(lambda o, k=key, op=op, v=value: (field_value(o, k) == v) == (op != "!="))
    return lambda obj: all(check(obj) for check in checks)
