"""Normalization: F.batch_norm / layer_norm / group_norm / instance_norm / rms_norm /
local_response_norm / normalize and their layers, against PyTorch on identical inputs."""
import warnings
from collections import OrderedDict

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from hypothesis import given, settings, strategies as st  # noqa: E402

import ember  # noqa: E402
import ember.nn as enn  # noqa: E402
import ember.nn.functional as EF  # noqa: E402
import torch.nn.functional as TF  # noqa: E402
from tests.parity import assert_same, to_ember  # noqa: E402

RNG = np.random.default_rng(1234)
TOL = {"float32": 2e-5, "float64": 1e-10}


@pytest.fixture(autouse=True)
def _fresh_rng():
    """Each test draws the same data whether run alone or in the whole file."""
    global RNG
    RNG = np.random.default_rng(1234)


def _pair(shape, dtype="float64", grad=False, scale=1.0, offset=0.0):
    arr = (RNG.standard_normal(shape) * scale + offset).astype(dtype)
    e = ember.from_numpy(arr.copy())
    t = torch.from_numpy(arr.copy())
    if grad:
        e.requires_grad_(True)
        t.requires_grad_(True)
    return e, t


def _opt_pair(shape, dtype, present, grad=True):
    return _pair(shape, dtype, grad) if present else (None, None)


def _backward_both(e_out, t_out, dtype):
    g = RNG.standard_normal(tuple(t_out.shape)).astype(dtype)
    e_out.backward(ember.from_numpy(g.copy()))
    t_out.backward(torch.from_numpy(g.copy()))


def _same_grads(pairs, tol):
    for e, t in pairs:
        if t is None:
            continue
        assert_same(e.grad, t.grad, rtol=tol, atol=tol)


def _module_pair(e_mod, t_mod):
    """Copy torch's parameters and buffers into the ember module."""
    state = OrderedDict((k, to_ember(v)) for k, v in t_mod.state_dict().items())
    e_mod.load_state_dict(state)
    return e_mod, t_mod


# ------------------------------------------------------------------------------------------------
# batch_norm
# ------------------------------------------------------------------------------------------------

BN_SHAPES = [(6, 3), (4, 3, 5), (3, 4, 5, 2), (2, 3, 2, 3, 2)]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", BN_SHAPES)
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_matches_torch(shape, dtype, training, affine):
    tol = TOL[dtype]
    c = shape[1]
    xe, xt = _pair(shape, dtype, True, scale=2.0, offset=0.5)
    we, wt = _opt_pair((c,), dtype, affine)
    be, bt = _opt_pair((c,), dtype, affine)
    rm = RNG.standard_normal(c).astype(dtype)
    rv = RNG.random(c).astype(dtype) + 0.5
    rme, rmt = ember.from_numpy(rm.copy()), torch.from_numpy(rm.copy())
    rve, rvt = ember.from_numpy(rv.copy()), torch.from_numpy(rv.copy())
    ye = EF.batch_norm(xe, rme, rve, we, be, training, 0.2, 1e-4)
    yt = TF.batch_norm(xt, rmt, rvt, wt, bt, training, 0.2, 1e-4)
    assert_same(ye, yt, rtol=tol, atol=tol)
    assert_same(rme, rmt, rtol=tol, atol=tol)
    assert_same(rve, rvt, rtol=tol, atol=tol)
    assert ye.grad_fn.name() == yt.grad_fn.name() == "NativeBatchNormBackward0"
    _backward_both(ye, yt, dtype)
    _same_grads([(xe, xt), (we, wt), (be, bt)], tol * 10)


def test_batch_norm_noncontiguous_and_no_running_stats():
    xe, xt = _pair((5, 4, 6), grad=True)
    ye = EF.batch_norm(xe.transpose(0, 2), None, None, training=True)
    yt = TF.batch_norm(xt.transpose(0, 2), None, None, training=True)
    assert_same(ye, yt)
    _backward_both(ye, yt, "float64")
    _same_grads([(xe, xt)], 1e-10)


def test_batch_norm_half_input_with_float_params():
    xe, xt = _pair((4, 3, 5), "float32")
    we, wt = _pair((3,), "float32")
    ye = EF.batch_norm(xe.half(), None, None, we, None, True)
    yt = TF.batch_norm(xt.half(), None, None, wt, None, True)
    assert_same(ye, yt, rtol=2e-3, atol=2e-3)


