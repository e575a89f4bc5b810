"""`kubectl pods migrate -f FILE|DIR|-`: legacy sidecars rewritten as native sidecars."""

from __future__ import annotations

from kubectl_pods.commands.common import note, resolve_version
from kubectl_pods.errors import UserError
from kubectl_pods.kube import versions
from kubectl_pods.options import KubeOptions

# explain's warnings that name a helper running as a regular container (lifecycle/warnings.py)
LEGACY_WARNINGS = ("legacy-sidecar-in-job", "shutdown-race", "start-race")


def check_version(version: tuple[int, int]) -> str | None:
    """Refuse a version without native sidecars; the warning for 1.28, else None."""
    if version < (1, 28):
        raise UserError(f"Kubernetes {versions.format_version(version)} has no native sidecars (restartPolicy "
                        "on an init container arrived in 1.28, on by default from 1.29): nothing to migrate to")
    if not versions.native_sidecars(version):
        return ("warning: on Kubernetes 1.28 native sidecars need the SidecarContainers feature gate (off by "
                "default); without it the API server drops restartPolicy: Always and the pod never leaves Init")
    return None


def candidates(objects: list[dict], version: tuple[int, int]) -> list[str]:
    """`Kind name: container` for each helper explain warns about as a regular container."""
    from kubectl_pods.explain import explain_pod
    from kubectl_pods.sources.files import pod_input
    from kubectl_pods.sources.shape import InvalidObject, check

    found: list[str] = []
    for obj in objects:
        try:
            explained = explain_pod(pod_input(check(obj, "-f"), "-f"), version, None)
        except (InvalidObject, UserError):
            continue
        names = dict.fromkeys(w["container"] for w in explained["warnings"]
                              if w["code"] in LEGACY_WARNINGS and w.get("container"))
        found.extend(f"{obj['kind']} {explained['name']}: {name}" for name in names)
    return found


def check_choice(objects: list[dict], sidecars: list[str], version: tuple[int, int]) -> None:
    """--sidecar names must exist; with no --sidecar, some roles annotation must mark a helper."""
    from kubectl_pods.edit.workloads import label
    from kubectl_pods.migrate.injected import injected_sidecars
    from kubectl_pods.migrate.native import all_containers, app_containers, marks_helpers

    if sidecars:
        everywhere = {name for obj in objects for name in all_containers(obj)}
        missing = [n for n in sidecars if n not in everywhere]
        if missing:
            raise UserError(f"--sidecar {', '.join(missing)}: no such container in "
                            f"{', '.join(label(o) for o in objects)}")
    elif not any(marks_helpers(obj) or injected_sidecars(obj) for obj in objects):
        found = candidates(objects, version)
        others = [f"{label(o)}: {name}" for o in objects for name in app_containers(o)[1:]]
        raise UserError("name the sidecars to migrate with --sidecar NAME (no kubectl-pods.dev/roles annotation "
                        "marks a helper); " + (f"explain warns about: {'; '.join(found)}" if found else
                                              "explain warns about none; containers beside the first: "
                                              + ("; ".join(others) or "none")))


def run(*, sidecars: list[str], wait_for_ready: bool, k8s_version: str | None, in_place: bool,
        output: str, options: KubeOptions) -> int:
    from kubectl_pods.commands.rewrite import check_flags, read_objects, run_rewrite
    from kubectl_pods.edit.files import read_inputs
    from kubectl_pods.migrate.injected import injected_sidecars, switch_edits
    from kubectl_pods.migrate.native import chosen_sidecars, plan_migrate

    if not options.filenames:
        raise UserError("migrate needs -f FILE, DIR or - (stdin): it rewrites manifests, never the cluster")
    filenames = list(options.filenames)
    check_flags(filenames, in_place, output)
    version, why = resolve_version(k8s_version, options, try_cluster=True)
    warning = check_version(version)
    inputs = read_inputs(filenames)
    objects = read_objects(inputs)
    if not objects:
        raise UserError(f"no Pod or workload with a pod template in {', '.join(filenames)}")
    check_choice(objects, sidecars, version)
    note(f"# Kubernetes {versions.format_version(version)} assumed: {why}")
    if warning:
        note(f"# {warning}")

    def planner(obj: dict):
        injected = injected_sidecars(obj)
        own = [n for n in chosen_sidecars(obj, sidecars) if n not in injected]
        plan = plan_migrate(obj, own, wait_for_ready)
        edits, said = switch_edits(obj, {n: i for n, i in injected.items() if not sidecars or n in sidecars}, version)
        plan.edits[:0] = edits
        plan.said.extend(said)
        return plan

    return run_rewrite(filenames=filenames, planner=planner, in_place=in_place, output=output,
                       nothing_done="nothing to migrate: no legacy sidecar left", inputs=inputs)
