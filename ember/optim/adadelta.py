"""Adadelta: steps sized by the ratio of running RMS of updates and of gradients
(``torch.optim.Adadelta``)."""
from __future__ import annotations

import numpy as np

from .. import ops as _ops
from .._tensor import Tensor
from .optimizer import (Optimizer, _as_real, _bump, _check_capturable, _check_foreach,
                        _check_lr_tensor, foreach_apply, _grad_for_numpy, _hyper, _scalar_for,
                        _scalar_tensor, _to_scalar, _use_grad_for_differentiable, _use_numpy)

__all__ = ["Adadelta", "adadelta"]


class Adadelta(Optimizer):
    """Zeiler's Adadelta: no manual step size is needed beyond the scale ``lr``."""

    def __init__(self, params, lr: float | Tensor = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, foreach: bool | None = None, *,
                 capturable: bool = False, maximize: bool = False,
                 differentiable: bool = False) -> None:
        _check_lr_tensor(lr)
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize, "capturable": capturable, "foreach": foreach,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def __setstate__(self, state) -> None:
        super().__setstate__(state)
        self._restore_group_options({"foreach": None, "maximize": False, "differentiable": False,
                                     "capturable": False})

    def _init_group(self, group, params, grads, square_avgs, acc_deltas, state_steps) -> bool:
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
                state["acc_delta"] = _ops.zeros_like(p)
            square_avgs.append(state["square_avg"])
            acc_deltas.append(state["acc_delta"])
            state_steps.append(state["step"])
        return has_complex

    @_use_grad_for_differentiable
    def step(self, closure=None):
        """Perform one optimization step (``closure`` re-evaluates the loss and is returned)."""
        loss = self._run_closure(closure)
        for group in self.param_groups:
            params, grads, square_avgs, acc_deltas, state_steps = [], [], [], [], []
            has_complex = self._init_group(group, params, grads, square_avgs, acc_deltas,
                                           state_steps)
            adadelta(params, grads, square_avgs, acc_deltas, state_steps, lr=group["lr"],
                     rho=group["rho"], eps=group["eps"], weight_decay=group["weight_decay"],
                     foreach=group["foreach"], maximize=group["maximize"],
                     differentiable=group["differentiable"], capturable=group["capturable"],
                     has_complex=has_complex)
        return loss


def adadelta(params: list[Tensor], grads: list[Tensor], square_avgs: list[Tensor],
             acc_deltas: list[Tensor], state_steps: list[Tensor], capturable: bool = False,
             foreach: bool | None = None, differentiable: bool = False,
             has_complex: bool = False, *, lr, rho: float, eps: float, weight_decay: float,
             maximize: bool) -> None:
    """One Adadelta update of every tensor in ``params`` (functional form of :class:`Adadelta`).

    For each parameter p with gradient g, mean squared gradient s and mean squared update u::

        g <- -g                                   if maximize
        g <- g + weight_decay * p                 if weight_decay != 0
        s <- rho * s + (1 - rho) * g * g
        delta <- sqrt(u + eps) / sqrt(s + eps) * g
        u <- rho * u + (1 - rho) * delta * delta
        p <- p - lr * delta
    """
    if capturable:
        _check_capturable(params, xla=False)
    if not params:
        return
    _check_foreach(foreach, differentiable)
    kwargs = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize)
    if _use_numpy(params, differentiable):
        _numpy_adadelta(params, grads, square_avgs, acc_deltas, state_steps, **kwargs)
    else:
        _tensor_adadelta(params, grads, square_avgs, acc_deltas, state_steps,
                         differentiable=differentiable, **kwargs)


def _numpy_adadelta(params, grads, square_avgs, acc_deltas, state_steps, *, lr, rho, eps,
                    weight_decay, maximize) -> None:
    lr = _hyper(_to_scalar(lr))
    weight_decay = _hyper(weight_decay)
    needs_grad_buffer = maximize or weight_decay != 0
    one_minus_rho = 1 - rho
    neg_lr = -lr

    def kernel(p, g, square_avg, acc_delta):
        std = np.empty_like(p)
        delta = np.empty_like(p)
        if needs_grad_buffer:
            g = _grad_for_numpy(g, p, weight_decay, maximize, np.empty_like(p))
        np.multiply(square_avg, _scalar_for(square_avg, rho), out=square_avg)
        np.multiply(g, _scalar_for(g, one_minus_rho), out=std)
        np.multiply(std, g, out=std)
        np.add(square_avg, std, out=square_avg)
        np.add(square_avg, _scalar_for(square_avg, eps), out=std)
        np.sqrt(std, out=std)
        np.add(acc_delta, _scalar_for(acc_delta, eps), out=delta)
        np.sqrt(delta, out=delta)
        np.divide(delta, std, out=delta)
        np.multiply(delta, g, out=delta)
        np.multiply(acc_delta, _scalar_for(acc_delta, rho), out=acc_delta)
        np.multiply(delta, _scalar_for(delta, one_minus_rho), out=std)
        np.multiply(std, delta, out=std)
        np.add(acc_delta, std, out=acc_delta)
        np.multiply(delta, _scalar_for(delta, neg_lr), out=delta)
        np.add(p, delta, out=p)

    jobs = []
    for i, p in enumerate(params):
        state_steps[i]._data += 1
        jobs.append(((_as_real(p._data), _as_real(grads[i]._data),
                      _as_real(square_avgs[i]._data), _as_real(acc_deltas[i]._data)), ()))
    foreach_apply(kernel, jobs)
    _bump(params)
    _bump(state_steps)


def _tensor_adadelta(params, grads, square_avgs, acc_deltas, state_steps, *, lr, rho, eps,
                     weight_decay, maximize, differentiable) -> None:
    # Written with tensor ops so autograd can record the step (differentiable=True).
    lr = _to_scalar(lr)
    for param, grad, square_avg, acc_delta, step in zip(params, grads, square_avgs, acc_deltas,
                                                        state_steps):
        step += 1
        grad = -grad if maximize else grad
        if weight_decay != 0:
            grad = grad.add(param, alpha=weight_decay)
        is_complex = param.is_complex()
        if is_complex:
            square_avg = _ops.view_as_real(square_avg)
            acc_delta = _ops.view_as_real(acc_delta)
            grad = _ops.view_as_real(grad)
        square_avg.mul_(rho).addcmul_(grad, grad, value=1 - rho)
        std = square_avg.add(eps).sqrt_()
        delta = acc_delta.add(eps).sqrt_()
        if differentiable:
            delta = delta.clone()
        delta.div_(std).mul_(grad)
        acc_delta.mul_(rho).addcmul_(delta, delta, value=1 - rho)
        if is_complex:
            delta = _ops.view_as_complex(delta)
        param.add_(delta, alpha=-lr)
