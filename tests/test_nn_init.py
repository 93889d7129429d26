"""nn.init: the same seed gives PyTorch's initial weights."""
import math
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import ember  # noqa: E402
import ember.nn.init as einit  # noqa: E402

# float32 normal draws of 16 or more elements go through PyTorch's SIMD Box-Muller, whose
# log/sin/cos differ from NumPy's in the last bit for some inputs; those cases are compared
# within one float32 ulp of the value instead of bit for bit.
SHAPES = [(3, 5), (1, 1), (7, 2), (20, 30), (16, 3, 3, 3), (4, 2, 5)]
UNIFORM_BASED = [("uniform_", (), {}), ("uniform_", (-2.0, 0.5), {}),
                 ("xavier_uniform_", (), {}), ("xavier_uniform_", (2.0,), {}),
                 ("kaiming_uniform_", (), {}),
                 ("kaiming_uniform_", (), {"a": math.sqrt(5)}),
                 ("kaiming_uniform_", (), {"mode": "fan_out", "nonlinearity": "relu"})]
NORMAL_BASED = [("normal_", (), {}), ("normal_", (1.0, 0.1), {}), ("xavier_normal_", (), {}),
                ("kaiming_normal_", (), {"nonlinearity": "relu"}),
                ("trunc_normal_", (), {}), ("trunc_normal_", (0.0, 1.0, -0.2, 0.3), {}),
                ("orthogonal_", (), {}), ("orthogonal_", (0.5,), {})]


def _run(name, shape, args, kwargs, seed=7, dtype="float32"):
    torch.manual_seed(seed)
    ember.manual_seed(seed)
    t = torch.empty(shape, dtype=getattr(torch, dtype))
    e = ember.empty(shape, dtype=getattr(ember, dtype))
    getattr(torch.nn.init, name)(t, *args, **kwargs)
    assert getattr(einit, name)(e, *args, **kwargs) is e
    return e.numpy(), t.numpy()


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name,args,kwargs", UNIFORM_BASED)
def test_uniform_based_bit_exact(name, args, kwargs, shape):
    e, t = _run(name, shape, args, kwargs)
    assert e.tobytes() == t.tobytes()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name,args,kwargs", NORMAL_BASED)
def test_normal_based(name, args, kwargs, shape, dtype):
    if name == "orthogonal_" and len(shape) < 2:
        pytest.skip("orthogonal_ needs two dimensions")
    e, t = _run(name, shape, args, kwargs, dtype=dtype)
    exact = dtype == "float64" or int(np.prod(shape)) < 16
    if name == "orthogonal_":  # LAPACK's QR, not bit-reproducible across libraries
        np.testing.assert_allclose(e, t, rtol=1e-5, atol=1e-6)
    elif exact:
        assert e.tobytes() == t.tobytes()
    else:
        np.testing.assert_allclose(e, t, rtol=3e-7, atol=3e-7)


def test_generator_argument():
    g_t = torch.Generator().manual_seed(11)
    g_e = ember.Generator().manual_seed(11)
    t = torch.nn.init.kaiming_uniform_(torch.empty(4, 6), generator=g_t)
    e = einit.kaiming_uniform_(ember.empty(4, 6), generator=g_e)
    assert e.numpy().tobytes() == t.numpy().tobytes()


@pytest.mark.parametrize("nonlinearity,param", [("linear", None), ("conv2d", None),
                                                ("sigmoid", None), ("tanh", None),
                                                ("relu", None), ("leaky_relu", None),
                                                ("leaky_relu", 0.2), ("selu", None)])
def test_calculate_gain(nonlinearity, param):
    assert einit.calculate_gain(nonlinearity, param) == \
        torch.nn.init.calculate_gain(nonlinearity, param)


def test_deterministic_fills():
    for name, shape, args in [("constant_", (2, 3), (0.5,)), ("ones_", (4,), ()),
                              ("zeros_", (2, 2), ()), ("eye_", (3, 5), ()),
                              ("dirac_", (4, 2, 3, 3), ()), ("dirac_", (6, 2, 3), (2,)),
                              ("dirac_", (2, 2, 3, 3, 3), ())]:
        e, t = _run(name, shape, args, {})
        assert e.tobytes() == t.tobytes(), name


def test_sparse_zeroes_a_fraction_of_each_column():
    e = einit.sparse_(ember.empty(10, 4), 0.3)
    zeros = (e.numpy() == 0).sum(axis=0)
    assert (zeros == 3).all()


@pytest.mark.parametrize("call", [
    lambda lib, t: lib.nn.init.eye_(t(2, 2, 2)),
    lambda lib, t: lib.nn.init.dirac_(t(2, 2)),
    lambda lib, t: lib.nn.init.dirac_(t(3, 2, 3), groups=2),
    lambda lib, t: lib.nn.init.xavier_uniform_(t(3)),
    lambda lib, t: lib.nn.init.kaiming_normal_(t(3, 2), mode="fan_middle"),
    lambda lib, t: lib.nn.init.calculate_gain("swish"),
    lambda lib, t: lib.nn.init.calculate_gain("leaky_relu", True),
    lambda lib, t: lib.nn.init.orthogonal_(t(3)),
    lambda lib, t: lib.nn.init.sparse_(t(3, 2, 2), 0.1),
])
def test_errors_match(call):
    with pytest.raises(ValueError) as te:
        call(torch, torch.empty)
    with pytest.raises(ValueError) as ee:
        call(ember, ember.empty)
    assert str(ee.value) == str(te.value)


def test_warnings():
    with pytest.warns(UserWarning, match="zero-element"):
        einit.kaiming_uniform_(ember.empty(0, 3))
    with pytest.warns(UserWarning, match="more than 2 std"):
        einit.trunc_normal_(ember.empty(3), mean=10.0)
    with pytest.warns(FutureWarning, match="deprecated"):
        einit.xavier_uniform(ember.empty(2, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        einit.uniform_(ember.empty(3))


def test_init_does_not_record_graph():
    w = ember.nn.Parameter(ember.empty(3, 3))
    einit.kaiming_uniform_(w)
    einit.trunc_normal_(w)
    assert w.grad_fn is None and w.is_leaf and w.requires_grad


@pytest.mark.parametrize("name,args", [("kaiming_uniform_", ()), ("xavier_normal_", ()),
                                       ("trunc_normal_", ()), ("orthogonal_", ()),
                                       ("eye_", ()), ("sparse_", (0.5,)), ("zeros_", ())])
def test_meta_tensors_are_left_alone(name, args):
    w = ember.empty(4000, 5000, device="meta")
    assert getattr(einit, name)(w, *args) is w
    assert w.device.type == "meta" and w.shape == (4000, 5000)
