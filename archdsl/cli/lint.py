"""`archdsl lint SPEC...`: located warnings with a why and a fix; `--strict` makes them fail."""

from __future__ import annotations

import argparse
import sys

from archdsl.cli.common import add_spec_arguments, emit, load_model
from archdsl.errors import ArchdslError
from archdsl.lint import LintReport, lint
from archdsl.lint.report import FORMATS


def add_lint_command(sub: argparse._SubParsersAction) -> None:
    """Register `archdsl lint`."""
    p = sub.add_parser("lint", help="warnings about likely mistakes: dead nodes, redundant biases, silent flooring, ...")
    add_spec_arguments(p, many=True)
    p.add_argument("--strict", action="store_true", help="exit 1 when any warning remains after suppressions")
    p.add_argument("--format", choices=sorted(FORMATS), default="text")
    p.add_argument("-o", "--output", help="write the report to a file (atomically)")
    p.set_defaults(run=run_lint)


def run_lint(args: argparse.Namespace) -> int:
    """Lint every spec; a spec that does not load is an error (exit 2, nothing written)."""
    reports: list[LintReport] = []
    errors: list[ArchdslError] = []
    for spec in args.specs:
        try:
            reports.append(lint(load_model(args, spec)))
        except ArchdslError as error:
            errors.append(error)
    if errors:
        print("\n".join(e.format() for e in errors), file=sys.stderr)
        return 2
    emit(FORMATS[args.format](reports), args.output)
    return 1 if args.strict and any(r.findings for r in reports) else 0
