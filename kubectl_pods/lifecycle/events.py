"""What the kubelet's events about a pod say, as one table (docs/lifecycle.md §13).

Each row is one cause: the event reason (and, where one reason names several causes, the start of
its message), what it means, and the upstream code that emits it (Kubernetes v1.33; reasons are
the constants of `pkg/kubelet/events/event.go` unless a row names another file). The first row
that matches an event wins. Nothing here reads the clock or the cluster: rows in, rows out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from typing import TypedDict

from kubectl_pods.kube.timefmt import parse_time
from kubectl_pods.report_types import EventCause, EventRow, MissingKind, MissingObject

# Causes: what kind of trouble an event is a witness of.
VOLUME: EventCause
SANDBOX: EventCause
IMAGE: EventCause
PROBE: EventCause
KILL: EventCause
HOOK: EventCause
EVICTION: EventCause
MEMORY: EventCause
CRASH: EventCause
CONFIG: EventCause
VOLUME, SANDBOX, IMAGE, PROBE, KILL, HOOK, EVICTION, MEMORY, CRASH, CONFIG = (
    "volume", "sandbox", "image", "probe", "kill", "hook", "eviction", "memory", "crash", "config")


@dataclass(frozen=True)
class EventRule:
    reason: str
    message: str | None  # a regex the message must match from its start, None: any message
    cause: EventCause
    meaning: str
    upstream: str


EVENT_RULES: tuple[EventRule, ...] = (
    EventRule("FailedMount", None, VOLUME,
              "a volume could not be mounted; no container of the pod starts, init containers "
              "included, until every volume is mounted",
              "pkg/volume/util/operationexecutor/operation_generator.go GenerateMountVolumeFunc "
              "(\"MountVolume.SetUp failed for volume ...\"); pkg/kubelet/kubelet.go SyncPod after "
              "WaitForAttachAndMount times out (\"Unable to attach or mount volumes: ...\")"),
    EventRule("FailedAttachVolume", None, VOLUME,
              "a volume could not be attached to the node; nothing of the pod starts until it is",
              "pkg/volume/util/operationexecutor/operation_generator.go GenerateAttachVolumeFunc"),
    EventRule("FailedMapVolume", None, VOLUME,
              "a block volume could not be mapped; nothing of the pod starts until it is",
              "pkg/volume/util/operationexecutor/operation_generator.go GenerateMapVolumeFunc"),
    EventRule("FailedCreatePodSandBox", None, SANDBOX,
              "the runtime could not create the pod's sandbox (network, cgroups, runtime class); "
              "no container starts until it can",
              "pkg/kubelet/kuberuntime/kuberuntime_manager.go SyncPod (\"Failed to create pod sandbox: ...\")"),
    EventRule("Failed", r"Failed to pull image ", IMAGE, "the image pull failed",
              "pkg/kubelet/images/image_manager.go EnsureImageExists (\"Failed to pull image %q: %v\")"),
    EventRule("Failed", r"Error: (ErrImagePull|ImagePullBackOff|ErrImageNeverPull|InvalidImageName)", IMAGE,
              "the container cannot start: its image is not there",
              "pkg/kubelet/kuberuntime/kuberuntime_container.go startContainer (\"Error: %v\")"),
    EventRule("Failed", r"Error: ", CONFIG, "the container could not be created or started",
              "pkg/kubelet/kuberuntime/kuberuntime_container.go startContainer (\"Error: %v\")"),
    EventRule("BackOff", r"Back-off pulling image ", IMAGE,
              "waiting before the next image pull (the pull back-off)",
              "pkg/kubelet/images/image_manager.go EnsureImageExists (\"Back-off pulling image %q\")"),
    EventRule("BackOff", r"Back-off restarting failed container", CRASH,
              "waiting out the crash-loop back-off before the next restart",
              "pkg/kubelet/kuberuntime/kuberuntime_manager.go doBackOff"),
    EventRule("ErrImageNeverPull", None, IMAGE,
              "the image is not on the node and imagePullPolicy is Never",
              "pkg/kubelet/images/image_manager.go EnsureImageExists"),
    EventRule("InspectFailed", None, IMAGE, "the runtime could not inspect the image",
              "pkg/kubelet/images/image_manager.go EnsureImageExists"),
    EventRule("Unhealthy", r"Startup probe", PROBE, "the startup probe failed",
              "pkg/kubelet/prober/prober.go runProbeWithRetries (\"%s probe failed: %s\")"),
    EventRule("Unhealthy", r"Liveness probe", PROBE, "the liveness probe failed",
              "pkg/kubelet/prober/prober.go runProbeWithRetries (\"%s probe failed: %s\")"),
    EventRule("Unhealthy", r"Readiness probe", PROBE,
              "the readiness probe failed: the container gets no Service traffic, nothing is restarted",
              "pkg/kubelet/prober/prober.go runProbeWithRetries (\"%s probe failed: %s\")"),
    EventRule("Killing", r"(Init container|Container) \S+ failed startup probe", KILL,
              "the kubelet stops the container because its startup probe failed (then restarts it)",
              "pkg/kubelet/kuberuntime/kuberuntime_manager.go computePodActions (apps); "
              "kuberuntime_container.go computeInitContainerActions (sidecars)"),
    EventRule("Killing", r"(Init container|Container) \S+ failed liveness probe", KILL,
              "the kubelet stops the container because its liveness probe failed (then restarts it)",
              "pkg/kubelet/kuberuntime/kuberuntime_manager.go computePodActions (apps); "
              "kuberuntime_container.go computeInitContainerActions (sidecars)"),
    EventRule("Killing", r"(Init container|Container) \S+ definition changed", KILL,
              "the kubelet stops the container because its spec (image) changed (then restarts it)",
              "pkg/kubelet/kuberuntime/kuberuntime_manager.go computePodActions"),
    EventRule("Killing", r"FailedPostStartHook", KILL,
              "the kubelet stops the container because its postStart hook failed",
              "pkg/kubelet/kuberuntime/kuberuntime_container.go startContainer"),
    EventRule("Killing", None, KILL,
              "the kubelet stops the container (pod deletion, eviction, or the pod's end)",
              "pkg/kubelet/kuberuntime/kuberuntime_container.go killContainer (\"Stopping container %s\")"),
    EventRule("FailedPostStartHook", None, HOOK,
              "the postStart hook failed, so the kubelet killed the container (its preStop runs); "
              "the restart policy applies",
              "pkg/kubelet/kuberuntime/kuberuntime_container.go startContainer (\"PostStartHook failed\")"),
    EventRule("FailedPreStopHook", None, HOOK,
              "the preStop hook failed; the stop signal follows anyway",
              "pkg/kubelet/kuberuntime/kuberuntime_container.go executePreStopHook (\"PreStopHook failed\")"),
    EventRule("Evicted", None, EVICTION,
              "the kubelet evicted the pod to reclaim a node resource; it is Failed and not restarted",
              "pkg/kubelet/eviction/eviction_manager.go evictPod (reason `Evicted`, helpers.go)"),
    EventRule("Preempting", None, EVICTION,
              "the kubelet killed the pod to admit a critical pod",
              "pkg/kubelet/preemption/preemption.go evictPodsToFreeRequests"),
    EventRule("ExceededGracePeriod", None, KILL,
              "the runtime did not kill the pod within the grace period",
              "pkg/kubelet/pod_workers.go (\"Container runtime did not kill the pod within specified grace period.\")"),
    EventRule("OOMKilling", None, MEMORY,
              "the node's kernel killed a process for memory (reported by node-problem-detector)",
              "kubernetes/node-problem-detector config/kernel-monitor.json (reason OOMKilling)"),
    EventRule("SystemOOM", None, MEMORY,
              "the node ran out of memory and the kernel killed a process",
              "pkg/kubelet/oom/oom_watcher_linux.go (reason SystemOOM, on the Node)"),
)

_FIELD_PATH = re.compile(r"spec\.(?:initContainers|containers|ephemeralContainers)\{(.+)\}")


def rule_for(reason: str | None, message: str | None) -> EventRule | None:
    """The table's row for an event: the first whose reason and message match."""
    for rule in EVENT_RULES:
        if rule.reason == reason and (rule.message is None or re.match(rule.message, message or "")):
            return rule
    return None


