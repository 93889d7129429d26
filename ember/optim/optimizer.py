"""The Optimizer base class (``torch.optim.Optimizer``) and helpers every optimizer shares.

An optimizer keeps ``param_groups`` (lists of parameters with their options) and ``state`` (a
per-parameter dict keyed by the tensor).  Each concrete optimizer's update rule lives in a
module-level function of its own file with two implementations:

- a NumPy path that updates each parameter's backend array in place with ``out=`` ufuncs (no
  temporaries beyond one or two scratch arrays), spread over threads for large models
  (:func:`foreach_apply`), used whenever the step need not be differentiable;
- a tensor path written with ember's in-place tensor ops, used for ``differentiable=True`` (the
  step is then recorded by autograd) and for tensors that do not live in NumPy arrays.
"""
from __future__ import annotations

import functools
import itertools
import warnings
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable
from copy import deepcopy
from itertools import chain
from typing import Any

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.grad_mode import enable_grad
from ..autograd.grad_mode import state as grad_state
from ..autograd.node import _RemovableHandle as RemovableHandle
from ..backends import cpu as _cpu

__all__ = ["Optimizer", "register_optimizer_step_pre_hook", "register_optimizer_step_post_hook"]

StateDict = dict


class _RequiredParameter:
    """Marks an option a parameter group must provide (there is no default)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()

_global_optimizer_pre_hooks: OrderedDict = OrderedDict()
_global_optimizer_post_hooks: OrderedDict = OrderedDict()

# Where PyTorch runs "capturable" steps; a CPU parameter is never among them.
_CAPTURABLE_DEVICES = ["cuda", "xpu", "hpu", "privateuseone", "xla"]


def register_optimizer_step_pre_hook(hook: Callable) -> RemovableHandle:
    """Call ``hook(optimizer, args, kwargs)`` before every optimizer's ``step``."""
    handle = RemovableHandle(_global_optimizer_pre_hooks, hook)
    _global_optimizer_pre_hooks[handle.id] = hook
    return handle


def register_optimizer_step_post_hook(hook: Callable) -> RemovableHandle:
    """Call ``hook(optimizer, args, kwargs)`` after every optimizer's ``step``."""
    handle = RemovableHandle(_global_optimizer_post_hooks, hook)
    _global_optimizer_post_hooks[handle.id] = hook
    return handle


def _typename(obj) -> str:
    if isinstance(obj, Tensor):
        return obj.type()
    module = type(obj).__module__
    name = type(obj).__qualname__
    return name if module in ("builtins", None) else f"{module}.{name}"


def _use_grad_for_differentiable(func):
    """Run ``step`` with gradient recording on only when the optimizer is differentiable."""
    @functools.wraps(func)
    def use_grad(self, *args, **kwargs):
        previous = grad_state.enabled
        grad_state.enabled = bool(self.defaults["differentiable"])
        try:
            return func(self, *args, **kwargs)
        finally:
            grad_state.enabled = previous
    return use_grad


