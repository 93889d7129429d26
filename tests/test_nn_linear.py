"""Linear layers, F.linear / F.bilinear and the distance functions against PyTorch."""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import ember  # noqa: E402
import ember.nn as enn  # noqa: E402
import ember.nn.functional as EF  # noqa: E402
import torch.nn.functional as TF  # noqa: E402
from ember.autograd import gradcheck, gradgradcheck  # noqa: E402

from parity import assert_same, to_ember  # noqa: E402


def _pair(array, requires_grad=True):
    e = ember.from_numpy(array.copy()).requires_grad_(requires_grad)
    t = torch.from_numpy(array.copy()).requires_grad_(requires_grad)
    return e, t


def _copy_parameters(e_mod, t_mod):
    state = {k: ember.from_numpy(v.detach().numpy().copy()) for k, v in t_mod.state_dict().items()}
    e_mod.load_state_dict(state)


# -- F.linear -------------------------------------------------------------------------------------

LINEAR_CASES = [
    ((5, 4), True), ((5, 4), False), ((2, 3, 4), True), ((2, 3, 4), False), ((4,), True),
    ((4,), False), ((2, 2, 3, 4), True), ("transposed", True), ("transposed", False),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape,with_bias", LINEAR_CASES, ids=str)
def test_linear_matches_torch(shape, with_bias, dtype):
    rng = np.random.default_rng(0)
    if shape == "transposed":
        x_data = rng.standard_normal((4, 2, 3)).astype(dtype)
        e_x, t_x = _pair(x_data)
        e_in, t_in = e_x.permute(1, 2, 0), t_x.permute(1, 2, 0)  # non-contiguous 3-D input
    else:
        x_data = rng.standard_normal(shape).astype(dtype)
        e_x, t_x = _pair(x_data)
        e_in, t_in = e_x, t_x
    e_w, t_w = _pair(rng.standard_normal((6, 4)).astype(dtype))
    e_b, t_b = _pair(rng.standard_normal(6).astype(dtype)) if with_bias else (None, None)
    eo, to = EF.linear(e_in, e_w, e_b), TF.linear(t_in, t_w, t_b)
    tol = 1e-5 if dtype == "float32" else 1e-12
    assert_same(eo, to, rtol=tol, atol=tol)
    assert eo.grad_fn.name() == to.grad_fn.name()
    upstream = rng.standard_normal(tuple(to.shape)).astype(dtype)
    eo.backward(ember.from_numpy(upstream.copy()))
    to.backward(torch.from_numpy(upstream.copy()))
    assert_same(e_x.grad, t_x.grad, rtol=tol, atol=tol)
    assert_same(e_w.grad, t_w.grad, rtol=tol, atol=tol, check_stride=True)
    if with_bias:
        assert_same(e_b.grad, t_b.grad, rtol=tol, atol=tol)


def test_linear_errors_and_gradcheck():
    x, w = ember.ones(64, 784), ember.ones(10, 512)
    message = r"mat1 and mat2 shapes cannot be multiplied \(64x784 and 512x10\)"
    with pytest.raises(RuntimeError, match=message):
        EF.linear(x, w, ember.ones(10))
    with pytest.raises(RuntimeError, match=message):
        TF.linear(torch.ones(64, 784), torch.ones(10, 512), torch.ones(10))
    with pytest.raises(RuntimeError, match=message):
        EF.linear(x, w)
    rng = np.random.default_rng(1)
    inputs = tuple(ember.from_numpy(rng.standard_normal(s)).requires_grad_()
                   for s in [(3, 2, 4), (5, 4), (5,)])
    assert gradcheck(EF.linear, inputs)
    assert gradgradcheck(EF.linear, inputs)
    bilinear_inputs = tuple(ember.from_numpy(rng.standard_normal(s)).requires_grad_()
                            for s in [(3, 2), (3, 4), (5, 2, 4), (5,)])
    assert gradcheck(EF.bilinear, bilinear_inputs)


# -- modules --------------------------------------------------------------------------------------

def test_linear_module_initialization_matches_torch_rng():
    for seed in (0, 7):
        ember.manual_seed(seed)
        torch.manual_seed(seed)
        e_mod, t_mod = enn.Linear(20, 7), torch.nn.Linear(20, 7)
        assert_same(e_mod.weight, t_mod.weight)
        assert_same(e_mod.bias, t_mod.bias)
        ember.manual_seed(seed)
        torch.manual_seed(seed)
        e_bi, t_bi = enn.Bilinear(3, 4, 5), torch.nn.Bilinear(3, 4, 5)
        assert_same(e_bi.weight, t_bi.weight)
        assert_same(e_bi.bias, t_bi.bias)
    e_mod = enn.Linear(3, 2, bias=False, dtype=ember.float64)
    assert e_mod.bias is None and e_mod.weight.dtype == ember.float64
    assert list(e_mod.state_dict()) == ["weight"]
    assert enn.Linear(0, 3).weight.shape == (3, 0)


@pytest.mark.parametrize("make_e,make_t", [
    (lambda: enn.Linear(3, 4), lambda: torch.nn.Linear(3, 4)),
    (lambda: enn.Linear(3, 4, bias=False), lambda: torch.nn.Linear(3, 4, bias=False)),
    (lambda: enn.Bilinear(2, 3, 4), lambda: torch.nn.Bilinear(2, 3, 4)),
    (lambda: enn.Bilinear(2, 3, 4, False), lambda: torch.nn.Bilinear(2, 3, 4, False)),
    (lambda: enn.LazyLinear(4), lambda: torch.nn.LazyLinear(4)),
    (lambda: enn.Identity(3, a=2), lambda: torch.nn.Identity(3, a=2)),
    (lambda: enn.CosineSimilarity(), lambda: torch.nn.CosineSimilarity()),
    (lambda: enn.CosineSimilarity(0, 1e-6), lambda: torch.nn.CosineSimilarity(0, 1e-6)),
    (lambda: enn.PairwiseDistance(1, 1e-3, True), lambda: torch.nn.PairwiseDistance(1, 1e-3, True)),
], ids=["linear", "linear_nobias", "bilinear", "bilinear_nobias", "lazy", "identity", "cos",
        "cos_args", "pairwise"])
def test_module_reprs_and_state_dict_keys(make_e, make_t):
    e_mod, t_mod = make_e(), make_t()
    assert repr(e_mod) == repr(t_mod)
    assert list(e_mod.state_dict()) == list(t_mod.state_dict())
    for key in getattr(type(t_mod), "__constants__", []):
        assert getattr(e_mod, key) == getattr(t_mod, key)


def test_linear_and_bilinear_modules_forward_backward():
    torch.manual_seed(0)
    t_lin, t_bi = torch.nn.Linear(4, 3), torch.nn.Bilinear(4, 2, 3)
    e_lin, e_bi = enn.Linear(4, 3), enn.Bilinear(4, 2, 3)
    _copy_parameters(e_lin, t_lin)
    _copy_parameters(e_bi, t_bi)
    rng = np.random.default_rng(2)
    e_x, t_x = _pair(rng.standard_normal((2, 5, 4)).astype(np.float32))
    e_z, t_z = _pair(rng.standard_normal((2, 5, 2)).astype(np.float32))
    eo = e_bi(e_lin(e_x).relu().matmul(ember.ones(3, 4)), e_z)
    to = t_bi(t_lin(t_x).relu().matmul(torch.ones(3, 4)), t_z)
    assert_same(eo, to)
    eo.sum().backward()
    to.sum().backward()
    for e, t in [(e_x, t_x), (e_z, t_z), (e_lin.weight, t_lin.weight), (e_lin.bias, t_lin.bias),
                 (e_bi.weight, t_bi.weight), (e_bi.bias, t_bi.bias)]:
        assert_same(e.grad, t.grad)
    identity = enn.Identity()
    assert identity(e_x) is e_x


def test_lazy_linear_becomes_linear():
    ember.manual_seed(3)
    torch.manual_seed(3)
    e_mod, t_mod = enn.LazyLinear(5), torch.nn.LazyLinear(5)
    assert e_mod.has_uninitialized_params()
    data = np.random.default_rng(4).standard_normal((2, 6)).astype(np.float32)
    assert_same(e_mod(ember.from_numpy(data.copy())), t_mod(torch.from_numpy(data.copy())))
    assert type(e_mod) is enn.Linear
    assert repr(e_mod) == repr(t_mod)
    assert e_mod.in_features == 6
    loaded = enn.LazyLinear(5)
    loaded.load_state_dict(e_mod.state_dict())
    assert_same(loaded(ember.from_numpy(data.copy())), t_mod(torch.from_numpy(data.copy())))
    assert repr(loaded) == repr(t_mod)
    lazy_nobias = enn.LazyLinear(2, bias=False)
    lazy_nobias(ember.ones(3, 4))
    assert lazy_nobias.bias is None and tuple(lazy_nobias.weight.shape) == (2, 4)


def test_bilinear_errors():
    for args, message in [
        (((3, 2), (3, 4, 1), (5, 2, 4)), "bilinear\\(\\): input dimensions do not match"),
        (((3, 2), (2, 4), (5, 2, 4)), "input batch dimensions do not match"),
        (((3, 3), (3, 4), (5, 2, 4)), "input1 size does not match weight size: got 3 but "
                                      "expected 2"),
        (((3, 2), (3, 3), (5, 2, 4)), "input2 size does not match weight size"),
    ]:
        with pytest.raises(RuntimeError, match=message):
            EF.bilinear(*[ember.ones(*s) for s in args])
        with pytest.raises(RuntimeError, match=message):
            TF.bilinear(*[torch.ones(*s) for s in args])
    with pytest.raises(RuntimeError, match="bias size does not match weight size"):
        EF.bilinear(ember.ones(3, 2), ember.ones(3, 4), ember.ones(5, 2, 4), ember.ones(4))
    assert_same(ember.bilinear(ember.ones(3, 2), ember.ones(3, 4), ember.ones(5, 2, 4), None),
                torch.bilinear(torch.ones(3, 2), torch.ones(3, 4), torch.ones(5, 2, 4), None))


# -- distances ------------------------------------------------------------------------------------

@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, float("inf"), 0.5])
@pytest.mark.parametrize("keepdim", [False, True])
def test_pairwise_distance(p, keepdim):
    rng = np.random.default_rng(5)
    e1, t1 = _pair(rng.standard_normal((4, 6)))
    e2, t2 = _pair(rng.standard_normal((6,)))
    eo = EF.pairwise_distance(e1, e2, p=p, keepdim=keepdim)
    to = TF.pairwise_distance(t1, t2, p=p, keepdim=keepdim)
    assert_same(eo, to)
    eo.sum().backward()
    to.sum().backward()
    assert_same(e1.grad, t1.grad)
    assert_same(e2.grad, t2.grad)
    assert_same(enn.PairwiseDistance(p, 1e-3, keepdim)(e1, e2),
                torch.nn.PairwiseDistance(p, 1e-3, keepdim)(t1, t2))
    assert_same(ember.pairwise_distance(e1[0], e2), torch.pairwise_distance(t1[0], t2))


