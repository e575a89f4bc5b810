"""What a real server refuses, and what it stores for the ServiceAccount plugin's corner cases,
recorded on a v1.33 server (tests/fixtures/recorded/refusals.json, scripts/record-refusals):
errors say the server's own reason and claim nothing the plugin did not check."""

from __future__ import annotations

import pytest

from kubectl_pods.diff.admission import own_token_volume
from kubectl_pods.diff.compare import diff_objects
from tests.apiserver.server import RunningApiServer
from tests.conftest import FIXTURES, load_json

RECORDED = load_json(FIXTURES / "recorded" / "refusals.json")
ANSWERS = {answer["case"]: answer for answer in RECORDED["answers"]}
SERVICE_ACCOUNT = {case["case"]: case for case in RECORDED["serviceAccount"]}


@pytest.fixture
def server(tmp_path):
    running = RunningApiServer({"Pod": []})
    running.kubeconfig = running.write_kubeconfig(tmp_path / "kubeconfig", namespace="h23-sa")
    yield running
    running.stop()


def _replay(server, case: str, path: str, method: str | None = None) -> str:
    answer = ANSWERS[case]
    server.fault(path=path, status=answer["status"], body=answer["body"], method=method)
    return answer["body"]["message"]


# -- ServiceAccount admission: mountServiceAccountToken -----------------------------------------------
@pytest.mark.parametrize("case", sorted(SERVICE_ACCOUNT))
def test_what_the_server_stored_for_a_volume_of_the_users_own_is_not_drift(case):
    recorded = SERVICE_ACCOUNT[case]
    assert diff_objects(recorded["manifest"], recorded["stored"]) == []


def test_the_recordings_show_the_rule():
    """The first `kube-api-access-...` volume of the pod is mounted in every container that has no
    mount at the token path, and no projected volume is added; a volume named only
    `kube-api-access` does not count."""
    for case in ("own-emptydir", "own-configmap-one-mount", "two-with-prefix"):
        spec, stored = SERVICE_ACCOUNT[case]["manifest"]["spec"], SERVICE_ACCOUNT[case]["stored"]["spec"]
        assert [v["name"] for v in stored["volumes"]] == [v["name"] for v in spec["volumes"]]
        mounted = {m["name"] for c in stored.get("initContainers", []) + stored["containers"]
                   for m in c.get("volumeMounts", []) if m["mountPath"].endswith("serviceaccount")}
        assert mounted == {own_token_volume(spec)["name"]}
    plain = SERVICE_ACCOUNT["prefix-only-no-dash"]
    assert own_token_volume(plain["manifest"]["spec"]) is None
    assert any("projected" in v for v in plain["stored"]["spec"]["volumes"])


def test_a_mount_the_plugin_would_not_make_is_still_drift():
    recorded = SERVICE_ACCOUNT["own-emptydir"]
    stored = load_json(FIXTURES / "recorded" / "refusals.json")["serviceAccount"][0]["stored"]
    stored["spec"]["containers"][0]["volumeMounts"][0]["mountPath"] = "/elsewhere"
    assert {(c["path"], c["type"]) for c in diff_objects(recorded["manifest"], stored)} == {
        ("spec.containers[name=app].volumeMounts[mountPath=/elsewhere]", "added"),
        ("spec.containers[name=app].volumeMounts[mountPath=/var/run/secrets/kubernetes.io/serviceaccount]", "removed")}


# -- a 403 says the server's reason ---------------------------------------------------------------
def test_a_forbidden_list_says_the_servers_reason_and_claims_nothing_more(server, cli):
    message = _replay(server, "rbac-list", "/pods")
    code, out, err = cli("explain", "--kubeconfig", server.kubeconfig)
    assert (code, out) == (2, "")
    assert err == f'error: the server refused to list pods in namespace "h23-sa" (403 Forbidden): {message}\n'
    assert "can-i" not in err


def test_a_forbidden_list_of_every_namespace_suggests_one(server, cli):
    message = _replay(server, "rbac-list-all-namespaces", "/pods")
    code, _, err = cli("explain", "-A", "--kubeconfig", server.kubeconfig)
    assert code == 2
    assert err == (f"error: the server refused to list pods at cluster scope (403 Forbidden): {message}; "
                   "use -n NAMESPACE to read one namespace\n")


def _dry_run_refused(server, cli, tmp_path, pod_name: str, recording: str):
    """`diff -f POD --server-dry-run` of a live pod, the create answered with a recorded refusal:
    (exit code, stdout, stderr, the server's message)."""
    import yaml

    live = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": pod_name, "namespace": "h23-sa", "uid": "1"},
            "spec": {"containers": [{"name": "app", "image": "localhost/busybox:1"}]}}
    server.add(live)
    message = _replay(server, recording, "/pods", method="POST")
    manifest = tmp_path / "pod.yaml"
    manifest.write_text(yaml.safe_dump(live))
    code, out, err = cli("diff", "-f", str(manifest), "--server-dry-run", "--kubeconfig", server.kubeconfig)
    return code, out, err, message


def test_a_dry_run_in_a_namespace_being_deleted_says_so_and_no_permission(server, cli, tmp_path):
    code, out, err, message = _dry_run_refused(server, cli, tmp_path, "held", "namespace-terminating")
    assert (code, out) == (2, "")
    assert err == ('error: --server-dry-run (a create with dryRun=All, which stores nothing): namespace "h23-sa" is '
                   'being deleted (Terminating): the server refused to create pods in namespace "h23-sa": '
                   f"{message}\n")
    assert "permission" not in err


def test_a_dry_run_refused_by_rbac_says_the_servers_reason(server, cli, tmp_path):
    code, _, err, message = _dry_run_refused(server, cli, tmp_path, "web", "rbac-dry-run-create")
    assert code == 2
    assert err == ("error: --server-dry-run (a create with dryRun=All, which stores nothing): the server refused to "
                   f'create pods in namespace "h23-sa" (403 Forbidden): {message}\n')
    assert 'cannot create resource "pods"' in err  # the permission claim is the server's own
