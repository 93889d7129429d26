"""Image transforms on ember tensors shaped (..., C, H, W) (torchvision's tensor backend).

Everything is written with ember ops on whole tensors (no per-pixel Python), so a transform of a
floating image is differentiable wherever torchvision's is.
"""
from __future__ import annotations

from typing import Optional, Union

import numpy as np

import ember

from ... import Tensor
from . import _kernels

_INT_MAX = {"uint8": 255, "int8": 127, "int16": 32767, "uint16": 65535,
            "int32": 2147483647, "int64": 9223372036854775807}
_INT_DTYPES = ("uint8", "int8", "int16", "int32", "int64")


def _dtype_name(dtype) -> str:
    return str(dtype).replace("torch.", "")


def _is_tensor_image(x: Tensor) -> bool:
    return x.ndim >= 2


def _assert_image_tensor(img: Tensor) -> None:
    if not _is_tensor_image(img):
        raise TypeError("Tensor is not a torch image.")


def get_dimensions(img: Tensor) -> list[int]:
    """[channels, height, width] of an image tensor."""
    _assert_image_tensor(img)
    channels = 1 if img.ndim == 2 else img.shape[-3]
    return [channels, img.shape[-2], img.shape[-1]]


def get_image_size(img: Tensor) -> list[int]:
    """[width, height] of an image tensor."""
    _assert_image_tensor(img)
    return [img.shape[-1], img.shape[-2]]


def get_image_num_channels(img: Tensor) -> int:
    """The number of channels of an image tensor (1 for a 2-D tensor)."""
    _assert_image_tensor(img)
    if img.ndim == 2:
        return 1
    return img.shape[-3]


def _max_value(dtype) -> int:
    """The value that means 'full intensity' for images of ``dtype`` (1 for floating types)."""
    return _INT_MAX.get(_dtype_name(dtype), 1)


def _assert_channels(img: Tensor, permitted: list[int]) -> None:
    channels = get_dimensions(img)[0]
    if channels not in permitted:
        raise TypeError(f"Input image tensor permitted channel values are {permitted}, but found "
                        f"{channels}")


