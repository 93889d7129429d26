"""Sorting and order statistics: sort, argsort, msort, topk, kthvalue, median, nanmedian, mode,
quantile, nanquantile, unique, unique_consecutive, bincount, histc and histogram.

Orderings use NumPy's stable sorts along an axis, with NaN sorting after every number as in
PyTorch.  Where PyTorch's own (unstable) sort leaves the order of equal elements unspecified
(sort without ``stable``, topk, kthvalue), ember returns the stable order.  Gradients scatter
back to the selected indices with the helpers from reduce.py.
"""
from __future__ import annotations

import builtins

import numpy as np

from .. import _dtype as D
from .. import return_types
from .._tensor import Tensor
from ..autograd.grad_mode import state as grad_state
from ..autograd.node import Node
from ..backends import holds_values, result_array
from ._dispatch import bind_methods, write_out
from .reduce import (UNSET, _const, _evenly_distribute, _no_keepdim_without_dim,
                     _not_implemented, gather_along, select_backward, wrap_dim, write_out_exact,
                     write_out_pair)

wrap = Tensor._make
_I64 = np.dtype(np.int64)
_F32 = np.dtype(np.float32)
_BF16 = D.bfloat16.np


def _keys(arr):
    # bfloat16 has no NumPy sort of its own; its values are exact in float32.
    return arr.astype(_F32) if arr.dtype == _BF16 else arr


def _is_floating(arr) -> bool:
    return arr.dtype.kind == "f" or arr.dtype == _BF16


def stable_argsort(data, axis: int, descending: bool = False):
    """Indices that sort ``data`` along ``axis``; equal elements keep their order, NaN counts
    as the largest value."""
    if not descending:
        return np.argsort(data, axis=axis, kind="stable")
    # Sorting the reversed data ascending and reversing the result gives descending order
    # while equal elements stay in their original order.
    n = data.shape[axis]
    order = np.argsort(np.flip(data, axis), axis=axis, kind="stable")
    return (n - 1) - np.flip(order, axis)


def _check_nonempty(arr, d: int, op: str) -> None:
    if arr.ndim and arr.shape[d] == 0:
        raise IndexError(f"{op}(): Expected reduction dim {d} to have non-zero size.")


def _pair(values, indices, node_cls, input, dim, keepdim, kind, out):
    """Wrap (values, indices), record the value-selecting backward, handle ``out=``."""
    values_t, indices_t = wrap(values), wrap(indices)
    if grad_state.enabled and input._rg:
        node = node_cls((input,), values_t)
        node.dim, node.indices, node.shape, node.keepdim = dim, indices, input._data.shape, keepdim
    if out is not None:
        op = kind.__name__
        return write_out_pair(out, values_t, indices_t, op, kind)
    return kind((values_t, indices_t))


class SortBackward0(Node):
    def backward(self, grad):
        return (select_backward(grad, self.dim, self.indices, self.shape, self.keepdim),)


SortBackward1 = type("SortBackward1", (SortBackward0,), {})
TopkBackward0 = type("TopkBackward0", (SortBackward0,), {})
KthvalueBackward0 = type("KthvalueBackward0", (SortBackward0,), {})
MedianBackward1 = type("MedianBackward1", (SortBackward0,), {})
NanmedianBackward1 = type("NanmedianBackward1", (SortBackward0,), {})
ModeBackward0 = type("ModeBackward0", (SortBackward0,), {})


# ----------------------------------------------------------------------------------------------
# sort, argsort, msort, topk, kthvalue
# ----------------------------------------------------------------------------------------------

def _sorted_order(input, dim, descending: bool, op: str):
    arr = input._data
    d = wrap_dim(dim, arr.ndim, op)
    if arr.dtype.kind == "c":
        raise RuntimeError("Sort does not support complex dtypes on CPU")
    if arr.ndim == 0:
        return arr, d, np.zeros((), _I64, like=arr)
    return arr, d, stable_argsort(_keys(arr), d, descending)


def sort(input, dim: int = -1, descending: bool = False, stable=None, *, out=None):
    """Values sorted along ``dim`` and the indices they came from (NaN sorts last)."""
    arr, d, order = _sorted_order(input, dim, descending, "sort")
    values = np.take_along_axis(arr, order, axis=d) if arr.ndim else arr.copy()
    node_cls = SortBackward0 if stable is None else SortBackward1
    return _pair(values, order, node_cls, input, d, True, return_types.sort, out)


