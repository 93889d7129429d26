"""Convolution: one primitive, ``convolution`` (``ConvolutionBackward0``), behind every conv and
transposed conv of 1 to 3 spatial dims, plus the im2col / col2im pair behind F.unfold / F.fold.

How the arithmetic is laid out (the whole point of this file is speed on NumPy):

* im2col copies the (padded) input once into a matrix ``cols`` of shape
  ``(C * prod(kernel), N * L)``: one row per (channel, kernel offset), one column per output
  position of every batch item.  The convolution is then one BLAS matmul per group
  (``weight (OC, C*K) @ cols``), and the weight gradient one more (``grad @ cols.T``).
* With unit strides the columns use the "shifted plane" layout: output position ``o`` reads
  the flattened padded plane at ``offset(kernel index) + flat(o)``, so each row of ``cols`` is
  one contiguous slice of the input and col2im is ``prod(kernel)`` contiguous slice-adds.
  Positions between image rows are computed too (they hold junk that is thrown away / zero
  gradients); that waste is ``(kernel - 1)`` columns per row.  Strided convolutions use the
  dense layout (exactly the output positions) through a strided window view.
* The gradient with respect to the input is a transposed convolution, and a transposed
  convolution's forward is the same col2im; so ``ConvolutionBackward0`` calls ``convolution``
  itself and double backward works to any order.
"""
from __future__ import annotations

import math
import operator
import warnings

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .. import _dtype as D
from .._tensor import Tensor
from .._tensor_type import legacy_type_name
from ..autograd.grad_mode import state as grad_state
from ..autograd.node import Node
from ..backends import contiguous_array, holds_values
from ._padding import constant_pad_nd
from .binary import conj_if_complex

wrap = Tensor._make
_HALF_TYPES = (np.dtype(np.float16), D.bfloat16.np)
_F32 = np.dtype(np.float32)


# ----------------------------------------------------------------------------------------------
# geometry
# ----------------------------------------------------------------------------------------------

def conv_output_size(size: int, kernel: int, stride: int, padding: int, dilation: int) -> int:
    """Output length of a convolution (or pooling) window sweep along one dim."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


class _Plan:
    """Where every window of one convolution lies: the shared bookkeeping of im2col/col2im.

    ``spatial`` is the unpadded image size (the input of a convolution, the output of a
    transposed one), ``out`` the window grid.  ``shift`` selects the shifted-plane layout
    (unit strides) over the dense one.
    """

    __slots__ = ("spatial", "kernel", "out", "stride", "padding", "dilation", "padded",
                 "shift", "plane_strides", "length", "offsets")

    def __init__(self, spatial, kernel, out, stride, padding, dilation, dense=False) -> None:
        self.spatial = tuple(spatial)
        self.kernel = tuple(kernel)
        self.out = tuple(out)
        self.stride = tuple(stride)
        self.padding = tuple(padding)
        self.dilation = tuple(dilation)
        # Transposed convolutions with output_padding may reach past spatial + 2 * padding.
        self.padded = tuple(max(s + 2 * p, (o - 1) * st + (k - 1) * d + 1)
                            for s, p, o, st, k, d in zip(spatial, padding, out, stride, kernel,
                                                         dilation))
        self.shift = not dense and all(s == 1 for s in stride)
        if self.shift:
            strides = []
            step = 1
            for size in reversed(self.padded):
                strides.append(step)
                step *= size
            self.plane_strides = tuple(reversed(strides))
            self.length = sum((o - 1) * ps for o, ps in zip(out, self.plane_strides)) + 1
            offsets = np.zeros((), dtype=np.int64)
            for k, d, ps in zip(kernel, dilation, self.plane_strides):
                offsets = offsets[..., None] + np.arange(k) * (d * ps)
            self.offsets = offsets.reshape(-1).tolist()
        else:
            self.plane_strides = None
            self.length = math.prod(out)
            self.offsets = None
        if min(out, default=1) <= 0:
            self.length = 0


def _pad_array(x: np.ndarray, plan: _Plan) -> np.ndarray:
    """``x`` (N, C, *spatial) zero-padded to (N, C, *padded); ``x`` itself when no padding."""
    if plan.padded == x.shape[2:]:
        return x
    buf = np.zeros(x.shape[:2] + plan.padded, dtype=x.dtype, like=x)
    inner = tuple(slice(p, p + s) for p, s in zip(plan.padding, plan.spatial))
    buf[(slice(None), slice(None)) + inner] = x
    return buf


def im2col(x: np.ndarray, plan: _Plan) -> np.ndarray:
    """The columns matrix ``(C * prod(kernel), N * length)`` of input ``x`` (N, C, *spatial)."""
    n, c = x.shape[:2]
    if not holds_values(x):  # meta: the shape of the columns is all there is
        return np.empty((c * math.prod(plan.kernel), n * plan.length), x.dtype, like=x)
    xp = _pad_array(x, plan)
    kernel = plan.kernel
    if plan.shift:
        # One contiguous slice per kernel offset (faster than one strided-view copy).
        plane = math.prod(plan.padded)
        xf = np.ascontiguousarray(xp).reshape(n, c, plane)
        length = plan.length
        cols = np.empty((c, len(plan.offsets), n, length), dtype=x.dtype)
        for k, offset in enumerate(plan.offsets):
            cols[:, k] = xf[:, :, offset:offset + length].swapaxes(0, 1)
        return cols.reshape(c * len(plan.offsets), n * length)
    else:
        s_n, s_c = xp.strides[:2]
        sp = xp.strides[2:]
        view = as_strided(xp, (c,) + kernel + (n,) + plan.out,
                          (s_c,) + tuple(d * s for d, s in zip(plan.dilation, sp)) + (s_n,)
                          + tuple(st * s for st, s in zip(plan.stride, sp)))
    return np.ascontiguousarray(view).reshape(c * math.prod(kernel), n * plan.length)


def _shift_view(buf: np.ndarray, plan: _Plan, n: int, oc: int, channel_major: bool):
    """The valid output positions of a shifted-layout (OC, N * length) buffer, as a
    (N, OC, *out) view."""
    item = buf.dtype.itemsize
    batch_step, channel_step = plan.length * item, n * plan.length * item
    return as_strided(buf, (n, oc) + plan.out,
                      (batch_step, channel_step) + tuple(ps * item for ps in plan.plane_strides))


def to_grid(g: np.ndarray, plan: _Plan) -> np.ndarray:
    """Output-shaped ``g`` (N, OC, *out) as ``(OC, N * length)`` in the columns' layout."""
    n, oc = g.shape[:2]
    if not holds_values(g):
        return np.empty((oc, n * plan.length), g.dtype, like=g)
    if plan.shift:
        length = plan.length
        if len(plan.out) == 2:
            # Only the junk columns between rows need zeros (they meet real input columns).
            buf = np.empty((oc, n, length), dtype=g.dtype)
            rows, width = plan.out
            pitch = plan.plane_strides[0]
            if rows > 1 and pitch > width:
                item = g.dtype.itemsize
                tails = as_strided(buf[:, :, width:], (oc, n, rows - 1, pitch - width),
                                   (n * length * item, length * item, pitch * item, item))
                tails[...] = 0
        else:
            buf = np.zeros((oc, n, length), dtype=g.dtype)
        _shift_view(buf, plan, n, oc, True)[...] = g
        return buf.reshape(oc, n * length)
    return np.ascontiguousarray(g.swapaxes(0, 1)).reshape(oc, n * plan.length)


