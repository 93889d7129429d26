"""What the globals in a PyTorch pickle stand for in ember, and the functions they call.

A checkpoint's pickle names PyTorch objects (``torch._utils._rebuild_tensor_v2``,
``torch.FloatStorage``, ``torch.float32``, ``collections.OrderedDict`` ...).  This module holds
ember's stand-ins for them: :data:`TORCH_GLOBALS` maps each full name to the ember object the
unpicklers hand out, and the ``rebuild_*`` functions turn storages plus geometry back into
tensors, checking every number they get (a damaged file must raise, never read out of bounds).
"""
from __future__ import annotations

import collections
import operator

import numpy as np

from .. import _dtype, _layout
from .._device import device
from .._size import Size
from .._storage import TypedStorage, UntypedStorage
from .._tensor import Tensor


class StorageError(RuntimeError):
    """Storage geometry or contents that do not fit together (the loader names the file)."""


class StorageType:
    """Stands for a storage class named in a pickle (``torch.FloatStorage``): its dtype."""

    __slots__ = ("name", "dtype")

    def __init__(self, name: str, dtype: _dtype.dtype) -> None:
        self.name = name
        self.dtype = dtype

    def __repr__(self) -> str:
        return f"StorageType(dtype={self.dtype})"


# The legacy typed storage class PyTorch names for each dtype in a persistent id.
STORAGE_CLASS_NAMES = {
    _dtype.float32: "FloatStorage", _dtype.float64: "DoubleStorage",
    _dtype.float16: "HalfStorage", _dtype.bfloat16: "BFloat16Storage",
    _dtype.complex64: "ComplexFloatStorage", _dtype.complex128: "ComplexDoubleStorage",
    _dtype.bool: "BoolStorage", _dtype.uint8: "ByteStorage", _dtype.int8: "CharStorage",
    _dtype.int16: "ShortStorage", _dtype.int32: "IntStorage", _dtype.int64: "LongStorage",
}
UNTYPED_STORAGE = StorageType("UntypedStorage", _dtype.uint8)
STORAGE_TYPES = {name: StorageType(name, dt) for dt, name in STORAGE_CLASS_NAMES.items()}

# PyTorch dtypes ember does not have: a checkpoint holding them is refused by name.
_MISSING_DTYPES = ("uint16", "uint32", "uint64", "complex32", "float8_e4m3fn", "float8_e5m2",
                   "float8_e4m3fnuz", "float8_e5m2fnuz", "float8_e8m0fnu", "float4_e2m1fn_x2",
                   "qint8", "quint8", "qint32", "quint4x2", "quint2x4", "bits8", "bits16",
                   "bits1x8", "bits2x4", "bits4x2") + tuple(f"uint{n}" for n in range(1, 8)) + \
    tuple(f"int{n}" for n in range(1, 8))
_MISSING_STORAGES = ("ComplexHalfStorage", "QUInt8Storage", "QInt8Storage", "QInt32Storage",
                     "QUInt4x2Storage", "QUInt2x4Storage")


class MetaStorage:
    """A storage on the 'meta' device: a size and a dtype, no bytes (nothing is read)."""

    __slots__ = ("_nbytes", "dtype")

    def __init__(self, nbytes: int, dtype: _dtype.dtype) -> None:
        self._nbytes = nbytes
        self.dtype = dtype

    @property
    def device(self) -> device:
        return device("meta")

    def nbytes(self) -> int:
        return self._nbytes

    def size(self) -> int:
        return self._nbytes // self.dtype.itemsize

    def __repr__(self) -> str:
        return f"[torch.storage.TypedStorage(dtype={self.dtype}, device=meta) of size {self.size()}]"


def typed_storage(untyped: UntypedStorage, dtype: _dtype.dtype) -> TypedStorage:
    """A TypedStorage over ``untyped`` made quietly (PyTorch warns only when users make one)."""
    storage = object.__new__(TypedStorage)
    storage._untyped_storage = untyped
    storage.dtype = dtype
    return storage


def _as_int(value, what: str) -> int:
    if isinstance(value, bool):
        raise StorageError(f"{what} must be an int, got bool")
    try:
        return operator.index(value)
    except TypeError:
        raise StorageError(f"{what} must be an int, got {type(value).__name__}") from None


def _int_tuple(values, what: str) -> tuple:
    if type(values) is not tuple and not isinstance(values, (tuple, list)):
        raise StorageError(f"{what} must be a tuple of ints, got {type(values).__name__}")
    for value in values:
        if type(value) is not int:
            return tuple(_as_int(v, what) for v in values)
    return tuple(values)


