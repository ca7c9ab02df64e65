"""Start-up imports: a command imports only what it needs.

Each case runs `python -X importtime -m archdsl ...` as a real process and reads the modules it
imported off stderr (importtime lists every module, even ones already cached as bytecode)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

from archdsl.cli import _core_command, parser
from archdsl.cli.table import CORE_COMMANDS

HEAVY = {"torch", "onnx", "onnxruntime", "networkx", "graphviz"}
"""Third-party packages no start-up may import: the backends import them when they lower."""

BACKEND_ONLY = {"archdsl.backends.torch", "archdsl.backends.onnx", "archdsl.backends.graphviz"}
"""A backend-free command does not even load the backends' packages (nor read their entry points)."""

OTHER_COMMANDS = {"archdsl.diff", "archdsl.lint", "archdsl.cli.diff", "archdsl.cli.lint", "archdsl.bench"}
"""Modules of other commands that `analyze` and `validate` have no use for."""

ROOT = Path(__file__).resolve().parents[2]


def imported(*args: str) -> set[str]:
    """Every module `python -X importtime -m archdsl ARGS` imports (the command must succeed)."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "archdsl", *args], cwd=ROOT,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [line for line in done.stderr.splitlines() if line.startswith("import time:")]
    assert lines, "no importtime report on stderr"
    return {line.rsplit("|", 1)[1].strip() for line in lines[1:]}  # lines[0] is the header


def packages(modules: set[str], names: set[str]) -> set[str]:
    """The modules in `modules` that are one of `names` or inside one."""
    return {m for m in modules if any(m == n or m.startswith(n + ".") for n in names)}


@pytest.mark.parametrize("args", [("analyze", "resnet50"), ("validate", "specs/resnet50.yaml"),
                                  ("--debug", "analyze", "resnet50", "--format", "json")])
def test_spec_commands_import_no_backend(args: tuple[str, ...]) -> None:
    modules = imported(*args)
    assert "archdsl.ops" in modules  # the check sees the imports that happen
    assert packages(modules, HEAVY) == set()
    assert packages(modules, BACKEND_ONLY) == set()
    assert packages(modules, OTHER_COMMANDS) == set()
    assert "difflib" not in modules  # the did-you-mean hints import it only when there is a mistake


@pytest.mark.parametrize("args", [("--version",), ("--help",), ("build", "--help")])
def test_full_parser_imports_no_heavy_package(args: tuple[str, ...]) -> None:
    modules = imported(*args)
    assert "archdsl.backends.onnx.cli" in modules  # the full parser asks every backend for its commands
    assert packages(modules, HEAVY) == set()


@pytest.mark.parametrize("name", sorted(CORE_COMMANDS))
def test_a_command_parser_matches_the_full_one(name: str) -> None:
    """The parser built for one command has that command exactly as the full parser has it."""

    def command(root: argparse.ArgumentParser) -> argparse.ArgumentParser:
        sub = next(a for a in root._actions if isinstance(a, argparse._SubParsersAction))
        found: argparse.ArgumentParser = sub.choices[name]
        return found

    def shape(p: argparse.ArgumentParser) -> list[tuple[object, ...]]:
        return [(a.dest, a.option_strings, a.default, a.choices, a.nargs, a.type) for a in p._actions]

    alone, full = command(parser([name])), command(parser())
    assert alone.format_help() == full.format_help()
    assert shape(alone) == shape(full)
    assert alone._defaults == full._defaults


@pytest.mark.parametrize(("argv", "expected"), [
    (["analyze", "resnet50"], "analyze"),
    (["--debug", "validate", "x.yaml"], "validate"),
    (["--de", "lint", "x.yaml"], "lint"),  # argparse accepts the abbreviation, so does the shortcut
    (["build", "x.yaml", "--backend", "torch"], None),  # options from the backends
    (["render", "x.yaml"], None),  # a backend's own command
    (["--help", "analyze"], None),  # the root help lists every command
    (["--version"], None),
    (["--debug=1", "analyze"], None),  # argparse's own error, from the full parser
    (["analyse"], None),  # a misspelt command: the full parser names every choice
    ([], None),
])
def test_which_parser(argv: list[str], expected: str | None) -> None:
    assert _core_command(argv) == expected
