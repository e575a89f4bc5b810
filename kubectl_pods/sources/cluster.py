"""Pods, events, owners and the server version from a cluster, read as raw JSON.

The connection (kubeconfig, kubectl's flags, credentials) is `sources/kubeconfig.py`'s; requests
go out on its urllib3 pool and every answer is read as raw bytes (never the kubernetes client's
model classes, which are slow and drop fields the client does not know). It only ever sends GET,
except the `dryRun=All` create that `diff --server-dry-run` asks for, which stores nothing.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from kubectl_pods import __version__
from kubectl_pods.errors import Expired, Forbidden, NamespaceTerminating, NotFound, Unreachable, UserError
from kubectl_pods.options import KubeOptions
from kubectl_pods.sources import PodInput

PAGE_SIZE = 500
REQUEST_LOG_LEVEL = 6  # kubectl -v=6 logs each request's verb, URL, status and time
LIST_RESTARTS_ON_GONE = 3

# kind -> (API prefix, plural resource) for everything the owner walk may meet.
RESOURCES = {
    "Pod": ("api/v1", "pods"),
    "Event": ("api/v1", "events"),
    "ReplicaSet": ("apis/apps/v1", "replicasets"),
    "Deployment": ("apis/apps/v1", "deployments"),
    "StatefulSet": ("apis/apps/v1", "statefulsets"),
    "DaemonSet": ("apis/apps/v1", "daemonsets"),
    "Job": ("apis/batch/v1", "jobs"),
    "CronJob": ("apis/batch/v1", "cronjobs"),
    "LimitRange": ("api/v1", "limitranges"),
    "Node": ("api/v1", "nodes"),
}


@dataclass(frozen=True)
class Request:
    """What was asked, kept to say it in errors: `list pods in namespace "web"`."""

    verb: str
    resource: str
    namespace: str | None = None
    name: str | None = None

    def describe(self) -> str:
        what = f'{self.resource} "{self.name}"' if self.name else self.resource
        where = f' in namespace "{self.namespace}"' if self.namespace else " at cluster scope"
        return f"{self.verb} {what}{where}"


def resource_path(kind: str, namespace: str | None, name: str | None = None) -> str:
    prefix, plural = RESOURCES[kind]
    path = f"/{prefix}"
    if namespace:
        path += f"/namespaces/{quote(namespace, safe='')}"
    path += f"/{plural}"
    if name:
        path += f"/{quote(name, safe='')}"
    return path


class Cluster:
    """A read-only view of one cluster, chosen by the kubectl flags."""

    def __init__(self, options: KubeOptions):
        from kubectl_pods.sources.kubeconfig import connect

        self.options = options
        self._connection = connect(options, user_agent=f"kubectl-pods/{__version__}")
        self.host = self._connection.host
        self.context_namespace = self._connection.context_namespace
        self.context_name = self._connection.context_name
        self._owners: dict[tuple[str, str, str], dict | UserError] = {}
        self._nodes: dict[str, dict | None] = {}

    @property
    def namespace(self) -> str:
        return self.options.namespace or self.context_namespace

    # -- raw requests -------------------------------------------------------------------------
    def get_json(self, path: str, request: Request, query: dict | None = None) -> dict:
        status, body = self._send(path, query)
        if status >= 300:
            raise _http_error(status, body, request, self.host)
        return _decode(body, path)

    def list_json(self, kind: str, namespace: str | None, query: dict | None = None) -> list[dict]:
        """Every item of a list (pages joined; see `list_pages`)."""
        return [item for page in self.list_pages(kind, namespace, query) for item in page]

    def list_pages(self, kind: str, namespace: str | None, query: dict | None = None,
                   on_version: Callable[[str], None] | None = None) -> Iterator[list[dict]]:
        """The items of a list, one page (`limit=500`) at a time, each page dropped by the caller
        before the next is read. A 410 on `continue` (the snapshot expired) restarts the list and
        skips what was already handed out, by uid: nothing repeated, nothing lost. `on_version`
        is told the resourceVersion of each page's snapshot (where a watch of it starts)."""
        request = Request("list", RESOURCES[kind][1], namespace)
        path = resource_path(kind, namespace)
        seen: set[str] = set()
        for _ in range(LIST_RESTARTS_ON_GONE + 1):
            page_query = {**(query or {}), "limit": PAGE_SIZE}
            while True:
                status, body = self._send(path, page_query)
                if status == 410 and "continue" in page_query:
                    break  # the snapshot expired between pages: start over
                if status >= 300:
                    raise _http_error(status, body, request, self.host)
                page = _decode(body, path)
                if on_version is not None:
                    on_version((page.get("metadata") or {}).get("resourceVersion") or "")
                fresh = [_typed(item, page) for item in page.get("items") or [] if object_key(item) not in seen]
                seen.update(object_key(item) for item in fresh)
                token = (page.get("metadata") or {}).get("continue")
                del page, body
                yield fresh
                del fresh  # dropped before the next page is read: memory holds one page
                if not token:
                    return
                page_query = {**page_query, "continue": token}
        raise UserError(f"cannot {request.describe()}: the list kept expiring (410 Gone)")

    def dry_run_create(self, obj: dict, namespace: str) -> dict:
        """What the server would store for `obj`: a create with `dryRun=All`, which runs
        defaulting, admission (webhooks included) and validation and stores nothing
        (apiserver `handlers/create.go`; the registry skips the write under dry run)."""
        path = resource_path(obj.get("kind") or "Pod", namespace)
        status, body = self._send(path, {"dryRun": "All"}, method="POST", body=obj)
        if status >= 300:
            request = Request("create", RESOURCES[obj.get("kind") or "Pod"][1], namespace)
            raise _http_error(status, body, request, self.host)
        return _decode(body, path)

    def watch(self, kind: str, namespace: str | None, query: dict, resource_version: str,
              timeout_seconds: int) -> Iterator[dict]:
        """The `{"type", "object"}` events of a watch from `resource_version`, each as it comes,
        until the server ends the stream (its `timeoutSeconds`). A 410, as the answer or as an
        ERROR event (`cacher.go` newErrWatcher: "too old resource version"), raises Expired."""
        import urllib3

        request = Request("watch", RESOURCES[kind][1], namespace)
        path = resource_path(kind, namespace)
        query = {**query, "watch": "true", "resourceVersion": resource_version,
                 "allowWatchBookmarks": "true", "timeoutSeconds": timeout_seconds}
        host = self.host
        # The server ends the stream at timeoutSeconds; reading longer than that means it is gone.
        response = self._open(path, query, "GET", None, (self.options.request_timeout, timeout_seconds + 30))
        raw = response
        try:
            if response.status >= 300:
                body = response.read()
                if response.status == 410:
                    raise Expired(_status_message(body))
                raise _http_error(response.status, body, request, host)
            chunks = raw.read_chunked() if raw.chunked else iter(lambda: raw.read1(65536), b"")
            pending = b""
            for chunk in chunks:
                *lines, pending = (pending + chunk).split(b"\n")
                for line in lines:
                    if line.strip():
                        yield _watch_event(_decode(line, path), request)
        except urllib3.exceptions.HTTPError as exc:
            raise _connection_error(exc, host, self.options.request_timeout) from None
        finally:
            raw.close()  # a watch left early has unread bytes: its connection must not be reused
            raw.release_conn()

    def _send(self, path: str, query: dict | None, method: str = "GET", body: dict | None = None) -> tuple[int, bytes]:
        import urllib3

        response = self._open(path, query, method, body, self.options.request_timeout)
        try:
            return response.status, response.read()
        except urllib3.exceptions.HTTPError as exc:
            raise _connection_error(exc, self.host, self.options.request_timeout) from None
        finally:
            response.release_conn()

    def _open(self, path: str, query: dict | None, method: str, body: dict | None, timeout):
        """The response, its body not yet read."""
        import urllib3

        connection = self._connection
        url = connection.host + path
        pairs = [(k, v) for k, v in (query or {}).items() if v is not None]
        if pairs:
            url += "?" + urlencode(pairs)
        headers = connection.headers()
        payload = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            payload = json.dumps(body).encode()
        if isinstance(timeout, tuple):
            timeout = urllib3.Timeout(connect=timeout[0], read=timeout[1])
        elif timeout is not None:
            timeout = urllib3.Timeout(total=timeout)
        start = time.monotonic()
        try:
            response = connection.pool.request(method, url, headers=headers, body=payload, timeout=timeout,
                                               preload_content=False, retries=False)
        except urllib3.exceptions.HTTPError as exc:
            raise _connection_error(exc, self.host, self.options.request_timeout) from None
        if self.options.log_level >= REQUEST_LOG_LEVEL:
            log_request(method, url, response.status, response.reason, time.monotonic() - start)
        return response

    # -- what the commands need ---------------------------------------------------------------
    def pods(self, names: tuple[str, ...] = (), selector: str | None = None) -> list[PodInput]:
        """Pods by name, else every pod the flags select (`selector` overrides -l)."""
        return [pod for page in self.pod_pages(names, selector) for pod in page]

    def pod_pages(self, names: tuple[str, ...] = (), selector: str | None = None) -> Iterator[list[PodInput]]:
        """The same pods, a page at a time: what commands over many pods stream through."""
        opts = self.options
        selector = selector or opts.selector
        check_pod_names(names, opts, selector)
        if names:
            yield [PodInput(pod=self.get_json(resource_path("Pod", self.namespace, name),
                                              Request("get", "pods", self.namespace, name)),
                            source="cluster") for name in names]
            return
        namespace = None if opts.all_namespaces else self.namespace
        query = {"labelSelector": selector, "fieldSelector": opts.field_selector}
        for page in self.list_pages("Pod", namespace, query):
            inputs = [PodInput(pod=pod, source="cluster") for pod in page]
            del page
            yield inputs
            del inputs

    def pod_events(self, namespace: str | None,
                   pod_name: str | None = None) -> dict[tuple[str | None, str | None], list[dict]]:
        """Pod events of a namespace (or of one pod), oldest first, keyed by (namespace, name)."""
        query = {"fieldSelector": f"involvedObject.name={pod_name}" if pod_name else "involvedObject.kind=Pod"}
        index: dict[tuple[str | None, str | None], list[dict]] = {}
        for event in sorted(self.list_json("Event", namespace, query), key=_event_time):
            involved = event.get("involvedObject") or {}
            key = (involved.get("namespace") or (event.get("metadata") or {}).get("namespace"), involved.get("name"))
            index.setdefault(key, []).append(event)
        return index

    def node(self, name: str) -> dict | None:
        """A Node, read once per command (the pods of a node share it); None when there is no
        such node (404). A refusal (403) is raised, every time."""
        if name not in self._nodes:
            try:
                self._nodes[name] = self.get_json(resource_path("Node", None, name), Request("get", "nodes", None, name))
            except NotFound:
                self._nodes[name] = None
        return self._nodes[name]

    def owner_chain(self, obj: dict, on_forbidden=None) -> list[dict]:
        """The controllers above an object, nearest first (Pod → ReplicaSet → Deployment, ...).
        With `on_forbidden`, an owner this account may not read ends the chain there and is
        reported to it; without, the 403 is raised."""
        chain: list[dict] = []
        current = obj
        while True:
            ref = next((r for r in (current.get("metadata") or {}).get("ownerReferences") or []
                        if r.get("controller")), None)
            if ref is None or ref.get("kind") not in RESOURCES:
                return chain
            namespace = (current.get("metadata") or {}).get("namespace") or self.namespace
            try:
                current = self._owner(ref["kind"], namespace, ref["name"])
            except Forbidden as exc:
                if on_forbidden is None:
                    raise
                on_forbidden(exc, namespace)
                return chain
            chain.append(current)

    def _owner(self, kind: str, namespace: str, name: str) -> dict:
        """An owner, read once per command: the pods of one ReplicaSet share it (a refusal is
        remembered too)."""
        key = (kind, namespace, name)
        if key not in self._owners:
            try:
                self._owners[key] = self.get_json(resource_path(kind, namespace, name),
                                                  Request("get", RESOURCES[kind][1], namespace, name))
            except UserError as exc:
                self._owners[key] = exc
        found = self._owners[key]
        if isinstance(found, UserError):
            raise found
        return found

    def server_version(self) -> tuple[int, int]:
        info = self.get_json("/version", Request("get", "version"))
        try:
            return int(info["major"]), int("".join(ch for ch in info["minor"] if ch.isdigit()))
        except (KeyError, ValueError):
            raise UserError(f"the server sent a version I cannot read: {info}") from None


