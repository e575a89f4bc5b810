"""The API server's defaulting functions, ported to plain dicts (docs/defaults.md lists each one).

Every function here is named after the upstream function it follows and does what that function
does, nothing more: `pkg/apis/core/v1/defaults.go` and its generated `zz_generated.defaults.go`
(`SetObjectDefaults_Pod`, `SetObjectDefaults_PodTemplate`, ...), `pkg/apis/apps/v1/defaults.go`,
`pkg/apis/batch/v1/defaults.go`. They run on the decoded object before admission, on Pods and on
the pod templates of workloads alike, except where upstream says "Pod only".

A default that only some versions or feature gates apply (the Job's `podReplacementPolicy`,
pod-level resources, ...) is applied with `default_if_live`: only when the live object holds
exactly the value that default would give. A server that did not apply it leaves the field absent,
and a value someone set later differs from the default, so both still compare truthfully.
"""

from __future__ import annotations

from kubectl_pods.kube.quantity import quantity_value

CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")
PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
MODE_SOURCES = ("secret", "configMap", "downwardAPI", "projected")  # defaultMode 0644 (420)
# Sources whose fields `zz_generated.defaults.go` fills from `+default=` markers in types.go.
SOURCE_MARKERS: dict[str, dict[str, object]] = {
    "iscsi": {"iscsiInterface": "default"},
    "rbd": {"pool": "rbd", "user": "admin", "keyring": "/etc/ceph/keyring"},
    "azureDisk": {"cachingMode": "ReadWrite", "fsType": "ext4", "readOnly": False, "kind": "Shared"},
    "scaleIO": {"storageMode": "ThinProvisioned", "fsType": "xfs"},
}
# component-helpers/resource IsSupportedPodLevelResource: cpu, memory and (1.34+) hugepages.
POD_LEVEL_RESOURCES = ("cpu", "memory")


def _dict(node, key) -> dict:
    value = node.get(key)
    return value if isinstance(value, dict) else {}


def _list(node, key) -> list:
    value = node.get(key)
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def default_if_live(node: dict, key: str, value, live: dict | None) -> None:
    """A version- or gate-dependent default: taken only where the live object shows exactly it."""
    if key not in node and isinstance(live, dict) and live.get(key) == value:
        node[key] = value


def counterpart(live_items: list, item: dict, key: str = "name") -> dict:
    """The live list item with the same identity, or {}."""
    return next((i for i in live_items if i.get(key) == item.get(key)), {})


# -- core/v1 ------------------------------------------------------------------------------------------
def parse_image_tag(image: str) -> str | None:
    """The tag `parsers.ParseImageName` reports: the tag, "latest" when there is neither tag nor
    digest, "" when there is only a digest, None when the reference does not parse (docker
    reference grammar: lowercase path components, optional registry host with port)."""
    from kubectl_pods.kube.imageref import parse_reference

    parsed = parse_reference(image)
    if parsed is None:
        return None
    _, tag, digest = parsed
    if not tag and not digest:
        return "latest"
    return tag


def image_pull_policy(image) -> str:
    """SetDefaults_Container: `Always` when the parsed tag is "latest", else `IfNotPresent` (an
    unparseable reference has no tag, so it gets `IfNotPresent` too)."""
    return "Always" if isinstance(image, str) and parse_image_tag(image) == "latest" else "IfNotPresent"


def set_defaults_container(container: dict) -> None:
    """SetDefaults_Container (also SetDefaults_EphemeralContainer) and the generated calls under it."""
    if not container.get("imagePullPolicy"):
        container["imagePullPolicy"] = image_pull_policy(container.get("image"))
    if not container.get("terminationMessagePath"):
        container["terminationMessagePath"] = "/dev/termination-log"
    if not container.get("terminationMessagePolicy"):
        container["terminationMessagePolicy"] = "File"
    for port in _list(container, "ports"):
        if not port.get("protocol"):
            port["protocol"] = "TCP"  # +default="TCP" on ContainerPort.Protocol
    for env in _list(container, "env"):
        source = _dict(env, "valueFrom")
        if isinstance(source.get("fieldRef"), dict):
            set_defaults_object_field_selector(source["fieldRef"])
        if isinstance(source.get("fileKeyRef"), dict):
            source["fileKeyRef"].setdefault("optional", False)  # +default=false (EnvFiles, 1.34+)
    for name in PROBES:
        if isinstance(container.get(name), dict):
            set_defaults_probe(container[name])
    for hook in _dict(container, "lifecycle").values():
        if isinstance(hook, dict) and isinstance(hook.get("httpGet"), dict):
            set_defaults_http_get_action(hook["httpGet"])


