"""The CPU backend: NumPy arrays."""
from __future__ import annotations

import ctypes
import os
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np

xp = np
device_type = "cpu"


def _tune_allocator() -> None:
    """Keep freed blocks of tensor size in the heap for reuse (glibc only).

    By default glibc serves each block above 128 KiB with a fresh mmap and returns it on free,
    so every new activation of an autograd graph (which keeps its intermediates alive) pays a
    page fault per 4 KiB: a 1M-element float32 multiply costs ~3.5 ms instead of ~0.3 ms.
    PyTorch's CPU allocator avoids the same cost.  Set EMBER_KEEP_MALLOC=1 to leave glibc's
    defaults alone.
    """
    if os.environ.get("EMBER_KEEP_MALLOC") or not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return
    m_trim_threshold, m_mmap_threshold = -1, -3
    libc.mallopt(m_mmap_threshold, 32 << 20)
    libc.mallopt(m_trim_threshold, 512 << 20)


_tune_allocator()
array_type = np.ndarray


def asarray(obj, dtype=None) -> np.ndarray:
    """A NumPy array of ``obj`` (no copy when it already is one of that dtype)."""
    return np.asarray(obj, dtype=dtype)


def empty_strided(shape, strides, dtype) -> np.ndarray:
    """An uninitialized array with element ``strides`` over a fresh dense buffer."""
    from .._storage import empty_strided_array
    return empty_strided_array(shape, strides, dtype)


def as_strided(arr, shape, strides, writeable: bool = True) -> np.ndarray:
    """A view of ``arr``'s memory with ``shape`` and byte ``strides``."""
    return np.lib.stride_tricks.as_strided(arr, shape, strides, writeable=writeable)


def to_host(arr) -> np.ndarray:
    """CPU arrays already live on the host."""
    return arr


# -- threads for large elementwise work ---------------------------------------------------------
# NumPy releases the GIL inside ufunc loops, so splitting a large contiguous array into one chunk
# per core runs compute-bound kernels (exp, tanh, log, ...) in parallel, as PyTorch's own CPU
# kernels are.  Small arrays stay on the calling thread: a hand-off costs tens of microseconds.

PARALLEL_MIN_ELEMENTS = 1 << 17
_threads = max(1, min(8, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                      else os.cpu_count() or 1))
_pool: ThreadPoolExecutor | None = None


def set_num_threads(n: int) -> None:
    """How many threads large elementwise kernels may use (``torch.set_num_threads``)."""
    global _threads, _pool
    _threads = max(1, int(n))
    if _pool is not None:
        _pool.shutdown(wait=False)
        _pool = None


def get_num_threads() -> int:
    return _threads


def apply_parallel(kernel, *arrays, out_dtype=None):
    """``kernel(*arrays, out=...)`` computed in chunks across threads for large inputs.

    All arrays must share one C-contiguous shape; ``kernel`` is a ufunc or any function that
    accepts ``out=`` and works elementwise.  Falls back to one call when that does not hold.
    """
    first = arrays[0]
    if (_threads == 1 or first.size < PARALLEL_MIN_ELEMENTS
            or not all(a.flags.c_contiguous and a.shape == first.shape for a in arrays)):
        return kernel(*arrays)
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(_threads - 1, thread_name_prefix="ember-cpu")
    if out_dtype is None:
        out_dtype = kernel(*(a.reshape(-1)[:1] for a in arrays)).dtype
    out = np.empty(first.shape, dtype=out_dtype)
    flat_out = out.reshape(-1)
    flats = [a.reshape(-1) for a in arrays]
    bounds = np.linspace(0, first.size, _threads + 1).astype(int)
    futures = [_pool.submit(kernel, *(f[lo:hi] for f in flats), out=flat_out[lo:hi])
               for lo, hi in zip(bounds[1:-1], bounds[2:])]
    kernel(*(f[bounds[0]:bounds[1]] for f in flats), out=flat_out[bounds[0]:bounds[1]])
    for future in futures:
        future.result()
    return out
