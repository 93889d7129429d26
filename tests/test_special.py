"""ember.special and igamma/igammac against torch.special: values (including poles, infinities
and NaN), dtypes, gradients and errors."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import ember  # noqa: E402
from tests.parity import assert_same, pair  # noqa: E402

INF, NAN = float("inf"), float("nan")
SPECIALS = [-INF, -0.0, 0.0, INF, NAN]


def both(fn):
    out = []
    for lib in (ember, torch):
        try:
            out.append(fn(lib))
        except Exception as exc:  # noqa: BLE001 - the exception type is compared
            out.append(type(exc))
    return out


def assert_both(fn, **kwargs):
    e, t = both(fn)
    if isinstance(t, type):
        assert e is t, (e, t)
    else:
        assert not isinstance(e, type), e
        assert_same(e, t, **kwargs)


def grid(name: str) -> np.ndarray:
    """Inputs covering each function's regions (and the special values)."""
    rng = np.random.default_rng(0)
    if name in ("ndtri",):
        values = [rng.uniform(0, 1, 40), np.exp(rng.uniform(-700, -1, 20)),
                  1 - np.exp(rng.uniform(-30, -1, 10)), [0.0, 1.0, 0.5, -0.1, 1.5]]
    elif name in ("entr", "bessel_y0", "bessel_y1") or "modified_bessel_k" in name:
        values = [np.exp(rng.uniform(-8, 5, 60)), [0.0, 1e-300, 2.0, 8.0, -1.0]]
    else:
        values = [rng.uniform(-12, 12, 60), rng.uniform(-2, 2, 20),
                  [0.0, 1.0, -1.0, 2.0, -2.0, 8.0, 30.0, -30.0]]
    return np.concatenate([np.asarray(v, dtype=np.float64) for v in values] + [SPECIALS])


