"""User-defined differentiable operations: ``autograd.Function`` with a ``ctx`` object.

As in PyTorch, the ``ctx`` passed to ``forward`` is the graph node itself (``<MyFnBackward>``):
what forward saves on it is there when the engine calls ``backward``.
"""
from __future__ import annotations

import functools

from .._tensor import Tensor
from .grad_mode import no_grad, state
from .node import Node


class FunctionCtx:
    """The methods a custom Function's ``ctx`` offers (mixed into its backward node)."""

    def save_for_backward(self, *tensors) -> None:
        """Keep tensors (or None) for backward; read them back as ``ctx.saved_tensors``."""
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError("save_for_backward can only save variables, but argument 0 is of "
                                f"type {type(t).__name__}")
        self._to_save = tensors

    def save_for_forward(self, *tensors) -> None:
        self._to_save_forward = tensors

    def mark_dirty(self, *tensors) -> None:
        """Declare inputs that forward modified in place."""
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors) -> None:
        """Declare outputs that never need a gradient (e.g. integer indices)."""
        self._non_differentiable = tensors

    def set_materialize_grads(self, value: bool) -> None:
        """Whether None output gradients reach backward as zeros (default True)."""
        self._materialize_grads = value


class BackwardCFunction(FunctionCtx, Node):
    """The node (and ctx) recorded for one call of a custom Function."""

    _function = None  # the Function subclass; set on each generated subclass

    def __init__(self) -> None:
        self._next = ()
        self._meta = ()
        self._saved = ()
        self._versions = ()
        self._seq = 0
        self._to_save = ()
        self._dirty = ()
        self._non_differentiable = ()
        self._materialize_grads = True
        self.needs_input_grad = ()

    def backward(self, *grads):
        if self._materialize_grads:
            from ..ops.creation import zeros
            grads = tuple(g if g is not None else zeros(shape, dtype=dtype)
                          for g, (shape, dtype) in zip(grads, self._output_meta))
        result = self._function.backward(self, *grads)
        if not isinstance(result, tuple):
            result = (result,)
        if len(result) != len(self._arg_is_tensor):
            raise RuntimeError(f"function {self.name()} returned an incorrect number of gradients "
                               f"(expected {len(self._arg_is_tensor)}, got {len(result)})")
        # The engine wants one gradient per tensor input (edges exist only for tensors).
        return tuple(g for g, is_tensor in zip(result, self._arg_is_tensor) if is_tensor)

    @property
    def saved_tensors(self) -> tuple:
        return Node.saved_tensors.fget(self)

    @property
    def saved_variables(self) -> tuple:
        return self.saved_tensors

    def name(self) -> str:
        return type(self).__name__


class _FunctionMeta(type):
    # Each Function subclass gets its own node class, named '<Name>Backward' as in PyTorch.
    def __init__(cls, name, bases, namespace) -> None:
        backward_cls = type(name + "Backward", (BackwardCFunction,), {"_function": cls})
        backward_cls.__module__ = "torch.autograd.function"
        cls._backward_cls = backward_cls
        super().__init__(name, bases, namespace)


class Function(FunctionCtx, metaclass=_FunctionMeta):
    """Base class for differentiable operations written by users.

    Define ``forward(ctx, *args)`` (or ``forward(*args)`` with ``setup_context(ctx, inputs,
    output)``) and ``backward(ctx, *grad_outputs)``; call it as ``MyFunction.apply(*args)``.
    """

    @staticmethod
    def forward(*args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your "
                                  "custom autograd.Function to use it with backward mode AD.")

    vjp = backward

    @staticmethod
    def jvp(ctx, *grad_inputs):
        raise NotImplementedError("You must implement the jvp function for custom "
                                  "autograd.Function to use it with forward mode AD.")

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run forward without recording, then record one node for the whole call."""
        if kwargs:
            raise TypeError(f"{cls.__name__}.apply() does not take keyword arguments")
        ctx = cls._backward_cls()
        is_tensor = tuple(isinstance(a, Tensor) for a in args)
        recording = state.enabled
        ctx.needs_input_grad = tuple(recording and t and a._rg for t, a in zip(is_tensor, args))
        new_style = cls.setup_context is not Function.setup_context
        with no_grad():
            if new_style:
                output = cls.forward(*args)
                cls.setup_context(ctx, args, output)
            else:
                output = cls.forward(ctx, *args)
        return _wrap_outputs(ctx, args, is_tensor, output, recording and any(ctx.needs_input_grad))


def _wrap_outputs(ctx, args, is_tensor, output, differentiable: bool):
    single = not isinstance(output, tuple)
    outputs = (output,) if single else output
    dirty = {id(t) for t in ctx._dirty}
    non_diff = {id(t) for t in ctx._non_differentiable}
    wrapped = []
    for out in outputs:
        if isinstance(out, Tensor) and id(out) not in dirty and any(out is a for a in args):
            out = _alias(out)  # an input returned as-is comes back as a view of it
        wrapped.append(out)
    if differentiable:
        tensor_inputs = [a for a, t in zip(args, is_tensor) if t]
        Node.__init__(ctx, tensor_inputs)
        ctx._arg_is_tensor = is_tensor
        tensor_outputs = [o for o in wrapped if isinstance(o, Tensor)]
        ctx._output_meta = tuple((o.shape, o.dtype) for o in tensor_outputs)
        if len(tensor_outputs) != 1:
            ctx._nout = len(tensor_outputs)
        nr = 0
        for out in wrapped:
            if not isinstance(out, Tensor):
                continue
            if id(out) in non_diff:
                nr += 1
                continue
            if id(out) in dirty:
                from ..ops._dispatch import check_inplace
                check_inplace(out)
                out._bump_version()
            out.grad_fn = ctx
            out._rg = out.dtype.is_floating_point or out.dtype.is_complex
            if ctx._nout != 1:
                out._output_nr = nr
            nr += 1
        ctx.save(*ctx._to_save)
    elif ctx._to_save:
        ctx.save(*ctx._to_save)
    return wrapped[0] if single else tuple(wrapped)


def _alias(t: Tensor) -> Tensor:
    return t._make_view(t._data.view())


def once_differentiable(fn):
    """Decorate a Function's backward that cannot itself be differentiated: it runs without
    recording, and its results do not require grad."""
    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with no_grad():
            return fn(ctx, *args)
    return wrapper


class InplaceFunction(Function):
    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace


class NestedIOFunction(Function):
    pass
