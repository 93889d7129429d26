"""Tensor factories: tensor, zeros, ones, full, arange, linspace, eye and their relatives.

Values follow PyTorch's CPU kernels closely enough to be bit-identical: ``arange`` and
``linspace`` reproduce the kernels' arithmetic (including their fused multiply-adds and the
block structure of the vectorized ``arange`` loop), and Python data is converted with PyTorch's
overflow checks and dtype inference.
"""
from __future__ import annotations

import builtins
import math
import operator
import warnings

import numpy as np

from .. import _dtype as D
from .._device import as_device, factory_device
from .._tensor import Tensor
from ..autograd.grad_mode import state as grad_state
from ..autograd.node import Node
from ..backends import backend_for
from ..backends import cpu as _cpu
from ..backends.meta import MetaArray
from ._dispatch import _type_word, apply_inplace, bind_methods, check_inplace, shape_str

wrap = Tensor._make
_NUMBER_TYPES = (builtins.bool, builtins.int, builtins.float, builtins.complex)
_SCALAR_TYPES = _NUMBER_TYPES + (np.number, np.bool_)
_MISSING = object()


# ================================================================================================
# Shared helpers: argument parsing, devices, requires_grad, out=
# ================================================================================================

def type_name(value) -> str:
    """The type name PyTorch's argument parser prints (``numpy.float64`` for NumPy types)."""
    if isinstance(value, Tensor):
        return "Tensor"
    cls = type(value)
    if cls.__module__ == "numpy":
        return f"numpy.{cls.__name__}"
    return cls.__name__


def _as_size_item(value):
    """``value`` as a dimension size, or None when it is not an integer."""
    if isinstance(value, (builtins.bool, np.bool_)):
        return None
    if isinstance(value, Tensor):
        if value._data.ndim == 0 and value._data.dtype.kind in "iu":
            return builtins.int(value)
        return None
    try:
        return operator.index(value)
    except TypeError:
        return None


def parse_size(args: tuple, name: str, size=None) -> tuple:
    """A shape from ``f(2, 3)``, ``f((2, 3))``, ``f([2, 3])`` or ``f(size=(2, 3))``."""
    if size is not None:
        if args:
            raise TypeError(f"{name}() got multiple values for argument 'size'")
        args = (size,)
    if len(args) == 1:
        only = args[0]
        n = _as_size_item(only)
        if n is not None:
            return _checked_long((n,), name, 1)
        if not isinstance(only, (tuple, list)):
            raise TypeError(f"{name}(): argument 'size' (position 1) must be tuple of ints, not "
                            f"{type_name(only)}")
        values = []
        for i, item in enumerate(only):
            n = _as_size_item(item)
            if n is None:
                # PyTorch's parser judges the sequence by its first element.
                if i == 0:
                    raise TypeError(f"{name}(): argument 'size' (position 1) must be tuple of "
                                    f"ints, but found element of type {type_name(item)} at pos 0")
                raise TypeError(f"{name}(): argument 'size' failed to unpack the object at pos "
                                f"{i + 1} with error \"type must be tuple of ints,but got "
                                f"{type_name(item)}\"")
            values.append(n)
        return _checked_long(tuple(values), name, 1)
    values = []
    for i, item in enumerate(args):
        n = _as_size_item(item)
        if n is None:
            raise TypeError(f"{name}(): argument 'size' failed to unpack the object at pos {i + 1} "
                            f"with error \"type must be tuple of ints,but got {type_name(item)}\"")
        values.append(n)
    return _checked_long(tuple(values), name, None)


def _checked_long(shape: tuple, name: str, position) -> tuple:
    for i, s in enumerate(shape):
        if not -(1 << 63) <= s < (1 << 63):
            raise TypeError(f"{name}(): argument 'size' failed to unpack the object at pos "
                            f"{i + 1} with error \"Overflow when unpacking long long")
    return shape


def sequence_size(size, name: str) -> tuple:
    """A shape that must be given as one sequence (``full``'s and ``new_full``'s ``size``)."""
    if isinstance(size, (tuple, list)):
        return parse_size((size,), name)
    raise TypeError(f"{name}(): argument 'size' (position 1) must be tuple of ints, not "
                    f"{type_name(size)}")


def check_shape(shape: tuple, name: str = "") -> None:
    """PyTorch's refusal of negative sizes."""
    for s in shape:
        if s < 0:
            if name == "zeros":
                raise RuntimeError("zeros: Dimension size must be non-negative.")
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: "
                               f"{shape_str(shape)}")


def factory_dtype(dtype, out, name: str) -> D.dtype:
    """The dtype a factory creates: ``dtype``, else the ``out=`` tensor's, else the default."""
    if dtype is not None and not isinstance(dtype, D.dtype):
        raise TypeError(f"{name}(): argument 'dtype' must be torch.dtype, not "
                        f"{type_name(dtype)}")
    if out is not None:
        if not isinstance(out, Tensor):
            raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type_name(out)}")
        if dtype is None:
            return out.dtype
        if dtype is not out.dtype:
            raise RuntimeError(f"dtype {_type_word(dtype)} does not match dtype of out parameter "
                               f"({_type_word(out.dtype)})")
    return D.get_default_dtype() if dtype is None else dtype


def finish(data, requires_grad: bool) -> Tensor:
    """Wrap a fresh backend array, honouring ``requires_grad=``."""
    t = wrap(data)
    if requires_grad:
        if data.dtype.kind not in "fc" and data.dtype != D.bfloat16.np:
            raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                               "gradients")
        t._rg = True
    return t


def write_factory_out(out: Tensor, result: Tensor) -> Tensor:
    """Put a factory's result into ``out=`` (resized silently, as factories do)."""
    if grad_state.enabled and out._rg:
        raise RuntimeError("out=... arguments don't support automatic differentiation, but one "
                           "of the arguments requires grad.")
    data = result._data
    if out._data.shape != data.shape or type(out._data) is not type(data):
        out._data = data if data.dtype == out._data.dtype else data.astype(out._data.dtype)
    else:
        out._data[...] = data
    out._bump_version()
    return out


def new_array(shape: tuple, np_dtype, dev, fill=None, order=None):
    """A new backend array on ``dev``: empty, zeros or filled with ``fill``."""
    if dev.type == "meta":
        return MetaArray(shape, np_dtype)
    xp = np if dev.type == "cpu" else backend_for(dev.type).xp
    if fill is None:
        return xp.empty(shape, dtype=np_dtype)
    if isinstance(fill, (builtins.int, builtins.float, builtins.bool)) and fill == 0:
        return xp.zeros(shape, dtype=np_dtype)
    return xp.full(shape, fill, dtype=np_dtype)


def place(arr: np.ndarray, dev):
    """A host array moved to device ``dev`` (a meta array keeps only its shape and dtype)."""
    if dev.type == "cpu":
        return arr
    if dev.type == "meta":
        return MetaArray(arr.shape, arr.dtype)
    return backend_for(dev.type).asarray(arr)


# ================================================================================================
# Checked scalar conversion (c10::checked_convert)
# ================================================================================================

_CPP_NAMES = {
    "bool": "bool", "uint8": "uint8_t", "int8": "int8_t", "int16": "int16_t", "int32": "int",
    "int64": "int64_t", "float16": "c10::Half", "bfloat16": "c10::BFloat16", "float32": "float",
    "float64": "double", "complex64": "c10::complex<float>", "complex128": "c10::complex<double>",
}


def _overflow(type_label: str) -> RuntimeError:
    return RuntimeError(f"value cannot be converted to type {type_label} without overflow")


def _limits_of(dtype: D.dtype):
    if dtype is D.bool:
        return 0, 1
    if dtype.is_floating_point or dtype.is_complex:
        info = D.finfo(dtype)
        return info.min, info.max
    info = np.iinfo(dtype.np)
    return builtins.int(info.min), builtins.int(info.max)


# Computed once: finfo/iinfo objects are slow to build and factories are called in hot loops.
_LIMITS = {d: _limits_of(d) for d in D.ALL_DTYPES}


def _real_limits(dtype: D.dtype):
    """(lowest, highest) finite value of ``dtype`` (of its real part for complex dtypes)."""
    return _LIMITS[dtype]


def checked_scalar(value, dtype: D.dtype, label: str | None = None):
    """``value`` converted to ``dtype`` as PyTorch's ``Scalar.to<T>()`` does: RuntimeError on
    overflow, two's-complement wrap-around for negative values into unsigned types."""
    label = _CPP_NAMES[dtype.name] if label is None else label
    if isinstance(value, np.generic):
        value = value.item()
    if dtype is D.bool:
        return builtins.bool(value)
    if isinstance(value, builtins.complex):
        if dtype.is_complex:
            low, high = _real_limits(dtype.to_real())
            for part in (value.real, value.imag):
                if math.isfinite(part) and not low <= part <= high:
                    raise _overflow(label)
            return value
        if value.imag != 0:
            raise _overflow(label)
        value = value.real
    if dtype.is_floating_point or dtype.is_complex:
        value = builtins.float(value) if not isinstance(value, builtins.float) else value
        low, high = _real_limits(dtype.to_real())
        if math.isfinite(value) and not low <= value <= high:
            raise _overflow(label)
        return value
    low, high = _real_limits(dtype)
    if isinstance(value, builtins.float):
        if not math.isfinite(value) or not low <= value <= high:
            raise _overflow(label)
        return builtins.int(value)
    value = builtins.int(value)
    if low == 0:
        if value > high or (value < 0 and -value > high):
            raise _overflow(label)
        return value % (high + 1)
    if not low <= value <= high:
        raise _overflow(label)
    return value


# ================================================================================================
# torch.tensor: Python data to an array
# ================================================================================================

