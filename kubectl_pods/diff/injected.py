"""What an admission webhook wrote is not drift: the changes an injection found on the live object
explains, set apart from the rest (pure).

An injection (`injectors.recognise`, by the injector's markers) explains what its catalogue entry
says it writes: its containers (whole, or any field of them), its volumes, the annotations and
labels it adds (on the pod, a template, or — `istioctl kube-inject` — the workload and a CronJob's
job template), the pod fields it sets (`imagePullSecrets`) and, in the user's containers, the env
vars, mounts and rewritten fields (Istio's probes) it writes. It never explains a removal, nor an
injected container whose image is not one the injector writes (the catalogue's `images` rules), or
whose image a later manager changed (`managedFields`): those stay drift.
"""

from __future__ import annotations

import re

from kubectl_pods.diff.owner import managers_of, segments
from kubectl_pods.injectors import Injection, catalogue, recognise
from kubectl_pods.injectors.catalogue import Injector, name_matches
from kubectl_pods.report_types import Change, InjectedField

# Where a kind keeps its pod (template): the path of the pod's `metadata` and `spec`.
TEMPLATE_PATHS = {"Pod": (), "CronJob": ("spec", "jobTemplate", "spec", "template")}
POD_TEMPLATE = ("spec", "template")
_CONTAINER = re.compile(r"^(.*?(?:initContainers|containers)\[name=[^\]]+\])")


def _template_path(kind: str) -> tuple[str, ...]:
    return TEMPLATE_PATHS.get(kind, POD_TEMPLATE)


def _pod_of(live: dict) -> tuple[dict, tuple[dict, ...]]:
    kind = live.get("kind") or "Pod"
    if kind == "Pod":
        return live, ()
    from kubectl_pods.sources.files import outer_metadata, pod_from_template

    return pod_from_template(live), outer_metadata(live)


def _strip(parts: list[tuple[str, str]], prefix: tuple[str, ...]) -> list[tuple[str, str]] | None:
    if len(parts) < len(prefix) or [v for _, v in parts[:len(prefix)]] != list(prefix):
        return None
    return parts[len(prefix):]


def _container_named(pod: dict, name, fields: tuple[str, ...] = ("initContainers", "containers")) -> dict:
    found: dict = next((c for f in fields for c in (pod.get("spec") or {}).get(f) or [] if c.get("name") == name), {})
    return found


def _matches_any(patterns, key: str) -> bool:
    return any(name_matches(p, key) for p in patterns or [])


def _item_name(segment: tuple[str, str]) -> str | None:
    kind, value = segment
    if kind != "item":
        return None
    field, _, name = value.partition("=")
    return name if field in ("name", "mountPath") else None


