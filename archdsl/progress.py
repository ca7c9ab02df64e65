"""Progress on a terminal: a one-line status for stages that run longer than about a second.

Library code marks its coarse stages with `stage("building torch module")`; that costs nothing
and prints nothing unless an application turned reporting on with `reporting(stream)`, which the
CLI does only when stderr is a terminal and `--quiet` was not given. The status line appears
after `DELAY` seconds of silence, shows the innermost stage with its elapsed time, is redrawn in
place, and is erased when the stage ends, so the terminal is left as if it had never been there.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

DELAY = 1.0
"""Seconds a stage runs before its status line appears."""
INTERVAL = 0.5
"""Seconds between redraws of the status line."""
CLEAR = "\r\x1b[K"
"""Carriage return, then erase to the end of the line (ANSI EL)."""


class Reporter:
    """Draws the status line of the innermost open stage on `stream`; `tick` redraws it."""

    def __init__(self, stream: TextIO, clock: Callable[[], float] = time.monotonic, delay: float = DELAY) -> None:
        self.stream = stream
        self.clock = clock
        self.delay = delay
        self._stages: list[tuple[str, float]] = []
        self._shown = ""
        self._lock = threading.RLock()  # re-entrant: a signal handler may raise while the lock is held

    def begin(self, label: str) -> None:
        """Open a stage named `label`."""
        with self._lock:
            self._stages.append((label, self.clock()))

    def end(self) -> None:
        """Close the innermost stage and erase the status line if one is shown."""
        with self._lock:
            self._stages.pop()
            self._erase()

    def tick(self) -> None:
        """Redraw the status line, once the innermost stage has run `delay` seconds."""
        with self._lock:
            if not self._stages:
                return
            label, started = self._stages[-1]
            elapsed = self.clock() - started
            line = f"{label}... {elapsed:.0f} s"
            if elapsed >= self.delay and line != self._shown:
                self._write(CLEAR + line)
                self._shown = line

    def close(self) -> None:
        """Erase the status line; later stages draw nothing until reopened."""
        with self._lock:
            self._stages.clear()
            self._erase()

    def _erase(self) -> None:
        if self._shown:
            self._write(CLEAR)
            self._shown = ""

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # a closed or vanished terminal: progress is not worth failing for
            pass


_active: Reporter | None = None


@contextmanager
def stage(label: str) -> Iterator[None]:
    """Mark a coarse stage of work; shown as progress only while reporting is on."""
    reporter = _active
    if reporter is None:
        yield
        return
    reporter.begin(label)
    try:
        yield
    finally:
        reporter.end()


@contextmanager
def reporting(stream: TextIO, interval: float = INTERVAL) -> Iterator[Reporter]:
    """Report the stages opened inside on `stream`, redrawn every `interval` seconds by a daemon thread."""
    global _active
    reporter = Reporter(stream)
    stop = threading.Event()

    def redraw() -> None:
        while not stop.wait(interval):
            reporter.tick()

    thread = threading.Thread(target=redraw, name="archdsl-progress", daemon=True)
    previous, _active = _active, reporter
    thread.start()
    try:
        yield reporter
    finally:
        stop.set()
        thread.join()
        _active = previous
        reporter.close()
