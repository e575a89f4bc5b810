"""The connection to a cluster, as kubectl makes it: the kubeconfig (its files merged), the
context, cluster and user, kubectl's global flags on top with kubectl's precedence
(client-go v1.33 `tools/clientcmd/client_config.go` DirectClientConfig.getCluster/getAuthInfo/
ClientConfig, and its `validation.go`), and an HTTP pool with the TLS settings that follow.

Credentials (client certificates and keys, tokens and token files, exec plugins, the oidc
auth-provider, basic auth) are loaded by the kubernetes client's own maintained loader
(`kubernetes.config.kube_config.KubeConfigLoader`). Importing it the usual way runs
`kubernetes/__init__.py`, which imports every API model class (about 250 ms on every command);
`kube_config_module` imports the loader's module alone, under package entries that run no
`__init__`. The client is pinned to one major version for this (pyproject.toml) and
tests/test_auth.py exercises every auth method through it.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from typing import Any
from dataclasses import dataclass
from types import ModuleType, SimpleNamespace

from kubectl_pods.errors import UserError
from kubectl_pods.options import KubeOptions

EXEC_INTERACTIVE_MODES = ("Never", "IfAvailable", "Always")
_IMPORTING = threading.Lock()


@dataclass
class Connection:
    """Where requests go and how: the server URL, a urllib3 pool set up for its TLS, and the
    headers every request carries (credentials refreshed when they expire, impersonation)."""

    host: str
    pool: Any  # a urllib3 PoolManager (urllib3 is imported only when a cluster is opened)
    headers: Callable[[], Any]  # a urllib3 HTTPHeaderDict
    context_name: str
    context_namespace: str


def kube_config_module() -> ModuleType:
    """`kubernetes.config.kube_config` without the package's `__init__` files: `kubernetes`,
    `kubernetes.client` and `kubernetes.config` are entered as bare packages over the installed
    directories, so that only the modules the loader itself imports are loaded. The loader
    names `ApiClient` and `Configuration` at import but uses them only to refresh an oidc
    token, so those two are imported when first called."""
    with _IMPORTING:  # clusters are opened on several threads at once (--context, repeated)
        return _import_kube_config()


def _import_kube_config() -> ModuleType:
    if "kubernetes.config.kube_config" in sys.modules:
        return sys.modules["kubernetes.config.kube_config"]
    import importlib.util

    spec = importlib.util.find_spec("kubernetes")
    if spec is None or not spec.submodule_search_locations:
        raise UserError("the kubernetes Python client is not installed (pip install kubernetes)")
    root = list(spec.submodule_search_locations)[0]
    for name in ("kubernetes", "kubernetes.client", "kubernetes.config"):
        if name not in sys.modules:
            package = ModuleType(name)
            package.__path__ = [os.path.join(root, *name.split(".")[1:])]
            package.__package__ = name
            sys.modules[name] = package
    client: Any = sys.modules["kubernetes.client"]  # a package entry of our own until the real one loads
    if not hasattr(client, "ApiClient"):
        def api_client(*args, **kwargs):
            from kubernetes.client.api_client import ApiClient
            return ApiClient(*args, **kwargs)

        def configuration(*args, **kwargs):
            from kubernetes.client.configuration import Configuration
            return Configuration(*args, **kwargs)

        client.ApiClient, client.Configuration = api_client, configuration
    # oauthlib and requests_oauthlib (about 40 ms, requests with them) serve only the oidc
    # refresh: placeholders stand in while the module is imported, then give way to the real
    # modules, imported when the refresh first touches them.
    placeholders = {name: ModuleType(name) for name in ("oauthlib", "oauthlib.oauth2", "requests_oauthlib")
                    if name not in sys.modules}
    oauth_placeholder: Any = placeholders.get("requests_oauthlib", SimpleNamespace())
    oauth_placeholder.OAuth2Session = None
    sys.modules.update(placeholders)
    try:
        import kubernetes.config.kube_config as module
    finally:
        for name, placeholder in placeholders.items():
            if sys.modules.get(name) is placeholder:
                del sys.modules[name]
    if placeholders:
        module.oauthlib = _OnFirstUse("oauthlib.oauth2", "oauthlib")

        def oauth2_session(*args, **kwargs):
            from requests_oauthlib import OAuth2Session  # type: ignore[import-untyped]
            return OAuth2Session(*args, **kwargs)

        module.OAuth2Session = oauth2_session
    return module


class _OnFirstUse:
    """A module name that imports `load` (and answers for the package `name`) when first read."""

    def __init__(self, load: str, name: str):
        self._load, self._name = load, name

    def __getattr__(self, attribute: str):
        import importlib

        importlib.import_module(self._load)
        return getattr(sys.modules[self._name], attribute)


def kubeconfig_paths(options: KubeOptions) -> str:
    return options.kubeconfig or os.environ.get("KUBECONFIG") or os.path.expanduser("~/.kube/config")


def read_kubeconfig(options: KubeOptions):
    """The kubeconfig, merged from KUBECONFIG's files (first one wins for each named entry)."""
    module = kube_config_module()
    paths = kubeconfig_paths(options)
    try:
        merger = module.KubeConfigMerger(paths)
    except module.ConfigException as exc:
        raise UserError(f"invalid kubeconfig: {exc}") from None
    if merger.config is None:
        if options.server:  # kubectl -s URL works with no kubeconfig at all
            return module.ConfigNode("kubeconfig", {"clusters": [], "contexts": [], "users": []})
        raise UserError(f"no kubeconfig found at {paths} (use --kubeconfig or KUBECONFIG)")
    return merger.config


