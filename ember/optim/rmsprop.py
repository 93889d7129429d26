"""RMSprop: steps scaled by a running RMS of the gradients (``torch.optim.RMSprop``)."""
from __future__ import annotations

import numpy as np

from .. import ops as _ops
from .._tensor import Tensor
from .optimizer import (Optimizer, _as_real, _bump, _check_capturable, _check_foreach,
                        _check_lr_tensor, foreach_apply, _grad_for_numpy, _hyper, _lerp_,
                        _scalar_for, _scalar_tensor, _to_scalar, _use_grad_for_differentiable,
                        _use_numpy)

__all__ = ["RMSprop", "rmsprop"]


class RMSprop(Optimizer):
    """Divide each step by a moving root-mean-square of recent gradients (Hinton)."""

    def __init__(self, params, lr: float | Tensor = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0, momentum: float = 0,
                 centered: bool = False, capturable: bool = False, foreach: bool | None = None,
                 maximize: bool = False, differentiable: bool = False) -> None:
        _check_lr_tensor(lr)
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps,
                    "centered": centered, "weight_decay": weight_decay,
                    "capturable": capturable, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def __setstate__(self, state) -> None:
        super().__setstate__(state)
        self._restore_group_options({"momentum": 0, "centered": False, "foreach": None,
                                     "maximize": False, "differentiable": False,
                                     "capturable": False})

    def _init_group(self, group, params, grads, square_avgs, momentum_buffer_list, grad_avgs,
                    state_steps) -> bool:
        has_complex = False
        for p in group["params"]:
            grad = p._grad
            if grad is None:
                continue
            has_complex |= p.is_complex()
            params.append(p)
            grads.append(grad)
            state = self.state[p]
            if len(state) == 0:
                state["step"] = _scalar_tensor(0.0)
                state["square_avg"] = _ops.zeros_like(p)
                if group["momentum"] > 0:
                    state["momentum_buffer"] = _ops.zeros_like(p)
                if group["centered"]:
                    state["grad_avg"] = _ops.zeros_like(p)
            square_avgs.append(state["square_avg"])
            state_steps.append(state["step"])
            if group["momentum"] > 0:
                momentum_buffer_list.append(state["momentum_buffer"])
            if group["centered"]:
                grad_avgs.append(state["grad_avg"])
        return has_complex

    @_use_grad_for_differentiable
    def step(self, closure=None):
        """Perform one optimization step (``closure`` re-evaluates the loss and is returned)."""
        loss = self._run_closure(closure)
        for group in self.param_groups:
            params, grads, square_avgs, grad_avgs, momentum_buffers, state_steps = \
                [], [], [], [], [], []
            has_complex = self._init_group(group, params, grads, square_avgs, momentum_buffers,
                                           grad_avgs, state_steps)
            rmsprop(params, grads, square_avgs, grad_avgs, momentum_buffers, state_steps,
                    lr=group["lr"], alpha=group["alpha"], eps=group["eps"],
                    weight_decay=group["weight_decay"], momentum=group["momentum"],
                    centered=group["centered"], foreach=group["foreach"],
                    maximize=group["maximize"], differentiable=group["differentiable"],
                    capturable=group["capturable"], has_complex=has_complex)
        return loss


def rmsprop(params: list[Tensor], grads: list[Tensor], square_avgs: list[Tensor],
            grad_avgs: list[Tensor], momentum_buffer_list: list[Tensor],
            state_steps: list[Tensor], foreach: bool | None = None, maximize: bool = False,
            differentiable: bool = False, capturable: bool = False, has_complex: bool = False,
            *, lr, alpha: float, eps: float, weight_decay: float, momentum: float,
            centered: bool) -> None:
    """One RMSprop update of every tensor in ``params`` (functional form of :class:`RMSprop`).

    For each parameter p with gradient g, mean square s, (centered) mean gradient a and
    momentum buffer b::

        g <- -g                                  if maximize
        g <- g + weight_decay * p                if weight_decay != 0
        s <- alpha * s + (1 - alpha) * g * g
        a <- lerp(a, g, 1 - alpha); rms <- sqrt(s - a * a)    if centered
        rms <- sqrt(s)                                         otherwise
        rms <- rms + eps
        b <- momentum * b + g / rms; p <- p - lr * b          if momentum > 0
        p <- p - lr * g / rms                                  otherwise
    """
    if not all(isinstance(t, Tensor) for t in state_steps):
        raise RuntimeError("API has changed, `state_steps` argument must contain a list of "
                           "singleton tensors")
    if capturable:
        _check_capturable(params)
    if not params:
        return
    _check_foreach(foreach, differentiable)
    kwargs = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                  centered=centered, maximize=maximize)
    if _use_numpy(params, differentiable):
        _numpy_rmsprop(params, grads, square_avgs, grad_avgs, momentum_buffer_list, state_steps,
                       **kwargs)
    else:
        _tensor_rmsprop(params, grads, square_avgs, grad_avgs, momentum_buffer_list,
                        state_steps, differentiable=differentiable, **kwargs)


