"""Helpers that compare ember with the PyTorch oracle on identical inputs.

Tests import ``torch`` through :func:`require_torch` so the suite skips cleanly where PyTorch
is not installed (CI always has it).
"""
from __future__ import annotations

import numpy as np
import pytest

import ember

DTYPE_NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16",
               "float32", "float64", "complex64", "complex128"]
FLOAT_NAMES = ["float32", "float64"]


def require_torch():
    """The torch module, or skip the calling test when it is not installed."""
    return pytest.importorskip("torch")


def to_numpy(t) -> np.ndarray:
    """Values of an ember or torch tensor as a NumPy array (bfloat16 widened to float32)."""
    if isinstance(t, ember.Tensor):
        arr = t.detach()._data
        if arr.dtype.name == "bfloat16":
            arr = arr.astype(np.float32)
        return np.asarray(arr)
    torch = require_torch()
    t = t.detach()
    if t.dtype == torch.bfloat16:
        t = t.float()
    return t.resolve_conj().numpy()


def to_torch(e, requires_grad: bool | None = None):
    """A torch tensor with the same values and dtype as the ember tensor ``e``."""
    torch = require_torch()
    arr = e.detach()._data
    if arr.dtype.name == "bfloat16":
        t = torch.from_numpy(arr.astype(np.float32).copy()).to(torch.bfloat16)
    else:
        t = torch.from_numpy(np.array(arr, copy=True))
    if requires_grad if requires_grad is not None else e.requires_grad:
        t.requires_grad_(True)
    return t


def to_ember(t, requires_grad: bool | None = None):
    """An ember tensor with the same values and dtype as the torch tensor ``t``."""
    torch = require_torch()
    wants_grad = t.requires_grad if requires_grad is None else requires_grad
    t = t.detach()
    if t.dtype == torch.bfloat16:
        e = ember.from_numpy(t.float().numpy().copy()).to(ember.bfloat16)
    else:
        e = ember.from_numpy(t.resolve_conj().numpy().copy())
    if wants_grad:
        e.requires_grad_(True)
    return e


def pair(array, requires_grad: bool = False):
    """The same NumPy data as an (ember, torch) pair of tensors."""
    e = ember.tensor(array) if not isinstance(array, np.ndarray) else ember.from_numpy(array.copy())
    t = to_torch(e, requires_grad=False)
    if requires_grad:
        e.requires_grad_(True)
        t.requires_grad_(True)
    return e, t


def dtype_name(d) -> str:
    return str(d).replace("torch.", "")


def assert_same(e, t, rtol: float | None = None, atol: float | None = None,
                check_dtype: bool = True, check_stride: bool = False, equal_nan: bool = True):
    """Assert an ember result matches torch's: dtype, shape, (strides) and values."""
    torch = require_torch()
    if isinstance(t, (tuple, list)):
        assert isinstance(e, (tuple, list)) and len(e) == len(t), (e, t)
        for a, b in zip(e, t):
            assert_same(a, b, rtol, atol, check_dtype, check_stride, equal_nan)
        return
    if not isinstance(t, torch.Tensor):
        assert not isinstance(e, ember.Tensor), f"ember gave a tensor where torch gave {t!r}"
        if isinstance(t, float):
            np.testing.assert_allclose(e, t, rtol=rtol or 1e-6, atol=atol or 0)
        else:
            assert e == t, (e, t)
        return
    assert isinstance(e, ember.Tensor), f"expected an ember Tensor, got {type(e)}"
    if check_dtype:
        assert dtype_name(e.dtype) == dtype_name(t.dtype), (e.dtype, t.dtype)
    assert tuple(e.shape) == tuple(t.shape), (tuple(e.shape), tuple(t.shape))
    if check_stride:
        assert e.stride() == t.stride(), (e.stride(), t.stride())
    a, b = to_numpy(e), to_numpy(t)
    if rtol is None:
        rtol = _default_rtol(b.dtype, t.dtype)
    if atol is None:
        atol = rtol
    if a.dtype.kind in "biu" and b.dtype.kind in "biu":
        np.testing.assert_array_equal(a, b)
    else:
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)


def _default_rtol(np_dtype, torch_dtype) -> float:
    name = dtype_name(torch_dtype)
    return {"float16": 1e-3, "bfloat16": 1e-2, "float32": 1e-5, "complex64": 1e-5}.get(name, 1e-10)


def numerical_grad(fn, inputs, eps: float = 1e-6):
    """Central finite differences of sum(fn(*inputs) * probe) in float64, one input at a time."""
    grads = []
    for x in inputs:
        arr = x._data
        g = np.zeros_like(arr)
        flat = arr.reshape(-1)
        gflat = g.reshape(-1)
        for i in range(flat.size):
            old = flat[i]
            flat[i] = old + eps
            plus = fn(*inputs).detach()._data.astype(np.float64).sum()
            flat[i] = old - eps
            minus = fn(*inputs).detach()._data.astype(np.float64).sum()
            flat[i] = old
            gflat[i] = (plus - minus) / (2 * eps)
        grads.append(g)
    return grads
