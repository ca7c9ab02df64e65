"""The JSON Schema for editors: up to date, valid, and it accepts the library."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from archdsl.jsonschema import json_schema
from archdsl.spec.library import library_root

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "archdsl.schema.json"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_committed_schema_is_current() -> None:
    current = json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"
    assert COMMITTED.read_text(encoding="utf-8") == current, "run: archdsl schema -o docs/archdsl.schema.json"


@pytest.mark.parametrize("path", sorted(library_root().rglob("*.yaml")), ids=lambda p: p.stem)
def test_library_specs_validate(validator: jsonschema.Draft202012Validator, path: Path) -> None:
    errors = [e.message for e in validator.iter_errors(yaml.safe_load(path.read_text(encoding="utf-8")))]
    assert errors == []


@pytest.mark.parametrize(
    "graph",
    [
        [{"c": {"op": "conv2d", "out": 3, "kernal": 3}}],  # misspelt attribute
        [{"c": {"op": "conv2", "out": 3}}],  # unknown op
        [{"c": {"op": "relu", "from": 3}}],  # wrong type
    ],
)
def test_mistakes_are_flagged(validator: jsonschema.Draft202012Validator, graph: list) -> None:
    assert not validator.is_valid({"archdsl": 1, "graph": graph})
