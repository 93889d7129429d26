"""Tensor housekeeping (apply_, map_, fill_diagonal_, sum_to_size, resize_, set_, queries,
legacy storages, top-level in-place forms) and the *_copy view variants, against torch."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

torch = pytest.importorskip("torch")

import ember  # noqa: E402
from tests.parity import assert_same  # noqa: E402


def outcome(fn, lib):
    """What ``fn(lib)`` gives as plain Python data (tensors as values, shape, stride, dtype),
    or the exception type and message."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return _plain(fn(lib), lib)
        except Exception as exc:  # noqa: BLE001 - the outcome is compared
            return type(exc).__name__, str(exc)


def _plain(value, lib):
    if isinstance(value, lib.Tensor):
        return (value.tolist(), tuple(value.shape), value.stride(), str(value.dtype))
    if isinstance(value, (tuple, list)):
        return [_plain(v, lib) for v in value]
    return value


def same(fn):
    assert outcome(fn, ember) == outcome(fn, torch)


# -- apply_ / map_ -----------------------------------------------------------------------------------

@pytest.mark.parametrize("call", [
    lambda t: t.arange(6.).reshape(2, 3).apply_(lambda v: v * 2),
    lambda t: t.tensor([1, 2]).apply_(lambda v: v * 1.7),
    lambda t: t.tensor([-3, 2], dtype=t.int8).apply_(lambda v: v * 1.9),
    lambda t: t.tensor([True, False]).apply_(lambda v: 0),
    lambda t: t.tensor([1.5]).apply_(lambda v: True),
    lambda t: t.tensor([1.5], dtype=t.bfloat16).apply_(lambda v: v * 2),
    lambda t: t.tensor([1j]).apply_(lambda v: v * 2),
    lambda t: t.tensor([1.]).apply_(lambda v: 1j),
    lambda t: t.tensor([1.]).apply_(lambda v: "a"),
    lambda t: t.ones(2, requires_grad=True).apply_(lambda v: v),
    lambda t: (lambda x: (x.t().apply_(lambda v: v + 100), x)[1])(t.arange(6.).reshape(2, 3)),
    lambda t: t.arange(6.).reshape(2, 3).map_(t.ones(3), lambda a, b: a + b),
    lambda t: t.arange(6.).reshape(2, 3).map_(t.ones(4), lambda a, b: a + b),
    lambda t: t.arange(6.).reshape(2, 3).map_(t.ones(3, dtype=t.int64), lambda a, b: a + b),
    lambda t: t.arange(6.).reshape(2, 3).map_(3, lambda a, b: a + b),
    lambda t: t.ones(2).map_(t.ones(2, requires_grad=True), lambda a, b: a),
])
def test_apply_and_map(call):
    same(call)


def test_apply_returns_self_and_bumps_version():
    x = ember.tensor([1.0, 2.0])
    version = x._version
    assert x.apply_(lambda v: v + 1) is x and x._version > version
    meta = ember.empty(2, device="meta")
    assert meta.apply_(lambda v: v) is meta


# -- fill_diagonal_ --------------------------------------------------------------------------------

@pytest.mark.parametrize("shape, wrap", [((3, 3), False), ((7, 3), True), ((7, 3), False),
                                         ((3, 5), True), ((2, 2, 2), False), ((4, 3), True),
                                         ((5, 4), True), ((0, 3), False)])
def test_fill_diagonal(shape, wrap):
    same(lambda t: t.zeros(*shape).fill_diagonal_(5, wrap=wrap))


@pytest.mark.parametrize("call", [
    lambda t: t.zeros(4, 3).t().fill_diagonal_(1, wrap=True),
    lambda t: t.zeros(2, 3, 2).fill_diagonal_(1),
    lambda t: t.zeros(3).fill_diagonal_(1),
    lambda t: t.zeros(2, 2, dtype=t.int64).fill_diagonal_(2.7),
    lambda t: t.zeros(2, 2, dtype=t.int64).fill_diagonal_(1e30),
    lambda t: t.zeros(3, 3, requires_grad=True).fill_diagonal_(1),
])
def test_fill_diagonal_cases(call):
    same(call)


