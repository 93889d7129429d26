"""Random sampling: rand, randn, randint, randperm, normal, bernoulli, multinomial, poisson and
the in-place samplers (``uniform_``, ``normal_``, ``random_``, ...).

Every value comes from a :class:`~ember.Generator` through its few draw methods, with the
transformations of PyTorch's CPU kernels (uniform from the low 24/53 bits, Box-Muller pairs with
a cached second sample, ``random() % range + from`` for integers), so one seed always gives the
same numbers.  Elements are filled in memory order, as PyTorch's kernels visit them.
"""
from __future__ import annotations

import builtins
import math
import operator
import warnings

import numpy as np

from .. import _dtype as D
from .._device import as_device, factory_device
from .._generator import Generator, as_generator
from .._storage import is_contiguous
from .._tensor import Tensor
from ..autograd.grad_mode import no_grad as _no_grad
from ..autograd.grad_mode import state as grad_state
from ..autograd.node import Node
from ..backends.meta import MetaArray
from ._avx_mathfun import normal_fill_16
from ._dispatch import _type_word, apply_inplace, bind_methods, check_inplace, write_out
from ._poisson import sample_poisson
from .creation import (_CPP_OPTION_NAMES, _fma32, _real_limits, check_shape, dense_order, factory_dtype,
                       finish, fma, like_array, parse_size, type_name,
                       write_factory_out)

wrap = Tensor._make
_HALF_TYPES = (np.dtype(np.float16), D.bfloat16.np)
_DIGITS = {np.dtype(np.float16): 11, D.bfloat16.np: 8, np.dtype(np.float32): 24,
           np.dtype(np.float64): 53}
_TWO_PI = 2.0 * math.pi


# ================================================================================================
# Helpers
# ================================================================================================

def _not_implemented(op: str, dtype: D.dtype) -> NotImplementedError:
    return NotImplementedError(f"\"{op}\" not implemented for '{_type_word(dtype)}'")


def _fmt(value) -> str:
    """A number as C++'s stream prints a double (``5``, ``1.5``, ``1e+10``)."""
    value = builtins.float(value)
    if value.is_integer() and abs(value) < 1e16:
        return str(builtins.int(value))
    return f"{value:g}"


def _generator(generator, caller: str) -> Generator:
    return as_generator(generator, caller)


def _scatter_in_memory_order(target, values: np.ndarray) -> None:
    """Write the flat ``values`` into ``target`` in the order its elements sit in memory."""
    order = dense_order(target)
    if order is None:
        target[...] = values.reshape(target.shape)
    else:
        view = target.transpose(order)
        view[...] = values.reshape(view.shape)


def _from_double(values: np.ndarray, np_dtype) -> np.ndarray:
    """Double samples in ``np_dtype`` as PyTorch's serial kernels store them: a half type
    through float first (``static_cast`` of a double to Half or BFloat16 goes via float, and
    the two roundings can differ from one)."""
    with np.errstate(over="ignore", invalid="ignore"):   # out of range: inf, as in C++
        if np_dtype in _HALF_TYPES:
            values = values.astype(np.float32)
        return values.astype(np_dtype)


def _fill_inplace(self: Tensor, sample, node_cls, inputs=None) -> Tensor:
    """Fill ``self`` with ``sample(n)`` (flat, in self's dtype), recording ``node_cls``."""
    arr = self._data
    if isinstance(arr, MetaArray):
        check_inplace(self)
        return self
    record = grad_state.enabled and (self._rg or builtins.any(
        isinstance(t, Tensor) and t._rg for t in (inputs or ())))
    if record:
        check_inplace(self)
        data = np.empty_like(arr)
        _scatter_in_memory_order(data, sample(arr.size))
        result = wrap(data)
        node_cls((self,) + tuple(inputs or ()), result)
        return apply_inplace(self, result)
    check_inplace(self)
    if not arr.flags.writeable:
        raise RuntimeError("unsupported operation: the tensor's memory is read-only (it may be an "
                           "expanded view; call .clone() before writing to it)")
    _scatter_in_memory_order(arr, sample(arr.size))
    self._bump_version()
    return self


class _ZeroGradient(Node):
    # Random fills: the old values do not influence the new ones.
    def backward(self, grad):
        from .creation import zeros_like
        return tuple(zeros_like(grad) if nxt is not None else None for nxt in self._next)


def _zero_node(name: str):
    return type(name, (_ZeroGradient,), {"__doc__": f"Backward of a random op ({name})."})


UniformBackward0 = _zero_node("UniformBackward0")
NormalBackward0 = _zero_node("NormalBackward0")
RandomBackward0 = _zero_node("RandomBackward0")
RandomBackward1 = _zero_node("RandomBackward1")
RandomBackward2 = _zero_node("RandomBackward2")
ExponentialBackward0 = _zero_node("ExponentialBackward0")
GeometricBackward0 = _zero_node("GeometricBackward0")
CauchyBackward0 = _zero_node("CauchyBackward0")
LogNormalBackward0 = _zero_node("LogNormalBackward0")
BernoulliBackward0 = _zero_node("BernoulliBackward0")
BernoulliBackward1 = _zero_node("BernoulliBackward1")
BernoulliBackward2 = _zero_node("BernoulliBackward2")
PoissonBackward0 = _zero_node("PoissonBackward0")
NormalBackward1 = _zero_node("NormalBackward1")
NormalBackward2 = _zero_node("NormalBackward2")
NormalBackward3 = _zero_node("NormalBackward3")


class NotImplementedBackward(Node):
    """PyTorch records bernoulli(input, p) with a node whose backward refuses to run."""

    def backward(self, grad):
        raise RuntimeError("derivative for aten::bernoulli is not implemented")

    def name(self) -> str:
        return "torch::autograd::NotImplemented"


# ================================================================================================
# Samplers: flat arrays of n values drawn from a generator
# ================================================================================================

def _real_dtype(np_dtype) -> np.dtype:
    return np.empty(0, np_dtype).real.dtype


