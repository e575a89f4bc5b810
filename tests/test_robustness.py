"""No input can crash, hang or confuse the plugin: every pod-shaped document either gets an answer
or a one-line error naming the path, from `explain`, `diff` and every renderer.

Generated inputs start from pods a real server returned (the oracle corpus) and break them: a
field replaced by a value of another JSON type, removed, set to a huge number, odd unicode or an
odd timestamp. The hang guard below fails a test only if one input takes minutes: it bounds a
hang, it does not measure speed.
"""

from __future__ import annotations

import contextlib
import copy
import json
import signal
from datetime import datetime, timezone

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from kubectl_pods.diff.compare import diff_objects
from kubectl_pods.errors import UserError
from kubectl_pods.explain import explain_pod
from kubectl_pods.render import explain_text, structured, timeline
from kubectl_pods.sources import PodInput
from kubectl_pods.sources.shape import InvalidObject, check, problem
from tests.conftest import oracle_cases

PODS = [case["pod"] for case in oracle_cases("status-table.json")]
SAMPLE = PODS[::12]  # every layout family of the corpus, for the exhaustive loops
NOW = datetime(2026, 6, 1, tzinfo=timezone.utc)
HANG_GUARD_SECONDS = 60


@contextlib.contextmanager
def hang_guard():
    def stop(signum, frame):
        raise AssertionError(f"no answer after {HANG_GUARD_SECONDS} s: work proportional to a number in the input")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(HANG_GUARD_SECONDS)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def answer_or_clean_error(pod) -> str:
    """What a user gets for this document: 'answer', or the path-bearing error."""
    with hang_guard():
        found = problem(pod)
        if found:
            path, message = found
            assert path and message and "\n" not in message
            return "error"
        check(pod, "test")
        try:
            item = explain_pod(PodInput(pod=pod, source="test"), (1, 33), NOW)
        except UserError:
            return "error"
        explain_text.render_detail(item)
        explain_text.render_summary(1, [[item, 1]], True)
        timeline.render_timeline(item, NOW)
        timeline.render_timeline(item, None)
        json.loads(structured.to_json(item))
        structured.to_yaml(item)
        diff_objects(PODS[0], pod)
        diff_objects(pod, PODS[0], intended_is_template=True)
        return "answer"


def _paths(node, prefix=()):
    """Every path to a value in a JSON document."""
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, prefix + (index,))


def _replace(doc, path, value):
    doc = copy.deepcopy(doc)
    if not path:
        return value
    node = doc
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return doc


WRONG_TYPES = ["text", 7, 2.5, True, None, [], {}, ["x"], {"k": "v"}]
RICH_POD = max(PODS, key=lambda p: len(json.dumps(p)))


@pytest.mark.parametrize("wrong", WRONG_TYPES, ids=lambda v: type(v).__name__ + (repr(v) if not v else ""))
def test_every_field_of_a_recorded_pod_replaced_by_each_wrong_type(wrong):
    outcomes = set()
    for path in _paths(RICH_POD):
        if path:
            outcomes.add(answer_or_clean_error(_replace(RICH_POD, path, wrong)))
    assert outcomes <= {"answer", "error"}
    assert "error" in outcomes or wrong in (None, [], {})


@pytest.mark.parametrize("path,value,expected", [
    (("status", "containerStatuses", 0, "restartCount"), 10 ** 30, "error"),  # not an int32: the server refuses it
    (("status", "containerStatuses", 0, "restartCount"), 2 ** 31 - 1, "answer"),
    (("spec", "terminationGracePeriodSeconds"), 2 ** 63, "error"),
    (("spec", "terminationGracePeriodSeconds"), 2 ** 63 - 1, "answer"),
    (("metadata", "deletionGracePeriodSeconds"), 2 ** 63 - 1, "answer"),
    (("metadata", "creationTimestamp"), "9999-12-31T23:59:59Z", "answer"),
    (("metadata", "creationTimestamp"), "0001-01-01T00:00:00Z", "answer"),
    (("metadata", "creationTimestamp"), "yesterday", "error"),
])
def test_huge_numbers_and_far_timestamps_answer_at_once(path, value, expected):
    for pod in SAMPLE:
        try:
            target = _replace(pod, path, value)
        except (IndexError, KeyError):
            continue
        assert answer_or_clean_error(target) == expected, json.dumps(pod)[:200]


