"""Tensor factories: tensor, as_tensor, from_numpy, zeros, ones, full, empty, arange and kin."""
from __future__ import annotations

import builtins
import math
import warnings

import numpy as np

from .. import _dtype as D
from .._device import as_device
from .._tensor import Tensor
from ..backends import backend_for
from .shape import shape_args

wrap = Tensor._make


# -- dtype inference --------------------------------------------------------------------------------

def infer_dtype(data) -> D.dtype:
    """The dtype ``torch.tensor(data)`` picks: numbers by kind, NumPy values by their dtype."""
    if isinstance(data, Tensor):
        return data.dtype
    if isinstance(data, (np.ndarray, np.generic)):
        return D.from_numpy_dtype(data.dtype)
    if isinstance(data, (builtins.bool, builtins.int, builtins.float, builtins.complex)):
        return D.scalar_dtype(data)
    if isinstance(data, (list, tuple)):
        result = None
        for item in data:
            d = infer_dtype(item)
            result = d if result is None else D.promote_types(result, d)
        return result if result is not None else D.get_default_dtype()
    if hasattr(data, "__array__"):
        return D.from_numpy_dtype(np.asarray(data).dtype)
    raise TypeError(f"Could not infer dtype of {type(data).__name__}")


def _quick_dtype(arr: np.ndarray, data) -> D.dtype:
    # NumPy's own inference agrees with PyTorch except that Python floats and complexes take
    # the default dtype; only a float64/complex128 result needs a closer look.
    if arr.dtype == np.float64 or arr.dtype == np.complex128:
        return infer_dtype(data)
    return D.from_numpy_dtype(arr.dtype)


def _to_array(data, dtype: D.dtype | None):
    if isinstance(data, Tensor):
        arr = data._host()
        return arr, (dtype or data.dtype)
    if isinstance(data, (list, tuple)) and _contains_tensor(data):
        data = _tensors_to_arrays(data)
    try:
        arr = np.array(data)
    except ValueError as exc:
        raise ValueError(_ragged_message(data) or str(exc)) from None
    if arr.dtype == object:
        raise ValueError(_ragged_message(data) or
                         f"Could not infer dtype of {type(data).__name__}")
    if arr.dtype.kind in "US":
        raise TypeError(f"new(): invalid data type '{arr.dtype.kind == 'U' and 'str'}'")
    target = dtype or _quick_dtype(arr, data)
    return arr, target


def _contains_tensor(data) -> bool:
    for item in data:
        if isinstance(item, Tensor):
            return True
        if isinstance(item, (list, tuple)) and _contains_tensor(item):
            return True
    return False


def _tensors_to_arrays(data):
    out = []
    for item in data:
        if isinstance(item, Tensor):
            out.append(item._host())
        elif isinstance(item, (list, tuple)):
            out.append(_tensors_to_arrays(item))
        else:
            out.append(item)
    return out


def _ragged_message(data):
    def length_at(seq, depth, path):
        if not isinstance(seq, (list, tuple)):
            return None
        lengths = [len(x) if isinstance(x, (list, tuple)) else None for x in seq]
        first = lengths[0] if lengths else None
        for n in lengths[1:]:
            if n != first:
                return f"expected sequence of length {first} at dim {depth + 1} (got {n})"
        for x in seq:
            msg = length_at(x, depth + 1, path)
            if msg:
                return msg
        return None
    return length_at(data, 0, ())


def _place(arr: np.ndarray, device) -> object:
    dev = as_device(device)
    if dev.type == "cpu":
        return arr
    if dev.type == "meta":
        from ..backends.meta import MetaArray
        return MetaArray(arr.shape, arr.dtype)
    return backend_for(dev.type).asarray(arr)


def _finish(data, requires_grad: bool) -> Tensor:
    t = wrap(data)
    if requires_grad:
        t.requires_grad_(True)
    return t


def tensor(data, *, dtype: D.dtype | None = None, device=None, requires_grad: bool = False,
           pin_memory: bool = False) -> Tensor:
    """A new tensor that copies ``data`` (a number, nested sequence, array or tensor)."""
    if isinstance(data, Tensor):
        warnings.warn("To copy construct from a tensor, it is recommended to use "
                      "sourceTensor.detach().clone() or "
                      "sourceTensor.detach().clone().requires_grad_(True), rather than "
                      "torch.tensor(sourceTensor).", UserWarning, stacklevel=2)
    arr, target = _to_array(data, dtype)
    from .cast import cast_array
    arr = np.array(cast_array(arr, target.np), copy=True)
    return _finish(_place(arr, device), requires_grad)


