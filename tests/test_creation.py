"""Tensor factories compared with PyTorch: values (bit for bit), dtypes, shapes, strides, errors."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

torch = pytest.importorskip("torch")

import ember  # noqa: E402
from tests.parity import assert_same, to_numpy  # noqa: E402


def outcome(module, expression: str):
    """The value of ``expression`` with ``torch`` bound to ``module``, or its exception."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return "ok", eval(expression, {"torch": module, "np": np})
        except Exception as exc:  # noqa: BLE001 - the exception is the result being compared
            return "error", type(exc), str(exc).split("\n")[0]


def values(t) -> np.ndarray:
    """The values of a tensor as a NumPy array (bfloat16 widened)."""
    if isinstance(t, ember.Tensor):
        return np.array(to_numpy(t))
    return np.array(to_numpy(t))


def check_same(expression: str, message: bool = False, strides: bool = False) -> None:
    """ember and torch agree on ``expression``: dtype, shape and exact values, or the
    exception type (and message when asked)."""
    expected, got = outcome(torch, expression), outcome(ember, expression)
    assert expected[0] == got[0], (expression, expected, got)
    if expected[0] == "error":
        assert got[1] is expected[1], (expression, expected, got)
        if message:
            assert got[2] == expected[2], (expression, expected, got)
        return
    t, e = expected[1], got[1]
    if not isinstance(t, torch.Tensor):
        assert repr(e).replace("ember", "torch") == repr(t), (expression, t, e)
        return
    assert isinstance(e, ember.Tensor), (expression, e)
    assert str(e.dtype) == str(t.dtype), (expression, e.dtype, t.dtype)
    assert tuple(e.shape) == tuple(t.shape), (expression, e.shape, t.shape)
    assert e.requires_grad == t.requires_grad
    if strides:
        assert e.stride() == t.stride(), (expression, e.stride(), t.stride())
    if t.device.type != "meta" and "empty" not in expression:
        np.testing.assert_array_equal(values(e), values(t), err_msg=expression)


# -- torch.tensor: inference, conversion, errors -----------------------------------------------

TENSOR_CASES = [
    "torch.tensor(np.float64(1.0))", "torch.tensor(np.float32(1.0))", "torch.tensor(np.int32(1))",
    "torch.tensor(np.bool_(True))", "torch.tensor([np.float64(1.0), 2.0])",
    "torch.tensor([np.float32(1.0), 2.0])", "torch.tensor([np.int32(1), 2])",
    "torch.tensor([np.int32(1), 2.5])", "torch.tensor([1, 2.0])", "torch.tensor([1, True])",
    "torch.tensor([True, False])", "torch.tensor([1, 2j])", "torch.tensor([1.5, 2j])",
    "torch.tensor(2j)", "torch.tensor([[1, 2], [3, 4.0]])", "torch.tensor([])",
    "torch.tensor([[]])", "torch.tensor([[], []])", "torch.tensor(())", "torch.tensor([[], [1]])",
    "torch.tensor([torch.tensor(1), torch.tensor(2)])", "torch.tensor([torch.tensor(1.), 2])",
    "torch.tensor([torch.tensor(1, dtype=torch.int8), 2])",
    "torch.tensor([torch.tensor(1, dtype=torch.int8), torch.tensor(2, dtype=torch.int16)])",
    "torch.tensor([torch.tensor(1., dtype=torch.float64), 2])",
    "torch.tensor([torch.tensor([1.]), torch.tensor([2.])])",
    "torch.tensor([[torch.tensor(1)], [torch.tensor(2)]])",
    "torch.tensor(np.array([1, 2], dtype=np.int32))", "torch.tensor(np.array(1.5))",
    "torch.tensor([np.array([1, 2], dtype=np.int32), np.array([3, 4], dtype=np.int32)])",
    "torch.tensor([np.array([1., 2]), np.array([3, 4])])",
    "torch.tensor([[1, 2], np.array([3, 4])])", "torch.tensor([[1, 2], (3, 4)])",
    "torch.tensor(range(3))", "torch.tensor([range(2), range(2)])",
    "torch.tensor(3.5, dtype=torch.int32)", "torch.tensor([1.7, -1.7], dtype=torch.int64)",
    "torch.tensor([-1], dtype=torch.uint8)", "torch.tensor([-255], dtype=torch.uint8)",
    "torch.tensor([1e40], dtype=torch.float32)", "torch.tensor([70000.0], dtype=torch.float16)",
    "torch.tensor(np.array([300]), dtype=torch.uint8)", "torch.tensor([1, 2], dtype=torch.bool)",
    "torch.tensor([0.5, 0], dtype=torch.bool)", "torch.tensor(1., requires_grad=True)",
    "torch.tensor([[1, 2]], dtype=torch.float16)", "torch.tensor([np.float16(1)])",
    "torch.tensor([np.uint8(200), -1])", "torch.tensor([np.int8(3), np.uint8(4)])",
    "torch.tensor([1, np.float16(2)])", "torch.tensor([np.float32(1), np.float64(2)])",
    "torch.tensor([np.float16(1), np.float32(2)])", "torch.tensor([np.complex64(1), 2.0])",
    "torch.tensor([np.float64(1), 1j])", "torch.tensor([2**62, 1.5])",
    "torch.tensor(np.float64(2.5), dtype=torch.int64)", "torch.tensor(True, dtype=torch.float32)",
    "torch.tensor([1, 2], dtype=torch.complex64)",
    "torch.tensor(torch.tensor([1, 2]), dtype=torch.float32)",
    "torch.tensor([0.1, 0.2], dtype=torch.float16)",
    "torch.tensor([0.1, 0.2], dtype=torch.bfloat16)",
    "torch.tensor([2**62 + 1], dtype=torch.float32)",
    "torch.tensor([[1, 2], [3, 4]], device='meta')",
]

