"""Embedding, EmbeddingBag and one_hot against PyTorch: lookups, bag reductions, gradients
(padding rows, frequency scaling, per-sample weights), max_norm renormalization, layers and
errors."""
from collections import OrderedDict

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import ember  # noqa: E402
import ember.nn as enn  # noqa: E402
import ember.nn.functional as EF  # noqa: E402
import torch.nn.functional as TF  # noqa: E402
from tests.parity import assert_same, to_ember  # noqa: E402


def _weights(rows=10, cols=4, dtype="float32", grad=True, seed=0, scale=1.0):
    arr = (np.random.default_rng(seed).standard_normal((rows, cols)) * scale).astype(dtype)
    e, t = ember.from_numpy(arr.copy()), torch.from_numpy(arr.copy())
    if grad:
        e.requires_grad_(True)
        t.requires_grad_(True)
    return e, t


def _indices(values, dtype=np.int64):
    arr = np.asarray(values, dtype=dtype)
    return ember.from_numpy(arr.copy()), torch.from_numpy(arr.copy())


def _backward(ye, yt, seed=1):
    g = np.random.default_rng(seed).standard_normal(tuple(yt.shape)).astype(
        str(yt.dtype).replace("torch.", ""))
    ye.backward(ember.from_numpy(g.copy()))
    yt.backward(torch.from_numpy(g.copy()))


INDEX_CASES = [[1, 2, 4, 2, 9], [[0, 3, 3], [7, 1, 0]], 5, [[[2, 2], [1, 0]], [[9, 9], [9, 3]]]]


@pytest.mark.parametrize("index", INDEX_CASES)
@pytest.mark.parametrize("padding_idx", [None, 2, -1])
@pytest.mark.parametrize("scale_grad_by_freq", [False, True])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_embedding_matches_torch(index, padding_idx, scale_grad_by_freq, dtype):
    we, wt = _weights(dtype=dtype)
    ie, it = _indices(index)
    ye = EF.embedding(ie, we, padding_idx, scale_grad_by_freq=scale_grad_by_freq)
    yt = TF.embedding(it, wt, padding_idx, scale_grad_by_freq=scale_grad_by_freq)
    assert_same(ye, yt)
    assert ye.grad_fn.name() == yt.grad_fn.name() == "EmbeddingBackward0"
    _backward(ye, yt)
    assert_same(we.grad, wt.grad)


def test_embedding_int32_indices_and_top_level():
    we, wt = _weights()
    ie, it = _indices([[1, 5], [0, 9]], np.int32)
    assert_same(EF.embedding(ie, we), TF.embedding(it, wt))
    assert_same(ember.embedding(we, ie, 1, True, False), torch.embedding(wt, it, 1, True, False))


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, float("inf")])
def test_embedding_max_norm_renormalizes_rows_in_place(norm_type):
    we, wt = _weights(scale=3.0, grad=False)
    ie, it = _indices([[1, 2, 1], [7, 0, 4]])
    version = we._version
    ye = EF.embedding(ie, we, max_norm=1.5, norm_type=norm_type)
    yt = TF.embedding(it, wt, max_norm=1.5, norm_type=norm_type)
    assert_same(ye, yt, rtol=1e-6, atol=1e-6)
    assert_same(we, wt, rtol=1e-6, atol=1e-6)  # looked-up rows shrunk, others untouched
    assert we._version > version


