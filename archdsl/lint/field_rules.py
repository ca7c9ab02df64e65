"""Rules from the receptive-field analysis: joins of branches that do not line up."""

from __future__ import annotations

from collections.abc import Iterator

from archdsl.lint.registry import Context, Hit, rule


def _merge_hits(ctx: Context, kind: str, fix: str) -> Iterator[Hit]:
    for warning in ctx.fields.warnings:
        if warning.kind == kind:
            node = ctx.graph.nodes[warning.node]
            yield ctx.hit(node, f"'{node.name}' ({node.op}) {warning.message}", fix)


@rule("merge-stride", "branches joined at different effective strides pair up input positions that do not correspond")
def merge_stride(ctx: Context) -> Iterator[Hit]:
    yield from _merge_hits(ctx, "stride", "downsample every branch by the same total stride before the join")


@rule("merge-misaligned", "branches whose receptive fields are centred differently add features of shifted positions")
def merge_misaligned(ctx: Context) -> Iterator[Hit]:
    yield from _merge_hits(ctx, "misaligned", "pad each branch symmetrically, (kernel − 1)/2 per side, so their centres agree")
