"""Storage semantics against PyTorch: shared storages, strides and offsets, contiguity, memory
shared with NumPy and through DLPack, Python conversions, writes through views and the version
counter that views share."""
from __future__ import annotations

import warnings

import pytest

torch = pytest.importorskip("torch")

import numpy as np  # noqa: E402
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from parity import assert_same  # noqa: E402

import ember  # noqa: E402


def both_arange(*shape, dtype="float64"):
    """The same arange-filled tensor in ember and torch."""
    n = int(np.prod(shape))
    e = ember.arange(n, dtype=getattr(ember, dtype)).reshape(shape).clone()
    t = torch.arange(n, dtype=getattr(torch, dtype)).reshape(shape).clone()
    return e, t


# Each entry makes a view of a (3, 4, 5) tensor; the same op is applied to both libraries.
VIEWS = {
    "transpose": lambda x: x.transpose(0, 2),
    "select": lambda x: x.select(1, 2),
    "narrow": lambda x: x.narrow(2, 1, 3),
    "diagonal": lambda x: x.diagonal(1, 1, 2),
    "unfold": lambda x: x.unfold(2, 2, 2),
    "expand": lambda x: x.select(2, 0).unsqueeze(0).expand(2, 3, 4),
    "chain": lambda x: x.permute(1, 2, 0).narrow(0, 1, 2).select(2, 1).unsqueeze(0),
    "split_piece": lambda x: x.split(2, 1)[1],
    "unbind_piece": lambda x: x.unbind(2)[4],
    "as_strided": lambda x: x.as_strided((4, 2), (5, 7), 3),
    "view": lambda x: x.view(12, 5)[3:].view(-1, 3, 5),
    "getitem": lambda x: x[1, :, ::2],
}


@pytest.mark.parametrize("name", list(VIEWS))
def test_views_share_storage_with_their_base(name):
    e_base, t_base = both_arange(3, 4, 5)
    e_view, t_view = VIEWS[name](e_base), VIEWS[name](t_base)
    assert_same(e_view, t_view, check_stride=True)
    assert e_view.storage_offset() == t_view.storage_offset()
    assert e_view.untyped_storage().data_ptr() == e_base.untyped_storage().data_ptr()
    assert e_view.untyped_storage().nbytes() == t_view.untyped_storage().nbytes()
    assert e_view.data_ptr() - e_base.data_ptr() == t_view.data_ptr() - t_base.data_ptr()
    assert e_view.is_contiguous() == t_view.is_contiguous()
    assert e_view._base is e_base and t_view._base is t_base


@pytest.mark.parametrize("name", list(VIEWS))
def test_writes_through_a_view_reach_the_base_and_back(name):
    e_base, t_base = both_arange(3, 4, 5)
    e_view, t_view = VIEWS[name](e_base), VIEWS[name](t_base)
    if name != "expand":
        e_view.mul_(-1)
        t_view.mul_(-1)
        assert_same(e_base, t_base)
    e_base.add_(100)
    t_base.add_(100)
    assert_same(e_view, t_view)
    assert e_view._version == e_base._version == t_view._version == t_base._version


def test_expanded_views_refuse_in_place_writes():
    e = ember.zeros(3, 1).expand(3, 4)
    t = torch.zeros(3, 1).expand(3, 4)
    with pytest.raises(RuntimeError):
        t.add_(1)
    with pytest.raises(RuntimeError):
        e.add_(1)


def test_version_counter_is_shared_and_bumped_by_in_place_ops():
    e, t = both_arange(2, 3)
    pairs = [(e, t)]
    e_view, t_view = e.t(), t.t()
    e_detached, t_detached = e.detach(), t.detach()
    for op in [lambda x: x.add_(1), lambda x: x.mul_(2), lambda x: x.copy_(x * 0 + 3),
               lambda x: x.__setitem__(0, 1.0), lambda x: x.t_()]:
        for e_x, t_x in ((e_view, t_view), (e, t), (e_detached, t_detached)):
            op(e_x)
            op(t_x)
            pairs.append((e_x, t_x))
            assert e._version == t._version
            assert e_view._version == t_view._version == t._version
            assert e_detached._version == t_detached._version
    assert ember.ones(2)._version == torch.ones(2)._version == 0


