"""`diff --pattern`: does a live pod still have the shape its pattern promises?

Each violation is a change with a message. With `--set` values the pattern is rendered and
compared like a manifest instead.
"""

from __future__ import annotations

from kubectl_pods.diff.report import report_item
from kubectl_pods.errors import UserError
from kubectl_pods.kube.versions import NEWEST_SUPPORTED
from kubectl_pods.lifecycle.warnings import ROLE_ANNOTATION, declared_roles
from kubectl_pods.report_types import Change, DiffItem
from kubectl_pods.sources import PodInput

CHECKED_PATTERNS = ("init", "sidecar", "colocated", "adapter", "ambassador")


def pattern_pairs(pattern: str, set_values: list[str], targets: list[PodInput]) -> list[tuple[dict, dict, bool]]:
    from kubectl_pods.scaffold.build import scaffold_objects

    pairs = []
    for target in targets:
        objects, _ = scaffold_objects(pattern=pattern, name=target.name, kind="pod",
                                      version=NEWEST_SUPPORTED, set_values=set_values)
        pairs.append((objects[0], target.pod, True))
    return pairs


def _violation(path: str, expected, found, message: str) -> Change:
    return {"path": path, "type": "changed" if found is not None else "removed",
            "intended": expected, "live": found, "message": message}


def _mounts(container: dict) -> set[str]:
    return {m.get("name") for m in container.get("volumeMounts") or []}


def _ports(container: dict) -> set[int]:
    return {p.get("containerPort") for p in container.get("ports") or []}


def check_pod(pattern: str, pod: dict) -> list[Change]:
    if pattern not in CHECKED_PATTERNS:
        raise UserError(f"no shape checks for pattern {pattern!r}; give --set values to compare a rendering "
                        f"(shape checks exist for {', '.join(CHECKED_PATTERNS)})")
    spec = pod.get("spec") or {}
    inits, apps = spec.get("initContainers") or [], spec.get("containers") or []
    roles = declared_roles(pod)
    found: list[Change] = []
    annotated = ((pod.get("metadata") or {}).get("annotations") or {}).get("kubectl-pods.dev/pattern")
    if annotated and annotated != pattern:
        found.append(_violation('metadata.annotations["kubectl-pods.dev/pattern"]', pattern, annotated,
                                f"the pod says it follows the {annotated} pattern"))

    def by_role(role: str) -> list[dict]:
        return [c for c in inits + apps if roles.get(c.get("name")) == role]

    if pattern in ("sidecar", "ambassador"):
        role = "sidecar" if pattern == "sidecar" else "ambassador"
        helpers = by_role(role) or [c for c in inits if c.get("restartPolicy") == "Always"]
        if not helpers:
            found.append(_violation("spec.initContainers", f"a native {role}", None,
                                    f"no {role}: expected an init container with restartPolicy: Always"))
        for helper in helpers:
            path = f"spec.{'initContainers' if helper in inits else 'containers'}[name={helper.get('name')}]"
            if helper in apps or helper.get("restartPolicy") != "Always":
                found.append(_violation(f"{path}.restartPolicy", "Always", helper.get("restartPolicy"),
                                        f"`{helper.get('name')}` is not a restartable init container: it is "
                                        "not started before the app nor stopped after it"))
            if not helper.get("startupProbe"):
                found.append(_violation(f"{path}.startupProbe", "a startupProbe", None,
                                        f"`{helper.get('name')}` has no startupProbe: the app may start "
                                        "before it is ready"))
            if pattern == "sidecar" and not any(_mounts(helper) & _mounts(a) for a in apps if a is not helper):
                found.append(_violation(f"{path}.volumeMounts", "a volume shared with the app", None,
                                        f"`{helper.get('name')}` shares no volume with an app container"))
            if pattern == "ambassador":
                given = {str(e.get("value")) for a in apps if a is not helper for e in a.get("env") or []}
                given |= {str(arg) for a in apps if a is not helper for arg in a.get("args") or []}
                if not any(str(port) in value for port in _ports(helper) for value in given):
                    found.append(_violation(f"{path}.ports", "the port the app is given",
                                            sorted(_ports(helper)) or None,
                                            f"`{helper.get('name')}` listens on no port the app is told to use"))
    if pattern == "adapter":
        adapters = by_role("adapter") or apps[1:]
        main = [a for a in apps if a not in adapters]
        for adapter in adapters:
            if not any(_mounts(adapter) & _mounts(a) for a in main):
                found.append(_violation(f"spec.containers[name={adapter.get('name')}].volumeMounts",
                                        "a volume shared with the app", None,
                                        f"adapter `{adapter.get('name')}` shares no volume with the app"))
    if pattern == "colocated":
        if len(apps) < 2 or not any(_mounts(a) & _mounts(b) for a in apps for b in apps if a is not b):
            found.append(_violation("spec.containers", "two or more peers sharing a volume", len(apps),
                                    "colocated peers must share a volume"))
    if pattern == "init":
        declared = [name for name, role in roles.items() if role == "init"]
        actual = [c.get("name") for c in inits if c.get("restartPolicy") != "Always"]
        if not actual:
            found.append(_violation("spec.initContainers", declared or "init containers", None,
                                    "no init containers"))
        elif declared and [n for n in actual if n in declared] != declared:
            found.append(_violation("spec.initContainers", declared, actual,
                                    f"init containers no longer run in the declared order "
                                    f"({ROLE_ANNOTATION}: {', '.join(declared)})"))
    return found


def conformance_items(pattern: str, targets: list[PodInput]) -> list[DiffItem]:
    return [report_item(target.pod, check_pod(pattern, target.pod)) for target in targets]
