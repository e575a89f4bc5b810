"""What the help calls each flag's value, as kubectl's help would (`-l, --selector SELECTOR`), not
the Python type typer shows by default (`<list[str]>`). One table, applied to every command."""

from __future__ import annotations

from typer.core import TyperArgument, TyperGroup

# By the flag's long name, or the argument's parameter name.
METAVARS = {
    "--namespace": "NAMESPACE", "--context": "CONTEXT", "--against-context": "CONTEXT",
    "--kubeconfig": "FILE", "--cluster": "CLUSTER", "--user": "USER", "--selector": "SELECTOR",
    "--field-selector": "SELECTOR", "--request-timeout": "DURATION", "--filename": "FILE",
    "--output": "FORMAT", "--what-if": "CONTAINER=exit:CODE", "--k8s-version": "X.Y", "--until": "CONDITION",
    "--image": "IMAGE", "--kind": "KIND", "--set": "KEY=VALUE", "--values": "FILE", "--output-dir": "DIR",
    "--templates": "DIR", "--pattern": "PATTERN", "--live": "FILE", "--ignore": "PATH",
    "--container": "CONTAINER", "--sidecar": "CONTAINER",
    # kubectl's connection flags
    "--server": "URL", "--token": "TOKEN", "--as": "USER", "--as-group": "GROUP", "--as-uid": "UID",
    "--certificate-authority": "FILE", "--client-certificate": "FILE", "--client-key": "FILE",
    "--tls-server-name": "NAME", "--v": "LEVEL",
    "pods": "POD", "pattern": "PATTERN", "name": "NAME",
}


class KubectlStyleGroup(TyperGroup):
    """The app's group: each command's flags and arguments named from METAVARS once built."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for command in self.commands.values():
            for param in command.params:
                if param.metavar is None and not getattr(param, "is_flag", False):
                    long = next((o for o in getattr(param, "opts", []) if o.startswith("--")), param.name)
                    param.metavar = METAVARS.get(long or "")
                if isinstance(param, TyperArgument):
                    # typer prints an argument's Python type after its name (`POD <list[str]>`)
                    # whatever its metavar; the name is all kubectl shows.
                    param.display_type_rich = _no_type  # type: ignore[method-assign]


def _no_type(ctx) -> None:
    return None
