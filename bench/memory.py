"""Peak memory of one training step: ember <= 1.5x PyTorch's, for the MLP, CNN and LSTM.

Each library runs in its own fresh process (peak RSS is per process): build the model and the
batch, note the resident memory, run six steps, and report how far the process's peak resident
memory rose above the noted level.  That rise is what training needs beyond the model and the
batch (activations, gradients, optimizer state, temporaries, allocator caches); the model and
batch are the same size in both libraries and are counted in neither.
"""
from __future__ import annotations

import subprocess
import sys

CHILD = r"""
import resource, sys
import numpy as np
lib = __import__(sys.argv[1])
kind = sys.argv[2]
nn = lib.nn
lib.manual_seed(0)
rng = np.random.default_rng(0)
if kind == "mlp":
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512),
                          nn.ReLU(), nn.Linear(512, 10))
    x = lib.tensor(rng.standard_normal((64, 1, 28, 28), dtype=np.float32))
    y = lib.tensor(rng.integers(0, 10, 64))
    opt = lib.optim.SGD(model.parameters(), lr=1e-3)
    loss_of = lambda: nn.functional.cross_entropy(model(x), y)
elif kind == "cnn":
    model = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10))
    x = lib.tensor(rng.standard_normal((64, 1, 28, 28), dtype=np.float32))
    y = lib.tensor(rng.integers(0, 10, 64))
    opt = lib.optim.Adam(model.parameters(), lr=1e-3)
    loss_of = lambda: nn.functional.cross_entropy(model(x), y)
else:
    model = nn.LSTM(32, 128)
    x = lib.tensor(rng.standard_normal((35, 16, 32), dtype=np.float32))
    opt = lib.optim.SGD(model.parameters(), lr=1e-3)
    loss_of = lambda: model(x)[0].pow(2).mean()

def step():
    loss = loss_of()
    opt.zero_grad()
    loss.backward()
    opt.step()

def rss_kb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() // 1024

def peak_kb():
    # VmHWM belongs to this process image; getrusage's ru_maxrss would carry over the peak of
    # the parent that forked us (run_all.py runs every benchmark in one big process).
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))

base = rss_kb()
for _ in range(6):
    step()
print(max(peak_kb() - base, 0))
"""


def peak_rise_kb(library: str, kind: str) -> int:
    out = subprocess.run([sys.executable, "-c", CHILD, library, kind], check=True,
                         capture_output=True, text=True).stdout
    return int(out.split()[-1])


def main() -> None:
    for kind in ("mlp", "cnn", "lstm"):
        ember_kb = min(peak_rise_kb("ember", kind) for _ in range(3))
        torch_kb = min(peak_rise_kb("torch", kind) for _ in range(3))
        ratio = ember_kb / max(torch_kb, 1)
        verdict = "OK" if ratio <= 1.5 else "MISSED"
        print(f"{'peak memory of a ' + kind + ' training step':<48} ember {ember_kb / 1024:8.1f} MiB"
              f"  torch {torch_kb / 1024:8.1f} MiB  ratio {ratio:6.2f}  target <= 1.50  {verdict}")


if __name__ == "__main__":
    main()
