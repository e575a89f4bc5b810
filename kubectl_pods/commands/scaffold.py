"""`kubectl pods scaffold`: a pattern as a Pod or workload manifest, on stdout or in files."""

from __future__ import annotations

import sys

from kubectl_pods.commands.common import check_output, note, refuse_together, resolve_version
from kubectl_pods.kube import versions
from kubectl_pods.options import KubeOptions


def run(*, pattern: str, name: str, image: str | None, kind: str, k8s_version: str | None,
        set_values: list[str], values_file: str | None, output: str, output_dir: str | None,
        force: bool, template_dirs: list[str], options: KubeOptions) -> int:
    from kubectl_pods.scaffold.build import scaffold_objects
    from kubectl_pods.scaffold.output import serialise, write_files

    check_output(output, ("yaml", "json"))
    refuse_together(("--image", image is not None),
                    ("--set image=...", any(item.partition("=")[0] == "image" for item in set_values)))
    version, why = resolve_version(k8s_version, options, try_cluster=True)
    objects, said = scaffold_objects(pattern=pattern, name=name, kind=kind, version=version,
                                     set_values=set_values, values_file=values_file, image=image,
                                     namespace=options.namespace, template_dirs=template_dirs)
    note(f"# Kubernetes {versions.format_version(version)} assumed: {why}")
    for line in said:
        note(f"# {line}")
    if output_dir:
        for path in write_files(objects, output, output_dir, force):
            note(f"# wrote {path}")
    else:
        sys.stdout.write(serialise(objects, output))
    return 0
