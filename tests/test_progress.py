"""The progress reporter (archdsl/progress.py), driven by a fake clock on a fake terminal."""

from __future__ import annotations

import io

import pytest

from archdsl import progress
from archdsl.progress import CLEAR, Reporter, reporting, stage


class Clock:
    """A clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _reporter() -> tuple[Reporter, io.StringIO, Clock]:
    stream, clock = io.StringIO(), Clock()
    return Reporter(stream, clock, delay=1.0), stream, clock


def test_a_stage_shorter_than_the_delay_prints_nothing() -> None:
    reporter, stream, clock = _reporter()
    reporter.begin("loading")
    clock.now += 0.9
    reporter.tick()
    reporter.end()
    assert stream.getvalue() == ""


def test_a_long_stage_is_shown_redrawn_in_place_and_erased() -> None:
    reporter, stream, clock = _reporter()
    reporter.begin("tracing")
    clock.now += 1.2
    reporter.tick()
    assert stream.getvalue() == CLEAR + "tracing... 1 s"
    clock.now += 0.1
    reporter.tick()  # the same text: not written again
    clock.now += 1.0
    reporter.tick()
    reporter.end()
    assert stream.getvalue() == CLEAR + "tracing... 1 s" + CLEAR + "tracing... 2 s" + CLEAR


def test_the_innermost_stage_is_shown_then_the_outer_one_again() -> None:
    reporter, stream, clock = _reporter()
    reporter.begin("writing x.pt2")
    clock.now += 1.0
    reporter.begin("tracing")
    clock.now += 2.0
    reporter.tick()
    reporter.end()
    reporter.tick()
    reporter.close()
    assert stream.getvalue() == (CLEAR + "tracing... 2 s" + CLEAR + CLEAR + "writing x.pt2... 3 s" + CLEAR)


def test_close_erases_a_line_left_by_a_stage_an_error_cut_short() -> None:
    reporter, stream, clock = _reporter()
    reporter.begin("emitting ONNX")
    clock.now += 5.0
    reporter.tick()
    reporter.close()
    reporter.tick()  # nothing open any more
    assert stream.getvalue().endswith(CLEAR)
    assert stream.getvalue().count("emitting") == 1


def test_a_closed_stream_does_not_fail_the_work() -> None:
    reporter, stream, clock = _reporter()
    stream.close()
    reporter.begin("rendering")
    clock.now += 2.0
    reporter.tick()
    reporter.end()


def test_stages_print_nothing_unless_reporting_is_on() -> None:
    assert progress._active is None
    with stage("analysing"):
        pass
    stream = io.StringIO()
    with reporting(stream) as reporter, stage("analysing"):
        assert progress._active is reporter
    assert progress._active is None
    assert stream.getvalue() == ""  # the stage ended long before the delay


def test_an_interrupted_stage_leaves_the_line_erased_for_the_message_after_it() -> None:
    stream, clock = io.StringIO(), Clock()
    with pytest.raises(KeyboardInterrupt), reporting(stream) as reporter:
        reporter.clock = clock
        with stage("running a forward pass"):
            clock.now += 3.0
            reporter.tick()
            raise KeyboardInterrupt
    assert stream.getvalue() == CLEAR + "running a forward pass... 3 s" + CLEAR
