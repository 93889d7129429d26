"""Linear algebra: norms, inverses, determinants, solvers and decompositions (``torch.linalg``
plus the top-level legacy functions such as ``torch.det`` and ``torch.svd``).

Forward passes call NumPy's LAPACK-backed routines, which broadcast over leading batch dims, so
no op loops over matrices in Python.  Where PyTorch reports *which* pivot or minor failed, an
unblocked factorization (vectorized over the batch) recovers that index on the error path only.

Backward formulas are written with ember ops (matmul, solves, inverses defined here) so that
the common ones can be differentiated again.  Ops with several differentiable outputs (eigh, svd,
qr, ...) attach one node per output, each giving that output's share of the input gradient:
the formulas are linear in the output gradients, so the shares add up to the full gradient.
"""
from __future__ import annotations

import operator
import warnings

import numpy as np

from ..backends import contiguous_array, holds_values, require_values, result_array
from .. import _dtype as D
from .. import return_types as RT
from .._tensor import Tensor, _wrap_dim
from ..autograd.grad_mode import no_grad as _no_grad
from ..autograd.grad_mode import state as grad_state
from ..autograd.node import Node
from ._dispatch import bind_methods, shape_str, write_out
from .blas import _recording, broadcast_batch, conj, mH, mT, type_word
from .join import cat as _cat

wrap = Tensor._make
_HALF_TYPES = (np.dtype(np.float16), D.bfloat16.np)
_INF = float("inf")


# ================================================================================================
# Checks and errors
# ================================================================================================

def _lin_alg_error(message: str):
    from ..linalg import LinAlgError
    return LinAlgError(message)


def _check_floating(arr, op: str) -> None:
    if arr.dtype in _HALF_TYPES:
        raise RuntimeError(f"{op}: Low precision dtypes not supported. Got {type_word(arr)}")
    if arr.dtype.kind not in "fc":
        raise RuntimeError(f"{op}: Expected a floating point or complex tensor as input. Got "
                           f"{type_word(arr)}")


def _check_matrix(arr, op: str, square: bool = True, name: str = "A") -> None:
    if arr.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor {name} must have at least 2 dimensions.")
    if square and arr.shape[-1] != arr.shape[-2]:
        raise RuntimeError(f"{op}: {name} must be batches of square matrices, but they are "
                           f"{arr.shape[-2]} by {arr.shape[-1]} matrices")


def _check_input(t: Tensor, op: str, square: bool = True) -> np.ndarray:
    arr = t._data
    _check_matrix(arr, op, square)
    _check_floating(arr, op)
    return arr


def _batch_prefix(arr, flat_index: int) -> str:
    return f"(Batch element {flat_index}): " if arr.ndim > 2 else ""


def _first_failure(info) -> int:
    flat = result_array(info).reshape(-1)
    return int(np.flatnonzero(flat)[0])


def _real_dtype(np_dtype):
    return np.empty(0, np_dtype).real.dtype


def _finish(result, out, name: str):
    if out is None:
        return result
    if isinstance(result, tuple):
        for target, value in zip(out, result):
            write_out(target, value, name)
        return type(result)(out) if hasattr(type(result), "_fields") else tuple(out)
    return write_out(out, result, name)


# ================================================================================================
# Small differentiable helpers used by the backward formulas
# ================================================================================================

def _const(arr, like: Tensor | None = None) -> Tensor:
    """A constant tensor (no gradient) of ``arr``, on ``like``'s device when given."""
    if like is not None:
        return wrap(np.asarray(arr, like=like._data))
    return wrap(result_array(arr))


def _eye(n: int, np_dtype, like: Tensor | None = None) -> Tensor:
    return _const(np.eye(n, dtype=np_dtype), like)


def _tril(t: Tensor, k: int = 0) -> Tensor:
    rows, cols = t._data.shape[-2:]
    return t * _const(np.tri(rows, cols, k, dtype=t._data.dtype), t)


def _triu(t: Tensor, k: int = 0) -> Tensor:
    rows, cols = t._data.shape[-2:]
    return t * _const((1 - np.tri(rows, cols, k - 1)).astype(t._data.dtype), t)


def _diagonal(t: Tensor) -> Tensor:
    """Diagonal of the last two (square) dims, differentiably."""
    n = t._data.shape[-1]
    return (t * _eye(n, t._data.dtype, t)).sum(-1)


def _diag_embed(v: Tensor) -> Tensor:
    """Batched diagonal matrices from vectors, differentiably."""
    n = v._data.shape[-1]
    return v.unsqueeze(-1) * _eye(n, v._data.dtype, v)


def _sign_const(t: Tensor) -> Tensor:
    arr = t._data
    if arr.dtype.kind == "c":
        magnitude = np.abs(arr)
        with np.errstate(invalid="ignore", divide="ignore"):
            return _const(np.where(magnitude == 0, 0, arr / np.where(magnitude == 0, 1, magnitude)))
    sign = np.sign(arr)
    if arr.dtype.kind == "f":
        sign = np.where(np.isnan(arr), 0, sign)  # PyTorch's sign(nan) is 0
    return _const(sign)


def _abs(t: Tensor) -> Tensor:
    """|t| as a product with the (constant) sign, so it differentiates as PyTorch's abs."""
    if t._data.dtype.kind == "c":
        return t.abs() if _recording(t) else wrap(np.abs(t._data))
    return t * _sign_const(t)


class PowBackward0(Node):
    def backward(self, grad):
        (base,) = self.saved_tensors
        exponent = self.exponent
        if exponent == 0:
            return (grad * 0,)
        return (grad * exponent * _pow(base, exponent - 1),)


def _pow(t: Tensor, exponent: float) -> Tensor:
    """``t ** exponent`` for a real tensor and a Python number (differentiable)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        result = wrap(np.power(t._data, exponent).astype(t._data.dtype, copy=False))
    if _recording(t):
        node = PowBackward0((t,), result)
        node.save(t)
        node.exponent = exponent
    return result


class RealBackward0(Node):
    def backward(self, grad):
        return (grad.to(self.complex_dtype),)


def _real(t: Tensor) -> Tensor:
    """The real part of a complex tensor as a new tensor (differentiable)."""
    if t._data.dtype.kind != "c":
        return t
    result = wrap(contiguous_array(t._data.real))
    if _recording(t):
        RealBackward0((t,), result).complex_dtype = t.dtype
    return result


class AmaxBackward0(Node):
    # The gradient is shared evenly between tied maxima, as PyTorch does.
    def backward(self, grad):
        mask = self.mask
        if not self.keepdim:
            grad = grad.reshape(self.keep_shape)
        return (grad.expand(mask._data.shape) * mask,)


class AminBackward0(AmaxBackward0):
    pass


def _extreme(t: Tensor, dim: int, keepdim: bool, largest: bool) -> Tensor:
    arr = t._data
    if arr.shape[dim] == 0:
        if not largest:   # PyTorch's amin refuses the empty set; its amax path gives 0 here
            raise IndexError(f"amin(): Expected reduction dim {dim} to have non-zero size.")
        # An empty matrix has norm 0, a constant that PyTorch returns without a gradient.
        shape = list(arr.shape)
        shape[dim] = 1
        value = np.zeros(shape, arr.dtype)
        return wrap(value if keepdim else np.squeeze(value, axis=dim))
    value = arr.max(axis=dim, keepdims=True) if largest else arr.min(axis=dim, keepdims=True)
    hits = arr == value
    with np.errstate(invalid="ignore"):  # a NaN extreme has no hits: 0/0, silently as in PyTorch
        share = hits / hits.sum(axis=dim, keepdims=True)
    result = wrap(value if keepdim else np.squeeze(value, axis=dim))
    if _recording(t):
        node = (AmaxBackward0 if largest else AminBackward0)((t,), result)
        node.mask = _const(share.astype(arr.dtype))
        node.keepdim, node.keep_shape = keepdim, value.shape
    return result


class WhereBackward0(Node):
    def backward(self, grad):
        return (grad * self.keep,)


def _nan_where(t: Tensor, mask) -> Tensor:
    """``where(mask, nan, t)`` with the gradient flowing only where the value is kept."""
    result = wrap(np.where(mask, np.nan, t._data).astype(t._data.dtype))
    if _recording(t):
        WhereBackward0((t,), result).keep = _const((~mask).astype(t._data.dtype))
    return result


# ================================================================================================
# Unblocked factorizations (vectorized over the batch) for pivots, failure indices and _ex ops
# ================================================================================================

def _pivot_magnitude(arr):
    # LAPACK picks complex pivots by |re| + |im|.
    return np.abs(arr.real) + np.abs(arr.imag) if arr.dtype.kind == "c" else np.abs(arr)


def _lu_arrays(a):
    """Partial-pivoting LU like LAPACK's getrf: packed LU, 1-based int32 pivots, int32 info."""
    shape = a.shape
    m, n = shape[-2:]
    k = min(m, n)
    if a.size == 0 or not holds_values(a):
        # Nothing to factor (or, on the meta device, no values): the shapes are all there is.
        return (a.copy(), np.zeros(shape[:-2] + (k,), np.int32, like=a),
                np.zeros(shape[:-2], np.int32, like=a))
    lu = np.array(a, dtype=a.dtype, copy=True).reshape((-1, m, n))
    count = lu.shape[0]
    pivots = np.zeros((count, k), np.int32)
    info = np.zeros(count, np.int32)
    everyone = np.arange(count)
    for j in range(k):
        p = j + np.argmax(_pivot_magnitude(lu[:, j:, j]), axis=1)
        pivots[:, j] = p + 1
        moved = everyone[p != j]
        if moved.size:
            rows_j = lu[moved, j].copy()
            lu[moved, j] = lu[moved, p[moved]]
            lu[moved, p[moved]] = rows_j
        pivot = lu[:, j, j]
        zero = pivot == 0
        info[(info == 0) & zero] = j + 1
        safe = np.where(zero, 1, pivot)
        lu[:, j + 1:, j] /= safe[:, None]
        lu[:, j + 1:, j + 1:] -= lu[:, j + 1:, j, None] * lu[:, j, None, j + 1:]
    batch = shape[:-2]
    return lu.reshape(shape), pivots.reshape(batch + (k,)), info.reshape(batch)


def _cholesky_arrays(a):
    """Unblocked lower Cholesky that stops at the first non-positive pivot (LAPACK potf2's
    output on failure); returns (L, info)."""
    shape = a.shape
    n = shape[-1]
    if not holds_values(a):
        return a.copy(), np.zeros(shape[:-2], np.int32, like=a)
    work = np.tril(np.array(a, copy=True)).reshape((-1, n, n))
    info = np.zeros(work.shape[0], np.int32)
    for j in range(n):
        active = info == 0
        row = work[:, j, :j]
        ajj = (work[:, j, j] - np.einsum("bi,bi->b", row, row.conj())).real
        failed = active & ~(ajj > 0)
        info[failed] = j + 1
        work[failed, j, j] = ajj[failed]
        go = active & ~failed
        if not go.any():
            continue
        root = np.sqrt(np.where(go, ajj, 1))
        work[go, j, j] = root[go]
        below = work[:, j + 1:, j] - np.einsum("bij,bj->bi", work[:, j + 1:, :j], row.conj())
        work[go, j + 1:, j] = (below / root[:, None])[go]
    return work.reshape(shape), info.reshape(shape[:-2])


