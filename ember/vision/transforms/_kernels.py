"""Sampling kernels behind the tensor transforms: resize weights, grid sampling, blur, padding.

Every kernel is expressed as constant NumPy index/weight arrays applied with ember ops (matrix
products, advanced indexing, slicing), so the work is vectorized and the result stays
differentiable with respect to the image.

Resizing is separable: an (out, in) weight matrix per spatial axis, applied as
``rows @ image @ cols.T``.  The matrices follow PyTorch's ``interpolate`` (align_corners=False):
plain bilinear/bicubic sample 2/4 neighbours of ``scale * (i + 0.5) - 0.5``; the antialiased
versions stretch the filter by the downscaling factor and renormalise, as PIL does.
"""
from __future__ import annotations

import numpy as np

import ember

from ... import Tensor

# The cubic convolution constant: -0.75 for plain bicubic (OpenCV/PyTorch), -0.5 for the
# antialiased filter (PIL/PyTorch's _aa kernels).
_CUBIC_PLAIN = -0.75
_CUBIC_AA = -0.5


def _constant(array: np.ndarray) -> Tensor:
    return Tensor._make(np.ascontiguousarray(array))


# -- resize weights ------------------------------------------------------------------------------

def _triangle(x: np.ndarray) -> np.ndarray:
    x = np.abs(x)
    return np.where(x < 1.0, 1.0 - x, 0.0)


def _cubic(x: np.ndarray, a: float) -> np.ndarray:
    x = np.abs(x)
    near = ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0
    far = (((x - 5.0) * x + 8.0) * x - 4.0) * a
    return np.where(x < 1.0, near, np.where(x < 2.0, far, 0.0))


def antialias_weights(in_size: int, out_size: int, mode: str) -> np.ndarray:
    """The (out, in) weights of PyTorch's antialiased bilinear/bicubic resize along one axis."""
    scale = in_size / out_size
    half_support = 1.0 if mode == "bilinear" else 2.0
    support = half_support * scale if scale >= 1.0 else half_support
    inv_scale = 1.0 / scale if scale >= 1.0 else 1.0
    center = scale * (np.arange(out_size) + 0.5)
    # int64() truncates toward zero in PyTorch; the max with 0 makes that a floor here.
    first = np.maximum(np.trunc(center - support + 0.5), 0)
    stop = np.minimum(np.trunc(center + support + 0.5), in_size)
    source = np.arange(in_size, dtype=np.float64)
    x = (source[None, :] - center[:, None] + 0.5) * inv_scale
    weights = _triangle(x) if mode == "bilinear" else _cubic(x, _CUBIC_AA)
    inside = (source[None, :] >= first[:, None]) & (source[None, :] < stop[:, None])
    weights = np.where(inside, weights, 0.0)
    total = weights.sum(axis=1, keepdims=True)
    return np.divide(weights, total, out=weights, where=total != 0)


def linear_weights(in_size: int, out_size: int) -> np.ndarray:
    """The (out, in) weights of plain bilinear resizing (no antialias) along one axis."""
    scale = in_size / out_size
    source = np.maximum(scale * (np.arange(out_size) + 0.5) - 0.5, 0.0)
    low = source.astype(np.int64)
    high = np.where(low < in_size - 1, low + 1, low)
    frac = source - low
    weights = np.zeros((out_size, in_size))
    rows = np.arange(out_size)
    np.add.at(weights, (rows, low), 1.0 - frac)
    np.add.at(weights, (rows, high), frac)
    return weights


def cubic_weights(in_size: int, out_size: int) -> np.ndarray:
    """The (out, in) weights of plain bicubic resizing (no antialias), borders replicated."""
    scale = in_size / out_size
    source = scale * (np.arange(out_size) + 0.5) - 0.5
    base = np.floor(source)
    t = source - base
    taps = np.stack([_cubic(t + 1.0, _CUBIC_PLAIN), _cubic(t, _CUBIC_PLAIN),
                     _cubic(1.0 - t, _CUBIC_PLAIN), _cubic(2.0 - t, _CUBIC_PLAIN)], axis=1)
    index = np.clip(base.astype(np.int64)[:, None] + np.arange(-1, 3)[None, :], 0, in_size - 1)
    weights = np.zeros((out_size, in_size))
    np.add.at(weights, (np.repeat(np.arange(out_size), 4), index.ravel()), taps.ravel())
    return weights


def nearest_indices(in_size: int, out_size: int, exact: bool) -> np.ndarray:
    """Source index of each output index for 'nearest' / 'nearest-exact' (float32 arithmetic
    as in PyTorch, so ties fall the same way)."""
    if in_size == out_size:
        return np.arange(out_size)
    if out_size == 2 * in_size and not exact:
        return np.arange(out_size) >> 1
    scale = np.float32(in_size) / np.float32(out_size)
    position = np.arange(out_size, dtype=np.float32)
    if exact:
        position = position + np.float32(0.5)
    return np.minimum(np.floor(position * scale).astype(np.int64), in_size - 1)


