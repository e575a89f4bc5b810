"""deepdiff over two identity-keyed objects → where they differ, as (kind, path) pairs.

Below `normalise` (which uses `changed_paths` to say what each of its steps filled) and `compare`
(which normalises both sides, then asks this module where they still differ)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from kubectl_pods.diff.paths import Keyed, format_path, keyed_pair
from kubectl_pods.report_types import ChangeType

ADDED: Final = "added"
REMOVED: Final = "removed"
CHANGED: Final = "changed"
# Maps whose entries count one by one, like list items (tests/fixtures/oracle/README.md).
ENTRY_MAPS = ("labels", "annotations", "nodeSelector")


def _entries(parts: list, value) -> list[list]:
    """A whole identity list or entry map added or removed is one change per item or entry."""
    if isinstance(value, Keyed) or (isinstance(value, dict) and parts and parts[-1] in ENTRY_MAPS):
        return [parts + [key] for key in value] or [parts]
    return [parts]


def _kind(report_type: str) -> ChangeType | None:
    if report_type in ("dictionary_item_added", "iterable_item_added", "attribute_added"):
        return ADDED
    if report_type in ("dictionary_item_removed", "iterable_item_removed", "attribute_removed"):
        return REMOVED
    if report_type in ("values_changed", "type_changes"):
        return CHANGED
    return None


def _without_equal(a, b):
    """Both sides with every map entry that is equal on both dropped, recursively: what is left
    holds exactly the differences, at the same paths, so deepdiff's work follows the drift rather
    than the size of the pod (most pods have none, and then nothing is left to compare)."""
    if not (isinstance(a, dict) and isinstance(b, dict)) or type(a) is not type(b):
        return a, b
    kept_a, kept_b = type(a)(), type(b)()
    for key in a.keys() | b.keys():
        if key in a and key in b:
            if a[key] == b[key]:
                continue
            kept_a[key], kept_b[key] = _without_equal(a[key], b[key])
        elif key in a:
            kept_a[key] = a[key]
        else:
            kept_b[key] = b[key]
    return kept_a, kept_b


def _tree(a: dict, b: dict):
    keyed_a, keyed_b = _without_equal(*keyed_pair(a, b))
    if keyed_a == keyed_b:
        return {}
    from deepdiff import DeepDiff

    # threshold_to_diff_deeper=0: never collapse a dict with few shared keys into one whole change.
    return DeepDiff(keyed_a, keyed_b, view="tree", verbose_level=2, threshold_to_diff_deeper=0)


def _changes(tree):
    for report_type, levels in tree.items():
        kind = _kind(report_type)
        if kind is None:
            continue
        for level in levels:
            parts = level.path(output_format="list")
            whole = level.t2 if kind == ADDED else level.t1
            for item in (_entries(parts, whole) if kind != CHANGED else [parts]):
                yield kind, item


def differences(a: dict, b: dict) -> Iterator[tuple[ChangeType, list]]:
    """(ADDED | REMOVED | CHANGED, path parts) for each place where `b` differs from `a`."""
    return _changes(_tree(a, b))


def changed_paths(before: dict, after: dict) -> list[str]:
    """Every path at which two versions of one object differ."""
    return [format_path(parts) for _, parts in differences(before, after)]


