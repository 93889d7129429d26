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
    if arr.size == 0 and arr.base is None:
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


def element_strides(arr) -> tuple:
    """Strides in elements (PyTorch's ``stride()``)."""
    itemsize = arr.dtype.itemsize
    return tuple(s // itemsize for s in arr.strides)


def storage_offset(arr) -> int:
    """Elements between the start of the storage and ``arr``'s first element."""
    if arr.size == 0:
        return 0
    root = root_array(arr)
    return (arr.__array_interface__["data"][0] - _span_start(root)) // arr.dtype.itemsize


def is_contiguous(arr, memory_format=None) -> bool:
    """Row-major contiguity that ignores the strides of size-1 dimensions, as PyTorch does."""
    if memory_format is not None and getattr(memory_format, "name", "") == "channels_last":
        if arr.ndim != 4:
            return False
        n, c, h, w = arr.shape
        expected = (h * w * c, 1, w * c, c)
        strides = element_strides(arr)
        return all(size == 1 or s == e for size, s, e in zip(arr.shape, strides, expected))
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

    def __init__(self, untyped: UntypedStorage, dtype) -> None:
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
        return f"{values}\n[torch.storage.TypedStorage(dtype={self.dtype}, device=cpu) of size {self.size()}]"