def _triangular_solve_arrays(a, b, upper: bool, unit: bool):
    """Solve a @ x = b with a's ``upper``/lower triangle (b is a batch of matrices)."""
    n = a.shape[-1]
    tri = np.triu(a) if upper else np.tril(a)
    if unit:
        tri = tri.copy()
        tri[..., np.arange(n), np.arange(n)] = 1
    batch = broadcast_batch(tri.shape[:-2], b.shape[:-2])
    tri = np.broadcast_to(tri, batch + tri.shape[-2:])
    b = np.broadcast_to(b, batch + b.shape[-2:])
    dtype = np.result_type(tri.dtype, b.dtype)
    if n == 0 or b.shape[-1] == 0 or not holds_values(tri):
        return np.zeros(b.shape, dtype, like=tri)
    diagonal = tri[..., np.arange(n), np.arange(n)]
    if np.all(diagonal != 0) and np.all(np.isfinite(tri)):
        return np.linalg.solve(tri, b).astype(dtype, copy=False)
    # A zero on the diagonal: substitute row by row so infinities and NaNs appear where a
    # triangular solver (trsm) would put them, instead of an error.
    x = np.zeros(b.shape, dtype)
    order = range(n - 1, -1, -1) if upper else range(n)
    with np.errstate(divide="ignore", invalid="ignore"):
        for i in order:
            span = slice(i + 1, n) if upper else slice(0, i)
            rest = np.einsum("...j,...jk->...k", tri[..., i, span], x[..., span, :])
            x[..., i, :] = (b[..., i, :] - rest) / tri[..., i, i, None]
    return x


# ================================================================================================
# Norms
# ================================================================================================

def _norm_dims(dim, ndim: int) -> tuple:
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (int, np.integer)):
        return (_wrap_dim(dim, ndim),)
    dims = tuple(_wrap_dim(d, ndim) for d in dim)
    if len(set(dims)) != len(dims):
        raise RuntimeError(f"dim {dims[0]} appears multiple times in the list of dims")
    return dims if dims else tuple(range(ndim))


def _vector_norm_array(a, ord, axis, keepdim):
    magnitude = np.abs(a)
    if ord == 0:
        return (magnitude != 0).sum(axis=axis, keepdims=keepdim).astype(magnitude.dtype)
    if ord == 1:
        return magnitude.sum(axis=axis, keepdims=keepdim)
    if ord == 2:
        return np.sqrt((magnitude * magnitude).sum(axis=axis, keepdims=keepdim))
    if ord == _INF:
        return magnitude.max(axis=axis, keepdims=keepdim)
    if ord == -_INF:
        return magnitude.min(axis=axis, keepdims=keepdim)
    with np.errstate(divide="ignore", over="ignore"):
        return (magnitude ** ord).sum(axis=axis, keepdims=keepdim) ** (1.0 / ord)


class LinalgVectorNormBackward0(Node):
    def backward(self, grad):
        x, norm = self.saved_tensors
        return (vector_norm_backward(grad, x, self.ord, norm, self.dims, self.keepdim),)


def vector_norm_backward(grad, x, ord, norm, dims, keepdim):
    """Gradient of ``vector_norm(x, ord, dims, keepdim)`` (PyTorch's norm_backward)."""
    shape = x._data.shape
    if not keepdim and dims:
        kept = tuple(1 if i in dims else s for i, s in enumerate(shape))
        grad = grad.reshape(kept)
        norm = norm.reshape(kept)
    real_dtype = _real_dtype(x._data.dtype)
    norm_values = norm._data
    zero_norm = norm_values == 0
    nonzero_scale = _const((~zero_norm).astype(real_dtype))
    safe_norm = norm + _const(zero_norm.astype(real_dtype))
    if ord == 0:
        return x * 0
    if ord == 1:
        return _sign_const(x) * grad
    if ord == 2:
        return x * (grad / safe_norm * nonzero_scale)
    if ord in (_INF, -_INF):
        hits = np.abs(x._data) == norm_values
        axis = tuple(dims)
        share = hits / np.maximum(hits.sum(axis=axis, keepdims=True), 1)
        return _sign_const(x) * _const(share.astype(real_dtype)) * grad
    x_zero = _const((x._data == 0).astype(real_dtype))
    x_nonzero = _const((x._data != 0).astype(real_dtype))
    magnitude = _abs(x)
    if ord < 1:
        scaled = _sign_const(x) * _pow(magnitude + x_zero, ord - 1) * x_nonzero
        return scaled * grad * _pow(norm, 1 - ord)
    scale = grad / _pow(safe_norm, ord - 1) * nonzero_scale
    if ord < 2:
        return _sign_const(x) * _pow(magnitude, ord - 1) * scale
    return x * _pow(magnitude, ord - 2) * scale


def _norm_input(x: Tensor, dtype, op: str) -> Tensor:
    arr = x._data
    if dtype is not None:
        if not (dtype.is_floating_point or dtype.is_complex):
            raise RuntimeError(f"{op}: dtype should be floating point or complex. Got "
                               f"{type_word(np.empty(0, dtype.np))}")
        if arr.dtype.kind not in "fc" and arr.dtype not in _HALF_TYPES:
            raise RuntimeError(f"{op}: Expected a floating point or complex tensor as input. Got "
                               f"{type_word(arr)}")
        wanted = type_word(np.empty(0, dtype.np))
        if arr.dtype.kind == "c" and not dtype.is_complex:
            raise RuntimeError(f"{op}: dtype should be complex for complex inputs, but got "
                               f"{wanted}")
        if arr.dtype.kind != "c" and dtype.is_complex:
            raise RuntimeError(f"{op}: dtype should be real for real inputs, but got {wanted}")
        if D.promote_types(x.dtype, dtype) is not dtype:
            raise RuntimeError(f"{op}: the dtype of the input ({type_word(arr)}) should be "
                               f"convertible without narrowing to the specified dtype "
                               f"({wanted})")
        return x.to(dtype) if x.dtype is not dtype else x
    if arr.dtype.kind not in "fc" and arr.dtype not in _HALF_TYPES:
        raise RuntimeError(f"{op}: Expected a floating point or complex tensor as input. Got "
                           f"{type_word(arr)}")
    return x


def vector_norm(x: Tensor, ord=2, dim=None, keepdim: bool = False, *, dtype=None,
                out=None) -> Tensor:
    """The vector ``ord``-norm over ``dim`` (all elements by default); real-valued."""
    if isinstance(ord, (str, bool)) or not isinstance(ord, (int, float, np.number)):
        if isinstance(ord, Tensor):
            ord = ord.item()
        else:
            raise TypeError(f"linalg_vector_norm(): argument 'ord' (position 2) must be Number, "
                            f"not {type(ord).__name__}")
    x = _norm_input(x, dtype, "linalg.vector_norm")
    arr = x._data
    dims = _norm_dims(dim, arr.ndim)
    if ord in (_INF, -_INF) or ord < 0:
        if any(arr.shape[d] == 0 for d in dims) or (arr.size == 0 and not dims):
            raise RuntimeError(f"linalg.vector_norm cannot compute the {ord} norm on an empty "
                               f"tensor because the operation does not have an identity")
    compute = arr.astype(np.float32) if arr.dtype in _HALF_TYPES else arr
    axis = dims if arr.ndim else None
    value = result_array(_vector_norm_array(compute, ord, axis, keepdim and arr.ndim > 0))
    result = wrap(value.astype(_real_dtype(arr.dtype) if arr.dtype not in _HALF_TYPES
                               else arr.dtype, copy=False))
    if _recording(x):
        node = LinalgVectorNormBackward0((x,), result)
        node.save(x, result)
        node.ord, node.dims, node.keepdim = ord, dims if arr.ndim else (), keepdim
    return _finish(result, out, "linalg.vector_norm")


def _move_to_end(A: Tensor, d0: int, d1: int) -> Tensor:
    ndim = A._data.ndim
    order = [d for d in range(ndim) if d not in (d0, d1)] + [d0, d1]
    return A if order == list(range(ndim)) else A.permute(order)


def _restore_kept(t: Tensor, d0: int, d1: int) -> Tensor:
    for d in sorted((d0, d1)):
        t = t.unsqueeze(d)
    return t


def matrix_norm(A: Tensor, ord="fro", dim=(-2, -1), keepdim: bool = False, *, dtype=None,
                out=None) -> Tensor:
    """Matrix norm: 'fro', 'nuc', ±1 (max column sum), ±inf (max row sum), ±2 (singular
    values)."""
    arr = A._data
    if arr.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 "
                           "dimensions.")
    A = _norm_input(A, dtype, "linalg.matrix_norm")
    dims = tuple(dim)
    if len(dims) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got "
                           f"{' '.join(str(d) for d in dims)}")
    d0, d1 = (_wrap_dim(d, arr.ndim) for d in dims)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dims[0]}, "
                           f"{dims[1]})")
    if isinstance(ord, str):
        if ord == "fro":
            return vector_norm(A, 2, (d0, d1), keepdim, out=out)
        if ord != "nuc":
            raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
        _check_svd_precision(arr)
        values = linalg_svdvals(_move_to_end(A, d0, d1))
        result = values.sum(-1)
    else:
        if ord not in (1, -1, 2, -2, _INF, -_INF):
            raise RuntimeError(f"linalg.matrix_norm: Order {_ord_text(ord)} not supported.")
        if abs(ord) == 2:
            _check_svd_precision(arr)
            values = linalg_svdvals(_move_to_end(A, d0, d1))
            result = _extreme(values, -1, False, ord > 0)
        else:
            summed_dim, kept_dim = (d0, d1) if abs(ord) == 1 else (d1, d0)
            sums = _abs(A).sum(summed_dim, keepdim=keepdim)
            if not keepdim and summed_dim < kept_dim:
                kept_dim -= 1
            result = _extreme(sums, kept_dim, keepdim, ord > 0)
            return _finish(result, out, "linalg.matrix_norm")
    if keepdim:
        result = _restore_kept(result, d0, d1)
    return _finish(result, out, "linalg.matrix_norm")


def _check_svd_precision(arr) -> None:
    # Norms from singular values refuse half types by the input's own dtype (before dtype=).
    if arr.dtype in _HALF_TYPES:
        raise RuntimeError(f"linalg.matrix_norm: Low precision dtypes not supported. Got "
                           f"{type_word(arr)}")


def _ord_text(ord) -> str:
    if isinstance(ord, float) and ord.is_integer():
        return str(int(ord))
    return str(ord)


def linalg_norm(A: Tensor, ord=None, dim=None, keepdim: bool = False, *, out=None,
                dtype=None) -> Tensor:
    """Vector or matrix norm, chosen from ``dim`` (and the input's rank when dim is None)."""
    if dim is not None:
        dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
        if len(dims) == 1:
            return vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype, out=out)
        return matrix_norm(A, "fro" if ord is None else ord, dims, keepdim, dtype=dtype,
                           out=out)
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype, out=out)
    ndim = A._data.ndim
    if ndim not in (1, 2):
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be "
                           f"1D or 2D. Got {ndim}D.")
    if ndim == 1 and not isinstance(ord, str):
        return vector_norm(A, ord, None, keepdim, dtype=dtype, out=out)
    return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype, out=out)


def norm(input: Tensor, p="fro", dim=None, keepdim: bool = False, out=None,
         dtype=None) -> Tensor:
    """The legacy ``torch.norm``: a vector norm over ``dim`` for numeric ``p`` or 'fro', the
    nuclear norm for 'nuc'."""
    if isinstance(dim, (int, np.integer)):
        dim = (int(dim),)
    if isinstance(p, str):
        if p == "fro" and (dim is None or len(dim) <= 2):
            return vector_norm(input, 2, dim, keepdim, dtype=dtype, out=out)
        dims = tuple(range(input._data.ndim)) if dim is None else dim
        return matrix_norm(input, p, dims, keepdim, dtype=dtype, out=out)
    return vector_norm(input, 2.0 if p is None else p, dim, keepdim, dtype=dtype, out=out)


class DistBackward0(Node):
    def backward(self, grad):
        a, b, result = self.saved_tensors
        diff = a - b
        g = vector_norm_backward(grad, diff, self.p, result, tuple(range(diff.ndim)), False)
        return (g if self._next[0] is not None else None,
                -g if self._next[1] is not None else None)


def dist(input: Tensor, other: Tensor, p=2) -> Tensor:
    """``norm(input - other, p)`` over all elements (operands broadcast)."""
    for t in (input, other):
        if t._data.dtype.kind not in "fc" and t._data.dtype not in _HALF_TYPES:
            raise RuntimeError(f"norm(): input dtype should be either floating point or complex. "
                               f"Got {type_word(t._data)} instead.")
    with _no_grad():
        diff = input - other
        result = vector_norm(diff, p)
    if _recording(input, other):
        node = DistBackward0((input, other), result)
        node.save(input, other, result)
        node.p = p
    return result


