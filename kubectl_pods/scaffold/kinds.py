"""Wraps a pattern's Pod in a workload (`--kind`), and what each version needs said about it."""

from __future__ import annotations

from kubectl_pods.errors import UserError
from kubectl_pods.kube import versions

KINDS = ("pod", "deployment", "statefulset", "daemonset", "job", "cronjob")
JOB_KINDS = ("job", "cronjob")


def wrap(pod: dict, kind: str, namespace: str | None) -> dict:
    if kind not in KINDS:
        raise UserError(f"unknown --kind {kind!r}: use one of {', '.join(KINDS)}")
    meta = pod["metadata"]
    if namespace:
        meta["namespace"] = namespace
    if kind == "pod":
        return pod
    name, labels = meta["name"], dict(meta.get("labels") or {})
    if kind in JOB_KINDS and pod["spec"].get("restartPolicy", "Always") == "Always":
        # A Job accepts only Never or OnFailure. Under Never one failed init container fails the
        # whole pod (explain's init-fails-pod-under-never); OnFailure retries it in place.
        regular_inits = [c for c in pod["spec"].get("initContainers") or [] if c.get("restartPolicy") != "Always"]
        pod["spec"]["restartPolicy"] = "OnFailure" if regular_inits else "Never"
    template = {"metadata": {k: v for k, v in meta.items() if k in ("labels", "annotations")},
                "spec": pod["spec"]}
    outer = {"name": name, "labels": labels, **({"namespace": namespace} if namespace else {})}
    selector = {"matchLabels": labels}
    if kind == "deployment":
        return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": outer,
                "spec": {"replicas": 1, "selector": selector, "template": template}}
    if kind == "statefulset":
        return {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": outer,
                "spec": {"serviceName": name, "replicas": 1, "selector": selector, "template": template}}
    if kind == "daemonset":
        return {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": outer,
                "spec": {"selector": selector, "template": template}}
    job = {"backoffLimit": 4, "template": template}
    if kind == "job":
        return {"apiVersion": "batch/v1", "kind": "Job", "metadata": outer, "spec": job}
    return {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": outer,
            "spec": {"schedule": "0 * * * *", "jobTemplate": {"spec": job}}}


# A Job's pod completes when its app containers exit: the pattern's default app (a web server,
# which never exits) becomes work that finishes, so that the Job completes as it is.
JOB_WORK: dict = {"image": "busybox:1.36", "command": ["sh", "-c", "echo 'the job runs here'; sleep 5"]}
SERVER_ONLY = ("ports", "readinessProbe", "livenessProbe", "startupProbe", "args")


def job_work(pod: dict, default_image: str) -> list[str]:
    """Replaces each app container of the default image with work that finishes; what was done."""
    replaced = []
    containers = pod["spec"].get("containers") or []
    for index, container in enumerate(containers):
        if container.get("image") == default_image:
            kept = {k: v for k, v in container.items() if k not in ("name", "image", "command", *SERVER_ONLY)}
            containers[index] = {"name": container["name"], **JOB_WORK, **kept}
            replaced.append(container["name"])
    return [f"note: a Job completes when its app exits, and {default_image} (the default image) never "
            f"does: {', '.join(replaced)} runs {JOB_WORK['image']} for 5 s instead; give --image for the "
            "job's own work"] if replaced else []


def notes(pod: dict, kind: str, version: tuple[int, int]) -> list[str]:
    """What the user must know about this pattern on this version (printed on stderr)."""
    said = []
    sidecars = [c["name"] for c in pod["spec"].get("initContainers") or [] if c.get("restartPolicy") == "Always"]
    helpers = [c["name"] for c in pod["spec"].get("containers") or []][1:]
    if sidecars and version == (1, 28):
        said.append(f"warning: {', '.join(sidecars)} is a native sidecar: on 1.28 the SidecarContainers "
                    "feature gate must be on (it is off by default); otherwise the API server refuses "
                    "the pod (startupProbe on an init container) or drops restartPolicy and the pod "
                    "never leaves Init")
    if version < (1, 28) and helpers and pod["metadata"].get(
            "annotations", {}).get("kubectl-pods.dev/pattern") in ("sidecar", "ambassador"):
        said.append(f"note: Kubernetes {versions.format_version(version)} has no native sidecars, so "
                    f"{', '.join(helpers)} is a regular container: it is not started before the app "
                    "nor stopped after it" + (", and a Job whose helper never exits never completes"
                                             if kind in JOB_KINDS else ""))
    if kind in JOB_KINDS and sidecars:
        said.append("note: in a Job the native sidecar matters: the kubelet stops it once the job "
                    "container exits, so the Job completes; a helper in `containers` would keep the "
                    "pod running forever")
    return said
