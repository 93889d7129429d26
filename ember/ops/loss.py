"""Loss functions at the level of ``torch.<loss>`` (reduction given as 0 none / 1 mean / 2 sum),
with the distance and bilinear primitives that the losses and ``torch.nn`` share.

Losses PyTorch implements as one kernel (MSE, NLL, BCE, Huber, CTC, the margin losses ...) are
primitives here with a node named as PyTorch's grad_fn; those PyTorch composes from other ops
(KL divergence, the embedding and ranking losses, ...) are composed the same way, so their
graphs match too.  ``ember.nn.functional`` wraps these with the string ``reduction`` and the
legacy ``size_average`` / ``reduce`` arguments.
"""
from __future__ import annotations

import math

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.grad_mode import state as grad_state
from ..autograd.node import Node
from ..backends import holds_values
from ._dispatch import _type_word, binary_operands, shape_str
from .activation import log_softmax

_make = Tensor._make
_F32 = np.dtype(np.float32)
_HALF_TYPES = (np.dtype(np.float16), D.bfloat16.np)
_LONG = np.dtype(np.int64)
_BYTE = np.dtype(np.uint8)

NONE, MEAN, SUM = 0, 1, 2


# ----------------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------------

def apply_reduction(loss: Tensor, reduction: int) -> Tensor:
    """The elementwise ``loss`` reduced as PyTorch's apply_loss_reduction does."""
    if reduction == MEAN:
        return loss.mean()
    if reduction == SUM:
        return loss.sum()
    return loss


def _word(np_dtype) -> str:
    return _type_word(D._BY_NP[np_dtype])


def _not_implemented(kernel: str, np_dtype) -> NotImplementedError:
    return NotImplementedError(f'"{kernel}" not implemented for \'{_word(np_dtype)}\'')


def _compute(arr):
    """``arr`` ready for math: half types widen to float32."""
    return arr.astype(_F32) if arr.dtype in _HALF_TYPES else arr


def _finish(values, np_dtype) -> Tensor:
    if not hasattr(values, "dtype") or isinstance(values, np.generic):
        values = np.asarray(values)  # NumPy hands back scalars from 0-d math
    if values.dtype != np_dtype:
        values = values.astype(np_dtype)
    return _make(values)


def _refuse_grad(function: str, argument: str, t) -> None:
    """PyTorch's error for an argument a loss kernel cannot differentiate."""
    if t is not None and grad_state.enabled and t._rg:
        raise RuntimeError(f"The function '{function}' is not differentiable with respect to "
                           f"argument '{argument}'. This input cannot have requires_grad True.")


def _reduce_array(loss, reduction: int):
    with np.errstate(invalid="ignore", divide="ignore"):
        if reduction == MEAN:
            return loss.mean() if loss.size else np.array(np.nan, loss.dtype)
        if reduction == SUM:
            return loss.sum()
    return loss


def _grad_scale(grad: Tensor, reduction: int, count: int) -> Tensor:
    """The incoming gradient spread over the elements a mean averaged."""
    if reduction == MEAN:
        return grad / count if count else grad * math.nan
    return grad


def _check_floating(arr, kernel: str) -> None:
    if not (arr.dtype.kind == "f" or arr.dtype in _HALF_TYPES):
        raise _not_implemented(kernel, arr.dtype)


def _pointwise_operands(input: Tensor, target: Tensor, kernel: str, promote: bool = True):
    """(input array, target array, result dtype) for an elementwise regression loss."""
    if promote:
        x, t, dt = binary_operands(input, target, kernel)
    else:
        dt = input._data.dtype
        x, t = input._data, target._data.astype(dt, copy=False)
    _check_floating(np.empty(0, dt), kernel)
    if x.shape != t.shape:
        x, t = np.broadcast_arrays(x, t)
    return _compute(x), _compute(t), dt


def _record_pair(node_cls, input, target, result, *saved, **attributes):
    if grad_state.enabled and (input._rg or target._rg):
        node = node_cls((input, target), result)
        node.save(*saved)
        for key, value in attributes.items():
            setattr(node, key, value)


def _unreduce(grad: Tensor, reduction: int, count: int) -> Tensor:
    return _grad_scale(grad, reduction, count)


# ----------------------------------------------------------------------------------------------
# regression losses: mse, l1, smooth l1, huber, soft margin
# ----------------------------------------------------------------------------------------------

class MseLossBackward0(Node):
    def backward(self, grad):
        input, target = self.saved_tensors
        scaled = _unreduce(grad, self.reduction, input.numel())
        g = (input - target) * 2 * scaled
        return (g if self._next[0] is not None else None,
                -g if self._next[1] is not None else None)


def mse_loss(input: Tensor, target: Tensor, reduction: int = MEAN) -> Tensor:
    """Mean squared error between ``input`` and ``target``."""
    x, t, dt = _pointwise_operands(input, target, "mse_cpu")
    diff = x - t
    result = _finish(_reduce_array(diff * diff, reduction), dt)
    _record_pair(MseLossBackward0, input, target, result, input, target, reduction=reduction)
    return result


def l1_loss(input: Tensor, target: Tensor, reduction: int = MEAN) -> Tensor:
    """Mean absolute error (composed as PyTorch composes it: abs, then the reduction)."""
    return apply_reduction((input - target).abs(), reduction)


class SmoothL1LossBackward0(Node):
    def backward(self, grad):
        input, target = self.saved_tensors
        from .binary import where
        beta = self.beta
        diff = input - target
        data = diff._data
        slope = where(_make(data < -beta), -1.0, where(_make(data > beta), 1.0, diff / beta))
        g = slope * _unreduce(grad, self.reduction, input.numel())
        return (g if self._next[0] is not None else None,
                -g if self._next[1] is not None else None)


