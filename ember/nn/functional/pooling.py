"""nn.functional: pooling (max, average, adaptive, power-average, max unpooling).

The primitives live in ember/ops/pooling.py; this module adds PyTorch's Python-level
behaviour: ``return_indices``, the ``*_with_indices`` names, ``lp_pool`` (composed from
``avg_pool`` as in PyTorch, so its grad_fn is PowBackward0) and ``max_unpool`` output sizes.
"""
from __future__ import annotations

from ..._tensor import Tensor
from ... import ops
from ...ops import pooling as P
from ...ops.unary import relu

__all__ = ["max_pool1d", "max_pool2d", "max_pool3d", "max_pool1d_with_indices",
           "max_pool2d_with_indices", "max_pool3d_with_indices", "avg_pool1d", "avg_pool2d",
           "avg_pool3d", "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d",
           "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices",
           "adaptive_max_pool3d_with_indices", "adaptive_avg_pool1d", "adaptive_avg_pool2d",
           "adaptive_avg_pool3d", "lp_pool1d", "lp_pool2d", "lp_pool3d", "max_unpool1d",
           "max_unpool2d", "max_unpool3d", "fractional_max_pool2d", "fractional_max_pool3d",
           "fractional_max_pool2d_with_indices", "fractional_max_pool3d_with_indices"]

avg_pool1d = P.avg_pool1d
avg_pool2d = P.avg_pool2d
avg_pool3d = P.avg_pool3d
adaptive_avg_pool1d = P.adaptive_avg_pool1d
adaptive_avg_pool2d = P.adaptive_avg_pool2d
adaptive_avg_pool3d = P.adaptive_avg_pool3d


# -- max pooling ------------------------------------------------------------------------------

def max_pool1d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode: bool = False, return_indices: bool = False):
    """1-D max pooling returning (values, indices)."""
    return P.max_pool1d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)


def max_pool2d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode: bool = False, return_indices: bool = False):
    """2-D max pooling returning (values, indices)."""
    return P.max_pool2d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)


def max_pool3d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode: bool = False, return_indices: bool = False):
    """3-D max pooling returning (values, indices)."""
    return P.max_pool3d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)


def max_pool1d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode: bool = False, return_indices: bool = False):
    """1-D max pooling; with ``return_indices`` also the argmax positions."""
    if not return_indices:
        return P.max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode)
    return max_pool1d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)


def max_pool2d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode: bool = False, return_indices: bool = False):
    """2-D max pooling; with ``return_indices`` also the flat per-plane argmax positions."""
    values, indices = max_pool2d_with_indices(input, kernel_size, stride, padding, dilation,
                                              ceil_mode)
    return (values, indices) if return_indices else values


def max_pool3d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode: bool = False, return_indices: bool = False):
    """3-D max pooling; with ``return_indices`` also the flat per-volume argmax positions."""
    values, indices = max_pool3d_with_indices(input, kernel_size, stride, padding, dilation,
                                              ceil_mode)
    return (values, indices) if return_indices else values


# -- adaptive max pooling ---------------------------------------------------------------------

def adaptive_max_pool1d_with_indices(input: Tensor, output_size, return_indices: bool = False):
    """1-D adaptive max pooling returning (values, indices)."""
    return P.adaptive_max_pool1d(input, output_size)


def adaptive_max_pool2d_with_indices(input: Tensor, output_size, return_indices: bool = False):
    """2-D adaptive max pooling returning (values, indices)."""
    return P.adaptive_max_pool2d(input, output_size)


def adaptive_max_pool3d_with_indices(input: Tensor, output_size, return_indices: bool = False):
    """3-D adaptive max pooling returning (values, indices)."""
    return P.adaptive_max_pool3d(input, output_size)


def adaptive_max_pool1d(input: Tensor, output_size, return_indices: bool = False):
    """1-D adaptive max pooling to ``output_size`` positions."""
    values, indices = P.adaptive_max_pool1d(input, output_size)
    return (values, indices) if return_indices else values


