"""Per-op overhead on tiny tensors, where Python dispatch cost dominates.

- ``z = (a*b + b).sum(); z.backward()`` on 8-element tensors: target ratio <= 1.0
- a plain ``a + b`` on 8 elements: target ratio <= 3.0
"""
from __future__ import annotations

import common  # noqa: F401  (puts the repository on sys.path)
from common import interleaved, report

import ember
import torch


def chain_workload(lib):
    a = lib.ones(8, requires_grad=True)
    b = lib.ones(8, requires_grad=True)

    def step():
        z = (a * b + b).sum()
        z.backward()
    return step


def add_workload(lib):
    a = lib.ones(8)
    b = lib.ones(8)
    return lambda: a + b


def main() -> None:
    torch.set_num_threads(torch.get_num_threads())
    e, t = interleaved(chain_workload(ember), chain_workload(torch), repeats=7, inner=2000)
    report("(a*b + b).sum().backward(), 8 elements", e, t, target=1.0)
    e, t = interleaved(add_workload(ember), add_workload(torch), repeats=7, inner=20000)
    report("a + b, 8 elements", e, t, target=3.0)


if __name__ == "__main__":
    main()