def test_out_argument_bumps_the_version():
    e, t = ember.zeros(2, 3, dtype=ember.float64), torch.zeros(2, 3, dtype=torch.float64)
    ember.cat([ember.ones(1, 3, dtype=ember.float64)] * 2, out=e)
    torch.cat([torch.ones(1, 3, dtype=torch.float64)] * 2, out=t)
    assert e._version == t._version
    assert_same(e, t)


def test_view_dtype_shares_memory_but_not_the_version_counter():
    e, t = both_arange(2, 4, dtype="int32")
    e_bits, t_bits = e.view(ember.int16), t.view(torch.int16)
    assert e_bits.untyped_storage().data_ptr() == e.untyped_storage().data_ptr()
    e.add_(1)
    t.add_(1)
    assert_same(e_bits, t_bits)
    assert e_bits._version == t_bits._version


# ----------------------------------------------------------------------------------------------
# strides, offsets and contiguity
# ----------------------------------------------------------------------------------------------

CONTIGUITY_CASES = [
    ("plain", (2, 3), lambda x: x),
    ("size1_transposed", (2, 1, 3), lambda x: x.transpose(0, 1)),
    ("row_of_column", (3, 1), lambda x: x.t()),
    ("transposed", (2, 3), lambda x: x.t()),
    ("empty_transposed", (2, 0), lambda x: x.t()),
    ("narrowed_rows", (4, 3), lambda x: x.narrow(0, 1, 2)),
    ("narrowed_cols", (4, 3), lambda x: x.narrow(1, 1, 2)),
    ("single_element", (4, 3), lambda x: x.narrow(1, 1, 1).narrow(0, 2, 1)),
    ("expanded", (3, 1), lambda x: x.expand(3, 2)),
    ("expanded_size1", (1, 3), lambda x: x.expand(1, 3)),
    ("unsqueezed", (2, 3), lambda x: x.t().unsqueeze(1)),
    ("zero_dim", (), lambda x: x),
    ("select_to_0d", (2, 3), lambda x: x.select(0, 1).select(0, 2)),
]


@pytest.mark.parametrize("name,shape,op", CONTIGUITY_CASES, ids=[c[0] for c in CONTIGUITY_CASES])
def test_stride_offset_and_contiguity(name, shape, op):
    e = ember.zeros(shape, dtype=ember.float32)
    t = torch.zeros(shape, dtype=torch.float32)
    e, t = op(e), op(t)
    assert e.stride() == t.stride()
    assert e.storage_offset() == t.storage_offset()
    assert e.is_contiguous() == t.is_contiguous()
    assert e.is_contiguous(memory_format=ember.contiguous_format) == t.is_contiguous()
    for d in range(-t.ndim, t.ndim):
        assert e.stride(d) == t.stride(d)
    with pytest.raises(IndexError):
        e.stride(t.ndim + 1)


def test_channels_last_contiguity():
    e = ember.zeros(2, 3, 4, 5).permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2)
    t = torch.zeros(2, 3, 4, 5).permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2)
    assert e.stride() == t.stride()
    assert e.is_contiguous(memory_format=ember.channels_last)
    assert t.is_contiguous(memory_format=torch.channels_last)
    assert e.is_contiguous() == t.is_contiguous() is False


