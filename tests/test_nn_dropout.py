"""Dropout: seeded masks equal PyTorch's bit for bit, gradients flow through the same nodes,
training/eval and in-place behaviour, and PyTorch's errors and warnings."""
import warnings
from functools import partial

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import ember  # noqa: E402
import ember.nn as enn  # noqa: E402
import ember.nn.functional as EF  # noqa: E402
import torch.nn.functional as TF  # noqa: E402
from tests.parity import assert_same  # noqa: E402


def _pair(shape, dtype="float32", grad=False, seed=0):
    arr = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    e, t = ember.from_numpy(arr.copy()), torch.from_numpy(arr.copy())
    if grad:
        e.requires_grad_(True)
        t.requires_grad_(True)
    return e, t


def _seeded(seed, fn_e, fn_t):
    ember.manual_seed(seed)
    torch.manual_seed(seed)
    return fn_e(), fn_t()


def _bits_equal(e, t):
    a, b = e.detach().numpy(), t.detach().numpy()
    assert a.shape == b.shape and a.dtype == b.dtype
    assert a.tobytes() == b.tobytes()


FUNCTIONS = [
    ("dropout", (3, 4, 5), {}),
    ("dropout", (1000,), {}),
    ("dropout", (2, 3, 4, 5), {}),
    ("dropout1d", (3, 4, 5), {}),
    ("dropout1d", (4, 5), {}),
    ("dropout2d", (3, 4, 5, 2), {}),
    ("dropout3d", (2, 3, 4, 2, 2), {}),
    ("dropout3d", (3, 4, 2, 2), {}),
    ("alpha_dropout", (3, 4, 5), {"training": True}),
    ("feature_alpha_dropout", (3, 4, 5, 2), {"training": True}),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
@pytest.mark.parametrize("name,shape,kwargs", FUNCTIONS)
def test_seeded_dropout_is_bit_exact(name, shape, kwargs, p, dtype):
    xe, xt = _pair(shape, dtype, grad=True)
    ye, yt = _seeded(11, lambda: getattr(EF, name)(xe, p, **kwargs),
                     lambda: getattr(TF, name)(xt, p, **kwargs))
    _bits_equal(ye, yt)
    assert ye.grad_fn.name() == yt.grad_fn.name()
    g = np.random.default_rng(1).standard_normal(shape).astype(dtype)
    ye.backward(ember.from_numpy(g.copy()))
    yt.backward(torch.from_numpy(g.copy()))
    _bits_equal(xe.grad, xt.grad)
    # The generator advanced identically: the next draw agrees too.
    assert ember.rand(3).numpy().tobytes() == torch.rand(3).numpy().tobytes()


def test_seeded_dropout_noncontiguous_input():
    xe, xt = _pair((6, 5))
    ye, yt = _seeded(3, lambda: EF.dropout(xe.t(), 0.4), lambda: TF.dropout(xt.t(), 0.4))
    _bits_equal(ye, yt)


def test_top_level_ops_and_generator_state():
    xe, xt = _pair((4, 6))
    for name in ("dropout", "feature_dropout", "alpha_dropout", "feature_alpha_dropout"):
        ye, yt = _seeded(5, partial(getattr(ember, name), xe, 0.3, True),
                         partial(getattr(torch, name), xt, 0.3, True))
        _bits_equal(ye, yt)
        assert getattr(ember, name)(xe, 0.3, False) is xe
    ye, yt = _seeded(5, lambda: ember.native_dropout(xe, 0.3, True),
                     lambda: torch.native_dropout(xt, 0.3, True))
    _bits_equal(ye[0], yt[0])
    _bits_equal(ye[1], yt[1])


@pytest.mark.parametrize("name", ["dropout", "dropout2d", "alpha_dropout"])
def test_inplace_dropout(name):
    shape = (3, 4, 5, 2)
    xe, xt = _pair(shape)
    kwargs = {"training": True} if "alpha" in name else {}
    ye, yt = _seeded(2, lambda: getattr(EF, name)(xe, 0.5, inplace=True, **kwargs),
                     lambda: getattr(TF, name)(xt, 0.5, inplace=True, **kwargs))
    assert ye is xe and yt is xt
    _bits_equal(xe, xt)


def test_inplace_dropout_on_graph_tensor():
    xe, xt = _pair((4, 5), grad=True)
    ye, yt = _seeded(4, lambda: EF.dropout(xe * 2, 0.5, inplace=True),
                     lambda: TF.dropout(xt * 2, 0.5, inplace=True))
    assert ye.grad_fn.name() == yt.grad_fn.name() == "MulBackward0"
    ye.sum().backward()
    yt.sum().backward()
    _bits_equal(xe.grad, xt.grad)


@pytest.mark.parametrize("p", [0.0, 1.0])
def test_extreme_probabilities(p):
    xe, xt = _pair((3, 4), grad=True)
    for name in ("dropout", "alpha_dropout", "dropout1d"):
        ye, yt = _seeded(1, partial(getattr(EF, name), xe, p, True),
                         partial(getattr(TF, name), xt, p, True))
        assert_same(ye, yt)
        assert (ye is xe) == (yt is xt)


def test_eval_mode_is_identity_and_modules():
    xe, xt = _pair((4, 3, 2, 2), grad=True)
    for cls in ("Dropout", "Dropout2d", "AlphaDropout", "FeatureAlphaDropout", "Dropout3d"):
        e_mod, t_mod = getattr(enn, cls)(0.4), getattr(torch.nn, cls)(0.4)
        assert repr(e_mod) == repr(t_mod)
        ye, yt = _seeded(9, partial(e_mod, xe), partial(t_mod, xt))
        _bits_equal(ye, yt)
        e_mod.eval()
        t_mod.eval()
        ye, yt = e_mod(xe), t_mod(xt)
        assert (ye is xe) == (yt is xt)
        _bits_equal(ye, yt)
    assert repr(enn.Dropout1d(0.2, inplace=True)) == repr(torch.nn.Dropout1d(0.2, inplace=True))


def test_empty_input():
    e = ember.empty(0, 3)
    assert EF.dropout(e, 0.5) is e


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_probability_errors(p):
    for fn in ("dropout", "alpha_dropout", "dropout1d", "dropout2d", "dropout3d",
               "feature_alpha_dropout"):
        with pytest.raises(ValueError) as t_err:
            getattr(TF, fn)(torch.zeros(2, 3, 4), p)
        with pytest.raises(ValueError) as e_err:
            getattr(EF, fn)(ember.zeros(2, 3, 4), p)
        assert str(e_err.value) == str(t_err.value)
    with pytest.raises(ValueError, match=f"between 0 and 1, but got {p}"):
        enn.Dropout(p)
    with pytest.raises(RuntimeError) as t_err:
        torch.dropout(torch.zeros(3), p, True)
    with pytest.raises(RuntimeError) as e_err:
        ember.dropout(ember.zeros(3), p, True)
    assert str(e_err.value) == str(t_err.value)


def test_probability_error_message():
    with pytest.raises(ValueError, match=r"^dropout probability has to be between 0 and 1, "
                                         r"but got 1.5$"):
        EF.dropout(ember.zeros(2), 1.5)


def test_dimension_errors_and_warnings():
    with pytest.raises(RuntimeError, match="dropout1d: Expected 2D or 3D input, but received "
                                           "a 4D input"):
        EF.dropout1d(ember.zeros(1, 2, 3, 4))
    with pytest.raises(RuntimeError, match="Feature dropout requires at least 2 dimensions"):
        ember.feature_dropout(ember.zeros(3), 0.5, True)
    with pytest.warns(UserWarning, match="Received a 3D input to dropout2d"):
        EF.dropout2d(ember.zeros(2, 3, 4))
    with pytest.warns(UserWarning, match="Received a 2-D input to dropout3d"):
        EF.dropout3d(ember.zeros(2, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        EF.dropout2d(ember.zeros(2, 3, 4, 4))


def test_dropout_statistics():
    # A large draw keeps about (1 - p) of the elements, each scaled by 1 / (1 - p).
    ember.manual_seed(0)
    y = EF.dropout(ember.ones(20000), 0.25).numpy()
    kept = y != 0
    assert abs(kept.mean() - 0.75) < 0.02
    np.testing.assert_allclose(y[kept], 1 / 0.75, rtol=1e-6)
