"""lifecycle/transitions.py on the recorded kubelet traces: a state seen twice yields nothing, and
states that skip some still account for every run."""

from __future__ import annotations

import copy
from datetime import datetime, timezone

import pytest

from kubectl_pods.kube.pods import statuses_by_name
from kubectl_pods.lifecycle.transitions import pod_transitions
from tests.conftest import kubelet_traces, load_json
from tests.test_watch import trace_pod

SEEN = datetime(2026, 11, 24, tzinfo=timezone.utc)
VERSION = (1, 33)
TRACES = kubelet_traces()


def _states(trace: dict) -> list[dict]:
    return [trace_pod(trace, index) for index in range(len(trace["snapshots"]))]


@pytest.mark.parametrize("path", TRACES, ids=[p.stem for p in TRACES])
def test_a_state_seen_again_is_no_transition(path):
    for state in _states(load_json(path)):
        assert pod_transitions(state, copy.deepcopy(state), VERSION, SEEN) == []


def _ran(status: dict | None) -> bool:
    if not status:
        return False
    state, last = status.get("state") or {}, status.get("lastState") or {}
    return bool(state.get("running") or state.get("terminated") or last.get("terminated"))


@pytest.mark.parametrize("path", TRACES, ids=[p.stem for p in TRACES])
def test_every_run_between_two_states_is_told_or_counted_as_unseen(path):
    """For any two states, however far apart: each container's new runs (the restarts, plus its
    first run if it had none) are each a line, or counted in `unseenRuns`."""
    states = _states(load_json(path))
    for i, before in enumerate(states):
        for after in states[i + 1:]:
            found = pod_transitions(before, after, VERSION, SEEN)
            old, new = statuses_by_name(before), statuses_by_name(after)
            for name, status in new.items():
                lines = [t for t in found if t["container"] == name]
                told = sum(1 for t in lines if t["kind"] == "started" or
                           (t["kind"] == "exited" and "failed to start" in t["message"]))
                unseen = sum(t.get("unseenRuns", 0) for t in lines)
                runs = (status.get("restartCount") or 0) - ((old.get(name) or {}).get("restartCount") or 0)
                runs += 1 if _ran(status) and not _ran(old.get(name)) else 0
                assert told + unseen == runs, (path.stem, name, [t["message"] for t in lines])


def test_a_lost_container_ends_its_run_even_without_a_container_id():
    """ContainerStatusUnknown: the kubelet reports a terminated state with no containerID for a
    container it can no longer find; the run still ends."""
    trace = load_json(next(p for p in TRACES if p.stem == "app-crashloop-always"))
    running = next(s for s in _states(trace) if ((statuses_by_name(s).get("steady") or {}).get("state") or {}).get("running"))
    lost = copy.deepcopy(running)
    steady = next(c for c in lost["status"]["containerStatuses"] if c["name"] == "steady")
    steady.pop("containerID", None)
    steady["state"] = {"terminated": {"exitCode": 137, "reason": "ContainerStatusUnknown",
                                      "message": "The container could not be located when the pod was terminated",
                                      "startedAt": None, "finishedAt": None}}
    [line] = [t for t in pod_transitions(running, lost, VERSION, SEEN) if t["container"] == "steady" and t["kind"] == "exited"]
    assert line["exitCode"] == 137 and line["reason"] == "ContainerStatusUnknown"


def _timed(lines: list[dict]) -> list[dict]:
    return [line for line in lines if line["kind"] in ("started", "exited")]


@pytest.mark.parametrize("path", TRACES, ids=[p.stem for p in TRACES])
def test_lines_come_in_the_order_things_happened(path):
    """Over every pair of states: the starts and exits first, by their own time (one update may
    carry several exits: by finishedAt), then what is seen now."""
    from kubectl_pods.kube.timefmt import parse_time

    states = _states(load_json(path))
    for i, before in enumerate(states):
        for after in states[i + 1:]:
            lines = pod_transitions(before, after, VERSION, SEEN)
            timed = _timed(lines)
            assert lines[:len(timed)] == timed
            times = [parse_time(line["time"]) for line in timed]
            assert times == sorted(times)


def test_several_exits_in_one_update_are_told_by_finished_at():
    trace = load_json(next(p for p in TRACES if p.stem == "termination-order"))
    states = _states(trace)
    exits = max((_timed(pod_transitions(a, b, VERSION, SEEN)) for a, b in zip(states, states[1:])),
                key=lambda lines: sum(line["kind"] == "exited" for line in lines))
    exited = [line for line in exits if line["kind"] == "exited"]
    assert len(exited) > 1
    spec_order = [ref for ref in (trace["pod_created"]["spec"].get("initContainers", []) +
                                  trace["pod_created"]["spec"]["containers"])]
    assert [line["time"] for line in exited] == sorted(line["time"] for line in exited)
    # Sidecars stop last (reverse order): the spec's order is not the order they ended in.
    assert [line["container"] for line in exited] != [c["name"] for c in spec_order if c["name"] in
                                                      {line["container"] for line in exited}]


def test_the_time_from_creation_to_ready_is_said_only_the_first_time():
    from kubectl_pods.kube.pods import condition_true

    states = _states(load_json(next(p for p in TRACES if p.stem == "liveness-probe-restart")))
    flips = [(a, b) for a, b in zip(states, states[1:]) if condition_true(b, "Ready") and not condition_true(a, "Ready")]
    assert len(flips) == 2
    first = " ".join(line["message"] for line in pod_transitions(*flips[0], VERSION, SEEN, False))
    again = " ".join(line["message"] for line in pod_transitions(*flips[1], VERSION, SEEN, True))
    assert "after it was created" in first and "again" not in first
    assert "after it was created" not in again and "1/1 again" in again


def test_the_watch_remembers_a_pod_was_ready():
    from kubectl_pods.commands.watch import Tracker

    states = _states(load_json(next(p for p in TRACES if p.stem == "liveness-probe-restart")))
    tracker = Tracker((), "never")
    lines = tracker.on_list(VERSION, [states[0]], SEEN)
    for state in states[1:]:
        lines += tracker.on_change("MODIFIED", state, SEEN)
    said = [line["message"] for line in lines if "pod Running" in line["message"]]
    assert len(said) == 2 and "after it was created" in said[0] and said[1].endswith("again")