TENSOR_ERRORS = [
    "torch.tensor([[1, 2], [3]])", "torch.tensor([[1, 2], 3])", "torch.tensor([1, [2, 3]])",
    "torch.tensor([[[1, 2], [3, 4]], [[1, 2], [3]]])", "torch.tensor([[1], [2, 3]])",
    "torch.tensor([[1, 2], []])", "torch.tensor([[1, 2], np.array([3, 4, 5])])",
    "torch.tensor([torch.tensor([1, 2]), torch.tensor([3, 4])])",
    "torch.tensor([torch.tensor([1., 2.]), [3, 4]])", "torch.tensor(np.array(['a']))",
    "torch.tensor('abc')", "torch.tensor(['a'])", "torch.tensor([1, 'a'])", "torch.tensor(None)",
    "torch.tensor([None])", "torch.tensor([1, None])", "torch.tensor({1: 2})",
    "torch.tensor({1, 2})", "torch.tensor(object())", "torch.tensor([300], dtype=torch.uint8)",
    "torch.tensor([-300], dtype=torch.uint8)", "torch.tensor([-1.5], dtype=torch.uint8)",
    "torch.tensor([3e9], dtype=torch.int32)", "torch.tensor([1e19], dtype=torch.int64)",
    "torch.tensor([float('inf')], dtype=torch.int64)", "torch.tensor([128], dtype=torch.int8)",
    "torch.tensor([float('nan')], dtype=torch.int64)", "torch.tensor(2**63)",
    "torch.tensor(-2**63-1)", "torch.tensor([2**63])", "torch.tensor([1+2j], dtype=torch.float32)",
    "torch.tensor(1, requires_grad=True)", "torch.tensor([np.array(1.0), 2])",
]


@pytest.mark.parametrize("expression", TENSOR_CASES)
def test_tensor_inference_and_values(expression):
    check_same(expression)


@pytest.mark.parametrize("expression", TENSOR_ERRORS)
def test_tensor_errors(expression):
    check_same(expression, message=True)


def test_tensor_copies_and_keeps_numpy_layout():
    source = np.arange(6.0).reshape(2, 3).T
    t = ember.tensor(source)
    source[0, 0] = 100.0
    assert t[0, 0].item() == 0.0
    assert t.stride() == torch.tensor(np.arange(6.0).reshape(2, 3).T).stride()
    with pytest.warns(UserWarning, match="sourceTensor.detach"):
        ember.tensor(ember.ones(2))


def test_as_tensor_and_asarray_share_memory():
    source = np.ones(3)
    shared = ember.as_tensor(source)
    source[0] = 5.0
    assert shared[0].item() == 5.0
    t = ember.ones(3)
    assert ember.as_tensor(t) is t
    assert ember.as_tensor(t, dtype=ember.float64).dtype is ember.float64
    assert ember.asarray(t) is t
    assert ember.asarray(t, copy=True) is not t
    assert ember.asarray([1.0, 2]).dtype is ember.float32
    assert ember.asarray(np.float64(2.0)).dtype is ember.float64
    with pytest.warns(UserWarning, match="requires_grad"):
        assert ember.asarray(ember.ones(2, requires_grad=True)).requires_grad
    assert not ember.asarray(ember.ones(2, requires_grad=True), requires_grad=False).requires_grad


def test_frombuffer_and_scalar_tensor():
    buffer = bytearray(b"\x01\x00\x00\x00\x02\x00\x00\x00")
    assert ember.frombuffer(buffer, dtype=ember.int32).tolist() == [1, 2]
    for expression in ["torch.scalar_tensor(3)", "torch.scalar_tensor(True)",
                       "torch.scalar_tensor(1, dtype=torch.int64)"]:
        check_same(expression)


