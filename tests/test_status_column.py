"""STATUS / READY / RESTARTS against what a real API server printed (oracle and kubelet traces)."""

from __future__ import annotations

import copy

import pytest

from kubectl_pods.kube.timefmt import human_duration, parse_time
from kubectl_pods.lifecycle.status_column import status_columns
from tests.conftest import kubelet_traces, load_json, oracle_cases

STATUS_CASES = oracle_cases("status-table.json")


@pytest.mark.parametrize("case", STATUS_CASES, ids=[c["id"] for c in STATUS_CASES])
def test_oracle_status_table(case):
    columns = status_columns(case["pod"])
    parsed, cells = case["parsed"], case["table"]["cells"]
    assert columns.status == parsed["status"]
    assert columns.ready == parsed["ready"]
    assert columns.restarts == parsed["restarts"]
    assert bool(columns.restarts and columns.last_restart) == parsed["lastRestartAgo"]
    assert [columns.ip, columns.node, columns.nominated_node, columns.readiness_gates] == cells[5:9]


@pytest.mark.parametrize("case", [c for c in STATUS_CASES if c["parsed"]["lastRestartAgo"]][:40],
                         ids=lambda c: c["id"])
def test_oracle_restart_age_text(case):
    """Pinning now to the recording moment reproduces the server's `N (Xd ago)` text."""
    now = parse_time(case["pod"]["metadata"]["creationTimestamp"])
    cell = case["table"]["cells"][3]
    expected_ago = cell.split("(")[1].split(" ago")[0]
    got = status_columns(case["pod"]).restarts_text(now)
    got_ago = got.split("(")[1].split(" ago")[0]
    # recorded within ~1 s of creation: allow the neighbouring second
    assert got_ago in {expected_ago} | {human_duration((now - status_columns(case["pod"]).last_restart).total_seconds() + d) for d in (0, 1, 2)}
    assert got.startswith(f"{case['parsed']['restarts']} (")


def _snapshots():
    for path in kubelet_traces():
        trace = load_json(path)
        for snapshot in trace["snapshots"]:
            yield pytest.param(trace["pod_created"], snapshot, id=f"{path.stem}@{snapshot['t']}")


@pytest.mark.parametrize("created,snapshot", list(_snapshots()))
def test_kubelet_trace_snapshots(created, snapshot):
    pod = copy.deepcopy(created)
    pod["status"] = snapshot["status"]
    if snapshot.get("deletionTimestamp"):
        pod["metadata"]["deletionTimestamp"] = snapshot["deletionTimestamp"]
    columns = status_columns(pod)
    table = snapshot["table"]
    assert columns.status == table["Status"]
    assert columns.ready == table["Ready"]
    assert str(columns.restarts) == table["Restarts"].split(" ")[0]
    assert ("(" in table["Restarts"]) == bool(columns.restarts and columns.last_restart)


@pytest.mark.parametrize("seconds,text", [
    (0, "0s"), (59, "59s"), (119, "119s"), (120, "2m"), (125, "2m5s"), (600, "10m"),
    (3 * 3600, "3h"), (3 * 3600 + 60, "3h1m"), (8 * 3600, "8h"), (50 * 3600, "2d2h"),
    (10 * 86400, "10d"), (3 * 365 * 86400, "3y"), (-1, "0s"), (-5, "<invalid>"),
])
def test_human_duration_matches_kubectl(seconds, text):
    assert human_duration(seconds) == text
