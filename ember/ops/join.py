"""Joining and rearranging ops that copy: cat/stack and friends, flip/roll/rot90, repeat/tile,
triangles and diagonals, grids and combinations.

Results are fresh arrays (never aliases of an input) laid out as PyTorch lays them out.  Each
differentiable op has its backward beside it, written with ember ops so it can be
differentiated again.  Ops that PyTorch builds from view ops (vstack, meshgrid, cartesian_prod
...) are built here the same way, so their ``grad_fn`` chains read the same.
"""
from __future__ import annotations

import operator
import warnings
from functools import reduce as _fold

import numpy as np

from .. import _dtype as D
from .._layout import contiguous_format
from .._size import Size
from .._storage import contiguous_strides, copy_like, element_strides
from .._tensor import Tensor
from ..backends import holds_values, require_values
from ..backends.meta import MetaArray
from ..autograd.grad_mode import state as grad_state
from ..autograd.node import Node
from . import cast as _cast_ops
from . import reduce as _reduce_ops
from ._dispatch import (_type_word, apply_inplace, bind_methods, result_type, shape_str,
                        write_out)
from .shape import diagonal as _diagonal_view
from .shape import (_dim, _dims_list, diagonal, expand, flatten, reshape, transpose, scatter_into_zeros,
                    shape_args, unsqueeze, view)

wrap = Tensor._make


def _tensor_list(tensors, op: str, position: str = "tensors") -> list:
    """``tensors`` as a list of Tensors, with PyTorch's TypeErrors for anything else."""
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{op}(): argument '{position}' (position 1) must be tuple of Tensors, "
                        f"not {type(tensors).__name__}")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(t).__name__}")
    return list(tensors)


def _promoted(tensors) -> D.dtype:
    first = tensors[0]._data.dtype
    for t in tensors:
        if t._data.dtype != first:
            return _fold(D.promote_types, (t.dtype for t in tensors))
    return D._BY_NP[first]


def _cast(arr, np_dtype):
    return arr if arr.dtype == np_dtype else _cast_ops.cast_array(arr, np_dtype)


def _c_order(arr):
    """``arr`` with PyTorch's row-major strides (a copy only when it has other strides, size-1
    dims included); keeps 0-D arrays 0-D, which ``np.ascontiguousarray`` does not."""
    if arr.flags.c_contiguous and arr.size and (1 not in arr.shape or element_strides(
            arr) == contiguous_strides(arr.shape)):
        return arr
    out = np.empty(arr.shape, arr.dtype, like=arr)
    out[...] = arr
    return out


def _any_grad(tensors) -> bool:
    return grad_state.enabled and any(t._rg for t in tensors)


def _meta_result(tensors, shape, dtype: D.dtype):
    """The result for inputs on the 'meta' device (shape and dtype only), else None."""
    for t in tensors:
        if type(t._data) is MetaArray:
            return wrap(MetaArray(shape, dtype.np))
    return None


# ----------------------------------------------------------------------------------------------
# cat / stack
# ----------------------------------------------------------------------------------------------

class CatBackward0(Node):
    def backward(self, grad):
        dim = self.dim
        grads = []
        for edge, (start, length, shape) in zip(self._next, self.pieces):
            if edge is None:
                grads.append(None)
            elif shape is None:
                grads.append(grad.narrow(dim, start, length))
            else:
                # A legacy empty (0,) input took no part in the result.
                grads.append(wrap(np.zeros(shape, grad._data.dtype, like=grad._data)))
        return tuple(grads)


def _is_legacy_empty(t: Tensor) -> bool:
    # PyTorch still skips 1-D empty tensors in cat, whatever the other inputs' shapes.
    return t._data.shape == (0,)


