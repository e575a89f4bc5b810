"""The injector fixtures: every `tests/fixtures/injectors/<name>/cases.yaml` case, read as pairs
of (what the user wrote, what the injector made of it)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).parent / "fixtures" / "injectors"
JOB_KINDS = ("Job", "CronJob")


@dataclass(frozen=True)
class Case:
    injector: str
    input: Path
    injected: Path
    mode: str
    shows: tuple[str, ...]

    @property
    def id(self) -> str:
        return f"{self.injector}:{self.injected.relative_to(ROOT / self.injector)}"

    def pairs(self) -> list[tuple[dict, dict]]:
        """(input document, injected document) in order."""
        wrote = [d for d in yaml.safe_load_all(self.input.read_text()) if d]
        made = [d for d in yaml.safe_load_all(self.injected.read_text()) if d]
        assert len(wrote) == len(made), self.id
        return list(zip(wrote, made))


def cases() -> list[Case]:
    found = []
    for listing in sorted(ROOT.glob("*/cases.yaml")):
        folder = listing.parent
        for entry in yaml.safe_load(listing.read_text()) or []:
            found.append(Case(folder.name, folder / entry["input"], folder / entry["injected"], entry["mode"],
                              tuple(entry.get("shows") or ())))
    return found


def pod_and_outer(document: dict) -> tuple[dict, tuple[dict, ...]]:
    """The Pod a document stands for and the enclosing template metadata (a CronJob's)."""
    from kubectl_pods.sources.files import pod_from_template

    if document.get("kind") == "Pod":
        return document, ()
    outer = ((document.get("spec") or {}).get("jobTemplate") or {}).get("metadata") if document.get("kind") == "CronJob" else None
    return pod_from_template(document), ((outer,) if outer else ())


def container_names(pod: dict) -> list[str]:
    spec = pod.get("spec") or {}
    return [c["name"] for field in ("initContainers", "containers") for c in spec.get(field) or []]
