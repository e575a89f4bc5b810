"""`explain` output written as the pods arrive, so that memory stays flat however many there are:
JSON and YAML stream their items, details and timelines stream their blocks, and the summary
keeps one aggregate a group (its first pod and a count), never the pods themselves."""

from __future__ import annotations

from typing import Callable, TextIO

from kubectl_pods.render.structured import ListStream
from kubectl_pods.render.unavailable import unavailable_lines
from kubectl_pods.report_types import Explanation

HEADER = {"kind": "ExplainList", "apiVersion": "kubectl-pods/v1"}


class ExplainWriter:
    def __init__(self, out: TextIO, output: str, *, timeline: bool, detail: bool, all_namespaces: bool,
                 chart_end, single_events: Callable[[Explanation], Explanation] | None = None):
        self.out, self.timeline, self.detail = out, timeline, detail
        self.all_namespaces, self.chart_end = all_namespaces, chart_end
        self.single_events = single_events  # adds the events to a pod that turns out to be alone
        self.structured = ListStream(out, output, HEADER) if output in ("json", "yaml") else None
        self.count = 0
        self.groups: dict[str, list] = {}  # summary: key -> [first item, count]

    def add(self, item: Explanation) -> None:
        self.count += 1
        if self.structured is not None:
            self.structured.add(item)
        elif self.timeline or self.detail:
            self._block(item)
        else:
            from kubectl_pods.explain import group_key

            entry = self.groups.setdefault(group_key(item), [item, 0])
            entry[1] += 1

    def _block(self, item: Explanation) -> None:
        from kubectl_pods.render import explain_text, timeline as timeline_chart

        if self.count > 1:
            self.out.write("\n")
        self.out.write(timeline_chart.render_timeline(item, self.chart_end) if self.timeline
                       else explain_text.render_detail(item))

    def finish(self, unavailable: list[dict]) -> None:
        if self.structured is not None:
            self.structured.finish({"unavailable": unavailable} if unavailable else {})
            return
        if not (self.timeline or self.detail):
            self._summary()
        self.out.write("".join(line + "\n" for line in unavailable_lines(unavailable)))

    def _summary(self) -> None:
        from kubectl_pods.render import explain_text

        if self.count == 1:
            [[item, _]] = self.groups.values()
            self.count = 0
            self._block(self.single_events(item) if self.single_events else item)
            return
        if self.count:
            self.out.write(explain_text.render_summary(self.count, list(self.groups.values()), self.all_namespaces))
