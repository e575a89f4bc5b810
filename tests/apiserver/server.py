"""A Kubernetes API server on 127.0.0.1 for the tests: real HTTP, read-only, with faults.

It serves discovery, /version, get and list (label and field selectors, limit/continue) for the
kinds kubectl-pods reads, records every request, and answers any write verb with 405 so that a
test can assert none was sent. Faults are injected per path and query.

Watches (`watch=true`) stream from an event log with resourceVersions and compaction, as a
real server's do: see tests/apiserver/watch.py.

A create with `dryRun=All` (what `diff --server-dry-run` sends) is answered by replay: a test
registers the body a real kube-apiserver received and the object it answered with (recorded in
tests/fixtures/recorded/); the same body gets that answer with 201, as the real handler
(`staging/src/k8s.io/apiserver/pkg/endpoints/handlers/create.go`) answers a dry-run create, and
nothing is stored. A body with no recording gets 500, so a test cannot pass on a guess.

With a `Pki` (tests/apiserver/tls.py) it serves HTTPS and authenticates as kube-apiserver does:
a client certificate signed by its CA (user from CN, groups from O), else a bearer token it
knows (`tokens`), else 401; `Impersonate-*` headers are authorized (tests/apiserver/rbac.py),
and each recorded request says who it was served as.
"""

from __future__ import annotations

import base64
import sys
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from tests.apiserver.authn import Authorizing, status_body
from tests.apiserver.rbac import Identity, RoleBinding
from tests.apiserver.selectors import field_matcher, label_matcher
from tests.apiserver.watch import Store, serve_watch

