"""What the kubelet does next if one container exits now with a given code (§1, §2, §4, §5)."""

from __future__ import annotations

from typing import Literal

from kubectl_pods.kube.pods import APP, EPHEMERAL, INIT, SIDECAR, ContainerRef, state_of
from kubectl_pods.lifecycle import backoff
from kubectl_pods.lifecycle.exit_codes import meaning
from kubectl_pods.lifecycle.restarts import NO_RESTART, RESTART_ALL, RestartRule, decide, runs_or_will_run
from kubectl_pods.report_types import WhatIfResult


def what_if(pod: dict, refs: list[ContainerRef], statuses: dict[str, dict],
            rules: dict[str, RestartRule], name: str, exit_code: int) -> WhatIfResult:
    ref = next(r for r in refs if r.name == name)
    rule = rules[name]
    restart_count = (statuses.get(name) or {}).get("restartCount") or 0
    delay = backoff.nominal_delay(restart_count)
    after = (f"after {delay}s of back-off (restartCount {restart_count})" if delay else
             "at once (restartCount 0: the first restart has no back-off)")
    shown = "Completed" if exit_code == 0 else "Error"
    result: WhatIfResult = {"container": name, "role": ref.role, "exitCode": exit_code,
              "meaning": meaning(exit_code, "Completed" if exit_code == 0 else None),
              "action": "none", "delaySeconds": None, "podPhase": None, "steps": []}
    steps = result["steps"]

    if (pod.get("metadata") or {}).get("deletionTimestamp"):
        steps.append("the pod is terminating: nothing is restarted")
        return result
    if ref.role == EPHEMERAL:
        steps.append("ephemeral containers are never restarted; the pod is not affected")
        return result
    decision = decide(rule, exit_code)
    if decision == RESTART_ALL:
        result["action"] = "restart-pod-in-place"
        result["delaySeconds"] = 0
        steps.append("a RestartAllContainers rule matches: every container is killed without its "
                     "preStop and removed; sandbox, IP and volumes are kept; the init containers run "
                     "again, then sidecars and apps; every restart count goes up by one")
        return result

    apps = [r for r in refs if r.role == APP]
    sidecars = [r for r in refs if r.role == SIDECAR]
    if ref.role == SIDECAR:
        others_running = any(runs_or_will_run(rules[a.name], statuses.get(a.name)) for a in apps)
        if others_running:
            result["action"] = "restart"
            result["delaySeconds"] = delay
            steps.append(f"sidecar `{name}` is restarted whatever the pod's restartPolicy, {after}; "
                         f"the restart comes at the next sync, up to ~{backoff.RESYNC_WAIT_SECONDS}s later")
            steps.append("the app containers are not affected; the pod's phase does not change")
        else:
            steps.append("no app container is running or due to restart: the pod is completing, "
                         "so the sidecar is not restarted and its exit code does not decide the phase")
        return result

    if ref.role == INIT:
        if exit_code == 0:
            later = [r.name for r in refs if r.role in (INIT, SIDECAR) and r.index > ref.index]
            steps.append(f"`{name}` succeeded: {'`' + later[0] + '` starts' if later else 'the app containers start'} "
                         "at the next sync (about 1 s)")
            return result
        if decision == NO_RESTART:
            result["podPhase"] = "Failed"
            steps.append(f"`{name}` is not retried ({rule.source}): the kubelet kills the pod, "
                         "sidecars included; the phase becomes Failed and STATUS Init:Error; later "
                         "init containers and the apps never start")
            return result
        result["action"] = "restart"
        result["delaySeconds"] = delay
        steps.append(f"`{name}` is retried {after}; "
                     f"STATUS shows Init:{shown}, then Init:CrashLoopBackOff; nothing after it starts")
        return result

    if decision != NO_RESTART:
        result["action"] = "restart"
        result["delaySeconds"] = delay
        steps.append(f"`{name}` is restarted {after}, by {rule.describe()}; "
                     f"RESTARTS goes up by one, STATUS shows {shown}, then CrashLoopBackOff while it waits")
        return result
    steps.append(f"`{name}` is not restarted ({rule.describe()})")
    others = [a for a in apps if a.name != name and runs_or_will_run(rules[a.name], statuses.get(a.name))]
    if others:
        steps.append(f"the pod keeps running while {', '.join(f'`{a.name}`' for a in others)} "
                     "run; it completes when they are done")
        return result
    failed_before = any((state_of(statuses.get(a.name))[1].get("exitCode") or 0) != 0
                        for a in apps if a.name != name and statuses.get(a.name))
    phase: Literal["Succeeded", "Failed"] = "Succeeded" if exit_code == 0 and not failed_before else "Failed"
    result["podPhase"] = phase
    steps.append(f"no app container is left running: the pod completes, phase {phase}")
    if sidecars:
        order = ", then ".join(f"`{s.name}`" for s in reversed(sidecars))
        steps.append(f"the kubelet stops the sidecars in reverse order ({order}) about 1 s later; "
                     "their exit codes (143 included) do not change the phase")
    return result