# -- legacy constructors -----------------------------------------------------------------------

LEGACY_CASES = [
    "torch.Tensor([1, 2])", "torch.Tensor([1.5, 2])", "torch.Tensor(2, 3).shape",
    "torch.Tensor((2, 3))", "torch.Tensor([[1, 2], [3, 4]])", "torch.Tensor()",
    "torch.Tensor(torch.tensor([1, 2]))", "torch.Tensor(torch.tensor([1., 2]))",
    "torch.Tensor(np.array([1, 2]))", "torch.Tensor(torch.Size([2, 3])).shape",
    "torch.Tensor(size=(2, 3)).shape", "torch.Tensor([1, 2], device='cpu')",
    "torch.LongTensor([1.5, 2.7])", "torch.LongTensor(3).shape",
    "torch.LongTensor(torch.tensor([1, 2]))", "torch.ByteTensor([-1])", "torch.BoolTensor([2, 0])",
    "torch.HalfTensor([1, 2])", "torch.IntTensor([1.5])", "torch.FloatTensor(np.array([1, 2]))",
    "torch.DoubleTensor([[1, 2]])", "torch.FloatTensor([np.float64(1)])",
    "torch.LongTensor(2, 3, 4).shape", "torch.LongTensor((2, 3))",
    "torch.LongTensor(np.int64(2)).shape", "torch.Tensor(np.int64(2)).shape",
    "torch.Tensor(torch.tensor(2))", "torch.Tensor([])", "torch.Tensor(0)",
    "torch.FloatTensor([[1, 2], [3, 4]])", "torch.FloatTensor([])", "torch.BoolTensor(2).shape",
    "isinstance(torch.ones(2), torch.FloatTensor)",
    "isinstance(torch.ones(2, dtype=torch.int64), torch.FloatTensor)", "torch.FloatTensor.dtype",
    "torch.LongTensor.__name__", "torch.ones(2, dtype=torch.int32).new(2, 3).dtype",
    "torch.ones(2, dtype=torch.int32).new([1.5, 2])", "torch.ones(2, dtype=torch.int32).new()",
    "torch.ones(2, device='meta').new(2).device",
]

LEGACY_ERRORS = [
    "torch.Tensor(2.5)", "torch.Tensor(True)", "torch.Tensor(-1)", "torch.Tensor(2, -1)",
    "torch.Tensor('a')", "torch.Tensor([1j])", "torch.Tensor([[1, 2], [3]])",
    "torch.Tensor(2, 3, dtype=torch.float64)", "torch.Tensor([1, 2], device='meta')",
    "torch.Tensor(2, 3, device='meta')", "torch.LongTensor(torch.tensor([1., 2]))",
    "torch.ByteTensor([300])", "torch.Tensor(np.float64(2))", "torch.Tensor(None)",
    "torch.Tensor([None])", "torch.LongTensor([None])", "torch.LongTensor([[1, 2], [3]])",
    "torch.LongTensor([1, 'a'])", "torch.FloatTensor([1, 'a'])", "torch.LongTensor([2**63])",
    "torch.FloatTensor(2.5)", "torch.ones(2, dtype=torch.int32).new(torch.tensor([1.5]))",
]


@pytest.mark.parametrize("expression", LEGACY_CASES)
def test_legacy_constructors(expression):
    check_same(expression)


@pytest.mark.parametrize("expression", LEGACY_ERRORS)
def test_legacy_constructor_errors(expression):
    check_same(expression, message=True)


def test_legacy_tensor_of_tensor_aliases():
    source = ember.tensor([1, 2])
    alias = ember.Tensor(source)
    alias[0] = 7
    assert source[0].item() == 7
    assert alias.dtype is ember.int64


# -- filled factories -----------------------------------------------------------------------------

