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
    images = ember.empty(2, 3, 8, 8, device="meta")
    functional = ember.nn.functional
    functional.dropout(images, 0.5)
    functional.rrelu(images, training=True)
    functional.fractional_max_pool2d(images, 2, output_size=3)
    functional.scaled_dot_product_attention(images, images, images, dropout_p=0.5)
    ember.nn.TransformerEncoderLayer(8, 2, 16, device="meta")(ember.empty(2, 3, 8, device="meta"))
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


# -- the operator library on meta tensors, compared op by op with PyTorch --------------------------
#
# Each entry is an expression over the meta inputs of ``meta_op_inputs``; it is evaluated with
# ``torch`` bound to torch and to ember, and the outcomes must agree: success or the exception
# type, and for every tensor in the result its dtype, shape, strides, device and requires_grad.

def meta_op_inputs(lib, device: str = "meta") -> dict:
    """Tensors (meta ones by default) of the shapes and dtypes the op table uses."""
    def meta(*shape, dtype=lib.float32, requires_grad=False):
        return lib.zeros(*shape, device=device, dtype=dtype, requires_grad=requires_grad)
    return {
        "x": meta(3, 4), "y": meta(4, 5), "v": meta(4), "u": meta(3), "s": meta(4, 4),
        "b": meta(2, 3, 4), "bs": meta(2, 4, 4), "xt": meta(4, 3).t(),
        "d": meta(3, 4, dtype=lib.float64),
        "h": meta(3, 4, dtype=lib.float16), "c": meta(3, 4, dtype=lib.complex64),
        "i": meta(3, 4, dtype=lib.int64), "i32": meta(3, 4, dtype=lib.int32),
        "bo": meta(3, 4, dtype=lib.bool), "ix": meta(2, dtype=lib.int64),
        "lab": meta(3, dtype=lib.int64), "img": meta(2, 3, 8, 8), "seq": meta(2, 3, 10),
        "vol": meta(1, 2, 4, 4, 4), "w": meta(3, 4, requires_grad=True), "z": meta(()),
        "lib": lib, "F": lib.nn.functional, "nn": lib.nn, "L": lib.linalg,
        "grads": meta_grads, "train": meta_train,
    }


def meta_grads(fn, *tensors):
    """The gradients of ``fn(*tensors).sum()`` with respect to each tensor."""
    leaves = [t.detach().requires_grad_() for t in tensors]
    fn(*leaves).sum().backward()
    return [leaf.grad for leaf in leaves]


def meta_train(module, *inputs):
    """One forward and backward pass of ``module``: its output and its parameters' gradients."""
    out = module(*inputs)
    first = out[0] if isinstance(out, tuple) else out
    first.sum().backward()
    return [out] + [p.grad for p in module.parameters()]


