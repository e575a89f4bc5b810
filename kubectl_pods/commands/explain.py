"""`kubectl pods explain`: wires the source, the analysis and a renderer together."""

from __future__ import annotations

import sys

from kubectl_pods.commands.common import check_output, load_pods, refuse_together, resolve_version
from kubectl_pods.errors import EXIT_ERROR, EXIT_OK, Forbidden
from kubectl_pods.kube.timefmt import now_utc
from kubectl_pods.options import KubeOptions

OUTPUTS = ("text", "wide", "json", "yaml")


def run(*, names: tuple[str, ...], output: str, timeline: bool, what_if: list[str],
        k8s_version: str | None, options: KubeOptions) -> int:
    from kubectl_pods.explain import attach_events, explain_pod, parse_what_if

    check_output(output, OUTPUTS)
    refuse_together(("--timeline", timeline), (f"-o {output}", output != "text"))
    what_ifs = [parse_what_if(text) for text in what_if]
    given = resolve_version(k8s_version, options) if k8s_version else None
    pods, invalid, cluster = load_pods(names, options)
    for error in invalid:
        print(f"error: {error}", file=sys.stderr)
    if not pods:
        return EXIT_ERROR
    unavailable: list[dict] = []
    version, _ = given or resolve_version(None, options, cluster, unavailable=unavailable)
    now = now_utc()
    items = [explain_pod(pod, version, now, what_ifs) for pod in pods]
    if cluster is not None and (names or len(pods) == 1 or timeline or output != "text"):
        try:
            events = cluster.events_by_pod([pod.pod for pod in pods])
        except Forbidden:
            namespaces = sorted({item["namespace"] or "" for item in items})
            unavailable.append({"what": "events", "namespace": ", ".join(namespaces), "reason": "forbidden"})
            events = {}
        items = [attach_events(item, events.get((item["namespace"], item["name"]), [])) for item in items]
    # A live pod's chart runs to now; a recorded one (a file) ends at its last recorded moment.
    chart_end = now if cluster is not None else None
    sys.stdout.write(render(items, output, timeline, bool(names), options.all_namespaces, chart_end, unavailable))
    return EXIT_ERROR if invalid else EXIT_OK


def render(items: list[dict], output: str, timeline: bool, named: bool, all_namespaces: bool, chart_end,
           unavailable: list[dict] = ()) -> str:
    from kubectl_pods.render.unavailable import unavailable_lines

    if output in ("json", "yaml"):
        from kubectl_pods.render import structured

        report = {"kind": "ExplainList", "apiVersion": "kubectl-pods/v1", "items": items}
        if unavailable:
            report["unavailable"] = list(unavailable)
        return structured.to_json(report) if output == "json" else structured.to_yaml(report)
    notes = "".join(line + "\n" for line in unavailable_lines(list(unavailable)))
    return render_text(items, timeline, output == "wide" or named, all_namespaces, chart_end) + notes


def render_text(items: list[dict], timeline: bool, detail: bool, all_namespaces: bool, chart_end) -> str:
    from kubectl_pods.explain import group_key
    from kubectl_pods.render import explain_text, timeline as timeline_chart

    if timeline:
        return "\n".join(timeline_chart.render_timeline(item, chart_end) for item in items)
    if detail or len(items) == 1:
        return "\n".join(explain_text.render_detail(item) for item in items)
    groups: dict[str, list[dict]] = {}
    for item in items:
        groups.setdefault(group_key(item), []).append(item)
    return explain_text.render_summary(items, groups, all_namespaces)
