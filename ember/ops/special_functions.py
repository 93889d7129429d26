"""Special functions as ops: the incomplete gamma functions (``igamma``/``igammac``, also
top-level and Tensor methods) and the ``torch.special`` functions ember had no op for (Bessel
and Airy functions, erfcx, the normal distribution's functions, zeta, entr, xlog1py and the
orthogonal polynomials).  ``ember.special`` gathers these with the existing ops it aliases.

Values come from the NumPy modules ``_gamma_inc``, ``_bessel``, ``_normal``, ``_zeta`` and
``_orthopoly`` (float64, cast to the result dtype; the polynomials run in the result dtype, as
PyTorch's do).  Where PyTorch differentiates a function, its node (named as PyTorch names it)
sits beside the op and computes the gradient with ember ops; functions PyTorch does not
differentiate return results without a graph.
"""
from __future__ import annotations

import math

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.grad_mode import state as grad_state
from ..autograd.node import Node
from ..backends.meta import MetaArray
from . import _bessel, _gamma_inc, _normal, _orthopoly, _zeta
from ._composite import renamed
from ._dispatch import (_type_word, apply_inplace, bind_methods, binary_operands, unary_compute,
                        write_out)

_make = Tensor._make
_F64 = np.dtype(np.float64)
_HALF_TYPES = (np.dtype(np.float16), D.bfloat16.np)
_SCALARS = (bool, int, float, np.number, np.bool_)
_SQRT_2PI = math.sqrt(2.0 * math.pi)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _not_implemented(kernel: str, np_dtype) -> NotImplementedError:
    return NotImplementedError(f'"{kernel}" not implemented for '
                               f"'{_type_word(D._BY_NP[np_dtype])}'")


def _in_float64(fn, *arrays):
    """``fn`` on float64 copies of ``arrays`` (0-d arrays go through as shape (1,), since the
    NumPy modules index with boolean masks)."""
    shape = np.broadcast_shapes(*(a.shape for a in arrays))
    flat = [np.broadcast_to(np.asarray(a, _F64), shape).reshape(-1).copy() for a in arrays]
    with np.errstate(all="ignore"):
        return np.asarray(fn(*flat)).reshape(shape)


def _cast(values, np_dtype) -> Tensor:
    with np.errstate(over="ignore", invalid="ignore"):
        return _make(np.asarray(values).astype(np_dtype))


def _require_tensor(input, name: str) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")


# ----------------------------------------------------------------------------------------------
# unary functions
# ----------------------------------------------------------------------------------------------

def _unary(name: str, compute, kernel: str, half: bool, node_cls=None, doc: str = ""):
    """Build ``name(input, *, out=None)`` over a float64 NumPy function ``compute``.

    Integer inputs give the default float dtype; ``half`` says whether float16/bfloat16 are
    accepted (computed in float64 and rounded once); ``node_cls`` saves (input, result)."""
    def op(input: Tensor, *, out: Tensor | None = None) -> Tensor:
        _require_tensor(input, name)
        arr = input._data
        if arr.dtype.kind == "c" or (not half and arr.dtype in _HALF_TYPES):
            raise _not_implemented(kernel, arr.dtype)
        x, np_out = unary_compute(input)
        if type(arr) is not np.ndarray:
            result = _make(MetaArray(arr.shape, np_out))
        else:
            result = _cast(_in_float64(compute, x), np_out)
        if node_cls is not None and grad_state.enabled and input._rg:
            node_cls((input,), result).save(input, result)
        return result if out is None else write_out(out, result, name)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


bessel_j0 = _unary("bessel_j0", _bessel.bessel_j0, "bessel_j0_cpu", False,
                   doc="The Bessel function of the first kind of order 0.")
bessel_j1 = _unary("bessel_j1", _bessel.bessel_j1, "bessel_j1_cpu", False,
                   doc="The Bessel function of the first kind of order 1.")
bessel_y0 = _unary("bessel_y0", _bessel.bessel_y0, "bessel_y0_cpu", False,
                   doc="The Bessel function of the second kind of order 0.")
bessel_y1 = _unary("bessel_y1", _bessel.bessel_y1, "bessel_y1_cpu", False,
                   doc="The Bessel function of the second kind of order 1.")
modified_bessel_i0 = _unary("modified_bessel_i0", lambda x: np.i0(x), "modified_bessel_i0_cpu",
                            False, doc="The modified Bessel function of the first kind, order 0.")
modified_bessel_k0 = _unary("modified_bessel_k0", _bessel.modified_bessel_k0,
                            "modified_bessel_k0_cpu", False,
                            doc="The modified Bessel function of the second kind, order 0.")
