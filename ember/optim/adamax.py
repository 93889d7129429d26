"""Adamax: Adam with an infinity-norm second moment (``torch.optim.Adamax``)."""
from __future__ import annotations

import numpy as np

from .. import ops as _ops
from .._tensor import Tensor
from .optimizer import (Optimizer, _as_real, _bump, _check_capturable, _check_foreach,
                        _check_lr_tensor, foreach_apply, _get_value, _grad_for_numpy, _hyper,
                        _lerp_, _scalar_for, _scalar_tensor, _to_scalar,
                        _use_grad_for_differentiable, _use_numpy)

__all__ = ["Adamax", "adamax"]


class Adamax(Optimizer):
    """Adam variant that scales steps by a decaying maximum of gradient magnitudes."""

    def __init__(self, params, lr: float | Tensor = 2e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False,
                 capturable: bool = False) -> None:
        _check_lr_tensor(lr)
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "foreach": foreach, "maximize": maximize, "differentiable": differentiable,
                    "capturable": capturable}
        super().__init__(params, defaults)

    def __setstate__(self, state) -> None:
        super().__setstate__(state)
        self._restore_group_options({"foreach": None, "maximize": False, "differentiable": False,
                                     "capturable": False})

    def _init_group(self, group, params, grads, exp_avgs, exp_infs, state_steps) -> bool:
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
                state["exp_avg"] = _ops.zeros_like(p)
                state["exp_inf"] = _ops.zeros_like(p)
            exp_avgs.append(state["exp_avg"])
            exp_infs.append(state["exp_inf"])
            state_steps.append(state["step"])
        return has_complex

    @_use_grad_for_differentiable
    def step(self, closure=None):
        """Perform one optimization step (``closure`` re-evaluates the loss and is returned)."""
        loss = self._run_closure(closure)
        for group in self.param_groups:
            params, grads, exp_avgs, exp_infs, state_steps = [], [], [], [], []
            beta1, beta2 = group["betas"]
            has_complex = self._init_group(group, params, grads, exp_avgs, exp_infs,
                                           state_steps)
            adamax(params, grads, exp_avgs, exp_infs, state_steps, eps=group["eps"],
                   beta1=beta1, beta2=beta2, lr=group["lr"],
                   weight_decay=group["weight_decay"], foreach=group["foreach"],
                   maximize=group["maximize"], differentiable=group["differentiable"],
                   capturable=group["capturable"], has_complex=has_complex)
        return loss


def adamax(params: list[Tensor], grads: list[Tensor], exp_avgs: list[Tensor],
           exp_infs: list[Tensor], state_steps: list[Tensor], foreach: bool | None = None,
           maximize: bool = False, differentiable: bool = False, capturable: bool = False,
           has_complex: bool = False, *, eps: float, beta1: float, beta2: float, lr,
           weight_decay: float) -> None:
    """One Adamax update of every tensor in ``params`` (functional form of :class:`Adamax`).

    For each parameter p with gradient g, first moment m, infinity norm u and step count t::

        t <- t + 1
        g <- -g                               if maximize
        g <- g + weight_decay * p             if weight_decay != 0
        m <- lerp(m, g, 1 - beta1)
        u <- max(beta2 * u, |g| + eps)
        p <- p - (lr / (1 - beta1^t)) * m / u
    """
    if not all(isinstance(t, Tensor) for t in state_steps):
        raise RuntimeError("API has changed, `state_steps` argument must contain a list of "
                           "singleton tensors")
    if capturable:
        _check_capturable(params)
    if not params:
        return
    _check_foreach(foreach, differentiable)
    kwargs = dict(eps=eps, beta1=beta1, beta2=beta2, lr=lr, weight_decay=weight_decay,
                  maximize=maximize)
    if _use_numpy(params, differentiable):
        _numpy_adamax(params, grads, exp_avgs, exp_infs, state_steps, **kwargs)
    else:
        _tensor_adamax(params, grads, exp_avgs, exp_infs, state_steps,
                       differentiable=differentiable, **kwargs)


def _numpy_adamax(params, grads, exp_avgs, exp_infs, state_steps, *, eps, beta1, beta2, lr,
                  weight_decay, maximize) -> None:
    lr = _hyper(_to_scalar(lr))
    weight_decay = _hyper(weight_decay)
    needs_grad_buffer = maximize or weight_decay != 0
    one_minus_beta1 = 1 - beta1

    def kernel(p, g, m, u, neg_clr):
        tmp = np.empty_like(p)
        if needs_grad_buffer:
            g = _grad_for_numpy(g, p, weight_decay, maximize, np.empty_like(p))
        _lerp_(m, g, one_minus_beta1, tmp)
        np.multiply(u, _scalar_for(u, beta2), out=u)
        np.abs(g, out=tmp)
        np.add(tmp, _scalar_for(tmp, eps), out=tmp)
        np.maximum(u, tmp, out=u)
        np.multiply(m, _scalar_for(m, neg_clr), out=tmp)
        np.divide(tmp, u, out=tmp)
        np.add(p, tmp, out=p)

    jobs = []
    for i, p in enumerate(params):
        step_t = state_steps[i]
        step_t._data += 1
        bias_correction = 1 - beta1 ** float(step_t._data)
        jobs.append(((_as_real(p._data), _as_real(grads[i]._data), _as_real(exp_avgs[i]._data),
                      _as_real(exp_infs[i]._data)), (-(lr / bias_correction),)))
    foreach_apply(kernel, jobs)
    _bump(params)
    _bump(state_steps)


def _tensor_adamax(params, grads, exp_avgs, exp_infs, state_steps, *, eps, beta1, beta2, lr,
                   weight_decay, maximize, differentiable) -> None:
    # Written with tensor ops so autograd can record the step (differentiable=True).
    lr = _to_scalar(lr)
    for i, param in enumerate(params):
        grad = -grads[i] if maximize else grads[i]
        exp_avg = exp_avgs[i]
        exp_inf = exp_infs[i]
        step_t = state_steps[i]
        step_t += 1
        if weight_decay != 0:
            grad = grad.add(param, alpha=weight_decay)
        if param.is_complex():
            param = _ops.view_as_real(param)
            grad = _ops.view_as_real(grad)
            exp_avg = _ops.view_as_real(exp_avg)
            exp_inf = _ops.view_as_real(exp_inf)
        exp_avg.lerp_(grad, 1 - beta1)
        if differentiable:
            both = _ops.cat([exp_inf.mul_(beta2).unsqueeze(0),
                             grad.abs().add_(eps).unsqueeze_(0)], 0)
            exp_inf.copy_(_ops.amax(both, 0, keepdim=False))
        else:
            _ops.maximum(exp_inf.mul_(beta2), grad.abs().add_(eps), out=exp_inf)
        bias_correction = 1 - beta1 ** _get_value(step_t)
        clr = lr / bias_correction
        param.addcdiv_(exp_avg, exp_inf, value=-clr)
