"""Samplers and special functions the distributions need and ember's op library lacks:
standard gamma draws with their reparameterised gradient, Dirichlet draws, binomial draws and
the regularized lower incomplete gamma function (PyTorch's ``_standard_gamma``,
``_standard_gamma_grad``, ``_sample_dirichlet``, ``binomial`` and ``special.gammainc``).

The samplers draw from ember's generator, so a seed reproduces them in ember; they are not
PyTorch's sequences (PyTorch samples these element after element with data-dependent numbers
of draws).  Computation is in float64 on NumPy, vectorized: rejection loops run in rounds over
the elements still undecided.
"""
from __future__ import annotations

import numpy as np

import ember
from ember import Tensor
from ember._generator import as_generator
from ember.autograd.grad_mode import state as grad_state
from ember.autograd.node import Node
from ember.ops._special import digamma as _np_digamma
from ember.ops._special import lgamma as _np_lgamma
from ember.ops.random import _log_factorial, sample_normal_serial

_wrap = Tensor._make
# Relative precision at which the series and continued fractions stop.
_PRECISION = 1e-15
# Lentz's algorithm replaces exact zeros in the continued fraction by this.
_LENTZ_TINY = 1e-300


def _lgamma(x: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):  # both branches of internal np.where are evaluated
        return _np_lgamma(x)


