"""Window functions for spectral analysis: Hann, Hamming, Blackman, Bartlett and Kaiser.

Each is built the way PyTorch builds it: ``arange`` in the requested dtype followed by a few
elementwise steps, every step rounded to that dtype (half types compute each step in float32),
so results match PyTorch's to the last bit or so.  A *periodic* window of length N is the
symmetric window of length N + 1 without its last sample.
"""
from __future__ import annotations

import operator

import numpy as np

from .. import _dtype as D
from .._device import factory_device
from .._tensor import Tensor
from ..backends.meta import MetaArray
from . import _special

_HALF_TYPES = (np.dtype(np.float16), D.bfloat16.np)
_F32 = np.dtype(np.float32)

_C_NAMES = {"int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
            "uint8": "unsigned char", "bool": "bool"}


def _cos(values):
    """cos correctly rounded to the values' dtype (PyTorch's vectorized float32 cos is within
    an ulp of it; NumPy's float32 cos is less accurate)."""
    return np.cos(values.astype(np.float64)).astype(values.dtype)


def _window(name: str, window_length, periodic: bool, dtype, device, requires_grad: bool,
            shape_fn) -> Tensor:
    """The common checks and special lengths, then ``shape_fn`` for the rest.

    ``shape_fn(indices, length, stored, rounded)`` receives ``arange(length)`` in the compute
    dtype, ``stored(number)``: a number as an in-place op sees it (rounded to the result dtype),
    and ``rounded(values)``: values stored in the result dtype (one elementwise op's result)."""
    if isinstance(window_length, bool) or not isinstance(window_length, (int, np.integer)):
        raise TypeError(f"{name}(): argument 'window_length' (position 1) must be int, not "
                        f"{type(window_length).__name__}")
    length = operator.index(window_length)
    if length < 0:
        raise RuntimeError(f"{name} requires non-negative window_length, got "
                           f"window_length={length}")
    dtype = D.get_default_dtype() if dtype is None else dtype
    if not (dtype.is_floating_point or dtype.is_complex):
        grad = "true" if requires_grad else "false (default)"
        dev = factory_device(device)
        raise RuntimeError(f"{name} expects floating point dtypes, got: TensorOptions(dtype="
                           f"{_C_NAMES.get(dtype.name, dtype.name)}, device={dev}, layout=Strided "
                           f"(default), requires_grad={grad}, pinned_memory=false, "
                           f"memory_format=(nullopt))")
    if dtype.is_complex:
        raise NotImplementedError(f"\"arange_cpu\" not implemented for "
                                  f"'{'ComplexFloat' if dtype is D.complex64 else 'ComplexDouble'}'")
    dev = factory_device(device)
    np_dtype = dtype.np
    if dev.type == "meta":
        data = MetaArray((length,), np_dtype)
    elif length <= 1:
        data = np.ones(length, np_dtype)
    else:
        full = length + 1 if periodic else length
        compute = _F32 if np_dtype in _HALF_TYPES else np_dtype

        def rounded(values):
            # One PyTorch elementwise op: computed in `compute`, stored in the result dtype.
            return values.astype(np_dtype).astype(compute)

        def stored(number):
            # PyTorch's in-place ops convert a Python number to the tensor's dtype first.
            return compute.type(np_dtype.type(number))

        indices = np.arange(full, dtype=np_dtype).astype(compute)
        data = shape_fn(indices, full, stored, rounded).astype(np_dtype)[:length]
        data = np.ascontiguousarray(data)
    result = Tensor._make(data)
    if requires_grad:
        result._rg = True
    return result


def _check_overload(name: str, window_length, values, names) -> None:
    """PyTorch's overloads accept each optional parameter only with all the ones before it."""
    for i in range(1, len(values)):
        if values[i] is not None and values[i - 1] is None:
            given = ", ".join(f"{n}={type(v).__name__}" for n, v in zip(names, values)
                              if v is not None)
            raise TypeError(f"{name}() received an invalid combination of arguments - got "
                            f"({type(window_length).__name__}, {given})")


