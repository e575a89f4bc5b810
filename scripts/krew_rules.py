"""krew's rules for a plugin manifest and its archives, checked the way `krew install` does.

`validate_manifest` returns (rule, message) pairs; `install` does what
`kubectl krew install --manifest --archive` does: verify the sha256, refuse symlinks, absolute
paths and `..`, extract per `files`, check `bin`, link `$KREW_ROOT/bin/kubectl-<name>`.
"""

from __future__ import annotations

import fnmatch
import hashlib
import io
import os
import posixpath
import re
import shutil
import stat
import tarfile
import tempfile
import zipfile
from pathlib import Path

NAME = re.compile(r"^[\w-]+$")
SEMVER = re.compile(r"^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")
SHA256 = re.compile(r"^[0-9a-f]{64}$")
KNOWN = [(o, a) for o in ("linux", "darwin", "windows") for a in ("amd64", "arm64", "386", "arm")]


class KrewError(Exception):
    def __init__(self, rule: str, message: str):
        super().__init__(f"{rule}: {message}")
        self.rule = rule


def _clean_relative(path: str) -> bool:
    return bool(path) and not path.startswith(("/", "./")) and ".." not in path.split("/") \
        and (path == "." or posixpath.normpath(path) == path)


def _matches(selector: dict, os_name: str, arch: str) -> bool:
    labels = selector.get("matchLabels") or {}
    return labels.get("os", os_name) == os_name and labels.get("arch", arch) == arch


def validate_manifest(manifest: dict) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if manifest.get("apiVersion") != "krew.googlecontainertools.github.com/v1alpha2" or manifest.get("kind") != "Plugin":
        problems.append(("kind", "apiVersion/kind must be krew.googlecontainertools.github.com/v1alpha2 Plugin"))
    name = (manifest.get("metadata") or {}).get("name") or ""
    if not NAME.match(name):
        problems.append(("name", f"plugin name {name!r} must match {NAME.pattern}"))
    spec = manifest.get("spec") or {}
    if not SEMVER.match(str(spec.get("version") or "")):
        problems.append(("version", f"version {spec.get('version')!r} is not strict semver with a leading v"))
    short = spec.get("shortDescription") or ""
    if not short.strip() or "\n" in short.strip() or len(short) > 50:
        problems.append(("shortDescription", "shortDescription must be one non-empty line of at most 50 characters"))
    for line in (spec.get("description") or "").splitlines():
        if len(line) > 80:
            problems.append(("description", f"description line over 80 columns: {line[:40]}…"))
    if "kubectl" not in (spec.get("caveats") or ""):
        problems.append(("caveats", "caveats must say how to run it with kubectl"))
    platforms = spec.get("platforms") or []
    if not platforms:
        problems.append(("platforms", "at least one platform is required"))
    for number, platform in enumerate(platforms):
        where = f"platforms[{number}]"
        for key in ("uri", "bin"):
            if not platform.get(key):
                problems.append((key, f"{where} has no {key}"))
        if not SHA256.match(str(platform.get("sha256") or "")):
            problems.append(("sha256", f"{where}: sha256 must be 64 lowercase hex characters"))
        selector = platform.get("selector") or {}
        keys = set((selector.get("matchLabels") or {})) | {e.get("key") for e in selector.get("matchExpressions") or []}
        if not keys or not keys <= {"os", "arch"}:
            problems.append(("selector", f"{where}: the selector needs labels, and only os and arch"))
        labels = selector.get("matchLabels") or {}
        if labels.get("os") == "windows" and not str(platform.get("bin") or "").endswith(".exe"):
            problems.append(("bin", f"{where}: on Windows bin must be an .exe"))
        for entry in platform.get("files") or []:
            if not _clean_relative(str(entry.get("to") or "")):
                problems.append(("files", f"{where}: files[].to {entry.get('to')!r} must be a clean relative path"))
            if not entry.get("from"):
                problems.append(("files", f"{where}: files[].from is empty"))
    for os_name, arch in KNOWN:
        matching = [i for i, p in enumerate(platforms) if (p.get("selector") or {}).get("matchLabels")
                    and _matches(p["selector"], os_name, arch)]
        if len(matching) > 1:
            problems.append(("overlap", f"platforms {matching} all match {os_name}/{arch}"))
    return problems


