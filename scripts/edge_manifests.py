"""Manifests that probe the defaulting and admission rules at their edges (inputs the oracle
corpus does not hold). `record-diff-fixtures` sends each to a real kube-apiserver and records
what it stored; `tests/test_diff_rules.py` requires each to diff empty."""

from __future__ import annotations

DIGEST = "sha256:" + "a" * 64


def pod(name: str, spec: dict, **metadata) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, **metadata}, "spec": spec}


def c(name: str = "app", image: str = "nginx:1.27", **fields) -> dict:
    return {"name": name, "image": image, **fields}


EDGE_MANIFESTS = [
    pod("edge-images", {"containers": [
        c("upper", "MyRegistry/App:1"), c("upper-repo", "example.com/MyApp"), c("port-untagged", "registry:5000/app"),
        c("digest-only", f"app@{DIGEST}"), c("latest-digest", f"app:latest@{DIGEST}"), c("localhost", "localhost/app"),
        c("bad-digest", "app@sha256:abc"), c("docker-io", "docker.io/library/busybox"), c("tag-latest-upper", "app:LATEST"),
        c("ipv6", "[::1]:5000/app:1")]}),
    pod("edge-volumes", {"containers": [c(volumeMounts=[{"name": n, "mountPath": f"/{n}"} for n in
                                                         ("iscsi", "rbd", "azure", "eph", "dapi", "host")])],
                         "volumes": [
        {"name": "iscsi", "iscsi": {"targetPortal": "10.0.0.1:3260", "iqn": "iqn.2001-04.com.example:storage", "lun": 0}},
        {"name": "rbd", "rbd": {"monitors": ["10.0.0.1:6789"], "image": "img"}},
        {"name": "azure", "azureDisk": {"diskName": "d", "diskURI": "https://example.com/d.vhd"}},
        {"name": "eph", "ephemeral": {"volumeClaimTemplate": {"spec": {"accessModes": ["ReadWriteOnce"],
                                                                         "resources": {"requests": {"storage": "1Gi"}}}}}},
        {"name": "dapi", "downwardAPI": {"items": [{"path": "cpu", "resourceFieldRef": {"containerName": "app",
                                                                                         "resource": "limits.cpu"}}]}},
        {"name": "host", "hostPath": {"path": "/tmp"}}]}),
    pod("edge-handlers", {"containers": [c(
        livenessProbe={"grpc": {"port": 9000}}, readinessProbe={"httpGet": {"port": 8080}, "periodSeconds": 0},
        lifecycle={"postStart": {"httpGet": {"port": 8080, "path": ""}}, "preStop": {"sleep": {"seconds": 1}}},
        env=[{"name": "A", "valueFrom": {"resourceFieldRef": {"resource": "limits.memory"}}},
             {"name": "B", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}])]}),
    pod("edge-tolerate-all", {"containers": [c()], "tolerations": [{"operator": "Exists"}]}),
    pod("edge-tolerate-empty-effect", {"containers": [c()], "tolerations": [
        {"key": "node.kubernetes.io/not-ready", "operator": "Exists"},
        {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoSchedule"}]}),
    pod("edge-automount-off", {"automountServiceAccountToken": False, "containers": [c()]}),
    pod("edge-own-token-mount", {"initContainers": [c("setup", command=["true"])], "containers": [
        c(volumeMounts=[{"name": "own", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}]),
        c("second", "busybox:1.36")], "volumes": [{"name": "own", "emptyDir": {}}]}),
    pod("edge-custom-token-volume", {"containers": [c()], "volumes": [
        {"name": "kube-api-access-mine", "projected": {"sources": [{"serviceAccountToken": {"path": "token"}}]}}]}),
    pod("edge-deprecated-service-account", {"serviceAccount": "default", "containers": [c()]}),
    pod("edge-hostnetwork-init-ports", {"hostNetwork": True, "initContainers": [
        c("proxy", restartPolicy="Always", ports=[{"containerPort": 15001}])], "containers": [c(ports=[{"containerPort": 8080}])]}),
    pod("edge-affinity-matchlabelkeys", {"containers": [c()], "affinity": {"podAntiAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": [{"topologyKey": "kubernetes.io/hostname",
                                                            "labelSelector": {"matchLabels": {"app": "edge"}},
                                                            "matchLabelKeys": ["version", "absent"]}]}}},
        labels={"app": "edge", "version": "v1"}),
    pod("edge-apparmor-field", {"securityContext": {"appArmorProfile": {"type": "RuntimeDefault"}}, "containers": [
        c(), c("local", "busybox:1.36", securityContext={"appArmorProfile": {"type": "Localhost", "localhostProfile": "p"}})]}),
    pod("edge-apparmor-annotation", {"containers": [c()]},
        annotations={"container.apparmor.security.beta.kubernetes.io/app": "localhost/custom"}),
    pod("edge-limits-init-sidecar", {"initContainers": [
        c("side", restartPolicy="Always", resources={"limits": {"cpu": "0.25", "memory": "1.5Gi"}})],
        "containers": [c(resources={"limits": {"cpu": 1, "ephemeral-storage": "1Gi"}, "requests": {"cpu": "100m"}})]}),
    {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "edge-job-failure-policy"}, "spec": {
        "podFailurePolicy": {"rules": [{"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget"}]}]},
        "template": {"metadata": {"labels": {"team": "a"}}, "spec": {"restartPolicy": "Never", "containers": [c()]}}}},
    {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "edge-job-parallelism", "labels": {"own": "x"}},
     "spec": {"parallelism": 3, "template": {"spec": {"restartPolicy": "OnFailure", "containers": [c()]}}}},
    {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "edge-sts-rolling"}, "spec": {
        "serviceName": "edge", "selector": {"matchLabels": {"app": "sts"}}, "updateStrategy": {"type": "RollingUpdate"},
        "template": {"metadata": {"labels": {"app": "sts"}}, "spec": {"containers": [c()]}}}},
    {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "edge-deploy-surge-only"}, "spec": {
        "selector": {"matchLabels": {"app": "d"}}, "strategy": {"rollingUpdate": {"maxSurge": 2}},
        "template": {"metadata": {"labels": {"app": "d"}}, "spec": {"containers": [c()]}}}},
    {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "edge-ds-surge"}, "spec": {
        "selector": {"matchLabels": {"app": "ds"}}, "updateStrategy": {"rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
        "template": {"metadata": {"labels": {"app": "ds"}}, "spec": {"containers": [c()]}}}},
]

