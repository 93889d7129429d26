"""Array backends: one small module per device kind.

Op code never names NumPy directly when it can avoid it; it asks the backend of its device for
the array module (``xp``).  A backend is an object with:

- ``xp``: the NumPy-compatible array module (numpy for 'cpu', cupy for 'cuda' later),
- ``device_type``: the device type it serves,
- ``asarray(obj, dtype)``: bring host data onto the device,
- ``to_host(arr)``: a NumPy array with the same values.

The 'meta' backend keeps shape and dtype only.

Op code that must treat arrays of any device alike uses the helpers below instead of the NumPy
calls that would turn a device array into a host one (``np.asarray`` and friends do not take
part in NumPy's dispatch protocols).
"""
from __future__ import annotations

import numpy as np

from . import cpu, meta

_BACKENDS = {"cpu": cpu, "meta": meta}
# Array types that live on a device other than the host: kept as they are by result_array.
_DEVICE_ARRAYS = {meta.MetaArray}


def backend_for(device_type: str):
    """The backend module serving ``device_type``; RuntimeError when it is not available here."""
    try:
        return _BACKENDS[device_type]
    except KeyError:
        raise RuntimeError(f"ember was built without {device_type} support: no backend for device "
                           f"type '{device_type}' is available on this machine") from None


def backend_of(arr):
    """The backend module whose device holds ``arr``."""
    if type(arr) is np.ndarray:
        return cpu
    for module in _BACKENDS.values():
        if type(arr) is module.array_type:
            return module
    return cpu


def register_backend(device_type: str, module) -> None:
    """Plug in a backend (for example a CuPy one for 'cuda') without touching op code."""
    _BACKENDS[device_type] = module
    if module.array_type is not np.ndarray:
        _DEVICE_ARRAYS.add(module.array_type)


def result_array(value):
    """``np.asarray(value)`` that keeps a device array on its device (NumPy scalars that host
    math hands back become 0-d arrays)."""
    if type(value) is np.ndarray or type(value) in _DEVICE_ARRAYS:
        return value
    return np.asarray(value)


def contiguous_array(value):
    """``np.ascontiguousarray(value)`` that keeps a device array on its device."""
    return np.ascontiguousarray(value, like=value) if type(value) in _DEVICE_ARRAYS \
        else np.ascontiguousarray(value)


def holds_values(arr) -> bool:
    """Whether ``arr`` has values to read or check (meta arrays have none)."""
    return type(arr) is not meta.MetaArray


def check_same_device(*arrays) -> None:
    """PyTorch's RuntimeError when the arrays an op combines live on different devices."""
    first = backend_of(arrays[0]).device_type
    for arr in arrays[1:]:
        other = backend_of(arr).device_type
        if other != first:
            raise RuntimeError(f"Expected all tensors to be on the same device, but found at "
                               f"least two devices, {first} and {other}!")


def require_item(*arrays) -> None:
    """PyTorch's RuntimeError for reading a number out of an array without values."""
    for arr in arrays:
        if type(arr) is meta.MetaArray:
            raise RuntimeError("Tensor.item() cannot be called on meta tensors")


def require_values(op: str, *arrays) -> None:
    """Refuse ``op`` on arrays without values, as PyTorch refuses ops that have no meta kernel
    (their result's shape, or their work, depends on the values)."""
    for arr in arrays:
        if type(arr) is meta.MetaArray:
            meta.no_meta_kernel(op)


class _Flags:
    """A namespace of settings, as ``torch.backends.cudnn`` and friends are."""

    def __init__(self, available: bool = False, **flags) -> None:
        self._available = available
        self.__dict__.update(flags)

    def is_available(self) -> bool:
        return self._available

    def is_built(self) -> bool:
        return self._available


# What user code reads from ``torch.backends``: no accelerator libraries are present.
cudnn = _Flags(enabled=True, deterministic=False, benchmark=False, allow_tf32=True)
mps = _Flags()
mkldnn = _Flags(enabled=False)
mkl = _Flags()
openmp = _Flags()
opt_einsum = _Flags(enabled=False, strategy=None)
