"""ember.utils.data.DataLoader with worker processes: results, seeding, prefetching, the
shared-memory transport, and every way loading can fail (worker exceptions, killed workers,
timeouts, early exits, Ctrl-C), each of which must shut the workers down and leak nothing."""
from __future__ import annotations

import gc
import os
import random
import signal
import time

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.utils.data as td  # noqa: E402
from torch.utils.data._utils.worker import _generate_state  # noqa: E402

import ember  # noqa: E402
import ember.multiprocessing as emp  # noqa: E402
import ember.utils.data as ed  # noqa: E402
from ember.utils.data import _channel  # noqa: E402

FORK = "fork"
pytestmark = pytest.mark.timeout(60)


# -- helpers ----------------------------------------------------------------------------------

def loader(dataset, **kwargs):
    kwargs.setdefault("num_workers", 2)
    kwargs.setdefault("multiprocessing_context", FORK)
    return ed.DataLoader(dataset, **kwargs)


def plain(batches):
    return [[part.tolist() if hasattr(part, "tolist") else part for part in batch]
            for batch in batches]


def shm_files(pids) -> set:
    """ember's /dev/shm files made by processes ``pids`` (each name carries its maker's pid;
    other tests may be making their own at the same time)."""
    pids = {str(pid) for pid in pids}
    return {name for name in os.listdir("/dev/shm")
            if name.startswith("ember_") and name.split("_")[1] in pids}


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def assert_gone(pids, within: float = 5.0) -> None:
    """Every pid has exited and been reaped (no orphans, no zombies)."""
    deadline = time.monotonic() + within
    for pid in pids:
        while os.path.exists(f"/proc/{pid}"):
            assert time.monotonic() < deadline, f"worker {pid} is still there"
            time.sleep(0.02)


class Numbers(ed.Dataset):
    """Sample i is (float tensor [i, i], i, worker pid); index ``fail_at`` misbehaves."""

    def __init__(self, n: int = 24, fail_at: int | None = None, how: str = "raise") -> None:
        self.n = n
        self.fail_at = fail_at
        self.how = how

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i):
        if i == self.fail_at:
            self._misbehave()
        return ember.full((2,), float(i)), i, os.getpid()

    def _misbehave(self):
        if self.how == "raise":
            raise ValueError(f"sample {self.fail_at} is corrupt")
        if self.how == "keyerror":
            raise KeyError("missing")
        if self.how == "unpicklable":
            class LocalError(Exception):
                pass
            raise LocalError("defined inside a function")
        if self.how == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        if self.how == "exit":
            os._exit(3)
        if self.how == "hang":
            time.sleep(60)
        if self.how == "interrupt":
            # Ctrl-C while the main process waits for this sample: it has taken the earlier
            # batches by then (a signal that lands in a finalizer, as batches are freed, is
            # only printed by Python -- ember re-raises it for its own, not for others).
            time.sleep(0.3)
            os.kill(os.getppid(), signal.SIGINT)
            time.sleep(0.5)


def worker_pids(batches) -> set:
    return {pid for batch in batches for pid in batch[2].tolist()}


# -- results ----------------------------------------------------------------------------------

def test_workers_give_the_single_process_batches_in_order():
    features = np.arange(60, dtype=np.float32).reshape(30, 2)
    ours = loader(ed.TensorDataset(ember.from_numpy(features)), batch_size=4, shuffle=True,
                  generator=ember.Generator().manual_seed(5))
    theirs = td.DataLoader(td.TensorDataset(torch.from_numpy(features)), batch_size=4,
                           shuffle=True, generator=torch.Generator().manual_seed(5))
    ours_batches = list(ours)
    assert plain(ours_batches) == plain(theirs)
    assert all(batch[0].is_shared() for batch in ours_batches)
    assert len(ours) == len(theirs)


def test_unbatched_and_custom_collate_through_workers():
    assert [int(x) for x in loader(Numbers(6), batch_size=None, sampler=range(6),
                                   collate_fn=lambda sample: sample[1])] == list(range(6))
    sums = list(loader(Numbers(7), batch_size=3, collate_fn=lambda b: sum(s[1] for s in b)))
    assert sums == [3, 12, 6]