def resize_weights(in_size: int, out_size: int, mode: str, antialias: bool) -> np.ndarray:
    """The (out, in) weight matrix of a linear resize mode along one axis."""
    if antialias:
        return antialias_weights(in_size, out_size, mode)
    if mode == "bilinear":
        return linear_weights(in_size, out_size)
    return cubic_weights(in_size, out_size)


def resize_4d(img: Tensor, size: list[int], mode: str, antialias: bool) -> Tensor:
    """Resize the last two axes of a floating tensor to ``size`` (h, w)."""
    in_h, in_w = img.shape[-2], img.shape[-1]
    out_h, out_w = size
    for out in (out_h, out_w):
        if out <= 0:
            raise RuntimeError(
                f"Input and output sizes should be greater than 0, but got input (H: {in_h}, "
                f"W: {in_w}) output (H: {out_h}, W: {out_w})")
    if mode in ("nearest", "nearest-exact"):
        exact = mode == "nearest-exact"
        rows = nearest_indices(in_h, out_h, exact)
        cols = nearest_indices(in_w, out_w, exact)
        return img[..., _constant(rows)[:, None], _constant(cols)[None, :]]
    np_dtype = img._data.dtype
    result = img
    # An axis whose size does not change maps through the identity in every mode: skip it.
    if out_h != in_h:
        row_weights = _constant(resize_weights(in_h, out_h, mode, antialias).astype(np_dtype))
        result = ember.matmul(row_weights, result)
    if out_w != in_w:
        col_weights = _constant(resize_weights(in_w, out_w, mode, antialias).T.astype(np_dtype))
        result = ember.matmul(result, col_weights)
    return result if result is not img else img.clone()


# -- padding -------------------------------------------------------------------------------------

def pad_indices(size: int, before: int, after: int, mode: str) -> np.ndarray:
    """Source index along one axis of each padded position for edge/reflect/symmetric."""
    position = np.arange(-before, size + after)
    if mode == "edge":
        return np.clip(position, 0, size - 1)
    if mode == "reflect":
        period = 2 * (size - 1)
        if period == 0:
            return np.zeros_like(position)
        folded = np.mod(position, period)
        return np.where(folded < size, folded, period - folded)
    period = 2 * size  # symmetric: the edge value repeats
    folded = np.mod(position, period)
    return np.where(folded < size, folded, period - 1 - folded)


def gather_pad(img: Tensor, left: int, right: int, top: int, bottom: int, mode: str) -> Tensor:
    """Pad the last two axes by index gathering (non-constant modes)."""
    rows = pad_indices(img.shape[-2], top, bottom, mode)
    cols = pad_indices(img.shape[-1], left, right, mode)
    return img[..., _constant(rows)[:, None], _constant(cols)[None, :]]


def constant_pad(img: Tensor, left: int, right: int, top: int, bottom: int, fill) -> Tensor:
    """Pad the last two axes with a constant (negative amounts crop)."""
    height, width = img.shape[-2], img.shape[-1]
    img = img[..., max(-top, 0):height - max(-bottom, 0), max(-left, 0):width - max(-right, 0)]
    left, right, top, bottom = (max(p, 0) for p in (left, right, top, bottom))
    shape = (*img.shape[:-2], img.shape[-2] + top + bottom, img.shape[-1] + left + right)
    out = ember.full(shape, fill, dtype=img.dtype)
    out[..., top:top + img.shape[-2], left:left + img.shape[-1]] = img
    return out


# -- grid sampling (rotate, affine, perspective, elastic) ------------------------------------------

def affine_grid(theta: np.ndarray, w: int, h: int, out_w: int, out_h: int) -> np.ndarray:
    """The (out_h, out_w, 2) normalized sampling grid of the inverse affine map ``theta`` (2x3),
    built the way torchvision builds it (pixel-centre coordinates around the image centre)."""
    dtype = theta.dtype
    x = np.linspace(-out_w * 0.5 + 0.5, out_w * 0.5 - 0.5, out_w, dtype=np.float32).astype(dtype)
    y = np.linspace(-out_h * 0.5 + 0.5, out_h * 0.5 - 0.5, out_h, dtype=np.float32).astype(dtype)
    base = np.empty((out_h, out_w, 3), dtype=dtype)
    base[..., 0] = x[None, :]
    base[..., 1] = y[:, None]
    base[..., 2] = 1
    rescaled = theta.T / np.array([0.5 * w, 0.5 * h], dtype=dtype)
    return (base.reshape(-1, 3) @ rescaled).reshape(out_h, out_w, 2)


