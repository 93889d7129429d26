"""Reductions and scans: sum, mean, prod, std/var, max/min and kin, logsumexp, all/any,
count_nonzero and the cumulative ops, each forward beside its backward node.

Forward passes are NumPy calls along axes.  Backward passes are written with ember ops, plus a
few private differentiable helpers defined here (gather/scatter along a dim, flip, shift), so
that double backward works.  The sorting family (sort, topk, median, ...) lives in sorting.py
and reuses those helpers.
"""
from __future__ import annotations

import builtins
import math
import operator
import warnings

import numpy as np

from .. import _dtype as D
from .. import return_types
from .._tensor import Tensor
from ..autograd.grad_mode import state as grad_state
from ..autograd.node import Node
from ._dispatch import _type_word, bind_methods, write_out

wrap = Tensor._make
_HALF_TYPES = (np.dtype(np.float16), D.bfloat16.np)
_F32 = np.dtype(np.float32)
_F64 = np.dtype(np.float64)
_I64 = np.dtype(np.int64)


class _Unset:
    """Default of a ``dim`` that was not passed at all (PyTorch picks another overload then)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "None"


UNSET = _Unset()


# ----------------------------------------------------------------------------------------------
# dims and shapes
# ----------------------------------------------------------------------------------------------

def reduction_dims(dim, ndim: int, op: str = "") -> tuple:
    """Normalize ``dim`` (None, int, or a sequence; empty means all) to sorted positive dims."""
    if dim is None or dim is UNSET:
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
    try:
        d = operator.index(d)
    except TypeError:
        raise TypeError(f"argument 'dim' must be int, not {type(d).__name__}") from None
    bound = builtins.max(ndim, 1)
    if d < -bound or d >= bound:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-bound}, "
                         f"{bound - 1}], but got {d})")
    return d % bound


def wrap_dim(dim, ndim: int, op: str) -> int:
    """One dim as a non-negative int; PyTorch's TypeError for None, tuples and lists."""
    if dim is None or isinstance(dim, (tuple, list)):
        raise TypeError(f"{op}(): argument 'dim' (position 1) must be int, not "
                        f"{type(dim).__name__}")
    return _wrap(dim, ndim)


def _no_keepdim_without_dim(op: str, keepdim) -> None:
    # The overload without ``dim`` has no ``keepdim`` either.
    if keepdim:
        raise TypeError(f"{op}() received an invalid combination of arguments - got "
                        "(keepdim=bool, ), but expected (int dim, bool keepdim = False)")


def _is_whole(dim) -> bool:
    return dim is None or dim is UNSET or (isinstance(dim, (list, tuple)) and len(dim) == 0)


def expand_reduced(grad: Tensor, shape: tuple, dims: tuple, keepdim: bool) -> Tensor:
    """Broadcast a reduction's gradient back over the reduced dims (differentiably)."""
    return restore_reduced(grad, shape, dims, keepdim).expand(shape)


def restore_reduced(t: Tensor, shape: tuple, dims: tuple, keepdim: bool) -> Tensor:
    """A reduction's output with its reduced dims put back as size 1 (a view)."""
    if not keepdim and len(shape) > 0 and t._data.ndim != len(shape):
        t = t.reshape(_keepdim_shape(shape, dims))
    return t


def _restore_array(arr, shape: tuple, dims: tuple, keepdim: bool):
    if not keepdim and len(shape) > 0 and arr.ndim != len(shape):
        arr = arr.reshape(_keepdim_shape(shape, dims))
    return arr


def _keepdim_shape(shape, dims) -> tuple:
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


def _numel(shape, dims) -> int:
    if not shape:
        return 1
    count = 1
    for d in dims:
        count *= shape[d]
    return count


def _is_floating(arr) -> bool:
    return arr.dtype.kind == "f" or arr.dtype == D.bfloat16.np


def _as_compute(arr):
    # Half types are computed in float32 and rounded once, as PyTorch's kernels do.
    return arr.astype(_F32) if arr.dtype in _HALF_TYPES else arr


def as_array(value):
    """NumPy returns scalars from full reductions; ops keep 0-d arrays (other backends'
    arrays, such as meta arrays, pass through)."""
    if isinstance(value, (np.generic, int, float, complex, bool)):
        return np.asarray(value)
    return value


def _finish(value, np_dtype) -> Tensor:
    value = as_array(value)
    if value.dtype != np_dtype:
        value = value.astype(np_dtype)
    return wrap(value)


def _const(arr, like: Tensor) -> Tensor:
    """A NumPy mask or count as a constant tensor of ``like``'s dtype."""
    return wrap(np.asarray(arr, dtype=like._data.dtype, like=like._data))


def _not_implemented(kernel: str, arr) -> NotImplementedError:
    return NotImplementedError(f"\"{kernel}\" not implemented for "
                               f"'{_type_word(D._BY_NP[arr.dtype])}'")


def write_out_exact(out: Tensor, result: Tensor, op: str) -> Tensor:
    """``out=`` for ops whose output dtype must match exactly (no casting)."""
    if isinstance(out, Tensor) and out._data.dtype != result._data.dtype:
        raise RuntimeError(f"Expected out tensor to have dtype {_long_type_name(result)}, but got "
                           f"{_long_type_name(out)} instead")
    return write_out(out, result, op)


def _long_type_name(t: Tensor) -> str:
    return {"float32": "float", "float64": "double", "float16": "c10::Half",
            "bfloat16": "c10::BFloat16", "int64": "long int", "int32": "int",
            "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
            "bool": "bool", "complex64": "c10::complex<float>",
            "complex128": "c10::complex<double>"}[t.dtype.name]


def write_out_pair(out, values: Tensor, indices: Tensor, op: str, kind):
    """``out=(values, indices)`` for the ops that return a named pair."""
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise TypeError(f"{op}(): argument 'out' must be tuple of Tensors")
    write_out_exact(out[0], values, op)
    write_out_exact(out[1], indices, op)
    return kind((out[0], out[1]))


# ----------------------------------------------------------------------------------------------
# private differentiable helpers used by backward formulas
# ----------------------------------------------------------------------------------------------

class GatherBackward0(Node):
    def backward(self, grad):
        return (scatter_along(grad, self.dim, self.index, self.shape, accumulate=True),)


def gather_along(input: Tensor, dim: int, index) -> Tensor:
    """``input``'s values at the NumPy ``index`` along ``dim`` (``torch.gather``)."""
    result = wrap(np.take_along_axis(input._data, index, axis=dim))
    if grad_state.enabled and input._rg:
        node = GatherBackward0((input,), result)
        node.dim, node.index, node.shape = dim, index, input._data.shape
    return result


class ScatterAddBackward0(Node):
    def backward(self, grad):
        return (gather_along(grad, self.dim, self.index),)


