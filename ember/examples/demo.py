"""A short tour of ember: tensors, autograd and a tiny model fitted by gradient descent.

Run with ``python -m ember.examples.demo``.
"""
from __future__ import annotations

import ember as torch


def main() -> None:
    x = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = (x * x + 2 * x).sum()
    y.backward()
    print("x =", x)
    print("y =", y)
    print("dy/dx =", x.grad)

    # Fit y = 3x - 1 with a hand-written linear model.
    inputs = torch.linspace(-1, 1, 64).reshape(-1, 1) if hasattr(torch, "linspace") else \
        (torch.arange(64).reshape(-1, 1) / 32.0 - 1.0)
    targets = 3 * inputs - 1
    weight = torch.zeros(1, 1, requires_grad=True)
    bias = torch.zeros(1, requires_grad=True)
    for step in range(200):
        prediction = inputs @ weight + bias
        loss = ((prediction - targets) ** 2).mean() if hasattr(torch, "pow") else \
            ((prediction - targets) * (prediction - targets)).mean()
        loss.backward()
        with torch.no_grad():
            weight -= 0.1 * weight.grad
            bias -= 0.1 * bias.grad
        weight.grad = None
        bias.grad = None
        if step % 50 == 0:
            print(f"step {step:3d}  loss {loss.item():.6f}")
    print(f"learned weight {weight.item():.4f} (true 3), bias {bias.item():.4f} (true -1)")


if __name__ == "__main__":
    main()
