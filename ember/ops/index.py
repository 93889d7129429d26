"""Indexing: ``tensor[key]``, ``tensor[key] = value`` and ``index_put``.

A key is read the way PyTorch reads it.  Its items are applied left to right to build a view:
ints select, slices slice, ``None`` and Python bools insert a dimension, ``...`` skips
dimensions.  Integer and boolean tensors (and lists or arrays of them) are recorded instead,
at the dimension they index in that view; when there are any, the result is a copy gathered
with NumPy's advanced indexing, whose rules for where the indexed dimensions go match
PyTorch's once the ints have been applied as selects.

An :class:`IndexPlan` (a basic NumPy key for the view plus an advanced key on the view) is
what the differentiable helpers :func:`index_with_plan` and :func:`index_put_with_plan`
share: getitem's backward puts, put's backward gets.
"""
from __future__ import annotations

import operator
import warnings

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.grad_mode import state as grad_state
from ..autograd.node import Node
from ..backends import backend_of, holds_values
from ._dispatch import apply_inplace, bind_methods, check_inplace, shape_str

wrap = Tensor._make

_INT64 = np.dtype(np.int64)
_INDEX_DTYPES = (np.dtype(np.int64), np.dtype(np.int32), np.dtype(np.uint8), np.dtype(np.bool_))
_MASK_DTYPES = (np.dtype(np.bool_), np.dtype(np.uint8))

_ZERO_DIM_INDEX = ("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                   "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")
_SEQUENCE_WARNING = (
    "Using a non-tuple sequence for multidimensional indexing is deprecated and will be changed "
    "in pytorch 2.9; use x[tuple(seq)] instead of x[seq]. In pytorch 2.9 this will be "
    "interpreted as tensor index, x[torch.tensor(seq)], which will result either in an error or "
    "a different result")
_UINT8_WARNING = ("indexing with dtype torch.uint8 is now deprecated, please use a dtype "
                  "torch.bool instead.")


# -- Python numbers written into tensors -----------------------------------------------------------

# The C++ type names PyTorch uses when a number does not fit the destination.
_CPP_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half",
              "bfloat16": "c10::BFloat16", "int64": "int64_t", "int32": "int",
              "int16": "int16_t", "int8": "int8_t", "uint8": "uint8_t", "bool": "bool",
              "complex64": "c10::complex<float>", "complex128": "c10::complex<double>"}
_F32_MAX = float(np.finfo(np.float32).max)


def _overflow(np_dtype) -> RuntimeError:
    name = _CPP_NAMES[D._BY_NP[np_dtype].name]
    return RuntimeError(f"value cannot be converted to type {name} without overflow")


def _fits_float32(x: float) -> bool:
    return x != x or x in (float("inf"), float("-inf")) or -_F32_MAX <= x <= _F32_MAX


def checked_scalar(value, np_dtype) -> np.ndarray:
    """``value`` (a Python number) as a 0-dim array of ``np_dtype``, refusing the values
    PyTorch refuses ("value cannot be converted to type ... without overflow")."""
    np_dtype = np.dtype(np_dtype)
    kind = np_dtype.kind
    if kind == "b":
        return np.array(bool(value))
    if isinstance(value, (bool, np.bool_)):
        value = int(value)
    if isinstance(value, (int, np.integer)):
        value = int(value)
        if not -2 ** 63 <= value < 2 ** 63:
            raise ValueError("Overflow when unpacking long long")
        if kind in "iu":
            info = np.iinfo(np_dtype)
            # Negative numbers may wrap into unsigned types, as two's complement allows.
            low = -int(info.max) if kind == "u" else int(info.min)
            if not low <= value <= int(info.max):
                raise _overflow(np_dtype)
            return np.array(value).astype(np_dtype)
        return np.array(value, dtype=np.float64).astype(np_dtype)
    if isinstance(value, complex):
        if kind == "c":
            if np_dtype == np.complex64 and not (_fits_float32(value.real)
                                                 and _fits_float32(value.imag)):
                raise _overflow(np_dtype)
            return np.array(value, dtype=np_dtype)
        if value.imag != 0:
            raise _overflow(np_dtype)
        value = value.real
    value = float(value)
    if kind in "iu":
        info = np.iinfo(np_dtype)
        if value != value or not float(info.min) <= value <= float(info.max):
            raise _overflow(np_dtype)
        return np.array(int(value)).astype(np_dtype)
    if np_dtype in (np.float32, np.complex64) and not _fits_float32(value):
        raise _overflow(np_dtype)
    return np.array(value, dtype=np.float64).astype(np_dtype)


def _type_name(obj) -> str:
    cls = type(obj)
    module = cls.__module__
    return cls.__qualname__ if module == "builtins" else f"{module}.{cls.__qualname__}"


