"""Binary and ternary elementwise ops, each with its backward beside it.

Rounded division, remainders, powers, the atan2/hypot/copysign family, the max/min families,
log-sum-exp, comparisons, logical and bitwise ops, clamp, where, lerp, addcmul and addcdiv.

Every op follows the same steps: PyTorch's type promotion (``binary_operands``), a dtype check
that raises PyTorch's error for kernels it does not have, one vectorised NumPy kernel (half
types computed in float32 and rounded once), then the backward node when grad is recorded.
"""
from __future__ import annotations

import cmath
import math
import warnings

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.grad_mode import state as grad_state
from ..autograd.node import Node
from ..backends import require_values, result_array
from ._dispatch import _type_word, apply_inplace, binary_operands, bind_methods, write_out

wrap = Tensor._make
_BY_NP = D._BY_NP
_NUMBERS = (bool, int, float, complex, np.number, np.bool_)
_BOOL = np.dtype(np.bool_)
_F32 = np.dtype(np.float32)
_F64 = np.dtype(np.float64)
_INTS = frozenset(np.dtype(t) for t in (np.uint8, np.int8, np.int16, np.int32, np.int64))
_FLOATS = frozenset((np.dtype(np.float16), D.bfloat16.np, _F32, _F64))
_HALVES = frozenset((np.dtype(np.float16), D.bfloat16.np))
_COMPLEX = frozenset((np.dtype(np.complex64), np.dtype(np.complex128)))
_INEXACT = _FLOATS | _COMPLEX
_F16 = np.dtype(np.float16)
_C64 = np.dtype(np.complex64)


# ----------------------------------------------------------------------------------------------
# Shared plumbing
# ----------------------------------------------------------------------------------------------

def finish(arr, np_dtype) -> Tensor:
    """Wrap a kernel's result as a tensor of ``np_dtype`` (half types are rounded here, once)."""
    if arr.dtype != np_dtype:
        if np_dtype in _HALVES:
            with np.errstate(over="ignore"):  # rounding to inf is silent in PyTorch
                arr = arr.astype(np_dtype)
        else:
            arr = arr.astype(np_dtype)
    return wrap(arr)


try:
    # np.errstate is a context variable underneath; setting a prepared "ignore all" value
    # directly costs a third of entering np.errstate, which matters on every small op.
    from numpy._core._ufunc_config import _extobj_contextvar as _ERRSTATE
    with np.errstate(all="ignore"):
        _IGNORE_ALL = _ERRSTATE.get()
except (ImportError, AttributeError):  # pragma: no cover - other NumPy layouts
    _ERRSTATE = None


def run(kernel, *operands):
    """Call a NumPy kernel with IEEE warnings silenced and PyTorch's broadcasting error."""
    if _ERRSTATE is None:
        with np.errstate(all="ignore"):
            return run_exact(kernel, *operands)
    token = _ERRSTATE.set(_IGNORE_ALL)
    try:
        return run_exact(kernel, *operands)
    finally:
        _ERRSTATE.reset(token)


def run_exact(kernel, *operands):
    """:func:`run` for kernels that raise no floating-point warnings (integers, comparisons,
    bit operations): it skips the cost of ``np.errstate``."""
    try:
        return kernel(*operands)
    except ValueError:
        error = broadcast_error(*operands)
        if error is None:
            raise
        raise error from None


def broadcast_error(*operands) -> RuntimeError | None:
    """PyTorch's message for operands whose shapes do not broadcast (None when they do)."""
    shape = np.shape(operands[0])
    for other in operands[1:]:
        other_shape = np.shape(other)
        ndim = max(len(shape), len(other_shape))
        a = (1,) * (ndim - len(shape)) + tuple(shape)
        b = (1,) * (ndim - len(other_shape)) + tuple(other_shape)
        for dim in range(ndim - 1, -1, -1):
            if a[dim] != b[dim] and a[dim] != 1 and b[dim] != 1:
                return RuntimeError(f"The size of tensor a ({a[dim]}) must match the size of "
                                    f"tensor b ({b[dim]}) at non-singleton dimension {dim}")
        shape = tuple(max(x, y) if min(x, y) != 0 else 0 for x, y in zip(a, b))
    return None


def not_implemented(kernel: str, np_dtype, *operands) -> NotImplementedError:
    """PyTorch's error for a kernel that has no implementation for a dtype (``operands``:
    name ComplexHalf where PyTorch's promotion of them gives it)."""
    name = _type_word(_BY_NP[np_dtype])
    if operands and np_dtype == _C64 and complex_half(*operands):
        name = "ComplexHalf"
    return NotImplementedError(f"\"{kernel}\" not implemented for '{name}'")


def complex_half(*operands) -> bool:
    """Whether PyTorch promotes ``operands`` to complex32 (ComplexHalf): float16 meeting a
    complex number or complex zero-dim tensor of lower priority.  ember computes that in
    complex64 (README), but must still refuse the kernels PyTorch lacks for ComplexHalf.
    Only meaningful once the promoted dtype is known to be complex64."""
    groups = ([], [], [])  # dimensioned tensors, zero-dim tensors, numbers: by priority
    for x in operands:
        if isinstance(x, Tensor):
            groups[0 if x._data.ndim else 1].append(x._data.dtype)
        elif isinstance(x, _NUMBERS):
            groups[2].append(D.scalar_dtype(x).np)
    for group in groups:
        inexact = [d for d in group if d in _INEXACT]
        if inexact:
            # The first group holding a floating type decides the precision of the result.
            return all(d == _F16 for d in inexact)
    return False


def _grad_with_out(op: str, out, *operands) -> RuntimeError | None:
    """PyTorch's refusal of ``out=`` for a differentiable op when an input requires grad
    (its autograd layer checks this before the kernel sees the operands)."""
    if not (isinstance(out, Tensor) and grad_state.enabled):
        return None
    if out._rg or any(isinstance(x, Tensor) and x._rg for x in operands):
        return RuntimeError(f"{op}(): functions with out=... arguments don't support automatic "
                            "differentiation, but one of the arguments requires grad.")
    return None


def _earlier_error(input, other, out, out_cast: bool = True, op: str | None = None):
    """The error PyTorch reports before a kernel's dtype error: (``op``: a differentiable op)
    ``out=`` with inputs requiring grad, operands that do not broadcast, then (``out_cast``)
    a result dtype that cannot be written to ``out``."""
    if op is not None and out is not None:
        error = _grad_with_out(op, out, input, other)
        if error is not None:
            return error
    operands = [x._data for x in (input, other) if isinstance(x, Tensor)]
    error = broadcast_error(*operands) if len(operands) == 2 else None
    if error is not None:
        return error
    if out_cast and isinstance(out, Tensor) and isinstance(input, (Tensor,) + _NUMBERS) and \
            isinstance(other, (Tensor,) + _NUMBERS):
        from ._dispatch import result_type
        promoted = result_type(input, other)
        if not D.can_cast(promoted, out.dtype):
            return RuntimeError(f"result type {_type_word(promoted)} can't be cast to the "
                                f"desired output type {_type_word(out.dtype)}")
    return None


def checks_in_torch_order(fn=None, out_cast: bool = True, differentiable: bool = True):
    """Wrap a binary op so shape and ``out=`` problems win over its dtype refusals
    (``out_cast=False``: ops, like comparisons, whose result type is not the promoted one;
    ``differentiable``: ``out=`` with inputs requiring grad is refused before anything)."""
    if fn is None:
        return lambda f: checks_in_torch_order(f, out_cast, differentiable)
    name = fn.__name__ if differentiable else None

    def op(input, other, *args, **kwargs):
        try:
            return fn(input, other, *args, **kwargs)
        except RuntimeError:
            error = _earlier_error(input, other, kwargs.get("out"), out_cast, name)
            if error is None:
                raise
            raise error from None
    op.__name__ = fn.__name__
    op.__qualname__ = fn.__qualname__
    op.__doc__ = fn.__doc__
    op.__wrapped__ = fn
    return op


def _require_tensors(op: str, input, other, other_name: str = "other") -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    if not isinstance(other, Tensor):
        raise TypeError(f"{op}(): argument '{other_name}' (position 2) must be Tensor, not "
                        f"{type(other).__name__}")


def _require_tensor_input(op: str, input, other) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}() received an invalid combination of arguments - got "
                        f"({type(input).__name__}, {type(other).__name__}), but expected "
                        "(Tensor input, Tensor other) or (Tensor input, Number other)")


def _node(cls, result: Tensor, *inputs):
    """Attach a ``cls`` backward node when some tensor input requires grad (else None)."""
    if not grad_state.enabled:
        return None
    for t in inputs:
        if isinstance(t, Tensor) and t._rg:
            return cls(tuple(t if isinstance(t, Tensor) else None for t in inputs), result)
    return None


def _zeros(t: Tensor) -> Tensor:
    return wrap(np.zeros(t._data.shape, t._data.dtype))


def _log(t: Tensor) -> Tensor:
    from .unary import log  # imported late: the unary module loads after this one
    return log(t)


def _exp(t: Tensor) -> Tensor:
    from .unary import exp
    return exp(t)


def _exp2(t: Tensor) -> Tensor:
    from .unary import exp2
    return exp2(t)


def conj_if_complex(t: Tensor) -> Tensor:
    """The conjugate of a complex tensor; other tensors unchanged."""
    return t.conj() if t._data.dtype in _COMPLEX else t


def conj_if_complex_scalar(value):
    """The conjugate of a complex number; other numbers unchanged."""
    return value.conjugate() if isinstance(value, (complex, np.complexfloating)) else value


