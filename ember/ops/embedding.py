"""Embedding lookups: ``torch.embedding`` (rows of a weight matrix picked by index),
``torch.embedding_bag`` (sums, means or maxima of bags of rows) and ``embedding_renorm_``.

The backward passes scatter-add the output gradient into the picked rows; the NumPy form runs
ordinarily and an ember-op form (``index_add``) runs when the backward is being recorded.
"""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import state as grad_state
from ..autograd.node import Node
from ..backends import holds_values
from ._dispatch import check_inplace

__all__ = ["embedding", "embedding_bag", "embedding_renorm_"]

wrap = Tensor._make
_INDEX_TYPES = (np.dtype(np.int64), np.dtype(np.int32))


def _check_indices(indices: Tensor, op: str, name: str = "indices", position: int = 1) -> None:
    if not isinstance(indices, Tensor) or indices._data.dtype not in _INDEX_TYPES:
        got = indices.type() if isinstance(indices, Tensor) else type(indices).__name__
        raise RuntimeError(f"Expected tensor for argument #{position} '{name}' to have one of "
                           f"the following scalar types: Long, Int; but got {got} instead "
                           f"(while checking arguments for {op})")


def scatter_add_rows(out: np.ndarray, index: np.ndarray, values: np.ndarray,
                     rounds: int = 16) -> None:
    """out[index[i]] += values[i] for every i, duplicates accumulating.

    Rows sharing an index are added in rounds (the first occurrence of every index, then the
    second, ...), each a plain fancy-index add with distinct targets; that moves whole rows
    at a time and beats ``np.add.at`` by far.  Indices repeated more than ``rounds`` times
    finish with ``np.add.at``.
    """
    if index.size == 0:
        return
    order = np.argsort(index, kind="stable")
    ordered = index[order]
    first = np.empty(ordered.size, bool)
    first[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    occurrence = np.arange(ordered.size) - np.repeat(starts, np.diff(np.append(starts,
                                                                               ordered.size)))
    deepest = int(occurrence.max())
    for k in range(min(deepest + 1, rounds)):
        chosen = order[occurrence == k]
        out[index[chosen]] += values[chosen]
    if deepest >= rounds:
        rest = order[occurrence >= rounds]
        np.add.at(out, index[rest], values[rest])


def _meta(shape, like: Tensor) -> Tensor:
    """A data-less result on the 'meta' device (shapes only)."""
    from .creation import empty
    return empty(shape, dtype=like.dtype, device="meta")


def _scatter_rows(rows: int, index: np.ndarray, values: np.ndarray) -> np.ndarray:
    """A (rows, D) array holding the sum of ``values`` rows landing on each ``index``."""
    out = np.zeros((rows,) + values.shape[1:], values.dtype, like=values)
    if holds_values(index) and holds_values(values):  # meta: the zeros' shape is the answer
        scatter_add_rows(out, index, values)
    return out


# ----------------------------------------------------------------------------------------------
# embedding
# ----------------------------------------------------------------------------------------------

class EmbeddingBackward0(Node):
    """Gradient of a lookup: each output row's gradient added into the weight row it came
    from (none into padding_idx; divided by the index's frequency when asked)."""

    def backward(self, grad):
        index = self.index
        width = grad.shape[-1]
        keep = self.row_scale  # None, or per-position factors (0 for padding, 1/freq)
        if grad_state.enabled:
            from .creation import zeros
            g2 = grad.reshape(-1, width)
            if keep is not None:
                g2 = g2 * wrap(keep.astype(grad._data.dtype)[:, None])
            base = zeros((self.num_weights, width), dtype=grad.dtype, device=grad.device)
            return None, base.index_add(0, wrap(index), g2)
        g2 = grad._data.reshape(-1, width)
        if keep is not None:
            g2 = g2 * keep.astype(g2.dtype)[:, None]
        return None, wrap(_scatter_rows(self.num_weights, index, g2))


def _row_scale(index: np.ndarray, num_weights: int, padding_idx: int,
               scale_grad_by_freq: bool):
    """Per-lookup gradient factors, or None when every factor is 1."""
    scale = None
    if scale_grad_by_freq:
        counts = np.bincount(index, minlength=num_weights)
        scale = 1.0 / counts[index]
    if 0 <= padding_idx:
        drop = index == padding_idx
        if drop.any():
            scale = np.ones(index.shape) if scale is None else scale
            scale[drop] = 0.0
    return scale


def embedding(weight: Tensor, indices: Tensor, padding_idx: int = -1,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Rows of ``weight`` picked by ``indices``: shape ``indices.shape + (weight.size(1),)``."""
    _check_indices(indices, "embedding")
    if weight.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    if sparse:
        raise NotImplementedError("ember does not support sparse gradients (sparse=True)")
    num_weights = weight._data.shape[0]
    index = indices._data.reshape(-1).astype(np.int64, copy=False)
    if index.size and holds_values(index) and (index.min() < 0 or index.max() >= num_weights):
        raise IndexError("index out of range in self")
    rows = np.take(weight._data, index, axis=0)
    result = wrap(rows.reshape(tuple(indices.shape) + (weight._data.shape[1],)))
    if grad_state.enabled and weight._rg:
        node = EmbeddingBackward0((None, weight), result)
        node.index, node.num_weights = index, num_weights
        node.row_scale = _row_scale(index, num_weights, padding_idx, scale_grad_by_freq)
    return result


def _row_norms(rows: np.ndarray, norm_type: float) -> np.ndarray:
    with np.errstate(all="ignore"):
        if norm_type == 2:
            return np.sqrt(np.einsum("ij,ij->i", rows, rows, dtype=np.float64))
        return np.linalg.norm(rows.astype(np.float64), ord=norm_type, axis=1)


def embedding_renorm_(input: Tensor, indices: Tensor, max_norm: float,
                      norm_type: float) -> Tensor:
    """Scale, in place, each row of ``input`` named in ``indices`` whose ``norm_type``-norm
    exceeds ``max_norm`` down to norm ``max_norm`` (a small epsilon below it)."""
    _check_indices(indices, "embedding_renorm_", position=2)
    if input.ndim != 2:
        raise RuntimeError("embedding_renorm_(): expected input to be 2-D")
    check_inplace(input)
    arr = input._data
    if not (holds_values(arr) and holds_values(indices._data)):
        return input  # meta: no norms to measure, nothing changes shape
    index = np.unique(indices._data.reshape(-1))
    if index.size and (index[0] < 0 or index[-1] >= arr.shape[0]):
        raise IndexError("index out of range in self")
    norms = _row_norms(arr[index], norm_type)
    over = norms > max_norm
    if over.any():
        rows = index[over]
        scale = max_norm / (norms[over] + 1e-7)
        arr[rows] = arr[rows] * scale.astype(arr.dtype)[:, None]
        input._bump_version()
    return input


# ----------------------------------------------------------------------------------------------
# embedding_bag
# ----------------------------------------------------------------------------------------------

class EmbeddingBagBackward0(Node):
    """Gradients of bag reductions: each bag's gradient goes back to its member rows (divided
    by the bag size for mean, only to the arg-max row for max), and, for weighted sums, to
    the per-sample weights."""

    def backward(self, grad):
        weight, per_sample_weights = self.saved_tensors
        width = grad.shape[-1]
        grad_weight = grad_psw = None
        if self.mode == 2:
            bags, dims = self.max_positions
            if grad_state.enabled:
                return self._recorded_max(grad, bags, dims), None
            rows = self.max_rows
            flat = np.zeros(self.num_weights * width, grad._data.dtype, like=grad._data)
            np.add.at(flat, rows * width + dims, grad._data[bags, dims])
            return wrap(flat.reshape(self.num_weights, width)), None
        bag_of = self.bag_of
        factor = self.factor  # per member position: 0 for padding, 1/size for mean, ...
        if self._next[0] is not None:
            if grad_state.enabled:
                from .creation import zeros
                member_grads = grad.index_select(0, wrap(bag_of))
                scale = wrap(factor.astype(grad._data.dtype)[:, None])
                member_grads = member_grads * scale
                if per_sample_weights is not None:
                    member_grads = member_grads * per_sample_weights.reshape(-1, 1)
                base = zeros((self.num_weights, width), dtype=grad.dtype, device=grad.device)
                grad_weight = base.index_add(0, wrap(self.index), member_grads)
            else:
                member_grads = grad._data[bag_of] * factor.astype(grad._data.dtype)[:, None]
                if per_sample_weights is not None:
                    member_grads *= per_sample_weights._data.reshape(-1, 1)
                grad_weight = wrap(_scatter_rows(self.num_weights, self.index, member_grads))
        if self._next[1] is not None:
            keep = wrap(self.not_padding.astype(grad._data.dtype))
            rows = weight.index_select(0, wrap(self.index))
            grad_psw = (grad.index_select(0, wrap(bag_of)) * rows).sum(1) * keep
        return grad_weight, grad_psw

    def _recorded_max(self, grad, bags, dims):
        from .creation import zeros
        width = grad.shape[-1]
        picked = grad.reshape(-1).index_select(0, wrap(bags * width + dims))
        base = zeros(self.num_weights * width, dtype=grad.dtype, device=grad.device)
        return base.index_add(0, wrap(self.max_rows * width + dims), picked) \
            .reshape(self.num_weights, width)


def _bag_layout(index: np.ndarray, offsets: np.ndarray, include_last_offset: bool,
                type_name: str):
    """(bag of each index position, number of bags, start of each bag)."""
    n = index.size
    starts = offsets.astype(np.int64)
    if include_last_offset:
        starts = starts[:-1]
    bags = starts.size
    if bags and starts[0] != 0:
        raise RuntimeError(f"offsets[0] has to be 0, i.e., the first sequence in the "
                           f"mini-batch has to start from position 0. However, got "
                           f"{starts[0]}\n[ {type_name}{{}} ]")
    if offsets.size and offsets[-1] > n:
        raise RuntimeError(f"offsets[-1] can not be greater than input's length {n} but got "
                           f"offsets[-1] of {offsets[-1]}")
    # A position belongs to the last bag whose start is at or before it.
    bag_of = np.searchsorted(starts, np.arange(n), side="right") - 1
    return bag_of, bags, starts


def embedding_bag(weight: Tensor, indices: Tensor, offsets: Tensor,
                  scale_grad_by_freq: bool = False, mode: int = 0, sparse: bool = False,
                  per_sample_weights: Tensor | None = None, include_last_offset: bool = False,
                  padding_idx: int | None = None):
    """Reduce bags of embedding rows: bag ``b`` holds ``indices[offsets[b]:offsets[b+1]]``.

    ``mode`` 0 sums (optionally weighted by ``per_sample_weights``), 1 averages, 2 takes the
    elementwise maximum; rows equal to ``padding_idx`` are left out; empty bags give zeros.
    Returns (output, offset2bag, bag_size, max_indices) as ``torch.embedding_bag`` does.
    """
    _check_indices(indices, "embedding_bag")
    _check_indices(offsets, "embedding_bag", "offsets")
    if weight.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    if per_sample_weights is not None and per_sample_weights.dtype is not weight.dtype:
        raise RuntimeError(f"Expected tensor for argument #1 'weight' to have the same type as "
                           f"tensor for argument #1 'per_sample_weights'; but type "
                           f"{weight.type()} does not equal {per_sample_weights.type()} (while "
                           f"checking arguments for embedding_bag)")
    if sparse:
        raise NotImplementedError("ember does not support sparse gradients (sparse=True)")
    num_weights, width = weight._data.shape
    if not all(holds_values(t._data) for t in (weight, indices, offsets)):
        return _embedding_bag_meta(weight, indices, offsets, mode, per_sample_weights,
                                   include_last_offset)
    index = indices._data.reshape(-1).astype(np.int64, copy=False)
    bad = np.flatnonzero((index < 0) | (index >= num_weights))
    if bad.size:
        raise RuntimeError(f"Index {bad[0]} of input takes value {index[bad[0]]} which is not "
                           f"in the valid range [0, {num_weights})")
    bag_of, bags, starts = _bag_layout(index, offsets._data.reshape(-1), include_last_offset,
                                       offsets.type())
    padding = -1 if padding_idx is None or padding_idx < 0 else padding_idx
    # Members that count: not padding, and (with include_last_offset) before offsets[-1].
    not_padding = index != padding
    if include_last_offset and offsets.numel():
        not_padding &= np.arange(index.size) < int(offsets._data.reshape(-1)[-1])
    sizes = np.bincount(bag_of[not_padding], minlength=bags).astype(np.int64)
    w = weight._data
    # Bags are consecutive runs of positions: reduce each nonempty run in one ufunc call.
    segments = _segments(bag_of, bags)
    if mode == 2:
        output, max_rows, positions = _bag_max(w, index, bags, not_padding, segments)
        max_indices = np.zeros((bags, width), np.int64)
        max_indices[positions] = max_rows
    else:
        # Each member's share of its bag: 0 for padding, 1/size for mean.
        factor = not_padding.astype(np.float64)
        if mode == 1:
            factor /= np.maximum(sizes, 1)[bag_of]
        members = np.take(w, index, axis=0)
        members *= factor.astype(w.dtype)[:, None]
        if per_sample_weights is not None:
            members *= per_sample_weights._data.reshape(-1, 1)
        output = np.zeros((bags, width), w.dtype)
        bag_ids, starts = segments
        if bag_ids.size:
            output[bag_ids] = _reduce_runs(members, starts, np.add, 0)
    result = wrap(output)
    if mode == 0:
        # PyTorch fills offset2bag for sums only when it has padding to skip.
        offset2bag = wrap(bag_of.astype(np.int64) if padding >= 0 else np.empty(0, np.int64))
        bag_size = wrap(np.zeros(bags, np.int64))
        max_index_t = wrap(np.zeros(bags, np.int64))
    else:
        offset2bag = wrap(bag_of.astype(np.int64))
        bag_size = wrap(sizes)
        max_index_t = wrap(max_indices) if mode == 2 else wrap(sizes.copy())
    psw_rg = per_sample_weights is not None and per_sample_weights._rg
    if grad_state.enabled and (weight._rg or psw_rg):
        node = EmbeddingBagBackward0((weight, per_sample_weights), result)
        node.save(weight if psw_rg else None, per_sample_weights)
        node.mode, node.num_weights, node.index, node.bag_of = mode, num_weights, index, bag_of
        node.not_padding = not_padding
        if mode == 2:
            node.max_rows, node.max_positions = max_rows, positions
        else:
            if scale_grad_by_freq:
                factor = factor / np.bincount(index, minlength=num_weights)[index]
            node.factor = factor
    return result, offset2bag, bag_size, max_index_t


def _embedding_bag_meta(weight: Tensor, indices: Tensor, offsets: Tensor, mode: int,
                        per_sample_weights, include_last_offset: bool):
    """embedding_bag on meta tensors: the bags' membership is data, so only shapes (and a
    backward node whose bookkeeping arrays are meta too) come out."""
    num_weights, width = weight._data.shape
    bags = offsets.numel() - (1 if include_last_offset else 0)
    result = _meta((bags, width), weight)
    psw_rg = per_sample_weights is not None and per_sample_weights._rg
    if grad_state.enabled and (weight._rg or psw_rg):
        positions = np.empty(indices.numel(), np.int64, like=weight._data)
        node = EmbeddingBagBackward0((weight, per_sample_weights), result)
        node.save(weight if psw_rg else None, per_sample_weights)
        node.mode, node.num_weights, node.index, node.bag_of = mode, num_weights, positions, \
            positions
        node.not_padding = np.empty(indices.numel(), np.bool_, like=weight._data)
        if mode == 2:
            node.max_rows, node.max_positions = positions, (positions, positions)
        else:
            node.factor = np.empty(indices.numel(), np.float64, like=weight._data)
    return (result, _meta((indices.numel(),), indices), _meta((bags,), indices),
            _meta((bags, width) if mode == 2 else (bags,), indices))


def _segments(bag_of: np.ndarray, bags: int):
    """(bags that have positions, where each starts), for ``ufunc.reduceat``.  Positions that
    are not members (padding, or past offsets[-1]) stay in their runs; callers neutralize
    them."""
    counts = np.bincount(bag_of, minlength=bags)
    starts = np.cumsum(counts) - counts
    ids = np.flatnonzero(counts)
    return ids, starts[ids]


def _padded_runs(rows: np.ndarray, starts: np.ndarray, fill):
    """The runs of ``rows`` starting at ``starts`` as a (runs, longest, D) array padded with
    ``fill``, or None when padding would more than double the data."""
    lengths = np.diff(np.append(starts, rows.shape[0]))
    longest = int(lengths.max())
    if starts.size * longest > 2 * rows.shape[0] + 64:
        return None
    run_of = np.repeat(np.arange(starts.size), lengths)
    slot = np.arange(rows.shape[0]) - np.repeat(starts, lengths)
    padded = np.full((starts.size, longest, rows.shape[1]), fill, rows.dtype)
    padded[run_of, slot] = rows
    return padded


def _reduce_runs(rows: np.ndarray, starts: np.ndarray, ufunc, fill) -> np.ndarray:
    """``ufunc`` over each run of rows; a padded block reduction when the runs are of similar
    length (NumPy's reduceat is slow for many short runs)."""
    padded = _padded_runs(rows, starts, fill)
    if padded is None:
        return ufunc.reduceat(rows, starts, axis=0)
    return ufunc.reduce(padded, axis=1)


def _bag_max(w: np.ndarray, index: np.ndarray, bags: int, members: np.ndarray, segments):
    """Per-bag elementwise maxima over the member rows, the row each maximum came from, and
    the (bag, dim) positions those rows fill; bags without members give zeros."""
    width = w.shape[1]
    rows = np.take(w, index, axis=0)
    rows[~members] = -np.inf
    output = np.zeros((bags, width), w.dtype)
    bag_ids, starts = segments
    if not bag_ids.size:
        return output, np.empty(0, np.int64), (np.empty(0, np.int64), np.empty(0, np.int64))
    padded = _padded_runs(rows, starts, -np.inf)
    if padded is not None:
        # argmax returns the first maximum, as PyTorch's kernel keeps the first.
        first = starts[:, None] + np.argmax(padded, axis=1)
        maxima = np.take_along_axis(padded, (first - starts[:, None])[:, None, :],
                                    axis=1)[:, 0]
        found = members[first]
    else:
        maxima = np.maximum.reduceat(rows, starts, axis=0)
        run_of = np.repeat(np.arange(bag_ids.size), np.diff(np.append(starts, rows.shape[0])))
        hits = (rows == maxima[run_of]) & members[:, None]
        order = np.where(hits, np.arange(rows.shape[0])[:, None], rows.shape[0])
        first = np.minimum.reduceat(order, starts, axis=0)
        found = first < rows.shape[0]
    maxima[~found] = 0
    output[bag_ids] = maxima
    run_idx, dim_idx = np.nonzero(found)
    return output, index[first[run_idx, dim_idx]], (bag_ids[run_idx], dim_idx)