def tensor_from_storage(storage, storage_offset, size, stride, dtype=None) -> Tensor:
    """A tensor viewing ``storage`` with the given geometry (in elements), bounds checked."""
    if isinstance(storage, TypedStorage):
        dtype = storage.dtype if dtype is None else dtype
        raw = storage._untyped_storage._bytes
        nbytes = raw.size
    elif isinstance(storage, UntypedStorage):
        dtype = _dtype.uint8 if dtype is None else dtype
        raw = storage._bytes
        nbytes = raw.size
    elif isinstance(storage, MetaStorage):
        dtype = storage.dtype if dtype is None else dtype
        raw = None
        nbytes = storage.nbytes()
    else:
        raise StorageError(f"expected a storage to rebuild a tensor from, got "
                           f"{type(storage).__name__}")
    if not isinstance(dtype, _dtype.dtype):
        raise StorageError(f"expected a dtype, got {type(dtype).__name__}")
    offset = storage_offset if type(storage_offset) is int else _as_int(storage_offset,
                                                                         "storage offset")
    shape = _int_tuple(size, "size")
    strides = _int_tuple(stride, "stride")
    if len(shape) != len(strides):
        raise StorageError(f"size {list(shape)} and stride {list(strides)} differ in length")
    needed = offset + 1
    negative = offset < 0
    for extent, step in zip(shape, strides):
        needed += (extent - 1) * step
        negative = negative or extent < 0 or step < 0
    if negative:
        raise StorageError(f"negative size, stride or offset: sizes {list(shape)}, strides "
                           f"{list(strides)}, storage offset {offset}")
    itemsize = dtype.itemsize
    if 0 in shape:
        needed = 0
    if needed * itemsize > nbytes:
        raise StorageError(
            f"setStorage: sizes {list(shape)}, strides {list(strides)}, storage offset {offset}, "
            f"and itemsize {itemsize} requiring a storage size of {needed * itemsize} are out of "
            f"bounds for storage of size {nbytes}")
    byte_strides = tuple(st * itemsize for st in strides)
    try:
        if raw is None:
            from ..backends.meta import MetaArray
            return Tensor._make(MetaArray(shape, dtype.np, byte_strides, offset))
        start = min(offset * itemsize, nbytes)  # an empty view may sit past the end
        array = np.ndarray(shape, dtype.np, buffer=raw, offset=start, strides=byte_strides)
    except (ValueError, TypeError, OverflowError) as error:
        raise StorageError(f"cannot view the storage with sizes {list(shape)} and strides "
                           f"{list(strides)}: {error}") from None
    return Tensor._make(array)


def _set_requires_grad(tensor: Tensor, requires_grad) -> Tensor:
    if not isinstance(requires_grad, (bool, int)):
        raise StorageError(f"requires_grad must be a bool, got {type(requires_grad).__name__}")
    if requires_grad:
        tensor.requires_grad_(True)
    return tensor


def rebuild_tensor(storage, storage_offset, size, stride) -> Tensor:
    """``torch._utils._rebuild_tensor``: a tensor over a typed storage."""
    return tensor_from_storage(storage, storage_offset, size, stride)


def rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks,
                      metadata=None) -> Tensor:
    """``torch._utils._rebuild_tensor_v2``: the call PyTorch pickles for every tensor."""
    tensor = tensor_from_storage(storage, storage_offset, size, stride)
    return _set_requires_grad(tensor, requires_grad)


def rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks,
                      dtype, metadata=None) -> Tensor:
    """``torch._utils._rebuild_tensor_v3``: as v2, with the dtype given apart (for the dtypes
    that have no typed storage class)."""
    tensor = tensor_from_storage(storage, storage_offset, size, stride, dtype)
    return _set_requires_grad(tensor, requires_grad)


def rebuild_meta_tensor_no_storage(dtype, size, stride, requires_grad) -> Tensor:
    """``torch._utils._rebuild_meta_tensor_no_storage``: a 'meta' tensor (no data)."""
    if not isinstance(dtype, _dtype.dtype):
        raise StorageError(f"expected a dtype, got {type(dtype).__name__}")
    shape = _int_tuple(size, "size")
    strides = _int_tuple(stride, "stride")
    if len(shape) != len(strides) or any(s < 0 for s in shape + strides):
        raise StorageError(f"bad meta tensor geometry: sizes {list(shape)}, strides "
                           f"{list(strides)}")
    from ..backends.meta import MetaArray
    itemsize = dtype.itemsize
    tensor = Tensor._make(MetaArray(shape, dtype.np, tuple(st * itemsize for st in strides)))
    return _set_requires_grad(tensor, requires_grad)