MEMORY_FORMAT_CASES = {
    "contiguous_cl": lambda m, x: x.contiguous(memory_format=m.channels_last),
    "clone_cl": lambda m, x: x.clone(memory_format=m.channels_last),
    "to_cl": lambda m, x: x.to(memory_format=m.channels_last),
    "to_dtype_cl": lambda m, x: x.to(m.float64, memory_format=m.channels_last),
    "clone_cl3d": lambda m, x: x.clone(memory_format=m.channels_last_3d),
    "to_contiguous_format": lambda m, x: x.to(memory_format=m.channels_last).to(
        memory_format=m.contiguous_format),
    "clone_preserve": lambda m, x: x.to(memory_format=m.channels_last).clone(),
}


@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (2, 3, 4, 5, 6), (2, 3, 4), (2, 1, 4, 1)])
@pytest.mark.parametrize("case", sorted(MEMORY_FORMAT_CASES))
def test_memory_formats(case, shape):
    """Layouts (strides and contiguity in each format) as PyTorch gives them, and its error
    when the rank does not fit the format."""
    results = []
    for lib in (ember, torch):
        x = lib.arange(float(np.prod(shape))).reshape(shape)
        try:
            y = MEMORY_FORMAT_CASES[case](lib, x)
        except RuntimeError as error:
            results.append(str(error))
            continue
        results.append((y.tolist(), y.stride(), y.is_contiguous(),
                        y.is_contiguous(memory_format=lib.channels_last),
                        y.is_contiguous(memory_format=lib.channels_last_3d)))
    assert results[0] == results[1]


@pytest.mark.parametrize("name", ["transposed", "permuted", "sliced", "size1"])
def test_clone_and_contiguous_layouts(name):
    make = {"transposed": lambda x: x.transpose(0, 2),
            "permuted": lambda x: x.permute(1, 2, 0),
            "sliced": lambda x: x.narrow(2, 1, 3),
            "size1": lambda x: x.narrow(1, 0, 1)}[name]
    e_base, t_base = both_arange(3, 4, 5)
    e, t = make(e_base), make(t_base)
    e_clone, t_clone = e.clone(), t.clone()
    assert_same(e_clone, t_clone, check_stride=True)
    assert e_clone.data_ptr() != e.data_ptr() and e_clone._base is None
    e_dense, t_dense = e.contiguous(), t.contiguous()
    assert_same(e_dense, t_dense, check_stride=True)
    assert (e_dense is e) == (t_dense is t)
    assert e_dense.is_contiguous()
    e_c = e.clone(memory_format=ember.contiguous_format)
    assert_same(e_c, t.clone(memory_format=torch.contiguous_format), check_stride=True)


def test_contiguous_of_contiguous_is_itself_and_records_no_copy():
    e = ember.ones(2, 3, requires_grad=True)
    t = torch.ones(2, 3, requires_grad=True)
    assert e.contiguous() is e and t.contiguous() is t
    e_c, t_c = e.t().contiguous(), t.t().contiguous()
    assert type(e_c.grad_fn).__name__ == type(t_c.grad_fn).__name__ == "CloneBackward0"


