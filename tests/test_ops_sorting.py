"""Sorting, order statistics, unique and histograms against PyTorch."""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import ember  # noqa: E402
from tests.parity import assert_same  # noqa: E402
from tests.test_ops_reduce import check_same, compare, make_array, pair_of  # noqa: E402

SORTABLE = ["bool", "uint8", "int8", "int32", "int64", "float16", "bfloat16", "float32",
            "float64"]
shapes = st.lists(st.integers(0, 5), min_size=0, max_size=3).map(tuple)


def distinct_array(shape, seed: int) -> np.ndarray:
    """Distinct float64 values (no ties), so every index is determined."""
    size = int(np.prod(shape)) if shape else 1
    values = np.random.default_rng(seed).permutation(size).astype(np.float64) * 0.25 - 3
    return values.reshape(shape)


def check_selected(e_values, e_indices, e_input, dim):
    """Indices must point at the values they come with (for tie orders PyTorch leaves open)."""
    if e_input.ndim == 0:
        assert e_indices.item() == 0
        return
    picked = np.take_along_axis(e_input.detach().float().numpy(), e_indices.numpy(),
                                axis=dim % e_input.ndim)
    np.testing.assert_array_equal(picked, e_values.detach().float().numpy())


# ----------------------------------------------------------------------------------------------
# sort, argsort, msort
# ----------------------------------------------------------------------------------------------

@given(dtype=st.sampled_from(SORTABLE), shape=shapes, seed=st.integers(0, 2 ** 16),
       dim=st.integers(-3, 2), descending=st.booleans())
def test_stable_sort_matches_exactly(dtype, shape, seed, dim, descending):
    e, t = pair_of(make_array(shape, dtype, seed, nan=True), dtype)
    check_same(lambda m, x: m.sort(x, stable=True, dim=dim, descending=descending), (e,), (t,))
    check_same(lambda m, x: m.argsort(x, dim=dim, descending=descending, stable=True), (e,),
               (t,))


@given(dtype=st.sampled_from(SORTABLE), shape=shapes, seed=st.integers(0, 2 ** 16),
       dim=st.integers(-3, 2), descending=st.booleans())
def test_default_sort(dtype, shape, seed, dim, descending):
    # PyTorch's default sort is not stable, but on rows of up to 16 elements it keeps ties in
    # order (insertion sort), as ember always does.
    e, t = pair_of(make_array(shape, dtype, seed, nan=True), dtype)
    check_same(lambda m, x: x.sort(dim, descending), (e,), (t,))
    check_same(lambda m, x: m.msort(x), (e,), (t,))


def test_sort_long_rows_with_ties():
    array = np.random.default_rng(0).integers(0, 5, size=(3, 200)).astype(np.float32)
    e, t = pair_of(array, "float32")
    values, indices = e.sort(1)
    assert_same(values, t.sort(1).values)
    check_selected(values, indices, e, 1)
    # The stable order: equal values keep their original order.
    for row_values, row_indices in zip(values.numpy(), indices.numpy()):
        for value in np.unique(row_values):
            same = row_indices[row_values == value]
            assert np.all(np.diff(same) > 0)


def test_sort_special_values():
    x = np.array([3.0, np.nan, 1.0, 3.0, np.nan, -np.inf, 1.0, np.inf, -0.0, 0.0])
    e, t = pair_of(x, "float32")
    for call in (lambda m, a: a.sort(), lambda m, a: a.sort(descending=True, stable=True),
                 lambda m, a: a.argsort(stable=True), lambda m, a: m.sort(a, 0, True)):
        check_same(call, (e,), (t,))


# ----------------------------------------------------------------------------------------------
# topk, kthvalue
# ----------------------------------------------------------------------------------------------

@given(dtype=st.sampled_from(SORTABLE), shape=shapes, seed=st.integers(0, 2 ** 16),
       dim=st.integers(-3, 2), k=st.integers(-1, 6), largest=st.booleans())
