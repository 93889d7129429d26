"""Collation: turning a list of samples into one batch (``default_collate``), and converting
NumPy data to tensors without batching (``default_convert``).

Tensors and NumPy arrays of one batch are joined with a single ``np.stack``; inside a
DataLoader worker the stacked batch is written straight into a shared-memory segment, so it
reaches the main process without being copied again.
"""
from __future__ import annotations

import collections.abc
import copy
import re
from collections.abc import Callable

import numpy as np

from ..._tensor import Tensor
from . import _worker

__all__ = ["collate", "collate_tensor_fn", "collate_numpy_array_fn", "collate_numpy_scalar_fn",
           "collate_float_fn", "collate_int_fn", "collate_str_fn", "default_collate",
           "default_collate_fn_map", "default_convert", "default_collate_err_msg_format"]

# NumPy dtype strings of bytes, unicode and object arrays: these cannot become tensors.
np_str_obj_array_pattern = re.compile(r"[SaUO]")

default_collate_err_msg_format = ("default_collate: batch must contain tensors, numpy arrays, "
                                  "numbers, dicts or lists; found {}")


def default_convert(data):
    """``data`` with every NumPy array and NumPy scalar inside it (through dicts, named tuples,
    tuples and lists) turned into a tensor; tuples become lists.  Nothing is batched."""
    if isinstance(data, Tensor):
        return data
    data_type = type(data)
    if data_type.__module__ == "numpy" and data_type.__name__ not in ("str_", "bytes_"):
        if isinstance(data, np.ndarray) and np_str_obj_array_pattern.search(data.dtype.str):
            return data
        from ... import as_tensor
        return as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        return _rebuild_mapping(data, {key: default_convert(data[key]) for key in data})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return data_type(*(default_convert(item) for item in data))
    if isinstance(data, tuple):
        return [default_convert(item) for item in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return _rebuild_sequence(data, [default_convert(item) for item in data])
    return data


def _rebuild_mapping(template, values: dict):
    """A mapping of ``template``'s type holding ``values`` (a plain dict when the type cannot
    be rebuilt); mutable mappings are copied so their other state carries over."""
    try:
        if isinstance(template, collections.abc.MutableMapping):
            clone = copy.copy(template)
            clone.update(values)
            return clone
        return type(template)(values)
    except TypeError:
        return values


def _rebuild_sequence(template, values: list):
    """A sequence of ``template``'s type holding ``values`` (a list when it cannot be built)."""
    try:
        if isinstance(template, collections.abc.MutableSequence):
            clone = copy.copy(template)
            for i, value in enumerate(values):
                clone[i] = value
            return clone
        return type(template)(values)
    except TypeError:
        return values


def collate(batch, *, collate_fn_map: dict | None = None):
    """Collate ``batch`` (a list of samples of one structure) into a batch of that structure,
    dispatching leaf types through ``collate_fn_map`` (exact type first, then isinstance)."""
    elem = batch[0]
    elem_type = type(elem)
    if collate_fn_map is not None:
        handler = collate_fn_map.get(elem_type)
        if handler is not None:
            return handler(batch, collate_fn_map=collate_fn_map)
        for collate_type, handler in collate_fn_map.items():
            if isinstance(elem, collate_type):
                return handler(batch, collate_fn_map=collate_fn_map)
    if isinstance(elem, collections.abc.Mapping):
        values = {key: collate([sample[key] for sample in batch], collate_fn_map=collate_fn_map)
                  for key in elem}
        return _rebuild_mapping(elem, values)
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return elem_type(*(collate(column, collate_fn_map=collate_fn_map)
                           for column in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(sample) != size for sample in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        # Each column is a tuple, which string columns come back as (as in PyTorch).
        columns = [collate(column, collate_fn_map=collate_fn_map) for column in zip(*batch)]
        if isinstance(elem, tuple):
            return columns
        return _rebuild_sequence(elem, columns)
    raise TypeError(default_collate_err_msg_format.format(elem_type))


def _in_worker() -> bool:
    return _worker._worker_info is not None


def _stack_arrays(arrays: list, dtype) -> np.ndarray | None:
    """The arrays stacked along a new first axis as one ``dtype`` array (in shared memory inside
    a worker), or None when they differ in shape or dtype (the caller then lets ember's stack
    promote or raise PyTorch's error).

    Contiguous samples are joined by one ``bytearray.join``, a plain run of memory copies
    (cheaper than ``np.stack``, which first makes a view with a new axis of every sample).
    """
    first = arrays[0]
    shape = first.shape
    if any(array.shape != shape or array.dtype != dtype for array in arrays):
        return None
    batch_shape = (len(arrays),) + shape
    try:
        joined = bytearray().join(arrays)
    except TypeError:  # some sample is not contiguous
        joined = None
    if _in_worker():
        from ...multiprocessing._shm import shared_empty
        out = shared_empty(batch_shape, dtype)
        if joined is not None:
            out.reshape(-1).view(np.uint8)[:] = np.frombuffer(joined, np.uint8)
        elif first.ndim:
            np.concatenate(arrays, out=out.reshape((-1,) + shape[1:]))
        return out
    if joined is not None:
        return np.frombuffer(joined, dtype).reshape(batch_shape)
    return np.concatenate(arrays).reshape(batch_shape)


def collate_tensor_fn(batch, *, collate_fn_map: dict | None = None):
    """Stack same-shaped tensors along a new first dimension."""
    arrays = [tensor._data for tensor in batch]
    first = arrays[0]
    if type(first) is np.ndarray and not any(tensor._rg for tensor in batch):
        stacked = _stack_arrays(arrays, first.dtype)
        if stacked is not None:
            return Tensor._make(stacked)
    from ... import stack
    return stack(batch, 0)


def collate_numpy_array_fn(batch, *, collate_fn_map: dict | None = None):
    """Stack NumPy arrays into one tensor (arrays of strings or objects are refused)."""
    elem = batch[0]
    if np_str_obj_array_pattern.search(elem.dtype.str) is not None:
        raise TypeError(default_collate_err_msg_format.format(elem.dtype))
    stacked = _stack_arrays(batch, elem.dtype) if elem.dtype.isnative else None
    if stacked is not None:
        return Tensor._make(stacked)
    from ... import as_tensor
    return collate([as_tensor(array) for array in batch], collate_fn_map=collate_fn_map)


def collate_numpy_scalar_fn(batch, *, collate_fn_map: dict | None = None):
    """NumPy scalars become a 1-D tensor of their dtype."""
    from ... import as_tensor
    return as_tensor(batch)


def collate_float_fn(batch, *, collate_fn_map: dict | None = None):
    """Python floats become a float64 tensor."""
    from ... import float64, tensor
    return tensor(batch, dtype=float64)


def collate_int_fn(batch, *, collate_fn_map: dict | None = None):
    """Python ints (and bools) become a tensor of the dtype ``torch.tensor`` infers."""
    from ... import tensor
    return tensor(batch)


def collate_str_fn(batch, *, collate_fn_map: dict | None = None):
    """Strings and bytes stay a list."""
    return batch


default_collate_fn_map: dict[type | tuple, Callable] = {
    Tensor: collate_tensor_fn,
    np.ndarray: collate_numpy_array_fn,
    (np.bool_, np.number, np.object_): collate_numpy_scalar_fn,
    float: collate_float_fn,
    int: collate_int_fn,
    str: collate_str_fn,
    bytes: collate_str_fn,
}


def default_collate(batch):
    """Collate a list of samples into a batch: tensors, NumPy arrays and numbers are stacked
    into tensors with a new first dimension; dicts, named tuples and sequences are collated
    field by field (tuples become lists); strings stay lists."""
    return collate(batch, collate_fn_map=default_collate_fn_map)