@given(st.lists(st.integers(0, 3), min_size=0, max_size=4), st.data())
def test_property_strides_and_offsets_of_view_chains(shape, data):
    e = ember.zeros(shape, dtype=ember.float32)
    t = torch.zeros(shape, dtype=torch.float32)
    for _ in range(3):
        if t.ndim == 0:
            choice = data.draw(st.sampled_from(["unsqueeze", "expand"]))
        else:
            choice = data.draw(st.sampled_from(["transpose", "narrow", "select", "unsqueeze",
                                                "squeeze", "expand", "flatten", "diagonal"]))
        dim = data.draw(st.integers(0, max(t.ndim - 1, 0)))
        if choice == "transpose":
            other = data.draw(st.integers(0, t.ndim - 1))
            op = lambda x, d=dim, o=other: x.transpose(d, o)  # noqa: E731
        elif choice == "narrow":
            start = data.draw(st.integers(0, t.shape[dim]))
            length = data.draw(st.integers(0, t.shape[dim] - start))
            op = lambda x, d=dim, s=start, n=length: x.narrow(d, s, n)  # noqa: E731
        elif choice == "select" and t.shape[dim]:
            index = data.draw(st.integers(-t.shape[dim], t.shape[dim] - 1))
            op = lambda x, d=dim, i=index: x.select(d, i)  # noqa: E731
        elif choice == "unsqueeze":
            op = lambda x, d=dim: x.unsqueeze(d)  # noqa: E731
        elif choice == "expand":
            op = lambda x: x.expand(2, *x.shape)  # noqa: E731
        elif choice == "flatten":
            op = lambda x: x.reshape(-1)  # noqa: E731
        elif choice == "diagonal" and t.ndim >= 2:
            offset = data.draw(st.integers(-2, 2))
            op = lambda x, k=offset: x.diagonal(k, 0, -1)  # noqa: E731
        else:
            op = lambda x: x.squeeze()  # noqa: E731
        e, t = op(e), op(t)
        assert tuple(e.shape) == tuple(t.shape)
        assert e.stride() == t.stride()
        assert e.storage_offset() == t.storage_offset()
        assert e.is_contiguous() == t.is_contiguous()
        assert (e.data_ptr() == 0) == (t.data_ptr() == 0)


# ----------------------------------------------------------------------------------------------
# memory shared with NumPy and through DLPack
# ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["bool", "uint8", "int16", "int32", "int64", "float16",
                                   "float32", "float64", "complex64", "complex128"])
def test_numpy_and_from_numpy_share_memory(dtype):
    array = np.arange(6).reshape(2, 3).astype(dtype)
    e = ember.from_numpy(array)
    t = torch.from_numpy(array.copy())
    assert str(e.dtype) == str(t.dtype)
    assert e.stride() == t.stride() and e.storage_offset() == 0
    assert e.numpy() is array or np.shares_memory(e.numpy(), array)
    array[1, 2] = 1
    assert e.numpy()[1, 2] == 1
    e[0, 0] = 0
    assert array[0, 0] == 0
    assert np.asarray(e).dtype == array.dtype and np.shares_memory(np.asarray(e), array)


def test_from_numpy_keeps_numpy_strides():
    array = np.arange(24.0).reshape(2, 3, 4).transpose(2, 0, 1)[:, 1:]
    e, t = ember.from_numpy(array), torch.from_numpy(array)
    assert e.stride() == t.stride()
    assert_same(e, t)
    e.mul_(2)
    assert_same(e, t)  # the three share one buffer
    assert_same(e, torch.from_numpy(array.copy()))


def test_numpy_refusals_match_torch():
    e = ember.ones(2, requires_grad=True)
    t = torch.ones(2, requires_grad=True)
    for fn in (lambda x: x.numpy(), lambda x: np.asarray(x), lambda x: x.__array__()):
        with pytest.raises(RuntimeError):
            fn(t)
        with pytest.raises(RuntimeError):
            fn(e)
    assert_same(ember.from_numpy(e.numpy(force=True)), torch.from_numpy(t.numpy(force=True)))
    assert np.shares_memory(e.detach().numpy(), e.numpy(force=True))
    with pytest.raises(TypeError):
        torch.ones(2, dtype=torch.bfloat16).numpy()
    with pytest.raises(TypeError):
        ember.ones(2, dtype=ember.bfloat16).numpy()
    negative = np.arange(3.0)[::-1]
    with pytest.raises(ValueError):
        torch.from_numpy(negative)
    with pytest.raises(ValueError):
        ember.from_numpy(negative)
    for bad in ([1, 2], np.array(["a"], dtype=object)):
        with pytest.raises(TypeError):
            torch.from_numpy(bad)
        with pytest.raises(TypeError):
            ember.from_numpy(bad)


