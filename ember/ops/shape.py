"""View ops: new shape, strides or offset over the same storage.  None of them copies.

Each result records its base (``tensor._base``) and shares the base's version counter, so
in-place writes through any view are seen by autograd.  Every op works out its result's
geometry (sizes, strides in elements, offset) the way PyTorch does, including PyTorch's choices
for size-1 and size-0 dimensions, and then asks the backend for a view with that geometry.

The backward of a view op writes the incoming gradient into zeros shaped like the input,
through the same view (``scatter_into_zeros``); the backward of *that* is the view op again, so
double backward works.
"""
from __future__ import annotations

import operator

import numpy as np

from .. import _dtype as D
from .._storage import clone_preserving_strides, contiguous_strides, element_strides, restride
from .._storage import root_array
from .._storage import storage_offset as offset_of
from .._tensor import Tensor
from .._tensor_type import legacy_type_name
from ..backends.meta import MetaArray
from ..autograd.grad_mode import state as grad_state
from ..autograd.node import Node
from . import cast as _cast_ops
from . import reduce as _reduce_ops
from ._dispatch import _type_word, bind_methods, check_inplace, shape_str

wrap = Tensor._make
_INT_TYPES = (int, np.integer)


# ----------------------------------------------------------------------------------------------
# argument helpers
# ----------------------------------------------------------------------------------------------

def shape_args(args, name: str = "shape") -> tuple:
    """``f(2, 3)``, ``f((2, 3))`` and ``f(torch.Size([2, 3]))`` all give (2, 3)."""
    if len(args) == 1 and not isinstance(args[0], (int, np.integer, Tensor)):
        args = args[0]
    elif len(args) == 1 and isinstance(args[0], Tensor) and args[0].ndim == 1:
        args = args[0].tolist()
    try:
        return tuple(operator.index(s) for s in args)
    except TypeError:
        bad = next((s for s in args if not isinstance(s, (int, np.integer, Tensor))), args)
        raise TypeError(f"{name}(): argument 'size' must be tuple of ints, but found element of "
                        f"type {type(bad).__name__}") from None


def _dim(d, ndim: int) -> int:
    """Wrap a possibly negative dim into [0, ndim), with PyTorch's IndexError."""
    d = operator.index(d)
    bound = ndim if ndim > 0 else 1
    if d < -bound or d >= bound:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-bound}, "
                         f"{bound - 1}], but got {d})")
    return d + bound if d < 0 else d


