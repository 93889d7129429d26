"""Matrix products: mm, bmm, mv, dot and matmul (composed from them as PyTorch composes it),
the fused add-products (addmm, addmv, addbmm, baddbmm, addr), tensordot, einsum, kron, cdist,
multi_dot and cross.

Forward passes hand contiguous float32/float64 operands to BLAS through ``np.matmul``; batches
go to NumPy in one call.  Backward passes are written with ember ops so they can themselves be
differentiated.
"""
from __future__ import annotations

import itertools
import operator
import warnings

import numpy as np

from ..backends import check_same_device, contiguous_array, result_array
from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.grad_mode import state as grad_state
from ..autograd.node import Node
from ._dispatch import _type_word, bind_methods, inplace_variant, shape_str, write_out

wrap = Tensor._make
_HALF_TYPES = (np.dtype(np.float16), D.bfloat16.np)


# -- helpers shared with ember.ops.linalg ------------------------------------------------------

def type_word(arr) -> str:
    """PyTorch's short type name of a backend array's dtype (``Float``, ``Double``...)."""
    return _type_word(D._BY_NP[arr.dtype])


def c_type_name(arr) -> str:
    """The C++ scalar name PyTorch prints in some dtype-mismatch messages."""
    return {"float32": "float", "float64": "double", "float16": "c10::Half",
            "bfloat16": "c10::BFloat16", "int64": "long int", "int32": "int",
            "int16": "short int", "int8": "signed char", "uint8": "unsigned char", "bool": "bool",
            "complex64": "c10::complex<float>",
            "complex128": "c10::complex<double>"}[D._BY_NP[arr.dtype].name]


def conj(t: Tensor) -> Tensor:
    """Complex conjugate; real tensors come back unchanged (no node recorded)."""
    return t.conj() if t._data.dtype.kind == "c" else t


def mT(t: Tensor) -> Tensor:
    """Transpose of the last two dims (a view)."""
    return t.transpose(-2, -1)


def mH(t: Tensor) -> Tensor:
    """Conjugate transpose of the last two dims."""
    return conj(t.transpose(-2, -1))


def product_arrays(fn, a, b):
    """``fn`` (np.matmul or np.dot) on backend arrays; half types go through float32 as PyTorch's
    CPU kernels accumulate them."""
    if type(a) is not type(b):
        check_same_device(a, b)
    if a.dtype in _HALF_TYPES:
        return fn(a.astype(np.float32), b.astype(np.float32)).astype(a.dtype)
    return fn(a, b)


def _refuse_bool(arr, kernel: str) -> None:
    if arr.dtype == np.bool_:
        raise NotImplementedError(f'"{kernel}" not implemented for \'Bool\'')


def _scaled(arr, factor):
    # alpha / beta are applied in the result dtype; integer results truncate float factors.
    if factor == 1:
        return arr
    if arr.dtype.kind in "iu" and isinstance(factor, float):
        factor = int(factor)
    if arr.dtype in _HALF_TYPES:
        return (arr.astype(np.float32) * factor).astype(arr.dtype)
    return (arr * factor).astype(arr.dtype, copy=False)


def _scale_grad(grad: Tensor, factor) -> Tensor:
    if factor == 1:
        return grad
    if isinstance(factor, complex):
        factor = factor.conjugate()
    return grad * factor


def _recording(*tensors) -> bool:
    if not grad_state.enabled:
        return False
    for t in tensors:
        if t is not None and t._rg:
            return True
    return False


def _finish(result: Tensor, out, name: str) -> Tensor:
    return result if out is None else write_out(out, result, name)


# -- mm ------------------------------------------------------------------------------------------

def _column_major(arr) -> bool:
    """Whether a matrix is stored column by column (e.g. a transposed weight)."""
    strides = arr.strides
    return strides[0] == arr.itemsize and strides[1] == arr.itemsize * arr.shape[0]


def _mat1_grad(grad: Tensor, mat2: Tensor, column_major: bool) -> Tensor:
    # A column-major operand gets its gradient in column-major order too (as PyTorch's
    # mm_mat1_backward does), computed as the transpose of a row-major product.
    if column_major:
        return conj(mat2).mm(grad.t()).t()
    return grad.mm(mH(mat2))


def _mat2_grad(grad: Tensor, mat1: Tensor, column_major: bool) -> Tensor:
    # E.g. the weight.t() of F.linear: its gradient comes out row-major for the weight itself.
    if column_major:
        return grad.t().mm(conj(mat1)).t()
    return mH(mat1).mm(grad)


class MmBackward0(Node):
    layouts = (False, False)  # whether each operand was column-major

    def backward(self, grad):
        a, b = self.saved_tensors
        ga = _mat1_grad(grad, b, self.layouts[0]) if self._next[0] is not None else None
        gb = _mat2_grad(grad, a, self.layouts[1]) if self._next[1] is not None else None
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
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{c_type_name(a)} != {c_type_name(b)}")
    _refuse_bool(a, "addmm_impl_cpu_")
    result = wrap(product_arrays(np.matmul, a, b))
    if _recording(input, mat2):
        node = MmBackward0((input, mat2), result)
        node.save(input if mat2._rg else None, mat2 if input._rg else None)
        node.layouts = (_column_major(a), _column_major(b))
    return _finish(result, out, "mm")


# -- bmm -----------------------------------------------------------------------------------------

class BmmBackward0(Node):
    def backward(self, grad):
        a, b = self.saved_tensors
        ga = grad.bmm(mH(b)) if self._next[0] is not None else None
        gb = mH(a).bmm(grad) if self._next[1] is not None else None
        return ga, gb


def _check_bmm(a, b, first: str = "batch1", second: str = "batch2") -> None:
    if a.ndim != 3:
        raise RuntimeError(f"{first} must be a 3D tensor")
    if b.ndim != 3:
        raise RuntimeError(f"{second} must be a 3D tensor")
    if a.shape[0] != b.shape[0] or a.shape[2] != b.shape[1]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{a.shape[0]}, {a.shape[2]}] but got: [{b.shape[0]}, {b.shape[1]}].")


def bmm(input: Tensor, mat2: Tensor, *, out=None) -> Tensor:
    """Batched matrix product of two 3-D tensors with equal batch sizes."""
    a, b = input._data, mat2._data
    _check_bmm(a, b)
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected scalar type {type_word(a)} but found {type_word(b)}")
    _refuse_bool(a, "bmm")
    result = wrap(product_arrays(np.matmul, a, b))
    if _recording(input, mat2):
        node = BmmBackward0((input, mat2), result)
        node.save(input if mat2._rg else None, mat2 if input._rg else None)
    return _finish(result, out, "bmm")


