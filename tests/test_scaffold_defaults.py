"""scaffold's defaults are right as they are: ports, a Job's app, declared parameter types checked
as the API server checks them, files with the mode the umask gives, the version of KUBECONFIG's
cluster."""

from __future__ import annotations

import os

import pytest
import yaml

PATTERNS = ["init", "sidecar", "adapter", "ambassador", "colocated"]


def _pod_spec(obj: dict) -> dict:
    spec = obj["spec"]
    if obj["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    return spec["template"]["spec"] if "template" in spec else spec


@pytest.mark.parametrize("pattern", ["init", "sidecar", "adapter", "colocated"])
def test_the_default_image_gets_the_port_it_listens_on(cli, pattern):
    code, out, _ = cli("scaffold", pattern, "web", "--k8s-version", "1.33")
    [app] = [c for c in yaml.safe_load(out)["spec"]["containers"] if c["image"] == "nginx:1.27"]
    assert [p["containerPort"] for p in app["ports"]] == [80]  # nginx listens on 80


@pytest.mark.parametrize("kind", ["job", "cronjob"])
@pytest.mark.parametrize("pattern", ["init", "sidecar", "ambassador"])
def test_a_jobs_default_app_finishes_and_passes_explain(cli, tmp_path, kind, pattern):
    code, out, err = cli("scaffold", pattern, "work", "--kind", kind, "--k8s-version", "1.33")
    assert code == 0 and "never does" in err
    spec = _pod_spec(yaml.safe_load(out))
    [app] = [c for c in spec["containers"] if c["name"] == "app"]
    assert app["image"] == "busybox:1.36" and app["command"][:2] == ["sh", "-c"] and "ports" not in app
    path = tmp_path / "job.yaml"
    path.write_text(out)
    code, report, _ = cli("explain", "-f", str(path), "-o", "json", "--k8s-version", "1.33")
    assert code == 0 and yaml.safe_load(report)["items"][0]["warnings"] == []


def test_a_jobs_own_image_is_kept(cli):
    _, out, err = cli("scaffold", "sidecar", "work", "--kind", "job", "--image", "acme/etl:2", "--k8s-version", "1.33")
    [app] = [c for c in _pod_spec(yaml.safe_load(out))["containers"] if c["name"] == "app"]
    assert app["image"] == "acme/etl:2" and "command" not in app and "never does" not in err


@pytest.mark.parametrize("value,said", [
    ("70000", "error: localPort: Invalid value: 70000: must be between 1 and 65535, inclusive\n"),
    ("0", "error: localPort: Invalid value: 0: must be between 1 and 65535, inclusive\n"),
])
def test_a_port_out_of_range_is_refused_in_the_api_servers_words(cli, value, said):
    code, out, err = cli("scaffold", "ambassador", "web", "--set", f"localPort={value}", "--k8s-version", "1.33")
    assert (code, out, err) == (2, "", said)


def test_a_declared_dns_label_is_checked_in_the_api_servers_words(cli, tmp_path):
    pattern = tmp_path / "named"
    pattern.mkdir()
    (pattern / "pattern.yaml").write_text(
        'purpose: one container named by a parameter\nparameters:\n'
        '  - {name: container, type: dnsLabel, default: "app", help: "Its name."}\n')
    (pattern / "pod.yaml.j2").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ name }}\nspec:\n  containers:\n"
        "    - name: {{ container }}\n      image: busybox:1.36\n")
    code, out, err = cli("scaffold", "named", "web", "--templates", str(tmp_path), "--set", "container=Web_1",
                         "--k8s-version", "1.33")
    assert (code, out) == (2, "")
    assert err == ('error: container: Invalid value: "Web_1": a lowercase RFC 1123 label must consist of lower case '
                   "alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. "
                   "'my-name', or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')\n")
    # (the server's "'my-name',  or": one line's spaces are collapsed by the error handler)
    code, out, _ = cli("scaffold", "named", "web", "--templates", str(tmp_path), "--set", "container=web-1",
                       "--k8s-version", "1.33")
    assert code == 0 and "name: web-1" in out


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_output_dir_files_have_the_mode_the_umask_gives(cli, tmp_path, umask):
    previous = os.umask(umask)
    try:
        code, _, _ = cli("scaffold", "init", "web", "--output-dir", str(tmp_path), "--k8s-version", "1.33")
    finally:
        os.umask(previous)
    assert code == 0
    assert (tmp_path / "pod-web.yaml").stat().st_mode & 0o777 == 0o666 & ~umask


def test_an_overwritten_file_keeps_its_mode(cli, tmp_path):
    cli("scaffold", "init", "web", "--output-dir", str(tmp_path), "--k8s-version", "1.33")
    (tmp_path / "pod-web.yaml").chmod(0o640)
    code, _, _ = cli("scaffold", "init", "web", "--output-dir", str(tmp_path), "--force", "--k8s-version", "1.33")
    assert code == 0 and (tmp_path / "pod-web.yaml").stat().st_mode & 0o777 == 0o640


def test_the_version_is_that_of_the_cluster_kubeconfig_names(cli, kubeconfig, monkeypatch):
    monkeypatch.setenv("KUBECONFIG", kubeconfig)
    code, _, err = cli("scaffold", "sidecar", "web")
    assert code == 0 and err.splitlines()[0] == "# Kubernetes 1.33 assumed: read from the cluster (v1.33)"
    monkeypatch.delenv("KUBECONFIG")
    code, _, err = cli("scaffold", "sidecar", "web")
    assert err.splitlines()[0] == ("# Kubernetes 1.36 assumed: the newest supported (no --k8s-version, and no cluster "
                                   "named by --context, --kubeconfig or KUBECONFIG)")
