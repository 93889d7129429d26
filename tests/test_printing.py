"""repr / str / print of ember tensors must match PyTorch's character for character."""
from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import ember  # noqa: E402
from tests.parity import DTYPE_NAMES, to_ember  # noqa: E402

RNG = np.random.default_rng(1234)


@pytest.fixture(autouse=True)
def _restore_defaults():
    """Every test starts and ends with default print options and float32 as default dtype."""
    yield
    torch.set_printoptions(profile="default")
    ember.set_printoptions(profile="default")
    torch.set_default_dtype(torch.float32)
    ember.set_default_dtype(ember.float32)


def set_both(**options) -> None:
    torch.set_printoptions(**options)
    ember.set_printoptions(**options)


def torch_tensor(array: np.ndarray, dtype_name: str):
    """A torch tensor holding ``array`` cast to the named dtype."""
    return torch.from_numpy(np.array(array, copy=True)).to(getattr(torch, dtype_name))


def check(t) -> None:
    """repr of the ember copy of torch tensor ``t`` equals torch's repr, and str equals repr."""
    # parity.to_ember detaches before reading requires_grad, so pass it on explicitly.
    e = to_ember(t, requires_grad=t.requires_grad)
    expected = repr(t)
    assert repr(e) == expected
    assert str(e) == expected


def sample(dtype_name: str, shape: tuple, rng: np.random.Generator = RNG) -> np.ndarray:
    """Values suited to a dtype: signed and unsigned ints, bools, floats and complex."""
    if dtype_name == "bool":
        return rng.random(shape) > 0.5
    if dtype_name == "uint8":
        return rng.integers(0, 256, shape)
    if dtype_name.startswith("int"):
        bound = {"int8": 128, "int16": 30000}.get(dtype_name, 10**6)
        return rng.integers(-bound, bound, shape)
    values = rng.standard_normal(shape) * 10
    if dtype_name.startswith("complex"):
        values = values + 1j * rng.standard_normal(shape)
    return values


SHAPES = [(), (1,), (5,), (3, 4), (2, 3, 4), (2, 1, 3, 2), (0,), (0, 3), (2, 0, 4)]


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("dtype_name", DTYPE_NAMES)
def test_dtype_shape_table(dtype_name, shape):
    check(torch_tensor(sample(dtype_name, shape), dtype_name))


@pytest.mark.parametrize("shape", [(2000,), (40, 50), (1001,), (3, 400), (12, 12, 12),
                                   (5, 6, 7, 8), (2, 2000), (2000, 2)], ids=str)
@pytest.mark.parametrize("dtype_name", ["float32", "int64", "bool", "complex64", "bfloat16"])
def test_large_tensors_are_summarized(dtype_name, shape):
    check(torch_tensor(sample(dtype_name, shape), dtype_name))


def test_integer_valued_floats():
    check(torch.tensor([1.0, 2.0, -3.0]))
    check(torch.tensor([[100.0, 2.0], [-7.0, 0.0]]))
    check(torch.tensor(3.0))
    check(torch.arange(100.0))


@pytest.mark.parametrize("values", [
    [1e-5, 1.0], [1e9, 1.0], [1.0, 1001.0], [1.0, 999.0], [1e-4, 0.05], [1e8, 2.0],
    [123456789.0], [1e-30, 1e30], [1.5e-5, 2.5, -3.25e7], [1e300, 1e-300], [-1e38, 3.0e38],
    [0.1, 0.2, 0.3], [1234.5678, 0.001], [1e16], [1e-8, 0.0, -0.0],
], ids=str)
@pytest.mark.parametrize("dtype_name", ["float32", "float64"])
def test_fixed_and_scientific_mode(values, dtype_name):
    # Values beyond float32's range become inf or 0 in the cast, a case worth printing too.
    data = np.array(values)
    check(torch_tensor(data, dtype_name))
    check(torch_tensor(data.reshape(-1, 1), dtype_name))


