"""Activation functions: the elementwise nonlinearities of ``torch.nn`` (ELU, GELU, SiLU, the
hard* family, shrinkage, softplus, PReLU, RReLU, ...), GLU and softmax / log-softmax.

Each primitive computes its forward pass on the backend array and records a node named as
PyTorch's grad_fn.  A node's backward formula is written once, as a function of an array
namespace: with plain NumPy when no graph is being built (the common, fast case) and with
ember ops under ``create_graph=True`` so that double backward works.  float16 / bfloat16 are
computed in float32 and rounded once, as PyTorch's CPU kernels do.
"""
from __future__ import annotations

import math

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.grad_mode import state as grad_state
from ..autograd.node import Node
from ..backends import holds_values
from . import _special
from ._dispatch import _type_word, apply_inplace, bind_methods
from .binary import _ERRSTATE, _IGNORE_ALL

_make = Tensor._make
_F32 = np.dtype(np.float32)
_HALF_TYPES = (np.dtype(np.float16), D.bfloat16.np)

# SELU's constants (Klambauer et al., 2017).
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
_SQRT1_2 = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_GELU_BETA = math.sqrt(2.0 / math.pi)
_GELU_KAPPA = 0.044715


# ----------------------------------------------------------------------------------------------
# shared machinery
# ----------------------------------------------------------------------------------------------

class _NumpyMath:
    """Backward formulas evaluated on NumPy arrays (no graph)."""

    exp = staticmethod(np.exp)
    tanh = staticmethod(np.tanh)
    log1p = staticmethod(np.log1p)
    abs = staticmethod(np.abs)
    where = staticmethod(np.where)

    @staticmethod
    def erf(x):
        return _special.erf(np.asarray(x, dtype=np.float64)).astype(x.dtype, copy=False)

    @staticmethod
    def sigmoid(x):
        return 1 / (1 + np.exp(-x))


class _EmberMath:
    """The same formulas on ember tensors, so that the gradient is itself differentiable."""

    @staticmethod
    def exp(x):
        return x.exp()

    @staticmethod
    def tanh(x):
        return x.tanh()

    @staticmethod
    def log1p(x):
        return x.log1p()

    @staticmethod
    def abs(x):
        return x.abs()

    @staticmethod
    def erf(x):
        return x.erf()

    @staticmethod
    def sigmoid(x):
        return x.sigmoid()

    @staticmethod
    def where(condition, a, b):
        from .binary import where
        return where(condition, a, b)


def _quiet():
    """Silence NumPy's floating-point warnings (cheaper than entering np.errstate, which costs
    as much as the math on small inputs); pass the token to :func:`_loud` afterwards."""
    if _ERRSTATE is None:
        state = np.errstate(all="ignore")
        state.__enter__()
        return state
    return _ERRSTATE.set(_IGNORE_ALL)


def _loud(token) -> None:
    if _ERRSTATE is None:
        token.__exit__(None, None, None)
    else:
        _ERRSTATE.reset(token)


def _check_tensor(input, name: str) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")


def _not_implemented(kernel: str, np_dtype) -> NotImplementedError:
    return NotImplementedError(f'"{kernel}" not implemented for '
                               f"'{_type_word(D._BY_NP[np_dtype])}'")


def _floating(input, kernel: str, name: str):
    """(array to compute on, result dtype) for a kernel defined on real floats only."""
    _check_tensor(input, name)
    arr = input._data
    dt = arr.dtype
    if dt.kind == "f" and dt.itemsize >= 4:
        return arr, dt
    if dt in _HALF_TYPES:
        return arr.astype(_F32), dt
    raise _not_implemented(kernel, dt)


def _finish(values, np_dtype) -> Tensor:
    if not hasattr(values, "dtype") or isinstance(values, np.generic):
        values = np.asarray(values)  # NumPy hands back scalars from 0-d math
    if values.dtype != np_dtype:
        values = values.astype(np_dtype)
    return _make(values)


class _Elementwise(Node):
    """Backward of an elementwise activation: ``grad * f'(x)`` written once in ``formula``.

    Subclasses define ``formula(self, grad, x, M)`` where ``M`` is the array namespace;
    the saved tensor is the input unless ``saves_result`` is set.
    """

    def formula(self, grad, x, M):  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def backward(self, grad):
        (x,) = self.saved_tensors
        if grad_state.enabled:
            return (self.formula(grad, x, _EmberMath),)
        g, a = grad._data, x._data
        dt = a.dtype
        if dt in _HALF_TYPES:
            g, a = g.astype(_F32), a.astype(_F32)
        elif g.dtype != dt:
            g = g.astype(dt)
        with np.errstate(all="ignore"):
            return (_finish(self.formula(g, a, _NumpyMath), dt),)


