"""kubectl's connection flags side by side with kubectl on a real API server, under RBAC:
`python scripts/compare_flags_real.py ADMIN_KUBECONFIG PKI_DIR [NAMESPACE]` prints a Markdown
table, a row a case: `kubectl get pod` and `kubectl pods explain` with the same flags, each one's
exit code and first line of stderr, and whether both succeeded or both were refused alike.

It sets up (idempotently) NAMESPACE (default h22-flags) with a pod that no node runs, a
ServiceAccount `reader` allowed only get/list/watch of pods and events there, a token for it
(`kubectl create token`), and kubeconfigs: the reader's (token), one without credentials, one
without the CA. PKI_DIR holds the server's `ca.crt` and the admin's `admin.crt`/`admin.key` (the
client certificate of a real kube-apiserver started on loopback).
Writes nothing but those objects in NAMESPACE. tests/test_kubectl_flags.py is the same comparison
on the test API server, run by CI; this is what was seen on a real one (docs/kubectl-flags.md).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROLE = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "reader"},
        "rules": [{"apiGroups": [""], "resources": ["pods", "events"], "verbs": ["get", "list", "watch"]}]}
POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "flagpod"},
       "spec": {"containers": [{"name": "app", "image": "localhost/busybox:1", "imagePullPolicy": "Never",
                                "command": ["sleep", "3600"]}]}}


def run(args: list[str], stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(args, input=stdin, capture_output=True, text=True, timeout=120)


def setup(admin: str, namespace: str) -> str:
    kubectl = ["kubectl", "--kubeconfig", admin]
    run([*kubectl, "create", "namespace", namespace])
    run([*kubectl, "create", "serviceaccount", "default", "-n", namespace])
    run([*kubectl, "create", "serviceaccount", "reader", "-n", namespace])
    run([*kubectl, "apply", "-n", namespace, "-f", "-"], json.dumps(ROLE))
    run([*kubectl, "create", "rolebinding", "reader", "-n", namespace, "--role", "reader",
         f"--serviceaccount={namespace}:reader"])
    run([*kubectl, "apply", "-n", namespace, "-f", "-"], json.dumps(POD))
    token = run([*kubectl, "create", "token", "reader", "-n", namespace, "--duration", "1h"])
    if token.returncode != 0:
        raise SystemExit(token.stderr)
    return token.stdout.strip()


def kubeconfig(path: Path, server: str, cluster: dict, user: dict, namespace: str) -> str:
    path.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "real",
        "clusters": [{"name": "real", "cluster": {"server": server, **cluster}}],
        "users": [{"name": "u", "user": user}],
        "contexts": [{"name": "real", "context": {"cluster": "real", "user": "u", "namespace": namespace}}]}))
    return str(path)


def _b64(path: Path) -> str:
    import base64

    return base64.b64encode(path.read_bytes()).decode()


def first_error(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.startswith(("error", "Error"))]
    return (lines[-1] if lines else stderr.strip().splitlines()[-1] if stderr.strip() else "")[:160]


def main() -> int:
    admin, pki = sys.argv[1], Path(sys.argv[2])
    namespace = sys.argv[3] if len(sys.argv) > 3 else "h22-flags"
    token = setup(admin, namespace)
    config = yaml.safe_load(Path(admin).read_text())
    server = config["clusters"][0]["cluster"]["server"]
    ca = {"certificate-authority": str(pki / "ca.crt")}
    work = Path(tempfile.mkdtemp())
    reader = kubeconfig(work / "reader", server, ca, {"token": token}, namespace)
    nobody = kubeconfig(work / "nobody", server, ca, {}, namespace)
    no_ca = kubeconfig(work / "no-ca", server, {}, {"token": token}, namespace)
    elsewhere = kubeconfig(work / "elsewhere", "https://127.0.0.1:9", ca, {"token": token}, namespace)
    (work / "token").write_text(token)
    token_file = kubeconfig(work / "token-file", server, ca, {"tokenFile": str(work / "token")}, namespace)
    credential = json.dumps({"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential",
                             "status": {"token": token}})
    exec_plugin = kubeconfig(work / "exec", server, ca, {"exec": {
        "apiVersion": "client.authentication.k8s.io/v1", "command": sys.executable, "interactiveMode": "Never",
        "args": ["-c", "import os; print(os.environ['CREDENTIAL'])"],
        "env": [{"name": "CREDENTIAL", "value": credential}]}}, namespace)
    with_data = kubeconfig(work / "cert-data", server, {"certificate-authority-data": _b64(pki / "ca.crt")}, {
        "client-certificate-data": _b64(pki / "admin.crt"), "client-key-data": _b64(pki / "admin.key")}, namespace)
    sa = f"system:serviceaccount:{namespace}:reader"
    cert, key = str(pki / "admin.crt"), str(pki / "admin.key")
    cases = [
        ("reader's token (kubeconfig)", reader, []),
        ("reader's token (kubeconfig tokenFile)", token_file, []),
        ("reader's token (kubeconfig exec plugin)", exec_plugin, []),
        ("admin's certificate and key, CA (kubeconfig data)", with_data, []),
        ("reader, another namespace", reader, ["-n", "default"]),
        ("--token", nobody, ["--token", token]),
        ("--token (wrong)", nobody, ["--token", "not-a-token"]),
        ("--as the reader (admin)", admin, ["--as", sa, "-n", namespace]),
        ("--as the reader, another namespace", admin, ["--as", sa, "-n", "default"]),
        ("--as jane --as-group devs (admin)", admin, ["--as", "jane", "--as-group", "devs", "--as-group", "ops",
                                                      "-n", namespace]),
        ("--as jane --as-uid 42 (admin)", admin, ["--as", "jane", "--as-uid", "42", "-n", namespace]),
        ("--as jane (reader may not impersonate)", reader, ["--as", "jane"]),
        ("--as-group without --as", admin, ["--as-group", "devs", "-n", namespace]),
        ("--client-certificate --client-key", nobody, ["--client-certificate", cert, "--client-key", key]),
        ("--client-certificate without a key", nobody, ["--client-certificate", cert]),
        ("-s (kubeconfig points elsewhere)", elsewhere, ["-s", server]),
        ("without -s (kubeconfig points elsewhere)", elsewhere, []),
        ("no CA", no_ca, []),
        ("--insecure-skip-tls-verify", no_ca, ["--insecure-skip-tls-verify"]),
        ("--certificate-authority", no_ca, ["--certificate-authority", str(pki / "ca.crt")]),
        ("--tls-server-name kubernetes.default.svc", reader, ["--tls-server-name", "kubernetes.default.svc"]),
        ("--tls-server-name other.test", reader, ["--tls-server-name", "other.test"]),
    ]
    env = {**os.environ, "KUBECONFIG": ""}
    print("| case | kubectl get pod | kubectl pods explain | alike |\n|---|---|---|---|")
    differ = 0
    for name, kube, flags in cases:
        common = ["--kubeconfig", kube, *flags]
        theirs = subprocess.run(["kubectl", "get", "pod", "flagpod", *common], capture_output=True, text=True, env=env)
        ours = subprocess.run(["kubectl", "pods", "explain", "flagpod", *common], capture_output=True, text=True, env=env)
        alike = (theirs.returncode == 0) == (ours.returncode == 0)
        differ += not alike
        print(f"| {name} | {theirs.returncode}: {first_error(theirs.stderr) or 'ok'} | "
              f"{ours.returncode}: {first_error(ours.stderr) or 'ok'} | {'yes' if alike else 'NO'} |".replace(token, "TOKEN"))
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
