"""``ember.random``: the default generator's seed and state (PyTorch's ``torch.random``).

``Generator`` and ``default_generator`` are exported from here too, so that ``ember.Generator``
and ``ember.default_generator`` exist as in PyTorch.
"""
from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

from ._generator import Generator, default_generator

__all__ = ["set_rng_state", "get_rng_state", "manual_seed", "seed", "initial_seed", "fork_rng",
           "thread_safe_generator", "Generator", "default_generator"]

_worker_local = threading.local()


def set_rng_state(new_state) -> None:
    """Restore the default generator's state from a uint8 tensor made by ``get_rng_state``."""
    default_generator.set_state(new_state)


def get_rng_state():
    """The default generator's state as a uint8 tensor."""
    return default_generator.get_state()


def manual_seed(seed) -> Generator:
    """Seed the default generator (and any accelerator's); returns the default generator."""
    seed = int(seed)
    from . import cuda
    if cuda.is_available():
        cuda.manual_seed_all(seed)
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Seed the default generator from the operating system's entropy; returns the seed."""
    return default_generator.seed()


def initial_seed() -> int:
    """The seed the default generator was last seeded with."""
    return default_generator.initial_seed()


@contextlib.contextmanager
def fork_rng(devices=None, enabled: bool = True, _caller: str = "fork_rng",
             _devices_kw: str = "devices", device_type=None) -> Iterator[None]:
    """Inside the block random draws may advance the generators; on exit their states are
    restored as they were on entry."""
    if not enabled:
        yield
        return
    saved = default_generator.get_state()
    try:
        yield
    finally:
        default_generator.set_state(saved)


def thread_safe_generator():
    """The generator of the current data-loading worker thread, or None (use the default)."""
    return getattr(_worker_local, "generator", None)