def _dims_list(dims, ndim: int) -> tuple:
    """Wrapped dims from an int or a sequence; PyTorch's error for a repeated dim."""
    if isinstance(dims, _INT_TYPES) or (isinstance(dims, Tensor) and dims.ndim == 0):
        dims = (dims,)
    out = tuple(_dim(d, ndim) for d in dims)
    if len(set(out)) != len(out):
        repeated = next(d for d in out if out.count(d) > 1)
        raise RuntimeError(f"dim {repeated} appears multiple times in the list of dims")
    return out


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
            raise RuntimeError(f"invalid shape dimension {s} at index {i} of shape "
                               f"{shape_str(shape)}")
        else:
            known *= s
    if infer is not None:
        if known == 0:
            raise RuntimeError(f"cannot reshape tensor of 0 elements into shape "
                               f"{shape_str(shape)} because the unspecified dimension size -1 "
                               "can be any value and is ambiguous")
        if numel % known != 0:
            raise RuntimeError(f"shape '{shape_str(shape)}' is invalid for input of size {numel}")
        shape = shape[:infer] + (numel // known,) + shape[infer + 1:]
    elif known != numel:
        raise RuntimeError(f"shape '{shape_str(shape)}' is invalid for input of size {numel}")
    return shape


def view_strides(old_shape, old_strides, new_shape):
    """Strides that let ``new_shape`` view memory laid out as old_shape/old_strides, or None.

    PyTorch's rule: the old dims split into chunks of memory-contiguous dims; each new dim
    must fall inside one chunk.
    """
    if len(old_shape) == 0:
        return contiguous_strides(new_shape)
    numel = 1
    for s in old_shape:
        numel *= s
    if numel == 0:
        if tuple(old_shape) == tuple(new_shape):
            return tuple(old_strides)
        return contiguous_strides(new_shape)
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


def _strided(input: Tensor, shape, strides, offset: int = 0) -> Tensor:
    """A view of ``input`` with the given element geometry (offset relative to its start)."""
    return input._make_view(restride(input._data, tuple(shape), tuple(strides), offset))


# ----------------------------------------------------------------------------------------------
# backward helpers shared by the view ops
# ----------------------------------------------------------------------------------------------

class ScatterBackward(Node):
    """The backward of ``scatter_into_zeros``: read the gradient back through the view."""

    def backward(self, grad):
        return (self.view_fn(grad),)

    def name(self) -> str:
        return self.node_name


def scatter_into_zeros(grad: Tensor, shape, view_fn, node_name: str,
                       overlapping: bool = False) -> Tensor:
    """Zeros of ``shape`` with ``grad`` written through ``view_fn`` (a view op): the gradient of
    a view op.  Differentiable: its own backward is ``view_fn``.  With ``overlapping`` the view
    may reach one element several times, and the contributions add up.
    """
    g = grad._data
    out = np.zeros(shape, dtype=g.dtype, like=g)
    target = view_fn(wrap(out))._data
    if overlapping:
        _accumulate_through(out, target, g)
    else:
        target[...] = g
    result = wrap(out)
    if grad_state.enabled and grad._rg:
        node = ScatterBackward((grad,), result)
        node.view_fn, node.node_name = view_fn, node_name
    return result


def _accumulate_through(out: np.ndarray, target: np.ndarray, values: np.ndarray) -> None:
    """``target += values`` where ``target``, a view of the fresh array ``out``, may name one
    memory location several times (overlapping windows)."""
    index = _geometry_index(target.shape, element_strides(target), offset_of(target))
    np.add.at(out.reshape(-1), index, np.broadcast_to(values, target.shape).reshape(-1))


# ----------------------------------------------------------------------------------------------
# view / reshape
# ----------------------------------------------------------------------------------------------

class ViewBackward0(Node):
    def backward(self, grad):
        return (grad.reshape(self.shape),)


class UnsafeViewBackward0(ViewBackward0):
    pass


class ReshapeAliasBackward0(ViewBackward0):
    pass


def _view_array(arr, shape):
    """A backend view of ``arr`` with ``shape`` and PyTorch's strides, or None if impossible."""
    if type(arr) is np.ndarray and arr.flags.c_contiguous and arr.size and 1 not in arr.shape:
        # Row-major input without size-1 dims has the canonical strides, and so does NumPy's
        # reshape of it: exactly what PyTorch computes.
        return arr.reshape(shape)
    strides = view_strides(arr.shape, element_strides(arr), shape)
    if strides is None:
        return None
    if type(arr) is np.ndarray and arr.flags.c_contiguous:
        data = arr.reshape(shape)
        if element_strides(data) == strides:
            return data
    return restride(arr, shape, strides)


def view(input, *shape, dtype=None) -> Tensor:
    """The same data with another shape (does not copy); ``view(dtype)`` reinterprets bits."""
    if dtype is not None and not shape:
        return _view_dtype(input, dtype)
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


def _view_dtype(input, dtype: D.dtype) -> Tensor:
    """Reinterpret the bytes as ``dtype`` (does not copy); the last dim scales with the size
    ratio.  Not differentiable, as in PyTorch."""
    arr = input._data
    old_size = arr.dtype.itemsize
    new_size = dtype.itemsize
    shape = list(arr.shape)
    strides = list(element_strides(arr))
    offset = offset_of(arr) if isinstance(arr, np.ndarray) else 0
    if old_size != new_size:
        what = f"to view {_type_word(D._BY_NP[arr.dtype])} as {_type_word(dtype)} " \
               "(different element sizes)"
        if arr.ndim == 0:
            raise RuntimeError(f"self.dim() cannot be 0 {what}")
        if strides[-1] != 1:
            raise RuntimeError(f"self.stride(-1) must be 1 {what}, but got {strides[-1]}")
        if new_size > old_size:
            ratio = new_size // old_size
            if shape[-1] % ratio:
                raise RuntimeError(f"self.size(-1) must be divisible by {ratio} {what}, but got "
                                   f"{shape[-1]}")
            if offset % ratio:
                raise RuntimeError(f"self.storage_offset() must be divisible by {ratio} {what}, "
                                   f"but got {offset}")
            for i, st in enumerate(strides[:-1]):
                if st % ratio:
                    raise RuntimeError(f"self.stride({i}) must be divisible by {ratio} {what}, "
                                       f"but got {st}")
            shape[-1] //= ratio
            strides = [st // ratio for st in strides[:-1]] + [1]
        else:
            ratio = old_size // new_size
            shape[-1] *= ratio
            strides = [st * ratio for st in strides[:-1]] + [1]
    byte_strides = tuple(st * new_size for st in strides)
    if isinstance(arr, np.ndarray):
        root = root_array(arr)
        start = arr.__array_interface__["data"][0] - root.__array_interface__["data"][0]
        try:
            data = np.ndarray(tuple(shape), dtype.np, buffer=root, offset=start,
                              strides=byte_strides)
        except (TypeError, ValueError, BufferError):
            data = arr.view(dtype.np)
        if data.flags.writeable and not arr.flags.writeable:
            data.flags.writeable = False
    else:
        data = MetaArray(tuple(shape), dtype.np, byte_strides)
    # PyTorch makes this an alias outside autograd's view tracking.  It shares the version
    # counter, except for an input that requires grad, whose alias starts a fresh counter.
    result = wrap(data)
    if input._rg:
        result._vc = [input._version]
    else:
        if input._vc is None:
            input._vc = [0]
        result._vc = input._vc
    return result


def reshape(input, *shape) -> Tensor:
    """The same data with another shape: a view when strides allow (does not copy), else a
    contiguous copy."""
    arr = input._data
    new_shape = infer_shape(shape_args(shape, "reshape"), arr.size)
    data = _view_array(arr, new_shape)
    if data is not None:
        result = input._make_view(data)
        if grad_state.enabled and input._rg:
            # PyTorch records a non-contiguous input's reshape as _reshape_alias.
            node_cls = ViewBackward0 if input.is_contiguous() else ReshapeAliasBackward0
            node_cls((input,), result).shape = arr.shape
        return result
    if type(arr) is MetaArray:
        dense = input
        result = wrap(MetaArray(new_shape, arr.dtype))
    else:
        dense = _cast_ops.contiguous(input)
        result = wrap(dense._data.reshape(new_shape))
    if grad_state.enabled and dense._rg:
        UnsafeViewBackward0((dense,), result).shape = arr.shape
    return result


def view_as(input, other) -> Tensor:
    """``input.view(other.shape)`` (does not copy)."""
    return view(input, other._data.shape)


def reshape_as(input, other) -> Tensor:
    """``input.reshape(other.shape)``: a view when possible (does not copy then)."""
    return reshape(input, other._data.shape)


def flatten(input, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dims ``start_dim..end_dim`` into one; a view when strides allow (does not copy)."""
    shape = input._data.shape
    ndim = len(shape)
    start = _dim(start_dim, ndim)
    end = _dim(end_dim, ndim)
    if ndim == 0:
        return reshape(input, (1,))
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if start == end:
        return input
    merged = 1
    for s in shape[start:end + 1]:
        merged *= s
    return reshape(input, shape[:start] + (merged,) + shape[end + 1:])


def ravel(input) -> Tensor:
    """The elements as a 1-D tensor: a view of contiguous input (does not copy then)."""
    return view(_cast_ops.contiguous(input), -1)


def unflatten(input, dim: int, sizes) -> Tensor:
    """Split dim ``dim`` into ``sizes`` (one of them may be -1); does not copy."""
    shape = input._data.shape
    if len(shape) == 0:
        raise RuntimeError("unflatten got an unexpected error:\nDimension specified as 0 but "
                           "tensor has no dimensions")
    d = _dim(dim, len(shape))
    sizes = shape_args((sizes,), "unflatten")
    if len(sizes) == 0:
        raise RuntimeError("unflatten: sizes must be non-empty")
    try:
        resolved = infer_shape(sizes, shape[d])
    except RuntimeError:
        if sizes.count(-1) > 1:
            raise
        raise RuntimeError(f"unflatten: Provided sizes {shape_str(sizes)} don't multiply up to "
                           f"the size of dim {d} ({shape[d]}) in the input tensor") from None
    return view(input, shape[:d] + resolved + shape[d + 1:])


# ----------------------------------------------------------------------------------------------
# permute / transpose / movedim
# ----------------------------------------------------------------------------------------------

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
    result = input._make_view(_permuted(arr, dims))
    if grad_state.enabled and input._rg:
        inverse = [0] * ndim
        for i, d in enumerate(dims):
            inverse[d] = i
        PermuteBackward0((input,), result).inverse = tuple(inverse)
    return result


def _permuted(arr, dims):
    if type(arr) is np.ndarray and arr.size:
        return arr.transpose(dims)
    strides = element_strides(arr)
    return restride(arr, tuple(arr.shape[d] for d in dims), tuple(strides[d] for d in dims))


class TransposeBackward0(Node):
    def backward(self, grad):
        return (grad.transpose(self.dim0, self.dim1),)


def transpose(input, dim0: int, dim1: int) -> Tensor:
    """Swap two dimensions (does not copy)."""
    arr = input._data
    ndim = arr.ndim
    d0, d1 = _dim(dim0, ndim), _dim(dim1, ndim)
    axes = list(range(ndim))
    if ndim:
        axes[d0], axes[d1] = d1, d0
    result = input._make_view(_permuted(arr, axes))
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
    result = input._make_view(_permuted(arr, tuple(range(arr.ndim - 1, -1, -1))))
    if grad_state.enabled and input._rg:
        TBackward0((input,), result)
    return result


def adjoint(input) -> Tensor:
    """Conjugate transpose of the last two dims (does not copy for real tensors)."""
    ndim = input._data.ndim
    if ndim == 0:
        import warnings
        warnings.warn("adjoint() is deprecated on 0-D tensors. Consider using x.conj().",
                      UserWarning, stacklevel=2)
        return input.conj() if input.is_complex() else input
    if ndim == 1:
        raise RuntimeError("tensor.adjoint() is only supported on matrices or batches of "
                           "matrices. Got 1-D tensor.")
    result = transpose(input, -2, -1)
    return result.conj() if result.is_complex() else result


def movedim(input, source, destination) -> Tensor:
    """Move dims ``source`` to positions ``destination``; the rest keep their order.
    Does not copy."""
    ndim = input._data.ndim
    src = (source,) if isinstance(source, _INT_TYPES) else tuple(source)
    dst = (destination,) if isinstance(destination, _INT_TYPES) else tuple(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source "
                           f"({list(src)} dims) should contain the same number of dims as "
                           f"destination ({list(dst)} dims)")
    src = tuple(_dim(d, ndim) for d in src)
    dst = tuple(_dim(d, ndim) for d in dst)
    if ndim == 0:
        return permute(input, ())  # dims 0 and -1 name the scalar's only "dim"
    if len(set(src)) != len(src):
        raise RuntimeError(f"movedim: repeated dim in `source` ({list(src)})")
    if len(set(dst)) != len(dst):
        raise RuntimeError(f"movedim: repeated dim in `destination` ({list(dst)})")
    order = [None] * ndim
    for s, d in zip(src, dst):
        order[d] = s
    rest = iter(d for d in range(ndim) if d not in src)
    order = [next(rest) if o is None else o for o in order]
    return permute(input, order)


moveaxis = movedim


# ----------------------------------------------------------------------------------------------
# expand / broadcast_to
# ----------------------------------------------------------------------------------------------

class ExpandBackward0(Node):
    def backward(self, grad):
        return (_reduce_ops.sum_to_shape(grad, self.shape),)


def expand(input, *sizes) -> Tensor:
    """Repeat size-1 dims (and add leading dims) by giving them stride 0 (does not copy)."""
    if not sizes:
        raise TypeError('expand() missing 1 required positional arguments: "size"')
    arr = input._data
    sizes = shape_args(sizes, "expand")
    ndim = arr.ndim
    if ndim == 0 and type(arr) is np.ndarray and min(sizes, default=0) >= 0:
        # A scalar spread over a shape (the gradient of a full reduction): every stride is 0.
        data = np.ndarray(sizes, arr.dtype, buffer=arr, strides=(0,) * len(sizes))
        if max(sizes, default=0) > 1:
            data.flags.writeable = False
        result = input._make_view(data)
        if grad_state.enabled and input._rg:
            ExpandBackward0((input,), result).shape = ()
        return result
    if len(sizes) < ndim:
        raise RuntimeError(f"expand({_legacy_name(arr)}{{{shape_str(arr.shape)}}}, "
                           f"size={shape_str(sizes)}): the number of sizes provided "
                           f"({len(sizes)}) must be greater or equal to the number of dimensions "
                           f"in the tensor ({ndim})")
    lead = len(sizes) - ndim
    old_strides = element_strides(arr)
    count = len(sizes)
    shape, strides = [0] * count, [0] * count
    overlapping = False
    # Walk from the last dim, as PyTorch does: a new leading dim of size 1 takes the stride
    # that would make it contiguous with the dim after it.
    for i in range(count - 1, -1, -1):
        s = sizes[i]
        if i < lead:
            if s < 0:
                raise RuntimeError(f"The expanded size of the tensor ({s}) isn't allowed in a "
                                   f"leading, non-existing dimension {i}")
            size = 1
            stride = shape[i + 1] * strides[i + 1] if i + 1 < count else 0
        else:
            size = arr.shape[i - lead]
            stride = old_strides[i - lead]
            if s == -1:
                s = size
        if s != size:
            if s < 0 and size == 1:
                raise RuntimeError(f"Trying to create tensor with negative dimension {s}: "
                                   f"{shape_str(sizes)}")
            if size != 1:
                raise RuntimeError(f"The expanded size of the tensor ({s}) must match the "
                                   f"existing size ({size}) at non-singleton dimension {i}.  "
                                   f"Target sizes: {shape_str(sizes)}.  Tensor sizes: "
                                   f"{shape_str(arr.shape)}")
            size, stride = s, 0
            overlapping = overlapping or s > 1
        shape[i], strides[i] = size, stride
    data = restride(arr, tuple(shape), tuple(strides))
    if overlapping and isinstance(data, np.ndarray):
        # Several elements share one memory location: writes through it would be ambiguous.
        data.flags.writeable = False
    result = input._make_view(data)
    if grad_state.enabled and input._rg:
        ExpandBackward0((input,), result).shape = arr.shape
    return result


def _legacy_name(arr) -> str:
    return legacy_type_name(arr.dtype)


def expand_as(input, other) -> Tensor:
    """``input.expand(other.shape)`` (does not copy)."""
    return expand(input, other._data.shape)


def broadcast_to(input, *size) -> Tensor:
    """``input.expand(size)`` (does not copy)."""
    return expand(input, shape_args(size, "broadcast_to"))


# ----------------------------------------------------------------------------------------------
# squeeze / unsqueeze
# ----------------------------------------------------------------------------------------------

class UnsqueezeBackward0(Node):
    def backward(self, grad):
        return (grad.squeeze(self.dim),)


def unsqueeze(input, dim: int) -> Tensor:
    """Insert a size-1 dimension at ``dim`` (does not copy)."""
    arr = input._data
    ndim = arr.ndim
    d = _dim(dim, ndim + 1)
    strides = list(element_strides(arr))
    shape = list(arr.shape)
    # PyTorch gives the new dim the stride that would make it contiguous with the next one.
    new_stride = 1 if d >= ndim else shape[d] * strides[d]
    shape.insert(d, 1)
    strides.insert(d, new_stride)
    result = input._make_view(restride(arr, tuple(shape), tuple(strides)))
    if grad_state.enabled and input._rg:
        UnsqueezeBackward0((input,), result).dim = d
    return result


class SqueezeBackward0(Node):
    def backward(self, grad):
        return (grad.reshape(self.shape),)


class SqueezeBackward1(SqueezeBackward0):
    pass


class SqueezeBackward2(SqueezeBackward0):
    pass


class _AllDims:
    """Default of squeeze's ``dim`` (an explicit None is refused, as in PyTorch)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "None"


_ALL_DIMS = _AllDims()


def squeeze(input, dim=_ALL_DIMS) -> Tensor:
    """Remove size-1 dimensions: all of them, or those among ``dim`` (does not copy)."""
    arr = input._data
    ndim = arr.ndim
    if dim is None:
        raise TypeError("squeeze() received an invalid combination of arguments - got "
                        "(Tensor, dim=NoneType), but expected one of: (Tensor input), "
                        "(Tensor input, int dim), (Tensor input, tuple of ints dim)")
    if dim is _ALL_DIMS:
        axes = tuple(i for i, s in enumerate(arr.shape) if s == 1)
        node_cls = SqueezeBackward0
    else:
        several = isinstance(dim, (tuple, list))
        dims = _dims_list(dim, ndim)
        axes = tuple(sorted(a for a in dims if ndim and arr.shape[a] == 1))
        node_cls = SqueezeBackward2 if several else SqueezeBackward1
    if type(arr) is np.ndarray and arr.size:
        data = np.squeeze(arr, axis=axes) if axes else arr.view()
    else:
        strides = element_strides(arr)
        keep = [i for i in range(ndim) if i not in axes]
        data = restride(arr, tuple(arr.shape[i] for i in keep), tuple(strides[i] for i in keep))
    result = input._make_view(data)
    if grad_state.enabled and input._rg:
        node_cls((input,), result).shape = arr.shape
    return result


# ----------------------------------------------------------------------------------------------
# narrow / select / slicing pieces
# ----------------------------------------------------------------------------------------------

class SliceBackward0(Node):
    def backward(self, grad):
        dim, start, length, step = self.dim, self.start, self.length, self.step
        return (scatter_into_zeros(
            grad, self.shape, lambda t: _narrow_view(t, dim, start, length, SliceBackward0, step),
            "SliceBackwardBackward0"),)


class _PiecesBackward(Node):
    """One node for all the pieces of a split (PyTorch's multi-output SplitBackward0): the
    pieces' gradients, zeros where a piece got none, joined back along the split dim."""

    def backward(self, *grads):
        from .join import cat
        dim, shape = self.dim, self.shape
        pieces = []
        like = next(g for g in grads if g is not None)._data  # zeros on the gradients' device
        for g, (_start, length) in zip(grads, self.bounds):
            if g is None:
                piece_shape = shape[:dim] + (length,) + shape[dim + 1:]
                g = wrap(np.zeros(piece_shape, self.np_dtype, like=like))
            pieces.append(g)
        return (cat(pieces, dim),)


class SplitBackward0(_PiecesBackward):
    pass


class SplitWithSizesBackward0(_PiecesBackward):
    pass


class UnsafeSplitBackward0(_PiecesBackward):
    pass


class UnsafeSplitWithSizesBackward0(_PiecesBackward):
    pass


def _narrow_view(input: Tensor, dim: int, start: int, length: int, node_cls=None,
                 step: int = 1) -> Tensor:
    """``length`` elements of dim ``dim`` from ``start``, ``step`` apart (arguments already
    checked)."""
    arr = input._data
    if type(arr) is np.ndarray and arr.size and length:
        key = (slice(None),) * dim + (slice(start, start + (length - 1) * step + 1, step),)
        data = arr[key]
    else:
        # NumPy moves an empty slice back to the array's start; PyTorch keeps the offset.
        strides = list(element_strides(arr))
        shape = list(arr.shape)
        shape[dim] = length
        offset = start * strides[dim]
        strides[dim] *= step
        data = restride(arr, tuple(shape), tuple(strides), offset)
    result = input._make_view(data)
    if node_cls is not None and grad_state.enabled and input._rg:
        node = node_cls((input,), result)
        node.shape, node.dim, node.start, node.length, node.step = (arr.shape, dim, start,
                                                                    length, step)
    return result


def narrow(input, dim: int, start, length: int) -> Tensor:
    """``length`` elements of dim ``dim`` from ``start`` (does not copy)."""
    return _narrow_view(input, *_narrow_args(input, dim, start, length), SliceBackward0)


def _narrow_args(input, dim, start, length) -> tuple:
    """(dim, start, length) checked and normalized as PyTorch's narrow does."""
    arr = input._data
    if arr.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = _dim(dim, arr.ndim)
    if isinstance(start, Tensor):
        start = start.__index__()
    start, length = operator.index(start), operator.index(length)
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    size = arr.shape[d]
    if start < -size or start > size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], but "
                         f"got {start})")
    if start < 0:
        start += size
    if start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size "
                           f"({size}).")
    return d, start, length