_UNSUPPORTED_NUMPY = ("can't convert np.ndarray of type {}. The only supported types are: "
                      "float64, float32, float16, complex64, complex128, int64, int32, int16, "
                      "int8, uint64, uint32, uint16, uint8, and bool.")


def numpy_dtype_of(np_dtype) -> D.dtype:
    """The ember dtype of a NumPy dtype, with PyTorch's TypeError for unsupported ones."""
    found = D._BY_NP.get(np.dtype(np_dtype))
    if found is None:
        raise TypeError(_UNSUPPORTED_NUMPY.format(f"numpy.{np.dtype(np_dtype).type.__name__}"))
    return found


def _scalar_kind_dtype(value) -> D.dtype | None:
    # Exact Python number types first (bool is an int subclass).
    t = type(value)
    if t is builtins.float:
        return D.get_default_dtype()
    if t is builtins.int:
        return D.int64
    if t is builtins.bool:
        return D.bool
    if t is builtins.complex:
        return D.get_default_dtype().to_complex()
    return None


def _is_sequence(obj) -> bool:
    if isinstance(obj, (list, tuple, builtins.range)):
        return True
    if isinstance(obj, (Tensor, str, bytes, dict, set, frozenset, np.generic)):
        return False
    if isinstance(obj, np.ndarray):
        return True
    return hasattr(obj, "__len__") and hasattr(obj, "__getitem__") and not hasattr(obj, "keys")


def infer_dtype(data) -> D.dtype:
    """The dtype ``torch.tensor(data)`` picks: Python numbers by kind, NumPy values and tensors
    by their dtype, promoted across a nested sequence."""
    found = _scalar_kind_dtype(data)
    if found is not None:
        return found
    if isinstance(data, Tensor):
        return data.dtype
    if isinstance(data, str):
        raise TypeError("new(): invalid data type 'str'")
    if isinstance(data, np.ndarray):
        return numpy_dtype_of(data.dtype)
    if isinstance(data, np.generic):
        return numpy_dtype_of(data.dtype)
    if isinstance(data, builtins.bool):
        return D.bool
    if isinstance(data, builtins.int):
        return D.int64
    if isinstance(data, builtins.float):
        return D.get_default_dtype()
    if isinstance(data, builtins.complex):
        return D.get_default_dtype().to_complex()
    if _is_sequence(data):
        return _infer_sequence(data)
    raise RuntimeError(f"Could not infer dtype of {type(data).__name__}")


def _infer_sequence(seq) -> D.dtype:
    if isinstance(seq, (list, tuple)):
        kinds = set(map(type, seq))
        # The common case, a flat list of Python numbers, is decided from the set of types.
        if kinds and kinds <= {builtins.bool, builtins.int, builtins.float, builtins.complex}:
            if builtins.complex in kinds:
                return D.get_default_dtype().to_complex()
            if builtins.float in kinds:
                return D.get_default_dtype()
            return D.int64 if builtins.int in kinds else D.bool
    result = None
    for item in seq:
        found = infer_dtype(item)
        result = found if result is None else D.promote_types(result, found)
    return D.get_default_dtype() if result is None else result


def _compute_sizes(data) -> list:
    # PyTorch reads the shape along the chain of first elements.
    sizes = []
    obj = data
    while _is_sequence(obj) or isinstance(obj, str):
        if isinstance(obj, str):
            raise ValueError("too many dimensions 'str'")
        if isinstance(obj, np.ndarray):
            if obj.ndim == 0:
                raise TypeError("len() of unsized object")
            sizes.extend(obj.shape)
            break
        n = len(obj)
        sizes.append(n)
        if n == 0:
            break
        obj = obj[0]
    return sizes


def _has_special(seq) -> bool:
    # Tensors inside Python data are read as scalars; find them so they can be unpacked.
    if isinstance(seq, (list, tuple)):
        kinds = set(map(type, seq))
        if kinds <= {builtins.bool, builtins.int, builtins.float, builtins.complex}:
            return False
        for item in seq:
            if isinstance(item, Tensor) or (_is_sequence(item) and not isinstance(item, np.ndarray)
                                            and _has_special(item)):
                return True
        return False
    return any(isinstance(item, Tensor) or (_is_sequence(item) and _has_special(item))
               for item in seq)


def _unpack_tensors(seq, integral: builtins.bool):
    out = []
    for item in seq:
        if isinstance(item, Tensor):
            if item.numel() != 1:
                if integral:
                    raise TypeError("only integer tensors of a single element can be converted "
                                    "to an index")
                raise ValueError("only one element tensors can be converted to Python scalars")
            out.append(item.item())
        elif _is_sequence(item) and not isinstance(item, np.ndarray):
            out.append(_unpack_tensors(item, integral))
        else:
            out.append(item)
    return out


def _leaf_error(obj, target: D.dtype) -> TypeError:
    if target.is_floating_point or target.is_complex:
        return TypeError(f"must be real number, not {type(obj).__name__}")
    return TypeError(f"'{type(obj).__name__}' object cannot be interpreted as an integer")


def _check_structure(obj, sizes: list, dim: builtins.int, target: D.dtype) -> None:
    """Walk ``obj`` against ``sizes`` and raise the error PyTorch raises for the first problem."""
    if dim == len(sizes):
        if isinstance(obj, builtins.complex) and not target.is_complex:
            raise TypeError("must be real number, not complex")
        if not isinstance(obj, _SCALAR_TYPES + (Tensor,)) and not (
                isinstance(obj, np.ndarray) and obj.ndim == 0):
            raise _leaf_error(obj, target)
        if isinstance(obj, builtins.int) and not isinstance(obj, builtins.bool) and \
                (target.is_floating_point is False and target.is_complex is False) and \
                not -(1 << 63) <= obj < (1 << 63):
            raise ValueError("Overflow when unpacking long long")
        return
    if not _is_sequence(obj):
        raise TypeError("not a sequence")
    n = len(obj)
    if n != sizes[dim]:
        raise ValueError(f"expected sequence of length {sizes[dim]} at dim {dim} (got {n})")
    for item in obj:
        _check_structure(item, sizes, dim + 1, target)


def _natural_array(data, sizes: list, target: D.dtype) -> np.ndarray:
    """The values of nested Python data as a NumPy array in the dtype NumPy picks for them."""
    integral = not (target.is_floating_point or target.is_complex)
    if isinstance(data, (list, tuple)) and _has_special(data):
        data = _unpack_tensors(data, integral)
    try:
        arr = np.array(data)
    except (ValueError, TypeError, OverflowError):
        arr = None
    if arr is None or arr.dtype.kind not in "biufc" or list(arr.shape) != sizes:
        _check_structure(data, sizes, 0, target)
        if arr is not None and arr.dtype == object and not integral:
            # Python ints beyond int64 are fine for floating targets.
            return np.array(data, dtype=np.float64 if not target.is_complex else np.complex128)
        if arr is None or arr.dtype.kind not in "biufc":
            raise ValueError(f"could not convert data of type {type(data).__name__} to a tensor")
        raise ValueError(f"expected a regular nested sequence of shape {sizes}")
    if arr.dtype == np.uint64 and integral:
        raise ValueError("Overflow when unpacking long long")
    return arr


def _convert_checked(arr: np.ndarray, target: D.dtype, label: str) -> np.ndarray:
    """``arr`` (values read from Python data) in ``target`` with PyTorch's overflow checks."""
    kind = arr.dtype.kind
    np_target = target.np
    if kind == "c" and not target.is_complex and target is not D.bool:
        raise TypeError("must be real number, not complex")
    if target is D.bool:
        return arr.astype(np.bool_)
    if target.is_floating_point or target.is_complex:
        if arr.dtype == np_target:
            return arr
        if kind in "iu":
            arr = arr.astype(np.float64)
        if np_target in (np.float16, D.bfloat16.np) and arr.dtype != np.float32:
            # Python floats go through a C float on their way to a half type.
            with np.errstate(over="ignore"):
                arr = arr.astype(np.float32)
        with np.errstate(over="ignore", invalid="ignore"):
            return arr.astype(np_target)
    if arr.dtype == np_target:
        return arr
    low, high = _real_limits(target)
    if arr.size:
        if kind == "f":
            if not np.isfinite(arr).all() or arr.min() < low or arr.max() > high:
                raise _overflow(label)
        elif kind in "iu":
            smallest, largest = builtins.int(arr.min()), builtins.int(arr.max())
            if low == 0:
                if largest > high or -smallest > high:
                    raise _overflow(label)
            elif smallest < low or largest > high:
                raise _overflow(label)
    with np.errstate(invalid="ignore", over="ignore"):
        return arr.astype(np_target)


_PYTHON_NUMBERS = frozenset((builtins.bool, builtins.int, builtins.float, builtins.complex))


def _kinds_dtype(kinds) -> D.dtype:
    # The dtype of a set of Python number types (bool < int < float < complex).
    if builtins.complex in kinds:
        return D.get_default_dtype().to_complex()
    if builtins.float in kinds:
        return D.get_default_dtype()
    return D.int64 if builtins.int in kinds else D.bool


def _fast_python_data(data, dtype):
    """(array, dtype) for the common cases -- a Python number, or a list/tuple (of lists) of
    Python numbers -- or None to take the general path (which also produces the errors)."""
    kind = type(data)
    if kind in _PYTHON_NUMBERS:
        if kind is builtins.int and not -(1 << 63) <= data < (1 << 63):
            return None
        target = dtype if dtype is not None else _kinds_dtype((kind,))
        return np.array(data), target
    if kind is not list and kind is not tuple or not data:
        return None
    kinds = set(map(type, data))
    if kinds <= _PYTHON_NUMBERS:
        width = None
    elif kinds <= {list, tuple}:
        width = len(data[0])
        inner = set()
        for row in data:
            if len(row) != width:
                return None
            inner.update(map(type, row))
        if not inner or not inner <= _PYTHON_NUMBERS:
            return None
        kinds = inner
    else:
        return None
    arr = np.array(data)
    if arr.dtype.kind not in "biufc":
        return None
    return arr, (dtype if dtype is not None else _kinds_dtype(kinds))


