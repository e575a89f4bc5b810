"""`explain --watch` against the test API server's watch streams: recorded kubelet traces replayed
as watch events, checked against each trace's own timeline; a 410 Gone mid-watch; Ctrl-C."""

from __future__ import annotations

import copy
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter

import jsonschema
import pytest

from tests.apiserver.server import RunningApiServer
from tests.conftest import ROOT, kubelet_traces, load_json

NAMESPACE = "kubelet-traces"
SCHEMA = json.loads((ROOT / "docs" / "watch-schema.json").read_text())


def trace_pod(trace: dict, index: int) -> dict:
    """The pod as the server held it at snapshot `index`: the stored object with that status."""
    pod = copy.deepcopy(trace["pod_created"])
    snapshot = trace["snapshots"][index]
    pod["status"] = snapshot["status"]
    for key in ("deletionTimestamp", "deletionGracePeriodSeconds"):
        if snapshot.get(key) is not None:
            pod["metadata"][key] = snapshot[key]
    return pod


def trace_events(trace: dict) -> list[tuple[float, dict]]:
    """The trace's events as the server stored them, each with when the recorder first saw it."""
    meta = trace["pod_created"]["metadata"]
    found = []
    for event in trace["events"]:
        involved = {"kind": "Pod", "namespace": NAMESPACE, "name": meta["name"], "uid": meta["uid"]}
        if event.get("fieldPath"):
            involved["fieldPath"] = event["fieldPath"]
        found.append((event["t_seen"], {
            "kind": "Event", "apiVersion": "v1", "metadata": {"name": event["name"], "namespace": NAMESPACE},
            "involvedObject": involved, **{k: event[k] for k in ("type", "reason", "message", "count",
                                                                    "firstTimestamp", "lastTimestamp", "source")}}))
    return found


def replay(tmp_path, cli, trace: dict, gone_at: int | None = None, until: str = "done", expire_at: int | None = None):
    """Serve snapshot 0, run `explain NAME --watch -o json`, and write the other snapshots as
    the pod's updates while it watches. With `gone_at`, that snapshot's write compacts the log,
    so the open watch answers 410 and the client must list again. Returns (code, lines, stderr,
    resourceVersion -> snapshot index, server)."""
    server = RunningApiServer({"Pod": [trace_pod(trace, 0)]})
    tmp_path.mkdir(exist_ok=True)
    kubeconfig = server.write_kubeconfig(tmp_path / "kubeconfig", namespace=NAMESPACE)
    snapshot_of: dict[str, int] = {}

    failures: list[BaseException] = []

    def drive():
        events = trace_events(trace)
        try:
            server.wait_for_watches("Pod", 1)
            server.wait_for_watches("Event", 1)
            for index in range(1, len(trace["snapshots"])):
                while events and events[0][0] <= trace["snapshots"][index]["t"]:
                    server.write(events.pop(0)[1], "ADDED")
                if index == gone_at:  # what came before reached the client; this write it must list to see
                    server.wait_for_sent("Pod", server.state.store.revision)
                stored = server.write(trace_pod(trace, index), compact=index == gone_at)
                snapshot_of[stored["metadata"]["resourceVersion"]] = index
                if index == gone_at:
                    server.wait_for_watches("Pod", 2)  # the client listed again and watches from there
                if index == expire_at:  # the server's timeout ends the watch; the client watches again
                    server.wait_for_sent("Pod", server.state.store.revision)
                    server.expire_watches()
                    server.wait_for_watches("Pod", 2)
        except BaseException as exc:
            failures.append(exc)
        finally:  # ends the watch (--until done) whatever happened
            server.write(trace_pod(trace, len(trace["snapshots"]) - 1), "DELETED")

    driver = threading.Thread(target=drive, daemon=True)
    driver.start()
    try:
        code, out, err = cli("explain", trace["pod_created"]["metadata"]["name"], "--watch",
                             "--until", until, "-o", "json", "--kubeconfig", kubeconfig)
        driver.join(10)
    finally:
        server.stop()
    if failures:
        raise failures[0]
    return code, [json.loads(line) for line in out.splitlines()], err, snapshot_of, server