def _is_complex_operand(x) -> bool:
    if isinstance(x, Tensor):
        return x._data.dtype in _COMPLEX
    return isinstance(x, (complex, np.complexfloating))


def _half_rounded(original, operand, np_dtype):
    """``operand`` (computed from ``original``) as PyTorch's half-type kernels see it: every
    input is first converted to the result's half type, then widened to float32, so int16
    32767 takes part as 32768 and a float64 0.1 as float16's 0.0999755859375."""
    if isinstance(original, Tensor) and original._data.dtype == np_dtype:
        return operand
    if isinstance(operand, (complex, np.complexfloating)):
        return operand
    with np.errstate(over="ignore"):  # (values beyond the half range become inf silently)
        if isinstance(original, Tensor):
            return original._data.astype(np_dtype).astype(_F32)
        rounded = float(np.asarray(operand, np_dtype))
    return operand if rounded == operand else rounded


def half_inputs(input, other, x, y, np_dtype):
    """Both operands of a binary op with a half-type result, rounded as in :func:`_half_rounded`
    (``x``, ``y``: what ``binary_operands`` gave for ``input``, ``other``)."""
    return _half_rounded(input, x, np_dtype), _half_rounded(other, y, np_dtype)


def _check_int_zero(dividend, divisor) -> None:
    # Integer division by zero is an error in PyTorch (C++ would trap), not an IEEE value;
    # it is only found while computing, so an empty result raises nothing.
    if np.any(np.equal(divisor, 0)) and math.prod(np.broadcast_shapes(np.shape(dividend),
                                                                        np.shape(divisor))):
        raise RuntimeError("ZeroDivisionError")


class NotImplementedBackward(Node):
    """Where PyTorch records no derivative (floor_divide, heaviside, number % tensor)."""

    op = ""

    def name(self) -> str:
        return "torch::autograd::NotImplemented"

    def backward(self, grad):
        raise RuntimeError(f"derivative for aten::{self.op} is not implemented")

    def __repr__(self) -> str:
        return f"<NotImplemented object at {hex(id(self))}>"


NotImplementedBackward.__name__ = "NotImplemented"  # PyTorch's class name for this node


def _not_differentiable(result: Tensor, op: str, *inputs) -> None:
    node = _node(NotImplementedBackward, result, *inputs)
    if node is not None:
        node.op = op


# ----------------------------------------------------------------------------------------------
# Rounded division, floor_divide, remainder, fmod
# ----------------------------------------------------------------------------------------------

def _floor_divide_arrays(x, y, np_dtype, kernel: str):
    if np_dtype in _INTS:
        _check_int_zero(x, y)
        return run(np.floor_divide, x, y)
    if np_dtype in _HALVES:
        return run(_half_floor_divide, x, y, np_dtype)
    if np_dtype in _FLOATS:
        # NumPy's float floor division is PyTorch's algorithm (fmod-corrected, IEEE at b == 0).
        return run(np.floor_divide, x, y)
    raise not_implemented(kernel, np_dtype)


def _half_floor_divide(x, y, np_dtype):
    """PyTorch's floor division for half types, whose every step rounds to the half type."""
    def rounded(arr):
        return np.asarray(arr).astype(np_dtype).astype(_F32)
    modulus = np.fmod(x, y)
    quotient = rounded(rounded(x - modulus) / y)
    quotient = np.where((modulus != 0) & np.not_equal(np.less(y, 0), modulus < 0),
                        rounded(quotient - 1), quotient)
    floored = np.floor(quotient)
    floored = np.where(quotient - floored > 0.5, floored + 1, floored)
    result = np.where(quotient != 0, floored, np.copysign(0, x / y))
    return np.where(np.equal(y, 0), x / y, result)


def _trunc_divide_arrays(x, y, np_dtype):
    if np_dtype in _INTS:
        _check_int_zero(x, y)
        quotient = run(np.floor_divide, x, y)
        if np_dtype.kind == "u":
            return quotient
        # Floor and truncation differ by one where the exact quotient is negative and inexact.
        inexact = run(np.not_equal, run(np.multiply, quotient, y), x)
        negative = np.not_equal(np.less(x, 0), np.less(y, 0))
        return quotient + (inexact & negative).astype(quotient.dtype)
    if np_dtype in _FLOATS:
        # Half types round the quotient to their own precision before truncating.
        return run(lambda a, b: np.trunc(np.true_divide(a, b).astype(np_dtype)), x, y)
    raise not_implemented("div_trunc_cpu", np_dtype)


class DivBackward2(Node):
    # Rounded division is piecewise constant: its gradient is zero almost everywhere.
    def backward(self, grad):
        return (_zeros(grad) if self._next[0] is not None else None,
                _zeros(grad) if self._next[1] is not None else None)


def rounded_div(input, other, rounding_mode) -> Tensor:
    """``input / other`` rounded toward zero ('trunc') or down ('floor'); ints stay ints."""
    if rounding_mode not in ("trunc", "floor"):
        raise RuntimeError("div expected rounding_mode to be one of None, 'trunc', or 'floor' but "
                           f"found '{rounding_mode}'")
    x, y, dt = binary_operands(input, other, "div")
    if dt in _HALVES:
        x, y = half_inputs(input, other, x, y, dt)
    elif dt in _COMPLEX:
        raise not_implemented("div_trunc_cpu" if rounding_mode == "trunc" else "div_floor_cpu",
                              dt, input, other)
    if rounding_mode == "trunc":
        result = finish(_trunc_divide_arrays(x, y, dt), dt)
    else:
        result = finish(_floor_divide_arrays(x, y, dt, "div_floor_cpu"), dt)
    _node(DivBackward2, result, input, other)
    return result


@checks_in_torch_order(differentiable=False)
def floor_divide(input, other, *, out=None) -> Tensor:
    """Division rounded down (Python's ``//``); ints stay ints and raise on division by zero."""
    x, y, dt = binary_operands(input, other, "floor_divide")
    if dt in _HALVES:
        x, y = half_inputs(input, other, x, y, dt)
    elif dt in _COMPLEX:
        raise not_implemented("div_floor_cpu", dt, input, other)
    result = finish(_floor_divide_arrays(x, y, dt, "div_floor_cpu"), dt)
    _not_differentiable(result, "floor_divide", input, other)
    return result if out is None else write_out(out, result, "floor_divide")


def _remainder_arrays(x, y, np_dtype):
    if np_dtype in _INTS:
        _check_int_zero(x, y)
        return run(np.remainder, x, y)
    if np_dtype in _FLOATS:
        # fmod, moved into the divisor's sign; exact zeros keep fmod's sign as in PyTorch.
        modulus = run(np.fmod, x, y)
        shift = (modulus != 0) & np.not_equal(modulus < 0, np.less(y, 0))
        return run(np.where, shift, run(np.add, modulus, y), modulus)
    raise not_implemented("remainder_cpu", np_dtype)


class RemainderBackward0(Node):
    def backward(self, grad):
        return (grad,)


class RemainderBackward1(Node):
    def backward(self, grad):
        gx = grad if self._next[0] is not None else None
        gy = None
        if self._next[1] is not None:
            x, y = self.saved_tensors
            gy = -grad * x.div(y, rounding_mode="floor")
        return gx, gy


@checks_in_torch_order
def remainder(input, other, *, out=None) -> Tensor:
    """Python's modulus: the result takes the sign of the divisor."""
    x, y, dt = binary_operands(input, other, "remainder")
    if dt in _HALVES:
        x, y = half_inputs(input, other, x, y, dt)
    elif dt in _COMPLEX:
        raise not_implemented("remainder_cpu", dt, input, other)
    result = finish(_remainder_arrays(x, y, dt), dt)
    if grad_state.enabled:
        if not isinstance(input, Tensor):
            _not_differentiable(result, "remainder", other)
        elif isinstance(other, Tensor):
            node = _node(RemainderBackward1, result, input, other)
            if node is not None:
                node.save(input, other)
        else:
            _node(RemainderBackward0, result, input)
    return result if out is None else write_out(out, result, "remainder")


class FmodBackward0(Node):
    def backward(self, grad):
        return (grad,)


class FmodBackward1(Node):
    def backward(self, grad):
        gx = grad if self._next[0] is not None else None
        gy = None
        if self._next[1] is not None:
            x, y = self.saved_tensors
            gy = -grad * x.div(y, rounding_mode="trunc")
        return gx, gy


@checks_in_torch_order
def fmod(input, other, *, out=None) -> Tensor:
    """C's remainder: the result takes the sign of the dividend."""
    _require_tensor_input("fmod", input, other)
    x, y, dt = binary_operands(input, other, "fmod")
    if dt in _INTS:
        _check_int_zero(x, y)
    elif dt in _HALVES:
        x, y = half_inputs(input, other, x, y, dt)
    elif dt not in _FLOATS:
        raise not_implemented("fmod_cpu", dt, input, other)
    result = finish(run(np.fmod, x, y), dt)
    if grad_state.enabled:
        if isinstance(other, Tensor):
            node = _node(FmodBackward1, result, input, other)
            if node is not None:
                node.save(input, other)
        else:
            _node(FmodBackward0, result, input)
    return result if out is None else write_out(out, result, "fmod")


# ----------------------------------------------------------------------------------------------
# pow and float_power
# ----------------------------------------------------------------------------------------------

def _integer_power(base, exponent):
    """Integer powers as PyTorch computes them: wrapping, and 1, -1 or 0 for negative exponents."""
    negative = np.less(exponent, 0)
    if not np.any(negative):
        return np.power(base, exponent)
    powered = np.power(base, np.where(negative, 0, exponent))
    odd = np.bitwise_and(exponent, 1) != 0
    # Only 1 and -1 survive a negative power; every other integer truncates to 0.
    special = np.where(np.equal(base, 1), 1, np.where(np.equal(base, -1), np.where(odd, -1, 1), 0))
    return np.where(negative, special, powered)