FILLED_CASES = [
    "torch.zeros(2, 3)", "torch.zeros((2, 3))", "torch.zeros([2, 3])", "torch.zeros(size=(2, 3))",
    "torch.zeros(torch.Size([2]))", "torch.zeros(2, torch.tensor(3))", "torch.ones(())",
    "torch.ones([])", "torch.ones(torch.tensor(2))", "torch.ones(np.int64(2))",
    "torch.ones((np.int64(2), 3))", "torch.ones(2, layout=torch.strided)",
    "torch.ones(2, dtype=torch.int64, out=torch.empty(0, dtype=torch.int64))",
    "torch.ones(2, out=torch.empty(0, dtype=torch.int64))", "torch.zeros(2, 3, dtype=torch.int8)",
    "torch.ones(2, 3, dtype=torch.bfloat16)", "torch.ones(2, requires_grad=True)",
    "torch.empty(2, 3).shape",
    "torch.empty(1, 2, 3, 4, memory_format=torch.channels_last).stride()", "torch.full((2,), 1)",
    "torch.full((2,), True)", "torch.full((2,), 1.5)", "torch.full((2,), 1+2j)",
    "torch.full((2,), torch.tensor(3))", "torch.full((2,), np.float32(1.0))",
    "torch.full((2,), np.int32(1))", "torch.full((2,), np.bool_(True))", "torch.full([], 3)",
    "torch.full((2,), 1.5, dtype=torch.int64)", "torch.full((2,), -1, dtype=torch.uint8)",
    "torch.full((2,), 5, dtype=torch.bool)", "torch.full((2,), 0.5, dtype=torch.bool)",
    "torch.full((2,), float('inf'), dtype=torch.float32)",
    "torch.full((2,), 1+0j, dtype=torch.float32)",
    "torch.full((2,), torch.tensor(1, dtype=torch.int8))",
    "torch.full((2,), torch.tensor(1.5, dtype=torch.float64))", "torch.full(torch.Size([2]), 1)",
    "torch.full((2,), 1, out=torch.empty(0))", "torch.full((2,), 3., requires_grad=True)",
    "torch.empty_strided((2, 3), (1, 2)).stride()",
    "torch.empty_strided((2, 3), (3, 1), dtype=torch.int32).dtype",
    "torch.zeros_like(torch.ones(2, 3).t()).stride()",
    "torch.empty_like(torch.ones(2, 3).t()).stride()", "torch.full_like(torch.ones(2, 3).t(), 7)",
    "torch.full_like(torch.ones(2, 3).t(), 7).stride()",
    "torch.zeros_like(torch.ones(2, 3).t(), memory_format=torch.contiguous_format).stride()",
    "torch.zeros_like(torch.ones(2, 3)[:, ::2]).stride()",
    "torch.zeros_like(torch.ones(2, 3, 4).permute(2, 0, 1)).stride()",
    "torch.zeros_like(torch.ones(2, 3, 4, 5), memory_format=torch.channels_last).stride()",
    "torch.full_like(torch.ones(2, dtype=torch.int64), 2.5)",
    "torch.full_like(torch.ones(2), 2.5, dtype=torch.int64)",
    "torch.ones_like(torch.ones(2), requires_grad=True)",
    "torch.ones_like(torch.ones(2), dtype=torch.float16)",
    "torch.zeros_like(torch.ones(2, device='meta')).device",
]

FILLED_ERRORS = [
    "torch.zeros(2.0)", "torch.zeros((2.0, 3))", "torch.zeros([2, 3.5])", "torch.zeros(2, '3')",
    "torch.zeros(None)", "torch.zeros(2, None)", "torch.zeros([[2]])",
    "torch.zeros(torch.tensor(2.0))", "torch.zeros(np.float64(2))", "torch.zeros(2**63)",
    "torch.ones(torch.tensor([2, 3]))", "torch.ones(True)", "torch.empty(2, -1)",
    "torch.ones(2, -1)", "torch.zeros(2, -1)", "torch.full((2, -1), 1)",
    "torch.empty(2, 3, memory_format=torch.channels_last)",
    "torch.zeros(2, out=torch.empty(3, dtype=torch.int64), dtype=torch.float32)",
    "torch.zeros(2, dtype=torch.int32, requires_grad=True)",
    "torch.full((2,), 1e40, dtype=torch.float32)", "torch.full((2,), 1e300, dtype=torch.float16)",
    "torch.full((2,), 70000, dtype=torch.float16)", "torch.full((2,), 2**63)",
    "torch.full((2,), 2**62, dtype=torch.int32)", "torch.full((2,), -256, dtype=torch.uint8)",
    "torch.full((2,), 300, dtype=torch.uint8)",
    "torch.full((2,), float('nan'), dtype=torch.int64)", "torch.full((2,), 'a')",
    "torch.full((2,), None)", "torch.full((2,), torch.tensor([1, 2]))", "torch.full((2.0,), 1)",
    "torch.full(2, 3)", "torch.full((2,), 3, requires_grad=True)",
    "torch.full_like(torch.ones(2, dtype=torch.uint8), 300)", "torch.zeros_like(2)",
    "torch.empty_strided((2, 3), (1,))",
    "torch.ones_like(torch.ones(2, dtype=torch.int64), requires_grad=True)",
]


@pytest.mark.parametrize("expression", FILLED_CASES)
def test_filled_factories(expression):
    check_same(expression)