@pytest.mark.parametrize("dim", [1, 0, -1])
def test_cosine_similarity(dim):
    rng = np.random.default_rng(6)
    e1, t1 = _pair(rng.standard_normal((3, 4, 5)))
    e2, t2 = _pair(rng.standard_normal((1, 4, 5)))
    eo, to = EF.cosine_similarity(e1, e2, dim), TF.cosine_similarity(t1, t2, dim)
    assert_same(eo, to)
    assert eo.grad_fn.name() == to.grad_fn.name() == "SumBackward1"
    eo.sum().backward()
    to.sum().backward()
    assert_same(e1.grad, t1.grad)
    assert_same(e2.grad, t2.grad)
    assert_same(enn.CosineSimilarity(dim)(e1, e2), torch.nn.CosineSimilarity(dim)(t1, t2))
    zero_e, zero_t = ember.zeros(2, 3), torch.zeros(2, 3)
    assert_same(EF.cosine_similarity(zero_e, zero_e), TF.cosine_similarity(zero_t, zero_t))
    ints_e, ints_t = ember.ones(2, 3, dtype=ember.int64), torch.ones(2, 3, dtype=torch.int64)
    assert_same(EF.cosine_similarity(ints_e, ember.ones(2, 3)),
                TF.cosine_similarity(ints_t, torch.ones(2, 3)))
    with pytest.raises(RuntimeError, match="expected common dtype to be floating point"):
        EF.cosine_similarity(ints_e, ints_e)


