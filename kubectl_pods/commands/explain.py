"""`kubectl pods explain`: wires the source, the analysis and a renderer together, a page of
pods at a time, so that memory does not grow with the number of pods."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from kubectl_pods.commands.common import (check_output, cluster_contexts, for_context, in_background, many_clusters,
                                          named, pod_pages, refuse_together, report_nothing_found, resolve_version)
from kubectl_pods.errors import EXIT_ERROR, EXIT_OK, Forbidden, NoPodsFound
from kubectl_pods.kube.timefmt import now_utc
from kubectl_pods.options import KubeOptions
from kubectl_pods.report_types import Explanation

OUTPUTS = ("text", "wide", "json", "yaml")


def run(*, names: tuple[str, ...], output: str, timeline: bool, what_if: list[str],
        k8s_version: str | None, options: KubeOptions, contexts: Sequence[str] = (),
        all_contexts: bool = False, watch: bool = False, until: str = "ready") -> int:
    from kubectl_pods.explain import parse_what_if

    refuse_together(("-f", bool(options.filenames)), many_clusters(list(contexts), all_contexts))
    chosen = cluster_contexts(list(contexts), all_contexts, options)
    if watch:
        for flag, on in (("--timeline", timeline), ("--what-if", bool(what_if)), ("--k8s-version", bool(k8s_version)),
                         (f"-o {output}", output not in ("text", "json"))):
            refuse_together(("--watch", True), (flag, on))
        from kubectl_pods.commands import watch as watching

        return watching.run(names=names, output=output, until=until, options=options, contexts=chosen)
    check_output(output, OUTPUTS)
    refuse_together(("--timeline", timeline), (f"-o {output}", output != "text"))
    what_ifs = [parse_what_if(text) for text in what_if]
    given = resolve_version(k8s_version, options) if k8s_version else None
    if len(chosen) > 1:
        return _explain_across(named(chosen), names, output, timeline, what_ifs, given, options)
    try:
        return _explain_one(names, output, timeline, what_ifs, given, for_context(options, chosen[0]))
    except NoPodsFound as found:
        from kubectl_pods.render.explain_stream import HEADER

        return report_nothing_found(found, output, HEADER)


def _explain_one(names, output, timeline, what_ifs, given, options: KubeOptions,
                 collector=None, on_error=None) -> int:
    """Explain the pods of one cluster (or files) into an ExplainWriter on stdout; or, for a run
    over many clusters, into `collector` (add/finish), with each bad pod told to `on_error`."""
    from kubectl_pods.explain import explain_pod
    from kubectl_pods.lifecycle.scheduling import kubelet_silent
    from kubectl_pods.render.explain_stream import ExplainWriter

    on_error = on_error or (lambda error: print(f"error: {error}", file=sys.stderr))

    pages, cluster = pod_pages(names, options)
    unavailable: list[dict] = []
    # The version and the events are asked for while the pods are read (the first page's
    # request goes out when the loop below starts); neither waits for the other. Each keeps its
    # own notes of what it could not read, joined in this order (not in the order answers came).
    version_notes: list[dict] = []
    events_notes: list[dict] = []
    version_of = in_background(lambda: given or resolve_version(None, options, cluster, unavailable=version_notes))
    events_of_pods = in_background(lambda: _events(cluster, names, options, events_notes)) \
        if cluster is not None and (names or timeline or output != "text") else None
    now = now_utc()
    version: tuple[int, int] | None = None  # read with the first page (see explain_page)
    events_index = None
    # A summary of one pod is told in detail, with its witnesses: that pod is kept while it is the
    # only one, and dropped at the second (a summary holds no pod past its page).
    alone: dict = {"pod": None, "count": 0}

    def witnesses(pod, index) -> dict:
        """The pod's events and its node, for the diagnosis (lifecycle/events.py, scheduling.py)."""
        from kubectl_pods.sources.cluster import events_of

        return {"events": events_of(index, pod.pod.get("metadata") or {}),
                "node": _node(cluster, pod.pod, unavailable)}

    def single(_item: Explanation) -> Explanation:
        pod = alone["pod"]
        assert version is not None  # a pod is told alone only after its page was explained
        index = _events(cluster, (pod.name,), options, unavailable)
        return explain_pod(pod, version, now, what_ifs, **witnesses(pod, index))

    writer = collector or ExplainWriter(sys.stdout, output, timeline=timeline, detail=output == "wide" or bool(names),
                           all_namespaces=options.all_namespaces,
                           # a live pod's chart runs to now; a recorded one (a file) to its last moment
                           chart_end=now if cluster is not None else None,
                           single_events=single if cluster is not None else None)
    def explain_page(page: list) -> None:
        # A function of its own, so that nothing of this page outlives it while the next is read.
        nonlocal version, events_index
        if version is None:
            version = version_of()[0]
            events_index = events_of_pods() if events_of_pods is not None else None
            unavailable.extend(note for note in version_notes + events_notes if note not in unavailable)
        for pod in page:
            if events_index is None:
                alone["count"] += 1
                alone["pod"] = pod if alone["count"] == 1 else None
                # A summary reads no events; the node only where it decides (no kubelet has written).
                node = _node(cluster, pod.pod, unavailable) if cluster is not None and kubelet_silent(pod.pod) else None
                writer.add(explain_pod(pod, version, now, what_ifs, node=node))
            else:
                writer.add(explain_pod(pod, version, now, what_ifs, **witnesses(pod, events_index)))

    invalid = explained = 0
    for checked in pages:
        for error in checked[1]:
            on_error(error)
        invalid += len(checked[1])
        explained += len(checked[0])
        explain_page(checked[0])
        del checked
    if not explained:
        return EXIT_ERROR
    writer.finish(unavailable)
    return EXIT_ERROR if invalid else EXIT_OK