def smooth_l1_loss(input: Tensor, target: Tensor, reduction: int = MEAN,
                   beta: float = 1.0) -> Tensor:
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (d = input - target)."""
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    x, t, dt = _pointwise_operands(input, target, "smooth_l1_cpu")
    z = np.abs(x - t)
    with np.errstate(divide="ignore", invalid="ignore"):
        loss = np.where(z < beta, 0.5 * z * z / beta if beta else z, z - 0.5 * beta)
    result = _finish(_reduce_array(loss, reduction), dt)
    _record_pair(SmoothL1LossBackward0, input, target, result, input, target,
                 reduction=reduction, beta=beta)
    return result


class HuberLossBackward0(Node):
    def backward(self, grad):
        input, target = self.saved_tensors
        g = (input - target).clamp(-self.delta, self.delta)
        g = g * _unreduce(grad, self.reduction, input.numel())
        return (g if self._next[0] is not None else None,
                -g if self._next[1] is not None else None)


def huber_loss(input: Tensor, target: Tensor, reduction: int = MEAN, delta: float = 1.0) -> Tensor:
    """0.5 d^2 where |d| < delta, else delta * (|d| - 0.5 delta)."""
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    x, t, dt = _pointwise_operands(input, target, "huber_cpu", promote=False)
    z = np.abs(x - t)
    loss = np.where(z < delta, 0.5 * z * z, delta * (z - 0.5 * delta))
    result = _finish(_reduce_array(loss, reduction), dt)
    _record_pair(HuberLossBackward0, input, target, result, input, target,
                 reduction=reduction, delta=delta)
    return result


class SoftMarginLossBackward0(Node):
    def backward(self, grad):
        input, target = self.saved_tensors
        t = target.to(input.dtype)
        g = -t * (-t * input).sigmoid() * _unreduce(grad, self.reduction, input.numel())
        return (g, None)


def soft_margin_loss(input: Tensor, target: Tensor, reduction: int = MEAN) -> Tensor:
    """log(1 + exp(-target * input)), the two-class logistic loss."""
    _refuse_grad("soft_margin_loss", "target", target)
    dt = input._data.dtype
    if dt.kind in "biu":
        raise RuntimeError(f"result type Float can't be cast to the desired output type "
                           f"{_word(dt)}")
    x, t, dt = _pointwise_operands(input, target, "soft_margin_loss", promote=False)
    with np.errstate(over="ignore"):
        loss = np.log1p(np.exp(-t * x))
    result = _finish(_reduce_array(loss, reduction), dt)
    if grad_state.enabled and input._rg:
        node = SoftMarginLossBackward0((input, None), result)
        node.save(input, target)
        node.reduction = reduction
    return result


# ----------------------------------------------------------------------------------------------
# binary cross entropy
# ----------------------------------------------------------------------------------------------

class BinaryCrossEntropyBackward0(Node):
    def backward(self, grad):
        input, target, weight = self.saved_tensors
        scaled = _unreduce(grad, self.reduction, input.numel())
        g_input = g_target = None
        if self._next[0] is not None:
            denominator = ((1 - input) * input).clamp_min(1e-12)
            g_input = (input - target) / denominator * scaled
            if weight is not None:
                g_input = g_input * weight
        if self._next[1] is not None:
            g_target = -input.logit() * scaled
            if weight is not None:
                g_target = g_target * weight
        return g_input, g_target, None


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                         reduction: int = MEAN) -> Tensor:
    """-w (t log x + (1 - t) log(1 - x)), each log clamped at -100 as PyTorch does."""
    _refuse_grad("binary_cross_entropy", "weight", weight)
    arr = input._data
    if not (arr.dtype.kind == "f" or arr.dtype in _HALF_TYPES):
        raise _not_implemented("binary_cross_entropy", arr.dtype)
    for other in (target, weight):
        if other is not None and other._data.dtype != arr.dtype:
            raise RuntimeError(f"Found dtype {_word(other._data.dtype)} but expected "
                               f"{_word(arr.dtype)}")
    x, t = _compute(arr), _compute(target._data)
    if not ((x >= 0) & (x <= 1)).all():
        raise RuntimeError("all elements of input should be between 0 and 1")
    with np.errstate(divide="ignore"):
        loss = (t - 1) * np.maximum(np.log1p(-x), -100) - t * np.maximum(np.log(x), -100)
    if weight is not None:
        loss = loss * _compute(weight._data)
    result = _finish(_reduce_array(loss, reduction), arr.dtype)
    if grad_state.enabled and (input._rg or target._rg):
        node = BinaryCrossEntropyBackward0((input, target, None), result)
        node.save(input, target, weight)
        node.reduction = reduction
    return result


class BinaryCrossEntropyWithLogitsBackward0(Node):
    def backward(self, grad):
        input, target, weight, pos_weight = self.saved_tensors
        scaled = _unreduce(grad, self.reduction, input.numel())
        g_input = g_target = None
        if self._next[0] is not None:
            if pos_weight is not None:
                weighted_target = pos_weight * target
                g_input = (weighted_target + 1 - target) * input.sigmoid() - weighted_target
            else:
                g_input = input.sigmoid() - target
            g_input = g_input * scaled
            if weight is not None:
                g_input = g_input * weight
        if self._next[1] is not None:
            from .activation import log_sigmoid
            if pos_weight is not None:
                g_target = (log_sigmoid(-input) - log_sigmoid(input) * pos_weight) * scaled
            else:
                g_target = -input * scaled
            if weight is not None:
                g_target = g_target * weight
        return g_input, g_target, None, None


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor,
                                     weight: Tensor | None = None,
                                     pos_weight: Tensor | None = None,
                                     reduction: int = MEAN) -> Tensor:
    """Sigmoid + binary cross entropy in one numerically stable step (positives optionally
    weighted by ``pos_weight``)."""
    _refuse_grad("binary_cross_entropy_with_logits", "weight", weight)
    _refuse_grad("binary_cross_entropy_with_logits", "pos_weight", pos_weight)
    arr = input._data
    if not (arr.dtype.kind == "f" or arr.dtype in _HALF_TYPES):
        raise _not_implemented("log_sigmoid_cpu", arr.dtype)
    if target._data.dtype.kind in "biu":
        raise RuntimeError(f"result type {_word(arr.dtype)} can't be cast to the desired "
                           f"output type {_word(target._data.dtype)}")
    x, t = _compute(arr), _compute(target._data)
    log_sigmoid = np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))
    if pos_weight is not None:
        log_sigmoid = log_sigmoid * ((_compute(pos_weight._data) - 1) * t + 1)
    loss = (1 - t) * x - log_sigmoid
    if weight is not None:
        loss = loss * _compute(weight._data)
    if loss.shape != arr.shape:
        raise RuntimeError(f"output with shape {shape_str(arr.shape)} doesn't match the "
                           f"broadcast shape {shape_str(loss.shape)}")
    out_dtype = target._data.dtype
    result = _finish(_reduce_array(loss, reduction), out_dtype)
    if grad_state.enabled and (input._rg or target._rg):
        node = BinaryCrossEntropyWithLogitsBackward0((input, target, None, None), result)
        node.save(input, target, weight, pos_weight)
        node.reduction = reduction
    return result


# ----------------------------------------------------------------------------------------------
# negative log likelihood and cross entropy
# ----------------------------------------------------------------------------------------------

class NllLossBackward0(Node):
    """The gradient is the constant ``coefficients`` (-w / total at each target) times grad."""

    def backward(self, grad):
        coefficients = self.coefficients
        if self.reduction == NONE and grad._data.ndim:
            grad = grad.unsqueeze(1)
        if not grad_state.enabled:
            return (_make(coefficients * grad._data.astype(coefficients.dtype, copy=False)),
                    None, None)
        return (_make(coefficients) * grad, None, None)


class NllLoss2DBackward0(NllLossBackward0):
    pass


def _check_target_dtype(target: Tensor) -> None:
    dt = target._data.dtype
    if dt != _LONG and dt != _BYTE:
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {_word(dt)}")


def _nll(input: Tensor, target: Tensor, weight: Tensor | None, reduction: int,
         ignore_index: int, node_cls) -> Tensor:
    """NLL over (N, C, *) (or (C,)) log-probabilities; the class axis is 1."""
    _refuse_grad("nll_loss_forward" if node_cls is NllLossBackward0 else "nll_loss2d_forward",
                 "weight", weight)
    arr = input._data
    dt = arr.dtype
    _check_target_dtype(target)
    classes = arr.shape[-1] if arr.ndim == 1 else arr.shape[1]
    if weight is not None:
        w = weight._data
        if w.ndim != 1 or w.size != classes:
            raise RuntimeError(f"weight tensor should be defined either for all {classes} "
                               f"classes or no classes but got weight tensor of shape: "
                               f"{shape_str(w.shape)}")
        if w.dtype != dt:
            raise RuntimeError(f"expected scalar type {_word(dt)} but found {_word(w.dtype)}")
    if type(arr) is not np.ndarray or type(target._data) is not np.ndarray:
        return _nll_meta(input, target, reduction, node_cls)
    x = _compute(arr)
    # Classes last and every other dim flattened into rows, so one fancy index gathers.
    if x.ndim == 1:
        rows_view = x.reshape(1, classes)
    elif x.ndim == 2:
        rows_view = x
    else:
        rows_view = np.moveaxis(x, 1, -1).reshape(-1, classes)
    labels = target._data.reshape(-1)
    if labels.dtype != _LONG:
        labels = labels.astype(_LONG)
    count = labels.shape[0]
    # ufunc reductions directly: the ndarray methods add a Python layer per call.
    in_range = count == 0 or (np.minimum.reduce(labels) >= 0
                              and np.maximum.reduce(labels) < classes)
    valid = None  # None: every target counts
    safe = labels
    if not in_range or 0 <= ignore_index < classes:
        valid = labels != ignore_index
        if not in_range:
            bad = valid & ((labels < 0) | (labels >= classes))
            if bad.any():
                raise IndexError(f"Target {int(labels[bad][0])} is out of bounds.")
        safe = np.where(valid, labels, 0)
    rows = np.arange(count)
    picked = rows_view[rows, safe]
    weights = None
    if weight is not None:
        weights = _compute(weight._data)[safe]
        if valid is not None:
            weights = weights * valid
    elif valid is not None:
        weights = valid.astype(x.dtype)
    losses = -picked if weights is None else -(weights * picked)
    scale = 1 if weights is None else weights
    if reduction == NONE:
        values = losses.reshape(target._data.shape) if x.ndim > 1 else losses.reshape(())
    elif reduction == SUM:
        values = np.add.reduce(losses)
    else:
        total = count if weights is None else np.add.reduce(weights)
        if total:
            values = np.add.reduce(losses) / total
            scale = scale / total
        else:
            values = np.array(np.nan, x.dtype)
            scale = 0
    result = _finish(values, dt)
    if grad_state.enabled and input._rg:
        coefficients = np.zeros(rows_view.shape, dtype=x.dtype)
        coefficients[rows, safe] = -scale if weights is None else -np.asarray(scale)
        if x.ndim > 2:
            batch_shape = (x.shape[0],) + x.shape[2:]
            coefficients = np.moveaxis(coefficients.reshape(batch_shape + (classes,)), -1, 1)
        node = node_cls((input, None, None), result)
        node.coefficients = coefficients.reshape(arr.shape)
        node.reduction = reduction
    return result


def _nll_meta(input: Tensor, target: Tensor, reduction: int, node_cls) -> Tensor:
    """NLL on meta tensors: the result's shape and dtype (and a backward of the same kind)."""
    arr = input._data
    shape = target._data.shape if reduction == NONE and arr.ndim > 1 else ()
    result = _make(np.empty(shape, arr.dtype, like=arr))
    if grad_state.enabled and input._rg:
        node = node_cls((input, None, None), result)
        node.coefficients = np.empty(arr.shape, arr.dtype, like=arr)
        node.reduction = reduction
    return result


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, reduction: int = MEAN,
             ignore_index: int = -100) -> Tensor:
    """NLL for 1-D or 2-D input (PyTorch's ``nll_loss`` kernel)."""
    x, t = input._data, target._data
    if not 0 < x.ndim <= 2:
        raise RuntimeError("input tensor should be 1D or 2D")
    if t.ndim > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if not (x.ndim == 1 and t.ndim == 0) and x.shape[0] != (t.shape[0] if t.ndim else 1):
        raise RuntimeError(f"size mismatch (got input: {shape_str(x.shape)}, target: "
                           f"{shape_str(t.shape)})")
    return _nll(input, target, weight, reduction, ignore_index, NllLossBackward0)


