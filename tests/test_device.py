"""Devices and the 'meta' device, compared with PyTorch."""
from __future__ import annotations

import copy
import pickle
import tracemalloc

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import ember  # noqa: E402
from ember.backends.meta import MetaArray  # noqa: E402


def outcome(module, expression: str, **names):
    """What evaluating ``expression`` with ``torch`` bound to ``module`` gives: a value or the
    exception type and message."""
    try:
        return "ok", eval(expression, {"torch": module, "np": np, **names})
    except Exception as exc:  # noqa: BLE001 - the exception is the result being compared
        return "error", type(exc), str(exc).split("\n")[0]


# -- device objects -----------------------------------------------------------------------------

DEVICE_EXPRESSIONS = [
    "torch.device('cpu')", "torch.device('cuda')", "torch.device('cuda:1')",
    "torch.device('meta')", "torch.device('mps')", "torch.device('xpu')", "torch.device('cpu:0')",
    "torch.device('meta:0')", "torch.device('lazy')", "torch.device('cuda', 0)",
    "torch.device('cpu', 0)", "torch.device(type='cuda', index=3)", "torch.device('cpu', None)",
    "torch.device(torch.device('cuda:2'))",
]

DEVICE_ERRORS = [
    "torch.device('cuda:-1')", "torch.device('cuda: 1')", "torch.device('cuda:01')",
    "torch.device('cuda:1:2')", "torch.device('foo')", "torch.device('CPU')", "torch.device('')",
    "torch.device('cuda:a')", "torch.device(0)", "torch.device('cuda:0', 0)",
    "torch.device('cuda', -1)", "torch.device(1.5)", "torch.device(None)",
    "torch.device('cuda', 'a')",
]


@pytest.mark.parametrize("expression", DEVICE_EXPRESSIONS)
def test_device_parsing_and_printing(expression):
    expected = outcome(torch, expression)[1]
    got = outcome(ember, expression)[1]
    assert repr(got) == repr(expected)
    assert str(got) == str(expected)
    assert (got.type, got.index) == (expected.type, expected.index)


@pytest.mark.parametrize("expression", DEVICE_ERRORS)
def test_device_errors(expression):
    expected, got = outcome(torch, expression), outcome(ember, expression)
    assert expected[0] == got[0] == "error"
    assert got[1] is expected[1]
    assert got[2] == expected[2]


def test_device_equality_and_hashing():
    assert ember.device("cuda:1") == ember.device("cuda", 1)
    assert hash(ember.device("cuda:1")) == hash(ember.device("cuda", 1))
    assert ember.device("cuda") != ember.device("cuda:0")
    assert ember.device("cpu") != ember.device("meta")
    # Like PyTorch, a device never equals a string.
    assert (ember.device("cpu") == "cpu") == (torch.device("cpu") == "cpu")
    assert {ember.device("cpu"): 1}[ember.device("cpu")] == 1
    assert len({ember.device("cpu"), ember.device("cpu"), ember.device("meta")}) == 2


def test_device_pickles_and_copies():
    for d in (ember.device("cuda:3"), ember.device("meta")):
        assert pickle.loads(pickle.dumps(d)) == d
        assert copy.deepcopy(d) == d


def test_device_context_sets_the_factory_default():
    with ember.device("meta"):
        inside = [ember.empty(2), ember.zeros(2, 3), ember.arange(4), ember.rand(2)]
    assert all(t.device == ember.device("meta") for t in inside)
    assert ember.empty(2).device == ember.device("cpu")
    with torch.device("meta"):
        assert torch.empty(2).device.type == "meta"


def test_no_accelerators():
    assert ember.cuda.is_available() is torch.cuda.is_available() is False
    assert ember.backends.mps.is_available() is False
    with pytest.raises(AssertionError, match="Torch not compiled with CUDA enabled"):
        ember.ones(2).cuda()
    with pytest.raises(RuntimeError):
        ember.Generator(device="cuda")
    with pytest.raises(RuntimeError, match="META device type not an accelerator"):
        ember.Generator(device="meta")