_NARROW_BASES = _HALVES | _INTS  # (number exponents are converted to these bases' types)
_SPECIAL_EXPONENT_TYPES = frozenset((_F32, _F64, D.bfloat16.np)) | _COMPLEX


def _special_power(x, exponent):
    """PyTorch's dedicated kernels for common number exponents (they differ from pow at
    infinities and signed zeros: (-inf) ** 0.5 is nan, (-0.0) ** 0.5 is -0.0)."""
    if exponent == 0.5:
        return np.sqrt(x)
    if exponent == -0.5:
        return 1 / np.sqrt(x)
    if exponent == -1:
        return 1 / x
    if exponent == 2:
        return x * x
    if exponent == 3:
        return x * x * x
    if exponent == -2:
        return 1 / (x * x)
    return None


def _power_arrays(x, y, np_dtype, scalar_exponent: bool = False):
    if np_dtype in _INTS:
        return run(_integer_power, x, y)
    if np_dtype == _BOOL:
        # x ** True is x and x ** False is 1.
        return run(lambda a, b: np.logical_or(a, np.logical_not(b)), x, y)
    if scalar_exponent and np_dtype in _SPECIAL_EXPONENT_TYPES and \
            isinstance(y, (int, float, np.integer, np.floating)) and not isinstance(y, bool):
        special = run(_special_power, x, y)
        if special is not None:
            return special
    return run(np.power, x, y)


class PowBackward0(Node):
    # tensor ** number
    def backward(self, grad):
        exponent = self.exponent
        if exponent == 0:
            return (_zeros(grad),)
        (x,) = self.saved_tensors
        local = x.pow(exponent - 1) * exponent
        return (grad * conj_if_complex(local),)


class PowBackward1(Node):
    # tensor ** tensor
    def backward(self, grad):
        x, y, result = self.saved_tensors
        gx = gy = None
        if self._next[0] is not None:
            gx = where(y == 0, 0.0, grad * conj_if_complex(y * x.pow(y - 1)))
        if self._next[1] is not None:
            if y.is_complex():
                real_exponent = (y.imag == 0) & (y.real >= 0)
            else:
                real_exponent = y >= 0
            # 0 ** y has derivative 0 in y for y >= 0, where log(0) would give nan.
            at_zero = (x == 0) & real_exponent
            gy = grad * where(at_zero, 0.0, conj_if_complex(result * _log(x)))
        return gx, gy


class PowBackward2(Node):
    # number ** tensor
    def backward(self, grad):
        y, result = self.saved_tensors
        base = self.base
        log_base = _scalar_log(base, y.is_complex())
        local = conj_if_complex(result * log_base)
        if base == 0:
            local = where(y >= 0, 0.0, local)
        return (grad * local,)


def _scalar_log(value, complex_result: bool):
    if complex_result or isinstance(value, complex):
        return cmath.log(value) if value != 0 else complex(-math.inf, 0.0)
    if value > 0:
        return math.log(value)
    return -math.inf if value == 0 else math.nan


def _check_integer_exponent(base: Tensor, exponent) -> None:
    if isinstance(exponent, (int, np.integer)) and exponent < 0 and \
            (base._data.dtype in _INTS or base._data.dtype == _BOOL):
        raise RuntimeError("Integers to negative integer powers are not allowed.")


def pow(input, exponent, *, out=None) -> Tensor:
    """``input ** exponent``; either side may be a number (not both)."""
    if isinstance(input, Tensor):
        if not isinstance(exponent, Tensor):
            if not isinstance(exponent, _NUMBERS):
                raise TypeError(f"pow(): argument 'exponent' must be Tensor or Number, not "
                                f"{type(exponent).__name__}")
            _check_integer_exponent(input, exponent)
        elif input._data.dtype == _BOOL and exponent._data.dtype == _BOOL:
            raise NotImplementedError("\"pow\" not implemented for 'Bool'")
    elif not isinstance(exponent, Tensor):
        raise TypeError(f"pow() received an invalid combination of arguments - got "
                        f"({type(input).__name__}, {type(exponent).__name__}), but expected a "
                        "Tensor for input or exponent")
    try:
        x, y, dt = binary_operands(input, exponent, "pow")
    except OverflowError:  # (an integer beyond int64)
        from ._dispatch import result_type
        _check_exponent_fits(exponent, result_type(input, exponent).np)
        raise
    if dt == _BOOL and not isinstance(input, Tensor):
        raise NotImplementedError("\"pow\" not implemented for 'Bool'")
    if dt in _NARROW_BASES and not isinstance(exponent, Tensor):
        _check_exponent_fits(exponent, dt)
    if dt in _HALVES:
        x, y = half_inputs(input, exponent, x, y, dt)
    elif dt is _C64 and complex_half(input, exponent):
        raise (_earlier_error(input, exponent, out, True, "pow")
               or not_implemented("pow", dt, input, exponent))
    scalar_exponent = isinstance(input, Tensor) and not isinstance(exponent, Tensor)
    result = finish(_power_arrays(x, y, dt, scalar_exponent), dt)
    if grad_state.enabled:
        _record_pow(result, input, exponent)
    return result if out is None else write_out(out, result, "pow")


def _check_exponent_fits(exponent, np_dtype) -> None:
    """PyTorch converts a number exponent to a half or integer base's type, refusing values
    that overflow it (float and double bases keep it in double)."""
    if np_dtype in _NARROW_BASES:
        from .creation import checked_scalar
        checked_scalar(exponent, _BY_NP[np_dtype])


def _record_pow(result, input, exponent) -> None:
    if isinstance(input, Tensor):
        if isinstance(exponent, Tensor):
            node = _node(PowBackward1, result, input, exponent)
            if node is not None:
                node.save(input, exponent, result)
        elif input._rg:
            node = PowBackward0((input,), result)
            node.exponent = exponent
            node.save(input)
    elif exponent._rg:
        node = PowBackward2((exponent,), result)
        node.base = input
        node.save(exponent, result)


def _to_double(x, target: D.dtype):
    if isinstance(x, Tensor):
        return x.to(target)
    if target.is_complex:
        return complex(x)
    return float(x)


def _float_power_dtype(input, exponent) -> D.dtype:
    complex_ = _is_complex_operand(input) or _is_complex_operand(exponent)
    return D.complex128 if complex_ else D.float64


def float_power(input, exponent, *, out=None) -> Tensor:
    """``input ** exponent`` computed in double precision (float64, or complex128)."""
    target = _float_power_dtype(input, exponent)
    if out is not None and isinstance(out, Tensor) and out.dtype is not target:
        raise RuntimeError(f"the output given to float_power has dtype {_type_word(out.dtype)} "
                           f"but the operation's result requires dtype {_type_word(target)}")
    result = pow(_to_double(input, target), _to_double(exponent, target))
    return result if out is None else write_out(out, result, "float_power")


def float_power_(self, exponent) -> Tensor:
    """In-place :func:`float_power`; ``self`` must already have the double result dtype."""
    target = _float_power_dtype(self, exponent)
    if self.dtype is not target:
        raise RuntimeError(f"the base given to float_power_ has dtype {_type_word(self.dtype)} "
                           f"but the operation's result requires dtype {_type_word(target)}")
    return apply_inplace(self, float_power(self, exponent))


# ----------------------------------------------------------------------------------------------
# atan2, hypot, copysign, ldexp, nextafter
# ----------------------------------------------------------------------------------------------

class Atan2Backward0(Node):
    def backward(self, grad):
        x, y = self.saved_tensors
        scale = (x * x + y * y).reciprocal()
        # At the origin (or where the squares underflow) PyTorch takes the scale as 0.
        scale = scale.masked_fill(scale.isinf(), 0)
        gx = grad * y * scale if self._next[0] is not None else None
        gy = grad * -x * scale if self._next[1] is not None else None
        return gx, gy


@checks_in_torch_order
def atan2(input, other, *, out=None) -> Tensor:
    """The angle of the point (other, input): arctan(input / other) in the right quadrant."""
    _require_tensors("atan2", input, other)
    x, y, dt = binary_operands(input, other, "atan2", int_to_float=True)
    if dt in _HALVES:
        x, y = half_inputs(input, other, x, y, dt)
    elif dt in _COMPLEX:
        raise not_implemented("atan2_cpu", dt, input, other)
    result = finish(run(np.arctan2, x, y), dt)
    node = _node(Atan2Backward0, result, input, other)
    if node is not None:
        node.save(input, other)
    return result if out is None else write_out(out, result, "atan2")


arctan2 = atan2


class HypotBackward0(Node):
    def backward(self, grad):
        x, y, result = self.saved_tensors
        gx = grad * x / result if self._next[0] is not None else None
        gy = grad * y / result if self._next[1] is not None else None
        return gx, gy


@checks_in_torch_order
def hypot(input, other, *, out=None) -> Tensor:
    """sqrt(input**2 + other**2) without intermediate overflow; floating dtypes only."""
    _require_tensors("hypot", input, other)
    x, y, dt = binary_operands(input, other, "hypot")
    if dt not in _FLOATS:
        raise not_implemented("hypot_cpu", dt, input, other)
    if dt in _HALVES:
        x, y = half_inputs(input, other, x, y, dt)
    result = finish(run(np.hypot, x, y), dt)
    node = _node(HypotBackward0, result, input, other)
    if node is not None:
        node.save(input, other, result)
    return result if out is None else write_out(out, result, "hypot")