def test_fill_diagonal_autograd():
    def run(lib):
        z = lib.arange(9.0).reshape(3, 3).requires_grad_()
        w = z * 2
        w.fill_diagonal_(2.0)
        (w * lib.arange(9.0).reshape(3, 3)).sum().backward()
        return type(w.grad_fn).__name__, z.grad.tolist()
    same(run)


# -- sum_to_size -----------------------------------------------------------------------------------

@given(st.lists(st.integers(1, 3), min_size=0, max_size=3), st.data())
def test_sum_to_size_random_shapes(shape, data):
    target = [data.draw(st.sampled_from([1, s])) for s in shape]
    keep = data.draw(st.integers(0, len(target)))
    target = target[len(target) - keep:]
    values = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)

    def run(lib):
        x = lib.tensor(values, requires_grad=True)
        y = x.sum_to_size(*target)
        names = type(y.grad_fn).__name__ if y.grad_fn is not None else None
        grad = lib.autograd.grad((y * (lib.arange(y.numel()) + 1.0).reshape(y.shape)).sum(), x)
        return y.detach(), names, grad[0]
    e, t = outcome(run, ember), outcome(run, torch)
    assert e == t


@pytest.mark.parametrize("call", [
    lambda t: t.ones(2).sum_to_size(1), lambda t: t.ones(2, 3).sum_to_size((2, 1)),
    lambda t: t.ones(2, 3).sum_to_size(t.Size([3])), lambda t: t.ones(2, 3).sum_to_size(2),
    lambda t: t.ones(2, 3).sum_to_size(4, 2, 3),
    lambda t: (lambda x: x.sum_to_size(2, 3) is x)(t.ones(2, 3)),
])
def test_sum_to_size_cases(call):
    same(call)


# -- resize_ / resize_as_ / set_ ----------------------------------------------------------------------

@pytest.mark.parametrize("call", [
    lambda t: t.arange(6.).resize_(2, 2),
    lambda t: t.arange(6.).resize_(3, 3)[:2],
    lambda t: t.arange(6.).resize_([2, 3]),
    lambda t: t.arange(6.).view(2, 3).t().resize_(2, 3),
    lambda t: (lambda u: (u.resize_(6), u.storage_offset(), u[:4])[1:])(t.arange(6.)[2:]),
    lambda t: t.ones(2, requires_grad=True).resize_(3),
    lambda t: (t.ones(2, requires_grad=True) * 2).resize_(3),
    lambda t: t.ones(2).resize_(-1),
    lambda t: t.arange(6.).resize_as_(t.zeros(2, 3)),
    lambda t: t.arange(24.).resize_(1, 2, 3, 4, memory_format=t.channels_last).stride(),
    lambda t: t.empty(0).resize_(2, 0),
    lambda t: (lambda x: (x.resize_(2), x)[1])(t.arange(4.)),
])
def test_resize(call):
    same(call)


def test_resize_shrink_shares_memory():
    x = ember.arange(6.0)
    before = x.data_ptr()
    x.resize_(2)
    assert x.data_ptr() == before
    assert ember.empty(3, device="meta").resize_(2, 2).shape == (2, 2)


def test_set():
    def run(lib):
        a = lib.arange(6.0)
        b = lib.empty(0)
        b.set_(a)
        out = [b, b.data_ptr() == a.data_ptr()]
        b.set_(a.untyped_storage(), 2, (2, 2), (1, 2))
        out.append(b.clone())
        a[2] = 100
        out.append(b.clone())
        b.set_()
        out.append(tuple(b.shape))
        b.set_(a.storage())
        out.append(tuple(b.shape))
        c = lib.empty(0)
        c.set_(a, 1, (2,), (2,))
        out.append(c)
        return out
    same(run)


