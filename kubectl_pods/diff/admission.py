"""What reaches a Pod after defaulting: mutating admission, the create strategy, the scheduler and
the controller that made it (docs/defaults.md lists each rule with its upstream source).

Each function takes the intended pod spec (already defaulted) and the live one. Values only the
server can know (a generated volume name, the account's pull secrets, a priority, the node) are
taken from the live object, and only in the places and shapes where the upstream code puts them:
a token mount only in a container that has none at that path, a toleration only when the pod does
not tolerate that taint yet, and so on. Anything else the live pod holds stays visible as drift.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field

from kubectl_pods.diff.defaults import _dict, _list, counterpart

TOKEN_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"  # DefaultAPITokenMountPath
TOKEN_VOLUME_PREFIX = "kube-api-access-"  # ServiceAccountVolumeName + "-"
LIMIT_RANGER_ANNOTATION = "kubernetes.io/limit-ranger"
APPARMOR_PREFIX = "container.apparmor.security.beta.kubernetes.io/"
TOPOLOGY_LABELS = ("topology.kubernetes.io/zone", "topology.kubernetes.io/region",  # 1.35+
                   "topology.k8s.io/zone", "topology.k8s.io/region")  # the 1.33 alpha spelling
COMPLETION_INDEX_ANNOTATION = "batch.kubernetes.io/job-completion-index"


@dataclass
class ClusterFacts:
    """What live mode could read besides the pods: the namespace's LimitRanges (None: unknown)."""
    limit_ranges: list[dict] | None = None
    unavailable: list[dict] = field(default_factory=list)


# -- plugin/pkg/admission/serviceaccount --------------------------------------------------------------
def service_account(spec: dict, live: dict) -> None:
    """ServiceAccount admission `Admit`: the default account, the token volume and mounts
    (`mountServiceAccountToken`, projected `kube-api-access-*` since 1.21/1.24, a secret volume
    named after the account's `<account>-token-*` secret before), and the account's pull secrets."""
    if not spec.get("serviceAccountName"):
        spec["serviceAccountName"] = "default"
    spec["serviceAccount"] = spec["serviceAccountName"]  # v1 conversion: the deprecated alias mirrors it
    if spec.get("automountServiceAccountToken") is not False:  # shouldAutomount: the pod's word wins
        token = own_token_volume(spec) or token_volume(live, spec["serviceAccountName"])
        if token is not None:
            _mount_token(spec, live, token)
    if not spec.get("imagePullSecrets") and live.get("imagePullSecrets"):
        spec["imagePullSecrets"] = copy.deepcopy(live["imagePullSecrets"])


def own_token_volume(spec: dict) -> dict | None:
    """A volume of the pod's own that the plugin takes for the token volume: `mountServiceAccountToken`
    (v1.33 and v1.36 alike) looks for the first volume named `kube-api-access-...`, whatever its
    source; with one, it mounts that volume at the token path in every init and app container
    without a mount there, and adds no projected volume of its own."""
    return next((v for v in _list(spec, "volumes") if str(v.get("name") or "").startswith(TOKEN_VOLUME_PREFIX)), None)


def token_volume(spec: dict, account: str) -> dict | None:
    """The service-account token volume a pod spec mounts at the token path: projected
    `kube-api-access-*`, or a legacy `<account>-token-*` secret volume; None without one."""
    mounted = {m.get("name") for field_name in ("initContainers", "containers") for c in _list(spec, field_name)
               for m in _list(c, "volumeMounts") if m.get("mountPath") == TOKEN_MOUNT_PATH}
    legacy = re.compile(rf"^{re.escape(account)}-token-[a-z0-9]{{5}}$")
    for volume in _list(spec, "volumes"):
        name = volume.get("name") or ""
        if name not in mounted:
            continue
        if name.startswith(TOKEN_VOLUME_PREFIX) and isinstance(volume.get("projected"), dict):
            return volume
        secret = (volume.get("secret") or {}).get("secretName") or ""
        if isinstance(volume.get("secret"), dict) and legacy.match(secret) and (name == secret or name.startswith(secret + "-")):
            return volume
    return None


