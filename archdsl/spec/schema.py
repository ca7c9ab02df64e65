"""The pydantic schema of a spec file (language version 1).

The models here check structure. Graph items are validated one by one
(`NodeBody`) so that every error maps back to the item's YAML position;
op attributes are validated later, after expressions are evaluated, by the
op's own attribute model.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator, model_validator

ParamType = Literal["int", "float", "bool", "str", "list", "any"]
PARAM_TYPES: tuple[str, ...] = ("int", "float", "bool", "str", "list", "any")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class ParamDecl(Strict):
    """A spec or block parameter: its type, default (absent: required) and doc."""

    type: ParamType = "any"
    default: Any = None
    required: bool = False
    doc: str = ""
    choices: list[Any] | None = None


class InputDecl(Strict):
    """A graph input: shape without the batch axis, and dtype."""

    shape: list[int | str]
    dtype: Literal["float32", "float16", "bfloat16", "float64", "int64", "int32", "bool"] = "float32"


class OutputDecl(Strict):
    """A named output: the node it reads and whether it exists only in training."""

    from_: str = Field(alias="from")
    train_only: StrictBool = False

    model_config = ConfigDict(extra="forbid", populate_by_name=True, defer_build=True)


class TorchvisionRef(Strict):
    """The torchvision constructor this spec reproduces (for parity checks)."""

    model: str
    kwargs: dict[str, Any] = Field(default_factory=dict)


class LintDecl(Strict):
    """Lint rules switched off where this appears (a node, a block, a whole file), and why."""

    disable: list[str] = Field(min_length=1, description="lint rule ids, e.g. [bias-before-bn]")
    why: str = Field(min_length=1, description="why the warning does not apply here, in one line")

    @field_validator("why")
    @classmethod
    def _says_why(cls, why: str) -> str:
        if not why.strip():
            raise ValueError("a suppression must say why")
        return why


NODE_KEYS = ("op", "block", "graph", "repeat", "from", "when", "with", "var", "name", "outputs", "lint")

ITEM_KEYS: dict[str, tuple[str, ...]] = {
    "block": ("block", "with", "repeat", "var", "name", "from", "when", "lint"),
    "graph": ("graph", "outputs", "repeat", "var", "name", "from", "when", "lint"),
}
"""The keys a `block:` or a `graph:` item takes (an `op:` item's other keys are its attributes)."""

_INDEX = "the repeat index is named with `var:` (default `var: i`)"
KEY_ALIASES: dict[str, str] = {
    "as": _INDEX, "index": _INDEX, "loop_var": _INDEX,
    "times": "the number of instances is `repeat:`", "count": "the number of instances is `repeat:`",
    "if": "a condition is `when:`", "args": "block arguments are `with:`", "params": "block arguments are `with:`",
    "input": "inputs are named with `from:`", "inputs": "inputs are named with `from:`",
}
"""Keys other tools use, with a hint naming the key archdsl uses instead."""


class NodeBody(BaseModel):
    """One graph item. Keys outside NODE_KEYS are op attributes; on other items they are
    mistakes, each reported at its key by `validation.validate_item`."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, defer_build=True)

    op: str | None = None
    block: str | None = None
    graph: list[Any] | None = None
    repeat: int | str | None = None
    from_: str | list[str] | dict[str, str] | None = Field(None, alias="from")
    when: bool | str = True
    with_: dict[str, Any] = Field(default_factory=dict, alias="with")
    var: str = "i"
    name: str | None = None
    outputs: list[Any] | None = None
    lint: LintDecl | None = None

    @field_validator("repeat", mode="before")
    @classmethod
    def _repeat_form(cls, value: Any) -> Any:
        if value is None or isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
            return value
        raise ValueError("must be a non-negative integer or an expression like '${blocks}'")

    @field_validator("when", mode="before")
    @classmethod
    def _when_form(cls, value: Any) -> Any:
        if isinstance(value, (bool, str)):
            return value
        raise ValueError("must be true, false or an expression like '${stride != 1}'")

    @field_validator("from_", mode="before")
    @classmethod
    def _from_form(cls, value: Any) -> Any:
        names = value.values() if isinstance(value, dict) else value if isinstance(value, list) else [value]
        if value is None or all(isinstance(name, str) for name in names):
            return value
        raise ValueError("names this node's inputs: a node name, a list of names or {input: name}")

    @model_validator(mode="after")
    def _one_kind(self) -> NodeBody:
        kinds = [k for k in ("op", "block", "graph") if getattr(self, k) is not None]
        if len(kinds) != 1:
            found = " and ".join(kinds) if kinds else "none of them"
            raise ValueError(f"a graph item needs exactly one of op, block, graph (found {found})")
        if self.with_ and self.block is None:
            raise ValueError("`with:` passes block arguments and needs `block:`")
        if self.name is not None and self.repeat is None:
            raise ValueError("`name:` sets the instance-name pattern of a `repeat`")
        return self

    @property
    def extra_attrs(self) -> dict[str, Any]:
        return dict(self.__pydantic_extra__ or {})


class BlockDecl(Strict):
    """A reusable sub-graph with typed params, named inputs and outputs."""

    description: str = ""
    params: dict[str, Any] = Field(default_factory=dict)
    inputs: list[str] = Field(default_factory=lambda: ["input"])
    graph: list[Any]
    outputs: list[Any] | None = None
    lint: LintDecl | None = Field(None, description="lint rules switched off in every instance of the block")

    @field_validator("inputs")
    @classmethod
    def _unique_inputs(cls, inputs: list[str]) -> list[str]:
        if len(set(inputs)) != len(inputs) or not inputs:
            raise ValueError("block inputs must be a non-empty list of distinct names")
        return inputs


class InitRuleDecl(BaseModel):
    """One `init:` rule: the nodes it picks (by op, by glob on the dotted name, or both)
    and, as further keys, parameter name (or glob) → initializer, e.g. `weight: zeros`."""

    model_config = ConfigDict(extra="allow", defer_build=True)

    op: str | list[str] | None = Field(None, description="op name(s) the rule applies to; default: any op")
    match: str | list[str] | None = Field(None, description="glob(s) on dotted node names, e.g. '*.bn3'; default: any")
    when: bool | str = Field(True, description="condition over the spec's params, e.g. '${zero_init_residual}'")

    @model_validator(mode="after")
    def _sets_parameters(self) -> InitRuleDecl:
        if not self.tensors:
            raise ValueError("an init rule sets at least one parameter, e.g. `weight: zeros`")
        for key, value in self.tensors.items():
            if not isinstance(value, str):
                raise ValueError(f"'{key}' needs an initializer string like 'normal(0, 0.01)', got {value!r}")
        return self

    @property
    def tensors(self) -> dict[str, str]:
        """Parameter name or glob → initializer text, in the order written."""
        return dict(self.__pydantic_extra__ or {})


class SpecFile(Strict):
    """One YAML file of the language: a model, a variant (`extends`) or a block library."""

    archdsl: Literal[1] = Field(description="language version; must be 1")
    name: str | None = None
    description: str = ""
    paper: str = ""
    torchvision: TorchvisionRef | str | None = None
    extends: str | None = None
    use: list[str] = Field(default_factory=list)
    params: dict[str, Any] = Field(default_factory=dict)
    inputs: dict[str, InputDecl | list[int | str]] = Field(default_factory=dict)
    blocks: dict[str, BlockDecl] = Field(default_factory=dict)
    graph: list[Any] | None = None
    outputs: list[Any] | None = None
    init: list[InitRuleDecl] = Field(default_factory=list, description="initialisation rules; later ones override earlier")
    plugins: list[str] = Field(default_factory=list, description="plugin modules defining ops (imported only with --allow-plugins)")
    lint: LintDecl | None = Field(None, description="lint rules switched off for this file (the whole model in the spec linted)")

    @field_validator("archdsl", mode="before")
    @classmethod
    def _version_is_an_integer(cls, value: Any) -> Any:
        if type(value) is not int:  # `true` and `1.0` would pass as 1
            raise ValueError("the language version is the integer 1: write `archdsl: 1`")
        return value

    @field_validator("name")
    @classmethod
    def _plain_name(cls, value: str | None) -> str | None:
        if value is not None and not IDENTIFIER.fullmatch(value):
            raise ValueError("a model name is letters, digits and _, not starting with a digit: "
                             "it names the generated torch class and the default output files")
        return value



IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
"""A plain ASCII identifier; use `.fullmatch` (`$` would accept a trailing newline)."""


SCHEMA_KEYS: frozenset[str] = frozenset(
    (field.alias or name)
    for model in (SpecFile, BlockDecl, InputDecl, OutputDecl, ParamDecl, TorchvisionRef, InitRuleDecl, LintDecl)
    for name, field in model.model_fields.items()
)
"""Every key the schema knows, for 'did you mean' hints."""
