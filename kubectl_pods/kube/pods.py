"""Pod dict helpers: which container is what, and its status."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

Role = Literal["init", "sidecar", "app", "ephemeral"]
StateKind = Literal["waiting", "running", "terminated", "unknown"]
INIT: Final = "init"
SIDECAR: Final = "sidecar"
APP: Final = "app"
EPHEMERAL: Final = "ephemeral"


def spec(pod: dict) -> dict:
    return pod.get("spec") or {}


def status(pod: dict) -> dict:
    return pod.get("status") or {}


def is_restartable_init_container(container: dict | None) -> bool:
    """A native sidecar: an init container with `restartPolicy: Always` (KEP-753)."""
    return container is not None and container.get("restartPolicy") == "Always"


@dataclass(frozen=True)
class ContainerRef:
    """One container of the spec with its role and position (0-based within its list)."""

    name: str
    role: Role
    index: int
    spec: dict


def containers(pod: dict, *, sidecars_supported: bool = True) -> list[ContainerRef]:
    """Every container in spec order: init containers (regular or sidecar), apps, ephemeral."""
    result = []
    for index, container in enumerate(spec(pod).get("initContainers") or []):
        sidecar = sidecars_supported and is_restartable_init_container(container)
        result.append(ContainerRef(container.get("name", ""), SIDECAR if sidecar else INIT, index, container))
    for index, container in enumerate(spec(pod).get("containers") or []):
        result.append(ContainerRef(container.get("name", ""), APP, index, container))
    for index, container in enumerate(spec(pod).get("ephemeralContainers") or []):
        result.append(ContainerRef(container.get("name", ""), EPHEMERAL, index, container))
    return result


def statuses_by_name(pod: dict) -> dict[str, dict]:
    """Every container status of the pod, by container name."""
    result = {}
    for key in ("initContainerStatuses", "containerStatuses", "ephemeralContainerStatuses"):
        for entry in status(pod).get(key) or []:
            result[entry.get("name")] = entry
    return result


def condition(pod: dict, condition_type: str) -> dict | None:
    return next((c for c in status(pod).get("conditions") or [] if c.get("type") == condition_type), None)


def condition_true(pod: dict, condition_type: str) -> bool:
    found = condition(pod, condition_type)
    return found is not None and found.get("status") == "True"


def state_of(container_status: dict | None) -> tuple[StateKind, dict]:
    """("waiting"|"running"|"terminated"|"unknown", details) of a container status."""
    state = (container_status or {}).get("state") or {}
    kinds: tuple[StateKind, ...] = ("terminated", "waiting", "running")
    for key in kinds:
        if state.get(key) is not None:
            return key, state[key]
    return "unknown", {}
