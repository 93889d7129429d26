"""``DataLoader``: iterate over a dataset in (shuffled, batched, collated) batches, loading in
the main process or in worker processes (``torch.utils.data.DataLoader``).

With ``num_workers > 0`` each worker is a real process holding its own copy of the dataset.
The main process sends it lists of indices through a queue; the worker fetches and collates
the samples, writing tensors into shared memory, and sends back only handles to that memory
(see ``_channel``).  At most ``prefetch_factor * num_workers`` batches are in flight, and they
are returned in sampler order unless ``in_order=False``.  The main process watches its
workers: a worker that dies is reported at once (with the signal that killed it), and the
workers are shut down when the iterator ends, fails, or is dropped.
"""
from __future__ import annotations

import itertools
import math
import multiprocessing as python_multiprocessing
import multiprocessing.connection
import os
import pickle
import signal
import socket
import time
import warnings
import weakref
from typing import Any, Generic, TypeVar

# Imported before our exit hook is registered: its own exit hook must run after ours.
from ...multiprocessing import _shm
from . import _channel
from ._recycle import MainRecycler
from ._worker import (MP_STATUS_CHECK_INTERVAL, ExceptionWrapper, _DatasetKind,
                      _IterableDatasetStopIteration, _ResumeIteration, _worker_loop,
                      get_worker_info)
from .collate import default_collate, default_convert
from .dataset import Dataset, IterableDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["DataLoader", "get_worker_info", "default_collate", "default_convert"]

T_co = TypeVar("T_co", covariant=True)

_python_exiting = False
# Seconds between attempts to send tasks that did not fit in a worker's socket.
_OUTBOX_RETRY = 0.01


# Iterators with live workers (persistent ones outlive their epochs), stopped at exit.
_live_iterators: weakref.WeakSet = weakref.WeakSet()


def _mark_python_exiting() -> None:
    # Workers still running at exit are stopped gracefully while the interpreter is intact
    # (so they release their shared memory); later, during teardown, __del__ does nothing
    # and multiprocessing's own exit handler terminates whatever daemonic workers remain.
    global _python_exiting
    for iterator in list(_live_iterators):
        iterator._shutdown_workers()
    _python_exiting = True


import atexit  # noqa: E402

atexit.register(_mark_python_exiting)


class _InfiniteConstantSampler(Sampler):
    """The sampler of iterable datasets: ``None`` forever (workers draw the samples)."""

    def __iter__(self):
        return itertools.repeat(None)


