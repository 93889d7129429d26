"""The index/gather/scatter family: gather, scatter*, index_*, masked_*, take, put, nonzero,
searchsorted and bucketize, each with PyTorch's checks and (where differentiable) its backward.

Scatter-style writes are done on a flat copy of the destination: every (index, source) pair
becomes a linear position, and NumPy's unbuffered ``ufunc.at`` (or a plain 1-D fancy
assignment, which writes in order so the last duplicate wins) does the reduction.  Each op
computes its result out of place; the in-place forms copy the finished result in, so a bad
index never leaves the tensor half-written.
"""
from __future__ import annotations

import warnings

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor, _wrap_dim
from ..autograd.grad_mode import state as grad_state
from ..autograd.node import Node
from ..backends import contiguous_array, holds_values, result_array
from ._dispatch import _type_word, apply_inplace, bind_methods, shape_str, write_out
from .index import checked_scalar, embed, keep_last

wrap = Tensor._make

_INT32_64 = (np.dtype(np.int64), np.dtype(np.int32))
_INT64 = np.dtype(np.int64)
_BOOL = np.dtype(np.bool_)
_F32 = np.dtype(np.float32)
_HALF_TYPES = (np.dtype(np.float16), D.bfloat16.np)

# C++ element type names, as PyTorch prints them in masked_fill's mask error.
_CPP_TYPE = {"uint8": "unsigned char", "int8": "signed char", "int16": "short int",
             "int32": "int", "int64": "long int", "float32": "float", "float64": "double",
             "float16": "c10::Half", "bfloat16": "c10::BFloat16",
             "complex64": "c10::complex<float>", "complex128": "c10::complex<double>",
             "bool": "bool"}


# -- shared helpers ----------------------------------------------------------------------------------

def _word(arr) -> str:
    return _type_word(D._BY_NP[arr.dtype])


def _at_least_1d(arr):
    return arr.reshape(1) if arr.ndim == 0 else arr


def _zeros(shape, like: Tensor) -> Tensor:
    return wrap(np.zeros(shape, like._data.dtype, like=like._data))


def _contiguous_strides(shape) -> list:
    strides = [1] * len(shape)
    for i in range(len(shape) - 2, -1, -1):
        strides[i] = strides[i + 1] * shape[i + 1]
    return strides


def _first_bad(arr, low: int, high: int):
    """The first entry of ``arr`` outside [low, high), or None."""
    if arr.size == 0 or not holds_values(arr):
        return None  # meta indices have no values to check
    if arr.min() >= low and arr.max() < high:
        return None
    flat = arr.reshape(-1)
    return int(flat[np.argmax((flat < low) | (flat >= high))])


def _wrap_negative(arr, size: int):
    if arr.size and holds_values(arr) and arr.min() < 0:
        return np.where(arr < 0, arr + size, arr)
    return arr


def broadcast_shapes_named(a_shape, b_shape) -> tuple:
    """The broadcast shape of two shapes, with PyTorch's message naming them a and b."""
    ndim = max(len(a_shape), len(b_shape))
    out = []
    for i in range(ndim):
        offset = ndim - 1 - i
        a = a_shape[len(a_shape) - 1 - offset] if offset < len(a_shape) else 1
        b = b_shape[len(b_shape) - 1 - offset] if offset < len(b_shape) else 1
        if a != b and a != 1 and b != 1:
            raise RuntimeError(f"The size of tensor a ({a}) must match the size of tensor b ({b}) "
                               f"at non-singleton dimension {i}")
        out.append(b if a == 1 else a)
    return tuple(out)


def _compute_dtype(np_dtype):
    # Half types accumulate in float32 and round once, as PyTorch's scatter kernels do.
    return _F32 if np_dtype in _HALF_TYPES else np_dtype


def _last_wins(positions, values, size: int):
    """Drop all but the last write to each of ``positions`` (in [0, size)) when some repeat,
    so the result does not depend on the order NumPy's assignment happens to use."""
    flat = positions.reshape(-1)
    keep = keep_last(flat, size)
    if keep is None:
        return positions, values
    return flat[keep], values.reshape((flat.size,) + values.shape[positions.ndim:])[keep]


def _pad_to(grad: Tensor, shape) -> Tensor:
    """A gradient for a source larger than its index: zeros beyond the indexed corner."""
    shape = tuple(shape)
    gshape = grad._data.shape
    if gshape == shape:
        return grad
    if grad._data.size == int(np.prod(shape)):
        return grad.reshape(shape)
    full = tuple(shape) if shape else (1,)
    corner = tuple(slice(0, s) for s in _at_least_1d(grad._data).shape)
    padded = embed(grad.reshape(_at_least_1d(grad._data).shape), full, corner + (Ellipsis,))
    return padded.reshape(shape)


# Largest finite values of the half types: PyTorch refuses a finite fill value beyond them.
_HALF_MAX = {np.dtype(np.float16): 65504.0, D.bfloat16.np: 3.3895313892515355e38}


def _fill_scalar(value, np_dtype) -> np.ndarray:
    """``checked_scalar``, also refusing finite numbers beyond a half type's range, as PyTorch
    does before writing a fill value (rounding would otherwise make them infinite)."""
    limit = _HALF_MAX.get(np_dtype)
    if limit is None:
        return checked_scalar(value, np_dtype)
    with np.errstate(over="ignore"):
        fill = checked_scalar(value, np_dtype)
    if not isinstance(value, (bool, np.bool_)):
        number = float(value.real if isinstance(value, complex) else value)
        if number - number == 0 and abs(number) > limit:  # (finite and too large)
            raise RuntimeError(f"value cannot be converted to type "
                               f"{_CPP_TYPE[D._BY_NP[np_dtype].name]} without overflow")
    return fill


# -- the scatter kernel -------------------------------------------------------------------------------

def _scatter_positions(index, dim: int, shape) -> np.ndarray:
    """Linear positions in a C-ordered array of ``shape`` of ``out[..., index, ...]``."""
    strides = _contiguous_strides(shape)
    positions = index.astype(np.int64) * strides[dim]
    ndim = index.ndim
    for k, size in enumerate(index.shape):
        if k != dim and size > 1:
            shape_k = [1] * ndim
            shape_k[k] = size
            positions = positions + (np.arange(size, dtype=np.int64) * strides[k]).reshape(shape_k)
    return positions


def _corner(src, shape):
    return src[tuple(slice(0, s) for s in shape)]



def _reduce_identity(reduce: str, np_dtype):
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    low = reduce == "amax"
    if np_dtype == _BOOL:
        return not low
    if np_dtype.kind in "iu":
        info = np.iinfo(np_dtype)
        return info.min if low else info.max
    return -np.inf if low else np.inf


_UFUNCS = {"sum": np.add, "mean": np.add, "prod": np.multiply, "amax": np.maximum,
           "amin": np.minimum}


