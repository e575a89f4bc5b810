"""The benchmark: start-up time, and throughput of the three analyses. Prints one line a figure."""

from __future__ import annotations

import argparse
import copy
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ORACLE = ROOT / "tests" / "fixtures" / "oracle"
sys.path.insert(0, str(ROOT))


def startup(command: list[str], runs: int = 15) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--frozen", help="path of the PyInstaller-built kubectl-pods")
    args = parser.parse_args()
    from kubectl_pods.diff.compare import diff_objects
    from kubectl_pods.lifecycle.status_column import status_columns

    installed = shutil.which("kubectl-pods") or str(Path(sys.executable).parent / "kubectl-pods")
    pip_time = startup([installed, "--help"])
    print(f"startup pip-installed `kubectl pods --help`: {pip_time * 1000:.0f} ms (median of 15)")
    if args.frozen:
        frozen_time = startup([args.frozen, "--help"])
        print(f"startup frozen `kubectl pods --help`: {frozen_time * 1000:.0f} ms "
              f"({frozen_time / pip_time:.2f}x the pip-installed one)")

    pods = [c["pod"] for c in json.loads((ORACLE / "status-table.json").read_text())]
    start = time.perf_counter()
    for _ in range(20):
        for pod in pods:
            status_columns(pod)
    print(f"status columns: {20 * len(pods) / (time.perf_counter() - start):,.0f} pods/s")

    cases = json.loads((ORACLE / "defaulting.json").read_text()) + json.loads((ORACLE / "drift.json").read_text())
    start = time.perf_counter()
    for _ in range(5):
        for case in cases:
            diff_objects(case["intended"], case["live"])
    print(f"diff: {5 * len(cases) / (time.perf_counter() - start):,.0f} cases/s")

    many = [copy.deepcopy(pods[i % len(pods)]) for i in range(1200)]
    for i, pod in enumerate(many):
        pod["metadata"]["name"] = f"pod-{i:04d}"
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump({"apiVersion": "v1", "kind": "List", "items": many}, handle)
    start = time.perf_counter()
    subprocess.run([installed, "explain", "-f", handle.name], stdout=subprocess.DEVNULL, check=True)
    print(f"explain of 1,200 pods from a file, through the CLI: {time.perf_counter() - start:.2f} s")
    Path(handle.name).unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
