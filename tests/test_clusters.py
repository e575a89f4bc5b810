"""Many clusters at once: two test API servers and a context nobody answers, as one kubeconfig."""

from __future__ import annotations

import copy
import json
import socket
import threading

import jsonschema
import pytest

from tests.apiserver.server import RunningApiServer, write_clusters_kubeconfig
from tests.conftest import ROOT, VERSIONS, load_json, oracle_cases

NAMESPACE = "version-corpus"


def _dead_url() -> str:
    """A loopback port that was free a moment ago: connecting to it is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def stored_pods(version: str) -> list[dict]:
    """The pods a real kube-apiserver of `version` stored for the version corpus's manifests."""
    return [case["live"] for case in load_json(VERSIONS / version / "defaulting.json") if case["kind"] == "Pod"]


@pytest.fixture
def clusters(tmp_path):
    """east and west: two servers holding the status corpus (west without its last ten pods)."""
    pods = [case["pod"] for case in oracle_cases("status-table.json")]
    east, west = RunningApiServer({"Pod": pods}), RunningApiServer({"Pod": pods[:-10]})
    yield east, west, tmp_path
    east.stop()
    west.stop()


def _kubeconfig(tmp_path, servers: dict, dead: bool, namespace: str = "oracle-status") -> str:
    contexts = {name: (server.url, namespace) for name, server in servers.items()}
    if dead:
        contexts["dead"] = (_dead_url(), namespace)
    return write_clusters_kubeconfig(tmp_path / f"kubeconfig-{dead}", contexts)


def test_explain_over_every_context_prints_each_cluster_and_one_line_for_the_dead_one(clusters, cli):
    east, west, tmp_path = clusters
    kubeconfig = _kubeconfig(tmp_path, {"east": east, "west": west}, dead=True)
    code, out, err = cli("explain", "-A", "--all-contexts", "--kubeconfig", kubeconfig)
    assert code == 2
    assert out.index("== context east ==") < out.index("== context west ==")
    assert "== context dead ==" not in out
    east_count = len(east.state.objects["Pod"])
    assert f"{east_count} pods in" in out and f"{east_count - 10} pods in" in out
    [line] = err.splitlines()
    assert line.startswith('error: context "dead": the connection to the server http://127.0.0.1:')
    assert "\n  2/2 clusters: [" in out  # the same pods on both: their warnings are grouped


def test_the_same_without_the_dead_context_exits_0(clusters, cli):
    east, west, tmp_path = clusters
    kubeconfig = _kubeconfig(tmp_path, {"east": east, "west": west}, dead=False)
    code, out, err = cli("explain", "-A", "--all-contexts", "--kubeconfig", kubeconfig)
    assert (code, err) == (0, "")
    assert "== context east ==" in out and "== context west ==" in out


def test_json_items_carry_their_context_and_the_dead_one_is_an_error(clusters, cli):
    east, west, tmp_path = clusters
    kubeconfig = _kubeconfig(tmp_path, {"east": east, "west": west}, dead=True)
    code, out, err = cli("explain", "-A", "--context", "west", "--context", "dead", "--context", "east",
                         "-o", "json", "--kubeconfig", kubeconfig)
    assert code == 2
    report = json.loads(out)
    jsonschema.validate(report, json.loads((ROOT / "docs" / "explain-schema.json").read_text()))
    found = {(item["context"], item["namespace"], item["name"]) for item in report["items"]}
    expected = {(context, p["metadata"]["namespace"], p["metadata"]["name"])
                for context, server in (("east", east), ("west", west)) for p in server.state.objects["Pod"]}
    assert found == expected
    assert [item["context"] for item in report["items"]][0] == "west"  # the order the contexts were given
    assert [e["context"] for e in report["errors"]] == ["dead"]
    assert len(err.splitlines()) == 1


def test_a_finding_of_some_clusters_names_them(clusters, cli):
    from kubectl_pods.commands.explain import findings

    east, west, tmp_path = clusters
    kubeconfig = _kubeconfig(tmp_path, {"east": east, "west": west}, dead=False)
    _, out, _ = cli("explain", "-A", "--all-contexts", "-o", "json", "--kubeconfig", kubeconfig)
    items = json.loads(out)["items"]
    found = {context: {text for i in items if i["context"] == context for text in findings(i)}
             for context in ("east", "west")}
    assert found["east"] - found["west"]  # else this test would prove nothing
    _, out, _ = cli("explain", "-A", "--all-contexts", "--kubeconfig", kubeconfig)
    grouped = out[out.index("Across clusters:"):].splitlines()[1:]
    assert sorted(grouped) == sorted([f"  2/2 clusters: {text}" for text in found["east"] & found["west"]]
                                     + [f"  1/2 clusters (east): {text}" for text in found["east"] - found["west"]])


