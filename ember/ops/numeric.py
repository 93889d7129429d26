"""Numerical helpers in the NumPy style: differences, gradients, integration, statistics.

``diff``, ``gradient``, ``trapezoid`` / ``trapz`` / ``cumulative_trapezoid``, ``cov``,
``corrcoef`` and ``vander`` are composed from differentiable ember ops exactly as PyTorch
composes them, so values round the same way and gradients (and their ``grad_fn`` names) follow.
``isin``, ``unravel_index`` and ``histogramdd`` compute integer or count results directly in
NumPy.
"""
from __future__ import annotations

import builtins
import math
import operator
import warnings

import numpy as np

from .. import _dtype as D
from .. import return_types
from .._tensor import Tensor
from ._composite import renamed
from ._dispatch import _type_word, bind_methods, result_type, write_out

wrap = Tensor._make
_SCALARS = (bool, int, float, complex, np.number, np.bool_)
_REAL_NUMBERS = (int, float, np.integer, np.floating)

return_types._make("histogramdd", ("hist", "bin_edges"))


def _type_name(value) -> str:
    return "Tensor" if isinstance(value, Tensor) else type(value).__name__


def _wrap_dim(dim, ndim: int) -> int:
    """A dim index for a tensor of ``ndim`` dims; PyTorch's IndexError for 0-dim tensors."""
    dim = operator.index(dim)
    if ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    if not -ndim <= dim < ndim:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-ndim}, "
                         f"{ndim - 1}], but got {dim})")
    return dim % ndim


def _slice(t: Tensor, dim: int, start=None, stop=None) -> Tensor:
    """``t[..., start:stop, ...]`` along ``dim`` (a view, recorded as SliceBackward0)."""
    return t[(slice(None),) * dim + (slice(start, stop),)]


def _mul_scalar(t: Tensor, number) -> Tensor:
    # Named as PyTorch names the Scalar overload its C++ compositions call.
    return renamed(t * number, "MulBackward1")


def _div_scalar(t: Tensor, number) -> Tensor:
    return renamed(t / number, "DivBackward1")


# ----------------------------------------------------------------------------------------------
# isin
# ----------------------------------------------------------------------------------------------

_ISIN_SIGNATURES = (
    " * (Tensor elements, Tensor test_elements, *, bool assume_unique = False, bool invert = "
    "False, Tensor out = None)\n"
    " * (Number element, Tensor test_elements, *, bool assume_unique = False, bool invert = "
    "False, Tensor out = None)\n"
    " * (Tensor elements, Number test_element, *, bool assume_unique = False, bool invert = "
    "False, Tensor out = None)\n")


def isin(elements, test_elements, *, assume_unique: bool = False, invert: bool = False,
         out=None) -> Tensor:
    """Whether each element of ``elements`` occurs in ``test_elements`` (bool, elements' shape)."""
    valid = (Tensor,) + _SCALARS
    if (not isinstance(elements, valid) or not isinstance(test_elements, valid)
            or not (isinstance(elements, Tensor) or isinstance(test_elements, Tensor))):
        raise TypeError(f"isin() received an invalid combination of arguments - got "
                        f"({_type_name(elements)}, {_type_name(test_elements)}), but expected "
                        f"one of:\n{_ISIN_SIGNATURES}")
    for operand in (elements, test_elements):
        dtype = operand.dtype if isinstance(operand, Tensor) else D.scalar_dtype(operand)
        if dtype is D.bool or dtype.is_complex:
            raise RuntimeError(f"Unsupported input type encountered for isin(): "
                               f"{_type_word(dtype)}")
    common = result_type(elements, test_elements).np
    if common in (np.dtype(np.float16), D.bfloat16.np):
        common = np.dtype(np.float32)  # exact for equality, and NumPy sorts it natively
    values = _host_array(elements, common)
    tests = _host_array(test_elements, common)
    if values is None or tests is None:
        from .creation import empty
        shape = elements.shape if isinstance(elements, Tensor) else ()
        result = empty(shape, dtype=D.bool, device="meta")
    else:
        result = wrap(np.isin(values, tests.reshape(-1), assume_unique=assume_unique,
                              invert=invert))
    return result if out is None else write_out(out, result, "isin")


