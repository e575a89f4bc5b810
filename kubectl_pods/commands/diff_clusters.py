"""`diff` over many clusters: the same diff on each (`--context` repeated, `--all-contexts`), or
the pods of one cluster against those of another (`--against-context`)."""

from __future__ import annotations

import sys

from collections.abc import Iterator
from contextlib import contextmanager

from kubectl_pods.commands.common import for_context
from kubectl_pods.diff.changes import ADDED, REMOVED
from kubectl_pods.diff.paths import IgnoreRules
from kubectl_pods.errors import EXIT_ERROR, EXIT_FOUND, EXIT_OK, UserError
from kubectl_pods.options import KubeOptions
from kubectl_pods.report_types import ChangeType, DiffItem


def across_clusters(contexts: list[str], output: str, options: KubeOptions, settings: dict) -> int:
    from kubectl_pods.commands import across
    from kubectl_pods.commands.diff_run import diff_one
    from kubectl_pods.render.diff_stream import HEADER, DiffWriter

    def work(context: str, out, errors: list[str]):
        recorder = across.Recorder(DiffWriter(out, output), findings=drift_findings if output == "text" else None,
                                   keep=output == "json")
        return diff_one(options=for_context(options, context), writer=recorder, **settings), recorder

    return across.report(across.run_each(contexts, work), "json" if output == "json" else None, HEADER,
                         "Drift across clusters:")


def drift_findings(item: dict) -> list[str]:
    """Each change of a diff item, said the same way on every cluster: by the workload (a
    ReplicaSet named without its pod-template hash) or the pod, the path and both values."""
    import json

    owner = item.get("owner")
    if owner:
        name = owner["name"]
        if owner["kind"] == "ReplicaSet" and "-" in name:
            name = name.rsplit("-", 1)[0]
        where = f"{'Deployment' if owner['kind'] == 'ReplicaSet' else owner['kind']} {name}"
    else:
        where = f"{(item.get('kind') or 'Pod').lower()} {item.get('name')}"
    return [f"{where}: {change['path']} {change['type']}: {json.dumps(change.get('intended'))} → "
            f"{json.dumps(change.get('live'))}" for change in item.get("changes") or []]


def against(names: tuple[str, ...], output: str, ignore: IgnoreRules, options: KubeOptions,
            context: str | None, other_context: str) -> int:
    """The pods of `context` (the current one if None) against their counterparts on
    `other_context`, which stand as the intended side (diff/cross.py)."""
    from kubectl_pods.commands.diff_targets import cluster_facts
    from kubectl_pods.diff.cross import cross_changes, match
    from kubectl_pods.diff.report import report_item
    from kubectl_pods.render.diff_stream import DiffWriter
    from kubectl_pods.sources.live import LiveSide

    with naming(context and f'context "{context}"'):
        here = LiveSide([], for_context(options, context))
        assert here.cluster is not None  # no --live files: both sides are clusters
        name_here = context or here.cluster.context_name
    with naming(f'context "{name_here}"'):
        left = [pod.pod for pod in here.pods(names)]
    with naming(f'--against-context "{other_context}"'):
        there = LiveSide([], for_context(options, other_context))
        # Pods a controller made have other names on the other cluster: there, the namespace's
        # pods (or those -l selects) are read, and matched by pattern.
        right = [pod.pod for pod in there.pods(())]
    pairs, only_here, only_there = match(left, right)
    if names:
        only_there = []  # asked about these pods only, not about what else runs there
    writer = DiffWriter(sys.stdout, output)
    for live, other in pairs:
        ignore.note_fields(live, other)
        changes = [c for c in cross_changes(live, other, cluster_facts(here, live), cluster_facts(there, other))
                   if not ignore(c["path"])]
        writer.add({**report_item(live, changes), "context": name_here,
                    "comparedWith": f"pod {(other.get('metadata') or {}).get('name')} of context {other_context}"})
    # A pod on one side only is a change of the whole object: added here, or removed from here.
    for pod in only_here:
        writer.unmatched(_whole_pod(pod, ADDED, f"no pod like it in context {other_context}", name_here))
    for pod in only_there:
        writer.unmatched(_whole_pod(pod, REMOVED, f"only in context {other_context}: no pod like it in context "
                                                  f"{name_here}", other_context))
    for item in here.invalid + there.invalid:
        writer.skip(item)
    writer.finish(here.unavailable + there.unavailable)
    if writer.skipped:
        return EXIT_ERROR
    return EXIT_FOUND if writer.drift else EXIT_OK


@contextmanager
def naming(who: str | None) -> Iterator[None]:
    """An error of one side of `--against-context` says which side: `context "prod": ...`."""
    try:
        yield
    except UserError as exc:
        if not who:
            raise
        raise UserError(f"{who}: {exc}") from None


def _whole_pod(pod: dict, change: ChangeType, message: str, context: str) -> DiffItem:
    from kubectl_pods.diff.report import report_item

    item = report_item(pod, [{"path": "", "type": change, "intended": None, "live": None, "message": message}])
    return {**item, "context": context}
