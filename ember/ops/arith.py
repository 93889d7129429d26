"""Binary arithmetic: add, sub, mul, div and friends, each with its backward beside it."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import state as grad_state
from ..autograd.node import Node
from ._dispatch import apply_inplace, binary_operands, bind_methods, write_out

wrap = Tensor._make


def _finish(arr, np_dtype):
    # Half types and int->float ops compute in a wider type; round once to the result dtype.
    if arr.dtype != np_dtype:
        arr = arr.astype(np_dtype)
    return wrap(arr)


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
        return grad, (grad if alpha == 1 else grad * alpha)


class SubBackward0(Node):
    def backward(self, grad):
        alpha = self.alpha
        return grad, (-grad if alpha == 1 else grad * -alpha)


class RsubBackward1(Node):
    def backward(self, grad):
        return -grad, None


def add(input, other, *, alpha=1, out=None) -> Tensor:
    """``input + alpha * other`` with broadcasting and type promotion."""
    x, y, dt = binary_operands(input, other, "add")
    if alpha != 1:
        _check_alpha(alpha, dt, "add")
        y = y * alpha
    result = _finish(x + y, dt)
    if grad_state.enabled:
        node = _record(AddBackward0, result, input, other)
        if node is not None:
            node.alpha = alpha
    return result if out is None else write_out(out, result, "add")


def sub(input, other, *, alpha=1, out=None) -> Tensor:
    """``input - alpha * other`` with broadcasting and type promotion."""
    x, y, dt = binary_operands(input, other, "sub")
    if dt == np.bool_:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                           "Use the `^` or `logical_xor()` operator instead.")
    if alpha != 1:
        _check_alpha(alpha, dt, "sub")
        y = y * alpha
    result = _finish(x - y, dt)
    if grad_state.enabled:
        if isinstance(input, Tensor):
            node = _record(SubBackward0, result, input, other)
            if node is not None:
                node.alpha = alpha
        elif other._rg:
            # number - tensor: PyTorch records rsub.
            RsubBackward1((other, None), result)
    return result if out is None else write_out(out, result, "sub")


def rsub(input, other, *, alpha=1) -> Tensor:
    """``other - alpha * input``."""
    return sub(other, input, alpha=alpha)


subtract = sub


def _check_alpha(alpha, np_dtype, op):
    if np_dtype.kind in "biu" and isinstance(alpha, float):
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating "
                           "point number.")
    if np_dtype.kind == "b" and not isinstance(alpha, bool):
        raise RuntimeError("Boolean alpha only supported for Boolean results.")


# -- mul / div ---------------------------------------------------------------------------------

class MulBackward0(Node):
    scalar = None  # set when the other operand is a Python number

    def backward(self, grad):
        if self.scalar is not None:
            return grad * self.scalar, None
        a, b = self.saved_tensors
        ga = grad * (b.conj() if b.is_complex() else b) if self._next[0] is not None else None
        gb = grad * (a.conj() if a.is_complex() else a) if self._next[1] is not None else None
        return ga, gb


def mul(input, other, *, out=None) -> Tensor:
    """Elementwise product with broadcasting and type promotion."""
    x, y, dt = binary_operands(input, other, "mul")
    result = _finish(x * y, dt)
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

    def backward(self, grad):
        if self.scalar is not None:
            return grad / self.scalar, None
        a, b = self.saved_tensors
        ga = grad / (b.conj() if b.is_complex() else b) if self._next[0] is not None else None
        gb = None
        if self._next[1] is not None:
            quotient = a / (b * b)
            gb = -grad * (quotient.conj() if quotient.is_complex() else quotient)
        return ga, gb


class ReciprocalBackward0(Node):
    def backward(self, grad):
        (result,) = self.saved_tensors
        return (-grad * (result * result).conj(),)


def reciprocal(input, *, out=None) -> Tensor:
    """``1 / input`` elementwise; integers give the default float dtype."""
    x, _, dt = binary_operands(input, 1, "reciprocal", int_to_float=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        result = _finish(np.reciprocal(x) if x.dtype.kind in "fc" else 1 / x, dt)
    if grad_state.enabled and input._rg:
        ReciprocalBackward0((input,), result).save(result)
    return result if out is None else write_out(out, result, "reciprocal")


def div(input, other, *, rounding_mode=None, out=None) -> Tensor:
    """Division: true division by default, or 'trunc' / 'floor' rounding."""
    if rounding_mode is not None:
        from .binary import rounded_div
        result = rounded_div(input, other, rounding_mode)
        return result if out is None else write_out(out, result, "div")
    if not isinstance(input, Tensor) and isinstance(other, Tensor):
        # number / tensor is recorded by PyTorch as reciprocal(tensor) * number.
        return mul(reciprocal(other), input, out=out)
    x, y, dt = binary_operands(input, other, "div", int_to_float=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        result = _finish(np.true_divide(x, y), dt)
    if grad_state.enabled:
        if isinstance(other, Tensor):
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
    result = wrap(np.negative(arr))
    if grad_state.enabled and input._rg:
        NegBackward0((input,), result)
    return result if out is None else write_out(out, result, "neg")


negative = neg


# -- in-place forms -----------------------------------------------------------------------------

def add_(self, other, *, alpha=1) -> Tensor:
    return apply_inplace(self, add(self, other, alpha=alpha))


def sub_(self, other, *, alpha=1) -> Tensor:
    return apply_inplace(self, sub(self, other, alpha=alpha))


def mul_(self, other) -> Tensor:
    return apply_inplace(self, mul(self, other))


def div_(self, other, *, rounding_mode=None) -> Tensor:
    return apply_inplace(self, div(self, other, rounding_mode=rounding_mode))


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