def _numpy_rmsprop(params, grads, square_avgs, grad_avgs, momentum_buffer_list, state_steps, *,
                   lr, alpha, eps, weight_decay, momentum, centered, maximize) -> None:
    lr = _hyper(_to_scalar(lr))
    weight_decay = _hyper(weight_decay)
    needs_grad_buffer = maximize or weight_decay != 0
    neg_lr = -lr
    one_minus_alpha = 1 - alpha

    def kernel(p, g, square_avg, *rest):
        grad_avg = rest[0] if centered else None
        buffer = rest[-1] if momentum > 0 else None
        rms = np.empty_like(p)
        tmp = np.empty_like(p)
        if needs_grad_buffer:
            g = _grad_for_numpy(g, p, weight_decay, maximize, np.empty_like(p))
        np.multiply(square_avg, _scalar_for(square_avg, alpha), out=square_avg)
        np.multiply(g, _scalar_for(g, one_minus_alpha), out=tmp)
        np.multiply(tmp, g, out=tmp)
        np.add(square_avg, tmp, out=square_avg)
        if centered:
            _lerp_(grad_avg, g, one_minus_alpha, tmp)
            np.multiply(grad_avg, grad_avg, out=tmp)
            np.subtract(square_avg, tmp, out=rms)
            np.sqrt(rms, out=rms)
        else:
            np.sqrt(square_avg, out=rms)
        np.add(rms, _scalar_for(rms, eps), out=rms)
        if buffer is not None:
            np.multiply(buffer, _scalar_for(buffer, momentum), out=buffer)
            np.divide(g, rms, out=tmp)
            np.add(buffer, tmp, out=buffer)
            np.multiply(buffer, _scalar_for(buffer, neg_lr), out=tmp)
        else:
            np.multiply(g, _scalar_for(g, neg_lr), out=tmp)
            np.divide(tmp, rms, out=tmp)
        np.add(p, tmp, out=p)

    jobs = []
    for i, p in enumerate(params):
        state_steps[i]._data += 1
        arrays = [_as_real(p._data), _as_real(grads[i]._data), _as_real(square_avgs[i]._data)]
        if centered:
            arrays.append(_as_real(grad_avgs[i]._data))
        if momentum > 0:
            arrays.append(_as_real(momentum_buffer_list[i]._data))
        jobs.append((arrays, ()))
    foreach_apply(kernel, jobs)
    _bump(params)
    _bump(state_steps)


def _tensor_rmsprop(params, grads, square_avgs, grad_avgs, momentum_buffer_list, state_steps,
                    *, lr, alpha, eps, weight_decay, momentum, centered, maximize,
                    differentiable) -> None:
    # Written with tensor ops so autograd can record the step (differentiable=True).
    lr = _to_scalar(lr)
    for i, param in enumerate(params):
        state_steps[i] += 1
        grad = -grads[i] if maximize else grads[i]
        square_avg = square_avgs[i]
        if weight_decay != 0:
            grad = grad.add(param, alpha=weight_decay)
        is_complex = param.is_complex()
        if is_complex:
            param = _ops.view_as_real(param)
            grad = _ops.view_as_real(grad)
            square_avg = _ops.view_as_real(square_avg)
        square_avg.mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
        if centered:
            grad_avg = grad_avgs[i]
            if is_complex:
                grad_avg = _ops.view_as_real(grad_avg)
            grad_avg.lerp_(grad, 1 - alpha)
            avg = square_avg.addcmul(grad_avg, grad_avg, value=-1).sqrt_()
        else:
            avg = square_avg.sqrt()
        avg = avg.add(eps) if differentiable else avg.add_(eps)
        if momentum > 0:
            buffer = momentum_buffer_list[i]
            if is_complex:
                buffer = _ops.view_as_real(buffer)
            buffer.mul_(momentum).addcdiv_(grad, avg)
            param.add_(buffer, alpha=-lr)
        else:
            param.addcdiv_(grad, avg, value=-lr)