def _scatter_into(out, positions, values, reduce, include_self: bool = True):
    """Reduce ``values`` into C-ordered ``out`` at linear ``positions``; returns the result
    (``out`` itself, or a new array when half types needed a float32 pass)."""
    flat_positions = positions.reshape(-1)
    flat_values = values.reshape(-1)
    if reduce is None:
        target = out.reshape(-1)
        flat_positions, flat_values = _last_wins(flat_positions, flat_values, target.size)
        target[flat_positions] = flat_values
        return out
    dtype = out.dtype
    work = out.astype(_compute_dtype(dtype)) if dtype in _HALF_TYPES else out
    flat = work.reshape(-1)
    vals = flat_values.astype(work.dtype) if flat_values.dtype != work.dtype else flat_values
    if not include_self:
        flat[flat_positions] = _reduce_identity(reduce, work.dtype)
    _UFUNCS[reduce].at(flat, flat_positions, vals)
    if reduce == "mean":
        counts = np.full(flat.size, 1 if include_self else 0, dtype=np.int64)
        np.add.at(counts, flat_positions, 1)
        counts[counts == 0] = 1
        counts = counts.reshape(work.shape)
        if work.dtype.kind in "iu":
            work = np.floor_divide(work, counts).astype(work.dtype)
        else:
            work = (work / counts).astype(work.dtype)
    if work.dtype != dtype:
        work = work.astype(dtype)
    return work


# -- gather -------------------------------------------------------------------------------------------

class GatherBackward0(Node):
    def backward(self, grad):
        (index,) = self.saved_tensors
        return (scatter_add(_zeros(self.shape, grad), self.dim, index, grad),)


def _check_index_dtype(idx, message: str, allowed=_INT32_64, error=RuntimeError) -> None:
    if idx.dtype not in allowed:
        raise error(message)


def _read_along(arr1, d: int, idx1):
    """``arr1`` read along ``d`` at the in-range, at least 1-d ``idx1``, which may be smaller
    than ``arr1`` in the other dims (NumPy's take_along_axis wants them to broadcast)."""
    corner = tuple(slice(None) if k == d else slice(0, s) for k, s in enumerate(idx1.shape))
    return np.take_along_axis(arr1[corner], idx1, axis=d)


def _gather_values(arr1, d: int, idx1):
    """``arr1`` read along ``d`` at the (non-empty, at least 1-d) ``idx1``, after PyTorch's
    size and bounds checks."""
    for k, size in enumerate(idx1.shape):
        if k != d and size > arr1.shape[k]:
            raise RuntimeError(f"Size does not match at dimension {k} expected index "
                               f"{shape_str(idx1.shape)} to be no larger than self "
                               f"{shape_str(arr1.shape)} apart from dimension {d}")
    size = arr1.shape[d]
    bad = _first_bad(idx1, 0, size)
    if bad is not None:
        raise RuntimeError(f"index {bad} is out of bounds for dimension {d} with size {size}")
    return _read_along(arr1, d, idx1)