def event_row(event: dict) -> EventRow:
    """An event as explain reports it: its message whole, its repeats and first and last time.
    A core/v1 event counts in `count` with first/lastTimestamp (the kubelet's recorder); an
    events.k8s.io one in `series` with `eventTime` (the scheduler's)."""
    series = event.get("series") or {}
    involved = event.get("involvedObject") or {}
    match = _FIELD_PATH.match(involved.get("fieldPath") or "")
    first = event.get("firstTimestamp") or event.get("eventTime")
    last = series.get("lastObservedTime") or event.get("lastTimestamp") or event.get("eventTime") or first
    rule = rule_for(event.get("reason"), event.get("message"))
    source = event.get("source") or {}
    return {
        "time": last, "firstTime": first, "lastTime": last,
        "type": event.get("type"), "reason": event.get("reason"), "message": event.get("message"),
        "count": series.get("count") or event.get("count") or 1,
        "container": match.group(1) if match else None,
        "source": source.get("component") or event.get("reportingComponent") or None,
        "cause": rule.cause if rule else None,
    }


def repeat_text(row: EventRow) -> str:
    """`x9 over 75s`, as `kubectl describe` says a repeated event ("" for one)."""
    if row["count"] <= 1:
        return ""
    first, last = parse_time(row.get("firstTime")), parse_time(row.get("lastTime"))
    over = f" over {round((last - first).total_seconds())}s" if first and last and last > first else ""
    return f"x{row['count']}{over}"


