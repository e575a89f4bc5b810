"""Pattern values from --set, --values and --image, checked against the declared parameters."""

from __future__ import annotations

import json
import re

from kubectl_pods.errors import UserError
from kubectl_pods.scaffold.catalog import TYPES, Pattern


def _convert(pattern: Pattern, key: str, value, from_text: bool):
    declared = {p.name: p for p in pattern.parameters}
    if key not in declared:
        raise UserError(f"pattern {pattern.name!r} has no parameter {key!r}: valid ones are "
                        f"{', '.join(sorted(declared)) or 'none'}")
    kind = declared[key].type
    if from_text and TYPES[kind] is int:
        try:
            value = int(value)
        except ValueError:
            raise UserError(f"--set {key}: expected an integer, got {value!r}") from None
    if from_text and kind == "bool":
        if value.lower() not in ("true", "false"):
            raise UserError(f"--set {key}: expected true or false, got {value!r}")
        return value.lower() == "true"
    if not isinstance(value, TYPES[kind]) or (TYPES[kind] is int and isinstance(value, bool)):
        raise UserError(f"{key}: expected a {TYPES[kind].__name__}, got {type(value).__name__} {value!r}")
    problems = _api_validation(kind, value)
    if problems:  # in the API server's words: `Invalid value: 70000: must be between 1 and 65535, inclusive`
        raise UserError(f"{key}: Invalid value: {json.dumps(value)}: {'; '.join(problems)}")
    return value


DNS1123_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")


def _api_validation(kind: str, value) -> list[str]:
    """apimachinery pkg/util/validation (v1.33): IsValidPortNum for a `port`, IsDNS1123Label for a
    `dnsLabel`; their messages, word for word."""
    if kind == "port":
        return [] if 1 <= value <= 65535 else ["must be between 1 and 65535, inclusive"]
    if kind == "dnsLabel":
        problems = ["must be no more than 63 characters"] if len(value) > 63 else []
        if not DNS1123_LABEL.fullmatch(value):
            problems.append("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
                            "and must start and end with an alphanumeric character (e.g. 'my-name',  or "
                            "'123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")
        return problems
    return []


def collect_values(pattern: Pattern, set_values: list[str], values_file: str | None,
                   image: str | None) -> dict:
    values = {p.name: p.default for p in pattern.parameters}
    if values_file:
        import yaml

        try:
            with open(values_file, encoding="utf-8") as handle:
                loaded = yaml.safe_load(handle) or {}
        except OSError as exc:
            raise UserError(f"cannot read values file {values_file}: {exc.strerror}") from None
        except yaml.YAMLError as exc:
            raise UserError(f"values file {values_file} is not valid YAML: {exc}") from None
        if not isinstance(loaded, dict):
            raise UserError(f"values file {values_file} must be a mapping of parameter: value")
        for key, value in loaded.items():
            values[key] = _convert(pattern, str(key), value, from_text=False)
    for item in set_values:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UserError(f"invalid --set {item!r}: use KEY=VALUE")
        values[key] = _convert(pattern, key, value, from_text=True)
    if image is not None:
        values["image"] = _convert(pattern, "image", image, from_text=True)
    return values
