"""nn.functional: convolutions (conv1d-3d, conv_transpose1d-3d, conv_tbc).

They are the same functions as ``ember.conv2d`` and friends: one primitive, ``convolution``,
with ``ConvolutionBackward0`` (see ember/ops/conv.py).
"""
from __future__ import annotations

from ...ops.conv import (conv1d, conv2d, conv3d, conv_tbc, conv_transpose1d, conv_transpose2d,
                         conv_transpose3d)

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d", "conv_tbc"]