def narrow_copy(input, dim: int, start, length: int) -> Tensor:
    """A contiguous copy of ``input.narrow(dim, start, length)``."""
    d, start, length = _narrow_args(input, dim, start, length)
    piece = _narrow_view(input.detach(), d, start, length)
    result = wrap(piece._data.copy(order="C"))  # always a copy, even when contiguous
    if grad_state.enabled and input._rg:
        node = NarrowCopyBackward0((input,), result)
        node.shape, node.dim, node.start, node.length = input._data.shape, d, start, length
        node.step = 1
    return result


class NarrowCopyBackward0(SliceBackward0):
    pass


class SelectBackward0(Node):
    def backward(self, grad):
        dim, index = self.dim, self.index
        return (scatter_into_zeros(grad, self.shape,
                                   lambda t: _select_view(t, dim, index, SelectBackward0),
                                   "SelectBackwardBackward0"),)


class UnbindBackward0(Node):
    """One node for all the slices unbind returns; their gradients are stacked back."""

    def backward(self, *grads):
        from .join import stack
        piece_shape = self.shape[:self.dim] + self.shape[self.dim + 1:]
        like = next(g for g in grads if g is not None)._data  # zeros on the gradients' device
        pieces = [wrap(np.zeros(piece_shape, self.np_dtype, like=like)) if g is None else g
                  for g in grads]
        return (stack(pieces, self.dim),)