class RenormBackward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        dims, p, maxnorm = self.dims, self.p, self.maxnorm
        norm_value = vector_norm(x, p, dims, True)
        projected = _real(conj(x) * grad).sum(dims, keepdim=True)
        nb = vector_norm_backward(projected, x, p, norm_value, dims, True)
        inverse = (norm_value + 1e-7).reciprocal()
        factor = inverse * maxnorm
        over = _const((norm_value._data > maxnorm).astype(_real_dtype(x._data.dtype)))
        return (over * (factor * grad - factor * inverse * nb) + (1 - over) * grad,)


def renorm(input: Tensor, p, dim: int, maxnorm) -> Tensor:
    """Rescale each slice along ``dim`` whose p-norm exceeds ``maxnorm`` down to ``maxnorm``."""
    arr = input._data
    if arr.dtype.kind not in "fc" and arr.dtype not in _HALF_TYPES:
        raise RuntimeError(f"renorm: Expected a floating point or complex tensor as input. Got "
                           f"{type_word(arr)}")
    if p <= 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    if arr.ndim <= 1:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {arr.ndim} "
                           f"dimensions")
    axis = _wrap_dim(dim, arr.ndim)
    dims = tuple(d for d in range(arr.ndim) if d != axis)
    compute = arr.astype(np.float32) if arr.dtype in _HALF_TYPES else arr
    norms = _vector_norm_array(compute, p, dims, True)
    factor = np.where(norms > maxnorm, maxnorm / (norms + 1e-7), 1.0)
    result = wrap((compute * factor).astype(arr.dtype))
    if _recording(input):
        node = RenormBackward0((input,), result)
        node.save(input)
        node.dims, node.p, node.maxnorm = dims, p, maxnorm
    return result




# ================================================================================================
# Inverse, determinant, slogdet
# ================================================================================================

class LinalgInvExBackward0(Node):
    def backward(self, grad):
        (inverse,) = self.saved_tensors
        inverse_h = mH(inverse)
        return (-(inverse_h.matmul(grad).matmul(inverse_h)),)


def _inverse_arrays(a):
    """(inverse, info) for a batch; singular matrices give NaN-filled inverses and info > 0."""
    try:
        return np.linalg.inv(a), np.zeros(a.shape[:-2], np.int32, like=a)
    except np.linalg.LinAlgError:
        _, _, info = _lu_arrays(a)
        singular = info != 0
        n = a.shape[-1]
        safe = np.where(singular[..., None, None], np.eye(n, dtype=a.dtype), a)
        inverse = np.linalg.inv(safe)
        inverse[singular] = np.nan
        return inverse, info


def _inverse_raise(arr, info, op: str = "linalg.inv") -> None:
    if np.any(info != 0):
        index = _first_failure(info)
        element = int(result_array(info).reshape(-1)[index])
        raise _lin_alg_error(f"{op}: {_batch_prefix(arr, index)}The diagonal element {element} "
                             f"is zero, the inversion could not be completed because the input "
                             f"matrix is singular.")


def linalg_inv_ex(A: Tensor, *, check_errors: bool = False, out=None):
    """(inverse, info): info is 0 where the inverse exists, else the index of a zero pivot."""
    arr = _check_input(A, "linalg.inv")
    inverse, info = _inverse_arrays(arr)
    if check_errors:
        _inverse_raise(arr, info, "linalg.inv_ex")
    result = wrap(inverse.astype(arr.dtype, copy=False))
    if _recording(A):
        LinalgInvExBackward0((A,), result).save(result)
    return _finish(RT.linalg_inv_ex((result, wrap(info))), out, "linalg.inv_ex")


def linalg_inv(A: Tensor, *, out=None) -> Tensor:
    """The inverse of a square matrix (batched); LinAlgError when singular."""
    arr = _check_input(A, "linalg.inv")
    inverse, info = _inverse_arrays(arr)
    _inverse_raise(arr, info)
    result = wrap(inverse.astype(arr.dtype, copy=False))
    if _recording(A):
        LinalgInvExBackward0((A,), result).save(result)
    return _finish(result, out, "linalg.inv")


def inverse(input: Tensor, *, out=None) -> Tensor:
    """Alias of linalg.inv."""
    return linalg_inv(input, out=out)


class LinalgDetBackward0(Node):
    def backward(self, grad):
        A, det = self.saved_tensors
        scale = (grad * conj(det)).unsqueeze(-1).unsqueeze(-1)
        singular = det._data == 0
        if not singular.any():
            return (scale * mH(linalg_inv(A)),)
        # Singular matrices have no inverse: their cofactors come from the SVD instead.
        n = A._data.shape[-1]
        mask = _const(singular[..., None, None].astype(A._data.dtype))
        safe = A * (1 - mask) + _eye(n, A._data.dtype, A) * mask
        regular = scale * mH(linalg_inv(safe)) * (1 - mask)
        cofactor = _svd_cofactor(A._data)
        singular_part = scale * _const(np.conj(cofactor)) * mask
        return (regular + singular_part,)


def _svd_cofactor(a):
    u, s, vh = np.linalg.svd(a)
    n = s.shape[-1]
    others = np.ones(s.shape[:-1] + (n, n), s.dtype)
    others = np.where(np.eye(n, dtype=bool), 1, s[..., None, :] * others)
    products = others.prod(-1)
    phase = np.linalg.det(u) * np.linalg.det(vh)
    return phase[..., None, None] * np.matmul(u * products[..., None, :], vh)


def linalg_det(A: Tensor, *, out=None) -> Tensor:
    """Determinant of square matrices (batched)."""
    arr = _check_input(A, "linalg.det")
    result = wrap(result_array(np.linalg.det(arr)).astype(arr.dtype, copy=False))
    if _recording(A):
        LinalgDetBackward0((A,), result).save(A, result)
    return _finish(result, out, "linalg.det")


def det(input: Tensor) -> Tensor:
    """Alias of linalg.det."""
    return linalg_det(input)


class LinalgSlogdetBackward0(Node):
    def backward(self, grad):
        A, sign = self.saved_tensors
        if self.output_index == 0:
            if A._data.dtype.kind != "c":
                return (None,)
            # Only the phase of a complex sign moves: -i Im(conj(g) sign) A^{-H}.
            weight = _imaginary_unit(A) * -1 * _imag_of(conj(grad) * sign)
        else:
            weight = grad
        inverse_h = mH(linalg_inv_ex(A)[0])
        return (weight.unsqueeze(-1).unsqueeze(-1) * inverse_h,)


def _imaginary_unit(A: Tensor) -> Tensor:
    return _const(np.asarray(1j, dtype=A._data.dtype))


def _imag_of(t: Tensor) -> Tensor:
    return _real(t * _const(np.asarray(-1j, dtype=t._data.dtype)))


def linalg_slogdet(A: Tensor, *, out=None):
    """(sign, log|det|) of square matrices; sign is a unit complex number for complex input."""
    arr = _check_input(A, "linalg.slogdet")
    sign, logabs = np.linalg.slogdet(arr)
    sign_t = wrap(result_array(sign).astype(arr.dtype, copy=False))
    logabs_t = wrap(result_array(logabs).astype(_real_dtype(arr.dtype), copy=False))
    if _recording(A):
        node = LinalgSlogdetBackward0((A,), logabs_t)
        node.save(A, sign_t)
        node.output_index = 1
        node = LinalgSlogdetBackward0((A,), sign_t)
        node.save(A, sign_t)
        node.output_index = 0
    return _finish(RT.linalg_slogdet((sign_t, logabs_t)), out, "linalg.slogdet")


def slogdet(input: Tensor, *, out=None):
    """Legacy ``torch.slogdet``: (sign, logabsdet)."""
    sign, logabs = linalg_slogdet(input)
    return _finish(RT.slogdet((sign, logabs)), out, "slogdet")


class LogdetBackward0(Node):
    def backward(self, grad):
        (A,) = self.saved_tensors
        return (grad.unsqueeze(-1).unsqueeze(-1) * mH(linalg_inv_ex(A)[0]),)


def logdet(input: Tensor) -> Tensor:
    """log(det(A)); NaN for real matrices with a negative determinant."""
    arr = _check_input(input, "logdet")
    if arr.dtype.kind == "c":
        sign, logabs = np.linalg.slogdet(arr)
        result = wrap(result_array(np.log(sign) + logabs).astype(arr.dtype))
        if _recording(input):
            LogdetBackward0((input,), result).save(input)
        return result
    sign, logabs = linalg_slogdet(input)
    return _nan_where(logabs, sign._data == -1)


# ================================================================================================
# Solvers
# ================================================================================================

def _is_vector_rhs(A, B) -> bool:
    return B.ndim == 1 or (B.ndim == A.ndim - 1 and B.shape == A.shape[:-1])


class LinalgSolveExBackward0(Node):
    def backward(self, grad):
        A, X = self.saved_tensors
        left, vector = self.left, self.vector
        if vector:
            grad, X = grad.unsqueeze(-1), X.unsqueeze(-1)
        gB = linalg_solve(mH(A), grad, left=left)
        gA = None
        if self._next[0] is not None:
            gA = -gB.matmul(mH(X)) if left else -mH(X).matmul(gB)
        if vector:
            gB = gB.squeeze(-1)
        return gA, (gB if self._next[1] is not None else None)


def _check_equation_shapes(op: str, n: int, b, left: bool) -> None:
    """PyTorch's error when B does not fit an n x n A in AX = B (or XA = B)."""
    if (b.shape[-2] if left else b.shape[-1]) != n:
        equation = "AX = B" if left else "XA = B"
        raise RuntimeError(f"{op}: Incompatible shapes of A and B for the equation {equation} "
                           f"({n}x{n} and {b.shape[-2]}x{b.shape[-1]})")


def _solve_arrays(a, b, left: bool):
    """X with a @ X = b (left) or X @ a = b, broadcasting batches; info > 0 where singular."""
    if not left:
        x, info = _solve_arrays(np.swapaxes(a, -1, -2), np.swapaxes(b, -1, -2), True)
        return np.swapaxes(x, -1, -2), info
    batch = broadcast_batch(a.shape[:-2], b.shape[:-2])
    a_full = np.broadcast_to(a, batch + a.shape[-2:])
    b_full = np.broadcast_to(b, batch + b.shape[-2:])
    try:
        return np.linalg.solve(a_full, b_full), np.zeros(a.shape[:-2], np.int32, like=a)
    except np.linalg.LinAlgError:
        # info describes A alone (its batch shape), as PyTorch reports it.
        _, _, info = _lu_arrays(a)
        singular = np.broadcast_to(info != 0, batch)
        n = a.shape[-1]
        safe = np.where(singular[..., None, None], np.eye(n, dtype=a.dtype), a_full)
        x = np.linalg.solve(safe, b_full)
        x[singular] = np.nan
        return x, info


def _solve(A: Tensor, B: Tensor, left: bool, check_errors: bool, op: str,
           reported: str = "linalg.solve"):
    a, b = A._data, B._data
    _check_matrix(a, op)
    _check_floating(a, op)
    if b.dtype != a.dtype:
        raise RuntimeError(f"{op}: Expected A and B to have the same dtype, but found A of type "
                           f"{type_word(a)} and B of type {type_word(b)} instead")
    vector = _is_vector_rhs(a, b)
    b_matrix = b[..., None] if vector else b
    if b_matrix.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor B must have at least 2 dimensions.")
    _check_equation_shapes("linalg.solve", a.shape[-1], b_matrix, left)
    x, info = _solve_arrays(a, b_matrix, left)
    if check_errors and np.any(info != 0):
        index = _first_failure(info)
        raise _lin_alg_error(f"torch.{reported}: {_batch_prefix(a, index)}The solver failed "
                             f"because the input matrix is singular.")
    if vector:
        x = x[..., 0]
    result = wrap(contiguous_array(x).astype(a.dtype, copy=False))
    if _recording(A, B):
        node = LinalgSolveExBackward0((A, B), result)
        node.save(A, result)
        node.left, node.vector = left, vector
    return result, wrap(info)