def test_topk(dtype, shape, seed, dim, k, largest):
    e, t = pair_of(make_array(shape, dtype, seed, nan=True), dtype)
    try:
        expected = t.topk(k, dim, largest)
    except Exception as exc:  # noqa: BLE001 - torch decides which calls are errors
        with pytest.raises(type(exc)):
            e.topk(k, dim, largest)
        return
    got = e.topk(k, dim, largest)
    assert type(got).__name__ == "topk"
    assert_same(got.values, expected.values)
    assert got.indices.dtype == ember.int64 and got.indices.shape == expected.indices.shape
    check_selected(got.values, got.indices, e, dim)


@given(shape=st.lists(st.integers(1, 6), min_size=1, max_size=3).map(tuple),
       seed=st.integers(0, 2 ** 16), data=st.data())
def test_topk_and_kthvalue_distinct_values(shape, seed, data):
    e, t = pair_of(distinct_array(shape, seed), "float64")
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    k = data.draw(st.integers(1, shape[dim]))
    keepdim = data.draw(st.booleans())
    largest = data.draw(st.booleans())
    check_same(lambda m, x: m.topk(x, k, dim, largest), (e,), (t,))
    check_same(lambda m, x: x.topk(k, dim=dim, largest=largest, sorted=True), (e,), (t,))
    check_same(lambda m, x: m.kthvalue(x, k, dim, keepdim), (e,), (t,))


@pytest.mark.parametrize("largest", [True, False])
@pytest.mark.parametrize("k", [1, 7, 60, 300])
def test_topk_long_rows(k, largest):
    array = np.random.default_rng(k).integers(0, 40, size=(4, 300)).astype(np.float32)
    array[1, 5] = np.nan
    e, t = pair_of(array, "float32")
    got, expected = e.topk(k, 1, largest), t.topk(k, 1, largest)
    assert_same(got.values, expected.values)
    check_selected(got.values, got.indices, e, 1)
    distinct_e, distinct_t = pair_of(distinct_array((3, 200), k), "float64")
    check_same(lambda m, x: x.topk(k, largest=largest), (distinct_e,), (distinct_t,))


@given(dtype=st.sampled_from(SORTABLE), shape=shapes, seed=st.integers(0, 2 ** 16),
       dim=st.integers(-3, 2), k=st.integers(0, 6), keepdim=st.booleans())
def test_kthvalue(dtype, shape, seed, dim, k, keepdim):
    e, t = pair_of(make_array(shape, dtype, seed, nan=True), dtype)
    try:
        expected = t.kthvalue(k, dim, keepdim)
    except Exception as exc:  # noqa: BLE001
        with pytest.raises(type(exc)):
            e.kthvalue(k, dim, keepdim)
        return
    got = e.kthvalue(k, dim, keepdim)
    assert_same(got.values, expected.values)
    assert got.indices.shape == expected.indices.shape
    if keepdim or e.ndim == 0:
        check_selected(got.values, got.indices, e, dim)


# ----------------------------------------------------------------------------------------------
# quantile, nanquantile
# ----------------------------------------------------------------------------------------------

INTERPOLATIONS = ["linear", "lower", "higher", "midpoint", "nearest"]


@given(dtype=st.sampled_from(["float32", "float64"]), shape=shapes,
       seed=st.integers(0, 2 ** 16), data=st.data())
def test_quantile(dtype, shape, seed, data):
    e, t = pair_of(make_array(shape, dtype, seed, nan=data.draw(st.booleans())), dtype)
    ndim = len(shape)
    dim = data.draw(st.one_of(st.none(), st.integers(-max(ndim, 1), max(ndim, 1) - 1)))
    keepdim = data.draw(st.booleans())
    interpolation = data.draw(st.sampled_from(INTERPOLATIONS))
    as_tensor = data.draw(st.sampled_from(["float", "scalar_tensor", "vector"]))
    qs = data.draw(st.lists(st.floats(0, 1), min_size=1, max_size=3))
    if as_tensor == "float":
        eq = tq = qs[0]
    else:
        values = np.array(qs if as_tensor == "vector" else qs[0], dtype=dtype)
        eq, tq = pair_of(values, dtype)
    for name in ("quantile", "nanquantile"):
        check_same(lambda m, x, q, op=name: getattr(m, op)(x, q, dim, keepdim,
                                                           interpolation=interpolation),
                   (e, eq), (t, tq))