@pytest.mark.parametrize("p", [2.0, 1.0, 0.0, 3.0, 1.5, float("inf")])
def test_pdist(p):
    rng = np.random.default_rng(7)
    data = rng.standard_normal((5, 3))
    data[3] = data[1]  # a zero distance (its gradient is zero, as in PyTorch)
    e, t = _pair(data)
    eo, to = EF.pdist(e, p), TF.pdist(t, p)
    assert_same(eo, to)
    assert eo.grad_fn.name() == "PdistBackward0"
    upstream = rng.standard_normal(tuple(to.shape))
    eo.backward(ember.from_numpy(upstream.copy()))
    to.backward(torch.from_numpy(upstream.copy()))
    assert_same(e.grad, t.grad)
    assert_same(ember.pdist(e[:1]), torch.pdist(t[:1]))


def test_distance_errors():
    for call, message in [
        (lambda L, F: F.pdist(L.ones(2, 3, 4)), "pdist only supports 2D tensors, got: 3D"),
        (lambda L, F: F.pdist(L.ones(2, 3), -1.0), "pdist only supports non-negative p values"),
        (lambda L, F: F.pdist(L.ones(2, 3, dtype=L.int64)), "pdist only supports floating-point"),
    ]:
        with pytest.raises(RuntimeError, match=message):
            call(ember, EF)
        with pytest.raises(RuntimeError, match=message):
            call(torch, TF)