# (group path, version path, plural) -> kind, namespaced
RESOURCES = {
    ("api", "v1", "pods"): "Pod",
    ("api", "v1", "events"): "Event",
    ("api", "v1", "namespaces"): "Namespace",
    ("api", "v1", "limitranges"): "LimitRange",
    ("api", "v1", "nodes"): "Node",
    ("apis", "apps/v1", "replicasets"): "ReplicaSet",
    ("apis", "apps/v1", "deployments"): "Deployment",
    ("apis", "apps/v1", "statefulsets"): "StatefulSet",
    ("apis", "apps/v1", "daemonsets"): "DaemonSet",
    ("apis", "batch/v1", "jobs"): "Job",
    ("apis", "batch/v1", "cronjobs"): "CronJob",
}
FIELD_SELECTORS = {
    "Pod": {"metadata.name", "metadata.namespace", "status.phase", "spec.nodeName",
            "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "status.podIP"},
    "Event": {"metadata.name", "metadata.namespace", "involvedObject.name", "involvedObject.kind",
              "involvedObject.uid", "involvedObject.namespace", "reason", "type"},
}
CLUSTER_SCOPED = ("Namespace", "Node")
WRITE_VERBS = {"POST", "PUT", "PATCH", "DELETE"}
SERVER_VERSION = {"major": "1", "minor": "33", "gitVersion": "v1.33.13", "platform": "linux/amd64"}


@dataclass
class Fault:
    """Answer requests whose path contains `path` (and, if `on_continue`, that carry a continue
    token) with `status` and a Status body, after `delay` seconds; `times` None means always."""

    path: str
    status: int | None = None
    message: str = ""
    delay: float = 0.0
    on_continue: bool = False
    times: int | None = None
    method: str | None = None  # only requests of this verb (None: all)
    body: dict | None = None  # the Status to answer with, as a real server sent it (default: built from message)


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict
    headers: dict
    body: dict | None = None
    header_lines: list[tuple[str, str]] = field(default_factory=list)  # as sent, repeated ones apart
    identity: Identity | None = None  # who the request was served as (after impersonation)
    client_certificate_user: str | None = None  # the CN of the client certificate presented


@dataclass
class ApiServerState:
    objects: dict[str, list[dict]] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    requests: list[RecordedRequest] = field(default_factory=list)
    token: str | None = None
    dry_run_answers: list[tuple[dict, dict]] = field(default_factory=list)
    rbac: "RoleBinding | None" = None  # None: everything is allowed
    snapshots: dict[str, list] = field(default_factory=dict)  # continue token -> the list it pages
    version: dict = field(default_factory=lambda: dict(SERVER_VERSION))
    lock: threading.Lock = field(default_factory=threading.Lock)
    store: Store = field(default_factory=Store)
    tokens: dict[str, Identity] = field(default_factory=dict)  # bearer token -> who it is
    grants: dict[str, RoleBinding] = field(default_factory=dict)  # "alice" or "group:devs" -> what it may do
    authenticate: bool = False  # TLS mode: a request without known credentials is answered 401


class Handler(Authorizing, BaseHTTPRequestHandler):
    server: "LoopbackApiServer"
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; without TCP_NODELAY, Nagle's algorithm and the
    # client's delayed ACK hold every keep-alive answer ~40 ms, which no real apiserver does.
    disable_nagle_algorithm = True

    def log_message(self, *args):  # keep pytest output clean
        pass

    def _record(self) -> tuple[str, dict]:
        """Records this request; what is learnt later (body, identity) goes on `self.recorded`,
        this request's own entry: the list's last entry may be another thread's by then, since
        the plugin sends requests concurrently."""
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        self.recorded = RecordedRequest(self.command, parts.path, query,
                                        {k.lower(): v for k, v in self.headers.items()},
                                        header_lines=[(k.lower(), v) for k, v in self.headers.items()])
        with self.server.state.lock:
            self.server.state.requests.append(self.recorded)
        return parts.path, query

    def _send(self, code: int, body: dict, headers: dict | None = None):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _write_verb(self):
        path, query = self._record()
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if self.command == "POST" and query.get("dryRun") == "All":
            return self._dry_run_create(raw)
        self._send(405, status_body(405, "MethodNotAllowed", "this test server is read-only"))

    def _dry_run_create(self, raw: bytes):
        state = self.server.state
        try:
            body = json.loads(raw)
        except ValueError:
            return self._send(400, status_body(400, "BadRequest", "the request body is not JSON"))
        with state.lock:
            self.recorded.body = body
        identity = self._who()
        if identity is None or self._forbidden(urlsplit(self.path).path, {}, identity):
            return
        fault = self._fault(self.path, {})
        if fault and fault.status:
            return self._send(fault.status, fault.body or status_body(fault.status, "Forbidden", fault.message))
        answer = next((response for sent, response in state.dry_run_answers if sent == body), None)
        if answer is None:
            return self._send(500, status_body(500, "InternalError", "no recorded answer for this dry-run body"))
        self._send(201, answer)

    do_POST = do_PUT = do_PATCH = do_DELETE = _write_verb

    def do_GET(self):
        path, query = self._record()
        identity = self._who()
        if identity is None or self._forbidden(path, query, identity):
            return
        fault = self._fault(path, query)
        if fault:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.status:
                reason = {403: "Forbidden", 404: "NotFound", 410: "Expired",
                          429: "TooManyRequests", 500: "InternalError"}.get(fault.status, "Failure")
                extra = {"Retry-After": "1"} if fault.status == 429 else None
                return self._send(fault.status, fault.body or status_body(fault.status, reason, fault.message), extra)
        try:
            if query.get("watch") in ("true", "1"):
                return self.server.watch(self, path, query)
            code, body = self.server.route(path, query)
        except ValueError as exc:
            code, body = 400, status_body(400, "BadRequest", str(exc))
        self._send(code, body)

    def _fault(self, path: str, query: dict) -> Fault | None:
        with self.server.state.lock:
            for fault in self.server.state.faults:
                if fault.path in path and (not fault.on_continue or "continue" in query) \
                        and fault.method in (None, self.command):
                    if fault.times is not None:
                        if fault.times == 0:
                            continue
                        fault.times -= 1
                    return fault
        return None


class LoopbackApiServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        """A client that gave up (a --request-timeout test) closes its socket while a delayed
        answer is still being written: a real server logs that and goes on. Printing it would
        land in whatever test runs next."""
        import ssl

        # A TLS client that refuses the certificate (a test of exactly that) ends the handshake.
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError, ConnectionAbortedError,
                                          ssl.SSLError)):
            return
        super().handle_error(request, client_address)

    def __init__(self, state: ApiServerState, pki=None):
        super().__init__(("127.0.0.1", 0), Handler)
        self.state = state
        self.scheme = "http"
        if pki is not None:
            import ssl

            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(pki.server_cert, pki.server_key)
            context.load_verify_locations(pki.ca)
            context.verify_mode = ssl.CERT_OPTIONAL  # a client certificate is one way to authenticate
            # The handshake happens in the handler's thread, on its first read.
            self.socket = context.wrap_socket(self.socket, server_side=True, do_handshake_on_connect=False)
            self.scheme = "https"

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.server_address[1]}"

    # -- routing ---------------------------------------------------------------------------------
    def route(self, path: str, query: dict) -> tuple[int, dict]:
        parts = [unquote(p) for p in path.strip("/").split("/")]
        if path == "/version":
            return 200, self.state.version
        discovery = self._discovery(parts)
        if discovery is not None:
            return 200, discovery
        resolved = self._resolve(parts)
        if resolved is None:
            return 404, status_body(404, "NotFound", "the server could not find the requested resource")
        kind, plural, group, namespace, name = resolved
        if name is not None:
            return self._get(kind, plural, namespace, name)
        return 200, self._list(kind, group, namespace, query)

    def watch(self, handler, path: str, query: dict) -> None:
        resolved = self._resolve([unquote(p) for p in path.strip("/").split("/")])
        if resolved is None or resolved[4] is not None:
            return handler._send(404, status_body(404, "NotFound", "the server could not find the requested resource"))
        kind, _, _, namespace, _ = resolved
        matches = self._matcher(kind, namespace, query)
        minor = int("".join(ch for ch in self.state.version.get("minor", "33") if ch.isdigit()))
        serve_watch(handler, self.state.store, self.state.objects, kind, query, matches, minor)

    def _resolve(self, parts: list[str]) -> tuple | None:
        """(kind, plural, group, namespace, name or None) of a resource path; None if unknown."""
        if parts[0] == "api" and len(parts) >= 3:
            group, rest = "v1", parts[2:]
            prefix = "api"
        elif parts[0] == "apis" and len(parts) >= 4:
            group, rest = f"{parts[1]}/{parts[2]}", parts[3:]
            prefix = "apis"
        else:
            return None
        namespace = None
        if rest[0] == "namespaces" and len(rest) >= 3:
            namespace, rest = rest[1], rest[2:]
        kind = RESOURCES.get((prefix, group, rest[0]))
        if kind is None or len(rest) > 2:
            return None
        return kind, rest[0], group, namespace, rest[1] if len(rest) == 2 else None

    def _matcher(self, kind: str, namespace: str | None, query: dict):
        labels = label_matcher(query.get("labelSelector"))
        fields = field_matcher(query.get("fieldSelector"), FIELD_SELECTORS.get(kind, {"metadata.name"}))
        return lambda o: ((namespace is None or o.get("metadata", {}).get("namespace") == namespace)
                          and labels(o.get("metadata", {}).get("labels")) and fields(o))

    def _objects(self, kind: str) -> list[dict]:
        return self.state.objects.get(kind, [])

    def _get(self, kind, plural, namespace, name):
        for obj in self._objects(kind):
            meta = obj.get("metadata", {})
            if meta.get("name") == name and (namespace is None or meta.get("namespace") == namespace):
                return 200, obj
        return 404, status_body(404, "NotFound", f'{plural} "{name}" not found')

    def _list(self, kind, group, namespace, query) -> dict:
        # A continue token names the snapshot the list started from, as the real apiserver's
        # (`storage/etcd3` continue keys read at the list's resourceVersion): later pages come
        # from that snapshot, so paging N objects costs O(N), not O(N) a page.
        offset, snapshot = 0, None
        if query.get("continue"):
            token = json.loads(base64.b64decode(query["continue"]))
            offset, snapshot = token["offset"], self.state.snapshots.get(token.get("snapshot"))
        if snapshot is None:
            matches = self._matcher(kind, namespace, query)
            with self.state.store.changed:  # a list is one revision's state, as an etcd range read is
                snapshot = [o for o in self._objects(kind) if matches(o)]
                revision = self.state.store.revision
            snapshot = (revision, snapshot)
        revision, matched = snapshot
        limit = int(query.get("limit") or 0)
        page = matched[offset: offset + limit] if limit else matched[offset:]
        meta = {"resourceVersion": str(revision)}
        if limit and offset + limit < len(matched):
            key = str(id(matched))
            with self.state.lock:
                self.state.snapshots = {key: snapshot}  # the newest list only: older tokens start over
            meta["continue"] = base64.b64encode(json.dumps({"offset": offset + limit, "snapshot": key}).encode()).decode()
            meta["remainingItemCount"] = len(matched) - offset - limit
        api_version = "v1" if group == "v1" else group
        # A real server's list items carry no kind or apiVersion: it encodes the typed list's
        # items with empty TypeMeta (recorded: tests/fixtures/recorded/watch-1.33.json, "list").
        items = [{k: v for k, v in item.items() if k not in ("kind", "apiVersion")} for item in page]
        return {"kind": f"{kind}List", "apiVersion": api_version, "metadata": meta, "items": items}

    def _discovery(self, parts: list[str]) -> dict | None:
        if parts == ["api"]:
            return {"kind": "APIVersions", "versions": ["v1"],
                    "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": self.url[7:]}]}
        if parts == ["apis"]:
            return {"kind": "APIGroupList", "apiVersion": "v1",
                    "groups": [_group(name) for name in ("apps", "batch")]}
        if len(parts) == 2 and parts[0] == "apis" and parts[1] in ("apps", "batch"):
            return {"kind": "APIGroup", "apiVersion": "v1", **_group(parts[1])}
        if parts == ["api", "v1"] or (len(parts) == 3 and parts[0] == "apis"):
            group_version = "v1" if parts[0] == "api" else f"{parts[1]}/{parts[2]}"
            resources = [
                {"name": plural, "singularName": kind.lower(), "kind": kind,
                 "namespaced": kind not in CLUSTER_SCOPED, "verbs": ["get", "list"],
                 **({"shortNames": ["po"]} if kind == "Pod" else {})}
                for (prefix, gv, plural), kind in RESOURCES.items() if gv == group_version
            ]
            if not resources:
                return None
            return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version,
                    "resources": resources}
        return None


