"""The kubectl flags a command was given, as one value the sources read."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class KubeOptions:
    namespace: str | None = None
    all_namespaces: bool = False
    context: str | None = None
    kubeconfig: str | None = None
    cluster: str | None = None
    user: str | None = None
    selector: str | None = None
    field_selector: str | None = None
    request_timeout: float | None = None
    filenames: tuple[str, ...] = field(default_factory=tuple)

    @property
    def names_a_cluster(self) -> bool:
        """Whether the user pointed at a cluster explicitly (a context or a kubeconfig)."""
        return bool(self.context or self.kubeconfig or self.cluster or self.user)


def parse_request_timeout(value: str | None) -> float | None:
    """kubectl's --request-timeout: "0" means none, a bare number is seconds, else 1s/2m/1h."""
    from kubectl_pods.errors import UserError

    if value is None or value in ("", "0"):
        return None
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    for suffix in ("ms", "s", "m", "h"):
        if value.endswith(suffix):
            number, scale = value[: -len(suffix)], units[suffix]
            break
    else:
        number, scale = value, 1
    try:
        seconds = float(number) * scale
    except ValueError:
        raise UserError(
            f"invalid --request-timeout {value!r}: use a number of seconds or 1s, 2m, 3h"
        ) from None
    if seconds < 0:
        raise UserError(f"invalid --request-timeout {value!r}: must not be negative")
    return seconds or None
