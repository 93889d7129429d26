"""Tensor housekeeping that PyTorch exposes as functions and methods: queries (``typename``,
``is_same_size``, ``is_signed``, ``is_inference``, ``get_device``, ``storage_type``,
``is_pinned``), storage surgery (``resize_``, ``resize_as_``, ``set_``), elementwise Python
callbacks (``apply_``, ``map_``), ``fill_diagonal_``, ``sum_to_size``, the top-level function
forms of some in-place methods (``torch.neg_(x)``...) and the legacy typed storage classes
(``torch.FloatStorage``...).
"""
from __future__ import annotations

import builtins
import math
import numbers
import operator

import numpy as np

from .. import _dtype as D
from .._storage import TypedStorage, UntypedStorage, contiguous_strides, flat_bytes
from .._storage import storage_offset as _storage_offset
from .._tensor import Tensor
from .._tensor_type import legacy_type_name
from ..backends.meta import MetaArray
from ._dispatch import bind_methods, check_inplace, shape_str

_C_TYPES = {"float32": "float", "float64": "double", "float16": "c10::Half",
            "bfloat16": "c10::BFloat16", "int64": "long int", "int32": "int", "int16": "short int",
            "int8": "signed char", "uint8": "unsigned char", "bool": "bool",
            "complex64": "c10::complex<float>", "complex128": "c10::complex<double>"}


def _require_tensor(value, op: str, arg: str = "input", position: int = 1) -> None:
    if not isinstance(value, Tensor):
        raise TypeError(f"{op}(): argument '{arg}' (position {position}) must be Tensor, not "
                        f"{type(value).__name__}")


# ----------------------------------------------------------------------------------------------
# queries
# ----------------------------------------------------------------------------------------------

def typename(obj, /) -> str:
    """A readable type name: a tensor's legacy type (``'torch.FloatTensor'``), else the
    qualified name of ``obj`` (a class or function) or of its class."""
    if isinstance(obj, Tensor):
        return obj.type()
    module = getattr(obj, "__module__", "") or ""
    if hasattr(obj, "__qualname__"):
        qualname = obj.__qualname__
    elif hasattr(obj, "__name__"):
        qualname = obj.__name__
    else:
        module = type(obj).__module__ or ""
        qualname = type(obj).__qualname__
    if module in ("", "builtins"):
        return qualname
    return f"{module}.{qualname}"


def is_same_size(input: Tensor, other: Tensor) -> bool:
    """Whether ``input`` and ``other`` have the same shape."""
    _require_tensor(input, "is_same_size")
    _require_tensor(other, "is_same_size", "other", 2)
    return input._data.shape == other._data.shape


def is_signed(input: Tensor) -> bool:
    """Whether ``input``'s dtype holds negative values."""
    _require_tensor(input, "is_signed")
    return input.is_signed()


def is_inference(input: Tensor) -> bool:
    """Whether ``input`` is an inference tensor.  ember does not mark the tensors that
    ``inference_mode`` blocks create, so this is always False."""
    _require_tensor(input, "is_inference")
    return False


def get_device(input: Tensor) -> int:
    """The index of the device ``input`` lives on; -1 for the CPU."""
    _require_tensor(input, "get_device")
    return input.get_device()


def is_nonzero(self: Tensor) -> bool:
    """Whether a one-element tensor is nonzero."""
    from .. import is_nonzero as nonzero
    return nonzero(self)


def is_pinned(self: Tensor, device=None) -> bool:
    """Whether the tensor is in page-locked memory (never, without an accelerator)."""
    return False


def pin_memory(self: Tensor, device=None) -> Tensor:
    """Copy into page-locked memory: needs an accelerator, which this machine lacks."""
    raise RuntimeError("Cannot access accelerator device when none is available.")


# ----------------------------------------------------------------------------------------------
# legacy typed storage classes
# ----------------------------------------------------------------------------------------------

class _LegacyStorageMeta(type):
    """``isinstance(s, FloatStorage)`` holds for any typed storage of that dtype, and calling
    the class builds a TypedStorage, as PyTorch's legacy storage classes do."""

    def __instancecheck__(cls, instance) -> bool:
        return isinstance(instance, TypedStorage) and instance.dtype is cls.dtype

    def __call__(cls, *args, device=None):
        dtype = cls.dtype
        if not args:
            count = 0
            values = None
        elif len(args) == 1 and isinstance(args[0], (int, np.integer)):
            count, values = int(args[0]), None
        elif len(args) == 1 and isinstance(args[0], (list, tuple)):
            values = np.asarray(args[0], dtype=dtype.np)
            count = values.size
        else:
            raise TypeError(f"{cls.__name__}(): invalid arguments")
        raw = UntypedStorage(count * dtype.itemsize)
        storage = TypedStorage(raw, dtype)
        if values is not None:
            storage._array()[:] = values
        return storage

    def __repr__(cls) -> str:
        return f"<class 'torch.{cls.__name__}'>"


