"""The reports as typed data: what `explain -o json` and `diff -o json` print, field by field.

The analysis builds these, the renderers read them; mypy holds both to the same names, and
tests/test_report_types.py holds these types and docs/explain-schema.json, docs/diff-schema.json
to each other. A field added to a report is added here, then to its schema.

No `from __future__ import annotations` here: TypedDict reads `NotRequired` only from evaluated
annotations (Python 3.11), so the tests would see every key as required.
"""

from typing import Any, Literal, NotRequired, TypedDict

from kubectl_pods.kube.pods import Role, StateKind


class Unavailable(TypedDict):
    """What this account could not read (events, the version); the answer was given without it."""

    what: str
    namespace: str | None
    reason: str
    context: NotRequired[str]  # its cluster, in a run over many


class ClusterError(TypedDict):
    """A cluster that could not be read, or a pod of it that is not a pod, in a run over many."""

    context: str
    error: str


# -- explain --------------------------------------------------------------------------------------
# Who ended a run (lifecycle/kills.py); None: nothing shows anyone asked it to stop.
StoppedBy = Literal["startup probe", "liveness probe", "postStart hook", "spec change", "deletion", "eviction",
                    "completion", "the kubelet", "out of memory"]


class TerminationInfo(TypedDict):
    exitCode: int | None
    signal: str | None
    reason: str | None
    meaning: str
    stoppedBy: StoppedBy | None
    message: str | None
    startedAt: str | None
    finishedAt: str | None


class ContainerState(TypedDict):
    """The kubelet's current state of a container; a terminated one carries its TerminationInfo."""

    state: StateKind
    reason: str | None
    message: str | None
    meaning: NotRequired[str]
    startedAt: NotRequired[str | None]
    exitCode: NotRequired[int | None]
    signal: NotRequired[str | None]
    stoppedBy: NotRequired[StoppedBy | None]
    finishedAt: NotRequired[str | None]


class Backoff(TypedDict):
    delaySeconds: int
    step: int
    nextRestartAt: str | None
    nextRestartInSeconds: int | None
    fromKubeletMessage: bool


class ContainerEntry(TypedDict):
    name: str
    role: Role
    index: int
    image: str | None
    injectedBy: str | None  # the injector that wrote it (injectors/), None for the user's own
    restartPolicy: str  # Always, OnFailure or Never in any pod the API server accepts
    restartRule: str
    state: ContainerState | None
    ready: bool
    started: bool
    restartCount: int
    lastTermination: TerminationInfo | None
    backoff: Backoff | None
    probes: list[str]
    hooks: list[str]


class StartupStage(TypedDict):
    containers: list[str]
    role: Role
    gate: str
    weak: bool


class TerminationSummary(TypedDict):
    gracePeriodSeconds: int
    notes: list[str]


EventCause = Literal["volume", "sandbox", "image", "probe", "kill", "hook", "eviction", "memory", "crash", "config"]


class EventRow(TypedDict):
    """An event as explain reports it (lifecycle/events.py event_row): its message whole."""

    time: str | None  # its last occurrence
    firstTime: str | None
    lastTime: str | None
    type: str | None
    reason: str | None
    message: str | None
    count: int  # count, or series.count
    container: str | None
    source: str | None
    cause: EventCause | None


class NodeReady(TypedDict):
    """A node's Ready condition as reported."""

    status: str | None
    reason: str | None
    message: str | None
    since: str | None
    heartbeat: str | None


class NodeStatus(TypedDict):
    name: str
    exists: bool
    ready: NodeReady | None


MissingKind = Literal["ConfigMap", "Secret", "PersistentVolumeClaim", "ServiceAccount"]


class MissingObject(TypedDict):
    kind: MissingKind
    name: str


class BlockCause(TypedDict):
    """What holds the pod before its containers: the keys its kind has."""

    kind: Literal["scheduling", "node", "volume", "sandbox", "eviction"]
    reason: NotRequired[str | None]
    schedulerName: NotRequired[str]
    node: NotRequired[str]
    exists: NotRequired[bool | None]
    ready: NotRequired[NodeReady | None]
    kubeletWroteStatus: NotRequired[bool]
    volume: NotRequired[str | None]
    missing: NotRequired[MissingObject | None]
    waiting: NotRequired[list[str]]
    event: NotRequired[EventRow]


class Blocked(TypedDict):
    container: str | None
    reason: str
    cause: NotRequired[BlockCause]