def _copysign_self_grad(grad, x, result):
    ratio = where(x == 0, 0.0, result / x)
    return grad * ratio


class CopysignBackward0(Node):
    # copysign(tensor, tensor): the sign source gets a zero gradient.
    def backward(self, grad):
        x, result = self.saved_tensors
        gx = _copysign_self_grad(grad, x, result) if self._next[0] is not None else None
        gy = _zeros(grad) if self._next[1] is not None else None
        return gx, gy


class CopysignBackward1(Node):
    # copysign(tensor, number)
    def backward(self, grad):
        x, result = self.saved_tensors
        return (_copysign_self_grad(grad, x, result),)


@checks_in_torch_order
def copysign(input, other, *, out=None) -> Tensor:
    """``input``'s magnitude with ``other``'s sign (including the sign of zero)."""
    _require_tensor_input("copysign", input, other)
    x, y, dt = binary_operands(input, other, "copysign", int_to_float=True)
    if dt in _HALVES:
        x, y = half_inputs(input, other, x, y, dt)
    elif dt in _COMPLEX:
        raise not_implemented("copysign_cpu", dt, input, other)
    result = finish(run(np.copysign, x, y), dt)
    # The sign source alone makes the result require grad too (its gradient is zero).
    other_rg = isinstance(other, Tensor) and other._rg
    if grad_state.enabled and (input._rg or other_rg):
        if isinstance(other, Tensor):
            node = CopysignBackward0((input if input._rg else None,
                                      other if other_rg else None), result)
        else:
            node = CopysignBackward1((input,), result)
        node.save(input, result)
    return result if out is None else write_out(out, result, "copysign")


class LdexpBackward0(Node):
    def backward(self, grad):
        x, y = self.saved_tensors
        scale = pow(2.0, y)
        gx = grad * scale if self._next[0] is not None else None
        gy = grad * x * scale * math.log(2.0) if self._next[1] is not None else None
        return gx, gy


def _ldexp_arrays(x, exponent):
    # For real results 2 ** exponent is formed (and rounded) in the exponent's own floating
    # dtype first, as PyTorch does; complex results form it in the complex dtype.
    if x.dtype in _COMPLEX:
        # exp(other * ln 2) as a complex product, so an infinite exponent gives NaN as there.
        scale = np.exp(exponent.astype(x.dtype) * complex(math.log(2.0)))
    elif exponent.dtype in _FLOATS:
        wide = exponent.astype(_F32) if exponent.dtype in _HALVES else exponent
        scale = np.exp2(wide).astype(exponent.dtype)
    else:
        scale = np.exp2(exponent.astype(_F64))
    return x * scale.astype(x.dtype)


def ldexp(input, other, *, out=None) -> Tensor:
    """``input * 2 ** other``; integer inputs give the default float dtype."""
    _require_tensors("ldexp", input, other)
    if input._data.dtype in _COMPLEX and other._data.dtype == _F16 and other._data.ndim:
        # PyTorch forms 2 ** other with a zero-dim 2 of input's dtype first: complex with a
        # float16 tensor promotes to ComplexHalf, which pow lacks (only the out= cast is
        # checked before).
        error = _earlier_error(input, other, out) if out is not None else None
        raise error or NotImplementedError("\"pow\" not implemented for 'ComplexHalf'")
    return _ldexp(input, other, out=out)


def _ldexp_past_pow_check(input, other, *, out=None) -> Tensor:
    if other._data.dtype == _BOOL and input._data.dtype in _FLOATS:
        raise not_implemented("ldexp_cpu_exp", _BOOL)
    x, y, dt = binary_operands(input, other, "ldexp", int_to_float=True)
    result = finish(run(_ldexp_arrays, x, other._data), dt)
    node = _node(LdexpBackward0, result, input, other)
    if node is not None:
        node.save(input, other)
    return result if out is None else write_out(out, result, "ldexp")


_ldexp_past_pow_check.__name__ = "ldexp"  # (named in the out= autograd error)
_ldexp = checks_in_torch_order(_ldexp_past_pow_check)


class NextafterBackward0(Node):
    def backward(self, grad):
        return (grad if self._next[0] is not None else None,
                _zeros(grad) if self._next[1] is not None else None)


@checks_in_torch_order
def nextafter(input, other, *, out=None) -> Tensor:
    """The next representable value after ``input`` in the direction of ``other``."""
    _require_tensors("nextafter", input, other)
    x, y, dt = binary_operands(input, other, "nextafter")
    if dt not in _FLOATS:
        raise not_implemented("nextafter_cpu", dt, input, other)
    if dt in _HALVES:
        # The step depends on the dtype's own precision, so half types cannot go via float32.
        x, y = x.astype(dt), y.astype(dt)
    result = finish(run(np.nextafter, x, y), dt)
    _node(NextafterBackward0, result, input, other)
    return result if out is None else write_out(out, result, "nextafter")


# ----------------------------------------------------------------------------------------------
# maximum, minimum, fmax, fmin
# ----------------------------------------------------------------------------------------------

def _check_not_complex(op: str, np_dtype) -> None:
    if np_dtype in _COMPLEX:
        raise RuntimeError(f"{op} not implemented for complex tensors.")


class MaximumBackward0(Node):
    def backward(self, grad):
        x, y = self.saved_tensors
        # Ties split the gradient evenly between the two inputs.
        shared = where(x == y, grad / 2, grad)
        gx = where(x < y, 0.0, shared) if self._next[0] is not None else None
        gy = where(x > y, 0.0, shared) if self._next[1] is not None else None
        return gx, gy


class MinimumBackward0(Node):
    def backward(self, grad):
        x, y = self.saved_tensors
        shared = where(x == y, grad / 2, grad)
        gx = where(x > y, 0.0, shared) if self._next[0] is not None else None
        gy = where(x < y, 0.0, shared) if self._next[1] is not None else None
        return gx, gy


def _extremum(input, other, out, op: str, kernel, node_cls) -> Tensor:
    _require_tensors(op, input, other)
    x, y, dt = binary_operands(input, other, op)
    _check_not_complex(op, dt)
    result = finish(run(kernel, x, y), dt)
    node = _node(node_cls, result, input, other)
    if node is not None:
        node.save(input, other)
    return result if out is None else write_out(out, result, op)


@checks_in_torch_order
def maximum(input, other, *, out=None) -> Tensor:
    """Elementwise maximum; NaN in either input gives NaN."""
    return _extremum(input, other, out, "maximum", np.maximum, MaximumBackward0)


@checks_in_torch_order
def minimum(input, other, *, out=None) -> Tensor:
    """Elementwise minimum; NaN in either input gives NaN."""
    return _extremum(input, other, out, "minimum", np.minimum, MinimumBackward0)


class FmaxBackward0(Node):
    def backward(self, grad):
        x, y = self.saved_tensors
        picks_x = (x >= y) | (y != y)
        gx = where(picks_x, grad, 0.0) if self._next[0] is not None else None
        gy = where(picks_x, 0.0, grad) if self._next[1] is not None else None
        return gx, gy


class FminBackward0(Node):
    def backward(self, grad):
        x, y = self.saved_tensors
        picks_x = (x <= y) | (y != y)
        gx = where(picks_x, grad, 0.0) if self._next[0] is not None else None
        gy = where(picks_x, 0.0, grad) if self._next[1] is not None else None
        return gx, gy


@checks_in_torch_order
def fmax(input, other, *, out=None) -> Tensor:
    """Elementwise maximum that ignores NaN when the other value is a number."""
    return _extremum(input, other, out, "fmax", np.fmax, FmaxBackward0)


@checks_in_torch_order
def fmin(input, other, *, out=None) -> Tensor:
    """Elementwise minimum that ignores NaN when the other value is a number."""
    return _extremum(input, other, out, "fmin", np.fmin, FminBackward0)


# ----------------------------------------------------------------------------------------------
# logaddexp, logaddexp2, xlogy
# ----------------------------------------------------------------------------------------------

def _complex_logaddexp(a, b):
    a, b = np.broadcast_arrays(a, b)
    larger = np.where(a.real >= b.real, a, b)
    smaller = np.where(a.real >= b.real, b, a)
    result = larger + np.log1p(np.exp(smaller - larger))
    both_infinite = ~np.isfinite(smaller.real) & (smaller.real == larger.real)
    # -inf + -inf stays the smaller value; +inf + +inf avoids inf - inf = nan.
    result = np.where(both_infinite & (smaller.real < 0), smaller, result)
    result = np.where(both_infinite & (smaller.real > 0),
                      np.log(np.exp(smaller) + np.exp(larger)), result)
    has_nan = np.isnan(smaller.real) | np.isnan(smaller.imag)
    return np.where(has_nan, complex(math.nan, math.nan), result)


class LogaddexpBackward0(Node):
    def backward(self, grad):
        x, y = self.saved_tensors
        gx = grad / conj_if_complex(1 + _exp(y - x)) if self._next[0] is not None else None
        gy = grad / conj_if_complex(1 + _exp(x - y)) if self._next[1] is not None else None
        return gx, gy


@checks_in_torch_order
def logaddexp(input, other, *, out=None) -> Tensor:
    """log(exp(input) + exp(other)) computed without overflow."""
    _require_tensors("logaddexp", input, other)
    x, y, dt = binary_operands(input, other, "logaddexp")
    if dt in _FLOATS:
        if dt in _HALVES:
            x, y = half_inputs(input, other, x, y, dt)
        arr = run(np.logaddexp, x, y)
    elif dt in _COMPLEX and not (dt == _C64 and complex_half(input, other)):
        arr = run(_complex_logaddexp, x, y)
    else:
        raise not_implemented("logaddexp_cpu", dt, input, other)
    result = finish(arr, dt)
    node = _node(LogaddexpBackward0, result, input, other)
    if node is not None:
        node.save(input, other)
    return result if out is None else write_out(out, result, "logaddexp")


