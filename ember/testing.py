"""ember.testing: ``assert_close`` (with the deprecated ``assert_allclose``) and ``make_tensor``,
as in ``torch.testing``.

``assert_close`` compares tensors, NumPy arrays, numbers and (nested) sequences and mappings of
them: first the attributes (shape, layout, stride, device, dtype), then the values with
per-dtype default tolerances, and raises AssertionError with PyTorch's report (how many
elements differ, the greatest absolute and relative differences and where).
"""
from __future__ import annotations

import cmath
import collections.abc
import math
import numbers
import warnings

import numpy as np

from . import _dtype as D
from ._tensor import Tensor

__all__ = ["assert_close", "assert_allclose", "make_tensor"]

# (rtol, atol) by dtype; integer and bool comparisons are exact.
_DEFAULT_TOLERANCES = {
    D.float16: (1e-3, 1e-5), D.bfloat16: (1.6e-2, 1e-5), D.float32: (1.3e-6, 1e-5),
    D.float64: (1e-7, 1e-7), D.complex64: (1.3e-6, 1e-5), D.complex128: (1e-7, 1e-7),
}
# assert_allclose keeps the table PyTorch used before assert_close.
_LEGACY_TOLERANCES = {D.float16: (1e-3, 1e-3), D.float32: (1e-4, 1e-5), D.float64: (1e-5, 1e-8)}


class _Mismatch(Exception):
    """A failed comparison: the exception type, its message, and where in the inputs."""

    def __init__(self, kind, message: str, path=()) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.path = path

    def to_error(self, msg=None) -> Exception:
        if isinstance(msg, str):
            return self.kind(msg)
        text = self.message
        if self.path:
            text += "\n\nThe failure occurred for item " + "".join(str([p]) for p in self.path)
        return self.kind(msg(text) if callable(msg) else text)


def _tolerances(*dtypes, table=_DEFAULT_TOLERANCES) -> tuple:
    pairs = [table.get(d, (0.0, 0.0)) for d in dtypes]
    return max(p[0] for p in pairs), max(p[1] for p in pairs)


def _scalar_dtype(value) -> D.dtype:
    if isinstance(value, (bool, np.bool_)):
        return D.bool
    if isinstance(value, numbers.Integral):
        return D.int64
    if isinstance(value, numbers.Real):
        return D.float64
    return D.complex128


def assert_close(actual, expected, *, allow_subclasses: bool = True, rtol=None, atol=None,
                 equal_nan: bool = False, check_device: bool = True, check_dtype: bool = True,
                 check_layout: bool = True, check_stride: bool = False, msg=None) -> None:
    """Raise AssertionError unless ``actual`` and ``expected`` are close: for each element
    ``|actual - expected| <= atol + rtol * |expected|`` (NaNs equal only with ``equal_nan``),
    with tolerances chosen by dtype when both are omitted."""
    if (rtol is None) != (atol is None):
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, but got no "
                         f"{'rtol' if rtol is None else 'atol'}.")
    options = dict(allow_subclasses=allow_subclasses, rtol=rtol, atol=atol, equal_nan=equal_nan,
                   check_device=check_device, check_dtype=check_dtype, check_stride=check_stride)
    try:
        _compare(actual, expected, (), options)
    except _Mismatch as mismatch:
        raise mismatch.to_error(msg) from None


def _compare(actual, expected, path: tuple, options: dict) -> None:
    if _is_sequence(actual) and _is_sequence(expected):
        if len(actual) != len(expected):
            raise _Mismatch(AssertionError, f"The length of the sequences mismatch: "
                            f"{len(actual)} != {len(expected)}", path)
        for i, (a, e) in enumerate(zip(actual, expected)):
            _compare(a, e, path + (i,), options)
        return
    if isinstance(actual, collections.abc.Mapping) and isinstance(expected,
                                                                  collections.abc.Mapping):
        _compare_keys(actual, expected, path)
        for key in actual:
            _compare(actual[key], expected[key], path + (key,), options)
        return
    if _is_tensor_pair(actual, expected, options["allow_subclasses"]):
        _compare_tensors(_as_tensor(actual), _as_tensor(expected), path, options)
        return
    if _is_number(actual) and _is_number(expected):
        _compare_numbers(actual, expected, path, options)
        return
    raise _Mismatch(TypeError, f"No comparison pair was able to handle inputs of type "
                    f"{type(actual)} and {type(expected)}.", path)