META_OPS = [
    # creation
    "torch.empty(2, 3, device='meta')", "torch.zeros(2, 3, device='meta', dtype=torch.int32)",
    "torch.ones(5, device='meta')", "torch.full((2, 2), 7, device='meta')",
    "torch.full((2, 2), True, device='meta')", "torch.arange(0, 5, 0.5, device='meta')",
    "torch.linspace(0, 1, 7, device='meta')", "torch.logspace(0, 1, 7, device='meta')",
    "torch.eye(3, device='meta')", "torch.empty_strided((2, 3), (1, 2), device='meta')",
    "torch.rand(2, 3, device='meta')", "torch.randn(2, 3, device='meta')",
    "torch.randint(10, (4,), device='meta')", "torch.randperm(6, device='meta')",
    "torch.tensor([[1, 2], [3, 4]], device='meta')", "torch.as_tensor([1.5], device='meta')",
    "torch.scalar_tensor(2, device='meta')", "torch.tril_indices(4, 3, device='meta')",
    "torch.triu_indices(4, 3, 1, device='meta')", "torch.zeros_like(xt)", "torch.ones_like(i)",
    "torch.empty_like(xt, memory_format=torch.contiguous_format)", "torch.full_like(x, 2)",
    "torch.rand_like(d)", "torch.randn_like(xt)", "torch.randint_like(i, 3)",
    "torch.complex(x, x)", "torch.polar(x, x)", "x.new_ones(2, 3)", "x.new_empty((2,))",
    "x.new_tensor([1, 2])", "torch.empty(0, device='meta')",
    # unary elementwise
    "torch.abs(x)", "torch.acos(x)", "torch.acosh(x)", "torch.asin(x)", "torch.asinh(x)",
    "torch.atan(x)", "torch.atanh(x)", "torch.ceil(x)", "torch.cos(x)", "torch.cosh(x)",
    "torch.deg2rad(x)", "torch.digamma(x)", "torch.erf(x)", "torch.erfc(x)", "torch.erfinv(x)",
    "torch.exp(x)", "torch.exp2(x)", "torch.expm1(x)", "torch.floor(x)", "torch.frac(x)",
    "torch.lgamma(x)", "torch.log(x)", "torch.log10(x)", "torch.log1p(x)", "torch.log2(x)",
    "torch.logit(x)", "torch.neg(x)", "torch.reciprocal(x)", "torch.round(x)",
    "torch.round(x, decimals=2)", "torch.rsqrt(x)", "torch.sigmoid(x)", "torch.sign(x)",
    "torch.sgn(c)", "torch.signbit(x)", "torch.sin(x)", "torch.sinc(x)", "torch.sinh(x)",
    "torch.sqrt(x)", "torch.square(x)", "torch.tan(x)", "torch.tanh(x)", "torch.trunc(x)",
    "torch.i0(x)", "torch.nan_to_num(x)", "torch.isfinite(x)", "torch.isinf(x)", "torch.isnan(x)",
    "torch.isneginf(x)", "torch.isposinf(x)", "torch.isreal(c)", "torch.logical_not(x)",
    "torch.bitwise_not(i)", "torch.angle(x)", "torch.angle(c)", "torch.real(c)", "torch.imag(c)",
    "torch.conj(c)", "torch.abs(c)", "torch.relu(x)", "torch.positive(x)", "torch.fix(x)",
    "torch.mvlgamma(x, 1)", "torch.polygamma(1, x)", "torch.frexp(x)", "torch.clamp(x, 0, 1)",
    "torch.clamp(x, min=v)", "torch.clip(i, max=3)", "torch.sqrt(i)", "torch.abs(i)",
    "torch.neg(i32)", "torch.sign(bo)", "torch.exp(xt)", "torch.exp(h)", "torch.sin(d)",
    "torch.exp(c)", "torch.sigmoid(xt)", "torch.square(i)", "x.exp_()", "x.abs_()",
    "x.clamp_(0, 1)", "x.sigmoid_()", "x.neg_()", "torch.exp(z)", "torch.view_as_real(c)",
    "torch.view_as_complex(torch.empty(3, 2, device='meta'))", "c.conj().resolve_conj()",
    "torch.conj_physical(c)",
    # binary elementwise
    "x + y[:, :4][:3]", "x + v", "b + v", "x + xt", "x + d", "x * 2.5", "i + 1.5", "i * 2",
    "i / 2", "i // 2", "x - 1", "1 - x", "2 / x", "x ** 2", "2 ** x", "x % 3", "i % 3", "-x",
    "torch.add(x, x, alpha=2)", "torch.sub(x, v, alpha=2)", "torch.mul(x, bo)",
    "torch.div(x, x, rounding_mode='floor')", "torch.div(i, i, rounding_mode='trunc')",
    "torch.true_divide(i, i)", "torch.floor_divide(x, 2)", "torch.remainder(x, v)",
    "torch.fmod(i, 3)", "torch.pow(x, v)", "torch.pow(2, i)", "torch.atan2(x, v)",
    "torch.hypot(x, x)", "torch.copysign(x, v)", "torch.maximum(x, d)", "torch.minimum(i, x)",
    "torch.fmax(x, x)", "torch.fmin(x, x)", "torch.eq(x, v)", "torch.ne(x, 1)", "x < v", "x <= xt",
    "x > 0", "x >= i", "torch.logical_and(x, bo)", "torch.logical_or(bo, bo)",
    "torch.logical_xor(x, i)", "torch.bitwise_and(i, i32)", "torch.bitwise_or(bo, bo)",
    "torch.bitwise_xor(i, 3)", "torch.bitwise_left_shift(i, 1)", "i >> 1", "i & 1",
    "torch.gcd(i, i)", "torch.lcm(i, i32)", "torch.xlogy(x, x)", "torch.logaddexp(x, x)",
    "torch.logaddexp2(x, v)", "torch.nextafter(x, x)", "torch.heaviside(x, x)",
    "torch.ldexp(x, i)", "torch.lerp(x, x, 0.5)", "torch.lerp(x, v, x)",
    "torch.addcmul(x, x, v, value=2)", "torch.addcdiv(x, x, v)", "torch.float_power(x, 2)",
    "torch.isclose(x, x)", "torch.where(bo, x, v)", "torch.where(bo, x, 0.)", "torch.rsub(x, 1)",
    "x + torch.tensor(1.)", "x + torch.ones(4)", "x.add_(v)", "x.mul_(2)", "i.add_(1.5)",
    "x.copy_(v)", "x.copy_(d)", "x.masked_fill_(bo, 1)", "torch.masked_fill(x, bo, 2.)", "x + c",
    "z + i", "z * z",
    # reductions and scans
    "torch.sum(x)", "x.sum(1)", "x.sum((0, 1), keepdim=True)", "i.sum()", "bo.sum(0)",
    "torch.mean(x)", "x.mean(-1, keepdim=True)", "torch.prod(x, 1)", "i.prod()", "torch.std(x)",
    "torch.var(x, 0, correction=0)", "torch.std_mean(x, 1)", "torch.var_mean(x)", "torch.max(x)",
    "torch.max(x, 1)", "torch.min(x, 0, keepdim=True)", "torch.amax(x, (0, 1))",
    "torch.amin(x, 1)", "torch.aminmax(x, dim=0)", "torch.aminmax(x)", "torch.argmax(x)",
    "torch.argmin(x, 1, keepdim=True)", "torch.all(x)", "torch.any(bo, 1)", "bo.all(0)",
    "torch.logsumexp(x, 1)", "torch.norm(x)", "torch.norm(x, dim=1)", "torch.nansum(x)",
    "torch.nanmean(x, 0)", "torch.median(x)", "torch.median(x, 1)", "torch.nanmedian(x, 0)",
    "torch.mode(x, 1)", "torch.kthvalue(x, 2, 1)", "torch.quantile(x, 0.5)",
    "torch.quantile(x, v, dim=1)", "torch.nanquantile(x, 0.25, 0)", "torch.count_nonzero(x)",
    "torch.count_nonzero(x, 1)", "torch.cumsum(x, 1)", "torch.cumsum(i, 0)", "torch.cumprod(x, 0)",
    "torch.cummax(x, 1)", "torch.cummin(x, 0)", "torch.logcumsumexp(x, 1)", "torch.sort(x, 1)",
    "torch.sort(x, 0, descending=True)", "torch.argsort(x, 1)", "torch.topk(x, 2)",
    "torch.topk(x, 2, 0, largest=False)", "torch.msort(x)", "torch.softmax(x, 1)",
    "torch.log_softmax(x, 0)", "torch.softmax(i, 0, dtype=torch.float64)", "torch.dist(x, v)",
    "torch.trace(s)", "torch.renorm(x, 2, 0, 1.)", "torch.histc(x, 5)",
    "x.sum(dtype=torch.float64)", "z.sum()", "x.max(dim=1).values", "torch.mean(i)",
    "torch.std(x, 1, keepdim=True)", "torch.sum(xt, 0)", "torch.amax(b, -1)",
    # shapes, views and joins
    "x.reshape(2, 6)", "xt.reshape(12)", "x.view(4, 3)", "x.view(-1)", "xt.view(4, 3)",
    "torch.flatten(b)", "torch.flatten(b, 1)", "torch.unflatten(x, 1, (2, 2))",
    "torch.squeeze(x[None])", "torch.unsqueeze(x, 2)", "torch.permute(b, (2, 0, 1))",
    "torch.transpose(b, 0, 2)", "x.t()", "torch.movedim(b, 0, -1)", "torch.moveaxis(b, 1, 0)",
    "torch.swapaxes(b, 0, 1)", "x.expand(2, 3, 4)", "v.expand_as(x)", "x.repeat(2, 1)",
    "torch.tile(x, (2,))", "torch.flip(x, [0])", "torch.flip(b, (0, 2))", "torch.fliplr(x)",
    "torch.flipud(x)", "torch.rot90(x)", "torch.rot90(b, 2, (1, 2))", "torch.rot90(x, -1)",
    "torch.roll(x, 1, 0)", "torch.roll(x, 2)", "torch.narrow(x, 1, 1, 2)",
    "torch.narrow_copy(x, 1, 1, 2)", "torch.select(x, 1, 0)", "torch.split(x, 2, 1)",
    "torch.split(x, [1, 2])", "torch.chunk(x, 2, 1)", "torch.tensor_split(x, 3, 1)",
    "torch.tensor_split(x, [1, 2])", "torch.unbind(x, 1)", "torch.hsplit(x, 2)",
    "torch.vsplit(b, [1])", "torch.dsplit(b, 2)", "torch.cat([x, x])", "torch.cat([x, d], 1)",
    "torch.cat([x, torch.empty(0, device='meta')])", "torch.concat((x, xt), 1)",
    "torch.stack([x, x], 1)", "torch.hstack([x, x])", "torch.vstack([v, v])",
    "torch.dstack([x, x])", "torch.column_stack([u, x])", "torch.row_stack([v, x])",
    "torch.atleast_1d(z)", "torch.atleast_2d(v)", "torch.atleast_3d(x)",
    "torch.broadcast_to(v, (3, 4))", "torch.broadcast_tensors(x, v)",
    "torch.meshgrid(u, v, indexing='ij')", "torch.meshgrid(u, v, indexing='xy')", "torch.diag(x)",
    "torch.diag(v)", "torch.diag(x, 1)", "torch.diag(v, -1)", "torch.diag_embed(x)",
    "torch.diagflat(v)", "torch.diagonal(b, 0, 1, 2)", "torch.tril(x)", "torch.triu(x, 1)",
    "torch.tril(b, -1)", "torch.kron(x, x)", "torch.block_diag(x, v)",
    "torch.cartesian_prod(u, v)", "torch.combinations(v)", "torch.ravel(xt)", "xt.contiguous()",
    "x.as_strided((2, 2), (1, 2))", "x.unfold(1, 2, 1)", "x.T", "b.mT", "c.H", "xt.clone()",
    "xt.clone(memory_format=torch.contiguous_format)",
    "img.contiguous(memory_format=torch.channels_last)", "torch.repeat_interleave(x, 2)",
    "torch.repeat_interleave(x, 2, dim=0)", "torch.repeat_interleave(lab)",
    "torch.repeat_interleave(x, lab, dim=0, output_size=6)", "x.squeeze(0)", "x.view(torch.int32)",
    "torch.t(v)", "x[None, :, None]", "x[..., 1]", "x[1:, ::2]", "xt[:, 1]", "x[-1]",
    "torch.swapdims(x, 0, 1)", "x.unsqueeze(-1).expand(3, 4, 2)", "x.flatten().view(2, 2, 3)",
    # indexing, gathering and scattering
    "torch.take(x, i)", "torch.take_along_dim(x, i, 1)", "torch.gather(x, 1, i)",
    "torch.gather(x, 0, lab[:, None])", "torch.scatter(x, 1, i, x)", "torch.scatter(x, 0, i, 1.)",
    "torch.scatter_add(x, 1, i, x)", "torch.scatter_reduce(x, 1, i, x, 'amax')",
    "torch.index_select(x, 0, ix)", "torch.index_select(x, 1, ix)",
    "torch.index_add(x, 0, ix, x[:2])", "torch.index_copy(x, 1, ix, x[:, :2])",
    "torch.index_fill(x, 1, ix, 0.)", "torch.index_reduce(x, 0, ix, x[:2], 'prod')",
    "torch.index_put(x, (ix,), v)", "torch.masked_scatter(x, bo, x)", "torch.masked_select(x, bo)",
    "torch.nonzero(x)", "torch.nonzero(x, as_tuple=True)", "torch.argwhere(x)", "torch.unique(x)",
    "torch.unique_consecutive(x)", "x[ix]", "x[:, ix]", "x[ix, ix]", "x[bo]", "x[lab > 0]",
    "x[ix, None]", "b[:, ix, 1:]", "x.put(ix, v[:2])", "torch.diagonal_scatter(x, x.diagonal())",
    "torch.select_scatter(x, v, 0, 1)", "torch.slice_scatter(x, x[:, :2], 1, 0, 2)",
    "torch.as_strided_scatter(x, x[0, :2], (2,), (1,))", "torch.searchsorted(v, x)",
    "torch.bucketize(x, v)", "x.nonzero_static(size=3)", "torch.bincount(lab)",
    "torch.histogram(x)", "x.scatter_(1, i, 0.)", "x.index_add_(0, ix, x[:2])",
    "x.index_fill_(0, ix, 1.)", "x.masked_scatter_(bo, x)", "x.index_put_((ix,), v)",
    "x.index_copy_(0, ix, x[:2])",
    # matrix products and linear algebra
    "torch.mm(x, y)", "torch.mm(xt, y)", "torch.bmm(b, b.mT)", "torch.matmul(b, v)",
    "torch.matmul(v, y)", "torch.matmul(b, y)", "torch.matmul(v, v)", "torch.mv(x, v)",
    "torch.dot(v, v)", "torch.vdot(v, v)", "torch.inner(x, x)", "torch.outer(u, v)",
    "torch.ger(u, v)", "torch.addmm(u[:, None], x, y)", "torch.addmv(u, x, v)",
    "torch.addr(x, u, v)", "torch.addbmm(x[:, :3], b, b.mT)", "torch.baddbmm(b, b, bs)",
    "torch.einsum('ij,jk->ik', x, y)", "torch.einsum('bij->bji', b)", "torch.einsum('ii', s)",
    "torch.einsum('i,j->ij', u, v)", "torch.einsum('...j,j', b, v)", "torch.tensordot(b, y, 1)",
    "torch.tensordot(x, x, ([0, 1], [0, 1]))", "torch.chain_matmul(x, y, y.t())",
    "torch.cross(b[:, :, :3], b[:, :, :3], dim=2)", "torch.mm(i, i.t())", "torch.mm(h, h.t())",
    "x @ xt.t()", "L.inv(s)", "L.inv(bs)", "torch.inverse(s)", "L.inv_ex(s)", "L.det(s)",
    "torch.det(bs)", "L.slogdet(s)", "torch.logdet(s)", "L.cholesky(s)",
    "L.cholesky(bs, upper=True)", "L.cholesky_ex(s)", "L.qr(x)", "L.qr(y, mode='complete')",
    "L.qr(x, mode='r')", "L.svd(x)", "L.svd(y, full_matrices=False)", "L.svdvals(b)", "L.eig(s)",
    "L.eigvals(s)", "L.eigh(s)", "L.eigvalsh(bs)", "L.solve(s, v)", "L.solve(bs, y)",
    "L.solve_ex(s, y)", "L.solve_triangular(s, y, upper=True)", "L.lu(x)", "L.lu_factor(s)",
    "L.lu_factor_ex(bs)", "L.lu_solve(*L.lu_factor(s), y)", "L.matrix_exp(s)",
    "L.matrix_power(s, 3)", "L.matrix_power(s, -2)", "L.matrix_norm(x)", "L.matrix_norm(b, 'nuc')",
    "L.vector_norm(x, 3, 1)", "L.norm(x)", "L.norm(v, 1)", "L.cond(s)", "L.matrix_rank(x)",
    "L.pinv(x)", "L.lstsq(s, y)", "L.multi_dot([x, y, y.t()])", "L.vecdot(x, v)",
    "L.cross(b[..., :3], b[..., :3])", "L.householder_product(y.t(), v)",
    "L.tensorinv(torch.empty(4, 6, 8, 3, device='meta'), 2)",
    "L.tensorsolve(torch.empty(2, 3, 6, device='meta'), x[:2, :3])", "L.vander(v)",
    "L.diagonal(b)", "torch.pinverse(x)", "torch.cholesky_solve(y, s)",
    "torch.cholesky_inverse(s)", "torch.triangular_solve(y, s)", "torch.lu(s)",
    "torch.lu_unpack(*L.lu_factor(s))", "torch.qr(x)", "torch.svd(x)", "torch.geqrf(x)",
    "torch.orgqr(y.t(), v)", "torch.matrix_exp(bs)", "torch.cdist(x, x)", "torch.cdist(b, b)",
    "L.inv(d[:3, :3])", "L.inv(c[:3, :3])", "L.det(d[:3, :3])", "L.eigh(c[:3, :3])", "L.svd(c)",
    "L.eigvals(d[:3, :3])",
    # neural-network functions
    "F.linear(x, y.t(), v[:1].expand(5))", "F.linear(b, x)", "F.bilinear(x, x, bs)",
    "F.conv1d(seq, torch.empty(4, 3, 3, device='meta'))",
    "F.conv2d(img, torch.empty(4, 3, 3, 3, device='meta'), padding=1, stride=2)",
    "F.conv2d(img, torch.empty(6, 1, 3, 3, device='meta'), groups=3)",
    "F.conv3d(vol, torch.empty(3, 2, 2, 2, 2, device='meta'))",
    "F.conv_transpose1d(seq, torch.empty(3, 2, 3, device='meta'))",
    "F.conv_transpose2d(img, torch.empty(3, 2, 3, 3, device='meta'), stride=2)",
    "F.conv_transpose3d(vol, torch.empty(2, 2, 2, 2, 2, device='meta'))", "F.avg_pool1d(seq, 2)",
    "F.avg_pool2d(img, 2)", "F.avg_pool3d(vol, 2)", "F.max_pool1d(seq, 2)",
    "F.max_pool2d(img, 3, 2, 1)", "F.max_pool3d(vol, 2)",
    "F.max_pool2d(img, 2, return_indices=True)", "F.adaptive_avg_pool1d(seq, 4)",
    "F.adaptive_avg_pool2d(img, (3, 5))", "F.adaptive_avg_pool3d(vol, 2)",
    "F.adaptive_max_pool2d(img, 3)", "F.adaptive_max_pool1d(seq, 3, True)",
    "F.lp_pool2d(img, 2, 2)", "F.max_unpool2d(*F.max_pool2d(img, 2, return_indices=True), 2)",
    "F.batch_norm(img, torch.empty(3, device='meta'), torch.empty(3, device='meta'))",
    "F.batch_norm(img, None, None, training=True)", "F.layer_norm(x, (4,))",
    "F.layer_norm(b, (3, 4), x, x)", "F.group_norm(img, 3)", "F.instance_norm(img)",
    "F.rms_norm(x, (4,))", "F.local_response_norm(img, 2)", "F.normalize(x)", "F.dropout(x, 0.5)",
    "F.dropout(x, 0.5, training=False)", "F.dropout2d(img)", "F.alpha_dropout(x, 0.5, True)",
    "F.embedding(i, y)", "F.embedding(lab, x, padding_idx=0)", "F.embedding_bag(i, y)",
    "F.one_hot(lab, 5)", "F.one_hot(lab)", "F.pad(x, (1, 2))",
    "F.pad(img, (1, 1, 2, 2), mode='reflect')", "F.pad(img, (1, 1, 1, 1), mode='replicate')",
    "F.pad(seq, (2, 2), mode='circular')", "F.interpolate(img, scale_factor=2)",
    "F.interpolate(img, size=(5, 7), mode='bilinear')",
    "F.interpolate(seq, size=15, mode='linear', align_corners=True)",
    "F.interpolate(img, scale_factor=0.5, mode='bicubic')",
    "F.interpolate(vol, 6, mode='trilinear')", "F.interpolate(img, 4, mode='area')",
    "F.pixel_shuffle(torch.empty(1, 8, 3, 3, device='meta'), 2)", "F.pixel_unshuffle(img, 2)",
    "F.unfold(img, 3)", "F.fold(torch.empty(1, 12, 4, device='meta'), 3, 2)",
    "F.grid_sample(img, torch.empty(2, 5, 5, 2, device='meta'), align_corners=False)",
    "F.affine_grid(torch.empty(2, 2, 3, device='meta'), (2, 3, 5, 5), align_corners=False)",
    "F.relu(x)", "F.relu6(x)", "F.gelu(x)", "F.gelu(x, approximate='tanh')", "F.silu(x)",
    "F.mish(x)", "F.elu(x)", "F.selu(x)", "F.celu(x)", "F.leaky_relu(x, 0.1)", "F.hardtanh(x)",
    "F.hardswish(x)", "F.hardsigmoid(x)", "F.softplus(x)", "F.softshrink(x)", "F.hardshrink(x)",
    "F.tanhshrink(x)", "F.softsign(x)", "F.logsigmoid(x)", "F.glu(x)", "F.glu(b, 1)",
    "F.glu(b, -1)", "F.prelu(x, torch.empty(1, device='meta'))", "F.rrelu(x)",
    "F.rrelu(x, training=True)", "F.threshold(x, 0.5, 0.)", "F.softmin(x, 1)",
    "F.softmax(i.float(), 0)", "F.sigmoid(x)", "F.tanh(x)", "F.gumbel_softmax(x)",
    "F.cosine_similarity(x, x)", "F.pairwise_distance(x, x)", "F.pdist(x)",
    "F.scaled_dot_product_attention(b, b, b)",
    "F.scaled_dot_product_attention(b, b, b, is_causal=True)", "F.mse_loss(x, x)",
    "F.mse_loss(x, x, reduction='none')", "F.l1_loss(x, v)", "F.smooth_l1_loss(x, x)",
    "F.huber_loss(x, x, reduction='sum')", "F.binary_cross_entropy(x, x)",
    "F.binary_cross_entropy_with_logits(x, x, pos_weight=v)", "F.cross_entropy(x, lab)",
    "F.cross_entropy(x, x)", "F.cross_entropy(x, lab, reduction='none')",
    "F.cross_entropy(x, lab, label_smoothing=0.1)", "F.nll_loss(x, lab)",
    "F.nll_loss(img, torch.empty(2, 8, 8, device='meta', dtype=torch.int64))",
    "F.kl_div(x, x, reduction='batchmean')", "F.poisson_nll_loss(x, x)",
    "F.gaussian_nll_loss(x, x, x)", "F.margin_ranking_loss(u, u, u)",
    "F.hinge_embedding_loss(x, x)", "F.soft_margin_loss(x, x)",
    "F.multilabel_soft_margin_loss(x, x)", "F.multi_margin_loss(x, lab)",
    "F.multilabel_margin_loss(x, i)", "F.cosine_embedding_loss(x, x, u)",
    "F.triplet_margin_loss(x, x, x)",
    # random ops
    "torch.bernoulli(x)", "torch.bernoulli(x, 0.3)", "torch.multinomial(x, 2)",
    "torch.normal(x, 1.)", "torch.normal(0., x)", "torch.poisson(x)", "x.uniform_()",
    "x.normal_(0, 2)", "x.random_()", "x.exponential_()", "x.geometric_(0.5)", "x.log_normal_()",
    "x.cauchy_()", "i.random_(0, 10)", "x.bernoulli_(v)",
    "torch.randint(0, 3, (2, 2), device='meta', dtype=torch.float32)",
    # tensor methods, conversions and data access
    "x.to(torch.float16)", "x.to(i)", "x.type(torch.float64)", "x.float()", "x.long()", "x.bool()",
    "x.half()", "x.bfloat16()", "c.cfloat()", "x.to('meta')", "x.to('cpu')", "x.cpu()",
    "x.numpy()", "x.tolist()", "x.item()", "z.item()", "bool(z)", "float(z)", "int(z)",
    "x.sum().item()", "z.__index__()", "len(x)", "x.numel()", "x.dim()", "x.size(1)", "x.stride()",
    "xt.is_contiguous()", "x.is_meta", "x.device", "x.element_size()", "x.fill_(2)", "x.zero_()",
    "x.t_()", "x.squeeze_()", "x.unsqueeze_(0)", "x.requires_grad_()", "x.detach()",
    "torch.equal(x, x)", "torch.allclose(x, x)", "torch.is_nonzero(z)", "x.data_ptr()",
    "x.storage_offset()", "x[1:].storage_offset()", "x.new_zeros(2).device", "hash(x) > 0",
    "x.clone().is_meta", "torch.is_tensor(x)",
    # autograd on meta tensors
    "grads(lambda a: (a * a).sum(), x)", "grads(lambda a, b: a @ b, x, y)",
    "grads(lambda a: a.exp().mean(), xt)", "grads(lambda a, b: a + b, x, v)",
    "grads(lambda a: a.max(1).values, x)", "grads(lambda a: a.sort(1).values, x)",
    "grads(lambda a: a[ix], x)", "grads(lambda a: a.gather(1, i), x)",
    "grads(lambda a: torch.flip(a, [1]), x)", "grads(lambda a: a.softmax(1), x)",
    "grads(lambda a: L.inv(a), s)", "grads(lambda a: torch.cat([a, a]), x)",
    "grads(lambda a: torch.einsum('ij,jk', a, a.t()), x)", "grads(lambda a: a.norm(), x)",
    "grads(lambda a: F.layer_norm(a, (4,)), x)", "grads(lambda a: a.cumsum(1), x)",
    "grads(lambda a: torch.tril(a), x)", "grads(lambda a: a.index_select(0, ix), x)",
    "grads(lambda a: F.conv2d(a, torch.empty(2, 3, 3, 3, device='meta')), img)",
    "grads(lambda a: F.max_pool2d(a, 2), img)", "grads(lambda a: a.var(0), x)",
    "grads(lambda a: F.cross_entropy(a, lab), x)", "grads(lambda a: L.det(a), s)",
    "w.sum().backward()", "(w * 2).sum().backward()", "torch.autograd.grad(w.sum(), w)",
    "train(nn.Linear(4, 2, device='meta'), x)", "train(nn.Bilinear(4, 4, 2, device='meta'), x, x)",
    "train(nn.Conv1d(3, 4, 3, device='meta'), seq)",
    "train(nn.Conv2d(3, 4, 3, padding=1, device='meta'), img)",
    "train(nn.Conv3d(2, 2, 3, device='meta'), vol)",
    "train(nn.ConvTranspose2d(3, 2, 2, stride=2, device='meta'), img)",
    "train(nn.BatchNorm2d(3, device='meta'), img)", "train(nn.BatchNorm1d(4, device='meta'), x)",
    "train(nn.LayerNorm(4, device='meta'), b)", "train(nn.GroupNorm(1, 3, device='meta'), img)",
    "train(nn.InstanceNorm2d(3, affine=True, device='meta'), img)",
    "train(nn.RMSNorm(4, device='meta'), x)", "train(nn.Embedding(10, 3, device='meta'), i)",
    "train(nn.EmbeddingBag(10, 3, device='meta'), i)", "train(nn.LSTM(4, 5, device='meta'), b)",
    "train(nn.GRU(4, 5, 2, batch_first=True, device='meta'), b)",
    "train(nn.RNN(4, 5, bidirectional=True, device='meta'), b)",
    "train(nn.LSTMCell(4, 5, device='meta'), x)", "train(nn.GRUCell(4, 5, device='meta'), x)",
    "train(nn.MultiheadAttention(4, 2, device='meta'), b, b, b)",
    "train(nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0, device='meta'), b)",
    "train(nn.TransformerDecoderLayer(4, 2, 8, dropout=0.0, device='meta'), b, b)",
    "train(nn.PReLU(device='meta'), x)",
    "train(nn.Sequential(nn.Flatten(), nn.Linear(192, 3, device='meta')), img)",
    # aliases, in-place variants, native_* functions, cells and data access
    "torch.absolute(x)", "torch.arccos(x)", "torch.arcsinh(x)", "torch.arctan2(x, v)",
    "torch.divide(x, 2)", "torch.multiply(x, i)", "torch.subtract(x, 1)", "torch.negative(i)",
    "torch.greater(x, v)", "torch.greater_equal(x, 0)", "torch.less(x, 1)",
    "torch.less_equal(i, x)", "torch.not_equal(x, x)", "torch.ge(x, 0)", "torch.gt(x, 0)",
    "torch.le(x, 0)", "torch.lt(x, 0)", "torch.clamp_min(x, 0)", "torch.clamp_max(x, 1)",
    "torch.concatenate([x, x])", "torch.rad2deg(x)", "torch.bitwise_right_shift(i, 1)",
    "torch.adjoint(c)", "torch.is_conj(c.conj())", "torch.is_neg(x)", "torch.resolve_neg(x)",
    "torch.result_type(x, i)", "torch.broadcast_shapes((3, 1), (4,))",
    "torch.range(0, 4, device='meta')", "torch.fill(x, 2)", "torch.asarray([1, 2], device='meta')",
    "torch.split_with_sizes(x, [1, 2])", "torch.unsafe_split(x, 2, 1)", "torch.unsafe_chunk(x, 2)",
    "torch.unsafe_split_with_sizes(x, [2, 2], 1)", "x.sqrt_()", "x.log_()", "x.floor_()",
    "x.tanh_()", "x.relu_()", "x.clamp_min_(0)", "x.round_()", "x.trunc_()", "x.rsqrt_()",
    "x.square_()", "x.erf_()", "x.sin_()", "x.lerp_(x, 0.5)", "x.copysign_(v)", "x.addcmul_(x, x)",
    "x.masked_fill_(bo, 0.)", "x.xlogy_(x)", "i.gcd_(i)", "x.nan_to_num_()", "x.logit_()",
    "torch.native_batch_norm(img, None, None, None, None, True, 0.1, 1e-5)",
    "torch.native_layer_norm(b, (4,), None, None, 1e-5)",
    "torch.native_group_norm(img, None, None, 2, 3, 64, 1, 1e-5)",
    "torch.native_dropout(x, 0.5, True)",
    "torch.lstm_cell(x, (u[:, None].expand(3, 5), u[:, None].expand(3, 5)), torch.empty(20, 4, "
    "device='meta'), torch.empty(20, 5, device='meta'))",
    "torch.gru_cell(x, u[:, None].expand(3, 5), torch.empty(15, 4, device='meta'), "
    "torch.empty(15, 5, device='meta'))",
    "torch.rnn_tanh_cell(x, u[:, None].expand(3, 5), torch.empty(5, 4, device='meta'), "
    "torch.empty(5, 5, device='meta'))",
    "torch.rnn_relu_cell(x, u[:, None].expand(3, 5), torch.empty(5, 4, device='meta'), "
    "torch.empty(5, 5, device='meta'))",
    "torch.convolution(img, torch.empty(4, 3, 3, 3, device='meta'), None, (1, 1), (0, 0), (1, "
    "1), False, (0, 0), 1)",
    "torch.constant_pad_nd(x, (1, 1))",
    "torch.channel_shuffle(torch.empty(1, 4, 2, 2, device='meta'), 2)",
    "torch.native_channel_shuffle(torch.empty(1, 4, 2, 2, device='meta'), 2)",
    "F.channel_shuffle(torch.empty(1, 4, 2, 2, device='meta'), 2)", "F.dropout1d(seq)",
    "F.dropout3d(vol)", "F.feature_alpha_dropout(img, 0.5, True)", "F.lp_pool1d(seq, 2, 2)",
    "F.lp_pool3d(vol, 2, 2)", "F.max_unpool1d(*F.max_pool1d(seq, 2, return_indices=True), 2)",
    "F.max_unpool3d(*F.max_pool3d(vol, 2, return_indices=True), 2)",
    "F.adaptive_max_pool3d(vol, 2)", "F.adaptive_max_pool2d_with_indices(img, 3)",
    "F.max_pool1d_with_indices(seq, 2)", "F.max_pool3d_with_indices(vol, 2)",
    "F.fractional_max_pool2d(img, 2, output_size=3)",
    "F.fractional_max_pool3d(vol, 2, output_size=2)",
    "F.triplet_margin_with_distance_loss(x, x, x)", "F.upsample(img, scale_factor=2)",
    "F.upsample_nearest(img, scale_factor=2)", "F.upsample_bilinear(img, scale_factor=2)",
    "F.log_softmax(x, 1)", "F.hardtanh_(x)", "F.elu_(x)", "F.leaky_relu_(x)",
    "F.threshold_(x, 0.5, 0.)", "F.selu_(x)", "F.celu_(x)", "F.rrelu_(x)",
    "torch.embedding_renorm_(y, lab, 1.0, 2.0)",
    "torch.grid_sampler(img, torch.empty(2, 5, 5, 2, device='meta'), 0, 0, False)",
    "torch.grid_sampler_2d(img, torch.empty(2, 5, 5, 2, device='meta'), 0, 0, False)",
    "torch.grid_sampler_3d(vol, torch.empty(1, 2, 2, 2, 3, device='meta'), 0, 0, False)",
    "torch.affine_grid_generator(torch.empty(2, 2, 3, device='meta'), (2, 3, 5, 5), False)",
    "L.matmul(x, y)",
    "torch.gru(b, u[None, :, None].expand(1, 3, 5), [torch.empty(15, 4, device='meta'), "
    "torch.empty(15, 5, device='meta'), torch.empty(15, device='meta'), torch.empty(15, "
    "device='meta')], True, 1, 0.0, True, False, False)",
    "torch.rnn_tanh(b, u[None, :, None].expand(1, 3, 5), [torch.empty(5, 4, device='meta'), "
    "torch.empty(5, 5, device='meta')], False, 1, 0.0, True, False, False)",
    "torch.tensor_split(x, ix, 1)", "torch.bernoulli(x, generator=torch.Generator())",
    "torch.poisson(x, generator=torch.Generator())", "torch.multinomial(v, 2, replacement=True)",
    "torch.normal(0., 1., (2, 3), device='meta')",
    "torch.randn(2, 3, generator=torch.Generator(), device='meta')",
    "torch.empty(2, 3, device='meta').random_(0, 5, generator=torch.Generator())",
    "x.t().contiguous().storage_offset()", "x[2:].storage_offset()", "x.is_contiguous()",
    "img.is_contiguous(memory_format=torch.channels_last)", "x.grad", "w.grad", "repr(x)",
    "str(z)", "format(z)", "x.new(2)", "torch.Tensor(2).to('meta')", "torch.tensor(x)",
    "x.requires_grad_().sum().backward()", "x.to(torch.device('meta'), copy=True)",
    "torch.empty(3, device='meta').tolist()",
    "torch.conv_tbc(torch.empty(10, 2, 3, device='meta'), torch.empty(3, 3, 4, device='meta'), "
    "torch.empty(4, device='meta'))",
    "grads(lambda a: F.fractional_max_pool2d(a, 2, output_size=3), img)",
    # nn modules built on meta: forward, backward and parameter gradients
    "train(nn.ConvTranspose1d(3, 2, 3, device='meta'), seq)",
    "train(nn.ConvTranspose3d(2, 2, 2, device='meta'), vol)",
    "train(nn.Transformer(8, 2, 1, 1, 16, dropout=0.0, device='meta'), torch.empty(3, 2, 8, "
    "device='meta'), torch.empty(4, 2, 8, device='meta'))",
    "train(nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 16, device='meta'), 2), "
    "torch.empty(3, 2, 8, device='meta'), torch.empty(4, 2, 8, device='meta'))",
    "train(nn.RNNCell(4, 5, device='meta'), x)", "train(nn.LayerNorm((3, 4), device='meta'), b)",
    "train(nn.GroupNorm(3, 3, device='meta'), img)",
    "train(nn.InstanceNorm1d(3, affine=True, device='meta'), seq)",
    "train(nn.BatchNorm3d(2, device='meta'), vol)", "train(nn.LocalResponseNorm(2), img)",
    "train(nn.Softmax2d(), img)", "train(nn.Upsample(scale_factor=2, mode='bilinear'), img)",
    "train(nn.PixelShuffle(2), torch.empty(1, 8, 3, 3, device='meta'))",
    "train(nn.Unfold(3), img)", "train(nn.Fold(4, 2), torch.empty(1, 12, 9, device='meta'))",
    "train(nn.AdaptiveAvgPool2d(3), img)", "train(nn.MaxPool2d(2), img)",
    "train(nn.AvgPool3d(2), vol)", "train(nn.LPPool2d(2, 2), img)", "train(nn.Dropout(0.5), x)",
    "train(nn.AlphaDropout(0.5), x)",
    "train(nn.Embedding(10, 3, padding_idx=0, device='meta'), i)",
    "train(nn.Embedding(10, 3, max_norm=1.0, device='meta'), i)",
    "train(nn.EmbeddingBag(10, 3, mode='max', device='meta'), i)",
    "train(nn.LSTM(4, 5, proj_size=2, device='meta'), b)",
    "train(nn.GRU(4, 5, bidirectional=True, num_layers=2, device='meta'), b)",
    "train(nn.MultiheadAttention(4, 2, batch_first=True, device='meta'), b, b, b)",
    "train(nn.MultiheadAttention(4, 2, kdim=3, vdim=5, device='meta'), b, torch.empty(2, 3, 3, "
    "device='meta'), torch.empty(2, 3, 5, device='meta'))",
    "train(nn.CrossEntropyLoss(), x, lab)", "train(nn.MSELoss(), x, x)",
    "train(nn.NLLLoss(), x, lab)", "train(nn.BCEWithLogitsLoss(), x, x)",
    "train(nn.HuberLoss(), x, x)", "train(nn.KLDivLoss(reduction='batchmean'), x, x)",
    "train(nn.CosineSimilarity(), x, x)", "train(nn.PairwiseDistance(), x, x)",
    "train(nn.Flatten(0), img)", "train(nn.Unflatten(1, (2, 2)), x)", "train(nn.Identity(), x)",
    "train(nn.GELU(), x)", "train(nn.SiLU(), x)", "train(nn.Hardswish(), x)",
    "train(nn.PReLU(3, device='meta'), img)", "train(nn.Softmax(1), x)",
    "train(nn.LogSoftmax(1), x)", "train(nn.Tanh(), x)", "train(nn.Mish(), x)",
    "train(nn.GLU(), x)", "train(nn.ZeroPad2d(1), img)", "train(nn.ReflectionPad1d(2), seq)",
    "train(nn.ReplicationPad3d(1), vol)", "train(nn.CircularPad2d(1), img)",
    "train(nn.ConstantPad1d(2, 1.), seq)",
    "train(nn.ChannelShuffle(3), torch.empty(1, 6, 2, 2, device='meta'))",
    "train(nn.FractionalMaxPool2d(2, output_size=3), img)",
    "train(nn.MaxUnpool2d(2), *F.max_pool2d(img, 2, return_indices=True))",
    "train(nn.AdaptiveMaxPool1d(3), seq)", "train(nn.TripletMarginLoss(), x, x, x)",
    "train(nn.MarginRankingLoss(), u, u, u)", "train(nn.MultiLabelSoftMarginLoss(), x, x)",
    "train(nn.GaussianNLLLoss(), x, x, x)", "train(nn.PoissonNLLLoss(), x, x)",
    "train(nn.SmoothL1Loss(), x, x)", "train(nn.CosineEmbeddingLoss(), x, x, u)",
    "train(nn.HingeEmbeddingLoss(), x, x)", "train(nn.SoftMarginLoss(), x, x)",
    "train(nn.MultiMarginLoss(), x, lab)", "train(nn.BCELoss(), torch.sigmoid(x), x)",
    "train(nn.L1Loss(), x, x)", "train(nn.RMSNorm((3, 4), device='meta'), b)",
    "train(nn.Conv2d(3, 6, 3, groups=3, padding='same', device='meta'), img)",
    "train(nn.Conv1d(3, 4, 3, padding=2, padding_mode='reflect', device='meta'), seq)",
    "train(nn.Conv2d(3, 4, 3, dilation=2, stride=2, padding_mode='circular', padding=1, "
    "device='meta'), img)",
    "train(nn.ConvTranspose2d(3, 4, 3, stride=2, output_padding=1, device='meta'), img)",
    "train(nn.Linear(4, 3, bias=False, device='meta', dtype=torch.float64), d)",
    "train(nn.Linear(4, 3, device='meta', dtype=torch.float16), h)",
    "train(nn.Sequential(nn.Conv2d(3, 8, 3, device='meta'), nn.BatchNorm2d(8, device='meta'), "
    "nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 2, device='meta')), img)",
    # layouts: elementwise results follow their inputs' memory order, as TensorIterator's do
    "xt + x", "xt * 2", "xt + v", "torch.where(bo, xt, 0.)", "b.permute(2, 0, 1).exp()",
    "b.permute(2, 0, 1).sum(0)", "xt[:, ::2].exp()", "b.transpose(0, 1) * b.transpose(0, 1)",
    "img.contiguous(memory_format=torch.channels_last) + 1",
    "img.contiguous(memory_format=torch.channels_last).relu()",
    "torch.zeros_like(img.contiguous(memory_format=torch.channels_last))", "F.relu(xt)",
    "xt.clamp(0, 1)", "F.gelu(xt)", "torch.flip(xt, [0])", "torch.gather(xt, 1, i)",
    "xt.expand(2, 3, 4) + 1", "torch.rand_like(xt)", "xt.exp_()", "xt.add_(1)",
    "torch.exp(xt, out=torch.empty(0, device='meta'))",
    "torch.add(x, 1, out=torch.empty(3, 4, device='meta'))",
    "torch.sum(x, 0, out=torch.empty(4, device='meta'))",
]