@pytest.mark.parametrize("expression", FILLED_ERRORS)
def test_filled_factory_errors(expression):
    check_same(expression, message=True)


def test_out_argument_is_filled_in_place():
    out = ember.empty(5)
    result = ember.zeros(2, 3, out=out)
    assert result is out and out.shape == (2, 3) and out.sum().item() == 0
    target = ember.empty(0, dtype=ember.int32)
    ember.arange(3.0, out=target)
    assert target.dtype is ember.int32 and target.tolist() == [0, 1, 2]
    with pytest.warns(UserWarning, match="does not match the computed number of elements"):
        ember.arange(3, out=ember.empty(5))


# -- Tensor.new_* and fill_ / zero_ ----------------------------------------------------------------

NEW_CASES = [
    "torch.ones(2).new_tensor([1, 2])", "torch.ones(2).new_tensor([1, 2], dtype=torch.int32)",
    "torch.ones(2, dtype=torch.float64).new_tensor([1, 2])",
    "torch.ones(2, dtype=torch.int32).new_tensor([1.5, 2])",
    "torch.ones(2, dtype=torch.int32).new_tensor(torch.tensor([1.5]))",
    "torch.ones(2, dtype=torch.int32).new_zeros(2, 3)",
    "torch.ones(2, dtype=torch.int32).new_zeros((2, 3))",
    "torch.ones(2, dtype=torch.int32).new_zeros([])",
    "torch.ones(2, dtype=torch.int32).new_ones(2, dtype=torch.float64)",
    "torch.ones(2, dtype=torch.int32).new_full((2,), 3.5)",
    "torch.ones(2, dtype=torch.int32).new_full((2,), 300)",
    "torch.ones(2, dtype=torch.int32).new_empty(2).shape",
    "torch.ones(2, dtype=torch.int32).new_empty_strided((2, 3), (1, 2)).stride()",
    "torch.ones(2, requires_grad=True).new_zeros(2).requires_grad",
    "torch.ones(2).new_zeros(2, requires_grad=True)",
    "torch.ones(2, device='meta').new_zeros(2).device",
    "torch.ones(2, device='meta').new_tensor([1.]).device", "torch.ones(2).new_ones(size=(2,))",
    "torch.ones(2, dtype=torch.int64).fill_(2.7)", "torch.ones(2, dtype=torch.uint8).fill_(-1)",
    "torch.ones(2, dtype=torch.bool).fill_(5)", "torch.ones(2, dtype=torch.int8).fill_(True)",
    "torch.ones(3, 2).t().fill_(4)", "torch.ones(3, 2).zero_()",
    "torch.ones(3, 2, dtype=torch.int32).fill_(torch.tensor(2.7))", "torch.fill(torch.ones(3), 2)",
    "torch.zero_(torch.ones(3))", "torch.fill_(torch.ones(3), 5)",
    "torch.ones(2, requires_grad=True).clone().fill_(1).grad_fn.name()",
    "torch.ones(2, requires_grad=True).clone().zero_().grad_fn.name()",
    "torch.ones(2).fill_(torch.tensor(3., requires_grad=True)).grad_fn.name()",
    "torch.fill(torch.ones(2, requires_grad=True), 2).grad_fn.name()",
    "torch.fill(torch.ones(2), torch.tensor(2., requires_grad=True)).grad_fn.name()",
]

NEW_ERRORS = [
    "torch.ones(2, dtype=torch.int32).new_zeros()",
    "torch.ones(2, dtype=torch.int32).new_full(2, 3)", "torch.ones(2, 3, 4).new_zeros(2.0)",
    "torch.ones(2).fill_(torch.tensor([3.]))", "torch.ones(2, dtype=torch.uint8).fill_(300)",
    "torch.ones(2, dtype=torch.int64).fill_(1+2j)",
    "torch.ones(2, dtype=torch.float32).fill_(1+2j)", "torch.ones(2).fill_('a')",
    "torch.ones(2, dtype=torch.int64).fill_(float('nan'))",
    "torch.ones(2, requires_grad=True).fill_(1)", "torch.ones(2, requires_grad=True).zero_()",
]


@pytest.mark.parametrize("expression", NEW_CASES)
def test_new_methods_and_fill(expression):
    check_same(expression)


@pytest.mark.parametrize("expression", NEW_ERRORS)
def test_new_methods_and_fill_errors(expression):
    check_same(expression, message=True)


def test_fill_gradients():
    for module in (torch, ember):
        value = module.tensor(3.0, requires_grad=True)
        base = module.ones(4, requires_grad=True)
        out = base.clone().fill_(value) * module.arange(4.0)
        out.sum().backward()
        assert value.grad.item() == 6.0
        assert base.grad.tolist() == [0.0] * 4


