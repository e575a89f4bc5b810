"""`kubectl_complete-pods`: answers kubectl's plugin completion (cobra's `__complete` protocol).

kubectl 1.26+ runs `kubectl_complete-pods __complete ARGS... WORD` for `kubectl pods ARGS WORD<TAB>`
and expects candidates one per line (`value<TAB>description`), then `:<directive>`. Commands and
flags are read from the typer app itself, so completion never disagrees with the CLI.
"""

from __future__ import annotations

import sys

DEFAULT, NO_FILE_COMP = 0, 4  # cobra ShellCompDirective values
FILE_FLAGS = {"-f", "--filename", "--values", "--live", "--templates", "--output-dir", "--kubeconfig"}
KUBE_FLAGS = {"-n": "namespace", "--namespace": "namespace", "--context": "context",
              "--kubeconfig": "kubeconfig", "--cluster": "cluster", "--user": "user"}


def _outputs(command: str) -> tuple[str, ...]:
    from kubectl_pods.commands import diff, explain

    return {"explain": explain.OUTPUTS, "diff": diff.OUTPUTS, "scaffold": ("yaml", "json"),
            "migrate": ("yaml", "json"), "patterns": ("text", "json", "yaml")}.get(command, ())


def _kube_flags(words: list[str]) -> dict:
    found = {}
    for index, word in enumerate(words):
        name, _, value = word.partition("=")
        if name in KUBE_FLAGS:
            if not value and index + 1 < len(words):
                value = words[index + 1]
            found[KUBE_FLAGS[name]] = value
    return found


def _cluster(words: list[str]):
    from kubectl_pods.options import KubeOptions
    from kubectl_pods.sources.cluster import Cluster

    return Cluster(KubeOptions(request_timeout=2.0, **_kube_flags(words)))


def _pods(words: list[str]) -> list[str]:
    cluster = _cluster(words)
    return sorted(p.name for p in cluster.pods())


def _namespaces(words: list[str]) -> list[str]:
    cluster = _cluster(words)
    items = cluster.get_json("/api/v1/namespaces", _request("namespaces"))
    return sorted(n["metadata"]["name"] for n in items.get("items") or [])


def _request(resource: str):
    from kubectl_pods.sources.cluster import Request

    return Request("list", resource)


def _kubeconfig_names(words: list[str], section: str) -> list[str]:
    import os

    from kubectl_pods.sources.kubeconfig import kube_config_module

    flags = _kube_flags(words)
    paths = flags.get("kubeconfig") or os.environ.get("KUBECONFIG") or os.path.expanduser("~/.kube/config")
    config = kube_config_module().KubeConfigMerger(paths).config
    return sorted(item["name"] for item in (config.safe_get(section) or [])) if config else []


def _file_containers(words: list[str]) -> list[str]:
    """The regular containers of the workloads in the -f files given so far (for --sidecar and
    --container); unreadable files offer nothing."""
    from kubectl_pods.commands.rewrite import read_objects
    from kubectl_pods.edit.files import read_inputs
    from kubectl_pods.edit.workloads import pod_template

    files = [words[i + 1] for i, word in enumerate(words[:-1]) if word in ("-f", "--filename") and words[i + 1] != "-"]
    files += [w.split("=", 1)[1] for w in words if w.startswith("--filename=")]
    names = (c.get("name") for obj in read_objects(read_inputs(files)) for c in pod_template(obj)["spec"].get("containers") or [])
    return sorted({n for n in names if isinstance(n, str)})


def _versions() -> list[str]:
    from kubectl_pods.kube import versions

    oldest, newest = versions.OLDEST_SUPPORTED, versions.NEWEST_SUPPORTED
    return [versions.format_version((1, minor)) for minor in range(newest[1], oldest[1] - 1, -1)]


def _patterns() -> list[str]:
    from kubectl_pods.scaffold.catalog import load_catalog

    return sorted(load_catalog([]))


def _flag_values(command: str, flag: str, words: list[str]) -> tuple[list[str], int]:
    from kubectl_pods.scaffold.kinds import KINDS

    if flag in FILE_FLAGS:
        return [], DEFAULT
    choices = {
        "-o": lambda: list(_outputs(command)), "--output": lambda: list(_outputs(command)),
        "--kind": lambda: list(KINDS), "--pattern": _patterns,
        "-n": lambda: _namespaces(words), "--namespace": lambda: _namespaces(words),
        "--context": lambda: _kubeconfig_names(words, "contexts"),
        "--against-context": lambda: _kubeconfig_names(words, "contexts"),
        "--until": lambda: ["ready", "done", "never"],
        "--sidecar": lambda: _file_containers(words), "--container": lambda: _file_containers(words),
        "--k8s-version": _versions,
        "--cluster": lambda: _kubeconfig_names(words, "clusters"),
        "--user": lambda: _kubeconfig_names(words, "users"),
    }
    return (choices[flag](), NO_FILE_COMP) if flag in choices else ([], NO_FILE_COMP)


def complete(args: list[str]) -> tuple[list[str], int]:
    import typer
    from typer.core import TyperGroup

    from kubectl_pods.cli import app

    group = typer.main.get_command(app)
    assert isinstance(group, TyperGroup)  # the app has several commands
    words, word = args[:-1], (args[-1] if args else "")
    command = next((w for w in words if not w.startswith("-")), None)
    if command is None:
        if word.startswith("-"):
            return ["--help"], NO_FILE_COMP
        return [f"{name}\t{cmd.get_short_help_str(60)}" for name, cmd in group.commands.items()
                if name.startswith(word)], NO_FILE_COMP
    cmd = group.commands.get(command)
    if cmd is None:
        return [], NO_FILE_COMP
    value_flags = {opt for p in cmd.params if not getattr(p, "is_flag", False) for opt in getattr(p, "opts", [])}
    if words and words[-1] in value_flags and words[-1] != command:
        values, directive = _flag_values(command, words[-1], words)
        return [v for v in values if v.startswith(word)], directive
    if word.startswith("-"):
        options = sorted({opt for p in cmd.params for opt in getattr(p, "opts", []) if opt.startswith("-")})
        return [o for o in options if o.startswith(word)], NO_FILE_COMP
    positional = [w for i, w in enumerate(words) if not w.startswith("-") and (i == 0 or words[i - 1] not in value_flags)]
    if command in ("scaffold", "patterns") and len(positional) == 1:
        return [p for p in _patterns() if p.startswith(word)], NO_FILE_COMP
    if command in ("explain", "diff"):
        return [p for p in _pods(words) if p.startswith(word)], NO_FILE_COMP
    return [], NO_FILE_COMP


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] in ("__complete", "__completeNoDesc"):
        args = args[1:]
    try:
        candidates, directive = complete(args)
    except Exception:  # an unreachable cluster or a broken kubeconfig: offer nothing, never fail
        candidates, directive = [], NO_FILE_COMP
    for candidate in candidates:
        print(candidate)
    print(f":{directive}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