# Results whose strides differ from PyTorch's on every device, not on meta alone (ember's meta
# tensors take the layout ember's CPU kernels give): compared without strides.
LAPACK_LAYOUT = ("PyTorch's LAPACK-backed kernels return column-major matrices; ember's "
                 "linear algebra returns row-major ones on every device")
META_LAYOUT_DIFFERS = {
    **{expression: LAPACK_LAYOUT for expression in [
        "L.inv(s)", "L.inv(bs)", "torch.inverse(s)", "L.inv_ex(s)", "L.cholesky(s)",
        "L.cholesky(bs, upper=True)", "L.cholesky_ex(s)", "L.qr(x)", "L.qr(y, mode='complete')",
        "L.qr(x, mode='r')", "L.svd(x)", "L.svd(y, full_matrices=False)", "L.eigh(s)",
        "L.solve(bs, y)", "L.solve_ex(s, y)", "L.solve_triangular(s, y, upper=True)",
        "L.lu_factor(s)", "L.lu_factor_ex(bs)", "L.lu_solve(*L.lu_factor(s), y)",
        "L.householder_product(y.t(), v)", "L.tensorinv(torch.empty(4, 6, 8, 3, device='meta'), 2)",
        "torch.cholesky_solve(y, s)", "torch.cholesky_inverse(s)", "torch.triangular_solve(y, s)",
        "torch.lu(s)", "torch.qr(x)", "torch.svd(x)", "torch.orgqr(y.t(), v)", "L.inv(d[:3, :3])",
        "L.inv(c[:3, :3])", "L.eigh(c[:3, :3])", "L.svd(c)", "grads(lambda a: L.det(a), s)"]},
    "x.nonzero_static(size=3)": "PyTorch's nonzero results are column-major; ember's row-major",
    "grads(lambda a: a.exp().mean(), xt)": "PyTorch's AccumulateGrad restrides a leaf's gradient "
                                           "like the leaf; ember's engine keeps the gradient's "
                                           "own layout",
}