def _mount_token(spec: dict, live: dict, token: dict) -> None:
    needs_volume = False
    for field_name in ("initContainers", "containers"):  # never ephemeral containers
        for container in _list(spec, field_name):
            mounts = container.get("volumeMounts") or []
            if any(isinstance(m, dict) and m.get("mountPath") == TOKEN_MOUNT_PATH for m in mounts):
                continue
            live_mount = next((m for m in _list(counterpart(_list(live, field_name), container), "volumeMounts")
                               if m.get("mountPath") == TOKEN_MOUNT_PATH), None)
            mount = copy.deepcopy(live_mount) if live_mount else {"name": token["name"], "readOnly": True,
                                                                  "mountPath": TOKEN_MOUNT_PATH}
            container["volumeMounts"] = [*mounts, mount]
            needs_volume = True
    names = {v.get("name") for v in _list(spec, "volumes")}
    if needs_volume and token["name"] not in names:
        spec["volumes"] = [*(spec.get("volumes") or []), copy.deepcopy(token)]


# -- plugin/pkg/admission/limitranger -----------------------------------------------------------------
def limit_ranger(spec: dict, live: dict, metadata: dict, live_metadata: dict, facts: ClusterFacts) -> None:
    """LimitRanger `PodMutateLimitFunc`: each Container-type item's `default` (limits) and
    `defaultRequest` (requests) fill what a container lacks; the annotation records it. With the
    namespace's LimitRanges read, the upstream merge runs on them; the live annotation (written by
    the same code at create) then fills anything set by a LimitRange that has changed since."""
    for limit_range in facts.limit_ranges or []:
        defaults = _default_requirements(limit_range)
        notes = []
        for field_name, prefix in (("containers", "container"), ("initContainers", "init container")):
            for container in _list(spec, field_name):
                notes += _merge_container_resources(container, defaults, prefix)
        if notes:
            metadata.setdefault("annotations", {})[LIMIT_RANGER_ANNOTATION] = "LimitRanger plugin set: " + "; ".join(notes)
    annotation = (live_metadata.get("annotations") or {}).get(LIMIT_RANGER_ANNOTATION)
    for resources, kind, container_field, name in parse_limit_ranger_annotation(annotation):
        container = counterpart(_list(spec, container_field), {"name": name})
        live_container = counterpart(_list(live, container_field), {"name": name})
        section = "requests" if kind == "request" else "limits"
        live_values = _dict(_dict(live_container, "resources"), section)
        if not container:
            continue
        target = container.setdefault("resources", {}).setdefault(section, {})
        for resource in resources:
            if resource not in target and resource in live_values:
                target[resource] = live_values[resource]
    if annotation is not None:
        metadata.setdefault("annotations", {}).setdefault(LIMIT_RANGER_ANNOTATION, annotation)


def _default_requirements(limit_range: dict) -> dict:
    """defaultContainerResourceRequirements (the LimitRange as stored: SetDefaults_LimitRangeItem ran)."""
    requests, limits = {}, {}
    for item in _list(_dict(limit_range, "spec"), "limits"):
        if item.get("type") == "Container":
            requests.update(_dict(item, "defaultRequest"))
            limits.update(_dict(item, "default"))
    return {"requests": requests, "limits": limits}


def _merge_container_resources(container: dict, defaults: dict, prefix: str) -> list[str]:
    """mergeContainerResources: the requests note comes before the limits note."""
    resources = container.setdefault("resources", {})
    notes = []
    for section, word in (("requests", "request"), ("limits", "limit")):
        current = resources.setdefault(section, {})
        added = sorted(k for k in defaults[section] if k not in current)
        for key in added:
            current[key] = defaults[section][key]
        if added:
            notes.append(f"{', '.join(added)} {word} for {prefix} {container.get('name')}")
    return notes


_LIMIT_NOTE = re.compile(r"^(?P<resources>.+?) (?P<kind>request|limit) for (?P<type>init container|container) (?P<name>.+)$")


def parse_limit_ranger_annotation(value) -> list[tuple[list[str], str, str, str]]:
    """`LimitRanger plugin set: cpu, memory request for container app; cpu limit for init
    container setup` → [(resources, request|limit, containers|initContainers, name)]."""
    if not isinstance(value, str) or not value.startswith("LimitRanger plugin set: "):
        return []
    notes = []
    for part in value[len("LimitRanger plugin set: "):].split("; "):
        match = _LIMIT_NOTE.match(part.strip())
        if match:
            field_name = "initContainers" if match["type"] == "init container" else "containers"
            notes.append(([r.strip() for r in match["resources"].split(",")], match["kind"], field_name, match["name"]))
    return notes


