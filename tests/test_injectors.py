"""The injector catalogue and recognition, over every injector fixture (tests/fixtures/injectors/)."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kubectl_pods.injectors import catalogue, injected_by, recognise
from kubectl_pods.injectors.catalogue import HAZARD_CODES, CatalogueError, _check, name_matches
from tests.injector_cases import cases, container_names, pod_and_outer

CASES = cases()


def test_every_catalogue_entry_loads_and_cites_its_source():
    entries = catalogue()
    assert {"istio", "linkerd"} <= set(entries)
    for entry in entries.values():
        assert entry.data["source"], entry.name
        for code, hazard in entry.data["hazards"].items():
            assert code in HAZARD_CODES
            if hazard.get("applies"):
                assert hazard.get("source"), (entry.name, code)


def test_the_loader_refuses_an_entry_that_attributes_by_name_alone():
    data = copy.deepcopy(catalogue()["istio"].data)
    data["pod_markers"] = {"annotations": {}, "labels": {}}
    with pytest.raises(CatalogueError, match="pod_markers"):
        _check(data, "istio.yaml")


def test_every_injector_has_a_fixture():
    """Every catalogue entry is covered by the shared tests: an injected case in a cases.yaml."""
    assert set(catalogue()) == {case.injector for case in CASES if case.mode != "none"}


def test_the_loader_refuses_a_source_whose_what_a_comma_split():
    data = copy.deepcopy(catalogue()["istio"].data)
    data["source"] = [{"repo": "istio/istio", "ref": "1.28.0", "path": "x.yaml", "what": "containers", "volumes": None}]
    with pytest.raises(CatalogueError, match="quote it"):
        _check(data, "istio.yaml")


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_recognition_labels_every_injected_container_and_none_of_the_users(case):
    for wrote, made in case.pairs():
        user_pod, _ = pod_and_outer(wrote)
        pod, outer = pod_and_outer(made)
        users = set(container_names(user_pod))
        added = [name for name in container_names(pod) if name not in users]
        found = recognise(pod, outer)
        labels = injected_by(found)
        assert sorted(labels) == sorted(added), case.id
        assert set(labels.values()) <= {case.injector}
        assert recognise(user_pod, pod_and_outer(wrote)[1]) == [] or case.mode == "none"
        if case.mode == "none":
            assert labels == {}
        else:
            assert [i.mode for i in found if i.name == case.injector] == [case.mode], case.id
            assert all(i.marker for i in found)


_MARKERS = {field: [key for entry in catalogue().values() for key in (entry.data["pod_markers"].get(field) or {})]
            for field in ("annotations", "labels", "volumes")}
_MARKER_ENV = {rule["name"] for entry in catalogue().values() for rule in entry.data["pod_markers"].get("env") or []}


def _is_marker(field: str, key) -> bool:
    return isinstance(key, str) and any(name_matches(pattern, key) for pattern in _MARKERS[field])


def _without_markers(document: dict) -> dict:
    """Every injector's markers taken away: annotations, labels, volumes, env vars."""
    stripped = copy.deepcopy(document)
    stack = [stripped]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for field in ("annotations", "labels"):
                if isinstance(node.get(field), dict):
                    node[field] = {k: v for k, v in node[field].items() if not _is_marker(field, k)}
            if isinstance(node.get("volumes"), list):
                node["volumes"] = [v for v in node["volumes"] if not _is_marker("volumes", v.get("name"))]
            if isinstance(node.get("env"), list):
                node["env"] = [e for e in node["env"] if e.get("name") not in _MARKER_ENV]
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return stripped


_INJECTED = [made for case in CASES for _, made in case.pairs()]
_names = st.sampled_from(sorted({c["name"] for entry in catalogue().values() for c in entry.data["containers"]
                                 if not c["name"].startswith("^")} | {"app", "sidecar", "proxy"}))


@settings(max_examples=60, deadline=None)
@given(document=st.sampled_from(_INJECTED), extra=st.lists(_names, max_size=4),
       native=st.booleans(), other=st.dictionaries(st.sampled_from(["app", "istio.io/rev", "linkerd.io/inject",
                                                                    "sidecar.istio.io/inject"]),
                                                   st.sampled_from(["true", "enabled", "x"]), max_size=3))
def test_without_the_markers_nothing_is_attributed(document, extra, native, other):
    pod, outer = pod_and_outer(_without_markers(document))
    spec = pod.setdefault("spec", {})
    for name in extra:  # containers named like any injector's, in either list
        entry = {"name": name, "image": f"example/{name}:1"} | ({"restartPolicy": "Always"} if native else {})
        spec.setdefault("initContainers" if native else "containers", []).append(entry)
    pod.setdefault("metadata", {}).setdefault("annotations", {}).update(other)
    assert recognise(pod, outer) == []


