"""Quickstart: train a small convolutional network on real handwritten digits.

The PyTorch quickstart, written for ember: a Dataset over the bundled UCI digits (8x8 images),
DataLoaders, a model from ``nn``, a training loop with an optimizer, evaluation, and a
checkpoint saved and loaded again.  Run it with ``python3 -m ember.examples.quickstart``.
"""
from __future__ import annotations

import gzip
import tempfile
import time
from pathlib import Path

import numpy as np

import ember as torch
from ember import nn
from ember.utils.data import DataLoader, Dataset, random_split

DATA = Path(__file__).with_name("data") / "digits.csv.gz"


class Digits(Dataset):
    """The UCI handwritten digits: (1x8x8 float image scaled to [0, 1], label)."""

    def __init__(self, path: Path = DATA) -> None:
        with gzip.open(path, "rt") as f:
            table = np.loadtxt(f, delimiter=",", dtype=np.float32)
        self.images = torch.from_numpy(table[:, :64].reshape(-1, 1, 8, 8) / 16.0)
        self.labels = torch.from_numpy(table[:, 64].astype(np.int64))

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int):
        return self.images[index], self.labels[index]


class DigitNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, kernel_size=3, padding=1), nn.ReLU(),
            nn.Conv2d(16, 32, kernel_size=3, padding=1), nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(32 * 4 * 4, 64), nn.ReLU(),
                                        nn.Dropout(0.2), nn.Linear(64, 10))

    def forward(self, x):
        return self.classifier(self.features(x))


def train_epoch(loader, model, loss_fn, optimizer) -> float:
    model.train()
    total = 0.0
    for images, labels in loader:
        loss = loss_fn(model(images), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * len(labels)
    return total / len(loader.dataset)


def evaluate(loader, model, loss_fn) -> tuple[float, float]:
    model.eval()
    loss, correct = 0.0, 0
    with torch.no_grad():
        for images, labels in loader:
            logits = model(images)
            loss += loss_fn(logits, labels).item() * len(labels)
            correct += (logits.argmax(1) == labels).sum().item()
    return loss / len(loader.dataset), correct / len(loader.dataset)


def main(epochs: int = 15) -> float:
    torch.manual_seed(0)
    data = Digits()
    train_set, test_set = random_split(data, [0.8, 0.2],
                                       generator=torch.Generator().manual_seed(0))
    train_loader = DataLoader(train_set, batch_size=64, shuffle=True)
    test_loader = DataLoader(test_set, batch_size=256)
    model = DigitNet()
    print(model)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    start = time.perf_counter()
    for epoch in range(1, epochs + 1):
        train_loss = train_epoch(train_loader, model, loss_fn, optimizer)
        test_loss, accuracy = evaluate(test_loader, model, loss_fn)
        print(f"epoch {epoch:2d}  train loss {train_loss:.4f}  test loss {test_loss:.4f}  "
              f"test accuracy {100 * accuracy:5.1f}%")
    print(f"trained {epochs} epochs on {len(train_set)} images in "
          f"{time.perf_counter() - start:.1f} s")

    with tempfile.TemporaryDirectory() as folder:
        checkpoint = Path(folder) / "digits.pt"
        torch.save(model.state_dict(), checkpoint)
        restored = DigitNet()
        restored.load_state_dict(torch.load(checkpoint))
    _, restored_accuracy = evaluate(test_loader, restored, loss_fn)
    print(f"reloaded from {checkpoint.name}: test accuracy {100 * restored_accuracy:5.1f}%")
    images, labels = next(iter(test_loader))
    predicted = restored(images[:10]).argmax(1)
    print("predicted:", predicted.tolist())
    print("actual:   ", labels[:10].tolist())
    return accuracy


if __name__ == "__main__":
    main()