def test_array_protocol_conversions():
    e, t = both_arange(2, 3)
    for dtype in (None, np.float32, np.int64):
        assert np.array_equal(np.asarray(e, dtype=dtype), np.asarray(t, dtype=dtype))
        assert np.asarray(e, dtype=dtype).dtype == np.asarray(t, dtype=dtype).dtype
    transposed = np.asarray(e.t())
    assert transposed.strides == np.asarray(t.t()).strides
    assert np.shares_memory(transposed, np.asarray(e))


def test_as_tensor_shares_memory_when_it_can():
    array = np.arange(4.0)
    same = ember.as_tensor(array)
    array[0] = 7
    assert same[0].item() == 7 == torch.as_tensor(array)[0].item()
    converted = ember.as_tensor(array, dtype=ember.float32)
    assert not np.shares_memory(converted.numpy(), array)
    e = ember.ones(3)
    assert ember.as_tensor(e) is e


@pytest.mark.parametrize("layout", ["contiguous", "transposed", "sliced"])
def test_dlpack_round_trips_share_memory(layout):
    make = {"contiguous": lambda x: x, "transposed": lambda x: x.t(),
            "sliced": lambda x: x.narrow(1, 1, 2)}[layout]
    e_base, t_base = both_arange(3, 4)
    e, t = make(e_base), make(t_base)
    exported = np.from_dlpack(e)
    assert exported.shape == tuple(e.shape)
    assert exported.strides == np.from_dlpack(t).strides
    exported[0, 0] = -1
    assert e[0, 0].item() == -1
    back = ember.from_dlpack(exported)
    back.add_(1)
    assert e[0, 0].item() == 0 and back.stride() == e.stride()
    # ember and torch can share one buffer through DLPack, in both directions.
    into_torch = torch.from_dlpack(e)
    into_torch.mul_(3)
    assert_same(e, into_torch)
    into_ember = ember.from_dlpack(t)
    into_ember.sub_(2)
    assert_same(into_ember, t)
    assert e.__dlpack_device__() == t.__dlpack_device__()


def test_dlpack_refuses_tensors_that_require_grad():
    with pytest.raises(BufferError):
        np.from_dlpack(torch.ones(2, requires_grad=True))
    with pytest.raises(BufferError):
        np.from_dlpack(ember.ones(2, requires_grad=True))


def test_from_dlpack_of_a_tensor_is_itself():
    e = ember.ones(2)
    assert ember.from_dlpack(e) is e


# ----------------------------------------------------------------------------------------------
# Python conversions
# ----------------------------------------------------------------------------------------------

TOLIST_CASES = [("float64", (2, 3)), ("float32", ()), ("float16", (3,)), ("bfloat16", (2,)),
                ("int64", (2, 2)), ("uint8", (1, 2)), ("bool", (3,)), ("complex64", (2,)),
                ("float32", (2, 0))]


@pytest.mark.parametrize("dtype,shape", TOLIST_CASES)
def test_tolist_and_item(dtype, shape):
    values = np.arange(int(np.prod(shape))).reshape(shape) * 0.7
    values = (values if dtype == "uint8" else values - 1).tolist()
    e = ember.tensor(values, dtype=getattr(ember, dtype))
    t = torch.tensor(values, dtype=getattr(torch, dtype))
    assert e.tolist() == t.tolist()
    assert e.t().tolist() == t.t().tolist() if len(shape) == 2 else True
    if t.numel() == 1:
        assert e.item() == t.item() and type(e.item()) is type(t.item())
    elif t.numel():
        flat_e, flat_t = e.reshape(-1), t.reshape(-1)
        assert flat_e[1].item() == flat_t[1].item()
        assert type(flat_e[1].item()) is type(flat_t[1].item())


