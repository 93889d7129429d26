"""ember.multiprocessing: a drop-in multiprocessing whose tensors travel as shared memory,
sharing strategies, Hogwild-style training on shared tensors, and spawn()."""
from __future__ import annotations

import functools
import gc
import multiprocessing
import operator
import os
import signal
import time

import pytest

torch = pytest.importorskip("torch")
import torch.multiprocessing as tmp  # noqa: E402

import ember  # noqa: E402
import ember.multiprocessing as emp  # noqa: E402

pytestmark = pytest.mark.timeout(120)
FORK = emp.get_context("fork")


@pytest.fixture(params=["file_descriptor", "file_system"])
def strategy(request):
    emp.set_sharing_strategy(request.param)
    yield request.param
    emp.set_sharing_strategy("file_descriptor")


def shm_files(pids) -> set:
    """ember's /dev/shm files made by processes ``pids`` (each name carries its maker's pid;
    other tests may be making their own at the same time)."""
    pids = {str(pid) for pid in pids}
    return {name for name in os.listdir("/dev/shm")
            if name.startswith("ember_") and name.split("_")[1] in pids}


# -- the module -------------------------------------------------------------------------------

def test_reexports_multiprocessing_and_strategies_match_torch():
    assert set(multiprocessing.__all__) <= set(emp.__all__)
    assert sorted(emp.__all__) == sorted(tmp.__all__)
    assert emp.Queue is multiprocessing.Queue and emp.Process is multiprocessing.Process
    assert emp.get_all_sharing_strategies() == tmp.get_all_sharing_strategies()
    assert emp.get_sharing_strategy() == tmp.get_sharing_strategy() == "file_descriptor"
    with pytest.raises(AssertionError, match="invalid sharing strategy 'shm'"):
        emp.set_sharing_strategy("shm")
    for name in ["spawn", "start_processes", "ProcessContext", "ProcessRaisedException",
                 "ProcessExitedException", "SpawnContext"]:
        assert hasattr(emp, name) and hasattr(tmp, name)


def test_share_memory_and_is_shared_like_torch(strategy):
    for lib in (ember, torch):
        t = lib.arange(6.0).reshape(2, 3).requires_grad_()
        assert not t.is_shared()
        assert t.share_memory_() is t
        assert t.is_shared() and t[1].is_shared() and t.requires_grad and t.is_leaf
        assert t.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
        assert t.share_memory_() is t  # already shared: nothing changes
    view = ember.arange(10.0)[2:5]
    base = view._base
    view.share_memory_()
    assert base.is_shared()  # the base moves along with the view
    view.fill_(1.0)
    assert base.tolist()[:6] == [0.0, 1.0, 1.0, 1.0, 1.0, 5.0]


# -- sending tensors --------------------------------------------------------------------------

def _add_one_and_reply(inbox, outbox):
    tensor = inbox.get()
    tensor.add_(1)  # in place, in the shared memory
    outbox.put((tensor.is_shared(), tensor.dtype, tuple(tensor.shape), tensor.stride()))
    replies = ember.full((3,), 9.0)
    outbox.put(replies)
    inbox.get()  # wait until the parent has looked at `replies`


def test_queue_sends_tensors_as_shared_memory(strategy):
    inbox, outbox = FORK.Queue(), FORK.Queue()
    child = FORK.Process(target=_add_one_and_reply, args=(inbox, outbox))
    child.start()
    sent = ember.arange(12, dtype=ember.int32).reshape(3, 4).t()  # a transposed view
    inbox.put(sent)
    assert outbox.get(timeout=30) == (True, ember.int32, (4, 3), (1, 4))
    reply = outbox.get(timeout=30)
    assert reply.is_shared() and reply.tolist() == [9.0, 9.0, 9.0]
    inbox.put(None)
    child.join(30)
    assert child.exitcode == 0
    # The child's in-place add happened in memory the parent sees.
    assert sent.is_shared() and sent.tolist() == (ember.arange(12).reshape(3, 4).t() + 1).tolist()
    del sent, reply
    gc.collect()
    assert shm_files({os.getpid(), child.pid}) == set()


def _echo_twice(connection):
    first, second = connection.recv(), connection.recv()
    # Two messages naming one storage are mapped once: they alias in the receiver too.
    connection.send(first.data_ptr() == second[0].data_ptr()
                    and second[1].data_ptr() == first.data_ptr() + 4)
    connection.close()


def test_pipe_keeps_aliasing_between_messages(strategy):
    parent, child_end = FORK.Pipe()
    child = FORK.Process(target=_echo_twice, args=(child_end,))
    child.start()
    shared = ember.zeros(8)
    parent.send(shared)
    parent.send([shared, shared[1:]])
    assert parent.recv() is True
    child.join(30)


@pytest.mark.parametrize("dtype", ["bool", "uint8", "int8", "int16", "int32", "int64",
                                   "float16", "bfloat16", "float32", "float64", "complex64",
                                   "complex128"])