def test_a_blocked_pod_is_a_finding_without_its_counts():
    from kubectl_pods.commands.explain import findings

    item = {"blockedBy": {"reason": "app container `crasher` is crash-looping: exit 2, 3 restarts, next try due now"},
            "warnings": [{"code": "c", "message": "m"}]}
    assert findings(item) == ["blocked: app container `crasher` is crash-looping", "[c] m"]


def test_runs_are_concurrent_and_bounded():
    from kubectl_pods.commands import across

    lock, running, highest = threading.Lock(), [0], [0]
    together = threading.Barrier(across.MAX_CLUSTERS_AT_ONCE)  # passes only if that many run at once

    def work(context, out, errors):
        with lock:
            running[0] += 1
            highest[0] = max(highest[0], running[0])
        if int(context[1:]) < across.MAX_CLUSTERS_AT_ONCE:
            together.wait(timeout=30)
        with lock:
            running[0] -= 1
        out.write(context)
        return 0, across.Recorder()

    runs = across.run_each([f"c{n}" for n in range(20)], work)
    assert [run.text for run in runs] == [f"c{n}" for n in range(20)]
    assert highest[0] == across.MAX_CLUSTERS_AT_ONCE


# -- diff --------------------------------------------------------------------------------------------
def _planted(pod: dict, image: str = "nginx:1.28") -> dict:
    planted = copy.deepcopy(pod)
    planted["spec"]["containers"][0]["image"] = image
    return planted


@pytest.fixture
def version_clusters(tmp_path):
    """old (a 1.28 server's stored pods) and new (a 1.36 server's) of the same manifests."""
    old, new = RunningApiServer({"Pod": stored_pods("1.28")}), RunningApiServer({"Pod": stored_pods("1.36")})
    yield old, new, tmp_path
    old.stop()
    new.stop()


def test_diff_against_another_cluster_of_another_version_finds_no_drift(version_clusters, cli):
    old, new, tmp_path = version_clusters
    kubeconfig = _kubeconfig(tmp_path, {"old": old, "new": new}, dead=False, namespace=NAMESPACE)
    code, out, err = cli("diff", "--context", "old", "--against-context", "new", "-o", "json",
                         "--kubeconfig", kubeconfig)
    assert (code, err) == (0, "")
    items = json.loads(out)["items"]
    assert len(items) == len(stored_pods("1.28")) and all(item["changes"] == [] for item in items)


@pytest.mark.parametrize("where", ["new", "old"])
def test_diff_against_another_cluster_reports_exactly_a_planted_difference(version_clusters, cli, where):
    old, new, tmp_path = version_clusters
    server = new if where == "new" else old
    pods = server.state.objects["Pod"]
    name = pods[0]["metadata"]["name"]
    pods[0] = _planted(pods[0])
    kubeconfig = _kubeconfig(tmp_path, {"old": old, "new": new}, dead=False, namespace=NAMESPACE)
    code, out, err = cli("diff", "--context", "old", "--against-context", "new", "-o", "json",
                         "--kubeconfig", kubeconfig)
    assert (code, err) == (1, "")
    drifted = [item for item in json.loads(out)["items"] if item["changes"]]
    assert [item["name"] for item in drifted] == [name]
    [change] = drifted[0]["changes"]
    assert change["path"] == "spec.containers[name=web].image"
    assert (change["intended"], change["live"]) == (("nginx:1.28", "nginx:1.27") if where == "new"
                                                     else ("nginx:1.27", "nginx:1.28"))


def test_a_pod_with_no_counterpart_is_a_difference(version_clusters, cli):
    old, new, tmp_path = version_clusters
    gone = new.state.objects["Pod"].pop()
    kubeconfig = _kubeconfig(tmp_path, {"old": old, "new": new}, dead=False, namespace=NAMESPACE)
    code, out, err = cli("diff", "--context", "old", "--against-context", "new", "--kubeconfig", kubeconfig)
    assert code == 1
    assert f"pod {gone['metadata']['name']}: no pod like it in context new" in out


def test_diff_over_two_clusters_groups_the_same_drift(version_clusters, cli, tmp_path):
    old, new, _ = version_clusters
    case = load_json(VERSIONS / "1.36" / "defaulting.json")[0]
    manifest = tmp_path / "pod.json"
    manifest.write_text(json.dumps(case["intended"]))
    for server in (old, new):
        server.state.objects["Pod"][0] = _planted(server.state.objects["Pod"][0], "nginx:1.29")
    kubeconfig = _kubeconfig(tmp_path, {"old": old, "new": new}, dead=False, namespace=NAMESPACE)
    code, out, err = cli("diff", "-f", str(manifest), "--all-contexts", "--kubeconfig", kubeconfig)
    assert (code, err) == (1, "")
    assert "== context old ==" in out and "== context new ==" in out
    grouped = out[out.index("Drift across clusters:"):].splitlines()[1:]
    assert grouped == [f"  2/2 clusters: pod {case['live']['metadata']['name']}: spec.containers[name=web].image "
                       'changed: "nginx:1.27" → "nginx:1.29"']