def from_grid(out: np.ndarray, plan: _Plan, n: int, bias=None) -> np.ndarray:
    """``(OC, N * length)`` back to a contiguous (N, OC, *out) array, plus ``bias`` per channel
    (added in the same pass)."""
    oc = out.shape[0]
    if not holds_values(out):
        return np.empty((n, oc) + plan.out, out.dtype, like=out)
    if plan.shift:
        view = _shift_view(out, plan, n, oc, True)
    else:
        view = out.reshape((oc, n) + plan.out).swapaxes(0, 1)
    result = np.empty((n, oc) + plan.out, dtype=out.dtype)
    if bias is None:
        np.copyto(result, view)
    else:
        np.add(view, bias.reshape((oc,) + (1,) * len(plan.out)), out=result)
    return result


def col2im(cols: np.ndarray, plan: _Plan, n: int) -> np.ndarray:
    """Add every column back where im2col took it from: (C * K, N * length) -> (N, C, *spatial).

    One vectorized add per kernel offset (a handful), never per pixel.
    """
    kernel = plan.kernel
    nk = math.prod(kernel)
    c = cols.shape[0] // nk
    dt = cols.dtype
    if not holds_values(cols):
        return np.empty((n, c) + plan.spatial, dt, like=cols)
    if plan.shift:
        length = plan.length
        buf = np.zeros((c, n, math.prod(plan.padded)), dtype=dt)
        pieces = cols.reshape(c, nk, n, length)
        for k, offset in enumerate(plan.offsets):
            buf[:, :, offset:offset + length] += pieces[:, k]
        buf = buf.reshape((c, n) + plan.padded)
    else:
        buf = np.zeros((c, n) + plan.padded, dtype=dt)
        pieces = cols.reshape((c,) + kernel + (n,) + plan.out)
        for index in np.ndindex(*kernel):
            where = tuple(slice(k * d, k * d + st * (o - 1) + 1, st)
                          for k, d, st, o in zip(index, plan.dilation, plan.stride, plan.out))
            buf[(slice(None), slice(None)) + where] += pieces[(slice(None),) + index]
    inner = tuple(slice(p, p + s) for p, s in zip(plan.padding, plan.spatial))
    return np.ascontiguousarray(buf[(slice(None), slice(None)) + inner].swapaxes(0, 1))


# ----------------------------------------------------------------------------------------------
# array kernels
# ----------------------------------------------------------------------------------------------

