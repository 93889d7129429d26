"""Stochastic gradient descent with momentum (``torch.optim.SGD``)."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from .optimizer import (Optimizer, _bump, _check_fused, _check_lr_tensor, foreach_apply,
                        _grad_for_numpy, _hyper, _scalar_for, _to_scalar,
                        _use_grad_for_differentiable, _use_numpy)

__all__ = ["SGD", "sgd"]


class SGD(Optimizer):
    """Gradient descent with optional (Nesterov) momentum, dampening and weight decay."""

    def __init__(self, params, lr: float | Tensor = 1e-3, momentum: float = 0,
                 dampening: float = 0, weight_decay: float | Tensor = 0, nesterov: bool = False,
                 *, maximize: bool = False, foreach: bool | None = None,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        _check_lr_tensor(lr)
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening,
                    "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize,
                    "foreach": foreach, "differentiable": differentiable, "fused": fused}
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)
        if fused:
            self._step_supports_amp_scaling = True
            self._need_device_dtype_check_for_fused = True
            if differentiable:
                raise RuntimeError("`fused` does not support `differentiable`")
            if foreach:
                raise RuntimeError("`fused` and `foreach` cannot be `True` together.")

    def __setstate__(self, state) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("nesterov", False)
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("differentiable", False)
            group.setdefault("fused", False)

    def _init_group(self, group, params, grads, momentum_buffer_list) -> bool:
        for p in group["params"]:
            grad = p._grad
            if grad is None:
                continue
            if group["fused"] and getattr(self, "_need_device_dtype_check_for_fused", True):
                _check_fused([p])
                self._need_device_dtype_check_for_fused = False
            params.append(p)
            grads.append(grad)
            if group["momentum"] != 0:
                momentum_buffer_list.append(self.state[p].get("momentum_buffer"))
        return False

    @_use_grad_for_differentiable
    def step(self, closure=None):
        """Perform one optimization step (``closure`` re-evaluates the loss and is returned)."""
        loss = self._run_closure(closure)
        for group in self.param_groups:
            params, grads, momentum_buffer_list = [], [], []
            self._init_group(group, params, grads, momentum_buffer_list)
            sgd(params, grads, momentum_buffer_list, weight_decay=group["weight_decay"],
                momentum=group["momentum"], lr=group["lr"], dampening=group["dampening"],
                nesterov=group["nesterov"], maximize=group["maximize"], has_sparse_grad=False,
                foreach=group["foreach"], fused=group["fused"],
                grad_scale=getattr(self, "grad_scale", None),
                found_inf=getattr(self, "found_inf", None),
                differentiable=group["differentiable"])
            if group["momentum"] != 0:
                for p, buffer in zip(params, momentum_buffer_list):
                    self.state[p]["momentum_buffer"] = buffer
        return loss


def sgd(params: list[Tensor], d_p_list: list[Tensor], momentum_buffer_list: list,
        has_sparse_grad: bool = False, foreach: bool | None = None, fused: bool | None = None,
        grad_scale: Tensor | None = None, found_inf: Tensor | None = None, *,
        weight_decay: float, momentum: float, lr, dampening: float, nesterov: bool,
        maximize: bool, differentiable: bool = False) -> None:
    """One SGD update of every tensor in ``params`` (the functional form of :class:`SGD`).

    For each parameter p with gradient g and momentum buffer b (None before the first step)::

        g <- -g                                   if maximize
        g <- g + weight_decay * p                 if weight_decay != 0
        if momentum != 0:
            b <- copy of g                        on the first step
            b <- momentum * b + (1 - dampening) * g   afterwards
            g <- g + momentum * b  if nesterov, else  g <- b
        p <- p - lr * g

    New buffers are stored back into ``momentum_buffer_list``.
    """
    if grad_scale is not None or found_inf is not None:
        raise NotImplementedError("grad_scale / found_inf (AMP gradient scaling) are not "
                                  "supported by ember's fused SGD")
    if not params:
        return
    kwargs = dict(weight_decay=weight_decay, momentum=momentum, lr=lr, dampening=dampening,
                  nesterov=nesterov, maximize=maximize)
    if _use_numpy(params, differentiable):
        _numpy_sgd(params, d_p_list, momentum_buffer_list, **kwargs)
    else:
        _tensor_sgd(params, d_p_list, momentum_buffer_list, **kwargs)


def _numpy_sgd(params, grads, momentum_buffer_list, *, weight_decay, momentum, lr, dampening,
               nesterov, maximize) -> None:
    lr = _hyper(_to_scalar(lr))
    weight_decay = _hyper(weight_decay)
    neg_lr = -lr
    keep = 1 - dampening
    needs_grad_buffer = maximize or weight_decay != 0

    def kernel(p, g, *rest):
        buffer, first = rest if rest else (None, False)
        tmp = np.empty_like(p)
        if needs_grad_buffer:
            g = _grad_for_numpy(g, p, weight_decay, maximize, np.empty_like(p))
        if buffer is not None:
            if first:
                np.copyto(buffer, g)
            else:
                np.multiply(buffer, _scalar_for(buffer, momentum), out=buffer)
                if keep == 1:
                    np.add(buffer, g, out=buffer)
                else:
                    np.multiply(g, _scalar_for(g, keep), out=tmp)
                    np.add(buffer, tmp, out=buffer)
            if nesterov:
                np.multiply(buffer, _scalar_for(buffer, momentum), out=tmp)
                g = np.add(g, tmp, out=tmp)
            else:
                g = buffer
        np.multiply(g, _scalar_for(g, neg_lr), out=tmp)
        np.add(p, tmp, out=p)

    jobs = []
    updated_buffers = []
    for i, p in enumerate(params):
        g = grads[i]._data
        if momentum == 0:
            jobs.append(((p._data, g), ()))
            continue
        holder = momentum_buffer_list[i]
        first = holder is None
        if first:
            # Same layout as the gradient, as PyTorch's clone (preserve_format) gives.
            holder = Tensor._make(np.empty_like(g))
            momentum_buffer_list[i] = holder
        else:
            updated_buffers.append(holder)
        jobs.append(((p._data, g, holder._data), (first,)))
    foreach_apply(kernel, jobs)
    _bump(params)
    _bump(updated_buffers, 2)


def _tensor_sgd(params, grads, momentum_buffer_list, *, weight_decay, momentum, lr, dampening,
                nesterov, maximize) -> None:
    # Written with tensor ops so autograd can record the step (differentiable=True).
    lr = _to_scalar(lr)
    for i, param in enumerate(params):
        grad = -grads[i] if maximize else grads[i]
        if weight_decay != 0:
            if isinstance(weight_decay, Tensor) and weight_decay.requires_grad:
                grad = grad.addcmul_(param.clone(), weight_decay)
            else:
                grad = grad.add(param, alpha=weight_decay)
        if momentum != 0:
            buffer = momentum_buffer_list[i]
            if buffer is None:
                buffer = grad.detach().clone()
                momentum_buffer_list[i] = buffer
            else:
                buffer.mul_(momentum).add_(grad, alpha=1 - dampening)
            grad = grad.add(buffer, alpha=momentum) if nesterov else buffer
        if isinstance(lr, Tensor) and lr.requires_grad:
            param.addcmul_(grad, lr, value=-1)
        else:
            param.add_(grad, alpha=-lr)
