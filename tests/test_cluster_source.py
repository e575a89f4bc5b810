"""The cluster source and the kubectl flags against the loopback API server (real HTTP)."""

from __future__ import annotations

import json
import socket

import pytest

from kubectl_pods.errors import UserError
from kubectl_pods.options import KubeOptions
from kubectl_pods.sources.cluster import Cluster, events_of
from tests.apiserver.server import RunningApiServer, WRITE_VERBS


def pod(name, namespace="ns", labels=None, phase="Running", node="node-a", owner=None):
    meta = {"name": name, "namespace": namespace, "uid": f"uid-{name}", "labels": labels or {}}
    if owner:
        meta["ownerReferences"] = [{"kind": owner[0], "name": owner[1], "controller": True, "apiVersion": "x"}]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta,
            "spec": {"nodeName": node, "containers": [{"name": "app", "image": "nginx"}]},
            "status": {"phase": phase}}


def cluster(kubeconfig, **options):
    return Cluster(KubeOptions(kubeconfig=kubeconfig, **options))


def names(inputs):
    return sorted(p.name for p in inputs)


def test_namespace_defaults_to_the_contexts(kubeconfig):
    found = cluster(kubeconfig).pods()
    assert len(found) == 194 and {p.namespace for p in found} == {"oracle-status"}


@pytest.mark.parametrize("flags,expected", [
    ({"namespace": "oracle-drift"}, 18),
    ({"context": "drift"}, 18),
    ({"all_namespaces": True}, 194 + 18 + 34),
    ({"namespace": "oracle-status", "field_selector": "metadata.name=st-0001"}, 1),
    ({"namespace": "oracle-status", "field_selector": "status.phase=Failed"}, None),
    ({"namespace": "oracle-drift", "selector": "app=shop"}, None),
])
def test_flags_select_pods(kubeconfig, apiserver, flags, expected):
    found = cluster(kubeconfig, **flags).pods()
    if expected is not None:
        assert len(found) == expected
    sent = apiserver.requests[-1]
    assert sent.method == "GET"
    if "selector" in flags:
        assert sent.query["labelSelector"] == flags["selector"]
        assert found and all(p.pod["metadata"]["labels"]["app"] == "shop" for p in found)
    if flags.get("field_selector", "").startswith("status.phase"):
        assert found and all(p.pod["status"]["phase"] == "Failed" for p in found)


def test_pods_by_name_and_events(kubeconfig, apiserver):
    event = {"kind": "Event", "metadata": {"name": "e1", "namespace": "oracle-status"},
             "involvedObject": {"kind": "Pod", "name": "st-0001", "fieldPath": "spec.containers{web}"},
             "reason": "BackOff", "type": "Warning", "message": "Back-off restarting", "lastTimestamp": "2026-01-01T00:00:00Z"}
    neighbour = next(p["metadata"]["name"] for p in apiserver.state.objects["Pod"]
                     if p["metadata"]["name"] != "st-0001" and p["metadata"]["namespace"] == "oracle-status")
    other = {**event, "metadata": {"name": "e2", "namespace": "oracle-status"},
             "involvedObject": {"kind": "Pod", "name": neighbour}}
    apiserver.add(event, other)
    source = cluster(kubeconfig)
    [found] = source.pods(("st-0001",))
    assert found.name == "st-0001"
    events = source.pod_events("oracle-status", "st-0001")
    assert [e["metadata"]["name"] for e in events_of(events, found.pod["metadata"])] == ["e1"]
    assert apiserver.requests[-1].query["fieldSelector"] == "involvedObject.name=st-0001"
    both = source.pod_events("oracle-status")
    assert apiserver.requests[-1].query["fieldSelector"] == "involvedObject.kind=Pod"
    assert [e["metadata"]["name"] for e in events_of(both, {"namespace": "oracle-status", "name": "st-0001"})] == ["e1"]
    assert [e["metadata"]["name"] for e in events_of(both, {"namespace": "oracle-status", "name": neighbour})] == ["e2"]


