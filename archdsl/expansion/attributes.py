"""An op node's attributes: its `op:` looked up, its keys evaluated and validated against the op.

Validation is cached two ways, bounded as issue 16 asks: small values by content in a
byte-bounded memo, large values (a long list every node of a `repeat` reads) by identity,
charged once to the run's step budget.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from archdsl.errors import ArchdslError, ErrorGroup, LimitError, Span, SpecError
from archdsl.expansion.evaluation import Evaluator
from archdsl.expansion.frame import Frame, Poisoned
from archdsl.expansion.keys import freeze
from archdsl.limits import ELEMENTS_PER_STEP, LIMIT_HINT
from archdsl.memo import BYTES_PER_ELEMENT, ByteMemo, size_upto
from archdsl.ops import OPS, get_op
from archdsl.spec.expr import MEMO_ELEMENTS
from archdsl.spec.items import Item
from archdsl.spec.loader import Source, pydantic_errors
from archdsl.spec.schema import NodeBody


class AttributeBinder:
    """Binds op nodes' attributes for one expansion, validating each distinct case once."""

    def __init__(self, values: Evaluator) -> None:
        self.values = values
        self.limits = values.limits
        self.attrs_cache: ByteMemo[Any] = ByteMemo(32 << 20)
        """Validated attributes by op and (small) values: repeated blocks validate each case once."""
        self.shared_attrs: dict[tuple, tuple[tuple[Any, ...], Any]] = {}
        """Validated attributes by op and the identity of large values (kept alive here), so a
        large list read by every node of a `repeat` is validated, and held, once."""
        self.static_attrs: dict[int, Any] = {}
        """Validated attributes of items without expressions, by the item's identity."""

    def bind(
        self, body: NodeBody, item: Item, env: dict[str, Any], frame: Frame, full: str, inputs: int
    ) -> tuple[str, Any]:
        """The op's name and the node's validated attributes; the op must take `inputs` inputs."""
        op_name = self.values.evaluate(body.op, env, frame, item.source, None, "op")
        if not isinstance(op_name, str):
            raise SpecError(f"`op:` must name an op, got {op_name!r}", item.source.at("op").span, full)
        try:
            op = get_op(op_name)
        except SpecError as error:
            raise error.located(item.source.at("op").span, full) from None
        low, high = op.arity
        if not (low <= inputs <= (high if high is not None else inputs)):
            wanted = f"{low}" if low == high else f"at least {low}" if high is None else f"{low}–{high}"
            arity = SpecError(f"op '{op_name}' takes {wanted} input(s), got {inputs}", item.source.span, full,
                              hint="list its inputs with `from: [a, b]`" if low > 1 else None)
            try:  # the attributes' own mistakes are reported with it
                self.op_attrs(op_name, body, item, env, frame, full)
            except ArchdslError as error:
                raise ErrorGroup([arity, *(error.errors if isinstance(error, ErrorGroup) else [error])]) from None
            except Poisoned:
                pass  # an attribute read a failed node, whose error is reported where it happened
            raise arity
        return op_name, self.op_attrs(op_name, body, item, env, frame, full)

    def op_attrs(self, op_name: str, body: NodeBody, item: Item, env: dict[str, Any], frame: Frame, full: str) -> Any:
        """An op node's validated attributes. Every mistake is reported; an attribute whose
        expression failed (or read a failed node) hides no other, only its own checks."""
        attrs = self.static_attrs.get(id(item.body))
        if attrs is not None:
            return attrs
        extra = body.extra_attrs
        has_expression = self.values.has_expression
        static = id(item.body) if not has_expression(extra) and not has_expression(body.op) else None
        raw: dict[str, Any] = {}
        failed: set[Span] = set()
        errors: list[ArchdslError] = []
        for key, value in extra.items():
            try:
                raw[key] = self.values.evaluate(value, env, frame, item.source, full, key)
            except Poisoned:
                failed.add(item.source.at(key).span)
            except ArchdslError as error:
                failed.add(item.source.at(key).span)
                errors.append(error)
        try:
            attrs = self.attrs(op_name, raw, item.source, full)
        except ValidationError as exc:
            errors += [e for e in self.attr_errors(exc, op_name, item, full) if e.span not in failed]
        if errors:
            raise ErrorGroup(errors)
        if failed:
            raise Poisoned()
        if static is not None:
            self.static_attrs[static] = attrs
        return attrs

    def attr_errors(self, exc: ValidationError, op_name: str, item: Item, full: str) -> list[SpecError]:
        """Located errors for an op's attributes, with a 'did you mean' for unknown ones."""
        op = OPS[op_name]
        errors = pydantic_errors(exc, item.source.doc, item.source.path, op.Attrs.model_fields)
        for error in errors:
            error.node = full
            if not error.hint and error.message.startswith("unknown key '"):
                error.hint = op.attribute_hint(error.message.split("'")[1])
        return errors

    def attrs(self, op_name: str, raw: dict[str, Any], source: Source, full: str) -> Any:
        """Validated attributes; identical ones (repeated blocks) are validated once."""
        values = tuple(raw.values())
        size = size_upto(values, MEMO_ELEMENTS)
        if size <= MEMO_ELEMENTS:
            key = (op_name, freeze(raw))
            cached = self.attrs_cache.get(key)
            if cached is None:
                cached = self.attrs_cache.put(key, OPS[op_name].Attrs.model_validate(raw), (size + 16) * BYTES_PER_ELEMENT)
            return cached
        shared = (op_name, tuple(raw), tuple(map(id, values)))
        found = self.shared_attrs.get(shared)
        if found is None:
            self.charge(size_upto(values, 4 * self.limits.expr_seq_len), source, full)
            found = self.shared_attrs[shared] = (values, OPS[op_name].Attrs.model_validate(raw))
        return found[1]

    def charge(self, elements: int, source: Source, node: str | None) -> None:
        """Pay for work on `elements` elements outside an expression (checking large values)."""
        if not self.values.budget.charge_elements(elements):
            raise LimitError(f"the run takes more than {self.limits.run_steps} evaluation steps "
                             "(large attribute values are checked at a step per "
                             f"{ELEMENTS_PER_STEP} elements)", source.span, node,
                             hint=LIMIT_HINT.format(name="run_steps"))
