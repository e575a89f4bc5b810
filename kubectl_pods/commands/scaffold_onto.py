"""`kubectl pods scaffold PATTERN -f FILE|DIR|-`: the pattern added to every workload of the files."""

from __future__ import annotations

from kubectl_pods.commands.common import note, refuse_together, resolve_version
from kubectl_pods.errors import UserError
from kubectl_pods.kube import versions
from kubectl_pods.options import KubeOptions


def run(*, pattern: str, name: str | None, image: str | None, kind: str | None, k8s_version: str | None,
        set_values: list[str], values_file: str | None, output: str, output_dir: str | None,
        container: str | None, in_place: bool, template_dirs: list[str], options: KubeOptions) -> int:
    from kubectl_pods.commands.rewrite import run_rewrite
    from kubectl_pods.edit.workloads import label
    from kubectl_pods.scaffold.catalog import find_pattern
    from kubectl_pods.scaffold.kinds import notes
    from kubectl_pods.scaffold.onto import pattern_parts, plan_onto
    from kubectl_pods.scaffold.render import render_pod
    from kubectl_pods.scaffold.values import collect_values

    for flag, given in (("NAME", name is not None), ("--image", image is not None), ("--kind", kind is not None),
                        ("--output-dir", output_dir is not None)):
        refuse_together(("-f", True), (f"{flag} (the workloads of -f keep their own)", given))
    version, why = resolve_version(k8s_version, options, try_cluster=True)
    found = find_pattern(pattern, template_dirs)
    pod = render_pod(found, "app", collect_values(found, set_values, values_file, None), version)
    parts = pattern_parts(pattern, pod)
    note(f"# Kubernetes {versions.format_version(version)} assumed: {why}")

    def planner(obj: dict):
        plan = plan_onto(obj, parts, container)
        kind = "job" if obj.get("kind") in ("Job", "CronJob") else "pod"
        if plan.edits:
            plan.said.extend(f"{label(obj)}: {line}" for line in notes(pod, kind, version))
        return plan

    return run_rewrite(filenames=list(options.filenames), planner=planner, in_place=in_place,
                       output=output, nothing_done="nothing changed")


def without_files(*, name: str | None, container: str | None, in_place: bool) -> str:
    """Plain `scaffold PATTERN NAME`: the name, which is needed; the -f flags mean nothing there."""
    if name is None:
        raise UserError("scaffold needs a NAME for the new pod or workload, or -f FILE to add the pattern "
                        "to the workloads of a file")
    for flag, given in (("--container", container is not None), ("--in-place", in_place)):
        if given:
            raise UserError(f"{flag} needs -f FILE: it applies to the workloads of a file")
    return name