class DeletionWait(TypedDict):
    name: str
    role: Role
    preStop: bool
    preStopFailed: bool
    waitsForContainers: list[str]
    waitsFor: list[str]


class Deletion(TypedDict):
    requestedAt: str
    gracePeriodSeconds: int
    graceEndsAt: str
    graceLeftSeconds: int | None
    minimumGraceSeconds: int
    nodeName: str | None
    nodeMissing: bool
    finished: bool
    running: list[DeletionWait]


class ShapeWarning(TypedDict):
    code: str
    message: str
    container: str | None
    injector: NotRequired[str]  # the injector whose container the hazard is about
    fix: NotRequired[str]


InjectionMode = Literal["regular", "native", "init-only"]


class InjectorReport(TypedDict):
    """An admission webhook's injection found on the pod (injectors/)."""

    name: str
    title: str
    version: str | None
    mode: InjectionMode | None
    containers: list[str]
    marker: str
    notes: list[str]


class WhatIfResult(TypedDict):
    container: str
    role: Role
    exitCode: int
    meaning: str
    action: Literal["restart", "restart-pod-in-place", "none"]
    delaySeconds: int | None
    podPhase: Literal["Succeeded", "Failed"] | None
    steps: list[str]


class TemplateOf(TypedDict):
    """The workload whose pod template is explained, with the labels its pods carry."""

    kind: str | None
    name: str | None
    namespace: str | None
    matchLabels: dict[str, str]


class Explanation(TypedDict):
    name: str
    namespace: str | None
    source: str
    templateOf: TemplateOf | None
    k8sVersion: str
    phase: str | None
    status: str | None
    ready: str
    restarts: int
    lastRestart: str | None
    restartsText: str
    ip: str | None
    node: str | None
    restartPolicy: str
    startupOrder: list[list[str]]
    startupStages: list[StartupStage]
    terminationOrder: list[list[str]]
    termination: TerminationSummary
    backoffSchedule: list[int]
    containers: list[ContainerEntry]
    blockedBy: Blocked | None
    deletion: Deletion | None
    nodeStatus: NodeStatus | None
    injectors: list[InjectorReport]
    warnings: list[ShapeWarning]
    whatIf: list[WhatIfResult]
    events: list[EventRow]
    context: NotRequired[str]  # its cluster, in a run over many


class ExplainList(TypedDict):
    kind: Literal["ExplainList"]
    apiVersion: Literal["kubectl-pods/v1"]
    items: list[Explanation]
    unavailable: NotRequired[list[Unavailable]]
    errors: NotRequired[list[ClusterError]]


# -- diff -----------------------------------------------------------------------------------------
ChangeType = Literal["added", "removed", "changed"]


class Change(TypedDict):
    path: str
    type: ChangeType
    intended: Any  # the value at `path` as the intended object has it (None: absent or unknown)
    live: Any
    message: NotRequired[str]
    managers: NotRequired[list[str]]


class OwnerRef(TypedDict):
    kind: str | None
    name: str | None


class Revision(TypedDict):
    """A Deployment's pod: the revision of its ReplicaSet and the Deployment's current one."""

    replicaSet: str | None
    revision: str | None
    current: str | None
    outdated: bool


class ServerFilledField(TypedDict):
    path: str
    rule: str
    source: str


class InjectedField(TypedDict):
    """A difference an injector's work explains (diff/injected.py): not drift."""

    path: str
    by: str  # the injector's short name


class DiffItem(TypedDict):
    """One compared object and its changes (none: no drift)."""

    kind: str
    name: str | None
    namespace: str | None
    owner: OwnerRef | None
    changes: list[Change]
    comparedWith: NotRequired[str]
    revision: NotRequired[Revision]
    serverFilled: NotRequired[list[ServerFilledField]]
    injected: NotRequired[list[InjectedField]]
    context: NotRequired[str]  # its cluster, in a run over many or --against-context


class SkippedItem(TypedDict):
    """An object that was not compared, and why."""

    kind: str
    name: str | None
    namespace: str | None
    skipped: str
    context: NotRequired[str]


class DiffList(TypedDict):
    kind: Literal["DiffList"]
    apiVersion: Literal["kubectl-pods/v1"]
    items: list[DiffItem | SkippedItem]
    unavailable: NotRequired[list[Unavailable]]
    errors: NotRequired[list[ClusterError]]
