"""What changed between two states of a pod, as the transitions `explain --watch` prints.

Pure: two pod dicts in, a list of transitions out. A transition is found by comparing states,
never by counting events, so a state seen twice (a re-list after 410 Gone) yields nothing, and a
state that skips some (updates lost to a compaction) still yields every run that began or ended:
runs are told apart by `containerID`, and the exit of a run that was replaced between two states
is read from `lastState.terminated`, where the kubelet keeps it (`convertToAPIContainerStatuses`
in `kubelet_pods.go` copies the previous status's terminated state there on restart).
"""

from __future__ import annotations

from datetime import datetime

from kubectl_pods.kube.pods import APP, INIT, SIDECAR, ContainerRef, condition, containers, state_of, statuses_by_name
from kubectl_pods.kube.timefmt import parse_time
from kubectl_pods.lifecycle import backoff
from kubectl_pods.lifecycle.progress import backoff_of
from kubectl_pods.lifecycle.restarts import restart_rule, runs_or_will_run
from kubectl_pods.lifecycle.status_column import status_columns


def pod_transitions(before: dict | None, after: dict, version: tuple[int, int], seen: datetime,
                    was_ready: bool = False) -> list[dict]:
    """Every transition from `before` (None: not seen yet) to `after`, in the order they happened:
    the starts and exits the statuses time (by startedAt/finishedAt: one update may carry several
    exits), then what is seen now (waiting, probes, readiness) in spec order, then the STATUS
    column. `was_ready`: the pod was seen Ready before (its time from creation is said once)."""
    old_statuses = statuses_by_name(before) if before else {}
    new_statuses = statuses_by_name(after)
    columns = status_columns(after)
    common = _common(after, columns, seen)
    found: list[dict] = []
    for ref in containers(after):
        old, new = old_statuses.get(ref.name), new_statuses.get(ref.name)
        if new is not None:
            found += _container_transitions(ref, old, new, after, version, common)
    found.sort(key=_when)
    if before is not None and _pod_ready(after) and not _pod_ready(before):
        flips = [t for t in found if t["kind"] == "ready"]
        if flips:
            flips[-1]["message"] += " — " + _pod_ready_text(after, common, was_ready)
        else:
            found.append({**common, "kind": "pod-ready", "message": _pod_ready_text(after, common, was_ready)})
    old_status = status_columns(before).status if before else None
    if old_status != columns.status and before is not None:
        found.append({**common, "kind": "status", "message": _status_message(before, after, old_status, columns.status)})
    return found


def listed(pod: dict, blocked_reason: str | None, seen: datetime) -> dict:
    """The first line about a pod: where it stands when the watch begins."""
    columns = status_columns(pod)
    phase = (pod.get("status") or {}).get("phase")
    if blocked_reason:
        now = blocked_reason
    elif phase in ("Succeeded", "Failed"):
        now = f"finished ({phase})"
    elif _pod_ready(pod):
        now = "every container ready"
    else:
        now = f"{phase or 'no status yet'}"
    return {**_common(pod, columns, seen), "kind": "listed", "message": f"now: {now}"}


def removed(pod: dict, seen: datetime) -> dict:
    return {**_common(pod, status_columns(pod), seen), "kind": "deleted", "message": "pod deleted"}


def kubelet_event(event: dict, seen: datetime) -> dict:
    """A kubelet event about a watched pod (one line each time its count grows)."""
    from kubectl_pods.lifecycle.events import event_row

    row = event_row(event)
    involved = event.get("involvedObject") or {}
    where = f" {row['container']}" if row["container"] else ""
    repeat = f" (x{row['count']})" if row["count"] > 1 else ""
    return {"kind": "event", "pod": involved.get("name"), "namespace": involved.get("namespace"),
            "uid": involved.get("uid"), "time": row["time"] or _iso(seen), "seen": _iso(seen),
            "container": row["container"], "eventType": row["type"], "reason": row["reason"], "count": row["count"],
            "message": f"event {row['type']} {row['reason']}{where}{repeat}: {' '.join((row['message'] or '').split())}"}


def settled(pod: dict, until: str) -> bool:
    """Whether `--until` is met for this pod: `ready` (Ready, or finished) or `done` (finished)."""
    phase = (pod.get("status") or {}).get("phase")
    if phase in ("Succeeded", "Failed"):
        return True
    return until == "ready" and _pod_ready(pod)