def test_docs_injectors_md_is_what_the_catalogue_renders():
    import importlib.machinery
    import importlib.util
    from pathlib import Path

    script = Path(__file__).resolve().parent.parent / "scripts" / "render-injectors-doc"
    loader = importlib.machinery.SourceFileLoader("render_injectors_doc", str(script))
    render = importlib.util.module_from_spec(importlib.util.spec_from_loader(loader.name, loader))
    loader.exec_module(render)
    assert render.TARGET.read_text() == render.render(), "run scripts/render-injectors-doc"
    for name in catalogue():
        assert f"\n## {name}\n" in render.render()


def test_a_marker_key_written_as_a_pattern_matches_any_such_annotation(monkeypatch):
    import importlib

    from kubectl_pods.injectors.catalogue import Injector

    module = importlib.import_module("kubectl_pods.injectors.recognise")  # the module, not the function

    entry = copy.deepcopy(catalogue()["istio"].data)
    entry["pod_markers"] = {"annotations": {"^example\\.com/.+$": "^[0-9]+,"}, "labels": {}}
    monkeypatch.setattr(module, "catalogue", lambda: {"istio": Injector("istio", entry)})
    pod = {"metadata": {"annotations": {"example.com/db": "3,image"}},
           "spec": {"containers": [{"name": "app"}, {"name": "istio-proxy"}]}}
    [found] = module.recognise(pod)
    assert found.marker == "annotation example.com/db" and found.container_names == ["istio-proxy"]
    pod["metadata"]["annotations"] = {"example.com/db": "not a generation"}
    assert module.recognise(pod) == []


def test_a_volume_or_env_var_only_the_injector_writes_is_a_marker(monkeypatch):
    import importlib

    from kubectl_pods.injectors.catalogue import Injector

    module = importlib.import_module("kubectl_pods.injectors.recognise")
    entry = copy.deepcopy(catalogue()["istio"].data)
    entry["pod_markers"] = {"volumes": ["^example-tmp-.+$"], "env": [{"container": "istio-proxy", "name": "MESH_NODE"}]}
    monkeypatch.setattr(module, "catalogue", lambda: {"istio": Injector("istio", entry)})
    pod = {"spec": {"containers": [{"name": "app", "env": [{"name": "MESH_NODE"}]}, {"name": "istio-proxy"}]}}
    assert module.recognise(pod) == []  # the env var on the user's container is not the injector's
    pod["spec"]["containers"][1]["env"] = [{"name": "MESH_NODE", "value": "x"}]
    [found] = module.recognise(pod)
    assert found.marker == "env MESH_NODE of container istio-proxy" and found.container_names == ["istio-proxy"]
    pod["spec"]["containers"][1]["env"] = []
    pod["spec"]["volumes"] = [{"name": "example-tmp-1", "emptyDir": {}}]
    assert module.recognise(pod)[0].marker == "volume example-tmp-1"



def test_an_env_marker_value_tells_the_injectors_envoy_from_a_gateways_own():
    """App Mesh writes APPMESH_VIRTUAL_NODE_NAME mesh/<mesh>/virtualNode/<name> into the envoy it
    injects, and mesh/<mesh>/virtualGateway/<name> into a virtual gateway's own envoy (the user's)."""
    case = next(c for c in CASES if c.injector == "appmesh")
    [(_, made)] = case.pairs()
    pod = copy.deepcopy(made)
    envoy = next(c for c in pod["spec"]["containers"] if c["name"] == "envoy")
    assert [i.marker for i in recognise(pod)] == ["env APPMESH_VIRTUAL_NODE_NAME of container envoy"]
    next(e for e in envoy["env"] if e["name"] == "APPMESH_VIRTUAL_NODE_NAME")["value"] = "mesh/my-mesh/virtualGateway/gw"
    assert recognise(pod) == []


@pytest.mark.parametrize("injector,version", [("appmesh", "v1.13.3"), ("cloudsql-proxy", "1.8.1"), ("gcsfuse", "v1.24.4")])
def test_the_injectors_version_is_read_where_it_writes_it(injector, version):
    """App Mesh's controller version and the Cloud SQL operator's are env vars they write into their
    container (an image tag there is Envoy's or the proxy's); the GCS FUSE sidecar's image tag is the driver's."""
    for case in (c for c in CASES if c.injector == injector and c.mode != "none"):
        for _, made in case.pairs():
            pod, outer = pod_and_outer(made)
            assert [i.version for i in recognise(pod, outer)] == [version], case.id
