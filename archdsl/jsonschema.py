"""A JSON Schema of the spec language for editors (yaml-language-server).

The structure comes from the pydantic models; graph items get one schema per
registered op (its attributes), so editors complete op names and attributes.
"""

from __future__ import annotations

from typing import Any

from archdsl.ir.graph import INPUT_OP
from archdsl.lint import rule_ids
from archdsl.ops import OPS
from archdsl.plugin import load_all
from archdsl.spec.schema import BlockDecl, InputDecl, SpecFile

SCHEMA_ID = "https://archdsl.dev/schema/v1.json"

_COMMON_NODE: dict[str, Any] = {
    "from": {
        "description": "input(s): earlier node names, `scope.node`, `node:port`; default: the previous node",
        "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}, {"type": "object"}],
    },
    "when": {"description": "condition; when false the node is an identity of its input", "type": ["boolean", "string"]},
    "repeat": {"description": "repeat count (instances named 0, 1, ... or by `name`)", "type": ["integer", "string"]},
    "var": {"description": "name of the repeat index variable (default i)", "type": "string"},
    "name": {"description": "instance-name pattern of a repeat, e.g. denselayer${i + 1}", "type": "string"},
    "lint": {"$ref": "#/$defs/LintDecl"},
}


EXPRESSION = {"type": "string", "pattern": r"^\$\{.*\}$"}


def _allow_expressions(schema: Any) -> Any:
    """Let every scalar (also inside lists) be written as a `${...}` expression instead."""
    if isinstance(schema, list):
        return [_allow_expressions(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    mapped = {key: _allow_expressions(value) if key in ("items", "anyOf", "prefixItems") else value
              for key, value in schema.items()}
    for key in ("properties", "$defs"):
        if key in mapped:
            mapped[key] = {name: _allow_expressions(sub) for name, sub in mapped[key].items()}
    if mapped.get("type") in ("integer", "number", "boolean", "array") or "enum" in mapped or "const" in mapped:
        return {"anyOf": [mapped, EXPRESSION]}
    return mapped


def _op_schema(name: str) -> dict[str, Any]:
    op = OPS[name]
    attrs = _allow_expressions(op.Attrs.model_json_schema())
    properties = {"op": {"const": name, "description": op.doc}, **_COMMON_NODE}
    for key, prop in attrs.get("properties", {}).items():
        properties[key] = {**prop, "description": prop.get("description", key)}
    return {"type": "object", "properties": properties, "required": ["op"], "additionalProperties": False,
            **({"$defs": attrs["$defs"]} if "$defs" in attrs else {})}


def json_schema() -> dict[str, Any]:
    """The whole language as one JSON Schema document (draft 2020-12), with the ops of every
    installed plugin that loads (see `archdsl.plugin`)."""
    load_all()
    ops = sorted(name for name in OPS if name != INPUT_OP)
    node_defs = {f"op_{name}": _op_schema(name) for name in ops}
    structural = {
        "type": "object",
        "properties": {
            **_COMMON_NODE,
            "block": {"type": "string", "description": "a block to instantiate"},
            "with": {"type": "object", "description": "block arguments"},
            "graph": {"$ref": "#/$defs/graph"},
            "outputs": {"type": "array"},
        },
        "anyOf": [{"required": ["block"]}, {"required": ["graph"]}],
        "additionalProperties": False,
    }
    computed_op = {
        "type": "object",
        "description": "an op chosen by an expression (its attributes are checked after evaluation)",
        "properties": {"op": {"type": "string", "pattern": r"^\$\{.*\}$"}, **_COMMON_NODE},
        "required": ["op"],
    }
    defs_extra = {"computed_op": computed_op}
    refs = [f"#/$defs/op_{name}" for name in ops] + ["#/$defs/computed_op", "#/$defs/structural"]
    definition = {"anyOf": [{"$ref": ref} for ref in refs]}
    item = {
        "anyOf": [
            {"type": "string", "enum": ops, "description": "an anonymous op without attributes"},
            {"$ref": "#/$defs/definition"},
            {"type": "object", "minProperties": 1, "maxProperties": 1,
             "additionalProperties": {"anyOf": [{"$ref": "#/$defs/definition"}, {"type": "string", "enum": ops}]}},
        ]
    }
    schema = SpecFile.model_json_schema()
    defs = schema.setdefault("$defs", {})
    defs.update(node_defs)
    defs["structural"] = structural
    defs.update(defs_extra)
    defs["definition"] = definition
    defs["graph"] = {"type": "array", "items": item}
    defs["BlockDecl"] = BlockDecl.model_json_schema(ref_template="#/$defs/{model}")
    defs["BlockDecl"].pop("$defs", None)
    defs["BlockDecl"]["properties"]["graph"] = {"$ref": "#/$defs/graph"}
    defs.setdefault("InputDecl", InputDecl.model_json_schema())
    defs["LintDecl"]["properties"]["disable"]["items"] = {"enum": rule_ids()}
    schema["properties"]["graph"] = {"$ref": "#/$defs/graph"}
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_ID
    schema["title"] = "archdsl spec (language version 1)"
    return schema
