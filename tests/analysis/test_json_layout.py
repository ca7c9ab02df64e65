"""`analyze --format json` and `diff --format json` text: the same value json gives, a node a line."""

from __future__ import annotations

import json

import pytest

import archdsl
from archdsl.analysis.formats import json_text
from archdsl.analysis.report import to_json
from archdsl.jsontext import report_json


@pytest.mark.parametrize("name", ["resnet18", "googlenet", "lstm_classifier"])
def test_report_is_the_value_json_dumps_gives(name: str) -> None:
    analysis = archdsl.load(name).analyze()
    assert json.loads(json_text(analysis)) == json.loads(json.dumps(to_json(analysis)))


def test_each_node_is_one_line() -> None:
    analysis = archdsl.load("resnet18").analyze()
    lines = json_text(analysis).splitlines()
    for node in analysis.graph:
        found = [line for line in lines if f'"name": "{node.name}",' in line]
        assert len(found) == 1
        assert json.loads(found[0].strip().rstrip(","))["name"] == node.name


@pytest.mark.parametrize("value", [
    {}, {"a": []}, {"a": {}}, {"a": [1, 2]}, {"a": [{"b": 1}, {"b": [2, {"c": None}]}]},
    {"a": {"b": {"c": "é\n\"q\""}}}, {"nodes": [{"x": 1.5}], "t": True}, {"mixed": [{"a": 1}, 2]},
])
def test_any_report_round_trips(value: dict) -> None:
    assert json.loads(report_json(value)) == value
