"""The two-way channel between the DataLoader's main process and one worker.

Each worker owns one end of a ``SOCK_SEQPACKET`` socket pair: the main process sends it tasks
(index lists) and it answers with results.  A message is a pickle in which every tensor is
replaced by a small handle naming a shared-memory segment and the tensor's place in it;
segments of the ``file_descriptor`` strategy ride along as file descriptors (``SCM_RIGHTS``) in
the same message, so no tensor data is copied through the socket and no helper thread or
extra connection is needed per segment.

Packets keep their boundaries, so a message is cut into packets of at most ``_PACKET`` bytes,
each starting with one byte saying whether more follow.  The main process never blocks on a
send: what the socket cannot take yet waits in an ``Outbox`` and goes out later.  Closing the
main end tells the worker to stop (it reads end-of-stream), and the worker reads
end-of-stream too if the main process dies.
"""
from __future__ import annotations

import io
import os
import pickle
import socket
import weakref
from multiprocessing.reduction import ForkingPickler

import numpy as np

from ..._tensor import Tensor

_PACKET = 1 << 16
_MAX_FDS = 250  # the kernel accepts at most 253 descriptors per packet
_MORE = b"\x01"
_LAST = b"\x00"

# The main-process ends of all live channels.  A forked worker inherits copies of them and
# closes those at once, so that only the main process holds them (and a worker sees
# end-of-stream when the main process goes away).
main_ends: weakref.WeakSet = weakref.WeakSet()


def close_inherited_ends() -> None:
    """In a freshly forked worker: close the inherited main-process channel ends."""
    for end in list(main_ends):
        end.close()
    main_ends.clear()


def socket_pair() -> tuple[socket.socket, socket.socket]:
    """(main end, worker end) of a new channel."""
    return socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)


class _MessagePickler(ForkingPickler):
    """Pickles one message, handing each tensor's memory over as a shared segment.

    With a worker's ``recycler`` the segments sent are lent to the main process and may come
    back for reuse; without one (the main process) they are marked as escaped."""

    def __init__(self, file, recycler=None) -> None:
        super().__init__(file, pickle.HIGHEST_PROTOCOL)
        self.recycler = recycler
        self.fds: list[int] = []
        self.segments: list = []
        self._fd_slots: dict = {}
        self.names: list[str] = []
        self.lent: list = []

    def persistent_id(self, obj):
        if not isinstance(obj, Tensor) or type(obj._data) is not np.ndarray:
            return None
        from ...multiprocessing._shm import dtype_token, segment_of, send_reference
        from ...multiprocessing.reductions import check_sendable, share_memory_
        check_sendable(obj)
        share_memory_(obj)
        data = obj._data
        segment = segment_of(data)
        self.segments.append(segment)
        if segment.fd is not None:
            loan = self.recycler.lend(segment) if self.recycler is not None else None
            if loan is not None:
                self.lent.append(segment.key)
            if loan is None:
                segment.escaped[0] = True
            if loan == "cached":
                where = ("cached",)
            else:
                slot = self._fd_slots.get(segment.key)
                if slot is None:
                    slot = self._fd_slots[segment.key] = len(self.fds)
                    self.fds.append(segment.fd)
                where = ("fd", slot, loan == "recyclable")
        else:
            send_reference(segment)
            self.names.append(segment.name)
            where = ("fs", segment.name)
        offset = data.__array_interface__["data"][0] - segment.__array_interface__["data"][0]
        rebuild_as = None if type(obj) is Tensor else type(obj)
        return (where, segment.nbytes, segment.key, offset, data.shape, data.strides,
                dtype_token(data.dtype), obj._rg, rebuild_as)


class _MessageUnpickler(pickle.Unpickler):
    """Rebuilds a message's tensors over the segments it names.  Received descriptors are
    taken over: each is kept by a segment or closed.  With the main process's ``recycler``
    (and the ``source`` worker's id) recyclable segments are mapped for recycling."""

    def __init__(self, file, fds: list[int], recycler=None, source: int = 0) -> None:
        super().__init__(file)
        self.fds = fds
        self.recycler = recycler
        self.source = source
        self._attached: dict = {}  # descriptor slot -> segment (each slot is taken over once)

    def _segment(self, where, nbytes: int, key):
        from ...multiprocessing._shm import attach_fd, attach_name, mapped
        kind = where[0]
        if kind == "fs":
            return attach_name(where[1], nbytes, key)
        if kind == "cached":
            return mapped(key) or self.recycler.attach_cached(key)
        slot = where[1]
        segment = self._attached.get(slot)
        if segment is None:
            release = None
            if where[2] and self.recycler is not None and not self.recycler.closed:
                release = self.recycler.release_for(self.source)
            segment = self._attached[slot] = attach_fd(self.fds[slot], nbytes, key, release)
        return segment

    def persistent_load(self, pid):
        from ...multiprocessing._shm import dtype_of_token
        where, nbytes, key, offset, shape, strides, dtype, requires_grad, rebuild_as = pid
        segment = self._segment(where, nbytes, key)
        array = np.ndarray(shape, dtype_of_token(dtype), buffer=segment.array(), offset=offset,
                           strides=strides)
        tensor = Tensor._make(array)
        if rebuild_as is not None:
            tensor = tensor.as_subclass(rebuild_as)
        tensor._rg = requires_grad
        return tensor

    def close_unused(self) -> None:
        for slot, fd in enumerate(self.fds):
            if slot not in self._attached:
                os.close(fd)

