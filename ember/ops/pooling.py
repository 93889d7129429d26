"""Pooling primitives: max / average pooling (1-3 spatial dims), their adaptive forms and
max unpooling, each forward beside the backward node PyTorch names.

Windows are strided views of the (padded) input, one view per kernel offset, so a pooling
pass is ``prod(kernel)`` vectorized NumPy operations over output-sized arrays, never a loop
over pixels.  Max pooling keeps, like PyTorch, the flat index of each maximum within its
(unpadded) plane; the backward pass scatters the gradient to those indices (a plain indexed
store when windows cannot overlap, ``bincount`` when they can).  The 1-d forms run through
the 2-d kernels on an unsqueezed input, as PyTorch does (their grad_fn is SqueezeBackward1).
"""
from __future__ import annotations

import math
import operator

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.grad_mode import state as grad_state
from ..autograd.node import Node
from ..backends import contiguous_array, holds_values

wrap = Tensor._make
_HALF_TYPES = (np.dtype(np.float16), D.bfloat16.np)
_F32 = np.dtype(np.float32)
_I64 = np.dtype(np.int64)


def _sizes(shape) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


def _compute(arr: np.ndarray) -> np.ndarray:
    return arr.astype(_F32) if arr.dtype in _HALF_TYPES else arr


def _finish(arr: np.ndarray, np_dtype) -> Tensor:
    return wrap(arr if arr.dtype == np_dtype else arr.astype(np_dtype))


# ----------------------------------------------------------------------------------------------
# arguments and output sizes
# ----------------------------------------------------------------------------------------------

def _int_tuple(value, dims: int, what: str, name: str, allow_empty: bool = False) -> tuple:
    """kernel_size / stride / padding / dilation as a ``dims``-tuple, in PyTorch's words."""
    if isinstance(value, (list, tuple)):
        values = tuple(operator.index(v) for v in value)
    else:
        values = (operator.index(value),)
    if allow_empty and len(values) == 0:
        return ()
    if len(values) == 1:
        return values * dims
    if len(values) != dims:
        if name.endswith("1d"):
            raise RuntimeError(f"{name}() argument '{what}' should contain one int (got "
                               f"{len(values)})")
        count = {2: "two", 3: "three"}[dims]
        if what == "stride":
            raise RuntimeError(f"{name}: stride must either be omitted, a single int, or a tuple "
                               f"of {count} ints")
        either = "" if name == "avg_pool3d" else "either "
        raise RuntimeError(f"{name}: {what} must {either}be a single int, or a tuple of {count} "
                           "ints")
    return values


