"""Shared helpers: write small specs to a temporary directory and load them."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import archdsl


@pytest.fixture
def write_spec(tmp_path: Path) -> Callable[..., Path]:
    """Write YAML text (dedented) to tmp_path/<name> and return its path."""

    def write(text: str, name: str = "model.yaml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return write


@pytest.fixture
def load_text(write_spec: Callable[..., Path]) -> Callable[..., archdsl.Model]:
    """Write a spec and load it with optional params."""

    def load(text: str, **params: Any) -> archdsl.Model:
        return archdsl.load(write_spec(text), **params)

    return load
