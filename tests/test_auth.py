"""Every way a kubeconfig authenticates, and every TLS setting of its cluster, against the test
API server in TLS mode (tests/apiserver/tls.py): the server says who each request was served as,
so each test checks the identity the credentials carried, not only that a command succeeded.
Credentials are loaded by the kubernetes client's loader, imported without its models
(kubectl_pods/sources/kubeconfig.py): these tests are what holds that import to working."""

from __future__ import annotations

import base64
import json
import socket
import socketserver
import ssl
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.apiserver.rbac import Identity
from tests.apiserver.tls import SERVER_NAME, make_pki

POD = "st-0001"
NAMESPACE = "oracle-status"


def explain(cli, kubeconfig: str, *flags: str):
    return cli("explain", POD, "--kubeconfig", kubeconfig, "-o", "json", *flags)


def served_as(server) -> set:
    return {r.identity for r in server.requests if r.path.startswith("/api/v1/namespaces/")}


def b64(path) -> str:
    return base64.b64encode(path.read_bytes()).decode()


def test_client_certificate_and_key_files(cli, tls_apiserver, pki, tmp_path):
    cert, key = pki.client("alice", ("devs",))
    config = tls_apiserver.write_kubeconfig(tmp_path / "kc", NAMESPACE,
                                            user={"client-certificate": str(cert), "client-key": str(key)})
    code, out, err = explain(cli, config)
    assert code == 0, err
    assert served_as(tls_apiserver) == {Identity("alice", ("devs",))}


def test_client_certificate_and_key_files_relative_to_the_kubeconfig(cli, tls_apiserver, pki, tmp_path):
    cert, key = pki.client("alice", ("devs",))
    (tmp_path / "a.crt").write_bytes(cert.read_bytes())
    (tmp_path / "a.key").write_bytes(key.read_bytes())
    config = tls_apiserver.write_kubeconfig(tmp_path / "kc", NAMESPACE,
                                            user={"client-certificate": "a.crt", "client-key": "a.key"})
    code, out, err = explain(cli, config)
    assert code == 0, err
    assert served_as(tls_apiserver) == {Identity("alice", ("devs",))}


def test_client_certificate_and_key_data(cli, tls_apiserver, pki, tmp_path):
    cert, key = pki.client("bob")
    config = tls_apiserver.write_kubeconfig(tmp_path / "kc", NAMESPACE, user={
        "client-certificate-data": b64(cert), "client-key-data": b64(key)})
    code, out, err = explain(cli, config)
    assert code == 0, err
    assert served_as(tls_apiserver) == {Identity("bob")}


def test_bearer_token_and_a_wrong_one(cli, tls_apiserver, tmp_path):
    tls_apiserver.state.tokens["s3cret"] = Identity("carol", ("ops",))
    config = tls_apiserver.write_kubeconfig(tmp_path / "kc", NAMESPACE, user={"token": "s3cret"})
    code, out, err = explain(cli, config)
    assert code == 0, err
    assert served_as(tls_apiserver) == {Identity("carol", ("ops",))}
    wrong = tls_apiserver.write_kubeconfig(tmp_path / "kc2", NAMESPACE, user={"token": "nope"})
    code, out, err = explain(cli, wrong)
    assert code == 2 and "You must be logged in to the server (Unauthorized)" in err
    assert "nope" not in err and "s3cret" not in err  # never print credentials


def test_token_file(cli, tls_apiserver, tmp_path):
    tls_apiserver.state.tokens["from-a-file"] = Identity("dave")
    (tmp_path / "token").write_text("from-a-file")
    config = tls_apiserver.write_kubeconfig(tmp_path / "kc", NAMESPACE, user={"tokenFile": str(tmp_path / "token")})
    code, out, err = explain(cli, config)
    assert code == 0, err
    assert served_as(tls_apiserver) == {Identity("dave")}