class DataLoader(Generic[T_co]):
    """Iterates over ``dataset`` in batches.

    The arguments mean what they mean in PyTorch: ``batch_size`` (None: no batching),
    ``shuffle``/``sampler``/``batch_sampler`` choose the order, ``collate_fn`` builds batches,
    ``num_workers`` processes load in parallel (``worker_init_fn``, ``multiprocessing_context``,
    ``prefetch_factor``, ``persistent_workers``, ``timeout`` and ``in_order`` tune them),
    ``generator`` seeds shuffling and the workers, ``drop_last`` drops a short final batch.
    ``pin_memory`` is accepted and has no effect on the CPU.
    """

    __initialized = False

    def __init__(self, dataset: Dataset[T_co], batch_size: int | None = 1,
                 shuffle: bool | None = None, sampler=None, batch_sampler=None,
                 num_workers: int = 0, collate_fn=None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *,
                 prefetch_factor: int | None = None, persistent_workers: bool = False,
                 pin_memory_device: str = "", in_order: bool = True) -> None:
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to "
                             "disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing."
                             "let num_workers > 0 to enable multiprocessing, otherwise set "
                             "prefetch_factor to None.")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")

        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.in_order = in_order

        if isinstance(dataset, IterableDataset):
            self._dataset_kind = _DatasetKind.Iterable
            if shuffle not in {False, None}:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified shuffle "
                                 f"option, but got shuffle={shuffle}")
            if sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified sampler "
                                 f"option, but got sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                 f"batch_sampler option, but got batch_sampler={batch_sampler}")
        else:
            shuffle = bool(shuffle)
            self._dataset_kind = _DatasetKind.Map

        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")

        if sampler is None:
            if self._dataset_kind == _DatasetKind.Iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self.persistent_workers = persistent_workers
        self.__initialized = True
        self._IterableDataset_len_called = None
        self._iterator = None
        self.check_worker_number_rationality()

    def _get_iterator(self) -> "_BaseDataLoaderIter":
        if self.num_workers == 0:
            return _SingleProcessDataLoaderIter(self)
        self.check_worker_number_rationality()
        return _MultiProcessingDataLoaderIter(self)

    @property
    def multiprocessing_context(self):
        return self.__multiprocessing_context

    @multiprocessing_context.setter
    def multiprocessing_context(self, multiprocessing_context) -> None:
        if multiprocessing_context is not None:
            if self.num_workers <= 0:
                raise ValueError("multiprocessing_context can only be used with multi-process "
                                 f"loading (num_workers > 0), but got "
                                 f"num_workers={self.num_workers}")
            if isinstance(multiprocessing_context, str):
                methods = python_multiprocessing.get_all_start_methods()
                if multiprocessing_context not in methods:
                    raise ValueError("multiprocessing_context option should specify a valid "
                                     f"start method in {methods!r}, but got "
                                     f"multiprocessing_context={multiprocessing_context!r}")
                multiprocessing_context = python_multiprocessing.get_context(
                    multiprocessing_context)
            if not isinstance(multiprocessing_context, python_multiprocessing.context.BaseContext):
                raise TypeError("multiprocessing_context option should be a valid context object "
                                "or a string specifying the start method, but got "
                                f"multiprocessing_context={multiprocessing_context}")
        self.__multiprocessing_context = multiprocessing_context

    def __setattr__(self, attr: str, value) -> None:
        if self.__initialized and attr in ("batch_size", "batch_sampler", "sampler", "drop_last",
                                           "dataset", "persistent_workers"):
            raise ValueError(f"{attr} attribute should not be set after "
                             f"{self.__class__.__name__} is initialized")
        super().__setattr__(attr, value)

    def __iter__(self) -> "_BaseDataLoaderIter":
        if self.persistent_workers and self.num_workers > 0:
            if self._iterator is None or self._iterator._shutdown:
                # (A failure shut the last one down: start afresh.)
                self._iterator = self._get_iterator()
            else:
                self._iterator._reset(self)
            return self._iterator
        return self._get_iterator()

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def __len__(self) -> int:
        if self._dataset_kind == _DatasetKind.Iterable:
            # The dataset's own estimate; workers may in fact yield a different number.
            length = self._IterableDataset_len_called = len(self.dataset)
            if self.batch_size is not None:
                if self.drop_last:
                    return length // self.batch_size
                return math.ceil(length / self.batch_size)
            return length
        return len(self._index_sampler)

    def check_worker_number_rationality(self) -> None:
        """Warn when more workers are asked for than this process may use CPUs."""
        if not self.num_workers:
            return
        cpuset_checked = hasattr(os, "sched_getaffinity")
        suggested = len(os.sched_getaffinity(0)) if cpuset_checked else os.cpu_count()
        if suggested is not None and self.num_workers <= suggested:
            return
        if suggested is None:
            advice = ("DataLoader is not able to compute a suggested max number of worker in "
                      "current system.")
        else:
            caveat = "" if cpuset_checked else " (`cpuset` is not taken into account)"
            advice = (f"Our suggested max number of worker in current system is {suggested}"
                      f"{caveat}, which is smaller than what this DataLoader is going to create.")
        warnings.warn(f"This DataLoader will create {self.num_workers} worker processes in "
                      f"total. {advice} Please be aware that excessive worker creation might get "
                      "DataLoader running slow or even freeze, lower the worker number to avoid "
                      "potential slowness/freeze if necessary.", stacklevel=2)


