"""The order containers start in and what gates each step (docs/lifecycle.md §1–3)."""

from __future__ import annotations

from dataclasses import dataclass

from kubectl_pods.kube.pods import APP, INIT, SIDECAR, ContainerRef, Role


@dataclass(frozen=True)
class Stage:
    """Containers that start together; the next stage waits for `gate`."""

    containers: tuple[str, ...]
    role: Role
    gate: str
    weak: bool = False


def _has_post_start(container: dict) -> bool:
    return bool((container.get("lifecycle") or {}).get("postStart"))


def startup_stages(refs: list[ContainerRef]) -> list[Stage]:
    """Stages in order: each regular init container waits for exit 0, each sidecar for *started*,
    then the apps, started one after another without waiting — except that a `postStart` hook
    holds the next container until it returns (`SyncPod` → `startContainer`)."""
    stages: list[Stage] = []
    for ref in refs:
        if ref.role == INIT:
            stages.append(Stage((ref.name,), INIT, f"`{ref.name}` exits 0"))
        elif ref.role == SIDECAR:
            probe = ref.spec.get("startupProbe")
            hook = " and its postStart hook returns" if _has_post_start(ref.spec) else ""
            if probe:
                gate = f"`{ref.name}` is started: running and its startupProbe passed{hook}"
            else:
                gate = (f"`{ref.name}` is running{hook} (no startupProbe: the next container starts "
                        "at the following sync, whether or not it is ready)")
            stages.append(Stage((ref.name,), SIDECAR, gate, weak=not probe))
    apps = [ref for ref in refs if ref.role == APP]
    group: list[str] = []
    for ref in apps:
        group.append(ref.name)
        if _has_post_start(ref.spec) and ref is not apps[-1]:
            stages.append(Stage(tuple(group), APP, f"`{ref.name}`'s postStart hook returns"))
            group = []
    if group:
        stages.append(Stage(tuple(group), APP, "nothing: started in spec order, without waiting for readiness"))
    return stages
