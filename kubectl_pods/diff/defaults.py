"""What the API server fills in (docs/lifecycle.md §9), applied to the *intended* side.

Defaults depend on context (the image tag, Pod versus template, hostNetwork), so they are computed
on the intended object; values only the server can know (the token volume's name, priority, the
node, a Job's selector) are taken from the live object where the intended one has none. A chain of
named steps, each small; `normalise` runs them in order.
"""

from __future__ import annotations

import copy

from kubectl_pods.kube.quantity import canonical

SERVER_METADATA = ("uid", "resourceVersion", "generation", "creationTimestamp", "managedFields",
                   "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds")
CONTROLLER_LABELS = ("pod-template-hash", "controller-revision-hash", "statefulset.kubernetes.io/pod-name",
                     "apps.kubernetes.io/pod-index", "batch.kubernetes.io/job-name",
                     "batch.kubernetes.io/controller-uid", "controller-uid", "job-name",
                     "batch.kubernetes.io/job-completion-index",
                     "topology.k8s.io/zone", "topology.k8s.io/region",
                     "topology.kubernetes.io/zone", "topology.kubernetes.io/region")
SERVER_ANNOTATIONS = ("kubernetes.io/limit-ranger", "deprecated.daemonset.template.generation",
                      "batch.kubernetes.io/job-completion-index")
APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/"
SERVER_FINALIZERS = ("batch.kubernetes.io/job-tracking",)
TOKEN_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"
DEFAULT_NOEXECUTE = ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable")
CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")
VOLUME_SOURCES_WITH_MODE = ("secret", "configMap", "downwardAPI", "projected")


def normalise(intended: dict, live: dict, intended_is_template: bool = False) -> tuple[dict, dict]:
    """Both objects with server-owned fields removed and the intended side defaulted."""
    mine, theirs = copy.deepcopy(intended), copy.deepcopy(live)
    for obj in (mine, theirs):
        strip_server_owned(obj)
    adopt_server_assigned(mine, theirs, intended_is_template)
    kind = theirs.get("kind") or mine.get("kind")
    # The live side is defaulted too (a no-op for what a server returned), so that a live
    # object read from a plain manifest file is compared on equal terms.
    for target, source in ((theirs, copy.deepcopy(theirs)), (mine, theirs)):
        if kind == "Pod":
            default_pod_spec(target.setdefault("spec", {}), source.get("spec") or {}, is_pod=True,
                             owner_kind=_owner_kind(theirs))
        else:
            default_workload(kind, target, source)
    for obj in (mine, theirs):
        drop_empty_and_null_timestamps(obj)
        canonical_quantities(obj)
    return mine, theirs


# -- metadata ----------------------------------------------------------------------------------------
def strip_server_owned(obj: dict) -> None:
    obj.pop("status", None)
    meta = obj.get("metadata") or {}
    for key in SERVER_METADATA:
        meta.pop(key, None)


def _owner_kind(obj: dict) -> str | None:
    refs = (obj.get("metadata") or {}).get("ownerReferences") or []
    return next((r.get("kind") for r in refs if r.get("controller")), None)


def adopt_server_assigned(mine: dict, theirs: dict, from_template: bool) -> None:
    meta, live_meta = mine.setdefault("metadata", {}), theirs.get("metadata") or {}
    names = ("name", "generateName", "ownerReferences") if from_template else ("ownerReferences",)
    for key in ("namespace", *names):
        if key in live_meta and (key not in meta or from_template):
            meta[key] = live_meta[key]
    if meta.get("generateName") and "name" not in meta and "name" in live_meta:
        meta["name"] = live_meta["name"]
    _adopt_keys(meta, live_meta, "labels", lambda k: k in CONTROLLER_LABELS)
    _adopt_keys(meta, live_meta, "annotations",
                lambda k: k in SERVER_ANNOTATIONS or k.startswith(APPARMOR_ANNOTATION))
    server_finalizers = [f for f in live_meta.get("finalizers") or [] if f in SERVER_FINALIZERS]
    if server_finalizers:
        meta["finalizers"] = (meta.get("finalizers") or []) + [
            f for f in server_finalizers if f not in (meta.get("finalizers") or [])]


