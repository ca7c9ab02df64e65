"""JSON reports laid out for people and tools: objects one key per line, records one per line."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

_COMPACT = json.JSONEncoder(separators=(", ", ": "))
"""Without `indent`, json encodes in C: several times faster than its indenting Python encoder,
which took longer than the whole analysis for a model of a few hundred nodes."""


def report_json(data: Mapping[str, Any]) -> str:
    """`data` as JSON text (the value `json.dumps(data)` gives): objects one key per line, and a
    list of objects (a model's nodes) one object per line, so that a node greps and diffs as a
    line; other lists (shapes) stay on one line."""
    return _format(data, "") + "\n"


def _format(value: Any, indent: str) -> str:
    inner = indent + "  "
    if isinstance(value, Mapping) and value:
        keys = (f"{inner}{json.dumps(str(key))}: {_format(item, inner)}" for key, item in value.items())
        return "{\n" + ",\n".join(keys) + f"\n{indent}}}"
    if isinstance(value, list) and value and all(isinstance(item, Mapping) for item in value):
        return "[\n" + ",\n".join(inner + _COMPACT.encode(item) for item in value) + f"\n{indent}]"
    return _COMPACT.encode(value)
