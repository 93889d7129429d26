"""PyTorch's legacy tensor-type names: ``torch.FloatTensor`` classes and ``tensor.type()`` strings."""
from __future__ import annotations

import numpy as np

from . import _dtype

_LEGACY_NAMES = {
    _dtype.float32: "FloatTensor", _dtype.float64: "DoubleTensor", _dtype.float16: "HalfTensor",
    _dtype.bfloat16: "BFloat16Tensor", _dtype.uint8: "ByteTensor", _dtype.int8: "CharTensor",
    _dtype.int16: "ShortTensor", _dtype.int32: "IntTensor", _dtype.int64: "LongTensor",
    _dtype.bool: "BoolTensor", _dtype.complex64: "ComplexFloatTensor",
    _dtype.complex128: "ComplexDoubleTensor",
}
_DTYPE_OF_NAME = {name: d for d, name in _LEGACY_NAMES.items()}


def legacy_type_name(np_dtype: np.dtype) -> str:
    """``torch.FloatTensor`` for float32, and so on (used in error messages and ``type()``)."""
    return "torch." + _LEGACY_NAMES[_dtype.from_numpy_dtype(np_dtype)]


def dtype_of_type_name(name: str) -> _dtype.dtype:
    """The dtype behind a legacy name such as ``'torch.LongTensor'`` or ``'LongTensor'``."""
    short = name.rsplit(".", 1)[-1]
    if short not in _DTYPE_OF_NAME:
        raise ValueError(f"invalid type: '{name}'")
    return _DTYPE_OF_NAME[short]


class _LegacyTensorMeta(type):
    # isinstance(t, torch.FloatTensor) is True for float32 CPU tensors.
    def __instancecheck__(cls, obj) -> bool:
        from ._tensor import Tensor
        return isinstance(obj, Tensor) and obj.dtype is cls.dtype and obj.device.type == "cpu"


def _make_legacy_class(d: _dtype.dtype):
    def __new__(cls, *args, **kwargs):
        from .ops.creation import legacy_new
        return legacy_new(d, *args, _typed=True, **kwargs)
    return _LegacyTensorMeta(_LEGACY_NAMES[d], (), {"__new__": __new__, "dtype": d,
                                                    "__module__": "torch",
                                                    "__doc__": f"Legacy constructor for {d} tensors."})


LEGACY_CLASSES = {name: _make_legacy_class(d) for d, name in _LEGACY_NAMES.items()}
