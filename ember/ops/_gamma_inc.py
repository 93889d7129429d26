"""The regularized incomplete gamma functions P(a, x) and Q(a, x) = 1 - P(a, x) on float64 arrays.

P(a, x) = gamma(a, x) / Gamma(a) integrates t**(a-1) e**-t from 0 to x; Q is the rest.  Each
point is computed by whichever of three expansions converges fast there and, where P or Q is
close to 1, the expansion of the *other* one, so the small one keeps its relative accuracy
(the region boundaries are PyTorch's, which follow Cephes/SciPy):

- the power series of P (``x`` below ``a`` or small),
- Legendre's continued fraction for Q (``x`` above ``a`` and above 1.1),
- the alternating series of Q for small ``x`` and small ``a``.

The common factor x**a e**-x / Gamma(a) is formed in logarithms; for ``a >= 10`` it uses
Stirling's series and log1p so the large, nearly cancelling terms a log x and x never meet.
All loops run over the array at once, each stopping for the points that have converged.
"""
from __future__ import annotations

import math

import numpy as np

from . import _special

_EPS = np.finfo(np.float64).eps
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
_BIG = 4.503599627370496e15  # 2**52, the rescaling threshold of the continued fraction
_LARGE_A = 10.0


def _log1p_minus_series(mu):
    """log(1 + mu) - mu for |mu| < 1/2 by its Taylor series (Horner in mu)."""
    acc = np.zeros_like(mu)
    for k in range(52, 1, -1):
        acc = (((-1.0) ** (k + 1)) / k + acc * mu)
    return acc * mu * mu


def _a_log_ratio_minus_difference(a, x):
    """a log(x / a) - (x - a): through log1p(mu) - mu, mu = (x - a) / a, where x is close to a
    (the two terms nearly cancel), and directly elsewhere (x / a keeps its accuracy there)."""
    mu = (x - a) / a
    out = np.empty_like(a)
    near = np.abs(mu) < 0.5
    if near.any():
        out[near] = a[near] * _log1p_minus_series(mu[near])
    far = ~near
    if far.any():
        af, xf = a[far], x[far]
        out[far] = af * np.log(xf / af) - (xf - af)
    return out


def _stirling_correction(a):
    """lgamma(a) - ((a - 1/2) log a - a + log(2 pi) / 2), for a >= 10."""
    z = 1.0 / a
    return z * _special._horner(_special._STIRLING, z * z)


def log_prefactor(a, x):
    """log(x**a e**-x / Gamma(a))."""
    out = np.empty_like(a)
    large = a >= _LARGE_A
    if large.any():
        al, xl = a[large], x[large]
        out[large] = (_a_log_ratio_minus_difference(al, xl) + 0.5 * np.log(al) - _HALF_LOG_2PI
                      - _stirling_correction(al))
    small = ~large
    if small.any():
        as_, xs = a[small], x[small]
        out[small] = as_ * np.log(xs) - xs - _special.lgamma(as_)
    return out


def _lgamma1p(a):
    """lgamma(1 + a) keeping a's full precision for small a (0 <= a)."""
    out = np.empty_like(a)
    near = a < 0.5
    if near.any():
        an = a[near]
        out[near] = _special._lgamma_mid(an, an - 1.0)
    far = ~near
    if far.any():
        out[far] = _special.lgamma(a[far] + 1.0)
    return out


def _series_p(a, x):
    """P(a, x) = x**a e**-x / Gamma(a + 1) * sum_n x**n / ((a + 1) ... (a + n))."""
    total = np.ones_like(a)
    term = np.ones_like(a)
    active = np.arange(a.size)
    denominator = a.copy()
    limit = _iteration_limit(a)
    for _ in range(limit):
        if active.size == 0:
            break
        denominator[active] += 1.0
        term[active] *= x[active] / denominator[active]
        total[active] += term[active]
        active = active[term[active] > total[active] * _EPS]
    return np.exp(log_prefactor(a, x) - np.log(a)) * total


def _continued_fraction_q(a, x):
    """Q(a, x) = x**a e**-x / Gamma(a) * 1 / (x + 1 - a - 1 (1 - a) / (x + 3 - a - ...)),
    evaluated as successive convergents p/q rescaled when they grow large."""
    y = 1.0 - a
    z = x + y + 1.0
    c = np.zeros_like(a)
    pkm2 = np.ones_like(a)
    qkm2 = x.copy()
    pkm1 = x + 1.0
    qkm1 = z * x
    ans = pkm1 / qkm1
    active = np.arange(a.size)
    limit = _iteration_limit(a)
    for _ in range(limit):
        if active.size == 0:
            break
        c[active] += 1.0
        y[active] += 1.0
        z[active] += 2.0
        yc = y[active] * c[active]
        pk = pkm1[active] * z[active] - pkm2[active] * yc
        qk = qkm1[active] * z[active] - qkm2[active] * yc
        ratio = np.where(qk != 0.0, pk / np.where(qk != 0.0, qk, 1.0), ans[active])
        change = np.where(qk != 0.0, np.abs((ans[active] - ratio) / ratio), 1.0)
        ans[active] = ratio
        pkm2[active], pkm1[active] = pkm1[active], pk
        qkm2[active], qkm1[active] = qkm1[active], qk
        big = np.abs(pk) > _BIG
        if big.any():
            scale = np.where(big, 1.0 / _BIG, 1.0)
            pkm2[active] *= scale
            pkm1[active] *= scale
            qkm2[active] *= scale
            qkm1[active] *= scale
        active = active[change > _EPS]
    return np.exp(log_prefactor(a, x)) * ans


