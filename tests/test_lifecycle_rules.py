"""One pod per rule of docs/lifecycle.md §1–§6, explained for Kubernetes 1.27, 1.29 and 1.35."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, strategies as st

from kubectl_pods.explain import explain_pod
from kubectl_pods.lifecycle import backoff
from kubectl_pods.lifecycle.exit_codes import meaning, signal_of
from kubectl_pods.sources import PodInput

VERSIONS = [(1, 27), (1, 29), (1, 35)]
NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc)


def container(name, **fields):
    return {"name": name, "image": "busybox:1.36", **fields}


def sidecar(name, probe=True, **fields):
    extra = {"startupProbe": {"exec": {"command": ["true"]}}} if probe else {}
    return container(name, restartPolicy="Always", **extra, **fields)


def pod(init=(), apps=None, policy=None, **spec):
    body = {"initContainers": list(init), "containers": list(apps or [container("app")]), **spec}
    if policy:
        body["restartPolicy"] = policy
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "ns"}, "spec": body}


def explain(manifest, version, what_if=(), template_of=None):
    return explain_pod(PodInput(pod=manifest, source="test", template_of=template_of), version, NOW, list(what_if))


def codes(explanation):
    return {w["code"] for w in explanation["warnings"]}


# §1 init containers -------------------------------------------------------------------------------
@pytest.mark.parametrize("version", VERSIONS)
def test_init_containers_run_one_at_a_time_in_spec_order(version):
    result = explain(pod(init=[container("a"), container("b"), container("c")]), version)
    assert result["startupOrder"] == [["a"], ["b"], ["c"], ["app"]]
    assert all("exits 0" in s["gate"] for s in result["startupStages"][:3])


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("policy,retried", [("Always", True), ("OnFailure", True), ("Never", False)])
def test_failed_init_container_is_retried_or_fails_the_pod(version, policy, retried):
    result = explain(pod(init=[container("migrate")], policy=policy), version, [("migrate", 1)])
    outcome = result["whatIf"][0]
    migrate = next(c for c in result["containers"] if c["name"] == "migrate")
    if retried:
        assert migrate["restartPolicy"] == "OnFailure"  # an Always pod treats init containers as OnFailure
        assert outcome["action"] == "restart" and outcome["podPhase"] is None
    else:
        assert outcome["action"] == "none" and outcome["podPhase"] == "Failed"
        assert "init-fails-pod-under-never" in codes(result)


@pytest.mark.parametrize("version", VERSIONS)
def test_probes_and_hooks_on_a_regular_init_container_are_flagged(version):
    init = container("setup", readinessProbe={"exec": {"command": ["true"]}},
                     lifecycle={"postStart": {"exec": {"command": ["true"]}}})
    assert "probe-on-init-container" in codes(explain(pod(init=[init]), version))


# §2 native sidecars -------------------------------------------------------------------------------
@pytest.mark.parametrize("version,native", [((1, 27), False), ((1, 29), True), ((1, 35), True)])
def test_sidecar_starts_in_place_and_waits_for_started(version, native):
    result = explain(pod(init=[container("a"), sidecar("proxy"), container("b")]), version)
    roles = {c["name"]: c["role"] for c in result["containers"]}
    assert result["startupOrder"] == [["a"], ["proxy"], ["b"], ["app"]]
    if native:
        assert roles["proxy"] == "sidecar"
        assert "startupProbe passed" in result["startupStages"][1]["gate"]
        assert "sidecar-unsupported-version" not in codes(result)
    else:  # the API server drops restartPolicy: an ordinary init container that must exit 0
        assert roles["proxy"] == "init"
        assert "sidecar-unsupported-version" in codes(result)


@pytest.mark.parametrize("version", VERSIONS[1:])
def test_sidecar_without_startup_probe_is_weak_ordering(version):
    result = explain(pod(init=[sidecar("proxy", probe=False)]), version)
    assert result["startupStages"][0]["weak"] is True
    assert "sidecar-without-startup-probe" in codes(result)


@pytest.mark.parametrize("version", VERSIONS[1:])
@pytest.mark.parametrize("policy", ["Always", "OnFailure", "Never"])
def test_sidecar_is_restarted_whatever_the_pod_policy(version, policy):
    result = explain(pod(init=[sidecar("proxy")], policy=policy), version, [("proxy", 1)])
    assert result["whatIf"][0]["action"] == "restart"
    assert next(c for c in result["containers"] if c["name"] == "proxy")["restartPolicy"] == "Always"


@pytest.mark.parametrize("version,ordered", [((1, 27), False), ((1, 29), True), ((1, 35), True)])
def test_sidecars_stop_after_the_apps_in_reverse_order(version, ordered):
    manifest = pod(init=[sidecar("s1"), sidecar("s2")], apps=[container("a1"), container("a2")])
    order = explain(manifest, version)["terminationOrder"]
    if ordered:
        assert order == [["a1", "a2"], ["s2"], ["s1"]]
    else:  # before 1.29 there is no sidecar (1.27) or no ordered termination
        assert order == [["a1", "a2"]]


@pytest.mark.parametrize("version", VERSIONS[1:])
def test_job_pod_completes_when_the_app_exits_and_sidecars_stop(version):
    manifest = pod(init=[sidecar("proxy")], policy="Never")
    ok = explain(manifest, version, [("app", 0)], template_of={"kind": "Job", "name": "j"})["whatIf"][0]
    failed = explain(manifest, version, [("app", 1)])["whatIf"][0]
    assert ok["podPhase"] == "Succeeded" and failed["podPhase"] == "Failed"
    assert any("reverse order" in step for step in ok["steps"])


@pytest.mark.parametrize("version", VERSIONS)
def test_legacy_sidecar_in_a_job_is_flagged(version):
    manifest = pod(apps=[container("job"), container("log-shipper")], policy="Never")
    result = explain(manifest, version, template_of={"kind": "Job", "name": "j"})
    assert "legacy-sidecar-in-job" in codes(result)
    assert "legacy-sidecar-in-job" not in codes(explain(pod(apps=[container("job")], policy="Never"), version))


# §3 app containers --------------------------------------------------------------------------------
@pytest.mark.parametrize("version", VERSIONS)
def test_apps_start_together_in_spec_order_unless_post_start_holds_the_next(version):
    plain = explain(pod(apps=[container("a"), container("b"), container("c")]), version)
    assert plain["startupOrder"] == [["a", "b", "c"]]
    hook = {"postStart": {"exec": {"command": ["sleep", "3"]}}}
    held = explain(pod(apps=[container("a", lifecycle=hook), container("b"), container("c")]), version)
    assert held["startupOrder"] == [["a"], ["b", "c"]]


# §4 restart policy --------------------------------------------------------------------------------
@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("policy,code,restarted", [
    ("Always", 0, True), ("Always", 1, True), ("OnFailure", 0, False), ("OnFailure", 2, True),
    ("Never", 1, False), ("Never", 0, False)])
def test_pod_restart_policy_for_app_containers(version, policy, code, restarted):
    outcome = explain(pod(policy=policy), version, [("app", code)])["whatIf"][0]
    assert (outcome["action"] == "restart") == restarted


@pytest.mark.parametrize("version,honoured", [((1, 27), False), ((1, 29), False), ((1, 35), True)])
def test_container_restart_rules_need_1_35(version, honoured):
    app = container("app", restartPolicy="Never",
                    restartPolicyRules=[{"action": "Restart", "exitCodes": {"operator": "In", "values": [42]}}])
    result = explain(pod(apps=[app]), version, [("app", 42), ("app", 1)])
    on_42, on_1 = result["whatIf"]
    if honoured:
        assert on_42["action"] == "restart" and on_1["action"] == "none"
        assert "container-restart-rules-unsupported" not in codes(result)
    else:
        assert on_42["action"] == on_1["action"] == "restart"  # the pod's Always applies
        assert "container-restart-rules-unsupported" in codes(result)


# §5 back-off --------------------------------------------------------------------------------------
def test_backoff_schedule():
    assert [backoff.nominal_delay(n) for n in range(8)] == [0, 10, 20, 40, 80, 160, 300, 300]


@given(st.integers(min_value=0, max_value=10_000))
def test_backoff_never_exceeds_the_cap_and_never_shrinks(n):
    assert 0 <= backoff.nominal_delay(n) <= backoff.MAX_SECONDS
    assert backoff.nominal_delay(n) <= backoff.nominal_delay(n + 1)


@pytest.mark.parametrize("message,delay", [
    ("back-off 20s restarting failed container=x pod=p_ns(u)", 20),
    ("back-off 1m20s restarting failed container=x pod=p_ns(u)", 80),
    ("back-off 5m0s restarting failed container=x pod=p_ns(u)", 300), (None, None)])
def test_the_kubelet_message_carries_the_current_delay(message, delay):
    assert backoff.delay_from_message(message) == delay


def test_a_ten_minute_run_resets_the_backoff():
    assert backoff.expected_delay(6, run_seconds=601, waiting_message=None) == 0
    assert backoff.expected_delay(6, run_seconds=30, waiting_message=None) == 300


@pytest.mark.parametrize("version", VERSIONS)
def test_live_crash_loop_reports_step_and_next_restart(version):
    finished = NOW - timedelta(seconds=30)
    manifest = pod(init=[container("migrate")])
    manifest["status"] = {"phase": "Pending", "initContainerStatuses": [{
        "name": "migrate", "restartCount": 5, "ready": False,
        "state": {"waiting": {"reason": "CrashLoopBackOff",
                              "message": "back-off 2m40s restarting failed container=migrate pod=p_ns(u)"}},
        "lastState": {"terminated": {"exitCode": 1, "reason": "Error",
                                     "startedAt": (finished - timedelta(seconds=2)).isoformat(),
                                     "finishedAt": finished.isoformat()}}}],
        "containerStatuses": [{"name": "app", "restartCount": 0, "ready": False,
                               "state": {"waiting": {"reason": "PodInitializing"}}}]}
    result = explain(manifest, version)
    migrate = next(c for c in result["containers"] if c["name"] == "migrate")
    assert migrate["backoff"]["delaySeconds"] == 160 and migrate["backoff"]["step"] == 5
    assert migrate["backoff"]["nextRestartInSeconds"] == 130
    assert result["status"] == "Init:CrashLoopBackOff"
    assert result["blockedBy"] == {"container": "migrate", "reason":
                                   "init container 1/1 `migrate` is crash-looping: exit 1, 5 restarts, next try in ~130s"}


# §6 exit codes ------------------------------------------------------------------------------------
@pytest.mark.parametrize("code,reason,needle", [
    (137, "OOMKilled", "memory limit"), (137, "Error", "SIGKILL"), (143, "Error", "SIGTERM"),
    (128, "StartError", "could not be started"), (0, "Completed", "success"), (1, "Error", "exited 1"),
    (139, None, "SIGSEGV")])
def test_exit_codes_are_decoded(code, reason, needle):
    assert needle in meaning(code, reason)


@given(st.integers(min_value=129, max_value=159))
def test_exit_codes_above_128_are_signals(code):
    assert signal_of(code) == code - 128
