"""Live state: each container's state decoded, its back-off, and where the pod is stuck (§1–§6)."""

from __future__ import annotations

from datetime import datetime

from kubectl_pods.kube.pods import APP, INIT, SIDECAR, ContainerRef, state_of
from kubectl_pods.kube.timefmt import parse_time
from kubectl_pods.kube.words import counted
from kubectl_pods.lifecycle import backoff
from kubectl_pods.lifecycle.events import IMAGE, SANDBOX, of_cause, repeat_text, volume_failure
from kubectl_pods.lifecycle.exit_codes import NOT_CREATED, STUCK_WAITING_REASONS, WAITING_REASONS, meaning, signal_name, signal_of
from kubectl_pods.lifecycle.kills import StopCause, told
from kubectl_pods.lifecycle.scheduling import scheduling_block
from kubectl_pods.report_types import Backoff, Blocked, ContainerState, EventRow, TerminationInfo


def termination_info(terminated: dict | None, stop: StopCause | None = None) -> TerminationInfo | None:
    """A run's end; with `stop` (lifecycle/kills.py), who ended it, told in order."""
    if not terminated:
        return None
    code = terminated.get("exitCode")
    number = signal_of(code, terminated.get("signal"))
    plain = meaning(code, terminated.get("reason"), terminated.get("signal"))
    return {
        "exitCode": code,
        "signal": signal_name(number) if number else None,
        "reason": terminated.get("reason"),
        "meaning": told(stop, code, plain) if stop else plain,
        "stoppedBy": stop["by"] if stop else None,
        "message": terminated.get("message"),
        "startedAt": terminated.get("startedAt"),
        "finishedAt": terminated.get("finishedAt"),
    }


def container_state(status: dict | None, stop: StopCause | None = None) -> ContainerState | None:
    """The current state, with its reason explained; None when the kubelet reported nothing."""
    if status is None:
        return None
    kind, details = state_of(status)
    result: ContainerState = {"state": kind, "reason": details.get("reason"), "message": details.get("message")}
    if kind == "running":
        result["startedAt"] = details.get("startedAt")
    elif kind == "terminated":
        result.update(termination_info(details, stop) or {})
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


def _what(status: dict, stop: StopCause | None) -> str:
    """The latest exit, and who ended it when the kubelet did."""
    kind, details = state_of(status)
    last = details if kind == "terminated" else ((status.get("lastState") or {}).get("terminated") or {})
    code = last.get("exitCode")
    reason = last.get("reason")
    what = f"exit {code}" + (f" ({reason})" if reason and reason not in ("Error", "Completed") else "")
    if stop and stop.get("by") in ("startup probe", "liveness probe", "postStart hook", "spec change"):
        repeat = repeat_text(stop["events"][-1])
        likely = "most likely " if stop.get("evidence") == "earlier runs" else ""
        what = (f"{likely}killed by the kubelet after its {stop['by']} failed"
                f"{' (Killing ' + repeat + ')' if repeat else ''}, {what}"
                if stop["by"] != "spec change" else f"killed by the kubelet for a spec change, {what}")
    return what


def _crash_text(status: dict, back: Backoff | None, stop: StopCause | None = None) -> str:
    text = f"{_what(status, stop)}, {counted(status.get('restartCount') or 0, 'restart')}"
    if back and back.get("nextRestartInSeconds") == 0:
        text += ", next try due now (at the kubelet's next sync)"
    elif back and back.get("nextRestartInSeconds") is not None:
        text += f", next try in ~{back['nextRestartInSeconds']}s"
    elif back:
        text += f", next try {back['delaySeconds']}s after the last exit"
    return text


def _nothing_started(statuses: dict[str, dict]) -> bool:
    """No container of the pod has run yet: volumes and the sandbox come before any does
    (`kubelet.go` SyncPod waits for the volumes, then `kuberuntime_manager.go` SyncPod makes the
    sandbox, then the containers)."""
    for status in statuses.values():
        kind, _ = state_of(status)
        if kind in ("running", "terminated") or (status.get("lastState") or {}).get("terminated"):
            return False
    return True


def _event_block(refs: list[ContainerRef], statuses: dict[str, dict], rows: list[EventRow]) -> Blocked | None:
    """A volume or sandbox failure the events report, while no container has started."""
    if not rows or not _nothing_started(statuses):
        return None
    waiting = [ref.name for ref in refs if ref.role != "ephemeral"]
    failure = volume_failure(rows)
    if failure:
        event = failure["event"]
        missing = failure["missing"]
        what = f"volume `{failure['volume']}`" if failure["volume"] else "a volume"
        why = (f"{missing['kind']} `{missing['name']}` does not exist" if missing
               else " ".join((event["message"] or "").split()))
        repeat = repeat_text(event)
        return {"container": None, "cause": {"kind": "volume", "volume": failure["volume"], "missing": missing,
                                             "waiting": waiting, "event": event},
                "reason": f"{what} cannot be mounted: {why} ({event['reason']}{', ' + repeat if repeat else ''}); "
                          f"every container waits for it, init containers included: {', '.join(waiting)}"}
    sandbox = of_cause(rows, SANDBOX)
    if sandbox:
        event = sandbox[-1]
        repeat = repeat_text(event)
        return {"container": None, "cause": {"kind": "sandbox", "waiting": waiting, "event": event},
                "reason": f"the pod's sandbox cannot be created ({event['reason']}{', ' + repeat if repeat else ''}): "
                          f"{' '.join((event['message'] or '').split())}; every container waits for it"}
    return None


