"""What runs inside a DataLoader worker process: seeding, the fetch loop, and the messages
workers and the main process exchange."""
from __future__ import annotations

import os
import random
import select
import sys
import traceback
from dataclasses import dataclass

import numpy as np

# Seconds between checks that the main process is still alive.
MP_STATUS_CHECK_INTERVAL = 5.0

_worker_info = None


@dataclass(frozen=True, slots=True)
class WorkerInfo:
    """Who this worker is: ``id`` (0 .. num_workers - 1), ``num_workers``, the ``seed`` it was
    seeded with, and its own copy of the ``dataset``."""

    id: int
    num_workers: int
    seed: int
    dataset: object
    rng: object = None
    worker_method: str | None = "multiprocessing"


def get_worker_info() -> WorkerInfo | None:
    """Inside a DataLoader worker, that worker's ``WorkerInfo``; in the main process, None."""
    return _worker_info


@dataclass(frozen=True)
class _IterableDatasetStopIteration:
    """A worker's reply once its copy of an iterable dataset is exhausted."""

    worker_id: int


@dataclass(frozen=True)
class _ResumeIteration:
    """Sent to persistent workers to start a new epoch (and echoed back)."""

    seed: int | None = None


class _KeyErrorMessage(str):
    # KeyError shows repr() of its argument; this keeps a multi-line traceback readable.
    def __repr__(self) -> str:
        return self


class ExceptionWrapper:
    """An exception caught in a worker, carried to the main process as its type and formatted
    traceback, and raised again there by ``reraise``."""

    def __init__(self, exc_info=None, where: str = "in background") -> None:
        if exc_info is None:
            exc_info = sys.exc_info()
        self.exc_type = exc_info[0]
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where

    def reraise(self):
        """Raise an exception of the original type whose message holds the original
        traceback (a RuntimeError when that type cannot be built from a message)."""
        message = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            message = _KeyErrorMessage(message)
        elif getattr(self.exc_type, "message", None):
            raise self.exc_type(message=message)
        try:
            exception = self.exc_type(message)
        except Exception:
            raise RuntimeError(message) from None
        try:
            raise exception
        finally:
            # The traceback holds this frame: dropping the local avoids a reference cycle
            # that would keep the DataLoader iterator (and its workers) alive until a gc run.
            del exception


class _DatasetKind:
    Map = 0
    Iterable = 1

    @staticmethod
    def create_fetcher(kind, dataset, auto_collation, collate_fn, drop_last):
        if kind == _DatasetKind.Map:
            return _MapDatasetFetcher(dataset, auto_collation, collate_fn, drop_last)
        return _IterableDatasetFetcher(dataset, auto_collation, collate_fn, drop_last)


class _MapDatasetFetcher:
    """Fetches by index: a list of indices becomes a collated batch."""

    def __init__(self, dataset, auto_collation, collate_fn, drop_last) -> None:
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last
        getitems = getattr(dataset, "__getitems__", None)
        self._getitems = getitems if callable(getitems) else None

    def fetch(self, possibly_batched_index):
        if not self.auto_collation:
            return self.collate_fn(self.dataset[possibly_batched_index])
        if self._getitems is not None:
            return self.collate_fn(self._getitems(possibly_batched_index))
        getitem = self.dataset.__getitem__
        return self.collate_fn([getitem(index) for index in possibly_batched_index])


class _IterableDatasetFetcher:
    """Fetches by drawing from the dataset's iterator: a batch is the next ``len(index)``
    samples; StopIteration once the stream (or, with drop_last, a full batch) runs out."""

    def __init__(self, dataset, auto_collation, collate_fn, drop_last) -> None:
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last
        self.dataset_iter = iter(dataset)
        self.ended = False

    def fetch(self, possibly_batched_index):
        if self.ended:
            raise StopIteration
        if not self.auto_collation:
            return self.collate_fn(next(self.dataset_iter))
        wanted = len(possibly_batched_index)
        data = []
        for _ in range(wanted):
            try:
                data.append(next(self.dataset_iter))
            except StopIteration:
                self.ended = True
                break
        if not data or (self.drop_last and len(data) < wanted):
            raise StopIteration
        return self.collate_fn(data)


