"""`kubectl pods explain`: wires the source, the analysis and a renderer together, a page of
pods at a time, so that memory does not grow with the number of pods."""

from __future__ import annotations

import sys

from kubectl_pods.commands.common import check_output, pod_pages, refuse_together, resolve_version
from kubectl_pods.errors import EXIT_ERROR, EXIT_OK, Forbidden
from kubectl_pods.kube.timefmt import now_utc
from kubectl_pods.options import KubeOptions

OUTPUTS = ("text", "wide", "json", "yaml")


def run(*, names: tuple[str, ...], output: str, timeline: bool, what_if: list[str],
        k8s_version: str | None, options: KubeOptions) -> int:
    from kubectl_pods.explain import attach_events, explain_pod, parse_what_if
    from kubectl_pods.render.explain_stream import ExplainWriter

    check_output(output, OUTPUTS)
    refuse_together(("--timeline", timeline), (f"-o {output}", output != "text"))
    what_ifs = [parse_what_if(text) for text in what_if]
    given = resolve_version(k8s_version, options) if k8s_version else None
    pages, cluster = pod_pages(names, options)
    unavailable: list[dict] = []
    version, _ = given or resolve_version(None, options, cluster, unavailable=unavailable)
    now = now_utc()
    events_index = None
    if cluster is not None and (names or timeline or output != "text"):
        events_index = _events(cluster, names, options, unavailable)

    def with_events(item: dict, uid: str | None = None) -> dict:
        from kubectl_pods.sources.cluster import events_of

        index = events_index if events_index is not None else _events(cluster, (item["name"],), options, unavailable)
        return attach_events(item, events_of(index, {"namespace": item["namespace"], "name": item["name"], "uid": uid}))

    writer = ExplainWriter(sys.stdout, output, timeline=timeline, detail=output == "wide" or bool(names),
                           all_namespaces=options.all_namespaces,
                           # a live pod's chart runs to now; a recorded one (a file) to its last moment
                           chart_end=now if cluster is not None else None,
                           single_events=with_events if cluster is not None else None)
    def explain_page(page: list) -> None:
        # A function of its own, so that nothing of this page outlives it while the next is read.
        for pod in page:
            item = explain_pod(pod, version, now, what_ifs)
            writer.add(with_events(item, (pod.pod.get("metadata") or {}).get("uid")) if events_index is not None else item)

    invalid = explained = 0
    for checked in pages:
        for error in checked[1]:
            print(f"error: {error}", file=sys.stderr)
        invalid += len(checked[1])
        explained += len(checked[0])
        explain_page(checked[0])
        del checked
    if not explained:
        return EXIT_ERROR
    writer.finish(unavailable)
    return EXIT_ERROR if invalid else EXIT_OK


def _events(cluster, names: tuple[str, ...], options: KubeOptions, unavailable: list[dict]) -> dict:
    """Pod events, fetched once: of the named pod, or of every pod of the namespace."""
    namespace = None if options.all_namespaces else cluster.namespace
    try:
        return cluster.pod_events(namespace, names[0] if len(names) == 1 else None)
    except Forbidden:
        note = {"what": "events", "namespace": namespace, "reason": "forbidden"}
        if note not in unavailable:
            unavailable.append(note)
        return {}
