"""`-o json` and `-o yaml`: the report as it is."""

from __future__ import annotations

import json


def to_json(report: dict) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def to_yaml(report: dict) -> str:
    import yaml

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(report, Dumper=dumper, sort_keys=False, allow_unicode=True, default_flow_style=False)
