"""Vision functions: interpolation (``interpolate`` and the deprecated ``upsample*``), grid
sampling and affine grids, and the pixel and channel shuffles."""
from __future__ import annotations

import math
import warnings

import numpy as np

from ... import _dtype as D
from ... import ops
from ..._tensor import Tensor
from ...ops._dispatch import _type_word
from ...ops import sampling
from ...ops.sampling import (area_plan, antialias_plan, check_upsample_input, cubic_plan,
                             linear_plan, nearest_plan, resample)

__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear", "grid_sample",
           "affine_grid", "pixel_shuffle", "pixel_unshuffle", "channel_shuffle",
           "native_channel_shuffle", "GRID_SAMPLE_INTERPOLATION_MODES",
           "GRID_SAMPLE_PADDING_MODES"]

GRID_SAMPLE_INTERPOLATION_MODES = {"bilinear": 0, "nearest": 1, "bicubic": 2}
GRID_SAMPLE_PADDING_MODES = {"zeros": 0, "border": 1, "reflection": 2}

_INTERPOLATING = ("linear", "bilinear", "bicubic", "trilinear")
_HALF_TYPES = (np.dtype(np.float16), D.bfloat16.np)
_MODE_DIMS = {"linear": 3, "bilinear": 4, "bicubic": 4, "trilinear": 5}


def _is_integer(x) -> bool:
    if isinstance(x, Tensor):
        return not x.is_floating_point() and not x.is_complex()
    return isinstance(x, (int, np.integer)) and not isinstance(x, bool)


def _resolve_sizes(input: Tensor, size, scale_factor, mode: str, recompute_scale_factor):
    """(output sizes or None, scale factors or None) as torch.nn.functional.interpolate."""
    dim = input.dim() - 2
    spatial = list(input.shape[2:])
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError(f"Input and output must have the same number of spatial "
                                 f"dimensions, but got input with spatial dimensions of "
                                 f"{spatial} and output size of {size}. Please provide input "
                                 f"tensor in (N, C, d1, d2, ...,dK) format and output size in "
                                 f"(o1, o2, ...,oK) format.")
            if not all(_is_integer(x) for x in size):
                raise TypeError(f"expected size to be one of int or Tuple[int] or Tuple[int, "
                                f"int] or Tuple[int, int, int], but got size with types "
                                f"{[type(x) for x in size]}")
            output_size = [int(s) for s in size]
        else:
            output_size = [int(size)] * dim
        scale_factors = None
    elif scale_factor is not None:
        output_size = None
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise ValueError(f"Input and scale_factor must have the same number of spatial "
                                 f"dimensions, but got input with spatial dimensions of "
                                 f"{spatial} and scale_factor of shape {scale_factor}. Please "
                                 f"provide input tensor in (N, C, d1, d2, ...,dK) format and "
                                 f"scale_factor in (s1, s2, ...,sK) format.")
            scale_factors = [float(s) for s in scale_factor]
        else:
            scale_factors = [float(scale_factor)] * dim
    else:
        raise ValueError("either size or scale_factor should be defined")
    if recompute_scale_factor is not None and recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if mode == "area" and output_size is None:
        recompute_scale_factor = True
    if recompute_scale_factor:
        output_size = [math.floor(float(s * f)) for s, f in zip(spatial, scale_factors)]
        scale_factors = None
    return output_size, scale_factors