def _value_tensor(input: Tensor, value) -> Tensor:
    """The right-hand side of ``input[key] = value`` as a tensor (numbers take input's dtype)."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, (bool, int, float, complex, np.integer)) and \
            not isinstance(value, np.bool_):
        return wrap(checked_scalar(value, input._data.dtype))
    from .._tensor_type import legacy_type_name
    raise TypeError(f"can't assign a {_type_name(value)} to a "
                    f"{legacy_type_name(input._data.dtype)}")


# -- reading a key -----------------------------------------------------------------------------------

def _as_items(key) -> tuple:
    """The key as a tuple of items, reading short lists as tuples the way PyTorch (and old
    NumPy) do: a list holding a tensor, sequence, slice, ``...`` or ``None``."""
    if type(key) is tuple:
        return key
    if isinstance(key, tuple):  # torch.Size, named tuples
        return tuple(key)
    if isinstance(key, (Tensor, np.ndarray)) or not _is_sequence(key):
        return (key,)
    if len(key) >= 32:
        return (key,)
    for item in key:
        if isinstance(item, (Tensor, slice)) or _is_sequence(item) or item is None \
                or item is Ellipsis:
            warnings.warn(_SEQUENCE_WARNING, UserWarning, stacklevel=4)
            return tuple(key)
    return (key,)


def _is_sequence(obj) -> bool:
    return isinstance(obj, (list, tuple, str, bytes, range, np.ndarray))


def _specified_dims(items) -> int:
    """How many dims the items consume, counted as PyTorch counts them (for ``...``)."""
    count = 0
    for item in items:
        if isinstance(item, Tensor):
            count += item._data.ndim if item._data.dtype in _MASK_DTYPES else 1
        elif item is not None and item is not Ellipsis and item is not True \
                and item is not False:
            count += 1
    return count


def _as_index_array(item) -> np.ndarray:
    """A list or array used as an index: bool and uint8 stay masks, the rest become int64."""
    if isinstance(item, np.ndarray):
        arr = item
    elif type(item) is list and _flat_numbers(item):
        arr = np.array(item)
        if arr.dtype.kind not in "biuf":
            from .creation import tensor
            arr = tensor(item)._data
    else:
        from .creation import tensor
        arr = tensor(item)._data
    if arr.dtype not in _MASK_DTYPES and arr.dtype != _INT64:
        arr = arr.astype(np.int64)
    return arr


def _flat_numbers(items: list) -> bool:
    for item in items:
        kind = type(item)
        if kind is not int and kind is not bool and kind is not float:
            return False
    return True


def _slice_bounds(item: slice) -> slice:
    start, stop, step = item.start, item.stop, item.step
    if (start is None or type(start) is int) and (stop is None or type(stop) is int) and \
            (step is None or (type(step) is int and step > 0)):
        return item
    step = _index_or_none(step)
    if step is not None and step <= 0:
        if step == 0:
            raise ValueError("slice step cannot be zero")
        raise ValueError("step must be greater than zero")
    return slice(_index_or_none(item.start), _index_or_none(item.stop), step)


def _index_or_none(value):
    if value is None:
        return None
    return operator.index(value)


def _check_int(index: int, size: int, dim: int) -> None:
    if index < -size or index >= size:
        raise IndexError(f"index {index} is out of bounds for dimension {dim} with size {size}")


def _bad_item(item) -> IndexError:
    return IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte "
                      f"Variables are valid indices (got {_type_name(item)})")


class _Walk:
    """The result of applying a key's basic items: a NumPy key for the view, the dims it
    inserts (with PyTorch's strides for them), the recorded index arrays, and the name of
    the last view op (None when the key changes nothing)."""

    __slots__ = ("np_key", "inserted", "recorded", "last")


def _walk(arr, items) -> _Walk:
    shape = arr.shape
    ndim = len(shape)
    specified = _specified_dims(items)
    if specified > ndim:
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    itemsize = arr.dtype.itemsize
    np_key = []
    inserted = []
    recorded = []
    last = None
    dim = 0   # position in the view being built
    real = 0  # position in the original tensor
    overshoot = 0
    for item in items:
        kind = type(item)
        if kind is not int and kind is not slice and item is not None and item is not Ellipsis \
                and kind is not bool:
            item = _convert_item(item)
            kind = type(item)
        if (kind is int or kind is slice) and real >= ndim:
            if overshoot:
                raise IndexError(f"Dimension out of range (expected to be in range of "
                                 f"[-{dim}, {dim - 1}], but got {dim + overshoot})")
            raise IndexError(f"too many indices for tensor of dimension {ndim}")
        if kind is int:
            _check_int(item, shape[real], real)
            np_key.append(item)
            real += 1
            last = "Select"
        elif kind is slice:
            item = _slice_bounds(item)
            size = shape[real]
            if item.indices(size) != (0, size, 1):
                last = "Slice"
            np_key.append(item)
            dim += 1
            real += 1
        elif item is None or kind is bool:
            # PyTorch's unsqueeze stride: the extent of the dim that follows, else 1.
            stride = shape[real] * arr.strides[real] // itemsize if real < ndim else 1
            inserted.append((dim, stride))
            np_key.append(None)
            if kind is bool:
                recorded.append((dim, np.zeros(1 if item else 0, np.int64), False))
            dim += 1
            last = "Unsqueeze"
        elif item is Ellipsis:
            # A second ellipsis has nothing left to skip; PyTorch accepts it but its dim
            # counter runs past the end (which shows in a later item's error).
            skipped = min(ndim - specified, ndim - real)
            overshoot += ndim - specified - skipped
            np_key.extend([slice(None)] * skipped)
            dim += skipped
            real += skipped
        else:  # an index array
            mask = item.dtype in _MASK_DTYPES
            consumed = item.ndim if mask else 1
            if real + consumed > ndim:
                raise IndexError(f"too many indices for tensor of dimension {ndim}")
            recorded.append((dim, item, mask))
            np_key.extend([slice(None)] * consumed)
            dim += consumed
            real += consumed
    np_key.append(Ellipsis)  # keeps NumPy from returning a scalar when every dim is selected
    walk = _Walk()
    walk.np_key, walk.inserted, walk.recorded, walk.last = tuple(np_key), inserted, recorded, last
    return walk


def _convert_item(item):
    """An item that is not int/slice/None/...: tensors, sequences and NumPy numbers."""
    if isinstance(item, Tensor):
        arr = item._data
    elif isinstance(item, np.integer) or (isinstance(item, int) and not isinstance(item, bool)):
        return operator.index(item)
    elif _is_sequence(item):
        arr = _as_index_array(item)
    else:
        raise _bad_item(item)
    if arr.ndim == 0 and arr.dtype.kind in "biu":
        # A zero-dim integer tensor is an int; a zero-dim bool/uint8 one is a Python bool.
        if arr.dtype in _MASK_DTYPES:
            return bool(arr)
        return int(arr)
    return arr


def _view(arr, walk: _Walk):
    """``arr`` viewed through the walk's basic key, with PyTorch's strides for new dims."""
    view = arr[walk.np_key]
    if walk.inserted:
        itemsize = arr.dtype.itemsize
        strides = list(view.strides)
        for pos, stride in walk.inserted:
            strides[pos] = stride * itemsize
        if tuple(strides) != view.strides:
            view = backend_of(view).as_strided(view, view.shape, strides,
                                               writeable=view.flags.writeable)
    return view


# -- advanced keys ----------------------------------------------------------------------------------

class IndexPlan:
    """Where an indexing operation reads or writes: ``arr[basic][adv]``.

    ``adv`` is None for a basic (view) key.  ``positions`` are the view dims indexed by
    arrays, ``broadcast`` the broadcast shape of those arrays, ``region`` the shape of the
    indexed result, ``arrays``/``sizes`` the integer index arrays and the sizes they index,
    and ``checked`` which of them need a bounds check (those from masks cannot be out of
    range).  A key made of one boolean mask keeps the mask itself and expands it to integer
    arrays only if asked (``int_key``), which is much faster for large masks.
    """

    __slots__ = ("basic", "adv", "positions", "broadcast", "region", "sizes", "checked",
                 "_arrays", "_mask")

    def __init__(self, basic, adv=None) -> None:
        self.basic = basic
        self.adv = adv
        self._mask = None

    @property
    def arrays(self) -> list:
        if self._arrays is None:
            self._arrays = list(np.nonzero(self._mask))
        return self._arrays

    @property
    def int_key(self) -> tuple:
        key = list(self.adv)
        if self._mask is not None:
            pos = self.positions[0]
            key[pos:pos + 1] = self.arrays
        else:
            for pos, arr in zip(self.positions, self.arrays):
                key[pos] = arr
        return tuple(key)

    @property
    def mask_only(self) -> bool:
        return self._mask is not None

    def frozen(self) -> "IndexPlan":
        """This plan with private copies of its index arrays, for a backward node to keep
        (the user's index tensors may be changed in place before backward runs)."""
        if self.adv is None:
            return self
        plan = IndexPlan(self.basic)
        for name in ("positions", "broadcast", "region", "sizes", "checked"):
            setattr(plan, name, getattr(self, name))
        if self._mask is not None:
            plan._mask = self._mask.copy()
            plan._arrays = None
            plan.adv = self.adv[:-1] + (plan._mask,)
        else:
            plan._arrays = [a.copy() for a in self._arrays]
            key = list(self.adv)
            for pos, arr in zip(self.positions, plan._arrays):
                key[pos] = arr
            plan.adv = tuple(key)
        return plan


def advanced_plan(basic, view_shape, recorded) -> IndexPlan:
    """Validate recorded index arrays against the view's shape (types, mask shapes,
    broadcasting; bounds are :func:`check_bounds`'s job) and build the plan."""
    for _, arr, _ in recorded:
        if arr.dtype not in _INDEX_DTYPES:
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    masks = []
    for pos, arr, _ in recorded:
        if arr.dtype in _MASK_DTYPES:
            if arr.dtype == np.uint8:
                warnings.warn(_UINT8_WARNING, UserWarning, stacklevel=4)
                arr = arr != 0
            _check_mask(arr, view_shape, pos)
        masks.append(arr)
    if len(recorded) == 1 and masks[0].dtype == np.bool_ and masks[0].ndim > 0:
        return _mask_plan(basic, view_shape, recorded[0][0], masks[0])
    arrays = []
    checked = []
    for (pos, _, _), arr in zip(recorded, masks):
        if arr.dtype == np.bool_:
            nonzero = np.nonzero(arr) if arr.ndim else ()
            arrays.extend((pos + j, nonzero[j]) for j in range(arr.ndim))
            checked.extend([False] * arr.ndim)
        else:
            arrays.append((pos, arr))
            checked.append(True)
    if len(arrays) > len(view_shape):
        raise IndexError(f"too many indices for tensor of dimension {len(view_shape)} "
                         f"(got {len(arrays)})")
    try:
        broadcast = np.broadcast_shapes(*(a.shape for _, a in arrays))
    except ValueError:
        shapes = ", ".join(shape_str(a.shape) for _, a in arrays)
        raise IndexError(f"shape mismatch: indexing tensors could not be broadcast together "
                         f"with shapes {shapes}") from None
    key = [slice(None)] * len(view_shape)
    for pos, arr in arrays:
        key[pos] = arr
    plan = IndexPlan(basic, tuple(key))
    plan.positions = [pos for pos, _ in arrays]
    plan.broadcast = broadcast
    plan._arrays = [a for _, a in arrays]
    plan.checked = checked
    plan.sizes = [view_shape[p] for p in plan.positions]
    plan.region = _region_shape(view_shape, plan.positions, broadcast)
    return plan


def _mask_plan(basic, view_shape, pos, mask) -> IndexPlan:
    # NumPy's own boolean indexing makes the same selection as the mask's nonzero arrays.
    plan = IndexPlan(basic, (slice(None),) * pos + (mask,))
    plan._mask = mask
    plan._arrays = None
    plan.positions = list(range(pos, pos + mask.ndim))
    plan.broadcast = (int(np.count_nonzero(mask)),)
    plan.checked = [False] * mask.ndim
    plan.sizes = [view_shape[p] for p in plan.positions]
    plan.region = _region_shape(view_shape, plan.positions, plan.broadcast)
    return plan


def _check_mask(mask, view_shape, pos) -> None:
    for j, size in enumerate(mask.shape):
        if pos + j >= len(view_shape) or size != view_shape[pos + j]:
            raise IndexError(f"The shape of the mask {shape_str(mask.shape)} at index {j} does "
                             f"not match the shape of the indexed tensor {shape_str(view_shape)} "
                             f"at index {pos + j}")


def _adjacent(positions) -> bool:
    return positions == list(range(positions[0], positions[0] + len(positions)))


def _region_shape(view_shape, positions, broadcast) -> tuple:
    """The shape of ``view[key]``: the broadcast index shape replaces the indexed dims, in
    place when they are adjacent and in front otherwise (NumPy's and PyTorch's rule)."""
    rest = [s for i, s in enumerate(view_shape) if i not in positions]
    if not positions:
        return tuple(view_shape)
    if _adjacent(positions):
        start = positions[0]
        return tuple(view_shape[:start]) + tuple(broadcast) + tuple(view_shape[start + len(positions):])
    return tuple(broadcast) + tuple(rest)


def check_bounds(plan: IndexPlan) -> None:
    """PyTorch's IndexError for an index array entry outside its dimension."""
    if plan.mask_only:
        return
    for ordinal, (arr, size, checked) in enumerate(zip(plan.arrays, plan.sizes, plan.checked)):
        if not checked or arr.size == 0 or not holds_values(arr):
            continue
        if size == 0:
            raise IndexError("index is out of bounds for dimension with size 0")
        low, high = arr.min(), arr.max()
        if low < -size or high >= size:
            bad = (arr < -size) | (arr >= size)
            value = arr.reshape(-1)[np.argmax(bad.reshape(-1))]
            raise IndexError(f"index {value} is out of bounds for dimension {ordinal} with "
                             f"size {size}")


def _plan_on_view(plan: IndexPlan) -> IndexPlan:
    """The same plan for an array that already is ``arr[plan.basic]``."""
    local = IndexPlan((Ellipsis,), plan.adv)
    for name in ("positions", "broadcast", "region", "sizes", "checked", "_arrays", "_mask"):
        setattr(local, name, getattr(plan, name))
    return local


def _plan_get(arr, plan: IndexPlan):
    view = arr[plan.basic]
    if plan.adv is None:
        return view.copy()
    return view[plan.adv]


def _plan_put(target, plan: IndexPlan, values, accumulate: bool) -> None:
    """Write ``values`` (already target's dtype) into ``target`` where the plan points."""
    view = target[plan.basic]
    if plan.adv is None:
        if accumulate:
            view += values
        else:
            view[...] = values
    elif accumulate:
        np.add.at(view, plan.int_key, values)
    else:
        _assign_last_wins(view, plan, values)


def _assign_last_wins(view, plan: IndexPlan, values) -> None:
    """``view[plan.adv] = values`` where a position named twice keeps the last value written,
    in the C order of the index (PyTorch's CPU order), not whatever NumPy's iterator picks."""
    count = 1
    for s in plan.broadcast:
        count *= s
    if count <= 1 or plan.mask_only or not any(plan.checked):
        # Masks name each position once.
        view[plan.adv] = values
        return
    arrays = plan.arrays
    sizes = plan.sizes
    wrapped = [np.broadcast_to(np.where(a < 0, a + s, a), plan.broadcast)
               for a, s in zip(arrays, sizes)]
    linear = np.ravel_multi_index(wrapped, sizes).reshape(-1)
    keep = keep_last(linear, int(np.prod(sizes)))
    if keep is None:
        view[plan.adv] = values
        return
    positions = plan.positions
    nb = len(plan.broadcast)
    start = positions[0] if _adjacent(positions) else 0
    full = np.broadcast_to(values, plan.region)
    front = np.moveaxis(full, list(range(start, start + nb)), list(range(nb)))
    front = front.reshape((count,) + front.shape[nb:])
    target = np.moveaxis(view, positions, list(range(len(positions))))
    target[tuple(w.reshape(-1)[keep] for w in wrapped)] = front[keep]


def keep_last(linear, size: int):
    """Positions (in order) of the last occurrence of each value of ``linear`` (ints in
    [0, size)), or None when no value repeats.  Deterministic: built on ufunc.at."""
    n = linear.size
    if n < 2 or not holds_values(linear):
        return None  # no values, no repeats to find
    if size <= 4 * n + 4096:
        counts = np.bincount(linear, minlength=size)
        if counts.max() <= 1:
            return None
        last = np.full(size, -1, dtype=np.int64)
        np.maximum.at(last, linear, np.arange(n, dtype=np.int64))
        return np.sort(last[last >= 0])
    ordered = np.sort(linear)
    if not (ordered[1:] == ordered[:-1]).any():
        return None
    return np.sort(n - 1 - np.unique(linear[::-1], return_index=True)[1])


# -- differentiable get / put through a plan ----------------------------------------------------------

class IndexBackward0(Node):
    def backward(self, grad):
        zeros = wrap(np.zeros(self.shape, grad._data.dtype, like=grad._data))
        return (index_put_with_plan(zeros, self.plan, grad, accumulate=True),)


def index_with_plan(input: Tensor, plan: IndexPlan) -> Tensor:
    """A copy of ``input[plan]`` (differentiable)."""
    result = wrap(_plan_get(input._data, plan))
    if grad_state.enabled and input._rg:
        node = IndexBackward0((input,), result)
        node.plan, node.shape = plan, input._data.shape
    return result


class IndexPutBackward0(Node):
    accumulate = False

    def backward(self, grad):
        plan = self.plan
        g_self = g_values = None
        if self._next[0] is not None:
            g_self = grad if self.accumulate else _zero_region(grad, plan)
        if self._next[1] is not None:
            g_values = _reduce_to(index_with_plan(grad, plan), self.value_shape)
        return g_self, g_values


def _zero_region(grad: Tensor, plan: IndexPlan) -> Tensor:
    return index_put_with_plan(grad, plan, wrap(np.zeros((), grad._data.dtype)), False)


def _reduce_to(grad: Tensor, shape: tuple) -> Tensor:
    """Sum a broadcast gradient back to ``shape``, which may carry extra leading 1s."""
    if grad._data.shape == tuple(shape):
        return grad
    from .reduce import sum_to_shape
    stripped = _strip_leading_ones(shape)
    grad = sum_to_shape(grad, stripped)
    if stripped != tuple(shape):
        grad = grad.reshape(shape)
    return grad


def index_put_with_plan(input: Tensor, plan: IndexPlan, values: Tensor,
                        accumulate: bool = False) -> Tensor:
    """A copy of ``input`` with ``values`` written (or added) where the plan points."""
    out = input._data.copy()
    data = values._data
    if data.dtype != out.dtype:
        from .cast import cast_array
        data = cast_array(data, out.dtype)
    _plan_put(out, plan, _strip_to(data, plan, out), accumulate)
    result = wrap(out)
    if grad_state.enabled and (input._rg or values._rg):
        node = IndexPutBackward0((input, values), result)
        node.plan, node.accumulate, node.value_shape = plan, accumulate, values._data.shape
    return result


def _strip_to(data, plan: IndexPlan, out):
    # Values may carry leading 1s beyond the region's rank (setitem allows it).
    if plan.adv is None:
        rank = out[plan.basic].ndim
    else:
        rank = len(plan.region)
    if data.ndim > rank:
        data = data.reshape(_strip_leading_ones(data.shape))
    return data


def _strip_leading_ones(shape) -> tuple:
    shape = tuple(shape)
    i = 0
    while i < len(shape) and shape[i] == 1:
        i += 1
    return shape[i:]


# -- getitem ------------------------------------------------------------------------------------------

class SelectBackward0(Node):
    def backward(self, grad):
        return (embed(grad, self.shape, self.key),)


class SliceBackward0(SelectBackward0):
    pass


class AliasBackward0(SelectBackward0):
    def backward(self, grad):
        return (grad,)


class UnsqueezeBackward0(SelectBackward0):
    pass


_VIEW_NODES = {"Select": SelectBackward0, "Slice": SliceBackward0,
               "Unsqueeze": UnsqueezeBackward0, None: AliasBackward0}


def _view_result(input: Tensor, data, key, last) -> Tensor:
    result = input._make_view(data)
    if grad_state.enabled and input._rg:
        node = _VIEW_NODES[last]((input,), result)
        node.shape, node.key = input._data.shape, key
    return result


def getitem(input: Tensor, key) -> Tensor:
    """``input[key]``: a view for basic keys, a copy for advanced ones (PyTorch's rules)."""
    arr = input._data
    kind = type(key)
    if kind is int:
        if arr.ndim == 0:
            raise IndexError(_ZERO_DIM_INDEX)
        _check_int(key, arr.shape[0], 0)
        return _view_result(input, arr[key, ...], (key, Ellipsis), "Select")
    if kind is slice:
        if arr.ndim == 0:
            raise IndexError("slice() cannot be applied to a 0-dim tensor.")
        key = _slice_bounds(key)
        return _view_result(input, arr[key], (key, Ellipsis), "Slice")
    if key is Ellipsis:
        return _view_result(input, arr[...], (Ellipsis,), None)
    if key is None:
        walk = _walk(arr, (None,))
        return _view_result(input, _view(arr, walk), walk.np_key, "Unsqueeze")
    walk = _walk(arr, _as_items(key))
    if not walk.recorded:
        return _view_result(input, _view(arr, walk), walk.np_key, walk.last)
    view = arr[walk.np_key]
    plan = advanced_plan(walk.np_key, view.shape, walk.recorded)
    check_bounds(plan)
    if grad_state.enabled and input._rg:
        plan = plan.frozen()
    return index_with_plan(input, plan)


class EmbedBackward(Node):
    # embed() is the backward of basic indexing; its own backward indexes again.
    def backward(self, grad):
        return (grad[self.key],)

    def name(self) -> str:
        return "SelectBackwardBackward0"


def embed(grad: Tensor, shape: tuple, key) -> Tensor:
    """Zeros of ``shape`` with ``grad`` written at the basic NumPy ``key`` (differentiable)."""
    data = np.zeros(shape, dtype=grad._data.dtype, like=grad._data)
    data[key] = grad._data
    result = wrap(data)
    if grad_state.enabled and grad._rg:
        EmbedBackward((grad,), result).key = key
    return result


# -- setitem ------------------------------------------------------------------------------------------

class CopySlices(IndexPutBackward0):
    def name(self) -> str:
        return "torch::autograd::CopySlices"

    def __repr__(self) -> str:
        return f"<CopySlices object at {hex(id(self))}>"


class CopyBackwards(IndexPutBackward0):
    def name(self) -> str:
        return "torch::autograd::CopyBackwards"

    def __repr__(self) -> str:
        return f"<CopyBackwards object at {hex(id(self))}>"


class FillBackward3(IndexPutBackward0):
    pass


def setitem(input: Tensor, key, value) -> None:
    """``input[key] = value``: the value broadcasts (leading 1s may be dropped) and, for
    basic keys, is cast to input's dtype; advanced keys need a matching dtype unless the
    value is a single element written through one boolean mask."""
    value_t = _value_tensor(input, value)
    if key is False:
        return
    arr = input._data
    if type(arr) is not np.ndarray:
        getitem(input, key)  # meta tensors hold no data: check the key, write nothing
        return
    kind = type(key)
    if key is Ellipsis:
        np_key, identity, recorded = (Ellipsis,), True, ()
    elif kind is int or (isinstance(key, np.integer)):
        if arr.ndim == 0:
            raise IndexError(_ZERO_DIM_INDEX)
        key = operator.index(key)
        _check_int(key, arr.shape[0], 0)
        np_key, identity, recorded = (key, Ellipsis), False, ()
    elif kind is slice:
        if arr.ndim == 0:
            raise IndexError("slice() cannot be applied to a 0-dim tensor.")
        key = _slice_bounds(key)
        np_key, identity, recorded = (key, Ellipsis), key.indices(arr.shape[0]) == (
            0, arr.shape[0], 1), ()
    elif key is None or key is True:
        np_key, identity, recorded = (None, Ellipsis), False, ()
    else:
        walk = _walk(arr, _as_items(key))
        np_key, identity, recorded = walk.np_key, walk.last is None, walk.recorded
    if recorded:
        _put_advanced(input, np_key, identity, recorded, value_t)
    else:
        _copy_to(input, np_key, identity, value_t)


def _check_target(input: Tensor, identity: bool) -> None:
    if not identity and grad_state.enabled and input._rg and input.grad_fn is None:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an "
                           "in-place operation.")
    check_inplace(input)


def _copy_to(input: Tensor, np_key, identity: bool, value_t: Tensor) -> None:
    arr = input._data
    region = arr[np_key].shape
    data = value_t._data
    if data.shape == region:
        mode = "copy"
    elif data.ndim == 0:
        mode = "fill"
    else:
        mode = "copy"
        data = _expand_for_setitem(data, region)
    from .cast import cast_array
    values = cast_array(data, arr.dtype) if data.dtype != arr.dtype else data
    _check_target(input, identity)
    if grad_state.enabled and (input._rg or value_t._rg):
        node_class = CopySlices
        if identity:
            node_class = FillBackward3 if mode == "fill" else CopyBackwards
        plan = IndexPlan(np_key)
        result = index_put_with_plan(input.detach(), plan, wrap(values), False)
        node = node_class((input, value_t), result)
        node.plan, node.value_shape = plan, value_t._data.shape
        apply_inplace(input, result)
        return
    _writable(arr[np_key])[...] = values
    input._bump_version()


def _expand_for_setitem(data, region):
    from .._tensor_type import legacy_type_name
    stripped = data.reshape(_strip_leading_ones(data.shape))
    if stripped.ndim > len(region):
        raise RuntimeError(f"expand({legacy_type_name(data.dtype)}{{{shape_str(stripped.shape)}}}, "
                           f"size={shape_str(region)}): the number of sizes provided "
                           f"({len(region)}) must be greater or equal to the number of dimensions "
                           f"in the tensor ({stripped.ndim})")
    lead = len(region) - stripped.ndim
    for i, size in enumerate(stripped.shape):
        target = region[lead + i]
        if size != target and size != 1:
            raise RuntimeError(f"The expanded size of the tensor ({target}) must match the "
                               f"existing size ({size}) at non-singleton dimension {lead + i}.  "
                               f"Target sizes: {shape_str(region)}.  Tensor sizes: "
                               f"{shape_str(stripped.shape)}")
    return stripped


def _writable(view, overlap_ok: bool = False):
    """``view``, or a writable alias of its memory when NumPy marked it read-only (an
    expanded tensor): PyTorch writes through unless the written region overlaps itself
    (index_put only warns about that)."""
    if view.flags.writeable:
        return view
    if any(stride == 0 and size > 1 for size, stride in zip(view.shape, view.strides)):
        if not overlap_ok:
            _not_writeable()
        warnings.warn("Use of index_put_ on expanded tensors is deprecated. Please clone() the "
                      "tensor before performing this operation. This also applies to advanced "
                      "indexing e.g. tensor[indices] = tensor", UserWarning, stacklevel=5)
    from .._storage import element_strides, storage_offset, view_from_storage
    alias = view_from_storage(view, view.shape, element_strides(view), storage_offset(view))
    if not alias.flags.writeable:
        _not_writeable()
    return alias


def _not_writeable():
    raise RuntimeError("unsupported operation: more than one element of the written-to tensor "
                       "refers to a single memory location. Please clone() the tensor before "
                       "performing the operation.")


def _single_mask(recorded) -> bool:
    return len(recorded) == 1 and recorded[0][1].dtype in _MASK_DTYPES


def _put_values(arr, plan: IndexPlan, value_t: Tensor, masked_fill: bool):
    """The value array to write, after PyTorch's shape and dtype checks for index_put."""
    data = value_t._data
    if masked_fill:
        from .cast import cast_array
        return cast_array(data.reshape(()), arr.dtype)
    stripped = _strip_leading_ones(data.shape)
    if not _expandable(stripped, plan.region):
        raise RuntimeError(f"shape mismatch: value tensor of shape {shape_str(stripped)} cannot "
                           f"be broadcast to indexing result of shape {shape_str(plan.region)}")
    if data.dtype != arr.dtype:
        from ._dispatch import _type_word
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                           f"{_type_word(D._BY_NP[arr.dtype])} for the destination and "
                           f"{_type_word(D._BY_NP[data.dtype])} for the source.")
    return data.reshape(stripped)


