"""Adagrad: per-coordinate steps scaled by accumulated squared gradients
(``torch.optim.Adagrad``)."""
from __future__ import annotations

import numpy as np

from .. import ops as _ops
from .._tensor import Tensor
from .optimizer import (Optimizer, _as_real, _bump, _check_foreach, _check_fused, _check_lr_tensor,
                        foreach_apply, _get_scalar_dtype, _get_value, _grad_for_numpy, _hyper,
                        _scalar_for, _scalar_tensor, _to_scalar, _use_grad_for_differentiable,
                        _use_numpy)

__all__ = ["Adagrad", "adagrad"]


class Adagrad(Optimizer):
    """Divide each step by the root of the sum of all squared gradients seen so far."""

    def __init__(self, params, lr: float | Tensor = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0,
                 eps: float = 1e-10, foreach: bool | None = None, *, maximize: bool = False,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        _check_lr_tensor(lr)
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(f"Invalid initial_accumulator_value value: "
                             f"{initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable, "fused": fused}
        super().__init__(params, defaults)
        if fused:
            if differentiable:
                raise RuntimeError("`fused` does not support `differentiable`")
            if foreach:
                raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
            self._need_device_dtype_check_for_fused = True
            self._step_supports_amp_scaling = True
        # Unlike most optimizers, Adagrad creates its state for every parameter up front.
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p].update(self._fresh_state(p, group["fused"]))

    def _fresh_state(self, p: Tensor, fused) -> dict:
        initial = self.defaults["initial_accumulator_value"]
        fill = complex(initial, initial) if p.is_complex() else initial
        return {"step": _scalar_tensor(0.0, _get_scalar_dtype(is_fused=fused)),
                "sum": _ops.full_like(p, fill)}

    def __setstate__(self, state) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("foreach", None)
            group.setdefault("maximize", False)
            group.setdefault("differentiable", False)
            fused = group.setdefault("fused", None)
            for p in group["params"]:
                p_state = self.state.get(p, [])
                if len(p_state) != 0 and not isinstance(p_state["step"], Tensor):
                    p_state["step"] = _scalar_tensor(float(p_state["step"]),
                                                     _get_scalar_dtype(is_fused=fused))

    def share_memory(self) -> None:
        """Move the accumulators to shared memory (a no-op for in-process NumPy arrays)."""
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p]["sum"].share_memory_()

    def _init_group(self, group, params, grads, state_sums, state_steps):
        has_complex = False
        for p in group["params"]:
            grad = p._grad
            if grad is None:
                continue
            if group["fused"] and getattr(self, "_need_device_dtype_check_for_fused", True):
                _check_fused([p])
                self._need_device_dtype_check_for_fused = False
            has_complex |= p.is_complex()
            params.append(p)
            grads.append(grad)
            state = self.state[p]
            if len(state) == 0:
                if group["fused"]:
                    _check_fused([p])
                state.update(self._fresh_state(p, group["fused"]))
            state_sums.append(state["sum"])
            state_steps.append(state["step"])
        return False, has_complex

    @_use_grad_for_differentiable
    def step(self, closure=None):
        """Perform one optimization step (``closure`` re-evaluates the loss and is returned)."""
        loss = self._run_closure(closure)
        for group in self.param_groups:
            params, grads, state_sums, state_steps = [], [], [], []
            _, has_complex = self._init_group(group, params, grads, state_sums, state_steps)
            adagrad(params, grads, state_sums, state_steps, lr=group["lr"],
                    weight_decay=group["weight_decay"], lr_decay=group["lr_decay"],
                    eps=group["eps"], has_sparse_grad=False, foreach=group["foreach"],
                    maximize=group["maximize"], differentiable=group["differentiable"],
                    has_complex=has_complex, fused=group["fused"],
                    grad_scale=getattr(self, "grad_scale", None),
                    found_inf=getattr(self, "found_inf", None))
        return loss


