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