def _named(config, section: str, name: str | None) -> tuple[dict, str | None] | None:
    """The entry of that name, and the path of the file it came from (what relative paths in it
    are relative to)."""
    for item in config.safe_get(section) or []:
        if item["name"] == name:
            return (item.value, item.path) if hasattr(item, "value") else (item, getattr(config, "path", None))
    return None


def _flag_path(value: str | None) -> str | None:
    """A path given on the command line is relative to the working directory (the loader
    would resolve it against the kubeconfig's directory)."""
    return os.path.abspath(os.path.expanduser(value)) if value else value


def merged_cluster(cluster: dict, options: KubeOptions) -> dict:
    """The cluster entry with kubectl's flags on top (getCluster): --certificate-authority or
    --insecure-skip-tls-verify replace all three of the CA settings; --server or
    --tls-server-name replace the kubeconfig's tls-server-name."""
    merged = dict(cluster)
    if options.server:
        merged["server"] = options.server
    ca = _flag_path(options.certificate_authority)
    if options.insecure_skip_tls_verify or ca:
        for key in ("insecure-skip-tls-verify", "certificate-authority", "certificate-authority-data"):
            merged.pop(key, None)
        if options.insecure_skip_tls_verify:
            merged["insecure-skip-tls-verify"] = True
        if ca:
            merged["certificate-authority"] = ca
    if options.tls_server_name or options.server:
        merged.pop("tls-server-name", None)
        if options.tls_server_name:
            merged["tls-server-name"] = options.tls_server_name
    return merged


def merged_user(user: dict, options: KubeOptions) -> dict:
    """The user entry with kubectl's flags on top (getAuthInfo: a flag that is given wins)."""
    merged = dict(user)
    for key, value in (("token", options.token), ("client-certificate", _flag_path(options.client_certificate)),
                       ("client-key", _flag_path(options.client_key)), ("as", options.impersonate),
                       ("as-uid", options.impersonate_uid)):
        if value:
            merged[key] = value
    if options.impersonate_groups:
        merged["as-groups"] = list(options.impersonate_groups)
    return merged