def expected_transitions(trace: dict) -> dict[int, Counter]:
    """The transitions each snapshot shows, read from the trace's own timeline (not from the
    plugin's rules): snapshot index -> Counter of (kind, container, detail)."""
    index_of = {snapshot["t"]: i for i, snapshot in enumerate(trace["snapshots"])}
    spec = trace["pod_created"]["spec"]
    probed = {c["name"] for c in spec.get("initContainers", []) + spec["containers"] if c.get("startupProbe")}
    found: dict[int, Counter] = {}

    def add(t, *entry):
        if t is not None and index_of.get(t, 0) > 0:
            found.setdefault(index_of[t], Counter())[entry] += 1

    for name, container in trace["timeline"]["containers"].items():
        runs = container["runs"]
        for number, run in enumerate(runs):
            if not run.get("startedAt", "").startswith("1970-"):  # a StartError: it never started
                add(run.get("first_seen_running_t") or run.get("first_seen_terminated_t"), "started", name, None)
            ended = run.get("first_seen_terminated_t")
            if ended is None and number + 1 < len(runs):  # replaced unseen: its exit is in lastState
                ended = runs[number + 1].get("first_seen_running_t") or runs[number + 1].get("first_seen_terminated_t")
            if ended is not None and run.get("exitCode") is not None:
                add(ended, "exited", name, run["exitCode"])
        for change in container["waiting"]:
            if change["reason"] != "(not waiting)":
                add(change["t"], "waiting", name, change["reason"])
        if container["kind"] in ("app", "sidecar"):
            for number, flip in enumerate(container["ready"]):
                if number or flip["value"]:
                    add(flip["t"], "ready" if flip["value"] else "not-ready", name, None)
        if name in probed:
            for flip in container["started"]:
                if flip["value"]:
                    add(flip["t"], "startup-passed", name, None)
    for number, change in enumerate(trace["timeline"]["pod"]["table_status"]):
        if number:
            add(change["t"], "status", None, change["value"])
    return found


def printed_transitions(lines: list[dict], snapshot_of: dict[str, int]) -> dict[int, Counter]:
    found: dict[int, Counter] = {}
    for line in lines:
        if line["kind"] in ("listed", "event", "deleted", "pod-ready"):
            continue
        detail = {"exited": line.get("exitCode"), "waiting": line.get("reason"),
                  "status": line["status"]}.get(line["kind"])
        found.setdefault(snapshot_of[line["resourceVersion"]], Counter())[(line["kind"], line["container"], detail)] += 1
    return found


def test_a_watch_the_server_ends_is_opened_again_from_where_it_was(tmp_path, cli):
    trace = load_json(next(p for p in TRACES if p.stem == "app-crashloop-always"))
    _, plain, _, plain_rvs, _ = replay(tmp_path / "plain", cli, trace)
    code, expired, err, expired_rvs, server = replay(tmp_path / "expired", cli, trace, expire_at=4)
    assert code == 0, err
    pods = [r for r in server.requests if r.path.endswith("/pods")]
    assert [r.query.get("watch") for r in pods] == [None, "true", "true"]  # no second list
    last_seen = max(int(rv) for rv, index in expired_rvs.items() if index <= 4)
    assert pods[2].query["resourceVersion"] == str(last_seen)
    assert printed_transitions(expired, expired_rvs) == printed_transitions(plain, plain_rvs)


def test_watching_many_clusters_prefixes_each_line_and_reports_a_dead_one_at_the_end(tmp_path, cli):
    from tests.test_clusters import _dead_url
    from tests.apiserver.server import write_clusters_kubeconfig

    trace = load_json(next(p for p in TRACES if p.stem == "sidecar-startup-probe"))
    ready = trace_pod(trace, len(trace["snapshots"]) - 1)
    east, west = RunningApiServer({"Pod": [ready]}), RunningApiServer({"Pod": [ready]})
    kubeconfig = write_clusters_kubeconfig(tmp_path / "kubeconfig", {
        "east": (east.url, NAMESPACE), "dead": (_dead_url(), NAMESPACE), "west": (west.url, NAMESPACE)})
    try:
        code, out, err = cli("explain", "--watch", "--all-contexts", "--kubeconfig", kubeconfig)
    finally:
        east.stop()
        west.stop()
    assert code == 2
    assert sorted(line.split("  ")[1] for line in out.splitlines()) == ["east", "west"]
    assert all(line.split("  ")[2] == ready["metadata"]["name"] for line in out.splitlines())
    [line] = err.splitlines()
    assert line.startswith('error: context "dead": ')


