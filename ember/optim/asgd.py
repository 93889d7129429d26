"""ASGD: averaged stochastic gradient descent (``torch.optim.ASGD``)."""
from __future__ import annotations

import numpy as np

from .. import ops as _ops
from .._tensor import Tensor
from .optimizer import (Optimizer, _as_real, _bump, _check_capturable, _check_foreach,
                        _check_lr_tensor, foreach_apply, _get_value, _grad_for_numpy, _hyper,
                        _scalar_for, _scalar_tensor, _to_scalar, _use_grad_for_differentiable,
                        _use_numpy)

__all__ = ["ASGD", "asgd"]


class ASGD(Optimizer):
    """SGD with a decaying step size that also keeps a running average ``ax`` of the iterates
    (Polyak & Juditsky)."""

    def __init__(self, params, lr: float | Tensor = 1e-2, lambd: float = 1e-4,
                 alpha: float = 0.75, t0: float = 1e6, weight_decay: float = 0,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False) -> None:
        _check_lr_tensor(lr)
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "lambd": lambd, "alpha": alpha, "t0": t0,
                    "weight_decay": weight_decay, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "capturable": capturable}
        super().__init__(params, defaults)

    def __setstate__(self, state) -> None:
        super().__setstate__(state)
        self._restore_group_options({"foreach": None, "maximize": False, "differentiable": False,
                                     "capturable": False},
                                    scalar_keys=("step", "eta", "mu"))

    def _init_group(self, group, params, grads, mus, axs, etas, state_steps) -> bool:
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
                state["eta"] = _scalar_tensor(float(_to_scalar(group["lr"])))
                state["mu"] = _scalar_tensor(1.0)
                state["ax"] = _ops.zeros_like(p)
            mus.append(state["mu"])
            axs.append(state["ax"])
            etas.append(state["eta"])
            state_steps.append(state["step"])
        return has_complex

    @_use_grad_for_differentiable
    def step(self, closure=None):
        """Perform one optimization step (``closure`` re-evaluates the loss and is returned)."""
        loss = self._run_closure(closure)
        for group in self.param_groups:
            params, grads, mus, axs, etas, state_steps = [], [], [], [], [], []
            has_complex = self._init_group(group, params, grads, mus, axs, etas, state_steps)
            asgd(params, grads, axs, mus, etas, state_steps, lambd=group["lambd"],
                 lr=group["lr"], t0=group["t0"], alpha=group["alpha"],
                 weight_decay=group["weight_decay"], foreach=group["foreach"],
                 maximize=group["maximize"], differentiable=group["differentiable"],
                 capturable=group["capturable"], has_complex=has_complex)
        return loss


def asgd(params: list[Tensor], grads: list[Tensor], axs: list[Tensor], mus: list[Tensor],
         etas: list[Tensor], state_steps: list[Tensor], foreach: bool | None = None,
         maximize: bool = False, differentiable: bool = False, capturable: bool = False,
         has_complex: bool = False, *, lambd: float, lr, t0: float, alpha: float,
         weight_decay: float) -> None:
    """One ASGD update of every tensor in ``params`` (the functional form of :class:`ASGD`).

    For each parameter p with gradient g, average ax, step size eta, averaging rate mu and
    step count t (eta, mu, t are scalar tensors)::

        t <- t + 1
        g <- -g                                  if maximize
        g <- g + weight_decay * p                if weight_decay != 0
        p <- p * (1 - lambd * eta)
        p <- p - eta * g
        ax <- ax + mu * (p - ax)   if mu != 1,  else  ax <- p
        eta <- lr / (1 + lambd * lr * t)^alpha
        mu <- 1 / max(1, t - t0)
    """
    if capturable:
        _check_capturable(params, "params, mus, etas, and state_steps")
    if not params:
        return
    _check_foreach(foreach, differentiable)
    kwargs = dict(lambd=lambd, lr=lr, t0=t0, alpha=alpha, weight_decay=weight_decay,
                  maximize=maximize)
    if _use_numpy(params, differentiable):
        _numpy_asgd(params, grads, axs, mus, etas, state_steps, **kwargs)
    else:
        _tensor_asgd(params, grads, axs, mus, etas, state_steps, **kwargs)


def _numpy_asgd(params, grads, axs, mus, etas, state_steps, *, lambd, lr, t0, alpha,
                weight_decay, maximize) -> None:
    lr = _hyper(_to_scalar(lr))
    weight_decay = _hyper(weight_decay)
    needs_grad_buffer = maximize or weight_decay != 0

    def kernel(p, g, ax, decay, neg_eta, mu):
        tmp = np.empty_like(p)
        if needs_grad_buffer:
            g = _grad_for_numpy(g, p, weight_decay, maximize, np.empty_like(p))
        np.multiply(p, _scalar_for(p, decay), out=p)
        np.multiply(g, _scalar_for(g, neg_eta), out=tmp)
        np.add(p, tmp, out=p)
        if mu is None:
            np.copyto(ax, p)
        else:
            np.subtract(p, ax, out=tmp)
            np.multiply(tmp, _scalar_for(tmp, mu), out=tmp)
            np.add(ax, tmp, out=ax)

    jobs = []
    for i, p in enumerate(params):
        step_t = state_steps[i]
        step_t._data += 1
        eta_value = float(etas[i]._data)
        mu = mus[i]._data.reshape(())[()]
        jobs.append(((_as_real(p._data), _as_real(grads[i]._data), _as_real(axs[i]._data)),
                     (1 - lambd * eta_value, -eta_value, None if mu == 1 else mu)))
        step = float(step_t._data)
        etas[i]._data[...] = lr / ((1 + lambd * lr * step) ** alpha)
        mus[i]._data[...] = 1 / max(1, step - t0)
    foreach_apply(kernel, jobs)
    _bump(params, 2)
    _bump(axs)
    _bump(state_steps)
    _bump(etas)
    _bump(mus)


def _tensor_asgd(params, grads, axs, mus, etas, state_steps, *, lambd, lr, t0, alpha,
                 weight_decay, maximize) -> None:
    # Written with tensor ops so autograd can record the step (differentiable=True).
    lr = _to_scalar(lr)
    for i, param in enumerate(params):
        grad = -grads[i] if maximize else grads[i]
        mu = mus[i]
        ax = axs[i]
        eta = etas[i]
        step_t = state_steps[i]
        if param.is_complex():
            grad = _ops.view_as_real(grad)
            param = _ops.view_as_real(param)
            ax = _ops.view_as_real(ax)
        step_t += 1
        if weight_decay != 0:
            grad = grad.add(param, alpha=weight_decay)
        eta_value = _get_value(eta)
        param.mul_(1 - lambd * eta_value)
        param.add_(grad, alpha=-eta_value)
        if mu.item() != 1:
            ax.add_(param.sub(ax).mul_(mu))
        else:
            ax.copy_(param)
        step = _get_value(step_t)
        eta.copy_(_ops.as_tensor(lr / ((1 + lambd * lr * step) ** alpha)))
        mu.copy_(_ops.as_tensor(1 / max(1, step - t0)))