def _legacy_storage(name: str, dtype) -> type:
    cls = _LegacyStorageMeta(name, (), {"dtype": dtype, "__module__": "torch"})
    return cls


FloatStorage = _legacy_storage("FloatStorage", D.float32)
DoubleStorage = _legacy_storage("DoubleStorage", D.float64)
HalfStorage = _legacy_storage("HalfStorage", D.float16)
BFloat16Storage = _legacy_storage("BFloat16Storage", D.bfloat16)
LongStorage = _legacy_storage("LongStorage", D.int64)
IntStorage = _legacy_storage("IntStorage", D.int32)
ShortStorage = _legacy_storage("ShortStorage", D.int16)
CharStorage = _legacy_storage("CharStorage", D.int8)
ByteStorage = _legacy_storage("ByteStorage", D.uint8)
BoolStorage = _legacy_storage("BoolStorage", D.bool)
ComplexFloatStorage = _legacy_storage("ComplexFloatStorage", D.complex64)
ComplexDoubleStorage = _legacy_storage("ComplexDoubleStorage", D.complex128)

_STORAGE_OF = {cls.dtype: cls for cls in (
    FloatStorage, DoubleStorage, HalfStorage, BFloat16Storage, LongStorage, IntStorage,
    ShortStorage, CharStorage, ByteStorage, BoolStorage, ComplexFloatStorage,
    ComplexDoubleStorage)}


def storage_type(self: Tensor):
    """The legacy storage class of this tensor's dtype (None on the 'meta' device)."""
    if type(self._data) is not np.ndarray:
        return None
    return _STORAGE_OF[self.dtype]


# ----------------------------------------------------------------------------------------------
# Python callbacks per element
# ----------------------------------------------------------------------------------------------

def _element_converter(np_dtype):
    """Turns a callback's result into a value for an array of ``np_dtype`` (PyTorch's casts:
    integers truncate, complex results need a complex tensor)."""
    kind = np_dtype.kind
    if kind == "b":
        return bool
    if kind == "c":
        return complex

    def real(value):
        if isinstance(value, Tensor):
            value = value.item()
        if not isinstance(value, numbers.Real):
            raise TypeError(f"must be real number, not {type(value).__name__}")
        return int(value) if kind in "iu" else float(value)
    return real


def _write_elements(self: Tensor, values: list) -> Tensor:
    arr = self._data
    if values:
        arr[...] = np.array(values).reshape(arr.shape)
    self._bump_version()
    return self


def apply_(self: Tensor, callable) -> Tensor:
    """Replace every element by ``callable(element)`` (a Python call per element)."""
    if self._rg:
        raise RuntimeError("Can't call apply_() on Variable that requires grad. Use "
                           "var.detach().apply_() instead.")
    arr = self._data
    if type(arr) is not np.ndarray:
        return self
    convert = _element_converter(arr.dtype)
    return _write_elements(self, [convert(callable(v)) for v in arr.ravel().tolist()])


def map_(self: Tensor, tensor: Tensor, callable) -> Tensor:
    """Replace every element by ``callable(element, other_element)``, with ``tensor``
    broadcast to this tensor's shape."""
    _require_tensor(tensor, "map_", "other", 1)
    if self._rg or tensor._rg:
        raise RuntimeError("Can't call map_() on Variable that requires grad. Use "
                           "var.detach().map_() instead.")
    if tensor._data.dtype != self._data.dtype:
        raise TypeError(f"map_: expected {legacy_type_name(self._data.dtype)} for 'other' (got "
                        f"{legacy_type_name(tensor._data.dtype)})")
    arr = self._data
    others = tensor.expand_as(self)._data
    if type(arr) is not np.ndarray:
        return self
    convert = _element_converter(arr.dtype)
    pairs = zip(arr.ravel().tolist(), others.ravel().tolist())
    return _write_elements(self, [convert(callable(a, b)) for a, b in pairs])


# ----------------------------------------------------------------------------------------------
# fill_diagonal_ / sum_to_size
# ----------------------------------------------------------------------------------------------

def fill_diagonal_(self: Tensor, fill_value, wrap: bool = False) -> Tensor:
    """Fill the main diagonal (all indices equal) with ``fill_value``; with ``wrap`` a tall
    matrix's diagonal restarts below every square block, one row further down."""
    ndim = self._data.ndim
    if ndim < 2:
        raise RuntimeError("dimensions must larger than 1")
    shape = self._data.shape
    if ndim > 2 and any(s != shape[0] for s in shape):
        raise RuntimeError("all dimensions of input must be of equal length")
    height, width = shape[0], shape[1]
    strides = self.stride()
    step = builtins.sum(strides)
    offset = self.storage_offset()
    self.as_strided((min(shape),), (step,), offset).fill_(fill_value)
    if wrap and ndim == 2 and height > width + 1:
        # Further diagonals start every width + 1 rows, as in NumPy's fill_diagonal.
        period = width + 1
        count = (self._data.size + period - 1) // period - min(shape)
        self.as_strided((count,), (step,), offset + strides[0] * period).fill_(fill_value)
    return self