def test_fill_writes_through_views():
    base = ember.zeros(3, 4)
    base[:, 1].fill_(5)
    base.t()[0].fill_(2)
    assert base.tolist() == [[2, 5, 0, 0]] * 3


# -- ranges ------------------------------------------------------------------------------------

RANGE_CASES = [
    "torch.arange(0, 1, 0.1)", "torch.arange(5)", "torch.arange(1.0, 2.0, 0.3)",
    "torch.arange(0, 10, 3, dtype=torch.float32)", "torch.arange(0.5, 3, dtype=torch.int64)",
    "torch.arange(np.int32(5))", "torch.arange(torch.tensor(5))", "torch.arange(torch.tensor(5.))",
    "torch.arange(True)", "torch.arange(0, 100, 0.1)", "torch.arange(-3.7, 50.2, 0.37)",
    "torch.arange(0.1, 1000, 0.7)", "torch.arange(0, 3000, 0.1)",
    "torch.arange(0, 3000, 0.1, dtype=torch.float64)",
    "torch.arange(-3.7, 50.2, 0.37, dtype=torch.float64)",
    "torch.arange(0, 100, 0.1, dtype=torch.float16)",
    "torch.arange(-5, 5, 0.01, dtype=torch.bfloat16)",
    "torch.arange(0, 1, 0.1, dtype=torch.bfloat16)", "torch.arange(0, 3, 1.5, dtype=torch.int64)",
    "torch.arange(0.5, 3.7, dtype=torch.int32)", "torch.arange(-2.5, 3, 2, dtype=torch.int64)",
    "torch.arange(-2.5, 3, 2, dtype=torch.int32)", "torch.arange(0, 300, 100, dtype=torch.uint8)",
    "torch.arange(0., 5, requires_grad=True)", "torch.arange(start=1, end=4)",
    "torch.arange(end=4)", "torch.arange(np.float32(0.5), 2)",
    "torch.arange(torch.tensor(0.5, dtype=torch.float64), 2)",
    "torch.arange(torch.tensor(1, dtype=torch.int32), 4)", "torch.arange(1+0j, 4)",
    "torch.arange(10, 0, -3)", "torch.arange(10.5, 0, -0.7)",
    "torch.arange(10, -10, -3, dtype=torch.int64)", "torch.arange(3, out=torch.empty(0))",
    "torch.arange(5, device='meta')", "torch.range(0, 3)", "torch.range(0, 3, dtype=torch.int64)",
    "torch.range(0, 3, 0.5)", "torch.range(3, 0, -1)", "torch.range(0.1, 50.3, 0.37)",
    "torch.range(0.1, 50.3, 0.37, dtype=torch.float64)",
    "torch.range(0.1, 50.3, 0.37, dtype=torch.float16)", "torch.linspace(0, 1, 5)",
    "torch.linspace(0, 10, 5, dtype=torch.int64)", "torch.linspace(0, 1, 0)",
    "torch.linspace(0, 1, 1)", "torch.linspace(torch.tensor(0.), torch.tensor(1.), 3)",
    "torch.linspace(1+2j, 3, 3)", "torch.linspace(0, 1, 3, dtype=torch.float16)",
    "torch.linspace(-3.3, 17.1, 1001)", "torch.linspace(-3.3, 17.1, 1001, dtype=torch.float64)",
    "torch.linspace(0.1, 7.7, 1000, dtype=torch.float16)",
    "torch.linspace(-5, 3.3, 1000, dtype=torch.bfloat16)", "torch.linspace(0.001, 5.5, 33333)",
    "torch.linspace(-10, 10, 7, dtype=torch.int64)", "torch.linspace(10, 0, 4, dtype=torch.uint8)",
    "torch.linspace(0.5, 100.7, 77, dtype=torch.int16)", "torch.linspace(True, False, 3)",
    "torch.linspace(0, 1, 5, dtype=torch.complex64)", "torch.linspace(0.3+0.1j, 5.7-3j, 100)",
    "torch.linspace(0.3+0.1j, 5.7-3j, 100, dtype=torch.complex128)",
    "torch.linspace(0, 1, 3, out=torch.empty(0, dtype=torch.float64))",
    "torch.linspace(0, 1, 3, requires_grad=True)", "torch.logspace(0, 2, 3)",
    "torch.logspace(0, 2, 3, base=2)", "torch.logspace(0, 2, 3, dtype=torch.int64)",
    "torch.logspace(0, 3, 4, base=-2)", "torch.logspace(0, 3, 4, base=0.5, dtype=torch.float64)",
    "torch.logspace(0.5, 3, 4, dtype=torch.int32)", "torch.logspace(-3.3, 2.1, 301)",
    "torch.logspace(-3.3, 2.1, 301, dtype=torch.float64)",
    "torch.logspace(-3.3, 2.1, 301, base=3.7, dtype=torch.float16)",
    "torch.logspace(-1, 1, 50, dtype=torch.bfloat16)",
    "torch.logspace(0, 5, 50, base=2, dtype=torch.int64)", "torch.logspace(2, 3, 1, base=2)",
]

