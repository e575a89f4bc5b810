"""scaffold: every pattern × kind × version validates strictly, has its shape, and is pinned."""

from __future__ import annotations

import json
import os
from pathlib import Path

import kubernetes_validate
import pytest
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from kubectl_pods.scaffold.build import scaffold_objects
from kubectl_pods.scaffold.catalog import load_catalog
from kubectl_pods.scaffold.kinds import KINDS
from kubectl_pods.sources.files import pod_template

PATTERNS = sorted(load_catalog([]))
SCHEMA_VERSIONS = [(1, 27), (1, 28), (1, 29), (1, 33), (1, 36)]
GOLDEN = Path(__file__).parent / "golden" / "scaffold"
TEMPLATES = Path(__file__).parent.parent / "templates"


def build(pattern, kind="pod", version=(1, 36), set_values=(), **kwargs):
    objects, notes = scaffold_objects(pattern=pattern, name="demo", kind=kind, version=version,
                                      set_values=list(set_values), **kwargs)
    return objects[0], notes


def pod_spec(obj):
    return obj["spec"] if obj["kind"] == "Pod" else pod_template(obj)["spec"]


def test_the_five_patterns_exist():
    assert PATTERNS == ["adapter", "ambassador", "colocated", "init", "sidecar"]


@pytest.mark.parametrize("version", SCHEMA_VERSIONS, ids=lambda v: f"{v[0]}.{v[1]}")
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("pattern", PATTERNS)
def test_output_validates_strictly_against_the_versions_schema(pattern, kind, version):
    obj, _ = build(pattern, kind, version)
    kubernetes_validate.validate(obj, f"{version[0]}.{version[1]}.0", strict=True)
    spec = pod_spec(obj)
    if kind in ("job", "cronjob"):
        assert spec["restartPolicy"] in ("Never", "OnFailure")
    annotations = (obj["metadata"] if kind == "pod" else pod_template(obj)["metadata"])["annotations"]
    assert annotations["kubectl-pods.dev/pattern"] == pattern
    names = {c["name"] for c in spec.get("initContainers", []) + spec["containers"]}
    roles = dict(item.split("=") for item in annotations["kubectl-pods.dev/roles"].split(","))
    assert set(roles) == names


@pytest.mark.parametrize("version,native", [((1, 27), False), ((1, 28), True), ((1, 29), True), ((1, 36), True)])
@pytest.mark.parametrize("pattern,helper", [("sidecar", "log-shipper"), ("ambassador", "db-ambassador")])
def test_sidecar_shape_or_its_fallback(pattern, helper, version, native):
    obj, notes = build(pattern, version=version)
    spec = obj["spec"]
    inits = {c["name"]: c for c in spec.get("initContainers", [])}
    apps = {c["name"]: c for c in spec["containers"]}
    if native:
        assert inits[helper]["restartPolicy"] == "Always" and "startupProbe" in inits[helper]
        assert helper not in apps
    else:
        assert helper in apps and "restartPolicy" not in apps[helper] and not inits
        assert any("no native sidecars" in n for n in notes)
    assert any("SidecarContainers" in n for n in notes) == (version == (1, 28))


def test_native_sidecar_in_a_job_is_explained():
    _, notes = build("sidecar", kind="job")
    assert any("the Job completes" in n for n in notes)


def test_init_order_and_shared_volume():
    spec = build("init")[0]["spec"]
    assert [c["name"] for c in spec["initContainers"]] == ["wait-for-dependency", "fetch-config"]
    shared = {m["name"] for m in spec["initContainers"][1]["volumeMounts"]} & {m["name"] for m in spec["containers"][0]["volumeMounts"]}
    assert shared == {"config"}


@pytest.mark.parametrize("pattern", ["colocated", "adapter", "sidecar"])
def test_peers_share_a_volume(pattern):
    spec = build(pattern)[0]["spec"]
    containers = spec.get("initContainers", []) + spec["containers"]
    mounts = [{m["name"] for m in c.get("volumeMounts", [])} for c in containers]
    assert set.intersection(*mounts) and all(v.get("emptyDir") == {} for v in spec["volumes"])


def test_colocated_peers_talk_over_localhost_and_ambassador_listens_where_the_app_connects():
    colocated = build("colocated", set_values=["port=8081"])[0]["spec"]["containers"]
    assert colocated[0]["ports"][0]["containerPort"] == 8081
    assert "localhost:$WEB_PORT" in colocated[1]["args"][0]
    assert {"name": "WEB_PORT", "value": "8081"} in colocated[1]["env"]
    spec = build("ambassador", set_values=["localPort=6543", "backend=pg.staging:5432"])[0]["spec"]
    proxy = spec["initContainers"][0]
    assert proxy["ports"][0]["containerPort"] == 6543 and proxy["args"] == ["TCP-LISTEN:6543,fork,reuseaddr", "TCP:pg.staging:5432"]
    env = {e["name"]: e["value"] for e in spec["containers"][0]["env"]}
    assert env == {"DATABASE_HOST": "localhost", "DATABASE_PORT": "6543"}