# -- plugin/pkg/admission/priority, defaulttolerationseconds, runtimeclass; the scheduler ---------------
def priority(spec: dict, live: dict) -> None:
    """Priority admission: `priority` and `preemptionPolicy` from the named class, or from the
    global default class (whose name it writes into `priorityClassName`), else 0."""
    for key in ("priority", "preemptionPolicy", "priorityClassName"):
        if spec.get(key) in (None, "") and key in live:
            spec[key] = live[key]


NOT_READY, UNREACHABLE = "node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"


def default_toleration_seconds(spec: dict, live: dict) -> None:
    """DefaultTolerationSeconds: a NoExecute toleration of not-ready and of unreachable
    (`--default-*-toleration-seconds`, 300 unless the server says otherwise) unless a toleration
    with that key or an empty key, and effect NoExecute or empty, is there already."""
    tolerations = _list(spec, "tolerations")
    for key in (NOT_READY, UNREACHABLE):
        if any(t.get("key") in (key, "", None) and t.get("effect") in ("NoExecute", "", None) for t in tolerations):
            continue
        live_one = next((t for t in _list(live, "tolerations") if t.get("key") == key and t.get("effect") == "NoExecute"
                         and t.get("operator") == "Exists"), None)
        added = copy.deepcopy(live_one) if live_one and "tolerationSeconds" in live_one else {
            "key": key, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}
        spec["tolerations"] = [*(spec.get("tolerations") or []), added]
        tolerations = _list(spec, "tolerations")


def runtime_class(spec: dict, live: dict) -> None:
    """RuntimeClass admission (`setOverhead`, `setScheduling`): the class's `overhead.podFixed`,
    its `scheduling.nodeSelector` merged in and its tolerations appended. Offline the class is
    unknown, so those are taken from the live pod — only when `runtimeClassName` is set."""
    if not spec.get("runtimeClassName"):
        return
    if spec.get("overhead") is None and live.get("overhead") is not None:
        spec["overhead"] = copy.deepcopy(live["overhead"])
    for key, value in _dict(live, "nodeSelector").items():
        if key not in _dict(spec, "nodeSelector"):
            spec.setdefault("nodeSelector", {})[key] = value
    mine = _list(spec, "tolerations")
    extra = [copy.deepcopy(t) for t in _list(live, "tolerations") if t not in mine]
    if extra:
        spec["tolerations"] = [*(spec.get("tolerations") or []), *extra]


def scheduled(spec: dict, live: dict) -> None:
    """The binding: `spec.nodeName` (pods/binding subresource, written by the scheduler)."""
    if not spec.get("nodeName") and live.get("nodeName"):
        spec["nodeName"] = live["nodeName"]


def topology_labels(metadata: dict, live_metadata: dict) -> None:
    """PodTopologyLabelsAdmission (alpha 1.33, beta 1.35): the node's zone and region labels,
    copied onto the pod at binding."""
    for key in TOPOLOGY_LABELS:
        value = (live_metadata.get("labels") or {}).get(key)
        if value is not None and key not in (metadata.get("labels") or {}):
            metadata.setdefault("labels", {})[key] = value


# -- pkg/registry/core/pod/strategy.go PrepareForCreate ----------------------------------------------
def apparmor_version_skew(spec: dict, live: dict, metadata: dict, live_metadata: dict) -> None:
    """applyAppArmorVersionSkew: 1.30–1.33 write the annotation for a container's (or the pod's)
    `appArmorProfile`; every version copies an annotation into an unset container field. Taken
    where the live pod shows the result (the direction depends on the version)."""
    if (_dict(spec, "os").get("name")) == "windows":
        return
    pod_profile = _dict(spec, "securityContext").get("appArmorProfile")
    annotations = metadata.get("annotations") or {}
    live_annotations = live_metadata.get("annotations") or {}
    for field_name in ("initContainers", "containers", "ephemeralContainers"):
        for container in _list(spec, field_name):
            key = APPARMOR_PREFIX + str(container.get("name"))
            profile = _dict(container, "securityContext").get("appArmorProfile")
            chosen = profile or pod_profile
            if key not in annotations and chosen:
                wanted = _annotation_for_profile(chosen)
                if wanted is not None and live_annotations.get(key) == wanted:
                    metadata.setdefault("annotations", {})[key] = wanted
            elif key in annotations and profile is None:
                derived = _profile_for_annotation(annotations[key])
                live_profile = _dict(counterpart(_list(live, field_name), container), "securityContext").get("appArmorProfile")
                if derived is not None and derived != pod_profile and live_profile == derived:
                    container.setdefault("securityContext", {})["appArmorProfile"] = derived