def linalg_solve(A: Tensor, B: Tensor, *, left: bool = True, out=None) -> Tensor:
    """X with ``A @ X = B`` (or ``X @ A = B`` when left=False); B may be a (batch of) vector."""
    result, _ = _solve(A, B, left, True, "linalg.solve")
    return _finish(result, out, "linalg.solve")


def linalg_solve_ex(A: Tensor, B: Tensor, *, left: bool = True, check_errors: bool = False,
                    out=None):
    """(solution, info) of linalg.solve without raising on singular input."""
    result, info = _solve(A, B, left, check_errors, "linalg.solve", "linalg.solve_ex")
    return _finish(RT.linalg_solve_ex((result, info)), out, "linalg.solve_ex")


class LinalgSolveTriangularBackward0(Node):
    def backward(self, grad):
        A, X = self.saved_tensors
        upper, left, unit = self.upper, self.left, self.unitriangular
        gB = solve_triangular(mH(A), grad, upper=not upper, left=left, unitriangular=unit)
        gA = None
        if self._next[0] is not None:
            gA = -gB.matmul(mH(X)) if left else -mH(X).matmul(gB)
            gA = _triu(gA, 1 if unit else 0) if upper else _tril(gA, -1 if unit else 0)
        return gA, (gB if self._next[1] is not None else None)


class TriangularSolveBackward0(LinalgSolveTriangularBackward0):
    pass


def _triangular(A: Tensor, B: Tensor, upper: bool, left: bool, unit: bool, op: str,
                node_cls) -> Tensor:
    a, b = A._data, B._data
    _check_floating(a, op)
    if a.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor A must have at least 2 dimensions.")
    if b.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor B must have at least 2 dimensions.")
    if a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"{op}: A must be batches of square matrices, but they are "
                           f"{a.shape[-2]} by {a.shape[-1]} matrices")
    if a.dtype != b.dtype:
        raise RuntimeError(f"{op}: Expected A and B to have the same dtype, but found A of type "
                           f"{type_word(a)} and B of type {type_word(b)} instead")
    n = a.shape[-1]
    _check_equation_shapes(op, n, b, left)
    if left:
        x = _triangular_solve_arrays(a, b, upper, unit)
    else:
        x = np.swapaxes(_triangular_solve_arrays(np.swapaxes(a, -1, -2), np.swapaxes(b, -1, -2),
                                                 not upper, unit), -1, -2)
    result = wrap(contiguous_array(x).astype(a.dtype, copy=False))
    if _recording(A, B):
        node = node_cls((A, B), result)
        node.save(A, result)
        node.upper, node.left, node.unitriangular = upper, left, unit
    return result


def solve_triangular(A: Tensor, B: Tensor, *, upper: bool, left: bool = True,
                     unitriangular: bool = False, out=None) -> Tensor:
    """Solve with a triangular A (only its ``upper`` or lower triangle is read)."""
    result = _triangular(A, B, upper, left, unitriangular, "linalg.solve_triangular",
                         LinalgSolveTriangularBackward0)
    return _finish(result, out, "linalg.solve_triangular")


def triangular_solve(input: Tensor, A: Tensor, upper: bool = True, transpose: bool = False,
                     unitriangular: bool = False, *, out=None):
    """Legacy solver: (solution of op(A) X = input, a copy of A)."""
    coefficient = mT(A) if transpose else A
    effective_upper = upper != transpose
    solution = _triangular(coefficient, input, effective_upper, True, unitriangular,
                           "triangular_solve", TriangularSolveBackward0)
    return _finish(RT.triangular_solve((solution, A.clone())), out, "triangular_solve")


# ================================================================================================
# Cholesky
# ================================================================================================

class LinalgCholeskyExBackward0(Node):
    def backward(self, grad):
        (L,) = self.saved_tensors
        if self.upper:
            L, grad = mH(L), mH(grad)
        gA = _tril(mH(L).matmul(grad))
        gA = 0.5 * (gA + mH(_tril(gA, -1)))
        gA = solve_triangular(mH(L), gA, upper=True, left=True)
        gA = solve_triangular(L, gA, upper=False, left=False)
        return (gA,)


class CholeskyBackward0(LinalgCholeskyExBackward0):
    pass


def _cholesky(A: Tensor, upper: bool, op: str, check_errors: bool, node_cls):
    arr = _check_input(A, op)
    try:
        factor = np.linalg.cholesky(arr)
        info = np.zeros(arr.shape[:-2], np.int32, like=arr)
    except np.linalg.LinAlgError:
        factor, info = _cholesky_arrays(arr)
        if check_errors:
            index = _first_failure(info)
            order = int(result_array(info).reshape(-1)[index])
            raise _lin_alg_error(f"{op}: {_batch_prefix(arr, index)}The factorization could not "
                                 f"be completed because the input is not positive-definite (the "
                                 f"leading minor of order {order} is not positive-definite).")
    if upper:
        factor = np.conj(np.swapaxes(factor, -1, -2))
    result = wrap(contiguous_array(factor).astype(arr.dtype, copy=False))
    if _recording(A):
        node = node_cls((A,), result)
        node.save(result)
        node.upper = upper
    return result, wrap(info)


def linalg_cholesky(A: Tensor, *, upper: bool = False, out=None) -> Tensor:
    """Cholesky factor L (A = L L^H) of Hermitian positive-definite matrices, or U = L^H."""
    result, _ = _cholesky(A, upper, "linalg.cholesky", True, LinalgCholeskyExBackward0)
    return _finish(result, out, "linalg.cholesky")


def linalg_cholesky_ex(A: Tensor, *, upper: bool = False, check_errors: bool = False, out=None):
    """(L, info) where info is the order of the first non-positive-definite leading minor."""
    result, info = _cholesky(A, upper, "linalg.cholesky", check_errors,
                             LinalgCholeskyExBackward0)
    return _finish(RT.linalg_cholesky_ex((result, info)), out, "linalg.cholesky_ex")


def cholesky(input: Tensor, upper: bool = False, *, out=None) -> Tensor:
    """Legacy ``torch.cholesky`` (deprecated in favour of linalg.cholesky)."""
    warnings.warn("torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be "
                  "removed in a future PyTorch release.", UserWarning, stacklevel=2)
    result, _ = _cholesky(input, upper, "cholesky", True, CholeskyBackward0)
    return _finish(result, out, "cholesky")


class CholeskySolveBackward0(Node):
    def backward(self, grad):
        L, X = self.saved_tensors
        upper = self.upper
        gB = cholesky_solve(grad, L, upper)
        gL = None
        if self._next[1] is not None:
            common = gB.matmul(mH(X))
            common = common + mH(common)
            gL = -L.matmul(common) if upper else -common.matmul(L)
        return (gB if self._next[0] is not None else None), gL


def cholesky_solve(input: Tensor, input2: Tensor, upper: bool = False, *, out=None) -> Tensor:
    """Solve A X = B given A's Cholesky factor (``input2``) and B (``input``)."""
    b, factor = input._data, input2._data
    if b.ndim < 2:
        raise RuntimeError(f"b should have at least 2 dimensions, but has {b.ndim} dimensions "
                           f"instead")
    if factor.ndim < 2:
        raise RuntimeError(f"u should have at least 2 dimensions, but has {factor.ndim} "
                           f"dimensions instead")
    if b.dtype != factor.dtype:
        raise RuntimeError(f"Expected b and A to have the same dtype, but found b of type "
                           f"{type_word(b)} and A of type {type_word(factor)} instead.")
    _check_floating(factor, "cholesky_solve")
    lower = np.conj(np.swapaxes(factor, -1, -2)) if upper else factor
    y = _triangular_solve_arrays(lower, b, False, False)
    x = _triangular_solve_arrays(np.conj(np.swapaxes(lower, -1, -2)), y, True, False)
    result = wrap(contiguous_array(x).astype(b.dtype, copy=False))
    if _recording(input, input2):
        node = CholeskySolveBackward0((input, input2), result)
        node.save(input2, result)
        node.upper = upper
    return _finish(result, out, "cholesky_solve")


class CholeskyInverseBackward0(Node):
    def backward(self, grad):
        L, result = self.saved_tensors
        common = grad + mH(grad)
        common = result.matmul(common.matmul(result))
        return (-L.matmul(common) if self.upper else -common.matmul(L),)


def cholesky_inverse(input: Tensor, upper: bool = False, *, out=None) -> Tensor:
    """Inverse of A from its Cholesky factor (A = L L^H, or U^H U when upper)."""
    factor = _check_input(input, "cholesky_inverse")
    n = factor.shape[-1]
    lower = np.conj(np.swapaxes(factor, -1, -2)) if upper else factor
    identity = np.broadcast_to(np.eye(n, dtype=factor.dtype), factor.shape)
    lower_inverse = _triangular_solve_arrays(lower, identity, False, False)
    value = np.matmul(np.conj(np.swapaxes(lower_inverse, -1, -2)), lower_inverse)
    result = wrap(value.astype(factor.dtype, copy=False))
    if _recording(input):
        node = CholeskyInverseBackward0((input,), result)
        node.save(input, result)
        node.upper = upper
    return _finish(result, out, "cholesky_inverse")


# ================================================================================================
# QR
# ================================================================================================

class LinalgQrBackward0(Node):
    def backward(self, grad):
        Q, R = self.saved_tensors
        if self.mode == "r":
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed "
                               "when mode='r'. Please use linalg.qr(A, mode='reduced') if you are "
                               "going to differentiate through linalg.qr.")
        m, n = Q._data.shape[-2], R._data.shape[-1]
        if self.mode == "complete" and m > n:
            raise RuntimeError("The QR decomposition is not differentiable when mode='complete' "
                               "and nrows > ncols.")
        gQ, gR = (grad, None) if self.output_index == 0 else (None, grad)
        A = self.input_ref
        return (_qr_backward(gQ, gR, Q, R, A),)


def _qr_backward(gQ, gR, Q, R, A):
    m, n = Q._data.shape[-2], R._data.shape[-1]
    if m >= n:
        return _qr_backward_tall(gQ, gR, Q, R)
    # Wide input A = [X | Y]: X = Q U is a square QR and Y = Q V rides along.
    U = R[..., :, :m]
    gU = gR[..., :, :m] if gR is not None else None
    gV = gR[..., :, m:] if gR is not None else None
    Y = A[..., :, m:]
    gQ_total = gQ
    if gV is not None:
        extra = Y.matmul(mH(gV))
        gQ_total = extra if gQ_total is None else gQ_total + extra
    gX = _qr_backward_tall(gQ_total, gU, Q, U)
    # Joined side by side (not placed with selection matmuls) so that where X is singular
    # the NaNs of gX stay in its columns, as in PyTorch.
    if gV is not None:
        gY = Q.matmul(gV)
    else:
        gY = _const(np.zeros(gX._data.shape[:-1] + (n - m,), gX._data.dtype), gX)
    return _cat([gX, gY], -1)


def _qr_backward_tall(gQ, gR, Q, R):
    # M = R gR^H - gQ^H Q ; gA = (gQ + Q copyltu(M)) R^{-H}
    M = None
    if gR is not None:
        M = R.matmul(mH(gR))
    if gQ is not None:
        term = mH(gQ).matmul(Q)
        M = -term if M is None else M - term
    lower = _tril(M, -1)
    copied = lower + mH(lower) + _diag_embed(_real(_diagonal(M)).to(M.dtype)
                                             if M._data.dtype.kind == "c" else _diagonal(M))
    B = Q.matmul(copied)
    if gQ is not None:
        B = B + gQ
    return solve_triangular(mH(R), B, upper=False, left=False)