def _grouped_matmul(a: np.ndarray, b: np.ndarray, groups: int, trans_a: bool = False,
                    trans_b: bool = False) -> np.ndarray:
    """Per-group products of (G*r, k)-stacked ``a`` and ``b`` row blocks, stacked again."""
    if groups == 1:
        return (a.T if trans_a else a) @ (b.T if trans_b else b)
    a3 = a.reshape(groups, a.shape[0] // groups, a.shape[1])
    b3 = b.reshape(groups, b.shape[0] // groups, b.shape[1])
    if trans_a:
        a3 = a3.transpose(0, 2, 1)
    if trans_b:
        b3 = b3.transpose(0, 2, 1)
    result = np.matmul(a3, b3)
    return result.reshape(groups * result.shape[1], result.shape[2])


def conv_forward_array(x: np.ndarray, w: np.ndarray, plan: _Plan, groups: int, bias=None):
    """(output (N, OC, *out), cols) of a convolution of ``x`` with ``w`` (OC, C/G, *K), plus
    the ``bias`` array when given."""
    n = x.shape[0]
    oc = w.shape[0]
    if x.shape[1] == 0:
        # PyTorch's answer for an input without channels: no output channels either.
        return np.zeros((n, 0) + plan.out, dtype=x.dtype, like=x), None
    if plan.length == 0 or n == 0:
        out = np.zeros((n, oc) + plan.out, dtype=x.dtype, like=x)
        if bias is not None:
            out += bias.reshape((oc,) + (1,) * len(plan.out))
        return out, None
    cols = im2col(x, plan)
    out = _grouped_matmul(w.reshape(oc, -1), cols, groups)
    return from_grid(out, plan, n, bias), cols


def conv_input_grad_array(g: np.ndarray, w: np.ndarray, plan: _Plan, groups: int) -> np.ndarray:
    """The transposed convolution: ``g`` (N, OC, *out) spread through ``w`` onto
    (N, C, *spatial) (the input gradient of a convolution)."""
    n = g.shape[0]
    oc = w.shape[0]
    channels = w.shape[1] * groups
    if plan.length == 0 or n == 0 or oc == 0:
        return np.zeros((n, channels) + plan.spatial, dtype=g.dtype, like=g)
    cols = _grouped_matmul(w.reshape(oc, -1), to_grid(g, plan), groups, trans_a=True)
    return col2im(cols, plan, n)


def conv_weight_grad_array(x: np.ndarray, g: np.ndarray, weight_shape, plan: _Plan, groups: int,
                           cols=None, g_grid=None) -> np.ndarray:
    """Gradient of a convolution's weight: ``g`` (N, OC, *out) against the input's columns."""
    if plan.length == 0 or x.shape[0] == 0:
        return np.zeros(weight_shape, dtype=x.dtype, like=x)
    if cols is None:
        cols = im2col(x, plan)
    if g_grid is None:
        g_grid = to_grid(g, plan)
    return _grouped_matmul(g_grid, cols, groups, trans_b=True).reshape(weight_shape)


# ----------------------------------------------------------------------------------------------
# argument checks (PyTorch's wording)
# ----------------------------------------------------------------------------------------------

def expand_param(value, n: int, name: str) -> tuple:
    """An int or a list of ints as an ``n``-tuple (a one-element list is repeated)."""
    if isinstance(value, (bool, float)) or (not isinstance(value, (list, tuple))
                                            and not _is_int(value)):
        raise TypeError(f"argument '{name}' must be tuple of ints, but found element of type "
                        f"{type(value).__name__}")
    if not isinstance(value, (list, tuple)):
        return (operator.index(value),) * n
    values = tuple(_as_int(v, name) for v in value)
    if len(values) == 1:
        return values * n
    if len(values) != n:
        raise RuntimeError(f"expected {name} to be a single integer value or a list of {n} "
                           f"values to match the convolution dimensions, but got "
                           f"{name}={list(values)}")
    return values


def _is_int(value) -> bool:
    try:
        operator.index(value)
    except TypeError:
        return False
    return not isinstance(value, bool)


def _as_int(value, name: str) -> int:
    if isinstance(value, bool) or not _is_int(value):
        raise TypeError(f"argument '{name}' must be tuple of ints, but found element of type "
                        f"{type(value).__name__}")
    return operator.index(value)


def _sizes(shape) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


def _scalar_name(np_dtype) -> str:
    return {"float32": "float", "float64": "double", "float16": "c10::Half",
            "bfloat16": "c10::BFloat16", "int64": "long int", "int32": "int",
            "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
            "bool": "bool", "complex64": "c10::complex<float>",
            "complex128": "c10::complex<double>"}[np_dtype.name]


def _type_word(np_dtype) -> str:
    return legacy_type_name(np_dtype)[len("torch."):-len("Tensor")]


def _check_types(input: Tensor, weight: Tensor, bias) -> None:
    xt, wt = input._data.dtype, weight._data.dtype
    if xt != wt:
        if xt == _F32:
            raise RuntimeError(f"Input type ({legacy_type_name(xt)}) and weight type "
                               f"({legacy_type_name(wt)}) should be the same or input should be "
                               "a MKLDNN tensor and weight is a dense tensor")
        raise RuntimeError(f"expected scalar type {_type_word(xt)} but found {_type_word(wt)}")
    if bias is not None and bias._data.dtype != xt:
        raise RuntimeError(f"Input type ({_scalar_name(xt)}) and bias type "
                           f"({_scalar_name(bias._data.dtype)}) should be the same")
    if xt == np.bool_:
        raise RuntimeError("\"slow_conv2d_cpu\" not implemented for 'Bool'")


def _check_shapes(input: Tensor, weight: Tensor, bias, stride, padding, dilation, transposed,
                  output_padding, groups) -> None:
    """PyTorch's check_shape_forward, message for message."""
    if any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")
    if any(p < 0 for p in output_padding):
        raise RuntimeError("negative output_padding is not supported")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("dilation should be greater than zero")
    if groups <= 0:
        raise RuntimeError(f"expected groups to be greater than 0, but got groups={groups}")
    x_shape = input._data.shape
    w_shape = weight._data.shape
    k = len(x_shape)
    if len(w_shape) != k:
        raise RuntimeError(f"Expected {len(w_shape)}-dimensional input for {len(w_shape)}"
                           f"-dimensional weight {_sizes(w_shape)}, but got {k}-dimensional "
                           f"input of size {_sizes(x_shape)} instead")
    if w_shape[0] < groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be at least {groups} at "
                           f"dimension 0, but got weight of size {_sizes(w_shape)} instead")
    if w_shape[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} "
                           f"at dimension 0, but got weight of size [{_sizes(w_shape)}] instead")
    b_shape = None if bias is None else bias._data.shape
    if not transposed:
        if x_shape[1] != w_shape[1] * groups:
            raise RuntimeError(f"Given groups={groups}, weight of size {_sizes(w_shape)}, "
                               f"expected input{_sizes(x_shape)} to have {w_shape[1] * groups} "
                               f"channels, but got {x_shape[1]} channels instead")
        if b_shape is not None and b_shape != (w_shape[0],):
            raise RuntimeError(f"Given weight of size {_sizes(w_shape)}, expected bias to be "
                               f"1-dimensional with {w_shape[0]} elements, but got bias of size "
                               f"{_sizes(b_shape)} instead")
        padded = [s + 2 * p for s, p in zip(x_shape[2:], padding)]
        dilated = [d * (s - 1) + 1 for d, s in zip(dilation, w_shape[2:])]
        if any(p < kk for p, kk in zip(padded, dilated)):
            raise RuntimeError(f"Calculated padded input size per channel: "
                               f"({' x '.join(map(str, padded))}). Kernel size: "
                               f"({' x '.join(map(str, dilated))}). Kernel size can't be greater "
                               "than actual input size")
    else:
        if x_shape[1] != w_shape[0]:
            raise RuntimeError(f"Given transposed=1, weight of size {_sizes(w_shape)}, expected "
                               f"input{_sizes(x_shape)} to have {w_shape[0]} channels, but got "
                               f"{x_shape[1]} channels instead")
        if b_shape is not None and b_shape != (w_shape[1] * groups,):
            raise RuntimeError(f"Given transposed=1, weight of size {_sizes(w_shape)}, expected "
                               f"bias to be 1-dimensional with {w_shape[1] * groups} elements, "
                               f"but got bias of size {_sizes(b_shape)} instead")
        for op, s, d in zip(output_padding, stride, dilation):
            if op >= s and op >= d:
                names = ("height", "width") if len(stride) == 2 else None
                raise RuntimeError(_output_padding_message(output_padding, stride, dilation,
                                                           names))