def numpy_seed(base_seed: int, worker_id: int) -> np.ndarray:
    """The four 32-bit words PyTorch seeds a worker's legacy NumPy generator with: NumPy's
    SeedSequence over (worker id, low and high halves of the base seed, 0)."""
    entropy = [worker_id, base_seed & 0xFFFFFFFF, base_seed >> 32, 0]
    return np.random.SeedSequence(entropy).generate_state(4)


def seed_worker(base_seed: int, worker_id: int) -> int:
    """Seed Python's, ember's and NumPy's global generators as a PyTorch worker does."""
    from ... import manual_seed
    seed = base_seed + worker_id
    random.seed(seed)
    manual_seed(seed)
    np.random.seed(numpy_seed(base_seed, worker_id))
    return seed


class _ParentWatchdog:
    """Notices when the main process has gone (this worker was re-parented)."""

    def __init__(self) -> None:
        self.parent = os.getppid()

    def is_alive(self) -> bool:
        return os.getppid() == self.parent


def _worker_loop(dataset_kind, dataset, channel, done_event, auto_collation, collate_fn,
                 drop_last, base_seed, init_fn, worker_id, num_workers, persistent_workers,
                 sharing_strategy) -> None:
    """Serve the tasks arriving on ``channel`` until it closes, answering each with its
    result (or the exception it raised)."""
    from . import _channel
    from ...multiprocessing import _shm
    global _worker_info
    try:
        _channel.close_inherited_ends()
        _shm.set_strategy(sharing_strategy)
        recycler = None
        if sharing_strategy == "file_descriptor":
            from ._recycle import WorkerRecycler
            recycler = _shm.recycler = WorkerRecycler()
        seed = seed_worker(base_seed, worker_id)
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed,
                                  dataset=dataset)
        where = f"in DataLoader worker process {worker_id}"
        init_error = None
        fetcher = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = _DatasetKind.create_fetcher(dataset_kind, dataset, auto_collation,
                                                  collate_fn, drop_last)
        except Exception:
            init_error = ExceptionWrapper(where=where)
        iteration_end = False
        watchdog = _ParentWatchdog()
        while True:
            if not select.select([channel], [], [], MP_STATUS_CHECK_INTERVAL)[0]:
                if not watchdog.is_alive():
                    break  # orphaned: the main process died without closing the channel
                continue
            received, request = _channel.receive(channel)
            if not received:
                break  # the main process closed the channel: stop
            if isinstance(request, _ResumeIteration):
                _send(channel, (request, None), where, recycler)
                iteration_end = False
                fetcher = _DatasetKind.create_fetcher(dataset_kind, dataset, auto_collation,
                                                      collate_fn, drop_last)
                continue
            task, index, returned = request
            if recycler is not None:
                for key, reuse in returned:
                    recycler.returned(key, reuse)
            if done_event.is_set() or iteration_end:
                continue  # shutting down, or the stream ended: no more replies needed
            if init_error is not None:
                result, init_error = init_error, None
            else:
                try:
                    result = fetcher.fetch(index)
                except StopIteration:
                    if dataset_kind != _DatasetKind.Iterable:
                        result = ExceptionWrapper(where=where)
                    else:
                        result = _IterableDatasetStopIteration(worker_id)
                        iteration_end = True
                except Exception:
                    result = ExceptionWrapper(where=where)
            if not _send(channel, (task, result), where, recycler):
                break
            del result, index, request
    except KeyboardInterrupt:
        pass  # the main process is being interrupted too and will clean up
    finally:
        channel.close()
        # multiprocessing children end with os._exit: release named segments explicitly.
        _shm.release_all()


def _send(channel, message, where: str, recycler=None) -> bool:
    """Send ``message``; a result that cannot be pickled is replaced by its error.  False when
    the main process is gone."""
    from . import _channel
    task, result = message
    try:
        try:
            _channel.send(channel, message, recycler)
        except (BrokenPipeError, ConnectionResetError):
            raise
        except Exception:
            if isinstance(result, ExceptionWrapper):
                # The exception's own class could not be pickled: keep its traceback.
                result.exc_type = RuntimeError
            else:
                result = ExceptionWrapper(where=where)
            _channel.send(channel, (task, result))
    except (BrokenPipeError, ConnectionResetError):
        return False
    return True