def set_defaults_probe(probe: dict) -> None:
    """SetDefaults_Probe, then SetDefaults_HTTPGetAction and the grpc `service` marker."""
    for key, value in (("timeoutSeconds", 1), ("periodSeconds", 10), ("successThreshold", 1), ("failureThreshold", 3)):
        if not probe.get(key):
            probe[key] = value
    if isinstance(probe.get("httpGet"), dict):
        set_defaults_http_get_action(probe["httpGet"])
    if isinstance(probe.get("grpc"), dict) and probe["grpc"].get("service") is None:
        probe["grpc"]["service"] = ""  # +default="" on GRPCAction.Service


def set_defaults_http_get_action(action: dict) -> None:
    if not action.get("path"):
        action["path"] = "/"
    if not action.get("scheme"):
        action["scheme"] = "HTTP"


def set_defaults_object_field_selector(selector: dict) -> None:
    if not selector.get("apiVersion"):
        selector["apiVersion"] = "v1"


def set_defaults_volume(volume: dict) -> None:
    """SetDefaults_Volume and the per-source defaults the generated code calls."""
    if not any(value is not None for key, value in volume.items() if key != "name"):
        volume["emptyDir"] = {}
    image = volume.get("image")
    if isinstance(image, dict) and not image.get("pullPolicy"):
        tag = parse_image_tag(image.get("reference") or "")
        image["pullPolicy"] = "Always" if tag == "latest" else "IfNotPresent"
    if isinstance(volume.get("hostPath"), dict) and volume["hostPath"].get("type") is None:
        volume["hostPath"]["type"] = ""
    for source in MODE_SOURCES:
        if isinstance(volume.get(source), dict) and volume[source].get("defaultMode") is None:
            volume[source]["defaultMode"] = 420
    for source, markers in SOURCE_MARKERS.items():
        if isinstance(volume.get(source), dict):
            for key, value in markers.items():
                if volume[source].get(key) in (None, ""):
                    volume[source][key] = value
    for item in _list(_dict(volume, "downwardAPI"), "items"):
        if isinstance(item.get("fieldRef"), dict):
            set_defaults_object_field_selector(item["fieldRef"])
    for projection in _list(_dict(volume, "projected"), "sources"):
        for item in _list(_dict(projection, "downwardAPI"), "items"):
            if isinstance(item.get("fieldRef"), dict):
                set_defaults_object_field_selector(item["fieldRef"])
        token = projection.get("serviceAccountToken")
        if isinstance(token, dict) and token.get("expirationSeconds") is None:
            token["expirationSeconds"] = 3600  # SetDefaults_ServiceAccountTokenProjection
    claim_template = _dict(_dict(volume, "ephemeral"), "volumeClaimTemplate")
    if claim_template:
        set_defaults_persistent_volume_claim_spec(claim_template.setdefault("spec", {}))


def set_defaults_persistent_volume_claim_spec(spec: dict) -> None:
    if spec.get("volumeMode") is None:
        spec["volumeMode"] = "Filesystem"


def set_defaults_pod_spec(spec: dict) -> None:
    """SetDefaults_PodSpec: for Pods and for every pod template."""
    for key, value in (("dnsPolicy", "ClusterFirst"), ("restartPolicy", "Always"),
                       ("schedulerName", "default-scheduler")):
        if not spec.get(key):
            spec[key] = value
    if spec.get("securityContext") is None:
        spec["securityContext"] = {}
    if spec.get("terminationGracePeriodSeconds") is None:
        spec["terminationGracePeriodSeconds"] = 30
    # Not a default but the v1 round trip (Convert_v1_PodSpec_To_core_PodSpec and back): the
    # deprecated `serviceAccount` is read when `serviceAccountName` is empty and always mirrors it.
    if not spec.get("serviceAccountName") and spec.get("serviceAccount"):
        spec["serviceAccountName"] = spec["serviceAccount"]
    if spec.get("serviceAccountName"):
        spec["serviceAccount"] = spec["serviceAccountName"]
    for volume in _list(spec, "volumes"):
        set_defaults_volume(volume)
    for field in CONTAINER_LISTS:
        for container in _list(spec, field):
            set_defaults_container(container)


