"""The patterns: built-in ones under templates/, and user directories that add or override them."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from kubectl_pods.errors import UserError

PATTERN_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
# The YAML types, and two the API server checks in the fields they fill (scaffold/values.py).
TYPES = {"string": str, "int": int, "bool": bool, "port": int, "dnsLabel": str}
ENV_TEMPLATES = "KUBECTL_PODS_TEMPLATES"


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    default: object
    help: str


@dataclass(frozen=True)
class Pattern:
    name: str
    purpose: str
    parameters: tuple[Parameter, ...]
    directory: Path
    builtin: bool

    def as_dict(self) -> dict:
        return {"name": self.name, "purpose": self.purpose, "builtin": self.builtin,
                "parameters": [{"name": p.name, "type": p.type, "default": p.default, "help": p.help}
                               for p in self.parameters]}


def builtin_directory() -> Path:
    """Inside the wheel (kubectl_pods/templates), else the checkout's top-level templates/."""
    packaged = Path(__file__).resolve().parent.parent / "templates"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parent.parent.parent / "templates"


def template_directories(extra: list[str]) -> list[tuple[Path, bool]]:
    """Built-in first; then KUBECTL_PODS_TEMPLATES, then --templates: later ones win."""
    dirs = [(builtin_directory(), True)]
    env = os.environ.get(ENV_TEMPLATES, "")
    for entry in [e for e in env.split(os.pathsep) if e] + list(extra):
        path = Path(entry)
        if not path.is_dir():
            raise UserError(f"template directory {entry!r} does not exist")
        dirs.append((path, False))
    return dirs


def load_catalog(extra: list[str]) -> dict[str, Pattern]:
    catalog: dict[str, Pattern] = {}
    for directory, builtin in template_directories(extra):
        for child in sorted(directory.iterdir()):
            if (child / "pattern.yaml").is_file() and PATTERN_NAME.match(child.name):
                catalog[child.name] = _read_pattern(child, builtin)
    return catalog


def find_pattern(name: str, extra: list[str]) -> Pattern:
    if not PATTERN_NAME.match(name or ""):
        raise UserError(f"invalid pattern name {name!r}: lowercase letters, digits and '-'")
    # Only the named pattern's declaration is read (the last directory holding it wins), not
    # the whole catalogue: scaffold starts in the time it takes to read one file.
    for directory, builtin in reversed(template_directories(extra)):
        if (directory / name / "pattern.yaml").is_file():
            return _read_pattern(directory / name, builtin)
    raise UserError(f"unknown pattern {name!r}: choose one of {', '.join(sorted(load_catalog(extra)))}")


def _read_pattern(directory: Path, builtin: bool) -> Pattern:
    import yaml

    where = directory / "pattern.yaml"
    try:
        data = yaml.load(where.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
        parameters = tuple(Parameter(p["name"], p.get("type", "string"), p.get("default"), p.get("help", ""))
                           for p in data.get("parameters") or [])
    except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
        raise UserError(f"{where}: not a valid pattern declaration ({exc})") from None
    for parameter in parameters:
        if parameter.type not in TYPES:
            raise UserError(f"{where}: parameter {parameter.name!r} has unknown type {parameter.type!r}")
    if not (directory / "pod.yaml.j2").is_file():
        raise UserError(f"{directory}: a pattern needs pod.yaml.j2 beside pattern.yaml")
    return Pattern(directory.name, data.get("purpose", ""), parameters, directory, builtin)
