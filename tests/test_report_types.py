"""The typed reports (kubectl_pods/report_types.py) and their published schemas
(docs/explain-schema.json, docs/diff-schema.json) say the same thing, field by field; and what the
commands really print is what both say."""

from __future__ import annotations

import json
import types
from pathlib import Path
from typing import Any, Literal, NotRequired, TypedDict, Union, get_args, get_origin, get_type_hints, is_typeddict

import jsonschema
import pytest

from kubectl_pods.report_types import DiffList, ExplainList

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = {ExplainList: json.loads((ROOT / "docs" / "explain-schema.json").read_text()),
           DiffList: json.loads((ROOT / "docs" / "diff-schema.json").read_text())}
JSON_TYPE = {str: "string", int: "integer", bool: "boolean", type(None): "null", float: "number"}


def _members(annotation) -> list:
    """The alternatives of a union (`X | None`), or the annotation itself."""
    if get_origin(annotation) in (Union, types.UnionType):
        return list(get_args(annotation))
    return [annotation]


def _python_types(annotation) -> set[str]:
    found: set[str] = set()
    for member in _members(annotation):
        if get_origin(member) is Literal:
            found |= {JSON_TYPE[type(value)] for value in get_args(member)}
        elif get_origin(member) is list:
            found.add("array")
        elif is_typeddict(member) or member is dict or get_origin(member) is dict:
            found.add("object")
        else:
            found.add(JSON_TYPE[member])
    return found


