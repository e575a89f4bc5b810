"""The explanation as text: a detailed view of one pod, or one summary line per group of pods."""

from __future__ import annotations

import textwrap

from kubectl_pods.kube.words import counted
from kubectl_pods.lifecycle.backoff import RESYNC_WAIT_SECONDS
from kubectl_pods.lifecycle.deletion import deleting_text
from kubectl_pods.lifecycle.events import repeat_text
from kubectl_pods.render.table import table
from kubectl_pods.report_types import ContainerEntry, EventRow, Explanation

WIDTH = 100


def _wrap(text: str, indent: str = "  ", hanging: str = "    ") -> str:
    # Names like configmap "does-not-exist" are where a cause is: never split inside one.
    return textwrap.fill(text, WIDTH, initial_indent=indent, subsequent_indent=hanging,
                         break_on_hyphens=False, break_long_words=False)


def _state_text(container: ContainerEntry) -> str:
    state = container["state"]
    if state is None:
        return "-"
    if state["state"] == "terminated":
        return f"terminated: {state.get('reason') or 'no reason'} ({state.get('exitCode')})"
    if state["state"] == "waiting":
        return f"waiting: {state.get('reason') or 'no reason'}"
    if state["state"] == "running":
        started = "" if container["role"] != "sidecar" else (", started" if container["started"] else ", not started")
        return f"running{started}"
    return "unknown"


def render_detail(item: Explanation) -> str:
    out = []
    where = f" (namespace {item['namespace']})" if item.get("namespace") else ""
    owner = item["templateOf"]
    origin = f" · template of {owner['kind']} {owner['name']}" if owner else ""
    out.append(f"Pod {item['name']}{where}{origin} · Kubernetes {item['k8sVersion']} · "
               f"restartPolicy {item['restartPolicy']}")
    if item["status"] is not None:
        out.append(f"STATUS {item['status']}   READY {item['ready']}   RESTARTS {item['restartsText']}"
                   f"   PHASE {item['phase']}")
    else:
        out.append(f"A manifest, not a live pod: what the kubelet will do with it. READY will count "
                   f"{counted(int(item['ready'].split('/')[1]), 'container')} (apps and sidecars).")
    if item["blockedBy"]:
        out += ["", _wrap(f"Blocked: {item['blockedBy']['reason']}", "", "  ")]
    node = item.get("nodeStatus")
    ready = node["ready"] if node else None
    if node and not item["blockedBy"] and (not node["exists"] or (ready and ready["status"] != "True")):
        said = "does not exist" if not node["exists"] else (
            f"is not Ready (Ready={ready['status'] if ready else None}: "
            + " ".join(part for part in (ready["reason"] if ready else None, ready["message"] if ready else None) if part)
            + ")")
        out += ["", _wrap(f"Node: `{node['name']}` {said}", "", "  ")]

    deleting = item.get("deletion")
    if deleting:
        # A pod being deleted starts nothing more: what it waits for replaces the startup plan.
        out += ["", _wrap(f"Deleting: {deleting_text(deleting)}", "", "  ")]
    else:
        out += ["", "Startup order"]
        for number, stage in enumerate(item["startupStages"], 1):
            names = ", ".join(stage["containers"])
            out.append(_wrap(f"{number}. {stage['role']:<8} {names} — next waits until {stage['gate']}"
                             if number < len(item["startupStages"]) else
                             f"{number}. {stage['role']:<8} {names} — {stage['gate']}", "  ", "       "))

    out += ["", "Containers"]
    if item["status"] is None:
        rows = [[c["name"], c["role"], c["image"] or "-", c["restartPolicy"],
                 ", ".join(c["probes"] + c["hooks"]) or "-"] for c in item["containers"]]
        out.append(table(["NAME", "ROLE", "IMAGE", "RESTART POLICY", "PROBES AND HOOKS"], rows, "  "))
    else:
        rows = [[c["name"], c["role"], _state_text(c), "yes" if c["ready"] else "no",
                 str(c["restartCount"]), c["restartPolicy"]] for c in item["containers"]]
        out.append(table(["NAME", "ROLE", "STATE", "READY", "RESTARTS", "RESTART POLICY"], rows, "  "))
    for c in item["containers"]:
        details = []
        state = c["state"]
        if state and state.get("meaning"):
            details.append(f"now: {state['meaning']}" + (f" — {state['message']}" if state.get("message") else ""))
        if c["lastTermination"]:
            last = c["lastTermination"]
            details.append(f"last run: {last['meaning']}" + (f", finished {last['finishedAt']}" if last.get("finishedAt") else ""))
        if c["backoff"]:
            b = c["backoff"]
            if b["nextRestartInSeconds"] == 0:
                when = "next restart due now"
            elif b["nextRestartInSeconds"] is not None:
                when = f"next restart in ~{b['nextRestartInSeconds']}s"
            else:
                when = f"next restart {b['delaySeconds']}s after the exit"
            details.append(f"back-off step {b['step']}: {b['delaySeconds']}s; {when} (at the first sync "
                           f"after {b['nextRestartAt']}, up to ~{RESYNC_WAIT_SECONDS}s later)")
        for line in details:
            out.append(_wrap(f"{c['name']}: {line}", "    ", "      "))

    for injection in item.get("injectors") or []:
        version = f" {injection['version']}" if injection["version"] else ""
        mode = f"{injection['mode']} mode" if injection["mode"] else "none of its containers left"
        out += ["", _wrap(f"Injected by {injection['name']}{version} ({mode}; recognised by its "
                          f"{injection['marker']}): {', '.join(injection['containers']) or 'no container'}", "", "  ")]
        for note in injection["notes"]:
            out.append(_wrap(f"- {note}", "  ", "    "))

    out += ["", "Restarts"]
    for c in item["containers"]:
        out.append(_wrap(f"{c['name']}: {c['restartRule']}", "  ", "    "))
    schedule = ", ".join(f"{s}s" for s in item["backoffSchedule"])
    if schedule:  # none when nothing can restart
        out.append(_wrap(f"Back-off after each exit, counted from finishedAt: {schedule} (capped at 300s; "
                         "reset after a run of 10 minutes). The restart comes at the next pod sync, up to "
                         f"~{RESYNC_WAIT_SECONDS}s later. A node may set a shorter maximum "
                         "(KubeletCrashLoopBackOffMax, on by default from 1.35).", "  ", "    "))

    out += ["", f"Termination order (grace period {item['termination']['gracePeriodSeconds']}s)"]
    for number, group in enumerate(item["terminationOrder"], 1):
        out.append(f"  {number}. {', '.join(group)}")
    if not item["terminationOrder"]:
        out.append("  nothing is running")
    for note in item["termination"]["notes"]:
        out.append(_wrap(f"- {note}", "  ", "    "))

    if item["warnings"]:
        out += ["", "Warnings"]
        for warning in item["warnings"]:
            out.append(_wrap(f"[{warning['code']}] {warning['message']}", "  ", "    "))
            if warning.get("fix"):
                out.append(_wrap(f"fix: {warning['fix']}", "    ", "      "))
    for result in item["whatIf"]:
        out += ["", f"What if `{result['container']}` exits {result['exitCode']} now ({result['meaning']})"]
        for step in result["steps"]:
            out.append(_wrap(f"- {step}", "  ", "    "))
    if item["events"]:
        shown = item["events"][-10:]
        out += ["", f"Events (latest {len(shown)} of {len(item['events'])}, each with its message whole)"
                if len(shown) < len(item["events"]) else "Events"]
        for event in shown:
            out.append(_wrap(_event_text(event), "  ", "      "))
    return "\n".join(out) + "\n"


