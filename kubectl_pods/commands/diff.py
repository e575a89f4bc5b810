"""`kubectl pods diff`: intended side (manifest, pattern or owner) vs live pods (cluster or file)."""

from __future__ import annotations

import sys

from kubectl_pods.commands.common import check_output, open_cluster
from kubectl_pods.errors import EXIT_FOUND, EXIT_OK, UserError
from kubectl_pods.options import KubeOptions
from kubectl_pods.sources import PodInput

OUTPUTS = ("text", "unified", "json")


def _labels_match(pod: dict, match_labels: dict) -> bool:
    labels = (pod.get("metadata") or {}).get("labels") or {}
    return all(labels.get(k) == v for k, v in match_labels.items())


class LiveSide:
    """Live pods (and their owners) from the cluster or from `--live` files."""

    def __init__(self, live_files: list[str], options: KubeOptions):
        if live_files:
            from kubectl_pods.sources.files import read_documents

            self.objects = [doc for _, doc in read_documents(live_files)]
            self.cluster = None
        else:
            self.objects = None
            self.cluster = open_cluster(options)

    def pods(self, names: tuple[str, ...] = (), match_labels: dict | None = None) -> list[PodInput]:
        if self.cluster is not None:
            if match_labels is not None and not names:
                return self.cluster.pods(selector=",".join(f"{k}={v}" for k, v in sorted(match_labels.items())))
            return self.cluster.pods(names)
        from kubectl_pods.sources.files import pods_from_object

        found = [p for doc in self.objects for p in pods_from_object(doc, "--live") if not p.is_template]
        if names:
            found = [p for p in found if p.name in names]
        if match_labels is not None:
            found = [p for p in found if _labels_match(p.pod, match_labels)]
        return found

    def owner_template(self, pod: dict) -> dict | None:
        """A Pod built from the nearest controller's template, or None."""
        from kubectl_pods.sources.files import pod_from_template

        if self.cluster is not None:
            chain = self.cluster.owner_chain(pod)
        else:
            refs = (pod.get("metadata") or {}).get("ownerReferences") or []
            ref = next((r for r in refs if r.get("controller")), None)
            chain = [o for o in self.objects if ref and o.get("kind") == ref.get("kind")
                     and (o.get("metadata") or {}).get("name") == ref.get("name")]
        return pod_from_template(chain[0]) if chain else None


def run(*, names: tuple[str, ...], pattern: str | None, set_values: list[str], owner: bool,
        live_files: list[str], output: str, ignore: list[str], options: KubeOptions) -> int:
    from kubectl_pods.diff.report import group, pod_diff
    from kubectl_pods.render import diff_text, structured

    check_output(output, OUTPUTS)
    modes = [m for m, on in (("-f", bool(options.filenames)), ("--pattern", bool(pattern)), ("--owner", owner)) if on]
    if len(modes) != 1:
        raise UserError("say what was intended with exactly one of -f FILE, --pattern PATTERN or --owner"
                        + (f" (got {', '.join(modes)})" if modes else ""))
    live = LiveSide(live_files, options)
    pairs: list[tuple[dict, dict, bool]] = []
    conformance: list[dict] = []
    if owner:
        targets = live.pods(names)
        for target in targets:
            found = live.owner_template(target.pod)
            if found is None:
                raise UserError(f"pod {target.name} has no controller to compare with (--owner)")
            pairs.append((found, target.pod, True))
    elif options.filenames:
        from kubectl_pods.sources.files import pods_from_files

        for intended in pods_from_files(options.filenames):
            if names:
                targets = live.pods(names)
            elif intended.is_template:
                targets = live.pods(match_labels=intended.template_of["matchLabels"])
            else:
                targets = live.pods((intended.name,))
            if not targets:
                raise UserError(f"no live pods for {intended.name} (give pod names or -l)")
            pairs += [(intended.pod, target.pod, intended.is_template) for target in targets]
    else:
        from kubectl_pods.diff.conformance import conformance_items, pattern_pairs

        targets = live.pods(names) if names or options.selector or live_files else []
        if not targets:
            raise UserError("--pattern needs the live pods: give pod names, -l SELECTOR or --live FILE")
        if set_values:
            pairs += pattern_pairs(pattern, set_values, targets)
        else:
            conformance = conformance_items(pattern, targets)

    items = [pod_diff(i, l, intended_is_template=t, ignore=ignore, attribute=owner) for i, l, t in pairs]
    items += conformance
    drift = any(item["changes"] for item in items)
    if output == "json":
        sys.stdout.write(structured.to_json({"kind": "DiffList", "apiVersion": "kubectl-pods/v1", "items": items}))
    elif output == "unified":
        from kubectl_pods.diff.defaults import normalise

        sys.stdout.write(diff_text.render_unified(
            [(live_pod["metadata"].get("name"), *normalise(i, live_pod, t)) for i, live_pod, t in pairs]))
    else:
        sys.stdout.write(diff_text.render_groups(group(items)))
    return EXIT_FOUND if drift else EXIT_OK
