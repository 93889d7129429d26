"""DataLoader throughput: 60,000 synthetic 28x28 uint8 images, converted per sample as
ToTensor + Normalize do (divide by 255, subtract the mean, divide by the std), batches of 64,
with 0 and 2 worker processes.  ember's images/s should be at least PyTorch's (ratio >= 1).

Each figure is the best of a few rounds over the first ``--batches`` batches of an epoch
(including starting the workers), after a warm-up round, alternating ember and PyTorch so
machine noise hits both.
"""
from __future__ import annotations

import argparse
import time

import numpy as np

import common  # noqa: F401

import ember
import ember.utils.data
import torch
import torch.utils.data

IMAGES = 60_000
BATCH = 64
MEAN, STD = 0.1307, 0.3081


def make_data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(IMAGES, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=IMAGES)
    return images, labels


class EmberImages(ember.utils.data.Dataset):
    def __init__(self, images: np.ndarray, labels: np.ndarray) -> None:
        self.images = images
        self.labels = labels

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int):
        image = ember.from_numpy(self.images[index]).float() / 255
        return (image - MEAN) / STD, int(self.labels[index])


class TorchImages(torch.utils.data.Dataset):
    def __init__(self, images: np.ndarray, labels: np.ndarray) -> None:
        self.images = images
        self.labels = labels

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int):
        image = torch.from_numpy(self.images[index]).float() / 255
        return (image - MEAN) / STD, int(self.labels[index])


def images_per_second(loader, batches: int) -> float:
    """Images delivered per second over the first ``batches`` batches of a fresh epoch."""
    start = time.perf_counter()
    seen = 0
    iterator = iter(loader)
    for _ in range(batches):
        images, _labels = next(iterator)
        seen += len(images)
    elapsed = time.perf_counter() - start
    del iterator
    return seen / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batches", type=int, default=150, help="batches timed per round")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(1)  # what a DataLoader worker runs with
    images, labels = make_data()
    ember_set, torch_set = EmberImages(images, labels), TorchImages(images, labels)
    for workers in (0, 2):
        context = "fork" if workers else None
        ember_loader = ember.utils.data.DataLoader(ember_set, batch_size=BATCH, shuffle=True,
                                                   num_workers=workers,
                                                   multiprocessing_context=context)
        torch_loader = torch.utils.data.DataLoader(torch_set, batch_size=BATCH, shuffle=True,
                                                   num_workers=workers,
                                                   multiprocessing_context=context)
        images_per_second(ember_loader, 20)  # warm up: first-touch page faults, imports
        images_per_second(torch_loader, 20)
        ember_best = torch_best = 0.0
        for _ in range(args.rounds):
            ember_best = max(ember_best, images_per_second(ember_loader, args.batches))
            torch_best = max(torch_best, images_per_second(torch_loader, args.batches))
        ratio = ember_best / torch_best
        verdict = "OK" if ratio >= 1.0 else "MISSED"
        print(f"{f'DataLoader 28x28 uint8, batch {BATCH}, num_workers={workers}':<48} "
              f"ember {ember_best:9.0f} img/s  torch {torch_best:9.0f} img/s  "
              f"ratio {ratio:6.2f}  target >= 1.00  {verdict}", flush=True)


if __name__ == "__main__":
    main()
