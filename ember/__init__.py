"""ember: PyTorch rebuilt in Python on NumPy.  ``import ember as torch`` and carry on."""
from __future__ import annotations

__version__ = "2.13.0"

from . import _dtype
from ._device import device
from ._dtype import (bfloat16, bool, can_cast, cdouble, cfloat, complex64, complex128, double,
                     dtype, finfo, float, float16, float32, float64, get_default_dtype, half,
                     iinfo, int, int8, int16, int32, int64, long, promote_types,
                     set_default_dtype, short, uint8)
from ._layout import (channels_last, channels_last_3d, contiguous_format, layout,
                      memory_format, preserve_format, sparse_coo, strided)
from ._size import Size
from ._storage import TypedStorage, UntypedStorage
from ._tensor import Tensor
from ._tensor_type import LEGACY_CLASSES as _LEGACY_CLASSES
from .autograd.grad_mode import (enable_grad, inference_mode, is_grad_enabled,
                                 is_inference_mode_enabled, no_grad, set_grad_enabled)
from .ops import *  # noqa: F401,F403
from .ops import result_type
from . import autograd, backends, cuda, return_types  # noqa: E402
# `from .ops import *` also binds the op submodules ember.ops.linalg / ember.ops.random as
# ember.linalg / ember.random; import the namespace modules by full name to replace them.
import importlib as _importlib  # noqa: E402
linalg = _importlib.import_module(".linalg", __name__)
random = _importlib.import_module(".random", __name__)
from .random import *  # noqa: F401,F403
from ._tensor_str import *  # noqa: F401,F403
from . import nn  # noqa: E402
from . import serialization  # noqa: E402
from .serialization import load, save  # noqa: E402
from . import optim  # noqa: E402
from . import multiprocessing, utils  # noqa: E402,F401

FloatTensor = _LEGACY_CLASSES["FloatTensor"]
DoubleTensor = _LEGACY_CLASSES["DoubleTensor"]
HalfTensor = _LEGACY_CLASSES["HalfTensor"]
BFloat16Tensor = _LEGACY_CLASSES["BFloat16Tensor"]
ByteTensor = _LEGACY_CLASSES["ByteTensor"]
CharTensor = _LEGACY_CLASSES["CharTensor"]
ShortTensor = _LEGACY_CLASSES["ShortTensor"]
IntTensor = _LEGACY_CLASSES["IntTensor"]
LongTensor = _LEGACY_CLASSES["LongTensor"]
BoolTensor = _LEGACY_CLASSES["BoolTensor"]


def is_tensor(obj) -> bool:
    """Whether ``obj`` is an ember Tensor."""
    return isinstance(obj, Tensor)


def is_storage(obj) -> bool:
    """Whether ``obj`` is an ember storage."""
    return isinstance(obj, (UntypedStorage, TypedStorage))


def numel(input: Tensor) -> int:
    """The number of elements of ``input``."""
    return input.numel()


def is_floating_point(input: Tensor) -> bool:
    """Whether ``input`` has a floating dtype."""
    return input.is_floating_point()


def is_complex(input: Tensor) -> bool:
    """Whether ``input`` has a complex dtype."""
    return input.is_complex()


def is_nonzero(input: Tensor) -> bool:
    """Whether a one-element tensor is nonzero."""
    if input.numel() != 1:
        if input.numel() == 0:
            raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return input.item() != 0


def detach(input: Tensor) -> Tensor:
    """``input`` cut out of the autograd graph, sharing its data."""
    return input.detach()


def get_default_device() -> device:
    """The device factories use when none is given (the CPU outside ``with device(...)``)."""
    from ._device import default_device
    return default_device()


def __getattr__(name: str):
    # torch imports torch.distributions eagerly; ember loads it on first access instead, so
    # that `import ember` stays as fast as it was.
    if name == "distributions":
        return _importlib.import_module(".distributions", __name__)
    raise AttributeError(f"module 'ember' has no attribute '{name}'")