def _open_archive(data: bytes):
    if data[:2] == b"\x1f\x8b":
        return "tar", tarfile.open(fileobj=io.BytesIO(data), mode="r:gz")
    if data[:4] == b"PK\x03\x04":
        return "zip", zipfile.ZipFile(io.BytesIO(data))
    raise KrewError("archive", "the archive is neither .tar.gz nor .zip (by its content)")


def _safe_name(name: str) -> None:
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        raise KrewError("archive", f"absolute path in the archive: {name}")
    if ".." in name.replace("\\", "/").split("/"):
        raise KrewError("archive", f"path escapes the archive with '..': {name}")


def extract(data: bytes, into: Path) -> None:
    kind, archive = _open_archive(data)
    if kind == "tar":
        for member in archive.getmembers():
            _safe_name(member.name)
            if member.issym() or member.islnk():
                raise KrewError("archive", f"link in the archive: {member.name}")
        archive.extractall(into, filter="tar")
    else:
        for info in archive.infolist():
            _safe_name(info.filename)
            if stat.S_ISLNK(info.external_attr >> 16):
                raise KrewError("archive", f"link in the archive: {info.filename}")
        archive.extractall(into)
        for info in archive.infolist():  # zipfile drops file modes; krew keeps them
            mode = (info.external_attr >> 16) & 0o777
            if mode and not info.is_dir():
                os.chmod(into / info.filename, mode)


def install(manifest: dict, archive: Path, krew_root: Path, os_name: str, arch: str) -> Path:
    """Install like krew; returns the path of the linked executable."""
    problems = validate_manifest(manifest)
    if problems:
        raise KrewError(problems[0][0], problems[0][1])
    spec, name = manifest["spec"], manifest["metadata"]["name"]
    platform = next((p for p in spec["platforms"] if _matches(p["selector"], os_name, arch)), None)
    if platform is None:
        raise KrewError("platforms", f"no platform for {os_name}/{arch}")
    data = archive.read_bytes()
    if hashlib.sha256(data).hexdigest() != platform["sha256"]:
        raise KrewError("sha256", "the archive's sha256 does not match the manifest")
    with tempfile.TemporaryDirectory() as scratch:
        staging = Path(scratch)
        extract(data, staging)
        store = krew_root / "store" / name / spec["version"]
        shutil.rmtree(store, ignore_errors=True)
        store.mkdir(parents=True)
        for entry in platform.get("files") or [{"from": "*", "to": "."}]:
            found = [p for p in staging.iterdir() if fnmatch.fnmatch(p.name, entry["from"])] \
                if "/" not in entry["from"] else list(staging.glob(entry["from"]))
            if not found:
                raise KrewError("files", f"files[].from {entry['from']!r} matches nothing in the archive")
            target = store / entry["to"]
            target.mkdir(parents=True, exist_ok=True)
            for path in found:
                shutil.move(str(path), str(target / path.name))
    if not (store / "LICENSE").is_file():
        raise KrewError("license", "the krew index wants a LICENSE file in the archive")
    binary = store / platform["bin"]
    if not binary.is_file():
        raise KrewError("bin", f"bin {platform['bin']!r} does not exist after extraction")
    if os_name != "windows" and not os.access(binary, os.X_OK):
        raise KrewError("bin", f"bin {platform['bin']!r} is not executable")
    link = krew_root / "bin" / (f"kubectl-{name}" + (".exe" if os_name == "windows" else ""))
    link.parent.mkdir(parents=True, exist_ok=True)
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(binary)
    return link
