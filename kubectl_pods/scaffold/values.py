"""Pattern values from --set, --values and --image, checked against the declared parameters."""

from __future__ import annotations

from kubectl_pods.errors import UserError
from kubectl_pods.scaffold.catalog import TYPES, Pattern


def _convert(pattern: Pattern, key: str, value, from_text: bool):
    declared = {p.name: p for p in pattern.parameters}
    if key not in declared:
        raise UserError(f"pattern {pattern.name!r} has no parameter {key!r}: valid ones are "
                        f"{', '.join(sorted(declared)) or 'none'}")
    kind = declared[key].type
    if from_text and kind == "int":
        try:
            return int(value)
        except ValueError:
            raise UserError(f"--set {key}: expected an integer, got {value!r}") from None
    if from_text and kind == "bool":
        if value.lower() not in ("true", "false"):
            raise UserError(f"--set {key}: expected true or false, got {value!r}")
        return value.lower() == "true"
    if not isinstance(value, TYPES[kind]) or (kind == "int" and isinstance(value, bool)):
        raise UserError(f"{key}: expected a {kind}, got {type(value).__name__} {value!r}")
    return value


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
