"""The ``*_copy`` variants of the view ops (``view_copy``, ``permute_copy``, ...): the same
result as the view op, but in fresh contiguous memory instead of aliasing the input.

Each runs the view op (so shape checks and errors are the view op's), copies the result, and
hands the view op's backward node to the copy under PyTorch's name for it, the view node's name
with ``_copy`` appended (``ViewBackward0_copy``).
"""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from ..autograd.grad_mode import state as grad_state
from ..autograd.node import Node
from ._composite import renamed
from ._dispatch import write_out


def _copy_name(view: Tensor):
    node = view.grad_fn
    return None if node is None else type(node).__name__ + "_copy"


def _fresh(view: Tensor, node_name=None) -> Tensor:
    """A contiguous copy of ``view`` that takes over its backward node, renamed
    ``node_name`` (the view node's name plus ``_copy``)."""
    data = view._data
    if type(data) is np.ndarray:
        copy = Tensor._make(np.array(data, order="C", copy=True))
    else:
        from ..ops.cast import clone
        from .._layout import contiguous_format
        with no_grad():
            copy = Tensor._make(clone(view, memory_format=contiguous_format)._data)
    node = view.grad_fn
    if node is not None:
        copy.grad_fn = node
        copy._rg = True
        nr = view.__dict__.get("_output_nr")
        if nr is not None:
            copy._output_nr = nr
        renamed(copy, node_name)
    return copy


def _single(view: Tensor, out, name: str) -> Tensor:
    result = _fresh(view, _copy_name(view))
    return result if out is None else write_out(out, result, name)


def _several(views, out, name: str) -> tuple:
    # Pieces may share one node: name it before the first copy renames it.
    names = [_copy_name(v) for v in views]
    results = tuple(_fresh(v, n) for v, n in zip(views, names))
    if out is None:
        return results
    if len(out) != len(results):
        raise RuntimeError(f"{name}_out() expected an out= argument of size {len(results)}, got "
                           f"size {len(out)}")
    for target, value in zip(out, results):
        write_out(target, value, name)
    return None


def view_copy(input: Tensor, size, *, out=None) -> Tensor:
    """A copy of ``input.view(size)`` (``size`` may also be a dtype)."""
    return _single(input.view(size), out, "view_copy")


def permute_copy(input: Tensor, dims, *, out=None) -> Tensor:
    """A copy of ``input.permute(dims)``."""
    return _single(input.permute(dims), out, "permute_copy")


def transpose_copy(input: Tensor, dim0: int, dim1: int, *, out=None) -> Tensor:
    """A copy of ``input.transpose(dim0, dim1)``."""
    return _single(input.transpose(dim0, dim1), out, "transpose_copy")


def t_copy(input: Tensor, *, out=None) -> Tensor:
    """A copy of ``input.t()``."""
    return _single(input.t(), out, "t_copy")


def expand_copy(input: Tensor, size, *, implicit: bool = False, out=None) -> Tensor:
    """A copy of ``input.expand(size)``."""
    return _single(input.expand(size), out, "expand_copy")


def diagonal_copy(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1, *,
                  out=None) -> Tensor:
    """A copy of ``input.diagonal(offset, dim1, dim2)``."""
    return _single(input.diagonal(offset, dim1, dim2), out, "diagonal_copy")


def select_copy(input: Tensor, dim: int, index: int, *, out=None) -> Tensor:
    """A copy of ``input.select(dim, index)``."""
    return _single(input.select(dim, index), out, "select_copy")


def slice_copy(input: Tensor, dim: int = 0, start=None, end=None, step: int = 1, *,
               out=None) -> Tensor:
    """A copy of ``input`` sliced ``start:end:step`` along ``dim``."""
    if step <= 0:
        raise RuntimeError("slice step must be positive")
    dim = dim + input.ndim if dim < 0 else dim
    view = input[(slice(None),) * dim + (slice(start, end, step),)]
    return _single(view, out, "slice_copy")


def split_copy(input: Tensor, split_size, dim: int = 0, *, out=None):
    """Copies of the pieces of ``input.split(split_size, dim)``."""
    return _several(input.split(split_size, dim), out, "split_copy")