# -- dot / vdot / mv -------------------------------------------------------------------------------

class DotBackward0(Node):
    def backward(self, grad):
        a, b = self.saved_tensors
        ga = grad * conj(b) if self._next[0] is not None else None
        gb = grad * conj(a) if self._next[1] is not None else None
        return ga, gb


class VdotBackward0(Node):
    def backward(self, grad):
        a, b = self.saved_tensors
        ga = conj(grad) * b if self._next[0] is not None else None
        gb = grad * a if self._next[1] is not None else None
        return ga, gb


def _check_vectors(a, b) -> None:
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if a.shape[0] != b.shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src "
                           f"[{b.shape[0]}] to have the same number of elements, but got "
                           f"{a.shape[0]} and {b.shape[0]} elements respectively")
    if a.dtype != b.dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                           f"{type_word(a)} and {type_word(b)}")
    _refuse_bool(a, "dot")


def dot(input: Tensor, tensor: Tensor, *, out=None) -> Tensor:
    """Inner product of two 1-D tensors (no conjugation)."""
    a, b = input._data, tensor._data
    _check_vectors(a, b)
    result = wrap(result_array(product_arrays(np.dot, a, b)))
    if _recording(input, tensor):
        node = DotBackward0((input, tensor), result)
        node.save(input if tensor._rg else None, tensor if input._rg else None)
    return _finish(result, out, "dot")


def vdot(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """Inner product of two 1-D tensors, conjugating the first."""
    a, b = input._data, other._data
    _check_vectors(a, b)
    result = wrap(result_array(product_arrays(np.vdot, a, b)))
    if _recording(input, other):
        node = VdotBackward0((input, other), result)
        node.save(input if other._rg else None, other if input._rg else None)
    return _finish(result, out, "vdot")


class MvBackward0(Node):
    def backward(self, grad):
        a, v = self.saved_tensors
        ga = grad.unsqueeze(1) * conj(v) if self._next[0] is not None else None
        gv = mH(a).mv(grad) if self._next[1] is not None else None
        return ga, gv


def _check_mv(a, v, result_shape) -> None:
    if a.ndim != 2 or v.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {a.ndim}, {v.ndim}")
    if a.shape[1] != v.shape[0] or result_shape != a.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({result_shape}), mat ({a.shape[0]}x"
                           f"{a.shape[1]}), vec ({v.shape[0]})")


def _check_addmv_dtypes(self_arr, a, v) -> None:
    if not (self_arr.dtype == a.dtype == v.dtype):
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got "
                           f"{type_word(self_arr)}, {type_word(a)}, and {type_word(v)}")


def mv(input: Tensor, vec: Tensor, *, out=None) -> Tensor:
    """Matrix-vector product."""
    a, v = input._data, vec._data
    _check_mv(a, v, a.shape[0] if a.ndim == 2 else 0)
    _check_addmv_dtypes(v, a, v)
    _refuse_bool(a, "addmv_impl_cpu")
    result = wrap(product_arrays(np.matmul, a, v))
    if _recording(input, vec):
        node = MvBackward0((input, vec), result)
        node.save(input if vec._rg else None, vec if input._rg else None)
    return _finish(result, out, "mv")


# -- matmul ----------------------------------------------------------------------------------------

class SqueezeBackward4(Node):
    # The in-place squeeze_(0) PyTorch applies to the 1-D @ 2-D product.
    def backward(self, grad):
        return (grad.unsqueeze(0),)


def _should_fold(a: Tensor, b: Tensor) -> bool:
    """PyTorch's rule for computing a batched @ matrix product as one mm on folded rows."""
    a_larger = a.ndim >= b.ndim
    big = a if a_larger else b
    small_ndim = b.ndim if a_larger else a.ndim
    if not (big.ndim >= 3 and small_ndim <= 2):
        return False
    small_requires_grad = (b if a_larger else a)._rg
    if small_requires_grad:
        # Folding keeps the small operand's gradient a single mm instead of a batched sum.
        return True
    if a.ndim == 2:
        return False
    big_data = big._data if a_larger else np.swapaxes(big._data, -1, -2)
    if big_data.size == 0:
        return True
    from .._storage import element_strides
    strides = element_strides(big_data)
    shape = big_data.shape
    return all(strides[i] == strides[i + 1] * shape[i + 1] for i in range(big_data.ndim - 2))


def matmul(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """Matrix product with NumPy-style broadcasting of batch dims; 1-D operands are treated as
    vectors (prepended or appended dim removed afterwards)."""
    da, db = input._data.ndim, other._data.ndim
    if da == 0 or db == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {da}D "
                           f"and {db}D")
    if da == 1 and db == 1:
        result = dot(input, other)
    elif da == 2 and db == 1:
        result = mv(input, other)
    elif da == 1 and db == 2:
        product = mm(input.unsqueeze(0), other)
        result = wrap(product._data.reshape(product._data.shape[1:]))
        if _recording(product):
            SqueezeBackward4((product,), result)
    elif da == 2 and db == 2:
        result = mm(input, other)
    elif _should_fold(input, other):
        result = _folded_matmul(input, other)
    elif da == 3 and db == 3 and input._data.shape[0] != other._data.shape[0] and (
            (input._data.shape[0] == 1 and input._rg) or (other._data.shape[0] == 1 and other._rg)):
        # A broadcast batch of one on the side that needs a gradient is dropped, so that
        # side's gradient comes from one folded mm (PyTorch does the same).
        if input._data.shape[0] == 1 and input._rg:
            result = matmul(input.squeeze(0), other)
        else:
            result = matmul(input, other.squeeze(0))
    else:
        result = _batched_matmul(input, other)
    return _finish(result, out, "matmul")


def _folded_matmul(input: Tensor, other: Tensor) -> Tensor:
    # The larger operand's batch dims fold into the rows of one mm / mv.
    transpose = other.ndim > input.ndim
    if transpose:
        big = mT(other)
        small = input.t() if input.ndim == 2 else input
    else:
        big, small = input, other
    big_shape = big._data.shape
    rows = int(np.prod(big_shape[:-1]))
    folded = big.reshape(rows, big_shape[-1])
    if small.ndim == 2:
        output = _unsafe_view(folded.mm(small), big_shape[:-1] + (small._data.shape[1],))
        return mT(output).contiguous() if transpose else output
    return _unsafe_view(folded.mv(small), big_shape[:-1])


