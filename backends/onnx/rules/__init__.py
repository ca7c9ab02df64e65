"""The ONNX emitter rules; importing this package fills `backends.onnx.table.EMITTERS`."""

from backends.onnx.rules import (  # noqa: F401  (registration side effects)
    activation,
    conv,
    merge,
    norm,
    pool,
    recurrent,
    resample,
    shape,
)