def _comparable(lines: list[dict]) -> list[dict]:
    """The pod lines without the moment they were seen (events come on a stream of their own,
    so where they fall among the pod's lines is not fixed)."""
    return [{k: v for k, v in line.items() if k not in ("seen", "time") or line["kind"] in ("started", "exited")}
            for line in lines if line["kind"] not in ("listed", "event")]


TRACES = kubelet_traces()


@pytest.mark.parametrize("path", TRACES, ids=[p.stem for p in TRACES])
def test_a_replayed_trace_prints_the_transitions_of_its_timeline_in_order(tmp_path, cli, path):
    trace = load_json(path)
    code, lines, err, snapshot_of, _ = replay(tmp_path, cli, trace)
    assert code == 0, err
    for line in lines:
        jsonschema.validate(line, SCHEMA)
    assert lines[0]["kind"] == "listed" and lines[0]["status"] == trace["snapshots"][0]["table"]["Status"]
    printed = printed_transitions(lines, snapshot_of)
    last = max(printed) if printed else 0
    expected = {index: found for index, found in expected_transitions(trace).items() if index <= last}
    assert printed == expected
    pod_lines = [line for line in lines[1:] if line["kind"] != "event"]
    order = [snapshot_of[line["resourceVersion"]] for line in pod_lines if line["resourceVersion"] in snapshot_of]
    assert order == sorted(order)
    for line in pod_lines:  # every line carries STATUS and READY exactly as the server printed them then
        if line["resourceVersion"] in snapshot_of:
            table = trace["snapshots"][snapshot_of[line["resourceVersion"]]]["table"]
            assert (line["status"], line["ready"]) == (table["Status"], table["Ready"])


@pytest.mark.parametrize("path", TRACES, ids=[p.stem for p in TRACES])
def test_a_410_in_the_middle_of_the_watch_loses_and_repeats_nothing(tmp_path, cli, path):
    trace = load_json(path)
    gone_at = len(trace["snapshots"]) // 2
    code, plain, err, plain_rvs, _ = replay(tmp_path / "plain", cli, trace)
    code_gone, gone, err_gone, gone_rvs, server = replay(tmp_path / "gone", cli, trace, gone_at=gone_at)
    assert (code, code_gone) == (0, 0), err + err_gone
    lists = [r for r in server.requests if r.path.endswith("/pods") and r.query.get("watch") != "true"]
    assert len(lists) == 2  # the 410 was met, and answered with a new list
    assert printed_transitions(gone, gone_rvs) == printed_transitions(plain, plain_rvs)
    assert [line["message"] for line in _comparable(gone)] == [line["message"] for line in _comparable(plain)]


class Background:
    """`kubectl pods ARGS` on a thread, its output in buffers the test reads while it runs."""

    def __init__(self, monkeypatch, *args: str):
        from kubectl_pods.cli import main

        self.out, self.err, self.codes = io.StringIO(), io.StringIO(), []
        monkeypatch.setattr(sys, "stdout", self.out)
        monkeypatch.setattr(sys, "stderr", self.err)
        self.thread = threading.Thread(target=lambda: self.codes.append(main(list(args))), daemon=True)
        self.thread.start()

    def wait_for(self, found, timeout: float = 10) -> None:
        """Until `found()` holds (waiting for output, not measuring anything)."""
        deadline = time.monotonic() + timeout
        while not found() and time.monotonic() < deadline:
            time.sleep(0.02)

    def finish(self) -> int:
        self.thread.join(10)
        return self.codes[0] if self.codes else None


