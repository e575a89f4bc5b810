"""diff: the oracle corpus, identity rules, ignore, grouping, --owner, exit codes, live mode."""

from __future__ import annotations

import copy
import json

import pytest
import yaml

from kubectl_pods.diff.compare import diff_objects
from kubectl_pods.diff.paths import IgnoreRules
from tests.conftest import VERSIONS, load_json, oracle_cases

DEFAULTING = oracle_cases("defaulting.json")
DRIFT = oracle_cases("drift.json")


def _triples(changes):
    return sorted((c["path"], json.dumps(c["intended"], sort_keys=True), json.dumps(c["live"], sort_keys=True))
                  for c in changes)


@pytest.mark.parametrize("case", DEFAULTING, ids=[c["id"] for c in DEFAULTING])
def test_what_the_server_fills_in_is_not_drift(case):
    assert diff_objects(case["intended"], case["live"]) == []


@pytest.mark.parametrize("case", DRIFT, ids=[c["id"] for c in DRIFT])
def test_real_drift_is_reported_exactly(case):
    assert _triples(diff_objects(case["intended"], case["live"])) == _triples(case["changes"])


@pytest.mark.parametrize("path", sorted(VERSIONS.glob("*/defaulting.json")), ids=lambda p: p.parent.name)
def test_every_versions_defaults_are_not_drift(path):
    for case in load_json(path):
        assert diff_objects(case["intended"], case["live"]) == [], case["id"]


def test_a_dropped_sidecar_field_on_1_28_is_drift():
    [case] = [c for c in load_json(VERSIONS / "1.28" / "sidecar.json") if c["id"] == "sidecar-plain"]
    changes = diff_objects(case["manifest"], case["api"]["live"])
    assert _triples(changes) == [("spec.initContainers[name=log-shipper].restartPolicy", '"Always"', "null")]


def _pod(**spec):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec}


def _live_like(pod):
    """A live copy as a manifest (no uid: diff gives it the API defaults, as a server would)."""
    live = copy.deepcopy(pod)
    live["metadata"].update(namespace="default")
    return live


@pytest.mark.parametrize("field,items", [
    ("containers", [{"name": "a", "image": "x:1"}, {"name": "b", "image": "y:1"}]),
    ("volumes", [{"name": "v1", "emptyDir": {}}, {"name": "v2", "emptyDir": {}}]),
    ("tolerations", [{"key": "k1", "operator": "Exists", "effect": "NoSchedule"},
                     {"key": "k2", "operator": "Exists", "effect": "NoSchedule"}]),
])
def test_reordering_alone_is_not_drift(field, items):
    spec = {"containers": [{"name": "a", "image": "x:1"}], field: items}
    reordered = copy.deepcopy(spec)
    reordered[field] = list(reversed(reordered[field]))
    assert diff_objects(_pod(**spec), _live_like(_pod(**reordered))) == []


@pytest.mark.parametrize("nested,items,path", [
    ("env", [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}], "spec.containers[name=c].env[name=B].value"),
    ("volumeMounts", [{"name": "v", "mountPath": "/a"}, {"name": "v", "mountPath": "/b"}],
     "spec.containers[name=c].volumeMounts[mountPath=/b].readOnly"),
    ("ports", [{"containerPort": 80}, {"containerPort": 443}], "spec.containers[name=c].ports[containerPort=443].name"),
])
def test_nested_lists_are_matched_by_identity(nested, items, path):
    container = {"name": "c", "image": "x:1", nested: items}
    live = _live_like(_pod(containers=[copy.deepcopy(container)]))
    live_items = live["spec"]["containers"][0][nested]
    live_items.reverse()
    target = next(i for i in live_items if i.get("name") == "B" or i.get("mountPath") == "/b"
                  or i.get("containerPort") == 443)
    if nested == "env":
        target["value"] = "3"
    elif nested == "volumeMounts":
        target["readOnly"] = True
    else:
        target["name"] = "https"
    [change] = diff_objects(_pod(containers=[container]), live)
    assert change["path"] == path


