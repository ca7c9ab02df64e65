"""Dense layers: linear, embedding."""

from __future__ import annotations

from archdsl.backends.onnx.table import Emitter, Site, weight_operands


def linear(site: Site, x: list[str]) -> list[str]:
    """Gemm for N×F; MatMul with the transposed weight (folded by the runtime) above rank 2."""
    if site.inputs[0].rank == 2:
        return [site.op("Gemm", *weight_operands(site, x), transB=1)]
    weight_t = site.op("Transpose", site.weight("weight"), perm=[1, 0], suffix="weight_t")
    if not site.has_weight("bias"):
        return [site.op("MatMul", x[0], weight_t)]
    return [site.op("Add", site.op("MatMul", x[0], weight_t), site.weight("bias"))]


def embedding(site: Site, x: list[str]) -> list[str]:
    return [site.op("Gather", site.weight("weight"), x[0], axis=0)]


TABLE: dict[str, Emitter] = {
    "linear": Emitter(linear),
    "embedding": Emitter(embedding),
}