def sample_uniform(g: Generator, n: int, np_dtype, low: float, high: float) -> np.ndarray:
    """PyTorch's ``uniform_real_distribution``: low bits of raw draws scaled into [low, high)."""
    np_dtype = np.dtype(np_dtype)
    if np_dtype.kind == "c":
        part = _real_dtype(np_dtype)
        values = sample_uniform(g, 2 * n, part, low, high)
        return values.view(np_dtype) if values.flags.c_contiguous else \
            np.ascontiguousarray(values).view(np_dtype)
    if np_dtype == np.float64:
        if low == 0 and high == 1:
            return g.uniform53(n)
        # x * (to - from) + from as one fused multiply-add.
        return fma(g.uniform53(n), high - low, low)
    # float32 and the half types draw float uniforms (24 bits) and compute in float.
    x = g.uniform_bits(n, 24)
    if low == 0 and high == 1:
        values = x
    else:
        lo, hi = np.float32(low), np.float32(high)
        # x * (to - from) + from, fused, in float.
        values = _fma32(x, hi - lo, lo)
    if np_dtype == np.float32:
        return values
    # Rounding to a half type can reach `to`; PyTorch keeps [from, to) by mapping it to `from`.
    values = values.astype(np_dtype)
    values[values == np_dtype.type(high)] = np_dtype.type(low)
    return values


def _box_muller_pairs(g: Generator, count: int):
    """``count`` Box-Muller pairs from 53-bit uniforms: (r cos(theta), r sin(theta))."""
    u = g.uniform53(2 * count).reshape(count, 2)
    radius = np.sqrt(-2.0 * np.log1p(-u[:, 1]))
    theta = _TWO_PI * u[:, 0]
    return radius * np.cos(theta), radius * np.sin(theta)


def sample_normal_serial(g: Generator, n: int, mean: float, std: float) -> np.ndarray:
    """n draws of PyTorch's ``normal_distribution<double>``: each Box-Muller pair yields one
    value now and caches the other for the next draw."""
    out = np.empty(n, dtype=np.float64)
    start = 0
    if n:
        cached = g.take_normal()
        if cached is not None:
            out[0] = cached
            start = 1
    remaining = n - start
    if remaining > 0:
        pairs = (remaining + 1) // 2
        first, second = _box_muller_pairs(g, pairs)
        both = np.empty(2 * pairs)
        both[0::2] = first
        both[1::2] = second
        out[start:] = both[:remaining]
        if remaining % 2:
            g.keep_normal(builtins.float(second[-1]))
    if std == 1 and mean == 0:
        return out
    return fma(out, std, mean)  # one rounding, as PyTorch's compiled kernel fuses it


def _normal_fill(g: Generator, n: int, np_dtype, mean: float, std: float) -> np.ndarray:
    # PyTorch's vector-friendly path for contiguous tensors of 16 or more elements: uniforms
    # for every element, then Box-Muller over blocks of 16 (first 8 with the last 8); a ragged
    # end is redone as one more block over the last 16 elements with fresh uniforms.  float64
    # computes in double; float32 in float with PyTorch's AVX2 log and sincos.
    if np_dtype == np.float32:
        return _normal_fill_float(g, n, mean, std, discard=n % 16)
    blocks = n // 16
    u = sample_uniform(g, n, np_dtype, 0.0, 1.0)
    if n % 16:
        # The ragged end's fresh block joins the full ones (its values overwrite the end).
        fresh = sample_uniform(g, 16, np_dtype, 0.0, 1.0)
        u = np.concatenate([u[:blocks * 16], fresh])
    rows = u.shape[0] // 16
    values = np.empty((rows, 16), dtype=np.float64)
    _box_muller_blocks(u.reshape(rows, 16), values, mean, std)
    if not n % 16:
        return values.reshape(-1)
    out = np.empty(n, dtype=np.float64)
    out[:blocks * 16] = values[:blocks].reshape(-1)
    out[n - 16:] = values[-1]
    return out


def _normal_fill_float(g: Generator, n: int, mean: float, std: float, discard: int) -> np.ndarray:
    # float32 and the half types compute in float.  float32 first draws a uniform for every
    # element (``discard`` of them belong to the ragged end and are overwritten); the half types
    # draw only whole blocks.  The ragged end's block, from 16 fresh draws, goes through the
    # kernel as one more row.
    blocks = n // 16
    if not n % 16:
        out = np.empty((blocks, 16), dtype=np.float32)
        normal_fill_16(g.random32, out, mean, std)
        return out.reshape(-1)
    values = np.empty((blocks + 1, 16), dtype=np.float32)
    normal_fill_16(_skipping(g.random32, 16 * blocks, discard), values, mean, std)
    out = np.empty(n, dtype=np.float32)
    out[:blocks * 16] = values[:blocks].reshape(-1)
    out[n - 16:] = values[-1]
    return out


def _skipping(draw, at: int, skip: int):
    """``draw`` (n -> the next n raw draws) that throws ``skip`` draws away once ``at`` draws
    have been taken."""
    taken = 0

    def take(count: int) -> np.ndarray:
        nonlocal taken
        start, taken = taken, taken + count
        if not skip or not start <= at < taken:
            return draw(count)
        head = draw(at - start)
        draw(skip)
        return np.concatenate([head, draw(taken - at)])

    return take


def _box_muller_blocks(u: np.ndarray, out: np.ndarray, mean: float, std: float) -> None:
    """Box-Muller in double over rows of 16 uniforms: the first 8 give the radius, the last 8
    the angle; cosines fill the first half of ``out``'s rows, sines the second.  (The float
    path is ``normal_fill_16``.)"""
    first = np.ascontiguousarray(u[:, :8])
    second = np.ascontiguousarray(u[:, 8:])
    radius = np.sqrt(-2.0 * np.log(1.0 - first))
    theta = _TWO_PI * second
    cosine = radius * np.cos(theta)
    sine = radius * np.sin(theta)
    if std != 1 or mean != 0:
        # PyTorch's kernels scale and shift with one fused multiply-add
        cosine = fma(cosine, std, mean)
        sine = fma(sine, std, mean)
    out[:, :8] = cosine
    out[:, 8:] = sine


