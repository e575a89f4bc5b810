"""`kubectl pods patterns`: the catalogue, or one pattern in full."""

from __future__ import annotations

import sys

from kubectl_pods.commands.common import check_output


def run(*, pattern: str | None, output: str, template_dirs: list[str]) -> int:
    from kubectl_pods.render import structured
    from kubectl_pods.render.table import table
    from kubectl_pods.scaffold.catalog import find_pattern, load_catalog

    check_output(output, ("text", "json", "yaml"))
    chosen = [find_pattern(pattern, template_dirs)] if pattern else list(load_catalog(template_dirs).values())
    if output != "text":
        report = {"kind": "PatternList", "apiVersion": "kubectl-pods/v1", "items": [p.as_dict() for p in chosen]}
        sys.stdout.write(structured.to_json(report) if output == "json" else structured.to_yaml(report))
        return 0
    if not pattern:
        rows = [[p.name, _short(p.purpose), ", ".join(x.name for x in p.parameters)] for p in chosen]
        sys.stdout.write(table(["PATTERN", "PURPOSE", "PARAMETERS"], rows) + "\n")
        return 0
    found = chosen[0]
    lines = [f"{found.name}: {found.purpose}", "", "Parameters:"]
    rows = [[p.name, p.type, repr(p.default), p.help] for p in found.parameters]
    lines.append(table(["NAME", "TYPE", "DEFAULT", "HELP"], rows, "  "))
    lines += ["", "Example:", f"  kubectl pods scaffold {found.name} my-app --image nginx:1.27 | kubectl apply -f -",
              f"  kubectl pods scaffold {found.name} my-app --kind deployment | kubectl pods explain -f -"]
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


def _short(text: str, width: int = 64) -> str:
    first = text.split(" (")[0].split("; ")[0].rstrip(".")
    return first if len(first) <= width else first[: width - 1] + "…"
