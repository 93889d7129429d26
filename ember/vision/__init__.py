"""ember.vision: torchvision's datasets, transforms, image I/O and utilities for ember.

``import ember.vision`` works without Pillow (tensor transforms, I/O of raw bytes, make_grid);
PIL images, image decoding/encoding and the image datasets' samples need ``pip install
ember[vision]``.
"""
from __future__ import annotations

from . import datasets, io, transforms, utils

__version__ = "0.28.0"

_image_backend = "PIL"


def set_image_backend(backend: str) -> None:
    """Choose the package used to load images ('PIL'; 'accimage' is not available in ember)."""
    global _image_backend
    if backend not in ("PIL", "accimage"):
        raise ValueError(f"Invalid backend '{backend}'. Options are 'PIL' and 'accimage'")
    if backend == "accimage":
        raise ValueError("The 'accimage' backend is not available in ember; use 'PIL'")
    _image_backend = backend


def get_image_backend() -> str:
    """The package used to load images."""
    return _image_backend


__all__ = ["datasets", "io", "transforms", "utils", "set_image_backend", "get_image_backend"]