def data_to_array(data, dtype: D.dtype | None, infer: builtins.bool = True):
    """Values of ``data`` as a new array of ``dtype`` (inferred when None), the way
    ``torch.tensor`` reads them.  Returns (array, dtype)."""
    fast = _fast_python_data(data, dtype)
    if fast is not None:
        natural, target = fast
        if natural.dtype == np.uint64 and not (target.is_floating_point or target.is_complex):
            raise ValueError("Overflow when unpacking long long")
        return _convert_checked(natural, target, target.name), target
    from .cast import cast_array
    if isinstance(data, Tensor):
        target = data.dtype if dtype is None else dtype
        src = data._data
        if isinstance(src, MetaArray):
            return MetaArray(src.shape, target.np), target
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return np.array(cast_array(data._host(), target.np), copy=True), target
    if isinstance(data, np.ndarray):
        source = numpy_dtype_of(data.dtype)
        target = source if dtype is None else dtype
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return np.array(cast_array(data, target.np), copy=True), target
    if isinstance(data, str):
        raise TypeError("new(): invalid data type 'str'")
    if not infer and not _is_sequence(data):
        raise TypeError(f"new(): data must be a sequence (got {type_name(data)})")
    if isinstance(data, np.generic) and not isinstance(data, (np.number, np.bool_)):
        raise TypeError(_UNSUPPORTED_NUMPY.format(f"numpy.{type(data).__name__}"))
    if not isinstance(data, _SCALAR_TYPES) and not _is_sequence(data):
        if hasattr(data, "__array__") or hasattr(data, "__array_interface__"):
            return data_to_array(np.asarray(data), dtype, infer)
        raise RuntimeError(f"Could not infer dtype of {type(data).__name__}")
    sizes = _compute_sizes(data)
    target = dtype if dtype is not None else infer_dtype(data)
    if 0 in sizes:
        # Nothing is read from data with no elements, so its structure is not checked.
        return np.empty(sizes, target.np), target
    if isinstance(data, _SCALAR_TYPES):
        if isinstance(data, builtins.int) and not isinstance(data, builtins.bool) and \
                not (target.is_floating_point or target.is_complex) and \
                not -(1 << 63) <= data < (1 << 63):
            raise ValueError("Overflow when unpacking long long")
        natural = np.array(data)
    else:
        natural = _natural_array(data, sizes, target)
    return _convert_checked(natural, target, target.name), target


# ================================================================================================
# tensor, as_tensor, asarray, from_numpy, scalar_tensor
# ================================================================================================

_COPY_WARNING = ("To copy construct from a tensor, it is recommended to use "
                 "sourceTensor.detach().clone() or sourceTensor.detach().clone().requires_grad_"
                 "(True), rather than {}.")