def test_pagination_over_1200_pods_in_pages_of_500(tmp_path):
    server = RunningApiServer({"Pod": [pod(f"p{i:04d}") for i in range(1200)]})
    try:
        found = cluster(server.write_kubeconfig(tmp_path / "kc", namespace="ns")).pods()
        assert len(found) == 1200 and len({p.name for p in found}) == 1200
        lists = [r for r in server.requests if r.path.endswith("/pods")]
        assert [r.query["limit"] for r in lists] == ["500"] * 3
        assert "continue" not in lists[0].query and all("continue" in r.query for r in lists[1:])
    finally:
        server.stop()


def test_410_on_continue_restarts_the_list(tmp_path):
    server = RunningApiServer({"Pod": [pod(f"p{i:04d}") for i in range(1200)]})
    try:
        server.fault(path="/pods", status=410, message="too old resource version", on_continue=True, times=1)
        found = cluster(server.write_kubeconfig(tmp_path / "kc", namespace="ns")).pods()
        assert len(found) == 1200
        starts = [r for r in server.requests if r.path.endswith("/pods") and "continue" not in r.query]
        assert len(starts) == 2
    finally:
        server.stop()


@pytest.mark.parametrize("kind,group", [("ReplicaSet", "apps"), ("StatefulSet", "apps"), ("DaemonSet", "apps"),
                                        ("Job", "batch")])
def test_owner_walk_reaches_the_pod_template(tmp_path, kind, group):
    top = {"Job": "CronJob", "ReplicaSet": "Deployment"}.get(kind)
    owner = {"apiVersion": f"{group}/v1", "kind": kind,
             "metadata": {"name": "owner", "namespace": "ns",
                          **({"ownerReferences": [{"kind": top, "name": "top", "controller": True}]} if top else {})},
             "spec": {"template": {"spec": {"containers": [{"name": "app", "image": "nginx"}]}}}}
    objects = {"Pod": [pod("p", owner=(kind, "owner"))], kind: [owner]}
    if top:
        objects[top] = [{"apiVersion": f"{group}/v1", "kind": top, "metadata": {"name": "top", "namespace": "ns"}}]
    server = RunningApiServer(objects)
    try:
        source = cluster(server.write_kubeconfig(tmp_path / "kc", namespace="ns"))
        chain = source.owner_chain(source.pods(("p",))[0].pod)
        assert [o["kind"] for o in chain] == [kind] + ([top] if top else [])
        assert chain[0]["spec"]["template"]["spec"]["containers"][0]["name"] == "app"
    finally:
        server.stop()


def test_server_version(kubeconfig):
    assert cluster(kubeconfig).server_version() == (1, 33)


@pytest.mark.parametrize("fault,needle", [
    ({"status": 403, "message": 'pods is forbidden: User "tester" cannot list resource "pods"'},
     'the server refused to list pods in namespace "oracle-status" (403 Forbidden): pods is forbidden: User "tester"'),
    ({"status": 500, "message": "etcd is sad"}, "the server answered 500 to list pods"),
    ({"status": 429, "message": "slow down"}, "the server answered 429"),
])
def test_http_faults_become_one_line_errors(kubeconfig, apiserver, fault, needle):
    apiserver.fault(path="/pods", **fault)
    with pytest.raises(UserError) as caught:
        cluster(kubeconfig).pods()
    assert needle in str(caught.value)


def test_401(apiserver, tmp_path):
    apiserver.state.token = "right"
    config = apiserver.write_kubeconfig(tmp_path / "kc", token="wrong")
    with pytest.raises(UserError, match="You must be logged in to the server"):
        cluster(config).pods()


def test_404_by_name(kubeconfig):
    with pytest.raises(UserError, match='pods "nope" not found in namespace \'oracle-status\''):
        cluster(kubeconfig).pods(("nope",))


def test_slow_response_times_out(kubeconfig, apiserver):
    apiserver.fault(path="/pods", delay=2.0)
    with pytest.raises(UserError, match=r"did not answer within 0.3s"):
        cluster(kubeconfig, request_timeout=0.3).pods()