def _output_padding_message(output_padding, stride, dilation, names) -> str:
    if names is None:
        names = {1: ("width",), 3: ("depth", "height", "width")}.get(len(stride),
                                                                    ("width",) * len(stride))
    parts = [f"output_padding_{n}: {v}" for n, v in zip(names, output_padding)]
    parts += [f"stride_{n}: {v}" for n, v in zip(names, stride)]
    parts += [f"dilation_{n}: {v}" for n, v in zip(names, dilation)]
    return ("output padding must be smaller than either stride or dilation, but got "
            + " ".join(parts))


# ----------------------------------------------------------------------------------------------
# the primitive
# ----------------------------------------------------------------------------------------------

def _compute(arr: np.ndarray) -> np.ndarray:
    # Half types are computed in float32 and rounded once at the end, as PyTorch's CPU kernels.
    return arr.astype(_F32) if arr.dtype in _HALF_TYPES else arr


def _finish(arr: np.ndarray, np_dtype) -> Tensor:
    return wrap(arr if arr.dtype == np_dtype else arr.astype(np_dtype))


def _add_bias(out: np.ndarray, bias) -> None:
    if bias is not None and out.shape[1]:
        out += _compute(bias._data).reshape((-1,) + (1,) * (out.ndim - 2))


class ConvolutionBackward0(Node):
    """Backward of ``convolution``: input, weight and bias gradients.

    Without create_graph the three are computed straight on arrays, sharing the gradient's
    columns layout; with it they are built from ``convolution`` and the weight-gradient op so
    that they are differentiable again.
    """

    cols = None

    def backward(self, grad):
        input, weight = self.saved_tensors
        need_x, need_w, need_b = (n is not None for n in self._next)
        gb = None
        if need_b:
            if grad._data.shape[1] == 0:
                gb = wrap(np.zeros(self._meta[2][0], dtype=self._meta[2][1], like=grad._data))
            elif grad_state.enabled or self.transposed:
                gb = grad.sum((0,) + tuple(range(2, grad._data.ndim)))
        if grad._data.shape[1] == 0 or input._data.shape[1] == 0:
            # Channel-free convolutions (PyTorch allows them): every gradient is zero.
            gx = wrap(np.zeros(input._data.shape, dtype=input._data.dtype,
                               like=input._data)) if need_x else None
            gw = wrap(np.zeros(weight._data.shape, dtype=weight._data.dtype,
                               like=weight._data)) if need_w else None
        elif grad_state.enabled:
            gx, gw = self._differentiable(grad, input, weight, need_x, need_w)
        else:
            gx, gw, grid_sum = self._direct(grad, input, weight, need_x, need_w, need_b and gb is None)
            if grid_sum is not None:
                gb = _finish(grid_sum, grad._data.dtype)
        self.cols = None
        return gx, gw, gb

    def _direct(self, grad, input, weight, need_x, need_w, need_b=False):
        g = _compute(grad._data)
        w = _compute(weight._data)
        x = _compute(input._data)
        groups = self.groups
        if w.dtype.kind == "c":
            # Complex gradients flow through the conjugates (PyTorch's convention).
            w, x = np.conj(w), np.conj(x)
            if self.cols is not None:
                self.cols = np.conj(self.cols)
        gx = gw = grid_sum = None
        if not self.transposed:
            plan = self.plan
            g_grid = to_grid(g, plan) if plan.length and g.shape[0] else None
            if need_b:
                # The junk positions of the grid are zeros, so a row sum is the bias gradient.
                grid_sum = g_grid.sum(axis=1) if g_grid is not None else \
                    np.zeros(w.shape[0], dtype=g.dtype, like=g)
            if need_x:
                if g_grid is None:
                    arr = np.zeros(x.shape, dtype=g.dtype, like=g)
                else:
                    cols = _grouped_matmul(w.reshape(w.shape[0], -1), g_grid, groups,
                                           trans_a=True)
                    arr = col2im(cols, plan, g.shape[0])
                gx = _finish(arr, input._data.dtype)
            if need_w:
                arr = conv_weight_grad_array(x, g, w.shape, plan, groups, self.cols, g_grid)
                gw = _finish(arr, weight._data.dtype)
        else:
            # y = conv_transpose(x, w): x plays the convolution's output, y its input.
            plan = self.plan
            cols = im2col(g, plan) if plan.length and g.shape[0] else None
            if need_x:
                if cols is None:
                    arr = np.zeros(x.shape, dtype=g.dtype, like=g)
                else:
                    arr = from_grid(_grouped_matmul(w.reshape(w.shape[0], -1), cols, groups),
                                    plan, g.shape[0])
                gx = _finish(arr, input._data.dtype)
            if need_w:
                arr = conv_weight_grad_array(g, x, w.shape, plan, groups, cols)
                gw = _finish(arr, weight._data.dtype)
        return gx, gw, grid_sum

    def _differentiable(self, grad, input, weight, need_x, need_w):
        stride, padding, dilation, groups = self.stride, self.padding, self.dilation, self.groups
        if weight._data.dtype.kind == "c":
            input, weight = conj_if_complex(input), conj_if_complex(weight)
        gx = gw = None
        if not self.transposed:
            if need_x:
                gx = _convolution(grad, weight, None, stride, padding, dilation, True,
                                  _input_grad_output_padding(self.plan), groups,
                                  spatial=self.plan.spatial)
            if need_w:
                gw = conv_weight_grad(input, grad, weight._data.shape, self.plan, groups)
        else:
            if need_x:
                gx = _convolution(grad, weight, None, stride, padding, dilation, False,
                                  (0,) * len(stride), groups)
            if need_w:
                gw = conv_weight_grad(grad, input, weight._data.shape, self.plan, groups)
        return gx, gw

    def release(self) -> None:
        self.cols = None
        super().release()


