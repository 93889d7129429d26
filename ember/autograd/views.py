"""Autograd for in-place writes through views (PyTorch's CopySlices) and for as_strided."""
from __future__ import annotations


def rebase_view(view, node) -> None:
    """After an in-place op recorded as ``node`` wrote through ``view``, make the view's base
    take a CopySlices node and the view a fresh view of the new base."""
    raise NotImplementedError("in-place operations on views of tensors that require grad are not "
                              "supported yet")


def as_strided_backward(grad, geometry, size, stride, storage_offset):
    raise NotImplementedError("as_strided backward is not supported yet")