def _adopt_keys(meta: dict, live_meta: dict, field: str, server_owned) -> None:
    for key, value in (live_meta.get(field) or {}).items():
        if server_owned(key) and key not in (meta.get(field) or {}):
            meta.setdefault(field, {})[key] = value


# -- pod spec ----------------------------------------------------------------------------------------
def default_pod_spec(spec: dict, live: dict, is_pod: bool, owner_kind: str | None = None) -> None:
    for key, value in (("restartPolicy", "Always"), ("dnsPolicy", "ClusterFirst"), ("securityContext", {}),
                       ("terminationGracePeriodSeconds", 30), ("schedulerName", "default-scheduler")):
        spec.setdefault(key, value)
    if spec.get("serviceAccountName") or spec.get("serviceAccount"):
        account = spec.get("serviceAccountName") or spec["serviceAccount"]
        spec.setdefault("serviceAccountName", account)
        spec["serviceAccount"] = spec["serviceAccountName"]
    host_network = bool(spec.get("hostNetwork"))
    for field in CONTAINER_LISTS:
        for container in spec.get(field) or []:
            default_container(container, is_pod and field != "ephemeralContainers", host_network and is_pod)
    for volume in spec.get("volumes") or []:
        default_volume(volume)
    if not is_pod:
        return
    spec.setdefault("enableServiceLinks", True)
    spec.setdefault("serviceAccountName", "default")
    spec["serviceAccount"] = spec["serviceAccountName"]
    admission_fields = ["priority", "preemptionPolicy", "priorityClassName", "imagePullSecrets", "nodeName"]
    if spec.get("runtimeClassName"):
        admission_fields += ["overhead", "nodeSelector"]
    if owner_kind == "StatefulSet":
        admission_fields += ["hostname", "subdomain"]
    if owner_kind == "DaemonSet":
        admission_fields += ["affinity"]
    for key in admission_fields:
        if key not in spec and key in live:
            spec[key] = live[key]
    default_tolerations(spec, live, owner_kind)
    adopt_token_volume(spec, live)


def default_tolerations(spec: dict, live: dict, owner_kind: str | None) -> None:
    """DefaultTolerationSeconds, and the tolerations the DaemonSet controller adds."""
    mine = spec.get("tolerations") or []

    def tolerated(key: str, effect: str) -> bool:
        return any(t.get("key") in (key, None, "") and t.get("effect") in (effect, None, "")
                   and (t.get("key") or t.get("operator") == "Exists") for t in mine)

    added = []
    for key in DEFAULT_NOEXECUTE:
        if owner_kind != "DaemonSet" and not tolerated(key, "NoExecute"):
            added.append({"key": key, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300})
    if owner_kind == "DaemonSet":
        present = {(t.get("key"), t.get("effect")) for t in mine}
        added += [t for t in live.get("tolerations") or [] if (t.get("key"), t.get("effect")) not in present
                  and (t.get("key") or "").startswith("node.kubernetes.io/")]
    if added:
        spec["tolerations"] = mine + added


def adopt_token_volume(spec: dict, live: dict) -> None:
    """The service-account token volume and its mounts, whose name only the server knows."""
    token = next((v for v in live.get("volumes") or [] if v.get("name", "").startswith("kube-api-access-")
                  and "projected" in v), None)
    if token is None:
        return
    if not any(v.get("name") == token["name"] for v in spec.get("volumes") or []):
        spec.setdefault("volumes", []).append(copy.deepcopy(token))
    for field in ("initContainers", "containers"):
        live_by_name = {c.get("name"): c for c in live.get(field) or []}
        for container in spec.get(field) or []:
            mounts = container.get("volumeMounts") or []
            if any(m.get("mountPath") == TOKEN_MOUNT_PATH for m in mounts):
                continue
            live_mount = next((m for m in (live_by_name.get(container.get("name")) or {}).get("volumeMounts") or []
                               if m.get("mountPath") == TOKEN_MOUNT_PATH and m.get("name") == token["name"]), None)
            if live_mount:
                container["volumeMounts"] = mounts + [copy.deepcopy(live_mount)]