def test_embedding_max_norm_with_gradients():
    we, wt = _weights(scale=2.0)
    ie, it = _indices([3, 3, 5])
    ye = EF.embedding(ie, we, max_norm=1.0)
    yt = TF.embedding(it, wt, max_norm=1.0)
    assert_same(ye, yt, rtol=1e-6, atol=1e-6)
    _backward(ye, yt)
    assert_same(we.grad, wt.grad)
    assert_same(ember.embedding_renorm_(we.detach(), ie, 0.5, 2.0),
                torch.embedding_renorm_(wt.detach(), it, 0.5, 2.0), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("call,error", [
    (lambda F, T, w: F.embedding(T.tensor([1, 10]), w), IndexError),
    (lambda F, T, w: F.embedding(T.tensor([1, -1]), w), IndexError),
    (lambda F, T, w: F.embedding(T.tensor([1.0, 2.0]), w), RuntimeError),
    (lambda F, T, w: F.embedding(T.tensor([1, 2]), w[0]), RuntimeError),
    (lambda F, T, w: F.embedding(T.tensor([1]), w, padding_idx=10), AssertionError),
    (lambda F, T, w: F.embedding(T.tensor([1]), w, padding_idx=-11), AssertionError),
])
def test_embedding_errors(call, error):
    we, wt = _weights(grad=False)
    with pytest.raises(error) as t_err:
        call(TF, torch, wt)
    with pytest.raises(error) as e_err:
        call(EF, ember, we)
    assert str(e_err.value) == str(t_err.value)


def test_embedding_index_error_message():
    with pytest.raises(IndexError, match="^index out of range in self$"):
        enn.Embedding(3, 2)(ember.tensor([3]))


# ------------------------------------------------------------------------------------------------
# Embedding layer
# ------------------------------------------------------------------------------------------------

EMBEDDING_REPRS = [((10, 3), {}),
                   ((10, 3), {"padding_idx": 2, "max_norm": 1.0, "norm_type": 1.0,
                              "scale_grad_by_freq": True}),
                   ((10, 3), {"padding_idx": -3}),
                   ((10, 3), {"sparse": True})]


@pytest.mark.parametrize("args,kwargs", EMBEDDING_REPRS)
def test_embedding_layer_repr_init_and_state(args, kwargs):
    ember.manual_seed(3)
    torch.manual_seed(3)
    e_mod, t_mod = enn.Embedding(*args, **kwargs), torch.nn.Embedding(*args, **kwargs)
    assert repr(e_mod) == repr(t_mod)
    assert e_mod.padding_idx == t_mod.padding_idx
    assert list(e_mod.state_dict()) == list(t_mod.state_dict()) == ["weight"]
    # The same seed gives the same N(0, 1) weights (padding row zeroed).
    assert_same(e_mod.weight, t_mod.weight, rtol=3e-7, atol=3e-7)


def test_embedding_layer_forward_backward():
    t_mod = torch.nn.Embedding(8, 5, padding_idx=0)
    e_mod = enn.Embedding(8, 5, padding_idx=0)
    e_mod.load_state_dict(OrderedDict(weight=to_ember(t_mod.weight)))
    ie, it = _indices([[0, 1, 2], [2, 7, 0]])
    ye, yt = e_mod(ie), t_mod(it)
    assert_same(ye, yt)
    _backward(ye, yt)
    assert_same(e_mod.weight.grad, t_mod.weight.grad)
    assert float(e_mod.weight.grad[0].abs().sum()) == 0.0


def test_embedding_from_pretrained():
    arr = np.arange(12, dtype=np.float32).reshape(4, 3)
    e_mod = enn.Embedding.from_pretrained(ember.from_numpy(arr.copy()))
    t_mod = torch.nn.Embedding.from_pretrained(torch.from_numpy(arr.copy()))
    assert not e_mod.weight.requires_grad and not t_mod.weight.requires_grad
    assert repr(e_mod) == repr(t_mod)
    assert_same(e_mod(ember.tensor([3, 0])), t_mod(torch.tensor([3, 0])))
    trainable = enn.Embedding.from_pretrained(ember.from_numpy(arr.copy()), freeze=False,
                                              padding_idx=1)
    assert trainable.weight.requires_grad and trainable.padding_idx == 1
    with pytest.raises(AssertionError, match="expected to be 2-dimensional"):
        enn.Embedding.from_pretrained(ember.zeros(3))
    with pytest.raises(AssertionError, match="Shape of weight does not match"):
        enn.Embedding(3, 4, _weight=ember.zeros(3, 2))
    with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
        enn.Embedding(3, 2, padding_idx=3)


# ------------------------------------------------------------------------------------------------
# embedding_bag
# ------------------------------------------------------------------------------------------------

FLAT = [1, 2, 4, 5, 4, 3, 2, 0, 9, 2, 2, 7]
OFFSETS = [0, 3, 3, 7, 10]  # bag 1 is empty


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("padding_idx", [None, 2])
@pytest.mark.parametrize("include_last_offset", [False, True])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_embedding_bag_matches_torch(mode, padding_idx, include_last_offset, dtype):
    we, wt = _weights(dtype=dtype)
    ie, it = _indices(FLAT)
    offsets = OFFSETS + [len(FLAT)] if include_last_offset else OFFSETS
    oe, ot = _indices(offsets)
    ye = EF.embedding_bag(ie, we, oe, mode=mode, padding_idx=padding_idx,
                          include_last_offset=include_last_offset)
    yt = TF.embedding_bag(it, wt, ot, mode=mode, padding_idx=padding_idx,
                          include_last_offset=include_last_offset)
    assert_same(ye, yt)
    assert ye.grad_fn.name() == yt.grad_fn.name() == "EmbeddingBagBackward0"
    _backward(ye, yt)
    assert_same(we.grad, wt.grad)


@pytest.mark.parametrize("mode", ["sum", "mean"])
def test_embedding_bag_scale_grad_by_freq(mode):
    # PyTorch 2.13's CPU kernel divides by the count of the wrong index (pytorch#190063, fixed
    # upstream); ember divides each index's gradient by its own frequency, as Embedding and
    # the CUDA kernel do.  The reference is that composition built from torch ops.
    we, wt = _weights()
    ie, it = _indices(FLAT)
    oe, ot = _indices(OFFSETS)
    ye = EF.embedding_bag(ie, we, oe, mode=mode, scale_grad_by_freq=True)
    bag_of = torch.searchsorted(ot, torch.arange(len(FLAT)), right=True) - 1
    rows = TF.embedding(it, wt, scale_grad_by_freq=True)
    sizes = torch.bincount(bag_of, minlength=len(OFFSETS)).clamp_min(1).unsqueeze(1)
    yt = torch.zeros(len(OFFSETS), 4).index_add(0, bag_of, rows)
    if mode == "mean":
        yt = yt / sizes
    assert_same(ye, yt, rtol=1e-6, atol=1e-6)
    _backward(ye, yt)
    assert_same(we.grad, wt.grad, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("padding_idx", [None, 4])
def test_embedding_bag_per_sample_weights(padding_idx):
    we, wt = _weights()
    ie, it = _indices(FLAT)
    oe, ot = _indices(OFFSETS)
    psw = np.random.default_rng(5).standard_normal(len(FLAT)).astype(np.float32)
    pe = ember.from_numpy(psw.copy()).requires_grad_(True)
    pt = torch.from_numpy(psw.copy()).requires_grad_(True)
    ye = EF.embedding_bag(ie, we, oe, mode="sum", per_sample_weights=pe,
                          padding_idx=padding_idx)
    yt = TF.embedding_bag(it, wt, ot, mode="sum", per_sample_weights=pt,
                          padding_idx=padding_idx)
    assert_same(ye, yt)
    _backward(ye, yt)
    assert_same(we.grad, wt.grad)
    assert_same(pe.grad, pt.grad)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_2d_input_and_outputs(mode):
    we, wt = _weights()
    ie, it = _indices([[1, 2, 4], [5, 5, 0]])
    assert_same(EF.embedding_bag(ie, we, mode=mode), TF.embedding_bag(it, wt, mode=mode))
    flat_e, flat_t = _indices(FLAT)
    off_e, off_t = _indices(OFFSETS)
    mode_id = {"sum": 0, "mean": 1, "max": 2}[mode]
    assert_same(ember.embedding_bag(we, flat_e, off_e, False, mode_id, False, None, False, 2),
                torch.embedding_bag(wt, flat_t, off_t, False, mode_id, False, None, False, 2))


def test_embedding_bag_max_mode_ties_pick_first():
    arr = np.array([[1.0, 5.0], [1.0, 2.0], [3.0, 5.0]], np.float32)
    we = ember.from_numpy(arr.copy()).requires_grad_(True)
    wt = torch.from_numpy(arr.copy()).requires_grad_(True)
    ie, it = _indices([1, 0, 2, 0])
    oe, ot = _indices([0, 2])
    ye = EF.embedding_bag(ie, we, oe, mode="max")
    yt = TF.embedding_bag(it, wt, ot, mode="max")
    assert_same(ye, yt)
    _backward(ye, yt)
    assert_same(we.grad, wt.grad)


@pytest.mark.parametrize("call,error", [
    (lambda F, T, w: F.embedding_bag(T.tensor([1, 10]), w, T.tensor([0])), RuntimeError),
    (lambda F, T, w: F.embedding_bag(T.tensor([1, 2]), w, T.tensor([1])), RuntimeError),
    (lambda F, T, w: F.embedding_bag(T.tensor([1, 2]), w, T.tensor([0, 3])), RuntimeError),
    (lambda F, T, w: F.embedding_bag(T.tensor([1, 2]), w), ValueError),
    (lambda F, T, w: F.embedding_bag(T.tensor([[1, 2]]), w, T.tensor([0])), ValueError),
    (lambda F, T, w: F.embedding_bag(T.tensor([[[1]]]), w), ValueError),
    (lambda F, T, w: F.embedding_bag(T.tensor([1, 2]), w, T.tensor([[0]])), ValueError),
    (lambda F, T, w: F.embedding_bag(T.tensor([1, 2]), w, T.tensor([0]), mode="min"),
     ValueError),
    (lambda F, T, w: F.embedding_bag(T.tensor([1, 2]), w, T.tensor([0]), mode="max",
                                     scale_grad_by_freq=True), ValueError),
    (lambda F, T, w: F.embedding_bag(T.tensor([1, 2]), w, T.tensor([0]), mode="mean",
                                     per_sample_weights=T.ones(2)), NotImplementedError),
    (lambda F, T, w: F.embedding_bag(T.tensor([1, 2]), w, T.tensor([0]),
                                     per_sample_weights=T.ones(3)), ValueError),
    (lambda F, T, w: F.embedding_bag(T.tensor([1.0, 2.0]), w, T.tensor([0])), RuntimeError),
    (lambda F, T, w: F.embedding_bag(T.tensor([1, 2]), w[0], T.tensor([0])), ValueError),
])
def test_embedding_bag_errors(call, error):
    we, wt = _weights(grad=False)
    with pytest.raises(error) as t_err:
        call(TF, torch, wt)
    with pytest.raises(error) as e_err:
        call(EF, ember, we)
    # Messages that print the Python type of a tensor name each library's class.
    assert str(e_err.value).split("<class")[0] == str(t_err.value).split("<class")[0]


EMBEDDING_BAG_REPRS = [((10, 3), {}),
                       ((10, 3), {"mode": "max", "padding_idx": 0, "include_last_offset": True,
                                  "max_norm": 2.0}),
                       ((10, 3), {"mode": "sum", "norm_type": 1.0, "scale_grad_by_freq": True,
                                  "padding_idx": -2})]


@pytest.mark.parametrize("args,kwargs", EMBEDDING_BAG_REPRS)
def test_embedding_bag_layer(args, kwargs):
    ember.manual_seed(4)
    torch.manual_seed(4)
    e_mod = enn.EmbeddingBag(*args, **kwargs)
    t_mod = torch.nn.EmbeddingBag(*args, **kwargs)
    assert repr(e_mod) == repr(t_mod)
    assert_same(e_mod.weight, t_mod.weight, rtol=3e-7, atol=3e-7)
    e_mod.load_state_dict(OrderedDict(weight=to_ember(t_mod.weight)))
    ie, it = _indices([1, 2, 3, 4, 5, 6])
    offsets = [0, 2, 6] if kwargs.get("include_last_offset") else [0, 2]
    oe, ot = _indices(offsets)
    ye, yt = e_mod(ie, oe), t_mod(it, ot)
    assert_same(ye, yt, rtol=1e-6, atol=1e-6)
    _backward(ye, yt)
    assert_same(e_mod.weight.grad, t_mod.weight.grad, rtol=1e-6, atol=1e-6)


def test_embedding_bag_from_pretrained():
    arr = np.arange(12, dtype=np.float32).reshape(4, 3)
    e_mod = enn.EmbeddingBag.from_pretrained(ember.from_numpy(arr.copy()), mode="sum")
    t_mod = torch.nn.EmbeddingBag.from_pretrained(torch.from_numpy(arr.copy()), mode="sum")
    assert not e_mod.weight.requires_grad
    assert repr(e_mod) == repr(t_mod)
    ie, it = _indices([[0, 1], [2, 3]])
    assert_same(e_mod(ie), t_mod(it))


# ------------------------------------------------------------------------------------------------
# gradcheck / double backward
# ------------------------------------------------------------------------------------------------

def _leaf(shape, seed=0):
    return ember.from_numpy(np.random.default_rng(seed).standard_normal(shape)) \
        .requires_grad_(True)


def test_gradcheck_embedding():
    w = _leaf((5, 3))
    idx = ember.tensor([[0, 2, 2], [4, 1, 0]])
    assert ember.autograd.gradcheck(lambda w: EF.embedding(idx, w), (w,))
    assert ember.autograd.gradgradcheck(lambda w: EF.embedding(idx, w) ** 2, (w,))


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_gradcheck_embedding_bag(mode):
    w = _leaf((6, 2))
    idx = ember.tensor([0, 2, 2, 5, 1, 3])
    offsets = ember.tensor([0, 2, 2, 4])
    assert ember.autograd.gradcheck(
        lambda w: EF.embedding_bag(idx, w, offsets, mode=mode, padding_idx=1), (w,))
    if mode == "sum":
        psw = _leaf((6,), seed=1)
        assert ember.autograd.gradcheck(
            lambda w, p: EF.embedding_bag(idx, w, offsets, mode="sum", per_sample_weights=p),
            (w, psw))
        assert ember.autograd.gradgradcheck(
            lambda w, p: EF.embedding_bag(idx, w, offsets, mode="sum", per_sample_weights=p),
            (w, psw))


def test_embedding_double_backward_matches_torch():
    we, wt = _weights(dtype="float64")
    ie, it = _indices([[1, 2], [2, 9]])
    ge = ember.autograd.grad((EF.embedding(ie, we) ** 3).sum(), we, create_graph=True)[0]
    gt = torch.autograd.grad((TF.embedding(it, wt) ** 3).sum(), wt, create_graph=True)[0]
    assert_same(ge, gt)
    assert_same(ember.autograd.grad((ge ** 2).sum(), we)[0],
                torch.autograd.grad((gt ** 2).sum(), wt)[0])


# ------------------------------------------------------------------------------------------------
# one_hot
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("values,num_classes", [([1, 2, 0], -1), ([[1], [3]], 5), (2, 3),
                                                ([], 3)])
def test_one_hot(values, num_classes):
    ie, it = _indices(values)
    assert_same(EF.one_hot(ie, num_classes), TF.one_hot(it, num_classes))


@pytest.mark.parametrize("values,num_classes,dtype", [([1, 2], 2, np.int64),
                                                      ([1, -2], 3, np.int64),
                                                      ([1, 2], 3, np.int32),
                                                      ([], -1, np.int64)])
def test_one_hot_errors(values, num_classes, dtype):
    ie, it = _indices(values, dtype)
    with pytest.raises(RuntimeError) as t_err:
        TF.one_hot(it, num_classes)
    with pytest.raises(RuntimeError) as e_err:
        EF.one_hot(ie, num_classes)
    assert str(e_err.value) == str(t_err.value)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_uneven_bags(mode):
    # One long bag among short ones takes the reduceat path instead of the padded block.
    index = np.random.default_rng(8).integers(0, 10, 100)
    we, wt = _weights()
    ie, it = _indices(index)
    oe, ot = _indices([0, 1, 1, 2, 3])
    ye = EF.embedding_bag(ie, we, oe, mode=mode, padding_idx=3)
    yt = TF.embedding_bag(it, wt, ot, mode=mode, padding_idx=3)
    assert_same(ye, yt)
    _backward(ye, yt)
    assert_same(we.grad, wt.grad)
