"""gradcheck / gradgradcheck: compare autograd's gradients with finite differences."""
from __future__ import annotations

import warnings

import numpy as np

from .._tensor import Tensor


class GradcheckError(RuntimeError):
    """Raised by gradcheck when analytical and numerical gradients disagree."""


def _as_tuple(x) -> tuple:
    return (x,) if isinstance(x, Tensor) else tuple(x)


def _differentiable(inputs):
    return [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]


def _outputs(func, inputs):
    return tuple(o for o in _as_tuple(func(*inputs)) if isinstance(o, Tensor))


def _numerical_jacobian(func, inputs, index, outputs, eps):
    """Columns of d(outputs)/d(inputs[index]) by central differences, one element at a time."""
    target = inputs[index]
    flat = target._data.reshape(-1) if target._data.flags.c_contiguous else None
    if flat is None:
        raise ValueError("gradcheck needs contiguous inputs")
    jacobians = [np.zeros((o.numel(), target.numel()), dtype=np.float64) for o in outputs]
    # Grad mode stays on: the function may itself call autograd (gradgradcheck does).
    for j in range(flat.size):
        original = flat[j]
        flat[j] = original + eps
        plus = [o._data.astype(np.float64).reshape(-1).copy() for o in _outputs(func, inputs)]
        flat[j] = original - eps
        minus = [o._data.astype(np.float64).reshape(-1).copy() for o in _outputs(func, inputs)]
        flat[j] = original
        for k, (p, m) in enumerate(zip(plus, minus)):
            jacobians[k][:, j] = (p - m) / (2 * eps)
    return jacobians


def _analytical_jacobian(outputs, inputs, index):
    """Rows of the Jacobian from one vector-Jacobian product per output element."""
    from . import grad
    from ..ops.creation import zeros
    target = inputs[index]
    jacobians = []
    for out in outputs:
        jac = np.zeros((out.numel(), target.numel()), dtype=np.float64)
        if out.requires_grad:
            for row in range(out.numel()):
                # A fresh contiguous probe: reshape(-1) of a strided one would write to a copy.
                probe = zeros(out.shape, dtype=out.dtype)
                probe._data.reshape(-1)[row] = 1
                (g,) = grad(out, target, probe, retain_graph=True, allow_unused=True)
                if g is not None:
                    jac[row] = g._data.astype(np.float64).reshape(-1)
        jacobians.append(jac)
    return jacobians


def gradcheck(func, inputs, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, nondet_tol: float = 0.0,
              check_undefined_grad: bool = True, check_grad_dtypes: bool = False,
              check_batched_grad: bool = False, check_batched_forward_grad: bool = False,
              check_forward_ad: bool = False, check_backward_ad: bool = True,
              fast_mode: bool = False, masked=None) -> bool:
    """Check autograd's gradients of ``func`` at ``inputs`` against finite differences.

    Inputs that require grad are perturbed one element at a time (use float64 inputs).  Returns
    True, or raises GradcheckError (returns False when ``raise_exception=False``).
    """
    inputs = _as_tuple(inputs)
    indices = _differentiable(inputs)
    if not indices:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but "
                         "none of the them have requires_grad=True.")
    for i in indices:
        if inputs[i].dtype.name not in ("float64", "complex128"):
            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating "
                          "point or complex. This check will likely fail if all the inputs are not "
                          "of double precision floating point or complex. ", UserWarning,
                          stacklevel=2)
    outputs = _outputs(func, inputs)
    for i in indices:
        numerical = _numerical_jacobian(func, inputs, i, outputs, eps)
        analytical = _analytical_jacobian(outputs, inputs, i)
        for k, (n, a) in enumerate(zip(numerical, analytical)):
            if not np.allclose(a, n, rtol=rtol, atol=atol):
                message = (f"Jacobian mismatch for output {k} with respect to input {i},\n"
                           f"numerical:{_show(n)}\nanalytical:{_show(a)}\n")
                if raise_exception:
                    raise GradcheckError(message)
                return False
    return True


def _show(matrix: np.ndarray) -> str:
    from ..ops.creation import tensor
    return repr(tensor(matrix))


def gradgradcheck(func, inputs, grad_outputs=None, *, eps: float = 1e-6, atol: float = 1e-5,
                  rtol: float = 1e-3, gen_non_contig_grad_outputs: bool = False,
                  raise_exception: bool = True, nondet_tol: float = 0.0,
                  check_undefined_grad: bool = True, check_grad_dtypes: bool = False,
                  check_batched_grad: bool = False, check_fwd_over_rev: bool = False,
                  check_rev_over_rev: bool = True, fast_mode: bool = False, masked=None) -> bool:
    """Check second derivatives: gradcheck applied to the function that computes gradients."""
    from . import grad
    from ..ops.random import randn
    inputs = _as_tuple(inputs)
    outputs = _outputs(func, inputs)
    if grad_outputs is None:
        grad_outputs = tuple(randn(o.shape, dtype=o.dtype, requires_grad=True) for o in outputs)
    else:
        grad_outputs = _as_tuple(grad_outputs)
    n_inputs = len(inputs)
    indices = _differentiable(inputs)

    def first_derivative(*args):
        ins, gos = args[:n_inputs], args[n_inputs:]
        outs = _outputs(func, ins)
        grads = grad(outs, [ins[i] for i in indices], gos, create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_derivative, inputs + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