def hann_window(window_length: int, periodic: bool = True, *, dtype=None, layout=None,
                device=None, pin_memory: bool = False, requires_grad: bool = False) -> Tensor:
    """The Hann window: sin(pi n / (N - 1))**2, computed as a Hamming window with 1/2, 1/2."""
    return _hamming("hann_window", window_length, periodic, 0.5, 0.5, dtype, device,
                    requires_grad)


def hamming_window(window_length: int, periodic=None, alpha=None, beta=None, *, dtype=None,
                   layout=None, device=None, pin_memory: bool = False,
                   requires_grad: bool = False) -> Tensor:
    """The generalized Hamming window alpha - beta cos(2 pi n / (N - 1)) (alpha 0.54 and beta
    0.46 by default; PyTorch's overloads take beta only after alpha, alpha after periodic)."""
    _check_overload("hamming_window", window_length, (periodic, alpha, beta),
                    ("periodic", "alpha", "beta"))
    periodic = True if periodic is None else periodic
    alpha = 0.54 if alpha is None else alpha
    beta = 0.46 if beta is None else beta
    return _hamming("hamming_window", window_length, periodic, alpha, beta, dtype, device,
                    requires_grad)


def _hamming(name, window_length, periodic, alpha, beta, dtype, device, requires_grad):
    def shape(n, full, scalar, rounded):
        w = rounded(n * scalar(np.pi * 2.0 / (full - 1)))
        w = rounded(_cos(w))
        w = rounded(w * scalar(-beta))
        return rounded(w + scalar(alpha))
    return _window(name, window_length, periodic, dtype, device, requires_grad, shape)


def bartlett_window(window_length: int, periodic: bool = True, *, dtype=None, layout=None,
                    device=None, pin_memory: bool = False, requires_grad: bool = False) -> Tensor:
    """The triangular Bartlett window, rising from 0 to 1 and back."""
    def shape(n, full, scalar, rounded):
        w = rounded(n * scalar(2.0 / (full - 1)))
        half = ((full - 1) >> 1) + 1
        w[half:] = rounded(rounded(w[half:] * scalar(-1)) + scalar(2))
        return w
    return _window("bartlett_window", window_length, periodic, dtype, device, requires_grad,
                   shape)


def blackman_window(window_length: int, periodic: bool = True, *, dtype=None, layout=None,
                    device=None, pin_memory: bool = False, requires_grad: bool = False) -> Tensor:
    """The Blackman window 0.42 - 0.5 cos(2 pi n / (N - 1)) + 0.08 cos(4 pi n / (N - 1))."""
    def shape(n, full, scalar, rounded):
        w = rounded(n * scalar(np.pi / (full - 1)))
        fourth = rounded(rounded(_cos(rounded(w * 4))) * scalar(0.08))
        second = rounded(rounded(_cos(rounded(w * 2))) * scalar(0.5))
        return rounded(rounded(fourth - second) + scalar(0.42))  # add rounds its number too
    return _window("blackman_window", window_length, periodic, dtype, device, requires_grad,
                   shape)


def kaiser_window(window_length: int, periodic=None, beta=None, *, dtype=None, layout=None,
                  device=None, pin_memory: bool = False, requires_grad: bool = False) -> Tensor:
    """The Kaiser window I0(beta sqrt(1 - ((n - a) / a)**2)) / I0(beta), a = (N - 1) / 2
    (beta 12 by default; PyTorch's overloads take beta only after periodic)."""
    _check_overload("kaiser_window", window_length, (periodic, beta), ("periodic", "beta"))
    periodic = True if periodic is None else periodic
    beta = 12.0 if beta is None else beta
    def shape(n, full, scalar, rounded):
        center = (full - 1) / 2.0
        ratio = (n.astype(np.float64) - center) / center
        argument = beta * np.sqrt(np.abs(1.0 - ratio * ratio))
        return _special.i0(argument) / _special.i0(np.float64(beta))
    return _window("kaiser_window", window_length, periodic, dtype, device, requires_grad,
                   shape)


__all__ = ["hann_window", "hamming_window", "bartlett_window", "blackman_window",
           "kaiser_window"]