class Optimizer:
    """Base class of all optimizers: parameter groups, per-parameter state, hooks, checkpoints.

    ``params`` is an iterable of tensors, of ``(name, tensor)`` pairs, or of dicts that each
    define a parameter group (a ``'params'`` entry plus options overriding ``defaults``).
    """

    def __init__(self, params, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self._optimizer_step_pre_hooks: OrderedDict = OrderedDict()
        self._optimizer_step_post_hooks: OrderedDict = OrderedDict()
        self._optimizer_state_dict_pre_hooks: OrderedDict = OrderedDict()
        self._optimizer_state_dict_post_hooks: OrderedDict = OrderedDict()
        self._optimizer_load_state_dict_pre_hooks: OrderedDict = OrderedDict()
        self._optimizer_load_state_dict_post_hooks: OrderedDict = OrderedDict()
        self._patch_step_function()
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            "Tensors or dicts, but got " + _typename(params))
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for param_group in param_groups:
            self.add_param_group(param_group)

    # -- pickling and printing ----------------------------------------------------------------

    def __getstate__(self) -> dict[str, Any]:
        return {"defaults": self.defaults, "state": self.state,
                "param_groups": self.param_groups}

    @staticmethod
    def _run_closure(closure):
        """The loss ``closure`` recomputes (with gradients enabled), or None without one."""
        if closure is None:
            return None
        from ..autograd.grad_mode import enable_grad
        with enable_grad():
            return closure()

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        for name in ("_optimizer_step_pre_hooks", "_optimizer_step_post_hooks",
                     "_optimizer_state_dict_pre_hooks", "_optimizer_state_dict_post_hooks",
                     "_optimizer_load_state_dict_pre_hooks",
                     "_optimizer_load_state_dict_post_hooks"):
            if name not in self.__dict__:
                setattr(self, name, OrderedDict())
        self._patch_step_function()
        self.defaults.setdefault("differentiable", False)

    def _restore_group_options(self, defaults: dict, scalar_keys=("step",)) -> None:
        """Give the groups of an older pickled optimizer the options they lack, and hold the
        per-parameter scalars (``step`` ...) as the 0-dim tensors PyTorch keeps today."""
        for group in self.param_groups:
            for key, value in defaults.items():
                group.setdefault(key, value)
            for p in group["params"]:
                p_state = self.state.get(p, [])
                if len(p_state) == 0:
                    continue
                for key in scalar_keys:
                    if not isinstance(p_state[key], Tensor):
                        p_state[key] = _scalar_tensor(float(p_state[key]))

    def __repr__(self) -> str:
        text = self.__class__.__name__ + " ("
        for index, group in enumerate(self.param_groups):
            text += f"\nParameter Group {index}\n"
            for key in sorted(group.keys()):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"

    # -- step and its hooks -------------------------------------------------------------------

    @staticmethod
    def profile_hook_step(func: Callable) -> Callable:
        """Wrap a ``step`` method so the step pre- and post-hooks run around it."""
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            self = args[0]
            for pre_hook in chain(_global_optimizer_pre_hooks.values(),
                                  self._optimizer_step_pre_hooks.values()):
                result = pre_hook(self, args, kwargs)
                if result is not None:
                    if isinstance(result, tuple) and len(result) == 2:
                        args, kwargs = result
                    else:
                        raise RuntimeError(f"{func} must return None or a tuple of (new_args, "
                                           f"new_kwargs), but got {result}.")
            out = func(*args, **kwargs)
            self._optimizer_step_code()
            for post_hook in chain(self._optimizer_step_post_hooks.values(),
                                   _global_optimizer_post_hooks.values()):
                post_hook(self, args, kwargs)
            return out
        return wrapper

    def _optimizer_step_code(self) -> None:
        """Called after each step (PyTorch's profiler hooks in here); does nothing."""

    def _patch_step_function(self) -> None:
        # The class's step is wrapped once, the first time an instance is made, as in PyTorch.
        self._zero_grad_profile_name = f"Optimizer.zero_grad#{self.__class__.__name__}.zero_grad"
        if not getattr(self.__class__.step, "hooked", None):
            self.__class__.step = self.profile_hook_step(self.__class__.step)
            self.__class__.step.hooked = True

    def register_step_pre_hook(self, hook: Callable) -> RemovableHandle:
        """Call ``hook(optimizer, args, kwargs)`` before each ``step``; it may return new
        ``(args, kwargs)``."""
        handle = RemovableHandle(self._optimizer_step_pre_hooks, hook)
        self._optimizer_step_pre_hooks[handle.id] = hook
        return handle

    def register_step_post_hook(self, hook: Callable) -> RemovableHandle:
        """Call ``hook(optimizer, args, kwargs)`` after each ``step``."""
        handle = RemovableHandle(self._optimizer_step_post_hooks, hook)
        self._optimizer_step_post_hooks[handle.id] = hook
        return handle

    def step(self, closure=None):
        """Update the parameters once (subclasses implement this)."""
        raise NotImplementedError

    @staticmethod
    def _run_closure(closure):
        """The loss from ``closure()`` evaluated with gradients on (None without a closure)."""
        if closure is None:
            return None
        with enable_grad():
            return closure()

    # -- gradients ----------------------------------------------------------------------------

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Drop (``set_to_none``) or zero the gradients of every parameter."""
        for group in self.param_groups:
            for p in group["params"]:
                grad = p._grad
                if grad is None:
                    continue
                if set_to_none:
                    p._grad = None
                    continue
                if grad.grad_fn is not None:
                    grad.detach_()
                else:
                    grad.requires_grad_(False)
                grad.zero_()

    # -- parameter groups ---------------------------------------------------------------------

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Append a group of parameters with its own options (missing ones from defaults)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, "
                            "but the ordering of tensors in sets will change between runs. "
                            "Please use a list instead.")
        else:
            param_group["params"] = list(params)
        tensors, names = [], []
        for param in param_group["params"]:
            if isinstance(param, tuple):
                names.append(param[0])
                tensors.append(param[1])
            else:
                tensors.append(param)
        param_group["params"] = tensors
        if names:
            if len(names) != len(tensors):
                raise ValueError("all optimizer params should be with/without names. Some param "
                                 "names are missing")
            param_group["param_names"] = names
        for param in tensors:
            if not isinstance(param, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                + _typename(param))
            if not self.defaults.get("differentiable", None) and not (
                    param.is_leaf or param.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError("parameter group didn't specify a value of required "
                                 f"optimization parameter {name}")
            param_group.setdefault(name, default)
        if len(tensors) != len(set(tensors)):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in "
                          "future, this will cause an error; see "
                          "github.com/pytorch/pytorch/issues/40967 for more information",
                          stacklevel=3)
        seen: set = set()
        for group in self.param_groups:
            seen.update(group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                which = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {which} to the optimizer")
        if not seen.isdisjoint(tensors):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    # -- checkpoints --------------------------------------------------------------------------

    def register_state_dict_pre_hook(self, hook: Callable, prepend: bool = False):
        """Call ``hook(optimizer)`` before ``state_dict`` builds its result."""
        return _register(self._optimizer_state_dict_pre_hooks, hook, prepend)

    def register_state_dict_post_hook(self, hook: Callable, prepend: bool = False):
        """Call ``hook(optimizer, state_dict)`` on the result; it may return a replacement."""
        return _register(self._optimizer_state_dict_post_hooks, hook, prepend)

    def register_load_state_dict_pre_hook(self, hook: Callable, prepend: bool = False):
        """Call ``hook(optimizer, state_dict)`` before loading; it may return a replacement."""
        return _register(self._optimizer_load_state_dict_pre_hooks, hook, prepend)

    def register_load_state_dict_post_hook(self, hook: Callable, prepend: bool = False):
        """Call ``hook(optimizer)`` after ``load_state_dict`` has loaded."""
        return _register(self._optimizer_load_state_dict_post_hooks, hook, prepend)

    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state with parameters replaced by integer ids (PyTorch's layout):
        ``{'state': {id: {...}}, 'param_groups': [{options..., 'params': [ids]}]}``.

        State tensors are shared, not copied (as in PyTorch).
        """
        for pre_hook in self._optimizer_state_dict_pre_hooks.values():
            pre_hook(self)
        ids: dict[int, int] = {}
        next_id = 0
        packed_groups = []
        for group in self.param_groups:
            packed = {key: value for key, value in group.items() if key != "params"}
            for index, p in enumerate(group["params"], next_id):
                ids.setdefault(id(p), index)
            packed["params"] = [ids[id(p)] for p in group["params"]]
            next_id += len(packed["params"])
            packed_groups.append(packed)
        packed_state = {(ids[id(key)] if isinstance(key, Tensor) else key): value
                        for key, value in self.state.items()}
        result = {"state": packed_state, "param_groups": packed_groups}
        for post_hook in self._optimizer_state_dict_post_hooks.values():
            replaced = post_hook(self, result)
            if replaced is not None:
                result = replaced
        return result

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a ``state_dict()`` result: ids are matched to this optimizer's parameters in
        order, and state tensors take each parameter's floating dtype (except ``'step'``)."""
        state_dict = state_dict.copy()
        for pre_hook in self._optimizer_load_state_dict_pre_hooks.values():
            replaced = pre_hook(self, state_dict)
            if replaced is not None:
                state_dict = replaced
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match "
                             "the size of optimizer's group")
        id_map = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                          chain.from_iterable(g["params"] for g in groups)))
        saved_param_groups = state_dict["param_groups"]
        new_state: defaultdict = defaultdict(dict)
        for key, value in state_dict["state"].items():
            if key in id_map:
                param = id_map[key]
                new_state[param] = _cast_state(param, value, key, saved_param_groups)
            else:
                new_state[key] = value
        new_groups = []
        for group, saved in zip(groups, saved_groups):
            saved["params"] = group["params"]
            if "param_names" in group and "param_names" not in saved:
                saved["param_names"] = group["param_names"]
            new_groups.append(saved)
        self.__setstate__({"state": new_state, "param_groups": new_groups})
        for post_hook in self._optimizer_load_state_dict_post_hooks.values():
            post_hook(self)


