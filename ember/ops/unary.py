"""Unary elementwise math: exponentials, logarithms, trigonometry, rounding, special functions,
predicates and complex-number helpers, each with its backward beside it.

Result dtypes follow PyTorch: floating functions turn integer and bool inputs into the default
float dtype, rounding functions and ``abs``/``sign`` keep integer dtypes, and float16/bfloat16
are computed in float32 and rounded once.  Special functions (erf, lgamma, ...) come from
``_special``, which computes them in float64.  Gradients follow PyTorch's formulas (conjugate
Wirtinger calculus for complex inputs) and are written with ember ops, so they differentiate
again.
"""
from __future__ import annotations

import builtins
import math

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.grad_mode import state as grad_state
from ..autograd.node import Node
from ..return_types import frexp as _FrexpResult
from ..backends.cpu import PARALLEL_MIN_ELEMENTS as _PARALLEL_MIN
from ..backends.cpu import apply_parallel
from ..backends import holds_values, result_array
from ..backends.meta import MetaArray, elementwise_strides
from . import _special
from ._dispatch import _type_word, apply_inplace, bind_methods, unary_compute, write_out

_make = Tensor._make
_F32 = np.dtype(np.float32)
_F64 = np.dtype(np.float64)
_BF16 = D.bfloat16.np
_HALF_TYPES = (np.dtype(np.float16), _BF16)
_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
_SQRT_PI = math.sqrt(math.pi)
_TWO_OVER_SQRT_PI = 2.0 / _SQRT_PI
_DEG_TO_RAD = math.pi / 180.0
_RAD_TO_DEG = 180.0 / math.pi


# ----------------------------------------------------------------------------------------------
# shared helpers
# ----------------------------------------------------------------------------------------------

def wrap(data) -> Tensor:
    """A new tensor around ``data``; NumPy hands back scalars for 0-d inputs, so re-wrap them."""
    return _make(data if type(data) is np.ndarray else result_array(data))


def _data_of(input, name: str):
    """The backend array of ``input``; PyTorch's TypeError for anything but a tensor."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    return input._data


def _not_implemented(kernel: str, np_dtype) -> None:
    raise NotImplementedError(f'"{kernel}" not implemented for '
                              f"'{_type_word(D._BY_NP[np_dtype])}'")


def _floating_dtype(np_dtype):
    """The dtype a floating function returns for inputs of ``np_dtype``."""
    if np_dtype.kind in "biu":
        return D.get_default_dtype().np
    return np_dtype


def _is_meta(arr) -> bool:
    return type(arr) is not np.ndarray


def _meta_result(arr, np_dtype) -> Tensor:
    """The data-less result of an elementwise function of the meta array ``arr``."""
    itemsize = np.dtype(np_dtype).itemsize
    return _make(MetaArray(arr.shape, np_dtype, elementwise_strides(arr.shape, (arr,), itemsize)))


def _finish(data, np_dtype) -> Tensor:
    # Half types and int -> float functions compute in a wider type; round once at the end.
    if type(data) is not np.ndarray:
        data = result_array(data)
    if data.dtype != np_dtype:
        with np.errstate(over="ignore"):  # values beyond the half range become inf silently
            data = data.astype(np_dtype)
    return _make(data)


def _special_call(fn, x, *args):
    """Run a ``_special`` function on array ``x``.  Those index with boolean masks, which needs
    at least one dimension, so 0-d arrays go through as shape (1,)."""
    if x.ndim == 0:
        return fn(*args, x.reshape(1)).reshape(())
    return fn(*args, x)


def _in_float64(fn):
    """Run a ``_special`` function (float64 only) on an array of any floating dtype."""
    def compute(x):
        return _special_call(fn, x.astype(_F64, copy=False))
    return compute


def _math_op(name: str, compute, node_cls, save, doc: str, real_kernel: str | None = None):
    """Build ``name(input, *, out=None)`` for a function with floating results.

    ``compute`` maps the float (or complex) array to the values; ``save`` is "input",
    "result" or None (what ``node_cls`` reads in backward); ``real_kernel`` names the kernel
    in PyTorch's NotImplementedError when the function has no complex version.
    """
    # NumPy ufuncs take out=, so big inputs can be split across threads.
    parallel = isinstance(compute, np.ufunc)

    def op(input: Tensor, *, out: Tensor | None = None) -> Tensor:
        arr = _data_of(input, name)
        if real_kernel is not None and arr.dtype.kind == "c":
            if out is not None:
                _check_out_cast(out, arr.dtype)  # PyTorch checks the out dtype first
            _not_implemented(real_kernel, arr.dtype)
        if _is_meta(arr):
            result = _meta_result(arr, _floating_dtype(arr.dtype))
        else:
            x, np_out = unary_compute(input)
            with np.errstate(all="ignore"):
                if parallel and type(x) is np.ndarray and x.size >= _PARALLEL_MIN:
                    data = apply_parallel(compute, x)
                else:
                    data = compute(x)
            result = _finish(data, np_out)
        if grad_state.enabled and input._rg:
            node = node_cls((input,), result)
            if save is not None:
                node.save(input if save == "input" else result)
        return result if out is None else write_out(out, result, name)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


class MaskedFillBackward0(Node):
    def backward(self, grad):
        return (_masked_fill(grad, self.mask, 0),)


def _masked_fill(t: Tensor, mask, value) -> Tensor:
    """``t`` with ``value`` where the boolean array ``mask`` is set (differentiable in ``t``).
    Backward formulas use it to zero out gradients at singular points."""
    data = t._data.copy()
    np.copyto(data, value, where=mask, casting="unsafe")
    result = wrap(data)
    if grad_state.enabled and t._rg:
        MaskedFillBackward0((t,), result).mask = mask
    return result


def _check_out_cast(out, np_dtype) -> None:
    """Refuse an ``out=`` tensor the result (of ``np_dtype``) cannot be cast into."""
    if isinstance(out, Tensor) and not D.can_cast(D._BY_NP[np_dtype], out.dtype):
        raise RuntimeError(f"result type {_type_word(D._BY_NP[np_dtype])} can't be cast to the "
                           f"desired output type {_type_word(out.dtype)}")


def _check_out_dtype(out, arr) -> None:
    """Functions whose ``out=`` must have the input's dtype check it before anything else
    (so ``ceil(bool, out=uint8)`` names the dtype, not the missing bool kernel)."""
    if isinstance(out, Tensor) and out._data.dtype != arr.dtype:
        raise RuntimeError(f"Found dtype {_type_word(out.dtype)} but expected "
                           f"{_type_word(D._BY_NP[arr.dtype])}")


def _write_same_dtype(out, result: Tensor, name: str) -> Tensor:
    """``out=`` for functions whose out tensor must already have the result's dtype."""
    if isinstance(out, Tensor) and out._data.dtype != result._data.dtype:
        raise RuntimeError(f"Found dtype {_type_word(out.dtype)} but expected "
                           f"{_type_word(result.dtype)}")
    return write_out(out, result, name)


