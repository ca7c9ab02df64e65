"""Typed parameters: declarations in short or long form, and checking values."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from archdsl.errors import SpecError, did_you_mean
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


def parse_decls(raw: dict[str, Any]) -> dict[str, ParamDecl]:
    try:
        return {name: parse_decl(value) for name, value in raw.items()}
    except ValidationError as exc:
        raise SpecError(f"invalid param declaration: {exc.errors()[0]['msg']}") from None


def bind(
    decls: dict[str, ParamDecl], given: dict[str, Any], what: str
) -> dict[str, Any]:
    """Values for every declared param: defaults overridden by `given`, all checked."""
    unknown = [name for name in given if name not in decls]
    if unknown:
        raise SpecError(
            f"{what} has no param '{unknown[0]}'",
            hint=did_you_mean(unknown[0], decls) or f"its params: {', '.join(decls) or 'none'}",
        )
    values: dict[str, Any] = {}
    for name, decl in decls.items():
        if name in given:
            values[name] = check_value(name, decl, given[name])
        elif decl.required:
            raise SpecError(f"{what} needs param '{name}' ({decl.type})")
        else:
            values[name] = decl.default
    return values