def linalg_qr(A: Tensor, mode: str = "reduced", *, out=None):
    """QR decomposition: (Q, R) with mode 'reduced', 'complete', or 'r' (Q empty)."""
    arr = A._data
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of "
                           f"'reduced' (default), 'r', or 'complete'")
    _check_matrix(arr, "linalg.qr", square=False)
    if arr.dtype in _HALF_TYPES:  # PyTorch's dtype dispatch of its QR kernel fails first
        raise NotImplementedError(f'"geqrf_cpu" not implemented for \'{type_word(arr)}\'')
    _check_floating(arr, "linalg.qr")
    m, n = arr.shape[-2:]
    if mode == "r":
        q = np.zeros((0,), arr.dtype, like=arr)  # PyTorch's Q is always this in mode 'r'
    if arr.size == 0:
        k = m if mode == "complete" else min(m, n)
        if mode != "r":
            q = np.broadcast_to(np.eye(m, k, dtype=arr.dtype), arr.shape[:-2] + (m, k)).copy()
        r = np.zeros(arr.shape[:-2] + (k, n), arr.dtype)
    else:
        # Householder reflectors take the sign opposite to a column's leading entry; PyTorch's
        # LAPACK (MKL) counts -0.0 as positive where NumPy's counts it as negative, so signed
        # zeros are made +0.0 first (adding zero does that) to get PyTorch's signs.
        unsigned = arr + 0.0
        if mode == "r":
            r = np.linalg.qr(unsigned, mode="r")
        else:
            q, r = np.linalg.qr(unsigned, mode=mode)
    Q = wrap(contiguous_array(q).astype(arr.dtype, copy=False))
    R = wrap(contiguous_array(r).astype(arr.dtype, copy=False))
    if _recording(A):
        for index, output in ((0, Q), (1, R)):
            node = LinalgQrBackward0((A,), output)
            node.save(Q, R)
            node.output_index, node.mode, node.input_ref = index, mode, A
    return _finish(RT.linalg_qr((Q, R)), out, "linalg.qr")


def qr(input: Tensor, some: bool = True, *, out=None):
    """Legacy ``torch.qr``: reduced (some=True) or complete QR."""
    Q, R = linalg_qr(input, "reduced" if some else "complete")
    return _finish(RT.qr((Q, R)), out, "qr")


# ================================================================================================
# Eigen decompositions
# ================================================================================================

class LinalgEighBackward0(Node):
    def backward(self, grad):
        L, V = self.saved_tensors
        dtype = V._data.dtype
        if self.output_index == 0:
            inner = _diag_embed(grad.to(D._BY_NP[dtype]) if dtype.kind == "c" else grad)
        else:
            VhgV = mH(V).matmul(grad)
            VhgV = 0.5 * (VhgV - mH(VhgV))
            n = L._data.shape[-1]
            gaps = L.unsqueeze(-2) - L.unsqueeze(-1) + _eye(n, L._data.dtype, L)
            off = _const(1 - np.eye(n, dtype=L._data.dtype), L)
            inner = VhgV / gaps.to(D._BY_NP[dtype]) * off if dtype.kind == "c" else \
                VhgV / gaps * off
        return (V.matmul(inner).matmul(mH(V)),)


def _check_uplo(UPLO: str) -> None:
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")


def linalg_eigh(A: Tensor, UPLO: str = "L", *, out=None):
    """Eigenvalues (ascending, real) and orthonormal eigenvectors of Hermitian matrices."""
    arr = _check_input(A, "linalg.eigh")
    _check_uplo(UPLO)
    values, vectors = np.linalg.eigh(arr, UPLO=UPLO)
    L = wrap(contiguous_array(values).astype(_real_dtype(arr.dtype), copy=False))
    V = wrap(contiguous_array(vectors).astype(arr.dtype, copy=False))
    if _recording(A):
        for index, output in ((0, L), (1, V)):
            node = LinalgEighBackward0((A,), output)
            node.save(L, V)
            node.output_index = index
    return _finish(RT.linalg_eigh((L, V)), out, "linalg.eigh")


def linalg_eigvalsh(A: Tensor, UPLO: str = "L", *, out=None) -> Tensor:
    """Eigenvalues (ascending) of Hermitian matrices."""
    arr = _check_input(A, "linalg.eigvalsh")
    _check_uplo(UPLO)
    if _recording(A):
        return _finish(linalg_eigh(A, UPLO)[0], out, "linalg.eigvalsh")
    values = np.linalg.eigvalsh(arr, UPLO=UPLO)
    result = wrap(contiguous_array(values).astype(_real_dtype(arr.dtype), copy=False))
    return _finish(result, out, "linalg.eigvalsh")


def _complex_dtype(np_dtype):
    return np.dtype(np.complex64) if np_dtype in (np.float32, np.complex64) else \
        np.dtype(np.complex128)


class LinalgEigBackward0(Node):
    def backward(self, grad):
        L, V = self.saved_tensors
        n = L._data.shape[-1]
        if self.output_index == 0:
            inner = _diag_embed(grad)
        else:
            VhgV = mH(V).matmul(grad)
            real_diagonal = _real(_diagonal(VhgV)).to(V.dtype)
            inner = VhgV - mH(V).matmul(V * real_diagonal.unsqueeze(-2))
            gaps = conj(L).unsqueeze(-2) - conj(L).unsqueeze(-1) + _eye(n, L._data.dtype, L)
            inner = inner / gaps * _const(1 - np.eye(n, dtype=L._data.dtype), L)
        gA = linalg_solve(mH(V), inner.matmul(mH(V)))
        return (_real(gA) if self.real_input else gA,)


def linalg_eig(A: Tensor, *, out=None):
    """Eigenvalues and eigenvectors of general square matrices (always complex)."""
    arr = A._data
    if arr.dtype.kind not in "fc":
        raise RuntimeError(f"Unknown Complex ScalarType for {type_word(arr)}")
    arr = _check_input(A, "linalg.eig")
    if not np.all(np.isfinite(arr)):
        raise RuntimeError("torch.linalg.eig: input tensor should not contain infs or NaNs.")
    values, vectors = np.linalg.eig(arr)
    complex_dtype = _complex_dtype(arr.dtype)
    L = wrap(contiguous_array(values).astype(complex_dtype))
    V = wrap(contiguous_array(vectors).astype(complex_dtype))
    if _recording(A):
        for index, output in ((0, L), (1, V)):
            node = LinalgEigBackward0((A,), output)
            node.save(L, V)
            node.output_index, node.real_input = index, arr.dtype.kind != "c"
    return _finish(RT.linalg_eig((L, V)), out, "linalg.eig")


def linalg_eigvals(A: Tensor, *, out=None) -> Tensor:
    """Eigenvalues of general square matrices (complex)."""
    if _recording(A):
        return _finish(linalg_eig(A)[0], out, "linalg.eigvals")
    arr = A._data
    if arr.dtype.kind not in "fc":
        raise RuntimeError(f"Unknown Complex ScalarType for {type_word(arr)}")
    arr = _check_input(A, "linalg.eigvals")
    values = np.linalg.eigvals(arr)
    result = wrap(contiguous_array(values).astype(_complex_dtype(arr.dtype)))
    return _finish(result, out, "linalg.eigvals")


# ================================================================================================
# SVD and what is built on it
# ================================================================================================

class LinalgSvdBackward0(Node):
    def backward(self, grad):
        U, S, Vh = self.saved_tensors
        k = S._data.shape[-1]
        if self.full_matrices:
            U, Vh = U[..., :, :k], Vh[..., :k, :]
            if self.output_index == 0:
                grad = grad[..., :, :k]
            elif self.output_index == 2:
                grad = grad[..., :k, :]
        grads = [None, None, None]
        grads[self.output_index] = grad
        return (_svd_backward(grads[0], grads[1], grads[2], U, S, Vh),)


def _svd_backward(gU, gS, gVh, U, S, Vh):
    m, n = U._data.shape[-2], Vh._data.shape[-1]
    dtype = U._data.dtype
    is_complex = dtype.kind == "c"

    def as_dtype(t):
        return t.to(D._BY_NP[dtype]) if is_complex else t

    if gU is None and gVh is None:
        gS = as_dtype(gS)
        return U.matmul(gS.unsqueeze(-1) * Vh) if m >= n else (U * gS.unsqueeze(-2)).matmul(Vh)
    k = S._data.shape[-1]
    S_c = as_dtype(S)
    S2 = S * S
    gaps = S2.unsqueeze(-2) - S2.unsqueeze(-1) + _eye(k, S._data.dtype, S)
    off = _const(1 - np.eye(k, dtype=S._data.dtype), S)
    gaps = as_dtype(gaps)
    off = as_dtype(off)
    if gU is not None:
        UhgU = mH(U).matmul(gU)
        UhgU = UhgU - mH(UhgU)
        inner = UhgU * S_c.unsqueeze(-2) / gaps * off
        if is_complex:
            inner = inner + _diag_embed(_diagonal(UhgU) / (2 * S_c))
    else:
        VhgV = Vh.matmul(mH(gVh))
        VhgV = VhgV - mH(VhgV)
        inner = S_c.unsqueeze(-1) * VhgV / gaps * off
    if m > n and gU is not None:
        gA = U.matmul(inner)
        gUSinv = gU / S_c.unsqueeze(-2)
        gA = gA + gUSinv - U.matmul(mH(U).matmul(gUSinv))
        return gA.matmul(Vh)
    if m < n and gVh is not None:
        gA = inner.matmul(Vh)
        SinvgVh = gVh / S_c.unsqueeze(-1)
        gA = gA + SinvgVh - SinvgVh.matmul(mH(Vh)).matmul(Vh)
        return U.matmul(gA)
    return U.matmul(inner.matmul(Vh)) if m >= n else U.matmul(inner).matmul(Vh)


def _svd_arrays(arr, full_matrices: bool, compute_uv: bool = True):
    m, n = arr.shape[-2:]
    k = min(m, n)
    real = _real_dtype(arr.dtype)
    if arr.size == 0:
        s = np.zeros(arr.shape[:-2] + (k,), real)
        if not compute_uv:
            return s
        u_cols = m if full_matrices else k
        v_rows = n if full_matrices else k
        u = np.broadcast_to(np.eye(m, u_cols, dtype=arr.dtype), arr.shape[:-2] + (m, u_cols))
        vh = np.broadcast_to(np.eye(v_rows, n, dtype=arr.dtype), arr.shape[:-2] + (v_rows, n))
        return u.copy(), s, vh.copy()
    if not compute_uv:
        return np.linalg.svd(arr, compute_uv=False).astype(real, copy=False)
    # +0.0 for -0.0, as for QR: PyTorch's LAPACK treats a signed zero as positive when it
    # picks the signs of the singular vectors.
    u, s, vh = np.linalg.svd(arr + 0.0, full_matrices=full_matrices)
    return u.astype(arr.dtype, copy=False), s.astype(real, copy=False), \
        vh.astype(arr.dtype, copy=False)


def _check_svd_input(arr) -> None:
    # PyTorch's SVD has no half kernel: its dtype dispatch fails before the usual
    # low-precision check, so half types get a NotImplementedError naming the kernel.
    _check_matrix(arr, "linalg.svd", square=False)
    if arr.dtype in _HALF_TYPES:
        raise NotImplementedError(f'"linalg_svd_cpu" not implemented for \'{type_word(arr)}\'')
    _check_floating(arr, "linalg.svd")


def linalg_svd(A: Tensor, full_matrices: bool = True, *, driver=None, out=None):
    """Singular value decomposition A = U diag(S) Vh (singular values descending)."""
    arr = A._data
    _check_svd_input(arr)
    u, s, vh = _svd_arrays(arr, full_matrices)
    U, S, Vh = wrap(contiguous_array(u)), wrap(contiguous_array(s)), \
        wrap(contiguous_array(vh))
    if _recording(A):
        for index, output in enumerate((U, S, Vh)):
            node = LinalgSvdBackward0((A,), output)
            node.save(U, S, Vh)
            node.output_index, node.full_matrices = index, full_matrices
    return _finish(RT.linalg_svd((U, S, Vh)), out, "linalg.svd")


def linalg_svdvals(A: Tensor, *, driver=None, out=None) -> Tensor:
    """Singular values (descending)."""
    arr = A._data
    _check_svd_input(arr)
    if _recording(A):
        u, s, vh = _svd_arrays(arr, False)
        U, S, Vh = wrap(u), wrap(contiguous_array(s)), wrap(vh)
        node = LinalgSvdBackward0((A,), S)
        node.save(U, S, Vh)
        node.output_index, node.full_matrices = 1, False
        return _finish(S, out, "linalg.svdvals")
    return _finish(wrap(contiguous_array(_svd_arrays(arr, False, False))), out,
                   "linalg.svdvals")