def tensor(data, *, dtype: D.dtype | None = None, device=None, requires_grad: bool = False,
           pin_memory: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (a number, nested sequence, array or tensor)."""
    if isinstance(data, Tensor):
        warnings.warn(_COPY_WARNING.format("torch.tensor(sourceTensor)"), UserWarning,
                      stacklevel=2)
    dev = factory_device(device)
    arr, _ = data_to_array(data, dtype)
    if isinstance(arr, MetaArray) and dev.type != "meta":
        if device is not None:
            raise NotImplementedError("Cannot copy out of meta tensor; no data!")
        dev = data.device  # a copy of a meta tensor stays on meta unless told otherwise
    return finish(place(arr, dev), requires_grad)


def scalar_tensor(s, *, dtype: D.dtype | None = None, layout=None, device=None,
                  requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """A zero-dimensional tensor holding the number ``s`` (default dtype unless given)."""
    if isinstance(s, Tensor):
        s = s.item()
    if not isinstance(s, _SCALAR_TYPES):
        raise TypeError(f"scalar_tensor(): argument 's' (position 1) must be Number, not "
                        f"{type_name(s)}")
    target = D.get_default_dtype() if dtype is None else dtype
    value = checked_scalar(s, target)
    return finish(new_array((), target.np, factory_device(device), value), requires_grad)


def as_tensor(data, dtype: D.dtype | None = None, device=None) -> Tensor:
    """``data`` as a tensor, sharing memory with a tensor or CPU NumPy array when no dtype or
    device conversion is needed."""
    if isinstance(data, Tensor):
        return data.to(device=as_device(device) if device is not None else None, dtype=dtype)
    dev = factory_device(device)
    if isinstance(data, np.ndarray) and dev.type == "cpu":
        t = from_numpy(data) if data.dtype.byteorder != ">" else wrap(data.astype(
            data.dtype.newbyteorder("=")))
        return t if dtype is None else t.to(dtype)
    arr, _ = data_to_array(data, dtype)
    return wrap(place(arr, dev))


def asarray(obj, *, dtype: D.dtype | None = None, device=None, copy: bool | None = None,
            requires_grad: bool | None = None) -> Tensor:
    """``obj`` as a tensor, sharing memory when possible (``copy=True`` always copies,
    ``copy=False`` refuses to)."""
    if isinstance(obj, Tensor):
        target = obj.to(device=as_device(device) if device is not None else None, dtype=dtype)
        if copy is False and target is not obj:
            raise ValueError("can't alias tensor from device to device with different dtype")
        if copy and target is obj:
            target = obj.clone()
        if requires_grad is None:
            if obj._rg:
                warnings.warn("torch.asarray: unspecified requires_grad now defaults to "
                              "obj.requires_grad instead of False. Pass requires_grad=False "
                              "explicitly to get the old behavior and silence this warning.",
                              UserWarning, stacklevel=2)
            return target
        if not requires_grad and target._rg:
            target = target.detach()
        elif requires_grad and not target._rg:
            target = target.detach().requires_grad_(True) if target.grad_fn is None else target
        return target
    dev = factory_device(device)
    if isinstance(obj, np.ndarray) and dev.type == "cpu" and not copy:
        t = from_numpy(obj)
        if dtype is not None and dtype is not t.dtype:
            if copy is False:
                raise ValueError("can't alias NumPy arrays with different dtypes")
            t = t.to(dtype)
    else:
        if copy is False and not isinstance(obj, np.ndarray):
            pass  # Python data is always read into new memory.
        arr, _ = data_to_array(obj, dtype)
        t = wrap(place(arr, dev))
    if requires_grad:
        t.requires_grad_(True)
    return t


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``ndarray`` (writes show on both sides)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type_name(ndarray)})")
    if any(s < 0 for s in ndarray.strides):
        raise ValueError("At least one stride in the given numpy array is negative, and tensors "
                         "with negative strides are not currently supported. (You can probably "
                         "work around this by making a copy of your array  with array.copy().) ")
    numpy_dtype_of(ndarray.dtype)
    if ndarray.dtype.byteorder == ">":
        raise ValueError("given numpy array has byte order different from the native byte order. "
                         "Conversion between byte orders is currently not supported.")
    return wrap(ndarray)


def from_dlpack(ext_tensor) -> Tensor:
    """A tensor sharing memory with any object that implements the DLPack protocol."""
    if isinstance(ext_tensor, Tensor):
        return ext_tensor
    return wrap(np.from_dlpack(ext_tensor))


def frombuffer(buffer, *, dtype: D.dtype, count: int = -1, offset: int = 0,
               requires_grad: bool = False) -> Tensor:
    """A 1-D tensor viewing the bytes of a Python buffer object (no copy)."""
    view = memoryview(buffer)
    nbytes = view.nbytes
    itemsize = dtype.itemsize
    if offset < 0 or offset >= nbytes and nbytes:
        raise ValueError(f"both buffer length ({nbytes}) and offset ({offset}) must be positive")
    if count == -1 and (nbytes - offset) % itemsize:
        raise ValueError(f"buffer length ({nbytes - offset} bytes) after offset ({offset} bytes) "
                         f"must be a multiple of element size ({itemsize})")
    arr = np.frombuffer(buffer, dtype=dtype.np, count=count, offset=offset)
    return finish(arr, requires_grad)


# ================================================================================================
# Filled factories
# ================================================================================================

def _filled_factory(name: str, fill, args, size, out, dtype, device, requires_grad,
                    memory_format=None) -> Tensor:
    shape = parse_size(args, name, size)
    check_shape(shape, name)
    target = factory_dtype(dtype, out, name)
    dev = factory_device(device) if out is None or device is not None else out.device
    data = new_array(shape, target.np, dev, fill)
    if memory_format is not None and getattr(memory_format, "name", "") in (
            "channels_last", "channels_last_3d"):
        data = _channels_last(data, shape, memory_format, dev)
    result = finish(data, requires_grad)
    return result if out is None else write_factory_out(out, result)


def _channels_last(data, shape, memory_format, dev):
    rank = 4 if memory_format.name == "channels_last" else 5
    if len(shape) != rank:
        raise RuntimeError(f"required rank {rank} tensor to use {memory_format.name} format")
    order = (0,) + tuple(builtins.range(2, rank)) + (1,)
    permuted = tuple(shape[d] for d in order)
    inverse = tuple(np.argsort(order).tolist())
    if dev.type == "meta":
        return MetaArray(permuted, data.dtype).transpose(inverse)
    return np.empty(permuted, data.dtype).transpose(inverse)


def zeros(*args, size=None, out=None, dtype=None, layout=None, device=None,
          requires_grad=False, pin_memory=False, names=None) -> Tensor:
    """A tensor of zeros of the given shape."""
    return _filled_factory("zeros", 0, args, size, out, dtype, device, requires_grad)


def ones(*args, size=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
         pin_memory=False, names=None) -> Tensor:
    """A tensor of ones of the given shape."""
    return _filled_factory("ones", 1, args, size, out, dtype, device, requires_grad)


def empty(*args, size=None, out=None, dtype=None, layout=None, device=None,
          requires_grad=False, pin_memory=False, memory_format=None, names=None) -> Tensor:
    """An uninitialized tensor of the given shape."""
    return _filled_factory("empty", None, args, size, out, dtype, device, requires_grad,
                           memory_format)


def fill_value_dtype(fill_value, name: str) -> D.dtype:
    """The dtype ``full`` infers from its fill value: bool, int64, default float or complex."""
    if isinstance(fill_value, (builtins.bool, np.bool_)):
        return D.bool
    if isinstance(fill_value, (builtins.int, np.integer)):
        return D.int64
    if isinstance(fill_value, (builtins.float, np.floating)):
        return D.get_default_dtype()
    if isinstance(fill_value, (builtins.complex, np.complexfloating)):
        return D.get_default_dtype().to_complex()
    raise TypeError(f"{name}(): argument 'fill_value' (position 2) must be Number, not "
                    f"{type_name(fill_value)}")


def _number(value, name: str, arg: str = "fill_value", position: int = 2):
    """A Python number from a number, NumPy scalar or one-element tensor argument."""
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise TypeError(f"{name}(): argument '{arg}' (position {position}) must be Number, "
                            f"not Tensor")
        return value.item()
    if isinstance(value, _SCALAR_TYPES):
        return value
    raise TypeError(f"{name}(): argument '{arg}' (position {position}) must be Number, not "
                    f"{type_name(value)}")


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None,
         requires_grad=False, pin_memory=False) -> Tensor:
    """A tensor of shape ``size`` filled with ``fill_value``; the dtype follows the value
    (bool, int64, the default float, or complex) unless given."""
    shape = sequence_size(size, "full")
    value = _number(fill_value, "full")
    if dtype is None and out is None:
        # np.bool_ is a NumPy scalar PyTorch reads as a float; Python bools stay bool.
        dtype = D.get_default_dtype() if isinstance(value, np.bool_) else \
            fill_value_dtype(value if not isinstance(fill_value, Tensor) else
                             fill_value.item(), "full")
    target = factory_dtype(dtype, out, "full")
    check_shape(shape)
    value = checked_scalar(value, target)
    dev = factory_device(device)
    result = finish(new_array(shape, target.np, dev, value), requires_grad)
    return result if out is None else write_factory_out(out, result)


def empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad=False,
                  pin_memory=False) -> Tensor:
    """An uninitialized tensor with the given sizes and (element) strides."""
    shape = sequence_size(size, "empty_strided")
    strides = sequence_size(stride, "empty_strided")
    if len(shape) != len(strides):
        raise RuntimeError(f"dimensionality of sizes ({len(shape)}) must match dimensionality of "
                           f"strides ({len(strides)})")
    check_shape(shape)
    target = D.get_default_dtype() if dtype is None else dtype
    dev = factory_device(device)
    return finish(strided_array(shape, strides, target.np, dev), requires_grad)


def strided_array(shape: tuple, strides: tuple, np_dtype, dev):
    """A new array whose memory is laid out with the given element strides."""
    itemsize = np.dtype(np_dtype).itemsize
    if dev.type == "meta":
        return MetaArray(shape, np_dtype, tuple(s * itemsize for s in strides))
    if builtins.any(s == 0 for s in shape):
        return np.empty(shape, np_dtype)
    extent = 1 + builtins.sum((n - 1) * s for n, s in zip(shape, strides))
    storage = np.empty(extent, np_dtype)
    return np.lib.stride_tricks.as_strided(storage, shape, tuple(s * itemsize for s in strides))


# -- *_like ----------------------------------------------------------------------------------------

def _require_tensor(input, name: str) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type_name(input)}")


def like_array(input: Tensor, np_dtype, dev, memory_format=None):
    """A new uninitialized array shaped like ``input`` on ``dev``, keeping ``input``'s memory
    layout when it is dense (PyTorch's ``preserve_format``)."""
    arr = input._data
    shape = arr.shape
    fmt = getattr(memory_format, "name", "preserve_format")
    if fmt in ("channels_last", "channels_last_3d"):
        return _channels_last(MetaArray((), np_dtype) if dev.type == "meta" else
                              np.empty(0, np_dtype), shape, memory_format, dev)
    order = dense_order(arr) if fmt == "preserve_format" else None
    if order is None:
        return new_array(shape, np_dtype, dev)
    permuted = tuple(shape[d] for d in order)
    inverse = tuple(np.argsort(order).tolist())
    base = new_array(permuted, np_dtype, dev)
    return base.transpose(inverse)


def dense_order(arr):
    """The dimension order (outermost first) of a non-overlapping dense but permuted layout,
    or None when the array is row-major contiguous or not dense."""
    ndim = arr.ndim
    if ndim < 2:
        return None
    strides = arr.strides
    shape = arr.shape
    if arr.flags.c_contiguous:
        return None
    order = sorted(builtins.range(ndim), key=lambda d: (-strides[d], d))
    expected = arr.dtype.itemsize
    for d in reversed(order):
        if shape[d] != 1 and strides[d] != expected:
            return None
        expected *= shape[d]
    return tuple(order)


def _like_factory(name, input, fill, dtype, layout, device, requires_grad, memory_format):
    _require_tensor(input, name)
    target = input.dtype if dtype is None else dtype
    dev = input.device if device is None else as_device(device)
    data = like_array(input, target.np, dev, memory_format)
    if fill is not None:
        if dev.type != "meta":
            data[...] = fill
    return finish(data, requires_grad)


def zeros_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None) -> Tensor:
    """Zeros with the shape (and by default the dtype, device and layout) of ``input``."""
    return _like_factory("zeros_like", input, 0, dtype, layout, device, requires_grad,
                         memory_format)


def ones_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None) -> Tensor:
    """Ones with the shape (and by default the dtype, device and layout) of ``input``."""
    return _like_factory("ones_like", input, 1, dtype, layout, device, requires_grad,
                         memory_format)


def empty_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None) -> Tensor:
    """An uninitialized tensor shaped like ``input``."""
    return _like_factory("empty_like", input, None, dtype, layout, device, requires_grad,
                         memory_format)


def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None) -> Tensor:
    """``fill_value`` everywhere, shaped like ``input`` (in ``input``'s dtype unless given)."""
    _require_tensor(input, "full_like")
    target = input.dtype if dtype is None else dtype
    value = checked_scalar(_number(fill_value, "full_like"), target)
    return _like_factory("full_like", input, value, target, layout, device, requires_grad,
                         memory_format)


# -- Tensor.new_* ------------------------------------------------------------------------------

def _new_options(self: Tensor, dtype, device):
    return (self.dtype if dtype is None else dtype,
            self.device if device is None else as_device(device))


def new_tensor(self: Tensor, data, dtype=None, device=None, requires_grad=False, layout=None,
               pin_memory=False) -> Tensor:
    """A new tensor copying ``data``, by default in this tensor's dtype and on its device."""
    if isinstance(data, Tensor):
        warnings.warn(_COPY_WARNING.format("tensor.new_tensor(sourceTensor)"), UserWarning,
                      stacklevel=2)
    target, dev = _new_options(self, dtype, device)
    arr, _ = data_to_array(data, target)
    if isinstance(arr, MetaArray) and dev.type != "meta":
        raise NotImplementedError("Cannot copy out of meta tensor; no data!")
    return finish(place(arr, dev) if not isinstance(arr, MetaArray) else arr, requires_grad)


def _new_filled(self, name, fill, args, size, dtype, device, requires_grad):
    if not args and size is None:
        raise TypeError(f"{name}() missing 1 required positional arguments: \"size\"")
    shape = parse_size(args, name, size)
    check_shape(shape)
    target, dev = _new_options(self, dtype, device)
    return finish(new_array(shape, target.np, dev, fill), requires_grad)


def new_zeros(self: Tensor, *args, size=None, dtype=None, device=None, requires_grad=False,
              layout=None, pin_memory=False) -> Tensor:
    """Zeros of the given shape in this tensor's dtype and device (unless given)."""
    return _new_filled(self, "new_zeros", 0, args, size, dtype, device, requires_grad)


def new_ones(self: Tensor, *args, size=None, dtype=None, device=None, requires_grad=False,
             layout=None, pin_memory=False) -> Tensor:
    """Ones of the given shape in this tensor's dtype and device (unless given)."""
    return _new_filled(self, "new_ones", 1, args, size, dtype, device, requires_grad)


def new_empty(self: Tensor, *args, size=None, dtype=None, device=None, requires_grad=False,
              layout=None, pin_memory=False) -> Tensor:
    """An uninitialized tensor of the given shape in this tensor's dtype and device."""
    return _new_filled(self, "new_empty", None, args, size, dtype, device, requires_grad)


def new_full(self: Tensor, size, fill_value, *, dtype=None, device=None, requires_grad=False,
             layout=None, pin_memory=False) -> Tensor:
    """``fill_value`` everywhere, in this tensor's dtype and device unless given."""
    shape = sequence_size(size, "new_full")
    check_shape(shape)
    target, dev = _new_options(self, dtype, device)
    value = checked_scalar(_number(fill_value, "new_full"), target)
    return finish(new_array(shape, target.np, dev, value), requires_grad)