def pool_output_size(size: int, kernel: int, pad: int, stride: int, dilation: int,
                     ceil_mode: bool) -> int:
    """PyTorch's pooling output length, including the ceil-mode rule that the last window
    must start inside the input or the left padding."""
    span = size + 2 * pad - dilation * (kernel - 1) - 1
    out = (span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + pad:
        out -= 1
    return out


def _pool_params(kernel_size, stride, padding, dilation, dims: int, name: str):
    kernel = _int_tuple(kernel_size, dims, "kernel_size", name)
    if stride is None:
        stride = ()
    stride = _int_tuple(stride, dims, "stride", name, allow_empty=True) or kernel
    padding = _int_tuple(padding, dims, "padding", name)
    dilation = _int_tuple(dilation, dims, "dilation", name)
    return kernel, stride, padding, dilation


def _check_pool(arr: np.ndarray, dims: int, kernel, stride, padding, dilation, ceil_mode: bool,
                name: str, is_max: bool) -> tuple:
    """PyTorch's pool shape checks; returns the output spatial size."""
    if any(s <= 0 for s in stride):
        raise RuntimeError("stride should not be zero")
    if any(k <= 0 for k in kernel):
        names = " ".join(f"k{c}: {k}" for c, k in zip("THW"[-dims:], kernel))
        raise RuntimeError(f"kernel size should be greater than zero, but got {names}")
    if any(d <= 0 for d in dilation):
        letters = ("T", "H", "W")[-dims:] if dims == 3 else ("H", "W")[-dims:]
        names = " ".join(f"dilation{c}: {d}" for c, d in zip(letters, dilation))
        raise RuntimeError(f"dilation should be greater than zero, but got {names}")
    ndim = arr.ndim
    if dims == 3 and ndim in (4, 5) and 0 in arr.shape[ndim - 4:]:
        where = "max_pool3d_with_indices_out_cpu_template" if is_max else "avg_pool3d"
        empty = arr.shape[ndim - 4:].index(0)
        raise RuntimeError(f"{where}(): Expected input's non-batch dimensions to have positive "
                           f"length, but input has a shape of {_sizes(arr.shape)} and non-batch "
                           f"dimension {empty} has length zero!")
    if ndim not in (dims + 1, dims + 2) or any(s == 0 for s in arr.shape[ndim - dims - 1:]):
        if ndim in (dims + 1, dims + 2) and arr.shape[ndim - dims - 1] == 0 and ndim == dims + 2:
            raise RuntimeError(f"Expected {dims + 1}D or {dims + 2}D (batch mode) tensor with "
                               f"optional 0 dim batch size for input, but got:{_sizes(arr.shape)}")
        if ndim in (dims + 1, dims + 2):
            raise RuntimeError(f"Expected {dims + 1}D or {dims + 2}D (batch mode) tensor with "
                               f"optional 0 dim batch size for input, but got:{_sizes(arr.shape)}")
        raise RuntimeError(f"non-empty {dims + 1}D or {dims + 2}D (batch mode) tensor expected "
                           "for input")
    if any(p < 0 for p in padding):
        raise RuntimeError(f"pad must be non-negative, but got pad: {min(padding)}")
    for k, p, d in zip(kernel, padding, dilation):
        if p > ((k - 1) * d + 1) // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got "
                               f"pad={p}, kernel_size={k} and dilation={d}")
    if is_max and any(p > k // 2 for k, p in zip(kernel, padding)):
        # PyTorch's max-pool kernels check the undilated kernel, too.
        if dims == 2:
            raise RuntimeError(f"pad should be smaller than or equal to half of kernel size, but "
                               f"got padW = {padding[1]}, padH = {padding[0]}, kW = {kernel[1]}, "
                               f"kH = {kernel[0]}")
        raise RuntimeError(f"pad should be smaller than or equal to half of kernel size, but got "
                           f"kT: {kernel[0]} kW: {kernel[2]} kH: {kernel[1]} padT: {padding[0]} "
                           f"padW: {padding[2]} padH: {padding[1]}")
    spatial = arr.shape[ndim - dims:]
    out = tuple(pool_output_size(s, k, p, st, d, ceil_mode)
                for s, k, p, st, d in zip(spatial, kernel, padding, stride, dilation))
    if any(o < 1 for o in out):
        plane = arr.shape[ndim - dims - 1]
        given = "x".join(str(v) for v in (plane,) + spatial)
        calc = "x".join(str(v) for v in (plane,) + out)
        raise RuntimeError(f"Given input size: ({given}). Calculated output size: ({calc}). "
                           "Output size is too small")
    return out


# ----------------------------------------------------------------------------------------------
# window views
# ----------------------------------------------------------------------------------------------

def _padded(x: np.ndarray, padding, out, kernel, stride, dilation, fill) -> tuple:
    """``x`` (B, *spatial) padded with ``fill`` far enough for every window; and its origin."""
    spatial = x.shape[1:]
    need = [(o - 1) * s + (k - 1) * d + 1 for o, s, k, d in zip(out, stride, kernel, dilation)]
    rights = [max(n - sp - p, 0) for n, sp, p in zip(need, spatial, padding)]
    if not any(padding) and not any(rights):
        return x
    shape = (x.shape[0],) + tuple(sp + p + r for sp, p, r in zip(spatial, padding, rights))
    buf = np.full(shape, fill, dtype=x.dtype, like=x)
    buf[(slice(None),) + tuple(slice(p, p + sp) for p, sp in zip(padding, spatial))] = x
    return buf


def _window_views(xp: np.ndarray, out, kernel, stride, dilation):
    """One strided view (B, *out) per kernel offset, in row-major kernel order."""
    views = []
    for index in np.ndindex(*kernel):
        where = tuple(slice(k * d, k * d + s * (o - 1) + 1, s)
                      for k, d, s, o in zip(index, dilation, stride, out))
        views.append(xp[(slice(None),) + where])
    return views


def _overlapping(kernel, stride, dilation) -> bool:
    return any(s < (k - 1) * d + 1 for k, s, d in zip(kernel, stride, dilation))


# ----------------------------------------------------------------------------------------------
# max pooling
# ----------------------------------------------------------------------------------------------

def _lowest(np_dtype):
    if np_dtype.kind == "f":
        return -np.inf
    return np.iinfo(np_dtype).min


def _max_pool_arrays(x: np.ndarray, kernel, stride, padding, dilation, out):
    """(values, flat indices within each plane) of max pooling ``x`` (B, *spatial)."""
    if not holds_values(x):  # meta: shapes only
        shape = x.shape[:1] + tuple(out)
        return np.empty(shape, x.dtype, like=x), np.empty(shape, _I64, like=x)
    spatial = x.shape[1:]
    xp = _padded(x, padding, out, kernel, stride, dilation, _lowest(x.dtype))
    views = _window_views(xp, out, kernel, stride, dilation)
    values = views[0].copy()
    for v in views[1:]:
        np.maximum(values, v, out=values)
    # Flat index of each window's first element in the unpadded plane, and each offset's step.
    plane_strides = [math.prod(spatial[i + 1:]) for i in range(len(spatial))]
    base = np.zeros((), dtype=_I64)
    for o, s, p, ps in zip(out, stride, padding, plane_strides):
        base = base[..., None] + (np.arange(o, dtype=_I64) * s - p) * ps
    offsets = [sum(k * d * ps for k, d, ps in zip(index, dilation, plane_strides))
               for index in np.ndindex(*kernel)]
    valid = _valid_masks(spatial, out, kernel, stride, padding, dilation) \
        if xp is not x else None
    # The first maximum of each window, as PyTorch's kernels pick it: a Horner-style pass from
    # the last offset back, local = 0 where offset k matches, else 1 + (local of k + 1), in
    # one-byte arithmetic.  Padding positions never count (an all -inf window still points
    # into the image).
    count = len(views)
    local = np.zeros(values.shape, dtype=np.uint8 if count < 256 else np.int32)
    for k in range(count - 2, -1, -1):
        differs = np.not_equal(views[k], values)
        if valid is not None:
            differs |= ~valid[k]
        local += 1
        local *= differs
    if valid is not None:
        # A window whose last offset is padding fell through to it; walk forward instead.
        last_bad = ~valid[-1] & (local == count - 1)
        if last_bad.any():
            for k in range(count - 1):
                fix = last_bad & (views[k] == values) & valid[k]
                local[fix] = k
                last_bad &= ~fix
    indices = np.take(np.asarray(offsets, dtype=_I64), local)
    indices += base
    if valid is not None and last_bad.any():
        # No tap of the window lands in the image: PyTorch's kernel reports where its loop
        # would have started, each dim's first tap stepped by the dilation past the padding.
        first = np.zeros((), dtype=_I64)
        for o, s, p, d, ps in zip(out, stride, padding, dilation, plane_strides):
            start = np.arange(o, dtype=_I64) * s - p
            start = np.where(start < 0, start + (-start + d - 1) // d * d, start)
            first = first[..., None] + start * ps
        np.copyto(indices, np.broadcast_to(first, indices.shape), where=last_bad)
    if values.dtype.kind == "f":
        nan = np.isnan(values)
        if nan.any():
            # PyTorch keeps the last NaN of a window.
            for v, offset in zip(views, offsets):
                np.copyto(indices, base + offset, where=np.isnan(v))
    return values, indices


def _valid_masks(spatial, out, kernel, stride, padding, dilation) -> list:
    """Per kernel offset, which output positions read a real (not padding) input element."""
    per_dim = []
    for size, o, k, s, p, d in zip(spatial, out, kernel, stride, padding, dilation):
        position = np.arange(o)[:, None] * s - p + np.arange(k)[None, :] * d
        per_dim.append((position >= 0) & (position < size))
    masks = []
    for index in np.ndindex(*kernel):
        mask = np.ones((), dtype=bool)
        for axis, k in enumerate(index):
            mask = mask[..., None] & per_dim[axis][:, k]
        masks.append(mask)
    return masks


def _scatter_to_planes(g: np.ndarray, indices: np.ndarray, plane: int, overlapping: bool):
    """Zeros of (B, plane) with ``g`` (B, ...) added at the flat ``indices`` of each row."""
    b = g.shape[0]
    if not holds_values(g):
        return np.zeros((b, plane), g.dtype, like=g)
    indices = indices.reshape(b, -1)
    values = g.reshape(b, -1)
    if indices.size and indices.max() >= plane:
        # A window with no tap in the image points past it (PyTorch's kernel writes there,
        # out of bounds); its -inf output passes no gradient on.
        inside = indices < plane
        values = np.where(inside, values, 0)
        indices = np.where(inside, indices, 0)
    flat = (indices + (np.arange(b, dtype=_I64) * plane)[:, None]).reshape(-1)
    values = values.reshape(-1)
    if overlapping:
        summed = np.bincount(flat, weights=values, minlength=b * plane)
        return summed.astype(g.dtype, copy=False).reshape(b, plane)
    out = np.zeros(b * plane, dtype=g.dtype)
    out[flat] = values
    return out.reshape(b, plane)


class _MaxPoolBackward(Node):
    def backward(self, grad):
        return (max_pool_grad(grad, self.indices, self.input_shape, self.dims, self.overlapping,
                              self.prefix),)


class _MaxPoolBackwardBackward(Node):
    def backward(self, grad):
        return (_gather_planes(grad, self.indices, self.dims),)


class MaxPool2DWithIndicesBackward0(_MaxPoolBackward):
    pass


class MaxPool3DWithIndicesBackward0(_MaxPoolBackward):
    pass


class AdaptiveMaxPool2DBackward0(_MaxPoolBackward):
    pass


class FractionalMaxPool2DBackward0(_MaxPoolBackward):
    pass


class FractionalMaxPool3DBackward0(_MaxPoolBackward):
    pass


class FractionalMaxPool2DBackwardBackward0(_MaxPoolBackwardBackward):
    pass


class FractionalMaxPool3DBackwardBackward0(_MaxPoolBackwardBackward):
    pass


class AdaptiveMaxPool3DBackward0(_MaxPoolBackward):
    pass


class MaxPool2DWithIndicesBackwardBackward0(_MaxPoolBackwardBackward):
    pass


class MaxPool3DWithIndicesBackwardBackward0(_MaxPoolBackwardBackward):
    pass


class AdaptiveMaxPool2DBackwardBackward0(_MaxPoolBackwardBackward):
    pass


class AdaptiveMaxPool3DBackwardBackward0(_MaxPoolBackwardBackward):
    pass


_GRAD_NODES = {
    "MaxPool2DWithIndices": MaxPool2DWithIndicesBackwardBackward0,
    "MaxPool3DWithIndices": MaxPool3DWithIndicesBackwardBackward0,
    "AdaptiveMaxPool2D": AdaptiveMaxPool2DBackwardBackward0,
    "AdaptiveMaxPool3D": AdaptiveMaxPool3DBackwardBackward0,
    "FractionalMaxPool2D": FractionalMaxPool2DBackwardBackward0,
    "FractionalMaxPool3D": FractionalMaxPool3DBackwardBackward0,
}


def _gather_planes(values: Tensor, indices: np.ndarray, dims: int) -> Tensor:
    """``values`` (…, *spatial) read at the flat per-plane ``indices`` (…, *out)."""
    from .reduce import gather_along
    lead = values._data.shape[:values._data.ndim - dims]
    flat = values.reshape(lead + (-1,))
    index = indices.reshape(lead + (-1,))
    plane = flat._data.shape[-1]
    if index.size and index.max() >= plane:
        # windows with no tap in the image (see _scatter_to_planes) read nothing: zero
        inside = index < plane
        read = gather_along(flat, len(lead), np.where(inside, index, 0))
        return (read * wrap(inside.astype(read._data.dtype))).reshape(indices.shape)
    return gather_along(flat, len(lead), index).reshape(indices.shape)


def max_pool_grad(grad: Tensor, indices: np.ndarray, input_shape, dims: int, overlapping: bool,
                  prefix: str) -> Tensor:
    """The input gradient of a max pool: ``grad`` scattered to the saved argmax indices."""
    g = grad._data
    lead = input_shape[:len(input_shape) - dims]
    b = math.prod(lead)
    plane = math.prod(input_shape[len(input_shape) - dims:])
    arr = _scatter_to_planes(_compute(g).reshape((b, -1)), indices.reshape(b, -1), plane,
                             overlapping)
    result = _finish(arr.reshape(input_shape), g.dtype)
    if grad_state.enabled and grad._rg:
        node = _GRAD_NODES[prefix]((grad,), result)
        node.indices, node.dims = indices, dims
    return result


def _max_pool_nd(input: Tensor, dims: int, kernel_size, stride, padding, dilation, ceil_mode,
                 name: str):
    """(values, indices) tensors of max pooling over the last ``dims`` dims."""
    kernel, stride, padding, dilation = _pool_params(kernel_size, stride, padding, dilation,
                                                     dims, name)
    arr = input._data
    if arr.dtype == np.bool_:
        raise NotImplementedError(f"\"{name}\" not implemented for 'Bool'")
    out = _check_pool(arr, dims, kernel, stride, padding, dilation, ceil_mode, name, True)
    lead = arr.shape[:arr.ndim - dims]
    b = math.prod(lead)
    x = _compute(arr).reshape((b,) + arr.shape[arr.ndim - dims:])
    if b == 0:
        values = np.zeros((0,) + out, dtype=x.dtype, like=x)
        indices = np.zeros((0,) + out, dtype=_I64, like=x)
    else:
        values, indices = _max_pool_arrays(x, kernel, stride, padding, dilation, out)
    values = _finish(values.reshape(lead + out), arr.dtype)
    indices = wrap(indices.reshape(lead + out))
    if grad_state.enabled and input._rg:
        prefix = f"MaxPool{dims}DWithIndices"
        node_cls = MaxPool2DWithIndicesBackward0 if dims == 2 else MaxPool3DWithIndicesBackward0
        node = node_cls((input,), values)
        node.indices, node.input_shape, node.dims = indices._data, arr.shape, dims
        node.overlapping = _overlapping(kernel, stride, dilation)
        node.prefix = prefix
    return values, indices


def max_pool2d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode: bool = False):
    """2-D max pooling: (values, flat per-plane indices of the maxima)."""
    return _max_pool_nd(input, 2, kernel_size, stride, padding, dilation, ceil_mode,
                        "max_pool2d")


def max_pool3d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode: bool = False):
    """3-D max pooling: (values, flat per-plane indices of the maxima)."""
    return _max_pool_nd(input, 3, kernel_size, stride, padding, dilation, ceil_mode,
                        "max_pool3d")


