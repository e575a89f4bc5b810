"""Predictions of `explain` against what a real kubelet did (tests/fixtures/kubelet)."""

from __future__ import annotations

import pytest

from kubectl_pods.explain import explain_pod
from kubectl_pods.kube.versions import parse_version
from kubectl_pods.lifecycle.backoff import gap_bounds
from kubectl_pods.sources import PodInput
from tests.conftest import kubelet_traces, load_json

TRACES = [load_json(path) for path in kubelet_traces()]
IDS = [trace["scenario"] for trace in TRACES]
V133 = parse_version("1.33")


def _manifest_explanation(trace):
    return explain_pod(PodInput(pod=trace["pod_applied"], source="trace"), V133, None)


def _first_start(trace, name):
    info = trace["derived"]["containers"][name]
    if info["start_lines_t"]:
        return info["start_lines_t"][0]
    # A process that never ran (StartError) still marks when the kubelet tried it.
    runs = trace["timeline"]["containers"][name]["runs"]
    return (runs[0].get("first_seen_running_t") or runs[0].get("first_seen_terminated_t")) if runs else None


@pytest.mark.parametrize("trace", TRACES, ids=IDS)
def test_predicted_start_order_is_what_the_kubelet_did(trace):
    stages = _manifest_explanation(trace)["startupOrder"]
    started = [(stage_no, name, _first_start(trace, name))
               for stage_no, stage in enumerate(stages) for name in stage]
    ran = [(stage_no, name, t) for stage_no, name, t in started if t is not None]
    assert ran, "a trace in which nothing started"
    observed = [name for _, name, _ in sorted(ran, key=lambda entry: entry[2])]
    predicted = [name for _, name, _ in ran]  # stage order, spec order within a stage
    assert observed == predicted
    # Nothing of a later stage started while an earlier one never did.
    never = [stage_no for stage_no, _, t in started if t is None]
    if never:
        assert all(stage_no < min(never) for stage_no, _, _ in ran)


@pytest.mark.parametrize("trace", TRACES, ids=IDS)
def test_predicted_backoff_agrees_with_observed_gaps(trace):
    killed_by_probe = {e["fieldPath"] for e in trace["events"]
                       if e["reason"] == "Killing" and "probe" in (e["message"] or "")}
    checked = 0
    for name, info in trace["derived"]["containers"].items():
        probe_kill = any(name in (path or "") for path in killed_by_probe)
        for restart_count, gap in enumerate(info["restart_gaps_s"]):
            low, high = gap_bounds(restart_count, probe_kill)
            assert low - 1 <= gap <= high, (name, restart_count, gap)
            checked += 1
    if any(info["restart_gaps_s"] for info in trace["derived"]["containers"].values()):
        assert checked


def _sigterm_order(trace):
    lines = [e for e in trace["derived"]["log_events"] if e["line"].startswith("TERM ")]
    return [e["line"].split(" ", 1)[1] for e in sorted(lines, key=lambda e: e["t"])]


@pytest.mark.parametrize("trace", [t for t in TRACES if len(_sigterm_order(t)) > 1],
                         ids=lambda t: t["scenario"])
def test_predicted_termination_order_is_what_the_kubelet_did(trace):
    order = _manifest_explanation(trace)["terminationOrder"]
    observed = _sigterm_order(trace)
    rank = {name: number for number, stage in enumerate(order) for name in stage}
    observed_ranks = [rank[name] for name in observed if name in rank]
    assert observed_ranks == sorted(observed_ranks)
    assert set(observed) <= set(rank)


@pytest.mark.parametrize("trace", TRACES, ids=IDS)
def test_every_snapshot_explains_without_error_and_matches_the_table(trace):
    import copy

    for snapshot in trace["snapshots"]:
        pod = copy.deepcopy(trace["pod_created"])
        pod["status"] = snapshot["status"]
        if snapshot.get("deletionTimestamp"):
            pod["metadata"]["deletionTimestamp"] = snapshot["deletionTimestamp"]
        explanation = explain_pod(PodInput(pod=pod, source="trace"), V133, None)
        assert explanation["status"] == snapshot["table"]["Status"]
        assert explanation["ready"] == snapshot["table"]["Ready"]
        if snapshot["status"].get("phase") in ("Succeeded",):
            assert explanation["blockedBy"] is None