@pytest.mark.parametrize("values", [
    [math.nan, 1.0], [math.inf, -math.inf, 2.5], [math.nan, math.inf], [math.nan],
    [0.0, 0.0], [-0.0, 1.0], [-0.0, 0.5], [-0.0], [math.nan, 1e-7, 3.0], [-math.inf, 1e10],
], ids=str)
@pytest.mark.parametrize("dtype_name", ["float16", "bfloat16", "float32", "float64"])
def test_nonfinite_and_negative_zero(values, dtype_name):
    check(torch_tensor(np.array(values), dtype_name))
    check(torch_tensor(np.array(values[0]), dtype_name))


@pytest.mark.parametrize("values", [
    [1 + 2j, 3 - 4j], [0.5 - 0.25j, -1e-6 + 1e6j], [complex(math.nan, 1), complex(1, -math.inf)],
    [-0.0 - 0.0j, 0.0 + 0.0j], [complex(0.0, -0.0), 1j], [2.5 + 0j],
], ids=str)
@pytest.mark.parametrize("dtype_name", ["complex64", "complex128"])
def test_complex(values, dtype_name):
    check(torch_tensor(np.array(values), dtype_name))
    check(torch_tensor(np.array(values[0]), dtype_name))
    check(torch_tensor(np.array(values * 4).reshape(2, -1), dtype_name))


def test_integers_with_negative_numbers_align():
    check(torch.tensor([-1, 10, -100, 1000]))
    check(torch.tensor([[-5, 3], [12, -400]], dtype=torch.int16))
    check(torch.tensor([True, False, True]))


@pytest.mark.parametrize("precision", [0, 1, 2, 6, 10])
def test_precision(precision):
    set_both(precision=precision)
    check(torch.tensor([1.123456789, -2.5, 3.14159]))
    check(torch.tensor([1e-6, 1.0, 123.456]))
    check(torch.tensor([1 + 2.123456j]))


@pytest.mark.parametrize("threshold", [0, 5, 10, 100, math.inf])
@pytest.mark.parametrize("edgeitems", [0, 1, 2, 3, 5])
def test_threshold_and_edgeitems(threshold, edgeitems):
    set_both(threshold=threshold, edgeitems=edgeitems)
    check(torch.arange(20))
    check(torch.arange(30.0).reshape(5, 6) / 7)
    check(torch.arange(60).reshape(3, 4, 5))
    check(torch.arange(9.0).reshape(3, 3))
    check(torch.tensor(2.5))
    check(torch.tensor([1 + 1j, 2 - 1j, 3j, 4, 5, 6, 7, 8], dtype=torch.complex64))


@pytest.mark.parametrize("linewidth", [1, 10, 20, 40, 79, 80, 81, 120, 200])
def test_linewidth_wraps_rows_and_suffixes(linewidth):
    set_both(linewidth=linewidth)
    check(torch.arange(50.0) / 3)
    check(torch.arange(40).reshape(2, 20))
    check(torch.arange(24, dtype=torch.float64).reshape(2, 3, 4))
    t = torch.arange(30.0, dtype=torch.float64, requires_grad=True) * 2
    e = ember.arange(30.0, dtype=ember.float64, requires_grad=True) * 2
    assert repr(e) == repr(t)
    check(torch.tensor([1.5, 2.5], dtype=torch.float16, requires_grad=True))
    check(torch.zeros(0, 3, dtype=torch.int32))


@pytest.mark.parametrize("sci_mode", [True, False, None])
def test_sci_mode_override(sci_mode):
    set_both(sci_mode=sci_mode)
    check(torch.tensor([1.0, 2.0, 3.0]))
    check(torch.tensor([0.5, 0.25]))
    check(torch.tensor([1e-10, 1e10, 1.0]))
    check(torch.tensor([0.0, -0.0, math.nan]))
    check(torch.tensor([1.0 + 1e-9j]))


