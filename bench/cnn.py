"""Small CNN training step (MNIST-sized): ember should be within 1.5x of PyTorch.

Network: Conv2d(1, 32, 3, pad 1) - ReLU - MaxPool 2 - Conv2d(32, 64, 3, pad 1) - ReLU -
MaxPool 2 - Flatten - Linear(3136, 128) - ReLU - Linear(128, 10), batch 64 of 1x28x28,
CrossEntropyLoss, one Adam step.  Both libraries build it from the same seed, so they start
from the same weights.

Two lines are reported: the whole training step, and the conv/pool stack alone (forward and
backward of conv-relu-pool-conv-relu-pool).
"""
from __future__ import annotations

import numpy as np

import common  # noqa: F401
from common import interleaved, report

import ember
import torch

BATCH = 64


def build(lib):
    nn = lib.nn
    lib.manual_seed(0)
    features = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
    classifier = nn.Sequential(nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(),
                               nn.Linear(128, 10))
    return features, nn.Sequential(features, classifier)


def train_step(model, loss_fn, optimizer, images, labels):
    loss = loss_fn(model(images), labels)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss


def main() -> None:
    rng = np.random.default_rng(0)
    images = rng.standard_normal((BATCH, 1, 28, 28), dtype=np.float32)
    labels = rng.integers(0, 10, BATCH)
    (e_features, e_model), (t_features, t_model) = build(ember), build(torch)
    e_opt = ember.optim.Adam(e_model.parameters(), lr=1e-3)
    t_opt = torch.optim.Adam(t_model.parameters(), lr=1e-3)
    e_loss, t_loss = ember.nn.CrossEntropyLoss(), torch.nn.CrossEntropyLoss()
    ex, tx = ember.tensor(images), torch.tensor(images)
    ey, ty = ember.tensor(labels), torch.tensor(labels)

    # Sanity: the first losses agree before timing anything.
    first_e = train_step(e_model, e_loss, e_opt, ex, ey).item()
    first_t = train_step(t_model, t_loss, t_opt, tx, ty).item()
    assert abs(first_e - first_t) < 1e-4 * max(1.0, abs(first_t)), (first_e, first_t)

    e, t = interleaved(lambda: train_step(e_model, e_loss, e_opt, ex, ey),
                       lambda: train_step(t_model, t_loss, t_opt, tx, ty), repeats=7, inner=2)
    report("cnn train step (batch 64, 1x28x28, Adam)", e, t, target=1.5)

    grad_out = rng.standard_normal((BATCH, 64, 7, 7), dtype=np.float32)
    eg, tg = ember.tensor(grad_out), torch.tensor(grad_out)
    e, t = interleaved(lambda: e_features(ex).backward(eg),
                       lambda: t_features(tx).backward(tg), repeats=7, inner=2)
    report("cnn conv/pool stack forward+backward", e, t)


if __name__ == "__main__":
    main()
