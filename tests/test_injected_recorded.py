"""A real node (kubelet v1.33.13) ran Istio's injection shapes (scripts/record-injected-pods):
the regular-mode pod stays Running after its app exits, the native one completes; explain says
why, names Istio and its switch, on the pods and events as the server returned them."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from kubectl_pods.explain import explain_pod
from kubectl_pods.render.explain_text import render_detail
from kubectl_pods.sources import PodInput

RECORDING = json.loads((Path(__file__).parent / "fixtures" / "recorded" / "injected-pods.json").read_text())
PODS = {entry["name"]: entry for entry in RECORDING["pods"]}


def _explain(name: str) -> dict:
    entry = PODS[name]
    finished = max(s["state"]["terminated"]["finishedAt"] for s in entry["pod"]["status"]["containerStatuses"]
                   if "terminated" in s["state"])
    now = datetime.fromisoformat(finished.replace("Z", "+00:00")).astimezone(timezone.utc)
    return explain_pod(PodInput(pod=entry["pod"], source="cluster"), (1, 33), now, events=entry["events"])


def _state(entry: dict, container: str) -> str:
    status = entry["pod"]["status"]
    found = next(s for s in status.get("initContainerStatuses", []) + status["containerStatuses"] if s["name"] == container)
    return next(iter(found["state"]))


def test_the_regular_mode_pod_stays_running_after_its_app_exited():
    entry = PODS["istio-regular"]
    assert entry["pod"]["status"]["phase"] == "Running" and entry["secondsAfterAppExit"] >= 20
    assert _state(entry, "pi") == "terminated" and _state(entry, "istio-proxy") == "running"
    explanation = _explain("istio-regular")
    assert explanation["status"] == "NotReady"
    [warning] = [w for w in explanation["warnings"] if w["code"] == "legacy-sidecar-in-job"]
    assert warning["container"] == "istio-proxy" and warning["injector"] == "istio"
    assert 'sidecar.istio.io/nativeSidecar: "true"' in warning["fix"]
    text = render_detail(explanation)
    assert "Istio sidecar injector" in text and "fix: turn on Istio's native sidecar mode" in text
    assert [i["mode"] for i in explanation["injectors"]] == ["regular"]


def test_the_native_mode_pod_completes_and_is_not_warned():
    entry = PODS["istio-native"]
    assert entry["pod"]["status"]["phase"] == "Succeeded"
    assert _state(entry, "pi") == "terminated" and _state(entry, "istio-proxy") == "terminated"
    explanation = _explain("istio-native")
    assert explanation["status"] == "Completed"
    assert not [w for w in explanation["warnings"] if w["code"] == "legacy-sidecar-in-job"]
    assert [i["mode"] for i in explanation["injectors"]] == ["native"]


@pytest.mark.parametrize("name", sorted(PODS))
def test_the_recorded_pods_carry_istios_markers_unchanged(name):
    sent = PODS[name]["sent"]["metadata"]["annotations"]["sidecar.istio.io/status"]
    assert PODS[name]["pod"]["metadata"]["annotations"]["sidecar.istio.io/status"] == sent
    assert [c["injectedBy"] for c in _explain(name)["containers"] if c["name"] != "pi"] == ["istio", "istio"]
