"""Renders a pattern in Jinja's sandbox. Every `{{ value }}` is written as a quoted YAML scalar
(or flow collection), so no value can add a key or a document, whatever it contains."""

from __future__ import annotations

import re

from kubectl_pods.errors import UserError
from kubectl_pods.kube import versions
from kubectl_pods.scaffold.catalog import Pattern

NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


class RawYaml(str):
    """Text a template built itself (a `{% set %}` block), inserted as it is."""


def yaml_scalar(value) -> str:
    """The YAML for one value, as PyYAML's own emitter writes it, on one line."""
    import yaml

    if isinstance(value, RawYaml):
        return str(value)
    if value is None:
        return "null"
    if not isinstance(value, (str, int, float, bool, list, dict)):
        value = str(value)  # an Undefined raises here, as StrictUndefined should
    if isinstance(value, str):
        text = yaml.safe_dump(value, default_style='"', width=2**31, allow_unicode=True)
    else:
        text = yaml.safe_dump(value, default_flow_style=True, width=2**31, allow_unicode=True)
    return text.removesuffix("\n...\n").rstrip("\n")


def check_name(name: str, kind: str) -> None:
    limit = 52 if kind == "cronjob" else 63
    if not NAME.match(name) or len(name) > limit:
        raise UserError(f"invalid name {name!r}: a Kubernetes name must be lowercase letters, digits "
                        f"and '-', start and end with a letter or digit, at most {limit} characters")


def render_pod(pattern: Pattern, name: str, values: dict, version: tuple[int, int]) -> dict:
    """The pattern's Pod for this version, as a dict."""
    import jinja2
    import yaml
    from jinja2.sandbox import SandboxedEnvironment

    environment = SandboxedEnvironment(
        loader=jinja2.FileSystemLoader(str(pattern.directory)),
        undefined=jinja2.StrictUndefined, finalize=yaml_scalar, autoescape=False,
        keep_trailing_newline=True,
    )
    environment.filters["raw"] = RawYaml
    context = {**values, "name": name, "pattern": pattern.name,
               "k8s_version": versions.format_version(version),
               "native_sidecars": version >= (1, 28)}
    try:
        text = environment.get_template("pod.yaml.j2").render(context)
    except jinja2.TemplateError as exc:
        line = getattr(exc, "lineno", None)
        raise UserError(f"template {pattern.directory / 'pod.yaml.j2'}"
                        f"{f' line {line}' if line else ''}: {exc.message or exc}") from None
    try:
        documents = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as exc:
        raise UserError(f"template {pattern.name} rendered invalid YAML: {exc}") from None
    if len(documents) != 1 or not isinstance(documents[0], dict) or documents[0].get("kind") != "Pod":
        raise UserError(f"template {pattern.name} must render exactly one Pod")
    return documents[0]