@pytest.mark.parametrize("p,dim", [(2.0, 1), (1.0, 0), (3.0, -1), (float("inf"), 1)])
def test_normalize(p, dim):
    rng = np.random.default_rng(8)
    data = rng.standard_normal((3, 4))
    data[1] = 0.0  # clamped by eps
    e, t = _pair(data)
    eo, to = EF.normalize(e, p, dim), TF.normalize(t, p, dim)
    assert_same(eo, to)
    assert eo.grad_fn.name() == "DivBackward0"
    eo.sum().backward()
    to.sum().backward()
    assert_same(e.grad, t.grad)
    out_e, out_t = ember.empty(3, 4, dtype=ember.float64), torch.empty(3, 4, dtype=torch.float64)
    EF.normalize(e.detach(), p, dim, out=out_e)
    TF.normalize(t.detach(), p, dim, out=out_t)
    assert_same(out_e, out_t)


@pytest.mark.parametrize("values,num_classes", [([0, 2, 1], -1), ([[0, 2], [1, 1]], 4), (2, 4),
                                                ([], 3)])
def test_one_hot(values, num_classes):
    e, t = ember.tensor(values, dtype=ember.int64), torch.tensor(values, dtype=torch.int64)
    assert_same(EF.one_hot(e, num_classes), TF.one_hot(t, num_classes))


@pytest.mark.parametrize("values,num_classes,dtype,message", [
    ([0, -2, 1], -1, "int64", "Class values must be non-negative."),
    ([0, 2, 1], 2, "int64", "Class values must be smaller than num_classes."),
    ([0.0, 2.0], -1, "float32", "one_hot is only applicable to index tensor of type LongTensor."),
    ([0, 2], -1, "int32", "one_hot is only applicable to index tensor of type LongTensor."),
    ([], -1, "int64", "Can not infer total number of classes from empty tensor."),
])
def test_one_hot_errors(values, num_classes, dtype, message):
    with pytest.raises(RuntimeError, match=message):
        EF.one_hot(ember.tensor(values, dtype=getattr(ember, dtype)), num_classes)
    with pytest.raises(RuntimeError, match=message):
        TF.one_hot(torch.tensor(values, dtype=getattr(torch, dtype)), num_classes)


def test_half_precision_linear_and_distance():
    data = np.random.default_rng(9).standard_normal((3, 4)).astype(np.float32)
    t = torch.from_numpy(data).to(torch.bfloat16)
    e = to_ember(t)
    assert_same(EF.normalize(e), TF.normalize(t), rtol=2e-2, atol=2e-2)
    assert_same(EF.pdist(e.float()), TF.pdist(t.float()), rtol=1e-5, atol=1e-5)


def test_meta_tensors_carry_shapes_through_the_layers():
    model = enn.Sequential(enn.Linear(4, 3, device="meta"), enn.GELU(), enn.Linear(3, 5,
                                                                                    device="meta"))
    x = ember.empty(2, 4, device="meta")
    logits = model(x)
    assert logits.device.type == "meta" and tuple(logits.shape) == (2, 5)
    labels = ember.empty(2, dtype=ember.int64, device="meta")
    loss = EF.cross_entropy(logits, labels, reduction="none")
    assert loss.device.type == "meta" and tuple(loss.shape) == (2,)
    assert tuple(EF.softmax(logits, 1).shape) == (2, 5)
