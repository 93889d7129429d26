"""Reading and writing images as tensors (``torchvision.io``'s image functions), through Pillow.

Images are uint8 tensors shaped (C, H, W); encoded files are 1-D uint8 tensors of their bytes.
``read_file``/``write_file`` need no Pillow; decoding and encoding do (``pip install
ember[vision]``).
"""
from __future__ import annotations

import io as _bytes_io
import os
from enum import Enum

import numpy as np

import ember

from .. import Tensor
from ._pil import require_pil

__all__ = ["ImageReadMode", "read_file", "write_file", "decode_image", "decode_png",
           "decode_jpeg", "encode_png", "encode_jpeg", "write_png", "write_jpeg", "read_image"]


class ImageReadMode(Enum):
    """How to convert a decoded image: as stored, or to gray / gray+alpha / RGB / RGB+alpha."""

    UNCHANGED = 0
    GRAY = 1
    GRAY_ALPHA = 2
    RGB = 3
    RGB_ALPHA = 4
    RGBA = RGB_ALPHA  # alias, as torchvision has


_TARGET_PIL_MODE = {ImageReadMode.GRAY: "L", ImageReadMode.GRAY_ALPHA: "LA",
                    ImageReadMode.RGB: "RGB", ImageReadMode.RGB_ALPHA: "RGBA"}


def read_file(path) -> Tensor:
    """The bytes of the file at ``path`` as a 1-D uint8 tensor."""
    with open(os.fspath(path), "rb") as handle:
        data = handle.read()
    return ember.from_numpy(np.frombuffer(data, dtype=np.uint8).copy())


def write_file(filename, data: Tensor) -> None:
    """Write the bytes held in a 1-D uint8 tensor to ``filename``."""
    _check_byte_tensor(data)
    with open(os.fspath(filename), "wb") as handle:
        handle.write(np.ascontiguousarray(data.detach().numpy()).tobytes())


def _check_byte_tensor(data: Tensor) -> None:
    if not isinstance(data, Tensor):
        raise TypeError(f"Expected a tensor of bytes, got {type(data)}")
    if data.dtype != ember.uint8:
        raise RuntimeError(f"Expected a torch.uint8 tensor, got {data.dtype}")
    if data.ndim != 1:
        raise RuntimeError(f"Expected a one dimensional tensor, got {data.ndim} dims")


def _as_mode(mode) -> ImageReadMode:
    if isinstance(mode, str):
        return ImageReadMode[mode.upper()]
    return mode


def _native_mode(image) -> str:
    """The PIL mode that holds an image 'as stored' in uint8 bands, as libpng/libjpeg would
    expand it (palettes to RGB or RGBA, bilevel to 8-bit gray, CMYK to RGB)."""
    if image.mode == "P":
        return "RGBA" if "transparency" in image.info else "RGB"
    if image.mode == "PA":
        return "RGBA"
    if image.mode == "1":
        return "L"
    if image.mode in ("CMYK", "YCbCr", "HSV", "LAB"):
        return "RGB"
    return image.mode


def _image_to_tensor(image, mode: ImageReadMode) -> Tensor:
    if mode == ImageReadMode.UNCHANGED:
        target = _native_mode(image)
    else:
        target = _TARGET_PIL_MODE[mode]
    if image.mode.startswith("I;16") and mode == ImageReadMode.UNCHANGED:
        # 16-bit images: torchvision returns uint16, which ember lacks; int32 holds every value.
        array = np.asarray(image, dtype=np.int32)
    elif image.mode in ("I", "F", "I;16", "I;16B") and target in ("L", "LA", "RGB", "RGBA"):
        # Pillow's own I->L conversion clips instead of scaling; scale 16-bit data down by 257.
        wide = np.asarray(image, dtype=np.float64)
        gray = np.clip(np.round(wide / 257.0), 0, 255).astype(np.uint8)
        image = require_pil().fromarray(gray).convert(target)
        array = np.asarray(image)
    else:
        if image.mode != target:
            image = image.convert(target)
        array = np.asarray(image)
    if array.ndim == 2:
        array = array[:, :, None]
    return ember.from_numpy(np.ascontiguousarray(array.transpose(2, 0, 1)))


