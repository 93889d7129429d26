"""``DistributedSampler``: each of ``num_replicas`` processes gets its own slice of the
dataset's (optionally shuffled) indices (``torch.utils.data.distributed``)."""
from __future__ import annotations

import math
from collections.abc import Iterator

from .dataset import Dataset
from .sampler import Sampler, _randperm_list

__all__ = ["DistributedSampler"]


class DistributedSampler(Sampler):
    """Indices for replica ``rank`` of ``num_replicas``: every ``num_replicas``-th index of a
    permutation seeded with ``seed + epoch`` (or of ``0..n-1`` without shuffling), padded by
    repetition so every replica gets as many (or trimmed, with ``drop_last``).

    ember has no process groups, so ``num_replicas`` and ``rank`` must be given.
    """

    def __init__(self, dataset: Dataset, num_replicas: int | None = None,
                 rank: int | None = None, shuffle: bool = True, seed: int = 0,
                 drop_last: bool = False) -> None:
        if num_replicas is None or rank is None:
            raise RuntimeError("Requires distributed package to be available")
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval "
                             f"[0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        size = len(dataset)
        if drop_last and size % num_replicas != 0:
            self.num_samples = math.ceil((size - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(size / num_replicas)
        self.total_size = self.num_samples * num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self) -> Iterator:
        from ..._generator import Generator
        size = len(self.dataset)
        if self.shuffle:
            generator = Generator().manual_seed(self.seed + self.epoch)
            indices = _randperm_list(size, generator)
        else:
            indices = list(range(size))
        if self.drop_last:
            indices = indices[:self.total_size]
        else:
            missing = self.total_size - len(indices)
            repeats = math.ceil(missing / len(indices)) if missing > len(indices) else 1
            indices += (indices * repeats)[:missing]
        if len(indices) != self.total_size:
            raise AssertionError(f"Number of indices ({len(indices)}) does not match total_size "
                                 f"({self.total_size})")
        mine = indices[self.rank:self.total_size:self.num_replicas]
        if len(mine) != self.num_samples:
            raise AssertionError(f"Number of subsampled indices ({len(mine)}) does not match "
                                 f"num_samples ({self.num_samples})")
        return iter(mine)

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Set the epoch, which seeds the next shuffle (call it before each epoch so replicas
        shuffle alike and epochs differ)."""
        self.epoch = epoch
