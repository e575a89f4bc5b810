"""The hazards of injected sidecars, as warnings with the injector's own fix (pure; docs/lifecycle.md §11).

Each rule follows the kubelet (v1.33 `pkg/kubelet/kuberuntime/kuberuntime_manager.go`
computePodActions: init containers one at a time, then `containers` started in order without
waiting for readiness, a postStart hook holding the next start; `killContainersWithSyncResult`:
every regular container stopped at once; a native sidecar (`restartPolicy: Always` init
container) started before the next init container and stopped after the app containers) and the
injector's template, which says where each container goes (its catalogue entry's sources).
"""

from __future__ import annotations

import re

from kubectl_pods.injectors.catalogue import Injector, catalogue, name_matches
from kubectl_pods.injectors.recognise import NATIVE, REGULAR, InjectedContainer, Injection
from kubectl_pods.kube import versions
from kubectl_pods.report_types import InjectorReport, ShapeWarning

NATIVE_SIDECARS_FROM = (1, 29)  # on by default (beta) from 1.29; 1.28 behind the SidecarContainers gate


def _warning(code: str, injection: Injection, injector: Injector, message: str, container: str | None,
             fix: str | None) -> ShapeWarning:
    result: ShapeWarning = {"code": code, "message": message, "container": container, "injector": injection.name}
    if fix:
        result["fix"] = " ".join(fix.split())
    return result


def _short(injector: Injector) -> str:
    """The title without its parenthesised detail: `Istio sidecar injector`."""
    return injector.title.split(" (", 1)[0]


def _dotted(value, path: str):
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _container(pod: dict, injected: InjectedContainer) -> dict:
    return ((pod.get("spec") or {}).get(injected.list) or [])[injected.index]


def _spec_named(pod: dict, name: str) -> dict | None:
    spec = pod.get("spec") or {}
    return next((c for field in ("initContainers", "containers") for c in spec.get(field) or []
                 if name_matches(name, str(c.get("name")))), None)


def _condition_holds(pod: dict, condition: dict) -> bool:
    container = _spec_named(pod, condition.get("container") or "")
    if container is None:
        return False
    if condition.get("completes_before_app"):
        # an init container that is not a native sidecar: the kubelet runs it to completion before
        # any container of `containers` starts (computePodActions v1.33)
        inits = (pod.get("spec") or {}).get("initContainers") or []
        return any(c is container for c in inits) and container.get("restartPolicy") != "Always"
    if condition.get("has"):
        return bool(_dotted(container, condition["has"]))
    if condition.get("env"):
        value = next((e.get("value") for e in container.get("env") or [] if e.get("name") == condition["env"]), None)
        return value is not None and re.fullmatch(condition.get("value") or ".*", str(value)) is not None
    if condition.get("arg"):  # a flag the injector renders into the command line (consul-dataplane, daprd)
        return any(re.fullmatch(condition["arg"], str(arg)) for arg in [*(container.get("command") or []),
                                                                         *(container.get("args") or [])])
    return False


def _proxy_uid(pod: dict, injector: Injector) -> int | None:
    rule = injector.data.get("proxy_uid") or {}
    container = _spec_named(pod, rule.get("container") or "")
    uid = ((container or {}).get("securityContext") or {}).get("runAsUser")
    return uid if isinstance(uid, int) else rule.get("default")


def _runs_as(pod: dict, container: dict) -> int | None:
    uid = (container.get("securityContext") or {}).get("runAsUser")
    return uid if uid is not None else ((pod.get("spec") or {}).get("securityContext") or {}).get("runAsUser")


def _names(items) -> str:
    return ", ".join(f"`{name}`" for name in items)


