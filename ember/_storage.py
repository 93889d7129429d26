"""Storages: the flat memory that tensors view, and the stride/offset arithmetic over it.

A tensor's backend array is a view into the memory of the array at the root of its view chain
(the array that owns or wraps the memory).  Strides and offsets are reported in elements, as
PyTorch reports them, computed from the backend array's byte strides and addresses.
"""
from __future__ import annotations

import numpy as np


def root_array(arr):
    """The array at the root of ``arr``'s chain of views: the one whose memory is the storage."""
    while True:
        base = arr.base
        if base is None:
            return arr
        if isinstance(base, np.ndarray):
            arr = base
            continue
        inner = getattr(base, "base", None)  # NumPy's as_strided wrapper keeps the array here
        if isinstance(inner, np.ndarray):
            arr = inner
            continue
        return arr


def data_pointer(arr) -> int:
    """Address of ``arr``'s first element (0 for an empty array, as PyTorch reports)."""
    if not isinstance(arr, np.ndarray) or arr.size == 0:
        return 0
    return arr.__array_interface__["data"][0]


def _span_start(arr) -> int:
    # Lowest address the array touches (strides may be negative only in foreign NumPy arrays).
    start = arr.__array_interface__["data"][0]
    for size, stride in zip(arr.shape, arr.strides):
        if stride < 0 and size > 0:
            start += (size - 1) * stride
    return start


def _span_bytes(arr) -> int:
    if arr.size == 0:
        return 0
    return (sum((size - 1) * abs(stride) for size, stride in zip(arr.shape, arr.strides))
            + arr.dtype.itemsize)


def contiguous_strides(shape) -> tuple:
    """Row-major strides in elements for ``shape`` (size-0 dims count as 1, as in PyTorch)."""
    strides = []
    step = 1
    for size in reversed(shape):
        strides.append(step)
        step *= size if size > 1 else 1
    return tuple(reversed(strides))