def _unsafe_view(t: Tensor, shape) -> Tensor:
    """Reshape a fresh (contiguous) result, recorded as PyTorch's ``_unsafe_view``."""
    from .shape import UnsafeViewBackward0
    result = wrap(t._data.reshape(shape))
    if grad_state.enabled and t._rg:
        UnsafeViewBackward0((t,), result).shape = t._data.shape
    return result


def broadcast_batch(shape_a, shape_b) -> tuple:
    """Broadcast two batch shapes with PyTorch's message when they do not match."""
    ndim = max(len(shape_a), len(shape_b))
    out = []
    for i in range(ndim - 1, -1, -1):
        offset = ndim - 1 - i
        size_a = shape_a[len(shape_a) - 1 - offset] if offset < len(shape_a) else 1
        size_b = shape_b[len(shape_b) - 1 - offset] if offset < len(shape_b) else 1
        if size_a != size_b and size_a != 1 and size_b != 1:
            raise RuntimeError(f"The size of tensor a ({size_a}) must match the size of tensor b "
                               f"({size_b}) at non-singleton dimension {i}")
        out.append(size_b if size_a == 1 else size_a)
    return tuple(reversed(out))


def _batched_matmul(input: Tensor, other: Tensor) -> Tensor:
    a_shape, b_shape = input._data.shape, other._data.shape
    da, db = len(a_shape), len(b_shape)
    n = a_shape[-2] if da > 1 else 1
    k1 = a_shape[-1]
    k2 = b_shape[-2] if db > 1 else b_shape[0]
    p = b_shape[-1] if db > 1 else 1
    batch = broadcast_batch(a_shape[:max(da - 2, 0)], b_shape[:max(db - 2, 0)])
    count = int(np.prod(batch))
    left = input.expand(batch + (n, k1)).reshape(count, n, k1)
    if db == 1:
        right = other.expand(batch + (k2,)).reshape(count, k2).unsqueeze(2)
    else:
        right = other.expand(batch + (k2, p)).reshape(count, k2, p)
    out_shape = batch + ((n,) if da > 1 else ()) + ((p,) if db > 1 else ())
    product = left.bmm(right)
    if db == 1:
        product = product.squeeze(-1)
    return _unsafe_view(product, out_shape)


# -- fused add-products ----------------------------------------------------------------------------

class AddmmBackward0(Node):
    layouts = (False, False)  # whether mat1 / mat2 were column-major

    def backward(self, grad):
        m1, m2 = self.saved_tensors
        layouts = self.layouts
        g_self = _scale_grad(grad, self.beta) if self._next[0] is not None else None
        g1 = g2 = None
        if self._next[1] is not None:
            g1 = _scale_grad(_mat1_grad(grad, m2, layouts[0]), self.alpha)
        if self._next[2] is not None:
            g2 = _scale_grad(_mat2_grad(grad, m1, layouts[1]), self.alpha)
        return g_self, g1, g2


def _combine(self_arr, product, beta, alpha):
    """beta * self + alpha * product in the product's dtype (beta == 0 ignores self, NaN too)."""
    product = _scaled(product, alpha)
    if beta == 0:
        return np.broadcast_to(product, product.shape).copy()
    base = np.broadcast_to(self_arr, product.shape)
    if product.dtype == np.bool_:
        return np.logical_or(base if beta else False, product) if beta else product
    return (_scaled(result_array(base), beta) + product).astype(product.dtype, copy=False)


def _expand_check(input: Tensor, shape) -> None:
    # Same message as expand() gives when the additive term cannot broadcast to the product.
    if input._data.shape != tuple(shape):
        try:
            if np.broadcast_shapes(input._data.shape, tuple(shape)) == tuple(shape):
                return
        except ValueError:
            pass
        input.detach().expand(shape)


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta=1, alpha=1, out=None) -> Tensor:
    """``beta * input + alpha * (mat1 @ mat2)``."""
    s, a, b = input._data, mat1._data, mat2._data
    if a.ndim != 2:
        raise RuntimeError(f"mat1 must be a matrix, got {a.ndim}-D tensor")
    if b.ndim != 2:
        raise RuntimeError(f"mat2 must be a matrix, got {b.ndim}-D tensor")
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x{a.shape[1]} "
                           f"and {b.shape[0]}x{b.shape[1]})")
    if s.dtype != b.dtype:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got {type_word(s)} and "
                           f"{type_word(b)}")
    if a.dtype != b.dtype:
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {type_word(a)} and "
                           f"{type_word(b)}")
    _refuse_bool(a, "addmm_impl_cpu_")
    _expand_check(input, (a.shape[0], b.shape[1]))
    product = product_arrays(np.matmul, a, b)
    if beta == 1 and alpha == 1 and product.dtype.kind == "f" and product.dtype == s.dtype:
        # The linear-layer case: add the bias into the fresh product (one pass, no temporary).
        if type(product) is np.ndarray:
            np.add(product, s, out=product)
        else:
            product = product + s  # meta arrays: shapes only
        result = wrap(product)
    else:
        result = wrap(_combine(s, product, beta, alpha))
    if _recording(input, mat1, mat2):
        node = AddmmBackward0((input, mat1, mat2), result)
        node.save(mat1 if mat2._rg else None, mat2 if mat1._rg else None)
        node.layouts = (_column_major(a), _column_major(b))
        node.beta, node.alpha = beta, alpha
    return _finish(result, out, "addmm")


class AddmvBackward0(Node):
    def backward(self, grad):
        mat, vec = self.saved_tensors
        g_self = _scale_grad(grad, self.beta) if self._next[0] is not None else None
        g_mat = _scale_grad(grad.unsqueeze(1) * conj(vec), self.alpha) \
            if self._next[1] is not None else None
        g_vec = _scale_grad(mH(mat).mv(grad), self.alpha) if self._next[2] is not None else None
        return g_self, g_mat, g_vec


def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta=1, alpha=1, out=None) -> Tensor:
    """``beta * input + alpha * (mat @ vec)``."""
    s, a, v = input._data, mat._data, vec._data
    rows = a.shape[0] if a.ndim == 2 else 0
    _check_mv(a, v, s.shape[0] if s.ndim == 1 and s.shape[0] != 1 else rows)
    _check_addmv_dtypes(s, a, v)
    _refuse_bool(a, "addmv_impl_cpu")
    _expand_check(input, (rows,))
    result = wrap(_combine(s, product_arrays(np.matmul, a, v), beta, alpha))
    if _recording(input, mat, vec):
        node = AddmvBackward0((input, mat, vec), result)
        node.save(mat if vec._rg else None, vec if mat._rg else None)
        node.beta, node.alpha = beta, alpha
    return _finish(result, out, "addmv")