class _Explainer:
    """One live object's injections and what each accounts for."""

    def __init__(self, live: dict):
        self.live = live
        self.kind = live.get("kind") or "Pod"
        pod, outer = _pod_of(live)
        self.pod = pod
        self.injections = recognise(pod, outer)
        self.annotations = dict(((pod.get("metadata") or {}).get("annotations") or {}))
        for meta in outer:
            self.annotations.update({k: v for k, v in (meta.get("annotations") or {}).items() if k not in self.annotations})

    def by(self, change: Change) -> tuple[str | None, str | None]:
        """(injector name, None) when an injection explains the change; (None, why) when it is an
        injector's container it does not explain; (None, None) otherwise."""
        parts = segments(change["path"])
        for injection in self.injections:
            injector = catalogue()[injection.name]
            verdict: bool | str
            if change.get("type") == "removed":
                # only a rewrite replaces something (a probe's handler); nothing else is taken away
                verdict = self._rewritten(injection, injector, parts)
            else:
                verdict = self._explains(injection, injector, parts, change["path"], change.get("live"))
            if verdict is True:
                return injection.name, None
            if isinstance(verdict, str):
                return None, verdict
        return None, None

    def _metadata_added(self, data: dict, rest, value) -> bool:
        """Annotations and labels the injector writes: one entry, or a whole map or metadata block
        added (a CronJob's job template gets its metadata from kube-inject)."""
        entries: dict[str, dict] = {"annotations": {}, "labels": {}}
        if len(rest) == 2 and rest[0][1] in entries:
            entries[rest[0][1]] = {rest[1][1]: None}
        elif len(rest) == 1 and rest[0][1] in entries and isinstance(value, dict):
            entries[rest[0][1]] = value
        elif not rest and isinstance(value, dict) and set(value) <= {*entries, "creationTimestamp"} \
                and value.get("creationTimestamp") is None:  # kube-inject's serialisation writes it as null
            entries.update({k: v for k, v in value.items() if isinstance(v, dict)})
        else:
            return False
        markers = data.get("pod_markers") or {}
        return any(entries.values()) and all(
            _matches_any(data.get(f"{field}_added"), key) or _matches_any(markers.get(field), key)
            for field, keys in entries.items() for key in keys)

    def _explains(self, injection: Injection, injector: Injector, parts, path: str, value=None) -> bool | str:
        data = injector.data
        template = _template_path(self.kind)
        metadata_prefixes = [("metadata",), (*template, "metadata")]
        if self.kind == "CronJob":
            metadata_prefixes.append(("spec", "jobTemplate", "metadata"))
        for prefix in metadata_prefixes:
            rest = _strip(parts, prefix)
            if rest is not None and len(rest) <= 2:
                return self._metadata_added(data, rest, value)
        rest = _strip(parts, (*template, "spec"))
        if not rest:
            return False
        field = rest[0][1]
        if field in ("containers", "initContainers") and len(rest) >= 2:
            name = _item_name(rest[1])
            if name in injection.container_names:
                return self._image_ok(injector, field, name, path)
            return self._in_user_container(injection, injector, rest[2:], field, name)
        if field == "volumes" and len(rest) >= 2:
            name = _item_name(rest[1])
            listed = (injection.listed or {}).get("volumes") or []
            return name is not None and (name in listed or _matches_any(data.get("volumes"), name))
        return _pod_fields_cover(data.get("pod_fields") or [], ".".join(v for _, v in rest if _ == "field"), value)

    def _in_user_container(self, injection: Injection, injector: Injector, rest, field: str, name) -> bool:
        data = injector.data
        if not rest:
            return False
        sub = rest[0][1]
        if sub == "env" and len(rest) >= 2:
            return _matches_any(data.get("env"), _item_name(rest[1]) or "") or self._env_shared(
                injection, injector, field, name, _item_name(rest[1]))
        if sub == "volumeMounts" and len(rest) >= 2:
            mount = _item_name(rest[1]) or ""
            container = _container_named(self.pod, name, (field,))
            volume = next((m.get("name") for m in container.get("volumeMounts") or [] if m.get("mountPath") == mount), "")
            listed = (injection.listed or {}).get("volumes") or []
            return _matches_any(data.get("mounts"), mount) or volume in listed or _matches_any(data.get("volumes"), volume)
        return sub in (data.get("container_fields") or []) and self._recorded(injection, injector, name)

    def _env_shared(self, injection: Injection, injector: Injector, field: str, name, env_name) -> bool:
        """`env_shared_with_own`: the injector sets its env vars on every container, its own included
        (cloudsql-proxy's updateContainerEnv), so one of its containers holds the same name and value."""
        if not injector.data.get("env_shared_with_own"):
            return False
        entry = next((e for e in _container_named(self.pod, name, (field,)).get("env") or [] if e.get("name") == env_name), None)
        return entry is not None and any(entry in (_container_named(self.pod, own).get("env") or [])
                                         for own in injection.container_names)

    def _rewritten(self, injection: Injection, injector: Injector, parts) -> bool:
        rest = _strip(parts, (*_template_path(self.kind), "spec"))
        if not rest or len(rest) < 3 or rest[0][1] not in ("containers", "initContainers"):
            return False
        name = _item_name(rest[1])
        return (name not in injection.container_names and rest[2][1] in (injector.data.get("container_fields") or [])
                and injector.data.get("rewrites_recorded_in") is not None and self._recorded(injection, injector, name))

    def _recorded(self, injection: Injection, injector: Injector, name) -> bool:
        """Where the injector keeps the originals of what it rewrote: whether it did for this container."""
        rule = injector.data.get("rewrites_recorded_in")
        if not rule:
            return True
        holder = _container_named(self.pod, rule["container"])
        value = next((e.get("value") for e in holder.get("env") or [] if e.get("name") == rule["env"]), None) or ""
        return rule["key_contains"].replace("{container}", str(name)) in value

    def _overridden(self, rule: dict) -> bool:
        """An image rule's `unless_annotation` (a key or ^regex$) is on the pod, with a value that
        matches `unless_value` where one is given: the user chose the image."""
        key = rule.get("unless_annotation")
        if not key:
            return False
        return any(name_matches(key, k) and re.search(rule.get("unless_value") or "", str(v))
                   for k, v in self.annotations.items())

    def _image_ok(self, injector: Injector, field: str, name: str, path: str) -> bool | str:
        image = _container_named(self.pod, name, (field,)).get("image") or ""
        for rule in injector.data.get("images") or []:
            if not name_matches(rule.get("container") or "", name) or self._overridden(rule):
                continue
            if rule.get("pattern") and not re.search(rule["pattern"], image):
                return f"{name}'s image {image} is not one {injector.name} writes (its images match {rule['pattern']})"
            if rule.get("tag_from_annotation"):
                expected = self.annotations.get(rule["tag_from_annotation"])
                if expected is not None and not image.split("@")[0].endswith(f":{expected}"):
                    return (f"{name}'s image {image} is not the version {injector.name} recorded "
                            f"({rule['tag_from_annotation']}: {expected})")
            if rule.get("same_as"):
                other = _container_named(self.pod, rule["same_as"])
                if other and other.get("image") != image:
                    return f"{name}'s image {image} differs from {rule['same_as']}'s, which {injector.name} writes alike"
        found = _CONTAINER.match(path)
        image_path = f"{found.group(1)}.image" if found else path
        creator = _creator(self.live)
        later = [m for m in managers_of(self.live, image_path) if creator and m.split(" (")[0] != creator]
        if later:
            return f"{name}'s image was changed after creation by {', '.join(later)}"
        return True