def _conversions(m):
    """(name, function) pairs of Python conversions to compare."""
    return [
        ("int_float", lambda: int(m.tensor(-3.7))),
        ("int_1d", lambda: int(m.tensor([3.7]))),
        ("float_int", lambda: float(m.tensor(3))),
        ("float_2d", lambda: float(m.tensor([[2.5]]))),
        ("float_complex_real", lambda: float(m.tensor(1 + 0j))),
        ("complex", lambda: complex(m.tensor(1 + 2j))),
        ("bool_true", lambda: bool(m.tensor([[0.5]]))),
        ("bool_false", lambda: bool(m.tensor(0))),
        ("len", lambda: len(m.zeros(4, 2))),
        ("iter", lambda: [r.tolist() for r in m.arange(6).reshape(3, 2)]),
        ("index", lambda: [10, 20, 30][m.tensor(2)]),
        ("index_1d", lambda: [10, 20, 30][m.tensor([1])]),
        ("index_bool", lambda: [10, 20][m.tensor(True)]),
        ("range", lambda: list(range(m.tensor(3)))),
        ("format", lambda: f"{m.tensor(2.5):.2f}"),
        ("hash_identity", lambda: len({m.ones(1), m.ones(1)})),
        ("int_two", lambda: int(m.ones(2))),
        ("float_empty", lambda: float(m.ones(0))),
        ("float_complex", lambda: float(m.tensor(1 + 2j))),
        ("int_complex", lambda: int(m.tensor(1 + 2j))),
        ("bool_empty", lambda: bool(m.zeros(0))),
        ("bool_two", lambda: bool(m.ones(2))),
        ("len_0d", lambda: len(m.tensor(1.0))),
        ("iter_0d", lambda: iter(m.tensor(1.0))),
        ("index_float", lambda: [1, 2][m.tensor(1.0)]),
        ("index_two", lambda: [1, 2][m.tensor([1, 0])]),
        ("item_two", lambda: m.ones(2).item()),
    ]


@pytest.mark.parametrize("case", range(len(_conversions(torch))),
                         ids=[c[0] for c in _conversions(torch)])
def test_python_conversions_match_torch(case):
    _, t_fn = _conversions(torch)[case]
    _, e_fn = _conversions(ember)[case]
    try:
        expected = t_fn()
    except Exception as exc:  # noqa: BLE001 - compare the exception type
        with pytest.raises(type(exc)):
            e_fn()
        return
    got = e_fn()
    assert got == expected and type(got) is type(expected)


def test_hash_is_identity_and_tensors_work_as_dict_keys():
    e = ember.ones(2)
    assert hash(e) == id(e) and hash(e) != hash(e.view(2))
    table = {e: "a", e.view(2): "b"}
    assert table[e] == "a" and len(table) == 2


def test_iteration_yields_views_and_len_matches():
    e, t = both_arange(3, 2)
    rows = list(e)
    assert len(rows) == len(e) == len(list(t))
    rows[1].fill_(-1) if hasattr(rows[1], "fill_") else rows[1].mul_(0)
    list(t)[1].fill_(-1) if hasattr(rows[1], "fill_") else list(t)[1].mul_(0)
    assert_same(e, t)
    assert all(r._base is e for r in rows)


# ----------------------------------------------------------------------------------------------
# storages
# ----------------------------------------------------------------------------------------------

def test_untyped_storage_views_the_same_bytes():
    e, t = both_arange(2, 3, dtype="int16")
    e_storage, t_storage = e.untyped_storage(), t.untyped_storage()
    assert e_storage.nbytes() == t_storage.nbytes() == len(e_storage) == 12
    assert e_storage.tolist() == t_storage.tolist()
    assert e_storage.data_ptr() == e.t().untyped_storage().data_ptr() == e.data_ptr()
    e_storage[0] = 9
    t_storage[0] = 9
    assert_same(e, t)
    assert e.untyped_storage() == e.select(0, 1).untyped_storage()


def test_typed_storage_warns_and_reads_elements():
    e, t = both_arange(4)
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        e_typed = e.narrow(0, 1, 2).storage()
        t_typed = t.narrow(0, 1, 2).storage()
    assert e_typed.tolist() == t_typed.tolist()
    assert len(e_typed) == len(t_typed) == 4
    assert e_typed.dtype == ember.float64