class BaddbmmBackward0(Node):
    def backward(self, grad):
        b1, b2 = self.saved_tensors
        g_self = _scale_grad(grad, self.beta) if self._next[0] is not None else None
        g1 = _scale_grad(grad.bmm(mH(b2)), self.alpha) if self._next[1] is not None else None
        g2 = _scale_grad(mH(b1).bmm(grad), self.alpha) if self._next[2] is not None else None
        return g_self, g1, g2


def _check_batch_dtypes(s, a, b) -> None:
    if not (s.dtype == a.dtype == b.dtype):
        raise RuntimeError(f"Input dtypes must be the same, got: input {c_type_name(s)}, batch1: "
                           f"{c_type_name(a)}, batch2: {c_type_name(b)}")


def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1,
            out=None) -> Tensor:
    """``beta * input + alpha * (batch1 @ batch2)`` for 3-D batches."""
    s, a, b = input._data, batch1._data, batch2._data
    _check_bmm(a, b)
    _check_batch_dtypes(s, a, b)
    _refuse_bool(a, "baddbmm")
    _expand_check(input, (a.shape[0], a.shape[1], b.shape[2]))
    result = wrap(_combine(s, product_arrays(np.matmul, a, b), beta, alpha))
    if _recording(input, batch1, batch2):
        node = BaddbmmBackward0((input, batch1, batch2), result)
        node.save(batch1 if batch2._rg else None, batch2 if batch1._rg else None)
        node.beta, node.alpha = beta, alpha
    return _finish(result, out, "baddbmm")


class AddbmmBackward0(Node):
    def backward(self, grad):
        b1, b2 = self.saved_tensors
        g_self = _scale_grad(grad, self.beta) if self._next[0] is not None else None
        g1 = g2 = None
        if self._next[1] is not None:
            count = b2._data.shape[0]
            g1 = _scale_grad(grad.unsqueeze(0).expand(count, *grad.shape).bmm(mH(b2)), self.alpha)
        if self._next[2] is not None:
            count = b1._data.shape[0]
            g2 = _scale_grad(mH(b1).bmm(grad.unsqueeze(0).expand(count, *grad.shape)), self.alpha)
        return g_self, g1, g2


def addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1, out=None) -> Tensor:
    """``beta * input + alpha * sum_b(batch1[b] @ batch2[b])``."""
    s, a, b = input._data, batch1._data, batch2._data
    if a.ndim != 3 or b.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor" if a.ndim != 3 else
                           "batch2 must be a 3D tensor")
    if a.shape[0] != b.shape[0]:
        raise RuntimeError(f"batch1 and batch2 must have same number of batches, got "
                           f"{a.shape[0]} and {b.shape[0]}")
    if a.shape[2] != b.shape[1]:
        raise RuntimeError(f"Incompatible matrix sizes for bmm ({a.shape[1]}x{a.shape[2]} and "
                           f"{b.shape[1]}x{b.shape[2]})")
    _check_batch_dtypes(s, a, b)
    _refuse_bool(a, "addbmm")
    _expand_check(input, (a.shape[1], b.shape[2]))
    # One mm over the concatenated inner dims: (n, batch*k) @ (batch*k, m).
    count, n, k = a.shape
    rows = contiguous_array(a.transpose(1, 0, 2)).reshape(n, count * k)
    cols = b.reshape(count * k, b.shape[2])
    result = wrap(_combine(s, product_arrays(np.matmul, rows, cols), beta, alpha))
    if _recording(input, batch1, batch2):
        node = AddbmmBackward0((input, batch1, batch2), result)
        node.save(batch1 if batch2._rg else None, batch2 if batch1._rg else None)
        node.beta, node.alpha = beta, alpha
    return _finish(result, out, "addbmm")


class AddrBackward0(Node):
    def backward(self, grad):
        v1, v2 = self.saved_tensors
        g_self = _scale_grad(grad, self.beta) if self._next[0] is not None else None
        g1 = _scale_grad(grad.mv(conj(v2)), self.alpha) if self._next[1] is not None else None
        g2 = _scale_grad(grad.t().mv(conj(v1)), self.alpha) if self._next[2] is not None else None
        return g_self, g1, g2


def _addr_half(self_arr, x, y, beta, alpha, dt):
    """addr for half types the way PyTorch's kernel computes it: operands, alpha and beta in
    the half type, and each step of ``beta * self + (alpha * x) * y`` rounded to it."""
    from .creation import checked_scalar

    def rounded(values):
        return values.astype(dt).astype(np.float32)

    def scalar(value):  # (RuntimeError where the value overflows the half type)
        value = checked_scalar(value, D._BY_NP[np.dtype(dt)])
        return float(np.float32(np.asarray(value, dt)))
    alpha, beta = scalar(alpha), scalar(beta)
    with np.errstate(over="ignore", invalid="ignore"):
        product = rounded(np.multiply.outer(rounded(alpha * rounded(x)), rounded(y)))
        if beta == 0:  # (self is ignored, NaN included)
            return product.astype(dt)
        base = rounded(beta * rounded(self_arr))
        return (base + product).astype(dt)


def addr(input: Tensor, vec1: Tensor, vec2: Tensor, *, beta=1, alpha=1, out=None) -> Tensor:
    """``beta * input + alpha * outer(vec1, vec2)`` (dtypes promote)."""
    from ._dispatch import result_type
    x, y = vec1._data, vec2._data
    if x.ndim != 1:
        raise RuntimeError(f"addr: Expected 1-D argument vec1, but got {x.ndim}-D")
    if y.ndim != 1:
        raise RuntimeError(f"addr: Expected 1-D argument vec2, but got {y.ndim}-D")
    dt = result_type(input, vec1, vec2).np
    _expand_check(input, (x.shape[0], y.shape[0]))
    if dt in _HALF_TYPES:
        return _finish(_record_addr(wrap(_addr_half(input._data, x, y, beta, alpha, dt)),
                                    input, vec1, vec2, beta, alpha), out, "addr")
    product = np.multiply.outer(x.astype(dt, copy=False), y.astype(dt, copy=False))
    if dt == np.bool_:
        outer_part = product if alpha else np.zeros_like(product)
        merged = np.logical_or(np.broadcast_to(input._data, product.shape), outer_part) \
            if beta else np.array(outer_part)
        result = wrap(merged)
    else:
        result = wrap(_combine(input._data.astype(dt, copy=False), product, beta, alpha))
    return _finish(_record_addr(result, input, vec1, vec2, beta, alpha), out, "addr")


