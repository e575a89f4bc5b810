"""diff/cross.py: matching pods across clusters, and comparing two stored pods both ways."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kubectl_pods.diff.cross import cross_changes, match, match_key
from tests.conftest import VERSIONS, load_json

VERSION_DIRS = sorted(p.name for p in VERSIONS.iterdir() if p.is_dir() and p.name != "1.28-sidecar-gate")


def stored(version: str) -> list[dict]:
    return [case["live"] for case in load_json(VERSIONS / version / "defaulting.json") if case["kind"] == "Pod"]


def _pod(name: str, generate: str | None = None, owner: str | None = None, template_hash: str | None = None) -> dict:
    meta = {"name": name, "namespace": "web"}
    if generate:
        meta["generateName"] = generate
    if owner:
        kind, owner_name = owner.split("/")
        meta["ownerReferences"] = [{"kind": kind, "name": owner_name, "controller": True}]
    if template_hash:
        meta["labels"] = {"pod-template-hash": template_hash}
    return {"metadata": meta}


@pytest.mark.parametrize("pod,key", [
    (_pod("web-7d9f8-x2x4q", "web-7d9f8-", "ReplicaSet/web-7d9f8", "7d9f8"), ("web", "ReplicaSet", "web-")),
    (_pod("db-0", None, "StatefulSet/db"), ("web", "StatefulSet", "db-0")),
    (_pod("agent-k2j4d", "agent-", "DaemonSet/agent"), ("web", "DaemonSet", "agent-")),
    (_pod("lonely"), ("web", "Pod", "lonely")),
    (_pod("made-abcde", "made-"), ("web", "Pod", "made-")),
    (_pod("backup-29420160-7xk2p", "backup-29420160-", "Job/backup-29420160"), ("web", "Job", "backup-<scheduled>-")),
    (_pod("migrate-2-kq8cz", "migrate-2-", "Job/migrate-2"), ("web", "Job", "migrate-2-")),
    (_pod("shard-2-x7q9z", "shard-2-", "Job/shard"), ("web", "Job", "shard-2-")),
])
def test_the_name_pattern_leaves_out_what_controllers_generate(pod, key):
    assert match_key(pod) == key


def test_replicas_of_one_deployment_match_whatever_their_hash_and_suffix():
    here = [_pod("web-aaaaa-11111", "web-aaaaa-", "ReplicaSet/web-aaaaa", "aaaaa")]
    there = [_pod("web-bbbbb-22222", "web-bbbbb-", "ReplicaSet/web-bbbbb", "bbbbb"),
             _pod("web-bbbbb-00000", "web-bbbbb-", "ReplicaSet/web-bbbbb", "bbbbb"), _pod("extra")]
    pairs, only_here, only_there = match(here, there)
    assert [(a["metadata"]["name"], b["metadata"]["name"]) for a, b in pairs] == [("web-aaaaa-11111", "web-bbbbb-00000")]
    assert only_here == [] and [p["metadata"]["name"] for p in only_there] == ["extra"]


@pytest.mark.parametrize("left", VERSION_DIRS)
@pytest.mark.parametrize("right", VERSION_DIRS)
def test_the_same_manifests_stored_by_two_server_versions_do_not_differ(left, right):
    for here, there in zip(stored(left), stored(right)):
        assert cross_changes(here, there, None, None) == []


def test_a_default_only_one_server_fills_is_not_a_difference():
    """PodLevelResources: a server with the gate copies pod-level limits to requests
    (defaultPodRequests), one without does not. Either way round, no drift."""
    base = stored("1.36")[0]
    without = copy.deepcopy(base)
    without["spec"]["resources"] = {"limits": {"cpu": "1"}}
    with_default = copy.deepcopy(without)
    with_default["spec"]["resources"]["requests"] = {"cpu": "1"}
    assert cross_changes(without, with_default, None, None) == []
    assert cross_changes(with_default, without, None, None) == []
    chosen = copy.deepcopy(without)
    chosen["spec"]["resources"]["requests"] = {"cpu": "500m"}  # not the default: somebody chose it
    assert [c["path"] for c in cross_changes(without, chosen, None, None)] == ["spec.resources.requests"]


@given(st.sampled_from(["1.28", "1.33", "1.35", "1.36"]), st.sampled_from(["1.28", "1.33", "1.35", "1.36"]),
       st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=5, max_size=5),
       st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-.:", min_size=1, max_size=20))
def test_a_planted_image_is_the_only_difference_whatever_the_generated_names(left, right, suffix, image):
    here, there = stored(left)[0], copy.deepcopy(stored(right)[0])
    there["metadata"]["uid"] = f"other-{suffix}"
    there["spec"]["nodeName"] = f"node-{suffix}"
    old_volume = there["spec"]["volumes"][0]["name"]
    for holder in [there["spec"]["volumes"][0]] + there["spec"]["containers"][0]["volumeMounts"]:
        if holder["name"] == old_volume:
            holder["name"] = f"kube-api-access-{suffix}"
    there["spec"]["containers"][0]["image"] = image
    changes = cross_changes(here, there, None, None)
    if image == here["spec"]["containers"][0]["image"]:
        assert changes == []
    else:
        assert [(c["path"], c["intended"], c["live"]) for c in changes] == [
            ("spec.containers[name=web].image", image, here["spec"]["containers"][0]["image"])]


def test_a_sidecar_an_old_server_dropped_is_a_difference():
    """A 1.28 server without the SidecarContainers gate drops an init container's
    restartPolicy: there it runs as a regular init container, which is what differs."""
    old = load_json(VERSIONS / "1.28" / "sidecar.json")[1]["api"]["live"]
    new = load_json(VERSIONS / "1.33" / "sidecar.json")[1]["api"]["live"]
    assert [c["path"] for c in cross_changes(old, new, None, None)] == ["spec.initContainers[name=log-shipper].restartPolicy"]
    assert [c["path"] for c in cross_changes(new, old, None, None)] == ["spec.initContainers[name=log-shipper].restartPolicy"]


def test_daemonset_pods_on_different_nodes_do_not_differ():
    """The DaemonSet controller pins each pod to its node (ReplaceDaemonSetPodNodeNameNodeAffinity):
    that, and the node the pod is bound to, differ from cluster to cluster by design."""
    def on(node: str, suffix: str) -> dict:
        pod = copy.deepcopy(stored("1.36")[0])
        pod["metadata"].update(name=f"agent-{suffix}", generateName="agent-",
                               ownerReferences=[{"kind": "DaemonSet", "name": "agent", "controller": True}])
        pod["spec"]["nodeName"] = node
        pod["spec"]["tolerations"] = [  # what AddOrUpdateDaemonPodTolerations gives every daemon pod
            {"key": f"node.kubernetes.io/{key}", "operator": "Exists", "effect": effect}
            for key, effect in (("not-ready", "NoExecute"), ("unreachable", "NoExecute"),
                                ("disk-pressure", "NoSchedule"), ("memory-pressure", "NoSchedule"),
                                ("pid-pressure", "NoSchedule"), ("unschedulable", "NoSchedule"))]
        pod["spec"]["affinity"] = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
            "nodeSelectorTerms": [{"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node]}]}]}}}
        return pod

    here, there = on("node-a", "x2x4q"), on("node-b", "k9f7d")
    assert match_key(here) == match_key(there)
    assert cross_changes(here, there, None, None) == []