def _host_array(x, np_dtype):
    """``x`` (tensor or number) as a NumPy array of ``np_dtype``; None for data-less tensors."""
    if isinstance(x, Tensor):
        arr = x._data
        if type(arr) is not np.ndarray:
            return None
        return arr.astype(np_dtype, copy=False)
    return np.asarray(x).astype(np_dtype)


# ----------------------------------------------------------------------------------------------
# diff
# ----------------------------------------------------------------------------------------------

def _check_diff_operand(input: Tensor, other, name: str, dim: int) -> None:
    if other is None:
        return
    if not isinstance(other, Tensor):
        raise TypeError(f"diff(): argument '{name}' must be Tensor, not {_type_name(other)}")
    if other.ndim != input.ndim:
        raise RuntimeError("diff expects prepend or append to be the same dimension as input")
    for i in builtins.range(other.ndim):
        if i != dim and other.shape[i] != input.shape[i]:
            raise RuntimeError(
                "diff expects the shape of tensor to prepend or append to match that of input "
                f"except along the differencing dimension; input.size({i}) = {input.shape[i]}, "
                f"but got tensor.size({i}) = {other.shape[i]}")


def diff(input: Tensor, n: int = 1, dim: int = -1, prepend=None, append=None, *,
         out=None) -> Tensor:
    """The ``n``-th forward difference along ``dim``, optionally after joining ``prepend`` /
    ``append`` to ``input`` along it (boolean tensors use XOR)."""
    if input.ndim < 1:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    n = operator.index(n)
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    dim = _wrap_dim(dim, input.ndim)
    _check_diff_operand(input, prepend, "prepend", dim)
    _check_diff_operand(input, append, "append", dim)
    if n == 0:
        from .creation import zeros_like
        result = zeros_like(input).copy_(input)
    else:
        joined = input
        if prepend is not None or append is not None:
            from .join import cat
            parts = [t for t in (prepend, input, append) if t is not None]
            joined = cat(parts, dim)
        result = _forward_differences(joined, n, dim)
    return result if out is None else write_out(out, result, "diff")


def _forward_differences(t: Tensor, n: int, dim: int) -> Tensor:
    length = t.shape[dim] - 1
    is_bool = t.dtype is D.bool
    for _ in builtins.range(min(n, t.shape[dim])):
        upper = t.narrow(dim, 1, length)
        lower = t.narrow(dim, 0, length)
        t = upper.logical_xor(lower) if is_bool else upper - lower
        length -= 1
    return t


# ----------------------------------------------------------------------------------------------
# gradient
# ----------------------------------------------------------------------------------------------

_GRADIENT_SIGNATURES = (
    " * (Tensor input, *, tuple of ints dim, int edge_order = 1)\n"
    " * (Tensor input, *, Number spacing, tuple of ints dim, int edge_order = 1)\n"
    " * (Tensor input, *, Number spacing = None, int dim = None, int edge_order = 1)\n"
    " * (Tensor input, *, tuple of Scalars spacing, int dim = None, int edge_order = 1)\n"
    " * (Tensor input, *, tuple of Scalars spacing, tuple of ints dim, int edge_order = 1)\n"
    " * (Tensor input, *, tuple of Tensors spacing, int dim = None, int edge_order = 1)\n"
    " * (Tensor input, *, tuple of Tensors spacing, tuple of ints dim, int edge_order = 1)\n")


def _is_number(value) -> bool:
    return isinstance(value, _SCALARS) or (isinstance(value, Tensor) and value.ndim == 0)


def _coordinate_list(spacing):
    """``spacing`` as a list of step sizes or of coordinate tensors (and which it is)."""
    if isinstance(spacing, (list, tuple)):
        items = list(spacing)
        if items and all(isinstance(s, Tensor) for s in items):
            return items, True
        if all(_is_number(s) for s in items):
            return [s.item() if isinstance(s, Tensor) else s for s in items], False
    raise TypeError(f"gradient() received an invalid combination of arguments - got (Tensor, "
                    f"spacing={_type_name(spacing)}), but expected one of:\n"
                    f"{_GRADIENT_SIGNATURES}")