def sample_normal(g: Generator, n: int, np_dtype, mean: float, std: float,
                  contiguous: bool = True) -> np.ndarray:
    """n normal draws in ``np_dtype`` as PyTorch's CPU ``normal_`` makes them."""
    np_dtype = np.dtype(np_dtype)
    if np_dtype.kind == "c":
        part = _real_dtype(np_dtype)
        values = sample_normal(g, 2 * n, part, mean, std / math.sqrt(2.0), contiguous)
        return np.ascontiguousarray(values).view(np_dtype)
    if n >= 16 and contiguous and np_dtype in _HALF_TYPES:
        values = _normal_fill_float(g, n, mean, std, discard=0)
    elif n >= 16 and contiguous:
        values = _normal_fill(g, n, np_dtype, mean, std)
    else:
        values = sample_normal_serial(g, n, mean, std)
    if np_dtype in _HALF_TYPES:
        values = values.astype(np.float32, copy=False)
    return values.astype(np_dtype, copy=False)


# ================================================================================================
# In-place samplers
# ================================================================================================

def _check_floating(self: Tensor, op: str) -> D.dtype:
    dtype = self.dtype
    if not dtype.is_floating_point:
        raise _not_implemented(op, dtype)
    return dtype


def _uniform_sampler(dtype: D.dtype, from_, to, generator):
    """Check uniform_'s arguments for ``dtype`` and return its sampler ``n -> values``."""
    if not (dtype.is_floating_point or dtype.is_complex):
        raise _not_implemented("check_uniform_bounds", dtype)
    real = dtype.to_real()
    low, high = _real_limits(real)
    name = _CPP_OPTION_NAMES[real.name]
    if not low <= from_ <= high:
        raise RuntimeError(f"from is out of bounds for {name}")
    if not low <= to <= high:
        raise RuntimeError(f"to is out of bounds for {name}")
    if from_ > to:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found "
                           f"from={_fmt(from_)} > to={_fmt(to)}")
    if to - from_ > high:
        raise RuntimeError(f"uniform_ expects to-from <= std::numeric_limits<{name}>::max(), "
                           f"but found to={_fmt(to)} and from={_fmt(from_)} which result in "
                           f"to-from to exceed the limit")
    g = _generator(generator, "uniform_")
    np_dtype = dtype.np
    return lambda n: sample_uniform(g, n, np_dtype, from_, to)


def uniform_(self: Tensor, from_: float = 0, to: float = 1, *, generator=None, **kwargs) -> Tensor:
    """Fill with values drawn uniformly from [from, to), in place."""
    from_ = kwargs.pop("from", from_)
    sampler = _uniform_sampler(self.dtype, from_, to, generator)
    return _fill_inplace(self, sampler, UniformBackward0)


def _normal_sampler(dtype: D.dtype, mean, std, generator, contiguous: bool = True):
    """Check normal_'s arguments for ``dtype`` and return its sampler ``n -> values``."""
    if not (dtype.is_floating_point or dtype.is_complex):
        raise _not_implemented("normal_kernel_cpu", dtype)
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {_fmt(std)}")
    g = _generator(generator, "normal_")
    np_dtype = dtype.np
    return lambda n: sample_normal(g, n, np_dtype, mean, std, contiguous)


def normal_(self: Tensor, mean: float = 0, std: float = 1, *, generator=None) -> Tensor:
    """Fill with values drawn from a normal distribution, in place."""
    arr = self._data
    contiguous = isinstance(arr, MetaArray) or is_contiguous(arr)
    sampler = _normal_sampler(self.dtype, mean, std, generator, contiguous)
    return _fill_inplace(self, sampler, NormalBackward0)


def _int_bounds(dtype: D.dtype):
    """The inclusive range random_ may produce for ``dtype``."""
    low, high = _real_limits(dtype)
    return builtins.int(low), builtins.int(high)


def _check_random_bound(value, label: str, dtype: D.dtype) -> None:
    low, high = _int_bounds(dtype)
    if not low <= value <= high:
        raise RuntimeError(f"{label} is out of bounds for {_CPP_OPTION_NAMES[dtype.name]}")
    if dtype.is_floating_point:
        digits = _DIGITS[dtype.np]
        limit = 1 << digits
        if not -limit <= value <= limit:
            warnings.warn(f"{label} is out of bounds [-(2^{digits}), 2^{digits}]. Due to "
                          f"precision limitations {_CPP_OPTION_NAMES[dtype.name]} can support "
                          "discrete uniform distribution only within this range. This warning "
                          "will become an error in version 1.7 release, please fix the code in "
                          "advance", UserWarning, stacklevel=4)


def _through(value: int, np_dtype) -> int:
    # int64 -> floating dtype (rounding) -> int64 (truncation), as the C++ casts do.
    with np.errstate(over="ignore", invalid="ignore"):
        as_float = np.array(value, dtype=np.float64).astype(np_dtype).astype(np.float64)
    return builtins.int(as_float) if np.isfinite(as_float) else value


def _update_from(low: int, np_dtype) -> int:
    plus_one = _through(low + 1, np_dtype)
    if plus_one < low:
        bits = builtins.abs(low + 1).bit_length() - 1
        low = plus_one + (1 << (bits - _DIGITS[np.dtype(np_dtype)] + 1))
    return low


def _update_to(high: int, np_dtype) -> int:
    minus_one = _through(high - 1, np_dtype)
    if minus_one >= high:
        bits = builtins.abs(high - 1).bit_length() - 1
        high = minus_one - (1 << (bits - _DIGITS[np.dtype(np_dtype)] + 1))
    return high


def _random_integer_argument(value, name: str, args=()):
    if value is None:
        return None
    if isinstance(value, (builtins.bool, np.bool_)):
        return builtins.int(value)
    try:
        return operator.index(value)
    except TypeError:
        got = ", ".join(type_name(a) for a in (args or (value,)))
        raise TypeError(f"random_() received an invalid combination of arguments - got "
                        f"({got}), but expected one of:\n"
                        " * (*, torch.Generator generator = None)\n"
                        " * (int from, int to, *, torch.Generator generator = None)\n"
                        " * (int to, *, torch.Generator generator = None)\n") from None


