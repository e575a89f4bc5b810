"""explain on injected pods: every injector fixture, the hazards and their fixes (injectors/hazards.py)."""

from __future__ import annotations

import copy
import json

import jsonschema
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kubectl_pods.explain import explain_pod
from kubectl_pods.injectors import catalogue
from kubectl_pods.sources.files import pod_input
from tests.injector_cases import JOB_KINDS, ROOT, cases, container_names, pod_and_outer

CASES = cases()
SCHEMA = json.loads((ROOT.parents[2] / "docs" / "explain-schema.json").read_text())


def _explain(document: dict, version=(1, 33)) -> dict:
    return explain_pod(pod_input(document, "test"), version, None)


def _codes(explanation: dict, code: str) -> list[dict]:
    return [w for w in explanation["warnings"] if w["code"] == code]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_explain_labels_every_injected_container_and_none_of_the_users(case, cli, tmp_path):
    code, out, err = cli("explain", "-f", str(case.injected), "-o", "json", "--k8s-version", "1.33")
    assert code == 0, err
    listing = json.loads(out)
    jsonschema.validate(listing, SCHEMA)
    for (wrote, _), item in zip(case.pairs(), listing["items"]):
        users = set(container_names(pod_and_outer(wrote)[0]))
        for container in item["containers"]:
            expected = None if container["name"] in users else case.injector
            assert container["injectedBy"] == expected, (case.id, container["name"])
        assert [i["name"] for i in item["injectors"]] == ([] if case.mode == "none" else [case.injector])


@pytest.mark.parametrize("case", [c for c in CASES if c.mode in ("regular", "native")], ids=lambda c: c.id)
def test_the_job_hazard_comes_with_the_injectors_switch_and_only_in_regular_mode(case):
    entry = catalogue()[case.injector]
    for _, made in case.pairs():
        explanation = _explain(made)
        found = _codes(explanation, "legacy-sidecar-in-job")
        job_like = made.get("kind") in JOB_KINDS or (pod_and_outer(made)[0]["spec"].get("restartPolicy") or "Always") != "Always"
        hazard = entry.hazard("legacy-sidecar-in-job")  # None where the injector ends its sidecar itself (gcsfuse)
        if case.mode == "regular" and job_like and hazard:
            assert found, case.id
            switch = (hazard.get("switch") or {}).get("key") or ""  # an injector may have none: then its fix says so
            assert all(w["fix"] == " ".join(hazard["fix"].split()) and switch in w["fix"]
                       and w["injector"] == case.injector for w in found)
            assert all(w["container"] in explanation["injectors"][0]["containers"] for w in found)
        else:
            assert not found, case.id


def test_every_regular_job_fixture_is_covered():
    """The Job hazard test above is not vacuous: regular Jobs and CronJobs, and native ones, are there."""
    kinds = {(c.mode, made.get("kind")) for c in CASES for _, made in c.pairs()}
    assert {("regular", "Job"), ("regular", "CronJob"), ("native", "Job"), ("native", "CronJob")} <= kinds


@pytest.mark.parametrize("case", [c for c in CASES if "held" in c.shows], ids=lambda c: c.id)
def test_a_held_application_has_no_start_race(case):
    for _, made in case.pairs():
        explanation = _explain(made)
        assert not _codes(explanation, "start-race")
        assert any("no start race" in note for note in explanation["injectors"][0]["notes"])


@pytest.mark.parametrize("case", [c for c in CASES if c.mode == "regular" and "held" not in c.shows],
                         ids=lambda c: c.id)
def test_an_unheld_regular_proxy_races_the_app_at_start_and_at_shutdown(case):
    entry = catalogue()[case.injector]
    for _, made in case.pairs():
        explanation = _explain(made)
        for code in ("start-race", "shutdown-race"):
            found = _codes(explanation, code)
            if entry.hazard(code) is None:  # `applies: false`: the injector has no such race
                assert not found, (case.id, code)
            elif code == "shutdown-race" and _avoided(made, entry.hazard(code)):
                assert not found and any(n.startswith("shutdown:") for n in explanation["injectors"][0]["notes"])
            else:
                assert found, (case.id, code)
            assert all(w["fix"] and case.injector in w["message"] for w in found)


def _avoided(document: dict, hazard: dict) -> bool:
    """The injector's drain setting is on in the document (`avoided_by`: a container has the path,
    the env value or the command-line flag)."""
    import re

    from kubectl_pods.injectors.catalogue import name_matches

    pod, _ = pod_and_outer(document)
    spec = pod.get("spec") or {}
    containers = [c for field in ("initContainers", "containers") for c in spec.get(field) or []]
    for rule in hazard.get("avoided_by") or []:
        for container in (c for c in containers if name_matches(rule["container"], c["name"])):
            value = container
            for part in (rule.get("has") or "").split("."):
                value = value.get(part) if isinstance(value, dict) else None
            env = {e["name"]: e.get("value") for e in container.get("env") or []}
            if (rule.get("has") and value) or (rule.get("env") and re.fullmatch(rule.get("value") or ".*", str(env.get(rule["env"])))) \
                    or (rule.get("arg") and any(re.fullmatch(rule["arg"], a) for a in container.get("args") or [])):
                return True
    return False