def nll_loss2d(input: Tensor, target: Tensor, weight: Tensor | None = None,
               reduction: int = MEAN, ignore_index: int = -100) -> Tensor:
    """NLL for (N, C, H, W) input and (N, H, W) target (PyTorch's ``nll_loss2d``)."""
    x, t = input._data, target._data
    if x.ndim != 4:
        raise RuntimeError(f"only batches of spatial inputs supported (4D tensors), but got "
                           f"input of dimension: {x.ndim}")
    if t.ndim != 3:
        raise RuntimeError(f"only batches of spatial targets supported (3D tensors) but got "
                           f"targets of dimension: {t.ndim}")
    if x.shape[0] != t.shape[0] or x.shape[2:] != t.shape[1:]:
        raise RuntimeError(f"size mismatch (got input: {shape_str(x.shape)} , target: "
                           f"{shape_str(t.shape)}")
    return _nll(input, target, weight, reduction, ignore_index, NllLoss2DBackward0)


def nll_loss_nd(input: Tensor, target: Tensor, weight: Tensor | None = None,
                reduction: int = MEAN, ignore_index: int = -100) -> Tensor:
    """NLL for input (C,), (N, C) or (N, C, d1, ..., dK), dispatched as PyTorch does."""
    x, t = input._data, target._data
    if x.ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {x.ndim})")
    if x.ndim != 1 and (t.shape[0] if t.ndim else None) != x.shape[0]:
        raise ValueError(f"Expected input batch_size ({x.shape[0]}) to match target batch_size "
                         f"({t.shape[0] if t.ndim else 1}).")
    if x.ndim <= 2:
        return nll_loss(input, target, weight, reduction, ignore_index)
    if x.ndim == 4:
        return nll_loss2d(input, target, weight, reduction, ignore_index)
    batch, classes = x.shape[0], x.shape[1]
    out_size = (batch,) + x.shape[2:]
    if t.shape[1:] != x.shape[2:]:
        raise RuntimeError(f"Expected target size {shape_str(out_size)}, got "
                           f"{shape_str(t.shape)}")
    flat_input = input.contiguous()
    flat_input = flat_input.view(batch, classes, 1, -1) if x.size else \
        flat_input.view(batch, classes, 0, 0)
    flat_target = target.contiguous()
    flat_target = flat_target.view(batch, 1, -1) if t.size else flat_target.view(batch, 0, 0)
    result = nll_loss2d(flat_input, flat_target, weight, reduction, ignore_index)
    return result.view(out_size) if reduction == NONE else result


