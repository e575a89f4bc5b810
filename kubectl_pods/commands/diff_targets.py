"""Which live object each intended object is compared with (the identity rules of `diff`).

- a Pod by its name; one with only `generateName` with the live pods made from it;
- a workload with its live namesake (the workload objects, template included) and then with the
  pods its selector picks, each pod named with the revision of the ReplicaSet that made it;
- `--owner`: each pod with its controller's template; a pod without one is listed, not fatal;
- no intent given: each pod with its own last-applied configuration (`kubectl apply`);
- `--server-dry-run`: the intended object as the server itself would store it.
"""

from __future__ import annotations

import copy

from kubectl_pods.diff.admission import ClusterFacts, align_generated_names
from kubectl_pods.diff.bookkeeping import last_applied
from kubectl_pods.diff.report import Comparison
from kubectl_pods.errors import UserError
from kubectl_pods.report_types import Revision, SkippedItem
from kubectl_pods.sources import PodInput
from kubectl_pods.sources.live import LiveSide
from kubectl_pods.sources.shape import check

REVISION_ANNOTATION = "deployment.kubernetes.io/revision"


def _meta(obj: dict) -> dict:
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else {}


def skipped_item(pod: dict, reason: str) -> SkippedItem:
    meta = _meta(pod)
    return {"kind": pod.get("kind") or "Pod", "name": meta.get("name"), "namespace": meta.get("namespace"),
            "skipped": reason}


def owner_comparisons(live: LiveSide, pods: list[PodInput]) -> tuple[list[Comparison], list[SkippedItem]]:
    from kubectl_pods.diff.owner import changes_after_creation
    from kubectl_pods.sources.files import pod_from_template

    comparisons, skipped = [], []
    for target in pods:
        chain = live.owner_chain(target.pod)
        if chain is None:
            ref = next(r for r in _meta(target.pod).get("ownerReferences") or [] if r.get("controller"))
            why = f"the server refused to give {ref.get('kind')} {ref.get('name')} (403 Forbidden)"
            comparisons.append(Comparison({}, target.pod, True, f"its managedFields ({why}): fields written after "
                                          "creation by another manager", known_changes=changes_after_creation(
                                              target.pod, why)))
            continue
        if not chain:
            skipped.append(skipped_item(target.pod, "no controller to compare with (--owner)"))
            continue
        owner = chain[0]
        error = live.owner_problem(owner)
        if error:
            skipped.append(skipped_item(target.pod, error))
            continue
        comparisons.append(Comparison(pod_from_template(owner), target.pod, True,
                                      f"{owner.get('kind')} {_meta(owner).get('name')} template",
                                      revision=_revision(chain)))
    return comparisons, skipped


def _revision(chain: list[dict]) -> Revision | None:
    """For a Deployment's pod: the revision of its ReplicaSet and the Deployment's current one."""
    if len(chain) < 2 or chain[0].get("kind") != "ReplicaSet" or chain[1].get("kind") != "Deployment":
        return None
    pod_revision = (_meta(chain[0]).get("annotations") or {}).get(REVISION_ANNOTATION)
    current = (_meta(chain[1]).get("annotations") or {}).get(REVISION_ANNOTATION)
    return {"replicaSet": _meta(chain[0]).get("name"), "revision": pod_revision, "current": current,
            "outdated": pod_revision is not None and current is not None and pod_revision != current}