def _upsample(input: Tensor, output_size, scale_factors, mode: str, align_corners,
              antialias: bool) -> Tensor:
    dim = input.dim() - 2
    spatial = list(input.shape[2:])
    if output_size is None:
        # PyTorch's compute_output_size: the product truncated to an integer.
        output_size = [int(float(s) * f) for s, f in zip(spatial, scale_factors)]
    scales = scale_factors or [None] * dim
    kernel = {"nearest": f"upsample_nearest{dim}d", "nearest-exact":
              f"_upsample_nearest_exact{dim}d", "area": f"adaptive_avg_pool{dim}d"}.get(
        mode, f"upsample_{mode}{dim}d")
    check_upsample_input(input, output_size, kernel)
    np_dtype = input._data.dtype
    if mode in ("nearest", "nearest-exact"):
        exact = mode == "nearest-exact"
        indexed = _nearest_uses_index_kernel(input, output_size)
        plans = [nearest_plan(i, o, s, np_dtype, exact, indexed)
                 for i, o, s in zip(spatial, output_size, scales)]
        backward_plans = [nearest_plan(i, o, s, np_dtype, exact, True)
                          for i, o, s in zip(spatial, output_size, scales)]
        kind = f"UpsampleNearestExact{dim}D" if exact else f"UpsampleNearest{dim}D"
        return resample(input, plans, kind, backward_plans)
    plans = []
    for in_size, out_size, scale in zip(spatial, output_size, scales):
        if antialias:
            plan = antialias_plan(in_size, out_size, align_corners, scale, np_dtype, mode)
        elif mode == "bicubic":
            plan = cubic_plan(in_size, out_size, align_corners, scale, np_dtype)
        elif mode == "area":
            plan = area_plan(in_size, out_size, np_dtype)
        else:
            plan = linear_plan(in_size, out_size, align_corners, scale, np_dtype)
        plans.append(plan)
    kind = {"linear": "UpsampleLinear1D", "bilinear": "UpsampleBilinear2D",
            "trilinear": "UpsampleTrilinear3D", "bicubic": "UpsampleBicubic2D",
            "lanczos": "UpsampleLanczos2D", "area": f"AdaptiveAvgPool{dim}D"}[mode]
    if antialias:
        kind += "Aa"
        if np_dtype in _HALF_TYPES and any(plan is not None for plan in plans):
            # PyTorch computes antialiasing weights for float and double only.
            raise NotImplementedError(f"\"compute_index_ranges_weights\" not implemented for "
                                      f"'{_type_word(input.dtype)}'")
        if output_size[-1] == 1 and plans[0] is not None:
            # PyTorch's antialiased kernel, given a width-1 result, applies output row 0's
            # filter to every row (its vertical pass reads the taps without strides once the
            # unit width collapses); its backward uses the true taps.
            return resample(input, [_first_row_everywhere(plans[0]), plans[1]], kind, plans)
    return resample(input, plans, kind)


def _first_row_everywhere(plan):
    out_size = plan.index.shape[1]
    return type(plan)(np.repeat(plan.index[:, :1], out_size, axis=1),
                      np.repeat(plan.weight[:, :1], out_size, axis=1), plan.in_size)


def _channels_last(input: Tensor) -> bool:
    """Whether memory runs N, spatial..., C (channels innermost), ignoring size-1 dims."""
    shape = tuple(input.shape)
    order = [0] + list(range(2, len(shape))) + [1]
    expected, step = [0] * len(shape), 1
    for d in reversed(order):
        expected[d] = step
        step *= shape[d]
    return all(size == 1 or stride == want
               for size, stride, want in zip(shape, input.stride(), expected))


def _nearest_uses_index_kernel(input: Tensor, output_size) -> bool:
    # PyTorch's CPU dispatch: channels-last inputs with more than 3 channels, and 2-D outputs
    # with H + W <= 128, take the kernels built on nearest_idx.
    dim = input.dim() - 2
    wide_channels_last = input.shape[1] > 3 and _channels_last(input)
    if dim == 2:
        return wide_channels_last or sum(output_size) <= 128
    return dim == 3 and wide_channels_last


def _area(input: Tensor, output_size) -> Tensor:
    # Area interpolation is adaptive average pooling; use the pooling family's op when present.
    from . import pooling
    dim = input.dim() - 2
    pool = getattr(pooling, f"adaptive_avg_pool{dim}d", None)
    if pool is not None:
        return pool(input, output_size)
    if dim == 1:  # as PyTorch: the 2-D pool over an inserted unit dim
        return _area(input.unsqueeze(-2), [1] + list(output_size)).squeeze(-2)
    return _upsample(input, output_size, None, "area", None, False)