def _record_addr(result: Tensor, input, vec1, vec2, beta, alpha) -> Tensor:
    if _recording(input, vec1, vec2):
        node = AddrBackward0((input, vec1, vec2), result)
        node.save(vec1 if vec2._rg else None, vec2 if vec1._rg else None)
        node.beta, node.alpha = beta, alpha
    return result


addmm_ = inplace_variant(addmm, "addmm_")
addmv_ = inplace_variant(addmv, "addmv_")
addbmm_ = inplace_variant(addbmm, "addbmm_")
baddbmm_ = inplace_variant(baddbmm, "baddbmm_")
addr_ = inplace_variant(addr, "addr_")


# -- outer / inner / tensordot / kron --------------------------------------------------------------

def outer(input: Tensor, vec2: Tensor, *, out=None) -> Tensor:
    """Outer product of two vectors: ``result[i, j] = input[i] * vec2[j]``."""
    if input._data.ndim != 1:
        raise RuntimeError(f"outer: Expected 1-D argument self, but got {input._data.ndim}-D")
    if vec2._data.ndim != 1:
        raise RuntimeError(f"outer: Expected 1-D argument vec2, but got {vec2._data.ndim}-D")
    result = input.reshape(input._data.shape[0], 1) * vec2
    return _finish(result, out, "outer")


ger = outer


def inner(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """Sum-product over the last dims of both tensors (a scalar operand multiplies)."""
    a, b = input._data, other._data
    if a.ndim == 0 or b.ndim == 0:
        return _finish(input * other, out, "inner")
    if a.shape[-1] != b.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got "
                           f"shapes {shape_str(a.shape)} and {shape_str(b.shape)}")
    return _finish(tensordot(input, other, dims=([-1], [-1])), out, "inner")


def _tensordot_dims(dims, ndim_a: int, ndim_b: int):
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, (int, np.integer)) and not isinstance(dims, bool):
        count = int(dims)
        if count < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={count}")
        if count > min(ndim_a, ndim_b):
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={count}")
        return list(range(-count, 0)), list(range(count))
    if isinstance(dims, (list, tuple)) and len(dims) == 2:
        first, second = dims
        first = [first] if isinstance(first, (int, np.integer)) else list(first)
        second = [second] if isinstance(second, (int, np.integer)) else list(second)
        if len(first) != len(second):
            raise RuntimeError("both dimension lists should have same length")
        return first, second
    raise RuntimeError("tensordot expects dims to be an int or a pair of dimension lists")


def tensordot(a: Tensor, b: Tensor, dims=2, out=None) -> Tensor:
    """Contract ``a``'s dims ``dims[0]`` with ``b``'s dims ``dims[1]`` (an int n means the last
    n dims of a with the first n of b); one mm on permuted, flattened operands."""
    from .._tensor import _wrap_dim
    dims_a, dims_b = _tensordot_dims(dims, a._data.ndim, b._data.ndim)
    if a._data.dtype != b._data.dtype:
        raise RuntimeError("both inputs should have same dtype")
    sa, sb = a._data.shape, b._data.shape
    wa = [_wrap_dim(d, len(sa)) for d in dims_a]
    wb = [_wrap_dim(d, len(sb)) for d in dims_b]
    for da, db, ra, rb in zip(wa, wb, dims_a, dims_b):
        if sa[da] != sb[db] and sa[da] != 1 and sb[db] != 1:
            raise RuntimeError(f"contracted dimensions need to match, but first has size "
                               f"{sa[da]} in dim {ra} and second has size {sb[db]} in dim {rb}")
    free_a = [d for d in range(len(sa)) if d not in wa]
    free_b = [d for d in range(len(sb)) if d not in wb]
    contracted = 1
    for da, db in zip(wa, wb):
        contracted *= max(sa[da], sb[db])
    left = a
    right = b
    # A size-1 contracted dim of one operand broadcasts against the other's.
    if any(sa[da] != sb[db] for da, db in zip(wa, wb)):
        left = a.sum([da for da, db in zip(wa, wb) if sa[da] != sb[db]], keepdim=True)
        right = b.sum([db for da, db in zip(wa, wb) if sa[da] != sb[db]], keepdim=True)
        contracted = 1
        for da in wa:
            contracted *= left._data.shape[da]
    rows = int(np.prod([sa[d] for d in free_a]))
    cols = int(np.prod([sb[d] for d in free_b]))
    left = left.permute(free_a + wa).reshape(rows, contracted)
    right = right.permute(wb + free_b).reshape(contracted, cols)
    result = left.mm(right).reshape([sa[d] for d in free_a] + [sb[d] for d in free_b])
    return _finish(result, out, "tensordot")


def kron(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """Kronecker product (operands padded with leading size-1 dims to the same rank)."""
    ndim = max(input._data.ndim, other._data.ndim)
    sa = (1,) * (ndim - input._data.ndim) + input._data.shape
    sb = (1,) * (ndim - other._data.ndim) + other._data.shape
    left = input.reshape(tuple(itertools.chain.from_iterable((s, 1) for s in sa)))
    right = other.reshape(tuple(itertools.chain.from_iterable((1, s) for s in sb)))
    product = left * right
    result = _unsafe_view(product.contiguous(), tuple(x * y for x, y in zip(sa, sb)))
    return _finish(result, out, "kron")


# -- einsum ----------------------------------------------------------------------------------------

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _sublist_to_equation(args):
    """einsum(op0, sub0, op1, sub1, ..., [out]) to an equation string and operand list."""
    operands, terms = [], []
    args = list(args)
    while len(args) >= 2:
        operands.append(args.pop(0))
        terms.append(_sublist_term(args.pop(0)))
    equation = ",".join(terms)
    if args:
        equation += "->" + _sublist_term(args[0])
    return equation, operands


def _sublist_term(sub) -> str:
    parts = []
    for s in sub:
        if s is Ellipsis:
            parts.append("...")
        else:
            index = operator.index(s)
            if not 0 <= index < 52:
                raise RuntimeError(f"einsum(): expected subscript to be within the range [0, 52), "
                                   f"but got {index}")
            parts.append(_LETTERS[index])
    return "".join(parts)


def _parse_term(term: str, ndim: int, index: int, ellipsis_letters: str) -> str:
    """A term with '...' replaced by letters for the operand's broadcast dims."""
    if "..." in term:
        explicit = len(term) - 3
        count = ndim - explicit
        if count < 0:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({explicit}) "
                               f"is more than the number of dimensions ({ndim}) for operand "
                               f"{index}")
        fill = ellipsis_letters[len(ellipsis_letters) - count:] if count else ""
        term = term.replace("...", fill)
    elif len(term) != ndim:
        raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(term)}) does "
                           f"not match the number of dimensions ({ndim}) for operand {index} and "
                           f"no ellipsis was given")
    for ch in term:
        if not ch.isalpha():
            raise RuntimeError(f"einsum(): invalid subscript given at index "
                               f"{term.index(ch)} in the equation string, subscripts must be in "
                               f"[a-zA-Z]")
    return term


