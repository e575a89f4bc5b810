"""A pod being deleted: when it was asked, when its grace period ends, and what each container
still running waits for (docs/lifecycle.md §2, §3, §13).

The API server sets `deletionTimestamp` to the time of the delete plus the grace period and
`deletionGracePeriodSeconds` to that period (`staging/src/k8s.io/apiserver/pkg/registry/rest/delete.go`
BeforeDelete; a shorter second delete moves both), so the request time is their difference. The
kubelet then runs every preStop hook at once, gives app containers the stop signal when their own
hook returns, and each sidecar only once every app container and later sidecar has exited
(`killContainersWithSyncResult`, `kuberuntime_termination_order.go`); SIGKILL at the end of the
grace period, each container getting at least 2 s (`minimumGracePeriodInSeconds`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from kubectl_pods.kube.pods import APP, INIT, SIDECAR, ContainerRef, state_of
from kubectl_pods.kube.timefmt import parse_time
from kubectl_pods.lifecycle.termination import MINIMUM_GRACE_SECONDS, grace_period
from kubectl_pods.report_types import Deletion, DeletionWait, EventRow


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def deletion(pod: dict, refs: list[ContainerRef], statuses: dict[str, dict], now: datetime | None,
             rows: list[EventRow] | None = None, node_missing: bool = False) -> Deletion | None:
    """The `deletion` object of a pod with a deletionTimestamp; None for any other pod. `rows`:
    the pod's events, for a preStop hook that failed (`FailedPreStopHook`: the kubelet goes on to
    the stop signal, `executePreStopHook`); `node_missing`: its node does not exist, so no kubelet
    will confirm the deletion."""
    meta = pod.get("metadata") or {}
    ends = parse_time(meta.get("deletionTimestamp"))
    if ends is None:
        return None
    grace = meta.get("deletionGracePeriodSeconds")
    grace = grace_period(pod) if grace is None else grace
    running = [ref for ref in refs if ref.role != "ephemeral" and state_of(statuses.get(ref.name))[0] == "running"]
    asked = ends - timedelta(seconds=grace)
    failed = {r["container"] for r in rows or [] if r["reason"] == "FailedPreStopHook"
              and (parse_time(r["lastTime"]) or asked) >= asked}
    waits: list[DeletionWait] = []
    for ref in running:
        hook = bool((ref.spec.get("lifecycle") or {}).get("preStop")) and ref.name not in failed
        before = [r.name for r in running if r.role in (APP, INIT) or (r.role == SIDECAR and r.index > ref.index)] \
            if ref.role == SIDECAR else []
        steps = (["its preStop hook"] if hook else []) + ([f"{', '.join(before)} to exit"] if before else [])
        waits.append({"name": ref.name, "role": ref.role, "preStop": hook, "preStopFailed": ref.name in failed,
                      "waitsForContainers": before,
                      "waitsFor": steps + ["the stop signal"]})
    phase = (pod.get("status") or {}).get("phase")
    return {
        "requestedAt": _iso(asked),
        "gracePeriodSeconds": grace,
        "graceEndsAt": _iso(ends),
        "graceLeftSeconds": max(0, round((ends - now).total_seconds())) if now else None,
        "minimumGraceSeconds": MINIMUM_GRACE_SECONDS,
        "nodeName": (pod.get("spec") or {}).get("nodeName"),
        "nodeMissing": node_missing,
        "finished": phase in ("Succeeded", "Failed"),
        "running": waits,
    }


def deleting_text(entry: Deletion) -> str:
    """One sentence for the text view: asked when, grace ends when, who still runs and why."""
    left = f", in {entry['graceLeftSeconds']}s" if entry.get("graceLeftSeconds") else ""
    text = (f"deletion asked at {entry['requestedAt']}; the {entry['gracePeriodSeconds']}s grace period "
            f"ends at {entry['graceEndsAt']}{left}, then SIGKILL for whatever still runs")
    if not entry["nodeName"]:
        return text + "; no node holds it, so the API server removes it without waiting"
    if entry["nodeMissing"]:
        # A bound pod is removed when its kubelet confirms (a delete with grace 0); with no node,
        # only the pod garbage collector does it: `pkg/controller/podgc/gc_controller.go`
        # gcOrphaned, 40 s after it finds the node gone (quarantineTime).
        return (text + f"; its node `{entry['nodeName']}` does not exist, so no kubelet will confirm the deletion: "
                "it stays until kube-controller-manager's pod garbage collector removes it (orphaned pods, "
                "40 s after it sees the node gone) or it is deleted with --force --grace-period=0")
    if not entry["running"]:
        return text + "; no container runs: the kubelet is cleaning up and will confirm the deletion"
    parts = [f"`{c['name']}` waits for {' then '.join(c['waitsFor'])}" for c in entry["running"]]
    return text + "; still running: " + "; ".join(parts)