def argsort(input, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    """The indices that sort ``input`` along ``dim``."""
    return wrap(_sorted_order(input, dim, descending, "argsort")[2])


def msort(input, *, out=None) -> Tensor:
    """``input`` sorted along its first dimension."""
    result = sort(input, 0).values
    return result if out is None else write_out(out, result, "msort")


def topk(input, k: int, dim: int = -1, largest: bool = True, sorted: bool = True, *, out=None):
    """The ``k`` largest (or smallest) values along ``dim`` with their indices, in order."""
    arr = input._data
    d = wrap_dim(dim, arr.ndim, "topk")
    if arr.dtype == np.bool_:
        raise RuntimeError("topk does not support bool dtypes on CPU")
    if arr.dtype.kind == "c":
        raise RuntimeError("topk does not support complex dtypes on CPU")
    size = arr.shape[d] if arr.ndim else 1
    if k < 0 or k > size:
        raise RuntimeError("selected index k out of range")
    if arr.ndim == 0:
        values = arr.copy()
        indices = np.zeros((), _I64, like=arr)
    else:
        indices = _top_indices(_keys(arr), k, d, largest)
        values = np.take_along_axis(arr, indices, axis=d)
    return _pair(values, indices, TopkBackward0, input, d, True, return_types.topk, out)


def _top_indices(keys, k: int, d: int, largest: bool):
    """Indices of the k largest (or smallest) keys along ``d``, best first."""
    size = keys.shape[d]
    if 0 < k and 4 * k < size and size > 64:
        # Select the k candidates in linear time, then sort only those.
        kth = size - k if largest else k - 1
        chosen = np.arange(size - k, size) if largest else np.arange(k)
        candidates = np.take(np.argpartition(keys, kth, axis=d), chosen, axis=d)
        order = stable_argsort(np.take_along_axis(keys, candidates, axis=d), d, largest)
        return np.take_along_axis(candidates, order, axis=d)
    order = stable_argsort(keys, d, descending=largest)
    return np.take(order, np.arange(k), axis=d)


def kthvalue(input, k: int, dim: int = -1, keepdim: bool = False, *, out=None):
    """The ``k``-th smallest value along ``dim`` (1-based) and its index."""
    arr = input._data
    d = wrap_dim(dim, arr.ndim, "kthvalue")
    _check_nonempty(arr, d, "kthvalue")
    size = arr.shape[d] if arr.ndim else 1
    if not 1 <= k <= size:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    # A zero-dim input is its own answer: PyTorch reaches no kernel, so any dtype works.
    if arr.ndim and (arr.dtype == np.bool_ or arr.dtype.kind == "c"):
        raise _not_implemented("kthvalue_cpu", arr)
    if arr.ndim == 0:
        values, indices = arr.copy(), np.zeros((), _I64, like=arr)
    else:
        order = stable_argsort(_keys(arr), d)
        indices = np.take(order, [k - 1], axis=d)
        values, indices = _select(arr, indices, d, keepdim)
    return _pair(values, indices, KthvalueBackward0, input, d, keepdim, return_types.kthvalue,
                 out)


def _select(arr, indices, d: int, keepdim: bool):
    values = np.take_along_axis(arr, indices, axis=d)
    if not keepdim:
        values, indices = values.squeeze(d), indices.squeeze(d)
    return values, indices


# ----------------------------------------------------------------------------------------------
# median, nanmedian, mode
# ----------------------------------------------------------------------------------------------

class MedianBackward0(Node):
    # median() over all elements: ties share the gradient.
    def backward(self, grad):
        x, result = self.saved_tensors
        return (_evenly_distribute(grad, x, result),)


NanmedianBackward0 = type("NanmedianBackward0", (MedianBackward0,), {})


def _median_all(input, ignore_nan: bool) -> Tensor:
    arr = input._data
    if arr.size and (arr.dtype == np.bool_ or arr.dtype.kind == "c"):
        raise _not_implemented("median_cpu", arr)
    flat = _keys(arr).reshape(-1)
    if _is_floating(arr):
        missing = np.isnan(flat)
        if ignore_nan:
            flat = flat[~missing]
        elif missing.any():
            flat = flat[:0]
    if flat.size == 0:
        # No median: NaN, converted to the dtype as a C cast would (PyTorch's result).
        with np.errstate(invalid="ignore"):
            value = np.asarray(np.nan).astype(arr.dtype)
    else:
        k = (flat.size - 1) // 2
        value = np.partition(flat, k)[k]
    result = wrap(result_array(value).astype(arr.dtype))
    if grad_state.enabled and input._rg:
        node_cls = NanmedianBackward0 if ignore_nan else MedianBackward0
        node_cls((input,), result).save(input, result)
    return result


def _median_dim(input, dim, keepdim: bool, ignore_nan: bool, out):
    arr = input._data
    op = "nanmedian" if ignore_nan else "median"
    d = wrap_dim(dim, arr.ndim, op)
    _check_nonempty(arr, d, op)
    if arr.dtype == np.bool_ or arr.dtype.kind == "c":
        raise _not_implemented("median_out", arr)
    if arr.ndim == 0:
        values, indices = arr.copy(), np.zeros((), _I64, like=arr)
    else:
        keys = _keys(arr)
        order = stable_argsort(keys, d)
        size = arr.shape[d]
        if _is_floating(arr):
            missing = np.isnan(keys)
            if ignore_nan:
                # The lower median of the numbers present (the first NaN when there are none).
                present = np.sum(~missing, axis=d, keepdims=True)
                rank = np.maximum((present - 1) // 2, 0)
                indices = np.take_along_axis(order, rank, axis=d)
            else:
                # A row with NaN has median NaN, reported at its first NaN.
                indices = np.take(order, [(size - 1) // 2], axis=d)
                first_nan = np.argmax(missing, axis=d, keepdims=True)
                indices = np.where(missing.any(axis=d, keepdims=True), first_nan, indices)
        else:
            indices = np.take(order, [(size - 1) // 2], axis=d)
        values, indices = _select(arr, indices, d, keepdim)
    node_cls = NanmedianBackward1 if ignore_nan else MedianBackward1
    kind = return_types.nanmedian if ignore_nan else return_types.median
    return _pair(values, indices, node_cls, input, d, keepdim, kind, out)


def median(input, dim=UNSET, keepdim: bool = False, *, out=None):
    """The lower median (NaN if any element is NaN); along ``dim`` with its index."""
    if dim is UNSET:
        _no_keepdim_without_dim("median", keepdim)
        result = _median_all(input, ignore_nan=False)
        return result if out is None else write_out_exact(out, result, "median")
    return _median_dim(input, dim, keepdim, False, out)


def nanmedian(input, dim=UNSET, keepdim: bool = False, *, out=None):
    """The lower median of the non-NaN elements; along ``dim`` with its index."""
    if dim is UNSET:
        _no_keepdim_without_dim("nanmedian", keepdim)
        result = _median_all(input, ignore_nan=True)
        return result if out is None else write_out_exact(out, result, "nanmedian")
    return _median_dim(input, dim, keepdim, True, out)


def mode(input, dim: int = -1, keepdim: bool = False, *, out=None):
    """The most frequent value along ``dim`` (the smallest among equally frequent ones) and
    the index of its last occurrence."""
    arr = input._data
    d = wrap_dim(dim, arr.ndim, "mode")
    if arr.dtype.kind == "c":
        raise _not_implemented("mode_cpu", arr)
    _check_nonempty(arr, d, "mode")
    if arr.ndim == 0:
        values, indices = arr.copy(), np.zeros((), _I64, like=arr)
    else:
        keys = _keys(arr)
        order = np.moveaxis(stable_argsort(keys, d), d, -1)
        ordered = np.take_along_axis(np.moveaxis(keys, d, -1), order, axis=-1)
        size = ordered.shape[-1]
        # Runs of equal values in sorted order; a run's length is read at its last element.
        starts = np.ones(ordered.shape, dtype=bool, like=ordered)
        starts[..., 1:] = ordered[..., 1:] != ordered[..., :-1]
        ends = np.ones(ordered.shape, dtype=bool, like=ordered)
        ends[..., :-1] = starts[..., 1:]
        positions = np.arange(size)
        run_start = np.maximum.accumulate(np.where(starts, positions, 0), axis=-1)
        lengths = np.where(ends, positions - run_start + 1, 0)
        best = np.argmax(lengths, axis=-1)[..., None]
        indices = np.moveaxis(np.take_along_axis(order, best, axis=-1), -1, d)
        values, indices = _select(arr, indices, d, keepdim)
    return _pair(values, indices, ModeBackward0, input, d, keepdim, return_types.mode, out)


# ----------------------------------------------------------------------------------------------
# quantile, nanquantile
# ----------------------------------------------------------------------------------------------

_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


class LerpBackward1(Node):
    def backward(self, grad):
        weight = self.weight
        start = grad * _const(1 - weight, grad) if self._next[0] is not None else None
        end = grad * _const(weight, grad) if self._next[1] is not None else None
        return start, end


def _lerp(start: Tensor, end: Tensor, weight) -> Tensor:
    # PyTorch's lerp: from the nearer end, so that weight 1 gives exactly ``end``.
    a, b = start._data, end._data
    with np.errstate(invalid="ignore", over="ignore"):
        value = np.where(weight < 0.5, a + weight * (b - a), b - (b - a) * (1 - weight))
    result = wrap(value.astype(a.dtype, copy=False))
    if grad_state.enabled and (start._rg or end._rg):
        LerpBackward1((start, end), result).weight = weight
    return result


class SqueezeBackward4(Node):
    def backward(self, grad):
        return (grad.unsqueeze(-1),)


def _squeeze_last(t: Tensor) -> Tensor:
    result = t._make_view(t._data.reshape(t._data.shape[:-1]))
    if grad_state.enabled and t._rg:
        SqueezeBackward4((t,), result)
    return result


def _quantile_q(input: Tensor, q):
    """q as a 1-d array of the input's dtype, and whether it was a scalar."""
    arr = input._data
    if not isinstance(q, Tensor):
        if not 0 <= q <= 1:
            raise RuntimeError(f"quantile() q must be in the range [0, 1] but got {q}")
    if arr.size == 0:
        raise RuntimeError("quantile() input tensor must be non-empty")
    if isinstance(q, Tensor) and q._data.ndim > 1:
        raise RuntimeError("quantile() q must be a scalar or 1D tensor")
    if arr.dtype not in (np.float32, np.float64):
        raise RuntimeError("quantile() input tensor must be either float or double dtype")
    if not isinstance(q, Tensor):
        return np.array([q], dtype=arr.dtype), True
    values = q._data
    if values.dtype != arr.dtype:
        raise RuntimeError("quantile() q tensor must be same dtype as the input tensor")
    if not np.all((values >= 0) & (values <= 1)):
        raise RuntimeError("quantile() q values must be in the range [0, 1]")
    return values.reshape(-1), values.ndim == 0


def _quantile(input: Tensor, q, dim, keepdim: bool, interpolation: str, ignore_nan: bool):
    op = "nanquantile" if ignore_nan else "quantile"
    qs, scalar_q = _quantile_q(input, q)
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError("quantile() interpolation must be one of linear, lower, higher, "
                           f"midpoint or nearest, but got {interpolation}")
    arr = input._data
    shape = arr.shape
    if dim is None:
        work = input.reshape(-1)
        reduced = (1,) * arr.ndim if keepdim else ()
    else:
        d = wrap_dim(dim, arr.ndim, op)
        work = input.unsqueeze(-1).transpose(d, -1) if arr.ndim else input.reshape(1)
        if not arr.ndim:
            reduced = ()
        elif keepdim:
            reduced = shape[:d] + (1,) + shape[d + 1:]
        else:
            reduced = shape[:d] + shape[d + 1:]
    ordered = sort(work, -1).values
    size = ordered._data.shape[-1]
    ordered = ordered.reshape(reduced + (size,))
    data = ordered._data
    missing = np.isnan(data)
    if ignore_nan:
        present = np.sum(~missing, axis=-1, keepdims=True)
        ranks = qs * (present - 1).astype(arr.dtype)
        ranks = np.where(ranks < 0, arr.dtype.type(0), ranks)
    else:
        last = size - 1
        ranks = np.broadcast_to(qs * arr.dtype.type(last), reduced + (qs.size,))
        ranks = np.where(missing.any(axis=-1, keepdims=True), arr.dtype.type(last), ranks)
    if interpolation == "lower":
        ranks = np.floor(ranks)
    elif interpolation == "higher":
        ranks = np.ceil(ranks)
    elif interpolation == "nearest":
        ranks = np.rint(ranks)
    below = ranks.astype(_I64)
    last_axis = len(reduced)
    result = gather_along(ordered, last_axis, below)
    if interpolation in ("linear", "midpoint"):
        weight = np.full_like(ranks, 0.5) if interpolation == "midpoint" else \
            ranks - below.astype(arr.dtype)
        above = gather_along(ordered, last_axis, np.ceil(ranks).astype(_I64))
        result = _lerp(result, above, weight)
    if not scalar_q:
        result = result.unsqueeze(0).transpose(0, -1)
    return _squeeze_last(result)


def quantile(input, q, dim=None, keepdim: bool = False, *, interpolation: str = "linear",
             out=None) -> Tensor:
    """The ``q``-th quantiles along ``dim`` (all elements by default); NaN if any is NaN."""
    result = _quantile(input, q, dim, keepdim, interpolation, ignore_nan=False)
    return result if out is None else write_out(out, result, "quantile")


def nanquantile(input, q, dim=None, keepdim: bool = False, *, interpolation: str = "linear",
                out=None) -> Tensor:
    """The ``q``-th quantiles of the non-NaN elements along ``dim``."""
    result = _quantile(input, q, dim, keepdim, interpolation, ignore_nan=True)
    return result if out is None else write_out(out, result, "nanquantile")


# ----------------------------------------------------------------------------------------------
# unique, unique_consecutive
# ----------------------------------------------------------------------------------------------

class _NotDifferentiable(Node):
    # PyTorch records these ops but has no derivative for them.
    def backward(self, grad):
        raise NotImplementedError(f"the derivative for '{self.op}' is not implemented.")


Unique2Backward0 = type("Unique2Backward0", (_NotDifferentiable,), {"op": "_unique2"})
UniqueDimBackward0 = type("UniqueDimBackward0", (_NotDifferentiable,), {"op": "unique_dim"})
UniqueConsecutiveBackward0 = type("UniqueConsecutiveBackward0", (_NotDifferentiable,),
                                  {"op": "unique_consecutive"})


def _runs(rows, sort_first: bool):
    """Group equal rows of a 2-d array: (first row of each group, inverse, counts).

    Rows compare elementwise, so NaN never equals NaN, as in PyTorch.
    """
    n = rows.shape[0]
    if sort_first and n:
        order = np.lexsort(rows.T[::-1]) if rows.shape[1] else np.arange(n)
        rows = rows[order]
    else:
        order = None
    starts = np.ones(n, dtype=bool)
    if n > 1:
        starts[1:] = np.any(rows[1:] != rows[:-1], axis=1)
    group = np.cumsum(starts) - 1
    if order is not None:
        inverse = np.empty(n, _I64)
        inverse[order] = group
    else:
        inverse = group.astype(_I64)
    boundaries = np.flatnonzero(starts)
    counts = np.diff(np.append(boundaries, n)).astype(_I64)
    return rows[starts], inverse, counts


def _unique_impl(input, dim, sort_first: bool, op: str):
    arr = input._data
    if arr.dtype.kind == "c":
        raise _not_implemented("unique" if dim is None else "unique_dim", arr)
    keys = _keys(arr)
    if dim is None:
        values, inverse, counts = _runs(keys.reshape(-1, 1), sort_first)
        values = values.reshape(-1).astype(arr.dtype)
        inverse = inverse.reshape(arr.shape)
        node_cls = Unique2Backward0 if sort_first else UniqueConsecutiveBackward0
    else:
        if arr.ndim == 0:
            raise IndexError("Dimension specified as 0 but tensor has no dimensions")
        d = wrap_dim(dim, arr.ndim, op)
        others = [s for i, s in enumerate(arr.shape) if i != d]
        if arr.size == 0 and arr.shape[d] != 0:
            raise RuntimeError("There are 0 sized dimensions, and they aren't selected, so "
                               "unique cannot be applied")
        if arr.size == 0 and builtins.sum(1 for s in arr.shape if s == 0) > 1:
            raise RuntimeError("Number of zero sized dimensions is more than one, so unique "
                               "cannot be applied ")
        moved = np.moveaxis(keys, d, 0)
        columns = int(np.prod(others)) if others else 1
        rows, inverse, counts = _runs(moved.reshape(arr.shape[d], columns), sort_first)
        values = np.moveaxis(rows.reshape([rows.shape[0]] + others), 0, d).astype(arr.dtype)
        values = np.ascontiguousarray(values)
        node_cls = UniqueDimBackward0 if sort_first else UniqueConsecutiveBackward0
    result = wrap(values)
    if grad_state.enabled and input._rg:
        node_cls((input,), result)
    return result, wrap(inverse), wrap(counts)


def _unique_result(output, inverse, counts, return_inverse: bool, return_counts: bool):
    if return_inverse and return_counts:
        return output, inverse, counts
    if return_inverse:
        return output, inverse
    if return_counts:
        return output, counts
    return output


def unique(input, sorted: bool = True, return_inverse: bool = False,
           return_counts: bool = False, dim=None):
    """The distinct elements (or slices along ``dim``) in ascending order, optionally with
    the inverse mapping and the counts."""
    output, inverse, counts = _unique_impl(input, dim, True, "unique")
    return _unique_result(output, inverse, counts, return_inverse, return_counts)


def unique_consecutive(input, return_inverse: bool = False, return_counts: bool = False,
                       dim=None):
    """Collapse runs of equal consecutive elements (or slices along ``dim``)."""
    output, inverse, counts = _unique_impl(input, dim, False, "unique_consecutive")
    return _unique_result(output, inverse, counts, return_inverse, return_counts)


# ----------------------------------------------------------------------------------------------
# bincount, histc, histogram
# ----------------------------------------------------------------------------------------------

def bincount(input, weights=None, minlength: int = 0) -> Tensor:
    """How often each non-negative integer occurs (or the sum of its ``weights``)."""
    arr = input._data
    if arr.dtype == np.bool_ or arr.dtype.kind not in "iu":
        raise _not_implemented("bincount_cpu", arr)
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if arr.ndim != 1 or (arr.size and arr.min() < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if weights is not None:
        w = weights._data
        if w.ndim != 1 or w.shape[0] != arr.shape[0]:
            raise RuntimeError("weights should be 1-d and have the same length as input")
    if weights is None or arr.size == 0:
        # Without anything to weigh PyTorch counts in int64 even when weights are given.
        return wrap(np.bincount(arr, minlength=minlength).astype(_I64))
    target = _F32 if w.dtype == _F32 else np.dtype(np.float64)
    counts = np.bincount(arr, weights=w.astype(np.float64), minlength=minlength)
    return wrap(counts.astype(target))


def _linspace(start: float, end: float, steps: int, np_dtype):
    # PyTorch's CPU linspace: forward from start for the first half, backward from end for
    # the rest, each point one fused multiply-add in the output dtype (as compiled there).
    start, end = np_dtype.type(start), np_dtype.type(end)
    if steps == 1:
        return np.array([start], dtype=np_dtype)
    step = (end - start) / np_dtype.type(steps - 1)
    index = np.arange(steps)
    forward = _fma(step, index.astype(np_dtype), start)
    backward = _fma(-step, (steps - 1 - index).astype(np_dtype), end)
    return np.where(index < steps // 2, forward, backward).astype(np_dtype)


def _fma(a, b, c):
    """``a * b + c`` rounded once."""
    if np.asarray(a).dtype != np.float64:
        # float32 products are exact in float64.
        return np.float64(a) * b.astype(np.float64) + np.float64(c)
    from .creation import fma
    return fma(a, b, c)


def _histogram_dtype_check(arr, kernel: str) -> None:
    if arr.dtype == np.bool_ and kernel == "histogram_cpu":
        raise _not_implemented("linspace_cpu", arr)
    if arr.dtype.kind == "c" and kernel == "histogram_cpu":
        raise _not_implemented("aminmax_cpu", arr)
    if not _is_floating(arr):
        raise _not_implemented(kernel, arr)


def _check_bins(bins: int) -> None:
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")


def histc(input, bins: int = 100, min=0, max=0, *, out=None) -> Tensor:
    """Counts in ``bins`` equal-width bins over [min, max] (the data's range when both are
    equal); values outside the range are ignored."""
    arr = input._data
    _histogram_dtype_check(arr, "histogram_cpu")
    _check_bins(bins)
    if not holds_values(arr):
        return wrap(np.zeros(bins, arr.dtype, like=arr))  # the counts need values
    left, right = float(min), float(max)
    flat = arr.reshape(-1)
    if left == right and flat.size:
        wide = flat.astype(np.float64)
        left, right = float(wide.min()), float(wide.max())
    if left == right:
        left, right = left - 1, right + 1
    if not (np.isfinite(left) and np.isfinite(right)):
        raise RuntimeError(f"torch.histc: range of [{left:g}, {right:g}] is not finite")
    if not left < right:
        raise RuntimeError("torch.histc: max must be larger than min")
    low, high = arr.dtype.type(left), arr.dtype.type(right)
    inside = flat[(flat >= low) & (flat <= high)]
    # The bin is found by one division in the input's precision, as PyTorch's histc does.
    with np.errstate(invalid="ignore", over="ignore"):
        position = ((inside - low) * arr.dtype.type(bins) / (high - low)).astype(_I64)
    position = np.clip(position, 0, bins - 1)
    result = wrap(np.bincount(position, minlength=bins).astype(arr.dtype))
    return result if out is None else write_out(out, result, "histc")


def histogram(input, bins=100, *, range=None, weight=None, density: bool = False, out=None):
    """Histogram of ``input`` with ``bins`` equal bins or explicit bin edges; returns
    ``(hist, bin_edges)``."""
    arr = input._data
    if arr.dtype not in (np.float32, np.float64):
        raise _not_implemented("histogramdd", arr)
    flat = arr.reshape(-1)
    if isinstance(bins, Tensor):
        edges = bins._data
        if edges.dtype != arr.dtype:
            raise RuntimeError("torch.histogramdd: input tensor and bins tensors should have the "
                               f"same dtype, but got input with dtype {_c_name(arr)} and bins "
                               f"for dimension 0 with dtype {_c_name(edges)}")
        if edges.ndim != 1:
            raise RuntimeError("torch.histogramdd: bins tensor should have one dimension, but "
                               f"got {edges.ndim} dimensions in the bins tensor for dimension 0")
        _check_bins(edges.size - 1)
        edges = edges.copy()
    else:
        _check_bins(bins)
        edges = _linspace(*_histogram_range(flat, range), bins + 1, arr.dtype)
    weights = None
    if weight is not None:
        weights = weight._data
        if weights.dtype != arr.dtype:
            raise RuntimeError("torch.histogramdd: if weight tensor is provided, input tensor and "
                               f"weight tensor should have the same dtype, but got "
                               f"input({_c_name(arr)}), and weight({_c_name(weights)})")
        if weights.shape != arr.shape:
            raise RuntimeError("torch.histogramdd: if weight tensor is provided it should have the "
                               "same shape as the input tensor excluding its innermost dimension, "
                               f"but got input with shape [{flat.size}, 1] and weight with shape "
                               f"[{', '.join(map(str, weights.shape))}]")
        weights = weights.reshape(-1)
    count = edges.size - 1
    inside = (flat >= edges[0]) & (flat <= edges[-1])
    position = np.searchsorted(edges, flat[inside], side="right") - 1
    # The last bin includes its right edge.
    position = np.minimum(position, count - 1)
    chosen = None if weights is None else weights[inside].astype(np.float64)
    hist = np.bincount(position, weights=chosen, minlength=count).astype(arr.dtype)
    if density:
        with np.errstate(invalid="ignore", divide="ignore"):
            hist = (hist / hist.sum() / np.diff(edges)).astype(arr.dtype)
    hist_t, edges_t = wrap(hist), wrap(edges)
    if out is not None:
        write_out(out[0], hist_t, "histogram")
        write_out(out[1], edges_t, "histogram")
        hist_t, edges_t = out[0], out[1]
    return return_types.histogram((hist_t, edges_t))


def _histogram_range(flat, range):
    if range is not None:
        left, right = float(range[0]), float(range[1])
    elif flat.size:
        left, right = float(flat.min()), float(flat.max())
    else:
        left, right = 0.0, 1.0
    if not (np.isfinite(left) and np.isfinite(right)):
        raise RuntimeError(f"torch.histogramdd: dimension 0's range [{left:g}, {right:g}] is not "
                           "finite")
    if left > right:
        raise RuntimeError(f"torch.histogramdd: min should not exceed max, but got min {left:g} "
                           f"max {right:g} for dimension 0")
    if left == right:
        left, right = left - 0.5, right + 0.5
    return left, right


def _c_name(arr) -> str:
    return {"float32": "float", "float64": "double"}.get(arr.dtype.name, arr.dtype.name)


bind_methods(["sort", "argsort", "msort", "topk", "kthvalue", "median", "nanmedian", "mode",
              "quantile", "nanquantile", "unique", "unique_consecutive", "bincount", "histc",
              "histogram"], globals())

__all__ = ["sort", "argsort", "msort", "topk", "kthvalue", "median", "nanmedian", "mode",
           "quantile", "nanquantile", "unique", "unique_consecutive", "bincount", "histc",
           "histogram"]
