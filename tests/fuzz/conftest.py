"""Fuzzing helpers: `fuzzkit` is importable by the tests here (they run with --import-mode=importlib).

The run ends with a line counting the cases and their outcomes (summed over xdist workers).
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import fuzzkit  # noqa: E402
from fuzzkit import Library  # noqa: E402

FROM_WORKERS: Counter[str] = Counter()


@pytest.fixture(scope="session")
def library(tmp_path_factory: pytest.TempPathFactory) -> Library:
    """A private copy of the spec library to plant mutants in (one per xdist worker)."""
    return Library(tmp_path_factory.mktemp("fuzz"))


def pytest_sessionfinish(session: pytest.Session) -> None:
    output = getattr(session.config, "workeroutput", None)
    if output is not None:
        output["fuzz_outcomes"] = dict(fuzzkit.OUTCOMES)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: object, error: object) -> None:
    FROM_WORKERS.update(getattr(node, "workeroutput", {}).get("fuzz_outcomes", {}))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    totals = FROM_WORKERS + fuzzkit.OUTCOMES
    if totals:
        parts = ", ".join(f"{count} {kind}" for kind, count in totals.most_common())
        terminalreporter.write_line(f"fuzz: {sum(totals.values())} cases ({parts})")
