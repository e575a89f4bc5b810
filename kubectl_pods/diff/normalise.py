"""The chain that turns "what was intended" into "what the server would hold", step by named step.

`normalise` runs the steps in the order the API server does (decode and defaulting, then the
create strategy and mutating admission in `AllOrderedPlugins` order, then what the scheduler and
the controller write) and returns both sides ready for comparison. `server_filled` runs the same
chain one step at a time and says which step filled which field (`diff --explain-defaults`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from kubectl_pods.diff import admission, bookkeeping, controllers, defaults
from kubectl_pods.diff.admission import ClusterFacts
from kubectl_pods.diff.changes import changed_paths
from kubectl_pods.kube.jsoncopy import copy_json
from kubectl_pods.kube.quantity import canonical, quantity_value
from kubectl_pods.report_types import ServerFilledField

QUANTITY_MAPS = ("requests", "limits", "overhead", "podFixed", "capacity")
KEEP_EMPTY = ("emptyDir",)  # an empty value that still says something: the volume's source


@dataclass
class Pair:
    mine: dict
    theirs: dict
    from_template: bool
    facts: ClusterFacts = field(default_factory=ClusterFacts)

    @property
    def kind(self) -> str | None:
        return self.theirs.get("kind") or self.mine.get("kind")

    @property
    def is_pod(self) -> bool:
        return self.kind == "Pod"

    def spec(self) -> dict:
        return self.mine.setdefault("spec", {})

    def live_spec(self) -> dict:
        return self.theirs.get("spec") or {}

    def meta(self) -> dict:
        return self.mine.setdefault("metadata", {})

    def live_meta(self) -> dict:
        return self.theirs.get("metadata") or {}

    def controller(self) -> dict:
        refs = self.live_meta().get("ownerReferences") or []
        return next((r for r in refs if isinstance(r, dict) and r.get("controller")), {})


@dataclass(frozen=True)
class Step:
    rule: str
    source: str
    run: Callable[[Pair], None]
    pods_only: bool = False
    both_sides: bool = False


def _api_defaults(obj: dict, live: dict) -> None:
    """SetObjectDefaults_<Kind>: the kind's own defaults, then SetDefaults_PodSpec and below on
    the pod spec it holds (and SetDefaults_Pod for a Pod)."""
    kind, spec, live_spec = obj.get("kind") or live.get("kind"), obj.setdefault("spec", {}), live.get("spec") or {}
    if kind == "Pod":
        defaults.set_defaults_pod_spec(spec)
        defaults.set_defaults_pod(spec, live_spec)
        return
    if kind == "CronJob":
        # SetObjectDefaults_CronJob: the CronJob's own defaults, the pod-failure-policy patterns
        # and the pod spec of its job template, but never SetDefaults_Job (the Job gets those
        # when the controller creates it).
        defaults.set_defaults_cronjob(spec, live_spec)
        spec = spec.setdefault("jobTemplate", {}).setdefault("spec", {})
        defaults.set_defaults_pod_failure_policy(spec)
    elif kind == "Job":
        defaults.set_defaults_job(spec, live_spec, obj.setdefault("metadata", {}) if obj.get("kind") == "Job" else None)
    elif kind in defaults.WORKLOAD_DEFAULTS:
        defaults.WORKLOAD_DEFAULTS[kind](spec, live_spec)
    template = spec.get("template")
    if isinstance(template, dict):
        defaults.set_defaults_pod_spec(template.setdefault("spec", {}))


def _template_identity(pair: Pair) -> None:
    """Workloads: the controller labels a template carries (the Job strategy's
    `generateSelector` adds them) and a Job's generated selector."""
    spec, live_spec = pair.spec(), pair.live_spec()
    if pair.kind == "CronJob":
        spec = spec.setdefault("jobTemplate", {}).setdefault("spec", {})
        live_spec = (live_spec.get("jobTemplate") or {}).get("spec") or {}
    template, live_template = spec.get("template"), live_spec.get("template") or {}
    if isinstance(template, dict):
        bookkeeping.adopt_keys(template.setdefault("metadata", {}), live_template.get("metadata") or {}, "labels",
                               bookkeeping.CONTROLLER_LABELS)
    if pair.kind == "Job" and not spec.get("manualSelector") and "selector" not in spec and "selector" in live_spec:
        spec["selector"] = live_spec["selector"]