def injection_report(pod: dict, injections: list[Injection], version: tuple[int, int], is_job: bool,
                     is_manifest: bool) -> tuple[list[ShapeWarning], list[InjectorReport]]:
    """(warnings, injectors): each hazard that applies, and each injection as JSON with notes on
    the hazards it avoids (held app, native order)."""
    warnings: list[ShapeWarning] = []
    listed: list[InjectorReport] = []
    spec = pod.get("spec") or {}
    policy = spec.get("restartPolicy") or "Always"
    injected = {c.name for injection in injections for c in injection.containers}
    user_apps = [c.get("name") for c in spec.get("containers") or [] if c.get("name") not in injected]
    for injection in injections:
        injector = catalogue()[injection.name]
        notes: list[str] = []
        regular = [c for c in injection.containers if c.long_running and c.list == "containers"]
        native = [c for c in injection.containers if c.long_running and injection.mode == NATIVE
                  and c.list == "initContainers"]
        args = (injection, injector)
        hazard = injector.hazard("legacy-sidecar-in-job")
        if hazard and regular and (is_job or policy != "Always"):
            for c in regular:
                owner = "Job" if is_job else f"restartPolicy {policy}"
                warnings.append(_warning(
                    "legacy-sidecar-in-job", *args,
                    f"`{c.name}` was injected by {_short(injector)} as a regular container of a {owner} pod: the "
                    "pod completes only when every container in `containers` has exited, and the proxy runs "
                    f"until it is stopped, so the pod stays Running{' and the Job never finishes' if is_job else ''}. "
                    f"Moving it in the manifest does not help: {injection.name} writes it again at every pod "
                    "creation.",
                    c.name, hazard["fix"]))
        hazard = injector.hazard("start-race")
        if hazard and regular and user_apps:
            held_by = hazard.get("held_by") or {}
            first = regular[0]
            before = [n for n in user_apps if _index_in(spec, n) < first.index]
            # a hook holds only the containers after it; an init container run to completion holds them all
            held = bool(held_by) and _condition_holds(pod, held_by) and (not before or held_by.get("completes_before_app"))
            if held:
                notes.append(f"no start race: {hazard.get('held_note') or 'the injector holds the app'}.")
            else:
                warnings.append(_warning(
                    "start-race", *args,
                    f"the app may start before `{first.name}` ({injection.name}) is ready: the kubelet starts "
                    "the containers of `containers` one after another without waiting for any to be ready, so "
                    "the app's first connections can fail while the proxy is starting.", first.name, hazard["fix"]))
        for c in native:
            if _container(pod, c).get("startupProbe"):
                notes.append(f"no start race: `{c.name}` is a native sidecar with a startupProbe; the kubelet "
                             "starts the next container only once it passes.")
            elif hazard and user_apps:
                warnings.append(_warning(
                    "start-race", *args,
                    f"`{c.name}` ({injection.name}) is a native sidecar without a startupProbe: the kubelet starts "
                    "the next container as soon as it runs, before the proxy can serve.", c.name, hazard["fix"]))
        hazard = injector.hazard("shutdown-race")
        if hazard and regular and user_apps:
            avoided = any(_condition_holds(pod, cond) for cond in hazard.get("avoided_by") or [])
            if avoided:
                notes.append(f"shutdown: `{regular[0].name}` is set to outlive the app's connections "
                             "(the injector's drain setting is on).")
            else:
                warnings.append(_warning(
                    "shutdown-race", *args,
                    f"on deletion the kubelet stops every container of `containers` at once: `{regular[0].name}` "
                    f"({injection.name}) may exit before the app has finished its requests, which then fail.",
                    regular[0].name, hazard["fix"]))
        if native:
            notes.append(f"shutdown: `{native[0].name}` is a native sidecar; the kubelet stops it only after the "
                         "app containers have exited.")
        warnings += _init_network(pod, injection, injector, injected, notes)
        hazard = injector.hazard("native-unsupported-version")
        if hazard and native and is_manifest and version < NATIVE_SIDECARS_FROM:
            gate = " (1.28 has them only with the SidecarContainers feature gate)" if version == (1, 28) else ""
            warnings.append(_warning(
                "native-unsupported-version", *args,
                f"{injection.name} injected {_names(c.name for c in native)} as a native sidecar, which "
                f"Kubernetes {versions.format_version(version)} does not have{gate}: the proxy would block the "
                "pod's init phase forever.", native[0].name, hazard["fix"]))
        listed.append(injection.as_report(injector.title, notes))
    return warnings, listed


