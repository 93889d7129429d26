"""How tensors cross process boundaries: through shared memory, never as copies.

``init_reductions()`` registers a reduction for ``Tensor`` (and every subclass) with
multiprocessing's ``ForkingPickler``, which is what ``Queue``, ``Pipe``, ``SimpleQueue`` and
process arguments under ``spawn``/``forkserver`` pickle with.  A tensor whose memory is private
is first moved into a shared segment (``share_memory_``); the pickle then carries only a
handle to the segment (a duplicated descriptor or a ``/dev/shm`` name) and the tensor's
geometry, and the receiver maps the same memory, so writes on either side are seen by both.
"""
from __future__ import annotations

import multiprocessing.reduction
import pickle
from multiprocessing.reduction import ForkingPickler

import numpy as np

from .._tensor import Tensor
from . import _shm

__all__ = ["init_reductions", "reduce_tensor", "rebuild_tensor", "share_memory_"]


def check_sendable(tensor: Tensor) -> None:
    """Refuse tensors that carry autograd history: the graph cannot follow them."""
    if tensor._rg and tensor.grad_fn is not None:
        raise RuntimeError(
            "Cowardly refusing to serialize non-leaf tensor which requires_grad, since autograd "
            "does not support crossing process boundaries.  If you just want to transfer the "
            "data, call detach() on the tensor before serializing (e.g., putting it on the "
            "queue).")


def _move_into(tensor: Tensor, segment_root: np.ndarray, old_start: int) -> None:
    """Point ``tensor`` at the same place in ``segment_root`` (the storage copied to shared
    memory) that it had in the old storage starting at address ``old_start``."""
    data = tensor._data
    offset = data.__array_interface__["data"][0] - old_start
    moved = np.ndarray(data.shape, data.dtype, buffer=segment_root, offset=offset,
                       strides=data.strides)
    if not data.flags.writeable:
        moved.flags.writeable = False
    tensor._data = moved


def share_memory_(self: Tensor) -> Tensor:
    """Move this tensor's storage into shared memory (a no-op when it is already shared);
    returns self.  The base tensor it is a view of (if any) moves along with it."""
    from .._storage import _span_start, flat_bytes
    data = self._data
    if not isinstance(data, np.ndarray) or _shm.segment_of(data) is not None:
        return self
    storage = flat_bytes(data)
    old_start = _span_start(_root(data))
    segment = _shm.new_segment(storage.size)
    root = segment.array()
    root[:] = storage
    base = self._view_of
    if base is not None and type(base._data) is np.ndarray and _root(base._data) is _root(data):
        _move_into(base, root, old_start)
    _move_into(self, root, old_start)
    return self


def _root(array: np.ndarray) -> np.ndarray:
    from .._storage import root_array
    return root_array(array)


def _segment_handle(segment: _shm.Segment):
    """What the receiver needs to map ``segment``: a descriptor to duplicate, or a name."""
    if segment.fd is not None:
        return ("fd", multiprocessing.reduction.DupFd(segment.fd))
    _shm.send_reference(segment)
    return ("fs", segment.name)


def _attach(handle, nbytes: int, key: tuple) -> _shm.Segment:
    kind, value = handle
    if kind == "fd":
        return _shm.attach_fd(value.detach(), nbytes, key)
    return _shm.attach_name(value, nbytes, key)


def reduce_tensor(tensor: Tensor):
    """ForkingPickler reduction: the tensor as a handle to its (now shared) memory."""
    check_sendable(tensor)
    data = tensor._data
    if type(data) is not np.ndarray:
        # Tensors without host memory (the meta device) carry only their description.
        return tensor.__reduce_ex__(pickle.HIGHEST_PROTOCOL)
    share_memory_(tensor)
    data = tensor._data
    segment = _shm.segment_of(data)
    segment.escaped[0] = True  # another process may use it now: never recycle it
    offset = data.__array_interface__["data"][0] - segment.__array_interface__["data"][0]
    geometry = (offset, data.shape, data.strides, _shm.dtype_token(data.dtype))
    return (rebuild_tensor, (_segment_handle(segment), segment.nbytes, segment.key, geometry,
                             tensor._rg, type(tensor)))


def rebuild_tensor(handle, nbytes: int, key: tuple, geometry: tuple, requires_grad: bool,
                   cls=Tensor) -> Tensor:
    """The receiving side of ``reduce_tensor``: a tensor over the sender's shared memory."""
    segment = _attach(handle, nbytes, key)
    offset, shape, strides, dtype = geometry
    array = np.ndarray(shape, _shm.dtype_of_token(dtype), buffer=segment.array(), offset=offset,
                       strides=strides)
    tensor = Tensor._make(array)
    if cls is not Tensor:
        tensor = tensor.as_subclass(cls)
    tensor._rg = requires_grad
    return tensor


def _register(cls: type) -> None:
    ForkingPickler.register(cls, reduce_tensor)
    for subclass in cls.__subclasses__():
        _register(subclass)


def _register_new_subclass(cls, **kwargs) -> None:
    # Pickler dispatch tables match exact types, so each subclass is registered as it is made.
    ForkingPickler.register(cls, reduce_tensor)


def init_reductions() -> None:
    """Make multiprocessing send tensors (of any Tensor subclass) through shared memory."""
    _register(Tensor)
    Tensor.__init_subclass__ = classmethod(_register_new_subclass)
    Tensor.share_memory_ = share_memory_
