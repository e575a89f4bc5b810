"""`kubectl pods explain --watch`: one line per transition of the selected pods, on one or many
clusters, until they are ready or done (`--until`), or Ctrl-C (exit 130).

A `PodFeed` per cluster lists and watches on threads of its own; this thread alone reads their
queue, keeps each cluster's last known state of each pod (`Tracker`) and prints what changed.
"""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass, field
from queue import Empty, Queue

from kubectl_pods.errors import EXIT_ERROR, EXIT_OK, UserError
from kubectl_pods.kube.timefmt import now_utc
from kubectl_pods.options import KubeOptions

UNTIL = ("ready", "done", "never")
QUIET_EVENT_REASONS = ("Created", "Started")  # the container's own transitions say it, exactly


@dataclass
class Tracker:
    """What one cluster's pods were last seen as, and when `--until` is met there."""

    names: tuple[str, ...]
    until: str
    version: tuple[int, int] | None = None
    known: dict[str, dict] = field(default_factory=dict)  # uid -> pod
    has_listed: bool = False
    seen_any: bool = False
    events_seen: set = field(default_factory=set)
    ready_seen: set = field(default_factory=set)  # pods seen Ready once: "N s after it was created" said once
    invalid: int = 0  # pods the edge refused: each an error line, and exit 2 at the end

    @property
    def listed_version(self) -> tuple[int, int]:
        """The version in force, set by the first list (which comes before any change)."""
        assert self.version is not None, "a change came before the first list"
        return self.version

    def wanted(self, pod: dict) -> bool:
        return not self.names or (pod.get("metadata") or {}).get("name") in self.names

    def on_list(self, version: tuple[int, int], pods: list[dict], seen) -> list[dict]:
        from kubectl_pods.lifecycle.transitions import pod_transitions, removed
        from kubectl_pods.sources.cluster import object_key

        self.version = version
        current = {object_key(pod): pod for pod in pods if self.wanted(pod)}
        if not self.has_listed:
            missing = sorted(set(self.names) - {(p.get("metadata") or {}).get("name") for p in current.values()})
            if missing:
                raise UserError(f'pods "{missing[0]}" not found')
        found: list[dict] = []
        for uid, pod in current.items():
            if uid in self.known:
                found += pod_transitions(self.known[uid], pod, version, seen, uid in self.ready_seen)
            else:
                found.append(self._first_line(pod, seen, "listed" if not self.has_listed else "created"))
            self._note_ready(uid, pod)
        found += [removed(pod, seen) for uid, pod in self.known.items() if uid not in current]
        self.known, self.has_listed = current, True
        self.seen_any = self.seen_any or bool(current)
        return found

    def on_change(self, event_type: str, pod: dict, seen) -> list[dict]:
        from kubectl_pods.lifecycle.transitions import pod_transitions, removed
        from kubectl_pods.sources.cluster import object_key

        if not self.wanted(pod):
            return []
        uid = object_key(pod)
        before = self.known.get(uid)
        was_ready = uid in self.ready_seen
        self._note_ready(uid, pod)
        if event_type == "DELETED":
            self.known.pop(uid, None)
            return (pod_transitions(before, pod, self.listed_version, seen, was_ready) if before else []) + [removed(pod, seen)]
        self.known[uid], self.seen_any = pod, True
        if before is None:
            return [self._first_line(pod, seen, "created")]
        return pod_transitions(before, pod, self.listed_version, seen, was_ready)

    def _note_ready(self, uid: str, pod: dict) -> None:
        from kubectl_pods.kube.pods import condition_true

        if condition_true(pod, "Ready"):
            self.ready_seen.add(uid)

    def on_event(self, event: dict, seen) -> list[dict]:
        from kubectl_pods.lifecycle.transitions import kubelet_event

        involved = event.get("involvedObject") or {}
        if involved.get("uid") not in self.known or event.get("reason") in QUIET_EVENT_REASONS:
            return []
        meta = event.get("metadata") or {}
        key = (meta.get("namespace"), meta.get("name"), event.get("count"), event.get("lastTimestamp"))
        if key in self.events_seen:
            return []
        self.events_seen.add(key)
        return [kubelet_event(event, seen)]

    def finished(self) -> bool:
        from kubectl_pods.lifecycle.transitions import settled

        if not self.has_listed or self.until == "never":
            return False
        if not self.known and not self.names:  # none yet: wait for them; all gone: done
            return self.seen_any and self.until == "done"
        return all(settled(pod, self.until) for pod in self.known.values())

    def _first_line(self, pod: dict, seen, kind: str) -> dict:
        from kubectl_pods.explain import explain_pod
        from kubectl_pods.lifecycle.transitions import listed
        from kubectl_pods.sources import PodInput

        blocked = explain_pod(PodInput(pod=pod, source="cluster"), self.listed_version, seen)["blockedBy"]
        line = listed(pod, blocked["reason"] if blocked else None, seen)
        return line if kind == "listed" else {**line, "kind": kind, "message": "pod created; " + line["message"]}


