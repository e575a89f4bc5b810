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
    # kubectl's global flags that override the kubeconfig (client-go clientcmd ConfigOverrides)
    server: str | None = None
    token: str | None = None
    impersonate: str | None = None
    impersonate_groups: tuple[str, ...] = field(default_factory=tuple)
    impersonate_uid: str | None = None
    insecure_skip_tls_verify: bool = False
    certificate_authority: str | None = None
    client_certificate: str | None = None
    client_key: str | None = None
    tls_server_name: str | None = None
    log_level: int = 0  # kubectl's -v=N: 6 and up prints each request to stderr

    @property
    def names_a_cluster(self) -> bool:
        """Whether the user pointed at a cluster explicitly (a context, a kubeconfig or a server)."""
        return bool(self.context or self.kubeconfig or self.cluster or self.user or self.server)


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


def parse_log_level(value: str | None) -> int:
    """kubectl's --v: a log level, a non-negative integer (klog's `Level`)."""
    from kubectl_pods.errors import UserError

    if value is None:
        return 0
    if not value.isdigit():
        raise UserError(f'invalid argument "{value}" for "-v, --v" flag: strconv.ParseInt: parsing '
                        f'"{value}": invalid syntax')
    return int(value)
