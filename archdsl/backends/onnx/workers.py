"""How many threads the export's numpy work is split over.

numpy releases the GIL inside each operation but takes it back between operations, so a
thread that waits for a CPU also holds up the others at the GIL: on a machine whose CPUs are
busy, threads cost more CPU time and more wall time than one thread (ResNet-50's initial
weights: 1.2 s with two threads against 0.8 s with one, on two loaded CPUs). Threads are
started only for CPUs the load average leaves idle, as `make -l` does.
"""

from __future__ import annotations

import os


def idle_cpus() -> int:
    """CPUs not claimed by the 1-minute load average (all of them where it is unknown); at least 1."""
    cpus = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # not on Windows; unavailable in some sandboxes
        return cpus
    return max(1, min(cpus, int(cpus - load)))


def worker_count(tasks: int) -> int:
    """Threads worth starting for `tasks` independent pieces of numpy work (1: run them in turn)."""
    return max(1, min(tasks, idle_cpus()))
