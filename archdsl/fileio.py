"""Atomic output: a failed command never leaves a half-written file."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator


@contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside `target`; rename it over `target` only on success."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(handle)
    temp = Path(name)
    try:
        yield temp
        # mkstemp makes the file 0600; give it the mode a plain open() would have.
        os.chmod(temp, 0o666 & ~_umask())
        os.replace(temp, target)
    finally:
        if temp.exists():
            temp.unlink()


def _umask() -> int:
    mask = os.umask(0)
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