def _einsum_plan(equation: str, operands):
    """Parse an equation into explicit per-operand letter terms and an output term."""
    equation = equation.replace(" ", "")
    if "->" in equation:
        lhs, rhs = equation.split("->", 1)
    else:
        lhs, rhs = equation, None
    terms = lhs.split(",")
    if len(terms) > len(operands):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the equation")
    if len(terms) < len(operands):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    used = set(ch for ch in equation if ch.isalpha())
    spare = [ch for ch in _LETTERS if ch not in used]
    max_ellipsis = 0
    for term, op in zip(terms, operands):
        if "..." in term:
            max_ellipsis = max(max_ellipsis, op._data.ndim - (len(term) - 3))
    ellipsis_letters = "".join(spare[:max_ellipsis])
    parsed = [_parse_term(t, op._data.ndim, i, ellipsis_letters)
              for i, (t, op) in enumerate(zip(terms, operands))]
    if rhs is None:
        counts = {}
        for term in parsed:
            for ch in term:
                counts[ch] = counts.get(ch, 0) + 1
        singles = sorted((ch for ch, c in counts.items() if c == 1 and ch not in ellipsis_letters),
                         key=lambda ch: (ch.islower(), ch))
        output = ellipsis_letters + "".join(singles)
    else:
        output = rhs.replace("...", ellipsis_letters)
        for ch in output:
            if not any(ch in term for term in parsed):
                raise RuntimeError(f"einsum(): output subscript {ch} does not appear in the "
                                   f"equation for any input operand")
            if output.count(ch) > 1:
                raise RuntimeError(f"einsum(): output subscript {ch} appears more than once in "
                                   f"the output")
    return parsed, output


def _einsum_sizes(parsed, operands):
    """Each letter's size, checking that operands agree (size 1 broadcasts)."""
    sizes = {}
    for index, (term, op) in enumerate(zip(parsed, operands)):
        own = {}
        for ch, size in zip(term, op._data.shape):
            if ch in own and own[ch] != size:
                raise RuntimeError(f"einsum(): subscript {ch} is repeated for operand {index} but "
                                   f"the sizes don't match, {size} != {own[ch]}")
            own[ch] = size
            seen = sizes.get(ch)
            if seen is None or seen == 1:
                sizes[ch] = size
            elif size != seen and size != 1:
                raise RuntimeError(f"einsum(): subscript {ch} has size {size} for operand {index} "
                                   f"which does not broadcast with previously seen size {seen}")
    return sizes


class EinsumBackward0(Node):
    """Backward of the core einsum: each operand's gradient is another einsum."""

    def backward(self, grad):
        operands = self.saved_tensors
        grads = []
        for i, term in enumerate(self.terms):
            if self._next[i] is None:
                grads.append(None)
                continue
            grads.append(_einsum_operand_grad(grad, i, term, self.terms, self.output, operands,
                                              self.sizes))
        return tuple(grads)


def _einsum_operand_grad(grad, i, term, terms, output, operands, sizes):
    unique = "".join(dict.fromkeys(term))
    others = [(t, conj(op)) for j, (t, op) in enumerate(zip(terms, operands)) if j != i]
    available = set(output).union(*[set(t) for t, _ in others]) if others else set(output)
    reachable = "".join(ch for ch in unique if ch in available)
    inputs = [grad] + [op for _, op in others]
    equation = ",".join([output] + [t for t, _ in others]) + "->" + reachable
    g = _einsum_core(equation, inputs)
    if reachable != unique:
        # Letters summed over inside this operand alone: their gradient is broadcast.
        g = g.reshape([sizes[ch] if ch in reachable else 1 for ch in unique])
        g = g.expand([sizes[ch] for ch in unique])
    if unique != term:
        g = _repeat_diagonals(g, unique, term, sizes)
    return g


def _repeat_diagonals(g: Tensor, unique: str, term: str, sizes) -> Tensor:
    # A letter repeated in an operand's term (a diagonal) gets its gradient on that diagonal only.
    shape = []
    for position, ch in enumerate(term):
        shape.append(sizes[ch] if term.index(ch) == position else 1)
    placement = [term.index(ch) for ch in unique]
    order = sorted(range(len(unique)), key=lambda k: placement[k])
    g = g.permute(order).reshape(shape)
    mask = np.ones([sizes[ch] for ch in term], dtype=bool)
    for position, ch in enumerate(term):
        first = term.index(ch)
        if first != position:
            index_shape = [1] * len(term)
            index_shape[first] = sizes[ch]
            a = np.arange(sizes[ch]).reshape(index_shape)
            index_shape[first] = 1
            index_shape[position] = sizes[ch]
            b = np.arange(sizes[ch]).reshape(index_shape)
            mask = mask & (a == b)
    return g * wrap(np.asarray(mask.astype(g._data.dtype), like=g._data))


def _einsum_core(equation: str, operands) -> Tensor:
    """einsum over explicit letter terms whose sizes already agree (no broadcasting)."""
    arrays = [op._data for op in operands]
    dt = arrays[0].dtype
    compute = np.float32 if dt in _HALF_TYPES else None
    if compute is not None:
        arrays = [a.astype(compute) for a in arrays]
    if len(arrays) == 1:
        value = np.einsum(equation, *arrays)
    else:
        value = np.einsum(equation, *arrays, optimize=True)
    result = wrap(result_array(value).astype(dt))
    if _recording(*operands):
        lhs, output = equation.split("->")
        node = EinsumBackward0(tuple(operands), result)
        node.save(*operands)
        node.terms, node.output = lhs.split(","), output
        node.sizes = {}
        for term, op in zip(node.terms, operands):
            node.sizes.update(zip(term, op._data.shape))
    return result