def _check_1d(input: Tensor, name: str, message: str) -> None:
    if input._data.ndim not in (2, 3):
        raise RuntimeError(message.format(name=name, shape=_sizes(input._data.shape),
                                          ndim=input._data.ndim))


def max_pool1d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode: bool = False):
    """1-D max pooling: (values, indices), computed as 2-D pooling of height 1."""
    _check_1d(input, "max_pool1d", "{name}: Expected 2D or 3D (batch mode) tensor with optional "
              "0 dim batch size for input, but got:{shape}")
    if input._data.shape[-1] == 0 or (input._data.ndim == 3 and input._data.shape[1] == 0):
        raise RuntimeError(f"max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 "
                           f"dim batch size for input, but got:{_sizes(input._data.shape)}")
    kernel, stride, padding, dilation = _pool_params(kernel_size, stride, padding, dilation, 1,
                                                     "max_pool1d")
    values, indices = _max_pool_nd(input.unsqueeze(-2), 2, (1,) + kernel, (1,) + stride,
                                   (0,) + padding, (1,) + dilation, ceil_mode, "max_pool1d")
    return values.squeeze(-2), indices.squeeze(-2)


def _check_max_pool1d(input: Tensor, kernel_size, stride, padding, dilation, ceil_mode):
    """The checks of PyTorch's index-free max_pool1d kernel (its own wording)."""
    def one(value, what):
        values = tuple(value) if isinstance(value, (list, tuple)) else (value,)
        if len(values) != 1:
            raise RuntimeError(f"max_pool1d() {what} must be an int, list of ints or tuple of "
                               f"ints of size 1 but got size {len(values)}")
        return operator.index(values[0])
    kernel = one(kernel_size, "kernel_size")
    stride = one(stride, "stride") if stride not in (None, (), []) else kernel
    padding, dilation = one(padding, "padding"), one(dilation, "dilation")
    _check_1d(input, "max_pool1d", "{name}: Expected 2D or 3D (batch mode) tensor with optional "
              "0 dim batch size for input, but got:{shape}")
    if input._data.shape[-1] == 0 or (input._data.ndim == 3 and input._data.shape[1] == 0):
        raise RuntimeError(f"max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 "
                           f"dim batch size for input, but got:{_sizes(input._data.shape)}")
    if kernel <= 0:
        raise RuntimeError(f"max_pool1d() kernel_size must be greater than zero, but got {kernel}")
    if stride <= 0:
        raise RuntimeError(f"max_pool1d() stride must be greater than zero, but got {stride}")
    if padding < 0:
        raise RuntimeError(f"max_pool1d() padding must be non-negative, but got {padding}")
    if padding > kernel // 2:
        raise RuntimeError(f"max_pool1d() padding should be at most half of kernel size, but got "
                           f"padding={padding} and kernel_size={kernel}")
    if dilation <= 0:
        raise RuntimeError(f"max_pool1d() dilation must be greater than zero, but got {dilation}")
    out = pool_output_size(input._data.shape[-1], kernel, padding, stride, dilation, ceil_mode)
    if out < 0:
        raise RuntimeError(f"max_pool1d() Invalid computed output size: {out}")


