"""Dropout ops (``torch.dropout``, ``feature_dropout``, ``alpha_dropout`` and their in-place
forms, ``native_dropout``).

PyTorch's CPU dropout is a composite: a noise tensor filled by ``bernoulli_(1 - p)``, scaled,
and multiplied into the input.  The same steps here draw the same numbers from ember's
generator, so a seeded dropout reproduces PyTorch's mask bit for bit, and the gradient flows
through the ordinary ``mul``/``add`` nodes exactly as in PyTorch.
"""
from __future__ import annotations

import math

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import state as grad_state
from ..autograd.node import Node
from .creation import empty, empty_like, zeros
from .random import _fmt

__all__ = ["dropout", "dropout_", "feature_dropout", "feature_dropout_", "alpha_dropout",
           "alpha_dropout_", "feature_alpha_dropout", "feature_alpha_dropout_",
           "native_dropout"]

# The SELU negative saturation value -scale * alpha, which alpha dropout drops to.
_SELU_ALPHA = 1.7580993408473766


def _check_probability(p: float) -> None:
    if not 0 <= p <= 1:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {_fmt(p)}")


def _noise(input: Tensor, feature: bool) -> Tensor:
    """Uninitialized noise: the input's layout, or (N, C, 1, ...) for per-channel dropout."""
    if not feature:
        return empty_like(input)
    shape = input.shape
    if len(shape) < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    return empty((shape[0], shape[1]) + (1,) * (len(shape) - 2), dtype=input.dtype,
                 device=input.device)


def _dropout_impl(input: Tensor, p: float, train: bool, feature: bool, alpha: bool,
                  inplace: bool) -> Tensor:
    _check_probability(p)
    if p == 0 or not train or input.numel() == 0:
        return input
    if p == 1:
        zero = zeros((), dtype=input.dtype, device=input.device)
        return input.mul_(zero) if inplace else input.mul(zero)
    noise = _noise(input, feature)
    noise.bernoulli_(1 - p)
    if alpha:
        a = 1.0 / math.sqrt((_SELU_ALPHA * _SELU_ALPHA * p + 1) * (1 - p))
        shift = noise.add(-1).mul_(_SELU_ALPHA * a).add_(_SELU_ALPHA * a * p)
        noise.mul_(a)
        scaled = input.mul_(noise) if inplace else input.mul(noise)
        return scaled.add_(shift)
    noise.div_(1 - p)
    return input.mul_(noise) if inplace else input.mul(noise)


def dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by 1 / (1 - p) (when
    ``train``)."""
    return _dropout_impl(input, p, train, False, False, False)


def dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """In-place :func:`dropout`."""
    return _dropout_impl(input, p, train, False, False, True)


def feature_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """Zero whole channels (dim 1 slices) with probability ``p``, scaling the rest."""
    return _dropout_impl(input, p, train, True, False, False)


def feature_dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """In-place :func:`feature_dropout`."""
    return _dropout_impl(input, p, train, True, False, True)


def alpha_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """Dropout for SELU networks: dropped elements take SELU's saturation value and the result
    is shifted and scaled to keep zero mean and unit variance."""
    return _dropout_impl(input, p, train, False, True, False)


def alpha_dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """In-place :func:`alpha_dropout`."""
    return _dropout_impl(input, p, train, False, True, True)


def feature_alpha_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """:func:`alpha_dropout` of whole channels."""
    return _dropout_impl(input, p, train, True, True, False)


def feature_alpha_dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """In-place :func:`feature_alpha_dropout`."""
    return _dropout_impl(input, p, train, True, True, True)


class NativeDropoutBackward0(Node):
    """grad * mask * scale."""

    def backward(self, grad):
        (mask,) = self.saved_tensors
        return grad * mask * self.scale


def native_dropout(input: Tensor, p: float, train: bool | None):
    """Dropout returning (output, boolean keep-mask), as one op (``torch.native_dropout``)."""
    if input.numel() == 0:
        return input, empty_like(input, dtype=_bool_dtype())
    from .creation import ones_like
    if train is None or train:
        keep = 1.0 - p
        scale = 0.0 if keep == 0 else 1.0 / keep
        mask = empty_like(input, dtype=_bool_dtype())
        mask.bernoulli_(keep)
        data = input._data * mask._data
        data *= np.asarray(scale, dtype=data.dtype)
        output = Tensor._make(data)
    else:
        scale = 1.0
        mask = ones_like(input, dtype=_bool_dtype())
        output = Tensor._make(input._data.copy())
    if grad_state.enabled and input._rg:
        node = NativeDropoutBackward0((input,), output)
        node.save(mask)
        node.scale = scale
    return output, mask


def _bool_dtype():
    from .. import _dtype as D
    return D.bool
