"""The op set. Importing this package registers every op in `OPS`."""

from archdsl.ops import conv, io  # noqa: F401  (registration side effects)
from archdsl.ops.base import OPS, Op, OpAttrs, Receptive, Weight, Window, get_op, register

__all__ = ["OPS", "Op", "OpAttrs", "Receptive", "Weight", "Window", "get_op", "register"]
