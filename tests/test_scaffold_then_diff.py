"""A scaffolded pod, defaulted the way the recorded server did it, diffs empty against its pattern."""

from __future__ import annotations

import copy

import pytest
import yaml

from kubectl_pods.scaffold.build import scaffold_objects
from kubectl_pods.scaffold.catalog import load_catalog
from tests.conftest import oracle_cases

PATTERNS = sorted(load_catalog([]))


def _recorded_admission():
    """The token volume, its mount and the default tolerations, as the server added them."""
    live = next(c["live"] for c in oracle_cases("defaulting.json") if c["id"] == "defaulting-init-sidecar-mix")
    token = next(v for v in live["spec"]["volumes"] if v["name"].startswith("kube-api-access-"))
    mount = next(m for m in live["spec"]["containers"][0]["volumeMounts"] if m["name"] == token["name"])
    return token, mount, live["spec"]["tolerations"]


def server_defaults(pod: dict) -> dict:
    """What the recorded kube-apiserver v1.33 did to a Pod on create (written out independently of
    kubectl_pods.diff.defaults, from the oracle's defaulting cases)."""
    token, mount, tolerations = _recorded_admission()
    live = copy.deepcopy(pod)
    live["metadata"].update(namespace="default", uid="0000", resourceVersion="42", generation=1,
                            creationTimestamp="2026-11-24T00:00:00Z")
    spec = live["spec"]
    spec.update({"restartPolicy": spec.get("restartPolicy", "Always"), "terminationGracePeriodSeconds": 30,
                 "dnsPolicy": "ClusterFirst", "serviceAccountName": "default", "serviceAccount": "default",
                 "securityContext": {}, "schedulerName": "default-scheduler", "tolerations": tolerations,
                 "priority": 0, "enableServiceLinks": True, "preemptionPolicy": "PreemptLowerPriority"})
    spec["volumes"] = spec.get("volumes", []) + [token]
    for container in spec.get("initContainers", []) + spec["containers"]:
        image = container["image"]
        tagged = ":" in image.rsplit("/", 1)[-1] and not image.endswith(":latest")
        container.setdefault("imagePullPolicy", "IfNotPresent" if tagged else "Always")
        container.update(terminationMessagePath="/dev/termination-log", terminationMessagePolicy="File",
                         resources=container.get("resources", {}))
        container["volumeMounts"] = container.get("volumeMounts", []) + [mount]
        for port in container.get("ports", []):
            port.setdefault("protocol", "TCP")
        for name in ("startupProbe", "readinessProbe", "livenessProbe"):
            if name in container:
                probe = container[name]
                for key, value in (("timeoutSeconds", 1), ("periodSeconds", 10), ("successThreshold", 1), ("failureThreshold", 3)):
                    probe.setdefault(key, value)
                if "httpGet" in probe:
                    probe["httpGet"].setdefault("scheme", "HTTP")
    live["status"] = {"phase": "Pending", "qosClass": "BestEffort"}
    return live


@pytest.mark.parametrize("pattern", PATTERNS)
def test_scaffolded_then_defaulted_pod_has_no_drift(pattern, cli, tmp_path):
    [pod], _ = scaffold_objects(pattern=pattern, name="demo", kind="pod", version=(1, 33), set_values=[])
    live = tmp_path / "live.yaml"
    live.write_text(yaml.safe_dump(server_defaults(pod)))
    intended = tmp_path / "intended.yaml"
    intended.write_text(yaml.safe_dump(pod))
    code, out, err = cli("diff", "-f", str(intended), "--live", str(live))
    assert (code, out) == (0, "pod: demo (namespace default)\n  no drift\n"), err
    code, out, err = cli("diff", "--pattern", pattern, "--live", str(live), "demo")
    assert code == 0, out + err
    assert cli("diff", "--pattern", pattern, "--set", "image=nginx:1.27", "--live", str(live), "demo")[0] in (0, 1)


def test_pattern_values_compare_a_rendering(cli, tmp_path):
    [pod], _ = scaffold_objects(pattern="sidecar", name="demo", kind="pod", version=(1, 33), set_values=["image=nginx:1.27"])
    live = server_defaults(pod)
    live["spec"]["containers"][0]["image"] = "nginx:1.28"
    path = tmp_path / "live.yaml"
    path.write_text(yaml.safe_dump(live))
    code, out, _ = cli("diff", "--pattern", "sidecar", "--set", "image=nginx:1.27", "--live", str(path), "demo")
    assert code == 1 and "spec.containers[name=app].image" in out


@pytest.mark.parametrize("mutate,needle", [
    (lambda s: s["initContainers"][0].pop("startupProbe"), "has no startupProbe"),
    (lambda s: s["initContainers"][0].pop("restartPolicy"), "not a restartable init container"),
    (lambda s: s["initContainers"][0].pop("volumeMounts"), "shares no volume"),
])
def test_sidecar_conformance_violations(cli, tmp_path, mutate, needle):
    [pod], _ = scaffold_objects(pattern="sidecar", name="demo", kind="pod", version=(1, 33), set_values=[])
    live = server_defaults(pod)
    mutate(live["spec"])
    path = tmp_path / "live.yaml"
    path.write_text(yaml.safe_dump(live))
    code, out, _ = cli("diff", "--pattern", "sidecar", "--live", str(path), "demo")
    assert code == 1 and needle in out


def test_ambassador_port_must_be_the_one_the_app_is_given(cli, tmp_path):
    [pod], _ = scaffold_objects(pattern="ambassador", name="demo", kind="pod", version=(1, 33), set_values=[])
    live = server_defaults(pod)
    live["spec"]["containers"][0]["env"][1]["value"] = "6000"
    path = tmp_path / "live.yaml"
    path.write_text(yaml.safe_dump(live))
    code, out, _ = cli("diff", "--pattern", "ambassador", "--live", str(path), "demo")
    assert code == 1 and "listens on no port the app is told to use" in out


def test_init_order_conformance(cli, tmp_path):
    [pod], _ = scaffold_objects(pattern="init", name="demo", kind="pod", version=(1, 33), set_values=[])
    live = server_defaults(pod)
    live["spec"]["initContainers"].reverse()
    path = tmp_path / "live.yaml"
    path.write_text(yaml.safe_dump(live))
    code, out, _ = cli("diff", "--pattern", "init", "--live", str(path), "demo")
    assert code == 1 and "no longer run in the declared order" in out
