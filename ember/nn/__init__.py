"""torch.nn: Module, Parameter, the layers, ``functional`` (F), ``init`` and ``utils``."""
from __future__ import annotations

from .parameter import Buffer, Parameter, UninitializedBuffer, UninitializedParameter
from .modules import *  # noqa: F401,F403
from . import functional, init, utils  # noqa: E402
from .modules.lazy import LazyModuleMixin  # noqa: F401
