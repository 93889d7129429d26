"""The 'meta' backend: arrays with a shape, dtype and strides but no data.

Meta tensors let a model be built (and its shapes checked) without allocating memory.  A
:class:`MetaArray` takes part in NumPy's dispatch protocols (``__array_ufunc__`` and
``__array_function__``), so the op code written for NumPy arrays runs unchanged on it: every
NumPy call made on a meta array answers with a new meta array of the right shape and dtype,
computed from the shapes alone.

Two tools make the shape logic short and exact:

- dtypes come from running the real NumPy function on tiny stand-ins (zero-size or one-element
  arrays of the same dtypes), so promotion always agrees with NumPy's;
- shapes of view-like functions come from running them on a *proxy*: a zero-strided view of a
  single element (``np.broadcast_to``), which has the full shape but occupies one element of
  memory.

What op code written for NumPy needs from a meta array, and how it gets it:

- host constants (index grids, masks, ``np.eye``) meet meta arrays freely and the result is
  meta; mixing user tensors of two devices is refused at the tensor level, where the devices
  are known (``backends.check_same_device``);
- elementwise results are laid out as PyTorch's TensorIterator lays them out
  (:func:`elementwise_strides`), so a transposed input gives a transposed result;
- buffers are allocated on the device of an array with NEP 35's ``like=``
  (``np.zeros(shape, dtype, like=arr)``), which this module answers with meta arrays;
- validation such as ``if bad.any(): raise`` reads as it would for valid data: ``any()`` of a
  meta array is false and ``all()`` true (PyTorch's meta kernels skip data-dependent checks);
  ``bool()`` of any other meta array raises;
- ``np.asarray`` and ``np.ascontiguousarray`` take no part in dispatch, so op code calls
  ``backends.result_array`` / ``backends.contiguous_array`` instead, and branches on
  ``backends.holds_values`` where an array kernel only makes sense with values.

Reading values (``item``, ``tolist``, ``np.asarray`` ...) raises ``NotImplementedError`` as
PyTorch does for meta tensors; functions whose result shape depends on values (``nonzero``,
``unique``) raise it too.
"""
from __future__ import annotations

import builtins
import math
import operator

import numpy as np

device_type = "meta"

_NO_DATA = "Cannot copy out of meta tensor; no data!"


def _contiguous_strides(shape, itemsize: int) -> tuple:
    strides = []
    acc = itemsize
    for s in reversed(shape):
        strides.append(acc)
        acc *= builtins.max(s, 1)
    return tuple(reversed(strides))


class _Flags:
    """The subset of ``ndarray.flags`` that op code reads."""

    __slots__ = ("_arr",)

    def __init__(self, arr: "MetaArray") -> None:
        self._arr = arr

    @property
    def writeable(self) -> bool:
        return self._arr._writeable

    @writeable.setter
    def writeable(self, value: bool) -> None:
        self._arr._writeable = bool(value)

    @property
    def c_contiguous(self) -> bool:
        arr = self._arr
        return _is_dense(arr.shape, arr.strides, arr.dtype.itemsize, reversed_order=False)

    @property
    def f_contiguous(self) -> bool:
        arr = self._arr
        return _is_dense(arr.shape, arr.strides, arr.dtype.itemsize, reversed_order=True)

    @property
    def contiguous(self) -> bool:
        return self.c_contiguous

    @property
    def owndata(self) -> bool:
        return self._arr.base is None

    @property
    def aligned(self) -> bool:
        return True

    def __getitem__(self, name: str) -> bool:
        key = name.lower()
        return getattr(self, {"c_contiguous": "c_contiguous", "c": "c_contiguous",
                              "f_contiguous": "f_contiguous", "f": "f_contiguous",
                              "w": "writeable"}.get(key, key))


def _is_dense(shape, strides, itemsize, reversed_order: bool) -> bool:
    if any(s == 0 for s in shape):
        return True
    pairs = list(zip(shape, strides))
    if not reversed_order:
        pairs.reverse()
    expected = itemsize
    for size, stride in pairs:
        if size != 1:
            if stride != expected:
                return False
            expected *= size
    return True