def _select_view(input: Tensor, dim: int, index: int, node_cls=None) -> Tensor:
    """Index ``index`` of dim ``dim``, which disappears (arguments already checked)."""
    arr = input._data
    if type(arr) is np.ndarray and arr.size:
        data = arr[(slice(None),) * dim + (index,)]
        if type(data) is not np.ndarray:
            # NumPy returns a scalar for a full index; PyTorch a 0-dim view.
            data = arr[(slice(None),) * dim + (index, Ellipsis)]
    else:
        strides = element_strides(arr)
        data = restride(arr, arr.shape[:dim] + arr.shape[dim + 1:],
                        strides[:dim] + strides[dim + 1:], index * strides[dim])
    result = input._make_view(data)
    if node_cls is not None and grad_state.enabled and input._rg:
        node = node_cls((input,), result)
        node.shape, node.dim, node.index = arr.shape, dim, index
    return result


def select(input, dim: int, index) -> Tensor:
    """Element ``index`` along ``dim``, with that dim removed (does not copy)."""
    arr = input._data
    if arr.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = _dim(dim, arr.ndim)
    if isinstance(index, Tensor):
        index = index.__index__()
    index = operator.index(index)
    size = arr.shape[d]
    if index < -size or index >= size:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{shape_str(arr.shape)} at dimension {d}")
    if index < 0:
        index += size
    return _select_view(input, d, index, SelectBackward0)


