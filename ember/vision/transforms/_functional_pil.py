"""Image transforms on PIL images (torchvision's PIL backend), done by Pillow itself."""
from __future__ import annotations

import numbers
from typing import Any, Optional, Union

import numpy as np

from .._pil import image_from_array, is_pil_image, require_pil


def _is_pil_image(img: Any) -> bool:
    return is_pil_image(img)


def _check(img: Any) -> None:
    if not is_pil_image(img):
        raise TypeError(f"img should be PIL Image. Got {type(img)}")


def get_dimensions(img: Any) -> list[int]:
    """[channels, height, width] of a PIL image."""
    if is_pil_image(img):
        width, height = img.size
        return [len(img.getbands()), height, width]
    raise TypeError(f"Unexpected type {type(img)}")


def get_image_size(img: Any) -> list[int]:
    """[width, height] of a PIL image."""
    if is_pil_image(img):
        return list(img.size)
    raise TypeError(f"Unexpected type {type(img)}")


def get_image_num_channels(img: Any) -> int:
    """The number of bands of a PIL image."""
    if is_pil_image(img):
        return len(img.getbands())
    raise TypeError(f"Unexpected type {type(img)}")


def hflip(img):
    """Mirror left to right."""
    _check(img)
    return img.transpose(require_pil().Transpose.FLIP_LEFT_RIGHT)


def vflip(img):
    """Mirror top to bottom."""
    _check(img)
    return img.transpose(require_pil().Transpose.FLIP_TOP_BOTTOM)


def _enhance(img, enhancer_name: str, factor: float):
    _check(img)
    from PIL import ImageEnhance
    return getattr(ImageEnhance, enhancer_name)(img).enhance(factor)


def adjust_brightness(img, brightness_factor: float):
    """Pillow's brightness enhancer."""
    return _enhance(img, "Brightness", brightness_factor)


def adjust_contrast(img, contrast_factor: float):
    """Pillow's contrast enhancer."""
    return _enhance(img, "Contrast", contrast_factor)


def adjust_saturation(img, saturation_factor: float):
    """Pillow's colour enhancer."""
    return _enhance(img, "Color", saturation_factor)


def adjust_sharpness(img, sharpness_factor: float):
    """Pillow's sharpness enhancer."""
    return _enhance(img, "Sharpness", sharpness_factor)


def adjust_hue(img, hue_factor: float):
    """Rotate the hue channel of the HSV version of the image (uint8 wraparound)."""
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    _check(img)
    Image = require_pil()
    input_mode = img.mode
    if input_mode in {"L", "1", "I", "F"}:
        return img
    h, s, v = img.convert("HSV").split()
    hue = np.array(h, dtype=np.uint8)
    # uint8 addition wraps around, which is exactly a rotation of the hue circle.
    hue += np.int32(hue_factor * 255).astype(np.uint8)
    h = image_from_array(hue, "L")
    return Image.merge("HSV", (h, s, v)).convert(input_mode)


def adjust_gamma(img, gamma: float, gain: float = 1.0):
    """Gamma correction through a lookup table."""
    _check(img)
    if gamma < 0:
        raise ValueError("Gamma should be a non-negative real number")
    input_mode = img.mode
    img = img.convert("RGB")
    table = [int((255 + 1 - 1e-3) * gain * pow(value / 255.0, gamma)) for value in range(256)]
    return img.point(table * 3).convert(input_mode)


def _parse_fill(fill, img, name: str = "fillcolor") -> dict:
    num_channels = get_image_num_channels(img)
    if fill is None:
        fill = 0
    if isinstance(fill, (int, float)) and num_channels > 1:
        fill = tuple([fill] * num_channels)
    if isinstance(fill, (list, tuple)):
        if len(fill) == 1:
            fill = fill * num_channels
        elif len(fill) != num_channels:
            raise ValueError("The number of elements in 'fill' does not match the number of "
                             f"channels of the image ({len(fill)} != {num_channels})")
        fill = tuple(fill)
    if img.mode != "F":
        fill = tuple(int(x) for x in fill) if isinstance(fill, (list, tuple)) else int(fill)
    return {name: fill}


