"""What a controller writes into the pods it makes from a template (docs/defaults.md).

Each function is the upstream code that builds a pod for one controller kind; it runs on the
intended side when the live pod's controller is of that kind.
"""

from __future__ import annotations

import copy

from kubectl_pods.diff.admission import COMPLETION_INDEX_ANNOTATION
from kubectl_pods.diff.defaults import _dict, _list, counterpart

# pkg/controller/daemon/util/daemonset_util.go AddOrUpdateDaemonPodTolerations
DAEMON_TOLERATIONS = (
    ("node.kubernetes.io/not-ready", "NoExecute"), ("node.kubernetes.io/unreachable", "NoExecute"),
    ("node.kubernetes.io/disk-pressure", "NoSchedule"), ("node.kubernetes.io/memory-pressure", "NoSchedule"),
    ("node.kubernetes.io/pid-pressure", "NoSchedule"), ("node.kubernetes.io/unschedulable", "NoSchedule"),
)
NETWORK_UNAVAILABLE = ("node.kubernetes.io/network-unavailable", "NoSchedule")
COMPLETION_INDEX_ENV = "JOB_COMPLETION_INDEX"


def daemonset_pod(spec: dict, live: dict) -> None:
    """AddOrUpdateDaemonPodTolerations (`v1helper.AddOrUpdateTolerationInPodSpec`: a toleration
    with the same key, operator, value and effect is replaced, else appended) and
    ReplaceDaemonSetPodNodeNameNodeAffinity (the required node terms become one `metadata.name In
    [node]` field term)."""
    wanted = list(DAEMON_TOLERATIONS) + ([NETWORK_UNAVAILABLE] if spec.get("hostNetwork") else [])
    tolerations = list(spec.get("tolerations") or [])
    for key, effect in wanted:
        toleration = {"key": key, "operator": "Exists", "effect": effect}
        same = next((i for i, t in enumerate(tolerations) if isinstance(t, dict) and t.get("key") == key
                     and t.get("operator") == "Exists" and not t.get("value") and t.get("effect") == effect), None)
        if same is None:
            tolerations.append(toleration)
        else:
            tolerations[same] = toleration
    spec["tolerations"] = tolerations
    node = _daemon_node(live)
    if node is not None:
        term = {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node]}]}
        affinity = spec.setdefault("affinity", {}).setdefault("nodeAffinity", {})
        required = affinity.setdefault("requiredDuringSchedulingIgnoredDuringExecution", {})
        required["nodeSelectorTerms"] = [term]


def _daemon_node(live: dict) -> str | None:
    required = _dict(_dict(_dict(live, "affinity"), "nodeAffinity"), "requiredDuringSchedulingIgnoredDuringExecution")
    for term in _list(required, "nodeSelectorTerms"):
        for requirement in _list(term, "matchFields"):
            values = requirement.get("values") or []
            if requirement.get("key") == "metadata.name" and requirement.get("operator") == "In" and len(values) == 1:
                return values[0]
    return None


def statefulset_pod(spec: dict, live: dict, pod_name: str | None) -> None:
    """newStatefulSetPod: `initIdentity` (hostname = the pod's name, subdomain = the set's
    serviceName) and `updateStorage` (each claim template becomes a volume of the same name whose
    claim is `<claim>-<pod>`)."""
    if pod_name and not spec.get("hostname") and live.get("hostname") == pod_name:
        spec["hostname"] = pod_name
    if not spec.get("subdomain") and live.get("subdomain"):
        spec["subdomain"] = live["subdomain"]
    if not pod_name:
        return
    for volume in _list(live, "volumes"):
        claim = (volume.get("persistentVolumeClaim") or {}).get("claimName") if isinstance(
            volume.get("persistentVolumeClaim"), dict) else None
        if claim and claim == f"{volume.get('name')}-{pod_name}":
            kept = [v for v in (spec.get("volumes") or []) if not (isinstance(v, dict) and v.get("name") == volume.get("name"))]
            spec["volumes"] = [*kept, copy.deepcopy(volume)]


def job_pod(spec: dict, live: dict, live_metadata: dict, job_name: str | None) -> None:
    """The Job controller's Indexed pods (`addCompletionIndexEnvVariables`, and the hostname
    `<job>-<index>` when the template has none)."""
    index = (live_metadata.get("annotations") or {}).get(COMPLETION_INDEX_ANNOTATION)
    if index is None:
        return
    for field_name in ("initContainers", "containers"):
        for container in _list(spec, field_name):
            if any(isinstance(e, dict) and e.get("name") == COMPLETION_INDEX_ENV for e in container.get("env") or []):
                continue
            live_env = next((e for e in _list(counterpart(_list(live, field_name), container), "env")
                             if e.get("name") == COMPLETION_INDEX_ENV), None)
            if live_env is not None:
                container["env"] = [*(container.get("env") or []), copy.deepcopy(live_env)]
    if job_name and not spec.get("hostname") and live.get("hostname") == f"{job_name}-{index}":
        spec["hostname"] = live["hostname"]
