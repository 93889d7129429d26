"""Recycling of batch memory between a DataLoader worker and the main process.

A fresh shared-memory segment costs system calls and a page fault per page on both sides,
which for small batches costs about as much as loading them.  So a batch's segments are not
thrown away: when the main process has dropped every tensor of a segment it keeps the mapping
and tells the worker (piggybacked on the next task); once the worker has dropped its own
references too, it writes a later batch of the same size into the same memory, and the main
process maps it again from its cache without receiving a descriptor.

A segment is reused only when both sides are done with it, and never once it was sent
anywhere else (``Segment.escaped``) or sent twice before coming back.
"""
from __future__ import annotations

import collections
import functools
import os

from ...multiprocessing._shm import Segment


class _Loan:
    """What the worker knows about one segment it sent to the main process."""

    __slots__ = ("cached", "lent", "poisoned", "worker_done", "main_reply", "mapping", "fd",
                 "nbytes")

    def __init__(self, cached: bool) -> None:
        self.cached = cached  # the main process holds a mapping of it already
        self.lent = False
        self.poisoned = False
        self.worker_done = False
        self.main_reply = None  # None until the main process is done: then reuse or not
        self.mapping = self.fd = self.nbytes = None


class WorkerRecycler:
    """The worker's side: hands out segments the main process gave back."""

    def __init__(self) -> None:
        self._loans: dict = {}
        self._free: dict = collections.defaultdict(list)  # nbytes -> [(key, mapping, fd)]

    def take(self, nbytes: int) -> Segment | None:
        """A returned segment of exactly ``nbytes``, or None."""
        free = self._free.get(nbytes)
        if not free:
            return None
        key, mapping, fd = free.pop()
        self._loans[key] = _Loan(cached=True)
        return Segment(mapping, nbytes, key, fd=fd, release=self.release)

    def lend(self, segment: Segment) -> str | None:
        """Record that ``segment`` is being sent: 'cached' when the main process can map it
        from its cache, 'recyclable' when it arrives by descriptor and may come back, None
        when it is not ours to recycle."""
        if not segment.recyclable or segment.escaped[0]:
            return None
        loan = self._loans.get(segment.key)
        if loan is None:
            loan = self._loans[segment.key] = _Loan(cached=False)
        elif loan.lent:
            loan.poisoned = True  # sent twice before coming back: too tangled to reuse
            return None
        loan.lent = True
        return "cached" if loan.cached else "recyclable"

    def unlend(self, key) -> None:
        """Forget a loan whose message was never sent (it failed to pickle)."""
        self._loans.pop(key, None)

    def release(self, key, mapping, whole, fd, nbytes, escaped) -> None:
        """The worker's last reference to a segment went (Segment's release hook)."""
        loan = self._loans.get(key)
        if loan is None or not loan.lent or loan.poisoned or escaped[0]:
            self._loans.pop(key, None)
            os.close(fd)
            return
        loan.worker_done = True
        loan.mapping, loan.fd, loan.nbytes = mapping, fd, nbytes
        self._settle(key, loan)

    def returned(self, key, reuse: bool) -> None:
        """The main process is done with a segment (and keeps its mapping when ``reuse``)."""
        loan = self._loans.get(key)
        if loan is not None:
            loan.main_reply = reuse
            self._settle(key, loan)

    def _settle(self, key, loan: _Loan) -> None:
        if not loan.worker_done or loan.main_reply is None:
            return
        del self._loans[key]
        if loan.main_reply and not loan.poisoned:
            self._free[loan.nbytes].append((key, loan.mapping, loan.fd))
        else:
            os.close(loan.fd)


class MainRecycler:
    """The main process's side: keeps the mappings of batches it has finished with (up to
    ``capacity`` per worker) and collects the news for each worker."""

    def __init__(self, workers: int, capacity: int) -> None:
        self._cache: dict = {}  # key -> (mapping, fd, nbytes, worker)
        self._counts = [0] * workers
        self._news = [collections.deque() for _ in range(workers)]
        self._capacity = capacity
        self._releases = [functools.partial(self._released, worker) for worker in range(workers)]
        self.closed = False

    def release_for(self, worker: int):
        """The release hook for segments that came from ``worker``."""
        return self._releases[worker]

    def _released(self, worker: int, key, mapping, whole, fd, nbytes, escaped) -> None:
        # Runs whenever the last tensor of a batch segment goes, possibly in any thread.
        keep = (not self.closed and not escaped[0] and self._counts[worker] < self._capacity)
        if keep:
            self._cache[key] = (mapping, fd, nbytes, worker)
            self._counts[worker] += 1
        else:
            os.close(fd)
        if not self.closed:
            self._news[worker].append((key, keep))

    def attach_cached(self, key) -> Segment:
        """A segment the worker refilled, mapped again from the cache."""
        mapping, fd, nbytes, worker = self._cache.pop(key)
        self._counts[worker] -= 1
        return Segment(mapping, nbytes, key, fd=fd, release=self._releases[worker])

    def news(self, worker: int) -> list:
        """The (key, reuse) pairs not yet told to ``worker``."""
        queue = self._news[worker]
        items = []
        while queue:
            items.append(queue.popleft())
        return items

    def close(self) -> None:
        """Stop recycling: drop every cached mapping (and its descriptor)."""
        self.closed = True
        while self._cache:
            _, (_, fd, _, _) = self._cache.popitem()
            os.close(fd)
