"""diff against what a real kube-apiserver v1.33 stored after `kubectl apply`, `kubectl set image`,
`kubectl edit`, LimitRanger and a dry-run create (tests/fixtures/recorded/apply-and-admission.json)."""

from __future__ import annotations

import copy
import json

import pytest
import yaml

from kubectl_pods.diff.admission import LIMIT_RANGER_ANNOTATION, ClusterFacts
from kubectl_pods.diff.compare import diff_objects
from tests.apiserver.server import RunningApiServer
from tests.conftest import FIXTURES, load_json

RECORDED = load_json(FIXTURES / "recorded" / "apply-and-admission.json")
APPLIED = {case["pattern"]: case for case in RECORDED["applied"]}
DEPLOYMENTS = {case["pattern"]: case for case in RECORDED["deployments"]}
NAMESPACE = RECORDED["applied"][0]["live"]["metadata"]["namespace"]


def _paths(changes):
    return sorted((c["path"], json.dumps(c["live"])) for c in changes)


@pytest.fixture
def server(tmp_path):
    running = RunningApiServer({"Pod": [], "Deployment": [], "LimitRange": []})
    running.kubeconfig = running.write_kubeconfig(tmp_path / "kubeconfig", namespace=NAMESPACE)
    yield running
    running.stop()


def _manifest(tmp_path, text: str, name: str = "intended.yaml") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize("pattern", sorted(APPLIED))
def test_apply_then_diff_is_clean(pattern, server, cli, tmp_path):
    case = APPLIED[pattern]
    assert "kubectl.kubernetes.io/last-applied-configuration" in case["live"]["metadata"]["annotations"]
    server.add(case["live"])
    code, out, err = cli("diff", "-f", _manifest(tmp_path, case["manifest"]), "--kubeconfig", server.kubeconfig)
    assert (code, err) == (0, ""), out
    assert "no drift" in out
    assert all(r.method == "GET" for r in server.requests)


@pytest.mark.parametrize("pattern", sorted(APPLIED))
def test_set_image_after_apply_is_exactly_the_image_and_names_the_manager(pattern, server, cli, tmp_path):
    case = APPLIED[pattern]
    server.add(case["setImage"]["live"])
    code, out, err = cli("diff", "-f", _manifest(tmp_path, case["manifest"]), "--kubeconfig", server.kubeconfig,
                         "-o", "json")
    assert code == 1, err
    [item] = json.loads(out)["items"]
    [change] = item["changes"]
    assert change["path"] == f"spec.containers[name={case['setImage']['container']}].image"
    assert (change["intended"], change["live"]) == ("nginx:1.27", "nginx:1.28")
    assert change["message"] == "changed by kubectl-set"


@pytest.mark.parametrize("pattern", sorted(APPLIED))
def test_without_a_manifest_a_pod_is_compared_with_its_last_applied_configuration(pattern, server, cli):
    case = APPLIED[pattern]
    server.add(case["setImage"]["live"])
    name = case["live"]["metadata"]["name"]
    code, out, err = cli("diff", name, "--kubeconfig", server.kubeconfig)
    assert code == 1, err
    assert "compared with its last-applied configuration (kubectl apply)" in out
    assert f"spec.containers[name={case['setImage']['container']}].image" in out
    assert "(changed by kubectl-set)" in out
    assert out.count("± changed") == 1


def test_a_pod_without_last_applied_configuration_is_said_not_compared(server, cli):
    pod = copy.deepcopy(APPLIED["sidecar"]["live"])
    del pod["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"]
    server.add(pod)
    code, out, _ = cli("diff", pod["metadata"]["name"], "--kubeconfig", server.kubeconfig)
    assert code == 2
    assert "not compared: no last-applied configuration" in out


@pytest.mark.parametrize("pattern", sorted(DEPLOYMENTS))
def test_an_applied_deployment_against_its_live_deployment_is_clean(pattern, server, cli, tmp_path):
    server.add(DEPLOYMENTS[pattern]["live"])
    code, out, err = cli("diff", "-f", _manifest(tmp_path, DEPLOYMENTS[pattern]["manifest"]),
                         "--kubeconfig", server.kubeconfig, "-o", "json")
    assert (code, err) == (0, ""), out
    [item] = json.loads(out)["items"]
    assert (item["kind"], item["changes"]) == ("Deployment", [])


