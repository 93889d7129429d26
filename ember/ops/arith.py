"""Binary arithmetic: add, sub, mul, div and friends, each with its backward beside it."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import state as grad_state
from ..autograd.node import Node
from .. import _dtype as D
from .._dtype import can_cast
from ._dispatch import _type_word, apply_inplace, binary_operands, bind_methods, write_out
from .binary import (_earlier_error, check_inplace_cast, check_inplace_shape, complex_half,
                     conj_if_complex, conj_if_complex_scalar, finish, not_implemented,
                     rounded_div, run, run_exact)

_BOOL = np.dtype(np.bool_)
_C64 = np.dtype(np.complex64)
_BY_NP = D._BY_NP


def _record(node_cls, out, a, b):
    """Attach a backward node when either operand requires grad (scalars record nothing)."""
    ta = a if isinstance(a, Tensor) and a._rg else None
    tb = b if isinstance(b, Tensor) and b._rg else None
    if ta is None and tb is None:
        return None
    return node_cls((ta, tb), out)


# -- add / sub ---------------------------------------------------------------------------------

class AddBackward0(Node):
    def backward(self, grad):
        alpha = self.alpha
        gb = None
        if self._next[1] is not None:
            gb = grad if alpha == 1 else grad * conj_if_complex_scalar(alpha)
        return grad, gb


class SubBackward0(Node):
    def backward(self, grad):
        alpha = self.alpha
        gb = None
        if self._next[1] is not None:
            gb = -grad if alpha == 1 else grad * -conj_if_complex_scalar(alpha)
        return grad, gb


class RsubBackward0(Node):
    # rsub(input, other) = other - alpha * input, both tensors.
    def backward(self, grad):
        alpha = self.alpha
        ga = None
        if self._next[0] is not None:
            ga = -grad if alpha == 1 else grad * -conj_if_complex_scalar(alpha)
        return ga, grad


class RsubBackward1(Node):
    # number - alpha * tensor
    def backward(self, grad):
        alpha = self.alpha
        return (-grad if alpha == 1 else grad * -conj_if_complex_scalar(alpha),)


def add(input, other, *, alpha=1, out=None) -> Tensor:
    """``input + alpha * other`` with broadcasting and type promotion."""
    x, y, dt = binary_operands(input, other, "add")
    if alpha != 1 or isinstance(alpha, bool) or dt.kind == "c":
        _check_alpha(alpha, dt)
        y = _scaled(y, _alpha_value(alpha, dt), dt)
    result = finish((run_exact if dt.kind in "biu" else run)(np.add, x, y), dt)
    if grad_state.enabled:
        node = _record(AddBackward0, result, input, other)
        if node is not None:
            node.alpha = alpha
    return result if out is None else write_out(out, result, "add")


def _is_bool_operand(x) -> bool:
    if isinstance(x, Tensor):
        return x._data.dtype == _BOOL
    return isinstance(x, (bool, np.bool_))


def _difference(minuend, subtrahend, alpha, op: str):
    """(minuend - alpha * subtrahend) as a tensor, with PyTorch's refusals for bools."""
    x, y, dt = binary_operands(minuend, subtrahend, op)
    if _is_bool_operand(minuend) or _is_bool_operand(subtrahend):
        if dt == _BOOL:
            raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not "
                               "supported. Use the `^` or `logical_xor()` operator instead.")
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")
    if alpha != 1 or isinstance(alpha, bool) or dt.kind == "c":
        # PyTorch subtracts as x + (-alpha) * y: -alpha must fit the result type, and the
        # product decides the signs of zeros (alpha=0 gives -0.0 - 0 * y = +0.0; for complex
        # numbers (-0+0j) - (0-1j) has real part +0).
        _check_alpha(alpha, dt)
        y = _scaled(y, _alpha_value(-alpha, dt), dt)
        return finish((run_exact if dt.kind in "biu" else run)(np.add, x, y), dt)
    return finish((run_exact if dt.kind in "biu" else run)(np.subtract, x, y), dt)


def _scaled(y, alpha, np_dtype):
    # PyTorch always forms alpha * other for complex results, even for alpha == 1, so an
    # infinite operand picks up a NaN imaginary part (0 * inf) exactly as it does there.
    if np_dtype.kind == "c":
        alpha = complex(alpha)
    return run(np.multiply, y, alpha)


def sub(input, other, *, alpha=1, out=None) -> Tensor:
    """``input - alpha * other`` with broadcasting and type promotion."""
    result = _difference(input, other, alpha, "sub")
    if grad_state.enabled:
        if isinstance(input, Tensor):
            node = _record(SubBackward0, result, input, other)
            if node is not None:
                node.alpha = alpha
        elif other._rg:
            node = SubBackward0((None, other), result)
            node.alpha = alpha
    return result if out is None else write_out(out, result, "sub")


