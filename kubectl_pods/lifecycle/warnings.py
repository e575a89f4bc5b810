"""Checks that warn about a pod's shape, each with a stable code (docs/lifecycle.md §1, §2, §4)."""

from __future__ import annotations

from kubectl_pods.kube import versions
from kubectl_pods.kube.pods import APP, INIT, SIDECAR, ContainerRef
from kubectl_pods.lifecycle.restarts import pod_restart_policy
from kubectl_pods.report_types import ShapeWarning

# Names that usually mean "a helper beside the app": a last resort, for containers that neither
# `scaffold`'s roles annotation nor an injector's markers account for (the warning says it is a guess).
HELPER_NAMES = ("sidecar", "proxy", "envoy", "istio-proxy", "linkerd-proxy", "log-shipper", "logshipper",
                "fluent-bit", "fluentd", "vector", "promtail", "cloud-sql-proxy", "vault-agent",
                "otel-collector", "ambassador", "adapter", "exporter")
ROLE_ANNOTATION = "kubectl-pods.dev/roles"
HELPER_ROLES = ("sidecar", "adapter", "ambassador", "helper")


def _warning(code: str, message: str, container: str | None = None, fix: str | None = None) -> ShapeWarning:
    warning: ShapeWarning = {"code": code, "message": message, "container": container}
    if fix:
        warning["fix"] = fix
    return warning


MANIFEST = "MANIFEST"  # in a fix: the file the pod comes from, named when it is known


def name_the_manifest(warnings: list[ShapeWarning], source: str | None) -> list[ShapeWarning]:
    """The fixes with `-f MANIFEST` naming the file the pod was read from (a path, not stdin)."""
    if not source or source.startswith("<"):
        return warnings
    import shlex

    return [{**w, "fix": w["fix"].replace(f"-f {MANIFEST} ", f"-f {shlex.quote(source)} ")}
            if "fix" in w and w.get("injector") is None else w for w in warnings]


def migrate_fix(ref: ContainerRef, version: tuple[int, int]) -> str:
    """The command that makes a user's own legacy sidecar native (`kubectl pods migrate`)."""
    wait = " --wait-for-ready" if ref.spec.get("readinessProbe") else ""
    needs = "" if versions.native_sidecars(version) else "; native sidecars need Kubernetes 1.29+ (1.28 with the SidecarContainers gate)"
    return f"kubectl pods migrate -f {MANIFEST} --sidecar {ref.name}{wait} (moves it to initContainers with restartPolicy: Always{needs})"


def declared_roles(pod: dict) -> dict[str, str]:
    """Roles that `scaffold` wrote into the pod's annotation, `name=role,...`."""
    text = ((pod.get("metadata") or {}).get("annotations") or {}).get(ROLE_ANNOTATION) or ""
    pairs = (item.split("=", 1) for item in text.split(",") if "=" in item)
    return {name.strip(): role.strip() for name, role in pairs}


def _looks_like_helper(ref: ContainerRef, roles: dict[str, str]) -> bool:
    if ref.name in roles:
        return roles[ref.name] in HELPER_ROLES
    return any(part in ref.name for part in HELPER_NAMES)


def _only_reports(ref: ContainerRef, roles: dict[str, str]) -> bool:
    """An adapter or exporter only serves what the app wrote (metrics): the app's own work does
    not need it while stopping, so stopping with the app is no race."""
    if ref.name in roles:
        return roles[ref.name] == "adapter"
    return any(part in ref.name for part in ("adapter", "exporter"))