def test_worker_info_and_seeds_follow_torch():
    class Probe(ed.Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            info = ed.get_worker_info()
            return (info.id, info.num_workers, info.seed, ember.rand(1).item(),
                    float(np.random.rand()), random.random(), type(info.dataset).__name__)

    def run():
        return [tuple(sample) for sample in loader(Probe(), batch_size=None,
                                                   generator=ember.Generator().manual_seed(123))]

    first = run()
    assert first == run()  # reproducible with a seeded generator
    base_seed = torch.empty((), dtype=torch.int64).random_(
        generator=torch.Generator().manual_seed(123)).item()
    for position, (worker, workers, seed, ember_draw, numpy_draw, python_draw, name) in \
            enumerate(first[:2]):
        assert (worker, workers, seed, name) == (position, 2, base_seed + position, "Probe")
        assert ember_draw == pytest.approx(
            ember.rand(1, generator=ember.Generator().manual_seed(seed)).item())
        assert numpy_draw == np.random.RandomState(_generate_state(base_seed, worker)).rand()
        assert python_draw == random.Random(seed).random()
    # Random augmentations differ between workers.
    assert first[0][3] != first[1][3] and first[0][4] != first[1][4]


def test_worker_init_fn_runs_in_each_worker():
    seen = ember.zeros(2, dtype=ember.int64).share_memory_()

    def init(worker_id):
        info = ed.get_worker_info()
        seen[worker_id] = info.seed if info.id == worker_id else -1

    list(loader(Numbers(4), batch_size=2, worker_init_fn=init,
                generator=ember.Generator().manual_seed(1)))
    base_seed = torch.empty((), dtype=torch.int64).random_(
        generator=torch.Generator().manual_seed(1)).item()
    assert seen.tolist() == [base_seed, base_seed + 1]


def _shard_stream(module):
    class Shards(module.IterableDataset):
        def __iter__(self):
            info = module.get_worker_info()
            start, step = (0, 1) if info is None else (info.id, info.num_workers)
            return iter(range(start, 11, step))

    return Shards


def test_iterable_dataset_split_across_workers_matches_torch():
    theirs = [b.tolist() for b in td.DataLoader(_shard_stream(td)(), batch_size=2,
                                                 num_workers=2, multiprocessing_context=FORK)]
    ours = [b.tolist() for b in loader(_shard_stream(ed)(), batch_size=2)]
    assert ours == theirs
    assert sorted(x for b in ours for x in b) == list(range(11))


def test_at_most_prefetch_factor_batches_per_worker_are_in_flight():
    fetched = ember.zeros(40, dtype=ember.int64).share_memory_()

    class Counting(ed.Dataset):
        def __len__(self):
            return 40

        def __getitem__(self, i):
            fetched[i] = 1
            return i

    iterator = iter(loader(Counting(), batch_size=1, prefetch_factor=3))
    next(iterator)
    # 3 per worker were sent up front; taking one batch sends one more.  Wait for the
    # workers to catch up, then make sure they do not run further ahead.
    deadline = time.monotonic() + 20
    while int(fetched.sum()) < 2 * 3 + 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)
    assert int(fetched.sum()) == 2 * 3 + 1
    del iterator


def test_in_order_false_returns_ready_batches_first():
    started = ember.zeros(1, dtype=ember.int64).share_memory_()

    class SlowStart(ed.Dataset):
        def __len__(self):
            return 8

        def __getitem__(self, i):
            if i == 0:  # held back until another sample has been produced
                deadline = time.monotonic() + 20
                while not int(started[0]) and time.monotonic() < deadline:
                    time.sleep(0.01)
                time.sleep(0.3)  # ...and sent
            else:
                started[0] = 1
            return i

    batches = [int(b) for b in loader(SlowStart(), batch_size=1, in_order=False)]
    assert batches[0] != 0 and sorted(batches) == list(range(8))
    started[0] = 0
    assert [int(b) for b in loader(SlowStart(), batch_size=1)] == list(range(8))


def test_persistent_workers_survive_epochs_and_early_breaks():
    reusable = loader(Numbers(10), batch_size=2, persistent_workers=True)
    first = list(reusable)
    next(iter(reusable))  # leave an epoch early: the next one still starts afresh
    second = list(reusable)
    assert plain(b[:2] for b in first) == plain(b[:2] for b in second)
    assert worker_pids(first) == worker_pids(second) and len(worker_pids(first)) == 2
    iterator = reusable._iterator
    del reusable
    iterator._shutdown_workers()
    assert_gone(worker_pids(first))


def test_spawn_context_workers():
    data = ed.TensorDataset(ember.arange(6.0), ember.arange(6))
    batches = list(ed.DataLoader(data, batch_size=4, num_workers=1,
                                 multiprocessing_context="spawn"))
    assert plain(batches) == [[[0.0, 1.0, 2.0, 3.0], [0, 1, 2, 3]], [[4.0, 5.0], [4, 5]]]
    # Spawned workers get the dataset by pickling: a local class cannot go.
    with pytest.warns(UserWarning, match="Got pickle error"), pytest.raises(AttributeError):
        iter(ed.DataLoader(Numbers(2), num_workers=1, collate_fn=lambda batch: batch,
                           multiprocessing_context="spawn"))