class _BaseDataLoaderIter:
    def __init__(self, loader: DataLoader) -> None:
        from ... import empty, int64
        self._dataset = loader.dataset
        self._shared_seed = None
        self._dataset_kind = loader._dataset_kind
        self._IterableDataset_len_called = loader._IterableDataset_len_called
        self._auto_collation = loader._auto_collation
        self._drop_last = loader.drop_last
        self._index_sampler = loader._index_sampler
        self._num_workers = loader.num_workers
        if loader.pin_memory and loader.pin_memory_device:
            warnings.warn("pin_memory_device is deprecated, the current accelerator will be used "
                          f"as the device,ignore pin_memory_device='{loader.pin_memory_device}'.",
                          stacklevel=3)
        if loader.pin_memory:
            warnings.warn("'pin_memory' argument is set as true but no accelerator is found, then "
                          "device pinned memory won't be used.", stacklevel=3)
        self._timeout = loader.timeout
        self._collate_fn = loader.collate_fn
        self._sampler_iter = iter(self._index_sampler)
        # Drawn from the loader's generator even without workers, as PyTorch does, so the
        # generator's stream is consumed identically.
        self._base_seed = empty((), dtype=int64).random_(generator=loader.generator).item()
        self._persistent_workers = loader.persistent_workers
        self._num_yielded = 0

    def __iter__(self) -> "_BaseDataLoaderIter":
        return self

    def _reset(self, loader: DataLoader, first_iter: bool = False) -> None:
        self._sampler_iter = iter(self._index_sampler)
        self._num_yielded = 0
        self._IterableDataset_len_called = loader._IterableDataset_len_called

    def _next_index(self):
        return next(self._sampler_iter)

    def _next_data(self):
        raise NotImplementedError

    def __next__(self) -> Any:
        if self._sampler_iter is None:
            self._reset()
        data = self._next_data()
        self._num_yielded += 1
        if (self._dataset_kind == _DatasetKind.Iterable
                and self._IterableDataset_len_called is not None
                and self._num_yielded > self._IterableDataset_len_called):
            message = (f"Length of IterableDataset {self._dataset} was reported to be "
                       f"{self._IterableDataset_len_called}(when accessing len(dataloader)), but "
                       f"{self._num_yielded} samples have been fetched. ")
            if self._num_workers > 0:
                message += ("For multiprocessing data-loading, this could be caused by not "
                            "properly configuring the IterableDataset replica at each worker. "
                            "Please see https://pytorch.org/docs/stable/data.html#torch.utils."
                            "data.IterableDataset for examples.")
            warnings.warn(message, stacklevel=2)
        return data

    def __len__(self) -> int:
        return len(self._index_sampler)

    def __getstate__(self):
        raise NotImplementedError("{} cannot be pickled", self.__class__.__name__)


class _SingleProcessDataLoaderIter(_BaseDataLoaderIter):
    """Loads in the calling process."""

    def __init__(self, loader: DataLoader) -> None:
        super().__init__(loader)
        self._dataset_fetcher = _DatasetKind.create_fetcher(
            self._dataset_kind, self._dataset, self._auto_collation, self._collate_fn,
            self._drop_last)

    def _next_data(self):
        index = self._next_index()
        return self._dataset_fetcher.fetch(index)


def _worker_failure(worker_id: int, process) -> RuntimeError:
    """The error for a worker that ended while the main process still expected data."""
    process.join(MP_STATUS_CHECK_INTERVAL)
    code = process.exitcode
    if code is not None and code < 0:
        name = signal.strsignal(-code) or f"signal {-code}"
        message = (f"DataLoader worker {worker_id} (pid {process.pid}) is killed by signal: "
                   f"{name}. ")
        if -code == signal.SIGBUS:
            message += ("It is possible that dataloader's workers are out of shared memory. "
                        "Please try to raise your shared memory limit.")
        return RuntimeError(message)
    if code:
        return RuntimeError(f"DataLoader worker {worker_id} (pid {process.pid}) exited "
                            f"unexpectedly with exit code {code}. Details are lost due to "
                            "multiprocessing. Rerunning with num_workers=0 may give better error "
                            "trace.")
    return RuntimeError(f"DataLoader worker (pid(s) {process.pid}) exited unexpectedly")


