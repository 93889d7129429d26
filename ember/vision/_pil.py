"""Optional Pillow support: one place that imports PIL and says how to install it when missing."""
from __future__ import annotations

import sys
from typing import Any

import numpy as np

_INSTALL_HINT = ("{what} needs Pillow, which is not installed. Install it with "
                 "`pip install ember[vision]` (or `pip install pillow`).")


def require_pil(what: str = "This feature"):
    """The ``PIL.Image`` module, or an ImportError telling the user how to get it."""
    try:
        from PIL import Image
    except ImportError as error:
        raise ImportError(_INSTALL_HINT.format(what=what)) from error
    return Image


def is_pil_image(obj: Any) -> bool:
    """Whether ``obj`` is a PIL image, without importing Pillow when nobody has imported it."""
    module = sys.modules.get("PIL.Image")
    return module is not None and isinstance(obj, module.Image)


def image_from_array(array: np.ndarray, mode: str):
    """A PIL image of ``mode`` holding ``array`` (H, W) or (H, W, C), copied.

    Pillow deprecated (and later removed) ``fromarray``'s ``mode`` argument, so the bytes go
    through ``frombuffer`` with the raw decoder of the same mode.
    """
    Image = require_pil("Converting an array to a PIL image")
    data = np.ascontiguousarray(array)
    height, width = data.shape[0], (data.shape[1] if data.ndim > 1 else 1)
    return Image.frombuffer(mode, (width, height), data.tobytes(), "raw", mode, 0, 1)
