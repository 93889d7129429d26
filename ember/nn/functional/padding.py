"""nn.functional.pad: constant, reflect, replicate and circular padding."""
from __future__ import annotations

from ..._tensor import Tensor
from ...ops._padding import check_pad_list, constant_pad_nd, mode_pad

__all__ = ["pad"]

_MODES = ("constant", "reflect", "replicate", "circular")

_SUPPORTED = ("Supported combinations for non-constant padding:\n"
              "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
              "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
              "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")


def pad(input: Tensor, pad, mode: str = "constant", value=None) -> Tensor:
    """Pad the last ``len(pad) // 2`` dims of ``input``; ``pad`` lists (left, right) pairs
    starting from the last dim.  ``mode`` is 'constant' (with ``value``), 'reflect',
    'replicate' or 'circular' (the last three for 1 to 3 dims of a batched or unbatched input).
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"pad(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    if mode not in _MODES:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if mode == "constant":
        return constant_pad_nd(input, pad, 0 if value is None else value)
    if value is not None and value != 0:
        raise RuntimeError(f"Padding mode \"{mode}\" doesn't take in value argument")
    pad = check_pad_list(pad, input.dim())
    dims = len(pad) // 2
    if dims not in (1, 2, 3) or input.dim() not in (dims + 1, dims + 2):
        raise NotImplementedError(f"Padding size {len(pad)} is not supported for {input.dim()}D "
                                  f"input tensor.\n{_SUPPORTED}")
    return mode_pad(input, pad, mode)
