"""Atomic output: a failed command never leaves a half-written file."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from archdsl.errors import OutputError


@contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside `target`; rename it over `target` only on success.

    A target that exists but is not a regular file (a terminal, a pipe,
    /dev/stdout) is written in place once the output is complete: renaming over
    it would replace the device node itself. Any OS failure is an OutputError.
    """
    shown, path = str(target), Path(target)
    if path.is_dir():
        raise OutputError(f"cannot write '{shown}': it is a directory", hint="give a file name")
    special = path.exists() and not path.is_file()
    real = path if special else Path(os.path.realpath(path))  # a symlinked file keeps its link
    temp = _temporary(real, shown, special)
    try:
        yield temp
        _finish(temp, real, special)
    except OSError as exc:
        raise OutputError(f"cannot write '{shown}': {exc.strerror or exc}") from None
    finally:
        temp.unlink(missing_ok=True)


def _temporary(real: Path, shown: str, special: bool) -> Path:
    try:
        if not special:
            real.parent.mkdir(parents=True, exist_ok=True)
        folder = None if special else real.parent
        handle, name = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise OutputError(f"cannot write '{shown}': {exc.strerror or exc}") from None
    os.close(handle)
    return Path(name)


def _finish(temp: Path, real: Path, special: bool) -> None:
    if not special:
        os.chmod(temp, real.stat().st_mode & 0o7777 if real.exists() else 0o666 & ~_umask())
        os.replace(temp, real)
        return
    with open(temp, "rb") as source, open(real, "wb") as sink:
        shutil.copyfileobj(source, sink)


def _umask() -> int:
    """The process umask (mkstemp makes 0600 files; outputs get the usual mode)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomic(target: str | os.PathLike[str], data: str | bytes) -> None:
    """Write text (UTF-8) or bytes to `target` atomically."""
    with atomic_path(target) as temp:
        mode = "wb" if isinstance(data, bytes) else "w"
        with open(temp, mode, **({} if isinstance(data, bytes) else {"encoding": "utf-8"})) as out:
            _write(out, data)


def _write(out: IO, data: str | bytes) -> None:
    out.write(data)
    out.flush()
    os.fsync(out.fileno())
