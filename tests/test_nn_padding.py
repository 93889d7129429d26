"""F.pad (constant, reflect, replicate, circular), torch.constant_pad_nd and the padding
layers, compared with PyTorch on identical inputs."""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import ember  # noqa: E402
import ember.nn as enn  # noqa: E402
import ember.nn.functional as EF  # noqa: E402
import torch.nn as tnn  # noqa: E402
import torch.nn.functional as TF  # noqa: E402
from ember.autograd import gradcheck, gradgradcheck  # noqa: E402
from tests.parity import assert_same  # noqa: E402


def _compare(e_fn, t_fn, array, seed=0, grad=True):
    e_x = ember.tensor(array, requires_grad=grad)
    t_x = torch.tensor(array, requires_grad=grad)
    e_out, t_out = e_fn(e_x), t_fn(t_x)
    assert_same(e_out, t_out)
    assert e_out.is_contiguous() == t_out.is_contiguous()
    if grad:
        name = t_out.grad_fn.name().split("::")[-1]
        assert e_out.grad_fn.name() == name
        probe = np.random.default_rng(seed).standard_normal(tuple(t_out.shape))
        e_out.backward(ember.tensor(probe))
        t_out.backward(torch.tensor(probe))
        assert_same(e_x.grad, t_x.grad)


