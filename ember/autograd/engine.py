"""The backward pass: walk the graph from the outputs and call each node's backward once.

1. Collect the nodes reachable from the outputs and count, for each, how many edges lead to it.
2. Keep the nodes whose gradient is complete in a heap, newest first (PyTorch's order), pop
   one, call its backward, add each returned gradient into its input's buffer, and push the
   inputs whose count reaches zero.
3. Leaves end in AccumulateGrad, which adds into ``.grad``; ``autograd.grad`` instead captures
   the gradient of the requested tensors and accumulates nothing.
"""
from __future__ import annotations

import heapq
import sys

import numpy as np

from . import anomaly_mode as _anomaly
from .grad_mode import state
from .node import AccumulateGrad, gradient_edge


def _validate(grad, meta, node):
    """Bring a gradient to its input's shape (undoing broadcasting) and dtype."""
    shape, np_dtype = meta
    if grad._data.shape != shape:
        from ..ops.reduce import sum_to_shape
        try:
            grad = sum_to_shape(grad, shape)
        except (RuntimeError, ValueError):
            raise RuntimeError(
                f"Function {node.name()} returned an invalid gradient - got "
                f"[{', '.join(map(str, grad.shape))}] but expected shape compatible with "
                f"[{', '.join(map(str, shape))}]") from None
    if grad._data.dtype != np_dtype:
        from .._dtype import from_numpy_dtype
        if grad._data.dtype.kind == "c" and np_dtype.kind != "c":
            grad = grad.real  # a real input's gradient is the real part, as in PyTorch
        grad = grad.to(from_numpy_dtype(np_dtype))
    return grad


def _collect(roots):
    """Dependency counts for every node reachable from ``roots``."""
    dependencies = {}
    seen = set(roots)
    stack = list(roots)
    while stack:
        node = stack.pop()
        for nxt in node._next:
            if nxt is None:
                continue
            dependencies[nxt] = dependencies.get(nxt, 0) + 1
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return dependencies, seen


def _needed(reachable, targets):
    """Nodes from which some target can be reached: only these need to run."""
    parents = {}
    for node in reachable:
        for child in node._next:
            if child is not None:
                parents.setdefault(child, []).append(node)
    needed = set(t for t in targets if t in reachable)
    stack = list(needed)
    while stack:
        for parent in parents.get(stack.pop(), ()):
            if parent not in needed:
                needed.add(parent)
                stack.append(parent)
    return needed


def _call_tensor_hooks(hooks, grad):
    for hook in list(hooks.values()) if isinstance(hooks, dict) else list(hooks):
        result = hook(grad)
        if result is not None:
            grad = result
    return grad


def _stealable(grad):
    """``grad`` itself, or a plain tensor over the same buffer, when nothing else can see that
    buffer (PyTorch's use_count() == 1 test, expressed with CPython reference counts); else None.
    A view is kept when it spans a buffer only its base tensor holds, as the transpose of a
    transposed weight-gradient product does."""
    if sys.getrefcount(grad) > 4:  # the engine's, _accumulate's and our own reference
        return None
    arr = grad._data
    if sys.getrefcount(arr) > 3:
        return None
    base = arr.base
    owner = grad._view_of
    if base is None:
        return grad if owner is None else None
    if (owner is None or owner._data is not base or type(base) is not np.ndarray
            or base.base is not None or arr.size != base.size):
        return None
    if sys.getrefcount(owner) > 3 or sys.getrefcount(base) > 4:
        return None
    from .._tensor import Tensor
    return Tensor._make(arr)


def _same_layout(grad, variable) -> bool:
    return grad._data.strides == variable._data.strides


def _clone_like(grad, variable):
    """A copy of ``grad`` laid out like ``variable`` (PyTorch's gradient layout contract: a
    dense parameter gets a gradient with its own strides, e.g. a Linear weight's gradient is
    row-major even though it is computed as a transposed product)."""
    data, like = grad._data, variable._data
    if type(data) is np.ndarray and type(like) is np.ndarray and data.shape == like.shape:
        out = np.empty_like(like, dtype=data.dtype)
        np.copyto(out, data)
        from .._tensor import Tensor
        return Tensor._make(out)
    return grad.detach().clone()


def _accumulate(variable, grad, create_graph: bool) -> None:
    hooks = variable.__dict__.get("_hooks")
    if hooks:
        grad = _call_tensor_hooks(hooks, grad)
    existing = variable._grad
    if existing is None:
        if create_graph:
            variable._grad = grad
        else:
            kept = None if grad._rg or not _same_layout(grad, variable) else _stealable(grad)
            variable._grad = _clone_like(grad, variable) if kept is None else kept
    elif create_graph or existing._rg:
        variable._grad = existing + grad
    else:
        existing._data += grad._data
    post = variable.__dict__.get("_post_accumulate_hooks")
    if post:
        for hook in list(post.values()):
            hook(variable)


