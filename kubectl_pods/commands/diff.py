"""`kubectl pods diff`: what was intended (a manifest, a pattern, the owner's template, or the
last-applied configuration) against the live objects (cluster or `--live` files)."""

from __future__ import annotations

import sys

from kubectl_pods.commands.common import check_output, refuse_together
from kubectl_pods.errors import EXIT_ERROR, EXIT_FOUND, EXIT_OK, UserError
from kubectl_pods.options import KubeOptions
from kubectl_pods.sources.live import LiveSide

OUTPUTS = ("text", "unified", "json")


def run(*, names: tuple[str, ...], pattern: str | None, set_values: list[str], owner: bool,
        live_files: list[str], output: str, ignore: list[str], options: KubeOptions,
        server_dry_run: bool = False, explain_defaults: bool = False) -> int:
    from kubectl_pods.commands import diff_targets as targets
    from kubectl_pods.diff.report import Comparison, group, pod_diff
    from kubectl_pods.render import diff_text, structured

    check_output(output, OUTPUTS)
    modes = [m for m, on in (("-f", bool(options.filenames)), ("--pattern", bool(pattern)), ("--owner", owner)) if on]
    refuse_together(*((m, True) for m in modes))
    for flag, on in (("--pattern", bool(pattern)), ("--owner", owner), ("--live", bool(live_files))):
        refuse_together(("--server-dry-run", server_dry_run), (flag, on))
    refuse_together(("--explain-defaults", explain_defaults), (f"-o {output}", output == "unified"))
    if set_values and not pattern:
        raise UserError("--set gives values to a pattern: use it with --pattern")
    if not modes and not names and not options.selector and not live_files:
        raise UserError("say what to compare: -f FILE, --pattern PATTERN, --owner, or pod names / -l SELECTOR "
                        "to compare pods with their last-applied configuration")
    live = LiveSide(live_files, options)
    conformance: list[dict] = []
    skipped: list[dict] = []
    if owner:
        comparisons, skipped = targets.owner_comparisons(live, live.pods(names))
    elif options.filenames:
        comparisons = targets.manifest_comparisons(live, options.filenames, names)
    elif pattern:
        from kubectl_pods.diff.conformance import conformance_items, pattern_pairs

        pods = live.pods(names) if names or options.selector or live_files else []
        if not pods:
            raise UserError("--pattern needs the live pods: give pod names, -l SELECTOR or --live FILE")
        comparisons = [Comparison(i, t, True, f"pattern {pattern}") for i, t, _ in
                       pattern_pairs(pattern, set_values, pods)] if set_values else []
        if not set_values:
            conformance = conformance_items(pattern, pods)
    else:
        comparisons, skipped = targets.last_applied_comparisons(live.pods(names))
    if server_dry_run:
        comparisons = targets.server_dry_run(live, comparisons)
    for comparison in comparisons:
        if comparison.is_pod and comparison.facts is None:
            comparison.facts = targets.cluster_facts(live, comparison.live)

    skipped += live.invalid
    items = [pod_diff(c, ignore=ignore, explain_defaults=explain_defaults) for c in comparisons]
    items += conformance
    drift = any(item["changes"] for item in items)
    if output == "json":
        body = {"kind": "DiffList", "apiVersion": "kubectl-pods/v1", "items": items + skipped}
        if live.unavailable:
            body["unavailable"] = live.unavailable
        sys.stdout.write(structured.to_json(body))
    elif output == "unified":
        from kubectl_pods.diff.normalise import normalise

        sys.stdout.write(diff_text.render_unified(
            [(c.live_name, *normalise(c.intended, c.live, c.from_template, c.facts)) for c in comparisons]))
    else:
        sys.stdout.write(diff_text.render_groups(group(items), skipped, live.unavailable))
    if skipped:
        return EXIT_ERROR
    return EXIT_FOUND if drift else EXIT_OK