def _on_both_sides(apply: Callable[[dict], None]) -> Callable[[Pair], None]:
    def run(pair: Pair) -> None:
        apply(pair.mine)
        apply(pair.theirs)
    return run


def _when_owned_by(kind: str, apply: Callable[[Pair], None]) -> Callable[[Pair], None]:
    """A controller's own step: only for the pods of a controller of that kind."""
    def run(pair: Pair) -> None:
        if pair.controller().get("kind") == kind:
            apply(pair)
    return run


STEPS: tuple[Step, ...] = (
    Step("server metadata and status", "apimachinery ObjectMeta; the registry's create/update",
         _on_both_sides(bookkeeping.strip_server_owned), both_sides=True),
    Step("client bookkeeping (kubectl apply, rollout restart)", "kubectl: apply.go, rollout restart",
         _on_both_sides(bookkeeping.strip_client_annotations), both_sides=True),
    Step("SetObjectDefaults (core, apps, batch)", "pkg/apis/{core,apps,batch}/v1/defaults.go",
         lambda p: _api_defaults(p.mine, p.theirs)),
    Step("server-assigned identity", "registry: namespace, generateName; controllers: owner labels",
         lambda p: bookkeeping.adopt_server_identity(p.mine, p.theirs, p.from_template)),
    Step("workload strategy", "pkg/registry/batch/job/strategy.go generateSelector",
         _template_identity),
    Step("PrepareForCreate: AppArmor version skew", "pkg/registry/core/pod/strategy.go applyAppArmorVersionSkew",
         lambda p: admission.apparmor_version_skew(p.spec(), p.live_spec(), p.meta(), p.live_meta()), pods_only=True),
    Step("PrepareForCreate: matchLabelKeys", "pkg/registry/core/pod/strategy.go mutatePodAffinity",
         lambda p: admission.match_label_keys(p.spec(), p.live_spec(), p.meta().get("labels") or {}), pods_only=True),
    Step("LimitRanger", "plugin/pkg/admission/limitranger PodMutateLimitFunc",
         lambda p: admission.limit_ranger(p.spec(), p.live_spec(), p.meta(), p.live_meta(), p.facts), pods_only=True),
    Step("ServiceAccount", "plugin/pkg/admission/serviceaccount Admit",
         lambda p: admission.service_account(p.spec(), p.live_spec()), pods_only=True),
    Step("Priority", "plugin/pkg/admission/priority admitPod",
         lambda p: admission.priority(p.spec(), p.live_spec()), pods_only=True),
    Step("DefaultTolerationSeconds", "plugin/pkg/admission/defaulttolerationseconds Admit",
         lambda p: admission.default_toleration_seconds(p.spec(), p.live_spec()), pods_only=True),
    Step("RuntimeClass", "plugin/pkg/admission/runtimeclass setOverhead, setScheduling",
         lambda p: admission.runtime_class(p.spec(), p.live_spec()), pods_only=True),
    Step("DaemonSet controller", "pkg/controller/daemon/util AddOrUpdateDaemonPodTolerations",
         _when_owned_by("DaemonSet", lambda p: controllers.daemonset_pod(p.spec(), p.live_spec())),
         pods_only=True),
    Step("StatefulSet controller", "pkg/controller/statefulset newStatefulSetPod",
         _when_owned_by("StatefulSet", lambda p: controllers.statefulset_pod(
             p.spec(), p.live_spec(), p.live_meta().get("name"))), pods_only=True),
    Step("Job controller", "pkg/controller/job addCompletionIndexEnvVariables",
         _when_owned_by("Job", lambda p: controllers.job_pod(
             p.spec(), p.live_spec(), p.live_meta(), p.controller().get("name"))), pods_only=True),
    Step("scheduler binding", "pods/binding: spec.nodeName",
         lambda p: admission.scheduled(p.spec(), p.live_spec()), pods_only=True),
    Step("PodTopologyLabels", "plugin/pkg/admission/podtopologylabels",
         lambda p: admission.topology_labels(p.meta(), p.live_meta()), pods_only=True),
)