def test_native_batch_norm_outputs():
    xe, xt = _pair((4, 3, 5))
    for training in (True, False):
        args = (None, None, torch.zeros(3, dtype=torch.float64),
                torch.ones(3, dtype=torch.float64), training, 0.1, 1e-5)
        eargs = (None, None, ember.zeros(3, dtype=ember.float64),
                 ember.ones(3, dtype=ember.float64), training, 0.1, 1e-5)
        assert_same(ember.native_batch_norm(xe, *eargs), torch.native_batch_norm(xt, *args))
    assert_same(ember.batch_norm(xe, None, None, None, None, True, 0.1, 1e-5, True),
                torch.batch_norm(xt, None, None, None, None, True, 0.1, 1e-5, True))


@pytest.mark.parametrize("call,error", [
    (lambda F, x, T: F.batch_norm(x, T.zeros(4), T.ones(3)), RuntimeError),
    (lambda F, x, T: F.batch_norm(x, T.zeros(3), T.ones(4)), RuntimeError),
    (lambda F, x, T: F.batch_norm(x, None, None, T.ones(4), training=True), RuntimeError),
    (lambda F, x, T: F.batch_norm(x, None, None, None, T.ones(4), training=True), RuntimeError),
    (lambda F, x, T: F.batch_norm(x, None, None, training=False), RuntimeError),
    (lambda F, x, T: F.batch_norm(x[:1, :, :1], None, None, training=True), ValueError),
    (lambda F, x, T: F.batch_norm(x, None, None, training=True, eps=0), ValueError),
    (lambda F, x, T: F.batch_norm(x.long(), None, None, training=True), NotImplementedError),
    (lambda F, x, T: F.batch_norm(x.double(), T.zeros(3), T.ones(3), training=True),
     RuntimeError),
])
def test_batch_norm_errors(call, error):
    xe, xt = _pair((4, 3, 5), "float32")
    with pytest.raises(error) as t_err:
        call(TF, xt, torch)
    with pytest.raises(error) as e_err:
        call(EF, xe, ember)
    assert str(e_err.value).split(",")[0] == str(t_err.value).split(",")[0]


def test_batch_norm_single_value_message():
    x = ember.randn(1, 3)
    with pytest.raises(ValueError, match=r"Expected more than 1 value per channel when "
                       r"training, got input size torch.Size\(\[1, 3\]\)"):
        enn.BatchNorm1d(3)(x)


# ------------------------------------------------------------------------------------------------
# BatchNorm layers
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("cls,shape", [("BatchNorm1d", (8, 3)), ("BatchNorm1d", (4, 3, 5)),
                                       ("BatchNorm2d", (4, 3, 5, 2)),
                                       ("BatchNorm3d", (2, 3, 2, 3, 2))])
@pytest.mark.parametrize("momentum", [0.1, None])
def test_batchnorm_layer_training_steps(cls, shape, momentum):
    t_mod = getattr(torch.nn, cls)(3, momentum=momentum)
    e_mod = getattr(enn, cls)(3, momentum=momentum)
    with torch.no_grad():
        t_mod.weight.uniform_(0.5, 1.5)
        t_mod.bias.uniform_(-1, 1)
    _module_pair(e_mod, t_mod)
    for _ in range(4):
        xe, xt = _pair(shape, "float32", scale=3.0, offset=1.0)
        ye, yt = e_mod(xe), t_mod(xt)
        assert_same(ye, yt, rtol=2e-5, atol=2e-5)
    for key, t_val in t_mod.state_dict().items():
        assert_same(e_mod.state_dict()[key], t_val, rtol=1e-6, atol=1e-6)
    assert int(e_mod.num_batches_tracked) == 4
    assert e_mod.num_batches_tracked.dtype is ember.int64
    e_mod.eval()
    t_mod.eval()
    xe, xt = _pair(shape, "float32", True)
    ye, yt = e_mod(xe), t_mod(xt)
    assert_same(ye, yt, rtol=2e-5, atol=2e-5)
    _backward_both(ye, yt, "float32")
    _same_grads([(xe, xt), (e_mod.weight, t_mod.weight), (e_mod.bias, t_mod.bias)], 2e-5)


