"""Loss functions and loss layers (ember.nn.functional / ember.nn) against PyTorch."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

torch = pytest.importorskip("torch")

import ember  # noqa: E402
import ember.nn as enn  # noqa: E402
import ember.nn.functional as EF  # noqa: E402
import torch.nn.functional as TF  # noqa: E402
from ember.autograd import gradcheck  # noqa: E402

from parity import assert_same  # noqa: E402

REDUCTIONS = ["none", "mean", "sum"]


class Grad:
    """A float array argument that requires grad in both libraries."""

    def __init__(self, array):
        self.array = array


def _convert(value, lib):
    if isinstance(value, Grad):
        data = value.array
        t = ember.from_numpy(data.copy()) if lib is ember else torch.from_numpy(data.copy())
        return t.requires_grad_()
    if isinstance(value, np.ndarray):
        return ember.from_numpy(value.copy()) if lib is ember else torch.from_numpy(value.copy())
    return value


def _compare(fn_name, args, kwargs, dtype_tol=1e-12, check_grad_fn=True):
    """Run F.<fn_name> in both libraries; compare output, grad_fn name and every gradient."""
    e_args = [_convert(a, ember) for a in args]
    t_args = [_convert(a, torch) for a in args]
    e_kwargs = {k: _convert(v, ember) for k, v in kwargs.items()}
    t_kwargs = {k: _convert(v, torch) for k, v in kwargs.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        eo = getattr(EF, fn_name)(*e_args, **e_kwargs)
        to = getattr(TF, fn_name)(*t_args, **t_kwargs)
    assert_same(eo, to, rtol=dtype_tol, atol=dtype_tol)
    if check_grad_fn and to.grad_fn is not None:
        assert eo.grad_fn is not None and eo.grad_fn.name() == to.grad_fn.name()
    upstream = np.random.default_rng(11).standard_normal(tuple(to.shape)).astype(
        to.detach().numpy().dtype)
    eo.backward(ember.from_numpy(upstream.copy()))
    to.backward(torch.from_numpy(upstream.copy()))
    for e, t in zip(e_args + list(e_kwargs.values()), t_args + list(t_kwargs.values())):
        if isinstance(t, torch.Tensor) and t.requires_grad:
            assert_same(e.grad, t.grad, rtol=dtype_tol * 10, atol=dtype_tol * 10)
    return eo, to


RNG = np.random.default_rng(0)
X = RNG.standard_normal((4, 5))
Y = RNG.standard_normal((4, 5))
PROB = RNG.uniform(0.05, 0.95, (4, 5))
TARGET01 = RNG.uniform(0, 1, (4, 5))
SIGNS = np.where(RNG.random((4, 5)) < 0.5, -1.0, 1.0)
ROW_SIGNS = np.array([1.0, -1.0, -1.0, 1.0])
CLASSES = np.array([0, 3, 1, 4])
MULTILABEL = np.array([[3, 0, -1, 1, 2], [1, 2, 3, 4, 0], [-1, 2, 1, 0, 0], [4, 4, -1, 0, 1]])
LOG_PROBS = np.log(RNG.dirichlet(np.ones(5), 4))
COUNTS = RNG.poisson(2.0, (4, 5)).astype(np.float64)

CASES = [
    ("l1_loss", lambda: ((Grad(X), Grad(Y)), {})),
    ("mse_loss", lambda: ((Grad(X), Grad(Y)), {})),
    ("smooth_l1_loss", lambda: ((Grad(X), Grad(Y)), {"beta": 0.5})),
    ("smooth_l1_loss", lambda: ((Grad(X), Grad(Y)), {"beta": 0.0})),
    ("huber_loss", lambda: ((Grad(X), Grad(Y)), {"delta": 0.7})),
    ("soft_margin_loss", lambda: ((Grad(X), SIGNS), {})),
    ("binary_cross_entropy", lambda: ((Grad(PROB), Grad(TARGET01)), {})),
    ("binary_cross_entropy", lambda: ((Grad(PROB), TARGET01), {"weight": RNG.uniform(0, 2, 5)})),
    ("binary_cross_entropy_with_logits", lambda: ((Grad(X * 3), Grad(TARGET01)), {})),
    ("binary_cross_entropy_with_logits", lambda: ((Grad(X * 3), Grad(TARGET01)),
                                                  {"weight": RNG.uniform(0, 2, (4, 1)),
                                                   "pos_weight": RNG.uniform(0.5, 3, 5)})),
    ("kl_div", lambda: ((Grad(LOG_PROBS), Grad(PROB)), {})),
    ("kl_div", lambda: ((Grad(LOG_PROBS), Grad(np.log(PROB))), {"log_target": True})),
    ("poisson_nll_loss", lambda: ((Grad(X), Grad(COUNTS)), {})),
    ("poisson_nll_loss", lambda: ((Grad(PROB * 3), COUNTS), {"log_input": False, "full": True})),
    ("gaussian_nll_loss", lambda: ((Grad(X), Grad(Y), Grad(PROB)), {})),
    ("gaussian_nll_loss", lambda: ((Grad(X), Grad(Y), Grad(PROB[:, :1])), {"full": True})),
    ("gaussian_nll_loss", lambda: ((Grad(X), Grad(Y), Grad(PROB[:, 0])), {"eps": 0.3})),
    ("cosine_embedding_loss", lambda: ((Grad(X), Grad(Y), ROW_SIGNS), {"margin": 0.1})),
    ("margin_ranking_loss", lambda: ((Grad(X), Grad(Y), SIGNS), {"margin": 0.2})),
    ("hinge_embedding_loss", lambda: ((Grad(X), SIGNS), {"margin": 0.5})),
    ("multi_margin_loss", lambda: ((Grad(X), CLASSES), {})),
    ("multi_margin_loss", lambda: ((Grad(X), CLASSES), {"p": 2, "margin": 0.7,
                                                        "weight": RNG.uniform(0, 2, 5)})),
    ("multilabel_margin_loss", lambda: ((Grad(X), MULTILABEL), {})),
    ("multilabel_soft_margin_loss", lambda: ((Grad(X), TARGET01), {})),
    ("multilabel_soft_margin_loss", lambda: ((Grad(X), TARGET01),
                                             {"weight": RNG.uniform(0, 2, 5)})),
    ("triplet_margin_loss", lambda: ((Grad(X), Grad(Y), Grad(PROB)), {})),
    ("triplet_margin_loss", lambda: ((Grad(X), Grad(Y), Grad(PROB)),
                                     {"p": 1, "swap": True, "margin": 2.0})),
    ("triplet_margin_with_distance_loss", lambda: ((Grad(X), Grad(Y), Grad(PROB)), {})),
    ("nll_loss", lambda: ((Grad(LOG_PROBS), CLASSES), {})),
    ("cross_entropy", lambda: ((Grad(X), CLASSES), {})),
]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name,make", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_loss_values_and_gradients_match_torch(name, make, reduction):
    args, kwargs = make()
    _compare(name, args, dict(kwargs, reduction=reduction))


@pytest.mark.parametrize("name,make", CASES[:12], ids=[n for n, _ in CASES[:12]])
def test_float32_losses(name, make):
    args, kwargs = make()
    cast = [Grad(a.array.astype(np.float32)) if isinstance(a, Grad) else
            (a.astype(np.float32) if isinstance(a, np.ndarray) and a.dtype == np.float64 else a)
            for a in args]
    kwargs = {k: v.astype(np.float32) if isinstance(v, np.ndarray) else v
              for k, v in kwargs.items()}
    _compare(name, cast, kwargs, dtype_tol=1e-5)


def test_kl_div_batchmean_and_mean_warning():
    _compare("kl_div", (Grad(LOG_PROBS), Grad(PROB)), {"reduction": "batchmean"})
    with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
        EF.kl_div(ember.from_numpy(LOG_PROBS), ember.from_numpy(PROB))


@pytest.mark.parametrize("name,args", [
    ("mse_loss", (X, Y)), ("l1_loss", (X, Y)), ("huber_loss", (X, Y)),
])
def test_weighted_regression_losses(name, args):
    weight = RNG.uniform(0, 2, X.shape)
    for reduction in REDUCTIONS:
        _compare(name, (Grad(args[0]), Grad(args[1])), {"weight": weight,
                                                        "reduction": reduction})
    with pytest.raises(ValueError, match="Weights and input must have the same size"):
        getattr(EF, name)(ember.from_numpy(X), ember.from_numpy(Y), weight=ember.ones(3))


def test_broadcast_target_warns_like_torch():
    with pytest.warns(UserWarning, match="Using a target size"):
        eo = EF.mse_loss(ember.from_numpy(X), ember.from_numpy(Y[0]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        to = TF.mse_loss(torch.from_numpy(X), torch.from_numpy(Y[0]))
    assert_same(eo, to)


@pytest.mark.parametrize("size_average,reduce,expected", [
    (None, False, "none"), (False, None, "sum"), (True, True, "mean"), (False, False, "none"),
])
def test_legacy_size_average_and_reduce(size_average, reduce, expected):
    e_args = (ember.from_numpy(X), ember.from_numpy(Y))
    with pytest.warns(UserWarning, match=f"please use reduction='{expected}' instead"):
        eo = EF.mse_loss(*e_args, size_average=size_average, reduce=reduce)
    assert_same(eo, TF.mse_loss(torch.from_numpy(X), torch.from_numpy(Y), reduction=expected))
    with pytest.warns(UserWarning):
        module = enn.NLLLoss(size_average=size_average, reduce=reduce)
    assert module.reduction == expected
    with pytest.warns(UserWarning, match="elementwise_mean"):
        EF.l1_loss(*e_args, reduction="elementwise_mean")
    with pytest.raises(ValueError, match="foo is not a valid value for reduction"):
        EF.nll_loss(ember.from_numpy(LOG_PROBS), ember.from_numpy(CLASSES), reduction="foo")


# -- cross entropy / NLL ----------------------------------------------------------------------------

CE_SHAPES = [((5, 4), (5,)), ((4,), ()), ((3, 4, 5), (3, 5)), ((2, 4, 3, 2), (2, 3, 2)),
             ((2, 3, 2, 2, 2), (2, 2, 2, 2))]


def _ce_data(shape, target_shape, seed=0, ignore=False):
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal(shape)
    classes = shape[1] if len(shape) > 1 else shape[0]
    target = rng.integers(0, classes, target_shape)
    if ignore and target.size > 1:
        target.reshape(-1)[::3] = 2
    return logits, np.asarray(target), classes


@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ignore", [False, True])
@pytest.mark.parametrize("shape,target_shape", CE_SHAPES, ids=[str(s) for s, _ in CE_SHAPES])
def test_cross_entropy_class_indices(shape, target_shape, ignore, weighted, label_smoothing):
    logits, target, classes = _ce_data(shape, target_shape, ignore=ignore)
    kwargs = {"label_smoothing": label_smoothing}
    if ignore:
        kwargs["ignore_index"] = 2
    if weighted:
        kwargs["weight"] = np.linspace(0.5, 2.0, classes)
    for reduction in REDUCTIONS:
        _compare("cross_entropy", (Grad(logits), target), dict(kwargs, reduction=reduction))
        if label_smoothing == 0.0:
            log_probs = TF.log_softmax(torch.from_numpy(logits), 1 if len(shape) > 1 else 0)
            nll_kwargs = {k: v for k, v in kwargs.items() if k != "label_smoothing"}
            _compare("nll_loss", (Grad(log_probs.numpy()), target),
                     dict(nll_kwargs, reduction=reduction))


@pytest.mark.parametrize("label_smoothing", [0.0, 0.3])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("shape", [(5, 4), (4,), (2, 4, 3)], ids=str)
def test_cross_entropy_probabilities(shape, weighted, label_smoothing):
    rng = np.random.default_rng(1)
    logits = rng.standard_normal(shape)
    class_dim = 1 if len(shape) > 1 else 0
    target = rng.dirichlet(np.ones(shape[class_dim]), int(np.prod(shape)) // shape[class_dim])
    target = np.moveaxis(target.reshape((shape[0],) + shape[2:] + (shape[class_dim],))
                         if len(shape) > 1 else target.reshape(shape), -1, class_dim) \
        if len(shape) > 1 else target.reshape(shape)
    kwargs = {"label_smoothing": label_smoothing}
    if weighted:
        kwargs["weight"] = np.linspace(0.5, 2.0, shape[class_dim])
    for reduction in REDUCTIONS:
        _compare("cross_entropy", (Grad(logits), Grad(np.ascontiguousarray(target))),
                 dict(kwargs, reduction=reduction), check_grad_fn=reduction == "none")


def test_cross_entropy_float32_and_grad_fn_names():
    logits = np.random.default_rng(2).standard_normal((6, 5)).astype(np.float32)
    target = np.array([0, 4, 2, 2, 1, 3])
    eo, to = _compare("cross_entropy", (Grad(logits), target), {}, dtype_tol=1e-5)
    assert eo.grad_fn.name() == "NllLossBackward0"
    assert eo.grad_fn.next_functions[0][0].name() == "LogSoftmaxBackward0"
    eo, _ = _compare("cross_entropy", (Grad(logits.reshape(2, 5, 3)), target.reshape(2, 3) % 5),
                     {"reduction": "none"}, dtype_tol=1e-5)
    assert eo.grad_fn.name() == "ViewBackward0"
    eo, _ = _compare("cross_entropy", (Grad(logits.reshape(1, 5, 3, 2)),
                                       target.reshape(1, 3, 2) % 5), {}, dtype_tol=1e-5)
    assert eo.grad_fn.name() == "NllLoss2DBackward0"


def test_cross_entropy_all_ignored_and_empty():
    logits = np.random.default_rng(3).standard_normal((3, 4))
    target = np.array([1, 1, 1])
    for reduction in REDUCTIONS:
        _compare("cross_entropy", (Grad(logits), target), {"ignore_index": 1,
                                                           "reduction": reduction})
    eo = EF.cross_entropy(ember.zeros(0, 4), ember.zeros(0, dtype=ember.int64))
    to = TF.cross_entropy(torch.zeros(0, 4), torch.zeros(0, dtype=torch.int64))
    assert_same(eo, to)
    assert_same(EF.nll_loss(ember.zeros(4), ember.tensor(1), reduction="none"),
                TF.nll_loss(torch.zeros(4), torch.tensor(1), reduction="none"))
    uint8_target = np.array([0, 3, 1], dtype=np.uint8)
    _compare("nll_loss", (Grad(logits), uint8_target), {})


@pytest.mark.parametrize("call,error,message", [
    (lambda F, L, x: F.nll_loss(x, L.tensor([0, 1, 2, 3])), ValueError,
     r"Expected input batch_size \(3\) to match target batch_size \(4\)\."),
    (lambda F, L, x: F.cross_entropy(x, L.tensor([0, 1, 5])), IndexError,
     "Target 5 is out of bounds."),
    (lambda F, L, x: F.nll_loss(x, L.tensor([0, -5, 1])), IndexError,
     "Target -5 is out of bounds."),
    (lambda F, L, x: F.nll_loss(x, L.tensor([0.0, 1.0, 2.0])), RuntimeError,
     "expected target dtype to be Long or Byte, but got Float"),
    (lambda F, L, x: F.nll_loss(x, L.zeros(3, 1, dtype=L.int64)), RuntimeError,
     "0D or 1D target tensor expected, multi-target not supported"),
    (lambda F, L, x: F.nll_loss(x, L.tensor([0, 1, 2]), weight=L.ones(3)), RuntimeError,
     "weight tensor should be defined either for all 4 classes or no classes"),
    (lambda F, L, x: F.nll_loss(x[0, 0], L.tensor(0)), ValueError,
     r"Expected 1 or more dimensions \(got 0\)"),
    (lambda F, L, x: F.nll_loss(x.reshape(1, 3, 4), L.zeros(1, 5, dtype=L.int64)), RuntimeError,
     r"Expected target size \[1, 4\], got \[1, 5\]"),
    (lambda F, L, x: F.cross_entropy(x, L.zeros(3, 4, dtype=L.int64)), RuntimeError,
     "Expected floating point type for target with class probabilities, got Long"),
    (lambda F, L, x: F.cross_entropy(x, L.tensor([0, 1, 2]), label_smoothing=1.5), RuntimeError,
     "label_smoothing must be between 0.0 and 1.0. Got: 1.5"),
    (lambda F, L, x: F.cross_entropy(x, L.rand(3, 4), weight=L.ones(3)), RuntimeError,
     "cross_entropy: weight tensor should be defined either for all 4 classes"),
    (lambda F, L, x: F.cross_entropy(x.long(), L.tensor([0, 1, 2])), NotImplementedError,
     "log_softmax_lastdim_kernel_impl"),
], ids=["batch", "oob", "negative", "float_target", "target_2d", "weight", "scalar", "kdim",
        "prob_long", "smoothing", "prob_weight", "int_input"])
def test_nll_and_cross_entropy_errors(call, error, message):
    with pytest.raises(error, match=message):
        call(EF, ember, ember.ones(3, 4))
    with pytest.raises(error, match=message):
        call(TF, torch, torch.ones(3, 4))


# -- BCE ------------------------------------------------------------------------------------------

def test_binary_cross_entropy_clamps_log_and_checks_inputs():
    p = np.array([0.0, 1.0, 0.5, 1e-50, 1.0 - 1e-12])
    t = np.array([1.0, 0.0, 0.5, 1.0, 1.0])
    for reduction in REDUCTIONS:
        assert_same(EF.binary_cross_entropy(ember.from_numpy(p), ember.from_numpy(t),
                                            reduction=reduction),
                    TF.binary_cross_entropy(torch.from_numpy(p), torch.from_numpy(t),
                                            reduction=reduction))
    for e_args, t_args, error, message in [
        ((ember.rand(3), ember.rand(3, 1)), (torch.rand(3), torch.rand(3, 1)), ValueError,
         r"Using a target size \(torch.Size\(\[3, 1\]\)\) that is different to the input size "
         r"\(torch.Size\(\[3\]\)\) is deprecated"),
        ((ember.tensor([0.5, 1.5]), ember.rand(2)), (torch.tensor([0.5, 1.5]), torch.rand(2)),
         RuntimeError, "all elements of input should be between 0 and 1"),
        ((ember.rand(2), ember.rand(2, dtype=ember.float64)),
         (torch.rand(2), torch.rand(2, dtype=torch.float64)), RuntimeError,
         "Found dtype Double but expected Float"),
        ((ember.rand(2, 3), ember.rand(3)), (torch.rand(2, 3), torch.rand(3)), ValueError,
         "Target size"),
    ]:
        fn = "binary_cross_entropy" if "Target size" not in message else \
            "binary_cross_entropy_with_logits"
        with pytest.raises(error, match=message):
            getattr(EF, fn)(*e_args)
        with pytest.raises(error, match=message):
            getattr(TF, fn)(*t_args)


def test_bce_with_logits_extreme_logits_and_weight_grad_refusal():
    x = np.array([-200.0, -30.0, 0.0, 30.0, 200.0], dtype=np.float32)
    t = np.array([1.0, 0.0, 0.5, 1.0, 0.0], dtype=np.float32)
    _compare("binary_cross_entropy_with_logits", (Grad(x), Grad(t)), {"reduction": "none"},
             dtype_tol=1e-5)
    _compare("binary_cross_entropy_with_logits", (Grad(x), t),
             {"pos_weight": np.full(5, 3.0, np.float32)}, dtype_tol=1e-5)
    weight = ember.ones(5, requires_grad=True)
    with pytest.raises(RuntimeError, match="not differentiable with respect to argument 'weight'"):
        EF.binary_cross_entropy_with_logits(ember.from_numpy(x), ember.from_numpy(t),
                                            weight=weight)
    with pytest.raises(RuntimeError, match="not differentiable with respect to argument 'target'"):
        EF.soft_margin_loss(ember.from_numpy(x), ember.ones(5, requires_grad=True))


# -- other argument checks -------------------------------------------------------------------------

@pytest.mark.parametrize("call,error,message", [
    (lambda F, L: F.huber_loss(L.ones(3), L.ones(3), delta=0.0), RuntimeError,
     "huber_loss does not support non-positive values for delta."),
    (lambda F, L: F.smooth_l1_loss(L.ones(3), L.ones(3), beta=-1.0), RuntimeError,
     "smooth_l1_loss does not support negative values for beta."),
    (lambda F, L: F.margin_ranking_loss(L.ones(3, 2), L.ones(2), L.ones(3, 2)), RuntimeError,
     "margin_ranking_loss : All input tensors should have same dimension"),
    (lambda F, L: F.cosine_embedding_loss(L.ones(3, 2), L.ones(3, 2), L.ones(3, 2)),
     RuntimeError, "0D or 1D target tensor expected, multi-target not supported"),
    (lambda F, L: F.cosine_embedding_loss(L.ones(3, 2), L.ones(2), L.ones(3)), RuntimeError,
     "1D target tensor expects 2D input tensors"),
    (lambda F, L: F.triplet_margin_loss(L.ones(3, 2), L.ones(3, 2), L.ones(2)), RuntimeError,
     "The anchor, positive, and negative tensors are expected to have the same number of "
     "dimensions"),
    (lambda F, L: F.triplet_margin_loss(L.ones(2), L.ones(2), L.ones(2), margin=0.0), ValueError,
     "margin must be greater than 0, got 0"),
    (lambda F, L: F.gaussian_nll_loss(L.ones(3, 4), L.ones(3, 4), L.ones(3, 2)), ValueError,
     "var is of incorrect size"),
    (lambda F, L: F.gaussian_nll_loss(L.ones(3), L.ones(3), -L.ones(3)), ValueError,
     "var has negative entry/entries"),
    (lambda F, L: F.multi_margin_loss(L.ones(3, 4), L.tensor([1, 2, 4])), RuntimeError,
     "target out of range"),
    (lambda F, L: F.multi_margin_loss(L.ones(3, 4), L.tensor([1, 2])), RuntimeError,
     "target tensor should be 1-D with size equal to the number of input samples"),
    (lambda F, L: F.multi_margin_loss(L.ones(3, 4), L.tensor([1, 2, 0]), p=3), ValueError,
     "only p == 1 and p == 2 supported"),
    (lambda F, L: F.multi_margin_loss(L.ones(3, 4), L.tensor([1, 2, 0]), weight=L.ones(3)),
     RuntimeError, "inconsistent weight size, expected 4 but got \\[3\\]"),
    (lambda F, L: F.multi_margin_loss(L.ones(2, 3, 4), L.tensor([1, 2])), RuntimeError,
     "Expected non-empty vector or matrix with optional 0-dim batch size"),
    (lambda F, L: F.multilabel_margin_loss(L.ones(3, 4), L.tensor([[1, 0, -1]] * 3)),
     RuntimeError, "inconsistent target size: \\[3, 3\\] for input of size: \\[3, 4\\]"),
    (lambda F, L: F.multilabel_margin_loss(L.ones(3, 4), L.tensor([[1, 0, 5, -1]] * 3)),
     RuntimeError, "argument #2 'target' is out of range"),
    (lambda F, L: F.kl_div(L.ones(3), L.ones(3, dtype=L.int64), reduction="sum"), RuntimeError,
     "kl_div: Integral inputs not supported."),
    (lambda F, L: F.mse_loss(L.ones(3, 4), L.ones(5)), RuntimeError,
     "The size of tensor a \\(4\\) must match the size of tensor b \\(5\\)"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_loss_argument_errors(call, error, message):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(error, match=message):
            call(EF, ember)
        with pytest.raises(error, match=message):
            call(TF, torch)


@pytest.mark.parametrize("name,args", [
    ("multi_margin_loss", lambda L: (L.tensor([0.3, -1.0, 2.0, 0.5]), L.tensor([2]))),
    ("multi_margin_loss", lambda L: (L.tensor([0.3, -1.0, 2.0, 0.5]), L.tensor(1))),
    ("multi_margin_loss", lambda L: (L.tensor(0.5), L.tensor(0))),
    ("multilabel_margin_loss", lambda L: (L.tensor([0.3, -1.0, 2.0, 0.5]),
                                          L.tensor([1, 0, -1, 2]))),
], ids=["mm_1d", "mm_0d_target", "mm_scalar", "mlm_1d"])
def test_margin_losses_on_unbatched_input(name, args):
    for reduction in REDUCTIONS:
        assert_same(getattr(EF, name)(*args(ember), reduction=reduction),
                    getattr(TF, name)(*args(torch), reduction=reduction))


def test_gradcheck_on_functional_losses():
    rng = np.random.default_rng(4)
    x = ember.from_numpy(rng.standard_normal((3, 4))).requires_grad_()
    y = ember.from_numpy(rng.standard_normal((3, 4))).requires_grad_()
    p = ember.from_numpy(rng.uniform(0.1, 0.9, (3, 4))).requires_grad_()
    labels = ember.tensor([0, 3, 1])
    checks = [
        (lambda a, b: EF.mse_loss(a, b), (x, y)),
        (lambda a, b: EF.huber_loss(a, b, delta=0.3), (x, y)),
        (lambda a, b: EF.smooth_l1_loss(a, b, beta=0.4), (x, y)),
        (lambda a: EF.cross_entropy(a, labels, label_smoothing=0.1), (x,)),
        (lambda a: EF.cross_entropy(a, labels, weight=ember.tensor([1.0, 2.0, 0.5, 1.5],
                                                                   dtype=ember.float64)), (x,)),
        (lambda a: EF.binary_cross_entropy(a, y.detach().sigmoid()), (p,)),
        (lambda a, b: EF.binary_cross_entropy_with_logits(a, b), (x, p)),
        (lambda a: EF.multi_margin_loss(a, labels, p=2), (x,)),
        (lambda a, b: EF.kl_div(a, b, reduction="batchmean"), (x, p)),
        (lambda a, b, c: EF.triplet_margin_loss(a, b, c), (x, y, p)),
        (lambda a, b: EF.cosine_embedding_loss(a, b, ember.tensor([1.0, -1.0, 1.0],
                                                                  dtype=ember.float64)), (x, y)),
    ]
    for fn, inputs in checks:
        assert gradcheck(fn, inputs, eps=1e-6, atol=1e-5)


# -- CTC ------------------------------------------------------------------------------------------

def _ctc_case(seed=0, steps=7, batch=3, classes=5):
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((steps, batch, classes))
    log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    targets = rng.integers(1, classes, (batch, 4))
    targets[0, 1] = targets[0, 0]  # a repeated label needs a blank between them
    return log_probs, targets


@pytest.mark.parametrize("zero_infinity", [False, True])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_ctc_loss_padded_targets(reduction, zero_infinity):
    log_probs, targets = _ctc_case()
    input_lengths, target_lengths = [7, 5, 2], [4, 2, 3]  # the last one is infeasible (inf)
    eo, to = _compare("ctc_loss", (Grad(log_probs), targets, input_lengths, target_lengths),
                      {"reduction": reduction, "zero_infinity": zero_infinity},
                      dtype_tol=1e-10)
    if not zero_infinity and reduction == "none":
        assert np.isinf(eo.detach().numpy()[2])


def test_ctc_loss_concatenated_targets_tensor_lengths_blank_and_float32():
    log_probs, targets = _ctc_case(seed=1)
    lengths = np.array([3, 4, 2])
    flat = np.concatenate([targets[i, :n] for i, n in enumerate(lengths)])
    _compare("ctc_loss", (Grad(log_probs), flat, np.array([7, 6, 7]), lengths), {})
    shifted = np.where(targets == 4, 0, targets)
    _compare("ctc_loss", (Grad(log_probs.astype(np.float32)), shifted, [7, 7, 6], [4, 1, 0]),
             {"blank": 4, "reduction": "sum"}, dtype_tol=1e-5)


def test_ctc_loss_unbatched_module_and_errors():
    log_probs, targets = _ctc_case(seed=2, batch=1)
    for reduction in REDUCTIONS:
        _compare("ctc_loss", (Grad(log_probs[:, 0]), targets[0], [7], [4]),
                 {"reduction": reduction})
    e_mod, t_mod = enn.CTCLoss(blank=0, zero_infinity=True), torch.nn.CTCLoss(zero_infinity=True)
    assert repr(e_mod) == repr(t_mod)
    lp, tg = _ctc_case(seed=3)
    assert_same(e_mod(ember.from_numpy(lp), ember.from_numpy(tg), [7, 7, 7], [4, 4, 4]),
                t_mod(torch.from_numpy(lp), torch.from_numpy(tg), [7, 7, 7], [4, 4, 4]))
    for args, message in [
        ((lp, tg, [8, 7, 7], [4, 4, 4]), "Expected input_lengths to have value at most 7, but "
                                          "got value 8"),
        ((lp, tg, [7, 7], [4, 4, 4]), "input_lengths must be of size batch_size"),
        ((lp, tg, [7, 7, 7], [5, 4, 4]), "Expected tensor to have size at least 5 at dimension 1"),
    ]:
        for lib, F in ((ember, EF), (torch, TF)):
            with pytest.raises(RuntimeError, match=message):
                F.ctc_loss(_convert(args[0], lib), _convert(args[1], lib), args[2], args[3])
    with pytest.raises(RuntimeError, match="blank must be in label range"):
        EF.ctc_loss(ember.from_numpy(lp), ember.from_numpy(tg), [7] * 3, [4] * 3, blank=5)
    with pytest.raises(RuntimeError, match="input_lengths must be integral"):
        EF.ctc_loss(ember.from_numpy(lp), ember.from_numpy(tg), ember.tensor([7.0] * 3),
                    ember.tensor([4] * 3))



# -- second order: PyTorch has no derivative of the pdist and CTC backward kernels ------------

def _second_order(lib, F, name, p):
    """First-order gradient with create_graph, then the error of differentiating it again."""
    if name == "pdist":
        x = lib.from_numpy(X.copy()).requires_grad_()
        loss = F.pdist(x, p=p).sum()
    else:
        log_probs, targets = _ctc_case(seed=4)
        x = lib.from_numpy(log_probs.copy()).requires_grad_()
        loss = F.ctc_loss(x, lib.from_numpy(targets), [7, 6, 5], [4, 3, 2], reduction=p)
        loss = loss.sum() if p == "none" else loss
    grad, = lib.autograd.grad(loss, x, create_graph=True)
    assert grad.requires_grad
    node = grad.grad_fn
    first_order = grad.detach().numpy()
    with pytest.raises(Exception) as error:
        lib.autograd.grad((grad * grad).sum(), x)
    # backward() reaches the same node and fails the same way.
    with pytest.raises(type(error.value), match="not implemented"):
        (grad * 2).sum().backward()
    return node, first_order, error.value


@pytest.mark.parametrize("name,p", [("pdist", 2.0), ("pdist", 1.0), ("pdist", 0.5),
                                    ("pdist", 3.0), ("pdist", float("inf")), ("ctc", "mean"),
                                    ("ctc", "none"), ("ctc", "sum")])
def test_second_order_through_pdist_and_ctc_raises_as_torch(name, p):
    e_node, e_grad, e_err = _second_order(ember, EF, name, p)
    t_node, t_grad, t_err = _second_order(torch, TF, name, p)
    assert type(e_err) is type(t_err)
    assert type(t_err) is (NotImplementedError if name == "pdist" else RuntimeError)
    assert str(e_err) == str(t_err)
    assert e_node.name() == t_node.name()
    assert type(e_node).__name__ == type(t_node).__name__
    np.testing.assert_allclose(e_grad, t_grad, rtol=1e-10, atol=1e-12)
    e_next = [type(n).__name__ if n is not None else None for n, _ in e_node.next_functions]
    t_next = [type(n).__name__ if n is not None else None for n, _ in t_node.next_functions]
    assert e_next == t_next


def test_pdist_and_ctc_first_order_unchanged_without_create_graph():
    x = ember.from_numpy(X.copy()).requires_grad_()
    grad, = ember.autograd.grad(EF.pdist(x).sum(), x)
    assert not grad.requires_grad and grad.grad_fn is None
    log_probs, targets = _ctc_case(seed=5)
    lp = ember.from_numpy(log_probs.copy()).requires_grad_()
    EF.ctc_loss(lp, ember.from_numpy(targets), [7, 7, 7], [4, 4, 4]).backward()
    assert lp.grad is not None and lp.grad.grad_fn is None
    # create_graph alone (no second backward) is fine and gives the same numbers.
    lp2 = ember.from_numpy(log_probs.copy()).requires_grad_()
    grad2, = ember.autograd.grad(
        EF.ctc_loss(lp2, ember.from_numpy(targets), [7, 7, 7], [4, 4, 4]), lp2,
        create_graph=True)
    np.testing.assert_array_equal(grad2.detach().numpy(), lp.grad.numpy())


# -- modules --------------------------------------------------------------------------------------

WEIGHT = np.linspace(0.5, 1.5, 5)
MODULES = [
    ("L1Loss", (), {}), ("MSELoss", (), {"reduction": "sum"}), ("CrossEntropyLoss", (), {}),
    ("CrossEntropyLoss", (), {"weight": WEIGHT, "ignore_index": 2, "label_smoothing": 0.1}),
    ("NLLLoss", (), {"weight": WEIGHT}), ("BCELoss", (), {}),
    ("BCEWithLogitsLoss", (), {"pos_weight": WEIGHT}), ("HuberLoss", (), {"delta": 2.0}),
    ("SmoothL1Loss", (), {"beta": 0.5}), ("KLDivLoss", (), {"reduction": "batchmean"}),
    ("PoissonNLLLoss", (), {}), ("GaussianNLLLoss", (), {}), ("CosineEmbeddingLoss", (), {}),
    ("MarginRankingLoss", (), {}), ("HingeEmbeddingLoss", (), {}), ("MultiMarginLoss", (), {}),
    ("MultiLabelMarginLoss", (), {}), ("MultiLabelSoftMarginLoss", (), {"weight": WEIGHT}),
    ("SoftMarginLoss", (), {}), ("TripletMarginLoss", (), {}),
    ("TripletMarginWithDistanceLoss", (), {}), ("CTCLoss", (), {}),
]


@pytest.mark.parametrize("name,args,kwargs", MODULES, ids=[m[0] for m in MODULES])
def test_loss_module_repr_state_dict_and_constants(name, args, kwargs):
    e_mod = getattr(enn, name)(*args, **{k: _convert(v, ember) for k, v in kwargs.items()})
    t_mod = getattr(torch.nn, name)(*args, **{k: _convert(v, torch) for k, v in kwargs.items()})
    assert repr(e_mod) == repr(t_mod)
    assert list(e_mod.state_dict()) == list(t_mod.state_dict())
    for key in getattr(type(t_mod), "__constants__", []):
        assert getattr(e_mod, key) == getattr(t_mod, key)


@pytest.mark.parametrize("name,kwargs,inputs", [
    ("CrossEntropyLoss", {"label_smoothing": 0.1}, lambda: (X, CLASSES)),
    ("NLLLoss", {"weight": WEIGHT}, lambda: (LOG_PROBS, CLASSES)),
    ("BCEWithLogitsLoss", {"pos_weight": WEIGHT}, lambda: (X, TARGET01)),
    ("BCELoss", {"weight": WEIGHT}, lambda: (PROB, TARGET01)),
    ("KLDivLoss", {"reduction": "batchmean", "log_target": False}, lambda: (LOG_PROBS, PROB)),
    ("MultiMarginLoss", {"p": 2, "weight": WEIGHT}, lambda: (X, CLASSES)),
    ("GaussianNLLLoss", {"full": True}, lambda: (X, Y, PROB)),
    ("TripletMarginLoss", {"swap": True}, lambda: (X, Y, PROB)),
    ("HuberLoss", {"reduction": "none", "delta": 0.5}, lambda: (X, Y)),
])
def test_loss_module_forward(name, kwargs, inputs):
    e_mod = getattr(enn, name)(**{k: _convert(v, ember) for k, v in kwargs.items()})
    t_mod = getattr(torch.nn, name)(**{k: _convert(v, torch) for k, v in kwargs.items()})
    data = inputs()
    assert_same(e_mod(*[_convert(d, ember) for d in data]),
                t_mod(*[_convert(d, torch) for d in data]))


def test_linear_cross_entropy_reference_path():
    rng = np.random.default_rng(5)
    x, w = rng.standard_normal((4, 6)), rng.standard_normal((5, 6))
    for kwargs in [{}, {"label_smoothing": 0.2, "reduction": "sum"}, {"ignore_index": 1}]:
        _compare("linear_cross_entropy", (Grad(x), Grad(w), CLASSES % 5), kwargs,
                 check_grad_fn=False)
    w3 = rng.standard_normal((5, 2, 6))
    _compare("linear_cross_entropy", (Grad(x), Grad(w3), rng.integers(0, 5, (4, 2))),
             {"linear_bias": Grad(rng.standard_normal((5, 2)))}, check_grad_fn=False)
    torch.manual_seed(0)
    t_mod = torch.nn.LinearCrossEntropyLoss(6, 5, bias=True, dtype=torch.float64)
    ember.manual_seed(0)
    e_mod = enn.LinearCrossEntropyLoss(6, 5, bias=True, dtype=ember.float64)
    assert repr(e_mod) == repr(t_mod)
    assert list(e_mod.state_dict()) == list(t_mod.state_dict())
    assert_same(e_mod(ember.from_numpy(x), ember.from_numpy(CLASSES)),
                t_mod(torch.from_numpy(x), torch.from_numpy(CLASSES)))


@pytest.mark.parametrize("name,result_dtype", [("mse_loss", "float64"), ("l1_loss", "float64"),
                                               ("smooth_l1_loss", "float64"),
                                               ("huber_loss", "float32"),
                                               ("soft_margin_loss", "float32")])
def test_mixed_dtype_regression_losses(name, result_dtype):
    x32, y64 = X.astype(np.float32), np.sign(Y)
    eo = getattr(EF, name)(ember.from_numpy(x32), ember.from_numpy(y64))
    to = getattr(TF, name)(torch.from_numpy(x32), torch.from_numpy(y64))
    assert str(to.dtype) == f"torch.{result_dtype}"
    assert_same(eo, to, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("name", ["cross_entropy", "mse_loss", "binary_cross_entropy_with_logits",
                                  "huber_loss"])
def test_half_precision_losses(name, dtype):
    t = torch.from_numpy(X.astype(np.float32)).to(getattr(torch, dtype)).requires_grad_()
    e = ember.from_numpy(X.astype(np.float32)).to(getattr(ember, dtype)).requires_grad_()
    if name == "cross_entropy":
        t_args, e_args = (t, torch.from_numpy(CLASSES)), (e, ember.from_numpy(CLASSES))
    else:
        t_args, e_args = (t, t.detach().sigmoid()), (e, e.detach().sigmoid())
    to, eo = getattr(TF, name)(*t_args), getattr(EF, name)(*e_args)
    assert_same(eo, to, rtol=2e-2, atol=2e-2)
    to.backward()
    eo.backward()
    assert_same(e.grad, t.grad, rtol=2e-2, atol=2e-2)


@settings(max_examples=25, deadline=None)
@given(batch=st.integers(1, 4), classes=st.integers(1, 5),
       extra=st.lists(st.integers(1, 3), max_size=3), reduction=st.sampled_from(REDUCTIONS),
       seed=st.integers(0, 2**16))
def test_cross_entropy_random_shapes(batch, classes, extra, reduction, seed):
    shape = (batch, classes, *extra)
    logits, target, _ = _ce_data(shape, (batch, *extra), seed=seed)
    _compare("cross_entropy", (Grad(logits), target), {"reduction": reduction})
