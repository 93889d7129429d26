"""Higher-level autograd: jacobian, hessian, vjp, jvp, hvp and vhp of Python functions."""
from __future__ import annotations

from .._tensor import Tensor


def _as_tuple(x):
    if isinstance(x, Tensor):
        return (x,), True
    return tuple(x), False


def _prepare(inputs, create_graph: bool):
    # Fresh leaves that require grad, so the function's graph starts at them.
    return tuple(t.detach().requires_grad_(True) if not create_graph or not t.requires_grad
                 else t.view_as(t) for t in inputs)


def _grads(outputs, inputs, grad_outputs, create_graph: bool, strict: bool):
    from . import grad
    from ..ops.creation import zeros_like
    differentiable = [o for o in outputs if o.requires_grad]
    if not differentiable:
        if strict:
            raise RuntimeError("The output of the user-provided function does not require "
                               "gradients.")
        return tuple(zeros_like(t) for t in inputs)
    gos = [g for o, g in zip(outputs, grad_outputs) if o.requires_grad]
    result = grad(differentiable, inputs, gos, create_graph=create_graph, retain_graph=True,
                  allow_unused=True)
    out = []
    for i, (t, g) in enumerate(zip(inputs, result)):
        if g is None:
            if strict:
                raise RuntimeError(f"The output of the user-provided function is independent of "
                                   f"input {i}. This is not allowed in strict mode.")
            g = zeros_like(t)
        out.append(g)
    return tuple(out)


def vjp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), v^T J): the vector-Jacobian product at ``inputs``."""
    from .grad_mode import enable_grad
    from ..ops.creation import ones_like
    inputs_t, single_in = _as_tuple(inputs)
    with enable_grad():
        inputs_t = _prepare(inputs_t, create_graph)
        outputs = func(*inputs_t)
        outputs_t, single_out = _as_tuple(outputs)
        if v is None:
            if any(o.numel() != 1 for o in outputs_t):
                raise RuntimeError("The vector v can only be None if the user-provided function "
                                   "returns a single Tensor with a single element.")
            v_t = tuple(ones_like(o) for o in outputs_t)
        else:
            v_t, _ = _as_tuple(v)
        grads = _grads(outputs_t, inputs_t, v_t, create_graph, strict)
    outs = tuple(o if create_graph else o.detach() for o in outputs_t)
    grads = grads if create_graph else tuple(g.detach() for g in grads)
    return (outs[0] if single_out else outs), (grads[0] if single_in else grads)


def jvp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), J v): the Jacobian-vector product, by the double-vjp trick."""
    from . import grad
    from .grad_mode import enable_grad
    from ..ops.creation import ones_like, zeros_like
    inputs_t, single_in = _as_tuple(inputs)
    if v is None:
        if any(t.numel() != 1 for t in inputs_t):
            raise RuntimeError("The vector v can only be None if the input to the user-provided "
                               "function is a single Tensor with a single element.")
        v_t = tuple(ones_like(t) for t in inputs_t)
    else:
        v_t, _ = _as_tuple(v)
    with enable_grad():
        inputs_t = _prepare(inputs_t, create_graph)
        outputs_t, single_out = _as_tuple(func(*inputs_t))
        dummies = tuple(zeros_like(o).requires_grad_(True) for o in outputs_t)
        g = _grads(outputs_t, inputs_t, dummies, True, strict)
        result = grad(g, dummies, v_t, create_graph=create_graph, allow_unused=True)
        result = tuple(zeros_like(o) if r is None else r for o, r in zip(outputs_t, result))
    outs = tuple(o if create_graph else o.detach() for o in outputs_t)
    result = result if create_graph else tuple(r.detach() for r in result)
    return (outs[0] if single_out else outs), (result[0] if single_out else result)


def jacobian(func, inputs, create_graph: bool = False, strict: bool = False,
             vectorize: bool = False, strategy: str = "reverse-mode"):
    """The Jacobian of ``func`` at ``inputs``: output shape + input shape per (output, input)."""
    from .grad_mode import enable_grad
    from ..ops.creation import zeros_like
    from ..ops.join import stack
    inputs_t, single_in = _as_tuple(inputs)
    with enable_grad():
        inputs_t = _prepare(inputs_t, create_graph)
        outputs_t, single_out = _as_tuple(func(*inputs_t))
        per_output = []
        for out in outputs_t:
            rows = [[] for _ in inputs_t]
            for k in range(out.numel()):
                probe = zeros_like(out)
                probe._data.reshape(-1)[k] = 1
                grads = _grads((out,), inputs_t, (probe,), create_graph, strict)
                for i, g in enumerate(grads):
                    rows[i].append(g)
            blocks = []
            for i, t in enumerate(inputs_t):
                if rows[i]:
                    block = stack(rows[i]).reshape(tuple(out.shape) + tuple(t.shape))
                else:
                    block = zeros_like(t).reshape((0,) + tuple(t.shape)).reshape(
                        tuple(out.shape) + tuple(t.shape))
                blocks.append(block if create_graph else block.detach())
            per_output.append(tuple(blocks))
    if single_out:
        return per_output[0][0] if single_in else per_output[0]
    return tuple(b[0] for b in per_output) if single_in else tuple(per_output)


def hessian(func, inputs, create_graph: bool = False, strict: bool = False,
            vectorize: bool = False, outer_jacobian_strategy: str = "reverse-mode"):
    """The Hessian of a scalar function ``func`` at ``inputs``."""
    inputs_t, single_in = _as_tuple(inputs)

    def gradient(*args):
        out = func(*args)
        if not isinstance(out, Tensor) or out.numel() != 1:
            raise RuntimeError("The function given to hessian should return a single Tensor "
                               "containing a single element")
        return jacobian(func, args, create_graph=True, strict=strict)

    result = jacobian(gradient, inputs_t, create_graph=create_graph, strict=strict)
    return result[0][0] if single_in else result


def vhp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), v^T H) for a scalar function."""
    from .grad_mode import enable_grad
    inputs_t, single_in = _as_tuple(inputs)
    v_t, _ = _as_tuple(v) if v is not None else ((), False)
    with enable_grad():
        inputs_t = _prepare(inputs_t, True)
        out = func(*inputs_t)
        from ..ops.creation import ones_like
        grads = _grads((out,), inputs_t, (ones_like(out),), True, strict)
        result = _grads(grads, inputs_t, v_t, create_graph, strict)
    result = result if create_graph else tuple(r.detach() for r in result)
    return (out if create_graph else out.detach()), (result[0] if single_in else result)


def hvp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), H v) for a scalar function (H is symmetric, so this equals vhp)."""
    return vhp(func, inputs, v, create_graph, strict)