def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False,
           out: Tensor | None = None) -> Tensor:
    """Values of ``input`` picked along ``dim`` by ``index``: out[i][j] = input[index[i][j]][j]."""
    arr, idx = input._data, index._data
    _check_index_dtype(idx, "gather(): Expected dtype int32/int64 for index")
    d = _wrap_dim(dim, arr.ndim)
    if max(arr.ndim, 1) != max(idx.ndim, 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    arr1, idx1 = _at_least_1d(arr), _at_least_1d(idx)
    if idx1.size == 0:
        # nothing to read (and so nothing to check), but the result still carries a grad_fn
        data = np.empty(idx.shape, arr.dtype, like=arr)
    else:
        data = _gather_values(arr1, d, idx1).reshape(idx.shape)
    result = wrap(data)
    if grad_state.enabled and input._rg:
        node = GatherBackward0((input,), result)
        node.save(index)
        node.shape, node.dim = arr.shape, d
    return _finish(result, out, "gather")


def _finish(result: Tensor, out, op: str) -> Tensor:
    return result if out is None else write_out(out, result, op)


# -- scatter ------------------------------------------------------------------------------------------

def _check_scatter(arr, dim, idx, src, op: str = "scatter", kernel_check=None) -> int:
    """PyTorch's scatter checks (dtypes, ranks, sizes, bounds); returns the wrapped dim.
    ``kernel_check()``, if given, runs where PyTorch's kernel starts: only for a non-empty
    index, after the size checks and before the bounds check."""
    _check_index_dtype(idx, f"{op}(): Expected dtype int32/int64 for index")
    if src is not None and src.dtype != arr.dtype:
        raise RuntimeError(f"{op}(): Expected self.dtype to be equal to src.dtype")
    d = _wrap_dim(dim, arr.ndim)
    rank = max(idx.ndim, 1)
    if rank != max(arr.ndim, 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    if src is not None and rank != max(src.ndim, 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
    idx1 = _at_least_1d(idx)
    if idx1.size == 0:
        return d
    arr_shape = _at_least_1d(arr).shape
    src_shape = _at_least_1d(src).shape if src is not None else None
    for k, size in enumerate(idx1.shape):
        too_big = (k != d and size > arr_shape[k]) or (src_shape is not None
                                                        and size > src_shape[k])
        if too_big:
            message = (f"Expected index {shape_str(idx.shape)} to be no larger than self "
                       f"{shape_str(arr.shape)} apart from dimension {d}")
            if src is not None:
                message += f" and to be no larger size than src {shape_str(src.shape)}"
            raise RuntimeError(message)
    if kernel_check is not None:
        kernel_check()
    size = arr_shape[d]
    bad = _first_bad(idx1, 0, size)
    if bad is not None:
        raise RuntimeError(f"index {bad} is out of bounds for dimension {d} with size {size}")
    return d


def _scatter_compute(input: Tensor, d: int, index, values, reduce, include_self=True):
    """A new array: ``input`` with ``values`` (index-shaped) reduced in along dim ``d``."""
    arr = input._data
    idx1 = _at_least_1d(index)
    out = _at_least_1d(arr).copy(order="C")
    if idx1.size:
        positions = _scatter_positions(idx1, d, out.shape)
        out = _scatter_into(out, positions, values.reshape(idx1.shape), reduce, include_self)
    elif reduce == "mean" and out.dtype.kind == "c":
        # PyTorch divides by the counts even when nothing is scattered, and a complex
        # division by 1 turns a zero part beside an infinite one into NaN
        out = out / out.dtype.type(1)
    return out.reshape(arr.shape)


class ScatterBackward0(Node):
    # scatter with a src tensor
    def backward(self, grad):
        (index,) = self.saved_tensors
        g_self = g_src = None
        if self._next[0] is not None:
            g_self = scatter(grad, self.dim, index, 0)
        if self._next[1] is not None:
            g_src = _pad_to(gather(grad, self.dim, index), self.src_shape)
        return g_self, g_src


class ScatterBackward1(Node):
    # scatter with a scalar value
    def backward(self, grad):
        (index,) = self.saved_tensors
        return (scatter(grad, self.dim, index, 0),)


class _NotImplementedBackward(Node):
    def backward(self, grad):
        raise RuntimeError(f"derivative for aten::{self.op} is not implemented")

    def name(self) -> str:
        return "torch::autograd::NotImplemented"

    def __repr__(self) -> str:
        return f"<NotImplemented object at {hex(id(self))}>"


_SCATTER_REDUCE_WARNING = (
    "The reduce argument of torch.scatter with Tensor src is deprecated and will be removed in a "
    "future PyTorch release. Use torch.scatter_reduce instead for more reduction options.")
_LEGACY_REDUCE = {"add": "sum", "multiply": "prod"}


def scatter(input: Tensor, dim: int, index: Tensor, src=None, value=None, *, reduce=None,
            out: Tensor | None = None) -> Tensor:
    """A copy of ``input`` with ``src`` (a tensor, or a number ``value``) written along
    ``dim`` at ``index``; ``reduce='add'``/``'multiply'`` combines instead of overwriting."""
    source = src if src is not None else value
    if source is None:
        raise TypeError("scatter() missing required argument 'src' or 'value'")
    if reduce is not None and reduce not in _LEGACY_REDUCE:
        raise RuntimeError("reduce argument must be either add or multiply.")
    arr, idx = input._data, index._data
    is_tensor = isinstance(source, Tensor)
    src_arr = source._data if is_tensor else None
    d = _check_scatter(arr, dim, idx, src_arr)
    if is_tensor:
        if reduce is not None:
            warnings.warn(_SCATTER_REDUCE_WARNING, UserWarning, stacklevel=2)
        values = _corner(_at_least_1d(src_arr), _at_least_1d(idx).shape)
    else:
        values = np.broadcast_to(_fill_scalar(source, arr.dtype), _at_least_1d(idx).shape)
    result = wrap(_scatter_compute(input, d, idx, values, _LEGACY_REDUCE.get(reduce)))
    needs_src = is_tensor and source._rg
    if grad_state.enabled and (input._rg or needs_src):
        if reduce is not None:
            _NotImplementedBackward((input, source if is_tensor else None), result).op = "scatter"
        elif is_tensor:
            node = ScatterBackward0((input, source), result)
            node.save(index)
            node.dim, node.src_shape = d, src_arr.shape
        else:
            node = ScatterBackward1((input,), result)
            node.save(index)
            node.dim = d
    return _finish(result, out, "scatter")


class ScatterAddBackward0(Node):
    def backward(self, grad):
        (index,) = self.saved_tensors
        g_src = None
        if self._next[1] is not None:
            g_src = _pad_to(gather(grad, self.dim, index), self.src_shape)
        return grad, g_src


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor, *,
                out: Tensor | None = None) -> Tensor:
    """A copy of ``input`` with ``src`` added along ``dim`` at ``index`` (repeats sum)."""
    arr, idx, src_arr = input._data, index._data, src._data
    d = _check_scatter(arr, dim, idx, src_arr)
    values = _corner(_at_least_1d(src_arr), _at_least_1d(idx).shape)
    result = wrap(_scatter_compute(input, d, idx, values, "sum"))
    if grad_state.enabled and (input._rg or src._rg):
        node = ScatterAddBackward0((input, src), result)
        node.save(index)
        node.dim, node.src_shape = d, src_arr.shape
    return _finish(result, out, "scatter_add")


_REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")
_REDUCTION_ALIASES = {"max": "amax", "min": "amin"}


class ScatterReduceBackward0(Node):
    def backward(self, grad):
        self_t, src, index, result = self.saved_tensors
        return _scatter_reduce_grads(self, grad, self_t, src, index, result)


def scatter_reduce(input: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *,
                   include_self: bool = True, out: Tensor | None = None) -> Tensor:
    """A copy of ``input`` with ``src`` reduced in along ``dim`` at ``index`` by 'sum',
    'prod', 'mean', 'amax' or 'amin' (``include_self=False`` ignores input's old values
    where something is scattered)."""
    reduce = _REDUCTION_ALIASES.get(reduce, reduce)
    if reduce not in _REDUCTIONS:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got "
                           f"{reduce}")
    arr, idx, src_arr = input._data, index._data, src._data
    def kernel_check():
        _check_reduce_dtype(arr, reduce, lambda r: f"scatter_gather_tensor_cpu_reduce_{r}")
    # Without include_self PyTorch first fills the scattered-to places (checking the index's
    # bounds), and only then runs the reduction kernel, which has no complex max/min
    d = _check_scatter(arr, dim, idx, src_arr, kernel_check=kernel_check if include_self else None)
    if not include_self and idx.size:
        kernel_check()
    if reduce == "mean" and arr.dtype == _BOOL:
        # (with nothing scattered PyTorch still divides by the counts, which fails for bools)
        raise NotImplementedError('"div_floor_cpu" not implemented for \'Bool\'')
    values = _corner(_at_least_1d(src_arr), _at_least_1d(idx).shape)
    result = wrap(_scatter_compute(input, d, idx, values, reduce, include_self))
    if grad_state.enabled and (input._rg or src._rg):
        node = ScatterReduceBackward0((input, src), result)
        node.save(input, src, index, result)
        node.dim, node.reduce, node.include_self = d, reduce, include_self
    return _finish(result, out, "scatter_reduce")


def _check_reduce_dtype(arr, reduce: str, kernel) -> None:
    """PyTorch has no kernel for complex max/min or for the mean of bools; ``kernel(reduce)``
    names the one whose error it raises."""
    if (reduce in ("amax", "amin") and arr.dtype.kind == "c") or \
            (reduce == "mean" and arr.dtype == _BOOL):
        raise NotImplementedError(f'"{kernel(reduce)}" not implemented for \'{_word(arr)}\'')


def _where(condition, a: Tensor, b: Tensor) -> Tensor:
    """``a`` where the (constant, NumPy) condition holds, else ``b``; differentiable in both."""
    cond = wrap(np.asarray(condition))
    return masked_fill(a, wrap(~cond._data), 0) + masked_fill(b, cond, 0)


def _scatter_reduce_grads(node, grad, self_t, src, index, result):
    """PyTorch's scatter_reduce backward, with comparisons done in NumPy (they carry no
    gradient) and every differentiable step an ember op."""
    dim, reduce, include_self = node.dim, node.reduce, node.include_self
    idx_shape = _at_least_1d(index._data).shape
    src_corner = _corner(_at_least_1d(src._data), idx_shape).reshape(index._data.shape)
    g_self = g_src = None
    if reduce == "sum":
        g_self = grad
        g_src = gather(grad, dim, index)
    elif reduce == "mean":
        ones = np.broadcast_to(np.ones((), grad._data.dtype), index._data.shape)
        counts = _scatter_compute(
            wrap(np.full(self_t._data.shape, 1 if include_self else 0, grad._data.dtype)),
            dim, index._data, ones, "sum")
        counts[counts == 0] = 1
        n = wrap(counts)
        g_self = grad / n
        g_src = gather(grad, dim, index) / gather(n, dim, index)
    elif reduce == "prod":
        self_zero = self_t._data == 0
        masked_self = masked_fill(self_t, wrap(self_zero), 1)
        masked_self_result = scatter_reduce(masked_self, dim, index, src, "prod",
                                            include_self=include_self)
        g_self = grad * masked_self_result / masked_self
        src_zero = src._data == 0
        zeros_per_slot = _scatter_compute(
            wrap(np.zeros(self_t._data.shape, np.int64)), dim, index._data,
            _corner(_at_least_1d(src_zero), idx_shape).astype(np.int64), "sum")
        zeros_at_src = _read_along(_at_least_1d(zeros_per_slot), dim, _at_least_1d(index._data))
        single_zero = np.zeros(src._data.shape, bool)
        corner = _corner(_at_least_1d(single_zero), idx_shape)
        corner[...] = _corner(_at_least_1d(src_zero), idx_shape) & (zeros_at_src == 1)
        masked_src = masked_fill(src, wrap(single_zero), 1)
        masked_src_result = scatter_reduce(self_t, dim, index, masked_src, "prod",
                                           include_self=include_self)
        when_single = gather(grad * masked_src_result, dim, index)
        otherwise = gather(grad * result, dim, index) / \
            _corner_tensor(masked_fill(src, wrap(src_zero), 1), index)
        g_src = _where(_corner(_at_least_1d(single_zero), idx_shape).reshape(index._data.shape),
                       when_single, otherwise)
    else:  # amax / amin: ties share the gradient evenly
        value = _read_along(_at_least_1d(result._data), dim,
                            _at_least_1d(index._data)).reshape(index._data.shape)
        self_is_result = (self_t._data == result._data).astype(grad._data.dtype)
        src_is_result = (src_corner == value).astype(grad._data.dtype)
        count = _scatter_compute(wrap(self_is_result), dim, index._data, src_is_result, "sum")
        distributed = grad / wrap(count)
        g_self = distributed * wrap(self_is_result)
        g_src = gather(distributed, dim, index) * wrap(src_is_result)
    if not include_self:
        g_self = scatter(g_self, dim, index, 0)
    if node._next[1] is None:
        g_src = None
    else:
        g_src = _pad_to(g_src, src._data.shape)
    if node._next[0] is None:
        g_self = None
    return g_self, g_src


def _corner_tensor(t: Tensor, index: Tensor) -> Tensor:
    """``t`` cut to ``index``'s shape (differentiable; a no-op when they already agree)."""
    shape = index._data.shape
    if t._data.shape == shape:
        return t
    from .index import IndexPlan, index_with_plan
    key = tuple(slice(0, s) for s in _at_least_1d(index._data).shape) + (Ellipsis,)
    return index_with_plan(t.reshape(_at_least_1d(t._data).shape), IndexPlan(key)).reshape(shape)


# -- index_select / index_add / index_copy / index_fill / index_reduce ------------------------------

def _index_vector(idx):
    return idx.reshape(-1)


class IndexSelectBackward0(Node):
    def backward(self, grad):
        (index,) = self.saved_tensors
        return (index_add(_zeros(self.shape, grad), self.dim, index, grad),)


def _check_select_bounds(arr, d: int, idx) -> None:
    """index_select's bounds checks, with the error each of PyTorch's CPU paths raises: an
    empty matrix and the dim=1 fast path fail with RuntimeError, the rest with IndexError."""
    size = _at_least_1d(arr).shape[d]
    if arr.ndim > 1 and idx.size and arr.size == 0 and size == 0:
        raise RuntimeError("index_select(): self indexing axis dim should be positive")
    bad = _first_bad(idx, 0, size)
    if bad is None:
        return
    if arr.ndim > 1 and (arr.size == 0 or d == 1):
        raise RuntimeError(f"INDICES element is out of DATA bounds, id={bad} axis_dim={size}")
    raise IndexError("index out of range in self")


def index_select(input: Tensor, dim: int, index: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The slices of ``input`` along ``dim`` at the positions listed in the vector ``index``."""
    arr, idx = input._data, index._data
    _check_index_dtype(idx, "index_select(): Expected dtype int32 or int64 for index")
    if idx.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    d = _wrap_dim(dim, arr.ndim)
    if arr.ndim == 0 and idx.size != 1:
        raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got "
                           f"{idx.size} value(s)")
    _check_select_bounds(arr, d, idx)
    data = np.take(_at_least_1d(arr), _index_vector(idx), axis=d)
    if arr.ndim == 0:
        data = data.reshape(())
    result = wrap(data)
    if grad_state.enabled and input._rg:
        node = IndexSelectBackward0((input,), result)
        node.save(index)
        node.shape, node.dim = arr.shape, d
    return _finish(result, out, "index_select")


def _check_index_func(op: str, arr, d: int, idx, src) -> None:
    """The checks index_add and index_reduce share (PyTorch's index_func_meta_impl)."""
    if idx.ndim > 1:
        raise IndexError(f"{op}_(): Index is supposed to be a vector, but got dim: {idx.ndim} "
                         f"with type: {_word(idx)} and size: {shape_str(idx.shape)}")
    if idx.dtype not in _INT32_64:
        raise RuntimeError(f"{op}_(): Expected dtype int32/int64 for index but got: {_word(idx)}")
    if arr.dtype != src.dtype:
        raise RuntimeError(f"{op}_(): self ({_word(arr)}) and source ({_word(src)}) must have "
                           "the same scalar type")
    if not (d == 0 or d < src.ndim):
        raise IndexError(f"{op}_(): Indexing dim {d} is out of bounds of the source tensor with "
                         f"dim {src.ndim}")
    src_size = 1 if src.ndim == 0 else src.shape[d]
    if idx.size != src_size:
        if src.ndim == 0:
            # PyTorch's message asks a 0-d source for its size, which fails first
            raise IndexError(f"Dimension specified as {d} but tensor has no dimensions")
        raise RuntimeError(f"{op}_(): Number of indices ({idx.size}) should be equal to "
                           f"source.size(dim): ({src_size}), for dim: {d}")
    self_sizes, src_sizes = list(arr.shape), list(src.shape)
    if arr.ndim and src.ndim:
        del self_sizes[d], src_sizes[d]
    if self_sizes != src_sizes:
        raise RuntimeError(f"source tensor shape must match self tensor shape, excluding the "
                           f"specified dimension. Got self.shape = {shape_str(arr.shape)} "
                           f"source.shape = {shape_str(src.shape)}")


def _along(d: int, idx) -> tuple:
    return (slice(None),) * d + (idx,)


class IndexAddBackward0(Node):
    def backward(self, grad):
        (index,) = self.saved_tensors
        g_source = None
        if self._next[1] is not None:
            g_source = index_select(grad, self.dim, index)
            if self.alpha != 1:
                g_source = g_source * self.alpha
            g_source = g_source.reshape(self.source_shape)
        return grad, g_source


def _check_add_bounds(arr, d: int, idx, alpha) -> None:
    """index_add's bounds check, with the error of the PyTorch CPU path that would run:
    matrices added along their first or last dim with alpha=1 and an int64 index go through
    scatter_add (RuntimeError naming the index); everything else raises IndexError."""
    size = _at_least_1d(arr).shape[d]
    bad = _first_bad(idx, 0, size)
    if bad is None:
        return
    if arr.ndim > 1 and d in (0, arr.ndim - 1) and alpha == 1 and idx.dtype == _INT64:
        raise RuntimeError(f"index {bad} is out of bounds for dimension {d} with size {size}")
    raise IndexError("index out of range in self")


def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha=1,
              out: Tensor | None = None) -> Tensor:
    """A copy of ``input`` with ``alpha * source`` slices added at ``index`` along ``dim``."""
    arr, idx, src = input._data, index._data, source._data
    d = _wrap_dim(dim, arr.ndim)
    _check_index_func("index_add", arr, d, idx, src)
    if arr.ndim > 1 and (arr.size == 0 or idx.size == 0):
        # PyTorch returns such a matrix as it is, looking at neither the index nor alpha
        result = wrap(arr.copy(order="K"))
    else:
        # alpha becomes self's type (refusing what overflows it) before vectors are indexed,
        # and after matrices' indices are checked
        scale = checked_scalar(alpha, arr.dtype) if arr.ndim <= 1 else None
        _check_add_bounds(arr, d, idx, alpha)
        values = _at_least_1d(src)
        if alpha != 1:
            if scale is None:
                scale = checked_scalar(alpha, arr.dtype)
            work = _compute_dtype(arr.dtype)
            # same-type array arithmetic, so unsigned products wrap as they do in PyTorch
            values = (values.astype(work) * scale.astype(work)).astype(arr.dtype)
        data = _at_least_1d(arr).copy(order="K")
        np.add.at(data, _along(d, _index_vector(idx)), values)
        result = wrap(data.reshape(arr.shape))
    if grad_state.enabled and (input._rg or source._rg):
        node = IndexAddBackward0((input, source), result)
        node.save(index)
        node.dim, node.alpha, node.source_shape = d, alpha, src.shape
    return _finish(result, out, "index_add")


class IndexCopyBackward0(Node):
    def backward(self, grad):
        (index,) = self.saved_tensors
        g_self = g_source = None
        if self._next[0] is not None:
            g_self = index_fill(grad, self.dim, index, 0)
        if self._next[1] is not None:
            g_source = index_select(grad, self.dim, index).reshape(self.source_shape)
        return g_self, g_source


def _check_index_copy(arr, d: int, idx, src) -> None:
    """index_copy's checks, in PyTorch's order (its message about the number of indices
    comes after the slice shapes are compared)."""
    if idx.ndim > 1:
        raise IndexError(f"index_copy_(): Index should have dimension 1 or 0 (got {idx.ndim})")
    if src.ndim == 0 and idx.size != 1:
        raise IndexError(f"index_copy_(): When source is scalar, index should have one element "
                         f"(got {idx.size})")
    if arr.ndim and src.ndim and arr.ndim != src.ndim:
        raise IndexError(f"index_copy_(): When source and destination are not scalars, their "
                         f"dimensionality must match. Source dimensionality ({src.ndim}), "
                         f"destination dimensionality ({arr.ndim})")
    if idx.dtype != _INT64:
        raise RuntimeError(f"index_copy_(): Expected a long tensor for index, but got "
                           f"{_word(idx)}")
    if arr.dtype != src.dtype:
        raise RuntimeError(f"index_copy_(): self and source expected to have the same dtype, but "
                           f"got (self) {_word(arr)} and (source) {_word(src)}")
    # (a 0-d tensor's slice shape is empty; otherwise dim d is dropped)
    self_rest = [s for k, s in enumerate(arr.shape) if k != d]
    src_rest = [s for k, s in enumerate(src.shape) if k != d]
    if self_rest != src_rest:
        raise RuntimeError(f"index_copy_(): Source/destination tensor must have same slice "
                           f"shapes. Destination slice shape: {' '.join(map(str, self_rest))} at "
                           f"dimension {d} and source slice shape: "
                           f"{' '.join(map(str, src_rest))} at dimension 0.")
    if src.ndim and idx.size != src.shape[d]:
        raise IndexError(f"index_copy_(): Number of indices ({idx.size}) should be equal to "
                         f"source.size(dim) ({src.shape[d]})")


def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor, *,
               out: Tensor | None = None) -> Tensor:
    """A copy of ``input`` whose slices at ``index`` along ``dim`` are ``source``'s."""
    arr, idx, src = input._data, index._data, source._data
    d = _wrap_dim(dim, arr.ndim)
    _check_index_copy(arr, d, idx, src)
    size = _at_least_1d(arr).shape[d]
    bad = _first_bad(idx, 0, size)
    if bad is not None:
        raise IndexError(f"index_copy_(): index {bad} is out of bounds for dimension {d} with "
                         f"size {size}")
    data = _at_least_1d(arr).copy(order="K")
    moved = np.moveaxis(data, d, 0)
    values = np.moveaxis(_at_least_1d(src), d, 0)
    positions, values = _last_wins(_index_vector(idx), values, size)
    moved[positions] = values
    result = wrap(data.reshape(arr.shape))
    if grad_state.enabled and (input._rg or source._rg):
        node = IndexCopyBackward0((input, source), result)
        node.save(index)
        node.dim, node.source_shape = d, src.shape
    return _finish(result, out, "index_copy")


class IndexFillBackward0(Node):
    # index_fill with a number
    def backward(self, grad):
        (index,) = self.saved_tensors
        return (index_fill(grad, self.dim, index, 0),)


class IndexFillBackward1(Node):
    # index_fill with a zero-dim tensor value
    def backward(self, grad):
        (index,) = self.saved_tensors
        g_self = g_value = None
        if self._next[0] is not None:
            g_self = index_fill(grad, self.dim, index, 0)
        if self._next[1] is not None:
            from .reduce import sum as sum_
            # each filled slice counts once, however often the index names it
            if holds_values(index._data):
                index = wrap(np.unique(_at_least_1d(index._data)))
            g_value = sum_(index_select(grad, self.dim, index))
        return g_self, g_value


def index_fill(input: Tensor, dim: int, index: Tensor, value) -> Tensor:
    """A copy of ``input`` with the slices at ``index`` along ``dim`` set to ``value``."""
    arr, idx = input._data, index._data
    d = _wrap_dim(dim, arr.ndim)
    if idx.dtype != _INT64:
        raise IndexError("index_fill_(): Expected dtype int64 for index.")
    if idx.ndim > 1:
        raise RuntimeError("Index has to be a vector/scalar")
    is_tensor = isinstance(value, Tensor)
    if is_tensor and value._data.ndim != 0:
        raise RuntimeError(f"index_fill_ only supports a 0-dimensional value tensor, but got "
                           f"tensor with {value._data.ndim} dimension(s).")
    number = value.item() if is_tensor else value
    if isinstance(number, complex) and arr.dtype.kind != "c":
        raise RuntimeError("index_fill_(): Converting complex Scalar to non-complex type is not "
                           "supported")
    fill = _fill_scalar(number, arr.dtype)
    size = _at_least_1d(arr).shape[d]
    bad = _first_bad(idx, -size, size)
    if bad is not None:
        raise IndexError(f"index {bad} is out of bounds for dimension {d} with size {size}")
    wrapped = _wrap_negative(_index_vector(idx), size)
    data = _at_least_1d(arr).copy(order="K")
    np.moveaxis(data, d, 0)[wrapped] = fill
    result = wrap(data.reshape(arr.shape))
    value_grad = is_tensor and value._rg
    if grad_state.enabled and (input._rg or value_grad):
        if arr.dtype.kind not in "fc" and arr.dtype != D.bfloat16.np:
            # (a value requiring grad would make an integer or bool result require grad)
            raise RuntimeError(f"Autograd not support dtype: {_word(arr)}")
        if is_tensor:
            node = IndexFillBackward1((input, value), result)
        else:
            node = IndexFillBackward0((input,), result)
        node.save(wrap(wrapped))
        node.dim = d
    return result


def _check_index_reduce_run(arr, d: int, idx, reduce: str, include_self: bool) -> None:
    """The errors PyTorch's CPU index_reduce raises while it runs, in its order: no bool or
    complex kernel to reset the target slices (include_self=False) or for vectors, the
    reset's own bounds check, the main loop's bounds check, then (matrices only, and only
    with some index) the element kernels' dtype support."""
    no_kernel = arr.dtype.kind in "bc"
    if no_kernel and not include_self:
        raise NotImplementedError(f'"index_reduce_func_exclude_input_init" not implemented for '
                                  f"'{_word(arr)}'")
    size = _at_least_1d(arr).shape[d]
    if not include_self and arr.size:
        bad = _first_bad(idx, -size, size)  # the reset (index_fill) accepts negative indices
        if bad is not None:
            raise IndexError(f"index {bad} is out of bounds for dimension {d} with size {size}")
    if arr.ndim <= 1:
        if no_kernel:
            raise NotImplementedError(f'"index_func_" not implemented for \'{_word(arr)}\'')
    elif idx.size == 0:
        return
    elif size == 0:
        raise IndexError(f"select(): index 0 out of range for tensor of size "
                         f"{shape_str(arr.shape)} at dimension {d}")
    if _first_bad(idx, 0, size) is not None:
        raise IndexError("index out of range in self")
    if arr.ndim > 1:
        _check_reduce_dtype(arr, reduce, lambda r: {"amax": "maximum_cpu",
                                                    "amin": "minimum_cpu"}.get(r, "div_floor_cpu"))


class IndexReduceBackward0(Node):
    def backward(self, grad):
        self_t, src, index, result = self.saved_tensors
        return _scatter_reduce_grads(self, grad, self_t, src, index, result)


_INDEX_REDUCE_WARNED = []


def index_reduce(input: Tensor, dim: int, index: Tensor, source: Tensor, reduce: str, *,
                 include_self: bool = True, out: Tensor | None = None) -> Tensor:
    """A copy of ``input`` with ``source`` slices reduced in at ``index`` along ``dim`` by
    'prod', 'mean', 'amax' or 'amin'."""
    if not _INDEX_REDUCE_WARNED:
        _INDEX_REDUCE_WARNED.append(True)
        warnings.warn("index_reduce() is in beta and the API may change at any time.",
                      UserWarning, stacklevel=2)
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError(f"index_reduce(): Expected reduce to be one of prod, mean, amax or "
                           f"amin but got {reduce}.")
    arr, idx, src = input._data, index._data, source._data
    d = _wrap_dim(dim, arr.ndim)
    _check_index_func("index_reduce", arr, d, idx, src)
    _check_index_reduce_run(arr, d, idx, reduce, include_self)
    # index_reduce is scatter_reduce with the index repeated across source's other dims.
    src1 = _at_least_1d(src)
    shape = [1] * src1.ndim
    shape[d] = -1
    full_index = np.broadcast_to(_index_vector(idx).astype(np.int64).reshape(shape), src1.shape)
    full_index = full_index.reshape(src.shape)
    result = wrap(_scatter_compute(input, d, full_index, src1, reduce, include_self))
    if grad_state.enabled and (input._rg or source._rg):
        node = IndexReduceBackward0((input, source), result)
        node.save(input, source, wrap(contiguous_array(full_index)), result)
        node.dim, node.reduce, node.include_self = d, reduce, include_self
    return _finish(result, out, "index_reduce")


# -- masked ops ---------------------------------------------------------------------------------------

class MaskedFillBackward0(Node):
    # masked_fill with a number
    def backward(self, grad):
        (mask,) = self.saved_tensors
        return (masked_fill(grad, mask, 0),)


class MaskedFillBackward1(Node):
    # masked_fill with a zero-dim tensor value
    def backward(self, grad):
        (mask,) = self.saved_tensors
        g_self = g_value = None
        if self._next[0] is not None:
            g_self = masked_fill(grad, mask, 0)
        if self._next[1] is not None:
            from .reduce import sum as sum_
            g_value = sum_(masked_fill(grad, wrap(~mask._data), 0))
        return g_self, g_value


def masked_fill(input: Tensor, mask: Tensor, value) -> Tensor:
    """``input`` with ``value`` wherever the boolean ``mask`` (broadcast) is True."""
    arr, m = input._data, mask._data
    if m.dtype != _BOOL:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{_CPP_TYPE[D._BY_NP[m.dtype].name]}")
    is_tensor = isinstance(value, Tensor)
    if is_tensor and value._data.ndim != 0:
        raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got "
                           f"tensor with {value._data.ndim} dimension(s).")
    fill = checked_scalar(value.item() if is_tensor else value, arr.dtype)
    shape = broadcast_shapes_named(m.shape, arr.shape)
    result = wrap(np.where(m, fill, arr) if shape == arr.shape
                  else np.where(np.broadcast_to(m, shape), fill, np.broadcast_to(arr, shape)))
    value_grad = is_tensor and value._rg
    if grad_state.enabled and (input._rg or value_grad):
        if arr.dtype.kind not in "fc" and arr.dtype != D.bfloat16.np:
            # (a value requiring grad would make an integer or bool result require grad)
            raise RuntimeError(f"Autograd not support dtype: {_word(arr)}")
        if is_tensor:
            node = MaskedFillBackward1((input, value), result)
        else:
            node = MaskedFillBackward0((input,), result)
        node.save(mask)
    return result


