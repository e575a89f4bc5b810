"""Fields that record who did what rather than what was asked for: the server's own metadata,
the labels and annotations controllers stamp on what they make, and what clients write about
themselves (`kubectl apply`'s last-applied configuration). None of it is drift."""

from __future__ import annotations

import json

# ObjectMeta fields the API server owns (uid, resourceVersion, ... set by the registry on create
# and update; generation by the pod strategy since 1.33, by workload strategies always).
SERVER_METADATA = ("uid", "resourceVersion", "generation", "creationTimestamp", "managedFields",
                   "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds")
# Labels a controller adds to the pods it creates (ReplicaSet `pod-template-hash`;
# StatefulSet/DaemonSet `controller-revision-hash`, StatefulSet pod name and index; DaemonSet
# `pod-template-generation`; the Job strategy's selector labels, plain and `batch.kubernetes.io/`).
CONTROLLER_LABELS = ("pod-template-hash", "controller-revision-hash", "pod-template-generation",
                     "statefulset.kubernetes.io/pod-name", "apps.kubernetes.io/pod-index",
                     "batch.kubernetes.io/job-name", "batch.kubernetes.io/controller-uid", "controller-uid", "job-name",
                     "batch.kubernetes.io/job-completion-index")
# Annotations written by controllers, the kubelet (static/mirror pods) and retired admission plugins.
SERVER_ANNOTATIONS = ("deprecated.daemonset.template.generation", "deployment.kubernetes.io/revision",
                      "deployment.kubernetes.io/desired-replicas", "deployment.kubernetes.io/max-replicas",
                      "deployment.kubernetes.io/revision-history", "batch.kubernetes.io/job-completion-index",
                      "batch.kubernetes.io/cronjob-scheduled-timestamp",
                      "kubernetes.io/config.seen", "kubernetes.io/config.source", "kubernetes.io/config.hash",
                      "kubernetes.io/config.mirror", "kubernetes.io/psp")
SERVER_FINALIZERS = ("batch.kubernetes.io/job-tracking",)
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
# What kubectl writes about its own actions: apply's record, `rollout restart`'s stamp,
# `--record`'s change cause. Re-applying the manifest would not change any of them.
CLIENT_ANNOTATIONS = (LAST_APPLIED, "kubectl.kubernetes.io/restartedAt", "kubernetes.io/change-cause")


def strip_server_owned(obj: dict) -> None:
    obj.pop("status", None)
    meta = obj.get("metadata")
    if isinstance(meta, dict):
        for key in SERVER_METADATA:
            meta.pop(key, None)


def strip_client_annotations(obj: dict) -> None:
    for meta in _metadata_blocks(obj):
        annotations = meta.get("annotations")
        if isinstance(annotations, dict):
            for key in CLIENT_ANNOTATIONS:
                annotations.pop(key, None)


def _metadata_blocks(obj: dict):
    """The object's metadata and its templates' (restartedAt lives on the template)."""
    yield obj.get("metadata") or {}
    spec = obj.get("spec") or {}
    for holder in (spec, (spec.get("jobTemplate") or {}).get("spec") or {}):
        template = holder.get("template") if isinstance(holder, dict) else None
        if isinstance(template, dict) and isinstance(template.get("metadata"), dict):
            yield template["metadata"]


def last_applied(obj: dict) -> dict | None:
    """The configuration `kubectl apply` (client-side) last sent for this object, or None."""
    text = ((obj.get("metadata") or {}).get("annotations") or {}).get(LAST_APPLIED)
    if not isinstance(text, str):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def adopt_keys(meta: dict, live_meta: dict, field: str, keys) -> None:
    for key, value in (live_meta.get(field) or {}).items():
        if key in keys and key not in (meta.get(field) or {}):
            meta.setdefault(field, {})[key] = value


def adopt_server_identity(mine: dict, theirs: dict, from_template: bool) -> None:
    """namespace (from the request), name (from generateName, `names.SimpleNameGenerator`), the
    controller's ownerReferences, labels, annotations and finalizers."""
    meta, live_meta = mine.setdefault("metadata", {}), theirs.get("metadata") or {}
    names = ("name", "generateName", "ownerReferences") if from_template else ("ownerReferences",)
    for key in ("namespace", *names):
        if key in live_meta and (key not in meta or from_template):
            meta[key] = live_meta[key]
        elif key in names and from_template:
            meta.pop(key, None)  # a template's identity is the pod's, whatever the template said
    if meta.get("generateName") and "name" not in meta and str(live_meta.get("name", "")).startswith(meta["generateName"]):
        meta["name"] = live_meta["name"]
    adopt_keys(meta, live_meta, "labels", CONTROLLER_LABELS)
    adopt_keys(meta, live_meta, "annotations", SERVER_ANNOTATIONS)
    server_finalizers = [f for f in live_meta.get("finalizers") or [] if f in SERVER_FINALIZERS]
    if server_finalizers:
        meta["finalizers"] = (meta.get("finalizers") or []) + [
            f for f in server_finalizers if f not in (meta.get("finalizers") or [])]
