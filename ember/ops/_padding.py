"""Padding primitives: constant_pad_nd and the reflect / replicate / circular index pads.

The index pads are gathers: every output position along a padded dim reads one input position
(``reflect`` mirrors without repeating the edge, ``replicate`` clamps, ``circular`` wraps).
Their backward is the matching scatter-add, done dim by dim: the interior run is one slice
add and each border position one more (there are only as many as the pad is wide).  Forward
and backward are each other's adjoint, so each backward is again differentiable.
"""
from __future__ import annotations

import operator

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import state as grad_state
from ..autograd.node import Node

wrap = Tensor._make


def _sizes(shape) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


def check_pad_list(pad, ndim: int) -> list:
    """The pad as a list of ints, with PyTorch's checks on its length."""
    if isinstance(pad, Tensor):
        pad = pad.tolist()
    pad = [operator.index(p) for p in pad]
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > ndim:
        raise RuntimeError(f"Padding length should be less than or equal to two times the input "
                           f"dimension but got padding length {len(pad)} and input of dimension "
                           f"{ndim}")
    return pad


# ----------------------------------------------------------------------------------------------
# constant
# ----------------------------------------------------------------------------------------------

class ConstantPadNdBackward0(Node):
    def backward(self, grad):
        return (constant_pad_nd(grad, [-p for p in self.pad], 0),)