def scatter_along(src: Tensor, dim: int, index, shape, accumulate: bool = False) -> Tensor:
    """Zeros of ``shape`` with ``src`` written (or added) at the NumPy ``index`` along ``dim``."""
    data = np.zeros(shape, dtype=src._data.dtype, like=src._data)
    values = np.broadcast_to(src._data, index.shape)
    if accumulate:
        where = list(np.indices(index.shape, sparse=True))
        where[dim] = index
        np.add.at(data, tuple(where), values)
    else:
        np.put_along_axis(data, index, values, axis=dim)
    result = wrap(data)
    if grad_state.enabled and src._rg:
        node = ScatterAddBackward0((src,), result)
        node.dim, node.index = dim, index
    return result


def select_backward(grad: Tensor, dim: int, indices, shape: tuple, keepdim: bool) -> Tensor:
    """Gradient of a value-selecting reduction (max/min/sort/topk along ``dim``): ``grad``
    scattered back to the positions the values came from."""
    if len(shape) == 0:
        return grad.reshape(())
    if not keepdim:
        grad = grad.unsqueeze(dim)
        indices = np.expand_dims(indices, dim)
    return scatter_along(grad, dim, indices, shape)


class FlipBackward0(Node):
    def backward(self, grad):
        return (flip_dim(grad, self.dim),)


def flip_dim(input: Tensor, dim: int) -> Tensor:
    """``input`` reversed along ``dim`` (a copy)."""
    result = wrap(np.flip(input._data, dim).copy())
    if grad_state.enabled and input._rg:
        FlipBackward0((input,), result).dim = dim
    return result


class _ShiftBackward(Node):
    def backward(self, grad):
        return (shift_dim(grad, self.dim, -self.step, 0),)

    def name(self) -> str:
        return "CatBackward0"


def shift_dim(input: Tensor, dim: int, step: int, fill) -> Tensor:
    """``input`` moved one place along ``dim`` (towards higher indices when ``step`` is 1),
    with ``fill`` in the vacated slot."""
    arr = input._data
    data = np.empty_like(arr)
    n = arr.shape[dim]
    lead = (slice(None),) * dim
    if step > 0:
        data[lead + (slice(1, None),)] = arr[lead + (slice(0, n - 1),)]
        data[lead + (slice(0, 1),)] = fill
    else:
        data[lead + (slice(0, n - 1),)] = arr[lead + (slice(1, None),)]
        data[lead + (slice(n - 1, n),)] = fill
    result = wrap(data)
    if grad_state.enabled and input._rg:
        node = _ShiftBackward((input,), result)
        node.dim, node.step = dim, step
    return result


def reverse_cumsum(grad: Tensor, dim: int) -> Tensor:
    """Sums from each position to the end along ``dim``."""
    return flip_dim(cumsum(flip_dim(grad, dim), dim), dim)


def _unary(name: str):
    # Elementwise math lives in the unary family; it is looked up when a backward runs.
    from . import unary
    return getattr(unary, name)


def _conj(t: Tensor) -> Tensor:
    return t.conj() if t._data.dtype.kind == "c" else t


# ----------------------------------------------------------------------------------------------
# sum, nansum
# ----------------------------------------------------------------------------------------------

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
        return _I64
    return arr_dtype


def sum(input, dim=UNSET, keepdim: bool = False, *, dtype=None, out=None, axis=None) -> Tensor:
    """Sum of elements, over all of them or over ``dim`` (an int or a tuple)."""
    if axis is not None:
        dim = axis
    arr = input._data
    out_dtype = _sum_dtype(arr.dtype, dtype)
    if arr.dtype != out_dtype:
        arr = arr.astype(out_dtype)
    if dim is UNSET and not keepdim:
        result = wrap(_accumulate_sum(arr, None, False, out_dtype))
        if grad_state.enabled and input._rg:
            _check_grad_dtype(out_dtype)
            SumBackward0((input,), result).shape = input._data.shape
    else:
        dims = reduction_dims(dim, arr.ndim, "sum")
        result = wrap(_accumulate_sum(arr, dims if arr.ndim else None, keepdim, out_dtype))
        if grad_state.enabled and input._rg:
            _check_grad_dtype(out_dtype)
            node = SumBackward1((input,), result)
            node.shape, node.dims, node.keepdim = input._data.shape, dims, keepdim
    return result if out is None else write_out(out, result, "sum")


def _accumulate_sum(arr, axis, keepdims, out_dtype):
    if out_dtype in _HALF_TYPES:
        # PyTorch accumulates half types in float32.
        return as_array(np.sum(arr.astype(_F32), axis=axis, keepdims=keepdims)
                        ).astype(out_dtype)
    # dtype= keeps NumPy from widening bool and small integer sums (a uint8 sum is uint8).
    return as_array(np.sum(arr, axis=axis, keepdims=keepdims, dtype=out_dtype))


def _check_grad_dtype(np_dtype) -> None:
    """PyTorch refuses to record a graph for an integer or bool result (sum(x, dtype=int64)
    of an x that requires grad)."""
    if np_dtype.kind in "biu":
        raise RuntimeError(f"Autograd not support dtype: {_type_word(D._BY_NP[np_dtype])}")


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


class NansumBackward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        mask = _const(~np.isnan(x._data), grad)
        return (expand_reduced(grad, self.shape, self.dims, self.keepdim) * mask,)


def nansum(input, dim=None, keepdim: bool = False, *, dtype=None, out=None, axis=None) -> Tensor:
    """Sum of elements treating NaN as zero."""
    if axis is not None:
        dim = axis
    arr = input._data
    if arr.dtype.kind == "c":
        raise RuntimeError("nansum on CPU does not support complex inputs")
    out_dtype = _sum_dtype(arr.dtype, dtype)
    if _is_floating(arr):
        arr = np.where(np.isnan(arr), arr.dtype.type(0), arr)
    if arr.dtype != out_dtype:
        arr = arr.astype(out_dtype)
    dims = reduction_dims(dim, arr.ndim, "nansum")
    result = wrap(_accumulate_sum(arr, dims if arr.ndim else None, keepdim, out_dtype))
    if grad_state.enabled and input._rg:
        _check_grad_dtype(out_dtype)
        node = NansumBackward0((input,), result)
        node.shape, node.dims, node.keepdim = input._data.shape, dims, keepdim
        node.save(input)
    return result if out is None else write_out(out, result, "nansum")


# ----------------------------------------------------------------------------------------------
# mean, nanmean
# ----------------------------------------------------------------------------------------------

class MeanBackward0(Node):
    def backward(self, grad):
        return (grad.expand(self.shape) / self.count,)


class MeanBackward1(Node):
    def backward(self, grad):
        return (expand_reduced(grad, self.shape, self.dims, self.keepdim) / self.count,)