@pytest.mark.parametrize("injector,flag", [("consul", "-shutdown-grace-period-seconds=5"),
                                           ("dapr", "--dapr-block-shutdown-duration")])
def test_the_proxys_drain_flag_on_its_command_line_avoids_the_shutdown_race(injector, flag):
    """consul-dataplane's -shutdown-grace-period-seconds (proxy lifecycle), daprd's
    --dapr-block-shutdown-duration: rendered by the injector from the user's annotation."""
    case = next(c for c in CASES if c.injector == injector and c.mode == "regular")
    [(_, made)] = case.pairs()
    for on in (True, False):
        document = copy.deepcopy(made)
        spec = document["spec"]["template"]["spec"] if document.get("kind") != "Pod" else document["spec"]
        proxy = next(c for c in spec["containers"] if c["name"] in _long_running_injected(document))
        proxy["args"] = [a for a in proxy.get("args") or [] if a.split("=")[0] != flag.split("=")[0]]
        if on:
            proxy["args"] += [flag, "30s"] if injector == "dapr" else [flag]
        explanation = _explain(document)
        assert bool(_codes(explanation, "shutdown-race")) is not on, (injector, on)
        assert any(n.startswith("shutdown:") for n in explanation["injectors"][0]["notes"]) is on


def _long_running_injected(document: dict) -> set[str]:
    from kubectl_pods.injectors import recognise

    pod, outer = pod_and_outer(document)
    return {c.name for i in recognise(pod, outer) for c in i.containers if c.long_running}


def _with_user_init(document: dict, run_as: int | None = None, first: bool = False) -> dict:
    changed = copy.deepcopy(document)
    template_spec = changed["spec"]["template"]["spec"] if changed.get("kind") != "Pod" else changed["spec"]
    init = {"name": "fetch-config", "image": "busybox", "command": ["wget", "http://config"]}
    if run_as is not None:
        init["securityContext"] = {"runAsUser": run_as}
    inits = template_spec.setdefault("initContainers", [])
    inits.insert(0, init) if first else inits.append(init)
    return changed


def _document(relative: str) -> dict:
    return next(d for d in yaml.safe_load_all((ROOT / relative).read_text()) if d)


@pytest.mark.parametrize("relative,uid", [("istio/1.26.0/hello.yaml.cni.injected", 1337),
                                          ("linkerd/stable-2.14.10/inject_emojivoto_deployment_no_init_container.golden.yml", 2102)])
def test_with_the_cni_every_user_init_container_has_no_network_unless_it_runs_as_the_proxy(relative, uid):
    injector = relative.split("/")[0]
    warning = _codes(_explain(_with_user_init(_document(relative), first=True)), "init-without-network")
    assert [w["container"] for w in warning] == ["fetch-config"]
    assert str(uid) in warning[0]["message"] and warning[0]["injector"] == injector
    for key in catalogue()[injector].hazard("init-without-network")["exclusions"]:
        assert key in warning[0]["fix"]
    assert not _codes(_explain(_with_user_init(_document(relative), run_as=uid, first=True)), "init-without-network")


@pytest.mark.parametrize("relative", ["istio/1.26.0/hello.proxyHoldsApplication.yaml.injected",
                                      "linkerd/stable-2.14.10/inject_emojivoto_pod.golden.yml"])
def test_after_the_redirect_init_container_a_user_init_has_no_network_before_it_it_has(relative):
    assert _codes(_explain(_with_user_init(_document(relative))), "init-without-network")
    assert not _codes(_explain(_with_user_init(_document(relative), first=True)), "init-without-network")


def test_native_mode_says_which_init_containers_run_with_the_proxy():
    explanation = _explain(_document("istio/1.28.0/multi-init.yaml.injected"))
    assert not _codes(explanation, "init-without-network")
    note = next(n for n in explanation["injectors"][0]["notes"] if n.startswith("native order"))
    assert "`init-one`, `init-two`" in note.split("after it")[1]


@pytest.mark.parametrize("case", [c for c in CASES if c.mode == "native"], ids=lambda c: c.id)
def test_native_injection_on_a_version_without_native_sidecars(case):
    entry = catalogue()[case.injector]
    for _, made in case.pairs():
        for version in ((1, 27), (1, 28)):
            found = _codes(_explain(made, version), "native-unsupported-version")
            if entry.hazard("native-unsupported-version") is None:  # e.g. an injector that checks the version
                assert not found
                continue
            off = (entry.native.get("off_switch") or {}).get("key") or ""  # none where native is automatic
            assert found and off in found[0]["fix"] and found[0]["injector"] == case.injector
            injected = set(found[0]["message"].split("`")[1::2])
            generic = _codes(_explain(made, version), "sidecar-unsupported-version")
            # the generic warning is left to the user's own native sidecars, if any
            assert not [w for w in generic if injected & set(w["message"].split(":")[0].split(", "))]
        assert not _codes(_explain(made, (1, 29)), "native-unsupported-version")