def cat(tensors, dim: int = 0, *, out=None) -> Tensor:
    """Join tensors along an existing dim ``dim``; their dtypes are promoted to a common one."""
    tensors = _tensor_list(tensors, "cat")
    _check_out_grad(tensors, out, "cat")
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if t._data.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be "
                               "concatenated")
    dtype = _out_dtype(_promoted(tensors), out)
    used = [t for t in tensors if not _is_legacy_empty(t)]
    reference = used[0] if used else tensors[0]
    ndim = reference._data.ndim
    # Only 1-d empty tensors: PyTorch skips them all without looking at dim.
    d = _dim(dim, ndim) if used else 0
    ref_shape = reference._data.shape
    for i, t in enumerate(tensors):
        if _is_legacy_empty(t):
            continue
        shape = t._data.shape
        if len(shape) != ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ndim} and "
                               f"{len(shape)}")
        for k in range(ndim):
            if k != d and shape[k] != ref_shape[k]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. "
                                   f"Expected size {ref_shape[k]} but got size {shape[k]} for "
                                   f"tensor number {i} in the list.")
    total = sum(t._data.shape[d] for t in used)
    out_shape = ref_shape[:d] + (total,) + ref_shape[d + 1:]
    result = _meta_result(tensors, out_shape, dtype)
    if result is None:
        np_dtype = dtype.np
        arrays = [_cast(t._data, np_dtype) for t in used]
        if arrays:
            # NumPy may follow the inputs' memory order; PyTorch's result is row-major.
            data = _c_order(np.concatenate(arrays, axis=d))
        else:
            data = np.empty(out_shape, np_dtype)
        result = wrap(data)
    if _any_grad(tensors):
        node = CatBackward0(tensors, result)
        node.dim = d
        pieces = []
        start = 0
        for t in tensors:
            if _is_legacy_empty(t):
                pieces.append((0, 0, t._data.shape))
                continue
            length = t._data.shape[d]
            pieces.append((start, length, None))
            start += length
        node.pieces = pieces
    return result if out is None else write_out(out, result, "cat")


def _check_out_grad(tensors, out, op: str) -> None:
    """PyTorch refuses out= with anything requiring grad before it looks at the inputs."""
    if isinstance(out, Tensor) and grad_state.enabled and (out._rg or any(
            t._rg for t in tensors)):
        raise RuntimeError(f"{op}(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")


def _out_dtype(dtype: D.dtype, out) -> D.dtype:
    """The dtype to join in: out='s when given (PyTorch converts each input straight to it,
    not through the promoted ``dtype``, which must still be castable to it)."""
    if not isinstance(out, Tensor):
        return dtype
    if not D.can_cast(dtype, out.dtype):
        raise TypeError(f"torch.cat(): input types can't be cast to the desired output type "
                        f"{_type_word(out.dtype)}")
    return out.dtype


def concat(tensors, dim: int = 0, *, out=None) -> Tensor:
    """Alias of :func:`cat`."""
    return cat(tensors, dim, out=out)


def concatenate(tensors, axis: int = 0, *, out=None, dim: int | None = None) -> Tensor:
    """Alias of :func:`cat` with NumPy's argument name (``dim`` is accepted too)."""
    return cat(tensors, axis if dim is None else dim, out=out)


class StackBackward0(Node):
    def backward(self, grad):
        dim = self.dim
        return tuple(None if edge is None else grad.select(dim, i)
                     for i, edge in enumerate(self._next))


def stack(tensors, dim: int = 0, *, out=None) -> Tensor:
    """Join equally shaped tensors along a new dim ``dim``; dtypes are promoted."""
    tensors = _tensor_list(tensors, "stack")
    _check_out_grad(tensors, out, "stack")
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    shape = tensors[0]._data.shape
    for i, t in enumerate(tensors):
        if t._data.shape != shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{shape_str(shape)} at entry 0 and "
                               f"{shape_str(t._data.shape)} at entry {i}")
    d = _dim(dim, len(shape) + 1)
    dtype = _out_dtype(_promoted(tensors), out)
    out_shape = shape[:d] + (len(tensors),) + shape[d:]
    result = _meta_result(tensors, out_shape, dtype)
    if result is None:
        np_dtype = dtype.np
        key = (slice(None),) * d + (None,)
        data = np.concatenate([_cast(t._data, np_dtype)[key] for t in tensors], axis=d)
        result = wrap(_c_order(data))
    if _any_grad(tensors):
        StackBackward0(tensors, result).dim = d
    return result if out is None else write_out(out, result, "stack")