def sample_random_full(g: Generator, n: int, np_dtype) -> np.ndarray:
    """random_() without bounds: uniform over [0, 2**digits] for floats, [0, max] for ints."""
    np_dtype = np.dtype(np_dtype)
    if np_dtype == np.bool_:
        return (g.random32(n) & np.uint32(1)).astype(np.bool_)
    if np_dtype.kind == "f" or np_dtype == D.bfloat16.np:
        modulus = np.uint64((1 << _DIGITS[np_dtype]) + 1)
        raw = g.random64(n) if np_dtype == np.float64 else g.random32(n).astype(np.uint64)
        return (raw % modulus).astype(np.float64).astype(np_dtype)
    modulus = np.uint64(builtins.int(np.iinfo(np_dtype).max) + 1)
    raw = g.random64(n) if np_dtype == np.int64 else g.random32(n).astype(np.uint64)
    return (raw % modulus).astype(np_dtype)


def sample_random_range(g: Generator, n: int, np_dtype, low: int, span: int) -> np.ndarray:
    """Integers ``low + draw % span`` (PyTorch's ``random_(from, to)``), in ``np_dtype``."""
    np_dtype = np.dtype(np_dtype)
    if span >= 1 << 64:
        values = g.random64(n).view(np.int64)
    else:
        # PyTorch takes a 64-bit draw for spans of 2**28 and more, whatever the dtype (the
        # modulo of a 32-bit draw would favour low values too much there).
        raw = g.random64(n) if span >= 1 << 28 else g.random32(n).astype(np.uint64)
        offsets = raw % np.uint64(span)
        # (draw % span) + from, wrapping in 64 bits like the C++ arithmetic.
        values = (offsets + np.uint64(low & ((1 << 64) - 1))).view(np.int64)
    if np_dtype == np.bool_:
        return values.astype(np.bool_)
    return values.astype(np_dtype)


def _random_sampler(dtype: D.dtype, args: tuple, generator):
    """Check random_'s bounds for ``dtype``; return (sampler ``n -> values``, node class)."""
    if dtype.is_complex:
        raise _not_implemented("random_kernel_cpu", dtype)
    g = _generator(generator, "random_")
    np_dtype = dtype.np
    if not args:
        return (lambda n: sample_random_full(g, n, np_dtype)), RandomBackward2
    if len(args) == 1:
        low, high, node = 0, _random_integer_argument(args[0], "to", args), RandomBackward1
    else:
        low = _random_integer_argument(args[0], "from", args)
        high = _random_integer_argument(args[1], "to", args)
        node = RandomBackward0
    floating = dtype.is_floating_point
    if high is None:
        top = _int_bounds(dtype)[1]
        if floating:
            top = 1 << _DIGITS[dtype.np]
            low = _update_from(low, dtype.np)
            if low >= top:
                raise RuntimeError(f"random_ expects 'from' casted to dtype to be less than or "
                                   f"equal to 'to_inc' casted to dtype, but got from={low} > "
                                   f"to_inc={top}")
        _check_random_bound(low, "from", dtype)
        span = top - low + 1
    else:
        if low >= high:
            raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got "
                               f"from={low} >= to={high}")
        if floating:
            # Bounds that the dtype cannot represent are moved inward to representable ones.
            low, high = _update_from(low, dtype.np), _update_to(high, dtype.np)
            if low >= high:
                raise RuntimeError(f"random_ expects 'from' casted to dtype to be less than 'to' "
                                   f"casted to dtype, but got from={low} >= to={high}")
        _check_random_bound(low, "from", dtype)
        _check_random_bound(high - 1, "to - 1", dtype)
        span = high - low
    return (lambda n: sample_random_range(g, n, np_dtype, low, span)), node


def random_(self: Tensor, *args, generator=None, **kwargs) -> Tensor:
    """Fill with integers drawn uniformly: ``random_()`` over the dtype's range,
    ``random_(to)`` from [0, to), ``random_(from, to)`` from [from, to)."""
    if "from" in kwargs:
        args = (kwargs.pop("from"),) + args
    if "to" in kwargs:
        args = args + (kwargs.pop("to"),)
    if kwargs:
        raise TypeError(f"random_() got an unexpected keyword argument '{next(iter(kwargs))}'")
    sampler, node = _random_sampler(self.dtype, args, generator)
    return _fill_inplace(self, sampler, node)


def exponential_(self: Tensor, lambd: float = 1, *, generator=None) -> Tensor:
    """Fill with draws from the exponential distribution of rate ``lambd``, in place."""
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={_fmt(lambd)}")
    dtype = self.dtype
    if not dtype.is_floating_point:
        raise RuntimeError(f"Exponential distribution is a continuous probability distribution. "
                           f"dtype must be a floating point but you specified "
                           f"{_type_word(dtype)}")
    g = _generator(generator, "exponential_")
    np_dtype = self._data.dtype
    return _fill_inplace(self, lambda n: _from_double(sample_exponential(g, n, lambd), np_dtype),
                         ExponentialBackward0)


def sample_exponential(g: Generator, n: int, lambd: float) -> np.ndarray:
    """-1/lambd * log(1 - u) for 53-bit uniforms u (float64)."""
    return (-1.0 / lambd) * np.log1p(-g.uniform53(n))


def geometric_(self: Tensor, p: float, *, generator=None) -> Tensor:
    """Fill with draws from the geometric distribution (trials until the first success)."""
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={_fmt(p)}")
    if self.dtype.is_complex:
        raise _not_implemented("geometric_cpu", self.dtype)
    g = _generator(generator, "geometric_")
    np_dtype = self._data.dtype

    def sample(n):
        with np.errstate(divide="ignore"):
            values = np.ceil(np.log(g.uniform53(n)) / np.log1p(-p))
        return _from_double(values, np_dtype)
    return _fill_inplace(self, sample, GeometricBackward0)


