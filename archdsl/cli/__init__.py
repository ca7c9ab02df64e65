"""The `archdsl` command."""

from __future__ import annotations

import argparse
import sys
import traceback
from contextlib import AbstractContextManager, nullcontext
from typing import TextIO

from archdsl.cli.signals import Terminated, terminating_cleanly
from archdsl.cli.stdout import guarded_stdout
from archdsl.cli.table import CORE_COMMANDS, registrar
from archdsl.errors import ArchdslError
from archdsl.fileio import check_output
from archdsl.progress import reporting
from archdsl.runfiles import recording_inputs
from archdsl.version import __version__

REPORT_URL = "https://github.com/archdsl/archdsl/issues"
DEBUG_HELP = "show tracebacks of internal errors"
QUIET_HELP = "no progress line on stderr (it is shown only on a terminal, for steps longer than about a second)"
GLOBAL_FLAGS = (("--debug", DEBUG_HELP), ("--quiet", QUIET_HELP))
"""Flags accepted before the command and by every command."""
OUTPUT_OPTIONS = ("output", "save")
"""The argparse destinations that name a file a command writes: checked before any work
(a missing folder is refused in a second, not after an export), and again when written."""


def parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser for `argv`; without it, the full parser.

    A core command that needs no backend (see `archdsl.cli.table`) gets a parser with that
    command alone, which parses and reports errors exactly as the full one does; anything else
    (`--help`, `build`, a backend's command, a mistake) gets the full parser: core commands plus
    every backend's own."""
    command = None if argv is None else _core_command(argv)
    root, sub = _root()
    if command is not None:
        registrar(*CORE_COMMANDS[command])(sub)
    else:
        _add_every_command(sub)
    for choice in sub.choices.values():
        for flag, help_text in GLOBAL_FLAGS:
            # SUPPRESS: a subcommand without the flag must not reset `archdsl --debug COMMAND`
            choice.add_argument(flag, action="store_true", default=argparse.SUPPRESS, help=help_text)
    return root


def _root() -> tuple[argparse.ArgumentParser, argparse._SubParsersAction]:
    root = argparse.ArgumentParser(prog="archdsl", description="Compile neural-network architecture specs.")
    root.add_argument("--version", action="version", version=f"archdsl {__version__}")
    for flag, help_text in GLOBAL_FLAGS:
        root.add_argument(flag, action="store_true", help=help_text)
    sub = root.add_subparsers(dest="command", required=True, metavar="COMMAND")
    return root, sub


def _core_command(argv: list[str]) -> str | None:
    """The backend-free core command `argv` runs, or None when it needs the full parser.

    Only `--debug` and `--quiet` (or abbreviations argparse would accept) may come before the
    command: `--help` and `--version` read the full parser, and so does anything unusual."""
    for token in argv:
        if any(len(token) > 2 and flag.startswith(token) for flag, _ in GLOBAL_FLAGS):
            continue
        return token if token in CORE_COMMANDS else None
    return None


def _add_every_command(sub: argparse._SubParsersAction) -> None:
    from archdsl.backends import backends
    from archdsl.cli.bench import add_bench_command
    from archdsl.cli.commands import add_build_command
    from archdsl.cli.common import command_kit

    for module, function in CORE_COMMANDS.values():
        registrar(module, function)(sub)
    add_build_command(sub)
    kit = command_kit()
    for backend in backends().values():
        if backend.register_commands is not None:
            backend.register_commands(sub, kit)
    add_bench_command(sub)  # after the backends' own, where `archdsl --help` has always listed it


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; user mistakes exit 2 with a located message, internal bugs exit 1, and
    SIGINT, SIGTERM or SIGHUP 128 + the signal (no output or temporary file left behind)."""
    try:
        with terminating_cleanly():
            return _command(argv)
    except Terminated as stop:  # also when it lands while an error is being reported
        print("terminated", file=sys.stderr)
        return stop.status


def _command(argv: list[str] | None) -> int:
    args = None
    try:
        with guarded_stdout(), recording_inputs():
            args = parser(sys.argv[1:] if argv is None else argv).parse_args(argv)
            for dest in OUTPUT_OPTIONS:
                if getattr(args, dest, None):
                    check_output(getattr(args, dest))
            with _progress(args):
                return int(args.run(args) or 0)
    except ArchdslError as error:
        print(error.format(), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 - the last line of defence against tracebacks
        if args is not None and getattr(args, "debug", False):
            traceback.print_exc()
        print(f"internal error: {type(exc).__name__}: {exc}\n"
              f"  this is a bug in archdsl; please report it at {REPORT_URL} "
              "(rerun with --debug for the traceback)", file=sys.stderr)
        return 1


def _progress(args: argparse.Namespace) -> AbstractContextManager[object]:
    """Progress on stderr while a command runs: only on a terminal, and not with --quiet."""
    if getattr(args, "quiet", False) or not _is_terminal(sys.stderr):
        return nullcontext()
    return reporting(sys.stderr)


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # replaced by an object without it, or closed
        return False


if __name__ == "__main__":
    sys.exit(main())