def _annotation_for_profile(profile: dict) -> str | None:
    kind = profile.get("type")
    if kind == "RuntimeDefault":
        return "runtime/default"
    if kind == "Unconfined":
        return "unconfined"
    if kind == "Localhost" and profile.get("localhostProfile"):
        return "localhost/" + profile["localhostProfile"]
    return None


def _profile_for_annotation(value: str) -> dict | None:
    if value == "runtime/default":
        return {"type": "RuntimeDefault"}
    if value == "unconfined":
        return {"type": "Unconfined"}
    if isinstance(value, str) and value.startswith("localhost/"):
        return {"type": "Localhost", "localhostProfile": value[len("localhost/"):]}
    return None


def match_label_keys(spec: dict, live: dict, labels: dict) -> None:
    """mutatePodAffinity (MatchLabelKeysInPodAffinity, beta 1.31, GA 1.33) and
    mutateTopologySpreadConstraints (1.34+): `matchLabelKeys`/`mismatchLabelKeys` merged into the
    term's labelSelector as In/NotIn expressions from the pod's labels — where the live pod shows it."""
    def merged(term: dict) -> dict | None:
        selector = term.get("labelSelector")
        if not isinstance(selector, dict) or not (term.get("matchLabelKeys") or term.get("mismatchLabelKeys")):
            return None
        result = copy.deepcopy(selector)
        for keys, operator in ((term.get("matchLabelKeys") or [], "In"), (term.get("mismatchLabelKeys") or [], "NotIn")):
            for key in keys:
                if key in labels:
                    result.setdefault("matchExpressions", []).append(
                        {"key": key, "operator": operator, "values": [labels[key]]})
        return result

    def visit(terms: list, live_terms: list) -> None:
        for index, term in enumerate(terms):
            inner = term.get("podAffinityTerm", term) if isinstance(term, dict) else {}
            live_term = live_terms[index] if index < len(live_terms) and isinstance(live_terms[index], dict) else {}
            live_inner = live_term.get("podAffinityTerm", live_term)
            result = merged(inner)
            if result is not None and live_inner.get("labelSelector") == result:
                inner["labelSelector"] = result

    for kind in ("podAffinity", "podAntiAffinity"):
        affinity, live_affinity = _dict(_dict(spec, "affinity"), kind), _dict(_dict(live, "affinity"), kind)
        for rule in ("requiredDuringSchedulingIgnoredDuringExecution", "preferredDuringSchedulingIgnoredDuringExecution"):
            visit(_list(affinity, rule), _list(live_affinity, rule))
    visit(_list(spec, "topologySpreadConstraints"), _list(live, "topologySpreadConstraints"))


def align_generated_names(answer: dict, live: dict) -> dict:
    """Names the server generates anew on every create (`names.SimpleNameGenerator`): the dry run's
    `kube-api-access-*` token volume takes the live pod's name for it."""
    def generated_name(obj: dict) -> str | None:
        spec = obj.get("spec") or {}
        found = token_volume(spec, spec.get("serviceAccountName") or "default")
        return found["name"] if found and found["name"].startswith(TOKEN_VOLUME_PREFIX) else None

    ours, theirs = generated_name(answer), generated_name(live)
    if not ours or not theirs or ours == theirs:
        return answer
    answer = copy.deepcopy(answer)
    spec = answer["spec"]
    for volume in spec.get("volumes") or []:
        if volume.get("name") == ours:
            volume["name"] = theirs
    for container in (spec.get("initContainers") or []) + (spec.get("containers") or []):
        for mount in container.get("volumeMounts") or []:
            if mount.get("name") == ours:
                mount["name"] = theirs
    return answer