def _write_bool(out, result: Tensor, name: str) -> Tensor:
    """``out=`` for predicates, which only write into bool tensors."""
    if isinstance(out, Tensor) and out._data.dtype != np.bool_:
        raise RuntimeError(f"{name} does not support non-boolean outputs.")
    return write_out(out, result, name)


def _zeros_like(grad: Tensor) -> Tensor:
    return wrap(np.zeros_like(grad._data))


class _ZeroGrad(Node):
    """Backward of piecewise-constant functions: the gradient is zero everywhere."""

    def backward(self, grad):
        return (_zeros_like(grad),)


# ----------------------------------------------------------------------------------------------
# exponentials and logarithms
# ----------------------------------------------------------------------------------------------

class ExpBackward0(Node):
    def backward(self, grad):
        (result,) = self.saved_tensors
        return (grad * result.conj(),)


class Expm1Backward0(Node):
    def backward(self, grad):
        (result,) = self.saved_tensors
        return (grad * (result.conj() + 1),)


class Exp2Backward0(Node):
    def backward(self, grad):
        (result,) = self.saved_tensors
        return (grad * (result.conj() * _LN2),)


class LogBackward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        return (grad / x.conj(),)


class Log1PBackward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        return (grad / (x + 1).conj(),)


class Log2Backward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        return (grad / (x.conj() * _LN2),)


class Log10Backward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        return (grad / (x.conj() * _LN10),)


class SqrtBackward0(Node):
    def backward(self, grad):
        (result,) = self.saved_tensors
        return (grad / (2 * result.conj()),)


class RsqrtBackward0(Node):
    def backward(self, grad):
        (result,) = self.saved_tensors
        return (-0.5 * grad * (result * result * result).conj(),)


def _rsqrt(x):
    return 1 / np.sqrt(x)


exp = _math_op("exp", np.exp, ExpBackward0, "result", "e to the power of each element.")
expm1 = _math_op("expm1", np.expm1, Expm1Backward0, "result",
                 "exp(x) - 1, accurate for small x.")
exp2 = _math_op("exp2", np.exp2, Exp2Backward0, "result", "2 to the power of each element.")
log = _math_op("log", np.log, LogBackward0, "input", "Natural logarithm.")
log1p = _math_op("log1p", np.log1p, Log1PBackward0, "input", "log(1 + x), accurate for small x.")
log2 = _math_op("log2", np.log2, Log2Backward0, "input", "Base-2 logarithm.")
log10 = _math_op("log10", np.log10, Log10Backward0, "input", "Base-10 logarithm.")
sqrt = _math_op("sqrt", np.sqrt, SqrtBackward0, "result", "Square root.")
rsqrt = _math_op("rsqrt", _rsqrt, RsqrtBackward0, "result", "Reciprocal of the square root.")


# ----------------------------------------------------------------------------------------------
# trigonometric and hyperbolic functions
# ----------------------------------------------------------------------------------------------

class SinBackward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        return (grad * cos(x).conj(),)


class CosBackward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        return (grad * -sin(x).conj(),)


class TanBackward0(Node):
    def backward(self, grad):
        (result,) = self.saved_tensors
        return (grad * (1 + result * result).conj(),)


class AsinBackward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        return (grad * rsqrt(1 - x * x).conj(),)


class AcosBackward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        return (grad * -rsqrt(1 - x * x).conj(),)


class AtanBackward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        return (grad / (x * x + 1).conj(),)


class SinhBackward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        return (grad * cosh(x).conj(),)


class CoshBackward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        return (grad * sinh(x).conj(),)


class TanhBackward0(Node):
    def backward(self, grad):
        (result,) = self.saved_tensors
        if not grad_state.enabled and _plain_real(grad, result):
            # One buffer instead of three temporaries: grad * (1 - y^2), as PyTorch fuses it.
            buffer = np.multiply(result._data, result._data)
            np.subtract(1, buffer, out=buffer)
            np.multiply(grad._data, buffer, out=buffer)
            return (Tensor._make(buffer),)
        return (grad * (1 - result * result).conj(),)


class AsinhBackward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        return (grad * rsqrt(x * x + 1).conj(),)


class AcoshBackward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        if x.is_complex():
            # sqrt(z^2 - 1) != sqrt(z - 1) sqrt(z + 1) off the real line: use the latter.
            return (grad * (rsqrt(x + 1) * rsqrt(x - 1)).conj(),)
        return (grad * rsqrt(x * x - 1),)


class AtanhBackward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        return (grad / (1 - x * x).conj(),)


sin = _math_op("sin", np.sin, SinBackward0, "input", "Sine (radians).")
cos = _math_op("cos", np.cos, CosBackward0, "input", "Cosine (radians).")
tan = _math_op("tan", np.tan, TanBackward0, "result", "Tangent (radians).")
asin = _math_op("asin", np.arcsin, AsinBackward0, "input", "Inverse sine.")
acos = _math_op("acos", np.arccos, AcosBackward0, "input", "Inverse cosine.")
atan = _math_op("atan", np.arctan, AtanBackward0, "input", "Inverse tangent.")
sinh = _math_op("sinh", np.sinh, SinhBackward0, "input", "Hyperbolic sine.")
cosh = _math_op("cosh", np.cosh, CoshBackward0, "input", "Hyperbolic cosine.")
tanh = _math_op("tanh", np.tanh, TanhBackward0, "result", "Hyperbolic tangent.")
asinh = _math_op("asinh", np.arcsinh, AsinhBackward0, "input", "Inverse hyperbolic sine.")
acosh = _math_op("acosh", np.arccosh, AcoshBackward0, "input", "Inverse hyperbolic cosine.")
atanh = _math_op("atanh", np.arctanh, AtanhBackward0, "input", "Inverse hyperbolic tangent.")
arcsin, arccos, arctan = asin, acos, atan
arcsinh, arccosh, arctanh = asinh, acosh, atanh


