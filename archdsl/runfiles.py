"""The files a run reads (its spec, `extends`/`use` files, plugin modules, weights), so that
no output of the same run replaces one of them.

Readers note each file with `note_input`; `archdsl.fileio` asks `input_at` before writing.
Only a run opened with `recording_inputs()` (the CLI opens one per command) keeps a record:
a long-lived Python process that loads many specs accumulates nothing, and an inode number
freed and reused later can never be mistaken for an input.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from archdsl.errors import Span


@dataclass(frozen=True)
class Input:
    """One file the run reads."""

    path: str
    """As the run named it (for messages)."""
    role: str
    """What it is to the run, to follow "it is": `the spec this command reads`."""
    real: str
    """Its canonical path (symlinks resolved)."""
    identity: tuple[int, int] | None
    """(st_dev, st_ino): the same file under another name (a hard link); None if unreadable."""
    span: Span | None = None
    """Where the run was told to read it (an `extends:` line), when a file says so."""


_RUN: ContextVar[list[Input] | None] = ContextVar("archdsl_run_inputs", default=None)


@contextmanager
def recording_inputs() -> Iterator[list[Input]]:
    """Within this block, files noted with `note_input` are the run's inputs (yielded)."""
    inputs: list[Input] = []
    token = _RUN.set(inputs)
    try:
        yield inputs
    finally:
        _RUN.reset(token)


def note_input(path: str | os.PathLike[str], role: str, span: Span | None = None) -> None:
    """Record that the current run reads the regular file `path` as `role` (outside a run, or
    for a pipe or device, nothing: those are not files an output could replace)."""
    inputs = _RUN.get()
    identity = _identity(path)
    if inputs is not None and identity is not None:
        inputs.append(Input(os.fspath(path), role, os.path.realpath(path), identity, span))


def input_at(target: str | os.PathLike[str]) -> Input | None:
    """The input of the current run that writing `target` would replace: the same canonical
    path (a symlink followed) or the same inode (a hard link); None when it is none of them."""
    inputs = _RUN.get() or []
    real, identity = os.path.realpath(target), _identity(target)
    return next((i for i in inputs if i.real == real or (identity is not None and i.identity == identity)), None)


def _identity(path: str | os.PathLike[str]) -> tuple[int, int] | None:
    """(st_dev, st_ino) of a regular file (symlinks followed); None for anything else."""
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    return (info.st_dev, info.st_ino) if stat.S_ISREG(info.st_mode) else None