# Where ember's meta tensors deliberately answer differently from PyTorch's: expected outcome
# in ember, and why.
META_DEVIATIONS = {
    "torch.mm(x, y.double())": ("RuntimeError", "PyTorch's meta kernel for mm skips the dtype "
                                "check its CPU kernel makes; ember makes it on every device"),
    "torch.matmul(x, d.t())": ("RuntimeError", "as for mm: mixed dtypes are refused"),
}


def describe_meta_result(value):
    """What the meta comparison looks at in an op's result (nested for tuples and lists)."""
    if isinstance(value, (torch.Tensor, ember.Tensor)):
        return ("tensor", str(value.dtype).replace("ember.", "torch."), tuple(value.shape),
                value.stride(), value.device.type, value.requires_grad)
    if isinstance(value, (tuple, list)):
        return tuple(describe_meta_result(v) for v in value)
    if isinstance(value, (torch.Size, ember.Size)):
        return tuple(value)
    if isinstance(value, (torch.device, ember.device)):
        return str(value)
    if isinstance(value, (bool, int, float, str, type(None))):
        return value
    return type(value).__name__


def meta_outcome(lib, expression: str):
    """``expression`` evaluated over ``lib``'s meta inputs: ('ok', description) or
    ('error', exception type name)."""
    names = meta_op_inputs(lib)
    try:
        result = eval(expression, {"torch": lib, **names})
    except Exception as exc:  # noqa: BLE001 - the exception type is the result being compared
        return "error", type(exc).__name__
    return "ok", describe_meta_result(result)


