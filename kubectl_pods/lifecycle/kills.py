"""Who ended a container's run (docs/lifecycle.md §6, §13): the kubelet after a failed probe, a
failed postStart hook, a spec change, the pod's deletion or eviction; the kernel (OOMKilled); or
nobody known. Told in the order it happened: the cause, the stop signal, then SIGKILL only if the
grace period ran out — and never a grace period when nothing asked the container to stop.

The kubelet says why it stops a container in its `Killing` event (`killContainer` in
`pkg/kubelet/kuberuntime/kuberuntime_container.go` records the message `computePodActions` or
`computeInitContainerActions` chose, else "Stopping container NAME"). The grace period of a probe
kill is the probe's `terminationGracePeriodSeconds` when set, else the pod's
(`setTerminationGracePeriod`, same file); of a deletion, `deletionGracePeriodSeconds`.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Literal, TypedDict

from kubectl_pods.kube.pods import ContainerRef
from kubectl_pods.kube.timefmt import parse_time
from kubectl_pods.lifecycle.events import KILL, PROBE, of_cause, repeat_text
from kubectl_pods.lifecycle.exit_codes import signal_of
from kubectl_pods.lifecycle.termination import grace_period
from kubectl_pods.report_types import EventRow, StoppedBy


class StopCause(TypedDict):
    """Who ended a run and how that is known: `evidence` is "event" (a Killing inside the run),
    "probe failures in this run" or "earlier runs" (its own Killing dropped by the recorder),
    "status" (OOMKilled, eviction, deletion), None when nothing shows anyone asked."""

    by: StoppedBy | None
    graceSeconds: int | None
    events: list[EventRow]
    evidence: Literal["event", "probe failures in this run", "earlier runs", "status"] | None
    eventsRead: bool

# An event's time has whole seconds, a run's finishedAt too: allow for the rounding.
SLACK = timedelta(seconds=1)
SPAM_BURST = 25

_KILL_MESSAGES: tuple[tuple[re.Pattern, StoppedBy, str | None], ...] = (
    (re.compile(r"failed startup probe"), "startup probe", "startupProbe"),
    (re.compile(r"failed liveness probe"), "liveness probe", "livenessProbe"),
    (re.compile(r"definition changed"), "spec change", None),
    (re.compile(r"FailedPostStartHook"), "postStart hook", None),
)


def _within(row: EventRow, started: datetime | None, finished: datetime | None) -> bool:
    """Whether an event's last occurrence falls inside a run (from its start to its end)."""
    at = parse_time(row.get("lastTime"))
    return bool(at and started and finished and started - SLACK <= at <= finished + SLACK)


def _kill_kind(row: EventRow) -> tuple[StoppedBy, str | None] | None:
    for pattern, by, probe_field in _KILL_MESSAGES:
        if pattern.search(row["message"] or ""):
            return by, probe_field
    return None


def _limit_reached(rows: list[EventRow], event_type: str) -> bool:
    """Whether the kubelet's recorder has dropped events of this type for the pod: it lets 25
    through, then one every 5 minutes, per pod and type (client-go `tools/record/events_cache.go`
    EventSourceObjectSpamFilter, defaultSpamBurst, getSpamKey), repeats counted."""
    return sum(r["count"] for r in rows if r["type"] == event_type) >= SPAM_BURST


def _probe_stop(ref: ContainerRef, pod: dict, rows: list[EventRow], kill: EventRow, by: StoppedBy,
                probe_field: str | None, started: datetime | None, finished: datetime | None,
                evidence: Literal["event", "probe failures in this run", "earlier runs"]) -> StopCause:
    probe = (ref.spec.get(probe_field) or {}) if probe_field else {}
    grace = probe.get("terminationGracePeriodSeconds")
    failures = [r for r in of_cause(rows, PROBE, ref.name)
                if by.split()[0] in (r["message"] or "").lower() and _within(r, started, finished)]
    return {"by": by, "graceSeconds": grace if grace is not None else grace_period(pod),
            "events": failures[-1:] + [kill], "evidence": evidence, "eventsRead": True}


