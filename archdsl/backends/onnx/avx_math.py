"""float32 log, sine and cosine exactly as PyTorch's CPU `normal_` computes them.

`normal_` on a float32 tensor of 16 or more elements runs the AVX2 kernel (AVX512
machines use it too: that kernel is not built for AVX512) with avx_mathfun.h's
cephes-style `log256_ps` and `sincos256_ps`. The compiler fuses each multiply whose
only use is an add into a fused multiply-add; `fma` reproduces that rounding, so the
results here are bit-identical, not merely close. Arrays are float32 throughout.
"""

from __future__ import annotations

import numpy as np

F32 = np.float32

_LOG_POLY = tuple(F32(c) for c in (
    7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1,
    -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1,
))
_LOG_Q1, _LOG_Q2 = F32(-2.12194440e-4), F32(0.693359375)
_SQRT_HALF = F32(0.707106781186547524)
_MANTISSA = np.uint32(0x807FFFFF)
_HALF_BITS = np.float32(0.5).view(np.uint32)
_FLOAT32_SHIFT = np.uint64(35)
_HALFWAY = np.uint64(1 << 63)
"""A float64 whose 29 bits below float32 precision read 1000...0 lies halfway between two float32."""

_SIN_POLY = tuple(F32(c) for c in (-1.9515295891e-4, 8.3321608736e-3, -1.6666654611e-1))
_COS_POLY = tuple(F32(c) for c in (2.443315711809948e-005, -1.388731625493765e-003, 4.166664568298827e-002))
_FOUR_OVER_PI = F32(1.27323954473516)
_MINUS_PI_OVER_4 = tuple(F32(c) for c in (-0.78515625, -2.4187564849853515625e-4, -3.77489497744594108e-8))
"""π/4 split in three so that j·π/4 is subtracted with extra precision."""


def fma(a: np.ndarray | np.float32, b: np.ndarray | np.float32, c: np.ndarray | np.float32) -> np.ndarray:
    """a·b + c rounded once to float32, as the FMA instruction does (results zero or normal).

    The float32 product is exact in float64; rounding the float64 sum to float32 is
    then correct except where that sum, itself rounded, landed exactly halfway
    between two float32 values: those few are redone with round-to-odd, which
    cannot round twice. (A float32-subnormal result would put the halfway point
    elsewhere; the sampling kernels never produce one.)
    """
    total = np.multiply(a, b, dtype=np.float64)
    total += c
    halfway = (total.view(np.uint64) << _FLOAT32_SHIFT) == _HALFWAY
    result = total.astype(F32)
    if halfway.any():
        where = np.nonzero(halfway)
        result[where] = _round_to_odd(*(np.broadcast_to(v, total.shape)[where] for v in (a, b, c))).astype(F32)
    return result


def _round_to_odd(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """a·b + c in float64 with round-to-odd: an inexact sum gets an odd last bit."""
    product = np.multiply(a, b, dtype=np.float64)
    addend = np.asarray(c, dtype=np.float64)
    total = product + addend
    virtual = total - product
    error = (product - (total - virtual)) + (addend - virtual)
    inexact_even = (error != 0) & ((total.view(np.int64) & 1) == 0)
    return np.where(inexact_even, np.nextafter(total, np.where(error > 0, np.inf, -np.inf)), total)


def log(x: np.ndarray) -> np.ndarray:
    """Natural log of positive normal float32 values (log256_ps)."""
    bits = x.view(np.uint32)
    exponent = ((bits >> np.uint32(23)).astype(np.int32) - 0x7F).astype(F32) + F32(1)
    x = ((bits & _MANTISSA) | _HALF_BITS).view(F32)  # the mantissa, in [0.5, 1)
    small = x < _SQRT_HALF
    x = (x - F32(1)) + np.where(small, x, F32(0))
    exponent = exponent - np.where(small, F32(1), F32(0))
    z = x * x
    y = fma(_LOG_POLY[0], x, _LOG_POLY[1])
    for coefficient in _LOG_POLY[2:]:
        y = fma(y, x, coefficient)
    y = fma(y * x, z, exponent * _LOG_Q1)
    y = y - z * F32(0.5)
    return (x + y) + exponent * _LOG_Q2


def sincos(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sine and cosine of non-negative float32 values (sincos256_ps)."""
    octant = (x * _FOUR_OVER_PI).astype(np.int32)
    octant = (octant + 1) & ~1
    y = octant.astype(F32)
    # y is 0, 2, 4, 6 or 8 and the first two parts have at most 12 bits: those products are
    # exact, so each fused step is one float32 add. The third product is not, but x plus it
    # is exact in float64 (x is 0 or at least 2**-24 here), so one rounding of that is fused.
    x = x + y * _MINUS_PI_OVER_4[0]
    x = x + y * _MINUS_PI_OVER_4[1]
    x = (x + y.astype(np.float64) * float(_MINUS_PI_OVER_4[2])).astype(F32)
    z = x * x
    cos_poly = fma(fma(_COS_POLY[0], z, _COS_POLY[1]), z, _COS_POLY[2])
    cos_poly = fma(cos_poly * z, z, -(z * F32(0.5))) + F32(1)
    sin_poly = fma(fma(_SIN_POLY[0], z, _SIN_POLY[1]), z, _SIN_POLY[2])
    sin_poly = fma(sin_poly * z, x, x)
    first = (octant & 2) == 0
    sin = np.where(first, sin_poly, cos_poly)
    cos = np.where(first, cos_poly, sin_poly)
    sin = np.where((octant & 4) != 0, -sin, sin)
    cos = np.where((~(octant - 2) & 4) != 0, -cos, cos)
    return sin, cos