def _activation(input: Tensor, values, np_dtype, node_cls, **attributes) -> Tensor:
    """Wrap forward ``values`` and record ``node_cls`` (saving the input) when needed."""
    result = _finish(values, np_dtype)
    if grad_state.enabled and input._rg:
        node = node_cls((input,), result)
        node.save(input)
        for key, value in attributes.items():
            setattr(node, key, value)
    return result


def _inplace(fn, name: str, node_cls=None):
    """The in-place form of ``fn``; ``node_cls`` renames its node where PyTorch's in-place
    kernel has a grad_fn of its own (EluBackward1 for elu_, ...)."""
    def method(input: Tensor, *args, **kwargs) -> Tensor:
        result = fn(input, *args, **kwargs)
        if node_cls is not None and result.grad_fn is not None:
            result.grad_fn.__class__ = node_cls
        return apply_inplace(input, result)
    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"In-place version of :func:`{name[:-1]}`."
    return method


# ----------------------------------------------------------------------------------------------
# threshold, hardtanh, relu6
# ----------------------------------------------------------------------------------------------

class ThresholdBackward0(_Elementwise):
    def formula(self, grad, x, M):
        return M.where(x <= self.threshold, 0, grad)


def _scalar_for(value, np_dtype):
    """A Python bound cast to the tensor's kind (integer tensors truncate float bounds)."""
    if np_dtype.kind in "iu":
        return int(value)
    return value


def threshold(input: Tensor, threshold: float, value: float) -> Tensor:
    """``input`` where it is above ``threshold``, else ``value``."""
    _check_tensor(input, "threshold")
    arr = input._data
    if arr.dtype == np.bool_ or arr.dtype.kind == "c":
        raise _not_implemented("threshold_cpu", arr.dtype)
    compute = arr.astype(_F32) if arr.dtype in _HALF_TYPES else arr
    from .creation import checked_scalar
    # Both numbers convert to the tensor's type refusing overflow (uint8 with value=300
    # raises); half types compare against the threshold in float32, so only it may exceed.
    dtype = D._BY_NP[arr.dtype]
    limit = checked_scalar(threshold, dtype) if arr.dtype.kind in "iu" else threshold
    fill = np.asarray(checked_scalar(value, dtype)).astype(compute.dtype)
    values = np.where(compute <= limit, fill, compute)
    return _activation(input, values, arr.dtype, ThresholdBackward0, threshold=limit)


class ThresholdBackward1(ThresholdBackward0):
    pass


threshold_ = _inplace(threshold, "threshold_", ThresholdBackward1)


class HardtanhBackward0(_Elementwise):
    def formula(self, grad, x, M):
        return M.where((x <= self.min_val) | (x >= self.max_val), 0, grad)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """``input`` clamped to [min_val, max_val]."""
    _check_tensor(input, "hardtanh")
    arr = input._data
    if arr.dtype == np.bool_:
        raise RuntimeError("Bool inputs not supported for hardtanh")
    if arr.dtype.kind == "c":
        raise NotImplementedError("clamp is not supported for complex types")
    compute = arr.astype(_F32) if arr.dtype in _HALF_TYPES else arr
    low, high = _scalar_for(min_val, arr.dtype), _scalar_for(max_val, arr.dtype)
    values = np.minimum(np.maximum(compute, low), high).astype(compute.dtype, copy=False)
    # NaN passes through, as in PyTorch's clamp (np.maximum propagates it too).
    return _activation(input, values, arr.dtype, HardtanhBackward0, min_val=low, max_val=high)


hardtanh_ = _inplace(hardtanh, "hardtanh_")


def relu6(input: Tensor) -> Tensor:
    """min(max(x, 0), 6)."""
    return hardtanh(input, 0.0, 6.0)


relu6_ = _inplace(relu6, "relu6_")


# ----------------------------------------------------------------------------------------------
# leaky ReLU, PReLU, RReLU
# ----------------------------------------------------------------------------------------------

class LeakyReluBackward0(_Elementwise):
    def formula(self, grad, x, M):
        return M.where(x > 0, grad, grad * self.negative_slope)


