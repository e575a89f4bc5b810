"""Watches for the test API server, served the way a real kube-apiserver serves them.

- A write (`Store.write`) takes the next resourceVersion, changes the stored object and appends
  an event to a log, as etcd's revision log does; a watch streams the log's events after its
  `resourceVersion` that match its namespace and selectors, as `{"type", "object"}` lines in a
  chunked 200 answer (`apiserver/pkg/endpoints/handlers/watch.go`, `serveWatch`).
- A watch from a resourceVersion older than the compacted revision, or one that falls behind a
  compaction while open, gets one `ERROR` event carrying a 410 `Expired` Status and ends: the
  cacher answers an expired watch with `newErrWatcher` (`storage/cacher/cacher.go`) around
  `NewResourceExpired("too old resource version: %d (%d)")` (`watch_cache.go`), and the etcd3
  watcher does the same on compaction.
- `timeoutSeconds` (or `expire`) ends a watch cleanly, as the server's `MinRequestTimeout`
  timer does; clients then watch again from the last resourceVersion they saw.
- `resourceVersion` absent or "0" starts with a synthetic ADDED event per existing object.
- With `allowWatchBookmarks=true` a BOOKMARK (an empty object but for `metadata.resourceVersion`)
  is sent when a watch ends by its timeout, as the cacher sends them before a timeout.
"""

from __future__ import annotations

import copy
import json
import threading
import time
from dataclasses import dataclass, field

DEFAULT_TIMEOUT_SECONDS = 1800  # the server's --min-request-timeout


@dataclass
class Store:
    """The resourceVersion counter, the event log and the watches that read it."""

    revision: int = 1000
    compacted: int = 0
    log: list[tuple[int, str, str, dict]] = field(default_factory=list)  # (rv, kind, type, object)
    generation: int = 0  # bumped by `expire`: every open watch ends
    stopping: bool = False
    watches_started: dict[str, int] = field(default_factory=dict)
    sent: dict[str, int] = field(default_factory=dict)  # kind -> the newest revision a watch has sent
    changed: threading.Condition = field(default_factory=threading.Condition)

    def write(self, objects: dict[str, list[dict]], obj: dict, event_type: str, compact: bool) -> dict:
        """Store `obj` (replacing the object of the same namespace and name; DELETED removes it),
        log the event and wake the watches. `compact` compacts the log up to this write, so that
        a watch that has not yet sent it answers 410 instead."""
        with self.changed:
            self.revision += 1
            stored = copy.deepcopy(obj)
            stored.setdefault("metadata", {})["resourceVersion"] = str(self.revision)
            kind = stored["kind"]
            items = objects.setdefault(kind, [])
            key = _key(stored)
            items[:] = [o for o in items if _key(o) != key]
            if event_type != "DELETED":
                items.append(stored)
            self.log.append((self.revision, kind, event_type, stored))
            if compact:
                self.compacted = self.revision
            self.changed.notify_all()
            return stored

    def expire(self) -> None:
        with self.changed:
            self.generation += 1
            self.changed.notify_all()

    def stop(self) -> None:
        with self.changed:
            self.stopping = True
            self.changed.notify_all()

    def wait_for_sent(self, kind: str, revision: int, timeout: float = 10.0) -> None:
        """Until a watch of `kind` has written every event up to `revision` to its client."""
        with self.changed:
            if not self.changed.wait_for(lambda: self.sent.get(kind, 0) >= revision, timeout):
                raise AssertionError(f"no watch of {kind} sent revision {revision} within {timeout}s")

    def wait_for_watches(self, kind: str, count: int, timeout: float = 10.0) -> None:
        with self.changed:
            if not self.changed.wait_for(lambda: self.watches_started.get(kind, 0) >= count, timeout):
                raise AssertionError(f"no watch #{count} of {kind} within {timeout}s")


def serve_watch(handler, store: Store, objects: dict[str, list[dict]], kind: str, query: dict, matches,
                minor: int = 33) -> None:
    """Stream the events of `kind` that `matches` accepts, from the query's resourceVersion."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Cache-Control", "no-cache, private")
    handler.send_header("Transfer-Encoding", "chunked")
    handler.end_headers()
    timeout = float(query.get("timeoutSeconds") or DEFAULT_TIMEOUT_SECONDS)
    deadline = time.monotonic() + timeout
    bookmarks = query.get("allowWatchBookmarks") == "true"
    with store.changed:
        store.watches_started[kind] = store.watches_started.get(kind, 0) + 1
        store.changed.notify_all()
        start = query.get("resourceVersion") or "0"
        generation = store.generation
        if start == "0":
            position = store.revision
            pending = [("ADDED", o) for o in objects.get(kind, []) if matches(o)]
        else:
            position, pending = int(start), []
        store.sent[kind] = max(store.sent.get(kind, 0), position)
    try:
        _send_all(handler, pending)
        while True:
            with store.changed:
                store.changed.wait_for(lambda at=position: store.stopping or store.generation != generation
                                       or store.revision > at or time.monotonic() >= deadline,
                                       max(0.0, deadline - time.monotonic()))
                if position < store.compacted:
                    pending = [("ERROR", _expired(position, store.compacted))]
                    done = True
                elif store.revision > position:
                    pending = [(t, o) for rv, k, t, o in store.log if rv > position and k == kind and matches(o)]
                    position, done = store.revision, False
                else:
                    pending, done = [], True
                    if bookmarks and not store.stopping:
                        pending = [("BOOKMARK", _bookmark(kind, position, minor))]
            _send_all(handler, pending)
            with store.changed:
                store.sent[kind] = max(store.sent.get(kind, 0), position)
                store.changed.notify_all()
            if done:
                break
        handler.wfile.write(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass  # the client went away (Ctrl-C, or it had seen enough)


def _send_all(handler, events: list[tuple[str, dict]]) -> None:
    for event_type, obj in events:
        line = json.dumps({"type": event_type, "object": obj}).encode() + b"\n"
        handler.wfile.write(f"{len(line):x}\r\n".encode() + line + b"\r\n")
    handler.wfile.flush()


def _bookmark(kind: str, position: int, minor: int) -> dict:
    """The cacher's bookmark: an empty object of the kind but for its resourceVersion, serialised
    as Go writes an empty struct; from 1.35 a zero creationTimestamp is left out rather than
    written null (recorded: tests/fixtures/recorded/watch-1.33.json, watch-1.36.json)."""
    empty = {"kind": kind, "apiVersion": "v1", "metadata": {"resourceVersion": str(position)}}
    if minor < 35:
        empty["metadata"]["creationTimestamp"] = None
    if kind == "Pod":
        empty.update(spec={"containers": None}, status={})
    return empty


def _expired(position: int, compacted: int) -> dict:
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": f"too old resource version: {position} ({compacted})", "reason": "Expired", "code": 410}


def _key(obj: dict) -> tuple:
    meta = obj.get("metadata") or {}
    return meta.get("namespace"), meta.get("name")
