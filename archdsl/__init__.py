"""archdsl: a compiler for neural-network architectures written as YAML specs."""

from archdsl.errors import ArchdslError, BackendError, ShapeError, SpecError
from archdsl.model import Model, load

__version__ = "0.1.0"

__all__ = ["ArchdslError", "BackendError", "Model", "ShapeError", "SpecError", "load", "__version__"]