# Fields that only newer servers keep (older ones drop them, which diff rightly reports):
# (the first minor version whose default gates keep the field, manifest).
RECENT_MANIFESTS = [
    ("1.34", pod("edge-pod-level-resources", {"resources": {"limits": {"cpu": "2", "memory": "1Gi"}},
                                               "initContainers": [c("side", restartPolicy="Always",
                                                                    resources={"requests": {"cpu": "100m"}})],
                                               "containers": [c(resources={"requests": {"cpu": "500m"}}), c("b", "busybox:1.36")]})),
    ("1.34", pod("edge-pod-level-limits-only", {"resources": {"limits": {"cpu": "1", "memory": "512Mi"}},
                                                 "containers": [c()]})),
    ("1.35", pod("edge-env-file-key", {"initContainers": [c("gen", "busybox:1.36", command=["true"],
                                                            volumeMounts=[{"name": "env", "mountPath": "/env"}])],
                                        "containers": [c(env=[{"name": "K", "valueFrom": {"fileKeyRef": {
                                            "volumeName": "env", "path": "vars.env", "key": "K"}}}])],
                                        "volumes": [{"name": "env", "emptyDir": {}}]})),
    ("1.35", pod("edge-image-volume", {"containers": [c(volumeMounts=[{"name": "data", "mountPath": "/data"}])],
                                        "volumes": [{"name": "data", "image": {"reference": "quay.io/acme/data:1"}},
                                                    ]})),
    ("1.34", pod("edge-spread-matchlabelkeys", {"containers": [c()], "topologySpreadConstraints": [
        {"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule",
         "labelSelector": {"matchLabels": {"app": "spread"}}, "matchLabelKeys": ["version"]}]},
        labels={"app": "spread", "version": "v2"})),
]
