"""Joins: add, mul (broadcasting, folded left to right as PyTorch does), mean, concat."""

from __future__ import annotations

from archdsl.backends.onnx.table import Emitter, Rule, Site


def _fold(op_type: str) -> Rule:
    def rule(site: Site, x: list[str]) -> list[str]:
        result = x[0]
        for i, item in enumerate(x[1:], start=1):
            result = site.op(op_type, result, item, suffix=op_type if i == len(x) - 1 else f"partial{i}")
        return [result]

    return rule




def mean(site: Site, x: list[str]) -> list[str]:
    return [site.op("Mean", *x)]


def concat(site: Site, x: list[str]) -> list[str]:
    return [site.op("Concat", *x, axis=site.attrs.dim)]


TABLE: dict[str, Emitter] = {
    "add": Emitter(_fold("Add")),
    "mul": Emitter(_fold("Mul")),
    "mean": Emitter(mean),
    "concat": Emitter(concat),
}
