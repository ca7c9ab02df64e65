"""Fresh arrays carved from large blocks.

numpy asks the kernel for huge pages only for allocations of 4 MiB and more; smaller arrays
are faulted in 4 KiB at a time, and for a network's weights (hundreds of arrays, mostly under
4 MiB, 100 MB in all) that costs a third of the arithmetic that fills them.
"""

from __future__ import annotations

import numpy as np

BLOCK = 32 << 20
"""Bytes per block; an array larger than that gets an allocation of its own."""
ALIGN = 64
"""Each array starts at a multiple of this many bytes (a cache line, any dtype's alignment)."""


class Arena:
    """Uninitialised arrays that share blocks of memory (each block lives while any of its arrays does)."""

    def __init__(self) -> None:
        self._block = np.empty(0, np.uint8)
        self._used = 0

    def empty(self, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
        """A C-ordered array of `shape` and `dtype`, not initialised."""
        nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        if nbytes > BLOCK:
            return np.empty(shape, dtype)
        start = -(-self._used // ALIGN) * ALIGN
        if start + nbytes > len(self._block):
            self._block, start = np.empty(BLOCK, np.uint8), 0
        self._used = start + nbytes
        return self._block[start:start + nbytes].view(dtype).reshape(shape)
