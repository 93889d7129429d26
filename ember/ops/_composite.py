"""Helpers for ops that PyTorch composes from other ops in C++.

An op composed in C++ records the ``Scalar`` overloads' nodes (``MulBackward1`` for
``tensor * 2.0``), while the same composition written in Python records the tensor overloads'
(``MulBackward0``), because Python numbers are wrapped into tensors.  The math of the two is the
same; :func:`renamed` gives the node of a composed result PyTorch's name so ``grad_fn`` prints the
same.
"""
from __future__ import annotations

from .._tensor import Tensor

_RENAMED: dict = {}


def renamed(result: Tensor, name: str) -> Tensor:
    """``result`` with its grad_fn's class swapped for a same-behaving subclass called ``name``."""
    node = result.grad_fn
    if node is None:
        return result
    base = type(node)
    if base.__name__ == name:
        return result
    cls = _RENAMED.get((base, name))
    if cls is None:
        cls = type(name, (base,), {"__slots__": (), "__module__": base.__module__})
        _RENAMED[(base, name)] = cls
    node.__class__ = cls
    return result