def _mean_target(arr, dtype, op: str) -> D.dtype:
    target = dtype if dtype is not None else D._BY_NP[arr.dtype]
    if not (target.is_floating_point or target.is_complex):
        which = "Optional" if dtype is not None else "Input"
        raise RuntimeError(f"{op}(): could not infer output dtype. {which} dtype must be either a "
                           f"floating point or complex dtype. Got: {_type_word(target)}")
    return target


def mean(input, dim=UNSET, keepdim: bool = False, *, dtype=None, out=None, axis=None) -> Tensor:
    """Arithmetic mean over all elements or over ``dim``; floating and complex dtypes only."""
    if axis is not None:
        dim = axis
    arr = input._data
    target = _mean_target(arr, dtype, "mean")
    if arr.dtype != target.np:
        arr = arr.astype(target.np)
    dims = reduction_dims(dim, arr.ndim, "mean")
    count = _numel(arr.shape, dims)
    axis_ = dims if arr.ndim else None
    with np.errstate(invalid="ignore", divide="ignore"):
        total = np.sum(_as_compute(arr), axis=axis_, keepdims=keepdim)
        value = total / count if count else total * np.nan
    result = _finish(value, target.np)
    if grad_state.enabled and input._rg:
        if dim is UNSET and not keepdim:
            node = MeanBackward0((input,), result)
            node.shape = input._data.shape
        else:
            node = MeanBackward1((input,), result)
            node.shape, node.dims, node.keepdim = input._data.shape, dims, keepdim
        node.count = count
    return result if out is None else write_out(out, result, "mean")


def nanmean(input, dim=None, keepdim: bool = False, *, dtype=None, out=None,
            axis=None) -> Tensor:
    """Mean of the non-NaN elements (NaN where there are none)."""
    if axis is not None:
        dim = axis
    arr = input._data
    if not (arr.dtype.kind == "c" or _is_floating(arr)):
        raise RuntimeError("nanmean(): expected input to have floating point or complex dtype "
                           f"but got {_type_word(D._BY_NP[arr.dtype])}")
    dims = reduction_dims(dim, arr.ndim, "nanmean")
    present = ~np.isnan(arr)
    count = np.sum(present, axis=dims if arr.ndim else None, keepdims=keepdim)
    total = nansum(input, dim, keepdim, dtype=dtype)
    from .arith import div
    with np.errstate(invalid="ignore", divide="ignore"):
        result = div(total, wrap(as_array(count).astype(_I64)))
    return result if out is None else write_out(out, result, "nanmean")


# ----------------------------------------------------------------------------------------------
# prod
# ----------------------------------------------------------------------------------------------

class ProdBackward0(Node):
    # Product of every element.
    def backward(self, grad):
        x, result = self.saved_tensors
        if x._data.ndim == 0:
            return (grad,)
        zeros = np.count_nonzero(x._data == 0)
        if zeros == 0:
            return (grad * _conj(result / x),)
        if zeros > 1 and not grad_state.enabled:
            return (wrap(np.zeros(x._data.shape, grad._data.dtype, like=grad._data)),)
        flat = _prod_safe_zeros_backward(grad.reshape(1), x.reshape(-1), 0)
        return (flat.reshape(x._data.shape),)


class ProdBackward1(Node):
    # Product along one dim.
    def backward(self, grad):
        x, result = self.saved_tensors
        if x._data.ndim == 0:
            return (grad,)
        dim = self.dim
        if not self.keepdim:
            grad = grad.unsqueeze(dim)
            result = result.unsqueeze(dim)
        if not np.any(x._data == 0):
            return (grad * _conj(result / x),)
        return (_prod_safe_zeros_backward(grad, x, dim),)


def _prod_safe_zeros_backward(grad: Tensor, x: Tensor, dim: int) -> Tensor:
    # The product of all the other elements, as exclusive cumulative products from both ends.
    if x._data.size == 0:
        return grad.expand(x._data.shape)
    before = cumprod(shift_dim(x, dim, 1, 1), dim)
    after = flip_dim(cumprod(shift_dim(flip_dim(x, dim), dim, 1, 1), dim), dim)
    return grad * _conj(before * after)


def prod(input, dim=UNSET, keepdim: bool = False, *, dtype=None, out=None, axis=None) -> Tensor:
    """Product of all elements, or along one ``dim``."""
    if axis is not None:
        dim = axis
    arr = input._data
    out_dtype = _sum_dtype(arr.dtype, dtype)
    if arr.dtype != out_dtype:
        arr = arr.astype(out_dtype)
    compute = _as_compute(arr)
    # The argument parser rejects a bad dim before autograd looks at the dtype.
    d = None if dim is UNSET else wrap_dim(dim, arr.ndim, "prod")
    if grad_state.enabled and input._rg:
        _check_grad_dtype(out_dtype)
    if dim is UNSET:
        _no_keepdim_without_dim("prod", keepdim)
        result = _finish(np.prod(compute), out_dtype)
        if grad_state.enabled and input._rg:
            ProdBackward0((input,), result).save(input, result)
    else:
        axis_ = d if arr.ndim else None
        result = _finish(np.prod(compute, axis=axis_, keepdims=keepdim and arr.ndim > 0),
                         out_dtype)
        if grad_state.enabled and input._rg:
            node = ProdBackward1((input,), result)
            node.dim, node.keepdim = d, keepdim
            node.save(input, result)
    return result if out is None else write_out(out, result, "prod")


# ----------------------------------------------------------------------------------------------
# var, std, var_mean, std_mean
# ----------------------------------------------------------------------------------------------

def _parse_correction(op: str, dim, unbiased, correction):
    if isinstance(dim, bool):
        # The legacy form var(unbiased) takes the flag as the first positional argument.
        if unbiased is not None:
            raise TypeError(f"{op}() received an invalid combination of arguments - got "
                            f"(bool, bool)")
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{op}() received an invalid combination of arguments - got both "
                        "'unbiased' and 'correction'")
    if correction is None:
        correction = 0 if unbiased is False else 1
    elif not isinstance(correction, (int, float)):
        raise TypeError(f"{op}(): argument 'correction' must be Number, not "
                        f"{type(correction).__name__}")
    return dim, correction


