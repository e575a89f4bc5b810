"""`-o json` and `-o yaml`: the report as it is. Every YAML the plugin writes goes through `dump_yaml`."""

from __future__ import annotations

import functools
import json


def to_json(report: dict) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


@functools.cache
def _plain_dumper():
    import yaml

    class PlainDumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):
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