def max_pool1d(input: Tensor, kernel_size, stride=(), padding=0, dilation=1,
               ceil_mode: bool = False) -> Tensor:
    """1-D max pooling over the last dim of (N, C, L) or (C, L) input."""
    _check_max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode)
    return max_pool1d_with_indices(input, kernel_size, stride or None, padding, dilation,
                                   ceil_mode)[0]


def max_pool2d(input: Tensor, kernel_size, stride=(), padding=0, dilation=1,
               ceil_mode: bool = False) -> Tensor:
    """2-D max pooling over the last two dims."""
    return max_pool2d_with_indices(input, kernel_size, stride or None, padding, dilation,
                                   ceil_mode)[0]


def max_pool3d(input: Tensor, kernel_size, stride=(), padding=0, dilation=1,
               ceil_mode: bool = False) -> Tensor:
    """3-D max pooling over the last three dims."""
    return max_pool3d_with_indices(input, kernel_size, stride or None, padding, dilation,
                                   ceil_mode)[0]


# ----------------------------------------------------------------------------------------------
# average pooling
# ----------------------------------------------------------------------------------------------

def _avg_divisor(spatial, out, kernel, stride, padding, count_include_pad, divisor_override):
    """The divisor of every output position, as a (*out) array (or a number)."""
    if divisor_override is not None:
        return divisor_override
    divisor = np.ones((), dtype=np.int64)
    for size, o, k, s, p in zip(spatial, out, kernel, stride, padding):
        start = np.arange(o, dtype=np.int64) * s - p
        end = np.minimum(start + k, size + p)
        if count_include_pad:
            count = end - start
        else:
            count = np.minimum(end, size) - np.maximum(start, 0)
        divisor = divisor[..., None] * count
    return divisor