def test_closed_port(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = tmp_path / "kc"
    config.write_text(json.dumps({"apiVersion": "v1", "kind": "Config", "current-context": "c",
                                  "clusters": [{"name": "c", "cluster": {"server": f"http://127.0.0.1:{port}"}}],
                                  "users": [{"name": "u", "user": {}}],
                                  "contexts": [{"name": "c", "context": {"cluster": "c", "user": "u"}}]}))
    with pytest.raises(UserError, match="was refused"):
        cluster(str(config)).pods()


def test_cluster_and_user_flags_override_the_context(tls_apiserver, tmp_path):
    import yaml

    from tests.apiserver.rbac import Identity

    apiserver = tls_apiserver
    apiserver.state.tokens["other-token"] = Identity("other")
    path = tmp_path / "kc"
    apiserver.write_kubeconfig(path, namespace="oracle-drift")
    config = yaml.safe_load(path.read_text())
    config["clusters"].insert(0, {"name": "elsewhere", "cluster": {"server": "http://127.0.0.1:9"}})
    config["users"].append({"name": "other", "user": {"token": "other-token"}})
    config["contexts"][0]["context"]["cluster"] = "elsewhere"
    path.write_text(yaml.safe_dump(config))
    found = Cluster(KubeOptions(kubeconfig=str(path), cluster="loopback", user="other")).pods()
    assert len(found) == 18
    assert apiserver.requests[-1].headers["authorization"] == "Bearer other-token"
    assert apiserver.requests[-1].identity == Identity("other")
    with pytest.raises(UserError, match='--cluster: cluster "ghost" does not exist'):
        Cluster(KubeOptions(kubeconfig=str(path), cluster="ghost"))


def test_no_credentials_over_plain_http(apiserver, kubeconfig):
    """kubectl sends the user's credentials only over TLS (client-go clientcmd ClientConfig:
    `IsConfigTransportTLS`); the test server's kubeconfig has a token and an http:// URL."""
    cluster(kubeconfig).pods()
    assert apiserver.requests and not any("authorization" in r.headers for r in apiserver.requests)


def test_kubeconfig_env_with_several_files(apiserver, tmp_path, monkeypatch):
    import yaml

    full = yaml.safe_load(open(apiserver.write_kubeconfig(tmp_path / "all", namespace="oracle-drift")))
    first = {k: v for k, v in full.items() if k != "users"}
    second = {"apiVersion": "v1", "kind": "Config", "users": full["users"]}
    (tmp_path / "a").write_text(yaml.safe_dump(first))
    (tmp_path / "b").write_text(yaml.safe_dump(second))
    monkeypatch.setenv("KUBECONFIG", f"{tmp_path / 'a'}:{tmp_path / 'b'}")
    assert len(Cluster(KubeOptions()).pods()) == 18


def test_kubeconfig_is_never_rewritten(kubeconfig):
    before = open(kubeconfig).read()
    cluster(kubeconfig).pods()
    assert open(kubeconfig).read() == before


@pytest.mark.parametrize("problem,needle", [("missing", "no kubeconfig found"), ("context", 'context "ghost" does not exist')])
def test_kubeconfig_problems(kubeconfig, tmp_path, problem, needle):
    options = (KubeOptions(kubeconfig=str(tmp_path / "none")) if problem == "missing"
               else KubeOptions(kubeconfig=kubeconfig, context="ghost"))
    with pytest.raises(UserError, match=needle):
        Cluster(options)


def test_no_command_sends_a_write_verb(kubeconfig, apiserver, cli):
    for args in (["explain", "-A"], ["explain", "st-0001", "-o", "json"], ["explain", "--context", "drift", "--timeline"]):
        code, _, err = cli(*args, "--kubeconfig", kubeconfig)
        assert code == 0, err
    assert apiserver.requests and all(r.method not in WRITE_VERBS for r in apiserver.requests)
