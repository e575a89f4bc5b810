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
class TerminationInfo(TypedDict):
    exitCode: int | None
    signal: str | None
    reason: str | None
    meaning: str
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


class Blocked(TypedDict):
    container: str | None
    reason: str


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


class EventRow(TypedDict):
    time: str | None
    type: str | None
    reason: str | None
    message: str | None
    count: int
    container: str | None


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
