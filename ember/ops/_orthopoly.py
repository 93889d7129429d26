"""Classical orthogonal polynomials P_n(x) on NumPy arrays (torch.special's chebyshev_*,
shifted_chebyshev_*, hermite_*, laguerre_polynomial_l and legendre_polynomial_p).

``n`` is an array of degrees, truncated to integers as PyTorch does; negative degrees give 0.
Each polynomial is evaluated as PyTorch evaluates it, in the dtype of ``x`` (float32 or float64):
closed forms at the interval ends, the trigonometric form for high degrees inside [-1, 1]
where it applies, and otherwise the three-term recurrence, run for all points at once up to
the largest degree (each point keeps the value at its own degree).
"""
from __future__ import annotations

import numpy as np


def _recurrence(x, n, first, step):
    """P_n from P_0 = 1, P_1 = ``first`` and P_{k} = step(k, P_{k-1}, P_{k-2}) for k >= 2."""
    previous = np.ones_like(x)
    current = first.astype(x.dtype, copy=True)
    top = int(n.max()) if n.size else 0
    for k in range(2, top + 1):
        nxt = step(k, current, previous)
        active = k <= n
        previous = np.where(active, current, previous)
        current = np.where(active, nxt, current)
    return np.where(n == 0, np.ones_like(x), current)


def _finish(x, n, cases, recurrence):
    """Choose per point among ``cases`` (mask, value) in order, else the recurrence."""
    out = recurrence
    for mask, value in reversed(cases):
        out = np.where(mask, value, out)
    out = np.where(n < 0, np.zeros_like(x), out)
    return out.astype(x.dtype, copy=False)


def _sign_by_parity(n, magnitude):
    return np.where(n % 2 == 0, magnitude, -magnitude)


def chebyshev_t(x, n):
    """Chebyshev polynomials of the first kind T_n(x)."""
    one = x.dtype.type(1)
    with np.errstate(invalid="ignore"):
        trig = np.cos(n * np.arccos(np.clip(x, -1, 1)))
    edge = np.abs(x) == 1
    cases = [(edge, np.where((x > 0) | (n % 2 == 0), one, -one)),
             ((n > 6) & (np.abs(x) < 1), trig), (n == 1, x)]
    return _finish(x, n, cases, _recurrence(x, n, x, lambda k, q, p: (x + x) * q - p))


def chebyshev_u(x, n):
    """Chebyshev polynomials of the second kind U_n(x)."""
    n1 = (n + 1).astype(x.dtype)
    with np.errstate(invalid="ignore", divide="ignore"):
        angle = np.arccos(np.clip(x, -1, 1))
        sine = np.sin(angle)
        trig = np.where(sine != 0, np.sin(n1 * angle) / sine, n1 * np.cos(n1 * angle) / x)
    edge = np.abs(x) == 1
    cases = [(edge, np.where((x > 0) | (n % 2 == 0), n1, -n1)),
             ((n > 8) & (np.abs(x) < 1), trig), (n == 1, x + x)]
    return _finish(x, n, cases, _recurrence(x, n, x + x, lambda k, q, p: 2 * x * q - p))


def chebyshev_v(x, n):
    """Chebyshev polynomials of the third kind V_n(x)."""
    odd_value = (n + n + 1).astype(x.dtype)
    with np.errstate(invalid="ignore", divide="ignore"):
        angle = np.arccos(np.clip(x, -1, 1))
        trig = np.where(np.sin(0.5 * angle) != 1,
                        np.cos((n + 0.5) * angle) / np.cos(0.5 * angle),
                        _sign_by_parity(n, odd_value))
    edge = np.abs(x) == 1
    one = x.dtype.type(1)
    cases = [(edge, np.where(x > 0, one, _sign_by_parity(n, odd_value))),
             ((n > 8) & (np.abs(x) < 1), trig), (n == 1, 2 * x - 1)]
    return _finish(x, n, cases, _recurrence(x, n, 2 * x - 1, lambda k, q, p: 2 * x * q - p))


def chebyshev_w(x, n):
    """Chebyshev polynomials of the fourth kind W_n(x)."""
    top_value = (n + n + 1).astype(x.dtype)
    one = x.dtype.type(1)
    at_ends = np.where(x > 0, top_value, _sign_by_parity(n, one))
    with np.errstate(invalid="ignore", divide="ignore"):
        angle = np.arccos(np.clip(x, -1, 1))
        trig = np.where(np.cos(0.5 * angle) != 1,
                        np.sin((n + 0.5) * angle) / np.sin(0.5 * angle), at_ends)
    edge = np.abs(x) == 1
    cases = [(edge, at_ends), ((n > 8) & (np.abs(x) < 1), trig), (n == 1, 2 * x + 1)]
    return _finish(x, n, cases, _recurrence(x, n, 2 * x + 1, lambda k, q, p: 2 * x * q - p))


