"""Before any container: is the pod scheduled, and is its node's kubelet there to run it
(docs/lifecycle.md §13).

- The scheduler binds a pod by setting `spec.nodeName` and a `PodScheduled` True condition
  (`pkg/registry/core/pod/storage/storage.go` BindingREST `setPodNodeAndMetadata`); when it cannot,
  it writes `PodScheduled` False with its reason and message (`pkg/scheduler/schedule_one.go`
  handleSchedulingFailure). A pod with neither was never looked at by a scheduler named
  `spec.schedulerName` (default `default-scheduler`): none runs, or it ignores that name.
- A pod created with `spec.nodeName` skips the scheduler; the kubelet of that node picks it up
  from its watch and, on the first status write, sets `status.startTime`
  (`pkg/kubelet/status/status_manager.go` updateStatusInternal). No startTime: no kubelet has
  written this pod's status yet.
- A node's kubelet reports itself in the Node's `Ready` condition
  (`pkg/kubelet/nodestatus/setters.go` ReadyCondition); the node lifecycle controller sets it
  Unknown when the kubelet stops posting (`pkg/controller/nodelifecycle`).
"""

from __future__ import annotations

from datetime import datetime

from kubectl_pods.kube.pods import condition
from kubectl_pods.kube.timefmt import human_duration, parse_time
from kubectl_pods.report_types import BlockCause, Blocked, NodeReady, NodeStatus

DEFAULT_SCHEDULER = "default-scheduler"
# The kubelet's status manager writes a changed status at once and re-syncs every 10 s
# (`syncPeriod` in pkg/kubelet/status/status_manager.go): silence is news only after that.
STATUS_SYNC_SECONDS = 10
NODE_MISSING = "missing"  # the GET of the node answered 404


def _age(since: str | None, now: datetime | None) -> str:
    moment = parse_time(since)
    return f"{human_duration((now - moment).total_seconds())}" if moment and now else "an unknown time"


def kubelet_silent(pod: dict) -> bool:
    """Bound to a node, and no kubelet has written the pod's status: the case the node decides."""
    status = pod.get("status") or {}
    return bool((pod.get("spec") or {}).get("nodeName")) and not (
        status.get("startTime") or status.get("containerStatuses") or status.get("initContainerStatuses"))


def node_ready(node: dict | str | None) -> NodeReady | None:
    """The node's Ready condition as reported: {status, reason, message, since, heartbeat}."""
    if not isinstance(node, dict):
        return None
    ready = next((c for c in (node.get("status") or {}).get("conditions") or [] if c.get("type") == "Ready"), None)
    if ready is None:
        return {"status": "Unknown", "reason": None, "message": "the node reports no Ready condition",
                "since": None, "heartbeat": None}
    return {"status": ready.get("status"), "reason": ready.get("reason"), "message": ready.get("message"),
            "since": ready.get("lastTransitionTime"), "heartbeat": ready.get("lastHeartbeatTime")}


def node_report(pod: dict, node: dict | str | None) -> NodeStatus | None:
    """`nodeStatus` for the report: the pod's node as read (None: no node, or it was not read)."""
    name = (pod.get("spec") or {}).get("nodeName")
    if not name or node is None:
        return None
    return {"name": name, "exists": node != NODE_MISSING, "ready": node_ready(node)}


def scheduling_block(pod: dict, node: dict | str | None, now: datetime | None) -> Blocked | None:
    """Where a live pod is held before its containers: not scheduled, or bound to a node whose
    kubelet is absent, not Ready, or has not written the pod's status. `node` is the Node as read,
    NODE_MISSING (404), or None (not read). None when none of that holds the pod."""
    spec, meta, status = pod.get("spec") or {}, pod.get("metadata") or {}, pod.get("status") or {}
    if meta.get("deletionTimestamp") or status.get("phase") in ("Succeeded", "Failed"):
        return None
    scheduled = condition(pod, "PodScheduled")
    name = spec.get("nodeName")
    if scheduled and scheduled.get("status") == "False":
        detail = scheduled.get("message") or scheduled.get("reason") or "no node fits"
        return {"container": None, "reason": f"not scheduled: {detail}",
                "cause": {"kind": "scheduling", "reason": scheduled.get("reason"),
                          "schedulerName": spec.get("schedulerName") or DEFAULT_SCHEDULER}}
    ran = bool(status.get("startTime") or status.get("containerStatuses") or status.get("initContainerStatuses"))
    if not name and ran:
        return None  # a kubelet wrote its status: it ran somewhere, whatever spec.nodeName says now
    if not name:
        scheduler = spec.get("schedulerName") or DEFAULT_SCHEDULER
        return {"container": None,
                "reason": f"not scheduled yet — is a scheduler running for schedulerName `{scheduler}`? "
                          f"No scheduler has bound it or said why not in {_age(meta.get('creationTimestamp'), now)} "
                          "since it was created",
                "cause": {"kind": "scheduling", "reason": None, "schedulerName": scheduler}}
    bound_at = (scheduled or {}).get("lastTransitionTime") or meta.get("creationTimestamp")
    bound = parse_time(bound_at)
    silent = not ran and not (now and bound and (now - bound).total_seconds() <= STATUS_SYNC_SECONDS)
    ready = node_ready(node)
    cause: BlockCause = {"kind": "node", "node": name, "exists": node != NODE_MISSING if node is not None else None,
             "ready": ready, "kubeletWroteStatus": not silent}
    if node == NODE_MISSING and not ran:  # no kubelet will ever write: no need to wait for one
        return {"container": None, "cause": cause,
                "reason": f"bound to node `{name}`, which does not exist: no kubelet will run it "
                          f"({_age(bound_at, now)} since it was bound)"}
    if ready and ready["status"] != "True":
        why = ": ".join(part for part in (ready.get("reason"), ready.get("message")) if part)
        since = f" since {ready['since']}" if ready.get("since") else ""
        status_note = (f"its kubelet has not written this pod's status in {_age(bound_at, now)} since it was bound"
                       if silent else "the pod's status is what its kubelet last wrote")
        return {"container": None, "cause": cause,
                "reason": f"node `{name}` is not Ready (Ready={ready['status']}{since}{': ' + why if why else ''}); "
                          f"{status_note}"}
    if silent:
        readiness = "is Ready" if ready else "was not read"
        return {"container": None, "cause": cause,
                "reason": f"bound to node `{name}`, whose kubelet has not written this pod's status in "
                          f"{_age(bound_at, now)} since it was bound (the node {readiness})"}
    return None