@pytest.mark.parametrize("call", [
    lambda m, x: x.quantile(1.5),
    lambda m, x: x.quantile(-0.1),
    lambda m, x: x.nanquantile(m.tensor([0.2, 1.5])),
    lambda m, x: x.quantile(m.tensor([[0.5]])),
    lambda m, x: x.quantile(m.tensor([0.5], dtype=m.float64)),
    lambda m, x: x.long().quantile(0.5),
    lambda m, x: x.quantile(0.5, interpolation="cubic"),
    lambda m, x: m.ones(0).quantile(0.5),
    lambda m, x: x.quantile(0.5, dim=2),
])
def test_quantile_errors(call):
    e, t = pair_of(np.arange(6.0).reshape(2, 3), "float32")
    check_same(call, (e,), (t,))


# ----------------------------------------------------------------------------------------------
# unique, unique_consecutive
# ----------------------------------------------------------------------------------------------

@given(dtype=st.sampled_from(SORTABLE), shape=shapes, seed=st.integers(0, 2 ** 16),
       data=st.data())
def test_unique(dtype, shape, seed, data):
    # Without NaN: PyTorch leaves the order among NaNs implementation-defined.
    e, t = pair_of(make_array(shape, dtype, seed), dtype)
    inverse = data.draw(st.booleans())
    counts = data.draw(st.booleans())
    ndim = len(shape)
    dim = data.draw(st.one_of(st.none(), st.integers(-max(ndim, 1), max(ndim, 1) - 1)))
    check_same(lambda m, x: m.unique(x, return_inverse=inverse, return_counts=counts, dim=dim),
               (e,), (t,))
    check_same(lambda m, x: x.unique(sorted=False, return_inverse=inverse, dim=dim), (e,), (t,))
    check_same(lambda m, x: m.unique_consecutive(x, return_inverse=inverse,
                                                 return_counts=counts, dim=dim), (e,), (t,))


def test_unique_nan_and_rows():
    x = np.array([[1.0, np.nan], [1.0, np.nan], [0.0, 5.0], [1.0, 2.0]])
    e, t = pair_of(x, "float64")
    rows, t_rows = pair_of(np.array([[1.0, 3.0], [1.0, 3.0], [0.0, 5.0], [1.0, 2.0]]), "float64")
    check_same(lambda m, a: m.unique(a, dim=0, return_inverse=True, return_counts=True),
               (rows,), (t_rows,))
    for call in (lambda m, a: m.unique(a, return_counts=True),
                 lambda m, a: m.unique(a[:, :1], dim=0, return_inverse=True),
                 lambda m, a: m.unique_consecutive(a, dim=0, return_counts=True),
                 lambda m, a: m.unique(a, dim=1, return_inverse=True)):
        check_same(call, (e,), (t,))


# ----------------------------------------------------------------------------------------------
# bincount, histc, histogram
# ----------------------------------------------------------------------------------------------

@given(size=st.integers(0, 12), high=st.integers(1, 8), minlength=st.integers(0, 10),
       weights=st.sampled_from([None, "float32", "float64", "float16", "int64"]),
       seed=st.integers(0, 2 ** 16))
def test_bincount(size, high, minlength, weights, seed):
    rng = np.random.default_rng(seed)
    e, t = pair_of(rng.integers(0, high, size=size), "int64")
    if weights is None:
        check_same(lambda m, x: m.bincount(x, minlength=minlength), (e,), (t,))
        return
    ew, tw = pair_of(rng.standard_normal(size).round(2), weights)
    check_same(lambda m, x, w: m.bincount(x, w, minlength), (e, ew), (t, tw))
    check_same(lambda m, x, w: x.bincount(weights=w), (e, ew), (t, tw))


