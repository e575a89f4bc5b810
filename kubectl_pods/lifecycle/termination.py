"""The order containers stop in (docs/lifecycle.md §2 "Stop" and §3).

`killContainersWithSyncResult` and `newTerminationOrdering`: every container runs its preStop at
once; app containers (and any running regular init container) get the stop signal as soon as their
own preStop returns; each sidecar waits for every app and every later sidecar, so sidecars stop
one by one in reverse order. Each budget is at least 2 s (`minimumGracePeriodInSeconds`).
"""

from __future__ import annotations

from dataclasses import dataclass

from kubectl_pods.kube import versions
from kubectl_pods.kube.pods import APP, EPHEMERAL, INIT, SIDECAR, ContainerRef

DEFAULT_GRACE_SECONDS = 30
MINIMUM_GRACE_SECONDS = 2


@dataclass(frozen=True)
class Termination:
    order: list[list[str]]
    grace_seconds: int
    with_pre_stop: list[str]
    notes: list[str]


def grace_period(pod: dict) -> int:
    meta, spec = pod.get("metadata") or {}, pod.get("spec") or {}
    if meta.get("deletionGracePeriodSeconds") is not None:
        return meta["deletionGracePeriodSeconds"]
    value = spec.get("terminationGracePeriodSeconds")
    return DEFAULT_GRACE_SECONDS if value is None else value


def termination(refs: list[ContainerRef], pod: dict, running: set[str] | None,
                version: tuple[int, int]) -> Termination:
    """`running` is the set of containers alive now (None for a manifest: assume the pod runs)."""
    def alive(ref: ContainerRef) -> bool:
        if running is None:
            return ref.role in (APP, SIDECAR)
        return ref.name in running and ref.role != EPHEMERAL

    first = [r.name for r in refs if alive(r) and r.role in (APP, INIT)]
    sidecars = [r.name for r in refs if alive(r) and r.role == SIDECAR]
    grace = grace_period(pod)
    notes = []
    if versions.ordered_sidecar_termination(version):
        order = ([first] if first else []) + [[name] for name in reversed(sidecars)]
    else:
        order = [first + sidecars] if first or sidecars else []
        if sidecars:
            notes.append("before 1.29 sidecars are not stopped in order: they get the stop signal "
                         "together with the app containers")
    with_pre_stop = [r.name for r in refs if alive(r) and (r.spec.get("lifecycle") or {}).get("preStop")]
    if with_pre_stop:
        notes.append(f"preStop hooks ({', '.join(with_pre_stop)}) all start at once when the pod is "
                     "deleted, sidecars' included, and count against the grace period")
    if sidecars and versions.ordered_sidecar_termination(version):
        notes.append(f"each sidecar gets the stop signal only after every app container and every "
                     f"sidecar declared after it has exited; if the {grace}s grace period runs out "
                     f"first, the waiting sidecars get the stop signal then and SIGKILL "
                     f"{MINIMUM_GRACE_SECONDS}s later")
    if first:
        notes.append(f"{', '.join(first)}: stop signal (the image's STOPSIGNAL, default SIGTERM) as "
                     f"soon as its own preStop returns; SIGKILL when the {grace}s grace period ends")
    return Termination(order, grace, with_pre_stop, notes)
