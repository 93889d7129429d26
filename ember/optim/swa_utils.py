"""Weight averaging (``torch.optim.swa_utils``): stochastic weight averaging (SWA) and
exponential moving averages (EMA) of a model's parameters, the SWA learning-rate schedule and
the batch-norm statistics refresh.

``AveragedModel`` is an ``ember.nn.Module``; it is built the first time it is looked up, so this
module imports without ``ember.nn``.
"""
from __future__ import annotations

import itertools
import math
import warnings
from copy import deepcopy
from typing import Any

from .. import _dtype as D
from .. import ops as _ops
from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from .lr_scheduler import LRScheduler, _format_param
from .optimizer import Optimizer

__all__ = ["AveragedModel", "update_bn", "SWALR", "get_ema_multi_avg_fn",  # noqa: F822
           "get_swa_multi_avg_fn", "get_ema_avg_fn", "get_swa_avg_fn"]


def _check_decay(decay: float) -> None:
    if decay < 0.0 or decay > 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in "
                         "[0,1] range.")


def _number(x):
    return x.item() if isinstance(x, Tensor) else x


def get_ema_multi_avg_fn(decay: float = 0.999):
    """An in-place EMA update over lists of tensors: ``ema <- decay * ema + (1 - decay) * p``."""
    _check_decay(decay)

    @no_grad()
    def ema_update(ema_param_list: list[Tensor], current_param_list: list[Tensor], _) -> None:
        first = ema_param_list[0]
        if first.is_floating_point() or first.is_complex():
            for ema, current in zip(ema_param_list, current_param_list):
                ema.lerp_(current, 1 - decay)
        else:
            for ema, current in zip(ema_param_list, current_param_list):
                ema.copy_(ema * decay + current * (1 - decay))

    return ema_update


def get_swa_multi_avg_fn():
    """An in-place running-mean update over lists of tensors:
    ``avg <- avg + (p - avg) / (n + 1)``."""
    @no_grad()
    def swa_update(averaged_param_list: list[Tensor], current_param_list: list[Tensor],
                   num_averaged) -> None:
        first = averaged_param_list[0]
        if first.is_floating_point() or first.is_complex():
            # The weight is rounded as the 0-dim tensor 1 / (n + 1) is (float32 for a long n).
            weight = _number(1 / (num_averaged + 1))
            for averaged, current in zip(averaged_param_list, current_param_list):
                averaged.lerp_(current, weight)
            return
        for averaged, current in zip(averaged_param_list, current_param_list):
            difference = current - averaged
            if isinstance(num_averaged, Tensor):
                averaged.addcdiv_(difference, num_averaged + 1)
            else:
                averaged.add_(difference, alpha=1.0 / (num_averaged + 1))

    return swa_update


def get_ema_avg_fn(decay: float = 0.999):
    """A per-tensor EMA function returning ``decay * ema + (1 - decay) * p``."""
    _check_decay(decay)

    @no_grad()
    def ema_update(ema_param: Tensor, current_param: Tensor, num_averaged):
        return decay * ema_param + (1 - decay) * current_param

    return ema_update


def get_swa_avg_fn():
    """A per-tensor running-mean function returning ``avg + (p - avg) / (n + 1)``."""
    @no_grad()
    def swa_update(averaged_param: Tensor, current_param: Tensor, num_averaged):
        return averaged_param + (current_param - averaged_param) / (num_averaged + 1)

    return swa_update


def _build_averaged_model():
    from .. import nn

    class AveragedModel(nn.Module):
        """A copy of ``model`` whose parameters are an average (SWA by default, or EMA via
        ``multi_avg_fn=get_ema_multi_avg_fn(decay)``) of the model's parameters over the calls
        to :meth:`update_parameters`.  ``use_buffers=True`` averages the buffers too; otherwise
        buffers are copied from the model."""

        def __init__(self, model, device=None, avg_fn=None, multi_avg_fn=None,
                     use_buffers: bool = False) -> None:
            super().__init__()
            if avg_fn is not None and multi_avg_fn is not None:
                raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
            self.module = deepcopy(model)
            if device is not None:
                self.module = self.module.to(device)
            self.register_buffer("n_averaged", _ops.tensor(0, dtype=D.int64, device=device))
            self.avg_fn = avg_fn
            self.multi_avg_fn = multi_avg_fn
            self.use_buffers = use_buffers

        def forward(self, *args, **kwargs):
            """Run the averaged copy of the model."""
            return self.module(*args, **kwargs)

        def update_parameters(self, model) -> None:
            """Fold ``model``'s current parameters into the average (the first call copies)."""
            if self.use_buffers:
                own = itertools.chain(self.module.parameters(), self.module.buffers())
                theirs = itertools.chain(model.parameters(), model.buffers())
            else:
                own = self.parameters()
                theirs = model.parameters()
            own_detached, theirs_detached = [], []
            first_update = bool(self.n_averaged == 0)
            for averaged, current in zip(own, theirs):
                current = current.detach().to(averaged.device)
                own_detached.append(averaged.detach())
                theirs_detached.append(current)
                if first_update:
                    averaged.detach().copy_(current)
            if self.n_averaged > 0:
                self._average(own_detached, theirs_detached)
            if not self.use_buffers:
                # Buffers (e.g. batch-norm statistics) follow the model, unaveraged.
                for mine, source in zip(self.module.buffers(), model.buffers()):
                    mine.detach().copy_(source.detach().to(mine.device))
            self.n_averaged += 1

        def _average(self, own: list, theirs: list) -> None:
            if self.multi_avg_fn is None and self.avg_fn is not None:
                for averaged, current in zip(own, theirs):
                    averaged.detach().copy_(self.avg_fn(averaged.detach(), current,
                                                        self.n_averaged.to(averaged.device)))
                return
            # Tensors are averaged in groups of one device and dtype, as PyTorch's foreach is.
            groups: dict[Any, tuple[list, list]] = {}
            for averaged, current in zip(own, theirs):
                mine, other = groups.setdefault((averaged.device, averaged.dtype), ([], []))
                mine.append(averaged)
                other.append(current)
            update = self.multi_avg_fn or get_swa_multi_avg_fn()
            for (device, _), (mine, other) in groups.items():
                update(mine, other, self.n_averaged.to(device))

    # Importable by name (pickle looks the class up as ember.optim.swa_utils.AveragedModel).
    AveragedModel.__module__ = __name__
    AveragedModel.__qualname__ = "AveragedModel"
    return AveragedModel


