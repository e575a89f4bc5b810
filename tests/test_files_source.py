"""Pods from files: YAML and JSON, multi-document, List/PodList, workloads, directories, stdin."""

from __future__ import annotations

import io
import json

import pytest
import yaml

from kubectl_pods.errors import UserError
from kubectl_pods.sources.files import read_pods
from tests.conftest import oracle_cases

WORKLOADS = [c for c in oracle_cases("defaulting.json") if c["kind"] != "Pod"]


def pods_from_files(paths):
    """The valid pods of the files; these tests hold no invalid object."""
    found, invalid = read_pods(paths)
    assert not invalid
    return found


def test_multi_document_yaml_and_lists(tmp_path):
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}, "spec": {"containers": [{"name": "c", "image": "x:1"}]}}
    listed = {"apiVersion": "v1", "kind": "PodList", "items": [dict(pod, metadata={"name": "b"}),
                                                               dict(pod, metadata={"name": "c"})]}
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "ignored"}}
    path = tmp_path / "all.yaml"
    path.write_text(yaml.safe_dump_all([pod, service, None, listed]))
    found = pods_from_files([str(path)])
    assert [p.name for p in found] == ["a", "b", "c"] and not any(p.is_template for p in found)


@pytest.mark.parametrize("case", WORKLOADS, ids=[c["id"] for c in WORKLOADS])
def test_workloads_yield_their_pod_template_marked_as_such(case, tmp_path):
    path = tmp_path / "w.json"
    path.write_text(json.dumps(case["intended"]))
    [found] = pods_from_files([str(path)])
    assert found.is_template and found.template_of["kind"] == case["kind"]
    assert found.pod["kind"] == "Pod" and found.pod["spec"]["containers"]
    assert found.template_of["matchLabels"]


def test_a_directory_reads_its_manifest_files_in_order(tmp_path):
    for name in ("b.yaml", "a.json", "notes.txt"):
        (tmp_path / name).write_text(json.dumps({"kind": "Pod", "metadata": {"name": name.split(".")[0]}, "spec": {"containers": [{"name": "c", "image": "x:1"}]}}))
    assert [p.name for p in pods_from_files([str(tmp_path)])] == ["a", "b"]


def test_stdin(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("kind: Pod\nmetadata: {name: from-stdin}\nspec: {containers: [{name: c, image: x}]}\n"))
    [found] = pods_from_files(["-"])
    assert found.name == "from-stdin" and found.source == "<stdin>"


@pytest.mark.parametrize("content,needle", [
    (b"\xff\xfe\x00 not utf-8", "cannot read"),
    (b"- a\n- list\n", "expected a Kubernetes object"),
    (b"kind: Pod\n  bad: indent\n", "invalid YAML or JSON (line 2"),
])
def test_bad_files(tmp_path, content, needle):
    path = tmp_path / "f.yaml"
    path.write_bytes(content)
    with pytest.raises(UserError, match=needle.replace("(", r"\(")):
        pods_from_files([str(path)])


def test_a_file_without_pods_is_said(tmp_path, cli):
    path = tmp_path / "f.yaml"
    path.write_text("kind: Service\nmetadata: {name: s}\n")
    code, _, err = cli("explain", "-f", str(path))
    assert code == 2 and "no Pod or workload with a pod template in" in err


def test_an_empty_directory(tmp_path):
    with pytest.raises(UserError, match="no .yaml, .yml or .json files"):
        pods_from_files([str(tmp_path)])
