"""torch.nn.utils: gradient clipping, parameter/vector conversion, RNN packing,
parametrizations."""
from __future__ import annotations

from . import rnn  # noqa: E402,F401
