"""Image-grid utilities (``torchvision.utils``): ``make_grid`` and ``save_image``."""
from __future__ import annotations

import math
from typing import Optional, Union

import numpy as np

import ember

from .. import Tensor
from ._pil import require_pil

__all__ = ["make_grid", "save_image"]


def _as_batch(tensor) -> np.ndarray:
    """The images as a (B, C, H, W) array, single-channel ones repeated to three channels."""
    if not isinstance(tensor, Tensor):
        if isinstance(tensor, list):
            for t in tensor:
                if not isinstance(t, Tensor):
                    raise TypeError("tensor or list of tensors expected, got a list containing "
                                    f"{type(t)}")
            tensor = ember.stack(tensor, dim=0)
        else:
            raise TypeError(f"tensor or list of tensors expected, got {type(tensor)}")
    data = tensor.detach().numpy()
    if data.ndim == 2:
        data = data[None]
    if data.ndim == 3:
        if data.shape[0] == 1:
            data = np.concatenate((data, data, data), axis=0)
        data = data[None]
    if data.ndim == 4 and data.shape[1] == 1:
        data = np.concatenate((data, data, data), axis=1)
    return data


def _normalize_range(images: np.ndarray, low, high) -> np.ndarray:
    low = images.dtype.type(low) if images.dtype.kind == "f" else low
    high = images.dtype.type(high) if images.dtype.kind == "f" else high
    clipped = np.clip(images, low, high)
    return (clipped - low) / max(float(high) - float(low), 1e-5)


def make_grid(tensor: Union[Tensor, list[Tensor]], nrow: int = 8, padding: int = 2,
              normalize: bool = False, value_range: Optional[tuple[int, int]] = None,
              scale_each: bool = False, pad_value: float = 0.0) -> Tensor:
    """Tile a batch of images (B, C, H, W) or a list of (C, H, W) into one (C, H', W') image,
    ``nrow`` images per row with ``padding`` pixels of ``pad_value`` between them;
    ``normalize`` shifts values to [0, 1] using ``value_range`` (or the min/max, per image with
    ``scale_each``)."""
    images = _as_batch(tensor)
    if normalize is True:
        if value_range is not None and not isinstance(value_range, tuple):
            raise TypeError("value_range has to be a tuple (min, max) if specified. min and max "
                            "are numbers")
        dtype = images.dtype
        if scale_each is True:
            if value_range is not None:
                lows = np.full(len(images), value_range[0])
                highs = np.full(len(images), value_range[1])
            else:
                lows = images.reshape(len(images), -1).min(axis=1)
                highs = images.reshape(len(images), -1).max(axis=1)
            images = np.stack([_normalize_range(img, lo, hi)
                               for img, lo, hi in zip(images, lows, highs)]) \
                if len(images) else images
        elif value_range is not None:
            images = _normalize_range(images, value_range[0], value_range[1])
        else:
            images = _normalize_range(images, float(images.min()), float(images.max()))
        images = images.astype(dtype, copy=False)
    if images.shape[0] == 1:
        return ember.from_numpy(np.ascontiguousarray(images[0]))
    count, channels, height, width = images.shape
    columns = min(nrow, count)
    rows = int(math.ceil(float(count) / columns))
    cell_h, cell_w = height + padding, width + padding
    # Every cell holds its image at offset (padding, padding); the grid then gains one more
    # strip of padding at the bottom and the right.
    cells = np.full((rows * columns, channels, cell_h, cell_w), pad_value, dtype=images.dtype)
    cells[:count, :, padding:, padding:] = images
    tiled = cells.reshape(rows, columns, channels, cell_h, cell_w).transpose(2, 0, 3, 1, 4)
    grid = np.full((channels, rows * cell_h + padding, columns * cell_w + padding), pad_value,
                   dtype=images.dtype)
    grid[:, :rows * cell_h, :columns * cell_w] = tiled.reshape(channels, rows * cell_h,
                                                              columns * cell_w)
    return ember.from_numpy(grid)


def save_image(tensor: Union[Tensor, list[Tensor]], fp, format: Optional[str] = None,
               **kwargs) -> None:
    """Save images (values in [0, 1]) as one grid image file; ``kwargs`` go to make_grid."""
    Image = require_pil("save_image")
    grid = make_grid(tensor, **kwargs)
    scaled = grid.mul(255).add_(0.5).clamp_(0, 255).permute(1, 2, 0).to(ember.uint8).numpy()
    Image.fromarray(np.ascontiguousarray(scaled)).save(fp, format=format)