class Message:
    """An encoded message: its packets (bytes parts and descriptors each), and the segments
    it refers to, kept alive until the message has been sent."""

    __slots__ = ("packets", "segments", "names")

    def __init__(self, obj, recycler=None) -> None:
        buffer = io.BytesIO()
        pickler = _MessagePickler(buffer, recycler)
        try:
            pickler.dump(obj)
        except BaseException:
            _drop_names(pickler.names)
            for key in pickler.lent:
                recycler.unlend(key)
            raise
        self.segments = pickler.segments
        self.names = pickler.names
        payload = buffer.getbuffer()
        fds = pickler.fds
        size = len(payload)
        packets = []
        start = 0
        while True:
            end = min(start + _PACKET, size)
            batch_fds, fds = fds[:_MAX_FDS], fds[_MAX_FDS:]
            more = end < size or bool(fds)
            packets.append(([_MORE if more else _LAST, payload[start:end]], batch_fds))
            start = end
            if not more:
                break
        packets.reverse()  # sent from the end of the list
        self.packets = packets

    def abandon(self) -> None:
        """Give back the named-segment references of a message that will not be sent."""
        _drop_names(self.names)
        self.names = []


def _drop_names(names: list[str]) -> None:
    from ...multiprocessing._shm import drop_reference
    for name in names:
        drop_reference(name)


def _send_packet(sock: socket.socket, parts, fds, flags: int) -> None:
    if fds:
        socket.send_fds(sock, parts, fds, flags)
    else:
        sock.sendmsg(parts, [], flags)


def send(sock: socket.socket, obj, recycler=None) -> None:
    """Send ``obj`` as one message, blocking until the socket takes all of it."""
    message = Message(obj, recycler)
    try:
        while message.packets:
            parts, fds = message.packets[-1]
            _send_packet(sock, parts, fds, 0)
            message.packets.pop()
    except BaseException:
        message.abandon()
        raise


class Outbox:
    """Messages from the main process to one worker, sent without ever blocking."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.pending: list[Message] = []

    def put(self, obj) -> None:
        self.pending.append(Message(obj))
        self.flush()

    def flush(self) -> None:
        """Send as much of the pending messages as the socket takes now."""
        while self.pending:
            message = self.pending[0]
            while message.packets:
                parts, fds = message.packets[-1]
                try:
                    _send_packet(self.sock, parts, fds, socket.MSG_DONTWAIT)
                except BlockingIOError:
                    return
                message.packets.pop()
            self.pending.pop(0)

    def discard(self) -> None:
        for message in self.pending:
            message.abandon()
        self.pending = []


def receive_packets(sock: socket.socket, wait_more) -> tuple[bytes, list[int]] | None:
    """Read one message's raw bytes and descriptors; None at end of stream.  ``wait_more()``
    is called before each continuation packet (it raises when the sender died)."""
    chunks = []
    fds: list[int] = []
    try:
        while True:
            data, new_fds, _flags, _ = socket.recv_fds(sock, _PACKET + 1, _MAX_FDS)
            fds.extend(new_fds)
            if not data:
                _close_all(fds)
                return None
            chunks.append(data[1:])
            if data[:1] == _LAST:
                return b"".join(chunks), fds
            wait_more()
    except BaseException:
        _close_all(fds)
        raise


def decode(payload: bytes, fds: list[int], recycler=None, source: int = 0):
    """The object that was sent, its tensors mapped onto the shared segments."""
    unpickler = _MessageUnpickler(io.BytesIO(payload), fds, recycler, source)
    try:
        return unpickler.load()
    finally:
        unpickler.close_unused()


def receive(sock: socket.socket, wait_more=lambda: None, recycler=None, source: int = 0):
    """(True, object) for the next message, or (False, None) at end of stream."""
    packets = receive_packets(sock, wait_more)
    if packets is None:
        return False, None
    return True, decode(*packets, recycler, source)


def discard(payload: bytes, fds: list[int], recycler=None, source: int = 0) -> None:
    """Release what an unwanted message holds: decoding and dropping it gives back its
    descriptors and its references to named segments."""
    try:
        decode(payload, fds, recycler, source)
    except Exception:
        pass


def _close_all(fds: list[int]) -> None:
    for fd in fds:
        os.close(fd)