def svd(input: Tensor, some: bool = True, compute_uv: bool = True, *, out=None):
    """Legacy ``torch.svd``: (U, S, V) with V (not V^H); reduced unless some=False."""
    arr = input._data
    _check_svd_input(arr)
    if not compute_uv:
        m, n = arr.shape[-2:]
        S = linalg_svdvals(input)
        U = wrap(np.zeros(arr.shape[:-2] + (m, m), arr.dtype))
        V = wrap(np.zeros(arr.shape[:-2] + (n, n), arr.dtype))
        return _finish(RT.svd((U, S, V)), out, "svd")
    U, S, Vh = linalg_svd(input, full_matrices=not some)
    return _finish(RT.svd((U, S, mH(Vh))), out, "svd")


def _tolerance(s_max, atol, rtol, eps_default):
    def value(x):
        return x._data if isinstance(x, Tensor) else x
    atol_v = 0.0 if atol is None else value(atol)
    if rtol is None:
        rtol_v = eps_default if (atol is None or np.all(result_array(atol_v) <= 0)) else 0.0
    else:
        rtol_v = value(rtol)
    return np.maximum(atol_v, result_array(rtol_v) * s_max)


class LinalgPinvBackward0(Node):
    def backward(self, grad):
        A, pinv_A = self.saved_tensors
        return (pinv_backward(grad, pinv_A, A),)


def pinv_backward(grad, pinv_A, A):
    """Gradient of the pseudo-inverse (constant-rank perturbation theory)."""
    m, n = A._data.shape[-2:]
    pinv_Ah = mH(pinv_A)
    grad_h = mH(grad)
    if m <= n:
        K = grad_h.matmul(pinv_A)
        K_pinv_Ah = K.matmul(pinv_Ah)
        return (-mH(pinv_A.matmul(K)) + K_pinv_Ah - A.matmul(pinv_A).matmul(K_pinv_Ah)
                + pinv_Ah.matmul(pinv_A).matmul(grad_h - K.matmul(A)))
    K = pinv_A.matmul(grad_h)
    pinv_Ah_K = pinv_Ah.matmul(K)
    return (-mH(K.matmul(pinv_A)) + (grad_h - A.matmul(K)).matmul(pinv_A).matmul(pinv_Ah)
            + pinv_Ah_K - pinv_Ah_K.matmul(pinv_A).matmul(A))


def _pinv_array(arr, atol, rtol, hermitian: bool):
    m, n = arr.shape[-2:]
    eps = np.finfo(_real_dtype(arr.dtype)).eps * max(m, n)
    if arr.size == 0:
        return np.zeros(arr.shape[:-2] + (n, m), arr.dtype)
    if hermitian:
        values, vectors = np.linalg.eigh(arr)
        magnitude = np.abs(values)
        tol = _tolerance(magnitude.max(-1, keepdims=True), atol, rtol, eps)
        with np.errstate(divide="ignore"):
            inverse = np.where(magnitude > tol, 1 / np.where(values == 0, 1, values), 0)
        return np.matmul(vectors * inverse[..., None, :], np.conj(np.swapaxes(vectors, -1, -2)))
    u, s, vh = np.linalg.svd(arr, full_matrices=False)
    tol = _tolerance(s[..., :1], atol, rtol, eps)
    with np.errstate(divide="ignore"):
        inverse = np.where(s > tol, 1 / np.where(s == 0, 1, s), 0)
    return np.matmul(np.conj(np.swapaxes(vh, -1, -2)) * inverse[..., None, :],
                     np.conj(np.swapaxes(u, -1, -2)))


def linalg_pinv(A: Tensor, rcond=None, hermitian: bool = False, *, atol=None, rtol=None,
                out=None) -> Tensor:
    """Moore-Penrose pseudo-inverse; singular values below max(atol, rtol * s_max) count as 0."""
    arr = A._data
    if arr.ndim < 2 or arr.dtype.kind not in "fc" or arr.dtype in _HALF_TYPES:
        raise RuntimeError(f"linalg.pinv({type_word(arr)}{{{shape_str(arr.shape)}}}): "
                           f"expected a tensor with 2 or more dimensions of float, double, "
                           f"cfloat or cdouble types")
    if rcond is not None:
        rtol = rcond
    value = _pinv_array(arr, atol, rtol, hermitian)
    result = wrap(contiguous_array(value).astype(arr.dtype, copy=False))
    if _recording(A):
        LinalgPinvBackward0((A,), result).save(A, result)
    return _finish(result, out, "linalg.pinv")


def pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:
    """Legacy pseudo-inverse with relative tolerance ``rcond``."""
    return linalg_pinv(input, rtol=rcond)


def linalg_matrix_rank(A: Tensor, tol=None, hermitian: bool = False, *, atol=None, rtol=None,
                       out=None) -> Tensor:
    """Number of singular values above max(atol, rtol * s_max)."""
    arr = A._data
    if arr.ndim < 2:
        raise RuntimeError("torch.linalg.matrix_rank: The input tensor input must have at least 2 "
                           "dimensions.")
    if arr.dtype.kind not in "fc" or arr.dtype in _HALF_TYPES:
        raise RuntimeError("This function doesn't handle types other than float and double")
    if hermitian:
        _check_matrix(arr, "linalg.eigh")
    if tol is not None:
        atol, rtol = tol, 0.0
    m, n = arr.shape[-2:]
    eps = np.finfo(_real_dtype(arr.dtype)).eps * max(m, n)
    if arr.size == 0:
        return _finish(wrap(np.zeros(arr.shape[:-2], np.int64)), out, "linalg.matrix_rank")
    if hermitian:
        s = np.abs(np.linalg.eigvalsh(arr))
    else:
        s = np.linalg.svd(arr, compute_uv=False)
    tol_value = _tolerance(s.max(-1, keepdims=True), atol, rtol, eps)
    rank = (s > tol_value).sum(-1).astype(np.int64)
    return _finish(wrap(result_array(rank)), out, "linalg.matrix_rank")


class LinalgLstsqBackward0(Node):
    def backward(self, grad):
        A, B = self.saved_tensors
        vector = self.vector
        if vector:
            grad, B = grad.unsqueeze(-1), B.unsqueeze(-1)
        pinv_A = linalg_pinv(A, rtol=self.rtol)
        gA = gB = None
        if self._next[0] is not None:
            gA = pinv_backward(grad.matmul(mH(B)), pinv_A, A)
        if self._next[1] is not None:
            gB = mH(pinv_A).matmul(grad)
            if vector:
                gB = gB.squeeze(-1)
        return gA, gB


def linalg_lstsq(A: Tensor, B: Tensor, rcond=None, *, driver=None):
    """Least-squares solution of A X = B: (solution, residuals, rank, singular_values)."""
    a, b = A._data, B._data
    _check_floating(a, "torch.linalg.lstsq")
    if a.ndim < 2:
        raise RuntimeError("torch.linalg.lstsq: input must have at least 2 dimensions.")
    if b.ndim < 1:
        raise RuntimeError("torch.linalg.lstsq: other must have at least 1 dimension.")
    if a.dtype != b.dtype:
        raise RuntimeError(f"torch.linalg.lstsq: Expected input and other to have the same "
                           f"dtype, but got input's dtype {D._BY_NP[a.dtype]} and other's dtype "
                           f"{D._BY_NP[b.dtype]}")
    if not (a.ndim >= b.ndim and a.ndim - b.ndim <= 1):
        raise RuntimeError("torch.linalg.lstsq: input.dim() must be greater or equal to "
                           "other.dim() and (input.dim() - other.dim()) <= 1")
    vector = b.ndim == a.ndim - 1
    if vector and a.shape[-2] != b.shape[-1]:
        raise RuntimeError("torch.linalg.lstsq: input.size(-2) should match other.size(-1)")
    if not vector and a.shape[-2] != b.shape[-2]:
        raise RuntimeError("torch.linalg.lstsq: input.size(-2) should match other.size(-2)")
    require_values("aten::linalg_lstsq.out", a, b)  # the rank depends on the values
    drivers = ("gels", "gelsy", "gelsd", "gelss")
    if driver is None:
        driver = "gelsy"
    elif driver not in drivers:
        raise RuntimeError("torch.linalg.lstsq: parameter `driver` should be one of "
                           "(gels, gelsy, gelsd, gelss)")
    m, n = a.shape[-2:]
    real = _real_dtype(a.dtype)
    if rcond is None:
        rcond = float(np.finfo(real).eps) * max(m, n)
    b_matrix = b[..., None] if vector else b
    batch = broadcast_batch(a.shape[:-2], b_matrix.shape[:-2])
    a_full = np.broadcast_to(a, batch + (m, n))
    b_full = np.broadcast_to(b_matrix, batch + b_matrix.shape[-2:])
    if a_full.size == 0:
        s = np.zeros(batch + (min(m, n),), real)
        x = np.zeros(batch + (n, b_full.shape[-1]), a.dtype)
        rank = np.zeros(batch, np.int64)
    else:
        u, s, vh = np.linalg.svd(a_full, full_matrices=False)
        keep = s > rcond * s[..., :1]
        rank = keep.sum(-1).astype(np.int64)
        with np.errstate(divide="ignore"):
            inverse = np.where(keep, 1 / np.where(s == 0, 1, s), 0)
        projected = np.matmul(np.conj(np.swapaxes(u, -1, -2)), b_full) * inverse[..., :, None]
        x = np.matmul(np.conj(np.swapaxes(vh, -1, -2)), projected).astype(a.dtype, copy=False)
    full_rank = bool(np.all(rank == min(m, n)))
    if driver != "gelsy" and m > n and full_rank:
        residual = np.matmul(a_full, x) - b_full
        residuals = wrap((np.abs(residual) ** 2).sum(-2).astype(real))
    else:
        residuals = wrap(np.zeros((0,), real))
    rank_t = wrap(result_array(rank)) if driver != "gels" else wrap(np.zeros((0,), np.int64))
    values = wrap(contiguous_array(s.astype(real))) if driver in ("gelsd", "gelss") \
        else wrap(np.zeros((0,), real))
    solution = wrap(contiguous_array(x[..., 0] if vector else x))
    if _recording(A, B):
        node = LinalgLstsqBackward0((A, B), solution)
        node.save(A, B)
        node.vector, node.rtol = vector, rcond
    return RT.linalg_lstsq((solution, residuals, rank_t, values))


def _cond_order_text(p) -> str:
    # PyTorch prints the order as C++ does: floats with six decimals, infinities as inf.
    if isinstance(p, float):
        return ("inf" if p > 0 else "-inf") if p in (_INF, -_INF) else f"{p:.6f}"
    return str(p)


def linalg_cond(A: Tensor, p=None, *, out=None) -> Tensor:
    """Condition number of A in the ``p`` norm (2-norm by default, via singular values);
    0 for empty matrices."""
    arr = A._data
    if isinstance(p, str):
        _check_matrix(arr, f"linalg.cond(ord={p})")
        if p not in ("fro", "nuc"):
            raise RuntimeError(f"linalg.cond got an invalid norm type: {p}")
    else:
        if arr.ndim < 2:
            raise RuntimeError("linalg.cond: The input tensor must have at least 2 dimensions.")
        if p not in (None, 2, -2, 1, -1, _INF, -_INF):
            raise RuntimeError(f"linalg.cond got an invalid norm type: {p}")
    if arr.size == 0:
        # NumPy leaves it undefined; PyTorch returns zeros (not connected to the graph), for
        # any dtype, before checking the dtype or (for numeric orders) squareness.
        zeros = np.zeros(arr.shape[:-2], _real_dtype(arr.dtype), like=arr)
        return _finish(wrap(zeros), out, "linalg.cond")
    if p in (None, 2, -2):
        s = linalg_svdvals(A)
        largest = _extreme(s, -1, False, True)
        smallest = _extreme(s, -1, False, False)
        result = smallest / largest if p == -2 else largest / smallest
    else:
        if not isinstance(p, str):
            _check_matrix(arr, f"linalg.cond(ord={_cond_order_text(p)})")
        inverse_A, info = linalg_inv_ex(A)
        result = matrix_norm(A, p) * matrix_norm(inverse_A, p)
        if np.any(info._data != 0):
            result = wrap(np.where(info._data != 0, np.inf, result._data))
    return _finish(result, out, "linalg.cond")


