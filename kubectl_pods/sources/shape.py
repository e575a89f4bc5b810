"""The edge: every object is checked here as it enters (files, stdin, cluster answers) against the
shape the analysis reads — the fields it uses, with their JSON types and the ranges of their Go
types — and against the rules by which the API server refuses a pod outright. Past this module
the core trusts its input.

Answers are one line with the path, in the API server's words where it has them:
`pod.yaml: Pod "web": spec.containers[1].ports: must be a list, got a string`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, NoReturn, Protocol

from kubectl_pods.errors import UserError
from kubectl_pods.sources import PodInput

INT32 = (-(2 ** 31), 2 ** 31 - 1)
INT64 = (-(2 ** 63), 2 ** 63 - 1)
# staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go IsDNS1123Label
DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS1123_LABEL_ERROR = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
                       "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used "
                       "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")


class InvalidObject(UserError):
    """An object that does not have the shape the API defines, or that the API server would refuse."""


def json_type(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object" if isinstance(value, dict) else type(value).__name__


class Check(Protocol):
    """A full check, `check(value, path)`, raising with the path of the first problem; `check.ok`
    is its quick twin (`_quick`)."""

    ok: Callable[[object], bool]

    def __call__(self, value: object, path: str) -> None: ...


@dataclass(frozen=True)
class _Problem(Exception):
    path: str
    message: str


def _fail(path: str, message: str) -> NoReturn:
    raise _Problem(path, message)


def _quick(ok: Callable[[object], bool]):
    """Give a check its quick twin: `check.ok(value)` says whether `check(value, path)` would
    pass, without building a path for every field (what the full walk spends most of its time
    on), and drops the same nulls on the way, stopping at the same first problem. `problem`
    runs the quick one, and the full one only for an object that has a problem, for its path."""
    def attach(check):
        check.ok = ok
        return check
    return attach


@_quick(lambda value: isinstance(value, str))
def string(value, path):
    if not isinstance(value, str):
        _fail(path, f"must be a string, got {json_type(value)}")


@_quick(lambda value: isinstance(value, bool))
def boolean(value, path):
    if not isinstance(value, bool):
        _fail(path, f"must be a boolean, got {json_type(value)}")


def integer(bounds: tuple[int, int]) -> Check:
    low, high = bounds
    kind = "an int32" if bounds == INT32 else "an int64"

    def ok(value) -> bool:
        if value.__class__ is int:
            return low <= value <= high
        try:
            return isinstance(value, float) and value == int(value) and low <= value <= high
        except (OverflowError, ValueError):  # inf, nan: the full check says what it says of them
            return False

    @_quick(ok)
    def check(value, path):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
            _fail(path, f"must be an integer, got {json_type(value)}")
        if not low <= value <= high:
            _fail(path, f"must be {kind} (between {low} and {high}), got {value:g}" if isinstance(value, float)
                  else f"must be {kind} (between {low} and {high}), got {value}")
    return check


@_quick(lambda value: not isinstance(value, bool) and isinstance(value, (int, str)))
def int_or_string(value, path):
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        _fail(path, f"must be an integer or a string, got {json_type(value)}")


def _is_time(value) -> bool:
    from kubectl_pods.kube.timefmt import parse_time

    return isinstance(value, str) and parse_time(value) is not None


@_quick(_is_time)
def timestamp(value, path):
    from kubectl_pods.kube.timefmt import parse_time

    string(value, path)
    if parse_time(value) is None:
        _fail(path, f'must be an RFC 3339 time such as "2026-01-02T03:04:05Z", got "{value}"')


def obj(**fields: Check) -> Check:
    """An object with these fields; a field that is JSON null is absent to the API server's
    decoder (a nil pointer, omitted on output), so it is dropped here."""
    quick = [(key, field_check.ok) for key, field_check in fields.items()]

    def ok(value) -> bool:
        if not isinstance(value, dict):
            return False
        for key, field_ok in quick:
            if key in value:
                if value[key] is None:
                    del value[key]
                elif not field_ok(value[key]):
                    return False
        return True

    @_quick(ok)
    def check(value, path):
        if not isinstance(value, dict):
            _fail(path, f"must be an object, got {json_type(value)}")
        for key, field_check in fields.items():
            if key in value:
                if value[key] is None:
                    del value[key]
                else:
                    field_check(value[key], f"{path}.{key}" if path else key)
    return check


def list_of(item: Check) -> Check:
    item_ok = item.ok

    @_quick(lambda value: isinstance(value, list) and all(e is not None and item_ok(e) for e in value))
    def check(value, path):
        if not isinstance(value, list):
            _fail(path, f"must be a list, got {json_type(value)}")
        for index, element in enumerate(value):
            if element is None:
                _fail(f"{path}[{index}]", "must not be null")
            item(element, f"{path}[{index}]")
    return check


def map_of(item: Check) -> Check:
    item_ok = item.ok

    @_quick(lambda value: isinstance(value, dict) and all(item_ok(e) for e in value.values()))
    def check(value, path):
        if not isinstance(value, dict):
            _fail(path, f"must be an object, got {json_type(value)}")
        for key, element in value.items():
            item(element, f"{path}.{key}" if re.fullmatch(r"[A-Za-z0-9_-]+", str(key)) else f'{path}["{key}"]')
    return check


HANDLER = obj(exec=obj(command=list_of(string)), httpGet=obj(path=string, port=int_or_string, scheme=string),
              tcpSocket=obj(port=int_or_string), grpc=obj(port=integer(INT32)), sleep=obj(seconds=integer(INT64)))
PROBE = obj(exec=obj(command=list_of(string)), httpGet=obj(path=string, port=int_or_string, scheme=string),
            tcpSocket=obj(port=int_or_string), grpc=obj(port=integer(INT32)),
            initialDelaySeconds=integer(INT32), timeoutSeconds=integer(INT32), periodSeconds=integer(INT32),
            successThreshold=integer(INT32), failureThreshold=integer(INT32),
            terminationGracePeriodSeconds=integer(INT64))
CONTAINER = obj(
    name=string, image=string, command=list_of(string), args=list_of(string), restartPolicy=string,
    restartPolicyRules=list_of(obj(action=string, exitCodes=obj(operator=string, values=list_of(integer(INT32))))),
    ports=list_of(obj(containerPort=integer(INT32), hostPort=integer(INT32), protocol=string, name=string)),
    env=list_of(obj(name=string, value=string, valueFrom=obj())), volumeMounts=list_of(obj(name=string, mountPath=string)),
    resources=obj(limits=map_of(int_or_string), requests=map_of(int_or_string)),
    startupProbe=PROBE, readinessProbe=PROBE, livenessProbe=PROBE,
    lifecycle=obj(postStart=HANDLER, preStop=HANDLER, stopSignal=string), securityContext=obj(),
    imagePullPolicy=string,
)
STATE = obj(waiting=obj(reason=string, message=string), running=obj(startedAt=timestamp),
            terminated=obj(exitCode=integer(INT32), signal=integer(INT32), reason=string, message=string,
                           startedAt=timestamp, finishedAt=timestamp))
CONTAINER_STATUS = obj(name=string, ready=boolean, started=boolean, restartCount=integer(INT32), image=string,
                       state=STATE, lastState=STATE)
POD_SPEC = obj(
    containers=list_of(CONTAINER), initContainers=list_of(CONTAINER), ephemeralContainers=list_of(CONTAINER),
    restartPolicy=string, terminationGracePeriodSeconds=integer(INT64), activeDeadlineSeconds=integer(INT64),
    readinessGates=list_of(obj(conditionType=string)), schedulingGates=list_of(obj(name=string)),
    nodeName=string, hostNetwork=boolean, volumes=list_of(obj(name=string)), tolerations=list_of(obj()),
    serviceAccountName=string, automountServiceAccountToken=boolean, priority=integer(INT32),
)
METADATA = obj(name=string, generateName=string, namespace=string, labels=map_of(string), annotations=map_of(string),
               ownerReferences=list_of(obj(kind=string, name=string, controller=boolean)),
               creationTimestamp=timestamp, deletionTimestamp=timestamp,
               deletionGracePeriodSeconds=integer(INT64), finalizers=list_of(string), managedFields=list_of(obj()))
POD = obj(
    kind=string, apiVersion=string, metadata=METADATA, spec=POD_SPEC,
    status=obj(phase=string, reason=string, message=string, podIP=string, podIPs=list_of(obj(ip=string)),
               nominatedNodeName=string, startTime=timestamp,
               conditions=list_of(obj(type=string, status=string, reason=string, lastTransitionTime=timestamp)),
               containerStatuses=list_of(CONTAINER_STATUS), initContainerStatuses=list_of(CONTAINER_STATUS),
               ephemeralContainerStatuses=list_of(CONTAINER_STATUS)),
)
TEMPLATE = obj(metadata=METADATA, spec=POD_SPEC)
WORKLOAD = obj(kind=string, apiVersion=string, metadata=METADATA,
               spec=obj(template=TEMPLATE, selector=obj(matchLabels=map_of(string)), replicas=integer(INT32),
                        jobTemplate=obj(metadata=obj(), spec=obj(template=TEMPLATE))))


def _validate_containers(spec: dict, path: str) -> None:
    """pkg/apis/core/validation/validation.go validateContainers / validateInitContainers:
    at least one container, names required, DNS labels, unique across every container list."""
    if not spec.get("containers"):
        _fail(f"{path}.containers", "Required value")
    seen: set[str] = set()
    for field in ("initContainers", "containers", "ephemeralContainers"):
        for index, container in enumerate(spec.get(field) or []):
            where = f"{path}.{field}[{index}].name"
            name = container.get("name")
            if not name:
                _fail(where, "Required value")
            if len(name) > 63:
                _fail(where, f'Invalid value: "{name}": must be no more than 63 characters')
            if not DNS1123_LABEL.match(name):
                _fail(where, f'Invalid value: "{name}": {DNS1123_LABEL_ERROR}')
            if name in seen:
                _fail(where, f'Duplicate value: "{name}"')
            seen.add(name)


def problem(obj_: dict) -> tuple[str, str] | None:
    """(path, message) of the first thing wrong with a Pod or workload, or None. On the way,
    fields it reads that are JSON null are dropped: to the API they are absent."""
    kind = obj_.get("kind") if isinstance(obj_, dict) else None
    try:
        if not isinstance(obj_, dict):
            _fail("", f"must be an object, got {json_type(obj_)}")
        shape = POD if kind == "Pod" else WORKLOAD
        if not shape.ok(obj_):  # only an object with a problem pays for the walk that names its path
            shape(obj_, "")
        if kind == "Pod":
            spec_path, spec = "spec", obj_.get("spec")
        else:
            spec_path = "spec.jobTemplate.spec.template.spec" if kind == "CronJob" else "spec.template.spec"
            spec = obj_
            for key in spec_path.split("."):
                spec = (spec or {}).get(key)
        if spec is None:
            _fail(spec_path, "Required value")
        _validate_containers(spec, spec_path)
    except _Problem as found:
        return found.path or "(the object)", found.message
    return None


def describe(obj_, source: str) -> str:
    if not isinstance(obj_, dict):
        return source
    meta = found if isinstance(found := obj_.get("metadata"), dict) else {}
    name = meta.get("name") or meta.get("generateName")
    kind = obj_.get("kind") if isinstance(obj_.get("kind"), str) else "object"
    return f'{source}: {kind} "{name}"' if isinstance(name, str) else f"{source}: {kind}"


def invalid(obj_, source: str) -> InvalidObject | None:
    """The error for an object that does not have the shape, or None."""
    found = problem(obj_)
    return InvalidObject(f"{describe(obj_, source)}: {found[0]}: {found[1]}") if found else None


def _go_zero_values(pod: dict) -> None:
    """Fields the API encodes without omitempty come back from the server even when zero
    (k8s.io/api/core/v1 types.go: ContainerStatus.ready, .restartCount, ContainerStateTerminated.exitCode)."""
    status = found if isinstance(found := pod.get("status"), dict) else {}
    for field in ("initContainerStatuses", "containerStatuses", "ephemeralContainerStatuses"):
        for container in status.get(field) or []:
            container.setdefault("ready", False)
            container.setdefault("restartCount", 0)
            for state in ("state", "lastState"):
                terminated = (container.get(state) or {}).get("terminated")
                if isinstance(terminated, dict):
                    terminated.setdefault("exitCode", 0)


def check(obj_: dict, source: str) -> dict:
    """The object as the server would hand it over (nulls of the fields read dropped, Go zero
    values written) when it has the shape; else InvalidObject with the path."""
    error = invalid(obj_, source)
    if error:
        raise error
    if obj_.get("kind") == "Pod":
        _go_zero_values(obj_)
    return obj_


def partition(pods: list[PodInput], source: str) -> tuple[list[PodInput], list[tuple[PodInput, InvalidObject]]]:
    """PodInputs split into the valid (checked) ones and the others, each with its error."""
    valid: list[PodInput] = []
    rejected: list[tuple[PodInput, InvalidObject]] = []
    for pod in pods:
        try:
            check(pod.pod, source)
            valid.append(pod)
        except InvalidObject as error:
            rejected.append((pod, error))
    return valid, rejected