def rebuild_device_tensor_from_cpu_tensor(data, dtype, device, requires_grad) -> Tensor:
    """``torch._utils._rebuild_device_tensor_from_cpu_tensor``: a tensor saved by value."""
    if not isinstance(data, Tensor):
        raise StorageError(f"expected a tensor, got {type(data).__name__}")
    tensor = data.to(dtype=dtype, device=device)
    return _set_requires_grad(tensor, requires_grad)


def rebuild_device_tensor_from_numpy(data, dtype, device, requires_grad) -> Tensor:
    """``torch._utils._rebuild_device_tensor_from_numpy``: a tensor saved as a NumPy array."""
    if not isinstance(data, np.ndarray):
        raise StorageError(f"expected a NumPy array, got {type(data).__name__}")
    tensor = Tensor._make(np.array(data, copy=True)).to(dtype=dtype, device=device)
    return _set_requires_grad(tensor, requires_grad)


def _parameter_class():
    try:
        from ..nn.parameter import Parameter
    except ImportError:  # ember.nn not built: parameters come back as tensors
        return None
    return Parameter


def rebuild_parameter(data, requires_grad, backward_hooks) -> Tensor:
    """``torch._utils._rebuild_parameter``: an ``nn.Parameter`` around a rebuilt tensor."""
    if not isinstance(data, Tensor):
        raise StorageError(f"expected a tensor for a Parameter, got {type(data).__name__}")
    if not isinstance(requires_grad, (bool, int)):
        raise StorageError(f"requires_grad must be a bool, got {type(requires_grad).__name__}")
    parameter = _parameter_class()
    if parameter is None:
        return data.detach().requires_grad_(bool(requires_grad))
    return parameter(data, bool(requires_grad))


def rebuild_parameter_with_state(data, requires_grad, backward_hooks, state) -> Tensor:
    """``torch._utils._rebuild_parameter_with_state``: a Parameter with Python attributes."""
    result = rebuild_parameter(data, requires_grad, backward_hooks)
    set_object_state(result, state)
    return result


def set_object_state(obj, state) -> None:
    """Restore attributes pickled by ``torch._utils._get_obj_state``: a dict, or a pair of
    dicts (instance dict, slot values)."""
    if state is None:
        return
    slots = None
    if isinstance(state, tuple):
        if len(state) != 2:
            raise StorageError(f"bad object state: a tuple of {len(state)} items")
        state, slots = state
    for part in (state, slots):
        if not part:
            continue
        if not isinstance(part, dict):
            raise StorageError(f"bad object state of type {type(part).__name__}")
        for key, value in part.items():
            if not isinstance(key, str) or (key.startswith("__") and key.endswith("__")):
                # Special names (__class__, __dict__ ...) would change what the object is.
                raise StorageError(f"bad object state: cannot restore attribute {key!r}")
            setattr(obj, key, value)


def rebuild_from_type_v2(func, new_type, args, state):
    """``torch._tensor._rebuild_from_type_v2``: rebuild with ``func(*args)``, make it an
    instance of ``new_type`` and restore its Python attributes."""
    if not isinstance(args, tuple):
        raise StorageError(f"expected a tuple of arguments, got {type(args).__name__}")
    result = func(*args)
    if not isinstance(result, Tensor):
        raise StorageError(f"expected the rebuilt object to be a tensor, got "
                           f"{type(result).__name__}")
    if not (isinstance(new_type, type) and issubclass(new_type, Tensor)):
        raise StorageError(f"cannot turn a tensor into {new_type!r}")
    if type(result) is not new_type:
        result = result.as_subclass(new_type)
    setstate = getattr(new_type, "__setstate__", None)
    if setstate is not None and setstate is not getattr(Tensor, "__setstate__", None):
        result.__setstate__(state)
    else:
        set_object_state(result, state)
    return result


def get_layout(name: str):
    """``torch.serialization._get_layout``: a layout from its printed name."""
    layouts = {"torch.strided": _layout.strided, "torch.sparse_coo": _layout.sparse_coo}
    if name not in layouts:
        raise StorageError(f"ember does not support layout {name}")
    return layouts[name]


def _unsupported(what: str):
    def refuse(*args, **kwargs):
        raise StorageError(f"this checkpoint holds {what}, which ember does not support")
    refuse.__name__ = refuse.__qualname__ = "unsupported"
    return refuse