def _series_q(a, x):
    """Q(a, x) for small x: 1 - x**a / Gamma(a + 1) + x**a / Gamma(a) * sum_{n>=1}
    -(-x)**n / (n! (a + n)), with the leading difference formed by expm1."""
    total = np.zeros_like(a)
    term = np.ones_like(a)
    active = np.arange(a.size)
    for n in range(1, 2000):
        if active.size == 0:
            break
        term[active] *= -x[active] / n
        piece = term[active] / (a[active] + n)
        total[active] += piece
        active = active[np.abs(piece) > np.abs(total[active]) * _EPS]
    log_x = np.log(x)
    head = -np.expm1(a * log_x - _lgamma1p(a))
    return head - np.exp(a * log_x - _special.lgamma(a)) * total


def _iteration_limit(a) -> int:
    # The expansions need about a few times sqrt(a) terms where x is close to a.
    largest = float(a.max()) if a.size else 0.0
    return int(min(200 + 15 * math.sqrt(max(largest, 0.0)), 200000))


def _regular_points(a, x):
    """Mask of points with 0 < a, 0 < x, both finite (the rest are special values)."""
    return (a > 0.0) & (x > 0.0) & np.isfinite(a) & np.isfinite(x)


def _fill_special(out, a, x, upper: bool):
    """PyTorch's values at the edges: NaN for negative or NaN arguments, and the limits at
    a = 0, x = 0 and infinities."""
    with np.errstate(invalid="ignore"):
        nan = np.isnan(a) | np.isnan(x) | (a < 0.0) | (x < 0.0)
        a_zero = (a == 0.0) & ~nan
        x_zero = (x == 0.0) & ~nan & ~a_zero
        a_inf = np.isinf(a) & ~nan & ~a_zero & ~x_zero
        x_inf = np.isinf(x) & ~nan & ~a_zero & ~x_zero & ~a_inf
    lower_value, upper_value = (0.0, 1.0) if not upper else (1.0, 0.0)
    out[a_zero] = np.where(x[a_zero] > 0.0, upper_value, np.nan)
    out[x_zero] = lower_value
    out[a_inf] = np.where(np.isinf(x[a_inf]), np.nan, lower_value)
    out[x_inf] = upper_value
    out[nan] = np.nan


def gammainc(a, x):
    """The regularized lower incomplete gamma function P(a, x)."""
    a, x = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(x, np.float64))
    out = np.empty(a.shape, np.float64)
    regular = _regular_points(a, x)
    _fill_special(out, a, x, upper=False)
    if regular.any():
        ar, xr = a[regular], x[regular]
        values = np.empty_like(ar)
        via_q = (xr > 1.0) & (xr > ar)
        if via_q.any():
            values[via_q] = 1.0 - _upper(ar[via_q], xr[via_q])
        direct = ~via_q
        if direct.any():
            values[direct] = _series_p(ar[direct], xr[direct])
        out[regular] = values
    return out


def gammaincc(a, x):
    """The regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x)."""
    a, x = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(x, np.float64))
    out = np.empty(a.shape, np.float64)
    regular = _regular_points(a, x)
    _fill_special(out, a, x, upper=True)
    if regular.any():
        out[regular] = _upper(a[regular], x[regular])
    return out


def _upper(a, x):
    """Q(a, x) at regular points (a, x > 0, finite), choosing the expansion by region."""
    out = np.empty_like(a)
    with np.errstate(divide="ignore"):
        small_x_bound = np.where(x <= 0.5, -0.4 / np.log(x), 1.1 * x)
    use_p = np.where(x > 1.1, x < a, small_x_bound < a)
    use_fraction = (x > 1.1) & ~use_p
    use_q_series = (x <= 1.1) & ~use_p
    if use_p.any():
        out[use_p] = 1.0 - _series_p(a[use_p], x[use_p])
    if use_fraction.any():
        out[use_fraction] = _continued_fraction_q(a[use_fraction], x[use_fraction])
    if use_q_series.any():
        out[use_q_series] = _series_q(a[use_q_series], x[use_q_series])
    return out
