"""`kubectl pods diff`: what was intended (a manifest, a pattern, the owner's template, or the
last-applied configuration) against the live objects (cluster or `--live` files)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from kubectl_pods.commands.common import (check_output, cluster_contexts, for_context, many_clusters, named, note,
                                          refuse_together, report_nothing_found)
from kubectl_pods.errors import NoPodsFound, UserError
from kubectl_pods.options import KubeOptions

if TYPE_CHECKING:
    from kubectl_pods.diff.paths import IgnoreRules

OUTPUTS = ("text", "unified", "json")


def run(*, names: tuple[str, ...], pattern: str | None, set_values: list[str], owner: bool,
        live_files: list[str], output: str, ignore: list[str], options: KubeOptions,
        server_dry_run: bool = False, explain_defaults: bool = False, contexts: Sequence[str] = (),
        all_contexts: bool = False, against_context: str | None = None, show_injected: bool = False) -> int:
    from kubectl_pods.diff.paths import IgnoreRules

    check_output(output, OUTPUTS)
    rules = IgnoreRules(ignore)  # a malformed path is an error before anything is read
    code = _run(names=names, pattern=pattern, set_values=set_values, owner=owner, live_files=live_files,
                output=output, ignore=rules, options=options, server_dry_run=server_dry_run,
                explain_defaults=explain_defaults, contexts=contexts, all_contexts=all_contexts,
                against_context=against_context, show_injected=show_injected)
    if rules.compared:
        for unmet in rules.unmet():
            note(f"warning: --ignore {unmet!r} names no field of the objects compared")
    return code


def _run(*, names: tuple[str, ...], pattern: str | None, set_values: list[str], owner: bool,
         live_files: list[str], output: str, ignore: IgnoreRules, options: KubeOptions, server_dry_run: bool,
         explain_defaults: bool, contexts: Sequence[str], all_contexts: bool, against_context: str | None,
         show_injected: bool) -> int:
    from kubectl_pods.render.diff_stream import DiffWriter

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

        return across_clusters(named(chosen), output, options, settings)
    from kubectl_pods.commands.diff_run import diff_one

    try:
        return diff_one(options=for_context(options, chosen[0]), writer=DiffWriter(sys.stdout, output, show_injected),
                        **settings)
    except NoPodsFound as found:
        from kubectl_pods.render.diff_stream import HEADER

        return report_nothing_found(found, output, HEADER)
