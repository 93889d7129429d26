"""Timing helpers shared by the benchmarks: medians over repeats, ember time / torch time."""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def median_time(fn, repeats: int = 7, inner: int = 1, warmup: int = 2) -> float:
    """Median seconds per call of ``fn`` over ``repeats`` batches of ``inner`` calls."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(inner):
            fn()
        samples.append((time.perf_counter() - start) / inner)
    return statistics.median(samples)


def report(name: str, ember_seconds: float, torch_seconds: float, target: float | None = None):
    """Print one result line: both medians and the ratio (with the target when there is one)."""
    ratio = ember_seconds / torch_seconds
    verdict = ""
    if target is not None:
        verdict = f"  target <= {target:.2f}  {'OK' if ratio <= target else 'MISSED'}"
    print(f"{name:<48} ember {_fmt(ember_seconds)}  torch {_fmt(torch_seconds)}  "
          f"ratio {ratio:6.2f}{verdict}", flush=True)
    return ratio


def _fmt(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:9.2f} us"
    if seconds < 1:
        return f"{seconds * 1e3:9.3f} ms"
    return f"{seconds:9.3f} s "


def interleaved(ember_fn, torch_fn, repeats: int = 7, inner: int = 1, rounds: int = 3):
    """Alternate the two workloads in rounds so machine noise hits both; best round medians."""
    ember_times, torch_times = [], []
    for _ in range(rounds):
        ember_times.append(median_time(ember_fn, repeats, inner))
        torch_times.append(median_time(torch_fn, repeats, inner))
    return min(ember_times), min(torch_times)
