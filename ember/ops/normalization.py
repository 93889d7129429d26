"""Normalization ops: batch, layer and group normalization, each one op with a fused backward
(PyTorch's ``NativeBatchNormBackward0``, ``NativeLayerNormBackward0``,
``NativeGroupNormBackward0``), and the ops PyTorch composes from them (``instance_norm``,
``rms_norm``).

Statistics accumulate in float64, as PyTorch's CPU kernels accumulate float data in double, so
means and variances come out correctly rounded.  Each backward has two forms: NumPy for the
ordinary backward pass, and one written with ember ops for when the backward itself is being
recorded (``create_graph=True``), so that double backward works.

This module also re-exports the top-level names of the dropout, embedding and resampling ops
(``ember.dropout``, ``ember.embedding``, ``ember.pixel_shuffle``, ...), which live in their own
files beside it.
"""
from __future__ import annotations

import math

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from ..autograd.grad_mode import state as grad_state
from ..autograd.node import Node
from ._dispatch import _type_word, shape_str
from .dropout import (alpha_dropout, alpha_dropout_, dropout, dropout_, feature_alpha_dropout,
                      feature_alpha_dropout_, feature_dropout, feature_dropout_, native_dropout)
from .embedding import embedding, embedding_bag, embedding_renorm_
from .sampling import (affine_grid_generator, channel_shuffle, grid_sampler, grid_sampler_2d,
                       grid_sampler_3d, native_channel_shuffle, pixel_shuffle, pixel_unshuffle)

__all__ = ["batch_norm", "native_batch_norm", "layer_norm", "native_layer_norm", "group_norm",
           "native_group_norm", "instance_norm", "rms_norm",
           # re-exported from the sibling op files
           "dropout", "dropout_", "feature_dropout", "feature_dropout_", "alpha_dropout",
           "alpha_dropout_", "feature_alpha_dropout", "feature_alpha_dropout_",
           "native_dropout", "embedding", "embedding_bag", "embedding_renorm_",
           "pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "native_channel_shuffle",
           "grid_sampler", "grid_sampler_2d", "grid_sampler_3d", "affine_grid_generator"]

wrap = Tensor._make
_F32 = np.dtype(np.float32)
_F64 = np.dtype(np.float64)
_HALF_TYPES = (np.dtype(np.float16), D.bfloat16.np)


# ----------------------------------------------------------------------------------------------
# Shared helpers
# ----------------------------------------------------------------------------------------------

def _compute_dtype(np_dtype):
    """Half types compute in float32 and round once at the end."""
    return _F32 if np_dtype in _HALF_TYPES else np_dtype


def _check_floating(input: Tensor, kernel: str) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{kernel}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_type_word(input.dtype)}'")


def _check_param_dtypes(input: Tensor, params) -> None:
    # PyTorch's CPU kernels accept float32 parameters with half inputs ("mixed type"), and
    # otherwise insist that everything shares the input's dtype.
    dt = input._data.dtype
    for p in params:
        if p is None or p._data.dtype == dt:
            continue
        if dt in _HALF_TYPES and p._data.dtype == _F32:
            continue
        if dt == _F32 or dt in _HALF_TYPES:
            raise RuntimeError("mixed dtype (CPU): expect parameter to have scalar type of Float")
        raise RuntimeError("mixed dtype (CPU): all inputs must share same datatype.")


def _param(t: Tensor | None, cdt):
    """A parameter's values in the compute dtype (None stays None)."""
    if t is None:
        return None
    arr = t._data
    return arr if arr.dtype == cdt else arr.astype(cdt)


def _finish(arr, np_dtype) -> Tensor:
    return wrap(arr if arr.dtype == np_dtype else arr.astype(np_dtype))


def _const(arr, like: Tensor) -> Tensor:
    """A constant tensor (no history) in ``like``'s dtype, for the differentiable backward."""
    return wrap(np.ascontiguousarray(arr).astype(like._data.dtype))