def _moments(input: Tensor, dim, keepdim: bool, correction, op: str):
    """(variance array, mean array, dims, count) computed in double precision."""
    arr = input._data
    if not (arr.dtype.kind == "c" or _is_floating(arr)):
        what = "std and var" if op in ("std", "var") else op
        raise RuntimeError(f"{what} only support floating point and complex dtypes")
    dims = reduction_dims(dim, arr.ndim, op)
    count = _numel(arr.shape, dims)
    wide = arr.astype(np.complex128 if arr.dtype.kind == "c" else _F64)
    axis_ = dims if arr.ndim else None
    dof = builtins.max(0, count - correction)
    if dof <= 0:
        warnings.warn(f"{op}(): degrees of freedom is <= 0. Correction should be strictly less "
                      "than the reduction factor (input numel divided by output numel).",
                      UserWarning, stacklevel=3)
    with np.errstate(invalid="ignore", divide="ignore"):
        if not count:
            centre = np.full(_keepdim_shape(arr.shape, dims), complex(math.nan, math.nan)
                             if wide.dtype.kind == "c" else math.nan, wide.dtype)
        elif wide.dtype.kind == "c":
            # Each part divided by the count, as PyTorch averages real and imaginary parts
            # (a complex division would turn nan+infj into nan+nanj).
            total = np.sum(wide, axis=axis_, keepdims=True)
            centre = np.empty(total.shape, total.dtype)
            centre.real, centre.imag = total.real / count, total.imag / count
        else:
            centre = np.sum(wide, axis=axis_, keepdims=True) / count
        deviation = wide - centre
        if deviation.dtype.kind == "c":
            squares = deviation.real * deviation.real + deviation.imag * deviation.imag
        else:
            squares = deviation * deviation
        variance = np.sum(squares, axis=axis_, keepdims=keepdim) / dof
    if not keepdim and arr.ndim:
        centre = centre.reshape(variance.shape)
    return as_array(variance), as_array(centre), dims, count


def _var_backward(grad: Tensor, x: Tensor, dims: tuple, correction, count, whole) -> Tensor:
    # d var / dx = 2 (x - mean) / (N - correction); grad already has the reduced dims kept.
    centre = mean(x, dims, keepdim=True)
    dof = count - correction
    if whole and dof <= 0:
        # PyTorch's rule when a reduction over everything has no degrees of freedom: inf,
        # or nan where x equals the mean (0 * inf), without the sign of x - mean.
        at_mean = x._data == centre._data
        return grad * _const(np.where(at_mean, math.nan, math.inf), grad)
    # Over given dims PyTorch divides by N - correction itself, however small (so a negative
    # dof flips the gradient's sign, while the variance itself is inf).
    scale = 2.0 / dof if dof else math.inf
    return grad * scale * (x - centre)


def _whole(dim, x: Tensor) -> bool:
    """Whether var/std reduce over everything with no dim given (PyTorch's other backward);
    an empty dim list reduces everything too and is taken the same way."""
    return _is_whole(dim) or x._data.ndim == 0


def _std_backward(grad: Tensor, x: Tensor, std: Tensor, dims, correction, count,
                  whole) -> Tensor:
    # Where the std is 0 PyTorch defines the gradient as 0 rather than dividing by zero.
    zero = std._data == 0
    denominator = std * 2 + _const(zero, std) if zero.any() else std * 2
    grad_var = grad / denominator
    if zero.any():
        grad_var = grad_var * _const(~zero, grad_var)
    return _var_backward(grad_var, x, dims, correction, count, whole)


class VarBackward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        shape = x._data.shape
        grad = restore_reduced(grad, shape, self.dims, self.keepdim)
        return (_var_backward(grad, x, self.dims, self.correction, self.count,
                              self.whole),)


class StdBackward0(Node):
    def backward(self, grad):
        x, result = self.saved_tensors
        shape = x._data.shape
        grad = restore_reduced(grad, shape, self.dims, self.keepdim)
        std = restore_reduced(result, shape, self.dims, self.keepdim)
        return (_std_backward(grad, x, std, self.dims, self.correction, self.count,
                              self.whole),)


class VarMeanBackward0(Node):
    # One node per output: ``part`` says whether it carries the variance or the mean.
    def backward(self, grad):
        (x,) = self.saved_tensors
        shape = x._data.shape
        grad = restore_reduced(grad, shape, self.dims, self.keepdim)
        if self.part == "mean":
            return (grad.expand(shape) / self.count,)
        return (_var_backward(grad, x, self.dims, self.correction, self.count,
                              self.whole),)


class StdMeanBackward0(Node):
    def backward(self, grad):
        x, std = self.saved_tensors
        shape = x._data.shape
        grad = restore_reduced(grad, shape, self.dims, self.keepdim)
        if self.part == "mean":
            return (grad.expand(shape) / self.count,)
        std = restore_reduced(std, shape, self.dims, self.keepdim)
        return (_std_backward(grad, x, std, self.dims, self.correction, self.count,
                              self.whole),)


def _real_dtype(np_dtype):
    return D._BY_NP[np_dtype].to_real().np


def var(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None, out=None,
        axis=None) -> Tensor:
    """Variance over ``dim`` with ``correction`` (1 by default: Bessel's correction)."""
    if axis is not None:
        dim = axis
    dim, correction = _parse_correction("var", dim, unbiased, correction)
    variance, _, dims, count = _moments(input, dim, keepdim, correction, "var")
    result = _finish(variance, _real_dtype(input._data.dtype))
    if grad_state.enabled and input._rg:
        node = VarBackward0((input,), result)
        node.dims, node.keepdim, node.correction, node.count = dims, keepdim, correction, count
        node.whole = _whole(dim, input)
        node.save(input)
    return result if out is None else write_out(out, result, "var")


def std(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None, out=None,
        axis=None) -> Tensor:
    """Standard deviation over ``dim`` with ``correction`` (1 by default)."""
    if axis is not None:
        dim = axis
    dim, correction = _parse_correction("std", dim, unbiased, correction)
    variance, _, dims, count = _moments(input, dim, keepdim, correction, "std")
    result = _finish(np.sqrt(variance), _real_dtype(input._data.dtype))
    if grad_state.enabled and input._rg:
        node = StdBackward0((input,), result)
        node.dims, node.keepdim, node.correction, node.count = dims, keepdim, correction, count
        node.whole = _whole(dim, input)
        node.save(input, result)
    return result if out is None else write_out(out, result, "std")


def var_mean(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None,
             out=None, axis=None) -> tuple:
    """``(var, mean)`` over ``dim`` in one pass."""
    if axis is not None:
        dim = axis
    dim, correction = _parse_correction("var_mean", dim, unbiased, correction)
    variance, centre, dims, count = _moments(input, dim, keepdim, correction, "var_mean")
    first = _finish(variance, _real_dtype(input._data.dtype))
    second = _finish(centre, input._data.dtype)
    _record_pair(VarMeanBackward0, input, (first, second), dims, keepdim, correction, count,
                 _whole(dim, input))
    return _pair_out(out, first, second, "var_mean")


def std_mean(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None,
             out=None, axis=None) -> tuple:
    """``(std, mean)`` over ``dim`` in one pass."""
    if axis is not None:
        dim = axis
    dim, correction = _parse_correction("std_mean", dim, unbiased, correction)
    variance, centre, dims, count = _moments(input, dim, keepdim, correction, "std_mean")
    first = _finish(np.sqrt(variance), _real_dtype(input._data.dtype))
    second = _finish(centre, input._data.dtype)
    _record_pair(StdMeanBackward0, input, (first, second), dims, keepdim, correction, count,
                 _whole(dim, input))
    return _pair_out(out, first, second, "std_mean")