# -- containers ---------------------------------------------------------------------------------
def _container_transitions(ref: ContainerRef, old: dict | None, new: dict, pod: dict,
                           version: tuple[int, int], common: dict) -> list[dict]:
    found: list[dict] = []
    base = {**common, "container": ref.name, "role": ref.role, "restartCount": new.get("restartCount") or 0}
    old_kind, old_details = state_of(old)
    new_kind, new_details = state_of(new)
    known = _run_ids(old)
    old_running = _run_id(old, old_details) if old is not None and old_kind == "running" else None
    # The previous run, kept in lastState: the exit of a run seen running, or a whole run (it may
    # never have started: a StartError) that came and went between two states.
    last = (new.get("lastState") or {}).get("terminated") or {}
    last_id = last.get("containerID")
    current_id = _run_id(new, new_details) if new_kind in ("running", "terminated") else None
    replaced = bool(current_id) and current_id != last_id  # a later run is the current one
    restarts = new.get("restartCount") or 0
    if last_id and (last_id == old_running or last_id not in known):
        if last_id not in known and _ran(last):
            found.append(_started(ref, new, "terminated", last, pod, base, restarts - replaced))
        found.append(_exited(ref, new, last, pod, version, base, replaced=replaced))
    # The current run: its start, and its exit.
    if replaced:
        if current_id not in known and _ran(new_details):
            found.append(_started(ref, new, new_kind, new_details, pod, base, restarts))
        if new_kind == "terminated" and (current_id not in known or current_id == old_running):
            found.append(_exited(ref, new, new_details, pod, version, base, replaced=False))
    _unseen_runs(found, old, new, known, {run for run in (last_id, current_id) if run})
    old_waiting = _waiting(old)
    if new_kind == "waiting" and _waiting(new) != old_waiting:
        found.append({**base, "kind": "waiting", "reason": new_details.get("reason"),
                      "message": f"{ref.name} waiting: {_waiting_text(new_details)}"})
    if ref.spec.get("startupProbe") and new_kind == "running" and new.get("started") \
            and not ((old or {}).get("started") and current_id in known):
        found.append({**base, "kind": "startup-passed",
                      "message": f"{_label(ref, pod)} startupProbe passed" + _next_after(ref, pod)})
    if ref.role in (APP, SIDECAR) and bool(new.get("ready")) != bool((old or {}).get("ready")):
        ready = bool(new.get("ready"))
        found.append({**base, "kind": "ready" if ready else "not-ready",
                      "message": f"{_label(ref, pod)} {'ready' if ready else 'not ready'}"})
    return found


def _run_id(status: dict, details: dict) -> str:
    """The run a running or terminated state is of: its containerID. A state with none (the
    kubelet's `ContainerStatusUnknown` for a container it lost) is told by its times."""
    found = details.get("containerID") or status.get("containerID")
    return found or f"{details.get('reason') or 'run'}@{details.get('startedAt') or details.get('finishedAt')}"


def _run_ids(status: dict | None) -> set[str]:
    """Every container (run) a status names: the current one and the previous one."""
    if not status:
        return set()
    kind, details = state_of(status)
    last = (status.get("lastState") or {}).get("terminated") or {}
    found = {status.get("containerID"), last.get("containerID")}
    if kind in ("running", "terminated"):
        found.add(_run_id(status, details))
    return {run for run in found if run}


def _unseen_runs(found: list[dict], old: dict | None, new: dict, known: set[str], seen: set[str]) -> None:
    """Runs that began and ended between two states, beyond the one lastState keeps (a watch
    away for a while, a crash loop meanwhile): counted from restartCount, said on the last line."""
    if not found:
        return
    fresh = len(seen - known) - (0 if known else 1)  # the first run ever is no restart
    missed = (new.get("restartCount") or 0) - ((old or {}).get("restartCount") or 0) - max(fresh, 0)
    if missed > 0:
        found[-1]["unseenRuns"] = missed
        found[-1]["message"] += f" ({missed} more {'run' if missed == 1 else 'runs'} in between not seen)"


def _ran(details: dict) -> bool:
    """Whether a run got as far as its process: a container that failed to start (StartError)
    reports `startedAt` as the zero time, 1970-01-01 (`toKubeContainerState` in the CRI)."""
    started = parse_time(details.get("startedAt"))
    return started is None or started.year > 1970


def _started(ref: ContainerRef, status: dict, kind: str, details: dict, pod: dict, base: dict, restarts: int) -> dict:
    text = f"{_label(ref, pod)} {'restarted' if restarts else 'started'}" + (f" (restart {restarts})" if restarts else "")
    if ref.role == SIDECAR and kind == "running" and not status.get("started"):
        if ref.spec.get("startupProbe"):
            text += "; next waits for its startupProbe"
        elif _next_stage_exists(ref, pod):
            text += "; no startupProbe: the next container starts at the following sync, ready or not"
    return {**base, "kind": "started", "restartCount": restarts, "time": details.get("startedAt") or base["time"],
            "message": text}