def rsub(input, other, *, alpha=1) -> Tensor:
    """``other - alpha * input`` (subtraction with the operands reversed)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"rsub(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    result = _difference(other, input, alpha, "rsub")
    if grad_state.enabled:
        if isinstance(other, Tensor):
            node = _record(RsubBackward0, result, input, other)
            if node is not None:
                node.alpha = alpha
        elif input._rg:
            RsubBackward1((input,), result).alpha = alpha
    return result


subtract = sub

def _alpha_value(alpha, np_dtype):
    """``alpha`` converted to the result type as PyTorch converts it: RuntimeError on overflow
    (float16 with alpha=70000), negative numbers wrapping into unsigned types."""
    from .creation import checked_scalar
    return checked_scalar(alpha, _BY_NP[np_dtype])


def _check_alpha(alpha, np_dtype):
    if isinstance(alpha, bool) and np_dtype != _BOOL:
        raise RuntimeError("Boolean alpha only supported for Boolean results.")
    if np_dtype.kind in "biu" and isinstance(alpha, (float, np.floating)):
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating "
                           "point number.")
    if np_dtype.kind != "c" and isinstance(alpha, (complex, np.complexfloating)):
        raise RuntimeError("For non-complex input tensors, argument alpha must not be a complex "
                           "number.")


# -- mul / div ---------------------------------------------------------------------------------

class MulBackward0(Node):
    scalar = None  # set when the other operand is a Python number

    def backward(self, grad):
        if self.scalar is not None:
            return grad * conj_if_complex_scalar(self.scalar), None
        a, b = self.saved_tensors
        ga = grad * conj_if_complex(b) if self._next[0] is not None else None
        gb = grad * conj_if_complex(a) if self._next[1] is not None else None
        return ga, gb


def mul(input, other, *, out=None) -> Tensor:
    """Elementwise product with broadcasting and type promotion."""
    x, y, dt = binary_operands(input, other, "mul")
    result = finish((run_exact if dt.kind in "biu" else run)(np.multiply, x, y), dt)
    if grad_state.enabled:
        if not isinstance(input, Tensor):
            input, other = other, input  # number * tensor: the same rule as tensor * number
        if isinstance(other, Tensor):
            if input._rg or other._rg:
                node = MulBackward0((input, other), result)
                node.save(input if other._rg else None, other if input._rg else None)
        elif input._rg:
            MulBackward0((input, None), result).scalar = other
    return result if out is None else write_out(out, result, "mul")


multiply = mul


class DivBackward0(Node):
    scalar = None  # set when the divisor is a Python number
    dividend = None  # set when the dividend is a Python number

    def backward(self, grad):
        if self.scalar is not None:
            return grad / conj_if_complex_scalar(self.scalar), None
        a, b = self.saved_tensors
        if a is None and self.dividend is not None:
            a = self.dividend
        ga = grad / conj_if_complex(b) if self._next[0] is not None else None
        gb = None
        if self._next[1] is not None:
            gb = -grad * conj_if_complex(a / b / b)
        return ga, gb


class ReciprocalBackward0(Node):
    def backward(self, grad):
        (result,) = self.saved_tensors
        return (-grad * conj_if_complex(result * result),)


def _complex_reciprocal(z):
    """1 / z by c10::complex's division (Smith's method), as PyTorch's reciprocal computes it;
    its zeros and infinities differ from NumPy's (1 / 0j is inf+nanj, 1 / -1j is -0+1j)."""
    c, d = z.real, z.imag
    with np.errstate(all="ignore"):
        wide = np.abs(c) >= np.abs(d)
        rat = np.where(wide, d / c, c / d)
        scale = 1 / np.where(wide, c + d * rat, d + c * rat)
        # (a + b i) / (c + d i) with a = 1, b = 0, keeping the b terms for their NaNs and zeros.
        real = np.where(wide, (1 + 0 * rat) * scale, (rat + 0) * scale)
        imag = np.where(wide, (0 - rat) * scale, (0 * rat - 1) * scale)
        zero = (c == 0) & (d == 0)
        if zero.any():
            real = np.where(zero, np.inf, real)
            imag = np.where(zero, np.nan, imag)
    result = np.empty(z.shape, z.dtype)
    result.real, result.imag = real, imag
    return result


def reciprocal(input, *, out=None) -> Tensor:
    """``1 / input`` elementwise; integers give the default float dtype."""
    x, _, dt = binary_operands(input, 1, "reciprocal", int_to_float=True)
    result = finish(run(_complex_reciprocal if dt.kind == "c" else np.reciprocal, x), dt)
    if grad_state.enabled and input._rg:
        ReciprocalBackward0((input,), result).save(result)
    return result if out is None else write_out(out, result, "reciprocal")