def leaky_relu(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """x for x > 0, else negative_slope * x."""
    x, dt = _floating(input, "leaky_relu_cpu", "leaky_relu")
    values = np.where(x > 0, x, x * negative_slope)
    return _activation(input, values, dt, LeakyReluBackward0, negative_slope=negative_slope)


class LeakyReluBackward1(LeakyReluBackward0):
    pass


leaky_relu_ = _inplace(leaky_relu, "leaky_relu_", LeakyReluBackward1)


class PreluKernelBackward0(Node):
    def backward(self, grad):
        x, weight = self.saved_tensors
        from .binary import where
        # The weight is broadcast along dim 1; its gradient sums over every other dim.
        w = _prelu_broadcast(weight, x._data.ndim)
        positive = x > 0
        g_input = where(positive, grad, grad * w) if self._next[0] is not None else None
        g_weight = None
        if self._next[1] is not None:
            contribution = where(positive, 0, x * grad)
            dims = tuple(d for d in range(x._data.ndim) if not (d == 1 and weight.numel() != 1))
            g_weight = contribution.sum(dims) if dims else contribution
            g_weight = g_weight.reshape(weight._data.shape)
        return g_input, g_weight


def _prelu_broadcast(weight: Tensor, ndim: int) -> Tensor:
    """The weight shaped to broadcast over an input of ``ndim`` dims (channels on dim 1)."""
    if weight._data.ndim == ndim:
        return weight
    shape = [1] * ndim
    if ndim > 1:
        shape[1] = weight.numel()
    return weight.reshape(shape)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """x for x > 0, else weight * x with one learnable slope per channel (dim 1) or one shared."""
    _check_tensor(input, "prelu")
    arr, w = input._data, weight._data
    if arr.dtype != w.dtype:
        raise RuntimeError(f"prelu: Type promoting not supported. Got "
                           f"{_type_word(input.dtype)} and {_type_word(weight.dtype)}")
    if w.size != 1:
        if arr.ndim == 0:
            raise RuntimeError("Not allow zero-dim input tensor.")
        channels = arr.shape[1] if arr.ndim > 1 else 1
        if channels != w.size:
            raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found "
                               f"parameter numbers = {w.size} and channel size = {channels}.")
    if w.ndim > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: "
                           f"ndim = {w.ndim}")
    x, dt = _floating(input, "prelu_cpu", "prelu")
    slopes = _prelu_broadcast(weight, arr.ndim)._data.astype(x.dtype, copy=False)
    values = np.where(x > 0, x, slopes * x)
    result = _finish(values, dt)
    if grad_state.enabled and (input._rg or weight._rg):
        PreluKernelBackward0((input, weight), result).save(input, weight)
    return result


class RreluWithNoiseBackward0(_Elementwise):
    def formula(self, grad, x, M):
        if self.noise is not None:
            noise = self.noise if M is _NumpyMath else _make(self.noise)
            return grad * noise
        return M.where(x > 0, grad, grad * self.negative_slope)


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          generator=None) -> Tensor:
    """Randomized leaky ReLU: in training each non-positive element gets a slope drawn from
    U(lower, upper); in evaluation the slope is their mean."""
    x, dt = _floating(input, "leaky_relu_cpu", "rrelu")
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")
    if training and input._data.dtype == np.float16:   # PyTorch's training kernel lacks Half
        raise _not_implemented("rrelu_with_noise_out_cpu", input._data.dtype)
    noise = None
    if training and not holds_values(x):
        noise = np.empty_like(x)  # meta: no slopes to draw (and no random numbers spent)
        values = x * noise
    elif training:
        from ..ops.random import _generator
        g = _generator(generator, "rrelu")
        flat = np.ascontiguousarray(x).reshape(-1)
        negative = flat <= 0
        # One double draw per non-positive element, in memory order, as PyTorch's CPU loop,
        # whose bounds are first held in the input's compute type (float below double); that
        # loop is compiled without fused multiply-adds, so u * (upper - lower) + lower rounds
        # twice.
        if x.dtype != np.float64:
            lower, upper = float(np.float32(lower)), float(np.float32(upper))
        slopes = g.uniform53(int(negative.sum())) * (upper - lower) + lower
        noise_flat = np.ones(flat.shape, dtype=x.dtype)
        noise_flat[negative] = slopes.astype(x.dtype)
        noise = noise_flat.reshape(x.shape)
        values = x * noise
    else:
        values = np.where(x > 0, x, x * ((lower + upper) / 2))
    # The noise is used for the gradient only when the interval is not degenerate.
    use_noise = training and upper - lower > 1e-6
    return _activation(input, values, dt, RreluWithNoiseBackward0,
                       noise=noise if use_noise else None,
                       negative_slope=(lower + upper) / 2)