def test_without_markers_the_name_guess_says_it_is_a_guess():
    document = _document("istio/1.28.0/job-old-version.yaml.injected")
    del document["spec"]["template"]["metadata"]["annotations"]["sidecar.istio.io/status"]
    explanation = _explain(document)
    assert explanation["injectors"] == []
    [warning] = _codes(explanation, "legacy-sidecar-in-job")
    # no injector's fix: only the command that moves a container the user owns (issue 21)
    assert "a guess" in warning["message"] and warning["fix"].startswith("kubectl pods migrate ")
    assert "sidecar.istio.io" not in warning["fix"]


_REGULAR_OR_NATIVE = [(case, made) for case in CASES if case.mode in ("regular", "native") for _, made in case.pairs()]


@settings(max_examples=80, deadline=None)
@given(pick=st.sampled_from(_REGULAR_OR_NATIVE), policy=st.sampled_from(["Always", "OnFailure", "Never", None]),
       version=st.sampled_from([(1, 29), (1, 33), (1, 36)]))
def test_the_job_hazard_holds_exactly_for_a_regular_proxy_in_a_pod_that_should_complete(pick, policy, version):
    """legacy-sidecar-in-job iff the injected proxy is a regular container and the pod is meant to
    complete (a Job's, or restartPolicy OnFailure/Never), where the injector has the hazard: never for
    a native proxy."""
    case, made = pick
    pod, outer = pod_and_outer(copy.deepcopy(made))
    if policy is None:
        pod["spec"].pop("restartPolicy", None)
    else:
        pod["spec"]["restartPolicy"] = policy
    document = dict(pod, metadata={**pod["metadata"], "annotations": {
        **(pod["metadata"].get("annotations") or {}), **{k: v for o in outer for k, v in (o.get("annotations") or {}).items()}}})
    explanation = explain_pod(pod_input(document, "test"), version, None)
    found = _codes(explanation, "legacy-sidecar-in-job")
    owned_by_job = any(r.get("kind") == "Job" for r in pod["metadata"].get("ownerReferences") or [])
    should_complete = (policy or "Always") != "Always" or owned_by_job
    applies = catalogue()[case.injector].hazard("legacy-sidecar-in-job") is not None  # gcsfuse ends its own
    assert bool(found) == (case.mode == "regular" and should_complete and applies), (case.id, policy)


def test_an_init_container_of_the_injector_that_runs_first_holds_the_app():
    """Vault: vault-agent-init renders the secrets and runs to completion before the app starts
    (held_by completes_before_app); without it (agent-pre-populate "false") vault-agent races the app."""
    case = next(c for c in CASES if c.injector == "vault" and c.mode == "regular")
    [(_, made)] = case.pairs()
    assert not _codes(_explain(made), "start-race")
    document = copy.deepcopy(made)
    spec = document["spec"]["template"]["spec"] if document.get("kind") != "Pod" else document["spec"]
    spec["initContainers"] = [c for c in spec["initContainers"] if c["name"] != "vault-agent-init"]
    [warning] = _codes(_explain(document), "start-race")
    assert warning["container"] == "vault-agent" and "agent-pre-populate" in warning["fix"]


@pytest.mark.parametrize("injector,metadata", [
    ("consul", {"annotations": {"consul.hashicorp.com/redirect-traffic-config": "{}"}}),
    ("appmesh", {"annotations": {"appmesh.k8s.aws/appmeshCNI": "Enabled"}}),
    ("appmesh", {"labels": {"eks.amazonaws.com/fargate-profile": "fp-default"}})])
def test_a_cni_the_pod_names_by_annotation_or_label_affects_every_user_init_container(injector, metadata):
    """Consul's and App Mesh's CNI add no init container: the webhook's annotation (or EKS Fargate's
    label) says the redirect is installed with the pod's network, before any init container."""
    case = next(c for c in CASES if c.injector == injector and c.mode == "regular")
    [(_, made)] = case.pairs()
    plain = _with_user_init(made, first=True)
    assert not _codes(_explain(plain), "init-without-network")  # before the redirect init container
    marked = copy.deepcopy(plain)
    meta = marked["spec"]["template"]["metadata"] if marked.get("kind") != "Pod" else marked["metadata"]
    for field, entries in metadata.items():
        meta.setdefault(field, {}).update(entries)
    [warning] = _codes(_explain(marked), "init-without-network")
    assert warning["container"] == "fetch-config" and next(iter(next(iter(metadata.values())))) in warning["message"]


def test_a_proxy_named_by_pattern_is_found_in_the_native_order():
    """Consul names its dataplane consul-dataplane-<service> on multi-port pods; the catalogue's
    `proxy` is then a pattern, and the native-order note names the container itself."""
    case = next(c for c in CASES if c.injector == "consul" and c.mode == "native")
    [(_, made)] = case.pairs()
    document = _with_user_init(made, first=True)
    spec = document["spec"]["template"]["spec"] if document.get("kind") != "Pod" else document["spec"]
    next(c for c in spec["initContainers"] if c["name"] == "consul-dataplane")["name"] = "consul-dataplane-web"
    notes = _explain(document)["injectors"][0]["notes"]
    assert "native order: init containers before `consul-dataplane-web`: `fetch-config`." in notes
