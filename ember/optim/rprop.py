"""Rprop: resilient backpropagation, sign-based steps with adaptive sizes
(``torch.optim.Rprop``)."""
from __future__ import annotations

import numpy as np

from .. import ops as _ops
from .._tensor import Tensor
from .optimizer import (Optimizer, _as_real, _bump, _check_capturable, _check_foreach,
                        _check_lr_tensor, foreach_apply, _scalar_for, _scalar_tensor, _to_scalar,
                        _use_grad_for_differentiable, _use_numpy)

__all__ = ["Rprop", "rprop"]


class Rprop(Optimizer):
    """Each coordinate moves by its own step size, grown while the gradient keeps its sign and
    shrunk when it flips; gradient magnitudes are ignored."""

    def __init__(self, params, lr: float | Tensor = 1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50),
                 *, capturable: bool = False, foreach: bool | None = None,
                 maximize: bool = False, differentiable: bool = False) -> None:
        _check_lr_tensor(lr)
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = {"lr": lr, "etas": etas, "step_sizes": step_sizes, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable,
                    "capturable": capturable}
        super().__init__(params, defaults)

    def __setstate__(self, state) -> None:
        super().__setstate__(state)
        self._restore_group_options({"foreach": None, "maximize": False, "differentiable": False,
                                     "capturable": False})

    def _init_group(self, group, params, grads, prevs, step_sizes, state_steps) -> bool:
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
                state["prev"] = _ops.zeros_like(p)
                lr = _to_scalar(group["lr"])
                if p.is_complex():
                    state["step_size"] = _ops.full_like(grad, complex(lr, lr))
                else:
                    state["step_size"] = _ops.full_like(grad, lr)
            prevs.append(state["prev"])
            step_sizes.append(state["step_size"])
            state_steps.append(state["step"])
        return has_complex

    @_use_grad_for_differentiable
    def step(self, closure=None):
        """Perform one optimization step (``closure`` re-evaluates the loss and is returned)."""
        loss = self._run_closure(closure)
        for group in self.param_groups:
            params, grads, prevs, step_sizes, state_steps = [], [], [], [], []
            etaminus, etaplus = group["etas"]
            step_size_min, step_size_max = group["step_sizes"]
            has_complex = self._init_group(group, params, grads, prevs, step_sizes, state_steps)
            rprop(params, grads, prevs, step_sizes, state_steps, step_size_min=step_size_min,
                  step_size_max=step_size_max, etaminus=etaminus, etaplus=etaplus,
                  foreach=group["foreach"], maximize=group["maximize"],
                  differentiable=group["differentiable"], capturable=group["capturable"],
                  has_complex=has_complex)
        return loss


def rprop(params: list[Tensor], grads: list[Tensor], prevs: list[Tensor],
          step_sizes: list[Tensor], state_steps: list[Tensor], foreach: bool | None = None,
          capturable: bool = False, maximize: bool = False, differentiable: bool = False,
          has_complex: bool = False, *, step_size_min: float, step_size_max: float,
          etaminus: float, etaplus: float) -> None:
    """One Rprop update of every tensor in ``params`` (the functional form of :class:`Rprop`).

    For each parameter p with gradient g, previous (masked) gradient g_prev and per-coordinate
    step sizes s::

        g <- -g                                         if maximize
        f <- etaplus where g * g_prev > 0, etaminus where < 0, 1 where == 0
        s <- clamp(s * f, step_size_min, step_size_max)
        g <- 0 where the sign flipped (f == etaminus)   (skip this coordinate once)
        p <- p - sign(g) * s
        g_prev <- g
    """
    if not all(isinstance(t, Tensor) for t in state_steps):
        raise RuntimeError("API has changed, `state_steps` argument must contain a list of "
                           "singleton tensors")
    if capturable:
        _check_capturable(params)
    if not params:
        return
    _check_foreach(foreach, differentiable)
    kwargs = dict(step_size_min=step_size_min, step_size_max=step_size_max, etaminus=etaminus,
                  etaplus=etaplus, maximize=maximize)
    if _use_numpy(params, differentiable):
        _numpy_rprop(params, grads, prevs, step_sizes, state_steps, **kwargs)
    else:
        _tensor_rprop(params, grads, prevs, step_sizes, state_steps,
                      differentiable=differentiable, **kwargs)


def _numpy_rprop(params, grads, prevs, step_sizes, state_steps, *, step_size_min, step_size_max,
                 etaminus, etaplus, maximize) -> None:
    def kernel(p, g, prev, step_size):
        factor = np.multiply(g, prev, out=np.empty_like(prev))
        if maximize:
            np.negative(factor, out=factor)
        flipped = factor < 0
        grown = factor > 0
        still = factor == 0
        np.copyto(factor, _scalar_for(factor, etaplus), where=grown)
        np.copyto(factor, _scalar_for(factor, etaminus), where=flipped)
        np.copyto(factor, 1, where=still)
        np.multiply(step_size, factor, out=step_size)
        np.clip(step_size, _scalar_for(step_size, step_size_min),
                _scalar_for(step_size, step_size_max), out=step_size)
        # The new "previous gradient" is this gradient with flipped coordinates zeroed.
        if maximize:
            np.negative(g, out=prev)
        else:
            np.copyto(prev, g)
        np.copyto(prev, 0, where=flipped)
        np.sign(prev, out=factor)
        np.multiply(factor, step_size, out=factor)
        np.subtract(p, factor, out=p)

    jobs = []
    for i, p in enumerate(params):
        state_steps[i]._data += 1
        jobs.append(((_as_real(p._data), _as_real(grads[i]._data), _as_real(prevs[i]._data),
                      _as_real(step_sizes[i]._data)), ()))
    foreach_apply(kernel, jobs)
    _bump(params)
    _bump(state_steps)


def _tensor_rprop(params, grads, prevs, step_sizes, state_steps, *, step_size_min,
                  step_size_max, etaminus, etaplus, maximize, differentiable) -> None:
    # Written with tensor ops so autograd can record the step (differentiable=True).
    for i, param in enumerate(params):
        grad = -grads[i] if maximize else grads[i]
        prev = prevs[i]
        step_size = step_sizes[i]
        state_steps[i] += 1
        if param.is_complex():
            grad = _ops.view_as_real(grad)
            prev = _ops.view_as_real(prev)
            param = _ops.view_as_real(param)
            step_size = _ops.view_as_real(step_size)
        sign = grad.mul(prev.clone() if differentiable else prev).sign()
        sign[sign.gt(0)] = etaplus
        sign[sign.lt(0)] = etaminus
        sign[sign.eq(0)] = 1
        step_size.mul_(sign).clamp_(step_size_min, step_size_max)
        grad = grad.clone()
        grad[sign.eq(etaminus)] = 0
        param.addcmul_(grad.sign(), step_size, value=-1)
        prev.copy_(grad)