class RreluWithNoiseBackward1(RreluWithNoiseBackward0):
    pass


rrelu_ = _inplace(rrelu, "rrelu_", RreluWithNoiseBackward1)


# ----------------------------------------------------------------------------------------------
# ELU, SELU, CELU
# ----------------------------------------------------------------------------------------------

class EluBackward0(_Elementwise):
    def formula(self, grad, x, M):
        negative = grad * (self.input_scale * self.alpha * self.scale) * M.exp(x * self.input_scale)
        return M.where(x <= 0, negative, grad * self.scale)


class CeluBackward0(EluBackward0):
    pass


def _elu(input: Tensor, alpha: float, scale: float, input_scale: float, node_cls,
         name: str) -> Tensor:
    x, dt = _floating(input, "elu_cpu", name)
    with np.errstate(over="ignore", invalid="ignore"):
        negative = np.expm1(x * input_scale) * (alpha * scale)
        values = np.where(x <= 0, negative, x * scale)
    return _activation(input, values, dt, node_cls, alpha=alpha, scale=scale,
                       input_scale=input_scale)


def elu(input: Tensor, alpha: float = 1.0, scale: float = 1.0, input_scale: float = 1.0) -> Tensor:
    """x for x > 0, else alpha * (exp(x) - 1) (with optional output / input scales)."""
    return _elu(input, alpha, scale, input_scale, EluBackward0, "elu")


class EluBackward1(EluBackward0):
    pass


class CeluBackward1(CeluBackward0):
    pass


elu_ = _inplace(elu, "elu_", EluBackward1)


def selu(input: Tensor) -> Tensor:
    """Scaled ELU with the self-normalizing constants."""
    return _elu(input, SELU_ALPHA, SELU_SCALE, 1.0, EluBackward0, "selu")


selu_ = _inplace(selu, "selu_", EluBackward1)