def gradient(input: Tensor, *, spacing=1, dim=None, edge_order: int = 1) -> tuple:
    """Estimate the derivative of ``input`` along each dim in ``dim`` (all by default) with
    central differences inside and one-sided ones of order ``edge_order`` at the ends;
    ``spacing`` is one step size for all dims, one per dim, or the sample coordinates along
    each dim."""
    if dim is None:
        dims = list(builtins.range(input.ndim))
    elif isinstance(dim, (list, tuple)):
        dims = [operator.index(d) for d in dim]
    else:
        dims = [operator.index(dim)]
    if spacing is None or _is_number(spacing):
        step = 1.0 if spacing is None else spacing
        spacings = [step.item() if isinstance(step, Tensor) else step] * len(dims)
        coordinates = False
        _check_gradient(input, None, dims, dim is not None, edge_order)
    else:
        spacings, coordinates = _coordinate_list(spacing)
        _check_gradient(input, spacings, dims, dim is not None, edge_order)
    results = []
    for d, step in zip(dims, spacings):
        d = d % input.ndim
        if coordinates:
            results.append(_gradient_along_coordinates(input, step, d, edge_order))
        else:
            results.append(_gradient_uniform(input, step, d, edge_order))
    return tuple(results)


def _check_gradient(input: Tensor, spacings, dims, has_dim: bool, edge_order: int) -> None:
    if input.dtype is D.uint8:
        raise RuntimeError("torch.gradient does not support uint8 input.")
    if spacings is not None and not has_dim and len(spacings) != input.ndim:
        raise RuntimeError(
            "torch.gradient expected spacing to be unspecified, a scalar, or a list of length "
            f"equal to 'self.dim() = {input.ndim}', since dim argument was not given, but got a "
            f"list of length {len(spacings)}")
    if spacings is not None and has_dim and len(spacings) != len(dims):
        raise RuntimeError(
            "torch.gradient expected spacing to be unspecified, a scalar or it's spacing and "
            f"dim arguments to have the same length, but got a spacing argument of length "
            f"{len(spacings)} and a dim argument of length {len(dims)}.")
    if edge_order not in (1, 2):
        raise RuntimeError("torch.gradient only supports edge_order=1 and edge_order=2.")
    seen = set()
    for d in dims:
        wrapped = _wrap_dim(d, input.ndim) if input.ndim else _wrap_dim(d, 1)
        if wrapped in seen:
            raise RuntimeError(f"dim {wrapped} appears multiple times in the list of dims")
        seen.add(wrapped)
    for d in seen:
        if input.shape[d] < edge_order + 1:
            raise RuntimeError("torch.gradient expected each dimension size to be at least "
                               "edge_order+1")


def _gradient_uniform(f: Tensor, step, d: int, edge_order: int) -> Tensor:
    from .join import cat
    center = _div_scalar(_slice(f, d, 2) - _slice(f, d, 0, -2), step)
    if edge_order == 1:
        first = _div_scalar(_slice(f, d, 1, 2) - _slice(f, d, 0, 1), step)
        last = _div_scalar(_slice(f, d, -1) - _slice(f, d, -2, -1), step)
    else:
        first = _div_scalar(_mul_scalar(_slice(f, d, 0, 1), -1.5)
                            + _mul_scalar(_slice(f, d, 1, 2), 2)
                            - _mul_scalar(_slice(f, d, 2, 3), 0.5), step)
        last = _div_scalar(_mul_scalar(_slice(f, d, -3, -2), 0.5)
                           - _mul_scalar(_slice(f, d, -2, -1), 2)
                           + _mul_scalar(_slice(f, d, -1), 1.5), step)
    return cat([first, _div_scalar(center, 2), last], d)


