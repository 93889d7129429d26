"""ember.autograd: reverse-mode automatic differentiation (``torch.autograd``)."""
from __future__ import annotations


import numpy as np

from .._tensor import Tensor
from .engine import run_backward
from .grad_mode import (enable_grad, inference_mode, is_grad_enabled,  # noqa: F401
                        is_inference_mode_enabled, no_grad, set_grad_enabled)
from . import anomaly_mode, functional, gradcheck as _gradcheck_module  # noqa: F401
from .anomaly_mode import detect_anomaly, set_detect_anomaly  # noqa: F401
from .function import Function, FunctionCtx, once_differentiable  # noqa: F401
from .gradcheck import gradcheck, gradgradcheck  # noqa: F401
from .node import Node  # noqa: F401
from .variable import Variable  # noqa: F401


def _as_tuple(x) -> tuple:
    if x is None:
        return ()
    if isinstance(x, Tensor):
        return (x,)
    return tuple(x)


def _make_grads(outputs, grads, is_grads_batched: bool = False) -> tuple:
    result = []
    grads = list(grads) if grads else [None] * len(outputs)
    if len(grads) != len(outputs):
        raise RuntimeError("grad can be implicitly created only for scalar outputs"
                           if not grads else
                           f"Mismatch in number of gradients: got {len(grads)} gradients for "
                           f"{len(outputs)} outputs")
    for i, (out, grad) in enumerate(zip(outputs, grads)):
        if grad is None:
            if out._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if not out.dtype.is_floating_point:
                raise RuntimeError(f"grad can be implicitly created only for real scalar outputs "
                                   f"but got {out.dtype}")
            if type(out._data) is np.ndarray:
                result.append(Tensor._make(np.ones(out._data.shape, out._data.dtype)))
            else:
                from ..ops.creation import ones_like
                result.append(ones_like(out))
            continue
        if not isinstance(grad, Tensor):
            from ..ops.creation import tensor
            grad = tensor(grad, dtype=out.dtype)
        if grad._data.shape != out._data.shape and not is_grads_batched:
            raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {grad.shape} "
                               f"and output[{i}] has a shape of {out.shape}.")
        if grad.dtype.is_complex != out.dtype.is_complex:
            raise RuntimeError(f"For complex Tensors, both grad_output and output are required to "
                               f"have the same dtype. Mismatch in dtype: grad_output[{i}] has a "
                               f"dtype of {grad.dtype} and output[{i}] has a dtype of {out.dtype}.")
        result.append(grad)
    return tuple(result)


def _check_requires_grad(outputs) -> None:
    for i, out in enumerate(outputs):
        if not out._rg:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a "
                               "grad_fn")


def backward(tensors, grad_tensors=None, retain_graph: bool | None = None,
             create_graph: bool = False, grad_variables=None, inputs=None) -> None:
    """Accumulate into ``.grad`` of the graph's leaves the gradient of ``tensors``."""
    outputs = _as_tuple(tensors)
    if grad_variables is not None:
        grad_tensors = grad_variables
    grads = _make_grads(outputs, _as_tuple(grad_tensors) if grad_tensors is not None else None)
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is not None:
        inputs = _as_tuple(inputs)
        if len(inputs) == 0:
            raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    _check_requires_grad(outputs)
    run_backward(outputs, grads, retain_graph, create_graph, inputs=inputs, accumulate=True,
                 allow_unused=True)


def grad(outputs, inputs, grad_outputs=None, retain_graph: bool | None = None,
         create_graph: bool = False, only_inputs: bool = True, allow_unused: bool | None = None,
         is_grads_batched: bool = False, materialize_grads: bool = False) -> tuple:
    """The gradients of ``outputs`` with respect to ``inputs``, returned (not accumulated)."""
    single_input = isinstance(inputs, Tensor)
    outputs = _as_tuple(outputs)
    inputs_t = _as_tuple(inputs)
    if allow_unused is None:
        allow_unused = materialize_grads
    if materialize_grads and allow_unused is False:
        raise ValueError("Expected allow_unused to be True or not passed when materialize_grads=True, "
                         "but got: allow_unused=False.")
    for t in inputs_t:
        if not t._rg:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    grads = _make_grads(outputs, _as_tuple(grad_outputs) if grad_outputs is not None else None,
                        is_grads_batched)
    if retain_graph is None:
        retain_graph = create_graph
    _check_requires_grad(outputs)
    result = run_backward(outputs, grads, retain_graph, create_graph, inputs=inputs_t,
                          accumulate=False, allow_unused=allow_unused)
    if materialize_grads:
        from ..ops.creation import zeros_like
        result = tuple(zeros_like(t) if g is None else g for t, g in zip(inputs_t, result))
    return result if not single_input else result


__all__ = ["backward", "grad", "Variable", "Function", "no_grad", "enable_grad",
           "set_grad_enabled", "inference_mode", "is_grad_enabled", "detect_anomaly",
           "set_detect_anomaly", "gradcheck", "gradgradcheck", "functional"]
