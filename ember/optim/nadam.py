"""NAdam: Adam with Nesterov momentum (``torch.optim.NAdam``)."""
from __future__ import annotations

import numpy as np

from .. import ops as _ops
from .._tensor import Tensor
from .optimizer import (Optimizer, _as_real, _bump, _check_capturable, _check_foreach,
                        _check_lr_tensor, foreach_apply, _get_value, _grad_for_numpy, _hyper,
                        _lerp_, _scalar_for, _scalar_tensor, _to_scalar,
                        _use_grad_for_differentiable, _use_numpy)

__all__ = ["NAdam", "nadam"]


class NAdam(Optimizer):
    """Adam with Nesterov-style look-ahead momentum and a decaying momentum schedule."""

    def __init__(self, params, lr: float | Tensor = 2e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False,
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
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "momentum_decay": momentum_decay,
                    "decoupled_weight_decay": decoupled_weight_decay, "maximize": maximize,
                    "foreach": foreach, "capturable": capturable,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def __setstate__(self, state) -> None:
        super().__setstate__(state)
        self._restore_group_options({"maximize": False, "foreach": None, "capturable": False,
                                     "differentiable": False, "decoupled_weight_decay": False},
                                    scalar_keys=("step", "mu_product"))

    def _init_group(self, group, params, grads, exp_avgs, exp_avg_sqs, mu_products,
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
                state["mu_product"] = _scalar_tensor(1.0)
                state["exp_avg"] = _ops.zeros_like(p)
                state["exp_avg_sq"] = _ops.zeros_like(p)
            exp_avgs.append(state["exp_avg"])
            exp_avg_sqs.append(state["exp_avg_sq"])
            mu_products.append(state["mu_product"])
            state_steps.append(state["step"])
        return has_complex

    @_use_grad_for_differentiable
    def step(self, closure=None):
        """Perform one optimization step (``closure`` re-evaluates the loss and is returned)."""
        loss = self._run_closure(closure)
        for group in self.param_groups:
            params, grads, exp_avgs, exp_avg_sqs, mu_products, state_steps = \
                [], [], [], [], [], []
            beta1, beta2 = group["betas"]
            has_complex = self._init_group(group, params, grads, exp_avgs, exp_avg_sqs,
                                           mu_products, state_steps)
            nadam(params, grads, exp_avgs, exp_avg_sqs, mu_products, state_steps, beta1=beta1,
                  beta2=beta2, lr=group["lr"], weight_decay=group["weight_decay"],
                  momentum_decay=group["momentum_decay"], eps=group["eps"],
                  maximize=group["maximize"],
                  decoupled_weight_decay=group["decoupled_weight_decay"],
                  foreach=group["foreach"], capturable=group["capturable"],
                  differentiable=group["differentiable"], has_complex=has_complex)
        return loss


def nadam(params: list[Tensor], grads: list[Tensor], exp_avgs: list[Tensor],
          exp_avg_sqs: list[Tensor], mu_products: list[Tensor], state_steps: list[Tensor],
          decoupled_weight_decay: bool = False, foreach: bool | None = None,
          capturable: bool = False, differentiable: bool = False, has_complex: bool = False,
          maximize: bool = False, *, beta1: float, beta2: float, lr, weight_decay: float,
          momentum_decay: float, eps: float) -> None:
    """One NAdam update of every tensor in ``params`` (the functional form of :class:`NAdam`).

    For each parameter p with gradient g, moments m and v, running momentum product P and
    step count t::

        t <- t + 1
        g <- -g                                     if maximize
        p <- p * (1 - lr * weight_decay)            if decoupled weight decay
        g <- g + weight_decay * p                   otherwise, when weight_decay != 0
        mu      <- beta1 * (1 - 0.5 * 0.96^(t * momentum_decay))
        mu_next <- beta1 * (1 - 0.5 * 0.96^((t + 1) * momentum_decay))
        P <- P * mu                                 (kept in the scalar state dtype)
        m <- lerp(m, g, 1 - beta1)
        v <- beta2 * v + (1 - beta2) * g * g
        denom <- sqrt(v / (1 - beta2^t)) + eps
        p <- p - lr * (1 - mu) / (1 - P) * g / denom
        p <- p - lr * mu_next / (1 - P * mu_next) * m / denom
    """
    if not all(isinstance(t, Tensor) for t in state_steps):
        raise RuntimeError("API has changed, `state_steps` argument must contain a list of "
                           "singleton tensors")
    if not all(isinstance(t, Tensor) for t in mu_products):
        raise RuntimeError("API has changed, `mu_products` argument must contain a list of "
                           "singleton tensors")
    if capturable:
        _check_capturable(params, "params, mu_products and state_steps")
    if not params:
        return
    _check_foreach(foreach, differentiable)
    kwargs = dict(beta1=beta1, beta2=beta2, lr=lr, weight_decay=weight_decay,
                  momentum_decay=momentum_decay, eps=eps, maximize=maximize,
                  decoupled_weight_decay=decoupled_weight_decay)
    if _use_numpy(params, differentiable):
        _numpy_nadam(params, grads, exp_avgs, exp_avg_sqs, mu_products, state_steps, **kwargs)
    else:
        _tensor_nadam(params, grads, exp_avgs, exp_avg_sqs, mu_products, state_steps, **kwargs)


def _momentum_schedule(beta1, step: float, momentum_decay: float) -> tuple[float, float]:
    mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
    mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
    return mu, mu_next


def _numpy_nadam(params, grads, exp_avgs, exp_avg_sqs, mu_products, state_steps, *, beta1,
                 beta2, lr, weight_decay, momentum_decay, eps, maximize,
                 decoupled_weight_decay) -> None:
    lr = _hyper(_to_scalar(lr))
    weight_decay = _hyper(weight_decay)
    decay = 1 - lr * weight_decay if decoupled_weight_decay and weight_decay != 0 else None
    l2 = 0 if decoupled_weight_decay else weight_decay
    needs_grad_buffer = maximize or l2 != 0
    one_minus_beta1 = 1 - beta1
    one_minus_beta2 = 1 - beta2

    def kernel(p, g, m, v, bias_correction2, grad_coef, avg_coef):
        tmp = np.empty_like(p)
        denom = np.empty_like(p)
        if decay is not None:
            np.multiply(p, _scalar_for(p, decay), out=p)
        if needs_grad_buffer:
            g = _grad_for_numpy(g, p, l2, maximize, np.empty_like(p))
        _lerp_(m, g, one_minus_beta1, tmp)
        np.multiply(v, _scalar_for(v, beta2), out=v)
        np.multiply(g, _scalar_for(g, one_minus_beta2), out=tmp)
        np.multiply(tmp, g, out=tmp)
        np.add(v, tmp, out=v)
        np.divide(v, _scalar_for(v, bias_correction2), out=denom)
        np.sqrt(denom, out=denom)
        np.add(denom, _scalar_for(denom, eps), out=denom)
        np.multiply(g, _scalar_for(g, grad_coef), out=tmp)
        np.divide(tmp, denom, out=tmp)
        np.add(p, tmp, out=p)
        np.multiply(m, _scalar_for(m, avg_coef), out=tmp)
        np.divide(tmp, denom, out=tmp)
        np.add(p, tmp, out=p)

    jobs = []
    for i, p in enumerate(params):
        step_t = state_steps[i]
        step_t._data += 1
        step = float(step_t._data)
        bias_correction2 = 1 - beta2 ** step
        mu, mu_next = _momentum_schedule(beta1, step, momentum_decay)
        product = mu_products[i]._data
        product *= mu
        mu_product = float(product)
        mu_product_next = mu_product * mu_next
        grad_coef = -lr * (1.0 - mu) / (1.0 - mu_product)
        avg_coef = (-lr * mu_next) / (1.0 - mu_product_next)
        jobs.append(((_as_real(p._data), _as_real(grads[i]._data), _as_real(exp_avgs[i]._data),
                      _as_real(exp_avg_sqs[i]._data)), (bias_correction2, grad_coef, avg_coef)))
    foreach_apply(kernel, jobs)
    _bump(params, 3 if decay is not None else 2)
    _bump(state_steps)
    _bump(mu_products)


def _tensor_nadam(params, grads, exp_avgs, exp_avg_sqs, mu_products, state_steps, *, beta1,
                  beta2, lr, weight_decay, momentum_decay, eps, maximize,
                  decoupled_weight_decay) -> None:
    # Written with tensor ops so autograd can record the step (differentiable=True).
    lr = _to_scalar(lr)
    for i, param in enumerate(params):
        grad = -grads[i] if maximize else grads[i]
        exp_avg = exp_avgs[i]
        exp_avg_sq = exp_avg_sqs[i]
        mu_product = mu_products[i]
        step_t = state_steps[i]
        if param.is_complex():
            param = _ops.view_as_real(param)
            grad = _ops.view_as_real(grad)
            exp_avg = _ops.view_as_real(exp_avg)
            exp_avg_sq = _ops.view_as_real(exp_avg_sq)
        step_t += 1
        step = _get_value(step_t)
        bias_correction2 = 1 - beta2 ** step
        if weight_decay != 0:
            if decoupled_weight_decay:
                param.mul_(1 - lr * weight_decay)
            else:
                grad = grad.add(param, alpha=weight_decay)
        mu, mu_next = _momentum_schedule(beta1, step, momentum_decay)
        mu_product *= mu
        exp_avg.lerp_(grad, 1 - beta1)
        exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        denom = exp_avg_sq.div(bias_correction2).sqrt().add(eps)
        mu_product_next = mu_product * mu_next
        grad = grad * (-lr * (1.0 - mu) / (1.0 - mu_product))
        exp_avg = exp_avg * (-lr * mu_next / (1.0 - mu_product_next))
        param.addcdiv_(grad, denom)
        param.addcdiv_(exp_avg, denom)
