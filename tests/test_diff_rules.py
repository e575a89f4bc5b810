"""Each defaulting, admission, controller and identity rule of diff, at inputs the oracle corpus
does not hold: first what a real v1.33 server stored for edge manifests
(tests/fixtures/recorded/edge-defaulting.json), then rules no single server shows (older
versions, other flags, controllers), built from the upstream code each rule names."""

from __future__ import annotations

import copy
import json

import pytest
import yaml

from kubectl_pods.diff.compare import diff_objects
from kubectl_pods.diff.defaults import image_pull_policy
from kubectl_pods.diff.normalise import server_filled
from tests.conftest import FIXTURES, load_json

EDGE_FILES = sorted((FIXTURES / "recorded").glob("edge-defaulting-*.json"))
EDGES = [dict(case, server=recording["serverVersion"]) for path in EDGE_FILES
         for recording in [load_json(path)] for case in recording["cases"]]
TOKEN_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"


@pytest.mark.parametrize("case", EDGES, ids=[f"{c['server']}-{c['id']}" for c in EDGES])
def test_what_a_real_server_filled_in_at_the_edges_is_not_drift(case):
    assert case["accepted"], case.get("error")
    assert case["live"] != case["intended"]
    assert diff_objects(case["intended"], case["live"]) == []


@pytest.mark.parametrize("container", [c for case in EDGES if case["id"] == "edge-images"
                                       for c in case["live"]["spec"]["containers"]], ids=lambda c: c["name"])
def test_image_pull_policy_follows_parse_image_name_as_the_server_did(container):
    assert image_pull_policy(container["image"]) == container["imagePullPolicy"]


def _pod(spec: dict, **meta) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", **meta}, "spec": spec}


def _stored(intended: dict, **changes) -> dict:
    """The pod with what the default admission chain adds, written out as a manifest: with no
    uid, diff gives it the API defaults itself, as the server does to what it stores."""
    live = copy.deepcopy(intended)
    live["metadata"].update(namespace="default", creationTimestamp="2026-01-01T00:00:00Z")
    spec = live["spec"]
    spec.update(serviceAccountName="default", serviceAccount="default", priority=0,
                preemptionPolicy="PreemptLowerPriority", enableServiceLinks=True)
    spec.setdefault("tolerations", []).extend(
        {"key": k, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}
        for k in ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"))
    spec.update(changes)
    live["status"] = {"phase": "Running"}
    return live


# -- ServiceAccount admission before 1.24: a secret volume named after the account's token secret ------
def _legacy_token(live: dict, secret: str = "default-token-x7k2p") -> dict:
    spec = live["spec"]
    spec.setdefault("volumes", []).append({"name": secret, "secret": {"secretName": secret, "defaultMode": 420}})
    for container in spec.get("initContainers", []) + spec["containers"]:
        container.setdefault("volumeMounts", []).append({"name": secret, "readOnly": True, "mountPath": TOKEN_PATH})
    return live


def test_a_legacy_secret_token_volume_is_not_drift():
    intended = _pod({"initContainers": [{"name": "init", "image": "busybox:1.36"}],
                     "containers": [{"name": "app", "image": "nginx:1.20"}]})
    assert diff_objects(intended, _legacy_token(_stored(intended))) == []


def test_another_accounts_token_secret_is_drift():
    intended = _pod({"containers": [{"name": "app", "image": "nginx:1.20"}]})
    live = _legacy_token(_stored(intended), secret="builder-token-x7k2p")
    assert {c["path"] for c in diff_objects(intended, live)} == {
        "spec.volumes[name=builder-token-x7k2p]", f"spec.containers[name=app].volumeMounts[mountPath={TOKEN_PATH}]"}


def test_a_token_volume_where_automount_is_off_on_the_pod_is_drift():
    intended = _pod({"automountServiceAccountToken": False, "containers": [{"name": "app", "image": "nginx:1.20"}]})
    live = _stored(intended)
    live["spec"]["volumes"] = [{"name": "kube-api-access-abcde", "projected": {"sources": []}}]
    live["spec"]["containers"][0]["volumeMounts"] = [{"name": "kube-api-access-abcde", "mountPath": TOKEN_PATH,
                                                      "readOnly": True}]
    assert len(diff_objects(intended, live)) == 2


def test_the_accounts_pull_secrets_are_not_drift_unless_the_pod_named_its_own():
    intended = _pod({"containers": [{"name": "app", "image": "nginx:1.20"}]})
    assert diff_objects(intended, _stored(intended, imagePullSecrets=[{"name": "registry"}])) == []
    intended["spec"]["imagePullSecrets"] = [{"name": "mine"}]
    changes = diff_objects(intended, _stored(intended, imagePullSecrets=[{"name": "registry"}]))
    assert {c["path"] for c in changes} == {"spec.imagePullSecrets[name=mine]", "spec.imagePullSecrets[name=registry]"}


# -- DefaultTolerationSeconds, Priority, the scheduler, PodTopologyLabels ------------------------------
def test_default_toleration_seconds_set_by_a_server_flag_are_not_drift():
    intended = _pod({"containers": [{"name": "app", "image": "nginx:1.20"}]})
    live = _stored(intended)
    for toleration in live["spec"]["tolerations"]:
        toleration["tolerationSeconds"] = 30  # --default-not-ready-toleration-seconds=30
    assert diff_objects(intended, live) == []


def test_a_toleration_added_later_is_drift_but_the_defaults_are_not():
    intended = _pod({"containers": [{"name": "app", "image": "nginx:1.20"}]})
    live = _stored(intended)
    live["spec"]["tolerations"].append({"key": "gpu", "operator": "Exists", "effect": "NoSchedule"})
    assert [c["path"] for c in diff_objects(intended, live)] == ["spec.tolerations[key=gpu]"]


def test_the_global_default_priority_class_and_the_node_are_not_drift_but_another_class_is():
    intended = _pod({"containers": [{"name": "app", "image": "nginx:1.20"}]})
    live = _stored(intended, priorityClassName="default-high", priority=1000, nodeName="node-a")
    assert diff_objects(intended, live) == []
    intended["spec"]["priorityClassName"] = "low"
    assert [c["path"] for c in diff_objects(intended, live)] == ["spec.priorityClassName"]


def test_topology_labels_copied_at_binding_are_not_drift():
    intended = _pod({"containers": [{"name": "app", "image": "nginx:1.20"}]}, labels={"app": "web"})
    live = _stored(intended)
    live["metadata"]["labels"].update({"topology.kubernetes.io/zone": "z1", "team": "x"})
    assert [c["path"] for c in diff_objects(intended, live)] == ["metadata.labels.team"]


# -- controllers -------------------------------------------------------------------------------------
def _owned(live: dict, kind: str, name: str) -> dict:
    live["metadata"]["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": kind, "name": name, "controller": True,
                                            "uid": "o"}]
    return live