# -- meta tensors: shapes, dtypes and strides of ops match PyTorch's meta results -----------------

META_EXPRESSIONS = [
    "x + 1", "x + 1.5", "x * i", "i + 1", "i / 2", "x @ y.float()", "x @ v", "v @ y.float()",
    "x.t()", "x.T", "x[1]", "x[:, 1:3]", "x[None, ..., ::2]", "x[:, None]", "x.reshape(2, 6)",
    "x.view(12)", "x.unsqueeze(1)", "x.squeeze()", "x.expand(2, 3, 4)", "x.permute(1, 0)",
    "x.transpose(0, 1)", "x.clone()", "x.t().clone()", "x.to(torch.float64)", "x.double()",
    "x.to('meta')", "-x", "torch.empty_like(x)", "torch.zeros_like(x.t())",
    "torch.ones_like(x, dtype=torch.int8)", "torch.full_like(x, 3)", "torch.rand_like(x)",
    "torch.randn_like(x)", "torch.randint_like(x, 5)", "x.new_zeros(2)", "x.new_empty(2, 2)",
    "x.new_full((2,), 3)", "x.new_tensor([1, 2])", "x.fill_(3)", "x.zero_()", "x.uniform_()",
    "x.normal_()", "x.random_(5)", "x.bernoulli_(0.5)", "x.exponential_()", "torch.bernoulli(x)",
    "torch.multinomial(x, 2)", "torch.poisson(x)", "torch.normal(x, 1.)", "torch.normal(x, x)",
    "torch.tensor([1., 2.], device='meta')", "torch.arange(10, device='meta')",
    "torch.linspace(0, 1, 10, device='meta')", "torch.logspace(0, 1, 10, device='meta')",
    "torch.eye(3, 4, device='meta')", "torch.full((2, 3), 1.5, device='meta')",
    "torch.zeros(2, 3, device='meta')", "torch.empty_strided((2, 3), (1, 2), device='meta')",
    "torch.randperm(5, device='meta')", "torch.randint(0, 5, (3,), device='meta')",
    "torch.rand(2, 3, device='meta')", "torch.randn(2, 3, device='meta', dtype=torch.float64)",
    "torch.complex(x, x)", "torch.polar(x, x)", "torch.tril_indices(3, 3, device='meta')",
    "x.add_(1)", "x.mul_(2)", "w * 2", "torch.mm(x, y.float())", "x.to(torch.int64)", "w.detach()",
    "torch.empty(2, 3, 4, 5, device='meta', memory_format=torch.channels_last)",
    "torch.ones(3, device='meta').to(torch.float16)",
]


def meta_names(module):
    return {"x": module.empty(3, 4, device="meta"),
            "y": module.empty(4, 5, device="meta", dtype=module.float64),
            "v": module.empty(4, device="meta"),
            "i": module.empty(3, 4, device="meta", dtype=module.int32),
            "w": module.empty(3, 4, device="meta", requires_grad=True)}


def describe(t):
    return str(t.dtype), tuple(t.shape), t.stride(), t.device.type, t.requires_grad


@pytest.mark.parametrize("expression", META_EXPRESSIONS)
def test_meta_ops_match_torch_meta(expression):
    expected = outcome(torch, expression, **meta_names(torch))
    got = outcome(ember, expression, **meta_names(ember))
    assert expected[0] == got[0] == "ok", (expected, got)
    assert describe(got[1]).__repr__().replace("ember", "torch") == \
        describe(expected[1]).__repr__()
    assert isinstance(got[1]._data, MetaArray)


def test_meta_tensors_refuse_to_give_values():
    t = ember.ones(2, 3, device="meta")
    with pytest.raises(NotImplementedError, match="Cannot copy out of meta tensor; no data!"):
        t.tolist()
    with pytest.raises(NotImplementedError):
        t.to("cpu")
    with pytest.raises(TypeError):
        t.numpy()
    with pytest.raises(NotImplementedError):
        np.asarray(t._data)
    with pytest.raises(NotImplementedError), pytest.warns(UserWarning, match="copy construct"):
        ember.tensor(t, device="cpu")