def _exited(ref: ContainerRef, status: dict, terminated: dict, pod: dict, version: tuple[int, int],
            base: dict, replaced: bool) -> dict:
    code, reason = terminated.get("exitCode"), terminated.get("reason") or "no reason"
    rule = restart_rule(ref, pod, version)
    entry = {**base, "kind": "exited", "time": terminated.get("finishedAt") or base["time"],
             "exitCode": code, "reason": terminated.get("reason")}
    if ref.role == INIT and code == 0:
        return {**entry, "message": f"{_label(ref, pod)} completed (exit 0)"}
    text = f"{ref.name} {'exited' if _ran(terminated) else 'failed to start:'} {code} ({reason})"
    if replaced:  # already running again: this status is the new run's; the exit was its predecessor's
        return {**entry, "restartCount": max(0, entry["restartCount"] - 1), "message": text + " — restarted"}
    if (pod.get("metadata") or {}).get("deletionTimestamp"):
        return {**entry, "message": text + "; the pod is terminating"}
    if ref.role == SIDECAR and _apps_done(pod, version):
        return {**entry, "message": text + "; not restarted: every app container is done, so the pod ends"}
    if not runs_or_will_run(rule, {**status, "state": {"terminated": terminated}}):
        return {**entry, "message": text + f"; not restarted (restartPolicy {rule.policy})"}
    back = backoff_of({**status, "state": {"terminated": terminated}}, True, None)
    if back is None or back["delaySeconds"] == 0:
        return {**entry, "retryInSeconds": 0, "message": text + f" — {again(ref.role)} at once"}
    return {**entry, "retryInSeconds": back["delaySeconds"], "retryAt": back["nextRestartAt"],
            "message": text + f" — back-off {back['delaySeconds']}s"}


def _apps_done(pod: dict, version: tuple[int, int]) -> bool:
    """Every app container has exited for good: the kubelet then kills the pod and does not
    restart its sidecars (computePodActions in kuberuntime_manager.go, v1.33: "To prevent the
    restartable init containers to keep pod alive, we should not restart them")."""
    statuses = statuses_by_name(pod)
    apps = [ref for ref in containers(pod) if ref.role == APP]
    return bool(apps) and all(
        ref.name in statuses and state_of(statuses[ref.name])[0] == "terminated"
        and not runs_or_will_run(restart_rule(ref, pod, version), statuses[ref.name]) for ref in apps)


def again(role: str) -> str:
    """How a container's next start is said: an init container is retried, the others restarted."""
    return "retried" if role == INIT else "restarted"


def _label(ref: ContainerRef, pod: dict) -> str:
    if ref.role == INIT:
        total = len((pod.get("spec") or {}).get("initContainers") or [])
        return f"init {ref.index + 1}/{total} {ref.name}"
    return f"{ref.role} {ref.name}"


def _next_stage_exists(ref: ContainerRef, pod: dict) -> bool:
    spec = pod.get("spec") or {}
    return ref.index + 1 < len(spec.get("initContainers") or []) or bool(spec.get("containers"))


def _next_after(ref: ContainerRef, pod: dict) -> str:
    if ref.role != SIDECAR:
        return ""
    inits = (pod.get("spec") or {}).get("initContainers") or []
    if ref.index + 1 < len(inits):
        return f"; next: {inits[ref.index + 1].get('name')}"
    return "; the apps start next"


def _waiting(status: dict | None) -> tuple | None:
    kind, details = state_of(status)
    return (details.get("reason"), details.get("message")) if kind == "waiting" else None


def _waiting_text(details: dict) -> str:
    reason, message = details.get("reason") or "no reason", details.get("message")
    delay = backoff.delay_from_message(message) if reason == "CrashLoopBackOff" else None
    if delay is not None:
        return f"{reason} (back-off {delay}s)"
    return f"{reason} ({' '.join(message.split())})" if message else reason


# -- the pod ------------------------------------------------------------------------------------
def _pod_ready(pod: dict) -> bool:
    found = condition(pod, "Ready")
    return found is not None and found.get("status") == "True"


def _when(line: dict) -> tuple:
    """Sort key: a start or an exit at its own time (startedAt, finishedAt); the rest after them,
    as seen now, in the order they were found (the sort is stable)."""
    timed = line["kind"] in ("started", "exited") and parse_time(line["time"])
    return (0, parse_time(line["time"])) if timed else (1, parse_time(line["seen"]))


def _pod_ready_text(pod: dict, common: dict, was_ready: bool = False) -> str:
    if was_ready:
        return f"pod {common['status']} {common['ready']} again"
    created = parse_time((pod.get("metadata") or {}).get("creationTimestamp"))
    became = parse_time((condition(pod, "Ready") or {}).get("lastTransitionTime"))
    after = f", {round((became - created).total_seconds())}s after it was created" if created and became else ""
    return f"pod {common['status']} {common['ready']}{after}"


def _status_message(before: dict, after: dict, old: str | None, new: str) -> str:
    text = f"STATUS {old} → {new}"
    meta = after.get("metadata") or {}
    if meta.get("deletionTimestamp") and not (before.get("metadata") or {}).get("deletionTimestamp"):
        grace = meta.get("deletionGracePeriodSeconds")
        text += f" (deleted; grace period {grace}s)" if grace is not None else " (deleted)"
    return text


def _common(pod: dict, columns, seen: datetime) -> dict:
    meta = pod.get("metadata") or {}
    return {"pod": meta.get("name"), "namespace": meta.get("namespace"), "uid": meta.get("uid"),
            "resourceVersion": meta.get("resourceVersion"), "time": _iso(seen), "seen": _iso(seen),
            "status": columns.status, "ready": columns.ready, "container": None}


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
