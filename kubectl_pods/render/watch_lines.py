"""`explain --watch` output: a line per transition as it happens (text), or a JSON object per
line (`-o json`, JSON lines), flushed at once so that a pipe sees each as it comes."""

from __future__ import annotations

import json
from typing import TextIO

from kubectl_pods.kube.timefmt import parse_time
from kubectl_pods.lifecycle.transitions import again


def clock(iso: str | None) -> str:
    """HH:MM:SS in the local time zone, as a terminal user reads a clock."""
    moment = parse_time(iso)
    return moment.astimezone().strftime("%H:%M:%S") if moment else "--:--:--"


def render_line(item: dict, show_context: bool, show_namespace: bool) -> str:
    where = f"{item['namespace']}/{item['pod']}" if show_namespace else item["pod"]
    if show_context:
        where = f"{item.get('context')}  {where}"
    message = item["message"]
    if item.get("retryAt"):  # the kubelet starts it at its first sync after that moment
        message += f", {again(item['role'])} at the first sync after {clock(item['retryAt'])}"
    if item["kind"] == "event":
        return f"{clock(item['time'])}  {where}  {message}"
    return f"{clock(item['time'])}  {where}  [{item['status']} {item['ready']}]  {message}"


class WatchWriter:
    def __init__(self, out: TextIO, output: str, *, show_context: bool, show_namespace: bool):
        self.out, self.output = out, output
        self.show_context, self.show_namespace = show_context, show_namespace

    def write(self, item: dict) -> None:
        if self.output == "json":
            self.out.write(json.dumps(item, ensure_ascii=False) + "\n")
        else:
            self.out.write(render_line(item, self.show_context, self.show_namespace) + "\n")
        self.out.flush()