def _pod_fields_cover(fields: list[str], dotted: str, value) -> bool:
    """A pod field the injector sets (`pod_fields`), or a block added whole (`securityContext` with
    only `fsGroup` in it) that holds nothing else."""
    if any(dotted == f or dotted.startswith(f + ".") for f in fields):
        return True
    return isinstance(value, dict) and bool(value) and all(
        _pod_fields_cover(fields, f"{dotted}.{key}", inner) for key, inner in value.items())


def _creator(live: dict) -> str | None:
    entries = [e for e in (live.get("metadata") or {}).get("managedFields") or []
               if isinstance(e, dict) and not e.get("subresource")]
    return min(entries, key=lambda e: e.get("time") or "").get("manager") if entries else None


def split_injected(live: dict, changes: list[Change]) -> tuple[list[Change], list[InjectedField]]:
    """(drift, injected): `injected` as `{"path", "by"}`, in the order of `changes`."""
    explainer = _Explainer(live)
    if not explainer.injections:
        return changes, []
    drift: list[Change] = []
    injected: list[InjectedField] = []
    for change in changes:
        by, why = explainer.by(change)
        if by:
            injected.append({"path": change["path"], "by": by})
        else:
            if why:
                change = Change(**change)  # a copy: the caller's change stays as it was
                change["message"] = why
            drift.append(change)
    return drift, injected
