"""`kubectl pods diff`: what was intended (a manifest, a pattern, the owner's template, or the
last-applied configuration) against the live objects (cluster or `--live` files)."""

from __future__ import annotations

import sys

from kubectl_pods.commands.common import check_output, cluster_contexts, for_context, many_clusters, refuse_together
from kubectl_pods.errors import EXIT_ERROR, EXIT_FOUND, EXIT_OK, NoPodsFound, UserError
from kubectl_pods.options import KubeOptions
from kubectl_pods.sources.live import LiveSide

OUTPUTS = ("text", "unified", "json")


def run(*, names: tuple[str, ...], pattern: str | None, set_values: list[str], owner: bool,
        live_files: list[str], output: str, ignore: list[str], options: KubeOptions,
        server_dry_run: bool = False, explain_defaults: bool = False, contexts: list[str] = (),
        all_contexts: bool = False, against_context: str | None = None, show_injected: bool = False) -> int:
    from kubectl_pods.render.diff_stream import DiffWriter

    check_output(output, OUTPUTS)
    modes = [m for m, on in (("-f", bool(options.filenames)), ("--pattern", bool(pattern)), ("--owner", owner)) if on]
    refuse_together(*((m, True) for m in modes))
    for flag, on in (("--pattern", bool(pattern)), ("--owner", owner), ("--live", bool(live_files))):
        refuse_together(("--server-dry-run", server_dry_run), (flag, on))
    refuse_together(("--explain-defaults", explain_defaults), (f"-o {output}", output == "unified"))
    if set_values and not pattern:
        raise UserError("--set gives values to a pattern: use it with --pattern")
    refuse_together(("--live", bool(live_files)), many_clusters(list(contexts), all_contexts))
    if against_context:
        for flag, on in (("-f", bool(options.filenames)), ("--pattern", bool(pattern)), ("--owner", owner),
                         ("--live", bool(live_files)), ("--server-dry-run", server_dry_run),
                         ("--all-contexts", all_contexts), ("-o unified", output == "unified")):
            refuse_together(("--against-context", True), (flag, on))
        if len(contexts) > 1:
            raise UserError("--against-context compares one cluster with another: give at most one --context")
        from kubectl_pods.commands.diff_clusters import against

        return against(names, output, ignore, options, contexts[0] if contexts else None, against_context)
    if not modes and not names and not options.selector and not live_files:
        raise UserError("say what to compare: -f FILE, --pattern PATTERN, --owner, or pod names / -l SELECTOR "
                        "to compare pods with their last-applied configuration")
    chosen = cluster_contexts(list(contexts), all_contexts, options)
    settings = dict(names=names, pattern=pattern, set_values=set_values, owner=owner, live_files=live_files,
                    ignore=ignore, server_dry_run=server_dry_run, explain_defaults=explain_defaults)
    if len(chosen) > 1:
        from kubectl_pods.commands.diff_clusters import across_clusters

        return across_clusters(chosen, output, options, settings)
    return diff_one(options=for_context(options, chosen[0]), writer=DiffWriter(sys.stdout, output, show_injected),
                    **settings)


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
        for page in live.pod_pages(names):
            batch = targets.owner_comparisons(live, page)
            del page
            yield batch
            del batch
    elif options.filenames:
        yield targets.manifest_comparisons(live, options.filenames, names), []
    elif pattern:
        from kubectl_pods.diff.conformance import conformance_items, pattern_pairs

        pods = live.pods(names) if names or options.selector or live.objects is not None else []
        if not pods:
            raise UserError("--pattern needs the live pods: give pod names, -l SELECTOR or --live FILE")
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
            raise NoPodsFound("no pods found")
