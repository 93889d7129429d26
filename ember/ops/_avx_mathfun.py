"""PyTorch's AVX2 Box-Muller for float tensors, reproduced bit for bit: float32 ``log`` and
``sincos`` exactly as PyTorch's CPU build computes them, and the block transform around them.

PyTorch's ``normal_`` (and so ``randn``, ``normal``, ``randn_like``) for contiguous float32,
float16 and bfloat16 tensors of 16 or more elements runs Box-Muller in float over blocks of 16
(``NormalFill16<float>`` in ``ATen/native/cpu/DistributionTemplates.h``).  When PyTorch's CPU
capability is AVX2 that kernel calls ``log256_ps`` and ``sincos256_ps`` of
``ATen/native/cpu/avx_mathfun.h``: Julien Pommier's float32 ports of the Cephes polynomials, not
correctly rounded functions.  NumPy's float32 ``log``/``cos``/``sin`` differ from them in the
last bit often enough that about one normal value in seven came out different, so this module
repeats those functions operation by operation.

The header is compiled with ``-mavx2 -mfma`` and GCC's default ``-ffp-contract=fast``, so GCC
fuses a multiply into the add or subtract that consumes it (when that is the product's only use)
into one fused multiply-add, rounded once.  Which pairs fuse is part of the result; the ones
that do (all checked against PyTorch's output):

- every Horner step ``y * x + p`` of the polynomials;
- in ``log``, ``(y * z) + (e * q1)`` fuses the first product (``e * q1`` is rounded on its own),
  and ``x + e * q2`` (exact product, so fused or not gives the same);
- in ``sincos``, the three range-reduction steps ``x + j * DPk``; the cosine polynomial's
  ``y * z - z * 0.5`` as ``fmsub(y, z, z * 0.5)``; the sine polynomial's ``y * x + x``.

Every plain float32 operation runs in float32.  A fused multiply-add of float32 operands is
emulated in float64: the product is exact there (24 + 24 bits), the sum is rounded to float64
and then to float32.  That second rounding could in principle differ from a single one (double
rounding); for the inputs Box-Muller gives these functions it never does, which was checked
exhaustively: PyTorch's float uniforms are ``k * 2**-24``, so ``log`` only ever sees the 2**24
values ``1 - k * 2**-24`` and ``sincos`` the 2**24 angles ``float(2 pi) * k * 2**-24``; on all of
them every emulated fused operation equals the exactly rounded one (computed rounding to odd),
and both functions equal a C build of PyTorch's header bit for bit, which in turn reproduces
``torch.randn`` (``tests/test_random_exact.py`` repeats the comparison with the header).

Domain: ``log_ps`` takes positive normal floats, ``sincos_ps`` non-negative angles below 8192
(the header also handles other inputs; Box-Muller never gives them).  Both work on one
contiguous 1-D chunk; ``normal_fill_16`` cuts the rows into chunks of 128K values and spreads
them over threads.
"""
from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from concurrent import futures

import numpy as np

from ..backends import cpu as _cpu

_F32 = np.float32
_F64 = np.float64
_U32 = np.uint32
_I32 = np.int32


def _const(value: float) -> np.float64:
    # The header's constants are float32; fused steps use them widened (exactly) to float64.
    return _F64(_F32(value))


_SQRT_HALF = _F32(0.707106781186547524)
_LOG_P0 = _const(7.0376836292e-2)
_LOG_P = tuple(_const(v) for v in (-1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1,
                                    1.4249322787e-1, -1.6668057665e-1, 2.0000714765e-1,
                                    -2.4999993993e-1, 3.3333331174e-1))
_LOG_Q1 = _F32(-2.12194440e-4)
_LOG_Q2 = _F32(0.693359375)

