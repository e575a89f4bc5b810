"""What an exit code and a terminated or waiting reason mean (docs/lifecycle.md §6)."""

from __future__ import annotations

import signal as _signal

SIGNAL_NAMES = {s.value: s.name for s in _signal.Signals if s.name.startswith("SIG") and not s.name.startswith("SIGRT")}

TERMINATED_REASONS = {
    "Completed": "exited 0",
    "Error": "exited non-zero",
    "OOMKilled": "killed by the kernel for exceeding its memory limit",
    "StartError": "the process could not be started (bad command, missing binary or mount)",
    "ContainerStatusUnknown": "the kubelet lost track of a container it had seen running",
    "ContainerCannotRun": "the retired Docker runtime could not run it",
    "DeadlineExceeded": "the pod's activeDeadlineSeconds ran out",
}

# ContainerCreating and PodInitializing are the kubelet's default for a container not created yet,
# PodInitializing for every container of a pod with init containers, the first one included
# (`kubelet_pods.go` convertToAPIContainerStatuses, defaultWaitingState): neither names a cause.
WAITING_REASONS = {
    "ContainerCreating": "not created yet (volumes, the sandbox and the image pull come first)",
    "PodInitializing": "not created yet (a pod with init containers says this of every container, the "
                       "first one too: volumes and the sandbox come first, then each waits for those before it)",
    "CrashLoopBackOff": "waiting out the crash-loop back-off before the next restart",
    "ErrImagePull": "the image pull failed",
    "ImagePullBackOff": "waiting before trying the image pull again",
    "InvalidImageName": "the image name cannot be parsed",
    "ErrImageNeverPull": "the image is not on the node and imagePullPolicy is Never",
    "ImageInspectError": "the runtime could not inspect the image",
    "CreateContainerConfigError": "a referenced ConfigMap, Secret or key is missing, or the config is invalid",
    "CreateContainerError": "the runtime could not create the container",
    "PreCreateHookError": "a kubelet resource manager refused the container (not a user hook)",
    "PreStartHookError": "a kubelet resource manager failed before start (not a user hook)",
    "PostStartHookError": "its postStart hook failed, so the kubelet killed it",
    "RunContainerError": "the runtime could not start the process",
}

NOT_CREATED = ("ContainerCreating", "PodInitializing")
STUCK_WAITING_REASONS = set(WAITING_REASONS) - set(NOT_CREATED)


def signal_of(exit_code: int | None, signal: int | None = None) -> int | None:
    """The signal a process died of: the status's own `signal`, else exit code 128 + N."""
    if signal:
        return signal
    if exit_code is not None and 128 < exit_code < 128 + 65:
        return exit_code - 128
    return None


def signal_name(number: int | None) -> str | None:
    return SIGNAL_NAMES.get(number) if number else None


def meaning(exit_code: int | None, reason: str | None, signal: int | None = None) -> str:
    """One sentence: why the container ended."""
    if reason == "OOMKilled":
        return "OOMKilled: " + TERMINATED_REASONS["OOMKilled"] + f" (exit {exit_code})"
    if reason == "StartError":
        return f"StartError: {TERMINATED_REASONS['StartError']} (exit {exit_code})"
    if reason in ("ContainerStatusUnknown", "ContainerCannotRun", "DeadlineExceeded"):
        return f"{reason}: {TERMINATED_REASONS[reason]}"
    number = signal_of(exit_code, signal)
    if exit_code == 0:
        return "exited 0 (success)"
    if number == 9:
        # Who sent it is in the events and the pod (lifecycle/kills.py), not in the code.
        return ("killed by SIGKILL (exit 137): by the kubelet if a stop it asked for outlasted the grace "
                "period, else by something else; not an OOM kill, the reason would say OOMKilled")
    if number == 15:
        return "died of SIGTERM (exit 143): it was stopped (pod deletion, probe failure or eviction)"
    if number:
        return f"died of signal {number} ({signal_name(number) or 'unknown'}), exit {exit_code}"
    if exit_code == 128:
        return "exit 128: the runtime could not start the process"
    return f"exited {exit_code} (an error reported by the program itself)"
