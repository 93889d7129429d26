"""``Variable``: the pre-0.4 wrapper, kept so old code runs.  It now simply returns a Tensor."""
from __future__ import annotations

from .._tensor import Tensor


class _VariableMeta(type):
    def __instancecheck__(cls, obj) -> bool:
        return isinstance(obj, Tensor)


class Variable(metaclass=_VariableMeta):
    """``Variable(tensor, requires_grad=False)`` gives a tensor sharing ``tensor``'s data."""

    def __new__(cls, data=None, requires_grad: bool = False, volatile: bool = False):
        if data is None:
            from ..ops.creation import empty
            return empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        if not requires_grad and not data._rg:
            return data.detach() if data.grad_fn is not None else data
        result = data.detach()
        result.requires_grad_(requires_grad)
        return result