_FOUR_OVER_PI = _F32(1.27323954473516)
# -pi/4 split in three; j * DP1 and j * DP2 are exact in float32 for the even j <= 8 that occur,
# so those two fused steps are plain float32 adds.
_MINUS_DP1 = _F32(-0.78515625)
_MINUS_DP2 = _F32(-2.4187564849853515625e-4)
_MINUS_DP3 = _const(-3.77489497744594108e-8)
_SIN_P0 = _const(-1.9515295891e-4)
_SIN_P1 = _const(8.3321608736e-3)
_SIN_P2 = _const(-1.6666654611e-1)
_COS_P0 = _const(2.443315711809948e-5)
_COS_P1 = _const(-1.388731625493765e-3)
_COS_P2 = _const(4.166664568298827e-2)

_ONE = _F32(1.0)
_HALF = _F32(0.5)
_MANTISSA = _U32(0x007FFFFF)
# f + _TO_UPPER carries into bit 23 exactly when the mantissa field f is at least sqrt(1/2)'s.
_TO_UPPER = _U32(0x00800000 - 0x003504F3)
_CARRY = _U32(0x00800000)
_ONE_BITS = _U32(0x3F800000)
_TWO_POW_23_BITS = _U32(0x4B000000)
_TWO_POW_23_PLUS_BIAS = _F32(2**23 + 127)
_SIGN_BIT = _I32(-0x80000000)


