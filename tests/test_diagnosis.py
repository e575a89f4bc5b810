"""explain's diagnosis over pods recorded on a real kubelet v1.33 (tests/fixtures/recorded/diagnosis-1.33.json,
scripts/record-diagnosis-fixtures): each served by the test API server with its events and its node
as the real server answered, explained as JSON and as text at the moment it was recorded."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

import jsonschema
import pytest

from tests.apiserver.server import RunningApiServer
from tests.conftest import FIXTURES, load_json

ROOT = Path(__file__).resolve().parent
RECORDING = load_json(FIXTURES / "recorded" / "diagnosis-1.33.json")
SCENARIOS = RECORDING["scenarios"]
NAMESPACE = RECORDING["namespace"]
SCHEMA = json.loads((ROOT.parent / "docs" / "explain-schema.json").read_text())
GOLDEN = ROOT / "golden" / "diagnosis"


def served_objects() -> dict[str, list[dict]]:
    """Every recorded pod, event and node, as the real server held them."""
    nodes = {s["node"]["body"]["metadata"]["name"]: s["node"]["body"]
             for s in SCENARIOS.values() if s["node"] and s["node"]["code"] == 200}
    events = [{**e, "kind": "Event", "apiVersion": "v1"} for s in SCENARIOS.values() for e in s["events"]["items"]]
    return {"Pod": [s["pod"] for s in SCENARIOS.values()], "Event": events, "Node": list(nodes.values())}


@pytest.fixture(scope="module")
def server():
    running = RunningApiServer(served_objects())
    yield running
    running.stop()


@pytest.fixture
def explain(server, cli, tmp_path, monkeypatch):
    """`explain NAME` against the served recording, the clock at the moment it was recorded."""
    from kubectl_pods.kube.timefmt import parse_time

    config = server.write_kubeconfig(tmp_path / "kubeconfig", namespace=NAMESPACE)

    def run(name: str, *args: str):
        monkeypatch.setattr("kubectl_pods.commands.explain.now_utc",
                            lambda: parse_time(SCENARIOS[name]["recordedAt"]))
        return cli("explain", name, "--kubeconfig", config, *args)

    return run


def _json(explain, name: str) -> dict:
    code, out, err = explain(name, "-o", "json")
    assert code == 0, err
    report = json.loads(out)
    jsonschema.validate(report, SCHEMA)
    assert "unavailable" not in report
    [item] = report["items"]
    return item


def _container(item: dict, name: str) -> dict:
    return next(c for c in item["containers"] if c["name"] == name)


def _spec(name: str) -> dict:
    return SCENARIOS[name]["pod"]["spec"]


def test_every_scenario_is_served_and_explained_with_its_events_and_node(server, explain):
    for name in SCENARIOS:
        item = _json(explain, name)
        assert len(item["events"]) == len(SCENARIOS[name]["events"]["items"])
        assert (item["nodeStatus"] is None) == (SCENARIOS[name]["node"] is None)


@pytest.mark.parametrize("name,field", [("missing-configmap", "configMap"), ("missing-secret", "secret")])
def test_a_missing_volume_object_is_named_and_every_container_waits_for_it(explain, name, field):
    item = _json(explain, name)
    [volume] = _spec(name)["volumes"]
    wanted = volume[field].get("name") or volume[field].get("secretName")
    cause = item["blockedBy"]["cause"]
    assert cause["kind"] == "volume" and cause["volume"] == volume["name"]
    assert cause["missing"] == {"kind": {"configMap": "ConfigMap", "secret": "Secret"}[field], "name": wanted}
    every = [c["name"] for c in _spec(name).get("initContainers", []) + _spec(name)["containers"]]
    assert cause["waiting"] == every  # init containers included: volumes are mounted before any starts
    assert f"`{wanted}` does not exist" in item["blockedBy"]["reason"]
    assert cause["event"]["count"] > 1 and cause["event"]["message"] == next(
        e["message"] for e in SCENARIOS[name]["events"]["items"] if e["reason"] == "FailedMount")


@pytest.mark.parametrize("name,container,probe", [("sidecar-startup-probe", "proxy", "startup probe"),
                                                  ("liveness-kill", "app", "liveness probe")])
def test_a_probe_kill_names_the_probe_then_the_stop_signal_then_sigkill(explain, name, container, probe):
    item = _json(explain, name)
    last = _container(item, container)["lastTermination"]
    assert last["exitCode"] == 137 and last["stoppedBy"] == probe
    meaning = last["meaning"]
    assert meaning.index(probe) < meaning.index("stop signal") < meaning.index("SIGKILL")
    grace = _spec(name)["terminationGracePeriodSeconds"]
    assert f"the {grace}s grace period ran out" in meaning
    assert item["blockedBy"]["container"] == container and probe in item["blockedBy"]["reason"]


def test_an_exit_137_nobody_asked_for_is_not_blamed_on_a_grace_period(explain):
    item = _json(explain, "exits-137")
    last = _container(item, "app")["lastTermination"]
    assert last["exitCode"] == 137 and last["stoppedBy"] is None
    assert "grace period" not in last["meaning"] and "SIGKILL" in last["meaning"]
    assert "nothing in the pod's status or events shows the kubelet asked it to stop" in last["meaning"]


def test_a_pod_no_scheduler_looked_at_names_its_scheduler_and_age(explain):
    item = _json(explain, "no-node")
    created = SCENARIOS["no-node"]["pod"]["metadata"]["creationTimestamp"]
    assert item["blockedBy"]["cause"] == {"kind": "scheduling", "reason": None,
                                         "schedulerName": _spec("no-node")["schedulerName"]}
    assert item["blockedBy"]["reason"].startswith(
        f"not scheduled yet — is a scheduler running for schedulerName `{_spec('no-node')['schedulerName']}`?")
    from kubectl_pods.kube.timefmt import human_duration, parse_time

    age = parse_time(SCENARIOS["no-node"]["recordedAt"]) - parse_time(created)
    assert f"in {human_duration(age.total_seconds())} since it was created" in item["blockedBy"]["reason"]


def test_a_pod_bound_to_a_node_that_does_not_exist_names_the_node(explain, server):
    item = _json(explain, "missing-node")
    node = _spec("missing-node")["nodeName"]
    assert item["blockedBy"]["cause"]["node"] == node and item["blockedBy"]["cause"]["exists"] is False
    assert f"bound to node `{node}`, which does not exist" in item["blockedBy"]["reason"]
    assert item["nodeStatus"] == {"name": node, "exists": False, "ready": None}
    # The test server's 404 for the node says what the real one said.
    answer = next(r for r in server.requests if r.path == f"/api/v1/nodes/{node}")
    assert answer.method == "GET"
    assert SCENARIOS["missing-node"]["node"]["error"].endswith(f'nodes "{node}" not found')


def test_a_completed_pod_restarts_nothing_not_even_its_sidecar(explain):
    item = _json(explain, "completed-sidecar")
    assert item["phase"] == "Succeeded" and item["blockedBy"] is None
    assert all(c["backoff"] is None for c in item["containers"])
    proxy = _container(item, "proxy")
    assert proxy["state"]["stoppedBy"] == "completion" and "app containers were done" in proxy["state"]["meaning"]
    code, out, _ = explain("completed-sidecar")
    assert "next restart" not in out and "back-off step" not in out


def test_a_deleting_pod_says_when_it_was_asked_when_grace_ends_and_who_waits_for_what(explain):
    from kubectl_pods.kube.timefmt import parse_time

    item = _json(explain, "deleting-prestop")
    meta = SCENARIOS["deleting-prestop"]["pod"]["metadata"]
    ends = parse_time(meta["deletionTimestamp"])
    deletion = item["deletion"]
    assert parse_time(deletion["graceEndsAt"]) == ends
    assert parse_time(deletion["requestedAt"]) == ends - timedelta(seconds=meta["deletionGracePeriodSeconds"])
    waits = {c["name"]: c["waitsFor"] for c in deletion["running"]}
    assert waits == {"proxy": ["app to exit", "the stop signal"], "app": ["its preStop hook", "the stop signal"]}
    # The Killing events the deletion caused were recorded at the moment it was asked.
    kills = [e for e in item["events"] if e["reason"] == "Killing"]
    assert kills and all(e["lastTime"] == deletion["requestedAt"] for e in kills)
    code, out, _ = explain("deleting-prestop")
    assert "\nDeleting: deletion asked at " in out and "Startup order" not in out


def test_an_image_pull_failure_says_why_and_how_often(explain):
    item = _json(explain, "image-pull-failure")
    reason = item["blockedBy"]["reason"]
    assert item["blockedBy"]["container"] == "app"
    assert _spec("image-pull-failure")["containers"][0]["image"] in reason and "pulls failed: x" in reason


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_golden_text_of_each_scenario(explain, name):
    code, out, err = explain(name)
    assert code == 0, err
    path = GOLDEN / f"{name}.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(out)
    assert out == path.read_text()


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_event_messages_are_whole_in_json_and_wrapped_not_cut_in_text(explain, name):
    item = _json(explain, name)
    recorded = {e["message"] for e in SCENARIOS[name]["events"]["items"]}
    assert {e["message"] for e in item["events"]} == recorded
    code, out, _ = explain(name)
    text = " ".join(out.split())
    for event in item["events"][-10:]:  # the text shows the latest ten
        assert " ".join(event["message"].split()) in text


def test_a_summary_reads_no_events_and_says_so_instead_of_guessing(server, cli, tmp_path):
    config = server.write_kubeconfig(tmp_path / "kubeconfig", namespace=NAMESPACE)
    before = len(server.requests)
    code, out, err = cli("explain", "--kubeconfig", config)
    assert code == 0, err
    asked = [r.path for r in server.requests[before:]]
    assert not [p for p in asked if "/events" in p]
    # The node is read only for the pods no kubelet has written (here the one bound to no real node).
    bound_silent = {s["pod"]["spec"]["nodeName"] for s in SCENARIOS.values()
                    if s["pod"]["spec"].get("nodeName") and not s["pod"]["status"].get("startTime")}
    assert sorted(p for p in asked if "/nodes/" in p) == sorted(f"/api/v1/nodes/{n}" for n in bound_silent)
    line = next(line for line in out.splitlines() if line.startswith("missing-configmap "))
    assert "no container is created yet (PodInitializing)" in line and "name the pod" in line
