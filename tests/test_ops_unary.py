"""Unary elementwise math against PyTorch: values and dtypes over every dtype, special values,
gradients (vs torch and finite differences), double backward, in-place forms, out= and errors."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from hypothesis import given, settings, strategies as st  # noqa: E402

import ember  # noqa: E402
from ember.ops import _special  # noqa: E402
from tests.parity import assert_same, numerical_grad, to_ember, to_torch  # noqa: E402

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32",
          "float64", "complex64", "complex128"]

# Values every op sees: zeros, ±inf, NaN, negatives for log/sqrt domains, points near the roots
# and poles of the special functions, and both sides of ±1 for erfinv/atanh/acosh.
FLOAT_VALUES = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.5, 3.7, -7.3, 1e-3, -1e-3, 25.0, -30.0,
                100.0, math.inf, -math.inf, math.nan, 0.999, -0.999, 1.001, 1e-30, 1e10, -1e10,
                1.4616321449683622, -2.457024738220800, 0.25, 1.5, 10.0, 12.5, 0.999999, 6.5]
INT_VALUES = [-3, -2, -1, 0, 1, 2, 3, 7, -8, 100, -100]
COMPLEX_VALUES = [0j, 1 + 0j, -1 + 0j, 1j, -1j, 0.5 + 0.5j, -2.5 + 1.5j, 3 - 4j, -0.3 - 0.7j,
                  1e-3 + 2j, 10 + 10j, -7 + 0.1j, 0.5 - 2j, 2 + 0j, -0.9 + 0j]

UNARY = ["abs", "absolute", "exp", "expm1", "exp2", "log", "log1p", "log2", "log10", "sqrt",
         "rsqrt", "square", "sin", "cos", "tan", "asin", "arcsin", "acos", "arccos", "atan",
         "arctan", "sinh", "cosh", "tanh", "asinh", "arcsinh", "acosh", "arccosh", "atanh",
         "arctanh", "sigmoid", "logit", "erf", "erfc", "erfinv", "lgamma", "digamma", "i0",
         "sinc", "floor", "ceil", "round", "trunc", "fix", "frac", "sign", "sgn", "positive",
         "nan_to_num", "isnan", "isinf", "isposinf", "isneginf", "isfinite", "isreal", "signbit",
         "deg2rad", "rad2deg", "real", "imag", "conj", "conj_physical", "resolve_conj",
         "resolve_neg", "angle", "relu", "frexp"]

# Ops called with extra arguments: name -> call(module, tensor).
CALLS = {
    "polygamma0": lambda m, x: m.polygamma(0, x),
    "polygamma1": lambda m, x: m.polygamma(1, x),
    "polygamma2": lambda m, x: m.polygamma(2, x),
    "polygamma3": lambda m, x: m.polygamma(3, x),
    "polygamma6": lambda m, x: m.polygamma(6, x),
    "logit_eps": lambda m, x: m.logit(x, eps=0.1),
    "round_2": lambda m, x: m.round(x, decimals=2),
    "round_-1": lambda m, x: m.round(x, decimals=-1),
    "round_0": lambda m, x: m.round(x, decimals=0),
    "nan_to_num_args": lambda m, x: m.nan_to_num(x, nan=1.5, posinf=7.0, neginf=-9.0),
    "nan_to_num_big": lambda m, x: m.nan_to_num(x, posinf=1e6),
}
for _name in UNARY:
    CALLS[_name] = (lambda n: lambda m, x: getattr(m, n)(x))(_name)

# Ops whose float32 results come from different (but equally good) algorithms in torch: compared
# with a few ulp of slack.
LOOSE_FLOAT32 = {"polygamma2", "polygamma3", "polygamma6", "digamma", "polygamma0", "lgamma",
                 "tan", "expm1", "sinh", "cosh"}


def _input_array(dtype_name: str) -> np.ndarray:
    if dtype_name == "bool":
        return np.array([True, False, True, True, False])
    if dtype_name.startswith("complex"):
        return np.array(COMPLEX_VALUES, dtype=dtype_name)
    if dtype_name.startswith(("int", "uint")):
        info = np.iinfo(dtype_name)
        values = [v for v in INT_VALUES if info.min <= v <= info.max] + [info.min, info.max]
        return np.array(values, dtype=dtype_name)
    return np.array(FLOAT_VALUES, dtype=np.float64)


def _pair(dtype_name: str, drop_nan: bool = False):
    arr = _input_array(dtype_name)
    if drop_nan:
        arr = arr[~np.isnan(arr)]
    e = ember.from_numpy(arr.copy())
    if dtype_name in ("float16", "bfloat16", "float32"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # 1e10 overflows float16
            e = e.to(getattr(ember, dtype_name))
    return e, to_torch(e)


def _tolerance(op: str, dtype_name: str):
    if dtype_name == "float32" and op in LOOSE_FLOAT32:
        return 2e-5
    if dtype_name == "complex64":
        return 2e-5
    if dtype_name == "float64" and op in ("lgamma", "digamma", "polygamma0"):
        return 1e-12  # near their roots torch and ember both lose a few digits
    if dtype_name == "float64" and op.startswith("polygamma"):
        # For x < 0 torch sums terms of both signs and loses digits (ember reflects instead).
        return 1e-10
    return None


def _compare(got, expected, rtol=None, e_input=None, t_input=None):
    if isinstance(expected, tuple):
        assert type(got).__name__ == type(expected).__name__
        for g, x in zip(got, expected):
            _compare(g, x, rtol)
        return
    if isinstance(expected, bool):
        assert got == expected
        return
    if t_input is not None:
        # Functions that hand back their input (positive, conj of a real tensor, ...).
        assert (got is e_input) == (expected is t_input)
    assert_same(got, expected, rtol=rtol, atol=rtol)


@pytest.mark.parametrize("dtype_name", DTYPES)
@pytest.mark.parametrize("op", list(CALLS))
def test_values_and_dtypes(op, dtype_name):
    call = CALLS[op]
    # torch turns NaN into a negative NaN when casting to bfloat16, so the inputs would differ.
    e, t = _pair(dtype_name, drop_nan=(op == "signbit" and dtype_name == "bfloat16"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            expected = call(torch, t)
        except Exception as exc:  # torch refuses: ember must refuse with the same type
            with pytest.raises(type(exc)):
                call(ember, e)
            return
        got = call(ember, e)
    _compare(got, expected, _tolerance(op, dtype_name), e, t)


@pytest.mark.parametrize("op", [op for op in UNARY if hasattr(torch.Tensor, op)
                                and op not in ("real", "imag")])  # properties on Tensor
def test_methods_match_functions(op):
    e, t = _pair("float64")
    expected = getattr(t, op)()
    got = getattr(e, op)()
    _compare(got, expected, None, e, t)


def test_namespaces_match_torch():
    names = UNARY + ["polygamma", "mvlgamma", "view_as_real", "view_as_complex", "is_conj",
                     "is_neg"]
    for name in names:
        assert hasattr(ember, name) == hasattr(torch, name), name
        assert hasattr(ember, name + "_") == hasattr(torch, name + "_"), name + "_"
        assert hasattr(ember.Tensor, name) == hasattr(torch.Tensor, name), name
        assert hasattr(ember.Tensor, name + "_") == hasattr(torch.Tensor, name + "_"), name + "_"


# -- hypothesis: shapes, layouts and random values ---------------------------------------------

FLOAT_OPS = ["exp", "expm1", "exp2", "log", "log1p", "log2", "log10", "sqrt", "rsqrt", "square",
             "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh",
             "acosh", "atanh", "sigmoid", "logit", "erf", "erfc", "erfinv", "lgamma", "digamma",
             "i0", "sinc", "floor", "ceil", "round", "trunc", "frac", "sign", "sgn", "abs",
             "nan_to_num", "deg2rad", "rad2deg", "angle", "relu", "isnan", "signbit"]


@pytest.mark.parametrize("op", FLOAT_OPS)
@settings(max_examples=12)  # 46 ops: keep the module's time budget under the "ci" profile
@given(shape=st.lists(st.integers(0, 4), max_size=3), transpose=st.booleans(),
       dtype_name=st.sampled_from(["float32", "float64"]), seed=st.integers(0, 2**16),
       scale=st.sampled_from([1.0, 5.0, 50.0]))
def test_random_shapes(op, shape, transpose, dtype_name, seed, scale):
    arr = np.asarray(np.random.default_rng(seed).standard_normal(shape) * scale, dtype=dtype_name)
    e = ember.from_numpy(arr.copy())
    t = torch.from_numpy(arr.copy())
    if transpose and arr.ndim >= 2:
        e, t = e.transpose(0, 1), t.transpose(0, 1)
    call = CALLS[op]
    rtol = 5e-5 if dtype_name == "float32" else 1e-12
    _compare(call(ember, e), call(torch, t), rtol)


@given(values=st.lists(st.floats(allow_nan=True, allow_infinity=True, width=64), min_size=1,
                       max_size=8))
def test_special_functions_random_float64(values):
    x = np.array(values)
    e, t = ember.tensor(x), torch.tensor(x)
    for name in ["erf", "erfc", "lgamma", "digamma", "i0"]:
        assert_same(getattr(ember, name)(e), getattr(torch, name)(t), rtol=1e-12, atol=1e-12)
    unit = np.tanh(x)
    assert_same(ember.erfinv(ember.tensor(unit)), torch.erfinv(torch.tensor(unit)), rtol=1e-12,
                atol=1e-12)


@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
def test_i0_overflows_where_torch_float_kernel_does(dtype):
    # PyTorch's float kernel scales by exp(|x|) in float: past ~88.72 the result is inf.
    x = [88.0, 88.7, 88.73, 89.0, -95.0, 1e4, float("inf"), float("-inf"), float("nan")]
    e = ember.i0(ember.tensor(x, dtype=getattr(ember, dtype)))
    t = torch.i0(torch.tensor(x, dtype=getattr(torch, dtype)))
    assert_same(e, t, rtol=1e-6, atol=0)


def test_special_functions_dense_sweep():
    """Many points per region of each special function, float64, vs torch."""
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.uniform(-8, 8, 4000), 10 ** rng.uniform(-300, 300, 500),
                        -10 ** rng.uniform(-300, 300, 500), rng.uniform(0.9, 2.1, 500)])
    t = torch.tensor(x)
    for name, fn in [("erf", torch.erf), ("erfc", torch.erfc), ("i0", torch.i0)]:
        assert_same(getattr(ember, name)(ember.tensor(x)), fn(t), rtol=1e-13, atol=1e-300)
    positive = np.abs(x)
    tp = torch.tensor(positive)
    assert_same(ember.lgamma(ember.tensor(positive)), torch.lgamma(tp), rtol=1e-13, atol=1e-14)
    assert_same(ember.digamma(ember.tensor(positive)), torch.digamma(tp), rtol=1e-13, atol=1e-13)
    for n in (1, 2, 5):
        assert_same(ember.polygamma(n, ember.tensor(positive)), torch.polygamma(n, tp),
                    rtol=1e-13, atol=1e-300)
    negative = -positive[:4000]
    tn = torch.tensor(negative)
    assert_same(ember.lgamma(ember.tensor(negative)), torch.lgamma(tn), rtol=1e-11, atol=1e-12)
    assert_same(ember.digamma(ember.tensor(negative)), torch.digamma(tn), rtol=1e-11, atol=1e-12)
    for n in (1, 2, 3):
        assert_same(ember.polygamma(n, ember.tensor(negative)), torch.polygamma(n, tn),
                    rtol=1e-11, atol=1e-12)
    unit = np.concatenate([rng.uniform(-1, 1, 4000), 1 - 10 ** rng.uniform(-16, -1, 500)])
    assert_same(ember.erfinv(ember.tensor(unit)), torch.erfinv(torch.tensor(unit)), rtol=1e-14,
                atol=1e-300)
    assert_same(ember.Tensor._make(_special.i1(x[:4000])),
                torch.special.i1(t[:4000]), rtol=1e-13, atol=1e-300)


def test_special_functions_float32_ulps():
    """float32 results within two ulp of torch's (four for i0, whose float32 kernel in torch is
    itself a few ulp off, and for sigmoid, which both compute as 1 / (1 + exp(-x)) in float32
    with different exp implementations)."""
    rng = np.random.default_rng(1)
    x = rng.uniform(-6, 6, 3000).astype(np.float32)
    for name in ["erf", "erfc", "i0", "sigmoid", "exp", "log1p", "sinc", "tanh"]:
        got = getattr(ember, name)(ember.from_numpy(x.copy()))._data
        expected = getattr(torch, name)(torch.from_numpy(x.copy())).numpy()
        ulp = np.spacing(np.abs(expected).astype(np.float32))
        allowed = 4 if name in ("i0", "sigmoid") else 2
        nan = np.isnan(expected)
        assert np.array_equal(np.isnan(got), nan), name
        assert np.all(np.abs(got - expected)[~nan] <= allowed * ulp[~nan] + 1e-45), name
    unit = rng.uniform(-0.999, 0.999, 3000).astype(np.float32)
    got = ember.erfinv(ember.from_numpy(unit.copy()))._data
    expected = torch.erfinv(torch.from_numpy(unit.copy())).numpy()
    assert np.all(np.abs(got - expected) <= 2 * np.spacing(np.abs(expected)))


# -- mvlgamma, polygamma arguments, round(decimals), logit(eps), frexp ---------------------------

@pytest.mark.parametrize("p", [1, 2, 5])
@pytest.mark.parametrize("dtype_name", ["float32", "float64", "int64"])
def test_mvlgamma(p, dtype_name):
    arr = np.array([3.0, 2.5, 7.25, 40.0]) if dtype_name != "int64" else np.array([3, 4, 10])
    e = ember.tensor(arr.astype(dtype_name))
    t = torch.tensor(arr.astype(dtype_name))
    assert_same(ember.mvlgamma(e, p), torch.mvlgamma(t, p), rtol=1e-5 if "32" in dtype_name
                or dtype_name == "int64" else 1e-13)
    assert_same(e.mvlgamma(p), t.mvlgamma(p), rtol=1e-5)


def test_mvlgamma_errors():
    # PyTorch 2.13 dropped the x > (p - 1) / 2 check: lgamma's poles give inf.
    assert_same(ember.mvlgamma(ember.tensor([1.0, 0.3]), 3),
                torch.mvlgamma(torch.tensor([1.0, 0.3]), 3))
    with pytest.raises(RuntimeError, match="p has to be"):
        ember.mvlgamma(ember.tensor([1.0]), 0)
    with pytest.raises(RuntimeError, match="boolean"):
        ember.mvlgamma(ember.tensor([True]), 1)


def test_polygamma_errors_and_methods():
    with pytest.raises(RuntimeError, match="negative n"):
        ember.polygamma(-1, ember.tensor([1.0]))
    x = ember.tensor([0.5, 2.0, 3.5], dtype=ember.float64)
    t = torch.tensor([0.5, 2.0, 3.5], dtype=torch.float64)
    assert_same(x.polygamma(2), t.polygamma(2))
    assert_same(x.clone().polygamma_(3), t.clone().polygamma_(3))


def test_round_half_even_and_decimals():
    values = [0.5, 1.5, 2.5, -0.5, -1.5, 0.125, 1.005, 2.675, 15.0, 25.0, 35.0, 1e300]
    for dtype in ["float16", "bfloat16", "float32", "float64"]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # 1e300 overflows the narrow types
            e = ember.tensor(values, dtype=getattr(ember, dtype))
        t = torch.tensor(values, dtype=getattr(torch, dtype))
        assert_same(ember.round(e), torch.round(t))
        for decimals in (-2, -1, 1, 2, 3):
            assert_same(ember.round(e, decimals=decimals), torch.round(t, decimals=decimals))
            assert_same(e.round(decimals=decimals), t.round(decimals=decimals))
    with pytest.raises(NotImplementedError):
        ember.round(ember.tensor([1, 2]), decimals=1)


def test_frexp():
    values = [0.0, -0.0, 1.0, -3.5, 1e-310, 1e300, math.inf, -math.inf, math.nan, 0.75]
    for dtype in ["float16", "bfloat16", "float32", "float64"]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # 1e300 overflows the narrow types
            e = ember.tensor(values, dtype=getattr(ember, dtype))
        t = torch.tensor(values, dtype=getattr(torch, dtype))
        got, expected = ember.frexp(e), torch.frexp(t)
        assert isinstance(got, ember.return_types.frexp)
        assert_same(got.mantissa, expected.mantissa)
        assert_same(got.exponent, expected.exponent)
        assert_same(e.frexp()[1], t.frexp()[1])
    out = (ember.empty(0), ember.empty(0, dtype=ember.int32))
    result = ember.frexp(ember.tensor([3.0, 0.25]), out=out)
    assert result.mantissa is out[0] and result.exponent is out[1]
    assert out[0].tolist() == [0.75, 0.5] and out[1].tolist() == [2, -1]
    with pytest.raises(RuntimeError, match="exponent to have int dtype"):
        ember.frexp(ember.tensor([3.0]), out=(ember.empty(1), ember.empty(1, dtype=ember.int64)))
    with pytest.raises(RuntimeError, match="mantissa to have dtype"):
        ember.frexp(ember.tensor([3.0]), out=(ember.empty(1, dtype=ember.float64),
                                              ember.empty(1, dtype=ember.int32)))


# -- complex helpers and views --------------------------------------------------------------------

def test_view_as_real_and_complex():
    z = torch.randn(4, 3, dtype=torch.complex128)
    ez = to_ember(z).t()
    z = z.t()
    for e_view, t_view in [(ember.view_as_real(ez), torch.view_as_real(z)),
                           (ember.view_as_real(ez[1:]), torch.view_as_real(z[1:])),
                           (ez.real, z.real), (ez.imag, z.imag), (ember.real(ez), torch.real(z))]:
        assert_same(e_view, t_view, check_stride=True)
        assert e_view.storage_offset() == t_view.storage_offset()
    r = torch.randn(3, 4, 2)
    er = to_ember(r)[:, 1:]
    r = r[:, 1:]
    assert_same(ember.view_as_complex(er), torch.view_as_complex(r), check_stride=True)
    # Views share memory both ways.
    ez_c = ember.zeros(2, dtype=ember.complex64)
    ember.view_as_real(ez_c)[1, 1] = 5.0
    ez_c.real[0] = 2.0
    assert ez_c.tolist() == [2 + 0j, 5j]
    er2 = ember.zeros(2, 2)
    ember.view_as_complex(er2)[0] = 1 + 2j
    assert er2.tolist() == [[1.0, 2.0], [0.0, 0.0]]
    bad = [lambda m: m.ones(3, 3), lambda m: m.ones(2, 3).t(), lambda m: m.ones(3, 3)[:, :2],
           lambda m: m.ones(7)[1:].view(3, 2), lambda m: m.ones(3, 2, dtype=m.int32),
           lambda m: m.ones(())]
    for make in bad:
        with pytest.raises(RuntimeError) as expected:
            torch.view_as_complex(make(torch))
        with pytest.raises(RuntimeError) as got:
            ember.view_as_complex(make(ember))
        assert str(got.value) == str(expected.value)
    with pytest.raises(RuntimeError, match="only supported for complex"):
        ember.view_as_real(ember.ones(2))
    with pytest.raises(RuntimeError, match="unresolved conjugated"):
        ember.view_as_real(ember.tensor([1 + 1j]).conj())


def test_conj_flags_and_identity():
    x = ember.tensor([1.0, 2.0])
    assert x.conj() is x and x.conj_physical() is x and x.real is x
    assert ember.positive(x) is x and x.resolve_conj() is x and x.resolve_neg() is x
    z = ember.tensor([1 + 2j, -3 - 1j])
    zt = torch.tensor([1 + 2j, -3 - 1j])
    c = z.conj()
    assert c.is_conj() == zt.conj().is_conj() is True
    assert c.conj().is_conj() is False
    assert c.resolve_conj().is_conj() is False
    assert ember.is_conj(z) is False and ember.is_neg(z) is False
    assert_same(c.resolve_conj(), zt.conj().resolve_conj())
    assert_same(c.imag, zt.conj().imag.resolve_neg())
    w = z.clone()
    assert w.conj_physical_() is w
    assert_same(w, zt.conj_physical())


def test_complex_special_values_agree():
    values = [complex(0, 0), complex(-0.0, 0), complex(1, -0.0), complex(-1, -0.0),
              complex(-1, 0.0), complex(1e-300, 1e-300), complex(700, 1)]
    e = ember.tensor(values, dtype=ember.complex128)
    t = torch.tensor(values, dtype=torch.complex128)
    for name in ["exp", "log", "sqrt", "sin", "cos", "tanh", "abs", "angle", "sgn", "sigmoid",
                 "asin", "acos", "atanh", "log1p", "expm1"]:
        assert_same(getattr(ember, name)(e), getattr(torch, name)(t), rtol=1e-12, atol=1e-300)


# -- autograd -----------------------------------------------------------------------------------

# (op, input values): inputs inside each function's domain, away from kinks.
GRAD_CASES = [
    ("abs", [-1.5, 0.0, 2.0]), ("exp", [-1.0, 0.5, 3.0]), ("expm1", [-1.0, 1e-8, 2.0]),
    ("exp2", [-1.0, 0.5, 3.0]), ("log", [0.1, 1.0, 7.0]), ("log1p", [-0.5, 0.0, 3.0]),
    ("log2", [0.1, 1.0, 7.0]), ("log10", [0.1, 1.0, 7.0]), ("sqrt", [0.0, 0.25, 4.0]),
    ("rsqrt", [0.0, 0.25, 4.0]), ("square", [-2.0, 0.0, 3.0]), ("sin", [-1.0, 0.5, 3.0]),
    ("cos", [-1.0, 0.5, 3.0]), ("tan", [-1.0, 0.5, 1.2]), ("asin", [-0.9, 0.0, 0.5]),
    ("acos", [-0.9, 0.0, 1.0]), ("atan", [-3.0, 0.0, 0.5]), ("sinh", [-2.0, 0.0, 1.0]),
    ("cosh", [-2.0, 0.0, 1.0]), ("tanh", [-2.0, 0.0, 1.0]), ("asinh", [-2.0, 0.0, 1.0]),
    ("acosh", [1.0, 1.5, 9.0]), ("atanh", [-0.9, 0.0, 0.5]), ("sigmoid", [-5.0, 0.0, 2.0]),
    ("logit", [0.0, 0.3, 0.9, 1.0, 1.5]), ("logit_eps", [0.05, 0.3, 0.9, 0.95, 1.5]),
    ("erf", [-2.0, 0.0, 0.7]), ("erfc", [-2.0, 0.0, 0.7]), ("erfinv", [-0.9, 0.0, 0.5]),
    ("lgamma", [-2.5, 0.5, 3.0]), ("digamma", [-2.5, 0.5, 3.0]), ("polygamma1", [-2.5, 0.5, 3.0]),
    ("polygamma2", [0.5, 3.0, 10.0]), ("i0", [-3.0, 0.0, 1.0, 20.0]),
    ("sinc", [-1.5, 0.0, 1e-3, 2.0]),
    ("floor", [-1.5, 0.5, 2.0]), ("ceil", [-1.5, 0.5]), ("round", [-1.5, 0.3]),
    ("round_2", [-1.5, 0.3]), ("trunc", [-1.5, 0.3]), ("frac", [-1.5, 0.3]), ("sign", [-1.5, 0.0]),
    ("sgn", [-1.5, 0.0, 2.0]), ("nan_to_num", [0.5, math.inf, -math.inf, math.nan]),
    ("deg2rad", [-90.0, 10.0]), ("rad2deg", [-1.0, 2.0]), ("angle", [-1.0, 0.0, 2.0]),
    ("relu", [-1.0, 0.0, 2.0]), ("frexp", [-3.0, 0.3, 1e-3, 5.0]),
]


def _first(result):
    return result[0] if isinstance(result, tuple) else result


def _dense(t):
    """torch returns lazily-zero tensors for some gradients (sign, sgn); make them ordinary."""
    return torch.zeros(t.shape, dtype=t.dtype) if t._is_zerotensor() else t


@pytest.mark.parametrize("op,values", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_gradients_match_torch(op, values):
    call = CALLS[op]
    base = np.array(values, dtype=np.float64)
    # A 2-D layout read through a transpose, so the op sees a non-contiguous input.
    arr = np.stack([base, base[::-1]])
    t = torch.tensor(arr.T.copy(), requires_grad=True)
    e = ember.tensor(arr, requires_grad=True)
    et = e.t()
    t_out = _first(call(torch, t))
    e_out = _first(call(ember, et))
    assert type(e_out.grad_fn).__name__ == type(t_out.grad_fn).__name__
    probe = np.random.default_rng(0).standard_normal(t_out.shape)
    (t_grad,) = torch.autograd.grad(t_out, t, torch.tensor(probe))
    (e_grad,) = ember.autograd.grad(e_out, e, ember.tensor(probe))
    assert_same(e_grad.t(), _dense(t_grad), rtol=1e-10, atol=1e-10)


COMPLEX_GRAD_OPS = ["exp", "expm1", "exp2", "log", "log1p", "log2", "log10", "sqrt", "rsqrt",
                    "square", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh",
                    "asinh", "acosh", "atanh", "sigmoid", "sinc", "abs", "sgn", "angle", "real",
                    "imag", "conj", "conj_physical", "view_as_real"]
CALLS["view_as_real"] = lambda m, x: m.view_as_real(x)


@pytest.mark.parametrize("op", COMPLEX_GRAD_OPS)
def test_complex_gradients_match_torch(op):
    values = np.array([0.5 + 0.5j, -2.5 + 1.5j, 3 - 4j, -0.3 - 0.7j, 1e-3 + 2j, 0j])
    if op in ("log", "log2", "log10", "rsqrt", "sinc"):
        values = values[:-1]
    t = torch.tensor(values, requires_grad=True)
    e = ember.tensor(values, requires_grad=True)
    t_out, e_out = CALLS[op](torch, t), CALLS[op](ember, e)
    assert type(e_out.grad_fn).__name__ == type(t_out.grad_fn).__name__
    rng = np.random.default_rng(3)
    probe = rng.standard_normal(t_out.shape)
    if t_out.is_complex():
        probe = probe + 1j * rng.standard_normal(t_out.shape)
    (t_grad,) = torch.autograd.grad(t_out, t, torch.tensor(probe))
    (e_grad,) = ember.autograd.grad(e_out, e, ember.tensor(probe))
    assert_same(e_grad, t_grad, rtol=1e-10, atol=1e-12)


def test_mvlgamma_gradient():
    arr = np.array([[3.0, 2.5], [7.25, 40.0]])
    t = torch.tensor(arr, requires_grad=True)
    e = ember.tensor(arr, requires_grad=True)
    t_out, e_out = torch.mvlgamma(t, 3), ember.mvlgamma(e, 3)
    assert type(e_out.grad_fn).__name__ == "MvlgammaBackward0"
    t_out.sum().backward()
    e_out.sum().backward()
    assert_same(e.grad, t.grad, rtol=1e-12)


@pytest.mark.parametrize("op", ["erf", "erfc", "erfinv", "lgamma", "digamma", "i0", "sinc",
                                "polygamma2", "logit", "tanh", "atanh"])
def test_gradients_match_finite_differences(op):
    values = np.array([[0.3, -0.45, 0.7], [0.15, 0.9, -0.2]])
    if op in ("lgamma", "digamma", "polygamma2"):
        values = values * 3 + 0.1
    if op == "logit":
        values = np.abs(values)
    x = ember.tensor(values, requires_grad=True)
    out = CALLS[op](ember, x)
    (grad,) = ember.autograd.grad(out.sum(), x)
    (expected,) = numerical_grad(lambda v: CALLS[op](ember, v), [x.detach().clone()])
    np.testing.assert_allclose(grad._data, expected, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("op", ["exp", "sqrt", "tanh", "sigmoid", "erf", "lgamma", "sinc", "i0",
                                "log1p", "asin", "abs", "logit", "digamma", "erfinv"])
def test_double_backward_matches_torch(op):
    values = np.array([0.3, -0.45, 0.7, 0.15])
    if op in ("sqrt", "log1p", "lgamma", "digamma", "logit"):
        values = np.abs(values)
    t = torch.tensor(values, requires_grad=True)
    e = ember.tensor(values, requires_grad=True)
    (t_g,) = torch.autograd.grad(CALLS[op](torch, t).sum(), t, create_graph=True)
    (e_g,) = ember.autograd.grad(CALLS[op](ember, e).sum(), e, create_graph=True)
    assert_same(e_g, t_g, rtol=1e-10)
    (t_gg,) = torch.autograd.grad((t_g * t_g).sum(), t)
    (e_gg,) = ember.autograd.grad((e_g * e_g).sum(), e)
    assert_same(e_gg, _dense(t_gg), rtol=1e-9, atol=1e-12)


def test_complex_double_backward():
    values = np.array([0.5 + 0.5j, -2.5 + 1.5j, 3 - 4j])
    t = torch.tensor(values, requires_grad=True)
    e = ember.tensor(values, requires_grad=True)
    for name in ["exp", "sqrt", "abs", "sgn"]:
        (t_g,) = torch.autograd.grad(getattr(torch, name)(t).abs().sum(), t, create_graph=True)
        (e_g,) = ember.autograd.grad(getattr(ember, name)(e).abs().sum(), e, create_graph=True)
        assert_same(e_g, t_g, rtol=1e-10)
        (t_gg,) = torch.autograd.grad(t_g.abs().sum(), t)
        (e_gg,) = ember.autograd.grad(e_g.abs().sum(), e)
        assert_same(e_gg, t_gg, rtol=1e-9)


def test_no_grad_for_piecewise_outputs():
    e = ember.tensor([1.0, -2.0], requires_grad=True)
    for name in ["isnan", "isinf", "isfinite", "signbit", "isposinf", "isreal"]:
        assert getattr(ember, name)(e).requires_grad is False
    assert ember.frexp(e).exponent.requires_grad is False
    with pytest.raises(RuntimeError, match="complex dtype"):
        ember.nan_to_num(ember.tensor([1 + 1j], requires_grad=True))


# -- in-place forms and out= ---------------------------------------------------------------------

INPLACE = [n for n in CALLS if n in UNARY and hasattr(torch.Tensor, n + "_")]


@pytest.mark.parametrize("dtype_name", ["int64", "float32", "float64", "bfloat16", "complex128"])
@pytest.mark.parametrize("op", INPLACE)
def test_inplace_methods(op, dtype_name):
    e, t = _pair(dtype_name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            expected = getattr(t, op + "_")()
        except Exception as exc:
            with pytest.raises(type(exc)):
                getattr(e, op + "_")()
            return
        version = e._version
        got = getattr(e, op + "_")()
    assert got is e
    assert (e._version > version) == (t._version > 0)
    assert_same(e, expected, rtol=_tolerance(op, dtype_name), atol=_tolerance(op, dtype_name))


def test_inplace_errors_and_functions():
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output "
                                           "type Long"):
        ember.tensor([1, 2]).exp_()
    with pytest.raises(RuntimeError, match="In-place abs is not supported for complex"):
        ember.tensor([1 + 1j]).abs_()
    x = ember.tensor([0.25, 1.0])
    assert ember.sqrt_(x) is x and x.tolist() == [0.5, 1.0]
    y = ember.tensor([-1.0, 2.0])
    assert ember.relu_(y) is y and y.tolist() == [0.0, 2.0]
    z = ember.tensor([0.2, 0.5], dtype=ember.float64)
    zt = torch.tensor([0.2, 0.5], dtype=torch.float64)
    assert_same(z.clone().logit_(0.3), zt.clone().logit_(0.3))
    assert_same(z.clone().nan_to_num_(1.0), zt.clone().nan_to_num_(1.0))
    assert_same((z + 2).mvlgamma_(2), (zt + 2).mvlgamma_(2))
    assert_same(z.clone().round_(decimals=1), zt.clone().round_(decimals=1))
    # A leaf that requires grad refuses in-place ops; a non-leaf records the op.
    leaf = ember.tensor([0.5], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        leaf.exp_()
    w = leaf * 1
    w.sin_()
    assert type(w.grad_fn).__name__ == "SinBackward0"
    w.backward()
    assert_same(leaf.grad, torch.cos(torch.tensor([0.5])))


def test_inplace_exp_saves_result_and_detects_modification():
    x = ember.tensor([0.5, 1.0], requires_grad=True)
    y = x.exp()
    y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


OUT_OPS = [n for n in UNARY if n not in ("positive", "isnan", "isinf", "isfinite", "isreal",
                                         "real", "imag", "conj", "resolve_conj", "resolve_neg",
                                         "relu", "frexp")]


@pytest.mark.parametrize("op", OUT_OPS)
def test_out_argument(op):
    e, t = _pair("float32")
    for out_dtype in ["float32", "float64", "bool", "int64"]:
        out_e = ember.empty(0, dtype=getattr(ember, out_dtype))
        out_t = torch.empty(0, dtype=getattr(torch, out_dtype))
        try:
            getattr(torch, op)(t, out=out_t)
        except RuntimeError:
            with pytest.raises(RuntimeError):
                getattr(ember, op)(e, out=out_e)
            continue
        assert getattr(ember, op)(e, out=out_e) is out_e
        assert_same(out_e, out_t, rtol=1e-6, atol=1e-6)


def test_nan_to_num_none_and_half_overflow():
    values = [math.nan, math.inf, -math.inf, 1.0]
    for dtype in ["float16", "bfloat16", "float32", "float64"]:
        e = ember.tensor(values, dtype=getattr(ember, dtype))
        t = torch.tensor(values, dtype=getattr(torch, dtype))
        assert_same(ember.nan_to_num(e, nan=None), torch.nan_to_num(t, nan=None))
        assert_same(e.nan_to_num(2.0, 1e6, -1e6), t.nan_to_num(2.0, 1e6, -1e6))


def test_out_errors():
    x = ember.tensor([0.5, 2.0])
    with pytest.raises(RuntimeError, match="can't be cast"):
        ember.exp(x, out=ember.empty(2, dtype=ember.int64))
    with pytest.raises(RuntimeError, match="non-boolean"):
        ember.signbit(x, out=ember.empty(2))
    with pytest.raises(RuntimeError, match="out=..."):
        ember.exp(ember.tensor([1.0], requires_grad=True), out=ember.empty(1))
    out = ember.empty(2, dtype=ember.float64)
    ember.polygamma(1, x, out=out)
    assert_same(out, torch.polygamma(1, torch.tensor([0.5, 2.0])).double(), rtol=1e-6)


# -- misc ----------------------------------------------------------------------------------------

def test_errors_and_types():
    with pytest.raises(TypeError, match="must be Tensor"):
        ember.exp(2.0)
    with pytest.raises(NotImplementedError, match="abs_cpu"):
        ember.abs(ember.tensor([True]))
    with pytest.raises(NotImplementedError, match="erf_vml_cpu"):
        ember.erf(ember.tensor([1j]))
    with pytest.raises(NotImplementedError, match="torch.sgn"):
        ember.sign(ember.tensor([1j]))
    with pytest.raises(RuntimeError, match="bool tensor"):
        ember.positive(ember.tensor([True]))
    with pytest.raises(RuntimeError, match="non-complex"):
        ember.imag(ember.tensor([1.0]))


def test_default_dtype_promotion():
    previous = ember.get_default_dtype()
    ember.set_default_dtype(ember.float64)
    torch.set_default_dtype(torch.float64)
    try:
        for name in ["exp", "sqrt", "erf", "lgamma", "angle", "deg2rad"]:
            assert_same(getattr(ember, name)(ember.tensor([1, 2])),
                        getattr(torch, name)(torch.tensor([1, 2])))
    finally:
        ember.set_default_dtype(previous)
        torch.set_default_dtype(torch.float32)


def test_meta_tensors():
    m = ember.empty(2, 3, device="meta")
    for name in ["exp", "sigmoid", "tanh", "relu", "floor", "abs", "isnan", "erf"]:
        result = getattr(ember, name)(m)
        assert result.device.type == "meta" and tuple(result.shape) == (2, 3)
    assert ember.exp(ember.empty(2, dtype=ember.int64, device="meta")).dtype == ember.float32