def without_strides(description):
    """An outcome description with the strides of every tensor left out."""
    if isinstance(description, tuple) and description and description[0] == "tensor":
        return description[:3] + description[4:]
    if isinstance(description, tuple):
        return tuple(without_strides(part) for part in description)
    return description


def same_outcome(got, expected, expression: str = "") -> bool:
    """Whether ember's outcome of ``expression`` is PyTorch's (strides aside where ember's
    layouts differ from PyTorch's on every device)."""
    if expression in META_LAYOUT_DIFFERS:
        return without_strides(got) == without_strides(expected)
    return got == expected


@pytest.mark.parametrize("expression", META_OPS)
def test_meta_op_matches_torch(expression):
    expected = meta_outcome(torch, expression)
    got = meta_outcome(ember, expression)
    assert same_outcome(got, expected, expression), f"ember {got}\ntorch {expected}"


@pytest.mark.parametrize("expression", sorted(META_DEVIATIONS))
def test_meta_op_deviations_are_deliberate(expression):
    error, _reason = META_DEVIATIONS[expression]
    assert error == "RuntimeError"
    assert meta_outcome(ember, expression) == ("error", error)
    # The same call on CPU tensors fails the same way in both libraries.
    for lib in (ember, torch):
        with pytest.raises(RuntimeError):
            eval(expression, {"torch": lib, **meta_op_inputs(lib, "cpu")})