class MaskedScatterBackward0(Node):
    def backward(self, grad):
        (mask,) = self.saved_tensors
        g_self = g_source = None
        if self._next[0] is not None:
            g_self = masked_fill(grad, mask, 0)
        if self._next[1] is not None:
            selected = masked_select(grad, mask)
            numel = int(np.prod(self.source_shape))
            g_source = embed(selected, (numel,), (slice(0, selected._data.size),))
            g_source = g_source.reshape(self.source_shape)
        return g_self, g_source


def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """``input`` with ``source``'s leading elements, in order, copied where ``mask`` is True."""
    arr, m, src = input._data, mask._data, source._data
    if m.dtype != _BOOL:
        raise RuntimeError(f"masked_scatter_ only supports boolean masks, but got mask with "
                           f"dtype {_word(m)}")
    if arr.dtype != src.dtype:
        raise RuntimeError(f"masked_scatter: expected self and source to have same dtypes but "
                           f"got{_word(arr)} and {_word(src)}")
    shape = broadcast_shapes_named(m.shape, arr.shape)
    full_mask = np.broadcast_to(m, shape)
    data = np.broadcast_to(arr, shape).copy()
    if holds_values(full_mask):  # a meta mask has no ones to count or fill
        count = int(np.count_nonzero(full_mask))
        if count > src.size:
            raise RuntimeError("Number of elements of source < number of ones in mask")
        data[full_mask] = src.reshape(-1)[:count]
    result = wrap(data)
    if grad_state.enabled and (input._rg or source._rg):
        node = MaskedScatterBackward0((input, source), result)
        node.save(wrap(contiguous_array(full_mask)))
        node.source_shape = src.shape
    return result


