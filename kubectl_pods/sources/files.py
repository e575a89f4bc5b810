"""Pods from files: YAML (multi-document) or JSON, a Pod, a List, or a workload's pod template."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from kubectl_pods.errors import UserError
from kubectl_pods.report_types import TemplateOf
from kubectl_pods.sources import PodInput
from kubectl_pods.sources.shape import InvalidObject, check

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob")


def read_documents(paths: Iterable[str]) -> Iterator[tuple[str, dict]]:
    """Every non-empty document of every file (a directory: its manifest files; `-`: stdin)."""
    for path in paths:
        for source, text in _read_texts(path):
            for document in _parse(source, text):
                if document is None:
                    continue
                if not isinstance(document, dict):
                    raise UserError(f"{source}: expected a Kubernetes object, got {type(document).__name__}")
                yield source, document


def read_pods(paths: Iterable[str]) -> tuple[list[PodInput], list[InvalidObject]]:
    """Every valid Pod and workload template of the files, and an error for each invalid one:
    one bad object of a List does not hide the others."""
    found: list[PodInput] = []
    invalid: list[InvalidObject] = []
    for source, document in read_documents(paths):
        for obj in objects_in(document):
            if obj.get("kind") not in ("Pod", *WORKLOAD_KINDS):
                continue
            try:
                found.append(pod_input(check(obj, source), source))
            except InvalidObject as exc:
                invalid.append(exc)
    return found, invalid


def objects_in(document: dict) -> Iterator[dict]:
    """The objects of a document: itself, or the items of a List (nested Lists too)."""
    kind = document.get("kind")
    if isinstance(kind, str) and kind.endswith("List") and isinstance(document.get("items"), list):
        for item in document["items"]:
            if isinstance(item, dict):
                yield from objects_in(item)
    else:
        yield document


def pod_input(obj: dict, source: str) -> PodInput:
    """A checked Pod as itself, a checked workload as a Pod built from its template."""
    if obj.get("kind") == "Pod":
        return PodInput(pod=obj, source=source)
    return PodInput(pod=pod_from_template(obj), source=source, template_of=owner_ref(obj),
                    outer_metadata=outer_metadata(obj))


def outer_metadata(workload: dict) -> tuple[dict, ...]:
    """A CronJob's job template metadata: the metadata between the workload and its pod template."""
    if workload.get("kind") != "CronJob":
        return ()
    meta = (((workload.get("spec") or {}).get("jobTemplate")) or {}).get("metadata")
    return (meta,) if isinstance(meta, dict) else ()


def pod_template(workload: dict) -> dict:
    """The pod template of a workload (a CronJob's sits inside its job template)."""
    spec = workload.get("spec") or {}
    if workload.get("kind") == "CronJob":
        spec = ((spec.get("jobTemplate") or {}).get("spec")) or {}
    return spec.get("template") or {}


def pod_from_template(workload: dict) -> dict:
    """A Pod built from a workload's template: the template's metadata and spec, named after it."""
    template = pod_template(workload)
    meta = dict(template.get("metadata") or {})
    meta.pop("creationTimestamp", None)
    workload_meta = workload.get("metadata") or {}
    meta.setdefault("name", workload_meta.get("name") or workload_meta.get("generateName"))
    if workload_meta.get("namespace"):
        meta.setdefault("namespace", workload_meta["namespace"])
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": template.get("spec") or {}}


def owner_ref(obj: dict) -> TemplateOf:
    """The workload a template belongs to, with the labels its pods carry (its selector)."""
    meta = obj.get("metadata") or {}
    selector = ((obj.get("spec") or {}).get("selector") or {}).get("matchLabels")
    if not selector or obj.get("kind") in ("Job", "CronJob"):
        selector = (pod_template(obj).get("metadata") or {}).get("labels") or {}
    return {"kind": obj.get("kind"), "name": meta.get("name"), "namespace": meta.get("namespace"),
            "matchLabels": selector}


def manifest_paths(path: str) -> list[Path]:
    """What `-f PATH` names, as kubectl reads it: the file, or a directory's .yaml, .yml and .json
    files in name order."""
    target = Path(path)
    if not target.is_dir():
        return [target]
    files = sorted(p for p in target.iterdir() if p.suffix in MANIFEST_SUFFIXES and p.is_file())
    if not files:
        raise UserError(f"{path}: no .yaml, .yml or .json files in this directory")
    return files


def _read_texts(path: str) -> Iterator[tuple[str, str]]:
    if path == "-":
        yield "<stdin>", sys.stdin.read()
        return
    for file in manifest_paths(path):
        try:
            yield str(file), file.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise UserError(f"the path {str(file)!r} does not exist") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise UserError(f"cannot read {file}: {exc}") from None


def _parse(source: str, text: str) -> list:
    if text.lstrip().startswith(("{", "[")):
        # JSON (what `kubectl get -o json` prints) parses 50x faster with json than with YAML.
        try:
            return [json.loads(text)]
        except ValueError:
            pass  # JSON-looking YAML flow style: let YAML read it
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return list(yaml.load_all(text, Loader=loader))
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        at = f" (line {where.line + 1}, column {where.column + 1})" if where else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise UserError(f"{source}: invalid YAML or JSON{at}: {problem}") from None