def _gradient_along_coordinates(f: Tensor, coords: Tensor, d: int, edge_order: int) -> Tensor:
    from .join import cat
    if coords.device != f.device:
        raise RuntimeError(f"torch.gradient expected each tensor to be on the same device, but "
                           f"got devices {f.device} and {coords.device}!")
    if coords.ndim != 1:
        raise RuntimeError("torch.gradient expected each element of spacing to have one "
                           f"dimension, but got an element with {coords.ndim} dimensions!")
    shape = [1] * f.ndim
    shape[d] = -1
    steps = diff(coords, 1, 0)
    h1 = steps[:-1]
    h2 = steps[1:]
    # Second-order weights for samples at unequal distances h1 (before) and h2 (after).
    a = (-h2 / (h1 * (h1 + h2))).reshape(shape)
    b = ((h2 - h1) / (h1 * h2)).reshape(shape)
    c = (h1 / (h2 * (h1 + h2))).reshape(shape)
    center = a * _slice(f, d, 0, -2) + b * _slice(f, d, 1, -1) + c * _slice(f, d, 2)
    if edge_order == 1:
        first = (_slice(f, d, 1, 2) - _slice(f, d, 0, 1)) / steps[0]
        last = (_slice(f, d, -1) - _slice(f, d, -2, -1)) / steps[-1]
    else:
        s0, s1 = steps[0], steps[1]
        a = -(_mul_scalar(s0, 2.0) + s1) / (s0 * (s0 + s1))
        b = (s0 + s1) / (s0 * s1)
        c = (-s0) / (s1 * (s0 + s1))
        first = a * _slice(f, d, 0, 1) + b * _slice(f, d, 1, 2) + c * _slice(f, d, 2, 3)
        s_2, s_1 = steps[-2], steps[-1]
        a = s_1 / (s_2 * (s_1 + s_2))
        b = -(s_1 + s_2) / (s_1 * s_2)
        c = (_mul_scalar(s_1, 2) + s_2) / (s_1 * (s_1 + s_2))
        last = a * _slice(f, d, -3, -2) + b * _slice(f, d, -2, -1) + c * _slice(f, d, -1)
    return cat([first, center, last], d)


# ----------------------------------------------------------------------------------------------
# trapezoid rule
# ----------------------------------------------------------------------------------------------

def _trapezoid_signature_error(name: str, y, x, dx) -> TypeError:
    got = [_type_name(y)]
    if x is not None:
        got.append(_type_name(x))
    if dx is not None:
        got.append(f"dx={_type_name(dx)}")
    return TypeError(f"{name}() received an invalid combination of arguments - got "
                     f"({', '.join(got)}), but expected one of:\n"
                     f" * (Tensor y, Tensor x, *, int dim = -1)\n"
                     f" * (Tensor y, *, Number dx = 1, int dim = -1)\n")


def _sample_steps(y: Tensor, x: Tensor, dim: int, name: str) -> Tensor:
    """The distances between neighbouring sample points, shaped to broadcast against y."""
    if x.ndim == 1:
        if x.shape[0] != y.shape[dim]:
            raise RuntimeError(f"{name}: There must be one `x` value for each sample point")
        shape = [1] * y.ndim
        shape[dim] = x.shape[0]
        x = x.view(shape)
    elif x.ndim < y.ndim:
        x = x.view([1] * (y.ndim - x.ndim) + list(x.shape))
    return _slice(x, dim, 1) - _slice(x, dim, 0, -1)


def _check_dx(dx, name: str) -> float:
    if isinstance(dx, Tensor):
        dx = dx.item()
    if isinstance(dx, (bool, np.bool_, complex, np.complexfloating)):
        raise RuntimeError(f"{name}: Currently, we only support dx as a real number.")
    if not isinstance(dx, _REAL_NUMBERS):
        raise TypeError(f"{name}(): argument 'dx' must be Number, not {_type_name(dx)}")
    return float(dx)


def trapezoid(y: Tensor, x=None, *, dx=None, dim: int = -1) -> Tensor:
    """Integrate ``y`` along ``dim`` with the trapezoid rule, at sample points ``x`` or
    evenly ``dx`` apart (1 by default)."""
    return _trapezoid("trapezoid", y, x, dx, dim)


def trapz(y: Tensor, x=None, *, dx=None, dim: int = -1) -> Tensor:
    """Alias of :func:`trapezoid`."""
    return _trapezoid("trapz", y, x, dx, dim)


