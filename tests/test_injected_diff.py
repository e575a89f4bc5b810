"""diff: what an injector wrote is set apart, not drift; what it does not explain stays drift."""

from __future__ import annotations

import copy
import json

import pytest
import yaml

from kubectl_pods.injectors import recognise
from kubectl_pods.sources.files import pod_from_template
from tests.injector_cases import cases, pod_and_outer

CASES = [c for c in cases() if c.mode != "none"]


def _write(tmp_path, name: str, *documents: dict) -> str:
    path = tmp_path / name
    path.write_text(yaml.safe_dump_all(documents))
    return str(path)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_diff_of_what_the_user_wrote_against_the_injectors_output_has_no_drift(case, cli):
    code, out, err = cli("diff", "-f", str(case.input), "--live", str(case.injected), "-o", "json")
    assert code == 0, err
    items = json.loads(out)["items"]
    assert items and all(item["changes"] == [] for item in items), out
    for item in items:
        assert item["injected"] and {entry["by"] for entry in item["injected"]} == {case.injector}


def _hand_edited(document: dict) -> tuple[dict, str]:
    """The document with its first long-running injected container's image (or, where it injected
    none, its first container's) changed by hand."""
    edited = copy.deepcopy(document)
    pod, outer = pod_and_outer(edited)
    injected = [c for i in recognise(pod, outer) for c in i.containers]
    target = next((c for c in injected if c.long_running), injected[0])
    template = edited if edited.get("kind") == "Pod" else None
    if template is None:
        spec = edited["spec"]
        if edited.get("kind") == "CronJob":
            spec = spec["jobTemplate"]["spec"]
        template = spec["template"]
    next(c for c in template["spec"][target.list] if c["name"] == target.name)["image"] = \
        "registry.example/hand-edited/proxy:0"
    return edited, target.name


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_a_hand_edited_proxy_image_is_drift(case, cli, tmp_path):
    pairs = case.pairs()
    edited = [_hand_edited(made) for _, made in pairs]
    live = _write(tmp_path, "live.yaml", *(document for document, _ in edited))
    code, out, err = cli("diff", "-f", str(case.input), "--live", live, "-o", "json")
    assert code == 1, err
    for item, (_, name) in zip(json.loads(out)["items"], edited):
        [change] = [c for c in item["changes"] if f"[name={name}]" in c["path"]]
        assert "registry.example/hand-edited/proxy:0" in change["message"]
        assert not any(f"[name={name}]" in entry["path"] for entry in item["injected"])


def test_a_changed_user_container_stays_drift(cli, tmp_path):
    case = next(c for c in CASES if c.injected.name == "job-old-version.yaml.injected")
    [(_, made)] = case.pairs()
    made = copy.deepcopy(made)
    made["spec"]["template"]["spec"]["containers"][0]["image"] = "perl:latest"
    code, out, _ = cli("diff", "-f", str(case.input), "--live", _write(tmp_path, "l.yaml", made), "-o", "json")
    assert code == 1
    [item] = json.loads(out)["items"]
    assert [c["path"] for c in item["changes"]] == ["spec.template.spec.containers[name=pi].image"]
    assert item["injected"]


def test_text_says_one_line_per_injector_and_lists_them_on_request(cli):
    case = next(c for c in CASES if c.injected.name == "job-old-version.yaml.injected")
    code, out, _ = cli("diff", "-f", str(case.input), "--live", str(case.injected))
    assert code == 0
    [line] = [line for line in out.splitlines() if "written by" in line]
    count = int(line.split(": ")[1].split()[0])
    assert line.startswith("  written by istio, not drift:") and "--show-injected" in line
    code, listed, _ = cli("diff", "-f", str(case.input), "--live", str(case.injected), "--show-injected")
    paths = [line.strip() for line in listed.splitlines() if line.startswith("    ")]
    assert code == 0 and len(paths) == count and "spec.template.spec.containers[name=istio-proxy]" in paths


@pytest.mark.parametrize("case", [c for c in CASES if c.injected.name in ("job-old-version.yaml.injected",
                                                                          "inject_emojivoto_deployment_config_overrides.golden.yml")],
                         ids=lambda c: c.id)
def test_owner_diff_sets_the_injection_apart(case, cli, tmp_path):
    [(wrote, made)] = case.pairs()
    pod = pod_from_template(made)
    pod["metadata"]["name"] = f"{pod['metadata']['name']}-x7k2p"
    pod["metadata"]["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": wrote["kind"],
                                           "name": wrote["metadata"]["name"], "controller": True, "uid": "1"}]
    code, out, err = cli("diff", "--owner", "--live", _write(tmp_path, "l.yaml", wrote, pod), "-o", "json")
    assert code == 0, err + out
    [item] = json.loads(out)["items"]
    assert item["changes"] == [] and {e["by"] for e in item["injected"]} == {case.injector}
    assert any("containers[name=" in e["path"] for e in item["injected"])


def test_a_probe_the_injector_did_not_rewrite_stays_drift(cli, tmp_path):
    """Istio keeps the originals of the probes it rewrote in ISTIO_KUBE_APP_PROBERS: a probe
    change it did not record there is the user's (or someone else's), not Istio's."""
    case = next(c for c in CASES if c.injected.name == "hello-probes.yaml.injected")
    [(_, made)] = case.pairs()
    made = copy.deepcopy(made)
    proxy = next(c for c in made["spec"]["template"]["spec"]["initContainers"] if c["name"] == "istio-proxy")
    for env in proxy["env"]:
        if env["name"] == "ISTIO_KUBE_APP_PROBERS":
            env["value"] = json.dumps({k: v for k, v in json.loads(env["value"]).items() if "/world/" not in k})
    code, out, _ = cli("diff", "-f", str(case.input), "--live", _write(tmp_path, "l.yaml", made), "-o", "json")
    assert code == 1
    [item] = json.loads(out)["items"]
    assert item["changes"] and all("[name=world].livenessProbe" in c["path"] for c in item["changes"])


