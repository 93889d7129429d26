"""Shared helpers for the blas / linalg parity tests: random inputs, and gradient comparison
of an ember function against the same torch function on identical float64 inputs."""
from __future__ import annotations

import numpy as np

import ember
from parity import assert_same, to_torch

TORCH_DTYPE = {"float32": "float32", "float64": "float64", "complex64": "complex64",
               "complex128": "complex128"}


def rand(shape, dtype="float64", seed=0, scale=1.0):
    """Random normal data (complex where asked) of ``shape``."""
    rng = np.random.default_rng(seed)
    arr = rng.standard_normal(shape) * scale
    if dtype.startswith("complex"):
        arr = arr + 1j * rng.standard_normal(shape) * scale
    return np.asarray(arr).astype(dtype)


def well_conditioned(shape, dtype="float64", seed=0):
    """Random square matrices pushed towards the identity so inverses are tame."""
    n = shape[-1]
    return (rand(shape, dtype, seed) * 0.3 + np.eye(n) * 2).astype(dtype)


def spd(shape, dtype="float64", seed=0):
    """Random Hermitian positive-definite matrices."""
    a = rand(shape, dtype, seed)
    n = shape[-1]
    return (a @ np.conj(np.swapaxes(a, -1, -2)) + n * np.eye(n)).astype(dtype)


def pairs(*arrays, requires_grad=False):
    """(ember tensors, torch tensors) with the same values."""
    es = [ember.from_numpy(np.ascontiguousarray(a).copy()) for a in arrays]
    ts = [to_torch(e) for e in es]
    if requires_grad:
        for e, t in zip(es, ts):
            if e.dtype.is_floating_point or e.dtype.is_complex:
                e.requires_grad_(True)
                t.requires_grad_(True)
    return es, ts


def _outputs(result):
    if isinstance(result, (tuple, list)):
        return list(result)
    return [result]


def compare_grads(fn_e, fn_t, arrays, rtol=1e-7, atol=1e-8, seed=1, outputs=None,
                  prepare=None):
    """Gradients of sum(out_i * probe_i) w.r.t. every input, ember vs torch.

    ``outputs`` picks which result entries feed the loss (all differentiable ones by default);
    ``prepare`` turns the leaf tensors into the actual inputs (e.g. a transpose) on both sides.
    """
    import torch
    es, ts = pairs(*arrays, requires_grad=True)
    e_in = prepare(es, ember) if prepare else es
    t_in = prepare(ts, torch) if prepare else ts
    e_out = _outputs(fn_e(*e_in))
    t_out = _outputs(fn_t(*t_in))
    chosen = range(len(t_out)) if outputs is None else outputs
    rng = np.random.default_rng(seed)
    e_loss = None
    t_loss = None
    for i in chosen:
        t_o = t_out[i]
        if not t_o.requires_grad:
            continue
        probe = np.asarray(rng.standard_normal(tuple(t_o.shape)))
        if t_o.is_complex():
            probe = np.asarray(probe + 1j * rng.standard_normal(tuple(t_o.shape)))
            e_term = ember.from_numpy(np.asarray(probe, np.complex128)) * e_out[i]
            t_term = (torch.from_numpy(probe) * t_o).real
            e_term = _real_part(e_term)
        else:
            e_term = e_out[i] * ember.from_numpy(np.asarray(probe, str(t_o.dtype)[6:]))
            t_term = t_o * torch.from_numpy(probe).to(t_o.dtype)
        e_loss = e_term.sum() if e_loss is None else e_loss + e_term.sum()
        t_loss = t_term.sum() if t_loss is None else t_loss + t_term.sum()
    t_grads = torch.autograd.grad(t_loss, ts, allow_unused=True)
    e_grads = ember.autograd.grad(e_loss, es, allow_unused=True)
    for e_g, t_g in zip(e_grads, t_grads):
        if t_g is None:
            assert e_g is None or np.allclose(e_g._data, 0)
            continue
        assert e_g is not None
        assert_same(e_g, t_g, rtol=rtol, atol=atol)
    return e_out, t_out


def _real_part(t):
    from ember.ops.linalg import _real
    return _real(t)


def numerical_check(fn, arrays, eps=1e-6, rtol=1e-5, atol=1e-6, seed=3):
    """ember's gradient of sum(fn(*x) * probe) against central finite differences."""
    es, _ = pairs(*arrays, requires_grad=True)
    out = fn(*es)
    rng = np.random.default_rng(seed)
    probe = np.asarray(rng.standard_normal(tuple(out.shape)))
    loss = (out * ember.from_numpy(probe)).sum()
    grads = ember.autograd.grad(loss, es)
    for index, (arr, g) in enumerate(zip(arrays, grads)):
        expected = np.zeros_like(arr)
        flat = arr.reshape(-1)
        for j in range(flat.size):
            values = []
            for step in (eps, -eps):
                shifted = [a.copy() for a in arrays]
                shifted[index].reshape(-1)[j] += step
                with ember.no_grad():
                    inputs = [ember.from_numpy(s) for s in shifted]
                    values.append(float((fn(*inputs)._data * probe).sum()))
            expected.reshape(-1)[j] = (values[0] - values[1]) / (2 * eps)
        np.testing.assert_allclose(g._data, expected, rtol=rtol, atol=atol)
