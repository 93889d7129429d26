"""randn of 10 million float32 values with a seeded generator: ember <= 3x PyTorch's time.

Both produce the same bytes (PyTorch's mt19937 and its AVX2 Box-Muller), so the work compared
is the same: generate 10M 24-bit uniforms and transform them in blocks of 16.  PyTorch does
that on one thread with vector instructions; ember repeats the kernel's float32 log and
sin/cos polynomials in NumPy (fused multiply-adds emulated in float64), in cache-sized chunks
spread over the cores while the generator draws.
"""
from __future__ import annotations

import common  # noqa: F401
from common import interleaved, report

import ember
import torch

N = 10_000_000


def main() -> None:
    ge = ember.Generator().manual_seed(0)
    gt = torch.Generator().manual_seed(0)
    e, t = interleaved(lambda: ember.randn(N, generator=ge),
                       lambda: torch.randn(N, generator=gt), repeats=7, inner=1)
    report("randn 10M float32", e, t, target=3.0)
    e, t = interleaved(lambda: ember.randperm(1_000_000, generator=ge),
                       lambda: torch.randperm(1_000_000, generator=gt), repeats=5, inner=1)
    report("randperm 1M (reported, no target)", e, t, target=float("inf"))


if __name__ == "__main__":
    main()
