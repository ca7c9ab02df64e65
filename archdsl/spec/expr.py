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
from functools import lru_cache
from typing import Any

from archdsl.errors import ExprError, did_you_mean
from archdsl.limits import Limits


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


def evaluate(text: str, env: Mapping[str, Any], limits: Limits) -> Any:
    """Evaluate one expression (the text between `${` and `}`)."""
    if len(text) > limits.expr_chars:
        raise ExprError(f"expression longer than the limit of {limits.expr_chars} characters")
    try:
        body = _parse(text.strip())
        if isinstance(body, ast.Name) and body.id in env:
            return env[body.id]
        inputs = _inputs(text, env)
        if inputs is None:
            return _Evaluator(text, env, limits).visit(body)
        return _thaw(_pure(text, inputs, limits))
    except SyntaxError as exc:
        raise ExprError(f"invalid expression '${{{text}}}': {exc.msg}") from None
    except (RecursionError, MemoryError):
        raise ExprError(f"expression '${{{text[:40]}...}}' is nested too deeply") from None


@lru_cache(maxsize=4096)
def _parse(text: str) -> ast.expr:
    """Parse once per distinct text: repeated blocks evaluate the same expressions."""
    return ast.parse(text, mode="eval").body


def _inputs(text: str, env: Mapping[str, Any]) -> tuple[tuple[str, Any], ...] | None:
    """The values of the names `text` reads, frozen for a cache key; None when one is missing
    (the evaluator reports it) or cannot be frozen."""
    found = []
    for name in _names(text):
        if name in env:
            value = env[name]
            if type(value) in _EXACT_SCALARS:  # the common case, frozen as _freeze would
                found.append((name, (type(value), value)))
                continue
            frozen = _freeze(value)
            if frozen is None:
                return None
            found.append((name, frozen))
        elif name not in FUNCTIONS and name not in ("True", "False", "None"):
            return None
    return tuple(found)


@lru_cache(maxsize=4096)
def _names(text: str) -> tuple[str, ...]:
    """Every name an expression mentions, functions included."""
    return tuple(sorted({node.id for node in ast.walk(_parse(text.strip())) if isinstance(node, ast.Name)}))


@lru_cache(maxsize=8192)
def _pure(text: str, inputs: tuple[tuple[str, Any], ...], limits: Limits) -> Any:
    """An expression's value is a function of the values it reads: repeated blocks evaluate
    `${planes * expansion}` with the same few values again and again. Errors are not cached."""
    env = {name: _thaw(value) for name, value in inputs}
    result = _Evaluator(text, env, limits).visit(_parse(text.strip()))
    return _freeze(result) or (type(result), result)


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
    def __init__(self, text: str, env: Mapping[str, Any], limits: Limits) -> None:
        self.text = text
        self.env = env
        self.limits = limits
        self.steps = 0
        self.sizes: dict[int, tuple[Any, int]] = {}
        """Nested element counts of the lists seen, by id (the list is kept so ids stay unique)."""

    def fail(self, message: str, hint: str | None = None) -> ExprError:
        return ExprError(f"in '${{{self.text}}}': {message}", hint=hint)

    def visit(self, node: ast.expr) -> Any:
        self.steps += 1
        if self.steps > self.limits.expr_steps:
            raise self.fail(f"evaluation takes more than {self.limits.expr_steps} steps")
        handler = getattr(self, f"visit_{type(node).__name__}", None)
        if handler is None:
            raise self.fail(f"{type(node).__name__} is not allowed in expressions")
        return self.check(handler(node))

    def check(self, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            if value.bit_length() > self.limits.expr_int_bits:
                raise self.fail(f"integer larger than {self.limits.expr_int_bits} bits")
        elif isinstance(value, (list, str)) and self.size(value) > self.limits.expr_seq_len:
            raise self.fail(f"sequence longer than {self.limits.expr_seq_len}")
        return value

    def size(self, value: Any) -> int:
        """Elements of a list counting those of nested lists (and characters of strings);
        `[[0] * 1000] * 1000` is a million, not a thousand. Counting stops past the limit."""
        if isinstance(value, str):
            return len(value)
        if not isinstance(value, list):
            return 1
        known = self.sizes.get(id(value))
        if known is not None:
            return known[1]
        total = len(value)
        for item in value:
            if total > self.limits.expr_seq_len:
                break
            if isinstance(item, (list, str)):
                total += self.size(item)
        self.sizes[id(value)] = (value, total)
        return total

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
        self.check_size(node.op, left, right)
        try:
            return op(left, right)
        except (TypeError, ZeroDivisionError, OverflowError, ValueError) as exc:
            raise self.fail(str(exc)) from None

    def check_size(self, op: ast.operator, left: Any, right: Any) -> None:
        """Refuse results too large to compute before computing them."""
        if isinstance(op, ast.Pow) and _is_number(left) and _is_number(right):
            if abs(left) > 1 and right > 0:
                bits = right * math.log2(abs(left))
                if bits > self.limits.expr_int_bits:
                    raise self.fail(f"power exceeds {self.limits.expr_int_bits} bits")
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
            raise self.fail(f"sequence longer than {self.limits.expr_seq_len}")

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
                raise self.fail(f"integer larger than {self.limits.expr_int_bits} bits")
        try:
            return FUNCTIONS[node.func.id](*args, **kwargs)
        except (TypeError, ValueError, ZeroDivisionError, OverflowError) as exc:
            raise self.fail(f"{node.func.id}(): {exc}") from None


    def check_call(self, name: str, args: list[Any], kwargs: dict[str, Any]) -> None:
        """Refuse calls whose work or result would be unbounded, before making them."""
        if name == "range":
            self.check_range(args)
        if name == "sum" and not all(_is_number(v) for v in _summed(args, kwargs)):
            raise self.fail("sum() adds a list of numbers", hint="join lists with +")
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
                raise self.fail(f"range longer than {self.limits.expr_seq_len}")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _summed(args: list[Any], kwargs: dict[str, Any]) -> list[Any]:
    """What `sum(*args, **kwargs)` would add, start included (anything odd makes the check fail)."""
    if not args or not isinstance(args[0], list):
        return [None]
    return [*args[0], *args[1:], *kwargs.values()]


@lru_cache(maxsize=4096)
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


def resolve(value: Any, env: Mapping[str, Any], limits: Limits) -> Any:
    """Evaluate every expression inside a YAML value.

    A string that is exactly one `${...}` becomes the expression's value (of any
    type); expressions embedded in longer strings are interpolated as text.
    """
    if isinstance(value, str):
        spans = find_expressions(value) if "${" in value else ()
        if not spans:
            return value
        if spans == ((0, len(value)),):
            return evaluate(value[2:-1], env, limits)
        pieces, last = [], 0
        for start, end in spans:
            pieces.append(value[last:start])
            pieces.append(str(evaluate(value[start + 2 : end - 1], env, limits)))
            last = end
        pieces.append(value[last:])
        return "".join(pieces)
    if isinstance(value, list):
        return [resolve(item, env, limits) for item in value]
    if isinstance(value, dict):
        return {key: resolve(item, env, limits) for key, item in value.items()}
    return value


def has_expression(value: Any) -> bool:
    """Whether a YAML value contains any `${...}`."""
    if isinstance(value, str):
        return "${" in value
    if isinstance(value, list):
        return any(has_expression(item) for item in value)
    if isinstance(value, dict):
        return any(has_expression(item) for item in value.values())
    return False
