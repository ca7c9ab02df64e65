"""Safe evaluation of `${...}` expressions: a whitelist over Python's own parser.

Only literals, names from the environment, arithmetic, comparisons, boolean
logic, conditionals, list literals and indexing, and a fixed set of functions
are allowed. There is no attribute access except the shape fields of tensors
(`input.channels`), no imports, no calls of anything outside the table, and
every evaluation is bounded in steps, integer size and sequence length.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from archdsl.errors import ExprError, ExprLimitError, did_you_mean
from archdsl.limits import ELEMENTS_PER_STEP, LIMIT_HINT, Budget, Limits
from archdsl.memo import BYTES_PER_ELEMENT, ByteMemo, size_upto, text_memo


@dataclass(frozen=True)
class TensorInfo:
    """What an expression may read about a tensor: its shape without the batch axis."""

    dims: tuple[int, ...]

    @property
    def channels(self) -> int:
        return self.dims[0]

    @property
    def height(self) -> int:
        return self.dims[-2]

    @property
    def width(self) -> int:
        return self.dims[-1]

    @property
    def shape(self) -> list[int]:
        return list(self.dims)

    @property
    def rank(self) -> int:
        return len(self.dims) + 1

    def __repr__(self) -> str:
        return "a tensor of shape " + "×".join(str(d) for d in self.dims)


TENSOR_FIELDS = ("channels", "height", "width", "shape", "rank")


def make_divisible(value: float, divisor: int = 8, min_value: int | None = None) -> int:
    """Round channels to a multiple of `divisor`, never down by more than 10% (MobileNet)."""
    floor = divisor if min_value is None else min_value
    rounded = max(floor, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "min": min,
    "max": max,
    "abs": abs,
    "round": round,
    "int": int,
    "float": float,
    "len": len,
    "sum": sum,
    "range": lambda *args: list(range(*args)),
    "ceil": math.ceil,
    "floor": math.floor,
    "make_divisible": make_divisible,
}

_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_COMPARE: dict[type, Callable[[Any, Any], bool]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}
_UNARY: dict[type, Callable[[Any], Any]] = {
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
    ast.Not: operator.not_,
}


def evaluate(text: str, env: Mapping[str, Any], limits: Limits, budget: Budget | None = None) -> Any:
    """Evaluate one expression (the text between `${` and `}`), charging its steps to `budget`
    (the run's; a lone evaluation has a budget of its own)."""
    if len(text) > limits.expr_chars:
        raise _limit(f"expression longer than the limit of {limits.expr_chars} characters", "expr_chars")
    budget = budget if budget is not None else Budget(limits)
    if not budget.spend(1):
        raise _limit(f"the run takes more than {budget.limit} evaluation steps", "run_steps")
    try:
        body, names = _compiled(text)
        if type(body) is ast.Name and body.id in env:
            return env[body.id]
        inputs = _inputs(names, env)
        if inputs is None:
            return _Evaluator(text, env, limits, budget).run(body)
        return _thaw(_pure(text, body, inputs, limits, budget))
    except SyntaxError as exc:
        raise ExprError(f"invalid expression '${{{text}}}': {exc.msg}") from None
    except (RecursionError, MemoryError):
        raise ExprError(f"expression '${{{text[:40]}...}}' is nested too deeply") from None


def _limit(message: str, name: str) -> ExprLimitError:
    return ExprLimitError(message, hint=LIMIT_HINT.format(name=name))


@text_memo(budget=16 << 20, per_char=176)
def _compiled(text: str) -> tuple[ast.expr, tuple[str, ...]]:
    """Parse once per distinct text (repeated blocks evaluate the same expressions): the
    expression's tree and every name it mentions, functions included, in one memo lookup."""
    body = ast.parse(text.strip(), mode="eval").body
    names = tuple(sorted({node.id for node in ast.walk(body) if isinstance(node, ast.Name)}))
    return body, names


MEMO_ELEMENTS = 256
"""Expressions reading or making values larger than this (elements) are not memoised: the
memo key would copy the value per use, and evaluating them is charged by size instead."""

_MEMO: ByteMemo[Any] = ByteMemo(32 << 20)
"""Expression values by text, the values they read and the limits."""


def _inputs(names: tuple[str, ...], env: Mapping[str, Any]) -> tuple[tuple[str, Any], ...] | None:
    """The values of the `names` an expression reads, frozen for a cache key; None when one is
    missing (the evaluator reports it), cannot be frozen, or they are too large to memoise."""
    found = []
    room = MEMO_ELEMENTS
    for name in names:
        if name in env:
            value = env[name]
            if type(value) in _EXACT_SCALARS:  # the common case, frozen as _freeze would
                found.append((name, (type(value), value)))
                continue
            room -= size_upto(value, room)
            frozen = _freeze(value) if room >= 0 else None
            if frozen is None:
                return None
            found.append((name, frozen))
        elif name not in FUNCTIONS and name not in ("True", "False", "None"):
            return None
    return tuple(found)


def _pure(text: str, body: ast.expr, inputs: tuple[tuple[str, Any], ...], limits: Limits, budget: Budget) -> Any:
    """An expression's value is a function of the values it reads: repeated blocks evaluate
    `${planes * expansion}` with the same few values again and again. Errors are not memoised,
    nor are values larger than MEMO_ELEMENTS."""
    key = (text, inputs, limits)
    found = _MEMO.get(key)
    if found is not None:
        return found
    env = {name: _thaw(value) for name, value in inputs}
    result = _Evaluator(text, env, limits, budget).run(body)
    frozen = _freeze(result) or (type(result), result)
    size = size_upto(result, MEMO_ELEMENTS)
    if size <= MEMO_ELEMENTS:  # the frozen inputs are at most ~4 times MEMO_ELEMENTS elements
        _MEMO.put(key, frozen, (len(text) + size_upto(inputs, 4 * MEMO_ELEMENTS) + size) * BYTES_PER_ELEMENT)
    return frozen


_pure.cache_clear = _MEMO.clear  # type: ignore[attr-defined]  # as lru_cache's, for cold-cache benchmarks


_SCALARS = (int, float, str, bool, type(None))
_EXACT_SCALARS = frozenset(_SCALARS)


def _freeze(value: Any) -> Any:
    """A hashable, type-tagged form (True and 1 must not share a cache entry); None if there is none."""
    if isinstance(value, _SCALARS) or isinstance(value, TensorInfo):
        return (type(value), value)
    if isinstance(value, list):
        items = [_freeze(item) for item in value]
        return None if any(item is None for item in items) else (list, tuple(items))
    return None


def _thaw(frozen: Any) -> Any:
    kind, value = frozen
    return [_thaw(item) for item in value] if kind is list else value


class _Evaluator:
    def __init__(self, text: str, env: Mapping[str, Any], limits: Limits, budget: Budget) -> None:
        self.text = text
        self.env = env
        self.limits = limits
        self.budget = budget
        self.steps = 0
        self.cap, self.capped_by = (
            (limits.expr_steps, "expr_steps") if limits.expr_steps <= budget.left else (budget.left, "run_steps")
        )
        """Steps this evaluation may take, and the limit that says so (its own or what is left of the run's)."""
        self.sizes: dict[int, tuple[Any, int]] = {}
        """Nested element counts of the lists seen, by id (the list is kept so ids stay unique)."""

    def fail(self, message: str, hint: str | None = None) -> ExprError:
        return ExprError(f"in '${{{self.text}}}': {message}", hint=hint)

    def over(self, message: str, limit: str) -> ExprLimitError:
        return ExprLimitError(f"in '${{{self.text}}}': {message}", hint=LIMIT_HINT.format(name=limit))

    def run(self, node: ast.expr) -> Any:
        """The expression's value; its steps are taken from the run's budget, also on failure."""
        try:
            return self.visit(node)
        finally:
            self.budget.spend(self.steps)

    def visit(self, node: ast.expr) -> Any:
        self.steps += 1
        if self.steps > self.cap:
            raise self.out_of_steps()
        handler = getattr(self, f"visit_{type(node).__name__}", None)
        if handler is None:
            raise self.fail(f"{type(node).__name__} is not allowed in expressions")
        value = handler(node)
        return self.check(value) if type(node) in _MAKES_VALUES else value

    def charge(self, elements: int) -> None:
        """Pay for touching `elements` elements before touching them."""
        self.steps += elements // ELEMENTS_PER_STEP
        if self.steps > self.cap:
            raise self.out_of_steps()

    def out_of_steps(self) -> ExprLimitError:
        if self.capped_by == "expr_steps":
            return self.over(f"evaluation takes more than {self.limits.expr_steps} steps", "expr_steps")
        return self.over(f"the run takes more than {self.limits.run_steps} evaluation steps "
                         "(all expressions together)", "run_steps")

    def check(self, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            if value.bit_length() > self.limits.expr_int_bits:
                raise self.over(f"integer larger than {self.limits.expr_int_bits} bits", "expr_int_bits")
        elif isinstance(value, (list, str)) and self.size(value) > self.limits.expr_seq_len:
            raise self.over(f"sequence longer than {self.limits.expr_seq_len}", "expr_seq_len")
        return value

    def size(self, value: Any) -> int:
        """Elements of a list counting those of nested lists (and characters of strings);
        `[[0] * 1000] * 1000` is a million, not a thousand. Counting stops past the limit,
        and is charged: reading a big list's size is work too."""
        if isinstance(value, str):
            return len(value)
        if not isinstance(value, list):
            return 1
        known = self.sizes.get(id(value))
        if known is not None:
            return known[1]
        self.charge(min(len(value), self.limits.expr_seq_len))
        total = len(value)
        if not _SEQUENCE_TYPES.isdisjoint(map(type, value)):  # flat lists (the usual) skip the walk in Python
            for item in value:
                if total > self.limits.expr_seq_len:
                    break
                if isinstance(item, (list, str)):
                    total += self.size(item)
        self.sizes[id(value)] = (value, total)
        return total

    def work(self, *values: Any) -> None:
        """Pay for an operation that may touch every element of `values` (a list measured
        now was paid for by its measuring, which touches as many)."""
        for value in values:
            if isinstance(value, str):
                self.charge(len(value))
            elif isinstance(value, list):
                known = self.sizes.get(id(value))
                if known is None:
                    self.size(value)
                else:
                    self.charge(known[1])

    def visit_Constant(self, node: ast.Constant) -> Any:
        if not isinstance(node.value, (int, float, str, bool, type(None))):
            raise self.fail(f"constant {node.value!r} is not allowed")
        return node.value

    def visit_Name(self, node: ast.Name) -> Any:
        if node.id in self.env:
            return self.env[node.id]
        if node.id in ("True", "False", "None"):
            return {"True": True, "False": False, "None": None}[node.id]
        names = list(self.env) + list(FUNCTIONS)
        if node.id == "input":  # not 'int': the block-input name used where there is none
            raise self.fail("name 'input' is not defined here",
                            "`input` is the input tensor inside a block or an inline `graph:`; elsewhere name a node or graph input")
        raise self.fail(f"name '{node.id}' is not defined", did_you_mean(node.id, names))

    def visit_BinOp(self, node: ast.BinOp) -> Any:
        left, right = self.visit(node.left), self.visit(node.right)
        op = _BINARY.get(type(node.op))
        if op is None:
            raise self.fail(f"operator {type(node.op).__name__} is not allowed")
        total = self.check_size(node.op, left, right)
        try:
            return self.known_size(op(left, right), total)
        except (TypeError, ZeroDivisionError, OverflowError, ValueError) as exc:
            raise self.fail(str(exc)) from None

    def known_size(self, value: Any, size: int | None) -> Any:
        """Record the size of a list just made and paid for, so checking it walks it no more."""
        if size is not None and isinstance(value, list):
            self.sizes[id(value)] = (value, size)
        return value

    def check_size(self, op: ast.operator, left: Any, right: Any) -> int | None:
        """Refuse results too large to compute before computing them, and pay for the rest;
        the size of a sequence result, None for a number."""
        if isinstance(op, ast.Pow) and _is_number(left) and _is_number(right):
            if abs(left) > 1 and right > 0:
                bits = right * math.log2(abs(left))
                if bits > self.limits.expr_int_bits:
                    raise self.over(f"power exceeds {self.limits.expr_int_bits} bits", "expr_int_bits")
        if isinstance(op, ast.Mod) and isinstance(left, str):
            raise self.fail("string formatting with % is not allowed", hint="embed ${...} in the text instead")
        total = None
        if isinstance(op, ast.Mult):
            seq, count = (left, right) if isinstance(left, (list, str)) else (right, left)
            if isinstance(seq, (list, str)) and isinstance(count, int):
                total = self.size(seq) * count
        if isinstance(op, ast.Add) and isinstance(left, (list, str)) and isinstance(right, (list, str)):
            total = self.size(left) + self.size(right)
        if total is not None and total > self.limits.expr_seq_len:
            raise self.over(f"sequence longer than {self.limits.expr_seq_len}", "expr_seq_len")
        if total is not None:
            self.charge(total)
        return total

    def visit_UnaryOp(self, node: ast.UnaryOp) -> Any:
        op = _UNARY.get(type(node.op))
        if op is None:
            raise self.fail(f"operator {type(node.op).__name__} is not allowed")
        try:
            return op(self.visit(node.operand))
        except TypeError as exc:
            raise self.fail(str(exc)) from None

    def visit_BoolOp(self, node: ast.BoolOp) -> Any:
        is_and = isinstance(node.op, ast.And)
        value: Any = is_and
        for operand in node.values:
            value = self.visit(operand)
            if bool(value) != is_and:
                return value
        return value

    def visit_Compare(self, node: ast.Compare) -> bool:
        left = self.visit(node.left)
        for op_node, right_node in zip(node.ops, node.comparators, strict=True):
            right = self.visit(right_node)
            self.work(left, right)
            try:
                if not _COMPARE[type(op_node)](left, right):
                    return False
            except TypeError as exc:
                raise self.fail(str(exc)) from None
            left = right
        return True

    def visit_IfExp(self, node: ast.IfExp) -> Any:
        return self.visit(node.body) if self.visit(node.test) else self.visit(node.orelse)

    def visit_List(self, node: ast.List) -> list[Any]:
        return [self.visit(item) for item in node.elts]

    visit_Tuple = visit_List

    def visit_Subscript(self, node: ast.Subscript) -> Any:
        value = self.visit(node.value)
        index = self.visit_index(node.slice)
        if isinstance(index, slice) and isinstance(value, (list, str)):
            try:
                self.charge(len(range(*index.indices(len(value)))))
            except (TypeError, ValueError) as exc:
                raise self.fail(f"cannot index: {exc}") from None
            return self.check(value[index])
        try:
            return value[index]
        except (TypeError, IndexError, KeyError, ValueError) as exc:  # ValueError: a slice step of 0
            raise self.fail(f"cannot index: {exc}") from None

    def visit_index(self, node: ast.expr) -> Any:
        if isinstance(node, ast.Slice):
            parts = (node.lower, node.upper, node.step)
            return slice(*(None if p is None else self.visit(p) for p in parts))
        return self.visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> Any:
        value = self.visit(node.value)
        if isinstance(value, TensorInfo) and node.attr in TENSOR_FIELDS:
            try:
                return getattr(value, node.attr)
            except IndexError:
                raise self.fail(f"a tensor of shape {list(value.dims)} has no {node.attr}") from None
        if isinstance(value, TensorInfo):
            raise self.fail(
                f"tensors have no field '{node.attr}'", did_you_mean(node.attr, TENSOR_FIELDS)
            )
        raise self.fail("attribute access is only allowed on tensors (e.g. input.channels)")

    def visit_Call(self, node: ast.Call) -> Any:
        available = f"available: {', '.join(sorted(FUNCTIONS))}"
        if isinstance(node.func, ast.Attribute):
            raise self.fail(f"method calls ('.{node.func.attr}(...)') are not allowed", available)
        if not isinstance(node.func, ast.Name):
            raise self.fail("only the built-in functions may be called", available)
        if node.func.id not in FUNCTIONS:
            name = node.func.id
            raise self.fail(f"function '{name}' is not available", did_you_mean(name, FUNCTIONS) or available)
        if any(kw.arg is None for kw in node.keywords):
            raise self.fail("`**` arguments are not allowed")
        args = [self.visit(arg) for arg in node.args]
        kwargs = {str(kw.arg): self.visit(kw.value) for kw in node.keywords}
        self.check_call(node.func.id, args, kwargs)
        if node.func.id == "int" and args and isinstance(args[0], str):
            digits = args[0].strip().lstrip("+-").replace("_", "").lstrip("0")
            if len(digits) > self.limits.expr_int_bits:  # so many digits cannot fit; do not convert
                raise self.over(f"integer larger than {self.limits.expr_int_bits} bits", "expr_int_bits")
        try:
            value = FUNCTIONS[node.func.id](*args, **kwargs)
        except (TypeError, ValueError, ZeroDivisionError, OverflowError) as exc:
            raise self.fail(f"{node.func.id}(): {exc}") from None
        return self.known_size(value, len(value)) if node.func.id == "range" else value


    def check_call(self, name: str, args: list[Any], kwargs: dict[str, Any]) -> None:
        """Refuse calls whose work or result would be unbounded, and pay for the rest, before making them."""
        if name == "sum" and not _adds_numbers(args, kwargs):
            raise self.fail("sum() adds a list of numbers", hint="join lists with +")
        if name in _TOUCHES_ARGUMENTS:
            self.work(*args, *kwargs.values())
        if name == "range":
            self.check_range(args)
        ndigits = args[1] if name == "round" and len(args) > 1 else kwargs.get("ndigits")
        if name == "round" and isinstance(ndigits, int) and abs(ndigits) > 400:
            raise self.fail(f"round(): ndigits={ndigits} is out of range (at most 400 either way)")

    def check_range(self, args: list[Any]) -> None:
        if all(isinstance(a, int) for a in args) and 1 <= len(args) <= 3:
            try:
                length = len(range(*args))
            except OverflowError:
                length = self.limits.expr_seq_len + 1
            except ValueError as exc:
                raise self.fail(f"range(): {exc}") from None
            if length > self.limits.expr_seq_len:
                raise self.over(f"range longer than {self.limits.expr_seq_len}", "expr_seq_len")
            self.charge(length)


_TOUCHES_ARGUMENTS = frozenset({"min", "max", "sum", "int", "float"})
"""Functions that may read every element of their arguments (`int` and `float` of a text read
its characters); the others do constant work (`len`), or are charged for their result (`range`)."""

_MAKES_VALUES = frozenset({ast.Constant, ast.BinOp, ast.UnaryOp, ast.Call, ast.List, ast.Tuple})
"""Nodes whose values are new and so checked against the size limits; a name, an index or a
branch yields a value that was checked when it was made (re-measuring a big list read by
every node of a `repeat` would cost its length each time)."""


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _adds_numbers(args: list[Any], kwargs: dict[str, Any]) -> bool:
    """Whether `sum(*args, **kwargs)` adds only numbers, start included (looked at in C: a
    100,000-element list is checked in milliseconds)."""
    if not args or not isinstance(args[0], list):
        return False
    return _NUMBER_TYPES.issuperset(map(type, args[0])) and all(_is_number(v) for v in [*args[1:], *kwargs.values()])


_NUMBER_TYPES = frozenset({int, float})
_SEQUENCE_TYPES = frozenset({list, str})


@text_memo(budget=4 << 20, per_char=8)
def find_expressions(text: str) -> tuple[tuple[int, int], ...]:
    """(start, end) of each `${...}` in `text`, end exclusive; braces may nest."""
    found: list[tuple[int, int]] = []
    start = text.find("${")
    while start >= 0:
        depth, pos = 0, start + 1
        while pos < len(text):
            if text[pos] == "{":
                depth += 1
            elif text[pos] == "}":
                depth -= 1
                if depth == 0:
                    break
            pos += 1
        if pos >= len(text):
            raise ExprError(f"unterminated expression in '{text}'", hint="close it with '}'")
        found.append((start, pos + 1))
        start = text.find("${", pos + 1)
    return tuple(found)


def resolve(value: Any, env: Mapping[str, Any], limits: Limits, budget: Budget | None = None) -> Any:
    """Evaluate every expression inside a YAML value, charging `budget` (the run's).

    A string that is exactly one `${...}` becomes the expression's value (of any
    type); expressions embedded in longer strings are interpolated as text.
    """
    budget = budget if budget is not None else Budget(limits)
    if isinstance(value, str):
        spans = find_expressions(value) if "${" in value else ()
        if not spans:
            return value
        if spans == ((0, len(value)),):
            return evaluate(value[2:-1], env, limits, budget)
        pieces, last = [], 0
        for start, end in spans:
            pieces.append(value[last:start])
            pieces.append(_text(evaluate(value[start + 2 : end - 1], env, limits, budget), limits, budget))
            last = end
        pieces.append(value[last:])
        return "".join(pieces)
    if isinstance(value, list):
        return [resolve(item, env, limits, budget) for item in value]
    if isinstance(value, dict):
        return {key: resolve(item, env, limits, budget) for key, item in value.items()}
    return value


def _text(value: Any, limits: Limits, budget: Budget) -> str:
    """A value interpolated into text: paid for by its size, and no longer than `expr_seq_len`."""
    if isinstance(value, (list, str)):
        size = size_upto(value, limits.expr_seq_len)
        if size > limits.expr_seq_len:
            raise _limit(f"interpolated text longer than {limits.expr_seq_len}", "expr_seq_len")
        if not budget.charge_elements(size):
            raise _limit(f"the run takes more than {budget.limit} evaluation steps (all expressions together)",
                         "run_steps")
    text = str(value)
    if len(text) > limits.expr_seq_len:
        raise _limit(f"interpolated text longer than {limits.expr_seq_len}", "expr_seq_len")
    return text


def has_expression(value: Any) -> bool:
    """Whether a YAML value contains any `${...}`."""
    if isinstance(value, str):
        return "${" in value
    if isinstance(value, list):
        return any(has_expression(item) for item in value)
    if isinstance(value, dict):
        return any(has_expression(item) for item in value.values())
    return False