@pytest.mark.parametrize("path", TRACES, ids=[p.stem for p in TRACES])
def test_the_kubelet_events_are_lines_too_each_version_once(tmp_path, path, monkeypatch):
    trace = load_json(path)
    expected = sorted([(e["reason"], (e.get("fieldPath") or "").partition("{")[2].rstrip("}") or None, e["count"])
                       for e in trace["events"] if e["reason"] not in ("Created", "Started")], key=str)
    server = RunningApiServer({"Pod": [trace_pod(trace, 0)]})
    kubeconfig = server.write_kubeconfig(tmp_path / "kubeconfig", namespace=NAMESPACE)
    watch = Background(monkeypatch, "explain", trace["pod_created"]["metadata"]["name"], "-w", "--until", "done",
                       "-o", "json", "--kubeconfig", kubeconfig)

    def printed():
        return sorted([(line["reason"], line["container"], line["count"])
                       for line in map(json.loads, watch.out.getvalue().splitlines()) if line["kind"] == "event"], key=str)

    try:
        server.wait_for_watches("Pod", 1)
        server.wait_for_watches("Event", 1)
        for _, event in trace_events(trace):
            server.write(event, "ADDED")
        watch.wait_for(lambda: len(printed()) >= len(expected))
        server.write(trace_pod(trace, 0), "DELETED")
        code = watch.finish()
    finally:
        server.stop()
    assert code == 0
    assert printed() == expected
    for line in watch.out.getvalue().splitlines():
        jsonschema.validate(json.loads(line), SCHEMA)


def test_the_watch_ends_by_itself_when_the_pod_is_ready(tmp_path, cli):
    trace = load_json(next(p for p in TRACES if p.stem == "sidecar-startup-probe"))
    code, lines, err, snapshot_of, _ = replay(tmp_path, cli, trace, until="ready")
    assert code == 0, err
    ready_at = next(i for i, s in enumerate(trace["snapshots"])
                    if any(c["type"] == "Ready" and c["status"] == "True" for c in s["status"].get("conditions", [])))
    pod_lines = [line for line in lines if line["kind"] != "event"]
    assert snapshot_of[pod_lines[-1]["resourceVersion"]] == ready_at  # and not one update more
    [became_ready] = [line for line in lines if "— pod Running" in line["message"]]
    assert snapshot_of[became_ready["resourceVersion"]] == ready_at and became_ready["kind"] == "ready"


def test_text_lines_name_the_stage_and_the_next_restart(tmp_path, cli, monkeypatch):
    from kubectl_pods.kube.timefmt import parse_time

    trace = load_json(next(p for p in TRACES if p.stem == "app-crashloop-always"))
    # Seen when it was recorded: a pod 0.5 s old whose kubelet has not written yet is just Pending.
    monkeypatch.setattr("kubectl_pods.commands.watch.now_utc", lambda: parse_time(trace["snapshots"][0]["wall"]))
    server = RunningApiServer({"Pod": [trace_pod(trace, 0)]})
    kubeconfig = server.write_kubeconfig(tmp_path / "kubeconfig", namespace=NAMESPACE)

    def drive():
        server.wait_for_watches("Pod", 1)
        for index in range(1, 7):
            server.write(trace_pod(trace, index))
        server.write(trace_pod(trace, 6), "DELETED")

    threading.Thread(target=drive, daemon=True).start()
    try:
        code, out, err = cli("explain", "app-crashloop-always", "-w", "--until", "done", "--kubeconfig", kubeconfig)
    finally:
        server.stop()
    assert code == 0, err
    text = out.splitlines()
    table = trace["snapshots"][0]["table"]
    assert f"app-crashloop-always  [{table['Status']} {table['Ready']}]  now: Pending" in text[0]
    assert any("crasher exited 2 (Error) — restarted at once" in line for line in text)
    assert any("crasher exited 2 (Error) — back-off 10s, restarted at the first sync after " in line for line in text)
    assert any("crasher waiting: CrashLoopBackOff (back-off 10s)" in line for line in text)
    assert text[-1].endswith("pod deleted")