# -- the transport ----------------------------------------------------------------------------

def test_batches_travel_as_handles_not_data():
    big = ember.zeros(256, 1024)  # 1 MiB of data
    message = _channel.Message((0, [big, ember.ones(3)]))
    assert big.is_shared()
    (parts, fds), = message.packets
    assert sum(len(part) for part in parts) < 1024 and len(fds) == 2
    # Views of one shared storage travel as one segment, and arrive as views of it.
    (parts, fds), = _channel.Message([big, big[3], big.t()]).packets
    assert len(fds) == 1
    received = _channel.decode(bytes(parts[1]), [os.dup(fds[0])])
    received[1].fill_(7.0)
    assert received[2].stride() == (1, 1024)
    assert big[3].sum().item() == 7.0 * 1024


def test_file_system_strategy_sends_names_and_cleans_up():
    emp.set_sharing_strategy("file_system")
    try:
        batches = list(loader(Numbers(8), batch_size=4))
        pids = worker_pids(batches) | {os.getpid()}
        message = _channel.Message(batches[0][0])
        assert message.packets[0][1] == [] and len(shm_files(pids)) >= 1
        message.abandon()
        assert plain(b[:2] for b in batches)[1][1] == [4, 5, 6, 7]
    finally:
        emp.set_sharing_strategy("file_descriptor")
    del batches, message
    gc.collect()
    assert shm_files(pids) == set()


def _keys(batches) -> list:
    from ember.multiprocessing._shm import segment_of
    return [segment_of(batch[0]._data).key for batch in batches]


def test_batch_memory_is_recycled_only_once_released():
    data = Numbers(96)
    held = []
    keys = []
    for count, batch in enumerate(loader(data, batch_size=4, prefetch_factor=1)):
        keys += _keys([batch])
        if count % 3 == 0:
            held.append(batch)  # kept: its memory must never be reused
    # Memory came back to the workers and was refilled...
    assert len(set(keys)) < len(keys)
    # ...but never memory that is still held.
    for batch in held:
        start = int(batch[1][0])
        assert batch[0].tolist() == [[float(i), float(i)] for i in range(start, start + 4)]
    assert len(set(_keys(held))) == len(held)


def test_batches_sent_elsewhere_are_not_recycled():
    queue = emp.get_context(FORK).SimpleQueue()
    forwarded = []
    for count, batch in enumerate(loader(Numbers(64), batch_size=4, prefetch_factor=1)):
        if count < 4:
            queue.put(batch[0])  # travels on as shared memory: must stay intact
            forwarded.append(int(batch[1][0]))
    del batch
    for start in forwarded:
        assert queue.get().tolist() == [[float(i), float(i)] for i in range(start, start + 4)]


# -- faults -----------------------------------------------------------------------------------

def test_worker_exception_is_reraised_with_its_traceback():
    iterator = iter(loader(Numbers(24, fail_at=9), batch_size=4))
    assert next(iterator)[1].tolist() == [0, 1, 2, 3]
    next(iterator)
    with pytest.raises(ValueError) as caught:
        next(iterator)
    message = str(caught.value)
    assert message.startswith("Caught ValueError in DataLoader worker process 0.\n"
                              "Original Traceback (most recent call last):\n")
    assert 'raise ValueError(f"sample {self.fail_at} is corrupt")' in message
    assert message.rstrip().endswith("ValueError: sample 9 is corrupt")
    # As in PyTorch the iterator stays usable: the failed batch is skipped.
    assert next(iterator)[1].tolist() == [12, 13, 14, 15]
    pids = {process.pid for process in iterator._workers}
    del iterator, caught  # the exception's traceback holds the iterator too
    assert_gone(pids)


@pytest.mark.parametrize("how,error,text", [
    ("keyerror", KeyError, "Caught KeyError in DataLoader worker process 1."),
    ("unpicklable", RuntimeError, "LocalError: defined inside a function"),
])
def test_worker_exception_kinds(how, error, text):
    with pytest.raises(error) as caught:
        list(loader(Numbers(8, fail_at=5, how=how), batch_size=4))
    assert text in str(caught.value)
    if how == "keyerror":
        assert "\n" in str(caught.value)  # the traceback reads as lines, not a repr


def test_worker_init_fn_failure_is_reraised():
    def init(worker_id):
        raise OSError(f"cannot open shard {worker_id}")

    with pytest.raises(OSError, match="Caught OSError in DataLoader worker process 0"):
        list(loader(Numbers(4), batch_size=2, worker_init_fn=init))