def test_duplicate_ports_use_the_protocol():
    ports = [{"containerPort": 53, "protocol": "UDP"}, {"containerPort": 53}]
    live = _live_like(_pod(containers=[{"name": "dns", "image": "x:1", "ports": copy.deepcopy(ports)}]))
    live["spec"]["containers"][0]["ports"][0]["name"] = "dns-udp"
    [change] = diff_objects(_pod(containers=[{"name": "dns", "image": "x:1", "ports": ports}]), live)
    assert change["path"] == "spec.containers[name=dns].ports[containerPort=53,protocol=UDP].name"


def test_duplicate_tolerations_use_the_effect():
    tolerations = [{"key": "k", "operator": "Exists", "effect": "NoSchedule"},
                   {"key": "k", "operator": "Exists", "effect": "NoExecute"}]
    live = _live_like(_pod(containers=[{"name": "a", "image": "x:1"}], tolerations=copy.deepcopy(tolerations)))
    live["spec"]["tolerations"][1]["tolerationSeconds"] = 60
    [change] = diff_objects(_pod(containers=[{"name": "a", "image": "x:1"}], tolerations=tolerations), live)
    assert change["path"] == "spec.tolerations[key=k,effect=NoExecute].tolerationSeconds"


@pytest.mark.parametrize("pattern,path,ignored", [
    ("spec.containers[name=*].image", "spec.containers[name=web].image", True),
    ("spec.containers[name=*].image", "spec.containers[name=web].imagePullPolicy", False),
    ("metadata.annotations", 'metadata.annotations["example.com/x"]', True),
    ("metadata.labels.team", "metadata.labels.teams", False),
])
def test_ignore_paths(pattern, path, ignored):
    assert IgnoreRules([pattern])(path) is ignored


def _write(tmp_path, name, *objects):
    path = tmp_path / name
    path.write_text(yaml.safe_dump_all(objects))
    return str(path)


def test_cli_exit_codes_text_and_json(cli, tmp_path):
    case = next(c for c in DRIFT if c["id"] == "drift-combo")
    intended = _write(tmp_path, "intended.yaml", case["intended"])
    live = _write(tmp_path, "live.yaml", case["live"])
    code, out, err = cli("diff", "-f", intended, "--live", live, "-o", "json")
    assert code == 1, err
    [item] = json.loads(out)["items"]
    assert _triples(item["changes"]) == _triples(case["changes"])
    assert {c["type"] for c in item["changes"]} <= {"added", "removed", "changed"}
    code, out, _ = cli("diff", "-f", intended, "--live", live)
    assert code == 1 and "spec.containers[name=app].image" in out and '"ghcr.io/acme/api:1.6.0"' in out
    code, out, _ = cli("diff", "-f", intended, "--live", live, "-o", "unified")
    assert code == 1 and out.startswith("--- intended/") and "+++ live/" in out
    ignores = ["--ignore", "spec.containers[name=*].image", "--ignore", "metadata", "--ignore", "spec.tolerations"]
    assert cli("diff", "-f", intended, "--live", live, *ignores)[0] == 0
    assert cli("diff", "-f", intended, "--live", live, "-o", "yaml")[0] == 2


def test_cli_takes_at_most_one_intended_side(cli, tmp_path):
    code, _, err = cli("diff", "--owner", "--pattern", "sidecar", "--live", _write(tmp_path, "l.yaml", _pod()))
    assert code == 2 and err == "error: --pattern and --owner cannot be used together\n"
    code, _, err = cli("diff", "--kubeconfig", str(tmp_path / "none"))
    assert code == 2 and "say what to compare" in err