def _digamma(x: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        return _np_digamma(x)


def _float_result(values: np.ndarray, like: Tensor) -> np.ndarray:
    """``values`` (float64) in ``like``'s dtype and shape."""
    return values.astype(like._data.dtype, copy=False).reshape(like.shape)


# ================================================================================================
# The regularized incomplete gamma function and its derivative in the shape parameter
# ================================================================================================

def _lower_series(a: np.ndarray, x: np.ndarray):
    """For P(a, x) = x^a e^-x / Gamma(a+1) * S: S = sum_n x^n Gamma(a+1) / Gamma(a+n+1) and
    dS' = sum_n term_n (log x - digamma(a+n+1)), so that dP/da = x^a e^-x / Gamma(a+1) * dS'.
    Converges fast for x < a + 1."""
    log_x = np.log(x)
    psi = _digamma(a + 1.0)
    term = np.ones_like(a)
    total = np.ones_like(a)
    derivative = log_x - psi
    active = np.arange(a.size)
    n = 0
    while active.size:
        n += 1
        shape = a[active] + n
        term[active] *= x[active] / shape
        psi[active] += 1.0 / shape
        total[active] += term[active]
        derivative[active] += term[active] * (log_x[active] - psi[active])
        active = active[term[active] > _PRECISION * total[active]]
    return total, derivative


def _upper_fraction(a: np.ndarray, x: np.ndarray):
    """For Q(a, x) = x^a e^-x / Gamma(a) * h: the continued fraction h (modified Lentz) and
    its derivative dh/da, carried alongside every step (forward-mode differentiation).
    Converges fast for x >= a + 1."""
    b = x + 1.0 - a
    d = 1.0 / b
    d_da = 1.0 / (b * b)  # b decreases by one per unit of a
    c = np.full_like(a, 1.0 / _LENTZ_TINY)
    c_da = np.zeros_like(a)
    h = d.copy()
    h_da = d_da.copy()
    active = np.arange(a.size)
    i = 0
    while active.size:
        i += 1
        shape = a[active]
        an = -i * (i - shape)
        an_da = float(i)
        b[active] += 2.0
        bb = b[active]
        denominator = an * d[active] + bb
        denominator_da = an_da * d[active] + an * d_da[active] - 1.0
        denominator = np.where(np.abs(denominator) < _LENTZ_TINY, _LENTZ_TINY, denominator)
        old_c = c[active]
        new_c = bb + an / old_c
        new_c_da = -1.0 + an_da / old_c - (an / old_c) * (c_da[active] / old_c)
        new_c = np.where(np.abs(new_c) < _LENTZ_TINY, _LENTZ_TINY, new_c)
        new_d = 1.0 / denominator
        new_d_da = -denominator_da / (denominator * denominator)
        delta = new_d * new_c
        delta_da = new_d_da * new_c + new_d * new_c_da
        old_h = h[active]
        h[active] = old_h * delta
        h_da[active] = h_da[active] * delta + old_h * delta_da
        d[active], d_da[active] = new_d, new_d_da
        c[active], c_da[active] = new_c, new_c_da
        # Stop when both the value and its derivative have settled (for integer a the value
        # can settle at once while the derivative still moves).
        moving = (np.abs(delta - 1.0) >= _PRECISION) | (
            np.abs(delta_da * old_h) >= _PRECISION * np.abs(h_da[active]))
        active = active[moving]
    return h, h_da


def gammainc_values(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The regularized lower incomplete gamma function P(a, x), elementwise (float64)."""
    a, x = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(x, np.float64))
    a, x = a.ravel(), x.ravel()
    out = np.full(a.shape, np.nan)
    ok = (a >= 0) & (x >= 0) & ~np.isnan(a) & ~np.isnan(x)
    out[ok & (x == 0)] = 0.0
    out[ok & (a == 0) & (x > 0)] = 1.0
    out[ok & np.isinf(x) & (a > 0)] = 1.0
    regular = ok & (a > 0) & (x > 0) & np.isfinite(x)
    with np.errstate(all="ignore"):
        low = np.nonzero(regular & (x < a + 1.0))[0]
        if low.size:
            al, xl = a[low], x[low]
            total, _ = _lower_series(al, xl)
            out[low] = np.exp(al * np.log(xl) - xl - _lgamma(al + 1.0)) * total
        high = np.nonzero(regular & (x >= a + 1.0))[0]
        if high.size:
            ah, xh = a[high], x[high]
            fraction, _ = _upper_fraction(ah, xh)
            out[high] = 1.0 - np.exp(ah * np.log(xh) - xh - _lgamma(ah)) * fraction
    return out


def standard_gamma_grad_values(alpha: np.ndarray, x: np.ndarray) -> np.ndarray:
    """d x / d alpha for a standard gamma sample x, holding its CDF P(alpha, x) fixed (the
    implicit reparameterisation gradient): -(dP/dalpha) / p(x; alpha)."""
    alpha, x = np.broadcast_arrays(np.asarray(alpha, np.float64), np.asarray(x, np.float64))
    shape = alpha.shape
    alpha, x = alpha.ravel(), x.ravel()
    out = np.zeros(alpha.shape)
    regular = (alpha > 0) & (x > 0) & np.isfinite(x) & np.isfinite(alpha)
    out[np.isnan(alpha) | np.isnan(x)] = np.nan
    with np.errstate(all="ignore"):
        low = np.nonzero(regular & (x < alpha + 1.0))[0]
        if low.size:
            al, xl = alpha[low], x[low]
            # p(x) = x^a e^-x / Gamma(a+1) * a / x, so the prefactors cancel.
            _, derivative = _lower_series(al, xl)
            out[low] = -(xl / al) * derivative
        high = np.nonzero(regular & (x >= alpha + 1.0))[0]
        if high.size:
            ah, xh = alpha[high], x[high]
            # p(x) = x^a e^-x / Gamma(a) / x, and dP/da = -dQ/da.
            fraction, fraction_da = _upper_fraction(ah, xh)
            out[high] = xh * ((np.log(xh) - _digamma(ah)) * fraction + fraction_da)
    return out.reshape(shape)


class IgammaBackward0(Node):
    """Gradient of P(a, x): only with respect to x (PyTorch has none for a)."""

    def backward(self, grad):
        a, x = self.saved_tensors
        if self._next[0] is not None:
            raise NotImplementedError("the derivative for 'igamma: input' is not implemented.")
        density = ember.exp((a - 1) * ember.log(x) - x - ember.lgamma(a))
        return None, grad * density


def gammainc(a: Tensor, x: Tensor) -> Tensor:
    """The regularized lower incomplete gamma function P(a, x) (``torch.special.gammainc``)."""
    a, x = ember.broadcast_tensors(*[v if isinstance(v, Tensor) else ember.tensor(v)
                                     for v in (a, x)])
    dtype = ember.promote_types(a.dtype, x.dtype)
    if not dtype.is_floating_point:
        dtype = ember.get_default_dtype()
    values = gammainc_values(a._host(), x._host()).astype(dtype.np).reshape(a.shape)
    result = _wrap(values)
    if grad_state.enabled and (a._rg or x._rg):
        node = IgammaBackward0((a, x), result)
        node.save(a, x)
    return result


# ================================================================================================
# Standard gamma draws (Marsaglia and Tsang) and their gradient
# ================================================================================================

def _marsaglia_tsang(g, shape: np.ndarray) -> np.ndarray:
    """Gamma(shape, 1) draws for shapes >= 1: d v for v = (1 + c z)^3, z normal, accepted by
    Marsaglia and Tsang's squeeze and log tests."""
    d = shape - 1.0 / 3.0
    c = 1.0 / np.sqrt(9.0 * d)
    out = np.empty_like(shape)
    active = np.arange(shape.size)
    while active.size:
        z = sample_normal_serial(g, active.size, 0.0, 1.0)
        u = g.uniform53(active.size)
        dd, cc = d[active], c[active]
        v = (1.0 + cc * z) ** 3
        positive = v > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            log_v = np.log(np.where(positive, v, 1.0))
            accept = positive & ((u < 1.0 - 0.0331 * z ** 4)
                                 | (np.log(u) < 0.5 * z * z + dd * (1.0 - v + log_v)))
        out[active[accept]] = (dd * v)[accept]
        active = active[~accept]
    return out


def standard_gamma_values(g, alpha: np.ndarray) -> np.ndarray:
    """Gamma(alpha, 1) draws (float64, flat), clamped below at the smallest normal double;
    invalid shapes (<= 0 or NaN) give that smallest value, as PyTorch's sampler does."""
    alpha = np.asarray(alpha, np.float64).ravel()
    out = np.full(alpha.shape, np.finfo(np.float64).tiny)
    out[alpha == np.inf] = np.inf
    regular = np.nonzero((alpha > 0) & np.isfinite(alpha))[0]
    if regular.size:
        shape = alpha[regular]
        small = shape < 1.0
        # Below 1, draw with shape + 1 and scale by U^(1/shape) (Gamma's boosting identity).
        boost = g.uniform53(int(small.sum()))
        values = _marsaglia_tsang(g, np.where(small, shape + 1.0, shape))
        with np.errstate(under="ignore", divide="ignore"):
            values[small] *= np.exp(np.log1p(-boost) / shape[small])
        out[regular] = values
    return np.maximum(out, np.finfo(np.float64).tiny)


class StandardGammaBackward0(Node):
    def backward(self, grad):
        alpha, sample = self.saved_tensors
        derivative = standard_gamma_grad_values(alpha._host(), sample._host())
        return (grad * _wrap(_float_result(derivative, alpha)),)


def standard_gamma(alpha: Tensor, generator=None) -> Tensor:
    """Gamma(alpha, 1) draws elementwise, differentiable in ``alpha`` by implicit
    reparameterisation (PyTorch's ``_standard_gamma``; draws are not PyTorch's stream)."""
    g = as_generator(generator, "_standard_gamma")
    values = standard_gamma_values(g, alpha._host())
    values = np.maximum(values.astype(alpha._data.dtype), np.finfo(alpha._data.dtype).tiny)
    result = _wrap(values.reshape(alpha.shape))
    if grad_state.enabled and alpha._rg:
        node = StandardGammaBackward0((alpha,), result)
        node.save(alpha, result)
    return result


def standard_gamma_grad(alpha: Tensor, sample: Tensor) -> Tensor:
    """d sample / d alpha for standard gamma samples (PyTorch's ``_standard_gamma_grad``)."""
    values = standard_gamma_grad_values(alpha._host(), sample._host())
    return _wrap(_float_result(values, alpha))


# ================================================================================================
# Dirichlet draws
# ================================================================================================

class _Dirichlet(ember.autograd.Function):
    """Dirichlet draws, normalized gamma draws g / sum(g), differentiable in the
    concentration through the gamma draws: d x_i / d alpha_j = (delta_ij - x_i) g'_j / sum(g),
    where g'_j is the implicit gamma gradient (an unbiased pathwise gradient; PyTorch uses
    the Beta marginals' implicit gradient, another unbiased choice)."""

    @staticmethod
    def forward(ctx, concentration):
        alpha = concentration._host()
        gammas = standard_gamma_values(as_generator(None), alpha).reshape(alpha.shape)
        total = gammas.sum(-1, keepdims=True)
        x = gammas / total
        ctx.save_for_backward(concentration)
        ctx.gammas, ctx.total, ctx.x = gammas, total, x
        return _wrap(x.astype(alpha.dtype))

    @staticmethod
    @ember.autograd.function.once_differentiable
    def backward(ctx, grad_output):
        (concentration,) = ctx.saved_tensors
        slope = standard_gamma_grad_values(concentration._host(), ctx.gammas) / ctx.total
        grad = grad_output._host().astype(np.float64)
        # (delta_ij - x_i) summed against the incoming gradient, times slope_j.
        values = slope * (grad - (ctx.x * grad).sum(-1, keepdims=True))
        return _wrap(values.astype(concentration._data.dtype))


def sample_dirichlet(concentration: Tensor) -> Tensor:
    """Dirichlet draws along the last dimension (``_DirichletBackward`` in autograd)."""
    return _Dirichlet.apply(concentration)


# ================================================================================================
# Binomial draws
# ================================================================================================

def _binomial_by_waiting_times(g, count: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Successes among ``count`` trials counted as the number of geometric waiting times that
    fit in them (fast when count * p is small)."""
    log_q = np.log1p(-p)
    successes = np.zeros_like(count)
    elapsed = np.zeros_like(count)
    active = np.arange(count.size)
    while active.size:
        with np.errstate(divide="ignore"):
            wait = np.ceil(np.log(g.uniform53(active.size)) / log_q[active])
        elapsed[active] += wait
        fits = elapsed[active] <= count[active]
        successes[active[fits]] += 1
        active = active[fits]
    return successes


def _binomial_btrs(g, count: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Hörmann's transformed rejection with squeeze (BTRS), for count * p >= 10, p <= 1/2."""
    q = 1.0 - p
    spq = np.sqrt(count * p * q)
    b = 1.15 + 2.53 * spq
    a = -0.0873 + 0.0248 * b + 0.01 * p
    c = count * p + 0.5
    v_r = 0.92 - 4.2 / b
    alpha = (2.83 + 5.1 / b) * spq
    log_odds = np.log(p / q)
    mode = np.floor((count + 1) * p)
    h = _log_factorial(mode) + _log_factorial(count - mode)
    out = np.empty_like(count)
    active = np.arange(count.size)
    while active.size:
        u = g.uniform53(active.size) - 0.5
        v = g.uniform53(active.size)
        us = 0.5 - np.abs(u)
        aa, bb, n = a[active], b[active], count[active]
        k = np.floor((2.0 * aa / us + bb) * u + c[active])
        inside = (k >= 0) & (k <= n)
        squeeze = inside & (us >= 0.07) & (v <= v_r[active])
        kk = np.clip(k, 0, n)
        with np.errstate(divide="ignore", invalid="ignore"):
            log_v = np.log(v * alpha[active] / (aa / (us * us) + bb))
            bound = (h[active] - _log_factorial(kk) - _log_factorial(n - kk)
                     + (kk - mode[active]) * log_odds[active])
        accept = squeeze | (inside & (log_v <= bound))
        out[active[accept]] = k[accept]
        active = active[~accept]
    return out


def binomial(count: Tensor, prob: Tensor, generator=None) -> Tensor:
    """Binomial draws elementwise: successes in ``count`` trials of probability ``prob``
    (PyTorch's ``binomial``; not PyTorch's stream)."""
    g = as_generator(generator, "binomial")
    count, prob = ember.broadcast_tensors(count, prob)
    n = np.ascontiguousarray(count._host(), dtype=np.float64).ravel()
    p = np.ascontiguousarray(prob._host(), dtype=np.float64).ravel()
    out = np.zeros(n.shape)
    out[np.isnan(p) | np.isnan(n)] = np.nan
    regular = (n > 0) & (p > 0) & ~np.isnan(n)
    full = regular & (p >= 1)
    out[full] = n[full]
    middle = np.nonzero(regular & (p < 1))[0]
    if middle.size:
        # Draw the rarer outcome: successes for p <= 1/2, failures otherwise.
        flipped = p[middle] > 0.5
        pp = np.where(flipped, 1.0 - p[middle], p[middle])
        nn = n[middle]
        draws = np.empty(middle.size)
        few = nn * pp < 10
        if few.any():
            draws[few] = _binomial_by_waiting_times(g, nn[few], pp[few])
        if (~few).any():
            draws[~few] = _binomial_btrs(g, nn[~few], pp[~few])
        out[middle] = np.where(flipped, nn - draws, draws)
    return _wrap(out.astype(count._data.dtype).reshape(count.shape))