def adaptive_max_pool2d(input: Tensor, output_size, return_indices: bool = False):
    """2-D adaptive max pooling to ``output_size`` (an int, or a pair with None to keep a dim)."""
    values, indices = P.adaptive_max_pool2d(input, output_size)
    return (values, indices) if return_indices else values


def adaptive_max_pool3d(input: Tensor, output_size, return_indices: bool = False):
    """3-D adaptive max pooling."""
    values, indices = P.adaptive_max_pool3d(input, output_size)
    return (values, indices) if return_indices else values


# -- power-average pooling --------------------------------------------------------------------

def _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, dims, max_fn, avg_fn):
    if isinstance(norm_type, (int, float)) and norm_type in (float("inf"), -float("inf")):
        if norm_type > 0:
            return max_fn(input.abs(), kernel_size, stride, 0, 1, ceil_mode)
        return -max_fn(-input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    sizes = kernel_size if isinstance(kernel_size, (list, tuple)) else (kernel_size,) * dims
    window = 1
    for k in (tuple(sizes) * dims if len(sizes) == 1 else sizes):
        window *= k
    if stride is not None:
        out = avg_fn(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    else:
        out = avg_fn(input.pow(norm_type), kernel_size, padding=0, ceil_mode=ceil_mode)
    # sign * relu(abs) keeps the sign of tiny negative averages from rounding as PyTorch does.
    return (out.sign() * relu(out.abs())).mul(window).pow(1.0 / norm_type)


def lp_pool1d(input: Tensor, norm_type, kernel_size, stride=None,
              ceil_mode: bool = False) -> Tensor:
    """1-D power-average pooling: (sum of x**p over each window) ** (1/p)."""
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 1, max_pool1d, avg_pool1d)


def lp_pool2d(input: Tensor, norm_type, kernel_size, stride=None,
              ceil_mode: bool = False) -> Tensor:
    """2-D power-average pooling: (sum of x**p over each window) ** (1/p)."""
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 2, max_pool2d, avg_pool2d)


def lp_pool3d(input: Tensor, norm_type, kernel_size, stride=None,
              ceil_mode: bool = False) -> Tensor:
    """3-D power-average pooling: (sum of x**p over each window) ** (1/p)."""
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 3, max_pool3d, avg_pool3d)


# -- max unpooling ----------------------------------------------------------------------------

def _tuple(value, dims: int) -> tuple:
    if isinstance(value, (list, tuple)):
        return tuple(value) * dims if len(value) == 1 else tuple(value)
    return (value,) * dims


def _unpool_output_size(input: Tensor, kernel, stride, padding, output_size) -> list:
    spatial = input.shape[input.dim() - len(kernel):]
    default = [(s - 1) * st + k - 2 * p for s, st, k, p in zip(spatial, stride, kernel, padding)]
    if output_size is None:
        return default
    output_size = list(output_size)
    if len(output_size) == len(kernel) + 2:
        output_size = output_size[2:]
    if len(output_size) != len(kernel):
        raise ValueError(f"output_size should be a sequence containing {len(kernel)} or "
                         f"{len(kernel) + 2} elements, but it has a length of "
                         f"'{len(output_size)}'")
    for d, (size, base, st) in enumerate(zip(output_size, default, stride)):
        low, high = base - st, base + st
        if not low < size < high:
            raise ValueError(f'invalid output_size "{tuple(output_size)}" (dim {d} must be '
                             f'between {low} and {high})')
    return output_size


def _max_unpool(input, indices, kernel_size, stride, padding, output_size, dims: int):
    kernel = _tuple(kernel_size, dims)
    stride = _tuple(stride, dims) if stride is not None else kernel
    padding = _tuple(padding, dims)
    size = _unpool_output_size(input, kernel, stride, padding, output_size)
    return size