def test_batchnorm_without_running_stats_uses_batch_stats_in_eval():
    t_mod = torch.nn.BatchNorm2d(3, track_running_stats=False).eval()
    e_mod = enn.BatchNorm2d(3, track_running_stats=False).eval()
    xe, xt = _pair((2, 3, 4, 4), "float32")
    assert_same(e_mod(xe), t_mod(xt), rtol=2e-5, atol=2e-5)
    assert list(e_mod.state_dict()) == list(t_mod.state_dict()) == ["weight", "bias"]


def test_batchnorm_training_gradients():
    t_mod, e_mod = torch.nn.BatchNorm2d(4), enn.BatchNorm2d(4)
    xe, xt = _pair((3, 4, 5, 5), "float32", True)
    ye, yt = e_mod(xe), t_mod(xt)
    _backward_both(ye, yt, "float32")
    _same_grads([(xe, xt), (e_mod.weight, t_mod.weight), (e_mod.bias, t_mod.bias)], 2e-5)


@pytest.mark.parametrize("cls,shape,message", [
    ("BatchNorm1d", (2, 3, 4, 5), "expected 2D or 3D input (got 4D input)"),
    ("BatchNorm2d", (2, 3, 4), "expected 4D input (got 3D input)"),
    ("BatchNorm3d", (2, 3, 4, 5), "expected 5D input (got 4D input)"),
    ("InstanceNorm1d", (2, 3, 4, 5), "expected 2D or 3D input (got 4D input)"),
    ("InstanceNorm2d", (2, 3), "expected 3D or 4D input (got 2D input)"),
    ("InstanceNorm3d", (2, 3, 4), "expected 4D or 5D input (got 3D input)"),
])
def test_norm_layer_input_dim_errors(cls, shape, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        getattr(torch.nn, cls)(3)(torch.zeros(shape))
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        getattr(enn, cls)(3)(ember.zeros(shape))


REPR_CASES = [
    ("BatchNorm2d", (64,), {}),
    ("BatchNorm1d", (3,), {"momentum": None, "affine": False}),
    ("BatchNorm3d", (5,), {"eps": 1e-3, "track_running_stats": False, "bias": False}),
    ("SyncBatchNorm", (3,), {}),
    ("LazyBatchNorm2d", (), {}),
    ("InstanceNorm1d", (3,), {"affine": True, "track_running_stats": True}),
    ("InstanceNorm2d", (3,), {}),
    ("LazyInstanceNorm3d", (), {}),
    ("LayerNorm", (4,), {}),
    ("LayerNorm", ((3, 4),), {"bias": False, "eps": 1e-6}),
    ("LayerNorm", ([2, 3],), {"elementwise_affine": False}),
    ("GroupNorm", (2, 4), {}),
    ("GroupNorm", (1, 3), {"affine": False}),
    ("RMSNorm", (4,), {}),
    ("RMSNorm", ([2, 4],), {"eps": 1e-3, "elementwise_affine": False}),
    ("LocalResponseNorm", (2,), {}),
    ("LocalResponseNorm", (3, 1e-3, 0.5, 2.0), {}),
]


@pytest.mark.parametrize("cls,args,kwargs", REPR_CASES)
def test_norm_layer_repr_and_state_dict(cls, args, kwargs):
    t_mod = getattr(torch.nn, cls)(*args, **kwargs)
    e_mod = getattr(enn, cls)(*args, **kwargs)
    assert repr(e_mod) == repr(t_mod)
    assert list(e_mod.state_dict()) == list(t_mod.state_dict())
    for key, t_val in t_mod.state_dict().items():
        if not isinstance(t_val, torch.nn.parameter.UninitializedTensorMixin):
            assert_same(e_mod.state_dict()[key], t_val)
    assert [n for n, _ in e_mod.named_buffers()] == [n for n, _ in t_mod.named_buffers()]


def test_batchnorm_loads_checkpoint_without_num_batches_tracked():
    e_mod = enn.BatchNorm1d(3)
    state = e_mod.state_dict()
    del state["num_batches_tracked"]
    state._metadata[""]["version"] = 1
    e_mod.num_batches_tracked.fill_(5)
    result = e_mod.load_state_dict(state)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert int(e_mod.num_batches_tracked) == 5
    # Without metadata (version unknown) the missing key is filled in too, as in PyTorch.
    t_state = OrderedDict((k, v) for k, v in torch.nn.BatchNorm1d(3).state_dict().items()
                          if k != "num_batches_tracked")
    e_state = OrderedDict((k, to_ember(v)) for k, v in t_state.items())
    assert tuple(torch.nn.BatchNorm1d(3).load_state_dict(t_state)) == ([], [])
    assert tuple(enn.BatchNorm1d(3).load_state_dict(e_state)) == ([], [])
    # A current checkpoint (version 2) must have it.
    state = enn.BatchNorm1d(3).state_dict()
    del state["num_batches_tracked"]
    with pytest.raises(RuntimeError, match='Missing key.*"num_batches_tracked"'):
        enn.BatchNorm1d(3).load_state_dict(state)


def test_lazy_batchnorm_infers_features():
    e_mod = enn.LazyBatchNorm2d()
    t_mod = torch.nn.LazyBatchNorm2d()
    xe, xt = _pair((2, 5, 3, 3), "float32")
    assert_same(e_mod(xe), t_mod(xt), rtol=2e-5, atol=2e-5)
    assert type(e_mod) is enn.BatchNorm2d
    assert repr(e_mod) == repr(t_mod)
    assert_same(e_mod.running_var, t_mod.running_var, rtol=1e-6, atol=1e-6)


def test_sync_batchnorm_converts_and_matches():
    inner = enn.BatchNorm1d(2, momentum=None)
    net = enn.Sequential(enn.BatchNorm2d(3), enn.Sequential(inner))
    converted = enn.SyncBatchNorm.convert_sync_batchnorm(net)
    kinds = [type(m).__name__ for m in converted.modules()]
    assert kinds == ["Sequential", "SyncBatchNorm", "Sequential", "SyncBatchNorm"]
    assert converted[1][0].running_mean is inner.running_mean
    assert converted[1][0].momentum is None
    xe, xt = _pair((2, 3, 4, 4), "float32")
    assert_same(enn.SyncBatchNorm(3)(xe), torch.nn.SyncBatchNorm(3)(xt), rtol=2e-5, atol=2e-5)


# ------------------------------------------------------------------------------------------------
# instance_norm
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(2, 3, 5), (2, 3, 4, 5), (2, 3, 2, 3, 4)])
@pytest.mark.parametrize("affine,track", [(False, False), (True, False), (True, True)])
def test_instance_norm_layers(shape, affine, track):
    cls = {3: "InstanceNorm1d", 4: "InstanceNorm2d", 5: "InstanceNorm3d"}[len(shape)]
    t_mod = getattr(torch.nn, cls)(3, affine=affine, track_running_stats=track).double()
    e_mod = getattr(enn, cls)(3, affine=affine, track_running_stats=track,
                              dtype=ember.float64)
    if affine:
        with torch.no_grad():
            t_mod.weight.normal_()
            t_mod.bias.normal_()
    _module_pair(e_mod, t_mod)
    for _ in range(2):
        xe, xt = _pair(shape, grad=True, offset=1.0)
        ye, yt = e_mod(xe), t_mod(xt)
        assert_same(ye, yt)
        assert ye.grad_fn.name() == yt.grad_fn.name()
        _backward_both(ye, yt, "float64")
        _same_grads([(xe, xt)], 1e-10)
    for key, t_val in t_mod.state_dict().items():
        assert_same(e_mod.state_dict()[key], t_val)
    if affine:
        _same_grads([(e_mod.weight, t_mod.weight), (e_mod.bias, t_mod.bias)], 1e-10)
    e_mod.eval()
    t_mod.eval()
    xe, xt = _pair(shape)
    assert_same(e_mod(xe), t_mod(xt))
    # Unbatched input.
    xe, xt = _pair(shape[1:])
    assert_same(e_mod(xe), t_mod(xt))


