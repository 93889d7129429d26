"""View, split and join ops against PyTorch: values, dtypes, shapes, strides, storage offsets,
grad_fn names, gradients (first and second order) and errors."""
from __future__ import annotations

import warnings

import pytest

torch = pytest.importorskip("torch")

import numpy as np  # noqa: E402
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from parity import assert_same, numerical_grad, to_ember  # noqa: E402

import ember  # noqa: E402

RNG = np.random.default_rng(1234)


def both(array: np.ndarray, requires_grad: bool = False):
    """The same data as an (ember, torch) pair of leaf tensors."""
    e = ember.from_numpy(array.copy())
    t = torch.from_numpy(array.copy())
    if requires_grad:
        e.requires_grad_(True)
        t.requires_grad_(True)
    return e, t


def randn(*shape) -> np.ndarray:
    return RNG.standard_normal(shape)


def arange(*shape, dtype=np.float64) -> np.ndarray:
    return np.arange(int(np.prod(shape)), dtype=dtype).reshape(shape)


def every_other(x, dim: int):
    """Every second element along ``dim`` as a view (stride doubled), built from view ops."""
    if x.shape[dim] == 0:
        return x
    return x.unfold(dim, 1, 2).squeeze(-1)


LAYOUTS = ["contiguous", "column_major", "strided"]


def make_input(values: np.ndarray, layout: str, requires_grad: bool = False):
    """(ember leaf, torch leaf, ember input, torch input): the input holds ``values`` with the
    given memory layout -- row-major, column-major (transposed storage) or strided with an
    offset (every other element of a larger storage) -- and is a view of the leaf."""
    shape = values.shape
    if layout == "contiguous":
        storage = values
    elif layout == "column_major":
        storage = np.ascontiguousarray(values.transpose())
    else:
        storage = np.zeros(tuple(2 * s + 1 for s in shape))
        storage[tuple(slice(1, None, 2) for _ in shape)] = values
    if 0 in storage.shape:
        # NumPy gives empty arrays zero strides; make both sides from their own factories.
        e_leaf = ember.zeros(storage.shape, dtype=ember.float64, requires_grad=requires_grad)
        t_leaf = torch.zeros(storage.shape, dtype=torch.float64, requires_grad=requires_grad)
    else:
        e_leaf, t_leaf = both(storage, requires_grad)
    e_in, t_in = e_leaf, t_leaf
    if layout == "column_major" and values.ndim:
        order = tuple(range(values.ndim - 1, -1, -1))
        e_in, t_in = e_in.permute(order), t_in.permute(order)
    elif layout == "strided":
        for d, size in enumerate(shape):
            e_in, t_in = e_in.narrow(d, 1, 2 * size), t_in.narrow(d, 1, 2 * size)
            e_in, t_in = every_other(e_in, d), every_other(t_in, d)
    if layout != "contiguous":
        assert tuple(t_in.shape) == shape and torch.equal(t_in, torch.from_numpy(values))
    return e_leaf, t_leaf, e_in, t_in


def _name(t) -> str | None:
    return None if t.grad_fn is None else type(t.grad_fn).__name__ if not hasattr(
        t.grad_fn, "name") else t.grad_fn.name()


def assert_same_view(e, t, e_input):
    """Values, dtype, shape, strides, offset, view-ness and shared memory of a view result."""
    assert_same(e, t, check_stride=True)
    assert e.storage_offset() == t.storage_offset(), (e.storage_offset(), t.storage_offset())
    assert e.is_contiguous() == t.is_contiguous()
    assert (e._base is not None) == (t._base is not None)
    if t.untyped_storage().nbytes():
        assert e.untyped_storage().data_ptr() == e_input.untyped_storage().data_ptr()


# (id, input shape, op) -- op(module, tensor) must give a view in PyTorch.
VIEW_OPS = [
    ("view_flat", (2, 3, 4), lambda m, x: x.view(-1) if x.is_contiguous() else x.view(x.shape)),
    ("view_split", (2, 3, 4), lambda m, x: x.view(*x.shape[:-1], 1, x.shape[-1])),
    ("view_as", (2, 3, 4), lambda m, x: x.view_as(x)),
    ("reshape_view", (2, 3, 4), lambda m, x: x.reshape(1, *x.shape, 1)),
    ("reshape_as", (2, 3, 4), lambda m, x: x.reshape_as(x.unsqueeze(0))),
    ("flatten_tail", (2, 3, 4), lambda m, x: x.unsqueeze(-1).flatten(-2)),
    ("flatten_same", (2, 3, 4), lambda m, x: m.flatten(x, 1, 1)),
    ("unflatten", (2, 6, 4), lambda m, x: x.unflatten(0, (1, -1))),
    ("unflatten_mid", (2, 6, 4), lambda m, x: m.unflatten(x, 1, (x.shape[1], 1))),
    ("squeeze_all", (2, 1, 4, 1), lambda m, x: x.squeeze()),
    ("squeeze_int", (2, 1, 4, 1), lambda m, x: x.squeeze(1)),
    ("squeeze_noop", (2, 1, 4, 1), lambda m, x: x.squeeze(0)),
    ("squeeze_tuple", (2, 1, 4, 1), lambda m, x: m.squeeze(x, (1, -1))),
    ("unsqueeze_front", (2, 3, 4), lambda m, x: x.unsqueeze(0)),
    ("unsqueeze_mid", (2, 3, 4), lambda m, x: x.unsqueeze(2)),
    ("unsqueeze_end", (2, 3, 4), lambda m, x: m.unsqueeze(x, -1)),
    ("permute", (2, 3, 4), lambda m, x: x.permute(2, 0, 1)),
    ("permute_tuple", (2, 3, 4), lambda m, x: m.permute(x, (1, -1, 0))),
    ("transpose", (2, 3, 4), lambda m, x: x.transpose(0, 2)),
    ("swapaxes", (2, 3, 4), lambda m, x: m.swapaxes(x, 1, 2)),
    ("swapdims", (2, 3, 4), lambda m, x: x.swapdims(-1, 0)),
    ("t", (3, 4), lambda m, x: x.t()),
    ("t_vector", (5,), lambda m, x: m.t(x)),
    ("T", (3, 4), lambda m, x: x.T),
    ("mT", (2, 3, 4), lambda m, x: x.mT),
    ("adjoint", (2, 3, 4), lambda m, x: x.adjoint()),
    ("movedim", (2, 3, 4), lambda m, x: x.movedim(0, -1)),
    ("movedim_seq", (2, 3, 4, 5), lambda m, x: m.movedim(x, (0, 1), (3, 0))),
    ("moveaxis", (2, 3, 4), lambda m, x: m.moveaxis(x, 2, 0)),
    ("narrow", (4, 5, 6), lambda m, x: x.narrow(1, 1, 2)),
    ("narrow_neg", (4, 5, 6), lambda m, x: m.narrow(x, -1, -2, 1)),
    ("narrow_empty_end", (4, 5, 6), lambda m, x: x.narrow(0, x.shape[0], 0)),
    ("select", (4, 5, 6), lambda m, x: x.select(1, 2)),
    ("select_neg", (4, 5, 6), lambda m, x: m.select(x, -1, -1)),
    ("unfold", (4, 5, 6), lambda m, x: x.unfold(1, 2, 1)),
    ("unfold_step", (4, 5, 6), lambda m, x: x.unfold(-1, 2, 3)),
    ("unfold_zero", (4, 5, 6), lambda m, x: x.unfold(0, 0, 2)),
    ("diagonal", (4, 5, 6), lambda m, x: x.diagonal()),
    ("diagonal_offset", (4, 5, 6), lambda m, x: m.diagonal(x, 1, 1, 2)),
    ("diagonal_negative", (4, 5, 6), lambda m, x: x.diagonal(-2, 2, 0)),
    ("diagonal_empty", (4, 5, 6), lambda m, x: x.diagonal(9, 0, 1)),
    ("expand", (3, 1), lambda m, x: x.expand(2, 3, 4)),
    ("expand_keep", (3, 1), lambda m, x: x.expand(-1, -1)),
    ("expand_as", (1, 4), lambda m, x: x.expand_as(m.zeros(3, 4))),
    ("broadcast_to", (1, 4), lambda m, x: m.broadcast_to(x, (2, 3, 4))),
    ("expand_zero", (1, 4), lambda m, x: x.expand(0, 4)),
    ("as_strided", (4, 5), lambda m, x: x.as_strided((2, 2), (1, 2))),
    ("as_strided_offset", (4, 5), lambda m, x: m.as_strided(x, (3,), (2,), 1)),
    ("alias_view_dtype", (4, 6), lambda m, x: x.view(x.dtype)),
]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("name,shape,op", VIEW_OPS, ids=[c[0] for c in VIEW_OPS])
def test_view_ops_match_torch(name, shape, op, layout):
    _, _, e_in, t_in = make_input(arange(*shape), layout)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_out = op(torch, t_in)
    e_out = op(ember, e_in)
    if name == "alias_view_dtype":
        assert_same(e_out, t_out, check_stride=True)
        return
    assert_same_view(e_out, t_out, e_in)