def _avg_pool_array(x, kernel, stride, padding, out, divisor):
    xp = _padded(x, padding, out, kernel, stride, (1,) * len(kernel), 0)
    views = _window_views(xp, out, kernel, stride, (1,) * len(kernel))
    total = views[0].copy()
    for v in views[1:]:
        total += v
    if total.dtype.kind in "iu":
        # Integer pooling divides and truncates toward zero, as C++ integer division.
        quotient = np.abs(total) // np.abs(divisor)
        return (np.sign(total) * np.sign(divisor) * quotient).astype(total.dtype)
    divisor = np.asarray(divisor, dtype=total.dtype) if not isinstance(divisor, int) else divisor
    total /= divisor
    return total


def _avg_pool_grad_array(g, spatial, kernel, stride, padding, out, divisor):
    """Adjoint of _avg_pool_array: every output gradient spread evenly over its window."""
    b = g.shape[0]
    share = g / (np.asarray(divisor, dtype=g.dtype) if not isinstance(divisor, int) else divisor)
    padded = tuple(max(sp + 2 * p, (o - 1) * s + k)
                   for sp, p, o, s, k in zip(spatial, padding, out, stride, kernel))
    buf = np.zeros((b,) + padded, dtype=g.dtype, like=g)
    for view in _window_views(buf, out, kernel, stride, (1,) * len(kernel)):
        view += share
    inner = tuple(slice(p, p + sp) for p, sp in zip(padding, spatial))
    return contiguous_array(buf[(slice(None),) + inner])


class _AvgPoolBackward(Node):
    def backward(self, grad):
        return (avg_pool_grad(grad, self.params, self.input_shape, self.dims),)


class _AvgPoolBackwardBackward(Node):
    def backward(self, grad):
        return (_avg_pool_apply(grad, self.params, self.dims),)


class AvgPool2DBackward0(_AvgPoolBackward):
    pass


class AvgPool3DBackward0(_AvgPoolBackward):
    pass


class AvgPool2DBackwardBackward0(_AvgPoolBackwardBackward):
    pass


class AvgPool3DBackwardBackward0(_AvgPoolBackwardBackward):
    pass


def avg_pool_grad(grad: Tensor, params, input_shape, dims: int) -> Tensor:
    """The input gradient of an average pool (differentiable: its backward is the pool)."""
    kernel, stride, padding, out, divisor = params
    g = grad._data
    lead = input_shape[:len(input_shape) - dims]
    spatial = tuple(input_shape[len(input_shape) - dims:])
    b = math.prod(lead)
    arr = _avg_pool_grad_array(_compute(g).reshape((b,) + out), spatial, kernel, stride, padding,
                               out, divisor)
    result = _finish(arr.reshape(input_shape), g.dtype)
    if grad_state.enabled and grad._rg:
        node_cls = AvgPool2DBackwardBackward0 if dims == 2 else AvgPool3DBackwardBackward0
        node = node_cls((grad,), result)
        node.params, node.dims = params, dims
    return result


def _avg_pool_apply(input: Tensor, params, dims: int) -> Tensor:
    """Average pooling with already-checked parameters (records the backward node)."""
    kernel, stride, padding, out, divisor = params
    arr = input._data
    lead = arr.shape[:arr.ndim - dims]
    b = math.prod(lead)
    x = _compute(arr).reshape((b,) + arr.shape[arr.ndim - dims:])
    if b == 0:
        values = np.zeros((0,) + out, dtype=x.dtype, like=x)
    else:
        values = _avg_pool_array(x, kernel, stride, padding, out, divisor)
    result = _finish(values.reshape(lead + out), arr.dtype)
    if grad_state.enabled and input._rg:
        node = (AvgPool2DBackward0 if dims == 2 else AvgPool3DBackward0)((input,), result)
        node.params, node.input_shape, node.dims = params, arr.shape, dims
    return result


def _avg_pool_nd(input: Tensor, dims: int, kernel_size, stride, padding, ceil_mode,
                 count_include_pad, divisor_override, name: str) -> Tensor:
    kernel, stride, padding, _ = _pool_params(kernel_size, stride, padding, 1, dims, name)
    arr = input._data
    if arr.dtype == np.bool_:
        raise NotImplementedError(f"\"{name}\" not implemented for 'Bool'")
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    out = _check_pool(arr, dims, kernel, stride, padding, (1,) * dims, ceil_mode, name, False)
    spatial = arr.shape[arr.ndim - dims:]
    divisor = _avg_divisor(spatial, out, kernel, stride, padding, count_include_pad,
                           divisor_override)
    return _avg_pool_apply(input, (kernel, stride, padding, out, divisor), dims)


def avg_pool1d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    """1-D average pooling, computed as 2-D pooling of height 1."""
    if input._data.ndim not in (2, 3):
        raise RuntimeError(f"Expected 2 to 3 dimensions, but got {input._data.ndim}-dimensional "
                           "tensor for argument #1 'self' (while checking arguments for "
                           "avg_pool1d)")
    kernel, stride, padding, _ = _pool_params(kernel_size, stride, padding, 1, 1, "avg_pool1d")
    result = _avg_pool_nd(input.unsqueeze(-2), 2, (1,) + kernel, (1,) + stride, (0,) + padding,
                          ceil_mode, count_include_pad, None, "avg_pool2d")
    return result.squeeze(-2)


def avg_pool2d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override=None) -> Tensor:
    """2-D average pooling over the last two dims."""
    return _avg_pool_nd(input, 2, kernel_size, stride, padding, ceil_mode, count_include_pad,
                        divisor_override, "avg_pool2d")


def avg_pool3d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override=None) -> Tensor:
    """3-D average pooling over the last three dims."""
    return _avg_pool_nd(input, 3, kernel_size, stride, padding, ceil_mode, count_include_pad,
                        divisor_override, "avg_pool3d")