def test_instance_norm_errors_and_warning():
    with pytest.raises(ValueError, match="more than 1 spatial element"):
        EF.instance_norm(ember.zeros(2, 3, 1))
    with pytest.raises(RuntimeError, match="running_mean and running_var to be defined"):
        EF.instance_norm(ember.zeros(2, 3, 4), use_input_stats=False)
    with pytest.raises(ValueError, match="to match num_features"):
        enn.InstanceNorm1d(4, affine=True)(ember.zeros(2, 3, 5))
    with pytest.warns(UserWarning, match="does not match num_features"):
        enn.InstanceNorm1d(4)(ember.randn(2, 3, 5))


def test_instance_norm_old_checkpoint_running_stats_rejected():
    e_mod = enn.InstanceNorm1d(3)
    state = OrderedDict(running_mean=ember.zeros(3), running_var=ember.ones(3))
    with pytest.raises(RuntimeError, match="Unexpected running stats buffer"):
        e_mod.load_state_dict(state)


# ------------------------------------------------------------------------------------------------
# layer_norm, group_norm, rms_norm
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape,normalized", [((4, 5), (5,)), ((2, 3, 4), (3, 4)),
                                              ((3, 2, 2, 6), (6,)), ((7,), (7,))])
@pytest.mark.parametrize("weight,bias", [(True, True), (True, False), (False, False)])
def test_layer_norm_matches_torch(shape, normalized, weight, bias, dtype):
    tol = TOL[dtype]
    xe, xt = _pair(shape, dtype, True, scale=3.0, offset=2.0)
    we, wt = _opt_pair(normalized, dtype, weight)
    be, bt = _opt_pair(normalized, dtype, bias)
    ye = EF.layer_norm(xe, normalized, we, be, 1e-5)
    yt = TF.layer_norm(xt, normalized, wt, bt, 1e-5)
    assert_same(ye, yt, rtol=tol, atol=tol)
    assert ye.grad_fn.name() == "NativeLayerNormBackward0"
    _backward_both(ye, yt, dtype)
    _same_grads([(xe, xt), (we, wt), (be, bt)], tol * 10)