def image_pull_policy(image: str) -> str:
    """`Always` for `:latest` (even with a digest) or neither tag nor digest; else IfNotPresent."""
    name, _, digest = image.partition("@")
    last = name.rsplit("/", 1)[-1]
    tag = last.rsplit(":", 1)[1] if ":" in last else ""
    if tag == "latest" or (not tag and not digest):
        return "Always"
    return "IfNotPresent"


def default_container(container: dict, is_pod: bool, host_network: bool) -> None:
    if container.get("image"):
        container.setdefault("imagePullPolicy", image_pull_policy(container["image"]))
    container.setdefault("terminationMessagePath", "/dev/termination-log")
    container.setdefault("terminationMessagePolicy", "File")
    resources = container.setdefault("resources", {})
    if is_pod and resources.get("limits"):
        requests = resources.setdefault("requests", {})
        for name, value in resources["limits"].items():
            requests.setdefault(name, value)
    for port in container.get("ports") or []:
        port.setdefault("protocol", "TCP")
        if host_network and "hostPort" not in port and "containerPort" in port:
            port["hostPort"] = port["containerPort"]
    for probe_name in ("livenessProbe", "readinessProbe", "startupProbe"):
        probe = container.get(probe_name)
        if probe is not None:
            for key, value in (("timeoutSeconds", 1), ("periodSeconds", 10), ("successThreshold", 1),
                               ("failureThreshold", 3)):
                probe.setdefault(key, value)
            default_handler(probe)
    for hook in (container.get("lifecycle") or {}).values():
        if isinstance(hook, dict):
            default_handler(hook)
    for env in container.get("env") or []:
        default_field_refs(env.get("valueFrom") or {})


def default_handler(handler: dict) -> None:
    if handler.get("httpGet") is not None:
        handler["httpGet"].setdefault("path", "/")
        handler["httpGet"].setdefault("scheme", "HTTP")
    if handler.get("grpc") is not None:
        handler["grpc"].setdefault("service", "")


def default_field_refs(source: dict) -> None:
    if source.get("fieldRef") is not None:
        source["fieldRef"].setdefault("apiVersion", "v1")
    if source.get("resourceFieldRef") is not None:
        source["resourceFieldRef"].setdefault("divisor", "0")


def default_volume(volume: dict) -> None:
    if set(volume) <= {"name"}:
        volume["emptyDir"] = {}
    if volume.get("hostPath") is not None:
        volume["hostPath"].setdefault("type", "")
    for source in VOLUME_SOURCES_WITH_MODE:
        if volume.get(source) is not None:
            volume[source].setdefault("defaultMode", 420)
    for item in (volume.get("downwardAPI") or {}).get("items") or []:
        default_field_refs(item)
    for projection in (volume.get("projected") or {}).get("sources") or []:
        if projection.get("serviceAccountToken") is not None:
            projection["serviceAccountToken"].setdefault("expirationSeconds", 3600)
        for item in (projection.get("downwardAPI") or {}).get("items") or []:
            default_field_refs(item)


# -- workloads ---------------------------------------------------------------------------------------
def default_workload(kind: str | None, mine: dict, theirs: dict) -> None:
    spec, live_spec = mine.setdefault("spec", {}), theirs.get("spec") or {}
    template_holder, live_holder = spec, live_spec
    if kind == "CronJob":
        for key, value in (("concurrencyPolicy", "Allow"), ("suspend", False),
                           ("successfulJobsHistoryLimit", 3), ("failedJobsHistoryLimit", 1)):
            spec.setdefault(key, value)
        template_holder = spec.setdefault("jobTemplate", {}).setdefault("spec", {})
        live_holder = (live_spec.get("jobTemplate") or {}).get("spec") or {}
    elif kind in WORKLOAD_DEFAULTS:
        WORKLOAD_DEFAULTS[kind](spec, live_spec)
    template = template_holder.setdefault("template", {})
    live_template = live_holder.get("template") or {}
    _adopt_keys(template.setdefault("metadata", {}), live_template.get("metadata") or {}, "labels",
                lambda k: k in CONTROLLER_LABELS)
    default_pod_spec(template.setdefault("spec", {}), live_template.get("spec") or {}, is_pod=False)