def _input_grad_output_padding(plan: _Plan) -> tuple:
    return tuple(s + 2 * p - ((o - 1) * st + (k - 1) * d + 1)
                 for s, p, o, st, k, d in zip(plan.spatial, plan.padding, plan.out, plan.stride,
                                              plan.kernel, plan.dilation))


class ConvolutionBackwardBackward0(Node):
    """Backward of the weight gradient ``conv_weight_grad(x, g)`` (bilinear in x and g)."""

    def backward(self, grad):
        x, g = self.saved_tensors
        plan = self.plan
        gx = gg = None
        if self._next[0] is not None:
            gx = _convolution(g, grad, None, plan.stride, plan.padding, plan.dilation, True,
                              _input_grad_output_padding(plan), self.groups, spatial=plan.spatial)
        if self._next[1] is not None:
            gg = _convolution(x, grad, None, plan.stride, plan.padding, plan.dilation, False,
                              (0,) * len(plan.stride), self.groups)
        return gx, gg


def conv_weight_grad(x: Tensor, g: Tensor, weight_shape, plan: _Plan, groups: int) -> Tensor:
    """The weight gradient of a convolution of ``x`` whose output gradient is ``g``
    (differentiable in both)."""
    arr = conv_weight_grad_array(_compute(x._data), _compute(g._data), weight_shape, plan,
                                 groups)
    result = _finish(arr, x._data.dtype)
    if grad_state.enabled and (x._rg or g._rg):
        node = ConvolutionBackwardBackward0((x, g), result)
        node.save(x, g)
        node.plan, node.groups = plan, groups
    return result


