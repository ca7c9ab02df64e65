"""Inputs to run a model on: what it expects (a Signature), seeded random values, or a .npz file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from archdsl.backends.onnx.dtypes import numpy_dtype
from archdsl.errors import BackendError, Span
from archdsl.ir.graph import Graph
from archdsl.runfiles import note_input


@dataclass(frozen=True)
class InputSpec:
    """One model input: symbolic axes (the batch `N`) as strings, an integer input's exclusive bound."""

    name: str
    shape: tuple[int | str, ...]
    dtype: np.dtype
    high: int = 1

    def concrete(self, batch: int) -> tuple[int, ...]:
        return tuple(batch if isinstance(d, str) else d for d in self.shape)


@dataclass(frozen=True)
class Signature:
    """The inputs of a model, in order."""

    name: str
    inputs: tuple[InputSpec, ...]

    def batch_of(self, feeds: dict[str, np.ndarray]) -> int | str:
        """The size of the first symbolic axis in `feeds` ('-' when no input has one)."""
        for spec in self.inputs:
            for i, d in enumerate(spec.shape):
                if isinstance(d, str):
                    return int(feeds[spec.name].shape[i])
        return "-"

    @classmethod
    def of_graph(cls, graph: Graph) -> Signature:
        """From the IR; an integer input read by embeddings is bounded by the smallest table."""
        readers = graph.consumers()
        found = []
        for name, t in graph.inputs.items():
            tables = [graph.nodes[r].attrs.num for r in readers[name] if graph.nodes[r].op == "embedding"]
            found.append(InputSpec(name, tuple(t.shape), numpy_dtype(t.dtype), min(tables, default=2)))
        return cls(graph.name, tuple(found))

    @classmethod
    def of_onnx(cls, path: str | Path) -> Signature:
        """From an .onnx file's graph inputs (integer inputs get zeros: their range is unknown)."""
        import onnx
        from onnx import helper

        note_input(path, "the ONNX model this command runs")
        try:
            model = onnx.load(str(path), load_external_data=False)
        except Exception as exc:  # noqa: BLE001 - an unreadable file is the user's input error
            raise BackendError(f"cannot read ONNX model '{path}': {exc}", Span(str(path))) from None
        weights = {t.name for t in model.graph.initializer}
        found = []
        for value in model.graph.input:
            if value.name in weights:
                continue
            tensor = value.type.tensor_type
            dims = tuple(d.dim_value if d.HasField("dim_value") else (d.dim_param or "N") for d in tensor.shape.dim)
            found.append(InputSpec(value.name, dims, np.dtype(helper.tensor_dtype_to_np_dtype(tensor.elem_type))))
        return cls(model.graph.name or Path(path).stem, tuple(found))


def random_feeds(signature: Signature, batch: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Standard-normal floats and uniform integers in [0, high), the same for the same seed."""
    rng = np.random.default_rng(seed)
    feeds = {}
    for spec in signature.inputs:
        shape = spec.concrete(batch)
        if spec.dtype.kind == "f":
            feeds[spec.name] = rng.standard_normal(shape).astype(spec.dtype)
        else:
            feeds[spec.name] = rng.integers(0, spec.high, size=shape).astype(spec.dtype)
    return feeds


def load_feeds(path: str, signature: Signature, batch: int | None = None) -> dict[str, np.ndarray]:
    """Inputs by name from an .npz archive, checked against the signature (any size on symbolic axes)."""
    note_input(path, "the input data this command reads")
    try:
        with np.load(path, allow_pickle=False) as archive:
            given = {name: archive[name] for name in archive.files}
    except Exception as exc:  # noqa: BLE001 - an unreadable file is the user's input error
        raise BackendError(f"cannot read inputs from '{path}': {exc}", Span(path)) from None
    wanted = {spec.name: spec for spec in signature.inputs}
    for name in given.keys() - wanted.keys():
        raise BackendError(f"'{path}' has an array '{name}' that is not an input", Span(path),
                           hint=f"inputs: {', '.join(wanted)}")
    feeds = {}
    for name, spec in wanted.items():
        if name not in given:
            raise BackendError(f"'{path}' has no array for input '{name}'", Span(path))
        feeds[name] = _checked(given[name], spec, path, batch)
    return feeds


def _checked(array: np.ndarray, spec: InputSpec, path: str, batch: int | None) -> np.ndarray:
    fits = array.ndim == len(spec.shape) and all(
        isinstance(d, str) and (batch is None or n == batch) or n == d for n, d in zip(array.shape, spec.shape, strict=True))
    if not fits:
        want = "×".join(str(batch if isinstance(d, str) and batch else d) for d in spec.shape)
        raise BackendError(f"input '{spec.name}' in '{path}' is {'×'.join(map(str, array.shape))}, the model takes {want}",
                           Span(path))
    return array.astype(spec.dtype, copy=False)
