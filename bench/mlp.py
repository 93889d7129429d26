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
    flatten = nn.Flatten() if hasattr(nn, "Flatten") else _Flatten(lib)
    return nn.Sequential(flatten, nn.Linear(28 * 28, 512), nn.ReLU(), nn.Linear(512, 512),
                         nn.ReLU(), nn.Linear(512, 10))


def _Flatten(lib):
    # Stand-in until ember.nn.Flatten lands (same computation: x.flatten(1)).
    class Flatten(lib.nn.Module):
        def forward(self, x):
            return x.flatten(1)
    return Flatten()


def train_step(lib, model, loss_fn, images, labels):
    """Forward, loss, backward and a plain SGD update.

    The update is written by hand (p -= lr * grad, grads reset to None) so this benchmark does
    not depend on ember.optim; it is the same arithmetic optim.SGD performs without momentum.
    """
    loss = loss_fn(model(images), labels)
    loss.backward()
    with lib.no_grad():
        for p in model.parameters():
            p.data.add_(p.grad, alpha=-LEARNING_RATE)
            p.grad = None
    return loss


def main() -> None:
    rng = np.random.default_rng(0)
    images = rng.standard_normal((BATCH, 1, 28, 28), dtype=np.float32)
    labels = rng.integers(0, 10, BATCH)
    e_model, t_model = build(ember), build(torch)
    e_loss, t_loss = ember.nn.CrossEntropyLoss(), torch.nn.CrossEntropyLoss()
    ex, ey = ember.from_numpy(images), ember.from_numpy(labels)
    tx, ty = torch.from_numpy(images), torch.from_numpy(labels)
    e_first = train_step(ember, e_model, e_loss, ex, ey).item()
    t_first = train_step(torch, t_model, t_loss, tx, ty).item()
    assert abs(e_first - t_first) < 1e-4, (e_first, t_first)
    e, t = interleaved(lambda: train_step(ember, e_model, e_loss, ex, ey),
                       lambda: train_step(torch, t_model, t_loss, tx, ty),
                       repeats=15, inner=5)
    report("MLP train step (784-512-512-10, batch 64)", e, t, target=1.0)


if __name__ == "__main__":
    main()