def test_native_layer_norm_outputs():
    xe, xt = _pair((4, 3, 5))
    assert_same(ember.native_layer_norm(xe, [3, 5], None, None, 1e-5),
                torch.native_layer_norm(xt, [3, 5], None, None, 1e-5))


@settings(max_examples=15, deadline=None)
@given(lead=st.lists(st.integers(1, 3), min_size=0, max_size=2),
       tail=st.lists(st.integers(1, 4), min_size=1, max_size=2))
def test_layer_norm_shapes_hypothesis(lead, tail):
    xe, xt = _pair(tuple(lead + tail))
    assert_same(EF.layer_norm(xe, tail), TF.layer_norm(xt, tail))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape,groups", [((2, 6, 5), 3), ((3, 4, 2, 3), 2), ((3, 4), 2),
                                          ((2, 6, 2, 2, 2), 1)])
@pytest.mark.parametrize("affine", [True, False])
def test_group_norm_matches_torch(shape, groups, affine, dtype):
    tol = TOL[dtype]
    c = shape[1]
    xe, xt = _pair(shape, dtype, True, scale=2.0, offset=-1.0)
    we, wt = _opt_pair((c,), dtype, affine)
    be, bt = _opt_pair((c,), dtype, affine)
    ye = EF.group_norm(xe, groups, we, be)
    yt = TF.group_norm(xt, groups, wt, bt)
    assert_same(ye, yt, rtol=tol, atol=tol)
    assert ye.grad_fn.name() == "NativeGroupNormBackward0"
    _backward_both(ye, yt, dtype)
    _same_grads([(xe, xt), (we, wt), (be, bt)], tol * 10)


def test_native_group_norm_outputs():
    xe, xt = _pair((4, 6, 5))
    assert_same(ember.native_group_norm(xe, None, None, 4, 6, 5, 3, 1e-5),
                torch.native_group_norm(xt, None, None, 4, 6, 5, 3, 1e-5))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("eps", [None, 1e-3])
@pytest.mark.parametrize("weight", [True, False])
def test_rms_norm_matches_torch(dtype, eps, weight):
    tol = TOL[dtype]
    xe, xt = _pair((3, 4, 5), dtype, True)
    we, wt = _opt_pair((4, 5), dtype, weight)
    ye = EF.rms_norm(xe, (4, 5), we, eps)
    yt = TF.rms_norm(xt, (4, 5), wt, eps)
    assert_same(ye, yt, rtol=tol, atol=tol)
    assert ye.grad_fn.name() == yt.grad_fn.name() == "MulBackward0"
    _backward_both(ye, yt, dtype)
    _same_grads([(xe, xt), (we, wt)], tol * 10)


@pytest.mark.parametrize("cls,args,shape", [("LayerNorm", ((3, 4),), (2, 3, 4)),
                                            ("GroupNorm", (2, 6), (3, 6, 4)),
                                            ("RMSNorm", (4,), (2, 3, 4)),
                                            ("LocalResponseNorm", (3,), (2, 5, 4, 3))])