def set_defaults_pod(spec: dict, live_spec: dict) -> None:
    """SetDefaults_Pod: what only a Pod gets, never a template (kubernetes#69445)."""
    for field in ("containers", "initContainers"):
        for container in _list(spec, field):
            resources = _dict(container, "resources")
            if resources.get("limits") is not None and isinstance(resources.get("limits"), dict):
                requests = resources.setdefault("requests", {})
                if isinstance(requests, dict):
                    for name, value in resources["limits"].items():
                        requests.setdefault(name, value)
    default_pod_level_resources(spec, live_spec)
    if spec.get("enableServiceLinks") is None:
        spec["enableServiceLinks"] = True
    if spec.get("hostNetwork"):
        for field in ("containers", "initContainers"):  # defaultHostNetworkPorts
            for container in _list(spec, field):
                for port in _list(container, "ports"):
                    if not port.get("hostPort"):
                        port["hostPort"] = port.get("containerPort")


def default_pod_level_resources(spec: dict, live_spec: dict) -> None:
    """defaultHugePagePodLimits and defaultPodRequests (gate PodLevelResources, 1.32 alpha, 1.34
    beta): pod-level requests from the containers' aggregate, else from the pod's limits. Taken
    only where the live pod shows the result, since the gate decides whether it runs."""
    resources = spec.get("resources")
    if not isinstance(resources, dict) or not isinstance(resources.get("limits"), dict) or not resources["limits"]:
        return
    requests = dict(resources.get("requests") or {})
    aggregate = aggregate_container_requests(spec)
    for name, value in aggregate.items():
        if name not in requests and name in POD_LEVEL_RESOURCES:
            requests[name] = value
    for name, value in resources["limits"].items():
        if name not in requests and (name in POD_LEVEL_RESOURCES or name.startswith("hugepages-")):
            requests[name] = value
    live_requests = _dict(_dict(live_spec, "resources"), "requests")
    if requests and _same_quantities(requests, live_requests):
        resources["requests"] = requests


def _same_quantities(a: dict, b: dict) -> bool:
    return set(a) == set(b) and all(quantity_value(a[k]) == quantity_value(b[k]) for k in a)


def aggregate_container_requests(spec: dict) -> dict:
    """component-helpers/resource AggregateContainerRequests: max(init use, sidecars + apps)."""
    from decimal import Decimal

    def requests_of(container) -> dict:
        return {k: quantity_value(v) or Decimal(0) for k, v in _dict(_dict(container, "resources"), "requests").items()}

    total: dict = {}
    for container in _list(spec, "containers"):
        for name, value in requests_of(container).items():
            total[name] = total.get(name, 0) + value
    sidecars: dict = {}
    peak: dict = {}
    for container in _list(spec, "initContainers"):
        own = requests_of(container)
        if container.get("restartPolicy") == "Always":
            for name, value in own.items():
                sidecars[name] = sidecars.get(name, 0) + value
                total[name] = total.get(name, 0) + value
            use = dict(sidecars)
        else:
            use = {name: own.get(name, 0) + sidecars.get(name, 0) for name in set(own) | set(sidecars)}
        for name, value in use.items():
            peak[name] = max(peak.get(name, 0), value)
    merged = {name: max(total.get(name, 0), peak.get(name, 0)) for name in set(total) | set(peak)}
    return {name: _format_quantity(value) for name, value in merged.items()}


def _format_quantity(value) -> str:
    return f"{value.normalize():f}" if value == value.to_integral_value() else f"{(value * 1000).to_integral_value()}m"


# -- apps/v1 ------------------------------------------------------------------------------------------
def set_defaults_deployment(spec: dict, live_spec: dict) -> None:
    spec.setdefault("replicas", 1)
    strategy = spec.setdefault("strategy", {})
    if not strategy.get("type"):
        strategy["type"] = "RollingUpdate"
    if strategy["type"] == "RollingUpdate":
        rolling = strategy.setdefault("rollingUpdate", {})
        rolling.setdefault("maxUnavailable", "25%")
        rolling.setdefault("maxSurge", "25%")
    spec.setdefault("revisionHistoryLimit", 10)
    spec.setdefault("progressDeadlineSeconds", 600)


def set_defaults_daemonset(spec: dict, live_spec: dict) -> None:
    strategy = spec.setdefault("updateStrategy", {})
    if not strategy.get("type"):
        strategy["type"] = "RollingUpdate"
    if strategy["type"] == "RollingUpdate":
        rolling = strategy.setdefault("rollingUpdate", {})
        rolling.setdefault("maxUnavailable", 1)
        rolling.setdefault("maxSurge", 0)
    spec.setdefault("revisionHistoryLimit", 10)