def div(input, other, *, rounding_mode=None, out=None) -> Tensor:
    """Division: true division by default, or 'trunc' / 'floor' rounding."""
    if rounding_mode is not None:
        try:
            result = rounded_div(input, other, rounding_mode)
        except RuntimeError:
            # Shapes and the out= dtype are checked before the kernel's dtype refusals.
            error = _earlier_error(input, other, out, op="div")
            if error is None:
                raise
            raise error from None
        return result if out is None else write_out(out, result, "div")
    x, y, dt = binary_operands(input, other, "div", int_to_float=True)
    if dt is _C64 and complex_half(input, other):
        # (PyTorch has no ComplexHalf division; ember would compute it in complex64)
        raise (_earlier_error(input, other, out, op="div")
               or not_implemented("div_cpu", dt, input, other))
    result = finish(run(np.true_divide, x, y), dt)
    if grad_state.enabled:
        if not isinstance(input, Tensor):
            # number / tensor; the `/` operator instead forms reciprocal(tensor) * number.
            if other._rg:
                node = DivBackward0((None, other), result)
                node.dividend = input
                node.save(None, other)
        elif isinstance(other, Tensor):
            if input._rg or other._rg:
                node = DivBackward0((input, other), result)
                node.save(input if other._rg else None, other)
        elif input._rg:
            DivBackward0((input, None), result).scalar = other
    return result if out is None else write_out(out, result, "div")


divide = div
true_divide = div


# -- neg ----------------------------------------------------------------------------------------

class NegBackward0(Node):
    def backward(self, grad):
        return (-grad,)


def neg(input, *, out=None) -> Tensor:
    """Elementwise negation."""
    arr = input._data
    if arr.dtype == np.bool_:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you "
                           "are trying to invert a mask, use the `~` or `logical_not()` operator "
                           "instead.")
    result = finish(np.negative(arr), arr.dtype)
    if grad_state.enabled and input._rg:
        NegBackward0((input,), result)
    if out is None:
        return result
    if isinstance(out, Tensor) and out._data.dtype != arr.dtype and can_cast(result.dtype,
                                                                            out.dtype):
        # neg's out= must have the input's dtype (past the usual castability check).
        raise RuntimeError(f"Found dtype {_type_word(out.dtype)} but expected "
                           f"{_type_word(result.dtype)}")
    return write_out(out, result, "neg")


negative = neg


# -- in-place forms -----------------------------------------------------------------------------

def add_(self, other, *, alpha=1) -> Tensor:
    if _plain_float_update(self, other, alpha):
        # The optimizer-step case (p.add_(grad, alpha=-lr) with no graph): update the memory
        # directly instead of building the sum out of place and copying it back.
        target = self._data
        np.add(target, other._data if alpha == 1 else other._data * alpha, out=target)
        self._bump_version()
        return self
    return apply_inplace(self, add(self, other, alpha=alpha))


def _plain_float_update(self, other, alpha) -> bool:
    """Whether ``self += alpha * other`` can be written straight into self's memory: same real
    float dtype and shape, NumPy arrays, a real alpha and no autograd to record."""
    if not isinstance(other, Tensor) or type(alpha) not in (int, float):
        return False
    a, b = self._data, other._data
    return (type(a) is np.ndarray and type(b) is np.ndarray and a.dtype == b.dtype
            and a.dtype.kind == "f" and a.dtype.itemsize >= 4 and a.shape == b.shape
            and a.flags.writeable
            and not (grad_state.enabled and (self._rg or other._rg)))


def sub_(self, other, *, alpha=1) -> Tensor:
    return apply_inplace(self, sub(self, other, alpha=alpha))


def mul_(self, other) -> Tensor:
    return apply_inplace(self, mul(self, other))


def div_(self, other, *, rounding_mode=None) -> Tensor:
    if rounding_mode is not None and isinstance(other, (Tensor, int, float, complex, bool)):
        check_inplace_shape(self, other)  # PyTorch's order: shapes, cast, then the kernel
        check_inplace_cast(self, other)
    try:
        result = div(self, other, rounding_mode=rounding_mode)
    except NotImplementedError:
        # (a ComplexHalf promotion: PyTorch's in-place cast check comes before the kernel's)
        check_inplace_cast(self, other)
        raise
    return apply_inplace(self, result)


def reciprocal_(self) -> Tensor:
    return apply_inplace(self, reciprocal(self))


def neg_(self) -> Tensor:
    return apply_inplace(self, neg(self))


subtract_ = sub_
multiply_ = mul_
divide_ = div_
true_divide_ = div_
negative_ = neg_

bind_methods(["add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "neg",
              "negative", "add_", "sub_", "subtract_", "mul_", "multiply_", "div_", "divide_",
              "true_divide_", "neg_", "negative_", "reciprocal", "reciprocal_"], globals())

__all__ = ["add", "sub", "subtract", "rsub", "mul", "multiply", "div", "divide", "true_divide",
           "neg", "negative", "reciprocal"]
