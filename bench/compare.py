"""kubectl-pods beside kubectl, in one run: start-up, scaffold, and live explain and diff over
N pods served by the loopback test API server (pages of 500), with the medians of several runs
and each run's peak RSS. Prints a table and writes it to docs/performance.md.

    python -m bench                 # everything (N = 1,000, 10,000 and 50,000)
    python -m bench --sizes 1000    # a quick look

The server runs in a process of its own (bench/serve.py): a child's peak RSS counts the pages
it shares with its parent between fork and exec, so a bench process holding 50,000 pods would
add its own size to every measurement.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.targets import LOADER_FLOOR, ONE_POD_DIFF, ONE_POD_EXPLAIN, judge, json_row, summary_row  # noqa: E402

RUNS = 7
OWNERS = 100  # ReplicaSets the pods belong to


def measure(command: list[str], env: dict, runs: int = RUNS) -> tuple[float, int, float]:
    """Median wall seconds, the largest peak RSS (KiB) and the median CPU seconds (user and
    system, which another session's load changes less than it changes wall time) over `runs`
    runs of one command."""
    [found] = measure_side_by_side([command], env, runs)
    return found


def measure_side_by_side(commands: list[list[str]], env: dict, runs: int = RUNS) -> list[tuple[float, int, float]]:
    """`measure` of several commands, their runs taken in turn (A B A B ...), so that a change in
    the machine's load (it is shared) falls on each alike rather than on whichever ran then."""
    times: list[list[float]] = [[] for _ in commands]
    peaks: list[list[int]] = [[] for _ in commands]
    cpu: list[list[float]] = [[] for _ in commands]
    for _ in range(runs):
        for index, command in enumerate(commands):
            start = time.perf_counter()
            process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
            _, status, usage = os.wait4(process.pid, 0)
            times[index].append(time.perf_counter() - start)
            peaks[index].append(usage.ru_maxrss)
            cpu[index].append(usage.ru_utime + usage.ru_stime)
            code = os.waitstatus_to_exitcode(status)
            if code not in (0, 1):
                raise SystemExit(f"{' '.join(command)} exited {code}")
    return [(statistics.median(t), max(p), statistics.median(c)) for t, p, c in zip(times, peaks, cpu)]


def plugin_dir(work: Path, python: str) -> Path:
    """kubectl plugins that mark the floors: a bare Python plugin and ones that only import."""
    bin_dir = work / "bin"
    bin_dir.mkdir()
    floors = {"bare": "", "typeronly": "import typer", "typeryamljinja": "import typer, yaml, jinja2",
              # what every live command imports before its first request: typer, urllib3 and the
              # kubeconfig loader (kubectl_pods/sources/kubeconfig.py)
              "kubeloader": "import typer\nfrom kubectl_pods.sources.kubeconfig import kube_config_module\n"
                            "kube_config_module()"}
    for name, imports in floors.items():
        path = bin_dir / f"kubectl-{name}"
        path.write_text(f"#!{python}\n{imports}\n")
        path.chmod(0o755)
    plugin = shutil.which("kubectl-pods") or str(Path(python).parent / "kubectl-pods")
    (bin_dir / "kubectl-pods").symlink_to(plugin)
    return bin_dir


def realistic_objects(count: int) -> dict[str, list[dict]]:
    """`count` pods cycled from the recorded oracle corpus, owned by ReplicaSets of Deployments."""
    cases = json.loads((ROOT / "tests" / "fixtures" / "oracle" / "status-table.json").read_text())
    recorded = [c["pod"] for c in cases]
    pods, owners = [], []
    for k in range(OWNERS):
        template = {"metadata": {"labels": {"app": "bench", "rs": str(k)}},
                    "spec": copy.deepcopy(recorded[k % len(recorded)]["spec"])}
        owners.append({"apiVersion": "apps/v1", "kind": "ReplicaSet",
                       "metadata": {"name": f"web-{k}", "namespace": "bench", "uid": f"rs-{k}"},
                       "spec": {"template": template}})
    for i in range(count):
        pod = copy.deepcopy(recorded[i % len(recorded)])
        k = i % OWNERS
        meta = pod["metadata"]
        meta.update(name=f"pod-{i:05d}", namespace="bench", uid=f"uid-{i}",
                    labels={"app": "bench", "rs": str(k)},
                    ownerReferences=[{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": f"web-{k}",
                                      "uid": f"rs-{k}", "controller": True}])
        pod["spec"] = copy.deepcopy(owners[k]["spec"]["template"]["spec"])
        pods.append(pod)
    return {"Pod": pods + [applied_pod(recorded[1])], "ReplicaSet": owners}


def applied_pod(recorded: dict) -> dict:
    """A pod made by `kubectl apply`, for `diff POD` (its last-applied configuration): what the
    user wrote is the recorded pod's spec; the server's answer, the recorded pod."""
    pod = copy.deepcopy(recorded)
    written = {"apiVersion": "v1", "kind": "Pod",
               "metadata": {"name": "applied", "namespace": "bench", "labels": {"app": "applied"}},
               "spec": copy.deepcopy(pod["spec"])}
    pod["metadata"].update(name="applied", namespace="bench", uid="uid-applied", labels={"app": "applied"},
                           annotations={"kubectl.kubernetes.io/last-applied-configuration": json.dumps(written)})
    return pod


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--sizes", default="1000,10000", help="pod counts served by the test API server")
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--write", default=str(ROOT / "docs" / "performance.md"))
    parser.add_argument("--kubeconfig", help="measure against this real cluster instead of the test server")
    parser.add_argument("--namespaces", default="",
                        help="with --kubeconfig: N=NAMESPACE,... holding the pods of scripts/bench_real_cluster.py")
    parser.add_argument("--no-startup", action="store_true", help="leave out the start-up and scaffold rows")
    parser.add_argument("--no-contexts", action="store_true", help="leave out the rows over three contexts")
    args = parser.parse_args()
    real = bool(args.kubeconfig)
    if real:
        places = {int(n): ns for n, ns in (pair.split("=") for pair in args.namespaces.split(",") if pair)}
        if not places:
            parser.error("--kubeconfig needs --namespaces N=NAMESPACE,...")
        sizes = sorted(places)
    else:
        sizes = [int(s) for s in args.sizes.split(",")]
    work = Path(tempfile.mkdtemp(prefix="kubectl-pods-bench-"))
    env = {**os.environ, "PATH": f"{plugin_dir(work, sys.executable)}:{os.environ['PATH']}"}
    # As installed by pip, which compiles every module once: with PYTHONDONTWRITEBYTECODE (set on
    # some machines) an editable install would compile the plugin's ~40 modules on every command.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "kubectl_pods")], check=True, env=env)
    rows: list[tuple[str, str, float, int, float, int]] = []

    baselines: dict[tuple, tuple[float, int]] = {}

    def compare(what: str, ours: list[str], theirs: list[str], runs: int = args.runs, label: str | None = None):
        if tuple(theirs) not in baselines:  # one baseline serves every row that compares with it
            (mine, mine_rss, mine_cpu), baselines[tuple(theirs)] = measure_side_by_side([ours, theirs], env, runs)
        else:
            mine, mine_rss, mine_cpu = measure(ours, env, runs)
        base, base_rss, base_cpu = baselines[tuple(theirs)]
        rows.append((what, label or " ".join(theirs[:4]), mine, mine_rss, base, base_rss, mine_cpu, base_cpu))
        print(f"{what:<44} {mine * 1000:8.0f} ms {mine_rss / 1024:7.0f} MiB | {base * 1000:8.0f} ms "
              f"{base_rss / 1024:7.0f} MiB | {mine / base:5.2f}x  cpu {mine_cpu * 1000:.0f}/{base_cpu * 1000:.0f} ms "
              f"({' '.join(theirs[:5])})", flush=True)

    version = ["kubectl", "version", "--client"]
    if not args.no_startup:
        compare("kubectl bare (floor: a Python plugin)", ["kubectl", "bare"], version)
        compare("kubectl typeronly (floor: import typer)", ["kubectl", "typeronly"], version)
        compare("kubectl pods --help", ["kubectl", "pods", "--help"], ["kubectl", "typeronly"])
        compare("kubectl pods version", ["kubectl", "pods", "version"], ["kubectl", "typeronly"])
        compare("kubectl typeryamljinja (floor for scaffold)", ["kubectl", "typeryamljinja"], version)
        compare("kubectl pods scaffold sidecar web",
                ["kubectl", "pods", "scaffold", "sidecar", "web", "--image", "nginx"], ["kubectl", "typeryamljinja"])
        compare("  … against kubectl create --dry-run",
                ["kubectl", "pods", "scaffold", "sidecar", "web", "--image", "nginx"],
                ["kubectl", "create", "deployment", "web", "--image", "nginx", "--dry-run=client", "-o", "yaml"])
    compare(LOADER_FLOOR, ["kubectl", "kubeloader"], version)
    for index, size in enumerate(sizes):
        server = None
        if real:
            kube = ["--kubeconfig", args.kubeconfig, "-n", places[size]]
        else:
            server = subprocess.Popen([sys.executable, "-m", "bench.serve", str(size), str(work / f"kubeconfig-{size}")],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
            kube = ["--kubeconfig", server.stdout.readline().strip()]
        try:
            if index == 0:  # one pod: what a user asks about most
                compare(ONE_POD_EXPLAIN, ["kubectl", "pods", "explain", "applied", *kube],
                        ["kubectl", "get", "pod", "applied", *kube], label="kubectl get pod POD")
                compare(ONE_POD_DIFF, ["kubectl", "pods", "diff", "applied", *kube],
                        ["kubectl", "get", "pod", "applied", "-o", "yaml", *kube], label="kubectl get pod POD -o yaml")
            # Fewer runs as N grows, so that the whole benchmark stays near 10 minutes on 2 cores.
            runs = args.runs if size <= 1000 else 3 if size <= 10000 else 1
            compare(summary_row(size), ["kubectl", "pods", "explain", "-l", "app=bench", *kube],
                    ["kubectl", "get", "pods", "-l", "app=bench", *kube], runs)
            compare(json_row(size), ["kubectl", "pods", "explain", "-l", "app=bench", "-o", "json", *kube],
                    ["kubectl", "get", "pods", "-l", "app=bench", "-o", "json", *kube], runs)
            compare(f"diff --owner -o json, N={size:,}",
                    ["kubectl", "pods", "diff", "--owner", "-l", "app=bench", "-o", "json", *kube],
                    ["kubectl", "get", "pods", "-l", "app=bench", "-o", "json", *kube], runs)
            if size <= 10000 and not real and not args.no_contexts:  # three contexts of the one server: the clusters are read at once
                contexts = ["--context", "loopback", "--context", "second", "--context", "third"]
                one_by_one = " && ".join(f"kubectl get pods -l app=bench --context {c} {' '.join(kube)} >/dev/null"
                                         for c in ("loopback", "second", "third"))
                compare(f"explain -l, 3 contexts of N={size:,}",
                        ["kubectl", "pods", "explain", "-l", "app=bench", *contexts, *kube], ["sh", "-c", one_by_one], runs,
                        label="kubectl get pods -l, x3 in turn")
        finally:
            if server is not None:
                server.stdin.close()
                server.wait()
    verdicts = judge(rows, sizes)
    print("\n".join(verdicts))
    write_report(Path(args.write), rows, verdicts, "bench-real" if real else "bench")
    shutil.rmtree(work, ignore_errors=True)
    return 0


def write_report(path: Path, rows, verdicts: list[str], marker: str) -> None:
    lines = ["| what | against | kubectl-pods | peak RSS | baseline | peak RSS | ratio | CPU ours / theirs |",
             "|---|---|---|---|---|---|---|---|"]
    for what, theirs, mine, mine_rss, base, base_rss, mine_cpu, base_cpu in rows:
        lines.append(f"| {what} | `{theirs}` | {mine * 1000:,.0f} ms | {mine_rss / 1024:,.0f} MiB | "
                     f"{base * 1000:,.0f} ms | {base_rss / 1024:,.0f} MiB | {mine / base:.2f}× | "
                     f"{mine_cpu * 1000:,.0f} / {base_cpu * 1000:,.0f} ms |")
    table = "\n".join(lines + [""] + [f"- {line}" for line in verdicts])
    text = path.read_text() if path.exists() else ""
    start, end = f"<!-- {marker}:start -->", f"<!-- {marker}:end -->"
    block = f"{start}\n{table}\n{end}"
    if start in text and end in text:
        text = text[:text.index(start)] + block + text[text.index(end) + len(end):]
    else:
        text = (text or "# Performance\n\n") + block + "\n"
    path.write_text(text)
    print(f"wrote {path}")


if __name__ == "__main__":
    sys.exit(main())