class Workspace:
    """Scratch arrays for chunks of up to ``size`` elements (one per thread, reused)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.wide = np.empty(size, _F64)
        self.wide_b = np.empty(size, _F64)
        self.product = np.empty(size, _F64)
        self.float_a = np.empty(size, _F32)
        self.float_b = np.empty(size, _F32)
        self.float_c = np.empty(size, _F32)
        self.int_a = np.empty(size, _I32)
        self.int_b = np.empty(size, _I32)


def log_ps(x: np.ndarray, out: np.ndarray, work: Workspace) -> np.ndarray:
    """``log256_ps`` of the contiguous float32 array ``x`` (positive normal numbers), into
    ``out`` (which may be ``x``)."""
    n = x.size
    bits = x.view(_U32)
    fraction = work.int_a[:n].view(_U32)
    upper = work.int_b[:n].view(_U32)
    # x = m * 2**e with m in [0.5, 1); below sqrt(1/2) the header takes 2m and e - 1 instead.
    # 'upper' is 2**23 when m >= sqrt(1/2), else 0, and picks between them without a branch.
    np.bitwise_and(bits, _MANTISSA, out=fraction)
    np.add(fraction, _TO_UPPER, out=upper)
    upper &= _CARRY
    e = work.float_a[:n]
    exponent = e.view(_U32)
    np.add(bits, upper, out=exponent)                # bumps the exponent field when upper
    exponent >>= _U32(23)
    exponent |= _TWO_POW_23_BITS                     # the float 2**23 + exponent field
    e -= _TWO_POW_23_PLUS_BIAS                       # exact: e as a float
    fraction |= _ONE_BITS                            # 2m, in [1, 2)
    fraction -= upper                                # or m, in [sqrt(1/2), 1)
    t = work.float_b[:n]
    np.subtract(fraction.view(_F32), _ONE, out=t)    # exact
    # Horner steps, each a fused multiply-add: y = y * t + p
    wide = work.wide[:n]
    product = work.product[:n]
    y = work.float_c[:n]
    np.copyto(wide, t)
    np.multiply(wide, _LOG_P0, out=product)
    for p in _LOG_P[:-1]:
        np.add(product, p, out=y, casting="unsafe")
        np.multiply(y, wide, out=product)
    np.add(product, _LOG_P[-1], out=y, casting="unsafe")
    y *= t
    z = fraction.view(_F32)
    np.multiply(t, t, out=z)
    # y * z + (e * q1), fused on the first product
    np.multiply(y, z, out=product, dtype=_F64)
    np.multiply(e, _LOG_Q1, out=out)
    np.add(product, out, out=y, casting="unsafe")
    z *= _HALF
    y -= z
    t += y
    e *= _LOG_Q2
    return np.add(t, e, out=out)


def sincos_ps(theta: np.ndarray, sin_out: np.ndarray, cos_out: np.ndarray,
              work: Workspace) -> None:
    """``sincos256_ps`` of the contiguous float32 array ``theta`` (non-negative angles), into
    ``sin_out`` and ``cos_out``."""
    n = theta.size
    scaled = work.float_a[:n]
    octant = work.int_a[:n]
    # the octant index j: trunc(theta * 4/pi) rounded up to even
    np.multiply(theta, _FOUR_OVER_PI, out=scaled)
    np.copyto(octant, scaled, casting="unsafe")
    octant += 1
    octant &= -2
    j = work.float_b[:n]
    np.copyto(j, octant, casting="unsafe")
    # x = theta - j * pi/4 in three steps (the first two products are exact in float32)
    x = work.float_c[:n]
    np.multiply(j, _MINUS_DP1, out=x)
    x += theta
    np.multiply(j, _MINUS_DP2, out=scaled)
    x += scaled
    product = work.product[:n]
    np.multiply(j, _MINUS_DP3, out=product, dtype=_F64)
    np.add(product, x, out=x, casting="unsafe")
    wide_x = work.wide_b[:n]
    np.copyto(wide_x, x)
    z = j
    np.multiply(x, x, out=z)
    wide_z = work.wide[:n]
    np.copyto(wide_z, z)
    # sine polynomial: ((s0 z + s1) z + s2) z, then fma(y, x, x)
    np.multiply(wide_z, _SIN_P0, out=product)
    np.add(product, _SIN_P1, out=sin_out, casting="unsafe")
    np.multiply(sin_out, wide_z, out=product)
    np.add(product, _SIN_P2, out=sin_out, casting="unsafe")
    sin_out *= z
    np.multiply(sin_out, wide_x, out=product)
    np.add(product, wide_x, out=sin_out, casting="unsafe")
    # cosine polynomial: ((c0 z + c1) z + c2) z, then fmsub(y, z, z / 2) + 1
    np.multiply(wide_z, _COS_P0, out=product)
    np.add(product, _COS_P1, out=cos_out, casting="unsafe")
    np.multiply(cos_out, wide_z, out=product)
    np.add(product, _COS_P2, out=cos_out, casting="unsafe")
    cos_out *= z
    np.multiply(cos_out, wide_z, out=product)
    wide_z *= _HALF                                  # exact
    np.subtract(product, wide_z, out=cos_out, casting="unsafe")
    cos_out += _ONE
    # Octants 2 and 6 swap the polynomials; sin is negative in octants 4 and 6, cos in 2 and 4
    # (cos's sign is sin's, flipped where they swap).  All on the bits: exact.
    sin_bits = sin_out.view(_U32)
    cos_bits = cos_out.view(_U32)
    swap = work.int_b[:n]
    np.left_shift(octant, 30, out=swap)
    swap >>= 31                                      # all ones in octants 2 and 6
    flip = x.view(_U32)
    np.bitwise_xor(sin_bits, cos_bits, out=flip)
    flip &= swap.view(_U32)
    octant <<= 29
    octant &= _SIGN_BIT                              # the sign bit in octants 4 and 6
    flip ^= octant.view(_U32)
    sin_bits ^= flip
    swap &= _SIGN_BIT
    flip ^= swap.view(_U32)
    cos_bits ^= flip


# ================================================================================================
# Box-Muller over blocks of 16, as PyTorch's AVX2 NormalFill16<float>
# ================================================================================================

_UNIFORM_BITS = _U32(0x00FFFFFF)     # PyTorch's float uniform: the low 24 bits times 2**-24
_UNIFORM_ONE = _U32(0x01000000)
_UNIFORM_STEP = _F32(2.0 ** -24)
# theta = float(2 pi) * (k * 2**-24) is float(2 pi) * 2**-24 * k rounded once: scaling by a power
# of two commutes with rounding (no underflow here), so it is one float32 multiply.
_ANGLE_STEP = _F32(2.0 * np.pi) * _UNIFORM_STEP
_MINUS_TWO = _F32(-2.0)
_HALF_ROW = np.dtype("V32")     # 8 float32 or uint32 values, half a row of 16
_BELOW_FLOAT = np.uint64((1 << 29) - 1)   # the float64 mantissa bits a float32 drops
_HALFWAY = np.uint64(1 << 28)
_FLOAT_NORMAL_LIMIT = 2.0 ** -125
# 128K values per function call.  Smaller chunks fit the per-core cache better, but each NumPy
# call then lasts a few microseconds, and two threads spend more handing the GIL back and forth
# than they gain (measured: 32K-value chunks ran no faster on two cores than on one).
_ROWS_PER_CHUNK = 16384
_DRAW_ROWS = 2 * _ROWS_PER_CHUNK  # rows drawn from the generator at a time
_PARALLEL_MIN_ROWS = 1 << 13    # below this a hand-off to another thread costs more than it gives
_local = threading.local()


class _Buffers:
    """One thread's arrays for a chunk of rows (allocated once per thread and reused)."""

    def __init__(self, rows: int) -> None:
        size = 8 * rows
        self.work = Workspace(size)
        self.first = np.empty(size, _U32)
        self.second = np.empty(size, _U32)
        self.radius = np.empty(size, _F32)
        self.angle = np.empty(size, _F32)
        self.sin = np.empty(size, _F32)
        self.cos = np.empty(size, _F32)