def stopped_by(ref: ContainerRef, terminated: dict, pod: dict, rows: list[EventRow] | None) -> StopCause:
    """Why a run ended: {by, graceSeconds (when the kubelet stopped it), events, evidence}.
    `rows` are the pod's event rows (None: the events were not read)."""
    reason, code = terminated.get("reason"), terminated.get("exitCode")
    read = rows is not None
    if reason == "OOMKilled":
        return {"by": "out of memory", "graceSeconds": None, "events": [], "evidence": "status", "eventsRead": read}
    started, finished = parse_time(terminated.get("startedAt")), parse_time(terminated.get("finishedAt"))
    mine = of_cause(rows or [], KILL, ref.name)
    kills = [r for r in mine if _within(r, started, finished)]
    if kills and _kill_kind(kills[-1]):
        by, probe_field = _kill_kind(kills[-1]) or ("the kubelet", None)
        return _probe_stop(ref, pod, rows or [], kills[-1], by, probe_field, started, finished, "event")
    # The run's own Killing event may have been dropped by the recorder: earlier runs killed
    # for a probe, this one failing that probe too or past the recorder's limit, and ended by
    # the stop signal or SIGKILL, are told as such, with the evidence named.
    earlier = [r for r in mine if (_kill_kind(r) or ("", None))[1] and started
               and (parse_time(r["lastTime"]) or started) < started]
    if not kills and earlier and signal_of(code, terminated.get("signal")) in (9, 15):
        by, probe_field = _kill_kind(earlier[-1]) or ("the kubelet", None)
        failing = [r for r in of_cause(rows or [], PROBE, ref.name)
                   if by.split()[0] in (r["message"] or "").lower() and _within(r, started, finished)]
        if failing or _limit_reached(rows or [], "Normal"):
            return _probe_stop(ref, pod, rows or [], earlier[-1], by, probe_field, started, finished,
                               "probe failures in this run" if failing else "earlier runs")
    meta, status = pod.get("metadata") or {}, pod.get("status") or {}
    evicted = status.get("reason") == "Evicted" or any(r["reason"] == "Evicted" for r in rows or [])
    if evicted and (kills or code is not None):
        return {"by": "eviction", "graceSeconds": None, "events": kills[-1:], "evidence": "status", "eventsRead": read}
    deleted = parse_time(meta.get("deletionTimestamp"))
    if deleted and finished:
        asked = deleted - timedelta(seconds=meta.get("deletionGracePeriodSeconds") or 0)
        if finished + SLACK >= asked:
            return {"by": "deletion", "graceSeconds": grace_period(pod), "events": kills[-1:], "evidence": "status",
                    "eventsRead": read}
    if kills and status.get("phase") in ("Succeeded", "Failed"):
        # No app container runs or will: computePodActions kills the pod, sidecars included.
        return {"by": "completion", "graceSeconds": grace_period(pod), "events": kills[-1:], "evidence": "event",
                "eventsRead": read}
    if kills:
        return {"by": "the kubelet", "graceSeconds": grace_period(pod), "events": kills[-1:], "evidence": "event",
                "eventsRead": read}
    return {"by": None, "graceSeconds": None, "events": [], "evidence": None, "eventsRead": read}


def told(stop: StopCause, code: int | None, base_meaning: str) -> str:
    """The run's end in the order it happened."""
    by = stop["by"]
    number = signal_of(code)
    if by is None:
        if number != 9:
            return base_meaning
        seen = ("nothing in the pod's status or events shows the kubelet asked it to stop"
                if stop.get("eventsRead") else
                "the events were not read, so whether the kubelet asked it to stop is not known")
        return (f"killed by SIGKILL (exit 137); {seen}: a kill from inside the container or from "
                "outside the kubelet (not an OOM kill: the reason would say OOMKilled)")
    if by == "out of memory":
        return base_meaning
    cause = {"startup probe": "its startup probe failed", "liveness probe": "its liveness probe failed",
             "spec change": "its spec changed", "postStart hook": "its postStart hook failed",
             "deletion": "the pod was deleted", "eviction": "the kubelet evicted the pod",
             "completion": "the pod's app containers were done",
             "the kubelet": "it asked for a stop"}[by]
    if by == "the kubelet" and stop["events"]:
        cause += f" (Killing: \"{stop['events'][-1]['message']}\")"
    first = stop["events"][0] if stop["events"] and stop["events"][0]["reason"] == "Unhealthy" else None
    if first:
        cause += f" ({' '.join((first['message'] or '').split())})"
    lead, note = "stopped by the kubelet", ""
    if stop.get("evidence") == "earlier runs":
        kill = stop["events"][-1]
        lead = "most likely stopped by the kubelet"
        note = (f" — as the earlier runs were (Killing {repeat_text(kill) or 'x1'}: \"{kill['message']}\"); this "
                "run's own events were not recorded: the kubelet records 25 events of a type a pod, then one "
                "every 5 minutes")
    elif stop.get("evidence") == "probe failures in this run":
        note = " — its probe failed in this run, as in the earlier runs killed for it; this run's Killing event was not recorded"
    grace = f"the {stop['graceSeconds']}s grace period" if stop.get("graceSeconds") is not None else "the grace period"
    if number == 9:
        end = f"it was still running when {grace} ran out, so SIGKILL (exit 137)"
    elif number == 15:
        end = "it exited on the stop signal (SIGTERM, exit 143)"
    elif number:
        end = f"it died of signal {number} (exit {code})"
    else:
        end = f"it exited {code} after the stop signal"
    return f"{lead}: {cause}, so the stop signal; {end}{note}"