def run_backward(outputs, grad_outputs, retain_graph: bool, create_graph: bool,
                 inputs=None, accumulate: bool = True, allow_unused: bool = False):
    """Run the backward pass.  With ``accumulate=False`` return the gradients of ``inputs``."""
    buffers = {}
    roots = []
    for out, grad in zip(outputs, grad_outputs):
        node = gradient_edge(out)
        if node not in buffers:
            roots.append(node)
        _deposit(buffers, node, out._output_nr, grad, create_graph)

    # targets: node -> [(position in `inputs`, output number)] for the tensors asked about.
    targets = {}
    if inputs is not None:
        for i, t in enumerate(inputs):
            targets.setdefault(gradient_edge(t), []).append((i, t._output_nr))
    captured = [None] * (len(inputs) if inputs is not None else 0)

    dependencies, reachable = _collect(roots)
    needed = _needed(reachable, targets) if inputs is not None else None
    anomaly = _anomaly.enabled
    heappush, heappop = heapq.heappush, heapq.heappop

    heap = [(-node._seq, node) for node in roots if dependencies.get(node, 0) == 0]
    heapq.heapify(heap)
    previous = state.enabled
    state.enabled = create_graph
    try:
        while heap:
            node = heappop(heap)[1]
            grad = buffers.pop(node, None)
            if needed is not None and node not in needed:
                continue
            multi = node._nout != 1
            if node._hooked and grad is not None and not multi:
                grad = _run_pre_hooks(node, node.__dict__, grad)
            is_leaf_sink = type(node) is AccumulateGrad
            if targets and node in targets:
                for i, nr in targets[node]:
                    g = grad[nr] if multi and grad is not None else grad
                    if g is not None and is_leaf_sink:
                        hooks = node.variable.__dict__.get("_hooks")
                        if hooks:
                            g = _call_tensor_hooks(hooks, g)
                    captured[i] = g
                    if accumulate and not is_leaf_sink:
                        _set_nonleaf_grad(inputs[i], g, create_graph)
                if not accumulate and is_leaf_sink:
                    continue
            if is_leaf_sink:
                if accumulate and grad is not None:
                    grads = g = data = None  # the previous node's references would block stealing
                    _accumulate(node.variable, grad, create_graph)
                continue
            if grad is None:
                grads = (None,) * len(node._next)
            else:
                try:
                    grads = node.backward(*grad) if multi else node.backward(grad)
                except Exception:
                    if anomaly:
                        _anomaly.report(node)
                    raise
                if type(grads) is not tuple:
                    grads = (grads,)
                if len(grads) != len(node._next):
                    raise RuntimeError(f"function {node.name()} returned an incorrect number of "
                                       f"gradients (expected {len(node._next)}, got {len(grads)})")
                if node._hooked:
                    grads = _run_post_hooks(node, grads, grad, multi)
                if anomaly:
                    _anomaly.check_nan(node, grads)
            if not retain_graph and node._saved:
                node.release()
            nrs = node._nrs
            k = -1
            for nxt, g, meta in zip(node._next, grads, node._meta):
                k += 1
                if nxt is None:
                    continue
                if g is not None:
                    data = g._data
                    if data.shape != meta[0] or data.dtype != meta[1]:
                        g = _validate(g, meta, node)
                    if nxt._nout == 1:
                        prior = buffers.get(nxt)
                        buffers[nxt] = g if prior is None else _add(prior, g, create_graph)
                    else:
                        _deposit(buffers, nxt, nrs[k] if nrs else 0, g, create_graph)
                count = dependencies[nxt] - 1
                dependencies[nxt] = count
                if count == 0:
                    heappush(heap, (-nxt._seq, nxt))
    finally:
        state.enabled = previous

    if not accumulate:
        for g in captured:
            if g is None and not allow_unused:
                raise RuntimeError(
                    "One of the differentiated Tensors appears to not have been used in the graph. "
                    "Set allow_unused=True if this is the desired behavior.")
        return tuple(captured)
    return None


def _run_post_hooks(node, grads, grad, multi):
    post = node.__dict__.get("_post_hooks")
    if post:
        for hook in post:
            result = hook(grads, grad if multi else (grad,))
            if result is not None:
                grads = tuple(result)
    return grads


def _deposit(buffers, node, nr, grad, create_graph) -> None:
    """Add ``grad`` into the gradient buffer of ``node``'s output ``nr``."""
    if node._nout == 1:
        prior = buffers.get(node)
        buffers[node] = grad if prior is None else _add(prior, grad, create_graph)
        return
    slots = buffers.get(node)
    if slots is None:
        slots = buffers[node] = [None] * node._nout
    prior = slots[nr]
    slots[nr] = grad if prior is None else _add(prior, grad, create_graph)


def _add(prior, grad, create_graph):
    """prior + grad for a gradient buffer; in place when the engine alone owns ``prior``."""
    if create_graph:
        return prior + grad
    data = prior._data
    other = grad._data
    # Reference counts as in _stealable: the array is held only by `prior`, and `prior` only by
    # the buffer and the two call frames, so no one else can observe the in-place add.
    if (type(data) is np.ndarray and data.base is None and sys.getrefcount(data) <= 3
            and sys.getrefcount(prior) <= 4 and data.shape == other.shape
            and data.dtype == other.dtype and data.flags.writeable):
        np.add(data, other, out=data)
        return prior
    from .._tensor import Tensor
    return Tensor._make(data + other)


def _run_pre_hooks(node, node_dict, grad):
    hooks = node_dict.get("_tensor_hooks")
    if hooks:
        grad = _call_tensor_hooks(hooks, grad)
    retained = node_dict.get("_retained")
    if retained is not None:
        tensor = retained()
        if tensor is not None:
            if tensor._grad is None:
                tensor._grad = grad if grad._rg else grad.detach().clone()
            else:
                tensor._grad = tensor._grad + grad
    pre = node_dict.get("_pre_hooks")
    if pre:
        for hook in pre:
            result = hook((grad,))
            if result is not None:
                grad = result[0]
    return grad


def _set_nonleaf_grad(t, grad, create_graph):
    if grad is None:
        return
    if t._grad is None:
        t._grad = grad if create_graph else grad.detach().clone()
    else:
        t._grad = t._grad + grad
