"""The live side of `diff`: pods, their owners, workloads and LimitRanges, from the cluster or
from `--live` files (a support bundle, `kubectl get -o json` output)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kubectl_pods.errors import Forbidden, NotFound, UserError
from kubectl_pods.options import KubeOptions
from kubectl_pods.sources import PodInput

if TYPE_CHECKING:
    from concurrent.futures import Future


def _labels_match(obj: dict, match_labels: dict) -> bool:
    labels = (obj.get("metadata") or {}).get("labels") or {}
    return all(labels.get(k) == v for k, v in match_labels.items())


class LiveSide:
    """Live objects from the cluster (read-only) or from `--live` files."""

    def __init__(self, live_files: list[str], options: KubeOptions):
        self.options = options
        self.unavailable: list[dict] = []
        self.invalid: list[dict] = []  # live objects not in the API's shape, said as skipped items
        self._owner_problems: dict[int, str | None] = {}
        self._limit_ranges: dict[str | None, list[dict] | None] = {}
        self._pending: dict[str, Future] = {}  # namespace -> the LimitRanges being read
        self.objects: list[dict] | None
        if live_files:
            from kubectl_pods.sources.files import objects_in, read_documents

            self.objects = [obj for _, doc in read_documents(live_files) for obj in objects_in(doc)]
            self.cluster = None
        else:
            from kubectl_pods.commands.common import open_cluster

            self.objects = None
            self.cluster = open_cluster(options)
            if not options.all_namespaces:
                self._prefetch_limit_ranges(self.cluster.namespace)

    def for_object(self, namespace: str | None) -> LiveSide:
        """The live side of a manifest's object: its own namespace when it names one and -n does
        not, as kubectl diff and apply read it (cli-runtime resource visitor.go: DefaultNamespace,
        and RequireNamespace's error when -n names another)."""
        if self.cluster is None or not namespace or namespace == self.namespace:
            return self
        if self.options.namespace:
            raise UserError(f'the namespace from the provided object "{namespace}" does not match the namespace '
                            f'"{self.options.namespace}". You must pass \'--namespace={namespace}\' to perform '
                            "this operation.")
        from dataclasses import replace

        other = LiveSide([], replace(self.options, namespace=namespace))
        other.unavailable, other.invalid = self.unavailable, self.invalid  # one report for both
        return other

    @property
    def _files(self) -> list[dict]:
        """The objects of the `--live` files (read only where there is no cluster)."""
        assert self.objects is not None, "no --live files: the cluster is the live side"
        return self.objects

    @property
    def namespace(self) -> str | None:
        return self.cluster.namespace if self.cluster is not None else None

    def pods(self, names: tuple[str, ...] = (), match_labels: dict | None = None,
             generate_name: str | None = None) -> list[PodInput]:
        """The live pods asked for; one that is not in the API's shape is set aside in `invalid`."""
        return self._checked(self._pods(names, match_labels, generate_name))

    def pod_pages(self, names: tuple[str, ...] = ()):
        """The pods the flags select, a page at a time (the cluster's pages of 500)."""
        if self.cluster is None:
            yield self.pods(names)
            return
        for page in self.cluster.pod_pages(names):
            checked = self._checked(page)
            del page
            yield checked
            del checked

    def _checked(self, pods: list[PodInput]) -> list[PodInput]:
        from kubectl_pods.sources.shape import partition

        valid, rejected = partition(pods, "the server" if self.cluster is not None else "--live")
        for pod, error in rejected:
            meta = found if isinstance(found := pod.pod.get("metadata"), dict) else {}
            self.invalid.append({"kind": "Pod", "name": meta.get("name"), "namespace": meta.get("namespace"),
                                 "skipped": str(error)})
        return valid

    def _pods(self, names: tuple[str, ...], match_labels: dict | None, generate_name: str | None) -> list[PodInput]:
        if self.cluster is not None:
            if generate_name is not None and not names:
                return [p for p in self.cluster.pods() if (p.pod.get("metadata") or {}).get("generateName") == generate_name]
            if match_labels is not None and not names:
                return self.cluster.pods(selector=",".join(f"{k}={v}" for k, v in sorted(match_labels.items())))
            return self.cluster.pods(names)
        found = [PodInput(pod=o, source="--live") for o in self._files if o.get("kind") == "Pod"]
        if names:
            found = [p for p in found if p.name in names]
        if match_labels is not None:
            found = [p for p in found if _labels_match(p.pod, match_labels)]
        if generate_name is not None:
            found = [p for p in found if (p.pod.get("metadata") or {}).get("generateName") == generate_name]
        return found

    def workload(self, kind: str, name: str, namespace: str | None) -> dict | None:
        """The live object of a workload, or None when there is none."""
        if self.cluster is not None:
            from kubectl_pods.sources.cluster import RESOURCES, Request, resource_path

            namespace = namespace or self.cluster.namespace
            try:
                return self.cluster.get_json(resource_path(kind, namespace, name), Request("get", RESOURCES[kind][1], namespace, name))
            except NotFound:
                return None
            except Forbidden as exc:
                self.forbidden(exc.resource, namespace)
                return None
        return next((o for o in self._files if o.get("kind") == kind and (o.get("metadata") or {}).get("name") == name
                     and (namespace is None or (o.get("metadata") or {}).get("namespace") in (None, namespace))), None)

    def owner_problem(self, owner: dict) -> str | None:
        """What is wrong with an owner's shape, checked once however many pods it owns."""
        from kubectl_pods.sources.shape import InvalidObject, check

        key = id(owner)
        if key not in self._owner_problems:
            try:
                check(owner, "the owner")
                self._owner_problems[key] = None
            except InvalidObject as error:
                self._owner_problems[key] = str(error)
        return self._owner_problems[key]

    def forbidden(self, what: str, namespace: str | None) -> None:
        """Note, once, that something optional could not be read."""
        note = {"what": what, "namespace": namespace, "reason": "forbidden"}
        if note not in self.unavailable:
            self.unavailable.append(note)

    def owner_chain(self, pod: dict) -> list[dict] | None:
        """The controllers above a pod, nearest first, as far as this account may read them; None
        when it may not read even the nearest one."""
        if self.cluster is not None:
            refused = []

            def note(exc: Forbidden, namespace: str | None) -> None:
                refused.append(exc)
                self.forbidden(exc.resource, namespace)

            chain = self.cluster.owner_chain(pod, on_forbidden=note)
            return None if refused and not chain else chain
        chain, current = [], pod
        while True:
            refs = (current.get("metadata") or {}).get("ownerReferences") or []
            ref = next((r for r in refs if isinstance(r, dict) and r.get("controller")), None)
            found = ref and next((o for o in self._files if o.get("kind") == ref.get("kind")
                                  and (o.get("metadata") or {}).get("name") == ref.get("name")), None)
            if not found or found in chain:
                return chain
            chain.append(found)
            current = found

    def _prefetch_limit_ranges(self, namespace: str) -> None:
        """Every pod compared with a cluster needs its namespace's LimitRanges (ClusterFacts):
        those of the namespace in use are asked for at once, while the pods are read."""
        from concurrent.futures import ThreadPoolExecutor

        pool = ThreadPoolExecutor(max_workers=1)
        assert self.cluster is not None  # only a side read from a cluster prefetches
        self._pending[namespace] = pool.submit(self.cluster.list_json, "LimitRange", namespace)
        pool.shutdown(wait=False)

    def limit_ranges(self, namespace: str | None) -> list[dict] | None:
        """The namespace's LimitRanges, or None when they cannot be read (said in `unavailable`)."""
        if namespace in self._pending and namespace not in self._limit_ranges:
            try:
                self._limit_ranges[namespace] = self._pending.pop(namespace).result()
            except Forbidden as exc:
                self._limit_ranges[namespace] = None
                self.forbidden(exc.resource, namespace)
        if namespace not in self._limit_ranges:
            if self.cluster is None:
                self._limit_ranges[namespace] = [o for o in self._files if o.get("kind") == "LimitRange"
                                                 and (o.get("metadata") or {}).get("namespace") in (None, namespace)]
            else:
                try:
                    self._limit_ranges[namespace] = self.cluster.list_json("LimitRange", namespace or self.cluster.namespace)
                except Forbidden as exc:
                    self._limit_ranges[namespace] = None
                    self.forbidden(exc.resource, namespace)
        return self._limit_ranges[namespace]