# Functions of one tensor, their tolerance in float64 (PyTorch's Bessel and Airy functions are
# accurate to about 1e-8 to 1e-6 in places; ember's are accurate to a few ulps).
UNARY = {
    "airy_ai": 2e-6, "bessel_j0": 1e-6, "bessel_j1": 1e-6, "bessel_y0": 1e-6, "bessel_y1": 1e-6,
    "modified_bessel_i0": 1e-12, "modified_bessel_i1": 1e-12, "modified_bessel_k0": 1e-12,
    "modified_bessel_k1": 1e-12, "scaled_modified_bessel_k0": 1e-12,
    "scaled_modified_bessel_k1": 1e-12, "spherical_bessel_j0": 1e-12, "entr": 1e-12,
    "erfcx": 1e-12, "i0e": 1e-12, "i1": 1e-12, "i1e": 1e-12, "log_ndtr": 1e-12, "ndtr": 1e-12,
    "ndtri": 1e-12, "expit": 1e-12, "gammaln": 1e-12, "psi": 1e-12, "digamma": 1e-12,
    "erf": 1e-12, "erfc": 1e-12, "exp2": 1e-12, "expm1": 1e-12, "i0": 1e-12, "sinc": 1e-12,
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_values_float64(name):
    e, t = pair(grid(name))
    with np.errstate(all="ignore"):
        assert_same(getattr(ember.special, name)(e), getattr(torch.special, name)(t),
                    rtol=UNARY[name], atol=UNARY[name])


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_dtypes(name):
    """float32, integer and half inputs: result dtype (or NotImplementedError) as torch."""
    data = np.array([0.25, 0.5, 1.0, 3.0], dtype=np.float32)
    e, t = pair(data)
    assert_same(getattr(ember.special, name)(e), getattr(torch.special, name)(t),
                rtol=2e-6, atol=2e-6)
    for dtype in ("int64", "bool", "float16", "bfloat16", "complex64"):
        def run(lib, d=dtype):
            values = [1, 0, 1] if d == "bool" else [1, 2, 3]
            return getattr(lib.special, name)(lib.tensor(values, dtype=getattr(lib, d)))
        assert_both(run, rtol=2e-2, atol=2e-2)


def test_unary_out_and_meta():
    e_out, t_out = ember.empty(2), torch.empty(2)
    ember.special.erfcx(ember.tensor([0.5, 2.0]), out=e_out)
    torch.special.erfcx(torch.tensor([0.5, 2.0]), out=t_out)
    assert_same(e_out, t_out)
    meta = ember.special.bessel_j0(ember.empty(3, device="meta"))
    assert meta.device.type == "meta" and meta.shape == (3,)
    with pytest.raises(TypeError):
        ember.special.bessel_j0(2.0)


DIFFERENTIABLE = ["entr", "erfcx", "i0e", "i1", "i1e", "log_ndtr", "ndtr", "ndtri", "expit",
                  "gammaln", "psi", "erf", "erfc", "erfinv", "exp2", "expm1", "sinc", "i0",
                  "logit", "log1p"]


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_unary_gradients(name):
    data = np.array([0.1, 0.35, 0.6, 0.9]) if name in ("ndtri", "erfinv", "logit", "entr") \
        else np.array([-2.5, -0.4, 0.0, 0.3, 1.7, 9.0])
    e, t = pair(data, requires_grad=True)
    e_out, t_out = getattr(ember.special, name)(e), getattr(torch.special, name)(t)
    assert type(e_out.grad_fn).__name__ == type(t_out.grad_fn).__name__
    weights = np.linspace(0.5, 1.5, data.size)
    e_grad = ember.autograd.grad((e_out * ember.tensor(weights)).sum(), e, create_graph=True)[0]
    t_grad = torch.autograd.grad((t_out * torch.tensor(weights)).sum(), t, create_graph=True)[0]
    assert_same(e_grad, t_grad, rtol=1e-10, atol=1e-10)
    # Second derivatives through the ember-op backward formulas.
    e_second = ember.autograd.grad(e_grad.sum(), e)[0]
    t_second = torch.autograd.grad(t_grad.sum(), t)[0]
    assert_same(e_second, t_second, rtol=1e-8, atol=1e-8)


@pytest.mark.parametrize("name", ["bessel_j0", "airy_ai", "modified_bessel_k1", "zeta_x"])
def test_non_differentiable_results_have_no_graph(name):
    def run(lib):
        x = lib.tensor([1.5, 2.5], requires_grad=True)
        if name == "zeta_x":
            return lib.special.chebyshev_polynomial_t(x, 3).requires_grad
        return getattr(lib.special, name)(x).requires_grad
    assert both(run)[0] == both(run)[1] is False


# -- functions of two arguments -------------------------------------------------------------------

POLYNOMIALS = ["chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v",
               "chebyshev_polynomial_w", "shifted_chebyshev_polynomial_t",
               "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
               "shifted_chebyshev_polynomial_w", "hermite_polynomial_h", "hermite_polynomial_he",
               "laguerre_polynomial_l", "legendre_polynomial_p"]


@pytest.mark.parametrize("name", POLYNOMIALS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_polynomials(name, dtype):
    rng = np.random.default_rng(1)
    # (PyTorch returns an uninitialized value for some degrees at NaN, so NaN is left out.)
    x = np.concatenate([rng.uniform(-1.2, 1.2, 60), [-1, 1, 0, 0.5, 2, -2, 0.3]]).astype(dtype)
    n = np.concatenate([rng.integers(-2, 14, 60), [0, 1, 2, 7, 9, 3, 2]]).astype(dtype)
    n[5] = 2.7  # degrees truncate toward zero
    (ex, tx), (en, tn) = pair(x), pair(n)
    tolerance = 1e-5 if dtype == np.float32 else 1e-12
    assert_same(getattr(ember.special, name)(ex, en), getattr(torch.special, name)(tx, tn),
                rtol=tolerance, atol=tolerance)
    # A number for either argument, integer inputs, and degrees past the Hermite limits.
    assert_both(lambda lib: getattr(lib.special, name)(lib.tensor(x), 3), rtol=tolerance,
                atol=tolerance)
    assert_both(lambda lib: getattr(lib.special, name)(0.5, lib.tensor([0, 1, 4])))
    assert_both(lambda lib: getattr(lib.special, name)(lib.tensor([2, 3]), lib.tensor([3, 2])))
    assert_both(lambda lib: getattr(lib.special, name)(lib.tensor([0.5], dtype=lib.float16), 2))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("degree", [127, 128, 129, 200, 512, 513])
def test_hermite_degree_limits(dtype, degree):
    for name in ("hermite_polynomial_h", "hermite_polynomial_he"):
        assert_both(lambda lib, n=name: getattr(lib.special, n)(
            lib.tensor([0.01, 0.5], dtype=getattr(lib, dtype)), degree), rtol=1e-5, atol=0)


@pytest.mark.parametrize("name", ["xlog1py", "zeta", "xlogy"])
def test_binary_values(name):
    rng = np.random.default_rng(2)
    if name == "zeta":
        x = np.concatenate([1 + np.exp(rng.uniform(-4, 3, 40)), [1.0, 0.5, 2.0, 2.0, 2.0, 2.5,
                                                                  INF, INF, 2.0, NAN]])
        q = np.concatenate([np.exp(rng.uniform(-4, 4, 40)), [1.0, 1.0, 0.0, -1.0, -1.5, -1.5,
                                                             1.0, 2.0, 1e9, 1.0]])
    else:
        x = np.concatenate([rng.uniform(-3, 3, 40), [0.0, 0.0, 1.0, 2.0, 0.0]])
        q = np.concatenate([rng.uniform(-0.9, 4, 40), [NAN, -1.0, -1.0, 1.0, 0.0]])
    (ex, tx), (eq, tq) = pair(x), pair(q)
    assert_same(getattr(ember.special, name)(ex, eq), getattr(torch.special, name)(tx, tq),
                rtol=1e-12, atol=1e-12)
    assert_both(lambda lib: getattr(lib.special, name)(2.0, lib.tensor([1.0, 3.0])))
    assert_both(lambda lib: getattr(lib.special, name)(lib.tensor([2.0, 3.0]), 2))
    assert_both(lambda lib: getattr(lib.special, name)(lib.tensor([2, 3]), lib.tensor([1, 2])))
    assert_both(lambda lib: getattr(lib.special, name)(2.0, 3.0))
    assert_both(lambda lib: getattr(lib.special, name)(lib.tensor([2.0], dtype=lib.float16),
                                                       lib.tensor([1.0], dtype=lib.float16)),
                rtol=1e-3, atol=1e-3)


def test_binary_gradients():
    x = np.array([0.0, 0.5, 1.5, 2.0])
    q = np.array([0.3, 1.2, 2.0, 4.0])
    (ex, tx), (eq, tq) = pair(x, requires_grad=True), pair(q, requires_grad=True)
    for name in ("xlog1py", "xlogy"):
        e_out = getattr(ember.special, name)(ex, eq)
        t_out = getattr(torch.special, name)(tx, tq)
        assert type(e_out.grad_fn).__name__ == type(t_out.grad_fn).__name__
        assert_same(ember.autograd.grad(e_out.sum(), [ex, eq]),
                    torch.autograd.grad(t_out.sum(), [tx, tq]), rtol=1e-10, atol=1e-10)
    e_out = ember.special.zeta(ex.detach() + 2, eq)
    t_out = torch.special.zeta(tx.detach() + 2, tq)
    assert type(e_out.grad_fn).__name__ == type(t_out.grad_fn).__name__
    assert_same(ember.autograd.grad(e_out.sum(), eq), torch.autograd.grad(t_out.sum(), tq),
                rtol=1e-10, atol=1e-10)
    e_out = ember.special.zeta(ex + 2, eq.detach())
    with pytest.raises(NotImplementedError, match="zeta"):
        e_out.sum().backward()
    # A number operand takes no gradient, the tensor one does.
    e_out = ember.special.xlog1py(2.0, eq)
    assert_same(ember.autograd.grad(e_out.sum(), eq)[0],
                torch.autograd.grad(torch.special.xlog1py(2.0, tq).sum(), tq)[0])


# -- igamma / igammac -------------------------------------------------------------------------------

IGAMMA_POINTS = (
    np.array([0.5, 2.0, 10.0, 1e-3, 0.1, 3.0, 150.0, 150.0, 1e4, 0.0, 0.0, -1.0, 1.0, INF, 1.0,
              NAN, 2.0, 30.0, 0.7]),
    np.array([1.0, 2.0, 3.0, 0.5, 1e-4, 0.9, 140.0, 170.0, 1.01e4, 1.0, 0.0, 1.0, -1.0, 1.0, INF,
              1.0, NAN, 1.0, 0.3]),
)


@pytest.mark.parametrize("name, alias", [("igamma", "gammainc"), ("igammac", "gammaincc")])
def test_igamma_values(name, alias):
    (ea, ta), (ex, tx) = pair(IGAMMA_POINTS[0]), pair(IGAMMA_POINTS[1])
    # PyTorch's values for large a are accurate to about 1e-9; ember's to about 1e-14.
    assert_same(getattr(ember, name)(ea, ex), getattr(torch, name)(ta, tx), rtol=1e-8,
                atol=1e-12)
    assert_same(getattr(ember.special, alias)(ea, ex), getattr(torch.special, alias)(ta, tx),
                rtol=1e-8, atol=1e-12)
    assert_same(getattr(ea, name)(ex), getattr(ta, name)(tx), rtol=1e-8, atol=1e-12)
    e_self, t_self = ea.clone(), ta.clone()
    getattr(e_self, name + "_")(ex)
    getattr(t_self, name + "_")(tx)
    assert_same(e_self, t_self, rtol=1e-8, atol=1e-12)
    e_out, t_out = ember.empty(0, dtype=ember.float64), torch.empty(0, dtype=torch.float64)
    getattr(ember, name)(ea, ex, out=e_out)
    getattr(torch, name)(ta, tx, out=t_out)
    assert_same(e_out, t_out, rtol=1e-8, atol=1e-12)


def test_igamma_is_accurate_where_large_arguments_nearly_cancel():
    # Reference values from mpmath at 40 digits.
    a = np.array([1894012.33747138, 100.0, 1e4])
    x = np.array([1886400.90186355, 100.0, 1e4 + 150.0])
    lower = np.array([1.5312899589450705144e-8, 0.51329879827914866486,
                      0.93265937849605087065])
    upper = np.array([0.99999998468710041055, 0.48670120172085133514,
                      0.067340621503949129346])
    result = ember.igamma(ember.tensor(a), ember.tensor(x)).numpy()
    np.testing.assert_allclose(result, lower, rtol=1e-12)
    np.testing.assert_allclose(ember.igammac(ember.tensor(a), ember.tensor(x)).numpy(), upper,
                               rtol=1e-12)


@pytest.mark.parametrize("dtypes", [("float32", "float32"), ("float16", "float16"),
                                    ("bfloat16", "bfloat16"), ("float32", "int64"),
                                    ("bool", "float32"), ("int64", "int64"), ("bool", "bool")])
def test_igamma_dtypes(dtypes):
    def run(lib):
        a = lib.tensor([0.5, 2.0, 3.0]).to(getattr(lib, dtypes[0]))
        x = lib.tensor([1.0, 2.0, 1.0]).to(getattr(lib, dtypes[1]))
        return lib.igamma(a, x)
    assert_both(run, rtol=1e-2, atol=1e-3)


def test_igamma_errors_and_gradients():
    assert_both(lambda lib: lib.igamma(2.0, lib.tensor([1.0])))
    assert_both(lambda lib: lib.igamma(lib.tensor([1.0]), 2.0))
    assert_both(lambda lib: lib.tensor([1, 2]).igamma_(lib.tensor([1.0, 2.0])))
    (ea, ta), (ex, tx) = pair(np.array([0.5, 2.0, 7.0])), pair(np.array([1.0, 3.0, 5.0]),
                                                             requires_grad=True)
    for name in ("igamma", "igammac"):
        e_out, t_out = getattr(ember, name)(ea, ex), getattr(torch, name)(ta, tx)
        assert type(e_out.grad_fn).__name__ == type(t_out.grad_fn).__name__
        assert_same(ember.autograd.grad(e_out.sum(), ex), torch.autograd.grad(t_out.sum(), tx),
                    rtol=1e-10, atol=1e-12)
        assert ember.autograd.gradcheck(lambda v, n=name: getattr(ember, n)(ea, v), (ex,))
        e_bad = getattr(ember, name)(ea.clone().requires_grad_(), ex.detach())
        with pytest.raises(NotImplementedError, match=f"{name}: input"):
            e_bad.sum().backward()


def test_aliases_and_namespace():
    for name in dir(torch.special):
        if not name.startswith("_") and callable(getattr(torch.special, name)) \
                and name not in ("Tensor", "torch"):
            assert hasattr(ember.special, name), name
    x = np.array([0.2, 0.5, 0.9])
    (e, t) = pair(x, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for fn in (lambda lib, v: lib.special.multigammaln(v + 2, 2),
                   lambda lib, v: lib.special.polygamma(2, v),
                   lambda lib, v: lib.special.round(v * 10),
                   lambda lib, v: lib.special.round(v * 10, decimals=1),
                   lambda lib, v: lib.special.softmax(v, 0),
                   lambda lib, v: lib.special.log_softmax(v, 0, dtype=lib.float32),
                   lambda lib, v: lib.special.logsumexp(v, 0),
                   lambda lib, v: lib.special.logit(v, eps=0.3)):
            e_out, t_out = fn(ember, e), fn(torch, t)
            assert_same(e_out, t_out)
            assert type(e_out.grad_fn).__name__ == type(t_out.grad_fn).__name__