def _blocks(arr: np.ndarray, lead: int, second: int) -> np.ndarray:
    """``arr`` as (lead, second, rest) -- spelled out, since -1 is ambiguous when empty."""
    rest = math.prod(arr.shape) // (lead * second) if lead * second else \
        math.prod(arr.shape[2:]) * (arr.shape[1] // second if second else 0)
    return arr.reshape(lead, second, rest)


def _row_moments(x2: np.ndarray):
    """(mean, x - mean, biased variance) of each row of a 2-D array.

    Sums run along the contiguous rows (NumPy's pairwise and SIMD partial sums), accurate to
    a few float ulps; the statistics come back in float64.
    """
    size = x2.shape[1]
    with np.errstate(all="ignore"):
        mean = x2.sum(axis=1) / x2.dtype.type(size)
        centered = x2 - mean[:, None]
        var = np.einsum("rm,rm->r", centered, centered) / x2.dtype.type(size)
    return mean.astype(_F64), centered, var.astype(_F64)


def _column_sums(x2: np.ndarray) -> np.ndarray:
    """Sums over the rows of a 2-D array (a BLAS matrix-vector product)."""
    return np.ones(x2.shape[0], x2.dtype) @ x2 if x2.shape[0] else np.zeros(x2.shape[1])


def _graph_stats(x: Tensor, dims, eps: float):
    """(x_hat, 1/std) recomputed with ember ops so their dependence on x is recorded."""
    centered = x - x.mean(dims, keepdim=True)
    invstd = ((centered * centered).mean(dims, keepdim=True) + eps).rsqrt()
    return centered * invstd, invstd


def _graph_input_grad(gxhat: Tensor, xhat: Tensor, invstd: Tensor, dims) -> Tensor:
    """d loss / d x for x_hat = (x - mean) / std over ``dims``, given d loss / d x_hat."""
    return invstd * (gxhat - gxhat.mean(dims, keepdim=True)
                     - xhat * (gxhat * xhat).mean(dims, keepdim=True))


# ----------------------------------------------------------------------------------------------
# Batch normalization
# ----------------------------------------------------------------------------------------------

class NativeBatchNormBackward0(Node):
    """Backward of batch norm: one pass for the channel sums, one for the input gradient."""

    def backward(self, grad):
        input, weight = self.saved_tensors
        if grad_state.enabled:
            return self._recorded(grad, input, weight)
        need_x, need_w, need_b = (n is not None for n in self._next)
        shape = input._data.shape
        cdt = _compute_dtype(input._data.dtype)
        n, c = shape[0], shape[1]
        x3 = _blocks(input._data, n, c).astype(cdt, copy=False)
        g3 = _blocks(grad._data, n, c).astype(cdt, copy=False)
        count = x3.shape[0] * x3.shape[2]
        mean, invstd = self.mean, self.invstd
        train_x = need_x and self.training
        sum_g = g3.sum(axis=(0, 2), dtype=_F64) if need_b or train_x else None
        centered = dot = None
        if need_w or train_x:
            centered = x3 - mean.astype(cdt)[:, None]
            dot = np.einsum("ncl,ncl->c", g3, centered, dtype=_F64) if count else np.zeros(c)
        grad_input = grad_weight = grad_bias = None
        if need_x:
            k = invstd if weight is None else invstd * weight._data.astype(_F64)
            grad_x = g3 * k.astype(cdt)[:, None]
            if self.training:
                with np.errstate(all="ignore"):
                    centered *= (-k * invstd * invstd * dot / count).astype(cdt)[:, None]
                    grad_x += centered
                    grad_x += (-k * sum_g / count).astype(cdt)[:, None]
            grad_input = _finish(grad_x.reshape(shape), input._data.dtype)
        if need_w:
            grad_weight = _finish(dot * invstd, weight._data.dtype)
        if need_b:
            grad_bias = _finish(sum_g, self.bias_dtype)
        return grad_input, grad_weight, grad_bias

    def _recorded(self, grad, input, weight):
        ndim = input.ndim
        dims = [0] + list(range(2, ndim))
        bshape = (1, input.shape[1]) + (1,) * (ndim - 2)
        if self.training:
            xhat, invstd = _graph_stats(input, dims, self.eps)
        else:
            invstd = _const(self.invstd.reshape(bshape), input)
            xhat = (input - _const(self.mean.reshape(bshape), input)) * invstd
        gxhat = grad if weight is None else grad * weight.reshape(bshape)
        grad_input = grad_weight = grad_bias = None
        if self._next[0] is not None:
            if self.training:
                grad_input = _graph_input_grad(gxhat, xhat, invstd, dims)
            else:
                grad_input = gxhat * invstd
        if self._next[1] is not None:
            grad_weight = (grad * xhat).sum(dims)
        if self._next[2] is not None:
            grad_bias = grad.sum(dims)
        return grad_input, grad_weight, grad_bias


def _check_channel_vector(t: Tensor | None, name: str, channels: int) -> None:
    if t is not None and t.numel() != channels:
        raise RuntimeError(f"{name} should contain {channels} elements not {t.numel()}")


def _update_running(buffer: Tensor, stat64, momentum: float) -> None:
    """running = (1 - momentum) * running + momentum * stat, written into the buffer in place."""
    arr = buffer._data
    updated = momentum * stat64 + (1 - momentum) * arr.reshape(-1).astype(_F64)
    arr[...] = updated.reshape(arr.shape).astype(arr.dtype)
    buffer._bump_version()


def native_batch_norm(input: Tensor, weight: Tensor | None, bias: Tensor | None,
                      running_mean: Tensor | None, running_var: Tensor | None, training: bool,
                      momentum: float, eps: float):
    """Batch normalization over dim 1: returns (output, batch mean, batch 1/std).

    In training the batch statistics normalize the input and (when given) the running
    statistics move towards them in place, the variance unbiased; otherwise the running
    statistics normalize.
    """
    _check_floating(input, "batch_norm")
    shape = input._data.shape
    if len(shape) < 2:
        raise RuntimeError(f"batch_norm: expected at least 2D input (got {len(shape)}D input)")
    channels = shape[1]
    _check_channel_vector(weight, "weight", channels)
    _check_channel_vector(bias, "bias", channels)
    _check_channel_vector(running_mean, "running_mean", channels)
    _check_channel_vector(running_var, "running_var", channels)
    _check_param_dtypes(input, (weight, bias, running_mean, running_var))
    if not training and (running_mean is None or running_var is None):
        which = "running_mean" if running_mean is None else "running_var"
        raise RuntimeError(f"{which} must be defined in evaluation mode")
    np_dtype = input._data.dtype
    cdt = _compute_dtype(np_dtype)
    x3 = _blocks(input._data, shape[0], channels).astype(cdt, copy=False)
    count = x3.shape[0] * x3.shape[2]
    with np.errstate(all="ignore"):
        if training:
            mean = x3.sum(axis=(0, 2), dtype=_F64) / count
            centered = x3 - mean.astype(cdt)[:, None]
            var = np.einsum("ncl,ncl->c", centered, centered, dtype=_F64) / count \
                if count else np.full(channels, np.nan)
            del centered
            invstd = 1.0 / np.sqrt(var + eps)
            if running_mean is not None:
                _update_running(running_mean, mean, momentum)
            if running_var is not None:
                _update_running(running_var, var * count / (count - 1) if count > 1
                                else np.full(channels, np.inf), momentum)
        else:
            mean = running_mean._data.reshape(-1).astype(_F64)
            invstd = 1.0 / np.sqrt(running_var._data.reshape(-1).astype(_F64) + eps)
        # PyTorch's transform: out = x * alpha + beta with per-channel alpha and beta.
        alpha = invstd if weight is None else invstd * weight._data.astype(_F64)
        beta = -mean * alpha
        if bias is not None:
            beta = beta + bias._data.astype(_F64)
        out = x3 * alpha.astype(cdt)[:, None]
        out += beta.astype(cdt)[:, None]
    result = _finish(out.reshape(shape), np_dtype)
    stat_dtype = np_dtype if weight is None or np_dtype not in _HALF_TYPES else weight._data.dtype
    if training:
        save_mean, save_invstd = _finish(mean, stat_dtype), _finish(invstd, stat_dtype)
    else:
        save_mean = wrap(np.empty(0, stat_dtype))
        save_invstd = wrap(np.empty(0, stat_dtype))
    if grad_state.enabled and (input._rg or (weight is not None and weight._rg)
                               or (bias is not None and bias._rg)):
        node = NativeBatchNormBackward0((input, weight, bias), result)
        node.save(input, weight)
        node.mean, node.invstd = mean, invstd
        node.training, node.eps = bool(training), eps
        node.bias_dtype = bias._data.dtype if bias is not None else None
    return result, save_mean, save_invstd


def batch_norm(input: Tensor, weight: Tensor | None, bias: Tensor | None,
               running_mean: Tensor | None, running_var: Tensor | None, training: bool,
               momentum: float, eps: float, cudnn_enabled: bool = True) -> Tensor:
    """Batch normalization over dim 1 (``torch.batch_norm``); see :func:`native_batch_norm`."""
    return native_batch_norm(input, weight, bias, running_mean, running_var, training,
                             momentum, eps)[0]


# ----------------------------------------------------------------------------------------------
# Layer normalization
# ----------------------------------------------------------------------------------------------

class NativeLayerNormBackward0(Node):
    """Backward of layer norm over the trailing ``normalized_shape`` dims."""

    def backward(self, grad):
        input, weight = self.saved_tensors
        if grad_state.enabled:
            return self._recorded(grad, input, weight)
        need_x, need_w, need_b = (n is not None for n in self._next)
        shape = input._data.shape
        cdt = _compute_dtype(input._data.dtype)
        size = self.size
        x2 = input._data.reshape(-1, size).astype(cdt, copy=False)
        g2 = grad._data.reshape(-1, size).astype(cdt, copy=False)
        mean, rstd = self.mean.astype(cdt), self.rstd.astype(cdt)
        w = None if weight is None else _param(weight, cdt).reshape(-1)
        grad_input = grad_weight = grad_bias = None
        with np.errstate(all="ignore"):
            xhat = x2 - mean[:, None]
            xhat *= rstd[:, None]
            # g * x_hat serves both the weight gradient (its column sums) and the input
            # gradient (its row sums against the weight): matrix-vector products.
            g_xhat = g2 * xhat
            if need_w:
                grad_weight = _finish(_column_sums(g_xhat).reshape(weight.shape),
                                      weight._data.dtype)
            if need_b:
                grad_bias = _finish(_column_sums(g2).reshape(self.bias_shape), self.bias_dtype)
            if need_x:
                # d x = rstd * (g w - mean(g w) - x_hat * mean(g w x_hat)) per row.
                if w is None:
                    mean_g = g2.sum(axis=1) / cdt.type(size)
                    mean_gx = g_xhat.sum(axis=1) / cdt.type(size)
                    grad_x = g2.copy()
                else:
                    mean_g = (g2 @ w) / cdt.type(size)
                    mean_gx = (g_xhat @ w) / cdt.type(size)
                    grad_x = g2 * w
                del g_xhat
                xhat *= mean_gx[:, None]
                xhat += mean_g[:, None]
                grad_x -= xhat
                grad_x *= rstd[:, None]
                grad_input = _finish(grad_x.reshape(shape), input._data.dtype)
        return grad_input, grad_weight, grad_bias

    def _recorded(self, grad, input, weight):
        dims = list(range(input.ndim - self.ndims, input.ndim))
        xhat, invstd = _graph_stats(input, dims, self.eps)
        gxhat = grad if weight is None else grad * weight
        lead = list(range(input.ndim - self.ndims))
        grad_input = grad_weight = grad_bias = None
        if self._next[0] is not None:
            grad_input = _graph_input_grad(gxhat, xhat, invstd, dims)
        if self._next[1] is not None:
            grad_weight = (grad * xhat).sum(lead) if lead else grad * xhat
        if self._next[2] is not None:
            grad_bias = grad.sum(lead) if lead else grad
        return grad_input, grad_weight, grad_bias


def _normalized_shape(normalized_shape) -> tuple:
    if isinstance(normalized_shape, (int, np.integer)):
        return (int(normalized_shape),)
    return tuple(int(s) for s in normalized_shape)


def _check_layer_norm(input: Tensor, normalized_shape: tuple, weight, bias) -> None:
    if not normalized_shape:
        raise RuntimeError("Expected normalized_shape to be at least 1-dimensional, i.e., "
                           "containing at least one element, but got normalized_shape = []")
    if weight is not None and tuple(weight.shape) != normalized_shape:
        raise RuntimeError(f"Expected weight to be of same shape as normalized_shape, but got "
                           f"weight of shape {shape_str(weight.shape)} and normalized_shape = "
                           f"{shape_str(normalized_shape)}")
    if bias is not None and tuple(bias.shape) != normalized_shape:
        raise RuntimeError(f"Expected bias to be of same shape as normalized_shape, but got "
                           f"bias of shape {shape_str(bias.shape)} and normalized_shape = "
                           f"{shape_str(normalized_shape)}")
    k = len(normalized_shape)
    shape = input._data.shape
    if len(shape) < k or tuple(shape[len(shape) - k:]) != normalized_shape:
        expected = "[*, " + ", ".join(str(s) for s in normalized_shape) + "]"
        raise RuntimeError(f"Given normalized_shape={shape_str(normalized_shape)}, expected "
                           f"input with shape {expected}, but got input of size"
                           f"{shape_str(shape)}")


def native_layer_norm(input: Tensor, normalized_shape, weight: Tensor | None,
                      bias: Tensor | None, eps: float):
    """Layer normalization over the trailing ``normalized_shape`` dims: (output, mean, 1/std)."""
    _check_floating(input, "LayerNormKernelImpl")
    normalized_shape = _normalized_shape(normalized_shape)
    _check_layer_norm(input, normalized_shape, weight, bias)
    _check_param_dtypes(input, (weight, bias))
    shape = input._data.shape
    np_dtype = input._data.dtype
    cdt = _compute_dtype(np_dtype)
    size = math.prod(normalized_shape)
    x2 = input._data.reshape(-1, size).astype(cdt, copy=False)
    with np.errstate(all="ignore"):
        mean, centered, var = _row_moments(x2)
        rstd = 1.0 / np.sqrt(var + eps)
        out = centered
        out *= rstd.astype(cdt)[:, None]
        if weight is not None:
            out *= _param(weight, cdt).reshape(-1)
        if bias is not None:
            out += _param(bias, cdt).reshape(-1)
    result = _finish(out.reshape(shape), np_dtype)
    stat_shape = shape[:len(shape) - len(normalized_shape)] + (1,) * len(normalized_shape)
    save_mean = _finish(mean.reshape(stat_shape), np_dtype)
    save_rstd = _finish(rstd.reshape(stat_shape), np_dtype)
    if grad_state.enabled and (input._rg or (weight is not None and weight._rg)
                               or (bias is not None and bias._rg)):
        node = NativeLayerNormBackward0((input, weight, bias), result)
        node.save(input, weight)
        node.mean, node.rstd, node.eps = mean, rstd, eps
        node.size, node.ndims = size, len(normalized_shape)
        node.bias_shape = normalized_shape
        node.bias_dtype = bias._data.dtype if bias is not None else None
    return result, save_mean, save_rstd


def layer_norm(input: Tensor, normalized_shape, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5,
               cudnn_enable: bool = True) -> Tensor:
    """Layer normalization over the trailing ``normalized_shape`` dims (``torch.layer_norm``)."""
    return native_layer_norm(input, normalized_shape, weight, bias, eps)[0]


# ----------------------------------------------------------------------------------------------
# Group normalization
# ----------------------------------------------------------------------------------------------

class NativeGroupNormBackward0(Node):
    """Backward of group norm: statistics per (sample, group), affine per channel."""

    def backward(self, grad):
        input, weight = self.saved_tensors
        if grad_state.enabled:
            return self._recorded(grad, input, weight)
        need_x, need_w, need_b = (n is not None for n in self._next)
        shape = input._data.shape
        cdt = _compute_dtype(input._data.dtype)
        n, c, groups = shape[0], shape[1], self.groups
        x3 = _blocks(input._data, n, groups).astype(cdt, copy=False)
        g3 = _blocks(grad._data, n, c).astype(cdt, copy=False)
        with np.errstate(all="ignore"):
            xhat = (x3 - self.mean.astype(cdt)[:, :, None]) * self.rstd.astype(cdt)[:, :, None]
        xhat_c = _blocks(xhat, n, c)
        grad_input = grad_weight = grad_bias = None
        if need_w:
            grad_weight = _finish(np.einsum("ncl,ncl->nc", g3, xhat_c).sum(0, dtype=_F64),
                                  weight._data.dtype)
        if need_b:
            grad_bias = _finish(g3.sum(axis=2).sum(0, dtype=_F64), self.bias_dtype)
        if need_x:
            gxhat = g3 if weight is None else g3 * _param(weight, cdt)[:, None]
            gxhat = _blocks(gxhat, n, groups)
            size = gxhat.shape[2]
            with np.errstate(all="ignore"):
                mean_g = gxhat.sum(axis=2) / size
                mean_gx = np.einsum("ngl,ngl->ng", gxhat, xhat) / size
                xhat *= mean_gx.astype(cdt)[:, :, None]
                grad_x = gxhat - mean_g.astype(cdt)[:, :, None]
                grad_x -= xhat
                grad_x *= self.rstd.astype(cdt)[:, :, None]
            grad_input = _finish(grad_x.reshape(shape), input._data.dtype)
        return grad_input, grad_weight, grad_bias

    def _recorded(self, grad, input, weight):
        shape = tuple(input.shape)
        n, c, groups = shape[0], shape[1], self.groups
        xhat, invstd = _graph_stats(input.reshape(n, groups, -1), [2], self.eps)
        g3 = grad.reshape(n, c, -1)
        xhat_c = xhat.reshape(n, c, -1)
        grad_input = grad_weight = grad_bias = None
        if self._next[0] is not None:
            gxhat = g3 if weight is None else g3 * weight.reshape(1, c, 1)
            grad_input = _graph_input_grad(gxhat.reshape(n, groups, -1), xhat, invstd,
                                           [2]).reshape(shape)
        if self._next[1] is not None:
            grad_weight = (g3 * xhat_c).sum([0, 2])
        if self._next[2] is not None:
            grad_bias = g3.sum([0, 2])
        return grad_input, grad_weight, grad_bias


def native_group_norm(input: Tensor, weight: Tensor | None, bias: Tensor | None, N: int,
                      C: int, HxW: int, group: int, eps: float):
    """Group normalization: channels split into ``group`` groups normalized per sample;
    returns (output, mean, 1/std), the statistics of shape (N, group)."""
    _check_floating(input, "GroupNormKernelImpl")
    shape = input._data.shape
    if C % group:
        raise RuntimeError(f"Expected number of channels in input to be divisible by "
                           f"num_groups, but got input of shape {shape_str(shape)} and "
                           f"num_groups={group}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t.ndim != 1 or t.numel() != C):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of "
                               f"channels in input, but got {name} of shape "
                               f"{shape_str(t.shape)} and input of shape {shape_str(shape)}")
    _check_param_dtypes(input, (weight, bias))
    np_dtype = input._data.dtype
    cdt = _compute_dtype(np_dtype)
    x3 = _blocks(input._data, N, group).astype(cdt, copy=False)
    size = x3.shape[2]
    with np.errstate(all="ignore"):
        mean, centered, var = _row_moments(x3.reshape(N * group, size))
        mean, var = mean.reshape(N, group), var.reshape(N, group)
        centered = centered.reshape(N, group, size)
        rstd = 1.0 / np.sqrt(var + eps)
        # One multiply by rstd * weight per (sample, channel), then the bias.
        scale = np.repeat(rstd.astype(cdt), C // group, axis=1)
        if weight is not None:
            scale *= _param(weight, cdt)
        out = _blocks(centered, N, C)
        out *= scale[:, :, None]
        if bias is not None:
            out += _param(bias, cdt)[:, None]
    result = _finish(out.reshape(shape), np_dtype)
    if grad_state.enabled and (input._rg or (weight is not None and weight._rg)
                               or (bias is not None and bias._rg)):
        node = NativeGroupNormBackward0((input, weight, bias), result)
        node.save(input, weight)
        node.mean, node.rstd, node.eps, node.groups = mean, rstd, eps, group
        node.bias_dtype = bias._data.dtype if bias is not None else None
    return result, _finish(mean, np_dtype), _finish(rstd, np_dtype)


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5,
               cudnn_enabled: bool = True) -> Tensor:
    """Group normalization (``torch.group_norm``); see :func:`native_group_norm`."""
    _check_floating(input, "GroupNormKernelImpl")
    shape = input._data.shape
    if len(shape) < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received "
                           f"{len(shape)}")
    n, c = shape[0], shape[1]
    hxw = math.prod(shape[2:])
    return native_group_norm(input, weight, bias, n, c, hxw, num_groups, eps)[0]


