"""Where a workload keeps its pod: the path of its pod template, and how to name it in messages."""

from __future__ import annotations

from kubectl_pods.edit.edits import Path

TEMPLATE_PATHS: dict[str, Path] = {
    "Pod": (),
    "Deployment": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
}
COMPLETING_KINDS = ("Job", "CronJob")


def objects_with_paths(root: dict, prefix: Path = ()) -> list[tuple[Path, dict]]:
    """The objects of a document and their paths: itself, or the items of a List (nested too)."""
    kind = root.get("kind")
    if isinstance(kind, str) and kind.endswith("List") and isinstance(root.get("items"), list):
        found = []
        for index, item in enumerate(root["items"]):
            if isinstance(item, dict):
                found.extend(objects_with_paths(item, prefix + ("items", index)))
        return found
    return [(prefix, root)]


def template_path(obj: dict) -> Path | None:
    """The path of the pod template (metadata + spec) inside the object; None for other kinds."""
    path = TEMPLATE_PATHS.get(obj.get("kind"))  # type: ignore[arg-type]
    if path is None:
        return None
    node: object = obj
    for step in path:
        node = node.get(step) if isinstance(node, dict) else None
    if not isinstance(node, dict) or not isinstance(node.get("spec"), dict):
        return None
    return path


def pod_template(obj: dict) -> dict:
    """The pod template (metadata + spec) of an object that has one (template_path is not None)."""
    node = obj
    for step in template_path(obj) or ():
        node = node[step]
    return node


def label(obj: dict) -> str:
    meta = obj.get("metadata") or {}
    return f"{obj.get('kind')} {meta.get('name') or meta.get('generateName') or '<unnamed>'}"


def field_path(obj: dict, template: Path, rest: str) -> str:
    """`spec.template.spec.containers[name=x]`: a field as the user would look for it."""
    return ".".join([*template, rest]) if template else rest


def completes(obj: dict, pod_spec: dict) -> bool:
    """A pod that runs to completion: a Job's, or one whose restartPolicy is not Always."""
    return obj.get("kind") in COMPLETING_KINDS or (pod_spec.get("restartPolicy") or "Always") != "Always"
