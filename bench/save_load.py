"""Saving and loading a state_dict of 100 float32 tensors (500 MB by default).

Targets: ember time / torch time <= 1.2 for save and for load; ``load(mmap=True)`` returns in
under 5% of the full load time.  The size is configurable: ``python bench/save_load.py 50`` or
``EMBER_BENCH_SAVE_LOAD_MB=50`` (megabytes in total).

Files go to a RAM-backed folder (/dev/shm) where there is one, so that the figures measure the
serialization work rather than a disk's writeback, which on a busy machine varies by seconds
from one save to the next; ``EMBER_BENCH_DIR=/some/folder`` measures on a disk instead.
"""
from __future__ import annotations

import gc
import os
import statistics
import sys
import tempfile
import time

import numpy as np

import common  # noqa: F401
from common import report

import ember
import torch

TENSORS = 100


def _size_mb() -> float:
    if len(sys.argv) > 1:
        return float(sys.argv[1])
    return float(os.environ.get("EMBER_BENCH_SAVE_LOAD_MB", "500"))


def _timed(fn) -> float:
    gc.collect()
    start = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - start
    del result
    return elapsed


def _medians(ember_fn, torch_fn, repeats: int) -> tuple[float, float]:
    """Median seconds of each, the two alternating so that machine noise hits both."""
    ember_fn(), torch_fn()  # warm up (page cache, allocator, imports)
    ember_times, torch_times = [], []
    for _ in range(repeats):
        ember_times.append(_timed(ember_fn))
        torch_times.append(_timed(torch_fn))
    return statistics.median(ember_times), statistics.median(torch_times)


def main() -> None:
    size_mb = _size_mb()
    numel = int(size_mb * 1e6 / 4 / TENSORS)
    repeats = 5
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(numel, dtype=np.float32) for _ in range(TENSORS)]
    state_e = {f"layer{i}.weight": ember.from_numpy(a) for i, a in enumerate(arrays)}
    state_t = {f"layer{i}.weight": torch.from_numpy(a) for i, a in enumerate(arrays)}
    label = f"{TENSORS} float32 tensors, {size_mb:g} MB"
    folder_root = os.environ.get("EMBER_BENCH_DIR")
    if folder_root is None and os.path.isdir("/dev/shm"):
        folder_root = "/dev/shm"
    print(f"# files in {folder_root or tempfile.gettempdir()}", flush=True)
    with tempfile.TemporaryDirectory(dir=folder_root) as folder:
        ember_path = os.path.join(folder, "ember.pt")
        torch_path = os.path.join(folder, "torch.pt")
        e, t = _medians(lambda: ember.save(state_e, ember_path),
                        lambda: torch.save(state_t, torch_path), repeats)
        report(f"save state_dict ({label})", e, t, target=1.2)
        e, t = _medians(lambda: ember.load(ember_path), lambda: torch.load(torch_path), repeats)
        report(f"load state_dict ({label})", e, t, target=1.2)
        full = e
        mapped, torch_mapped = _medians(lambda: ember.load(ember_path, mmap=True),
                                        lambda: torch.load(torch_path, mmap=True), repeats)
        report(f"load mmap=True ({label})", mapped, torch_mapped)
        share = mapped / full
        verdict = "OK" if share < 0.05 else "MISSED"
        print(f"{'mmap load / full load (ember)':<48} {share * 100:6.2f} %  target < 5 %  "
              f"{verdict}", flush=True)
        loaded = ember.load(torch_path, mmap=True)
        assert all(np.array_equal(loaded[k]._data, arrays[i]) for i, k in enumerate(loaded))


if __name__ == "__main__":
    main()