def _is_sequence(value) -> bool:
    return isinstance(value, collections.abc.Sequence) and not isinstance(value, (str, bytes))


def _is_tensor_pair(actual, expected, allow_subclasses: bool) -> bool:
    """Two tensors (of one class unless subclasses are allowed), or two NumPy arrays."""
    if isinstance(actual, Tensor) and isinstance(expected, Tensor):
        return allow_subclasses or type(actual) is type(expected)
    return isinstance(actual, np.ndarray) and isinstance(expected, np.ndarray)


def _is_number(value) -> bool:
    return isinstance(value, (numbers.Number, np.bool_)) and not isinstance(value, Tensor)


def _as_tensor(value) -> Tensor:
    if isinstance(value, Tensor):
        return value
    from .ops.creation import as_tensor
    return as_tensor(value)


def _compare_keys(actual, expected, path) -> None:
    actual_keys, expected_keys = set(actual.keys()), set(expected.keys())
    if actual_keys == expected_keys:
        return
    missing = sorted(expected_keys - actual_keys, key=repr)
    additional = sorted(actual_keys - expected_keys, key=repr)
    raise _Mismatch(AssertionError, f"The keys of the mappings do not match:\n"
                    f"Missing keys in the actual mapping: {missing}\n"
                    f"Additional keys in the actual mapping: {additional}", path)


# -- numbers ----------------------------------------------------------------------------------------

def _compare_numbers(actual, expected, path, options) -> None:
    if isinstance(actual, (bool, np.bool_)) and isinstance(expected, (bool, np.bool_)):
        if bool(actual) != bool(expected):
            raise _Mismatch(AssertionError, f"Booleans mismatch: {actual} is not {expected}", path)
        return
    if options["check_dtype"] and type(actual) is not type(expected):
        raise _Mismatch(AssertionError, f"The (d)types do not match: {type(actual)} != "
                        f"{type(expected)}.", path)
    rtol, atol = options["rtol"], options["atol"]
    if rtol is None:
        rtol, atol = _tolerances(_scalar_dtype(actual), _scalar_dtype(expected))
    if actual == expected:
        return
    both_nan = _is_nan(actual) and _is_nan(expected)
    if both_nan and options["equal_nan"]:
        return
    if not both_nan and not _is_nan(actual) and not _is_nan(expected) and (
            abs(actual - expected) <= atol + rtol * abs(expected)) and not (
            _is_inf(actual) or _is_inf(expected)):
        return
    raise _Mismatch(AssertionError, _scalar_report(actual, expected, rtol, atol), path)


def _scalar_report(actual, expected, rtol, atol) -> str:
    difference = abs(actual - expected)
    relative = difference / abs(expected) if expected != 0 else math.inf
    exact = rtol == 0 and atol == 0
    return (f"Scalars are not {'equal' if exact else 'close'}!\n\n"
            f"Expected {expected} but got {actual}.\n"
            f"{_difference_line('Absolute difference', difference, None, atol, exact)}"
            f"{_difference_line('Relative difference', relative, None, rtol, exact)}").strip()


def _is_nan(value) -> bool:
    return cmath.isnan(value) if isinstance(value, complex) else (
        isinstance(value, (float, np.floating)) and math.isnan(value))


def _is_inf(value) -> bool:
    return cmath.isinf(value) if isinstance(value, complex) else (
        isinstance(value, (float, np.floating)) and math.isinf(value))


def _difference_line(title: str, value, index, tolerance, exact: bool) -> str:
    line = f"{title}: {value}" if index is None else f"{title}: {value} at index {index}"
    if not exact:
        line += f" (up to {tolerance} allowed)"
    return line + "\n"


# -- tensors -----------------------------------------------------------------------------------------

def _attribute_error(name: str, actual_value, expected_value, path) -> _Mismatch:
    return _Mismatch(AssertionError, f"The values for attribute '{name}' do not match: "
                     f"{actual_value} != {expected_value}.", path)


