"""Hashable cache keys for spec values (validated attributes, block instances)."""

from __future__ import annotations

from typing import Any


def freeze(value: Any) -> Any:
    """A hashable form that keeps types apart (True and 1 must not share a cache entry)."""
    if isinstance(value, dict):
        return ("dict", tuple((k, freeze(v)) for k, v in value.items()))
    if isinstance(value, list):
        return ("list", tuple(freeze(v) for v in value))
    return (type(value).__name__, value)
