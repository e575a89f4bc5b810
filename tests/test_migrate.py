"""migrate: legacy sidecars become native ones, and nothing else of the manifest changes."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import kubernetes_validate
import pytest
import yaml
from hypothesis import given, strategies as st

from kubectl_pods.edit.edits import apply
from kubectl_pods.edit.workloads import pod_template
from kubectl_pods.migrate.native import chosen_sidecars, plan_migrate

FIXTURES = Path(__file__).parent / "fixtures"
REAL_WORLD = FIXTURES / "real-world"
INJECTORS = FIXTURES / "injectors"
NEVER_POD = FIXTURES / "migrate" / "legacy-sidecar-never.yaml"
RECORDED = FIXTURES / "recorded" / "migrate-node.json"

# (manifest, its legacy sidecars): upstream examples and the pod run on the real node
LEGACY = [
    (REAL_WORLD / "website-job-sidecar-legacy.yaml", ["logshipper"]),
    (REAL_WORLD / "website-deployment-sidecar-legacy.yaml", ["sidecar-container"]),
    (REAL_WORLD / "website-mysql-statefulset.yaml", ["xtrabackup"]),
    (REAL_WORLD / "istio-multi-container.yaml", ["name2", "name3"]),
    (NEVER_POD, ["log-shipper"]),
]


def only(text: str) -> dict:
    [document] = [d for d in yaml.safe_load_all(text) if d]
    return document


def sidecar_flags(names: list[str]) -> list[str]:
    return [arg for name in names for arg in ("--sidecar", name)]


def put_back(migrated: dict, original: dict, names: list[str]) -> dict:
    """The migrated object with the moved containers returned where they were, as they were."""
    result = copy.deepcopy(migrated)
    spec, was = pod_template(result)["spec"], pod_template(original)["spec"]
    moved = {c["name"]: c for c in spec.get("initContainers", []) if c["name"] in names}
    if "initContainers" in spec:
        spec["initContainers"] = [c for c in spec["initContainers"] if c["name"] not in names]
        if not spec["initContainers"] and "initContainers" not in was:
            del spec["initContainers"]
    for index, container in enumerate(was["containers"]):
        if container["name"] in names:
            back = dict(moved[container["name"]])
            assert back.pop("restartPolicy") == "Always"
            if "startupProbe" not in container:
                back.pop("startupProbe", None)
            spec["containers"].insert(index, back)
    return result


def warnings_of(text: str, version: str = "1.33", cli=None) -> list[dict]:
    code, out, _ = cli("explain", "-f", "-", "-o", "json", "--k8s-version", version, stdin=text)
    assert code in (0, 1)
    return [w for item in json.loads(out)["items"] for w in item["warnings"]]


@pytest.mark.parametrize("wait", [False, True], ids=["plain", "wait-for-ready"])
@pytest.mark.parametrize("manifest,names", LEGACY, ids=[p.name for p, _ in LEGACY])
def test_legacy_sidecars_become_native_and_nothing_else_changes(manifest, names, wait, cli):
    text = manifest.read_text()
    args = ["migrate", "-f", str(manifest), "--k8s-version", "1.33", *sidecar_flags(names)]
    code, out, err = cli(*args, *(["--wait-for-ready"] if wait else []))
    assert code == 0, err
    original, migrated = only(text), only(out)
    kubernetes_validate.validate(migrated, "1.33.0", strict=True)
    spec = pod_template(migrated)["spec"]
    assert [c["name"] for c in spec["initContainers"]][-len(names):] == names  # at the end, in order
    assert all(c["restartPolicy"] == "Always" for c in spec["initContainers"] if c["name"] in names)
    assert put_back(migrated, original, names) == original
    for container in spec["initContainers"]:
        was = next((c for c in pod_template(original)["spec"]["containers"] if c["name"] == container["name"]), None)
        if was is not None and wait and was.get("readinessProbe"):
            assert container["startupProbe"] == {k: v for k, v in was["readinessProbe"].items() if k != "successThreshold"}
    comments = [line.split("#", 1)[1] for line in text.splitlines() if " # " in line or line.lstrip().startswith("#")]
    assert all(comment in out for comment in comments)
    assert not [w for w in warnings_of(out, cli=cli) if w["code"] == "legacy-sidecar-in-job"]
    again = cli("migrate", "-f", "-", "--k8s-version", "1.33", *sidecar_flags(names), stdin=out)
    assert again[0] == 0 and again[1] == out and "nothing to migrate" in again[2]


def test_one_line_per_object_says_what_changes(cli):
    code, _, err = cli("migrate", "-f", str(REAL_WORLD / "website-job-sidecar-legacy.yaml"), "--sidecar", "logshipper")
    lines = [line for line in err.splitlines() if "myjob" in line]
    assert code == 0 and len(lines) == 1
    assert lines[0].startswith("# Job myjob now completes when `myjob` exits; `logshipper` is stopped after it")
    code, _, err = cli("migrate", "-f", str(NEVER_POD), "--sidecar", "log-shipper", "--wait-for-ready")
    assert "`report` starts once `log-shipper` is ready (startupProbe from its readinessProbe)" in err
    code, _, err = cli("migrate", "-f", str(REAL_WORLD / "website-deployment-sidecar-legacy.yaml"),
                       "--sidecar", "sidecar-container")
    assert "Deployment myapp: `sidecar-container` now starts before `myapp` and is stopped after it" in err
    assert "weak ordering" in err


def test_explain_warned_before_and_names_migrate_as_the_fix(cli):
    text = NEVER_POD.read_text()
    [warning] = [w for w in warnings_of(text, cli=cli) if w["code"] == "legacy-sidecar-in-job"]
    assert warning["fix"].startswith("kubectl pods migrate -f MANIFEST --sidecar log-shipper --wait-for-ready")
    code, out, _ = cli("explain", "-f", str(NEVER_POD), "-o", "json")  # read from a file: the file is named
    [named] = [w for w in json.loads(out)["items"][0]["warnings"] if w["code"] == "legacy-sidecar-in-job"]
    assert named["fix"].startswith(f"kubectl pods migrate -f {NEVER_POD} --sidecar log-shipper")
    deployment = (REAL_WORLD / "website-deployment-sidecar-legacy.yaml").read_text()
    [race] = [w for w in warnings_of(deployment, cli=cli) if w["code"] == "shutdown-race"]
    assert race["container"] == "sidecar-container" and "kubectl pods migrate" in race["fix"]
    _, migrated, _ = cli("migrate", "-f", "-", "--sidecar", "sidecar-container", stdin=deployment)
    assert not [w for w in warnings_of(migrated, cli=cli) if w["code"] in ("shutdown-race", "legacy-sidecar-in-job")]


@pytest.mark.parametrize("manifest,names", LEGACY[:3], ids=[p.name for p, _ in LEGACY[:3]])
def test_diff_against_the_original_shows_only_the_moved_containers(manifest, names, cli, tmp_path):
    migrated = tmp_path / "migrated.yaml"
    code, out, _ = cli("migrate", "-f", str(manifest), *sidecar_flags(names))
    migrated.write_text(out)
    code, out, err = cli("diff", "-f", str(migrated), "--live", str(manifest), "-o", "json")
    assert code == 1, err
    paths = sorted(change["path"] for item in json.loads(out)["items"] for change in item["changes"])
    template = "spec.template.spec" if "Pod" != only(manifest.read_text())["kind"] else "spec"
    assert paths == sorted(f"{template}.{key}[name={n}]" for n in names for key in ("containers", "initContainers"))


def test_the_roles_annotation_chooses_without_flags(cli):
    code, legacy, _ = cli("scaffold", "sidecar", "web", "--kind", "job", "--k8s-version", "1.27")
    assert code == 0 and "log-shipper" in [c["name"] for c in pod_template(only(legacy))["spec"]["containers"]]
    code, out, err = cli("migrate", "-f", "-", "--k8s-version", "1.29", "--wait-for-ready", stdin=legacy)
    spec = pod_template(only(out))["spec"]
    assert code == 0 and [c["name"] for c in spec["initContainers"]] == ["log-shipper"]
    assert spec["initContainers"][0]["startupProbe"]["httpGet"]["port"] == 2020
    assert "Job web now completes when `app` exits" in err


def test_without_a_choice_one_error_line_lists_the_candidates(cli):
    code, out, err = cli("migrate", "-f", str(NEVER_POD))
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert "--sidecar NAME" in err and "explain warns about: Pod legacy-sidecar-never: log-shipper" in err
    code, _, err = cli("migrate", "-f", str(REAL_WORLD / "website-job-sidecar-legacy.yaml"))
    assert code == 2 and "explain warns about: Job myjob: logshipper" in err
    code, _, err = cli("migrate", "-f", str(REAL_WORLD / "istio-multi-container.yaml"))
    assert code == 2 and "explain warns about none; containers beside the first: Deployment app: name2; Deployment app: name3" in err


@pytest.mark.parametrize("version,code,said", [("1.27", 2, "has no native sidecars"), ("1.28", 0, "SidecarContainers"),
                                               ("1.29", 0, None)])
def test_versions_without_native_sidecars_are_refused_and_1_28_warned(version, code, said, cli):
    result = cli("migrate", "-f", str(NEVER_POD), "--sidecar", "log-shipper", "--k8s-version", version)
    assert result[0] == code
    if said:
        assert said in result[2]
    if code == 2:
        assert result[1] == "" and result[2].startswith("error: ") and len(result[2].strip().splitlines()) == 1


def test_refusals(cli):
    assert "no such container" in cli("migrate", "-f", str(NEVER_POD), "--sidecar", "nope")[2]
    code, _, err = cli("migrate", "-f", str(REAL_WORLD / "website-job.yaml"), "--sidecar", "pi")
    assert code == 2 and "would be left empty" in err
    assert cli("migrate", "--sidecar", "x")[0] == 2


@pytest.mark.parametrize("manifest,container,key", [
    ("istio/1.28.0/job-old-version.yaml.injected", "istio-proxy", "sidecar.istio.io/nativeSidecar"),
    ("istio/1.5.0/cronjob.yaml.injected", "istio-proxy", "sidecar.istio.io/nativeSidecar"),
    ("linkerd/stable-2.14.10/inject_emojivoto_pod.golden.yml", "linkerd-proxy",
     "config.alpha.linkerd.io/proxy-enable-native-sidecar"),
])
def test_an_injected_sidecar_gets_its_injectors_switch_not_a_move(manifest, container, key, cli):
    path = INJECTORS / manifest
    code, out, err = cli("migrate", "-f", str(path), "--k8s-version", "1.33")
    assert code == 0, err
    before, after = only(path.read_text()), only(out)
    assert pod_template(after)["spec"] == pod_template(before)["spec"]  # nothing moved
    assert pod_template(after)["metadata"]["annotations"][key] == "true"
    assert f"`{container}` is injected by" in err and "needs" in err
    again = cli("migrate", "-f", "-", "--k8s-version", "1.33", stdin=out)
    assert again[1] == out and "already switched on" in again[2]


def test_the_recording_on_a_real_node():
    recorded = json.loads(RECORDED.read_text())
    legacy, migrated = recorded["legacy"], recorded["migrated"]
    assert legacy["manifest"] == NEVER_POD.read_text()
    statuses = {s["name"]: s["state"] for s in legacy["pod"]["status"]["containerStatuses"]}
    assert legacy["pod"]["status"]["phase"] == "Running"
    assert statuses["report"]["terminated"]["exitCode"] == 0 and "running" in statuses["log-shipper"]
    assert not legacy["watch"]["endedByItself"]
    assert migrated["pod"]["status"]["phase"] == "Succeeded"
    assert migrated["watch"]["endedByItself"] and migrated["watch"]["exitCode"] == 0
    assert any("STATUS Running → Completed" in line for line in migrated["watch"]["stdout"])
    assert any("log-shipper exited 0 (Completed); not restarted" in line for line in migrated["watch"]["stdout"])


def test_the_recorded_migrated_manifest_is_what_migrate_writes_today(cli):
    recorded = json.loads(RECORDED.read_text())
    code, out, _ = cli("migrate", "-f", str(NEVER_POD), "--sidecar", "log-shipper", "--wait-for-ready",
                       "--k8s-version", "1.33")
    assert code == 0 and out == recorded["migrated"]["manifest"]


_NAMES = st.lists(st.from_regex(r"^[a-z][a-z0-9]{0,6}$", fullmatch=True), min_size=2, max_size=6, unique=True)


@given(names=_NAMES, inits=st.integers(0, 2), data=st.data())
def test_any_choice_moves_exactly_those_in_order_and_a_second_plan_is_empty(names, inits, data):
    chosen = data.draw(st.lists(st.sampled_from(names[1:]), unique=True, max_size=len(names) - 1))
    chosen = [n for n in names if n in chosen]
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
           "spec": {"containers": [{"name": n, "image": "x"} for n in names],
                    **({"initContainers": [{"name": f"init{i}", "image": "x"} for i in range(inits)]} if inits else {})}}
    result = copy.deepcopy(pod)
    apply(result, plan_migrate(result, chosen, wait_for_ready=False).edits)
    spec = result["spec"]
    assert [c["name"] for c in spec["containers"]] == [n for n in names if n not in chosen]
    assert [c["name"] for c in spec.get("initContainers", [])] == [f"init{i}" for i in range(inits)] + chosen
    assert put_back(result, pod, chosen) == pod
    assert plan_migrate(result, chosen_sidecars(result, chosen), wait_for_ready=False).edits == []


def test_json_output_is_a_list_of_the_resulting_objects(cli):
    code, out, _ = cli("migrate", "-f", str(NEVER_POD), "--sidecar", "log-shipper", "-o", "json")
    body = json.loads(out)
    assert code == 0 and body["kind"] == "List" and len(body["items"]) == 1
    assert body["items"][0]["spec"]["initContainers"][0]["restartPolicy"] == "Always"
    assert cli("migrate", "-f", str(NEVER_POD), "--sidecar", "log-shipper", "-o", "json", "--in-place")[0] == 2


def test_an_adapter_only_reports_so_stopping_with_the_app_is_no_race(cli):
    _, adapter, _ = cli("scaffold", "adapter", "web")
    assert not [w for w in warnings_of(adapter, cli=cli) if w["code"] == "shutdown-race"]
    _, ambassador, _ = cli("scaffold", "ambassador", "web", "--k8s-version", "1.27")
    [race] = [w for w in warnings_of(ambassador, "1.27", cli=cli) if w["code"] == "shutdown-race"]
    assert race["container"] == "db-ambassador" and "need Kubernetes 1.29+" in race["fix"]
    assert "need Kubernetes" not in [w for w in warnings_of(ambassador, "1.29", cli=cli)
                                     if w["code"] == "shutdown-race"][0]["fix"]


def test_the_watch_says_a_sidecar_stopped_at_completion_is_not_restarted():
    """From the node recording: the migrated pod Succeeded with its sidecar stopped, which the
    kubelet does not restart (computePodActions); the watch once said `restarted at once` here."""
    from datetime import datetime, timezone

    from kubectl_pods.lifecycle.transitions import pod_transitions

    after = json.loads(RECORDED.read_text())["migrated"]["pod"]
    before = copy.deepcopy(after)
    before["status"]["phase"] = "Running"
    sidecar = next(s for s in before["status"]["initContainerStatuses"] if s["name"] == "log-shipper")
    sidecar["state"] = {"running": {"startedAt": sidecar["state"]["terminated"]["startedAt"]}}
    found = pod_transitions(before, after, (1, 33), datetime.now(timezone.utc))
    [exited] = [t for t in found if t.get("kind") == "exited" and t["container"] == "log-shipper"]
    assert "not restarted: every app container is done" in exited["message"] and "restarted at once" not in exited["message"]
