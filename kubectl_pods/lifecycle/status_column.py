"""STATUS, READY and RESTARTS of `kubectl get pods` (docs/lifecycle.md §7).

A line-for-line reading of the API server's `printPod`
(`pkg/printers/internalversion/printers.go`, v1.33). The server walks the *status* lists, not the
spec: `Init:i/N` counts positions in `initContainerStatuses`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kubectl_pods.kube.pods import condition_true, is_restartable_init_container, spec, status
from kubectl_pods.kube.timefmt import human_duration, parse_time


@dataclass(frozen=True)
class StatusColumns:
    status: str
    ready: str
    restarts: int
    last_restart: datetime | None
    ip: str
    node: str
    nominated_node: str
    readiness_gates: str

    def restarts_text(self, now: datetime | None) -> str:
        """`N` or `N (5m ago)`, as RESTARTS prints it."""
        if self.restarts and self.last_restart is not None:
            ago = human_duration((now - self.last_restart).total_seconds()) if now else "?"
            return f"{self.restarts} ({ago} ago)"
        return str(self.restarts)


def _terminated_reason(terminated: dict, prefix: str) -> str:
    if terminated.get("reason"):
        return prefix + terminated["reason"]
    if terminated.get("signal"):
        return f"{prefix}Signal:{terminated['signal']}"
    return f"{prefix}ExitCode:{terminated.get('exitCode', 0)}"


def _later(current: datetime | None, container_status: dict) -> datetime | None:
    finished = parse_time((((container_status.get("lastState") or {}).get("terminated")) or {}).get("finishedAt"))
    if finished and (current is None or finished > current):
        return finished
    return current


def status_columns(pod: dict) -> StatusColumns:
    pod_spec, pod_status = spec(pod), status(pod)
    reason = pod_status.get("reason") or pod_status.get("phase") or ""
    for cond in pod_status.get("conditions") or []:
        if cond.get("type") == "PodScheduled" and cond.get("reason") == "SchedulingGated":
            reason = "SchedulingGated"

    init_specs = {c.get("name"): c for c in pod_spec.get("initContainers") or []}
    total = len(pod_spec.get("containers") or []) + sum(
        1 for c in pod_spec.get("initContainers") or [] if is_restartable_init_container(c))
    ready = restarts = sidecar_restarts = 0
    last_restart = sidecar_last_restart = None

    initializing = False
    for index, entry in enumerate(pod_status.get("initContainerStatuses") or []):
        state = entry.get("state") or {}
        sidecar = is_restartable_init_container(init_specs.get(entry.get("name")))
        restarts += entry.get("restartCount") or 0
        last_restart = _later(last_restart, entry)
        if sidecar:
            sidecar_restarts += entry.get("restartCount") or 0
            sidecar_last_restart = _later(sidecar_last_restart, entry)
        terminated, waiting = state.get("terminated"), state.get("waiting")
        if terminated is not None and (terminated.get("exitCode") or 0) == 0:
            continue
        if sidecar and entry.get("started"):
            ready += bool(entry.get("ready"))
            continue
        if terminated is not None:
            reason = _terminated_reason(terminated, "Init:")
        elif waiting is not None and waiting.get("reason") and waiting["reason"] != "PodInitializing":
            reason = "Init:" + waiting["reason"]
        else:
            reason = f"Init:{index}/{len(pod_spec.get('initContainers') or [])}"
        initializing = True
        break

    if not initializing or condition_true(pod, "Initialized"):
        restarts, last_restart = sidecar_restarts, sidecar_last_restart
        has_running = False
        for entry in reversed(pod_status.get("containerStatuses") or []):
            restarts += entry.get("restartCount") or 0
            last_restart = _later(last_restart, entry)
            state = entry.get("state") or {}
            waiting, terminated = state.get("waiting"), state.get("terminated")
            if waiting is not None and waiting.get("reason"):
                reason = waiting["reason"]
            elif terminated is not None:
                reason = _terminated_reason(terminated, "")
            elif entry.get("ready") and state.get("running") is not None:
                has_running = True
                ready += 1
        if reason == "Completed" and has_running:
            reason = "Running" if condition_true(pod, "Ready") else "NotReady"

    meta = pod.get("metadata") or {}
    if meta.get("deletionTimestamp") and pod_status.get("reason") == "NodeLost":
        reason = "Unknown"
    elif meta.get("deletionTimestamp") and pod_status.get("phase") not in ("Succeeded", "Failed"):
        reason = "Terminating"

    return StatusColumns(
        status=reason,
        ready=f"{ready}/{total}",
        restarts=restarts,
        last_restart=last_restart,
        ip=((pod_status.get("podIPs") or [{}])[0].get("ip")) or "<none>",
        node=pod_spec.get("nodeName") or "<none>",
        nominated_node=pod_status.get("nominatedNodeName") or "<none>",
        readiness_gates=_readiness_gates(pod),
    )


def _readiness_gates(pod: dict) -> str:
    gates = spec(pod).get("readinessGates") or []
    if not gates:
        return "<none>"
    conditions = status(pod).get("conditions") or []
    true = 0
    for gate in gates:
        match = next((c for c in conditions if c.get("type") == gate.get("conditionType")), None)
        true += match is not None and match.get("status") == "True"
    return f"{true}/{len(gates)}"