def _trapezoid(name: str, y, x, dx, dim) -> Tensor:
    if not isinstance(y, Tensor) or (x is not None and (dx is not None
                                                        or not isinstance(x, Tensor))):
        raise _trapezoid_signature_error(name, y, x, dx)
    dim = _wrap_dim(dim, y.ndim)
    if y.shape[dim] == 0:
        # NumPy's answer for an integral over no samples.
        from .creation import zeros
        return zeros(y.shape[:dim] + y.shape[dim + 1:], dtype=y.dtype, device=y.device)
    if x is not None:
        if y.dtype is D.bool or x.dtype is D.bool:
            raise RuntimeError("trapezoid: received a bool input for `x` or `y`, but bool is not "
                               "supported")
        steps = _sample_steps(y, x, dim, "trapezoid")
        return _div_scalar(((_slice(y, dim, 0, -1) + _slice(y, dim, 1)) * steps).sum(dim), 2.0)
    if y.dtype is D.bool:
        raise RuntimeError("trapezoid: received a bool input for `y`, but bool is not supported")
    step = _check_dx(1 if dx is None else dx, "trapezoid")
    # With equal steps the rule is dx * (sum of all samples - half the two end samples).
    ends = y.select(dim, 0) + y.select(dim, -1)
    return _mul_scalar(y.sum(dim) - _mul_scalar(ends, 0.5), step)


def cumulative_trapezoid(y: Tensor, x=None, *, dx=None, dim: int = -1) -> Tensor:
    """The running trapezoid-rule integral of ``y`` along ``dim`` (one element shorter)."""
    if not isinstance(y, Tensor) or (x is not None and (dx is not None
                                                        or not isinstance(x, Tensor))):
        raise _trapezoid_signature_error("cumulative_trapezoid", y, x, dx)
    dim = _wrap_dim(dim, y.ndim)
    pair_sums = _slice(y, dim, 0, -1) + _slice(y, dim, 1)
    if x is not None:
        if y.dtype is D.bool or x.dtype is D.bool:
            raise RuntimeError("cumulative_trapezoid: received a bool input for `x` or `y`, but "
                               "bool is not supported")
        steps = _sample_steps(y, x, dim, "cumulative_trapezoid")
        return _div_scalar((pair_sums * steps).cumsum(dim), 2.0)
    if y.dtype is D.bool:
        raise RuntimeError("cumulative_trapezoid: received a bool input for `y`, but bool is not "
                           "supported")
    step = _check_dx(1 if dx is None else dx, "cumulative_trapezoid")
    return _mul_scalar(pair_sums, step / 2.0).cumsum(dim)


# ----------------------------------------------------------------------------------------------
# cov / corrcoef
# ----------------------------------------------------------------------------------------------

def _check_weights(w, name: str, count: int, integral: bool) -> None:
    if not isinstance(w, Tensor):
        raise TypeError(f"cov(): argument '{name}' must be Tensor, not {_type_name(w)}")
    if w.ndim > 1:
        raise RuntimeError(f"cov(): expected {name} to have one or fewer dimensions but got "
                           f"{name} with {w.ndim} dimensions")
    dtype = w.dtype
    if integral and dtype.np.kind not in "iu":
        raise RuntimeError(f"cov(): expected {name} to have integral dtype but got {name} with "
                           f"{_type_word(dtype)} dtype")
    if not integral and not dtype.is_floating_point:
        raise RuntimeError(f"cov(): expected {name} to have floating point dtype but got {name} "
                           f"with {_type_word(dtype)} dtype")
    if w.numel() != count:
        raise RuntimeError(f"cov(): expected {name} to have the same numel as there are "
                           f"observations in the input but got {w.numel()} != {count}")
    if count and bool((w.min() < 0).item()):
        raise RuntimeError(f"cov(): {name} cannot be negative")


