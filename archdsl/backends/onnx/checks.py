"""Checks of an emitted model: the ONNX checker, and ONNX's shape inference against archdsl's."""

from __future__ import annotations

import os
import re

import onnx
from onnx import helper, shape_inference

from archdsl.backends.onnx.builder import port_name
from archdsl.backends.onnx.model_proto import output_names
from archdsl.errors import BackendError
from archdsl.ir.graph import Graph, Ref
from archdsl.tensors import BATCH


def check(model: onnx.ModelProto | bytes | str | os.PathLike[str], graph: Graph | None = None) -> None:
    """onnx.checker with full_check (strict shape inference). Give the serialized bytes or the
    written file when you have them: the checker would serialize the model again. With `graph`, a rejection is a
    BackendError located at the spec node ONNX names (a dtype an ONNX op has no kernel for,
    such as a bfloat16 Conv); without it, the checker's own exception."""
    try:
        onnx.checker.check_model(model, full_check=True)
    except (onnx.checker.ValidationError, shape_inference.InferenceError) as exc:
        if graph is None:
            raise
        raise rejection(graph, str(exc)) from None


def check_structure(header: onnx.ModelProto, graph: Graph | None = None) -> None:
    """`check` of an emitted model whose initializers hold no data (`Emitted.model`), in milliseconds.

    The checker gets a copy in which each initializer is a graph input of its element type and
    shape, so every node, attribute, type, shape and opset is checked as in the full model. Of
    the data the checker checks only the length, which `Emitted.write` takes from the very
    arrays whose shapes are written as the initializers' dims (tests compare the bytes with
    protobuf's own serialization of the full model)."""
    skeleton = onnx.ModelProto()
    skeleton.CopyFrom(header)
    inputs = [helper.make_tensor_value_info(t.name, t.data_type, list(t.dims)) for t in skeleton.graph.initializer]
    del skeleton.graph.initializer[:]
    skeleton.graph.input.extend(inputs)
    check(skeleton.SerializeToString(), graph)


def rejection(graph: Graph, message: str) -> BackendError:
    """The checker's message, located at the node it names (`node name: layer1.0.conv1`)."""
    named = re.search(r"node name: ([^)\s]+)\)", message)
    node = graph.nodes.get(named[1]) if named else None
    reason = message.strip().splitlines()[-1] if message.strip() else "invalid model"
    reason = re.sub(r"^\[[A-Za-z]+\] \(op_type:[^)]*\): ", "", reason)
    if node is None:
        return BackendError(f"ONNX rejects the exported model: {reason}")
    return BackendError(f"ONNX rejects '{node.name}' ({node.op}): {reason}", node.span, node.name,
                        hint="ONNX operators accept fewer dtypes than torch; float32 or float16 inputs export")


def inferred_shapes(model: onnx.ModelProto) -> dict[str, tuple[int | str | None, ...]]:
    """Every value's shape as ONNX infers it (dim_param strings, ints, None when unknown)."""
    inferred = shape_inference.infer_shapes(model, check_type=True, strict_mode=True, data_prop=True)
    found = {}
    for value in [*inferred.graph.input, *inferred.graph.value_info, *inferred.graph.output]:
        shape = value.type.tensor_type.shape
        found[value.name] = tuple(
            d.dim_value if d.HasField("dim_value") else d.dim_param if d.HasField("dim_param") else None
            for d in shape.dim
        )
    return found


def shape_mismatches(model: onnx.ModelProto, graph: Graph) -> list[str]:
    """IR values whose ONNX-inferred shape differs from archdsl's (or that ONNX lacks)."""
    shapes = inferred_shapes(model)
    names = output_names(graph)
    problems = []
    for node in graph:
        for port, t in enumerate(graph.types[node.name]):
            name = port_name(graph, Ref(node.name, port), names)
            want = tuple(BATCH if d == BATCH else int(d) for d in t.shape)
            if shapes.get(name) != want:
                problems.append(f"{name}: ONNX infers {shapes.get(name, 'no shape')}, archdsl {want}")
    return problems