def new_empty_strided(self: Tensor, size, stride, *, dtype=None, device=None,
                      requires_grad=False, layout=None, pin_memory=False) -> Tensor:
    """An uninitialized tensor with the given sizes and strides, in this tensor's dtype/device."""
    target, dev = _new_options(self, dtype, device)
    return empty_strided(size, stride, dtype=target, device=dev, requires_grad=requires_grad)


def new(self: Tensor, *args, **kwargs) -> Tensor:
    """The legacy ``tensor.new(...)``: like ``torch.Tensor(...)`` in this tensor's dtype."""
    device = kwargs.pop("device", None)
    dev = self.device if device is None else as_device(device)
    return _legacy(self.dtype, args, kwargs, dev, typed=True, allow_any_device=True)


# ================================================================================================
# fill_ / zero_ / fill
# ================================================================================================

class FillBackward0(Node):
    # fill(self, scalar): no gradient reaches self.
    def backward(self, grad):
        return (zeros_like(grad),)


class FillBackward1(Node):
    # fill(self, value_tensor): the value receives the sum of the gradient.
    def backward(self, grad):
        g_self = zeros_like(grad) if self._next[0] is not None else None
        g_value = grad.sum() if self._next[1] is not None else None
        return g_self, g_value


FillBackward2 = type("FillBackward2", (FillBackward0,), {"__doc__": "fill_(scalar)"})
FillBackward3 = type("FillBackward3", (FillBackward1,), {"__doc__": "fill_(tensor)"})
ZeroBackward0 = type("ZeroBackward0", (FillBackward0,), {"__doc__": "zero_()"})


def _fill_operand(self: Tensor, value, name: str):
    """(checked scalar or 0-dim tensor, is_tensor) for a fill value."""
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise RuntimeError(f"{name} only supports 0-dimension value tensor but got tensor "
                               f"with {value._data.ndim} dimensions.")
        return value, True
    if not isinstance(value, _SCALAR_TYPES):
        raise TypeError(f"{name}() received an invalid combination of arguments - got "
                        f"({type_name(value)}), but expected one of:\n * (Tensor value)\n"
                        " * (Number value)\n")
    return checked_scalar(value, self.dtype), False


def _filled_like_self(self: Tensor, value, is_tensor: bool):
    arr = self._data
    if isinstance(arr, MetaArray):
        return MetaArray(arr.shape, arr.dtype)
    if is_tensor:
        from .cast import cast_array
        src = value._data
        if isinstance(src, MetaArray):
            raise NotImplementedError("Cannot copy out of meta tensor; no data!")
        return np.broadcast_to(cast_array(value._host(), arr.dtype), arr.shape).copy()
    return np.full(arr.shape, value, dtype=arr.dtype)


def fill(input: Tensor, value) -> Tensor:
    """A new tensor like ``input`` with every element set to ``value`` (``torch.fill``)."""
    value, is_tensor = _fill_operand(input, value, "fill")
    result = wrap(_filled_like_self(input, value, is_tensor))
    if grad_state.enabled and (input._rg or (is_tensor and value._rg)):
        if is_tensor:
            FillBackward1((input, value), result)
        else:
            FillBackward0((input,), result)
    return result


def fill_(self: Tensor, value) -> Tensor:
    """Set every element to ``value`` (a number or a 0-dim tensor), in place."""
    value, is_tensor = _fill_operand(self, value, "fill_")
    value_rg = is_tensor and value._rg
    if grad_state.enabled and (self._rg or value_rg):
        result = wrap(_filled_like_self(self, value, is_tensor))
        if is_tensor:
            FillBackward3((self, value), result)
        else:
            FillBackward2((self,), result)
        return apply_inplace(self, result)
    check_inplace(self)
    arr = self._data
    if not isinstance(arr, MetaArray):
        if is_tensor:
            if isinstance(value._data, MetaArray):
                raise NotImplementedError("Cannot copy out of meta tensor; no data!")
            from .cast import cast_array
            arr[...] = cast_array(value._host(), arr.dtype)
        else:
            arr.fill(value)
    self._bump_version()
    return self


def zero_(self: Tensor) -> Tensor:
    """Set every element to zero, in place."""
    if grad_state.enabled and self._rg:
        result = wrap(_filled_like_self(self, 0, False))
        ZeroBackward0((self,), result)
        return apply_inplace(self, result)
    check_inplace(self)
    arr = self._data
    if not isinstance(arr, MetaArray):
        arr.fill(0)
    self._bump_version()
    return self


# ================================================================================================
# Ranges: arange, range, linspace, logspace
# ================================================================================================

def _fma_terms(a, b, c):
    """(head, tail, tail_error): a*b + c == head + tail + tail_error exactly, with |tail| far
    below head's last bit (Dekker's exact product and two TwoSums)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    c = np.asarray(c, dtype=np.float64)
    p = a * b
    split = 134217729.0  # 2**27 + 1
    ta = a * split
    a_hi = ta - (ta - a)
    a_lo = a - a_hi
    tb = b * split
    b_hi = tb - (tb - b)
    b_lo = b - b_hi
    product_error = ((a_hi * b_hi - p) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo
    head, head_error = _two_sum(p, c)
    tail, tail_error = _two_sum(head_error, product_error)
    return p + c, head, tail, tail_error


def fma(a, b, c):
    """``a * b + c`` with a single rounding (float64), as a fused multiply-add computes it.

    NumPy has no FMA.  The exact value is kept as a sum of doubles, the small terms are added
    rounding to odd, and the final addition then rounds exactly once.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        plain, head, tail, tail_error = _fma_terms(a, b, c)
        result = head + _round_to_odd(tail, tail_error)
    finite = np.isfinite(result)
    return result if finite.all() else np.where(finite, result, plain)


def _fma_to_odd(a, b, c):
    # a*b + c rounded to odd in double: rounding that to float then gives the fused float result
    # (double has more than the two extra bits this needs).
    with np.errstate(over="ignore", invalid="ignore"):
        plain, head, tail, tail_error = _fma_terms(a, b, c)
        total, total_error = _two_sum(head, _round_to_odd(tail, tail_error))
        result = _round_to_odd(total, total_error)
    finite = np.isfinite(result)
    return result if finite.all() else np.where(finite, result, plain)


def _two_sum(x, y):
    total = x + y
    virtual = total - x
    return total, (x - (total - virtual)) + (y - virtual)


def _round_to_odd(value, remainder):
    # value + remainder rounded to odd: truncated toward zero, with the last bit forced to 1
    # whenever the sum was inexact.  A following round-to-nearest then rounds only once.
    inexact = remainder != 0
    value = np.where(inexact & (np.signbit(remainder) != np.signbit(value)),
                     np.nextafter(value, 0.0), value)
    even = (np.asarray(value, dtype=np.float64).view(np.int64) & 1) == 0
    away = np.copysign(np.inf, value)
    return np.where(inexact & even & (value != 0), np.nextafter(value, away), value)


def _fma32(a, b, c) -> np.ndarray:
    """``a * b + c`` for float operands, fused and rounded once to float32."""
    with np.errstate(over="ignore", invalid="ignore"):
        return np.asarray(_fma_to_odd(a, b, c)).astype(np.float32)


def _range_number(value, name: str, arg: str, position: int):
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise TypeError(f"{name}() received an invalid combination of arguments - got "
                            f"(Tensor, ...), but expected one of:\n"
                            " * (Number end, *, Tensor out, torch.dtype dtype, torch.layout "
                            "layout, torch.device device, bool pin_memory, bool requires_grad)\n")
        return value.item()
    if isinstance(value, _SCALAR_TYPES):
        if isinstance(value, np.generic):
            return value.item()
        return value
    raise TypeError(f"{name}(): argument '{arg}' (position {position}) must be Number, not "
                    f"{type_name(value)}")


def _is_floating_value(value) -> builtins.bool:
    return isinstance(value, (builtins.float, builtins.complex))


def _as_real(value):
    return value.real if isinstance(value, builtins.complex) else value


def _to_int64(value) -> builtins.int:
    # Scalar.to<int64_t>(): truncation toward zero.
    return builtins.int(value)


def _not_implemented(op: str, dtype: D.dtype) -> NotImplementedError:
    return NotImplementedError(f"\"{op}\" not implemented for '{_type_word(dtype)}'")


def arange_size(start, end, step, dtype: D.dtype) -> builtins.int:
    """The number of elements ``arange`` produces (PyTorch's ``compute_arange_size``)."""
    dstart, dend, dstep = (builtins.float(_as_real(v)) for v in (start, end, step))
    if not (dstep > 0 or dstep < 0):
        raise RuntimeError("step must be nonzero")
    if not (math.isfinite(dstart) and math.isfinite(dend)):
        raise RuntimeError(f"unsupported range: {_format_double(dstart)} -> "
                           f"{_format_double(dend)}")
    if not ((dstep > 0 and dend >= dstart) or (dstep < 0 and dend <= dstart)):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    if dtype is D.int64:
        xstart, xend, xstep = (_to_int64(_as_real(v)) for v in (start, end, step))
        if xstep == 0:
            raise ValueError("step must be nonzero")
        sign = (xstep > 0) - (xstep < 0)
        numerator = xend - xstart + xstep - sign
        # C++ integer division truncates toward zero.
        quotient = builtins.abs(numerator) // builtins.abs(xstep)
        size = quotient if (numerator >= 0) == (xstep > 0) else -quotient
        size_d = builtins.float(size)
    else:
        size_d = math.ceil((dend - dstart) / dstep)
    if not (size_d >= 0 and size_d <= 9.223372036854775807e18):
        raise RuntimeError("invalid size, possible overflow?")
    return builtins.int(size_d)