def test_feature_norm_layers(cls, args, shape):
    t_mod = getattr(torch.nn, cls)(*args)
    e_mod = getattr(enn, cls)(*args)
    with torch.no_grad():
        for p in t_mod.parameters():
            p.normal_()
    _module_pair(e_mod, t_mod)
    xe, xt = _pair(shape, "float32", True)
    ye, yt = e_mod(xe), t_mod(xt)
    assert_same(ye, yt, rtol=2e-5, atol=2e-5)
    _backward_both(ye, yt, "float32")
    _same_grads([(xe, xt)] + list(zip(e_mod.parameters(), t_mod.parameters())), 5e-5)


@pytest.mark.parametrize("call,error", [
    (lambda F, x, T: F.layer_norm(x, (4,)), RuntimeError),
    (lambda F, x, T: F.layer_norm(x, (5,), T.ones(4)), RuntimeError),
    (lambda F, x, T: F.layer_norm(x, (5,), T.ones(5), T.ones(4)), RuntimeError),
    (lambda F, x, T: F.layer_norm(x, ()), RuntimeError),
    (lambda F, x, T: F.layer_norm(x.long(), (5,)), NotImplementedError),
    (lambda F, x, T: F.group_norm(x, 2), RuntimeError),
    (lambda F, x, T: F.group_norm(x, 3, T.ones(4)), RuntimeError),
    (lambda F, x, T: F.group_norm(x[0, 0], 1), RuntimeError),
    (lambda F, x, T: F.group_norm(x[:1, :, 0], 3), ValueError),
    (lambda F, x, T: F.rms_norm(x, (4,)), RuntimeError),
    (lambda F, x, T: F.rms_norm(x, (5,), T.ones(4)), RuntimeError),
    (lambda F, x, T: F.local_response_norm(x[0], 2), ValueError),
])
def test_feature_norm_errors(call, error):
    xe, xt = _pair((4, 3, 5), "float32")
    with pytest.raises(error) as t_err:
        call(TF, xt, torch)
    with pytest.raises(error) as e_err:
        call(EF, xe, ember)
    assert str(e_err.value) == str(t_err.value)


def test_group_norm_layer_rejects_indivisible_channels():
    with pytest.raises(ValueError, match=r"num_channels \(5\) must be divisible by num_groups "
                                         r"\(2\)"):
        enn.GroupNorm(2, 5)


# ------------------------------------------------------------------------------------------------
# local_response_norm, normalize
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(2, 5, 4), (2, 6, 3, 3), (1, 4, 2, 2, 3)])
@pytest.mark.parametrize("size", [1, 2, 3, 5])
def test_local_response_norm(shape, size):
    xe, xt = _pair(shape, grad=True)
    ye = EF.local_response_norm(xe, size, 1e-2, 0.75, 2.0)
    yt = TF.local_response_norm(xt, size, 1e-2, 0.75, 2.0)
    assert_same(ye, yt)
    assert ye.grad_fn.name() == yt.grad_fn.name() == "DivBackward0"
    _backward_both(ye, yt, "float64")
    _same_grads([(xe, xt)], 1e-10)


@pytest.mark.parametrize("p,dim", [(2.0, 1), (1.0, 0), (3.0, -1), (float("inf"), 1)])
def test_normalize(p, dim):
    xe, xt = _pair((3, 4, 2), grad=True)
    ye, yt = EF.normalize(xe, p, dim), TF.normalize(xt, p, dim)
    assert_same(ye, yt)
    _backward_both(ye, yt, "float64")
    _same_grads([(xe, xt)], 1e-9)
    zero_e = ember.zeros(2, 3, dtype=ember.float64)
    assert_same(EF.normalize(zero_e), TF.normalize(torch.zeros(2, 3, dtype=torch.float64)))


# ------------------------------------------------------------------------------------------------
# gradcheck / double backward on the functional forms
# ------------------------------------------------------------------------------------------------

def _leaf(shape, offset=0.0):
    return ember.from_numpy(RNG.standard_normal(shape) + offset).requires_grad_(True)


