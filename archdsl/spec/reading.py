"""Reading one spec file: bounded, never blocking, and quiet about files that are not specs.

The spec the user names keeps every detail in its errors. A file that spec references
(`extends:`, `use:`) may be anything the spec's author pointed at, so when it is not a
spec (not a regular file, binary, not YAML, not a mapping with `archdsl: 1`) the error
says which of those it is and never quotes its keys or lines.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from archdsl.errors import LimitError, Span, SpecError
from archdsl.limits import Limits
from archdsl.spec.yamlpos import Document, load_yaml

_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
"""O_NONBLOCK: opening a FIFO with no writer returns at once instead of waiting for one."""

_NOT_A_MAPPING: dict[type, str] = {
    dict: "a YAML mapping without `archdsl: 1`",
    list: "a YAML list",
    type(None): "empty",
}


def read_document(path: Path, limits: Limits, shown: str, referenced: bool) -> Document:
    """The YAML document in `path`. `shown` names the file in messages; a `referenced`
    file's errors have no span unless they point inside it without quoting it."""
    raw = _read_bytes(path, limits.file_bytes, shown, referenced)
    if not referenced:
        return load_yaml(_decode(raw, path), str(path), limits)
    if b"\0" in raw:
        raise _not_a_spec(shown, "it is binary (it holds NUL bytes)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _not_a_spec(shown, "it is binary (not UTF-8 text)") from None
    try:
        doc = load_yaml(text, str(path), limits)
    except LimitError:
        raise  # says which limit, never what the file holds
    except SpecError as error:
        raise SpecError(f"YAML syntax error in '{shown}', a file this spec extends or uses (its text is not shown)",
                        error.span, hint=f"`archdsl validate {path}` shows the details") from None
    if not _is_spec(doc.data):
        raise _not_a_spec(shown, _NOT_A_MAPPING.get(type(doc.data), "a single YAML value, not a mapping"))
    return doc


def _is_spec(data: Any) -> bool:
    return isinstance(data, dict) and type(data.get("archdsl")) is int and data["archdsl"] == 1


def _not_a_spec(shown: str, what: str) -> SpecError:
    return SpecError(f"'{shown}' is not a spec: {what}",
                     hint="`extends:` and `use:` name spec files (YAML mappings with `archdsl: 1`)")


def _read_bytes(path: Path, limit: int, shown: str, referenced: bool) -> bytes:
    """At most `limit` bytes of a regular file (a LimitError past that), read without blocking."""
    span = None if referenced else Span(str(path))
    try:
        fd = os.open(path, _FLAGS)
    except OSError as exc:
        raise SpecError(f"cannot read '{shown}': {exc.strerror}", span) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise SpecError(f"'{shown}' is a directory, not a spec file", span)
        if not stat.S_ISREG(info.st_mode):
            raise SpecError(f"'{shown}' is not a regular file (a device, pipe or socket), not a spec file", span)
        if info.st_size > limit:
            raise _too_large(shown, limit, path)
        raw = _read_at_most(fd, limit + 1)  # the file may have grown since fstat
    except OSError as exc:
        raise SpecError(f"cannot read '{shown}': {exc.strerror}", span) from None
    finally:
        os.close(fd)
    if len(raw) > limit:
        raise _too_large(shown, limit, path)
    return raw


def _read_at_most(fd: int, size: int) -> bytes:
    chunks: list[bytes] = []
    while size > 0:
        chunk = os.read(fd, min(size, 1 << 16))
        if not chunk:
            break
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _too_large(shown: str, limit: int, path: Path) -> LimitError:
    return LimitError(f"'{shown}' is larger than the limit of {limit} bytes", Span(str(path), 1, 1),
                      hint="raise it with --limit file_bytes=N if the file is genuine")


def _decode(raw: bytes, path: Path) -> str:
    """The top-level file's text; a byte that is not UTF-8 is reported where it is."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise SpecError(
            f"'{path.name}' is not UTF-8 text: byte 0x{raw[exc.start]:02x} at offset {exc.start}",
            Span(str(path), line, col), hint="save the file as UTF-8; a spec is plain text",
        ) from None


__all__ = ["read_document"]