RANGE_ERRORS = [
    "torch.arange(10, 0)", "torch.arange(0, 10, -1)", "torch.arange(0, float('inf'))",
    "torch.arange(0, 10, 0)", "torch.arange(5, dtype=torch.bool)",
    "torch.arange(2, dtype=torch.complex64)", "torch.arange(0, 1e20, 1)",
    "torch.arange(0, 3, 0.5, dtype=torch.int64)", "torch.arange(0, 5, requires_grad=True)",
    "torch.arange(torch.tensor([1]), 4)", "torch.arange('a')", "torch.arange(None)",
    "torch.arange(3, dtype=torch.float64, out=torch.empty(0, dtype=torch.int32))",
    "torch.range(3, 0)", "torch.range(3, 0, 0)", "torch.linspace(0, 1, -1)",
    "torch.linspace(0, 1)", "torch.linspace(torch.tensor([0.]), 1, 3)",
    "torch.linspace(0, 1, 3.0)", "torch.linspace(0, 2**40, 3, dtype=torch.int32)",
    "torch.linspace(0j, 1, 3, dtype=torch.float32)", "torch.linspace(0, 5, 6, dtype=torch.bool)",
    "torch.linspace(0, 1, 3, dtype=torch.float64, out=torch.empty(0))",
]


@pytest.mark.parametrize("expression", RANGE_CASES)
def test_ranges_match_bit_for_bit(expression):
    check_same(expression)


@pytest.mark.parametrize("expression", RANGE_ERRORS)
def test_range_errors(expression):
    check_same(expression, message=True)


finite = st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False)


@given(start=finite, length=st.floats(0.5, 1e4), count=st.integers(1, 3000),
       dtype=st.sampled_from(["float32", "float64"]))
def test_arange_is_bit_exact(start, length, count, dtype):
    step = length / count
    expected = torch.arange(start, start + length, step, dtype=getattr(torch, dtype))
    got = ember.arange(start, start + length, step, dtype=getattr(ember, dtype))
    assert_same(got, expected, rtol=0, atol=0)


@pytest.mark.parametrize("threads", [1, 2, 3])
@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32"])
@pytest.mark.parametrize("n", [32769, 65537, 100003])
def test_long_arange_follows_the_thread_split(n, dtype, threads):
    # PyTorch splits ranges over 32768 elements between its threads, and each thread's first
    # vector starts a new rounded base: ember splits the same way for the same thread count.
    before = torch.get_num_threads(), ember.get_num_threads()
    torch.set_num_threads(threads)
    ember.set_num_threads(threads)
    try:
        expected = torch.arange(0, n * 0.75, 0.75, dtype=getattr(torch, dtype))
        got = ember.arange(0, n * 0.75, 0.75, dtype=getattr(ember, dtype))
    finally:
        torch.set_num_threads(before[0])
        ember.set_num_threads(before[1])
    assert_same(got, expected, rtol=0, atol=0)


@given(start=finite, end=finite, steps=st.integers(0, 3000),
       dtype=st.sampled_from(["float32", "float64", "int64"]))
def test_linspace_is_bit_exact(start, end, steps, dtype):
    expected = torch.linspace(start, end, steps, dtype=getattr(torch, dtype))
    got = ember.linspace(start, end, steps, dtype=getattr(ember, dtype))
    assert_same(got, expected, rtol=0, atol=0)


# -- eye, tril/triu_indices, complex, polar ----------------------------------------------------

