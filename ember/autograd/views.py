"""Autograd for in-place writes through views (PyTorch's CopySlices) and for as_strided.

When an in-place op writes through a view, the *base* changed.  The base's history becomes a
``CopySlices`` node: its gradient passes through unchanged outside the view's region and goes
through the op's own backward inside it.  The view is then re-expressed as a strided view of
the new base (``AsStridedBackward0``), as PyTorch does.
"""
from __future__ import annotations

import numpy as np

from .._storage import element_strides, storage_offset
from .node import Node, gradient_edge


def _strided(buffer: np.ndarray, shape, strides, offset: int) -> np.ndarray:
    itemsize = buffer.dtype.itemsize
    return np.lib.stride_tricks.as_strided(buffer[offset:], shape,
                                           tuple(s * itemsize for s in strides))


def _extent(shape, strides, offset: int) -> int:
    if any(s == 0 for s in shape):
        return offset
    return offset + 1 + sum((size - 1) * stride for size, stride in zip(shape, strides))


class CopySlices(Node):
    """The base's new history after an in-place op (``inner``) wrote through a view of it."""

    def backward(self, grad):
        from .._tensor import Tensor
        from .engine import _validate
        base_shape, base_strides, view_shape, view_strides, offset = self.geometry
        extent = max(_extent(base_shape, base_strides, 0), _extent(view_shape, view_strides,
                                                                   offset))
        buffer = np.zeros(extent, dtype=grad._data.dtype)
        whole = _strided(buffer, base_shape, base_strides, 0)
        whole[...] = grad._data
        region = _strided(buffer, view_shape, view_strides, offset)
        inner = self.inner
        inner_grads = inner.backward(Tensor._make(region.copy()))
        if type(inner_grads) is not tuple:
            inner_grads = (inner_grads,)
        first = inner_grads[0]
        if first is not None and inner._meta[0] is not None:
            meta = inner._meta[0]
            if first._data.shape != meta[0] or first._data.dtype != meta[1]:
                first = _validate(first, meta, inner)
        region[...] = 0 if first is None else first._data
        return (Tensor._make(np.array(whole)),) + tuple(inner_grads[1:])

    def release(self) -> None:
        self.inner.release()


def rebase_view(view, node) -> None:
    """Rewire history after ``node`` (an in-place op's backward) wrote through ``view``."""
    base = view._view_of
    base_data = base._data
    view_data = view._data
    offset = storage_offset(view_data) - storage_offset(base_data)
    copy = CopySlices(())
    copy._next = (gradient_edge(base) if base._rg else None,) + node._next[1:]
    copy._meta = ((base_data.shape, base_data.dtype),) + node._meta[1:]
    if node._nrs is not None:
        copy._nrs = (base._output_nr,) + node._nrs[1:]
    copy.inner = node
    copy.geometry = (base_data.shape, element_strides(base_data), view_data.shape,
                     element_strides(view_data), offset)
    base.grad_fn = copy
    base._rg = True
    from ..ops.shape import AsStridedBackward0
    regenerated = AsStridedBackward0((base,), view)
    regenerated.in_geometry = (base_data.shape, element_strides(base_data), 0)
    regenerated.out_geometry = (view_data.shape, element_strides(view_data), offset)