# ----------------------------------------------------------------------------------------------
# Composites: instance norm (batch norm over a (1, N*C, ...) view) and RMS norm
# ----------------------------------------------------------------------------------------------

def instance_norm(input: Tensor, weight: Tensor | None, bias: Tensor | None,
                  running_mean: Tensor | None, running_var: Tensor | None,
                  use_input_stats: bool, momentum: float, eps: float,
                  cudnn_enabled: bool = True) -> Tensor:
    """Instance normalization: each (sample, channel) plane normalized on its own.

    As in PyTorch this is batch norm of the input viewed as one sample with N*C channels;
    the running statistics, when given, are updated with the per-sample average.
    """
    if not use_input_stats and (running_mean is None or running_var is None):
        raise RuntimeError("Expected running_mean and running_var to be defined when "
                           "use_input_stats is false")
    shape = tuple(input.shape)
    n, c = shape[0], shape[1]
    folded = input.contiguous().view((1, n * c) + shape[2:])
    repeated = [None if t is None else t.repeat(n)
                for t in (weight, bias, running_mean, running_var)]
    out = batch_norm(folded, repeated[0], repeated[1], repeated[2], repeated[3],
                     use_input_stats, momentum, eps)
    with no_grad():
        for buffer, stats in ((running_mean, repeated[2]), (running_var, repeated[3])):
            if buffer is not None:
                buffer.copy_(stats.view(n, c).mean(0))
    return out.view(shape)


