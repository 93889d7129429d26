"""Data types, PyTorch's type-promotion rules, finfo and iinfo.

Every ember dtype maps to one NumPy dtype (bfloat16 comes from ml_dtypes).  Promotion follows
PyTorch, not NumPy: tensors with dimensions outrank zero-dim tensors, which outrank Python
numbers, and a lower-ranked operand only matters when it belongs to a higher category
(bool < integer < floating < complex).
"""
from __future__ import annotations

import builtins

import ml_dtypes
import numpy as np


class dtype:
    """A tensor element type, printed as PyTorch prints it (``torch.float32``)."""

    __slots__ = ("name", "np", "itemsize", "is_floating_point", "is_complex", "is_signed",
                 "_rank", "__weakref__")

    def __init__(self, name: str, np_dtype, rank: int, floating: bool = False,
                 complex_: bool = False, signed: bool = True) -> None:
        self.name = name
        self.np = np.dtype(np_dtype)
        self.itemsize = self.np.itemsize
        self.is_floating_point = floating
        self.is_complex = complex_
        self.is_signed = signed
        self._rank = rank

    def __repr__(self) -> str:
        return "torch." + self.name

    def __reduce__(self):
        return (_dtype_by_name, (self.name,))

    def to_real(self) -> "dtype":
        """The real counterpart of a complex dtype (complex64 -> float32); others unchanged."""
        return {complex64: float32, complex128: float64}.get(self, self)

    def to_complex(self) -> "dtype":
        """The complex counterpart of a real floating dtype (float32 -> complex64)."""
        return {float64: complex128, complex64: complex64, complex128: complex128}.get(self, complex64)

    @property
    def itemsize_bits(self) -> int:
        return self.itemsize * 8


bool = dtype("bool", np.bool_, 0, signed=False)
uint8 = dtype("uint8", np.uint8, 1, signed=False)
int8 = dtype("int8", np.int8, 2)
int16 = dtype("int16", np.int16, 3)
int32 = dtype("int32", np.int32, 4)
int64 = dtype("int64", np.int64, 5)
float16 = dtype("float16", np.float16, 6, floating=True)
bfloat16 = dtype("bfloat16", ml_dtypes.bfloat16, 7, floating=True)
float32 = dtype("float32", np.float32, 8, floating=True)
float64 = dtype("float64", np.float64, 9, floating=True)
complex64 = dtype("complex64", np.complex64, 10, complex_=True)
complex128 = dtype("complex128", np.complex128, 11, complex_=True)

# PyTorch's aliases are the same objects under a second name.
half = float16
float = float32
double = float64
short = int16
int = int32
long = int64
cfloat = complex64
cdouble = complex128

ALL_DTYPES = (bool, uint8, int8, int16, int32, int64, float16, bfloat16, float32, float64,
              complex64, complex128)
_BY_NAME = {d.name: d for d in ALL_DTYPES}
_BY_NP = {d.np: d for d in ALL_DTYPES}


def _dtype_by_name(name: str) -> dtype:
    return _BY_NAME[name]


def from_numpy_dtype(np_dtype) -> dtype:
    """The ember dtype for a NumPy dtype; TypeError for types PyTorch does not support."""
    try:
        return _BY_NP[np.dtype(np_dtype)]
    except KeyError:
        raise TypeError(
            f"can't convert np.ndarray of type {np.dtype(np_dtype)}. The only supported types are: "
            "float64, float32, float16, complex64, complex128, int64, int32, int16, int8, uint8, "
            "and bool.") from None


# ----------------------------------------------------------------------------------------------
# Promotion
# ----------------------------------------------------------------------------------------------

def _category(d: dtype) -> builtins.int:
    if d is bool:
        return 0
    if d.is_complex:
        return 3
    if d.is_floating_point:
        return 2
    return 1


def _promote_pair(a: dtype, b: dtype) -> dtype:
    if a is b:
        return a
    ca, cb = _category(a), _category(b)
    if ca != cb:
        if ca < cb:
            a, b, ca, cb = b, a, cb, ca
        # a is now in the higher category.
        if ca == 3 and cb == 2 and b is float64:
            return complex128
        return a
    if ca == 1:
        # uint8 with a signed integer needs the next wider signed type.
        if a is uint8 or b is uint8:
            other = b if a is uint8 else a
            return int16 if other is int8 else other
        return a if a._rank > b._rank else b
    if ca == 2:
        if {a, b} == {float16, bfloat16}:
            return float32
        return a if a._rank > b._rank else b
    return a if a._rank > b._rank else b