def test_kubectl_edit_of_a_deployment_is_reported_exactly(server, cli, tmp_path):
    server.add(RECORDED["edited"]["live"])
    code, out, err = cli("diff", "-f", _manifest(tmp_path, DEPLOYMENTS["sidecar"]["manifest"]),
                         "--kubeconfig", server.kubeconfig, "-o", "json")
    assert code == 1, err
    [item] = json.loads(out)["items"]
    assert _paths(item["changes"]) == [("spec.replicas", "3"),
                                       ("spec.template.spec.containers[name=app].image", '"nginx:1.29"')]
    assert {c["message"] for c in item["changes"]} == {"changed by kubectl-edit"}


@pytest.mark.parametrize("case", RECORDED["limited"], ids=lambda c: c["intended"]["metadata"]["name"])
def test_limit_ranger_defaults_are_not_drift(case):
    live = case["live"]
    assert LIMIT_RANGER_ANNOTATION in live["metadata"]["annotations"]
    limit_ranges = [RECORDED["limitRange"]]
    assert diff_objects(case["intended"], live) == []  # offline: the annotation says what was set
    assert diff_objects(case["intended"], live, facts=ClusterFacts(limit_ranges=limit_ranges)) == []
    # The model alone: with the annotation gone, the LimitRange still explains every resource.
    unannotated = copy.deepcopy(live)
    del unannotated["metadata"]["annotations"][LIMIT_RANGER_ANNOTATION]
    assert [c["path"] for c in diff_objects(case["intended"], unannotated, facts=ClusterFacts(limit_ranges=limit_ranges))] \
        == [f'metadata.annotations["{LIMIT_RANGER_ANNOTATION}"]']
    # And with neither, the resources LimitRanger set are drift: the rule is doing the work.
    assert any("resources" in c["path"] for c in diff_objects(case["intended"], unannotated))


def test_limit_ranges_are_read_in_live_mode(server, cli, tmp_path):
    case = RECORDED["limited"][0]
    live = copy.deepcopy(case["live"])
    del live["metadata"]["annotations"][LIMIT_RANGER_ANNOTATION]
    live["metadata"]["namespace"] = NAMESPACE
    server.add(live, {**RECORDED["limitRange"], "metadata": {**RECORDED["limitRange"]["metadata"], "namespace": NAMESPACE}})
    code, out, err = cli("diff", "-f", _manifest(tmp_path, yaml.safe_dump(case["intended"])),
                         "--kubeconfig", server.kubeconfig, "-o", "json")
    [item] = json.loads(out)["items"]
    assert [c["path"] for c in item["changes"]] == [f'metadata.annotations["{LIMIT_RANGER_ANNOTATION}"]'], err
    assert any(r.path.endswith("/limitranges") for r in server.requests)


@pytest.mark.parametrize("pattern", sorted(APPLIED))
def test_server_dry_run_replayed_from_the_real_server_is_clean(pattern, server, cli, tmp_path):
    dry = next(d for d in RECORDED["serverDryRun"] if d["pattern"] == pattern)
    server.state.dry_run_answers.append((dry["body"], dry["response"]))
    server.add(APPLIED[pattern]["live"])
    code, out, err = cli("diff", "-f", _manifest(tmp_path, APPLIED[pattern]["manifest"]), "--server-dry-run",
                         "--kubeconfig", server.kubeconfig)
    assert (code, err) == (0, ""), out
    assert "compared with the server's dry run of" in out
    [post] = [r for r in server.requests if r.method == "POST"]
    assert post.query == {"dryRun": "All"} and post.path == f"/api/v1/namespaces/{NAMESPACE}/pods"
    assert post.body == dry["body"] and "name" not in post.body["metadata"]


def test_server_dry_run_refused_says_the_servers_reason(server, cli, tmp_path):
    server.add(APPLIED["init"]["live"])
    server.fault(path="/pods", status=403, message="pods is forbidden", method="POST")
    code, _, err = cli("diff", "-f", _manifest(tmp_path, APPLIED["init"]["manifest"]), "--server-dry-run",
                       "--kubeconfig", server.kubeconfig)
    assert code == 2
    assert err == ("error: --server-dry-run (a create with dryRun=All, which stores nothing): the server refused to "
                   f'create pods in namespace "{NAMESPACE}" (403 Forbidden): pods is forbidden\n')
