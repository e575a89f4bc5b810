"""`--timeline`: one row a container, time left to right.

Live pods are drawn from `startedAt`/`finishedAt` of the current and last states and from the
events, up to now; a recorded pod (a file) up to its last recorded moment. A manifest is drawn as
the predicted order, without times.
"""

from __future__ import annotations

from datetime import datetime

from kubectl_pods.kube.timefmt import human_duration, parse_time
from kubectl_pods.kube.words import counted
from kubectl_pods.report_types import ContainerEntry, Explanation

CHART_WIDTH = 60
RUN = "#"
UNKNOWN = "?"  # runs the API no longer holds: it keeps only a container's current and last state
WARNING = "!"
BREAK = "≈"
BREAK_WIDTH = 2
IDLE_BREAK_MIN_SECONDS = 60


def render_timeline(item: Explanation, now: datetime | None) -> str:
    if item["status"] is None:
        return _predicted(item)
    return _observed(item, now)


def _predicted(item: Explanation) -> str:
    stages = item["startupStages"]
    block = max(8, CHART_WIDTH // (len(stages) + len(item["terminationOrder"]) + 1))  # room for "start 10"
    start_of = {name: i for i, stage in enumerate(stages) for name in stage["containers"]}
    stop_rank = {name: i for i, stage in enumerate(item["terminationOrder"]) for name in stage}
    end = (len(stages) + len(item["terminationOrder"])) * block
    width = max(len(c["name"]) for c in item["containers"])
    lines = [f"Predicted order for {item['name']} (no times: a manifest)", ""]
    for c in item["containers"]:
        if c["name"] not in start_of:
            continue
        first = start_of[c["name"]] * block
        if c["role"] == "init":
            last = first + block - 1
            tail = "exits 0, then the next starts"
        else:
            last = len(stages) * block + stop_rank.get(c["name"], 0) * block + block - 1
            tail = f"stops in step {stop_rank.get(c['name'], 0) + 1}"
        row = " " * first + RUN * (last - first + 1)
        lines.append(f"{c['name']:<{width}}  |{row:<{end}}|  {c['role']}: {tail}")
    axis = "".join(f"{'start ' + str(i + 1):<{block}}" for i in range(len(stages)))
    axis += "".join(f"{'stop ' + str(i + 1):<{block}}" for i in range(len(item["terminationOrder"])))
    lines.append(f"{'':<{width}}   {axis}".rstrip())
    return "\n".join(lines) + "\n"


def _runs(container: ContainerEntry, end: datetime) -> list[tuple[datetime, datetime, str]]:
    runs = []
    for term in (container["lastTermination"], container["state"]):
        if not term:
            continue
        started = parse_time(term.get("startedAt"))
        if started is None or started.year <= 1970:
            continue
        finished = parse_time(term.get("finishedAt")) or max(end, started)
        started, finished = min(started, finished), max(started, finished)  # a record may have them crossed
        label = f"exit {term['exitCode']}" if term.get("exitCode") is not None else "running"
        runs.append((started, finished, label))
    return runs


def recorded_times(item: Explanation) -> list[datetime]:
    """Every moment the pod's record holds: starts, finishes and events."""
    times = []
    for container in item["containers"]:
        for term in (container["lastTermination"], container["state"]):
            if not term:
                continue
            for moment in (parse_time(term.get("startedAt")), parse_time(term.get("finishedAt"))):
                if moment is not None and moment.year > 1970:
                    times.append(moment)
    times += [t for t in (parse_time(e["time"]) for e in item["events"]) if t is not None]
    return times


class Scale:
    """Time to columns, with idle stretches (nothing running, no event) longer than a fifth of
    the span and a minute cut out and drawn as a break, so that a week-old record stays readable."""

    def __init__(self, busy: list[tuple[datetime, datetime]], width: int):
        busy = sorted(busy)
        self.origin, self.until = busy[0][0], max(b for _, b in busy)
        span = (self.until - self.origin).total_seconds()
        merged: list[list[datetime]] = []
        for start, finish in busy:
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], finish)
            else:
                merged.append([start, finish])
        self.breaks = [(a[1], b[0]) for a, b in zip(merged, merged[1:])
                       if (b[0] - a[1]).total_seconds() > max(IDLE_BREAK_MIN_SECONDS, span / 5)]
        self.shown = max(span - sum((b - a).total_seconds() for a, b in self.breaks), 1.0)
        self.width = width - (BREAK_WIDTH + 1) * len(self.breaks)

    def column(self, moment: datetime) -> int:
        cut, before = 0.0, 0
        for start, finish in self.breaks:
            if moment >= finish:
                cut += (finish - start).total_seconds()
                before += 1
            elif moment > start:
                moment = start  # inside an idle stretch: where it begins
                break
        seconds = (moment - self.origin).total_seconds() - cut
        return min(self.width - 1, int(seconds / self.shown * (self.width - 1))) + before * (BREAK_WIDTH + 1)

    def break_columns(self) -> list[int]:
        return [self.column(start) + 1 + i for start, _ in self.breaks for i in range(BREAK_WIDTH)]


