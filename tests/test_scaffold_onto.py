"""scaffold PATTERN -f: over real-world manifests (tests/fixtures/real-world), each pattern is added
once, validates, leaves every original field as it was, keeps comments, and a second run is
byte-identical."""

from __future__ import annotations

import copy
import json
import os
import re
import stat
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from kubectl_pods.edit.workloads import template_path
from kubectl_pods.scaffold.catalog import load_catalog

REAL_WORLD = Path(__file__).parent / "fixtures" / "real-world"
FIXTURES = sorted(p.name for p in REAL_WORLD.glob("*.yaml"))
PATTERNS = sorted(load_catalog([]))
ROLES = "kubectl-pods.dev/roles"


def docs(text: str) -> list[dict]:
    return [d for d in yaml.safe_load_all(text) if d is not None]


def pod_of(obj: dict) -> dict:
    node = obj
    for step in template_path(obj) or ():
        node = node[step]
    return node


def without_pattern(obj: dict, pattern_pod: dict, original: dict) -> dict:
    """`obj` with what the pattern adds taken away again (helpers by name, its volumes, the app's
    mounts and env, the annotations it added): must give back the original object."""
    obj = copy.deepcopy(obj)
    if template_path(obj) is None:
        return obj
    pod, before = pod_of(obj), pod_of(original)
    spec = pod["spec"]
    pattern_spec = pattern_pod["spec"]
    helpers = {c["name"] for c in pattern_spec.get("initContainers") or []} | {
        c["name"] for c in pattern_spec["containers"][1:]} - {"app", "web"}
    for key in ("initContainers", "containers"):
        kept = [c for c in spec.get(key) or [] if c["name"] not in helpers]
        if key in (before["spec"]) or kept:
            spec[key] = kept
        else:
            spec.pop(key, None)
    volumes = {v["name"] for v in pattern_spec.get("volumes") or []}
    if "volumes" in spec:
        spec["volumes"] = [v for v in spec["volumes"] if v["name"] not in volumes]
        if not spec["volumes"] and "volumes" not in before["spec"]:
            del spec["volumes"]
    for index, container in enumerate(spec["containers"]):
        was = before["spec"]["containers"][index]
        for field in ("volumeMounts", "env"):
            if field in container and field not in was:
                del container[field]
            elif field in container:
                container[field] = container[field][:len(was[field])]
    meta, was_meta = pod.get("metadata") or {}, before.get("metadata")
    if was_meta is None:
        pod.pop("metadata", None)
    else:
        annotations = meta.get("annotations") or {}
        for key in list(annotations):
            if key not in (was_meta.get("annotations") or {}):
                del annotations[key]
        if "annotations" not in was_meta:
            meta.pop("annotations", None)
    return obj


def comments(text: str) -> list[str]:
    return [m.group(0).strip() for m in re.finditer(r"(?m)(?:^|\s)#[^\n]*", text)]


@pytest.mark.parametrize("version", ["1.36", "1.33", "1.27"])
@pytest.mark.parametrize("pattern", PATTERNS)
@pytest.mark.parametrize("fixture", FIXTURES)
def test_pattern_onto_real_world_manifest(fixture, pattern, version, cli):
    source = REAL_WORLD / fixture
    original_text = source.read_text()
    code, out, err = cli("scaffold", pattern, "-f", str(source), "--k8s-version", version)
    assert code == 0, err
    from kubectl_pods.scaffold.build import scaffold_objects

    pattern_pod = scaffold_objects(pattern=pattern, name="app", kind="pod", version=tuple(map(int, version.split("."))),
                                   set_values=[])[0][0]
    helpers = [c["name"] for c in pattern_pod["spec"].get("initContainers") or []] + [
        c["name"] for c in pattern_pod["spec"]["containers"]
        if c["name"] not in ("app", "web")]
    before, after = docs(original_text), docs(out)
    assert len(before) == len(after)
    for was, now in zip(before, after):
        kubernetes_validate.validate(now, f"{version}.0", strict=True)
        assert without_pattern(now, pattern_pod, was) == was
        if template_path(now) is not None:
            spec = pod_of(now)["spec"]
            names = [c["name"] for key in ("initContainers", "containers") for c in spec.get(key) or []]
            assert all(names.count(h) == 1 for h in helpers), names
    assert comments(original_text) == [c for c in comments(out) if c in comments(original_text)]
    again_code, again, again_err = cli("scaffold", pattern, "-f", "-", "--k8s-version", version, stdin=out)
    assert again_code == 0 and again == out
    assert "nothing changed" in again_err


def test_unchanged_documents_and_separators_stay_byte_for_byte(cli):
    source = REAL_WORLD / "helm-template.yaml"
    code, out, _ = cli("scaffold", "sidecar", "-f", str(source), "--k8s-version", "1.33")
    assert code == 0
    text = source.read_text()
    pod_at = text.index("# Source: subchart/templates/tests/test-nothing.yaml")
    assert out.startswith(text[:pod_at])  # every document before the Pod, as written
    assert "  containers:\n    - name: test\n" in out  # the Pod's own layout (dash offset 2)


