"""The Hurwitz zeta function zeta(x, q) = sum_k (q + k)^-x for real x on float64 NumPy arrays
(torch.special.zeta).

Euler-Maclaurin summation: the first terms directly, until q + k passes 9 (at least nine of
them), then the integral of the rest and twelve Bernoulli corrections; for q beyond 1e8 the
two leading terms of the asymptotic expansion.  The domain and special values are PyTorch's
(Cephes'): poles at x = 1 and at non-positive integer q, NaN for x < 1 and for negative q
with non-integer x.
"""
from __future__ import annotations

import numpy as np

from . import _special

_EPS = np.finfo(np.float64).eps
_DIRECT_TERMS = 9


def hurwitz_zeta(x, q):
    """zeta(x, q) elementwise over broadcast float64 arrays."""
    x, q = np.broadcast_arrays(np.asarray(x, np.float64), np.asarray(q, np.float64))
    out = np.full(x.shape, np.nan)
    with np.errstate(invalid="ignore"):
        pole = (x == 1.0) | ((x > 1.0) & (q <= 0.0) & (q == np.floor(q)))
        negative_q_undefined = (q < 0.0) & (x != np.floor(x))
        infinite_x = (x == np.inf) & (q > 0.0) & np.isfinite(q)
        regular = ((x > 1.0) & ~pole & ~negative_q_undefined & ~infinite_x & np.isfinite(x)
                   & np.isfinite(q))
    out[pole] = np.inf
    if infinite_x.any():
        # PyTorch's summation leaves 0 / 0 for q > 1: its answer there is NaN.
        qi = q[infinite_x]
        out[infinite_x] = np.where(qi < 1.0, np.inf, np.where(qi == 1.0, 1.0, np.nan))
    if regular.any():
        xr, qr = x[regular], q[regular]
        far = qr > 1e8
        values = np.empty_like(xr)
        if far.any():
            xf, qf = xr[far], qr[far]
            values[far] = (1.0 / (xf - 1.0) + 1.0 / (2.0 * qf)) * qf ** (1.0 - xf)
        near = ~far
        if near.any():
            with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
                values[near] = _euler_maclaurin(xr[near], qr[near])
        out[regular] = values
    return out


def _euler_maclaurin(x, q):
    total = q ** -x
    # Terms are summed directly until q + k > 9, and at least nine of them.
    counts = np.maximum(_DIRECT_TERMS, np.floor(9.0 - q) + 1.0)
    last = q.copy()
    term = total.copy()
    for k in range(1, int(counts.max()) + 1):
        use = k <= counts
        shifted = q + k
        power = shifted ** -x
        total = np.where(use, total + power, total)
        term = np.where(use, power, term)
        last = np.where(use, shifted, last)
    # The integral of the remaining terms, then Bernoulli corrections with rising powers.
    total = total + term * last / (x - 1.0) - 0.5 * term
    rising = np.ones_like(x)
    power = term
    k = 0.0
    done = np.zeros(x.shape, dtype=bool)
    for coefficient in _special._ZETA_EM:
        rising = rising * (x + k)
        power = power / last
        correction = rising * power * coefficient
        total = np.where(done, total, total + correction)
        done |= np.abs(correction / total) < _EPS
        k += 1.0
        rising = rising * (x + k)
        power = power / last
        k += 1.0
    return total
