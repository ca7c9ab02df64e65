"""docs/diff-and-lint.md documents every lint rule."""

from __future__ import annotations

from pathlib import Path

from archdsl.lint import rule_ids

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "diff-and-lint.md"


def test_every_rule_has_a_section() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    assert [rule for rule in rule_ids() if f"#### `{rule}`" not in text] == []