def _record_pair(node_cls, input, outputs, dims, keepdim, correction, count, whole) -> None:
    if not (grad_state.enabled and input._rg):
        return
    for part, result in zip(("var", "mean"), outputs):
        node = node_cls((input,), result)
        node.part, node.dims, node.keepdim = part, dims, keepdim
        node.correction, node.count, node.whole = correction, count, whole
        if node_cls is StdMeanBackward0:
            node.save(input, outputs[0] if part == "var" else None)
        else:
            node.save(input)


def _pair_out(out, first, second, op):
    if out is None:
        return first, second
    write_out(out[0], first, op)
    write_out(out[1], second, op)
    return out[0], out[1]


# ----------------------------------------------------------------------------------------------
# max, min, amax, amin, aminmax, argmax, argmin
# ----------------------------------------------------------------------------------------------

def _extreme_array(arr):
    # bfloat16 has no NumPy reduction loops of its own; its values are exact in float32.
    return arr.astype(_F32) if arr.dtype == D.bfloat16.np else arr


def _evenly_distribute(grad: Tensor, x: Tensor, value: Tensor) -> Tensor:
    # PyTorch's rule for max()/min()/median() over all elements: ties share the gradient.
    data, target = x._data, value._data
    if _is_floating(target) and np.isnan(target):
        mask = np.isnan(data)
    else:
        mask = data == target
    count = np.count_nonzero(mask)
    return (grad / count).expand(data.shape) * _const(mask, grad)


class MaxBackward1(Node):
    # max() over all elements.
    def backward(self, grad):
        x, result = self.saved_tensors
        return (_evenly_distribute(grad, x, result),)


MinBackward1 = type("MinBackward1", (MaxBackward1,), {})


class MaxBackward0(Node):
    # max(dim): the gradient goes to the selected index.
    def backward(self, grad):
        return (select_backward(grad, self.dim, self.indices, self.shape, self.keepdim),)


MinBackward0 = type("MinBackward0", (MaxBackward0,), {})


def _extreme_all(input: Tensor, op: str, node_cls) -> Tensor:
    arr = input._data
    if arr.size == 0:
        raise RuntimeError(f"{op}(): Expected reduction dim to be specified for input.numel() == "
                           "0. Specify the reduction dim with the 'dim' argument.")
    if arr.dtype.kind == "c":
        raise _not_implemented(f"{op}_all", arr)
    reducer = np.max if op == "max" else np.min
    result = _finish(reducer(_extreme_array(arr)), arr.dtype)
    if grad_state.enabled and input._rg:
        node_cls((input,), result).save(input, result)
    return result


def _extreme_dim(input: Tensor, dim, keepdim: bool, op: str, node_cls, kind, out):
    arr = input._data
    d = wrap_dim(dim, arr.ndim, op)
    if arr.ndim and arr.shape[d] == 0:  # (checked before the dtype, as in PyTorch)
        raise IndexError(f"{op}(): Expected reduction dim {d} to have non-zero size.")
    if arr.dtype.kind == "c":
        raise RuntimeError(f"{op}(): does not support complex input")
    if arr.ndim == 0:
        values, indices = arr.copy(), np.zeros((), _I64, like=arr)
    else:
        finder = np.argmax if op == "max" else np.argmin
        indices = finder(_extreme_array(arr), axis=d, keepdims=True)
        values = np.take_along_axis(arr, indices, axis=d)
        if not keepdim:
            values, indices = values.squeeze(d), indices.squeeze(d)
    values_t, indices_t = wrap(values), wrap(indices)
    if grad_state.enabled and input._rg:
        node = node_cls((input,), values_t)
        node.dim, node.indices, node.shape, node.keepdim = d, indices, arr.shape, keepdim
    if out is not None:
        return write_out_pair(out, values_t, indices_t, op, kind)
    return kind((values_t, indices_t))


def _binary(name: str, input, other, out):
    # max(a, b) is elementwise maximum, which lives with the binary ops.
    from . import binary
    fn = getattr(binary, name)
    return fn(input, other) if out is None else fn(input, other, out=out)


def max(input, dim=UNSET, keepdim: bool = False, *, out=None, other=None, axis=None):
    """The largest element; along ``dim`` a (values, indices) pair; with a tensor, maximum."""
    if axis is not None:
        dim = axis
    if other is not None or isinstance(dim, Tensor):
        return _binary("maximum", input, other if other is not None else dim, out)
    if dim is UNSET:
        _no_keepdim_without_dim("max", keepdim)
        result = _extreme_all(input, "max", MaxBackward1)
        return result if out is None else write_out_exact(out, result, "max")
    return _extreme_dim(input, dim, keepdim, "max", MaxBackward0, return_types.max, out)


def min(input, dim=UNSET, keepdim: bool = False, *, out=None, other=None, axis=None):
    """The smallest element; along ``dim`` a (values, indices) pair; with a tensor, minimum."""
    if axis is not None:
        dim = axis
    if other is not None or isinstance(dim, Tensor):
        return _binary("minimum", input, other if other is not None else dim, out)
    if dim is UNSET:
        _no_keepdim_without_dim("min", keepdim)
        result = _extreme_all(input, "min", MinBackward1)
        return result if out is None else write_out_exact(out, result, "min")
    return _extreme_dim(input, dim, keepdim, "min", MinBackward0, return_types.min, out)


def _scale_by_count(grad: Tensor, x: Tensor, value: Tensor, dims, keepdim) -> Tensor:
    # amax/amin (and aminmax): the gradient is shared evenly among the tied extreme values.
    shape = x._data.shape
    target = _restore_array(value._data, shape, dims, keepdim)
    mask = x._data == target
    count = np.sum(mask, axis=dims if shape else None, keepdims=True)
    grad = restore_reduced(grad, shape, dims, keepdim)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (grad / _const(count, grad)) * _const(mask, grad)


class AmaxBackward0(Node):
    def backward(self, grad):
        x, result = self.saved_tensors
        return (_scale_by_count(grad, x, result, self.dims, self.keepdim),)


AminBackward0 = type("AminBackward0", (AmaxBackward0,), {})
AminmaxBackward0 = type("AminmaxBackward0", (AmaxBackward0,), {})


def _check_nonempty_dims(arr, dim, dims, op: str, sep: str = "()") -> None:
    if arr.size:
        return
    if _is_whole(dim):
        raise RuntimeError(f"{op}(): Expected reduction dim to be specified for input.numel() == "
                           "0. Specify the reduction dim with the 'dim' argument.")
    for d in dims:
        if arr.ndim and arr.shape[d] == 0:
            raise IndexError(f"{op}{sep}: Expected reduction dim {d} to have non-zero size.")


