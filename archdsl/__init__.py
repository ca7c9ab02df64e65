"""archdsl: a compiler for neural-network architectures written as YAML specs."""

from archdsl.errors import ArchdslError, BackendError, ShapeError, SpecError
from archdsl.model import Model, load
from archdsl.version import __version__

__all__ = ["ArchdslError", "BackendError", "Model", "ShapeError", "SpecError", "load", "__version__"]