def test_a_proxy_image_set_after_creation_is_drift_even_when_it_looks_like_the_injectors(cli, tmp_path):
    """On a live pod, managedFields say who wrote the image: a manager after the pod's creator
    (`kubectl set image`) is a hand edit, whatever the image."""
    case = next(c for c in CASES if c.injected.name == "inject_emojivoto_pod.golden.yml" and "regular" in c.shows)
    [(_, made)] = case.pairs()
    made = copy.deepcopy(made)
    image = {"f:spec": {"f:containers": {'k:{"name":"linkerd-proxy"}': {"f:image": {}}}}}
    made["metadata"]["managedFields"] = [
        {"manager": "kubectl-create", "operation": "Update", "time": "2026-01-01T00:00:00Z", "fieldsV1": image},
        {"manager": "kubectl-set", "operation": "Update", "time": "2026-01-02T00:00:00Z", "fieldsV1": image}]
    code, out, _ = cli("diff", "-f", str(case.input), "--live", _write(tmp_path, "l.yaml", made), "-o", "json")
    assert code == 1
    [item] = json.loads(out)["items"]
    [change] = item["changes"]
    assert change["path"] == "spec.containers[name=linkerd-proxy]" and "kubectl-set" in change["message"]
    made["metadata"]["managedFields"].pop()
    code, out, _ = cli("diff", "-f", str(case.input), "--live", _write(tmp_path, "l.yaml", made), "-o", "json")
    assert code == 0 and json.loads(out)["items"][0]["changes"] == []


def test_an_image_rule_same_as_another_injected_container(monkeypatch):
    from kubectl_pods.diff import injected as module
    from kubectl_pods.injectors.catalogue import Injector, catalogue

    entry = copy.deepcopy(catalogue()["istio"].data)
    entry["images"] = [{"container": "istio-proxy", "same_as": "istio-init"}]
    monkeypatch.setattr(module, "catalogue", lambda: {"istio": Injector("istio", entry)})
    case = next(c for c in CASES if c.injected.name == "job-old-version.yaml.injected")
    [(wrote, made)] = case.pairs()
    pod = pod_from_template(made)
    change = {"path": "spec.containers[name=istio-proxy]", "type": "added", "live": {}}
    assert module._Explainer(pod).by(change) == ("istio", None)
    next(c for c in pod["spec"]["containers"] if c["name"] == "istio-proxy")["image"] = "proxyv2:other"
    by, why = module._Explainer(pod).by(change)
    assert by is None and "differs from istio-init's" in why


def _live_of(tmp_path, relative_case: str, edit) -> tuple:
    case = next(c for c in CASES if c.id == relative_case)
    [(_, made)] = case.pairs()
    made = copy.deepcopy(made)
    edit(made)
    return case, _write(tmp_path, "l.yaml", made)


def test_only_env_vars_the_operator_also_gave_its_proxy_are_its_own(cli, tmp_path):
    """cloudsql-proxy sets the env vars an AuthProxyWorkload names on every container, its proxy's
    included (podspec_updates.go updateContainerEnv): one the proxy does not hold, with that value,
    is not the operator's."""
    def edit(pod):
        app = pod["spec"]["containers"][0]
        app["env"] += [{"name": "DB_USER", "value": "batch"}]
        next(e for e in app["env"] if e["name"] == "DB_PORT")["value"] = "5001"

    case, live = _live_of(tmp_path, "cloudsql-proxy:v1.8.1/job.injected.yaml", edit)
    code, out, _ = cli("diff", "-f", str(case.input), "--live", live, "-o", "json")
    [item] = json.loads(out)["items"]
    assert code == 1 and sorted(c["path"] for c in item["changes"]) == [
        "spec.containers[name=my-batch-job].env[name=DB_PORT]", "spec.containers[name=my-batch-job].env[name=DB_USER]"]
    assert "spec.containers[name=my-batch-job].env[name=DB_HOST]" in [e["path"] for e in item["injected"]]


def test_a_proxy_image_the_workload_chose_is_the_operators(cli, tmp_path):
    """With its own image in the AuthProxyWorkload, the operator's annotation names no image
    (PodAnnotation: "<generation>,"): then any image of the proxy is the operator's."""
    def edit(pod):
        pod["metadata"]["annotations"]["cloudsql.cloud.google.com/job-proxy"] = "1,"
        pod["spec"]["containers"][1]["image"] = "registry.example/my-proxy:2"

    case, live = _live_of(tmp_path, "cloudsql-proxy:v1.8.1/job.injected.yaml", edit)
    code, out, _ = cli("diff", "-f", str(case.input), "--live", live, "-o", "json")
    assert code == 0 and json.loads(out)["items"][0]["changes"] == []


def test_a_pod_block_added_whole_is_the_injectors_only_with_nothing_else_in_it(cli, tmp_path):
    """App Mesh adds `securityContext: {fsGroup: 1337}` (pod_fields securityContext.fsGroup): another
    field in that block is drift."""
    case, live = _live_of(tmp_path, "appmesh:v1.13.3/job.injected.yaml",
                          lambda pod: pod["spec"]["securityContext"].update(runAsUser=1000))
    code, out, _ = cli("diff", "-f", str(case.input), "--live", live, "-o", "json")
    [item] = json.loads(out)["items"]
    assert code == 1 and [c["path"] for c in item["changes"]] == ["spec.securityContext"]
