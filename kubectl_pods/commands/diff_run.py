"""`diff` on one cluster (or `--live` files): the comparisons a batch at a time, into a writer.
`commands/diff.py` checks the flags and calls it once, `commands/diff_clusters.py` once a cluster."""

from __future__ import annotations

from kubectl_pods.commands.common import nothing_found
from kubectl_pods.errors import EXIT_ERROR, EXIT_FOUND, EXIT_OK, UserError
from kubectl_pods.options import KubeOptions
from kubectl_pods.sources.live import LiveSide


def diff_one(*, names, pattern, set_values, owner, live_files, ignore, server_dry_run, explain_defaults,
             options: KubeOptions, writer) -> int:
    """Diff on one cluster (or `--live` files), into `writer`; the exit code."""
    from kubectl_pods.commands import diff_targets as targets
    from kubectl_pods.diff.report import pod_diff

    live = LiveSide(live_files, options)
    def compare_batch(comparisons: list, skipped: list[dict]) -> None:
        # A function of its own, so that nothing of this batch outlives it while the next is read.
        if server_dry_run:
            comparisons = targets.server_dry_run(live, comparisons)
        for comparison in comparisons:
            if isinstance(comparison, dict):  # a pattern's shape check: already an item
                writer.add(comparison)
                continue
            if comparison.is_pod and comparison.facts is None:
                comparison.facts = targets.cluster_facts(live, comparison.live)
            writer.add(pod_diff(comparison, ignore=ignore, explain_defaults=explain_defaults), comparison)
        for item in skipped:
            writer.skip(item)

    for batch in _batches(live, names, pattern, set_values, owner, options):
        compare_batch(*batch)
        del batch
    for item in live.invalid:
        writer.skip(item)
    writer.finish(live.unavailable)
    if writer.skipped:
        return EXIT_ERROR
    return EXIT_FOUND if writer.drift else EXIT_OK


def _batches(live: LiveSide, names, pattern, set_values, owner, options):
    """(comparisons, skipped) a batch at a time: a page of pods where intent comes from each pod
    (its owner, its last-applied configuration), the whole set where it comes from a file or pattern."""
    from kubectl_pods.commands import diff_targets as targets
    from kubectl_pods.diff.report import Comparison

    if owner:
        found = False
        for page in live.pod_pages(names):
            found = found or bool(page)
            batch = targets.owner_comparisons(live, page)
            del page
            yield batch
            del batch
        if not found:
            raise nothing_found(live.namespace, options.all_namespaces)
    elif options.filenames:
        yield targets.manifest_comparisons(live, options.filenames, names), []
    elif pattern:
        from kubectl_pods.diff.conformance import conformance_items, pattern_pairs

        if not (names or options.selector or live.objects is not None):
            raise UserError("--pattern needs the live pods: give pod names, -l SELECTOR or --live FILE")
        pods = live.pods(names)
        if not pods:
            raise nothing_found(live.namespace, options.all_namespaces)
        if set_values:
            yield [Comparison(i, t, True, f"pattern {pattern}") for i, t, _ in pattern_pairs(pattern, set_values, pods)], []
        else:
            yield conformance_items(pattern, pods), []
    else:
        found = False
        for page in live.pod_pages(names):
            found = found or bool(page)
            batch = targets.last_applied_comparisons(page)
            del page
            yield batch
            del batch
        if not found:
            raise nothing_found(live.namespace, options.all_namespaces)