def _deployment_pods(count, image="nginx:1.27", injected=False):
    template = {"metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}
    rs = {"apiVersion": "apps/v1", "kind": "ReplicaSet",
          "metadata": {"name": "web-5d4", "namespace": "shop"}, "spec": {"template": template}}
    pods = []
    for i in range(count):
        spec = copy.deepcopy(template["spec"])
        spec["containers"][0]["image"] = image
        meta = {"name": f"web-5d4-{i}", "namespace": "shop", "labels": {"app": "web", "pod-template-hash": "5d4"},
                "ownerReferences": [{"kind": "ReplicaSet", "name": "web-5d4", "controller": True}],
                "managedFields": [{"manager": "kube-controller-manager", "operation": "Update", "time": "2026-01-01T00:00:00Z",
                                   "fieldsV1": {"f:spec": {"f:containers": {'k:{"name":"web"}': {}}}}}]}
        if injected:
            spec["containers"].append({"name": "istio-proxy", "image": "istio/proxyv2:1.22"})
            spec["volumes"] = [{"name": "istio-envoy", "emptyDir": {}}]
            meta["managedFields"].append({"manager": "istio-sidecar-injector", "operation": "Update",
                                          "time": "2026-01-01T00:00:01Z", "fieldsV1": {"f:spec": {
                                              "f:containers": {'k:{"name":"istio-proxy"}': {}},
                                              "f:volumes": {'k:{"name":"istio-envoy"}': {}}}}})
        pods.append({"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec, "status": {"phase": "Running"}})
    return rs, pods


def test_owner_names_a_webhook_injected_sidecar(cli, tmp_path):
    rs, pods = _deployment_pods(1, injected=True)
    code, out, _ = cli("diff", "--owner", "--live", _write(tmp_path, "l.yaml", rs, *pods), "-o", "json")
    assert code == 1
    changes = {c["path"]: c for c in json.loads(out)["items"][0]["changes"]}
    assert set(changes) == {"spec.containers[name=istio-proxy]", "spec.volumes[name=istio-envoy]"}
    assert changes["spec.containers[name=istio-proxy]"]["message"] == "added by istio-sidecar-injector"
    assert changes["spec.containers[name=istio-proxy]"]["type"] == "added"


def test_the_same_drift_on_many_pods_is_shown_once(cli, tmp_path):
    rs, pods = _deployment_pods(3, image="nginx:1.28")
    code, out, _ = cli("diff", "--owner", "--live", _write(tmp_path, "l.yaml", rs, *pods))
    assert code == 1
    assert "3/3 pods of ReplicaSet web-5d4: web-5d4-0, web-5d4-1, web-5d4-2" in out
    assert out.count("spec.containers[name=web].image") == 1


def test_live_mode_against_the_test_server(cli, kubeconfig, apiserver, tmp_path):
    case = next(c for c in DRIFT if c["id"] == "drift-set-image-sidecar")
    intended = _write(tmp_path, "i.yaml", case["intended"])
    code, out, err = cli("diff", "-f", intended, "--kubeconfig", kubeconfig, "--context", "drift", "-o", "json")
    assert code == 1, err
    [item] = json.loads(out)["items"]
    assert _triples(item["changes"]) == _triples(case["changes"])
    assert all(r.method == "GET" for r in apiserver.requests)


def test_owner_mode_against_the_test_server(cli, tmp_path):
    from tests.apiserver.server import RunningApiServer

    rs, pods = _deployment_pods(2, injected=True)
    server = RunningApiServer({"Pod": pods, "ReplicaSet": [rs]})
    try:
        config = server.write_kubeconfig(tmp_path / "kc", namespace="shop")
        code, out, err = cli("diff", "--owner", "-l", "app=web", "--kubeconfig", config)
        assert code == 1, err
        assert "2/2 pods of ReplicaSet web-5d4" in out and "added by istio-sidecar-injector" in out
        assert any(r.path.endswith("/replicasets/web-5d4") for r in server.requests)
    finally:
        server.stop()