def cauchy_(self: Tensor, median: float = 0, sigma: float = 1, *, generator=None) -> Tensor:
    """Fill with draws from the Cauchy distribution, in place."""
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={_fmt(sigma)}")
    dtype = self.dtype
    if not dtype.is_floating_point:
        raise RuntimeError(f"Cauchy distribution is a continuous probability distribution. "
                           f"dtype must be a floating point but you specified "
                           f"{_CPP_OPTION_NAMES[dtype.name]}")
    g = _generator(generator, "cauchy_")
    np_dtype = self._data.dtype
    return _fill_inplace(
        self, lambda n: _from_double(median + sigma * np.tan(math.pi * (g.uniform53(n) - 0.5)),
                                     np_dtype), CauchyBackward0)


def log_normal_(self: Tensor, mean: float = 1, std: float = 2, *, generator=None) -> Tensor:
    """Fill with ``exp`` of normal draws (mean ``mean``, std ``std``), in place."""
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={_fmt(std)}")
    dtype = _check_floating(self, "log_normal_cpu")
    g = _generator(generator, "log_normal_")
    np_dtype = dtype.np
    return _fill_inplace(
        self, lambda n: _from_double(np.exp(sample_normal_serial(g, n, mean, std)), np_dtype),
        LogNormalBackward0)


def _bernoulli_tensor_sample(g: Generator, p: np.ndarray, np_dtype) -> np.ndarray:
    # One uniform per element compared with p: a 53-bit double for float64 probabilities,
    # a 24-bit float (p rounded to float) for the other dtypes, as PyTorch's kernel does.
    if p.dtype == np.float64:
        return (g.uniform53(p.size) < p.reshape(-1)).astype(np_dtype)
    u = g.uniform_bits(p.size, 24)
    return (u < p.reshape(-1).astype(np.float32)).astype(np_dtype)


def _check_probabilities(p: np.ndarray) -> None:
    if p.size and not ((p >= 0) & (p <= 1)).all():
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could "
                           "this error message be improved?  If so, please report an "
                           "enhancement request to PyTorch.)")


def bernoulli_(self: Tensor, p=0.5, *, generator=None) -> Tensor:
    """Fill with 0/1 draws: 1 with probability ``p`` (a number, or a tensor broadcast to self)."""
    if self.dtype.is_complex:
        raise _not_implemented("bernoulli_scalar_cpu_", self.dtype)
    g = _generator(generator, "bernoulli_")
    np_dtype = self._data.dtype
    if isinstance(p, Tensor):
        if not p.dtype.is_floating_point:
            raise _not_implemented("bernoulli_tensor_cpu_p_", p.dtype)
        probabilities = p.expand(self.shape)
        if isinstance(self._data, MetaArray):
            return _fill_inplace(self, None, BernoulliBackward1, (p,))
        if isinstance(probabilities._data, MetaArray):
            raise RuntimeError(f"Expected all tensors to be on the same device, but found at "
                               f"least two devices, {p.device} and {self.device}!")
        values = probabilities._host()
        _check_probabilities(values)
        ordered = values
        order = dense_order(self._data)
        if order is not None:
            ordered = values.transpose(order)
        return _fill_inplace(self, lambda n: _bernoulli_tensor_sample(g, ordered, np_dtype),
                             BernoulliBackward1, (p,))
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={_fmt(p)}")
    return _fill_inplace(self, lambda n: (g.uniform53(n) < p).astype(np_dtype),
                         BernoulliBackward2)


# ================================================================================================
# Factories
# ================================================================================================

def _require_size(args, size, name: str) -> tuple:
    if not args and size is None:
        raise TypeError(f"{name}() received an invalid combination of arguments - got (), but "
                        "expected one of:\n * (tuple of ints size, *, torch.Generator generator, "
                        "tuple of names names, torch.dtype dtype = None, torch.layout layout = "
                        "None, torch.device device = None, bool pin_memory = False, bool "
                        "requires_grad = False)\n")
    return parse_size(args, name, size)


def _check_generator_arg(generator, name: str, args) -> None:
    if generator is not None and not isinstance(generator, Generator):
        got = ", ".join([type_name(a) for a in args] + [f"generator={type_name(generator)}"])
        raise TypeError(f"{name}() received an invalid combination of arguments - got ({got}), "
                        "but expected one of:\n * (tuple of ints size, *, torch.Generator "
                        "generator, ...)\n")


def _random_factory(name: str, args, size, generator, out, dtype, device, requires_grad,
                    make_sampler) -> Tensor:
    """A new tensor filled by ``make_sampler(dtype)(n)``: the values come out in memory order
    of a fresh contiguous tensor, as PyTorch's kernels fill it."""
    if generator is not None and not isinstance(generator, Generator):
        _check_generator_arg(generator, name, args)
    shape = _require_size(args, size, name)
    check_shape(shape)
    target = factory_dtype(dtype, out, name)
    if requires_grad:
        _check_requires_grad(target, requires_grad)
    dev = factory_device(device)
    sampler = make_sampler(target)
    if dev.type == "meta":
        data = MetaArray(shape, target.np)
    else:
        count = 1
        for s in shape:
            count *= s
        data = sampler(count).reshape(shape)
        if dev.type != "cpu":
            from .creation import place
            data = place(data, dev)
    result = wrap(data)
    if requires_grad:
        result._rg = True
    return result if out is None else write_factory_out(out, result)


def _check_requires_grad(dtype: D.dtype, requires_grad: bool) -> None:
    if requires_grad and not (dtype.is_floating_point or dtype.is_complex):
        raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                           "gradients")


def rand(*args, size=None, generator=None, out=None, dtype=None, layout=None, device=None,
         requires_grad=False, pin_memory=False, names=None) -> Tensor:
    """A tensor of values drawn uniformly from [0, 1)."""
    return _random_factory("rand", args, size, generator, out, dtype, device, requires_grad,
                           lambda d: _uniform_sampler(d, 0, 1, generator))


def randn(*args, size=None, generator=None, out=None, dtype=None, layout=None, device=None,
          requires_grad=False, pin_memory=False, names=None) -> Tensor:
    """A tensor of values drawn from the standard normal distribution."""
    return _random_factory("randn", args, size, generator, out, dtype, device, requires_grad,
                           lambda d: _normal_sampler(d, 0, 1, generator))


def _like(input, name: str, dtype, device, memory_format) -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type_name(input)}")
    target = input.dtype if dtype is None else dtype
    dev = input.device if device is None else as_device(device)
    return wrap(like_array(input, target.np, dev, memory_format))


