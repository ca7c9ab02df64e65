"""Recurrent layers: rnn, gru, lstm as one ONNX RNN/GRU/LSTM per layer.

The weights stay PyTorch's tensors under PyTorch's names; the graph stacks the
directions and reorders the gate blocks to ONNX's order (constant-folded by the
runtime): LSTM i,f,g,o → i,o,f,c; GRU r,z,n → z,r,h (with linear_before_reset,
which is PyTorch's GRU); ONNX's bias is the input bias then the hidden bias.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from archdsl.backends.onnx.table import Emitter, Site, ints

GATES: dict[str, tuple[str, list[int]]] = {
    "rnn": ("RNN", [0]),
    "gru": ("GRU", [1, 0, 2]),
    "lstm": ("LSTM", [0, 3, 1, 2]),
}
"""Op → ONNX operator, and for each ONNX gate block the PyTorch gate block it takes."""


def _rows(order: list[int], hidden: int, offset: int = 0) -> np.ndarray:
    return np.concatenate([np.arange(g * hidden, (g + 1) * hidden) + offset for g in order]).astype(np.int64)


def _stacked(site: Site, tensors: list[str], rows: np.ndarray, suffix: str) -> str:
    """Directions stacked on a new axis 0, gate rows reordered along axis 1."""
    axis0 = ints(site, [0], f"{suffix}_axis")
    parts = [site.op("Unsqueeze", t, axis0, suffix=f"{suffix}_dir{i}") for i, t in enumerate(tensors)]
    stacked = parts[0] if len(parts) == 1 else site.op("Concat", *parts, axis=0, suffix=f"{suffix}_stacked")
    if np.array_equal(rows, np.arange(len(rows))):
        return stacked
    return site.op("Gather", stacked, site.const(rows, f"{suffix}_rows"), axis=1, suffix=suffix)


def _layer_weights(site: Site, layer: int, order: list[int]) -> list[str]:
    """W, R and B (or an omitted B) of one layer in ONNX's layout."""
    a = site.attrs
    suffixes = ("", "_reverse")[: 2 if a.bidirectional else 1]
    rows = _rows(order, a.hidden)
    w = _stacked(site, [site.weight(f"weight_ih_l{layer}{s}") for s in suffixes], rows, f"W{layer}")
    r = _stacked(site, [site.weight(f"weight_hh_l{layer}{s}") for s in suffixes], rows, f"R{layer}")
    if not a.bias:
        return [w, r]
    biases = [
        site.op("Concat", site.weight(f"bias_ih_l{layer}{s}"), site.weight(f"bias_hh_l{layer}{s}"), axis=0, suffix=f"B{layer}_{i}")
        for i, s in enumerate(suffixes)
    ]
    both = np.concatenate([rows, rows + len(rows)])
    return [w, r, _stacked(site, biases, both, f"B{layer}")]


def _attributes(site: Site) -> dict[str, Any]:
    a = site.attrs
    directions = 2 if a.bidirectional else 1
    found: dict[str, Any] = {"hidden_size": a.hidden, "direction": "bidirectional" if a.bidirectional else "forward"}
    if site.node.op == "rnn":
        found["activations"] = ["Relu" if a.nonlinearity == "relu" else "Tanh"] * directions
    if site.node.op == "gru":
        found["linear_before_reset"] = 1
    return found


def _recurrent(site: Site, x: list[str]) -> list[str]:
    a = site.attrs
    op_type, order = GATES[site.node.op]
    directions = 2 if a.bidirectional else 1
    width = ints(site, [0, 0, directions * a.hidden], "width")
    value = site.op("Transpose", x[0], perm=[1, 0, 2], suffix="time_major") if a.batch_first else x[0]
    states: list[list[str]] = []
    for layer in range(a.num_layers):
        outs = site.op(op_type, value, *_layer_weights(site, layer, order), outputs=len(site.outputs),
                       suffix=f"{op_type}{layer}", **_attributes(site))
        last = layer == a.num_layers - 1
        # Y is T×D×N×H; PyTorch's output is T×N×(D·H), or N×T×(D·H) when batch_first.
        perm = [2, 0, 1, 3] if last and a.batch_first else [0, 2, 1, 3]
        moved = site.op("Transpose", outs[0], perm=perm, suffix=f"Y{layer}")
        value = site.op("Reshape", moved, width, suffix=f"output{layer}")
        states.append(outs[1:])
    finals = [
        per_layer[0] if len(per_layer) == 1 else site.op("Concat", *per_layer, axis=0, suffix=f"state{k}")
        for k, per_layer in enumerate(zip(*states, strict=True))
    ]
    return [value, *finals]


TABLE: dict[str, Emitter] = dict.fromkeys(GATES, Emitter(_recurrent))
