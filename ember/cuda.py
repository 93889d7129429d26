"""``ember.cuda``: answers honestly that no CUDA device is available on the NumPy backend."""
from __future__ import annotations


def is_available() -> bool:
    """Whether a CUDA backend (CuPy with a GPU) is plugged in and usable."""
    from .backends import _BACKENDS
    return "cuda" in _BACKENDS


def device_count() -> int:
    return 1 if is_available() else 0


def _lazy_init() -> None:
    if not is_available():
        raise AssertionError("Torch not compiled with CUDA enabled")


def current_device() -> int:
    _lazy_init()
    return 0


def synchronize(device=None) -> None:
    """Wait for queued GPU work (nothing to wait for on the CPU)."""


def manual_seed(seed: int) -> None:
    """Seed the GPU generators (no-op without a GPU; the CPU generator is separate)."""


def manual_seed_all(seed: int) -> None:
    """Seed every GPU generator (no-op without a GPU)."""


def is_bf16_supported() -> bool:
    return False


def empty_cache() -> None:
    """Release cached GPU memory (nothing cached here)."""
