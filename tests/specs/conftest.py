"""Shared helpers for the spec-library tests: each library model is loaded once per process."""

from __future__ import annotations

from functools import cache

import archdsl
from archdsl.limits import DEFAULT_LIMITS
from archdsl.spec.library import library_names
from archdsl.spec.loader import TorchvisionRef, load_spec

LIBRARY: list[str] = library_names()


@cache
def model(name: str) -> archdsl.Model:
    """The library spec `name`, loaded, expanded and analysed once."""
    loaded = archdsl.load(name)
    loaded.analyze()
    return loaded


def torchvision_ref(name: str) -> TorchvisionRef | None:
    """The spec's `torchvision:` counterpart, read without expanding the spec."""
    return load_spec(name, DEFAULT_LIMITS).torchvision


TORCHVISION: list[str] = [name for name in LIBRARY if torchvision_ref(name)]
"""Library specs that reproduce a torchvision model."""
