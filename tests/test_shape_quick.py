"""The edge check's quick twin (kubectl_pods/sources/shape.py `_quick`) against the full,
path-bearing walk: for any input, the quick one passes exactly what the full one passes and
leaves the object in the same state (the same nulls dropped), so `problem` gives the same
error, path and words, as a full walk of every object would."""

from __future__ import annotations

import copy

from hypothesis import HealthCheck, given, settings

from kubectl_pods.sources import shape
from tests.test_robustness import broken_pods


def full_walk(obj) -> tuple[str, str] | None:
    """`problem` as it was before the quick twin: the full walk, always."""
    try:
        if not isinstance(obj, dict):
            shape._fail("", f"must be an object, got {shape.json_type(obj)}")
        kind = obj.get("kind")
        (shape.POD if kind == "Pod" else shape.WORKLOAD)(obj, "")
        spec_path = {"Pod": "spec", "CronJob": "spec.jobTemplate.spec.template.spec"}.get(kind, "spec.template.spec")
        spec = obj
        for key in spec_path.split("."):
            spec = (spec or {}).get(key)
        if spec is None:
            shape._fail(spec_path, "Required value")
        shape._validate_containers(spec, spec_path)
    except shape._Problem as found:
        return found.path or "(the object)", found.message
    return None


@settings(max_examples=1000, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(pod=broken_pods())
def test_the_quick_check_passes_what_the_full_walk_passes_and_problem_says_the_same(pod):
    quick, full, through_problem = copy.deepcopy(pod), copy.deepcopy(pod), copy.deepcopy(pod)
    try:
        shape.POD(full, "")
        passes = True
    except shape._Problem:
        passes = False
    assert shape.POD.ok(quick) is passes
    assert quick == full  # the same nulls dropped, up to the same first problem
    reference = copy.deepcopy(pod)
    assert shape.problem(through_problem) == full_walk(reference)
    assert through_problem == reference