# ----------------------------------------------------------------------------------------------
# splitting into pieces (each piece is a view)
# ----------------------------------------------------------------------------------------------

def _pieces(input: Tensor, dim: int, bounds, node_cls) -> tuple:
    """Views of [start, start + length) along ``dim`` for each pair in ``bounds``.  A
    ``_PiecesBackward`` class gives all pieces one shared node; other classes one node each."""
    if not issubclass(node_cls, _PiecesBackward):
        return tuple(_narrow_view(input, dim, start, length, node_cls)
                     for start, length in bounds)
    pieces = tuple(_narrow_view(input, dim, start, length) for start, length in bounds)
    if node_cls in (UnsafeSplitBackward0, UnsafeSplitWithSizesBackward0):
        # The unsafe variants share memory but are not tracked as views of the input.
        pieces = tuple(_untracked(p, input) for p in pieces)
    if grad_state.enabled and input._rg:
        node = node_cls((input,), None)
        node.dim, node.shape, node.bounds = dim, input._data.shape, bounds
        node.np_dtype = input._data.dtype
        _attach_outputs(node, pieces)
    return pieces


def _untracked(piece: Tensor, input: Tensor) -> Tensor:
    t = wrap(piece._data)
    t._vc = input._vc
    return t


def _attach_outputs(node: Node, outputs) -> None:
    """Make ``node`` the grad_fn of every tensor in ``outputs`` (output i reads slot i)."""
    node._nout = len(outputs)
    for i, out in enumerate(outputs):
        out.grad_fn = node
        out._rg = True
        out._output_nr = i


def split(tensor, split_size_or_sections, dim: int = 0) -> tuple:
    """Pieces of ``split_size`` along ``dim`` (the last may be smaller), or pieces of the listed
    sizes; every piece is a view (does not copy)."""
    if not isinstance(split_size_or_sections, _INT_TYPES) and not (
            isinstance(split_size_or_sections, Tensor) and split_size_or_sections.ndim == 0):
        return split_with_sizes(tensor, split_size_or_sections, dim)
    return _split_even(tensor, operator.index(split_size_or_sections), dim, SplitBackward0)


def _split_even(tensor, split_size: int, dim: int, node_cls) -> tuple:
    arr = tensor._data
    if arr.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = _dim(dim, arr.ndim)
    if split_size < 0:
        raise RuntimeError(f"split expects split_size be non-negative, but got "
                           f"split_size={split_size}")
    size = arr.shape[d]
    if split_size == 0 and size != 0:
        raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension "
                           f"size of {size}")
    count = max((size + split_size - 1) // split_size, 1) if split_size else 1
    bounds = [(i * split_size, min(split_size, size - i * split_size)) for i in range(count)]
    return _pieces(tensor, d, bounds, node_cls)


def split_with_sizes(input, split_sizes, dim: int = 0) -> tuple:
    """Pieces of the given sizes along ``dim`` (views; does not copy)."""
    return _split_sizes(input, split_sizes, dim, SplitWithSizesBackward0)


def _split_sizes(input, split_sizes, dim, node_cls) -> tuple:
    arr = input._data
    if arr.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = _dim(dim, arr.ndim)
    sizes = shape_args((split_sizes,), "split_with_sizes")
    if any(s < 0 for s in sizes):
        raise RuntimeError(f"split_with_sizes expects split_sizes have only non-negative "
                           f"entries, but got split_sizes={list(sizes)}")
    if sum(sizes) != arr.shape[d]:
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to "
                           f"{arr.shape[d]} (input tensor's size at dimension {d}), but got "
                           f"split_sizes={list(sizes)}")
    starts = np.cumsum((0,) + sizes[:-1]).tolist()
    return _pieces(input, d, list(zip(starts, sizes)), node_cls)


def unsafe_split(input, split_size: int, dim: int = 0) -> tuple:
    """``split`` whose pieces autograd does not track as views of the input."""
    return _split_even(input, operator.index(split_size), dim, UnsafeSplitBackward0)


def unsafe_split_with_sizes(input, split_sizes, dim: int = 0) -> tuple:
    """``split_with_sizes`` whose pieces autograd does not track as views of the input."""
    return _split_sizes(input, split_sizes, dim, UnsafeSplitWithSizesBackward0)


