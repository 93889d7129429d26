"""A 100-op elementwise chain on 1M-element float32 tensors, forward and backward.

Target: ember time / torch time <= 1.5.
"""
from __future__ import annotations

import numpy as np

import common  # noqa: F401
from common import interleaved, report

import ember
import torch

N = 1_000_000
OPS = 100


def workload(lib, x_np, w_np):
    x = lib.from_numpy(x_np.copy()).requires_grad_(True)
    w = lib.from_numpy(w_np.copy()).requires_grad_(True)

    def step():
        y = x
        # Four kinds of op in turn: multiply by a tensor, add a scalar, tanh, subtract a tensor.
        for _ in range(OPS // 4):
            y = y * w
            y = y + 0.5
            y = y.tanh()
            y = y - x
        y.sum().backward()
        x.grad = None
        w.grad = None
    return step


def main() -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal(N, dtype=np.float32)
    w = rng.uniform(0.5, 1.0, N).astype(np.float32)
    e, t = interleaved(workload(ember, x, w), workload(torch, x, w), repeats=3, inner=1,
                       rounds=2)
    report(f"{OPS}-op elementwise chain fwd+bwd, 1M float32", e, t, target=1.5)


if __name__ == "__main__":
    main()