def _convolution(input: Tensor, weight: Tensor, bias, stride, padding, dilation, transposed,
                 output_padding, groups, spatial=None) -> Tensor:
    """``convolution`` on checked arguments; ``spatial`` overrides a transposed output size."""
    x = _compute(input._data)
    w = _compute(weight._data)
    kernel = w.shape[2:]
    cols = None
    pending_bias = bias
    if not transposed:
        out = tuple(conv_output_size(s, k, st, p, d) for s, k, st, p, d in
                    zip(x.shape[2:], kernel, stride, padding, dilation))
        plan = _Plan(x.shape[2:], kernel, out, stride, padding, dilation)
        b = None if bias is None else _compute(bias._data)
        arr, cols = conv_forward_array(x, w, plan, groups, b)
        pending_bias = None  # added while copying out of the matmul's layout
    else:
        if spatial is None:
            spatial = tuple((i - 1) * st - 2 * p + d * (k - 1) + 1 + op for i, k, st, p, d, op in
                            zip(x.shape[2:], kernel, stride, padding, dilation, output_padding))
        if any(s < 1 for s in spatial):
            raise RuntimeError(f"Given input size per channel: "
                               f"({' x '.join(map(str, x.shape[2:]))}). Calculated output size "
                               f"per channel: ({' x '.join(map(str, spatial))}). Output size is "
                               "too small")
        plan = _Plan(spatial, kernel, x.shape[2:], stride, padding, dilation)
        arr = conv_input_grad_array(x, w, plan, groups)
    _add_bias(arr, pending_bias)
    result = _finish(arr, input._data.dtype)
    if grad_state.enabled and (input._rg or weight._rg or (bias is not None and bias._rg)):
        node = ConvolutionBackward0((input, weight, bias), result)
        node.save(input, weight)
        node.plan, node.groups, node.transposed = plan, groups, transposed
        node.stride, node.padding, node.dilation = stride, padding, dilation
        if weight._rg and cols is not None:
            node.cols = cols
    return result


def convolution(input: Tensor, weight: Tensor, bias, stride, padding, dilation, transposed: bool,
                output_padding, groups: int) -> Tensor:
    """A convolution (or transposed convolution) over all dims after the first two."""
    # Like PyTorch, the weight decides how many spatial dims the arguments must describe.
    n = max(weight._data.ndim - 2, 1)
    stride = expand_param(stride, n, "stride")
    padding = expand_param(padding, n, "padding")
    dilation = expand_param(dilation, n, "dilation")
    output_padding = expand_param(output_padding, n, "output_padding")
    groups = operator.index(groups)
    _check_shapes(input, weight, bias, stride, padding, dilation, transposed, output_padding,
                  groups)
    _check_types(input, weight, bias)
    return _convolution(input, weight, bias, stride, padding, dilation, bool(transposed),
                        output_padding, groups)


# ----------------------------------------------------------------------------------------------
# conv1d / conv2d / conv3d and the transposed forms
# ----------------------------------------------------------------------------------------------

def _batchify(input: Tensor, dims: int, name: str):
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    ndim = input._data.ndim
    if ndim == dims + 2:
        return input, True
    if ndim != dims + 1:
        raise RuntimeError(f"Expected {dims + 1}D (unbatched) or {dims + 2}D (batched) input to "
                           f"{name}, but got input of size: {_sizes(input._data.shape)}")
    return input.unsqueeze(0), False


def _check_weight(weight, name: str) -> None:
    if not isinstance(weight, Tensor):
        raise TypeError(f"{name}(): argument 'weight' (position 2) must be Tensor, not "
                        f"{type(weight).__name__}")


def _int_list(value, dims: int, name: str):
    """An int argument as PyTorch's parser reads it for an ``int[dims]`` parameter."""
    if isinstance(value, (list, tuple)):
        return tuple(value)
    if not _is_int(value):
        raise TypeError(f"argument '{name}' must be tuple of ints, but found element of type "
                        f"{type(value).__name__}")
    return (operator.index(value),) * dims


