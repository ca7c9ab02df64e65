"""IR → ONNX ModelProto: graph inputs and outputs, nodes through the emitter table,
initializers under the spec's names, the opset, and metadata. The initializers' data is
kept apart (`Emitted`), so that serializing need not copy it through protobuf.
Deterministic: the same graph and weights give the same bytes."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import onnx
from onnx import ModelProto, TensorProto, helper

from archdsl.backends.onnx.builder import Builder
from archdsl.backends.onnx.dtypes import element_type, numpy_dtype
from archdsl.backends.onnx.functions import FUNCTION_DOMAIN, build_with_functions
from archdsl.backends.onnx.rules import check_opset, needed_opset
from archdsl.backends.onnx.serialize import Emitted
from archdsl.backends.onnx.table import MIN_OPSET
from archdsl.errors import BackendError
from archdsl.ir.graph import Graph, Ref
from archdsl.tensors import BATCH, TensorType
from archdsl.version import __version__


@dataclass(frozen=True)
class Emission:
    """What to emit: options that shape the ModelProto."""

    opset: int | None = None
    """None: the oldest opset that expresses every node (MIN_OPSET at least)."""
    functions: bool = False
    metadata: tuple[tuple[str, str], ...] = ()


def newest_opset() -> int:
    """The newest default-domain opset the installed onnx package knows."""
    return onnx.defs.onnx_opset_version()


def resolve_opset(graph: Graph, asked: int | None) -> int:
    """The opset to emit: `asked` when valid for every node, else a located BackendError."""
    nodes = list(graph)
    if asked is None:
        return needed_opset(nodes)
    if not MIN_OPSET <= asked <= newest_opset():
        raise BackendError(f"opset {asked} is not supported",
                           hint=f"archdsl emits opsets {MIN_OPSET} to {newest_opset()} (onnx {onnx.__version__})")
    check_opset(nodes, asked)
    return asked


def value_info(name: str, t: TensorType) -> onnx.ValueInfoProto:
    """A typed value whose batch axis is the symbolic dimension `N`."""
    shape = [BATCH if d == BATCH else int(d) for d in t.shape]
    return helper.make_tensor_value_info(name, element_type(t.dtype), shape)


def output_names(graph: Graph) -> dict[Ref, str]:
    """Values renamed after the graph output they feed (`fc` → `logits`); a clash is an error."""
    names: dict[Ref, str] = {}
    for output in graph.outputs.values():
        owner = graph.nodes.get(output.name)
        if owner is not None and output.name != output.ref.node:
            raise BackendError(f"output '{output.name}' has the name of node '{owner.name}'", output.span,
                               hint="ONNX value names must be unique: rename the output or the node")
        if output.ref not in names and not graph.nodes[output.ref.node].is_input:
            names[output.ref] = output.name
    return names


def float_dtype(graph: Graph) -> str:
    """The floating dtype of the graph inputs when they agree on one; float32 otherwise."""
    found = {t.dtype for t in graph.inputs.values() if t.dtype.startswith(("float", "bfloat"))}
    return found.pop() if len(found) == 1 else "float32"


def tensor_data(array: np.ndarray, dtype: str) -> np.ndarray:
    """An initializer's data as ONNX stores it: floats cast to `dtype`, C order, little-endian
    (the array itself where it already is: a model holds hundreds of megabytes of weights)."""
    if array.dtype.kind == "f":
        array = array.astype(numpy_dtype(dtype), copy=False)
    array = np.asarray(array, order="C")
    if array.dtype.byteorder == ">":
        array = array.astype(array.dtype.newbyteorder("<"))
    return array


def describe_tensor(tensor: TensorProto, name: str, data: np.ndarray) -> None:
    """Name, element type and shape of `data` into `tensor`; the data itself stays apart (Emitted)."""
    tensor.name = name
    tensor.data_type = helper.np_dtype_to_tensor_dtype(data.dtype)
    tensor.dims.extend(data.shape)


def build_model(graph: Graph, weights: Mapping[str, np.ndarray], emission: Emission) -> Emitted:
    """The model of `graph` (already rewritten as wanted) with `weights` by full name, the
    initializers' data held apart."""
    opset = resolve_opset(graph, emission.opset)
    builder = Builder(graph, opset, names=output_names(graph))
    functions: list[onnx.FunctionProto] = []
    if emission.functions:
        functions = build_with_functions(builder)
    else:
        for node in graph:
            builder.emit(node)
    outputs = _outputs(graph, builder)
    model = _model(graph, opset, functions, emission.metadata)
    proto = model.graph
    proto.name = graph.name
    proto.node.extend(builder.nodes)
    proto.input.extend(value_info(builder.value(Ref(name)), graph.types[name][0]) for name in builder.inputs)
    proto.output.extend(outputs)
    dtype = float_dtype(graph)
    payloads = []
    for value, (node, tensor) in builder.weights.items():
        data = tensor_data(weights[f"{node}.{tensor}"], dtype)
        describe_tensor(proto.initializer.add(), value, data)
        payloads.append(data)
    return Emitted(model, tuple(payloads))


def _outputs(graph: Graph, builder: Builder) -> list[onnx.ValueInfoProto]:
    """Graph outputs by the spec's output names; an Identity where the value has another name."""
    infos = []
    for output in graph.outputs.values():
        value = builder.value(output.ref)
        if value != output.name:
            builder.add(helper.make_node("Identity", [value], [output.name], name=output.name))
        infos.append(value_info(output.name, graph.type_of(output.ref)))
    return infos


def _model(ir: Graph, opset: int, functions: list[onnx.FunctionProto], metadata: tuple[tuple[str, str], ...]) -> ModelProto:
    """The model's header: versions, opsets, producer, metadata and functions (the graph is filled in place)."""
    imports = [helper.make_opsetid("", opset)]
    if functions:
        imports.append(helper.make_opsetid(FUNCTION_DOMAIN, 1))
    model = ModelProto()
    model.ir_version = max(helper.find_min_ir_version_for(imports[:1]), 8 if not functions else 9)
    model.opset_import.extend(imports)
    model.producer_name = "archdsl"
    model.producer_version = __version__
    model.doc_string = str(ir.meta.get("description", ""))
    model.functions.extend(functions)
    helper.set_model_props(model, dict(metadata))
    return model


def metadata(spec: str, params: Mapping[str, Any], optimized: bool) -> tuple[tuple[str, str], ...]:
    """Model properties recording what was emitted (sorted, so bytes are stable)."""
    return (
        ("archdsl.spec", spec),
        ("archdsl.params", json.dumps(params, sort_keys=True, default=str)),
        ("archdsl.optimized", "true" if optimized else "false"),
    )
