"""ember.testing against torch.testing: assert_close's verdicts and reports, the deprecated
assert_allclose, and make_tensor's ranges, layouts and errors."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import ember  # noqa: E402


def outcome(fn, lib):
    """'passed', or the exception type and message (with ember's class names as torch's)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fn(lib)
        except Exception as exc:  # noqa: BLE001 - the outcome is compared
            text = str(exc).replace("ember._tensor.Tensor", "torch.Tensor").replace(
                "ember.nn.", "torch.nn.")
            return type(exc).__name__, text
    return "passed"


CASES = {
    "close_floats": lambda t: t.testing.assert_close(t.tensor([1., 2., 3.]),
                                                     t.tensor([1., 2.5, 3.1])),
    "dtype": lambda t: t.testing.assert_close(t.tensor([1., 2.]), t.tensor([1., 2.],
                                                                           dtype=t.float64)),
    "shape": lambda t: t.testing.assert_close(t.tensor([1., 2., 3.]), t.tensor([1., 2.])),
    "ints": lambda t: t.testing.assert_close(t.tensor([1, 2, 3]), t.tensor([1, 2, 4])),
    "uint8": lambda t: t.testing.assert_close(t.tensor([1], dtype=t.uint8),
                                              t.tensor([3], dtype=t.uint8)),
    "bools": lambda t: t.testing.assert_close(t.tensor([True, False]), t.tensor([True, True])),
    "nan": lambda t: t.testing.assert_close(t.tensor([1., float("nan")]),
                                            t.tensor([1., float("nan")])),
    "nan_equal": lambda t: t.testing.assert_close(t.tensor([1., float("nan")]),
                                                  t.tensor([1., float("nan")]), equal_nan=True),
    "inf": lambda t: t.testing.assert_close(t.tensor([float("inf")]), t.tensor([float("inf")])),
    "inf_sign": lambda t: t.testing.assert_close(t.tensor([float("inf")]),
                                                 t.tensor([-float("inf")])),
    "msg": lambda t: t.testing.assert_close(t.tensor(1.), t.tensor(1.1), msg="custom"),
    "msg_callable": lambda t: t.testing.assert_close(t.tensor([1., 2.]), t.tensor([1., 3.]),
                                                     msg=lambda m: "X" + m),
    "stride": lambda t: t.testing.assert_close(
        t.tensor([[1., 2], [3, 4]]), t.tensor([[1., 2], [3, 4]]).t().contiguous().t(),
        check_stride=True),
    "device": lambda t: t.testing.assert_close(t.tensor([1.]), t.tensor([1.], device="meta")),
    "meta_values": lambda t: t.testing.assert_close(t.ones(2, device="meta"),
                                                    t.zeros(2, device="meta")),
    "float_scalars": lambda t: t.testing.assert_close(1., 1.0000001),
    "float_scalars_far": lambda t: t.testing.assert_close(1., 1.1),
    "int_scalars": lambda t: t.testing.assert_close(1, 2),
    "scalar_types": lambda t: t.testing.assert_close(1, 1.0),
    "complex_scalars": lambda t: t.testing.assert_close(1 + 1j, 1 + 2j),
    "zero_expected": lambda t: t.testing.assert_close(0., 1.),
    "bool_scalars": lambda t: t.testing.assert_close(True, False),
    "nan_scalar": lambda t: t.testing.assert_close(1., float("nan"), equal_nan=True),
    "zero_dim": lambda t: t.testing.assert_close(t.tensor(3.), t.tensor(3.5)),
    "sequence": lambda t: t.testing.assert_close([t.tensor(1.), 2.], [t.tensor(1.), 3.]),
    "nested": lambda t: t.testing.assert_close([t.ones(1), [t.ones(1), 3]],
                                               [t.ones(1), [t.ones(1), 4]]),
    "tuple_list": lambda t: t.testing.assert_close((1, 2), [1, 2]),
    "lengths": lambda t: t.testing.assert_close([1, 2], [1, 2, 3]),
    "mapping": lambda t: t.testing.assert_close({"a": t.tensor(1.)}, {"a": t.tensor(2.)}),
    "keys": lambda t: t.testing.assert_close({"a": 1}, {"b": 1}),
    "numpy": lambda t: t.testing.assert_close(np.array([1., 2.]), np.array([1., 2.5])),
    "tensor_numpy": lambda t: t.testing.assert_close(t.tensor([1., 2.]), np.array([1., 2.])),
    "tensor_list": lambda t: t.testing.assert_close(t.tensor([1., 2.]), [1., 2.]),
    "rtol_only": lambda t: t.testing.assert_close(t.ones(2), t.ones(2), rtol=1e-3),
    "atol_only": lambda t: t.testing.assert_close(t.ones(2), t.ones(2), atol=1e-3),
    "exact": lambda t: t.testing.assert_close(t.ones(2), t.zeros(2), rtol=0, atol=0),
    "explicit_tolerances": lambda t: t.testing.assert_close(t.tensor([1., 2.]),
                                                            t.tensor([1.1, 2.]), rtol=0.2,
                                                            atol=0.),
    "mixed_dtype_tolerance": lambda t: t.testing.assert_close(
        t.tensor([1.], dtype=t.float64), t.tensor([1.000001]), check_dtype=False),
    "float16": lambda t: t.testing.assert_close(t.tensor([1.], dtype=t.float16),
                                                t.tensor([1.001], dtype=t.float16)),
    "complex": lambda t: t.testing.assert_close(t.tensor([1 + 1j]), t.tensor([1 + 2j])),
    "requires_grad": lambda t: t.testing.assert_close(t.tensor([1., 2.]).requires_grad_(),
                                                      t.tensor([1., 2.])),
    "relative_inf": lambda t: t.testing.assert_close(t.zeros(5, 5) + t.eye(5) * t.arange(5.),
                                                     t.zeros(5, 5)),
    "large_values": lambda t: t.testing.assert_close(t.tensor([0., 1000.]),
                                                     t.tensor([1e-9, 1000.01])),
    "subclass": lambda t: t.testing.assert_close(t.nn.Parameter(t.ones(1)), t.ones(1)),
    "subclass_refused": lambda t: t.testing.assert_close(t.nn.Parameter(t.ones(1)), t.ones(1),
                                                         allow_subclasses=False),
    "strings": lambda t: t.testing.assert_close("a", "a"),
    "int_float_tensors": lambda t: t.testing.assert_close(t.tensor(2), t.tensor(2.)),
    "allclose": lambda t: t.testing.assert_allclose(t.tensor([1., 2.]), t.tensor([1.1, 2.])),
    "allclose_nan": lambda t: t.testing.assert_allclose(t.tensor([1., float("nan")]),
                                                        t.tensor([1., float("nan")])),
    "allclose_list": lambda t: t.testing.assert_allclose(t.tensor([1., 2.]), [1., 2.]),
    "allclose_msg": lambda t: t.testing.assert_allclose(t.tensor([1.]), t.tensor([2.]),
                                                        msg="boom"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_assert_close_matches_torch(name):
    assert outcome(CASES[name], ember) == outcome(CASES[name], torch)


def test_assert_close_raises_assertion_error_with_report():
    with pytest.raises(AssertionError, match=r"Mismatched elements: 1 / 4 \(25.0%\)"):
        ember.testing.assert_close(ember.tensor([[1., 2.], [3., 4.]]),
                                   ember.tensor([[1., 2.], [3., 5.]]))


def test_assert_allclose_warns():
    with pytest.warns(FutureWarning, match="assert_allclose"):
        ember.testing.assert_allclose(ember.ones(1), ember.ones(1))


# -- make_tensor -----------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype, low, high", [
    ("float32", -9, 9), ("float64", -9, 9), ("float16", -9, 9), ("bfloat16", -9, 9),
    ("int64", -9, 9), ("int8", -9, 9), ("uint8", 0, 9), ("int32", -9, 9),
])
def test_make_tensor_default_ranges(dtype, low, high):
    values = ember.testing.make_tensor(2000, dtype=getattr(ember, dtype), device="cpu")
    assert values.dtype is getattr(ember, dtype) and values.shape == (2000,)
    wide = values.double()
    assert wide.min().item() >= low and wide.max().item() <= high
    assert wide.max().item() - wide.min().item() > (high - low) * 0.9  # spread over the range