def _register(hooks: OrderedDict, hook: Callable, prepend: bool) -> RemovableHandle:
    handle = RemovableHandle(hooks, hook)
    hooks[handle.id] = hook
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle


def _cast_state(param: Tensor, value, param_id, param_groups, key=None):
    """A loaded state entry for ``param``: tensors moved to its dtype/device, containers walked."""
    if isinstance(value, Tensor):
        fused = capturable = False
        for group in param_groups:
            if param_id in group["params"]:
                fused = group.get("fused", False)
                capturable = group.get("capturable", False)
                break
        if key == "step":
            # The step counter keeps its own dtype unless a fused/capturable step expects float32.
            if capturable or fused:
                return value.to(dtype=D.float32, device=param.device)
            return value
        if param.is_floating_point():
            return value.to(dtype=param.dtype, device=param.device)
        return value.to(device=param.device)
    if isinstance(value, dict):
        return {k: _cast_state(param, v, param_id, param_groups, key=k) for k, v in value.items()}
    if isinstance(value, Iterable) and not isinstance(value, (str, bytes)):
        return type(value)(_cast_state(param, v, param_id, param_groups) for v in value)
    return value


# ----------------------------------------------------------------------------------------------
# Helpers shared by the optimizers
# ----------------------------------------------------------------------------------------------

