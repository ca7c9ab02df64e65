"""The timing harness of benchmarks/: what is timed, and what is not."""

from __future__ import annotations

from benchmarks.common import interleaved


def test_setup_runs_untimed_before_each_of_our_calls() -> None:
    clock_now = [0.0]
    log: list[str] = []

    def clock() -> float:
        return clock_now[0]

    def step(label: str, seconds: float) -> None:
        log.append(label)
        clock_now[0] += seconds

    ours, theirs = interleaved(lambda: step("ours", 1.0), lambda: step("theirs", 2.0), repeats=3, warmup=0,
                               clock=clock, setup=lambda: step("setup", 100.0))
    assert ours.runs == (1.0, 1.0, 1.0)
    assert theirs.runs == (2.0, 2.0, 2.0)
    assert [label for i, label in enumerate(log) if log[i - 1 : i] != ["setup"] and label == "ours"] == []
    assert log.count("setup") == 3
