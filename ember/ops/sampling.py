"""Resampling ops: interpolation (``upsample_*``), grid sampling, affine grids, and the pixel
and channel shuffles.

Interpolation is separable: along each spatial dim an output position reads a few input
positions (taps) with fixed weights.  A *plan* holds those taps per dim -- an index array and a
weight array of shape (taps, output size) -- computed with PyTorch's source-index formulas in
its arithmetic precision, so indices (and hence nearest-neighbour results) agree exactly and
interpolated values to float rounding.  The forward gathers with ``np.take`` per tap, last dim
first as PyTorch's kernels nest; the backward is the transposed map, a segment sum per tap
(``np.add.reduceat``: the taps' indices never decrease along the output), itself an op whose
backward is the forward again, so double backward works.

Grid sampling gathers the taps around each grid location in NumPy; its gradients are NumPy too,
unless they must be differentiable again (create_graph), when they are written with ember ops
(see "Recorded gradients of grid sampling" below).
"""
from __future__ import annotations

import itertools
import math

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.grad_mode import state as grad_state
from ..autograd.node import Node
from ..backends.meta import MetaArray
from ._dispatch import _type_word, shape_str
from .embedding import scatter_add_rows

__all__ = ["pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "native_channel_shuffle",
           "grid_sampler", "grid_sampler_2d", "grid_sampler_3d", "affine_grid_generator"]

wrap = Tensor._make
_F32 = np.dtype(np.float32)
_F64 = np.dtype(np.float64)
_HALF_TYPES = (np.dtype(np.float16), D.bfloat16.np)
_CUBIC_A = -0.75  # the cubic convolution constant of PyTorch's (and OpenCV's) bicubic


def _meta(shape, like: Tensor) -> Tensor:
    """A data-less result on the 'meta' device (shapes only)."""
    from .creation import empty
    return empty(shape, dtype=like.dtype, device="meta")


def _compute_dtype(np_dtype):
    return _F32 if np_dtype in _HALF_TYPES else np_dtype


def _opmath(np_dtype):
    """The precision PyTorch computes indices and weights in: double for double, else float."""
    return np.float64 if np_dtype == _F64 else np.float32


# ================================================================================================
# Interpolation plans (one per spatial dim)
# ================================================================================================

class Plan:
    """Taps of a 1-D resampling: ``index`` and ``weight`` of shape (taps, out_size); weight
    None means every tap weighs 1 (nearest).  ``transposed()`` gives the transposed map (the
    gradient) as a plan of the same form, so both directions are gathers."""

    __slots__ = ("index", "weight", "in_size", "_transposed")

    def __init__(self, index: np.ndarray, weight, in_size: int) -> None:
        self.index = index
        self.weight = weight
        self.in_size = in_size
        self._transposed = None

    def transposed(self) -> Plan:
        """The plan from this plan's output back to its input: for each input position, the
        output positions that read it and their weights (zero-weight taps pad short lists)."""
        if self._transposed is None:
            taps, out_size = self.index.shape
            source = self.index.reshape(-1)
            target = np.tile(np.arange(out_size), taps)
            weight = (np.ones(source.size) if self.weight is None
                      else self.weight.reshape(-1))
            order = np.argsort(source, kind="stable")
            counts = np.bincount(source, minlength=self.in_size)
            width = int(counts.max()) if counts.size else 0
            slot = np.arange(source.size) - np.repeat(np.cumsum(counts) - counts, counts)
            index = np.zeros((width, self.in_size), np.int64)
            weights = np.zeros((width, self.in_size), weight.dtype)
            index[slot, source[order]] = target[order]
            weights[slot, source[order]] = weight[order]
            uniform = self.weight is None and bool((counts == width).all())
            self._transposed = Plan(index, None if uniform else weights, out_size)
            self._transposed._transposed = self
        return self._transposed


def _scale(in_size: int, out_size: int, align_corners: bool, scale, ot):
    """PyTorch's area_pixel_compute_scale: the input distance between output neighbours."""
    if align_corners:
        return ot(in_size - 1) / ot(out_size - 1) if out_size > 1 else ot(0)
    if scale is not None and scale > 0:
        return ot(1.0 / scale)
    return ot(in_size) / ot(out_size)


def _source_index(scale, out_size: int, align_corners: bool, cubic: bool, ot) -> np.ndarray:
    """PyTorch's area_pixel_compute_source_index for every output position."""
    i = np.arange(out_size)
    if align_corners:
        return scale * i.astype(ot)
    # Computed in double (the 0.5 literals are doubles) and rounded once to the opmath type.
    src = (np.float64(scale) * (i + 0.5) - 0.5).astype(ot)
    if not cubic:
        src = np.where(src < 0, ot(0), src)
    return src


def _floorf(x) -> np.ndarray:
    # PyTorch floors with floorf, which rounds a double argument to float first.
    return np.floor(x.astype(np.float32)).astype(np.int64)


def _weights_dtype(w: np.ndarray, np_dtype) -> np.ndarray:
    # The kernels store weights in the input's dtype before reading them back in opmath.
    if np_dtype in _HALF_TYPES:
        return w.astype(np_dtype).astype(np.float32)
    return w


def nearest_plan(in_size: int, out_size: int, scale, np_dtype, exact: bool,
                 indexed: bool = False) -> Plan:
    """Nearest ('nearest' floors i * scale, as OpenCV; 'nearest-exact' rounds the centre).

    ``indexed`` follows PyTorch's nearest_idx helpers instead of its generic kernel: float
    arithmetic whatever the dtype and, for 'nearest', an exact copy or halving when the output
    is the input's size or twice it.  PyTorch uses them in its channels-last (and small-output
    2-D) forward kernels and in every nearest backward.
    """
    i = np.arange(out_size)
    if indexed:
        s = _scale(in_size, out_size, False, scale, np.float32)
        if exact:
            idx = _floorf((i + 0.5) * np.float64(s))
        elif out_size == in_size:
            idx = i
        elif out_size == 2 * in_size:
            idx = i >> 1
        else:
            idx = _floorf(s * i.astype(np.float32))
    else:
        ot = _opmath(np_dtype)
        s = _scale(in_size, out_size, False, scale, ot)
        if exact:
            real = _source_index(s, out_size, False, False, ot)
            idx = _floorf(real.astype(np.float64) + 0.5)
        else:
            idx = _floorf(s * i.astype(ot))
    return Plan(np.minimum(idx, in_size - 1)[None], None, in_size)