modified_bessel_k1 = _unary("modified_bessel_k1", _bessel.modified_bessel_k1,
                            "modified_bessel_k1_cpu", False,
                            doc="The modified Bessel function of the second kind, order 1.")
scaled_modified_bessel_k0 = _unary("scaled_modified_bessel_k0",
                                   _bessel.scaled_modified_bessel_k0,
                                   "scaled_modified_bessel_k0_cpu", False,
                                   doc="exp(x) times the modified Bessel function K0.")
scaled_modified_bessel_k1 = _unary("scaled_modified_bessel_k1",
                                   _bessel.scaled_modified_bessel_k1,
                                   "scaled_modified_bessel_k1_cpu", False,
                                   doc="exp(x) times the modified Bessel function K1.")
airy_ai = _unary("airy_ai", _bessel.airy_ai, "airy_ai_cpu", False, doc="The Airy function Ai.")
spherical_bessel_j0 = _unary("spherical_bessel_j0", _bessel.spherical_bessel_j0,
                             "spherical_bessel_j0_cpu", False,
                             doc="The spherical Bessel function of the first kind, order 0.")


def _modified_i1(x):
    from . import _special
    return _special.i1(x)


modified_bessel_i1 = _unary("modified_bessel_i1", _modified_i1, "modified_bessel_i1_cpu", False,
                            doc="The modified Bessel function of the first kind, order 1.")


class SpecialErfcxBackward0(Node):
    def backward(self, grad):
        x, result = self.saved_tensors
        return (grad * (2.0 * x * result - _TWO_OVER_SQRT_PI),)


class SpecialEntrBackward0(Node):
    def backward(self, grad):
        x, _ = self.saved_tensors
        return (grad * -(1.0 + x.log()),)


class SpecialI0EBackward0(Node):
    def backward(self, grad):
        x, result = self.saved_tensors
        return (grad * (i1e(x) - x.sgn() * result),)


class SpecialI1EBackward0(Node):
    def backward(self, grad):
        x, result = self.saved_tensors
        # d/dx i1e = i0e - i1e (sgn(x) + 1/x), whose limit at 0 is 1/2 (1/x is taken where x
        # is not 0, so double backward sees no NaN there).
        zero = x == 0
        slope = i0e(x) - result * (x.sgn() + x.masked_fill(zero, 1).reciprocal())
        return (grad * slope.masked_fill(zero, 0.5),)


class SpecialLogNdtrBackward0(Node):
    def backward(self, grad):
        x, result = self.saved_tensors
        return (grad / _SQRT_2PI * (result + x * x / 2).neg().exp(),)


class SpecialNdtriBackward0(Node):
    def backward(self, grad):
        _, result = self.saved_tensors
        return (grad * _SQRT_2PI * (result * result / 2).exp(),)


def _entr(x):
    with np.errstate(divide="ignore", invalid="ignore"):
        values = -x * np.log(x)
    values = np.where(x == 0.0, 0.0, values)
    return np.where(x < 0.0, -np.inf, values)


erfcx = _unary("erfcx", _normal.erfcx, "erfcx_cpu", False, SpecialErfcxBackward0,
               "The scaled complementary error function exp(x**2) * erfc(x).")
log_ndtr = _unary("log_ndtr", _normal.log_ndtr, "log_ndtr_cpu", False, SpecialLogNdtrBackward0,
                  "The log of the standard normal cumulative distribution function.")
ndtri = _unary("ndtri", _normal.ndtri, "ndtri_cpu", False, SpecialNdtriBackward0,
               "The standard normal quantile function (inverse of ndtr).")
entr = _unary("entr", _entr, "entr_cpu", True, SpecialEntrBackward0,
              "The elementwise entropy -x * log(x) (0 at 0, -inf for negative x).")
i0e = _unary("i0e", _bessel.i0e, "i0e_cpu", True, SpecialI0EBackward0,
             "exp(-|x|) * i0(x), the exponentially scaled modified Bessel function of order 0.")
i1e = _unary("i1e", _bessel.i1e, "i1e_cpu", True, SpecialI1EBackward0,
             "exp(-|x|) * i1(x), the exponentially scaled modified Bessel function of order 1.")