def _index_in(spec: dict, name: str) -> int:
    return next((i for i, c in enumerate(spec.get("containers") or []) if c.get("name") == name), -1)


def _init_network(pod: dict, injection: Injection, injector: Injector, injected: set[str],
                  notes: list[str]) -> list[ShapeWarning]:
    """User init containers that run while the pod's traffic is redirected to a proxy that is not
    running yet: after the redirect init container, or all of them when a CNI plugin set the redirect
    up with the sandbox — until a native proxy has started."""
    hazard = injector.hazard("init-without-network")
    if not hazard or injection.mode not in (REGULAR, NATIVE):
        return []
    inits = (pod.get("spec") or {}).get("initContainers") or []
    names = [c.get("name") for c in inits]
    cni = [f"checked by `{n}`" for n in names if _named(hazard.get("cni_init"), n)] + _cni_marked(pod, hazard)
    redirect = [i for i, n in enumerate(names) if _named(hazard.get("redirect_init"), n)]
    if cni:
        start, by = 0, f"the {injection.name} CNI plugin ({cni[0]}) redirects the pod's traffic before any init container runs"
    elif redirect:
        start, by = redirect[0] + 1, f"`{names[redirect[0]]}` has redirected the pod's outbound traffic to the proxy"
    else:
        return []
    # the catalogue may name the proxy by pattern (consul-dataplane-<service>): the injected one it means
    proxy = next((c.name for c in injection.containers if _named([str(hazard.get("proxy"))], c.name)), str(hazard.get("proxy")))
    proxy_at = names.index(proxy) if injection.mode == NATIVE and proxy in names else len(names)
    uid = _proxy_uid(pod, injector)
    users = [(i, c) for i, c in enumerate(inits) if c.get("name") not in injected]
    if injection.mode == NATIVE and proxy:
        before = [c.get("name") for i, c in users if i < proxy_at]
        after = [c.get("name") for i, c in users if i > proxy_at]
        if before or after:
            first = (f"init containers before `{proxy}`: {_names(before)}" if before
                     else f"no init container of yours runs before `{proxy}`")
            then = f"; after it, with the proxy running: {_names(after)}" if after else ""
            notes.append(f"native order: {first}{then}.")
    affected = [c.get("name") for i, c in users if start <= i < proxy_at and _runs_as(pod, c) != uid]
    if not affected:
        return []
    annotations = (pod.get("metadata") or {}).get("annotations") or {}
    excluded = [key for key in hazard.get("exclusions") or [] if annotations.get(key)]
    where = "before the proxy starts" if injection.mode == NATIVE else f"while `{proxy}` (a regular container) cannot run yet"
    message = (f"init container{'s' if len(affected) > 1 else ''} {_names(affected)} run{'' if len(affected) > 1 else 's'} "
               f"{where}, and {by}: {'their' if len(affected) > 1 else 'its'} outbound connections fail unless "
               f"{'they run' if len(affected) > 1 else 'it runs'} as the proxy's UID {uid}")
    message += f" (only what {_names(excluded)} exclude{'s' if len(excluded) == 1 else ''} gets through)." if excluded else "."
    return [_warning("init-without-network", injection, injector, message, affected[0], hazard["fix"])]


def _cni_marked(pod: dict, hazard: dict) -> list[str]:
    """`cni_markers`: the pod annotations or labels that say the mesh's CNI plugin, not an init
    container, installs the redirect (Consul's redirect-traffic-config, App Mesh's appmeshCNI)."""
    metadata = pod.get("metadata") or {}
    found = []
    for field, word in (("annotations", "annotation"), ("labels", "label")):
        present = metadata.get(field) or {}
        for key, pattern in ((hazard.get("cni_markers") or {}).get(field) or {}).items():
            if key in present and (pattern is None or re.search(pattern, str(present[key]))):
                found.append(f"the pod's {word} `{key}` says so")
    return found


def _named(patterns, name) -> bool:
    return isinstance(name, str) and any(name_matches(p, name) for p in patterns or [])