def cov(input: Tensor, *, correction: int = 1, fweights=None, aweights=None) -> Tensor:
    """The covariance matrix of the variables in the rows of ``input`` (observations in the
    columns), with optional frequency and importance weights."""
    from .creation import scalar_tensor, zeros_like
    if input.ndim > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an "
                           f"input with {input.ndim} dimensions")
    if input.dtype is D.bool:
        raise RuntimeError("cov(): bool dtype is not supported for input")
    data = input.view(1, -1) if input.ndim < 2 else input
    count = data.shape[1]
    weights = None
    if fweights is not None:
        _check_weights(fweights, "fweights", count, integral=True)
        weights = fweights
    if aweights is not None:
        _check_weights(aweights, "aweights", count, integral=False)
        weights = aweights if weights is None else weights * aweights
    if weights is None:
        weight_sum = scalar_tensor(count, dtype=D.int64, device=input.device)
    else:
        weight_sum = weights.sum()
        if not bool((weight_sum != 0).item()):
            raise RuntimeError("cov(): weights sum to zero, can't be normalized")
    mean = (data if weights is None else data * weights).sum(1) / weight_sum
    if weights is None:
        norm = scalar_tensor(count - correction, dtype=D.int64, device=input.device)
    elif correction == 0:
        norm = weight_sum
    elif aweights is None:
        norm = weight_sum - correction
    elif fweights is None and count == 1 and correction == 1:
        norm = scalar_tensor(0, dtype=D.int64, device=input.device)
    else:
        norm = weight_sum - correction * (weights * aweights).sum() / weight_sum
    if bool((norm <= 0).item()):
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less "
                      "than the number of observations.", UserWarning, stacklevel=2)
        norm = zeros_like(norm)
    if count == 1 and (fweights is None) != (aweights is None):
        # One weighted observation is its own mean: the deviations are exactly zero.
        centered = zeros_like(data, dtype=D.float32 if _is_integral(data.dtype) else None)
    else:
        centered = data - mean.unsqueeze(1)
    weighted = centered if weights is None else centered * weights
    product = centered.mm(weighted.t().conj())
    if product.is_complex() and 1 in centered.shape:
        from .creation import complex as make_complex
        real_part = product.real
        product = make_complex(real_part, zeros_like(real_part))
    return product.true_divide(norm).squeeze()


def _is_integral(dtype: D.dtype) -> bool:
    return not (dtype.is_floating_point or dtype.is_complex)


def corrcoef(input: Tensor) -> Tensor:
    """Pearson correlation coefficients of the variables in the rows of ``input``."""
    if input.ndim > 2:
        raise RuntimeError(f"corrcoef(): expected input to have two or fewer dimensions but got "
                           f"an input with {input.ndim} dimensions")
    c = cov(input)
    if c.ndim == 0:
        return c / c  # NaN for a constant (or non-finite) variable, 1 otherwise
    variances = c.diagonal()
    std = (variances.real if variances.is_complex() else variances).sqrt()
    c = c / std.view(-1, 1)
    c = c / std.view(1, -1)
    if c.is_complex():
        from .creation import complex as make_complex
        return make_complex(c.real.clip(-1, 1), c.imag.clip(-1, 1))
    # Rounding can push coefficients slightly past ±1; NumPy clips them too.
    return c.clip(-1, 1)


# ----------------------------------------------------------------------------------------------
# vander
# ----------------------------------------------------------------------------------------------

def vander(x: Tensor, N=None, increasing: bool = False) -> Tensor:
    """The Vandermonde matrix of ``x``: columns x**(N-1), ..., x, 1 (reversed if increasing)."""
    from .creation import empty
    from .join import flip
    if x.ndim != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    columns = x.shape[0]
    if N is not None:
        columns = operator.index(N)
        if columns < 0:
            raise RuntimeError("N must be non-negative.")
    # Integer inputs give int64 powers, as cumprod promotes them.
    dtype = D.promote_types(x.dtype, D.int64)
    result = empty((x.shape[0], columns), dtype=dtype, device=x.device)
    if columns > 0:
        result[:, 0] = 1
        if columns > 1:
            powers = x.unsqueeze(1).expand(x.shape[0], columns - 1).cumprod(1)
            result[:, 1:].copy_(powers)
    return result if increasing else flip(result, 1)


# ----------------------------------------------------------------------------------------------
# unravel_index
# ----------------------------------------------------------------------------------------------

def unravel_index(indices: Tensor, shape) -> tuple:
    """The coordinates in an array of ``shape`` of each flat index in ``indices`` (one int64
    tensor per dimension, each shaped like ``indices``)."""
    if not isinstance(indices, Tensor):
        raise TypeError(f"unravel_index(): argument 'indices' must be Tensor, not "
                        f"{_type_name(indices)}")
    dtype = indices.dtype
    if dtype.is_complex or dtype.is_floating_point or dtype is D.bool:
        raise TypeError(f"expected 'indices' to be integer dtype, but got {dtype}")
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
        shape = (shape,)
    elif not isinstance(shape, (list, tuple)):
        raise TypeError(f"expected 'shape' to be int or sequence of ints, but got "
                        f"{type(shape)}")
    for size in shape:
        if isinstance(size, bool) or not isinstance(size, (int, np.integer)):
            raise TypeError(f"expected 'shape' sequence to only contain ints, but got "
                            f"{type(size)}")
    shape = tuple(int(s) for s in shape)
    if any(s < 0 for s in shape):
        raise ValueError(f"'shape' cannot have negative values, but got {shape}")
    if 0 in shape:
        raise RuntimeError("ZeroDivisionError")
    flat = indices._data.astype(np.int64)
    strides = [math.prod(shape[i + 1:]) for i in builtins.range(len(shape))]
    # Out-of-range indices wrap around, as floor division and remainder make them.
    coordinates = [np.remainder(np.floor_divide(flat, stride), size)
                   for stride, size in zip(strides, shape)]
    return tuple(wrap(np.asarray(c, dtype=np.int64)) for c in coordinates)


