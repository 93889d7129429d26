"""nn.functional.unfold / fold: sliding blocks to columns (im2col) and back (col2im)."""
from __future__ import annotations

import math

from ..._tensor import Tensor
from ...ops.conv import _dense_plan, col2im_op, conv_output_size, im2col_op

__all__ = ["unfold", "fold"]


def _pair_arg(value, name: str) -> tuple:
    values = tuple(value) if isinstance(value, (list, tuple)) else (value, value)
    if len(values) != 2:
        raise RuntimeError(f"It is expected {name} equals to 2, but got size {len(values)}")
    return tuple(int(v) for v in values)


def _check_block_args(kernel, dilation, padding, stride) -> None:
    if any(k <= 0 for k in kernel):
        raise RuntimeError(f"kernel size should be greater than zero, but got kernel_height: "
                           f"{kernel[0]} kernel_width: {kernel[1]}")
    if any(d <= 0 for d in dilation):
        raise RuntimeError(f"dilation should be greater than zero, but got dilation_height: "
                           f"{dilation[0]} dilation_width: {dilation[1]}")
    if any(p < 0 for p in padding):
        raise RuntimeError(f"padding should be non-negative, but got pad_height: {padding[0]} "
                           f"pad_width: {padding[1]}")
    if any(s <= 0 for s in stride):
        raise RuntimeError(f"stride should be greater than zero, but got stride_height: "
                           f"{stride[0]} stride_width: {stride[1]}")


def _sizes(shape) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


def unfold(input: Tensor, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Extract sliding local blocks of a (N, C, H, W) or (C, H, W) input as columns
    (N, C * prod(kernel_size), L)."""
    kernel = _pair_arg(kernel_size, "kernel_size")
    dilation = _pair_arg(dilation, "dilation")
    padding = _pair_arg(padding, "padding")
    stride = _pair_arg(stride, "stride")
    _check_block_args(kernel, dilation, padding, stride)
    shape = input.shape
    if input.dim() not in (3, 4) or any(s == 0 for s in shape[-3:]):
        raise RuntimeError(f"Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and "
                           f"other non-zero dimensions for input, but got: {_sizes(shape)}")
    spatial = tuple(shape[-2:])
    blocks = tuple(conv_output_size(s, k, st, p, d) for s, k, st, p, d in
                   zip(spatial, kernel, stride, padding, dilation))
    if any(b < 1 for b in blocks):
        raise RuntimeError(f"Given input with spatial size {spatial}, kernel_size={kernel}, "
                           f"dilation={dilation}, padding={padding}, calculated shape of the "
                           f"array of sliding blocks as {blocks}, but its components must be at "
                           "least one.")
    return im2col_op(input, _dense_plan(spatial, kernel, stride, padding, dilation))


def fold(input: Tensor, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Sum columns (N, C * prod(kernel_size), L) back into a (N, C, *output_size) tensor: the
    adjoint of ``unfold`` (overlapping blocks add up)."""
    out = _pair_arg(output_size, "output_size")
    kernel = _pair_arg(kernel_size, "kernel_size")
    dilation = _pair_arg(dilation, "dilation")
    padding = _pair_arg(padding, "padding")
    stride = _pair_arg(stride, "stride")
    _check_block_args(kernel, dilation, padding, stride)
    shape = input.shape
    if input.dim() not in (2, 3) or any(s == 0 for s in shape[-2:]):
        raise RuntimeError(f"Expected 2D or 3D (batch mode) tensor for input with possibly 0 "
                           f"batch size and non-zero dimensions for input, but got: "
                           f"{_sizes(shape)}")
    rows, length = shape[-2], shape[-1]
    per_channel = math.prod(kernel)
    if rows % per_channel:
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product "
                           f"of kernel_size, but got input.size(1)={rows} and "
                           f"kernel_size={kernel}.")
    blocks = tuple(conv_output_size(s, k, st, p, d) for s, k, st, p, d in
                   zip(out, kernel, stride, padding, dilation))
    if math.prod(blocks) != length or any(b < 1 for b in blocks):
        raise RuntimeError(f"Given output_size={out}, kernel_size={kernel}, dilation={dilation}, "
                           f"padding={padding}, stride={stride}, expected size of input's "
                           f"dimension 2 to match the calculated number of sliding blocks "
                           f"{blocks[0]} * {blocks[1]} = {math.prod(blocks)}, but got "
                           f"input.size(2)={length}.")
    return col2im_op(input, _dense_plan(out, kernel, stride, padding, dilation),
                     rows // per_channel)