@pytest.mark.parametrize("call", [
    lambda m: m.bincount(m.tensor([-1, 2])),
    lambda m: m.bincount(m.tensor([[1, 2]])),
    lambda m: m.bincount(m.tensor([1.0, 2.0])),
    lambda m: m.bincount(m.tensor([True])),
    lambda m: m.bincount(m.tensor([1, 2]), minlength=-1),
    lambda m: m.bincount(m.tensor([1, 2]), m.tensor([1.0])),
])
def test_bincount_errors(call):
    check_same(lambda m: call(m), (), ())


@given(dtype=st.sampled_from(["float16", "bfloat16", "float32", "float64"]),
       shape=shapes, seed=st.integers(0, 2 ** 16), bins=st.integers(1, 12),
       bounds=st.sampled_from([(0, 0), (-2, 2), (0.5, 3), (1, 1), (-10, 7.5)]))
def test_histc(dtype, shape, seed, bins, bounds):
    array = make_array(shape, dtype, seed) * 0.7
    e, t = pair_of(array, dtype)
    check_same(lambda m, x: m.histc(x, bins, *bounds), (e,), (t,))
    check_same(lambda m, x: x.histc(bins=bins, min=bounds[0], max=bounds[1]), (e,), (t,))


@given(dtype=st.sampled_from(["float32", "float64"]), shape=shapes,
       seed=st.integers(0, 2 ** 16), bins=st.integers(1, 9), data=st.data())
def test_histogram(dtype, shape, seed, bins, data):
    e, t = pair_of(make_array(shape, dtype, seed) * 0.9, dtype)
    range_ = data.draw(st.sampled_from([None, (-2.0, 2.0), (0.0, 1.5), (1.0, 1.0)]))
    density = data.draw(st.booleans())
    weighted = data.draw(st.booleans())
    weight = make_array(shape, dtype, seed + 1) if weighted else None
    ew, tw = pair_of(weight, dtype) if weighted else (None, None)
    check_same(lambda m, x, w: m.histogram(x, bins, range=range_, weight=w, density=density),
               (e, ew), (t, tw))
    edges = np.sort(np.random.default_rng(seed).uniform(-3, 3, size=bins + 1))
    ee, te = pair_of(edges, dtype)
    check_same(lambda m, x, b, w: x.histogram(b, weight=w, density=density),
               (e, ee, ew), (t, te, tw))


@pytest.mark.parametrize("call", [
    lambda m: m.histc(m.tensor([1.0, float("nan")])),
    lambda m: m.histc(m.tensor([1.0, float("inf")])),
    lambda m: m.histc(m.tensor([1.0, 2.0]), bins=0),
    lambda m: m.histc(m.tensor([1.0, 2.0]), 4, 3, 1),
    lambda m: m.histc(m.tensor([1, 2])),
    lambda m: m.histc(m.tensor([True])),
    lambda m: m.histogram(m.tensor([1.0, float("nan")])),
    lambda m: m.histogram(m.tensor([1.0, 2.0]), 3, range=(3.0, 1.0)),
    lambda m: m.histogram(m.tensor([1.0, 2.0]), 3, range=(0.0, float("inf"))),
    lambda m: m.histogram(m.tensor([1, 2]), 3),
    lambda m: m.histogram(m.tensor([1.0, 2.0]), m.tensor([1.0, 2.0], dtype=m.float64)),
    lambda m: m.histogram(m.tensor([1.0, 2.0]), m.tensor([[1.0, 2.0]])),
    lambda m: m.histogram(m.tensor([1.0, 2.0]), m.tensor([1.0])),
    lambda m: m.histogram(m.tensor([1.0, 2.0]), 3, weight=m.tensor([1.0, 2.0, 3.0])),
    lambda m: m.histogram(m.tensor([1.0, 2.0]), 3, weight=m.tensor([1, 2])),
])
def test_histogram_errors(call):
    check_same(lambda m: call(m), (), ())