def events_of(index: dict[tuple[str | None, str | None], list[dict]], meta: dict) -> list[dict]:
    """A pod's events from an index, leaving out those of an earlier pod of the same name."""
    uid = meta.get("uid")
    return [e for e in index.get((meta.get("namespace"), meta.get("name")), [])
            if uid is None or (e.get("involvedObject") or {}).get("uid") in (uid, None)]


def _typed(item: dict, page: dict) -> dict:
    """A list's items come without `kind` and `apiVersion` (the server encodes the list's
    `[]Pod` with empty TypeMeta; kubectl's printers put them back): taken from the list's."""
    if isinstance(item, dict) and "kind" not in item and str(page.get("kind") or "").endswith("List"):
        item["kind"] = page["kind"][: -len("List")]
        item.setdefault("apiVersion", page.get("apiVersion"))
    return item


def _watch_event(event: dict, request: Request) -> dict:
    if event.get("type") != "ERROR":
        return event
    status = event.get("object") or {}
    if status.get("code") == 410:
        raise Expired(status.get("message") or "the watch expired")
    raise UserError(f"the server ended the {request.describe()}: {status.get('message') or status}")


def check_pod_names(names: tuple[str, ...], options: KubeOptions, selector: str | None = None) -> None:
    """kubectl's refusals of pod names beside -A or a selector."""
    if names and options.all_namespaces:
        raise UserError("a resource cannot be retrieved by name across all namespaces")
    if names and (selector or options.selector or options.field_selector):
        raise UserError("name cannot be provided when a selector is specified")