def cross_entropy_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,
                       reduction: int = MEAN, ignore_index: int = -100,
                       label_smoothing: float = 0.0) -> Tensor:
    """log_softmax over the class dim, then NLL (class indices) or the soft-label sum
    (class probabilities, when target has the input's shape), as PyTorch composes it."""
    x, t = input._data, target._data
    class_dim = 0 if x.ndim == 1 else 1
    if x.shape == t.shape:
        if t.dtype.kind != "f" and t.dtype not in _HALF_TYPES:
            raise RuntimeError(f"Expected floating point type for target with class "
                               f"probabilities, got {_word(t.dtype)}")
        if ignore_index >= 0:
            raise RuntimeError("ignore_index is not supported for floating point target")
        return _cross_entropy_probabilities(input, target, weight, reduction, label_smoothing,
                                            class_dim)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    log_probabilities = log_softmax(input, class_dim)
    loss = nll_loss_nd(log_probabilities, target, weight, reduction, ignore_index)
    if label_smoothing <= 0.0:
        return loss
    return _smoothed(loss, log_probabilities, target, weight, reduction, ignore_index,
                     label_smoothing, class_dim)


def _smoothed(nll: Tensor, log_probabilities: Tensor, target: Tensor, weight, reduction: int,
              ignore_index: int, label_smoothing: float, class_dim: int) -> Tensor:
    """Mix the NLL with the uniform-target term of label smoothing."""
    classes = log_probabilities._data.shape[class_dim]
    ignored = _make(target._data == ignore_index)
    if weight is not None:
        shape = [1] * log_probabilities.ndim
        shape[class_dim] = classes
        smooth = -(log_probabilities * weight.view(shape)).sum(class_dim)
    else:
        smooth = -log_probabilities.sum(class_dim)
    smooth = smooth.masked_fill(ignored, 0.0)
    if reduction == MEAN:
        if weight is not None:
            kept = target._data[target._data != ignore_index].reshape(-1)
            from .creation import tensor as _tensor
            picked = weight.gather(0, _tensor(kept.astype(np.int64)))
            smooth = smooth.sum() / picked.sum()
        else:
            kept = (~ignored).sum()
            smooth = smooth.sum() / (int(kept) if holds_values(kept._data) else kept)
    elif reduction == SUM:
        smooth = smooth.sum()
    return (1 - label_smoothing) * nll + smooth * (label_smoothing / classes)