def _einsum_view(op: Tensor, term: str, output: str) -> Tensor:
    """A single operand with nothing summed over: diagonals and a permutation, so the result
    is a view of the operand (as in PyTorch, which builds it from the same view ops)."""
    letters = []
    for ch in term:
        if ch in letters:
            # The repeated dim and its first occurrence become one diagonal dim, put back
            # where the letter first appeared.
            first = letters.index(ch)
            op = op.diagonal(0, first, len(letters)).movedim(-1, first)
        else:
            letters.append(ch)
    return op.permute([letters.index(ch) for ch in output])


def einsum(equation, *operands) -> Tensor:
    """Einstein summation: ``einsum('ij,jk->ik', a, b)``; ellipsis, repeated subscripts,
    implicit output, an operand list, and the sublist form ``einsum(a, [0, 1], b, [1, 2])``."""
    if not isinstance(equation, str):
        equation, operands = _sublist_to_equation((equation,) + operands)
    elif len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    operands = list(operands)
    if not operands:
        raise RuntimeError("einsum(): must provide at least one operand")
    dt = operands[0]._data.dtype
    for op in operands[1:]:
        if op._data.dtype != dt:
            raise RuntimeError(f"expected scalar type {type_word(operands[0]._data)} but found "
                               f"{type_word(op._data)}")
    parsed, output = _einsum_plan(equation, operands)
    sizes = _einsum_sizes(parsed, operands)
    if len(operands) == 1 and len(output) == len(set(parsed[0])):
        return _einsum_view(operands[0], parsed[0], output)
    for i, (term, op) in enumerate(zip(parsed, operands)):
        target = tuple(sizes[ch] for ch in term)
        if op._data.shape != target:
            operands[i] = op.expand(target)
    return _einsum_core(",".join(parsed) + "->" + output, operands)


# -- cdist -----------------------------------------------------------------------------------------

class CdistBackward0(Node):
    """Gradient of pairwise p-distances (first order only, as in PyTorch)."""

    def backward(self, grad):
        x1, x2, dist = self.saved_tensors
        a, b, d, g = x1._data, x2._data, dist._data, grad._data
        diff = a[..., :, None, :] - b[..., None, :, :]
        p = self.p
        with np.errstate(divide="ignore", invalid="ignore"):
            if p == 0:
                local = np.zeros_like(diff)
            elif p == 1:
                local = np.sign(diff)
            elif p == 2:
                local = diff / d[..., None]
            elif p == float("inf"):
                local = np.sign(diff) * (np.abs(diff) == d[..., None])
            elif p < 2:
                local = np.sign(diff) * np.abs(diff) ** (p - 1) / d[..., None] ** (p - 1)
            else:
                local = diff * np.abs(diff) ** (p - 2) / d[..., None] ** (p - 1)
        local = np.where(d[..., None] == 0, 0, local)
        weighted = local * g[..., None]
        g1 = wrap(weighted.sum(-2).astype(a.dtype)) if self._next[0] is not None else None
        g2 = wrap((-weighted.sum(-3)).astype(b.dtype)) if self._next[1] is not None else None
        return g1, g2


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0,
          compute_mode: str = "use_mm_for_euclid_dist_if_necessary") -> Tensor:
    """Pairwise p-norm distances between the rows of ``x1`` and ``x2`` (batched)."""
    a, b = x1._data, x2._data
    if a.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {a.ndim}D")
    if b.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X2 got: {b.ndim}D")
    if a.shape[-1] != b.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {a.shape[-1]} "
                           f"X2: {b.shape[-1]}")
    if a.dtype.kind not in "fc":
        raise RuntimeError(f"cdist only supports floating-point dtypes, X1 got: "
                           f"{type_word(a)}")
    if a.dtype != b.dtype:
        raise RuntimeError(f"cdist only supports floating-point dtypes, X2 got: {type_word(b)}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    modes = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
             "donot_use_mm_for_euclid_dist")
    if compute_mode not in modes:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    batch = broadcast_batch(a.shape[:-2], b.shape[:-2])
    a = np.broadcast_to(a, batch + a.shape[-2:])
    b = np.broadcast_to(b, batch + b.shape[-2:])
    rows, cols = a.shape[-2], b.shape[-2]
    use_mm = p == 2 and (compute_mode == "use_mm_for_euclid_dist" or (
        compute_mode == "use_mm_for_euclid_dist_if_necessary" and (rows > 25 or cols > 25)))
    compute = np.float32 if a.dtype in _HALF_TYPES else a.dtype
    a32, b32 = a.astype(compute, copy=False), b.astype(compute, copy=False)
    if use_mm:
        squared = ((a32 * a32).sum(-1)[..., :, None] + (b32 * b32).sum(-1)[..., None, :]
                   - 2 * np.matmul(a32, np.swapaxes(b32, -1, -2)))
        value = np.sqrt(np.maximum(squared, 0))
    else:
        diff = np.abs(a32[..., :, None, :] - b32[..., None, :, :])
        if p == 0:
            value = (diff != 0).sum(-1).astype(compute)
        elif p == 1:
            value = diff.sum(-1)
        elif p == 2:
            value = np.sqrt((diff * diff).sum(-1))
        elif p == float("inf"):
            value = diff.max(-1) if diff.shape[-1] else np.zeros(diff.shape[:-1], compute)
        else:
            value = (diff ** p).sum(-1) ** (1.0 / p)
    result = wrap(result_array(value).astype(x1._data.dtype, copy=False))
    if _recording(x1, x2):
        node = CdistBackward0((x1, x2), result)
        node.save(x1, x2, result)
        node.p = p
    return result


# -- multi_dot / chain_matmul ----------------------------------------------------------------------

def multi_dot(tensors, *, out=None) -> Tensor:
    """Product of a chain of matrices in the cheapest order; the first and last may be 1-D."""
    tensors = list(tensors)
    count = len(tensors)
    if count < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {count}")
    first, last = tensors[0]._data.ndim, tensors[-1]._data.ndim
    if first not in (1, 2):
        raise RuntimeError(f"multi_dot(): the first tensor must be 1D or 2D but got {first}D")
    if last not in (1, 2):
        raise RuntimeError(f"multi_dot(): the last tensor must be 1D or 2D but got {last}D")
    for i, t in enumerate(tensors[1:-1], start=1):
        if t._data.ndim != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {t._data.ndim}D")
    dt = tensors[0]._data.dtype
    for t in tensors[1:]:
        if t._data.dtype != dt:
            raise RuntimeError(f"multi_dot(): all tensors must have be the same dtype but tensor "
                               f"0 is {D._BY_NP[dt]} and tensor {tensors.index(t)} "
                               f"{t.dtype}")
    mats = list(tensors)
    if first == 1:
        mats[0] = mats[0].unsqueeze(0)
    if last == 1:
        mats[-1] = mats[-1].unsqueeze(-1)
    for i in range(count - 1):
        if mats[i]._data.shape[1] != mats[i + 1]._data.shape[0]:
            raise RuntimeError(f"multi_dot(): tensors {i} and {i + 1} with shapes "
                               f"{shape_str(tensors[i].shape)} and "
                               f"{shape_str(tensors[i + 1].shape)} cannot be multiplied")
    product = _chain(mats)
    out_shape = ((product._data.shape[0],) if first == 2 else ()) + \
        ((product._data.shape[1],) if last == 2 else ())
    return _finish(product.view(out_shape), out, "multi_dot")