class Logaddexp2Backward0(Node):
    def backward(self, grad):
        x, y = self.saved_tensors
        gx = grad / (1 + _exp2(y - x)) if self._next[0] is not None else None
        gy = grad / (1 + _exp2(x - y)) if self._next[1] is not None else None
        return gx, gy


@checks_in_torch_order
def logaddexp2(input, other, *, out=None) -> Tensor:
    """log2(2**input + 2**other) computed without overflow; floating dtypes only."""
    _require_tensors("logaddexp2", input, other)
    x, y, dt = binary_operands(input, other, "logaddexp2")
    if dt not in _FLOATS:
        raise not_implemented("logaddexp2_cpu", dt, input, other)
    if dt in _HALVES:
        x, y = half_inputs(input, other, x, y, dt)
    result = finish(run(np.logaddexp2, x, y), dt)
    node = _node(Logaddexp2Backward0, result, input, other)
    if node is not None:
        node.save(input, other)
    return result if out is None else write_out(out, result, "logaddexp2")


def _xlogy_arrays(x, y):
    product = x * np.log(y)
    # 0 * log(y) is 0 even where log(y) is infinite; a NaN y still gives NaN.
    return np.where((np.equal(x, 0)) & ~np.isnan(y), 0, product)


class XlogyBackward0(Node):
    # xlogy(tensor, tensor)
    def backward(self, grad):
        x, y = self.saved_tensors
        # PyTorch's formula: log(y) even where x is 0, except where x is 0 and y <= 0.
        gx = None
        if self._next[0] is not None:
            gx = xlogy(grad, y).masked_fill((x == 0) & (y <= 0), 0)
        gy = grad * x / y if self._next[1] is not None else None
        return gx, gy


class XlogyBackward1(Node):
    # xlogy(number, tensor)
    def backward(self, grad):
        (y,) = self.saved_tensors
        return (grad * self.scalar / y,)


class XlogyBackward2(Node):
    # xlogy(tensor, number)
    def backward(self, grad):
        (x,) = self.saved_tensors
        gx = xlogy(grad, self.scalar)
        return (gx.masked_fill(x == 0, 0) if self.scalar <= 0 else gx,)


@checks_in_torch_order
def xlogy(input, other, *, out=None) -> Tensor:
    """``input * log(other)``, defined as 0 where input is 0 (unless other is NaN)."""
    x, y, dt = binary_operands(input, other, "xlogy", int_to_float=True)
    if dt in _HALVES:
        x, y = half_inputs(input, other, x, y, dt)
    elif dt in _COMPLEX:
        raise not_implemented("xlogy_cpu", dt, input, other)
    result = finish(run(_xlogy_arrays, x, y), dt)
    if grad_state.enabled:
        _record_xlogy(result, input, other)
    return result if out is None else write_out(out, result, "xlogy")


def _record_xlogy(result, input, other) -> None:
    if not isinstance(input, Tensor):
        if other._rg:
            node = XlogyBackward1((other,), result)
            node.scalar = input
            node.save(other)
    elif not isinstance(other, Tensor):
        if input._rg:
            node = XlogyBackward2((input,), result)
            node.scalar = other
            node.save(input)
    else:
        node = _node(XlogyBackward0, result, input, other)
        if node is not None:
            node.save(input, other)


# ----------------------------------------------------------------------------------------------
# gcd, lcm, heaviside
# ----------------------------------------------------------------------------------------------

def _integer_op(input, other, out, op: str, kernel) -> Tensor:
    _require_tensors(op, input, other)
    x, y, dt = binary_operands(input, other, op)
    if dt not in _INTS:
        raise not_implemented(f"{op}_cpu", dt, input, other)
    result = finish(run_exact(kernel, x, y), dt)
    return result if out is None else write_out(out, result, op)


@checks_in_torch_order(differentiable=False)
def gcd(input, other, *, out=None) -> Tensor:
    """Greatest common divisor (non-negative) of integer tensors."""
    return _integer_op(input, other, out, "gcd", np.gcd)


@checks_in_torch_order(differentiable=False)
def lcm(input, other, *, out=None) -> Tensor:
    """Least common multiple (non-negative) of integer tensors."""
    return _integer_op(input, other, out, "lcm", np.lcm)


def heaviside(input, values, *, out=None) -> Tensor:
    """The step function: 0 below zero, 1 above, ``values`` at zero."""
    _require_tensors("heaviside", input, values, "values")
    x, v = input._data, values._data
    if x.dtype in _COMPLEX or v.dtype in _COMPLEX:
        raise RuntimeError("heaviside is not yet implemented for complex tensors.")
    if x.dtype != v.dtype or (isinstance(out, Tensor) and out._data.dtype != x.dtype):
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
    dt = x.dtype
    if dt in _HALVES:
        x, v = x.astype(_F32), v.astype(_F32)
    result = finish(run(lambda a, b: np.where(a == 0, b, a > 0), x, v), dt)
    _not_differentiable(result, "heaviside", input, values)
    return result if out is None else write_out(out, result, "heaviside")


# ----------------------------------------------------------------------------------------------
# Comparisons
# ----------------------------------------------------------------------------------------------

def _compare(input, other, out, op: str, kernel, ordered: bool) -> Tensor:
    _require_tensor_input(op, input, other)
    x, y, dt = binary_operands(input, other, op)
    if ordered and dt in _COMPLEX:
        raise not_implemented(f"{op}_cpu", dt, input, other)
    result = finish(run_exact(kernel, x, y), _BOOL)
    return result if out is None else write_out(out, result, op)


def eq(input, other, *, out=None) -> Tensor:
    """Elementwise ``input == other`` as a bool tensor."""
    return _compare(input, other, out, "eq", np.equal, False)


def ne(input, other, *, out=None) -> Tensor:
    """Elementwise ``input != other`` as a bool tensor."""
    return _compare(input, other, out, "ne", np.not_equal, False)


def lt(input, other, *, out=None) -> Tensor:
    """Elementwise ``input < other`` as a bool tensor."""
    return _compare(input, other, out, "lt", np.less, True)


def le(input, other, *, out=None) -> Tensor:
    """Elementwise ``input <= other`` as a bool tensor."""
    return _compare(input, other, out, "le", np.less_equal, True)


def gt(input, other, *, out=None) -> Tensor:
    """Elementwise ``input > other`` as a bool tensor."""
    return _compare(input, other, out, "gt", np.greater, True)


def ge(input, other, *, out=None) -> Tensor:
    """Elementwise ``input >= other`` as a bool tensor."""
    return _compare(input, other, out, "ge", np.greater_equal, True)


# Comparisons give bool results (written into an out= of any dtype): only shapes go first.
eq, ne, lt, le, gt, ge = (checks_in_torch_order(f, out_cast=False, differentiable=False)
                          for f in (eq, ne, lt, le, gt, ge))
greater = gt
greater_equal = ge
less = lt
less_equal = le
not_equal = ne


