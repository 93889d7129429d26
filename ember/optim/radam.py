"""RAdam: Adam with a rectified adaptive learning rate (``torch.optim.RAdam``)."""
from __future__ import annotations

import numpy as np

from .. import ops as _ops
from .._tensor import Tensor
from .optimizer import (Optimizer, _as_real, _bump, _check_capturable, _check_foreach,
                        _check_lr_tensor, foreach_apply, _get_value, _grad_for_numpy, _hyper,
                        _lerp_, _scalar_for, _scalar_tensor, _to_scalar,
                        _use_grad_for_differentiable, _use_numpy)

__all__ = ["RAdam", "radam"]


class RAdam(Optimizer):
    """Adam that falls back to plain momentum SGD while the variance estimate is unreliable."""

    def __init__(self, params, lr: float | Tensor = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, decoupled_weight_decay: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
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
                    "maximize": maximize, "foreach": foreach, "capturable": capturable,
                    "decoupled_weight_decay": decoupled_weight_decay,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def __setstate__(self, state) -> None:
        super().__setstate__(state)
        self._restore_group_options({"foreach": None, "maximize": False, "differentiable": False,
                                     "decoupled_weight_decay": False, "capturable": False})

    def _init_group(self, group, params, grads, exp_avgs, exp_avg_sqs, state_steps) -> bool:
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
                state["exp_avg_sq"] = _ops.zeros_like(p)
            exp_avgs.append(state["exp_avg"])
            exp_avg_sqs.append(state["exp_avg_sq"])
            state_steps.append(state["step"])
        return has_complex

    @_use_grad_for_differentiable
    def step(self, closure=None):
        """Perform one optimization step (``closure`` re-evaluates the loss and is returned)."""
        loss = self._run_closure(closure)
        for group in self.param_groups:
            params, grads, exp_avgs, exp_avg_sqs, state_steps = [], [], [], [], []
            beta1, beta2 = group["betas"]
            has_complex = self._init_group(group, params, grads, exp_avgs, exp_avg_sqs,
                                           state_steps)
            radam(params, grads, exp_avgs, exp_avg_sqs, state_steps, beta1=beta1, beta2=beta2,
                  lr=group["lr"], weight_decay=group["weight_decay"], eps=group["eps"],
                  maximize=group["maximize"], foreach=group["foreach"],
                  capturable=group["capturable"], differentiable=group["differentiable"],
                  decoupled_weight_decay=group["decoupled_weight_decay"],
                  has_complex=has_complex)
        return loss


def radam(params: list[Tensor], grads: list[Tensor], exp_avgs: list[Tensor],
          exp_avg_sqs: list[Tensor], state_steps: list[Tensor],
          decoupled_weight_decay: bool = False, foreach: bool | None = None,
          differentiable: bool = False, capturable: bool = False, has_complex: bool = False,
          maximize: bool = False, *, beta1: float, beta2: float, lr, weight_decay: float,
          eps: float) -> None:
    """One RAdam update of every tensor in ``params`` (the functional form of :class:`RAdam`).

    For each parameter p with gradient g, moments m and v and step count t::

        t <- t + 1
        g <- -g                                     if maximize
        p <- p * (1 - lr * weight_decay)            if decoupled weight decay
        g <- g + weight_decay * p                   otherwise, when weight_decay != 0
        m <- lerp(m, g, 1 - beta1)
        v <- beta2 * v + (1 - beta2) * g * g
        m_hat <- m / (1 - beta1^t)
        rho_inf <- 2 / (1 - beta2) - 1
        rho_t <- rho_inf - 2 t beta2^t / (1 - beta2^t)
        if rho_t > 5:     (the variance of the adaptive rate is tractable)
            r <- sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
            a <- sqrt(1 - beta2^t) / (sqrt(v) + eps)
            p <- p - m_hat * lr * a * r
        else:
            p <- p - m_hat * lr
    """
    if not all(isinstance(t, Tensor) for t in state_steps):
        raise RuntimeError("API has changed, `state_steps` argument must contain a list of "
                           "singleton tensors")
    if capturable:
        _check_capturable(params)
    if not params:
        return
    _check_foreach(foreach, differentiable)
    kwargs = dict(beta1=beta1, beta2=beta2, lr=lr, weight_decay=weight_decay, eps=eps,
                  maximize=maximize, decoupled_weight_decay=decoupled_weight_decay)
    if _use_numpy(params, differentiable):
        _numpy_radam(params, grads, exp_avgs, exp_avg_sqs, state_steps, **kwargs)
    else:
        _tensor_radam(params, grads, exp_avgs, exp_avg_sqs, state_steps,
                      differentiable=differentiable, **kwargs)


def _rectification(beta2, step: float):
    """(rho_t, rectification term or None when rho_t <= 5, bias_correction2)."""
    bias_correction2 = 1 - beta2 ** step
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
    if rho_t <= 5.0:
        return None, bias_correction2
    rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
    return rect, bias_correction2


def _numpy_radam(params, grads, exp_avgs, exp_avg_sqs, state_steps, *, beta1, beta2, lr,
                 weight_decay, eps, maximize, decoupled_weight_decay) -> None:
    lr = _hyper(_to_scalar(lr))
    weight_decay = _hyper(weight_decay)
    decay = 1 - lr * weight_decay if decoupled_weight_decay and weight_decay != 0 else None
    l2 = 0 if decoupled_weight_decay else weight_decay
    needs_grad_buffer = maximize or l2 != 0
    one_minus_beta1 = 1 - beta1
    one_minus_beta2 = 1 - beta2

    def kernel(p, g, m, v, bias_correction1, rect, adaptive_scale):
        tmp = np.empty_like(p)
        if decay is not None:
            np.multiply(p, _scalar_for(p, decay), out=p)
        if needs_grad_buffer:
            g = _grad_for_numpy(g, p, l2, maximize, np.empty_like(p))
        _lerp_(m, g, one_minus_beta1, tmp)
        np.multiply(v, _scalar_for(v, beta2), out=v)
        np.multiply(g, _scalar_for(g, one_minus_beta2), out=tmp)
        np.multiply(tmp, g, out=tmp)
        np.add(v, tmp, out=v)
        np.divide(m, _scalar_for(m, bias_correction1), out=tmp)
        np.multiply(tmp, _scalar_for(tmp, lr), out=tmp)
        if rect is not None:
            # a = 1 / (sqrt(v) + eps) * sqrt(bias_correction2): PyTorch's number / tensor.
            adaptive = np.sqrt(v, out=np.empty_like(v))
            np.add(adaptive, _scalar_for(adaptive, eps), out=adaptive)
            np.reciprocal(adaptive, out=adaptive)
            np.multiply(adaptive, _scalar_for(adaptive, adaptive_scale), out=adaptive)
            np.multiply(tmp, adaptive, out=tmp)
            np.multiply(tmp, _scalar_for(tmp, rect), out=tmp)
        np.subtract(p, tmp, out=p)

    jobs = []
    for i, p in enumerate(params):
        step_t = state_steps[i]
        step_t._data += 1
        step = float(step_t._data)
        rect, bias_correction2 = _rectification(beta2, step)
        jobs.append(((_as_real(p._data), _as_real(grads[i]._data), _as_real(exp_avgs[i]._data),
                      _as_real(exp_avg_sqs[i]._data)),
                     (1 - beta1 ** step, rect, bias_correction2 ** 0.5)))
    foreach_apply(kernel, jobs)
    _bump(params, 2 if decay is not None else 1)
    _bump(state_steps)


def _tensor_radam(params, grads, exp_avgs, exp_avg_sqs, state_steps, *, beta1, beta2, lr,
                  weight_decay, eps, maximize, decoupled_weight_decay, differentiable) -> None:
    # Written with tensor ops so autograd can record the step (differentiable=True).
    lr = _to_scalar(lr)
    for i, param in enumerate(params):
        grad = -grads[i] if maximize else grads[i]
        exp_avg = exp_avgs[i]
        exp_avg_sq = exp_avg_sqs[i]
        step_t = state_steps[i]
        if param.is_complex():
            param = _ops.view_as_real(param)
            grad = _ops.view_as_real(grad)
            exp_avg = _ops.view_as_real(exp_avg)
            exp_avg_sq = _ops.view_as_real(exp_avg_sq)
        step_t += 1
        step = _get_value(step_t)
        if weight_decay != 0:
            if decoupled_weight_decay:
                param.mul_(1 - lr * weight_decay)
            else:
                grad = grad.add(param, alpha=weight_decay)
        exp_avg.lerp_(grad, 1 - beta1)
        exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        bias_corrected_exp_avg = exp_avg / (1 - beta1 ** step)
        rect, bias_correction2 = _rectification(beta2, step)
        if rect is None:
            param.add_(bias_corrected_exp_avg * lr, alpha=-1.0)
            continue
        root = exp_avg_sq.sqrt()
        root = root.add(eps) if differentiable else root.add_(eps)
        adaptive = (bias_correction2 ** 0.5) / root
        param.add_(bias_corrected_exp_avg * lr * adaptive * rect, alpha=-1.0)
