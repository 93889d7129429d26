"""Image transforms (``torchvision.transforms``): classes here, functions in ``.functional``."""
from . import functional
from .transforms import *  # noqa: F401,F403
from .transforms import __all__ as _transform_names

__all__ = ["functional", *_transform_names]
