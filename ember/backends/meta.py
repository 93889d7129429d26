"""The 'meta' backend: arrays with a shape and dtype but no data.

Meta tensors let a model be built (and its parameter shapes checked) without allocating memory.
"""
from __future__ import annotations

import numpy as np

device_type = "meta"


class MetaArray:
    """Shape and dtype only; every op that would read values raises."""

    __slots__ = ("shape", "dtype", "strides", "base")

    def __init__(self, shape, dtype, strides=None) -> None:
        self.shape = tuple(int(s) for s in shape)
        self.dtype = np.dtype(dtype)
        if strides is None:
            acc = self.dtype.itemsize
            out = []
            for s in reversed(self.shape):
                out.append(acc)
                acc *= max(s, 1)
            strides = tuple(reversed(out))
        self.strides = strides
        self.base = None

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        n = 1
        for s in self.shape:
            n *= s
        return n

    @property
    def itemsize(self) -> int:
        return self.dtype.itemsize

    @property
    def nbytes(self) -> int:
        return self.size * self.dtype.itemsize


xp = None
array_type = MetaArray


def asarray(obj, dtype=None) -> MetaArray:
    arr = np.asarray(obj)
    return MetaArray(arr.shape, dtype or arr.dtype)


def to_host(arr):
    raise NotImplementedError("Cannot copy out of meta tensor; no data!")
