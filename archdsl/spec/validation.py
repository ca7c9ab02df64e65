"""pydantic validation with located errors: each pydantic error becomes one SpecError at its key."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from archdsl.errors import ErrorGroup, SpecError, did_you_mean
from archdsl.spec.schema import ITEM_KEYS, KEY_ALIASES, SCHEMA_KEYS, NodeBody
from archdsl.spec.yamlpos import Document
from archdsl.spec.yamlpos import Path as YPath


def validate_model(model: type, data: Any, doc: Document, base: YPath):  # noqa: ANN201
    """Validate `data` with a pydantic model; errors become located SpecErrors."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ErrorGroup(pydantic_errors(exc, doc, base)) from None


def validate_item(data: Mapping[str, Any], doc: Document, base: YPath) -> NodeBody:
    """Validate one graph item; every mistake in it (each unknown key too) is reported together."""
    errors = unknown_item_keys(data, doc, base)
    try:
        body = NodeBody.model_validate(data)
    except ValidationError as exc:
        errors += pydantic_errors(exc, doc, base)
    if errors:
        raise ErrorGroup(errors)
    return body


def unknown_item_keys(data: Mapping[str, Any], doc: Document, base: YPath) -> list[SpecError]:
    """One error per key a `block:` or `graph:` item does not take, at the key, with the likely fix."""
    kinds = [kind for kind in ("op", *ITEM_KEYS) if kind in data]
    if kinds not in (["block"], ["graph"]):
        return []  # op attributes are checked by the op; a wrong mix of kinds is its own error
    allowed = ITEM_KEYS[kinds[0]]
    return [
        SpecError(f"unknown key '{key}' on a `{kinds[0]}:` item", doc.span(base + (key,)),
                  hint=did_you_mean(key, allowed) or KEY_ALIASES.get(str(key))
                  or f"it takes {', '.join(allowed)}; attributes belong on op nodes")
        for key in data if key not in allowed
    ]


def pydantic_errors(
    exc: ValidationError, doc: Document, base: YPath, keys: Iterable[str] = SCHEMA_KEYS
) -> list[SpecError]:
    """One SpecError per mistake, located at the offending key; `keys` feed 'did you mean'.

    pydantic reports a value that fits no member of a union once per member; those
    become one message, and a member the value got inside of wins over the others.
    """
    keys = list(keys)
    found = [_Found(item, *_strip_tags(item["loc"], item["type"])) for item in exc.errors()]
    found = _drop_misspelt_missing(_drop_shallow_branches(found))
    errors: list[SpecError] = []
    for loc, group in _by_loc(found).items():
        kind = group[0].item["type"]
        hint = did_you_mean(str(loc[-1]), keys) if kind == "extra_forbidden" else None
        errors.append(SpecError(_message(group, loc), doc.span(base + loc), hint=hint))
    return errors


@dataclass(frozen=True)
class _Found:
    """One pydantic error with union-member tags taken out of its location."""

    item: Any
    loc: tuple[Any, ...]
    site: int | None
    """How many parts of `loc` precede the union member it was reported in (None: no union)."""


def _strip_tags(loc: tuple[Any, ...], kind: str) -> tuple[tuple[Any, ...], int | None]:
    models = _model_names()
    clean: list[Any] = []
    site = None
    for index, part in enumerate(loc):
        named = kind in ("missing", "extra_forbidden") and index == len(loc) - 1
        if isinstance(part, str) and not named and (
            "[" in part or part in ("str", "int", "list", "dict", "bool", "float") or part in models
        ):
            site = len(clean) if site is None else site
            continue
        clean.append(part)
    return tuple(clean), site


def _model_names() -> set[str]:
    names, todo = set(), [BaseModel]
    while todo:
        for sub in todo.pop().__subclasses__():
            names.add(sub.__name__)
            todo.append(sub)
    return names


def _drop_shallow_branches(found: list[_Found]) -> list[_Found]:
    """Where a value got inside one union member, the other members' type errors are noise."""
    deep = {f.loc[: f.site] for f in found if f.site is not None and len(f.loc) > f.site}
    return [f for f in found if f.site is None or len(f.loc) > f.site or f.loc[: f.site] not in deep]


def _drop_misspelt_missing(found: list[_Found]) -> list[_Found]:
    """`kernal: 3` is one mistake: keep 'unknown key kernal', drop 'missing kernel'."""
    extra = {(f.loc[:-1], str(f.loc[-1])) for f in found if f.item["type"] == "extra_forbidden" and f.loc}
    def misspelt(f: _Found) -> bool:
        typos = [key for parent, key in extra if parent == f.loc[:-1]]
        return f.item["type"] == "missing" and bool(f.loc) and any(
            did_you_mean(typo, [str(f.loc[-1])]) for typo in typos)
    return [f for f in found if not misspelt(f)]


def _by_loc(found: list[_Found]) -> dict[tuple[Any, ...], list[_Found]]:
    groups: dict[tuple[Any, ...], list[_Found]] = {}
    for f in found:
        groups.setdefault(f.loc, []).append(f)
    return groups


def _message(group: list[_Found], loc: tuple) -> str:
    item = group[0].item
    kind = item["type"]
    if kind == "extra_forbidden":
        return f"unknown key '{loc[-1]}'"
    if kind == "missing":
        return f"missing required key '{loc[-1]}'"
    msgs = [_plain(f.item["msg"].removeprefix("Value error, ")) for f in group]
    msg = " or ".join([msgs[0], *(m.removeprefix("Input should be ") for m in msgs[1:])])
    value = item.get("input")
    shown = f", got {_short(value)}" if not isinstance(value, (dict, list)) else ""
    key = ".".join(str(p) for p in loc if p != "from_")
    return f"{key}: {msg}{shown}" if key else f"{msg}{shown}"


def _plain(message: str) -> str:
    """pydantic's message without our class names: 'a valid dictionary or instance of InputDecl'
    is, in a YAML file, 'a mapping'."""
    return re.sub(r"a valid dictionary or instance of \w+|a valid dictionary", "a mapping", message)


def _short(value: Any, width: int = 60) -> str:
    """A value's repr, cut to `width` characters: messages stay one line."""
    text = repr(value)
    return text if len(text) <= width else f"{text[: width - 5]}...{text[-2:]}"