def as_tensor(data, dtype: D.dtype | None = None, device=None) -> Tensor:
    """Like ``tensor`` but shares memory with a tensor or NumPy array when no conversion is needed."""
    if isinstance(data, Tensor):
        return data.to(device=as_device(device) if device is not None else None, dtype=dtype)
    if isinstance(data, np.ndarray) and (device is None or as_device(device).type == "cpu"):
        t = from_numpy(data)
        return t if dtype is None else t.to(dtype)
    return tensor(data, dtype=dtype, device=device)


asarray = as_tensor


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``ndarray`` (writes show on both sides)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    if any(s < 0 for s in ndarray.strides):
        raise ValueError("At least one stride in the given numpy array is negative, and tensors "
                         "with negative strides are not currently supported. (You can probably "
                         "work around this by making a copy of your array  with array.copy().) ")
    D.from_numpy_dtype(ndarray.dtype)
    if ndarray.dtype.byteorder == ">":
        raise ValueError("given numpy array has byte order different from the native byte order. "
                         "Conversion between byte orders is currently not supported.")
    return wrap(ndarray)


def from_dlpack(ext_tensor) -> Tensor:
    """A tensor sharing memory with any object that implements the DLPack protocol."""
    if isinstance(ext_tensor, Tensor):
        return ext_tensor
    return wrap(np.from_dlpack(ext_tensor))


# -- filled factories -------------------------------------------------------------------------------

def _factory_dtype(dtype) -> D.dtype:
    return D.get_default_dtype() if dtype is None else dtype


def _check_size(shape) -> None:
    for s in shape:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: "
                               f"[{', '.join(map(str, shape))}]")


def _filled(shape, fill, dtype: D.dtype, device, requires_grad: bool) -> Tensor:
    _check_size(shape)
    dev = as_device(device)
    if dev.type == "meta":
        from ..backends.meta import MetaArray
        return _finish(MetaArray(shape, dtype.np), requires_grad)
    xp = backend_for(dev.type).xp
    if fill is None:
        data = xp.empty(shape, dtype=dtype.np)
    elif fill == 0:
        data = xp.zeros(shape, dtype=dtype.np)
    else:
        data = xp.full(shape, fill, dtype=dtype.np)
    return _finish(data, requires_grad)


def zeros(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False) -> Tensor:
    """A tensor of zeros of the given shape."""
    result = _filled(shape_args(size, "zeros"), 0, _factory_dtype(dtype), device, requires_grad)
    return result if out is None else _into(out, result)


def ones(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
         pin_memory=False) -> Tensor:
    """A tensor of ones of the given shape."""
    result = _filled(shape_args(size, "ones"), 1, _factory_dtype(dtype), device, requires_grad)
    return result if out is None else _into(out, result)


def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False, memory_format=None) -> Tensor:
    """An uninitialized tensor of the given shape."""
    result = _filled(shape_args(size, "empty"), None, _factory_dtype(dtype), device,
                     requires_grad)
    return result if out is None else _into(out, result)


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None,
         requires_grad=False, pin_memory=False) -> Tensor:
    """A tensor of the given shape filled with ``fill_value`` (dtype inferred from it)."""
    if dtype is None:
        dtype = D.scalar_dtype(fill_value.item() if isinstance(fill_value, Tensor) else fill_value)
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    result = _filled(tuple(size), fill_value, dtype, device, requires_grad)
    return result if out is None else _into(out, result)


def empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad=False,
                  pin_memory=False) -> Tensor:
    """An uninitialized tensor with the given sizes and strides."""
    from .._storage import view_from_storage
    size, stride = tuple(size), tuple(stride)
    d = _factory_dtype(dtype)
    extent = 1 + builtins.sum((s - 1) * st for s, st in zip(size, stride)) if all(size) else 0
    storage = np.empty(extent, d.np)
    return _finish(view_from_storage(storage, size, stride, 0) if extent else
                   np.empty(size, d.np), requires_grad)