PLUGIN = """
import json, os, sys
info = json.loads(os.environ["KUBERNETES_EXEC_INFO"])
with open(os.environ["PLUGIN_LOG"], "a") as log:
    log.write(json.dumps({"args": sys.argv[1:], "info": info, "greeting": os.environ.get("GREETING")}) + "\\n")
if os.environ.get("PLUGIN_FAILS"):
    print("no credentials for you", file=sys.stderr)
    sys.exit(3)
status = json.loads(os.environ["PLUGIN_STATUS"])
print(json.dumps({"apiVersion": info["apiVersion"], "kind": "ExecCredential", "status": status}))
"""


def exec_user(tmp_path, status: dict, mode: str = "Never", fails: bool = False) -> dict:
    script = tmp_path / "plugin.py"
    script.write_text(PLUGIN)
    env = [{"name": "PLUGIN_LOG", "value": str(tmp_path / "plugin.log")},
           {"name": "PLUGIN_STATUS", "value": json.dumps(status)}, {"name": "GREETING", "value": "hello"}]
    if fails:
        env.append({"name": "PLUGIN_FAILS", "value": "1"})
    return {"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": sys.executable,
                     "args": [str(script), "--audience", "kube"], "env": env,
                     "provideClusterInfo": True, "interactiveMode": mode}}


