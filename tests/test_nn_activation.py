"""Activation functions and layers (ember.nn.functional / ember.nn) against PyTorch."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

torch = pytest.importorskip("torch")

import ember  # noqa: E402
import ember.nn as enn  # noqa: E402
import ember.nn.functional as EF  # noqa: E402
import torch.nn.functional as TF  # noqa: E402
from ember.autograd import gradcheck, gradgradcheck  # noqa: E402

from parity import assert_same, to_ember  # noqa: E402

# Points where the piecewise activations switch branch, plus ordinary values.
SPECIAL = [-4.0, -3.0, -1.0, -0.5, -0.3, 0.0, 0.3, 0.5, 1.0, 3.0, 4.0, 25.0, -25.0]

# (name, args, kwargs): F.<name>(x, *args, **kwargs) in both libraries.
ELEMENTWISE = [
    ("relu", (), {}),
    ("relu6", (), {}),
    ("leaky_relu", (), {}),
    ("leaky_relu", (0.2,), {}),
    ("elu", (), {}),
    ("elu", (), {"alpha": 0.7}),
    ("selu", (), {}),
    ("celu", (), {"alpha": 1.3}),
    ("gelu", (), {}),
    ("gelu", (), {"approximate": "tanh"}),
    ("silu", (), {}),
    ("mish", (), {}),
    ("sigmoid", (), {}),
    ("logsigmoid", (), {}),
    ("tanh", (), {}),
    ("hardtanh", (), {}),
    ("hardtanh", (-0.5, 0.8), {}),
    ("hardsigmoid", (), {}),
    ("hardswish", (), {}),
    ("hardshrink", (), {}),
    ("hardshrink", (0.3,), {}),
    ("softshrink", (), {"lambd": 0.3}),
    ("softplus", (), {}),
    ("softplus", (), {"beta": 2.0, "threshold": 3.0}),
    ("softsign", (), {}),
    ("tanhshrink", (), {}),
    ("threshold", (0.3, -2.0), {}),
    ("rrelu", (), {}),
]

REDUCING = [
    ("softmax", (), {"dim": 1}),
    ("softmax", (), {"dim": 0}),
    ("log_softmax", (), {"dim": 1}),
    ("log_softmax", (), {"dim": -1}),
    ("softmin", (), {"dim": 1}),
    ("glu", (), {}),
    ("glu", (), {"dim": 0}),
]

GRAD_FN = {
    "relu": "ReluBackward0", "relu6": "HardtanhBackward0", "leaky_relu": "LeakyReluBackward0",
    "elu": "EluBackward0", "selu": "EluBackward0", "celu": "CeluBackward0",
    "gelu": "GeluBackward0", "silu": "SiluBackward0", "mish": "MishBackward0",
    "sigmoid": "SigmoidBackward0", "logsigmoid": "LogSigmoidBackward0", "tanh": "TanhBackward0",
    "hardtanh": "HardtanhBackward0", "hardsigmoid": "HardsigmoidBackward0",
    "hardswish": "HardswishBackward0", "hardshrink": "HardshrinkBackward0",
    "softshrink": "SoftshrinkBackward0", "softplus": "SoftplusBackward0",
    "softsign": "DivBackward0", "tanhshrink": "SubBackward0", "threshold": "ThresholdBackward0",
    "rrelu": "RreluWithNoiseBackward0", "softmax": "SoftmaxBackward0",
    "log_softmax": "LogSoftmaxBackward0", "softmin": "SoftmaxBackward0", "glu": "GluBackward0",
}


def _ids(table):
    return [f"{name}{args or ''}{kwargs or ''}" for name, args, kwargs in table]


def _inputs(dtype: str, shape=(4, 6)) -> np.ndarray:
    rng = np.random.default_rng(0)
    values = rng.standard_normal(shape) * 2
    flat = values.reshape(-1)
    flat[:len(SPECIAL)] = SPECIAL
    return values.astype(dtype)


def _run_pair(name, args, kwargs, data, grad_seed=1):
    """Forward + backward of F.<name> in both libraries on the same data."""
    e = ember.from_numpy(data.copy()).requires_grad_()
    t = torch.from_numpy(data.copy()).requires_grad_()
    eo = getattr(EF, name)(e, *args, **kwargs)
    to = getattr(TF, name)(t, *args, **kwargs)
    upstream = np.random.default_rng(grad_seed).standard_normal(to.shape).astype(data.dtype)
    eo.backward(ember.from_numpy(upstream.copy()))
    to.backward(torch.from_numpy(upstream.copy()))
    return e, t, eo, to


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,args,kwargs", ELEMENTWISE + REDUCING,
                         ids=_ids(ELEMENTWISE + REDUCING))
def test_forward_and_input_gradient_match_torch(name, args, kwargs, dtype):
    e, t, eo, to = _run_pair(name, args, kwargs, _inputs(dtype))
    tight = 1e-12 if dtype == "float64" else 1e-5
    assert_same(eo, to, rtol=tight, atol=tight)
    assert_same(e.grad, t.grad, rtol=tight, atol=tight)
    assert eo.grad_fn.name() == GRAD_FN[name] == to.grad_fn.name()


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("name", ["relu", "elu", "gelu", "silu", "mish", "hardswish",
                                  "softplus", "logsigmoid", "softmax", "log_softmax"])
def test_half_precision_forward(name, dtype):
    data = _inputs("float32")
    kwargs = {"dim": 1} if "softmax" in name else {}
    t = torch.from_numpy(data).to(getattr(torch, dtype))
    e = to_ember(t)
    tol = 1e-2 if dtype == "bfloat16" else 2e-3
    assert_same(getattr(EF, name)(e, **kwargs), getattr(TF, name)(t, **kwargs), rtol=tol, atol=tol)


def test_nonfinite_inputs_follow_torch():
    data = np.array([[np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0]], dtype=np.float32)
    e, t = ember.from_numpy(data.copy()), torch.from_numpy(data.copy())
    for name in ["relu", "relu6", "elu", "selu", "gelu", "silu", "hardtanh", "hardshrink",
                 "softshrink", "leaky_relu", "softplus", "logsigmoid", "hardswish"]:
        assert_same(getattr(EF, name)(e), getattr(TF, name)(t), rtol=1e-6, atol=1e-6)
    with np.errstate(all="ignore"):
        assert_same(EF.softmax(e, 1), TF.softmax(t, 1))
        assert_same(EF.log_softmax(e, 1), TF.log_softmax(t, 1))
    rows = np.array([[1.0, 2.0, -np.inf], [-np.inf, -np.inf, 0.0]], dtype=np.float64)
    assert_same(EF.log_softmax(ember.from_numpy(rows), 1), TF.log_softmax(torch.from_numpy(rows), 1))
    assert_same(EF.softmax(ember.from_numpy(rows), 1), TF.softmax(torch.from_numpy(rows), 1))


@pytest.mark.parametrize("name,args,kwargs", [
    ("elu", (), {"alpha": 0.7}), ("celu", (), {"alpha": 1.3}), ("selu", (), {}),
    ("gelu", (), {}), ("gelu", (), {"approximate": "tanh"}), ("silu", (), {}), ("mish", (), {}),
    ("logsigmoid", (), {}), ("softplus", (), {"beta": 2.0}), ("hardswish", (), {}),
    ("leaky_relu", (0.1,), {}), ("softmax", (), {"dim": 1}), ("log_softmax", (), {"dim": 0}),
    ("glu", (), {"dim": 1}), ("softsign", (), {}), ("tanhshrink", (), {}),
], ids=str)
def test_gradcheck_and_double_backward(name, args, kwargs):
    # Away from the kinks so finite differences are meaningful.
    data = np.random.default_rng(3).uniform(0.2, 2.0, (3, 4)) * np.where(
        np.random.default_rng(4).random((3, 4)) < 0.5, -1, 1)
    x = ember.from_numpy(data).requires_grad_()

    def fn(v):
        return getattr(EF, name)(v, *args, **kwargs)
    assert gradcheck(fn, (x,), eps=1e-6, atol=1e-5)
    assert gradgradcheck(fn, (x,), eps=1e-6, atol=1e-5)


def test_double_backward_values_match_torch():
    data = np.random.default_rng(5).standard_normal((3, 5))
    for name, kwargs in [("gelu", {}), ("elu", {"alpha": 0.5}), ("softmax", {"dim": 1}),
                         ("log_softmax", {"dim": 1}), ("mish", {}), ("softplus", {})]:
        e = ember.from_numpy(data.copy()).requires_grad_()
        t = torch.from_numpy(data.copy()).requires_grad_()
        (ge,) = ember.autograd.grad(getattr(EF, name)(e, **kwargs).pow(2).sum(), e,
                                    create_graph=True)
        (gt,) = torch.autograd.grad(getattr(TF, name)(t, **kwargs).pow(2).sum(), t,
                                    create_graph=True)
        ge.sum().backward()
        gt.sum().backward()
        assert_same(ge, gt)
        assert_same(e.grad, t.grad, rtol=1e-10, atol=1e-10)


def test_noncontiguous_and_zero_dim_inputs():
    base = np.random.default_rng(6).standard_normal((5, 4))
    e, t = ember.from_numpy(base.copy()).t(), torch.from_numpy(base.copy()).t()
    for name, kwargs in [("elu", {}), ("softmax", {"dim": 1}), ("log_softmax", {"dim": 0}),
                         ("hardswish", {}), ("glu", {"dim": 0})]:
        assert_same(getattr(EF, name)(e, **kwargs), getattr(TF, name)(t, **kwargs))
    scalar = np.array(-0.7)
    for name, kwargs in [("elu", {}), ("gelu", {}), ("softmax", {"dim": 0}),
                         ("log_softmax", {"dim": 0}), ("softplus", {})]:
        assert_same(getattr(EF, name)(ember.from_numpy(scalar.copy()), **kwargs),
                    getattr(TF, name)(torch.from_numpy(scalar.copy()), **kwargs))


def test_softmax_dtype_argument_and_methods():
    data = np.random.default_rng(7).standard_normal((3, 4)).astype(np.float32)
    e = ember.from_numpy(data.copy()).requires_grad_()
    t = torch.from_numpy(data.copy()).requires_grad_()
    eo = EF.softmax(e, 1, dtype=ember.float64)
    to = TF.softmax(t, 1, dtype=torch.float64)
    assert_same(eo, to)
    eo.sum().backward()
    to.sum().backward()
    assert_same(e.grad, t.grad, atol=1e-6)
    assert_same(e.softmax(0), t.softmax(0))
    assert_same(e.log_softmax(-1), t.log_softmax(-1))
    assert_same(ember.softmax(e, 1), torch.softmax(t, 1))
    assert_same(ember.log_softmax(e, 0, dtype=ember.float64),
                torch.log_softmax(t, 0, dtype=torch.float64))
    empty = np.zeros((0, 3), dtype=np.float32)
    assert_same(EF.softmax(ember.from_numpy(empty), 1), TF.softmax(torch.from_numpy(empty), 1))


@pytest.mark.parametrize("shape,expected_dim", [((), 0), ((4,), 0), ((2, 3), 1), ((2, 3, 4), 0),
                                                ((2, 3, 4, 5), 1)])
def test_softmax_implicit_dim_legacy(shape, expected_dim):
    data = np.random.default_rng(8).standard_normal(shape)
    for fn in ("softmax", "log_softmax", "softmin"):
        with pytest.warns(UserWarning, match="Implicit dimension choice for " + fn):
            eo = getattr(EF, fn)(ember.from_numpy(data.copy()))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            to = getattr(TF, fn)(torch.from_numpy(data.copy()))
        assert_same(eo, to)
        if shape:
            assert_same(eo, getattr(TF, fn)(torch.from_numpy(data.copy()), dim=expected_dim))


def test_softmax_errors():
    x = ember.ones(2, 3)
    with pytest.raises(IndexError, match="Dimension out of range"):
        EF.softmax(x, 2)
    with pytest.raises(NotImplementedError, match="softmax_lastdim_kernel_impl"):
        ember.softmax(ember.ones(2, 3, dtype=ember.int64), 1)
    with pytest.raises(NotImplementedError, match="log_softmax_kernel_impl"):
        ember.log_softmax(ember.ones(2, 3, dtype=ember.int64), 0)
    with pytest.raises(ValueError, match="Softmax2d: expected input to be 3D or 4D, got 2D"):
        enn.Softmax2d()(x)


@pytest.mark.parametrize("name,kernel", [("elu", "elu_cpu"), ("gelu", "GeluKernelImpl"),
                                         ("silu", "silu_cpu"), ("leaky_relu", "leaky_relu_cpu"),
                                         ("hardshrink", "hardshrink_cpu"),
                                         ("softplus", "softplus_cpu"),
                                         ("logsigmoid", "log_sigmoid_cpu")])
def test_integer_inputs_are_refused_as_torch(name, kernel):
    with pytest.raises(NotImplementedError, match=kernel):
        getattr(EF, name)(ember.tensor([1, 2]))
    with pytest.raises(NotImplementedError, match=kernel):
        getattr(TF, name)(torch.tensor([1, 2]))


def test_integer_inputs_that_torch_accepts():
    values = [-3, 0, 2, 7]
    e, t = ember.tensor(values), torch.tensor(values)
    assert_same(EF.relu6(e), TF.relu6(t))
    assert_same(EF.hardtanh(e, 1.5, 2.9), TF.hardtanh(t, 1.5, 2.9))
    assert_same(EF.threshold(e, 1.5, 7.9), TF.threshold(t, 1.5, 7.9))
    assert_same(EF.softsign(e), TF.softsign(t))


@pytest.mark.parametrize("call,error,message", [
    (lambda F, x: F.gelu(x, approximate="foo"), RuntimeError, "approximate argument must be"),
    (lambda F, x: F.glu(x[:, :3]), RuntimeError, "Halving dimension must be even, but dimension "
                                                 "1 is size 3"),
    (lambda F, x: F.glu(x[0, 0]), RuntimeError, "glu does not support scalars"),
    (lambda F, x: F.softshrink(x, -1.0), RuntimeError, "lambda must be in range"),
    (lambda F, x: F.hardtanh(x, 2.0, 1.0), ValueError, "min_val cannot be greater than max_val"),
    (lambda F, x: F.celu(x, alpha=0.0), RuntimeError, "alpha cannot be 0 for CELU"),
    (lambda F, x: F.rrelu(x, 0.5, 0.1, True), RuntimeError, "Lower bound should be less"),
    (lambda F, x: F.relu(ember.tensor([True]) if F is EF else torch.tensor([True])),
     RuntimeError, "Boolean inputs not supported for relu"),
], ids=["gelu", "glu_odd", "glu_scalar", "softshrink", "hardtanh", "celu", "rrelu", "relu_bool"])
def test_argument_errors_match_torch(call, error, message):
    data = np.ones((2, 4), dtype=np.float32)
    with pytest.raises(error, match=message):
        call(EF, ember.from_numpy(data.copy()))
    with pytest.raises(error, match=message):
        call(TF, torch.from_numpy(data.copy()))


# -- in-place forms ------------------------------------------------------------------------------

INPLACE = [("relu", {}), ("relu6", {}), ("leaky_relu", {"negative_slope": 0.2}),
           ("elu", {"alpha": 0.5}), ("selu", {}), ("celu", {}), ("hardtanh", {}),
           ("hardsigmoid", {}), ("hardswish", {}), ("silu", {}), ("mish", {}),
           ("threshold", {"threshold": 0.1, "value": 3.0}), ("rrelu", {})]


@pytest.mark.parametrize("name,kwargs", INPLACE, ids=[n for n, _ in INPLACE])
def test_inplace_forms(name, kwargs):
    data = _inputs("float64")
    e_leaf = ember.from_numpy(data.copy()).requires_grad_()
    t_leaf = torch.from_numpy(data.copy()).requires_grad_()
    e_mid, t_mid = e_leaf * 1.5, t_leaf * 1.5
    version = e_mid._version
    eo = getattr(EF, name)(e_mid, inplace=True, **kwargs)
    to = getattr(TF, name)(t_mid, inplace=True, **kwargs)
    assert eo is e_mid and e_mid._version == version + 1
    assert_same(eo, to)
    assert eo.grad_fn.name() == to.grad_fn.name()
    eo.sum().backward()
    to.sum().backward()
    assert_same(e_leaf.grad, t_leaf.grad)
    leaf = ember.from_numpy(data.copy()).requires_grad_()
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        getattr(EF, name)(leaf, inplace=True, **kwargs)


def test_underscore_functions():
    data = _inputs("float32")
    for name, args in [("relu_", ()), ("elu_", (0.5,)), ("selu_", ()), ("celu_", (0.8,)),
                       ("leaky_relu_", (0.3,)), ("hardtanh_", (-0.2, 0.4)),
                       ("threshold_", (0.1, 2.0)), ("rrelu_", ())]:
        e, t = ember.from_numpy(data.copy()), torch.from_numpy(data.copy())
        getattr(EF, name)(e, *args)
        getattr(TF, name)(t, *args)
        assert_same(e, t)
    for name, args in [("selu_", ()), ("celu_", ()), ("threshold_", (0.0, 1.0)), ("rrelu_", ())]:
        e, t = ember.from_numpy(data.copy()), torch.from_numpy(data.copy())
        getattr(ember, name)(e, *args)
        getattr(torch, name)(t, *args)
        assert_same(e, t)


# -- PReLU and RReLU ------------------------------------------------------------------------------

@pytest.mark.parametrize("shape,channels", [((2, 3, 4, 5), 3), ((2, 3), 3), ((4, 6), 1), ((5,), 1),
                                            ((), 1)])
def test_prelu_values_and_gradients(shape, channels):
    rng = np.random.default_rng(9)
    data = rng.standard_normal(shape)
    weight = rng.uniform(0.1, 0.5, channels)
    e, t = ember.from_numpy(data.copy()).requires_grad_(), torch.from_numpy(data.copy()).requires_grad_()
    ew = ember.from_numpy(weight.copy()).requires_grad_()
    tw = torch.from_numpy(weight.copy()).requires_grad_()
    eo, to = EF.prelu(e, ew), TF.prelu(t, tw)
    assert_same(eo, to)
    assert eo.grad_fn.name() == "PreluKernelBackward0"
    upstream = rng.standard_normal(to.shape)
    eo.backward(ember.from_numpy(upstream.copy()))
    to.backward(torch.from_numpy(upstream.copy()))
    assert_same(e.grad, t.grad)
    assert_same(ew.grad, tw.grad)
    assert_same(ember.prelu(e, ew), torch.prelu(t, tw))
    assert_same(e.prelu(ew), t.prelu(tw))


def test_prelu_module_and_errors():
    torch.manual_seed(0)
    t_mod = torch.nn.PReLU(3, init=0.1)
    e_mod = enn.PReLU(3, init=0.1)
    assert repr(e_mod) == repr(t_mod)
    assert_same(e_mod.weight, t_mod.weight)
    assert list(e_mod.state_dict()) == list(t_mod.state_dict())
    data = np.random.default_rng(10).standard_normal((2, 3, 4)).astype(np.float32)
    assert_same(e_mod(ember.from_numpy(data.copy())), t_mod(torch.from_numpy(data.copy())))
    for e_args, t_args, message in [
        ((ember.ones(3, 4), ember.ones(3)), (torch.ones(3, 4), torch.ones(3)),
         "Mismatch of parameter numbers and input channel size. Found parameter numbers = 3 "
         "and channel size = 4."),
        ((ember.ones(3, 4), ember.ones(2, 2)), (torch.ones(3, 4), torch.ones(2, 2)),
         "Expected `weight` to be a scalar or 1D tensor"),
        ((ember.tensor(1.0), ember.ones(3)), (torch.tensor(1.0), torch.ones(3)),
         "Not allow zero-dim input tensor"),
        ((ember.ones(3), ember.ones(1, dtype=ember.float64)),
         (torch.ones(3), torch.ones(1, dtype=torch.float64)), "Type promoting not supported"),
    ]:
        with pytest.raises(RuntimeError, match=message):
            EF.prelu(*e_args)
        with pytest.raises(RuntimeError, match=message):
            TF.prelu(*t_args)


def test_rrelu_training_draws_match_torch():
    data = _inputs("float32", (6, 7))
    for seed in (0, 3):
        ember.manual_seed(seed)
        torch.manual_seed(seed)
        e, t = ember.from_numpy(data.copy()).requires_grad_(), torch.from_numpy(data.copy()).requires_grad_()
        eo = EF.rrelu(e, 0.1, 0.4, training=True)
        to = TF.rrelu(t, 0.1, 0.4, training=True)
        # bit for bit: the bounds are rounded to float before the double draw, as in PyTorch
        assert_same(eo, to, rtol=0, atol=0)
        eo.sum().backward()
        to.sum().backward()
        assert_same(e.grad, t.grad)
        # The generator advanced by the same number of draws.
        assert_same(ember.rand(3), torch.rand(3))
    for dtype in ("float64", "bfloat16"):
        ember.manual_seed(5)
        torch.manual_seed(5)
        assert_same(EF.rrelu(ember.linspace(-1, 1, 50, dtype=getattr(ember, dtype)), training=True),
                    TF.rrelu(torch.linspace(-1, 1, 50, dtype=getattr(torch, dtype)), training=True),
                    rtol=0, atol=0)
    with pytest.raises(NotImplementedError, match="rrelu_with_noise_out_cpu"):
        EF.rrelu(ember.ones(3, dtype=ember.float16), training=True)
    e_mod, t_mod = enn.RReLU(0.2, 0.3), torch.nn.RReLU(0.2, 0.3)
    ember.manual_seed(1)
    torch.manual_seed(1)
    assert_same(e_mod(ember.from_numpy(data.copy())), t_mod(torch.from_numpy(data.copy())))
    e_mod.eval()
    t_mod.eval()
    assert_same(e_mod(ember.from_numpy(data.copy())), t_mod(torch.from_numpy(data.copy())))


# -- modules --------------------------------------------------------------------------------------

MODULES = [
    ("ReLU", (), {}), ("ReLU", (True,), {}), ("ReLU6", (), {}), ("ReLU6", (), {"inplace": True}),
    ("LeakyReLU", (), {}), ("LeakyReLU", (0.2, True), {}), ("RReLU", (), {}),
    ("RReLU", (0.1, 0.3, True), {}), ("ELU", (), {}), ("ELU", (0.5, True), {}), ("SELU", (), {}),
    ("SELU", (True,), {}), ("CELU", (), {}), ("CELU", (2.0, True), {}), ("GELU", (), {}),
    ("GELU", ("tanh",), {}), ("SiLU", (), {}), ("SiLU", (True,), {}), ("Mish", (), {}),
    ("Mish", (True,), {}), ("Sigmoid", (), {}), ("LogSigmoid", (), {}), ("Tanh", (), {}),
    ("Hardtanh", (), {}), ("Hardtanh", (-2, 2, True), {}), ("Hardsigmoid", (), {}),
    ("Hardsigmoid", (True,), {}), ("Hardswish", (), {}), ("Hardswish", (True,), {}),
    ("Hardshrink", (), {}), ("Hardshrink", (0.3,), {}), ("Softshrink", (), {}),
    ("Softshrink", (1,), {}), ("Softplus", (), {}), ("Softplus", (2, 10), {}),
    ("Softsign", (), {}), ("Softmax", (), {"dim": 1}), ("Softmax", (-1,), {}),
    ("Softmax2d", (), {}), ("LogSoftmax", (1,), {}), ("Softmin", (0,), {}), ("GLU", (), {}),
    ("GLU", (1,), {}), ("Threshold", (0.1, 20), {}), ("Threshold", (0.1, 20, True), {}),
    ("Tanhshrink", (), {}), ("PReLU", (), {}), ("PReLU", (4, 0.1), {}),
]


@pytest.mark.parametrize("name,args,kwargs", MODULES, ids=_ids(MODULES))
def test_module_repr_and_forward(name, args, kwargs):
    e_mod = getattr(enn, name)(*args, **kwargs)
    t_mod = getattr(torch.nn, name)(*args, **kwargs)
    assert repr(e_mod) == repr(t_mod)
    e_mod.eval()
    t_mod.eval()
    data = _inputs("float32", (2, 4, 6))
    e, t = ember.from_numpy(data.copy()), torch.from_numpy(data.copy())
    assert_same(e_mod(e), t_mod(t))


def test_module_defaults_repr_and_hardtanh_checks():
    for name in ["Softmax", "LogSoftmax", "Softmin"]:
        assert repr(getattr(enn, name)()) == repr(getattr(torch.nn, name)())
    with pytest.raises(AssertionError, match="max_val \\(1\\) must be greater than min_val"):
        enn.Hardtanh(2, 1)
    with pytest.warns(FutureWarning, match="min_value"):
        module = enn.Hardtanh(min_value=-3.0)
    assert module.min_val == -3.0
    assert isinstance(enn.ReLU6(), enn.Hardtanh)
    assert not isinstance(enn.Hardswish(), enn.Hardsigmoid)
    assert not isinstance(enn.CELU(), enn.ELU)


def test_gumbel_softmax_draws_and_straight_through_gradient():
    data = _inputs("float32", (4, 5))
    for hard in (False, True):
        ember.manual_seed(2)
        torch.manual_seed(2)
        e, t = ember.from_numpy(data.copy()).requires_grad_(), torch.from_numpy(data.copy()).requires_grad_()
        eo = EF.gumbel_softmax(e, tau=0.5, hard=hard)
        to = TF.gumbel_softmax(t, tau=0.5, hard=hard)
        assert_same(eo, to)
        weights = np.arange(20, dtype=np.float32).reshape(4, 5)
        (eo * ember.from_numpy(weights)).sum().backward()
        (to * torch.from_numpy(weights)).sum().backward()
        assert_same(e.grad, t.grad)


@settings(max_examples=25, deadline=None)
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=4), data=st.data(),
       name=st.sampled_from(["softmax", "log_softmax", "softmin"]))
def test_softmax_family_random_shapes_and_dims(shape, data, name):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    values = np.random.default_rng(len(shape)).standard_normal(shape) * 3
    e, t = ember.from_numpy(values.copy()).requires_grad_(), torch.from_numpy(values.copy()).requires_grad_()
    eo, to = getattr(EF, name)(e, dim), getattr(TF, name)(t, dim)
    assert_same(eo, to)
    upstream = np.random.default_rng(1).standard_normal(shape)
    eo.backward(ember.from_numpy(upstream.copy()))
    to.backward(torch.from_numpy(upstream.copy()))
    assert_same(e.grad, t.grad)