def element_strides(arr) -> tuple:
    """Strides in elements (PyTorch's ``stride()``)."""
    itemsize = arr.itemsize
    strides = arr.strides
    if not arr.size and arr.base is None and not any(strides):
        # NumPy gives freshly made empty arrays all-zero strides; PyTorch reports the
        # row-major strides such a tensor was created with.  (Views keep what they were
        # given: an expanded empty tensor really has zero strides.)
        return contiguous_strides(arr.shape)
    return tuple([s // itemsize for s in strides])


def storage_offset(arr) -> int:
    """Elements between the start of the storage and ``arr``'s first element."""
    root = root_array(arr)
    if not isinstance(root, np.ndarray) or not isinstance(arr, np.ndarray):
        return getattr(arr, "offset", 0)  # a device array (meta) keeps its offset itself
    return (arr.__array_interface__["data"][0] - _span_start(root)) // arr.dtype.itemsize


def is_non_overlapping_and_dense(shape, strides) -> bool:
    """Whether the elements exactly tile a block of memory in some dim order (PyTorch's rule:
    size-0/1 dims do not count)."""
    if 0 in shape:
        return True  # an empty tensor counts as contiguous, hence dense
    order = sorted((i for i in range(len(shape)) if shape[i] >= 2), key=lambda i: strides[i])
    expected = 1
    for i in order:
        if strides[i] != expected:
            return False
        expected *= shape[i]
    return True


def dense_like_strides(shape, strides) -> tuple:
    """Strides PyTorch gives a new tensor made 'like' one with this geometry (empty_like with
    preserve_format): the same strides when those are dense, else dense strides that keep the
    input's order of dims in memory."""
    if is_non_overlapping_and_dense(shape, strides):
        return tuple(strides)
    ndim = len(shape)
    perm = list(range(ndim - 1, -1, -1))

    def should_swap(dim0, dim1):
        stride0, stride1 = strides[dim0], strides[dim1]
        if stride0 == 0 or stride1 == 0:
            return 0  # ambiguous: stride-0 dims keep their place
        if stride0 != stride1:
            return -1 if stride0 < stride1 else 1
        return 1 if shape[dim0] > shape[dim1] else 0

    for i in range(1, ndim):
        dim1 = i
        for dim0 in range(i - 1, -1, -1):
            comparison = should_swap(perm[dim0], perm[dim1])
            if comparison > 0:
                perm[dim0], perm[dim1] = perm[dim1], perm[dim0]
                dim1 = dim0
            elif comparison < 0:
                break
    out = [0] * ndim
    step = 1
    for dim in perm:
        out[dim] = step
        if shape[dim] > 1:
            step *= shape[dim]
    return tuple(out)


def empty_strided_array(shape, strides, dtype) -> np.ndarray:
    """An uninitialized NumPy array with element ``strides`` over a fresh dense buffer."""
    shape = tuple(shape)
    if tuple(strides) == contiguous_strides(shape):
        return np.empty(shape, dtype)
    span = 1 + sum((s - 1) * st for s, st in zip(shape, strides)) if all(shape) else 0
    buffer = np.empty(span, dtype)
    itemsize = buffer.dtype.itemsize
    return np.ndarray(shape, dtype, buffer=buffer, strides=tuple(st * itemsize for st in strides))


def copy_like(arr, values=None) -> np.ndarray:
    """A fresh copy of ``values`` (default ``arr``) laid out as PyTorch lays out a tensor made
    like ``arr`` (``torch.empty_like`` strides)."""
    values = arr if values is None else values
    strides = element_strides(arr)
    layout = dense_like_strides(arr.shape, strides)
    if type(arr) is np.ndarray:
        out = empty_strided_array(arr.shape, layout, values.dtype)
    else:
        from .backends import backend_of
        out = backend_of(arr).empty_strided(arr.shape, layout, values.dtype)
    out[...] = values
    return out


def clone_preserving_strides(arr) -> np.ndarray:
    """A copy with the same strides and storage offset, made by copying the whole storage
    (PyTorch's clone_preserve_strides, which the *_scatter ops use).  Inputs whose elements
    share memory get a dense copy instead."""
    strides = element_strides(arr)
    if any(st == 0 and size > 1 for size, st in zip(arr.shape, strides)):
        return copy_like(arr)
    root = root_array(arr)
    if not isinstance(root, np.ndarray) or not root.flags.c_contiguous:
        return copy_like(arr)
    whole = root.copy()
    start = arr.__array_interface__["data"][0] - root.__array_interface__["data"][0]
    return np.ndarray(arr.shape, arr.dtype, buffer=whole, offset=start, strides=arr.strides)


def restride(arr, shape, strides, offset: int = 0):
    """A backend view of ``arr``'s memory with element ``shape``/``strides``, starting ``offset``
    elements after ``arr``'s first element.  Nothing is copied; read-only input stays read-only.
    """
    itemsize = arr.dtype.itemsize
    byte_strides = tuple([st * itemsize for st in strides])
    if type(arr) is np.ndarray and offset >= 0 and arr.flags.c_contiguous:
        # Fast path: a view inside a contiguous array's own buffer needs no addresses.
        try:
            return np.ndarray(shape, arr.dtype, buffer=arr, offset=offset * itemsize,
                              strides=byte_strides)
        except (TypeError, ValueError, BufferError):
            pass  # reaches outside this array's own buffer: go through the storage
    if not isinstance(arr, np.ndarray):
        if isinstance(arr, np.generic):
            # A NumPy scalar owns no shareable memory; view a 0-d array of it instead.
            arr = np.asarray(arr)
        else:
            return _foreign_view(arr, shape, byte_strides, offset)
    root = root_array(arr)
    start = (arr.__array_interface__["data"][0] - root.__array_interface__["data"][0]
             + offset * itemsize)
    try:
        # The root array's buffer spans the whole storage: a view over it is the cheapest way
        # NumPy offers to set arbitrary strides, and keeps the chain of bases one long.
        view = np.ndarray(shape, arr.dtype, buffer=root, offset=start, strides=byte_strides)
    except (TypeError, ValueError, BufferError):
        if 0 in shape:
            # PyTorch lets an empty view start anywhere, even past the end of its storage.
            return _empty_view_at(root, arr, shape, byte_strides, start)
        return view_from_storage(arr, shape, strides, storage_offset(arr) + offset)
    if view.flags.writeable and not arr.flags.writeable:
        view.flags.writeable = False
    return view


def _empty_view_at(root, arr, shape, byte_strides, start: int) -> np.ndarray:
    """An empty array whose data pointer sits ``start`` bytes into ``root``'s memory (NumPy
    will not place one outside a buffer, but reads nothing through it)."""
    address = root.__array_interface__["data"][0] + start
    holder = _MemoryHolder(address, 0, root)
    holder.__array_interface__ = {"data": (address, not arr.flags.writeable),
                                  "shape": tuple(shape), "strides": byte_strides,
                                  "typestr": "|V%d" % arr.dtype.itemsize, "version": 3}
    return np.asarray(holder).view(arr.dtype)


def _foreign_view(arr, shape, byte_strides, offset: int):
    # Arrays without data (the meta backend) carry only their geometry.
    from .backends.meta import MetaArray
    if isinstance(arr, MetaArray):
        return arr._view(tuple(shape), byte_strides, arr.offset + offset)
    raise NotImplementedError(f"strided views are not supported for {type(arr).__name__}")


_CHANNELS_LAST_ORDER = {"channels_last": (1, 3, 2, 0), "channels_last_3d": (1, 4, 3, 2, 0)}


def _strides_like_channels_last(shape, strides, order) -> bool:
    # PyTorch's is_channels_last_strides_{2d,3d}: strides grow along ``order`` (channels
    # first), with its tie-breaks that send ambiguous size-1 layouts to the default format.
    if strides[1] == 0:
        return False
    smallest = 0
    for dim in order:
        if shape[dim] == 0 or strides[dim] < smallest:
            return False
        if dim == 0 and smallest == strides[1]:
            return False
        smallest = strides[dim] * (shape[dim] if shape[dim] > 1 else 1)
    return True


def suggest_memory_format(arr) -> str:
    """The memory format a tensor's strides suggest (PyTorch's suggest_memory_format): the
    layout ``.to(memory_format=...)`` keeps without copying and ``clone`` falls back to."""
    shape, strides = arr.shape, element_strides(arr)
    for name, order in _CHANNELS_LAST_ORDER.items():
        if arr.ndim == len(order) and _strides_like_channels_last(shape, strides, order):
            return name
    return "contiguous_format"


def is_contiguous(arr, memory_format=None) -> bool:
    """Row-major contiguity that ignores the strides of size-1 dimensions, as PyTorch does."""
    name = getattr(memory_format, "name", "") if memory_format is not None else ""
    if name in _CHANNELS_LAST_ORDER:
        # Channels innermost, then the spatial dims from last to first, then the batch.
        order = _CHANNELS_LAST_ORDER[name]
        if arr.ndim != len(order):
            return False
        strides = element_strides(arr)
        expected = 1
        for dim in order:
            size = arr.shape[dim]
            if size != 1:
                if strides[dim] != expected:
                    return False
                expected *= size
        return True
    if arr.size == 0:
        return True
    expected = 1
    for size, stride in zip(reversed(arr.shape), reversed(element_strides(arr))):
        if size != 1:
            if stride != expected:
                return False
            expected *= size
    return True


def flat_bytes(arr) -> np.ndarray:
    """A 1-D uint8 array over the whole storage of ``arr`` (shares memory)."""
    root = root_array(arr)
    nbytes = _span_bytes(root)
    if nbytes == 0:
        return np.empty(0, np.uint8)
    start = _span_start(root)
    holder = _MemoryHolder(start, nbytes, root)
    return np.asarray(holder)


def is_shared(arr) -> bool:
    holder = root_array(arr).base
    return getattr(holder, "shared", False)


class _MemoryHolder:
    """Exposes a raw address range as an array interface, keeping the owner alive."""

    def __init__(self, address: int, nbytes: int, owner) -> None:
        self.owner = owner
        self.base = owner  # lets root_array() walk through to the owning array
        writable = owner.flags.writeable if isinstance(owner, np.ndarray) else True
        self.__array_interface__ = {"data": (address, not writable), "shape": (nbytes,),
                                    "typestr": "|u1", "version": 3}


def view_from_storage(arr, shape, strides, offset):
    """A backend view with element ``shape``/``strides``/``offset`` over ``arr``'s storage."""
    itemsize = arr.dtype.itemsize
    flat = flat_bytes(arr)
    needed = offset + 1 + sum((s - 1) * st for s, st in zip(shape, strides)) if all(shape) else 0
    if any(st < 0 for st in strides):
        raise RuntimeError("as_strided: Negative strides are not supported at the moment, got "
                           f"strides: {list(strides)}")
    if needed * itemsize > flat.size:
        raise RuntimeError(
            f"setStorage: sizes {list(shape)}, strides {list(strides)}, storage offset {offset}, "
            f"and itemsize {itemsize} requiring a storage size of {needed * itemsize} are out of "
            f"bounds for storage of size {flat.size}")
    byte_strides = tuple(st * itemsize for st in strides)
    if flat.size == 0:
        return np.empty(shape, arr.dtype)
    return np.ndarray(shape, arr.dtype, buffer=flat, offset=offset * itemsize,
                      strides=byte_strides)


class UntypedStorage:
    """A flat run of bytes shared by the tensors that view it (``tensor.untyped_storage()``)."""

    def __init__(self, size_or_bytes=0, *, device=None) -> None:
        if isinstance(size_or_bytes, np.ndarray):
            self._bytes = size_or_bytes
        elif isinstance(size_or_bytes, (bytes, bytearray, list)):
            self._bytes = np.array(bytearray(size_or_bytes), dtype=np.uint8)
        else:
            self._bytes = np.zeros(int(size_or_bytes), np.uint8)

    @classmethod
    def _of_array(cls, arr) -> "UntypedStorage":
        return cls(flat_bytes(arr))

    def data_ptr(self) -> int:
        return data_pointer(self._bytes) if self._bytes.size else 0

    def nbytes(self) -> int:
        return self._bytes.size

    def size(self) -> int:
        return self._bytes.size

    def __len__(self) -> int:
        return self._bytes.size

    def __getitem__(self, index):
        value = self._bytes[index]
        return int(value) if np.ndim(value) == 0 else UntypedStorage(value)

    def __setitem__(self, index, value) -> None:
        self._bytes[index] = value

    def tolist(self) -> list:
        return self._bytes.tolist()

    @property
    def device(self):
        from ._device import CPU
        return CPU

    def element_size(self) -> int:
        return 1

    def __eq__(self, other) -> bool:
        if not isinstance(other, UntypedStorage):
            return NotImplemented
        return self.data_ptr() == other.data_ptr() and self.nbytes() == other.nbytes()

    def __hash__(self) -> int:
        return hash((self.data_ptr(), self.nbytes()))

    def __repr__(self) -> str:
        values = "\n".join(f" {v}" for v in self._bytes.tolist())
        return f"{values}\n[torch.storage.UntypedStorage(device=cpu) of size {self.nbytes()}]"


class TypedStorage:
    """A storage seen as elements of one dtype (``tensor.storage()``)."""

    _warned = False

    def __init__(self, untyped: UntypedStorage, dtype) -> None:
        if not TypedStorage._warned:
            # PyTorch warns once per program that typed storages are on their way out.
            TypedStorage._warned = True
            import warnings
            warnings.warn("TypedStorage is deprecated. It will be removed in the future and "
                          "UntypedStorage will be the only storage class. This should only "
                          "matter to you if you are using storages directly.  To access "
                          "UntypedStorage directly, use tensor.untyped_storage() instead of "
                          "tensor.storage()", UserWarning, stacklevel=3)
        self._untyped_storage = untyped
        self.dtype = dtype

    def _array(self) -> np.ndarray:
        raw = self._untyped_storage._bytes
        usable = raw.size - raw.size % self.dtype.itemsize
        return raw[:usable].view(self.dtype.np)

    def untyped(self) -> UntypedStorage:
        return self._untyped_storage

    def size(self) -> int:
        return self._untyped_storage.nbytes() // self.dtype.itemsize

    __len__ = size

    def data_ptr(self) -> int:
        return self._untyped_storage.data_ptr()

    def __getitem__(self, index):
        return self._array()[index].item()

    def __setitem__(self, index, value) -> None:
        self._array()[index] = value

    def tolist(self) -> list:
        return self._array().tolist()

    def __repr__(self) -> str:
        values = "\n".join(f" {v}" for v in self.tolist())
        return (f"{values}\n[torch.storage.TypedStorage(dtype={self.dtype}, device=cpu) of size "
                f"{self.size()}]")
