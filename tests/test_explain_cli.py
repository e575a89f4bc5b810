"""explain end to end: files and stdin, the live test server with events, many pods, golden text."""

from __future__ import annotations

import json
import os
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import oracle_cases

ROOT = Path(__file__).resolve().parent
GOLDEN = ROOT / "golden" / "explain"
SCHEMA = json.loads((ROOT.parent / "docs" / "explain-schema.json").read_text())
DEMO = ROOT / "golden" / "checkout-pod.yaml"


def golden(name: str, text: str):
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text()


@pytest.mark.parametrize("version", ["1.27", "1.29", "1.35"])
def test_golden_explanation_of_the_demo_pod(cli, version):
    code, out, err = cli("explain", "-f", str(DEMO), "--k8s-version", version, "--what-if", "migrate=exit:1",
                         "--what-if", "api=exit:0")
    assert code == 0, err
    golden(f"checkout-{version}.txt", out)


def test_golden_predicted_timeline(cli):
    code, out, _ = cli("explain", "-f", str(DEMO), "--timeline", "--k8s-version", "1.35")
    assert code == 0
    golden("checkout-timeline.txt", out)


@pytest.mark.parametrize("output", ["json", "yaml"])
def test_structured_output_follows_the_documented_schema(cli, output):
    import yaml

    code, out, _ = cli("explain", "-f", str(DEMO), "-o", output, "--what-if", "mesh-proxy=exit:137")
    report = json.loads(out) if output == "json" else yaml.safe_load(out)
    jsonschema.validate(report, SCHEMA)
    [item] = report["items"]
    assert item["startupOrder"] == [["wait-for-db"], ["log-shipper"], ["fetch-config"], ["migrate"],
                                    ["mesh-proxy"], ["api", "worker"]]
    assert item["terminationOrder"] == [["api", "worker"], ["mesh-proxy"], ["log-shipper"]]
    assert item["ready"] == "0/4" and item["status"] is None


def test_stdin_pipeline_from_scaffold(cli, monkeypatch):
    import io

    code, manifest, _ = cli("scaffold", "sidecar", "web", "--image", "nginx")
    monkeypatch.setattr("sys.stdin", io.StringIO(manifest))
    code, out, _ = cli("explain", "-f", "-", "-o", "json")
    [item] = json.loads(out)["items"]
    assert code == 0 and item["startupOrder"] == [["log-shipper"], ["app"]] and item["source"] == "<stdin>"


def test_live_pod_with_events_against_the_test_server(cli, kubeconfig, apiserver):
    crashing = next(c for c in oracle_cases("status-table.json") if c["parsed"]["status"] == "Init:CrashLoopBackOff")
    name = crashing["pod"]["metadata"]["name"]
    apiserver.add({"kind": "Event", "metadata": {"name": "ev", "namespace": "oracle-status"},
                   "involvedObject": {"kind": "Pod", "name": name, "fieldPath": "spec.initContainers{fetch-config}"},
                   "type": "Warning", "reason": "BackOff", "message": "Back-off restarting failed container",
                   "lastTimestamp": "2026-11-24T06:14:16Z", "count": 3})
    code, out, err = cli("explain", name, "--kubeconfig", kubeconfig, "-o", "json")
    assert code == 0, err
    [item] = json.loads(out)["items"]
    jsonschema.validate(json.loads(out), SCHEMA)
    assert item["status"] == "Init:CrashLoopBackOff"
    assert item["events"][0]["reason"] == "BackOff" and item["events"][0]["container"] == "fetch-config"
    assert item["blockedBy"]["container"] and "crash-looping" in item["blockedBy"]["reason"]
    code, text, _ = cli("explain", name, "--kubeconfig", kubeconfig)
    assert "Blocked: " in text and "BackOff" in text


def test_many_pods_are_one_line_each_and_grouped(cli, kubeconfig):
    code, out, _ = cli("explain", "--kubeconfig", kubeconfig)
    lines = out.strip().splitlines()
    assert code == 0 and lines[0].split()[:4] == ["NAME", "STATUS", "READY", "RESTARTS"]
    total, groups = map(int, lines[-1].split(" pods in ")[0:1] + [lines[-1].split(" pods in ")[1].split()[0]])
    assert total == 194 and 1 < groups < 194 and len(lines) == groups + 2
    code, out, _ = cli("explain", "-A", "--kubeconfig", kubeconfig)
    assert out.splitlines()[0].startswith("NAMESPACE")


def test_wide_gives_details_for_each_pod(cli, kubeconfig):
    code, out, _ = cli("explain", "--kubeconfig", kubeconfig, "-l", "app=oracle",
                       "--field-selector", "metadata.name=st-0001", "-o", "wide")
    assert code == 0 and out.count("Startup order") == 1 and "Termination order" in out


def test_unknown_what_if_container(cli):
    code, _, err = cli("explain", "-f", str(DEMO), "--what-if", "ghost=exit:1")
    assert code == 2 and "has no container 'ghost'" in err