def celu(input: Tensor, alpha: float = 1.0) -> Tensor:
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1))."""
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    result = _elu(input, alpha, 1.0, 1.0 / alpha, CeluBackward0, "celu")
    if result.grad_fn is not None:
        # PyTorch's CELU derivative takes 1 / alpha with alpha rounded to float32 first.
        result.grad_fn.input_scale = 1.0 / float(np.float32(alpha))
    return result


celu_ = _inplace(celu, "celu_", CeluBackward1)


# ----------------------------------------------------------------------------------------------
# GELU, SiLU, Mish, LogSigmoid
# ----------------------------------------------------------------------------------------------

class GeluBackward0(_Elementwise):
    def formula(self, grad, x, M):
        if self.approximate == "tanh":
            x_sq = x * x
            tanh_inner = M.tanh(_GELU_BETA * (x + _GELU_KAPPA * x_sq * x))
            left_derivative = 0.5 * (1 + tanh_inner)
            right_derivative = (0.5 * x) * (1 - tanh_inner * tanh_inner) * _GELU_BETA * (
                1 + 3 * _GELU_KAPPA * x_sq)
            return grad * (left_derivative + right_derivative)
        cdf = 0.5 * (1 + M.erf(x * _SQRT1_2))
        pdf = M.exp(-0.5 * x * x) * _INV_SQRT_2PI
        return grad * (cdf + x * pdf)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x * Phi(x), Phi the standard normal CDF; ``approximate='tanh'`` uses the tanh formula."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    x, dt = _floating(input, "GeluKernelImpl", "gelu")
    if approximate == "tanh":
        inner = _GELU_BETA * (x + _GELU_KAPPA * x * x * x)
        values = 0.5 * x * (1 + np.tanh(inner))
    elif type(x) is not np.ndarray:
        values = x * 0.5  # meta arrays carry shapes only
    else:
        cdf = _special.erf(x.astype(np.float64) * _SQRT1_2)
        values = x * (0.5 * (1 + cdf)).astype(x.dtype, copy=False)
    return _activation(input, values, dt, GeluBackward0, approximate=approximate)


class SiluBackward0(_Elementwise):
    def formula(self, grad, x, M):
        sig = M.sigmoid(x)
        return grad * (sig * (1 + x * (1 - sig)))


def silu(input: Tensor) -> Tensor:
    """x * sigmoid(x) (the swish function)."""
    x, dt = _floating(input, "silu_cpu", "silu")
    with np.errstate(over="ignore"):
        values = x / (1 + np.exp(-x))
    return _activation(input, values, dt, SiluBackward0)


silu_ = _inplace(silu, "silu_")


class MishBackward0(_Elementwise):
    def formula(self, grad, x, M):
        sig = M.sigmoid(x)
        tanh_softplus = M.tanh(M.log1p(M.exp(x)))
        return grad * (tanh_softplus + x * sig * (1 - tanh_softplus * tanh_softplus))


def mish(input: Tensor) -> Tensor:
    """x * tanh(softplus(x))."""
    x, dt = _floating(input, "mish_cpu", "mish")
    with np.errstate(over="ignore"):
        values = x * np.tanh(np.log1p(np.exp(x)))
    return _activation(input, values, dt, MishBackward0)


mish_ = _inplace(mish, "mish_")


class LogSigmoidBackward0(_Elementwise):
    def formula(self, grad, x, M):
        z = M.exp(-M.abs(x))
        return grad * (M.where(x < 0, 1, z) / (1 + z))


def log_sigmoid(input: Tensor) -> Tensor:
    """log(sigmoid(x)), computed without overflow as min(x, 0) - log1p(exp(-|x|))."""
    x, dt = _floating(input, "log_sigmoid_cpu", "log_sigmoid")
    values = np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))
    return _activation(input, values, dt, LogSigmoidBackward0)


# ----------------------------------------------------------------------------------------------
# hardsigmoid, hardswish, hardshrink, softshrink, softplus
# ----------------------------------------------------------------------------------------------

# PyTorch's hard* backward kernels use 1/6 computed in float32, even for float64.
_ONE_SIXTH = float(np.float32(1.0) / np.float32(6.0))


class HardsigmoidBackward0(_Elementwise):
    def formula(self, grad, x, M):
        return M.where((x > -3) & (x < 3), grad * _ONE_SIXTH, 0)


def hardsigmoid(input: Tensor) -> Tensor:
    """relu6(x + 3) / 6."""
    x, dt = _floating(input, "hardsigmoid_cpu", "hardsigmoid")
    values = np.minimum(np.maximum(x + 3, 0), 6) / 6
    return _activation(input, values, dt, HardsigmoidBackward0)


hardsigmoid_ = _inplace(hardsigmoid, "hardsigmoid_")


class HardswishBackward0(_Elementwise):
    def formula(self, grad, x, M):
        middle = grad * (x / 3 + 0.5)
        return M.where(x <= -3, 0, M.where(x < 3, middle, grad))


def hardswish(input: Tensor) -> Tensor:
    """x * relu6(x + 3) / 6."""
    x, dt = _floating(input, "hardswish_cpu", "hardswish")
    values = x * np.minimum(np.maximum(x + 3, 0), 6) / 6
    return _activation(input, values, dt, HardswishBackward0)


hardswish_ = _inplace(hardswish, "hardswish_")


class HardshrinkBackward0(_Elementwise):
    def formula(self, grad, x, M):
        return M.where((x >= -self.lambd) & (x <= self.lambd), 0, grad)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x where |x| > lambd, else 0."""
    x, dt = _floating(input, "hardshrink_cpu", "hardshrink")
    values = np.where((x >= -lambd) & (x <= lambd), 0, x)
    return _activation(input, values, dt, HardshrinkBackward0, lambd=lambd)


class SoftshrinkBackward0(HardshrinkBackward0):
    pass


_FLOAT_MAX = {"Float": "3.40282e+38", "Double": "1.79769e+308", "Half": "65504",
              "BFloat16": "3.38953e+38"}


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x - lambd above lambd, x + lambd below -lambd, 0 in between."""
    x, dt = _floating(input, "softshrink_check", "softshrink")
    if lambd < 0:
        word = _type_word(D._BY_NP[dt])
        raise RuntimeError(f"lambda must be in range [0, {_FLOAT_MAX[word]}] for input dtype "
                           f"{word}, but found {lambd:g}")
    # x * 0 (not 0) in the middle keeps NaN as NaN.
    values = np.where(x > lambd, x - lambd, np.where(x < -lambd, x + lambd, x * 0))
    return _activation(input, values, dt, SoftshrinkBackward0, lambd=lambd)


class SoftplusBackward0(_Elementwise):
    def formula(self, grad, x, M):
        scaled = x * self.beta
        z = M.exp(scaled)
        return M.where(scaled > self.threshold, grad, grad * z / (z + 1))


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta * x)) / beta, linear where beta * x exceeds ``threshold``."""
    x, dt = _floating(input, "softplus_cpu", "softplus")
    scaled = x * beta
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        values = np.where(scaled > threshold, x, np.log1p(np.exp(scaled)) / beta)
    return _activation(input, values, dt, SoftplusBackward0, beta=beta, threshold=threshold)


