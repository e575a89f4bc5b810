"""Through the real `kubectl` binary: plugin discovery, help, and a command against the server."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not on PATH")
BIN = Path(sys.executable).parent


def kubectl(*args, env_extra=None, stdin=None):
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", **(env_extra or {})}
    return subprocess.run(["kubectl", *args], capture_output=True, text=True, env=env, input=stdin, timeout=60)


def test_plugin_list_finds_the_plugin():
    result = kubectl("plugin", "list")
    assert str(BIN / "kubectl-pods") in result.stdout


def test_help_says_kubectl_pods():
    result = kubectl("pods", "--help")
    assert result.returncode == 0
    assert "kubectl pods" in result.stdout and "kubectl-pods [" not in result.stdout


def test_a_command_reaches_the_test_server(kubeconfig, apiserver):
    result = kubectl("pods", "explain", "st-0001", "--kubeconfig", kubeconfig, "-o", "json")
    assert result.returncode == 0, result.stderr
    [item] = json.loads(result.stdout)["items"]
    assert item["name"] == "st-0001" and item["namespace"] == "oracle-status"
    assert any(r.path == "/api/v1/namespaces/oracle-status/pods/st-0001" for r in apiserver.requests)


def test_kubectl_itself_accepts_the_test_server(kubeconfig):
    result = kubectl("get", "pods", "-n", "oracle-drift", "-o", "name", "--kubeconfig", kubeconfig)
    assert result.returncode == 0, result.stderr
    assert "pod/d-img-metrics" in result.stdout.split()


def test_errors_through_kubectl_are_one_line(tmp_path):
    result = kubectl("pods", "explain", "-f", str(tmp_path / "missing.yaml"))
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and result.stderr.startswith("error: ")


def test_ctrl_c_ends_a_watch_run_through_kubectl_with_130(kubeconfig, apiserver):
    """kubectl execs the plugin in its own place, so Ctrl-C (SIGINT to the process group) reaches
    the plugin itself: exit 130, no traceback."""
    import signal

    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    process = subprocess.Popen(["kubectl", "pods", "explain", "st-0001", "--watch", "--until", "never",
                                "--kubeconfig", kubeconfig], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env=env, start_new_session=True)
    try:
        first = process.stdout.readline()
        apiserver.wait_for_watches("Pod", 1)
        os.killpg(process.pid, signal.SIGINT)
        code = process.wait(timeout=20)
    finally:
        process.kill()
    assert "st-0001" in first and "now:" in first
    assert code == 130
    assert "Traceback" not in process.stderr.read()