def constant_pad_nd(input: Tensor, pad, value=0) -> Tensor:
    """Pad the last ``len(pad) // 2`` dims with ``value`` (negative pads crop)."""
    arr = input._data
    pad = check_pad_list(pad, arr.ndim)
    shape = list(arr.shape)
    source = [slice(None)] * arr.ndim
    target = [slice(None)] * arr.ndim
    for i in range(len(pad) // 2):
        dim = arr.ndim - 1 - i
        left, right = pad[2 * i], pad[2 * i + 1]
        size = shape[dim] + left + right
        if size < 0:
            raise RuntimeError("narrow(): length must be non-negative.")
        # Negative pads crop the source; positive ones offset the target.
        src_start = max(-left, 0)
        src_stop = shape[dim] - max(-right, 0)
        source[dim] = slice(src_start, max(src_stop, src_start))
        tgt_start = max(left, 0)
        target[dim] = slice(tgt_start, tgt_start + max(src_stop - src_start, 0))
        shape[dim] = size
    out = np.empty(shape, dtype=arr.dtype, like=arr)
    out[...] = np.array(value).astype(arr.dtype) if arr.dtype.kind != "b" else bool(value)
    out[tuple(target)] = arr[tuple(source)]
    result = wrap(out)
    if grad_state.enabled and input._rg:
        ConstantPadNdBackward0((input,), result).pad = pad
    return result


# ----------------------------------------------------------------------------------------------
# reflect / replicate / circular
# ----------------------------------------------------------------------------------------------

def pad_indices(size: int, left: int, right: int, mode: str) -> np.ndarray:
    """For each output position along one dim, the input position it copies."""
    positions = np.arange(size + left + right) - left
    if mode == "reflect":
        positions = np.abs(positions)
        return np.where(positions >= size, 2 * (size - 1) - positions, positions)
    if mode == "replicate":
        return np.clip(positions, 0, size - 1)
    # circular: negative pads crop first, then the positive ones wrap around what is left.
    low = max(-left, 0)
    kept = size - low - max(-right, 0)
    if kept <= 0:
        return np.clip(positions, 0, max(size - 1, 0))
    return low + (np.arange(size + left + right) - max(left, 0)) % kept


def _gather(arr: np.ndarray, indices) -> np.ndarray:
    # One take per padded dim: each result is C-contiguous, as PyTorch's padded outputs are
    # (a single fancy index with np.ix_ grids can come back in a permuted layout).
    first = arr.ndim - len(indices)
    for axis, index in enumerate(indices):
        arr = np.take(arr, index, axis=first + axis)
    return arr


def _scatter_dim(g: np.ndarray, axis: int, index: np.ndarray, size: int, left: int) -> np.ndarray:
    """Adjoint of ``take(x, index, axis)``: sum ``g`` back onto ``size`` positions."""
    shape = list(g.shape)
    shape[axis] = size
    out = np.zeros(shape, dtype=g.dtype)
    lead = (slice(None),) * axis
    # The interior run (output i reads input i - left) is one slice add.
    start = max(left, 0)
    stop = min(len(index), left + size)
    if stop > start:
        out[lead + (slice(start - left, stop - left),)] += g[lead + (slice(start, stop),)]
    for i in list(range(0, min(start, len(index)))) + list(range(max(stop, start), len(index))):
        out[lead + (index[i],)] += g[lead + (i,)]
    return out


class _IndexPadBackward(Node):
    """Backward of an index pad: scatter-add of the gradient onto the input positions."""

    def backward(self, grad):
        return (_index_pad_adjoint(grad, self.indices, self.sizes, self.lefts, self.mode,
                                   self.dims),)


class _IndexPadBackwardBackward(Node):
    def backward(self, grad):
        return (index_pad(grad, self.indices, self.sizes, self.lefts, self.mode, self.dims),)


_NODES = {}


def _node_class(mode: str, dims: int, backward: bool):
    key = (mode, dims, backward)
    cls = _NODES.get(key)
    if cls is None:
        if mode == "circular":
            name = "CopySlices"
        else:
            name = {"reflect": "ReflectionPad", "replicate": "ReplicationPad"}[mode]
            name += f"{dims}DBackward0"
        if backward:
            name = name.replace("Backward0", "BackwardBackward0") if mode != "circular" \
                else "SliceBackward0"
        cls = _NODES[key] = type(name, (_IndexPadBackwardBackward if backward
                                        else _IndexPadBackward,), {"__module__": __name__})
    return cls


def index_pad(input: Tensor, indices, sizes, lefts, mode: str, dims: int) -> Tensor:
    """Gather the last ``len(indices)`` dims of ``input`` at ``indices`` (an index pad)."""
    result = wrap(_gather(input._data, indices))
    if grad_state.enabled and input._rg:
        node = _node_class(mode, dims, False)((input,), result)
        node.indices, node.sizes, node.lefts, node.mode, node.dims = (indices, sizes, lefts,
                                                                      mode, dims)
    return result


def _index_pad_adjoint(grad: Tensor, indices, sizes, lefts, mode: str, dims: int) -> Tensor:
    g = grad._data
    first = g.ndim - len(indices)
    for axis_offset, (index, size, left) in enumerate(zip(indices, sizes, lefts)):
        g = _scatter_dim(g, first + axis_offset, index, size, left)
    result = wrap(g if g is not grad._data else g.copy())
    if grad_state.enabled and grad._rg:
        node = _node_class(mode, dims, True)((grad,), result)
        node.indices, node.sizes, node.lefts, node.mode, node.dims = (indices, sizes, lefts,
                                                                      mode, dims)
    return result


_LETTERS = ("D", "H", "W")


def mode_pad(input: Tensor, pad: list, mode: str) -> Tensor:
    """F.pad for mode reflect / replicate / circular (pad already checked for its length)."""
    arr = input._data
    dims = len(pad) // 2
    spatial = arr.shape[arr.ndim - dims:]
    if mode != "circular":
        if arr.dtype.kind == "b":
            kernel = "reflection_pad" if mode == "reflect" else "replication_pad"
            raise NotImplementedError(f"\"{kernel}{dims}d\" not implemented for 'Bool'")
        batched = arr.ndim == dims + 2
        checked = arr.shape[1:] if batched else arr.shape
        if any(s == 0 for s in checked):
            raise RuntimeError(f"Expected {dims + 1}D or {dims + 2}D (batch mode) tensor with "
                               f"possibly 0 batch size and other non-zero dimensions for input, "
                               f"but got: {_sizes(arr.shape)}")
    lefts, rights = [], []
    for i in range(dims):
        # pad lists the last dim first.
        lefts.append(pad[2 * (dims - 1 - i)])
        rights.append(pad[2 * (dims - 1 - i) + 1])
    outs = [s + lft + r for s, lft, r in zip(spatial, lefts, rights)]
    if mode == "reflect":
        for i, (s, lft, r) in enumerate(zip(spatial, lefts, rights)):
            if lft >= s or r >= s:
                argument = 2 * dims + 2
                raise RuntimeError(f"Argument #{argument}: Padding size should be less than the "
                                   f"corresponding input dimension, but got: padding ({lft}, "
                                   f"{r}) at dimension {arr.ndim - dims + i} of input "
                                   f"{_sizes(arr.shape)}")
    if mode in ("reflect", "replicate") and any(o < 1 for o in outs):
        letters = _LETTERS[3 - dims:]
        given = ", ".join(f"{n}: {s}" for n, s in zip(letters, spatial))
        calc = " ".join(f"{n}: {o}" for n, o in zip(letters, outs))
        raise RuntimeError(f"input ({given}) is too small. Calculated output {calc}")
    if mode == "circular":
        for s, lft, r in zip(spatial, lefts, rights):
            if lft > s or r > s:
                raise RuntimeError("Padding value causes wrapping around more than once.")
        if any(o < 0 for o in outs):
            raise RuntimeError("Negative padding value is resulting in an empty dimension")
    indices = tuple(pad_indices(s, lft, r, mode) for s, lft, r in zip(spatial, lefts, rights))
    return index_pad(input, indices, tuple(spatial), tuple(lefts), mode, dims)