def test_against_context_refuses_what_it_cannot_combine(cli):
    code, _, err = cli("diff", "--owner", "--against-context", "prod")
    assert code == 2 and err == "error: --against-context and --owner cannot be used together\n"


def test_a_cluster_whose_tls_fails_is_one_error_line_like_any_unreachable_one(clusters, cli):
    """https:// to a server that speaks plain HTTP: the client raises its ApiException (status 0,
    an SSLError), not a urllib3 error; it is still one line for that cluster."""
    east, west, tmp_path = clusters
    kubeconfig = write_clusters_kubeconfig(tmp_path / "kubeconfig-tls", {
        "east": (east.url, "oracle-status"), "bad-tls": (west.url.replace("http://", "https://"), "oracle-status")})
    code, out, err = cli("explain", "-A", "--all-contexts", "--kubeconfig", kubeconfig)
    assert code == 2 and "== context east ==" in out
    [line] = err.splitlines()
    assert line.startswith(f'error: context "bad-tls": cannot reach the server {west.url.replace("http://", "https://")}: ')
    assert "SSL" in line and "Traceback" not in err


def test_against_context_on_pods_two_real_servers_stored_from_kubectl_apply(tmp_path, cli):
    """The same manifest applied with kubectl to a v1.33 and a v1.36 server, one image apart
    (tests/fixtures/recorded/cross-cluster.json): that image is the only difference, both ways."""
    recorded = load_json(ROOT / "tests" / "fixtures" / "recorded" / "cross-cluster.json")
    (old, new) = recorded["clusters"]
    servers = {c["context"]: RunningApiServer({"Pod": [c["stored"]]}) for c in (old, new)}
    kubeconfig = _kubeconfig(tmp_path, servers, dead=False, namespace=recorded["namespace"])
    try:
        for here, there in ((old, new), (new, old)):
            code, out, err = cli("diff", "-l", "app=web", "--context", here["context"], "--against-context",
                                 there["context"], "-o", "json", "--kubeconfig", kubeconfig)
            assert (code, err) == (1, "")
            [item] = json.loads(out)["items"]
            assert [(c["path"], c["intended"], c["live"]) for c in item["changes"]] == [(
                "spec.containers[name=app].image", there["applied"]["spec"]["containers"][0]["image"],
                here["applied"]["spec"]["containers"][0]["image"])]
    finally:
        for server in servers.values():
            server.stop()


def test_a_pod_on_one_side_only_is_a_change_in_json_not_a_skipped_item(version_clusters, cli):
    old, new, tmp_path = version_clusters
    gone = new.state.objects["Pod"].pop()
    extra = copy.deepcopy(new.state.objects["Pod"][0])
    extra["metadata"]["name"] = "only-in-new"
    new.state.objects["Pod"].append(extra)
    kubeconfig = _kubeconfig(tmp_path, {"old": old, "new": new}, dead=False, namespace=NAMESPACE)
    code, out, err = cli("diff", "--context", "old", "--against-context", "new", "-o", "json", "--kubeconfig", kubeconfig)
    report = json.loads(out)
    jsonschema.validate(report, json.loads((ROOT / "docs" / "diff-schema.json").read_text()))
    assert code == 1, err  # drift, not an error
    assert not [item for item in report["items"] if "skipped" in item]
    whole = {(item["name"], item["context"]): item["changes"] for item in report["items"]
             if any(change["path"] == "" for change in item["changes"])}
    assert set(whole) == {(gone["metadata"]["name"], "old"), ("only-in-new", "new")}
    assert [c["type"] for c in whole[(gone["metadata"]["name"], "old")]] == ["added"]
    assert [c["type"] for c in whole[("only-in-new", "new")]] == ["removed"]


@pytest.mark.parametrize("flags,who", [(["--context", "old", "--against-context", "dead"], '--against-context "dead"'),
                                       (["--context", "dead", "--against-context", "old"], 'context "dead"')])
def test_an_unreachable_side_is_named(version_clusters, cli, flags, who):
    old, new, tmp_path = version_clusters
    kubeconfig = _kubeconfig(tmp_path, {"old": old}, dead=True, namespace=NAMESPACE)
    code, out, err = cli("diff", *flags, "--kubeconfig", kubeconfig)
    assert (code, out) == (2, "")
    assert err.startswith(f"error: {who}: the connection to the server ") and err.count("\n") == 1