@pytest.mark.parametrize("profile", ["default", "short", "full"])
def test_profiles_and_get_printoptions(profile):
    set_both(profile=profile)
    assert ember.get_printoptions() == torch._tensor_str.get_printoptions()
    check(torch.arange(3000.0) / 7)
    check(torch.tensor([1.23456, 2.0]))


def test_options_persist_except_sci_mode():
    set_both(precision=2, sci_mode=True)
    assert ember.get_printoptions() == torch._tensor_str.get_printoptions()
    set_both(linewidth=60)  # resets sci_mode to automatic, keeps precision
    assert ember.get_printoptions() == torch._tensor_str.get_printoptions()
    check(torch.tensor([1.23456, 2.0]))
    saved = ember.get_printoptions()
    ember.set_printoptions(**saved)
    assert ember.get_printoptions() == saved
    with ember._tensor_str.printoptions(precision=7):
        assert ember.get_printoptions()["precision"] == 7
    assert ember.get_printoptions() == saved


@pytest.mark.parametrize("dtype_name", DTYPE_NAMES)
def test_default_float64_changes_suffixes(dtype_name):
    torch.set_default_dtype(torch.float64)
    ember.set_default_dtype(ember.float64)
    check(torch_tensor(sample(dtype_name, (2, 3)), dtype_name))
    check(torch_tensor(sample(dtype_name, (0,)), dtype_name))
    assert repr(ember.zeros(2, 3, device="meta", dtype=ember.float32)) == repr(
        torch.zeros(2, 3, device="meta", dtype=torch.float32))


@pytest.mark.parametrize("dtype_name", DTYPE_NAMES)
@pytest.mark.parametrize("shape", [(2, 3), (5,), (), (0,)], ids=str)
def test_meta_tensors(dtype_name, shape):
    e = ember.empty(shape, dtype=getattr(ember, dtype_name), device="meta")
    t = torch.empty(shape, dtype=getattr(torch, dtype_name), device="meta")
    assert repr(e) == repr(t)


def test_requires_grad_and_grad_fn_suffixes():
    for dtype_name in ["float32", "float64", "float16", "complex64"]:
        data = sample(dtype_name, (2, 3))
        t = torch_tensor(data, dtype_name).requires_grad_()
        e = to_ember(t, requires_grad=t.requires_grad)
        assert repr(e) == repr(t)
        assert repr(e + 1) == repr(t + 1)
        assert repr(e * e) == repr(t * t)
        assert repr((e * 2).sum()) == repr((t * 2).sum())
    t = torch.tensor(RNG.standard_normal((3, 4)), requires_grad=True)
    e = to_ember(t, requires_grad=t.requires_grad)
    w = torch.tensor(RNG.standard_normal((4, 2)))
    assert repr(e @ to_ember(w)) == repr(t @ w)
    assert repr(to_ember(torch.tensor(2.0), requires_grad=True)) == "tensor(2., requires_grad=True)"
    with ember.no_grad():
        assert repr(e + 1) == repr((t + 1).detach())


def test_suffix_order_and_wrapping_on_long_lines():
    t = torch.arange(10, dtype=torch.float64).reshape(1, 10).requires_grad_() * 1.37
    e = ember.arange(10, dtype=ember.float64).reshape(1, 10).requires_grad_() * 1.37
    assert repr(e) == repr(t)
    set_both(edgeitems=0)
    assert repr(e) == repr(t)


def test_empty_tensors():
    for shape in [(0,), (0, 3), (3, 0), (2, 0, 1)]:
        for dtype_name in DTYPE_NAMES:
            check(torch.empty(shape, dtype=getattr(torch, dtype_name)))
    t = torch.empty(0, 2, requires_grad=True)
    assert repr(to_ember(t, requires_grad=True)) == repr(t)


def test_views_and_non_contiguous():
    t = torch.from_numpy(RNG.standard_normal((6, 8)))
    check(t.T)
    check(t[::2, 1::3])
    e = to_ember(torch.arange(3000.0).reshape(30, 100))
    t = torch.arange(3000.0).reshape(30, 100)
    assert repr(e.T) == repr(t.T)
    assert repr(e[:, ::7]) == repr(t[:, ::7])