def _nonempty(tensors, op: str) -> list:
    tensors = _tensor_list(tensors, op)
    if not tensors:
        raise RuntimeError(f"{op} expects a non-empty TensorList")
    return tensors


def hstack(tensors, *, out=None) -> Tensor:
    """Join along dim 1 (dim 0 when the inputs are 1-D); 0-D inputs count as 1-D."""
    tensors = atleast_1d(_nonempty(tensors, "hstack"))
    dim = 0 if tensors[0]._data.ndim == 1 else 1
    return cat(tensors, dim, out=out)


def vstack(tensors, *, out=None) -> Tensor:
    """Join along dim 0 after making every input at least 2-D."""
    return cat(atleast_2d(_nonempty(tensors, "vstack")), 0, out=out)


row_stack = vstack


def dstack(tensors, *, out=None) -> Tensor:
    """Join along dim 2 after making every input at least 3-D."""
    return cat(atleast_3d(_nonempty(tensors, "dstack")), 2, out=out)


def column_stack(tensors, *, out=None) -> Tensor:
    """Join as columns: 0-D and 1-D inputs become (n, 1) columns, then join along dim 1."""
    tensors = _nonempty(tensors, "column_stack")
    columns = [reshape(t, (t._data.size, 1)) if t._data.ndim <= 1 else t for t in tensors]
    return hstack(columns, out=out)


# ----------------------------------------------------------------------------------------------
# atleast_nd / broadcasting
# ----------------------------------------------------------------------------------------------

def _each(tensors, fn):
    # One tensor gives one result; several (or a sequence) give a tuple, as in PyTorch.
    if len(tensors) == 1 and isinstance(tensors[0], Tensor):
        return fn(tensors[0])
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tensors[0]
    return tuple(fn(t) for t in tensors)


def _at_least_1d(t: Tensor) -> Tensor:
    return reshape(t, (1,)) if t._data.ndim == 0 else t


def _at_least_2d(t: Tensor) -> Tensor:
    ndim = t._data.ndim
    if ndim == 0:
        return reshape(t, (1, 1))
    return unsqueeze(t, 0) if ndim == 1 else t


def _at_least_3d(t: Tensor) -> Tensor:
    ndim = t._data.ndim
    if ndim == 0:
        return reshape(t, (1, 1, 1))
    if ndim == 1:
        return unsqueeze(unsqueeze(t, 0), -1)
    return unsqueeze(t, -1) if ndim == 2 else t


def atleast_1d(*tensors):
    """Each input viewed with at least one dim (0-D becomes shape (1,)); does not copy."""
    return _each(tensors, _at_least_1d)


def atleast_2d(*tensors):
    """Each input viewed with at least two dims (new dims lead); does not copy."""
    return _each(tensors, _at_least_2d)


def atleast_3d(*tensors):
    """Each input viewed with at least three dims, as NumPy places them; does not copy."""
    return _each(tensors, _at_least_3d)


def broadcast_shapes(*shapes):
    """The shape that tensors of ``shapes`` broadcast to (a ``Size``)."""
    normalized = []
    for shape in shapes:
        if isinstance(shape, (int, np.integer)) or (isinstance(shape, Tensor)
                                                    and shape.ndim == 0):
            shape = (operator.index(shape),)
        shape = tuple(operator.index(s) for s in shape)
        if any(s < 0 for s in shape):
            raise ValueError("Attempting to broadcast a dimension with negative length!")
        normalized.append(shape)
    ndim = max((len(s) for s in normalized), default=0)
    result = [1] * ndim
    for index, shape in enumerate(normalized):
        for i in range(-1, -len(shape) - 1, -1):
            size = shape[i]
            if size == 1 or size == result[i]:
                continue
            if result[i] != 1:
                raise RuntimeError(f"Attempting to broadcast a dimension of length {size} at "
                                   f"{i}! Mismatching argument at index {index} had {shape}; but "
                                   f"expected shape should be broadcastable to "
                                   f"{shape_str(result)}")
            result[i] = size
    return Size(result)


