"""Regression guards for speed that measure no time: what each command imports, that a big list is
read in pages with no request per pod, and that no page is held once the next one is read.
(How fast things are is the benchmark's job: `python -m bench`.)"""

from __future__ import annotations

import json
import subprocess
import sys
import weakref

import pytest

from tests.apiserver.server import RunningApiServer
from tests.conftest import ROOT, oracle_cases

NEVER_AT_START = {"pydantic", "rich", "kubernetes", "deepdiff", "jinja2"}
IMPORTS = [
    (["--help"], NEVER_AT_START | {"yaml"}),
    (["version"], NEVER_AT_START | {"yaml"}),
    (["scaffold", "sidecar", "web", "--image", "nginx"], {"pydantic", "rich", "kubernetes", "deepdiff"}),
    (["explain", "-f", str(ROOT / "tests" / "golden" / "checkout-pod.yaml")], {"pydantic", "rich", "kubernetes",
                                                                                "deepdiff", "jinja2"}),
]


@pytest.mark.parametrize("args,forbidden", IMPORTS, ids=lambda v: " ".join(v) if isinstance(v, list) and v and
                         isinstance(v[0], str) and v[0] != "pydantic" else None)
def test_what_each_command_imports(args, forbidden):
    code = ("import json, sys, io, contextlib\n"
            "from kubectl_pods.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"
            f"    main({args!r})\n"
            "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    loaded = set(json.loads(result.stdout.splitlines()[-1]))
    assert not loaded & forbidden


class WatchedPod(dict):
    """A decoded pod that can be weakly referenced, to see when the plugin lets go of it."""


def _many_pods(count: int) -> list[dict]:
    recorded = [c["pod"] for c in oracle_cases("status-table.json")]
    pods = []
    for i in range(count):
        pod = json.loads(json.dumps(recorded[i % len(recorded)]))
        pod["metadata"].update(name=f"pod-{i:05d}", namespace="many", uid=f"uid-{i}", labels={"app": "many"})
        pods.append(pod)
    return pods


@pytest.fixture(scope="module")
def many_pods():
    return _many_pods(10_000)


@pytest.mark.parametrize("args", [["explain", "-l", "app=many"], ["explain", "-l", "app=many", "-o", "json"]])
def test_ten_thousand_pods_are_read_in_pages_and_none_is_held_past_its_page(args, many_pods, cli, tmp_path,
                                                                            monkeypatch):
    from kubectl_pods.sources import cluster as cluster_module

    server = RunningApiServer({"Pod": many_pods})
    try:
        config = server.write_kubeconfig(tmp_path / "kc", namespace="many")
        watched: list[weakref.ref] = []
        held_at_next_page: list[int] = []
        decode = cluster_module._decode

        def decode_watching(body, path):
            page = decode(body, path)
            items = [WatchedPod(item) for item in page.get("items") or []]
            watched.extend(weakref.ref(item) for item in items)
            page["items"] = items
            return page

        send = cluster_module.Cluster._send

        def send_checking(self, path, query, *rest, **kwargs):
            if query and "continue" in query:
                held_at_next_page.append(sum(ref() is not None for ref in watched))
            return send(self, path, query, *rest, **kwargs)

        monkeypatch.setattr(cluster_module, "_decode", decode_watching)
        monkeypatch.setattr(cluster_module.Cluster, "_send", send_checking)
        code, out, err = cli(*args, "--kubeconfig", config)
        assert code == 0, err
        pod_requests = [r for r in server.requests if "/pods" in r.path]
        assert len(pod_requests) == 20 and all(r.query.get("limit") == "500" for r in pod_requests)
        assert not [r for r in server.requests if r.path.startswith("/api/v1/namespaces/many/pods/")]
        assert len(watched) == 10_000 and len(held_at_next_page) == 19
        # When page k+1 is asked for, no pod of page k or before is still referenced (the
        # summary keeps one explanation a group, never a pod).
        assert held_at_next_page == [0] * 19
        if "json" in args:
            assert len(json.loads(out)["items"]) == 10_000
    finally:
        server.stop()