def chunk(input, chunks: int, dim: int = 0) -> tuple:
    """At most ``chunks`` equal pieces along ``dim`` (the last may be smaller); views, so
    it does not copy."""
    return _chunk(input, chunks, dim, SplitBackward0, SplitWithSizesBackward0)


def unsafe_chunk(input, chunks: int, dim: int = 0) -> tuple:
    """``chunk`` whose pieces autograd does not track as views of the input."""
    return _chunk(input, chunks, dim, UnsafeSplitBackward0, UnsafeSplitWithSizesBackward0)


def _chunk(input, chunks, dim, even_cls, sized_cls) -> tuple:
    arr = input._data
    if arr.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    chunks = operator.index(chunks)
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = _dim(dim, arr.ndim)
    size = arr.shape[d]
    split_size = (size + chunks - 1) // chunks
    if split_size == 0 and size == 0:
        # PyTorch hands back `chunks` empty pieces here, not one.
        return _split_sizes(input, [0] * chunks, d, sized_cls)
    return _split_even(input, split_size, d, even_cls)


def tensor_split(input, indices_or_sections, dim: int = 0) -> tuple:
    """``sections`` nearly equal pieces, or the pieces between the given indices; views, so
    it does not copy."""
    arr = input._data
    if arr.ndim == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a "
                           "tensor with 0 dims")
    d = _dim(dim, arr.ndim)
    size = arr.shape[d]
    spec = indices_or_sections
    if isinstance(spec, Tensor):
        if spec.device.type != "cpu":
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to be on cpu, "
                               f"but it's on {spec.device}")
        if spec.dtype is not D.int64:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to have dtype of "
                               f"long, but got {_type_word(spec.dtype)}")
        if spec.ndim > 1:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to be a "
                               "zero-dimensional or one-dimensional tensor, but got a tensor with "
                               f"{spec.ndim} dims")
        spec = spec.item() if spec.ndim == 0 else spec.tolist()
    if isinstance(spec, _INT_TYPES):
        sections = operator.index(spec)
        if sections <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {sections}")
        small, extra = divmod(size, sections)
        bounds = []
        start = 0
        for i in range(sections):
            length = small + (1 if i < extra else 0)
            bounds.append((start, length))
            start += length
    else:
        bounds = []
        start = 0
        for index in list(spec) + [size]:
            index = operator.index(index)
            begin = _clamp_index(start, size)
            end = max(_clamp_index(index, size), begin)
            bounds.append((begin, end - begin))
            start = index
    return _pieces(input, d, bounds, SliceBackward0)


def _clamp_index(index: int, size: int) -> int:
    # Python slice semantics: negative counts from the end, then clamp into [0, size].
    if index < 0:
        index += size
    return min(max(index, 0), size)


def _split_along(input, spec, dim: int, name: str, need: int) -> tuple:
    ndim = input._data.ndim
    if ndim < need:
        raise RuntimeError(f"torch.{name} requires a tensor with at least {need} dimension, "
                           f"but got a tensor with {ndim} dimensions!")
    if isinstance(spec, _INT_TYPES):
        size = input._data.shape[dim]
        if spec == 0 or size % spec:
            raise RuntimeError(f"torch.{name} attempted to split along dimension {dim}, but the "
                               f"size of the dimension {size} is not divisible by the split_size "
                               f"{spec}!")
    return tensor_split(input, spec, dim)


def hsplit(input, indices_or_sections) -> tuple:
    """Split along dim 1 (dim 0 for 1-D tensors) into views; does not copy."""
    dim = 0 if input._data.ndim == 1 else 1
    return _split_along(input, indices_or_sections, dim, "hsplit", 1)


def vsplit(input, indices_or_sections) -> tuple:
    """Split along dim 0 of a tensor with at least 2 dims into views; does not copy."""
    return _split_along(input, indices_or_sections, 0, "vsplit", 2)


def dsplit(input, indices_or_sections) -> tuple:
    """Split along dim 2 of a tensor with at least 3 dims into views; does not copy."""
    return _split_along(input, indices_or_sections, 2, "dsplit", 3)


def unbind(input, dim: int = 0) -> tuple:
    """Every slice along ``dim``, with that dim removed (views; does not copy)."""
    arr = input._data
    if arr.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    d = _dim(dim, arr.ndim)
    pieces = tuple(_select_view(input, d, i) for i in range(arr.shape[d]))
    if grad_state.enabled and input._rg:
        node = UnbindBackward0((input,), None)
        node.dim, node.shape, node.np_dtype = d, arr.shape, arr.dtype
        _attach_outputs(node, pieces)
    return pieces


# ----------------------------------------------------------------------------------------------
# unfold / diagonal / as_strided
# ----------------------------------------------------------------------------------------------

class UnfoldBackward0(Node):
    def backward(self, grad):
        dim, size, step = self.dim, self.size, self.step
        return (scatter_into_zeros(grad, self.shape, lambda t: unfold(t, dim, size, step),
                                   "UnfoldBackwardBackward0", overlapping=step < size),)


def unfold(input, dimension: int, size: int, step: int) -> Tensor:
    """Every window of ``size`` elements along ``dimension``, ``step`` apart, as a new last dim
    (does not copy; windows may overlap)."""
    arr = input._data
    ndim = arr.ndim
    d = _dim(dimension, ndim)
    size, step = operator.index(size), operator.index(step)
    length = arr.shape[d] if ndim else 1
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    if size > length:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {length} but size is "
                           f"{size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    strides = element_strides(arr)
    if ndim == 0:
        shape, new_strides = (size,), (1,)
    else:
        shape = list(arr.shape)
        shape[d] = (length - size) // step + 1
        new_strides = list(strides)
        new_strides[d] = strides[d] * step
        shape.append(size)
        new_strides.append(strides[d])
    result = _strided(input, shape, new_strides)
    if grad_state.enabled and input._rg:
        node = UnfoldBackward0((input,), result)
        node.shape, node.dim, node.size, node.step = arr.shape, d, size, step
    return result


class DiagonalBackward0(Node):
    def backward(self, grad):
        offset, d1, d2 = self.offset, self.dim1, self.dim2
        return (scatter_into_zeros(grad, self.shape, lambda t: diagonal(t, offset, d1, d2),
                                   "DiagonalBackwardBackward0"),)