def _group(name: str) -> dict:
    version = {"groupVersion": f"{name}/v1", "version": "v1"}
    return {"name": name, "versions": [version], "preferredVersion": version}


def write_clusters_kubeconfig(path, clusters: dict[str, tuple[str, str]], current: str | None = None) -> str:
    """A kubeconfig with a context (and cluster) per entry, `name -> (server URL, namespace)`:
    several test servers, or a URL nothing listens on, as clusters of one kubeconfig."""
    import yaml

    config = {
        "apiVersion": "v1", "kind": "Config", "current-context": current or next(iter(clusters)),
        "clusters": [{"name": name, "cluster": {"server": url}} for name, (url, _) in clusters.items()],
        "users": [{"name": "tester", "user": {"token": "test-token"}}],
        "contexts": [{"name": name, "context": {"cluster": name, "user": "tester", "namespace": namespace}}
                     for name, (_, namespace) in clusters.items()],
    }
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return str(path)


class RunningApiServer:
    """A started server with helpers the tests use."""

    def __init__(self, objects: dict[str, list[dict]] | None = None, pki=None):
        self.state = ApiServerState(objects={k: list(v) for k, v in (objects or {}).items()},
                                    authenticate=pki is not None)
        self.pki = pki
        self.httpd = LoopbackApiServer(self.state, pki)
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return self.httpd.url

    def add(self, *objects: dict):
        for obj in objects:
            self.state.objects.setdefault(obj["kind"], []).append(obj)

    def write(self, obj: dict, event_type: str = "MODIFIED", compact: bool = False) -> dict:
        """Change a stored object as a write to a real server does: a new resourceVersion, and an
        event for every watch (see `watch.Store.write`)."""
        return self.state.store.write(self.state.objects, obj, event_type, compact)

    def expire_watches(self) -> None:
        self.state.store.expire()

    def wait_for_watches(self, kind: str, count: int, timeout: float = 10.0) -> None:
        self.state.store.wait_for_watches(kind, count, timeout)

    def wait_for_sent(self, kind: str, revision: int, timeout: float = 10.0) -> None:
        self.state.store.wait_for_sent(kind, revision, timeout)

    def fault(self, **kwargs) -> Fault:
        fault = Fault(**kwargs)
        self.state.faults.append(fault)
        return fault

    @property
    def requests(self) -> list[RecordedRequest]:
        return list(self.state.requests)

    def write_kubeconfig(self, path, namespace: str = "default", token: str | None = None,
                         extra_contexts: dict[str, str] | None = None, user: dict | None = None,
                         cluster: dict | None = None) -> str:
        """A kubeconfig for this server; `extra_contexts` maps more context names to namespaces;
        `user` replaces the user entry, `cluster` adds to the cluster's (with TLS, the CA file is
        there unless `cluster` says otherwise)."""
        import yaml

        contexts = {"loopback": namespace, **(extra_contexts or {})}
        cluster_entry = {"server": self.url}
        if self.pki is not None and cluster is None:
            cluster_entry["certificate-authority"] = str(self.pki.ca)
        cluster_entry.update(cluster or {})
        config = {
            "apiVersion": "v1", "kind": "Config", "current-context": "loopback",
            "clusters": [{"name": "loopback", "cluster": cluster_entry}],
            "users": [{"name": "tester", "user": user if user is not None else {"token": token or "test-token"}}],
            "contexts": [{"name": name, "context": {"cluster": "loopback", "user": "tester",
                                                    **({"namespace": ns} if ns else {})}}
                         for name, ns in contexts.items()],
        }
        path.write_text(yaml.safe_dump(config))
        return str(path)

    def stop(self):
        self.state.store.stop()
        self.httpd.shutdown()
        self.httpd.server_close()
