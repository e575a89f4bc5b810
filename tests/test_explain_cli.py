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


def _recorded_pod(trace_name: str) -> tuple[dict, list[dict]]:
    """The pod of a kubelet trace as its last snapshot saw it, and the trace's events as Events."""
    trace = json.loads((ROOT / "fixtures" / "kubelet" / f"{trace_name}.json").read_text())
    pod = dict(trace["pod_created"], status=trace["snapshots"][-1]["status"])
    events = [{"type": e["type"], "reason": e["reason"], "message": e["message"], "count": e["count"],
               "firstTimestamp": e["firstTimestamp"], "lastTimestamp": e["lastTimestamp"],
               "involvedObject": {"fieldPath": e.get("fieldPath")}} for e in trace["events"]]
    return pod, events


def test_golden_timeline_of_a_recorded_trace_ends_at_its_last_recorded_moment(cli, tmp_path):
    pod, _ = _recorded_pod("app-crashloop-always")
    path = tmp_path / "pod.json"
    path.write_text(json.dumps(pod))
    code, out, err = cli("explain", "-f", str(path), "--timeline")
    assert code == 0, err
    golden("app-crashloop-always-timeline.txt", out)
    assert "2026-11-24T06:54:1" in out.splitlines()[0]  # the record's end, whatever today is


def test_a_week_of_idle_time_is_drawn_as_a_break():
    from datetime import timedelta

    from kubectl_pods.explain import explain_pod
    from kubectl_pods.kube.timefmt import parse_time
    from kubectl_pods.render.timeline import BREAK, render_timeline
    from kubectl_pods.sources import PodInput

    pod, events = _recorded_pod("init-fails-never")
    last = max(parse_time(e["lastTimestamp"]) for e in events)
    week_later = (last + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ")
    events.append({"type": "Normal", "reason": "Killing", "message": "Stopping container", "count": 1,
                   "lastTimestamp": week_later, "involvedObject": {"fieldPath": "spec.containers{app}"}})
    item = explain_pod(PodInput(pod=pod, source="file"), (1, 33), None, events=events)
    chart = render_timeline(item, None)
    assert "≈ 6d23h with nothing running, cut out" in chart.splitlines()[-1]  # the legend
    rows = [line for line in chart.splitlines() if "|" in line]
    assert rows and all(BREAK * 2 in row for row in rows)
    assert max(row.count("#") for row in rows) > 3  # the runs keep their width: not one column each