# ----------------------------------------------------------------------------------------------
# adaptive pooling
# ----------------------------------------------------------------------------------------------

def adaptive_bounds(size: int, out: int):
    """PyTorch's adaptive windows: start = floor(i * size / out), end = ceil((i+1) * size / out)."""
    i = np.arange(out, dtype=np.int64)
    start = (i * size) // out
    end = -((-(i + 1) * size) // out)
    return start, end


def _adaptive_sizes(output_size, spatial, dims: int, name: str) -> tuple:
    if isinstance(output_size, (list, tuple)):
        sizes = tuple(output_size)
    else:
        sizes = (output_size,) * dims
    if len(sizes) != dims:
        if name.startswith("adaptive_max"):
            raise RuntimeError(f"{name}(): internal error: output_size.size() must be {dims}")
        raise RuntimeError(f"{name}: output_size must be {dims}")
    return tuple(s if s is not None else sp for s, sp in zip(sizes, spatial))


def _check_adaptive(arr: np.ndarray, dims: int, name: str) -> None:
    if arr.ndim not in (dims + 1, dims + 2):
        colon = ":" if name.startswith("adaptive_max") else ""
        raise RuntimeError(f"{name}(): Expected {dims + 1}D or {dims + 2}D tensor, but "
                           f"got{colon} {_sizes(arr.shape)}")
    for d in range(arr.ndim - dims - (0 if arr.ndim == dims + 1 else 1), arr.ndim):
        if d >= 0 and arr.shape[d] == 0 and not (arr.ndim == dims + 2 and d == 0):
            raise RuntimeError(f"{name}(): Expected input to have non-zero size for non-batch "
                               f"dimensions, but input has sizes {_sizes(arr.shape)} with "
                               f"dimension {d} being empty")


def _averaging_matrix(size: int, out: int, dtype) -> np.ndarray:
    start, end = adaptive_bounds(size, out)
    positions = np.arange(size)
    inside = (positions >= start[:, None]) & (positions < end[:, None])
    return (inside / (end - start)[:, None]).astype(dtype)


def _apply_along(x: np.ndarray, matrices) -> np.ndarray:
    """Contract each of the last len(matrices) axes of ``x`` with its (out, size) matrix."""
    dims = len(matrices)
    for i, m in enumerate(matrices):
        axis = x.ndim - dims + i
        moved = np.moveaxis(x, axis, -1)
        x = np.moveaxis(moved @ m.T, -1, axis)
    return contiguous_array(x)


class _AdaptiveAvgBackward(Node):
    def backward(self, grad):
        return (_adaptive_avg_apply(grad, self.matrices, self.dims, True),)


class _AdaptiveAvgBackwardBackward(Node):
    def backward(self, grad):
        return (_adaptive_avg_apply(grad, self.matrices, self.dims, False),)


class AdaptiveAvgPool2DBackward0(_AdaptiveAvgBackward):
    pass


class AdaptiveAvgPool3DBackward0(_AdaptiveAvgBackward):
    pass


class AdaptiveAvgPool2DBackwardBackward0(_AdaptiveAvgBackwardBackward):
    pass


class AdaptiveAvgPool3DBackwardBackward0(_AdaptiveAvgBackwardBackward):
    pass


def _adaptive_avg_apply(input: Tensor, matrices, dims: int, adjoint: bool) -> Tensor:
    """Adaptive average pooling as separable averaging matrices (or their transposes)."""
    arr = input._data
    x = _compute(arr)
    mats = [m.T if adjoint else m for m in matrices]
    mats = [m.astype(x.dtype, copy=False) for m in mats]
    result = _finish(_apply_along(x, mats), arr.dtype)
    if grad_state.enabled and input._rg:
        if adjoint:
            node_cls = AdaptiveAvgPool2DBackwardBackward0 if dims == 2 \
                else AdaptiveAvgPool3DBackwardBackward0
        else:
            node_cls = AdaptiveAvgPool2DBackward0 if dims == 2 else AdaptiveAvgPool3DBackward0
        node = node_cls((input,), result)
        node.matrices, node.dims = matrices, dims
    return result


def _adaptive_avg_nd(input: Tensor, output_size, dims: int, name: str) -> Tensor:
    arr = input._data
    _check_adaptive(arr, dims, name)
    spatial = arr.shape[arr.ndim - dims:]
    out = _adaptive_sizes(output_size, spatial, dims, name)
    if arr.dtype.kind in "biu":
        raise NotImplementedError(f"\"{name}\" not implemented for "
                                  f"'{_type_word(arr.dtype)}'")
    if all(o == 1 for o in out):
        # PyTorch takes the mean for a global pool (its grad_fn is MeanBackward1).
        return input.mean(tuple(range(arr.ndim - dims, arr.ndim)), keepdim=True)
    matrices = [_averaging_matrix(s, o, np.float64) for s, o in zip(spatial, out)]
    return _adaptive_avg_apply(input, matrices, dims, False)


def _type_word(np_dtype) -> str:
    from .._tensor_type import legacy_type_name
    return legacy_type_name(np_dtype)[len("torch."):-len("Tensor")]


def adaptive_avg_pool1d(input: Tensor, output_size) -> Tensor:
    """1-D adaptive average pooling to ``output_size`` positions."""
    if input._data.ndim not in (2, 3):
        raise RuntimeError(f"Expected 2 to 3 dimensions, but got {input._data.ndim}-dimensional "
                           "tensor for argument #1 'self' (while checking arguments for "
                           "adaptive_avg_pool1d)")
    size = output_size[0] if isinstance(output_size, (list, tuple)) else output_size
    return _adaptive_avg_nd(input.unsqueeze(-2), (1, size), 2, "adaptive_avg_pool2d").squeeze(-2)


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    """2-D adaptive average pooling."""
    return _adaptive_avg_nd(input, output_size, 2, "adaptive_avg_pool2d")


def adaptive_avg_pool3d(input: Tensor, output_size) -> Tensor:
    """3-D adaptive average pooling."""
    return _adaptive_avg_nd(input, output_size, 3, "adaptive_avg_pool3d")


def _adaptive_max_nd(input: Tensor, output_size, dims: int, name: str):
    arr = input._data
    _check_adaptive(arr, dims, name)
    spatial = arr.shape[arr.ndim - dims:]
    out = _adaptive_sizes(output_size, spatial, dims, name)
    if arr.dtype == np.bool_:
        raise NotImplementedError(f"\"{name}\" not implemented for 'Bool'")
    lead = arr.shape[:arr.ndim - dims]
    b = math.prod(lead)
    x = _compute(arr).reshape((b,) + tuple(spatial))
    if holds_values(x):
        values, flat = _adaptive_max_arrays(x, spatial, out)
    else:  # meta: shapes only
        values, flat = np.empty(lead + out, x.dtype, like=x), np.empty(lead + out, _I64, like=x)
    values = _finish(values.reshape(lead + out), arr.dtype)
    indices = wrap(flat.reshape(lead + out))
    if grad_state.enabled and input._rg:
        node_cls = AdaptiveMaxPool2DBackward0 if dims == 2 else AdaptiveMaxPool3DBackward0
        node = node_cls((input,), values)
        node.indices, node.input_shape, node.dims = indices._data, arr.shape, dims
        node.overlapping = True
        node.prefix = f"AdaptiveMaxPool{dims}D"
    return values, indices


def _adaptive_max_arrays(x, spatial, out):
    """(values, flat indices within each plane) of adaptive max pooling ``x`` (B, *spatial)."""
    b = x.shape[0]
    dims = len(out)
    # Every window padded to the widest one by repeating its last position (harmless for max).
    grids = []
    for axis, (size, o) in enumerate(zip(spatial, out)):
        start, end = adaptive_bounds(size, o)
        width = int((end - start).max()) if o else 0
        index = np.minimum(start[:, None] + np.arange(width), end[:, None] - 1)
        shape = [1] * (2 * dims)
        shape[2 * axis], shape[2 * axis + 1] = o, width
        grids.append(index.reshape(shape))
    windows = x[(slice(None),) + tuple(grids)]
    # (B, o1, w1, o2, w2, ...) -> (B, o1, o2, ..., w1 * w2 * ...)
    order = (0,) + tuple(1 + 2 * i for i in range(dims)) + tuple(2 + 2 * i for i in range(dims))
    windows = windows.transpose(order).reshape((b,) + out + (-1,))
    local = _first_argmax_last(windows)
    values = np.take_along_axis(windows, local[..., None], -1)[..., 0]
    flat = np.zeros(windows.shape[:-1], dtype=_I64)
    plane_strides = [math.prod(spatial[i + 1:]) for i in range(dims)]
    for axis in range(dims):
        # The window's own coordinate along this axis, from the local position.
        widths = [g.shape[2 * i + 1] for i, g in enumerate(grids)]
        inner = math.prod(widths[axis + 1:])
        position = (local // inner) % widths[axis]
        index = grids[axis].reshape(out[axis], widths[axis])
        shape = [1] * dims
        shape[axis] = out[axis]
        rows = np.arange(out[axis]).reshape(shape)
        flat += index[rows, position] * plane_strides[axis]
    return values, flat


def _first_argmax_last(windows: np.ndarray) -> np.ndarray:
    """argmax over the last axis with PyTorch's NaN rule (the last NaN wins)."""
    local = windows.argmax(-1)
    if windows.dtype.kind == "f":
        nan = np.isnan(windows)
        if nan.any():
            last = windows.shape[-1] - 1 - nan[..., ::-1].argmax(-1)
            local = np.where(nan.any(-1), last, local)
    return local


def adaptive_max_pool1d(input: Tensor, output_size):
    """1-D adaptive max pooling: (values, indices)."""
    if input._data.ndim not in (2, 3):
        raise RuntimeError(f"adaptive_max_pool1d(): Expected 2D or 3D tensor, but got: "
                           f"{_sizes(input._data.shape)}")
    size = output_size[0] if isinstance(output_size, (list, tuple)) else output_size
    values, indices = _adaptive_max_nd(input.unsqueeze(-2), (1, size), 2, "adaptive_max_pool2d")
    return values.squeeze(-2), indices.squeeze(-2)


def adaptive_max_pool2d(input: Tensor, output_size):
    """2-D adaptive max pooling: (values, indices)."""
    return _adaptive_max_nd(input, output_size, 2, "adaptive_max_pool2d")


def adaptive_max_pool3d(input: Tensor, output_size):
    """3-D adaptive max pooling: (values, indices)."""
    return _adaptive_max_nd(input, output_size, 3, "adaptive_max_pool3d")


# ----------------------------------------------------------------------------------------------
# fractional max pooling
# ----------------------------------------------------------------------------------------------

def _fractional_starts(samples: np.ndarray, size: int, out: int, pool: int) -> np.ndarray:
    """Window starts (B, out) from one uniform sample per plane, in the sample's precision
    exactly as PyTorch's kernel computes them."""
    dt = samples.dtype
    starts = np.zeros(samples.shape + (out,), dtype=np.int64)
    if out > 1:
        alpha = dt.type(size - pool) / dt.type(out - 1)
        steps = np.arange(out).astype(dt)
        sample = samples[..., None]
        starts = ((steps + sample) * alpha).astype(np.int64) - (sample * alpha).astype(np.int64)
    if out > 0:
        starts[..., -1] = size - pool
    return starts


def fractional_max_pool(input: Tensor, kernel_size, output_size, samples: Tensor, dims: int):
    """Fractional max pooling (2-d or 3-d): pseudo-random window starts per plane from
    ``samples`` (N, C, dims); returns (values, indices)."""
    name = f"fractional_max_pool{dims}d"
    arr = input._data
    if arr.ndim not in (dims + 1, dims + 2):
        raise RuntimeError(f"{name}(): Expected {dims + 1}D or {dims + 2}D tensor, but got: "
                           f"{_sizes(arr.shape)}")
    kernel = _int_tuple(kernel_size, dims, "kernel_size", name)
    out = _int_tuple(output_size, dims, "output_size", name)
    batched = arr.ndim == dims + 2
    x = arr if batched else arr[None]
    n, c = x.shape[:2]
    spatial = x.shape[2:]
    sample_arr = samples._data
    if sample_arr.dtype != arr.dtype:
        raise RuntimeError("Expect _random_samples to have the same dtype as input")
    if sample_arr.ndim != 3 or sample_arr.shape[0] < n or sample_arr.shape[1] != c or \
            sample_arr.shape[2] != dims:
        if sample_arr.ndim == 3 and sample_arr.shape[0] < n:
            raise RuntimeError("Expect _random_samples.size(0) no less then input batch size.")
        raise RuntimeError(f"Expect _random_samples to be of shape [{n}, {c}, {dims}]")
    words = ("time", "height", "width")[3 - dims:]
    where = f"{name}_out" if dims == 3 else name
    for word, size, o, k in zip(words, spatial, out, kernel):
        if o + k - 1 > size:
            raise RuntimeError(f"{where}(): pool {word} {k} too large relative to input {word} "
                               f"{size}")
    compute = _compute(x)
    sample_arr = _compute(sample_arr[:n])
    # The first sample drives the last dim for 2-d pooling, PyTorch's layout.
    order = (1, 0) if dims == 2 else (0, 1, 2)
    grids, starts_list = [], []
    for axis in range(dims):
        starts = _fractional_starts(sample_arr[:, :, order[axis]], spatial[axis], out[axis],
                                    kernel[axis])
        positions = starts[..., None] + np.arange(kernel[axis])  # (N, C, out, k)
        # Broadcastable against (N, C, *out, *kernel): out and kernel keep their order.
        shape = [n, c] + [1] * (2 * dims)
        shape[2 + axis], shape[2 + dims + axis] = out[axis], kernel[axis]
        grids.append(positions.reshape(shape))
        starts_shape = [n, c] + [1] * dims
        starts_shape[2 + axis] = out[axis]
        starts_list.append(starts.reshape(starts_shape))
    batch_index = np.arange(n).reshape([n] + [1] * (2 * dims + 1))
    plane_index = np.arange(c).reshape([1, c] + [1] * (2 * dims))
    windows = compute[(batch_index, plane_index) + tuple(grids)]
    windows = windows.reshape(windows.shape[:2 + dims] + (-1,))
    if windows.size:
        local = _first_argmax_last(windows)
        values = np.take_along_axis(windows, local[..., None], -1)[..., 0]
    else:
        local = np.zeros(windows.shape[:-1], dtype=np.int64, like=windows)
        values = np.zeros(windows.shape[:-1], dtype=compute.dtype, like=windows)
    flat = np.zeros(values.shape, dtype=_I64, like=values)
    plane_strides = [math.prod(spatial[i + 1:]) for i in range(dims)]
    remaining = local
    for axis in range(dims - 1, -1, -1):
        offset = remaining % kernel[axis]
        remaining = remaining // kernel[axis]
        flat += (starts_list[axis] + offset) * plane_strides[axis]
    if not batched:
        values, flat = values[0], flat[0]
    result = _finish(values, arr.dtype)
    indices = wrap(flat)
    if grad_state.enabled and input._rg:
        node_cls = FractionalMaxPool2DBackward0 if dims == 2 else FractionalMaxPool3DBackward0
        node = node_cls((input,), result)
        node.indices, node.input_shape, node.dims = flat, arr.shape, dims
        node.overlapping = True
        node.prefix = f"FractionalMaxPool{dims}D"
    return result, indices


# ----------------------------------------------------------------------------------------------
# max unpooling
# ----------------------------------------------------------------------------------------------

class _MaxUnpoolBackward(Node):
    def backward(self, grad):
        return (_gather_planes(grad, self.indices, self.dims), None)


class MaxUnpool2DBackward0(_MaxUnpoolBackward):
    pass


class MaxUnpool3DBackward0(_MaxUnpoolBackward):
    pass


def max_unpool(input: Tensor, indices: Tensor, output_spatial, dims: int) -> Tensor:
    """Place ``input`` values at their per-plane flat ``indices`` in zero planes of
    ``output_spatial`` (the inverse of max pooling's selection)."""
    arr = input._data
    idx = indices._data
    if idx.dtype != _I64:
        raise RuntimeError(f"elements in indices should be type int64 but got: "
                           f"{_type_word(idx.dtype)}")
    if idx.shape != arr.shape:
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor "
                           f"({_sizes(arr.shape)}) but got indices tensor with shape: "
                           f"{_sizes(idx.shape)}")
    plane = math.prod(output_spatial)
    lead = arr.shape[:arr.ndim - dims]
    b = math.prod(lead)
    flat_idx = idx.reshape(b, -1)
    if flat_idx.size and holds_values(flat_idx) and (flat_idx.min() < 0
                                                     or flat_idx.max() >= plane):
        bad = int(flat_idx[(flat_idx < 0) | (flat_idx >= plane)][0])
        raise RuntimeError(f"Found an invalid max index: {bad} (output volumes are of size "
                           f"{'x'.join(str(s) for s in output_spatial)})")
    out = np.zeros((b, plane), dtype=arr.dtype, like=arr)
    rows = np.arange(b)[:, None]
    out[rows, flat_idx] = arr.reshape(b, -1)
    result = wrap(out.reshape(lead + tuple(output_spatial)))
    if grad_state.enabled and input._rg:
        node = (MaxUnpool2DBackward0 if dims == 2 else MaxUnpool3DBackward0)((input, None),
                                                                             result)
        node.indices, node.dims = idx, dims
    return result


__all__ = ["max_pool1d", "max_pool1d_with_indices", "max_pool2d", "max_pool3d", "avg_pool1d",
           "adaptive_avg_pool1d", "adaptive_max_pool1d"]