# ----------------------------------------------------------------------------------------------
# GLU
# ----------------------------------------------------------------------------------------------

class GluBackward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        first, second = x.chunk(2, self.dim)
        gate = second.sigmoid()
        g_first = grad * gate
        g_second = grad * first * gate * (1 - gate)
        from .join import cat
        return (cat([g_first, g_second], self.dim),)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """The gated linear unit: first half of ``dim`` times sigmoid of the second half."""
    x, dt = _floating(input, "glu_cpu", "glu")
    if x.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    from .reduce import wrap_dim
    axis = wrap_dim(dim, x.ndim, "glu")
    size = x.shape[axis]
    if size % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {axis} is size {size}")
    first, second = np.split(x, 2, axis=axis)
    with np.errstate(over="ignore"):
        values = first / (1 + np.exp(-second))
    result = _finish(values, dt)
    if grad_state.enabled and input._rg:
        node = GluBackward0((input,), result)
        node.save(input)
        node.dim = axis
    return result


# ----------------------------------------------------------------------------------------------
# softmax / log_softmax
# ----------------------------------------------------------------------------------------------

class SoftmaxBackward0(Node):
    def backward(self, grad):
        (y,) = self.saved_tensors
        dim = self.dim
        if not grad_state.enabled and _plain(grad, y):
            g, out = grad._data, y._data
            product = g * out
            product -= out * product.sum(dim, keepdims=True)
            return (_make(product),)
        return (y * (grad - (grad * y).sum(dim, keepdim=True)),)


class LogSoftmaxBackward0(Node):
    def backward(self, grad):
        (y,) = self.saved_tensors
        dim = self.dim
        if not grad_state.enabled and _plain(grad, y):
            g, out = grad._data, y._data
            result = np.exp(out)
            result *= -g.sum(dim, keepdims=True)
            result += g
            return (_make(result),)
        return (grad - y.exp() * grad.sum(dim, keepdim=True),)


def _plain(grad: Tensor, result: Tensor) -> bool:
    g, r = grad._data, result._data
    return (type(g) is np.ndarray and type(r) is np.ndarray and g.dtype == r.dtype
            and g.dtype.itemsize >= 4 and g.shape == r.shape)


def _softmax_input(input, dim, dtype, name: str):
    """The (possibly cast) input, its compute array, result dtype and the wrapped dim."""
    _check_tensor(input, name)
    if dtype is not None:
        input = input.to(dtype)
    arr = input._data
    ndim = arr.ndim
    bound = max(ndim, 1)
    if not isinstance(dim, int) or isinstance(dim, bool):
        dim = int(dim)
    if dim < -bound or dim >= bound:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-bound}, "
                         f"{bound - 1}], but got {dim})")
    axis = dim % bound
    dt = arr.dtype
    if not (dt.kind == "f" or dt in _HALF_TYPES):
        if arr.size == 0:
            # PyTorch never reaches the kernel for an empty tensor: any dtype passes through.
            return input, np.empty(arr.shape, _F32), dt, (axis if ndim else None)
        kernel = "_lastdim_kernel_impl" if axis == bound - 1 else "_kernel_impl"
        raise _not_implemented(name + kernel, dt)
    x = arr.astype(_F32) if dt in _HALF_TYPES else arr
    return input, x, dt, (axis if ndim else None)


def _shifted(x, axis):
    """x minus its max along ``axis`` (infinite maxima shift by 0, so -inf rows stay -inf)."""
    if axis is None:
        return x - x
    if x.size == 0:
        return x.copy()
    peak = np.maximum.reduce(x, axis=axis, keepdims=True)
    if type(peak) is np.ndarray and not np.isfinite(peak).all():
        peak = np.where(np.isfinite(peak), peak, 0)
    return x - peak