@pytest.mark.parametrize("how,pattern", [
    ("kill", r"DataLoader worker 0 \(pid \d+\) is killed by signal: Killed"),
    ("exit", r"DataLoader worker 0 \(pid \d+\) exited unexpectedly with exit code 3"),
])
def test_dead_worker_is_reported_not_waited_for(how, pattern):
    started = time.monotonic()
    iterator = iter(loader(Numbers(16, fail_at=0, how=how), batch_size=2))
    pids = {process.pid for process in iterator._workers}
    with pytest.raises(RuntimeError, match=pattern):
        list(iterator)
    assert time.monotonic() - started < 10
    del iterator
    assert_gone(pids)


def test_timeout_raises_and_stops_a_stuck_worker():
    iterator = iter(loader(Numbers(8, fail_at=0, how="hang"), batch_size=2, timeout=0.5))
    pids = {process.pid for process in iterator._workers}
    started = time.monotonic()
    with pytest.raises(RuntimeError, match=r"DataLoader timed out after 0.5 seconds"):
        next(iterator)
    assert time.monotonic() - started < 5
    assert_gone(pids, within=2)


@pytest.mark.parametrize("strategy", ["file_descriptor", "file_system"])
def test_leaving_early_leaks_no_process_segment_or_descriptor(strategy):
    emp.set_sharing_strategy(strategy)
    try:
        gc.collect()
        fds = open_fds()
        iterator = iter(loader(Numbers(200), batch_size=4, prefetch_factor=4))
        for count, _batch in enumerate(iterator):
            if count == 2:
                break
        pids = {process.pid for process in iterator._workers}
        del iterator, _batch
        gc.collect()
        assert_gone(pids)
        assert shm_files(pids | {os.getpid()}) == set()
        assert open_fds() == fds
    finally:
        emp.set_sharing_strategy("file_descriptor")


def test_ctrl_c_in_the_main_process_cleans_up():
    emp.set_sharing_strategy("file_system")
    pids = {os.getpid()}
    try:
        with pytest.raises(KeyboardInterrupt):
            for batch in loader(Numbers(40, fail_at=12, how="interrupt"), batch_size=2):
                pids |= set(batch[2].tolist())
        del batch  # the last batch received is still ours to hold
        gc.collect()
        assert_gone(pids - {os.getpid()})
        assert shm_files(pids) == set()
    finally:
        emp.set_sharing_strategy("file_descriptor")


def test_ctrl_c_inside_a_segment_release_is_raised_again():
    # Python only prints an exception raised in a finalizer; a Ctrl-C landing while a shared
    # segment is released must still stop the program.
    from ember.multiprocessing import _shm

    def interrupted(*args):
        raise KeyboardInterrupt

    release = _shm._keeping_interrupts(interrupted)
    with pytest.raises(KeyboardInterrupt):
        release()          # swallowed here, as a finalizer would...
        time.sleep(2)      # ...and delivered to the main thread again moments later


def test_exiting_with_persistent_workers_leaks_nothing():
    import subprocess
    import sys
    script = (
        "import ember, ember.utils.data as ed, ember.multiprocessing as emp\n"
        "emp.set_sharing_strategy('file_system')\n"
        "class D(ed.Dataset):\n"
        "    def __len__(self): return 100\n"
        "    def __getitem__(self, i): return ember.full((2,), float(i))\n"
        "loader = ed.DataLoader(D(), batch_size=4, num_workers=2, persistent_workers=True,\n"
        "                       multiprocessing_context='fork')\n"
        "iterator = iter(loader)\n"
        "next(iterator)\n"
        "print(*[p.pid for p in iterator._workers])\n")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, cwd=root, env={**os.environ, "PYTHONPATH": root})
    assert done.returncode == 0, done.stderr
    pids = [int(pid) for pid in done.stdout.split()]
    assert_gone(pids)
    assert shm_files(pids) == set()


class _ThreadedMath(ed.Dataset):
    """Items big enough that ember splits their math across its helper threads."""

    def __len__(self):
        return 2

    def __getitem__(self, index):
        return ember.full((1 << 18,), float(index)).tanh().sum()


@pytest.mark.timeout(60)
def test_forked_workers_get_their_own_helper_threads():
    # The parent has started its helper pool; a forked worker must not hand work to threads
    # that do not exist in the child (that would hang).
    ember.ones(1 << 18).tanh()
    values = [batch.item() for batch in loader(_ThreadedMath(), batch_size=None)]
    expected = [0.0, (1 << 18) * np.tanh(np.float32(1.0))]
    assert np.allclose(values, expected, rtol=1e-5)