def test_a_daemonset_pods_tolerations_and_node_affinity_are_the_controllers():
    template = _pod({"hostNetwork": True, "containers": [{"name": "agent", "image": "agent:1"}],
                     "tolerations": [{"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute",
                                      "tolerationSeconds": 5}]})
    live = _owned(_stored(template, tolerations=[]), "DaemonSet", "agent")
    live["spec"]["tolerations"] = [
        {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"},
        *({"key": f"node.kubernetes.io/{k}", "operator": "Exists", "effect": e} for k, e in (
            ("unreachable", "NoExecute"), ("disk-pressure", "NoSchedule"), ("memory-pressure", "NoSchedule"),
            ("pid-pressure", "NoSchedule"), ("unschedulable", "NoSchedule"), ("network-unavailable", "NoSchedule")))]
    live["spec"]["affinity"] = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["node-a"]}]}]}}}
    assert diff_objects(template, live, intended_is_template=True) == []
    live["spec"]["tolerations"].append({"key": "dedicated", "operator": "Exists"})
    assert [c["path"] for c in diff_objects(template, live, intended_is_template=True)] == ["spec.tolerations[key=dedicated]"]


def test_a_statefulset_pods_identity_and_claim_volumes_are_the_controllers():
    template = _pod({"containers": [{"name": "db", "image": "postgres:16",
                                     "volumeMounts": [{"name": "data", "mountPath": "/data"}]}]})
    live = _owned(_stored(template, hostname="db-0", subdomain="db"), "StatefulSet", "db")
    live["metadata"]["name"] = "db-0"
    live["metadata"]["labels"] = {"statefulset.kubernetes.io/pod-name": "db-0", "apps.kubernetes.io/pod-index": "0",
                                  "controller-revision-hash": "db-6c9"}
    live["spec"]["volumes"] = [{"name": "data", "persistentVolumeClaim": {"claimName": "data-db-0"}}]
    assert diff_objects(template, live, intended_is_template=True) == []
    live["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"] = "restored-data"
    assert [c["path"] for c in diff_objects(template, live, intended_is_template=True)] == ["spec.volumes[name=data]"]


