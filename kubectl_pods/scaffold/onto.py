"""`scaffold PATTERN -f`: the edits that add a pattern's helpers to an existing workload (pure).

The pattern is rendered exactly as `scaffold` renders it for the target version (templates/), and
its parts are taken from that pod: every container but its app container is a helper (init
containers and native sidecars go to the end of `initContainers`, the others to the end of
`containers`), its volumes are added, and what the pattern gives its app container to wire it to
the helpers (volumeMounts, env) is given to the chosen app container of the workload. The roles
annotation says which container is which, so `explain` and `migrate` know the helpers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NoReturn

from kubectl_pods.edit.edits import Edit, Plan
from kubectl_pods.edit.workloads import pod_template, field_path, label, template_path
from kubectl_pods.errors import UserError
from kubectl_pods.lifecycle.warnings import HELPER_ROLES, ROLE_ANNOTATION, declared_roles

PATTERN_ANNOTATION = "kubectl-pods.dev/pattern"
DEFAULT_CONTAINER = "kubectl.kubernetes.io/default-container"  # kubectl's own choice of container


class Conflict(UserError):
    """Something of the pattern is already in the object with another meaning."""


@dataclass(frozen=True)
class PatternParts:
    pattern: str
    app: str
    init_helpers: tuple[dict, ...]
    helpers: tuple[dict, ...]
    volumes: tuple[dict, ...]
    app_mounts: tuple[dict, ...]
    app_env: tuple[dict, ...]
    roles: dict
    annotations: dict


def pattern_parts(pattern: str, pod: dict) -> PatternParts:
    """The helpers and wiring of a rendered pattern pod. Its app container is the one its roles
    annotation calls `app`, else its first container (colocated's web server)."""
    spec, meta = pod.get("spec") or {}, pod.get("metadata") or {}
    containers = spec.get("containers") or []
    roles = declared_roles(pod)
    app = next((c for c in containers if roles.get(c["name"]) == "app"), containers[0])
    annotations = {k: v for k, v in (meta.get("annotations") or {}).items() if k != ROLE_ANNOTATION}
    return PatternParts(
        pattern=pattern, app=app["name"],
        init_helpers=tuple(spec.get("initContainers") or ()),
        helpers=tuple(c for c in containers if c is not app),
        volumes=tuple(spec.get("volumes") or ()),
        app_mounts=tuple(app.get("volumeMounts") or ()),
        app_env=tuple(app.get("env") or ()),
        roles=roles, annotations=annotations)


def choose_app(obj: dict, spec: dict, parts: PatternParts, wanted: str | None) -> tuple[int, str | None]:
    """(index of the app container in `containers`, why it was chosen when there was a choice)."""
    containers = spec.get("containers") or []
    names = [c.get("name") for c in containers]
    if wanted is not None:
        if wanted not in names:
            raise UserError(f"{label(obj)} has no container {wanted!r} in containers (it has: {', '.join(map(str, names))})")
        return names.index(wanted), None
    roles = declared_roles({"metadata": pod_template(obj).get("metadata") or {}})
    helpers = {h["name"] for h in parts.init_helpers + parts.helpers}
    candidates = [n for n in names if n not in helpers and roles.get(n) not in HELPER_ROLES]
    if not candidates:
        raise UserError(f"{label(obj)} has no app container to wire {parts.pattern} to")
    if len(candidates) == 1:
        return names.index(candidates[0]), None
    default = (((pod_template(obj).get("metadata") or {}).get("annotations")) or {}).get(DEFAULT_CONTAINER)
    chosen, why = (default, f"its {DEFAULT_CONTAINER} annotation") if default in candidates else (
        candidates[0], "the first one, as kubectl chooses")
    return names.index(chosen), (f"{why}, of {len(candidates)}: {', '.join(candidates)}; "
                                 "--container NAME chooses another")



def _by(items, key: str, value):
    return next((i for i, item in enumerate(items or []) if isinstance(item, dict) and item.get(key) == value), None)


def plan_onto(obj: dict, parts: PatternParts, container: str | None = None) -> Plan:
    """The edits for one object (plain JSON form); raises Conflict naming the object and field."""
    template = template_path(obj)
    if template is None:
        return Plan()
    pod = pod_template(obj)
    spec, meta = pod["spec"], pod.get("metadata") or {}
    plan = Plan()
    index, why = choose_app(obj, spec, parts, container)
    app = spec["containers"][index]
    spec_path = (*template, "spec")

    def conflict(rest: str, what: str) -> NoReturn:
        raise Conflict(f"{label(obj)}: {field_path(obj, template, rest)} {what}; nothing was written")

    existing = {c.get("name"): (key, c) for key in ("initContainers", "containers") for c in spec.get(key) or []}
    for key, helpers in (("initContainers", parts.init_helpers), ("containers", parts.helpers)):
        for helper in helpers:
            found = existing.get(helper["name"])
            if found is None:
                plan.edits.append(Edit("append", spec_path, key, helper, before=("containers",) if key == "initContainers" else ()))
                _check_ports(helper, spec, conflict)
            elif found != (key, helper):
                moved = found[0] != key
                conflict(f"spec.{found[0]}[name={helper['name']}]",
                         "is a regular container where the pattern has a native sidecar: run `kubectl pods migrate` first"
                         if moved and key == "initContainers" else f"already exists and differs from the {parts.pattern} pattern's")
    for volume in parts.volumes:
        at = _by(spec.get("volumes"), "name", volume["name"])
        if at is None:
            plan.edits.append(Edit("append", spec_path, "volumes", volume))
        elif spec["volumes"][at] != volume:
            conflict(f"spec.volumes[name={volume['name']}]", f"already exists and differs from the {parts.pattern} pattern's")
    app_path = (*spec_path, "containers", index)
    for field, key, wanted in (("volumeMounts", "mountPath", parts.app_mounts), ("env", "name", parts.app_env)):
        for item in wanted:
            at = _by(app.get(field), key, item[key])
            if at is None:
                plan.edits.append(Edit("append", app_path, field, item))
            elif app[field][at] != item:
                conflict(f"spec.containers[name={app['name']}].{field}[{key}={item[key]}]",
                         f"already exists with another meaning than the {parts.pattern} pattern's {item}")
    plan.edits.extend(_annotation_edits(obj, template, meta, parts, app["name"], conflict))
    if plan.edits:
        added = ", ".join(h["name"] for h in parts.init_helpers + parts.helpers)
        plan.said.append(f"{label(obj)}: {parts.pattern} added ({added}), wired to `{app['name']}`"
                         + (f" ({why})" if why else ""))
    else:
        plan.said.append(f"{label(obj)} already has the {parts.pattern} pattern: nothing to change")
    return plan


def _check_ports(helper: dict, spec: dict, conflict) -> None:
    """Containers of a pod share one network: two cannot listen on the same port."""
    for port in helper.get("ports") or []:
        for key in ("initContainers", "containers"):
            for other in spec.get(key) or []:
                if any(p.get("containerPort") == port.get("containerPort") and p.get("protocol", "TCP") == port.get("protocol", "TCP")
                       for p in other.get("ports") or []):
                    conflict(f"spec.{key}[name={other.get('name')}].ports[containerPort={port.get('containerPort')}]",
                             f"is the port the pattern's `{helper['name']}` listens on")


def _annotation_edits(obj: dict, template, meta: dict, parts: PatternParts, app: str, conflict) -> list[Edit]:
    annotations = dict(meta.get("annotations") or {})
    wanted: dict = {}
    roles = declared_roles({"metadata": meta})
    added = {name: role for name, role in parts.roles.items() if name != parts.app and name not in roles}
    if parts.app in parts.roles and app not in roles:
        added[app] = parts.roles[parts.app]
    if added:
        text = annotations.get(ROLE_ANNOTATION) or ""
        wanted[ROLE_ANNOTATION] = ",".join([*(p for p in text.split(",") if p.strip()), *(f"{n}={r}" for n, r in added.items())])
    for key, value in parts.annotations.items():
        if key not in annotations:
            wanted[key] = value
        elif annotations[key] != value and key != PATTERN_ANNOTATION:
            conflict(f'metadata.annotations["{key}"]', f"is {annotations[key]!r}, the {parts.pattern} pattern needs {value!r}")
    if not wanted:
        return []
    meta_path = (*template, "metadata")
    if "metadata" not in pod_template(obj):
        return [Edit("set", template, "metadata", {"annotations": wanted}, before=("spec",))]
    if not meta.get("annotations"):
        return [Edit("set", meta_path, "annotations", wanted)]
    return [Edit("set", (*meta_path, "annotations"), key, value) for key, value in wanted.items()]
