"""Reductions: sum, mean and the rest of the family, each with its backward."""
from __future__ import annotations

import builtins
import operator

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.grad_mode import state as grad_state
from ..autograd.node import Node
from ._dispatch import bind_methods, write_out

wrap = Tensor._make


def reduction_dims(dim, ndim: int, op: str = "") -> tuple:
    """Normalize ``dim`` (None, int, or a sequence; empty means all) to sorted positive dims."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (list, tuple)):
        if len(dim) == 0:
            return tuple(range(ndim))
        dims = [_wrap(d, ndim) for d in dim]
        if len(set(dims)) != len(dims):
            repeated = next(d for d in dims if dims.count(d) > 1)
            raise RuntimeError(f"dim {repeated} appears multiple times in the list of dims")
        return tuple(sorted(dims))
    return (_wrap(dim, ndim),)


def _wrap(d, ndim: int) -> int:
    d = operator.index(d)
    bound = builtins.max(ndim, 1)
    if d < -bound or d >= bound:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-bound}, "
                         f"{bound - 1}], but got {d})")
    return d % bound


def expand_reduced(grad: Tensor, shape: tuple, dims: tuple, keepdim: bool) -> Tensor:
    """Broadcast a reduction's gradient back over the reduced dims (differentiably)."""
    if not keepdim and len(shape) > 0:
        grad = grad.reshape(_keepdim_shape(shape, dims))
    return grad.expand(shape)


def _keepdim_shape(shape, dims) -> tuple:
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


# -- sum -----------------------------------------------------------------------------------------

class SumBackward0(Node):
    # Sum over every element.
    def backward(self, grad):
        return (grad.expand(self.shape),)


class SumBackward1(Node):
    # Sum over some dims.
    def backward(self, grad):
        return (expand_reduced(grad, self.shape, self.dims, self.keepdim),)


def _sum_dtype(arr_dtype, dtype):
    if dtype is not None:
        return dtype.np
    if arr_dtype.kind in "biu":
        return np.dtype(np.int64)
    return arr_dtype


def sum(input, dim=None, keepdim: bool = False, *, dtype=None, out=None) -> Tensor:
    """Sum of elements, over all of them or over ``dim`` (an int or a tuple)."""
    arr = input._data
    out_dtype = _sum_dtype(arr.dtype, dtype)
    if arr.dtype != out_dtype:
        arr = arr.astype(out_dtype)
    whole = dim is None or (isinstance(dim, (list, tuple)) and len(dim) == 0)
    if whole and not keepdim:
        result = wrap(_accumulate_sum(arr, None, False, out_dtype))
        if grad_state.enabled and input._rg:
            SumBackward0((input,), result).shape = input._data.shape
    else:
        dims = reduction_dims(dim, arr.ndim, "sum")
        result = wrap(_accumulate_sum(arr, dims if arr.ndim else None, keepdim, out_dtype))
        if grad_state.enabled and input._rg:
            node = SumBackward1((input,), result)
            node.shape, node.dims, node.keepdim = input._data.shape, dims, keepdim
    return result if out is None else write_out(out, result, "sum")


def _accumulate_sum(arr, axis, keepdims, out_dtype):
    if out_dtype == np.float16 or out_dtype == D.bfloat16.np:
        # PyTorch accumulates half types in float32.
        return np.asarray(np.sum(arr.astype(np.float32), axis=axis, keepdims=keepdims)
                          ).astype(out_dtype)
    return np.asarray(np.sum(arr, axis=axis, keepdims=keepdims))


def sum_to_shape(grad: Tensor, shape: tuple) -> Tensor:
    """Sum ``grad`` down to ``shape`` (undo broadcasting): the one place ops rely on for this."""
    gshape = grad._data.shape
    if gshape == tuple(shape):
        return grad
    lead = len(gshape) - len(shape)
    if lead < 0:
        raise RuntimeError(f"sum_to_shape: cannot reduce shape {list(gshape)} to {list(shape)}")
    dims = list(range(lead))
    for i, size in enumerate(shape):
        if size == 1 and gshape[lead + i] != 1:
            dims.append(lead + i)
        elif size != gshape[lead + i]:
            raise RuntimeError(f"sum_to_shape: cannot reduce shape {list(gshape)} to {list(shape)}")
    if dims:
        grad = sum(grad, tuple(dims), keepdim=True)
    if lead:
        grad = grad.reshape(shape)
    return grad


# -- mean ----------------------------------------------------------------------------------------

class MeanBackward0(Node):
    def backward(self, grad):
        return (grad.expand(self.shape) / self.count,)


class MeanBackward1(Node):
    def backward(self, grad):
        return (expand_reduced(grad, self.shape, self.dims, self.keepdim) / self.count,)


def mean(input, dim=None, keepdim: bool = False, *, dtype=None, out=None) -> Tensor:
    """Arithmetic mean over all elements or over ``dim``; floating and complex dtypes only."""
    arr = input._data
    target = dtype if dtype is not None else D._BY_NP[arr.dtype]
    if not (target.is_floating_point or target.is_complex):
        from ._dispatch import _type_word
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a "
                           f"floating point or complex dtype. Got: {_type_word(target)}")
    if arr.dtype != target.np:
        arr = arr.astype(target.np)
    whole = dim is None or (isinstance(dim, (list, tuple)) and len(dim) == 0)
    dims = tuple(range(arr.ndim)) if whole else reduction_dims(dim, arr.ndim, "mean")
    count = 1
    for d in dims:
        count *= arr.shape[d]
    axis = None if (whole and not keepdim) or arr.ndim == 0 else dims
    compute = np.float32 if arr.dtype in (np.float16, D.bfloat16.np) else arr.dtype
    with np.errstate(invalid="ignore", divide="ignore"):
        value = np.asarray(np.mean(arr, axis=axis, keepdims=keepdim and axis is not None,
                                   dtype=compute))
    result = wrap(value.astype(target.np) if value.dtype != target.np else value)
    if grad_state.enabled and input._rg:
        if axis is None and not keepdim:
            node = MeanBackward0((input,), result)
            node.shape = input._data.shape
        else:
            node = MeanBackward1((input,), result)
            node.shape, node.dims, node.keepdim = input._data.shape, dims, keepdim
        node.count = count
    return result if out is None else write_out(out, result, "mean")


bind_methods(["sum", "mean"], globals())

__all__ = ["sum", "mean"]