def _shifted(x, n, trig_degree, at_one, at_zero, trig_fn, first_fn):
    """A shifted Chebyshev polynomial: the unshifted kind at y = 2x - 1, with PyTorch's
    values at x = 1 and x = 0 and its threshold for the trigonometric form."""
    y = x + x - 1
    with np.errstate(invalid="ignore", divide="ignore"):
        trig = trig_fn(y, np.arccos(np.clip(y, -1, 1)))
    first = first_fn(y)
    cases = [(x == 1, at_one), (x == 0, at_zero),
             ((n > trig_degree) & (np.abs(y) < 1), trig), (n == 1, first)]
    return _finish(x, n, cases, _recurrence(x, n, first, lambda k, q, p: (y + y) * q - p))


def shifted_chebyshev_t(x, n):
    """T_n(2x - 1)."""
    one = x.dtype.type(1)
    return _shifted(x, n, 6, one, _sign_by_parity(n, one),
                    lambda y, a: np.cos(n * a), lambda y: y)


def shifted_chebyshev_u(x, n):
    """U_n(2x - 1)."""
    n1 = (n + 1).astype(x.dtype)

    def trig(y, a):
        divisor = np.sin(a)
        return np.where(divisor != 0, np.sin(n1 * a) / divisor, n1 * np.cos(n1 * a) / y)
    return _shifted(x, n, 6, n1, _sign_by_parity(n, n1), trig, lambda y: y + y)


def shifted_chebyshev_v(x, n):
    """V_n(2x - 1)."""
    odd_value = (n + n + 1).astype(x.dtype)
    one = x.dtype.type(1)

    def trig(y, a):
        return np.where(np.sin(a / 2) != 1, np.cos((n + 0.5) * a) / np.cos(a / 2),
                        _sign_by_parity(n, odd_value))
    return _shifted(x, n, 6, one, _sign_by_parity(n, odd_value), trig, lambda y: y + y - 1)


def shifted_chebyshev_w(x, n):
    """W_n(2x - 1)."""
    one = x.dtype.type(1)

    def trig(y, a):
        return np.where(np.cos(a / 2) != 1, np.sin((n + 0.5) * a) / np.sin(a / 2),
                        _sign_by_parity(n, one))
    return _shifted(x, n, 4, (n + n + 1).astype(x.dtype), _sign_by_parity(n, one), trig,
                    lambda y: y + y + 1)


def _hermite_limit(dtype) -> int:
    # Degrees past these overflow anyway; PyTorch returns NaN for them.
    return 512 if dtype == np.float64 else 128


def hermite_h(x, n):
    """Physicists' Hermite polynomials H_n(x)."""
    def step(k, q, p):
        return (x + x) * q - (2 * (k - 1)) * p
    bounded = np.minimum(n, _hermite_limit(x.dtype))
    value = _finish(x, n, [(n == 1, x + x)], _recurrence(x, bounded, x + x, step))
    return np.where(n > _hermite_limit(x.dtype), np.nan, value).astype(x.dtype)


def hermite_he(x, n):
    """Probabilists' Hermite polynomials He_n(x)."""
    def step(k, q, p):
        return x * q - (k - 1) * p
    bounded = np.minimum(n, _hermite_limit(x.dtype))
    value = _finish(x, n, [(n == 1, x)], _recurrence(x, bounded, x, step))
    return np.where(n > _hermite_limit(x.dtype), np.nan, value).astype(x.dtype)


def laguerre_l(x, n):
    """Laguerre polynomials L_n(x)."""
    one = x.dtype.type(1)

    def step(k, q, p):
        j = k - 1
        return ((j + j + (one - x)) * q - j * p) / (j + 1)
    cases = [(x == 0, np.ones_like(x)), (n == 1, one - x)]
    return _finish(x, n, cases, _recurrence(x, n, one - x, step))


def legendre_p(x, n):
    """Legendre polynomials P_n(x)."""
    one = x.dtype.type(1)

    def step(k, q, p):
        j = k - 1
        return ((j + j + 1) * x * q - j * p) / (j + 1)
    edge = np.abs(x) == 1
    cases = [(edge, np.where((x > 0) | (n % 2 == 0), one, -one)), (n == 1, x)]
    return _finish(x, n, cases, _recurrence(x, n, x, step))
