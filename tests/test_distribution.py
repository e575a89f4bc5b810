"""Distribution: krew's manifest rules, a krew-style install of the built archive, completion."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from krew_rules import KrewError, install, validate_manifest  # noqa: E402

BIN = Path(sys.executable).parent
FAKE_SHA = "a" * 64


def _render_module():
    import importlib.machinery
    import importlib.util

    loader = importlib.machinery.SourceFileLoader("render_krew_manifest", str(ROOT / "scripts" / "render-krew-manifest"))
    spec = importlib.util.spec_from_loader("render_krew_manifest", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


RENDER = _render_module()
ARCHIVES = {f"kubectl-pods_v1.2.3_{o}_{a}.{'zip' if o == 'windows' else 'tar.gz'}": FAKE_SHA
            for o, a in [("linux", "amd64"), ("linux", "arm64"), ("darwin", "amd64"), ("darwin", "arm64"), ("windows", "amd64")]}


def full_manifest() -> dict:
    return RENDER.render((ROOT / ".krew.yaml").read_text(), "v1.2.3", ARCHIVES, only_built=False)


def test_the_template_renders_a_valid_manifest_for_every_platform():
    manifest = full_manifest()
    assert validate_manifest(manifest) == []
    pairs = [(p["selector"]["matchLabels"]["os"], p["selector"]["matchLabels"]["arch"]) for p in manifest["spec"]["platforms"]]
    assert sorted(pairs) == sorted([("linux", "amd64"), ("linux", "arm64"), ("darwin", "amd64"), ("darwin", "arm64"), ("windows", "amd64")])
    assert all(p["uri"].endswith(name) for p, name in zip(manifest["spec"]["platforms"], ARCHIVES))


def test_the_committed_manifest_is_the_template_rendered():
    committed = yaml.safe_load((ROOT / "krew-manifest.yaml").read_text())
    digests = {p["uri"].rsplit("/", 1)[-1]: p["sha256"] for p in committed["spec"]["platforms"]}
    rendered = RENDER.render((ROOT / ".krew.yaml").read_text(), RENDER.version_tag(), digests, only_built=True)
    assert rendered == committed
    assert validate_manifest(committed) == []


def _set(path: str, value):
    def mutate(manifest):
        node = manifest
        keys = path.split(".")
        for key in keys[:-1]:
            node = node[int(key)] if key.isdigit() else node[key]
        last = keys[-1]
        if value is _DELETE:
            del node[int(last) if last.isdigit() else last]
        else:
            node[int(last) if last.isdigit() else last] = value
    return mutate


_DELETE = object()


@pytest.mark.parametrize("rule,mutate", [
    ("name", _set("metadata.name", "pods!")),
    ("version", _set("spec.version", "1.2.3")),
    ("version", _set("spec.version", "v1.2")),
    ("shortDescription", _set("spec.shortDescription", "x" * 51)),
    ("shortDescription", _set("spec.shortDescription", "")),
    ("description", _set("spec.description", "y" * 81)),
    ("caveats", _set("spec.caveats", "nothing to say")),
    ("platforms", _set("spec.platforms", [])),
    ("uri", _set("spec.platforms.0.uri", _DELETE)),
    ("bin", _set("spec.platforms.0.bin", _DELETE)),
    ("bin", _set("spec.platforms.4.bin", "kubectl-pods")),
    ("sha256", _set("spec.platforms.0.sha256", "A" * 64)),
    ("sha256", _set("spec.platforms.0.sha256", "abc")),
    ("selector", _set("spec.platforms.0.selector", {})),
    ("selector", _set("spec.platforms.0.selector", {"matchLabels": {"os": "linux", "distro": "debian"}})),
    ("overlap", _set("spec.platforms.1.selector", {"matchLabels": {"os": "linux", "arch": "amd64"}})),
    ("overlap", _set("spec.platforms.1.selector", {"matchLabels": {"os": "linux"}})),
    ("files", _set("spec.platforms.0.files.0.to", "./bin")),
    ("files", _set("spec.platforms.0.files.0.to", "/usr/bin")),
    ("files", _set("spec.platforms.0.files.0.to", "../up")),
    ("kind", _set("apiVersion", "v1")),
])
def test_each_broken_rule_is_caught(rule, mutate):
    manifest = full_manifest()
    mutate(manifest)
    assert rule in {found for found, _ in validate_manifest(manifest)}


def _tar(entries: dict[str, bytes], links: dict[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in entries.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o755 if name.endswith("kubectl-pods") else 0o644
            archive.addfile(info, io.BytesIO(data))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            archive.addfile(info)
    return buffer.getvalue()


GOOD = {"kubectl-pods": b"#!/bin/sh\necho hi\n", "_internal/lib.txt": b"x", "LICENSE": b"Apache"}


def _install(tmp_path, data: bytes, mutate=None):
    archive = tmp_path / "a.tar.gz"
    archive.write_bytes(data)
    manifest = RENDER.render((ROOT / ".krew.yaml").read_text(), "v1.2.3",
                             {"kubectl-pods_v1.2.3_linux_amd64.tar.gz": hashlib.sha256(data).hexdigest()}, only_built=True)
    if mutate:
        mutate(manifest)
    return install(manifest, archive, tmp_path / "krew", "linux", "amd64")


def test_a_good_archive_installs_like_krew(tmp_path):
    link = _install(tmp_path, _tar(GOOD))
    assert link == tmp_path / "krew" / "bin" / "kubectl-pods" and link.is_symlink()
    assert link.resolve() == (tmp_path / "krew" / "store" / "pods" / "v1.2.3" / "kubectl-pods").resolve()
    assert (tmp_path / "krew" / "store" / "pods" / "v1.2.3" / "_internal" / "lib.txt").read_bytes() == b"x"


@pytest.mark.parametrize("rule,data,mutate", [
    ("archive", _tar(GOOD, links={"evil": "/etc/passwd"}), None),
    ("archive", _tar({**GOOD, "/abs": b"x"}), None),
    ("archive", _tar({**GOOD, "../escape": b"x"}), None),
    ("archive", b"plain text, not an archive", None),
    ("license", _tar({k: v for k, v in GOOD.items() if k != "LICENSE"}),
     lambda m: m["spec"]["platforms"][0].__setitem__("files", m["spec"]["platforms"][0]["files"][:2])),
    ("files", _tar({k: v for k, v in GOOD.items() if k != "LICENSE"}), None),
    ("bin", _tar(GOOD), lambda m: m["spec"]["platforms"][0].__setitem__("bin", "missing")),
    ("sha256", _tar(GOOD), lambda m: m["spec"]["platforms"][0].__setitem__("sha256", FAKE_SHA)),
])
def test_bad_archives_are_refused_for_the_right_rule(tmp_path, rule, data, mutate):
    with pytest.raises(KrewError) as caught:
        _install(tmp_path, data, mutate)
    assert caught.value.rule == rule


def test_a_non_executable_bin_is_refused(tmp_path):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in GOOD.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o644
            archive.addfile(info, io.BytesIO(data))
    with pytest.raises(KrewError) as caught:
        _install(tmp_path, buffer.getvalue())
    assert caught.value.rule == "bin"


def test_zip_archives_are_detected_by_content(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in GOOD.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (0o100755 if name == "kubectl-pods" else 0o100644) << 16
            archive.writestr(info, data)
    assert _install(tmp_path, buffer.getvalue()).exists()


# -- the real build ---------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def built_archive(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "build-dist"), "--out", str(out),
                             "--work", str(tmp_path_factory.mktemp("work"))], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    digest, path = result.stdout.strip().splitlines()[-1].split()
    assert hashlib.sha256(Path(path).read_bytes()).hexdigest() == digest
    return Path(path)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not on PATH")
def test_krew_install_of_the_built_archive_runs_under_kubectl(built_archive, tmp_path):
    with tarfile.open(built_archive) as archive:
        members = archive.getmembers()
    assert not [m for m in members if m.issym() or m.islnk()] and {"LICENSE", "kubectl-pods"} <= {m.name for m in members}
    manifest = RENDER.render((ROOT / ".krew.yaml").read_text(), RENDER.version_tag(),
                             {built_archive.name: hashlib.sha256(built_archive.read_bytes()).hexdigest()}, only_built=True)
    assert validate_manifest(manifest) == []
    krew_root = tmp_path / "krew"
    link = install(manifest, built_archive, krew_root, "linux", "amd64")
    path = os.pathsep.join([str(link.parent)] + [d for d in os.environ["PATH"].split(os.pathsep)
                                                  if not (Path(d) / "kubectl-pods").exists()])
    env = {**os.environ, "PATH": path, "KREW_ROOT": str(krew_root)}

    def run(command: str) -> subprocess.CompletedProcess:
        return subprocess.run(command, shell=True, capture_output=True, text=True, env=env, timeout=120)

    listed = run("kubectl plugin list")
    assert str(link) in listed.stdout, listed.stderr
    version = run("kubectl pods version")
    assert version.returncode == 0 and version.stdout.startswith("kubectl-pods ")
    pipeline = run("kubectl pods scaffold sidecar web --image nginx | kubectl pods explain -f - -o json")
    assert pipeline.returncode == 0, pipeline.stderr
    assert '"startupOrder"' in pipeline.stdout and '"log-shipper"' in pipeline.stdout


# -- completion ----------------------------------------------------------------------------------
def kubectl_complete(*words: str) -> list[str]:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run(["kubectl", "__complete", "pods", *words], capture_output=True, text=True, env=env, timeout=60)
    return result.stdout.splitlines()


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not on PATH")
@pytest.mark.parametrize("words,expected,directive", [
    (("",), ["version", "patterns", "scaffold", "migrate", "explain", "diff"], ":4"),
    (("scaffold", "s"), ["sidecar"], ":4"),
    (("scaffold", "x", "web", "--kind", "d"), ["deployment", "daemonset"], ":4"),
    (("explain", "-o", ""), ["text", "wide", "json", "yaml"], ":4"),
    (("diff", "--ow"), ["--owner"], ":4"),
    (("explain", "-f", ""), [], ":0"),
    (("explain", "--watch", "--until", ""), ["ready", "done", "never"], ":4"),
    (("migrate", "--w"), ["--wait-for-ready"], ":4"),
    (("migrate", "-o", ""), ["yaml", "json"], ":4"),
    (("migrate", "--k8s-version", "1.2"), ["1.29", "1.28", "1.27"], ":4"),
    (("migrate", "-f", str(ROOT / "tests/fixtures/real-world/website-mysql-statefulset.yaml"), "--sidecar", ""),
     ["mysql", "xtrabackup"], ":4"),
    (("scaffold", "sidecar", "-f", str(ROOT / "tests/fixtures/real-world/istio-multi-container.yaml"), "--container", ""),
     ["name1", "name2", "name3"], ":4"),
    (("scaffold", "sidecar", "--in"), ["--in-place", "--insecure-skip-tls-verify"], ":4"),
])
def test_completion_through_kubectl(words, expected, directive):
    lines = kubectl_complete(*words)
    assert [line.split("\t")[0] for line in lines[:-1]] == expected
    assert lines[-1] == directive


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not on PATH")
def test_completion_of_live_names(kubeconfig):
    pods = kubectl_complete("explain", "--kubeconfig", kubeconfig, "st-000")
    from tests.conftest import oracle_cases

    expected = sorted(n for n in (c["pod"]["metadata"]["name"] for c in oracle_cases("status-table.json"))
                      if n.startswith("st-000"))
    assert expected and pods[:-1] == expected and pods[-1] == ":4"
    contexts = kubectl_complete("explain", "--kubeconfig", kubeconfig, "--context", "")
    assert contexts[:-1] == ["defaults", "drift", "loopback"]
    against = kubectl_complete("diff", "--kubeconfig", kubeconfig, "--against-context", "d")
    assert against[:-1] == ["defaults", "drift"]


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not on PATH")
def test_completion_offers_nothing_when_the_cluster_is_unreachable(tmp_path):
    assert kubectl_complete("explain", "--kubeconfig", str(tmp_path / "none"), "") == [":4"]
