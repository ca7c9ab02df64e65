"""SIGTERM and SIGHUP end a command the way Ctrl-C does: through the `finally` blocks.

Python's default for these signals kills the process on the spot, so an atomic write in
progress would leave its temporary file (hundreds of MB for an exported model) beside the
target. Here they raise `Terminated` in the main thread instead: the temporary file is
removed, the target is untouched, and `main` exits with 128 + the signal number.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

HANDLED: tuple[signal.Signals, ...] = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)
"""The signals turned into `Terminated` (SIGINT already raises KeyboardInterrupt)."""


class Terminated(BaseException):
    """The process was asked to stop by a signal. A BaseException, like KeyboardInterrupt,
    so that no `except Exception` on the way swallows it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def status(self) -> int:
        """The shell's convention for a command ended by signal N: 128 + N."""
        return 128 + self.signum


def _raise(signum: int, frame: FrameType | None) -> None:
    for handled in HANDLED:  # one stop is enough: a second signal must not cut the cleanup short
        signal.signal(handled, signal.SIG_IGN)
    raise Terminated(signum)


@contextmanager
def terminating_cleanly() -> Iterator[None]:
    """Within this block, HANDLED signals raise `Terminated`; the old handlers are restored after.

    A signal ignored when the process started stays ignored: `nohup archdsl ...` keeps
    running when the terminal closes. Outside the main thread (where Python cannot set
    handlers) nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.getsignal(s) for s in HANDLED}
    for handled, old in previous.items():
        if old == signal.SIG_DFL:
            signal.signal(handled, _raise)
    try:
        yield
    finally:
        for handled, old in previous.items():
            signal.signal(handled, old if old is not None else signal.SIG_DFL)