def object_key(item: dict) -> str:
    """What tells objects apart: the uid, else namespace and name."""
    meta = found if isinstance(found := item.get("metadata"), dict) else {}
    return str(meta.get("uid") or (meta.get("namespace"), meta.get("name")))


def _event_time(event: dict) -> str:
    return (event.get("lastTimestamp") or event.get("eventTime") or event.get("firstTimestamp")
            or (event.get("metadata") or {}).get("creationTimestamp") or "")


def _decode(body: bytes, path: str) -> dict:
    """A page of 500 pods is about 4 MB of JSON and a million objects: the cyclic garbage
    collector, triggered every 700 allocations, would walk the growing page again and again
    (2 to 5 times the decoding itself, measured in docs/performance.md). Decoded JSON holds no
    cycles, so it is paused while decoding."""
    paused = gc.isenabled()
    gc.disable()
    try:
        return json.loads(body)
    except ValueError:
        raise UserError(f"the server's answer to GET {path} is not JSON") from None
    finally:
        if paused:
            gc.enable()


def context_names(options: KubeOptions) -> list[str]:
    """Every context of the kubeconfig (all its files merged), in order: `--all-contexts`."""
    from kubectl_pods.sources.kubeconfig import read_kubeconfig

    return [item["name"] for item in (read_kubeconfig(options).safe_get("contexts") or [])]