def max_unpool1d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0,
                 output_size=None) -> Tensor:
    """Partial inverse of max_pool1d: values put back at their indices, zeros elsewhere."""
    size = _max_unpool(input, indices, kernel_size, stride, padding, output_size, 1)
    if input.dim() not in (2, 3):
        raise RuntimeError(f"Input to max_unpooling2d should be a 3d or 4d Tensor, but got a "
                           f"tensor with {input.dim() + 1} dimensions.")
    result = P.max_unpool(input.unsqueeze(-1), indices.unsqueeze(-1), (size[0], 1), 2)
    return result.squeeze(-1)


def max_unpool2d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0,
                 output_size=None) -> Tensor:
    """Partial inverse of max_pool2d: values put back at their indices, zeros elsewhere."""
    size = _max_unpool(input, indices, kernel_size, stride, padding, output_size, 2)
    if input.dim() not in (3, 4):
        raise RuntimeError(f"Input to max_unpooling2d should be a 3d or 4d Tensor, but got a "
                           f"tensor with {input.dim()} dimensions.")
    return P.max_unpool(input, indices, tuple(size), 2)


def max_unpool3d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0,
                 output_size=None) -> Tensor:
    """Partial inverse of max_pool3d: values put back at their indices, zeros elsewhere."""
    size = _max_unpool(input, indices, kernel_size, stride, padding, output_size, 3)
    if input.dim() not in (4, 5):
        raise RuntimeError(f"Input to max_unpooling3d should be a 4d or 5d Tensor, but got a "
                           f"tensor with {input.dim()} dimensions.")
    return P.max_unpool(input, indices, tuple(size), 3)


# -- fractional max pooling -------------------------------------------------------------------

def _fractional(input: Tensor, kernel_size, output_size, output_ratio, samples, dims: int):
    name = f"fractional_max_pool{dims}d"
    if output_size is None and output_ratio is None:
        raise ValueError(f"{name} requires specifying either an output_size or an output_ratio")
    if output_size is None:
        ratios = output_ratio if isinstance(output_ratio, (list, tuple)) else \
            (output_ratio,) * dims
        if len(ratios) > dims:
            words = "a single Int or tuple of Ints"
            raise ValueError(f"{name} requires output_ratio to either be {words}.")
        ratios = tuple(ratios) * dims if len(ratios) == 1 else tuple(ratios)
        output_size = [int(s * r) for s, r in zip(input.shape[input.dim() - dims:], ratios)]
    if samples is None:
        batch = 1 if input.dim() == dims + 1 else input.size(0)
        samples = ops.rand(batch, input.size(-dims - 1), dims, dtype=input.dtype,
                           device=input.device)
    return P.fractional_max_pool(input, kernel_size, output_size, samples, dims)


def fractional_max_pool2d_with_indices(input: Tensor, kernel_size, output_size=None,
                                       output_ratio=None, return_indices: bool = False,
                                       _random_samples=None):
    """2-D fractional max pooling returning (values, indices)."""
    return _fractional(input, kernel_size, output_size, output_ratio, _random_samples, 2)


def fractional_max_pool3d_with_indices(input: Tensor, kernel_size, output_size=None,
                                       output_ratio=None, return_indices: bool = False,
                                       _random_samples=None):
    """3-D fractional max pooling returning (values, indices)."""
    return _fractional(input, kernel_size, output_size, output_ratio, _random_samples, 3)


def fractional_max_pool2d(input: Tensor, kernel_size, output_size=None, output_ratio=None,
                          return_indices: bool = False, _random_samples=None):
    """2-D fractional max pooling: windows placed pseudo-randomly so the output has
    ``output_size`` (or ``output_ratio`` of the input size)."""
    values, indices = _fractional(input, kernel_size, output_size, output_ratio,
                                  _random_samples, 2)
    return (values, indices) if return_indices else values


def fractional_max_pool3d(input: Tensor, kernel_size, output_size=None, output_ratio=None,
                          return_indices: bool = False, _random_samples=None):
    """3-D fractional max pooling."""
    values, indices = _fractional(input, kernel_size, output_size, output_ratio,
                                  _random_samples, 3)
    return (values, indices) if return_indices else values
