"""Shared-memory segments: the memory that tensors share between processes.

A segment is one ``mmap`` of shared memory, exposed to NumPy through ``__array_interface__``
so that the segment object is the ``base`` of the root array of every tensor living in it
(which is how ``Tensor.is_shared()`` recognizes shared tensors).  Two kinds exist, one per
sharing strategy:

- ``file_descriptor``: an anonymous ``memfd``.  It has no name, so it can never leak: the
  memory is freed when the last mapping and descriptor close.  It travels between processes
  as a file descriptor (``SCM_RIGHTS``), and each segment keeps its descriptor open so it can
  be sent again.
- ``file_system``: a named file in ``/dev/shm``, sent by name, holding no descriptor.  A
  reference count in a small header (updated under ``flock``) counts live mappings plus
  references in flight; the process dropping the last one unlinks the file.

Every segment carries a key unique across processes; a process receiving a segment it has
already mapped reuses that mapping, so tensors sent separately still alias in the receiver.
"""
from __future__ import annotations

import _thread
import fcntl
import itertools
import os
import secrets
import struct
import threading
import time
import weakref
import mmap

import numpy as np

SHM_DIRECTORY = "/dev/shm"
NAME_PREFIX = "ember_"
# Room for the reference count at the start of a named segment; 64 keeps data cache-aligned.
_HEADER = 64

_strategy = "file_descriptor"
_STRATEGIES = {"file_descriptor", "file_system"}

_serials = itertools.count()
_process_token = secrets.randbits(64)
# key -> segment mapped in this process, so a segment received twice is mapped once.
_mapped: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
_refcount_lock = threading.Lock()


def _new_process_token() -> None:
    # A forked child must not mint keys that collide with its parent's.
    global _process_token, _serials, _refcount_lock
    _process_token = secrets.randbits(64)
    _serials = itertools.count()
    _refcount_lock = threading.Lock()


os.register_at_fork(after_in_child=_new_process_token)


class _Anchor:
    pass


# weakref.finalize runs the finalizers still pending at exit from an atexit hook it registers
# when the first finalizer is made.  Making one now registers that hook before any hook of
# code that imports this module, so those hooks (which may release segments) run first.
_anchor = _Anchor()
weakref.finalize(_anchor, int)


def get_strategy() -> str:
    return _strategy


def set_strategy(name: str) -> None:
    global _strategy
    _strategy = name


def all_strategies() -> set:
    return set(_STRATEGIES)


def _keeping_interrupts(function):
    """``function`` made fit for a finalizer.  Python only prints an exception raised in a
    finalizer, so a Ctrl-C that lands while a segment is released would be lost and the
    program would carry on; it is caught and raised again in the main thread instead -- from
    another thread, so that it arrives once the finalizer has returned."""
    def release(*args) -> None:
        try:
            function(*args)
        except KeyboardInterrupt:
            try:
                threading.Thread(target=_interrupt_main_soon, daemon=True).start()
            except RuntimeError:   # the interpreter is shutting down: nothing to tell
                pass
    return release


def _interrupt_main_soon() -> None:
    time.sleep(0.005)   # let the finalizers that are running finish first
    _thread.interrupt_main()


class Segment:
    """One mapping of shared memory; NumPy arrays over it report ``is_shared()``.

    ``fd`` is the open descriptor of a ``file_descriptor`` segment (None otherwise), ``name``
    the ``/dev/shm`` file name of a ``file_system`` segment (None otherwise); ``nbytes`` the
    usable size; ``key`` identifies the segment in every process that maps it.

    When the last array over a segment goes, its ``release`` runs: by default the descriptor
    is closed (or the name's reference dropped) and the memory unmapped.  A DataLoader passes
    its own ``release`` to recycle batch memory instead; it is called as
    ``release(key, mapping, whole, fd, nbytes, escaped)``, where ``escaped[0]`` says whether
    the segment was since sent to another process by other means (so it must not be reused).
    """

    shared = True

    def __init__(self, mapping: mmap.mmap, nbytes: int, key: tuple, fd: int | None = None,
                 name: str | None = None, release=None) -> None:
        self._mapping = mapping
        self.nbytes = nbytes
        self.key = key
        self.fd = fd
        self.name = name
        self.escaped = [False]
        self.recyclable = release is not None
        offset = _HEADER if name is not None else 0
        # Keeping a NumPy view of the mapping gives its address and keeps it mapped.
        self._whole = np.frombuffer(mapping, np.uint8)
        address = self._whole.ctypes.data + offset
        self.__array_interface__ = {"data": (address, False), "shape": (nbytes,),
                                    "typestr": "|u1", "version": 3}
        _mapped[key] = self
        if release is not None:
            self._release = weakref.finalize(self, _keeping_interrupts(release), key, mapping,
                                             self._whole, fd, nbytes, self.escaped)
        elif fd is not None:
            self._release = weakref.finalize(self, _keeping_interrupts(os.close), fd)
        else:
            self._release = weakref.finalize(self, _keeping_interrupts(_release_name), name,
                                             self._whole, os.getpid())

    def array(self) -> np.ndarray:
        """The segment's bytes as a uint8 array (this segment is the array's ``base``)."""
        return np.asarray(self)

    def __reduce__(self):
        raise TypeError("shared-memory segments travel through ember.multiprocessing's "
                        "reductions, not through plain pickling")


def _path(name: str) -> str:
    return os.path.join(SHM_DIRECTORY, name)