def perspective_grid(coeffs: list[float], out_w: int, out_h: int, dtype) -> np.ndarray:
    """The normalized sampling grid of a perspective transform with 8 coefficients."""
    theta1 = np.array([[coeffs[0], coeffs[1], coeffs[2]], [coeffs[3], coeffs[4], coeffs[5]]],
                      dtype=dtype)
    theta2 = np.array([[coeffs[6], coeffs[7], 1.0], [coeffs[6], coeffs[7], 1.0]], dtype=dtype)
    x = np.linspace(0.5, out_w - 0.5, out_w, dtype=np.float32).astype(dtype)
    y = np.linspace(0.5, out_h - 0.5, out_h, dtype=np.float32).astype(dtype)
    base = np.empty((out_h * out_w, 3), dtype=dtype)
    base[:, 0] = np.tile(x, out_h)
    base[:, 1] = np.repeat(y, out_w)
    base[:, 2] = 1
    first = base @ (theta1.T / np.array([0.5 * out_w, 0.5 * out_h], dtype=dtype))
    second = base @ theta2.T
    return (first / second - 1.0).reshape(out_h, out_w, 2)


def grid_sample(img: Tensor, grid: np.ndarray, mode: str, fill) -> Tensor:
    """Sample a floating (..., C, H, W) image at one shared normalized ``grid`` (oh, ow, 2), zeros
    outside (align_corners=False); then blend ``fill`` (None, or one value per channel) into the
    area that fell outside the image, as torchvision does with its mask channel."""
    height, width = img.shape[-2], img.shape[-1]
    dtype = img._data.dtype
    gx = ((grid[..., 0].astype(dtype) + 1) * width - 1) / 2
    gy = ((grid[..., 1].astype(dtype) + 1) * height - 1) / 2
    if mode == "nearest":
        # grid_sample rounds half to even (nearbyint).
        ix, iy = np.rint(gx).astype(np.int64), np.rint(gy).astype(np.int64)
        valid = (ix >= 0) & (ix < width) & (iy >= 0) & (iy < height)
        picked = img[..., _constant(np.clip(iy, 0, height - 1)), _constant(np.clip(ix, 0, width - 1))]
        out = picked * _constant(valid.astype(dtype))
        mask = valid.astype(dtype)
    else:
        x0, y0 = np.floor(gx), np.floor(gy)
        fx, fy = gx - x0, gy - y0
        x0, y0 = x0.astype(np.int64), y0.astype(np.int64)
        out = None
        mask = np.zeros(gx.shape, dtype=dtype)
        for dy, wy in ((0, 1 - fy), (1, fy)):
            for dx, wx in ((0, 1 - fx), (1, fx)):
                ix, iy = x0 + dx, y0 + dy
                valid = (ix >= 0) & (ix < width) & (iy >= 0) & (iy < height)
                weight = np.where(valid, wx * wy, 0).astype(dtype)
                mask += weight
                term = img[..., _constant(np.clip(iy, 0, height - 1)),
                           _constant(np.clip(ix, 0, width - 1))] * _constant(weight)
                out = term if out is None else out + term
    if fill is None:
        return out
    channels = img.shape[-3]
    values = np.asarray(fill if isinstance(fill, (list, tuple)) else [fill], dtype=dtype)
    fill_image = _constant(np.broadcast_to(values.reshape(-1, 1, 1), (channels, *mask.shape)))
    if mode == "nearest":
        outside = _constant(np.broadcast_to(mask < 0.5, (channels, *mask.shape)))
        return ember.where(outside, fill_image, out)
    weight = _constant(mask)
    return out * weight + (1.0 - weight) * fill_image


# -- blur --------------------------------------------------------------------------------------------

def gaussian_kernel1d(size: int, sigma: float, np_dtype) -> np.ndarray:
    """A normalized 1-D Gaussian of ``size`` taps, computed in ``np_dtype`` as torchvision does."""
    half = (size - 1) * 0.5
    x = np.linspace(-half, half, size).astype(np_dtype)
    pdf = np.exp(np_dtype.type(-0.5) * (x / np_dtype.type(sigma)) ** 2)
    return pdf / pdf.sum()


def separable_filter(img: Tensor, kernel_y: np.ndarray, kernel_x: np.ndarray) -> Tensor:
    """Cross-correlate the last two axes of an already padded image with two 1-D kernels."""
    out_h = img.shape[-2] - len(kernel_y) + 1
    out_w = img.shape[-1] - len(kernel_x) + 1
    rows = None
    # One pass per kernel tap (a handful), each over the whole image.
    for tap, weight in enumerate(kernel_y):
        term = img[..., tap:tap + out_h, :] * float(weight)
        rows = term if rows is None else rows + term
    out = None
    for tap, weight in enumerate(kernel_x):
        term = rows[..., tap:tap + out_w] * float(weight)
        out = term if out is None else out + term
    return out