def linear_plan(in_size: int, out_size: int, align_corners: bool, scale, np_dtype) -> Plan:
    """Two taps: the neighbours below and above the source position, weighted by distance."""
    ot = _opmath(np_dtype)
    if out_size == in_size:
        i = np.arange(out_size)
        weights = np.stack([np.ones(out_size, ot), np.zeros(out_size, ot)])
        return Plan(np.stack([i, i]), weights, in_size)
    s = _scale(in_size, out_size, align_corners, scale, ot)
    real = _source_index(s, out_size, align_corners, False, ot)
    i0 = np.minimum(_floorf(real), in_size - 1)
    lam1 = np.clip(real - i0.astype(ot), 0, 1).astype(ot)
    lam1 = _weights_dtype(lam1, np_dtype)
    lam0 = _weights_dtype((ot(1) - lam1).astype(ot), np_dtype)
    i1 = i0 + (i0 < in_size - 1)
    return Plan(np.stack([i0, i1]), np.stack([lam0, lam1]), in_size)


def _cubic_conv1(x, a):
    return ((a + 2) * x - (a + 3)) * x * x + 1


def _cubic_conv2(x, a):
    return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a


def cubic_coefficients(t: np.ndarray, ot) -> list:
    """The four cubic-convolution weights for fractional offsets ``t`` (A = -0.75)."""
    a = ot(_CUBIC_A)
    one = ot(1)
    x2 = (one - t).astype(ot)
    return [_cubic_conv2((t + one).astype(ot), a), _cubic_conv1(t, a),
            _cubic_conv1(x2, a), _cubic_conv2((x2 + one).astype(ot), a)]


def cubic_plan(in_size: int, out_size: int, align_corners: bool, scale, np_dtype) -> Plan:
    """Four taps around the source position with cubic-convolution weights; taps past the
    edges repeat the edge pixel."""
    ot = _opmath(np_dtype)
    s = _scale(in_size, out_size, align_corners, scale, ot)
    real = _source_index(s, out_size, align_corners, True, ot)
    i0 = np.minimum(_floorf(real), in_size - 1)
    t = np.clip(real - i0.astype(ot), 0, 1).astype(ot)
    coeffs = [_weights_dtype(c.astype(ot), np_dtype) for c in cubic_coefficients(t, ot)]
    index = np.stack([np.clip(i0 + j - 1, 0, in_size - 1) for j in range(4)])
    return Plan(index, np.stack(coeffs), in_size)


def _aa_linear_filter(x):
    x = np.abs(x)
    return np.where(x < 1, 1 - x, 0).astype(x.dtype)


def _aa_cubic_filter(x):
    # Keys' a = -0.5 for antialiasing (as Pillow), unlike the -0.75 of plain bicubic.
    a = x.dtype.type(-0.5)
    x = np.abs(x)
    return np.where(x < 1, _cubic_conv1(x, a),
                    np.where(x < 2, _cubic_conv2(x, a), 0)).astype(x.dtype)


def _sinc(x):
    """sin(pi x) / (pi x), 1 at 0, in the precision of ``x``."""
    scaled = x * x.dtype.type(math.pi)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(x == 0, x.dtype.type(1), np.sin(scaled) / scaled)


def _aa_lanczos_filter(x):
    # Lanczos-3 (as Pillow): sinc(x) sinc(x / 3) inside |x| < 3.  PyTorch evaluates the
    # first factor in the weights' precision and the second, whose argument is x / 3.0, in
    # double, rounding the product once.
    x = np.abs(x)
    wide = _sinc(x.astype(np.float64) / 3.0)
    product = (_sinc(x).astype(np.float64) * wide).astype(x.dtype)
    return np.where(x < 3, product, x.dtype.type(0))


# The filter of each antialiased mode and its support (taps) at scale 1.
_AA_FILTERS = {"bilinear": (_aa_linear_filter, 2), "bicubic": (_aa_cubic_filter, 4),
               "lanczos": (_aa_lanczos_filter, 6)}


def antialias_plan(in_size: int, out_size: int, align_corners: bool, scale, np_dtype,
                   mode: str) -> Plan | None:
    """Pillow-style antialiased resampling with the filter of ``mode`` (bilinear, bicubic or
    lanczos): when shrinking, the filter widens by the scale so every input pixel contributes;
    weights normalized to sum to one.  None when the size is unchanged (PyTorch leaves such a
    dim alone)."""
    if in_size == out_size:
        return None
    filt, interp_size = _AA_FILTERS[mode]
    st = np.float64 if np_dtype == _F64 else np.float32
    s = _scale(in_size, out_size, align_corners, scale, st)
    support = st(interp_size * 0.5 * s) if s >= 1.0 else st(interp_size * 0.5)
    taps = int(math.ceil(support)) * 2 + 1
    invscale = st(1.0 / s) if s >= 1.0 else st(1.0)
    i = np.arange(out_size)
    center = (np.float64(s) * (i + 0.5)).astype(st)
    xmin = np.maximum(np.trunc(center - support + 0.5).astype(np.int64), 0)
    xsize = np.trunc(center + support + 0.5).astype(np.int64)
    xsize = np.clip(np.minimum(xsize, in_size) - xmin, 0, taps)
    weights = np.zeros((taps, out_size), st)
    total = np.zeros(out_size, st)
    for j in range(taps):
        arg = ((j + xmin - center).astype(st) + 0.5) * np.float64(invscale)
        w = np.where(j < xsize, filt(arg.astype(st)), st(0)).astype(st)
        weights[j] = w
        total += w
    with np.errstate(all="ignore"):
        weights = np.where(total != 0, weights / total, weights).astype(st)
    index = np.minimum(xmin[None, :] + np.arange(taps)[:, None], in_size - 1)
    return Plan(index, weights, in_size)