@pytest.mark.parametrize("pattern", PATTERNS)
def test_golden_default_output(pattern, cli):
    code, out, err = cli("scaffold", pattern, "demo", "--k8s-version", "1.36")
    assert code == 0, err
    golden = GOLDEN / f"{pattern}.yaml"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(out)
    assert yaml.safe_load(out) == yaml.safe_load(golden.read_text())
    assert out == golden.read_text()


_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=80)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=_TEXT)
def test_any_string_value_lands_verbatim_and_adds_nothing(value):
    obj, _ = build("ambassador", set_values=[f"backend={value}", f"image={value}"])
    app = obj["spec"]["containers"][0]
    assert app["image"] == value
    assert obj["spec"]["initContainers"][0]["args"][1] == "TCP:" + value
    reference, _ = build("ambassador", set_values=["backend=x", "image=x"])

    def shape(node):
        if isinstance(node, dict):
            return {k: shape(v) for k, v in node.items()}
        if isinstance(node, list):
            return [shape(v) for v in node]
        return None

    assert shape(obj) == shape(reference)


@pytest.mark.parametrize("args,needle", [
    (["scaffold", "nope", "demo"], "unknown pattern 'nope'"),
    (["scaffold", "../etc", "demo"], "invalid pattern name"),
    (["scaffold", "sidecar", "Bad_Name"], "invalid name 'Bad_Name'"),
    (["scaffold", "sidecar", "demo", "--set", "colour=red"], "valid ones are image, logDir, port, shipperImage, shipperPort"),
    (["scaffold", "sidecar", "demo", "--set", "port=eighty"], "expected an integer"),
    (["scaffold", "sidecar", "demo", "--set", "port"], "use KEY=VALUE"),
    (["scaffold", "sidecar", "demo", "--values", "/no/such/values.yaml"], "cannot read values file"),
    (["scaffold", "sidecar", "demo", "--kind", "replicaset"], "unknown --kind"),
    (["scaffold", "sidecar", "demo", "--k8s-version", "1.20"], "not supported"),
])
def test_bad_input_is_one_line(cli, args, needle):
    code, out, err = cli(*args)
    assert code == 2 and out == "" and err.count("\n") == 1 and needle in err, err


def test_values_file_types(cli, tmp_path):
    values = tmp_path / "v.yaml"
    values.write_text("port: '80'\n")
    code, _, err = cli("scaffold", "sidecar", "demo", "--values", str(values))
    assert code == 2 and "expected a int" in err
    values.write_text("port: 9090\nlogDir: /logs\n")
    code, out, _ = cli("scaffold", "sidecar", "demo", "--values", str(values), "-o", "json")
    assert code == 0 and json.loads(out)["spec"]["containers"][0]["ports"] == [{"containerPort": 9090}]


def test_version_is_said_on_stderr(cli, kubeconfig):
    code, _, err = cli("scaffold", "sidecar", "demo")
    assert "Kubernetes 1.36 assumed: the newest supported" in err
    code, _, err = cli("scaffold", "sidecar", "demo", "--kubeconfig", kubeconfig)
    assert code == 0 and "Kubernetes 1.33 assumed: read from the cluster (v1.33)" in err


def _user_pattern(root: Path, name: str, body: str, params="parameters: []\n"):
    (root / name).mkdir(parents=True)
    (root / name / "pattern.yaml").write_text("purpose: a test pattern\n" + params)
    (root / name / "pod.yaml.j2").write_text(body)
    return str(root)


POD = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ name }}\nspec:\n  containers:\n    - name: c\n      image: {{ image }}\n"


def test_user_templates_add_and_override_patterns(cli, tmp_path, monkeypatch):
    root = _user_pattern(tmp_path, "sidecar", POD, "parameters:\n  - {name: image, type: string, default: busybox}\n")
    code, out, _ = cli("scaffold", "sidecar", "demo", "--templates", root)
    assert code == 0 and yaml.safe_load(out)["spec"]["containers"] == [{"name": "c", "image": "busybox"}]
    monkeypatch.setenv("KUBECTL_PODS_TEMPLATES", root)
    code, out, _ = cli("patterns", "-o", "json")
    entry = next(p for p in json.loads(out)["items"] if p["name"] == "sidecar")
    assert entry["builtin"] is False


