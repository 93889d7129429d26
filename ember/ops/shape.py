"""View ops: new shape, strides or offset over the same storage.  None of them copies.

Each result records its base (``tensor._base``) and shares the base's version counter, so
in-place writes through any view are seen by autograd.  Strides follow PyTorch's rules,
including its choices for size-1 dimensions.
"""
from __future__ import annotations

import operator

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.grad_mode import state as grad_state
from ..autograd.node import Node
from ._dispatch import bind_methods, shape_str


def shape_args(args, name: str = "shape") -> tuple:
    """``f(2, 3)`` and ``f((2, 3))`` both give (2, 3)."""
    if len(args) == 1 and not isinstance(args[0], (int, np.integer, Tensor)):
        args = args[0]
    elif len(args) == 1 and isinstance(args[0], Tensor) and args[0].ndim == 1:
        args = args[0].tolist()
    try:
        return tuple(operator.index(s) for s in args)
    except TypeError:
        bad = next(s for s in args if not isinstance(s, (int, np.integer)))
        raise TypeError(f"{name}(): argument 'size' must be tuple of ints, but found element of "
                        f"type {type(bad).__name__}") from None


def infer_shape(shape: tuple, numel: int) -> tuple:
    """Resolve a single -1 in ``shape`` against ``numel``; PyTorch's errors otherwise."""
    infer = None
    known = 1
    for i, s in enumerate(shape):
        if s == -1:
            if infer is not None:
                raise RuntimeError("only one dimension can be inferred")
            infer = i
        elif s < 0:
            raise RuntimeError(f"invalid shape dimension {s}")
        else:
            known *= s
    if infer is not None:
        if known == 0 or numel % known != 0:
            if known == 0:
                raise RuntimeError(f"cannot reshape tensor of 0 elements into shape "
                                   f"{shape_str(shape)} because the unspecified dimension size -1 "
                                   "can be any value and is ambiguous")
            raise RuntimeError(f"shape '{shape_str(shape)}' is invalid for input of size {numel}")
        shape = shape[:infer] + (numel // known,) + shape[infer + 1:]
    elif known != numel:
        raise RuntimeError(f"shape '{shape_str(shape)}' is invalid for input of size {numel}")
    return shape


def contiguous_strides(shape) -> tuple:
    strides = []
    acc = 1
    for s in reversed(shape):
        strides.append(acc)
        acc *= max(s, 1)
    return tuple(reversed(strides))


def view_strides(old_shape, old_strides, new_shape):
    """Strides that let ``new_shape`` view memory laid out as old_shape/old_strides, or None."""
    if len(old_shape) == 0:
        return contiguous_strides(new_shape)
    numel = 1
    for s in old_shape:
        numel *= s
    if numel == 0:
        return tuple(old_strides) if tuple(old_shape) == tuple(new_shape) else \
            contiguous_strides(new_shape)
    new_strides = [0] * len(new_shape)
    view_d = len(new_shape) - 1
    chunk_base_stride = old_strides[-1]
    tensor_numel = 1
    view_numel = 1
    for tensor_d in range(len(old_shape) - 1, -1, -1):
        tensor_numel *= old_shape[tensor_d]
        # A chunk of memory ends where the next dimension out does not continue it.
        if tensor_d == 0 or (old_shape[tensor_d - 1] != 1
                             and old_strides[tensor_d - 1] != tensor_numel * chunk_base_stride):
            while view_d >= 0 and (view_numel < tensor_numel or new_shape[view_d] == 1):
                new_strides[view_d] = view_numel * chunk_base_stride
                view_numel *= new_shape[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if tensor_d > 0:
                chunk_base_stride = old_strides[tensor_d - 1]
                tensor_numel = 1
                view_numel = 1
    if view_d != -1:
        return None
    return tuple(new_strides)


def restride(arr, shape, strides):
    """A backend view of ``arr``'s memory with element ``strides`` (for size-1 dim conventions)."""
    itemsize = arr.dtype.itemsize
    byte_strides = tuple(s * itemsize for s in strides)
    if arr.shape == tuple(shape) and arr.strides == byte_strides:
        return arr
    return np.lib.stride_tricks.as_strided(arr, shape, byte_strides,
                                           writeable=arr.flags.writeable)


# -- view / reshape ------------------------------------------------------------------------------

class ViewBackward0(Node):
    def backward(self, grad):
        return (grad.reshape(self.shape),)


class UnsafeViewBackward0(ViewBackward0):
    pass


def _view_array(arr, shape):
    if arr.flags.c_contiguous:
        return arr.reshape(shape)
    from .._storage import element_strides
    strides = view_strides(arr.shape, element_strides(arr), shape)
    if strides is None:
        return None
    return _as_view(arr, shape, strides)


def _as_view(arr, shape, strides):
    itemsize = arr.dtype.itemsize
    return np.lib.stride_tricks.as_strided(arr, shape, tuple(s * itemsize for s in strides),
                                           writeable=arr.flags.writeable)


def view(input, *shape) -> Tensor:
    """The same data with another shape (does not copy); ``view(dtype)`` reinterprets bits."""
    if len(shape) == 1 and isinstance(shape[0], D.dtype):
        return _view_dtype(input, shape[0])
    arr = input._data
    new_shape = infer_shape(shape_args(shape, "view"), arr.size)
    data = _view_array(arr, new_shape)
    if data is None:
        raise RuntimeError("view size is not compatible with input tensor's size and stride (at "
                           "least one dimension spans across two contiguous subspaces). Use "
                           ".reshape(...) instead.")
    result = input._make_view(data)
    if grad_state.enabled and input._rg:
        ViewBackward0((input,), result).shape = arr.shape
    return result


def _view_dtype(input, dtype) -> Tensor:
    arr = input._data
    if dtype.itemsize != arr.dtype.itemsize and arr.ndim and arr.strides[-1] != arr.itemsize:
        raise RuntimeError("self.stride(-1) must be 1 to view ScalarType as a different type")
    if dtype.itemsize != arr.dtype.itemsize and arr.ndim == 0:
        raise RuntimeError("self.dim() cannot be 0 to view ScalarType as a different type when "
                           "the element sizes differ")
    return input._make_view(arr.view(dtype.np))


def reshape(input, *shape) -> Tensor:
    """The same data with another shape: a view when strides allow, else a copy."""
    arr = input._data
    new_shape = infer_shape(shape_args(shape, "reshape"), arr.size)
    data = _view_array(arr, new_shape)
    if data is not None:
        result = input._make_view(data)
        if grad_state.enabled and input._rg:
            ViewBackward0((input,), result).shape = arr.shape
        return result
    result = Tensor._make(np.ascontiguousarray(arr).reshape(new_shape))
    if grad_state.enabled and input._rg:
        UnsafeViewBackward0((input,), result).shape = arr.shape
    return result


def view_as(input, other) -> Tensor:
    """``input.view(other.shape)``."""
    return view(input, other._data.shape)


def reshape_as(input, other) -> Tensor:
    """``input.reshape(other.shape)``."""
    return reshape(input, other._data.shape)


def flatten(input, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dims ``start_dim..end_dim`` into one (a view when possible)."""
    shape = input._data.shape
    ndim = len(shape)
    if ndim == 0:
        return reshape(input, (1,))
    start = _dim(start_dim, ndim)
    end = _dim(end_dim, ndim)
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if start == end:
        return input
    merged = 1
    for s in shape[start:end + 1]:
        merged *= s
    return reshape(input, shape[:start] + (merged,) + shape[end + 1:])


def _dim(d, ndim: int) -> int:
    from .._tensor import _wrap_dim
    return _wrap_dim(d, ndim)


# -- permute / transpose --------------------------------------------------------------------------

class PermuteBackward0(Node):
    def backward(self, grad):
        return (grad.permute(self.inverse),)


def permute(input, *dims) -> Tensor:
    """Reorder dimensions (does not copy)."""
    arr = input._data
    dims = shape_args(dims, "permute")
    ndim = arr.ndim
    if len(dims) != ndim:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does "
                           f"not match the length of the desired ordering of dimensions i.e. "
                           f"input.dim() = {ndim} is not equal to len(dims) = {len(dims)}")
    dims = tuple(_dim(d, ndim) for d in dims)
    if len(set(dims)) != ndim:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    result = input._make_view(arr.transpose(dims))
    if grad_state.enabled and input._rg:
        PermuteBackward0((input,), result).inverse = tuple(np.argsort(dims).tolist())
    return result


class TransposeBackward0(Node):
    def backward(self, grad):
        return (grad.transpose(self.dim0, self.dim1),)


def transpose(input, dim0: int, dim1: int) -> Tensor:
    """Swap two dimensions (does not copy)."""
    arr = input._data
    ndim = arr.ndim
    if ndim == 0:
        _dim(dim0, 0), _dim(dim1, 0)
        return input._make_view(arr)
    d0, d1 = _dim(dim0, ndim), _dim(dim1, ndim)
    axes = list(range(ndim))
    axes[d0], axes[d1] = d1, d0
    result = input._make_view(arr.transpose(axes))
    if grad_state.enabled and input._rg:
        node = TransposeBackward0((input,), result)
        node.dim0, node.dim1 = d0, d1
    return result


swapaxes = transpose
swapdims = transpose


class TBackward0(Node):
    def backward(self, grad):
        return (grad.t(),)


def t(input) -> Tensor:
    """Transpose a matrix; vectors and scalars come back as they are (does not copy)."""
    arr = input._data
    if arr.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {arr.ndim}D")
    result = input._make_view(arr.T)
    if grad_state.enabled and input._rg:
        TBackward0((input,), result)
    return result


def adjoint(input) -> Tensor:
    """Conjugate transpose of the last two dims."""
    return transpose(input, -2, -1).conj()


# -- expand ---------------------------------------------------------------------------------------

class ExpandBackward0(Node):
    def backward(self, grad):
        from .reduce import sum_to_shape
        return (sum_to_shape(grad, self.shape),)


def expand(input, *sizes) -> Tensor:
    """Repeat size-1 dims (and add leading dims) by giving them stride 0 (does not copy)."""
    arr = input._data
    sizes = shape_args(sizes, "expand")
    ndim = arr.ndim
    if len(sizes) < ndim:
        raise RuntimeError(f"expand(torch.{D._BY_NP[arr.dtype]}Tensor{{{shape_str(arr.shape)}}}, "
                           f"size={shape_str(sizes)}): the number of sizes provided "
                           f"({len(sizes)}) must be greater or equal to the number of dimensions "
                           f"in the tensor ({ndim})")
    lead = len(sizes) - ndim
    target = list(sizes)
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise RuntimeError(f"The expanded size of the tensor ({s}) isn't allowed in a "
                                   f"leading, non-existing dimension {i}")
            continue
        actual = arr.shape[i - lead]
        if s == -1:
            target[i] = actual
        elif actual != s and actual != 1:
            raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing "
                               f"size ({actual}) at non-singleton dimension {i}.  Target sizes: "
                               f"{shape_str(sizes)}.  Tensor sizes: {shape_str(arr.shape)}")
    target = tuple(target)
    if target == arr.shape:
        data = arr.view()
    else:
        data = np.broadcast_to(arr, target)
    result = input._make_view(data)
    if grad_state.enabled and input._rg:
        ExpandBackward0((input,), result).shape = arr.shape
    return result


def expand_as(input, other) -> Tensor:
    """``input.expand(other.shape)``."""
    return expand(input, other._data.shape)


def broadcast_to(input, size) -> Tensor:
    """``input.expand(size)``."""
    return expand(input, tuple(size))


# -- squeeze / unsqueeze ----------------------------------------------------------------------------

class UnsqueezeBackward0(Node):
    def backward(self, grad):
        return (grad.squeeze(self.dim),)


def unsqueeze(input, dim: int) -> Tensor:
    """Insert a size-1 dimension at ``dim`` (does not copy)."""
    arr = input._data
    ndim = arr.ndim
    d = _dim(dim, ndim + 1)
    from .._storage import element_strides
    strides = list(element_strides(arr))
    shape = list(arr.shape)
    # PyTorch gives the new dim the stride that would make it contiguous with the next one.
    new_stride = 1 if d >= ndim else shape[d] * strides[d]
    shape.insert(d, 1)
    strides.insert(d, new_stride)
    data = np.expand_dims(arr, d)
    data = restride(data, tuple(shape), tuple(strides))
    result = input._make_view(data)
    if grad_state.enabled and input._rg:
        UnsqueezeBackward0((input,), result).dim = d
    return result


class SqueezeBackward0(Node):
    def backward(self, grad):
        return (grad.reshape(self.shape),)


SqueezeBackward1 = type("SqueezeBackward1", (SqueezeBackward0,), {})
SqueezeBackward2 = type("SqueezeBackward2", (SqueezeBackward0,), {})


def squeeze(input, dim=None) -> Tensor:
    """Remove size-1 dimensions (all of them, or those among ``dim``) without copying."""
    arr = input._data
    ndim = arr.ndim
    if dim is None:
        axes = tuple(i for i, s in enumerate(arr.shape) if s == 1)
        node_cls = SqueezeBackward0
    else:
        dims = dim if isinstance(dim, (tuple, list)) else (dim,)
        axes = tuple(sorted({_dim(d, ndim) for d in dims} if ndim else ()))
        axes = tuple(a for a in axes if arr.shape[a] == 1)
        node_cls = SqueezeBackward2 if isinstance(dim, (tuple, list)) else SqueezeBackward1
    data = np.squeeze(arr, axis=axes) if axes else arr.view()
    result = input._make_view(data)
    if grad_state.enabled and input._rg:
        node_cls((input,), result).shape = arr.shape
    return result


# -- as_strided -------------------------------------------------------------------------------------

class AsStridedBackward0(Node):
    def backward(self, grad):
        from ..autograd.views import as_strided_backward
        return (as_strided_backward(grad, self.geometry, self.size, self.stride,
                                    self.storage_offset),)


def as_strided(input, size, stride, storage_offset=None) -> Tensor:
    """A view with explicit sizes, strides and offset into the input's storage (no copy)."""
    from .._storage import storage_offset as offset_of
    from .._storage import view_from_storage
    size, stride = tuple(size), tuple(stride)
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    offset = offset_of(input._data) if storage_offset is None else storage_offset
    data = view_from_storage(input._data, size, stride, offset)
    result = input._make_view(data)
    if grad_state.enabled and input._rg:
        from .._storage import element_strides
        node = AsStridedBackward0((input,), result)
        node.geometry = (input._data.shape, element_strides(input._data), offset_of(input._data))
        node.size, node.stride, node.storage_offset = size, stride, offset
    return result


bind_methods(["view", "reshape", "view_as", "reshape_as", "flatten", "permute", "transpose",
              "swapaxes", "swapdims", "t", "adjoint", "expand", "expand_as", "broadcast_to",
              "unsqueeze", "squeeze", "as_strided"], globals())
Tensor.t_ = lambda self: _inplace_view(self, t(self))
Tensor.transpose_ = lambda self, d0, d1: _inplace_view(self, transpose(self, d0, d1))
Tensor.unsqueeze_ = lambda self, d: _inplace_view(self, unsqueeze(self, d))
Tensor.squeeze_ = lambda self, dim=None: _inplace_view(self, squeeze(self, dim))
Tensor.as_strided_ = lambda self, size, stride, offset=None: _inplace_view(
    self, as_strided(self, size, stride, offset))


def _inplace_view(self: Tensor, result: Tensor) -> Tensor:
    # In-place view ops change this tensor's metadata to the view's.
    self._data = result._data
    if result.grad_fn is not None:
        self.grad_fn = result.grad_fn
    return self


__all__ = ["view_as", "reshape", "flatten", "permute", "transpose", "swapaxes", "swapdims", "t",
           "adjoint", "broadcast_to", "unsqueeze", "squeeze", "as_strided"]
