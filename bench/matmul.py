"""1024x1024 float32 matrix product: ember should be within 5% of PyTorch (ratio <= 1.05)."""
from __future__ import annotations

import numpy as np

import common  # noqa: F401
from common import interleaved, report

import ember
import torch


def main() -> None:
    rng = np.random.default_rng(0)
    a = rng.standard_normal((1024, 1024), dtype=np.float32)
    b = rng.standard_normal((1024, 1024), dtype=np.float32)
    ea, eb = ember.from_numpy(a), ember.from_numpy(b)
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
    e, t = interleaved(lambda: ea @ eb, lambda: ta @ tb, repeats=9, inner=3)
    report("matmul 1024x1024 float32", e, t, target=1.05)


if __name__ == "__main__":
    main()
