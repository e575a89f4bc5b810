"""`diff --against-context`: the pods of one cluster against their counterparts on another.

Pure. A pod is matched with the other cluster's pods of the same namespace, controller kind and
name pattern (`match_key`), and compared with the first of them (by name). The other cluster's
pod stands as the intended object, taken as a pod template (`intended_is_template`), so the
chain of `normalise` sets aside what either server or controller wrote: server metadata and
status, names, owner references and controller labels, the node binding, and the token
volume's generated name (`names.SimpleNameGenerator`: `kube-api-access-` and five random
characters on every create).

Each server defaults its own pods for its own version: a field one version defaults and the
other does not is in one pod only. The chain decides such version- and gate-dependent defaults
by what the live side shows (`defaults.default_if_live`), so the comparison runs both ways, and
a change counts only if it is found both ways: a default of one side's server is found one way
only (the other way round, the chain fills it from the live side), a real difference both ways.
"""

from __future__ import annotations

import copy
import re

from kubectl_pods.diff.admission import ClusterFacts, align_generated_names
from kubectl_pods.diff.compare import diff_objects
from kubectl_pods.report_types import Change


def match_key(pod: dict) -> tuple:
    """(namespace, controller kind, name pattern): the name without what a controller generates
    for each pod (`generateName`'s random suffix, a ReplicaSet's `-<pod-template-hash>`, a
    CronJob's scheduled time), which differ from cluster to cluster; a StatefulSet's ordinal, an
    indexed Job's index and a bare pod's name are kept."""
    meta = pod.get("metadata") or {}
    name, generate = meta.get("name") or "", meta.get("generateName") or ""
    owner: dict = next((r for r in meta.get("ownerReferences") or [] if r.get("controller")), {})
    pattern = generate if generate and name.startswith(generate) else name
    template_hash = (meta.get("labels") or {}).get("pod-template-hash")
    if owner.get("kind") == "ReplicaSet" and template_hash and pattern.endswith(f"-{template_hash}-"):
        pattern = pattern[: -len(template_hash) - 1]
    # A CronJob names each Job `<cronjob>-<scheduled time in minutes>` (cronjob_controllerv2.go
    # getJobName, utils.go getTimeHashInMinutes): eight digits and more, different everywhere.
    scheduled = re.fullmatch(r"(.+)-\d{8,}", owner.get("name") or "") if owner.get("kind") == "Job" else None
    if scheduled and pattern.startswith(owner["name"]):
        pattern = f"{scheduled.group(1)}-<scheduled>{pattern[len(owner['name']):]}"
    return meta.get("namespace"), owner.get("kind") or "Pod", pattern


def match(left: list[dict], right: list[dict]) -> tuple[list[tuple[dict, dict]], list[dict], list[dict]]:
    """(pairs of (left pod, its counterpart), left pods without one, right pods without one)."""
    by_key: dict[tuple, list[dict]] = {}
    for pod in right:
        by_key.setdefault(match_key(pod), []).append(pod)
    for pods in by_key.values():
        pods.sort(key=lambda p: (p.get("metadata") or {}).get("name") or "")
    pairs, only_left = [], []
    for pod in left:
        found = by_key.get(match_key(pod))
        if found:
            pairs.append((pod, found[0]))
        else:
            only_left.append(pod)
    left_keys = {match_key(pod) for pod in left}
    only_right = [pods[0] for key, pods in by_key.items() if key not in left_keys]
    return pairs, only_left, only_right


def as_intended(other: dict, live: dict) -> dict:
    """The other cluster's pod as the intended side for `live`: its node binding dropped (the
    scheduler's), and its token volume named as `live`'s."""
    intended = copy.deepcopy(other)
    intended.pop("status", None)
    (intended.get("spec") or {}).pop("nodeName", None)
    return align_generated_names(intended, live)


def cross_changes(live: dict, other: dict, live_facts: ClusterFacts | None,
                  other_facts: ClusterFacts | None) -> list[Change]:
    """The changes from `other` (intended) to `live` that the comparison the other way round
    finds too: what differs, not what one of the two servers filled in by itself."""
    forward = diff_objects(as_intended(other, live), live, True, live_facts)
    backward = {change["path"] for change in diff_objects(as_intended(live, other), other, True, other_facts)}
    return [change for change in forward if change["path"] in backward]
