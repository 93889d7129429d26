"""Type promotion against PyTorch: promote_types, can_cast and result_type over every dtype pair,
and over every mix of dimensioned tensors, zero-dim tensors and Python numbers."""
from __future__ import annotations

import itertools

import pytest

torch = pytest.importorskip("torch")

import ember  # noqa: E402
from tests.parity import DTYPE_NAMES  # noqa: E402

PAIRS = list(itertools.product(DTYPE_NAMES, DTYPE_NAMES))
SCALARS = [True, False, 0, 3, -2, 2.5, -0.0, 1 + 2j]


def _e(name):
    return getattr(ember, name)


def _t(name):
    return getattr(torch, name)


def _name(d) -> str:
    return str(d).replace("torch.", "")


def _expect(dtype) -> str:
    """torch's dtype name; ember has no complex32 (ComplexHalf), so those cases are skipped."""
    return None if dtype == torch.complex32 else _name(dtype)


def _check(e_dtype, t_dtype, *context) -> None:
    expected = _expect(t_dtype)
    if expected is not None:
        assert _name(e_dtype) == expected, context


def _tensors(name, zero_dim: bool):
    shape = () if zero_dim else (2,)
    return ember.zeros(shape, dtype=_e(name)), torch.zeros(shape, dtype=_t(name))


@pytest.mark.parametrize("a", DTYPE_NAMES)
def test_promote_types_all_pairs(a):
    for b in DTYPE_NAMES:
        expected = _name(torch.promote_types(_t(a), _t(b)))
        assert _name(ember.promote_types(_e(a), _e(b))) == expected, (a, b)


@pytest.mark.parametrize("a", DTYPE_NAMES)
def test_can_cast_all_pairs(a):
    for b in DTYPE_NAMES:
        assert ember.can_cast(_e(a), _e(b)) == torch.can_cast(_t(a), _t(b)), (a, b)


@pytest.mark.parametrize("kinds", [("dim", "dim"), ("dim", "zero"), ("zero", "dim"),
                                   ("zero", "zero")])
def test_result_type_tensor_pairs(kinds):
    for a, b in PAIRS:
        ea, ta = _tensors(a, kinds[0] == "zero")
        eb, tb = _tensors(b, kinds[1] == "zero")
        _check(ember.result_type(ea, eb), torch.result_type(ta, tb), a, b)


@pytest.mark.parametrize("zero_dim", [False, True])
@pytest.mark.parametrize("scalar", SCALARS, ids=repr)
def test_result_type_tensor_and_scalar(zero_dim, scalar):
    for name in DTYPE_NAMES:
        e, t = _tensors(name, zero_dim)
        _check(ember.result_type(e, scalar), torch.result_type(t, scalar), name, scalar)
        _check(ember.result_type(scalar, e), torch.result_type(scalar, t), name, scalar)


@pytest.mark.parametrize("a,b", list(itertools.product(SCALARS, SCALARS)), ids=repr)
def test_result_type_two_scalars(a, b):
    assert _name(ember.result_type(a, b)) == _name(torch.result_type(a, b))


@pytest.mark.parametrize("default", ["float64", "float16", "bfloat16"])
def test_result_type_follows_default_dtype(default):
    previous = torch.get_default_dtype()
    try:
        torch.set_default_dtype(_t(default))
        ember.set_default_dtype(_e(default))
        for name in DTYPE_NAMES:
            e, t = _tensors(name, False)
            for scalar in (2.5, 1j, 3):
                _check(ember.result_type(e, scalar), torch.result_type(t, scalar), name, scalar)
        assert _name(ember.result_type(2.5, 1)) == _name(torch.result_type(2.5, 1))
    finally:
        torch.set_default_dtype(previous)
        ember.set_default_dtype(ember.float32)


REAL_NAMES = [n for n in DTYPE_NAMES if n != "bool" and "complex" not in n]


@pytest.mark.parametrize("low", REAL_NAMES)
def test_result_type_over_three_tensors(low):
    # clamp promotes over all three of its tensors: the dimensioned input outranks zero-dim
    # bounds, which only matter when they are of a higher category.
    for name, high in itertools.product(REAL_NAMES, REAL_NAMES):
        e, t = _tensors(name, False)
        e_low, t_low = _tensors(low, True)
        e_high, t_high = _tensors(high, True)
        expected = _name(torch.clamp(t, t_low, t_high).dtype)
        assert _name(ember.result_type(e, e_low, e_high)) == expected, (name, low, high)
        assert _name(ember.clamp(e, e_low, e_high).dtype) == expected, (name, low, high)


@pytest.mark.parametrize("op", ["add", "mul", "maximum", "eq", "where"])
def test_ops_use_result_type(op):
    # The dtype an op returns is the promoted dtype (bool for comparisons).
    for a, b in PAIRS:
        if op == "maximum" and "complex" in a + b:
            continue
        ea, ta = _tensors(a, False)
        eb, tb = _tensors(b, True)
        if op == "where":
            e_out = ember.where(ember.tensor([True, False]), ea, eb)
            t_out = torch.where(torch.tensor([True, False]), ta, tb)
        else:
            e_out = getattr(ember, op)(ea, eb)
            t_out = getattr(torch, op)(ta, tb)
        _check(e_out.dtype, t_out.dtype, op, a, b)