# ----------------------------------------------------------------------------------------------
# histogramdd
# ----------------------------------------------------------------------------------------------

def _c_type(dtype: D.dtype) -> str:
    return {"float32": "float", "float64": "double", "int64": "long int", "int32": "int",
            "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
            "bool": "bool", "float16": "c10::Half", "bfloat16": "c10::BFloat16"}.get(
                dtype.name, dtype.name)


def _dimension_range(points: np.ndarray, d: int, range) -> tuple:
    if range is not None:
        left, right = float(range[2 * d]), float(range[2 * d + 1])
    elif points.shape[0]:
        column = points[:, d]
        left, right = float(column.min()), float(column.max())
    else:
        left, right = 0.0, 1.0
    if not (math.isfinite(left) and math.isfinite(right)):
        raise RuntimeError(f"torch.histogramdd: dimension {d}'s range [{left:g}, {right:g}] is "
                           "not finite")
    if left > right:
        raise RuntimeError(f"torch.histogramdd: min should not exceed max, but got min {left:g} "
                           f"max {right:g} for dimension {d}")
    if left == right:
        left, right = left - 0.5, right + 0.5
    return left, right


def _bin_edges(input: Tensor, points: np.ndarray, bins, range, d: int) -> np.ndarray:
    from .sorting import _linspace
    np_dtype = input._data.dtype
    if isinstance(bins, Tensor):
        if bins.dtype is not input.dtype:
            raise RuntimeError(f"torch.histogramdd: input tensor and bins tensors should have the "
                               f"same dtype, but got input with dtype {_c_type(input.dtype)} and "
                               f"bins for dimension {d} with dtype {_c_type(bins.dtype)}")
        if bins.ndim != 1:
            raise RuntimeError(f"torch.histogramdd: bins tensor should have one dimension, but "
                               f"got {bins.ndim} dimensions in the bins tensor for dimension {d}")
        edges = bins._data.copy()
    else:
        count = operator.index(bins)
        if count < -1:
            raise RuntimeError("number of steps must be non-negative")
        left, right = _dimension_range(points, d, range)
        edges = (_linspace(left, right, count + 1, np_dtype) if count >= 0
                 else np.empty(0, np_dtype))
    if edges.size == 0:
        raise RuntimeError(f"torch.histogramdd: bins tensor should have at least 1 element, but "
                           f"got 0 elements in the bins tensor for dimension {d}")
    if edges.size == 1:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got 0 for dimension {d}")
    return edges


