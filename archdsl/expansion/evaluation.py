"""Spec values during expansion: `${...}` resolved against params, loop variables and tensors in
scope, and the item keys that steer the walk (a node's name, `when:`, `repeat:`), checked."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from archdsl.errors import ArchdslError, LimitError, SpecError
from archdsl.expansion.frame import ExprEnv, Frame
from archdsl.limits import Budget, Limits
from archdsl.spec.expr import has_expression, resolve
from archdsl.spec.loader import Source
from archdsl.spec.schema import NodeBody
from archdsl.tensors import TensorType

NAME = re.compile(r"[A-Za-z0-9_]+")
"""A node name (use `.fullmatch`: `$` would accept a trailing newline)."""


class Evaluator:
    """Evaluates spec values for one expansion, charging every expression to the run's budget."""

    def __init__(self, limits: Limits, budget: Budget, types: Mapping[str, tuple[TensorType, ...]]) -> None:
        self.limits = limits
        self.budget = budget
        """Evaluation steps left to the run (`run_steps`), shared by every expression."""
        self.types = types
        """Output types of the nodes made so far (expressions read `input.channels`)."""
        self.dynamic: dict[int, tuple[Any, bool]] = {}
        """Whether a spec list or mapping holds `${...}`, by identity (kept alive here)."""
        self.plain_names: set[str] = set()
        """Node names written without `${...}` that passed the name check."""

    def evaluate(
        self, value: Any, env: Mapping[str, Any], frame: Frame, source: Source, node: str | None = None, *path: str | int
    ) -> Any:
        """Resolve expressions in `value`; errors are located at `source` + `path`."""
        if not self.has_expression(value):
            return value
        try:
            return resolve(value, ExprEnv(env, frame, self.types), self.limits, self.budget)
        except ArchdslError as error:
            raise error.located(source.at(*path).span, node) from None

    def has_expression(self, value: Any) -> bool:
        """Whether a spec value holds `${...}`; a list or mapping is searched once per run
        (a large literal list beside an expression would be searched at every node)."""
        if not isinstance(value, (list, dict)):
            return has_expression(value)
        known = self.dynamic.get(id(value))
        if known is None:
            known = self.dynamic[id(value)] = (value, has_expression(value))
        return known[1]

    def local_name(self, raw: str | None, env: dict[str, Any], frame: Frame, source: Source) -> str | None:
        """An item's name inside its scope (None: unnamed)."""
        if raw is None:
            return None
        if isinstance(raw, str) and raw in self.plain_names:
            return raw
        name = self.evaluate(raw, env, frame, source)
        if not isinstance(name, (str, int)) or not NAME.fullmatch(str(name)):
            hint = "nest a named `graph:` to make a dotted name" if "." in str(name) else None
            raise SpecError(f"invalid node name {name!r}: use letters, digits and _", source.span, hint=hint)
        if name == raw and isinstance(raw, str):
            self.plain_names.add(raw)  # no expression in it, and valid: later uses skip the checks
        return str(name)

    def condition(self, raw: Any, env: dict[str, Any], frame: Frame, source: Source) -> bool:
        """An item's `when:`."""
        if raw is True:
            return True
        value = self.evaluate(raw, env, frame, source, None, "when")
        if not isinstance(value, bool):
            raise SpecError(f"`when:` must be true or false, got {value!r}", source.at("when").span)
        return value

    def count(self, body: NodeBody, env: dict[str, Any], frame: Frame, source: Source) -> int:
        """An item's `repeat:`, within the repeat limit."""
        value = self.evaluate(body.repeat, env, frame, source.at("repeat"))
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise SpecError(f"`repeat` must be a non-negative integer, got {value!r}", source.at("repeat").span)
        if value > self.limits.repeat:
            raise LimitError(f"`repeat: {value}` exceeds the limit of {self.limits.repeat}", source.at("repeat").span,
                             hint="raise it with --limit repeat=N if the model is genuine")
        return value
