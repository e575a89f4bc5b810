"""Least privilege: every command under exactly the Role of docs/rbac.yaml, under a pods-only Role,
and under nothing, on the test API server in RBAC mode (tests/apiserver/rbac.py)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.apiserver.rbac import Bindings, RoleBinding
from tests.apiserver.server import RunningApiServer

ROOT = Path(__file__).resolve().parent.parent
RBAC = list(yaml.safe_load_all((ROOT / "docs" / "rbac.yaml").read_text()))
ROLE = next(d for d in RBAC if d["kind"] == "Role")
NODE_READER = next(d for d in RBAC if d["metadata"]["name"] == "kubectl-pods-node-reader")


def documented() -> Bindings:
    """The Role bound in the namespace and the node reader bound cluster-wide, as docs/rbac.yaml says."""
    return Bindings([RoleBinding(copy.deepcopy(ROLE["rules"]), NAMESPACE), RoleBinding(NODE_READER["rules"])])
PODS_ONLY = [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}]
NAMESPACE = "kp-rbac"
SCHEMA = json.loads((ROOT / "docs" / "explain-schema.json").read_text())


def _objects():
    template = {"metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": "nginx:1.28"}]}}
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment",
                  "metadata": {"name": "web", "namespace": NAMESPACE, "annotations": {"deployment.kubernetes.io/revision": "1"}},
                  "spec": {"selector": {"matchLabels": {"app": "web"}}, "template": template}}
    replica_set = {"apiVersion": "apps/v1", "kind": "ReplicaSet",
                   "metadata": {"name": "web-7c9", "namespace": NAMESPACE,
                                "annotations": {"deployment.kubernetes.io/revision": "1"},
                                "ownerReferences": [{"kind": "Deployment", "name": "web", "controller": True}]},
                   "spec": {"template": template}}
    pod = {"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": "web-7c9-a", "namespace": NAMESPACE, "uid": "u1", "creationTimestamp": "2026-01-01T00:00:00Z",
                        "labels": {"app": "web", "pod-template-hash": "7c9"},
                        "ownerReferences": [{"kind": "ReplicaSet", "name": "web-7c9", "controller": True}],
                        "managedFields": [
                            {"manager": "kube-controller-manager", "operation": "Update", "time": "2026-01-01T00:00:00Z",
                             "fieldsV1": {"f:spec": {"f:containers": {'k:{"name":"web"}': {"f:image": {}}}}}},
                            {"manager": "kubectl-label", "operation": "Update", "time": "2026-01-02T00:00:00Z",
                             "fieldsV1": {"f:metadata": {"f:labels": {"f:team": {}}}}}]},
           "spec": {"containers": [{"name": "web", "image": "nginx:1.28"}], "nodeName": "node-a"},
           "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}], "containerStatuses": [
               {"name": "web", "ready": True, "restartCount": 0, "image": "nginx:1.28",
                "state": {"running": {"startedAt": "2026-01-01T00:00:05Z"}}}]}}
    pod["metadata"]["labels"]["team"] = "blue"
    event = {"apiVersion": "v1", "kind": "Event", "metadata": {"name": "e1", "namespace": NAMESPACE},
             "involvedObject": {"kind": "Pod", "name": "web-7c9-a", "namespace": NAMESPACE, "uid": "u1",
                                "fieldPath": "spec.containers{web}"},
             "type": "Normal", "reason": "Started", "message": "Started container web", "count": 1,
             "lastTimestamp": "2026-01-01T00:00:05Z"}
    return {"Pod": [pod], "ReplicaSet": [replica_set], "Deployment": [deployment], "Event": [event], "LimitRange": []}


@pytest.fixture
def server(tmp_path):
    running = RunningApiServer(_objects())
    running.kubeconfig = running.write_kubeconfig(tmp_path / "kubeconfig", namespace=NAMESPACE)
    manifest = tmp_path / "deploy.yaml"
    manifest.write_text(yaml.safe_dump(_objects()["Deployment"][0]))
    running.manifest = str(manifest)
    yield running
    running.stop()


COMMANDS = {
    "explain POD": ["explain", "web-7c9-a"],
    "explain -l": ["explain", "-l", "app=web"],
    "explain --timeline": ["explain", "web-7c9-a", "--timeline"],
    "diff -f": ["diff", "-f", "{manifest}"],
    "diff --owner": ["diff", "--owner", "-l", "app=web"],
}


def _run(cli, server, args):
    args = [a.replace("{manifest}", server.manifest) for a in args]
    return cli(*args, "--kubeconfig", server.kubeconfig)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_answers_in_full_under_the_documented_role(command, server, cli):
    server.state.rbac = documented()
    code, out, err = _run(cli, server, COMMANDS[command])
    assert code in (0, 1), err
    assert "not read" not in out and err == ""
    assert not [r for r in server.requests if r.method == "GET" and _refused(server, r)]


def _refused(server, request) -> bool:
    from tests.apiserver.rbac import request_attributes

    return not server.state.rbac.allows(request_attributes(request.method, request.path, request.query))


@pytest.mark.parametrize("command,missing", [
    ("explain POD", "events not read: the server refused to give events in kp-rbac (403 Forbidden)"),
    ("explain --timeline", "events not read"),
    ("diff -f", "deployments not read: the server refused to give deployments in kp-rbac (403 Forbidden)"),
    ("diff --owner", "replicasets not read: the server refused to give replicasets in kp-rbac (403 Forbidden)"),
])
def test_under_pods_only_each_command_answers_and_names_what_it_could_not_read(command, missing, server, cli):
    server.state.rbac = RoleBinding(PODS_ONLY, NAMESPACE)
    code, out, err = _run(cli, server, COMMANDS[command])
    assert code in (0, 1), err
    assert missing in out


def test_explain_list_under_pods_only_reads_no_events_and_answers(server, cli):
    server.state.rbac = RoleBinding(PODS_ONLY, NAMESPACE)
    code, out, err = _run(cli, server, COMMANDS["explain -l"])
    assert (code, err) == (0, "")
    assert "web-7c9-a" in out


def test_watch_under_the_documented_role_follows_pods_and_events(server, cli):
    server.state.rbac = documented()
    code, out, err = _run(cli, server, ["explain", "web-7c9-a", "--watch"])  # Ready: ends after its first line
    assert (code, err) == (0, "")
    assert "web-7c9-a  [Running 1/1]  now: every container ready" in out


def test_watch_without_watch_on_events_says_so_and_follows_the_pods(server, monkeypatch):
    from tests.test_watch import Background

    rules = copy.deepcopy(ROLE["rules"])
    next(r for r in rules if r["resources"] == ["events"])["verbs"] = ["list"]
    server.state.rbac = RoleBinding(rules, NAMESPACE)
    watch = Background(monkeypatch, "explain", "web-7c9-a", "--watch", "--until", "done", "--kubeconfig", server.kubeconfig)
    watch.wait_for(lambda: "note:" in watch.err.getvalue())
    server.write(_objects()["Pod"][0], "DELETED")
    assert watch.finish() == 0
    assert watch.err.getvalue() == "note: events are not shown: the server refused to list or watch them (403 Forbidden)\n"
    assert watch.out.getvalue().splitlines()[-1].endswith("pod deleted")


def test_watch_without_watch_on_pods_is_an_error(server, cli):
    server.state.rbac = RoleBinding(PODS_ONLY, NAMESPACE)
    code, out, err = _run(cli, server, ["explain", "web-7c9-a", "--watch", "--until", "done"])
    assert code == 2
    [error] = [line for line in err.splitlines() if line.startswith("error: ")]
    assert error.startswith('error: the server refused to watch pods in namespace "kp-rbac" (403 Forbidden): ')


def test_json_marks_what_was_unavailable(server, cli):
    server.state.rbac = RoleBinding(PODS_ONLY, NAMESPACE)
    code, out, _ = _run(cli, server, ["explain", "web-7c9-a", "-o", "json"])
    report = json.loads(out)
    jsonschema.validate(report, SCHEMA)
    assert code == 0 and report["unavailable"] == [{"what": "events", "namespace": NAMESPACE, "reason": "forbidden"},
                                                   {"what": "nodes", "namespace": None, "reason": "forbidden"}]
    code, out, _ = _run(cli, server, ["diff", "--owner", "-l", "app=web", "-o", "json"])
    report = json.loads(out)
    assert {"what": "replicasets", "namespace": NAMESPACE, "reason": "forbidden"} in report["unavailable"]
    [item] = report["items"]
    assert [(c["path"], c["live"]) for c in item["changes"]] == [("metadata.labels.team", "blue")]
    assert code == 1 and "kubectl-label" in item["changes"][0]["message"]
    assert "the server refused to give ReplicaSet " in item["comparedWith"]  # said as the server said it


def test_under_the_role_alone_explain_answers_without_the_node_and_says_so(server, cli):
    server.state.rbac = RoleBinding(copy.deepcopy(ROLE["rules"]), NAMESPACE)
    code, out, err = _run(cli, server, ["explain", "web-7c9-a"])
    assert (code, err) == (0, "")
    assert out.splitlines()[-1] == ("nodes not read: the server refused to give nodes (403 Forbidden); whether "
                                    "the pod's node exists and is Ready is not checked")
    gets = [r.path for r in server.requests if "/nodes/" in r.path]
    assert gets == ["/api/v1/nodes/node-a"]  # asked once, refused, not asked again


@pytest.mark.parametrize("command", COMMANDS)
def test_with_no_permission_every_command_fails_in_one_line(command, server, cli):
    server.state.rbac = RoleBinding([], NAMESPACE)
    code, out, err = _run(cli, server, COMMANDS[command])
    assert (code, out) == (2, "")
    assert err.startswith("error: the server refused to ") and "(403 Forbidden): " in err and err.count("\n") == 1


def test_all_namespaces_forbidden_suggests_one_namespace(server, cli):
    server.state.rbac = RoleBinding(copy.deepcopy(ROLE["rules"]), NAMESPACE)
    code, _, err = cli("explain", "-A", "--kubeconfig", server.kubeconfig)
    assert code == 2
    assert "refused to list pods at cluster scope (403 Forbidden)" in err and err.rstrip().endswith("use -n NAMESPACE to read one namespace")