def test_an_indexed_job_pods_index_env_and_hostname_are_the_controllers():
    template = _pod({"restartPolicy": "Never", "containers": [{"name": "work", "image": "busybox:1.36"}]})
    live = _owned(_stored(template, hostname="sum-2"), "Job", "sum")
    live["metadata"]["annotations"] = {"batch.kubernetes.io/job-completion-index": "2"}
    live["metadata"]["finalizers"] = ["batch.kubernetes.io/job-tracking"]
    live["spec"]["containers"][0]["env"] = [{"name": "JOB_COMPLETION_INDEX", "valueFrom": {"fieldRef": {
        "apiVersion": "v1", "fieldPath": "metadata.labels['batch.kubernetes.io/job-completion-index']"}}}]
    assert diff_objects(template, live, intended_is_template=True) == []


# -- workloads: version-dependent defaults taken only at their default value -----------------------------
def test_a_job_replacement_policy_other_than_its_default_is_drift():
    job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"},
           "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "x:1"}]}}}}
    live = copy.deepcopy(job)
    live["spec"].update(podReplacementPolicy="TerminatingOrFailed", manualSelector=False)
    assert [c["path"] for c in diff_objects(job, live)] == []
    live["spec"]["podReplacementPolicy"] = "Failed"
    assert [c["path"] for c in diff_objects(job, live)] == ["spec.podReplacementPolicy"]


def test_kubectl_rollout_restart_and_last_applied_are_bookkeeping():
    intended = _pod({"containers": [{"name": "app", "image": "nginx:1.20"}]})
    live = _stored(intended)
    live["metadata"]["annotations"] = {"kubectl.kubernetes.io/restartedAt": "2026-01-01T00:00:00Z",
                                       "kubectl.kubernetes.io/last-applied-configuration": json.dumps(intended)}
    assert diff_objects(intended, live) == []


# -- identity through the CLI --------------------------------------------------------------------------
def _write(tmp_path, name, *objects) -> str:
    path = tmp_path / name
    path.write_text(yaml.safe_dump_all(objects))
    return str(path)


def test_a_generate_name_pod_matches_the_pods_made_from_it(cli, tmp_path):
    intended = {"apiVersion": "v1", "kind": "Pod", "metadata": {"generateName": "batch-"},
                "spec": {"containers": [{"name": "app", "image": "nginx:1.20"}]}}
    first, second = (_stored(copy.deepcopy(intended)) for _ in range(2))
    for pod, name in ((first, "batch-x1"), (second, "batch-y2")):
        pod["metadata"]["name"] = name
    second["spec"]["containers"][0]["image"] = "nginx:1.21"
    other = _stored(_pod({"containers": [{"name": "app", "image": "nginx:1.20"}]}))
    code, out, err = cli("diff", "-f", _write(tmp_path, "i.yaml", intended),
                         "--live", _write(tmp_path, "l.yaml", first, second, other), "-o", "json")
    assert code == 1, err
    items = {i["name"]: i["changes"] for i in json.loads(out)["items"]}
    assert set(items) == {"batch-x1", "batch-y2"}
    assert items["batch-x1"] == [] and [c["path"] for c in items["batch-y2"]] == ["spec.containers[name=app].image"]


def _deployment_objects():
    template = {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": "nginx:1.28"}]}}
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "shop"},
                  "spec": {"selector": {"matchLabels": {"app": "web"}}, "template": template}}
    live_deployment = copy.deepcopy(deployment)
    live_deployment["metadata"]["annotations"] = {"deployment.kubernetes.io/revision": "2"}
    replica_sets, pods = [], []
    for revision, image, hash_ in ((1, "nginx:1.27", "old"), (2, "nginx:1.28", "new")):
        replica_sets.append({"apiVersion": "apps/v1", "kind": "ReplicaSet",
                             "metadata": {"name": f"web-{hash_}", "namespace": "shop",
                                          "annotations": {"deployment.kubernetes.io/revision": str(revision)},
                                          "ownerReferences": [{"kind": "Deployment", "name": "web", "controller": True}]},
                             "spec": {"template": template}})
        pod = _stored(_pod({"containers": [{"name": "web", "image": image}]}, labels={"app": "web", "pod-template-hash": hash_}))
        pod["metadata"].update(name=f"web-{hash_}-1", namespace="shop",
                               ownerReferences=[{"kind": "ReplicaSet", "name": f"web-{hash_}", "controller": True}])
        pods.append(pod)
    return deployment, live_deployment, replica_sets, pods