def _conv_nd(input, weight, bias, stride, padding, dilation, groups, dims: int, name: str):
    _check_weight(weight, name)
    stride = _int_list(stride, dims, "stride")
    dilation = _int_list(dilation, dims, "dilation")
    if not isinstance(padding, str):
        padding = _int_list(padding, dims, "padding")
    batched, is_batched = _batchify(input, dims, name)
    if isinstance(padding, str):
        result = _conv_padding_mode(batched, weight, bias, stride, padding, dilation, groups, dims)
    else:
        result = convolution(batched, weight, bias, stride, padding, dilation, False, 0, groups)
    return result if is_batched else result.squeeze(0)


def _conv_padding_mode(input, weight, bias, stride, mode: str, dilation, groups, dims):
    stride = expand_param(stride, dims, "stride")
    dilation = expand_param(dilation, dims, "dilation")
    if mode == "valid":
        return convolution(input, weight, bias, stride, 0, dilation, False, 0, groups)
    if mode != "same":
        raise RuntimeError(f"Invalid padding string: '{mode}'")
    if any(s != 1 for s in stride):
        raise RuntimeError("padding='same' is not supported for strided convolutions")
    kernel = weight._data.shape[2:]
    if len(kernel) != dims:
        # Let convolution() report the shape mismatch in its words.
        return convolution(input, weight, bias, stride, 0, dilation, False, 0, groups)
    totals = [d * (k - 1) for d, k in zip(dilation, kernel)]
    left = [t // 2 for t in totals]
    extra = [t - 2 * lft for t, lft in zip(totals, left)]
    if any(extra):
        warnings.warn("Using padding='same' with even kernel lengths and odd dilation may require "
                      "a zero-padded copy of the input be created", UserWarning, stacklevel=4)
        pad = []
        for e in reversed(extra):
            pad += [0, e]
        input = constant_pad_nd(input, pad, 0)
    return convolution(input, weight, bias, stride, left, dilation, False, 0, groups)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """1-D convolution over (N, C, L) or (C, L) input."""
    return _conv_nd(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """2-D convolution over (N, C, H, W) or (C, H, W) input."""
    return _conv_nd(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """3-D convolution over (N, C, D, H, W) or (C, D, H, W) input."""
    return _conv_nd(input, weight, bias, stride, padding, dilation, groups, 3, "conv3d")


def _conv_transpose_nd(input, weight, bias, stride, padding, output_padding, groups, dilation,
                       dims: int, name: str):
    _check_weight(weight, name)
    if isinstance(padding, str):
        raise TypeError(f"{name}(): argument 'padding' must be tuple of ints, not str")
    stride = _int_list(stride, dims, "stride")
    dilation = _int_list(dilation, dims, "dilation")
    padding = _int_list(padding, dims, "padding")
    output_padding = _int_list(output_padding, dims, "output_padding")
    batched, is_batched = _batchify(input, dims, name)
    result = convolution(batched, weight, bias, stride, padding, dilation, True, output_padding,
                         groups)
    return result if is_batched else result.squeeze(0)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1) -> Tensor:
    """1-D transposed convolution (the gradient of conv1d with respect to its input)."""
    return _conv_transpose_nd(input, weight, bias, stride, padding, output_padding, groups,
                              dilation, 1, "conv_transpose1d")


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1) -> Tensor:
    """2-D transposed convolution (the gradient of conv2d with respect to its input)."""
    return _conv_transpose_nd(input, weight, bias, stride, padding, output_padding, groups,
                              dilation, 2, "conv_transpose2d")


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1) -> Tensor:
    """3-D transposed convolution (the gradient of conv3d with respect to its input)."""
    return _conv_transpose_nd(input, weight, bias, stride, padding, output_padding, groups,
                              dilation, 3, "conv_transpose3d")


class ConvTbcBackward0(Node):
    def backward(self, grad):
        input, weight = self.saved_tensors
        plan = self.plan
        x, w, gy = input.permute(1, 2, 0), weight.permute(2, 1, 0), grad.permute(1, 2, 0)
        gx = gw = gb = None
        if self._next[0] is not None:
            gx = _convolution(gy, w, None, plan.stride, plan.padding, plan.dilation, True,
                              _input_grad_output_padding(plan), 1,
                              spatial=plan.spatial).permute(2, 0, 1).contiguous()
        if self._next[1] is not None:
            gw = conv_weight_grad(x, gy, w._data.shape, plan, 1).permute(2, 1, 0).contiguous()
        if self._next[2] is not None:
            gb = grad.sum((0, 1))
        return gx, gw, gb