def test_conflicting_container_is_one_error_line_and_nothing_written(cli, tmp_path):
    target = tmp_path / "deploy.yaml"
    target.write_text((REAL_WORLD / "website-deployment.yaml").read_text().replace(
        "      containers:\n", "      containers:\n      - name: log-shipper\n        image: busybox\n"))
    target.chmod(0o640)
    before = target.read_bytes()
    code, out, err = cli("scaffold", "sidecar", "-f", str(target), "--in-place")
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert lines[-1].startswith("error: Deployment nginx-deployment: spec.template.spec.containers[name=log-shipper]")
    assert sum(line.startswith("error:") for line in lines) == 1
    assert target.read_bytes() == before


@pytest.mark.parametrize("edit,field", [
    ("      volumes:\n      - name: app-logs\n        hostPath: {path: /tmp}\n", "spec.template.spec.volumes[name=app-logs]"),
    ("        volumeMounts:\n        - name: other\n          mountPath: /var/log/app\n",
     "spec.template.spec.containers[name=nginx].volumeMounts[mountPath=/var/log/app]"),
])
def test_conflicting_volume_or_mount_path_names_the_field(edit, field, cli, tmp_path):
    target = tmp_path / "deploy.yaml"
    target.write_text((REAL_WORLD / "website-deployment.yaml").read_text() + edit)
    code, _, err = cli("scaffold", "sidecar", "-f", str(target))
    assert code == 2 and f": {field} " in err


def test_in_place_rewrites_atomically_keeping_the_mode(cli, tmp_path):
    target = tmp_path / "deploy.yaml"
    target.write_text((REAL_WORLD / "website-deployment.yaml").read_text())
    target.chmod(0o604)
    code, out, err = cli("scaffold", "adapter", "-f", str(tmp_path), "--in-place")
    assert code == 0 and out == "" and f"rewrote {target}" in err
    assert stat.S_IMODE(target.stat().st_mode) == 0o604
    assert "metrics-adapter" in target.read_text()
    assert not [p for p in os.listdir(tmp_path) if p != "deploy.yaml"]  # no temporary file left
    mtime = target.stat().st_mtime_ns
    code, _, err = cli("scaffold", "adapter", "-f", str(target), "--in-place")
    assert code == 0 and "nothing changed" in err and target.stat().st_mtime_ns == mtime


def test_several_app_containers_the_choice_is_said_and_container_flag_chooses(cli):
    source = str(REAL_WORLD / "istio-multi-container.yaml")
    code, out, err = cli("scaffold", "sidecar", "-f", source)
    assert code == 0 and "wired to `name1` (the first one, as kubectl chooses, of 3: name1, name2, name3" in err
    mounts = {c["name"]: c.get("volumeMounts") for c in docs(out)[0]["spec"]["template"]["spec"]["containers"]}
    assert mounts["name1"] and not mounts["name2"]
    code, out, err = cli("scaffold", "sidecar", "-f", source, "--container", "name3")
    mounts = {c["name"]: c.get("volumeMounts") for c in docs(out)[0]["spec"]["template"]["spec"]["containers"]}
    assert code == 0 and mounts["name3"] and not mounts["name1"]
    assert "wired to `name3`\n" in err  # chosen by the flag: no other reason to give
    code, _, err = cli("scaffold", "sidecar", "-f", source, "--container", "nope")
    assert code == 2 and "has no container 'nope'" in err


def test_native_or_legacy_by_version_as_scaffold_does(cli):
    source = str(REAL_WORLD / "website-job.yaml")
    for version, native in (("1.27", False), ("1.29", True)):
        code, out, err = cli("scaffold", "sidecar", "-f", source, "--k8s-version", version)
        spec = docs(out)[0]["spec"]["template"]["spec"]
        assert code == 0
        assert ("log-shipper" in [c["name"] for c in spec.get("initContainers") or []]) == native
        assert ("never completes" in err) == (not native)


def test_json_output_is_a_list_of_every_object(cli):
    code, out, _ = cli("scaffold", "sidecar", "-f", str(REAL_WORLD / "website-wordpress-mysql-deployment.yaml"), "-o", "json")
    body = yaml.safe_load(out)
    assert code == 0 and body["kind"] == "List"
    assert [o["kind"] for o in body["items"]] == ["Service", "PersistentVolumeClaim", "Deployment"]


def test_flags_of_the_plain_scaffold_are_refused_with_files(cli):
    source = str(REAL_WORLD / "website-job.yaml")
    assert cli("scaffold", "sidecar", "web", "-f", source)[0] == 2
    assert cli("scaffold", "sidecar", "-f", source, "--kind", "job")[0] == 2
    assert cli("scaffold", "sidecar", "-f", "-", "--in-place")[0] == 2
    code, _, err = cli("scaffold", "sidecar")
    assert code == 2 and "needs a NAME" in err


