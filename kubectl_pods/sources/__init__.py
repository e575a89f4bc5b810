"""Where pods come from: a cluster (raw JSON) or files. Both yield `PodInput`s of plain dicts."""

from __future__ import annotations

from dataclasses import dataclass, field

from kubectl_pods.report_types import TemplateOf


@dataclass(frozen=True)
class PodInput:
    """A pod as a plain dict, with where it came from.

    `template_of` names the workload (`{"kind", "name", "namespace"}`) when the pod is built from
    that workload's pod template rather than read as a Pod.
    """

    pod: dict
    source: str
    template_of: TemplateOf | None = None
    events: tuple[dict, ...] = field(default_factory=tuple)
    # Metadata of templates enclosing the pod template (a CronJob's job template), where an
    # injector's markers may sit too (injectors.recognise).
    outer_metadata: tuple[dict, ...] = field(default_factory=tuple)

    @property
    def is_template(self) -> bool:
        return self.template_of is not None

    @property
    def name(self) -> str:
        meta = self.pod.get("metadata") or {}
        return meta.get("name") or meta.get("generateName") or "<unnamed>"

    @property
    def namespace(self) -> str | None:
        return (self.pod.get("metadata") or {}).get("namespace")