def test_far_timestamps_in_every_container_state_answer():
    for pod in SAMPLE:
        for path in _paths(pod):
            if path and path[-1] in ("startedAt", "finishedAt", "lastTransitionTime"):
                for moment in ("9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z"):
                    assert answer_or_clean_error(_replace(pod, path, moment)) == "answer"


def test_the_errors_say_the_path_as_the_server_would():
    pod = copy.deepcopy(PODS[0])
    pod["spec"]["containers"][0]["ports"] = "8080"
    with pytest.raises(InvalidObject) as raised:
        check(pod, "pod.yaml")
    name = pod["metadata"]["name"]
    assert str(raised.value) == f'pod.yaml: Pod "{name}": spec.containers[0].ports: must be a list, got a string'


@pytest.mark.parametrize("spec,message", [
    ({"containers": None}, "spec.containers: Required value"),
    ({"containers": []}, "spec.containers: Required value"),
    ({"containers": [{"name": "a", "image": "x"}, {"name": "a", "image": "y"}]},
     'spec.containers[1].name: Duplicate value: "a"'),
    ({"initContainers": [{"name": "a", "image": "x"}], "containers": [{"name": "a", "image": "y"}]},
     'spec.containers[0].name: Duplicate value: "a"'),
    ({"containers": [{"name": "Bad_Name", "image": "x"}]},
     'spec.containers[0].name: Invalid value: "Bad_Name": a lowercase RFC 1123 label must consist of'),
    ({"containers": [{"image": "x"}]}, "spec.containers[0].name: Required value"),
    ({"containers": [{"name": "a" * 64, "image": "x"}]},
     f'spec.containers[0].name: Invalid value: "{"a" * 64}": must be no more than 63 characters'),
])
def test_pods_the_api_server_would_refuse_are_refused_in_its_words(spec, message):
    found = problem({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec})
    assert found is not None and f"{found[0]}: {found[1]}".startswith(message)


def test_one_bad_pod_of_a_list_is_reported_and_the_others_explained(cli, tmp_path):
    good, bad = copy.deepcopy(PODS[0]), copy.deepcopy(PODS[1])
    bad["status"]["containerStatuses"] = {"not": "a list"}
    path = tmp_path / "pods.json"
    path.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": [good, bad]}))
    code, out, err = cli("explain", "-f", str(path), "-o", "json")
    assert code == 2
    assert [i["name"] for i in json.loads(out)["items"]] == [good["metadata"]["name"]]
    assert err == (f'error: {path}: Pod "{bad["metadata"]["name"]}": status.containerStatuses: '
                   "must be a list, got an object\n")


# -- generated documents -------------------------------------------------------------------------------
JSON_LEAF = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2 ** 70), max_value=2 ** 70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=12),
    st.sampled_from(["9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "2026-02-30T00:00:00Z", "", "Always", "\u202e"]),
)
JSON_VALUE = st.recursive(JSON_LEAF, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)), max_leaves=6)


@st.composite
def broken_pods(draw):
    pod = copy.deepcopy(draw(st.sampled_from(PODS)))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        paths = [p for p in _paths(pod) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        if draw(st.booleans()):
            pod = _replace(pod, path, draw(JSON_VALUE))
        else:
            parent = _replace(pod, (), pod)
            node = parent
            for part in path[:-1]:
                node = node[part]
            del node[path[-1]]
            pod = parent
    return pod


@settings(max_examples=5000, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(pod=broken_pods())
def test_any_broken_pod_gets_an_answer_or_a_path_bearing_error(pod):
    assert answer_or_clean_error(pod) in ("answer", "error")