def _amax_amin(input, dim, keepdim, op: str, node_cls, out) -> Tensor:
    arr = input._data
    dims = reduction_dims(dim, arr.ndim, op)
    _check_nonempty_dims(arr, dim, dims, op)
    if arr.dtype.kind == "c":
        raise _not_implemented(f"{op[1:]}_values_cpu", arr)
    reducer = np.max if op == "amax" else np.min
    value = reducer(_extreme_array(arr), axis=dims if arr.ndim else None, keepdims=keepdim)
    result = _finish(value, arr.dtype)
    if grad_state.enabled and input._rg:
        node = node_cls((input,), result)
        node.dims, node.keepdim = dims, keepdim
        node.save(input, result)
    return result if out is None else write_out_exact(out, result, op)


def amax(input, dim=(), keepdim: bool = False, *, out=None, axis=None) -> Tensor:
    """Largest values over ``dim`` (all dims by default); ties share the gradient."""
    return _amax_amin(input, dim if axis is None else axis, keepdim, "amax", AmaxBackward0, out)


def amin(input, dim=(), keepdim: bool = False, *, out=None, axis=None) -> Tensor:
    """Smallest values over ``dim`` (all dims by default); ties share the gradient."""
    return _amax_amin(input, dim if axis is None else axis, keepdim, "amin", AminBackward0, out)


def aminmax(input, *, dim=None, keepdim: bool = False, out=None):
    """``(min, max)`` over all elements or along one ``dim``."""
    arr = input._data
    if dim is None:
        if arr.size == 0:
            raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the "
                               "operation has no identity.")
        dims = tuple(range(arr.ndim))
    else:
        dims = (wrap_dim(dim, arr.ndim, "aminmax"),)
        _check_nonempty_dims(arr, dim, dims if arr.ndim else (), "aminmax", sep="")
    if arr.dtype.kind == "c":
        raise _not_implemented("aminmax_cpu", arr)
    data = _extreme_array(arr)
    axis_ = dims if arr.ndim else None
    keep = keepdim
    low = _finish(np.min(data, axis=axis_, keepdims=keep), arr.dtype)
    high = _finish(np.max(data, axis=axis_, keepdims=keep), arr.dtype)
    if grad_state.enabled and input._rg:
        for result in (low, high):
            node = AminmaxBackward0((input,), result)
            node.dims, node.keepdim = dims, keep
            node.save(input, result)
    if out is not None:
        write_out_exact(out[0], low, "aminmax")
        write_out_exact(out[1], high, "aminmax")
        low, high = out[0], out[1]
    return return_types.aminmax((low, high))


def _arg_extreme(input, dim, keepdim: bool, op: str, out) -> Tensor:
    arr = input._data
    if arr.dtype == np.bool_:
        raise RuntimeError(f"{op}(): does not support bool input")
    if arr.dtype.kind == "c":
        raise RuntimeError(f"{op}(): does not support complex input")
    finder = np.argmax if op == "argmax" else np.argmin
    data = _extreme_array(arr)
    if dim is None:
        if arr.size == 0:
            raise IndexError(f"{op}(): Expected reduction dim to be specified for input.numel() "
                             "== 0.")
        index = as_array(finder(data)).astype(_I64)
        if keepdim:
            index = index.reshape((1,) * arr.ndim)
    else:
        d = wrap_dim(dim, arr.ndim, op)
        if arr.ndim == 0:
            index = np.zeros((), _I64, like=arr)
        else:
            if arr.shape[d] == 0:
                raise IndexError(f"{op}(): Expected reduction dim {d} to have non-zero size.")
            index = as_array(finder(data, axis=d, keepdims=keepdim)).astype(_I64)
    result = wrap(index)
    return result if out is None else write_out_exact(out, result, op)


def argmax(input, dim=None, keepdim: bool = False, *, out=None, axis=None) -> Tensor:
    """Index of the largest value (flattened, or along ``dim``); the first one among ties."""
    return _arg_extreme(input, dim if axis is None else axis, keepdim, "argmax", out)


def argmin(input, dim=None, keepdim: bool = False, *, out=None, axis=None) -> Tensor:
    """Index of the smallest value (flattened, or along ``dim``); the first one among ties."""
    return _arg_extreme(input, dim if axis is None else axis, keepdim, "argmin", out)


# ----------------------------------------------------------------------------------------------
# logsumexp
# ----------------------------------------------------------------------------------------------

class LogsumexpBackward0(Node):
    def backward(self, grad):
        x, result = self.saved_tensors
        shape = x._data.shape
        grad = restore_reduced(grad, shape, self.dims, self.keepdim)
        result = restore_reduced(result, shape, self.dims, self.keepdim)
        return (grad * _conj(_unary("exp")(x - result)),)


def _float_compute(arr):
    """(array to compute on, result dtype): integers become the default float dtype."""
    if arr.dtype.kind in "biu":
        target = D.get_default_dtype().np
        return _as_compute(arr.astype(target)), target
    return _as_compute(arr), arr.dtype


def logsumexp(input, dim=UNSET, keepdim: bool = False, *, out=None, axis=None) -> Tensor:
    """``log(sum(exp(input)))`` over ``dim``, computed without overflow."""
    if axis is not None:
        dim = axis
    if dim is UNSET:
        raise TypeError("logsumexp() missing 1 required positional arguments: \"dim\"")
    if dim is None:
        raise TypeError("logsumexp(): argument 'dim' must be tuple of ints, not NoneType")
    arr = input._data
    dims = reduction_dims(dim, arr.ndim, "logsumexp")
    data, target = _float_compute(arr)
    axis_ = dims if arr.ndim else None
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if data.dtype.kind == "c":
            shift = np.max(data.real, axis=axis_, keepdims=True, initial=-np.inf)
        else:
            shift = np.max(data, axis=axis_, keepdims=True, initial=-np.inf)
        shift = np.where(np.isinf(shift), 0, shift).astype(data.dtype)
        value = np.log(np.sum(np.exp(data - shift), axis=axis_, keepdims=True)) + shift
    if not keepdim and arr.ndim:
        value = value.reshape(_reduced_shape(arr.shape, dims))
    elif arr.ndim == 0:
        value = value.reshape(())
    result = _finish(value, target)
    if grad_state.enabled and input._rg:
        node = LogsumexpBackward0((input,), result)
        node.dims, node.keepdim = dims, keepdim
        node.save(input, result)
    return result if out is None else write_out(out, result, "logsumexp")


def _reduced_shape(shape, dims) -> tuple:
    return tuple(s for i, s in enumerate(shape) if i not in dims)


# ----------------------------------------------------------------------------------------------
# all, any, count_nonzero
# ----------------------------------------------------------------------------------------------