def isclose(input, other, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Tensor:
    """Whether ``|input - other| <= atol + rtol * |other|`` elementwise (equal values always)."""
    _require_tensors("isclose", input, other)
    a, b = input._data, other._data
    if a.dtype != b.dtype:
        raise RuntimeError(f"{_type_word(input.dtype)} did not match {_type_word(other.dtype)}")
    if rtol < 0:
        raise RuntimeError(f"rtol must be greater than or equal to zero, but got {rtol}")
    if atol < 0:
        raise RuntimeError(f"atol must be greater than or equal to zero, but got {atol}")
    close = run(np.equal, a, b)
    inexact = a.dtype in _INEXACT
    if equal_nan and inexact:
        close = close | (np.isnan(a) & np.isnan(b))
    if rtol == 0 and atol == 0:
        return wrap(result_array(close))
    if not inexact:
        # Integer differences are taken in the default float dtype (uint8 would wrap around).
        default = D.get_default_dtype().np
        a, b = a.astype(default), b.astype(default)
    with np.errstate(all="ignore"):
        allowed = atol + np.abs(b * rtol)
        actual = np.abs(a - b)
        within = np.isfinite(actual) & (actual <= allowed)
    return wrap(result_array(close | within))


def allclose(input, other, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    """Whether :func:`isclose` holds for every element."""
    return bool(isclose(input, other, rtol, atol, equal_nan).all())


def equal(input, other) -> bool:
    """True when both tensors have the same shape and the same values."""
    _require_tensors("equal", input, other)
    if input._data.shape != other._data.shape:
        return False
    require_values("aten::equal", input._data, other._data)
    return bool(eq(input, other)._data.all())


# ----------------------------------------------------------------------------------------------
# Logical and bitwise ops
# ----------------------------------------------------------------------------------------------

def _truth(arr):
    return arr if arr.dtype == _BOOL else arr != 0


def _logical(input, other, out, op: str, kernel) -> Tensor:
    _require_tensors(op, input, other)
    if (input._data.dtype in _COMPLEX or other._data.dtype in _COMPLEX) and \
            complex_half(input, other):
        # PyTorch computes in the promoted dtype, and has no ComplexHalf kernel. (A complex
        # half promotion needs a zero-dim operand, so the shapes always broadcast.)
        raise not_implemented(f"{op}_cpu", _C64, input, other)
    result = finish(run_exact(kernel, _truth(input._data), _truth(other._data)), _BOOL)
    return result if out is None else write_out(out, result, op)


def logical_and(input, other, *, out=None) -> Tensor:
    """Elementwise AND of the truth values (nonzero is True) of any two tensors."""
    return _logical(input, other, out, "logical_and", np.logical_and)


def logical_or(input, other, *, out=None) -> Tensor:
    """Elementwise OR of the truth values of any two tensors."""
    return _logical(input, other, out, "logical_or", np.logical_or)


def logical_xor(input, other, *, out=None) -> Tensor:
    """Elementwise XOR of the truth values of any two tensors."""
    return _logical(input, other, out, "logical_xor", np.logical_xor)


def logical_not(input, *, out=None) -> Tensor:
    """Elementwise NOT of the truth values of a tensor."""
    arr = input._data
    result = wrap(np.logical_not(arr) if arr.dtype == _BOOL else np.equal(arr, 0))
    return result if out is None else write_out(out, result, "logical_not")


def _bitwise(input, other, out, op: str, kernel_name: str, kernel) -> Tensor:
    x, y, dt = binary_operands(input, other, op)
    if dt not in _INTS and dt != _BOOL:
        raise not_implemented(kernel_name, dt, input, other)
    result = finish(run_exact(kernel, x, y), dt)
    return result if out is None else write_out(out, result, op)


@checks_in_torch_order(differentiable=False)
def bitwise_and(input, other, *, out=None) -> Tensor:
    """Elementwise bitwise AND of integer or bool operands."""
    return _bitwise(input, other, out, "bitwise_and", "bitwise_and_cpu", np.bitwise_and)


@checks_in_torch_order(differentiable=False)
def bitwise_or(input, other, *, out=None) -> Tensor:
    """Elementwise bitwise OR of integer or bool operands."""
    return _bitwise(input, other, out, "bitwise_or", "bitwise_or_cpu", np.bitwise_or)


@checks_in_torch_order(differentiable=False)
def bitwise_xor(input, other, *, out=None) -> Tensor:
    """Elementwise bitwise XOR of integer or bool operands."""
    return _bitwise(input, other, out, "bitwise_xor", "bitwise_xor_cpu", np.bitwise_xor)


def bitwise_not(input, *, out=None) -> Tensor:
    """Elementwise bitwise NOT (logical NOT for bool tensors)."""
    arr = input._data
    if out is not None and isinstance(out, Tensor) and out._data.dtype != arr.dtype:
        # The out tensor must have the input's dtype; PyTorch checks that first.
        raise RuntimeError(f"Found dtype {_type_word(out.dtype)} but expected "
                           f"{_type_word(input.dtype)}")
    if arr.dtype not in _INTS and arr.dtype != _BOOL:
        raise not_implemented("bitwise_not_cpu", arr.dtype)
    result = wrap(np.invert(arr))
    return result if out is None else write_out(out, result, "bitwise_not")


def _shift_arrays(x, y, np_dtype, left: bool):
    bits = np_dtype.itemsize * 8
    x = result_array(x).astype(np_dtype, copy=False)
    y = result_array(y).astype(np_dtype, copy=False)
    # C leaves shifts by negative or too-large amounts undefined; PyTorch defines them as the
    # limit of shifting one bit at a time (0, or the sign fill for a signed right shift).
    outside = np.less(y, 0) | np.greater_equal(y, bits)
    amount = np.where(outside, 0, y).astype(np_dtype)
    if left:
        return np.where(outside, 0, np.left_shift(x, amount)).astype(np_dtype)
    fill = np.right_shift(x, bits - 1) if np_dtype.kind == "i" else np.zeros_like(x)
    return np.where(outside, fill, np.right_shift(x, amount))


def _shift(input, other, out, op: str, kernel_name: str, left: bool) -> Tensor:
    x, y, dt = binary_operands(input, other, op)
    if dt not in _INTS:
        raise not_implemented(kernel_name, dt, input, other)
    result = finish(run_exact(_shift_arrays, x, y, dt, left), dt)
    return result if out is None else write_out(out, result, op)


@checks_in_torch_order(differentiable=False)
def bitwise_left_shift(input, other, *, out=None) -> Tensor:
    """``input << other`` for integer operands (shifts past the width give 0)."""
    return _shift(input, other, out, "bitwise_left_shift", "lshift_cpu", True)


@checks_in_torch_order(differentiable=False)
def bitwise_right_shift(input, other, *, out=None) -> Tensor:
    """``input >> other`` for integer operands (arithmetic shift for signed types)."""
    return _shift(input, other, out, "bitwise_right_shift", "rshift_cpu", False)


# ----------------------------------------------------------------------------------------------
# clamp
# ----------------------------------------------------------------------------------------------

def _bound_array(bound, compute):
    if bound is None:
        return None
    if isinstance(bound, Tensor):
        arr = bound._data
        return arr if arr.dtype == compute else arr.astype(compute)
    from ._dispatch import _scalar_for
    return _scalar_for(bound, compute)


def _clamp_arrays(x, low, high):
    if low is not None:
        x = np.maximum(x, low)
    if high is not None:
        x = np.minimum(x, high)
    return x


def _clamp_compute(input, low, high, op: str, kernel: str):
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    from ._dispatch import result_type
    dt = result_type(input, low, high).np
    if dt in _COMPLEX:
        raise NotImplementedError("clamp is not supported for complex types")
    # Bool clamps only exist against a single tensor bound (a plain maximum / minimum).
    single_tensor_bound = isinstance(low, Tensor) != isinstance(high, Tensor) and \
        (low is None or high is None)
    if dt == _BOOL and not single_tensor_bound:
        raise not_implemented(kernel, dt)
    for bound in (low, high):
        if bound is not None and not isinstance(bound, Tensor):
            # A number bound is converted to the result type first, refusing overflow
            # (clamp(uint8, min=300) raises rather than wrapping).
            from .creation import checked_scalar
            checked_scalar(bound, _BY_NP[dt])
    compute = _F32 if dt in _HALVES else dt
    arr = input._data if input._data.dtype == compute else input._data.astype(compute)
    arr = run(_clamp_arrays, arr, _bound_array(low, compute), _bound_array(high, compute))
    return finish(arr, dt)


def _clamp_self_grad(grad, x, low, high):
    if low is not None and high is not None:
        return where((x >= low) & (x <= high), grad, 0.0)
    if low is not None:
        return where(x >= low, grad, 0.0)
    if high is not None:
        return where(x <= high, grad, 0.0)
    return grad


class ClampBackward0(Node):
    # clamp with tensor bounds: the bounds get the gradient where they were chosen.
    def backward(self, grad):
        x, low, high = self.saved_tensors
        gx = _clamp_self_grad(grad, x, low, high) if self._next[0] is not None else None
        glow = ghigh = None
        if low is not None and high is not None:
            if self._next[1] is not None:
                glow = where((x < low) & (low < high), grad, 0.0)
            if self._next[2] is not None:
                ghigh = where((x > high) | (high < low), grad, 0.0)
        elif low is not None and self._next[1] is not None:
            glow = where(x < low, grad, 0.0)
        elif high is not None and self._next[2] is not None:
            ghigh = where(x > high, grad, 0.0)
        return gx, glow, ghigh


class ClampBackward1(Node):
    # clamp with number bounds
    def backward(self, grad):
        (x,) = self.saved_tensors
        return (_clamp_self_grad(grad, x, self.low, self.high),)


def clamp(input, min=None, max=None, *, out=None) -> Tensor:
    """Limit every element to [min, max]; either bound (numbers or tensors) may be None."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    tensor_bounds = isinstance(min, Tensor) or isinstance(max, Tensor)
    if tensor_bounds and not (isinstance(min, (Tensor, type(None)))
                              and isinstance(max, (Tensor, type(None)))):
        raise TypeError(f"clamp() received an invalid combination of arguments - got (Tensor, "
                        f"{type(min).__name__}, {type(max).__name__}), but expected bounds that "
                        "are both Tensors or both Numbers")
    result = _clamp_compute(input, min, max, "clamp", "clamp_cpu" if tensor_bounds
                            else "clamp_scalar_cpu")
    if grad_state.enabled:
        if tensor_bounds:
            node = _node(ClampBackward0, result, input, min, max)
            if node is not None:
                node.save(input, min, max)
        elif input._rg:
            node = ClampBackward1((input,), result)
            node.low, node.high = min, max
            node.save(input)
    return result if out is None else write_out(out, result, "clamp")


clip = clamp


class ClampMinBackward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        return (where(x >= self.low, grad, 0.0),)


class ClampMinBackward1(Node):
    def backward(self, grad):
        x, low = self.saved_tensors
        gx = where(x >= low, grad, 0.0) if self._next[0] is not None else None
        glow = where(x < low, grad, 0.0) if self._next[1] is not None else None
        return gx, glow


class ClampMaxBackward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        return (where(x <= self.high, grad, 0.0),)


class ClampMaxBackward1(Node):
    def backward(self, grad):
        x, high = self.saved_tensors
        gx = where(x <= high, grad, 0.0) if self._next[0] is not None else None
        ghigh = where(x > high, grad, 0.0) if self._next[1] is not None else None
        return gx, ghigh


def _clamp_one_side(input, bound, out, op: str, lower: bool) -> Tensor:
    is_tensor = isinstance(bound, Tensor)
    if not is_tensor and not isinstance(bound, _NUMBERS):
        raise TypeError(f"{op}(): argument '{'min' if lower else 'max'}' must be Number or "
                        f"Tensor, not {type(bound).__name__}")
    kernel = f"{op}_cpu" if is_tensor else f"{op}_scalar_cpu"
    low, high = (bound, None) if lower else (None, bound)
    result = _clamp_compute(input, low, high, op, kernel)
    if grad_state.enabled:
        if is_tensor:
            node = _node(ClampMinBackward1 if lower else ClampMaxBackward1, result, input, bound)
            if node is not None:
                node.save(input, bound)
        elif input._rg:
            node = (ClampMinBackward0 if lower else ClampMaxBackward0)((input,), result)
            node.low = node.high = bound
            node.save(input)
    return result if out is None else write_out(out, result, op)


def clamp_min(input, min, *, out=None) -> Tensor:
    """Raise every element to at least ``min`` (a number or a tensor)."""
    return _clamp_one_side(input, min, out, "clamp_min", True)


def clamp_max(input, max, *, out=None) -> Tensor:
    """Lower every element to at most ``max`` (a number or a tensor)."""
    return _clamp_one_side(input, max, out, "clamp_max", False)


def clamp_(self, min=None, max=None) -> Tensor:
    """In-place :func:`clamp`."""
    check_inplace_cast(self, min, max)
    return apply_inplace(self, clamp(self, min, max))


def clamp_min_(self, min) -> Tensor:
    """In-place :func:`clamp_min`."""
    check_inplace_cast(self, min)
    return apply_inplace(self, clamp_min(self, min))


def clamp_max_(self, max) -> Tensor:
    """In-place :func:`clamp_max`."""
    check_inplace_cast(self, max)
    return apply_inplace(self, clamp_max(self, max))


clip_ = clamp_


# ----------------------------------------------------------------------------------------------
# where
# ----------------------------------------------------------------------------------------------

class WhereBackward0(Node):
    def backward(self, grad):
        condition = self.condition
        gx = where(condition, grad, 0.0) if self._next[0] is not None else None
        gy = where(condition, 0.0, grad) if self._next[1] is not None else None
        return gx, gy


def _condition_array(condition):
    if not isinstance(condition, Tensor):
        raise TypeError(f"where(): argument 'condition' (position 1) must be Tensor, not "
                        f"{type(condition).__name__}")
    arr = condition._data
    if arr.dtype == _BOOL:
        return arr
    if arr.dtype == np.uint8:
        warnings.warn("where received a uint8 condition tensor. This behavior is deprecated and "
                      "will be removed in a future version of PyTorch. Use a boolean condition "
                      "instead.", UserWarning, stacklevel=3)
        return arr.astype(_BOOL)
    raise RuntimeError("where expected condition to be a boolean tensor, but got a tensor with "
                       f"dtype {_type_word(condition.dtype)}")


def where(condition, input=None, other=None, *, out=None):
    """``input`` where ``condition`` holds, else ``other``; alone, the indices where it holds."""
    if input is None and other is None:
        from .advanced_index import nonzero
        return nonzero(condition, as_tuple=True)
    if input is None or other is None:
        raise TypeError("where() missing a required argument: both 'input' and 'other' are "
                        "needed with a condition")
    cond = _condition_array(condition)
    if out is not None:
        # Only the all-tensor overload of where takes out=.
        _require_tensors("where", input, other)
    if isinstance(input, Tensor) or isinstance(other, Tensor):
        x, y, dt = binary_operands(input, other, "where")
    else:
        from ._dispatch import result_type
        x, y, dt = input, other, result_type(input, other).np
    if dt.kind in "iu":
        # A number written into an integer result must fit it (uint8 with 300 raises).
        from .creation import checked_scalar
        for value in (input, other):
            if not isinstance(value, Tensor):
                checked_scalar(value, _BY_NP[dt])
    result = finish(run_exact(np.where, cond, x, y), dt)
    node = _node(WhereBackward0, result, input, other)
    if node is not None:
        node.condition = wrap(cond)
    return result if out is None else write_out(out, result, "where")


def _where_method(self, condition, other) -> Tensor:
    """``self`` where ``condition`` holds, else ``other``."""
    return where(condition, self, other)


# ----------------------------------------------------------------------------------------------
# lerp, addcmul, addcdiv
# ----------------------------------------------------------------------------------------------

_CPP_TYPE_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half",
                   "bfloat16": "c10::BFloat16", "int64": "long int", "int32": "int",
                   "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
                   "bool": "bool", "complex64": "c10::complex<float>",
                   "complex128": "c10::complex<double>"}


def _cpp_type(np_dtype) -> str:
    return _CPP_TYPE_NAMES[_BY_NP[np_dtype].name]


def _check_same_dtype(expected, actual, name: str) -> None:
    if actual != expected:
        raise RuntimeError(f"expected dtype {_cpp_type(expected)} for `{name}` but got dtype "
                           f"{_cpp_type(actual)}")


def _lerp_arrays(start, end, weight, complex_: bool):
    difference = end - start
    if isinstance(weight, (int, float, complex)):
        if abs(weight) < 0.5:
            return start + weight * difference
        return end - difference * (1 - weight)
    small = (np.abs(weight) if complex_ else weight) < 0.5
    # Two formulas keep lerp exact at both ends (weight 0 gives start, 1 gives end).
    return np.where(small, start + weight * difference, end - difference * (1 - weight))


class LerpBackward0(Node):
    # number weight
    def backward(self, grad):
        weight = self.weight
        gx = grad * (1 - weight) if self._next[0] is not None else None
        gy = grad * weight if self._next[1] is not None else None
        return gx, gy


class LerpBackward1(Node):
    # tensor weight
    def backward(self, grad):
        start, end, weight = self.saved_tensors
        gx = grad * conj_if_complex(1 - weight) if self._next[0] is not None else None
        gy = grad * conj_if_complex(weight) if self._next[1] is not None else None
        gw = grad * conj_if_complex(end - start) if self._next[2] is not None else None
        return gx, gy, gw


def lerp(input, end, weight, *, out=None) -> Tensor:
    """Linear interpolation ``input + weight * (end - input)``; weight a number or a tensor."""
    _require_tensors("lerp", input, end, "end")
    dt = input._data.dtype
    _check_same_dtype(dt, end._data.dtype, "end")
    weight_is_tensor = isinstance(weight, Tensor)
    if weight_is_tensor:
        if weight._data.ndim or dt not in _INEXACT:
            _check_same_dtype(dt, weight._data.dtype, "weight")
        elif weight._data.dtype != dt:
            # A zero-dim weight of another dtype takes part in type promotion instead.
            from ._dispatch import result_type
            dt = result_type(input, end, weight).np
            if dt in _COMPLEX and input._data.dtype in _HALVES:
                raise NotImplementedError("\"lerp_kernel_tensor\" not implemented for "
                                          "'ComplexHalf'")
    elif not isinstance(weight, _NUMBERS):
        raise TypeError(f"lerp(): argument 'weight' must be Number or Tensor, not "
                        f"{type(weight).__name__}")
    if dt not in _INEXACT:
        raise not_implemented("lerp_kernel_tensor" if weight_is_tensor else "lerp_kernel_scalar",
                              dt)
    if not weight_is_tensor and isinstance(weight, complex) and dt not in _COMPLEX:
        raise RuntimeError(f"value cannot be converted to type {_cpp_type(dt)} without overflow")
    compute = _F32 if dt in _HALVES else dt
    start, stop = input._data.astype(compute), end._data.astype(compute)
    w = weight._data.astype(compute) if weight_is_tensor else weight
    result = finish(run(_lerp_arrays, start, stop, w, dt in _COMPLEX), dt)
    if grad_state.enabled:
        if weight_is_tensor:
            node = _node(LerpBackward1, result, input, end, weight)
            if node is not None:
                node.save(input, end, weight)
        else:
            node = _node(LerpBackward0, result, input, end)
            if node is not None:
                node.weight = weight
    return result if out is None else write_out(out, result, "lerp")


def _ternary_operands(input, tensor1, tensor2, op: str):
    for position, (name, t) in enumerate((("input", input), ("tensor1", tensor1),
                                           ("tensor2", tensor2)), 1):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}(): argument '{name}' (position {position}) must be Tensor, "
                            f"not {type(t).__name__}")
    from ._dispatch import result_type
    dt = result_type(input, tensor1, tensor2).np
    compute = _F32 if dt in _HALVES else dt
    arrays = [t._data if t._data.dtype == compute else t._data.astype(compute)
              for t in (input, tensor1, tensor2)]
    return arrays, dt


def _value_for(value, np_dtype):
    if np_dtype in _INTS and isinstance(value, (float, np.floating)):
        # PyTorch converts the scalar to the integer result type, truncating toward zero.
        return int(value)
    if isinstance(value, complex) and np_dtype not in _COMPLEX:
        raise RuntimeError(f"value cannot be converted to type {_cpp_type(np_dtype)} without "
                           "overflow")
    return value


class AddcmulBackward0(Node):
    def backward(self, grad):
        t1, t2 = self.saved_tensors
        value = self.value
        g0 = grad if self._next[0] is not None else None
        g1 = grad * conj_if_complex(t2) * value if self._next[1] is not None else None
        g2 = grad * conj_if_complex(t1) * value if self._next[2] is not None else None
        return g0, g1, g2


def addcmul(input, tensor1, tensor2, *, value=1, out=None) -> Tensor:
    """``input + value * tensor1 * tensor2``."""
    (x, a, b), dt = _ternary_operands(input, tensor1, tensor2, "addcmul")
    if dt == _BOOL:
        raise not_implemented("addcmul_cpu_out", dt)
    value = _value_for(value, dt)
    result = finish(run(lambda s, p, q: s + value * p * q, x, a, b), dt)
    node = _node(AddcmulBackward0, result, input, tensor1, tensor2)
    if node is not None:
        node.value = value
        node.save(tensor1 if tensor2._rg else None, tensor2 if tensor1._rg else None)
    return result if out is None else write_out(out, result, "addcmul")


class AddcdivBackward0(Node):
    def backward(self, grad):
        t1, t2 = self.saved_tensors
        value = self.value
        g0 = grad if self._next[0] is not None else None
        g1 = grad * conj_if_complex(value / t2) if self._next[1] is not None else None
        g2 = None
        if self._next[2] is not None:
            g2 = -grad * conj_if_complex(value * t1 / (t2 * t2))
        return g0, g1, g2


_ADDCDIV_INTEGER_MESSAGE = (
    "Integer division with addcdiv is no longer supported, and in a future  release addcdiv will "
    "perform a true division of tensor1 and tensor2. The historic addcdiv behavior can be "
    "implemented as (input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for integer "
    "inputs and as (input + value * tensor1 / tensor2) for float inputs. The future addcdiv "
    "behavior is just the latter implementation: (input + value * tensor1 / tensor2), for all "
    "dtypes.")


def addcdiv(input, tensor1, tensor2, *, value=1, out=None) -> Tensor:
    """``input + value * tensor1 / tensor2`` (tensor1 and tensor2 may not both be integral)."""
    (x, a, b), dt = _ternary_operands(input, tensor1, tensor2, "addcdiv")
    if tensor1._data.dtype not in _INEXACT and tensor2._data.dtype not in _INEXACT:
        raise RuntimeError(_ADDCDIV_INTEGER_MESSAGE)
    if dt == _C64 and complex_half(input, tensor1, tensor2):
        if isinstance(out, Tensor) and not D.can_cast(_BY_NP[dt], out.dtype):
            raise RuntimeError(f"result type ComplexHalf can't be cast to the desired output "
                               f"type {_type_word(out.dtype)}")
        raise not_implemented("addcdiv_cpu_out", dt, input, tensor1, tensor2)
    value = _value_for(value, dt)
    result = finish(run(lambda s, p, q: s + value * p / q, x, a, b), dt)
    node = _node(AddcdivBackward0, result, input, tensor1, tensor2)
    if node is not None:
        node.value = value
        node.save(tensor1 if tensor2._rg else None, tensor2)
    return result if out is None else write_out(out, result, "addcdiv")


# ----------------------------------------------------------------------------------------------
# Tensor methods
# ----------------------------------------------------------------------------------------------

_METHODS = ["floor_divide", "remainder", "fmod", "pow", "float_power", "atan2", "arctan2",
            "hypot", "copysign", "ldexp", "nextafter", "maximum", "minimum", "fmax", "fmin",
            "logaddexp", "logaddexp2", "xlogy", "gcd", "lcm", "heaviside", "eq", "ne", "lt", "le",
            "gt", "ge", "greater", "greater_equal", "less", "less_equal", "not_equal", "isclose",
            "allclose", "equal", "logical_and", "logical_or", "logical_xor", "logical_not",
            "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "bitwise_left_shift",
            "bitwise_right_shift", "clamp", "clip", "clamp_min", "clamp_max", "lerp", "addcmul",
            "addcdiv", "float_power_", "clamp_", "clip_", "clamp_min_", "clamp_max_"]

_INPLACE = ["floor_divide", "remainder", "fmod", "pow", "atan2", "arctan2", "hypot", "copysign",
            "ldexp", "nextafter", "xlogy", "gcd", "lcm", "heaviside", "eq", "ne", "lt", "le", "gt",
            "ge", "greater", "greater_equal", "less", "less_equal", "not_equal", "logical_and",
            "logical_or", "logical_xor", "logical_not", "bitwise_and", "bitwise_or", "bitwise_xor",
            "bitwise_not", "bitwise_left_shift", "bitwise_right_shift", "lerp", "addcmul",
            "addcdiv"]


def lerp_(self, end, weight) -> Tensor:
    """In-place :func:`lerp`."""
    check_inplace_shape(self, end, weight)
    return apply_inplace(self, lerp(self, end, weight))


def addcmul_(self, tensor1, tensor2, *, value=1) -> Tensor:
    """In-place :func:`addcmul`."""
    check_inplace_shape(self, tensor1, tensor2)
    return apply_inplace(self, addcmul(self, tensor1, tensor2, value=value))


def addcdiv_(self, tensor1, tensor2, *, value=1) -> Tensor:
    """In-place :func:`addcdiv`."""
    check_inplace_shape(self, tensor1, tensor2)
    return apply_inplace(self, addcdiv(self, tensor1, tensor2, value=value))


def check_inplace_cast(self: Tensor, *operands) -> None:
    """Refuse an in-place op whose promoted dtype cannot be written back into ``self``
    (PyTorch checks this before the kernel's own dtype checks)."""
    from ._dispatch import result_type
    promoted = result_type(self, *operands)
    if not D.can_cast(promoted, self.dtype):
        raise RuntimeError(f"result type {_type_word(promoted)} can't be cast to the desired "
                           f"output type {_type_word(self.dtype)}")


def check_inplace_shape(self: Tensor, *operands) -> None:
    """Refuse an in-place op whose operands broadcast beyond ``self``'s shape."""
    shapes = [x._data.shape for x in operands if isinstance(x, Tensor)]
    if all(shape == self._data.shape for shape in shapes):
        return
    error = broadcast_error(self._data, *(x._data for x in operands if isinstance(x, Tensor)))
    if error is not None:
        raise error
    target = np.broadcast_shapes(self._data.shape, *shapes)
    if target != self._data.shape:
        from ._dispatch import shape_str
        raise RuntimeError(f"output with shape {shape_str(self._data.shape)} doesn't match the "
                           f"broadcast shape {shape_str(target)}")


def _cast_checked_inplace(fn, name: str, tensor_only: bool = False):
    """The ``name`` in-place method of binary op ``fn``: shape and cast checks come first."""
    def method(self, other, *args, **kwargs):
        if tensor_only and not isinstance(other, Tensor):
            raise TypeError(f"{name}(): argument 'other' (position 1) must be Tensor, not "
                            f"{type(other).__name__}")
        if isinstance(other, (Tensor,) + _NUMBERS):
            check_inplace_shape(self, other)
            check_inplace_cast(self, other)
        return apply_inplace(self, fn(self, other, *args, **kwargs))
    return _named_inplace(method, name)


def _named_inplace(method, name: str):
    """``method`` named and documented as the in-place Tensor method ``name``."""
    method.__name__ = name
    method.__qualname__ = f"Tensor.{name}"
    method.__doc__ = f"In-place version of :meth:`Tensor.{name[:-1]}`."
    return method


def _shape_checked_inplace(fn, name: str):
    """The ``name`` in-place method of a comparison or logical op: its bool result may be
    written into any dtype, so only the shapes are checked before the kernel's refusals."""
    def method(self, other, *args, **kwargs):
        if isinstance(other, Tensor) and other._data.shape != self._data.shape:
            check_inplace_shape(self, other)
        return apply_inplace(self, fn(self, other, *args, **kwargs))
    return _named_inplace(method, name)


for _name in ("eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less",
              "less_equal", "not_equal", "logical_and", "logical_or", "logical_xor"):
    globals()[_name + "_"] = _shape_checked_inplace(globals()[_name], _name + "_")
del _name

floor_divide_ = _cast_checked_inplace(floor_divide, "floor_divide_")
remainder_ = _cast_checked_inplace(remainder, "remainder_")
fmod_ = _cast_checked_inplace(fmod, "fmod_")
pow_ = _cast_checked_inplace(pow, "pow_")
copysign_ = _cast_checked_inplace(copysign, "copysign_")
xlogy_ = _cast_checked_inplace(xlogy, "xlogy_")
bitwise_and_ = _cast_checked_inplace(bitwise_and, "bitwise_and_")
bitwise_or_ = _cast_checked_inplace(bitwise_or, "bitwise_or_")
bitwise_xor_ = _cast_checked_inplace(bitwise_xor, "bitwise_xor_")
bitwise_left_shift_ = _cast_checked_inplace(bitwise_left_shift, "bitwise_left_shift_")
bitwise_right_shift_ = _cast_checked_inplace(bitwise_right_shift, "bitwise_right_shift_")
atan2_ = _cast_checked_inplace(atan2, "atan2_", tensor_only=True)
arctan2_ = _cast_checked_inplace(atan2, "arctan2_", tensor_only=True)
hypot_ = _cast_checked_inplace(hypot, "hypot_", tensor_only=True)
ldexp_ = _cast_checked_inplace(ldexp, "ldexp_", tensor_only=True)
nextafter_ = _cast_checked_inplace(nextafter, "nextafter_", tensor_only=True)
gcd_ = _cast_checked_inplace(gcd, "gcd_", tensor_only=True)
lcm_ = _cast_checked_inplace(lcm, "lcm_", tensor_only=True)

bind_methods(_METHODS, globals(), inplace=_INPLACE)
Tensor.where = _where_method


__all__ = ["floor_divide", "remainder", "fmod", "pow", "float_power", "atan2", "arctan2",
           "hypot", "copysign", "ldexp", "nextafter", "maximum", "minimum", "fmax", "fmin",
           "logaddexp", "logaddexp2", "xlogy", "gcd", "lcm", "heaviside", "eq", "ne", "lt", "le",
           "gt", "ge", "greater", "greater_equal", "less", "less_equal", "not_equal", "isclose",
           "allclose", "equal", "logical_and", "logical_or", "logical_xor", "logical_not",
           "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "bitwise_left_shift",
           "bitwise_right_shift", "clamp", "clip", "clamp_min", "clamp_max", "where", "lerp",
           "addcmul", "addcdiv", "clamp_", "clip_", "clamp_min_", "clamp_max_", "xlogy_",
           "ldexp_", "gcd_", "lcm_"]
