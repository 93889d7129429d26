"""Graph nodes: what an op leaves behind so that ``backward`` can push gradients to its inputs.

Each differentiable op defines a subclass of :class:`Node` named as PyTorch names its backward
(``MulBackward0``), right beside the op's forward, with one method::

    def backward(self, grad):        # grad of the op's output, an ember Tensor
        return grad_input_0, ...     # one per input; None where no gradient flows

``backward`` is written with ember ops, so it is itself differentiable (create_graph=True).
The engine reduces each returned gradient to its input's shape and dtype (broadcasting is
undone in one place) and frees saved tensors after use unless the graph is retained.
"""
from __future__ import annotations

import itertools
import weakref

from . import anomaly_mode as _anomaly

_sequence = itertools.count()

_FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you call "
    ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
    "graph a second time or if you need to access saved tensors after calling backward.")


class _SavedOutput:
    """An op's own output, saved without a reference cycle (rebuilt with grad_fn = the node)."""

    __slots__ = ("data", "vc", "version")

    def __init__(self, tensor) -> None:
        self.data = tensor._data
        self.vc = tensor._vc
        self.version = tensor._vc[0]


class Node:
    """A backward function in the autograd graph (PyTorch's ``grad_fn`` objects)."""

    __slots__ = ("_next", "_meta", "_saved", "_versions", "_seq", "__dict__", "__weakref__")

    # Most nodes have one output.  A node with several (a custom Function returning a tuple)
    # sets _nout, and the nodes feeding from it record which output each edge reads (_nrs).
    _nout = 1
    _nrs = None
    # Set on a node once any hook (or retain_grad) is attached, so the engine skips the lookups.
    _hooked = False

    def __init__(self, inputs, output=None) -> None:
        # `inputs` lists the op's inputs in order; ops pass None for non-tensor arguments.
        nexts = []
        meta = []
        multi = False
        for t in inputs:
            if t is None or not t._rg:
                nexts.append(None)
                meta.append(None)
            else:
                edge = gradient_edge(t)
                if edge._nout != 1:
                    multi = True
                nexts.append(edge)
                meta.append((t._data.shape, t._data.dtype))
        self._next = tuple(nexts)
        self._meta = tuple(meta)
        if multi:
            self._nrs = tuple(0 if t is None or not t._rg else t._output_nr for t in inputs)
        if _anomaly.enabled:
            _anomaly.record(self)
        self._saved = ()
        self._versions = ()
        self._seq = next(_sequence)
        if output is not None:
            output.grad_fn = self
            output._rg = True

    # -- saving -----------------------------------------------------------------------------

    def save(self, *tensors) -> None:
        """Keep tensors for backward, remembering their versions to catch in-place changes."""
        saved = []
        versions = []
        for t in tensors:
            if t is None:
                saved.append(None)
                versions.append(0)
                continue
            if t._vc is None:
                t._vc = [0]
            if t.grad_fn is self:
                saved.append(_SavedOutput(t))
            else:
                saved.append(t)
            versions.append(t._vc[0])
        self._saved = tuple(saved)
        self._versions = tuple(versions)

    @property
    def saved_tensors(self) -> tuple:
        """The tensors given to ``save``; raises if freed or modified in place since."""
        saved = self._saved
        if saved is None:
            raise RuntimeError(_FREED_MESSAGE)
        out = []
        for t, version in zip(saved, self._versions):
            if t is None:
                out.append(None)
                continue
            if type(t) is _SavedOutput:
                if t.vc[0] != version:
                    raise _modified_error(t.data.shape, t.data.dtype, self.name(), t.vc[0], version)
                out.append(_rebuild_output(t, self))
                continue
            if t._vc[0] != version:
                fn = t.grad_fn
                raise _modified_error(t._data.shape, t._data.dtype,
                                      fn.name() if fn is not None else None, t._vc[0], version)
            out.append(t)
        return tuple(out)

    def release(self) -> None:
        """Free saved tensors (after a backward pass that does not retain the graph)."""
        if self._saved:
            self._saved = None

    # -- the interface PyTorch users see ------------------------------------------------------

    def backward(self, grad):  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def name(self) -> str:
        """The class name PyTorch prints, e.g. ``MulBackward0``."""
        return type(self).__name__

    @property
    def next_functions(self) -> tuple:
        """((node, output_nr), ...) per input: its grad_fn, its AccumulateGrad, or None."""
        nrs = self._nrs or (0,) * len(self._next)
        return tuple((n, nr) for n, nr in zip(self._next, nrs))

    @property
    def metadata(self) -> dict:
        return self.__dict__.setdefault("_metadata", {})

    def register_hook(self, fn):
        """``fn(grad_inputs, grad_outputs)`` runs after this node; may return new grad_inputs."""
        hooks = self.__dict__.setdefault("_post_hooks", [])
        hooks.append(fn)
        self._hooked = True
        return _RemovableHandle(hooks, fn)

    def register_prehook(self, fn):
        """``fn(grad_outputs)`` runs before this node; may return new grad_outputs."""
        hooks = self.__dict__.setdefault("_pre_hooks", [])
        hooks.append(fn)
        self._hooked = True
        return _RemovableHandle(hooks, fn)

    def __call__(self, *grads):
        return self.backward(*grads)

    def __repr__(self) -> str:
        return f"<{self.name()} object at {hex(id(self))}>"


class AccumulateGrad(Node):
    """The sink for a leaf tensor: adds the incoming gradient to ``tensor.grad``."""

    __slots__ = ("variable",)

    def __init__(self, variable) -> None:
        self._next = ()
        self._meta = ()
        self._saved = ()
        self._versions = ()
        self._seq = next(_sequence)
        self.variable = variable


def gradient_edge(t):
    """Where a gradient for tensor ``t`` goes: its grad_fn, or its leaf's AccumulateGrad."""
    fn = t.grad_fn
    if fn is not None:
        return fn
    ref = t._acc
    acc = ref() if ref is not None else None
    if acc is None:
        acc = AccumulateGrad(t)
        t._acc = weakref.ref(acc)
    return acc


class _RemovableHandle:
    """Returned by register_hook; ``remove()`` takes the hook out again."""

    _ids = itertools.count()

    def __init__(self, hooks, fn) -> None:
        self._hooks_ref = hooks
        self._fn = fn
        self.id = next(self._ids)

    def remove(self) -> None:
        hooks = self._hooks_ref
        if isinstance(hooks, dict):
            hooks.pop(self.id, None)
        elif self._fn in hooks:
            hooks.remove(self._fn)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


def _rebuild_output(saved: _SavedOutput, node: Node):
    from .._tensor import Tensor
    t = Tensor._make(saved.data)
    t._vc = saved.vc
    t.grad_fn = node
    t._rg = True
    return t


def _modified_error(shape, np_dtype, producer, version, expected) -> RuntimeError:
    from .._tensor_type import legacy_type_name
    where = f", which is output 0 of {producer}," if producer else ""
    dims = ", ".join(str(s) for s in shape)
    return RuntimeError(
        "one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: [{legacy_type_name(np_dtype)} [{dims}]]{where} is at version {version}; "
        f"expected version {expected} instead. Hint: enable anomaly detection to find the "
        "operation that failed to compute its gradient, with "
        "torch.autograd.set_detect_anomaly(True, check_nan=False).")