def broadcast_tensors(*tensors) -> tuple:
    """Views of the inputs expanded to their common broadcast shape (does not copy)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if len(tensors) == 1:
        return (tensors[0],)
    shape = ()
    for t in tensors:
        shape = _broadcast_pair(shape, t._data.shape)
    return tuple(expand(t, shape) for t in tensors)


def _broadcast_pair(a: tuple, b: tuple) -> tuple:
    ndim = max(len(a), len(b))
    a = (1,) * (ndim - len(a)) + tuple(a)
    b = (1,) * (ndim - len(b)) + tuple(b)
    out = []
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b "
                               f"({y}) at non-singleton dimension {i}")
        out.append(y if x == 1 else x)
    return tuple(out)


# ----------------------------------------------------------------------------------------------
# flip / roll / rot90
# ----------------------------------------------------------------------------------------------

class FlipBackward0(Node):
    def backward(self, grad):
        return (flip(grad, self.dims),)


def flip(input, *dims) -> Tensor:
    """Reverse the order of elements along ``dims`` (a copy, laid out like the input)."""
    arr = input._data
    if len(dims) == 1 and not isinstance(dims[0], (int, np.integer)):
        dims = dims[0]
    dims = _dims_list(dims, arr.ndim)
    key = tuple(slice(None, None, -1) if i in dims else slice(None) for i in range(arr.ndim))
    result = wrap(copy_like(arr, arr[key] if arr.ndim else arr))
    if grad_state.enabled and input._rg:
        FlipBackward0((input,), result).dims = dims
    return result


def fliplr(input) -> Tensor:
    """Flip left-right: reverse dim 1 (the input must be at least 2-D)."""
    if input._data.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, (1,))


def flipud(input) -> Tensor:
    """Flip up-down: reverse dim 0 (the input must be at least 1-D)."""
    if input._data.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, (0,))


class RollBackward0(Node):
    def backward(self, grad):
        return (roll(grad, tuple(-s for s in self.shifts), self.dims),)


def roll(input, shifts, dims=None) -> Tensor:
    """Shift elements cyclically along ``dims`` (along the flattened tensor when None)."""
    arr = input._data
    shifts = (shifts,) if isinstance(shifts, (int, np.integer)) else tuple(shifts)
    if dims is None:
        if len(shifts) == 0:
            raise RuntimeError("`shifts` required")
        if len(shifts) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:0")
        data = np.roll(arr.reshape(-1), shifts[0]).reshape(arr.shape)
        axes = None
    else:
        dims = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
        if len(shifts) == 0:
            raise RuntimeError("`shifts` required")
        if len(shifts) != len(dims):
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, "
                               f"dims:{len(dims)}")
        if arr.ndim == 0:
            raise IndexError("Dimension specified as 0 but tensor has no dimensions")
        axes = tuple(_dim(d, arr.ndim) for d in dims)
        data = np.roll(arr, shifts, axes)
    # PyTorch hands back a clone (same strides) of an empty input.
    result = wrap(copy_like(arr) if arr.size == 0 else _c_order(data))
    if grad_state.enabled and input._rg:
        node = RollBackward0((input,), result)
        node.shifts, node.dims = shifts, axes
    return result


class Rot90Backward0(Node):
    def backward(self, grad):
        return (rot90(grad, -self.k, self.dims),)


def rot90(input, k: int = 1, dims=(0, 1)) -> Tensor:
    """Rotate by 90 degrees ``k`` times in the plane of ``dims`` (from the first dim toward
    the second)."""
    arr = input._data
    dims = tuple(dims)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if arr.ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {arr.ndim}")
    d0, d1 = _dim(dims[0], arr.ndim), _dim(dims[1], arr.ndim)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and "
                           f"dim1 = {d1}")
    k = operator.index(k) % 4
    plain = input.detach()
    if k == 1:
        data = transpose(flip(plain, (d1,)), d0, d1)._data
    elif k == 2:
        data = flip(plain, (d0, d1))._data
    elif k == 3:
        data = transpose(flip(plain, (d0,)), d0, d1)._data
    else:
        data = arr.copy(order="C")
    result = wrap(data)
    if grad_state.enabled and input._rg:
        node = Rot90Backward0((input,), result)
        node.k, node.dims = k, (d0, d1)
    return result


# ----------------------------------------------------------------------------------------------
# repeat / tile / repeat_interleave
# ----------------------------------------------------------------------------------------------

class RepeatBackward0(Node):
    def backward(self, grad):
        repeats, shape = self.repeats, self.shape
        padded = (1,) * (len(repeats) - len(shape)) + tuple(shape)
        split = []
        for r, s in zip(repeats, padded):
            split += [r, s]
        summed = grad.reshape(split).sum(tuple(range(0, 2 * len(repeats), 2)))
        return (summed.reshape(shape),)


def repeat(input, *sizes) -> Tensor:
    """Tile the tensor ``sizes[i]`` times along each dim (extra sizes add leading dims)."""
    if not sizes:
        raise TypeError('repeat() missing 1 required positional arguments: "repeats"')
    arr = input._data
    repeats = shape_args(sizes, "repeat")
    if len(repeats) < arr.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of "
                           "dimensions of tensor")
    padded = (1,) * (len(repeats) - arr.ndim) + arr.shape
    target = tuple(r * s for r, s in zip(repeats, padded))
    for size in target:
        if size < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {size}: "
                               f"{shape_str(target)}")
    if arr.size and all(repeats):
        data = np.tile(arr, repeats)
    else:
        data = np.empty(target, arr.dtype, like=arr)
    result = wrap(_c_order(data))
    if grad_state.enabled and input._rg:
        node = RepeatBackward0((input,), result)
        node.repeats, node.shape = repeats, arr.shape
    return result


def tile(input, dims) -> Tensor:
    """Like ``repeat``, but missing leading repeat counts are taken as 1."""
    dims = shape_args((dims,), "tile")
    ndim = input._data.ndim
    if len(dims) < ndim:
        dims = (1,) * (ndim - len(dims)) + dims
    return repeat(input, dims)


class IndexSelectBackward0(Node):
    def backward(self, grad):
        return (_index_add_zeros(grad, self.dim, self.index, self.shape),)


class IndexAddBackward(Node):
    def backward(self, grad):
        return (_index_select(grad, self.dim, self.index),)

    def name(self) -> str:
        return "IndexSelectBackwardBackward0"


def _index_select(input: Tensor, dim: int, index: np.ndarray) -> Tensor:
    """Rows ``index`` of dim ``dim`` (an int64 NumPy array), copied."""
    result = wrap(np.take(input._data, index, axis=dim))
    if grad_state.enabled and input._rg:
        node = IndexSelectBackward0((input,), result)
        node.dim, node.index, node.shape = dim, index, input._data.shape
    return result


def _index_add_zeros(grad: Tensor, dim: int, index: np.ndarray, shape) -> Tensor:
    """Zeros of ``shape`` with the slices of ``grad`` added at ``index`` along ``dim``."""
    out = np.zeros(shape, grad._data.dtype, like=grad._data)
    np.add.at(out, (slice(None),) * dim + (index,), grad._data)
    result = wrap(out)
    if grad_state.enabled and grad._rg:
        node = IndexAddBackward((grad,), result)
        node.dim, node.index = dim, index
    return result


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None) -> Tensor:
    """Repeat each element (or each slice along ``dim``) ``repeats`` times in place, unlike
    ``repeat`` which repeats the whole tensor.  With only a tensor of counts, repeat its
    indices."""
    if repeats is None:
        return _repeat_indices(input, output_size)
    if isinstance(repeats, Tensor):
        return _repeat_by_tensor(input, repeats, dim, output_size)
    repeats = operator.index(repeats)
    if repeats < 0:
        raise RuntimeError("Repeats must be non-negative")
    if dim is None:
        input = flatten(input)
        d = 0
    else:
        d = _dim(dim, input._data.ndim)
    shape = input._data.shape
    total = shape[d] * repeats if shape else repeats
    if output_size is not None and output_size != total:
        raise RuntimeError(f"repeat_interleave: Invalid output_size, expected {total} but got "
                           f"{output_size}")
    spread = unsqueeze(input, d + 1)
    expanded = expand(spread, shape[:d + 1] + (repeats,) + shape[d + 1:])
    return reshape(_cast_ops.clone(expanded, memory_format=contiguous_format),
                   shape[:d] + (total,) + shape[d + 1:])


def _check_repeat_dtype(repeats: Tensor) -> None:
    if repeats.dtype not in (D.int64, D.int32):
        raise NotImplementedError(f"\"repeat_interleave_cpu\" not implemented for "
                                  f"'{_type_word(repeats.dtype)}'")


def _repeat_counts(repeats: Tensor, output_size=None) -> np.ndarray:
    if repeats._data.ndim != 1:
        raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
    _check_repeat_dtype(repeats)
    if not holds_values(repeats._data):
        # Counts without values: only a given output size tells how long the result is.
        if output_size is None:
            raise RuntimeError("cannot repeat_interleave a meta tensor without output_size")
        return None
    counts = repeats._host()
    if counts.size and counts.min() < 0:
        raise RuntimeError("repeats can not be negative")
    return counts


def _repeat_indices(repeats: Tensor, output_size) -> Tensor:
    counts = _repeat_counts(repeats, output_size)
    if counts is None:
        return wrap(np.empty(output_size, repeats._data.dtype, like=repeats._data))
    total = int(counts.sum())
    if output_size is not None and output_size != total:
        raise RuntimeError("allocated size does not match required size")
    return wrap(np.repeat(np.arange(counts.size, dtype=counts.dtype), counts))


def _repeat_by_tensor(input, repeats: Tensor, dim, output_size) -> Tensor:
    if dim is None:
        input = flatten(input)
        d = 0
    else:
        if input._data.ndim == 0:
            raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
        d = _dim(dim, input._data.ndim)
    if repeats._data.ndim == 0:
        repeats = reshape(repeats, (1,))
    counts = _repeat_counts(repeats, output_size)
    if counts is None:
        return _index_select(input, d, np.empty(output_size, np.int64, like=repeats._data))
    size = input._data.shape[d] if input._data.ndim else 1
    if counts.size == 1:
        # One count applies to every slice.
        counts = np.broadcast_to(counts, (size,))
    if counts.size != size:
        raise RuntimeError(f"repeats must have the same size as input along dim, but got "
                           f"repeats.size(0) = {counts.size} and input.size({d}) = {size}")
    if output_size is not None and output_size != int(counts.sum()):
        raise RuntimeError("allocated size does not match required size")
    index = np.repeat(np.arange(size, dtype=np.int64), counts)
    return _index_select(input, d, index)


# ----------------------------------------------------------------------------------------------
# triangles, diagonals, trace
# ----------------------------------------------------------------------------------------------

class TrilBackward0(Node):
    def backward(self, grad):
        return (tril(grad, self.diagonal),)


class TriuBackward0(Node):
    def backward(self, grad):
        return (triu(grad, self.diagonal),)


def _triangle(input, diagonal: int, lower: bool, out) -> Tensor:
    arr = input._data
    name = "tril" if lower else "triu"
    if arr.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
    diagonal = operator.index(diagonal)
    rows, cols = arr.shape[-2:]
    keep = (np.arange(cols)[None, :] - np.arange(rows)[:, None]) <= diagonal if lower else \
        (np.arange(cols)[None, :] - np.arange(rows)[:, None]) >= diagonal
    data = np.where(keep, arr, np.zeros((), arr.dtype))
    result = wrap(_c_order(data.astype(arr.dtype, copy=False)))
    if grad_state.enabled and input._rg:
        (TrilBackward0 if lower else TriuBackward0)((input,), result).diagonal = diagonal
    return result if out is None else write_out(out, result, name)


def tril(input, diagonal: int = 0, *, out=None) -> Tensor:
    """The lower triangle of the last two dims (on and below ``diagonal``); the rest zeros."""
    return _triangle(input, diagonal, True, out)


def triu(input, diagonal: int = 0, *, out=None) -> Tensor:
    """The upper triangle of the last two dims (on and above ``diagonal``); the rest zeros."""
    return _triangle(input, diagonal, False, out)


class DiagEmbedBackward0(Node):
    def backward(self, grad):
        return (diagonal(grad, self.offset, self.dim1, self.dim2),)


def diag_embed(input, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Place the last dim of ``input`` on the diagonal of new (dim1, dim2) planes of zeros."""
    arr = input._data
    ndim = arr.ndim + 1
    d1, d2 = _dim(dim1, ndim), _dim(dim2, ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    offset = operator.index(offset)
    n = (arr.shape[-1] if arr.ndim else 1) + abs(offset)
    lead = list(arr.shape[:-1])
    shape = []
    for i in range(ndim):
        shape.append(n if i in (d1, d2) else lead.pop(0))
    out = np.zeros(shape, arr.dtype, like=arr)
    diagonal(wrap(out), offset, d1, d2)._data[...] = arr
    result = wrap(out)
    if grad_state.enabled and input._rg:
        node = DiagEmbedBackward0((input,), result)
        node.offset, node.dim1, node.dim2 = offset, d1, d2
    return result


class DiagonalBackward0_copy(Node):  # noqa: N801 - PyTorch's name
    def backward(self, grad):
        offset = self.offset
        return (scatter_into_zeros(grad, self.shape, lambda t: diagonal(t, offset),
                                   "DiagonalBackwardBackward0"),)


def diag(input, diagonal: int = 0, *, out=None) -> Tensor:
    """A square matrix with the 1-D input on diagonal ``diagonal``, or the ``diagonal``-th
    diagonal of a 2-D input (copied)."""
    arr = input._data
    if arr.ndim == 1:
        result = diag_embed(input, diagonal, 0, 1)
    elif arr.ndim == 2:
        offset = operator.index(diagonal)
        result = wrap(_diagonal_view(input.detach(), offset)._data.copy(order="C"))
        if grad_state.enabled and input._rg:
            node = DiagonalBackward0_copy((input,), result)
            node.shape, node.offset = arr.shape, offset
    else:
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {arr.ndim}D")
    return result if out is None else write_out(out, result, "diag")


def diagflat(input, offset: int = 0) -> Tensor:
    """A square matrix with the flattened input on diagonal ``offset``."""
    return diag_embed(view(_cast_ops.contiguous(input), -1), offset, 0, 1)


class TraceBackward0(Node):
    def backward(self, grad):
        shape = self.shape
        length = min(shape)
        return (scatter_into_zeros(grad.expand(length), shape, lambda t: diagonal(t),
                                   "TraceBackwardBackward0"),)


def trace(input) -> Tensor:
    """Sum of the main diagonal of a matrix (integers sum as int64)."""
    arr = input._data
    if arr.dtype == np.bool_:  # refused before the shape is looked at, as in PyTorch
        raise NotImplementedError("\"trace\" not implemented for 'Bool'")
    if arr.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {arr.ndim}")
    with_grad = grad_state.enabled
    grad_state.enabled = False
    try:
        result = _reduce_ops.sum(diagonal(input, 0, 0, 1))
    finally:
        grad_state.enabled = with_grad
    result = wrap(result._data)
    if with_grad and input._rg:
        TraceBackward0((input,), result).shape = arr.shape
    return result


# ----------------------------------------------------------------------------------------------
# grids, products, block matrices
# ----------------------------------------------------------------------------------------------

def meshgrid(*tensors, indexing: str | None = None) -> tuple:
    """Coordinate grids: output ``i`` varies along dim ``i`` only ('ij'); 'xy' swaps the roles
    of the first two inputs.  The outputs are expanded views of the inputs: does not copy."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the "
                      "indexing argument.", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but "
                           f"received: {indexing}")
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    for t in tensors:
        if t._data.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but "
                               f"got: {t}")
    for t in tensors[1:]:
        if t.dtype is not tensors[0].dtype:
            raise RuntimeError("meshgrid expects all tensors to have the same dtype")
        if t.device != tensors[0].device:
            raise RuntimeError("meshgrid expects all tensors to have the same device")
    swap = indexing == "xy" and len(tensors) >= 2
    order = list(tensors)
    if swap:
        order[0], order[1] = order[1], order[0]
    shape = tuple(t._data.size for t in order)
    grids = []
    for i, t in enumerate(order):
        along = [1] * len(order)
        along[i] = -1
        grids.append(expand(view(t, along), shape))
    if swap:
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


def cartesian_prod(*tensors) -> Tensor:
    """Every combination of one element from each 1-D input, one per row."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    for t in tensors:
        if t._data.ndim != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {shape_str(t._data.shape)}")
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return stack([reshape(g, (-1,)) for g in grids], 1)


def combinations(input, r: int = 2, with_replacement: bool = False) -> Tensor:
    """All length-``r`` combinations of the elements of a 1-D tensor, in lexicographic order
    (like ``itertools.combinations``, or ``combinations_with_replacement``)."""
    arr = input._data
    if arr.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {shape_str(arr.shape)}")
    r = operator.index(r)
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return wrap(np.empty((0,), arr.dtype, like=arr))
    require_values("aten::masked_select", arr)  # PyTorch builds the result with masked_select
    n = arr.shape[0]
    # Every index tuple in lexicographic order, kept where the indices increase.
    grid = np.indices((n,) * r).reshape(r, -1)
    keep = np.ones(grid.shape[1], dtype=bool)
    for k in range(r - 1):
        keep &= grid[k] <= grid[k + 1] if with_replacement else grid[k] < grid[k + 1]
    chosen = grid[:, keep]
    columns = [_index_select(input, 0, chosen[k]) for k in range(r)]
    return stack(columns, 1)


class BlockDiagBackward0(Node):
    def backward(self, grad):
        grads = []
        for edge, (row, col, shape) in zip(self._next, self.blocks):
            if edge is None:
                grads.append(None)
                continue
            rows, cols = _as_matrix_shape(shape)
            block = grad.narrow(0, row, rows).narrow(1, col, cols)
            grads.append(block.reshape(shape))
        return tuple(grads)


def _as_matrix_shape(shape) -> tuple:
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return 1, shape[0]
    return shape


def block_diag(*tensors) -> Tensor:
    """A block-diagonal matrix from the inputs (0-D and 1-D inputs count as one row)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(t).__name__}")
        if t._data.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. "
                               f"Input {i} has {t._data.ndim} dimensions")
    if not tensors:
        return wrap(np.empty((1, 0), D.get_default_dtype().np))
    # (torch.result_type's rule: zero-dim inputs only count for a higher category)
    dtype = result_type(*tensors)
    shapes = [_as_matrix_shape(t._data.shape) for t in tensors]
    rows = sum(s[0] for s in shapes)
    cols = sum(s[1] for s in shapes)
    out = np.zeros((rows, cols), dtype.np, like=tensors[0]._data)
    blocks = []
    row = col = 0
    for t, (h, w) in zip(tensors, shapes):
        out[row:row + h, col:col + w] = _cast(t._data, dtype.np).reshape(h, w)
        blocks.append((row, col, t._data.shape))
        row += h
        col += w
    result = wrap(out)
    if _any_grad(tensors):
        BlockDiagBackward0(tensors, result).blocks = blocks
    return result


# ----------------------------------------------------------------------------------------------
# in-place forms and Tensor methods
# ----------------------------------------------------------------------------------------------

def tril_(self, diagonal: int = 0) -> Tensor:
    """In-place ``tril``."""
    return apply_inplace(self, tril(self, diagonal))


def triu_(self, diagonal: int = 0) -> Tensor:
    """In-place ``triu``."""
    return apply_inplace(self, triu(self, diagonal))


bind_methods(["flip", "fliplr", "flipud", "roll", "rot90", "repeat", "tile", "repeat_interleave",
              "tril", "triu", "tril_", "triu_", "diag", "diag_embed", "diagflat", "trace"],
             globals())

__all__ = ["cat", "concat", "concatenate", "stack", "hstack", "vstack", "row_stack", "dstack",
           "column_stack", "atleast_1d", "atleast_2d", "atleast_3d", "broadcast_shapes",
           "broadcast_tensors", "flip", "fliplr", "flipud", "roll", "rot90", "tile",
           "repeat_interleave", "tril", "triu", "diag", "diag_embed", "diagflat", "trace",
           "meshgrid", "cartesian_prod", "combinations", "block_diag"]