def _resolve(node: dict, root: dict) -> dict:
    while "$ref" in node:
        node = root["$defs"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _schema_types(node: dict, root: dict) -> set[str]:
    node = _resolve(node, root)
    if "anyOf" in node:
        return set().union(*(_schema_types(branch, root) for branch in node["anyOf"]))
    if "const" in node:
        return {JSON_TYPE[type(node["const"])]}
    if "enum" in node:
        return {JSON_TYPE[type(value)] for value in node["enum"]}
    kind = node["type"]
    return {kind} if isinstance(kind, str) else set(kind)


def agree(annotation, node: dict, root: dict, where: str) -> None:
    """`annotation` (a report type's field) and the schema `node` allow the same JSON, recursively:
    the same JSON types, null only where the type has None, the same enum values, and each typed
    object with exactly the type's keys, required exactly where the type requires them."""
    node = _resolve(node, root)
    if annotation is Any:
        assert "type" not in node and "enum" not in node, f"{where}: Any in the type, restricted in the schema"
        return
    assert _python_types(annotation) == _schema_types(node, root), f"{where}: the type and the schema differ"
    members = [m for m in _members(annotation) if m is not type(None)]
    literals = [value for m in members if get_origin(m) is Literal for value in get_args(m)]
    if literals:
        allowed = node.get("enum", [node.get("const")])
        assert set(literals) == {v for v in allowed if v is not None}, f"{where}: enum values differ"
    typed = [m for m in members if is_typeddict(m)]
    if len(typed) > 1:
        branches = node["anyOf"]
        assert len(branches) == len(typed), f"{where}: {len(typed)} kinds of item, {len(branches)} in the schema"
        for member, branch in zip(typed, branches):
            agree(member, branch, root, f"{where}|{member.__name__}")
    elif typed:
        _agree_object(typed[0], node, root, where)
    for member in members:
        if get_origin(member) is list:
            agree(get_args(member)[0], node["items"], root, f"{where}[]")
        elif get_origin(member) is dict:
            agree(get_args(member)[1], node["additionalProperties"], root, f"{where}{{}}")


def _agree_object(typed, node: dict, root: dict, where: str) -> None:
    hints = get_type_hints(typed)
    assert set(node.get("properties", {})) == set(hints), (
        f"{where}: only in the type: {sorted(set(hints) - set(node.get('properties', {})))}; "
        f"only in the schema: {sorted(set(node.get('properties', {})) - set(hints))}")
    assert set(node.get("required", [])) == set(typed.__required_keys__), f"{where}: required keys differ"
    for key, annotation in hints.items():
        agree(annotation, node["properties"][key], root, f"{where}.{key}")


@pytest.mark.parametrize("report", [ExplainList, DiffList], ids=lambda t: t.__name__)
def test_the_report_type_and_its_schema_say_the_same(report):
    schema = SCHEMAS[report]
    agree(report, schema, schema, report.__name__)


def test_the_comparison_finds_what_differs():
    # The call form: this module's annotations are not evaluated, and TypedDict needs them to be.
    Item = TypedDict("Item", {"name": str, "count": NotRequired[int]})

    root: dict = {"$defs": {}}
    agree(Item, {"type": "object", "required": ["name"],
                 "properties": {"name": {"type": "string"}, "count": {"type": "integer"}}}, root, "Item")
    for wrong in ({"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}},
                  {"type": "object", "required": ["name", "count"],
                   "properties": {"name": {"type": "string"}, "count": {"type": "integer"}}},
                  {"type": "object", "required": ["name"],
                   "properties": {"name": {"type": ["string", "null"]}, "count": {"type": "integer"}}},
                  {"type": "object", "required": ["name"],
                   "properties": {"name": {"type": "string"}, "count": {"type": "string"}}}):
        with pytest.raises(AssertionError):
            agree(Item, wrong, root, "Item")


# -- what the commands print -----------------------------------------------------------------------
def conforms(value, annotation, where: str = "$") -> None:
    """A value printed by a command has exactly the shape of its report type."""
    if annotation is Any:
        return
    members = _members(annotation)
    if value is None:
        assert type(None) in members, f"{where}: null where the type has no None"
        return
    for member in members:
        if is_typeddict(member) and isinstance(value, dict):
            if len([m for m in members if is_typeddict(m)]) > 1 and not set(member.__required_keys__) <= set(value):
                continue
            hints = get_type_hints(member)
            assert set(value) <= set(hints), f"{where}: keys not in {member.__name__}: {sorted(set(value) - set(hints))}"
            assert set(member.__required_keys__) <= set(value), f"{where}: {member.__name__} keys missing"
            for key, item in value.items():
                conforms(item, hints[key], f"{where}.{key}")
            return
        if get_origin(member) is list and isinstance(value, list):
            for number, item in enumerate(value):
                conforms(item, get_args(member)[0], f"{where}[{number}]")
            return
        if get_origin(member) is dict and isinstance(value, dict):
            return
        if get_origin(member) is Literal and value in get_args(member):
            return
        if member in JSON_TYPE and type(value) is member:
            return
    raise AssertionError(f"{where}: {value!r} is not a {annotation}")


DEMO = ROOT / "tests" / "golden" / "checkout-pod.yaml"


def test_what_explain_prints_is_its_type_and_its_schema(cli, kubeconfig):
    reports = []
    for args in (["-f", str(DEMO), "--what-if", "migrate=exit:1", "--what-if", "api=exit:0"],
                 ["-f", str(DEMO), "--k8s-version", "1.27", "--what-if", "mesh-proxy=exit:137"],
                 ["-A", "--kubeconfig", kubeconfig],  # live pods of every state the oracle recorded
                 ["-A", "--kubeconfig", kubeconfig, "--context", "drift"]):
        code, out, err = cli("explain", *args, "-o", "json")
        assert code == 0, err
        reports.append(json.loads(out))
    assert sum(len(report["items"]) for report in reports) > 20
    for report in reports:
        jsonschema.validate(report, SCHEMAS[ExplainList])
        conforms(report, ExplainList)


def test_what_diff_prints_is_its_type_and_its_schema(cli, kubeconfig, tmp_path):
    import yaml

    from tests.conftest import oracle_cases

    reports = []
    for case in oracle_cases("drift.json"):
        intended, live = tmp_path / "intended.yaml", tmp_path / "live.yaml"
        intended.write_text(yaml.safe_dump(case["intended"]))
        live.write_text(yaml.safe_dump(case["live"]))
        code, out, err = cli("diff", "-f", str(intended), "--live", str(live), "-o", "json", "--explain-defaults")
        assert code in (0, 1), err
        reports.append(json.loads(out))
    names = [case["live"]["metadata"]["name"] for case in oracle_cases("drift.json")]
    for args in (names, ["-A", "--owner"]):  # each pod's last-applied configuration; its owner's template
        code, out, err = cli("diff", *args, "--context", "drift", "--kubeconfig", kubeconfig, "-o", "json")
        assert out, err
        reports.append(json.loads(out))
    items = [item for report in reports for item in report["items"]]
    assert any(item.get("changes") for item in items) and any("skipped" in item for item in items)
    assert any(item.get("serverFilled") for item in items)
    for report in reports:
        jsonschema.validate(report, SCHEMAS[DiffList])
        conforms(report, DiffList)
