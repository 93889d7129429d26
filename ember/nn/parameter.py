"""Parameter, Buffer and the uninitialized placeholders used by the Lazy modules."""
from __future__ import annotations

from .. import _dtype
from .._tensor import Tensor


def _as_leaf(data, requires_grad: bool, cls):
    """``data``'s memory as a fresh leaf of class ``cls`` (shares memory, no history)."""
    if data is None:
        from ..ops.creation import empty
        data = empty(0)
    if not isinstance(data, Tensor):
        raise TypeError(f"Creating a {cls.__name__} from an instance of type "
                        f"{type(data).__name__} requires that detach() returns an instance of "
                        f"the same type, but return type Tensor was found instead.")
    leaf = data.detach().as_subclass(cls)
    leaf.requires_grad_(requires_grad)
    return leaf


class Parameter(Tensor):
    """A tensor that a Module registers as a learnable weight when assigned as an attribute.

    It shares memory with the tensor it wraps and requires grad unless told otherwise; printing
    it says ``Parameter containing:``.
    """

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True):
        return _as_leaf(data, requires_grad, cls)

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        pass

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(self.data.clone(), self.requires_grad)
        memo[id(self)] = result
        return result

    def __reduce_ex__(self, protocol):
        return (_rebuild_parameter, (self.data, self.requires_grad))


def _rebuild_parameter(data: Tensor, requires_grad: bool) -> Parameter:
    return Parameter(data, requires_grad)


class Buffer(Tensor):
    """Marks a tensor to be registered as a module buffer when assigned as an attribute.

    ``persistent=False`` keeps it out of the state_dict.  Assigning a Buffer to a module stores
    a plain Tensor, as PyTorch does.
    """

    def __new__(cls, data: Tensor | None = None, *, persistent: bool = True):
        if data is None:
            from ..ops.creation import empty
            data = empty(0)
        buffer = data.detach().as_subclass(cls)
        buffer.persistent = persistent
        return buffer

    def __init__(self, data: Tensor | None = None, *, persistent: bool = True) -> None:
        pass


class UninitializedTensorMixin:
    """Shared behaviour of the placeholders that a Lazy module fills in on its first call."""

    def materialize(self, shape, device=None, dtype=None) -> None:
        """Give the placeholder real (uninitialized) memory of ``shape`` and become a plain
        Parameter/Tensor."""
        from ..ops.creation import empty
        device = self.device if device is None else device
        dtype = self.dtype if dtype is None else dtype
        self._data = empty(shape, device=device, dtype=dtype)._data
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        raise RuntimeError("Can't access the shape of an uninitialized parameter or buffer. This "
                           "error usually happens in `load_state_dict` when trying to load an "
                           "uninitialized parameter into an initialized one. Call "
                           "`forward` to initialize the parameters before accessing their "
                           "attributes.")

    def share_memory_(self):
        raise RuntimeError("Can't share memory on an uninitialized parameter or buffer. Call "
                           "`forward` to initialize the parameters before calling "
                           "`module.share_memory()`.")

    def __repr__(self) -> str:
        return f"<{self.__class__.__name__}>"

    def __reduce_ex__(self, protocol):
        return (self.__class__, (self.requires_grad,))


def is_lazy(param) -> bool:
    """Whether ``param`` is a placeholder not yet given a shape."""
    return isinstance(param, UninitializedTensorMixin)


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """A Parameter with no shape yet; a Lazy module materializes it from its first input."""

    cls_to_become = Parameter

    def __new__(cls, requires_grad: bool = True, device=None, dtype=None):
        from ..ops.creation import empty
        data = empty(0, device=device, dtype=dtype or _dtype.get_default_dtype())
        return _as_leaf(data, requires_grad, cls)

    def __init__(self, requires_grad: bool = True, device=None, dtype=None) -> None:
        pass


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    """A buffer with no shape yet; a Lazy module materializes it from its first input."""

    cls_to_become = Tensor

    def __new__(cls, requires_grad: bool = False, device=None, dtype=None):
        from ..ops.creation import empty
        data = empty(0, device=device, dtype=dtype or _dtype.get_default_dtype())
        return data.as_subclass(cls).requires_grad_(requires_grad)

    def __init__(self, requires_grad: bool = False, device=None, dtype=None) -> None:
        pass
