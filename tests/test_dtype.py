"""dtypes, their attributes, finfo/iinfo, conversions and the default dtype, against PyTorch."""
from __future__ import annotations

import numpy as np
import pytest

import ember
from parity import DTYPE_NAMES, assert_same

torch = pytest.importorskip("torch")

ALIASES = ["float", "double", "half", "long", "int", "short", "cfloat", "cdouble"]


@pytest.mark.parametrize("name", DTYPE_NAMES)
def test_dtype_attributes_match_torch(name):
    ours, theirs = getattr(ember, name), getattr(torch, name)
    assert repr(ours) == repr(theirs) and str(ours) == str(theirs)
    assert ours.is_floating_point == theirs.is_floating_point
    assert ours.is_complex == theirs.is_complex
    assert ours.is_signed == theirs.is_signed
    assert ours.itemsize == theirs.itemsize
    assert ember.tensor([], dtype=ours).element_size() == torch.tensor([], dtype=theirs).element_size()


@pytest.mark.parametrize("alias", ALIASES)
def test_aliases_are_the_same_objects(alias):
    assert repr(getattr(ember, alias)) == repr(getattr(torch, alias))


@pytest.mark.parametrize("name", ["float16", "bfloat16", "float32", "float64"])
def test_finfo_matches_torch(name):
    ours, theirs = ember.finfo(getattr(ember, name)), torch.finfo(getattr(torch, name))
    for field in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
        assert getattr(ours, field) == getattr(theirs, field), field
    assert ember.finfo().dtype == torch.finfo().dtype


@pytest.mark.parametrize("name", ["uint8", "int8", "int16", "int32", "int64"])
def test_iinfo_matches_torch(name):
    ours, theirs = ember.iinfo(getattr(ember, name)), torch.iinfo(getattr(torch, name))
    for field in ("bits", "max", "min", "dtype"):
        assert getattr(ours, field) == getattr(theirs, field), field
    assert repr(ours) == repr(theirs)


def test_finfo_iinfo_reject_wrong_kinds():
    for lib in (ember, torch):
        with pytest.raises(TypeError):
            lib.finfo(lib.int32)
        with pytest.raises(TypeError):
            lib.iinfo(lib.float32)


CONVERSIONS = ["float", "double", "half", "bfloat16", "long", "int", "short", "char", "byte",
               "bool"]


@pytest.mark.parametrize("method", CONVERSIONS)
@pytest.mark.parametrize("source", [[1.5, -2.7, 0.0, 3.0], [1, -2, 0, 100], [True, False, True, True]])
def test_conversion_methods_match_torch(method, source):
    e, t = ember.tensor(source), torch.tensor(source)
    if method == "byte" and isinstance(source[0], float):
        source = [abs(v) for v in source]
        e, t = ember.tensor(source), torch.tensor(source)
    assert_same(getattr(e, method)(), getattr(t, method)())


@pytest.mark.parametrize("target", DTYPE_NAMES)
def test_to_dtype_matches_torch(target):
    values = [0.0, 1.0, 2.5, -3.25, 100.0]
    if target in ("uint8", "bool"):
        values = [0.0, 1.0, 2.0, 3.0, 100.0]
    e, t = ember.tensor(values), torch.tensor(values)
    assert_same(e.to(getattr(ember, target)), t.to(getattr(torch, target)))


def test_type_strings_and_legacy_classes():
    e, t = ember.tensor([1.5, -2.7]), torch.tensor([1.5, -2.7])
    assert e.type() == t.type() == "torch.FloatTensor"
    assert_same(e.type(ember.int64), t.type(torch.int64))
    assert_same(e.type("torch.DoubleTensor"), t.type("torch.DoubleTensor"))
    assert isinstance(e, ember.FloatTensor) and not isinstance(e, ember.LongTensor)
    assert ember.tensor([1]).type() == "torch.LongTensor"
    assert_same(ember.FloatTensor([1, 2]), torch.FloatTensor([1, 2]))
    assert_same(ember.LongTensor([1, 2]), torch.LongTensor([1, 2]))
    assert_same(ember.Tensor([1, 2, 3]), torch.Tensor([1, 2, 3]))
    assert tuple(ember.Tensor(2, 3).shape) == (2, 3)
    assert tuple(ember.Tensor().shape) == (0,)


def test_to_returns_self_when_nothing_changes():
    e = ember.tensor([1.0, 2.0])
    assert e.to(ember.float32) is e
    assert e.to("cpu") is e
    copy = e.to(ember.float32, copy=True)
    assert copy is not e and copy.data_ptr() != e.data_ptr()


def test_python_scalar_conversions_match_torch():
    for values in ([2.5], [3], [True]):
        e, t = ember.tensor(values), torch.tensor(values)
        assert float(e) == float(t) and int(e) == int(t) and bool(e) == bool(t)
        assert type(e.item()) is type(t.item()) and e.item() == t.item()
        assert e.tolist() == t.tolist()
    assert ember.tensor([[1.5]]).item() == 1.5
    assert [10, 20, 30][ember.tensor(1)] == 20
    with pytest.raises(TypeError):
        [1, 2][ember.tensor(1.0)]
    for lib in (ember, torch):
        with pytest.raises(RuntimeError):
            lib.tensor([1.0, 2.0]).item()
        with pytest.raises((ValueError, RuntimeError)):
            float(lib.tensor([1.0, 2.0]))


def test_default_dtype_changes_inference():
    assert ember.get_default_dtype() is ember.float32
    ember.set_default_dtype(ember.float64)
    try:
        torch.set_default_dtype(torch.float64)
        for data in ([1.0], [1j]):
            assert_same(ember.tensor(data), torch.tensor(data))
        assert_same(ember.tensor([1]) * 2.5, torch.tensor([1]) * 2.5)
        assert_same(ember.zeros(2), torch.zeros(2))
    finally:
        ember.set_default_dtype(ember.float32)
        torch.set_default_dtype(torch.float32)
    for lib in (ember, torch):
        with pytest.raises(TypeError):
            lib.set_default_dtype(lib.int64)


def test_bfloat16_round_trips_through_ml_dtypes():
    e = ember.tensor([1.0, 3.14159, -2.5e10]).bfloat16()
    t = torch.tensor([1.0, 3.14159, -2.5e10]).bfloat16()
    assert_same(e, t, rtol=0, atol=0)
    assert e.element_size() == 2
    with pytest.raises(TypeError):
        e.numpy()


def test_numpy_dtype_mapping_rejects_unsupported():
    with pytest.raises(TypeError):
        ember.from_numpy(np.array(["a"]))
    with pytest.raises(TypeError):
        ember.from_numpy(np.array([1], dtype=np.uint32))