def _get_scalar_dtype(is_fused: bool | None = None) -> D.dtype:
    """The dtype of scalar state such as ``'step'``: float64 only under a float64 default."""
    if is_fused:
        return D.float32
    return D.float64 if D.get_default_dtype() is D.float64 else D.float32


def _scalar_tensor(value: float, dtype: D.dtype | None = None) -> Tensor:
    """A 0-dim tensor holding ``value`` (the scalar dtype unless given)."""
    dtype = dtype or _get_scalar_dtype()
    return Tensor._make(np.array(value, dtype=dtype.np))


def _to_scalar(x):
    """A one-element tensor hyperparameter squeezed to 0-dim; anything else unchanged."""
    if isinstance(x, Tensor) and x.dim() != 0:
        return x.squeeze()
    return x


def _get_value(x):
    """A Python number from a 0-dim tensor (numbers pass through)."""
    return x.item() if isinstance(x, Tensor) else x


def _hyper(x):
    """A hyperparameter ready for NumPy math: a tensor becomes a NumPy scalar of its dtype.

    NumPy scalars then round like PyTorch's 0-dim tensors (``float32_lr / 2.0`` stays float32),
    and Python numbers stay Python numbers.
    """
    if isinstance(x, Tensor):
        return np.asarray(x._data).reshape(())[()]
    return x


def _check_lr_tensor(lr) -> None:
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")


def _check_capturable(params, message_names: str = "params and state_steps",
                      xla: bool = True) -> None:
    """PyTorch refuses a capturable step for parameters that are not on an accelerator."""
    devices = _CAPTURABLE_DEVICES if xla else _CAPTURABLE_DEVICES[:-1]
    for p in params:
        if p.device.type not in devices:
            raise AssertionError(f"If capturable=True, {message_names} must be on supported "
                                 f"devices: {devices}.")


def _check_foreach(foreach, differentiable: bool) -> None:
    """PyTorch's multi-tensor ("foreach") kernels cannot record a graph."""
    if foreach and differentiable:
        raise AssertionError("_foreach ops don't support autograd")


def _check_fused(params) -> None:
    for p in params:
        if not (p.device.type in ("cpu", "cuda", "mps", "xpu") and p.is_floating_point()):
            raise RuntimeError("`fused=True` requires all the params to be floating point "
                               "Tensors of supported devices: ['mps', 'cuda', 'xpu', 'hpu', "
                               f"'cpu', 'mtia', 'privateuseone'] but {p.dtype} and "
                               f"{p.device.type}")


def _use_numpy(tensors, differentiable: bool) -> bool:
    """Whether the in-place NumPy path may run: not differentiable, all data in NumPy arrays."""
    if differentiable:
        return False
    for t in tensors:
        if type(t._data) is not np.ndarray:
            return False
    return True


def _bump(tensors, times: int = 1) -> None:
    """Move the version counters as that many in-place ops on each tensor would."""
    for t in tensors:
        vc = t._vc
        if vc is None:
            t._vc = [times]
        else:
            vc[0] += times


_HALF = (np.dtype(np.float16), D.bfloat16.np)


def _as_real(arr: np.ndarray) -> np.ndarray:
    """A real view of a complex array (``view_as_real``); real arrays come back unchanged."""
    if arr.dtype.kind != "c":
        return arr
    if arr.ndim == 0:
        return _as_real(arr.reshape(1)).reshape(2)
    if arr.flags.c_contiguous:
        return arr.view(arr.real.dtype).reshape(arr.shape + (2,))
    real = arr.real
    return np.lib.stride_tricks.as_strided(real, arr.shape + (2,),
                                           real.strides + (real.itemsize,), writeable=True)


def _scalar_for(arr: np.ndarray, value):
    """A scalar operand that computes in float32 with half arrays (PyTorch's opmath type)."""
    if arr.dtype in _HALF and not isinstance(value, np.generic):
        return np.float32(value)
    return value