def conv_tbc(input, weight, bias, pad: int = 0) -> Tensor:
    """1-D convolution over time-batch-channel input (T, N, C) with weight (K, C, OC)."""
    if input._data.ndim != 3:
        raise RuntimeError("Input must have 3 dims: time, batch, in_channel")
    if weight._data.ndim != 3:
        raise RuntimeError("Weight tensor must have 3 dims: kernel_width, in_channels, "
                           "out_channels.")
    if bias._data.ndim != 1:
        raise RuntimeError("Bias must be 1-D")
    if input._data.shape[2] != weight._data.shape[1]:
        raise RuntimeError("Input dim 2 (input channels) is not == dim 1 in the weight tensor")
    if weight._data.shape[2] != bias._data.shape[0]:
        raise RuntimeError("Bias size must equal dim 2 in the weight tensor (output channels).")
    x = _compute(input._data).transpose(1, 2, 0)
    w = _compute(weight._data).transpose(2, 1, 0)
    out = conv_output_size(x.shape[2], w.shape[2], 1, pad, 1)
    plan = _Plan(x.shape[2:], w.shape[2:], (out,), (1,), (pad,), (1,))
    arr, _ = conv_forward_array(x, w, plan, 1, _compute(bias._data))
    result = _finish(contiguous_array(arr.transpose(2, 0, 1)), input._data.dtype)
    if grad_state.enabled and (input._rg or weight._rg or bias._rg):
        node = ConvTbcBackward0((input, weight, bias), result)
        node.save(input, weight)
        node.plan = plan
    return result


# ----------------------------------------------------------------------------------------------
# im2col / col2im (F.unfold / F.fold)
# ----------------------------------------------------------------------------------------------

def _dense_plan(spatial, kernel, stride, padding, dilation) -> _Plan:
    out = tuple(conv_output_size(s, k, st, p, d) for s, k, st, p, d in
                zip(spatial, kernel, stride, padding, dilation))
    return _Plan(spatial, kernel, out, stride, padding, dilation, dense=True)


def _unfold_array(x: np.ndarray, plan: _Plan) -> np.ndarray:
    n, c = x.shape[:2]
    if not holds_values(x):
        return np.empty((n, c * math.prod(plan.kernel), math.prod(plan.out)), x.dtype, like=x)
    xp = _pad_array(x, plan)
    s_n, s_c = xp.strides[:2]
    sp = xp.strides[2:]
    view = as_strided(xp, (n, c) + plan.kernel + plan.out,
                      (s_n, s_c) + tuple(d * s for d, s in zip(plan.dilation, sp))
                      + tuple(st * s for st, s in zip(plan.stride, sp)))
    return np.ascontiguousarray(view).reshape(n, c * math.prod(plan.kernel), math.prod(plan.out))


def _fold_array(cols: np.ndarray, plan: _Plan, channels: int) -> np.ndarray:
    n = cols.shape[0]
    if not holds_values(cols):
        return np.empty((n, channels) + plan.spatial, cols.dtype, like=cols)
    buf = np.zeros((n, channels) + plan.padded, dtype=cols.dtype)
    pieces = cols.reshape((n, channels) + plan.kernel + plan.out)
    for index in np.ndindex(*plan.kernel):
        where = tuple(slice(k * d, k * d + st * (o - 1) + 1, st)
                      for k, d, st, o in zip(index, plan.dilation, plan.stride, plan.out))
        buf[(slice(None), slice(None)) + where] += pieces[(slice(None), slice(None)) + index]
    inner = tuple(slice(p, p + s) for p, s in zip(plan.padding, plan.spatial))
    return np.ascontiguousarray(buf[(slice(None), slice(None)) + inner])


class Im2ColBackward0(Node):
    def backward(self, grad):
        return (col2im_op(grad, self.plan, self.channels),)


class Col2ImBackward0(Node):
    def backward(self, grad):
        return (im2col_op(grad, self.plan),)


def im2col_op(input: Tensor, plan: _Plan) -> Tensor:
    """Sliding blocks of a (N, C, *spatial) or (C, *spatial) tensor as (N, C * prod(K), L)
    (or (C * prod(K), L)) columns."""
    x = input._data
    unbatched = x.ndim == len(plan.spatial) + 1
    if unbatched:
        x = x[None]
    if plan.length == 0 or x.size == 0:
        arr = np.zeros((x.shape[0], x.shape[1] * math.prod(plan.kernel), max(plan.length, 0)),
                       dtype=x.dtype, like=x)
    else:
        arr = _unfold_array(x, plan)
    result = wrap(arr[0] if unbatched else arr)
    if grad_state.enabled and input._rg:
        node = Im2ColBackward0((input,), result)
        node.plan, node.channels = plan, x.shape[1]
    return result


def col2im_op(input: Tensor, plan: _Plan, channels: int) -> Tensor:
    """Sum columns (N, C * prod(K), L) back into a (N, C, *spatial) tensor (im2col's adjoint);
    unbatched (C * prod(K), L) columns give (C, *spatial)."""
    x = input._data
    unbatched = x.ndim == 2
    if unbatched:
        x = x[None]
    if plan.length == 0 or x.size == 0:
        arr = np.zeros((x.shape[0], channels) + plan.spatial, dtype=x.dtype, like=x)
    else:
        arr = _fold_array(x, plan, channels)
    result = wrap(arr[0] if unbatched else arr)
    if grad_state.enabled and input._rg:
        node = Col2ImBackward0((input,), result)
        node.plan = plan
    return result


__all__ = ["convolution", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d", "conv_tbc", "constant_pad_nd"]
