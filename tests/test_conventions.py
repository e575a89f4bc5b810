"""kubectl's conventions, where a kubectl user expects them: nothing matched, flags, help, plurals."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kubectl_pods.diff.paths import Identity, IgnoreRules, format_path

# -- nothing matched: exit 0 and kubectl get's words (kubectl/pkg/cmd/get/get.go) -----------------
NOTHING = [
    (["explain"], []),
    (["explain", "-o", "wide"], []),
    (["diff"], ["-l", "app=nothing"]),
    (["diff", "--owner"], []),
    (["diff", "--pattern", "sidecar"], ["-l", "app=nothing"]),
]


@pytest.mark.parametrize("command,more", NOTHING, ids=lambda v: " ".join(v))
@pytest.mark.parametrize("scope,said", [(["-n", "empty"], "No resources found in empty namespace.\n"),
                                        (["-A"], "No resources found\n")])
def test_nothing_matched_is_exit_0_and_kubectls_words_on_stderr(cli, kubeconfig, command, more, scope, said):
    selector = more or ["-l", "app=nothing"]
    code, out, err = cli(*command, *scope, *selector, "--kubeconfig", kubeconfig)
    assert (code, out, err) == (0, "", said)


@pytest.mark.parametrize("command,header", [("explain", "ExplainList"), ("diff", "DiffList")])
def test_nothing_matched_in_json_is_an_empty_list_and_nothing_on_stderr(cli, kubeconfig, command, header):
    code, out, err = cli(command, "-n", "empty", "-l", "app=nothing", "-o", "json", "--kubeconfig", kubeconfig)
    assert (code, err) == (0, "")
    assert json.loads(out) == {"kind": header, "apiVersion": "kubectl-pods/v1", "items": []}


def test_a_pod_asked_by_name_that_is_not_there_is_still_an_error(cli, kubeconfig):
    code, out, err = cli("explain", "nosuch", "--kubeconfig", kubeconfig)
    assert (code, out) == (2, "") and err.startswith('error: pods "nosuch" not found')


# -- --ignore: a malformed path is an error, one that names nothing a warning ---------------------
def _pair(tmp_path, image="nginx:1.28"):
    import yaml

    from tests.conftest import oracle_cases

    case = next(c for c in oracle_cases("drift.json") if c["id"] == "drift-combo")
    intended, live = tmp_path / "intended.yaml", tmp_path / "live.yaml"
    intended.write_text(yaml.safe_dump(case["intended"]))
    live.write_text(yaml.safe_dump(case["live"]))
    return ["-f", str(intended), "--live", str(live)]


def test_a_malformed_ignore_path_is_an_error_before_anything_is_read(cli, tmp_path):
    code, out, err = cli("diff", *_pair(tmp_path), "--ignore", "spec.containers[name=*.image")
    assert (code, out) == (2, "")
    assert err.startswith("error: invalid --ignore 'spec.containers[name=*.image': ") and err.count("\n") == 1


def test_an_ignore_path_that_names_no_field_is_one_warning_line(cli, tmp_path):
    code, out, err = cli("diff", *_pair(tmp_path), "--ignore", "spec.nothing.here", "--ignore",
                         "spec.containers[name=*].image")
    assert code == 1 and "spec.containers[name=app].image" not in out
    assert err == "warning: --ignore 'spec.nothing.here' names no field of the objects compared\n"


def test_an_ignore_path_of_a_field_without_drift_is_no_warning(cli, tmp_path):
    code, _, err = cli("diff", *_pair(tmp_path), "--ignore", "spec.containers[name=*].name")
    assert code == 1 and err == ""


_parts = st.lists(st.one_of(st.from_regex(r"[A-Za-z][A-Za-z0-9_-]{0,8}", fullmatch=True),
                            st.text(min_size=1, max_size=8).filter(lambda t: '"' not in t and "\\" not in t),
                            st.integers(0, 9),
                            st.dictionaries(st.sampled_from(["name", "key", "effect"]),
                                            st.from_regex(r"[a-z0-9.-]{0,6}", fullmatch=True),
                                            min_size=1, max_size=2).map(Identity)),
                  min_size=1, max_size=5).filter(lambda parts: isinstance(parts[0], str) and  # a path starts
                                                 not isinstance(parts[0], Identity) and        # with a plain key
                                                 re.fullmatch(r"[A-Za-z0-9_-]+", parts[0]) is not None)


@given(_parts)
def test_every_path_diff_reports_is_a_valid_ignore_path_that_ignores_itself(parts):
    path = format_path(parts)
    assert IgnoreRules([path])(path)


# -- the same note for many pods is one line ------------------------------------------------------
def test_pods_without_last_applied_are_one_line_not_one_each(cli, tmp_path):
    import yaml

    pods = [{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"web-{i}", "namespace": "shop"},
             "spec": {"containers": [{"name": "app", "image": "nginx"}]}} for i in range(5)]
    live = tmp_path / "live.yaml"
    live.write_text(yaml.safe_dump_all(pods))
    code, out, _ = cli("diff", *[p["metadata"]["name"] for p in pods], "--live", str(live))
    assert code == 2
    assert out == ("pod web-0 (+4 like it): not compared: no last-applied configuration (not created with kubectl "
                   "apply); use -f, --pattern or --owner\n")
    code, out, _ = cli("diff", "web-3", "--live", str(live))
    assert out == ("pod web-3: not compared: no last-applied configuration (not created with kubectl apply); "
                   "use -f, --pattern or --owner\n")


# -- plurals --------------------------------------------------------------------------------------
def _write_pods(tmp_path, pods) -> str:
    import yaml

    path = tmp_path / "pods.yaml"
    path.write_text(yaml.safe_dump_all(pods))
    return str(path)


def _pod(name, image="nginx:1.27", **spec):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [{"name": "app", "image": image}], **spec}}


CRASHED_ONCE = {**_pod("once"), "status": {"phase": "Running", "containerStatuses": [{
    "name": "app", "image": "nginx:1.27", "ready": False, "restartCount": 1,
    "state": {"waiting": {"reason": "CrashLoopBackOff"}},
    "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "startedAt": "2026-01-01T00:00:00Z",
                                 "finishedAt": "2026-01-01T00:00:05Z"}}}]}}


def test_one_of_a_thing_is_said_in_the_singular(cli, tmp_path):
    _, out, _ = cli("explain", "-f", _write_pods(tmp_path, [_pod("web")]))
    assert "READY will count 1 container (apps and sidecars)." in out
    _, out, _ = cli("explain", "-f", _write_pods(tmp_path, [CRASHED_ONCE]))
    assert "exit 1, 1 restart" in out and "1 restarts" not in out
    _, out, _ = cli("explain", "-f", _write_pods(tmp_path, [CRASHED_ONCE]), "--timeline")
    assert "app, 1 restart" in out and "1 restarts" not in out


@pytest.mark.parametrize("images,footer", [(["a:1", "b:1", "c:1"], "3 pods;"),
                                           (["a:1", "a:1", "c:1"], "3 pods in 2 groups;"),
                                           (["a:1", "a:1", "a:1"], "3 pods in 1 group;")])
def test_the_summary_counts_groups_only_where_pods_are_grouped(cli, tmp_path, images, footer):
    pods = [_pod(f"web-{i}", image) for i, image in enumerate(images)]
    _, out, _ = cli("explain", "-f", _write_pods(tmp_path, pods))
    assert out.splitlines()[-1].startswith(footer)


# -- help: values named as kubectl names them ------------------------------------------------------
@pytest.mark.parametrize("command", ["patterns", "scaffold", "migrate", "explain", "diff"])
def test_help_names_values_as_kubectl_does_never_a_python_type(cli, command):
    code, out, _ = cli(command, "--help")
    assert code == 0
    assert not re.search(r"<[a-z\[\], |]+>", out), out
    if command in ("explain", "diff"):
        assert "-l, --selector SELECTOR" in out and "-f, --filename FILE" in out
        assert f"Usage: kubectl pods {command} [OPTIONS] [POD]..." in out


# -- an unknown flag: kubectl's words, a suggestion only for a near miss ----------------------------
@pytest.mark.parametrize("flag,said", [("--bogus", "error: unknown flag: --bogus\n"),
                                       ("--selctor", "error: unknown flag: --selctor (did you mean --selector?)\n"),
                                       ("--namspace", "error: unknown flag: --namspace (did you mean --namespace?)\n")])
def test_an_unknown_flag_is_said_as_kubectl_says_it(cli, flag, said):
    code, out, err = cli("explain", flag)
    assert (code, out, err) == (2, "", said)


def test_the_distance_is_levenshteins():
    from kubectl_pods.cli import distance

    assert [distance(a, b) for a, b in [("", "abc"), ("kitten", "sitting"), ("intention", "execution"), ("a", "a")]] == [
        3, 3, 5, 0]


# -- no back-off where nothing restarts -----------------------------------------------------------
@pytest.mark.parametrize("policy,shown", [("Never", False), ("OnFailure", True), ("Always", True)])
def test_the_back_off_paragraph_is_there_only_when_something_can_restart(cli, tmp_path, policy, shown):
    _, out, _ = cli("explain", "-f", _write_pods(tmp_path, [_pod("job", restartPolicy=policy)]), "-o", "json")
    assert bool(json.loads(out)["items"][0]["backoffSchedule"]) is shown
    _, out, _ = cli("explain", "-f", _write_pods(tmp_path, [_pod("job", restartPolicy=policy)]))
    assert ("Back-off after each exit" in out) is shown


def test_a_native_sidecar_in_a_never_pod_keeps_the_back_off(cli, tmp_path):
    pod = _pod("job", restartPolicy="Never",
               initContainers=[{"name": "proxy", "image": "envoy", "restartPolicy": "Always"}])
    _, out, _ = cli("explain", "-f", _write_pods(tmp_path, [pod]))
    assert "Back-off after each exit" in out


# -- timeline: every mark explained; runs the API no longer holds are said, not drawn as idle -------
def test_the_timeline_explains_its_marks_and_the_runs_it_cannot_show(cli, tmp_path):
    pod = {**CRASHED_ONCE, "status": {**CRASHED_ONCE["status"], "containerStatuses": [{
        **CRASHED_ONCE["status"]["containerStatuses"][0], "restartCount": 9,
        "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "startedAt": "2026-01-01T00:20:00Z",
                                     "finishedAt": "2026-01-01T00:20:05Z"}}}]}}
    events = [{"kind": "Event", "apiVersion": "v1", "type": "Normal", "reason": "Scheduled", "message": "x",
               "lastTimestamp": "2026-01-01T00:00:00Z", "involvedObject": {"kind": "Pod", "name": "once"}},
              {"kind": "Event", "apiVersion": "v1", "type": "Warning", "reason": "BackOff", "message": "back-off",
               "lastTimestamp": "2026-01-01T00:20:10Z",
               "involvedObject": {"kind": "Pod", "name": "once", "fieldPath": "spec.containers{app}"}}]
    from kubectl_pods.explain import explain_pod
    from kubectl_pods.render.timeline import render_timeline
    from kubectl_pods.sources import PodInput

    item = explain_pod(PodInput(pod=pod, source="file"), (1, 33), None, events=events)
    chart = render_timeline(item, None).splitlines()
    [row] = [line for line in chart if line.startswith("app ")]
    bar = row.split("|")[1]
    assert bar.startswith("?") and " " not in bar.rstrip("!# ").lstrip("?")  # the 20 minutes are not idle
    assert row.endswith("9 restarts; runs shown: exit 1; 9 earlier runs the API no longer holds")
    assert chart[-1] == ("Legend: # running; ? earlier runs the API no longer holds (it keeps a container's last "
                         "two); ! a Warning event about the container")
    assert "≈" not in chart[0]  # no mark is used for anything but what the legend says


# -- a manifest's own namespace, as kubectl diff reads it -----------------------------------------
def test_diff_f_reads_the_namespace_the_manifest_names(cli, kubeconfig, tmp_path):
    from tests.conftest import oracle_cases

    case = next(c for c in oracle_cases("drift.json") if c["id"] == "drift-set-image-sidecar")
    intended = {**case["intended"], "metadata": {**case["intended"]["metadata"],
                                                  "namespace": case["live"]["metadata"]["namespace"]}}
    path = tmp_path / "pod.yaml"
    path.write_text(yaml_dump(intended))
    code, out, err = cli("diff", "-f", str(path), "-o", "json", "--kubeconfig", kubeconfig)  # context: oracle-status
    assert code == 1, err
    [item] = json.loads(out)["items"]
    assert item["namespace"] == intended["metadata"]["namespace"] and item["changes"]
    code, out, err = cli("diff", "-f", str(path), "-n", "oracle-status", "--kubeconfig", kubeconfig)
    namespace = intended["metadata"]["namespace"]
    assert (code, out) == (2, "")
    assert err == (f'error: the namespace from the provided object "{namespace}" does not match the namespace '
                   f"\"oracle-status\". You must pass '--namespace={namespace}' to perform this operation.\n")


def yaml_dump(obj) -> str:
    import yaml

    return yaml.safe_dump(obj)