def _format_double(value: builtins.float) -> str:
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if math.isnan(value):
        return "nan"
    return f"{value:g}"


def arange_values(start, end, step, dtype: D.dtype, n: builtins.int) -> np.ndarray:
    """The values of PyTorch's CPU ``arange`` kernel, bit for bit."""
    np_dtype = dtype.np
    if dtype.is_floating_point:
        if dtype is D.float64 or dtype is D.float32:
            start_d, step_d = builtins.float(_as_real(start)), builtins.float(_as_real(step))
            lanes = 4 if dtype is D.float64 else 8
            return _vectorized_arange(start_d, step_d, n, lanes, np_dtype, fma)
        # Half types accumulate in float; their vectors hold 16 lanes.
        start_f = np.float32(_as_real(start))
        step_f = np.float32(_as_real(step))
        return _vectorized_arange(start_f, step_f, n, 16, np_dtype,
                                  lambda a, b, c: _fma32(a, b, c).astype(np.float64))
    # Integer types accumulate in int64 (wrapping on overflow, then narrowing).
    first = _to_int64(_as_real(start))
    stride = _to_int64(_as_real(step))
    with np.errstate(over="ignore"):
        values = np.int64(first) + np.int64(stride) * np.arange(n, dtype=np.int64)
    return values.astype(np_dtype)


_GRAIN_SIZE = 32768   # at::internal::GRAIN_SIZE: at::parallel_for splits only longer ranges


