"""Matrix products: mm, bmm, mv, dot and matmul (composed from them as PyTorch composes it)."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import state as grad_state
from ..autograd.node import Node
from ._dispatch import bind_methods, write_out

wrap = Tensor._make


def _type_name(arr) -> str:
    from ._dispatch import _type_word
    from .. import _dtype as D
    return _type_word(D._BY_NP[arr.dtype])


def _check_same_dtype(a, b, op: str) -> None:
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{_long_name(a)} != {_long_name(b)}")


def _long_name(arr) -> str:
    from .. import _dtype as D
    return {"float32": "float", "float64": "double", "float16": "c10::Half",
            "bfloat16": "c10::BFloat16", "int64": "long int", "int32": "int",
            "int16": "short int", "int8": "signed char", "uint8": "unsigned char", "bool": "bool",
            "complex64": "c10::complex<float>",
            "complex128": "c10::complex<double>"}[D._BY_NP[arr.dtype].name]


def _matmul_arrays(a, b):
    if a.dtype == np.float16 or a.dtype.name == "bfloat16":
        return np.matmul(a.astype(np.float32), b.astype(np.float32)).astype(a.dtype)
    if a.dtype == np.bool_:
        return np.matmul(a, b)
    return np.matmul(a, b)


# -- mm ------------------------------------------------------------------------------------------

class MmBackward0(Node):
    def backward(self, grad):
        a, b = self.saved_tensors
        ga = grad.mm(b.mH if b.is_complex() else b.t()) if self._next[0] is not None else None
        gb = (a.mH if a.is_complex() else a.t()).mm(grad) if self._next[1] is not None else None
        return ga, gb


def mm(input: Tensor, mat2: Tensor, *, out=None) -> Tensor:
    """Matrix product of two 2-D tensors."""
    a, b = input._data, mat2._data
    if a.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if b.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x{a.shape[1]} "
                           f"and {b.shape[0]}x{b.shape[1]})")
    _check_same_dtype(a, b, "mm")
    result = wrap(_matmul_arrays(a, b))
    if grad_state.enabled and (input._rg or mat2._rg):
        node = MmBackward0((input, mat2), result)
        node.save(input if mat2._rg else None, mat2 if input._rg else None)
    return result if out is None else write_out(out, result, "mm")


# -- bmm -----------------------------------------------------------------------------------------

class BmmBackward0(Node):
    def backward(self, grad):
        a, b = self.saved_tensors
        ga = grad.bmm(b.mH if b.is_complex() else b.transpose(1, 2)) \
            if self._next[0] is not None else None
        gb = (a.mH if a.is_complex() else a.transpose(1, 2)).bmm(grad) \
            if self._next[1] is not None else None
        return ga, gb


def bmm(input: Tensor, mat2: Tensor, *, out=None) -> Tensor:
    """Batched matrix product of two 3-D tensors with equal batch sizes."""
    a, b = input._data, mat2._data
    if a.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if b.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if a.shape[0] != b.shape[0] or a.shape[2] != b.shape[1]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{a.shape[0]}, {a.shape[2]}] but got: [{b.shape[0]}, {b.shape[1]}].")
    _check_same_dtype(a, b, "bmm")
    result = wrap(_matmul_arrays(a, b))
    if grad_state.enabled and (input._rg or mat2._rg):
        node = BmmBackward0((input, mat2), result)
        node.save(input if mat2._rg else None, mat2 if input._rg else None)
    return result if out is None else write_out(out, result, "bmm")


# -- dot / mv ------------------------------------------------------------------------------------

class DotBackward0(Node):
    def backward(self, grad):
        a, b = self.saved_tensors
        ga = grad * (b.conj() if b.is_complex() else b) if self._next[0] is not None else None
        gb = grad * (a.conj() if a.is_complex() else a) if self._next[1] is not None else None
        return ga, gb


def dot(input: Tensor, tensor: Tensor, *, out=None) -> Tensor:
    """Inner product of two 1-D tensors (no conjugation)."""
    a, b = input._data, tensor._data
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if a.shape[0] != b.shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src "
                           f"[{b.shape[0]}] to have the same number of elements, but got "
                           f"{a.shape[0]} and {b.shape[0]} elements respectively")
    if a.dtype != b.dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                           f"{_type_name(a)} and {_type_name(b)}")
    result = wrap(np.asarray(_matmul_arrays(a, b)))
    if grad_state.enabled and (input._rg or tensor._rg):
        node = DotBackward0((input, tensor), result)
        node.save(input if tensor._rg else None, tensor if input._rg else None)
    return result if out is None else write_out(out, result, "dot")


class MvBackward0(Node):
    def backward(self, grad):
        a, v = self.saved_tensors
        ga = grad.unsqueeze(1) * (v.conj() if v.is_complex() else v) \
            if self._next[0] is not None else None
        gv = (a.mH if a.is_complex() else a.t()).mv(grad) if self._next[1] is not None else None
        return ga, gv


def mv(input: Tensor, vec: Tensor, *, out=None) -> Tensor:
    """Matrix-vector product."""
    a, v = input._data, vec._data
    if a.ndim != 2 or v.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {a.ndim}, {v.ndim}")
    if a.shape[1] != v.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({a.shape[0]}), mat ({a.shape[0]}x"
                           f"{a.shape[1]}), vec ({v.shape[0]})")
    _check_same_dtype(a, v, "mv")
    result = wrap(_matmul_arrays(a, v))
    if grad_state.enabled and (input._rg or vec._rg):
        node = MvBackward0((input, vec), result)
        node.save(input if vec._rg else None, vec if input._rg else None)
    return result if out is None else write_out(out, result, "mv")


# -- matmul ----------------------------------------------------------------------------------------

def matmul(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """Matrix product with NumPy-style broadcasting of batch dims, 1-D operands promoted."""
    a, b = input._data, other._data
    da, db = a.ndim, b.ndim
    if da == 0 or db == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {da}D "
                           f"and {db}D")
    if da == 1 and db == 1:
        result = dot(input, other)
    elif da == 2 and db == 1:
        result = mv(input, other)
    elif da == 1 and db == 2:
        if a.shape[0] != b.shape[0]:
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied (1x{a.shape[0]} and "
                               f"{b.shape[0]}x{b.shape[1]})")
        result = mm(input.unsqueeze(0), other).squeeze(0)
    elif da == 2 and db == 2:
        result = mm(input, other)
    elif da >= 3 and db <= 2:
        # Fold the batch into rows: one BLAS call instead of a batched one.
        if a.shape[-1] != b.shape[0]:
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied "
                               f"({int(np.prod(a.shape[:-1]))}x{a.shape[-1]} and "
                               f"{b.shape[0]}x{b.shape[1] if db == 2 else 1})")
        rows = input.reshape(-1, a.shape[-1])
        if db == 1:
            result = mv(rows, other).view(a.shape[:-1])
        else:
            result = _unsafe_view(mm(rows, other), a.shape[:-1] + (b.shape[-1],))
    else:
        result = _batched_matmul(input, other)
    return result if out is None else write_out(out, result, "matmul")


def _unsafe_view(t: Tensor, shape) -> Tensor:
    from .shape import UnsafeViewBackward0
    result = wrap(t._data.reshape(shape))
    if grad_state.enabled and t._rg:
        UnsafeViewBackward0((t,), result).shape = t._data.shape
    return result


def _batched_matmul(input: Tensor, other: Tensor) -> Tensor:
    a, b = input._data, other._data
    a_vec = a.ndim == 1
    b_vec = b.ndim == 1
    x = input.unsqueeze(0) if a_vec else input
    y = other.unsqueeze(-1) if b_vec else other
    n, k = x.shape[-2], x.shape[-1]
    k2, m = y.shape[-2], y.shape[-1]
    if k != k2:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{int(np.prod(y.shape[:-2]))}, {k}] but got: "
                           f"[{int(np.prod(y.shape[:-2]))}, {k2}].")
    try:
        batch = np.broadcast_shapes(tuple(x.shape[:-2]), tuple(y.shape[:-2]))
    except ValueError:
        raise RuntimeError(f"The size of tensor a ({x.shape[-3]}) must match the size of tensor b "
                           f"({y.shape[-3]}) at non-singleton dimension 1") from None
    count = int(np.prod(batch)) if batch else 1
    xb = x.expand(batch + (n, k)).reshape(count, n, k)
    yb = y.expand(batch + (k, m)).reshape(count, k, m)
    result = _unsafe_view(bmm(xb, yb), batch + (n, m))
    if a_vec:
        result = result.squeeze(-2)
    if b_vec:
        result = result.squeeze(-1)
    return result


bind_methods(["mm", "bmm", "dot", "mv", "matmul"], globals())

__all__ = ["mm", "bmm", "dot", "mv", "matmul"]