def manifest_comparisons(side: LiveSide, filenames: list[str], names: tuple[str, ...]) -> list[Comparison]:
    from kubectl_pods.sources.files import WORKLOAD_KINDS, objects_in, owner_ref, pod_from_template, read_documents

    comparisons: list[Comparison] = []
    for source, document in read_documents(filenames):
        for intended in objects_in(document):
            kind, meta = intended.get("kind"), _meta(intended)
            live = side.for_object(meta.get("namespace")) if isinstance(meta.get("namespace"), str) else side
            if kind in ("Pod", *WORKLOAD_KINDS):
                check(intended, source)
            if kind == "Pod":
                comparisons += [Comparison(intended, t.pod, False, source) for t in _pods_for(live, intended, names)]
            elif kind in WORKLOAD_KINDS:
                name = meta.get("name")
                found = live.workload(kind, name, meta.get("namespace")) if name else None
                if found is not None:
                    comparisons.append(Comparison(intended, found, False, source))
                selected = live.pods(names) if names else live.pods(match_labels=owner_ref(intended)["matchLabels"])
                template = pod_from_template(intended)
                for target in selected:
                    revision = _revision(live.owner_chain(target.pod) or []) if kind == "Deployment" else None
                    comparisons.append(Comparison(template, target.pod, True, f"{source} ({kind} {meta.get('name')} template)",
                                                  revision=revision))
                if found is None and not selected:
                    raise UserError(f"no live {kind} {meta.get('name')} and no pods matching its selector")
    if not comparisons:
        raise UserError(f"no Pod or workload in {', '.join(filenames)}")
    return comparisons


def _pods_for(live: LiveSide, intended: dict, names: tuple[str, ...]) -> list[PodInput]:
    meta = _meta(intended)
    if names:
        return live.pods(names)
    if meta.get("name"):
        found = live.pods((meta["name"],))
    elif meta.get("generateName"):
        found = live.pods(generate_name=meta["generateName"])
    else:
        raise UserError("the intended Pod has neither name nor generateName")
    if not found:
        raise UserError(f"no live pods for {meta.get('name') or meta.get('generateName')} (give pod names or -l)")
    return found


def last_applied_comparisons(pods: list[PodInput]) -> tuple[list[Comparison], list[SkippedItem]]:
    """Each pod against the configuration `kubectl apply` last sent for it: a field applied once
    and changed since by someone else is drift, with no manifest at hand."""
    comparisons, skipped = [], []
    for target in pods:
        applied = last_applied(target.pod)
        if applied is None:
            skipped.append(skipped_item(target.pod, "no last-applied configuration (not created with kubectl apply); "
                                                    "use -f, --pattern or --owner"))
        else:
            comparisons.append(Comparison(applied, target.pod, False, "its last-applied configuration (kubectl apply)"))
    return comparisons, skipped


def dry_run_body(intended: dict) -> dict:
    """A renamed copy to create with dryRun=All: `generateName` instead of the name, so that
    the live object of the same name does not make the create fail with AlreadyExists."""
    body = copy.deepcopy(intended)
    meta = body.setdefault("metadata", {})
    name = meta.pop("name", None)
    for key in ("namespace", "uid", "resourceVersion", "creationTimestamp", "managedFields", "ownerReferences"):
        meta.pop(key, None)
    body.pop("status", None)
    if name and not meta.get("generateName"):
        meta["generateName"] = f"{name}-"
    return body


def server_dry_run(live: LiveSide, comparisons: list[Comparison]) -> list[Comparison]:
    assert live.cluster is not None, "--server-dry-run is refused with --live"
    answered = []
    for comparison in comparisons:
        namespace = _meta(comparison.live).get("namespace") or live.namespace
        try:
            response = live.cluster.dry_run_create(dry_run_body(comparison.intended), namespace)
        except UserError as exc:
            raise UserError(f"--server-dry-run (a create with dryRun=All, which stores nothing): {exc}") from None
        answered.append(Comparison(align_generated_names(response, comparison.live), comparison.live, True,
                                   f"the server's dry run of {comparison.compared_with}",
                                   facts=ClusterFacts(limit_ranges=[]), revision=comparison.revision))
    return answered


def cluster_facts(live: LiveSide, pod: dict) -> ClusterFacts:
    return ClusterFacts(limit_ranges=live.limit_ranges(_meta(pod).get("namespace") or live.namespace))