def set_defaults_statefulset(spec: dict, live_spec: dict) -> None:
    if not spec.get("podManagementPolicy"):
        spec["podManagementPolicy"] = "OrderedReady"
    strategy = spec.setdefault("updateStrategy", {})
    if not strategy.get("type"):
        strategy["type"] = "RollingUpdate"
        strategy.setdefault("rollingUpdate", {})  # only an unset type gets a rollingUpdate made
    if strategy["type"] == "RollingUpdate" and isinstance(strategy.get("rollingUpdate"), dict):
        strategy["rollingUpdate"].setdefault("partition", 0)
        # MaxUnavailableStatefulSet (alpha 1.24, beta 1.35, off by default)
        default_if_live(strategy["rollingUpdate"], "maxUnavailable", 1,
                        _dict(_dict(live_spec, "updateStrategy"), "rollingUpdate"))
    # StatefulSetAutoDeletePVC (beta and on since 1.27, GA 1.32)
    live_retention = _dict(live_spec, "persistentVolumeClaimRetentionPolicy")
    if "persistentVolumeClaimRetentionPolicy" in spec or live_retention:
        retention = spec.setdefault("persistentVolumeClaimRetentionPolicy", {})
        for key in ("whenDeleted", "whenScaled"):
            if not retention.get(key):
                retention[key] = "Retain"
    spec.setdefault("replicas", 1)
    spec.setdefault("revisionHistoryLimit", 10)
    for claim in _list(spec, "volumeClaimTemplates"):
        # SetObjectDefaults_StatefulSet: SetDefaults_PersistentVolumeClaim (status.phase) and the
        # claim spec; apiVersion/kind are what the v1 encoding writes for an embedded object.
        claim.setdefault("apiVersion", "v1")
        claim.setdefault("kind", "PersistentVolumeClaim")
        set_defaults_persistent_volume_claim_spec(claim.setdefault("spec", {}))
        status = claim.setdefault("status", {})
        if isinstance(status, dict) and not status.get("phase"):
            status["phase"] = "Pending"


def set_defaults_replicaset(spec: dict, live_spec: dict) -> None:
    spec.setdefault("replicas", 1)


# -- batch/v1 -----------------------------------------------------------------------------------------
def set_defaults_job(spec: dict, live_spec: dict, metadata: dict | None = None) -> None:
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
        spec["parallelism"] = 1
    if spec.get("parallelism") is None:
        spec["parallelism"] = 1
    if spec.get("backoffLimit") is None:
        spec["backoffLimit"] = 2147483647 if spec.get("backoffLimitPerIndex") is not None else 6
    labels = _dict(_dict(spec, "template"), "metadata").get("labels")
    if metadata is not None and isinstance(labels, dict) and not metadata.get("labels"):
        metadata["labels"] = dict(labels)
    spec.setdefault("completionMode", "NonIndexed")
    spec.setdefault("suspend", False)
    # JobPodReplacementPolicy: beta and on from 1.29, GA 1.34.
    replacement = "Failed" if spec.get("podFailurePolicy") is not None else "TerminatingOrFailed"
    default_if_live(spec, "podReplacementPolicy", replacement, live_spec)
    default_if_live(spec, "manualSelector", False, live_spec)  # absent on the recorded 1.28
    set_defaults_pod_failure_policy(spec)


def set_defaults_pod_failure_policy(spec: dict) -> None:
    """SetDefaults_PodFailurePolicyOnPodConditionsPattern (a Job's, and a CronJob's job template's)."""
    for rule in _list(_dict(spec, "podFailurePolicy"), "rules"):
        for pattern in _list(rule, "onPodConditions"):
            if not pattern.get("status"):
                pattern["status"] = "True"


def set_defaults_cronjob(spec: dict, live_spec: dict) -> None:
    if not spec.get("concurrencyPolicy"):
        spec["concurrencyPolicy"] = "Allow"
    spec.setdefault("suspend", False)
    spec.setdefault("successfulJobsHistoryLimit", 3)
    spec.setdefault("failedJobsHistoryLimit", 1)


WORKLOAD_DEFAULTS = {"Deployment": set_defaults_deployment, "StatefulSet": set_defaults_statefulset,
                     "DaemonSet": set_defaults_daemonset, "ReplicaSet": set_defaults_replicaset}
