"""The CPU backend: NumPy arrays."""
from __future__ import annotations

import ctypes
import os
import sys
import threading
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
_pool_pid = 0
_pool_lock = threading.Lock()


def set_num_threads(n: int) -> None:
    """How many threads large elementwise kernels may use (``torch.set_num_threads``)."""
    global _threads, _pool
    _threads = max(1, int(n))
    if _pool is not None:
        _pool.shutdown(wait=False)
        _pool = None


def get_num_threads() -> int:
    return _threads


def worker_pool() -> ThreadPoolExecutor:
    """The one pool of helper threads (``get_num_threads() - 1`` of them) that elementwise
    kernels, optimizer steps, samplers and recurrent layers share.  A forked child (a
    DataLoader worker) gets a pool of its own: the parent's threads do not exist there."""
    global _pool, _pool_pid
    pool = _pool
    if pool is not None and _pool_pid == os.getpid():
        return pool
    with _pool_lock:
        if _pool is None or _pool_pid != os.getpid():
            _pool = ThreadPoolExecutor(max(1, _threads - 1), thread_name_prefix="ember-cpu")
            _pool_pid = os.getpid()
        return _pool


class _Finished:
    """What ``submit`` returns when it ran the call on the caller's thread."""

    __slots__ = ("value",)

    def __init__(self, value) -> None:
        self.value = value

    def result(self):
        return self.value


class _Task:
    """What ``submit`` returns for a call handed to the pool."""

    __slots__ = ("future", "fn", "args")

    def __init__(self, future, fn, args) -> None:
        self.future, self.fn, self.args = future, fn, args

    def result(self):
        """The call's result.  A call no pool thread has started yet (all busy, or not given a
        core) is taken back and run here: waiting for it could only be slower."""
        if self.future.cancel():
            return self.fn(*self.args)
        return self.future.result()


def submit(fn, *args):
    """Start ``fn(*args)`` on a pool thread, to overlap with the caller's own work; returns a
    handle whose ``.result()`` waits for it.  With one thread allowed it runs at once, inline.

    For work that releases the GIL (NumPy on large arrays) and that nothing else waits on
    from the pool (pool threads must never wait for each other)."""
    if _threads == 1:
        return _Finished(fn(*args))
    return _Task(worker_pool().submit(fn, *args), fn, args)


def apply_parallel(kernel, *arrays, out_dtype=None):
    """``kernel(*arrays, out=...)`` computed in chunks across threads for large inputs.

    All arrays must share one C-contiguous shape; ``kernel`` is a ufunc or any function that
    accepts ``out=`` and works elementwise.  Falls back to one call when that does not hold.
    """
    first = arrays[0]
    if (_threads == 1 or first.size < PARALLEL_MIN_ELEMENTS
            or not all(a.flags.c_contiguous and a.shape == first.shape for a in arrays)):
        return kernel(*arrays)
    pool = worker_pool()
    if out_dtype is None:
        out_dtype = kernel(*(a.reshape(-1)[:1] for a in arrays)).dtype
    out = np.empty(first.shape, dtype=out_dtype)
    flat_out = out.reshape(-1)
    flats = [a.reshape(-1) for a in arrays]
    bounds = np.linspace(0, first.size, _threads + 1).astype(int)
    futures = [pool.submit(kernel, *(f[lo:hi] for f in flats), out=flat_out[lo:hi])
               for lo, hi in zip(bounds[1:-1], bounds[2:])]
    kernel(*(f[bounds[0]:bounds[1]] for f in flats), out=flat_out[bounds[0]:bounds[1]])
    for future in futures:
        future.result()
    return out


# -- BLAS threads for small products --------------------------------------------------------------
# OpenBLAS (NumPy's BLAS) hands any product above ~260k multiply-adds to its worker threads and
# spins waiting for them.  For the small products of a recurrent step (16x128 @ 128x512, tens of
# microseconds of work) the hand-off costs about as much as it saves, and when the other cores
# are busy each call waits for a descheduled worker: ~300 us instead of ~40 us on a loaded 2-core
# machine.  Code that issues many small products in a row (ember.ops.rnn) runs them inside
# `single_threaded_blas`, which caps OpenBLAS at one thread and restores the previous count on
# exit.  The cap is process-wide (OpenBLAS has no per-call setting), so a depth count under a
# lock keeps nested or concurrent users from restoring it early; another thread's products run
# single-threaded meanwhile, which changes their speed, never their results.  It is a no-op
# when NumPy's BLAS is not an OpenBLAS that exports openblas_set_num_threads.

_blas_lock = threading.Lock()
_blas_depth = 0
_blas_saved = 1
_blas_api: tuple | bool | None = None


def _find_openblas() -> tuple | None:
    """(set_num_threads, get_num_threads) of the loaded OpenBLAS, NumPy's own first."""
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split(None, 5)[-1].strip() for line in maps if "openblas" in line.lower()}
    except OSError:
        return None
    for path in sorted(paths, key=lambda p: "numpy" not in p):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix in ("scipy_openblas", "openblas"):
            for suffix in ("64_", ""):
                setter = getattr(lib, f"{prefix}_set_num_threads{suffix}", None)
                getter = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
                if setter is not None and getter is not None:
                    setter.argtypes, setter.restype = [ctypes.c_int], None
                    getter.argtypes, getter.restype = [], ctypes.c_int
                    return setter, getter
    return None


class _SingleThreadedBlas:
    """Context manager: OpenBLAS runs on the calling thread only while inside."""

    def __enter__(self) -> None:
        global _blas_api, _blas_depth, _blas_saved
        if _blas_api is None:
            _blas_api = _find_openblas() or False
        if not _blas_api:
            return
        with _blas_lock:
            if _blas_depth == 0:
                _blas_saved = _blas_api[1]()
                if _blas_saved != 1:
                    _blas_api[0](1)
            _blas_depth += 1

    def __exit__(self, *exc) -> None:
        global _blas_depth
        if not _blas_api:
            return
        with _blas_lock:
            _blas_depth -= 1
            if _blas_depth == 0 and _blas_saved != 1:
                _blas_api[0](_blas_saved)


single_threaded_blas = _SingleThreadedBlas()
