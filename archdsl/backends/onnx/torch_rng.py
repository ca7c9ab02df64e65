"""PyTorch's CPU generator and its float32 `uniform_` and `normal_`, in numpy, bit for bit.

`torch.manual_seed(s)` seeds a standard mt19937 with the low 32 bits of `s`
(init_genrand), which numpy's MT19937 reproduces with its legacy seeding; its
32-bit outputs are torch's `random()`, and two of them (first the high half)
make `random64()`. The transforms are ATen's:

- `uniform_(a, b)` on float32: the low 24 bits of one output times 2**-24, then
  `x * (b - a) + a` fused into one float32 rounding, with `a` and `b` first rounded to float32;
- `normal_(mean, std)` on 16 or more contiguous float32 elements: one uniform per
  element, Box–Muller on blocks of 16 (the first 8 give `u1`, the next 8 `u2`);
  when the count is not a multiple of 16 the last 16 elements are drawn again and
  transformed again;
- `normal_` on fewer elements: per element, float64 Box–Muller from two 53-bit
  uniforms, whose second value the generator keeps for the next such element.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction

import numpy as np

from archdsl.backends.onnx import avx_math
from archdsl.backends.onnx.workers import worker_count

F32 = np.float32
BLOCK = 16
CHUNK = 1 << 15
"""Elements drawn and transformed at a time (a multiple of BLOCK): temporaries small enough
to stay in cache and be reused by the allocator instead of faulting in fresh pages."""
_LOW24 = np.uint64(0xFFFFFF)


class TorchGenerator:
    """The draws `torch.manual_seed(seed)` makes the CPU default generator produce."""

    def __init__(self, seed: int) -> None:
        self._bits = np.random.MT19937()
        self._bits.state = {"bit_generator": "MT19937", "state": {"key": _init_genrand(seed & 0xFFFFFFFF), "pos": 624}}
        self._next_normal: float | None = None

    def _units(self, count: int) -> np.ndarray:
        """float32 uniforms in [0, 1): the low 24 bits of `count` outputs, times 2**-24."""
        return (self._bits.random_raw(count) & _LOW24).astype(F32) * F32(2.0**-24)

    def _unit64(self) -> float:
        """One float64 uniform in [0, 1) from `random64()`'s low 53 bits (the first output is the high half)."""
        high, low = (int(v) for v in self._bits.random_raw(2))
        return ((high << 32 | low) & ((1 << 53) - 1)) * 2.0**-53

    def uniform(self, count: int, low: float, high: float) -> np.ndarray:
        """`torch.empty(count).uniform_(low, high)`."""
        a, b = F32(low), F32(high)
        out = np.empty(count, dtype=F32)
        for start in range(0, count, CHUNK):
            stop = min(start + CHUNK, count)
            out[start:stop] = self._uniform_chunk(stop - start, a, b)
        return out

    def _uniform_chunk(self, count: int, a: np.float32, b: np.float32) -> np.ndarray:
        if a != -b:
            return avx_math.fma(self._units(count), b - a, a)
        # U(-b, b) is b·(2k - 2**24)·2**-24: at most 48 significant bits, so float64 holds
        # it exactly and one rounding to float32 is the fused result.
        steps = (self._bits.random_raw(count) & _LOW24).astype(np.float64)
        steps *= float(b - a) * 2.0**-24
        steps += float(a)
        return steps.astype(F32)

    def normal(self, count: int, mean: float, std: float) -> np.ndarray:
        """`torch.empty(count).normal_(mean, std)` (float32, contiguous)."""
        if count < BLOCK:
            return np.array([self._normal64(mean, std) for _ in range(count)], dtype=F32)
        m, s = F32(mean), F32(std)
        out = np.empty(count, dtype=F32)
        for start in range(0, count, CHUNK):  # the draws, in order
            stop = min(start + CHUNK, count)
            out[start:stop] = self._units(stop - start)
        whole = count - count % BLOCK

        def transform(part: slice) -> None:
            out[part] = _box_muller(out[part], m, s)

        _in_parallel([slice(start, min(start + CHUNK, whole)) for start in range(0, whole, CHUNK)], transform)
        if whole != count:  # the last 16, drawn and transformed again
            out[count - BLOCK:] = _box_muller(self._units(BLOCK), m, s)
        return out

    def _normal64(self, mean: float, std: float) -> float:
        """at::normal_distribution<double>: Box–Muller in float64, every second value cached."""
        if self._next_normal is not None:
            value, self._next_normal = self._next_normal, None
        else:
            u1, u2 = self._unit64(), self._unit64()
            radius = math.sqrt(-2.0 * math.log1p(-u2))
            theta = 2.0 * math.pi * u1
            self._next_normal = radius * math.sin(theta)
            value = radius * math.cos(theta)
        return _fma64(value, std, mean)


def _init_genrand(seed: int) -> np.ndarray:
    """mt19937's state after the reference `init_genrand(seed)` (what torch.manual_seed runs)."""
    key = [seed]
    for i in range(1, 624):
        key.append((1812433253 * (key[-1] ^ (key[-1] >> 30)) + i) & 0xFFFFFFFF)
    return np.array(key, dtype=np.uint32)


def _in_parallel(parts: list[slice], work: Callable[[slice], None]) -> None:
    """Run `work` on every part, on the idle CPUs when there are several (numpy releases the GIL)."""
    workers = worker_count(len(parts))
    if workers < 2:
        for part in parts:
            work(part)
        return
    with ThreadPoolExecutor(workers) as pool:
        for done in [pool.submit(work, part) for part in parts]:
            done.result()


def _box_muller(units: np.ndarray, mean: np.float32, std: np.float32) -> np.ndarray:
    """normal_fill_16 over consecutive blocks of 16 uniforms."""
    blocks = units.reshape(-1, BLOCK)
    half = BLOCK // 2
    radius = np.sqrt(F32(-2) * avx_math.log(F32(1) - blocks[:, :half].ravel())).reshape(-1, half)
    sin, cos = (v.reshape(-1, half) for v in avx_math.sincos(F32(2.0 * math.pi) * blocks[:, half:].ravel()))
    out = np.empty_like(blocks)
    out[:, :half] = _scale(radius * cos, std, mean)
    out[:, half:] = _scale(radius * sin, std, mean)
    return out.reshape(-1)


def _scale(values: np.ndarray, std: np.float32, mean: np.float32) -> np.ndarray:
    """values·std + mean, fused; with mean 0 that is one float32 product (+0 turns a -0 into +0, as fused)."""
    return values * std + mean if mean == 0 else avx_math.fma(values, std, mean)


def _fma64(a: float, b: float, c: float) -> float:
    """a·b + c rounded once to float64 (the compiled kernel fuses it)."""
    return float(Fraction(a) * Fraction(b) + Fraction(c))
