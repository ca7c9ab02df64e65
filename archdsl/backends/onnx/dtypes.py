"""archdsl dtype names ↔ ONNX element types ↔ numpy dtypes."""

from __future__ import annotations

import ml_dtypes
import numpy as np
from onnx import TensorProto

ELEMENT_TYPES: dict[str, int] = {
    "float32": TensorProto.FLOAT,
    "float16": TensorProto.FLOAT16,
    "bfloat16": TensorProto.BFLOAT16,
    "float64": TensorProto.DOUBLE,
    "int64": TensorProto.INT64,
    "int32": TensorProto.INT32,
    "bool": TensorProto.BOOL,
}

NUMPY: dict[str, np.dtype] = {
    "float32": np.dtype(np.float32),
    "float16": np.dtype(np.float16),
    "bfloat16": np.dtype(ml_dtypes.bfloat16),
    "float64": np.dtype(np.float64),
    "int64": np.dtype(np.int64),
    "int32": np.dtype(np.int32),
    "bool": np.dtype(np.bool_),
}


def element_type(dtype: str) -> int:
    """The ONNX TensorProto element type of an archdsl dtype."""
    return ELEMENT_TYPES[dtype]


def numpy_dtype(dtype: str) -> np.dtype:
    """The numpy dtype of an archdsl dtype (bfloat16 through ml_dtypes, as onnx does)."""
    return NUMPY[dtype]
