"""Regression guards that measure no time: the requests each live command sends (the test API
server records them) and the modules a live command imports. What they cost is `bench/`'s to
measure; what they are is fixed here, so that a change adding a request per pod, a request
made twice, or the kubernetes client's model classes back on the import path, fails a test."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter

import pytest

from bench.compare import OWNERS, realistic_objects
from tests.apiserver.server import RunningApiServer
from tests.conftest import ROOT

PODS = 600  # two pages of 500


@pytest.fixture(scope="module")
def bench_server():
    server = RunningApiServer(realistic_objects(PODS))
    yield server
    server.stop()


@pytest.fixture
def sent(bench_server, cli, tmp_path):
    config = bench_server.write_kubeconfig(tmp_path / "kc", namespace="bench")

    def run(*args: str) -> Counter:
        bench_server.state.requests.clear()
        code, out, err = cli(*args, "--kubeconfig", config)
        assert code in (0, 1), err
        assert {r.method for r in bench_server.requests} == {"GET"}
        return Counter((r.path, r.query.get("fieldSelector"), "continue" in r.query) for r in bench_server.requests)

    return run


NS = "/api/v1/namespaces/bench"


def nodes_read(found: Counter) -> Counter:
    """The Node reads (the diagnosis reads a pod's node: lifecycle/scheduling.py), each once."""
    nodes = Counter({key: n for key, n in found.items() if key[0].startswith("/api/v1/nodes/")})
    assert set(nodes.values()) <= {1}
    return nodes


def test_explain_one_pod(sent):
    found = sent("explain", "applied")
    node = (pod["spec"].get("nodeName") for pod in realistic_objects(PODS)["Pod"] if pod["metadata"]["name"] == "applied")
    assert nodes_read(found) == Counter({(f"/api/v1/nodes/{name}", None, False): 1 for name in node if name})
    assert found - nodes_read(found) == Counter({
        ("/version", None, False): 1, (f"{NS}/pods/applied", None, False): 1,
        (f"{NS}/events", "involvedObject.name=applied", False): 1})


def test_explain_summary_reads_pages_and_no_events(sent):
    found = sent("explain", "-l", "app=bench")
    assert found - nodes_read(found) == Counter({
        ("/version", None, False): 1, (f"{NS}/pods", None, False): 1, (f"{NS}/pods", None, True): 1})


def test_explain_json_reads_the_namespace_events_once(sent):
    found = sent("explain", "-l", "app=bench", "-o", "json")
    assert found - nodes_read(found) == Counter({
        ("/version", None, False): 1, (f"{NS}/pods", None, False): 1, (f"{NS}/pods", None, True): 1,
        (f"{NS}/events", "involvedObject.kind=Pod", False): 1})


def test_diff_one_pod_against_its_last_applied_configuration(sent):
    assert sent("diff", "applied") == Counter({(f"{NS}/pods/applied", None, False): 1,
                                               (f"{NS}/limitranges", None, False): 1})


def test_diff_owner_reads_each_owner_once(sent):
    found = sent("diff", "--owner", "-l", "app=bench")
    owners = {key: n for key, n in found.items() if "/replicasets/" in key[0]}
    assert len(owners) == OWNERS and set(owners.values()) == {1}
    assert found - Counter(owners) == Counter({(f"{NS}/pods", None, False): 1, (f"{NS}/pods", None, True): 1,
                                               (f"{NS}/limitranges", None, False): 1})


# What loading credentials needs is kubernetes.config.kube_config and the modules it imports;
# not the API model classes, nor pydantic, nor requests/oauthlib (the oidc refresh's, imported
# when a refresh happens: tests/test_auth.py).
NEVER_ON_A_LIVE_COMMAND = ("kubernetes.client.models", "kubernetes.client.api", "kubernetes.client.api_client",
                           "kubernetes.dynamic", "kubernetes.watch", "pydantic", "requests", "oauthlib",
                           "requests_oauthlib", "rich")


@pytest.mark.parametrize("args", [["explain", "applied"], ["explain", "-l", "app=bench", "-o", "json"],
                                  ["diff", "applied"]], ids=" ".join)
def test_what_a_live_command_imports(bench_server, tmp_path, args):
    config = bench_server.write_kubeconfig(tmp_path / "kc", namespace="bench")
    code = ("import json, sys, io, contextlib\n"
            "from kubectl_pods.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"
            f"    code = main({[*args, '--kubeconfig', config]!r})\n"
            "print(json.dumps([code, sorted(sys.modules)]))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    exit_code, loaded = json.loads(result.stdout.splitlines()[-1])
    assert exit_code in (0, 1)
    assert "kubernetes.config.kube_config" in loaded  # the credentials' loader is the client's
    assert not [m for m in loaded if m.startswith(NEVER_ON_A_LIVE_COMMAND)]


def test_clusters_opened_at_once_in_a_fresh_process(bench_server, tmp_path):
    """Repeated --context opens the clusters on threads: the loader's module is imported once,
    under a lock (two threads importing it at once failed with `kubernetes.__spec__ is None`)."""
    config = bench_server.write_kubeconfig(tmp_path / "kc", namespace="bench", extra_contexts={"second": "bench"})
    result = subprocess.run([sys.executable, "-m", "kubectl_pods", "explain", "-l", "app=bench", "--context", "loopback",
                             "--context", "second", "--kubeconfig", config], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "2/2 clusters" in result.stdout