def sum_to_size(self: Tensor, *size) -> Tensor:
    """Sum this tensor down to ``size``, a shape it could have been broadcast from."""
    from .shape import shape_args
    if not size:
        raise TypeError('sum_to_size() missing 1 required positional arguments: "size"')
    target = tuple(shape_args(size, "size"))
    current = self._data.shape
    leading = len(current) - len(target)
    expandable = leading >= 0 and all(
        t == c or t == 1 for t, c in zip(target, current[leading:]))
    if not expandable:
        raise RuntimeError(f"size {{{shape_str(target)}}} is not expandable to size "
                           f"{{{shape_str(current)}}}.")
    if target == current:
        return self
    dims = list(builtins.range(leading)) + [
        leading + i for i, t in enumerate(target) if t == 1 and current[leading + i] != 1]
    result = self.sum(dims, keepdim=True) if dims else self
    return result.view(target) if leading else result


# ----------------------------------------------------------------------------------------------
# resize_ / resize_as_ / set_
# ----------------------------------------------------------------------------------------------

def _check_resizable(self: Tensor) -> None:
    if self._rg:
        raise RuntimeError("cannot resize variables that require grad")


def _storage_elements(arr) -> np.ndarray:
    """The whole storage under ``arr`` as a flat array of its dtype (shares memory)."""
    raw = flat_bytes(arr)
    usable = raw.size - raw.size % arr.dtype.itemsize
    return raw[:usable].view(arr.dtype)


def resize_(self: Tensor, *sizes, memory_format=None) -> Tensor:
    """Give this tensor shape ``sizes`` with contiguous strides over its storage, from its
    storage offset; the storage grows (keeping its contents) when too small."""
    from .shape import shape_args
    _check_resizable(self)
    shape = tuple(operator.index(s) for s in shape_args(sizes, "size"))
    if any(s < 0 for s in shape):
        raise RuntimeError("numel: integer multiplication overflow")
    arr = self._data
    if type(arr) is not np.ndarray:
        self._data = MetaArray(shape, arr.dtype)
        return self
    strides = _resize_strides(shape, memory_format)
    offset = _storage_offset(arr)
    storage = _storage_elements(arr)
    needed = offset + (1 + builtins.sum((s - 1) * st for s, st in zip(shape, strides))
                       if all(shape) else 0)
    if needed > storage.size:
        grown = np.empty(needed, arr.dtype)
        grown[:storage.size] = storage
        storage = grown
    itemsize = arr.dtype.itemsize
    if storage.size == 0:
        self._data = np.empty(shape, arr.dtype)
    else:
        self._data = np.ndarray(shape, arr.dtype, buffer=storage, offset=offset * itemsize,
                                strides=tuple(st * itemsize for st in strides))
    return self


def _resize_strides(shape, memory_format) -> tuple:
    name = getattr(memory_format, "name", None)
    if name in ("channels_last", "channels_last_3d"):
        rank = 4 if name == "channels_last" else 5
        if len(shape) != rank:
            raise RuntimeError(f"required rank {rank} tensor to use {name} format")
        order = (0,) + tuple(builtins.range(2, rank)) + (1,)
        dense = contiguous_strides(tuple(shape[d] for d in order))
        strides = [0] * rank
        for position, d in enumerate(order):
            strides[d] = dense[position]
        return tuple(strides)
    return contiguous_strides(shape)


def resize_as_(self: Tensor, the_template: Tensor, *, memory_format=None) -> Tensor:
    """``resize_`` to the shape of ``the_template``."""
    _require_tensor(the_template, "resize_as_", "the_template", 1)
    return resize_(self, tuple(the_template._data.shape), memory_format=memory_format)


_SET_SIGNATURES = (
    " * ()\n * (torch.Storage source)\n"
    " * (torch.Storage source, int storage_offset, tuple of ints size, tuple of ints stride = "
    "None)\n * (Tensor source)\n"
    " * (Tensor source, int storage_offset, tuple of ints size, tuple of ints stride = None)\n")