# ----------------------------------------------------------------------------------------------
# errors, named tuples, out=
# ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("call", [
    lambda m, x: x.cfloat().sort(),
    lambda m, x: x.cfloat().argsort(),
    lambda m, x: x.bool().topk(1),
    lambda m, x: x.topk(4),
    lambda m, x: x.topk(-1),
    lambda m, x: x.sort(2),
    lambda m, x: x.kthvalue(0),
    lambda m, x: x.kthvalue(4, 1),
    lambda m, x: x.bool().kthvalue(1),
    lambda m, x: m.empty(2, 0).kthvalue(1),
    lambda m, x: m.empty(0, 2).median(0),
    lambda m, x: x.bool().median(),
    lambda m, x: x.bool().nanmedian(0),
    lambda m, x: x.cfloat().mode(),
    lambda m, x: m.empty(0, 2).mode(0),
    lambda m, x: x.median((0, 1)),
    lambda m, x: x.median(keepdim=True),
    lambda m, x: x.nanmedian(keepdim=True),
    lambda m, x: x.cfloat().unique(),
    lambda m, x: m.empty(2, 0).unique(dim=0),
])
def test_errors(call):
    e, t = pair_of(np.arange(6.0).reshape(2, 3), "float32")
    check_same(call, (e,), (t,))


def test_named_tuples_and_out():
    x = np.array([[3.0, 1.0, 2.0], [0.5, 4.0, -1.0]])
    e, t = pair_of(x, "float32")
    for call in (lambda a: a.sort(1), lambda a: a.topk(2), lambda a: a.kthvalue(2, 0),
                 lambda a: a.median(1), lambda a: a.nanmedian(0), lambda a: a.mode(1),
                 lambda a: ember.histogram(a, 3) if isinstance(a, ember.Tensor) else
                 torch.histogram(a, 3)):
        got, expected = call(e), call(t)
        assert type(got).__name__ == type(expected).__name__
        assert got._fields == tuple(expected._fields if hasattr(expected, "_fields") else
                                    got._fields)
        assert repr(got).startswith(f"torch.return_types.{type(got).__name__}(\n")
        compare(got, expected)
    values, indices = ember.empty(0), ember.empty(0, dtype=ember.int64)
    result = ember.sort(e, 1, out=(values, indices))
    assert result.values is values and result.indices is indices
    assert_same(indices, t.sort(1).indices)
    result = ember.topk(e, 1, out=(values, indices))
    assert_same(values, t.topk(1).values)
    with pytest.raises(RuntimeError):
        ember.sort(e, out=(ember.empty(0, dtype=ember.float64), indices))


def test_median_full_and_empty():
    for dtype in ["int64", "uint8", "float16", "float32"]:
        e, t = pair_of(np.zeros(0), dtype)
        check_same(lambda m, x: x.median(), (e,), (t,))
        check_same(lambda m, x: x.nanmedian(), (e,), (t,))
    e, t = pair_of(np.array([[2.0, np.nan], [1.0, 5.0]]), "float32")
    for call in (lambda m, x: x.median(), lambda m, x: x.nanmedian(),
                 lambda m, x: x.median(0), lambda m, x: x.nanmedian(1, True)):
        check_same(call, (e,), (t,))


# ----------------------------------------------------------------------------------------------
# gradients
# ----------------------------------------------------------------------------------------------

DISTINCT = distinct_array((3, 5), 7)
TIES = np.array([[1.0, 3.0, 3.0, -1.0, 2.0], [2.0, 2.0, 0.0, 2.0, 0.0],
                 [0.0, -2.0, 5.0, 5.0, 1.0]])
NAN = np.array([[1.0, np.nan, 2.0, 0.5], [3.0, 0.0, 3.0, 1.0]])