def _finish_like(result: Tensor, requires_grad: bool) -> Tensor:
    _check_requires_grad(result.dtype, requires_grad)
    result._rg = builtins.bool(requires_grad)
    return result


def rand_like(input, *, generator=None, dtype=None, layout=None, device=None,
              requires_grad=False, memory_format=None) -> Tensor:
    """Uniform [0, 1) values shaped like ``input`` (its dtype, device and layout by default)."""
    result = _like(input, "rand_like", dtype, device, memory_format)
    uniform_(result, 0, 1, generator=generator)
    return _finish_like(result, requires_grad)


def randn_like(input, *, generator=None, dtype=None, layout=None, device=None,
               requires_grad=False, memory_format=None) -> Tensor:
    """Standard normal values shaped like ``input``."""
    result = _like(input, "randn_like", dtype, device, memory_format)
    normal_(result, 0, 1, generator=generator)
    return _finish_like(result, requires_grad)


def _randint_bound(value, name: str, arg: str, position: int) -> int:
    if isinstance(value, (builtins.bool, np.bool_)):
        return builtins.int(value)
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{name}(): argument '{arg}' (position {position}) must be int, not "
                        f"{type_name(value)}") from None


def _randint_arguments(args, low, high, size):
    """(low, high, size) from randint's overloads: (high, size) and (low, high, size)."""
    given = {"low": low, "high": high, "size": size}
    missing = [name for name in ("low", "high", "size") if given[name] is None]
    if len(args) == len(missing):
        given.update(zip(missing, args))
    elif len(args) == len(missing) - 1 and missing[0] == "low":
        given["low"] = 0
        given.update(zip(missing[1:], args))
    else:
        got = ", ".join([type_name(a) for a in args] +
                        [f"{k}={type_name(v)}" for k, v in (("low", low), ("high", high),
                                                            ("size", size)) if v is not None])
        raise TypeError(f"randint() received an invalid combination of arguments - got ({got}), "
                        "but expected one of:\n"
                        " * (int high, tuple of ints size, *, torch.Generator generator, ...)\n"
                        " * (int low, int high, tuple of ints size, *, torch.Generator "
                        "generator, ...)\n")
    return given["low"], given["high"], given["size"]


def randint(*args, low=None, high=None, size=None, generator=None, out=None, dtype=None,
            layout=None, device=None, requires_grad=False, pin_memory=False) -> Tensor:
    """Integers drawn uniformly from [low, high): ``randint(high, size)`` or
    ``randint(low, high, size)``; int64 unless ``dtype`` says otherwise."""
    low, high, size = _randint_arguments(args, low, high, size)
    position = 2 if len(args) >= 3 else 1
    high = _randint_bound(high, "randint", "high", position)
    low = _randint_bound(low, "randint", "low", 1)
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"randint(): argument 'size' (position {position + 1}) must be tuple of "
                        f"ints, not {type_name(size)}")
    if dtype is None and out is None:
        dtype = D.int64

    def make_sampler(target):
        if target.is_complex:
            raise RuntimeError("check_random_bounds handles only integral, floating-point and "
                               "boolean types")
        return _random_sampler(target, (low, high), generator)[0]
    return _random_factory("randint", (size,), None, generator, out, dtype, device,
                           requires_grad, make_sampler)


def randint_like(input, low=0, high=None, *, generator=None, dtype=None, layout=None,
                 device=None, requires_grad=False, memory_format=None) -> Tensor:
    """Integers from [low, high) shaped like ``input`` (in its dtype unless given);
    ``randint_like(input, high)`` draws from [0, high)."""
    if high is None:
        low, high = 0, low
    low = _randint_bound(low, "randint_like", "low", 2)
    high = _randint_bound(high, "randint_like", "high", 3)
    result = _like(input, "randint_like", dtype, device, memory_format)
    random_(result, low, high, generator=generator)
    return _finish_like(result, requires_grad)


def _fisher_yates(draws: np.ndarray, n: int) -> np.ndarray:
    """The permutation PyTorch's CPU randperm makes from ``n - 1`` 32-bit draws, computed
    without a sequential loop.

    PyTorch shuffles 0..n-1 in place: step i swaps positions i and t_i = i + draw_i % (n - i).
    Position i is final after step i, and a position p >= i can only have been written by an
    earlier step k that swapped into it (t_k == p), which left there the value position k held
    just before step k.  So with prev(k) the value at position k before step k:
    result[i] = prev(last earlier step into t_i), or t_i if none; and prev(i) = prev(last
    earlier step into i), or i if none.  Those chains are resolved by pointer jumping.
    """
    if n <= 1:
        return np.zeros(n, dtype=np.int64)
    steps = np.arange(n - 1, dtype=np.uint32)
    target = (steps + draws % (np.uint32(n) - steps)).astype(np.int64)
    order = np.argsort(target * n + steps)  # steps grouped by target, in step order
    grouped = target[order]
    same = grouped[1:] == grouped[:-1]
    earlier = np.full(n - 1, -1, dtype=np.int64)  # previous step into the same target
    earlier[order[1:][same]] = order[:-1][same]
    positions = np.arange(n, dtype=np.int64)
    ends = np.searchsorted(grouped, positions, side="right")
    tail = np.maximum(ends - 1, 0)
    last_into = np.where((ends > 0) & (grouped[tail] == positions), order[tail], -1)
    # a step that swapped position i with itself is not an earlier step for position i
    itself = last_into == positions
    last_into[itself] = earlier[positions[itself]]
    origin = np.where(last_into >= 0, last_into, positions)
    while True:
        jumped = origin[origin]
        if np.array_equal(jumped, origin):
            break
        origin = jumped
    result = np.empty(n, dtype=np.int64)
    result[:-1] = np.where(earlier >= 0, origin[np.maximum(earlier, 0)], target)
    result[-1] = origin[-1]
    return result