def masked_scatter_(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """In-place :func:`masked_scatter`; the mask must broadcast to ``input``'s shape."""
    m = mask._data
    if m.ndim > input._data.ndim:
        raise RuntimeError(f"expand(CPUBoolType{{{shape_str(m.shape)}}}, "
                           f"size={shape_str(input._data.shape)}): the number of sizes provided "
                           f"({input._data.ndim}) must be greater or equal to the number of "
                           f"dimensions in the tensor ({m.ndim})")
    return apply_inplace(input, masked_scatter(input, mask, source))


class MaskedSelectBackward0(Node):
    def backward(self, grad):
        (mask,) = self.saved_tensors
        return (masked_scatter(_zeros(mask._data.shape, grad), mask, grad),)


def masked_select(input: Tensor, mask: Tensor, *, out: Tensor | None = None) -> Tensor:
    """A 1-D tensor of ``input``'s elements where the boolean ``mask`` (broadcast) is True."""
    arr, m = input._data, mask._data
    if m.dtype != _BOOL:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    shape = broadcast_shapes_named(m.shape, arr.shape)
    full_mask = np.broadcast_to(m, shape)
    data = np.broadcast_to(arr, shape)[full_mask]
    result = wrap(data)
    if grad_state.enabled and input._rg:
        MaskedSelectBackward0((input,), result).save(wrap(contiguous_array(full_mask)))
    return _finish(result, out, "masked_select")


# -- nonzero / argwhere -------------------------------------------------------------------------------

def _nonzero_mask(arr):
    return arr if arr.dtype == _BOOL else arr != 0


def nonzero(input: Tensor, *, out: Tensor | None = None, as_tuple: bool = False):
    """Indices of the nonzero elements: an (n, ndim) int64 tensor, or with ``as_tuple`` one
    1-D tensor per dimension."""
    mask = _nonzero_mask(input._data)
    if as_tuple:
        return tuple(wrap(a.astype(np.int64)) for a in np.nonzero(_at_least_1d(mask)))
    result = wrap(np.argwhere(mask).astype(np.int64))
    if out is not None:
        if out._data.dtype != _INT64:
            raise RuntimeError(f"nonzero: Expected out tensor to have scalar type Long but got "
                               f"scalar type{_word(out._data)}")
        return write_out(out, result, "nonzero")
    return result


def argwhere(input: Tensor) -> Tensor:
    """The (n, ndim) indices of ``input``'s nonzero elements (``nonzero`` without options)."""
    return nonzero(input)


def nonzero_static(input: Tensor, *, size: int, fill_value: int = -1) -> Tensor:
    """``nonzero`` padded with ``fill_value`` (or cut) to exactly ``size`` rows."""
    data = np.full((size, input._data.ndim), fill_value, dtype=np.int64, like=input._data)
    if not holds_values(input._data):
        return wrap(data)  # the shape is fixed by ``size``; a meta tensor has no values to find
    found = np.argwhere(_nonzero_mask(input._data)).astype(np.int64)
    rows = min(size, found.shape[0])
    data[:rows] = found[:rows]
    return wrap(data)


# -- take / put / take_along_dim ----------------------------------------------------------------------

def _check_flat_index(idx, numel: int) -> None:
    bad = _first_bad(idx, -numel, numel)
    if bad is not None:
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {numel} "
                         "elements.")