def _cross_entropy_probabilities(input: Tensor, target: Tensor, weight, reduction: int,
                                 label_smoothing: float, class_dim: int) -> Tensor:
    classes = input._data.shape[class_dim]
    if weight is not None and (weight.ndim != 1 or weight.numel() != classes):
        raise RuntimeError(f"cross_entropy: weight tensor should be defined either for all "
                           f"{classes} classes or no classes but got weight tensor of shape: "
                           f"{shape_str(weight.shape)}")
    log_probabilities = log_softmax(input, class_dim)
    if label_smoothing > 0.0:
        if label_smoothing > 1.0:
            raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: "
                               f"{label_smoothing}")
        target = target * (1 - label_smoothing) + label_smoothing / classes
    product = log_probabilities * target
    if weight is not None:
        if input.ndim > 1:
            shape = [1] * input.ndim
            shape[class_dim] = classes
            weight = weight.view(shape)
        product = product * weight
    if reduction == MEAN:
        if input.numel() == 0:
            return -product.sum() * math.nan
        return -product.sum() / (input.numel() // classes)
    if reduction == SUM:
        return -product.sum()
    return -product.sum(class_dim)


# ----------------------------------------------------------------------------------------------
# composed losses: KL divergence, Poisson NLL, embedding / ranking / triplet losses
# ----------------------------------------------------------------------------------------------

def _refuse_integral(op: str, *tensors) -> None:
    for t in tensors:
        if t._data.dtype.kind in "biu":
            raise RuntimeError(f"{op}: Integral inputs not supported.")


def kl_div(input: Tensor, target: Tensor, reduction: int = MEAN, *,
           log_target: bool = False) -> Tensor:
    """Pointwise KL divergence target * (log target - input), ``input`` in log space."""
    for t in (input, target):
        if t._data.dtype.kind == "c":
            raise RuntimeError("kl_div: Complex inputs not supported.")
    _refuse_integral("kl_div", input, target)
    if log_target:
        output = target.exp() * (target - input)
    else:
        output = target.xlogy(target) - target * input
    return apply_reduction(output, reduction)


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool, full: bool, eps: float,
                     reduction: int) -> Tensor:
    """Negative log likelihood of ``target`` under Poisson(input) (or Poisson(exp(input)))."""
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        stirling = target * target.log() - target + 0.5 * (2 * math.pi * target).log()
        loss = loss + stirling.masked_fill(_make(target._data <= 1), 0)
    return apply_reduction(loss, reduction)


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                          reduction: int = MEAN) -> Tensor:
    """1 - cos(x1, x2) for target 1, max(0, cos(x1, x2) - margin) for target -1."""
    from .binary import where
    target_dim = target.ndim
    if target_dim not in (0, 1):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if target_dim == 1 and not (input1.ndim == 2 and input2.ndim == 2):
        raise RuntimeError(f"1D target tensor expects 2D input tensors, but found inputs with "
                           f"sizes {shape_str(input1.shape)} and {shape_str(input2.shape)}.")
    if target_dim == 0 and not (input1.ndim == 1 and input2.ndim == 1):
        raise RuntimeError(f"0D target tensor expects 1D input tensors, but found inputs with "
                           f"sizes {shape_str(input1.shape)} and {shape_str(input2.shape)}.")
    epsilon = 1e-12
    product_sum = (input1 * input2).sum(target_dim)
    magnitude1 = (input1 * input1).sum(target_dim) + epsilon
    magnitude2 = (input2 * input2).sum(target_dim) + epsilon
    cosine = product_sum / (magnitude1 * magnitude2).sqrt()
    zeros = cosine * 0
    positive = where(target == 1, 1 - cosine, zeros)
    negative = where(target == -1, (cosine - margin).clamp_min(0), zeros)
    return apply_reduction(positive + negative, reduction)


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                        reduction: int = MEAN) -> Tensor:
    """max(0, -target * (x1 - x2) + margin)."""
    return apply_reduction((-target * (input1 - input2) + margin).clamp_min(0), reduction)


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0,
                         reduction: int = MEAN) -> Tensor:
    """x for target 1, max(0, margin - x) for target -1."""
    from .binary import where
    zeros = input * 0
    margin_part = where(target != 1, (margin - input).clamp_min(0), zeros)
    self_part = where(target != -1, input, zeros)
    return apply_reduction(margin_part + self_part, reduction)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0,
                        p: float = 2.0, eps: float = 1e-6, swap: bool = False,
                        reduction: int = MEAN) -> Tensor:
    """max(0, d(a, p) - d(a, n) + margin) with pairwise p-norm distances."""
    dims = (anchor.ndim, positive.ndim, negative.ndim)
    if not dims[0] == dims[1] == dims[2]:
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the "
                           f"same number of dimensions, but got: anchor {dims[0]}D, positive "
                           f"{dims[1]}D, and negative {dims[2]}D inputs")
    distance_positive = pairwise_distance(anchor, positive, p, eps)
    distance_negative = pairwise_distance(anchor, negative, p, eps)
    if swap:
        from .binary import minimum
        distance_negative = minimum(distance_negative, pairwise_distance(positive, negative,
                                                                         p, eps))
    loss = (margin + distance_positive - distance_negative).clamp_min(0)
    return apply_reduction(loss, reduction)


# ----------------------------------------------------------------------------------------------
# multi-class margin losses
# ----------------------------------------------------------------------------------------------

def _check_long_target(target: Tensor) -> None:
    if target._data.dtype != _LONG:
        raise RuntimeError(f"expected scalar type Long but found {_word(target._data.dtype)}")


def _margin_frames(input: Tensor):
    """(frames, classes) view of a 0-D, 1-D or 2-D margin-loss input, with PyTorch's check."""
    x = input._data
    if not ((x.ndim == 2 and x.shape[1] != 0) or (x.ndim == 1 and x.shape[0] != 0)
            or x.ndim == 0):
        raise RuntimeError(f"Expected non-empty vector or matrix with optional 0-dim batch "
                           f"size, but got: {shape_str(x.shape)}")
    if x.ndim <= 1:
        return 1, (1 if x.ndim == 0 else x.shape[0])
    return x.shape[0], x.shape[1]


class MultiMarginLossBackward0(Node):
    def backward(self, grad):
        g = grad._data
        if g.ndim == 0:
            g = g.reshape(1)
        scale = g[:, None] / (self.frames if self.reduction == MEAN else 1)
        values = (self.local * scale).reshape(self.shape).astype(self.dtype, copy=False)
        return _make(values), None, None


def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1, margin: float = 1.0,
                      weight: Tensor | None = None, reduction: int = MEAN) -> Tensor:
    """sum over wrong classes j of max(0, margin - x[y] + x[j])^p (weighted by w[y]) / C."""
    _refuse_grad("multi_margin_loss", "weight", weight)
    if p not in (1, 2):
        raise RuntimeError("only p == 1 and p == 2 supported")
    frames, classes = _margin_frames(input)
    t = target._data
    if not (t.ndim <= 1 and t.size == frames):
        raise RuntimeError(f"multi_margin_loss: target tensor should be 1-D with size equal to "
                           f"the number of input samples (batch size). Expected target size "
                           f"[{frames}], but got {shape_str(t.shape)}. Input has shape "
                           f"{shape_str(input.shape)}.")
    if weight is not None and not (weight.ndim <= 1 and weight.numel() == classes):
        raise RuntimeError(f"inconsistent weight size, expected {classes} but got "
                           f"{shape_str(weight.shape)}")
    _check_long_target(target)
    _check_floating(input._data, "multi_margin_loss_cpu_kernel")
    dt = input._data.dtype
    x = _compute(input._data).reshape(frames, classes)
    labels = t.reshape(frames)
    if ((labels < 0) | (labels >= classes)).any():
        raise RuntimeError("target out of range")
    rows = np.arange(frames)
    z = margin - x[rows, labels][:, None] + x
    active = z > 0
    active[rows, labels] = False
    hinge = np.where(active, z if p == 1 else z * z, 0)
    slope = np.where(active, 1 if p == 1 else 2 * z, 0)
    if weight is not None:
        w = _compute(weight._data).reshape(-1)[labels][:, None]
        hinge = hinge * w
        slope = slope * w
    losses = hinge.sum(1) / classes
    if reduction == NONE:
        values = losses if t.ndim > 0 else losses.reshape(())
    else:
        values = _reduce_array(losses, reduction)
    result = _finish(values, dt)
    if grad_state.enabled and input._rg:
        local = slope / classes
        local[rows, labels] = -local.sum(1)
        node = MultiMarginLossBackward0((input, None, None), result)
        node.local, node.frames, node.reduction = local, frames, reduction
        node.shape, node.dtype = input._data.shape, dt
    return result