def _compare_tensors(actual: Tensor, expected: Tensor, path, options) -> None:
    if actual.shape != expected.shape:
        raise _attribute_error("shape", actual.shape, expected.shape, path)
    if options["check_stride"] and actual.stride() != expected.stride():
        raise _attribute_error("stride()", actual.stride(), expected.stride(), path)
    if options["check_device"] and actual.device != expected.device:
        raise _attribute_error("device", actual.device, expected.device, path)
    if options["check_dtype"] and actual.dtype is not expected.dtype:
        raise _attribute_error("dtype", actual.dtype, expected.dtype, path)
    if actual.device.type == "meta" or expected.device.type == "meta":
        return  # no values to compare
    rtol, atol = options["rtol"], options["atol"]
    if rtol is None:
        rtol, atol = _tolerances(actual.dtype, expected.dtype)
    common = D.promote_types(actual.dtype, expected.dtype)
    a = actual.detach().cpu().to(common)
    e = expected.detach().cpu().to(common)
    matches = _matches(a, e, rtol, atol, options["equal_nan"])
    if matches.all():
        return
    if a.ndim == 0:
        # A zero-dim tensor is reported as its Python number.
        raise _Mismatch(AssertionError, _scalar_report(a.item(), e.item(), rtol, atol), path)
    raise _Mismatch(AssertionError, _tensor_report(a, e, matches, rtol, atol), path)


def _matches(a: Tensor, e: Tensor, rtol, atol, equal_nan: bool) -> np.ndarray:
    if a.dtype.is_floating_point or a.dtype.is_complex:
        from .ops.binary import isclose
        return isclose(a, e, rtol=rtol, atol=atol, equal_nan=equal_nan)._data
    if rtol == 0 and atol == 0:
        return a._data == e._data
    wide_a = a._data.astype(np.float64)
    wide_e = e._data.astype(np.float64)
    return np.abs(wide_a - wide_e) <= atol + rtol * np.abs(wide_e)


def _tensor_report(a: Tensor, e: Tensor, matches: np.ndarray, rtol, atol) -> str:
    total = matches.size
    mismatched = total - int(matches.sum())
    flat_a, flat_e = a.reshape(-1), e.reshape(-1)
    if not (a.dtype.is_floating_point or a.dtype.is_complex):
        flat_a, flat_e = flat_a.to(D.int64), flat_e.to(D.int64)
    flat_matches = matches.reshape(-1)
    with np.errstate(all="ignore"):
        absolute = (flat_a - flat_e).abs()
        absolute._data[flat_matches] = 0
        relative = absolute / flat_e.abs()
        relative._data[flat_matches] = 0
    abs_at = int(np.argmax(absolute._data))
    rel_at = int(np.argmax(relative._data))
    exact = rtol == 0 and atol == 0
    return (f"Tensor-likes are not {'equal' if exact else 'close'}!\n\n"
            f"Mismatched elements: {mismatched} / {total} ({mismatched / total:.1%})\n"
            + _difference_line("Greatest absolute difference", absolute._data[abs_at].item(),
                               _index(abs_at, a.shape), atol, exact)
            + _difference_line("Greatest relative difference", relative._data[rel_at].item(),
                               _index(rel_at, a.shape), rtol, exact)).strip()


def _index(flat: int, shape) -> tuple:
    return tuple(int(i) for i in np.unravel_index(flat, tuple(shape))) if len(shape) else ()


def assert_allclose(actual, expected, rtol=None, atol=None, equal_nan: bool = True,
                    msg: str = "") -> None:
    """Deprecated: ``assert_close`` with the older default tolerances and no dtype check."""
    warnings.warn("`torch.testing.assert_allclose()` is deprecated since 1.12 and will be "
                  "removed in a future release. Please use `torch.testing.assert_close()` "
                  "instead. You can find detailed upgrade instructions in "
                  "https://github.com/pytorch/pytorch/issues/61844.", FutureWarning,
                  stacklevel=2)
    from .ops.creation import tensor
    if not isinstance(actual, Tensor):
        actual = tensor(actual)
    if not isinstance(expected, Tensor):
        expected = tensor(expected, dtype=actual.dtype)
    if rtol is None and atol is None:
        rtol, atol = _tolerances(actual.dtype, expected.dtype, table=_LEGACY_TOLERANCES)
    assert_close(actual, expected, rtol=rtol, atol=atol, equal_nan=equal_nan, check_device=True,
                 check_dtype=False, check_stride=False, msg=msg or None)


# -- make_tensor ---------------------------------------------------------------------------------------