def _expandable(shape, target) -> bool:
    if len(shape) > len(target):
        return False
    lead = len(target) - len(shape)
    return all(s == t or s == 1 for s, t in zip(shape, target[lead:]))


def _put_advanced(input: Tensor, np_key, identity: bool, recorded, value_t: Tensor) -> None:
    arr = input._data
    view_shape = arr[np_key].shape
    plan = advanced_plan(np_key, view_shape, recorded)
    masked_fill = value_t._data.size == 1 and _single_mask(recorded)
    values = _put_values(arr, plan, value_t, masked_fill)
    check_bounds(plan)
    _check_target(input, identity)
    if grad_state.enabled and (input._rg or value_t._rg):
        plan = plan.frozen()
        result = index_put_with_plan(input.detach(), plan, wrap(values), False)
        node = (IndexPutBackward0 if identity else CopySlices)((input, value_t), result)
        node.plan, node.value_shape = plan, value_t._data.shape
        apply_inplace(input, result)
        return
    view = _writable(arr[np_key], overlap_ok=True)
    _plan_put(view, _plan_on_view(plan), values, False)
    input._bump_version()


# -- index_put ----------------------------------------------------------------------------------------

def _index_put_plan(input: Tensor, indices, op: str) -> tuple:
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"{op}(): argument 'indices' (position 2) must be tuple of Tensors, not "
                        f"{_type_name(indices)}")
    recorded = []
    np_key = []
    pos = 0
    consumed = 0
    for i, index in enumerate(indices):
        if not isinstance(index, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 1, but got "
                            f"{_type_name(index)}")
        data = index._data
        mask = data.dtype in _MASK_DTYPES
        if mask and data.ndim == 0:
            # A zero-dim mask selects everything or nothing: a new dim indexed by [0] or [].
            np_key.append(None)
            recorded.append((pos, np.zeros(1 if data else 0, np.int64), False))
            pos += 1
            continue
        width = data.ndim if mask else 1
        recorded.append((pos, data, mask))
        np_key.extend([slice(None)] * width)
        pos += width
        consumed += width
    ndim = input._data.ndim
    if consumed > ndim:
        raise IndexError(f"too many indices for tensor of dimension {ndim} (got {consumed})")
    basic = tuple(np_key) + (Ellipsis,)
    view_shape = input._data[basic].shape
    return advanced_plan(basic, view_shape, recorded), recorded