def _like(input, dtype, device):
    return (input.dtype if dtype is None else dtype,
            input.device if device is None else device)


def zeros_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None) -> Tensor:
    """Zeros with the shape (and by default dtype and device) of ``input``."""
    d, dev = _like(input, dtype, device)
    return _filled(input._data.shape, 0, d, dev, requires_grad)


def ones_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None) -> Tensor:
    """Ones with the shape (and by default dtype and device) of ``input``."""
    d, dev = _like(input, dtype, device)
    return _filled(input._data.shape, 1, d, dev, requires_grad)


def empty_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None) -> Tensor:
    """An uninitialized tensor shaped like ``input``."""
    d, dev = _like(input, dtype, device)
    return _filled(input._data.shape, None, d, dev, requires_grad)


def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None) -> Tensor:
    """``fill_value`` everywhere, shaped like ``input``."""
    d, dev = _like(input, dtype, device)
    return _filled(input._data.shape, fill_value, d, dev, requires_grad)


def _into(out: Tensor, result: Tensor) -> Tensor:
    from ._dispatch import write_out
    return write_out(out, result, "factory")


# -- ranges -----------------------------------------------------------------------------------------

def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad=False) -> Tensor:
    """Values from ``start`` up to (not including) ``end`` spaced by ``step``."""
    if end is None:
        start, end = 0, start
    values = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    start, end, step = values
    if dtype is None:
        floating = any(isinstance(v, float) or (isinstance(v, np.floating)) for v in values)
        dtype = D.get_default_dtype() if floating else D.int64
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if not all(math.isfinite(v) for v in (start, end)):
        raise RuntimeError(f"unsupported range: {start} -> {end}")
    if (step > 0 and start > end) or (step < 0 and start < end):
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    if dtype.is_floating_point or any(isinstance(v, float) for v in values):
        n = math.ceil((end - start) / step)
        data = (start + np.arange(n, dtype=np.float64) * step)
    else:
        n = -((start - end) // step)
        data = start + np.arange(n, dtype=np.int64) * step
    result = _finish(_place(data.astype(dtype.np), device), requires_grad)
    return result if out is None else _into(out, result)


def range(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
          requires_grad=False) -> Tensor:
    """Deprecated inclusive range: values from ``start`` to ``end`` including ``end``."""
    warnings.warn("torch.range is deprecated and will be removed in a future release because its "
                  "behavior is inconsistent with Python's range builtin. Instead, use torch.arange, "
                  "which produces values in [start, end).", UserWarning, stacklevel=2)
    if end is None:
        start, end = 0, start
    d = D.get_default_dtype() if dtype is None else dtype
    n = int(math.floor((end - start) / step)) + 1
    data = (start + np.arange(n, dtype=np.float64) * step).astype(d.np)
    return _finish(_place(data, device), requires_grad)


# -- the legacy constructors (torch.Tensor(...), torch.FloatTensor(...)) -----------------------------

def legacy_new(dtype: D.dtype, *args, device=None, **kwargs) -> Tensor:
    """``torch.Tensor(data)``, ``torch.Tensor(*sizes)`` and ``torch.Tensor()`` for a fixed dtype."""
    if kwargs:
        raise TypeError(f"new() received an invalid combination of arguments - got unexpected "
                        f"keyword argument {next(iter(kwargs))!r}")
    if not args:
        return _filled((0,), None, dtype, device, False)
    if len(args) == 1:
        data = args[0]
        if isinstance(data, Tensor):
            if data.dtype is not dtype:
                raise TypeError(f"expected {dtype} (got {data.dtype})")
            return data.detach()
        if isinstance(data, (list, tuple, np.ndarray)) or hasattr(data, "__array__"):
            arr, _ = _to_array(data, dtype)
            from .cast import cast_array
            return wrap(_place(np.array(cast_array(arr, dtype.np), copy=True), device))
    try:
        shape = shape_args(args, "new")
    except TypeError:
        raise TypeError(f"new(): data must be a sequence (got {type(args[0]).__name__})") from None
    return _filled(shape, None, dtype, device, False)


__all__ = ["tensor", "as_tensor", "asarray", "from_numpy", "from_dlpack", "zeros", "ones",
           "empty", "full", "empty_strided", "zeros_like", "ones_like", "empty_like", "full_like",
           "arange", "range"]