def _logical_reduce(input, dim, keepdim: bool, op: str, out) -> Tensor:
    arr = input._data
    reducer = np.all if op == "all" else np.any
    if isinstance(dim, (list, tuple)) and len(dim) == 0:
        # An empty dim list reduces nothing: each element is tested on its own.
        value = arr.astype(np.bool_)
    else:
        dims = reduction_dims(dim, arr.ndim, op)
        value = reducer(arr, axis=dims if arr.ndim else None, keepdims=keepdim)
    result = _finish(value, np.dtype(np.uint8) if arr.dtype == np.uint8 else np.dtype(np.bool_))
    return result if out is None else write_out(out, result, op)


def all(input, dim=None, keepdim: bool = False, *, out=None, axis=None) -> Tensor:
    """Whether every element (over ``dim``) is nonzero; uint8 inputs give uint8."""
    return _logical_reduce(input, dim if axis is None else axis, keepdim, "all", out)


def any(input, dim=None, keepdim: bool = False, *, out=None, axis=None) -> Tensor:
    """Whether some element (over ``dim``) is nonzero; uint8 inputs give uint8."""
    return _logical_reduce(input, dim if axis is None else axis, keepdim, "any", out)


def count_nonzero(input, dim=None, *, axis=None) -> Tensor:
    """Number of nonzero elements, in all or over ``dim``."""
    if axis is not None:
        dim = axis
    arr = input._data
    dims = reduction_dims(dim, arr.ndim, "count_nonzero")
    value = np.count_nonzero(arr, axis=dims if arr.ndim else None)
    return wrap(as_array(value).astype(_I64))


# ----------------------------------------------------------------------------------------------
# cumsum, cumprod, cummax, cummin, logcumsumexp
# ----------------------------------------------------------------------------------------------

class CumsumBackward0(Node):
    def backward(self, grad):
        # PyTorch converts the gradient to the input's dtype before the reverse scan.
        if grad._data.dtype != self.np_dtype:
            grad = grad.to(D._BY_NP[self.np_dtype])
        if grad._data.ndim == 0 or grad._data.size == 0:
            return (grad,)
        return (reverse_cumsum(grad, self.dim),)


def _scan(input, dim, dtype, op: str):
    arr = input._data
    d = wrap_dim(dim, arr.ndim, op)
    out_dtype = _sum_dtype(arr.dtype, dtype)
    if out_dtype.kind == "b" and arr.size and arr.ndim:
        raise NotImplementedError(f"\"{op}_out_cpu\" not implemented for 'Bool'")
    if grad_state.enabled and input._rg:
        _check_grad_dtype(out_dtype)
    if arr.dtype != out_dtype:
        arr = arr.astype(out_dtype)
    return arr, d, out_dtype


def _scan_compute(arr):
    # PyTorch's CPU scans carry a wider accumulator (double for float, float for half types)
    # and round each output once.
    if arr.dtype in _HALF_TYPES:
        return arr.astype(_F32)
    if arr.dtype == _F32:
        return arr.astype(_F64)
    if arr.dtype == np.complex64:
        return arr.astype(np.complex128)
    return arr


def cumsum(input, dim=UNSET, *, dtype=None, out=None, axis=None) -> Tensor:
    """Running sums along ``dim``; integer inputs give int64."""
    if axis is not None:
        dim = axis
    if dim is UNSET:
        raise TypeError("cumsum() missing 1 required positional arguments: \"dim\"")
    arr, d, out_dtype = _scan(input, dim, dtype, "cumsum")
    if arr.ndim:
        value = np.cumsum(_scan_compute(arr), axis=d)
        if value.dtype.kind in "fc":
            # PyTorch's running sum starts from +0.0, so no partial sum is ever -0.0.
            value += 0.0
    else:
        value = arr.copy()
    result = _finish(value, out_dtype)
    if grad_state.enabled and input._rg:
        node = CumsumBackward0((input,), result)
        node.dim, node.np_dtype = d, input._data.dtype
    return result if out is None else write_out(out, result, "cumsum")


class CumprodBackward0(Node):
    def backward(self, grad):
        x, result = self.saved_tensors
        arr = x._data
        dim = self.dim
        if grad._data.dtype != arr.dtype:
            grad = grad.to(x.dtype)
        if arr.size <= 1 or arr.shape[dim] == 1:
            return (grad,)
        if not np.any(arr == 0):
            return (reverse_cumsum(grad * _conj(result), dim) / _conj(x),)
        if grad_state.enabled:
            return (_cumprod_backward_quadratic(grad, x, dim),)
        return (wrap(_cumprod_backward_zeros(grad._data, arr, result._data, dim)),)


def _cumprod_backward_zeros(grad, x, y, dim: int):
    # Gradient of cumprod where the input has zeros, in O(n) with masks (first-order only):
    # before the first zero the usual formula holds, at the first zero the gradient is the
    # product before it times the running products up to the second zero, and after it 0.
    x, y, g = (np.moveaxis(a, dim, -1) for a in (x, y, grad))
    if x.dtype.kind == "c":
        x, y = np.conj(x), np.conj(y)
    zero = x == 0
    zeros_before = np.cumsum(zero, axis=-1)
    before_first = zeros_before == 0
    weighted = np.where(before_first, y * g, 0)
    tails = np.flip(np.cumsum(np.flip(weighted, -1), axis=-1), -1)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(before_first, tails / np.where(before_first, x, 1), 0)
    first_zero = zero & (zeros_before == 1)
    between = (zeros_before == 1) & ~first_zero
    running = np.cumprod(np.where(between, x, 1), axis=-1)
    tail_sum = np.sum(np.where(zeros_before == 1, g * running, 0), axis=-1, keepdims=True)
    head = np.prod(np.where(before_first, x, 1), axis=-1, keepdims=True)
    out = np.where(first_zero, head * tail_sum, out)
    return np.moveaxis(out.astype(grad.dtype, copy=False), -1, dim)


def _cumprod_backward_quadratic(grad: Tensor, x: Tensor, dim: int) -> Tensor:
    # Differentiable form for double backward when zeros are present (O(n^2) in the dim size):
    # d/dx_i = prod(x_j, j < i) * sum_{k >= i} grad_k * prod(x_j, i < j <= k).
    n = x._data.shape[dim]
    xt = x.transpose(dim, -1)
    gt = grad.transpose(dim, -1)
    later = np.triu(np.ones((n, n), dtype=bool), 1)
    factors = xt.unsqueeze(-2) * _const(later, x) + _const(~later, x)
    partial = cumprod(factors, -1)
    upper = _const(np.triu(np.ones((n, n), dtype=bool)), x)
    tails = sum(partial * gt.unsqueeze(-2) * upper, -1)
    heads = cumprod(shift_dim(xt, xt._data.ndim - 1, 1, 1), -1)
    return (heads * tails).transpose(dim, -1)