def test_every_dtype_travels(dtype):
    queue = FORK.SimpleQueue()
    sent = ember.arange(6).reshape(2, 3).to(getattr(ember, dtype))
    queue.put(sent[:, 1:])
    received = queue.get()
    assert received.dtype == sent.dtype and received.tolist() == sent[:, 1:].tolist()
    assert received.stride() == (3, 1) and received.storage_offset() == 1


def test_non_leaf_tensors_that_require_grad_are_refused():
    queue = FORK.SimpleQueue()
    leaf = ember.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="Cowardly refusing to serialize non-leaf tensor"):
        queue.put(leaf * 2)
    queue.put(leaf.detach())
    assert queue.get().tolist() == [1.0, 1.0]


class Weight(ember.Tensor):
    """A Tensor subclass made after ember.multiprocessing registered its reductions."""


def test_tensor_subclasses_travel_shared():
    queue = FORK.SimpleQueue()
    queue.put(ember.ones(3).as_subclass(Weight))
    received = queue.get()
    assert type(received) is Weight and received.is_shared()


# -- Hogwild ----------------------------------------------------------------------------------

def _hogwild_worker(rank, weights, steps_done, data, targets, steps):
    ember.manual_seed(rank)
    for _ in range(steps):
        rows = ember.randint(0, data.shape[0], (8,))
        loss = ((data[rows] @ weights - targets[rows]) ** 2).mean()
        loss.backward()
        with ember.no_grad():
            weights -= 0.05 * weights.grad
        weights.grad = None
        steps_done[rank] += 1


def test_hogwild_training_updates_one_shared_tensor():
    generator = ember.Generator().manual_seed(0)
    data = ember.randn(64, 3, generator=generator)
    truth = ember.tensor([1.5, -2.0, 0.5])
    targets = data @ truth
    weights = ember.zeros(3, requires_grad=True).share_memory_()
    steps_done = ember.zeros(2, dtype=ember.int64).share_memory_()
    workers = [FORK.Process(target=_hogwild_worker,
                            args=(rank, weights, steps_done, data, targets, 150))
               for rank in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    assert steps_done.tolist() == [150, 150]
    assert weights.requires_grad and weights.grad is None
    # Both processes trained the parent's tensor, which is now near the truth.
    assert (weights.detach() - truth).abs().max().item() < 0.05


# -- spawn ------------------------------------------------------------------------------------

def test_spawn_children_write_into_a_shared_tensor():
    shared = ember.zeros(2).share_memory_()
    # functools.partial of stdlib/ember callables: the spawned children need not import tests.
    emp.spawn(functools.partial(operator.setitem, shared), args=(7.0,), nprocs=2)
    assert shared.tolist() == [7.0, 7.0]


def test_spawn_reports_a_child_exception():
    with pytest.raises(emp.ProcessRaisedException) as caught, \
            pytest.warns(FutureWarning, match="only supports start_method=spawn"):
        emp.spawn(operator.truediv, args=(0,), nprocs=1, start_method="fork")
    message = str(caught.value)
    assert message.startswith("\n\n-- Process 0 terminated with the following error:\n"
                              "Traceback (most recent call last):")
    assert message.rstrip().endswith("ZeroDivisionError: division by zero")
    assert caught.value.error_index == 0 and caught.value.error_pid > 0


def _exit_with(index, codes):
    if codes[index] == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    if codes[index] == "sleep":
        time.sleep(60)
    os._exit(codes[index])


@pytest.mark.parametrize("codes,pattern,exit_code", [
    ([0, 3], "process 1 terminated with exit code 3", 3),
    (["kill", "sleep"], "process 0 terminated with signal SIGKILL", -9),
])
def test_start_processes_reports_exits_and_stops_the_rest(codes, pattern, exit_code):
    started = time.monotonic()
    with pytest.raises(emp.ProcessExitedException, match=pattern) as caught:
        emp.start_processes(_exit_with, args=(codes,), nprocs=2, start_method="fork")
    assert caught.value.exit_code == exit_code
    assert time.monotonic() - started < 30  # the sleeping sibling was terminated


def test_process_context_without_join():
    context = emp.start_processes(_exit_with, args=([0, 0],), nprocs=2, join=False,
                                  start_method="fork")
    assert isinstance(context, emp.ProcessContext) and len(context.pids()) == 2
    while not context.join(timeout=30):
        pass
    with pytest.warns(UserWarning, match="SpawnContext is renamed to ProcessContext"):
        emp.SpawnContext([], [])


def test_exceptions_pickle_round_trip():
    import pickle
    error = emp.ProcessExitedException("boom", 1, 123, -9, "SIGKILL")
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.msg, copy.error_index, copy.error_pid, copy.exit_code, copy.signal_name) == \
        ("boom", 1, 123, -9, "SIGKILL")