def area_plan(in_size: int, out_size: int, np_dtype) -> Plan:
    """Adaptive average pooling as a resampling: output i averages input
    [floor(i * in / out), ceil((i + 1) * in / out))."""
    i = np.arange(out_size)
    start = (i * in_size) // out_size
    end = -((-(i + 1) * in_size) // out_size)
    length = end - start
    taps = int(length.max())
    ot = _opmath(np_dtype)
    j = np.arange(taps)[:, None]
    weight = np.where(j < length, (ot(1) / length.astype(ot)), ot(0)).astype(ot)
    return Plan(np.minimum(start + j, in_size - 1), weight, in_size)


# ================================================================================================
# Applying plans: the forward map and its transpose, each an op with a node
# ================================================================================================

def _along(axis: int, ndim: int, values: np.ndarray) -> np.ndarray:
    """``values`` (length of dim ``axis``) shaped to broadcast along that dim."""
    shape = [1] * ndim
    shape[axis] = values.size
    return values.reshape(shape)


def _apply_axis(arr: np.ndarray, axis: int, plan: Plan) -> np.ndarray:
    out = None
    for t in range(plan.index.shape[0]):
        part = np.take(arr, plan.index[t], axis=axis)
        if plan.weight is not None:
            part *= _along(axis, arr.ndim, plan.weight[t].astype(arr.dtype, copy=False))
        if out is None:
            out = part
        else:
            out += part
    return out


def _transpose_axis(grad: np.ndarray, axis: int, plan: Plan) -> np.ndarray:
    return _apply_axis(grad, axis, plan.transposed())


def _apply_plans(arr: np.ndarray, plans) -> np.ndarray:
    # The innermost (last) dim first, as PyTorch's kernels nest their loops.
    for d in range(len(plans) - 1, -1, -1):
        if plans[d] is not None:
            arr = _apply_axis(arr, 2 + d, plans[d])
    return arr


def _transpose_plans(arr: np.ndarray, plans) -> np.ndarray:
    for d, plan in enumerate(plans):
        if plan is not None:
            arr = _transpose_axis(arr, 2 + d, plan)
    return arr


def _run(input: Tensor, plans, transpose: bool) -> np.ndarray:
    arr = input._data
    if isinstance(arr, MetaArray):
        sizes = [s if p is None else (p.in_size if transpose else p.index.shape[1])
                 for s, p in zip(arr.shape[2:], plans)]
        return MetaArray(tuple(arr.shape[:2]) + tuple(sizes), arr.dtype)
    np_dtype = arr.dtype
    if np_dtype.kind in "biu":
        if all(p is None or p.weight is None for p in plans) and not transpose:
            return _apply_plans(arr, plans)  # nearest on integers: a pure gather
        return _run_integer(arr, plans)
    cdt = _compute_dtype(np_dtype)
    work = arr.astype(cdt, copy=False)
    if not transpose and all(p is None for p in plans):
        work = work.copy()
    out = _transpose_plans(work, plans) if transpose else _apply_plans(work, plans)
    return out if out.dtype == np_dtype else out.astype(np_dtype)


def _run_integer(arr: np.ndarray, plans) -> np.ndarray:
    """Interpolating integer images (uint8): each pass in float32, rounded half up and
    clamped back to the dtype between passes, as PyTorch's separable uint8 kernels store
    their intermediate image."""
    info = np.iinfo(arr.dtype)
    for d in range(len(plans) - 1, -1, -1):
        if plans[d] is not None:
            passed = _apply_axis(arr.astype(np.float32), 2 + d, plans[d])
            arr = np.clip(np.floor(passed + 0.5), info.min, info.max).astype(arr.dtype)
    return arr


class _ResampleBackward(Node):
    """Backward of a resampling: the transposed map of its plans (for nearest, PyTorch's
    backward plans, which may pick different source pixels than its forward did)."""

    def backward(self, grad):
        return resample_transposed(grad, self.plans, self.kind)


class _ResampleTransposedBackward(Node):
    """Backward of the transposed map: the forward resampling again (it is linear)."""

    def backward(self, grad):
        return resample(grad, self.plans, self.kind)


def _node_classes(kinds):
    forward, transposed = {}, {}
    for kind in kinds:
        forward[kind] = type(f"{kind}Backward0", (_ResampleBackward,),
                             {"__doc__": f"Backward of {kind} (the transposed resampling)."})
        transposed[kind] = type(f"{kind}BackwardBackward0", (_ResampleTransposedBackward,),
                                {"__doc__": f"Backward of {kind}'s backward (the resampling)."})
    return forward, transposed


_FORWARD_NODES, _TRANSPOSED_NODES = _node_classes(
    [f"UpsampleNearest{n}D" for n in (1, 2, 3)]
    + [f"UpsampleNearestExact{n}D" for n in (1, 2, 3)]
    + ["UpsampleLinear1D", "UpsampleBilinear2D", "UpsampleTrilinear3D", "UpsampleBicubic2D",
       "UpsampleBilinear2DAa", "UpsampleBicubic2DAa", "UpsampleLanczos2DAa"]
    + [f"AdaptiveAvgPool{n}D" for n in (1, 2, 3)])
globals().update({cls.__name__: cls for cls in _FORWARD_NODES.values()})
globals().update({cls.__name__: cls for cls in _TRANSPOSED_NODES.values()})


def resample(input: Tensor, plans, kind: str, backward_plans=None) -> Tensor:
    """Apply one plan per spatial dim (dims 2, 3, ...) of ``input``; ``kind`` names the op
    (its grad_fn is ``{kind}Backward0``), whose gradient is the transpose of
    ``backward_plans`` (by default the same plans)."""
    result = wrap(_run(input, plans, False))
    if grad_state.enabled and input._rg:
        node = _FORWARD_NODES[kind]((input,), result)
        node.plans, node.kind = backward_plans or plans, kind
    return result


def resample_transposed(grad: Tensor, plans, kind: str) -> Tensor:
    """The transpose of :func:`resample` (the gradient map), recorded when needed."""
    result = wrap(_run(grad, plans, True))
    if grad_state.enabled and grad._rg:
        node = _TRANSPOSED_NODES[kind]((grad,), result)
        node.plans, node.kind = plans, kind
    return result


def check_upsample_input(input: Tensor, output_size, name: str) -> None:
    """PyTorch's shape checks for upsampling (positive sizes, non-empty planes)."""
    spatial = tuple(input.shape[2:])
    letters = {1: "W", 2: "HW", 3: "DHW"}[len(spatial)]
    if min(spatial + tuple(output_size)) <= 0:
        inp = ", ".join(f"{c}: {s}" for c, s in zip(letters, spatial))
        out = ", ".join(f"{c}: {s}" for c, s in zip(letters, output_size))
        sep = ") and output (" if len(spatial) != 2 else ") output ("
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input "
                           f"({inp}{sep}{out})")
    if input.shape[1] == 0 and input.numel() == 0:
        raise RuntimeError(f"Non-empty {input.ndim}D data tensor expected but got a tensor "
                           f"with sizes {shape_str(input.shape)}")
    dt = input.dtype
    if not (dt.is_floating_point or (dt is D.uint8)):
        raise NotImplementedError(f"\"{name}\" not implemented for '{_type_word(dt)}'")


