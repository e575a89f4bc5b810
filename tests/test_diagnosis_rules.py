"""The diagnosis rules on inputs no recording shows: any exit 137, any terminal pod, any event
series, a node that is not Ready, an eviction, a sandbox failure, several exits in one update."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from kubectl_pods.explain import explain_pod
from kubectl_pods.lifecycle.events import EVENT_RULES, event_row, repeat_text, rule_for
from kubectl_pods.lifecycle.scheduling import NODE_MISSING
from kubectl_pods.sources import PodInput
from tests.conftest import FIXTURES, load_json

RECORDING = load_json(FIXTURES / "recorded" / "diagnosis-1.33.json")
START = datetime(2026, 1, 1, tzinfo=timezone.utc)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _recorded(name: str) -> dict:
    return copy.deepcopy(RECORDING["scenarios"][name])


def _explain(pod: dict, events=None, node=None, now=None) -> dict:
    return explain_pod(PodInput(pod=pod, source="cluster"), (1, 33), now, events=events, node=node)


def _pod_with_exit(exit_code: int, reason: str, started: datetime, run: int, policy: str) -> dict:
    finished = started + timedelta(seconds=run)
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "p", "namespace": "n", "uid": "u", "creationTimestamp": _iso(START)},
            "spec": {"nodeName": "vm", "restartPolicy": policy,
                     "containers": [{"name": "app", "image": "busybox",
                                     "livenessProbe": {"exec": {"command": ["false"]}}}]},
            "status": {"phase": "Running", "startTime": _iso(START), "containerStatuses": [{
                "name": "app", "ready": False, "restartCount": 1, "image": "busybox",
                "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                "lastState": {"terminated": {"exitCode": exit_code, "reason": reason, "startedAt": _iso(started),
                                             "finishedAt": _iso(finished), "containerID": "containerd://1"}}}]}}


@given(started=st.integers(0, 10_000), run=st.integers(0, 3_000), policy=st.sampled_from(["Always", "OnFailure"]),
       other=st.lists(st.sampled_from(["Pulled", "Created", "Started", "BackOff", "Unhealthy"]), max_size=5))
def test_an_exit_137_is_never_blamed_on_a_grace_period_when_nothing_asked_for_a_stop(started, run, policy, other):
    pod = _pod_with_exit(137, "Error", START + timedelta(seconds=started), run, policy)
    events = [{"reason": reason, "type": "Normal", "message": f"{reason} app", "count": 1,
               "involvedObject": {"fieldPath": "spec.containers{app}"}, "lastTimestamp": _iso(START)}
              for reason in other]
    last = _explain(pod, events)["containers"][0]["lastTermination"]
    assert last["stoppedBy"] is None and "grace period" not in last["meaning"]


@given(started=st.integers(0, 10_000), run=st.integers(1, 3_000), into=st.floats(0, 1),
       code=st.sampled_from([137, 143, 2]))
def test_a_killing_event_inside_the_run_names_the_probe_whatever_the_exit(started, run, into, code):
    begin = START + timedelta(seconds=started)
    pod = _pod_with_exit(code, "Error", begin, run, "Always")
    kill = {"reason": "Killing", "type": "Normal", "count": 1, "message": "Container app failed liveness probe, will be restarted",
            "involvedObject": {"fieldPath": "spec.containers{app}"},
            "lastTimestamp": _iso(begin + timedelta(seconds=int(run * into)))}
    last = _explain(pod, [kill])["containers"][0]["lastTermination"]
    assert last["stoppedBy"] == "liveness probe"
    assert last["meaning"].index("liveness probe") < last["meaning"].index("stop signal")
    assert ("SIGKILL" in last["meaning"]) == (code == 137)


@given(name=st.sampled_from(sorted(RECORDING["scenarios"])), phase=st.sampled_from(["Succeeded", "Failed"]))
def test_a_terminal_pod_restarts_nothing(name, phase):
    pod = _recorded(name)["pod"]
    pod["status"]["phase"] = phase
    item = _explain(pod, now=START)
    assert all(c["backoff"] is None for c in item["containers"])


@given(count=st.integers(1, 10_000), series=st.one_of(st.none(), st.integers(2, 10_000)),
       message=st.text(min_size=1, max_size=500), span=st.integers(0, 10_000))
def test_an_event_keeps_its_whole_message_and_its_repeats(count, series, message, span):
    event = {"reason": "FailedMount", "type": "Warning", "message": message, "count": count,
             "firstTimestamp": _iso(START), "lastTimestamp": _iso(START + timedelta(seconds=span))}
    if series:
        event = {**event, "count": None, "firstTimestamp": None, "lastTimestamp": None, "eventTime": _iso(START),
                 "series": {"count": series, "lastObservedTime": _iso(START + timedelta(seconds=span))}}
    row = event_row(event)
    assert row["message"] == message and row["count"] == (series or count)
    assert repeat_text(row) == ("" if row["count"] == 1 else f"x{row['count']}" + (f" over {span}s" if span else ""))


def test_every_recorded_kubelet_event_finds_its_row_and_shared_reasons_are_told_apart_by_message():
    tabled = {rule.reason for rule in EVENT_RULES}
    causes = {}
    for scenario in RECORDING["scenarios"].values():
        for event in scenario["events"]["items"]:
            rule = rule_for(event["reason"], event["message"])
            assert (rule is not None) == (event["reason"] in tabled), event
            causes[(event["reason"], " ".join(event["message"].split(" ")[:2]))] = rule.cause if rule else None
    # "Failed" and "BackOff" each name two causes (events.go: FailedToPullImage = FailedToCreateContainer
    # = "Failed"; BackOffPullImage = BackOffStartContainer = "BackOff"): the message decides.
    assert causes[("Failed", "Failed to")] == causes[("Failed", "Error: ErrImagePull")] == "image"
    assert causes[("BackOff", "Back-off pulling")] == "image" and causes[("BackOff", "Back-off restarting")] == "crash"
    assert causes[("FailedMount", "MountVolume.SetUp failed")] == "volume"
    assert causes[("Killing", "Init container")] == causes[("Killing", "Stopping container")] == "kill"
    assert all(rule.upstream and rule.meaning for rule in EVENT_RULES)


def test_a_node_that_is_not_ready_is_named_with_its_ready_condition():
    scenario = _recorded("missing-node")
    node = copy.deepcopy(_recorded("missing-configmap")["node"]["body"])
    ready = next(c for c in node["status"]["conditions"] if c["type"] == "Ready")
    ready.update(status="Unknown", reason="NodeStatusUnknown", message="Kubelet stopped posting node status.")
    pod = scenario["pod"]
    pod["spec"]["nodeName"] = node["metadata"]["name"]
    now = datetime.fromisoformat(scenario["recordedAt"].replace("Z", "+00:00"))
    blocked = _explain(pod, [], node, now)["blockedBy"]
    assert blocked["cause"]["kind"] == "node" and blocked["cause"]["ready"]["status"] == "Unknown"
    assert blocked["reason"].startswith(f"node `{node['metadata']['name']}` is not Ready (Ready=Unknown since")
    assert "NodeStatusUnknown: Kubelet stopped posting node status." in blocked["reason"]
    assert "has not written this pod's status" in blocked["reason"]


def test_a_bound_pod_is_not_blamed_on_its_kubelet_within_one_status_sync():
    pod = _recorded("missing-node")["pod"]
    created = datetime.fromisoformat(pod["metadata"]["creationTimestamp"].replace("Z", "+00:00"))
    assert _explain(pod, [], NODE_MISSING, created + timedelta(seconds=5))["blockedBy"]["cause"]["kind"] == "node"
    node = _recorded("missing-configmap")["node"]["body"]
    pod["spec"]["nodeName"] = node["metadata"]["name"]
    assert _explain(pod, [], node, created + timedelta(seconds=5))["blockedBy"] is None
    assert "whose kubelet has not written" in _explain(pod, [], node, created + timedelta(seconds=60))["blockedBy"]["reason"]


def test_scheduler_message_is_kept():
    pod = _recorded("no-node")["pod"]
    pod["status"]["conditions"] = [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                                    "message": "0/3 nodes are available: 3 Insufficient cpu."}]
    assert _explain(pod, [], None, START)["blockedBy"]["reason"] == \
        "not scheduled: 0/3 nodes are available: 3 Insufficient cpu."


def test_an_evicted_pod_says_so_and_its_containers_were_stopped_by_the_eviction():
    pod = _recorded("liveness-kill")["pod"]
    message = "The node was low on resource: memory. Threshold quantity: 100Mi, available: 80Mi."
    pod["status"].update(phase="Failed", reason="Evicted", message=message)
    item = _explain(pod, [{"reason": "Evicted", "type": "Warning", "message": message, "count": 1,
                           "involvedObject": {}, "lastTimestamp": _iso(START)}], None, START)
    assert item["blockedBy"]["cause"] == {"kind": "eviction"} and message in item["blockedBy"]["reason"]
    assert item["containers"][0]["lastTermination"]["stoppedBy"] == "eviction"
    assert item["containers"][0]["backoff"] is None


def test_a_sandbox_failure_holds_every_container():
    scenario = _recorded("missing-secret")
    failure = {"reason": "FailedCreatePodSandBox", "type": "Warning", "count": 4,
               "message": 'Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network',
               "involvedObject": {}, "firstTimestamp": _iso(START), "lastTimestamp": _iso(START + timedelta(seconds=30))}
    item = _explain(scenario["pod"], [failure], scenario["node"]["body"], START + timedelta(seconds=40))
    assert item["blockedBy"]["cause"]["kind"] == "sandbox"
    assert item["blockedBy"]["reason"].startswith("the pod's sandbox cannot be created (FailedCreatePodSandBox, x4 over 30s)")


def test_old_volume_failures_do_not_blame_a_pod_whose_containers_ran():
    scenario = _recorded("liveness-kill")
    failure = {**_recorded("missing-configmap")["events"]["items"][0]}
    item = _explain(scenario["pod"], [failure], scenario["node"]["body"], START)
    assert item["blockedBy"]["container"] == "app"


def test_a_failed_pre_stop_hook_is_no_longer_waited_for():
    scenario = _recorded("deleting-prestop")
    meta = scenario["pod"]["metadata"]
    failed = {"reason": "FailedPreStopHook", "type": "Warning", "message": "PreStopHook failed", "count": 1,
              "involvedObject": {"fieldPath": "spec.containers{app}"}, "lastTimestamp": meta["deletionTimestamp"]}
    entry = next(c for c in _explain(scenario["pod"], [failed], None, START)["deletion"]["running"] if c["name"] == "app")
    assert entry["preStopFailed"] and entry["waitsFor"] == ["the stop signal"]


def test_a_deleted_pod_whose_node_does_not_exist_waits_for_no_kubelet():
    pod = _recorded("missing-node")["pod"]
    created = datetime.fromisoformat(pod["metadata"]["creationTimestamp"].replace("Z", "+00:00"))
    pod["metadata"].update(deletionTimestamp=_iso(created + timedelta(seconds=60)), deletionGracePeriodSeconds=30)
    item = _explain(pod, [], NODE_MISSING, created + timedelta(seconds=120))
    assert item["deletion"]["nodeMissing"] and item["deletion"]["running"] == []
    from kubectl_pods.lifecycle.deletion import deleting_text

    text = deleting_text(item["deletion"])
    assert f"its node `{pod['spec']['nodeName']}` does not exist, so no kubelet will confirm the deletion" in text
    assert "the kubelet is cleaning up" not in text


def test_statuses_that_name_none_of_the_spec_containers_are_no_creation_finding():
    """A status list the spec does not match (a hand-made or half-written object) is answered, not a
    crash: nothing is said of containers the pod does not have."""
    pod = {"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": "p", "namespace": "n", "uid": "u", "creationTimestamp": _iso(START)},
           "spec": {"nodeName": "vm", "containers": [{"name": "app", "image": "busybox"}]},
           "status": {"phase": "Pending", "startTime": _iso(START),
                      "containerStatuses": [{"name": "other", "ready": False, "restartCount": 0, "image": "busybox",
                                             "state": {"waiting": {"reason": "ContainerCreating"}}}]}}
    explanation = _explain(pod, events=[], now=START + timedelta(minutes=1))
    assert "no container is created yet" not in ((explanation["blockedBy"] or {}).get("reason") or "")
