"""What every op does around its math: operand promotion, ``out=``, and in-place semantics.

Keeping these in one place lets each op file read as forward + backward only.
"""
from __future__ import annotations

import numbers

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.grad_mode import state as grad_state

wrap = Tensor._make
_BY_NP = D._BY_NP
_HALF_TYPES = (np.dtype(np.float16), D.bfloat16.np)
_F32 = np.dtype(np.float32)
_F32_F64 = (_F32, np.dtype(np.float64))
_SCALAR_TYPES = (bool, int, float, complex, np.number, np.bool_)


def is_tensor(x) -> bool:
    return isinstance(x, Tensor)


def dtype_of(x) -> D.dtype:
    """The dtype an operand brings to promotion (a Python number's 'wrapped' dtype)."""
    if isinstance(x, Tensor):
        return _BY_NP[x._data.dtype]
    return D.scalar_dtype(x)


def result_type(*operands) -> D.dtype:
    """PyTorch's result dtype for an op over tensors and numbers (``torch.result_type``)."""
    dims, zeros, scalars = [], [], []
    for x in operands:
        if isinstance(x, Tensor):
            (dims if x._data.ndim else zeros).append(_BY_NP[x._data.dtype])
        elif isinstance(x, _SCALAR_TYPES):
            scalars.append(D.scalar_dtype(x))
        elif x is not None:
            raise TypeError(f"result_type(): expected Tensor or Number, got {type(x).__name__}")
    return D.result_type_of(dims, zeros, scalars)


def check_operand(x, op: str):
    if not isinstance(x, (Tensor,) + _SCALAR_TYPES):
        raise TypeError(f"{op}(): argument 'other' (position 2) must be Tensor, not "
                        f"{type(x).__name__}")


def _scalar_for(value, np_dtype):
    """A Python number ready to meet an array of ``np_dtype`` the way PyTorch casts it."""
    kind = np_dtype.kind
    if kind in "iu" and isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        info = np.iinfo(np_dtype)
        if not info.min <= value <= info.max:
            # PyTorch wraps out-of-range integers modulo 2**bits (uint8 + 300 adds 44).
            return np.array(value, dtype=np.int64).astype(np_dtype)
    if kind == "b" and not isinstance(value, (bool, np.bool_)):
        return np.array(value).astype(np.bool_)
    return value


def binary_operands(a, b, op: str, int_to_float: bool = False):
    """Backend operands for an elementwise op of two tensors or numbers, and the result dtype.

    Tensors are cast to the promoted dtype before the math, as PyTorch's kernels do; half
    types are computed in float32 and rounded once at the end (the caller casts to the
    returned dtype when the backend result differs).
    """
    if isinstance(a, Tensor):
        xa = a._data
        if isinstance(b, Tensor):
            xb = b._data
            if xa.dtype == xb.dtype and not int_to_float and type(xa) is type(xb):
                return xa, xb, xa.dtype
        elif (type(b) is float or type(b) is int) and xa.dtype in _F32_F64:
            # float32/float64 tensor with a Python number: the tensor's dtype wins and NumPy
            # casts the (weak) scalar exactly as the general path below would.
            return xa, b, xa.dtype
        else:
            check_operand(b, op)
            xb = b
    else:
        check_operand(a, op)
        xa = a
        if not isinstance(b, Tensor):
            raise TypeError(f"{op}(): expected a Tensor argument")
        xb = b._data
    if isinstance(a, Tensor) and isinstance(b, Tensor) and type(xa) is not type(xb):
        if xa.ndim and xb.ndim:
            _device_mismatch(a, b)
    out_dtype = result_type(a, b)
    if int_to_float and not (out_dtype.is_floating_point or out_dtype.is_complex):
        out_dtype = D.get_default_dtype()
    np_out = out_dtype.np
    compute = _F32 if np_out in _HALF_TYPES else np_out
    if isinstance(a, Tensor):
        if xa.dtype != compute:
            xa = xa.astype(compute)
    else:
        xa = _scalar_for(xa, compute)
    if isinstance(b, Tensor):
        if xb.dtype != compute:
            xb = xb.astype(compute)
    else:
        xb = _scalar_for(xb, compute)
    return xa, xb, np_out


def _device_mismatch(a, b):
    raise RuntimeError(f"Expected all tensors to be on the same device, but found at least two "
                       f"devices, {a.device} and {b.device}!")


def as_dtype(arr, np_dtype):
    """``arr`` in ``np_dtype`` (no copy when it already is)."""
    return arr if arr.dtype == np_dtype else arr.astype(np_dtype)


def unary_compute(x: Tensor, floating: bool = True):
    """(array to compute on, result dtype) for a unary math op: ints promote to the default
    float, half types compute in float32."""
    arr = x._data
    dt = arr.dtype
    if floating and dt.kind in "biu":
        out = D.get_default_dtype().np
        return arr.astype(_F32 if out in _HALF_TYPES else out), out
    if dt in _HALF_TYPES:
        return arr.astype(_F32), dt
    return arr, dt