# ================================================================================================
# Pixel and channel shuffles
# ================================================================================================

class PixelShuffleBackward0(Node):
    def backward(self, grad):
        return pixel_unshuffle(grad, self.factor)


class PixelUnshuffleBackward0(Node):
    def backward(self, grad):
        return pixel_shuffle(grad, self.factor)


class ChannelShuffleBackward0(Node):
    def backward(self, grad):
        return channel_shuffle(grad, self.channels // self.groups)


def _check_shuffle_input(input: Tensor, name: str, factor: int, what: str) -> None:
    if input.ndim < 3:
        raise RuntimeError(f"{name} expects input to have at least 3 dimensions, but got input "
                           f"with {input.ndim} dimension(s)")
    if factor <= 0:
        raise RuntimeError(f"{name} expects a positive {what}, but got {factor}")


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """(*, C r^2, H, W) -> (*, C, H r, W r): each channel block of r^2 becomes an r x r tile."""
    r = int(upscale_factor)
    _check_shuffle_input(input, "pixel_shuffle", r, "upscale_factor")
    shape = tuple(input.shape)
    c, h, w = shape[-3:]
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be "
                           f"divisible by the square of upscale_factor, but input.size(-3)={c} "
                           f"is not divisible by {r * r}")
    lead = shape[:-3]
    arr = input._data.reshape(lead + (c // (r * r), r, r, h, w))
    k = len(lead)
    order = tuple(range(k)) + (k, k + 3, k + 1, k + 4, k + 2)
    out = arr.transpose(order).copy().reshape(lead + (c // (r * r), h * r, w * r))
    result = wrap(out)
    if grad_state.enabled and input._rg:
        PixelShuffleBackward0((input,), result).factor = r
    return result


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """(*, C, H r, W r) -> (*, C r^2, H, W): the inverse of :func:`pixel_shuffle`."""
    r = int(downscale_factor)
    _check_shuffle_input(input, "pixel_unshuffle", r, "downscale_factor")
    shape = tuple(input.shape)
    c, h, w = shape[-3:]
    if h % r:
        raise RuntimeError(f"pixel_unshuffle expects height to be divisible by "
                           f"downscale_factor, but input.size(-2)={h} is not divisible by {r}")
    if w % r:
        raise RuntimeError(f"pixel_unshuffle expects width to be divisible by "
                           f"downscale_factor, but input.size(-1)={w} is not divisible by {r}")
    lead = shape[:-3]
    arr = input._data.reshape(lead + (c, h // r, r, w // r, r))
    k = len(lead)
    order = tuple(range(k)) + (k, k + 2, k + 4, k + 1, k + 3)
    out = arr.transpose(order).copy().reshape(lead + (c * r * r, h // r, w // r))
    result = wrap(out)
    if grad_state.enabled and input._rg:
        PixelUnshuffleBackward0((input,), result).factor = r
    return result


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """Interleave ``groups`` groups of channels: (N, g * k, *) viewed as (N, g, k, *),
    transposed to (N, k, g, *) and flattened back."""
    groups = int(groups)
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of "
                           f"groups:{groups}")
    if input.ndim <= 2:
        raise RuntimeError(f"channel_shuffle expects input with > 2 dims, but got input with "
                           f"sizes {shape_str(input.shape)}")
    shape = tuple(input.shape)
    c = shape[1]
    if c % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels "
                           f"and {groups} groups.")
    arr = input._data.reshape((shape[0], groups, c // groups) + shape[2:])
    out = arr.swapaxes(1, 2).copy().reshape(shape)
    result = wrap(out)
    if grad_state.enabled and input._rg:
        node = ChannelShuffleBackward0((input,), result)
        node.channels, node.groups = c, groups
    return result


native_channel_shuffle = channel_shuffle


# ================================================================================================
# Affine grids
# ================================================================================================

def _linspace_from_neg_one(steps: int, align_corners: bool, np_dtype) -> np.ndarray:
    if steps <= 1:
        return np.zeros(1 if steps == 1 else 0, np_dtype)
    from .creation import linspace
    values = linspace(-1, 1, steps, dtype=D._BY_NP[np.dtype(np_dtype)])._data
    if not align_corners:
        kind = np.dtype(np_dtype).type
        values = values * kind(steps - 1) / kind(steps)
    return values


def _base_grid(spatial, align_corners: bool, np_dtype) -> np.ndarray:
    """Homogeneous output coordinates (x, y[, z], 1), shape (prod(spatial), len(spatial) + 1)."""
    axes = [_linspace_from_neg_one(s, align_corners, np_dtype) for s in spatial]
    # Coordinates are listed x first: x runs along the last spatial dim.
    mesh = np.meshgrid(*axes, indexing="ij")
    coords = [m.reshape(-1) for m in reversed(mesh)]
    coords.append(np.ones(coords[0].size, np_dtype))
    return np.stack(coords, axis=1).astype(np_dtype)


class AffineGridGeneratorBackward0(Node):
    def backward(self, grad):
        spatial = self.spatial
        n = grad.shape[0]
        base = wrap(self.base)
        flat = grad.reshape(n, -1, len(spatial))
        return base.t().matmul(flat).transpose(1, 2)


def affine_grid_generator(theta: Tensor, size, align_corners: bool) -> Tensor:
    """Sampling grid (N, *spatial, k) of output coordinates mapped through each N x k x (k+1)
    affine matrix in ``theta``."""
    size = [int(s) for s in size]
    spatial = size[2:]
    n = size[0]
    if theta.shape[0] != n:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{n}, {math.prod(spatial)}] but got: [{theta.shape[0]}, "
                           f"{len(spatial) + 1}].")
    if isinstance(theta._data, MetaArray):
        return _meta((n, *spatial, len(spatial)), theta)
    np_dtype = _compute_dtype(theta._data.dtype)
    base = _base_grid(spatial, align_corners, np_dtype)
    th = theta._data.astype(np_dtype, copy=False)
    grid = np.matmul(base, th.transpose(0, 2, 1))
    result = wrap(grid.reshape([n] + spatial + [len(spatial)]).astype(theta._data.dtype))
    if grad_state.enabled and theta._rg:
        node = AffineGridGeneratorBackward0((theta,), result)
        node.base, node.spatial = base, spatial
    return result


# ================================================================================================
# Grid sampling
# ================================================================================================

_INTERPOLATION = {0: "bilinear", 1: "nearest", 2: "bicubic"}
_PADDING = {0: "zeros", 1: "border", 2: "reflection"}


class _Axis:
    """One spatial axis of a grid sampler: unnormalizes grid coordinates and applies the
    padding mode, with the derivative of each step (PyTorch's ComputeLocation)."""

    def __init__(self, size: int, padding: str, align_corners: bool, ot, vectorized: bool):
        self.size, self.padding, self.align_corners = size, padding, align_corners
        self.ot, self.vectorized = ot, vectorized

    def unnormalize(self, coord):
        ot, size = self.ot, self.size
        if self.vectorized:  # the 2-D kernel: (c + 1) * factor [- 0.5]
            if self.align_corners:
                return (coord + ot(1)) * ot(ot(size - 1) / ot(2))
            return (coord + ot(1)) * ot(ot(size) / ot(2)) - ot(0.5)
        if self.align_corners:
            return ((coord + ot(1)) / ot(2)) * ot(size - 1)
        return ((coord + ot(1)) * ot(size) - ot(1)) / ot(2)

    def scaling(self):
        ot = self.ot
        return ot(self.size - 1) / ot(2) if self.align_corners else ot(self.size) / ot(2)

    def clip(self, x):
        return np.minimum(self.ot(self.size - 1), np.maximum(x, self.ot(0)))

    def reflect(self, x):
        """Reflect into the valid range; returns (coordinate, d coordinate / d x)."""
        ot, size = self.ot, self.size
        if self.align_corners:
            if size <= 1:
                return np.zeros_like(x), np.zeros_like(x)
            low, twice_span = ot(0), ot(size - 1) * ot(2)
        else:
            low, twice_span = ot(-0.5), ot(size) * ot(2)
        shifted = x - low
        negative = shifted < 0
        magnitude = np.abs(shifted)
        flips = np.trunc(magnitude / twice_span)
        extra = magnitude - flips * twice_span
        reflected = twice_span - extra
        one_more = extra > reflected
        out = np.where(one_more, reflected, extra) + low
        sign = np.where(one_more ^ negative, ot(-1), ot(1))
        return out.astype(ot), sign

    def locate(self, coord):
        """(source coordinate, its derivative wrt the grid coordinate)."""
        ot = self.ot
        x = self.unnormalize(coord).astype(ot)
        grad = np.full(x.shape, self.scaling(), ot)
        if self.padding == "border":
            clipped = self.clip(x)
            inside = (clipped != 0) & (clipped != ot(self.size - 1))
            return clipped, np.where(inside, grad, ot(0))
        if self.padding == "reflection":
            x, sign = self.reflect(x)
            grad = grad * sign
            clipped = self.clip(x)
            inside = (clipped != 0) & (clipped != ot(self.size - 1))
            return clipped, np.where(inside, grad, ot(0))
        return x, grad

    def bound(self, index: np.ndarray):
        """Integer tap positions after the padding mode: (clamped index, in-bounds mask)."""
        if self.padding == "zeros":
            valid = (index >= 0) & (index < self.size)
            return np.clip(index, 0, self.size - 1), valid
        coord = index.astype(self.ot)
        if self.padding == "reflection":
            coord = self.reflect(coord)[0]
        coord = self.clip(coord)
        return coord.astype(np.int64), None


class _Gather:
    """Reads input values at integer positions for all channels at once.

    The input is copied once to (N, P, C) rows (P the flattened spatial size, channels
    innermost) plus one row of zeros, which out-of-bounds taps read; positions come as
    (N, Q) flat indices and the values as (N, Q, C)."""

    def __init__(self, arr: np.ndarray):
        n, c = arr.shape[:2]
        self.size = math.prod(arr.shape[2:])
        rows = np.empty((n * self.size + 1, c), arr.dtype)
        rows[:-1].reshape(n, self.size, c)[...] = arr.reshape(n, c, -1).transpose(0, 2, 1)
        rows[-1] = 0
        self.rows = rows
        self.base = (np.arange(n) * self.size)[:, None]

    def __call__(self, flat_index: np.ndarray, valid) -> np.ndarray:
        n, q = flat_index.shape
        index = flat_index + self.base
        if valid is not None:
            index = np.where(valid, index, self.rows.shape[0] - 1)
        return np.take(self.rows, index.reshape(-1), axis=0).reshape(n, q, -1)


class _Scatter:
    """Accumulates values (N, Q, C) into input positions as rows (N * P, C)."""

    def __init__(self, input_shape, np_dtype):
        self.shape = input_shape
        self.n, self.c = input_shape[:2]
        self.size = math.prod(input_shape[2:])
        self.total = np.zeros((self.n * self.size, self.c), np_dtype)
        self.base = (np.arange(self.n) * self.size)[:, None]

    def add(self, flat_index: np.ndarray, values: np.ndarray, valid) -> None:
        rows = (flat_index + self.base).reshape(-1)
        values = values.reshape(-1, self.c)
        if valid is not None:  # out-of-bounds taps contribute nothing
            keep = valid.reshape(-1)
            rows, values = rows[keep], values[keep]
        scatter_add_rows(self.total, rows, values)

    def result(self) -> np.ndarray:
        total = self.total.reshape(self.n, self.size, self.c).transpose(0, 2, 1)
        return np.ascontiguousarray(total).reshape(self.shape)


def _channels_first(values: np.ndarray, grid_shape) -> np.ndarray:
    """(N, Q, C) samples as the (N, C, *out) output."""
    n, _, c = values.shape
    return np.ascontiguousarray(values.transpose(0, 2, 1)).reshape(
        (n, c) + tuple(grid_shape[1:-1]))


def _grad_rows(gout: np.ndarray) -> np.ndarray:
    """The output gradient (N, C, *out) as (N, Q, C) rows."""
    n, c = gout.shape[:2]
    return np.ascontiguousarray(gout.reshape(n, c, -1).transpose(0, 2, 1))


def _grid_axes(input_shape, grid: np.ndarray, padding: str, align_corners: bool, ot):
    """One _Axis per spatial dim (outermost first) and the grid coordinates for each, as
    (N, Q) arrays (the grid lists x, the innermost dim, first)."""
    spatial = input_shape[2:]
    ndim = len(spatial)
    vectorized = ndim == 2
    axes = [_Axis(size, padding, align_corners, ot, vectorized) for size in spatial]
    n = grid.shape[0]
    coords = [grid[..., ndim - 1 - d].reshape(n, -1) for d in range(ndim)]  # per spatial dim
    return axes, coords


def _flat_index(indices, spatial) -> np.ndarray:
    flat = indices[0]
    for idx, size in zip(indices[1:], spatial[1:]):
        flat = flat * size + idx
    return flat


def _combine_valid(masks):
    masks = [m for m in masks if m is not None]
    if not masks:
        return None
    valid = masks[0]
    for m in masks[1:]:
        valid = valid & m
    return valid


def _sample_linear(arr, grid, padding, align_corners, want_grads, gout=None):
    """Bilinear / trilinear grid sampling (forward, or input and grid gradients)."""
    ot = _opmath(arr.dtype)
    spatial = arr.shape[2:]
    ndim = len(spatial)
    axes, coords = _grid_axes(arr.shape, grid, padding, align_corners, ot)
    located = [ax.locate(c) for ax, c in zip(axes, coords)]
    pos = [loc[0] for loc in located]
    low = [np.floor(p) for p in pos]
    frac = [(p - lo).astype(ot) for p, lo in zip(pos, low)]
    low_i = [lo.astype(np.int64) for lo in low]
    gather = _Gather(arr)
    corners = []
    for bits in np.ndindex(*(2,) * ndim):
        weight = None
        idx, masks = [], []
        for d, b in enumerate(bits):
            w = frac[d] if b else (ot(1) - frac[d]).astype(ot)
            weight = w if weight is None else (weight * w).astype(ot)
            bounded, valid = axes[d].bound(low_i[d] + b) if padding == "zeros" else \
                _bounded_upper(axes[d], low_i[d] + b)
            idx.append(bounded)
            masks.append(valid)
        corners.append((bits, _flat_index(idx, spatial), weight, _combine_valid(masks)))
    if not want_grads:
        out = None
        for _bits, flat, weight, valid in corners:
            part = gather(flat, valid)
            part *= weight[:, :, None]
            if out is None:
                out = part
            else:
                out += part
        return _channels_first(out, grid.shape)
    g = _grad_rows(gout)
    scatter = _Scatter(arr.shape, arr.dtype)
    grad_coord = [np.zeros(frac[0].shape, ot) for _ in range(ndim)]
    for bits, flat, weight, valid in corners:
        scatter.add(flat, g * weight[:, :, None], valid)
        value_g = (gather(flat, valid) * g).sum(axis=2)
        for d in range(ndim):
            # d weight / d pos_d: +/- the product of the other dims' factors.
            other = None
            for e, b in enumerate(bits):
                if e == d:
                    continue
                w = frac[e] if b else (ot(1) - frac[e])
                other = w if other is None else other * w
            sign = ot(1) if bits[d] else ot(-1)
            term = value_g * sign if other is None else value_g * other * sign
            grad_coord[d] += term.astype(ot)
    grad_grid = np.stack([grad_coord[d] * located[d][1] for d in range(ndim - 1, -1, -1)],
                         axis=-1)
    return scatter.result(), grad_grid.reshape(grid.shape).astype(grid.dtype)


def _bounded_upper(axis: _Axis, index: np.ndarray):
    # With border/reflection the location is already inside, so only the upper neighbour can
    # fall outside (when the location is exactly the last pixel); it then carries weight 0.
    valid = index < axis.size
    return np.minimum(index, axis.size - 1), valid


def _sample_nearest(arr, grid, padding, align_corners, want_grads, gout=None):
    ot = _opmath(arr.dtype)
    spatial = arr.shape[2:]
    axes, coords = _grid_axes(arr.shape, grid, padding, align_corners, ot)
    idx, masks = [], []
    for ax, coord in zip(axes, coords):
        pos = ax.locate(coord)[0]
        nearest = np.rint(pos).astype(np.int64)  # round half to even, as nearbyint
        bounded, valid = ax.bound(nearest) if padding == "zeros" else (
            np.clip(nearest, 0, ax.size - 1), None)
        idx.append(bounded)
        masks.append(valid)
    flat = _flat_index(idx, spatial)
    valid = _combine_valid(masks)
    if not want_grads:
        return _channels_first(_Gather(arr)(flat, valid), grid.shape)
    scatter = _Scatter(arr.shape, arr.dtype)
    scatter.add(flat, _grad_rows(gout), valid)
    return scatter.result(), np.zeros(grid.shape, grid.dtype)


def _cubic_derivatives(t, ot):
    """d/dt of the four cubic-convolution weights."""
    a = ot(_CUBIC_A)

    def d1(x):  # derivative of _cubic_conv1
        return (3 * (a + 2) * x - 2 * (a + 3)) * x

    def d2(x):  # derivative of _cubic_conv2
        return (3 * a * x - 10 * a) * x + 8 * a
    one = ot(1)
    return [d2(t + one), d1(t), -d1(one - t), -d2(2 - t)]


def _sample_bicubic(arr, grid, padding, align_corners, want_grads, gout=None):
    ot = _opmath(arr.dtype)
    spatial = arr.shape[2:]
    axes, coords = _grid_axes(arr.shape, grid, padding, align_corners, ot)
    # Bicubic unnormalizes only; the padding mode applies to each of the 4 x 4 taps.
    pos = [ax.unnormalize(c).astype(ot) for ax, c in zip(axes, coords)]
    low = [np.floor(p) for p in pos]
    frac = [(p - lo).astype(ot) for p, lo in zip(pos, low)]
    low_i = [lo.astype(np.int64) for lo in low]
    coeffs = [[c.astype(ot) for c in cubic_coefficients(f, ot)] for f in frac]
    gather = _Gather(arr)
    taps = []
    for i in range(4):  # rows (y)
        yi, ymask = axes[0].bound(low_i[0] - 1 + i)
        for j in range(4):  # columns (x)
            xj, xmask = axes[1].bound(low_i[1] - 1 + j)
            taps.append((i, j, _flat_index([yi, xj], spatial), _combine_valid([ymask, xmask])))
    if not want_grads:
        out = None
        for i in range(4):
            row = None
            for j in range(4):
                flat, valid = taps[4 * i + j][2:]
                part = gather(flat, valid)
                part *= coeffs[1][j][:, :, None]
                if row is None:
                    row = part
                else:
                    row += part
            row *= coeffs[0][i][:, :, None]
            if out is None:
                out = row
            else:
                out += row
        return _channels_first(out, grid.shape)
    g = _grad_rows(gout)
    dy, dx = _cubic_derivatives(frac[0], ot), _cubic_derivatives(frac[1], ot)
    scatter = _Scatter(arr.shape, arr.dtype)
    gx = np.zeros(frac[0].shape, ot)
    gy = np.zeros(frac[0].shape, ot)
    for i, j, flat, valid in taps:
        weight = coeffs[0][i] * coeffs[1][j]
        scatter.add(flat, g * weight[:, :, None], valid)
        value_g = (gather(flat, valid) * g).sum(axis=2)
        gx += (value_g * coeffs[0][i] * dx[j]).astype(ot)
        gy += (value_g * dy[i] * coeffs[1][j]).astype(ot)
    grad_grid = np.stack([gx * axes[1].scaling(), gy * axes[0].scaling()], axis=-1)
    return scatter.result(), grad_grid.reshape(grid.shape).astype(grid.dtype)


_SAMPLERS = {"bilinear": _sample_linear, "nearest": _sample_nearest, "bicubic": _sample_bicubic}


class GridSampler2DBackward0(Node):
    def backward(self, grad):
        input, grid = self.saved_tensors
        if grad_state.enabled and (grad._rg or input._rg or grid._rg):
            return _recorded_gradients(self, grad, input, grid)
        grad_input, grad_grid = _SAMPLERS[self.mode](
            input._data.astype(self.cdt, copy=False), grid._data.astype(self.cdt, copy=False),
            self.padding, self.align_corners, True, grad._data.astype(self.cdt, copy=False))
        grad_input = wrap(grad_input.astype(input._data.dtype)) if self._next[0] else None
        grad_grid = wrap(grad_grid.astype(grid._data.dtype)) if self._next[1] else None
        return grad_input, grad_grid


class GridSampler3DBackward0(GridSampler2DBackward0):
    pass


# ------------------------------------------------------------------------------------------------
# Recorded gradients of grid sampling (create_graph)
#
# The NumPy samplers above give the gradients as plain arrays.  When they must be differentiable
# again, they are computed instead with ember ops: every tap's weight is a product over dims of
# a polynomial in the fractional source position t, and t = t0 + slope * (grid - grid.detach())
# has t0's value and carries d t / d grid = slope (the unnormalization and the padding mode
# are piecewise linear, so their second derivative vanishes).  Differentiating these ops then
# gives the second (and higher) derivatives, as PyTorch's double backward does.
# ------------------------------------------------------------------------------------------------

def _linear_factors(t: Tensor):
    """Weights of the lower and upper neighbour at fraction t, and their derivatives in t."""
    return [1 - t, t], [-1.0, 1.0]


def _cubic_factors(t: Tensor):
    """The four cubic-convolution weights at fraction t, and their derivatives in t."""
    a = _CUBIC_A
    values = [_cubic_conv2(t + 1, a), _cubic_conv1(t, a), _cubic_conv1(1 - t, a),
              _cubic_conv2(2 - t, a)]
    return values, _cubic_derivatives(t, float)


def _grid_taps(shape, grid: np.ndarray, mode: str, padding: str, align_corners: bool, ot):
    """The taps of every sample, as the NumPy samplers find them.

    Returns (taps, flat, fractions, slopes): ``taps`` lists each tap as its offset number per
    spatial dim; ``flat`` (N, taps, Q) its flat input position, or P (one past the end) where
    it falls outside with zeros padding; per dim the fraction t and d(source) / d(grid), each
    (N, Q) (None for nearest, whose weights are constant).
    """
    spatial = shape[2:]
    axes, coords = _grid_axes(shape, grid, padding, align_corners, ot)
    choices, fractions, slopes = [], [], []
    for axis, coord in zip(axes, coords):
        if mode == "nearest":
            nearest = np.rint(axis.locate(coord)[0]).astype(np.int64)
            choices.append([axis.bound(nearest) if padding == "zeros" else
                            (np.clip(nearest, 0, axis.size - 1), None)])
            fractions.append(None)
            slopes.append(None)
            continue
        if mode == "bilinear":
            position, slope = axis.locate(coord)
            low = np.floor(position)
            start = low.astype(np.int64)
            choices.append([axis.bound(start + b) if padding == "zeros" else
                            _bounded_upper(axis, start + b) for b in (0, 1)])
        else:  # bicubic: the padding mode applies to each tap
            position = axis.unnormalize(coord).astype(ot)
            slope = np.full(position.shape, axis.scaling(), ot)
            low = np.floor(position)
            start = low.astype(np.int64)
            choices.append([axis.bound(start + j - 1) for j in range(4)])
        fractions.append((position - low).astype(ot))
        slopes.append(slope.astype(ot))
    taps = list(itertools.product(*(range(len(c)) for c in choices)))
    size = math.prod(spatial)
    flat = []
    for tap in taps:
        picked = [choices[d][o] for d, o in enumerate(tap)]
        index = _flat_index([p[0] for p in picked], spatial)
        valid = _combine_valid([p[1] for p in picked])
        flat.append(index if valid is None else np.where(valid, index, size))
    return taps, np.stack(flat, axis=1), fractions, slopes


def _product(factors):
    out = factors[0]
    for f in factors[1:]:
        out = f * out
    return out


def _grid_gradients_graph(grad: Tensor, input: Tensor, grid: Tensor, mode: str, padding: str,
                          align_corners: bool, need_input: bool, need_grid: bool):
    """(grad_input, grad_grid) of grid sampling written with differentiable ember ops (None
    where not needed); see the note above."""
    from .creation import zeros
    from .join import cat, stack
    cdt = _compute_dtype(input._data.dtype)
    kind = D._BY_NP[np.dtype(cdt)]
    x, g, go = (t if t._data.dtype == cdt else t.to(kind) for t in (input, grid, grad))
    shape = tuple(input.shape)
    n, c = shape[:2]
    ndim = len(shape) - 2
    size = math.prod(shape[2:])
    taps, flat, fractions, slopes = _grid_taps(shape, g._data, mode, padding, align_corners,
                                               _opmath(cdt))
    k, q = flat.shape[1:]
    index = wrap(flat.reshape(n, 1, k * q)).expand(n, c, k * q)
    go_taps = go.reshape(n, c, 1, q)
    weights = factors = None
    if mode != "nearest":
        make = _linear_factors if mode == "bilinear" else _cubic_factors
        factors = []
        for d in range(ndim):
            coord = g[..., ndim - 1 - d].reshape(n, q)  # the grid lists x (the last dim) first
            t = wrap(fractions[d]) + wrap(slopes[d]) * (coord - coord.detach())
            factors.append(make(t))
        weights = stack([_product([factors[d][0][o] for d, o in enumerate(tap)])
                         for tap in taps], 1)  # (N, taps, Q)
    grad_input = grad_grid = None
    if need_input:
        values = go_taps if weights is None else weights.unsqueeze(1) * go_taps
        values = values.expand(n, c, k, q).reshape(n, c, k * q)
        total = zeros((n, c, size + 1), dtype=kind).scatter_add(2, index, values)
        grad_input = total[:, :, :size].reshape(shape)
    if need_grid:
        if weights is None:  # nearest: the output does not move with the grid
            grad_grid = zeros(tuple(grid.shape), dtype=kind)
        else:
            padded = cat([x.reshape(n, c, size), zeros((n, c, 1), dtype=kind)], 2)
            along = (padded.gather(2, index).reshape(n, c, k, q) * go_taps).sum(1)
            columns = []
            for d in range(ndim - 1, -1, -1):
                slope_d = [_product([factors[e][1 if e == d else 0][o]
                                     for e, o in enumerate(tap)]) for tap in taps]
                columns.append((stack(slope_d, 1) * along).sum(1) * wrap(slopes[d]))
            grad_grid = stack(columns, -1).reshape(tuple(grid.shape))
    if grad_input is not None and grad_input.dtype is not input.dtype:
        grad_input = grad_input.to(input.dtype)
    if grad_grid is not None and grad_grid.dtype is not grid.dtype:
        grad_grid = grad_grid.to(grid.dtype)
    return grad_input, grad_grid


class GridSampler2DBackwardBackward0(Node):
    """The node PyTorch shows on recorded grid-sampler gradients.  The derivative itself lives
    in the ember ops that computed them (see the note above); this node passes gradients on."""

    _nout = 2

    def backward(self, grad_input, grad_grid):
        return grad_input, grad_grid


class GridSampler3DBackwardBackward0(GridSampler2DBackwardBackward0):
    """The 3-D form of :class:`GridSampler2DBackwardBackward0`."""


def _recorded_gradients(node: GridSampler2DBackward0, grad: Tensor, input: Tensor,
                        grid: Tensor):
    need_input, need_grid = node._next[0] is not None, node._next[1] is not None
    computed = _grid_gradients_graph(grad, input, grid, node.mode, node.padding,
                                     node.align_corners, need_input, need_grid)
    cls = (GridSampler2DBackwardBackward0 if input.ndim == 4
           else GridSampler3DBackwardBackward0)
    named = cls(computed)
    results = []
    for nr, gradient in enumerate(computed):
        if gradient is None:
            results.append(None)
            continue
        out = wrap(gradient._data)
        out.grad_fn, out._rg, out._output_nr = named, True, nr
        results.append(out)
    return tuple(results)


def _check_grid_sampler(input: Tensor, grid: Tensor, mode: int) -> None:
    ishape, gshape = tuple(input.shape), tuple(grid.shape)
    if input.ndim not in (4, 5) or grid.ndim != input.ndim:
        kind = "4D" if input.ndim == 4 else ("5D" if input.ndim == 5 else "4D or 5D")
        raise RuntimeError(f"grid_sampler(): expected {kind} input and grid with same number "
                           f"of dimensions, but got input with sizes {shape_str(ishape)} and "
                           f"grid with sizes {shape_str(gshape)}")
    if ishape[0] != gshape[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, "
                           f"but got input with sizes {shape_str(ishape)} and grid with sizes "
                           f"{shape_str(gshape)}")
    if gshape[-1] != input.ndim - 2:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {input.ndim - 2} in "
                           f"last dimension, but got grid with sizes {shape_str(gshape)}")
    if mode == 2 and input.ndim != 4:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    if input.dtype is not grid.dtype:
        raise RuntimeError(f"expected scalar type {_type_word(input.dtype)} but found "
                           f"{_type_word(grid.dtype)}")
    if not input.dtype.is_floating_point:
        kernel = "grid_sampler_2d_cpu_kernel_impl" if input.ndim == 4 else "grid_sampler_3d_cpu"
        raise NotImplementedError(f"\"{kernel}\" not implemented for "
                                  f"'{_type_word(input.dtype)}'")
    for d, size in enumerate(ishape[2:]):
        if size <= 0:
            raise RuntimeError(f"grid_sampler(): expected input to have non-empty spatial "
                               f"dimensions, but input has sizes {shape_str(ishape)} with "
                               f"dimension {d + 2} being empty")


def grid_sampler(input: Tensor, grid: Tensor, interpolation_mode: int, padding_mode: int,
                 align_corners: bool) -> Tensor:
    """Sample ``input`` (N, C, *in) at the normalized coordinates in ``grid`` (N, *out, k):
    interpolation 0 bilinear, 1 nearest, 2 bicubic; padding 0 zeros, 1 border, 2 reflection."""
    _check_grid_sampler(input, grid, interpolation_mode)
    if isinstance(input._data, MetaArray) or isinstance(grid._data, MetaArray):
        return _meta(tuple(input.shape[:2]) + tuple(grid.shape[1:-1]), input)
    mode = _INTERPOLATION[int(interpolation_mode)]
    padding = _PADDING[int(padding_mode)]
    cdt = _compute_dtype(input._data.dtype)
    out = _SAMPLERS[mode](input._data.astype(cdt, copy=False),
                          grid._data.astype(cdt, copy=False), padding, bool(align_corners),
                          False)
    result = wrap(out.astype(input._data.dtype, copy=False))
    if grad_state.enabled and (input._rg or grid._rg):
        cls = GridSampler2DBackward0 if input.ndim == 4 else GridSampler3DBackward0
        node = cls((input, grid), result)
        node.save(input, grid)
        node.mode, node.padding, node.align_corners, node.cdt = mode, padding, \
            bool(align_corners), cdt
    return result


def grid_sampler_2d(input: Tensor, grid: Tensor, interpolation_mode: int, padding_mode: int,
                    align_corners: bool) -> Tensor:
    """:func:`grid_sampler` for 4-D input."""
    return grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners)


def grid_sampler_3d(input: Tensor, grid: Tensor, interpolation_mode: int, padding_mode: int,
                    align_corners: bool) -> Tensor:
    """:func:`grid_sampler` for 5-D input."""
    return grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners)
