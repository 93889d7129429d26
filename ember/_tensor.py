"""Tensor: an n-dimensional view (shape, strides, offset) onto a storage, plus autograd state.

A tensor holds one backend array (``_data``).  Views made by ember's view ops are backend views
of the same memory, so every view of a storage sees every write.  The storage itself is the
memory of the array at the root of the view chain; ``untyped_storage()`` exposes it.

Operators and most methods are thin: they call the op of the same name in ``ember.ops``, which
is where dtype promotion, broadcasting, the backend call and the backward node live.
"""
from __future__ import annotations

import builtins
import operator
import weakref

import numpy as np

from . import _dtype
from ._device import CPU, META, as_device, device
from ._size import Size

_DEVICE_OF_ARRAY = {np.ndarray: CPU}


class Tensor:
    """A multi-dimensional array with autograd, the central object of ember (``torch.Tensor``)."""

    __slots__ = ("_data", "_vc", "_rg", "grad_fn", "_grad", "_acc", "_view_of",
                 "__dict__", "__weakref__")

    # NumPy defers to our reflected operators (np.float64(2) * t gives a Tensor).
    __array_priority__ = 1000

    # Which output of its grad_fn this tensor is; only multi-output nodes set it per instance.
    _output_nr = 0

    # -- construction -------------------------------------------------------------------------

    def __new__(cls, *args, **kwargs):
        # The legacy constructor: Tensor([1, 2]), Tensor(2, 3), Tensor(other), Tensor().
        from .ops.creation import legacy_new
        result = legacy_new(_dtype.get_default_dtype(), *args, **kwargs)
        if cls is not Tensor:
            result = result.as_subclass(cls)
        return result

    @staticmethod
    def _make(data) -> "Tensor":
        """Wrap a backend array as a new tensor that does not require grad (internal, fast)."""
        if type(data) is not np.ndarray and isinstance(data, np.generic):
            data = np.asarray(data)  # NumPy returns scalars, not 0-d arrays, from 0-d math
        t = object.__new__(Tensor)
        t._data = data
        t._vc = None
        t._rg = False
        t.grad_fn = None
        t._grad = None
        t._acc = None
        t._view_of = None
        return t

    def _make_view(self, data) -> "Tensor":
        """Wrap ``data``, a backend view of this tensor's memory, as a view tensor."""
        t = object.__new__(Tensor)
        t._data = data
        if self._vc is None:
            self._vc = [0]
        t._vc = self._vc
        t._rg = False
        t.grad_fn = None
        t._grad = None
        t._acc = None
        base = self._view_of
        t._view_of = self if base is None else base
        return t

    def as_subclass(self, cls) -> "Tensor":
        """The same data and autograd state viewed as an instance of Tensor subclass ``cls``."""
        t = object.__new__(cls)
        t._data = self._data
        if self._vc is None:
            self._vc = [0]
        t._vc = self._vc
        t._rg = self._rg
        t.grad_fn = self.grad_fn
        t._grad = None
        t._acc = None
        t._view_of = self._view_of
        return t

    # -- metadata -----------------------------------------------------------------------------

    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim: int | None = None):
        """The shape as a ``Size``, or the length of dimension ``dim``."""
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_wrap_dim(dim, self._data.ndim, "size")]

    @property
    def dtype(self) -> _dtype.dtype:
        return _dtype._BY_NP[self._data.dtype]

    @property
    def device(self) -> device:
        return _DEVICE_OF_ARRAY.get(type(self._data)) or _device_of(self._data)

    @property
    def is_cuda(self) -> bool:
        return self.device.type == "cuda"

    @property
    def is_cpu(self) -> bool:
        return self.device.type == "cpu"

    @property
    def is_meta(self) -> bool:
        return self.device.type == "meta"

    @property
    def layout(self):
        from . import strided
        return strided

    @property
    def is_sparse(self) -> bool:
        return False

    @property
    def is_quantized(self) -> bool:
        return False

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def dim(self) -> int:
        """The number of dimensions."""
        return self._data.ndim

    ndimension = dim

    def numel(self) -> int:
        """The total number of elements."""
        return self._data.size

    nelement = numel

    def element_size(self) -> int:
        """Bytes per element."""
        return self._data.dtype.itemsize

    @property
    def itemsize(self) -> int:
        return self._data.dtype.itemsize

    @property
    def nbytes(self) -> int:
        return self._data.size * self._data.dtype.itemsize

    def is_floating_point(self) -> bool:
        """True for float16, bfloat16, float32 and float64 tensors."""
        return self.dtype.is_floating_point

    def is_complex(self) -> bool:
        """True for complex tensors."""
        return self.dtype.is_complex

    def is_signed(self) -> bool:
        return self.dtype.is_signed

    def get_device(self) -> int:
        d = self.device
        return -1 if d.type == "cpu" else (d.index or 0)

    # -- storage and strides ------------------------------------------------------------------

    def stride(self, dim: int | None = None):
        """Steps in elements between neighbours along each dimension (or along ``dim``)."""
        from ._storage import element_strides
        strides = element_strides(self._data)
        if dim is None:
            return strides
        return strides[_wrap_dim(dim, self._data.ndim, "stride")]

    def storage_offset(self) -> int:
        """Index of this tensor's first element within its storage."""
        from ._storage import storage_offset
        return storage_offset(self._data)

    def untyped_storage(self):
        """The flat byte storage this tensor views (shared with all its views)."""
        from ._storage import UntypedStorage
        return UntypedStorage._of_array(self._data)

    def storage(self):
        """The storage as a typed storage of this tensor's dtype."""
        from ._storage import TypedStorage
        return TypedStorage(self.untyped_storage(), self.dtype)

    def data_ptr(self) -> int:
        """Address of the first element."""
        from ._storage import data_pointer
        return data_pointer(self._data)

    def is_contiguous(self, memory_format=None) -> bool:
        """Whether elements are laid out densely in row-major order (size-1 dims ignored)."""
        from ._storage import is_contiguous
        return is_contiguous(self._data, memory_format)

    def is_set_to(self, other: "Tensor") -> bool:
        return (self.data_ptr() == other.data_ptr() and self.shape == other.shape
                and self.stride() == other.stride())

    def is_shared(self) -> bool:
        from ._storage import is_shared
        return is_shared(self._data)

    @property
    def _base(self):
        return self._view_of

    @property
    def _version(self) -> int:
        return 0 if self._vc is None else self._vc[0]

    def _bump_version(self) -> None:
        if self._vc is None:
            self._vc = [1]
        else:
            self._vc[0] += 1

    # -- autograd state -----------------------------------------------------------------------

    @property
    def requires_grad(self) -> bool:
        return self._rg

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        """Start (or stop) recording operations on this leaf tensor; returns self."""
        if self.grad_fn is not None:
            if requires_grad:
                return self
            raise RuntimeError("you can only change requires_grad flags of leaf variables. If you "
                               "want to use a computed variable in a subgraph that doesn't require "
                               "differentiation use var_no_grad = var.detach().")
        if requires_grad and not (self.dtype.is_floating_point or self.dtype.is_complex):
            raise RuntimeError("only Tensors of floating point and complex dtype can require "
                               "gradients")
        self._rg = bool(requires_grad)
        return self

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def grad(self):
        if self.grad_fn is not None and not self.__dict__.get("_retains_grad"):
            import warnings
            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its "
                ".grad attribute won't be populated during autograd.backward(). If you indeed want "
                "the .grad field to be populated for a non-leaf Tensor, use .retain_grad() on the "
                "non-leaf Tensor. If you access the non-leaf Tensor by mistake, make sure you access "
                "the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 for more "
                "informations.", UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of "
                                f"type {type(value).__name__}")
            if value.dtype is not self.dtype:
                raise RuntimeError("assigned grad has data of a different type")
            if value._data.shape != self._data.shape:
                raise RuntimeError("assigned grad has data of a different size")
        self._grad = value

    @grad.deleter
    def grad(self) -> None:
        self._grad = None

    @property
    def retains_grad(self) -> bool:
        return bool(self.__dict__.get("_retains_grad"))

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor during backward."""
        if not self._rg:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None or self.__dict__.get("_retains_grad"):
            return
        self.__dict__["_retains_grad"] = True
        self.grad_fn.__dict__["_retained"] = weakref.ref(self)
        self.grad_fn._hooked = True

    def register_hook(self, hook):
        """Call ``hook(grad)`` whenever this tensor's gradient is computed; it may return a new one."""
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        from .autograd.node import _RemovableHandle
        if self.grad_fn is not None:
            hooks = self.grad_fn.__dict__.setdefault("_tensor_hooks", {})
            self.grad_fn._hooked = True
        else:
            hooks = self.__dict__.setdefault("_hooks", {})
        handle = _RemovableHandle(hooks, hook)
        hooks[handle.id] = hook
        return handle

    def register_post_accumulate_grad_hook(self, hook):
        """Call ``hook(tensor)`` after a gradient has been accumulated into this leaf's ``.grad``."""
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        from .autograd.node import _RemovableHandle
        hooks = self.__dict__.setdefault("_post_accumulate_hooks", {})
        handle = _RemovableHandle(hooks, hook)
        hooks[handle.id] = hook
        return handle

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None) -> None:
        """Compute the gradient of this tensor w.r.t. graph leaves, accumulating into ``.grad``."""
        from .autograd import backward
        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def detach(self) -> "Tensor":
        """A new tensor sharing this one's data, cut out of the graph (does not copy)."""
        t = object.__new__(Tensor)
        t._data = self._data
        if self._vc is None:
            self._vc = [0]
        t._vc = self._vc
        t._rg = False
        t.grad_fn = None
        t._grad = None
        t._acc = None
        t._view_of = None
        return t

    def detach_(self) -> "Tensor":
        """Cut this tensor out of the graph in place, making it a leaf."""
        # Any view is refused, as in PyTorch (not only views of tensors that require grad).
        if self._view_of is not None:
            raise RuntimeError("Can't detach views in-place. Use detach() instead. If you are using "
                               "DistributedDataParallel (DDP) for training, and gradient_as_bucket_view "
                               "is set as True, gradients are views of DDP buckets, and hence detach_() "
                               "cannot be called on these gradients. To fix this error, please refer "
                               "to the Optimizer.zero_grad() function in torch/optim/optimizer.py as "
                               "the solution.")
        self.grad_fn = None
        self._rg = False
        return self

    @property
    def data(self) -> "Tensor":
        """This tensor's values without autograd history (shares memory)."""
        t = Tensor._make(self._data)
        return t

    @data.setter
    def data(self, value: "Tensor") -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(value).__name__}")
        self._data = value._data

    @property
    def output_nr(self) -> int:
        return self._output_nr

    # -- conversion to Python / NumPy ---------------------------------------------------------

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """A NumPy array sharing this tensor's memory."""
        if self._rg and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        if self.device.type != "cpu":
            if force:
                return self.cpu()._data
            raise TypeError(f"can't convert {self.device.type} device type tensor to numpy. Use "
                            "Tensor.cpu() to copy the tensor to host memory first.")
        if self._data.dtype == _dtype.bfloat16.np and not force:
            raise TypeError("Got unsupported ScalarType BFloat16")
        return self._data

    def __array__(self, dtype=None, copy=None):
        if self._rg:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        arr = self.detach().cpu()._data
        if dtype is not None:
            arr = arr.astype(dtype, copy=False)
        return arr

    def __array_wrap__(self, array, context=None, return_scalar=False):
        # A NumPy ufunc applied to a tensor (np.sin(t), or t + ndarray after the operator
        # defers) gives a tensor back, as in PyTorch, whose bool results come back as uint8.
        array = np.asarray(array)
        if array.dtype == np.bool_:
            array = array.astype(np.uint8)
        return Tensor._make(array)

    def tolist(self):
        """The values as (nested) Python lists of numbers."""
        arr = self._host()
        if arr.dtype == _dtype.bfloat16.np or arr.dtype == np.float16:
            arr = arr.astype(np.float32)
        return arr.tolist()

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to "
                               "Scalar")
        if self.device.type == "meta":
            raise RuntimeError("Tensor.item() cannot be called on meta tensors")
        value = self._host().reshape(()).item()
        if isinstance(value, float) or not isinstance(value, (builtins.int, builtins.bool,
                                                              builtins.complex)):
            if self._data.dtype.kind not in "biuc":
                value = builtins.float(value)
        return value

    def _scalar_host(self) -> np.ndarray:
        """The host array behind a conversion to a Python number (refused on meta, as item())."""
        if type(self._data) is not np.ndarray and self.device.type == "meta":
            raise RuntimeError("Tensor.item() cannot be called on meta tensors")
        return self._host()

    def _host(self) -> np.ndarray:
        if type(self._data) is np.ndarray:
            return self._data
        from .backends import backend_for
        d = self.device
        if d.type == "meta":
            raise NotImplementedError("Cannot copy out of meta tensor; no data!")
        return backend_for(d.type).to_host(self._data)

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __bool__(self) -> bool:
        if self._data.size != 1:
            if self._data.size == 0:
                raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return builtins.bool(self._scalar_host().reshape(())[()])

    def is_nonzero(self) -> bool:
        """Whether this one-element tensor is nonzero (``bool(self)``)."""
        return self.__bool__()

    def __float__(self) -> float:
        self._check_scalar("float")
        return builtins.float(self._scalar_host().reshape(()).astype(np.float64)
                              if self._data.dtype.kind != "c" else self._real_part("double"))

    def __int__(self) -> int:
        self._check_scalar("int")
        value = self._scalar_host().reshape(())
        if value.dtype.kind == "c":
            return builtins.int(self._real_part("int64_t"))
        if value.dtype.kind == "f" or value.dtype == _dtype.bfloat16.np:
            return builtins.int(builtins.float(value))
        return builtins.int(value)

    def _real_part(self, ctype: str):
        # PyTorch converts a complex value to a real number only when it has no imaginary part.
        value = self._scalar_host().reshape(()).item()
        if value.imag != 0:
            raise RuntimeError(f"value cannot be converted to type {ctype} without overflow")
        return value.real

    def __complex__(self) -> complex:
        self._check_scalar("complex")
        return builtins.complex(self._scalar_host().reshape(()).item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "biu" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return builtins.int(self._scalar_host().reshape(()))

    def _check_scalar(self, kind: str) -> None:
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")

    def __hash__(self) -> int:
        return id(self)

    def __repr__(self, *, tensor_contents=None) -> str:
        from ._tensor_str import tensor_repr
        return tensor_repr(self, tensor_contents=tensor_contents)

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0 and self.device.type != "meta":
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    def __dlpack__(self, stream=None, **kwargs):
        if self._rg:
            raise BufferError("Can't export tensors that require gradient, use tensor.detach()")
        return self._data.__dlpack__(**kwargs) if kwargs else self._data.__dlpack__()

    def __dlpack_device__(self):
        return self._data.__dlpack_device__()

    def __deepcopy__(self, memo):
        if not self.is_leaf:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support "
                               "the deepcopy protocol at the moment.  If you were attempting to deepcopy "
                               "a module, this may be because of a torch.nn.utils.weight_norm usage, "
                               "see https://github.com/pytorch/pytorch/pull/103001")
        if id(self) in memo:
            return memo[id(self)]
        import copy
        new = Tensor._make(self._data.copy())
        if type(self) is not Tensor:
            new = new.as_subclass(type(self))
        new._rg = self._rg
        if self._grad is not None:
            new._grad = copy.deepcopy(self._grad, memo)
        for key, value in self.__dict__.items():
            if not key.startswith("_"):
                new.__dict__[key] = copy.deepcopy(value, memo)
        memo[id(self)] = new
        return new

    def __reduce_ex__(self, protocol):
        return (_rebuild_tensor, (self._host().copy(), self._rg, type(self)))

    # -- dtype and device conversion ----------------------------------------------------------

    def to(self, *args, **kwargs) -> "Tensor":
        """Convert dtype and/or device: ``to(dtype)``, ``to(device, dtype)``, ``to(other)``."""
        memory_format = kwargs.pop("memory_format", None)
        target_device, target_dtype, copy = _parse_to(self, args, kwargs)
        # Through the bound ops module: an import statement here cost as much as the cast.
        result = _ops.cast.to_device_dtype(self, target_device, target_dtype, copy)
        if memory_format is None or memory_format.name == "preserve_format":
            return result
        from ._storage import suggest_memory_format
        if result is self and suggest_memory_format(self._data) == memory_format.name:
            return self
        return _ops.clone(result, memory_format=memory_format)

    def type(self, dtype=None, non_blocking: bool = False, **kwargs):
        """Without arguments the legacy type name (``'torch.FloatTensor'``); else a cast."""
        from ._tensor_type import dtype_of_type_name, legacy_type_name
        if dtype is None:
            return legacy_type_name(self._data.dtype)
        if isinstance(dtype, str):
            dtype = dtype_of_type_name(dtype)
        elif not isinstance(dtype, _dtype.dtype):
            dtype = dtype.dtype
        return self.to(dtype)

    def type_as(self, other: "Tensor") -> "Tensor":
        return self.to(other.dtype)

    def cpu(self, memory_format=None) -> "Tensor":
        """This tensor on the CPU (itself when already there)."""
        return self.to(CPU)

    def cuda(self, device=None, non_blocking: bool = False, memory_format=None) -> "Tensor":
        from . import cuda
        cuda._lazy_init()
        return self.to(as_device("cuda" if device is None else device))

    def float(self, memory_format=None) -> "Tensor":
        return self.to(_dtype.float32)

    def double(self, memory_format=None) -> "Tensor":
        return self.to(_dtype.float64)

    def half(self, memory_format=None) -> "Tensor":
        return self.to(_dtype.float16)

    def bfloat16(self, memory_format=None) -> "Tensor":
        return self.to(_dtype.bfloat16)

    def long(self, memory_format=None) -> "Tensor":
        return self.to(_dtype.int64)

    def int(self, memory_format=None) -> "Tensor":
        return self.to(_dtype.int32)

    def short(self, memory_format=None) -> "Tensor":
        return self.to(_dtype.int16)

    def char(self, memory_format=None) -> "Tensor":
        return self.to(_dtype.int8)

    def byte(self, memory_format=None) -> "Tensor":
        return self.to(_dtype.uint8)

    def bool(self, memory_format=None) -> "Tensor":
        return self.to(_dtype.bool)

    def cfloat(self, memory_format=None) -> "Tensor":
        return self.to(_dtype.complex64)

    def cdouble(self, memory_format=None) -> "Tensor":
        return self.to(_dtype.complex128)

    # -- Python operators (the ops live in ember.ops) -----------------------------------------

    def __add__(self, other):
        return _ops.add(self, other)

    def __radd__(self, other):
        return _ops.add(other, self)

    def __iadd__(self, other):
        return self.add_(other)

    def __sub__(self, other):
        return _ops.sub(self, other)

    def __rsub__(self, other):
        # `number - tensor` is rsub in PyTorch (RsubBackward1); torch.sub(number, t) is not.
        return _ops.rsub(self, other)

    def __isub__(self, other):
        return self.sub_(other)

    def __mul__(self, other):
        return _ops.mul(self, other)

    def __rmul__(self, other):
        return _ops.mul(other, self)

    def __imul__(self, other):
        return self.mul_(other)

    def __truediv__(self, other):
        return _ops.div(self, other)

    def __rtruediv__(self, other):
        # PyTorch's `number / tensor` is reciprocal(tensor) * number (torch.div divides).
        return _ops.mul(_ops.reciprocal(self), other)

    def __itruediv__(self, other):
        return self.div_(other)

    def __floordiv__(self, other):
        return _ops.floor_divide(self, other)

    def __rfloordiv__(self, other):
        return _ops.floor_divide(other, self)

    def __ifloordiv__(self, other):
        return self.floor_divide_(other)

    def __mod__(self, other):
        return _ops.remainder(self, other)

    def __rmod__(self, other):
        return _ops.remainder(other, self)

    def __imod__(self, other):
        return self.remainder_(other)

    def __pow__(self, other):
        return _ops.pow(self, other)

    def __rpow__(self, other):
        return _ops.pow(other, self)

    def __ipow__(self, other):
        return self.pow_(other)

    def __matmul__(self, other):
        if not isinstance(other, Tensor):
            return NotImplemented
        return _ops.matmul(self, other)

    def __rmatmul__(self, other):
        if not isinstance(other, Tensor):
            return NotImplemented
        return _ops.matmul(other, self)

    def __imatmul__(self, other):
        return self.copy_(_ops.matmul(self, other))

    def __neg__(self):
        return _ops.neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _ops.abs(self)

    def __invert__(self):
        if self._data.dtype.kind not in "biu":
            raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type "
                            "tensors")
        return _ops.bitwise_not(self)

    def __and__(self, other):
        return _ops.bitwise_and(self, other)

    def __rand__(self, other):
        return _ops.bitwise_and(other, self)

    def __iand__(self, other):
        return self.bitwise_and_(other)

    def __or__(self, other):
        return _ops.bitwise_or(self, other)

    def __ror__(self, other):
        return _ops.bitwise_or(other, self)

    def __ior__(self, other):
        return self.bitwise_or_(other)

    def __xor__(self, other):
        return _ops.bitwise_xor(self, other)

    def __rxor__(self, other):
        return _ops.bitwise_xor(other, self)

    def __ixor__(self, other):
        return self.bitwise_xor_(other)

    def __lshift__(self, other):
        return _ops.bitwise_left_shift(self, other)

    def __rlshift__(self, other):
        return _ops.bitwise_left_shift(other, self)

    def __ilshift__(self, other):
        return self.bitwise_left_shift_(other)

    def __rshift__(self, other):
        return _ops.bitwise_right_shift(self, other)

    def __rrshift__(self, other):
        return _ops.bitwise_right_shift(other, self)

    def __irshift__(self, other):
        return self.bitwise_right_shift_(other)

    def __eq__(self, other):
        # Anything but a tensor, an array or a number compares by identity, as in PyTorch.
        if not isinstance(other, _COMPARABLE):
            return NotImplemented
        return _ops.eq(self, other)

    def __ne__(self, other):
        if not isinstance(other, _COMPARABLE):
            return NotImplemented
        return _ops.ne(self, other)

    def __lt__(self, other):
        return _ops.lt(self, other)

    def __le__(self, other):
        return _ops.le(self, other)

    def __gt__(self, other):
        return _ops.gt(self, other)

    def __ge__(self, other):
        return _ops.ge(self, other)

    def __getitem__(self, index):
        return _ops.getitem(self, index)

    def __setitem__(self, index, value) -> None:
        _ops.setitem(self, index, value)

    def __contains__(self, element) -> bool:
        if isinstance(element, (Tensor, builtins.int, builtins.float, builtins.bool,
                                builtins.complex)):
            return builtins.bool((self == element).any())
        raise RuntimeError(f"Tensor.__contains__ only supports Tensor or scalar, but you passed in "
                           f"a {type(element)}.")

    @property
    def T(self) -> "Tensor":
        return _ops.permute(self, tuple(range(self._data.ndim - 1, -1, -1)))

    @property
    def mT(self) -> "Tensor":
        if self._data.ndim == 0:
            import warnings
            warnings.warn("Tensor.mT is deprecated on 0-D tensors. This function is the "
                          "identity in these cases.", UserWarning, stacklevel=2)
            return self
        if self._data.ndim < 2:
            raise RuntimeError(f"tensor.mT is only supported on matrices or batches of matrices. "
                               f"Got {self._data.ndim}-D tensor.")
        return _ops.transpose(self, -2, -1)

    @property
    def H(self) -> "Tensor":
        if self._data.ndim not in (0, 2):
            raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got "
                               f"{self._data.ndim}-D tensor.")
        return self.mT.conj() if self._data.ndim == 2 else self.conj()

    @property
    def mH(self) -> "Tensor":
        if self._data.ndim == 0:
            import warnings
            warnings.warn("Tensor.mH is deprecated on 0-D tensors. Consider using x.conj().",
                          UserWarning, stacklevel=2)
            return self.conj()
        if self._data.ndim < 2:
            raise RuntimeError(f"tensor.mH is only supported on matrices or batches of matrices. "
                               f"Got {self._data.ndim}-D tensor.")
        return self.mT.conj()

    @property
    def real(self) -> "Tensor":
        return _ops.real(self)

    @property
    def imag(self) -> "Tensor":
        return _ops.imag(self)


