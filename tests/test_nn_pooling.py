"""Pooling (max, average, adaptive, power-average, max unpooling): functional forms, the
top-level names and the layers, compared with PyTorch on identical inputs."""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import ember  # noqa: E402
import ember.nn as enn  # noqa: E402
import ember.nn.functional as EF  # noqa: E402
import torch.nn as tnn  # noqa: E402
import torch.nn.functional as TF  # noqa: E402
from ember.autograd import gradcheck, gradgradcheck  # noqa: E402
from tests.parity import assert_same  # noqa: E402

RTOL = {"float32": 1e-5, "float64": 1e-10}


def _inputs(array, dtype="float64", grad=True):
    return (ember.tensor(array.astype(dtype), requires_grad=grad),
            torch.tensor(array.astype(dtype), requires_grad=grad))


def _compare(e_fn, t_fn, array, dtype="float64", seed=0):
    """Outputs (values and indices when a pair), grad_fn names and input gradients."""
    e_x, t_x = _inputs(array, dtype)
    e_out, t_out = e_fn(e_x), t_fn(t_x)
    rtol = RTOL[dtype]
    if isinstance(t_out, tuple):
        assert_same(e_out[1], t_out[1])
        e_out, t_out = e_out[0], t_out[0]
    assert_same(e_out, t_out, rtol=rtol, atol=rtol)
    assert e_out.is_contiguous() == t_out.is_contiguous()
    assert e_out.grad_fn.name() == t_out.grad_fn.name().split("::")[-1]
    probe = np.random.default_rng(seed).standard_normal(tuple(t_out.shape)).astype(dtype)
    e_out.backward(ember.tensor(probe))
    t_out.backward(torch.tensor(probe))
    assert_same(e_x.grad, t_x.grad, rtol=rtol, atol=rtol)