def test_str_print_format_and_size(capsys):
    e = ember.tensor([[1.5, 2.0], [3.0, 4.25]], dtype=ember.float64)
    t = torch.tensor([[1.5, 2.0], [3.0, 4.25]], dtype=torch.float64)
    print(e)
    assert capsys.readouterr().out == str(t) + "\n"
    assert str(e) == repr(e) == repr(t)
    assert f"{ember.tensor(2.5):.3f}" == f"{torch.tensor(2.5):.3f}"
    assert f"{ember.tensor(7)}" == f"{torch.tensor(7)}"
    assert repr(e.shape) == repr(t.shape)
    assert str(ember.Size([])) == str(torch.Size([]))


def test_custom_contents_and_subclass_prefix():
    e = ember.tensor([1.0, 2.0])
    t = torch.tensor([1.0, 2.0])
    assert e.__repr__(tensor_contents="[xyz]") == t.__repr__(tensor_contents="[xyz]")

    class Fancy(ember.Tensor):
        pass

    class FancyTorch(torch.Tensor):
        pass

    assert repr(e.as_subclass(Fancy)) == repr(t.as_subclass(FancyTorch)).replace("FancyTorch",
                                                                                 "Fancy")


def test_summarizing_does_not_walk_the_whole_tensor():
    e = ember.zeros(4000, 5000)
    assert repr(e) == repr(torch.zeros(4000, 5000))


_magnitudes = st.sampled_from([1e-12, 1e-6, 1e-4, 1e-2, 1.0, 1e2, 1e4, 1e8, 1e12])
_specials = st.sampled_from([0.0, -0.0, math.nan, math.inf, -math.inf, 1.0, -3.0, 1e5])


@st.composite
def float_arrays(draw):
    shape = draw(st.lists(st.integers(1, 5), min_size=0, max_size=3))
    size = int(np.prod(shape)) if shape else 1
    mantissas = draw(st.lists(st.floats(-10, 10, allow_nan=False), min_size=size,
                              max_size=size))
    scales = draw(st.lists(_magnitudes, min_size=size, max_size=size))
    values = np.array(mantissas) * np.array(scales)
    if draw(st.booleans()):
        specials = draw(st.lists(_specials, min_size=size, max_size=size))
        mask = np.array(draw(st.lists(st.booleans(), min_size=size, max_size=size)))
        values = np.where(mask, specials, values)
    if draw(st.booleans()):
        values = np.round(values)
    return values.reshape(shape)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=float_arrays(), dtype_name=st.sampled_from(["float32", "float64", "float16",
                                                          "bfloat16", "complex128"]),
       precision=st.sampled_from([2, 4, 6]))
def test_random_floats_match(values, dtype_name, precision):
    set_both(precision=precision)
    try:
        if dtype_name == "complex128":
            with np.errstate(invalid="ignore"):
                values = values + 1j * values[::-1] if values.ndim else values + 0.5j * values
        check(torch_tensor(values, dtype_name))
    finally:
        set_both(profile="default")


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shape=st.lists(st.integers(1, 9), min_size=1, max_size=4),
       dtype_name=st.sampled_from(DTYPE_NAMES),
       threshold=st.sampled_from([0, 7, 50, 1000]), edgeitems=st.integers(0, 4),
       linewidth=st.integers(5, 120), sci_mode=st.sampled_from([None, True, False]),
       seed=st.integers(0, 2**32 - 1))
def test_random_options_and_shapes_match(shape, dtype_name, threshold, edgeitems, linewidth,
                                         sci_mode, seed):
    set_both(threshold=threshold, edgeitems=edgeitems, linewidth=linewidth, sci_mode=sci_mode)
    try:
        values = sample(dtype_name, tuple(shape), np.random.default_rng(seed))
        check(torch_tensor(values, dtype_name))
    finally:
        set_both(profile="default")
