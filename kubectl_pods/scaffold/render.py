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


RENDER_DEADLINE_SECONDS = 2.0
OUTPUT_CAP_BYTES = 1_000_000
MAX_EXPONENT = 1024


def _sandbox():
    """Jinja's sandbox (no escapes), plus budgets it does not have: operators that would build a
    value past the output cap, or a power with a huge exponent, fail before they compute."""
    from jinja2.sandbox import SandboxedEnvironment, SecurityError

    class BudgetedSandbox(SandboxedEnvironment):
        intercepted_binops = frozenset({"*", "**", "+"})

        def call_binop(self, context, operator, left, right):
            size = None
            if operator == "*" and isinstance(right, int) and isinstance(left, (str, list, tuple)):
                size = len(left) * right
            elif operator == "*" and isinstance(left, int) and isinstance(right, (str, list, tuple)):
                size = len(right) * left
            elif operator == "+" and isinstance(left, (str, list, tuple)) and isinstance(right, type(left)):
                size = len(left) + len(right)
            if size is not None and size > OUTPUT_CAP_BYTES:
                raise SecurityError(f"a value of {size:,} items is over the template output budget of {OUTPUT_CAP_BYTES:,}")
            if operator == "**" and isinstance(right, (int, float)) and abs(right) > MAX_EXPONENT:
                raise SecurityError(f"an exponent of {right} is over the template budget of {MAX_EXPONENT}")
            return super().call_binop(context, operator, left, right)

    return BudgetedSandbox


def _generate(template, context: dict, where: str) -> str:
    """The rendering, chunk by chunk, stopped at the output budget."""
    chunks, size = [], 0
    for chunk in template.generate(context):
        size += len(chunk)
        if size > OUTPUT_CAP_BYTES:
            raise UserError(f"template {where}: the output is over the budget of {OUTPUT_CAP_BYTES:,} characters")
        chunks.append(chunk)
    return "".join(chunks)


def _render_text(pattern: Pattern, context: dict) -> str:
    import jinja2

    where = str(pattern.directory / "pod.yaml.j2")
    environment = _sandbox()(
        loader=jinja2.FileSystemLoader(str(pattern.directory)),
        undefined=jinja2.StrictUndefined, finalize=yaml_scalar, autoescape=False,
        keep_trailing_newline=True,
    )
    environment.filters["raw"] = RawYaml
    try:
        return _generate(environment.get_template("pod.yaml.j2"), context, where)
    except jinja2.TemplateError as exc:
        line = getattr(exc, "lineno", None)
        raise UserError(f"template {where}{f' line {line}' if line else ''}: {exc.message or exc}") from None


def _render_in_child(pattern: Pattern, context: dict) -> str:
    """A user template renders in a forked child that is killed at the deadline: a loop that
    computes forever without calling anything cannot be interrupted from inside."""
    import json
    import os
    import select
    import signal
    import time

    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: render, send the answer, leave without running the parent's exit code
        os.close(read_end)
        try:
            answer = {"text": _render_text(pattern, context)}
        except UserError as exc:
            answer = {"error": str(exc)}
        except Exception as exc:  # noqa: BLE001 - anything a template does wrong is the template's error
            answer = {"error": f"template {pattern.directory / 'pod.yaml.j2'}: {type(exc).__name__}: {exc}"}
        with os.fdopen(write_end, "wb") as out:
            out.write(json.dumps(answer).encode())
        os._exit(0)
    os.close(write_end)
    deadline = time.monotonic() + RENDER_DEADLINE_SECONDS
    data = bytearray()
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([read_end], [], [], remaining)[0]:
                os.kill(pid, signal.SIGKILL)
                raise UserError(f"template {pattern.directory / 'pod.yaml.j2'}: rendering took longer than "
                                f"{RENDER_DEADLINE_SECONDS:g} s, the budget for a template")
            chunk = os.read(read_end, 1 << 16)
            if not chunk:
                break
            data += chunk
    finally:
        os.close(read_end)
        os.waitpid(pid, 0)
    answer = json.loads(data or b'{"error": "the template renderer stopped without an answer"}')
    if "error" in answer:
        raise UserError(answer["error"])
    return answer["text"]


def render_pod(pattern: Pattern, name: str, values: dict, version: tuple[int, int]) -> dict:
    """The pattern's Pod for this version, as a dict. Built-in templates render in place; user
    templates (other people's repositories) under a deadline and an output budget."""
    import os

    import yaml

    context = {**values, "name": name, "pattern": pattern.name,
               "k8s_version": versions.format_version(version),
               "native_sidecars": version >= (1, 28)}
    if pattern.builtin or not hasattr(os, "fork"):
        text = _render_text(pattern, context)
    else:
        text = _render_in_child(pattern, context)
    try:
        documents = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as exc:
        raise UserError(f"template {pattern.name} rendered invalid YAML: {exc}") from None
    if len(documents) != 1 or not isinstance(documents[0], dict) or documents[0].get("kind") != "Pod":
        raise UserError(f"template {pattern.name} must render exactly one Pod")
    return documents[0]