@pytest.mark.parametrize("call", [
    lambda t: t.ones(2, dtype=t.int64).set_(t.arange(6.)),
    lambda t: t.ones(2, requires_grad=True).set_(t.arange(6.)),
    lambda t: t.empty(0).set_(t.arange(6.).untyped_storage(), 1),
])
def test_set_errors(call):
    same(call)


def test_set_out_of_bounds_raises():
    with pytest.raises(RuntimeError, match="out of bounds"):
        ember.empty(0).set_(ember.arange(6.0).untyped_storage(), 4, (2, 2))


# -- queries, storages, in-place forms ----------------------------------------------------------------

@pytest.mark.parametrize("call", [
    lambda t: [t.typename(t.zeros(2)), t.typename(t.zeros(2, dtype=t.int64)), t.typename(3),
               t.typename("x"), t.typename(None), t.typename(int),
               t.typename(t.zeros(1, dtype=t.complex64))],
    lambda t: t.typename(t.nn.Linear(2, 2)).split(".")[-1],
    lambda t: [t.is_same_size(t.zeros(2), t.zeros(2)), t.is_same_size(t.zeros(2), t.zeros(3)),
               t.zeros(2).is_same_size(t.zeros(2)), t.is_signed(t.zeros(2, dtype=t.uint8)),
               t.is_signed(t.zeros(1)), t.is_inference(t.zeros(1)), t.zeros(1).is_inference(),
               t.get_device(t.zeros(1)), t.ones(1).is_nonzero(), t.zeros(1).is_nonzero()],
    lambda t: t.is_same_size(t.zeros(2), 3),
    lambda t: t.is_signed(3),
    lambda t: t.is_inference(3),
    lambda t: t.ones(2).is_nonzero(),
    lambda t: t.ones(0).is_nonzero(),
    lambda t: [repr(t.ones(2).storage_type()), repr(t.ones(2, dtype=t.int64).storage_type()),
               repr(t.ones(2, dtype=t.bfloat16).storage_type()),
               repr(t.ones(2, dtype=t.bool).storage_type()),
               repr(t.ones(2, dtype=t.complex128).storage_type()),
               t.zeros(2, device="meta").storage_type()],
    lambda t: (lambda s: (len(s), str(s.dtype), isinstance(s, t.FloatStorage),
                          isinstance(s, t.LongStorage)))(t.FloatStorage(3)),
    lambda t: t.LongStorage([1, 2, 3]).tolist(),
    lambda t: t.ones(2).is_pinned(),
    lambda t: t.ones(2).pin_memory(),
    lambda t: [t.neg_(t.ones(2)), t.negative_(t.ones(2)), t.reciprocal_(t.full((2,), 4.)),
               t.detach_(t.ones(2)), t.addmv_(t.ones(2), t.ones(2, 3), t.ones(3), beta=2, alpha=3),
               t.as_strided_(t.arange(6.), (2, 2), (1, 2), 1)],
    lambda t: t.neg_(t.ones(2, requires_grad=True)),
])
def test_queries_storages_and_inplace_forms(call):
    same(call)


def test_inplace_forms_record_autograd():
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 1
        lib.neg_(y)
        lib.reciprocal_(y)
        return type(y.grad_fn).__name__, lib.autograd.grad(y.sum(), x)[0]
    same(run)


# -- *_copy -------------------------------------------------------------------------------------------

