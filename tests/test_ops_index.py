"""The index/gather/scatter op family compared with PyTorch: values and dtypes, in-place and
out= forms, errors, gradients (float64, with non-contiguous and broadcast inputs), double
backward and finite differences."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, strategies as st

import ember
from parity import assert_same, numerical_grad

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.filterwarnings("ignore:index_reduce", "ignore:The reduce argument",
                                        "ignore:Casting complex")

X = np.arange(12, dtype=np.float64).reshape(3, 4) * 0.5 - 2
S = np.arange(12, dtype=np.float64).reshape(3, 4) * -1.5 + 3
NAN = float("nan")


def outcome(fn, lib):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(lib), None
    except Exception as exc:  # noqa: BLE001 - the exception is what gets compared
        return None, exc


def check(fn, rtol=None, message=True):
    """Run ``fn(lib)`` with both libraries; results must match, or both must raise alike."""
    out_e, err_e = outcome(fn, ember)
    out_t, err_t = outcome(fn, torch)
    if err_t is not None:
        assert err_e is not None, f"torch raised {err_t!r}, ember returned {out_e!r}"
        assert type(err_e) is type(err_t), (err_e, err_t)
        if message:
            assert str(err_e) == str(err_t)
        return
    assert err_e is None, err_e
    assert_same(out_e, out_t, rtol=rtol)


def t(lib, data, dtype=None):
    return lib.tensor(data, dtype=getattr(lib, dtype) if dtype else None)


def x(lib, dtype="float64"):
    return t(lib, X, dtype)


def s(lib, dtype="float64"):
    return t(lib, S, dtype)


IDX = [[0, 1, 2, 0], [2, 2, 1, 0]]
IDX_SMALL = [[1, 0], [2, 2]]

VALUE_CASES = {
    # gather
    "gather0": lambda L: L.gather(x(L), 0, t(L, IDX)),
    "gather1": lambda L: L.gather(x(L), 1, t(L, IDX_SMALL)),
    "gather_neg_dim": lambda L: x(L).gather(-1, t(L, IDX_SMALL)),
    "gather_int32": lambda L: L.gather(x(L), 0, t(L, IDX, "int32")),
    "gather_bigger_in_dim": lambda L: L.gather(x(L), 0, t(L, [[0, 1]] * 5)),
    "gather_empty": lambda L: L.gather(x(L), 0, t(L, np.zeros((0, 9), np.int64))),
    "gather_0d": lambda L: L.gather(t(L, 5.0), 0, t(L, 0)),
    "gather_0d_self_1d_index": lambda L: L.gather(t(L, 5.0), 0, t(L, [0, 0])),
    "gather_1d_self_0d_index": lambda L: L.gather(t(L, [5.0, 6.0]), 0, t(L, 1)),
    "gather_transposed": lambda L: L.gather(x(L).t(), 1, t(L, [[2, 0, 1]] * 4)),
    "gather_bool": lambda L: L.gather(t(L, X > 0), 1, t(L, IDX_SMALL)),
    # scatter
    "scatter_src": lambda L: L.scatter(x(L), 0, t(L, IDX_SMALL), s(L)),
    "scatter_value": lambda L: L.scatter(x(L), 1, t(L, IDX_SMALL), 9.5),
    "scatter_value_kw": lambda L: x(L).scatter(1, t(L, IDX_SMALL), value=-1),
    "scatter_add_reduce": lambda L: L.scatter(x(L), 0, t(L, IDX), s(L), reduce="add"),
    "scatter_mul_reduce": lambda L: L.scatter(x(L), 0, t(L, IDX), s(L), reduce="multiply"),
    "scatter_value_add": lambda L: L.scatter(x(L), 0, t(L, IDX), 2.0, reduce="add"),
    "scatter_value_mul": lambda L: L.scatter(x(L), 0, t(L, IDX), 2.0, reduce="multiply"),
    "scatter_dups_last_wins": lambda L: L.scatter(L.zeros(5), 0, t(L, [1, 1, 1, 3, 3]),
                                                  t(L, [1.0, 2.0, 3.0, 4.0, 5.0])),
    "scatter_int": lambda L: L.scatter(x(L, "int64"), 1, t(L, IDX_SMALL), s(L, "int64")),
    "scatter_0d": lambda L: t(L, 1.0).scatter(0, t(L, 0), t(L, 5.0)),
    "scatter_value_int_to_uint8": lambda L: L.scatter(x(L, "uint8"), 0, t(L, IDX), -3),
    # scatter_add
    "scatter_add": lambda L: L.scatter_add(x(L), 0, t(L, IDX), s(L)),
    "scatter_add_dim1": lambda L: L.scatter_add(x(L), 1, t(L, IDX_SMALL), s(L)),
    "scatter_add_half": lambda L: L.scatter_add(L.ones(3, dtype=L.float16), 0,
                                                L.zeros(3000, dtype=L.int64),
                                                L.full((3000,), 0.1, dtype=L.float16)),
    "scatter_add_bf16": lambda L: L.scatter_add(L.ones(3, dtype=L.bfloat16), 0,
                                                L.zeros(300, dtype=L.int64),
                                                L.full((300,), 0.1, dtype=L.bfloat16)),
    "scatter_add_bool": lambda L: L.scatter_add(t(L, [True, False, False]), 0, t(L, [1, 1]),
                                                t(L, [True, True])),
    "scatter_add_0d": lambda L: L.scatter_add(t(L, 1.0), 0, t(L, 0), t(L, 5.0)),
    "scatter_add_int32": lambda L: L.scatter_add(x(L, "int32"), 0, t(L, IDX), s(L, "int32")),
    "scatter_add_complex": lambda L: L.scatter_add(x(L, "complex64"), 0, t(L, IDX),
                                                   s(L, "complex64")),
    "masked_fill_bool_value": lambda L: L.masked_fill(x(L), t(L, X > 0), True),
}

for _reduce in ["sum", "prod", "mean", "amax", "amin"]:
    for _include in [True, False]:
        for _dtype in ["float64", "int64", "float32"]:
            VALUE_CASES[f"scatter_reduce_{_reduce}_{_include}_{_dtype}"] = (
                lambda L, r=_reduce, i=_include, d=_dtype: L.scatter_reduce(
                    x(L, d) * 3, 0, t(L, IDX), s(L, d), r, include_self=i))
        if _reduce != "sum":
            VALUE_CASES[f"index_reduce_{_reduce}_{_include}"] = (
                lambda L, r=_reduce, i=_include: L.index_reduce(
                    x(L), 0, t(L, [0, 2, 0, 0]), t(L, np.arange(16.0).reshape(4, 4) - 5), r,
                    include_self=i))
            VALUE_CASES[f"index_reduce_{_reduce}_{_include}_int_dim1"] = (
                lambda L, r=_reduce, i=_include: L.index_reduce(
                    x(L, "int64") * 7, 1, t(L, [3, 3, 0], "int32"), s(L, "int64")[:, :3] - 9,
                    r, include_self=i))

VALUE_CASES.update({
    "scatter_reduce_nan": lambda L: L.scatter_reduce(t(L, [1.0, NAN, 3.0, 4.0]), 0,
                                                     t(L, [0, 1, 2, 2]),
                                                     t(L, [NAN, 2.0, 5.0, -1.0]), "amax"),
    "scatter_reduce_bool_amax": lambda L: L.scatter_reduce(t(L, [True, False, False]), 0,
                                                           t(L, [1, 1]), t(L, [True, True]),
                                                           "amax"),
    "scatter_reduce_max_alias": lambda L: L.scatter_reduce(x(L), 0, t(L, IDX), s(L), "max"),
    "scatter_reduce_mean_half": lambda L: L.scatter_reduce(
        L.ones(3, dtype=L.float16), 0, L.zeros(3000, dtype=L.int64),
        L.full((3000,), 0.1, dtype=L.float16), "mean"),
    # index_select
    "index_select0": lambda L: L.index_select(x(L), 0, t(L, [2, 0, 2])),
    "index_select1": lambda L: x(L).index_select(1, t(L, [3, 1], "int32")),
    "index_select_0d_index": lambda L: L.index_select(x(L), 0, t(L, 1)),
    "index_select_0d_self": lambda L: L.index_select(t(L, 5.0), 0, t(L, [0])),
    "index_select_empty": lambda L: L.index_select(x(L), 1, t(L, [], "int64")),
    "index_select_transposed": lambda L: L.index_select(x(L).t(), 0, t(L, [3, 0])),
    # index_add / index_copy / index_fill
    "index_add": lambda L: L.index_add(x(L), 0, t(L, [0, 0, 2]), t(L, np.ones((3, 4)))),
    "index_add_alpha": lambda L: x(L).index_add(1, t(L, [3, 3]), s(L)[:, :2], alpha=-2.5),
    "index_add_int_alpha": lambda L: L.index_add(x(L, "int64"), 0, t(L, [0]),
                                                 s(L, "int64")[:1], alpha=1.5),
    "index_add_half": lambda L: L.index_add(L.ones(3, dtype=L.float16), 0,
                                            L.zeros(3000, dtype=L.int64),
                                            L.full((3000,), 0.1, dtype=L.float16)),
    "index_add_0d": lambda L: L.index_add(t(L, 1.0), 0, t(L, 0), t(L, 5.0)),
    "index_add_bool": lambda L: L.index_add(t(L, [True, False]), 0, t(L, [1, 1]),
                                            t(L, [True, True])),
    "index_copy": lambda L: L.index_copy(x(L), 1, t(L, [2, 0]), s(L)[:, :2]),
    "index_copy_dups": lambda L: L.index_copy(L.zeros(3), 0, t(L, [0, 0, 0]),
                                              t(L, [1.0, 2.0, 3.0])),
    "index_copy_0d": lambda L: L.index_copy(L.zeros(3), 0, t(L, 1), t(L, 5.0)),
    "index_fill": lambda L: L.index_fill(x(L), 1, t(L, [0, -1]), -7.5),
    "index_fill_tensor_value": lambda L: L.index_fill(x(L, "int64"), 0, t(L, [1]), t(L, 5.7)),
    "index_fill_0d_index": lambda L: L.index_fill(x(L), 1, t(L, 2), 5.0),
    "index_fill_0d_self": lambda L: L.index_fill(t(L, 1.0), 0, t(L, 0), 5.0),
    "index_fill_bool": lambda L: L.index_fill(t(L, X > 0), 1, t(L, [0, 2]), True),
    # index_put
    "index_put": lambda L: L.index_put(x(L), (t(L, [0, 2]),), s(L)[:2]),
    "index_put_pair": lambda L: x(L).index_put((t(L, [0, 2, 0]), t(L, [1, 3, 1])),
                                               t(L, [1.0, 2.0, 3.0])),
    "index_put_acc": lambda L: L.index_put(x(L), (t(L, [0, 2, 0]), t(L, [1, 3, 1])),
                                           t(L, [1.0, 2.0, 3.0]), accumulate=True),
    "index_put_acc_broadcast": lambda L: L.index_put(x(L), (t(L, [0, 0, 1]),), t(L, 2.0),
                                                     accumulate=True),
    "index_put_mask": lambda L: L.index_put(x(L), (t(L, X > 0),), t(L, -1.0)),
    "index_put_mask_values": lambda L: L.index_put(x(L), (t(L, X > 0),), t(L, np.arange(7.0))),
    "index_put_mask_cast": lambda L: L.index_put(x(L), (t(L, X > 0),), t(L, 3, "int64")),
    "index_put_int32": lambda L: L.index_put(x(L), [t(L, [1], "int32")], t(L, 0.0)),
    "index_put_0d_true": lambda L: L.index_put(x(L), (t(L, True),), t(L, 1.0)),
    "index_put_0d_false": lambda L: L.index_put(x(L), (t(L, False),), t(L, 1.0)),
    "index_put_0d_int": lambda L: L.index_put(x(L), (t(L, 1),), t(L, 1.0)),
    "index_put_half_acc": lambda L: L.index_put(L.ones(3, dtype=L.float16),
                                                (L.zeros(3000, dtype=L.int64),),
                                                L.full((3000,), 0.1, dtype=L.float16),
                                                accumulate=True),
    # masked
    "masked_fill": lambda L: L.masked_fill(x(L), t(L, X > 0), 9.0),
    "masked_fill_broadcast_mask": lambda L: L.masked_fill(x(L), t(L, [True, False, True, False]),
                                                          9.0),
    "masked_fill_bigger_mask": lambda L: L.masked_fill(x(L), t(L, np.ones((2, 3, 4), bool)), 1.0),
    "masked_fill_tensor_value": lambda L: L.masked_fill(x(L, "float32"), t(L, X > 0),
                                                        t(L, 2.0, "float64")),
    "masked_fill_int_self": lambda L: L.masked_fill(x(L, "int64"), t(L, X > 0), 2.7),
    "masked_fill_bool_self": lambda L: L.masked_fill(t(L, X > 0), t(L, X > 1), False),
    "masked_fill_uint8_wrap": lambda L: L.masked_fill(x(L, "uint8"), t(L, X > 1), -5),
    "masked_scatter": lambda L: L.masked_scatter(x(L), t(L, X > 0), s(L)),
    "masked_scatter_broadcast": lambda L: L.masked_scatter(x(L), t(L, [True, False, True, True]),
                                                           t(L, np.arange(20.0))),
    "masked_scatter_bigger_mask": lambda L: L.masked_scatter(x(L), t(L, np.ones((2, 3, 4), bool)),
                                                             t(L, np.arange(24.0))),
    "masked_select": lambda L: L.masked_select(x(L), t(L, X > 0)),
    "masked_select_broadcast": lambda L: x(L).masked_select(t(L, [True, False, True, True])),
    "masked_select_bigger_mask": lambda L: L.masked_select(x(L)[0], t(L, X > 0)),
    # nonzero family
    "nonzero": lambda L: L.nonzero(x(L)),
    "nonzero_tuple": lambda L: L.nonzero(x(L), as_tuple=True),
    "nonzero_bool": lambda L: (t(L, X > 0)).nonzero(),
    "nonzero_0d": lambda L: L.nonzero(t(L, 5)),
    "nonzero_0d_zero": lambda L: L.nonzero(t(L, 0)),
    "nonzero_0d_tuple": lambda L: L.nonzero(t(L, 5), as_tuple=True),
    "nonzero_nan": lambda L: L.nonzero(t(L, [0.0, NAN, -0.0, 1.0])),
    "nonzero_empty": lambda L: L.nonzero(L.zeros(0, 3)),
    "nonzero_complex": lambda L: L.nonzero(t(L, [0j, 1j, 0j])),
    "argwhere": lambda L: L.argwhere(x(L)),
    "argwhere_method": lambda L: (t(L, X > 0)).argwhere(),
    "nonzero_static": lambda L: L.nonzero_static(t(L, [[1, 0], [0, 1]]), size=3),
    "nonzero_static_cut": lambda L: L.nonzero_static(t(L, [[1, 0], [0, 1]]), size=1,
                                                     fill_value=7),
    "nonzero_static_0d": lambda L: L.nonzero_static(t(L, 1), size=2),
    # take / put / take_along_dim
    "take": lambda L: L.take(x(L), t(L, [[0, -1], [5, 11]])),
    "take_0d": lambda L: L.take(t(L, 5.0), t(L, 0)),
    "take_transposed": lambda L: x(L).t().take(t(L, [1, 2, 3])),
    "put": lambda L: x(L).put(t(L, [[0, -1]]), t(L, [10.0, 20.0])),
    "put_dups": lambda L: L.put(L.zeros(3), t(L, [0, 0, 0]), t(L, [1.0, 2.0, 3.0])),
    "put_dups_sparse": lambda L: L.put(L.zeros(9000, dtype=L.float64), t(L, [5, 8999, 5]),
                                       t(L, [1.0, 2.0, 3.0])),
    "scatter_dups_sparse": lambda L: L.scatter(L.zeros(9000, dtype=L.float64), 0,
                                               t(L, [7, 7, 1]), t(L, [1.0, 2.0, 3.0])),
    "put_acc": lambda L: L.put(x(L), t(L, [0, 0, 11]), t(L, [[1.0], [2.0], [3.0]]),
                               accumulate=True),
    "put_acc_half": lambda L: L.ones(3, dtype=L.bfloat16).put_(
        L.zeros(3000, dtype=L.int64), L.full((3000,), 0.1, dtype=L.bfloat16), accumulate=True),
    "put_transposed": lambda L: x(L).t().put(t(L, [1, 2]), t(L, [10.0, 20.0])),
    "take_along_dim": lambda L: L.take_along_dim(x(L), t(L, [[1], [0], [3]]), 1),
    "take_along_dim_none": lambda L: L.take_along_dim(x(L), t(L, [[1, 11]])),
    "take_along_dim_broadcast": lambda L: L.take_along_dim(x(L), t(L, [[1, 0]]), 0),
    "take_along_dim_broadcast_self": lambda L: L.take_along_dim(x(L)[:1], t(L, [[1], [0]]), 1),
    "take_along_dim_method": lambda L: x(L).take_along_dim(t(L, [[0, 2, 1, 0]]), dim=0),
    # searchsorted / bucketize
    "searchsorted": lambda L: L.searchsorted(t(L, [1.0, 2.0, 2.0, 3.0]), t(L, [[2.0, 0.5, 9.0]])),
    "searchsorted_right": lambda L: L.searchsorted(t(L, [1.0, 2.0, 2.0, 3.0]), t(L, [2.0, 1.0]),
                                                   right=True),
    "searchsorted_side": lambda L: L.searchsorted(t(L, [1.0, 2.0, 2.0, 3.0]), t(L, [2.0, 1.0]),
                                                  side="right"),
    "searchsorted_side_left_right_false": lambda L: L.searchsorted(t(L, [1, 2, 3]), 2,
                                                                   right=False, side="right"),
    "searchsorted_nd": lambda L: L.searchsorted(t(L, [[1.0, 3.0, 5.0], [0.0, 0.0, 2.0]]),
                                                t(L, [[3.0, 6.0], [0.0, 1.0]])),
    "searchsorted_nd_right": lambda L: L.searchsorted(t(L, [[1.0, 3.0, 5.0], [0.0, 0.0, 2.0]]),
                                                      t(L, [[3.0, 6.0], [0.0, 1.0]]), right=True),
    "searchsorted_scalar": lambda L: L.searchsorted(t(L, [1.0, 2.0, 3.0]), 2.5),
    "searchsorted_0d": lambda L: L.searchsorted(t(L, [1.0, 2.0]), t(L, 1.5)),
    "searchsorted_int32": lambda L: L.searchsorted(t(L, [1, 2, 3]), t(L, [1.5, 2.5]),
                                                   out_int32=True),
    "searchsorted_mixed": lambda L: L.searchsorted(t(L, [1, 2, 3]), t(L, [1.5, 2.0, 3.5])),
    "searchsorted_half": lambda L: L.searchsorted(t(L, [1.0, 2.0], "float16"), t(L, [1.5])),
    "searchsorted_nan": lambda L: L.searchsorted(t(L, [1.0, 2.0, NAN]),
                                                 t(L, [NAN, 3.0, 1.0])),
    "searchsorted_sorter": lambda L: L.searchsorted(t(L, [3.0, 1.0, 2.0]), t(L, [2.5, 0.0]),
                                                    sorter=t(L, [1, 2, 0])),
    "searchsorted_sorter_nd": lambda L: L.searchsorted(t(L, [[3.0, 1.0, 2.0]]), t(L, [[2.5]]),
                                                       sorter=t(L, [[1, 2, 0]])),
    "searchsorted_empty": lambda L: L.searchsorted(L.zeros(0), t(L, [2.5])),
    "searchsorted_empty_nd": lambda L: L.searchsorted(L.zeros(2, 0), t(L, [[2.5], [1.0]])),
    "searchsorted_f32_scalar": lambda L: L.searchsorted(t(L, [0.1], "float32"), 0.1, right=True),
    "bucketize": lambda L: L.bucketize(t(L, [[0.5, 2.0], [7.0, 1.0]]), t(L, [1.0, 2.0, 3.0])),
    "bucketize_right_int32": lambda L: L.bucketize(t(L, [1.0, 2.0]), t(L, [1.0, 2.0]),
                                                   out_int32=True, right=True),
    "bucketize_scalar": lambda L: L.bucketize(3, t(L, [1, 5])),
    "bucketize_int": lambda L: L.bucketize(t(L, [1, 9]), t(L, [1.0, 5.0])),
})


@pytest.mark.parametrize("name", sorted(VALUE_CASES))
def test_values_match_torch(name):
    check(VALUE_CASES[name])


ERROR_CASES = {
    "gather_float_index": lambda L: L.gather(x(L), 0, t(L, IDX, "float32")),
    "gather_int16_index": lambda L: L.gather(x(L), 0, t(L, IDX, "int16")),
    "gather_oob": lambda L: L.gather(x(L), 0, t(L, [[5]])),
    "gather_negative": lambda L: L.gather(x(L), 0, t(L, [[-1]])),
    "gather_rank": lambda L: L.gather(x(L), 0, t(L, [0])),
    "gather_too_big": lambda L: L.gather(x(L), 0, L.zeros(2, 5, dtype=L.int64)),
    "gather_dim": lambda L: L.gather(x(L), 2, t(L, IDX)),
    "gather_0d_oob": lambda L: L.gather(t(L, 5.0), 0, t(L, 1)),
    "scatter_dtype": lambda L: L.scatter(x(L), 0, t(L, IDX), s(L, "float32")),
    "scatter_float_index": lambda L: L.scatter(x(L), 0, t(L, IDX, "float64"), s(L)),
    "scatter_oob": lambda L: L.scatter(x(L), 0, t(L, [[5]]), s(L)),
    "scatter_negative": lambda L: L.scatter(x(L), 0, t(L, [[-1]]), s(L)),
    "scatter_src_small": lambda L: L.scatter(x(L), 0, t(L, IDX), s(L)[:1, :2]),
    "scatter_index_big": lambda L: L.scatter(x(L), 0, L.zeros(1, 5, dtype=L.int64),
                                             L.ones(3, 5, dtype=L.float64)),
    "scatter_value_index_big": lambda L: L.scatter(x(L), 0, L.zeros(1, 5, dtype=L.int64), 2.0),
    "scatter_rank": lambda L: L.scatter(x(L), 0, t(L, [0]), s(L)),
    "scatter_src_rank": lambda L: L.scatter(x(L), 0, t(L, IDX), t(L, 2.0)),
    "scatter_bad_reduce": lambda L: L.scatter(x(L), 0, t(L, IDX), s(L), reduce="mean"),
    "scatter_value_bad_reduce": lambda L: L.scatter(x(L), 0, t(L, IDX), 2.0, reduce="sum"),
    "scatter_complex_value": lambda L: L.scatter(x(L), 0, t(L, IDX), 2j),
    "scatter_add_dtype": lambda L: L.scatter_add(x(L), 0, t(L, IDX), s(L, "float32")),
    "scatter_add_float_index": lambda L: L.scatter_add(x(L), 0, t(L, IDX, "float32"), s(L)),
    "scatter_reduce_bad": lambda L: L.scatter_reduce(x(L), 0, t(L, IDX), s(L), "foo"),
    "scatter_reduce_dtype": lambda L: L.scatter_reduce(x(L), 0, t(L, IDX), s(L, "float32"), "sum"),
    "scatter_reduce_bool_mean": lambda L: L.scatter_reduce(t(L, [True]), 0, t(L, [0]),
                                                           t(L, [True]), "mean"),
    "scatter_reduce_complex_amin": lambda L: L.scatter_reduce(x(L, "complex64"), 0, t(L, IDX),
                                                              s(L, "complex64"), "amin"),
    "index_reduce_complex_amax": lambda L: L.index_reduce(x(L, "complex128"), 0, t(L, [0]),
                                                          s(L, "complex128")[:1], "amax"),
    "index_reduce_bool_mean": lambda L: L.index_reduce(t(L, [True]), 0, t(L, [0]),
                                                       t(L, [True]), "mean"),
    "index_select_2d": lambda L: L.index_select(x(L), 0, t(L, [[0]])),
    "index_select_float": lambda L: L.index_select(x(L), 0, t(L, [0.0])),
    "index_select_int16": lambda L: L.index_select(x(L), 0, t(L, [0], "int16")),
    "index_select_oob": lambda L: L.index_select(x(L), 0, t(L, [3])),
    "index_select_negative": lambda L: L.index_select(x(L), 0, t(L, [-1])),
    "index_select_0d_many": lambda L: L.index_select(t(L, 5.0), 0, t(L, [0, 0])),
    "index_select_0d_oob": lambda L: L.index_select(t(L, 5.0), 0, t(L, [1])),
    "index_add_dtype": lambda L: L.index_add(x(L), 0, t(L, [0]), s(L, "float32")[:1]),
    "index_add_count": lambda L: L.index_add(x(L), 0, t(L, [0]), s(L)[:2]),
    "index_add_shape": lambda L: L.index_add(x(L), 0, t(L, [0]), L.ones(1, 3, dtype=L.float64)),
    "index_add_oob": lambda L: L.index_add(x(L), 0, t(L, [3]), s(L)[:1]),
    "index_add_negative": lambda L: L.index_add(x(L), 0, t(L, [-1]), s(L)[:1]),
    "index_add_float_index": lambda L: L.index_add(x(L), 0, t(L, [0.0]), s(L)[:1]),
    "index_add_2d_index": lambda L: L.index_add(x(L), 0, t(L, [[0]]), s(L)[:1]),
    "index_add_0d_source_1d_self": lambda L: L.index_add(t(L, [1.0, 2.0]), 0, t(L, 0),
                                                         t(L, 5.0)),
    "index_copy_dtype": lambda L: L.index_copy(x(L), 0, t(L, [0]), s(L, "float32")[:1]),
    "index_copy_oob": lambda L: L.index_copy(x(L), 0, t(L, [3]), s(L)[:1]),
    "index_copy_negative": lambda L: L.index_copy(x(L), 0, t(L, [-1]), s(L)[:1]),
    "index_copy_int32": lambda L: L.index_copy(x(L), 0, t(L, [0], "int32"), s(L)[:1]),
    "index_copy_count": lambda L: L.index_copy(x(L), 0, t(L, [0]), s(L)[:2]),
    "index_copy_slice_shape": lambda L: L.index_copy(x(L), 0, t(L, [0]), L.ones(1, 3,
                                                                               dtype=L.float64)),
    "index_copy_2d_index": lambda L: L.index_copy(x(L), 0, t(L, [[0]]), s(L)[:1]),
    "index_copy_rank": lambda L: L.index_copy(x(L), 0, t(L, [0]), L.ones(4, dtype=L.float64)),
    "index_fill_oob": lambda L: L.index_fill(x(L), 0, t(L, [3]), 1.0),
    "index_fill_int32": lambda L: L.index_fill(x(L), 0, t(L, [0], "int32"), 1.0),
    "index_fill_1d_value": lambda L: L.index_fill(x(L), 0, t(L, [0]), t(L, [1.0])),
    "index_fill_2d_index": lambda L: L.index_fill(x(L), 0, t(L, [[0]]), 1.0),
    "index_fill_overflow": lambda L: L.index_fill(x(L, "uint8"), 0, t(L, [0]), 300),
    "index_fill_complex": lambda L: L.index_fill(x(L), 1, t(L, 2), 5j),
    "index_fill_complex_tensor": lambda L: L.index_fill(x(L), 1, t(L, 2), t(L, 5j)),
    "index_put_none": lambda L: L.index_put(x(L), (None, t(L, [0])), t(L, 1.0)),
    "index_put_dtype": lambda L: L.index_put(x(L), (t(L, [0]),), t(L, 1.0, "float32")),
    "index_put_scalar_values": lambda L: L.index_put(x(L), (t(L, [0]),), 1.0),
    "index_put_too_many": lambda L: L.index_put(x(L), (t(L, [0]),) * 3, t(L, 1.0)),
    "index_put_oob": lambda L: L.index_put(x(L), (t(L, [3]),), t(L, 1.0)),
    "index_put_acc_oob": lambda L: L.index_put(x(L), (t(L, [3]),), t(L, 1.0), accumulate=True),
    "index_put_shape": lambda L: L.index_put(x(L), (t(L, [0, 1]),), t(L, [1.0, 2.0, 3.0])),
    "index_put_broadcast": lambda L: L.index_put(x(L), (t(L, [0, 1]), t(L, [0, 1, 2])),
                                                 t(L, 1.0)),
    "index_put_mask_shape": lambda L: L.index_put(x(L), (t(L, [True, False]),), t(L, 1.0)),
    "index_reduce_sum": lambda L: L.index_reduce(x(L), 0, t(L, [0]), s(L)[:1], "sum"),
    "index_reduce_float_index": lambda L: L.index_reduce(x(L), 0, t(L, [0.0]), s(L)[:1], "prod"),
    "index_reduce_oob": lambda L: L.index_reduce(x(L), 0, t(L, [3]), s(L)[:1], "prod"),
    "index_reduce_negative": lambda L: L.index_reduce(x(L), 0, t(L, [-1]), s(L)[:1], "prod"),
    "index_reduce_dtype": lambda L: L.index_reduce(x(L), 0, t(L, [0]), s(L, "float32")[:1],
                                                   "prod"),
    "index_reduce_count": lambda L: L.index_reduce(x(L), 0, t(L, [0]), s(L)[:2], "prod"),
    "index_reduce_2d_index": lambda L: L.index_reduce(x(L), 0, t(L, [[0]]), s(L)[:1], "prod"),
    "masked_fill_uint8_mask": lambda L: L.masked_fill(x(L), t(L, np.ones((3, 4)), "uint8"), 1.0),
    "masked_fill_long_mask": lambda L: L.masked_fill(x(L), t(L, np.ones((3, 4)), "int64"), 1.0),
    "masked_fill_float_mask": lambda L: L.masked_fill(x(L), x(L), 1.0),
    "masked_fill_half_mask": lambda L: L.masked_fill(x(L), x(L, "float16"), 1.0),
    "masked_fill_1d_value": lambda L: L.masked_fill(x(L), t(L, X > 0), t(L, [1.0])),
    "masked_fill_overflow": lambda L: L.masked_fill(x(L, "uint8"), t(L, X > 0), 300),
    "masked_fill_complex": lambda L: L.masked_fill(x(L), t(L, X > 0), 1j),
    "masked_fill_complex_tensor": lambda L: L.masked_fill(x(L), t(L, X > 0), t(L, 1j)),
    "masked_fill_broadcast": lambda L: L.masked_fill(x(L), t(L, [True, False]), 1.0),
    "masked_fill_inplace_bigger_mask": lambda L: x(L).masked_fill_(t(L, np.ones((2, 3, 4), bool)),
                                                                   1.0),
    "masked_scatter_small_source": lambda L: L.masked_scatter(x(L), t(L, X > -5), t(L, [1.0] * 5)),
    "masked_scatter_dtype": lambda L: L.masked_scatter(x(L), t(L, X > 0), s(L, "float32")),
    "masked_scatter_uint8": lambda L: L.masked_scatter(x(L), t(L, np.ones((3, 4)), "uint8"), s(L)),
    "masked_scatter_int32": lambda L: L.masked_scatter(x(L), t(L, np.ones((3, 4)), "int32"), s(L)),
    "masked_scatter_broadcast": lambda L: L.masked_scatter(x(L), t(L, [True, False]), s(L)),
    "masked_scatter_inplace_bigger": lambda L: x(L).masked_scatter_(
        t(L, np.ones((2, 3, 4), bool)), t(L, np.ones(24))),
    "masked_select_uint8": lambda L: L.masked_select(x(L), t(L, np.ones((3, 4)), "uint8")),
    "masked_select_broadcast": lambda L: L.masked_select(x(L), t(L, [True, False])),
    "nonzero_out_int32": lambda L: L.nonzero(x(L), out=L.empty(0, dtype=L.int32)),
    "take_oob": lambda L: L.take(x(L), t(L, [12])),
    "take_negative_oob": lambda L: L.take(x(L), t(L, [-13])),
    "take_int32": lambda L: L.take(x(L), t(L, [1], "int32")),
    "take_empty": lambda L: L.take(L.ones(0), t(L, [0])),
    "put_oob": lambda L: x(L).put_(t(L, [12]), t(L, [1.0])),
    "put_negative_oob": lambda L: x(L).put_(t(L, [-13]), t(L, [1.0])),
    "put_count": lambda L: x(L).put_(t(L, [1, 2]), t(L, [1.0])),
    "put_dtype": lambda L: x(L).put_(t(L, [1]), t(L, [1.0], "float32")),
    "put_int32": lambda L: x(L).put_(t(L, [1], "int32"), t(L, [1.0])),
    "put_float_index": lambda L: x(L).put_(t(L, [1.0]), t(L, [1.0])),
    "put_empty": lambda L: L.zeros(0).put_(t(L, [0]), t(L, [1.0])),
    "take_along_dim_int32": lambda L: L.take_along_dim(x(L), t(L, [[1]], "int32"), 0),
    "take_along_dim_rank": lambda L: L.take_along_dim(x(L), t(L, [1]), 0),
    "take_along_dim_broadcast": lambda L: L.take_along_dim(x(L), t(L, [[1], [2]]), 1),
    "searchsorted_shape": lambda L: L.searchsorted(x(L), L.ones(2, 4)),
    "searchsorted_scalar_nd": lambda L: L.searchsorted(x(L), 3),
    "searchsorted_0d_tensor_nd": lambda L: L.searchsorted(x(L), t(L, 3.0)),
    "searchsorted_opposites": lambda L: L.searchsorted(x(L)[0], 3, right=True, side="left"),
    "searchsorted_bad_side": lambda L: L.searchsorted(x(L)[0], 3, side="middle"),
    "searchsorted_sorter_dtype": lambda L: L.searchsorted(x(L)[0], 3,
                                                          sorter=t(L, [0, 1, 2, 3], "int32")),
    "searchsorted_sorter_shape": lambda L: L.searchsorted(x(L)[0], 3, sorter=t(L, [0, 1, 2])),
    "searchsorted_sorter_oob": lambda L: L.searchsorted(x(L)[0], 3, sorter=t(L, [0, 1, 2, 5])),
    "searchsorted_0d_boundaries": lambda L: L.searchsorted(t(L, 1.0), t(L, [1.0])),
    "searchsorted_bool": lambda L: L.searchsorted(t(L, [False, True]), t(L, [True])),
    "searchsorted_out_dtype": lambda L: L.searchsorted(L.ones(2), L.ones(2), out=L.empty(2)),
    "bucketize_2d": lambda L: L.bucketize(t(L, [1.0]), x(L)),
    "bucketize_0d": lambda L: L.bucketize(t(L, [1.0]), t(L, 1.0)),
}


@pytest.mark.parametrize("name", sorted(ERROR_CASES))
def test_errors_match_torch(name):
    out_t, err_t = outcome(ERROR_CASES[name], torch)
    assert err_t is not None, f"torch did not raise ({out_t!r}); the case belongs elsewhere"
    check(ERROR_CASES[name])


# -- in-place and out= ------------------------------------------------------------------------------

INPLACE_CASES = {
    "scatter_": lambda L, a: a.scatter_(0, t(L, IDX_SMALL), s(L)),
    "scatter_value_": lambda L, a: a.scatter_(1, t(L, IDX_SMALL), 4.0),
    "scatter_reduce_kw_": lambda L, a: a.scatter_(0, t(L, IDX), s(L), reduce="add"),
    "scatter_add_": lambda L, a: a.scatter_add_(0, t(L, IDX), s(L)),
    "scatter_reduce_": lambda L, a: a.scatter_reduce_(0, t(L, IDX), s(L), "amin",
                                                      include_self=False),
    "index_add_": lambda L, a: a.index_add_(1, t(L, [0, 0]), s(L)[:, :2], alpha=2),
    "index_copy_": lambda L, a: a.index_copy_(0, t(L, [2]), s(L)[:1]),
    "index_fill_": lambda L, a: a.index_fill_(1, t(L, [1]), -1.0),
    "index_put_": lambda L, a: a.index_put_((t(L, [1, 1]),), t(L, 1.0), accumulate=True),
    "torch.index_put_": lambda L, a: L.index_put_(a, (t(L, [1, 1]),), t(L, 1.0)),
    "index_reduce_": lambda L, a: a.index_reduce_(0, t(L, [1]), s(L)[:1], "mean"),
    "masked_fill_": lambda L, a: a.masked_fill_(t(L, [True, False, False, True]), 0.5),
    "masked_scatter_": lambda L, a: a.masked_scatter_(t(L, X > 0), s(L)),
    "put_": lambda L, a: a.put_(t(L, [3, 3]), t(L, [1.0, 2.0]), accumulate=True),
}


@pytest.mark.parametrize("name", sorted(INPLACE_CASES))
def test_inplace_forms(name):
    def run(L):
        a = x(L)
        view = a[1:]
        version = a._version
        out = INPLACE_CASES[name](L, a)
        assert out is a
        assert a._version > version
        return a, view
    check(run)


OUT_CASES = {
    "gather": lambda L, o: L.gather(x(L), 0, t(L, IDX), out=o),
    "scatter": lambda L, o: L.scatter(x(L), 0, t(L, IDX_SMALL), s(L), out=o),
    "scatter_add": lambda L, o: L.scatter_add(x(L), 0, t(L, IDX), s(L), out=o),
    "scatter_reduce": lambda L, o: L.scatter_reduce(x(L), 0, t(L, IDX), s(L), "prod", out=o),
    "index_select": lambda L, o: L.index_select(x(L), 1, t(L, [0, 0]), out=o),
    "index_add": lambda L, o: L.index_add(x(L), 0, t(L, [1]), s(L)[:1], out=o),
    "index_copy": lambda L, o: L.index_copy(x(L), 0, t(L, [1]), s(L)[:1], out=o),
    "index_reduce": lambda L, o: L.index_reduce(x(L), 0, t(L, [1]), s(L)[:1], "amax", out=o),
    "masked_select": lambda L, o: L.masked_select(x(L), t(L, X > 0), out=o),
    "take": lambda L, o: L.take(x(L), t(L, [1, 5]), out=o),
    "take_along_dim": lambda L, o: L.take_along_dim(x(L), t(L, [[1], [0], [2]]), 1, out=o),
}


@pytest.mark.parametrize("name", sorted(OUT_CASES))
def test_out_forms(name):
    def run(L):
        o = L.empty(0, dtype=L.float64)
        result = OUT_CASES[name](L, o)
        assert result is o
        return o
    check(run)


@pytest.mark.parametrize("op", ["nonzero", "searchsorted", "bucketize"])
def test_out_forms_integer_results(op):
    def run(L):
        o = L.empty(0, dtype=L.int64)
        if op == "nonzero":
            result = L.nonzero(x(L), out=o)
        elif op == "searchsorted":
            result = L.searchsorted(t(L, [1.0, 2.0]), t(L, [1.5, 3.0]), out=o)
        else:
            result = L.bucketize(t(L, [1.5, 3.0]), t(L, [1.0, 2.0]), out=o)
        assert result is o
        return o
    check(run)


def test_failed_inplace_leaves_tensor_unchanged():
    a = ember.tensor(X)
    with pytest.raises(RuntimeError):
        a.scatter_(0, ember.tensor([[0, 1, 5]]), 1.0)
    with pytest.raises(IndexError):
        a.put_(ember.tensor([0, 99]), ember.tensor([1.0, 2.0], dtype=ember.float64))
    with pytest.raises(RuntimeError):
        a.index_add_(0, ember.tensor([0, 3]), ember.tensor(S[:2]))
    np.testing.assert_array_equal(a.numpy(), X)
    assert a._version == 0


# -- gradients ----------------------------------------------------------------------------------------

def leaf(L, data):
    return L.tensor(np.asarray(data, dtype=np.float64), requires_grad=True)


GRAD_CASES = {
    "gather": lambda L, a, b: L.gather(a, 1, t(L, [[0, 0], [3, 1], [2, 2]])),
    "gather_transposed": lambda L, a, b: L.gather(a.t(), 0, t(L, [[0, 1, 2], [2, 2, 0]])),
    "scatter_src": lambda L, a, b: L.scatter(a, 0, t(L, IDX_SMALL), b[1:, 2:]),
    "scatter_src_dups": lambda L, a, b: L.scatter(a, 1, t(L, [[0, 0, 0]]), b[:1, :3]),
    "scatter_value": lambda L, a, b: L.scatter(a, 1, t(L, IDX_SMALL), 2.0),
    "scatter_add": lambda L, a, b: L.scatter_add(a, 0, t(L, IDX), b[:2]),
    "index_select": lambda L, a, b: L.index_select(a, 1, t(L, [3, 3, 0])),
    "index_select_transposed": lambda L, a, b: L.index_select(a.t(), 1, t(L, [2, 0])),
    "index_add": lambda L, a, b: L.index_add(a, 0, t(L, [0, 0, 2]), b, alpha=-2),
    "index_copy": lambda L, a, b: L.index_copy(a, 1, t(L, [2, 0]), b[:, 1:3]),
    "index_fill": lambda L, a, b: L.index_fill(a, 1, t(L, [1, -1]), 3.0),
    "index_fill_tensor": lambda L, a, b: L.index_fill(a, 1, t(L, [1, 3]), b[1, 2]),
    "index_put": lambda L, a, b: L.index_put(a, (t(L, [0, 2]), t(L, [1, 1])), b[0, :2]),
    "index_put_acc": lambda L, a, b: L.index_put(a, (t(L, [0, 0, 2]),), b[1], accumulate=True),
    "index_put_mask": lambda L, a, b: L.index_put(a, (t(L, X > 0),), b[1, 1]),
    "masked_fill": lambda L, a, b: L.masked_fill(a, t(L, X > 0), 2.0),
    "masked_fill_broadcast_self": lambda L, a, b: L.masked_fill(a[0], t(L, np.eye(4, dtype=bool)),
                                                                1.0),
    "masked_fill_tensor": lambda L, a, b: L.masked_fill(a, t(L, [True, False, True, False]),
                                                        b[2, 3]),
    "masked_scatter": lambda L, a, b: L.masked_scatter(a, t(L, X > 0), b),
    "masked_scatter_broadcast": lambda L, a, b: L.masked_scatter(a[1], t(L, np.eye(4, dtype=bool)),
                                                                 b),
    "masked_select": lambda L, a, b: L.masked_select(a, t(L, X > 0)),
    "masked_select_broadcast": lambda L, a, b: L.masked_select(a[0], t(L, np.eye(4, dtype=bool))),
    "take": lambda L, a, b: L.take(a, t(L, [[0, 0], [11, -1]])),
    "take_transposed": lambda L, a, b: L.take(a.t(), t(L, [1, 2, 1])),
    "put": lambda L, a, b: L.put(a, t(L, [1, 5, 1]), b[0, :3]),
    "put_acc": lambda L, a, b: L.put(a, t(L, [1, 5, 1]), b[0, :3], accumulate=True),
    "take_along_dim": lambda L, a, b: L.take_along_dim(a, t(L, [[1], [0], [3]]), 1),
    "take_along_dim_broadcast": lambda L, a, b: L.take_along_dim(a[:1], t(L, [[1], [0]]), 1),
    "take_along_dim_none": lambda L, a, b: L.take_along_dim(a, t(L, [0, 7, 7])),
}

REDUCE_SOURCE = np.array([[2.0, -1.0, 0.0, 4.0], [2.0, 3.0, -2.0, 4.0]])
REDUCE_SELF = np.array([[1.0, 2.0, 0.0, 4.0], [-1.0, 3.0, 5.0, 0.5], [2.0, 0.0, -3.0, 1.0]])
for _reduce in ["sum", "prod", "mean", "amax", "amin"]:
    for _include in [True, False]:
        GRAD_CASES[f"scatter_reduce_{_reduce}_{_include}"] = (
            lambda L, a, b, r=_reduce, i=_include: L.scatter_reduce(
                a, 0, t(L, [[0, 0, 0, 0], [0, 2, 0, 0]]), b[:2], r, include_self=i))
        if _reduce != "sum":
            GRAD_CASES[f"index_reduce_{_reduce}_{_include}"] = (
                lambda L, a, b, r=_reduce, i=_include: L.index_reduce(
                    a, 0, t(L, [0, 0]), b[:2], r, include_self=i))


def _grad_inputs(name):
    if name.startswith(("scatter_reduce", "index_reduce")):
        return REDUCE_SELF, np.concatenate([REDUCE_SOURCE, REDUCE_SOURCE[:1]])
    return X, S


@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_gradients_match_torch(name):
    base_a, base_b = _grad_inputs(name)

    def run(L):
        a, b = leaf(L, base_a), leaf(L, base_b)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            y = GRAD_CASES[name](L, a, b)
        weights = L.tensor(np.arange(y.numel(), dtype=np.float64).reshape(tuple(y.shape)) - 3)
        (y * weights).sum().backward()
        return y, y.grad_fn.name(), a.grad, b.grad
    out_e, out_t = run(ember), run(torch)
    assert out_e[1] == out_t[1]
    assert_same(out_e[0], out_t[0])
    for ge, gt in zip(out_e[2:], out_t[2:]):
        if gt is None:
            assert ge is None
        else:
            assert_same(ge, gt)


@pytest.mark.parametrize("name", ["gather", "scatter_add", "index_select", "index_add",
                                  "masked_fill", "masked_select", "take", "index_put_acc",
                                  "scatter_src", "index_copy", "put", "masked_scatter",
                                  "scatter_reduce_prod_True", "scatter_reduce_amax_False",
                                  "scatter_reduce_mean_True"])
def test_double_backward(name):
    base_a, base_b = _grad_inputs(name)

    def run(L):
        a, b = leaf(L, base_a), leaf(L, base_b)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            y = GRAD_CASES[name](L, a, b)
        ga, gb = L.autograd.grad((y * y * y).sum(), (a, b), create_graph=True, allow_unused=True)
        grads = [g for g in (ga, gb) if g is not None]
        total = grads[0].sum() * 0
        for g in grads:
            total = total + (g * g).sum()
        return L.autograd.grad(total, (a, b), allow_unused=True)
    out_e, out_t = run(ember), run(torch)
    for ge, gt in zip(out_e, out_t):
        if gt is None:
            assert ge is None or not np.abs(ge.detach().numpy()).sum()
        else:
            assert_same(ge, gt)


@pytest.mark.parametrize("name", ["gather", "scatter_add", "index_add", "index_copy",
                                  "masked_scatter", "put_acc", "scatter_reduce_prod_True",
                                  "scatter_reduce_mean_False", "index_reduce_mean_True",
                                  "index_reduce_prod_False"])
def test_gradients_match_finite_differences(name):
    base_a, base_b = _grad_inputs(name)
    a = ember.tensor(base_a, requires_grad=True)
    b = ember.tensor(base_b, requires_grad=True)
    fn = GRAD_CASES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fn(ember, a, b).sum().backward()
        numeric = numerical_grad(lambda p, q: fn(ember, p, q),
                                 [ember.tensor(base_a.copy()), ember.tensor(base_b.copy())])
    for leaf_tensor, expected in zip((a, b), numeric):
        got = leaf_tensor.grad.numpy() if leaf_tensor.grad is not None else 0 * expected
        np.testing.assert_allclose(got, expected, atol=1e-5)


def test_scatter_with_reduce_has_no_derivative():
    def run(L):
        a = leaf(L, X)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            y = L.scatter(a * 1, 0, t(L, IDX), 2.0, reduce="add")
        name = y.grad_fn.name()
        try:
            y.sum().backward()
        except RuntimeError as exc:
            return name, str(exc)
        return name, None
    assert run(ember) == run(torch)


def test_scatter_gradient_for_source_larger_than_index():
    # PyTorch's own backward raises here; ember gives the source zeros outside the index.
    a = ember.tensor(X, requires_grad=True)
    b = ember.tensor(S, requires_grad=True)
    ember.scatter_add(a, 0, ember.tensor([[0, 2]]), b).sum().backward()
    expected = np.zeros_like(S)
    expected[0, :2] = 1
    np.testing.assert_array_equal(b.grad.numpy(), expected)


def test_grad_fn_names_of_value_and_tensor_variants():
    def run(L):
        a = leaf(L, X)
        v = L.tensor(2.0, dtype=L.float64, requires_grad=True)
        idx = t(L, [0, 1])
        mask = t(L, X > 0)
        return [L.index_fill(a, 0, idx, 1.0).grad_fn.name(),
                L.index_fill(a, 0, idx, v).grad_fn.name(),
                L.masked_fill(a, mask, 1.0).grad_fn.name(),
                L.masked_fill(a, mask, v).grad_fn.name(),
                L.scatter(a, 0, t(L, IDX), 1.0).grad_fn.name(),
                L.take_along_dim(a, t(L, [[0, 1, 0, 2]]), 0).grad_fn.name()]
    assert run(ember) == run(torch)


# -- hypothesis -------------------------------------------------------------------------------------

@given(st.data())
def test_random_gather_scatter_add_and_index_add(data):
    ndim = data.draw(st.integers(1, 3))
    shape = tuple(data.draw(st.lists(st.integers(1, 4), min_size=ndim, max_size=ndim)))
    dim = data.draw(st.integers(-ndim, ndim - 1))
    d = dim % ndim
    index_shape = tuple(data.draw(st.integers(1, s)) if k != d else data.draw(st.integers(1, 5))
                        for k, s in enumerate(shape))
    seed = data.draw(st.integers(0, 2 ** 16))
    rng = np.random.default_rng(seed)
    values = rng.standard_normal(shape)
    index = rng.integers(0, shape[d], size=index_shape)
    src = rng.standard_normal(index_shape)
    vector = rng.integers(0, shape[d], size=index_shape[d])
    source = rng.standard_normal(shape[:d] + (index_shape[d],) + shape[d + 1:])

    def run(L):
        a = L.tensor(values, requires_grad=True)
        b = L.tensor(src, requires_grad=True)
        c = L.tensor(source, requires_grad=True)
        g = L.gather(a, dim, L.tensor(index))
        sa = L.scatter_add(a, dim, L.tensor(index), b)
        ia = L.index_add(a, dim, L.tensor(vector), c)
        (g.sum() + (sa * sa).sum() + (ia * ia * ia).sum()).backward()
        return g, sa, ia, a.grad, b.grad, c.grad
    assert_same(run(ember), run(torch))


@given(st.data())
def test_random_searchsorted(data):
    rows = data.draw(st.integers(1, 3))
    m = data.draw(st.integers(0, 6))
    n = data.draw(st.integers(1, 5))
    pool = st.sampled_from([-1.0, 0.0, 0.5, 1.0, 2.0, 3.0])
    boundaries = np.sort(np.array(data.draw(st.lists(pool, min_size=rows * m,
                                                     max_size=rows * m))).reshape(rows, m), -1)
    values = np.array(data.draw(st.lists(pool, min_size=rows * n, max_size=rows * n)))
    values = values.reshape(rows, n)
    right = data.draw(st.booleans())
    one_d = data.draw(st.booleans())

    def run(L):
        seq = L.tensor(boundaries[0] if one_d else boundaries)
        return L.searchsorted(seq, L.tensor(values), right=right)
    assert_same(run(ember), run(torch))


@given(st.data())
def test_random_scatter_reduce_and_index_put(data):
    n = data.draw(st.integers(1, 6))
    k = data.draw(st.integers(1, 10))
    reduce = data.draw(st.sampled_from(["sum", "prod", "mean", "amax", "amin"]))
    include_self = data.draw(st.booleans())
    accumulate = data.draw(st.booleans())
    dtype = data.draw(st.sampled_from(["float64", "int64"]))
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 16)))
    target = rng.integers(-4, 5, size=(n, 3)).astype(dtype)
    index = rng.integers(0, n, size=(k, 3))
    src = rng.integers(-4, 5, size=(k, 3)).astype(dtype)
    rows = rng.integers(-n, n, size=k)

    def run(L):
        a = L.tensor(target)
        reduced = L.scatter_reduce(a, 0, L.tensor(index), L.tensor(src), reduce,
                                   include_self=include_self)
        put = L.index_put(a, (L.tensor(rows),), L.tensor(src), accumulate=accumulate)
        return reduced, put
    assert_same(run(ember), run(torch))


DTYPE_OPS = {
    "gather": lambda L, a, b: L.gather(a, 1, t(L, IDX_SMALL + [[3, 3]])),
    "scatter": lambda L, a, b: L.scatter(a, 0, t(L, IDX_SMALL), b),
    "scatter_value": lambda L, a, b: L.scatter(a, 0, t(L, IDX_SMALL), 1),
    "scatter_add": lambda L, a, b: L.scatter_add(a, 0, t(L, IDX), b),
    "scatter_reduce_amax": lambda L, a, b: L.scatter_reduce(a, 0, t(L, IDX), b, "amax"),
    "scatter_reduce_prod": lambda L, a, b: L.scatter_reduce(a, 0, t(L, IDX), b, "prod",
                                                            include_self=False),
    "index_select": lambda L, a, b: L.index_select(a, 1, t(L, [3, 0, 3])),
    "index_add": lambda L, a, b: L.index_add(a, 0, t(L, [2, 2, 0]), b),
    "index_copy": lambda L, a, b: L.index_copy(a, 1, t(L, [1, 0]), b[:, :2]),
    "index_fill": lambda L, a, b: L.index_fill(a, 1, t(L, [1, 0]), 1),
    "index_put": lambda L, a, b: L.index_put(a, (t(L, [0, 2]),), b[:2]),
    "index_put_acc": lambda L, a, b: L.index_put(a, (t(L, [0, 0]),), b[:2], accumulate=True),
    "masked_fill": lambda L, a, b: L.masked_fill(a, t(L, X > 0), 1),
    "masked_select": lambda L, a, b: L.masked_select(a, t(L, X > 0)),
    "masked_scatter": lambda L, a, b: L.masked_scatter(a, t(L, X > 0), b),
    "take": lambda L, a, b: L.take(a, t(L, [[3, -1]])),
    "put": lambda L, a, b: L.put(a, t(L, [3, -1]), b[0, :2]),
    "nonzero": lambda L, a, b: L.nonzero(a),
    "getitem_mask": lambda L, a, b: a[t(L, X > 0)],
    "setitem_list": lambda L, a, b: a.index_put_((t(L, [1]),), b[:1]),
}
DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32",
          "float64", "complex64", "complex128"]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", sorted(DTYPE_OPS))
def test_dtypes_match_torch(op, dtype):
    def run(L):
        a = L.tensor(X * 2, dtype=L.float64).to(getattr(L, dtype))
        b = L.tensor(S, dtype=L.float64).to(getattr(L, dtype))
        return DTYPE_OPS[op](L, a, b)
    check(run)