def i1(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The modified Bessel function of the first kind of order 1."""
    from .unary import _i1
    _require_tensor(input, "i1")
    arr = input._data
    if arr.dtype.kind == "c":
        raise _not_implemented("i1_cpu", arr.dtype)
    if type(arr) is not np.ndarray:
        result = _make(MetaArray(arr.shape, unary_compute(input)[1]))
    else:
        result = _i1(input)
    return result if out is None else write_out(out, result, "i1")


def ndtr(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The standard normal cumulative distribution function, (1 + erf(x / sqrt(2))) / 2."""
    from .unary import erf
    _require_tensor(input, "ndtr")
    # PyTorch composes it exactly so (tiny tail values round to 0, as there).
    scaled = renamed(input * math.sqrt(0.5), "MulBackward1")
    result = renamed((1 + erf(scaled)) * 0.5, "MulBackward1")
    if result.dtype is not input.dtype and input.dtype.is_floating_point:
        result = result.to(input.dtype)
    return result if out is None else write_out(out, result, "ndtr")


# ----------------------------------------------------------------------------------------------
# binary functions
# ----------------------------------------------------------------------------------------------

def _binary_arrays(a, b, name: str):
    """(a, b, result dtype) as NumPy arrays for a two-argument special function; either may be a
    number, and integer results become the default float dtype."""
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        raise TypeError(f"{name}(): expected a Tensor argument")
    if isinstance(a, Tensor) and not isinstance(b, (Tensor,) + _SCALARS):
        raise TypeError(f"{name}(): argument 'other' (position 2) must be Tensor, not "
                        f"{type(b).__name__}")
    if isinstance(b, Tensor) and not isinstance(a, (Tensor,) + _SCALARS):
        raise TypeError(f"{name}(): argument 'self' (position 1) must be Tensor, not "
                        f"{type(a).__name__}")
    xa, xb, np_out = binary_operands(a, b, name, int_to_float=True)
    return np.asarray(xa), np.asarray(xb), np.dtype(np_out)


def _is_meta(*operands) -> bool:
    return any(isinstance(t, Tensor) and type(t._data) is not np.ndarray for t in operands)


def _meta_binary(a, b, np_out) -> Tensor:
    shape = np.broadcast_shapes(*(t.shape if isinstance(t, Tensor) else () for t in (a, b)))
    return _make(MetaArray(tuple(shape), np_out))


def _grad_operands(a, b):
    """The operands as tensors for a backward node (numbers as None, as they take no grad)."""
    return (a if isinstance(a, Tensor) else None, b if isinstance(b, Tensor) else None)


def _needs_grad(a, b) -> bool:
    return grad_state.enabled and any(isinstance(t, Tensor) and t._rg for t in (a, b))


class SpecialXlog1PyBackward0(Node):
    def backward(self, grad):
        x, y = self.saved_tensors
        x = self.x_number if x is None else x
        y = self.y_number if y is None else y
        gx = gy = None
        if self._next[0] is not None:
            # PyTorch's formula: log1p(y) even where x is 0, except where also y <= -1.
            gx = xlog1py(grad, y).masked_fill((x == 0) & (y <= -1), 0)
        if self._next[1] is not None:
            gy = grad * x / (y + 1)
        return gx, gy


def xlog1py(input, other, *, out: Tensor | None = None) -> Tensor:
    """``input * log1p(other)``, and 0 where ``input`` is 0 (unless ``other`` is NaN)."""
    a, b, np_out = _binary_arrays(input, other, "special_xlog1py")
    if np_out.kind == "c":
        raise _not_implemented("xlog1py_cpu", np_out)
    if _is_meta(input, other):
        result = _meta_binary(input, other, np_out)
    else:
        with np.errstate(all="ignore"):
            values = a.astype(_F64) * np.log1p(b.astype(_F64))
            values = np.where((a == 0) & ~np.isnan(b), 0.0, values)
        result = _cast(values, np_out)
    if _needs_grad(input, other):
        node = SpecialXlog1PyBackward0(_grad_operands(input, other), result)
        node.save(*_grad_operands(input, other))
        node.x_number, node.y_number = input, other
    return result if out is None else write_out(out, result, "special_xlog1py")


class SpecialZetaBackward0(Node):
    def backward(self, grad):
        if self._next[0] is not None:
            raise NotImplementedError("the derivative for 'zeta' is not implemented.")
        x, q = self.saved_tensors
        x = self.x_number if x is None else x
        return None, grad * -x * zeta(x + 1, q)


def zeta(input, other, *, out: Tensor | None = None) -> Tensor:
    """The Hurwitz zeta function: the sum over k >= 0 of (other + k) ** -input."""
    a, b, np_out = _binary_arrays(input, other, "special_zeta")
    if np_out in _HALF_TYPES or np_out.kind == "c":
        raise _not_implemented("zeta_cpu", np_out)
    if _is_meta(input, other):
        result = _meta_binary(input, other, np_out)
    else:
        result = _cast(_in_float64(_zeta.hurwitz_zeta, a, b), np_out)
    if _needs_grad(input, other):
        node = SpecialZetaBackward0(_grad_operands(input, other), result)
        node.save(*_grad_operands(input, other))
        node.x_number = input
    return result if out is None else write_out(out, result, "special_zeta")


def _polynomial(name: str, compute):
    kernel = f"{name}_cpu"

    def op(input, n, *, out: Tensor | None = None) -> Tensor:
        x, degree, np_out = _binary_arrays(input, n, name)
        if np_out in _HALF_TYPES or np_out.kind == "c":
            raise _not_implemented(kernel, np_out)
        if _is_meta(input, n):
            result = _meta_binary(input, n, np_out)
        else:
            x, degree = np.broadcast_arrays(x.astype(np_out), degree.astype(np_out))
            with np.errstate(invalid="ignore"):
                # Degrees are truncated to integers, as PyTorch's kernels cast them.
                whole = np.where(np.isfinite(degree), np.trunc(degree), -1).astype(np.int64)
            with np.errstate(all="ignore"):
                result = _cast(compute(np.ascontiguousarray(x), whole), np_out)
        return result if out is None else write_out(out, result, f"special_{name}")
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"The {name.replace('_', ' ')} of degree ``n`` at ``input``."
    return op


chebyshev_polynomial_t = _polynomial("chebyshev_polynomial_t", _orthopoly.chebyshev_t)
chebyshev_polynomial_u = _polynomial("chebyshev_polynomial_u", _orthopoly.chebyshev_u)
chebyshev_polynomial_v = _polynomial("chebyshev_polynomial_v", _orthopoly.chebyshev_v)
chebyshev_polynomial_w = _polynomial("chebyshev_polynomial_w", _orthopoly.chebyshev_w)
shifted_chebyshev_polynomial_t = _polynomial("shifted_chebyshev_polynomial_t",
                                             _orthopoly.shifted_chebyshev_t)
shifted_chebyshev_polynomial_u = _polynomial("shifted_chebyshev_polynomial_u",
                                             _orthopoly.shifted_chebyshev_u)
shifted_chebyshev_polynomial_v = _polynomial("shifted_chebyshev_polynomial_v",
                                             _orthopoly.shifted_chebyshev_v)
shifted_chebyshev_polynomial_w = _polynomial("shifted_chebyshev_polynomial_w",
                                             _orthopoly.shifted_chebyshev_w)
hermite_polynomial_h = _polynomial("hermite_polynomial_h", _orthopoly.hermite_h)
hermite_polynomial_he = _polynomial("hermite_polynomial_he", _orthopoly.hermite_he)
laguerre_polynomial_l = _polynomial("laguerre_polynomial_l", _orthopoly.laguerre_l)
legendre_polynomial_p = _polynomial("legendre_polynomial_p", _orthopoly.legendre_p)


# ----------------------------------------------------------------------------------------------
# igamma / igammac
# ----------------------------------------------------------------------------------------------

class IgammaBackward0(Node):
    sign = 1.0
    op_name = "igamma"

    def backward(self, grad):
        if self._next[0] is not None:
            raise NotImplementedError(f"the derivative for '{self.op_name}: input' is not "
                                      "implemented.")
        a, x = self.saved_tensors
        from .unary import lgamma
        # d/dx P(a, x) = x**(a-1) e**-x / Gamma(a); Q's is its negative.
        density = ((a - 1) * x.log() - x - lgamma(a)).exp()
        return None, grad * density * self.sign


class IgammacBackward0(IgammaBackward0):
    sign = -1.0
    op_name = "igammac"


def _incomplete_gamma(input, other, out, name: str, compute, node_cls) -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    if not isinstance(other, Tensor):
        raise TypeError(f"{name}(): argument 'other' (position 2) must be Tensor, not "
                        f"{type(other).__name__}")
    a, x, np_out = binary_operands(input, other, name)
    np_out = np.dtype(np_out)
    if np_out.kind not in "f" and np_out != D.bfloat16.np:
        raise _not_implemented(f"{name}_cpu", np_out)
    if _is_meta(input, other):
        result = _meta_binary(input, other, np_out)
    else:
        result = _cast(_in_float64(compute, a, x), np_out)
    if _needs_grad(input, other):
        node_cls((input, other), result).save(input, other)
    return result if out is None else write_out(out, result, name)


def igamma(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The regularized lower incomplete gamma function P(input, other)."""
    return _incomplete_gamma(input, other, out, "igamma", _gamma_inc.gammainc, IgammaBackward0)


def igammac(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The regularized upper incomplete gamma function Q(input, other) = 1 - P(input, other)."""
    return _incomplete_gamma(input, other, out, "igammac", _gamma_inc.gammaincc,
                             IgammacBackward0)


def igamma_(self: Tensor, other: Tensor) -> Tensor:
    return apply_inplace(self, igamma(self, other))


def igammac_(self: Tensor, other: Tensor) -> Tensor:
    return apply_inplace(self, igammac(self, other))


bind_methods(["igamma", "igammac", "igamma_", "igammac_"], globals())

__all__ = ["igamma", "igammac"]
