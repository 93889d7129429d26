"""The scaled complementary error function and the normal distribution's log-CDF and quantile
function on float64 NumPy arrays (torch.special.erfcx, log_ndtr, ndtri).

They build on ``_special``'s erf/erfc pieces: erfcx(x) = exp(x^2) erfc(x) is that module's
fitted tail factor for x >= 1, and the quantile function inverts erfc by Newton's method on
log(erfc), which keeps full relative accuracy down to the smallest doubles.
"""
from __future__ import annotations

import math

import numpy as np

from . import _special

_SQRT_PI = math.sqrt(math.pi)
_SQRT_2 = math.sqrt(2.0)
_SQRT_HALF = math.sqrt(0.5)


def erfcx(x):
    """exp(x^2) erfc(x), without overflow for large x (inf for x below about -26.6)."""
    out = np.empty_like(x)
    tail = x >= 1.0
    if tail.any():
        out[tail] = _erfcx_tail(x[tail])
    middle = np.abs(x) < 1.0
    if middle.any():
        xm = x[middle]
        out[middle] = np.exp(xm * xm) * (1.0 - _special._erf_small(xm))
    negative = x <= -1.0
    if negative.any():
        xn = x[negative]
        with np.errstate(over="ignore"):
            # erfc(-y) = 2 - erfc(y): the second term is tiny next to the first.
            out[negative] = 2.0 * np.exp(xn * xn) - _erfcx_tail(-xn)
    out[np.isnan(x)] = np.nan
    return out


def _erfcx_tail(x):
    """erfcx for x >= 1 (0 at +inf) from the fitted factor x erfcx(x)."""
    finite = np.minimum(x, 1e300)
    w = (finite - _special._ERFCX_K) / (finite + _special._ERFCX_K)
    return np.where(np.isinf(x), 0.0, _special._horner(_special._ERFCX_TAIL, w) / finite)


def log_ndtr(x):
    """log of the standard normal CDF, accurate far into the left tail."""
    t = x * _SQRT_HALF
    out = np.empty_like(x)
    left = x < -1.0
    if left.any():
        tl = t[left]
        out[left] = np.log(erfcx(-tl) / 2.0) - tl * tl
    rest = ~left
    if rest.any():
        out[rest] = np.log1p(-_special.erfc(t[rest]) / 2.0)
    return out


def _erfc_inverse(q):
    """z with erfc(z) = q for 0 < q <= 1/2, by Newton's method on log(erfc(z)) = log(q)."""
    log_q = np.log(q)
    minus_log = -log_q
    # erfc(z) ~ exp(-z^2) / (z sqrt(pi)): a starting point within a few percent.
    z = np.sqrt(np.maximum(minus_log - 0.5 * np.log(np.pi * minus_log), 0.05))
    for _ in range(7):
        scaled = erfcx(z)
        residual = np.log(scaled) - z * z - log_q
        z = z + residual * (_SQRT_PI / 2.0) * scaled
    return z


def ndtri(p):
    """The standard normal quantile function (-inf at 0, inf at 1, NaN outside [0, 1])."""
    out = np.full_like(p, np.nan)
    central = (p >= 0.25) & (p <= 0.75)
    if central.any():
        out[central] = _SQRT_2 * _special.erfinv(2.0 * p[central] - 1.0)
    low = (p > 0.0) & (p < 0.25)
    if low.any():
        out[low] = -_SQRT_2 * _erfc_inverse(2.0 * p[low])
    high = (p > 0.75) & (p < 1.0)
    if high.any():
        out[high] = _SQRT_2 * _erfc_inverse(2.0 * (1.0 - p[high]))  # 1 - p is exact here
    out[p == 0.0] = -np.inf
    out[p == 1.0] = np.inf
    return out