def test_meta_layout_exemptions_are_about_layout_only():
    # Outcomes, shapes, dtypes and devices of the exempted ops still agree exactly.
    for expression in META_LAYOUT_DIFFERS:
        got, expected = meta_outcome(ember, expression), meta_outcome(torch, expression)
        assert got[0] == expected[0] == "ok"
        assert without_strides(got) == without_strides(expected), expression


# -- models built on meta, then materialized ------------------------------------------------------

META_MODULES = {
    "Linear": lambda nn: nn.Linear(4, 3, device="meta"),
    "Conv2d": lambda nn: nn.Conv2d(3, 4, 3, device="meta"),
    "LSTM": lambda nn: nn.LSTM(4, 5, 2, device="meta"),
    "GRU": lambda nn: nn.GRU(4, 5, device="meta"),
    "TransformerEncoderLayer": lambda nn: nn.TransformerEncoderLayer(8, 2, 16, device="meta"),
    "MultiheadAttention": lambda nn: nn.MultiheadAttention(8, 2, device="meta"),
    "BatchNorm2d": lambda nn: nn.BatchNorm2d(3, device="meta"),
    "Embedding": lambda nn: nn.Embedding(10, 3, device="meta"),
}


def describe_state(module) -> list:
    return [(name, value.device.type, tuple(value.shape),
             str(value.dtype).replace("ember.", "torch."), value.requires_grad,
             type(value).__name__)
            for name, value in module.state_dict(keep_vars=True).items()]