def test_meta_ops_do_not_consume_random_numbers():
    ember.manual_seed(7)
    state = ember.get_rng_state()
    ember.rand(100, device="meta")
    ember.empty(5, device="meta").normal_()
    ember.randperm(10, device="meta")
    assert np.array_equal(ember.get_rng_state()._data, state._data)


def test_mixing_devices_raises():
    cpu, meta = ember.ones(2), ember.ones(2, device="meta")
    for op in (lambda: cpu + meta, lambda: meta * cpu, lambda: cpu @ meta,
               lambda: ember.complex(cpu, meta), lambda: ember.normal(cpu, meta)):
        with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
            op()
    # A zero-dim CPU tensor may take part in an op on another device.
    assert (meta + ember.tensor(1.0)).device.type == "meta"


def test_large_model_on_meta_allocates_nothing():
    tracemalloc.start()
    try:
        weight = ember.empty(10000, 10000, device="meta", requires_grad=True)
        second = ember.empty(10000, 10000, device="meta", requires_grad=True)
        inputs = ember.randn(64, 10000, device="meta")
        hidden = (inputs @ weight) * 2 - 1
        out = hidden @ second.t()
        out.backward(ember.ones_like(out))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert out.shape == (64, 10000) and out.device.type == "meta"
    assert weight.grad.shape == (10000, 10000) and weight.grad.device.type == "meta"
    assert second.grad.shape == (10000, 10000)
    assert peak < 4 * 1024 * 1024  # the real weights alone would need 800 MB


def _meta_reductions_supported() -> bool:
    try:
        ember.empty(2, 3, device="meta").sum()
        return True
    except NotImplementedError:
        return False


@pytest.mark.skipif(not _meta_reductions_supported(),
                    reason="ember's reductions wrap results with np.asarray, which meta arrays "
                           "cannot pass through")
def test_meta_reductions_and_broadcast_backward():
    bias = ember.zeros(10000, device="meta", requires_grad=True)
    weight = ember.empty(1000, 10000, device="meta", requires_grad=True)
    loss = (ember.randn(8, 1000, device="meta") @ weight + bias).sum()
    assert loss.shape == () and loss.device.type == "meta"
    loss.backward()
    assert bias.grad.shape == (10000,)


# -- MetaArray follows NumPy's dispatch ------------------------------------------------------------

def _meta(shape, dtype="float32"):
    return MetaArray(shape, dtype)


UFUNC_CASES = [
    (np.add, [(2, 1, 3), (4, 1)], ["float32", "float64"]),
    (np.multiply, [(3,), (2, 3)], ["int32", "int64"]),
    (np.true_divide, [(3,), ()], ["int64", "int64"]),
    (np.less, [(2, 3), (3,)], ["float32", "int8"]),
    (np.maximum, [(5, 1), (1, 6)], ["uint8", "int8"]),
]


@pytest.mark.parametrize("ufunc, shapes, dtypes", UFUNC_CASES)
def test_meta_ufuncs_broadcast_and_promote_like_numpy(ufunc, shapes, dtypes):
    real = ufunc(*(np.ones(s, d) for s, d in zip(shapes, dtypes)))
    meta = ufunc(*(_meta(s, d) for s, d in zip(shapes, dtypes)))
    assert isinstance(meta, MetaArray)
    assert (meta.shape, meta.dtype) == (real.shape, real.dtype)


@pytest.mark.parametrize("shape, axis, keepdims", [((2, 3, 4), None, False), ((2, 3, 4), 1, True),
                                                    ((2, 3, 4), (0, 2), False), ((5,), 0, False)])
