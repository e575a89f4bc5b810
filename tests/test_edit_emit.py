"""Writing an edited document back as the user wrote it, for layouts no fixture shows: any mapping
indentation and dash offset, comments on any line, CRLF; adding a pattern only adds lines."""

from __future__ import annotations

import io

import yaml
from hypothesis import given, settings, strategies as st
from ruamel.yaml import YAML

from kubectl_pods.commands.rewrite import file_text, rewrite_files
from kubectl_pods.edit.edits import apply
from kubectl_pods.edit.emit import merge
from kubectl_pods.edit.files import InputFile
from kubectl_pods.scaffold.build import scaffold_objects
from kubectl_pods.scaffold.onto import pattern_parts, plan_onto

NAMES = st.from_regex(r"^[a-z][a-z0-9]{0,8}$", fullmatch=True).filter(lambda n: n not in ("log", "app"))
KINDS = st.sampled_from(["Pod", "Deployment", "Job", "CronJob", "StatefulSet"])


def workload(kind: str, name: str, containers: list[str], labels: dict) -> dict:
    pod = {"metadata": {"labels": labels}, "spec": {"containers": [
        {"name": c, "image": f"example/{c}:1", "ports": [{"containerPort": 8000 + i}]} for i, c in enumerate(containers)]}}
    if kind == "Pod":
        return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, **pod["metadata"]}, "spec": pod["spec"]}
    if kind == "CronJob":
        return {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": name},
                "spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": pod}}}}
    return {"apiVersion": "batch/v1" if kind == "Job" else "apps/v1", "kind": kind, "metadata": {"name": name},
            "spec": {"template": pod}}


def layout(obj: dict, mapping: int, offset: int, comments: list[bool], crlf: bool) -> str:
    writer = YAML()
    writer.indent(mapping=mapping, sequence=offset + 2, offset=offset)
    stream = io.StringIO()
    writer.dump(obj, stream)
    lines = stream.getvalue().splitlines()
    lines = [f"{line}  # note {i}" if comments[i % len(comments)] and not line.rstrip().endswith(":") else line
             for i, line in enumerate(lines)]
    return ("\r\n" if crlf else "\n").join(lines) + ("\r\n" if crlf else "\n")


def is_subsequence(small: list[str], big: list[str]) -> bool:
    remaining = iter(big)
    return all(any(line == other for other in remaining) for line in small)


SIDECAR = pattern_parts("sidecar", scaffold_objects(pattern="sidecar", name="app", kind="pod", version=(1, 33),
                                                    set_values=[])[0][0])


@settings(max_examples=60)
@given(kind=KINDS, name=NAMES, containers=st.lists(NAMES, min_size=1, max_size=3, unique=True),
       labels=st.dictionaries(NAMES, NAMES, max_size=2), mapping=st.sampled_from([2, 4]),
       offset=st.sampled_from([0, 2]), comments=st.lists(st.booleans(), min_size=1, max_size=5),
       crlf=st.booleans())
def test_adding_a_pattern_only_adds_lines_whatever_the_layout(kind, name, containers, labels, mapping, offset,
                                                             comments, crlf):
    obj = workload(kind, name, containers, labels)
    text = layout(obj, mapping, offset, comments, crlf)
    result = rewrite_files([InputFile("f.yaml", None, text)], lambda o: plan_onto(o, SIDECAR))
    out = file_text(result.files[0][1])
    expected = yaml.safe_load(text)
    apply(expected, plan_onto(expected, SIDECAR).edits)
    assert yaml.safe_load(out) == expected
    assert is_subsequence(text.splitlines(), out.splitlines())  # every line kept, in order, byte for byte
    assert out.count("\n") == out.count("\r\n") if crlf else "\r" not in out
    assert not [line for line in result.said if "written anew" in line]  # the layout was followed
    again = rewrite_files([InputFile("f.yaml", None, out)], lambda o: plan_onto(o, SIDECAR))
    assert file_text(again.files[0][1]) == out and again.changed == 0


def test_a_change_that_cannot_be_placed_is_refused_not_guessed():
    # the writer's lines before the change match nothing of the user's text: no anchor for it
    assert merge("a: 1\n", "x: 1\ny: 2\n", "x: 1\nz: 3\ny: 2\n") is None
    assert merge("x: 1\ny: 2\n", "x: 1\ny: 2\n", "x: 1\nz: 3\ny: 2\n") == "x: 1\nz: 3\ny: 2\n"
