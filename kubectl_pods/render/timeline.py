"""`--timeline`: one row a container, time left to right.

Live pods are drawn from `startedAt`/`finishedAt` of the current and last states and from the
events; a manifest is drawn as the predicted order, without times.
"""

from __future__ import annotations

from datetime import datetime

from kubectl_pods.kube.timefmt import parse_time

CHART_WIDTH = 60
RUN = "#"


def render_timeline(item: dict, now: datetime | None) -> str:
    if item["status"] is None:
        return _predicted(item)
    return _observed(item, now)


def _predicted(item: dict) -> str:
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


def _runs(container: dict, now: datetime | None) -> list[tuple[datetime, datetime, str]]:
    runs = []
    for term in (container.get("lastTermination"), container.get("state")):
        if not term:
            continue
        started = parse_time(term.get("startedAt"))
        if started is None or started.year <= 1970:
            continue
        finished = parse_time(term.get("finishedAt")) or now
        if finished is None:
            continue
        label = f"exit {term['exitCode']}" if term.get("exitCode") is not None else "running"
        runs.append((started, finished, label))
    return runs


def _observed(item: dict, now: datetime | None) -> str:
    runs = {c["name"]: _runs(c, now) for c in item["containers"]}
    times = [t for rs in runs.values() for r in rs for t in r[:2]]
    times += [parse_time(e["time"]) for e in item["events"] if parse_time(e["time"])]
    if not times:
        return f"{item['name']}: no start or finish times recorded yet\n"
    origin, until = min(times), max(times)
    span = max((until - origin).total_seconds(), 1.0)

    def column(moment: datetime) -> int:
        return min(CHART_WIDTH - 1, int((moment - origin).total_seconds() / span * (CHART_WIDTH - 1)))

    width = max(len(c["name"]) for c in item["containers"])
    lines = [f"Timeline of {item['name']}: {origin.isoformat()} → {until.isoformat()} "
             f"({span:.0f}s, one column ≈ {span / CHART_WIDTH:.1f}s; {RUN} running)", ""]
    for c in item["containers"]:
        row = [" "] * CHART_WIDTH
        notes = []
        for started, finished, label in runs[c["name"]]:
            for col in range(column(started), column(finished) + 1):
                row[col] = RUN
            notes.append(label)
        for event in item["events"]:
            if event["container"] == c["name"] and event["type"] == "Warning" and parse_time(event["time"]):
                col = column(parse_time(event["time"]))
                row[col] = "!" if row[col] != RUN else row[col]
        restarts = f", {c['restartCount']} restarts" if c["restartCount"] else ""
        lines.append(f"{c['name']:<{width}}  |{''.join(row)}|  {c['role']}{restarts}"
                     + (f"; runs shown: {', '.join(notes)}" if notes else ""))
    lines.append(f"{'':<{width}}   {'0s':<{CHART_WIDTH - 6}}{span:>5.0f}s")
    return "\n".join(lines) + "\n"