def encode_bytes(text, encoding: str = "latin1") -> bytes:
    """``_codecs.encode`` as protocol-2 pickles use it (bytes written as latin-1 text); other
    codecs are refused rather than looked up."""
    if not isinstance(text, str):
        raise StorageError(f"_codecs.encode expects a str, got {type(text).__name__}")
    if encoding.replace("_", "-").lower() not in ("latin1", "latin-1", "iso-8859-1"):
        raise StorageError(f"_codecs.encode with codec {encoding!r} is not allowed")
    return text.encode("latin-1")


def make_bytearray(*args) -> bytearray:
    """``builtins.bytearray`` as pickles use it: from bytes, or text and its encoding (never
    from a length, which would let a file allocate any amount of memory)."""
    if not args:
        return bytearray()
    if len(args) == 1 and isinstance(args[0], (bytes, bytearray)):
        return bytearray(args[0])
    if len(args) == 2 and isinstance(args[0], str):
        return bytearray(encode_bytes(args[0], args[1]))
    raise StorageError("bytearray is only rebuilt from bytes or (str, encoding)")


def _dtype_globals() -> dict:
    names = {}
    for value in vars(_dtype).values():
        if isinstance(value, _dtype.dtype):
            names[repr(value)] = value
    return names


def _build_torch_globals() -> dict:
    table = {
        "collections.OrderedDict": collections.OrderedDict,
        "collections.Counter": collections.Counter,
        "torch._utils._rebuild_tensor": rebuild_tensor,
        "torch._utils._rebuild_tensor_v2": rebuild_tensor_v2,
        "torch._utils._rebuild_tensor_v3": rebuild_tensor_v3,
        "torch._utils._rebuild_parameter": rebuild_parameter,
        "torch._utils._rebuild_parameter_with_state": rebuild_parameter_with_state,
        "torch._utils._rebuild_meta_tensor_no_storage": rebuild_meta_tensor_no_storage,
        "torch._utils._rebuild_device_tensor_from_cpu_tensor":
            rebuild_device_tensor_from_cpu_tensor,
        "torch._utils._rebuild_device_tensor_from_numpy": rebuild_device_tensor_from_numpy,
        "torch._utils._rebuild_qtensor": _unsupported("quantized tensors"),
        "torch._utils._rebuild_sparse_tensor": _unsupported("sparse tensors"),
        "torch._utils._rebuild_nested_tensor": _unsupported("nested tensors"),
        "torch._utils._rebuild_wrapper_subclass": _unsupported("wrapper tensor subclasses"),
        "torch._tensor._rebuild_from_type_v2": rebuild_from_type_v2,
        "torch.serialization._get_layout": get_layout,
        "torch.Size": Size,
        "torch.Tensor": Tensor,
        "torch.device": device,
        "torch.storage.UntypedStorage": UNTYPED_STORAGE,
        "torch.UntypedStorage": UNTYPED_STORAGE,
        "_codecs.encode": encode_bytes,
        "builtins.bytearray": make_bytearray,
        "builtins.set": set,
        "builtins.complex": complex,
    }
    table.update(_dtype_globals())
    for value in vars(_layout).values():
        if isinstance(value, (_layout.layout, _layout.memory_format)):
            table[repr(value)] = value
    for name, storage_type in STORAGE_TYPES.items():
        table["torch." + name] = storage_type
    return table


TORCH_GLOBALS = _build_torch_globals()
# The allow-listed objects a weights-only load may call (the rest, such as dtypes, storage types
# and the Tensor class, may only be passed around: calling torch.Tensor(n) would allocate).
SAFE_CALLABLES = [value for name, value in TORCH_GLOBALS.items()
                  if callable(value) and name != "torch.Tensor"
                  and not isinstance(value, (StorageType, _dtype.dtype))]
# Looked up when first needed (ember.nn imports much of ember).
LAZY_GLOBALS = {"torch.nn.parameter.Parameter": _parameter_class}


def missing_feature(full_name: str) -> str | None:
    """Why a PyTorch global that torch would accept cannot be loaded by ember (else None)."""
    module, _, name = full_name.rpartition(".")
    if module == "torch" and name in _MISSING_DTYPES:
        return f"ember has no dtype torch.{name}, which this checkpoint uses"
    if module == "torch" and name in _MISSING_STORAGES:
        return f"ember has no storage type torch.{name}, which this checkpoint uses"
    return None


def lookup_torch_global(full_name: str):
    """The ember object for a PyTorch global (KeyError when there is none)."""
    if full_name in TORCH_GLOBALS:
        return TORCH_GLOBALS[full_name]
    if full_name in LAZY_GLOBALS:
        value = LAZY_GLOBALS[full_name]()
        if value is not None:
            return value
    raise KeyError(full_name)