def test_make_tensor_shapes_and_layouts():
    make = ember.testing.make_tensor
    assert make((2, 3), dtype=ember.float32, device="cpu").shape == (2, 3)
    assert make([2, 3], dtype=ember.float32, device="cpu").shape == (2, 3)
    assert make((), dtype=ember.float32, device="cpu").shape == ()
    for lib in (ember, torch):
        x = lib.testing.make_tensor(2, 3, dtype=lib.float32, device="cpu", noncontiguous=True)
        assert (x.is_contiguous(), x.stride()) == (False, (6, 2))
        x = lib.testing.make_tensor(4, 3, 2, 2, dtype=lib.float32, device="cpu",
                                    memory_format=lib.channels_last)
        assert x.stride() == (12, 1, 6, 3)
        x = lib.testing.make_tensor(1, dtype=lib.float32, device="cpu", noncontiguous=True)
        assert x.is_contiguous()
    assert make(3, dtype=ember.float32, device="meta").device.type == "meta"


def test_make_tensor_values_options():
    make = ember.testing.make_tensor
    grad = make(3, dtype=ember.float32, device="cpu", low=0, high=1, requires_grad=True)
    assert grad.requires_grad and grad.is_leaf and grad.min() >= 0 and grad.max() < 1
    assert (make(5000, dtype=ember.int64, device="cpu", exclude_zero=True) == 0).sum() == 0
    assert make(3, dtype=ember.int64, device="cpu", low=-1, high=0,
                exclude_zero=True).tolist() == [-1, -1, -1]
    floats = make(5000, dtype=ember.float32, device="cpu", low=-1e-30, high=1e-30,
                  exclude_zero=True)
    assert (floats == 0).sum() == 0
    assert set(make(100, dtype=ember.int64, device="cpu", low=2, high=3).tolist()) == {2}
    assert set(make(50, dtype=ember.bool, device="cpu").tolist()) == {False, True}
    complex_values = make(100, dtype=ember.complex64, device="cpu", low=-1, high=1)
    assert complex_values.real.abs().max() < 1 and complex_values.imag.abs().max() < 1
    huge = make(100, dtype=ember.float32, device="cpu", low=-3e38, high=3e38)
    assert ember.isfinite(huge).all()
    assert make(10, dtype=ember.uint8, device="cpu", low=-5, high=3).max() < 3


def test_make_tensor_is_deterministic_under_a_seed():
    ember.manual_seed(7)
    first = ember.testing.make_tensor(5, 4, dtype=ember.float32, device="cpu")
    ember.manual_seed(7)
    second = ember.testing.make_tensor(5, 4, dtype=ember.float32, device="cpu")
    assert ember.equal(first, second)


@pytest.mark.parametrize("kwargs", [
    {"dtype": "int64", "requires_grad": True}, {"dtype": "float32", "low": 2, "high": 1},
    {"dtype": "float32", "low": float("nan")},
    {"dtype": "float32", "noncontiguous": True, "memory_format": "channels_last"},
    {"dtype": "uint8", "low": -5, "high": -1}, {"dtype": "bool", "requires_grad": True},
    {"dtype": "float32", "low": 1, "high": 1},
])
def test_make_tensor_errors(kwargs):
    def run(lib):
        options = dict(kwargs)
        options["dtype"] = getattr(lib, options["dtype"])
        if "memory_format" in options:
            options["memory_format"] = getattr(lib, options["memory_format"])
        return lib.testing.make_tensor(3, device="cpu", **options).shape
    e, t = outcome(run, ember), outcome(run, torch)
    assert e == t