# -- threads -----------------------------------------------------------------------------------
# Optimizer steps are memory-bound streams over every parameter.  NumPy releases the GIL inside
# ufunc loops, so handing disjoint slices of the work to one thread per core runs them in
# parallel, as PyTorch's own CPU kernels are.  Small models stay on the calling thread.

PARALLEL_MIN_ELEMENTS = 1 << 21  # below this, hand-offs cost more than the second core gives
_CHUNK_MIN = 1 << 16
_CHUNK_MAX = 1 << 20


def foreach_apply(kernel: Callable, jobs: list) -> None:
    """Run ``kernel(*arrays, *scalars)`` for each ``(arrays, scalars)`` job, threaded when large.

    ``kernel`` must work elementwise on same-shaped arrays and write its results in place, so a
    job whose arrays are all C-contiguous may be cut into flat slices to share the work out.
    Threads take the next piece from a shared counter, so one thread slowed by a busy core
    does not hold up the rest.  (Cutting finer, to keep a kernel's passes in L2, measured no
    faster: per-call overhead and GIL hand-offs eat the gain.)
    """
    threads = _cpu.get_num_threads()
    total = 0
    for arrays, _ in jobs:
        total += arrays[0].size
    if threads <= 1 or total < PARALLEL_MIN_ELEMENTS:
        for arrays, scalars in jobs:
            kernel(*arrays, *scalars)
        return
    chunk = min(_CHUNK_MAX, max(_CHUNK_MIN, -(-total // (threads * 8))))
    pieces = []
    for job in jobs:
        arrays = job[0]
        first = arrays[0]
        size = first.size
        if size < 2 * chunk or not all(a.flags.c_contiguous and a.shape == first.shape
                                       for a in arrays):
            pieces.append(job)
            continue
        flats = [a.reshape(-1) for a in arrays]
        step = -(-size // (size // chunk))
        scalars = job[1]
        for start in range(0, size, step):
            pieces.append(([f[start:start + step] for f in flats], scalars))
    count = len(pieces)
    # next() on an itertools.count is atomic under the GIL: each piece is taken exactly once.
    counter = itertools.count()

    def work():
        while True:
            index = next(counter)
            if index >= count:
                return
            arrays, scalars = pieces[index]
            kernel(*arrays, *scalars)

    pool = _cpu.worker_pool()
    futures = [pool.submit(work) for _ in range(min(threads, count) - 1)]
    try:
        work()
    finally:
        for future in futures:
            future.result()


def _grad_for_numpy(g: np.ndarray, p: np.ndarray, weight_decay, maximize: bool,
                    out: np.ndarray) -> np.ndarray:
    """The gradient a step uses: ``-g`` under maximize plus ``weight_decay * p``.

    Writes into ``out`` when it differs from ``g`` (the caller's ``.grad`` is never modified).
    """
    if weight_decay == 0:
        if not maximize:
            return g
        return np.negative(g, out=out)
    np.multiply(p, _scalar_for(p, weight_decay), out=out)
    if maximize:
        return np.subtract(out, g, out=out)
    return np.add(g, out, out=out)


def _lerp_(start: np.ndarray, end: np.ndarray, weight, tmp: np.ndarray) -> None:
    """``start.lerp_(end, weight)`` with PyTorch's two-sided formula (exact at weight 1)."""
    np.subtract(end, start, out=tmp)
    if abs(weight) < 0.5:
        np.multiply(tmp, _scalar_for(tmp, weight), out=tmp)
        np.add(start, tmp, out=start)
    else:
        np.multiply(tmp, _scalar_for(tmp, 1 - weight), out=tmp)
        np.subtract(end, tmp, out=start)


def _addcmul_(target: np.ndarray, a: np.ndarray, b: np.ndarray, value,
              tmp: np.ndarray) -> None:
    """``target.addcmul_(a, b, value=value)``: target + value * a * b."""
    if value == 1:
        np.multiply(a, b, out=tmp)
    else:
        np.multiply(a, _scalar_for(a, value), out=tmp)
        np.multiply(tmp, b, out=tmp)
    np.add(target, tmp, out=target)


def _addcdiv_(target: np.ndarray, a: np.ndarray, b: np.ndarray, value,
              tmp: np.ndarray) -> None:
    """``target.addcdiv_(a, b, value=value)``: target + value * a / b."""
    if value == 1:
        np.divide(a, b, out=tmp)
    else:
        np.multiply(a, _scalar_for(a, value), out=tmp)
        np.divide(tmp, b, out=tmp)
    np.add(target, tmp, out=target)