def convert_image_dtype(image: Tensor, dtype=ember.float) -> Tensor:
    """Convert an image to ``dtype``, rescaling values between the dtypes' intensity ranges."""
    if image.dtype == dtype:
        return image
    target_is_float = dtype.is_floating_point
    if image.is_floating_point():
        if target_is_float:
            return image.to(dtype)
        if (image.dtype == ember.float32 and dtype in (ember.int32, ember.int64)) or (
                image.dtype == ember.float64 and dtype == ember.int64):
            raise RuntimeError(f"The cast from {image.dtype} to {dtype} cannot be performed safely.")
        # Scale by max + 1 - eps so that 1.0 lands on max and every bucket is equally wide.
        eps = 1e-3
        max_value = float(_max_value(dtype))
        return image.mul(max_value + 1.0 - eps).to(dtype)
    input_max = float(_max_value(image.dtype))
    if target_is_float:
        return image.to(dtype) / input_max
    output_max = float(_max_value(dtype))
    if input_max > output_max:
        factor = int((input_max + 1) // (output_max + 1))
        return ember.div(image, factor, rounding_mode="floor").to(dtype)
    factor = int((output_max + 1) // (input_max + 1))
    return image.to(dtype) * factor


def vflip(img: Tensor) -> Tensor:
    """Flip top to bottom."""
    _assert_image_tensor(img)
    return img.flip(-2)


def hflip(img: Tensor) -> Tensor:
    """Flip left to right."""
    _assert_image_tensor(img)
    return img.flip(-1)


def crop(img: Tensor, top: int, left: int, height: int, width: int) -> Tensor:
    """The (height, width) window at (top, left); parts outside the image are zero-padded."""
    _assert_image_tensor(img)
    _, h, w = get_dimensions(img)
    right = left + width
    bottom = top + height
    if left < 0 or top < 0 or right > w or bottom > h:
        padding_ltrb = [max(-left + min(0, right), 0), max(-top + min(0, bottom), 0),
                        max(right - max(w, left), 0), max(bottom - max(h, top), 0)]
        return pad(img[..., max(top, 0):bottom, max(left, 0):right], padding_ltrb, fill=0)
    return img[..., top:bottom, left:right]


def rgb_to_grayscale(img: Tensor, num_output_channels: int = 1) -> Tensor:
    """ITU-R 601 luma of an RGB image (1 or 3 identical output channels)."""
    if img.ndim < 3:
        raise TypeError(f"Input image tensor should have at least 3 dimensions, but found {img.ndim}")
    _assert_channels(img, [1, 3])
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    if img.shape[-3] == 3:
        r, g, b = img.unbind(dim=-3)
        luma = (0.2989 * r + 0.587 * g + 0.114 * b).to(img.dtype)
        luma = luma.unsqueeze(dim=-3)
    else:
        luma = img.clone()
    if num_output_channels == 3:
        return luma.expand(img.shape)
    return luma


def _blend(img1: Tensor, img2: Tensor, ratio: float) -> Tensor:
    ratio = float(ratio)
    bound = _max_value(img1.dtype)
    return (ratio * img1 + (1.0 - ratio) * img2).clamp(0, bound).to(img1.dtype)


def adjust_brightness(img: Tensor, brightness_factor: float) -> Tensor:
    """Scale intensities by ``brightness_factor`` (clamped to the dtype's range)."""
    if brightness_factor < 0:
        raise ValueError(f"brightness_factor ({brightness_factor}) is not non-negative.")
    _assert_image_tensor(img)
    _assert_channels(img, [1, 3])
    return _blend(img, ember.zeros_like(img), brightness_factor)


def adjust_contrast(img: Tensor, contrast_factor: float) -> Tensor:
    """Blend the image with its mean gray level."""
    if contrast_factor < 0:
        raise ValueError(f"contrast_factor ({contrast_factor}) is not non-negative.")
    _assert_image_tensor(img)
    _assert_channels(img, [3, 1])
    channels = get_dimensions(img)[0]
    dtype = img.dtype if img.is_floating_point() else ember.float32
    gray = rgb_to_grayscale(img) if channels == 3 else img
    mean = ember.mean(gray.to(dtype), dim=(-3, -2, -1), keepdim=True)
    return _blend(img, mean, contrast_factor)


def adjust_saturation(img: Tensor, saturation_factor: float) -> Tensor:
    """Blend the image with its grayscale version."""
    if saturation_factor < 0:
        raise ValueError(f"saturation_factor ({saturation_factor}) is not non-negative.")
    _assert_image_tensor(img)
    _assert_channels(img, [1, 3])
    if get_dimensions(img)[0] == 1:  # a gray image has no saturation to change (as in PIL)
        return img
    return _blend(img, rgb_to_grayscale(img), saturation_factor)


def _rgb2hsv(img: Tensor) -> Tensor:
    r, g, b = img.unbind(dim=-3)
    maxc = ember.amax(img, dim=-3)
    minc = ember.amin(img, dim=-3)
    equal = maxc == minc
    chroma = maxc - minc
    ones = ember.ones_like(maxc)
    # Where all channels are equal the hue is undefined: divide by one instead of zero.
    s = chroma / ember.where(equal, ones, maxc)
    divisor = ember.where(equal, ones, chroma)
    rc = (maxc - r) / divisor
    gc = (maxc - g) / divisor
    bc = (maxc - b) / divisor
    hr = (maxc == r) * (bc - gc)
    hg = ((maxc == g) & (maxc != r)) * (2.0 + rc - bc)
    hb = ((maxc != g) & (maxc != r)) * (4.0 + gc - rc)
    h = ember.fmod((hr + hg + hb) / 6.0 + 1.0, 1.0)
    return ember.stack((h, s, maxc), dim=-3)


def _hsv2rgb(img: Tensor) -> Tensor:
    h, s, v = img.unbind(dim=-3)
    sector = ember.floor(h * 6.0)
    f = h * 6.0 - sector
    sector = sector.to(ember.int32) % 6
    p = ember.clamp(v * (1.0 - s), 0.0, 1.0)
    q = ember.clamp(v * (1.0 - s * f), 0.0, 1.0)
    t = ember.clamp(v * (1.0 - s * (1.0 - f)), 0.0, 1.0)
    # Each hue sector picks its (r, g, b) from (v, p, q, t); choose by a one-hot mask.
    mask = (sector.unsqueeze(-3) == Tensor._make(np.arange(6).reshape(-1, 1, 1))).to(img.dtype)
    red = ember.stack((v, q, p, p, t, v), dim=-3)
    green = ember.stack((t, v, v, q, p, p), dim=-3)
    blue = ember.stack((p, p, t, v, v, q), dim=-3)
    return ember.stack([(mask * plane).sum(dim=-3) for plane in (red, green, blue)], dim=-3)


def adjust_hue(img: Tensor, hue_factor: float) -> Tensor:
    """Shift the hue by ``hue_factor`` turns (in [-0.5, 0.5])."""
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    if not isinstance(img, Tensor):
        raise TypeError("Input img should be Tensor image")
    _assert_image_tensor(img)
    _assert_channels(img, [1, 3])
    if get_dimensions(img)[0] == 1:
        return img
    orig_dtype = img.dtype
    hsv = _rgb2hsv(convert_image_dtype(img, ember.float32))
    h, s, v = hsv.unbind(dim=-3)
    h = (h + hue_factor) % 1.0
    rgb = _hsv2rgb(ember.stack((h, s, v), dim=-3))
    return convert_image_dtype(rgb, orig_dtype)


def adjust_gamma(img: Tensor, gamma: float, gain: float = 1) -> Tensor:
    """``gain * img ** gamma`` on intensities scaled to [0, 1]."""
    if not isinstance(img, Tensor):
        raise TypeError("Input img should be a Tensor.")
    _assert_channels(img, [1, 3])
    if gamma < 0:
        raise ValueError("Gamma should be a non-negative real number")
    dtype = img.dtype
    result = img if img.is_floating_point() else convert_image_dtype(img, ember.float32)
    result = (gain * result.pow(gamma)).clamp(0, 1)
    return convert_image_dtype(result, dtype)


def _parse_pad_padding(padding) -> list[int]:
    if isinstance(padding, int):
        return [padding] * 4
    if len(padding) == 1:
        return [padding[0]] * 4
    if len(padding) == 2:
        return [padding[0], padding[0], padding[1], padding[1]]
    return [padding[0], padding[2], padding[1], padding[3]]


def pad(img: Tensor, padding: Union[int, list[int]], fill: Optional[Union[int, float]] = 0,
        padding_mode: str = "constant") -> Tensor:
    """Pad the borders: ``padding`` is an int, (lr, tb) or (left, top, right, bottom)."""
    _assert_image_tensor(img)
    if fill is None:
        fill = 0
    if not isinstance(padding, (int, tuple, list)):
        raise TypeError("Got inappropriate padding arg")
    if not isinstance(fill, (int, float)):
        raise TypeError("Got inappropriate fill arg")
    if not isinstance(padding_mode, str):
        raise TypeError("Got inappropriate padding_mode arg")
    if isinstance(padding, (tuple, list)) and len(padding) not in (1, 2, 4):
        raise ValueError("Padding must be an int or a 1, 2, or 4 element tuple, not a "
                         f"{len(padding)} element tuple")
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    left, right, top, bottom = _parse_pad_padding(padding)
    if padding_mode == "constant":
        return _kernels.constant_pad(img, left, right, top, bottom, fill)
    if min(left, right, top, bottom) < 0:
        height, width = img.shape[-2], img.shape[-1]
        img = img[..., max(-top, 0):height - max(-bottom, 0), max(-left, 0):width - max(-right, 0)]
        left, right, top, bottom = (max(p, 0) for p in (left, right, top, bottom))
    if padding_mode == "reflect":
        _check_reflect(img, left, right, top, bottom)
    return _kernels.gather_pad(img, left, right, top, bottom, padding_mode)


def _check_reflect(img: Tensor, left: int, right: int, top: int, bottom: int) -> None:
    height, width = img.shape[-2], img.shape[-1]
    if max(left, right) >= width or max(top, bottom) >= height:
        shape = list(img.shape) if img.ndim >= 4 else [1] * (4 - img.ndim) + list(img.shape)
        bad = (left, right) if max(left, right) >= width else (top, bottom)
        dim = 3 if max(left, right) >= width else 2
        raise RuntimeError(
            f"Argument #4: Padding size should be less than the corresponding input dimension, "
            f"but got: padding ({bad[0]}, {bad[1]}) at dimension {dim} of input {shape}")


def _cast_squeeze_in(img: Tensor, req_dtypes: list) -> tuple[Tensor, bool, bool, object]:
    need_squeeze = False
    if img.ndim < 4:
        img = img.unsqueeze(dim=0)
        need_squeeze = True
    out_dtype = img.dtype
    need_cast = out_dtype not in req_dtypes
    if need_cast:
        img = img.to(req_dtypes[0])
    return img, need_cast, need_squeeze, out_dtype


def _cast_squeeze_out(img: Tensor, need_cast: bool, need_squeeze: bool, out_dtype) -> Tensor:
    if need_squeeze:
        img = img.squeeze(dim=0)
    if need_cast:
        if _dtype_name(out_dtype) in _INT_DTYPES:
            img = ember.round(img)
        img = img.to(out_dtype)
    return img


def resize(img: Tensor, size: list[int], interpolation: str = "bilinear",
           antialias: Optional[bool] = True) -> Tensor:
    """Resize to exactly ``size`` = [h, w] with ``interpolation`` ('nearest', 'nearest-exact',
    'bilinear', 'bicubic'); ``antialias`` smooths downscaling (bilinear/bicubic only)."""
    _assert_image_tensor(img)
    size = list(size)
    if antialias is None:
        antialias = False
    if antialias and interpolation not in ("bilinear", "bicubic"):
        antialias = False
    if interpolation not in ("nearest", "nearest-exact", "bilinear", "bicubic"):
        raise NotImplementedError(
            f"Got 4D input, but {interpolation} mode needs a PIL image with tensors")
    img, need_cast, need_squeeze, out_dtype = _cast_squeeze_in(img, [ember.float32, ember.float64])
    img = _kernels.resize_4d(img, size, interpolation, bool(antialias))
    if interpolation == "bicubic" and out_dtype == ember.uint8:
        img = img.clamp(min=0, max=255)
    return _cast_squeeze_out(img, need_cast, need_squeeze, out_dtype)


def _assert_grid_transform_inputs(img: Tensor, matrix, interpolation: str, fill,
                                  supported_interpolation_modes: list[str],
                                  coeffs=None) -> None:
    if not isinstance(img, Tensor):
        raise TypeError("Input img should be Tensor")
    _assert_image_tensor(img)
    if matrix is not None and not isinstance(matrix, list):
        raise TypeError("Argument matrix should be a list")
    if matrix is not None and len(matrix) != 6:
        raise ValueError("Argument matrix should have 6 float values")
    if coeffs is not None and len(coeffs) != 8:
        raise ValueError("Argument coeffs should have 8 float values")
    num_channels = get_dimensions(img)[0]
    if fill is not None and isinstance(fill, (tuple, list)) and len(fill) > 1 \
            and len(fill) != num_channels:
        raise ValueError("The number of elements in 'fill' cannot broadcast to match the number "
                         f"of channels of the image ({len(fill)} != {num_channels})")
    if interpolation not in supported_interpolation_modes:
        raise ValueError(f"Interpolation mode '{interpolation}' is unsupported with Tensor input")


def _apply_grid(img: Tensor, grid: np.ndarray, mode: str, fill) -> Tensor:
    grid_dtype = ember.float64 if grid.dtype == np.float64 else ember.float32
    img, need_cast, need_squeeze, out_dtype = _cast_squeeze_in(img, [grid_dtype])
    img = _kernels.grid_sample(img, grid, mode, fill)
    return _cast_squeeze_out(img, need_cast, need_squeeze, out_dtype)


def _float_np_dtype(img: Tensor):
    return img._data.dtype if img.is_floating_point() and img.dtype != ember.float16 \
        and img.dtype != ember.bfloat16 else np.dtype(np.float32)


def affine(img: Tensor, matrix: list[float], interpolation: str = "nearest",
           fill=None) -> Tensor:
    """Sample the image through the inverse affine ``matrix`` (6 values, centre-relative)."""
    _assert_grid_transform_inputs(img, matrix, interpolation, fill, ["nearest", "bilinear"])
    theta = np.array(matrix, dtype=_float_np_dtype(img)).reshape(2, 3)
    height, width = img.shape[-2], img.shape[-1]
    grid = _kernels.affine_grid(theta, width, height, width, height)
    return _apply_grid(img, grid, interpolation, fill)


def _compute_affine_output_size(matrix: list[float], w: int, h: int) -> tuple[int, int]:
    corners = np.array([[-0.5 * w, -0.5 * h, 1.0], [-0.5 * w, 0.5 * h, 1.0],
                        [0.5 * w, 0.5 * h, 1.0], [0.5 * w, -0.5 * h, 1.0]], dtype=np.float32)
    theta = np.array(matrix, dtype=np.float32).reshape(2, 3)
    moved = corners @ theta.T
    offset = np.array([w * 0.5, h * 0.5], dtype=np.float32)
    min_values = moved.min(axis=0) + offset
    max_values = moved.max(axis=0) + offset
    # Truncate at 1e-4 first so that rounding noise does not add a whole pixel.
    tol = np.float32(1e-4)
    size = np.ceil(np.trunc(max_values / tol) * tol) - np.floor(np.trunc(min_values / tol) * tol)
    return int(size[0]), int(size[1])


def rotate(img: Tensor, matrix: list[float], interpolation: str = "nearest",
           expand: bool = False, fill=None) -> Tensor:
    """Sample the image through the inverse rotation ``matrix``; ``expand`` grows the canvas to
    hold the whole rotated image."""
    _assert_grid_transform_inputs(img, matrix, interpolation, fill, ["nearest", "bilinear"])
    w, h = img.shape[-1], img.shape[-2]
    out_w, out_h = _compute_affine_output_size(matrix, w, h) if expand else (w, h)
    theta = np.array(matrix, dtype=_float_np_dtype(img)).reshape(2, 3)
    grid = _kernels.affine_grid(theta, w, h, out_w, out_h)
    return _apply_grid(img, grid, interpolation, fill)


def perspective(img: Tensor, perspective_coeffs: list[float], interpolation: str = "bilinear",
                fill=None) -> Tensor:
    """Sample the image through a perspective map given by 8 coefficients."""
    if not isinstance(img, Tensor):
        raise TypeError("Input img should be Tensor.")
    _assert_image_tensor(img)
    _assert_grid_transform_inputs(img, None, interpolation, fill, ["nearest", "bilinear"],
                                  coeffs=perspective_coeffs)
    grid = _kernels.perspective_grid(perspective_coeffs, img.shape[-1], img.shape[-2],
                                     _float_np_dtype(img))
    return _apply_grid(img, grid, interpolation, fill)


def gaussian_blur(img: Tensor, kernel_size: list[int], sigma: list[float]) -> Tensor:
    """Blur with a Gaussian of ``kernel_size`` (x, y) taps and ``sigma`` (x, y), borders
    reflected."""
    if not isinstance(img, Tensor):
        raise TypeError(f"img should be Tensor. Got {type(img)}")
    _assert_image_tensor(img)
    np_dtype = _float_np_dtype(img)
    kernel_x = _kernels.gaussian_kernel1d(kernel_size[0], sigma[0], np_dtype)
    kernel_y = _kernels.gaussian_kernel1d(kernel_size[1], sigma[1], np_dtype)
    float_dtype = ember.float64 if np_dtype == np.float64 else ember.float32
    img, need_cast, need_squeeze, out_dtype = _cast_squeeze_in(img, [float_dtype])
    half_x, half_y = kernel_size[0] // 2, kernel_size[1] // 2
    _check_reflect(img, half_x, half_x, half_y, half_y)
    padded = _kernels.gather_pad(img, half_x, half_x, half_y, half_y, "reflect")
    img = _kernels.separable_filter(padded, kernel_y, kernel_x)
    return _cast_squeeze_out(img, need_cast, need_squeeze, out_dtype)


def invert(img: Tensor) -> Tensor:
    """``max - img`` for the dtype's maximum intensity."""
    _assert_image_tensor(img)
    if img.ndim < 3:
        raise TypeError(f"Input image tensor should have at least 3 dimensions, but found {img.ndim}")
    _assert_channels(img, [1, 3])
    return _max_value(img.dtype) - img


def posterize(img: Tensor, bits: int) -> Tensor:
    """Keep only the ``bits`` most significant bits of each uint8 value."""
    _assert_image_tensor(img)
    if img.ndim < 3:
        raise TypeError(f"Input image tensor should have at least 3 dimensions, but found {img.ndim}")
    if img.dtype != ember.uint8:
        raise TypeError(f"Only torch.uint8 image tensors are supported, but found {img.dtype}")
    _assert_channels(img, [1, 3])
    mask = -int(2 ** (8 - bits))
    return img & mask


def solarize(img: Tensor, threshold: float) -> Tensor:
    """Invert the values at or above ``threshold``."""
    _assert_image_tensor(img)
    if img.ndim < 3:
        raise TypeError(f"Input image tensor should have at least 3 dimensions, but found {img.ndim}")
    _assert_channels(img, [1, 3])
    if threshold > _max_value(img.dtype):
        raise TypeError("Threshold should be less than bound of img.")
    return ember.where(img >= threshold, invert(img), img)


def _blurred_degenerate_image(img: Tensor) -> Tensor:
    dtype = img.dtype if img.is_floating_point() else ember.float32
    np_dtype = np.float64 if dtype == ember.float64 else np.float32
    # PIL's SMOOTH kernel [[1, 1, 1], [1, 5, 1], [1, 1, 1]] / 13, applied without padding.
    kernel = np.ones((3, 3), dtype=np_dtype)
    kernel[1, 1] = 5.0
    kernel /= kernel.sum()
    source, need_cast, need_squeeze, out_dtype = _cast_squeeze_in(img, [dtype])
    height, width = source.shape[-2] - 2, source.shape[-1] - 2
    blurred = None
    for dy in range(3):
        for dx in range(3):
            term = source[..., dy:dy + height, dx:dx + width] * float(kernel[dy, dx])
            blurred = term if blurred is None else blurred + term
    blurred = _cast_squeeze_out(blurred, need_cast, need_squeeze, out_dtype)
    result = img.clone()
    result[..., 1:-1, 1:-1] = blurred
    return result


def adjust_sharpness(img: Tensor, sharpness_factor: float) -> Tensor:
    """Blend the image with a smoothed copy (factor > 1 sharpens)."""
    if sharpness_factor < 0:
        raise ValueError(f"sharpness_factor ({sharpness_factor}) is not non-negative.")
    _assert_image_tensor(img)
    _assert_channels(img, [1, 3])
    if img.shape[-1] <= 2 or img.shape[-2] <= 2:
        return img
    return _blend(img, _blurred_degenerate_image(img), sharpness_factor)


def autocontrast(img: Tensor) -> Tensor:
    """Stretch each channel so its darkest value becomes 0 and its brightest the maximum."""
    _assert_image_tensor(img)
    if img.ndim < 3:
        raise TypeError(f"Input image tensor should have at least 3 dimensions, but found {img.ndim}")
    _assert_channels(img, [1, 3])
    bound = _max_value(img.dtype)
    dtype = img.dtype if img.is_floating_point() else ember.float32
    minimum = img.amin(dim=(-2, -1), keepdim=True).to(dtype)
    maximum = img.amax(dim=(-2, -1), keepdim=True).to(dtype)
    scale = bound / (maximum - minimum)
    constant = ember.isfinite(scale).logical_not()
    minimum = ember.where(constant, ember.zeros_like(minimum), minimum)
    scale = ember.where(constant, ember.ones_like(scale), scale)
    return ((img - minimum) * scale).clamp(0, bound).to(img.dtype)


def equalize(img: Tensor) -> Tensor:
    """Histogram-equalize each channel of a uint8 image (PIL's algorithm)."""
    _assert_image_tensor(img)
    if not 3 <= img.ndim <= 4:
        raise TypeError(f"Input image tensor should have 3 or 4 dimensions, but found {img.ndim}")
    if img.dtype != ember.uint8:
        raise TypeError(f"Only torch.uint8 image tensors are supported, but found {img.dtype}")
    _assert_channels(img, [1, 3])
    data = img._data
    planes = data.reshape(-1, data.shape[-2] * data.shape[-1]).astype(np.int64)
    count = planes.shape[0]
    # One histogram per channel plane, all at once through offset bins.
    hist = np.bincount((planes + 256 * np.arange(count)[:, None]).ravel(),
                       minlength=256 * count).reshape(count, 256)
    # The step ignores the count of the brightest value present in each plane.
    last = 255 - np.argmax(hist[:, ::-1] > 0, axis=1)
    step = (hist.sum(axis=1) - hist[np.arange(count), last]) // 255
    safe_step = np.maximum(step, 1)
    lut = (np.cumsum(hist, axis=1) + (step // 2)[:, None]) // safe_step[:, None]
    lut = np.clip(np.concatenate([np.zeros((count, 1), np.int64), lut[:, :-1]], axis=1), 0, 255)
    mapped = np.take_along_axis(lut, planes, axis=1)
    result = np.where((step == 0)[:, None], planes, mapped).astype(np.uint8)
    return Tensor._make(result.reshape(data.shape))


def normalize(tensor: Tensor, mean: list[float], std: list[float], inplace: bool = False) -> Tensor:
    """``(tensor - mean) / std`` per channel."""
    _assert_image_tensor(tensor)
    if not tensor.is_floating_point():
        raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
    if tensor.ndim < 3:
        raise ValueError("Expected tensor to be a tensor image of size (..., C, H, W). Got "
                         f"tensor.size() = {tensor.size()}")
    if not inplace:
        tensor = tensor.clone()
    dtype = tensor.dtype
    mean = ember.as_tensor(mean, dtype=dtype)
    std = ember.as_tensor(std, dtype=dtype)
    if (std == 0).any():
        raise ValueError(f"std evaluated to zero after conversion to {dtype}, leading to division "
                         "by zero.")
    if mean.ndim == 1:
        mean = mean.view(-1, 1, 1)
    if std.ndim == 1:
        std = std.view(-1, 1, 1)
    return tensor.sub_(mean).div_(std)


def erase(img: Tensor, i: int, j: int, h: int, w: int, v: Tensor, inplace: bool = False) -> Tensor:
    """Overwrite the (h, w) box at (i, j) with ``v``."""
    _assert_image_tensor(img)
    if not inplace:
        img = img.clone()
    img[..., i:i + h, j:j + w] = v
    return img


def elastic_transform(img: Tensor, displacement: Tensor, interpolation: str = "bilinear",
                      fill=None) -> Tensor:
    """Sample the image at the identity grid plus ``displacement`` (1, H, W, 2)."""
    if not isinstance(img, Tensor):
        raise TypeError(f"img should be Tensor. Got {type(img)}")
    height, width = img.shape[-2], img.shape[-1]
    ys = np.linspace((-height + 1) / height, (height - 1) / height, height, dtype=np.float32)
    xs = np.linspace((-width + 1) / width, (width - 1) / width, width, dtype=np.float32)
    identity = np.stack(np.meshgrid(xs, ys, indexing="xy"), axis=-1)
    grid = identity + displacement.detach().numpy()[0]
    return _apply_grid(img, grid.astype(displacement._data.dtype), interpolation, fill)
