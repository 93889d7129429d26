"""One optimizer step over 10 million float32 parameters in 100 tensors: Adam and SGD with
momentum.  ember should be within 20% of PyTorch (ratio <= 1.2)."""
from __future__ import annotations

import sys

import numpy as np

import common  # noqa: F401
from common import interleaved, report

import ember
import torch

TENSORS = 100
ELEMENTS = 100_000


def build(lib, arrays, grads):
    params = []
    for array, grad in zip(arrays, grads):
        p = lib.from_numpy(array.copy()).requires_grad_()
        p.grad = lib.from_numpy(grad.copy())
        params.append(p)
    return params


def main(quick: bool = False) -> None:
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(ELEMENTS, dtype=np.float32) for _ in range(TENSORS)]
    grads = [rng.standard_normal(ELEMENTS, dtype=np.float32) for _ in range(TENSORS)]
    repeats, rounds = (3, 1) if quick else (7, 3)
    for label, name, kwargs in (("Adam", "Adam", {"lr": 1e-3}),
                                ("SGD momentum", "SGD", {"lr": 1e-3, "momentum": 0.9})):
        ours = getattr(ember.optim, name)(build(ember, arrays, grads), **kwargs)
        theirs = getattr(torch.optim, name)(build(torch, arrays, grads), **kwargs)
        e, t = interleaved(ours.step, theirs.step, repeats=repeats, rounds=rounds)
        report(f"optim {label} step, 10M float32 in 100 tensors", e, t, target=1.2)


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