def interpolate(input: Tensor, size=None, scale_factor=None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """Resize the spatial dims (2 and on) of ``input`` to ``size`` or by ``scale_factor``.

    Modes: nearest, nearest-exact, linear (3-D input), bilinear and bicubic (4-D), trilinear
    (5-D), area (adaptive average pooling) and lanczos (4-D, Lanczos-3; needs ``antialias``);
    ``antialias`` filters when shrinking with bilinear, bicubic or lanczos.
    """
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating "
                             "modes: linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    output_size, scale_factors = _resolve_sizes(input, size, scale_factor, mode,
                                                recompute_scale_factor)
    ndim = input.dim()
    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and ndim == 4):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos "
                         "modes and requires a 4-D tensor as input")
    if ndim in (3, 4, 5):
        if mode in ("nearest", "nearest-exact"):
            return _upsample(input, output_size, scale_factors, mode, None, False)
        if mode == "area":
            return _area(input, output_size)
        if mode in _MODE_DIMS and _MODE_DIMS[mode] == ndim:
            return _upsample(input, output_size, scale_factors, mode, bool(align_corners),
                             antialias)
        if mode == "lanczos" and ndim == 4:
            if align_corners:
                raise ValueError("Lanczos mode does not support align_corners=True")
            if not antialias:
                raise ValueError("Lanczos mode requires antialias=True")
            return _upsample(input, output_size, scale_factors, mode, False, True)
        if mode in _MODE_DIMS:
            needed = _MODE_DIMS[mode]
            raise NotImplementedError(f"Got {ndim}D input, but {mode} mode needs {needed}D "
                                      f"input")
    raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got "
                              f"{ndim}D) for the modes: nearest | linear | bilinear | bicubic | "
                              f"trilinear | lanczos | area | nearest-exact (got {mode})")


def upsample(input: Tensor, size=None, scale_factor=None, mode: str = "nearest",
             align_corners: bool | None = None) -> Tensor:
    """Deprecated alias of :func:`interpolate`."""
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` "
                  "instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """Deprecated: :func:`interpolate` with mode='nearest'."""
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """Deprecated: :func:`interpolate` with mode='bilinear' and align_corners=True."""
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


_ALIGN_WARNING = ("Default grid_sample and affine_grid behavior has changed to "
                  "align_corners=False since 1.3.0. Please specify align_corners=True if the "
                  "old behavior is desired. See the documentation of grid_sample for details.")


def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear",
                padding_mode: str = "zeros", align_corners: bool | None = None) -> Tensor:
    """Sample ``input`` at the normalized (-1 .. 1) locations in ``grid``."""
    if mode not in GRID_SAMPLE_INTERPOLATION_MODES:
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', "
                         f"'nearest' or 'bicubic', but got: '{mode}'")
    if padding_mode not in GRID_SAMPLE_PADDING_MODES:
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', "
                         f"'border', or 'reflection', but got: '{padding_mode}'")
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    return sampling.grid_sampler(input, grid, GRID_SAMPLE_INTERPOLATION_MODES[mode],
                                 GRID_SAMPLE_PADDING_MODES[padding_mode], align_corners)


def affine_grid(theta: Tensor, size, align_corners: bool | None = None) -> Tensor:
    """The sampling grid of an output of ``size`` under the affine maps ``theta`` (N x 2 x 3
    for 2-D, N x 3 x 4 for 3-D), for :func:`grid_sample`."""
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    if not theta.is_floating_point():
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    if len(size) == 4:
        if theta.dim() != 3 or theta.shape[-2] != 2 or theta.shape[-1] != 3:
            raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size "
                             f"{size}. Got {theta.shape}.")
        spatial_size = size[-2:]
    elif len(size) == 5:
        if theta.dim() != 3 or theta.shape[-2] != 3 or theta.shape[-1] != 4:
            raise ValueError(f"Expected a batch of 3D affine matrices of shape Nx3x4 for size "
                             f"{size}. Got {theta.shape}.")
        spatial_size = size[-3:]
    else:
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D "
                                  f"affine transforms, respectively. Got size {size}.")
    if align_corners and min(spatial_size) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size "
                      "grids when align_corners=True. This is not an intended use case of "
                      "affine_grid. See the documentation of affine_grid for details.",
                      stacklevel=2)
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    return ops.affine_grid_generator(theta, size, align_corners)


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """(*, C r^2, H, W) -> (*, C, H r, W r)."""
    return ops.pixel_shuffle(input, upscale_factor)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """(*, C, H r, W r) -> (*, C r^2, H, W)."""
    return ops.pixel_unshuffle(input, downscale_factor)


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """Interleave the channels of ``groups`` groups."""
    return ops.channel_shuffle(input, groups)


native_channel_shuffle = channel_shuffle