def _chain(mats) -> Tensor:
    """Multiply matrices in the order that needs the fewest scalar products."""
    count = len(mats)
    if count == 2:
        return mats[0].mm(mats[1])
    dims = [m._data.shape[0] for m in mats] + [mats[-1]._data.shape[1]]
    cost = [[0] * count for _ in range(count)]
    split = [[0] * count for _ in range(count)]
    for length in range(1, count):
        for i in range(count - length):
            j = i + length
            cost[i][j] = None
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if cost[i][j] is None or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k

    def build(i, j):
        if i == j:
            return mats[i]
        k = split[i][j]
        return build(i, k).mm(build(k + 1, j))
    return build(0, count - 1)


def chain_matmul(*matrices, out=None) -> Tensor:
    """Deprecated alias of multi_dot for 2-D matrices."""
    warnings.warn("torch.chain_matmul is deprecated and will be removed in a future PyTorch "
                  "release. Use torch.linalg.multi_dot instead, which accepts a list of two or "
                  "more tensors rather than multiple parameters.", UserWarning, stacklevel=2)
    if len(matrices) == 1 and isinstance(matrices[0], (list, tuple)):
        matrices = tuple(matrices[0])
    for m in matrices:
        if m._data.ndim != 2:
            raise RuntimeError(f"Tensor dimension is {m._data.ndim}, expected 2 instead.")
    if len(matrices) == 1:
        return _finish(matrices[0].clone(), out, "chain_matmul")
    return multi_dot(matrices, out=out)


# -- cross -----------------------------------------------------------------------------------------

class LinalgCrossBackward0(Node):
    def backward(self, grad):
        a, b = self.saved_tensors
        dim = self.dim
        ga = linalg_cross(conj(b), grad, dim=dim) if self._next[0] is not None else None
        gb = linalg_cross(grad, conj(a), dim=dim) if self._next[1] is not None else None
        return ga, gb


def linalg_cross(input: Tensor, other: Tensor, *, dim: int = -1, out=None) -> Tensor:
    """Cross product of 3-vectors along ``dim``, broadcasting the other dims."""
    from .._tensor import _wrap_dim
    a, b = input._data, other._data
    if a.ndim != b.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected scalar type {type_word(a)} but found {type_word(b)}")
    if a.ndim != b.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    axis = _wrap_dim(dim, a.ndim)
    if a.shape[axis] != 3 or b.shape[axis] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                           f"{a.shape[axis]} and {b.shape[axis]}")
    shape = broadcast_batch(a.shape, b.shape)
    value = np.cross(np.broadcast_to(a, shape), np.broadcast_to(b, shape), axis=axis)
    result = wrap(contiguous_array(value).astype(a.dtype, copy=False))
    if _recording(input, other):
        node = LinalgCrossBackward0((input, other), result)
        node.save(input if other._rg else None, other if input._rg else None)
        node.dim = axis
    return _finish(result, out, "linalg.cross")


# The wider type in which a product of two values of a float type is exact (float32) or
# nearly so (float64, where the platform has an extended long double).
_CROSS_WIDER = {np.dtype(np.float32): np.dtype(np.float64),
                np.dtype(np.float64): np.dtype(np.longdouble)}


def _fused_cross(a, b, axis: int):
    """The cross product of same-shaped float arrays as PyTorch's CPU kernel computes it: each
    component a[j]*b[k] - a[k]*b[j] is one fused multiply-add, fma(a[j], b[k], -(a[k]*b[j])),
    so the first product is never rounded (or overflowed) on its own."""
    wide = _CROSS_WIDER[a.dtype]
    a, b = np.moveaxis(a, axis, -1), np.moveaxis(b, axis, -1)
    a_wide, b_wide = a.astype(wide), b.astype(wide)
    parts = []
    with np.errstate(over="ignore", invalid="ignore"):
        for j, k in ((1, 2), (2, 0), (0, 1)):
            second = (a[..., k] * b[..., j]).astype(wide)
            parts.append((a_wide[..., j] * b_wide[..., k] - second).astype(a.dtype))
    return np.moveaxis(np.stack(parts, axis=-1), -1, axis)


def cross(input: Tensor, other: Tensor, dim: int | None = None, *, out=None) -> Tensor:
    """Cross product along ``dim`` (by default the first dim of size 3, with a warning)."""
    if dim is None:
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\nPlease "
                      "either pass the dim explicitly or simply use torch.linalg.cross.\nThe "
                      "default value of dim will change to agree with that of linalg.cross in a "
                      "future release.", UserWarning, stacklevel=2)
        shape = broadcast_batch(input._data.shape, other._data.shape)
        dim = next((i for i, s in enumerate(shape) if s == 3), -1)
    result = linalg_cross(input, other, dim=dim)
    data = result._data
    if data.dtype in _CROSS_WIDER and isinstance(data, np.ndarray) and data.size:
        # (the result is fresh and its backward saves only the inputs: safe to refill)
        from .._tensor import _wrap_dim
        data[...] = _fused_cross(np.broadcast_to(input._data, data.shape),
                                 np.broadcast_to(other._data, data.shape),
                                 _wrap_dim(dim, data.ndim))
    return _finish(result, out, "linalg.cross")


bind_methods(["mm", "bmm", "dot", "vdot", "mv", "matmul", "addmm", "addmv", "addbmm", "baddbmm",
              "addr", "addmm_", "addmv_", "addbmm_", "baddbmm_", "addr_", "outer", "ger",
              "inner", "kron", "cross"], globals())

__all__ = ["mm", "bmm", "dot", "vdot", "mv", "matmul", "addmm", "addmv", "addbmm", "baddbmm",
           "addr", "outer", "ger", "inner", "tensordot", "kron", "einsum", "cdist",
           "chain_matmul", "cross"]