@pytest.mark.parametrize("name,shape,op", VIEW_OPS, ids=[c[0] for c in VIEW_OPS])
def test_view_ops_grad_fn_names(name, shape, op):
    e, t = both(randn(*shape), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_out = op(torch, t)
    e_out = op(ember, e)
    assert _name(e_out) == _name(t_out)
    assert e_out.requires_grad == t_out.requires_grad


def test_writes_through_views_reach_the_base():
    e_base, t_base = both(arange(3, 4, 5))
    for op in [lambda x: x.transpose(0, 2)[1], lambda x: x.diagonal(0, 1, 2),
               lambda x: x.unfold(2, 2, 2), lambda x: x.narrow(1, 1, 2).select(0, 2),
               lambda x: x.split(2, 1)[1], lambda x: x.unbind(2)[3],
               lambda x: x.as_strided((2, 3), (7, 1), 4), lambda x: x.view(12, 5)]:
        e_view, t_view = op(e_base), op(t_base)
        e_view.mul_(-1)
        t_view.mul_(-1)
        assert_same(e_base, t_base)


# ----------------------------------------------------------------------------------------------
# view(dtype), reshape copies, view failures
# ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("src,dst", [("float32", "int32"), ("float64", "float32"),
                                     ("int16", "int64"), ("uint8", "bool"),
                                     ("float32", "complex64"), ("int32", "int16"),
                                     ("float16", "bfloat16")])
def test_view_dtype_reinterprets_bits(src, dst):
    arr = arange(2, 8, dtype=np.int8).astype(getattr(np, src)) if src != "uint8" else \
        (arange(2, 8) % 2).astype(np.uint8)
    e, t = both(arr)
    for layout in (lambda x: x, lambda x: x[1:], lambda x: x[:, 4:]):
        e_in, t_in = layout(e), layout(t)
        t_out = t_in.view(getattr(torch, dst))
        e_out = e_in.view(getattr(ember, dst))
        assert_same(e_out, t_out, check_stride=True)
        assert e_out.storage_offset() == t_out.storage_offset()
        assert e_out._base is None and e_out.data_ptr() == e_in.data_ptr()


def test_view_dtype_is_not_differentiable_and_detached():
    e = ember.tensor([1.0, 2.0], requires_grad=True)
    t = torch.tensor([1.0, 2.0], requires_grad=True)
    for dt in ("float32", "int32"):
        e_out, t_out = e.view(getattr(ember, dt)), t.view(getattr(torch, dt))
        assert e_out.requires_grad == t_out.requires_grad
        assert e_out is not e


