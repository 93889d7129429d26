"""torch.nn.functional.linear and bilinear."""
from __future__ import annotations

from ..._tensor import Tensor
from ...ops.blas import addmm, matmul
from ...ops.loss import bilinear as _bilinear

__all__ = ["linear", "bilinear"]


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias``.

    Composed as PyTorch composes it, so the graph (and grad_fn) match: 2-D input with a bias
    is one fused ``addmm``; other contiguous inputs with a 1-D bias are flattened to 2-D,
    go through ``addmm`` and are viewed back; everything else is ``matmul`` plus the bias.
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"linear(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    ndim = input._data.ndim
    if bias is not None:
        if ndim == 2:
            return addmm(bias, input, weight.t())
        if ndim != 0 and bias._data.ndim == 1 and input.is_contiguous():
            return _flattened_linear(input, weight, bias)
    output = matmul(input, weight.t())
    return output if bias is None else output.add_(bias)


def _flattened_linear(input: Tensor, weight: Tensor, bias: Tensor) -> Tensor:
    """Fold the leading dims into rows for one ``addmm`` (PyTorch's _flatten_nd_linear)."""
    shape = input._data.shape
    rows = 1
    for size in shape[:-1]:
        rows *= size
    folded = input.reshape(rows, shape[-1])
    result = addmm(bias, folded, weight.t())
    return result.view(shape[:-1] + (result._data.shape[1],))


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``x1^T A_o x2 + b_o`` for each output feature o."""
    return _bilinear(input1, input2, weight, bias)