def _explain_across(contexts: list[str], names, output, timeline, what_ifs, given, options: KubeOptions) -> int:
    """The same explanation on every cluster at once; shape warnings grouped across them."""
    from kubectl_pods.commands import across
    from kubectl_pods.render.explain_stream import HEADER, ExplainWriter

    structured = output if output in ("json", "yaml") else None

    def work(context: str, out, errors: list[str]):
        inner = None if structured else ExplainWriter(
            out, output, timeline=timeline, detail=output == "wide" or bool(names),
            all_namespaces=options.all_namespaces, chart_end=now_utc())
        recorder = across.Recorder(inner, findings=None if structured else findings, keep=bool(structured))
        code = _explain_one(names, output, timeline, what_ifs, given, for_context(options, context),
                            collector=recorder, on_error=lambda error: errors.append(str(error)))
        return code, recorder

    return across.report(across.run_each(contexts, work), structured, HEADER, "Across clusters:")


def findings(item: Explanation) -> list[str]:
    """What a pod's explanation finds, said alike on every cluster: where it is blocked (without
    the counts and times after the colon, which differ from pod to pod) and its warnings."""
    blocked = item["blockedBy"]
    return ([f"blocked: {blocked['reason'].split(': ')[0]}"] if blocked else []) + [
        f"[{w['code']}] {w['message']}" for w in item["warnings"]]


def _node(cluster, pod: dict, unavailable: list[dict]):
    """The pod's Node as read (NODE_MISSING when there is none), or None: no node named, or this
    account may not read nodes (said once under `unavailable`)."""
    from kubectl_pods.lifecycle.scheduling import NODE_MISSING

    name = (pod.get("spec") or {}).get("nodeName")
    note = {"what": "nodes", "namespace": None, "reason": "forbidden"}
    if not name or note in unavailable:
        return None
    try:
        found = cluster.node(name)
    except Forbidden:
        unavailable.append(note)
        return None
    return NODE_MISSING if found is None else found


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