def split_with_sizes_copy(input: Tensor, split_sizes, dim: int = 0, *, out=None):
    """Copies of the pieces of ``input.split_with_sizes(split_sizes, dim)``."""
    from .shape import split_with_sizes
    return _several(split_with_sizes(input, split_sizes, dim), out, "split_with_sizes_copy")


def squeeze_copy(input: Tensor, dim=None, *, out=None) -> Tensor:
    """A copy of ``input.squeeze(dim)``."""
    view = input.squeeze() if dim is None else input.squeeze(dim)
    return _single(view, out, "squeeze_copy")


def unsqueeze_copy(input: Tensor, dim: int, *, out=None) -> Tensor:
    """A copy of ``input.unsqueeze(dim)``."""
    return _single(input.unsqueeze(dim), out, "unsqueeze_copy")


def unbind_copy(input: Tensor, dim: int = 0, *, out=None):
    """Copies of the slices of ``input.unbind(dim)``."""
    return _several(input.unbind(dim), out, "unbind_copy")


def unfold_copy(input: Tensor, dimension: int, size: int, step: int, *, out=None) -> Tensor:
    """A copy of ``input.unfold(dimension, size, step)``."""
    return _single(input.unfold(dimension, size, step), out, "unfold_copy")


class AliasBackward0(Node):
    def backward(self, grad):
        return (grad,)


def alias_copy(input: Tensor, *, out=None) -> Tensor:
    """A copy of ``input`` (the copy form of the identity view ``alias``)."""
    view = input._make_view(input._data[...])
    if grad_state.enabled and input._rg:
        AliasBackward0((input,), view)
    return _single(view, out, "alias_copy")


class _DetachCopyBackward(Node):
    """PyTorch leaves ``detach_copy`` results requiring grad with a node that cannot run."""

    def backward(self, grad):
        raise RuntimeError("derivative for aten::detach_copy is not implemented")

    def name(self) -> str:
        return "torch::autograd::NotImplemented"

    def __repr__(self) -> str:
        return f"<NotImplemented object at {hex(id(self))}>"


def detach_copy(input: Tensor, *, out=None) -> Tensor:
    """A copy of ``input.detach()``."""
    result = _fresh(input.detach())
    if grad_state.enabled and input._rg:
        _DetachCopyBackward((input,), result)
    return result if out is None else write_out(out, result, "detach_copy")


def as_strided_copy(input: Tensor, size, stride, storage_offset=None, *, out=None) -> Tensor:
    """A copy of ``input.as_strided(size, stride, storage_offset)``."""
    return _single(input.as_strided(size, stride, storage_offset), out, "as_strided_copy")


def view_as_real_copy(input: Tensor, *, out=None) -> Tensor:
    """A copy of ``view_as_real(input)``."""
    from .unary import view_as_real
    return _single(view_as_real(input), out, "view_as_real_copy")


def view_as_complex_copy(input: Tensor, *, out=None) -> Tensor:
    """A copy of ``view_as_complex(input)`` (not differentiable, as in PyTorch)."""
    from .unary import view_as_complex
    if grad_state.enabled and input._rg:
        raise RuntimeError("view_as_complex_copy does not support automatic differentiation for "
                           "outputs with complex dtype.")
    return _single(view_as_complex(input), out, "view_as_complex_copy")


def values_copy(input: Tensor, *, out=None) -> Tensor:
    """The values of a sparse tensor, copied; ember's tensors are all dense (strided)."""
    raise RuntimeError("values expected sparse tensor layout but got Strided")


__all__ = ["view_copy", "permute_copy", "transpose_copy", "t_copy", "expand_copy",
           "diagonal_copy", "select_copy", "slice_copy", "split_copy", "split_with_sizes_copy",
           "squeeze_copy", "unsqueeze_copy", "unbind_copy", "unfold_copy", "alias_copy",
           "detach_copy", "as_strided_copy", "view_as_real_copy", "view_as_complex_copy",
           "values_copy"]
