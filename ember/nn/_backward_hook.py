"""Full backward hooks of a Module: gradients with respect to its inputs and outputs.

The module's tensor inputs and outputs are each passed through one identity Function.  When
backward reaches the identity on the outputs, the gradients of the outputs are known (and the
backward pre-hooks may replace them); when it reaches the identity on the inputs, the gradients
of the inputs are known and the backward hooks run, as in PyTorch.
"""
from __future__ import annotations

import itertools
import warnings

from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import state as grad_state


class BackwardHookFunction(Function):
    """Identity on any number of tensors; its node is where module backward hooks attach."""

    @staticmethod
    def forward(ctx, *args):
        ctx.mark_non_differentiable(*[a for a in args if isinstance(a, Tensor)
                                      and not a.requires_grad])
        return args

    @staticmethod
    def backward(ctx, *grads):
        return grads


def _pack(indices: list, values, size: int) -> tuple:
    """A tuple of ``size`` with ``values`` at ``indices`` and None elsewhere."""
    packed = [None] * size
    for i, value in zip(indices, values):
        packed[i] = value
    return tuple(packed)


class BackwardHook:
    """Runs one module's full backward hooks and pre-hooks for one call of the module."""

    def __init__(self, module) -> None:
        from .modules import module as module_file
        self.module = module
        self.backward_hooks = list(itertools.chain(module_file._global_backward_hooks.values(),
                                                   module._backward_hooks.values()))
        self.pre_hooks = list(itertools.chain(module_file._global_backward_pre_hooks.values(),
                                              module._backward_pre_hooks.values()))
        self.grad_outputs = None
        self.n_inputs = 0
        self.input_indices = None

    def _wrap(self, values: tuple, hook) -> tuple | None:
        indices = [i for i, v in enumerate(values) if isinstance(v, Tensor)]
        tensors = [values[i] for i in indices]
        if not (grad_state.enabled and any(t._rg for t in tensors)):
            return None, indices
        wrapped = BackwardHookFunction.apply(*tensors)
        node = next(t.grad_fn for t in wrapped if t.grad_fn is not None)
        node.register_hook(hook)
        result = list(values)
        for i, t in zip(indices, wrapped):
            result[i] = t
        return tuple(result), indices

    def setup_input_hook(self, args: tuple) -> tuple:
        self.n_inputs = len(args)
        wrapped, indices = self._wrap(args, self._input_hook)
        if wrapped is None:
            return args
        self.input_indices = indices
        return wrapped

    def setup_output_hook(self, output):
        single = isinstance(output, Tensor)
        values = (output,) if single else output
        if not isinstance(values, tuple):
            return output
        n_outputs = len(values)
        indices: list = []

        def output_hook(grads, _):
            grad_outputs = _pack(indices, grads, n_outputs)
            for hook in self.pre_hooks:
                result = hook(self.module, grad_outputs)
                if result is None:
                    continue
                if len(result) != n_outputs:
                    raise RuntimeError(f"Backward pre hook returned an invalid number of "
                                       f"grad_output, got {len(result)}, but expected "
                                       f"{n_outputs}")
                grad_outputs = tuple(result)
            self.grad_outputs = grad_outputs
            if self.input_indices is None and self.backward_hooks:
                warnings.warn("Full backward hook is firing when gradients are computed with "
                              "respect to module outputs since no inputs require gradients. See "
                              "https://docs.pytorch.org/docs/main/generated/torch.nn.Module.html"
                              "#torch.nn.Module.register_full_backward_hook for more details.",
                              stacklevel=2)
                grad_inputs = (None,) * self.n_inputs
                for hook in self.backward_hooks:
                    if hook(self.module, grad_inputs, grad_outputs) is not None:
                        raise RuntimeError("Backward hook for Modules where no input requires "
                                           "gradient should always return None or None for all "
                                           "gradients.")
            return tuple(grad_outputs[i] for i in indices)

        wrapped, indices[:] = self._wrap(values, output_hook)
        if wrapped is None:
            return output
        return wrapped[0] if single else wrapped

    def _input_hook(self, grads, _):
        grad_inputs = _pack(self.input_indices, grads, self.n_inputs)
        for hook in self.backward_hooks:
            result = hook(self.module, grad_inputs, self.grad_outputs)
            if result is None:
                continue
            if len(result) != len(grad_inputs):
                raise RuntimeError(f"Backward hook returned an invalid number of grad_input, "
                                   f"got {len(result)}, but expected {len(grad_inputs)}")
            grad_inputs = tuple(result)
        return tuple(grad_inputs[i] for i in self.input_indices)
