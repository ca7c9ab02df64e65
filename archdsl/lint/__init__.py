"""`archdsl lint`: warnings about mistakes a graph can have that eager code cannot see.

Each rule is a small function in the table `RULES` (see `registry.py`), found
by id; `lint(model)` runs them all, applies the spec's inline suppressions and
reports what remains, each warning with its location, a one-line why and a
suggested fix. A suppression in the linted spec's own file that switches
nothing off is itself a warning (`unused-suppression`), so they cannot go stale.
"""

from __future__ import annotations

from dataclasses import dataclass

from archdsl.errors import Span
from archdsl.lint import field_rules, graph_rules, layer_rules, param_rules  # noqa: F401  (registration)
from archdsl.lint.registry import RULES, Context, Finding, Hit, Rule
from archdsl.lint.suppress import Suppression, check_ids, collect, covers
from archdsl.model import Model

UNUSED_SUPPRESSION = "unused-suppression"
UNUSED_WHY = "a suppression that switches nothing off hides the next real warning of its kind"


@dataclass(frozen=True)
class LintReport:
    """The warnings left for one model, and what its suppressions switched off."""

    spec: str
    file: str
    findings: tuple[Finding, ...]
    suppressed: tuple[tuple[Finding, Suppression], ...]


def rule_ids() -> list[str]:
    """Every rule id, in the table's order (`unused-suppression` last)."""
    return [*RULES, UNUSED_SUPPRESSION]


def lint(model: Model) -> LintReport:
    """Run every rule over `model` and apply its suppressions (a SpecError for an unknown rule id)."""
    suppressions = collect(model.spec)
    check_ids(suppressions, rule_ids())
    context = Context(model)
    found = [_finding(rule, hit) for rule in RULES.values() for hit in rule.check(context)]
    kept, suppressed = _apply(found, suppressions, model)
    used = {(id(s), f.rule) for f, s in suppressed}
    stale = [Finding(UNUSED_SUPPRESSION, f"`lint: disable: [{rule}]` here switches no warning off", UNUSED_WHY,
                     "remove the rule from the list (or the whole `lint:` entry)", s.span)
             for s in suppressions if s.span.file == model.spec.file
             for rule in s.rules if (id(s), rule) not in used and rule != UNUSED_SUPPRESSION]
    stale_kept, stale_suppressed = _apply(stale, suppressions, model)
    return LintReport(model.spec.name, model.spec.file, tuple(sorted(kept + stale_kept, key=_position)),
                      tuple(suppressed + stale_suppressed))


def _finding(rule: Rule, hit: Hit) -> Finding:
    return Finding(rule.id, hit.message, rule.why, hit.fix, hit.span, hit.node, hit.block)


def _apply(found: list[Finding], suppressions: list[Suppression],
           model: Model) -> tuple[list[Finding], list[tuple[Finding, Suppression]]]:
    kept: list[Finding] = []
    suppressed: list[tuple[Finding, Suppression]] = []
    ordered = sorted(suppressions, key=lambda s: _specificity(s, model.spec.file))
    for finding in found:
        match = next((s for s in ordered if covers(s, finding, model.graph, model.spec.file)), None)
        if match is None:
            kept.append(finding)
        else:
            suppressed.append((finding, match))
    return kept, suppressed


def _specificity(suppression: Suppression, root: str) -> int:
    """The closest suppression gives the reason: a node's, a block's, the linted spec's, another file's."""
    if suppression.kind == "file":
        return 2 if suppression.target == root else 3
    return 0 if suppression.kind == "node" else 1


def _position(finding: Finding) -> tuple[str, int, int, str]:
    span = finding.span or Span("")
    return (span.file, span.line, span.col, finding.rule)


__all__ = ["RULES", "UNUSED_SUPPRESSION", "Finding", "LintReport", "Rule", "lint", "rule_ids"]