def _array(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


# ----------------------------------------------------------------------------------------------
# max pooling
# ----------------------------------------------------------------------------------------------

MAX_CASES = [
    ("max_pool1d", (2, 3, 9), dict(kernel_size=2)),
    ("max_pool1d", (3, 10), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ("max_pool1d", (2, 3, 11), dict(kernel_size=3, dilation=2, padding=1)),
    ("max_pool2d", (2, 3, 8, 8), dict(kernel_size=2)),
    ("max_pool2d", (2, 3, 7, 8), dict(kernel_size=3, stride=2, padding=1)),
    ("max_pool2d", (2, 3, 7, 8), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ("max_pool2d", (2, 3, 6, 6), dict(kernel_size=2, stride=2, ceil_mode=True, padding=1)),
    ("max_pool2d", (2, 3, 9, 8), dict(kernel_size=(2, 3), stride=(1, 2), dilation=(2, 1),
                                      padding=(1, 1))),
    ("max_pool2d", (3, 7, 7), dict(kernel_size=3, stride=1)),  # unbatched, overlapping
    ("max_pool2d", (2, 3, 5, 5), dict(kernel_size=5)),
    ("max_pool3d", (2, 2, 5, 6, 4), dict(kernel_size=2, padding=1)),
    ("max_pool3d", (2, 5, 6, 7), dict(kernel_size=(3, 2, 3), stride=2, ceil_mode=True)),
]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name, shape, kwargs", MAX_CASES)
def test_max_pool_matches_torch(name, shape, kwargs, dtype):
    array = _array(*shape)
    _compare(lambda x: getattr(EF, name)(x, return_indices=True, **kwargs),
             lambda x: getattr(TF, name)(x, return_indices=True, **kwargs), array, dtype)
    _compare(lambda x: getattr(EF, name)(x, **kwargs), lambda x: getattr(TF, name)(x, **kwargs),
             array, dtype)


def test_max_pool_top_level_and_with_indices_names():
    array = _array(2, 3, 8, 8)
    e_x, t_x = _inputs(array)
    assert_same(ember.max_pool2d(e_x, 2, 2, 0, 1, False), torch.max_pool2d(t_x, 2, 2, 0, 1, False))
    assert_same(ember.max_pool3d(e_x, 2), torch.max_pool3d(t_x, 2))
    assert_same(ember.max_pool1d(e_x[0], 3), torch.max_pool1d(t_x[0], 3))
    assert_same(ember.max_pool1d_with_indices(e_x[0], 3, 2),
                torch.max_pool1d_with_indices(t_x[0], 3, 2))
    assert_same(EF.max_pool2d_with_indices(e_x, 3, 2, 1), TF.max_pool2d_with_indices(t_x, 3, 2, 1))
    assert_same(EF.max_pool3d_with_indices(e_x, 2), TF.max_pool3d_with_indices(t_x, 2))


def test_max_pool_nan_inf_and_ties():
    rng = np.random.default_rng(2)
    nan = np.where(rng.random((2, 3, 7, 8)) < 0.25, np.nan, rng.standard_normal((2, 3, 7, 8)))
    ties = np.round(rng.standard_normal((2, 3, 7, 8)))
    for array in (nan, ties, np.full((1, 1, 5, 5), -np.inf)):
        for kwargs in (dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                       dict(kernel_size=3, stride=1, padding=1, ceil_mode=True)):
            e_x, t_x = _inputs(array)
            e_v, e_i = EF.max_pool2d(e_x, return_indices=True, **kwargs)
            t_v, t_i = TF.max_pool2d(t_x, return_indices=True, **kwargs)
            assert_same(e_v, t_v)
            assert_same(e_i, t_i)


def test_max_pool_integer_input():
    array = np.random.default_rng(0).integers(-5, 5, (2, 3, 6, 6))
    e, t = EF.max_pool2d(ember.tensor(array), 3, 2, 1, return_indices=True), \
        TF.max_pool2d(torch.tensor(array), 3, 2, 1, return_indices=True)
    assert_same(e, t)


@settings(max_examples=40, deadline=None)
@given(size=st.integers(1, 9), kernel=st.integers(1, 4), stride=st.integers(1, 3),
       padding=st.integers(0, 2), dilation=st.integers(1, 2), ceil_mode=st.booleans())
def test_max_pool1d_output_size_rules_hypothesis(size, kernel, stride, padding, dilation,
                                                 ceil_mode):
    array = _array(1, 2, size)
    kwargs = dict(kernel_size=kernel, stride=stride, padding=padding, dilation=dilation,
                  ceil_mode=ceil_mode)
    try:
        t_out = TF.max_pool1d(torch.tensor(array), return_indices=True, **kwargs)
    except RuntimeError:
        with pytest.raises(RuntimeError):
            EF.max_pool1d(ember.tensor(array), return_indices=True, **kwargs)
        return
    assert_same(EF.max_pool1d(ember.tensor(array), return_indices=True, **kwargs), t_out)
    if not padding:
        e_avg = EF.avg_pool1d(ember.tensor(array), kernel, stride, 0, ceil_mode)
        assert_same(e_avg, TF.avg_pool1d(torch.tensor(array), kernel, stride, 0, ceil_mode))


@pytest.mark.parametrize("shape,kernel", [((1, 2, 1), 3), ((1, 1, 1, 1), (3, 3)),
                                          ((1, 1, 2, 1), (3, 2)), ((1, 1, 1, 1, 1), (3, 3, 3))])
def test_max_pool_window_without_image_taps(shape, kernel):
    # ceil_mode with padding and dilation can leave a window whose every tap is padding: its
    # value is -inf and PyTorch's index is where its loop would have started (past the
    # plane).  PyTorch's backward then writes out of bounds; ember passes no gradient on.
    dims = len(shape) - 2
    name = f"max_pool{dims}d"
    array = np.arange(1.0, 1.0 + np.prod(shape)).reshape(shape)
    args = (kernel, 3, 1, 2, True, True)
    e_out = getattr(EF, name)(ember.tensor(array, requires_grad=True), *args)
    t_out = getattr(TF, name)(torch.tensor(array), *args)
    assert_same(e_out[0], t_out[0])
    assert_same(e_out[1], t_out[1])
    leaf = ember.tensor(array, requires_grad=True)
    getattr(EF, name)(leaf, *args)[0].sum().backward()
    assert leaf.grad.abs().sum().item() == 0


# ----------------------------------------------------------------------------------------------
# average pooling
# ----------------------------------------------------------------------------------------------

AVG_CASES = [
    ("avg_pool1d", (2, 3, 9), dict(kernel_size=2)),
    ("avg_pool1d", (3, 10), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True,
                                 count_include_pad=False)),
    ("avg_pool2d", (2, 3, 8, 8), dict(kernel_size=2)),
    ("avg_pool2d", (2, 3, 7, 8), dict(kernel_size=3, stride=2, padding=1)),
    ("avg_pool2d", (2, 3, 7, 8), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ("avg_pool2d", (2, 3, 7, 8), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True,
                                      count_include_pad=False)),
    ("avg_pool2d", (2, 3, 7, 8), dict(kernel_size=(2, 3), stride=(1, 2), padding=(1, 1),
                                      divisor_override=5)),
    ("avg_pool2d", (3, 6, 6), dict(kernel_size=3, stride=1)),  # unbatched, overlapping
    ("avg_pool3d", (2, 2, 5, 6, 4), dict(kernel_size=2, padding=1)),
    ("avg_pool3d", (2, 5, 6, 7), dict(kernel_size=(3, 2, 3), stride=2, ceil_mode=True,
                                      count_include_pad=False)),
]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name, shape, kwargs", AVG_CASES)
def test_avg_pool_matches_torch(name, shape, kwargs, dtype):
    _compare(lambda x: getattr(EF, name)(x, **kwargs), lambda x: getattr(TF, name)(x, **kwargs),
             _array(*shape), dtype)


def test_avg_pool_top_level_integer_and_half():
    array = np.random.default_rng(0).integers(-9, 9, (2, 3, 6, 6))
    assert_same(EF.avg_pool2d(ember.tensor(array), 3, 2, 1),
                TF.avg_pool2d(torch.tensor(array), 3, 2, 1))
    assert_same(ember.avg_pool1d(ember.tensor(array[0]), 4),
                torch.avg_pool1d(torch.tensor(array[0]), 4))
    half = _array(2, 3, 6, 6).astype(np.float16)
    assert_same(EF.avg_pool2d(ember.tensor(half), 2), TF.avg_pool2d(torch.tensor(half), 2))


# ----------------------------------------------------------------------------------------------
# adaptive pooling
# ----------------------------------------------------------------------------------------------

ADAPTIVE_CASES = [
    ("1d", (2, 3, 10), 3), ("1d", (3, 7), 7), ("1d", (2, 3, 5), 1), ("1d", (2, 3, 4), 9),
    ("2d", (2, 3, 7, 8), (3, 5)), ("2d", (2, 3, 7, 8), (5, 3)), ("2d", (3, 6, 6), 4),
    ("2d", (2, 3, 7, 8), (3, None)), ("2d", (2, 3, 5, 5), 1), ("2d", (2, 3, 4, 5), 10),
    ("3d", (2, 2, 5, 6, 7), (2, 5, 3)), ("3d", (2, 4, 5, 6), 1), ("3d", (2, 4, 5, 6), (None, 2, 4)),
]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("dims, shape, size", ADAPTIVE_CASES)
def test_adaptive_pools_match_torch(dims, shape, size, dtype):
    array = _array(*shape)
    avg, mx = f"adaptive_avg_pool{dims}", f"adaptive_max_pool{dims}"
    _compare(lambda x: getattr(EF, avg)(x, size), lambda x: getattr(TF, avg)(x, size), array,
             dtype)
    _compare(lambda x: getattr(EF, mx)(x, size, return_indices=True),
             lambda x: getattr(TF, mx)(x, size, return_indices=True), array, dtype)


def test_adaptive_top_level_names():
    array = _array(2, 3, 10)
    e_x, t_x = _inputs(array)
    assert_same(ember.adaptive_avg_pool1d(e_x, 4), torch.adaptive_avg_pool1d(t_x, 4))
    assert_same(ember.adaptive_max_pool1d(e_x, 4), torch.adaptive_max_pool1d(t_x, 4))
    assert_same(EF.adaptive_max_pool2d_with_indices(e_x, 2),
                TF.adaptive_max_pool2d_with_indices(t_x, 2))


def test_adaptive_max_pool_nan():
    array = np.array([[[[np.nan, 1.0, np.nan, 2.0], [0.0, 3.0, 1.0, np.nan]]]])
    e = EF.adaptive_max_pool2d(ember.tensor(array), (1, 2), return_indices=True)
    t = TF.adaptive_max_pool2d(torch.tensor(array), (1, 2), return_indices=True)
    assert_same(e, t)


# ----------------------------------------------------------------------------------------------
# lp pooling and max unpooling
# ----------------------------------------------------------------------------------------------

LP_CASES = [
    ("lp_pool1d", (2, 3, 9), (2, 3)), ("lp_pool1d", (3, 9), (3.0, 2, 1)),
    ("lp_pool2d", (2, 3, 6, 6), (2, 3)), ("lp_pool2d", (2, 3, 7, 6), (3, (2, 3), 2, True)),
    ("lp_pool2d", (2, 3, 6, 6), (float("inf"), 2)), ("lp_pool3d", (2, 2, 4, 4, 4), (2, 2)),
]


@pytest.mark.parametrize("name, shape, args", LP_CASES)
def test_lp_pool_matches_torch(name, shape, args):
    array = np.abs(_array(*shape)) + 0.1
    _compare(lambda x: getattr(EF, name)(x, *args), lambda x: getattr(TF, name)(x, *args), array)


UNPOOL_CASES = [
    ("1d", (2, 3, 8), dict(kernel_size=2), None),
    ("1d", (3, 9), dict(kernel_size=3, stride=2, padding=1), [9]),
    ("2d", (2, 3, 8, 8), dict(kernel_size=2), None),
    ("2d", (2, 3, 7, 7), dict(kernel_size=2), (7, 7)),
    ("2d", (3, 7, 8), dict(kernel_size=3, stride=2, padding=1), [2, 3, 7, 8]),
    ("3d", (2, 2, 4, 4, 4), dict(kernel_size=2), None),
]


@pytest.mark.parametrize("dims, shape, kwargs, output_size", UNPOOL_CASES)
def test_max_unpool_matches_torch(dims, shape, kwargs, output_size):
    pool, unpool = f"max_pool{dims}", f"max_unpool{dims}"

    def run(F, x):
        values, indices = getattr(F, pool)(x, return_indices=True, **kwargs)
        return getattr(F, unpool)(values, indices, output_size=output_size, **kwargs)

    _compare(lambda x: run(EF, x), lambda x: run(TF, x), _array(*shape))


# ----------------------------------------------------------------------------------------------
# derivatives
# ----------------------------------------------------------------------------------------------

def test_pooling_gradcheck_and_double_backward():
    rng = np.random.default_rng(5)
    # Distinct values so that finite differences never cross a tie of the max.
    x = ember.tensor(rng.permutation(48).reshape(1, 3, 4, 4) / 10.0, requires_grad=True)
    assert gradcheck(lambda a: EF.avg_pool2d(a, 3, 2, 1, ceil_mode=True,
                                             count_include_pad=False), (x,))
    assert gradcheck(lambda a: EF.adaptive_avg_pool2d(a, (3, 2)), (x,))
    assert gradcheck(lambda a: EF.max_pool2d(a, 3, 2, 1), (x,))
    assert gradcheck(lambda a: EF.adaptive_max_pool2d(a, 3), (x,))
    assert gradgradcheck(lambda a: EF.max_pool2d(a, 2), (x,))
    assert gradgradcheck(lambda a: EF.max_pool2d(a, 3, 1, 1), (x,))
    assert gradgradcheck(lambda a: EF.avg_pool2d(a, 3, 2, 1), (x,))
    assert gradgradcheck(lambda a: EF.adaptive_avg_pool2d(a, 3), (x,))
    assert gradgradcheck(lambda a: EF.lp_pool2d(a, 2, 2), (x,))
    y = ember.tensor(rng.permutation(24).reshape(1, 3, 2, 2, 2) / 10.0, requires_grad=True)
    assert gradgradcheck(lambda a: EF.max_pool3d(a, 2), (y,))
    assert gradgradcheck(lambda a: EF.avg_pool3d(a, 2, 1), (y,))


def test_pooling_backward_of_backward_names():
    x = ember.randn(1, 2, 4, 4, requires_grad=True)
    (g,) = ember.autograd.grad((EF.max_pool2d(x, 2) ** 2).sum(), (x,), create_graph=True)
    assert g.grad_fn.name() == "MaxPool2DWithIndicesBackwardBackward0"
    (g,) = ember.autograd.grad((EF.avg_pool2d(x, 2) ** 2).sum(), (x,), create_graph=True)
    assert g.grad_fn.name() == "AvgPool2DBackwardBackward0"


# ----------------------------------------------------------------------------------------------
# errors
# ----------------------------------------------------------------------------------------------

def _same_error(call):
    with pytest.raises(Exception) as t_info:
        call(TF, torch)
    with pytest.raises(Exception) as e_info:
        call(EF, ember)
    assert type(e_info.value) is type(t_info.value), (e_info.value, t_info.value)
    assert str(e_info.value) == str(t_info.value)


POOL_ERRORS = [
    lambda F, m: F.max_pool2d(m.zeros(2, 3, 7, 7), 3, padding=2),
    lambda F, m: F.max_pool2d(m.zeros(2, 3, 11, 11), (3, 5), dilation=2, padding=(2, 1)),
    lambda F, m: F.max_pool3d(m.zeros(2, 3, 11, 11, 11), 3, dilation=2, padding=2),
    lambda F, m: F.max_pool1d(m.zeros(2, 3, 11), 3, dilation=2, padding=2),
    lambda F, m: F.max_pool1d(m.zeros(2, 3, 11), 3, dilation=2, padding=2, return_indices=True),
    lambda F, m: F.max_pool1d(m.zeros(2, 3, 11), 0),
    lambda F, m: F.max_pool1d(m.zeros(2, 3, 11), 2, stride=0),
    lambda F, m: F.max_pool1d(m.zeros(2, 3, 11), 2, padding=-1),
    lambda F, m: F.max_pool1d(m.zeros(2, 3, 11), (2, 2)),
    lambda F, m: F.max_pool1d(m.zeros(2, 3, 11), (2, 2), return_indices=True),
    lambda F, m: F.max_pool1d(m.zeros(1, 2, 5), 9, stride=1, padding=1),
    lambda F, m: F.max_pool3d(m.zeros(2, 3, 11, 11, 11), (2, 2)),
    lambda F, m: F.avg_pool3d(m.zeros(2, 3, 11, 11, 11), (2, 2)),
    lambda F, m: F.max_pool3d(m.zeros(2, 0, 4, 4, 4), 2),
    lambda F, m: F.avg_pool3d(m.zeros(2, 0, 4, 4, 4), 2),
    lambda F, m: F.avg_pool2d(m.zeros(2, 3, 7, 7), 2, padding=-1),
    lambda F, m: F.avg_pool2d(m.zeros(2, 3, 7, 7), 3, padding=2),
    lambda F, m: F.max_pool2d(m.zeros(2, 3, 7, 7), 3, stride=0),
    lambda F, m: F.max_pool2d(m.zeros(2, 3, 7, 7), 0),
    lambda F, m: F.max_pool2d(m.zeros(2, 3, 7, 7), 0, stride=1),
    lambda F, m: F.avg_pool2d(m.zeros(2, 3, 7, 7), 0, stride=1),
    lambda F, m: F.max_pool3d(m.zeros(1, 1, 4, 4, 4), 0, stride=1),
    lambda F, m: F.max_pool2d(m.zeros(2, 3, 7, 7), 3, dilation=0),
    lambda F, m: F.max_pool2d(m.zeros(2, 3, 7, 7), 8),
    lambda F, m: F.avg_pool2d(m.zeros(2, 3, 7, 7), 8),
    lambda F, m: F.max_pool2d(m.zeros(7, 7), 2),
    lambda F, m: F.max_pool2d(m.zeros(2, 0, 4, 4), 2),
    lambda F, m: F.max_pool2d(m.zeros(2, 3, 0, 4), 2),
    lambda F, m: F.max_pool1d(m.zeros(2, 3, 7, 7), 2),
    lambda F, m: F.avg_pool1d(m.zeros(2, 3, 7, 7), 2),
    lambda F, m: F.max_pool2d(m.zeros(2, 3, 7, 7), (2, 2, 2)),
    lambda F, m: F.max_pool2d(m.zeros(2, 3, 7, 7), 2, stride=(1, 1, 1)),
    lambda F, m: F.max_pool2d(m.zeros(2, 3, 7, 7), 2, padding=(1, 1, 1)),
    lambda F, m: F.max_pool2d(m.zeros(2, 3, 4, 4, dtype=m.bool), 2),
    lambda F, m: F.max_pool3d(m.zeros(7, 7, 7), 2),
    lambda F, m: F.avg_pool2d(m.zeros(2, 3, 7, 7), 3, divisor_override=0),
    lambda F, m: F.adaptive_avg_pool2d(m.zeros(2, 3, 7, 7), (3, 4, 5)),
    lambda F, m: F.adaptive_max_pool2d(m.zeros(2, 3, 7, 7), (3, 4, 5)),
    lambda F, m: F.adaptive_avg_pool2d(m.zeros(7, 7), 3),
    lambda F, m: F.adaptive_max_pool2d(m.zeros(7, 7), 3),
    lambda F, m: F.adaptive_avg_pool2d(m.zeros(2, 3, 0, 4), 3),
    lambda F, m: F.adaptive_max_pool2d(m.zeros(2, 3, 0, 4), 3),
    lambda F, m: F.adaptive_avg_pool1d(m.zeros(2, 3, 7, 7), 3),
    lambda F, m: F.max_unpool2d(m.zeros(2, 2), m.zeros(2, 2, dtype=m.int64), 2),
    lambda F, m: F.max_unpool2d(m.zeros(1, 1, 2, 2), m.full((1, 1, 2, 2), 17), 2),
    lambda F, m: F.max_unpool2d(m.zeros(1, 1, 2, 2), m.zeros(1, 1, 2, 2, dtype=m.int32), 2),
    lambda F, m: F.max_unpool2d(m.zeros(1, 1, 2, 2), m.zeros(1, 1, 2, 2, dtype=m.int64), 2,
                                output_size=(8, 8)),
    lambda F, m: F.max_unpool2d(m.zeros(1, 1, 2, 2), m.zeros(1, 1, 2, 2, dtype=m.int64), 2,
                                output_size=(1, 4, 4)),
]


@pytest.mark.parametrize("call", POOL_ERRORS)
def test_pooling_errors_match_torch(call):
    _same_error(call)


# ----------------------------------------------------------------------------------------------
# layers
# ----------------------------------------------------------------------------------------------

LAYERS = [
    ("MaxPool1d(3, 2, 1)", (2, 3, 9)), ("MaxPool2d(2)", (2, 3, 8, 8)),
    ("MaxPool2d(3, 2, 1, 2, True, True)", (2, 3, 9, 9)), ("MaxPool3d(2)", (1, 2, 4, 4, 4)),
    ("AvgPool1d(2)", (2, 3, 8)), ("AvgPool2d(3, 2, 1, True, False, 2)", (2, 3, 7, 7)),
    ("AvgPool3d(2, ceil_mode=True)", (1, 2, 5, 5, 5)),
    ("AdaptiveAvgPool1d(3)", (2, 3, 8)), ("AdaptiveAvgPool2d((3, None))", (2, 3, 7, 7)),
    ("AdaptiveAvgPool3d(2)", (1, 2, 5, 5, 5)), ("AdaptiveMaxPool1d(3)", (2, 3, 8)),
    ("AdaptiveMaxPool2d(3, True)", (2, 3, 7, 7)), ("AdaptiveMaxPool3d((2, 3, 2))", (1, 2, 5, 5, 5)),
    ("LPPool1d(2, 3, 2)", (2, 3, 8)), ("LPPool2d(2, 3)", (2, 3, 7, 7)),
    ("LPPool3d(1.5, 2)", (1, 2, 4, 4, 4)),
]


@pytest.mark.parametrize("ctor, shape", LAYERS)
def test_pooling_layers_match_torch(ctor, shape):
    e_mod, t_mod = eval("enn." + ctor), eval("tnn." + ctor)
    assert repr(e_mod) == repr(t_mod)
    _compare(e_mod, t_mod, np.abs(_array(*shape)) + 0.1)


@pytest.mark.parametrize("ctor", ["MaxUnpool1d(2, 1, 1)", "MaxUnpool2d(2)", "MaxUnpool3d(2, 2)"])
def test_max_unpool_layers(ctor):
    e_mod, t_mod = eval("enn." + ctor), eval("tnn." + ctor)
    assert repr(e_mod) == repr(t_mod)
    dims = len(e_mod.kernel_size)
    pool_e = getattr(enn, f"MaxPool{dims}d")(e_mod.kernel_size, e_mod.stride, e_mod.padding,
                                             return_indices=True)
    pool_t = getattr(tnn, f"MaxPool{dims}d")(t_mod.kernel_size, t_mod.stride, t_mod.padding,
                                             return_indices=True)
    array = _array(*((1, 2) + (6,) * dims))
    _compare(lambda x: e_mod(*pool_e(x)), lambda x: t_mod(*pool_t(x)), array)


def test_pooling_layer_attributes():
    assert enn.MaxPool2d(2).stride == tnn.MaxPool2d(2).stride
    assert enn.AvgPool1d(2).stride == tnn.AvgPool1d(2).stride
    assert enn.MaxUnpool2d(2).stride == tnn.MaxUnpool2d(2).stride
    assert enn.MaxPool2d.__constants__ == tnn.MaxPool2d.__constants__


# ----------------------------------------------------------------------------------------------
# fractional max pooling
# ----------------------------------------------------------------------------------------------

FRACTIONAL_CASES = [
    (2, (2, 3, 7, 8), dict(kernel_size=2, output_size=(3, 4))),
    (2, (2, 3, 9, 9), dict(kernel_size=(3, 2), output_size=(4, 5))),
    (2, (3, 7, 7), dict(kernel_size=2, output_size=3)),
    (2, (2, 3, 8, 8), dict(kernel_size=2, output_ratio=(0.5, 0.5))),
    (3, (2, 2, 6, 7, 8), dict(kernel_size=(2, 3, 2), output_size=(4, 3, 5))),
    (3, (2, 6, 6, 6), dict(kernel_size=2, output_ratio=(0.5, 0.6, 0.7))),
]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("dims, shape, kwargs", FRACTIONAL_CASES)
def test_fractional_max_pool_matches_torch(dims, shape, kwargs, dtype):
    name = f"fractional_max_pool{dims}d"
    batch = shape[0] if len(shape) == dims + 2 else 1
    samples = np.random.default_rng(1).random((batch, shape[-dims - 1], dims)).astype(dtype)
    _compare(lambda x: getattr(EF, name)(x, return_indices=True,
                                         _random_samples=ember.tensor(samples), **kwargs),
             lambda x: getattr(TF, name)(x, return_indices=True,
                                         _random_samples=torch.tensor(samples), **kwargs),
             _array(*shape), dtype)


def test_fractional_max_pool_draws_torch_samples():
    # Without explicit samples both draw them from the (identical) global generator.
    for ctor, shape in [("FractionalMaxPool2d(2, output_ratio=0.5)", (2, 3, 9, 9)),
                        ("FractionalMaxPool2d(3, output_size=(4, 5), return_indices=True)",
                         (2, 3, 9, 9)),
                        ("FractionalMaxPool3d(2, output_size=3)", (2, 2, 7, 7, 7))]:
        torch.manual_seed(3)
        ember.manual_seed(3)
        e_mod, t_mod = eval("enn." + ctor), eval("tnn." + ctor)
        assert repr(e_mod) == repr(t_mod)
        array = _array(*shape).astype(np.float32)
        assert_same(e_mod(ember.tensor(array)), t_mod(torch.tensor(array)))


def test_fractional_max_pool_gradcheck_and_errors():
    x = ember.tensor(np.random.default_rng(0).permutation(64).reshape(1, 1, 8, 8) / 7.0,
                     requires_grad=True)
    samples = ember.tensor(np.array([[[0.3, 0.8]]]))
    assert gradgradcheck(lambda a: EF.fractional_max_pool2d(a, 3, output_size=4,
                                                           _random_samples=samples), (x,))
    _same_error(lambda F, m: F.fractional_max_pool2d(m.zeros(2, 3, 7, 7), 5, output_size=4))
    _same_error(lambda F, m: F.fractional_max_pool3d(m.zeros(2, 3, 7, 7, 7), 5, output_size=4))
    _same_error(lambda F, m: F.fractional_max_pool2d(m.zeros(2, 3, 7, 7), 2))
    _same_error(lambda F, m: F.fractional_max_pool2d(m.zeros(2, 3, 7, 7), 2, output_size=3,
                                                     _random_samples=m.rand(1, 3, 2)))
    _same_error(lambda F, m: F.fractional_max_pool2d(m.zeros(2, 3, 7, 7), 2, output_size=3,
                                                     _random_samples=m.rand(2, 3, 2,
                                                                            dtype=m.float64)))
    for kwargs in (dict(), dict(output_size=2, output_ratio=0.5), dict(output_ratio=1.5)):
        with pytest.raises(ValueError) as t_info:
            tnn.FractionalMaxPool2d(2, **kwargs)
        with pytest.raises(ValueError) as e_info:
            enn.FractionalMaxPool2d(2, **kwargs)
        assert str(e_info.value) == str(t_info.value)