_COMPARABLE = (Tensor, builtins.int, builtins.float, builtins.complex, np.number, np.bool_,
               np.ndarray)


def _defer_on_type_error(method):
    """The operator ``method``, answering NotImplemented where the operand is of a type it does
    not take: Python then tries the other operand's reflected operator, so ``t + ndarray`` is
    computed by NumPy and wrapped back into a tensor, as PyTorch's operators behave."""
    def operator_method(self, other):
        try:
            return method(self, other)
        except TypeError:
            return NotImplemented

    operator_method.__name__ = operator_method.__qualname__ = method.__name__
    return operator_method


for _name in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "and", "or", "xor",
              "lshift", "rshift"):
    for _form in (f"__{_name}__", f"__r{_name}__", f"__i{_name}__"):
        setattr(Tensor, _form, _defer_on_type_error(getattr(Tensor, _form)))


def _device_of(arr) -> device:
    from .backends.meta import MetaArray
    if isinstance(arr, MetaArray):
        return META
    dev = getattr(arr, "device", None)
    if dev is not None and hasattr(dev, "id"):
        return device("cuda", dev.id)
    return CPU


def _wrap_dim(dim: int, ndim: int, op: str = "") -> int:
    """Normalize a possibly negative dimension, with PyTorch's IndexError when out of range."""
    dim = operator.index(dim)
    bound = ndim if ndim > 0 else 1
    if dim < -bound or dim >= bound:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-bound}, "
                         f"{bound - 1}], but got {dim})")
    return dim + bound if dim < 0 else dim