COPIES = {
    "view_copy": lambda t, x: t.view_copy(x, [3, 2]),
    "view_copy_dtype": lambda t, x: t.view_copy(x.detach(), t.int32),
    "permute_copy": lambda t, x: t.permute_copy(x, (1, 0)),
    "transpose_copy": lambda t, x: t.transpose_copy(x, 0, 1),
    "t_copy": lambda t, x: t.t_copy(x),
    "expand_copy": lambda t, x: t.expand_copy(x[:1], (4, 3)),
    "diagonal_copy": lambda t, x: t.diagonal_copy(x, 1),
    "select_copy": lambda t, x: t.select_copy(x, 1, 2),
    "slice_copy": lambda t, x: t.slice_copy(x, 1, 0, 3, 2),
    "slice_copy_tail": lambda t, x: t.slice_copy(x, -1, 1),
    "split_copy": lambda t, x: t.split_copy(x, 2, 1),
    "split_with_sizes_copy": lambda t, x: t.split_with_sizes_copy(x, [1, 2], 1),
    "squeeze_copy": lambda t, x: t.squeeze_copy(x[:1]),
    "squeeze_copy_dim": lambda t, x: t.squeeze_copy(x[:1], 0),
    "squeeze_copy_dims": lambda t, x: t.squeeze_copy(x[:1], (0,)),
    "unsqueeze_copy": lambda t, x: t.unsqueeze_copy(x, 1),
    "unbind_copy": lambda t, x: t.unbind_copy(x, 1),
    "unfold_copy": lambda t, x: t.unfold_copy(x, 1, 2, 1),
    "alias_copy": lambda t, x: t.alias_copy(x),
    "as_strided_copy": lambda t, x: t.as_strided_copy(x, (2, 2), (1, 2), 1),
    "bad_view": lambda t, x: t.view_copy(x, [4, 2]),
    "values_copy": lambda t, x: t.values_copy(x),
}


@pytest.mark.parametrize("name", sorted(COPIES))
def test_view_copies(name):
    def run(lib):
        x = lib.arange(6.0, dtype=lib.float64, requires_grad=True).reshape(2, 3)
        result = COPIES[name](lib, x)
        pieces = result if isinstance(result, tuple) else (result,)
        out = []
        for piece in pieces:
            grad = None
            if piece.requires_grad:
                weights = lib.arange(piece.numel(), dtype=piece.dtype).reshape(piece.shape)
                grad = lib.autograd.grad((piece * weights).sum(), x, retain_graph=True)[0]
            out.append((piece, piece.grad_fn.name() if piece.grad_fn else None,
                        piece.is_contiguous(), piece._base is None, grad))
        return out
    same(run)


def test_view_copies_are_fresh_memory_and_take_out():
    x = ember.arange(6.0).reshape(2, 3)
    copy = ember.t_copy(x)
    copy[0, 0] = 100
    assert x[0, 0].item() == 0
    for lib in (ember, torch):
        out = lib.empty(3, 2)
        assert lib.t_copy(lib.ones(2, 3), out=out) is out
        pieces = [lib.empty(2, 1), lib.empty(2, 2)]
        assert lib.split_with_sizes_copy(lib.ones(2, 3), [1, 2], 1, out=pieces) is None
        assert_same(ember.ones(2, 1), pieces[0]) if lib is torch else None


@pytest.mark.parametrize("call", [
    lambda t: t.view_as_real_copy(t.complex(t.ones(2, 2), t.zeros(2, 2))),
    lambda t: t.view_as_complex_copy(t.ones(2, 2)),
    lambda t: t.view_as_complex_copy(t.ones(2, 2, requires_grad=True) * 1),
    lambda t: (lambda r: (r.requires_grad, r.grad_fn.name()))(
        t.detach_copy(t.ones(2, requires_grad=True))),
    lambda t: t.detach_copy(t.ones(2)),
])
def test_complex_and_detach_copies(call):
    same(call)


def test_view_as_real_copy_gradient():
    def run(lib):
        real = lib.ones(2, dtype=lib.float64, requires_grad=True)
        z = lib.complex(real, real * 2)
        result = lib.view_as_real_copy(z)
        grad = lib.autograd.grad((result * lib.tensor([[1.0, 2.0], [3.0, 4.0]],
                                                      dtype=lib.float64)).sum(), real)[0]
        return result.grad_fn.name(), grad
    same(run)