def _observed(item: Explanation, now: datetime | None) -> str:
    recorded = recorded_times(item)
    # A live pod runs until now; a record (a file, a support bundle) ends at its last moment.
    end = now or (max(recorded) if recorded else None)
    runs = {c["name"]: _runs(c, end) for c in item["containers"]} if end else {}
    events = [(moment, e) for e in item["events"] if (moment := parse_time(e["time"])) is not None]
    busy = [r[:2] for rs in runs.values() for r in rs] + [(t, t) for t, _ in events]
    if not busy:
        return f"{item['name']}: no start or finish times recorded yet\n"
    # Earlier runs than the API holds happened between the first moment on record and the first
    # run shown: that stretch is theirs, not idle time (and never cut out as idle).
    unseen = {c["name"]: _unseen_runs(c, runs.get(c["name"], [])) for c in item["containers"]}
    first = min(start for start, _ in busy)
    before = {name: (first, min(r[0] for r in runs[name])) for name, count in unseen.items() if count}
    scale = Scale(busy + list(before.values()), CHART_WIDTH)
    span = (scale.until - scale.origin).total_seconds()
    width = max(len(c["name"]) for c in item["containers"])
    lines = [f"Timeline of {item['name']}: {scale.origin.isoformat()} → {scale.until.isoformat()} "
             f"({span:.0f}s; one column: {scale.shown / scale.width:.2g}s)", ""]
    cuts = scale.break_columns()
    for c in item["containers"]:
        row = [" "] * CHART_WIDTH
        notes = []
        if c["name"] in before:
            start, end = before[c["name"]]
            for col in range(scale.column(start), scale.column(end)):
                row[col] = UNKNOWN
        for started, finished, label in runs.get(c["name"], []):
            for col in range(scale.column(started), scale.column(finished) + 1):
                row[col] = RUN
            notes.append(label)
        for moment, event in events:
            if event["container"] == c["name"] and event["type"] == "Warning":
                col = scale.column(moment)
                row[col] = WARNING if row[col] != RUN else row[col]
        for col in cuts:
            row[col] = BREAK
        restarts = f", {counted(c['restartCount'], 'restart')}" if c["restartCount"] else ""
        earlier = (f"; {counted(unseen[c['name']], 'earlier run')} the API no longer holds"
                   if unseen[c["name"]] else "")
        lines.append(f"{c['name']:<{width}}  |{''.join(row)}|  {c['role']}{restarts}"
                     + (f"; runs shown: {', '.join(notes)}" if notes else "") + earlier)
    lines.append(f"{'':<{width}}   {'0s':<{CHART_WIDTH - 6}}{span:>5.0f}s")
    lines.append(_legend("".join(lines[2:]), scale))
    return "\n".join(lines) + "\n"


def _unseen_runs(container: ContainerEntry, shown: list) -> int:
    """Runs that happened but are not in the status: a container has run restartCount + 1 times
    once it has run at all, and the kubelet reports only its current and last state."""
    return max(0, container["restartCount"] + 1 - len(shown)) if shown else 0


def _legend(chart: str, scale: "Scale") -> str:
    """What each mark drawn means, for the marks drawn."""
    said = [f"{RUN} running"]
    if UNKNOWN in chart:
        said.append(f"{UNKNOWN} earlier runs the API no longer holds (it keeps a container's last two)")
    if WARNING in chart:
        said.append(f"{WARNING} a Warning event about the container")
    said += [f"{BREAK} {human_duration((b - a).total_seconds())} with nothing running, cut out" for a, b in scale.breaks]
    return "Legend: " + "; ".join(said)
