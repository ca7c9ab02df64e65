"""Fuzzing helpers: `fuzzkit` is importable by the tests here (they run with --import-mode=importlib)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fuzzkit import Library  # noqa: E402


@pytest.fixture(scope="session")
def library(tmp_path_factory: pytest.TempPathFactory) -> Library:
    """A private copy of the spec library to plant mutants in (one per xdist worker)."""
    return Library(tmp_path_factory.mktemp("fuzz"))