GRADCHECK_CASES = [
    ("batch_norm train", lambda x, w, b: EF.batch_norm(x, None, None, w, b, True), (3, 2, 2)),
    ("batch_norm eval", lambda x, w, b: EF.batch_norm(
        x, ember.tensor([0.1, -0.2], dtype=ember.float64),
        ember.tensor([1.5, 0.7], dtype=ember.float64), w, b, False), (3, 2, 2)),
    ("layer_norm", lambda x, w, b: EF.layer_norm(x, (2, 2), w.reshape(1, 2).expand(2, 2),
                                                 b.reshape(2, 1).expand(2, 2)), (3, 2, 2)),
    ("group_norm", lambda x, w, b: EF.group_norm(x, 1, w, b), (2, 2, 3)),
    ("instance_norm", lambda x, w, b: EF.instance_norm(x, weight=w, bias=b), (2, 2, 3)),
    ("rms_norm", lambda x, w, b: EF.rms_norm(x, (2, 2), w.reshape(1, 2).expand(2, 2)),
     (3, 2, 2)),
    ("local_response_norm", lambda x, w, b: EF.local_response_norm(x * w.reshape(1, 2, 1), 2,
                                                                   0.5, 0.75, 1.0), (2, 2, 3)),
]


@pytest.mark.parametrize("name,fn,shape", GRADCHECK_CASES, ids=[c[0] for c in GRADCHECK_CASES])
def test_gradcheck(name, fn, shape):
    x, w, b = _leaf(shape, 0.3), _leaf((2,), 1.0), _leaf((2,))
    assert ember.autograd.gradcheck(fn, (x, w, b))


@pytest.mark.parametrize("name", ["batch_norm train", "batch_norm eval", "layer_norm",
                                  "group_norm"])
def test_gradgradcheck(name):
    fn, shape = {c[0]: (c[1], c[2]) for c in GRADCHECK_CASES}[name]
    x, w, b = _leaf(shape, 0.3), _leaf((2,), 1.0), _leaf((2,))
    assert ember.autograd.gradgradcheck(fn, (x, w, b))


def test_double_backward_matches_torch():
    xe, xt = _pair((4, 3, 2), grad=True)
    we, wt = _pair((3,), grad=True)
    for fe, ft in [(lambda x, w: EF.batch_norm(x, None, None, w, None, True),
                    lambda x, w: TF.batch_norm(x, None, None, w, None, True)),
                   (lambda x, w: EF.group_norm(x, 3, w),
                    lambda x, w: TF.group_norm(x, 3, w))]:
        ge = ember.autograd.grad((fe(xe, we) ** 3).sum(), (xe, we), create_graph=True)
        gt = torch.autograd.grad((ft(xt, wt) ** 3).sum(), (xt, wt), create_graph=True)
        assert_same(ge[0], gt[0], rtol=1e-9, atol=1e-9)
        se = ember.autograd.grad((ge[0] ** 2).sum() + ge[1].sum(), (xe, we))
        st_ = torch.autograd.grad((gt[0] ** 2).sum() + gt[1].sum(), (xt, wt))
        assert_same(se, st_, rtol=1e-8, atol=1e-8)


def test_running_stats_not_differentiable_and_no_warnings():
    rm, rv = ember.zeros(3), ember.ones(3)
    x = ember.randn(4, 3, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = EF.batch_norm(x, rm, rv, training=True)
    assert not rm.requires_grad and rm._version == 1
    y.sum().backward()
    assert x.grad is not None


# ------------------------------------------------------------------------------------------------
# CrossMapLRN2d (legacy)
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("channels", [1, 2, 3, 7])
@pytest.mark.parametrize("size", [1, 2, 3, 5, 8])
def test_cross_map_lrn2d_forward(channels, size):
    xe, xt = _pair((2, channels, 3, 2))
    e_mod = enn.CrossMapLRN2d(size, 1e-2, 0.75, 2.0)
    t_mod = torch.nn.CrossMapLRN2d(size, 1e-2, 0.75, 2.0)
    assert repr(e_mod) == repr(t_mod)
    assert_same(e_mod(xe), t_mod(xt))


def test_cross_map_lrn2d_gradient_and_errors():
    # Gradients are the exact derivative of the forward (PyTorch's legacy backward is not).
    x = ember.from_numpy(np.random.default_rng(0).standard_normal((1, 4, 2, 2))) \
        .requires_grad_(True)
    assert ember.autograd.gradcheck(enn.CrossMapLRN2d(3, 0.1, 0.75, 1.0), (x,))
    with pytest.raises(ValueError, match="CrossMapLRN2d: Expected input to be 4D, got 3D"):
        enn.CrossMapLRN2d(3)(ember.zeros(1, 2, 3))