def test_empty_tensors_report_null_data_pointers():
    for shape in [(0,), (2, 0), (0, 3)]:
        e, t = ember.zeros(shape), torch.zeros(shape)
        assert e.data_ptr() == t.data_ptr() == 0
        assert e.untyped_storage().nbytes() == t.untyped_storage().nbytes() == 0
        assert e.stride() == t.stride()
    e, t = both_arange(3, 4)
    e_empty, t_empty = e.narrow(0, 3, 0), t.narrow(0, 3, 0)
    assert e_empty.storage_offset() == t_empty.storage_offset() == 12
    assert e_empty.data_ptr() == t_empty.data_ptr() == 0
    assert e_empty.untyped_storage().data_ptr() == e.data_ptr()


# ----------------------------------------------------------------------------------------------
# autograd through in-place writes to views
# ----------------------------------------------------------------------------------------------

INPLACE_THROUGH_VIEWS = {
    "select": lambda x: x.select(1, 2).mul_(3),
    "narrow": lambda x: x.narrow(0, 1, 2).add_(1).mul_(x.narrow(0, 0, 2).clone()),
    "diagonal": lambda x: x.diagonal().mul_(-1),
    "transpose": lambda x: x.t().narrow(0, 1, 2).mul_(2),
    "tensor_split_piece": lambda x: x.tensor_split(2, 1)[1].mul_(5),
    "unfold_window": lambda x: x.unfold(1, 2, 2).select(2, 0).mul_(4),
}


@pytest.mark.parametrize("name", list(INPLACE_THROUGH_VIEWS))
def test_gradients_through_in_place_writes_to_views(name):
    values = np.random.default_rng(7).standard_normal((3, 4))
    e_leaf = ember.from_numpy(values.copy()).requires_grad_(True)
    t_leaf = torch.from_numpy(values.copy()).requires_grad_(True)
    e, t = e_leaf * 1, t_leaf * 1
    INPLACE_THROUGH_VIEWS[name](e)
    INPLACE_THROUGH_VIEWS[name](t)
    assert_same(e, t)
    weight = np.random.default_rng(8).standard_normal((3, 4))
    (e * ember.from_numpy(weight)).sum().backward()
    (t * torch.from_numpy(weight)).sum().backward()
    assert_same(e_leaf.grad, t_leaf.grad)


@pytest.mark.parametrize("op", [lambda x: x.unbind()[1], lambda x: x.split(2)[0],
                                lambda x: x.chunk(2, 1)[1], lambda x: x.split([1, 2])[1]])
def test_in_place_writes_to_multi_output_views_are_refused(op):
    e = ember.ones(3, 4, requires_grad=True) * 1
    t = torch.ones(3, 4, requires_grad=True) * 1
    with pytest.raises(RuntimeError) as t_err:
        op(t).mul_(2)
    with pytest.raises(RuntimeError) as e_err:
        op(e).mul_(2)
    assert str(e_err.value) == str(t_err.value)
    with ember.no_grad():
        op(e).mul_(2)  # allowed outside autograd, as in PyTorch


def test_views_of_meta_tensors_carry_geometry():
    e = ember.empty(2, 3, 4, device="meta")
    t = torch.empty(2, 3, 4, device="meta")
    for op in (lambda x: x.transpose(0, 2), lambda x: x.view(6, 4), lambda x: x.unsqueeze(1),
               lambda x: x.select(1, 1).expand(5, 2, 4), lambda x: x.narrow(2, 1, 2),
               lambda x: x.permute(2, 0, 1).reshape(4, 6), lambda x: x.diagonal(0, 1, 2)):
        e_out, t_out = op(e), op(t)
        assert e_out.device.type == "meta"
        assert tuple(e_out.shape) == tuple(t_out.shape) and e_out.stride() == t_out.stride()
    assert tuple(ember.cat([e, e], 1).shape) == tuple(torch.cat([t, t], 1).shape)