_PROMOTE = {(a, b): _promote_pair(a, b) for a in ALL_DTYPES for b in ALL_DTYPES}


def promote_types(type1: dtype, type2: dtype) -> dtype:
    """The smallest dtype to which both ``type1`` and ``type2`` can be converted."""
    return _PROMOTE[(type1, type2)]


def _combine_categories(higher: dtype | None, lower: dtype | None) -> dtype | None:
    # Mirrors c10's rule: a lower-priority operand only changes the result when it
    # belongs to a higher category than the higher-priority one.
    if higher is None:
        return lower
    if lower is None:
        return higher
    if higher.is_complex:
        return higher
    if lower.is_complex:
        return higher.to_complex() if higher.is_floating_point else lower
    if higher.is_floating_point:
        return higher
    if higher is bool or lower.is_floating_point:
        return _PROMOTE[(higher, lower)]
    return higher


def scalar_dtype(value) -> dtype:
    """The dtype a Python number takes when it meets a tensor (a 'wrapped number')."""
    t = type(value)
    if t is builtins.bool or t is np.bool_:
        return bool
    if t is builtins.int or isinstance(value, np.integer):
        return int64
    if t is builtins.float or isinstance(value, np.floating):
        return _default_dtype
    if t is builtins.complex or isinstance(value, np.complexfloating):
        return _default_dtype.to_complex()
    raise TypeError(f"unsupported scalar type {t.__name__}")


def result_type_of(dim_types, zero_types, scalar_types) -> dtype:
    """Promotion over three priority groups: dimensioned tensors, zero-dim tensors, scalars."""
    def fold(types):
        out = None
        for d in types:
            out = d if out is None else _PROMOTE[(out, d)]
        return out
    return _combine_categories(fold(dim_types),
                               _combine_categories(fold(zero_types), fold(scalar_types)))


def can_cast(from_: dtype, to: dtype) -> builtins.bool:
    """Whether PyTorch's same-kind casting allows ``from_`` -> ``to`` (no category downgrade)."""
    return _category(from_) <= _category(to)


# ----------------------------------------------------------------------------------------------
# Default dtype
# ----------------------------------------------------------------------------------------------

_default_dtype = float32


def get_default_dtype() -> dtype:
    """The floating dtype that factories and Python floats use (float32 unless changed)."""
    return _default_dtype


def set_default_dtype(d: dtype) -> None:
    """Set the default floating dtype; only float32, float64, float16 and bfloat16 qualify."""
    global _default_dtype
    if not isinstance(d, dtype) or not d.is_floating_point:
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default_dtype = d


# ----------------------------------------------------------------------------------------------
# finfo / iinfo
# ----------------------------------------------------------------------------------------------

class finfo:
    """Machine limits of a floating dtype (defaults to the default dtype)."""

    def __init__(self, type: dtype | None = None) -> None:
        d = _default_dtype if type is None else type
        if not (d.is_floating_point or d.is_complex):
            raise TypeError("torch.finfo() requires a floating point input type. Use torch.iinfo "
                            "to handle 'torch.finfo'")
        info = ml_dtypes.finfo(d.to_real().np)
        self.bits = info.bits
        self.eps = builtins.float(info.eps)
        self.max = builtins.float(info.max)
        self.min = builtins.float(info.min)
        self.tiny = builtins.float(info.tiny)
        self.smallest_normal = self.tiny
        # PyTorch reports 10 ** -(decimal digits of precision), exactly.
        self.resolution = 10.0 ** -builtins.int(np.floor(-np.log10(self.eps)))
        self.dtype = d.to_real().name

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, "
                f"dtype={self.dtype})")


class iinfo:
    """Limits of an integer dtype."""

    def __init__(self, type: dtype) -> None:
        if type.is_floating_point or type.is_complex:
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to "
                            "handle 'torch.iinfo'")
        info = np.iinfo(type.np) if type is not bool else None
        self.bits = type.itemsize * 8
        self.max = builtins.int(info.max) if info else 1
        self.min = builtins.int(info.min) if info else 0
        self.dtype = type.name

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"
