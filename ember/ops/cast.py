"""Copies and conversions: dtype and device changes, clone, contiguous and copy_."""
from __future__ import annotations

import warnings

import numpy as np

from ..backends import contiguous_array
from .. import _dtype as D
from .._device import device as Device
from .._tensor import Tensor
from ..autograd.grad_mode import state as grad_state
from ..autograd.node import Node
from ..backends import backend_for
from ._dispatch import apply_inplace, bind_methods, check_inplace, shape_str

wrap = Tensor._make


def cast_array(arr, np_dtype):
    """``arr`` converted to ``np_dtype`` with PyTorch's casting (complex -> real keeps .real)."""
    if arr.dtype == np_dtype:
        return arr
    if arr.dtype.kind == "c" and np.dtype(np_dtype).kind == "b":
        return arr != 0  # nonzero in either part, without a warning (as PyTorch)
    if arr.dtype.kind == "c" and np.dtype(np_dtype).kind != "c":
        warnings.warn("Casting complex values to real discards the imaginary part", UserWarning,
                      stacklevel=4)
        arr = arr.real
    if (np.dtype(np_dtype).kind in "iu" and arr.dtype.kind == "f") or arr.dtype.itemsize > \
            np.dtype(np_dtype).itemsize:
        # Out-of-range values convert silently in PyTorch (to inf for floats).
        with np.errstate(invalid="ignore", over="ignore"):
            return arr.astype(np_dtype)
    return arr.astype(np_dtype)


class ToCopyBackward0(Node):
    def backward(self, grad):
        return (grad.to(device=self.device, dtype=self.dtype),)


def to_device_dtype(input: Tensor, device: Device | None, dtype: D.dtype | None,
                    copy: bool = False) -> Tensor:
    """``input`` on ``device`` with ``dtype`` (itself when nothing changes and copy is False)."""
    arr = input._data
    src_device = input.device
    same_device = device is None or device == src_device or (
        device.type == src_device.type and device.index is None)
    np_dtype = arr.dtype if dtype is None else dtype.np
    if same_device and np_dtype == arr.dtype and not copy:
        return input
    if same_device:
        data = cast_array(arr, np_dtype)
        if data is arr:
            data = arr.copy()
    else:
        data = _move(arr, src_device, device, np_dtype)
    result = wrap(data)
    if grad_state.enabled and input._rg and (dtype is None or dtype.is_floating_point
                                              or dtype.is_complex):
        node = ToCopyBackward0((input,), result)
        node.device, node.dtype = src_device, D._BY_NP[arr.dtype]
    return result


def _move(arr, src: Device, dst: Device, np_dtype):
    if dst.type == "meta":
        from ..backends.meta import MetaArray
        return MetaArray(arr.shape, np_dtype)
    if src.type == "meta":
        raise NotImplementedError("Cannot copy out of meta tensor; no data!")
    host = backend_for(src.type).to_host(arr)
    return backend_for(dst.type).asarray(cast_array(host, np_dtype))


# -- clone / contiguous --------------------------------------------------------------------------

class CloneBackward0(Node):
    def backward(self, grad):
        return (grad,)


def _channels_last_copy(arr, name: str):
    rank = 4 if name == "channels_last" else 5
    if arr.ndim != rank:
        raise RuntimeError(f"required rank {rank} tensor to use {name} format")
    # Channels move innermost: copy in (N, *spatial, C) order, then view back as (N, C, ...).
    order = (0,) + tuple(range(2, rank)) + (1,)
    inverse = (0, rank - 1) + tuple(range(1, rank - 1))
    return arr.transpose(order).copy(order="C").transpose(inverse)


def clone(input, *, memory_format=None) -> Tensor:
    """A copy with its own storage; keeps the input's layout when it is dense (as PyTorch)."""
    arr = input._data
    name = getattr(memory_format, "name", "preserve_format")
    if name in ("channels_last", "channels_last_3d"):
        data = _channels_last_copy(arr, name)
    elif name == "contiguous_format" or type(arr) is not np.ndarray:
        data = arr.copy(order="C" if name == "contiguous_format" else "K")
    else:
        data = arr.copy(order="K") if arr.flags.c_contiguous else None
        if data is None or data.strides != arr.strides:
            # Size-1 dims with unusual strides, or not row-major: PyTorch's empty_like layout
            # (dense layouts kept exactly, others sorted).
            from .._storage import copy_like
            data = copy_like(arr)
    result = wrap(data)
    if grad_state.enabled and input._rg:
        CloneBackward0((input,), result)
    return result


def contiguous(input, memory_format=None) -> Tensor:
    """Itself if already contiguous in ``memory_format`` (row-major by default), else a copy
    laid out that way."""
    if input.is_contiguous(memory_format):
        return input
    if getattr(memory_format, "name", "") in ("channels_last", "channels_last_3d"):
        return clone(input, memory_format=memory_format)
    result = wrap(contiguous_array(input._data))
    if grad_state.enabled and input._rg:
        CloneBackward0((input,), result)
    return result


# -- copy_ ---------------------------------------------------------------------------------------

class CopyBackwards(Node):
    def backward(self, grad):
        from .creation import zeros_like
        g_self = zeros_like(grad) if self._next[0] is not None else None
        g_src = grad if self._next[1] is not None else None
        return g_self, g_src


def copy_(self, src, non_blocking: bool = False) -> Tensor:
    """Copy ``src`` (broadcast, cast, possibly from another device) into self; returns self."""
    if not isinstance(src, Tensor):
        from ._dispatch import to_tensor
        src = to_tensor(src)
    check_inplace(self)
    arr = self._data
    s = src._data
    try:
        shape = np.broadcast_shapes(s.shape, arr.shape)
    except ValueError:
        shape = None
    if shape != arr.shape:
        raise RuntimeError(f"The size of tensor a ({arr.shape[-1] if arr.ndim else 1}) must "
                           f"match the size of tensor b ({s.shape[-1] if s.ndim else 1}) at "
                           f"non-singleton dimension {max(arr.ndim, s.ndim) - 1}")
    if type(s) is not type(arr):
        s = _move(s, src.device, self.device, arr.dtype)
    values = cast_array(s, arr.dtype) if s.dtype != arr.dtype else s
    if grad_state.enabled and (self._rg or src._rg):
        result = wrap(np.broadcast_to(values, arr.shape))
        node = CopyBackwards((self, src), result)
        del node  # the node is now result.grad_fn
        return apply_inplace(self, result)
    if self.device.type == "meta":
        return self
    if not arr.flags.writeable:
        raise RuntimeError("unsupported operation: more than one element of the written-to tensor "
                           "refers to a single memory location. Please clone() the tensor before "
                           "performing the operation.")
    np.copyto(arr, values, casting="unsafe")
    self._bump_version()
    return self


def type_conversion_error(src: D.dtype, dst: D.dtype, op: str) -> RuntimeError:
    return RuntimeError(f"{op}: expected {dst} but got {src} {shape_str(())}")


bind_methods(["clone", "contiguous", "copy_"], globals())

__all__ = ["clone"]