class TakeBackward0(Node):
    def backward(self, grad):
        (index,) = self.saved_tensors
        return (put(_zeros(self.shape, grad), index, grad, accumulate=True),)


def take(input: Tensor, index: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Elements of ``input`` read as a flat 1-D tensor, at ``index`` (result has its shape)."""
    arr, idx = input._data, index._data
    if idx.dtype != _INT64:
        raise RuntimeError(f"take(): Expected a long tensor for index, but got {_word(idx)}")
    if arr.size == 0 and idx.size:
        raise IndexError("take(): tried to take from an empty tensor")
    _check_flat_index(idx, arr.size)
    result = wrap(arr.reshape(-1)[idx])
    if grad_state.enabled and input._rg:
        node = TakeBackward0((input,), result)
        node.save(index)
        node.shape = arr.shape
    return _finish(result, out, "take")


class PutBackward0(Node):
    def backward(self, grad):
        (index,) = self.saved_tensors
        g_self = g_source = None
        if self._next[0] is not None:
            g_self = grad if self.accumulate else put(grad, index, _zeros(self.source_shape, grad))
        if self._next[1] is not None:
            g_source = take(grad, index).reshape(self.source_shape)
        return g_self, g_source


def put(input: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    """A copy of ``input`` (read as flat 1-D) with ``source`` written, or added with
    ``accumulate=True``, at ``index``."""
    arr, idx, src = input._data, index._data, source._data
    if idx.dtype != _INT64:
        raise RuntimeError(f"put_(): Expected a long tensor for index, but got {_word(idx)}")
    if arr.dtype != src.dtype:
        raise RuntimeError(f"put_(): self and source expected to have the same dtype, but got "
                           f"self.dtype = {_word(arr)} and source.dtype = {_word(src)}")
    if src.size != idx.size:
        raise IndexError(f"put_(): Expected source and index to have the same number of elements, "
                         f"but got source.numel() = {src.size}, index.numel() = {idx.size}")
    if arr.size == 0 and idx.size:
        raise IndexError("put_(): Tried to put elements into an empty tensor")
    _check_flat_index(idx, arr.size)
    data = arr.copy(order="C")
    flat = data.reshape(-1)
    positions = _wrap_negative(idx.reshape(-1), arr.size)
    values = src.reshape(-1)
    if accumulate:
        np.add.at(flat, positions, values)
    else:
        positions, values = _last_wins(positions, values, arr.size)
        flat[positions] = values
    result = wrap(data)
    if grad_state.enabled and (input._rg or source._rg):
        node = PutBackward0((input, source), result)
        node.save(index)
        node.accumulate, node.source_shape = accumulate, src.shape
    return result


def put_(input: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    """In-place :func:`put`; returns ``input``."""
    return apply_inplace(input, put(input, index, source, accumulate))


def take_along_dim(input: Tensor, indices: Tensor, dim: int | None = None, *,
                   out: Tensor | None = None) -> Tensor:
    """``gather`` after broadcasting ``input`` and ``indices`` over all dims but ``dim``
    (over the flattened input when ``dim`` is None).  Along a dim, indices wrap around
    (Python-style modulo of the dim's size), as in PyTorch 2.13."""
    arr, idx = input._data, indices._data
    if dim is None:
        # PyTorch checks the index dtype only along a dim; flattened, gather's check applies
        # (so int32 indices are accepted)
        return gather(input.reshape(-1), 0, indices.reshape(-1), out=out)
    if arr.ndim != idx.ndim:
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same "
                           f"number of dimensions, but got {arr.ndim} dimensions for input, and "
                           f"{idx.ndim} dimensions for indices")
    if idx.dtype != _INT64:
        raise RuntimeError(f"torch.take_along_dim(): dtype of indices should be Long but got "
                           f"{_word(idx)}")
    d = _wrap_dim(dim, arr.ndim)
    if arr.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    self_sizes = list(arr.shape)
    self_sizes[d] = idx.shape[d]
    index_shape = broadcast_shapes_named(tuple(self_sizes), idx.shape)
    index_sizes = list(idx.shape)
    index_sizes[d] = arr.shape[d]
    self_shape = broadcast_shapes_named(tuple(index_sizes), arr.shape)
    indices_b = _wrap_around(indices, arr.shape[d])
    if index_shape != idx.shape:
        indices_b = indices_b.expand(index_shape)
    return gather(input.expand(self_shape), d, indices_b, out=out)


def _wrap_around(indices: Tensor, size: int) -> Tensor:
    """``indices`` modulo ``size`` (a new tensor only when some entry is out of [0, size))."""
    idx = indices._data
    if idx.size == 0 or not holds_values(idx):
        return indices
    if size == 0:
        raise RuntimeError("ZeroDivisionError")
    if idx.min() >= 0 and idx.max() < size:
        return indices
    return wrap(np.remainder(idx, size))


# -- searchsorted / bucketize -------------------------------------------------------------------------

def _bisect(boundaries, values, right: bool):
    """PyTorch's binary search, run for every value at once (one vectorized step per halving).

    ``boundaries`` is (rows, m) and ``values`` (rows, n).  Following PyTorch's comparisons
    exactly (``!(mid >= v)`` / ``!(mid > v)``) also reproduces its answers for NaN.
    """
    rows, m = boundaries.shape
    start = np.zeros(values.shape, dtype=np.int64)
    if m == 0:
        return start
    if rows == 1 and not (_has_nan(boundaries) or _has_nan(values)):
        # Without NaNs every correct binary search agrees; NumPy's is fastest.
        side = "right" if right else "left"
        return np.searchsorted(boundaries[0], values[0], side=side).reshape(values.shape)
    end = np.full(values.shape, m, dtype=np.int64)
    flat = boundaries.reshape(-1)
    row_start = (np.arange(rows, dtype=np.int64) * m)[:, None]
    while True:
        active = start < end
        if not active.any():
            return start
        mid = (start + end) >> 1
        mid_values = flat[row_start + np.minimum(mid, m - 1)]
        with np.errstate(invalid="ignore"):
            go_right = ~(mid_values > values) if right else ~(mid_values >= values)
        go_right &= active
        start = np.where(go_right, mid + 1, start)
        end = np.where(active & ~go_right, mid, end)


def _has_nan(arr) -> bool:
    return arr.dtype.kind == "f" and bool(np.isnan(arr).any())


def searchsorted(sorted_sequence: Tensor, input, *, out_int32: bool = False, right: bool = False,
                 side: str | None = None, sorter: Tensor | None = None,
                 out: Tensor | None = None) -> Tensor:
    """For each value of ``input``, the index where it would be inserted into the innermost
    rows of ``sorted_sequence`` to keep them sorted (``right``/``side='right'`` goes after
    equal entries)."""
    boundaries = sorted_sequence._data
    scalar = not isinstance(input, Tensor)
    values = np.asarray(input) if scalar else input._data
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got "
                               f"{side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, "
                               "got side of left while right was True")
        right = side == "right"
    out_dtype = np.dtype(np.int32) if out_int32 else _INT64
    if out is not None and out._data.dtype != out_dtype:
        raise RuntimeError(f"torch.searchsorted(): output tensor's dtype is wrong, it can only be "
                           f"Int(int32) or Long(int64) depending on whether out_int32 flag is "
                           f"True, but we got output tensor's dtype {_word(out._data)} and "
                           f"out_int32 flag is {out_int32}")
    if boundaries.ndim == 0:
        raise RuntimeError("torch.searchsorted(): boundaries tensor should have positive "
                           "dimension, but got 0 dimension")
    if values.ndim == 0 and boundaries.ndim != 1:
        raise RuntimeError(f"torch.searchsorted(): input value can be a scalar only when "
                           f"boundaries tensor dimension is 1, but we got boundaries tensor "
                           f"dim({boundaries.ndim}) and input value's dim({values.ndim}) "
                           f"numel({values.size})")
    if boundaries.ndim != 1 and (boundaries.ndim != values.ndim
                                 or boundaries.shape[:-1] != values.shape[:-1]):
        raise RuntimeError(f"torch.searchsorted(): boundaries tensor should be 1 dimension or "
                           f"the first N-1 dimensions of boundaries tensor and input value tensor "
                           f"must match, but we got boundaries tensor "
                           f"{shape_str(boundaries.shape)} and input value tensor "
                           f"{shape_str(values.shape)}")
    if sorter is not None:
        order = sorter._data
        if order.dtype != _INT64:
            raise RuntimeError(f"torch.searchsorted(): sorter must be a tensor of long dtype but "
                               f"got dtype {_word(order)}")
        if order.shape != boundaries.shape:
            raise RuntimeError(f"torch.searchsorted(): boundary and sorter must have the same "
                               f"size, but got boundary tensor {shape_str(boundaries.shape)}and "
                               f"got sorter tensor {shape_str(order.shape)}")
        if _first_bad(order, 0, boundaries.shape[-1]) is not None:
            raise RuntimeError("torch.searchsorted(): sorter index out of range")
        boundaries = np.take_along_axis(boundaries, order, axis=-1)
    from ._dispatch import result_type
    common = result_type(sorted_sequence, input).np
    # PyTorch converts both to their promoted type, and its kernel (reached only with some
    # values) has no bool or complex version
    if common.kind in "bc" and values.size:
        raise NotImplementedError(f'"searchsorted_out_cpu" not implemented for '
                                  f"'{_type_word(D._BY_NP[common])}'")
    if common in _HALF_TYPES:
        common = _F32  # exact for half values, and NumPy compares it natively
    boundaries = boundaries.astype(common, copy=False)
    values = values.astype(common, copy=False)
    m = boundaries.shape[-1]
    if boundaries.ndim == 1:
        flat = _bisect(boundaries.reshape(1, m), values.reshape(1, -1), right)
    else:
        rows = int(np.prod(boundaries.shape[:-1]))
        # the values' row length is spelled out: with no rows, -1 could not be inferred
        flat = _bisect(boundaries.reshape(rows, m), values.reshape(rows, values.shape[-1]), right)
    data = flat.reshape(values.shape)
    result = wrap(result_array(data).astype(out_dtype))
    return _finish(result, out, "searchsorted")


def bucketize(input, boundaries: Tensor, *, out_int32: bool = False, right: bool = False,
              out: Tensor | None = None) -> Tensor:
    """The bucket index of each value of ``input`` among the 1-D sorted ``boundaries``."""
    if boundaries._data.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got "
                           f"dim({boundaries._data.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right, out=out)


_METHODS = ["gather", "scatter", "scatter_add", "scatter_reduce", "index_select", "index_add",
            "index_copy", "index_fill", "index_reduce", "masked_fill", "masked_scatter",
            "masked_select", "nonzero", "argwhere", "nonzero_static", "take", "take_along_dim",
            "put", "put_", "masked_scatter_"]
bind_methods(_METHODS, globals(),
             inplace=["scatter", "scatter_add", "scatter_reduce", "index_add", "index_copy",
                      "index_fill", "index_reduce", "masked_fill"])

__all__ = ["gather", "scatter", "scatter_add", "scatter_reduce", "index_select", "index_add",
           "index_copy", "index_fill", "index_reduce", "masked_fill", "masked_scatter",
           "masked_select", "nonzero", "argwhere", "nonzero_static", "take", "take_along_dim",
           "put", "searchsorted", "bucketize"]
