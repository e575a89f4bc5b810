"""Live state: each container's state decoded, its back-off, and where the pod is stuck (§1–§6)."""

from __future__ import annotations

from datetime import datetime

from kubectl_pods.kube.pods import APP, INIT, SIDECAR, ContainerRef, condition, state_of
from kubectl_pods.kube.timefmt import parse_time
from kubectl_pods.kube.words import counted
from kubectl_pods.lifecycle import backoff
from kubectl_pods.lifecycle.exit_codes import STUCK_WAITING_REASONS, WAITING_REASONS, meaning, signal_name, signal_of
from kubectl_pods.report_types import Backoff, Blocked, ContainerState, TerminationInfo


def termination_info(terminated: dict | None) -> TerminationInfo | None:
    if not terminated:
        return None
    code = terminated.get("exitCode")
    number = signal_of(code, terminated.get("signal"))
    return {
        "exitCode": code,
        "signal": signal_name(number) if number else None,
        "reason": terminated.get("reason"),
        "meaning": meaning(code, terminated.get("reason"), terminated.get("signal")),
        "message": terminated.get("message"),
        "startedAt": terminated.get("startedAt"),
        "finishedAt": terminated.get("finishedAt"),
    }


def container_state(status: dict | None) -> ContainerState | None:
    """The current state, with its reason explained; None when the kubelet reported nothing."""
    if status is None:
        return None
    kind, details = state_of(status)
    result: ContainerState = {"state": kind, "reason": details.get("reason"), "message": details.get("message")}
    if kind == "running":
        result["startedAt"] = details.get("startedAt")
    elif kind == "terminated":
        result.update(termination_info(details) or {})
    elif kind == "waiting" and details.get("reason") in WAITING_REASONS:
        result["meaning"] = WAITING_REASONS[details["reason"]]
    return result


def backoff_of(status: dict | None, restarts_pending: bool, now: datetime | None) -> Backoff | None:
    """The crash-loop back-off a container is in (or about to be in), with the next restart time."""
    if not status or not restarts_pending:
        return None
    kind, details = state_of(status)
    if kind == "waiting" and details.get("reason") == "CrashLoopBackOff":
        last = (status.get("lastState") or {}).get("terminated") or {}
    elif kind == "terminated" and details.get("exitCode") is not None:
        last = details
    else:
        return None
    finished, started = parse_time(last.get("finishedAt")), parse_time(last.get("startedAt"))
    run = (finished - started).total_seconds() if finished and started and started.year > 1970 else None
    message = details.get("message") if kind == "waiting" else None
    delay = backoff.expected_delay(status.get("restartCount") or 0, run, message)
    at = backoff.next_restart(finished, delay)
    return {
        "delaySeconds": delay,
        "step": backoff.step(delay),
        "nextRestartAt": at.isoformat().replace("+00:00", "Z") if at else None,
        "nextRestartInSeconds": max(0, round((at - now).total_seconds())) if at and now else None,
        "fromKubeletMessage": backoff.delay_from_message(message) is not None,
    }


def _crash_text(status: dict, back: Backoff | None) -> str:
    kind, details = state_of(status)
    last = details if kind == "terminated" else ((status.get("lastState") or {}).get("terminated") or {})
    code = last.get("exitCode")
    reason = last.get("reason")
    what = f"exit {code}" + (f" ({reason})" if reason and reason not in ("Error", "Completed") else "")
    text = f"{what}, {counted(status.get('restartCount') or 0, 'restart')}"
    if back and back.get("nextRestartInSeconds") == 0:
        text += ", next try due now (at the kubelet's next sync)"
    elif back and back.get("nextRestartInSeconds") is not None:
        text += f", next try in ~{back['nextRestartInSeconds']}s"
    elif back:
        text += f", next try {back['delaySeconds']}s after the last exit"
    return text


def blocked_by(pod: dict, refs: list[ContainerRef], statuses: dict[str, dict],
               backoffs: dict[str, Backoff | None], will_restart: dict[str, bool]) -> Blocked | None:
    """The container and the reason the pod cannot go on, or None when nothing holds it."""
    meta, pod_status = pod.get("metadata") or {}, pod.get("status") or {}
    phase = pod_status.get("phase")
    if meta.get("deletionTimestamp") or phase == "Succeeded":
        return None
    scheduled = condition(pod, "PodScheduled")
    if scheduled and scheduled.get("status") == "False":
        detail = scheduled.get("message") or scheduled.get("reason") or "no node fits"
        return {"container": None, "reason": f"not scheduled: {detail}"}
    inits = [r for r in refs if r.role in (INIT, SIDECAR)]
    for ref in inits:
        status = statuses.get(ref.name)
        kind, details = state_of(status)
        if ref.role == INIT and kind == "terminated" and details.get("exitCode") == 0:
            continue
        if ref.role == SIDECAR and status and status.get("started"):
            continue
        label = (f"init container {ref.index + 1}/{len(inits)} `{ref.name}`" if ref.role == INIT
                 else f"sidecar {ref.index + 1}/{len(inits)} `{ref.name}`")
        return {"container": ref.name, "reason": _why(label, ref, status, backoffs.get(ref.name),
                                                      will_restart.get(ref.name, True), phase)}
    for ref in (r for r in refs if r.role == APP):
        status = statuses.get(ref.name)
        kind, details = state_of(status)
        stuck = kind == "waiting" and details.get("reason") in STUCK_WAITING_REASONS
        failed = kind == "terminated" and details.get("exitCode") not in (0, None)
        if stuck or failed:
            return {"container": ref.name, "reason": _why(f"app container `{ref.name}`", ref, status,
                                                          backoffs.get(ref.name),
                                                          will_restart.get(ref.name, True), phase)}
    for ref in (r for r in refs if r.role in (APP, SIDECAR)):
        status = statuses.get(ref.name)
        if status and state_of(status)[0] == "running" and not status.get("ready"):
            probe = "its readinessProbe is failing" if ref.spec.get("readinessProbe") else "it is not ready yet"
            return {"container": ref.name, "reason": f"`{ref.name}` is running but not ready: {probe}; "
                                                      "the pod gets no Service traffic until it is"}
    return None


def _why(label: str, ref: ContainerRef, status: dict | None, back: Backoff | None,
         will_restart: bool, phase: str | None) -> str:
    if status is None:
        return f"{label} has no status yet: it is being created"
    kind, details = state_of(status)
    reason = details.get("reason")
    if phase == "Failed" or (kind == "terminated" and details.get("exitCode") and not will_restart):
        return f"{label} failed ({_crash_text(status, None).split(',')[0]}) and is not restarted: the pod has failed"
    if (kind == "waiting" and reason == "CrashLoopBackOff") or (kind == "terminated" and details.get("exitCode")):
        return f"{label} is crash-looping: {_crash_text(status, back)}"
    if kind == "waiting" and reason in STUCK_WAITING_REASONS:
        message = f": {details['message']}" if details.get("message") else ""
        return f"{label} cannot start, {reason} ({WAITING_REASONS[reason]}){message}"
    if kind == "running" and ref.role == SIDECAR:
        gate = "its startupProbe has not passed yet" if ref.spec.get("startupProbe") else "it is not started yet"
        return f"{label} is running but {gate}; everything after it waits"
    if kind == "running":
        return f"{label} is running (since {details.get('startedAt')}); the next step waits for it to exit 0"
    return f"{label} is waiting ({reason or 'no reason given'})"