def run(*, names: tuple[str, ...], output: str, until: str, options: KubeOptions,
        contexts: list[str | None]) -> int:
    from kubectl_pods.commands.common import check_output, for_context, open_cluster, resolve_version
    from kubectl_pods.render.watch_lines import WatchWriter
    from kubectl_pods.sources.cluster import check_pod_names
    from kubectl_pods.sources.pod_watch import PodFeed

    check_output(output, ("text", "json"))
    if until not in UNTIL:
        raise UserError(f"invalid --until {until!r}: use one of {', '.join(UNTIL)}")
    if options.filenames:
        raise UserError("--watch follows live pods: it cannot be used with -f")
    check_pod_names(names, options)

    queue: Queue = Queue()
    stop = threading.Event()
    trackers: dict[str | None, Tracker] = {}
    failed = False
    writer = WatchWriter(sys.stdout, output, show_context=len(contexts) > 1,
                         show_namespace=options.all_namespaces)
    for context in contexts:
        try:
            cluster = open_cluster(for_context(options, context))
        except UserError as exc:
            failed = _context_error(context, exc, len(contexts))
            continue
        trackers[cluster.context_name] = Tracker(names, until)
        PodFeed(cluster, cluster.context_name, names, queue, stop,
                lambda c: resolve_version(None, c.options, c)[0]).start()
    try:
        while trackers:
            try:
                context, what, payload = queue.get(timeout=1.0)
            except Empty:
                continue
            tracker = trackers.get(context)
            if tracker is None:
                continue  # a cluster whose error was already reported
            try:
                lines = _handle(tracker, what, payload)
            except UserError as exc:
                failed = _context_error(context, exc, len(contexts))
                del trackers[context]
                continue
            for line in lines:
                writer.write({**line, "context": context})
            if trackers and all(t.finished() for t in trackers.values()):
                break
    finally:
        stop.set()
    return EXIT_ERROR if failed or any(t.invalid for t in trackers.values()) else EXIT_OK


def _handle(tracker: Tracker, what: str, payload) -> list[dict]:
    seen = now_utc()
    if what == "error":
        raise payload
    if what == "note":
        print(f"note: {payload}", file=sys.stderr)
        return []
    if what == "event":
        return tracker.on_event(payload, seen)
    if what == "listed":
        version, pods = payload
        first = not tracker.has_listed
        lines = tracker.on_list(version, _valid(tracker, pods), seen)
        if first and not tracker.known:
            print("note: no pods match yet; watching for them", file=sys.stderr)
        return lines
    event_type, pod = payload
    return tracker.on_change(event_type, pod, seen) if _valid(tracker, [pod]) else []


def _valid(tracker: Tracker, pods: list[dict]) -> list[dict]:
    """The pods the edge accepts; each other one is an error line, and is not followed."""
    from kubectl_pods.sources.shape import InvalidObject, check

    valid = []
    for pod in pods:
        try:
            valid.append(check(pod, "the server"))
        except InvalidObject as exc:
            tracker.invalid += 1
            print(f"error: {exc}", file=sys.stderr)
    return valid


def _context_error(context: str | None, exc: UserError, count: int) -> bool:
    from kubectl_pods.commands.across import error_line

    message = str(exc)
    print(error_line(context, message) if count > 1 and context else f"error: {' '.join(message.split())}",
          file=sys.stderr)
    return True