# ----------------------------------------------------------------------------------------------
# sigmoid, logit, sinc
# ----------------------------------------------------------------------------------------------

class SigmoidBackward0(Node):
    def backward(self, grad):
        (result,) = self.saved_tensors
        if not grad_state.enabled and _plain_real(grad, result):
            # (grad * (1 - y)) * y in one buffer, in PyTorch's order of operations.
            buffer = np.subtract(1, result._data)
            np.multiply(grad._data, buffer, out=buffer)
            np.multiply(buffer, result._data, out=buffer)
            return (Tensor._make(buffer),)
        return (grad * (result * (1 - result)).conj(),)


def _plain_real(grad: Tensor, result: Tensor) -> bool:
    """Whether a fused NumPy backward applies: same real float dtype and shape, on the CPU,
    with at least one dim (NumPy's arithmetic on zero-dim arrays gives scalars, no buffer)."""
    g, r = grad._data, result._data
    return (type(g) is np.ndarray and type(r) is np.ndarray and g.dtype == r.dtype
            and g.dtype.kind == "f" and g.shape == r.shape and g.ndim > 0
            and g.dtype.itemsize >= 4)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


sigmoid = _math_op("sigmoid", _sigmoid, SigmoidBackward0, "result",
                   "The logistic function 1 / (1 + exp(-x)).")


class LogitBackward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        data = x._data
        if self.eps is None:
            # PyTorch gives grad * inf at 0 and 1, so -0.0 counts as +0.0 (hence the + 0.0).
            values = grad / (x * (1 - x) + 0.0)
            return (_masked_fill(values, (data < 0) | (data > 1), math.nan),)
        values = grad / (x * (1 - x))
        lo, hi = self.bounds
        return (_masked_fill(values, (data < lo) | (data > hi), 0),)


def logit(input: Tensor, eps: float | None = None, *, out: Tensor | None = None) -> Tensor:
    """log(p / (1 - p)); with ``eps``, p is first clamped to [eps, 1 - eps]."""
    arr = _data_of(input, "logit")
    if arr.dtype.kind == "c":
        if out is not None:
            _check_out_cast(out, arr.dtype)
        _not_implemented("logit_cpu", arr.dtype)
    x, np_out = unary_compute(input)
    bounds = None
    if eps is not None:
        # The bounds live in the computation dtype, as PyTorch's kernel forms them.
        lo = x.dtype.type(eps)
        hi = x.dtype.type(1) - lo
        bounds = (lo, hi)
        x = np.clip(x, lo, hi)
    with np.errstate(all="ignore"):
        result = _finish(np.log(x / (1 - x)), np_out)
    if grad_state.enabled and input._rg:
        node = LogitBackward0((input,), result)
        node.save(input)
        node.eps, node.bounds = eps, bounds
    return result if out is None else write_out(out, result, "logit")


class SincBackward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        pix = x * math.pi
        slope = (pix * cos(pix) - sin(pix)) / (pix * x)
        return (grad * _masked_fill(slope, x._data == 0, 0).conj(),)


def _sinc(x):
    pix = x * x.dtype.type(math.pi)
    return np.where(x == 0, x.dtype.type(1), np.sin(pix) / pix)


sinc = _math_op("sinc", _sinc, SincBackward0, "input",
                "The normalized sinc function sin(pi x) / (pi x), with sinc(0) = 1.")


# ----------------------------------------------------------------------------------------------
# error and gamma functions, Bessel i0
# ----------------------------------------------------------------------------------------------

class ErfBackward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        return (_TWO_OVER_SQRT_PI * exp(-(x * x)) * grad,)


class ErfcBackward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        return (-_TWO_OVER_SQRT_PI * exp(-(x * x)) * grad,)


class ErfinvBackward0(Node):
    def backward(self, grad):
        (result,) = self.saved_tensors
        return (0.5 * _SQRT_PI * exp(result * result) * grad,)


class LgammaBackward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        return (grad * digamma(x),)


class DigammaBackward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        return (grad * polygamma(1, x),)


class I0Backward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        return (grad * _i1(x),)


erf = _math_op("erf", _in_float64(_special.erf), ErfBackward0, "input", "The error function.",
               real_kernel="erf_vml_cpu")
erfc = _math_op("erfc", _in_float64(_special.erfc), ErfcBackward0, "input",
                "The complementary error function 1 - erf(x).", real_kernel="erfc_vml_cpu")
erfinv = _math_op("erfinv", _in_float64(_special.erfinv), ErfinvBackward0, "result",
                  "The inverse error function (±inf at ±1, NaN outside [-1, 1]).",
                  real_kernel="erfinv_vml_cpu")
lgamma = _math_op("lgamma", _in_float64(_special.lgamma), LgammaBackward0, "input",
                  "log|Gamma(x)|.", real_kernel="lgamma_vml_cpu")
digamma = _math_op("digamma", _in_float64(_special.digamma), DigammaBackward0, "input",
                   "The logarithmic derivative of the gamma function.", real_kernel="digamma")
def _i0_compute(x):
    values = _in_float64(_special.i0)(x)
    if x.dtype == np.float32:
        # PyTorch's float kernel multiplies by exp(|x|) in float, which overflows past ~88.72.
        with np.errstate(over="ignore"):
            values[np.isinf(np.exp(np.abs(x))) & np.isfinite(x)] = np.inf
    return values


i0 = _math_op("i0", _i0_compute, I0Backward0, "input",
              "The modified Bessel function of the first kind, order 0.", real_kernel="i0_vml_cpu")


