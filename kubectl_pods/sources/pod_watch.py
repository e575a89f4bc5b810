"""Pods as they change, from one cluster: a list, then a watch from the list's resourceVersion,
as client-go's reflector does (`tools/cache/reflector.go`, ListAndWatch).

- A watch the server ends (its `timeoutSeconds`) is opened again from the last resourceVersion
  seen (bookmarks keep it fresh), so nothing is lost across the gap.
- A 410 Gone (the resourceVersion was compacted away) starts over with a list; the list is the
  whole current set, which the reader compares with what it knew.
- The pods' events are listed (for a resourceVersion only: what happened before is not news)
  and watched beside them, on a thread of their own.

Each thread puts `(context, what, payload)` on one queue, read by the one thread that prints:
("listed", (version, [pod])), ("changed", (type, pod)), ("event", event), ("note", text),
("error", UserError). A thread that meets an error puts it and ends; for the events, whose
lines are enrichment, the error is a note and the pods are still followed.
"""

from __future__ import annotations

import random
import threading
import time
from queue import Queue

from kubectl_pods.errors import Expired, Forbidden, NotFound, Unreachable, UserError

WATCH_SECONDS = 300  # client-go's minWatchTimeout; each watch asks for 1–2x this
RETRIES = 3          # watches in a row that may fail to connect before the error is final


class PodFeed:
    def __init__(self, cluster, context: str | None, names: tuple[str, ...], queue: Queue,
                 stop: threading.Event, version_of):
        self.cluster, self.context, self.queue, self.stop = cluster, context, queue, stop
        self.version_of = version_of  # the cluster -> its Kubernetes version, read on the feed's thread
        options = cluster.options
        self.namespace = None if options.all_namespaces else cluster.namespace
        fields = [options.field_selector] if options.field_selector else []
        if len(names) == 1:
            fields.append(f"metadata.name={names[0]}")  # what `kubectl get pod NAME -w` watches
        self.pod_query = {"labelSelector": options.selector, "fieldSelector": ",".join(fields) or None}
        involved = f"involvedObject.name={names[0]}" if len(names) == 1 else "involvedObject.kind=Pod"
        self.event_query = {"fieldSelector": involved}

    def start(self) -> None:
        for target in (self._pods, self._events):
            threading.Thread(target=self._guarded, args=(target,), daemon=True).start()

    def _put(self, what: str, payload) -> None:
        self.queue.put((self.context, what, payload))

    def _guarded(self, target) -> None:
        try:
            target()
        except Exception as exc:  # a UserError or a bug: raised by the printing thread, for -v
            self._put("error", exc)

    def _pods(self) -> None:
        version = self.version_of(self.cluster)
        while not self.stop.is_set():
            versions: list[str] = []
            pods = [pod for page in self.cluster.list_pages("Pod", self.namespace, self.pod_query,
                                                            on_version=versions.append) for pod in page]
            self._put("listed", (version, pods))
            try:
                self._watch("Pod", self.pod_query, versions[-1],
                            lambda event: self._put("changed", (event["type"], event["object"])))
            except Expired:
                continue

    def _events(self) -> None:
        try:
            while not self.stop.is_set():
                versions: list[str] = []
                next(iter(self.cluster.list_pages("Event", self.namespace, self.event_query,
                                                  on_version=versions.append)), None)
                try:
                    self._watch("Event", self.event_query, versions[-1],
                                lambda event: self._put("event", event["object"]))
                except Expired:
                    continue
        except Forbidden:
            self._put("note", "events are not shown: the server refused to list or watch them (403 Forbidden)")
        except Unreachable:
            return  # the pods' thread meets the same silence, and says it
        except UserError as exc:  # events are enrichment: the pods are still followed
            self._put("note", f"events are no longer shown: {exc}")

    def _watch(self, kind: str, query: dict, version: str, deliver) -> None:
        """Watch from `version` until stopped; each event that is not a BOOKMARK is delivered."""
        failures = 0
        while not self.stop.is_set():
            try:
                for event in self.cluster.watch(kind, self.namespace, query, version,
                                                WATCH_SECONDS + random.randrange(WATCH_SECONDS)):
                    failures = 0
                    obj = event.get("object") or {}
                    version = (obj.get("metadata") or {}).get("resourceVersion") or version
                    if event.get("type") in ("ADDED", "MODIFIED", "DELETED"):
                        deliver(event)
                    if self.stop.is_set():
                        return
            except (Expired, Forbidden, NotFound):
                raise
            except UserError:
                failures += 1
                if failures > RETRIES:
                    raise
                time.sleep(min(2 ** failures, 10) / 10)