@pytest.mark.parametrize("arr,dst", [
    (arange(3, dtype=np.int32), "float64"),               # size(-1) not divisible
    (arange(2, 3, dtype=np.int32).T, "int16"),             # stride(-1) != 1
    (np.array(1, dtype=np.int32), "int16"),                # 0-dim
    (arange(2, 4, dtype=np.int32)[:, 1:3], "int64"),      # storage offset not divisible
    (arange(2, 3, dtype=np.int32)[:, 1:3], "int64"),      # stride(0) not divisible
])
def test_view_dtype_errors(arr, dst):
    e = ember.from_numpy(arr)
    t = torch.from_numpy(arr.copy()) if arr.flags.c_contiguous else None
    if t is None:
        base = torch.from_numpy(np.ascontiguousarray(arr.base if arr.base is not None else arr))
        t = torch.as_strided(base, arr.shape, tuple(s // arr.itemsize for s in arr.strides),
                             (arr.__array_interface__["data"][0]
                              - base.numpy().__array_interface__["data"][0]) // arr.itemsize)
        e = ember.as_strided(ember.from_numpy(base.numpy()), t.shape, t.stride(),
                             t.storage_offset())
    with pytest.raises(RuntimeError) as t_err:
        t.view(getattr(torch, dst))
    with pytest.raises(RuntimeError) as e_err:
        e.view(getattr(ember, dst))
    assert str(e_err.value) == str(t_err.value)


def test_view_on_incompatible_strides_suggests_reshape():
    e, t = both(arange(2, 3, 4))
    with pytest.raises(RuntimeError, match=r"\.reshape"):
        e.transpose(0, 1).view(-1)
    with pytest.raises(RuntimeError, match=r"\.reshape"):
        t.transpose(0, 1).view(-1)


@pytest.mark.parametrize("layout", ["column_major", "strided"])
def test_reshape_copies_when_it_cannot_view(layout):
    e_base, t_base, e_in, t_in = make_input(arange(3, 4, 5), layout)
    e_out, t_out = e_in.reshape(-1), t_in.reshape(-1)
    assert_same(e_out, t_out, check_stride=True)
    assert (e_out._base is None) == (t_out._base is None)
    e_out.mul_(0)
    t_out.mul_(0)
    assert_same(e_base, t_base)  # the copy is independent of the input


def test_reshape_copy_grad_fn_chain():
    e, t = both(randn(3, 4), requires_grad=True)
    e_out, t_out = e.t().reshape(-1), t.t().reshape(-1)
    assert _name(e_out) == _name(t_out) == "UnsafeViewBackward0"
    e_next = e_out.grad_fn.next_functions[0][0]
    t_next = t_out.grad_fn.next_functions[0][0]
    assert type(e_next).__name__ == type(t_next).__name__


# ----------------------------------------------------------------------------------------------
# splitting ops: every piece is a view
# ----------------------------------------------------------------------------------------------

SPLIT_OPS = [
    ("split_int", (5, 4), lambda m, x: x.split(2)),
    ("split_int_dim", (5, 4), lambda m, x: m.split(x, 3, dim=1)),
    ("split_sizes", (5, 4), lambda m, x: x.split([1, 0, 4])),
    ("split_with_sizes", (5, 4), lambda m, x: m.split_with_sizes(x, [3, 1], 1)),
    ("split_empty_dim", (0, 4), lambda m, x: x.split(0)),
    ("chunk", (5, 4), lambda m, x: x.chunk(3)),
    ("chunk_uneven", (6, 4), lambda m, x: m.chunk(x, 4)),
    ("chunk_dim", (5, 4), lambda m, x: x.chunk(2, -1)),
    ("chunk_empty", (0, 4), lambda m, x: x.chunk(3)),
    ("tensor_split_sections", (7, 3), lambda m, x: x.tensor_split(3)),
    ("tensor_split_indices", (7, 3), lambda m, x: m.tensor_split(x, [1, 5, 3, 10, -2])),
    ("tensor_split_tensor", (7, 3), lambda m, x: x.tensor_split(m.tensor([2, 4]), 0)),
    ("tensor_split_tensor0d", (7, 3), lambda m, x: x.tensor_split(m.tensor(2), 1)),
    ("tensor_split_dim", (3, 7), lambda m, x: m.tensor_split(x, (2, 2), dim=-1)),
    ("hsplit", (4, 6), lambda m, x: x.hsplit(3)),
    ("hsplit_indices", (4, 6), lambda m, x: x.hsplit([1, 4])),
    ("hsplit_1d", (6,), lambda m, x: m.hsplit(x, [2, 3])),
    ("vsplit", (4, 6), lambda m, x: x.vsplit(2)),
    ("dsplit", (2, 3, 4), lambda m, x: m.dsplit(x, [1, 3])),
    ("unbind", (3, 4), lambda m, x: x.unbind()),
    ("unbind_dim", (3, 4), lambda m, x: m.unbind(x, -1)),
    ("unsafe_split", (5, 4), lambda m, x: m.unsafe_split(x, 2)),
    ("unsafe_chunk", (5, 4), lambda m, x: m.unsafe_chunk(x, 2, 1)),
    ("meshgrid_ij", (3,), lambda m, x: m.meshgrid(x, x[:2], indexing="ij")),
    ("meshgrid_xy", (3,), lambda m, x: m.meshgrid([x, x[:2], x[1:]], indexing="xy")),
    ("meshgrid_0d", (3,), lambda m, x: m.meshgrid(x.select(0, 0), x, indexing="ij")),
    ("broadcast_tensors", (3,), lambda m, x: m.broadcast_tensors(x, x.narrow(0, 0, 1)
                                                                 .unsqueeze(1))),
    ("atleast_1d", (3,), lambda m, x: m.atleast_1d(x.select(0, 1), x)),
    ("atleast_2d", (3,), lambda m, x: m.atleast_2d([x.select(0, 1), x, x.unsqueeze(1)])),
    ("atleast_3d", (3,), lambda m, x: m.atleast_3d(x.select(0, 2), x, x.unsqueeze(0),
                                                   x.unsqueeze(0).unsqueeze(0))),
]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("name,shape,op", SPLIT_OPS, ids=[c[0] for c in SPLIT_OPS])
def test_split_ops_match_torch(name, shape, op, layout):
    _, _, e_in, t_in = make_input(arange(*shape), layout)
    t_out, e_out = op(torch, t_in), op(ember, e_in)
    assert isinstance(e_out, tuple) and len(e_out) == len(t_out)
    for e_piece, t_piece in zip(e_out, t_out):
        if e_piece is e_in:
            assert t_piece is t_in
            continue
        assert_same_view(e_piece, t_piece, e_in)


@pytest.mark.parametrize("layout", ["contiguous", "strided"])
@pytest.mark.parametrize("name,shape,op", SPLIT_OPS, ids=[c[0] for c in SPLIT_OPS])
def test_split_ops_gradients(name, shape, op, layout):
    e_leaf, t_leaf, e_in, t_in = make_input(randn(*shape), layout, requires_grad=True)
    e_out, t_out = op(ember, e_in), op(torch, t_in)
    for e_piece, t_piece in zip(e_out, t_out):
        assert _name(e_piece) == _name(t_piece)
        assert e_piece.output_nr == t_piece.output_nr
    # Some pieces take no part in the loss: their gradients are missing, not zero.
    used = [i for i in range(len(t_out)) if i % 3 != 1] or [0]
    weights = {i: randn(*t_out[i].shape) for i in used}
    sum((t_out[i] * torch.from_numpy(weights[i])).sum() for i in used).backward()
    total = None
    for i in used:
        term = (e_out[i] * ember.from_numpy(weights[i])).sum()
        total = term if total is None else total + term
    total.backward()
    assert_same(e_leaf.grad, t_leaf.grad)


def test_iteration_and_len_use_unbind():
    e, t = both(arange(3, 2), requires_grad=True)
    assert len(e) == len(t) == 3
    e_rows, t_rows = list(e), list(t)
    assert [_name(r) for r in e_rows] == [_name(r) for r in t_rows]
    for e_row, t_row in zip(e_rows, t_rows):
        assert_same(e_row, t_row, check_stride=True)


# ----------------------------------------------------------------------------------------------
# joining and copying ops: values, dtypes, layouts
# ----------------------------------------------------------------------------------------------

JOIN_OPS = [
    ("cat", lambda m, a, b: m.cat([a, b])),
    ("cat_dim1", lambda m, a, b: m.cat((a, b, a), 1)),
    ("cat_neg_dim", lambda m, a, b: m.cat([a, b], dim=-1)),
    ("cat_transposed", lambda m, a, b: m.cat([a.t(), b.t()], 1)),
    ("cat_legacy_empty", lambda m, a, b: m.cat([a, m.tensor([], dtype=b.dtype), b])),
    ("concat", lambda m, a, b: m.concat([a, b], dim=1)),
    ("concatenate", lambda m, a, b: m.concatenate([a, b], axis=0)),
    ("stack", lambda m, a, b: m.stack([a, b])),
    ("stack_last", lambda m, a, b: m.stack((a, b), -1)),
    ("stack_mid", lambda m, a, b: m.stack([a.t(), b.t()], 1)),
    ("hstack", lambda m, a, b: m.hstack([a, b])),
    ("hstack_1d", lambda m, a, b: m.hstack([a[0], b[1], a[0, 0]])),
    ("vstack", lambda m, a, b: m.vstack([a, b[0]])),
    ("row_stack", lambda m, a, b: m.row_stack((a[0], b[0]))),
    ("dstack", lambda m, a, b: m.dstack([a, b])),
    ("dstack_1d", lambda m, a, b: m.dstack([a[0], b[0]])),
    ("column_stack", lambda m, a, b: m.column_stack([a[0], b.t()[:, :1], a[0, 0].expand(3)])),
    ("block_diag", lambda m, a, b: m.block_diag(a, b[0], b[0, 0])),
    ("cartesian_prod", lambda m, a, b: m.cartesian_prod(a[0], b[1, :2])),
    ("cartesian_prod3", lambda m, a, b: m.cartesian_prod(a[0], b[1, :2], a[1])),
]

JOIN_DTYPES = [("float32", "float32"), ("float64", "float32"), ("int64", "float16"),
               ("bool", "int8"), ("uint8", "int8"), ("bfloat16", "float32"),
               ("complex64", "float64"), ("int32", "bool")]


def _typed_pair(dtype: str, shape, seed: int):
    values = np.random.default_rng(seed).integers(-3, 4, size=shape)
    e = ember.tensor(values.tolist(), dtype=getattr(ember, dtype))
    t = torch.tensor(values.tolist(), dtype=getattr(torch, dtype))
    return e, t


@pytest.mark.parametrize("dtypes", JOIN_DTYPES, ids=["-".join(d) for d in JOIN_DTYPES])
@pytest.mark.parametrize("name,op", JOIN_OPS, ids=[c[0] for c in JOIN_OPS])
def test_join_ops_match_torch(name, op, dtypes):
    e_a, t_a = _typed_pair(dtypes[0], (2, 3), 0)
    e_b, t_b = _typed_pair(dtypes[1], (2, 3), 1)
    try:
        t_out = op(torch, t_a, t_b)
    except RuntimeError as exc:
        with pytest.raises(RuntimeError):
            op(ember, e_a, e_b)
        assert "same dtype" in str(exc)
        return
    e_out = op(ember, e_a, e_b)
    assert_same(e_out, t_out, check_stride=True)
    assert e_out._base is None or e_out.data_ptr() != e_a.data_ptr()


COPY_OPS = [
    ("flip", lambda m, x: x.flip(0)),
    ("flip_many", lambda m, x: m.flip(x, (0, -1))),
    ("flip_args", lambda m, x: x.flip(1, 2)),
    ("flip_none", lambda m, x: x.flip([])),
    ("fliplr", lambda m, x: m.fliplr(x)),
    ("flipud", lambda m, x: x.flipud()),
    ("roll", lambda m, x: x.roll(2)),
    ("roll_dims", lambda m, x: m.roll(x, (1, -3), (0, 2))),
    ("roll_dim", lambda m, x: x.roll(-1, 1)),
    ("rot90", lambda m, x: x.rot90()),
    ("rot90_k2", lambda m, x: m.rot90(x, 2, (1, 2))),
    ("rot90_k3", lambda m, x: x.rot90(-1, [2, 0])),
    ("rot90_k0", lambda m, x: x.rot90(4)),
    ("repeat", lambda m, x: x.repeat(2, 1, 3)),
    ("repeat_lead", lambda m, x: x.repeat(2, 1, 1, 2)),
    ("repeat_zero", lambda m, x: x.repeat(1, 0, 1)),
    ("tile", lambda m, x: x.tile((2,))),
    ("tile_lead", lambda m, x: m.tile(x, (2, 1, 1, 1))),
    ("repeat_interleave", lambda m, x: x.repeat_interleave(2)),
    ("repeat_interleave_dim", lambda m, x: m.repeat_interleave(x, 3, dim=1)),
    ("repeat_interleave_tensor", lambda m, x: x.repeat_interleave(
        m.tensor([1, 0, 2, 3, 1][:x.shape[0]]), 0)),
    ("repeat_interleave_1el", lambda m, x: x.repeat_interleave(m.tensor([2]), -1,
                                                               output_size=2 * x.shape[-1])),
    ("tril", lambda m, x: x.tril()),
    ("tril_k", lambda m, x: m.tril(x, -1)),
    ("triu", lambda m, x: x.triu(1)),
    ("triu_neg", lambda m, x: m.triu(x, diagonal=-2)),
    ("diag_embed", lambda m, x: x.diag_embed()),
    ("diag_embed_dims", lambda m, x: m.diag_embed(x, 1, 0, 2)),
    ("diag_of_matrix", lambda m, x: x[0].diag(1)),
    ("diag_of_vector", lambda m, x: m.diag(x[0, 0], -1)),
    ("diagflat", lambda m, x: x[0].diagflat(1)),
    ("trace", lambda m, x: x[1].trace()),
    ("narrow_copy", lambda m, x: m.narrow_copy(x, 1, 1, 2)),
    ("ravel", lambda m, x: x.ravel()),
    ("combinations", lambda m, x: m.combinations(x[0, 0])),
    ("combinations_r3", lambda m, x: m.combinations(x[0, 0], 3, with_replacement=True)),
    ("combinations_r1", lambda m, x: m.combinations(x.flatten()[:4], 1)),
    ("select_scatter", lambda m, x: m.select_scatter(x, x[0] * 0 + 7, 0, 1)),
    ("slice_scatter", lambda m, x: m.slice_scatter(x, x[:, ::2] * 2, 1, 0, None, 2)),
    ("diagonal_scatter", lambda m, x: x.diagonal_scatter(x.diagonal(1) + 1, 1)),
    ("as_strided_scatter", lambda m, x: m.as_strided_scatter(x, x.flatten()[:4].view(2, 2)
                                                             .flip(0), (2, 2), (3, 1), 1)),
]

COPY_LAYOUTS = {"contiguous": lambda x: x, "permuted": lambda x: x.permute(2, 0, 1),
                "sliced": lambda x: every_other(x.narrow(1, 1, 3), 2)}


@pytest.mark.parametrize("layout", list(COPY_LAYOUTS))
@pytest.mark.parametrize("name,op", COPY_OPS, ids=[c[0] for c in COPY_OPS])
def test_copy_ops_match_torch(name, op, layout):
    e_base, t_base = both(arange(3, 4, 5))
    e_in, t_in = COPY_LAYOUTS[layout](e_base), COPY_LAYOUTS[layout](t_base)
    t_out, e_out = op(torch, t_in), op(ember, e_in)
    assert_same(e_out, t_out, check_stride=True)
    if e_out.numel() and name != "ravel":  # ravel of a contiguous tensor is a view
        assert not np.shares_memory(e_out._data, e_base._data)


@pytest.mark.parametrize("dtype", ["bool", "uint8", "int32", "float16", "bfloat16",
                                   "complex128"])
@pytest.mark.parametrize("name,op", [c for c in COPY_OPS if c[0] not in ("trace",)],
                         ids=[c[0] for c in COPY_OPS if c[0] not in ("trace",)])
def test_copy_ops_keep_dtype(name, op, dtype):
    e, t = _typed_pair(dtype, (3, 4, 5), 2)
    t_out, e_out = op(torch, t), op(ember, e)
    assert_same(e_out, t_out, check_stride=True)


@pytest.mark.parametrize("dtype", ["uint8", "int32", "float16", "float32", "complex64"])
def test_trace_dtypes(dtype):
    e, t = _typed_pair(dtype, (3, 4), 3)
    assert_same(e.trace(), t.trace())


def test_repeat_interleave_of_counts_only():
    for dtype in ("int64", "int32"):
        e, t = _typed_pair(dtype, (5,), 4)
        e, t = e.abs() if hasattr(e, "abs") else e * e, t * t
        e = to_ember(t)
        assert_same(ember.repeat_interleave(e), torch.repeat_interleave(t))
        assert_same(ember.repeat_interleave(e, output_size=int(t.sum())),
                    torch.repeat_interleave(t, output_size=int(t.sum())))


def test_meshgrid_default_indexing_warns():
    e = ember.arange(3)
    with pytest.warns(UserWarning, match="indexing argument"):
        grids = ember.meshgrid(e, e)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = torch.meshgrid(torch.arange(3), torch.arange(3))
    assert_same(list(grids), list(expected), check_stride=True)


def test_broadcast_shapes_and_single_tensor_identity():
    assert ember.broadcast_shapes((3, 1), (2,), (1, 1, 1)) == torch.broadcast_shapes(
        (3, 1), (2,), (1, 1, 1))
    assert ember.broadcast_shapes(3, (2, 1)) == torch.broadcast_shapes(3, (2, 1))
    assert ember.broadcast_shapes() == torch.broadcast_shapes()
    assert isinstance(ember.broadcast_shapes((2,)), ember.Size)
    e = ember.ones(3)
    assert ember.broadcast_tensors(e)[0] is e
    assert ember.cartesian_prod(e) is e
    assert ember.atleast_1d(e) is e and ember.atleast_1d() == ()
    assert ember.block_diag().shape == torch.block_diag().shape


def test_inplace_triangles_and_out():
    e, t = both(arange(4, 4))
    e.tril_(1)
    t.tril_(1)
    assert_same(e, t)
    e.triu_()
    t.triu_()
    assert_same(e, t)
    e_out, t_out = ember.zeros(0), torch.zeros(0)
    ember.cat([e, e], out=e_out)
    torch.cat([t, t], out=t_out)
    assert_same(e_out, t_out)
    ember.stack([e, e], 1, out=e_out)
    torch.stack([t, t], 1, out=t_out)
    assert_same(e_out, t_out)


# ----------------------------------------------------------------------------------------------
# gradients against torch (float64, non-contiguous inputs included)
# ----------------------------------------------------------------------------------------------

# PyTorch's as_strided_scatter gradient for `input` is wrong (it passes the gradient *inside*
# the scattered region instead of outside it); ember's is checked by finite differences below.
GRAD_OPS = [c for c in VIEW_OPS if c[0] != "alias_view_dtype"] + [
    (name, (3, 4, 5), op) for name, op in COPY_OPS if name not in ("combinations_r1",
                                                                    "as_strided_scatter")
] + [
    ("reshape_copy", (3, 4, 5), lambda m, x: x.transpose(0, 1).reshape(4, -1)),
    ("flatten_copy", (3, 4, 5), lambda m, x: x.transpose(1, 2).flatten()),
    ("contiguous", (3, 4, 5), lambda m, x: x.transpose(1, 2).contiguous()),
    ("unfold_overlap", (3, 7), lambda m, x: x.unfold(1, 3, 1)),
    ("as_strided_overlap", (3, 4), lambda m, x: x.as_strided((3, 3), (1, 1))),
    ("as_strided_of_expanded", (3, 1), lambda m, x: x.expand(3, 4).as_strided((2, 2), (1, 1))),
    ("expand_grad", (3, 1), lambda m, x: x.expand(2, -1, 4)),
    ("cat", (3, 4), lambda m, x: m.cat([x, x * 2, x[:1]])),
    ("cat_legacy_empty", (3, 4), lambda m, x: m.cat([x, m.zeros(0, dtype=x.dtype), x])),
    ("stack", (3, 4), lambda m, x: m.stack([x, x.flip(0)], 1)),
    ("vstack", (3, 4), lambda m, x: m.vstack([x, x[0]])),
    ("dstack", (3, 4), lambda m, x: m.dstack([x, x])),
    ("column_stack", (3, 4), lambda m, x: m.column_stack([x, x[:, 0]])),
    ("block_diag", (3, 4), lambda m, x: m.block_diag(x, x[0], x[1, 1])),
    ("cartesian_prod", (3, 4), lambda m, x: m.cartesian_prod(x[0], x[1, :2])),
    ("select_scatter_src", (3, 4), lambda m, x: m.select_scatter(x, x[0] * 3, 0, 1)),
    ("slice_scatter_src", (3, 4), lambda m, x: m.slice_scatter(x, x[:, :2] * 3, 1, 1, 3)),
]


@pytest.mark.parametrize("layout", ["contiguous", "column_major", "strided"])
@pytest.mark.parametrize("name,shape,op", GRAD_OPS, ids=[c[0] for c in GRAD_OPS])
def test_gradients_match_torch(name, shape, op, layout):
    e_leaf, t_leaf, e_in, t_in = make_input(randn(*shape), layout, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_out = op(torch, t_in)
    e_out = op(ember, e_in)
    assert _name(e_out) == _name(t_out), (_name(e_out), _name(t_out))
    weight = randn(*t_out.shape)
    (t_out * torch.from_numpy(weight)).sum().backward()
    (e_out * ember.from_numpy(weight)).sum().backward()
    assert_same(e_leaf.grad, t_leaf.grad)


DOUBLE_BACKWARD_OPS = ["narrow", "select", "unfold", "unfold_overlap", "diagonal_offset",
                       "as_strided", "as_strided_overlap", "expand_grad", "permute",
                       "squeeze_tuple", "repeat", "roll_dims", "rot90", "flip_many", "trace",
                       "cat", "stack", "block_diag", "diag_embed_dims", "diag_of_matrix",
                       "tril_k", "repeat_interleave_tensor", "reshape_copy",
                       "diagonal_scatter", "select_scatter_src"]


@pytest.mark.parametrize("name", DOUBLE_BACKWARD_OPS)
def test_double_backward_matches_torch(name):
    _, shape, op = next(c for c in GRAD_OPS if c[0] == name)
    x = randn(*shape)
    e, t = both(x, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_out = op(torch, t)
    e_out = op(ember, e)
    upstream = randn(*t_out.shape)
    e_v, t_v = both(upstream, requires_grad=True)
    (t_g,) = torch.autograd.grad(t_out, t, t_v, create_graph=True)
    (e_g,) = ember.autograd.grad(e_out, e, e_v, create_graph=True)
    assert_same(e_g, t_g)
    assert e_g.requires_grad
    probe = randn(*shape)
    (t_g * torch.from_numpy(probe)).sum().backward()
    (e_g * ember.from_numpy(probe)).sum().backward()
    assert_same(e_v.grad, t_v.grad)


FINITE_DIFFERENCE_OPS = GRAD_OPS + [
    ("as_strided_scatter", (3, 4), lambda m, x: m.as_strided_scatter(x, x[0, :2] * 3, (2,),
                                                                     (5,), 1))]


@pytest.mark.parametrize("name", ["unfold_overlap", "as_strided_overlap", "roll_dims",
                                  "repeat_interleave_tensor", "block_diag", "diag_embed_dims",
                                  "as_strided_scatter", "as_strided_of_expanded"])
def test_gradients_match_finite_differences(name):
    _, shape, op = next(c for c in FINITE_DIFFERENCE_OPS if c[0] == name)
    x = ember.from_numpy(randn(*shape)).requires_grad_(True)
    weight = ember.from_numpy(randn(*op(ember, x.detach()).shape))

    def loss(v):
        return (op(ember, v) * weight).sum()

    loss(x).backward()
    expected = numerical_grad(lambda v: loss(v), [x.detach()])[0]
    np.testing.assert_allclose(x.grad._data, expected, rtol=1e-6, atol=1e-6)


# ----------------------------------------------------------------------------------------------
# in-place view ops
# ----------------------------------------------------------------------------------------------

INPLACE_VIEW_OPS = [
    ("t_", lambda x: x[0].t_()),
    ("transpose_", lambda x: x.transpose_(0, 1)),
    ("swapaxes_", lambda x: x.swapaxes_(0, 2)),
    ("swapdims_", lambda x: x.swapdims_(1, 2)),
    ("unsqueeze_", lambda x: x.unsqueeze_(1)),
    ("squeeze_", lambda x: x.squeeze_()),
    ("squeeze_dim", lambda x: x.squeeze_(1)),
    ("squeeze_dims", lambda x: x.squeeze_((1, 0))),
    ("as_strided_", lambda x: x.as_strided_((2, 2), (1, 2), 1)),
]


@pytest.mark.parametrize("name,op", INPLACE_VIEW_OPS, ids=[c[0] for c in INPLACE_VIEW_OPS])
def test_inplace_view_ops(name, op):
    e_leaf, t_leaf = both(randn(2, 1, 3), requires_grad=True)
    e, t = e_leaf * 1, t_leaf * 1
    e_out, t_out = op(e), op(t)
    assert_same(e_out, t_out, check_stride=True)
    assert _name(e_out) == _name(t_out)
    weight = randn(*t_out.shape)
    (t_out * torch.from_numpy(weight)).sum().backward()
    (e_out * ember.from_numpy(weight)).sum().backward()
    assert_same(e_leaf.grad, t_leaf.grad)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        e_leaf.t_() if e_leaf.ndim <= 2 else e_leaf.transpose_(0, 1)


# ----------------------------------------------------------------------------------------------
# errors: same exception type as torch
# ----------------------------------------------------------------------------------------------

ERROR_CASES = [
    ("view_two_inferred", lambda m, x: x.view(-1, -1)),
    ("view_bad_size", lambda m, x: x.view(5, 5)),
    ("view_negative", lambda m, x: x.view(-2, 12)),
    ("view_float", lambda m, x: x.view(2.0, 12)),
    ("reshape_empty_ambiguous", lambda m, x: x[:0].reshape(-1, 0)),
    ("squeeze_out_of_range", lambda m, x: x.squeeze(3)),
    ("squeeze_repeated", lambda m, x: x.squeeze((0, 0))),
    ("unsqueeze_out_of_range", lambda m, x: x.unsqueeze(4)),
    ("unsqueeze_negative_out_of_range", lambda m, x: x.unsqueeze(-5)),
    ("permute_length", lambda m, x: x.permute(0, 1)),
    ("permute_repeated", lambda m, x: x.permute(0, 1, 1)),
    ("permute_out_of_range", lambda m, x: x.permute(0, 1, 3)),
    ("transpose_out_of_range", lambda m, x: x.transpose(0, 3)),
    ("t_of_3d", lambda m, x: x.t()),
    ("movedim_repeated", lambda m, x: x.movedim((0, 0), (1, 2))),
    ("movedim_length", lambda m, x: x.movedim((0, 1), (1,))),
    ("movedim_out_of_range", lambda m, x: x.movedim(3, 0)),
    ("narrow_too_long", lambda m, x: x.narrow(1, 2, 2)),
    ("narrow_negative_length", lambda m, x: x.narrow(1, 0, -1)),
    ("narrow_start_out_of_range", lambda m, x: x.narrow(1, 4, 0)),
    ("narrow_0d", lambda m, x: x[0, 0, 0].narrow(0, 0, 1)),
    ("select_out_of_range", lambda m, x: x.select(1, 3)),
    ("select_negative_out_of_range", lambda m, x: x.select(1, -4)),
    ("select_0d", lambda m, x: x[0, 0, 0].select(0, 0)),
    ("select_dim_out_of_range", lambda m, x: x.select(3, 0)),
    ("unfold_too_big", lambda m, x: x.unfold(2, 5, 1)),
    ("unfold_step_zero", lambda m, x: x.unfold(2, 2, 0)),
    ("unfold_negative_size", lambda m, x: x.unfold(2, -1, 1)),
    ("diagonal_same_dims", lambda m, x: x.diagonal(0, 1, 1)),
    ("diagonal_dim_out_of_range", lambda m, x: x.diagonal(0, 0, 3)),
    ("expand_fewer_sizes", lambda m, x: x.expand(3, 4)),
    ("expand_mismatch", lambda m, x: x.expand(2, 3, 5)),
    ("expand_leading_minus_one", lambda m, x: x.expand(-1, 2, 3, 4)),
    ("as_strided_out_of_bounds", lambda m, x: x.as_strided((10, 10), (10, 1))),
    ("as_strided_negative_stride", lambda m, x: x.as_strided((2, 2), (-1, 1))),
    ("as_strided_length", lambda m, x: x.as_strided((2, 2), (1,))),
    ("split_zero", lambda m, x: x.split(0)),
    ("split_negative", lambda m, x: x.split(-1)),
    ("split_sizes_sum", lambda m, x: x.split([1, 2])),
    ("split_sizes_negative", lambda m, x: x.split([3, -1])),
    ("split_0d", lambda m, x: x[0, 0, 0].split(1)),
    ("chunk_zero", lambda m, x: x.chunk(0)),
    ("chunk_0d", lambda m, x: x[0, 0, 0].chunk(1)),
    ("tensor_split_zero", lambda m, x: x.tensor_split(0)),
    ("tensor_split_float", lambda m, x: x.tensor_split(m.tensor([1.0]))),
    ("tensor_split_2d", lambda m, x: x.tensor_split(m.tensor([[1]]))),
    ("tensor_split_0d", lambda m, x: x[0, 0, 0].tensor_split(1)),
    ("hsplit_indivisible", lambda m, x: x.hsplit(2)),
    ("hsplit_0d", lambda m, x: m.hsplit(x[0, 0, 0], 1)),
    ("vsplit_1d", lambda m, x: m.vsplit(x[0, 0], 2)),
    ("dsplit_2d", lambda m, x: m.dsplit(x[0], 2)),
    ("dsplit_zero", lambda m, x: m.dsplit(x, 0)),
    ("unbind_0d", lambda m, x: x[0, 0, 0].unbind()),
    ("unbind_out_of_range", lambda m, x: x.unbind(3)),
    ("unflatten_bad_sizes", lambda m, x: x.unflatten(-1, (3, -1))),
    ("unflatten_empty", lambda m, x: x.unflatten(-1, ())),
    ("flatten_reversed", lambda m, x: x.flatten(2, 1)),
    ("flatten_out_of_range", lambda m, x: x.flatten(0, 3)),
    ("cat_mismatch", lambda m, x: m.cat([x, x[:, :1, :2]])),
    ("cat_ndim", lambda m, x: m.cat([x, x[0]])),
    ("cat_empty_list", lambda m, x: m.cat([])),
    ("cat_0d", lambda m, x: m.cat([x[0, 0, 0], x[0, 0, 0]])),
    ("cat_out_of_range", lambda m, x: m.cat([x, x], 3)),
    ("cat_not_tensor", lambda m, x: m.cat([x, 1])),
    ("cat_tensor_argument", lambda m, x: m.cat(x)),
    ("stack_mismatch", lambda m, x: m.stack([x, x[:1]])),
    ("stack_empty", lambda m, x: m.stack([])),
    ("stack_out_of_range", lambda m, x: m.stack([x, x], 4)),
    ("hstack_empty", lambda m, x: m.hstack([])),
    ("flip_repeated", lambda m, x: x.flip(0, 0)),
    ("flip_out_of_range", lambda m, x: x.flip(3)),
    ("fliplr_1d", lambda m, x: x[0, 0].fliplr()),
    ("flipud_0d", lambda m, x: x[0, 0, 0].flipud()),
    ("roll_mismatch", lambda m, x: x.roll((1, 2), (0,))),
    ("roll_no_shifts", lambda m, x: x.roll((), ())),
    ("roll_0d_dim", lambda m, x: x[0, 0, 0].roll(1, 0)),
    ("rot90_1d", lambda m, x: x[0, 0].rot90()),
    ("rot90_same_dims", lambda m, x: x.rot90(1, [0, 0])),
    ("rot90_dims_length", lambda m, x: x.rot90(1, [0])),
    ("repeat_fewer", lambda m, x: x.repeat(2, 2)),
    ("repeat_negative", lambda m, x: x.repeat(2, -1, 1)),
    ("repeat_interleave_negative", lambda m, x: x.repeat_interleave(-1)),
    ("repeat_interleave_size", lambda m, x: x.repeat_interleave(m.tensor([1, 2, 3]), 0)),
    ("repeat_interleave_negative_tensor", lambda m, x: x.repeat_interleave(m.tensor([1, -1]), 0)),
    ("repeat_interleave_float", lambda m, x: x.repeat_interleave(m.tensor([1.0, 2.0]), 0)),
    ("repeat_interleave_output_size", lambda m, x: x.repeat_interleave(2, output_size=5)),
    ("repeat_interleave_2d_counts", lambda m, x: m.repeat_interleave(m.tensor([[1, 2]]))),
    ("broadcast_tensors_mismatch", lambda m, x: m.broadcast_tensors(x, x[:, :2])),
    ("broadcast_shapes_mismatch", lambda m, x: m.broadcast_shapes((3,), (2,))),
    ("broadcast_shapes_negative", lambda m, x: m.broadcast_shapes((-1,), (2,))),
    ("tril_1d", lambda m, x: x[0, 0].tril()),
    ("triu_1d", lambda m, x: x[0, 0].triu()),
    ("diag_3d", lambda m, x: x.diag()),
    ("diag_0d", lambda m, x: x[0, 0, 0].diag()),
    ("diag_embed_same_dims", lambda m, x: x.diag_embed(0, 1, 1)),
    ("diag_embed_out_of_range", lambda m, x: x.diag_embed(0, 0, 4)),
    ("trace_1d", lambda m, x: x[0, 0].trace()),
    ("trace_bool", lambda m, x: x[0].to(m.bool).trace()),
    ("cartesian_prod_2d", lambda m, x: m.cartesian_prod(x[0])),
    ("cartesian_prod_dtypes", lambda m, x: m.cartesian_prod(x[0, 0], x[0, 0].long())),
    ("combinations_negative", lambda m, x: m.combinations(x[0, 0], -1)),
    ("combinations_2d", lambda m, x: m.combinations(x[0])),
    ("meshgrid_bad_indexing", lambda m, x: m.meshgrid(x[0, 0], indexing="foo")),
    ("meshgrid_2d", lambda m, x: m.meshgrid(x[0], indexing="ij")),
    ("meshgrid_dtypes", lambda m, x: m.meshgrid(x[0, 0], x[0, 0].long(), indexing="ij")),
    ("meshgrid_empty", lambda m, x: m.meshgrid(indexing="ij")),
    ("block_diag_3d", lambda m, x: m.block_diag(x)),
]


@pytest.mark.parametrize("name,op", ERROR_CASES, ids=[c[0] for c in ERROR_CASES])
def test_errors_match_torch(name, op):
    e, t = both(arange(2, 3, 4))
    with pytest.raises(Exception) as t_err:
        op(torch, t)
    with pytest.raises(type(t_err.value)) as e_err:
        op(ember, e)
    t_message = str(t_err.value).split("\n")[0]
    e_message = str(e_err.value).split("\n")[0]
    if name not in ("view_float", "meshgrid_2d"):
        assert e_message == t_message


# ----------------------------------------------------------------------------------------------
# property-based: shapes, permutations, reshapes and broadcasting
# ----------------------------------------------------------------------------------------------

@st.composite
def strided_inputs(draw):
    """A shape, a permutation of it and a slice, giving arbitrary non-contiguous inputs."""
    ndim = draw(st.integers(0, 4))
    shape = tuple(draw(st.lists(st.integers(0, 4), min_size=ndim, max_size=ndim)))
    perm = tuple(draw(st.permutations(range(ndim))))
    steps = tuple(draw(st.lists(st.integers(1, 2), min_size=ndim, max_size=ndim)))
    return shape, perm, steps


def _make_strided(shape, perm, steps):
    if 0 in shape:
        e, t = ember.zeros(shape, dtype=ember.float64), torch.zeros(shape, dtype=torch.float64)
    else:
        e, t = both(arange(*shape) if shape else np.array(3.0))
    e, t = e.permute(perm), t.permute(perm)
    for dim, step in enumerate(steps):
        if step == 2:
            e, t = every_other(e, dim), every_other(t, dim)
    return e, t


@given(strided_inputs(), st.data())
def test_property_views_of_strided_inputs(spec, data):
    e, t = _make_strided(*spec)
    ndim = t.ndim
    dim = data.draw(st.integers(-max(ndim, 1), max(ndim, 1) - 1))
    ops = [lambda x: x.unsqueeze(0), lambda x: x.unsqueeze(-1),lambda x: x.squeeze(), lambda x: x.flatten(), lambda x: x.reshape(-1),
            lambda x: x.t() if x.ndim <= 2 else x.mT]
    if ndim:
        ops += [lambda x: x.unsqueeze(1).squeeze(1),lambda x: x.transpose(dim, 0), lambda x: x.movedim(dim, -1),
                lambda x: x.narrow(dim, 0, x.shape[dim] // 2),
                lambda x: x.unfold(dim, min(2, x.shape[dim]), 1),
                lambda x: x.flip(dim), lambda x: x.roll(1, dim), lambda x: x.repeat_interleave(2,
                                                                                          dim)]
        if t.shape[dim]:
            ops += [lambda x: x.select(dim, -1), lambda x: x.split(2, dim)[0],
                    lambda x: x.chunk(2, dim)[-1], lambda x: x.unbind(dim)[0]]
    if ndim >= 2:
        ops += [lambda x: x.diagonal(1, 0, -1), lambda x: x.tril(), lambda x: x.triu(-1),
                lambda x: x.rot90(1, (0, 1))]
    for op in ops:
        t_out, e_out = op(t), op(e)
        assert_same(e_out, t_out, check_stride=True)
        assert e_out.storage_offset() == t_out.storage_offset()
        assert e_out.is_contiguous() == t_out.is_contiguous()


@given(strided_inputs(), st.lists(st.integers(1, 4), min_size=0, max_size=3))
def test_property_view_and_reshape(spec, factors):
    e, t = _make_strided(*spec)
    numel = t.numel()
    shape = list(factors)
    product = int(np.prod(shape)) if shape else 1
    if numel and numel % product == 0:
        shape.append(numel // product)
    elif numel == 0:
        shape = [0] + shape
    shape = shape[::-1]
    for target in (shape, t.shape, (1, *t.shape), (*t.shape[:1], -1) if t.ndim else (1,)):
        try:
            t_out = t.view(*target) if target else t.view(())
        except RuntimeError:
            with pytest.raises(RuntimeError):
                e.view(*target) if target else e.view(())
            t_out = None
        if t_out is not None:
            e_out = e.view(*target) if target else e.view(())
            assert_same(e_out, t_out, check_stride=True)
            assert e_out.storage_offset() == t_out.storage_offset()
        try:
            t_out = t.reshape(target)
        except RuntimeError:
            with pytest.raises(RuntimeError):
                e.reshape(target)
            continue
        assert_same(e.reshape(target), t_out, check_stride=True)


@given(st.lists(st.lists(st.integers(0, 3), min_size=0, max_size=3), min_size=1, max_size=3),
       st.booleans())
def test_property_broadcasting(shapes, expand_first):
    t_tensors = [torch.zeros(s) for s in shapes]
    e_tensors = [ember.zeros(*s) for s in shapes]
    try:
        expected = torch.broadcast_shapes(*shapes)
    except RuntimeError:
        with pytest.raises(RuntimeError):
            ember.broadcast_shapes(*shapes)
        with pytest.raises(RuntimeError):
            ember.broadcast_tensors(*e_tensors)
        return
    assert tuple(ember.broadcast_shapes(*shapes)) == tuple(expected)
    t_out = torch.broadcast_tensors(*t_tensors)
    e_out = ember.broadcast_tensors(*e_tensors)
    for e_piece, t_piece in zip(e_out, t_out):
        assert_same(e_piece, t_piece, check_stride=True)
    if expand_first:
        assert_same(e_tensors[0].expand(expected), t_tensors[0].expand(expected),
                    check_stride=True)


DTYPE_NAMES = ["bool", "uint8", "int8", "int32", "int64", "float16", "bfloat16", "float32",
               "float64", "complex64"]


@given(st.lists(st.sampled_from(DTYPE_NAMES), min_size=1, max_size=4),
       st.integers(0, 2), st.booleans())
def test_property_cat_stack_promotion(dtypes, length, use_stack):
    e_parts, t_parts = [], []
    for i, name in enumerate(dtypes):
        e, t = _typed_pair(name, (2, length + i % 2 if not use_stack else length), i)
        e_parts.append(e)
        t_parts.append(t)
    op = (lambda m, p: m.stack(p, 1)) if use_stack else (lambda m, p: m.cat(p, 1))
    assert_same(op(ember, e_parts), op(torch, t_parts), check_stride=True)
