"""Regularisation: dropout, dropout2d, drop_path. Identities at inference (0 FLOPs)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, ClassVar, Literal

from pydantic import Field

from archdsl.ops.base import Bool, Family, Float, Op, OpAttrs, expect_rank, register
from archdsl.tensors import TensorType

Probability = Annotated[Float, Field(ge=0, lt=1, description="drop probability")]


class DropoutAttrs(OpAttrs):
    p: Probability = 0.5
    inplace: Bool = False


class DropPathAttrs(OpAttrs):
    p: Probability
    mode: Literal["row", "batch"] = Field("row", description="drop per sample (row) or the whole batch")


class _Dropout(Op):
    """Shape-preserving random masking during training."""

    family = Family.REGULARIZATION
    Attrs = DropoutAttrs
    eval_alias = True  # nn.Dropout and stochastic depth return their input unchanged in eval mode
    rank: ClassVar[int | None] = None
    """The required input rank, or None for any."""

    def infer(self, a: OpAttrs, inputs: Sequence[TensorType]) -> list[TensorType]:
        if self.rank is not None:
            expect_rank(inputs[0], self.rank, "N×C×H×W")
        return [inputs[0]]


@register
class Dropout(_Dropout):
    """Element-wise dropout (torch.nn.Dropout)."""

    name = "dropout"


@register
class Dropout2d(_Dropout):
    """Channel-wise dropout over N×C×H×W (torch.nn.Dropout2d)."""

    name = "dropout2d"
    rank = 4


@register
class DropPath(_Dropout):
    """Stochastic depth: drops whole samples of a residual branch (torchvision.ops.StochasticDepth)."""

    name = "drop_path"
    Attrs = DropPathAttrs