def validate(cluster_name: str, cluster: dict, user_name: str, user: dict) -> None:
    """The refusals of client-go's `validation.go` (validateClusterInfo, validateAuthInfo) that a
    flag can bring about, in its words; kubectl says them as `error: invalid configuration: ...`."""
    problems = []
    if not cluster.get("server"):
        problems.append(f'no server found for cluster "{cluster_name}"' if cluster_name
                        else "default cluster has no server defined")
    if cluster.get("certificate-authority") and cluster.get("certificate-authority-data"):
        problems.append(f"certificate-authority-data and certificate-authority are both specified for "
                        f"{cluster_name}. certificate-authority-data will override.")
    if cluster.get("certificate-authority") and not os.path.exists(cluster["certificate-authority"]):
        problems.append(f"unable to read certificate-authority {cluster['certificate-authority']} for "
                        f"{cluster_name} due to open {cluster['certificate-authority']}: no such file or directory")
    methods = [name for name, on in (("token", user.get("token")),
                                     ("basicAuth", user.get("username") or user.get("password"))) if on]
    if user.get("client-certificate") or user.get("client-certificate-data"):
        if user.get("client-certificate") and user.get("client-certificate-data"):
            problems.append(f"client-cert-data and client-cert are both specified for {user_name}. "
                            "client-cert-data will override.")
        if user.get("client-key") and user.get("client-key-data"):
            problems.append(f"client-key-data and client-key are both specified for {user_name}; "
                            "client-key-data will override")
        if not user.get("client-key") and not user.get("client-key-data"):
            problems.append(f"client-key-data or client-key must be specified for {user_name} to use the "
                            "clientCert authentication method.")
        for key, word in (("client-certificate", "client-cert"), ("client-key", "client-key")):
            if user.get(key) and not os.path.exists(user[key]):
                problems.append(f"unable to read {word} {user[key]} for {user_name} due to open {user[key]}: "
                                "no such file or directory")
    exec_config = user.get("exec")
    if isinstance(exec_config, dict):
        mode = exec_config.get("interactiveMode") or "IfAvailable"  # clientcmd/api/v1 defaults.go
        if mode not in EXEC_INTERACTIVE_MODES:
            problems.append(f'invalid interactiveMode for {user_name}: "{mode}"')
    if len(methods) > 1:
        problems.append(f"more than one authentication method found for {user_name}; found "
                        f"[{' '.join(methods)}], only one is allowed")
    if (user.get("as-uid") or user.get("as-groups") or user.get("as-user-extra")) and not user.get("as"):
        problems.append(f"requesting uid, groups or user-extra for {user_name} without impersonating a user")
    if problems:
        raise UserError("invalid configuration: " + (problems[0] if len(problems) == 1
                                                     else "[" + ", ".join(problems) + "]"))


def _exec_interactive_refusal(user: dict) -> None:
    """client-go `plugin/pkg/client/auth/exec/exec.go` isInteractive: a plugin that must talk
    to the user cannot when standard input is not a terminal. (The client's ExecProvider has
    no interactiveMode; it tells the plugin `interactive` from stdout alone.)"""
    exec_config = user.get("exec")
    if isinstance(exec_config, dict) and exec_config.get("interactiveMode") == "Always" and not sys.stdin.isatty():
        raise UserError("exec plugin cannot support interactive mode: standard input is not a terminal")


def connect(options: KubeOptions, user_agent: str) -> Connection:
    module = kube_config_module()
    config = read_kubeconfig(options)
    context_name = options.context or config.safe_get("current-context")
    context_entry = _named(config, "contexts", context_name) if context_name else None
    if context_name and context_entry is None and (options.context or not options.server):
        raise UserError(f'context "{context_name}" does not exist')
    if not context_name and not options.server:
        raise UserError("no current context in the kubeconfig; use --context")
    context = dict(context_entry[0].get("context") or {}) if context_entry is not None else {}
    cluster_name = options.cluster or context.get("cluster") or ""
    user_name = options.user or context.get("user") or ""
    for flag, section, name in (("--cluster", "clusters", options.cluster), ("--user", "users", options.user)):
        if name and _named(config, section, name) is None:
            raise UserError(f'{flag}: {section[:-1]} "{name}" does not exist in the kubeconfig')
    cluster_entry = _named(config, "clusters", cluster_name) or ({}, None)
    user_entry = _named(config, "users", user_name) or ({}, None)
    cluster = merged_cluster(_resolved(cluster_entry, "cluster", ("certificate-authority",)), options)
    user = merged_user(_resolved(user_entry, "user", ("client-certificate", "client-key", "tokenFile")), options)
    validate(cluster_name, cluster, user_name, user)
    secure = str(cluster["server"]).lower().startswith("https://")
    target = SimpleNamespace(api_key={}, refresh_api_key_hook=None, verify_ssl=True, ssl_ca_cert=None,
                             cert_file=None, key_file=None, tls_server_name=None, proxy=None,
                             host=str(cluster["server"]).rstrip("/"))
    failures: list[str] = []
    if secure:  # kubectl sends credentials only over TLS (client_config.go: IsConfigTransportTLS)
        _exec_interactive_refusal(user)
        loader = _loader(module, (cluster, cluster_entry[1]), (user, user_entry[1]))
        with _logged(failures):
            try:
                loader.load_and_set(target)
            except module.ConfigException as exc:
                raise UserError(f"invalid kubeconfig: {exc}") from None
        if failures and "exec" in user and not target.api_key and not target.cert_file:
            raise UserError(f"getting credentials: {failures[-1]}")
    else:
        if cluster.get("proxy-url"):
            target.proxy = cluster["proxy-url"]
    pool = _pool(target, secure, cluster)
    impersonation = _impersonation(user)

    def headers():
        from urllib3 import HTTPHeaderDict

        # One header line per impersonated group, as client-go sends them (a dict would join them
        # into one value, which the server reads as one group).
        found = HTTPHeaderDict({"Accept": "application/json", "User-Agent": user_agent})
        if target.refresh_api_key_hook is not None:
            with _logged(failures):
                target.refresh_api_key_hook(target)
        token = target.api_key.get("BearerToken")
        if token:
            found["Authorization"] = token
        found.extend(impersonation)
        return found

    return Connection(host=target.host, pool=pool, headers=headers, context_name=context_name or "",
                      context_namespace=context.get("namespace") or "default")


