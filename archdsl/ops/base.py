"""The op contract: each op is defined once, here in archdsl/ops, and found by name.

An op is a subclass of `Op` registered with `@register`. It declares a pydantic
model of its attributes and pure functions of tensor types: output types,
weights (parameters and buffers, by the names PyTorch gives them), MACs,
element-wise FLOPs and its receptive-field step. Backends lower ops through
tables keyed by `Op.name`; nothing else describes an op.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from fractions import Fraction
from functools import lru_cache
from math import gcd, isqrt, prod, sqrt
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AllowInfNan, BaseModel, BeforeValidator, ConfigDict, PrivateAttr, Strict

from archdsl.errors import ShapeError, SpecError, did_you_mean
from archdsl.tensors import BATCH, TensorType, shape_text

Int = Annotated[int, Strict()]
Bool = Annotated[bool, Strict()]


def _not_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("expected a number, not a boolean")
    return value


Float = Annotated[float, BeforeValidator(_not_bool), AllowInfNan(False)]
"""A finite number; ints and numeric strings (YAML reads `1e-5` as a string) are accepted."""
IntOrList = Int | list[Int]
"""An int for every spatial axis, or one per axis."""


WeightLayout = Literal["out_first", "in_first"]
"""A weight's channel layout: out × in/groups × k… (conv, linear) or in × out/groups × k…
(transposed conv, whose output channel g·(out/groups) + j is column j of group g's rows)."""


class OpAttrs(BaseModel):
    """Base of every op's attribute model: immutable, unknown keys rejected."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    _hash: int | None = PrivateAttr(default=None)

    def __hash__(self) -> int:
        # Hashable even with list-valued fields, so passes can memoise per distinct attrs.
        private = self.__pydantic_private__  # a slot: cheaper than pydantic's __getattr__
        if private["_hash"] is None:
            private["_hash"] = hash((type(self), _hashable(tuple(self.__dict__.items()))))
        return private["_hash"]

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.__dict__ == other.__dict__  # type: ignore[union-attr]


def _hashable(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple((k, _hashable(v)) for k, v in value.items())
    return value


class NoAttrs(OpAttrs):
    """For ops that take no attributes."""


@dataclass(frozen=True)
class Weight:
    """One parameter or buffer tensor of a node, named as PyTorch names it."""

    shape: tuple[int, ...]
    trainable: bool = True
    dtype: str = "float32"

    @property
    def numel(self) -> int:
        return prod(self.shape)


@dataclass(frozen=True)
class Window:
    """One spatial axis of an op's receptive-field step, in input coordinates.

    Output unit `v` reads input positions `[v*stride - padding, v*stride - padding
    + kernel - 1]`. Fractions express transposed convolution and upsampling
    (stride 1/s) in the same recurrence.
    """

    kernel: Fraction | int
    stride: Fraction | int
    padding: Fraction | int

    @classmethod
    def conv(cls, kernel: int, stride: int, padding: int, dilation: int = 1) -> Window:
        # Plain ints keep the common case fast; they mix exactly with Fractions.
        return cls(dilation * (kernel - 1) + 1, stride, padding)

    @classmethod
    def transposed(cls, kernel: int, stride: int, padding: int, dilation: int = 1) -> Window:
        """A transposed conv as zero insertion (stride 1/s) followed by a stride-1 conv."""
        reach = Fraction(dilation * (kernel - 1), stride)
        return cls(reach + 1, Fraction(1, stride), reach - Fraction(padding, stride))


class Family(str, Enum):
    """An op's family, for diagrams, reports and the backends' lowering tables (one table per
    family). String-valued, so it prints, compares and serialises as its name; a plugin op may
    name a family of its own with a plain string."""

    IO = "io"
    CONV = "conv"
    LINEAR = "linear"
    NORM = "norm"
    ACTIVATION = "activation"
    POOL = "pool"
    REGULARIZATION = "regularization"
    MERGE = "merge"
    SHAPE = "shape"
    RECURRENT = "recurrent"

    # enum.StrEnum's printing, on Python 3.10 too: `str(Family.CONV)` and f-strings give "conv"
    def __str__(self) -> str:
        return self.value

    __format__ = str.__format__


@dataclass(frozen=True)
class DefaultInit:
    """How one tensor starts out when the spec's `init:` rules leave it alone: PyTorch's default
    (the module's `reset_parameters`) as a `torch.nn.init` function, by its archdsl.spec.init name,
    with every argument."""

    name: str
    """An initializer of archdsl.spec.init.INITIALIZERS other than 'default'."""
    args: tuple[tuple[str, float | str], ...] = ()
    zero_row: int | None = None
    """A row along axis 0 set to zero after the draw (Embedding's `padding_idx`)."""

    @classmethod
    def of(cls, name: str, zero_row: int | None = None, **kwargs: float | str) -> DefaultInit:
        return cls(name, tuple(kwargs.items()), zero_row)

    @property
    def kwargs(self) -> dict[str, float | str]:
        return dict(self.args)


def fan_in(shape: Sequence[int]) -> int:
    """torch.nn.init's fan_in of a weight: input channels × kernel size (axes 1 and up)."""
    return prod(shape[1:])


def layer_defaults(weights: dict[str, Weight]) -> dict[str, DefaultInit]:
    """nn.Conv*/nn.Linear's reset_parameters: kaiming_uniform(a=√5) for the weight, then a bias
    uniform in ±1/√fan_in."""
    bound = 1 / sqrt(fan_in(weights["weight"].shape)) if fan_in(weights["weight"].shape) > 0 else 0.0
    found = {"weight": DefaultInit.of("kaiming_uniform", a=sqrt(5), mode="fan_in", nonlinearity="leaky_relu")}
    if "bias" in weights:
        found["bias"] = DefaultInit.of("uniform", a=-bound, b=bound)
    return found


class Receptive:
    """Markers for ops that keep or end spatial correspondence."""

    SAME = "same"
    """Element-wise along space: the receptive field passes through (or merges)."""
    GLOBAL = "global"
    """Each output depends on the whole input (global pooling, flatten): field is null."""


ReceptiveStep = tuple[Window, ...] | str


class Op:
    """One operation of the op set. Subclass, set the class attributes, `@register` it."""

    name: ClassVar[str]
    family: ClassVar[Family | str]
    """Op family (a `Family`; a plugin may name a new one), for diagrams, reports and lowering tables."""
    Attrs: ClassVar[type[OpAttrs]] = NoAttrs
    arity: ClassVar[tuple[int, int | None]] = (1, 1)
    """Smallest and largest number of inputs (None: unbounded)."""
    mac_formula: ClassVar[str] = "0"
    """The MAC count in words, for the op reference."""
    flop_formula: ClassVar[str] = "0"
    """Element-wise FLOPs beyond 2 × MACs, in words, for the op reference."""
    shape_formula: ClassVar[str] = "same as the input"
    """The output shape in words, for the op reference."""

    def output_names(self, attrs: Any) -> tuple[str, ...]:
        """Names of the output ports; `from: node:port` may use them."""
        return ("output",)

    def infer(self, attrs: Any, inputs: Sequence[TensorType]) -> list[TensorType]:
        """Output types from input types; raise ShapeError when they do not fit."""
        raise NotImplementedError(self.name)

    def weights(self, attrs: Any, inputs: Sequence[TensorType]) -> dict[str, Weight]:
        """Parameters and buffers, in PyTorch's order and names."""
        return {}

    def default_init(self, attrs: Any, weights: dict[str, Weight]) -> dict[str, DefaultInit]:
        """How each of `weights` (this op's, as `weights` returns them) starts out by default, in the
        order PyTorch's module draws them. Ops without an entry for a weight leave it to torch's
        module (the ONNX backend's numpy initialisation then refuses the op)."""
        return {}

    def macs(self, attrs: Any, inputs: Sequence[TensorType], outputs: Sequence[TensorType]) -> int:
        """Multiply-accumulates at batch 1."""
        return 0

    def flops(self, attrs: Any, inputs: Sequence[TensorType], outputs: Sequence[TensorType]) -> int:
        """Element-wise floating-point work at batch 1, beyond the 2 × MACs."""
        return 0

    def receptive(
        self, attrs: Any, inputs: Sequence[TensorType], outputs: Sequence[TensorType]
    ) -> ReceptiveStep:
        """The receptive-field step along each spatial axis, or a Receptive marker."""
        return Receptive.SAME

    def in_place(self, attrs: Any) -> bool:
        """Whether the op overwrites its input instead of allocating an output."""
        # Not getattr(attrs, "inplace", False): a pydantic model raises (slowly) for a missing field.
        return bool(attrs.__dict__.get("inplace", False))

    view: ClassVar[bool] = False
    """Whether the output is a view of the input's storage (flatten, reshape, split, ...)."""

    eval_alias: ClassVar[bool] = False
    """Whether, in eval mode, the output is the input tensor itself (dropout, drop path): no
    storage of its own at inference, a new tensor in training."""

    saves_result: ClassVar[bool] = False
    """Whether autograd's backward reads this op's result (its derivative is written in terms of
    the output: relu, sigmoid, tanh, softmax — torch's derivatives.yaml), so no later op may
    overwrite it in place."""

    reuses_input: ClassVar[bool] = False
    """Whether a backend may write the result into the first input's storage when nothing else
    reads it and the types match (`a += b` for add, as torchvision's residual joins do)."""

    folds_norms: ClassVar[frozenset[str]] = frozenset()
    """Norm ops whose inference map (running statistics) folds into this op's weight and bias
    when it follows it: a per-channel scale of the weight's output channels and a new bias."""

    weight_layout: ClassVar[WeightLayout] = "out_first"
    """Where the output channels sit in this op's weight, which is what folding scales."""

    def folds(self, norm: str, output: TensorType) -> bool:
        """Whether a `norm` node reading this op's `output` can fold into it (channels on axis 1)."""
        return norm in self.folds_norms

    def keeps_result(self, in_place: bool) -> bool:
        """Whether autograd keeps this op's result for the backward pass: ops that save it, and
        activations run in place, which have overwritten their input and differentiate from the output."""
        return self.saves_result or (in_place and self.family == Family.ACTIVATION)

    def aliases_input(self) -> bool:
        """Whether the result may be the first input's storage whatever the attributes: a view, or
        the input itself in eval mode (dropout). In-place ops add to this per node (`shares_input`)."""
        return self.view or self.eval_alias

    def attribute_hint(self, key: str) -> str:
        """The fix for an attribute this op does not take: the close name, else the ones it takes."""
        fields = self.Attrs.model_fields
        return did_you_mean(key, fields) or (f"attributes: {', '.join(fields)}" if fields else "this op takes no attributes")

    def shares_input(self, attrs: Any) -> bool:
        """Whether the output lives in its first input's storage (a view or in place)."""
        return self.view or self.in_place(attrs)

    @property
    def doc(self) -> str:
        return (type(self).__doc__ or "").strip()


OPS: dict[str, Op] = {}


def register(cls: type[Op]) -> type[Op]:
    """Class decorator adding an op to the registry under `cls.name`."""
    if cls.name in OPS:
        raise ValueError(f"op '{cls.name}' is registered twice")
    OPS[cls.name] = cls()
    return cls


@lru_cache(maxsize=8192)
def infer_types(op_name: str, attrs: OpAttrs, inputs: tuple[TensorType, ...]) -> tuple[TensorType, ...]:
    """The op's output types. Shape rules are pure, so repeated blocks (and the re-checks after
    each rewrite pass) infer each distinct case once."""
    outputs = tuple(OPS[op_name].infer(attrs, list(inputs)))
    for output in outputs:
        if any(d != BATCH and d > MAX_SIZE for d in output.shape):
            raise ShapeError(f"output size {shape_text(output.shape)} exceeds {MAX_SIZE:,} (2^63 - 1) elements along an axis, "
                             "more than any framework can index")
    return outputs


MAX_SIZE = 2**63 - 1
"""The largest size of one axis: torch and ONNX index with int64."""


@dataclass(frozen=True)
class OpSource:
    """Where ops outside the registry come from (installed plugins): looked up only on a miss."""

    provide: Callable[[str], Op | None]
    """Load and return the op called `name`, or None if no source has it."""
    names: Callable[[], Iterable[str]]
    """Every op name the source could provide (for did-you-mean hints)."""


OP_SOURCES: list[OpSource] = []
"""Filled by the layers above (archdsl.plugin adds the entry-point plugins); ops imports none of them."""


def get_op(name: str) -> Op:
    """The registered op called `name`, else the one an op source provides (loaded now);
    a SpecError suggesting the closest name if none."""
    op = OPS.get(name)
    if op is not None:
        return op
    for source in OP_SOURCES:
        op = source.provide(name)
        if op is not None:
            return op
    known = [*OPS, *(other for source in OP_SOURCES for other in source.names())]
    raise SpecError(f"unknown op '{name}'", hint=did_you_mean(name, known))


# -- helpers shared by op definitions -------------------------------------------------


def tuple_n(value: int | Sequence[int], n: int, attr: str | None = None) -> tuple[int, ...]:
    """Expand an int to an n-tuple; check a sequence has n items (an error about `attr`)."""
    if isinstance(value, int):
        return (value,) * n
    items = tuple(value)
    if len(items) != n:
        what = f"`{attr}` needs" if attr else "expected"
        raise ShapeError(f"{what} {n} value{'s' if n > 1 else ''}, one per spatial axis (or a single number), "
                         f"got {len(items)}: {list(items)}", attr=attr)
    return items


def as_list(value: int | Sequence[int]) -> list[int]:
    """The values of an int-or-list attribute, as a list."""
    return [value] if isinstance(value, int) else list(value)


def axis(dim: int, rank: int, what: str = "dim") -> int:
    """Normalise a possibly negative axis index (PyTorch's rule); ShapeError when out of range."""
    if not -rank <= dim < rank:
        raise ShapeError(f"{what}={dim} is out of range for a rank-{rank} input (batch included)")
    return dim % rank


def expect_rank(x: TensorType, rank: int, what: str) -> None:
    """Require `x` to have `rank` axes (batch included)."""
    if x.rank != rank:
        raise ShapeError(
            f"expected a {what} input of rank {rank} (batch included), got {shape_text(x.shape)}"
        )


def expect_float(x: TensorType) -> None:
    if not x.dtype.startswith(("float", "bfloat")):
        raise ShapeError(f"expected a floating-point input, got {x.dtype}")


def channels(x: TensorType) -> int:
    """The channel count (axis 1) of an N, C, ... tensor."""
    if x.rank < 2 or x.shape[1] == BATCH:
        raise ShapeError(f"expected an N×C×... input, got {shape_text(x.shape)}")
    return int(x.shape[1])


def groups_not_dividing(message: str, groups: int, *counts: int) -> ShapeError:
    """The error for a `groups` attribute that does not divide every count, with the nearest that do."""
    return ShapeError(message, hint=_nearest_groups(groups, counts), attr="groups")


def _nearest_groups(groups: int, counts: Sequence[int]) -> str:
    common, what = gcd(*counts), " and ".join(map(str, counts))
    if common > 10**10:  # its divisors would take long to list
        return f"groups must divide {what}"
    small = [d for d in range(1, isqrt(common) + 1) if common % d == 0]
    divisors = sorted({*small, *(common // d for d in small)})
    near = [d for d in divisors if d < groups][-1:] + [d for d in divisors if d > groups][:1]
    return f"nearest groups dividing {what}: {' or '.join(map(str, near))}"


def conv_out_size(size: int, kernel: int, stride: int, padding: int, dilation: int, ceil: bool = False) -> int:
    """PyTorch's output-size rule for convolution and pooling."""
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    out = -(-span // stride) + 1 if ceil else span // stride + 1
    if ceil and (out - 1) * stride >= size + padding:
        out -= 1
    return out


def spatial_positive(shape: Sequence[int], what: str) -> None:
    """A spatial size below 1 is a located shape error, not a silent zero."""
    if any(d < 1 for d in shape):
        raise ShapeError(
            f"{what} output would have spatial size {list(shape)}; each size must be at least 1",
            hint="the input is too small for this kernel/stride; use a larger --input or less downsampling",
        )