def histogramdd(input: Tensor, bins, range=None, weight=None, density: bool = False):
    """A histogram of the points in the rows of ``input`` (its last dim gives the coordinates):
    ``bins`` is a count for every dim, one count per dim, or one edges tensor per dim.
    Returns ``(hist, bin_edges)``."""
    from .reduce import _not_implemented
    arr = input._data
    if arr.dtype not in (np.float32, np.float64):
        raise _not_implemented("histogramdd", arr)
    if arr.ndim < 2:
        raise RuntimeError("torch.histogramdd: input tensor should have at least 2 dimensions")
    ndim = arr.shape[-1]
    points = arr.reshape(-1, ndim)
    if isinstance(bins, (int, np.integer)) and not isinstance(bins, bool):
        bins = [bins] * ndim
    bins = list(bins)
    if len(bins) != ndim:
        raise RuntimeError("histogramdd: The size of bins must be equal to the innermost "
                           "dimension of the input.")
    if range is not None and len(range) != 2 * ndim:
        raise RuntimeError(f"torch.histogramdd: for a {ndim}-dimensional histogram range should "
                           f"have {2 * ndim} elements, but got {len(range)}")
    weights = None
    if weight is not None:
        if weight.dtype is not input.dtype:
            raise RuntimeError(f"torch.histogramdd: if weight tensor is provided, input tensor "
                               f"and weight tensor should have the same dtype, but got "
                               f"input({_c_type(input.dtype)}), and "
                               f"weight({_c_type(weight.dtype)})")
        if weight.shape != input.shape[:-1]:
            raise RuntimeError(
                "torch.histogramdd: if weight tensor is provided it should have the same shape "
                "as the input tensor excluding its innermost dimension, but got input with shape "
                f"[{', '.join(map(str, arr.shape))}] and weight with shape "
                f"[{', '.join(map(str, weight.shape))}]")
        weights = weight._data.reshape(-1)
    edges = [_bin_edges(input, points, b, range, d) for d, b in enumerate(bins)]
    counts = tuple(e.size - 1 for e in edges)
    inside = np.ones(points.shape[0], dtype=bool)
    positions = []
    for d, e in enumerate(edges):
        column = points[:, d]
        inside &= (column >= e[0]) & (column <= e[-1])
        # The last bin also takes values on its right edge.
        positions.append(np.minimum(np.searchsorted(e, column, side="right") - 1, counts[d] - 1))
    flat = np.ravel_multi_index([p[inside] for p in positions], counts)
    chosen = None if weights is None else weights[inside].astype(np.float64)
    hist = np.bincount(flat, weights=chosen, minlength=math.prod(counts)).astype(arr.dtype)
    hist = hist.reshape(counts)
    if density:
        with np.errstate(invalid="ignore", divide="ignore"):
            hist = hist / hist.sum()
            for d, e in enumerate(edges):
                widths = np.diff(e).reshape([-1 if k == d else 1 for k in builtins.range(ndim)])
                hist = hist / widths
    return return_types.histogramdd((wrap(hist.astype(arr.dtype)),
                                     tuple(wrap(e) for e in edges)))


# ----------------------------------------------------------------------------------------------
# deprecated norms kept for old scripts
# ----------------------------------------------------------------------------------------------

def frobenius_norm(input: Tensor, dim, keepdim: bool = False, *, out=None) -> Tensor:
    """The 2-norm over at most two dims (deprecated in PyTorch for linalg.vector_norm)."""
    from .linalg import norm
    warnings.warn("at::frobenius_norm is deprecated and it is just left for JIT compatibility. "
                  "It will be removed in a future PyTorch release. Please use "
                  "`linalg.vector_norm(A, 2., dim, keepdim)` instead", UserWarning, stacklevel=2)
    dims = [dim] if isinstance(dim, (int, np.integer)) else list(dim)
    if len(dims) > 2:
        raise RuntimeError(f"Expected at most 2 dimensions, but got {len(dims)} dimensions "
                           "instead.")
    result = renamed(norm(input, 2, dims, keepdim), "NormBackward1")
    return result if out is None else write_out(out, result, "frobenius_norm")


def nuclear_norm(input: Tensor, dim=None, keepdim: bool = False, *, out=None) -> Tensor:
    """The sum of singular values of the matrices in the last two dims (or in ``dim``);
    deprecated in PyTorch for linalg.matrix_norm(A, 'nuc')."""
    from ..linalg import matrix_norm
    warnings.warn("at::nuclear_norm is deprecated and it is just left for JIT compatibility. It "
                  "will be removed in a future PyTorch release. Please use "
                  "`linalg.matrix_norm(A, 'nuc', dim, keepdim)` instead", UserWarning,
                  stacklevel=2)
    if isinstance(dim, bool):
        dim, keepdim = None, dim  # nuclear_norm(input, keepdim)
    result = matrix_norm(input, "nuc", dim=(-2, -1) if dim is None else dim, keepdim=keepdim)
    return result if out is None else write_out(out, result, "nuclear_norm")


bind_methods(["diff", "cov", "corrcoef"], globals())

__all__ = ["isin", "diff", "gradient", "trapezoid", "trapz", "cumulative_trapezoid", "cov",
           "corrcoef", "vander", "unravel_index", "histogramdd", "frobenius_norm", "nuclear_norm"]
