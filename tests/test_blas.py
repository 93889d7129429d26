"""Matrix products against PyTorch: values, dtypes, grad_fn names, gradients and errors."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import ember  # noqa: E402
from _linalg_helpers import compare_grads, numerical_check, pairs, rand  # noqa: E402
from parity import assert_same  # noqa: E402

FLOATS = ["float32", "float64"]
HAS_CONJ = hasattr(ember.Tensor, "conj")


def tol(dtype):
    return {"float32": 1e-4, "complex64": 1e-4}.get(dtype, 1e-10)


# -- matmul in every rank combination -------------------------------------------------------------

MATMUL_SHAPES = [
    ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)), ((5, 2, 3), (3, 4)),
    ((5, 2, 3), (3,)), ((3,), (5, 3, 4)), ((2, 3), (5, 3, 4)), ((5, 2, 3), (5, 3, 4)),
    ((6, 1, 2, 3), (5, 3, 4)), ((1, 2, 3), (5, 3, 4)), ((5, 2, 3), (1, 3, 4)),
    ((2, 1, 2, 3), (3,)), ((3,), (2, 1, 3, 4)), ((0, 2, 3), (3, 4)), ((2, 0), (0, 3)),
]


@pytest.mark.parametrize("shapes", MATMUL_SHAPES)
@pytest.mark.parametrize("dtype", FLOATS)
def test_matmul_values(shapes, dtype):
    (e1, e2), (t1, t2) = pairs(rand(shapes[0], dtype, 1), rand(shapes[1], dtype, 2))
    assert_same(ember.matmul(e1, e2), torch.matmul(t1, t2), rtol=tol(dtype), atol=tol(dtype))
    assert_same(e1 @ e2, t1 @ t2, rtol=tol(dtype), atol=tol(dtype))


@pytest.mark.parametrize("shapes", MATMUL_SHAPES)
@pytest.mark.parametrize("which", [(True, True), (True, False), (False, True)])
def test_matmul_grads_and_grad_fn(shapes, which):
    a, b = rand(shapes[0], "float64", 1), rand(shapes[1], "float64", 2)
    (e1, e2), (t1, t2) = pairs(a, b)
    e1.requires_grad_(which[0])
    t1.requires_grad_(which[0])
    e2.requires_grad_(which[1])
    t2.requires_grad_(which[1])
    er, tr = ember.matmul(e1, e2), torch.matmul(t1, t2)
    assert type(er.grad_fn).__name__ == type(tr.grad_fn).__name__
    probe = rand(tuple(tr.shape), "float64", 3)
    (er * ember.from_numpy(probe)).sum().backward()
    (tr * torch.from_numpy(probe)).sum().backward()
    for e, t in ((e1, t1), (e2, t2)):
        if t.requires_grad:
            assert_same(e.grad, t.grad)


def test_matmul_non_contiguous_and_broadcast_grads():
    def prepare(ts, lib):
        return [ts[0].transpose(-1, -2), ts[1][:, ::2]]
    compare_grads(lambda a, b: a @ b, lambda a, b: a @ b,
                  [rand((4, 3, 2), "float64", 1), rand((3, 6), "float64", 2)], prepare=prepare)
    compare_grads(lambda a, b: a @ b, lambda a, b: a @ b,
                  [rand((2, 1, 3, 4), "float64", 1), rand((5, 4, 2), "float64", 2)])


@given(batch_a=st.lists(st.integers(1, 3), max_size=2), batch_b=st.lists(st.integers(1, 3),
       max_size=2), n=st.integers(1, 4), k=st.integers(1, 4), m=st.integers(1, 4),
       vec_a=st.booleans(), vec_b=st.booleans())
def test_matmul_hypothesis_broadcasting(batch_a, batch_b, n, k, m, vec_a, vec_b):
    batch_b = [b if i >= len(batch_a) or batch_a[-1 - i] == b or b == 1 else 1
               for i, b in enumerate(batch_b[::-1])][::-1]
    shape_a = (k,) if vec_a else tuple(batch_a) + (n, k)
    shape_b = (k,) if vec_b else tuple(batch_b) + (k, m)
    a, b = rand(shape_a, "float64", 1), rand(shape_b, "float64", 2)
    try:
        expected = torch.matmul(torch.from_numpy(a), torch.from_numpy(b))
    except RuntimeError:
        with pytest.raises(RuntimeError):
            ember.matmul(ember.from_numpy(a), ember.from_numpy(b))
        return
    assert_same(ember.matmul(ember.from_numpy(a), ember.from_numpy(b)), expected)


MATMUL_ERRORS = [
    ((), (3,)), ((3,), (4,)), ((2, 3), (4,)), ((3,), (4, 2)), ((5, 2, 3), (4, 2)),
    ((5, 2, 3), (4,)), ((2, 3), (5, 4, 2)), ((5, 2, 3), (5, 4, 2)), ((5, 2, 3), (4, 3, 2)),
    ((6, 5, 2, 3), (4, 3, 2)),
]


@pytest.mark.parametrize("shapes", MATMUL_ERRORS)
def test_matmul_errors_match(shapes):
    (e1, e2), (t1, t2) = pairs(np.ones(shapes[0], "float32"), np.ones(shapes[1], "float32"))
    with pytest.raises(RuntimeError) as t_err:
        torch.matmul(t1, t2)
    with pytest.raises(RuntimeError) as e_err:
        ember.matmul(e1, e2)
    assert str(e_err.value) == str(t_err.value)


def test_product_error_messages():
    f32, f64 = np.ones((64, 784), "float32"), np.ones((512, 10), "float32")
    (e1, e2), (t1, t2) = pairs(f32, f64)
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied "
                                           r"\(64x784 and 512x10\)"):
        ember.mm(e1, e2)
    (e1, e2), _ = pairs(np.ones((2, 2), "float32"), np.ones((2, 2), "float64"))
    with pytest.raises(RuntimeError, match="expected m1 and m2 to have the same dtype, but got: "
                                           "float != double"):
        ember.mm(e1, e2)
    cases = [
        (lambda m: m.bmm(m.ones(2, 2, 3), m.ones(2, 4, 2))),
        (lambda m: m.bmm(m.ones(2, 3), m.ones(3, 2))),
        (lambda m: m.mv(m.ones(2, 3), m.ones(4))),
        (lambda m: m.mv(m.ones(2, 3), m.ones(3, dtype=m.float64))),
        (lambda m: m.dot(m.ones(3), m.ones(4))),
        (lambda m: m.dot(m.ones(3), m.ones(3, dtype=m.float64))),
        (lambda m: m.addmm(m.ones(3), m.ones(2, 3), m.ones(3, 2))),
        (lambda m: m.addmm(m.ones(2), m.ones(2, 3), m.ones(3, 2, dtype=m.float64))),
        (lambda m: m.addmm(m.ones(2), m.ones(2, 3, dtype=m.float64), m.ones(3, 2))),
        (lambda m: m.baddbmm(m.ones(2, 2, 2), m.ones(2, 2, 3, dtype=m.float64),
                             m.ones(2, 3, 2))),
        (lambda m: m.addbmm(m.ones(2, 2), m.ones(2, 2, 3), m.ones(3, 3, 2))),
        (lambda m: m.outer(m.ones(3, 1), m.ones(4))),
        (lambda m: m.inner(m.ones(3, 2), m.ones(4))),
        (lambda m: m.tensordot(m.ones(3, 2), m.ones(4, 3), dims=1)),
        (lambda m: m.einsum("ij,jk->ik", m.ones(3, 2), m.ones(4, 3))),
        (lambda m: m.einsum("ij,jk->ik", m.ones(3, 2))),
        (lambda m: m.einsum("ij,jk->iq", m.ones(3, 2), m.ones(2, 3))),
        (lambda m: m.einsum("ijk,jk->i", m.ones(3, 2), m.ones(2, 3))),
        (lambda m: m.einsum("ii->i", m.ones(3, 2))),
        (lambda m: m.linalg.cross(m.ones(3, 2), m.ones(3, 2))),
        (lambda m: m.linalg.cross(m.ones(4, 3), m.ones(2, 3))),
        (lambda m: m.cdist(m.ones(3, 2), m.ones(3, 4))),
        (lambda m: m.cdist(m.ones(3, 2), m.ones(3, 2), p=-1)),
        (lambda m: m.linalg.multi_dot([m.ones(3, 3)])),
        (lambda m: m.linalg.multi_dot([m.ones(3, 3), m.ones(2, 3)])),
    ]
    for case in cases:
        with pytest.raises(RuntimeError) as t_err:
            case(torch)
        with pytest.raises(type(t_err.value)) as e_err:
            case(ember)
        assert str(e_err.value) == str(t_err.value)


def test_bool_products_refused():
    for name in ("mm", "bmm", "dot"):
        shape = {"mm": (2, 2), "bmm": (1, 2, 2), "dot": (2,)}[name]
        with pytest.raises(NotImplementedError):
            getattr(ember, name)(ember.ones(*shape, dtype=ember.bool),
                                 ember.ones(*shape, dtype=ember.bool))


@pytest.mark.parametrize("dtype", ["int64", "int32", "float32", "float64"])
def test_products_over_dtypes(dtype):
    a, b = (rand((3, 4), "float64", 1) * 3), (rand((4, 2), "float64", 2) * 3)
    (e1, e2, e3), (t1, t2, t3) = pairs(a.astype(dtype), b.astype(dtype),
                                       rand((4,), "float64", 3).astype(dtype))
    assert_same(ember.mm(e1, e2), torch.mm(t1, t2), rtol=tol(dtype), atol=tol(dtype))
    assert_same(ember.mv(e1, e3), torch.mv(t1, t3), rtol=tol(dtype), atol=tol(dtype))
    assert_same(ember.dot(e3, e3), torch.dot(t3, t3), rtol=tol(dtype), atol=tol(dtype))


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_matmul(dtype):
    a, b = rand((3, 4), "float32", 1), rand((4, 2), "float32", 2)
    e = ember.from_numpy(a).to(getattr(ember, dtype)) @ ember.from_numpy(b).to(
        getattr(ember, dtype))
    t = torch.from_numpy(a).to(getattr(torch, dtype)) @ torch.from_numpy(b).to(
        getattr(torch, dtype))
    assert_same(e, t, rtol=2e-2, atol=2e-2)


@pytest.mark.skipif(not HAS_CONJ, reason="needs Tensor.conj")
@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
def test_complex_products_and_grads(dtype):
    a, b, v = rand((3, 4), dtype, 1), rand((4, 2), dtype, 2), rand((4,), dtype, 3)
    (e1, e2, e3), (t1, t2, t3) = pairs(a, b, v)
    assert_same(ember.mm(e1, e2), torch.mm(t1, t2), rtol=tol(dtype), atol=tol(dtype))
    assert_same(ember.vdot(e3, e3), torch.vdot(t3, t3), rtol=tol(dtype), atol=tol(dtype))
    if dtype == "complex128":
        compare_grads(ember.mm, torch.mm, [a, b])
        compare_grads(ember.vdot, torch.vdot, [v, v[::-1].copy()])
        compare_grads(ember.mv, torch.mv, [a, v])


# -- the other products ------------------------------------------------------------------------------

def _addmm(m, i, a, b):
    return m.addmm(i, a, b, beta=0.5, alpha=2.0)


def _addmv(m, i, a, v):
    return m.addmv(i, a, v, beta=-1.0, alpha=0.3)


def _baddbmm(m, i, a, b):
    return m.baddbmm(i, a, b, beta=2.0, alpha=-1.5)


def _addbmm(m, i, a, b):
    return m.addbmm(i, a, b, beta=1.5, alpha=0.5)


def _addr(m, i, a, b):
    return m.addr(i, a, b, beta=2.0, alpha=3.0)


PRODUCT_CASES = [
    ("mm", lambda m, a, b: m.mm(a, b), [(3, 4), (4, 2)]),
    ("bmm", lambda m, a, b: m.bmm(a, b), [(2, 3, 4), (2, 4, 5)]),
    ("mv", lambda m, a, b: m.mv(a, b), [(3, 4), (4,)]),
    ("dot", lambda m, a, b: m.dot(a, b), [(4,), (4,)]),
    ("vdot", lambda m, a, b: m.vdot(a, b), [(4,), (4,)]),
    ("inner", lambda m, a, b: m.inner(a, b), [(2, 3, 4), (5, 4)]),
    ("inner_vec", lambda m, a, b: m.inner(a, b), [(4,), (4,)]),
    ("outer", lambda m, a, b: m.outer(a, b), [(3,), (4,)]),
    ("ger", lambda m, a, b: m.ger(a, b), [(3,), (4,)]),
    ("addmm", _addmm, [(3, 2), (3, 4), (4, 2)]),
    ("addmm_bcast", _addmm, [(2,), (3, 4), (4, 2)]),
    ("addmv", _addmv, [(3,), (3, 4), (4,)]),
    ("baddbmm", _baddbmm, [(2, 3, 5), (2, 3, 4), (2, 4, 5)]),
    ("baddbmm_bcast", _baddbmm, [(3, 1), (2, 3, 4), (2, 4, 5)]),
    ("addbmm", _addbmm, [(3, 5), (2, 3, 4), (2, 4, 5)]),
    ("addr", _addr, [(3, 4), (3,), (4,)]),
    ("tensordot2", lambda m, a, b: m.tensordot(a, b, dims=2), [(2, 3, 4), (3, 4, 5)]),
    ("tensordot_list", lambda m, a, b: m.tensordot(a, b, dims=([1, 0], [0, 2])),
     [(2, 3, 4), (3, 5, 2)]),
    ("tensordot0", lambda m, a, b: m.tensordot(a, b, dims=0), [(2, 3), (4,)]),
    ("kron", lambda m, a, b: m.kron(a, b), [(2, 3), (3, 2)]),
    ("kron_mixed", lambda m, a, b: m.kron(a, b), [(2,), (3, 2)]),
    ("cdist", lambda m, a, b: m.cdist(a, b), [(4, 3), (5, 3)]),
    ("cdist_p1", lambda m, a, b: m.cdist(a, b, p=1), [(2, 4, 3), (5, 3)]),
    ("cdist_p3", lambda m, a, b: m.cdist(a, b, p=3), [(4, 3), (5, 3)]),
    ("cdist_p05", lambda m, a, b: m.cdist(a, b, p=0.5), [(4, 3), (5, 3)]),
    ("cdist_inf", lambda m, a, b: m.cdist(a, b, p=float("inf")), [(4, 3), (5, 3)]),
    ("cdist_mm", lambda m, a, b: m.cdist(a, b, compute_mode="use_mm_for_euclid_dist"),
     [(4, 3), (5, 3)]),
    ("cdist_big", lambda m, a, b: m.cdist(a, b), [(30, 3), (5, 3)]),
    ("multi_dot", lambda m, a, b, c: m.linalg.multi_dot([a, b, c]), [(2, 3), (3, 6), (6, 2)]),
    ("multi_dot4", lambda m, a, b, c, d: m.linalg.multi_dot([a, b, c, d]),
     [(5,), (5, 6), (6, 2), (2,)]),
    ("multi_dot2", lambda m, a, b: m.linalg.multi_dot([a, b]), [(3,), (3, 4)]),
    ("cross", lambda m, a, b: m.cross(a, b, dim=1), [(4, 3), (4, 3)]),
    ("linalg_cross", lambda m, a, b: m.linalg.cross(a, b), [(2, 1, 3), (1, 4, 3)]),
    ("einsum_mm", lambda m, a, b: m.einsum("ij,jk->ik", a, b), [(2, 3), (3, 4)]),
    ("einsum_trace", lambda m, a: m.einsum("ii", a), [(3, 3)]),
    ("einsum_diag", lambda m, a: m.einsum("ii->i", a), [(3, 3)]),
    ("einsum_rep3", lambda m, a, b: m.einsum("iij,jk->ik", a, b), [(3, 3, 2), (2, 4)]),
    ("einsum_bcast", lambda m, a, b: m.einsum("...ij,...jk->...ik", a, b),
     [(5, 1, 3, 2), (4, 2, 4)]),
    ("einsum_ellipsis_mid", lambda m, a, b: m.einsum("i...j,j->...i", a, b), [(2, 3, 4), (4,)]),
    ("einsum_sum_only", lambda m, a, b: m.einsum("ij,k->i", a, b), [(2, 3), (4,)]),
    ("einsum_outer3", lambda m, a, b, c: m.einsum("i,j,k->ijk", a, b, c), [(2,), (3,), (4,)]),
    ("einsum_implicit", lambda m, a, b: m.einsum("ba,b...", a, b), [(3, 2), (3, 4, 5)]),
    ("einsum_list", lambda m, a, b: m.einsum("bij,bjk", [a, b]), [(2, 3, 4), (2, 4, 2)]),
    ("einsum_sublist", lambda m, a, b: m.einsum(a, [Ellipsis, 0, 1], b, [1, 2],
                                                [Ellipsis, 0, 2]), [(5, 3, 2), (2, 4)]),
    ("einsum_size1", lambda m, a, b: m.einsum("i,i->i", a, b), [(1,), (4,)]),
    ("einsum_transpose", lambda m, a: m.einsum("ijk->kji", a), [(2, 3, 4)]),
]


@pytest.mark.parametrize("name,fn,shapes", PRODUCT_CASES, ids=[c[0] for c in PRODUCT_CASES])
@pytest.mark.parametrize("dtype", FLOATS)
def test_products_match_torch(name, fn, shapes, dtype):
    arrays = [rand(s, dtype, i + 1) for i, s in enumerate(shapes)]
    es, ts = pairs(*arrays)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_same(fn(ember, *es), fn(torch, *ts), rtol=tol(dtype), atol=tol(dtype))


@pytest.mark.parametrize("name,fn,shapes", PRODUCT_CASES, ids=[c[0] for c in PRODUCT_CASES])
def test_products_grads_match_torch(name, fn, shapes):
    arrays = [rand(s, "float64", i + 1) for i, s in enumerate(shapes)]
    if name.startswith("cdist_p05") or name == "cdist_inf":
        arrays = [np.round(a, 1) + 0.013 * i for i, a in enumerate(arrays)]
    compare_grads(lambda *a: fn(ember, *a), lambda *a: fn(torch, *a), arrays)


GRAD_FN_CASES = [
    ("vdot", lambda m, a, b: m.vdot(a, b), [(4,), (4,)]),
    ("outer", lambda m, a, b: m.outer(a, b), [(3,), (4,)]),
    ("addmm", _addmm, [(3, 2), (3, 4), (4, 2)]),
    ("addmv", _addmv, [(3,), (3, 4), (4,)]),
    ("addbmm", _addbmm, [(3, 5), (2, 3, 4), (2, 4, 5)]),
    ("baddbmm", _baddbmm, [(2, 3, 5), (2, 3, 4), (2, 4, 5)]),
    ("addr", _addr, [(3, 4), (3,), (4,)]),
    ("kron", lambda m, a, b: m.kron(a, b), [(2, 3), (3, 2)]),
    ("cdist", lambda m, a, b: m.cdist(a, b), [(4, 3), (5, 3)]),
    ("cross", lambda m, a, b: m.linalg.cross(a, b), [(4, 3), (4, 3)]),
    ("tensordot", lambda m, a, b: m.tensordot(a, b, dims=2), [(2, 3, 4), (3, 4, 5)]),
    ("multi_dot", lambda m, a, b, c: m.linalg.multi_dot([a, b, c]), [(2, 3), (3, 6), (6, 2)]),
    ("inner", lambda m, a, b: m.inner(a, b), [(2, 3), (4, 3)]),
]


@pytest.mark.parametrize("name,fn,shapes", GRAD_FN_CASES, ids=[c[0] for c in GRAD_FN_CASES])
def test_products_grad_fn_names(name, fn, shapes):
    es, ts = pairs(*[rand(s, "float64", i) for i, s in enumerate(shapes)], requires_grad=True)
    assert type(fn(ember, *es).grad_fn).__name__ == type(fn(torch, *ts).grad_fn).__name__


def test_addmm_beta_zero_ignores_nan_and_ints():
    nan = np.full((2, 2), np.nan, "float32")
    (e0, e1, e2), (t0, t1, t2) = pairs(nan, np.ones((2, 3), "float32"), np.ones((3, 2), "float32"))
    assert_same(ember.addmm(e0, e1, e2, beta=0), torch.addmm(t0, t1, t2, beta=0))
    ints = [np.ones((2, 2), "int64"), np.ones((2, 3), "int64"), np.ones((3, 2), "int64")]
    es, ts = pairs(*ints)
    assert_same(ember.addmm(*es, beta=2, alpha=3), torch.addmm(*ts, beta=2, alpha=3))
    es, ts = pairs(np.ones((2, 3), "int64"), np.ones(2, "int64"), np.ones(3, "int64"))
    assert_same(ember.addr(*es, beta=2, alpha=3), torch.addr(*ts, beta=2, alpha=3))


def test_inplace_fused_products():
    arrays = [rand((3, 2), "float64", 1), rand((3, 4), "float64", 2), rand((4, 2), "float64", 3)]
    (e0, e1, e2), (t0, t1, t2) = pairs(*arrays)
    e0.addmm_(e1, e2, alpha=2)
    t0.addmm_(t1, t2, alpha=2)
    assert_same(e0, t0)
    (e0, e1, e2), (t0, t1, t2) = pairs(rand((3, 4), "float64", 1), rand(3, "float64", 2),
                                       rand(4, "float64", 3))
    assert_same(e0.addr_(e1, e2), t0.addr_(t1, t2))


def test_out_argument():
    (e1, e2), (t1, t2) = pairs(rand((3, 4), "float64", 1), rand((4, 2), "float64", 2))
    e_out, t_out = ember.zeros(3, 2, dtype=ember.float64), torch.zeros(3, 2, dtype=torch.float64)
    ember.mm(e1, e2, out=e_out)
    torch.mm(t1, t2, out=t_out)
    assert_same(e_out, t_out)
    ember.matmul(e1, e2, out=e_out)
    assert_same(e_out, t_out)


def test_chain_matmul_warns_and_matches():
    arrays = [rand((2, 3), "float64", 1), rand((3, 4), "float64", 2), rand((4, 2), "float64", 3)]
    es, ts = pairs(*arrays)
    with pytest.warns(UserWarning, match="chain_matmul is deprecated"):
        result = ember.chain_matmul(*es)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_same(result, torch.chain_matmul(*ts))


def test_cross_default_dim_warns():
    (e1, e2), (t1, t2) = pairs(rand((2, 3, 3), "float64", 1), rand((2, 3, 3), "float64", 2))
    with pytest.warns(UserWarning):
        result = ember.cross(e1, e2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_same(result, torch.cross(t1, t2))


def test_finite_differences_for_products():
    numerical_check(lambda a, b: ember.einsum("ij,jk->ik", a, b),
                    [rand((2, 3), "float64", 1), rand((3, 2), "float64", 2)])
    numerical_check(lambda a, b: ember.matmul(a, b),
                    [rand((2, 2, 3), "float64", 1), rand((3,), "float64", 2)])
    numerical_check(lambda a, b: ember.kron(a, b),
                    [rand((2, 2), "float64", 1), rand((2,), "float64", 2)])


DOUBLE_BACKWARD = [
    ("matmul", lambda m, a, b: (a @ b) * (a @ b)),
    ("einsum", lambda m, a, b: m.einsum("ij,jk->ik", a, b) * a.sum()),
    ("addmm", lambda m, a, b: m.addmm(a, a, b) * b),
    ("bmm", lambda m, a, b: m.bmm(a.unsqueeze(0), b.unsqueeze(0)) * a),
]


@pytest.mark.parametrize("name,fn", DOUBLE_BACKWARD, ids=[c[0] for c in DOUBLE_BACKWARD])
def test_double_backward(name, fn):
    (ea, eb), (ta, tb) = pairs(rand((3, 3), "float64", 1), rand((3, 3), "float64", 2),
                               requires_grad=True)
    (ga,) = ember.autograd.grad(fn(ember, ea, eb).sum(), ea, create_graph=True)
    (ta_g,) = torch.autograd.grad(fn(torch, ta, tb).sum(), ta, create_graph=True)
    assert_same(ga, ta_g)
    (gb,) = ember.autograd.grad((ga * ga).sum(), eb)
    (tb_g,) = torch.autograd.grad((ta_g * ta_g).sum(), tb)
    assert_same(gb, tb_g)


def test_batched_matmul_is_one_numpy_call_fast():
    import time
    a = ember.from_numpy(rand((64, 32, 32), "float32", 1))
    b = ember.from_numpy(rand((64, 32, 32), "float32", 2))
    start = time.perf_counter()
    for _ in range(20):
        a @ b
    assert time.perf_counter() - start < 1.0