def shape_warnings(pod: dict, refs: list[ContainerRef], version: tuple[int, int],
                   is_job: bool, is_manifest: bool, injected: dict[str, str] | None = None) -> list[ShapeWarning]:
    """`injected`: containers an injector wrote (`injectors.injected_by`); their hazards are the
    injector's (`injectors/hazards.py`), so the name guess below leaves them alone."""
    found: list[ShapeWarning] = []
    injected = injected or {}
    policy = pod_restart_policy(pod)
    roles = declared_roles(pod)
    apps = [r for r in refs if r.role == APP]
    sidecar_shaped = [r for r in refs if r.role in (INIT, SIDECAR) and r.spec.get("restartPolicy") == "Always"
                      and r.name not in injected]

    if len(apps) > 1:
        for ref in apps:
            if ref.name in injected or not _looks_like_helper(ref, roles):
                continue
            why = ("" if ref.name in roles else
                   " (a guess from its name: no injector's marker and no kubectl-pods.dev/roles entry says so)")
            if is_job or policy != "Always":
                found.append(_warning(
                    "legacy-sidecar-in-job",
                    f"`{ref.name}` is a helper in `containers` of a {'Job' if is_job else policy} pod{why}: "
                    "the pod completes only when every app container exits, so a helper that runs "
                    "forever keeps it Running and the Job never finishes. Make it a native sidecar "
                    "(an initContainers entry with restartPolicy: Always), which the kubelet stops "
                    "once the app containers are done.", ref.name, migrate_fix(ref, version)))
            elif not _only_reports(ref, roles):
                # kuberuntime_container.go killContainersWithSyncResult: regular containers are
                # stopped in parallel; kuberuntime_termination_order.go holds native sidecars back.
                found.append(_warning(
                    "shutdown-race",
                    f"`{ref.name}` is a helper in `containers`{why}: on deletion the kubelet stops every "
                    "container of `containers` at once, so it may exit before the app has finished its "
                    "work; a native sidecar is stopped only after the app containers.", ref.name, migrate_fix(ref, version)))

    if is_manifest and sidecar_shaped and not versions.native_sidecars(version):
        names = ", ".join(r.name for r in sidecar_shaped)
        if version >= (1, 28):
            message = (f"{names}: Kubernetes 1.28 has native sidecars only with the SidecarContainers "
                       "feature gate on (off by default). Without it the API server silently drops "
                       "restartPolicy: Always, and the init container then blocks the pod in Init "
                       "forever; with a startupProbe the pod is refused (422).")
        else:
            message = (f"{names}: Kubernetes {versions.format_version(version)} has no native "
                       "sidecars: restartPolicy on an init container is an unknown field (kubectl "
                       "apply refuses it; other clients drop it and the init container blocks the pod).")
        found.append(_warning("sidecar-unsupported-version", message))

    for ref in refs:
        if ref.name in injected and ref.role in (INIT, SIDECAR):
            continue  # the injector's template decides its probes and hooks (injectors/hazards.py)
        if ref.role == SIDECAR and not ref.spec.get("startupProbe"):
            found.append(_warning(
                "sidecar-without-startup-probe",
                f"sidecar `{ref.name}` has no startupProbe: the next container starts as soon as it "
                "runs, before it can serve (weak ordering). Add a startupProbe that passes when it "
                "is ready.", ref.name))
        if ref.role == INIT:
            probes = [p for p in ("startupProbe", "livenessProbe", "readinessProbe") if ref.spec.get(p)]
            hooks = sorted((ref.spec.get("lifecycle") or {}).keys())
            if probes or hooks:
                found.append(_warning(
                    "probe-on-init-container",
                    f"init container `{ref.name}` has {', '.join(probes + hooks)}: the API server "
                    "refuses probes and lifecycle hooks on an init container unless it is a sidecar "
                    "(restartPolicy: Always).", ref.name))
        if ref.role in (APP, INIT) and (ref.spec.get("restartPolicy") in ("OnFailure", "Never")
                                        or (ref.role == APP and ref.spec.get("restartPolicy"))
                                        or ref.spec.get("restartPolicyRules")):
            if not versions.container_restart_rules(version):
                found.append(_warning(
                    "container-restart-rules-unsupported",
                    f"`{ref.name}` sets a container-level restartPolicy/restartPolicyRules, which "
                    f"Kubernetes {versions.format_version(version)} does not have (1.35+): the API "
                    "server refuses restartPolicy on an app container and drops the rules.", ref.name))
        actions = {rule.get("action") for rule in ref.spec.get("restartPolicyRules") or []}
        if "RestartAllContainers" in actions and not versions.restart_all_containers(version):
            found.append(_warning(
                "restart-all-unsupported",
                f"`{ref.name}` uses the RestartAllContainers rule action, which the API server "
                "accepts only from 1.36 (1.35 refuses it).", ref.name))

    inits = [r for r in refs if r.role == INIT]
    if policy == "Never" and inits:
        found.append(_warning(
            "init-fails-pod-under-never",
            f"restartPolicy is Never: if init container {', '.join(f'`{r.name}`' for r in inits)} "
            "exits non-zero it is not retried; the pod fails at once and nothing after it starts."))

    app_probe = any(r.spec.get("readinessProbe") for r in apps)
    for ref in refs:
        if ref.role == SIDECAR and ref.spec.get("ports") and not ref.spec.get("readinessProbe") and app_probe:
            found.append(_warning(
                "sidecar-traffic-without-readiness",
                f"sidecar `{ref.name}` exposes ports but has no readinessProbe while the app has "
                "one: the pod can be Ready (and get traffic) before the sidecar serves.", ref.name))
    return found
