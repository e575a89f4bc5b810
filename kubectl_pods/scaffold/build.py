"""From a pattern name and values to the manifest objects (pure apart from reading templates)."""

from __future__ import annotations

from collections.abc import Sequence

from kubectl_pods.scaffold.catalog import find_pattern
from kubectl_pods.scaffold.kinds import JOB_KINDS, job_work, notes, wrap
from kubectl_pods.scaffold.render import check_name, render_pod
from kubectl_pods.scaffold.values import collect_values


def scaffold_objects(*, pattern: str, name: str, kind: str, version: tuple[int, int], set_values: list[str],
                     values_file: str | None = None, image: str | None = None, namespace: str | None = None,
                     template_dirs: Sequence[str] = ()) -> tuple[list[dict], list[str]]:
    """([the object], notes for stderr)."""
    check_name(name, kind)
    found = find_pattern(pattern, list(template_dirs))
    values = collect_values(found, set_values, values_file, image)
    pod = render_pod(found, name, values, version)
    said = notes(pod, kind, version)
    default_image = next((p.default for p in found.parameters if p.name == "image"), None)
    if kind in JOB_KINDS and isinstance(default_image, str) and values.get("image") == default_image:
        said += job_work(pod, default_image)
    return [wrap(pod, kind, namespace)], said