def _event_text(event: EventRow) -> str:
    """`TIME Warning FailedMount [setup] x9 over 75s: message`, the message whole (wrapped)."""
    container = f" [{event['container']}]" if event.get("container") else ""
    repeat = repeat_text(event)
    message = " ".join((event.get("message") or "").split())
    return (f"{event.get('time') or '-'}  {event.get('type') or '-'} {event.get('reason') or '-'}{container}"
            f"{' ' + repeat if repeat else ''}: {message}")


def render_summary(count: int, groups: list, show_namespace: bool) -> str:
    """One row a group of alike pods: each group given as [its first pod, how many]."""
    rows = []
    for first, members in groups:
        name = first["name"] if members == 1 else f"{first['name']} (+{members - 1} like it)"
        note = first["blockedBy"]["reason"] if first["blockedBy"] else (
            ", ".join(sorted({w["code"] for w in first["warnings"]})) or "-")
        row = [name, first["status"] or "manifest", first["ready"], first["restartsText"], note]
        rows.append(([first["namespace"] or ""] if show_namespace else []) + row)
    headers = (["NAMESPACE"] if show_namespace else []) + ["NAME", "STATUS", "READY", "RESTARTS", "BLOCKED BY / WARNINGS"]
    # Groups are worth counting only when some hold several pods.
    grouped = "" if len(groups) == count else f" in {counted(len(groups), 'group')}"
    footer = f"\n{counted(count, 'pod')}{grouped}; details: -o wide or name a pod\n"
    return table(headers, rows) + footer