def set_(self: Tensor, source=None, storage_offset: int = 0, size=None, stride=None) -> Tensor:
    """Make this tensor view ``source`` (a tensor or a storage) with the given offset, size and
    stride, sharing its memory; without a source, an empty tensor."""
    check_inplace(self)
    np_dtype = self._data.dtype
    if source is None:
        self._data = np.empty(0, np_dtype)
        self._view_of = None
        self._bump_version()
        return self
    if not isinstance(source, (Tensor, UntypedStorage, TypedStorage)) or (
            size is None and storage_offset != 0):
        kind = type(source).__name__
        if isinstance(source, (UntypedStorage, TypedStorage)):
            kind = f"torch.storage.{kind}"
        got = ", ".join([kind] + (["int"] if storage_offset else []))
        raise TypeError(f"set_() received an invalid combination of arguments - got ({got}), "
                        f"but expected one of:\n{_SET_SIGNATURES}")
    if isinstance(source, Tensor):
        if source._data.dtype != np_dtype:
            source_type = _C_TYPES[D._BY_NP[source._data.dtype].name]
            raise RuntimeError(f"Could not set tensor of type {source_type} to a tensor of type "
                               f"{_C_TYPES[D._BY_NP[np_dtype].name]}")
        if size is None:
            self._data = source._data
        else:
            base = _storage_elements(source._data)
            self._data = _view_of_storage(base, storage_offset, size, stride)
    else:
        if isinstance(source, TypedStorage) and source.dtype.np != np_dtype:
            raise RuntimeError(f"Expected a Storage of type {D._BY_NP[np_dtype]} or an "
                               f"UntypedStorage, but got type {source.dtype} for argument 1 "
                               f"'source'")
        raw = source._untyped_storage._bytes if isinstance(source, TypedStorage) else \
            source._bytes
        usable = raw.size - raw.size % np_dtype.itemsize
        elements = raw[:usable].view(np_dtype)
        if size is None:
            size = (elements.size,)
        self._data = _view_of_storage(elements, storage_offset, size, stride)
    self._view_of = None
    self._bump_version()
    return self


def _view_of_storage(elements: np.ndarray, offset, size, stride) -> np.ndarray:
    """An array with element ``size``/``stride`` at ``offset`` into the flat ``elements``."""
    shape = tuple(operator.index(s) for s in size)
    strides = contiguous_strides(shape) if stride is None else tuple(
        operator.index(s) for s in stride)
    offset = operator.index(offset)
    itemsize = elements.dtype.itemsize
    needed = offset + 1 + builtins.sum((s - 1) * st for s, st in zip(shape, strides)) \
        if all(shape) else 0
    if needed > elements.size:
        raise RuntimeError(
            f"setStorage: sizes {list(shape)}, strides {list(strides)}, storage offset {offset}, "
            f"and itemsize {itemsize} requiring a storage size of {needed * itemsize} are out of "
            f"bounds for storage of size {elements.size * itemsize}")
    if elements.size == 0 or math.prod(shape) == 0:
        return np.empty(shape, elements.dtype)
    return np.ndarray(shape, elements.dtype, buffer=elements, offset=offset * itemsize,
                      strides=tuple(st * itemsize for st in strides))


# ----------------------------------------------------------------------------------------------
# top-level forms of in-place methods
# ----------------------------------------------------------------------------------------------

def neg_(input: Tensor) -> Tensor:
    """In-place negation (``input.neg_()``)."""
    return input.neg_()


def negative_(input: Tensor) -> Tensor:
    """Alias of :func:`neg_`."""
    return input.negative_()


def reciprocal_(input: Tensor) -> Tensor:
    """In-place reciprocal (``input.reciprocal_()``)."""
    return input.reciprocal_()


def detach_(input: Tensor) -> Tensor:
    """Detach ``input`` from the graph in place (``input.detach_()``)."""
    return input.detach_()


def addmv_(input: Tensor, mat: Tensor, vec: Tensor, *, beta=1, alpha=1) -> Tensor:
    """``input = beta * input + alpha * (mat @ vec)`` in place."""
    return input.addmv_(mat, vec, beta=beta, alpha=alpha)


def as_strided_(input: Tensor, size, stride, storage_offset=None) -> Tensor:
    """Restride ``input`` in place (``input.as_strided_(...)``)."""
    return input.as_strided_(size, stride, storage_offset)


bind_methods(["apply_", "map_", "fill_diagonal_", "sum_to_size", "resize_", "resize_as_", "set_",
              "is_nonzero", "is_same_size", "is_inference", "storage_type", "pin_memory",
              "is_pinned"], globals())

__all__ = ["typename", "is_same_size", "is_signed", "is_inference", "get_device", "neg_",
           "negative_", "reciprocal_", "detach_", "addmv_", "as_strided_", "FloatStorage",
           "DoubleStorage", "HalfStorage", "BFloat16Storage", "LongStorage", "IntStorage",
           "ShortStorage", "CharStorage", "ByteStorage", "BoolStorage", "ComplexFloatStorage",
           "ComplexDoubleStorage"]