def _parallel_ranges(n: builtins.int) -> list:
    """The [begin, end) ranges that PyTorch's OpenMP ``at::parallel_for`` hands its threads for
    ``n`` elements, with ember's thread count standing in for PyTorch's (both default to the
    machine's cores)."""
    threads = _cpu.get_num_threads()
    if n <= _GRAIN_SIZE or threads == 1:
        return [(0, n)]
    size = -(-n // builtins.min(threads, -(-n // _GRAIN_SIZE)))
    return [(begin, builtins.min(n, begin + size)) for begin in builtins.range(0, n, size)]


def _vectorized_arange(start, step, n, lanes, np_dtype, fused):
    # Each thread's range fills whole vectors (two at a time) from a base computed per vector,
    # then finishes its tail element by element; where a range begins moves the vector bases,
    # which a low-precision dtype rounds, so the split is part of the result.
    out = np.empty(n, dtype=np_dtype)
    with np.errstate(over="ignore"):   # beyond the dtype's range: inf, as the C++ casts give
        for begin, end in _parallel_ranges(n):
            full = begin + ((end - begin) // (2 * lanes)) * (2 * lanes)
            if full > begin:
                offset = np.arange(full - begin, dtype=np.int64)
                lane = offset % lanes
                block_start = (begin + offset - lane).astype(np.float64)
                base = fused(step, block_start, start).astype(np_dtype).astype(np.float64)
                out[begin:full] = fused(lane.astype(np.float64), np.float64(step),
                                        base).astype(np_dtype)
            if full < end:
                tail = np.arange(full, end, dtype=np.float64)
                out[full:end] = fused(step, tail, start).astype(np_dtype)
    return out


def arange(start=_MISSING, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad=False, pin_memory=False) -> Tensor:
    """Values from ``start`` up to (not including) ``end`` spaced by ``step``.

    The dtype is int64 when all of start/end/step are integers, else the default float.
    """
    given = [v for v in (start, end) if v is not _MISSING and v is not None]
    if builtins.any(isinstance(v, Tensor) and v._data.ndim for v in given + [step]):
        got = ", ".join(type_name(v) for v in given)
        raise TypeError(f"arange() received an invalid combination of arguments - got ({got}), "
                        "but expected one of:\n * (Number end, *, Tensor out, ...)\n"
                        " * (Number start, Number end, *, ...)\n"
                        " * (Number start, Number end, Number step, *, ...)\n")
    if start is _MISSING:
        if end is None:
            raise TypeError("arange() missing 1 required positional arguments: \"end\"")
        start = 0
    if end is None:
        end = _range_number(start, "arange", "end", 1)
        start = 0
    else:
        start = _range_number(start, "arange", "start", 1)
        end = _range_number(end, "arange", "end", 2)
    step = _range_number(step, "arange", "step", 3)
    if dtype is None and out is None:
        floating = builtins.any(_is_floating_value(v) for v in (start, end, step))
        dtype = D.get_default_dtype() if floating else D.int64
    target = factory_dtype(dtype, out, "arange")
    if target is D.bool or target.is_complex:
        raise _not_implemented("arange_cpu", target)
    n = arange_size(start, end, step, target)
    dev = factory_device(device)
    if dev.type == "meta":
        data = MetaArray((n,), target.np)
    else:
        data = place(arange_values(start, end, step, target, n), dev)
    result = finish(data, requires_grad)
    if out is None:
        return result
    if out.numel() != n and out.numel() > 0:
        warnings.warn(f"The number of elements in the out tensor of shape {shape_str(out.shape)} "
                      f"is {out.numel()} which does not match the computed number of elements "
                      f"{n}. Note that this may occur as a result of rounding error. The out "
                      f"tensor will be resized to a tensor of shape ({n},).", UserWarning,
                      stacklevel=2)
    return write_factory_out(out, result)


def range(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
          requires_grad=False, pin_memory=False) -> Tensor:
    """Deprecated inclusive range: values from ``start`` to ``end`` including ``end``."""
    warnings.warn("torch.range is deprecated and will be removed in a future release because "
                  "its behavior is inconsistent with Python's range builtin. Instead, use "
                  "torch.arange, which produces values in [start, end).", UserWarning,
                  stacklevel=2)
    if end is None:
        start, end = 0, start
    start = _range_number(start, "range", "start", 1)
    end = _range_number(end, "range", "end", 2)
    step = _range_number(step, "range", "step", 3)
    target = factory_dtype(dtype, out, "range")
    if target is D.bool or target.is_complex:
        raise _not_implemented("range_cpu", target)
    dstart, dend, dstep = (builtins.float(_as_real(v)) for v in (start, end, step))
    if not (dstep > 0 or dstep < 0):
        raise RuntimeError("step must be nonzero")
    if not (math.isfinite(dstart) and math.isfinite(dend)):
        raise RuntimeError(f"unsupported range: {_format_double(dstart)} -> "
                           f"{_format_double(dend)}")
    if not ((dstep > 0 and dend >= dstart) or (dstep < 0 and dend <= dstart)):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    dev = factory_device(device)
    if target.is_floating_point:
        # Accumulates in double (float for the half types): xstart + i * xstep.
        if target in (D.float16, D.bfloat16):
            first, last, stride = np.float32(dstart), np.float32(dend), np.float32(dstep)
            n = builtins.int((last - first) / stride + 1)
            values = first + np.arange(n, dtype=np.float32) * stride
        else:
            n = builtins.int((dend - dstart) / dstep + 1)
            values = dstart + np.arange(n, dtype=np.float64) * dstep
        if target in (D.float16, D.bfloat16):
            values = values.astype(np.float32)
    else:
        xstart, xend, xstep = (_to_int64(_as_real(v)) for v in (start, end, step))
        if xstep == 0:
            raise RuntimeError("step must be nonzero")
        n = builtins.int((xend - xstart) / xstep + 1)
        values = np.int64(xstart) + np.int64(xstep) * np.arange(n, dtype=np.int64)
    data = MetaArray((n,), target.np) if dev.type == "meta" else \
        place(values.astype(target.np), dev)
    result = finish(data, requires_grad)
    return result if out is None else write_factory_out(out, result)


def _space_endpoint(value, name: str, which: str):
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise RuntimeError(f"{name} only supports 0-dimensional start and end tensors, but "
                               f"got {which} with {value._data.ndim} dimension(s).")
        return value.item()
    if isinstance(value, _SCALAR_TYPES):
        return value.item() if isinstance(value, np.generic) else value
    raise TypeError(f"{name}() received an invalid combination of arguments - got "
                    f"({type_name(value)}, ...)")


def _check_steps(start, end, steps, name: str) -> builtins.int:
    if steps is _MISSING:
        raise TypeError(f"{name}() received an invalid combination of arguments - got "
                        f"({type_name(start)}, {type_name(end)}), but expected one of:\n"
                        " * (Number start, Number end, int steps, ...)\n")
    if isinstance(steps, builtins.bool) or _as_size_item(steps) is None:
        raise TypeError(f"{name}() received an invalid combination of arguments - got "
                        f"({type_name(start)}, {type_name(end)}, {type_name(steps)}), but "
                        "expected one of:\n"
                        " * (Number start, Number end, int steps, ...)\n")
    steps = _as_size_item(steps)
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    return steps


def _space_dtype(start, end, dtype, out, name: str) -> D.dtype:
    inferred_complex = isinstance(start, builtins.complex) or isinstance(end, builtins.complex)
    default = D.get_default_dtype()
    if dtype is None and out is None:
        return default.to_complex() if inferred_complex else default
    target = factory_dtype(dtype, out, name)
    if inferred_complex and not target.is_complex:
        raise RuntimeError(f"torch.{name}(): inferred dtype "
                           f"{_CPP_NAMES[default.to_complex().name]} can't be safely cast to "
                           f"passed dtype {_type_word(target)}")
    return target


def linspace_values(start, end, steps: builtins.int, dtype: D.dtype) -> np.ndarray:
    """The values of PyTorch's CPU ``linspace`` kernel, bit for bit for real dtypes."""
    np_dtype = dtype.np
    if steps == 0:
        return np.empty(0, np_dtype)
    if steps == 1:
        return np.full(1, checked_scalar(start, dtype), dtype=np_dtype)
    idx = np.arange(steps, dtype=np.int64)
    halfway = steps // 2
    low, high = idx[:halfway], idx[halfway:]
    remaining = (steps - high - 1).astype(np.float64)
    out = np.empty(steps, dtype=np_dtype)
    if dtype is D.float64:
        first, last = builtins.float(start), builtins.float(end)
        step = (last - first) / (steps - 1)
        out[:halfway] = fma(step, low.astype(np.float64), first)
        out[halfway:] = fma(-step, remaining, last)
    elif dtype is D.float32:
        first, last = np.float32(start), np.float32(end)
        step = np.float32((last - first) / np.float32(steps - 1))
        out[:halfway] = _fma32(step, low, first)
        out[halfway:] = _fma32(-step, remaining, last)
    elif dtype.is_floating_point:
        # Half arithmetic: every operation rounds to the half type.
        # (a count beyond the half type's range is inf, as the C++ casts give, without warnings)
        with np.errstate(over="ignore", invalid="ignore"):
            half = np_dtype
            first, last = np.array(start, np.float32).astype(half), np.array(end, np.float32
                                                                              ).astype(half)
            diff = (last.astype(np.float32) - first.astype(np.float32)).astype(half)
            count = np.array(steps - 1, np.float32).astype(half)
            step = (diff.astype(np.float32) / count.astype(np.float32)).astype(half)
            step32 = step.astype(np.float32)
            low_h = low.astype(np.float32).astype(half).astype(np.float32)
            rem_h = remaining.astype(np.float32).astype(half).astype(np.float32)
            out[:halfway] = (first.astype(np.float32) + (step32 * low_h).astype(half).astype(
                np.float32)).astype(half)
            out[halfway:] = (last.astype(np.float32) - (step32 * rem_h).astype(half).astype(
                np.float32)).astype(half)
    elif dtype.is_complex:
        # complex * int64 scales both parts by the index; each part is a fused multiply-add.
        part = np.float32 if dtype is D.complex64 else np.float64
        fused = _fma32 if part is np.float32 else fma
        first = np.complex128(start).astype(np_dtype)
        last = np.complex128(end).astype(np_dtype)
        diff = last - first
        count = part(steps - 1)
        step_re, step_im = part(diff.real) / count, part(diff.imag) / count
        lows = low.astype(np.float64)
        out.real[:halfway] = fused(step_re, lows, first.real)
        out.imag[:halfway] = fused(step_im, lows, first.imag)
        out.real[halfway:] = fused(-step_re, remaining, last.real)
        out.imag[halfway:] = fused(-step_im, remaining, last.imag)
    else:
        first = checked_scalar(_as_real(start), dtype)
        last = checked_scalar(_as_real(end), dtype)
        if dtype is D.bool:
            first, last = builtins.int(first), builtins.int(last)
        step = (builtins.float(last) - builtins.float(first)) / (steps - 1)
        values = np.empty(steps, dtype=np.float64)
        values[:halfway] = fma(step, low.astype(np.float64), builtins.float(first))
        values[halfway:] = fma(-step, remaining, builtins.float(last))
        with np.errstate(invalid="ignore"):
            out = np.trunc(values).astype(np.int64).astype(np_dtype) if dtype is not D.bool \
                else values.astype(np.bool_)
    return out


def linspace(start, end, steps=_MISSING, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False, pin_memory=False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    steps = _check_steps(start, end, steps, "linspace")
    start = _space_endpoint(start, "linspace", "start")
    end = _space_endpoint(end, "linspace", "end")
    target = _space_dtype(start, end, dtype, out, "linspace")
    if target is D.bool:
        raise _not_implemented("linspace_cpu", target)
    dev = factory_device(device)
    if dev.type == "meta":
        data = MetaArray((steps,), target.np)
    else:
        data = place(linspace_values(start, end, steps, target), dev)
    result = finish(data, requires_grad)
    return result if out is None else write_factory_out(out, result)


def logspace_values(start, end, steps: builtins.int, base, dtype: D.dtype) -> np.ndarray:
    """The values of PyTorch's CPU ``logspace``: ``base ** linspace(start, end)``."""
    np_dtype = dtype.np
    if steps == 0:
        return np.empty(0, np_dtype)
    if dtype.is_complex:
        first = np.complex128(start).astype(np_dtype)
        last = np.complex128(end).astype(np_dtype)
        if steps == 1:
            return np.full(1, np.power(np.complex128(base), np.complex128(start)), np_dtype)
        step = (last - first) / np_dtype.type(steps - 1)
        idx = np.arange(steps)
        halfway = steps // 2
        exponents = np.where(idx < halfway, first + step * idx.astype(np_dtype),
                             last - step * (steps - idx - 1).astype(np_dtype))
        return np.power(np_dtype.type(base), exponents).astype(np_dtype)
    if steps == 1:
        with np.errstate(over="ignore", invalid="ignore"):
            value = np.power(builtins.float(base), builtins.float(_as_real(start)))
            return np.array([value]).astype(np_dtype)
    # Endpoints are converted to the result type first, the step computed in double.
    if dtype.is_floating_point:
        compute = np.float32 if dtype in (D.float16, D.bfloat16) else np_dtype
        first = np.array(_as_real(start)).astype(compute)
        last = np.array(_as_real(end)).astype(compute)
        if compute is not np_dtype:
            first, last = first.astype(np_dtype), last.astype(np_dtype)
        diff = (last.astype(np.float64) - first.astype(np.float64))
        diff = np.array(diff).astype(np_dtype).astype(np.float64)
        first_d = builtins.float(first)
        last_d = builtins.float(last)
    else:
        first_d = builtins.float(checked_scalar(_as_real(start), dtype))
        last_d = builtins.float(checked_scalar(_as_real(end), dtype))
        diff = np.float64(last_d - first_d)
    step = builtins.float(diff) / (steps - 1)
    idx = np.arange(steps, dtype=np.float64)
    halfway = steps // 2
    exponents = np.empty(steps)
    # This loop is plain C++ (no fused multiply-add), unlike the linspace kernel.
    exponents[:halfway] = first_d + step * idx[:halfway]
    exponents[halfway:] = last_d - step * (steps - idx[halfway:] - 1)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        values = np.power(np.float64(base), exponents)
        if dtype in (D.float16, D.bfloat16):
            return values.astype(np.float32).astype(np_dtype)
        if dtype.is_floating_point:
            return values.astype(np_dtype)
        return np.trunc(values).astype(np.int64).astype(np_dtype) if dtype is not D.bool \
            else values.astype(np.bool_)


def logspace(start, end, steps=_MISSING, base: float = 10.0, *, out=None, dtype=None, layout=None,
             device=None, requires_grad=False, pin_memory=False) -> Tensor:
    """``steps`` values from ``base**start`` to ``base**end``, evenly spaced in the exponent."""
    steps = _check_steps(start, end, steps, "logspace")
    start = _space_endpoint(start, "logspace", "start")
    end = _space_endpoint(end, "logspace", "end")
    if isinstance(base, Tensor):
        base = base.item()
    target = _space_dtype(start, end, dtype, out, "logspace")
    dev = factory_device(device)
    if dev.type == "meta":
        data = MetaArray((steps,), target.np)
    else:
        data = place(logspace_values(start, end, steps, base, target), dev)
    result = finish(data, requires_grad)
    return result if out is None else write_factory_out(out, result)


# ================================================================================================
# eye, tril_indices, triu_indices
# ================================================================================================

def _int_argument(value, name: str, arg: str, position: int) -> builtins.int:
    if isinstance(value, (builtins.bool, np.bool_)) or _as_size_item(value) is None:
        raise TypeError(f"{name}(): argument '{arg}' (position {position}) must be int, not "
                        f"{type_name(value)}")
    return _as_size_item(value)


def eye(n, m=_MISSING, *, out=None, dtype=None, layout=None, device=None, requires_grad=False,
        pin_memory=False) -> Tensor:
    """An ``n x m`` matrix (``m`` defaults to ``n``) with ones on the diagonal."""
    n = _int_argument(n, "eye", "n", 1)
    if m is _MISSING:
        m = n
    elif m is None:
        raise TypeError("eye() received an invalid combination of arguments - got (int, "
                        "NoneType), but expected one of:\n * (int n, *, Tensor out, ...)\n"
                        " * (int n, int m, *, Tensor out, ...)\n")
    else:
        m = _int_argument(m, "eye", "m", 2)
    if n < 0:
        raise RuntimeError(f"n must be greater or equal to 0, got {n}")
    if m < 0:
        raise RuntimeError(f"m must be greater or equal to 0, got {m}")
    target = factory_dtype(dtype, out, "eye")
    dev = factory_device(device)
    if dev.type == "meta":
        data = MetaArray((n, m), target.np)
    else:
        data = place(np.eye(n, m, dtype=target.np), dev)
    result = finish(data, requires_grad)
    return result if out is None else write_factory_out(out, result)


def _triangle_indices(name: str, row, col, offset, dtype, device, lower: builtins.bool):
    row = _int_argument(row, name, "row", 1)
    col = _int_argument(col, name, "col", 2)
    offset = _int_argument(offset, name, "offset", 3)
    target = D.int64 if dtype is None else dtype
    if target not in (D.int32, D.int64):
        raise _not_implemented(name, target)
    if row < 0:
        raise RuntimeError(f"row must be non-negative, got{row}")
    if col < 0:
        raise RuntimeError(f"col must be non-negative, got{col}")
    dev = factory_device(device)
    # Row-major order of the kept (r, c) pairs: c - r <= offset (lower) or >= offset (upper).
    r = np.arange(row, dtype=np.int64)[:, None]
    c = np.arange(col, dtype=np.int64)[None, :]
    mask = (c - r <= offset) if lower else (c - r >= offset)
    count = builtins.int(np.count_nonzero(mask)) if row and col else 0
    if dev.type == "meta":
        return wrap(MetaArray((2, count), target.np))
    rows, cols = np.nonzero(mask) if count else (np.empty(0, np.int64), np.empty(0, np.int64))
    return wrap(place(np.stack([rows, cols]).astype(target.np), dev))


def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None) -> Tensor:
    """The (2, N) coordinates of the lower triangle of a ``row x col`` matrix."""
    return _triangle_indices("tril_indices", row, col, offset, dtype, device, True)


def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None) -> Tensor:
    """The (2, N) coordinates of the upper triangle of a ``row x col`` matrix."""
    return _triangle_indices("triu_indices", row, col, offset, dtype, device, False)


# ================================================================================================
# complex, polar
# ================================================================================================

class ComplexBackward0(Node):
    def backward(self, grad):
        g_real = grad.real if self._next[0] is not None else None
        g_imag = grad.imag if self._next[1] is not None else None
        return g_real, g_imag


class PolarBackward0(Node):
    def backward(self, grad):
        (result,) = self.saved_tensors
        grad_conj = grad.conj()
        g_abs = (grad_conj * result.sgn()).real if self._next[0] is not None else None
        g_angle = (grad_conj * (result * 1j)).real if self._next[1] is not None else None
        return g_abs, g_angle


def _complex_operands(a, b, name: str, first: str, second: str):
    for value, arg, pos in ((a, first, 1), (b, second, 2)):
        if not isinstance(value, Tensor):
            raise TypeError(f"{name}(): argument '{arg}' (position {pos}) must be Tensor, not "
                            f"{type_name(value)}")
    if a.dtype is not b.dtype:
        raise RuntimeError(f"Expected object of scalar type {_type_word(a.dtype)} but got scalar "
                           f"type {_type_word(b.dtype)} for second argument")
    if a.dtype not in (D.float16, D.float32, D.float64):
        raise RuntimeError(f"Expected both inputs to be Half, Float or Double tensors but got "
                           f"{_type_word(a.dtype)} and {_type_word(b.dtype)}")
    if a.dtype is D.float16:
        raise TypeError("ember has no complex32 dtype: complex() of float16 tensors is not "
                        "supported")
    xa, xb = a._data, b._data
    if type(xa) is not type(xb):
        raise RuntimeError(f"Expected all tensors to be on the same device, but found at least "
                           f"two devices, {a.device} and {b.device}!")
    try:
        np.broadcast_shapes(xa.shape, xb.shape)
    except ValueError:
        raise RuntimeError(_broadcast_message(xa.shape, xb.shape)) from None
    return xa, xb, a.dtype.to_complex()


def _broadcast_message(sa, sb) -> str:
    for i in builtins.range(1, builtins.max(len(sa), len(sb)) + 1):
        x = sa[-i] if i <= len(sa) else 1
        y = sb[-i] if i <= len(sb) else 1
        if x != y and x != 1 and y != 1:
            dim = builtins.max(len(sa), len(sb)) - i
            return (f"The size of tensor a ({x}) must match the size of tensor b ({y}) at "
                    f"non-singleton dimension {dim}")
    return "shape mismatch"


def _check_complex_out(out, target: D.dtype):
    if out is not None and out.dtype is not target:
        raise RuntimeError(f"Expected object of scalar type {_type_word(target)} but got scalar "
                           f"type {_type_word(out.dtype)} for argument 'out'")


def complex(real: Tensor, imag: Tensor, *, out=None) -> Tensor:
    """The complex tensor ``real + 1j * imag`` (float32 -> complex64, float64 -> complex128)."""
    xr, xi, target = _complex_operands(real, imag, "complex", "real", "imag")
    _check_complex_out(out, target)
    if isinstance(xr, MetaArray):
        data = MetaArray(np.broadcast_shapes(xr.shape, xi.shape), target.np)
    else:
        shape = np.broadcast_shapes(xr.shape, xi.shape)
        data = np.empty(shape, target.np)
        data.real = xr
        data.imag = xi
    result = wrap(data)
    if grad_state.enabled and (real._rg or imag._rg):
        ComplexBackward0((real, imag), result)
    return result if out is None else write_factory_out(out, result)


def polar(abs: Tensor, angle: Tensor, *, out=None) -> Tensor:
    """The complex tensor ``abs * (cos(angle) + 1j * sin(angle))``."""
    xa, xt, target = _complex_operands(abs, angle, "polar", "abs", "angle")
    _check_complex_out(out, target)
    if isinstance(xa, MetaArray):
        data = MetaArray(np.broadcast_shapes(xa.shape, xt.shape), target.np)
    else:
        shape = np.broadcast_shapes(xa.shape, xt.shape)
        data = np.empty(shape, target.np)
        # The C library's cosf/sinf are (nearly always) correctly rounded, as are double
        # results rounded to float; NumPy's own float32 kernels can differ in the last bit.
        angle64 = xt.astype(np.float64)
        data.real = xa * np.cos(angle64).astype(xt.dtype)
        data.imag = xa * np.sin(angle64).astype(xt.dtype)
    result = wrap(data)
    if grad_state.enabled and (abs._rg or angle._rg):
        PolarBackward0((abs, angle), result).save(result)
    return result if out is None else write_factory_out(out, result)


# ================================================================================================
# Legacy constructors: torch.Tensor(...), torch.FloatTensor(...), tensor.new(...)
# ================================================================================================

_CPP_OPTION_NAMES = {
    "float32": "float", "float64": "double", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
    "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
    "uint8": "unsigned char", "bool": "bool", "complex64": "c10::complex<float>",
    "complex128": "c10::complex<double>",
}


def _options_text(dtype: D.dtype, device) -> str:
    return (f"TensorOptions(dtype={_CPP_OPTION_NAMES[dtype.name]}, device={device}, "
            "layout=Strided, requires_grad=false (default), pinned_memory=false (default), "
            "memory_format=(nullopt))")


def legacy_new(dtype: D.dtype, /, *args, device=None, _typed: bool = False, **kwargs) -> Tensor:
    """``torch.Tensor(data)``, ``torch.Tensor(*sizes)`` and ``torch.Tensor()`` for one dtype.

    ``_typed`` marks the dtype-specific classes (``torch.LongTensor``), which refuse tensors of
    another dtype; ``torch.Tensor(t)`` itself aliases ``t`` whatever its dtype.
    """
    dev = CPU_DEVICE if device is None else as_device(device)
    return _legacy(dtype, args, kwargs, dev, typed=_typed, allow_any_device=False)


def _legacy(dtype: D.dtype, args: tuple, kwargs: dict, dev, typed: builtins.bool,
            allow_any_device: builtins.bool) -> Tensor:
    size = kwargs.pop("size", None)
    if kwargs:
        got = ", ".join([type_name(a) for a in args] +
                        [f"{k}={_kwarg_type(v)}" for k, v in kwargs.items()])
        raise TypeError(f"new() received an invalid combination of arguments - got ({got}), but "
                        "expected one of:\n * (*, torch.device device = None)\n"
                        " * (torch.Storage storage)\n * (Tensor other)\n"
                        " * (tuple of ints size, *, torch.device device = None)\n"
                        " * (object data, *, torch.device device = None)\n")
    if dev.type != "cpu" and not allow_any_device:
        raise RuntimeError(f"legacy constructor expects device type: cpu but device type: "
                           f"{dev.type} was passed")
    if size is not None:
        args = (size,) if not args else args
        shape = parse_size(args, "new")
        check_shape(shape)
        return wrap(new_array(shape, dtype.np, dev))
    if not args:
        return wrap(new_array((0,), dtype.np, dev))
    first = args[0]
    if len(args) == 1:
        from .._size import Size
        if isinstance(first, Tensor):
            if typed and first.dtype is not dtype:
                raise TypeError(f"expected {_options_text(dtype, dev)} (got "
                                f"{_options_text(first.dtype, first.device)})")
            return first.detach()
        if isinstance(first, Size):
            shape = tuple(first)
            check_shape(shape)
            return wrap(new_array(shape, dtype.np, dev))
        if _as_size_item(first) is None or isinstance(first, (builtins.bool, np.bool_)):
            if isinstance(first, str):
                raise TypeError("new(): invalid data type 'str'")
            if not _is_sequence(first) and not isinstance(first, np.ndarray):
                raise TypeError(f"new(): data must be a sequence (got {type_name(first)})")
            arr, _ = data_to_array(first, dtype, infer=False)
            return wrap(place(arr, dev))
    shape = parse_size(args, "new")
    check_shape(shape)
    return wrap(new_array(shape, dtype.np, dev))


def _kwarg_type(value) -> str:
    if isinstance(value, D.dtype):
        return "torch.dtype"
    return type_name(value)


from .._device import CPU as CPU_DEVICE  # noqa: E402

bind_methods(["new_tensor", "new_zeros", "new_ones", "new_empty", "new_full",
              "new_empty_strided", "new", "fill_", "zero_"], globals())

__all__ = ["tensor", "as_tensor", "asarray", "from_numpy", "from_dlpack", "frombuffer",
           "scalar_tensor", "zeros", "ones", "empty", "full", "empty_strided", "zeros_like",
           "ones_like", "empty_like", "full_like", "arange", "range", "linspace", "logspace",
           "eye", "tril_indices", "triu_indices", "complex", "polar", "fill", "fill_", "zero_"]