@pytest.mark.parametrize("func", [np.sum, np.mean, np.max, np.any, np.argmax, np.prod])
def test_meta_reductions_like_numpy(func, shape, axis, keepdims):
    if func is np.argmax and isinstance(axis, tuple):
        return
    real = np.asarray(func(np.ones(shape, np.int16), axis=axis, keepdims=keepdims))
    meta = func(_meta(shape, np.int16), axis=axis, keepdims=keepdims)
    assert (meta.shape, meta.dtype) == (real.shape, real.dtype)


@pytest.mark.parametrize("call", [
    lambda m: np.matmul(m((5, 2, 3)), m((3, 4))),
    lambda m: np.matmul(m((3,)), m((2, 3, 4))),
    lambda m: np.dot(m((2, 3)), m((3,))),
    lambda m: np.tensordot(m((2, 3, 4)), m((3, 4, 5)), 2),
    lambda m: np.einsum("bij,bjk->bik", m((2, 3, 4)), m((2, 4, 5))),
    lambda m: np.einsum("...ij->...ji", m((2, 3, 4))),
    lambda m: np.einsum("ii", m((3, 3))),
    lambda m: np.concatenate([m((2, 3)), m((4, 3))]),
    lambda m: np.stack([m((2, 3)), m((2, 3))], axis=-1),
    lambda m: np.where(m((2, 1)) > 0, m((3,)), 0.5),
    lambda m: np.broadcast_to(m((3, 1)), (2, 3, 4)),
    lambda m: np.transpose(m((2, 3, 4)), (2, 0, 1)),
    lambda m: np.moveaxis(m((2, 3, 4)), 0, -1),
    lambda m: np.expand_dims(m((2, 3)), (0, 2)),
    lambda m: np.squeeze(m((1, 3, 1))),
    lambda m: np.reshape(m((2, 6)), (3, -1)),
    lambda m: np.cumsum(m((2, 3)), axis=1),
    lambda m: np.clip(m((2, 3)), 0, 1),
    lambda m: m((2, 3, 4))[..., 1],
    lambda m: m((2, 3, 4))[:, np.array([0, 2, 1])],
    lambda m: m((2, 3)).astype(np.int8).T,
    lambda m: np.diagonal(m((3, 4))),
    lambda m: np.flip(m((3, 4)), 0),
])
def test_meta_array_functions_like_numpy(call):
    real = call(lambda s: np.ones(s, np.float32))
    meta = call(lambda s: _meta(s))
    assert isinstance(meta, MetaArray)
    assert (meta.shape, meta.dtype) == (real.shape, real.dtype)


def test_meta_views_keep_strides():
    base = _meta((4, 6), np.float64)
    assert base.T.strides == np.ones((4, 6)).T.strides
    view = base[1:, ::2]
    real = np.ones((4, 6))[1:, ::2]
    assert (view.shape, view.strides) == (real.shape, real.strides)
    assert view.offset == 6 and view.base is base
    assert not np.broadcast_to(base[:1], (3, 6)).flags.writeable
    assert base.reshape(24).flags.c_contiguous
    assert not base.T.flags.c_contiguous


def test_meta_arrays_hold_no_values():
    arr = _meta((2, 2))
    for read in (arr.tolist, arr.item, lambda: float(arr[0, 0]), lambda: bool(arr[0, 0]),
                 lambda: np.ascontiguousarray(arr)):
        with pytest.raises(NotImplementedError, match="no data"):
            read()
    arr[0] = 1.0  # writes are accepted and change nothing
    with pytest.raises(ValueError):
        arr[0] = np.ones(3)
    with pytest.raises(NotImplementedError):
        np.nonzero(arr)


@pytest.mark.parametrize("op", ["dot", "contiguous", "norm"])
def test_meta_dot_contiguous_norm_match_torch(op):
    results = []
    for lib in (ember, torch):
        x = lib.empty(3, 4, device="meta")
        if op == "dot":
            out = lib.dot(x[0], x[1])
        elif op == "contiguous":
            out = x.t().contiguous()
        else:
            out = lib.linalg.norm(x)
        results.append((tuple(out.shape), out.stride(), str(out.dtype), out.device.type))
    assert results[0] == results[1]