# ================================================================================================
# Matrix functions: power, exponential
# ================================================================================================

def linalg_matrix_power(A: Tensor, n: int, *, out=None) -> Tensor:
    """A raised to the integer power ``n`` (negative powers invert first)."""
    arr = A._data
    _check_matrix(arr, "linalg.matrix_power")
    n = operator.index(n)
    if n == 0:
        identity = wrap(np.broadcast_to(np.eye(arr.shape[-1], dtype=arr.dtype),
                                        arr.shape).copy())
        result = A.clone().copy_(identity) if _recording(A) else identity
        return _finish(result, out, "linalg.matrix_power")
    if n == 1:
        return _finish(A.clone(), out, "linalg.matrix_power")
    if n < 0:
        A = linalg_inv(A)
        n = -n
    z = result = None
    while n > 0:
        bit = n % 2
        n //= 2
        z = A if z is None else z.matmul(z)
        if bit:
            result = z if result is None else result.matmul(z)
    return _finish(result, out, "linalg.matrix_power")


def matrix_power(input: Tensor, n: int) -> Tensor:
    """Alias of linalg.matrix_power."""
    return linalg_matrix_power(input, n)


_PADE13 = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0,
           129060195264000.0, 10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0,
           40840800.0, 960960.0, 16380.0, 182.0, 1.0)
_THETA13 = 5.371920351148152


def _expm_array(a):
    """exp of a batch of square matrices: scaling and squaring with a [13/13] Padé
    approximant, each matrix scaled by its own power of two."""
    work_dtype = np.complex128 if a.dtype.kind == "c" else np.float64
    x = a.astype(work_dtype)
    n = x.shape[-1]
    if x.size == 0 or not holds_values(x):
        return x.astype(a.dtype)
    one_norm = np.abs(x).sum(-2).max(-1)
    with np.errstate(divide="ignore"):
        squarings = np.maximum(0, np.ceil(np.log2(np.maximum(one_norm, 1e-300) / _THETA13)))
    squarings = np.where(np.isfinite(squarings), squarings, 0).astype(np.int64)
    x = x / (2.0 ** squarings)[..., None, None]
    b = _PADE13
    identity = np.eye(n, dtype=work_dtype)
    x2 = x @ x
    x4 = x2 @ x2
    x6 = x4 @ x2
    u = x @ (x6 @ (b[13] * x6 + b[11] * x4 + b[9] * x2) + b[7] * x6 + b[5] * x4 + b[3] * x2
             + b[1] * identity)
    v = x6 @ (b[12] * x6 + b[10] * x4 + b[8] * x2) + b[6] * x6 + b[4] * x4 + b[2] * x2 \
        + b[0] * identity
    result = np.linalg.solve(v - u, v + u)
    for step in range(int(squarings.max()) if squarings.size else 0):
        squared = result @ result
        result = np.where((squarings > step)[..., None, None], squared, result)
    return result.astype(a.dtype)


class LinalgMatrixExpBackward0(Node):
    def backward(self, grad):
        (A,) = self.saved_tensors
        # d exp(A)^*[G] is the top-right block of exp([[A^H, G], [0, A^H]]).
        n = A._data.shape[-1]
        dtype = A._data.dtype
        top = _const(np.eye(2 * n, n, dtype=dtype), A)
        bottom = _const(np.eye(2 * n, n, -n, dtype=dtype), A)
        Ah = mH(A)
        block = (top.matmul(Ah).matmul(mT(top)) + top.matmul(grad).matmul(mT(bottom))
                 + bottom.matmul(Ah).matmul(mT(bottom)))
        return (mT(top).matmul(linalg_matrix_exp(block)).matmul(bottom),)


def linalg_matrix_exp(A: Tensor) -> Tensor:
    """The matrix exponential of square matrices (batched)."""
    arr = A._data
    _check_matrix(arr, "linalg.matrix_exp")
    _check_floating(arr, "linalg.matrix_exp") if arr.dtype not in _HALF_TYPES else None
    result = wrap(_expm_array(arr))
    if _recording(A):
        LinalgMatrixExpBackward0((A,), result).save(A)
    return result


def matrix_exp(input: Tensor) -> Tensor:
    """Alias of linalg.matrix_exp."""
    return linalg_matrix_exp(input)


# ================================================================================================
# LU
# ================================================================================================

def _permutation_from_pivots(pivots, m: int, dtype):
    """P with A = P L U from LAPACK's 1-based row interchanges."""
    batch = pivots.shape[:-1]
    if not holds_values(pivots):
        return np.zeros(batch + (m, m), dtype, like=pivots)
    flat = pivots.reshape(-1, pivots.shape[-1]) - 1
    count = flat.shape[0]
    order = np.tile(np.arange(m), (count, 1))
    everyone = np.arange(count)
    for j in range(flat.shape[1]):
        target = flat[:, j]
        current = order[everyone, j].copy()
        order[everyone, j] = order[everyone, target]
        order[everyone, target] = current
    # Row i of P^T A is row order[i] of A, so P[order[i], i] = 1.
    perm = np.zeros((count, m, m), dtype)
    perm[everyone[:, None], order, np.arange(m)[None, :]] = 1
    return perm.reshape(batch + (m, m))


def _unpack_lu(lu, m: int, n: int):
    k = min(m, n)
    lower = np.tril(lu[..., :, :k], -1)
    lower[..., np.arange(k), np.arange(k)] = 1
    upper = np.triu(lu[..., :k, :])
    return lower, upper


class LinalgLuFactorExBackward0(Node):
    def backward(self, grad):
        LU, pivots = self.saved_tensors
        m, n = LU._data.shape[-2:]
        P, L, U = _unpack_lu_tensors(LU, pivots)
        gL = _tril(grad, -1)[..., :, :min(m, n)]
        gU = _triu(grad)[..., :min(m, n), :]
        return (_lu_backward(gL, gU, P, L, U),)


class LinalgLuBackward0(Node):
    def backward(self, grad):
        P, L, U = self.saved_tensors
        gL = grad if self.output_index == 1 else None
        gU = grad if self.output_index == 2 else None
        return (_lu_backward(gL, gU, P, L, U),)


def _unpack_lu_tensors(LU: Tensor, pivots: Tensor):
    m, n = LU._data.shape[-2:]
    k = min(m, n)
    P = wrap(_permutation_from_pivots(pivots._data, m, LU._data.dtype))
    L = _tril(LU[..., :, :k], -1) + _const(np.eye(m, k, dtype=LU._data.dtype), LU)
    U = _triu(LU[..., :k, :])
    return P, L, U


def _lu_backward(gL, gU, P, L, U):
    """Gradient of A = P L U for square, wide (m < n) and tall (m > n) inputs."""
    m, n = L._data.shape[-2], U._data.shape[-1]
    k = min(m, n)
    dtype = L._data.dtype
    if m <= n:
        # Wide: A = P L [U1 | U2]; U2's gradient also moves L (through A2 = P L U2).
        U1 = U[..., :, :k]
        inner = _tril(mH(L).matmul(gL), -1) if gL is not None else None
        if gU is not None:
            upper = _triu(gU[..., :, :k].matmul(mH(U1)))
            inner = upper if inner is None else inner + upper
            if n > k:
                gU2 = gU[..., :, k:]
                coupling = -_tril(gU2.matmul(mH(U[..., :, k:])), -1)
                inner = inner + coupling
        inner = solve_triangular(mH(L), inner, upper=True, left=True, unitriangular=True)
        gA = solve_triangular(mH(U1), inner, upper=False, left=False)
        if n > k:
            gA = gA.matmul(_const(np.eye(k, n, dtype=dtype), L))
            if gU is not None:
                gA2 = solve_triangular(mH(L), gU[..., :, k:], upper=True, left=True,
                                       unitriangular=True)
                gA = gA + gA2.matmul(_const(np.eye(n - k, n, k, dtype=dtype), L))
        return P.matmul(gA)
    # Tall: P^T A = [L1; L2] U; L2's gradient also moves U (through A2 = L2 U).
    L1 = L[..., :k, :]
    inner = _triu(gU.matmul(mH(U))) if gU is not None else None
    if gL is not None:
        lower = _tril(mH(L1).matmul(gL[..., :k, :]), -1)
        coupling = -_triu(mH(L[..., k:, :]).matmul(gL[..., k:, :]))
        inner = lower + coupling if inner is None else inner + lower + coupling
    inner = solve_triangular(mH(U), inner, upper=False, left=False)
    gA = _const(np.eye(m, k, dtype=dtype), L).matmul(
        solve_triangular(mH(L1), inner, upper=True, left=True, unitriangular=True))
    if gL is not None:
        gA2 = solve_triangular(mH(U), gL[..., k:, :], upper=False, left=False)
        gA = gA + _const(np.eye(m, m - k, -k, dtype=dtype), L).matmul(gA2)
    return P.matmul(gA)


def _lu_factor(A: Tensor, pivot: bool, op: str):
    arr = A._data
    _check_matrix(arr, op, square=False)
    _check_floating(arr, op)
    if not pivot:
        raise RuntimeError("linalg.lu_factor: LU without pivoting is not implemented on the CPU")
    lu, pivots, info = _lu_arrays(arr)
    return arr, lu, pivots, info


def linalg_lu_factor_ex(A: Tensor, *, pivot: bool = True, check_errors: bool = False, out=None):
    """(LU, pivots, info): packed LU factorization with partial pivoting."""
    arr, lu, pivots, info = _lu_factor(A, pivot, "linalg.lu_factor_ex")
    if check_errors and np.any(info != 0):
        _lu_singular(arr, info, "linalg.lu_factor_ex")
    LU = wrap(lu)
    piv = wrap(pivots)
    if _recording(A):
        node = LinalgLuFactorExBackward0((A,), LU)
        node.save(LU, piv)
    return _finish(RT.linalg_lu_factor_ex((LU, piv, wrap(info))), out, "linalg.lu_factor_ex")


def _lu_singular(arr, info, op):
    index = _first_failure(info)
    element = int(result_array(info).reshape(-1)[index])
    raise RuntimeError(f"torch.{op}: {_batch_prefix(arr, index)}U[{element},{element}] is zero "
                       f"and using it on lu_solve would result in a division by zero. If you "
                       f"still want to perform the factorization, consider calling "
                       f"linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)")


def linalg_lu_factor(A: Tensor, *, pivot: bool = True, out=None):
    """(LU, pivots); raises when a diagonal entry of U is zero."""
    arr, lu, pivots, info = _lu_factor(A, pivot, "linalg.lu_factor")
    if np.any(info != 0):
        _lu_singular(arr, info, "linalg.lu_factor")
    LU = wrap(lu)
    piv = wrap(pivots)
    if _recording(A):
        node = LinalgLuFactorExBackward0((A,), LU)
        node.save(LU, piv)
    return _finish(RT.linalg_lu_factor((LU, piv)), out, "linalg.lu_factor")


def linalg_lu(A: Tensor, *, pivot: bool = True, out=None):
    """(P, L, U) with A = P L U, L unit lower triangular."""
    arr, lu, pivots, _ = _lu_factor(A, pivot, "linalg.lu")
    m, n = arr.shape[-2:]
    lower, upper = _unpack_lu(lu, m, n)
    P = wrap(_permutation_from_pivots(pivots, m, arr.dtype))
    L, U = wrap(contiguous_array(lower)), wrap(contiguous_array(upper))
    if _recording(A):
        for index, output in ((1, L), (2, U)):
            node = LinalgLuBackward0((A,), output)
            node.save(P, L, U)
            node.output_index = index
    return _finish(RT.linalg_lu((P, L, U)), out, "linalg.lu")


