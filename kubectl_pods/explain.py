"""Builds the Explanation of one pod from the rules in `lifecycle/` (no I/O, no printing)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from datetime import datetime

from kubectl_pods.errors import UserError
from kubectl_pods.injectors import injected_by, recognise
from kubectl_pods.injectors.hazards import injection_report
from kubectl_pods.kube import versions
from kubectl_pods.kube.pods import SIDECAR, containers, state_of, statuses_by_name
from kubectl_pods.lifecycle import backoff
from kubectl_pods.lifecycle.deletion import deletion
from kubectl_pods.lifecycle.events import event_row
from kubectl_pods.lifecycle.kills import StopCause, stopped_by
from kubectl_pods.lifecycle.progress import backoff_of, blocked_by, container_state, termination_info
from kubectl_pods.lifecycle.scheduling import NODE_MISSING, node_report
from kubectl_pods.lifecycle.restarts import restart_rule, runs_or_will_run
from kubectl_pods.lifecycle.startup import startup_stages
from kubectl_pods.lifecycle.status_column import status_columns
from kubectl_pods.lifecycle.termination import termination
from kubectl_pods.lifecycle.warnings import name_the_manifest, shape_warnings
from kubectl_pods.lifecycle.what_if import what_if
from kubectl_pods.report_types import Backoff, ContainerEntry, Explanation
from kubectl_pods.sources import PodInput

JOB_KINDS = ("Job", "CronJob")
TERMINAL_PHASES = ("Succeeded", "Failed")


def parse_what_if(text: str) -> tuple[str, int]:
    """`CONTAINER=exit:CODE` -> (container, code)."""
    name, _, action = text.partition("=")
    kind, _, code = action.partition(":")
    if not name or kind != "exit" or not code.lstrip("-").isdigit():
        raise UserError(f"invalid --what-if {text!r}: use CONTAINER=exit:CODE, e.g. app=exit:1")
    return name, int(code)


def explain_pod(item: PodInput, version: tuple[int, int], now: datetime | None,
                what_ifs: Sequence[tuple[str, int]] = (), events: list[dict] | None = None,
                node: dict | str | None = None) -> Explanation:
    """`events`: the pod's events (None: not read); `node`: its Node as read, `NODE_MISSING`
    (lifecycle/scheduling.py) when there is none, None when it was not read."""
    pod = item.pod
    live = bool(pod.get("status")) and not item.is_template
    refs = containers(pod, sidecars_supported=live or versions.native_sidecars(version))
    statuses = statuses_by_name(pod) if live else {}
    rules = {ref.name: restart_rule(ref, pod, version) for ref in refs}
    columns = status_columns(pod) if live else None
    rows = sorted((event_row(event) for event in events), key=lambda r: r["lastTime"] or "") \
        if events is not None else None
    # A terminal pod restarts nothing (kubelet.go SyncPod returns at once for Succeeded/Failed),
    # nor does one being deleted (container/helpers.go ShouldContainerBeRestarted).
    meta = pod.get("metadata") or {}
    finishing = live and ((pod.get("status") or {}).get("phase") in TERMINAL_PHASES or bool(meta.get("deletionTimestamp")))
    injections = recognise(pod, item.outer_metadata)
    injected = injected_by(injections)

    will_restart: dict[str, bool] = {}
    backoffs: dict[str, Backoff | None] = {}
    entries: list[ContainerEntry] = []
    stops: dict[str, StopCause | None] = {}
    for ref in refs:
        status = statuses.get(ref.name)
        will_restart[ref.name] = runs_or_will_run(rules[ref.name], status) and not (
            finishing and state_of(status)[0] != "running")
        backoffs[ref.name] = backoff_of(status, will_restart[ref.name] and ref.role != "ephemeral", now)
        kind, details = state_of(status)
        last = ((status or {}).get("lastState") or {}).get("terminated")
        now_stop = stopped_by(ref, details, pod, rows) if live and kind == "terminated" else None
        last_stop = stopped_by(ref, last, pod, rows) if live and last else None
        stops[ref.name] = now_stop or last_stop
        entries.append({
            "name": ref.name, "role": ref.role, "index": ref.index, "image": ref.spec.get("image"),
            "injectedBy": injected.get(ref.name),
            "restartPolicy": rules[ref.name].policy, "restartRule": rules[ref.name].describe(),
            "state": container_state(status, now_stop),
            "ready": bool(status and status.get("ready")),
            "started": bool(status and status.get("started")),
            "restartCount": (status or {}).get("restartCount") or 0,
            "lastTermination": termination_info(last, last_stop),
            "backoff": backoffs[ref.name],
            "probes": [p for p in ("startupProbe", "readinessProbe", "livenessProbe") if ref.spec.get(p)],
            "hooks": sorted((ref.spec.get("lifecycle") or {}).keys()),
        })

    alive = {ref.name for ref in refs if _alive(statuses.get(ref.name), will_restart[ref.name])} if live else None
    stop = termination(refs, pod, alive, version)
    stages = startup_stages(refs)
    is_job = bool(item.template_of and item.template_of.get("kind") in JOB_KINDS) or any(
        o.get("kind") == "Job" for o in (pod.get("metadata") or {}).get("ownerReferences") or [])

    known = {ref.name for ref in refs}
    for name, _ in what_ifs:
        if name not in known:
            raise UserError(f"--what-if: pod {item.name} has no container {name!r} "
                            f"(it has {', '.join(sorted(known))})")
    injector_warnings, injectors = injection_report(pod, injections, version, is_job, not live)
    return {
        "name": item.name,
        "namespace": meta.get("namespace"),
        "source": item.source,
        "templateOf": item.template_of,
        "k8sVersion": versions.format_version(version),
        "phase": (pod.get("status") or {}).get("phase") if live else None,
        "status": columns.status if columns else None,
        "ready": columns.ready if columns else f"0/{sum(1 for r in refs if r.role in ('app', SIDECAR))}",
        "restarts": columns.restarts if columns else 0,
        "lastRestart": columns.last_restart.isoformat().replace("+00:00", "Z") if columns and columns.last_restart else None,
        "restartsText": columns.restarts_text(now) if columns else "0",
        "ip": columns.ip if columns else None,
        "node": columns.node if columns else None,
        "restartPolicy": (pod.get("spec") or {}).get("restartPolicy") or "Always",
        "startupOrder": [list(stage.containers) for stage in stages],
        "startupStages": [{"containers": list(s.containers), "role": s.role, "gate": s.gate, "weak": s.weak}
                          for s in stages],
        "terminationOrder": stop.order,
        "termination": {"gracePeriodSeconds": stop.grace_seconds, "notes": stop.notes},
        # No back-off where nothing can restart (every policy in force Never, no restart rules).
        "backoffSchedule": list(backoff.SCHEDULE[:7]) if any(r.policy != "Never" or r.rules for r in rules.values())
        else [],
        "containers": entries,
        "blockedBy": blocked_by(pod, refs, statuses, backoffs, will_restart, rows, node, now, stops) if live else None,
        "deletion": deletion(pod, refs, statuses, now, rows, node == NODE_MISSING) if live else None,
        "nodeStatus": node_report(pod, node) if live else None,
        "injectors": injectors,
        "warnings": name_the_manifest(shape_warnings(pod, refs, version, is_job, not live, injected),
                                      None if live else item.source) + injector_warnings,
        "whatIf": [what_if(pod, refs, statuses, rules, name, code) for name, code in what_ifs],
        "events": rows or [],
    }


def _alive(status: dict | None, will_restart: bool) -> bool:
    """Running, or between restarts: what a delete would have to stop."""
    kind, details = state_of(status)
    if kind == "running":
        return True
    return kind == "waiting" and details.get("reason") not in ("PodInitializing", None) and will_restart


def group_key(explanation: Explanation) -> str:
    """Pods with the same containers, status and problem share a key (for the summary)."""
    shape = [(c["name"], c["role"], c["image"]) for c in explanation["containers"]]
    blocked = explanation["blockedBy"]
    problem = re.sub(r"\d+", "N", blocked["reason"]) if blocked else None
    data = json.dumps([shape, explanation["status"], problem,
                       sorted(w["code"] for w in explanation["warnings"])])
    return hashlib.sha1(data.encode()).hexdigest()[:12]