def randperm(n, *, generator=None, out=None, dtype=None, layout=None, device=None,
             requires_grad=False, pin_memory=False) -> Tensor:
    """A random permutation of 0 .. n-1 (int64 unless ``dtype`` says otherwise)."""
    if isinstance(n, (builtins.bool, np.bool_, builtins.float)) or not hasattr(n, "__index__"):
        raise TypeError(f"randperm(): argument 'n' (position 1) must be int, not {type_name(n)}")
    n = operator.index(n)
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    target = factory_dtype(dtype if dtype is not None else (None if out is not None else D.int64),
                           out, "randperm")
    if target is D.bool or target.is_complex:
        raise _not_implemented("randperm", target)
    if n:
        from .creation import checked_scalar
        checked_scalar(n - 1, target)
    g = _generator(generator, "randperm")
    dev = factory_device(device)
    if dev.type == "meta":
        data = MetaArray((n,), target.np)
    else:
        draws = g.random32(n - 1) if n > 1 else np.zeros(0, np.uint32)
        data = _fisher_yates(draws, n).astype(target.np)
    result = finish(data, requires_grad)
    return result if out is None else write_factory_out(out, result)


# -- normal ------------------------------------------------------------------------------

def _check_std_tensor(std: Tensor) -> None:
    data = std._data
    if not isinstance(data, MetaArray) and data.size and not (std._host() >= 0).all():
        raise RuntimeError("normal expects all elements of std >= 0.0")


def normal(mean, std=1.0, size=None, *, generator=None, out=None, dtype=None, layout=None,
           device=None, requires_grad=False, pin_memory=False) -> Tensor:
    """Normal draws: ``normal(mean_tensor, std_tensor)`` elementwise (broadcast),
    ``normal(mean_tensor, std)``, ``normal(mean, std_tensor)``, or
    ``normal(mean, std, size)`` for a new tensor of shape ``size``."""
    mean_is_tensor = isinstance(mean, Tensor)
    std_is_tensor = isinstance(std, Tensor)
    if not mean_is_tensor and not std_is_tensor:
        if size is None:
            raise TypeError(f"normal() received an invalid combination of arguments - got "
                            f"({type_name(mean)}, {type_name(std)}), but expected one of:\n"
                            " * (Tensor mean, Tensor std, *, torch.Generator generator, Tensor "
                            "out)\n * (Tensor mean, float std, *, torch.Generator generator, "
                            "Tensor out)\n * (float mean, Tensor std, *, torch.Generator "
                            "generator, Tensor out)\n * (float mean, float std, tuple of ints "
                            "size, *, torch.Generator generator, Tensor out, torch.dtype dtype, "
                            "torch.layout layout, torch.device device, bool pin_memory, bool "
                            "requires_grad)\n")
        if std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {_fmt(std)}")
        return _random_factory("normal", (size,), None, generator, out, dtype, device,
                               requires_grad, lambda d: _normal_sampler(d, mean, std, generator))
    g = _generator(generator, "normal")
    from .creation import empty
    if mean_is_tensor and not std_is_tensor:
        if std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {_fmt(std)}")
        target = mean.dtype
        if not target.is_floating_point and not target.is_complex:
            raise _not_implemented("normal_kernel_cpu", target)
        sample = empty(mean.shape, dtype=target, device=mean.device)
        normal_(sample, 0, std, generator=g)
        result = wrap(_combine(sample, None, mean))
        node = NormalBackward1
        inputs = (mean,)
    else:
        source = mean if mean_is_tensor else std
        target = source.dtype
        if not target.is_floating_point and not target.is_complex:
            raise _not_implemented("normal_kernel_cpu", target)
        if mean_is_tensor:
            from ._dispatch import _device_mismatch
            if type(mean._data) is not type(std._data):
                _device_mismatch(mean, std)
            try:
                shape = np.broadcast_shapes(mean._data.shape, std._data.shape)
            except ValueError:
                from .creation import _broadcast_message
                raise RuntimeError(_broadcast_message(mean._data.shape, std._data.shape)) \
                    from None
        else:
            shape = std._data.shape
        _check_std_tensor(std)
        sample = empty(shape, dtype=target, device=source.device)
        normal_(sample, 0, 1, generator=g)
        result = wrap(_combine(sample, std, mean))
        if mean_is_tensor:
            node, inputs = NormalBackward3, (mean, std)
        else:
            node, inputs = NormalBackward2, (std,)
    if grad_state.enabled and builtins.any(t._rg for t in inputs):
        node(inputs, result)
    return result if out is None else write_out(out, result, "normal")


def _combine(sample: Tensor, std, mean):
    """sample * std + mean (each optional tensor), computed as PyTorch's in-place mul_/add_
    do: in the promoted dtype, rounded back to the sample's dtype."""
    data = sample._data
    if isinstance(data, MetaArray):
        return data
    np_dtype = data.dtype
    values = data
    for operand, op in ((std, np.multiply), (mean, np.add)):
        if operand is None:
            continue
        other = operand._host() if isinstance(operand, Tensor) else operand
        compute = np.result_type(values.dtype, other.dtype if hasattr(other, "dtype") else
                                 np.float64)
        if np_dtype in _HALF_TYPES:
            compute = np.promote_types(compute, np.float32)
        values = op(values.astype(compute), np.asarray(other).astype(compute))
        values = values.astype(np_dtype)
    shape = np.broadcast_shapes(data.shape, values.shape)
    # ascontiguousarray makes 0-d arrays 1-d; the reshape keeps 0-d results 0-d.
    return np.ascontiguousarray(np.broadcast_to(values, shape)).reshape(shape)


# -- bernoulli, multinomial, poisson ------------------------------------------------------

