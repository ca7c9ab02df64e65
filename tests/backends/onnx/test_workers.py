"""The export's numpy work runs on the CPUs the load leaves idle, and gives the same bytes on
one thread as on several."""

from __future__ import annotations

import os

import pytest

import archdsl
from archdsl.backends.onnx import torch_rng, weight_rewrites, workers
from archdsl.backends.onnx.export import ExportOptions, export_bytes


@pytest.mark.parametrize(("cpus", "load", "idle"), [(8, 0.0, 8), (8, 5.5, 2), (8, 7.9, 1), (2, 9.0, 1), (4, -1.0, 4)])
def test_idle_cpus_follow_the_load_average(cpus: int, load: float, idle: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: cpus)
    monkeypatch.setattr(os, "getloadavg", lambda: (load, load, load))
    assert workers.idle_cpus() == idle
    assert workers.worker_count(3) == min(3, idle) and workers.worker_count(0) == 1


def test_without_a_load_average_every_cpu_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    def unavailable() -> tuple[float, float, float]:
        raise OSError("no load average here")

    monkeypatch.setattr(os, "cpu_count", lambda: 6)
    monkeypatch.setattr(os, "getloadavg", unavailable)
    assert workers.idle_cpus() == 6


def test_threads_and_one_thread_give_the_same_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    # drawing (Box–Muller in chunks) and BatchNorm folding, forced onto 1 and onto 4 threads
    lowering = archdsl.load("resnet18", input_shapes={"x": (3, 64, 64)}).lowering
    found = []
    for count in (1, 4):
        monkeypatch.setattr(torch_rng, "worker_count", lambda tasks, c=count: min(tasks, c))
        monkeypatch.setattr(weight_rewrites, "worker_count", lambda tasks, c=count: min(tasks, c))
        found.append(export_bytes(lowering, ExportOptions(seed=11)))
    assert found[0] == found[1]
