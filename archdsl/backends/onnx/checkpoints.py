"""Checkpoint files read as a state_dict, one reader per file type (by suffix):

- `.safetensors`: the `safetensors` library's numpy API (no torch);
- `.npz`: numpy's archive (no torch);
- anything else (`.pt`, `.pth`): `torch.load(weights_only=True)`, the one reader that needs torch.

An unreadable, truncated or foreign file is a BackendError located at the file.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from archdsl.errors import BackendError, Span
from archdsl.runfiles import note_input

Reader = Callable[[Path], Mapping[str, Any]]


def torch_available() -> bool:
    """Whether torch can be imported (needed for `.pt` checkpoints and `initial_weights.torch_only` plans)."""
    try:
        return importlib.util.find_spec("torch") is not None
    except (ImportError, ValueError):
        return False


def load_checkpoint(path: str | Path) -> Mapping[str, Any]:
    """A state_dict from a checkpoint file, by the reader its suffix names (READERS; torch otherwise)."""
    path = Path(path)
    if not path.is_file():
        raise BackendError(f"weights file '{path}' not found" if not path.exists() else f"'{path}' is not a file", Span(str(path)))
    note_input(path, "the weights file this command reads")
    return READERS.get(path.suffix.lower(), _read_torch)(path)


def _unreadable(path: Path, exc: BaseException, hint: str | None = None) -> BackendError:
    return BackendError(f"cannot read weights from '{path}': {exc}", Span(str(path)), hint=hint)


def _read_safetensors(path: Path) -> dict[str, np.ndarray]:
    try:
        from safetensors import safe_open
    except ImportError:
        raise BackendError(f"reading '{path}' needs the safetensors package, which is not installed", Span(str(path)),
                           hint="pip install safetensors, or save the weights as .npz (numpy.savez)") from None
    try:
        with safe_open(path, framework="np") as archive:
            return {name: archive.get_tensor(name) for name in archive.keys()}
    except Exception as exc:  # noqa: BLE001 - a truncated or foreign file is the user's input error
        raise _unreadable(path, exc, hint="pass a file written by safetensors' save_file") from None


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files}
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the user's input error
        raise _unreadable(path, exc) from None


def _read_torch(path: Path) -> Mapping[str, Any]:
    if not torch_available():
        raise BackendError(f"reading '{path}' needs torch, which is not installed", Span(str(path)),
                           hint="install torch, or save the weights as .safetensors or .npz and pass that")
    import torch

    try:
        loaded = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the user's input error
        raise _unreadable(path, exc, hint="pass a state_dict saved with torch.save(module.state_dict(), path)") from None
    return _state_dict(loaded, path)


def _state_dict(loaded: Any, path: Path) -> Mapping[str, Any]:
    if isinstance(loaded, Mapping) and all(isinstance(k, str) for k in loaded):
        nested = [k for k in ("state_dict", "model") if isinstance(loaded.get(k), Mapping)]
        if nested and not any(hasattr(v, "shape") for v in loaded.values()):
            raise BackendError(f"'{path}' holds a training checkpoint, not a state_dict", Span(str(path)),
                               hint=f"save checkpoint['{nested[0]}'] on its own and pass that")
        return loaded
    raise BackendError(f"'{path}' holds a {type(loaded).__name__}, not a state_dict", Span(str(path)),
                       hint="save module.state_dict(), not the module")


READERS: dict[str, Reader] = {".safetensors": _read_safetensors, ".npz": _read_npz}
"""Readers that need no torch, by lowercase suffix; every other suffix is a torch checkpoint."""