def bernoulli(input: Tensor, p=None, *, generator=None, out=None) -> Tensor:
    """0/1 draws: 1 with probability given by ``input`` (or by the number ``p``)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"bernoulli(): argument 'input' (position 1) must be Tensor, not "
                        f"{type_name(input)}")
    g = _generator(generator, "bernoulli")
    from .creation import empty_like
    if p is None:
        if not input.dtype.is_floating_point:
            raise _not_implemented("bernoulli_tensor_cpu_p_", input.dtype)
        target_dtype = input.dtype if out is None else out.dtype
        result = empty_like(input, dtype=target_dtype)
        with _no_grad():
            bernoulli_(result, input, generator=g)
        if grad_state.enabled and input._rg:
            BernoulliBackward0((input,), result)
    else:
        result = empty_like(input)
        with _no_grad():
            bernoulli_(result, p, generator=g)
        if grad_state.enabled and input._rg:
            NotImplementedBackward((input,), result)
    if out is None:
        return result
    return write_factory_out(out, result)




def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *, generator=None,
                out=None) -> Tensor:
    """Category indices drawn from the (unnormalized) probabilities in each row of ``input``."""
    if not isinstance(input, Tensor):
        raise TypeError(f"multinomial(): argument 'input' (position 1) must be Tensor, not "
                        f"{type_name(input)}")
    num_samples = operator.index(num_samples)
    arr = input._data
    if arr.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{_type_word(input.dtype)}")
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    categories = arr.shape[-1]
    if not replacement and num_samples > categories:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                           "replacement")
    if categories > 1 << 24:
        raise RuntimeError("number of categories cannot exceed 2^24")
    shape = arr.shape[:-1] + (num_samples,)
    if isinstance(arr, MetaArray):
        return wrap(MetaArray(shape, np.int64))
    g = _generator(generator, "multinomial")
    probs = input._host().reshape(-1, categories).astype(np.float64)
    if probs.size:
        if not (np.isfinite(probs).all() and (probs >= 0).all()):
            raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
        if (probs.sum(axis=1) <= 0).any():
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    rows = probs.shape[0]
    if rows == 0:
        samples = np.empty((0, num_samples), np.int64)
    elif replacement and num_samples > 1:
        samples = _multinomial_with_replacement(g, probs, num_samples)
    # PyTorch draws a single sample by the exponential race, with or without replacement.
    else:
        samples = _multinomial_without_replacement(g, probs, num_samples, input._data.dtype)
    result = wrap(samples.reshape(shape))
    return result if out is None else write_out(out, result, "multinomial")


def _multinomial_with_replacement(g: Generator, probs: np.ndarray, k: int) -> np.ndarray:
    # Per row: normalized cumulative sums (the last forced to 1), then the first category whose
    # cumulative probability reaches each uniform draw.  Rows are searched together by offsetting
    # each row's cumulative sums (and draws) by its row index.
    rows, categories = probs.shape
    cumulative = np.cumsum(probs, axis=1)
    cumulative /= cumulative[:, -1:]
    cumulative[:, -1] = 1.0
    offsets = np.arange(rows, dtype=np.float64)[:, None]
    draws = g.uniform53(rows * k).reshape(rows, k)
    flat = (cumulative + offsets * 2.0).reshape(-1)
    found = np.searchsorted(flat, (draws + offsets * 2.0).reshape(-1), side="left")
    return (found.reshape(rows, k) - np.arange(rows)[:, None] * categories).astype(np.int64)


def _multinomial_without_replacement(g: Generator, probs: np.ndarray, k: int,
                                     np_dtype) -> np.ndarray:
    # The exponential race: Exp(1) / p is smallest for a draw that is distributed exactly as
    # sampling without replacement; the k smallest of each row are the samples, best first.
    # PyTorch divides in the input's dtype, so its keys (and their ties) are these.  Ties go to
    # the lower index here; PyTorch's top-k leaves their order to the C++ library's
    # partial_sort/nth_element (only a single sample, argmin, is specified: the first).
    rows, categories = probs.shape
    exponential = _from_double(sample_exponential(g, rows * categories, 1.0), np_dtype)
    with np.errstate(divide="ignore", invalid="ignore"):
        keys = exponential.reshape(rows, categories) / probs.astype(np_dtype)
    order = np.argsort(keys.astype(np.float64), axis=1, kind="stable")
    return order[:, :k].astype(np.int64)


_LOG_FACTORIALS = np.array([math.lgamma(k + 1.0) for k in range(64)])


def _log_factorial(k: np.ndarray) -> np.ndarray:
    """log(k!) for integer-valued float arrays (a table, then Stirling's series)."""
    x = k + 1.0
    series = ((x - 0.5) * np.log(x) - x + 0.5 * math.log(2 * math.pi) + 1.0 / (12.0 * x)
              - 1.0 / (360.0 * x ** 3) + 1.0 / (1260.0 * x ** 5))
    small = k < 64
    table = _LOG_FACTORIALS[np.clip(k, 0, 63).astype(np.int64)]
    return np.where(small, table, series)


def poisson(input: Tensor, generator=None) -> Tensor:
    """Poisson draws with rates given elementwise by ``input``."""
    if not isinstance(input, Tensor):
        raise TypeError(f"poisson(): argument 'input' (position 1) must be Tensor, not "
                        f"{type_name(input)}")
    if generator is not None and not isinstance(generator, Generator):
        raise TypeError(f"poisson(): argument 'generator' must be torch.Generator, not "
                        f"{type_name(generator)}")
    dtype = input.dtype
    if not dtype.is_floating_point:
        raise _not_implemented("poisson_cpu", dtype)
    arr = input._data
    if isinstance(arr, MetaArray):
        result = wrap(MetaArray(arr.shape, arr.dtype))
    else:
        g = _generator(generator, "poisson")
        rates = input._host()
        # PyTorch walks the rates in row-major order of the (logical) shape and writes a
        # contiguous result; each int64 sample is cast to the dtype (via float for half types).
        samples = sample_poisson(g, np.ascontiguousarray(rates, dtype=np.float64).reshape(-1))
        if rates.dtype in _HALF_TYPES:
            samples = samples.astype(np.float32)
        with np.errstate(over="ignore"):   # counts beyond the dtype's range become inf
            result = wrap(samples.astype(rates.dtype).reshape(rates.shape))
    if grad_state.enabled and input._rg:
        PoissonBackward0((input,), result)
    return result


bind_methods(["uniform_", "normal_", "random_", "exponential_", "geometric_", "cauchy_",
              "log_normal_", "bernoulli_", "bernoulli", "multinomial"], globals())

__all__ = ["rand", "rand_like", "randn", "randn_like", "randint", "randint_like", "randperm",
           "normal", "bernoulli", "multinomial", "poisson"]