class _MultiProcessingDataLoaderIter(_BaseDataLoaderIter):
    """Loads in ``num_workers`` worker processes, ``prefetch_factor`` batches ahead each."""

    def __init__(self, loader: DataLoader) -> None:
        super().__init__(loader)
        self._prefetch_factor = loader.prefetch_factor
        self._in_order = loader.in_order
        if self._prefetch_factor <= 0:
            raise AssertionError("prefetch_factor must be greater than 0 for "
                                 "MultiProcessingDataLoaderIter")
        context = loader.multiprocessing_context or python_multiprocessing.get_context()
        self._worker_init_fn = loader.worker_init_fn
        self._shutdown = False
        self._workers_done_event = context.Event()
        self._workers = []
        self._channels = []
        self._outboxes = []
        self._reaped = set()
        self._recycler = MainRecycler(self._num_workers, 4 * (self._prefetch_factor + 1))
        _live_iterators.add(self)
        try:
            for worker_id in range(self._num_workers):
                self._start_worker(context, worker_id, _shm.get_strategy())
        except BaseException:
            self._shutdown_workers(force=True)
            raise
        self._reset(loader, first_iter=True)

    def _start_worker(self, context, worker_id: int, strategy: str) -> None:
        main_end, worker_end = _channel.socket_pair()
        process = context.Process(
            target=_worker_loop,
            args=(self._dataset_kind, self._dataset, worker_end, self._workers_done_event,
                  self._auto_collation, self._collate_fn, self._drop_last, self._base_seed,
                  self._worker_init_fn, worker_id, self._num_workers, self._persistent_workers,
                  strategy))
        process.daemon = True
        _channel.main_ends.add(main_end)
        try:
            process.start()
        except BaseException as error:
            main_end.close()
            if isinstance(error, (TypeError, AttributeError, pickle.PicklingError)):
                warnings.warn("Got pickle error when attempting to start a worker Process. This "
                              "might be because the worker Process arguments are not picklable. "
                              "Python 3.14+ changed the multiprocessing start method in non-Mac "
                              "POSIX platforms to 'forkserver', which requires the worker "
                              "Process arguments to be picklable. You can also try "
                              "multiprocessing.set_start_method('fork').", stacklevel=4)
            raise
        finally:
            worker_end.close()
        self._workers.append(process)
        self._channels.append(main_end)
        self._outboxes.append(_channel.Outbox(main_end))

    def _reset(self, loader: DataLoader, first_iter: bool = False) -> None:
        super()._reset(loader, first_iter)
        self._send_idx = 0
        self._rcvd_idx = 0
        self._task_info = {}
        self._workers_status = [True] * self._num_workers
        self._workers_num_tasks = [0] * self._num_workers
        self._awaiting = [0] * self._num_workers
        self._worker_queue_idx_cycle = itertools.cycle(range(self._num_workers))
        if not first_iter:
            # Persistent workers: restart every worker and drop what the last epoch left over.
            for outbox in self._outboxes:
                outbox.put(_ResumeIteration(self._shared_seed))
            for worker_id in range(self._num_workers):
                while True:
                    task, _ = self._receive_from(worker_id)
                    if isinstance(task, _ResumeIteration):
                        break
        for _ in range(self._prefetch_factor * self._num_workers):
            self._try_put_index()

    # -- receiving -------------------------------------------------------------------------

    def _live_sentinels(self) -> dict:
        return {process.sentinel: worker_id for worker_id, process in enumerate(self._workers)
                if worker_id not in self._reaped}

    def _check_workers(self, ready) -> None:
        """Raise for a worker that died while it was still expected to serve."""
        for sentinel, worker_id in self._live_sentinels().items():
            if sentinel not in ready:
                continue
            self._reaped.add(worker_id)
            if self._workers_status[worker_id] or self._awaiting[worker_id]:
                error = _worker_failure(worker_id, self._workers[worker_id])
                self._shutdown_workers(force=True)
                raise error

    def _flush_outboxes(self) -> bool:
        """Send what the sockets take now; True when everything has gone out."""
        done = True
        for outbox in self._outboxes:
            if outbox.pending:
                outbox.flush()
                done = done and not outbox.pending
        return done

    def _wait(self, channels: list):
        """Wait until one of ``channels`` has a message; the ready channel.  A worker that dies
        meanwhile, or a timeout, raises."""
        deadline = None if self._timeout <= 0 else time.monotonic() + self._timeout
        while True:
            sentinels = self._live_sentinels()
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not self._flush_outboxes():
                # Tasks wait for room in a socket: look again shortly.
                remaining = _OUTBOX_RETRY if remaining is None else min(remaining, _OUTBOX_RETRY)
            ready = multiprocessing.connection.wait(channels + list(sentinels), remaining)
            for channel in channels:
                if channel in ready:
                    return channel
            if ready:
                self._check_workers(ready)
            elif deadline is not None and time.monotonic() >= deadline:
                self._shutdown_workers(force=True)
                raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds")

    def _receive_from(self, worker_id: int):
        """The next (task, data) message from one worker."""
        channel = self._wait([self._channels[worker_id]])
        return self._read(worker_id, channel)

    def _read(self, worker_id: int, channel):
        def wait_more():
            self._wait([channel])

        try:
            received, message = _channel.receive(channel, wait_more, self._recycler, worker_id)
        except ConnectionResetError:
            received = False  # the worker died with our tasks unread
        if not received:
            # The worker closed its end: it is exiting or gone.
            error = _worker_failure(worker_id, self._workers[worker_id])
            self._shutdown_workers(force=True)
            raise error
        return message

    def _receive(self):
        """(worker id, task, data) for the next message the iteration needs."""
        if self._in_order:
            worker_id = self._task_info[self._rcvd_idx][0]
            return (worker_id, *self._receive_from(worker_id))
        waiting = [self._channels[w] for w in range(self._num_workers)
                   if self._awaiting[w] and self._workers_status[w]]
        channel = self._wait(waiting)
        worker_id = self._channels.index(channel)
        return (worker_id, *self._read(worker_id, channel))

    # -- the iteration -----------------------------------------------------------------------

    def _next_data(self):
        while True:
            # Skip tasks already returned (out of order) or owned by workers that stopped.
            while self._rcvd_idx < self._send_idx:
                info = self._task_info.get(self._rcvd_idx)
                if info is not None:
                    if len(info) == 2 or self._workers_status[info[0]]:
                        break
                    del self._task_info[self._rcvd_idx]
                self._rcvd_idx += 1
            else:
                if not self._persistent_workers:
                    self._shutdown_workers()
                raise StopIteration
            info = self._task_info[self._rcvd_idx]
            if len(info) == 2:
                del self._task_info[self._rcvd_idx]
                self._rcvd_idx += 1
                return self._process_data(info[1], info[0])
            worker_id, task, data = self._receive()
            self._awaiting[worker_id] -= 1
            if isinstance(data, _IterableDatasetStopIteration):
                self._stop_worker(data.worker_id)
                self._try_put_index()
                continue
            if task == self._rcvd_idx:
                del self._task_info[task]
                self._rcvd_idx += 1
                return self._process_data(data, worker_id)
            if not self._in_order:
                del self._task_info[task]
                return self._process_data(data, worker_id)
            self._task_info[task] = (worker_id, data)

    def _stop_worker(self, worker_id: int) -> None:
        """Send no more work to a worker whose iterable dataset is exhausted (and let it exit
        unless it is persistent)."""
        if self._persistent_workers:
            self._workers_status[worker_id] = False
        else:
            self._mark_worker_as_unavailable(worker_id)

    def _try_put_index(self) -> None:
        max_tasks = self._prefetch_factor * self._num_workers
        try:
            index = self._next_index()
        except StopIteration:
            return
        for _ in range(self._num_workers):
            worker_id = next(self._worker_queue_idx_cycle)
            if not self._workers_status[worker_id]:
                continue
            if self._in_order:
                break
            # Out of order: keep each worker's share of the prefetch budget balanced.
            if self._workers_num_tasks[worker_id] < max_tasks // sum(self._workers_status):
                break
        else:
            return
        # Batch memory the main process is done with goes back with the next task.
        self._outboxes[worker_id].put((self._send_idx, index, self._recycler.news(worker_id)))
        self._task_info[self._send_idx] = (worker_id,)
        self._workers_num_tasks[worker_id] += 1
        self._awaiting[worker_id] += 1
        self._send_idx += 1

    def _process_data(self, data, worker_id: int):
        self._workers_num_tasks[worker_id] -= 1
        self._try_put_index()
        if isinstance(data, ExceptionWrapper):
            data.reraise()
        return data

    # -- shutting down -----------------------------------------------------------------------

    def _mark_worker_as_unavailable(self, worker_id: int, shutdown: bool = False) -> None:
        """No more tasks for this worker: closing our sending side tells it to exit."""
        self._workers_status[worker_id] = False
        self._outboxes[worker_id].discard()
        channel = self._channels[worker_id]
        if channel.fileno() != -1:
            try:
                channel.shutdown(socket.SHUT_WR)
            except OSError:
                pass  # the worker is already gone

    def _drain(self, deadline: float) -> None:
        """Let workers finish and exit, releasing every message still on its way (their
        descriptors and named-segment references), until ``deadline``."""
        open_channels = [channel for channel in self._channels if channel.fileno() != -1]
        while open_channels and time.monotonic() < deadline:
            ready = multiprocessing.connection.wait(open_channels,
                                                    max(0.0, deadline - time.monotonic()))
            for channel in ready:
                try:
                    packets = _channel.receive_packets(channel, lambda: None)
                except OSError:
                    packets = None
                if packets is None:
                    open_channels.remove(channel)  # the worker closed its end: it is exiting
                else:
                    _channel.discard(*packets)

    @staticmethod
    def _drain_closed(channel) -> None:
        """Release whatever is still readable on a channel whose worker is gone."""
        channel.setblocking(False)
        try:
            while True:
                packets = _channel.receive_packets(channel, lambda: None)
                if packets is None:
                    return
                _channel.discard(*packets)
        except OSError:
            return

    def _shutdown_workers(self, force: bool = False) -> None:
        """Stop the workers (at once when ``force``), release in-flight batches, and close the
        channels."""
        if self._shutdown or _python_exiting:
            return
        self._shutdown = True
        _live_iterators.discard(self)
        self._recycler.close()
        try:
            self._workers_done_event.set()
            for worker_id in range(len(self._workers)):
                self._mark_worker_as_unavailable(worker_id, shutdown=True)
            if not force:
                self._drain(time.monotonic() + MP_STATUS_CHECK_INTERVAL)
        finally:
            for process in self._workers:
                if process.exitcode is None:  # still running: stuck, or told to stop at once
                    process.terminate()
            for process in self._workers:
                process.join(MP_STATUS_CHECK_INTERVAL)
            for channel in self._channels:
                if channel.fileno() != -1:
                    self._drain_closed(channel)
                channel.close()

    def __del__(self) -> None:
        if getattr(self, "_workers", None) is not None:
            self._shutdown_workers()