def index_put(input: Tensor, indices, values: Tensor, accumulate: bool = False) -> Tensor:
    """A copy of ``input`` with ``values`` put at ``input[indices]`` (added with
    ``accumulate=True``, so repeated indices sum)."""
    if not isinstance(values, Tensor):
        raise TypeError(f"index_put(): argument 'values' (position 3) must be Tensor, not "
                        f"{_type_name(values)}")
    plan, recorded = _index_put_plan(input, indices, "index_put")
    masked_fill = not accumulate and values._data.size == 1 and len(indices) == 1 and \
        indices[0]._data.dtype in _MASK_DTYPES
    data = _put_values(input._data, plan, values, masked_fill)
    check_bounds(plan)
    out = input._data.copy()
    _plan_put(out, plan, data, accumulate)
    result = wrap(out)
    if grad_state.enabled and (input._rg or values._rg):
        node = IndexPutBackward0((input, values), result)
        node.plan, node.accumulate = plan.frozen(), accumulate
        node.value_shape = values._data.shape
    return result


def index_put_(input: Tensor, indices, values: Tensor, accumulate: bool = False) -> Tensor:
    """In-place :func:`index_put`; returns ``input``."""
    return apply_inplace(input, index_put(input, indices, values, accumulate))


def _delete_item(self, key) -> None:
    raise TypeError("Tensor does not support deleting items")


bind_methods(["index_put", "index_put_"], globals())
Tensor.__delitem__ = _delete_item

__all__ = ["index_put", "index_put_"]
