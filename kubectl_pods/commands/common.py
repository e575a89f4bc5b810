"""What the commands share: choosing the pods, the Kubernetes version, and the output format."""

from __future__ import annotations

import os
import sys

from kubectl_pods.errors import EXIT_OK, Forbidden, NoPodsFound, UserError
from kubectl_pods.kube import versions
from kubectl_pods.options import KubeOptions


def refuse_together(*flags: tuple[str, bool]) -> None:
    """kubectl's way with flags that contradict each other: one line naming the two."""
    given = [name for name, on in flags if on]
    if len(given) > 1:
        raise UserError(f"{given[0]} and {given[1]} cannot be used together")


def check_output(output: str, allowed: tuple[str, ...]) -> str:
    if output not in allowed:
        raise UserError(f"unknown output format {output!r}: use one of {', '.join(allowed)}")
    return output


def open_cluster(options: KubeOptions):
    from kubectl_pods.sources.cluster import Cluster

    return Cluster(options)


def pod_pages(names: tuple[str, ...], options: KubeOptions):
    """Pods from -f files, else from the cluster (returned too, for events and the version), as
    (page, errors) pairs: each object that is not a valid pod is an error, the others go on."""
    from kubectl_pods.sources.shape import partition

    if options.filenames:
        from kubectl_pods.sources.files import read_pods

        refuse_together(("-f", True), ("pod names", bool(names)))
        pods, invalid = read_pods(options.filenames)
        if not pods and not invalid:
            raise UserError(f"no Pod or workload with a pod template in {', '.join(options.filenames)}")
        return iter([(pods, invalid)]), None
    cluster = open_cluster(options)

    def pages():
        found = False
        for page in cluster.pod_pages(names):
            found = found or bool(page)
            valid, rejected = partition(page, "the server")
            checked = (valid, [error for _, error in rejected])
            del page, valid, rejected
            yield checked
            del checked
        if not found:
            raise nothing_found(cluster.namespace, options.all_namespaces)
    return pages(), cluster


def nothing_found(namespace: str | None, all_namespaces: bool) -> NoPodsFound:
    """kubectl get's words when nothing matched (kubectl/pkg/cmd/get/get.go: "No resources found
    in %s namespace.", or "No resources found" across namespaces)."""
    if all_namespaces or not namespace:
        return NoPodsFound("No resources found")
    return NoPodsFound(f"No resources found in {namespace} namespace.")


def report_nothing_found(found: NoPodsFound, output: str, header: dict) -> int:
    """As kubectl get answers when nothing matched: exit 0, and its words on stderr, or for JSON
    and YAML an empty list on stdout and nothing on stderr."""
    if output in ("json", "yaml"):
        from kubectl_pods.render.structured import ListStream

        ListStream(sys.stdout, output, header).finish({})
    else:
        note(str(found))
    return EXIT_OK


def cluster_contexts(contexts: list[str], all_contexts: bool, options: KubeOptions) -> list[str | None]:
    """The contexts a command runs on: each --context once, in the order given, or every context
    of the kubeconfig (--all-contexts), or [None]: the current one."""
    refuse_together(("--context", bool(contexts)), ("--all-contexts", all_contexts))
    if all_contexts:
        from kubectl_pods.sources.cluster import context_names

        found = context_names(options)
        if not found:
            raise UserError("--all-contexts: the kubeconfig has no contexts")
        return list(found)
    return list(dict.fromkeys(contexts)) or [None]


def named(contexts: list[str | None]) -> list[str]:
    """The contexts of a run over several clusters, each of which was named (only a run on the
    current context alone has None)."""
    return [context for context in contexts if context is not None]


def many_clusters(contexts: list[str], all_contexts: bool) -> tuple[str, bool]:
    """The flag that asks for several clusters, and whether it was given: for refuse_together."""
    return ("--all-contexts" if all_contexts else "--context (repeated)",
            all_contexts or len(set(contexts)) > 1)


def for_context(options: KubeOptions, context: str | None) -> KubeOptions:
    from dataclasses import replace

    return options if context is None else replace(options, context=context)


def resolve_version(k8s_version: str | None, options: KubeOptions, cluster=None,
                    try_cluster: bool = False, unavailable: list | None = None) -> tuple[tuple[int, int], str]:
    """The version in force and why: --k8s-version, else the cluster's, else the newest."""
    if k8s_version:
        version = versions.parse_version(k8s_version)
        if not versions.OLDEST_SUPPORTED <= version <= versions.NEWEST_SUPPORTED:
            raise UserError(f"Kubernetes {k8s_version} is not supported: use "
                            f"{versions.format_version(versions.OLDEST_SUPPORTED)} to "
                            f"{versions.format_version(versions.NEWEST_SUPPORTED)}")
        return version, "given by --k8s-version"
    # A cluster pointed at: a flag, or a KUBECONFIG of the user's own (not the ~/.kube/config default).
    if cluster is None and try_cluster and (options.names_a_cluster or os.environ.get("KUBECONFIG")):
        try:
            cluster = open_cluster(options)
        except UserError as exc:
            return versions.NEWEST_SUPPORTED, f"the newest supported (the cluster is unreachable: {exc})"
    if cluster is not None:
        try:
            found = cluster.server_version()
        except UserError as exc:
            if isinstance(exc, Forbidden) and unavailable is not None:
                unavailable.append({"what": "version", "namespace": None, "reason": "forbidden"})
            return versions.NEWEST_SUPPORTED, f"the newest supported (cannot read the cluster's version: {exc})"
        clamped = max(versions.OLDEST_SUPPORTED, min(found, versions.NEWEST_SUPPORTED))
        return clamped, f"read from the cluster (v{versions.format_version(found)})"
    return versions.NEWEST_SUPPORTED, ("the newest supported (no --k8s-version, and no cluster named by --context, "
                                       "--kubeconfig or KUBECONFIG)")


def note(message: str) -> None:
    print(message, file=sys.stderr)