def _applicable(pair: Pair) -> list[Step]:
    return [step for step in STEPS if pair.is_pod or not step.pods_only]


def _prepare(intended: dict, live: dict, from_template: bool, facts: ClusterFacts | None) -> Pair:
    mine, theirs = copy_json(intended), copy_json(live)
    if theirs.get("kind") and not mine.get("kind"):
        mine["kind"] = theirs["kind"]
    return Pair(mine, theirs, from_template, facts or ClusterFacts())


def _finish(pair: Pair, stored: bool) -> tuple[dict, dict]:
    # A live side that is a plain manifest (`--live` of a file nobody sent to a server) gets the
    # deterministic defaults too, to compare on equal terms. An object a server stored (it has a
    # uid or resourceVersion) has them already: the server defaults on every create and update.
    if not stored:
        _defaults_of_a_manifest(pair)
    serialisation(pair.mine)
    serialisation(pair.theirs)
    return pair.mine, pair.theirs


def _defaults_of_a_manifest(pair: Pair) -> None:
    _api_defaults(pair.theirs, copy_json(pair.theirs))
    if pair.theirs.get("kind") == "Pod":
        live_spec = pair.theirs.setdefault("spec", {})
        admission.service_account(live_spec, copy_json(live_spec))
        admission.default_toleration_seconds(live_spec, copy_json(live_spec))


def normalise(intended: dict, live: dict, intended_is_template: bool = False,
              facts: ClusterFacts | None = None) -> tuple[dict, dict]:
    """Both objects with server-owned fields removed and the intended side filled as the server would."""
    stored = _stored(live)
    pair = _prepare(intended, live, intended_is_template, facts)
    for step in _applicable(pair):
        step.run(pair)
    return _finish(pair, stored)


def _stored(obj: dict) -> bool:
    meta = found if isinstance(found := obj.get("metadata"), dict) else {}
    return bool(meta.get("uid") or meta.get("resourceVersion"))


def server_filled(intended: dict, live: dict, intended_is_template: bool = False,
                  facts: ClusterFacts | None = None) -> list[ServerFilledField]:
    """Which field each step filled (or, for the bookkeeping steps, set aside): `--explain-defaults`."""
    pair = _prepare(intended, live, intended_is_template, facts)
    filled: list[ServerFilledField] = []
    for step in _applicable(pair):
        before_mine, before_theirs = copy_json(pair.mine), copy_json(pair.theirs)
        step.run(pair)
        paths = changed_paths(before_mine, pair.mine)
        if step.both_sides:
            paths += changed_paths(before_theirs, pair.theirs)
        filled += [{"path": path, "rule": step.rule, "source": step.source} for path in sorted(set(paths))]
    return filled


# -- serialisation: what the wire format does, not any one rule ----------------------------------------
def serialisation(node) -> None:
    """Empty lists and maps are omitted on the server (`omitempty`; non-pointer structs such as
    `resources` come back as `{}`), a template's `creationTimestamp: null` is gone since 1.35, and
    quantities are compared by value (SetDefaults_ResourceList rounds them up to milli units;
    a non-pointer zero Quantity such as `divisor` is written "0"). One walk does it all."""
    if isinstance(node, dict):
        for key in list(node):
            value = node[key]
            if key in QUANTITY_MAPS and isinstance(value, dict):
                node[key] = {name: canonical(amount) for name, amount in value.items()}
            elif key in ("sizeLimit", "divisor") and not isinstance(value, (dict, list)):
                if key == "divisor" and quantity_value(value) == 0:
                    del node[key]
                    continue
                node[key] = canonical(value)
            elif key == "creationTimestamp" and value is None:
                del node[key]
                continue
            else:
                serialisation(value)
            if node[key] == [] or (node[key] == {} and key not in KEEP_EMPTY):
                del node[key]
    elif isinstance(node, list):
        for item in node:
            serialisation(item)