MATRIX_CASES = [
    "torch.eye(3)", "torch.eye(2, 3)", "torch.eye(2, 3, dtype=torch.bool)", "torch.eye(0)",
    "torch.eye(3, 2, dtype=torch.complex64)", "torch.eye(n=3, m=2)", "torch.eye(np.int64(2))",
    "torch.eye(torch.tensor(2))", "torch.eye(3, out=torch.empty(0))",
    "torch.eye(3, device='meta')", "torch.eye(2, out=torch.empty(0, dtype=torch.int64))",
    "torch.tril_indices(3, 3)", "torch.tril_indices(3, 4, 1)", "torch.triu_indices(3, 4, -1)",
    "torch.tril_indices(3, 3, dtype=torch.int32)", "torch.tril_indices(0, 3)",
    "torch.tril_indices(3, 0)", "torch.tril_indices(4, 3, -10)", "torch.tril_indices(4, 3, 10)",
    "torch.triu_indices(4, 3, 10)", "torch.triu_indices(4, 3, -10)", "torch.triu_indices(5, 7, 2)",
    "torch.tril_indices(7, 5, -2)",
    "torch.tril_indices(3, 3, 0, dtype=torch.int64, device='meta')",
    "torch.complex(torch.tensor([1.]), torch.tensor([2.]))",
    "torch.complex(torch.tensor([1.]), torch.tensor([2., 3.]))",
    "torch.complex(torch.tensor(1.), torch.tensor(2.))",
    "torch.complex(torch.ones(2, 3).t(), torch.ones(3, 2))",
    "torch.complex(torch.tensor([1.], dtype=torch.float64), torch.tensor([[2.], [3.]], "
    "dtype=torch.float64))",
    "torch.complex(torch.tensor([1.]), torch.tensor([2.]), out=torch.empty(0, "
    "dtype=torch.complex64))",
    "torch.polar(torch.tensor([1.5, 2.5], dtype=torch.float64), torch.tensor([[2.], [0.3]], "
    "dtype=torch.float64))",
    "torch.polar(torch.tensor([-1.]), torch.tensor([0.]))",
    "torch.complex(torch.tensor([1.], requires_grad=True), torch.tensor([2.])).grad_fn.name()",
    "torch.polar(torch.tensor([1.], requires_grad=True), torch.tensor([2.])).grad_fn.name()",
]

MATRIX_ERRORS = [
    "torch.eye(-1)", "torch.eye(2, -1)", "torch.eye(3, None)", "torch.eye(True)", "torch.eye(2.5)",
    "torch.eye(2, dtype=torch.float16, out=torch.empty(0))",
    "torch.eye(3, dtype=torch.int64, requires_grad=True)",
    "torch.tril_indices(3, 3, dtype=torch.float32)", "torch.tril_indices(3, 3, dtype=torch.bool)",
    "torch.tril_indices(3, 3, dtype=torch.uint8)", "torch.tril_indices(-1, 3)",
    "torch.tril_indices(3, -3)", "torch.triu_indices(-1, 3)", "torch.tril_indices(3.0, 3)",
    "torch.tril_indices(3, 3, 1.0)",
    "torch.complex(torch.tensor([1.], dtype=torch.float64), torch.tensor([2.]))",
    "torch.complex(torch.tensor([1]), torch.tensor([2]))", "torch.complex(torch.tensor([1.]), 2.)",
    "torch.complex(torch.tensor([1., 2.]), torch.tensor([2., 3., 4.]))",
    "torch.complex(torch.tensor([1.], dtype=torch.bfloat16), torch.tensor([2.], "
    "dtype=torch.bfloat16))",
    "torch.complex(torch.tensor([1.]), torch.tensor([2.]), out=torch.empty(0, "
    "dtype=torch.complex128))",
    "torch.polar(torch.tensor([1.]), torch.tensor([2.], dtype=torch.float64))",
    "torch.polar(torch.tensor([1], dtype=torch.int64), torch.tensor([2]))",
]


@pytest.mark.parametrize("expression", MATRIX_CASES)
def test_eye_indices_complex(expression):
    check_same(expression)


@pytest.mark.parametrize("expression", MATRIX_ERRORS)
def test_eye_indices_complex_errors(expression):
    check_same(expression, message=True)


def test_polar_float32_values():
    angle = np.random.RandomState(0).randn(1000).astype(np.float32) * 10
    magnitude = np.abs(np.random.RandomState(1).randn(1000)).astype(np.float32)
    expected = torch.polar(torch.from_numpy(magnitude), torch.from_numpy(angle))
    got = ember.polar(ember.from_numpy(magnitude), ember.from_numpy(angle))
    assert_same(got, expected, rtol=1e-6, atol=1e-6)


@pytest.mark.skipif(not (hasattr(ember, "real") and hasattr(ember, "sgn")),
                    reason="complex/polar backward needs ember's real, imag, conj and sgn ops")
def test_complex_and_polar_gradients():
    data = np.random.RandomState(2).randn(3, 3, 4)
    for op in ("complex", "polar"):
        grads = []
        for module in (torch, ember):
            a = module.tensor(data[0], requires_grad=True)
            b = module.tensor(data[1], requires_grad=True)
            weight = module.complex(module.tensor(data[2]), module.tensor(data[0]))
            out = getattr(module, op)(a, b)
            (out * weight).real.sum().backward()
            grads.append((a.grad, b.grad))
        for e, t in zip(grads[1], grads[0]):
            assert_same(e, t, rtol=1e-10)
