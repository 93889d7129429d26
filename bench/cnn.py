"""Small CNN training step (MNIST-sized): ember should be within 1.5x of PyTorch.

Network: Conv2d(1, 32, 3, pad 1) - ReLU - MaxPool 2 - Conv2d(32, 64, 3, pad 1) - ReLU -
MaxPool 2 - Flatten - Linear(3136, 128) - ReLU - Linear(128, 10), batch 64 of 1x28x28,
cross-entropy loss, one Adam step.

Two lines are reported: the whole training step, and the conv/pool stack alone (forward and
backward of conv-relu-pool-conv-relu-pool).

The linear layers, the loss and the Adam step are written by hand from basic ops, the same
way for both libraries, until ember.nn.Linear / F.cross_entropy / optim.Adam land; the
convolutions and pools are the real F.conv2d / F.max_pool2d of each library.
"""
from __future__ import annotations

import math

import numpy as np

import common  # noqa: F401
from common import interleaved, report

import ember
import ember.nn.functional as EF
import torch
import torch.nn.functional as TF

BATCH = 64


class Net:
    """The CNN's parameters and step for one library (``lib`` is ember or torch)."""

    def __init__(self, lib, F, arrays: dict, lr: float = 1e-3) -> None:
        self.lib, self.F = lib, F
        self.params = {k: lib.tensor(v.copy(), requires_grad=True) for k, v in arrays.items()}
        # Adam state, updated in place on .data (a hand-written torch.optim.Adam step).
        self.m = {k: lib.zeros_like(p) for k, p in self.params.items()}
        self.v = {k: lib.zeros_like(p) for k, p in self.params.items()}
        self.step_count = 0
        self.lr = lr

    def features(self, x):
        F, p, lib = self.F, self.params, self.lib
        h = F.max_pool2d(lib.relu(F.conv2d(x, p["conv1.w"], p["conv1.b"], padding=1)), 2)
        return F.max_pool2d(lib.relu(F.conv2d(h, p["conv2.w"], p["conv2.b"], padding=1)), 2)

    def loss(self, x, target):
        p, lib = self.params, self.lib
        h = self.features(x).reshape(x.shape[0], -1)
        h = lib.relu(h @ p["fc1.w"].t() + p["fc1.b"])
        logits = h @ p["fc2.w"].t() + p["fc2.b"]
        log_probs = logits - logits.logsumexp(1, keepdim=True)
        return -log_probs[lib.arange(x.shape[0]), target].mean()

    def adam_step(self, beta1=0.9, beta2=0.999, eps=1e-8) -> None:
        self.step_count += 1
        t = self.step_count
        correction1 = 1 - beta1 ** t
        correction2 = 1 - beta2 ** t
        step = self.lr / correction1
        for k, param in self.params.items():
            grad = param.grad.data
            m, v = self.m[k], self.v[k]
            m.mul_(beta1).add_(grad, alpha=1 - beta1)
            v.mul_(beta2).add_(grad * grad, alpha=1 - beta2)
            denom = (v.sqrt() / math.sqrt(correction2)).add_(eps)
            param.data.add_(-step * (m / denom))
            param.grad = None

    def train_step(self, x, target) -> None:
        self.loss(x, target).backward()
        self.adam_step()


def _init_arrays(rng) -> dict:
    def uniform(shape, fan_in):
        bound = 1 / math.sqrt(fan_in)
        return rng.uniform(-bound, bound, shape).astype(np.float32)
    return {
        "conv1.w": uniform((32, 1, 3, 3), 9), "conv1.b": uniform((32,), 9),
        "conv2.w": uniform((64, 32, 3, 3), 288), "conv2.b": uniform((64,), 288),
        "fc1.w": uniform((128, 3136), 3136), "fc1.b": uniform((128,), 3136),
        "fc2.w": uniform((10, 128), 128), "fc2.b": uniform((10,), 128),
    }


def main() -> None:
    rng = np.random.default_rng(0)
    arrays = _init_arrays(rng)
    images = rng.standard_normal((BATCH, 1, 28, 28), dtype=np.float32)
    labels = rng.integers(0, 10, BATCH)
    e_net, t_net = Net(ember, EF, arrays), Net(torch, TF, arrays)
    ex, tx = ember.tensor(images), torch.tensor(images)
    ey, ty = ember.tensor(labels), torch.tensor(labels)

    # Sanity: the first losses agree before timing anything.
    e_loss = float(e_net.loss(ex, ey).detach())
    t_loss = float(t_net.loss(tx, ty).detach())
    assert abs(e_loss - t_loss) < 1e-4 * max(1.0, abs(t_loss)), (e_loss, t_loss)

    e, t = interleaved(lambda: e_net.train_step(ex, ey), lambda: t_net.train_step(tx, ty),
                       repeats=7, inner=2)
    report("cnn train step (batch 64, 1x28x28)", e, t, target=1.5)

    grad_out = rng.standard_normal((BATCH, 64, 7, 7), dtype=np.float32)
    eg, tg = ember.tensor(grad_out), torch.tensor(grad_out)

    def e_stack():
        e_net.features(ex).backward(eg)

    def t_stack():
        t_net.features(tx).backward(tg)

    e, t = interleaved(e_stack, t_stack, repeats=7, inner=2)
    report("cnn conv/pool stack forward+backward", e, t)


if __name__ == "__main__":
    main()
