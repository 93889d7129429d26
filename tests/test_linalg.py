"""ember.linalg and the top-level linear-algebra functions against PyTorch."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import ember  # noqa: E402
from _linalg_helpers import (compare_grads, numerical_check, pairs, rand, spd,  # noqa: E402
                             well_conditioned)
from parity import assert_same  # noqa: E402

FLOATS = ["float32", "float64"]
ALL = ["float32", "float64", "complex64", "complex128"]
HAS_CONJ = hasattr(ember.Tensor, "conj")
INF = float("inf")


def tol(dtype):
    return {"float32": 2e-4, "complex64": 2e-4}.get(dtype, 1e-9)


def grad_dtypes():
    return ["float64", "complex128"] if HAS_CONJ else ["float64"]


# -- norms -----------------------------------------------------------------------------------------

VECTOR_ORDS = [2, 1, 0, INF, -INF, 3, 0.5, -1, 1.5]


@pytest.mark.parametrize("ord", VECTOR_ORDS)
@pytest.mark.parametrize("dim,keepdim", [(None, False), (1, False), ((0, 2), True), (-1, True)])
@pytest.mark.parametrize("dtype", ALL)
def test_vector_norm_values(ord, dim, keepdim, dtype):
    if dtype.startswith("complex") and not HAS_CONJ and ord not in (0, INF, -INF):
        pass
    (e,), (t,) = pairs(rand((3, 4, 5), dtype, 1))
    assert_same(ember.linalg.vector_norm(e, ord, dim, keepdim),
                torch.linalg.vector_norm(t, ord, dim, keepdim), rtol=tol(dtype), atol=tol(dtype))


@pytest.mark.parametrize("ord", VECTOR_ORDS)
def test_vector_norm_grads(ord):
    data = rand((3, 4), "float64", 2)
    data[0, 0] = 0.0
    if ord in (INF, -INF):
        data = np.round(data, 1)
        data[1, 1] = data[1, 2] = 3.0
    compare_grads(lambda x: ember.linalg.vector_norm(x, ord, 1),
                  lambda x: torch.linalg.vector_norm(x, ord, 1), [data])
    compare_grads(lambda x: ember.linalg.vector_norm(x, ord),
                  lambda x: torch.linalg.vector_norm(x, ord), [data])


def test_vector_norm_zero_vector_grad_is_zero():
    compare_grads(lambda x: ember.linalg.vector_norm(x), lambda x: torch.linalg.vector_norm(x),
                  [np.zeros((3,))])


MATRIX_ORDS = ["fro", "nuc", INF, -INF, 1, -1, 2, -2]


@pytest.mark.parametrize("ord", MATRIX_ORDS)
@pytest.mark.parametrize("dtype", ALL)
def test_matrix_norm_values(ord, dtype):
    (e,), (t,) = pairs(rand((2, 3, 4), dtype, 1))
    assert_same(ember.linalg.matrix_norm(e, ord), torch.linalg.matrix_norm(t, ord),
                rtol=tol(dtype), atol=tol(dtype))
    assert_same(ember.linalg.matrix_norm(e, ord, dim=(0, 2), keepdim=True),
                torch.linalg.matrix_norm(t, ord, dim=(0, 2), keepdim=True), rtol=tol(dtype),
                atol=tol(dtype))


@pytest.mark.parametrize("ord", MATRIX_ORDS)
def test_matrix_norm_grads_and_grad_fn(ord):
    data = rand((2, 3, 4), "float64", 3)
    e_out, t_out = compare_grads(lambda x: ember.linalg.matrix_norm(x, ord),
                                 lambda x: torch.linalg.matrix_norm(x, ord), [data])
    assert type(e_out[0].grad_fn).__name__ == type(t_out[0].grad_fn).__name__


NORM_CALLS = [
    lambda m, x: m.linalg.norm(x),
    lambda m, x: m.linalg.norm(x, dim=1),
    lambda m, x: m.linalg.norm(x[0, 0], 3),
    lambda m, x: m.linalg.norm(x[0], "nuc"),
    lambda m, x: m.linalg.norm(x, 2, dim=(1, 2), keepdim=True),
    lambda m, x: m.linalg.norm(x[0, 0], INF),
    lambda m, x: m.norm(x),
    lambda m, x: m.norm(x, 3),
    lambda m, x: m.norm(x, dim=1),
    lambda m, x: m.norm(x, p=1, dim=(0, 1)),
    lambda m, x: m.norm(x[0], "nuc"),
    lambda m, x: m.norm(x, "fro", dim=(1, 2), keepdim=True),
    lambda m, x: x.norm(),
    lambda m, x: x.norm(dim=-1, keepdim=True),
    lambda m, x: m.dist(x, x[0]),
    lambda m, x: m.dist(x, x[0] * 2, 3),
    lambda m, x: m.dist(x, x[:, :1], INF),
    lambda m, x: m.renorm(x, 2, 0, 1.5),
    lambda m, x: m.renorm(x, 1, 1, 2.0),
    lambda m, x: m.linalg.vector_norm(x, dtype=m.float64),
]


@pytest.mark.parametrize("index", range(len(NORM_CALLS)))
def test_norm_family_values_and_grads(index):
    call = NORM_CALLS[index]
    data = rand((2, 3, 4), "float64", index)
    (e,), (t,) = pairs(data.astype("float32"))
    assert_same(call(ember, e), call(torch, t), rtol=2e-4, atol=2e-4)
    compare_grads(lambda x: call(ember, x), lambda x: call(torch, x), [data])


NORM_ERRORS = [
    lambda m: m.linalg.vector_norm(m.ones(3, dtype=m.int64)),
    lambda m: m.norm(m.ones(3, dtype=m.int64)),
    lambda m: m.linalg.matrix_norm(m.ones(3)),
    lambda m: m.linalg.matrix_norm(m.ones(3, 3), 3),
    lambda m: m.linalg.matrix_norm(m.ones(3, 3), "abc"),
    lambda m: m.linalg.norm(m.ones(3, 3, 3), 2),
    lambda m: m.linalg.norm(m.ones(3), "fro"),
    lambda m: m.linalg.vector_norm(m.ones(0), INF),
    lambda m: m.norm(m.ones(3), "nuc"),
]


@pytest.mark.parametrize("index", range(len(NORM_ERRORS)))
def test_norm_errors(index):
    with pytest.raises(RuntimeError) as t_err:
        NORM_ERRORS[index](torch)
    with pytest.raises(RuntimeError) as e_err:
        NORM_ERRORS[index](ember)
    assert str(e_err.value) == str(t_err.value)
    with pytest.raises(TypeError):
        ember.linalg.vector_norm(ember.ones(3), "fro")


# -- inverse, determinant, solve -------------------------------------------------------------------

SQUARE_SHAPES = [(3, 3), (2, 4, 4), (2, 1, 3, 3), (1, 1)]


@pytest.mark.parametrize("shape", SQUARE_SHAPES)
@pytest.mark.parametrize("dtype", ALL)
def test_inv_det_slogdet_values(shape, dtype):
    (e,), (t,) = pairs(well_conditioned(shape, dtype, 1))
    t_tol = tol(dtype)
    assert_same(ember.linalg.inv(e), torch.linalg.inv(t), rtol=t_tol, atol=t_tol)
    assert_same(ember.inverse(e), torch.inverse(t), rtol=t_tol, atol=t_tol)
    assert_same(ember.linalg.inv_ex(e), torch.linalg.inv_ex(t), rtol=t_tol, atol=t_tol)
    assert_same(ember.linalg.det(e), torch.linalg.det(t), rtol=t_tol, atol=t_tol)
    assert_same(ember.det(e), torch.det(t), rtol=t_tol, atol=t_tol)
    assert_same(ember.linalg.slogdet(e), torch.linalg.slogdet(t), rtol=t_tol, atol=t_tol)
    assert_same(ember.slogdet(e), torch.slogdet(t), rtol=t_tol, atol=t_tol)
    assert_same(ember.logdet(e), torch.logdet(t), rtol=t_tol, atol=t_tol)
    assert type(ember.linalg.slogdet(e)).__name__ == "linalg_slogdet"
    assert ember.linalg.slogdet(e).logabsdet.dtype == ember.linalg.slogdet(e)[1].dtype


@given(batch=st.lists(st.integers(1, 3), max_size=2), n=st.integers(1, 4),
       dtype=st.sampled_from(FLOATS))
def test_inv_det_hypothesis(batch, n, dtype):
    (e,), (t,) = pairs(well_conditioned(tuple(batch) + (n, n), dtype, n))
    assert_same(ember.linalg.inv(e), torch.linalg.inv(t), rtol=tol(dtype), atol=tol(dtype))
    assert_same(ember.linalg.det(e), torch.linalg.det(t), rtol=tol(dtype), atol=tol(dtype))


@pytest.mark.parametrize("dtype", grad_dtypes())
@pytest.mark.parametrize("name", ["inv", "det", "slogdet", "logdet", "inv_ex", "inverse",
                                  "matrix_power3", "matrix_power-2", "matrix_exp"])
def test_inverse_family_grads(name, dtype):
    fns = {
        "inv": lambda m, a: m.linalg.inv(a),
        "det": lambda m, a: m.linalg.det(a),
        "slogdet": lambda m, a: m.linalg.slogdet(a),
        "logdet": lambda m, a: m.logdet(a @ a.mT),
        "inv_ex": lambda m, a: m.linalg.inv_ex(a)[0],
        "inverse": lambda m, a: m.inverse(a),
        "matrix_power3": lambda m, a: m.linalg.matrix_power(a, 3),
        "matrix_power-2": lambda m, a: m.linalg.matrix_power(a, -2),
        "matrix_exp": lambda m, a: m.linalg.matrix_exp(a),
    }
    fn = fns[name]
    if name == "logdet" and dtype.startswith("complex"):
        return
    data = well_conditioned((2, 3, 3), dtype, 4)

    def prepare(ts, lib):
        return [ts[0].transpose(-1, -2)]
    e_out, t_out = compare_grads(lambda a: fn(ember, a), lambda a: fn(torch, a), [data],
                                 prepare=prepare)
    for e, t in zip(e_out, t_out):
        if t.grad_fn is not None:
            assert type(e.grad_fn).__name__ == type(t.grad_fn).__name__


def test_det_grad_of_singular_matrix():
    singular = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])
    compare_grads(lambda a: ember.linalg.det(a), lambda a: torch.linalg.det(a), [singular])


def test_double_backward_inverse_family():
    for fn in (lambda m, a: m.linalg.det(a), lambda m, a: m.linalg.inv(a).sum(),
               lambda m, a: m.linalg.slogdet(a)[1]):
        (ea,), (ta,) = pairs(well_conditioned((3, 3), "float64", 7), requires_grad=True)
        (ge,) = ember.autograd.grad(fn(ember, ea).sum(), ea, create_graph=True)
        (gt,) = torch.autograd.grad(fn(torch, ta).sum(), ta, create_graph=True)
        assert_same(ge, gt)
        (gge,) = ember.autograd.grad((ge * ge).sum(), ea)
        (ggt,) = torch.autograd.grad((gt * gt).sum(), ta)
        assert_same(gge, ggt, rtol=1e-7, atol=1e-8)


SOLVE_SHAPES = [((3, 3), (3, 2)), ((3, 3), (3,)), ((2, 3, 3), (3,)), ((2, 3, 3), (2, 3)),
                ((2, 1, 3, 3), (4, 3, 2)), ((3, 3), (2, 3, 1))]


@pytest.mark.parametrize("shapes", SOLVE_SHAPES)
@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("dtype", ALL)
def test_solve_values(shapes, left, dtype):
    a_shape, b_shape = shapes
    if not left:
        if len(b_shape) == 1 or b_shape == a_shape[:-1]:
            return
        b_shape = b_shape[:-2] + b_shape[:-3:-1]
    (a, b), (ta, tb) = pairs(well_conditioned(a_shape, dtype, 1), rand(b_shape, dtype, 2))
    assert_same(ember.linalg.solve(a, b, left=left), torch.linalg.solve(ta, tb, left=left),
                rtol=tol(dtype), atol=tol(dtype))
    assert_same(ember.linalg.solve_ex(a, b, left=left), torch.linalg.solve_ex(ta, tb, left=left),
                rtol=tol(dtype), atol=tol(dtype))


@pytest.mark.parametrize("shapes", SOLVE_SHAPES[:5])
@pytest.mark.parametrize("left", [True, False])
def test_solve_grads(shapes, left):
    a_shape, b_shape = shapes
    if not left:
        if len(b_shape) == 1 or b_shape == a_shape[:-1]:
            return
        b_shape = b_shape[:-2] + b_shape[:-3:-1]
    e_out, t_out = compare_grads(lambda a, b: ember.linalg.solve(a, b, left=left),
                                 lambda a, b: torch.linalg.solve(a, b, left=left),
                                 [well_conditioned(a_shape, "float64", 1),
                                  rand(b_shape, "float64", 2)])
    assert type(e_out[0].grad_fn).__name__ == type(t_out[0].grad_fn).__name__


TRIANGULAR = [((3, 3), (3, 2), True, True, False), ((3, 3), (3, 2), False, True, True),
              ((2, 3, 3), (3, 4), True, True, False), ((3, 3), (2, 3), False, False, False),
              ((2, 3, 3), (1, 2, 3), True, False, True)]


@pytest.mark.parametrize("a_shape,b_shape,upper,left,unit", TRIANGULAR)
def test_solve_triangular_values_and_grads(a_shape, b_shape, upper, left, unit):
    arrays = [well_conditioned(a_shape, "float64", 1), rand(b_shape, "float64", 2)]
    e_out, t_out = compare_grads(
        lambda a, b: ember.linalg.solve_triangular(a, b, upper=upper, left=left,
                                                   unitriangular=unit),
        lambda a, b: torch.linalg.solve_triangular(a, b, upper=upper, left=left,
                                                   unitriangular=unit), arrays)
    assert_same(e_out[0], t_out[0])
    assert type(e_out[0].grad_fn).__name__ == type(t_out[0].grad_fn).__name__


def test_triangular_solve_legacy_and_singular():
    arrays = [rand((3, 2), "float64", 1), well_conditioned((3, 3), "float64", 2)]
    for transpose in (False, True):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            e_out, t_out = compare_grads(
                lambda b, a, tr=transpose: ember.triangular_solve(b, a, upper=False, transpose=tr),
                lambda b, a, tr=transpose: torch.triangular_solve(b, a, upper=False, transpose=tr),
                arrays, outputs=[0])
        assert_same(e_out[0], t_out[0])
        assert_same(e_out[1], t_out[1])
    (a, b), (ta, tb) = pairs(np.zeros((3, 3)), np.ones((3, 1)))
    assert_same(ember.linalg.solve_triangular(a, b, upper=True),
                torch.linalg.solve_triangular(ta, tb, upper=True))


# -- errors ------------------------------------------------------------------------------------------

SINGULAR = [[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]]

LINALG_ERRORS = [
    lambda m: m.linalg.inv(m.tensor(SINGULAR)),
    lambda m: m.linalg.inv(m.zeros(2, 3, 3)),
    lambda m: m.inverse(m.tensor(SINGULAR)),
    lambda m: m.linalg.inv(m.ones(2, 3)),
    lambda m: m.linalg.inv(m.ones(3)),
    lambda m: m.linalg.inv(m.ones(3, 3, dtype=m.int64)),
    lambda m: m.linalg.inv(m.ones(3, 3, dtype=m.float16)),
    lambda m: m.linalg.det(m.ones(3, 2)),
    lambda m: m.linalg.solve(m.tensor(SINGULAR), m.ones(3)),
    lambda m: m.linalg.solve(m.zeros(2, 3, 3), m.ones(3)),
    lambda m: m.linalg.solve(m.from_numpy(np.eye(3, dtype=np.float32)), m.ones(4)),
    lambda m: m.linalg.solve(m.from_numpy(np.eye(3, dtype=np.float32)), m.ones(4, 2)),
    lambda m: m.linalg.solve(m.from_numpy(np.eye(3, dtype=np.float32)), m.ones(3, dtype=m.float64)),
    lambda m: m.linalg.cholesky(m.tensor(SINGULAR)),
    lambda m: m.linalg.cholesky(m.zeros(2, 3, 3)),
    lambda m: m.linalg.eigh(m.ones(3, 2)),
    lambda m: m.linalg.eigh(m.from_numpy(np.eye(3, dtype=np.float32)), UPLO="X"),
    lambda m: m.linalg.qr(m.from_numpy(np.eye(3, dtype=np.float32)), mode="x"),
    lambda m: m.linalg.lu_factor(m.tensor(SINGULAR)),
    lambda m: m.linalg.lu_factor(m.zeros(2, 3, 3)),
    lambda m: m.linalg.matrix_power(m.tensor(SINGULAR), -1),
    lambda m: m.linalg.matrix_power(m.ones(2, 3), 2),
    lambda m: m.linalg.svd(m.ones(3, 3, dtype=m.int64)),
    lambda m: m.linalg.eig(m.ones(3, 3, dtype=m.int64)),
    lambda m: m.linalg.lstsq(m.ones(3, 3), m.ones(2)),
    lambda m: m.linalg.matrix_exp(m.ones(3, 2)),
    lambda m: m.linalg.matrix_exp(m.ones(3, 3, dtype=m.int64)),
    lambda m: m.linalg.pinv(m.ones(3, 3, dtype=m.int64)),
    lambda m: m.linalg.cholesky(m.ones(3, 3, dtype=m.int64)),
    lambda m: m.linalg.solve_ex(m.tensor(SINGULAR), m.ones(3), check_errors=True),
    lambda m: m.linalg.inv_ex(m.tensor(SINGULAR), check_errors=True),
]


@pytest.mark.parametrize("index", range(len(LINALG_ERRORS)))
def test_linalg_errors_match_torch(index):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(RuntimeError) as t_err:
            LINALG_ERRORS[index](torch)
        with pytest.raises(RuntimeError) as e_err:
            LINALG_ERRORS[index](ember)
    assert str(e_err.value) == str(t_err.value)
    is_lin_alg = isinstance(t_err.value, torch.linalg.LinAlgError)
    assert isinstance(e_err.value, ember.linalg.LinAlgError) == is_lin_alg


def test_lin_alg_error_type_and_ex_variants():
    assert issubclass(ember.linalg.LinAlgError, RuntimeError)
    with pytest.raises(ember.linalg.LinAlgError, match="The diagonal element 3 is zero"):
        ember.linalg.inv(ember.tensor(SINGULAR))
    (e,), (t,) = pairs(np.stack([np.zeros((3, 3)), np.eye(3)]))
    e_inv, e_info = ember.linalg.inv_ex(e)
    t_inv, t_info = torch.linalg.inv_ex(t)
    assert_same(e_info, t_info)
    assert_same(e_inv[1], t_inv[1])
    assert_same(ember.linalg.solve_ex(e, e[1]).info, torch.linalg.solve_ex(t, t[1]).info)
    (s,), (ts,) = pairs(np.array(SINGULAR))
    e_l, e_i = ember.linalg.cholesky_ex(s)
    t_l, t_i = torch.linalg.cholesky_ex(ts)
    assert_same(e_i, t_i)
    assert_same(e_l, t_l)
    assert_same(ember.linalg.lu_factor_ex(s), torch.linalg.lu_factor_ex(ts))


# -- decompositions ----------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4)])
@pytest.mark.parametrize("upper", [False, True])
@pytest.mark.parametrize("dtype", ALL)
def test_cholesky_values(shape, upper, dtype):
    (e,), (t,) = pairs(spd(shape, dtype, 1))
    assert_same(ember.linalg.cholesky(e, upper=upper), torch.linalg.cholesky(t, upper=upper),
                rtol=tol(dtype), atol=tol(dtype))
    assert_same(ember.linalg.cholesky_ex(e, upper=upper),
                torch.linalg.cholesky_ex(t, upper=upper), rtol=tol(dtype), atol=tol(dtype))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_same(ember.cholesky(e, upper), torch.cholesky(t, upper), rtol=tol(dtype),
                    atol=tol(dtype))


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_family_grads(upper):
    def sym(ts, lib):
        a = ts[0]
        return [a @ a.mT + lib.from_numpy(3 * np.eye(3))] + list(ts[1:])
    data = [rand((2, 3, 3), "float64", 1)]
    e_out, t_out = compare_grads(lambda a: ember.linalg.cholesky(a, upper=upper),
                                 lambda a: torch.linalg.cholesky(a, upper=upper), data,
                                 prepare=sym)
    assert type(e_out[0].grad_fn).__name__ == type(t_out[0].grad_fn).__name__
    chol = np.linalg.cholesky(spd((3, 3), "float64", 2))
    factor = chol.T.copy() if upper else chol
    compare_grads(lambda b, f: ember.cholesky_solve(b, f, upper),
                  lambda b, f: torch.cholesky_solve(b, f, upper),
                  [rand((3, 2), "float64", 3), factor])
    compare_grads(lambda f: ember.cholesky_inverse(f, upper),
                  lambda f: torch.cholesky_inverse(f, upper), [factor])


@pytest.mark.parametrize("shape", [(4, 3), (3, 3), (3, 5), (2, 4, 3)])
@pytest.mark.parametrize("mode", ["reduced", "complete", "r"])
@pytest.mark.parametrize("dtype", ALL)
def test_qr_values(shape, mode, dtype):
    (e,), (t,) = pairs(rand(shape, dtype, 1))
    e_q, e_r = ember.linalg.qr(e, mode)
    t_q, t_r = torch.linalg.qr(t, mode)
    assert_same(e_r, t_r, rtol=tol(dtype) * 10, atol=tol(dtype) * 10)
    assert_same(e_q, t_q, rtol=tol(dtype) * 10, atol=tol(dtype) * 10)


@pytest.mark.parametrize("shape,mode", [((4, 3), "reduced"), ((3, 3), "complete"),
                                        ((3, 5), "reduced"), ((2, 4, 3), "reduced")])
def test_qr_grads(shape, mode):
    e_out, t_out = compare_grads(lambda a: ember.linalg.qr(a, mode),
                                 lambda a: torch.linalg.qr(a, mode),
                                 [rand(shape, "float64", 2)])
    assert type(e_out[0].grad_fn).__name__ == "LinalgQrBackward0"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_same(ember.qr(ember.from_numpy(rand(shape, "float64", 2))),
                    torch.qr(torch.from_numpy(rand(shape, "float64", 2))))


@pytest.mark.parametrize("dtype", ALL)
@pytest.mark.parametrize("uplo", ["L", "U"])
def test_eigh_values(dtype, uplo):
    data = rand((2, 4, 4), dtype, 1)
    (e,), (t,) = pairs(data)
    e_l, e_v = ember.linalg.eigh(e, UPLO=uplo)
    t_l, t_v = torch.linalg.eigh(t, UPLO=uplo)
    assert_same(e_l, t_l, rtol=tol(dtype), atol=tol(dtype))
    assert_same(ember.linalg.eigvalsh(e, uplo), torch.linalg.eigvalsh(t, uplo),
                rtol=tol(dtype), atol=tol(dtype))
    # Eigenvectors are defined up to a phase: compare |V| and the projectors V_i V_i^H.
    np.testing.assert_allclose(np.abs(e_v._data), np.abs(t_v.numpy()), rtol=1e-3, atol=1e-3)
    projector = np.einsum("...ik,...jk->...kij", e_v._data, np.conj(e_v._data))
    expected = np.einsum("...ik,...jk->...kij", t_v.numpy(), np.conj(t_v.numpy()))
    np.testing.assert_allclose(projector, expected, rtol=1e-3, atol=1e-3)


def test_eigh_grads_invariant():
    def sym(ts, lib):
        return [ts[0] + ts[0].mT]
    data = [rand((2, 4, 4), "float64", 5)]
    # Sign-invariant loss: eigenvalues and the squared eigenvector entries.
    compare_grads(lambda a: _eig_invariants(ember, ember.linalg.eigh(a)),
                  lambda a: _eig_invariants(torch, torch.linalg.eigh(a)), data, prepare=sym)
    compare_grads(lambda a: ember.linalg.eigvalsh(a), lambda a: torch.linalg.eigvalsh(a), data,
                  prepare=sym)


def _eig_invariants(m, result):
    values, vectors = result
    return values, vectors * vectors


@pytest.mark.parametrize("dtype", ALL)
def test_eig_values(dtype):
    data = rand((2, 3, 3), dtype, 3)
    (e,), (t,) = pairs(data)
    e_l, e_v = ember.linalg.eig(e)
    t_l, t_v = torch.linalg.eig(t)
    assert e_l.dtype == ember.complex64 if dtype in ("float32", "complex64") else ember.complex128
    assert_same(e_l, t_l, rtol=tol(dtype) * 10, atol=tol(dtype) * 10)
    assert_same(ember.linalg.eigvals(e), torch.linalg.eigvals(t), rtol=tol(dtype) * 10,
                atol=tol(dtype) * 10)
    # V diag(L) V^-1 reproduces A.
    rebuilt = e_v._data @ (e_l._data[..., None] * np.linalg.inv(e_v._data))
    np.testing.assert_allclose(rebuilt, data, rtol=1e-4, atol=1e-4)


@pytest.mark.skipif(not HAS_CONJ, reason="needs Tensor.conj")
def test_eig_grads():
    data = [rand((3, 3), "float64", 6)]
    compare_grads(lambda a: ember.linalg.eigvals(a), lambda a: torch.linalg.eigvals(a), data)


@pytest.mark.parametrize("shape", [(4, 3), (3, 3), (3, 5), (2, 4, 3), (2, 0, 3)])
@pytest.mark.parametrize("full", [True, False])
@pytest.mark.parametrize("dtype", ALL)
def test_svd_values(shape, full, dtype):
    data = rand(shape, dtype, 1)
    (e,), (t,) = pairs(data)
    e_u, e_s, e_vh = ember.linalg.svd(e, full_matrices=full)
    t_u, t_s, t_vh = torch.linalg.svd(t, full_matrices=full)
    assert_same(e_s, t_s, rtol=tol(dtype), atol=tol(dtype))
    assert e_u.shape == t_u.shape and e_vh.shape == t_vh.shape
    assert str(e_u.dtype) == str(t_u.dtype)
    k = min(shape[-2:])
    rebuilt = (e_u._data[..., :, :k] * e_s._data[..., None, :]) @ e_vh._data[..., :k, :]
    np.testing.assert_allclose(rebuilt, data, rtol=1e-4, atol=1e-4)
    assert_same(ember.linalg.svdvals(e), torch.linalg.svdvals(t), rtol=tol(dtype),
                atol=tol(dtype))


def test_svd_grads_invariant():
    for shape in [(4, 3), (3, 5), (2, 3, 3)]:
        data = [rand(shape, "float64", 4)]
        compare_grads(lambda a: ember.linalg.svdvals(a), lambda a: torch.linalg.svdvals(a), data)
        # |U| S |V| products are sign invariant: use U diag(S) Vh and the squares of U and Vh.
        compare_grads(lambda a: _svd_invariants(ember.linalg.svd(a, full_matrices=False)),
                      lambda a: _svd_invariants(torch.linalg.svd(a, full_matrices=False)), data)
    legacy_e = ember.svd(ember.from_numpy(rand((4, 3), "float64", 2)))
    legacy_t = torch.svd(torch.from_numpy(rand((4, 3), "float64", 2)))
    assert_same(legacy_e.S, legacy_t.S)
    assert legacy_e.V.shape == legacy_t.V.shape
    no_uv = ember.svd(ember.from_numpy(rand((4, 3), "float64", 2)), compute_uv=False)
    assert_same(no_uv, torch.svd(torch.from_numpy(rand((4, 3), "float64", 2)), compute_uv=False))


def _svd_invariants(result):
    u, s, vh = result
    return (u * s.unsqueeze(-2)).matmul(vh), u * u, vh * vh, s


@pytest.mark.parametrize("shape", [(4, 3), (3, 5), (2, 3, 3)])
@pytest.mark.parametrize("hermitian", [False, True])
def test_pinv_values_and_grads(shape, hermitian):
    if hermitian and shape[-1] != shape[-2]:
        return

    def prep(ts, lib):
        return [ts[0] + ts[0].mT] if hermitian else ts
    e_out, t_out = compare_grads(lambda a: ember.linalg.pinv(a, hermitian=hermitian),
                                 lambda a: torch.linalg.pinv(a, hermitian=hermitian),
                                 [rand(shape, "float64", 2)], prepare=prep)
    assert_same(e_out[0], t_out[0])
    assert_same(ember.pinverse(ember.from_numpy(rand(shape, "float64", 3))),
                torch.pinverse(torch.from_numpy(rand(shape, "float64", 3))))
    (e,), (t,) = pairs(np.ones((3, 3)))
    assert_same(ember.linalg.pinv(e, atol=0.5), torch.linalg.pinv(t, atol=0.5))
    assert_same(ember.linalg.pinv(e, rtol=2.0), torch.linalg.pinv(t, rtol=2.0))


@pytest.mark.parametrize("driver", [None, "gels", "gelsy", "gelsd", "gelss"])
@pytest.mark.parametrize("shapes", [((5, 3), (5, 2)), ((2, 5, 3), (2, 5)), ((3, 3), (3, 2)),
                                    ((2, 5, 3), (2, 5, 2))])
def test_lstsq(driver, shapes):
    arrays = [rand(shapes[0], "float64", 1), rand(shapes[1], "float64", 2)]
    e_out, t_out = compare_grads(lambda a, b: ember.linalg.lstsq(a, b, driver=driver),
                                 lambda a, b: torch.linalg.lstsq(a, b, driver=driver), arrays,
                                 outputs=[0])
    assert type(e_out).__name__ == "list"
    for e, t in zip(e_out, t_out):
        assert_same(e, t, rtol=1e-8, atol=1e-8)


def test_matrix_rank():
    rng = np.random.default_rng(0)
    low = rng.standard_normal((2, 5, 2)) @ rng.standard_normal((2, 2, 4))
    (e,), (t,) = pairs(low)
    assert_same(ember.linalg.matrix_rank(e), torch.linalg.matrix_rank(t))
    assert_same(ember.linalg.matrix_rank(e, atol=1.0, rtol=0.0),
                torch.linalg.matrix_rank(t, atol=1.0, rtol=0.0))
    sym = low[0] @ low[0].T
    (e,), (t,) = pairs(sym)
    assert_same(ember.linalg.matrix_rank(e, hermitian=True),
                torch.linalg.matrix_rank(t, hermitian=True))
    assert_same(ember.linalg.matrix_rank(e, tol=0.1), torch.linalg.matrix_rank(t, tol=0.1))


@pytest.mark.parametrize("power", [0, 1, 2, 3, 5, -1, -3])
def test_matrix_power(power):
    (e,), (t,) = pairs(well_conditioned((2, 3, 3), "float64", 1) / 2)
    assert_same(ember.linalg.matrix_power(e, power), torch.linalg.matrix_power(t, power))
    assert_same(ember.matrix_power(e[0], power), torch.matrix_power(t[0], power))
    e2, t2 = e[0].detach().requires_grad_(), t[0].detach().requires_grad_()
    name = type(torch.linalg.matrix_power(t2, power).grad_fn).__name__
    assert type(ember.linalg.matrix_power(e2, power).grad_fn).__name__ == name


@pytest.mark.parametrize("scale", [0.01, 1.0, 30.0])
@pytest.mark.parametrize("dtype", ALL)
def test_matrix_exp(scale, dtype):
    (e,), (t,) = pairs(rand((2, 3, 3), dtype, 2, scale=scale))
    t_out = torch.linalg.matrix_exp(t)
    rtol = 1e-4 if dtype in ("float32", "complex64") else 1e-8
    assert_same(ember.linalg.matrix_exp(e), t_out, rtol=rtol, atol=rtol * float(
        t_out.abs().max()))
    assert_same(ember.matrix_exp(e), t_out, rtol=rtol, atol=rtol * float(t_out.abs().max()))


@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4), (3, 5), (5, 3)])
@pytest.mark.parametrize("dtype", FLOATS)
def test_lu_family_values(shape, dtype):
    data = rand(shape, dtype, 8)
    (e,), (t,) = pairs(data)
    assert_same(ember.linalg.lu_factor(e), torch.linalg.lu_factor(t), rtol=tol(dtype),
                atol=tol(dtype))
    assert_same(ember.linalg.lu(e), torch.linalg.lu(t), rtol=tol(dtype), atol=tol(dtype))
    lu_e, piv_e = ember.linalg.lu_factor(e)
    lu_t, piv_t = torch.linalg.lu_factor(t)
    assert_same(ember.lu_unpack(lu_e, piv_e), torch.lu_unpack(lu_t, piv_t), rtol=tol(dtype),
                atol=tol(dtype))
    if shape[-1] == shape[-2]:
        (b,), (tb,) = pairs(rand(shape[:-1] + (2,), dtype, 9))
        for left, adjoint in ((True, False), (True, True)):
            assert_same(ember.linalg.lu_solve(lu_e, piv_e, b, left=left, adjoint=adjoint),
                        torch.linalg.lu_solve(lu_t, piv_t, tb, left=left, adjoint=adjoint),
                        rtol=tol(dtype) * 10, atol=tol(dtype) * 10)
        assert_same(ember.lu_solve(b, lu_e, piv_e), torch.lu_solve(tb, lu_t, piv_t),
                    rtol=tol(dtype) * 10, atol=tol(dtype) * 10)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert_same(ember.lu(e, get_infos=True), torch.lu(t, get_infos=True),
                        rtol=tol(dtype), atol=tol(dtype))


@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4), (3, 5), (5, 3)])
def test_lu_family_grads(shape):
    data = [rand(shape, "float64", 8)]
    e_out, t_out = compare_grads(lambda a: ember.linalg.lu(a), lambda a: torch.linalg.lu(a),
                                 data, outputs=[1, 2])
    assert type(e_out[1].grad_fn).__name__ == type(t_out[1].grad_fn).__name__
    e_out, t_out = compare_grads(lambda a: ember.linalg.lu_factor(a)[0],
                                 lambda a: torch.linalg.lu_factor(a)[0], data)
    assert type(e_out[0].grad_fn).__name__ == type(t_out[0].grad_fn).__name__
    if shape[-1] == shape[-2]:
        lu_t, piv_t = torch.linalg.lu_factor(torch.from_numpy(data[0]))
        piv_e = ember.from_numpy(piv_t.numpy().copy())
        for left, adjoint in ((True, False), (False, True)):
            b_shape = shape[:-1] + (2,) if left else shape[:-2] + (2, shape[-1])
            compare_grads(
                lambda lu_, b, lf=left, ad=adjoint: ember.linalg.lu_solve(lu_, piv_e, b, left=lf,
                                                                     adjoint=ad),
                lambda lu_, b, lf=left, ad=adjoint: torch.linalg.lu_solve(lu_, piv_t, b, left=lf,
                                                                     adjoint=ad),
                [lu_t.numpy().copy(), rand(b_shape, "float64", 4)])


def test_other_linalg_helpers():
    (a, b), (ta, tb) = pairs(rand((4, 3), "float64", 1), rand((4, 3), "float64", 2))
    assert_same(ember.linalg.vecdot(a, b), torch.linalg.vecdot(ta, tb))
    assert_same(ember.linalg.matmul(a, b.mT), torch.linalg.matmul(ta, tb.mT))
    assert_same(ember.linalg.cond(a[:3]), torch.linalg.cond(ta[:3]))
    assert_same(ember.linalg.cond(a[:3], "fro"), torch.linalg.cond(ta[:3], "fro"))
    assert_same(ember.linalg.cond(a[:3], 1), torch.linalg.cond(ta[:3], 1))
    (t4,), (tt4,) = pairs(well_conditioned((6, 6), "float64", 3).reshape(6, 2, 3))
    assert_same(ember.linalg.tensorinv(t4, ind=1), torch.linalg.tensorinv(tt4, ind=1))
    (sa, sb), (tsa, tsb) = pairs(well_conditioned((6, 6), "float64", 3).reshape(2, 3, 6),
                                 rand((2, 3), "float64", 4))
    assert_same(ember.linalg.tensorsolve(sa, sb), torch.linalg.tensorsolve(tsa, tsb))
    (x,), (tx,) = pairs(rand((2, 4), "float64", 5))
    assert_same(ember.linalg.vander(x), torch.linalg.vander(tx))
    assert_same(ember.linalg.vander(x, N=2), torch.linalg.vander(tx, N=2))
    (g,), (tg,) = pairs(rand((2, 5, 3), "float64", 6))
    assert_same(ember.geqrf(g), torch.geqrf(tg))
    h, tau = ember.geqrf(g)
    assert_same(ember.linalg.householder_product(h, tau),
                torch.linalg.householder_product(*torch.geqrf(tg)))
    assert_same(ember.orgqr(h, tau), torch.orgqr(*torch.geqrf(tg)))


@pytest.mark.skipif(not hasattr(ember.Tensor, "diagonal"), reason="needs Tensor.diagonal")
def test_linalg_diagonal():
    (a,), (ta,) = pairs(rand((2, 3, 4), "float64", 1))
    assert_same(ember.linalg.diagonal(a), torch.linalg.diagonal(ta), check_stride=True)
    assert_same(ember.linalg.diagonal(a, offset=1, dim1=0, dim2=2),
                torch.linalg.diagonal(ta, offset=1, dim1=0, dim2=2))


def test_finite_differences():
    numerical_check(lambda a: ember.linalg.det(a), [well_conditioned((3, 3), "float64", 1)])
    numerical_check(lambda a: ember.linalg.inv(a), [well_conditioned((2, 2), "float64", 2)])
    numerical_check(lambda a: ember.linalg.matrix_exp(a), [rand((2, 2), "float64", 3)])
    numerical_check(lambda a: ember.linalg.vector_norm(a, 3), [rand((4,), "float64", 4)])


def test_named_tuples_and_methods():
    (a,), (ta,) = pairs(spd((3, 3), "float64", 1))
    for name in ("det", "logdet", "inverse", "pinverse", "matrix_exp", "norm"):
        assert_same(getattr(a, name)(), getattr(ta, name)())
    assert type(ember.linalg.eigh(a)).__name__ == "linalg_eigh"
    assert ember.linalg.eigh(a).eigenvalues.shape == (3,)
    assert type(ember.linalg.svd(a)).__name__ == "linalg_svd"
    assert type(ember.linalg.qr(a)).__name__ == "linalg_qr"
    assert type(ember.linalg.inv_ex(a)).__name__ == "linalg_inv_ex"
    assert ember.linalg.lstsq(a, a).solution.shape == (3, 3)
    assert_same(a.matrix_power(2), ta.matrix_power(2))
    assert_same(a.cholesky(), ta.cholesky())


def test_speed_of_batched_ops():
    import time
    data = ember.from_numpy(well_conditioned((200, 8, 8), "float64", 1))
    start = time.perf_counter()
    ember.linalg.inv(data)
    ember.linalg.det(data)
    ember.linalg.svd(data)
    ember.linalg.eigh(data + data.mT)
    ember.linalg.solve(data, data)
    assert time.perf_counter() - start < 0.5


@pytest.mark.skipif(not HAS_CONJ, reason="needs Tensor.conj")
def test_complex_decomposition_grads():
    def herm(ts, lib):
        a = ts[0]
        return [a @ a.mH + lib.from_numpy(3 * np.eye(3).astype(np.complex128))]
    data = [rand((2, 3, 3), "complex128", 11)]
    compare_grads(lambda a: ember.linalg.cholesky(a), lambda a: torch.linalg.cholesky(a), data,
                  prepare=herm)
    compare_grads(lambda a: ember.linalg.eigvalsh(a), lambda a: torch.linalg.eigvalsh(a), data,
                  prepare=herm)
    compare_grads(lambda a: ember.linalg.svdvals(a), lambda a: torch.linalg.svdvals(a), data)
    compare_grads(lambda a: ember.linalg.solve(a, a[0]), lambda a: torch.linalg.solve(a, a[0]),
                  data, prepare=herm)
    compare_grads(lambda a: ember.linalg.pinv(a), lambda a: torch.linalg.pinv(a), data)


DOUBLE_BACKWARD = [
    ("cholesky", lambda m, a: m.linalg.cholesky(a @ a.mT + m.from_numpy(3 * np.eye(3)))),
    ("solve", lambda m, a: m.linalg.solve(a, a.sum(-1))),
    ("vector_norm", lambda m, a: m.linalg.vector_norm(a, dim=-1)),
    ("vector_norm3", lambda m, a: m.linalg.vector_norm(a, 3)),
    ("pinv", lambda m, a: m.linalg.pinv(a)),
    ("solve_triangular", lambda m, a: m.linalg.solve_triangular(a, a.mT, upper=True)),
]


@pytest.mark.parametrize("name,fn", DOUBLE_BACKWARD, ids=[c[0] for c in DOUBLE_BACKWARD])
def test_double_backward_more(name, fn):
    (ea,), (ta,) = pairs(well_conditioned((3, 3), "float64", 12), requires_grad=True)
    probe = rand((3, 3), "float64", 13)
    e_out, t_out = fn(ember, ea), fn(torch, ta)
    e_probe = ember.from_numpy(np.asarray(probe[..., :1] if e_out.ndim < 2 else probe)
                               .reshape(tuple(e_out.shape)).copy()) if e_out.ndim else 1.0
    t_probe = torch.from_numpy(np.asarray(e_probe._data).copy()) if e_out.ndim else 1.0
    (ge,) = ember.autograd.grad((e_out * e_probe).sum(), ea, create_graph=True)
    (gt,) = torch.autograd.grad((t_out * t_probe).sum(), ta, create_graph=True)
    assert_same(ge, gt)
    (gge,) = ember.autograd.grad((ge * ge).sum(), ea)
    (ggt,) = torch.autograd.grad((gt * gt).sum(), ta)
    assert_same(gge, ggt, rtol=1e-7, atol=1e-8)


def _zeros(m, *shape):
    return m.zeros(*shape, dtype=m.float64)


EDGE_CASES = [
    lambda m: m.linalg.inv(_zeros(m, 0, 0)),
    lambda m: m.linalg.inv(_zeros(m, 0, 3, 3)),
    lambda m: m.linalg.det(_zeros(m, 0, 0)),
    lambda m: m.linalg.slogdet(_zeros(m, 2, 0, 0)),
    lambda m: m.linalg.solve(_zeros(m, 0, 0), _zeros(m, 0, 2)),
    lambda m: m.linalg.cholesky(_zeros(m, 0, 0)),
    lambda m: m.linalg.eigh(_zeros(m, 0, 0)),
    lambda m: m.linalg.qr(_zeros(m, 0, 3)),
    lambda m: m.linalg.svd(_zeros(m, 3, 0), full_matrices=False),
    lambda m: m.linalg.pinv(_zeros(m, 0, 3)),
    lambda m: m.linalg.matrix_norm(_zeros(m, 0, 3), 2),
    lambda m: m.linalg.matrix_rank(_zeros(m, 3, 3)),
    lambda m: m.linalg.matrix_exp(_zeros(m, 0, 0)),
    lambda m: m.linalg.lu_factor(_zeros(m, 0, 0)),
    lambda m: m.linalg.vector_norm(m.tensor(-3.0)),
    lambda m: m.linalg.vector_norm(m.ones(3, dtype=m.float16)),
    lambda m: m.linalg.norm(m.ones(3, dtype=m.complex64)),
    lambda m: m.mm(_zeros(m, 2, 0), _zeros(m, 0, 3)),
    lambda m: m.einsum("i->", m.ones(3)),
    lambda m: m.kron(m.tensor(2.0), m.ones(3)),
    lambda m: m.cdist(m.ones(2, 3, 4), m.ones(1, 5, 4)),
    lambda m: m.linalg.matrix_power(m.ones(2, 3, 3), 0),
    lambda m: m.linalg.lstsq(m.ones(2, 5, 3), m.ones(1, 5, 2), driver="gelsd"),
    lambda m: m.linalg.solve_triangular(m.ones(2, 1, 3, 3), m.ones(4, 3, 2), upper=True),
    lambda m: m.cholesky_solve(m.ones(2, 3, 2), m.ones(3, 3)),
    lambda m: m.linalg.vecdot(m.ones(2, 1, 3), m.ones(4, 3)),
]


@pytest.mark.parametrize("index", range(len(EDGE_CASES)))
def test_edge_cases_match_torch(index):
    assert_same(EDGE_CASES[index](ember), EDGE_CASES[index](torch))


def test_dist_refuses_integers():
    with pytest.raises(RuntimeError, match="norm\\(\\): input dtype should be either floating"):
        ember.dist(ember.ones(3, dtype=ember.int64), ember.ones(3, dtype=ember.int64))