GRAD_CASES = {
    "sort": (lambda m, x: x.sort(1), DISTINCT),
    "sort_descending_dim0": (lambda m, x: m.sort(x, 0, True), DISTINCT),
    "sort_stable": (lambda m, x: x.sort(stable=True, dim=1), TIES),
    "msort": (lambda m, x: x.msort(), DISTINCT),
    "topk": (lambda m, x: x.topk(2), DISTINCT),
    "topk_smallest_dim0": (lambda m, x: x.topk(2, 0, largest=False), DISTINCT),
    "kthvalue": (lambda m, x: x.kthvalue(2, 1), DISTINCT),
    "kthvalue_keepdim": (lambda m, x: x.kthvalue(3, 0, True), DISTINCT),
    "median_all_ties": (lambda m, x: x.median(), TIES),
    "median_dim_ties": (lambda m, x: x.median(1), TIES),
    "median_nan": (lambda m, x: x.median(1, True), NAN),
    "median_all_nan": (lambda m, x: x.median(), NAN),
    "nanmedian": (lambda m, x: x.nanmedian(), NAN),
    "nanmedian_dim": (lambda m, x: x.nanmedian(1), NAN),
    "mode": (lambda m, x: x.mode(1), TIES),
    "mode_dim0": (lambda m, x: x.mode(0, True), TIES),
    "quantile": (lambda m, x: x.quantile(0.3), DISTINCT),
    "quantile_dim": (lambda m, x: x.quantile(m.tensor([0.1, 0.5, 0.9], dtype=m.float64), 1),
                     DISTINCT),
    "quantile_midpoint": (lambda m, x: x.quantile(0.4, 0, True, interpolation="midpoint"),
                          DISTINCT),
    "quantile_lower": (lambda m, x: x.quantile(0.4, 1, interpolation="lower"), DISTINCT),
    "nanquantile": (lambda m, x: x.nanquantile(0.7, 1), NAN),
}


def grad_check(fn, array, transpose=False):
    e = ember.from_numpy(array.copy()).requires_grad_(True)
    t = torch.from_numpy(array.copy()).requires_grad_(True)
    e_in, t_in = (e.t(), t.t()) if transpose else (e, t)
    e_out, t_out = fn(ember, e_in), fn(torch, t_in)
    if isinstance(t_out, tuple):
        e_out, t_out = e_out[0], t_out[0]
    assert e_out.grad_fn.name() == t_out.grad_fn.name()
    weights = np.asarray(np.random.default_rng(2).standard_normal(tuple(t_out.shape)))
    (e_out * ember.from_numpy(weights.copy())).sum().backward()
    (t_out * torch.from_numpy(weights.copy())).sum().backward()
    assert_same(e.grad, t.grad, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("transpose", [False, True])
@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_gradients(name, transpose):
    fn, array = GRAD_CASES[name]
    grad_check(fn, array, transpose)


@pytest.mark.parametrize("name", ["sort", "topk", "kthvalue", "median_dim_ties", "quantile_dim"])
def test_double_backward(name):
    fn, array = GRAD_CASES[name]
    results = []
    for m in (ember, torch):
        x = m.from_numpy(array.copy()).requires_grad_(True)
        out = fn(m, x)
        out = out[0] if isinstance(out, tuple) else out
        weights = m.from_numpy(np.linspace(-1, 1, out.numel()).reshape(tuple(out.shape)))
        (g,) = m.autograd.grad((out * out * weights).sum(), x, create_graph=True)
        (gg,) = m.autograd.grad((g * g).sum(), x)
        results.append((g, gg))
    assert_same(results[0][0], results[1][0], rtol=1e-9, atol=1e-9)
    assert_same(results[0][1], results[1][1], rtol=1e-9, atol=1e-9)


def test_grad_fn_names_and_nondifferentiable_ops():
    e = ember.from_numpy(DISTINCT.copy()).requires_grad_(True)
    t = torch.from_numpy(DISTINCT.copy()).requires_grad_(True)
    for call in (lambda m, x: x.sort()[0], lambda m, x: x.sort(stable=False)[0],
                 lambda m, x: x.msort(), lambda m, x: x.nanmedian(),
                 lambda m, x: x.nanmedian(0)[0], lambda m, x: x.median(0)[0],
                 lambda m, x: x.quantile(0.5), lambda m, x: m.unique(x),
                 lambda m, x: m.unique(x, dim=0), lambda m, x: m.unique_consecutive(x)):
        assert call(ember, e).grad_fn.name() == call(torch, t).grad_fn.name()
    with pytest.raises(NotImplementedError, match="the derivative for '_unique2' is not "
                                                  "implemented"):
        e.unique().sum().backward()
    assert e.argsort().grad_fn is None
    assert not e.histc().requires_grad
