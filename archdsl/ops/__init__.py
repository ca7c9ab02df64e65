"""The op set. Importing this package registers every op in `OPS`."""

from archdsl.ops import (  # noqa: F401  (registration side effects)
    activation,
    conv,
    io,
    linear,
    merge,
    norm,
    pool,
    recurrent,
    regularization,
    resample,
    shape,
)
from archdsl.ops.base import (
    OPS,
    DefaultInit,
    Family,
    Op,
    OpAttrs,
    Receptive,
    Weight,
    Window,
    get_op,
    infer_types,
    register,
)

__all__ = ["OPS", "DefaultInit", "Family", "Op", "OpAttrs", "Receptive", "Weight", "Window", "get_op", "infer_types", "register"]