def _parse_to(tensor: Tensor, args, kwargs):
    target_device = kwargs.pop("device", None)
    target_dtype = kwargs.pop("dtype", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    if kwargs:
        raise TypeError(f"to() received an invalid combination of arguments - got unexpected "
                        f"keyword {next(iter(kwargs))!r}")
    args = list(args)
    if args and isinstance(args[0], Tensor):
        other = args.pop(0)
        target_device, target_dtype = other.device, other.dtype
    elif args and not isinstance(args[0], _dtype.dtype) and args[0] is not None:
        target_device = args.pop(0)
    elif args and args[0] is None:
        args.pop(0)
    if args and isinstance(args[0], _dtype.dtype):
        target_dtype = args.pop(0)
    if args and isinstance(args[0], builtins.bool):
        args.pop(0)  # non_blocking
    if args and isinstance(args[0], builtins.bool):
        copy = args.pop(0)
    if args:
        raise TypeError(f"to() received an invalid combination of arguments - got {args!r}")
    if target_device is not None:
        target_device = as_device(target_device)
    return target_device, target_dtype, copy


def _rebuild_tensor(array, requires_grad, cls):
    t = Tensor._make(array)
    if cls is not Tensor:
        t = t.as_subclass(cls)
    t._rg = requires_grad
    return t


# The op library imports Tensor, so it is bound here, after the class exists.
from . import ops as _ops  # noqa: E402