def to_tensor(x, like: Tensor | None = None) -> Tensor:
    """``x`` as a tensor: numbers become zero-dim tensors of their wrapped dtype."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, _SCALAR_TYPES):
        return wrap(np.asarray(x, dtype=D.scalar_dtype(x).np))
    from .creation import tensor
    return tensor(x)


def needs_grad(*tensors) -> bool:
    """Whether an op over ``tensors`` must record a backward node right now."""
    if not grad_state.enabled:
        return False
    for t in tensors:
        if isinstance(t, Tensor) and t._rg:
            return True
    return False


def shape_str(shape) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


# ----------------------------------------------------------------------------------------------
# out= and in-place
# ----------------------------------------------------------------------------------------------

def write_out(out: Tensor, result: Tensor, op: str) -> Tensor:
    """Copy ``result`` into the ``out=`` tensor, resizing it as PyTorch does."""
    if not isinstance(out, Tensor):
        raise TypeError(f"{op}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if grad_state.enabled and (result._rg or out._rg):
        raise RuntimeError(f"{op}(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")
    if not D.can_cast(result.dtype, out.dtype):
        raise RuntimeError(f"result type {_type_word(result.dtype)} can't be cast to the desired "
                           f"output type {_type_word(out.dtype)}")
    if out._data.shape != result._data.shape:
        if out._data.size != 0:
            import warnings
            warnings.warn(
                f"An output with one or more elements was resized since it had shape "
                f"{shape_str(out.shape)}, which does not match the required output shape "
                f"{shape_str(result.shape)}. This behavior is deprecated, and in a future PyTorch "
                "release outputs will not be resized unless they have zero elements. You can "
                "explicitly reuse an out tensor t by resizing it, inplace, to zero elements with "
                "t.resize_(0).", UserWarning, stacklevel=3)
        out._data = np.empty(result._data.shape, out._data.dtype, like=result._data)
    out._data[...] = result._data
    out._bump_version()
    return out


def _type_word(d: D.dtype) -> str:
    return {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
            "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
            "bool": "Bool", "complex64": "ComplexFloat", "complex128": "ComplexDouble"}[d.name]


def check_inplace(self: Tensor, op: str = "") -> None:
    """PyTorch's refusals before an in-place op touches anything."""
    if grad_state.enabled and self._rg:
        if self.grad_fn is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                               "operation.")
        base = self._view_of
        if base is not None and base.grad_fn is None and base._rg:
            raise RuntimeError("a view of a leaf Variable that requires grad is being used in an "
                               "in-place operation.")
        if base is not None and self.grad_fn._nout != 1:
            # Pieces of split/chunk/unbind share one backward node that cannot be rebased.
            name = self.grad_fn.name().replace("Backward0", "")
            raise RuntimeError(f"Output {self._output_nr} of {name} is a view and is being "
                               "modified inplace. This view is the output of a function that "
                               "returns multiple views. Such functions do not allow the output "
                               "views to be modified inplace. You should replace the inplace "
                               "operation by an out-of-place one.")


def apply_inplace(self: Tensor, result: Tensor) -> Tensor:
    """Make ``self`` hold ``result`` (computed out of place): the in-place form of an op.

    Checks come first so a refused op changes nothing.  The values are written into
    ``self``'s memory (so views see them), the version counter moves, and if a graph was
    recorded ``self`` takes over the result's backward node.
    """
    check_inplace(self)
    if result._data.shape != self._data.shape:
        raise RuntimeError(f"output with shape {shape_str(self.shape)} doesn't match the "
                           f"broadcast shape {shape_str(result.shape)}")
    src_dtype = _BY_NP[result._data.dtype]
    dst_dtype = _BY_NP[self._data.dtype]
    if not D.can_cast(src_dtype, dst_dtype):
        raise RuntimeError(f"result type {_type_word(src_dtype)} can't be cast to the desired "
                           f"output type {_type_word(dst_dtype)}")
    node = result.grad_fn
    if node is not None:
        _preserve_saved_self(self, node)
    if self._data.flags.writeable:
        self._data[...] = result._data
    else:
        _read_only(self)
    self._bump_version()
    if node is not None:
        _retarget_saved_output(node, result, self)
        if self._view_of is not None:
            from ..autograd.views import rebase_view
            rebase_view(self, node)
        else:
            self.grad_fn = node
            self._rg = True
    return self


def _read_only(self: Tensor):
    raise RuntimeError("unsupported operation: the tensor's memory is read-only (it may be an "
                       "expanded view; call .clone() before writing to it)")


def _preserve_saved_self(self: Tensor, node) -> None:
    # The node may have saved `self` as an input; the write below would change it, so keep the
    # old values (PyTorch saves the original self for in-place ops, too).
    saved = node._saved
    if not saved or not any(s is self for s in saved):
        return
    old = Tensor._make(self._data.copy())
    old.grad_fn, old._rg, old._acc, old._vc = self.grad_fn, self._rg, self._acc, [0]
    node._saved = tuple(old if s is self else s for s in saved)
    node._versions = tuple(0 if s is self else v for s, v in zip(saved, node._versions))


def _retarget_saved_output(node, result: Tensor, self: Tensor) -> None:
    from ..autograd.node import _SavedOutput
    saved = node._saved
    if not saved:
        return
    versions = list(node._versions)
    for i, s in enumerate(saved):
        if type(s) is _SavedOutput and s.data is result._data:
            s.data, s.vc, s.version = self._data, self._vc, self._vc[0]
            versions[i] = self._vc[0]  # saved_tensors checks against this record
    node._versions = tuple(versions)


def inplace_variant(fn, name: str):
    """The ``name_`` method for an out-of-place op ``fn``: compute, then write into self."""
    def method(self, *args, **kwargs):
        return apply_inplace(self, fn(self, *args, **kwargs))
    method.__name__ = name
    method.__qualname__ = f"Tensor.{name}"
    method.__doc__ = f"In-place version of :meth:`Tensor.{name[:-1]}`."
    return method


def bind_methods(names, namespace, inplace=()) -> None:
    """Attach module-level ops as Tensor methods (and generated ``op_`` in-place variants)."""
    for name in names:
        setattr(Tensor, name, namespace[name])
    for name in inplace:
        if name + "_" in namespace:
            setattr(Tensor, name + "_", namespace[name + "_"])
        else:
            setattr(Tensor, name + "_", inplace_variant(namespace[name], name + "_"))


def is_number(x) -> bool:
    return isinstance(x, numbers.Number) and not isinstance(x, Tensor)