class LuUnpackBackward0(Node):
    def backward(self, grad):
        m, n = self.shape
        k = min(m, n)
        if self.output_index == 1:
            return (_tril(grad, -1).matmul(_const(np.eye(k, n, dtype=grad._data.dtype), grad))
                    if n >= k else _tril(grad, -1),)
        return (_const(np.eye(m, k, dtype=grad._data.dtype), grad).matmul(_triu(grad)),)


def lu_unpack(LU_data: Tensor, LU_pivots: Tensor, unpack_data: bool = True,
              unpack_pivots: bool = True, *, out=None):
    """(P, L, U) from a packed LU factorization and its pivots."""
    lu = LU_data._data
    m, n = lu.shape[-2:]
    if unpack_pivots:
        P = wrap(_permutation_from_pivots(result_array(LU_pivots._data), m, lu.dtype))
    else:
        P = wrap(np.zeros((0,), lu.dtype))
    if unpack_data:
        lower, upper = _unpack_lu(lu, m, n)
        L, U = wrap(contiguous_array(lower)), wrap(contiguous_array(upper))
        if _recording(LU_data):
            for index, output in ((1, L), (2, U)):
                node = LuUnpackBackward0((LU_data,), output)
                node.output_index, node.shape = index, (m, n)
    else:
        L = wrap(np.zeros((0,), lu.dtype))
        U = wrap(np.zeros((0,), lu.dtype))
    return _finish(RT.lu_unpack((P, L, U)), out, "lu_unpack")


class LinalgLuSolveBackward0(Node):
    def backward(self, grad):
        LU, pivots, X = self.saved_tensors
        left, adjoint = self.left, self.adjoint
        gB = linalg_lu_solve(LU, pivots, grad, left=left, adjoint=not adjoint)
        gLU = None
        if self._next[0] is not None:
            # Through A: gA = -gB X^H (left) or -X^H gB; then onto the packed factors.
            if left:
                gA = -gB.matmul(mH(X))
            else:
                gA = -mH(X).matmul(gB)
            if adjoint:
                gA = mH(gA)
            P, L, U = _unpack_lu_tensors(LU, pivots)
            Pt_gA = mT(P).matmul(gA)
            gL = _tril(Pt_gA.matmul(mH(U)), -1)
            gU = _triu(mH(L).matmul(Pt_gA))
            gLU = gL + gU
        return gLU, None, (gB if self._next[2] is not None else None)


def linalg_lu_solve(LU: Tensor, pivots: Tensor, B: Tensor, *, left: bool = True,
                    adjoint: bool = False, out=None) -> Tensor:
    """Solve A X = B (or X A = B, or with A^H) from A's packed LU factorization."""
    lu, b = LU._data, B._data
    _check_matrix(lu, "linalg.lu_solve")
    _check_floating(lu, "linalg.lu_solve")
    if b.ndim < 2:
        raise RuntimeError("linalg.lu_solve: The input tensor B must have at least 2 dimensions.")
    if lu.dtype != b.dtype:
        raise RuntimeError(f"linalg.lu_solve: Expected LU and B to have the same dtype, but found "
                           f"LU of type {type_word(lu)} and B of type {type_word(b)} instead")
    n = lu.shape[-1]
    _check_equation_shapes("linalg.lu_solve", n, b, left)
    lower, upper = _unpack_lu(lu, n, n)
    perm = _permutation_from_pivots(result_array(pivots._data), n, lu.dtype)
    x = _lu_solve_arrays(perm, lower, upper, b, left, adjoint)
    result = wrap(contiguous_array(x).astype(lu.dtype, copy=False))
    if _recording(LU, B):
        node = LinalgLuSolveBackward0((LU, None, B), result)
        node.save(LU, pivots, result)
        node.left, node.adjoint = left, adjoint
    return _finish(result, out, "linalg.lu_solve")


def _lu_solve_arrays(perm, lower, upper, b, left: bool, adjoint: bool):
    def h(x):
        return np.conj(np.swapaxes(x, -1, -2))
    if not left:
        # X A = B  <=>  A^H X^H = B^H
        return h(_lu_solve_arrays(perm, lower, upper, h(b), True, not adjoint))
    if adjoint:
        # A^H = U^H L^H P^T
        y = _triangular_solve_arrays(h(upper), b, False, False)
        z = _triangular_solve_arrays(h(lower), y, True, True)
        return np.matmul(perm, z)
    y = _triangular_solve_arrays(lower, np.matmul(np.swapaxes(perm, -1, -2), b), False, True)
    return _triangular_solve_arrays(upper, y, True, False)


def lu_solve(b: Tensor, LU_data: Tensor, LU_pivots: Tensor, *, out=None) -> Tensor:
    """Legacy ``torch.lu_solve(b, LU, pivots)``."""
    return linalg_lu_solve(LU_data, LU_pivots, b, out=out)


def lu(A: Tensor, pivot: bool = True, get_infos: bool = False, out=None):
    """Legacy ``torch.lu``: (LU, pivots) or (LU, pivots, infos)."""
    LU, pivots, info = linalg_lu_factor_ex(A, pivot=pivot)
    if get_infos:
        return _finish(RT._lu_with_info((LU, pivots, info)), out, "lu")
    return _finish((LU, pivots), out, "lu")


# ================================================================================================
# Tensor-shaped helpers
# ================================================================================================

def linalg_diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """The diagonal of the matrices in the last two dims (a view), as ``torch.diagonal``."""
    return A.diagonal(offset=offset, dim1=dim1, dim2=dim2)


def vecdot(x: Tensor, y: Tensor, *, dim: int = -1, out=None) -> Tensor:
    """Dot products along ``dim`` with broadcasting, conjugating ``x``."""
    if x._data.dtype != y._data.dtype:
        raise RuntimeError(f"linalg.vecdot: Expected x and y to have the same dtype, but found "
                           f"x of type {type_word(x._data)} and y of type {type_word(y._data)} "
                           f"instead")
    return _finish((conj(x) * y).sum(dim), out, "linalg.vecdot")


def tensorinv(A: Tensor, ind: int = 2, *, out=None) -> Tensor:
    """Inverse of a tensor seen as a matrix of shape (prod(shape[:ind]), prod(shape[ind:]))."""
    shape = A._data.shape
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    rows = int(np.prod(shape[:ind]))
    cols = int(np.prod(shape[ind:]))
    if rows != cols:
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[ind:]) == "
                           f"prod(self.shape[:ind]), but got {cols} != {rows}")
    result = linalg_inv(A.reshape(rows, cols)).reshape(shape[ind:] + shape[:ind])
    return _finish(result, out, "linalg.tensorinv")


def tensorsolve(A: Tensor, B: Tensor, dims=None, *, out=None) -> Tensor:
    """X with tensordot(A, X, X.ndim) == B."""
    if dims is not None:
        ndim = A._data.ndim
        moved = [_wrap_dim(d, ndim) for d in dims]
        order = [d for d in range(ndim) if d not in moved] + moved
        A = A.permute(order)
    result_shape = A._data.shape[B._data.ndim:]
    rows = int(np.prod(B._data.shape))
    cols = int(np.prod(result_shape))
    if rows != cols:
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[other.ndim:])"
                           f" == prod(self.shape[:other.ndim]), but got {cols} != {rows}")
    result = linalg_solve(A.reshape(rows, cols), B.reshape(rows)).reshape(result_shape)
    return _finish(result, out, "linalg.tensorsolve")


def vander(x: Tensor, *, N: int | None = None) -> Tensor:
    """Vandermonde matrix with columns x**0, x**1, ..., x**(N-1)."""
    arr = x._data
    if arr.ndim < 1:
        raise RuntimeError("linalg.vander: x must have at least one dimension")
    count = arr.shape[-1] if N is None else N
    if count <= 1:
        if count < 0:
            raise RuntimeError("N must be greater than 1.")
    columns = [x.unsqueeze(-1) * 0 + 1] if count >= 1 else []
    power = x.unsqueeze(-1)
    for _ in range(1, count):
        columns.append(power)
        power = power * x.unsqueeze(-1)
    selectors = [_const(np.eye(1, count, i, dtype=arr.dtype if arr.dtype.kind in "fc"
                               else np.int64), x) for i in range(count)]
    result = None
    for column, selector in zip(columns, selectors):
        term = column * selector
        result = term if result is None else result + term
    if result is None:
        result = wrap(np.zeros(arr.shape + (0,), arr.dtype, like=arr))
    return result


def geqrf(input: Tensor, *, out=None):
    """LAPACK's raw QR (Householder vectors below R's diagonal, and their scales tau)."""
    arr = input._data
    _check_matrix(arr, "geqrf", square=False)
    _check_floating(arr, "geqrf")
    require_values("aten::geqrf", arr)
    h, tau = np.linalg.qr(arr, mode="raw")
    # LAPACK's raw output is column-major: h holds the factor transposed.
    a = contiguous_array(np.swapaxes(h, -1, -2))
    return _finish(RT.geqrf((wrap(a.astype(arr.dtype, copy=False)),
                             wrap(result_array(tau).astype(arr.dtype, copy=False)))), out, "geqrf")


def householder_product(A: Tensor, tau: Tensor, *, out=None) -> Tensor:
    """The first n columns of H_1 H_2 ... H_k, H_i = I - tau_i v_i v_i^H (v_i from A)."""
    a, t = A._data, tau._data
    _check_matrix(a, "torch.linalg.householder_product", square=False, name="input")
    m, n = a.shape[-2:]
    if m < n:
        raise RuntimeError("torch.linalg.householder_product: input.shape[-2] must be greater "
                           "than or equal to input.shape[-1]")
    k = t.shape[-1]
    if k > n:
        raise RuntimeError("torch.linalg.householder_product: input.shape[-1] must be greater "
                           "than or equal to tau.shape[-1]")
    if grad_state.enabled and (A._rg or tau._rg):
        return _finish(_householder_product_differentiable(A, tau), out,
                       "linalg.householder_product")
    q = np.broadcast_to(np.eye(m, n, dtype=a.dtype), a.shape[:-2] + (m, n)).copy()
    for i in range(k - 1, -1, -1):
        v = a[..., :, i].copy()
        v[..., :i] = 0
        v[..., i] = 1
        w = np.einsum("...i,...ij->...j", np.conj(v), q)
        q = q - t[..., i, None, None] * v[..., :, None] * w[..., None, :]
    return _finish(wrap(q), out, "linalg.householder_product")


def _householder_product_differentiable(A: Tensor, tau: Tensor) -> Tensor:
    # The same reflector products written with ember ops (one step per reflector), so that
    # gradients reach A and tau through the ops' own backward rules.
    from .binary import where
    from .creation import arange, eye
    m, n = A.shape[-2:]
    rows = arange(m).unsqueeze(-1)
    q = eye(m, n, dtype=A.dtype).expand(*A.shape[:-2], m, n)
    for i in range(tau.shape[-1] - 1, -1, -1):
        column = A[..., :, i:i + 1]
        v = where(rows < i, 0.0, where(rows == i, 1.0, column)).to(A.dtype)
        w = v.conj().transpose(-1, -2) @ q
        q = q - tau[..., i, None, None] * v * w
    return q


def orgqr(input: Tensor, tau: Tensor) -> Tensor:
    """Alias of linalg.householder_product."""
    return householder_product(input, tau)


bind_methods(["norm", "det", "logdet", "slogdet", "inverse", "pinverse", "cholesky",
              "cholesky_solve", "cholesky_inverse", "svd", "qr", "matrix_power", "matrix_exp",
              "triangular_solve", "lu", "lu_solve", "dist", "renorm", "geqrf", "orgqr"],
             globals())
Tensor.renorm_ = lambda self, p, dim, maxnorm: _apply_renorm_(self, p, dim, maxnorm)


def _apply_renorm_(self, p, dim, maxnorm):
    from ._dispatch import apply_inplace
    return apply_inplace(self, renorm(self, p, dim, maxnorm))


__all__ = ["norm", "det", "logdet", "slogdet", "inverse", "pinverse", "cholesky",
           "cholesky_solve", "cholesky_inverse", "svd", "qr", "matrix_power", "matrix_exp",
           "triangular_solve", "lu", "lu_solve", "lu_unpack", "dist", "renorm", "geqrf",
           "orgqr"]