def _buffers() -> _Buffers:
    buffers = getattr(_local, "buffers", None)
    if buffers is None:
        buffers = _local.buffers = _Buffers(_ROWS_PER_CHUNK)
    return buffers


def normal_fill_16(draw: Callable[[int], np.ndarray], out: np.ndarray, mean: float,
                   std: float) -> None:
    """PyTorch's AVX2 Box-Muller over ``out`` (float32, shape ``(rows, 16)``), one row per 16
    raw 32-bit draws taken in order from ``draw(count)`` (a uint32 array of the next ``count``).

    Each draw becomes PyTorch's float uniform ``u = (draw & 0xFFFFFF) * 2**-24``; with
    ``r = sqrt(-2 log(1 - u[:, :8]))`` and ``theta = 2 pi u[:, 8:]``, ``out[:, :8]`` gets
    ``r cos(theta) * std + mean`` and ``out[:, 8:]`` gets ``r sin(theta) * std + mean`` (each a
    fused multiply-add).
    """
    rows = out.shape[0]
    scale, shift = _F32(std), _F32(mean)
    chunks = -(-rows // _ROWS_PER_CHUNK)
    threads = min(_cpu.get_num_threads(), chunks)
    if threads <= 1 or rows < _PARALLEL_MIN_ROWS:
        buffers = _buffers()
        for lo, draws in _drawn_chunks(draw, rows):
            _fill_chunk(draws, out[lo:lo + draws.shape[0]], scale, shift, buffers)
    else:
        _fill_threaded(draw, out, scale, shift, chunks, threads)


def _drawn_chunks(draw, rows: int):
    """(first row, draws) for each chunk of rows in order, drawing several chunks at a time."""
    for lo in range(0, rows, _DRAW_ROWS):
        count = min(_DRAW_ROWS, rows - lo)
        draws = draw(16 * count).reshape(count, 16)
        for start in range(0, count, _ROWS_PER_CHUNK):
            yield lo + start, draws[start:start + _ROWS_PER_CHUNK]


def _fill_threaded(draw, out: np.ndarray, scale, shift, chunks: int, threads: int) -> None:
    # This thread draws (the generator is sequential) while helpers transform the chunks drawn
    # so far, taking them from a shared counter so that one slowed by a busy core does not hold
    # up the rest; once everything is drawn this thread transforms too.
    drawn = [None] * chunks
    progress = threading.Condition()
    available = 0            # chunks drawn so far
    stopped = False          # drawing failed: helpers leave
    next_chunk = itertools.count().__next__

    def transform() -> None:
        buffers = _buffers()
        while (index := next_chunk()) < chunks:
            with progress:
                progress.wait_for(lambda: available > index or stopped)
            if stopped:
                return
            lo, draws = drawn[index]
            drawn[index] = None
            _fill_chunk(draws, out[lo:lo + draws.shape[0]], scale, shift, buffers)

    helpers = [_cpu.worker_pool().submit(transform) for _ in range(threads - 1)]
    try:
        for index, chunk in enumerate(_drawn_chunks(draw, out.shape[0])):
            drawn[index] = chunk
            with progress:
                available = index + 1
                progress.notify_all()
    except BaseException:
        with progress:
            stopped = True
            progress.notify_all()
        futures.wait(helpers)
        raise
    transform()
    for helper in helpers:
        helper.result()


def _fill_chunk(draws: np.ndarray, out: np.ndarray, scale, shift, buffers: _Buffers) -> None:
    rows = draws.shape[0]
    size = 8 * rows
    first = buffers.first[:size]
    second = buffers.second[:size]
    radius = buffers.radius[:size]
    angle = buffers.angle[:size]
    sin = buffers.sin[:size]
    cos = buffers.cos[:size]
    # Split each row into its halves with one 32-byte copy per half row (an (rows, 8) strided
    # ufunc runs an 8-long inner loop per row, several times slower).
    halves = draws.view(_HALF_ROW)
    np.copyto(first.view(_HALF_ROW), halves[:, 0])
    np.copyto(second.view(_HALF_ROW), halves[:, 1])
    # 1 - u = (2**24 - k) * 2**-24, in (0, 1] for the log
    first &= _UNIFORM_BITS
    np.subtract(_UNIFORM_ONE, first, out=first)
    np.multiply(first, _UNIFORM_STEP, out=radius, dtype=_F32)
    second &= _UNIFORM_BITS
    np.multiply(second, _ANGLE_STEP, out=angle, dtype=_F32)
    log_ps(radius, radius, buffers.work)
    radius *= _MINUS_TWO
    np.sqrt(radius, out=radius)
    sincos_ps(angle, sin, cos, buffers.work)
    cos *= radius
    sin *= radius
    if scale == 1 and shift == 0:
        # fma(n, 1, 0) is n, except that it turns -0 into +0; zeros come only from a zero
        # radius (u = 0), rare enough to fix afterwards
        if radius.min() == 0:
            zero = radius == 0
            cos[zero] = 0
            sin[zero] = 0
    else:
        _fused_scale(cos, scale, shift, buffers.work)
        _fused_scale(sin, scale, shift, buffers.work)
    target = out.view(_HALF_ROW)
    np.copyto(target[:, 0], cos.view(_HALF_ROW))
    np.copyto(target[:, 1], sin.view(_HALF_ROW))


def _fused_scale(values: np.ndarray, scale, shift, work: Workspace) -> None:
    # values = fma(values, std, mean) in place.  The product is exact in float64 and the sum is
    # rounded there once; rounding that to float32 can differ from one rounding of the exact
    # value only when the float64 sum was inexact and lies exactly halfway between two floats
    # (or in float32's subnormal range).  Those rare elements are recomputed exactly.
    product = work.product[:values.size]
    np.multiply(values, _F64(scale), out=product)
    product += _F64(shift)
    suspect = (product.view(np.uint64) & _BELOW_FLOAT) == _HALFWAY
    suspect |= np.abs(product) < _FLOAT_NORMAL_LIMIT
    where = np.flatnonzero(suspect) if suspect.any() else None
    if where is not None:
        # keep those whose float64 sum was inexact (its error, by TwoSum, is not zero)
        exact_product = values[where].astype(_F64) * _F64(scale)
        total = product[where]
        part = total - exact_product
        error = (exact_product - (total - part)) + (_F64(shift) - part)
        where = where[error != 0]
        from .creation import _fma32
        fixed = _fma32(values[where].astype(_F64), _F64(scale), _F64(shift))
    np.copyto(values, product, casting="same_kind")
    if where is not None:
        values[where] = fixed