def cumprod(input, dim=UNSET, *, dtype=None, out=None, axis=None) -> Tensor:
    """Running products along ``dim``; integer inputs give int64."""
    if axis is not None:
        dim = axis
    if dim is UNSET:
        raise TypeError("cumprod() missing 1 required positional arguments: \"dim\"")
    arr, d, out_dtype = _scan(input, dim, dtype, "cumprod")
    value = np.cumprod(_scan_compute(arr), axis=d) if arr.ndim else arr.copy()
    result = _finish(value, out_dtype)
    if grad_state.enabled and input._rg:
        node = CumprodBackward0((input,), result)
        node.dim = d if arr.ndim else 0
        node.save(input, result)
    return result if out is None else write_out(out, result, "cumprod")


class CummaxBackward0(Node):
    def backward(self, grad):
        if grad._data.ndim == 0 or grad._data.size == 0:
            return (grad,)
        return (scatter_along(grad, self.dim, self.indices, self.shape, accumulate=True),)


CumminBackward0 = type("CumminBackward0", (CummaxBackward0,), {})


def _cumulative_extreme(input, dim, op: str, node_cls, kind, out):
    arr = input._data
    if arr.size == 0:
        # PyTorch returns empty results for empty inputs before looking at ``dim`` (still
        # recording the graph).
        result = kind((wrap(arr.copy()), wrap(np.zeros(arr.shape, _I64, like=arr))))
        if grad_state.enabled and input._rg:
            node_cls((input,), result[0])
        return result if out is None else write_out_pair(out, result[0], result[1], op, kind)
    d = wrap_dim(dim, arr.ndim, op)
    if arr.dtype.kind == "c":
        raise _not_implemented(f"{op}_cpu", arr)
    if arr.ndim == 0:
        values, indices = arr.copy(), np.zeros((), _I64, like=arr)
    else:
        data = _extreme_array(arr)
        accumulate = np.maximum.accumulate if op == "cummax" else np.minimum.accumulate
        running = accumulate(data, axis=d)
        # An element starts a new run when it equals the running extreme (ties move the index
        # forward, as PyTorch's >= / <= do) or is NaN.
        updates = data == running
        if data.dtype.kind == "f":
            updates |= np.isnan(data)
        positions = np.arange(arr.shape[d], dtype=_I64).reshape(
            (-1,) + (1,) * (arr.ndim - d - 1))
        indices = np.maximum.accumulate(np.where(updates, positions, 0), axis=d)
        values = running.astype(arr.dtype, copy=False)
    values_t, indices_t = wrap(values), wrap(indices)
    if grad_state.enabled and input._rg:
        node = node_cls((input,), values_t)
        node.dim, node.indices, node.shape = d, indices, arr.shape
    if out is not None:
        return write_out_pair(out, values_t, indices_t, op, kind)
    return kind((values_t, indices_t))


def cummax(input, dim, *, out=None):
    """Running maximum along ``dim`` and the index where each running value was found."""
    return _cumulative_extreme(input, dim, "cummax", CummaxBackward0, return_types.cummax, out)


def cummin(input, dim, *, out=None):
    """Running minimum along ``dim`` and the index where each running value was found."""
    return _cumulative_extreme(input, dim, "cummin", CumminBackward0, return_types.cummin, out)


class LogcumsumexpBackward0(Node):
    def backward(self, grad):
        x, result = self.saved_tensors
        if grad._data.ndim == 0 or grad._data.size == 0:
            return (grad,)
        return (_logcumsumexp_backward(grad, x, result, self.dim),)


def _logcumsumexp_backward(grad: Tensor, x: Tensor, result: Tensor, dim: int) -> Tensor:
    # Positive and negative parts of the gradient are carried in log space so that nothing
    # overflows; a part that is absent becomes the lowest finite number (exp() of it is 0).
    exp, log = _unary("exp"), _unary("log")
    if grad._data.dtype.kind == "c":
        # d result_k / d x_i = exp(x_i - result_k) for k >= i (no overflow guard for complex).
        return reverse_cumsum(grad * _conj(exp(-result)), dim) * _conj(exp(x))
    lowest = float(D.finfo(grad.dtype).min)
    parts = []
    for sign in (1, -1):
        present = (grad._data > 0) if sign > 0 else (grad._data < 0)
        keep = _const(present, grad)
        log_part = log(grad * (keep * sign) + (1 - keep)) + (1 - keep) * lowest
        flipped = flip_dim(log_part - result, dim)
        reversed_lse = flip_dim(logcumsumexp(flipped, dim), dim)
        parts.append(exp(reversed_lse + x))
    return parts[0] - parts[1]


def logcumsumexp(input, dim, *, out=None) -> Tensor:
    """``log(cumsum(exp(input)))`` along ``dim``, computed without overflow."""
    arr = input._data
    d = wrap_dim(dim, arr.ndim, "logcumsumexp")
    if not (arr.dtype.kind == "c" or _is_floating(arr)):
        raise _not_implemented("logcumsumexp_out_cpu", arr)
    data = _as_compute(arr)
    if arr.ndim == 0:
        value = data.copy()
    elif data.dtype.kind == "c":
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            shift = np.max(data.real, axis=d, keepdims=True, initial=-np.inf)
            shift = np.where(np.isinf(shift), 0, shift)
            value = np.log(np.cumsum(np.exp(data - shift), axis=d)) + shift
    else:
        with np.errstate(invalid="ignore"):
            value = np.logaddexp.accumulate(data, axis=d)
        # PyTorch's scan starts from -inf, so even the first element is max + log1p(...)
        # and never -0.0 (NumPy's accumulate copies it).
        value += 0.0
    result = _finish(value, arr.dtype)
    if grad_state.enabled and input._rg:
        node = LogcumsumexpBackward0((input,), result)
        node.dim = d
        node.save(input, result)
    return result if out is None else write_out(out, result, "logcumsumexp")


def cumsum_(self, dim, *, dtype=None) -> Tensor:
    """In-place running sums along ``dim``."""
    from ._dispatch import apply_inplace
    # The scan runs in self's dtype (bool tensors reach the missing bool kernel, as in PyTorch).
    return apply_inplace(self, cumsum(self, dim, dtype=self.dtype if dtype is None else dtype))


def cumprod_(self, dim, *, dtype=None) -> Tensor:
    """In-place running products along ``dim``."""
    from ._dispatch import apply_inplace
    return apply_inplace(self, cumprod(self, dim, dtype=self.dtype if dtype is None else dtype))


bind_methods(["sum", "nansum", "mean", "nanmean", "prod", "std", "var", "max", "min", "amax",
              "amin", "aminmax", "argmax", "argmin", "logsumexp", "all", "any", "count_nonzero",
              "cumsum", "cumprod", "cummax", "cummin", "logcumsumexp", "cumsum_", "cumprod_"],
             globals())

__all__ = ["sum", "nansum", "mean", "nanmean", "prod", "std", "var", "std_mean", "var_mean",
           "max", "min", "amax", "amin", "aminmax", "argmax", "argmin", "logsumexp", "all", "any",
           "count_nonzero", "cumsum", "cumprod", "cummax", "cummin", "logcumsumexp"]
