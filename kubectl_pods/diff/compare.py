"""The changes between what was intended and what is live, in the fixture's style: both sides
normalised (`normalise`), then compared (`changes`).

Each change holds the values at its path in the objects as they were given (not normalised), so
a user sees what they wrote and what the server holds.
"""

from __future__ import annotations

from kubectl_pods.diff.admission import ClusterFacts
from kubectl_pods.diff.changes import differences
from kubectl_pods.diff.normalise import normalise
from kubectl_pods.diff.paths import format_path, value_at
from kubectl_pods.report_types import Change


def diff_objects(intended: dict, live: dict, intended_is_template: bool = False,
                 facts: ClusterFacts | None = None) -> list[Change]:
    """Every real difference between what was intended and what the server holds."""
    mine, theirs = normalise(intended, live, intended_is_template, facts)
    changes: list[Change] = [{"path": format_path(parts), "type": kind,
                "intended": value_at(intended, parts), "live": value_at(live, parts)}
               for kind, parts in differences(mine, theirs)]
    return sorted(changes, key=lambda change: change["path"])