def pad(img, padding: Union[int, list[int], tuple[int, ...]], fill=0,
        padding_mode: str = "constant"):
    """Pad the borders (constant via ImageOps.expand, other modes via numpy.pad)."""
    _check(img)
    if not isinstance(padding, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate padding arg")
    if fill is not None and not isinstance(fill, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate fill arg")
    if not isinstance(padding_mode, str):
        raise TypeError("Got inappropriate padding_mode arg")
    if isinstance(padding, list):
        padding = tuple(padding)
    if isinstance(padding, tuple) and len(padding) not in (1, 2, 4):
        raise ValueError("Padding must be an int or a 1, 2, or 4 element tuple, not a "
                         f"{len(padding)} element tuple")
    if isinstance(padding, tuple) and len(padding) == 1:
        padding = padding[0]
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    Image = require_pil()
    if padding_mode == "constant":
        from PIL import ImageOps
        opts = _parse_fill(fill, img, name="fill")
        if img.mode == "P":
            palette = img.getpalette()
            image = ImageOps.expand(img, border=padding, **opts)
            image.putpalette(palette)
            return image
        return ImageOps.expand(img, border=padding, **opts)
    if isinstance(padding, int):
        left = right = top = bottom = padding
    elif len(padding) == 2:
        left = right = padding[0]
        top = bottom = padding[1]
    else:
        left, top, right, bottom = padding
    amounts = np.array([left, top, right, bottom])
    cropping = -np.minimum(amounts, 0)
    if cropping.any():
        crop_left, crop_top, crop_right, crop_bottom = (int(c) for c in cropping)
        img = img.crop((crop_left, crop_top, img.width - crop_right, img.height - crop_bottom))
    left, top, right, bottom = (int(p) for p in np.maximum(amounts, 0))
    palette = img.getpalette() if img.mode == "P" else None
    array = np.asarray(img)
    widths = ((top, bottom), (left, right)) + (((0, 0),) if array.ndim == 3 else ())
    padded = np.pad(array, widths, mode=padding_mode)
    result = Image.fromarray(padded)
    if palette is not None:
        result.putpalette(palette)
    return result


def crop(img, top: int, left: int, height: int, width: int):
    """The (height, width) window at (top, left); outside parts are black."""
    _check(img)
    return img.crop((left, top, left + width, top + height))


def resize(img, size: list[int], interpolation: int = 2):
    """Pillow's resize to [h, w] with a Pillow resampling filter."""
    _check(img)
    if not (isinstance(size, list) and len(size) == 2):
        raise TypeError(f"Got inappropriate size arg: {size}")
    return img.resize(tuple(size[::-1]), interpolation)


def affine(img, matrix: list[float], interpolation: int = 0, fill=None):
    """Pillow's affine transform with the inverse ``matrix``."""
    _check(img)
    Image = require_pil()
    opts = _parse_fill(fill, img)
    return img.transform(img.size, Image.Transform.AFFINE, matrix, interpolation, **opts)


def rotate(img, angle: float, interpolation: int = 0, expand: bool = False,
           center: Optional[tuple[int, int]] = None, fill=None):
    """Pillow's rotate (counter-clockwise degrees)."""
    _check(img)
    opts = _parse_fill(fill, img)
    return img.rotate(angle, interpolation, expand, center, **opts)


def perspective(img, perspective_coeffs: list[float], interpolation: int = 3, fill=None):
    """Pillow's perspective transform."""
    _check(img)
    Image = require_pil()
    opts = _parse_fill(fill, img)
    return img.transform(img.size, Image.Transform.PERSPECTIVE, perspective_coeffs, interpolation,
                         **opts)


def to_grayscale(img, num_output_channels: int):
    """Convert to 'L', or to 'RGB' with three identical bands."""
    _check(img)
    if num_output_channels == 1:
        return img.convert("L")
    if num_output_channels == 3:
        gray = np.array(img.convert("L"), dtype=np.uint8)
        return image_from_array(np.dstack([gray, gray, gray]), "RGB")
    raise ValueError("num_output_channels should be either 1 or 3")


def _image_ops(name: str, img, *args):
    _check(img)
    from PIL import ImageOps
    return getattr(ImageOps, name)(img, *args)


def invert(img):
    """Pillow's ImageOps.invert."""
    return _image_ops("invert", img)


def posterize(img, bits: int):
    """Pillow's ImageOps.posterize."""
    return _image_ops("posterize", img, bits)


def solarize(img, threshold: int):
    """Pillow's ImageOps.solarize."""
    return _image_ops("solarize", img, threshold)


def autocontrast(img):
    """Pillow's ImageOps.autocontrast."""
    return _image_ops("autocontrast", img)


def equalize(img):
    """Pillow's ImageOps.equalize."""
    return _image_ops("equalize", img)