class MultilabelMarginLossBackward0(Node):
    def backward(self, grad):
        g = grad._data
        if g.ndim == 0:
            g = g.reshape(1)
        scale = g[:, None] / (self.frames if self.reduction == MEAN else 1)
        values = (self.local * scale).reshape(self.shape).astype(self.dtype, copy=False)
        return _make(values), None


def multilabel_margin_loss(input: Tensor, target: Tensor, reduction: int = MEAN) -> Tensor:
    """Hinge loss between each target class (listed in ``target`` up to the first -1) and
    every non-target class, summed and divided by the number of classes."""
    frames, classes = _margin_frames(input)
    x_shape, t = input._data.shape, target._data
    if input._data.ndim <= 1:
        consistent = t.ndim <= 1 and t.size == classes
    else:
        consistent = t.ndim == 2 and t.shape == (frames, classes)
    if not consistent:
        raise RuntimeError(f"inconsistent target size: {shape_str(t.shape)} for input of size: "
                           f"{shape_str(x_shape)}")
    _check_long_target(target)
    _check_floating(input._data, "multilabel_margin_loss_forward_out_frame")
    dt = input._data.dtype
    x = _compute(input._data).reshape(frames, classes)
    labels = t.reshape(frames, classes)
    # Targets count up to the first -1 in each row.
    listed = np.cumprod(labels != -1, axis=1).astype(bool)
    if holds_values(labels) and ((labels[listed] < 0) | (labels[listed] >= classes)).any():
        raise RuntimeError("argument #2 'target' is out of range")
    safe = np.where(listed, labels, 0)
    one_hot = (safe[:, :, None] == np.arange(classes)) & listed[:, :, None]
    is_target = one_hot.any(1)
    target_values = np.take_along_axis(x, safe, axis=1)
    z = 1 - target_values[:, :, None] + x[:, None, :]
    active = (z > 0) & listed[:, :, None] & ~is_target[:, None, :]
    losses = np.where(active, z, 0).sum((1, 2)) / classes
    if reduction == NONE:
        values = losses if input._data.ndim == 2 else losses.reshape(())
    else:
        values = _reduce_array(losses, reduction)
    result = _finish(values, dt)
    if grad_state.enabled and input._rg:
        counts = active.astype(x.dtype)
        local = counts.sum(1) - np.einsum("fjc,fj->fc", one_hot.astype(x.dtype), counts.sum(2))
        node = MultilabelMarginLossBackward0((input, None), result)
        node.local, node.frames, node.reduction = local / classes, frames, reduction
        node.shape, node.dtype = x_shape, dt
    return result


# ----------------------------------------------------------------------------------------------
# CTC
# ----------------------------------------------------------------------------------------------

def _logsumexp(*terms):
    """Elementwise log(sum(exp(terms))) that stays -inf when every term is -inf."""
    stacked = np.stack(terms)
    peak = stacked.max(0)
    safe_peak = np.where(np.isfinite(peak), peak, 0)
    with np.errstate(divide="ignore"):
        return np.log(np.exp(stacked - safe_peak).sum(0)) + safe_peak


class CtcLossBackward0(Node):
    def backward(self, grad):
        g = grad._data.astype(self.grad_values.dtype, copy=False)
        values = self.grad_values * g[None, :, None]
        result = _make(values.astype(self.dtype, copy=False))
        if grad_state.enabled:
            # PyTorch has no derivative for _ctc_loss_backward: the gradient is recorded (so
            # create_graph works) and differentiating it again raises.
            from .binary import NotImplementedBackward
            log_probs, nll = self.saved_tensors
            node = NotImplementedBackward((log_probs, nll), result)
            node.op = "_ctc_loss_backward"
        return result, None


def _lengths(value, name: str) -> np.ndarray:
    if isinstance(value, Tensor):
        if value._data.dtype.kind not in "iu":
            raise RuntimeError(f"{name} must be integral")
        return value._data.astype(np.int64).reshape(-1)
    return np.asarray(list(value) if not isinstance(value, int) else [value],
                      dtype=np.int64).reshape(-1)


def _ctc_forward(log_probs: np.ndarray, labels: np.ndarray, input_lengths, target_lengths,
                 blank: int):
    """Alpha recursion over time, vectorized over the batch and the extended label axis."""
    steps, batch, _ = log_probs.shape
    width = labels.shape[1] * 2 + 1
    extended = np.full((batch, width), blank, dtype=np.int64)
    extended[:, 1::2] = labels
    positions = np.arange(width)
    in_range = positions[None, :] < (2 * target_lengths[:, None] + 1)
    # s - 2 may be used when the label differs from the one two steps back (and is not blank).
    skip = np.zeros((batch, width), dtype=bool)
    skip[:, 2:] = (extended[:, 2:] != blank) & (extended[:, 2:] != extended[:, :-2])
    emit = np.take_along_axis(log_probs, np.broadcast_to(extended[None], (steps, batch, width)),
                              axis=2)
    emit = np.where(in_range[None], emit, -np.inf)
    alpha = np.full((steps, batch, width), -np.inf, dtype=log_probs.dtype)
    if steps:
        alpha[0, :, 0] = emit[0, :, 0]
        if width > 1:
            alpha[0, :, 1] = np.where(target_lengths > 0, emit[0, :, 1], -np.inf)
    minus_inf = np.full((batch, 1), -np.inf, dtype=log_probs.dtype)
    for t in range(1, steps):
        previous = alpha[t - 1]
        shift1 = np.concatenate([minus_inf, previous[:, :-1]], axis=1)
        shift2 = np.concatenate([minus_inf, minus_inf, previous[:, :-2]], axis=1)[:, :width]
        shift2 = np.where(skip, shift2, -np.inf)
        alpha[t] = _logsumexp(previous, shift1, shift2) + emit[t]
    rows = np.arange(batch)
    last = np.maximum(input_lengths - 1, 0)
    end = 2 * target_lengths
    final = alpha[last, rows]
    tail = np.take_along_axis(final, end[:, None], axis=1)[:, 0]
    before = np.where(target_lengths > 0,
                      np.take_along_axis(final, np.maximum(end - 1, 0)[:, None], axis=1)[:, 0],
                      -np.inf)
    nll = -_logsumexp(tail, before)
    nll = np.where(input_lengths > 0, nll, np.where(target_lengths > 0, np.inf, -0.0))
    return nll, alpha, emit, extended, skip