DRY_RUN = Path(__file__).parent / "fixtures" / "recorded" / "scaffold-onto-dry-run.json"


def containers_of(obj: dict) -> list[dict]:
    spec = pod_of(obj)["spec"]
    return [{"name": c["name"], "list": key, "restartPolicy": c.get("restartPolicy")}
            for key in ("initContainers", "containers") for c in spec.get(key) or []]


def test_the_real_api_server_accepted_every_pattern_on_every_manifest(cli):
    """scripts/record-scaffold-onto: a dryRun create of each result on kube-apiserver v1.33; the
    server kept the containers (and each native sidecar's restartPolicy) of today's output."""
    recorded = json.loads(DRY_RUN.read_text())
    assert recorded["server"].startswith("v1.33")
    assert {(c["fixture"], c["pattern"]) for c in recorded["cases"]} == {(f, p) for f in FIXTURES for p in PATTERNS}
    for case in recorded["cases"]:
        code, out, _ = cli("scaffold", case["pattern"], "-f", str(REAL_WORLD / case["fixture"]),
                           "--k8s-version", case["k8sVersion"])
        objects = docs(out)
        assert code == 0 and len(objects) == len(case["answers"])
        for obj, answer in zip(objects, case["answers"]):
            assert answer["accepted"], answer
            assert (answer["kind"], answer["name"]) == (obj["kind"], obj["metadata"]["name"])
            if template_path(obj) is not None:
                assert answer["containers"] == containers_of(obj)


def test_a_legacy_helper_asks_for_migrate_before_its_native_form(cli, tmp_path):
    target = tmp_path / "job.yaml"
    target.write_text((REAL_WORLD / "website-job.yaml").read_text())
    assert cli("scaffold", "sidecar", "-f", str(target), "--k8s-version", "1.27", "--in-place")[0] == 0
    code, _, err = cli("scaffold", "sidecar", "-f", str(target), "--k8s-version", "1.33")
    assert code == 2 and "spec.template.spec.containers[name=log-shipper] is a regular container" in err
    assert "kubectl pods migrate" in err
    assert cli("migrate", "-f", str(target), "--in-place", "--k8s-version", "1.33")[0] == 0
    code, _, err = cli("scaffold", "sidecar", "-f", str(target), "--k8s-version", "1.33")
    assert code == 2 and "initContainers[name=log-shipper] already exists and differs" in err  # no startupProbe


def test_a_port_the_app_already_listens_on_is_a_conflict(cli):
    code, out, err = cli("scaffold", "adapter", "-f", str(REAL_WORLD / "website-deployment.yaml"), "--set", "metricsPort=80")
    assert (code, out) == (2, "")
    assert "spec.template.spec.containers[name=nginx].ports[containerPort=80] is the port" in err


def test_the_items_of_a_list_are_workloads_too(cli):
    listed = {"apiVersion": "v1", "kind": "List", "items": docs((REAL_WORLD / "istio-hello-multi.yaml").read_text())}
    code, out, _ = cli("scaffold", "sidecar", "-f", "-", stdin=json.dumps(listed, indent=4))
    items = json.loads(out)["items"]
    assert code == 0 and all("log-shipper" in [c["name"] for c in pod_of(i)["spec"]["initContainers"]] for i in items)
    assert out.startswith('{\n    "apiVersion"')  # JSON in, JSON out, its indentation kept


def test_a_conflict_in_one_file_leaves_every_file_unwritten(cli, tmp_path):
    good, bad = tmp_path / "a-good.yaml", tmp_path / "b-bad.yaml"
    good.write_text((REAL_WORLD / "website-deployment.yaml").read_text())
    bad.write_text((REAL_WORLD / "website-deployment.yaml").read_text().replace("nginx-deployment", "other")
                   + "      volumes:\n      - name: app-logs\n        hostPath: {path: /x}\n")
    before = {p: p.read_bytes() for p in (good, bad)}
    code, _, err = cli("scaffold", "sidecar", "-f", str(tmp_path), "--in-place")
    assert code == 2 and "Deployment other: spec.template.spec.volumes[name=app-logs]" in err
    assert {p: p.read_bytes() for p in (good, bad)} == before


def test_kubectls_default_container_annotation_chooses_the_app(cli):
    text = (REAL_WORLD / "istio-multi-container.yaml").read_text().replace(
        "      labels:\n        app: app\n",
        "      labels:\n        app: app\n      annotations:\n        kubectl.kubernetes.io/default-container: name2\n")
    code, out, err = cli("scaffold", "sidecar", "-f", "-", stdin=text)
    mounts = {c["name"]: c.get("volumeMounts") for c in docs(out)[0]["spec"]["template"]["spec"]["containers"]}
    assert code == 0 and mounts["name2"] and not mounts["name1"]
    assert "wired to `name2` (its kubectl.kubernetes.io/default-container annotation" in err
