"""``ember.multiprocessing``: the standard ``multiprocessing`` module, with tensors that travel
between processes as shared memory (``torch.multiprocessing``).

Everything ``multiprocessing`` offers is re-exported.  Importing this module registers tensor
reductions with ``ForkingPickler``, so a tensor put on a ``Queue``, sent through a ``Pipe`` or
passed to a ``spawn``-ed process arrives as a view of the sender's memory, not a copy.  How the
memory is named between processes is the *sharing strategy*: ``file_descriptor`` (the default
on Linux: anonymous memory passed as descriptors) or ``file_system`` (named files in
``/dev/shm``, which hold no descriptors open).
"""
from __future__ import annotations

import multiprocessing
from multiprocessing import *  # noqa: F401,F403

from . import _shm
from .reductions import init_reductions
from .spawn import (ProcessContext, ProcessException, ProcessExitedException,  # noqa: F401
                    ProcessRaisedException, SpawnContext, spawn, start_processes)

__all__ = ["set_sharing_strategy", "get_sharing_strategy", "get_all_sharing_strategies"]
__all__ += multiprocessing.__all__


def set_sharing_strategy(new_strategy: str) -> None:
    """Choose how tensors sent from now on are shared: ``'file_descriptor'`` or
    ``'file_system'``."""
    strategies = _shm.all_strategies()
    if new_strategy not in strategies:
        raise AssertionError(f"invalid sharing strategy {new_strategy!r}, expected one of "
                             f"{strategies}")
    _shm.set_strategy(new_strategy)


def get_sharing_strategy() -> str:
    """The current sharing strategy."""
    return _shm.get_strategy()


def get_all_sharing_strategies() -> set:
    """The sharing strategies this system supports."""
    return _shm.all_strategies()


init_reductions()
