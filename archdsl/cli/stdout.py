"""Standard output whose failed writes (a full disk, /dev/full) are user errors, not crashes."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from archdsl.errors import OutputError


class _Guarded:
    """Wraps a text stream: an OSError on write or flush becomes an OutputError."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        with _reported():
            return self._stream.write(text)

    def flush(self) -> None:
        with _reported():
            self._stream.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextmanager
def _reported() -> Iterator[None]:
    try:
        yield
    except BrokenPipeError:
        raise  # a reader that stopped early (`| head`) is not a mistake
    except OSError as exc:
        raise OutputError(f"cannot write to standard output: {exc.strerror or exc}") from None


@contextmanager
def guarded_stdout() -> Iterator[None]:
    """Within the block, failed writes to sys.stdout raise OutputError; it is flushed at the end."""
    original = sys.stdout
    sys.stdout = _Guarded(original)  # type: ignore[assignment]
    try:
        yield
        sys.stdout.flush()
    finally:
        sys.stdout = original
