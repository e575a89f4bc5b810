"""`migrate`: the edits that turn legacy sidecars (helpers in `containers`) into native sidecars
(pure).

A native sidecar is an init container with `restartPolicy: Always` (KEP-753). The kubelet (v1.33,
`pkg/kubelet/kuberuntime/kuberuntime_container.go` computeInitContainerActions) starts it in init
order without waiting for it to exit, and, when it has a startupProbe, starts the next container
only once that probe has passed; the pod completes without it; on deletion
(killContainersWithSyncResult with `kuberuntime_termination_order.go`) it is stopped after the app
containers, where regular containers are all stopped at once. Each one moves to the end of
`initContainers`, so it still starts after every init container, as it did in `containers`;
nothing else of the container changes. `--wait-for-ready` gives it a startupProbe copied from its
readinessProbe, so the app starts once the sidecar serves.
"""

from __future__ import annotations

import copy

from kubectl_pods.edit.edits import Edit, Plan
from kubectl_pods.edit.workloads import pod_template, completes, field_path, label, template_path
from kubectl_pods.errors import UserError
from kubectl_pods.lifecycle.warnings import HELPER_ROLES, declared_roles



def chosen_sidecars(obj: dict, named: list[str]) -> list[str]:
    """The containers to migrate in this object: those named, else those its roles annotation
    calls helpers, in the order of `containers`."""
    pod = pod_template(obj)
    names = [c.get("name") for c in pod["spec"].get("containers") or []]
    if named:
        return [n for n in names if n in named]
    roles = declared_roles({"metadata": pod.get("metadata") or {}})
    return [n for n in names if roles.get(n) in HELPER_ROLES]


def all_containers(obj: dict) -> list[str]:
    spec = pod_template(obj)["spec"]
    return [c.get("name") for key in ("initContainers", "containers") for c in spec.get(key) or []]


def app_containers(obj: dict) -> list[str]:
    return [c.get("name") for c in pod_template(obj)["spec"].get("containers") or []]


def marks_helpers(obj: dict) -> bool:
    """Does the roles annotation of this object call any container a helper (moved or not)?"""
    pod = pod_template(obj)
    return any(role in HELPER_ROLES for role in declared_roles({"metadata": pod.get("metadata") or {}}).values())


def startup_probe_from(readiness: dict) -> dict:
    """A readinessProbe as a startupProbe: the API server requires successThreshold 1 on a startup
    probe (ValidateProbe in pkg/apis/core/validation), the rest means the same."""
    probe = copy.deepcopy(readiness)
    probe.pop("successThreshold", None)
    return probe


def _names(names: list[str]) -> str:
    quoted = [f"`{n}`" for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def plan_migrate(obj: dict, sidecars: list[str], wait_for_ready: bool) -> Plan:
    """Move `sidecars` (names in this object's `containers`) to native sidecars."""
    template = template_path(obj)
    plan = Plan()
    if template is None or not sidecars:
        return plan
    spec = pod_template(obj)["spec"]
    containers = spec.get("containers") or []
    names = [c.get("name") for c in containers]
    apps = [n for n in names if n not in sidecars]
    if not apps:
        raise UserError(f"{label(obj)}: {field_path(obj, template, 'spec.containers')} would be left empty: "
                        "a pod needs at least one app container; nothing was written")
    spec_path = (*template, "spec")
    ordering: list[str | None] = []
    for moved, name in enumerate(sidecars):
        container = containers[names.index(name)]
        extra: dict = {"restartPolicy": "Always"}
        if container.get("startupProbe"):
            ordering.append(f"`{name}` passes its startupProbe")
        elif wait_for_ready and container.get("readinessProbe"):
            extra["startupProbe"] = startup_probe_from(container["readinessProbe"])
            ordering.append(f"`{name}` is ready (startupProbe from its readinessProbe)")
        else:
            ordering.append(None)
        plan.edits.append(Edit("move", spec_path, "containers", extra, before=("containers",),
                               index=names.index(name) - moved, to_key="initContainers"))
    plan.said.append(_summary(obj, spec, apps, sidecars, ordering, wait_for_ready))
    return plan


def _summary(obj: dict, spec: dict, apps: list[str], sidecars: list[str], ordering: list, wait: bool) -> str:
    """One line: what changes for the object (completion, order of start and stop)."""
    who = label(obj)
    if completes(obj, spec):
        head = f"{who} now completes when {_names(apps)} {'exits' if len(apps) == 1 else 'exit'}; " \
               f"{_names(sidecars)} {'is' if len(sidecars) == 1 else 'are'} stopped after it"
    else:
        head = f"{who}: {_names(sidecars)} now {'starts' if len(sidecars) == 1 else 'start'} before " \
               f"{_names(apps)} and {'is' if len(sidecars) == 1 else 'are'} stopped after {'it' if len(apps) == 1 else 'them'}"
    strong = [o for o in ordering if o]
    parts = []
    if strong:
        parts.append(f"{_names(apps)} {'starts' if len(apps) == 1 else 'start'} once " + " and ".join(strong))
    for name, order in zip(sidecars, ordering):
        if order:
            continue
        readiness = bool(next(c for c in spec["containers"] if c.get("name") == name).get("readinessProbe"))
        hint = ("no startupProbe; --wait-for-ready makes one from its readinessProbe" if readiness and not wait
                else "no startupProbe and no readinessProbe for --wait-for-ready to copy")
        parts.append(f"the next container starts as soon as `{name}` runs, not once it serves (weak ordering: {hint})")
    return head + "; " + "; ".join(parts)
