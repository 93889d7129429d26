"""tensor[key] and tensor[key] = value compared with PyTorch: a table of keys (basic, advanced,
mixed, masks, Ellipsis, None), values, strides of views, gradients, grad_fn names and errors."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, strategies as st

import ember
from parity import assert_same

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.filterwarnings("ignore:Using a non-tuple sequence",
                                        "ignore:indexing with dtype torch.uint8")

SHAPE = (2, 3, 4, 5)
BASE = np.arange(120, dtype=np.float64).reshape(SHAPE) * 0.5 - 7
MASK_23 = np.array([[True, False, True], [False, True, False]])
MASK_34 = np.array([[True, False, True, True], [False, False, True, False],
                    [True, True, False, False]])
MASK_45 = np.arange(20).reshape(4, 5) % 3 == 0
MASK_FULL = (np.arange(120).reshape(SHAPE) % 7) < 3


def T(values, dtype=None):
    """A key item that becomes a tensor of the library under test."""
    return ("tensor", values, dtype)


def build(lib, spec):
    """Turn a key spec into a key of ``lib`` (tensors made by ``lib``)."""
    if isinstance(spec, tuple) and len(spec) == 3 and spec[0] == "tensor":
        _, values, dtype = spec
        return lib.tensor(values, dtype=getattr(lib, dtype) if dtype else None)
    if isinstance(spec, tuple):
        return tuple(build(lib, item) for item in spec)
    if isinstance(spec, list):
        return [build(lib, item) for item in spec]
    if isinstance(spec, slice):
        return slice(build(lib, spec.start), build(lib, spec.stop), build(lib, spec.step))
    return spec


BASIC_KEYS = [
    0, -1, 1, slice(None), slice(1, None), slice(None, None, 2), slice(-3, -1), slice(5, 1),
    slice(0, 100), slice(-100, 1), None, Ellipsis, (), (0,), (0, 1), (0, 1, 2, 3), (-1, -2, -3, -4),
    (slice(None), 0), (Ellipsis, 0), (0, Ellipsis), (0, Ellipsis, 1), (None, 0), (0, None),
    (None, None), (Ellipsis, None), (None, Ellipsis, None), (slice(None), None, slice(None)),
    (None, slice(1, None), None, 1, None), (slice(None, None, 2), None), (slice(5, 1), None),
    (1, slice(1, 3), Ellipsis, slice(None, None, 3)), (slice(None), slice(None)),
    (slice(0, 100),), (Ellipsis, slice(None)), (0, slice(0, 3)), (slice(1, 2), 2, None),
    T(1), (T(1), 0), (slice(None), T(-1)), np.int64(1), (np.int32(1), slice(None)),
    (slice(T(1), T(3)),), (0, 1, 2, slice(2, 4), None), np.array(1), (np.array(1.7),),
    (Ellipsis, Ellipsis),
]

ADVANCED_KEYS = [
    True, False, (0, True), (True, 0), (slice(None), True, slice(None)), (Ellipsis, False),
    (None, True, None), (T(True),), T(False), (0, T(True)), (T(1, "uint8"),),
    [0, 1], [1, 1, 0], [-1, 0], [[0, 1], [1, 0]], T([0, 1]), T([[0, 1], [1, 0]]), T([-1, 0]),
    T([1, 0], "int32"), [], T([], "int64"), [0.5, 1.7],
    (slice(None), [0, 2]), (slice(None), T([[0], [2]])), ([0, 1], slice(None), [0, 2]),
    ([0, 1], [0, 2]), ([0, 1], 0, [0, 2]), (0, slice(None), [0, 1]), (slice(None), 0, [0, 1]),
    ([[0], [1]], slice(None), [1, 2]), ([0, 1], None, [1, 2]), (None, [0, 1], [1, 2]),
    (Ellipsis, [0, 1]), (Ellipsis, [0, 1], slice(None)), ([0, 1], Ellipsis, [0, 1]),
    (slice(1, None), [0, 2], slice(None), [1, 3]), ([0, 1], True, [1, 2]),
    (slice(None), slice(None), slice(None), True), ([1, 0], slice(None, None, 2), 1),
    np.array([0, 1]), (np.array([[0, 1]]), slice(1, None)), np.array([True, False]),
    [True, False], T([True, False]), T(MASK_23.tolist()), (slice(None), T(MASK_34.tolist())),
    (Ellipsis, T(MASK_45.tolist())), (T(MASK_23.tolist()), 0), (T(MASK_23.tolist()), [0, 2, 1]),
    (0, T(MASK_34.tolist())), T(MASK_FULL.tolist()), T(np.zeros(SHAPE, bool).tolist()),
    (T(MASK_23.tolist()), slice(1, 3), None), (T(MASK_23.tolist()), None, [1]),
    (1, T(MASK_34.tolist()), T([0, 4, 2, 1, 1, 3])), np.array([1, 0, 1], dtype=np.uint8)[:2],
    (T([[0, 1]]), slice(None), slice(None), T([[1], [4]])), (T([0, 1]), T(1)),
]

ALL_KEYS = BASIC_KEYS + ADVANCED_KEYS


def _ids(keys):
    return [repr(k).replace(" ", "")[:60] for k in keys]


def _bases(lib, kind: str):
    x = lib.tensor(BASE)
    if kind == "permuted":
        x = lib.tensor(BASE.transpose(3, 1, 2, 0).copy()).permute(3, 1, 2, 0)
    return x


@pytest.mark.parametrize("kind", ["contiguous", "permuted"])
@pytest.mark.parametrize("spec", ALL_KEYS, ids=_ids(ALL_KEYS))
def test_getitem_matches_torch(spec, kind):
    xe, xt = _bases(ember, kind), _bases(torch, kind)
    ye, yt = xe[build(ember, spec)], xt[build(torch, spec)]
    assert_same(ye, yt)
    if yt._base is not None:
        assert ye._base is not None, "torch returns a view here"
        assert ye.stride() == yt.stride()
        if yt.numel():
            assert ye.storage_offset() == yt.storage_offset()
    else:
        assert ye._base is None, "torch copies here"


@pytest.mark.parametrize("spec", ALL_KEYS, ids=_ids(ALL_KEYS))
def test_getitem_gradient_and_grad_fn(spec):
    xe = ember.tensor(BASE, requires_grad=True)
    xt = torch.tensor(BASE, requires_grad=True)
    ye, yt = xe[build(ember, spec)], xt[build(torch, spec)]
    assert ye.grad_fn.name() == yt.grad_fn.name()
    weights = np.arange(yt.numel(), dtype=np.float64).reshape(tuple(yt.shape)) + 1
    (ye * ember.tensor(weights)).sum().backward()
    (yt * torch.tensor(weights)).sum().backward()
    assert_same(xe.grad, xt.grad)


def test_view_results_share_memory_and_version():
    x = ember.tensor(BASE.copy())
    t = torch.tensor(BASE.copy())
    for lib_x in (x, t):
        v = lib_x[1, :, None, 2]
        v[0, 0] = 100.0
        v.mul_(2)
    assert_same(x, t)
    assert x[0]._version == t[0]._version


def test_basic_getitem_double_backward():
    def run(lib):
        x = lib.tensor(BASE, requires_grad=True)
        y = x[1, :, None, 2:4]
        (g,) = lib.autograd.grad((y * y * y).sum(), x, create_graph=True)
        (h,) = lib.autograd.grad((g * g).sum(), x)
        return g, h
    assert_same(run(ember), run(torch))


@pytest.mark.parametrize("spec", [[1, 1, 0], ([0, 1], slice(None), [0, 2]),
                                  (slice(None), T(MASK_34.tolist())), (0, slice(None), [0, 1])],
                         ids=_ids([0, 1, 2, 3]))
def test_advanced_getitem_double_backward(spec):
    def run(lib):
        x = lib.tensor(BASE, requires_grad=True)
        y = x[build(lib, spec)]
        (g,) = lib.autograd.grad((y * y * y).sum(), x, create_graph=True)
        (h,) = lib.autograd.grad((g * g).sum(), x)
        return g, h
    assert_same(run(ember), run(torch))


# -- errors ---------------------------------------------------------------------------------------

GETITEM_ERRORS = [
    2, -3, (0, 3), (0, 0, 0, 0, 0), [2], (0, [7]), [-3], ([0, 1], slice(None), [0, 1, 2]),
    T([True, False, True]), T([1.0, 2.0]), T([1, 2], "int16"), T([1, 2], "int8"),
    T(1.0), np.bool_(True), 1.5, "a", (T(MASK_34.tolist()),), T(np.ones(SHAPE + (1,), bool).tolist()),
    (slice(None), [0], [9]), (0, slice(None), [7]), ([0, 2], False, [1, 2]),
    slice(None, None, -1), slice(None, None, 0), (slice(None), slice(3, None, -2)),
    (T(MASK_23.tolist()), [0, 1]), (Ellipsis, Ellipsis, 0),
]


def _outcome(lib, fn):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(lib), None
    except Exception as exc:  # noqa: BLE001 - the exception itself is compared
        return None, exc


@pytest.mark.parametrize("spec", GETITEM_ERRORS, ids=_ids(GETITEM_ERRORS))
def test_getitem_errors_match_torch(spec):
    _, err_e = _outcome(ember, lambda lib: lib.tensor(BASE)[build(lib, spec)])
    _, err_t = _outcome(torch, lambda lib: lib.tensor(BASE)[build(lib, spec)])
    assert err_t is not None and err_e is not None, (err_e, err_t)
    assert type(err_e) is type(err_t)
    assert str(err_e) == str(err_t)


@pytest.mark.parametrize("key", [0, slice(None), [0]])
def test_zero_dim_errors(key):
    _, err_e = _outcome(ember, lambda lib: lib.tensor(3.0)[key])
    _, err_t = _outcome(torch, lambda lib: lib.tensor(3.0)[key])
    assert type(err_e) is type(err_t) and str(err_e) == str(err_t)


@pytest.mark.parametrize("key", [(), None, Ellipsis, True, False, (None, None)])
def test_zero_dim_keys(key):
    assert_same(ember.tensor(3.0)[key], torch.tensor(3.0)[key])


def test_sequence_key_warns_like_torch():
    with pytest.warns(UserWarning, match="non-tuple sequence"):
        ember.tensor(BASE)[[0, [1, 2]]]
    with pytest.warns(UserWarning, match="uint8"):
        ember.tensor(BASE)[ember.tensor([1, 0], dtype=ember.uint8)]


# -- setitem --------------------------------------------------------------------------------------

def _value(lib, kind, region):
    size = int(np.prod(region)) if region else 1
    if kind == "scalar":
        return 7.5
    if kind == "int":
        return -4
    if kind == "zero_dim":
        return lib.tensor(3.25, dtype=lib.float64)
    if kind == "one":
        return lib.tensor([2.5], dtype=lib.float64)
    data = np.arange(size, dtype=np.float64).reshape(region) * 1.5 + 100
    if kind == "region":
        return lib.tensor(data)
    if kind == "last":
        return lib.tensor(data.reshape(-1)[:region[-1]] if region else data)
    if kind == "lead1":
        return lib.tensor(data.reshape((1, 1) + tuple(region)))
    raise AssertionError(kind)


VALUE_KINDS = ["scalar", "int", "zero_dim", "one", "region", "last", "lead1"]
SET_KEYS = [k for k in ALL_KEYS if not isinstance(k, np.ndarray) or k.dtype != np.uint8]


def _set(lib, spec, kind, base=BASE):
    x = lib.tensor(base.copy())
    key = build(lib, spec)
    region = tuple(x[key].shape)
    x[key] = _value(lib, kind, region)
    return x


@pytest.mark.parametrize("kind", VALUE_KINDS)
@pytest.mark.parametrize("spec", SET_KEYS, ids=_ids(SET_KEYS))
def test_setitem_matches_torch(spec, kind):
    out_e, err_e = _outcome(ember, lambda lib: _set(lib, spec, kind))
    out_t, err_t = _outcome(torch, lambda lib: _set(lib, spec, kind))
    if err_t is not None:
        assert type(err_e) is type(err_t), (err_e, err_t)
        assert str(err_e) == str(err_t)
    else:
        assert err_e is None, err_e
        assert_same(out_e, out_t)


CAST_CASES = [
    ("int64", 0, 2.7), ("int64", [0], 2.7), ("uint8", 0, -1), ("uint8", [0], -255),
    ("float32", 0, ("tensor", [1.5] * 5, "float64")), ("int32", (0, 1), ("tensor", 2.9, None)),
    ("float32", [0], ("tensor", [1.0] * 5, "float64")), ("bool", 0, 5), ("bool", [1], 0.0),
    ("float32", T([True, False]), ("tensor", [7.0], "float64")),
    ("int64", T([True, False]), ("tensor", 2.7, "float64")),
    ("float64", 0, ("tensor", [1 + 2j] * 5, "complex64")), ("float16", 0, 1e300),
    ("float32", 0, 1e39), ("int8", 0, -129), ("uint8", 0, 300), ("uint8", [0], -256),
    ("int64", 0, float("nan")), ("int32", 0, float("inf")), ("float32", 0, 1 + 1j),
    ("float32", 0, 1 + 0j), ("complex64", 0, 1e39 + 0j), ("int64", 0, 2 ** 63),
    ("float32", 0, np.float32(1)), ("float32", 0, np.float64(1.5)), ("float32", 0, np.int32(3)),
    ("float32", 0, np.bool_(True)), ("float32", 0, "a"), ("float32", 0, None),
    ("float32", 0, [1.0, 2.0]), ("float32", False, "a"), ("float32", False, ("tensor", [1.0] * 7, None)),
    ("bfloat16", [0], 1e300), ("int16", 0, 40000), ("int64", (0, 0), True),
]


@pytest.mark.parametrize("dtype, spec, value", CAST_CASES, ids=[repr(c)[:50] for c in CAST_CASES])
def test_setitem_casting_and_overflow(dtype, spec, value):
    def run(lib):
        x = lib.tensor(BASE[:, :, 0, :], dtype=getattr(lib, dtype)) if dtype != "bool" else \
            lib.tensor(BASE[:, :, 0, :] > 0)
        x[build(lib, spec)] = build(lib, value)
        return x
    out_e, err_e = _outcome(ember, run)
    out_t, err_t = _outcome(torch, run)
    if err_t is not None:
        assert type(err_e) is type(err_t), (err_e, err_t)
        assert str(err_e) == str(err_t)
    else:
        assert err_e is None, err_e
        assert_same(out_e, out_t)


SETITEM_ERRORS = [
    ([0, 5], 1.0), ((0, [7]), 1.0), ([0, 1], ("tensor", [1.0, 2.0, 3.0], "float64")),
    (0, ("tensor", [1.0, 2.0], "float64")), (T([True, False, True]), 1.0),
    ([0, 1], ("tensor", [[1.0] * 5] * 4, "float32")), (T([1.0]), 1.0),
    ((slice(None), [0], [9]), 0.0), (0, ("tensor", np.ones((2, 3, 4, 5)).tolist(), "float64")),
]


@pytest.mark.parametrize("spec, value", SETITEM_ERRORS, ids=_ids(SETITEM_ERRORS))
def test_setitem_errors_leave_tensor_unchanged(spec, value):
    # PyTorch raises the same error, but may already have written part of an out-of-range
    # index_put; ember checks everything first and leaves the tensor as it was.
    def run(lib):
        x = lib.tensor(BASE.copy())
        try:
            x[build(lib, spec)] = build(lib, value)
        except Exception as exc:  # noqa: BLE001
            return x, exc
        return x, None
    xe, err_e = run(ember)
    _, err_t = run(torch)
    assert err_t is not None and type(err_e) is type(err_t), (err_e, err_t)
    assert str(err_e) == str(err_t)
    np.testing.assert_array_equal(xe.numpy(), BASE)
    assert xe._version == 0


@pytest.mark.parametrize("spec", [
    [0, 0, 1, 0], (slice(None), [2, 2, 2]), ([[0], [0]], [1, 1]),
    ([1, 1, 0, 1], slice(None), [0, 0, 3, 0]), (0, [1, 2, 1], [3, 3, 3]),
    (T([[1, 1], [1, 1]]), slice(1, None), T([2, 2])), (Ellipsis, [4, 4, 1, 4]),
], ids=_ids(range(7)))
def test_setitem_duplicate_indices_last_write_wins(spec):
    def run(lib):
        x = lib.tensor(BASE.copy())
        key = build(lib, spec)
        region = tuple(x[key].shape)
        x[key] = lib.tensor(np.arange(float(np.prod(region))).reshape(region))
        return x
    assert_same(run(ember), run(torch))


SET_GRAD_KEYS = [0, (slice(None), 1), slice(None), Ellipsis, None, True, (slice(1, None), [0, 1]),
                 [0, 1], [1, 1], (slice(None), [0, 2]), T(MASK_23.tolist()),
                 (0, [0, 1]), (slice(None), T(MASK_34.tolist())), (Ellipsis, [0]), (1, 2, 3, 4)]


@pytest.mark.parametrize("kind", ["region", "zero_dim", "last", "lead1"])
@pytest.mark.parametrize("spec", SET_GRAD_KEYS, ids=_ids(SET_GRAD_KEYS))
def test_setitem_gradients_and_grad_fn(spec, kind):
    def run(lib):
        a = lib.tensor(BASE, requires_grad=True)
        x = a * 2
        key = build(lib, spec)
        value = _value(lib, kind, tuple(x[key].shape)).requires_grad_()
        x[key] = value
        weights = lib.tensor(np.arange(120.0).reshape(SHAPE) - 50)
        (x * x * weights).sum().backward()
        return x.grad_fn.name(), a.grad, value.grad
    name_e, *grads_e = run(ember)
    name_t, *grads_t = run(torch)
    assert name_e == name_t
    assert_same(grads_e, grads_t)


def test_setitem_value_only_requires_grad():
    def run(lib):
        x = lib.tensor(BASE.copy())
        v = lib.tensor([1.0, 2.0, 3.0, 4.0, 5.0], dtype=lib.float64, requires_grad=True)
        x[[0, 1], 1] = v
        x[0, 0] = v
        (x * x).sum().backward()
        return x.grad_fn.name(), v.grad
    name_e, grad_e = run(ember)
    name_t, grad_t = run(torch)
    assert name_e == name_t
    assert_same(grad_e, grad_t)


def test_setitem_masked_fill_path_casts_and_flows_gradient():
    def run(lib):
        a = lib.tensor(BASE, dtype=lib.float32, requires_grad=True)
        x = a * 1
        v = lib.tensor(2.5, dtype=lib.float64, requires_grad=True)
        x[lib.tensor(MASK_23.tolist())] = v
        (x * 3).sum().backward()
        return x, x.grad_fn.name(), a.grad, v.grad
    out_e, out_t = run(ember), run(torch)
    assert out_e[1] == out_t[1]
    assert_same([out_e[0], out_e[2], out_e[3]], [out_t[0], out_t[2], out_t[3]])


@pytest.mark.parametrize("key", [0, Ellipsis, [0], slice(None)])
def test_setitem_on_leaf_requiring_grad_is_refused(key):
    for lib in (ember, torch):
        x = lib.tensor(BASE, requires_grad=True)
        with pytest.raises(RuntimeError):
            x[key] = 1.0
        with lib.no_grad():
            x[key] = 1.0
    assert True


def test_setitem_through_view_of_nonleaf():
    def run(lib):
        a = lib.tensor(BASE, requires_grad=True)
        x = a * 1
        v = x[1]
        v[[0, 2], 1:3] = lib.tensor(-1.0, dtype=lib.float64)
        (x * x).sum().backward()
        return x, a.grad
    assert_same(run(ember), run(torch))


# -- hypothesis: random keys ----------------------------------------------------------------------

@st.composite
def shapes_and_keys(draw):
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=4)))
    items = []
    dim = 0
    used_ellipsis = False
    while dim < len(shape) and draw(st.booleans()):
        size = shape[dim]
        choice = draw(st.sampled_from(["int", "slice", "none", "list", "mask", "ellipsis"]))
        if choice == "int":
            items.append(draw(st.integers(-size, size - 1)))
        elif choice == "slice":
            start = draw(st.none() | st.integers(-size - 1, size + 1))
            stop = draw(st.none() | st.integers(-size - 1, size + 1))
            step = draw(st.none() | st.integers(1, 3))
            items.append(slice(start, stop, step))
        elif choice == "none":
            items.append(None)
            continue
        elif choice == "list":
            items.append(draw(st.lists(st.integers(-size, size - 1), min_size=1, max_size=3)))
        elif choice == "mask":
            items.append(("mask", draw(st.lists(st.booleans(), min_size=size, max_size=size))))
        elif not used_ellipsis:
            used_ellipsis = True
            items.append(Ellipsis)
            dim = len(shape)  # the ellipsis swallows the rest; later items index nothing
            break
        dim += 1
    return shape, tuple(items)


def _hyp_key(lib, items):
    out = []
    for item in items:
        if isinstance(item, tuple) and item[0] == "mask":
            out.append(lib.tensor(item[1]))
        else:
            out.append(item)
    return tuple(out)


@given(shapes_and_keys())
def test_random_keys_get_and_set(shape_and_key):
    shape, items = shape_and_key
    data = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    got_e, err_e = _outcome(ember, lambda lib: lib.tensor(data)[_hyp_key(lib, items)])
    got_t, err_t = _outcome(torch, lambda lib: lib.tensor(data)[_hyp_key(lib, items)])
    if err_t is not None:
        assert type(err_e) is type(err_t)
        return
    assert err_e is None, err_e
    assert_same(got_e, got_t)

    def write(lib):
        x = lib.tensor(data)
        x[_hyp_key(lib, items)] = -1.0
        return x
    assert_same(write(ember), write(torch))


# -- composite and unusual targets --------------------------------------------------------------------

def _composite_cases():
    def masked_iadd(L):
        x = L.tensor(BASE)
        x[L.tensor(MASK_FULL.tolist())] += 1
        return x

    def duplicate_iadd(L):
        x = L.tensor(BASE)
        x[[0, 0]] += 1
        return x

    def view_inplace(L):
        x = L.tensor(BASE)
        x[0] += 1
        x[:, 1] *= 2
        x[..., ::2] -= 3
        return x

    def complex_values(L):
        x = L.tensor(BASE, dtype=L.complex64)
        x[[1], 1:] = L.tensor(1j, dtype=L.complex64)
        return x

    def bfloat16_values(L):
        x = L.tensor(BASE, dtype=L.bfloat16)
        x[0, [1, 2]] = 3.3
        x[1] = L.tensor(2.7)
        return x

    def int32_index(L):
        x = L.tensor(BASE)
        x[L.tensor([1, 0], dtype=L.int32)] = L.tensor(-1.0, dtype=L.float64)
        return x

    def write_through_view(L):
        x = L.tensor(BASE)
        v = x[0]
        v[[0, 1]] = 7.0
        return x

    def overlapping_source(L):
        x = L.tensor(BASE)
        x[1:, [0, 2]] = x[:1, [1, 1]]
        return x

    def empty_dims(L):
        return L.zeros(3, 0)[[0, 2]], L.zeros(0, 3)[L.tensor([], dtype=L.int64)]

    def expanded_scalar_write(L):
        x = L.tensor(np.arange(4.0)).expand(2, 4)
        x[0, 1] = 9
        x[0] = 5
        return x

    def expanded_index_put(L):
        x = L.tensor(np.arange(4.0)).expand(2, 4)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            x[[0], 1] = 8
        return x

    def expanded_overlap_write(L):
        x = L.tensor(np.arange(4.0)).expand(2, 4)
        x[:, 1] = 8
        return x

    def empty_index_on_empty_dim(L):
        return L.zeros(0, 3)[[0]]

    return [masked_iadd, duplicate_iadd, view_inplace, complex_values, bfloat16_values,
            int32_index, write_through_view, overlapping_source, empty_dims,
            expanded_scalar_write, expanded_index_put, expanded_overlap_write,
            empty_index_on_empty_dim]


@pytest.mark.parametrize("case", _composite_cases(), ids=lambda f: f.__name__)
def test_composite_writes(case):
    out_e, err_e = _outcome(ember, case)
    out_t, err_t = _outcome(torch, case)
    if err_t is not None:
        assert type(err_e) is type(err_t) and str(err_e) == str(err_t), (err_e, err_t)
    else:
        assert err_e is None, err_e
        assert_same(out_e, out_t)


def test_meta_tensors_index_without_data():
    x = ember.empty(3, 4, device="meta")
    assert x[0].shape == (4,) and x[0].device.type == "meta"
    assert x[:, [1, 2]].shape == (3, 2)
    assert x[None, 1:].shape == (1, 2, 4)
    x[0] = 1.0
    with pytest.raises(IndexError):
        x[5]


@pytest.mark.parametrize("make_key", [lambda L: L.Size([1, 2]), lambda L: range(2),
                                      lambda L: ((0, 1),), lambda L: [range(2), 0],
                                      lambda L: (slice(None), range(1, 3))],
                         ids=["Size", "range", "nested_tuple", "list_of_range", "range_item"])
def test_special_key_types(make_key):
    assert_same(ember.tensor(BASE)[make_key(ember)], torch.tensor(BASE)[make_key(torch)])


def test_deleting_items_is_refused():
    for lib in (ember, torch):
        x = lib.tensor(BASE)
        with pytest.raises(TypeError, match="does not support deleting items"):
            del x[0]