class SpecialI1Backward0(Node):
    def backward(self, grad):
        (x, result) = self.saved_tensors
        zero = x._data == 0
        # Divide by 1 where x is 0 so the masked value leaves no NaN for double backward.
        slope = _masked_fill(i0(x) - result / _masked_fill(x, zero, 1), zero, 0.5)
        return (grad * slope,)


def _i1(input: Tensor) -> Tensor:
    """The modified Bessel function of order 1 (i0's derivative; torch.special.i1's values)."""
    x, np_out = unary_compute(input)
    with np.errstate(all="ignore"):
        result = _finish(_special_call(_special.i1, x.astype(_F64)), np_out)
    if grad_state.enabled and input._rg:
        SpecialI1Backward0((input,), result).save(input, result)
    return result


class PolygammaBackward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        return (grad * polygamma(self.n + 1, x),)


def polygamma(n: int, input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The n-th derivative of digamma."""
    arr = _data_of(input, "polygamma")
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    if arr.dtype.kind == "c":
        _not_implemented({0: "digamma", 1: "trigamma"}.get(n, "polygamma"), arr.dtype)
    x, np_out = unary_compute(input)
    # trigamma is computed in the input's own precision, as PyTorch does (its float32 values at
    # the poles are finite); the other orders in float64.
    with np.errstate(all="ignore"):
        if n == 1:
            values = _special_call(_special.trigamma, x)
        else:
            values = _special_call(_special.polygamma, x.astype(_F64), n)
    result = _finish(values, np_out)
    if grad_state.enabled and input._rg:
        node = PolygammaBackward0((input,), result)
        node.save(input)
        node.n = n
    return result if out is None else write_out(out, result, "polygamma")


class MvlgammaBackward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        shifts = wrap((np.arange(self.p) * 0.5).astype(x._data.dtype))
        return (grad * digamma(x.unsqueeze(-1) - shifts).sum(-1),)


def mvlgamma(input: Tensor, p: int, *, out: Tensor | None = None) -> Tensor:
    """The multivariate log-gamma function of dimension ``p``."""
    arr = _data_of(input, "mvlgamma")
    if arr.dtype == np.bool_:
        raise RuntimeError("The input tensor may not be a boolean tensor.")
    if arr.dtype.kind == "c":
        _not_implemented("arange_cpu", arr.dtype)
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    # PyTorch 2.13 no longer checks x > (p - 1) / 2: the sum of lgammas is taken as it is.
    x, np_out = unary_compute(input)
    # sum_i lgamma(x - i/2) + p (p - 1) / 4 log(pi), summed in PyTorch's order.
    shifts = np.arange(-p * 0.5 + 0.5, 0.5, 0.5)
    with np.errstate(all="ignore"):
        values = _special.lgamma(x.astype(_F64)[..., None] + shifts).sum(-1)
    result = _finish(values + p * (p - 1) * math.log(math.pi) / 4, np_out)
    if grad_state.enabled and input._rg:
        node = MvlgammaBackward0((input,), result)
        node.save(input)
        node.p = p
    return result if out is None else write_out(out, result, "mvlgamma")


# ----------------------------------------------------------------------------------------------
# rounding and other piecewise functions
# ----------------------------------------------------------------------------------------------

FloorBackward0 = type("FloorBackward0", (_ZeroGrad,), {})
CeilBackward0 = type("CeilBackward0", (_ZeroGrad,), {})
TruncBackward0 = type("TruncBackward0", (_ZeroGrad,), {})
RoundBackward0 = type("RoundBackward0", (_ZeroGrad,), {})
RoundBackward1 = type("RoundBackward1", (_ZeroGrad,), {})
SignBackward0 = type("SignBackward0", (_ZeroGrad,), {})


def _rounding_op(name: str, fn, node_cls, kernel: str, doc: str, complex_first: bool = True):
    """Build a rounding function: integers come back unchanged (as a copy), bool and complex
    are refused as PyTorch refuses them (``complex_first``: before looking at ``out=``)."""
    def op(input: Tensor, *, out: Tensor | None = None) -> Tensor:
        arr = _data_of(input, name)
        kind = arr.dtype.kind
        if out is not None and not complex_first:
            _check_out_dtype(out, arr)
        if kind == "c":
            raise NotImplementedError(f"{name} is not supported for complex inputs")
        if out is not None and complex_first:
            _check_out_dtype(out, arr)
        if kind == "b":
            _not_implemented(kernel, arr.dtype)
        if kind in "iu":
            result = wrap(arr.copy())
        else:
            if _is_meta(arr):
                result = _meta_result(arr, arr.dtype)
            else:
                x, np_out = unary_compute(input, floating=False)
                result = _finish(fn(x), np_out)
            if grad_state.enabled and input._rg:
                node_cls((input,), result)
        return result if out is None else _write_same_dtype(out, result, name)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


floor = _rounding_op("floor", np.floor, FloorBackward0, "floor_vml_cpu",
                     "The largest integer not above each element.")
ceil = _rounding_op("ceil", np.ceil, CeilBackward0, "ceil_vml_cpu",
                    "The smallest integer not below each element.")
trunc = _rounding_op("trunc", np.trunc, TruncBackward0, "trunc_vml_cpu",
                     "Each element rounded toward zero.")
fix = trunc
_round_half_even = _rounding_op("round", np.rint, RoundBackward0, "round_vml_cpu", "",
                                complex_first=False)


def round(input: Tensor, *, decimals: int | None = None, out: Tensor | None = None) -> Tensor:
    """Round to the nearest integer (ties to even), or to ``decimals`` decimal places."""
    if decimals is None:
        return _round_half_even(input, out=out)
    arr = _data_of(input, "round")
    if out is not None:
        _check_out_dtype(out, arr)
    if arr.dtype.kind in "biuc":
        _not_implemented("round_cpu" if decimals else "round_vml_cpu", arr.dtype)
    x, np_out = unary_compute(input, floating=False)
    # Scale by 10**|decimals| (held in the computation dtype), round, and scale back.
    scale = x.dtype.type(10.0 ** builtins.abs(decimals))
    with np.errstate(all="ignore"):
        if decimals < 0:
            data = np.rint(x / scale) * scale
        else:
            data = np.rint(x * scale) / scale
    result = _finish(data, np_out)
    if grad_state.enabled and input._rg:
        RoundBackward1((input,), result)
    return result if out is None else _write_same_dtype(out, result, "round")


class FracBackward0(Node):
    def backward(self, grad):
        return (grad,)


def frac(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The fractional part x - trunc(x), keeping the sign of x."""
    arr = _data_of(input, "frac")
    if out is not None:
        _check_out_dtype(out, arr)
    if arr.dtype.kind in "biuc":
        _not_implemented("frac_cpu", arr.dtype)
    x, np_out = unary_compute(input, floating=False)
    with np.errstate(invalid="ignore"):
        result = _finish(x - np.trunc(x), np_out)
    if grad_state.enabled and input._rg:
        FracBackward0((input,), result)
    return result if out is None else _write_same_dtype(out, result, "frac")


def _sign_array(arr):
    x, np_out = (arr.astype(_F32), arr.dtype) if arr.dtype in _HALF_TYPES else (arr, arr.dtype)
    if x.dtype.kind == "b":
        return x.copy()
    data = np.sign(x)
    if data.dtype.kind == "f":
        data = np.where(np.isnan(x), data.dtype.type(0), data)  # PyTorch's sign(nan) is 0
    return result_array(data).astype(np_out, copy=False)


def sign(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """-1, 0 or 1 by the sign of each element (0 for NaN)."""
    arr = _data_of(input, "sign")
    if arr.dtype.kind == "c":
        raise NotImplementedError("Unlike NumPy, torch.sign is not intended to support complex "
                                  "numbers. Please use torch.sgn instead.")
    result = wrap(_sign_array(arr))
    if grad_state.enabled and input._rg:
        SignBackward0((input,), result)
    return result if out is None else _write_same_dtype(out, result, "sign")


class SgnBackward0(Node):
    def backward(self, grad):
        if not self.complex:
            return (_zeros_like(grad),)
        (x, result) = self.saved_tensors
        # For z/|z|: (g - sgn^2 conj(g)) / (2|z|), and 0 where z = 0.
        magnitude = abs(x)
        values = (grad - result * result * grad.conj()) / (2 * magnitude)
        return (_masked_fill(values, magnitude._data == 0, 0),)


def sgn(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """sign for real tensors; z / |z| (0 at 0) for complex ones."""
    arr = _data_of(input, "sgn")
    is_complex = arr.dtype.kind == "c"
    if is_complex:
        magnitude = np.abs(arr)
        # Each part divided by the (real) modulus, as PyTorch does: a complex division would
        # change the signs of zero parts (sgn(-0+1j) is -0+1j).
        data = np.empty(arr.shape, arr.dtype, like=arr)
        if holds_values(arr):
            with np.errstate(all="ignore"):
                data.real = arr.real / magnitude
                data.imag = arr.imag / magnitude
            data[magnitude == 0] = 0
        result = wrap(data)
    else:
        result = wrap(_sign_array(arr))
    if grad_state.enabled and input._rg:
        node = SgnBackward0((input,), result)
        node.complex = is_complex
        if is_complex:
            node.save(input, result)
    return result if out is None else _write_same_dtype(out, result, "sgn")


class AbsBackward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        return (grad * sgn(x),)


def abs(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Absolute value (the modulus for complex tensors, which gives a real result)."""
    arr = _data_of(input, "abs")
    complex_input = arr.dtype.kind == "c"
    if out is not None and (not complex_input or (isinstance(out, Tensor)
                                                   and out._data.dtype.kind == "c")):
        _check_out_dtype(out, arr)
    if arr.dtype == np.bool_:
        _not_implemented("abs_cpu", arr.dtype)
    result = wrap(np.abs(arr))
    if grad_state.enabled and input._rg:
        AbsBackward0((input,), result).save(input)
    if out is None:
        return result
    # The modulus of a complex tensor may be written into any real type it casts to.
    return write_out(out, result, "abs") if complex_input else _write_same_dtype(out, result,
                                                                                  "abs")


absolute = abs


def abs_(self: Tensor) -> Tensor:
    """In-place absolute value (not for complex tensors)."""
    if self._data.dtype.kind == "c":
        raise RuntimeError("In-place abs is not supported for complex tensors.")
    return apply_inplace(self, abs(self))


absolute_ = abs_


class PowBackward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        return (grad * (x * 2).conj(),)


def square(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Each element times itself (bool gives int64, as PyTorch)."""
    arr = _data_of(input, "square")
    if arr.dtype == np.bool_:
        arr = arr.astype(np.int64)
    x, np_out = unary_compute(input, floating=False) if arr.dtype in _HALF_TYPES \
        else (arr, arr.dtype)
    with np.errstate(over="ignore"):
        result = _finish(x * x, np_out)
    if grad_state.enabled and input._rg:
        PowBackward0((input,), result).save(input)
    return result if out is None else write_out(out, result, "square")


def positive(input: Tensor) -> Tensor:
    """``input`` itself (refused for bool, like unary plus in PyTorch)."""
    arr = _data_of(input, "positive")
    if arr.dtype == np.bool_:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


_SAME_WIDTH_INT = {np.dtype(np.float32): np.dtype(np.int32), np.dtype(np.float64): np.dtype(np.int64)}


class ReluBackward0(Node):
    def backward(self, grad):
        (result,) = self.saved_tensors
        g, r = grad._data, result._data
        bits = _SAME_WIDTH_INT.get(g.dtype)
        if (bits is not None and not grad_state.enabled and type(g) is np.ndarray
                and type(r) is np.ndarray and g.shape == r.shape):
            # grad where result > 0, else exactly +0: AND the gradient's bits with an
            # all-ones / all-zeros mask (np.where is several times slower).
            # (asarray: a 0-d comparison gives a NumPy scalar, which cannot be written into;
            # ascontiguousarray would make a 0-d gradient 1-d)
            mask = np.asarray(np.less_equal(r, 0), dtype=bits)
            mask -= 1
            np.bitwise_and((g if g.flags.c_contiguous else g.copy()).view(bits), mask, out=mask)
            return (Tensor._make(mask.view(g.dtype)),)
        return (_masked_fill(grad, result._data <= 0, 0),)


def relu(input: Tensor) -> Tensor:
    """max(x, 0) elementwise (NaN stays NaN)."""
    arr = _data_of(input, "relu")
    if arr.dtype == np.bool_:
        raise RuntimeError("Boolean inputs not supported for relu")
    if arr.dtype.kind == "c":
        raise NotImplementedError("clamp is not supported for complex types")
    zero = arr.dtype.type(0)
    if arr.dtype in _SAME_WIDTH_INT:
        # np.maximum keeps NaN (as PyTorch's clamp does) and is several times faster than
        # np.where; with zero first it returns the input for -0.0, as PyTorch does.
        with np.errstate(invalid="ignore"):
            result = wrap(np.maximum(zero, arr))
    else:
        result = wrap(np.where(arr < zero, zero, arr))
    if grad_state.enabled and input._rg:
        ReluBackward0((input,), result).save(result)
    return result


def relu_(input: Tensor) -> Tensor:
    """In-place relu."""
    return apply_inplace(input, relu(input))


class NanToNumBackward0(Node):
    def backward(self, grad):
        return (grad * wrap(self.finite),)


def nan_to_num(input: Tensor, nan: float | None = 0.0, posinf: float | None = None,
               neginf: float | None = None, *, out: Tensor | None = None) -> Tensor:
    """Replace NaN, +inf and -inf (by default with 0 and the dtype's largest/smallest finite
    values); complex numbers are treated part by part."""
    arr = _data_of(input, "nan_to_num")
    if out is not None and isinstance(out, Tensor) and out._data.dtype != arr.dtype:
        raise RuntimeError(f"nan_to_num: dtype of out: {_type_word(out.dtype)} should be same "
                           f"as input: {_type_word(input.dtype)}")
    if arr.dtype.kind in "biu":
        result = wrap(arr.copy())
        return result if out is None else write_out(out, result, "nan_to_num")
    if input._rg and grad_state.enabled and arr.dtype.kind == "c":
        raise RuntimeError("nan_to_num does not support automatic differentiation for outputs "
                           "with complex dtype.")
    np_out = arr.dtype
    info = D.finfo(D._BY_NP[np_out].to_real())
    nan = 0.0 if nan is None else nan
    posinf = info.max if posinf is None else posinf
    neginf = info.min if neginf is None else neginf
    x = arr.astype(_F32) if np_out == _BF16 else arr
    with np.errstate(over="ignore", invalid="ignore"):
        data = np.nan_to_num(x, copy=True, nan=nan, posinf=posinf, neginf=neginf)
    result = _finish(data, np_out)
    if grad_state.enabled and input._rg:
        finite = np.isfinite(arr).astype(np_out)
        NanToNumBackward0((input,), result).finite = finite
    return result if out is None else write_out(out, result, "nan_to_num")


class Deg2RadBackward0(Node):
    def backward(self, grad):
        return (grad * _DEG_TO_RAD,)


class Rad2DegBackward0(Node):
    def backward(self, grad):
        return (grad * _RAD_TO_DEG,)


def _angle_units_op(name: str, factor: float, node_cls, doc: str):
    def op(input: Tensor, *, out: Tensor | None = None) -> Tensor:
        arr = _data_of(input, name)
        if arr.dtype.kind == "c":
            raise RuntimeError(f"{name} is not supported for complex tensors.")
        x, np_out = unary_compute(input)
        result = _finish(x * x.dtype.type(factor), np_out)
        if grad_state.enabled and input._rg:
            node_cls((input,), result)
        return result if out is None else write_out(out, result, name)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


deg2rad = _angle_units_op("deg2rad", _DEG_TO_RAD, Deg2RadBackward0, "Degrees to radians.")
rad2deg = _angle_units_op("rad2deg", _RAD_TO_DEG, Rad2DegBackward0, "Radians to degrees.")


class FrexpBackward0(Node):
    def backward(self, grad):
        # mantissa = x * 2**-exponent with the exponent held fixed.
        scale = np.ldexp(1.0, -self.exponent).astype(grad._data.dtype)
        return (grad * wrap(scale),)


def frexp(input: Tensor, *, out=None):
    """Split into mantissa in [0.5, 1) (signed) and int32 exponent: x = mantissa * 2**exponent."""
    arr = _data_of(input, "frexp")
    if arr.dtype.kind not in "f" and arr.dtype != _BF16:
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    x = arr.astype(_F32) if arr.dtype == _BF16 else arr
    mantissa, exponent = np.frexp(x)
    mantissa = _finish(mantissa, arr.dtype)
    exponent = wrap(exponent.astype(np.int32, copy=False))
    if grad_state.enabled and input._rg:
        FrexpBackward0((input,), mantissa).exponent = exponent._data
    if out is not None:
        _check_frexp_out(out, arr.dtype)
        write_out(out[0], mantissa, "frexp")
        write_out(out[1], exponent, "frexp")
        return _FrexpResult(out)
    return _FrexpResult((mantissa, exponent))


def _check_frexp_out(out, np_dtype) -> None:
    mantissa, exponent = out
    if mantissa.dtype.np != np_dtype:
        raise RuntimeError(f"torch.frexp() expects mantissa to have dtype "
                           f"{_c_type_name(np_dtype)} but got {_c_type_name(mantissa.dtype.np)}")
    if exponent.dtype.np != np.int32:
        raise RuntimeError(f"torch.frexp() expects exponent to have int dtype but got "
                           f"{_c_type_name(exponent.dtype.np)}")


def _c_type_name(np_dtype) -> str:
    return {"float32": "float", "float64": "double", "float16": "c10::Half",
            "bfloat16": "c10::BFloat16", "int64": "long int", "int32": "int", "int16": "short int",
            "int8": "signed char", "uint8": "unsigned char", "bool": "bool",
            "complex64": "c10::complex<float>",
            "complex128": "c10::complex<double>"}[D._BY_NP[np_dtype].name]


# ----------------------------------------------------------------------------------------------
# predicates
# ----------------------------------------------------------------------------------------------

def _predicate(name: str, float_fn, int_value: bool, doc: str, has_out: bool,
               complex_error: str | None = None):
    """Build a bool-valued test: ``float_fn`` on floating/complex data, a constant for
    integers and bool."""
    def compute(input):
        arr = _data_of(input, name)
        if arr.dtype.kind == "c" and complex_error is not None:
            raise RuntimeError(complex_error)
        if arr.dtype.kind in "biu":
            return wrap(np.full_like(arr, int_value, dtype=np.bool_))
        if arr.dtype == _BF16:
            arr = arr.astype(_F32)
        return wrap(float_fn(arr))

    if has_out:
        def op(input: Tensor, *, out: Tensor | None = None) -> Tensor:
            result = compute(input)
            return result if out is None else _write_bool(out, result, name)
    else:
        def op(input: Tensor) -> Tensor:
            return compute(input)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


def _is_pos_inf(x):
    return np.isposinf(x)


def _is_neg_inf(x):
    return np.isneginf(x)


isnan = _predicate("isnan", np.isnan, False, "True where an element is NaN.", False)
isinf = _predicate("isinf", np.isinf, False, "True where an element is ±inf.", False)
isfinite = _predicate("isfinite", np.isfinite, True, "True where an element is finite.", False)
isposinf = _predicate("isposinf", _is_pos_inf, False, "True where an element is +inf.", True,
                      "isposinf does not support complex inputs.")
isneginf = _predicate("isneginf", _is_neg_inf, False, "True where an element is -inf.", True,
                      "isneginf does not support complex inputs.")


def isreal(input: Tensor) -> Tensor:
    """True where an element has no imaginary part (always for real dtypes)."""
    arr = _data_of(input, "isreal")
    if arr.dtype.kind == "c":
        return wrap(arr.imag == 0)
    return wrap(np.ones_like(arr, dtype=np.bool_))


def signbit(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """True where the sign bit is set (so -0.0 counts as negative)."""
    arr = _data_of(input, "signbit")
    if arr.dtype.kind == "c":
        raise NotImplementedError("signbit is not implemented for complex tensors.")
    if arr.dtype.kind in "biu":
        result = wrap(arr < 0 if arr.dtype.kind == "i" else np.zeros_like(arr, dtype=np.bool_))
    else:
        result = wrap(np.signbit(arr.astype(_F32) if arr.dtype == _BF16 else arr))
    return result if out is None else _write_bool(out, result, "signbit")


# ----------------------------------------------------------------------------------------------
# complex numbers: conj, real/imag views, angle
# ----------------------------------------------------------------------------------------------

class ConjBackward0(Node):
    def backward(self, grad):
        return (grad.conj(),)


class ConjPhysicalBackward0(Node):
    def backward(self, grad):
        return (grad.conj_physical(),)


def conj(input: Tensor) -> Tensor:
    """The complex conjugate; real tensors come back as they are.

    PyTorch returns a lazily conjugated view; ember materializes the values (so the result
    does not share memory with ``input``) but remembers the flag for ``is_conj``.
    """
    arr = _data_of(input, "conj")
    if arr.dtype.kind != "c":
        return input
    result = wrap(np.conj(arr))
    if not is_conj(input):
        result._is_conj = True
    if grad_state.enabled and input._rg:
        ConjBackward0((input,), result)
    return result


def conj_physical(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The complex conjugate, computed eagerly; real tensors come back as they are."""
    arr = _data_of(input, "conj_physical")
    if arr.dtype.kind != "c":
        return input if out is None else _write_same_dtype(out, wrap(arr.copy()), "conj_physical")
    result = wrap(np.conj(arr))
    if grad_state.enabled and input._rg:
        ConjPhysicalBackward0((input,), result)
    return result if out is None else _write_same_dtype(out, result, "conj_physical")


def conj_physical_(input: Tensor) -> Tensor:
    """In-place complex conjugate (nothing to do for real tensors)."""
    if input._data.dtype.kind != "c":
        input._bump_version()  # PyTorch counts the no-op write, too
        return input
    return apply_inplace(input, conj_physical(input))


def resolve_conj(input: Tensor) -> Tensor:
    """A tensor without the conjugate flag: ``input`` itself unless it is flagged."""
    if not is_conj(input):
        return input
    from .cast import clone
    return clone(input)


def resolve_neg(input: Tensor) -> Tensor:
    """``input`` itself: ember never keeps a lazy negation."""
    return input


def is_conj(input: Tensor) -> bool:
    """Whether ``input`` came from ``conj`` of a complex tensor (and is not yet resolved)."""
    return bool(getattr(input, "_is_conj", False))


def is_neg(input: Tensor) -> bool:
    """Always False: ember never keeps a lazy negation."""
    return False


class ViewAsRealBackward0(Node):
    def backward(self, grad):
        return (view_as_complex(grad.contiguous()),)


class ViewAsComplexBackward0(Node):
    def backward(self, grad):
        return (view_as_real(grad.contiguous()),)


def view_as_real(input: Tensor) -> Tensor:
    """A real view of a complex tensor with a trailing dimension of size 2 (real, imaginary)."""
    arr = _data_of(input, "view_as_real")
    if arr.dtype.kind != "c":
        raise RuntimeError("view_as_real is only supported for complex tensors")
    if is_conj(input):
        raise RuntimeError("view_as_real doesn't work on unresolved conjugated tensors.  To "
                           "resolve the conjugate tensor so you can view it as real, use "
                           "self.resolve_conj(); however, be warned that the resulting tensor "
                           "will NOT alias the original.")
    return _view_as_real(input)


def _view_as_real(input: Tensor) -> Tensor:
    arr = input._data
    real_dtype = _F32 if arr.dtype == np.complex64 else _F64
    # A trailing size-1 axis lets NumPy reinterpret each complex as two reals in place.
    result = input._make_view(arr[..., None].view(real_dtype))
    if grad_state.enabled and input._rg:
        ViewAsRealBackward0((input,), result)
    return result


def view_as_complex(input: Tensor) -> Tensor:
    """A complex view of a float tensor whose last dimension (size 2, stride 1) holds the real
    and imaginary parts."""
    arr = _data_of(input, "view_as_complex")
    if arr.dtype not in (_F32, _F64):
        if arr.dtype == np.float16:
            raise RuntimeError("view_as_complex: ember has no complex32 dtype for half tensors")
        raise RuntimeError(f"view_as_complex is only supported for half, float and double "
                           f"tensors, but got a tensor of scalar type: "
                           f"{_type_word(D._BY_NP[arr.dtype])}")
    if arr.ndim == 0:
        raise RuntimeError("Input tensor must have one or more dimensions")
    if arr.shape[-1] != 2:
        raise RuntimeError("Tensor must have a last dimension of size 2")
    from .._storage import element_strides, storage_offset
    strides = element_strides(arr)
    if strides[-1] != 1:
        raise RuntimeError("Tensor must have a last dimension with stride 1")
    if any(s % 2 for s in strides[:-1]):
        raise RuntimeError("Tensor must have a stride divisible by 2 for all but last dimension")
    if storage_offset(arr) % 2:
        raise RuntimeError("Tensor must have a storage_offset divisible by 2")
    complex_dtype = np.complex64 if arr.dtype == _F32 else np.complex128
    result = input._make_view(arr.view(complex_dtype)[..., 0])
    if grad_state.enabled and input._rg:
        ViewAsComplexBackward0((input,), result)
    return result


def real(input: Tensor) -> Tensor:
    """The real part, as a view for complex tensors (``input`` itself for real ones)."""
    arr = _data_of(input, "real")
    if arr.dtype.kind != "c":
        return input
    return _complex_part(input, 0)


def imag(input: Tensor) -> Tensor:
    """The imaginary part of a complex tensor, as a view."""
    arr = _data_of(input, "imag")
    if arr.dtype.kind != "c":
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return _complex_part(input, 1)


def _complex_part(input: Tensor, index: int) -> Tensor:
    # PyTorch forms x.real as view_as_real(x)[..., 0]: its grad_fn is a SelectBackward0.
    if not (grad_state.enabled and input._rg):
        arr = input._data
        return input._make_view(arr.real if index == 0 else arr.imag)
    from .index import getitem
    return getitem(_view_as_real(input), (Ellipsis, index))


class AngleBackward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        if not x.is_complex():
            return (_zeros_like(x),)
        # d angle = Im(dz / z): the gradient is grad * i z / |z|^2 (0 at z = 0).
        magnitude = abs(x)
        values = grad * x / (magnitude * magnitude) * 1j
        return (_masked_fill(values, x._data == 0, 0),)


def angle(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The argument of each complex element; for reals 0 (x >= 0), pi (x < 0) or NaN."""
    arr = _data_of(input, "angle")
    if arr.dtype.kind == "c":
        result = wrap(np.angle(arr))
    else:
        x, np_out = unary_compute(input)
        values = np.where(x < 0, x.dtype.type(math.pi), x.dtype.type(0))
        values[np.isnan(x)] = np.nan
        result = _finish(values, np_out)
    if grad_state.enabled and input._rg:
        AngleBackward0((input,), result).save(input)
    return result if out is None else write_out(out, result, "angle")


# ----------------------------------------------------------------------------------------------
# in-place forms and Tensor methods
# ----------------------------------------------------------------------------------------------

def _inplace(fn, name: str):
    def method(self: Tensor, *args, **kwargs) -> Tensor:
        return apply_inplace(self, fn(self, *args, **kwargs))
    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"In-place version of :func:`{name[:-1]}`."
    return method


# Functions PyTorch also offers as ``torch.<name>_``.
_MODULE_INPLACE = ["exp", "expm1", "exp2", "log", "log1p", "log2", "log10", "sqrt", "rsqrt",
                   "square", "sin", "cos", "tan", "asin", "arcsin", "acos", "arccos", "atan",
                   "arctan", "sinh", "cosh", "tanh", "asinh", "arcsinh", "acosh", "arccosh",
                   "atanh", "arctanh", "sigmoid", "logit", "erf", "erfc", "i0", "sinc", "floor",
                   "ceil", "round", "trunc", "fix", "frac", "nan_to_num", "deg2rad", "rad2deg"]
# ... and those that exist only as ``Tensor.<name>_``.
_METHOD_INPLACE = ["erfinv", "lgamma", "digamma", "sign", "sgn"]

for _name in _MODULE_INPLACE + _METHOD_INPLACE:
    globals()[_name + "_"] = _inplace(globals()[_name], _name + "_")
del _name


def _polygamma_method(self: Tensor, n: int) -> Tensor:
    return polygamma(n, self)


def _polygamma_inplace(self: Tensor, n: int) -> Tensor:
    return apply_inplace(self, polygamma(n, self))


_METHODS = ["abs", "absolute", "exp", "expm1", "exp2", "log", "log1p", "log2", "log10", "sqrt",
            "rsqrt", "square", "sin", "cos", "tan", "asin", "arcsin", "acos", "arccos", "atan",
            "arctan", "sinh", "cosh", "tanh", "asinh", "arcsinh", "acosh", "arccosh", "atanh",
            "arctanh", "sigmoid", "logit", "erf", "erfc", "erfinv", "lgamma", "digamma",
            "mvlgamma", "i0", "sinc", "floor", "ceil", "round", "trunc", "fix", "frac", "sign",
            "sgn", "positive", "nan_to_num", "isnan", "isinf", "isposinf", "isneginf",
            "isfinite", "isreal", "signbit", "deg2rad", "rad2deg", "conj", "conj_physical",
            "resolve_conj", "resolve_neg", "is_conj", "is_neg", "angle", "relu", "frexp"]
bind_methods(_METHODS + [n + "_" for n in _MODULE_INPLACE + _METHOD_INPLACE]
             + ["abs_", "absolute_", "relu_", "conj_physical_"], globals())
Tensor.mvlgamma_ = _inplace(mvlgamma, "mvlgamma_")
Tensor.polygamma = _polygamma_method
Tensor.polygamma_ = _polygamma_inplace

__all__ = _METHODS + [
    "polygamma", "real", "imag", "view_as_real", "view_as_complex", "abs_", "relu_",
    "conj_physical_"] + [n + "_" for n in _MODULE_INPLACE]