def _not_created(refs: list[ContainerRef], statuses: dict[str, dict], rows: list[EventRow] | None) -> Blocked | None:
    """Every container still in the kubelet's default waiting reason (none created yet) and no
    event names a volume or sandbox failure: say what comes first instead of guessing. The same
    words whether the events were read or not (a summary reads none), so the finding is alike."""
    if not statuses or any(state_of(status)[1].get("reason") not in NOT_CREATED for status in statuses.values()):
        return None
    first = next((r for r in refs if r.name in statuses), None)
    if first is None:  # statuses of containers the spec does not have: nothing to say of ours
        return None
    reason = state_of(statuses[first.name])[1]["reason"]
    said = "no event says one failed" if rows is not None else "the events would say which (not read here: name the pod)"
    return {"container": None,
            "reason": f"no container is created yet ({reason}): volumes, the sandbox and image pulls come first; {said}"}


def blocked_by(pod: dict, refs: list[ContainerRef], statuses: dict[str, dict],
               backoffs: dict[str, Backoff | None], will_restart: dict[str, bool],
               rows: list[EventRow] | None = None, node: dict | str | None = None, now: datetime | None = None,
               stops: dict[str, StopCause | None] | None = None) -> Blocked | None:
    """The container and the reason the pod cannot go on, or None when nothing holds it. `rows`
    are the pod's events (lifecycle/events.py), `node` its Node as read (lifecycle/scheduling.py),
    `stops` who ended each container's latest run (lifecycle/kills.py)."""
    meta, pod_status = pod.get("metadata") or {}, pod.get("status") or {}
    phase = pod_status.get("phase")
    if meta.get("deletionTimestamp") or phase == "Succeeded":
        return None
    if phase == "Failed" and pod_status.get("reason") == "Evicted":
        # eviction_manager.go evictPod sets phase Failed, reason Evicted and its message.
        return {"container": None, "cause": {"kind": "eviction"},
                "reason": f"evicted by the kubelet: {' '.join((pod_status.get('message') or '').split())}; "
                          "an evicted pod is not restarted (its controller, if any, makes a new one)"}
    held = scheduling_block(pod, node, now) or _event_block(refs, statuses, rows or []) \
        or _not_created(refs, statuses, rows)
    if held:
        return held
    stops = stops or {}
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
                                                      will_restart.get(ref.name, True), phase,
                                                      rows or [], stops.get(ref.name))}
    for ref in (r for r in refs if r.role == APP):
        status = statuses.get(ref.name)
        kind, details = state_of(status)
        stuck = kind == "waiting" and details.get("reason") in STUCK_WAITING_REASONS
        failed = kind == "terminated" and details.get("exitCode") not in (0, None)
        if stuck or failed:
            return {"container": ref.name, "reason": _why(f"app container `{ref.name}`", ref, status,
                                                          backoffs.get(ref.name),
                                                          will_restart.get(ref.name, True), phase,
                                                          rows or [], stops.get(ref.name))}
    for ref in (r for r in refs if r.role in (APP, SIDECAR)):
        status = statuses.get(ref.name)
        if status and state_of(status)[0] == "running" and not status.get("ready"):
            probe = "its readinessProbe is failing" if ref.spec.get("readinessProbe") else "it is not ready yet"
            return {"container": ref.name, "reason": f"`{ref.name}` is running but not ready: {probe}; "
                                                      "the pod gets no Service traffic until it is"}
    return None


def _why(label: str, ref: ContainerRef, status: dict | None, back: Backoff | None,
         will_restart: bool, phase: str | None, rows: list[EventRow], stop: StopCause | None) -> str:
    if status is None:
        return f"{label} has no status yet: it is being created"
    kind, details = state_of(status)
    reason = details.get("reason")
    if phase == "Failed" or (kind == "terminated" and details.get("exitCode") and not will_restart):
        return f"{label} failed ({_what(status, stop)}) and is not restarted: the pod has failed"
    if (kind == "waiting" and reason == "CrashLoopBackOff") or (kind == "terminated" and details.get("exitCode")):
        return f"{label} is crash-looping: {_crash_text(status, back, stop)}"
    if kind == "waiting" and reason in STUCK_WAITING_REASONS:
        message = f": {details['message']}" if details.get("message") else ""
        pulls = [r for r in of_cause(rows, IMAGE, ref.name) if (r["message"] or "").startswith("Failed to pull image")] \
            if reason in ("ErrImagePull", "ImagePullBackOff") else []
        if pulls:
            pull = pulls[-1]
            repeat = repeat_text(pull)
            # The waiting message usually carries the pull error already: then only how often.
            said = message or f": {' '.join((pull['message'] or '').split())}"
            message = f"{said} (pulls failed: {repeat or 'x1'}, last at {pull['lastTime']})"
        return f"{label} cannot start, {reason} ({WAITING_REASONS[reason]}){message}"
    if kind == "running" and ref.role == SIDECAR:
        gate = "its startupProbe has not passed yet" if ref.spec.get("startupProbe") else "it is not started yet"
        return f"{label} is running but {gate}; everything after it waits"
    if kind == "running":
        return f"{label} is running (since {details.get('startedAt')}); the next step waits for it to exit 0"
    if reason in NOT_CREATED:
        return f"{label} is not created yet ({reason}: {WAITING_REASONS[reason]})"
    return f"{label} is waiting ({reason or 'no reason given'})"
