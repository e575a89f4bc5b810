"""`-o json` and `-o yaml`: the report as it is. Every YAML the plugin writes goes through `dump_yaml`."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from typing import Any


def to_json(report: dict) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


@functools.cache
def _plain_dumper():
    import yaml

    # libyaml's C dumper where PyYAML was built with it: a base chosen at run time, which mypy cannot follow.
    class PlainDumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
        """No `&id001` anchors and `*id001` aliases: a dict used twice is written out twice, as a person would."""

        def ignore_aliases(self, data):
            return True

    return PlainDumper


def dump_yaml(value, **options) -> str:
    import yaml

    options.setdefault("allow_unicode", True)
    return yaml.dump(value, Dumper=_plain_dumper(), **options)


def to_yaml(report: dict) -> str:
    return dump_yaml(report, sort_keys=False, default_flow_style=False)


class ListStream:
    """A `{header..., "items": [...], extra...}` report written an item at a time, in JSON or YAML,
    byte for byte what `to_json`/`to_yaml` would write for the whole report."""

    def __init__(self, out, output: str, header: dict):
        self.out, self.output, self.header, self.count = out, output, header, 0

    def add(self, item: Mapping[str, Any]) -> None:
        self.count += 1
        if self.output == "json":
            if self.count == 1:
                self.out.write("{\n" + "".join(f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)},\n"
                                               for k, v in self.header.items()) + '  "items": [\n')
            else:
                self.out.write(",\n")
            self.out.write(_indent(json.dumps(item, indent=2, ensure_ascii=False), "    "))
        else:
            if self.count == 1:
                self.out.write(dump_yaml(self.header, sort_keys=False) + "items:\n")
            self.out.write(dump_yaml([item], sort_keys=False, default_flow_style=False))

    def finish(self, extra: dict) -> None:
        if self.count == 0:
            report = {**self.header, "items": [], **extra}
            self.out.write(to_json(report) if self.output == "json" else to_yaml(report))
        elif self.output == "json":
            tail = "\n  ]"
            for key, value in extra.items():
                tail += f",\n  {json.dumps(key)}: " + _indent(json.dumps(value, indent=2, ensure_ascii=False), "  ")[2:]
            self.out.write(tail + "\n}\n")
        elif extra:
            self.out.write(dump_yaml(extra, sort_keys=False, default_flow_style=False))


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line for line in text.splitlines())
