"""Test fixtures: the recorded corpora in tests/fixtures (see its README), the loopback API server, the CLI."""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path

import pytest
from hypothesis import settings

from tests.apiserver.server import RunningApiServer

# No deadlines anywhere: a loaded 2-core CI machine must not fail a property for being slow.
settings.register_profile("kubectl-pods", deadline=None)
settings.load_profile("kubectl-pods")

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
ORACLE = FIXTURES / "oracle"
KUBELET = FIXTURES / "kubelet"
VERSIONS = FIXTURES / "versions"


@functools.lru_cache(maxsize=None)
def _load_json_cached(path: Path):
    return json.loads(path.read_text())


def load_json(path: Path):
    """A fresh copy each call, so that no test can change what another one reads."""
    return copy.deepcopy(_load_json_cached(path))


def oracle_cases(name: str) -> list[dict]:
    return load_json(ORACLE / name)


def kubelet_traces() -> list[Path]:
    return sorted(KUBELET.glob("*.json"))


def seed_objects() -> dict[str, list[dict]]:
    """Every object of the oracle corpus, as the server stored it."""
    objects: dict[str, list[dict]] = {}
    for case in oracle_cases("status-table.json"):
        objects.setdefault("Pod", []).append(case["pod"])
    for case in oracle_cases("drift.json"):
        objects.setdefault("Pod", []).append(case["live"])
    for case in oracle_cases("defaulting.json"):
        objects.setdefault(case["live"]["kind"], []).append(case["live"])
    return objects


@pytest.fixture(autouse=True)
def no_kubeconfig_of_the_machine(monkeypatch):
    """No test reaches the cluster of whoever runs it through KUBECONFIG (scaffold reads its version)."""
    monkeypatch.delenv("KUBECONFIG", raising=False)


@pytest.fixture
def apiserver():
    server = RunningApiServer(seed_objects())
    yield server
    server.stop()


@pytest.fixture
def kubeconfig(apiserver, tmp_path) -> str:
    return apiserver.write_kubeconfig(tmp_path / "kubeconfig", namespace="oracle-status",
                                      extra_contexts={"drift": "oracle-drift", "defaults": "oracle-defaulting"})


@pytest.fixture
def cli(capsys, monkeypatch):
    """Run `kubectl pods ARGS` in-process, with `stdin` as standard input: (exit code, stdout, stderr)."""
    import io

    from kubectl_pods.cli import main

    def run(*args: str, stdin: str | None = None):
        if stdin is not None:
            monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = main(list(args))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


@pytest.fixture(scope="session")
def pki(tmp_path_factory):
    """A CA, a serving certificate for 127.0.0.1 and apiserver.test, and client certificates."""
    import shutil

    from tests.apiserver.tls import make_pki

    if shutil.which("openssl") is None:
        pytest.skip("the openssl command makes the test certificates")

    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def tls_apiserver(pki):
    """The test API server over HTTPS, authenticating as kube-apiserver does (client
    certificates of its CA, known bearer tokens; anything else is 401)."""
    server = RunningApiServer(seed_objects(), pki)
    yield server
    server.stop()
