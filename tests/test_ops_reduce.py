"""Reductions and scans against PyTorch: values, dtypes, shapes, errors and gradients."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import ember  # noqa: E402
from tests.parity import assert_same, numerical_grad, to_torch  # noqa: E402

DTYPES = ["bool", "uint8", "int8", "int32", "int64", "float16", "bfloat16", "float32",
          "float64"]
FLOATS = ["float16", "bfloat16", "float32", "float64"]


# ----------------------------------------------------------------------------------------------
# the harness: run the same call on both libraries and compare everything
# ----------------------------------------------------------------------------------------------

def make_array(shape, dtype: str, seed: int, nan: bool = False) -> np.ndarray:
    """Small integers (so that ties are common), optionally with NaNs, in ``dtype``."""
    rng = np.random.default_rng(seed)
    values = rng.integers(-3, 4, size=shape).astype(np.float64)
    if dtype == "bool":
        return values > 0
    if dtype == "uint8":
        return np.abs(values).astype(np.uint8)
    if dtype.startswith("int"):
        return values.astype(dtype)
    if nan and values.size:
        values[rng.random(shape) < 0.2] = np.nan
    return values


def pair_of(array: np.ndarray, dtype: str):
    e = ember.from_numpy(np.array(array, copy=True))
    e = e.to(getattr(ember, dtype))
    return e, to_torch(e)


def rtol_for(dtype: str) -> float | None:
    """Tolerance for results computed from ``dtype`` inputs (None: by the result's dtype)."""
    return {"float16": 2e-3, "bfloat16": 2e-2}.get(dtype)


def check_same(fn, e_args, t_args, rtol=None):
    """``fn(lib, *args)`` must behave alike: same exception type, or same results."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            expected = fn(torch, *t_args)
        except Exception as exc:  # noqa: BLE001 - the oracle decides which errors count
            with pytest.raises(type(exc)):
                fn(ember, *e_args)
            return None
        got = fn(ember, *e_args)
    compare(got, expected, rtol)
    return got


def compare(got, expected, rtol=None):
    """Tensors by value, dtype and shape; tuples element by element, named ones by kind."""
    if isinstance(expected, tuple):
        assert isinstance(got, tuple) and len(got) == len(expected)
        if type(expected).__name__ in RETURN_TYPES:
            assert type(got).__name__ == type(expected).__name__
        for a, b in zip(got, expected):
            compare(a, b, rtol)
        return
    assert_same(got, expected, rtol=rtol, atol=rtol)


RETURN_TYPES = {"max", "min", "mode", "median", "nanmedian", "kthvalue", "topk", "sort",
                "cummax", "cummin", "aminmax", "histogram"}


def dims_strategy(ndim: int):
    """None, an int, or a tuple of distinct dims (negative ones too)."""
    bound = max(ndim, 1)
    single = st.integers(-bound, bound - 1)
    several = st.lists(st.integers(0, bound - 1), min_size=0, max_size=bound,
                       unique=True).map(tuple)
    return st.one_of(st.none(), single, several)


shapes = st.lists(st.integers(0, 4), min_size=0, max_size=3).map(tuple)
nonempty_shapes = st.lists(st.integers(1, 4), min_size=0, max_size=3).map(tuple)


# ----------------------------------------------------------------------------------------------
# reductions over dim=None / int / tuple with keepdim
# ----------------------------------------------------------------------------------------------

MULTI_DIM_OPS = {
    "sum": lambda m, x, d, k: m.sum(x, d, k),
    "sum_method": lambda m, x, d, k: x.sum(dim=d, keepdim=k),
    "sum_dtype": lambda m, x, d, k: m.sum(x, d, k, dtype=m.float64),
    "nansum": lambda m, x, d, k: m.nansum(x, d, k),
    "mean": lambda m, x, d, k: m.mean(x, d, k),
    "mean_dtype": lambda m, x, d, k: x.mean(d, k, dtype=m.float64),
    "nanmean": lambda m, x, d, k: m.nanmean(x, d, k),
    "std": lambda m, x, d, k: m.std(x, d, keepdim=k),
    "var_unbiased": lambda m, x, d, k: x.var(d, False, k),
    "var_correction": lambda m, x, d, k: m.var(x, d, correction=2, keepdim=k),
    "std_mean": lambda m, x, d, k: m.std_mean(x, d, keepdim=k),
    "var_mean": lambda m, x, d, k: m.var_mean(x, d, correction=0, keepdim=k),
    "amax": lambda m, x, d, k: m.amax(x, () if d is None else d, k),
    "amin": lambda m, x, d, k: x.amin(d, k),
    "logsumexp": lambda m, x, d, k: m.logsumexp(x, 0 if d is None else d, k),
    "all": lambda m, x, d, k: m.all(x, d, k),
    "any": lambda m, x, d, k: x.any(d, k),
    "count_nonzero": lambda m, x, d, k: m.count_nonzero(x, d),
}


@pytest.mark.parametrize("name", sorted(MULTI_DIM_OPS))
@given(data=st.data())
def test_multi_dim_reductions(name, data):
    fn = MULTI_DIM_OPS[name]
    dtype = data.draw(st.sampled_from(DTYPES), label="dtype")
    shape = data.draw(shapes, label="shape")
    dim = data.draw(dims_strategy(len(shape)), label="dim")
    keepdim = data.draw(st.booleans(), label="keepdim")
    seed = data.draw(st.integers(0, 2 ** 16), label="seed")
    e, t = pair_of(make_array(shape, dtype, seed, nan=True), dtype)
    if name == "logsumexp" and dim == ():
        return  # PyTorch 2.13 itself fails on an empty dim list here
    check_same(fn, (e, dim, keepdim), (t, dim, keepdim), rtol=rtol_for(dtype))


# ----------------------------------------------------------------------------------------------
# reductions along one int dim (values and indices)
# ----------------------------------------------------------------------------------------------

ONE_DIM_OPS = {
    "max": lambda m, x, d, k: m.max(x, d, k),
    "min": lambda m, x, d, k: x.min(d, keepdim=k),
    "argmax": lambda m, x, d, k: m.argmax(x, d, k),
    "argmin": lambda m, x, d, k: x.argmin(d, k),
    "argmax_none": lambda m, x, d, k: m.argmax(x, keepdim=k),
    "prod": lambda m, x, d, k: m.prod(x, d, k),
    "prod_dtype": lambda m, x, d, k: x.prod(d, k, dtype=m.float32),
    "aminmax": lambda m, x, d, k: m.aminmax(x, dim=d, keepdim=k),
    "median": lambda m, x, d, k: m.median(x, d, k),
    "nanmedian": lambda m, x, d, k: x.nanmedian(d, k),
    "mode": lambda m, x, d, k: m.mode(x, d, k),
}


@pytest.mark.parametrize("name", sorted(ONE_DIM_OPS))
@given(data=st.data())
def test_one_dim_reductions(name, data):
    fn = ONE_DIM_OPS[name]
    dtype = data.draw(st.sampled_from(DTYPES), label="dtype")
    shape = data.draw(shapes, label="shape")
    bound = max(len(shape), 1)
    dim = data.draw(st.integers(-bound - 1, bound - 1), label="dim")
    keepdim = data.draw(st.booleans(), label="keepdim")
    seed = data.draw(st.integers(0, 2 ** 16), label="seed")
    # mode's tie order follows PyTorch's insertion sort only for short rows.
    e, t = pair_of(make_array(shape, dtype, seed, nan=name not in ("mode",)), dtype)
    check_same(fn, (e, dim, keepdim), (t, dim, keepdim), rtol=rtol_for(dtype))


FULL_OPS = {
    "sum": lambda m, x: m.sum(x),
    "prod": lambda m, x: x.prod(),
    "mean": lambda m, x: m.mean(x),
    "max": lambda m, x: m.max(x),
    "min": lambda m, x: x.min(),
    "aminmax": lambda m, x: m.aminmax(x),
    "std_legacy_unbiased": lambda m, x: x.std(False),
    "var": lambda m, x: m.var(x),
    "argmin": lambda m, x: m.argmin(x),
    "median": lambda m, x: m.median(x),
    "nanmedian": lambda m, x: x.nanmedian(),
    "all": lambda m, x: x.all(),
    "count_nonzero": lambda m, x: m.count_nonzero(x),
}


@pytest.mark.parametrize("name", sorted(FULL_OPS))
@given(dtype=st.sampled_from(DTYPES), shape=shapes, seed=st.integers(0, 2 ** 16),
       nan=st.booleans())
def test_full_reductions(name, dtype, shape, seed, nan):
    e, t = pair_of(make_array(shape, dtype, seed, nan=nan), dtype)
    check_same(lambda m, x: FULL_OPS[name](m, x), (e,), (t,), rtol=rtol_for(dtype))


# ----------------------------------------------------------------------------------------------
# scans
# ----------------------------------------------------------------------------------------------

SCAN_OPS = {
    "cumsum": lambda m, x, d: m.cumsum(x, d),
    "cumsum_dtype": lambda m, x, d: x.cumsum(d, dtype=m.float64),
    "cumprod": lambda m, x, d: m.cumprod(x, dim=d),
    "cummax": lambda m, x, d: m.cummax(x, d),
    "cummin": lambda m, x, d: x.cummin(d),
    "logcumsumexp": lambda m, x, d: m.logcumsumexp(x, d),
}


@pytest.mark.parametrize("name", sorted(SCAN_OPS))
@given(dtype=st.sampled_from(DTYPES), shape=shapes, seed=st.integers(0, 2 ** 16),
       dim=st.integers(-3, 2))
def test_scans(name, dtype, shape, seed, dim):
    e, t = pair_of(make_array(shape, dtype, seed, nan=True), dtype)
    check_same(lambda m, x: SCAN_OPS[name](m, x, dim), (e,), (t,), rtol=rtol_for(dtype))


def test_inplace_scans():
    x = np.arange(1.0, 7.0).reshape(2, 3)
    e, t = pair_of(x, "float64")
    assert e.cumsum_(1) is e
    t.cumsum_(1)
    assert_same(e, t)
    e.cumprod_(0)
    t.cumprod_(0)
    assert_same(e, t)


# ----------------------------------------------------------------------------------------------
# specific behaviour
# ----------------------------------------------------------------------------------------------

def test_result_dtypes_for_integers_and_bool():
    for dtype in ["bool", "uint8", "int8", "int32"]:
        e, t = pair_of(make_array((2, 3), dtype, 0), dtype)
        for fn in (lambda m, x: x.sum(), lambda m, x: x.prod(1), lambda m, x: x.cumsum(0),
                   lambda m, x: x.cumprod(1), lambda m, x: x.nansum(), lambda m, x: x.all(),
                   lambda m, x: x.any(0), lambda m, x: m.logsumexp(x, 1)):
            check_same(fn, (e,), (t,))


def test_max_ties_and_nan_pick_first_index():
    x = np.array([[1.0, 3.0, 3.0], [np.nan, 2.0, np.nan], [2.0, 2.0, 1.0]])
    e, t = pair_of(x, "float32")
    for fn in (lambda m, a: a.max(1), lambda m, a: a.min(1), lambda m, a: a.argmax(1),
               lambda m, a: a.argmin(), lambda m, a: a.max(), lambda m, a: a.amax(0),
               lambda m, a: m.aminmax(a, dim=0)):
        check_same(fn, (e,), (t,))


def test_binary_max_min_forms():
    if not hasattr(ember.ops.binary, "maximum"):
        pytest.skip("maximum is not available yet")
    e, t = pair_of(np.array([[1.0, 5.0], [3.0, 2.0]]), "float32")
    o, to = pair_of(np.array([2.0, 2.0]), "float32")
    check_same(lambda m, a, b: m.max(a, b), (e, o), (t, to))
    check_same(lambda m, a, b: a.min(b), (e, o), (t, to))
    check_same(lambda m, a, b: m.max(a, other=b), (e, o), (t, to))


@pytest.mark.parametrize("call, kind", [
    (lambda m, x: m.empty(0, 3).max(), RuntimeError),
    (lambda m, x: m.empty(0, 3).max(0), IndexError),
    (lambda m, x: m.empty(0, 3).amax(), RuntimeError),
    (lambda m, x: m.empty(0, 3).amin((0, 1)), IndexError),
    (lambda m, x: m.empty(0, 3).argmax(), IndexError),
    (lambda m, x: m.empty(0, 3).argmin(0), IndexError),
    (lambda m, x: m.aminmax(m.empty(0)), RuntimeError),
    (lambda m, x: m.aminmax(m.empty(0, 2), dim=0), IndexError),
    (lambda m, x: x.sum(2), IndexError),
    (lambda m, x: x.sum((0, 0)), RuntimeError),
    (lambda m, x: x.sum((1, -1)), RuntimeError),
    (lambda m, x: x.mean(dtype=m.int64), RuntimeError),
    (lambda m, x: x.long().mean(), RuntimeError),
    (lambda m, x: x.long().std(), RuntimeError),
    (lambda m, x: x.long().nanmean(), RuntimeError),
    (lambda m, x: x.prod((0, 1)), TypeError),
    (lambda m, x: x.prod(keepdim=True), TypeError),
    (lambda m, x: x.max(keepdim=True), TypeError),
    (lambda m, x: m.min(x, keepdim=True), TypeError),
    (lambda m, x: x.argmax((0,)), TypeError),
    (lambda m, x: x.bool().argmax(), RuntimeError),
    (lambda m, x: x.cfloat().max(), NotImplementedError),
    (lambda m, x: x.cfloat().max(0), RuntimeError),
    (lambda m, x: x.cfloat().nansum(), RuntimeError),
    (lambda m, x: x.long().logcumsumexp(0), NotImplementedError),
    (lambda m, x: x.cumsum(), TypeError),
    (lambda m, x: x.cumsum(None), TypeError),
    (lambda m, x: x.logsumexp(), TypeError),
    (lambda m, x: x.std(1, unbiased=True, correction=1), TypeError),
    (lambda m, x: x.cummax(3), IndexError),
])
def test_errors(call, kind):
    e, t = pair_of(np.arange(6.0).reshape(2, 3), "float32")
    with pytest.raises(kind):
        call(torch, t)
    with pytest.raises(kind):
        call(ember, e)


def test_error_messages():
    with pytest.raises(RuntimeError, match=r"max\(\): Expected reduction dim to be specified "
                                           r"for input.numel\(\) == 0"):
        ember.empty(0).max()
    with pytest.raises(IndexError, match=r"max\(\): Expected reduction dim 0 to have non-zero "
                                         "size"):
        ember.empty(0, 2).max(0)
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of "
                                         r"\[-2, 1\], but got 2\)"):
        ember.ones(2, 3).sum(2)
    with pytest.raises(RuntimeError, match="mean\\(\\): could not infer output dtype. Input dtype"):
        ember.ones(2, dtype=ember.int64).mean()


def test_std_var_argument_forms():
    x = np.random.default_rng(1).standard_normal((3, 4))
    e, t = pair_of(x, "float64")
    calls = [lambda m, a: a.std(), lambda m, a: a.std(1), lambda m, a: a.std(1, False),
             lambda m, a: a.std(1, True, True), lambda m, a: a.std(False), lambda m, a: a.var(True),
             lambda m, a: a.var(dim=1, correction=0), lambda m, a: a.var(unbiased=False),
             lambda m, a: m.var(a, (0, 1), keepdim=True, correction=2),
             lambda m, a: m.std_mean(a, 1, False), lambda m, a: m.var_mean(a, False),
             lambda m, a: m.std(a, dim=None, correction=0, keepdim=True),
             lambda m, a: a.std(axis=0)]
    for call in calls:
        check_same(call, (e,), (t,))


def test_std_degrees_of_freedom_warning():
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        result = ember.ones(1).std()
    assert np.isnan(result.item())


def test_complex_reductions():
    x = np.array([[1 + 2j, 3 - 1j], [0.5j, 2 + 0j]], dtype=np.complex64)
    e = ember.from_numpy(x.copy())
    t = torch.from_numpy(x.copy())
    for call in (lambda m, a: a.sum(), lambda m, a: a.mean(0), lambda m, a: a.prod(1),
                 lambda m, a: a.var(), lambda m, a: a.std(0), lambda m, a: m.std_mean(a, 1),
                 lambda m, a: a.cumsum(1), lambda m, a: a.cumprod(0), lambda m, a: a.all(),
                 lambda m, a: a.logsumexp(1), lambda m, a: a.logcumsumexp(1)):
        check_same(call, (e,), (t,))


def test_out_arguments():
    x = np.arange(12.0).reshape(3, 4)
    e, t = pair_of(x, "float32")
    out_e = ember.empty(0)
    out_t = torch.empty(0)
    assert ember.sum(e, 1, out=out_e) is out_e
    torch.sum(t, 1, out=out_t)
    assert_same(out_e, out_t)
    values, indices = ember.empty(0), ember.empty(0, dtype=ember.int64)
    result = ember.max(e, 1, out=(values, indices))
    assert result.values is values and result.indices is indices
    assert_same(values, t.max(1).values)
    with pytest.raises(RuntimeError):
        ember.max(e, 1, out=(ember.empty(0, dtype=ember.int32), indices))
    with pytest.raises(RuntimeError):
        ember.amax(e, 1, out=ember.empty(0, dtype=ember.float64))
    out64 = ember.empty(0, dtype=ember.float64)
    ember.sum(e, 0, out=out64)
    assert_same(out64, torch.sum(t, 0, out=torch.empty(0, dtype=torch.float64)))
    cum = ember.empty(3, 4)
    assert ember.cumsum(e, 0, out=cum) is cum
    assert_same(cum, torch.cumsum(t, 0))


def test_named_tuple_fields_and_repr():
    x = np.array([[1.0, 4.0], [3.0, 2.0]])
    e, t = pair_of(x, "float32")
    for call in (lambda m, a: a.max(1), lambda m, a: a.min(0), lambda m, a: m.aminmax(a),
                 lambda m, a: a.cummax(1), lambda m, a: a.cummin(0)):
        got, expected = call(ember, e), call(torch, t)
        assert type(got).__name__ == type(expected).__name__
        fields = ("min", "max") if type(got).__name__ == "aminmax" else ("values", "indices")
        assert got._fields == fields
        for field in fields:
            assert_same(getattr(got, field), getattr(expected, field))
        assert repr(got).startswith(f"torch.return_types.{type(expected).__name__}(\n")
    values, indices = e.max(0)
    assert_same(values, t.max(0)[0])


def test_sum_half_accumulates_in_float32():
    x = np.full(4096, 1.0, dtype=np.float16)
    e = ember.from_numpy(x.copy())
    t = torch.from_numpy(x.copy())
    assert_same(e.sum(), t.sum())
    assert_same(e.mean(), t.mean())
    assert_same(e.cumsum(0), t.cumsum(0))


# ----------------------------------------------------------------------------------------------
# gradients
# ----------------------------------------------------------------------------------------------

def grad_pair(array):
    """Leaf tensors (ember, torch) in float64 that require grad."""
    e = ember.from_numpy(np.array(array, dtype=np.float64)).requires_grad_(True)
    t = torch.from_numpy(np.array(array, dtype=np.float64)).requires_grad_(True)
    return e, t


def check_grad(fn, array, transpose=False, seed=0):
    e_leaf, t_leaf = grad_pair(array)
    e_in, t_in = (e_leaf.t(), t_leaf.t()) if transpose else (e_leaf, t_leaf)
    e_out, t_out = fn(ember, e_in), fn(torch, t_in)
    if isinstance(t_out, tuple):
        e_out, t_out = e_out[0], t_out[0]
    assert e_out.grad_fn.name() == t_out.grad_fn.name()
    weights = np.asarray(np.random.default_rng(seed).standard_normal(tuple(t_out.shape)))
    (e_out * ember.from_numpy(weights.copy())).sum().backward()
    (t_out * torch.from_numpy(weights.copy())).sum().backward()
    assert_same(e_leaf.grad, t_leaf.grad, rtol=1e-9, atol=1e-9)


TIES = np.array([[1.0, 3.0, 3.0, -1.0], [2.0, 2.0, 0.0, 2.0], [0.0, -2.0, 5.0, 5.0]])
NAN_ROW = np.array([[1.0, np.nan, 2.0], [3.0, 0.0, 3.0]])
ZEROS = np.array([[1.0, 0.0, 3.0, 2.0], [0.0, 2.0, 0.0, 1.0], [2.0, 3.0, 4.0, 0.5]])
DISTINCT = np.random.default_rng(3).permutation(12).reshape(3, 4) * 0.5 - 2.0

GRAD_CASES = {
    "sum": (lambda m, x: x.sum(), TIES),
    "sum_dim": (lambda m, x: x.sum((0, 1), keepdim=True), TIES),
    "sum_dtype": (lambda m, x: x.sum(1, dtype=m.float32), TIES),
    "nansum": (lambda m, x: x.nansum(1), NAN_ROW),
    "mean": (lambda m, x: x.mean(), TIES),
    "mean_dim": (lambda m, x: m.mean(x, -1, True), TIES),
    "nanmean": (lambda m, x: x.nanmean(0), NAN_ROW),
    "prod": (lambda m, x: x.prod(), DISTINCT),
    "prod_one_zero": (lambda m, x: x.prod(), np.array([[1.0, 2.0], [0.0, 3.0]])),
    "prod_two_zeros": (lambda m, x: x.prod(), ZEROS),
    "prod_dim_zeros": (lambda m, x: x.prod(1), ZEROS),
    "prod_dim_keepdim": (lambda m, x: x.prod(0, True), ZEROS),
    "std": (lambda m, x: x.std(), TIES),
    "std_dim": (lambda m, x: x.std(1, keepdim=True), TIES),
    "std_zero": (lambda m, x: x.std(0), np.ones((3, 2))),
    "var": (lambda m, x: x.var(0, correction=0), TIES),
    "std_mean_std": (lambda m, x: m.std_mean(x, 1), TIES),
    "var_mean_var": (lambda m, x: m.var_mean(x, 0), TIES),
    "max_all_ties": (lambda m, x: x.max(), TIES),
    "min_all_nan": (lambda m, x: x.min(), NAN_ROW),
    "max_dim_ties": (lambda m, x: x.max(1), TIES),
    "min_dim_keepdim": (lambda m, x: x.min(0, True), TIES),
    "amax_ties": (lambda m, x: x.amax(1), TIES),
    "amin_all": (lambda m, x: x.amin(), TIES),
    "amax_nan": (lambda m, x: x.amax(1), NAN_ROW),
    "aminmax_min": (lambda m, x: m.aminmax(x, dim=1).min, TIES),
    "aminmax_max": (lambda m, x: m.aminmax(x).max, TIES),
    "cumsum": (lambda m, x: x.cumsum(1), TIES),
    "cumsum_dtype": (lambda m, x: x.cumsum(0, dtype=m.float32), TIES),
    "cumprod": (lambda m, x: x.cumprod(1), DISTINCT),
    "cumprod_zeros": (lambda m, x: x.cumprod(1), ZEROS),
    "cumprod_zeros_dim0": (lambda m, x: x.cumprod(0), ZEROS),
    "cummax": (lambda m, x: x.cummax(1), TIES),
    "cummin": (lambda m, x: x.cummin(0), TIES),
}


@pytest.mark.parametrize("transpose", [False, True])
@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_gradients(name, transpose):
    fn, array = GRAD_CASES[name]
    check_grad(fn, array, transpose=transpose)


NEEDS_EXP = {
    "logsumexp": (lambda m, x: x.logsumexp(1), TIES),
    "logsumexp_all": (lambda m, x: m.logsumexp(x, (0, 1), True), TIES),
    "logcumsumexp": (lambda m, x: x.logcumsumexp(1), TIES),
    "logcumsumexp_dim0": (lambda m, x: x.logcumsumexp(0), DISTINCT),
}


@pytest.mark.parametrize("name", sorted(NEEDS_EXP))
def test_gradients_needing_exp(name):
    if not hasattr(ember.ops.unary, "exp"):
        pytest.skip("exp/log are not available yet")
    fn, array = NEEDS_EXP[name]
    check_grad(fn, array)
    check_grad(fn, array, transpose=True)
    check_double_backward(fn, array)


def test_gradient_against_finite_differences():
    x = ember.from_numpy(DISTINCT.copy())
    for fn in (lambda a: a.prod(1), lambda a: a.std(0), lambda a: a.cumprod(1),
               lambda a: a.amax(1), lambda a: a.var(1)):
        leaf = x.detach().requires_grad_(True)
        fn(leaf).sum().backward()
        (expected,) = numerical_grad(fn, [x.detach()])
        np.testing.assert_allclose(leaf.grad.numpy(), expected, rtol=1e-5, atol=1e-6)


DOUBLE_CASES = {
    "prod": (lambda m, x: x.prod(1), DISTINCT),
    "prod_zero": (lambda m, x: x.prod(1), ZEROS),
    "std": (lambda m, x: x.std(1), DISTINCT),
    "var": (lambda m, x: x.var(), DISTINCT),
    "cumsum": (lambda m, x: x.cumsum(0) * x, DISTINCT),
    "cumprod": (lambda m, x: x.cumprod(1), DISTINCT),
    "cumprod_zeros": (lambda m, x: x.cumprod(1), ZEROS),
    "max_dim": (lambda m, x: x.max(1).values * x.sum(1), TIES),
    "amax": (lambda m, x: x.amax(0) * x.sum(0), TIES),
    "mean": (lambda m, x: x.mean(1) * x.sum(1), TIES),
}


@pytest.mark.parametrize("name", sorted(DOUBLE_CASES))
def test_double_backward(name):
    fn, array = DOUBLE_CASES[name]
    check_double_backward(fn, array)


def check_double_backward(fn, array):
    """First and second derivatives (through create_graph=True) match PyTorch's."""
    e, t = grad_pair(array)
    weights = np.asarray(np.random.default_rng(5).standard_normal(tuple(fn(torch, t).shape)))
    results = []
    for m, x in ((ember, e), (torch, t)):
        out = (fn(m, x) * m.from_numpy(weights.copy())).sum()
        (g,) = m.autograd.grad(out, x, create_graph=True)
        (gg,) = m.autograd.grad((g * g).sum(), x)
        results.append((g, gg))
    assert_same(results[0][0], results[1][0], rtol=1e-9, atol=1e-9)
    assert_same(results[0][1], results[1][1], rtol=1e-8, atol=1e-8)


def test_grad_fn_names():
    e, t = grad_pair(TIES)
    calls = [lambda m, x: x.sum(), lambda m, x: x.sum(None), lambda m, x: x.sum(dim=1),
             lambda m, x: x.mean(), lambda m, x: x.mean(()), lambda m, x: x.prod(1),
             lambda m, x: x.max(), lambda m, x: x.max(0)[0], lambda m, x: x.min(),
             lambda m, x: x.amax(), lambda m, x: x.nansum(), lambda m, x: x.nanmean(1),
             lambda m, x: m.std_mean(x)[0], lambda m, x: m.var_mean(x)[1],
             lambda m, x: x.cumprod(0), lambda m, x: x.cummin(1)[0]]
    for call in calls:
        assert call(ember, e).grad_fn.name() == call(torch, t).grad_fn.name()
    assert e.argmax().grad_fn is None and e.count_nonzero().grad_fn is None
    assert not e.all().requires_grad


@settings(max_examples=10)
@given(shape=nonempty_shapes, seed=st.integers(0, 2 ** 16), data=st.data())
def test_gradients_random_shapes(shape, seed, data):
    """Gradients of a few reductions over random shapes, dims and keepdim, with ties."""
    array = make_array(shape, "float64", seed)
    ndim = len(shape)
    dim = data.draw(st.integers(-max(ndim, 1), max(ndim, 1) - 1))
    keepdim = data.draw(st.booleans())
    for fn in (lambda m, x: x.sum(dim, keepdim), lambda m, x: x.amin(dim, keepdim),
               lambda m, x: x.max(dim, keepdim)[0], lambda m, x: x.prod(dim, keepdim),
               lambda m, x: x.var(dim, keepdim=keepdim, correction=0),
               lambda m, x: x.cumsum(dim)):
        check_grad(fn, array, seed=seed)


def test_meta_tensors_give_shapes_and_dtypes():
    from ember.backends import meta
    if not hasattr(meta.MetaArray, "__array_ufunc__"):
        pytest.skip("meta arrays do not take part in NumPy dispatch yet")
    e = ember.empty(3, 4, device="meta")
    t = torch.empty(3, 4, device="meta")
    for call in (lambda m, x: x.sum(), lambda m, x: x.sum(1, dtype=m.float64),
                 lambda m, x: x.mean(0, True), lambda m, x: x.amax(), lambda m, x: x.argmax(1),
                 lambda m, x: x.std(1), lambda m, x: x.cumsum(0), lambda m, x: x.prod(1),
                 lambda m, x: x.any(0), lambda m, x: x.logsumexp(1)):
        got, expected = call(ember, e), call(torch, t)
        assert got.device.type == "meta"
        assert tuple(got.shape) == tuple(expected.shape)
        assert str(got.dtype) == str(expected.dtype)
