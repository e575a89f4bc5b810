"""Who restarts which container, when (docs/lifecycle.md §2 and §4).

`ShouldContainerBeRestarted` (pkg/kubelet/container/helpers.go) and, from 1.35,
`ContainerShouldRestart` (pkg/api/v1/pod/util.go) for container-level rules.
"""

from __future__ import annotations

from dataclasses import dataclass

from kubectl_pods.kube import versions
from kubectl_pods.kube.pods import EPHEMERAL, INIT, SIDECAR, ContainerRef, state_of

RESTART, RESTART_ALL, NO_RESTART = "Restart", "RestartAllContainers", "NoRestart"


@dataclass(frozen=True)
class RestartRule:
    policy: str                 # the restartPolicy in effect: Always | OnFailure | Never
    rules: tuple[dict, ...]     # restartPolicyRules in effect, in order
    source: str                 # where the policy comes from, in words

    def describe(self) -> str:
        text = f"{self.policy} ({self.source})"
        if self.rules:
            text += "; first matching rule wins: " + "; ".join(describe_rule(r) for r in self.rules)
        return text


def describe_rule(rule: dict) -> str:
    codes = rule.get("exitCodes") or {}
    operator = "in" if codes.get("operator") == "In" else "not in"
    return f"{rule.get('action')} if exit code {operator} {codes.get('values') or []}"


def pod_restart_policy(pod: dict) -> str:
    return (pod.get("spec") or {}).get("restartPolicy") or "Always"


def restart_rule(ref: ContainerRef, pod: dict, version: tuple[int, int]) -> RestartRule:
    pod_policy = pod_restart_policy(pod)
    own = ref.spec.get("restartPolicy")
    rules_allowed = versions.container_restart_rules(version)
    rules = tuple(ref.spec.get("restartPolicyRules") or []) if rules_allowed and own else ()
    if ref.role == EPHEMERAL:
        return RestartRule("Never", (), "ephemeral containers are never restarted")
    if ref.role == SIDECAR:
        return RestartRule("Always", rules if versions.restart_all_containers(version) else (),
                           "native sidecar: restarted whenever it exits, whatever the pod's "
                           "restartPolicy, except while the pod terminates or completes")
    if own in ("OnFailure", "Never", "Always") and rules_allowed and not (ref.role == INIT and own == "Always"):
        return RestartRule(own, rules, "the container's own restartPolicy (1.35+), overriding the pod's")
    if ref.role == INIT:
        policy = "Never" if pod_policy == "Never" else "OnFailure"
        source = ("pod restartPolicy Never: a failed init container fails the pod" if policy == "Never"
                  else f"pod restartPolicy {pod_policy}: init containers are retried until they exit 0")
        return RestartRule(policy, (), source)
    return RestartRule(pod_policy, (), f"pod restartPolicy {pod_policy}")


def runs_or_will_run(rule: RestartRule, status: dict | None) -> bool:
    """Whether a container is running, not created yet, or will be restarted after its exit."""
    kind, details = state_of(status)
    return kind != "terminated" or decide(rule, details.get("exitCode") or 0) != NO_RESTART


def decide(rule: RestartRule, exit_code: int) -> str:
    """Restart, RestartAllContainers or NoRestart for a container that exited with `exit_code`."""
    for entry in rule.rules:
        codes = entry.get("exitCodes") or {}
        values = set(codes.get("values") or [])
        matched = exit_code in values if codes.get("operator") == "In" else exit_code not in values
        if matched:
            return RESTART_ALL if entry.get("action") == RESTART_ALL else RESTART
    if rule.policy == "Always" or (rule.policy == "OnFailure" and exit_code != 0):
        return RESTART
    return NO_RESTART