class MetaArray:
    """Shape, dtype and (byte) strides only; any attempt to read values raises."""

    __slots__ = ("shape", "dtype", "strides", "offset", "base", "_writeable", "_truth")

    # Win over ndarray in mixed binary operators, so meta + ndarray stays meta.
    __array_priority__ = 100

    def __init__(self, shape, dtype, strides=None, offset: int = 0, base=None,
                 writeable: bool = True) -> None:
        self.shape = tuple(operator.index(s) for s in shape)
        self.dtype = np.dtype(dtype)
        if strides is None:
            strides = _contiguous_strides(self.shape, self.dtype.itemsize)
        self.strides = tuple(strides)
        self.offset = offset
        self.base = base
        self._writeable = writeable
        self._truth = None

    # -- attributes NumPy arrays have ----------------------------------------------------------

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        n = 1
        for s in self.shape:
            n *= s
        return n

    @property
    def itemsize(self) -> int:
        return self.dtype.itemsize

    @property
    def nbytes(self) -> int:
        return self.size * self.dtype.itemsize

    @property
    def flags(self) -> _Flags:
        return _Flags(self)

    @property
    def T(self) -> "MetaArray":
        return self.transpose()

    @property
    def mT(self) -> "MetaArray":
        return self.swapaxes(-1, -2)

    @property
    def real(self) -> "MetaArray":
        if self.dtype.kind != "c":
            return self._view(self.shape, self.strides, self.offset)
        part = np.empty(0, self.dtype).real.dtype
        return MetaArray(self.shape, part, self.strides, self.offset * 2, self._root(),
                         self._writeable)

    @property
    def imag(self) -> "MetaArray":
        if self.dtype.kind != "c":
            return MetaArray(self.shape, self.dtype, writeable=False)
        part = np.empty(0, self.dtype).real.dtype
        return MetaArray(self.shape, part, self.strides, self.offset * 2 + 1, self._root(),
                         self._writeable)

    @property
    def data(self):
        raise NotImplementedError(_NO_DATA)

    def __repr__(self) -> str:
        return f"MetaArray(shape={self.shape}, dtype={self.dtype})"

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of unsized object")
        return self.shape[0]

    def __iter__(self):
        if not self.shape:
            raise TypeError("iteration over a 0-d array")
        return (self[i] for i in builtins.range(self.shape[0]))

    # -- reading values is refused ----------------------------------------------------------------

    def __array__(self, dtype=None, copy=None):
        raise NotImplementedError(_NO_DATA)

    def item(self, *args):
        raise NotImplementedError(_NO_DATA)

    def tolist(self):
        raise NotImplementedError(_NO_DATA)

    def tobytes(self, order: str = "C"):
        raise NotImplementedError(_NO_DATA)

    def __bool__(self) -> bool:
        # Only the answer of ``any()``/``all()`` has a truth value: see _truth_of.
        if self._truth is None:
            raise NotImplementedError(_NO_DATA)
        return self._truth

    def __float__(self) -> float:
        raise NotImplementedError(_NO_DATA)

    def __int__(self) -> int:
        raise NotImplementedError(_NO_DATA)

    def __complex__(self) -> complex:
        raise NotImplementedError(_NO_DATA)

    def __index__(self) -> int:
        raise NotImplementedError(_NO_DATA)

    # -- views -------------------------------------------------------------------------------------

    def _root(self) -> "MetaArray":
        return self if self.base is None else self.base

    def _view(self, shape, strides, offset=None, writeable=None) -> "MetaArray":
        return MetaArray(shape, self.dtype, strides, self.offset if offset is None else offset,
                         self._root(), self._writeable if writeable is None else writeable)

    def view(self, dtype=None, type=None) -> "MetaArray":
        """The same memory as another meta array (with ``dtype``: reinterpreted bits)."""
        if dtype is None or np.dtype(dtype) == self.dtype:
            return self._view(self.shape, self.strides)
        dtype = np.dtype(dtype)
        old, new = self.dtype.itemsize, dtype.itemsize
        shape = self.shape
        strides = self.strides
        if old != new:
            if not shape:
                raise ValueError("Changing the dtype of a 0d array is only supported if the "
                                 "itemsize is unchanged")
            if (shape[-1] * old) % new:
                raise ValueError("When changing to a larger dtype, its size must be a divisor of "
                                 "the total size in bytes of the last axis of the array.")
            shape = shape[:-1] + (shape[-1] * old // new,)
            strides = strides[:-1] + (new,)
        return MetaArray(shape, dtype, strides, self.offset * old // new, self._root(),
                         self._writeable)

    def reshape(self, *shape, order: str = "C", copy=None) -> "MetaArray":
        """Another shape over the same elements (a view when the strides allow it)."""
        if len(shape) == 1 and not isinstance(shape[0], (int, np.integer)):
            shape = tuple(shape[0])
        shape = _resolve_shape(tuple(operator.index(s) for s in shape), self.size)
        if shape == self.shape:
            return self._view(self.shape, self.strides)
        strides = _view_strides(self.shape, self.strides, shape, self.dtype.itemsize)
        if strides is None or copy:
            return MetaArray(shape, self.dtype)
        return self._view(shape, strides)

    def ravel(self, order: str = "C") -> "MetaArray":
        return self.reshape(-1)

    def flatten(self, order: str = "C") -> "MetaArray":
        return MetaArray((self.size,), self.dtype)

    def transpose(self, *axes) -> "MetaArray":
        """Dimensions reordered (reversed by default); a view."""
        if len(axes) == 1 and not isinstance(axes[0], (int, np.integer)):
            axes = axes[0]
        if not axes:
            axes = tuple(builtins.range(self.ndim - 1, -1, -1))
        axes = tuple(_normalize_axis(a, self.ndim) for a in axes)
        if sorted(axes) != list(builtins.range(self.ndim)):
            raise ValueError("axes don't match array")
        return self._view(tuple(self.shape[a] for a in axes),
                          tuple(self.strides[a] for a in axes))

    def swapaxes(self, axis1: int, axis2: int) -> "MetaArray":
        axes = list(builtins.range(self.ndim))
        a1, a2 = _normalize_axis(axis1, self.ndim), _normalize_axis(axis2, self.ndim)
        axes[a1], axes[a2] = axes[a2], axes[a1]
        return self.transpose(axes)

    def squeeze(self, axis=None) -> "MetaArray":
        return _squeeze(self, axis)

    def astype(self, dtype, order: str = "K", casting: str = "unsafe", subok: bool = True,
               copy: bool = True) -> "MetaArray":
        """A meta array of ``dtype`` (itself when nothing changes and ``copy`` is False)."""
        dtype = np.dtype(dtype)
        if dtype == self.dtype and not copy:
            return self
        return MetaArray(self.shape, dtype, _dense_like_strides(self, dtype.itemsize))

    def copy(self, order: str = "K") -> "MetaArray":
        """A fresh meta array of the same shape and dtype (keeping the layout for order='K')."""
        if order == "K":
            return MetaArray(self.shape, self.dtype, _dense_like_strides(self,
                                                                         self.dtype.itemsize))
        return MetaArray(self.shape, self.dtype)

    def __copy__(self) -> "MetaArray":
        return self.copy()

    def __deepcopy__(self, memo) -> "MetaArray":
        return self.copy()

    def __reduce__(self):
        return (MetaArray, (self.shape, self.dtype))

    def conj(self) -> "MetaArray":
        return np.conjugate(self)

    conjugate = conj

    def fill(self, value) -> None:
        """Nothing to fill: a meta array holds no values."""

    def __getitem__(self, key) -> "MetaArray":
        return _getitem(self, key)

    def __setitem__(self, key, value) -> None:
        # No values to write; only check that the value fits the selected region (which a
        # meta boolean mask leaves unknown: any value is taken).
        if _has_meta_mask(key):
            return
        region = _getitem(self, key)
        value_shape = np.shape(value) if not isinstance(value, MetaArray) else value.shape
        try:
            np.broadcast_shapes(value_shape, region.shape)
        except ValueError:
            raise ValueError(f"could not broadcast input array from shape {value_shape} into "
                             f"shape {region.shape}") from None

    # -- reductions and friends as methods -------------------------------------------------------

    def sum(self, axis=None, dtype=None, out=None, keepdims=False, **kwargs):
        return np.sum(self, axis=axis, dtype=dtype, out=out, keepdims=keepdims)

    def prod(self, axis=None, dtype=None, out=None, keepdims=False, **kwargs):
        return np.prod(self, axis=axis, dtype=dtype, out=out, keepdims=keepdims)

    def mean(self, axis=None, dtype=None, out=None, keepdims=False, **kwargs):
        return np.mean(self, axis=axis, dtype=dtype, out=out, keepdims=keepdims)

    def max(self, axis=None, out=None, keepdims=False, **kwargs):
        return np.max(self, axis=axis, out=out, keepdims=keepdims)

    def min(self, axis=None, out=None, keepdims=False, **kwargs):
        return np.min(self, axis=axis, out=out, keepdims=keepdims)

    def any(self, axis=None, out=None, keepdims=False, **kwargs):
        return np.any(self, axis=axis, out=out, keepdims=keepdims)

    def all(self, axis=None, out=None, keepdims=False, **kwargs):
        return np.all(self, axis=axis, out=out, keepdims=keepdims)

    def argmax(self, axis=None, out=None, keepdims=False):
        return np.argmax(self, axis=axis, out=out, keepdims=keepdims)

    def argmin(self, axis=None, out=None, keepdims=False):
        return np.argmin(self, axis=axis, out=out, keepdims=keepdims)

    def std(self, axis=None, dtype=None, out=None, ddof=0, keepdims=False, **kwargs):
        return np.std(self, axis=axis, dtype=dtype, out=out, ddof=ddof, keepdims=keepdims)

    def var(self, axis=None, dtype=None, out=None, ddof=0, keepdims=False, **kwargs):
        return np.var(self, axis=axis, dtype=dtype, out=out, ddof=ddof, keepdims=keepdims)

    def cumsum(self, axis=None, dtype=None, out=None):
        return np.cumsum(self, axis=axis, dtype=dtype, out=out)

    def cumprod(self, axis=None, dtype=None, out=None):
        return np.cumprod(self, axis=axis, dtype=dtype, out=out)

    def clip(self, min=None, max=None, out=None, **kwargs):
        return np.clip(self, min, max, out=out, **kwargs)

    def round(self, decimals: int = 0, out=None):
        return np.round(self, decimals, out=out)

    def dot(self, other, out=None):
        return np.dot(self, other, out=out)

    def nonzero(self):
        return np.nonzero(self)

    def sort(self, axis=-1, kind=None, order=None) -> None:
        """Sorting in place changes no metadata."""

    def argsort(self, axis=-1, kind=None, order=None):
        return np.argsort(self, axis=axis)

    def repeat(self, repeats, axis=None):
        return np.repeat(self, repeats, axis=axis)

    def take(self, indices, axis=None, out=None, mode="raise"):
        return np.take(self, indices, axis=axis)

    def diagonal(self, offset=0, axis1=0, axis2=1):
        return np.diagonal(self, offset, axis1, axis2)

    def trace(self, offset=0, axis1=0, axis2=1, dtype=None, out=None):
        return np.trace(self, offset, axis1, axis2, dtype)

    # -- operators go through the ufuncs -------------------------------------------------------

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return _array_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        handler = _HANDLERS.get(func)
        if handler is not None:
            return handler(*args, **kwargs)
        return _via_proxies(func, args, kwargs)


def _binary(ufunc, reflected: bool = False):
    if reflected:
        def op(self, other):
            return ufunc(other, self)
    else:
        def op(self, other):
            return ufunc(self, other)
    return op


def _inplace(ufunc):
    def op(self, other):
        return ufunc(self, other, out=(self,))
    return op


for _name, _ufunc in [("add", np.add), ("sub", np.subtract), ("mul", np.multiply),
                      ("truediv", np.true_divide), ("floordiv", np.floor_divide),
                      ("mod", np.remainder), ("pow", np.power), ("matmul", np.matmul),
                      ("and", np.bitwise_and), ("or", np.bitwise_or), ("xor", np.bitwise_xor),
                      ("lshift", np.left_shift), ("rshift", np.right_shift)]:
    setattr(MetaArray, f"__{_name}__", _binary(_ufunc))
    setattr(MetaArray, f"__r{_name}__", _binary(_ufunc, reflected=True))
    setattr(MetaArray, f"__i{_name}__", _inplace(_ufunc))
for _name, _ufunc in [("eq", np.equal), ("ne", np.not_equal), ("lt", np.less),
                      ("le", np.less_equal), ("gt", np.greater), ("ge", np.greater_equal)]:
    setattr(MetaArray, f"__{_name}__", _binary(_ufunc))
MetaArray.__neg__ = lambda self: np.negative(self)
MetaArray.__pos__ = lambda self: np.positive(self)
MetaArray.__abs__ = lambda self: np.absolute(self)
MetaArray.__invert__ = lambda self: np.invert(self)
MetaArray.__divmod__ = lambda self, other: np.divmod(self, other)
MetaArray.__hash__ = None


# -- shapes ----------------------------------------------------------------------------------------

def _normalize_axis(axis, ndim: int) -> int:
    axis = operator.index(axis)
    if not -ndim <= axis < builtins.max(ndim, 1) or (ndim == 0 and axis not in (0, -1)):
        raise np.exceptions.AxisError(axis, ndim)
    return axis % ndim if ndim else 0


def _resolve_shape(shape: tuple, size: int) -> tuple:
    if -1 in shape:
        known = 1
        for s in shape:
            if s != -1:
                known *= s
        if shape.count(-1) > 1 or known == 0 or size % known:
            raise ValueError(f"cannot reshape array of size {size} into shape {shape}")
        shape = tuple(size // known if s == -1 else s for s in shape)
    n = 1
    for s in shape:
        n *= s
    if n != size:
        raise ValueError(f"cannot reshape array of size {size} into shape {shape}")
    return shape


def _view_strides(old_shape, old_strides, new_shape, itemsize):
    """Byte strides that view old_shape/old_strides memory as ``new_shape``, or None."""
    from ..ops.shape import view_strides
    element = view_strides(old_shape, tuple(s // itemsize for s in old_strides), new_shape)
    if element is None:
        return None
    return tuple(s * itemsize for s in element)


def _dense_like_strides(arr: MetaArray, itemsize: int) -> tuple:
    # PyTorch's empty_like layout (preserve_format), which NumPy's order='K' copies resemble.
    from .._storage import dense_like_strides, element_strides
    layout = dense_like_strides(arr.shape, element_strides(arr))
    return tuple(s * itemsize for s in layout)

def _shape_of(x) -> tuple:
    if isinstance(x, MetaArray):
        return x.shape
    return np.shape(x)


def _stand_in(x, size: int = 0):
    """A tiny real array with ``x``'s dtype (Python numbers stay numbers: they are 'weak')."""
    if isinstance(x, MetaArray):
        return np.zeros((size,), x.dtype)
    if isinstance(x, np.ndarray):
        return np.zeros((size,), x.dtype)
    return x


def proxy(arr: MetaArray) -> np.ndarray:
    """A read-only zero-strided array with ``arr``'s shape and dtype that uses one element."""
    return np.broadcast_to(np.zeros((), arr.dtype), arr.shape)


def _strided_proxy(arr: MetaArray) -> np.ndarray:
    # Real strides over a one-element buffer: only for computing views (nothing is read).
    base = np.zeros(1, arr.dtype)
    if arr.size == 0:
        return np.empty(arr.shape, arr.dtype)
    return np.lib.stride_tricks.as_strided(base, arr.shape, arr.strides, writeable=False)


def _to_proxies(obj):
    if isinstance(obj, MetaArray):
        return proxy(obj)
    if isinstance(obj, (list, tuple)):
        return type(obj)(_to_proxies(x) for x in obj)
    if isinstance(obj, dict):
        return {k: _to_proxies(v) for k, v in obj.items()}
    return obj


def _to_meta(obj):
    if isinstance(obj, np.ndarray):
        return MetaArray(obj.shape, obj.dtype)
    if isinstance(obj, np.generic):
        return MetaArray((), obj.dtype)
    if isinstance(obj, (list, tuple)) and not _is_namedtuple(obj):
        return type(obj)(_to_meta(x) for x in obj)
    if _is_namedtuple(obj):
        return type(obj)(*(_to_meta(x) for x in obj))
    return obj


def _is_namedtuple(obj) -> bool:
    return isinstance(obj, tuple) and hasattr(obj, "_fields")


def _via_proxies(func, args, kwargs):
    """Run ``func`` on zero-strided stand-ins and keep only the shapes of what it returns.

    The fallback for NumPy functions without a dedicated shape rule.  It is exact for shapes and
    dtypes; functions that build new arrays allocate them briefly at full size.
    """
    result = func(*_to_proxies(args), **_to_proxies(kwargs))
    return _to_meta(result)


# -- ufuncs ---------------------------------------------------------------------------------

def elementwise_strides(shape: tuple, inputs, itemsize: int):
    """Byte strides of an elementwise result, as PyTorch's TensorIterator lays it out.

    Row-major when every array input is; otherwise the dimensions are ordered by the inputs'
    strides (the first input that tells two dimensions apart decides, broadcast dimensions
    tell nothing), so ``exp`` of a transposed tensor comes out transposed, as in PyTorch.
    """
    ndim = len(shape)
    arrays = [x for x in inputs if type(x) is MetaArray or isinstance(x, np.ndarray)]
    if ndim < 2 or all(_is_dense(a.shape, a.strides, a.dtype.itemsize, False) for a in arrays):
        return None
    operand_strides = []
    for a in arrays:
        lead = ndim - a.ndim
        operand_strides.append([0] * lead + [
            0 if size == 1 and target != 1 else builtins.abs(stride)
            for size, target, stride in zip(a.shape, shape[lead:], a.strides)])

    def order(d0: int, d1: int) -> int:
        # > 0: d0 varies faster than d1 in memory (PyTorch's should_swap).
        for strides in operand_strides:
            s0, s1 = strides[d0], strides[d1]
            if s0 == 0 or s1 == 0:
                continue
            if s0 != s1:
                return 1 if s0 > s1 else -1
            if shape[d0] > shape[d1]:
                return 1
        return 0

    perm = list(builtins.range(ndim - 1, -1, -1))  # fastest-varying dimension first
    for i in builtins.range(1, ndim):
        moving = i
        for j in builtins.range(i - 1, -1, -1):
            swap = order(perm[j], perm[moving])
            if swap > 0:
                perm[j], perm[moving] = perm[moving], perm[j]
                moving = j
            elif swap < 0:
                break
    strides = [0] * ndim
    step = itemsize
    for d in perm:
        strides[d] = step
        step *= builtins.max(shape[d], 1)
    return tuple(strides)


def _array_ufunc(ufunc, method, inputs, kwargs):
    out = kwargs.pop("out", None)
    kwargs.pop("where", None)
    if method == "__call__":
        if ufunc.signature is not None:
            results = _gufunc(ufunc, inputs, kwargs)
        else:
            shape = np.broadcast_shapes(*(_shape_of(x) for x in inputs))
            sample = ufunc(*(_stand_in(x) for x in inputs), **kwargs)
            if ufunc.nout == 1:
                sample = (sample,)
            results = tuple(MetaArray(shape, s.dtype, elementwise_strides(shape, inputs,
                                                                          s.dtype.itemsize))
                            for s in sample)
    elif method == "reduce":
        results = (_ufunc_reduce(ufunc, inputs[0], **kwargs),)
    elif method == "accumulate":
        arr = inputs[0]
        axis = kwargs.pop("axis", 0)
        sample = ufunc.accumulate(_stand_in(arr, 1), **kwargs)
        _normalize_axis(axis, arr.ndim)
        results = (MetaArray(arr.shape, sample.dtype),)
    elif method == "outer":
        a, b = inputs
        sample = ufunc.outer(_stand_in(a, 1), _stand_in(b, 1), **kwargs)
        results = (MetaArray(_shape_of(a) + _shape_of(b), sample.dtype),)
    elif method == "at":
        return None
    else:
        return _via_proxies(getattr(ufunc, method), inputs, kwargs)
    if out is not None:
        return _into_out(out, results)
    return results[0] if len(results) == 1 else results


def _into_out(out, results):
    outs = out if isinstance(out, tuple) else (out,)
    for target, result in zip(outs, results):
        if target is None:
            continue
        if not isinstance(target, MetaArray):
            return NotImplemented
        if np.broadcast_shapes(target.shape, result.shape) != target.shape:
            raise ValueError(f"non-broadcastable output operand with shape {target.shape} "
                             f"doesn't match the broadcast shape {result.shape}")
    final = tuple(t if t is not None else r for t, r in zip(outs, results))
    return final[0] if len(final) == 1 else final


def _reduced_shape(shape: tuple, axis, keepdims: bool) -> tuple:
    ndim = len(shape)
    if axis is None:
        axes = set(builtins.range(ndim))
    elif isinstance(axis, (tuple, list)):
        axes = {_normalize_axis(a, ndim) for a in axis}
    else:
        axes = {_normalize_axis(axis, ndim)}
    if keepdims:
        return tuple(1 if i in axes else s for i, s in enumerate(shape))
    return tuple(s for i, s in enumerate(shape) if i not in axes)


def _ufunc_reduce(ufunc, arr, axis=0, dtype=None, keepdims=False, initial=np._NoValue,
                  **kwargs):
    extra = {} if initial is np._NoValue else {"initial": initial}
    sample = ufunc.reduce(_stand_in(arr, 1), dtype=dtype, **extra)
    sample_dtype = np.asarray(sample).dtype
    return MetaArray(_reduced_shape(arr.shape, axis, keepdims), sample_dtype)


def _gufunc(ufunc, inputs, kwargs):
    if ufunc is np.matmul:
        a, b = inputs
        sample = np.matmul(np.zeros((1, 1), _dtype_of(a)), np.zeros((1, 1), _dtype_of(b)),
                           **kwargs)
        return (MetaArray(_matmul_shape(_shape_of(a), _shape_of(b)), sample.dtype),)
    result = _via_proxies(ufunc, inputs, kwargs)
    return result if isinstance(result, tuple) else (result,)


def _dtype_of(x):
    if isinstance(x, (MetaArray, np.ndarray, np.generic)):
        return x.dtype
    return np.asarray(x).dtype


def _matmul_shape(sa: tuple, sb: tuple) -> tuple:
    if not sa or not sb:
        raise ValueError("matmul: Input operand does not have enough dimensions")
    a = (1,) + sa if len(sa) == 1 else sa
    b = sb + (1,) if len(sb) == 1 else sb
    if a[-1] != b[-2]:
        raise ValueError(f"matmul: Input operand 1 has a mismatch in its core dimension 0, with "
                         f"gufunc signature (n?,k),(k,m?)->(n?,m?) (size {b[-2]} is different "
                         f"from {a[-1]})")
    batch = np.broadcast_shapes(a[:-2], b[:-2])
    shape = batch + (a[-2], b[-1])
    if len(sa) == 1:
        shape = shape[:-2] + shape[-1:]
    if len(sb) == 1:
        shape = shape[:-1]
    return shape


# -- indexing -------------------------------------------------------------------------------

def _is_basic_key(key) -> bool:
    items = key if isinstance(key, tuple) else (key,)
    for item in items:
        if item is None or item is Ellipsis or isinstance(item, slice):
            continue
        if isinstance(item, (int, np.integer)) and not isinstance(item, (bool, np.bool_)):
            continue
        return False
    return True


def _unsqueeze_strides(shape, strides, itemsize: int) -> tuple:
    # NumPy gives a new axis (None) stride 0; PyTorch gives it the stride that would make it
    # contiguous with the next dimension.
    strides = list(strides)
    for d in builtins.range(len(shape) - 1, -1, -1):
        if shape[d] == 1 and strides[d] == 0:
            strides[d] = shape[d + 1] * strides[d + 1] if d + 1 < len(shape) else itemsize
    return tuple(strides)


def _has_meta_mask(key) -> bool:
    items = key if isinstance(key, tuple) else (key,)
    return any(type(item) is MetaArray and item.dtype == np.bool_ for item in items)


def _getitem(arr: MetaArray, key) -> MetaArray:
    if _is_basic_key(key):
        # A view: compute its strides and offset on a strided proxy (nothing is read).
        source = _strided_proxy(arr)
        view = source[key]
        if arr.size == 0 or view.size == 0:
            strides = view.strides if arr.size else _contiguous_strides(view.shape,
                                                                        arr.dtype.itemsize)
            return arr._view(view.shape, strides)
        start = source.__array_interface__["data"][0]
        moved = (view.__array_interface__["data"][0] - start) // arr.dtype.itemsize
        return arr._view(view.shape, _unsqueeze_strides(view.shape, view.strides,
                                                        arr.dtype.itemsize),
                         arr.offset + moved)
    # Advanced indexing copies: the shape is all that matters, and a zero-strided proxy (whose
    # one element may be read freely) gives it.
    items = key if isinstance(key, tuple) else (key,)
    fixed = []
    for item in items:
        if isinstance(item, MetaArray):
            if item.dtype == np.bool_:
                raise NotImplementedError(
                    "boolean masks on meta arrays give a data-dependent shape, which a meta "
                    "tensor cannot know")
            item = np.zeros(item.shape, item.dtype)
        fixed.append(item)
    result = proxy(arr)[tuple(fixed) if isinstance(key, tuple) else fixed[0]]
    return MetaArray(np.shape(result), arr.dtype)


# -- NumPy functions with dedicated shape rules ----------------------------------------------

_HANDLERS: dict = {}


def _implements(*funcs):
    def register(handler):
        for f in funcs:
            _HANDLERS[f] = handler
        return handler
    return register


def _sample_reduce(func, dtype, extra=None):
    return np.asarray(func(np.zeros((1,), dtype), **(extra or {}))).dtype


def _reduction(func, with_dtype: bool):
    def handler(a, axis=None, dtype=None, out=None, keepdims=False, **kwargs):
        kwargs.pop("where", None)
        kwargs.pop("initial", None)
        extra = {"dtype": dtype} if with_dtype and dtype is not None else {}
        if "ddof" in kwargs:
            extra["ddof"] = 0
        result = MetaArray(_reduced_shape(_shape_of(a), axis, keepdims),
                           _sample_reduce(func, _dtype_of(a), extra))
        return result if out is None else _into_out(out, (result,))
    return handler


for _f in (np.sum, np.prod, np.mean, np.std, np.var, np.nansum, np.nanprod, np.nanmean):
    _HANDLERS[_f] = _reduction(_f, True)
for _f in (np.max, np.min, np.amax, np.amin, np.nanmax, np.nanmin, np.ptp):
    _HANDLERS[_f] = _reduction(_f, False)


def _truth_of(reduction, truth: bool):
    """``any``/``all`` whose meta answer has a truth value.

    Op code validates data with ``if bad.any(): raise`` or ``if not ok.all(): raise``.  A meta
    array has no values that could fail such a check (PyTorch's meta kernels skip them), so the
    answer reads as it would for valid data: ``any()`` is false and ``all()`` true.  ``bool()``
    of any other meta array still raises.
    """
    def handler(a, axis=None, out=None, keepdims=False, **kwargs):
        result = reduction(a, axis=axis, out=out, keepdims=keepdims, **kwargs)
        if type(result) is MetaArray and result.size == 1:
            result._truth = truth
        return result
    return handler


_HANDLERS[np.any] = _truth_of(_reduction(np.any, False), False)
_HANDLERS[np.all] = _truth_of(_reduction(np.all, False), True)


@_implements(np.argmax, np.argmin)
def _argreduce(a, axis=None, out=None, keepdims=False):
    shape = _shape_of(a)
    if axis is None:
        result_shape = (1,) * len(shape) if keepdims else ()
    else:
        result_shape = _reduced_shape(shape, axis, keepdims)
    return MetaArray(result_shape, np.intp)


@_implements(np.count_nonzero)
def _count_nonzero(a, axis=None, keepdims=False):
    return MetaArray(_reduced_shape(_shape_of(a), axis, keepdims), np.intp)


@_implements(np.cumsum, np.cumprod, np.nancumsum, np.nancumprod)
def _cumulative(a, axis=None, dtype=None, out=None):
    sample = np.cumsum(np.zeros(1, _dtype_of(a)), dtype=dtype).dtype
    shape = (a.size,) if axis is None else _shape_of(a)
    if axis is not None:
        _normalize_axis(axis, len(shape))
    result = MetaArray(shape, sample)
    return result if out is None else _into_out(out, (result,))


@_implements(np.reshape)
def _reshape(a, shape=None, order="C", *, newshape=None, copy=None):
    return a.reshape(shape if shape is not None else newshape)


@_implements(np.ravel)
def _ravel(a, order="C"):
    return a.ravel()


@_implements(np.transpose)
def _transpose(a, axes=None):
    return a.transpose() if axes is None else a.transpose(axes)


@_implements(np.swapaxes)
def _swapaxes(a, axis1, axis2):
    return a.swapaxes(axis1, axis2)


@_implements(np.moveaxis)
def _moveaxis(a, source, destination):
    src = [source] if isinstance(source, (int, np.integer)) else list(source)
    dst = [destination] if isinstance(destination, (int, np.integer)) else list(destination)
    src = [_normalize_axis(s, a.ndim) for s in src]
    dst = [_normalize_axis(d, a.ndim) for d in dst]
    order = [n for n in builtins.range(a.ndim) if n not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return a.transpose(order)


@_implements(np.expand_dims)
def _expand_dims(a, axis):
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    ndim = a.ndim + len(axes)
    axes = sorted(_normalize_axis(x, ndim) for x in axes)
    shape = list(a.shape)
    strides = list(a.strides)
    for d in axes:
        # PyTorch's rule for the stride of an inserted size-1 dim (unsqueeze).
        stride = a.dtype.itemsize if d >= len(shape) else shape[d] * strides[d]
        shape.insert(d, 1)
        strides.insert(d, stride)
    return a._view(tuple(shape), tuple(strides))


def _squeeze(a: MetaArray, axis=None) -> MetaArray:
    if axis is None:
        keep = [i for i, s in enumerate(a.shape) if s != 1]
    else:
        axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
        axes = {_normalize_axis(x, a.ndim) for x in axes}
        for x in axes:
            if a.shape[x] != 1:
                raise ValueError("cannot select an axis to squeeze out which has size not equal "
                                 "to one")
        keep = [i for i in builtins.range(a.ndim) if i not in axes]
    return a._view(tuple(a.shape[i] for i in keep), tuple(a.strides[i] for i in keep))


@_implements(np.squeeze)
def _squeeze_handler(a, axis=None):
    return _squeeze(a, axis)


@_implements(np.broadcast_to)
def _broadcast_to(array, shape, subok=False):
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    src = _shape_of(array)
    if np.broadcast_shapes(src, shape) != shape:
        raise ValueError(f"operands could not be broadcast together with remapped shapes "
                         f"[original->remapped]: {src}  and requested shape {shape}")
    if not isinstance(array, MetaArray):
        array = MetaArray(src, _dtype_of(array))
    lead = len(shape) - len(src)
    strides = [0] * lead + [0 if s == 1 and t != 1 else st
                            for s, t, st in zip(src, shape[lead:], array.strides)]
    return array._view(shape, tuple(strides), writeable=False)


@_implements(np.broadcast_arrays)
def _broadcast_arrays(*args, subok=False):
    shape = np.broadcast_shapes(*(_shape_of(a) for a in args))
    return tuple(_broadcast_to(a, shape) for a in args)


@_implements(np.concatenate)
def _concatenate(arrays, axis=0, out=None, dtype=None, casting="same_kind"):
    arrays = list(arrays)
    shapes = [_shape_of(a) for a in arrays]
    sample = np.concatenate([np.zeros((1,), _dtype_of(a)) for a in arrays], dtype=dtype)
    if axis is None:
        result = MetaArray((builtins.sum(int(np.prod(s)) for s in shapes),), sample.dtype)
    else:
        ndim = len(shapes[0])
        if ndim == 0:
            raise ValueError("zero-dimensional arrays cannot be concatenated")
        axis = _normalize_axis(axis, ndim)
        for i, s in enumerate(shapes[1:], 1):
            if len(s) != ndim:
                raise ValueError(f"all the input array dimensions except for the concatenation "
                                 f"axis must match exactly, but along dimension 0, the array at "
                                 f"index 0 has {ndim} dimension(s) and the array at index {i} has "
                                 f"{len(s)} dimension(s)")
            for d in builtins.range(ndim):
                if d != axis and s[d] != shapes[0][d]:
                    raise ValueError(f"all the input array dimensions except for the "
                                     f"concatenation axis must match exactly, but along "
                                     f"dimension {d}, the array at index 0 has size "
                                     f"{shapes[0][d]} and the array at index {i} has size {s[d]}")
        shape = list(shapes[0])
        shape[axis] = builtins.sum(s[axis] for s in shapes)
        result = MetaArray(tuple(shape), sample.dtype)
    return result if out is None else _into_out(out, (result,))


@_implements(np.stack)
def _stack(arrays, axis=0, out=None, dtype=None, casting="same_kind"):
    arrays = list(arrays)
    shapes = {_shape_of(a) for a in arrays}
    if len(shapes) != 1:
        raise ValueError("all input arrays must have the same shape")
    (shape,) = shapes
    axis = _normalize_axis(axis, len(shape) + 1)
    sample = np.concatenate([np.zeros((1,), _dtype_of(a)) for a in arrays], dtype=dtype)
    result = MetaArray(shape[:axis] + (len(arrays),) + shape[axis:], sample.dtype)
    return result if out is None else _into_out(out, (result,))


@_implements(np.where)
def _where(condition, *values):
    if not values:
        return _nonzero(condition)
    x, y = values
    shape = np.broadcast_shapes(_shape_of(condition), _shape_of(x), _shape_of(y))
    sample = np.where(np.zeros((0,), bool), _stand_in(x), _stand_in(y))
    return MetaArray(shape, sample.dtype)


@_implements(np.nonzero, np.argwhere, np.flatnonzero, np.unique, np.extract)
def _nonzero(*args, **kwargs):
    raise NotImplementedError("this operation's output shape depends on the values of a meta "
                              "array, which has none")


@_implements(np.copyto)
def _copyto(dst, src, casting="same_kind", where=True):
    if isinstance(dst, MetaArray):
        np.broadcast_shapes(_shape_of(src), dst.shape)
        return None
    raise NotImplementedError(_NO_DATA)


@_implements(np.empty_like, np.zeros_like, np.ones_like)
def _empty_like(prototype, dtype=None, order="K", subok=True, shape=None, **kwargs):
    shape = prototype.shape if shape is None else tuple(np.atleast_1d(shape)) \
        if not isinstance(shape, (int, np.integer)) else (shape,)
    return MetaArray(shape, prototype.dtype if dtype is None else dtype)


# Creation functions called with ``like=`` a meta array (NEP 35) make meta arrays: op code
# allocates its result buffers with ``np.empty(shape, dtype, like=arr)`` to stay on arr's device.

def _shape_tuple(shape) -> tuple:
    if isinstance(shape, (int, np.integer)):
        return (operator.index(shape),)
    return tuple(operator.index(s) for s in shape)


@_implements(np.empty, np.zeros, np.ones)
def _empty(shape, dtype=float, order="C", **kwargs):
    return MetaArray(_shape_tuple(shape), float if dtype is None else dtype)


@_implements(np.full)
def _full(shape, fill_value, dtype=None, order="C", **kwargs):
    if dtype is None:
        dtype = _dtype_of(fill_value)
    return MetaArray(_shape_tuple(shape), dtype)


@_implements(np.arange)
def _arange(start, stop=None, step=1, dtype=None, **kwargs):
    if stop is None:
        start, stop = 0, start
    length = builtins.max(0, math.ceil((stop - start) / step))
    sample = np.arange(start, start + step, step, dtype=dtype)
    return MetaArray((length,), sample.dtype)


@_implements(np.eye, np.tri)
def _eye(N, M=None, k=0, dtype=float, **kwargs):
    return MetaArray((N, N if M is None else M), dtype)


@_implements(np.identity)
def _identity(n, dtype=None, **kwargs):
    return MetaArray((n, n), float if dtype is None else dtype)


@_implements(np.asarray, np.asanyarray)
def _asarray(a, dtype=None, order=None, **kwargs):
    return asarray(a, dtype)


@_implements(np.array)
def _array(a, dtype=None, copy=True, order="K", **kwargs):
    result = asarray(a, dtype)
    return result.copy() if copy and result is a else result


@_implements(np.ascontiguousarray)
def _ascontiguousarray(a, dtype=None, **kwargs):
    return contiguous_array(asarray(a, dtype))


@_implements(np.full_like)
def _full_like(a, fill_value, dtype=None, order="K", subok=True, shape=None, **kwargs):
    return _empty_like(a, dtype=dtype, shape=shape)


@_implements(np.shape)
def _np_shape(a):
    return _shape_of(a)


@_implements(np.ndim)
def _np_ndim(a):
    return len(_shape_of(a))


@_implements(np.size)
def _np_size(a, axis=None):
    return a.size if axis is None else a.shape[axis]


@_implements(np.result_type)
def _result_type(*arrays_and_dtypes):
    return np.result_type(*(x.dtype if isinstance(x, MetaArray) else x
                            for x in arrays_and_dtypes))


@_implements(np.may_share_memory, np.shares_memory)
def _shares_memory(a, b, max_work=None):
    return (isinstance(a, MetaArray) and isinstance(b, MetaArray)
            and a._root() is b._root())


@_implements(np.dot)
def _dot(a, b, out=None):
    sa, sb = _shape_of(a), _shape_of(b)
    sample = np.dot(np.zeros((1,), _dtype_of(a)), np.zeros((1,), _dtype_of(b)))
    if not sa or not sb:
        shape = np.broadcast_shapes(sa, sb)
    elif len(sb) == 1 or len(sa) == 1:
        shape = _matmul_shape(sa, sb)
    else:
        if sa[-1] != sb[-2]:
            raise ValueError(f"shapes {sa} and {sb} not aligned: {sa[-1]} (dim {len(sa) - 1}) != "
                             f"{sb[-2]} (dim {len(sb) - 2})")
        shape = sa[:-1] + sb[:-2] + sb[-1:]
    result = MetaArray(shape, np.asarray(sample).dtype)
    return result if out is None else _into_out(out, (result,))


@_implements(np.tensordot)
def _tensordot(a, b, axes=2):
    sa, sb = _shape_of(a), _shape_of(b)
    if isinstance(axes, (int, np.integer)):
        axes_a = list(builtins.range(len(sa) - axes, len(sa)))
        axes_b = list(builtins.range(axes))
    else:
        axes_a, axes_b = axes
        axes_a = [axes_a] if isinstance(axes_a, (int, np.integer)) else list(axes_a)
        axes_b = [axes_b] if isinstance(axes_b, (int, np.integer)) else list(axes_b)
    axes_a = [_normalize_axis(x, len(sa)) for x in axes_a]
    axes_b = [_normalize_axis(x, len(sb)) for x in axes_b]
    if [sa[x] for x in axes_a] != [sb[x] for x in axes_b]:
        raise ValueError("shape-mismatch for sum")
    shape = tuple(s for i, s in enumerate(sa) if i not in axes_a) + \
        tuple(s for i, s in enumerate(sb) if i not in axes_b)
    sample = np.dot(np.zeros((1,), _dtype_of(a)), np.zeros((1,), _dtype_of(b)))
    return MetaArray(shape, np.asarray(sample).dtype)


@_implements(np.einsum)
def _einsum(subscripts, *operands, out=None, dtype=None, optimize=False, **kwargs):
    if not isinstance(subscripts, str):
        return _via_proxies(np.einsum, (subscripts,) + operands, dict(out=out, dtype=dtype))
    inputs, arrow, output = subscripts.replace(" ", "").partition("->")
    terms = inputs.split(",")
    sizes: dict = {}
    batch_shapes = []
    for term, operand in zip(terms, operands):
        shape = _shape_of(operand)
        if "..." in term:
            head, tail = term.split("...")
            n_batch = len(shape) - len(head) - len(tail)
            batch_shapes.append(shape[len(head):len(head) + n_batch])
            letters = head + tail
            dims = shape[:len(head)] + shape[len(head) + n_batch:]
        else:
            letters, dims = term, shape
        if len(letters) != len(dims):
            raise ValueError("einstein sum subscripts string contains too many subscripts for "
                             "operand")
        for letter, size in zip(letters, dims):
            known = sizes.get(letter)
            if known is not None and known != size and 1 not in (known, size):
                raise ValueError(f"operands could not be broadcast together with remapped shapes "
                                 f"for subscript {letter!r}")
            sizes[letter] = size if known in (None, 1) else known
    batch = np.broadcast_shapes(*batch_shapes) if batch_shapes else ()
    if (len(operands) == 1 and arrow and "." not in subscripts
            and sorted(output) == sorted(terms[0]) and len(set(terms[0])) == len(terms[0])
            and dtype is None and out is None and type(operands[0]) is MetaArray):
        # A pure permutation: NumPy hands back a view, and so does the meta array.
        return operands[0].transpose([terms[0].index(c) for c in output])
    if not arrow:
        letters = "".join(c for c in inputs if c.isalpha())
        output = ("..." if batch_shapes else "") + "".join(
            sorted(c for c in set(letters) if letters.count(c) == 1))
    head, ellipsis, tail = output.partition("...")
    shape = tuple(sizes[c] for c in head) + (batch if ellipsis else ()) + \
        tuple(sizes[c] for c in tail)
    sample = np.einsum(",".join("" for _ in operands) + "->",
                       *(np.zeros((), _dtype_of(o)) for o in operands), dtype=dtype)
    result = MetaArray(shape, np.asarray(sample).dtype)
    return result if out is None else _into_out(out, (result,))


@_implements(np.clip)
def _clip(a, a_min=np._NoValue, a_max=np._NoValue, out=None, *, min=np._NoValue,
          max=np._NoValue, **kwargs):
    low = a_min if a_min is not np._NoValue else (None if min is np._NoValue else min)
    high = a_max if a_max is not np._NoValue else (None if max is np._NoValue else max)
    shapes = [_shape_of(a)] + [_shape_of(v) for v in (low, high) if v is not None]
    sample = np.clip(_stand_in(a), _stand_in(low) if low is not None else None,
                     _stand_in(high) if high is not None else None)
    result = MetaArray(np.broadcast_shapes(*shapes), sample.dtype)
    return result if out is None else _into_out(out, (result,))


@_implements(np.round, np.around)
def _round(a, decimals=0, out=None):
    result = MetaArray(a.shape, a.dtype)
    return result if out is None else _into_out(out, (result,))


@_implements(np.roll, np.tril, np.triu)
def _same_shape(a, *args, **kwargs):
    return MetaArray(a.shape, a.dtype)


@_implements(np.sort)
def _sort(a, axis=-1, **kwargs):
    if axis is None:
        return MetaArray((a.size,), a.dtype)
    _normalize_axis(axis, a.ndim)
    return MetaArray(a.shape, a.dtype)


@_implements(np.argsort)
def _argsort(a, axis=-1, **kwargs):
    if axis is None:
        return MetaArray((a.size,), np.intp)
    _normalize_axis(axis, a.ndim)
    return MetaArray(a.shape, np.intp)


@_implements(np.take)
def _take(a, indices, axis=None, out=None, mode="raise"):
    shape, index_shape = _shape_of(a), _shape_of(indices)
    if axis is None:
        result_shape = index_shape
    else:
        axis = _normalize_axis(axis, len(shape))
        result_shape = shape[:axis] + index_shape + shape[axis + 1:]
    result = MetaArray(result_shape, _dtype_of(a))
    return result if out is None else _into_out(out, (result,))


@_implements(np.take_along_axis)
def _take_along_axis(arr, indices, axis=-1):
    shape, index_shape = _shape_of(arr), _shape_of(indices)
    if axis is None:
        return MetaArray(index_shape, _dtype_of(arr))
    if len(index_shape) != len(shape):
        raise ValueError("`indices` and `arr` must have the same number of dimensions")
    axis = _normalize_axis(axis, len(shape))
    rest = np.broadcast_shapes(shape[:axis] + (1,) + shape[axis + 1:],
                               index_shape[:axis] + (1,) + index_shape[axis + 1:])
    return MetaArray(rest[:axis] + (index_shape[axis],) + rest[axis + 1:], _dtype_of(arr))


@_implements(np.put_along_axis, np.put, np.place, np.putmask)
def _put_nothing(*args, **kwargs):
    return None  # writes change no metadata


@_implements(np.tile)
def _tile(A, reps):
    reps = (reps,) if isinstance(reps, (int, np.integer)) else tuple(reps)
    shape = _shape_of(A)
    ndim = builtins.max(len(shape), len(reps))
    shape = (1,) * (ndim - len(shape)) + shape
    reps = (1,) * (ndim - len(reps)) + reps
    return MetaArray(tuple(s * r for s, r in zip(shape, reps)), _dtype_of(A))


@_implements(np.repeat)
def _repeat(a, repeats, axis=None):
    if type(repeats) is MetaArray:
        _nonzero()  # the counts are data
    shape = _shape_of(a)
    if axis is None:
        shape, axis = (int(np.prod(shape)),), 0
    axis = _normalize_axis(axis, len(shape))
    counts = np.broadcast_to(np.asarray(repeats), (shape[axis],))
    return MetaArray(shape[:axis] + (int(counts.sum()),) + shape[axis + 1:], _dtype_of(a))


@_implements(np.flip)
def _flip(m, axis=None):
    ndim = m.ndim
    axes = builtins.range(ndim) if axis is None else \
        {_normalize_axis(x, ndim) for x in ((axis,) if isinstance(axis, (int, np.integer))
                                             else axis)}
    return m[tuple(slice(None, None, -1) if d in axes else slice(None)
                   for d in builtins.range(ndim))]


@_implements(np.searchsorted)
def _searchsorted(a, v, side="left", sorter=None):
    return MetaArray(_shape_of(v), np.intp)


@_implements(np.partition, np.sort_complex)
def _partition(a, *args, axis=-1, **kwargs):
    return MetaArray(_shape_of(a), _dtype_of(a))


@_implements(np.lexsort)
def _lexsort(keys, axis=-1):
    shape = _shape_of(keys)[1:]
    return MetaArray(shape if axis is not None else (int(np.prod(shape)),), np.intp)


@_implements(np.ravel_multi_index)
def _ravel_multi_index(multi_index, dims, mode="raise", order="C"):
    return MetaArray(np.broadcast_shapes(*(_shape_of(i) for i in multi_index)), np.intp)


def _elementwise_function(func, dtype_rule):
    """Register a NumPy function that maps each element of its first argument to one result."""
    def handler(x, *args, **kwargs):
        shape = _shape_of(x)
        dtype = np.dtype(dtype_rule(_dtype_of(x)))
        return MetaArray(shape, dtype, elementwise_strides(shape, (x,), dtype.itemsize))
    _HANDLERS[func] = handler


_elementwise_function(np.isneginf, lambda dtype: np.bool_)
_elementwise_function(np.isposinf, lambda dtype: np.bool_)
_elementwise_function(np.isreal, lambda dtype: np.bool_)
_elementwise_function(np.nan_to_num, lambda dtype: dtype)
_elementwise_function(np.real_if_close, lambda dtype: dtype)
_elementwise_function(np.angle, lambda dtype: np.angle(np.zeros(1, dtype)).dtype)


@_implements(np.vdot)
def _vdot(a, b):
    return MetaArray((), np.vdot(np.zeros(1, _dtype_of(a)), np.zeros(1, _dtype_of(b))).dtype)


@_implements(np.cross)
def _cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    sample = np.cross(np.zeros(3, _dtype_of(a)), np.zeros(3, _dtype_of(b)))
    if axis is not None:
        axisa = axisb = axisc = axis
    sa = list(_shape_of(a))
    sb = list(_shape_of(b))
    size = sa.pop(_normalize_axis(axisa, len(sa)))
    sb.pop(_normalize_axis(axisb, len(sb)))
    batch = np.broadcast_shapes(tuple(sa), tuple(sb))
    if size == 2:
        return MetaArray(batch, sample.dtype)
    axisc = _normalize_axis(axisc, len(batch) + 1)
    return MetaArray(batch[:axisc] + (3,) + batch[axisc:], sample.dtype)


# -- linear algebra: the shapes of the factorizations, with NumPy's result dtypes -------------

def _linalg_dtype(func, *dtypes, **kwargs):
    """Result dtypes of ``np.linalg`` function ``func`` for inputs of ``dtypes`` (run on 1x1
    identity matrices, which every factorization accepts)."""
    sample = func(*(np.eye(1, dtype=d) for d in dtypes), **kwargs)
    if isinstance(sample, tuple):
        return tuple(np.asarray(x).dtype for x in sample)
    return np.asarray(sample).dtype


def _square(a, name: str = "") -> tuple:
    shape = _shape_of(a)
    if len(shape) < 2:
        raise np.linalg.LinAlgError(f"{len(shape)}-dimensional array given. Array must be at "
                                    f"least two-dimensional")
    if shape[-1] != shape[-2]:
        raise np.linalg.LinAlgError("Last 2 dimensions of the array must be square")
    return shape


@_implements(np.linalg.inv, np.linalg.cholesky, np.linalg.matrix_power)
def _linalg_same_shape(a, *args, **kwargs):
    return MetaArray(_square(a), _linalg_dtype(np.linalg.inv, _dtype_of(a)))


@_implements(np.linalg.pinv)
def _pinv(a, *args, **kwargs):
    shape = _shape_of(a)
    return MetaArray(shape[:-2] + (shape[-1], shape[-2]), _linalg_dtype(np.linalg.pinv,
                                                                         _dtype_of(a)))


@_implements(np.linalg.det)
def _det(a):
    return MetaArray(_square(a)[:-2], _linalg_dtype(np.linalg.det, _dtype_of(a)))


@_implements(np.linalg.slogdet)
def _slogdet(a):
    shape = _square(a)[:-2]
    sign, logabs = _linalg_dtype(np.linalg.slogdet, _dtype_of(a))
    return type(np.linalg.slogdet(np.eye(1)))(MetaArray(shape, sign), MetaArray(shape, logabs))


@_implements(np.linalg.solve)
def _solve(a, b):
    sa, sb = _square(a), _shape_of(b)
    dtype = np.linalg.solve(np.eye(1, dtype=_dtype_of(a)), np.ones(1, _dtype_of(b))).dtype
    if len(sb) == 1:
        return MetaArray(sa[:-1], dtype)
    batch = np.broadcast_shapes(sa[:-2], sb[:-2])
    return MetaArray(batch + sb[-2:], dtype)


@_implements(np.linalg.qr)
def _qr(a, mode="reduced"):
    shape = _shape_of(a)
    m, n = shape[-2:]
    k = builtins.min(m, n)
    batch = shape[:-2]
    dtypes = _linalg_dtype(np.linalg.qr, _dtype_of(a), mode=mode)
    if mode == "r":
        return MetaArray(batch + (k, n), dtypes)
    if mode == "raw":
        return (MetaArray(batch + (n, m), dtypes[0]), MetaArray(batch + (k,), dtypes[1]))
    rows = m if mode == "complete" else k
    return type(np.linalg.qr(np.eye(1)))(MetaArray(batch + (m, rows), dtypes[0]),
                                         MetaArray(batch + (rows, n), dtypes[1]))


@_implements(np.linalg.svd)
def _svd(a, full_matrices=True, compute_uv=True, hermitian=False):
    shape = _shape_of(a)
    m, n = shape[-2:]
    k = builtins.min(m, n)
    batch = shape[:-2]
    dtypes = _linalg_dtype(np.linalg.svd, _dtype_of(a))
    values = MetaArray(batch + (k,), dtypes[1])
    if not compute_uv:
        return values
    u_cols, v_rows = (m, n) if full_matrices else (k, k)
    return type(np.linalg.svd(np.eye(1)))(MetaArray(batch + (m, u_cols), dtypes[0]), values,
                                          MetaArray(batch + (v_rows, n), dtypes[2]))


def _values_dtype(func, dtype, complex_result: bool):
    values = np.asarray(func(np.eye(1, dtype=dtype))).dtype
    return np.result_type(values, np.complex64) if complex_result else values


@_implements(np.linalg.svdvals)
def _svdvals(x):
    shape = _shape_of(x)
    return MetaArray(shape[:-2] + (builtins.min(shape[-2:]),),
                     _values_dtype(np.linalg.svdvals, _dtype_of(x), False))


@_implements(np.linalg.eigvals)
def _eigvals(a):
    shape = _square(a)
    # NumPy answers real or complex by the values; PyTorch's eigenvalues are always complex.
    return MetaArray(shape[:-1], _values_dtype(np.linalg.eigvals, _dtype_of(a), True))


@_implements(np.linalg.eigvalsh)
def _eigvalsh(a, UPLO="L"):  # noqa: N803 - NumPy's name
    shape = _square(a)
    return MetaArray(shape[:-1], _values_dtype(np.linalg.eigvalsh, _dtype_of(a), False))


@_implements(np.linalg.eig)
def _eig(a):
    shape = _square(a)
    dtype = _values_dtype(np.linalg.eigvals, _dtype_of(a), True)
    return type(np.linalg.eig(np.eye(1)))(MetaArray(shape[:-1], dtype), MetaArray(shape, dtype))


@_implements(np.linalg.eigh)
def _eigh(a, UPLO="L"):  # noqa: N803 - NumPy's name
    shape = _square(a)
    values, vectors = _linalg_dtype(np.linalg.eigh, _dtype_of(a))
    return type(np.linalg.eigh(np.eye(1)))(MetaArray(shape[:-1], values),
                                           MetaArray(shape, vectors))


def _allclose(*args, **kwargs):
    raise NotImplementedError(_NO_DATA)


for _f in (np.allclose, np.array_equal, np.array_equiv, np.array2string, np.array_repr,
           np.array_str, np.save, np.savetxt):
    _HANDLERS[_f] = _allclose


# -- the backend interface ----------------------------------------------------------------

xp = np
array_type = MetaArray


def asarray(obj, dtype=None) -> MetaArray:
    """A meta array with the shape and dtype that ``obj`` would have as an array."""
    if isinstance(obj, MetaArray):
        return obj if dtype is None else obj.astype(dtype, copy=False)
    arr = np.asarray(obj)
    return MetaArray(arr.shape, arr.dtype if dtype is None else dtype)


def no_meta_kernel(op: str):
    """PyTorch's NotImplementedError for an op with no meta implementation (its result's shape
    or its work depends on the values, which a meta tensor does not have)."""
    raise NotImplementedError(f"{op}: attempted to run this operator with Meta tensors, but "
                              f"there was no fake impl or Meta kernel registered.")


def empty(shape, dtype) -> MetaArray:
    """A new meta array (allocates nothing)."""
    return MetaArray(shape, dtype)


def empty_strided(shape, strides, dtype) -> MetaArray:
    """A new meta array with element ``strides``."""
    dtype = np.dtype(dtype)
    return MetaArray(shape, dtype, tuple(s * dtype.itemsize for s in strides))


def as_strided(arr: MetaArray, shape, strides, writeable: bool = True) -> MetaArray:
    """A view of ``arr``'s memory with ``shape`` and byte ``strides``."""
    return arr._view(tuple(shape), tuple(strides), writeable=arr._writeable and writeable)


def to_host(arr):
    raise NotImplementedError(_NO_DATA)


def is_meta(arr) -> bool:
    """Whether ``arr`` is a meta array."""
    return type(arr) is MetaArray


def contiguous_array(value):
    """``np.ascontiguousarray(value)`` that also accepts meta arrays."""
    if type(value) is MetaArray:
        return value if value.flags.c_contiguous else value.copy(order="C")
    return np.ascontiguousarray(value)