def decode_image(input, mode=ImageReadMode.UNCHANGED, apply_exif_orientation: bool = False) -> Tensor:
    """Decode an image (the 1-D uint8 tensor of a file's bytes, or a path) to (C, H, W) uint8."""
    Image = require_pil("decode_image")
    if not isinstance(input, Tensor):
        input = read_file(str(input))
    _check_byte_tensor(input)
    mode = _as_mode(mode)
    buffer = _bytes_io.BytesIO(np.ascontiguousarray(input.numpy()).tobytes())
    try:
        image = Image.open(buffer)
        image.load()
    except Exception as error:  # Pillow raises several types for undecodable data
        raise RuntimeError(f"Unsupported image file. Only jpeg, png, webp and gif are currently "
                           f"supported. ({error})") from error
    if apply_exif_orientation:
        from PIL import ImageOps
        image = ImageOps.exif_transpose(image)
    return _image_to_tensor(image, mode)


def decode_png(input: Tensor, mode=ImageReadMode.UNCHANGED,
               apply_exif_orientation: bool = False) -> Tensor:
    """Decode PNG bytes to a (C, H, W) tensor."""
    return decode_image(input, mode, apply_exif_orientation)


def decode_jpeg(input, mode=ImageReadMode.UNCHANGED, device="cpu",
                apply_exif_orientation: bool = False):
    """Decode JPEG bytes (or a list of them) to (C, H, W) uint8 tensor(s)."""
    if isinstance(input, list):
        if len(input) == 0:
            raise ValueError("Input list must contain at least one element")
        if not all(isinstance(t, Tensor) for t in input):
            raise ValueError("All elements of the input list must be tensors.")
        return [decode_image(t, mode, apply_exif_orientation) for t in input]
    return decode_image(input, mode, apply_exif_orientation)


def read_image(path, mode=ImageReadMode.UNCHANGED, apply_exif_orientation: bool = False) -> Tensor:
    """Read and decode the image file at ``path`` to a (C, H, W) uint8 tensor."""
    return decode_image(read_file(path), mode, apply_exif_orientation)


def _image_array(input: Tensor, allowed_channels: tuple) -> np.ndarray:
    if not isinstance(input, Tensor):
        raise TypeError(f"Expected a tensor image, got {type(input)}")
    if input.dtype != ember.uint8:
        raise RuntimeError(f"Input tensor dtype should be uint8, got {input.dtype}")
    if input.ndim != 3:
        raise RuntimeError(f"Input data should be a 3-dimensional tensor, got {input.ndim} dims")
    channels = input.shape[0]
    if channels not in allowed_channels:
        wanted = " or ".join(str(c) for c in allowed_channels)
        raise RuntimeError(f"The number of channels should be {wanted}, got: {channels}")
    array = np.ascontiguousarray(input.detach().numpy().transpose(1, 2, 0))
    return array[:, :, 0] if channels == 1 else array


def _encode(array: np.ndarray, fmt: str, **options) -> Tensor:
    Image = require_pil(f"encode_{fmt.lower()}")
    buffer = _bytes_io.BytesIO()
    Image.fromarray(array).save(buffer, format=fmt, **options)
    return ember.from_numpy(np.frombuffer(buffer.getvalue(), dtype=np.uint8).copy())


def encode_png(input: Tensor, compression_level: int = 6) -> Tensor:
    """PNG bytes (1-D uint8 tensor) of a (C, H, W) uint8 image with 1 or 3 channels."""
    if not 0 <= compression_level <= 9:
        raise RuntimeError("Compression level should be between 0 and 9")
    array = _image_array(input, (1, 3))
    return _encode(array, "PNG", compress_level=compression_level)


def write_png(input: Tensor, filename, compression_level: int = 6) -> None:
    """Encode a (C, H, W) uint8 image as PNG and write it to ``filename``."""
    write_file(filename, encode_png(input, compression_level))


def encode_jpeg(input, quality: int = 75):
    """JPEG bytes (1-D uint8 tensor) of a (C, H, W) uint8 image, or a list of them."""
    if quality < 1 or quality > 100:
        raise ValueError("Image quality should be a positive number between 1 and 100")
    if isinstance(input, list):
        if not input:
            raise ValueError("encode_jpeg requires at least one input tensor when a list is passed")
        return [encode_jpeg(image, quality) for image in input]
    array = _image_array(input, (1, 3))
    return _encode(array, "JPEG", quality=quality)


def write_jpeg(input: Tensor, filename, quality: int = 75) -> None:
    """Encode a (C, H, W) uint8 image as JPEG and write it to ``filename``."""
    write_file(filename, encode_jpeg(input, quality))