@pytest.mark.parametrize("body,needle", [
    ("{{ missing }}", "'missing' is undefined"),
    ("{{ ''.__class__.__mro__ }}", "unsafe"),
    ("{% for %}", "template"),
])
def test_user_template_errors_are_one_line(cli, tmp_path, body, needle):
    root = _user_pattern(tmp_path, "broken", body)
    code, _, err = cli("scaffold", "broken", "demo", "--templates", root)
    assert code == 2 and err.count("\n") == 1 and needle in err, err


def test_output_dir_writes_atomically_and_refuses_to_overwrite(cli, tmp_path):
    target = tmp_path / "out"
    code, out, _ = cli("scaffold", "sidecar", "demo", "--kind", "deployment", "--output-dir", str(target))
    assert code == 0 and out == ""
    written = target / "deployment-demo.yaml"
    assert yaml.safe_load(written.read_text())["kind"] == "Deployment"
    assert [p.name for p in target.iterdir()] == ["deployment-demo.yaml"]
    written.write_text("mine")
    code, _, err = cli("scaffold", "sidecar", "demo", "--kind", "deployment", "--output-dir", str(target))
    assert code == 2 and "already exists" in err and written.read_text() == "mine"
    assert cli("scaffold", "sidecar", "demo", "--kind", "deployment", "--output-dir", str(target), "--force")[0] == 0
    assert yaml.safe_load(written.read_text())["kind"] == "Deployment"


def test_patterns_listing(cli):
    code, out, _ = cli("patterns", "-o", "json")
    items = json.loads(out)["items"]
    assert [p["name"] for p in items] == PATTERNS
    assert all(p["parameters"] and all({"name", "type", "default", "help"} <= set(x) for x in p["parameters"]) for p in items)
    code, out, _ = cli("patterns", "sidecar")
    assert code == 0 and "kubectl pods scaffold sidecar my-app" in out and "shipperImage" in out


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("pattern", PATTERNS)
def test_no_yaml_anchors_or_aliases_in_what_scaffold_writes(pattern, kind, cli):
    code, out, err = cli("scaffold", pattern, "demo", "--kind", kind)
    assert code == 0, err
    events = list(yaml.parse(out))
    assert not [e for e in events if isinstance(e, yaml.AliasEvent) or getattr(e, "anchor", None)], out


def test_no_yaml_anchors_in_explain_yaml(cli, tmp_path):
    obj, _ = build("sidecar", kind="deployment")
    path = tmp_path / "d.yaml"
    path.write_text(json.dumps(obj))
    code, out, err = cli("explain", "-f", str(path), "-o", "yaml")
    assert code == 0, err
    assert not [e for e in yaml.parse(out) if isinstance(e, yaml.AliasEvent) or getattr(e, "anchor", None)]


def _user_template(tmp_path, name: str, body: str) -> str:
    directory = tmp_path / "templates" / name
    directory.mkdir(parents=True)
    (directory / "pattern.yaml").write_text("purpose: a test template\nparameters: []\n")
    (directory / "pod.yaml.j2").write_text(body)
    return str(tmp_path / "templates")


@pytest.mark.parametrize("name,body,needle", [
    ("spin", "{% set r = range(99999) %}{% for i in r %}{% for j in r %}{% endfor %}{% endfor %}",
     "rendering took longer than 2 s, the budget for a template"),
    ("huge-string", "{{ 'x' * 10**10 }}", "over the template output budget of 1,000,000"),
    ("huge-power", "{{ 2 ** 100000000 }}", "over the template budget of 1024"),
    ("long-output", "{% for i in range(99999) %}{{ 'abcdefghijklmnopqrstuvwxyz' }}{% endfor %}",
     "the output is over the budget of 1,000,000 characters"),
])
def test_user_templates_have_a_render_deadline_and_an_output_budget(name, body, needle, tmp_path, cli):
    directory = _user_template(tmp_path, name, body)
    code, out, err = cli("scaffold", name, "web", "--templates", directory)
    assert (code, out) == (2, "")
    assert err.startswith(f"error: template {directory}/{name}/pod.yaml.j2") and needle in err, err


def test_a_user_template_within_budget_still_renders(tmp_path, cli):
    body = (TEMPLATES / "colocated" / "pod.yaml.j2").read_text()
    directory = _user_template(tmp_path, "mine", body)
    (tmp_path / "templates" / "mine" / "pattern.yaml").write_text((TEMPLATES / "colocated" / "pattern.yaml").read_text())
    code, out, err = cli("scaffold", "mine", "web", "--templates", directory)
    assert code == 0, err
    assert yaml.safe_load(out)["kind"] == "Pod"
