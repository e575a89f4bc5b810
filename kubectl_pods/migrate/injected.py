"""Injected sidecars are not moved: the injector writes them, and would write them back in
`containers` at the next injection. `migrate` sets the injector's own native-sidecar switch on the
pod template instead (the injector catalogue, kubectl_pods/injectors: `modes.native.switch` and
`since`, each read from the injector's source) and says which versions it needs (pure)."""

from __future__ import annotations

from kubectl_pods.edit.edits import Edit
from kubectl_pods.edit.workloads import pod_template, label, template_path
from kubectl_pods.kube import versions



def _outer_metadata(obj: dict) -> tuple[dict, ...]:
    """Where `istioctl kube-inject` also writes its markers: a CronJob's job template metadata."""
    if obj.get("kind") == "CronJob":
        return (((obj.get("spec") or {}).get("jobTemplate") or {}).get("metadata") or {},)
    return ()


def injected_sidecars(obj: dict) -> dict[str, str]:
    """{container in `containers`: injector} for the long-running helpers an injector wrote there."""
    from kubectl_pods.injectors import recognise

    pod = pod_template(obj)
    found = {}
    for injection in recognise({"metadata": pod.get("metadata") or {}, "spec": pod["spec"]}, _outer_metadata(obj)):
        for container in injection.containers:
            if container.list == "containers" and container.long_running:
                found[container.name] = injection.name
    return found


def switch_edits(obj: dict, names: dict[str, str], version: tuple[int, int]) -> tuple[list[Edit], list[str]]:
    """The switch of each injector of `names` ({container: injector}) as edits, and what to say."""
    from kubectl_pods.injectors import injector

    template = template_path(obj) or ()
    meta = pod_template(obj).get("metadata")
    edits: list[Edit] = []
    said: list[str] = []
    wanted: dict[str, str] = {}
    for name_of_injector in dict.fromkeys(names.values()):
        entry = injector(name_of_injector)
        containers = ", ".join(f"`{c}`" for c, i in names.items() if i == name_of_injector)
        switch, since = entry.native_switch, entry.native_since or {}
        if not switch:
            said.append(f"{label(obj)}: {containers} is injected by {entry.name}, which has no native sidecar "
                        "mode: left as it is (moving it would not last: the injector writes it back)")
            continue
        needs = f"{entry.name} {since.get('injector')}" + (f" and Kubernetes {since['kubernetes']}+"
                                                           if since.get("kubernetes") else "")
        if since.get("kubernetes") and version < versions.parse_version(str(since["kubernetes"])):
            needs += f" (the target is {versions.format_version(version)})"
        if switch.get("kind") != "annotation":
            said.append(f"{label(obj)}: {containers} is injected by {entry.name}: not moved; its native mode is "
                        f"{switch.get('key')}={switch.get('value')} in {switch.get('where')}, which is not in this "
                        f"manifest (needs {needs})")
            continue
        if ((meta or {}).get("annotations") or {}).get(switch["key"]) == switch["value"]:
            said.append(f"{label(obj)}: {containers} is injected by {entry.name}, whose native mode is already "
                        f"switched on ({switch['key']}: \"{switch['value']}\"); it takes effect when the pod is "
                        "next injected")
            continue
        wanted[switch["key"]] = switch["value"]
        said.append(f"{label(obj)}: {containers} is injected by {entry.name}, which would put it back in "
                    f"containers: not moved; set {switch['key']}: \"{switch['value']}\" on the pod template "
                    f"instead (needs {needs}); it takes effect when the pod is next injected")
    if not wanted:
        return [], said
    if meta is None:
        edits.append(Edit("set", template, "metadata", {"annotations": wanted}, before=("spec",)))
    elif not meta.get("annotations"):
        edits.append(Edit("set", (*template, "metadata"), "annotations", wanted))
    else:
        edits.extend(Edit("set", (*template, "metadata", "annotations"), k, v) for k, v in wanted.items())
    return edits, said