_lazy: dict[str, Any] = {}


def __getattr__(name: str):
    if name == "AveragedModel":
        if name not in _lazy:
            _lazy[name] = _build_averaged_model()
        return _lazy[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@no_grad()
def update_bn(loader, model, device=None) -> None:
    """Recompute the running statistics of every batch-norm layer of ``model`` with one pass
    over ``loader`` (an equal-weight average over the batches)."""
    try:
        from ..nn.modules.batchnorm import _BatchNorm
    except ImportError:  # an ember.nn without batch-norm layers: no model can hold one
        return
    momenta = {}
    for module in model.modules():
        if isinstance(module, _BatchNorm):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None  # a cumulative average over the pass
    for batch in loader:
        if isinstance(batch, (list, tuple)):
            batch = batch[0]
        if device is not None:
            batch = batch.to(device)
        model(batch)
    for module, momentum in momenta.items():
        module.momentum = momentum
    model.train(was_training)


class SWALR(LRScheduler):
    """Anneal each group's rate to ``swa_lr`` over ``anneal_epochs`` epochs (cosine or linear),
    then hold it there."""

    def __init__(self, optimizer: Optimizer, swa_lr: float, anneal_epochs: int = 10,
                 anneal_strategy: str = "cos", last_epoch: int = -1) -> None:
        swa_lrs = _format_param("swa_lr", optimizer, swa_lr)
        for value, group in zip(swa_lrs, optimizer.param_groups):
            group["swa_lr"] = value
        if anneal_strategy not in ["cos", "linear"]:
            raise ValueError("anneal_strategy must be one of 'cos' or 'linear', instead got "
                             f"{anneal_strategy}")
        self._set_anneal_func(anneal_strategy)
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got "
                             f"{anneal_epochs}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _linear_anneal(t):
        return t

    @staticmethod
    def _cosine_anneal(t):
        return (1 - math.cos(math.pi * t)) / 2

    @staticmethod
    def _get_initial_lr(lr, swa_lr, alpha):
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1 - alpha)

    def get_lr(self) -> list:
        """The rates for the current epoch."""
        if not self._get_lr_called_within_step:
            warnings.warn("To get the last learning rate computed by the scheduler, please use "
                          "`get_last_lr()`.", UserWarning, stacklevel=2)
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        # Recover the rate the annealing started from, then move one step further.
        prev_t = max(0, min(1, (step - 1) / max(1, self.anneal_epochs)))
        prev_alpha = self.anneal_func(prev_t)
        prev_lrs = [self._get_initial_lr(group["lr"], group["swa_lr"], prev_alpha)
                    for group in self.optimizer.param_groups]
        t = max(0, min(1, step / max(1, self.anneal_epochs)))
        alpha = self.anneal_func(t)
        return [group["swa_lr"] * alpha + lr * (1 - alpha)
                for group, lr in zip(self.optimizer.param_groups, prev_lrs)]

    def _set_anneal_func(self, anneal_strategy: str) -> None:
        self._anneal_strategy = anneal_strategy
        self.anneal_func = self._cosine_anneal if anneal_strategy == "cos" else \
            self._linear_anneal

    def state_dict(self) -> dict[str, Any]:
        """Every attribute except the optimizer and the annealing function."""
        return {key: value for key, value in self.__dict__.items()
                if key not in ("optimizer", "anneal_func")}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a :meth:`state_dict` result."""
        self.__dict__.update(state_dict)
        self._set_anneal_func(self._anneal_strategy)