def plugin_runs(tmp_path) -> list[dict]:
    log = tmp_path / "plugin.log"
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def rfc3339(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_exec_plugin_env_args_cluster_info_and_a_long_expiry(cli, tls_apiserver, tmp_path):
    tls_apiserver.state.tokens["exec-token"] = Identity("erin")
    later = rfc3339(datetime.now(timezone.utc) + timedelta(hours=1))
    config = tls_apiserver.write_kubeconfig(tmp_path / "kc", NAMESPACE, user=exec_user(
        tmp_path, {"token": "exec-token", "expirationTimestamp": later}))
    code, out, err = explain(cli, config)
    assert code == 0, err
    assert served_as(tls_apiserver) == {Identity("erin")}
    [run] = plugin_runs(tmp_path)  # a credential that has not expired is used for every request
    assert run["args"] == ["--audience", "kube"] and run["greeting"] == "hello"
    assert run["info"]["kind"] == "ExecCredential" and run["info"]["spec"]["interactive"] is False
    assert run["info"]["spec"]["cluster"]["server"] == tls_apiserver.url  # provideClusterInfo


def test_exec_plugin_runs_again_when_its_credential_expires(cli, tls_apiserver, tmp_path):
    tls_apiserver.state.tokens["short-lived"] = Identity("erin")
    # Within the client's 5-minute skew (kube_config.py EXPIRY_SKEW_PREVENTION_DELAY): expired.
    soon = rfc3339(datetime.now(timezone.utc) + timedelta(minutes=1))
    config = tls_apiserver.write_kubeconfig(tmp_path / "kc", NAMESPACE, user=exec_user(
        tmp_path, {"token": "short-lived", "expirationTimestamp": soon}))
    code, out, err = explain(cli, config)
    assert code == 0, err
    requests = [r for r in tls_apiserver.requests if r.identity is not None]
    assert len(plugin_runs(tmp_path)) > len(requests) >= 3


def test_exec_plugin_client_certificate(cli, tls_apiserver, pki, tmp_path):
    cert, key = pki.client("frank")
    config = tls_apiserver.write_kubeconfig(tmp_path / "kc", NAMESPACE, user=exec_user(
        tmp_path, {"clientCertificateData": cert.read_text(), "clientKeyData": key.read_text()}))
    code, out, err = explain(cli, config)
    assert code == 0, err
    assert served_as(tls_apiserver) == {Identity("frank")}


def test_exec_plugin_that_fails_is_one_error_line(cli, tls_apiserver, tmp_path):
    config = tls_apiserver.write_kubeconfig(tmp_path / "kc", NAMESPACE, user=exec_user(tmp_path, {}, fails=True))
    code, out, err = explain(cli, config)
    assert code == 2
    assert err.strip() == "error: getting credentials: exec: process returned 3. no credentials for you"
    assert not [r for r in tls_apiserver.requests if r.path.startswith("/api/v1/namespaces/")]


def test_exec_plugin_interactive_always_without_a_terminal_is_refused(cli, tls_apiserver, tmp_path):
    """client-go exec.go isInteractive: `Always` needs a terminal on standard input (pytest's
    stdin is not one)."""
    config = tls_apiserver.write_kubeconfig(tmp_path / "kc", NAMESPACE, user=exec_user(
        tmp_path, {"token": "x"}, mode="Always"))
    code, out, err = explain(cli, config)
    assert code == 2
    assert err.strip() == "error: exec plugin cannot support interactive mode: standard input is not a terminal"
    assert plugin_runs(tmp_path) == []


def jwt(claims: dict) -> str:
    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")
    return f"{part({'alg': 'none'})}.{part(claims)}.c2ln"


class IdentityProvider:
    """An OpenID provider on 127.0.0.1 (HTTPS, the test CA): discovery and a token endpoint
    that trades the refresh token for a new id token."""

    def __init__(self, pki, new_id_token: str):
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _json(self, body: dict):
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                self._json({"issuer": provider.url, "token_endpoint": f"{provider.url}/token"})

            def do_POST(self):
                provider.refreshed.append(self.rfile.read(int(self.headers["Content-Length"])).decode())
                self._json({"id_token": new_id_token, "refresh_token": "refresh-2", "access_token": "a",
                            "token_type": "Bearer", "expires_in": 3600})

        self.refreshed: list[str] = []
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(pki.server_cert, pki.server_key)
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def oidc_user(id_token: str, issuer: str, pki) -> dict:
    return {"auth-provider": {"name": "oidc", "config": {
        "client-id": "kubectl", "client-secret": "client-secret", "id-token": id_token,
        "refresh-token": "refresh-1", "idp-issuer-url": issuer, "idp-certificate-authority": str(pki.ca)}}}


def test_oidc_auth_provider_id_token(cli, tls_apiserver, pki, tmp_path):
    token = jwt({"sub": "grace", "exp": int(time.time()) + 3600})
    tls_apiserver.state.tokens[token] = Identity("grace")
    config = tls_apiserver.write_kubeconfig(tmp_path / "kc", NAMESPACE,
                                            user=oidc_user(token, "https://127.0.0.1:9", pki))
    code, out, err = explain(cli, config)
    assert code == 0, err
    assert served_as(tls_apiserver) == {Identity("grace")}


def test_oidc_auth_provider_refreshes_an_expired_id_token(cli, tls_apiserver, pki, tmp_path):
    fresh = jwt({"sub": "grace", "exp": int(time.time()) + 3600})
    tls_apiserver.state.tokens[fresh] = Identity("grace")
    provider = IdentityProvider(pki, fresh)
    try:
        expired = jwt({"sub": "grace", "exp": int(time.time()) - 60})
        path = tmp_path / "kc"
        config = tls_apiserver.write_kubeconfig(path, NAMESPACE, user=oidc_user(expired, provider.url, pki))
        before = path.read_text()
        code, out, err = explain(cli, config)
        assert code == 0, err
        assert served_as(tls_apiserver) == {Identity("grace")}
        assert len(provider.refreshed) == 1 and "refresh-1" in provider.refreshed[0]
        assert path.read_text() == before  # the refreshed token is never written to the kubeconfig
    finally:
        provider.stop()


def test_ca_file_and_ca_data(cli, tls_apiserver, pki, tmp_path):
    tls_apiserver.state.tokens["t"] = Identity("heidi")
    by_file = tls_apiserver.write_kubeconfig(tmp_path / "kc1", NAMESPACE, user={"token": "t"},
                                             cluster={"certificate-authority": str(pki.ca)})
    by_data = tls_apiserver.write_kubeconfig(tmp_path / "kc2", NAMESPACE, user={"token": "t"},
                                             cluster={"certificate-authority-data": b64(pki.ca)})
    for config in (by_file, by_data):
        code, out, err = explain(cli, config)
        assert code == 0, err


def test_an_unknown_ca_is_refused_and_insecure_skip_tls_verify_accepts_it(cli, tls_apiserver, tmp_path):
    tls_apiserver.state.tokens["t"] = Identity("heidi")
    other = make_pki(tmp_path / "other-pki")
    refused = tls_apiserver.write_kubeconfig(tmp_path / "kc1", NAMESPACE, user={"token": "t"},
                                             cluster={"certificate-authority": str(other.ca)})
    code, out, err = explain(cli, refused)
    assert code == 2 and "CERTIFICATE_VERIFY_FAILED" in err and err.count("\n") == 1
    assert not tls_apiserver.requests  # refused in the handshake: nothing was asked
    insecure = tls_apiserver.write_kubeconfig(tmp_path / "kc2", NAMESPACE, user={"token": "t"},
                                              cluster={"insecure-skip-tls-verify": True})
    code, out, err = explain(cli, insecure)
    assert code == 0, err
    assert err == ""  # no warning about the unverified connection on stderr
    assert served_as(tls_apiserver) == {Identity("heidi")}


def test_tls_server_name(cli, tls_apiserver, pki, tmp_path):
    """The certificate names 127.0.0.1 and apiserver.test: a tls-server-name it carries is
    verified against it; one it does not carry fails, though the address is right."""
    tls_apiserver.state.tokens["t"] = Identity("ivan")
    right = tls_apiserver.write_kubeconfig(tmp_path / "kc1", NAMESPACE, user={"token": "t"}, cluster={
        "certificate-authority": str(pki.ca), "tls-server-name": SERVER_NAME})
    code, out, err = explain(cli, right)
    assert code == 0, err
    wrong = tls_apiserver.write_kubeconfig(tmp_path / "kc2", NAMESPACE, user={"token": "t"}, cluster={
        "certificate-authority": str(pki.ca), "tls-server-name": "other.test"})
    code, out, err = explain(cli, wrong)
    assert code == 2 and "other.test" in err


class ConnectProxy:
    """An HTTP proxy that tunnels CONNECT, and remembers where it tunnelled to."""

    def __init__(self):
        proxy = self
        self.tunnels: list[str] = []

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                request = self.rfile.readline().decode()
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                method, target, _ = request.split(" ", 2)
                proxy.tunnels.append(f"{method} {target}")
                host, port = target.rsplit(":", 1)
                upstream = socket.create_connection((host, int(port)))
                self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
                self.wfile.flush()

                def pump(source, sink):
                    try:
                        while data := source.recv(65536):
                            sink.sendall(data)
                    except OSError:
                        pass
                    finally:
                        sink.close()

                threading.Thread(target=pump, args=(upstream, self.connection), daemon=True).start()
                pump(self.connection, upstream)

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def test_proxy_url(cli, tls_apiserver, pki, tmp_path):
    tls_apiserver.state.tokens["t"] = Identity("judy")
    proxy = ConnectProxy()
    try:
        config = tls_apiserver.write_kubeconfig(tmp_path / "kc", NAMESPACE, user={"token": "t"}, cluster={
            "certificate-authority": str(pki.ca), "proxy-url": proxy.url})
        code, out, err = explain(cli, config)
        assert code == 0, err
        port = tls_apiserver.url.rsplit(":", 1)[1]
        assert proxy.tunnels and set(proxy.tunnels) == {f"CONNECT 127.0.0.1:{port}"}
        assert served_as(tls_apiserver) == {Identity("judy")}
    finally:
        proxy.stop()


@pytest.mark.parametrize("user,message", [
    ({"client-certificate": "/nonexistent.crt", "client-key": "/nonexistent.key"},
     "unable to read client-cert /nonexistent.crt for tester due to open /nonexistent.crt: no such file or directory"),
    ({"client-certificate-data": "eA==", "client-key": "/k", "client-key-data": "eA=="},
     "client-key-data and client-key are both specified for tester; client-key-data will override"),
    ({"token": "a", "username": "u", "password": "p"},
     "more than one authentication method found for tester; found [token basicAuth], only one is allowed"),
])
def test_what_kubectl_refuses_in_a_user_is_refused_in_its_words(cli, tls_apiserver, tmp_path, user, message):
    config = tls_apiserver.write_kubeconfig(tmp_path / "kc", NAMESPACE, user=user)
    code, out, err = explain(cli, config)
    assert code == 2 and message in err
    assert not tls_apiserver.requests