def adagrad(params: list[Tensor], grads: list[Tensor], state_sums: list[Tensor],
            state_steps: list[Tensor], fused: bool | None = None,
            grad_scale: Tensor | None = None, found_inf: Tensor | None = None,
            has_sparse_grad: bool = False, foreach: bool | None = None,
            differentiable: bool = False, has_complex: bool = False, *, lr,
            weight_decay: float, lr_decay: float, eps: float, maximize: bool) -> None:
    """One Adagrad update of every tensor in ``params`` (functional form of :class:`Adagrad`).

    For each parameter p with gradient g, accumulator S and step count t::

        t <- t + 1
        g <- -g                                  if maximize
        g <- g + weight_decay * p                if weight_decay != 0
        lr_t <- lr / (1 + (t - 1) * lr_decay)
        S <- S + g * g
        p <- p - lr_t * g / (sqrt(S) + eps)
    """
    if not all(isinstance(t, Tensor) for t in state_steps):
        raise RuntimeError("API has changed, `state_steps` argument must contain a list of "
                           "singleton tensors")
    if grad_scale is not None or found_inf is not None:
        raise NotImplementedError("grad_scale / found_inf (AMP gradient scaling) are not "
                                  "supported by ember's fused Adagrad")
    if not params:
        return
    _check_foreach(foreach, differentiable)
    kwargs = dict(lr=lr, weight_decay=weight_decay, lr_decay=lr_decay, eps=eps,
                  maximize=maximize)
    if _use_numpy(params, differentiable):
        _numpy_adagrad(params, grads, state_sums, state_steps, **kwargs)
    else:
        _tensor_adagrad(params, grads, state_sums, state_steps, differentiable=differentiable,
                        **kwargs)


def _numpy_adagrad(params, grads, state_sums, state_steps, *, lr, weight_decay, lr_decay, eps,
                   maximize) -> None:
    lr = _hyper(_to_scalar(lr))
    weight_decay = _hyper(weight_decay)
    needs_grad_buffer = maximize or weight_decay != 0

    def kernel(p, g, total, neg_clr):
        tmp = np.empty_like(p)
        if needs_grad_buffer:
            g = _grad_for_numpy(g, p, weight_decay, maximize, np.empty_like(p))
        np.multiply(g, g, out=tmp)
        np.add(total, tmp, out=total)
        np.sqrt(total, out=tmp)
        np.add(tmp, _scalar_for(tmp, eps), out=tmp)
        scaled = np.multiply(g, _scalar_for(g, neg_clr), out=np.empty_like(tmp))
        np.divide(scaled, tmp, out=tmp)
        np.add(p, tmp, out=p)

    jobs = []
    for i, p in enumerate(params):
        step_t = state_steps[i]
        step_t._data += 1
        step = float(step_t._data)
        clr = lr / (1 + (step - 1) * lr_decay)
        jobs.append(((_as_real(p._data), _as_real(grads[i]._data),
                      _as_real(state_sums[i]._data)), (-clr,)))
    foreach_apply(kernel, jobs)
    _bump(params)
    _bump(state_steps)


def _tensor_adagrad(params, grads, state_sums, state_steps, *, lr, weight_decay, lr_decay, eps,
                    maximize, differentiable) -> None:
    # Written with tensor ops so autograd can record the step (differentiable=True).
    lr = _to_scalar(lr)
    for param, grad, state_sum, step_t in zip(params, grads, state_sums, state_steps):
        step_t += 1
        step = _get_value(step_t)
        grad = -grad if maximize else grad
        if weight_decay != 0:
            grad = grad.add(param, alpha=weight_decay)
        clr = lr / (1 + (step - 1) * lr_decay)
        if param.is_complex():
            grad = _ops.view_as_real(grad)
            state_sum = _ops.view_as_real(state_sum)
            param = _ops.view_as_real(param)
        state_sum.addcmul_(grad, grad, value=1)
        std = state_sum.sqrt() + eps if differentiable else state_sum.sqrt().add_(eps)
        param.addcdiv_(grad, std, value=-clr)