def rms_norm(input: Tensor, normalized_shape, weight: Tensor | None = None,
             eps: float | None = None) -> Tensor:
    """Root-mean-square normalization over the trailing dims, times ``weight``.

    ``eps=None`` uses the machine epsilon of the computation dtype, as PyTorch does.
    """
    _check_floating(input, "rms_norm")
    normalized_shape = _normalized_shape(normalized_shape)
    k = len(normalized_shape)
    shape = tuple(input.shape)
    if len(shape) < k or shape[len(shape) - k:] != normalized_shape:
        expected = "[*" + ", ".join(str(s) for s in normalized_shape) + "]"
        raise RuntimeError(f"Given normalized_shape={shape_str(normalized_shape)}, expected "
                           f"input with shape {expected}, but got input of size"
                           f"{shape_str(shape)}")
    if weight is not None and tuple(weight.shape) != normalized_shape:
        raise RuntimeError(f"Expected weight to be of same shape as normalized_shape, but got "
                           f"weight of shape {shape_str(weight.shape)} and normalized_shape = "
                           f"{shape_str(normalized_shape)}")
    np_dtype = input._data.dtype
    compute = D.float32 if np_dtype in _HALF_TYPES else input.dtype
    if eps is None:
        eps = float(np.finfo(compute.np).eps)
    if np_dtype in _HALF_TYPES:
        eps = float(np.asarray(eps).astype(np_dtype))  # PyTorch holds eps in the input's dtype
    upcast = input.to(compute)
    dims = list(range(len(shape) - k, len(shape)))
    scale = upcast.pow(2).mean(dims, keepdim=True).add_(eps).rsqrt()
    result = upcast.mul(scale).type_as(input)
    if weight is not None:
        result = result.mul(weight)
    return result
