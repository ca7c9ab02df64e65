"""Every malformed spec in the corpus: exit 2, the expected located message, no traceback, no output file."""

from __future__ import annotations

from pathlib import Path

from archdsl.cli import main  # noqa: F401  (imported once, so the first case does not pay for it)

CORPUS = Path(__file__).parent / "corpus"

# The error kinds the core issue names, each with the fixture that proves it.
CORE_KINDS = {
    "YAML syntax": "syntax/unclosed_flow_list",
    "unknown op": "schema/unknown_op",
    "unknown key": "schema/unknown_top_key",
    "unknown attribute": "schema/unknown_attribute",
    "unknown block": "references/unknown_block",
    "unknown param": "references/unknown_block_param",
    "wrong type": "schema/attribute_wrong_type",
    "wrong param type": "references/block_param_wrong_type",
    "undefined from": "references/undefined_from",
    "undefined expression name": "expressions/undefined_name",
    "cycle in graph": "references/from_later_node",
    "cycle in extends": "imports/extends_cycle",
    "cycle in use": "imports/use_cycle",
    "duplicate names": "references/duplicate_name",
    "shape mismatch at add": "shapes/add_mismatch",
    "shape mismatch at concat": "shapes/concat_mismatch",
    "channel mismatch": "shapes/channel_mismatch",
    "non-divisible groups": "shapes/groups_not_dividing",
    "spatial size below 1": "shapes/spatial_below_one",
    "negative repeat": "schema/repeat_negative",
}


def test_cli_reports_fixture(corpus_fixture, run_cli, corpus_problems, tmp_path: Path) -> None:  # noqa: ANN001
    status, out, err = run_cli(corpus_fixture.argv(tmp_path))
    assert "Traceback" not in out + err
    assert "internal error" not in err, err
    assert status == 2, f"exit {status}\n{err}"
    assert corpus_problems(corpus_fixture, err) == [], err
    for name in corpus_fixture.absent:
        assert not (tmp_path / name).exists(), f"a failed command left {name}"
    assert not list(tmp_path.glob(".*.tmp")), "a failed command left a temporary file"


def test_corpus_is_large_and_covers_every_category(corpus_fixture_ids: list[str]) -> None:
    assert len(corpus_fixture_ids) >= 100
    categories = {fid.split("/")[0] for fid in corpus_fixture_ids}
    assert {"syntax", "schema", "references", "expressions", "shapes", "limits", "imports", "params", "cli",
            "backends"} <= categories


def test_core_error_kinds_each_have_a_fixture(corpus_fixture_ids: list[str]) -> None:
    missing = {kind: fid for kind, fid in CORE_KINDS.items() if fid not in corpus_fixture_ids}
    assert not missing
