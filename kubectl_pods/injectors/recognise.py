"""Which containers of a pod an injector wrote, found by the injector's own markers (pure).

A pod is an injector's work only when it carries one of the injector's pod markers (an annotation
or label the injector writes at injection, e.g. Istio's `sidecar.istio.io/status`, Linkerd's
`linkerd.io/proxy-version`). Then its containers are the ones its status annotation lists (Istio:
exactly what it injected) or, without one, the ones named in its catalogue entry. A container name
alone never attributes: without a marker nothing is the injector's.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Final

from kubectl_pods.injectors.catalogue import LONG_RUNNING, Injector, catalogue, name_matches
from kubectl_pods.report_types import InjectionMode, InjectorReport

REGULAR: Final = "regular"
NATIVE: Final = "native"
INIT_ONLY: Final = "init-only"


@dataclass(frozen=True)
class InjectedContainer:
    name: str
    list: str  # "containers" or "initContainers"
    kind: str  # proxy | agent | init | validation (the catalogue's)
    index: int  # position in its list

    @property
    def long_running(self) -> bool:
        return self.kind in LONG_RUNNING


@dataclass(frozen=True)
class Injection:
    """What one injector did to one pod."""

    name: str  # the injector's short name (`istio`, `linkerd`, ...)
    version: str | None
    mode: InjectionMode | None  # None when none of its containers is left
    containers: tuple[InjectedContainer, ...]
    marker: str  # how it was recognised, e.g. "annotation sidecar.istio.io/status"
    listed: dict | None = None  # the status annotation's content, where the injector writes one

    @property
    def container_names(self) -> list[str]:
        return [c.name for c in self.containers]

    def as_report(self, title: str, notes: list[str]) -> InjectorReport:
        return {"name": self.name, "title": title, "version": self.version, "mode": self.mode,
                "containers": self.container_names, "marker": self.marker, "notes": notes}


def _entries(metas: list[dict], field: str) -> dict:
    merged: dict = {}
    for meta in reversed(metas):  # the pod's own metadata wins over an enclosing template's
        merged.update(meta.get(field) or {})
    return merged


def _marker(injector: Injector, annotations: dict, labels: dict, pod_spec: dict) -> str | None:
    markers = injector.data["pod_markers"] or {}
    for field, present, word in (("annotations", annotations, "annotation"), ("labels", labels, "label")):
        for key, pattern in (markers.get(field) or {}).items():
            for name in (present if key.startswith("^") else [key] if key in present else []):
                if name_matches(key, name) and (pattern is None or re.search(pattern, str(present[name]))):
                    return f"{word} {name}"
    # Injectors that write no annotation or label: a volume, or an env var in one of their
    # containers, that only the injector writes (still never a container's name alone).
    for volume in pod_spec.get("volumes") or []:
        if _matches_any(markers.get("volumes"), volume.get("name")):
            return f"volume {volume.get('name')}"
    for rule in markers.get("env") or []:
        for field in ("initContainers", "containers"):
            for container in pod_spec.get(field) or []:
                if name_matches(rule["container"], str(container.get("name"))) and any(
                        e.get("name") == rule["name"] and _value_matches(rule.get("value"), e.get("value"))
                        for e in container.get("env") or []):
                    return f"env {rule['name']} of container {container.get('name')}"
    return None


def _value_matches(pattern: str | None, value) -> bool:
    """An env marker's optional `value` regex (a literal value only: one from valueFrom is unknown here)."""
    return pattern is None or (isinstance(value, str) and re.search(pattern, value) is not None)


def _matches_any(patterns, name) -> bool:
    return isinstance(name, str) and any(name_matches(p, name) for p in patterns or [])


def _status(injector: Injector, annotations: dict) -> dict | None:
    """The injector's own list of what it injected (`status_annotation`), when it wrote one."""
    status = injector.data.get("status_annotation")
    if not status or status.get("key") not in annotations:
        return None
    try:
        value = json.loads(annotations[status["key"]])
    except (TypeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _listed_names(listed: dict | None) -> set[str] | None:
    if listed is None:
        return None
    return {name for field in ("initContainers", "containers") for name in listed.get(field) or []
            if isinstance(name, str)}


def _image_tag(image: str | None) -> str | None:
    if not image:
        return None
    image = image.split("@", 1)[0]
    name, _, tag = image.rpartition(":")
    return tag if name and "/" not in tag else None


def _env_version(container: dict, rule: dict) -> str | None:
    """The injector's version from an env var it writes into its container (`{container, env,
    pattern}`; the pattern's first group, e.g. `cloud-sql-proxy-operator/(.+)`)."""
    value = next((e.get("value") for e in container.get("env") or [] if e.get("name") == rule["env"]), None)
    if not isinstance(value, str):
        return None
    found = re.search(rule.get("pattern") or "(.+)", value)
    return (found.group(1) if found and found.groups() else found.group(0) if found else None) or None


def _version(injector: Injector, annotations: dict, labels: dict, pod_spec: dict) -> str | None:
    rule = injector.data.get("version") or {}
    if rule.get("annotation"):
        return annotations.get(rule["annotation"]) or None
    if rule.get("label"):
        return labels.get(rule["label"]) or None
    if rule.get("container"):
        for field in ("initContainers", "containers"):
            for container in pod_spec.get(field) or []:
                if name_matches(rule["container"], str(container.get("name"))):
                    return _env_version(container, rule) if rule.get("env") else _image_tag(container.get("image"))
    return None


def mode_of(containers: tuple[InjectedContainer, ...] | list[InjectedContainer], pod_spec: dict) -> InjectionMode | None:
    """native when a long-running injected container is an init container with restartPolicy
    Always (KEP-753), regular when it is in `containers`, init-only when it injected no such one."""
    if not containers:
        return None
    inits = pod_spec.get("initContainers") or []
    for c in containers:
        if c.long_running and c.list == "initContainers" and inits[c.index].get("restartPolicy") == "Always":
            return NATIVE
    if any(c.long_running for c in containers):
        return REGULAR
    return INIT_ONLY


def recognise(pod: dict, outer_metadata: tuple[dict, ...] | list[dict] = ()) -> list[Injection]:
    """Every injection found on `pod` (a Pod, or a Pod built from a workload's template).

    `outer_metadata`: metadata of enclosing templates that may carry the markers too (a CronJob's
    `spec.jobTemplate.metadata`, where `istioctl kube-inject` writes them).
    """
    metas = [m for m in [pod.get("metadata") or {}, *outer_metadata] if isinstance(m, dict)]
    annotations, labels = _entries(metas, "annotations"), _entries(metas, "labels")
    pod_spec = pod.get("spec") or {}
    claimed: set[str] = set()
    found = []
    for injector in catalogue().values():
        marker = _marker(injector, annotations, labels, pod_spec)
        if marker is None:
            continue
        listed = _status(injector, annotations)
        names = _listed_names(listed)
        containers = []
        for field in ("initContainers", "containers"):
            for index, container in enumerate(pod_spec.get(field) or []):
                name = container.get("name")
                entry = injector.container_entry(name) if isinstance(name, str) else None
                if name in claimed or (entry is None if names is None else name not in names):
                    continue
                containers.append(InjectedContainer(name, field, entry["kind"] if entry else "agent", index))
        claimed.update(c.name for c in containers)
        found.append(Injection(injector.name, _version(injector, annotations, labels, pod_spec),
                               mode_of(containers, pod_spec), tuple(containers), marker, listed))
    return found


def injected_by(injections: list[Injection]) -> dict[str, str]:
    """Container name -> the injector that wrote it."""
    return {c.name: injection.name for injection in injections for c in injection.containers}