def _array(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


PAD_CASES = [
    ((2, 3, 5), (2, 1)), ((3, 5), (1, 3)), ((2, 3, 5), (0, 0)), ((2, 3, 5), (-1, 2)),
    ((2, 3, 5), (2, -2)), ((2, 3, 5, 6), (1, 2, 0, 3)), ((3, 5, 6), (2, 2, 1, 1)),
    ((2, 3, 5, 6), (-1, 2, 1, -2)), ((2, 2, 4, 5, 6), (1, 2, 1, 0, 2, 1)),
    ((2, 4, 5, 6), (1, 1, 1, 1, 1, 1)), ((1, 2, 4, 5, 6), (-1, 1, 2, -2, 0, 3)),
]


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("shape, pad", PAD_CASES)
def test_pad_matches_torch(shape, pad, mode):
    _compare(lambda x: EF.pad(x, pad, mode=mode), lambda x: TF.pad(x, pad, mode=mode),
             _array(*shape))


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_pad_large_widths(mode):
    # Pads as wide as the input allows (wrapping once, reflecting up to size - 1).
    width = 4 if mode == "reflect" else 5
    _compare(lambda x: EF.pad(x, (width, width - 1), mode=mode),
             lambda x: TF.pad(x, (width, width - 1), mode=mode), _array(2, 3, 5))
    _compare(lambda x: EF.pad(x, (width, 1, 1, width), mode=mode),
             lambda x: TF.pad(x, (width, 1, 1, width), mode=mode), _array(2, 5, 5))


def test_constant_pad_values_and_dtypes():
    array = _array(2, 3, 4)
    _compare(lambda x: EF.pad(x, (1, 1, 2, 0), value=2.5), lambda x: TF.pad(x, (1, 1, 2, 0),
                                                                          value=2.5), array)
    _compare(lambda x: ember.constant_pad_nd(x, (1, 2, 0, 0, 1, 1), -1),
             lambda x: torch.constant_pad_nd(x, (1, 2, 0, 0, 1, 1), -1), array)
    ints = np.arange(6).reshape(2, 3)
    assert_same(EF.pad(ember.tensor(ints), (1, 1), value=2.5),
                TF.pad(torch.tensor(ints), (1, 1), value=2.5))
    flags = np.array([[True, False]])
    assert_same(EF.pad(ember.tensor(flags), (1, 1), value=True),
                TF.pad(torch.tensor(flags), (1, 1), value=True))
    assert_same(EF.pad(ember.tensor(ints)[None], (1, 1), mode="reflect"),
                TF.pad(torch.tensor(ints)[None], (1, 1), mode="reflect"))
    assert_same(EF.pad(ember.tensor(flags)[None], (1, 1), mode="circular"),
                TF.pad(torch.tensor(flags)[None], (1, 1), mode="circular"))
    assert_same(EF.pad(ember.zeros(0, 2, 3), (1, 1), mode="reflect"),
                TF.pad(torch.zeros(0, 2, 3), (1, 1), mode="reflect"))


def test_pad_non_contiguous_input():
    array = _array(3, 4, 6)
    _compare(lambda x: EF.pad(x.transpose(1, 2)[:, ::2], (1, 2, 1, 0), mode="reflect"),
             lambda x: TF.pad(x.transpose(1, 2)[:, ::2], (1, 2, 1, 0), mode="reflect"), array)


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_pad_gradcheck_and_double_backward(mode):
    x = ember.tensor(_array(1, 2, 3, 4), requires_grad=True)
    assert gradcheck(lambda a: EF.pad(a, (2, 1, 1, 2), mode=mode), (x,))
    assert gradgradcheck(lambda a: EF.pad(a, (2, 1, -1, 2), mode=mode) ** 2, (x,))


def _same_error(call):
    with pytest.raises(Exception) as t_info:
        call(TF, torch)
    with pytest.raises(Exception) as e_info:
        call(EF, ember)
    assert type(e_info.value) is type(t_info.value), (e_info.value, t_info.value)
    assert str(e_info.value) == str(t_info.value)


PAD_ERRORS = [
    lambda F, m: F.pad(m.zeros(2, 3, 4, 5), (1, 2, 3)),
    lambda F, m: F.pad(m.zeros(2, 3, 4, 5), (1,) * 10),
    lambda F, m: F.pad(m.zeros(2, 3, 4, 5), (-3, -3)),
    lambda F, m: F.pad(m.zeros(2, 3, 4, 5), (1, 1), mode="foo"),
    lambda F, m: F.pad(m.zeros(2, 3, 4, 5), (1, 1), mode="reflect"),
    lambda F, m: F.pad(m.zeros(2, 3, 4, 5), (1,) * 8, mode="replicate"),
    lambda F, m: F.pad(m.zeros(5), (1, 1), mode="circular"),
    lambda F, m: F.pad(m.zeros(5), (1, 1, 1, 1), mode="reflect"),
    lambda F, m: F.pad(m.zeros(2, 3, 5), (1, 1), mode="reflect", value=2),
    lambda F, m: F.pad(m.zeros(1, 3, 5), (5, 1), mode="reflect"),
    lambda F, m: F.pad(m.zeros(1, 4, 5), (1, 1, 4, 1), mode="reflect"),
    lambda F, m: F.pad(m.zeros(1, 3, 5), (-6, 1), mode="reflect"),
    lambda F, m: F.pad(m.zeros(1, 3, 5), (-3, -3), mode="replicate"),
    lambda F, m: F.pad(m.zeros(1, 3, 5), (6, 1), mode="circular"),
    lambda F, m: F.pad(m.zeros(1, 3, 5), (-3, -3), mode="circular"),
    lambda F, m: F.pad(m.zeros(2, 0, 3), (1, 1), mode="reflect"),
    lambda F, m: F.pad(m.zeros(2, 3, 0, 4), (1, 1, 1, 1), mode="replicate"),
    lambda F, m: F.pad(m.zeros(2, 3, 4, dtype=m.bool), (1, 1), mode="reflect"),
    lambda F, m: F.pad(m.zeros(2, 3, 4, dtype=m.bool), (1, 1), mode="replicate"),
]


@pytest.mark.parametrize("call", PAD_ERRORS)
def test_pad_errors_match_torch(call):
    _same_error(call)


LAYERS = [
    ("ZeroPad1d(2)", (2, 3, 5)), ("ZeroPad1d((1, 2))", (3, 5)), ("ZeroPad2d(1)", (2, 3, 4, 5)),
    ("ZeroPad2d((1, 0, 2, -1))", (3, 4, 5)), ("ZeroPad3d(1)", (1, 2, 3, 4, 5)),
    ("ConstantPad1d(2, 1)", (2, 3, 5)), ("ConstantPad2d(1, 3.5)", (2, 3, 4, 5)),
    ("ConstantPad3d((1, 0, 0, 1, 2, 0), -2.0)", (2, 3, 4, 5)),
    ("ReflectionPad1d(2)", (2, 3, 5)), ("ReflectionPad2d((1, 2, 0, 3))", (2, 3, 4, 5)),
    ("ReflectionPad3d(1)", (1, 2, 3, 4, 5)),
    ("ReplicationPad1d((3, 1))", (3, 5)), ("ReplicationPad2d(2)", (2, 3, 4, 5)),
    ("ReplicationPad3d((1, 2, 3, 4, 5, 6))", (2, 3, 4, 5)),
    ("CircularPad1d(2)", (2, 3, 5)), ("CircularPad2d((1, 2, 0, 3))", (2, 3, 4, 5)),
    ("CircularPad3d(1)", (1, 2, 3, 4, 5)),
]


@pytest.mark.parametrize("ctor, shape", LAYERS)
def test_padding_layers_match_torch(ctor, shape):
    e_mod, t_mod = eval("enn." + ctor), eval("tnn." + ctor)
    assert repr(e_mod) == repr(t_mod)
    assert e_mod.padding == t_mod.padding
    _compare(e_mod, t_mod, _array(*shape))


def test_padding_layer_attributes_and_checks():
    assert enn.ZeroPad2d(1).value == tnn.ZeroPad2d(1).value
    assert enn.ConstantPad1d(2, 1).value == tnn.ConstantPad1d(2, 1).value
    assert enn.ConstantPad2d.__constants__ == tnn.ConstantPad2d.__constants__
    with pytest.raises(ValueError, match=r"expected 3D or 4D input \(got 2D input\)"):
        enn.CircularPad2d(1)(ember.zeros(3, 4))
    with pytest.raises(ValueError, match=r"expected 3D or 4D input \(got 2D input\)"):
        tnn.CircularPad2d(1)(torch.zeros(3, 4))
