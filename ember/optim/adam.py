"""Adam: adaptive moment estimation (``torch.optim.Adam``)."""
from __future__ import annotations

import numpy as np

from .. import ops as _ops
from .._tensor import Tensor
from .optimizer import (Optimizer, _as_real, _bump, _check_capturable, _check_foreach, _check_fused,
                        _check_lr_tensor, foreach_apply, _get_scalar_dtype, _grad_for_numpy, _hyper,
                        _lerp_, _scalar_for, _scalar_tensor, _to_scalar,
                        _use_grad_for_differentiable, _use_numpy)

__all__ = ["Adam", "adam"]


class Adam(Optimizer):
    """Adam with optional AMSGrad, L2 or decoupled weight decay, and maximization."""

    def __init__(self, params, lr: float | Tensor = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False,
                 fused: bool | None = None, decoupled_weight_decay: bool = False) -> None:
        if isinstance(lr, Tensor):
            if foreach and not capturable:
                raise ValueError("lr as a Tensor is not supported for capturable=False and "
                                 "foreach=True")
            _check_lr_tensor(lr)
        _check_adam_args(lr, betas, eps, weight_decay, foreach, capturable)
        betas = tuple(map(_to_scalar, betas))
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "amsgrad": amsgrad, "maximize": maximize, "foreach": foreach,
                    "capturable": capturable, "differentiable": differentiable, "fused": fused,
                    "decoupled_weight_decay": decoupled_weight_decay}
        super().__init__(params, defaults)
        if fused:
            if differentiable:
                raise RuntimeError("`fused` does not support `differentiable`")
            self._step_supports_amp_scaling = True
            if foreach:
                raise RuntimeError("`fused` and `foreach` cannot be `True` together.")

    def __setstate__(self, state) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("amsgrad", False)
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("capturable", False)
            group.setdefault("differentiable", False)
            group.setdefault("decoupled_weight_decay", False)
            fused = group.setdefault("fused", None)
            for p in group["params"]:
                p_state = self.state.get(p, [])
                if len(p_state) != 0 and not isinstance(p_state["step"], Tensor):
                    scalar = _get_scalar_dtype(is_fused=fused or group["capturable"])
                    p_state["step"] = _scalar_tensor(float(p_state["step"]), scalar)

    def _init_group(self, group, params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs,
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
                if group["fused"]:
                    _check_fused([p])
                special = group["capturable"] or group["fused"]
                state["step"] = _scalar_tensor(0.0, _get_scalar_dtype(is_fused=group["fused"])
                                               if special else None)
                state["exp_avg"] = _ops.zeros_like(p)
                state["exp_avg_sq"] = _ops.zeros_like(p)
                if group["amsgrad"]:
                    state["max_exp_avg_sq"] = _ops.zeros_like(p)
            exp_avgs.append(state["exp_avg"])
            exp_avg_sqs.append(state["exp_avg_sq"])
            if group["amsgrad"]:
                max_exp_avg_sqs.append(state["max_exp_avg_sq"])
            if group["differentiable"] and state["step"].requires_grad:
                raise RuntimeError("`requires_grad` is not supported for `step` in "
                                   "differentiable mode")
            if group["foreach"] and isinstance(group["lr"], Tensor) and not group["capturable"]:
                raise RuntimeError("lr as a Tensor is not supported for capturable=False and "
                                   "foreach=True")
            state_steps.append(state["step"])
        return has_complex

    @_use_grad_for_differentiable
    def step(self, closure=None):
        """Perform one optimization step (``closure`` re-evaluates the loss and is returned)."""
        loss = self._run_closure(closure)
        for group in self.param_groups:
            params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps = \
                [], [], [], [], [], []
            beta1, beta2 = group["betas"]
            has_complex = self._init_group(group, params, grads, exp_avgs, exp_avg_sqs,
                                           max_exp_avg_sqs, state_steps)
            adam(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps,
                 amsgrad=group["amsgrad"], has_complex=has_complex, beta1=beta1, beta2=beta2,
                 lr=group["lr"], weight_decay=group["weight_decay"], eps=group["eps"],
                 maximize=group["maximize"], foreach=group["foreach"],
                 capturable=group["capturable"], differentiable=group["differentiable"],
                 fused=group["fused"], grad_scale=getattr(self, "grad_scale", None),
                 found_inf=getattr(self, "found_inf", None),
                 decoupled_weight_decay=group["decoupled_weight_decay"])
        return loss


def _check_adam_args(lr, betas, eps, weight_decay, foreach, capturable) -> None:
    """PyTorch's argument checks shared by Adam and AdamW."""
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
    if not ((isinstance(betas[0], float) and isinstance(betas[1], float))
            or (isinstance(betas[0], Tensor) and isinstance(betas[1], Tensor))):
        raise ValueError("betas must be either both floats or both Tensors")
    for index in (0, 1):
        if isinstance(betas[index], Tensor):
            if not capturable and foreach:
                raise ValueError(f"betas[{index}] as a Tensor is not supported for "
                                 "capturable=False and foreach=True")
            if betas[index].numel() != 1:
                raise ValueError(f"Tensor betas[{index}] must be 1-element")


def adam(params: list[Tensor], grads: list[Tensor], exp_avgs: list[Tensor],
         exp_avg_sqs: list[Tensor], max_exp_avg_sqs: list[Tensor], state_steps: list[Tensor],
         foreach: bool | None = None, capturable: bool = False, differentiable: bool = False,
         fused: bool | None = None, grad_scale: Tensor | None = None,
         found_inf: Tensor | None = None, has_complex: bool = False,
         decoupled_weight_decay: bool = False, *, amsgrad: bool, beta1, beta2, lr,
         weight_decay: float, eps: float, maximize: bool) -> None:
    """One Adam update of every tensor in ``params`` (the functional form of :class:`Adam`).

    For each parameter p with gradient g, first moment m, second moment v and step count t::

        t <- t + 1
        g <- -g                                  if maximize
        p <- p * (1 - lr * weight_decay)         if decoupled weight decay
        g <- g + weight_decay * p                otherwise (L2 penalty), when weight_decay != 0
        m <- lerp(m, g, 1 - beta1)               (moving average of gradients)
        v <- beta2 * v + (1 - beta2) * g * g     (moving average of squared gradients)
        v_max <- max(v_max, v); use v_max as v   if amsgrad
        denom <- sqrt(v) / sqrt(1 - beta2^t) + eps
        p <- p - (lr / (1 - beta1^t)) * m / denom
    """
    if not all(isinstance(t, Tensor) for t in state_steps):
        raise RuntimeError("API has changed, `state_steps` argument must contain a list of "
                           "singleton tensors")
    if grad_scale is not None or found_inf is not None:
        raise NotImplementedError("grad_scale / found_inf (AMP gradient scaling) are not "
                                  "supported by ember's fused Adam")
    if capturable:
        _check_capturable(params)
    if not params:
        return
    _check_foreach(foreach, differentiable)
    kwargs = dict(amsgrad=amsgrad, beta1=beta1, beta2=beta2, lr=lr, weight_decay=weight_decay,
                  eps=eps, maximize=maximize, decoupled_weight_decay=decoupled_weight_decay)
    if _use_numpy(params, differentiable):
        _numpy_adam(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps,
                    **kwargs)
    else:
        _tensor_adam(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps,
                     differentiable=differentiable, **kwargs)


def _numpy_adam(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps, *,
                amsgrad, beta1, beta2, lr, weight_decay, eps, maximize,
                decoupled_weight_decay) -> None:
    lr = _hyper(_to_scalar(lr))
    beta1 = _hyper(_to_scalar(beta1))
    beta2 = _hyper(_to_scalar(beta2))
    weight_decay = _hyper(weight_decay)
    decay = 1 - lr * weight_decay if decoupled_weight_decay and weight_decay != 0 else None
    l2 = 0 if decoupled_weight_decay else weight_decay
    needs_grad_buffer = maximize or l2 != 0
    one_minus_beta1 = 1 - beta1
    one_minus_beta2 = 1 - beta2

    def kernel(p, g, m, v, *rest):
        vmax, bias_correction2_sqrt, neg_step_size = rest if amsgrad else (None, *rest)
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
        if amsgrad:
            np.maximum(vmax, v, out=vmax)
            np.sqrt(vmax, out=tmp)
        else:
            np.sqrt(v, out=tmp)
        np.divide(tmp, _scalar_for(tmp, bias_correction2_sqrt), out=tmp)
        np.add(tmp, _scalar_for(tmp, eps), out=tmp)
        # p.addcdiv_(m, denom, value=-step_size) computes (value * m) / denom.
        update = np.multiply(m, _scalar_for(m, neg_step_size), out=np.empty_like(m))
        np.divide(update, tmp, out=update)
        np.add(p, update, out=p)

    jobs = []
    for i, p in enumerate(params):
        step_t = state_steps[i]
        step_t._data += 1
        step = float(step_t._data)
        bias_correction1 = 1 - beta1 ** step
        bias_correction2 = 1 - beta2 ** step
        step_size = lr / bias_correction1
        arrays = [_as_real(p._data), _as_real(grads[i]._data), _as_real(exp_avgs[i]._data),
                  _as_real(exp_avg_sqs[i]._data)]
        if amsgrad:
            arrays.append(_as_real(max_exp_avg_sqs[i]._data))
        jobs.append((arrays, (bias_correction2 ** 0.5, -step_size)))
    foreach_apply(kernel, jobs)
    _bump(params, 2 if decay is not None else 1)
    _bump(state_steps)


def _tensor_adam(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps, *,
                 amsgrad, beta1, beta2, lr, weight_decay, eps, maximize, decoupled_weight_decay,
                 differentiable) -> None:
    # Written with tensor ops so autograd can record the step (differentiable=True).
    lr = _to_scalar(lr)
    beta1 = _to_scalar(beta1)
    beta2 = _to_scalar(beta2)
    for i, param in enumerate(params):
        grad = -grads[i] if maximize else grads[i]
        exp_avg = exp_avgs[i]
        exp_avg_sq = exp_avg_sqs[i]
        step_t = state_steps[i]
        step_t += 1
        if weight_decay != 0:
            if decoupled_weight_decay:
                param.mul_(1 - lr * weight_decay)
            elif isinstance(weight_decay, Tensor) and weight_decay.requires_grad:
                grad = grad.addcmul_(param.clone(), weight_decay)
            else:
                grad = grad.add(param, alpha=weight_decay)
        if param.is_complex():
            grad = _ops.view_as_real(grad)
            exp_avg = _ops.view_as_real(exp_avg)
            exp_avg_sq = _ops.view_as_real(exp_avg_sq)
            if amsgrad:
                max_exp_avg_sqs[i] = _ops.view_as_real(max_exp_avg_sqs[i])
            param = _ops.view_as_real(param)
        exp_avg.lerp_(grad, 1 - beta1)
        if isinstance(beta2, Tensor) and beta2.requires_grad:
            exp_avg_sq.lerp_(_ops.square(grad), 1 - beta2)
        else:
            exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=float(1 - beta2))
        step = step_t
        bias_correction1 = 1 - beta1 ** (step.clone() if isinstance(beta1, Tensor) else step)
        bias_correction2 = 1 - beta2 ** (step.clone() if isinstance(beta2, Tensor) else step)
        step_size = lr / bias_correction1
        step_size_neg = step_size.neg()
        bias_correction2_sqrt = bias_correction2.sqrt()
        if amsgrad:
            previous = max_exp_avg_sqs[i].clone() if differentiable else max_exp_avg_sqs[i]
            max_exp_avg_sqs[i].copy_(_ops.maximum(previous, exp_avg_sq))
            second = max_exp_avg_sqs[i]
        else:
            second = exp_avg_sq
        denom = (second.sqrt() / (bias_correction2_sqrt * step_size_neg)).add_(
            eps / step_size_neg)
        param.addcdiv_(exp_avg.clone() if differentiable else exp_avg, denom)
        if amsgrad and params[i].is_complex():
            max_exp_avg_sqs[i] = _ops.view_as_complex(max_exp_avg_sqs[i])