def test_a_deployment_is_compared_as_an_object_then_by_its_pods_with_their_revision(cli, tmp_path):
    deployment, live_deployment, replica_sets, pods = _deployment_objects()
    live = _write(tmp_path, "l.yaml", live_deployment, *replica_sets, *pods)
    code, out, err = cli("diff", "-f", _write(tmp_path, "d.yaml", deployment), "--live", live, "-o", "json")
    assert code == 1, err
    items = json.loads(out)["items"]
    assert [(i["kind"], i["name"]) for i in items] == [("Deployment", "web"), ("Pod", "web-old-1"), ("Pod", "web-new-1")]
    assert items[0]["changes"] == [] and items[2]["changes"] == []
    assert [c["path"] for c in items[1]["changes"]] == ["spec.containers[name=web].image"]
    assert items[1]["revision"] == {"replicaSet": "web-old", "revision": "1", "current": "2", "outdated": True}
    code, text, _ = cli("diff", "-f", _write(tmp_path, "d.yaml", deployment), "--live", live)
    assert "revision 1 (ReplicaSet web-old); the Deployment is at revision 2" in text


def test_owner_mode_lists_pods_without_a_controller_and_compares_the_others(cli, tmp_path):
    _, live_deployment, replica_sets, pods = _deployment_objects()
    lonely = _stored(_pod({"containers": [{"name": "app", "image": "nginx:1.20"}]}))
    code, out, _ = cli("diff", "--owner", "--live", _write(tmp_path, "l.yaml", live_deployment, *replica_sets, *pods, lonely),
                       "-o", "json")
    assert code == 2
    items = json.loads(out)["items"]
    assert [i["name"] for i in items if "skipped" in i] == ["p"]
    assert sorted(i["name"] for i in items if "changes" in i) == ["web-new-1", "web-old-1"]


def test_explain_defaults_names_the_rule_behind_each_server_filled_field(cli, tmp_path):
    case = next(c for c in EDGES if c["id"] == "edge-handlers" and c["server"] == "v1.33.13")
    filled = {f["path"]: f["rule"] for f in server_filled(case["intended"], case["live"])}
    assert filled["spec.containers[name=app].imagePullPolicy"] == "SetObjectDefaults (core, apps, batch)"
    assert filled["spec.containers[name=app].livenessProbe.grpc.service"] == "SetObjectDefaults (core, apps, batch)"
    assert filled["spec.serviceAccountName"] == "ServiceAccount"
    assert filled["spec.tolerations[key=node.kubernetes.io/not-ready]"] == "DefaultTolerationSeconds"
    assert any(p.startswith("spec.volumes[name=kube-api-access-") and r == "ServiceAccount" for p, r in filled.items())
    assert filled["metadata.uid"] == "server metadata and status"
    code, out, err = cli("diff", "-f", _write(tmp_path, "i.yaml", case["intended"]),
                         "--live", _write(tmp_path, "l.yaml", case["live"]), "--explain-defaults")
    assert code == 0, err
    assert "filled in by the server, not compared:" in out
    assert "spec.containers[name=app].readinessProbe.periodSeconds  (SetObjectDefaults (core, apps, batch))" in out


def test_a_stored_object_is_taken_as_the_server_returned_it_a_manifest_gets_the_defaults():
    intended = _pod({"containers": [{"name": "app", "image": "nginx:1.20"}]})
    manifest = _stored(intended)
    assert diff_objects(intended, manifest) == []
    # The same object with a uid was returned by a server, which defaults on every read: no
    # defaults are added to it, so the ones it lacks show (a server never returns it like that).
    returned = copy.deepcopy(manifest)
    returned["metadata"]["uid"] = "u"
    assert "spec.containers[name=app].imagePullPolicy" in {c["path"] for c in diff_objects(intended, returned)}