def _ctc_backward(log_probs, alpha, emit, extended, skip, nll, input_lengths, target_lengths,
                  zero_infinity: bool):
    """Beta recursion, then PyTorch's gradient w.r.t. the log-probabilities (per unit of the
    per-sample loss)."""
    steps, batch, classes = log_probs.shape
    width = extended.shape[1]
    beta = np.full_like(alpha, -np.inf)
    rows = np.arange(batch)
    end = 2 * target_lengths
    minus_inf = np.full((batch, 1), -np.inf, dtype=log_probs.dtype)
    # Skips seen from the later position: s + 2 is reachable from s when skip[s + 2].
    skip_ahead = np.concatenate([skip[:, 2:], np.zeros((batch, 2), dtype=bool)], axis=1)
    for t in range(steps - 1, -1, -1):
        start = np.full((batch, width), -np.inf, dtype=log_probs.dtype)
        ends_here = input_lengths - 1 == t
        start[rows, end] = np.where(ends_here, emit[t, rows, end], -np.inf)
        has_label = ends_here & (target_lengths > 0)
        before = np.maximum(end - 1, 0)
        start[rows, before] = np.where(has_label, emit[t, rows, before], start[rows, before])
        if t + 1 < steps:
            following = beta[t + 1]
            shift1 = np.concatenate([following[:, 1:], minus_inf], axis=1)
            shift2 = np.concatenate([following[:, 2:], minus_inf, minus_inf], axis=1)
            shift2 = np.where(skip_ahead, shift2, -np.inf)
            carried = _logsumexp(following, shift1, shift2) + emit[t]
            running = (t < input_lengths - 1)[:, None]
            beta[t] = np.where(running, carried, start)
        else:
            beta[t] = start
    both = alpha + beta
    peak = both.max(2, keepdims=True)
    peak = np.where(np.isfinite(peak), peak, 0)
    one_hot = (extended[:, :, None] == np.arange(classes)).astype(log_probs.dtype)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        summed = np.einsum("tbs,bsc->tbc", np.exp(both - peak), one_hot)
        log_summed = np.log(summed) + peak
        grad = np.exp(log_probs) - np.exp(log_summed + nll[None, :, None] - log_probs)
    active = np.arange(steps)[:, None] < input_lengths[None, :]
    if zero_infinity:
        active = active & np.isfinite(nll)[None, :]
    return np.where(active[:, :, None], grad, 0)


def ctc_loss(log_probs: Tensor, targets: Tensor, input_lengths, target_lengths, blank: int = 0,
             reduction: int = MEAN, zero_infinity: bool = False) -> Tensor:
    """Connectionist Temporal Classification loss of (T, N, C) (or (T, C)) log-probabilities
    against padded (N, S) or concatenated targets."""
    batched = log_probs.ndim == 3
    lp_tensor = log_probs if batched else log_probs.unsqueeze(1)
    lp = lp_tensor._data
    if lp.ndim != 3:
        raise RuntimeError("input_lengths must be of size batch_size")
    steps, batch, classes = lp.shape
    in_lengths = _lengths(input_lengths, "input_lengths")
    tg_lengths = _lengths(target_lengths, "target_lengths")
    if not 0 <= blank < classes:
        raise RuntimeError("blank must be in label range")
    if in_lengths.size != batch:
        raise RuntimeError("input_lengths must be of size batch_size")
    if tg_lengths.size != batch:
        raise RuntimeError("target_lengths must be of size batch_size")
    where_checked = "(while checking arguments for ctc_loss_allocate_outputs)"
    t = targets._data.astype(np.int64)
    if not batched:
        t = t.reshape(1, -1)
    longest = int(tg_lengths.max()) if batch else 0
    if t.ndim == 1:
        offsets = np.concatenate([[0], np.cumsum(tg_lengths)[:-1]]).astype(np.int64)
        columns = np.arange(max(longest, 1))
        index = np.minimum(offsets[:, None] + columns, max(t.size - 1, 0))
        labels = t[index] if t.size else np.zeros((batch, columns.size), np.int64)
    else:
        if t.shape[1] < longest:
            raise RuntimeError(f"Expected tensor to have size at least {longest} at dimension 1, "
                               f"but got size {t.shape[1]} for argument #2 'targets' "
                               f"{where_checked}")
        labels = t[:, :max(longest, 1)] if t.shape[1] else np.zeros((batch, 1), np.int64)
    labels = np.where(np.arange(labels.shape[1])[None, :] < tg_lengths[:, None], labels, blank)
    for b in np.nonzero(in_lengths > steps)[0][:1]:
        raise RuntimeError(f"Expected input_lengths to have value at most {steps}, but got value "
                           f"{in_lengths[b]} {where_checked}")
    _check_floating(lp, "ctc_loss_cpu")
    dt = lp.dtype
    x = _compute(lp)
    with np.errstate(invalid="ignore"):
        nll, alpha, emit, extended, skip = _ctc_forward(x, labels, in_lengths, tg_lengths, blank)
    result = _finish(nll, dt)
    if grad_state.enabled and lp_tensor._rg:
        node = CtcLossBackward0((lp_tensor, None), result)
        node.save(lp_tensor, result)
        node.grad_values = _ctc_backward(x, alpha, emit, extended, skip, nll, in_lengths,
                                         tg_lengths, zero_infinity)
        node.dtype = dt
    if zero_infinity:
        from .binary import where
        result = where(_make(np.isinf(result._data) & (result._data > 0)),
                       _make(np.zeros((), dt)), result)
    if reduction == MEAN:
        divisor = _make(np.maximum(tg_lengths, 1).astype(dt))
        return (result / divisor).mean()
    if reduction == SUM:
        return result.sum()
    return result if batched else result.squeeze(0)


