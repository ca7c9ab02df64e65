"""Recurrent layers: rnn, lstm, gru, with PyTorch's weight layout and names."""

from __future__ import annotations

from collections.abc import Sequence
from math import sqrt
from typing import Annotated, ClassVar, Literal

from pydantic import Field

from archdsl.errors import ShapeError
from archdsl.ops.base import (
    Bool,
    DefaultInit,
    Family,
    Float,
    Int,
    Op,
    OpAttrs,
    Receptive,
    ReceptiveStep,
    Weight,
    expect_float,
    register,
)
from archdsl.tensors import BATCH, Dim, TensorType, shape_text

MAX_LAYERS = 1024
"""Most layers one recurrent op stacks: every layer has its own weights (state_dict entries), so
the work of listing them grows with the count; real stacks have a handful."""


class RecurrentAttrs(OpAttrs):
    hidden: Int = Field(ge=1, description="hidden state size")
    num_layers: Int = Field(1, ge=1, le=MAX_LAYERS)
    bidirectional: Bool = False
    batch_first: Bool = True
    bias: Bool = True
    dropout: Annotated[Float, Field(ge=0, le=1)] = Field(0.0, description="between stacked layers")


class RnnAttrs(RecurrentAttrs):
    nonlinearity: Literal["tanh", "relu"] = "tanh"


class _Recurrent(Op):
    family = Family.RECURRENT
    shape_formula = "N×T×F → output N×T×(D·hidden), h_n (lstm: also c_n) (D·num_layers)×N×hidden; D = 2 if bidirectional; T and N swap unless batch_first"
    Attrs = RecurrentAttrs
    gates: ClassVar[int]
    """Gate blocks stacked in the weight matrices: 1 (rnn), 3 (gru), 4 (lstm)."""
    cell_flops: ClassVar[int]
    """Element-wise FLOPs per hidden unit per step, beyond the gate sums (non-linearities, products)."""
    mac_formula = "T × D × Σ_layers gates × hidden × (layer_in + hidden); gates 1/3/4 for rnn/gru/lstm, D = 2 if bidirectional, layer_in = F for layer 0 else D × hidden"
    flop_formula = "T × D × num_layers × hidden × (gates × (1 + 2·bias) + cell), cell 1/8/9 for rnn/gru/lstm: sum of the two projections and the bias adds per gate, then the non-linearities and Hadamard products"

    def directions(self, a: RecurrentAttrs) -> int:
        return 2 if a.bidirectional else 1

    def layout(self, a: RecurrentAttrs, x: TensorType) -> tuple[Dim, int, int]:
        """Batch, time steps, features of the input."""
        if x.rank != 3:
            raise ShapeError(f"{self.name} expects a rank-3 input ({'N×T×F' if a.batch_first else 'T×N×F'}), got {shape_text(x.shape)}")
        batch, steps = (x.shape[0], x.shape[1]) if a.batch_first else (x.shape[1], x.shape[0])
        if steps == BATCH or x.shape[2] == BATCH:
            raise ShapeError(
                f"{self.name} with batch_first={a.batch_first} reads {shape_text(x.shape)} with the batch axis misplaced",
                hint=f"set batch_first: {str(not a.batch_first).lower()}",
            )
        return batch, int(steps), int(x.shape[2])

    def layer_inputs(self, a: RecurrentAttrs, features: int) -> list[int]:
        return [features] + [self.directions(a) * a.hidden] * (a.num_layers - 1)

    def output_names(self, a: RecurrentAttrs) -> tuple[str, ...]:
        return ("output", "h_n")

    def infer(self, a: RecurrentAttrs, inputs: Sequence[TensorType]) -> list[TensorType]:
        x = inputs[0]
        expect_float(x)
        batch, steps, _ = self.layout(a, x)
        width = self.directions(a) * a.hidden
        output = (batch, steps, width) if a.batch_first else (steps, batch, width)
        state = x.with_shape((self.directions(a) * a.num_layers, batch, a.hidden))
        return [x.with_shape(output)] + [state] * (len(self.output_names(a)) - 1)

    def weights(self, a: RecurrentAttrs, inputs: Sequence[TensorType]) -> dict[str, Weight]:
        rows = self.gates * a.hidden
        found: dict[str, Weight] = {}
        for k, width in enumerate(self.layer_inputs(a, self.layout(a, inputs[0])[2])):
            for suffix in ("", "_reverse")[: self.directions(a)]:
                found[f"weight_ih_l{k}{suffix}"] = Weight((rows, width))
                found[f"weight_hh_l{k}{suffix}"] = Weight((rows, a.hidden))
                if a.bias:
                    found[f"bias_ih_l{k}{suffix}"] = Weight((rows,))
                    found[f"bias_hh_l{k}{suffix}"] = Weight((rows,))
        return found

    def default_init(self, a: RecurrentAttrs, weights: dict[str, Weight]) -> dict[str, DefaultInit]:
        """Every tensor uniform in ±1/√hidden, in the order of `weights`."""
        bound = 1.0 / sqrt(a.hidden) if a.hidden > 0 else 0.0
        return dict.fromkeys(weights, DefaultInit.of("uniform", a=-bound, b=bound))

    def macs(self, a: RecurrentAttrs, inputs: Sequence[TensorType], outputs: Sequence[TensorType]) -> int:
        _, steps, features = self.layout(a, inputs[0])
        per_step = sum(self.gates * a.hidden * (width + a.hidden) for width in self.layer_inputs(a, features))
        return steps * self.directions(a) * per_step

    def flops(self, a: RecurrentAttrs, inputs: Sequence[TensorType], outputs: Sequence[TensorType]) -> int:
        _, steps, _ = self.layout(a, inputs[0])
        per_unit = self.gates * (1 + 2 * a.bias) + self.cell_flops
        return steps * self.directions(a) * a.num_layers * a.hidden * per_unit

    def receptive(self, a: RecurrentAttrs, inputs: Sequence[TensorType], outputs: Sequence[TensorType]) -> ReceptiveStep:
        return Receptive.GLOBAL


@register
class Rnn(_Recurrent):
    """Elman RNN, tanh or relu (torch.nn.RNN); outputs output, h_n."""

    name = "rnn"
    Attrs = RnnAttrs
    gates = 1
    cell_flops = 1


@register
class Gru(_Recurrent):
    """Gated recurrent unit (torch.nn.GRU); outputs output, h_n."""

    name = "gru"
    gates = 3
    cell_flops = 8


@register
class Lstm(_Recurrent):
    """Long short-term memory (torch.nn.LSTM); outputs output, h_n, c_n."""

    name = "lstm"
    gates = 4
    cell_flops = 9

    def output_names(self, a: RecurrentAttrs) -> tuple[str, ...]:
        return ("output", "h_n", "c_n")
