"""Helpers shared by the distributions: broadcasting parameters, probabilities <-> logits,
lazily computed attributes and triangular-matrix packing (``torch.distributions.utils``)."""
from __future__ import annotations

from functools import update_wrapper

import ember
from ember import Tensor

__all__ = ["broadcast_all", "logits_to_probs", "clamp_probs", "probs_to_logits",
           "lazy_property", "tril_matrix_to_vec", "vec_to_tril_matrix"]

# The Euler-Mascheroni constant.
euler_constant = 0.57721566490153286060

# What PyTorch accepts as a plain number parameter (bool is an int subclass anyway).
_Number = (int, float, bool)


def broadcast_all(*values) -> tuple:
    """The tensors and numbers in ``values`` as tensors broadcast to one shape.

    Numbers become tensors of the first tensor's dtype and device (the default dtype when all
    are numbers)."""
    if not all(isinstance(v, (Tensor,) + _Number) for v in values):
        raise ValueError("Input arguments must all be instances of Number, torch.Tensor or "
                         "objects implementing __torch_function__.")
    if not all(isinstance(v, Tensor) for v in values):
        options = {"dtype": ember.get_default_dtype()}
        for value in values:
            if isinstance(value, Tensor):
                options = {"dtype": value.dtype, "device": value.device}
                break
        values = [v if isinstance(v, Tensor) else ember.tensor(v, **options) for v in values]
    return ember.broadcast_tensors(*values)


def _require_one_of(probs, logits) -> None:
    if (probs is None) == (logits is None):
        raise ValueError("Either `probs` or `logits` must be specified, but not both.")


def _set_probs_or_logits(dist, probs, logits):
    """Give ``dist`` whichever of ``probs``/``logits`` was passed (as a tensor) and ``_param``;
    returns the batch shape it implies (empty for a plain number)."""
    _require_one_of(probs, logits)
    name, given = ("probs", probs) if probs is not None else ("logits", logits)
    (param,) = broadcast_all(given)
    setattr(dist, name, param)
    dist._param = param
    return ember.Size() if isinstance(given, _Number) else param.size()


def _expand_probs_or_logits(dist, new, shape) -> None:
    """Give ``new`` the probs and/or logits ``dist`` holds (given or already computed),
    expanded to ``shape``; ``_param`` follows them."""
    for name in ("probs", "logits"):
        if name in dist.__dict__:
            new._param = getattr(dist, name).expand(shape)
            setattr(new, name, new._param)


def _standard_normal(shape, dtype, device) -> Tensor:
    """Standard normal draws of ``shape`` (the stream of ``empty(shape).normal_()``)."""
    return ember.empty(shape, dtype=dtype, device=device).normal_()


def _sum_rightmost(value, dim: int):
    """``value`` summed over its ``dim`` rightmost dimensions."""
    if dim == 0:
        return value
    return value.reshape(value.shape[:-dim] + (-1,)).sum(-1)


def logits_to_probs(logits: Tensor, is_binary: bool = False) -> Tensor:
    """Probabilities from log-odds (binary) or from unnormalized log-probabilities over the
    last dimension."""
    if is_binary:
        return ember.sigmoid(logits)
    return ember.nn.functional.softmax(logits, dim=-1)


def clamp_probs(probs: Tensor) -> Tensor:
    """``probs`` clamped into [eps, 1 - eps] (eps of its dtype), away from 0 and 1."""
    eps = ember.finfo(probs.dtype).eps
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs: Tensor, is_binary: bool = False) -> Tensor:
    """Log-odds (binary) or log-probabilities from probabilities, clamped away from 0 and 1."""
    clamped = clamp_probs(probs)
    if is_binary:
        return ember.log(clamped) - ember.log1p(-clamped)
    return ember.log(clamped)


class lazy_property:
    """A method computed on first access (with gradients enabled) and then stored as an
    instance attribute, so later reads are plain attribute lookups.

    Distributions use it for the parameterisation that was not given (``probs`` from
    ``logits`` and the reverse); argument validation skips lazy attributes not yet computed."""

    def __init__(self, wrapped) -> None:
        self.wrapped = wrapped
        update_wrapper(self, wrapped)

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        with ember.enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


def _tril_mask(n: int, diag: int, device) -> Tensor:
    index = ember.arange(n, device=device)
    return index < index.view(-1, 1) + (diag + 1)


def tril_matrix_to_vec(mat: Tensor, diag: int = 0) -> Tensor:
    """The lower-triangular entries (below diagonal ``diag``) of square matrices, row by row."""
    n = mat.shape[-1]
    if diag < -n or diag >= n:
        raise ValueError(f"diag ({diag}) provided is outside [{-n}, {n - 1}].")
    return mat[..., _tril_mask(n, diag, mat.device)]


def vec_to_tril_matrix(vec: Tensor, diag: int = 0) -> Tensor:
    """Square lower-triangular matrices filled row by row from the last dimension of ``vec``
    (the inverse of :func:`tril_matrix_to_vec`)."""
    # n is the positive root of n**2 + (1 + 2 diag) n - |diag| (diag + 1) - 2 len = 0.
    linear = 1 + 2 * diag
    n = (-linear + (linear ** 2 + 8 * vec.shape[-1] + 4 * abs(diag) * (diag + 1)) ** 0.5) / 2
    if round(n) - n > ember.finfo(vec.dtype).eps:
        raise ValueError(f"The size of last dimension is {vec.shape[-1]} which cannot be "
                         f"expressed as the lower triangular part of a square D x D matrix.")
    n = round(n)
    mat = vec.new_zeros(vec.shape[:-1] + ember.Size((n, n)))
    mat[..., _tril_mask(n, diag, vec.device)] = vec
    return mat
