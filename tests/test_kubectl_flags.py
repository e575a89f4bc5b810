"""kubectl's global connection flags, side by side with kubectl itself: `kubectl get pod` and
`kubectl pods explain` with the same flags against the same test API server (TLS, RBAC,
impersonation: tests/apiserver/). Each case checks that both succeed or both are refused, that
the refusal is the same (the server's words, or kubectl's own for what it refuses before
sending anything), and that the server served both as the same user with the same groups.
kubectl exits 1 on an error where kubectl-pods exits 2 (the project's exit codes): compared
as success or refusal."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass

import pytest

from tests.apiserver.rbac import Identity, RoleBinding
from tests.apiserver.tls import SERVER_NAME, make_pki

pytestmark = pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not on PATH")
POD, NAMESPACE = "st-0001", "oracle-status"
READ = [{"verbs": ["get", "list", "watch"], "apiGroups": [""], "resources": ["pods", "events"]}]
IMPERSONATE = [{"verbs": ["impersonate"], "apiGroups": ["", "authentication.k8s.io"],
                "resources": ["users", "groups", "uids"]}]


@dataclass
class Outcome:
    ok: bool
    stderr: str
    identities: set  # who the server served the pod reads as
    impersonation: set  # the Impersonate-* headers it received


def outcome(server, code: int, stderr: str, ours: bool) -> Outcome:
    mine = [r for r in server.requests if r.headers.get("user-agent", "").startswith("kubectl-pods/") == ours]
    reads = [r for r in mine if r.path.startswith(f"/api/v1/namespaces/{NAMESPACE}/pods")]
    return Outcome(code == 0, stderr, {r.identity for r in reads if r.identity is not None},
                   {(k, v) for r in mine for k, v in r.header_lines if k.startswith("impersonate-")})


def side_by_side(cli, server, kubeconfig: str, *flags: str) -> tuple[Outcome, Outcome]:
    common = ["--kubeconfig", kubeconfig, "-n", NAMESPACE, *flags]
    server.state.requests.clear()
    result = subprocess.run(["kubectl", "get", "pod", POD, *common], capture_output=True, text=True, timeout=60)
    theirs = outcome(server, result.returncode, result.stderr, ours=False)
    code, _, err = cli("explain", POD, "-o", "json", *common)
    ours = outcome(server, code, err, ours=True)
    assert theirs.ok == ours.ok, (theirs, ours)
    assert theirs.identities == ours.identities
    assert theirs.impersonation == ours.impersonation
    return theirs, ours


@pytest.fixture
def server(tls_apiserver):
    tls_apiserver.state.tokens.update({"tester-token": Identity("tester"), "other-token": Identity("other")})
    tls_apiserver.state.grants.update({"tester": RoleBinding(READ), "other": RoleBinding(READ),
                                       "jane": RoleBinding(READ, NAMESPACE), "alice": RoleBinding(READ)})
    return tls_apiserver


@pytest.fixture
def kubeconfig(server, tmp_path) -> str:
    return server.write_kubeconfig(tmp_path / "kc", NAMESPACE, user={"token": "tester-token"})


def test_as_impersonates_a_user(cli, server, kubeconfig):
    server.state.grants["tester"] = RoleBinding(READ + IMPERSONATE)
    theirs, ours = side_by_side(cli, server, kubeconfig, "--as", "jane")
    assert ours.ok and ours.identities == {Identity("jane", ("system:authenticated",))}
    assert ours.impersonation == {("impersonate-user", "jane")}


def test_as_without_the_right_to_impersonate_is_refused_alike(cli, server, kubeconfig):
    theirs, ours = side_by_side(cli, server, kubeconfig, "--as", "jane")
    said = 'users "jane" is forbidden: User "tester" cannot impersonate resource "users" in API group "" at the cluster scope'
    # kubectl meets the 403 at discovery first and prints "Error from server (Forbidden): unknown".
    assert not ours.ok and "Error from server (Forbidden)" in theirs.stderr
    assert ours.stderr == f"error: forbidden: {said}\n"  # the server's words, nothing claimed of pods


def test_as_group_repeated_and_as_uid(cli, server, kubeconfig):
    server.state.grants["tester"] = RoleBinding(READ + IMPERSONATE)
    theirs, ours = side_by_side(cli, server, kubeconfig, "--as", "jane", "--as-group", "devs",
                                "--as-group", "ops", "--as-uid", "42")
    assert ours.ok and ours.identities == {Identity("jane", ("devs", "ops", "system:authenticated"))}
    assert ours.impersonation == {("impersonate-user", "jane"), ("impersonate-group", "devs"),
                                  ("impersonate-group", "ops"), ("impersonate-uid", "42")}


def test_as_group_without_as_is_refused_before_any_request(cli, server, kubeconfig):
    theirs, ours = side_by_side(cli, server, kubeconfig, "--as-group", "devs")
    said = "requesting uid, groups or user-extra for tester without impersonating a user"
    assert not ours.ok and said in theirs.stderr and said in ours.stderr
    assert not [r for r in server.requests if r.path.startswith("/api/")]


def test_token_overrides_the_kubeconfig_user(cli, server, kubeconfig):
    theirs, ours = side_by_side(cli, server, kubeconfig, "--token", "other-token")
    assert ours.ok and ours.identities == {Identity("other")}


def test_a_wrong_token_is_refused_alike(cli, server, kubeconfig):
    theirs, ours = side_by_side(cli, server, kubeconfig, "--token", "wrong")
    assert not ours.ok and "You must be logged in to the server" in theirs.stderr
    assert "You must be logged in to the server (Unauthorized)" in ours.stderr
    assert "wrong" not in ours.stderr


@pytest.mark.parametrize("spelling", ["-s", "--server"])
def test_server_overrides_the_kubeconfig_cluster(cli, server, tmp_path, spelling, pki):
    config = server.write_kubeconfig(tmp_path / "kc2", NAMESPACE, user={"token": "tester-token"},
                                     cluster={"server": "https://127.0.0.1:9", "certificate-authority": str(pki.ca)})
    theirs, ours = side_by_side(cli, server, config, spelling, server.url)
    assert ours.ok and ours.identities == {Identity("tester")}
    theirs, ours = side_by_side(cli, server, config)
    assert not ours.ok and "127.0.0.1:9" in ours.stderr


def test_insecure_skip_tls_verify(cli, server, tmp_path, pki):
    no_ca = server.write_kubeconfig(tmp_path / "kc2", NAMESPACE, user={"token": "tester-token"}, cluster={})
    theirs, ours = side_by_side(cli, server, no_ca)
    assert not ours.ok and "certificate" in theirs.stderr and "CERTIFICATE_VERIFY_FAILED" in ours.stderr
    theirs, ours = side_by_side(cli, server, no_ca, "--insecure-skip-tls-verify")
    assert ours.ok and ours.identities == {Identity("tester")}
    # With the kubeconfig's CA too: the flag clears it (client_config.go getCluster), not an error.
    with_ca = server.write_kubeconfig(tmp_path / "kc3", NAMESPACE, user={"token": "tester-token"},
                                      cluster={"certificate-authority": str(pki.ca)})
    theirs, ours = side_by_side(cli, server, with_ca, "--insecure-skip-tls-verify=true")
    assert ours.ok


def test_certificate_authority(cli, server, tmp_path, pki):
    no_ca = server.write_kubeconfig(tmp_path / "kc2", NAMESPACE, user={"token": "tester-token"}, cluster={})
    theirs, ours = side_by_side(cli, server, no_ca, "--certificate-authority", str(pki.ca))
    assert ours.ok
    other = make_pki(tmp_path / "other")
    theirs, ours = side_by_side(cli, server, no_ca, "--certificate-authority", str(other.ca))
    assert not ours.ok


def test_client_certificate_and_key(cli, server, tmp_path, pki):
    cert, key = pki.client("alice", ("devs",))
    anonymous = server.write_kubeconfig(tmp_path / "kc2", NAMESPACE, user={})
    theirs, ours = side_by_side(cli, server, anonymous, "--client-certificate", str(cert), "--client-key", str(key))
    assert ours.ok and ours.identities == {Identity("alice", ("devs",))}
    theirs, ours = side_by_side(cli, server, anonymous, "--client-certificate", str(cert))
    said = "client-key-data or client-key must be specified for tester to use the clientCert authentication method."
    assert not ours.ok and said in theirs.stderr and said in ours.stderr


def test_tls_server_name(cli, server, kubeconfig):
    theirs, ours = side_by_side(cli, server, kubeconfig, "--tls-server-name", SERVER_NAME)
    assert ours.ok
    theirs, ours = side_by_side(cli, server, kubeconfig, "--tls-server-name", "other.test")
    assert not ours.ok and "other.test" in theirs.stderr and "other.test" in ours.stderr


@pytest.mark.parametrize("spelling", [["-v=6"], ["-v", "6"], ["--v=6"], ["-v6"]])
def test_log_level_six_prints_each_request_as_kubectl_does(cli, server, kubeconfig, spelling):
    theirs, ours = side_by_side(cli, server, kubeconfig, *spelling)
    line = re.compile(r'^I\d{4} [\d:.]+ +\d+ \S+\] "Response" verb="GET" url="(\S+)" status="200 OK" milliseconds=\d+$',
                      re.M)
    pod_url = f"{server.url}/api/v1/namespaces/{NAMESPACE}/pods/{POD}"
    assert pod_url in line.findall(theirs.stderr) and pod_url in line.findall(ours.stderr)


def test_log_levels_below_six_print_no_requests(cli, server, kubeconfig):
    theirs, ours = side_by_side(cli, server, kubeconfig, "-v=2")
    assert ours.ok and "Response" not in ours.stderr and "Response" not in theirs.stderr