_INTEGRAL = (D.uint8, D.int8, D.int16, D.int32, D.int64)


def _bounds(low, high, dtype, lowest: float, highest: float, default_low, default_high):
    """(low, high) after PyTorch's checks and clamping to what ``dtype`` can hold."""
    low = default_low if low is None else low
    high = default_high if high is None else high
    if any(isinstance(v, float) and math.isnan(v) for v in (low, high)):
        raise ValueError(f"`low` and `high` cannot be NaN, but got low={low} and high={high}")
    if low == high and (dtype.is_floating_point or dtype.is_complex):
        warnings.warn("Passing `low==high` to `torch.testing.make_tensor` for floating or "
                      "complex types is deprecated since 2.1 and will be removed in 2.3. Use "
                      "`torch.full(...)` instead.", FutureWarning, stacklevel=3)
    elif low >= high:
        raise ValueError(f"`low` must be less than `high`, but got {low} >= {high}")
    elif high < lowest or low >= highest:
        raise ValueError(f"The value interval specified by `low` and `high` is [{low}, {high}), "
                         f"but {dtype} only supports [{lowest}, {highest})")
    low = min(max(low, lowest), highest)
    high = min(max(high, lowest), highest)
    if dtype is D.bool or dtype in _INTEGRAL:
        return math.ceil(low), math.ceil(high)
    return low, high


def make_tensor(*shape, dtype, device, low=None, high=None, requires_grad: bool = False,
                noncontiguous: bool = False, exclude_zero: bool = False,
                memory_format=None) -> Tensor:
    """A tensor of ``shape`` with values drawn uniformly from [low, high) (defaults by dtype:
    [-9, 9) for floats, [-9, 10) for signed and [0, 10) for unsigned integers), drawn from
    ember's random generator so seeded calls repeat."""
    from .ops.creation import empty
    from .ops.random import randint
    from .ops.unary import view_as_real
    if len(shape) == 1 and isinstance(shape[0], collections.abc.Sequence):
        shape = shape[0]
    shape = tuple(shape)
    if noncontiguous and memory_format is not None:
        raise ValueError(f"The parameters `noncontiguous` and `memory_format` are mutually "
                         f"exclusive, but got noncontiguous={noncontiguous} and "
                         f"memory_format={memory_format}")
    if requires_grad and (dtype is D.bool or dtype in _INTEGRAL):
        raise ValueError(f"`requires_grad=True` is not supported for boolean and integral "
                         f"dtypes, but got dtype={dtype}")
    noncontiguous = noncontiguous and math.prod(shape) > 1
    if noncontiguous:
        shape = shape[:-1] + (2 * shape[-1],)
    if dtype is D.bool:
        low, high = _bounds(low, high, dtype, 0, 2, 0, 2)
        result = randint(low, high, shape, device=device, dtype=dtype)
    elif dtype in _INTEGRAL:
        info = D.iinfo(dtype)
        highest = info.max + (1 if dtype is not D.int64 else 0)
        low, high = _bounds(low, high, dtype, info.min, highest, -9, 10)
        result = randint(low, high, shape, device=device, dtype=dtype)
    elif dtype.is_floating_point or dtype.is_complex:
        info = D.finfo(dtype)
        low, high = _bounds(low, high, dtype, info.min, info.max, -9, 9)
        result = empty(shape, device=device, dtype=dtype)
        target = view_as_real(result) if dtype.is_complex else result
        if high - low >= info.max:
            # The width would overflow: draw half-width values and double them.
            target.uniform_(low / 2, high / 2).mul_(2)
        else:
            target.uniform_(low, high)
    else:
        raise TypeError(f"The requested dtype '{dtype}' is not supported by "
                        f"torch.testing.make_tensor(). To request support, file an issue at: "
                        f"https://github.com/pytorch/pytorch/issues")
    if noncontiguous:
        result = result[..., ::2]
    elif memory_format is not None:
        result = result.clone(memory_format=memory_format)
    if exclude_zero:
        if dtype.is_floating_point or dtype.is_complex:
            tiny = D.finfo(dtype).tiny
            replacement = complex(tiny, tiny) if dtype.is_complex else tiny
        else:
            replacement = 1
        result[result == 0] = replacement
    if dtype.is_floating_point or dtype.is_complex:
        result.requires_grad_(requires_grad)
    return result
