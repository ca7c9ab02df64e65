"""Typed parameters: declarations in short or long form, and checking values."""

from __future__ import annotations

from typing import Any

from archdsl.errors import SpecError
from archdsl.spec.schema import PARAM_TYPES, ParamDecl

_PYTHON_TYPES: dict[str, tuple[type, ...]] = {
    "int": (int,),
    "float": (int, float),
    "bool": (bool,),
    "str": (str,),
    "list": (list,),
}


def parse_decl(raw: Any) -> ParamDecl:
    """`int` (required int), `3` (int defaulting to 3) or `{type, default, doc, choices}`."""
    if isinstance(raw, dict) and ({"type", "default", "doc", "required", "choices"} & set(raw)):
        decl = ParamDecl.model_validate(raw)
        if "default" not in raw:
            decl = decl.model_copy(update={"required": True})
        return decl
    if isinstance(raw, str) and raw in PARAM_TYPES:
        return ParamDecl(type=raw, required=True)  # type: ignore[arg-type]
    computed = isinstance(raw, str) and "${" in raw
    return ParamDecl(type="any" if computed else type_of(raw), default=raw)  # type: ignore[arg-type]


def type_of(value: Any) -> str:
    for name in ("bool", "int", "float", "str", "list"):
        if isinstance(value, _PYTHON_TYPES[name]) and not (name == "int" and isinstance(value, bool)):
            return name
    return "any"


def check_value(name: str, decl: ParamDecl, value: Any) -> Any:
    """Return `value` if it fits `decl`; else a SpecError saying what was expected."""
    allowed = _PYTHON_TYPES.get(decl.type)
    is_bool = isinstance(value, bool)
    if allowed and (not isinstance(value, allowed) or (is_bool and decl.type != "bool")):
        raise SpecError(f"param '{name}' expects {decl.type}, got {type_of(value)} {value!r}")
    if decl.choices is not None and value not in decl.choices:
        raise SpecError(f"param '{name}' must be one of {decl.choices}, got {value!r}")
    return value