def _deployment(spec: dict, live: dict) -> None:
    for key, value in (("replicas", 1), ("revisionHistoryLimit", 10), ("progressDeadlineSeconds", 600)):
        spec.setdefault(key, value)
    strategy = spec.setdefault("strategy", {"type": "RollingUpdate"})
    if strategy.get("type", "RollingUpdate") == "RollingUpdate":
        strategy.setdefault("type", "RollingUpdate")
        rolling = strategy.setdefault("rollingUpdate", {})
        rolling.setdefault("maxUnavailable", "25%")
        rolling.setdefault("maxSurge", "25%")


def _statefulset(spec: dict, live: dict) -> None:
    for key, value in (("replicas", 1), ("podManagementPolicy", "OrderedReady"), ("revisionHistoryLimit", 10)):
        spec.setdefault(key, value)
    retention = spec.setdefault("persistentVolumeClaimRetentionPolicy", {})
    retention.setdefault("whenDeleted", "Retain")
    retention.setdefault("whenScaled", "Retain")
    strategy = spec.setdefault("updateStrategy", {"type": "RollingUpdate"})
    if strategy.get("type") == "RollingUpdate":
        strategy.setdefault("rollingUpdate", {}).setdefault("partition", 0)
    for claim in spec.get("volumeClaimTemplates") or []:
        claim.setdefault("apiVersion", "v1")
        claim.setdefault("kind", "PersistentVolumeClaim")
        claim.setdefault("spec", {}).setdefault("volumeMode", "Filesystem")
        claim.setdefault("status", {"phase": "Pending"})


def _daemonset(spec: dict, live: dict) -> None:
    spec.setdefault("revisionHistoryLimit", 10)
    strategy = spec.setdefault("updateStrategy", {"type": "RollingUpdate"})
    if strategy.get("type") == "RollingUpdate":
        rolling = strategy.setdefault("rollingUpdate", {})
        rolling.setdefault("maxUnavailable", 1)
        rolling.setdefault("maxSurge", 0)


def _replicaset(spec: dict, live: dict) -> None:
    spec.setdefault("replicas", 1)


def _job(spec: dict, live: dict) -> None:
    if "completions" not in spec and "parallelism" not in spec:
        spec["completions"] = 1
    spec.setdefault("parallelism", 1)
    spec.setdefault("backoffLimit", 2147483647 if spec.get("backoffLimitPerIndex") is not None else 6)
    spec.setdefault("completionMode", "NonIndexed")
    spec.setdefault("suspend", False)
    for rule in (spec.get("podFailurePolicy") or {}).get("rules") or []:
        for pod_condition in rule.get("onPodConditions") or []:
            pod_condition.setdefault("status", "True")
    # Version-dependent (1.29+/1.33+) or generated: only the server knows.
    for key in ("podReplacementPolicy", "manualSelector", "selector"):
        if key not in spec and key in live:
            spec[key] = live[key]


WORKLOAD_DEFAULTS = {"Deployment": _deployment, "StatefulSet": _statefulset, "DaemonSet": _daemonset,
                     "ReplicaSet": _replicaset, "Job": _job}


# -- final touches -----------------------------------------------------------------------------------
def drop_empty_and_null_timestamps(node) -> None:
    """Empty lists are absent on the server; template `creationTimestamp: null` is noise."""
    if isinstance(node, dict):
        if "creationTimestamp" in node and node["creationTimestamp"] is None:
            del node["creationTimestamp"]
        for key in list(node):
            drop_empty_and_null_timestamps(node[key])
            if node[key] == [] or (key in ("metadata", "labels", "annotations") and node[key] == {}):
                del node[key]
    elif isinstance(node, list):
        for item in node:
            drop_empty_and_null_timestamps(item)


QUANTITY_MAPS = ("requests", "limits", "overhead", "podFixed", "capacity")


def canonical_quantities(node) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in QUANTITY_MAPS and isinstance(value, dict):
                node[key] = {name: canonical(amount) for name, amount in value.items()}
            elif key == "sizeLimit":
                node[key] = canonical(value)
            else:
                canonical_quantities(value)
    elif isinstance(node, list):
        for item in node:
            canonical_quantities(item)