# ----------------------------------------------------------------------------------------------
# distances and the bilinear form
# ----------------------------------------------------------------------------------------------

def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Tensor:
    """p-norm of x1 - x2 + eps over the last dimension (inputs broadcast)."""
    innermost = max(x1.ndim, x2.ndim) - 1
    return (x1 - x2 + eps).norm(p, innermost, keepdim)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """<x1, x2> / (max(|x1|, eps) * max(|x2|, eps)) along ``dim``, each vector normalized first
    for accuracy as PyTorch does."""
    from ._dispatch import result_type
    from .join import broadcast_tensors
    from ..autograd.grad_mode import no_grad
    common = result_type(x1, x2)
    if not common.is_floating_point:
        raise RuntimeError(f"expected common dtype to be floating point, yet common dtype is "
                           f"{_type_word(common)}")
    if x1._data.dtype.kind in "biu":
        x1 = x1.to(common)
    if x2._data.dtype.kind in "biu":
        x2 = x2.to(common)
    x1, x2 = broadcast_tensors(x1, x2)
    norm1 = x1.norm(2, dim, True).clone()
    norm2 = x2.norm(2, dim, True).clone()
    with no_grad():
        norm1.clamp_min_(eps)
        norm2.clamp_min_(eps)
    return ((x1 / norm1) * (x2 / norm2)).sum(dim)


class PdistBackward0(Node):
    def backward(self, grad):
        x, distances = self.saved_tensors
        a, d, g = x._data, distances._data, grad._data
        first, second = self.pairs
        diff = a[first] - a[second]
        p = self.p
        column = d[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            if p == 0:
                local = np.zeros_like(diff)
            elif p == 1:
                local = np.sign(diff)
            elif p == 2:
                local = diff / column
            elif p == math.inf:
                local = np.sign(diff) * (np.abs(diff) == column)
            elif p < 2:
                local = np.sign(diff) * np.abs(diff) ** (p - 1) / column ** (p - 1)
            else:
                local = diff * np.abs(diff) ** (p - 2) / column ** (p - 1)
        local = np.where(column == 0, 0, local) * g[:, None]
        result = np.zeros_like(a)
        np.add.at(result, first, local)
        np.add.at(result, second, -local)
        result = _make(result)
        if grad_state.enabled:
            # Recorded so that create_graph works; differentiating it again raises, as in PyTorch.
            PdistBackwardBackward0((grad, x, distances), result)
        return (result,)


class PdistBackwardBackward0(Node):
    """PyTorch has no derivative for _pdist_backward."""

    def backward(self, grad):
        raise NotImplementedError("the derivative for '_pdist_backward' is not implemented.")


def pdist(input: Tensor, p: float = 2.0) -> Tensor:
    """p-norm distances between every pair of rows i < j, in row-major pair order."""
    a = input._data
    if a.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {a.ndim}D")
    if not (a.dtype.kind == "f" or a.dtype in _HALF_TYPES):
        raise RuntimeError("pdist only supports floating-point dtypes")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    rows = a.shape[0]
    first, second = np.triu_indices(rows, 1)
    x = _compute(a)
    diff = np.abs(x[first] - x[second])
    if p == 0:
        values = (diff != 0).sum(-1).astype(x.dtype)
    elif p == 1:
        values = diff.sum(-1)
    elif p == 2:
        values = np.sqrt((diff * diff).sum(-1))
    elif p == math.inf:
        values = diff.max(-1) if diff.shape[-1] else np.zeros(diff.shape[:-1], x.dtype)
    else:
        values = (diff ** p).sum(-1) ** (1.0 / p)
    result = _finish(values, a.dtype)
    if grad_state.enabled and input._rg:
        node = PdistBackward0((input,), result)
        node.save(input, result)
        node.p, node.pairs = p, (first, second)
    return result


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """x1^T A x2 + b for each output feature (A = weight[o])."""
    if input1.ndim != input2.ndim:
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {input1.ndim} and "
                           f"{input2.ndim}")
    for i in range(input1.ndim - 1):
        if input1.shape[i] != input2.shape[i]:
            raise RuntimeError(f"bilinear(): input batch dimensions do not match: got "
                               f"{input1.shape[i]} and {input2.shape[i]}")
    if input1.shape[-1] != weight.shape[1]:
        raise RuntimeError(f"bilinear(): input1 size does not match weight size: got "
                           f"{input1.shape[-1]} but expected {weight.shape[1]}")
    if input2.shape[-1] != weight.shape[2]:
        raise RuntimeError(f"bilinear(): input2 size does not match weight size: got "
                           f"{input2.shape[-1]} but expected {weight.shape[2]}")
    if bias is not None and bias.shape[0] != weight.shape[0]:
        raise RuntimeError(f"bilinear(): bias size does not match weight size: got "
                           f"{bias.shape[0]} but expected {weight.shape[0]}")
    from .blas import einsum
    output_size = tuple(input1.shape[:-1]) + (weight.shape[0],)
    flat1 = input1.reshape(-1, input1.shape[-1])
    flat2 = input2.reshape(-1, input2.shape[-1])
    # (x1 A_o) . x2 for every o: one product with the weight, then a row-wise dot.
    output = einsum("bi,oij,bj->bo", flat1, weight, flat2).reshape(output_size)
    if bias is not None:
        output = output + bias
    return output


__all__ = ["binary_cross_entropy_with_logits", "kl_div", "poisson_nll_loss",
           "cosine_embedding_loss", "margin_ranking_loss", "hinge_embedding_loss",
           "triplet_margin_loss", "ctc_loss", "pairwise_distance", "cosine_similarity", "pdist",
           "bilinear"]