def test_ctrl_c_mid_watch_exits_130_without_a_traceback(tmp_path):
    trace = load_json(TRACES[0])
    server = RunningApiServer({"Pod": [trace_pod(trace, 0)]})
    kubeconfig = server.write_kubeconfig(tmp_path / "kubeconfig", namespace=NAMESPACE)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-m", "kubectl_pods", "explain", "--watch", "--until", "never",
                                "--kubeconfig", kubeconfig], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env=env)
    try:
        first = process.stdout.readline()  # listed: the watch is under way
        server.wait_for_watches("Pod", 1)
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=20)
    finally:
        process.kill()
        server.stop()
    assert "now:" in first
    assert code == 130
    assert "Traceback" not in process.stderr.read()


def test_a_pod_that_is_already_ready_ends_the_watch_after_its_first_line(tmp_path, cli):
    trace = load_json(next(p for p in TRACES if p.stem == "sidecar-startup-probe"))
    ready = trace_pod(trace, len(trace["snapshots"]) - 1)
    server = RunningApiServer({"Pod": [ready]})
    kubeconfig = server.write_kubeconfig(tmp_path / "kubeconfig", namespace=NAMESPACE)
    try:
        code, out, err = cli("explain", "-l", "kubelet-traces/scenario", "--watch", "-o", "json", "--kubeconfig", kubeconfig)
    finally:
        server.stop()
    assert code == 0, err
    [line] = [json.loads(text) for text in out.splitlines()]
    assert line["kind"] == "listed" and line["message"] == "now: every container ready"
    assert line["context"] == "loopback"


def test_a_named_pod_that_does_not_exist_is_an_error(tmp_path, cli):
    server = RunningApiServer({})
    kubeconfig = server.write_kubeconfig(tmp_path / "kubeconfig", namespace=NAMESPACE)
    try:
        code, out, err = cli("explain", "nope", "--watch", "--kubeconfig", kubeconfig)
    finally:
        server.stop()
    assert (code, out) == (2, "")
    assert err == 'error: pods "nope" not found\n'


@pytest.mark.parametrize("flags", [["--timeline"], ["-o", "yaml"], ["--what-if", "a=exit:1"], ["-f", "x.yaml"]])
def test_watch_refuses_what_it_cannot_follow(cli, flags):
    code, _, err = cli("explain", "--watch", *flags)
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1


def test_a_pod_the_edge_refuses_is_an_error_line_and_exit_2(tmp_path, cli):
    trace = load_json(next(p for p in TRACES if p.stem == "sidecar-startup-probe"))
    ready = trace_pod(trace, len(trace["snapshots"]) - 1)
    broken = copy.deepcopy(ready)
    broken["metadata"].update(name="broken", uid="broken-uid")
    broken["spec"]["containers"] = "not a list"
    server = RunningApiServer({"Pod": [ready, broken]})
    kubeconfig = server.write_kubeconfig(tmp_path / "kubeconfig", namespace=NAMESPACE)
    try:
        code, out, err = cli("explain", "--watch", "--kubeconfig", kubeconfig)
    finally:
        server.stop()
    assert code == 2
    assert [line.split("  ")[1] for line in out.splitlines()] == [ready["metadata"]["name"]]
    [line] = err.splitlines()
    assert line == 'error: the server: Pod "broken": spec.containers: must be a list, got a string'


def test_events_that_fail_are_a_note_and_the_pods_are_still_followed(tmp_path, monkeypatch):
    trace = load_json(next(p for p in TRACES if p.stem == "sidecar-startup-probe"))
    server = RunningApiServer({"Pod": [trace_pod(trace, 0)]})
    server.fault(path="/events", status=500, message="etcd is sad")
    kubeconfig = server.write_kubeconfig(tmp_path / "kubeconfig", namespace=NAMESPACE)
    watch = Background(monkeypatch, "explain", trace["pod_created"]["metadata"]["name"], "--watch",
                       "--kubeconfig", kubeconfig)
    try:
        watch.wait_for(lambda: "note:" in watch.err.getvalue())
        server.wait_for_watches("Pod", 1)
        for index in range(1, len(trace["snapshots"])):
            server.write(trace_pod(trace, index))
        code = watch.finish()
    finally:
        server.stop()
    assert code == 0
    assert watch.err.getvalue().startswith("note: events are no longer shown: the server answered 500")
    assert "— pod Running" in watch.out.getvalue()