def _resolved(entry: tuple[dict, str | None], key: str, path_keys: tuple[str, ...]) -> dict:
    """An entry's body with its file names made absolute against its kubeconfig's directory
    (clientcmd `loader.go` ResolveLocalPaths)."""
    body = dict(entry[0].get(key) or {})
    base = os.path.dirname(os.path.abspath(entry[1])) if entry[1] else os.getcwd()
    for name in path_keys:
        if isinstance(body.get(name), str) and body[name]:
            body[name] = os.path.join(base, os.path.expanduser(body[name]))
    return body


def _loader(module, cluster: tuple[dict, str | None], user: tuple[dict, str | None]):
    """The client's loader over one context made of the merged cluster and user; each keeps the
    path of its kubeconfig file, against whose directory relative file names resolve."""
    node = module.ConfigNode("kubeconfig", {
        "current-context": "kubectl-pods",
        "contexts": [{"name": "kubectl-pods", "context": {"cluster": "cluster", "user": "user"}}],
        "clusters": [{"name": "cluster", "cluster": cluster[0]}],
        "users": [{"name": "user", "user": user[0]}],
    })
    loader = module.KubeConfigLoader(config_dict=node, active_context="kubectl-pods", config_base_path=None)
    # The loader reads these two attributes; set as nodes that carry their own file's path.
    loader._cluster = module.ConfigNode("cluster", cluster[0], cluster[1])
    loader._user = module.ConfigNode("user", user[0], user[1])
    return loader


class _logged:
    """What the loader says with `logging.error` (an exec plugin that failed) is collected, not
    printed: the caller turns it into one error line."""

    def __init__(self, into: list[str]):
        self.into = into

    def __enter__(self):
        import logging

        into = self.into

        class Collect(logging.Handler):
            def emit(self, record):
                into.append(record.getMessage())

        self.logger = logging.getLogger()
        self.handler = Collect(logging.ERROR)
        self.logger.addHandler(self.handler)
        return self

    def __exit__(self, *exc):
        self.logger.removeHandler(self.handler)
        return False


def _impersonation(user: dict) -> Any:
    """client-go `transport/round_trippers.go` NewImpersonatingRoundTripper's headers."""
    from urllib3 import HTTPHeaderDict

    headers = HTTPHeaderDict()
    if user.get("as"):
        headers.add("Impersonate-User", user["as"])
    if user.get("as-uid"):
        headers.add("Impersonate-Uid", user["as-uid"])
    for group in user.get("as-groups") or []:
        headers.add("Impersonate-Group", group)
    for key, values in (user.get("as-user-extra") or {}).items():
        for value in values if isinstance(values, list) else [values]:
            headers.add(f"Impersonate-Extra-{key}", value)
    return headers


def _pool(target, secure: bool, cluster: dict):
    """A urllib3 pool with the loaded TLS settings (as the client's own `rest.py` builds it)."""
    import ssl

    import urllib3

    args: dict = {"num_pools": 4, "maxsize": 8, "retries": False}
    if secure:
        if target.verify_ssl:
            args.update(cert_reqs=ssl.CERT_REQUIRED, ca_certs=target.ssl_ca_cert)
        else:
            args["cert_reqs"] = ssl.CERT_NONE
            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        if target.cert_file:
            args.update(cert_file=target.cert_file, key_file=target.key_file)
        if target.tls_server_name:
            args["server_hostname"] = target.tls_server_name
    if target.proxy:
        if target.proxy.startswith(("socks4", "socks5")):
            try:
                from urllib3.contrib.socks import SOCKSProxyManager
            except ImportError:
                raise UserError(f"proxy-url {target.proxy}: a SOCKS proxy needs PySocks "
                                "(pip install 'urllib3[socks]')") from None
            return SOCKSProxyManager(target.proxy, **args)
        return urllib3.ProxyManager(target.proxy, **args)
    return urllib3.PoolManager(**args)