def diagonal(input, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal of the (dim1, dim2) planes as a new last dim (does not copy)."""
    arr = input._data
    ndim = arr.ndim
    d1, d2 = _dim(dim1, ndim), _dim(dim2, ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    offset = operator.index(offset)
    strides = element_strides(arr)
    n1, n2 = arr.shape[d1], arr.shape[d2]
    if offset >= 0:
        length = max(min(n1, n2 - offset), 0)
        start = offset * strides[d2]
    else:
        length = max(min(n1 + offset, n2), 0)
        start = -offset * strides[d1]
    if length == 0:
        start = 0
    keep = [i for i in range(ndim) if i != d1 and i != d2]
    shape = [arr.shape[i] for i in keep] + [length]
    new_strides = [strides[i] for i in keep] + [strides[d1] + strides[d2]]
    result = _strided(input, shape, new_strides, start)
    if grad_state.enabled and input._rg:
        node = DiagonalBackward0((input,), result)
        node.shape, node.offset, node.dim1, node.dim2 = arr.shape, offset, d1, d2
    return result


class AsStridedBackward0(Node):
    def backward(self, grad):
        return (restrided_transfer(grad, self.out_geometry, self.in_geometry),)


class AsStridedBackwardBackward(Node):
    def backward(self, grad):
        return (restrided_transfer(grad, self.dst, self.src, not self.share_after),)

    def name(self) -> str:
        return "AsStridedBackwardBackward0"


def _geometry_index(shape, strides, offset) -> np.ndarray:
    """Storage positions of every element of a tensor with this geometry (row-major order)."""
    index = np.full(tuple(shape), offset, dtype=np.int64)
    for axis, (size, stride) in enumerate(zip(shape, strides)):
        along = [1] * len(shape)
        along[axis] = size
        index = index + (np.arange(size, dtype=np.int64) * stride).reshape(along)
    return index.reshape(-1)


def _share_out(values: np.ndarray, index: np.ndarray, length: int) -> np.ndarray:
    """``values`` divided by how many elements of ``index`` name the same location."""
    counts = np.bincount(index, minlength=length)
    if index.size and counts.max() > 1:
        return values / counts[index]
    return values


def restrided_transfer(values: Tensor, src, dst, share_after: bool = True) -> Tensor:
    """Write ``values`` (laid out as geometry ``src``) into a zero storage, adding where
    elements share a location, and read it back as geometry ``dst``: the gradient of
    ``as_strided``.  Where ``dst`` names one location several times the value is shared out
    equally among them, as PyTorch does (``share_after``); the adjoint map shares out the
    ``src`` side before writing instead."""
    src_index = _geometry_index(*src)
    dst_index = _geometry_index(*dst)
    length = int(max(src_index.max(initial=-1), dst_index.max(initial=-1))) + 1
    flat = values._data.reshape(-1)
    if not share_after:
        flat = _share_out(flat, src_index, length)
    if flat.dtype.kind == "c":
        storage = (np.bincount(src_index, flat.real, length)
                   + 1j * np.bincount(src_index, flat.imag, length))
    else:
        storage = np.bincount(src_index, flat.astype(np.float64, copy=False), length)
    gathered = storage[dst_index]
    if share_after:
        gathered = _share_out(gathered, dst_index, length)
    result = wrap(gathered.astype(values._data.dtype, copy=False).reshape(dst[0]))
    if grad_state.enabled and values._rg:
        node = AsStridedBackwardBackward((values,), result)
        node.src, node.dst, node.share_after = src, dst, share_after
    return result


def as_strided(input, size, stride, storage_offset=None) -> Tensor:
    """A view with explicit sizes, strides and offset into the input's storage.
    Does not copy."""
    arr = input._data
    size, stride = shape_args((size,), "as_strided"), shape_args((stride,), "as_strided")
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    if any(st < 0 for st in stride):
        raise RuntimeError("as_strided: Negative strides are not supported at the moment, got "
                           f"strides: {list(stride)}")
    current = offset_of(arr) if isinstance(arr, np.ndarray) else 0
    offset = current if storage_offset is None else operator.index(storage_offset)
    if offset < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {offset}")
    _check_storage_bounds(arr, size, stride, offset)
    result = _strided(input, size, stride, offset - current)
    if grad_state.enabled and input._rg:
        node = AsStridedBackward0((input,), result)
        node.in_geometry = (arr.shape, element_strides(arr), current)
        node.out_geometry = (size, stride, offset)
    return result


def _check_storage_bounds(arr, size, stride, offset) -> None:
    if not isinstance(arr, np.ndarray):
        return
    itemsize = arr.dtype.itemsize
    needed = 0
    if all(size):
        needed = (offset + 1 + sum((s - 1) * st for s, st in zip(size, stride))) * itemsize
    available = root_array(arr).nbytes
    if needed > available:
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage "
                           f"offset {offset}, and itemsize {itemsize} requiring a storage size "
                           f"of {needed} are out of bounds for storage of size {available}")


# ----------------------------------------------------------------------------------------------
# scatter ops: a copy of the input with a view of it replaced
# ----------------------------------------------------------------------------------------------

class _ScatterNode(Node):
    def backward(self, grad):
        view_fn = self.view_fn
        g_input = g_src = None
        if self._next[0] is not None:
            g_input = grad - scatter_into_zeros(view_fn(grad), grad._data.shape, view_fn,
                                                self.name() + "Backward")
        if self._next[1] is not None:
            g_src = view_fn(grad)
        return g_input, g_src


class SelectScatterBackward0(_ScatterNode):
    pass


class SliceScatterBackward0(_ScatterNode):
    pass


class DiagonalScatterBackward0(_ScatterNode):
    pass


class AsStridedScatterBackward0(Node):
    def backward(self, grad):
        # Positions are absolute in the input's storage, so the gradient is moved through
        # storage geometry rather than through a view of `grad`.
        inside = restrided_transfer(grad, self.in_geometry, self.src_geometry)
        g_input = None
        if self._next[0] is not None:
            g_input = grad - restrided_transfer(inside, self.src_geometry, self.in_geometry)
        return g_input, inside if self._next[1] is not None else None


def _scatter(input, src, view_fn, node_cls) -> Tensor:
    """A copy of ``input`` (same strides and storage offset) with ``view_fn``'s view of it
    overwritten by ``src``."""
    if not isinstance(src, Tensor):
        raise TypeError(f"argument 'src' (position 2) must be Tensor, not {type(src).__name__}")
    data = clone_preserving_strides(input._data)
    target = view_fn(wrap(data))
    if target._data.shape != src._data.shape:
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = "
                           f"{shape_str(src._data.shape)}, slice size = "
                           f"{shape_str(target._data.shape)}")
    target._data[...] = _cast_ops.cast_array(src._data, data.dtype)
    result = wrap(data)
    if grad_state.enabled and (input._rg or src._rg):
        node = node_cls((input, src), result)
        node.view_fn = view_fn
    return result


def select_scatter(input, src, dim: int, index: int) -> Tensor:
    """A copy of ``input`` with ``input.select(dim, index)`` replaced by ``src``."""
    select(input.detach(), dim, index)  # validates the arguments
    d = _dim(dim, input._data.ndim)
    index = operator.index(index) % input._data.shape[d]
    return _scatter(input, src, lambda t: _select_view(t, d, index, SelectBackward0),
                    SelectScatterBackward0)


def slice_scatter(input, src, dim: int = 0, start=None, end=None, step: int = 1) -> Tensor:
    """A copy of ``input`` with the slice ``start:end:step`` of ``dim`` replaced by ``src``."""
    d = _dim(dim, input._data.ndim)
    if step <= 0:
        raise RuntimeError("slice step must be positive")
    first, stop, step = slice(start, end, step).indices(input._data.shape[d])
    length = len(range(first, stop, step))
    return _scatter(input, src,
                    lambda t: _narrow_view(t, d, first, length, SliceBackward0, step),
                    SliceScatterBackward0)


def diagonal_scatter(input, src, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """A copy of ``input`` with its diagonal (as ``diagonal`` picks it) replaced by ``src``."""
    return _scatter(input, src, lambda t: diagonal(t, offset, dim1, dim2),
                    DiagonalScatterBackward0)


def as_strided_scatter(input, src, size, stride, storage_offset=None) -> Tensor:
    """A copy of ``input`` with the elements ``as_strided(size, stride, offset)`` would view
    replaced by ``src`` (positions are in the input's storage)."""
    arr = input._data
    current = offset_of(arr) if isinstance(arr, np.ndarray) else 0
    offset = current if storage_offset is None else operator.index(storage_offset)
    size, stride = shape_args((size,), "as_strided"), shape_args((stride,), "as_strided")
    result = _scatter(input, src, lambda t: as_strided(t, size, stride, offset),
                      AsStridedScatterBackward0)
    node = result.grad_fn
    if node is not None:
        node.in_geometry = (arr.shape, element_strides(arr), current)
        node.src_geometry = (size, stride, offset)
    return result


# ----------------------------------------------------------------------------------------------
# in-place view ops: change this tensor's geometry
# ----------------------------------------------------------------------------------------------

class TBackward1(TBackward0):
    pass


class TransposeBackward1(TransposeBackward0):
    pass


class UnsqueezeBackward1(UnsqueezeBackward0):
    pass


class SqueezeBackward3(SqueezeBackward0):
    pass


class SqueezeBackward4(SqueezeBackward0):
    pass


class SqueezeBackward5(SqueezeBackward0):
    pass


class AsStridedBackward1(AsStridedBackward0):
    pass


_INPLACE_NODE = {TBackward0: TBackward1, TransposeBackward0: TransposeBackward1,
                 UnsqueezeBackward0: UnsqueezeBackward1, SqueezeBackward0: SqueezeBackward3,
                 SqueezeBackward1: SqueezeBackward4, SqueezeBackward2: SqueezeBackward5,
                 AsStridedBackward0: AsStridedBackward1}


def _inplace_view(self: Tensor, op, *args) -> Tensor:
    """Run view op ``op`` and make ``self`` take the view's geometry (PyTorch's ``t_`` and
    friends): the data is untouched, the version counter moves."""
    check_inplace(self)
    result = op(self, *args)
    self._data = result._data
    node = result.grad_fn
    if node is not None:
        node.__class__ = _INPLACE_NODE.get(type(node), type(node))
        self.grad_fn = node
    self._bump_version()
    return self


def t_(self) -> Tensor:
    """In-place ``t()``: this tensor becomes its transpose."""
    return _inplace_view(self, t)


def transpose_(self, dim0: int, dim1: int) -> Tensor:
    """In-place ``transpose(dim0, dim1)``."""
    return _inplace_view(self, transpose, dim0, dim1)


swapaxes_ = transpose_
swapdims_ = transpose_


def unsqueeze_(self, dim: int) -> Tensor:
    """In-place ``unsqueeze(dim)``."""
    return _inplace_view(self, unsqueeze, dim)


def squeeze_(self, dim=_ALL_DIMS) -> Tensor:
    """In-place ``squeeze(dim)``."""
    return _inplace_view(self, squeeze, dim)


def as_strided_(self, size, stride, storage_offset=None) -> Tensor:
    """In-place ``as_strided``: this tensor takes the given geometry over its storage."""
    return _inplace_view(self, as_strided, size, stride, storage_offset)


bind_methods(["view", "reshape", "view_as", "reshape_as", "flatten", "ravel", "unflatten",
              "permute", "transpose", "swapaxes", "swapdims", "t", "adjoint", "movedim",
              "moveaxis", "expand", "expand_as", "broadcast_to", "unsqueeze", "squeeze",
              "narrow", "narrow_copy", "select", "split", "split_with_sizes", "unsafe_split",
              "unsafe_split_with_sizes", "chunk", "unsafe_chunk", "tensor_split", "hsplit",
              "vsplit", "dsplit", "unbind", "unfold", "diagonal", "as_strided",
              "select_scatter", "slice_scatter", "diagonal_scatter", "as_strided_scatter",
              "t_", "transpose_", "swapaxes_", "swapdims_", "unsqueeze_", "squeeze_",
              "as_strided_"], globals())

__all__ = ["reshape", "flatten", "ravel", "unflatten", "permute", "transpose", "swapaxes",
           "swapdims", "t", "adjoint", "movedim", "moveaxis", "broadcast_to", "unsqueeze",
           "squeeze", "narrow", "narrow_copy", "select", "split", "split_with_sizes",
           "unsafe_split", "unsafe_split_with_sizes", "chunk", "unsafe_chunk", "tensor_split",
           "hsplit", "vsplit", "dsplit", "unbind", "diagonal", "as_strided", "select_scatter",
           "slice_scatter", "diagonal_scatter", "as_strided_scatter"]