def log_request(method: str, url: str, status: int, reason: str | None, seconds: float) -> None:
    """One line a request on stderr, in the shape of kubectl's at -v=6 (client-go
    `transport/round_trippers.go`, klog's header: severity, date, time, pid, source)."""
    from datetime import datetime

    now = datetime.now()
    print(f"I{now:%m%d %H:%M:%S.%f} {os.getpid():>7} cluster.py] \"Response\" verb=\"{method}\" url=\"{url}\" "
          f"status=\"{status} {reason or ''}\" milliseconds={round(seconds * 1000)}", file=sys.stderr)


def _status_message(body: bytes) -> str:
    try:
        status = json.loads(body)
        return status.get("message") or ""
    except ValueError:
        return body.decode("utf-8", "replace").strip()[:200]


def _status_causes(body: bytes) -> list[str]:
    """The reasons of a Status's `details.causes` (e.g. NamespaceTerminating), as the server gave them."""
    try:
        details = json.loads(body).get("details") or {}
    except (ValueError, AttributeError):
        return []
    return [str(cause.get("reason")) for cause in details.get("causes") or [] if isinstance(cause, dict)]


def _http_error(status: int, body: bytes, request: Request, host: str) -> UserError:
    message = _status_message(body)
    if status == 401:
        return UserError(f"You must be logged in to the server (Unauthorized): {host} refused the "
                         f"credentials while trying to {request.describe()}")
    if status == 403 and "cannot impersonate" in message:  # the refusal is of --as/--as-group/--as-uid
        return Forbidden(f"forbidden: {message}", request.resource)
    if status == 403:
        # The server's own words, and nothing more: a 403 comes from the authorizer (its message
        # names the user and the verb) or from admission, e.g. NamespaceLifecycle for a namespace
        # being deleted (apiserver admission/plugin/namespace/lifecycle: cause NamespaceTerminating).
        said = f": {message}" if message else " (it gave no reason)"
        if "NamespaceTerminating" in _status_causes(body):
            return NamespaceTerminating(f'namespace "{request.namespace}" is being deleted (Terminating): the '
                                        f"server refused to {request.describe()}{said}")
        hint = "; use -n NAMESPACE to read one namespace" if request.verb == "list" and not request.namespace \
            and request.resource == "pods" else ""
        return Forbidden(f"the server refused to {request.describe()} (403 Forbidden){said}{hint}", request.resource)
    if status == 404:
        return NotFound(f"{request.resource} \"{request.name}\" not found"
                         f"{' in namespace ' + repr(request.namespace) if request.namespace else ''}"
                         if request.name else f"not found: {request.describe()}")
    return UserError(f"the server answered {status} to {request.describe()}"
                     f"{': ' + message if message else ''}")


def _connection_error(exc: Exception, host: str, timeout: float | None) -> Unreachable:
    import urllib3

    reason = getattr(exc, "reason", None) or exc
    # NewConnectionError subclasses urllib3's TimeoutError: test it first.
    if isinstance(reason, urllib3.exceptions.NewConnectionError):
        return Unreachable(f"the connection to the server {host} was refused - "
                           "did you specify the right host or port?")
    if isinstance(reason, (urllib3.exceptions.TimeoutError, TimeoutError)):
        return Unreachable(f"the server {host} did not answer within {timeout:g}s (--request-timeout)"
                           if timeout else f"the request to {host} timed out")
    return Unreachable(f"cannot reach the server {host}: {reason}")
