"""The diff as text, in the style of dyff: one block a path, intended → live; and `-o unified`."""

from __future__ import annotations

import difflib
import json

from kubectl_pods.render.structured import dump_yaml

INDENT = "    "


def _value(value) -> list[str]:
    if isinstance(value, (dict, list)):
        return dump_yaml(value, sort_keys=False, default_flow_style=False).rstrip().splitlines()
    return [json.dumps(value)]


def render_groups(groups: list[dict]) -> str:
    out = []
    for entry in groups:
        names = ", ".join(p["name"] for p in entry["pods"])
        owner = entry["owner"]
        of = f"{len(entry['pods'])}/{entry['ofOwner']} pods of {owner['kind']} {owner['name']}" if owner else (
            f"{len(entry['pods'])} pods" if len(entry["pods"]) > 1 else "pod")
        namespace = entry["pods"][0]["namespace"]
        header = f"{of}: {names}" + (f" (namespace {namespace})" if namespace else "")
        if not entry["changes"]:
            out.append(f"{header}\n  no drift\n")
            continue
        out.append(f"{header}\n")
        for change in entry["changes"]:
            out.append(change["path"])
            label = {"added": "+ added", "removed": "- removed", "changed": "± changed"}[change["type"]]
            if change.get("message"):
                label += f" ({change['message']})"
            out.append(f"  {label}")
            if change["type"] != "added":
                out += [f"{INDENT}- {line}" for line in _value(change["intended"])]
            if change["type"] != "removed":
                out += [f"{INDENT}+ {line}" for line in _value(change["live"])]
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def render_unified(pairs: list[tuple[str, dict, dict]]) -> str:
    chunks = []
    for name, intended, live in pairs:
        a = dump_yaml(intended, sort_keys=True).splitlines(keepends=True)
        b = dump_yaml(live, sort_keys=True).splitlines(keepends=True)
        chunks.append("".join(difflib.unified_diff(a, b, f"intended/{name}", f"live/{name}")))
    return "".join(chunks)