def _adjust_refcount(name: str, header: np.ndarray, delta: int) -> int:
    """Add ``delta`` to a named segment's reference count under a file lock (other processes)
    and a thread lock (this one); unlink the file when the count reaches zero."""
    with _refcount_lock:
        try:
            fd = os.open(_path(name), os.O_RDWR)
        except FileNotFoundError:
            return 0
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            count = struct.unpack_from("<q", header, 0)[0] + delta
            struct.pack_into("<q", header, 0, count)
            if count <= 0:
                os.unlink(_path(name))
            return count
        finally:
            os.close(fd)


def _release_name(name: str, whole: np.ndarray, owner_pid: int) -> None:
    # A forked child inherits its parent's segment objects but not their references.
    if os.getpid() == owner_pid:
        _adjust_refcount(name, whole, -1)


def release_all() -> None:
    """Give back every segment reference this process holds (for a process about to exit
    without running finalizers, such as a multiprocessing child)."""
    for segment in list(_mapped.values()):
        segment._release()


def _new_key() -> tuple:
    return (_process_token, next(_serials))


# Where a DataLoader worker gets descriptor segments from (None: always make new ones).
# It offers ``take(nbytes)`` (a recycled segment or None) and ``release`` (see Segment).
recycler = None


def new_segment(nbytes: int, strategy: str | None = None) -> Segment:
    """A segment of ``nbytes`` usable bytes: fresh and zero-filled, or (inside a DataLoader
    worker) recycled memory the main process has finished with."""
    strategy = strategy or _strategy
    if strategy != "file_system" and recycler is not None:
        segment = recycler.take(nbytes)
        if segment is not None:
            return segment
    key = _new_key()
    if strategy == "file_system":
        name = f"{NAME_PREFIX}{os.getpid()}_{key[0]:016x}_{key[1]}"
        fd = os.open(_path(name), os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.ftruncate(fd, _HEADER + nbytes)
            mapping = mmap.mmap(fd, _HEADER + nbytes)
        finally:
            os.close(fd)
        struct.pack_into("<q", mapping, 0, 1)
        return Segment(mapping, nbytes, key, name=name)
    fd = os.memfd_create("ember_shm", os.MFD_CLOEXEC)
    try:
        # mmap refuses empty files; an empty tensor still gets a (one-byte) segment.
        os.ftruncate(fd, max(nbytes, 1))
        mapping = mmap.mmap(fd, max(nbytes, 1))
    except BaseException:
        os.close(fd)
        raise
    release = None if recycler is None else recycler.release
    return Segment(mapping, nbytes, key, fd=fd, release=release)


def shared_empty(shape: tuple, dtype) -> np.ndarray:
    """An uninitialized (zeroed) C-contiguous array of ``shape``/``dtype`` in a new segment."""
    dtype = np.dtype(dtype)
    count = 1
    for size in shape:
        count *= size
    segment = new_segment(count * dtype.itemsize)
    return segment.array()[:count * dtype.itemsize].view(dtype).reshape(shape)


def segment_of(array) -> Segment | None:
    """The segment holding ``array``'s memory, or None when it is private memory."""
    from .._storage import root_array
    if not isinstance(array, np.ndarray):
        return None
    base = root_array(array).base
    return base if isinstance(base, Segment) else None


def attach_fd(fd: int, nbytes: int, key: tuple, release=None) -> Segment:
    """The segment behind a received descriptor (which this takes ownership of)."""
    known = _mapped.get(key)
    if known is not None:
        os.close(fd)
        return known
    try:
        mapping = mmap.mmap(fd, max(nbytes, 1))
    except BaseException:
        os.close(fd)
        raise
    return Segment(mapping, nbytes, key, fd=fd, release=release)


def mapped(key: tuple) -> Segment | None:
    """The live segment with this key in this process, if any."""
    return _mapped.get(key)


def attach_name(name: str, nbytes: int, key: tuple) -> Segment:
    """The segment behind a received name; the reference that was in flight becomes this
    process's mapping (or is dropped when the segment is already mapped here)."""
    known = _mapped.get(key)
    if known is not None:
        _adjust_refcount(name, known._whole, -1)
        return known
    fd = os.open(_path(name), os.O_RDWR)
    try:
        mapping = mmap.mmap(fd, _HEADER + nbytes)
    finally:
        os.close(fd)
    return Segment(mapping, nbytes, key, name=name)


def send_reference(segment: Segment) -> None:
    """Count one more reference to a named segment: one that is about to be sent."""
    _adjust_refcount(segment.name, segment._whole, +1)


def drop_reference(name: str) -> None:
    """Give up a reference that was sent but will never be received (the message was
    discarded), unlinking the file when it was the last one."""
    with _refcount_lock:
        try:
            fd = os.open(_path(name), os.O_RDWR)
        except FileNotFoundError:
            return
    try:
        mapping = mmap.mmap(fd, _HEADER)
    finally:
        os.close(fd)
    _adjust_refcount(name, np.frombuffer(mapping, np.uint8), -1)


def dtype_token(np_dtype: np.dtype) -> str:
    """A short picklable name for an array dtype (``dtype.str``, which would lose bfloat16)."""
    return "bfloat16" if np_dtype == _BFLOAT16 else np_dtype.str


def dtype_of_token(token: str) -> np.dtype:
    """The dtype named by ``dtype_token``."""
    return _BFLOAT16 if token == "bfloat16" else np.dtype(token)


def _bfloat16() -> np.dtype:
    from .. import _dtype
    return _dtype.bfloat16.np


_BFLOAT16 = _bfloat16()
