"""Put the benchmark's pods on a real API server: `python scripts/bench_real_cluster.py NAMESPACE N`
(KUBECONFIG or --kubeconfig as for kubectl). Creates the namespace (with its `default`
ServiceAccount and the `kube-root-ca.crt` ConfigMap copied from `default`), 100 ReplicaSets of
replicas 0 and N pods owned by them, built as bench/compare.py builds the test server's (the
recorded corpus cycled), without `nodeName` and without status: no scheduler or node runs them,
they stay Pending. Plus one pod made with `kubectl apply`, `applied`, for `diff POD`
(last-applied). Then `python -m bench --kubeconfig ... --namespace NAMESPACE` measures against it.
Only creates; delete the namespace's pods yourself when done."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.compare import OWNERS, realistic_objects  # noqa: E402

BATCH = 500
SERVER_SET = ("uid", "resourceVersion", "creationTimestamp", "managedFields", "generation", "selfLink")


def kubectl(args: list[str], kubeconfig: str | None, stdin: str | None = None, missing_ok: bool = False) -> str:
    config = ["--kubeconfig", kubeconfig] if kubeconfig else []
    result = subprocess.run(["kubectl", *config, *args], input=stdin, capture_output=True, text=True)
    if missing_ok and "NotFound" in result.stderr:
        return ""
    if result.returncode != 0 and "already exists" not in result.stderr.lower():
        raise SystemExit(f"kubectl {' '.join(args)}: {result.stderr.strip()}")
    return result.stdout


def stored_form(obj: dict, namespace: str) -> dict:
    obj = json.loads(json.dumps(obj))
    obj.pop("status", None)
    for key in SERVER_SET:
        obj["metadata"].pop(key, None)
    obj["metadata"]["namespace"] = namespace
    spec = obj["spec"] if obj["kind"] == "Pod" else obj["spec"]["template"]["spec"]
    for key in ("nodeName", "priority", "priorityClassName"):
        spec.pop(key, None)
    return obj


def create(objects: list[dict], kubeconfig: str | None) -> None:
    for start in range(0, len(objects), BATCH):
        with tempfile.NamedTemporaryFile("w", suffix=".json") as handle:
            json.dump({"apiVersion": "v1", "kind": "List", "items": objects[start:start + BATCH]}, handle)
            handle.flush()
            kubectl(["create", "-f", handle.name, "-o", "name"], kubeconfig)
        print(f"  {min(start + BATCH, len(objects))}/{len(objects)}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("namespace")
    parser.add_argument("count", type=int)
    parser.add_argument("--kubeconfig")
    args = parser.parse_args()
    ns, config = args.namespace, args.kubeconfig
    kubectl(["create", "namespace", ns], config)
    kubectl(["create", "serviceaccount", "default", "-n", ns], config)
    found = kubectl(["get", "configmap", "kube-root-ca.crt", "-n", "default", "-o", "json"], config, missing_ok=True)
    if found:  # only a controller-manager makes it; a bare API server has none
        kubectl(["create", "-n", ns, "-f", "-"], config, json.dumps({
            "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "kube-root-ca.crt"},
            "data": json.loads(found)["data"]}))
    objects = realistic_objects(args.count)
    owners = [stored_form(rs, ns) for rs in objects["ReplicaSet"]]
    for rs in owners:
        rs["spec"].update(replicas=0, selector={"matchLabels": rs["spec"]["template"]["metadata"]["labels"]})
        rs["spec"]["template"]["spec"]["restartPolicy"] = "Always"  # the only one a ReplicaSet takes
    print(f"{len(owners)} ReplicaSets")
    create(owners, config)
    uids = {item["metadata"]["name"]: item["metadata"]["uid"] for item in
            json.loads(kubectl(["get", "replicasets", "-n", ns, "-o", "json"], config))["items"]}
    pods = []
    for pod in objects["Pod"]:
        pod = stored_form(pod, ns)
        for ref in pod["metadata"]["ownerReferences"]:
            ref["uid"] = uids[ref["name"]]
        pods.append(pod)
    print(f"{len(pods)} pods")
    create(pods, config)
    applied = stored_form(objects["Pod"][1 % len(objects["Pod"])], ns)
    applied["metadata"] = {"name": "applied", "namespace": ns, "labels": {"app": "applied"}}
    kubectl(["apply", "-f", "-"], config, json.dumps(applied))
    print(f"done: {OWNERS} ReplicaSets, {args.count} pods and pod/applied in {ns}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