def of_cause(rows: list[EventRow], cause: EventCause, container: str | None = None) -> list[EventRow]:
    """The rows of one cause (of one container, when named), oldest first."""
    return [r for r in rows if r["cause"] == cause and (container is None or r["container"] == container)]


# -- volumes ------------------------------------------------------------------------------------
# "MountVolume.SetUp failed for volume "cfg" : configmap "does-not-exist" not found": the volume
# from `GenerateError` (volumeToMount.GenerateError in operationexecutor), the object from the
# configmap/secret volume plugins (pkg/volume/configmap, pkg/volume/secret SetUpAt) or the
# PVC lookup (pkg/kubelet/volumemanager/populator).
_VOLUME = re.compile(r'for volume "([^"]+)"')
_MISSING = re.compile(r'(configmap|secret|persistentvolumeclaim|serviceaccount)s? "([^"]+)" not found', re.I)
_UNMOUNTED = re.compile(r"unmounted volumes=\[([^\]]*)\]")
KINDS: dict[str, MissingKind] = {"configmap": "ConfigMap", "secret": "Secret", "persistentvolumeclaim": "PersistentVolumeClaim",
         "serviceaccount": "ServiceAccount"}


class VolumeFailure(TypedDict):
    volume: str | None
    missing: MissingObject | None
    event: EventRow


def volume_failure(rows: list[EventRow]) -> VolumeFailure | None:
    """The latest volume set-up failure: which volume, which object is missing (when the message
    names one), and the event. None when no event says a volume failed."""
    failures = of_cause(rows, VOLUME)
    if not failures:
        return None
    # The detailed message (operation_generator) names the volume and the object; the summary
    # from SyncPod only lists unmounted volumes: prefer the detailed one.
    detailed = [r for r in failures if _VOLUME.search(r["message"] or "")]
    row = (detailed or failures)[-1]
    message = row["message"] or ""
    volume = _VOLUME.search(message)
    missing = _MISSING.search(message)
    unmounted = _UNMOUNTED.search(message)
    return {
        "volume": volume.group(1) if volume else (unmounted.group(1) if unmounted else None),
        "missing": {"kind": KINDS[missing.group(1).lower()], "name": missing.group(2)} if missing else None,
        "event": row,
    }
