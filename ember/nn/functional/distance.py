"""torch.nn.functional distances and encodings: pairwise_distance, pdist, cosine_similarity,
normalize and one_hot."""
from __future__ import annotations

import numpy as np

from ..._tensor import Tensor
from ...ops.loss import cosine_similarity, pairwise_distance, pdist

__all__ = ["pairwise_distance", "pdist", "cosine_similarity", "normalize", "one_hot"]

# pairwise_distance, pdist and cosine_similarity are the ops themselves: torch exports each as
# both torch.<name> and F.<name>.


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12,
              out: Tensor | None = None) -> Tensor:
    """``input`` divided by its p-norm along ``dim`` (the norm clamped below at ``eps``)."""
    if out is None:
        denominator = input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
        return input / denominator
    denominator = input.norm(p, dim, keepdim=True).clamp_min_(eps).expand_as(input)
    from ...ops.arith import div
    return div(input, denominator, out=out)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 one-hot encoding with a new last dim of size ``num_classes`` (inferred as
    max + 1 when -1)."""
    labels = tensor._data
    if labels.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if num_classes == -1:
        if labels.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(labels.max()) + 1
    if labels.size:
        if labels.min() < 0:
            raise RuntimeError("Class values must be non-negative.")
        if labels.max() >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    encoded = (labels[..., None] == np.arange(num_classes)).astype(np.int64)
    return Tensor._make(encoded)
