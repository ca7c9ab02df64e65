"""Param binding: the values a spec's or a block's params take, defaults filled in and checked.

One algorithm binds both; what differs between a spec (params given on the command line) and a
block instance (params given with `with:`) is said by its ParamOwner: its name in messages,
where a given value or a declaration is reported, and how a default is evaluated.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from archdsl.errors import ArchdslError, Span, SpecError, did_you_mean
from archdsl.expansion.evaluation import Evaluator
from archdsl.expansion.frame import ExprEnv, Frame
from archdsl.limits import Budget, Limits
from archdsl.spec.expr import resolve
from archdsl.spec.items import Item
from archdsl.spec.loader import Block, Source, Spec
from archdsl.spec.params import check_value
from archdsl.spec.schema import ParamDecl


class ParamOwner(Protocol):
    """A spec or a block instance, as param binding sees it."""

    @property
    def label(self) -> str:
        """The owner in messages: `'resnet50'` or `block 'bottleneck'`."""

    @property
    def decls(self) -> Mapping[str, ParamDecl]:
        """The declared params, in declaration order."""

    def given_at(self, name: str) -> Span | None:
        """Where the value given for `name` is written (None: not in a spec file)."""

    def declared_at(self, name: str) -> Source:
        """Where `name` is declared (its default's errors are reported there)."""

    def missing(self, name: str) -> tuple[Span, str]:
        """Where a required param that is not given is reported, and the hint how to give it."""

    def default(self, raw: Any, values: Mapping[str, Any], source: Source) -> Any:
        """A declared default, evaluated with the values bound before it; errors located at `source`."""


def bind_params(owner: ParamOwner, given: Mapping[str, Any], base: Mapping[str, Any]) -> dict[str, Any]:
    """`base` (the values already in scope) and every declared param: the given value, else the
    default, each checked against its declaration."""
    decls = owner.decls
    unknown = [key for key in given if key not in decls]
    if unknown:
        raise SpecError(f"{owner.label} has no param '{unknown[0]}'", owner.given_at(unknown[0]),
                        hint=did_you_mean(unknown[0], decls) or known("params", decls))
    values = dict(base)
    for name, decl in decls.items():
        if name in given:
            value = given[name]
        elif decl.required:
            span, hint = owner.missing(name)
            raise SpecError(f"{owner.label} needs param '{name}' ({decl.type})", span, hint=hint)
        else:
            value = owner.default(decl.default, values, owner.declared_at(name))
        try:
            values[name] = check_value(name, decl, value)
        except SpecError as error:
            raise error.located(owner.given_at(name) if name in given else owner.declared_at(name).span) from None
    return values


def known(what: str, names: Mapping[str, Any]) -> str:
    """A hint listing the names there are."""
    return f"known {what}: {', '.join(names) or 'none'}"


@dataclass(frozen=True)
class SpecParams:
    """A spec's own params, given on the command line (`-p name=value`) or by the API."""

    spec: Spec
    limits: Limits
    budget: Budget | None = None
    """The run's step budget; None: each default gets a fresh one."""

    @property
    def label(self) -> str:
        return f"'{self.spec.name}'"

    @property
    def decls(self) -> Mapping[str, ParamDecl]:
        return self.spec.params

    def given_at(self, name: str) -> Span | None:
        return None

    def declared_at(self, name: str) -> Source:
        return self.spec.param_sources[name]

    def missing(self, name: str) -> tuple[Span, str]:
        return self.declared_at(name).span, f"give it with -p {name}=VALUE"

    def default(self, raw: Any, values: Mapping[str, Any], source: Source) -> Any:
        try:
            return resolve(raw, ExprEnv(values, Frame(scope=""), {}), self.limits, self.budget)
        except ArchdslError as error:
            raise error.located(source.span) from None


@dataclass(frozen=True)
class BlockParams:
    """A block instance's params, given with `with:` (evaluated in the caller's scope)."""

    block: Block
    item: Item
    """The item that instantiates the block."""
    frame: Frame
    values: Evaluator

    @property
    def label(self) -> str:
        return f"block '{self.block.name}'"

    @property
    def decls(self) -> Mapping[str, ParamDecl]:
        return self.block.params

    def given_at(self, name: str) -> Span | None:
        return self.item.source.at("with", name).span

    def declared_at(self, name: str) -> Source:
        return self.block.source.at("params", name)

    def missing(self, name: str) -> tuple[Span, str]:
        return self.item.source.span, f"pass it with `with: {{{name}: ...}}`"

    def default(self, raw: Any, values: Mapping[str, Any], source: Source) -> Any:
        return self.values.evaluate(raw, values, self.frame, source)