_HALF_VECTOR = 16  # half values in one of PyTorch's AVX2 vectors (256 bits)


def _rounded_to(values, np_dtype):
    """float32 ``values`` rounded to a half type's precision (still as float32)."""
    return values.astype(np_dtype).astype(_F32)


def _inner_dim_half_exps(e, np_dtype, axis: int):
    """The exponentials of a half-type softmax over a dim that is not the last, as PyTorch's
    kernel holds them before dividing by their sum: rounded to the half type at the positions
    its scalar loop handles, kept in float32 where its vector loop does."""
    outer = math.prod(e.shape[:axis])
    inner = math.prod(e.shape[axis + 1:])
    if inner < _HALF_VECTOR:  # (no vector fits: all scalar)
        return _rounded_to(e, np_dtype)
    vector = _vector_positions(outer, inner).reshape(outer, 1, inner)
    grouped = e.reshape(outer, e.shape[axis], inner)
    return np.where(vector, grouped, _rounded_to(grouped, np_dtype)).reshape(e.shape)


def _vector_positions(outer: int, inner: int):
    """Which of the outer * inner positions PyTorch's loop takes a vector at a time: it splits
    them evenly between its threads, and in each thread's share steps through a row of inner
    positions a vector at a time while a whole vector fits both the row and the share (the
    rest one at a time)."""
    from .._settings import get_num_threads
    total = outer * inner
    share = -(-total // max(1, min(get_num_threads(), total)))
    position = np.arange(total)
    begin = position // share * share
    end = np.minimum(begin + share, total)
    column = position % inner
    row = position - column
    # Vectors start at the share's first position in its first row, at 0 in the next rows.
    first = np.where(row <= begin, begin - row, 0)
    vector_end = first + (column - first) // _HALF_VECTOR * _HALF_VECTOR + _HALF_VECTOR
    return (vector_end <= inner) & (row + vector_end <= end)


def softmax(input: Tensor, dim: int, dtype=None) -> Tensor:
    """exp(x) / sum(exp(x)) along ``dim`` (``dtype``: cast the input first)."""
    input, x, dt, axis = _softmax_input(input, dim, dtype, "softmax")
    token = _quiet()
    try:
        e = np.exp(_shifted(x, axis))
        if axis is not None:
            total = np.add.reduce(e, axis=axis, keepdims=True)
            if dt in _HALF_TYPES and axis != x.ndim - 1 and e.size:
                e = _inner_dim_half_exps(e, dt, axis)
            e /= total
    finally:
        _loud(token)
    result = _finish(e, dt)
    if grad_state.enabled and input._rg:
        node = SoftmaxBackward0((input,), result)
        node.save(result)
        node.dim = axis if axis is not None else ()
    return result


def log_softmax(input: Tensor, dim: int, dtype=None) -> Tensor:
    """x - log(sum(exp(x))) along ``dim``, with one exponential pass."""
    input, x, dt, axis = _softmax_input(input, dim, dtype, "log_softmax")
    token = _quiet()
    try:
        shifted = _shifted(x, axis)
        if axis is not None:
            total = np.add.reduce(np.exp(shifted), axis=axis, keepdims=True)
            if dt in _HALF_TYPES and axis == x.ndim - 1:
                # PyTorch's last-dim kernel keeps the sum, then its log, in the half type.
                shifted -= _rounded_to(np.log(_rounded_to(total, dt)), dt)
            else:
                shifted -= np.log(total)
    finally:
        _loud(token)
    result = _finish(shifted, dt)
    if grad_state.enabled and input._rg:
        node = LogSoftmaxBackward0((input,), result)
        node.save(result)
        node.dim = axis if axis is not None else ()
    return result


# ----------------------------------------------------------------------------------------------
# Tensor methods and exports
# ----------------------------------------------------------------------------------------------

def _softmax_method(self: Tensor, dim, dtype=None) -> Tensor:
    return softmax(self, dim, dtype=dtype)


def _log_softmax_method(self: Tensor, dim, dtype=None) -> Tensor:
    return log_softmax(self, dim, dtype=dtype)


Tensor.softmax = _softmax_method
Tensor.log_softmax = _log_softmax_method
bind_methods(["prelu", "hardshrink"], globals())

__all__ = ["softmax", "log_softmax", "selu", "selu_", "celu", "celu_", "rrelu", "rrelu_",
           "prelu", "hardshrink", "threshold", "threshold_"]
