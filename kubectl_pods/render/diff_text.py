"""The diff as text, in the style of dyff: one block a path, intended → live; and `-o unified`."""

from __future__ import annotations

import difflib
import json
from collections.abc import Sequence

from kubectl_pods.kube.words import counted
from kubectl_pods.render.structured import dump_yaml
from kubectl_pods.render.unavailable import unavailable_lines
from kubectl_pods.report_types import DiffItem

INDENT = "    "


def _value(value) -> list[str]:
    if isinstance(value, (dict, list)):
        return dump_yaml(value, sort_keys=False, default_flow_style=False).rstrip().splitlines()
    return [json.dumps(value)]


def _header(entry: dict) -> str:
    names = ", ".join(p["name"] or "<unnamed>" for p in entry["pods"])
    owner, kind = entry["owner"], entry.get("kind") or "Pod"
    if kind != "Pod":
        of = kind
    elif owner:
        of = f"{len(entry['pods'])}/{counted(entry['ofOwner'], 'pod')} of {owner['kind']} {owner['name']}"
    else:
        of = f"{len(entry['pods'])} pods" if len(entry["pods"]) > 1 else "pod"
    namespace = entry["pods"][0]["namespace"]
    return f"{of}: {names}" + (f" (namespace {namespace})" if namespace else "")


def _revision(revision: dict | None) -> list[str]:
    if not revision or revision.get("revision") is None:
        return []
    line = f"  revision {revision['revision']} (ReplicaSet {revision['replicaSet']})"
    if revision.get("outdated"):
        line += f"; the Deployment is at revision {revision['current']}"
    return [line]


def _injected(injected: list[dict], show: bool) -> list[str]:
    """One line per injector for what it wrote (not drift); with --show-injected, each path."""
    lines = []
    for name in dict.fromkeys(entry["by"] for entry in injected):
        paths = [entry["path"] for entry in injected if entry["by"] == name]
        hint = ":" if show else " (--show-injected lists them)"
        lines.append(f"  written by {name}, not drift: {len(paths)} field{'s' if len(paths) > 1 else ''}{hint}")
        if show:
            lines += [f"    {path}" for path in paths]
    return lines


def render_groups(groups: list[dict], skipped: Sequence[dict] = (), unavailable: Sequence[dict] = (),
                  unmatched: Sequence[DiffItem] = (), show_injected: bool = False) -> str:
    out = []
    for entry in groups:
        out.append(_header(entry))
        if entry.get("comparedWith"):
            out.append(f"  compared with {entry['comparedWith']}")
        out += _revision(entry.get("revision"))
        out += _injected(entry.get("injected") or [], show_injected)
        if entry.get("serverFilled") is not None:
            out.append("  filled in by the server, not compared:")
            out += [f"    {f['path']}  ({f['rule']})" for f in entry["serverFilled"]] or ["    nothing"]
        if not entry["changes"]:
            out.append("  no drift\n")
            continue
        out.append("")
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
    for missing in unmatched:
        out.append(f"{missing['kind'].lower()} {missing['name']}: {missing['changes'][0].get('message')}")
    # The same reason for many objects is one line, as explain groups pods: `pod web-1 (+1999 like it)`.
    by_reason: dict[tuple[str, str], list[str]] = {}
    for item in skipped:
        by_reason.setdefault(((item.get("kind") or "Pod").lower(), item["skipped"]), []).append(str(item["name"]))
    for (kind, reason), names in by_reason.items():
        more = f" (+{len(names) - 1} like it)" if len(names) > 1 else ""
        out.append(f"{kind} {names[0]}{more}: not compared: {reason}")
    out += unavailable_lines(list(unavailable))
    return "\n".join(out).rstrip() + "\n"


def render_unified(pairs: list[tuple[str, dict, dict]]) -> str:
    chunks = []
    for name, intended, live in pairs:
        a = dump_yaml(intended, sort_keys=True).splitlines(keepends=True)
        b = dump_yaml(live, sort_keys=True).splitlines(keepends=True)
        chunks.append("".join(difflib.unified_diff(a, b, f"intended/{name}", f"live/{name}")))
    return "".join(chunks)
