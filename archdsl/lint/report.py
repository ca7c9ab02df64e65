"""Lint reports as text (one located line per warning, with why and fix) and JSON."""

from __future__ import annotations

import json
from itertools import groupby
from typing import Any

from archdsl.lint import LintReport
from archdsl.lint.registry import Finding

SHOWN_NODES = 3


def text(reports: list[LintReport]) -> str:
    """Warnings by position; a rule firing on many instances of one spec line is one entry."""
    lines: list[str] = []
    for report in reports:
        for _, group in groupby(report.findings, key=lambda f: (f.rule, f.span)):
            lines += _entry(list(group))
        lines.append(_summary(report))
    return "\n".join(lines) + "\n"


def _entry(group: list[Finding]) -> list[str]:
    first = group[0]
    where = f"{first.span}: " if first.span else ""
    lines = [f"{where}warning[{first.rule}]: {first.message}"]
    others = [f.node or "?" for f in group[1:]]
    if others:
        more = f" (+{len(others) - SHOWN_NODES} more)" if len(others) > SHOWN_NODES else ""
        lines.append(f"  also at {', '.join(others[:SHOWN_NODES])}{more}")
    lines += [f"  why: {first.why}", f"  fix: {first.fix}"]
    return lines


def _summary(report: LintReport) -> str:
    count = len(report.findings)
    state = "clean" if not count else f"{count} warning{'s' if count != 1 else ''}"
    hidden = f" ({len(report.suppressed)} suppressed)" if report.suppressed else ""
    return f"{report.spec}: {state}{hidden}"


def _finding_json(finding: Finding) -> dict[str, Any]:
    span = finding.span
    return {
        "rule": finding.rule, "message": finding.message, "why": finding.why, "fix": finding.fix,
        "node": finding.node, "file": span.file if span else None,
        "line": span.line if span else None, "col": span.col if span else None,
    }


def to_json(report: LintReport) -> dict[str, Any]:
    """The documented JSON form of one spec's lint report."""
    return {
        "spec": report.spec,
        "file": report.file,
        "warnings": [_finding_json(f) for f in report.findings],
        "suppressed": [{**_finding_json(f), "because": s.why} for f, s in report.suppressed],
    }


def json_text(reports: list[LintReport]) -> str:
    return json.dumps([to_json(r) for r in reports], indent=2) + "\n"


FORMATS = {"text": text, "json": json_text}
