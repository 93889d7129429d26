"""One training step of PyTorch's quickstart MLP (Flatten, Linear 784-512, ReLU, Linear 512-512,
ReLU, Linear 512-10; batch 64; CrossEntropyLoss; SGD): ember should keep pace with PyTorch
(ratio <= 1.0)."""
from __future__ import annotations

import numpy as np

import common  # noqa: F401
from common import interleaved, report

import ember
import torch

BATCH = 64
LEARNING_RATE = 1e-3


def build(lib):
    """The quickstart network in ``lib`` (ember or torch), seeded identically."""
    nn = lib.nn
    lib.manual_seed(0)
    return nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 512), nn.ReLU(), nn.Linear(512, 512),
                         nn.ReLU(), nn.Linear(512, 10))


def train_step(model, loss_fn, optimizer, images, labels):
    """Forward, loss, backward and an SGD step, as in PyTorch's quickstart."""
    loss = loss_fn(model(images), labels)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss


def main() -> None:
    rng = np.random.default_rng(0)
    images = rng.standard_normal((BATCH, 1, 28, 28), dtype=np.float32)
    labels = rng.integers(0, 10, BATCH)
    e_model, t_model = build(ember), build(torch)
    e_loss, t_loss = ember.nn.CrossEntropyLoss(), torch.nn.CrossEntropyLoss()
    e_opt = ember.optim.SGD(e_model.parameters(), lr=LEARNING_RATE)
    t_opt = torch.optim.SGD(t_model.parameters(), lr=LEARNING_RATE)
    ex, ey = ember.from_numpy(images), ember.from_numpy(labels)
    tx, ty = torch.from_numpy(images), torch.from_numpy(labels)
    e_first = train_step(e_model, e_loss, e_opt, ex, ey).item()
    t_first = train_step(t_model, t_loss, t_opt, tx, ty).item()
    assert abs(e_first - t_first) < 1e-4, (e_first, t_first)
    e, t = interleaved(lambda: train_step(e_model, e_loss, e_opt, ex, ey),
                       lambda: train_step(t_model, t_loss, t_opt, tx, ty),
                       repeats=15, inner=5)
    report("MLP train step (784-512-512-10, batch 64)", e, t, target=1.0)


if __name__ == "__main__":
    main()
