"""The injector catalogue: one packaged YAML file per injector (`catalogue/<name>.yaml`, schema in
`docs/injectors.md`), read on first use and kept for the process. No I/O beyond the package's own
data files; nothing here knows a particular injector."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

HAZARD_CODES = ("legacy-sidecar-in-job", "start-race", "shutdown-race", "init-without-network",
                "native-unsupported-version")
CONTAINER_KINDS = ("proxy", "agent", "init", "validation")
# Kinds that keep running beside the app (the ones a Job waits for in regular mode).
LONG_RUNNING = ("proxy", "agent")
SOURCE_KEYS = {"repo", "ref", "path", "what"}
REQUIRED = ("name", "title", "source", "pod_markers", "containers", "version", "modes", "hazards")


class CatalogueError(ValueError):
    """A catalogue file that does not follow the schema (a packaging bug, not a user error)."""


def name_matches(pattern: str, name: str) -> bool:
    """A catalogue name: exact, or a regular expression written `^...$`."""
    if pattern.startswith("^") and pattern.endswith("$"):
        return re.fullmatch(pattern[1:-1], name) is not None
    return pattern == name


@dataclass(frozen=True)
class Injector:
    """One catalogue entry; `data` is the YAML as written (every field of the schema)."""

    name: str
    data: dict

    @property
    def title(self) -> str:
        return self.data["title"]

    def container_entry(self, container_name: str) -> dict | None:
        return next((c for c in self.data["containers"] if name_matches(c["name"], container_name)), None)

    def hazard(self, code: str) -> dict | None:
        """The hazard's entry, or None where the injector has none (`applies: false`)."""
        entry = (self.data.get("hazards") or {}).get(code)
        return entry if entry and entry.get("applies") else None

    @property
    def native(self) -> dict | None:
        """`modes.native`: `switch`, `since`, `off_switch`, `detect`, `source`; None if it has no native mode."""
        return (self.data.get("modes") or {}).get("native")

    @property
    def native_switch(self) -> dict | None:
        """The switch that turns native-sidecar injection on: `{kind, key, value, where}`."""
        return (self.native or {}).get("switch")

    @property
    def native_since(self) -> dict | None:
        """`{injector, kubernetes}`: the versions native mode needs."""
        return (self.native or {}).get("since")


def _check(data: dict, file: str) -> dict:
    missing = [key for key in REQUIRED if key not in data]
    if missing:
        raise CatalogueError(f"{file}: missing {', '.join(missing)}")
    if f"{data['name']}.yaml" != file:
        raise CatalogueError(f"{file}: name {data['name']!r} does not match the file name")
    for source in data["source"] or []:
        # an unquoted comma in a flow mapping's `what:` splits it into keys: say so rather than lose it
        if not isinstance(source, dict) or set(source) - SOURCE_KEYS or not isinstance(source.get("what"), str):
            raise CatalogueError(f"{file}: source entries are {{{', '.join(sorted(SOURCE_KEYS))}}} with `what` a string "
                                 f"(quote it if it has a comma): {source!r}")
    markers = data["pod_markers"] or {}
    if not any(markers.get(field) for field in ("annotations", "labels", "volumes", "env")):
        raise CatalogueError(f"{file}: pod_markers names no annotation, label, volume or env var "
                             "(a container name alone never attributes)")
    for rule in markers.get("env") or []:
        if not (isinstance(rule, dict) and rule.get("container") and rule.get("name")):
            raise CatalogueError(f"{file}: pod_markers.env entries are {{container, name, value (optional regex)}}")
    for container in data["containers"]:
        if container.get("kind") not in CONTAINER_KINDS:
            raise CatalogueError(f"{file}: container {container.get('name')!r} has kind {container.get('kind')!r}")
    unknown = set(data["hazards"] or {}) - set(HAZARD_CODES)
    if unknown:
        raise CatalogueError(f"{file}: unknown hazards {sorted(unknown)}")
    for code, entry in (data["hazards"] or {}).items():
        if entry.get("applies") and not entry.get("fix"):
            raise CatalogueError(f"{file}: hazard {code} applies but has no fix")
        if not entry.get("applies") and not entry.get("reason"):
            raise CatalogueError(f"{file}: hazard {code} does not apply but gives no reason")
    return data


@cache
def catalogue() -> dict[str, Injector]:
    """Every injector of the packaged catalogue, by short name, in name order."""
    import yaml

    folder = resources.files("kubectl_pods.injectors") / "catalogue"
    entries = {}
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        if item.name.endswith(".yaml"):
            # The C loader: the pure-Python one took about 250 ms for these files, on every explain.
            text = item.read_text(encoding="utf-8")
            data = _check(yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}, item.name)
            entries[data["name"]] = Injector(data["name"], data)
    return entries


def injector(name: str) -> Injector:
    return catalogue()[name]