@pytest.mark.parametrize("name", sorted(META_MODULES))
def test_meta_module_to_empty(name):
    got, expected = [], []
    for lib, into in ((ember, got), (torch, expected)):
        module = META_MODULES[name](lib.nn)
        into.append(describe_state(module))
        assert module.to_empty(device="cpu") is module
        into.append(describe_state(module))
        for parameter in module.parameters():
            assert isinstance(parameter, lib.nn.Parameter)
    assert got == expected
    assert {entry[1] for entry in got[0]} == {"meta"}
    assert {entry[1] for entry in got[1]} == {"cpu"}


@pytest.mark.parametrize("name", sorted(META_MODULES))
def test_meta_module_load_state_dict_assign(name):
    results = []
    for lib in (ember, torch):
        lib.manual_seed(0)
        source = META_MODULES[name](lib.nn).to_empty(device="cpu")
        state = {key: lib.full(value.shape, 0.5, dtype=value.dtype) if value.is_floating_point()
                 else lib.zeros(value.shape, dtype=value.dtype)
                 for key, value in source.state_dict().items()}
        module = META_MODULES[name](lib.nn)
        missing = module.load_state_dict(state, assign=True)
        # assign=True takes the given tensors themselves (their memory), keeping the
        # module's requires_grad flags; loading by copy into meta tensors keeps them meta.
        shares = [module.state_dict()[key].data_ptr() == value.data_ptr()
                  for key, value in state.items()]
        copied = META_MODULES[name](lib.nn)
        copied.load_state_dict(state)
        results.append((describe_state(module), shares, tuple(missing.missing_keys),
                        tuple(missing.unexpected_keys), describe_state(copied)))
    assert results[0] == results[1]
    assert all(results[0][1])


def test_meta_model_trains_a_step_without_memory():
    tracemalloc.start()
    try:
        layer = ember.nn.TransformerEncoderLayer(1024, 16, 4096, batch_first=True, device="meta")
        optimizer = ember.optim.Adam(layer.parameters())
        out = layer(ember.empty(8, 256, 1024, device="meta"))
        out.sum().backward()
        optimizer.step()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert out.shape == (8, 256, 1024) and out.device.type == "meta"
    assert all(p.grad is not None and p.grad.device.type == "meta" for p in layer.parameters())
    assert peak < 4 * 1024 * 1024  # the activations alone would need tens of megabytes
