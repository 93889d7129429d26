"""Indexing: ``tensor[key]`` and ``tensor[key] = value``.

Basic keys (ints, slices, None, Ellipsis) give views; integer or boolean tensor/list keys
follow PyTorch's advanced-indexing rules and copy.
"""
from __future__ import annotations

import operator

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import state as grad_state
from ..autograd.node import Node
from ._dispatch import apply_inplace, check_inplace, to_tensor

wrap = Tensor._make


def _is_basic(item) -> bool:
    return item is None or item is Ellipsis or isinstance(item, (int, np.integer, slice)) \
        and not isinstance(item, bool)


def normalize_key(key, shape) -> tuple:
    """A tuple key with ints checked against ``shape`` and slices checked for positive steps."""
    if not isinstance(key, tuple):
        key = (key,)
    out = []
    dim = 0
    consumed = sum(1 for k in key if k is not None and k is not Ellipsis and not isinstance(k, bool))
    for item in key:
        if item is Ellipsis:
            out.append(item)
            dim += len(shape) - consumed
            continue
        if item is None:
            out.append(None)
            continue
        if isinstance(item, slice):
            if item.step is not None and operator.index(item.step) <= 0:
                if operator.index(item.step) == 0:
                    raise ValueError("slice step cannot be zero")
                raise ValueError("step must be greater than zero")
            out.append(slice(_index_or_none(item.start), _index_or_none(item.stop),
                             _index_or_none(item.step)))
            dim += 1
            continue
        index = operator.index(item)
        if dim >= len(shape):
            raise IndexError(f"too many indices for tensor of dimension {len(shape)}")
        size = shape[dim]
        if index < -size or index >= size:
            raise IndexError(f"index {index} is out of bounds for dimension {dim} with size {size}")
        out.append(index)
        dim += 1
    if dim > len(shape):
        raise IndexError(f"too many indices for tensor of dimension {len(shape)}")
    return tuple(out)


def _index_or_none(value):
    if value is None:
        return None
    if isinstance(value, Tensor):
        return value.__index__()
    return operator.index(value)


# -- reading -----------------------------------------------------------------------------------------

class SelectBackward0(Node):
    def backward(self, grad):
        return (embed(grad, self.shape, self.key),)


SliceBackward0 = type("SliceBackward0", (SelectBackward0,), {})
AliasBackward0 = type("AliasBackward0", (SelectBackward0,), {})
UnsqueezeBackward0 = type("UnsqueezeBackward0", (SelectBackward0,), {})


def _node_class(key):
    # PyTorch applies the key item by item; the last view it makes names the grad_fn.
    for item in reversed(key):
        if item is Ellipsis:
            continue
        if item is None:
            return UnsqueezeBackward0
        if isinstance(item, slice):
            return SliceBackward0
        return SelectBackward0
    return AliasBackward0


def getitem(input: Tensor, key) -> Tensor:
    """``input[key]``: a view for basic keys, a copy for advanced ones."""
    if isinstance(key, tuple):
        basic = all(_is_basic(k) for k in key)
    else:
        basic = _is_basic(key)
    if not basic:
        from .advanced_index import advanced_getitem
        return advanced_getitem(input, key)
    arr = input._data
    key = normalize_key(key, arr.shape)
    result = input._make_view(arr[key])
    if grad_state.enabled and input._rg:
        node = _node_class(key)((input,), result)
        node.shape, node.key = arr.shape, key
    return result


class EmbedBackward(Node):
    # embed() is the backward of indexing; its own backward indexes again.
    def backward(self, grad):
        return (grad[self.key],)

    def name(self) -> str:
        return "SelectBackwardBackward0"


def embed(grad: Tensor, shape: tuple, key) -> Tensor:
    """Zeros of ``shape`` with ``grad`` written at ``key`` (differentiable)."""
    data = np.zeros(shape, dtype=grad._data.dtype)
    data[key] = grad._data
    result = wrap(data)
    if grad_state.enabled and grad._rg:
        EmbedBackward((grad,), result).key = key
    return result


# -- writing -----------------------------------------------------------------------------------------

class CopySlices(Node):
    def backward(self, grad):
        g_self = None
        if self._next[0] is not None:
            g_self = grad.clone()
            g_self[self.key] = 0
        g_value = None
        if self._next[1] is not None:
            g_value = grad[self.key]
        return g_self, g_value


def setitem(input: Tensor, key, value) -> None:
    """``input[key] = value`` with broadcasting and casting to ``input``'s dtype."""
    if isinstance(key, tuple):
        basic = all(_is_basic(k) for k in key)
    else:
        basic = _is_basic(key)
    if not basic:
        from .advanced_index import advanced_setitem
        advanced_setitem(input, key, value)
        return
    arr = input._data
    key = normalize_key(key, arr.shape)
    value_t = value if isinstance(value, Tensor) else None
    if grad_state.enabled and (input._rg or (value_t is not None and value_t._rg)):
        check_inplace(input)
        value_t = value_t if value_t is not None else to_tensor(value)
        data = arr.copy()
        _assign(data, key, value_t._data, input)
        result = wrap(data)
        node = CopySlices((input, value_t), result)
        node.key = key
        apply_inplace(input, result)
        return
    check_inplace(input)
    _assign(arr, key, value._data if value_t is not None else value, input)
    input._bump_version()


def _assign(target: np.ndarray, key, values, input: Tensor) -> None:
    if isinstance(values, np.ndarray) and values.dtype != target.dtype:
        from .cast import cast_array
        values = cast_array(values, target.dtype)
    try:
        target[key] = values
    except ValueError as exc:
        region = target[key]
        shape = getattr(values, "shape", ())
        raise RuntimeError(f"shape mismatch: value tensor of shape [{', '.join(map(str, shape))}] "
                           f"cannot be broadcast to indexing result of shape "
                           f"[{', '.join(map(str, region.shape))}]") from exc


__all__: list = []
