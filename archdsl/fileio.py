"""Atomic output: a failed command never leaves a half-written file, and no output replaces
an input of its run or creates folders the user did not make."""

from __future__ import annotations

import os
import secrets
import shlex
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from archdsl.errors import OutputError
from archdsl.runfiles import input_at


@contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside `target`; rename it over `target` only on success.

    A target that exists but is not a regular file (a terminal, a pipe,
    /dev/stdout) is written in place once the output is complete: renaming over
    it would replace the device node itself. `check_output` refuses the target
    first; any OS failure is an OutputError.
    """
    shown, path = str(target), Path(target)
    check_output(path)
    special = path.exists() and not path.is_file()
    real = path if special else Path(os.path.realpath(path))  # a symlinked file keeps its link
    # The name comes first and the file is made inside `try`: a signal (raised in the main
    # thread, whichever thread the OS delivered it to) between making the file and naming it
    # would otherwise leave it behind.
    temp, ours = _temporary_name(real, special), True
    try:
        try:
            os.close(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            ours = False  # another writer's (the name is 48 random bits): not ours to remove
            raise
        yield temp
        _finish(temp, real, special)
    except OSError as exc:
        raise OutputError(f"cannot write '{shown}': {exc.strerror or exc}") from None
    finally:
        if ours:
            temp.unlink(missing_ok=True)


def check_output(target: str | os.PathLike[str]) -> None:
    """The one rule for every output path: an OutputError for a directory, a folder that does
    not exist (none is created), or a file the run reads (the same path, a symlink or a hard link)."""
    shown, path = os.fspath(target), Path(target)
    try:
        if path.is_dir():
            raise OutputError(f"cannot write '{shown}': it is a directory", hint="give a file name")
        if not path.exists() or path.is_file():
            _check_folder(shown, Path(os.path.realpath(path)).parent)
    except OSError as exc:  # e.g. a folder on the way that may not be searched
        raise OutputError(f"cannot write '{shown}': {exc.strerror or exc}") from None
    read = input_at(path)
    if read is not None:
        alias = "" if os.path.abspath(read.path) == os.path.abspath(shown) else f" ('{_near(read.path)}' under another name)"
        raise OutputError(f"cannot write '{shown}': it is {read.role}{alias}", read.span,
                          hint="write the output to another file; this one is an input of the same command")


def _near(path: str) -> str:
    """`path` relative to the working directory when it lies below it (the loader resolves paths)."""
    relative = os.path.relpath(path)
    return path if relative.startswith(os.pardir) else relative


def _check_folder(shown: str, folder: Path) -> None:
    """The folder a file goes into must exist already: a typo in `-o` must not create a tree."""
    named = Path(shown).parent
    where = str(named) if Path(os.path.realpath(named)) == folder else str(folder)  # a dangling link: its folder
    if not folder.exists():
        raise OutputError(f"cannot write '{shown}': folder '{where}' does not exist",
                          hint=f"create it first (mkdir -p {shlex.quote(where)})")
    if not folder.is_dir():
        raise OutputError(f"cannot write '{shown}': '{where}' is not a folder")


def _temporary_name(real: Path, special: bool) -> Path:
    """A fresh name beside `real` (in the temporary folder for a device or pipe)."""
    folder = Path(tempfile.gettempdir()) if special else real.parent
    return folder / f".{real.name}.{secrets.token_hex(6)}.tmp"


def _finish(temp: Path, real: Path, special: bool) -> None:
    if not special:
        os.chmod(temp, real.stat().st_mode & 0o7777 if real.exists() else 0o666 & ~_umask())
        os.replace(temp, real)
        return
    with open(temp, "rb") as source, open(real, "wb") as sink:
        shutil.copyfileobj(source, sink)


def _umask() -> int:
    """The process umask (temporary files are made 0600; outputs get the usual mode)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomic(target: str | os.PathLike[str], data: str | bytes) -> None:
    """Write text (UTF-8) or bytes to `target` atomically."""
    with atomic_path(target) as temp:
        mode = "wb" if isinstance(data, bytes) else "w"
        with open(temp, mode, **({} if isinstance(data, bytes) else {"encoding": "utf-8"})) as out:
            out.write(data)
            _sync(out)


def write_atomic_with(target: str | os.PathLike[str], write: Callable[[IO[bytes]], None]) -> None:
    """Write bytes to `target` atomically by streaming: `write(file)` fills the open temporary
    file piece by piece (nothing need be held in memory whole); an exception leaves `target` as it was."""
    with atomic_path(target) as temp:
        with open(temp, "wb") as out:
            write(out)
            _sync(out)


def _sync(out: IO) -> None:
    out.flush()
    os.fsync(out.fileno())
