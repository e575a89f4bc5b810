"""Kubernetes versions and what each one does with multi-container pods (tests/fixtures/versions)."""

from __future__ import annotations

from kubectl_pods.errors import UserError

OLDEST_SUPPORTED = (1, 27)
NEWEST_SUPPORTED = (1, 36)


def parse_version(text: str) -> tuple[int, int]:
    """"1.33", "v1.33.2" -> (1, 33)."""
    parts = text.strip().lstrip("v").split(".")
    try:
        major, minor = int(parts[0]), int("".join(ch for ch in parts[1] if ch.isdigit()))
    except (IndexError, ValueError):
        raise UserError(f"invalid Kubernetes version {text!r}: use X.Y, e.g. 1.33") from None
    if major != 1:
        raise UserError(f"invalid Kubernetes version {text!r}: only 1.x exists")
    return major, minor


def format_version(version: tuple[int, int]) -> str:
    return f"{version[0]}.{version[1]}"


def native_sidecars(version: tuple[int, int]) -> bool:
    """SidecarContainers is on by default from 1.29 (beta); alpha and off in 1.28."""
    return version >= (1, 29)


def ordered_sidecar_termination(version: tuple[int, int]) -> bool:
    """Sidecars stop after the apps, in reverse order, since 1.29 (PR #120620)."""
    return version >= (1, 29)


def container_restart_rules(version: tuple[int, int]) -> bool:
    """Container-level restartPolicy/restartPolicyRules: beta and on in 1.35 (KEP-5307)."""
    return version >= (1, 35)


def restart_all_containers(version: tuple[int, int]) -> bool:
    """The RestartAllContainers rule action: refused by 1.35, accepted by 1.36 (KEP-5532)."""
    return version >= (1, 36)
