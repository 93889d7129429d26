"""nn.utils: gradient clipping, vector conversion and parametrizations against PyTorch."""
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import ember  # noqa: E402

RNG = np.random.default_rng(0)
WEIGHT = RNG.standard_normal((4, 3, 2)).astype(np.float32)


def _params(lib, scale=1.0):
    ps = [lib.nn.Parameter(lib.tensor(RNG_FIXED[i])) for i in range(3)]
    for i, p in enumerate(ps):
        p.grad = lib.tensor(GRADS[i] * scale)
    return ps


RNG_FIXED = [np.random.default_rng(i).standard_normal(s).astype(np.float32)
             for i, s in enumerate([(3,), (2, 4), (5, 1)])]
GRADS = [np.random.default_rng(10 + i).standard_normal(a.shape).astype(np.float32)
         for i, a in enumerate(RNG_FIXED)]


@pytest.mark.parametrize("max_norm", [0.1, 1.0, 100.0])
@pytest.mark.parametrize("norm_type", [2.0, 1, 3.5, "inf", float("inf")])
def test_clip_grad_norm(max_norm, norm_type):
    e, t = _params(ember), _params(torch)
    en = ember.nn.utils.clip_grad_norm_(e, max_norm, norm_type)
    tn = torch.nn.utils.clip_grad_norm_(t, max_norm, norm_type)
    np.testing.assert_allclose(en.numpy(), tn.numpy(), rtol=1e-6)
    assert en.dtype == ember.float32 and en.shape == ()
    for a, b in zip(e, t):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-6, atol=1e-7)


def test_clip_grad_norm_edge_cases():
    assert ember.nn.utils.clip_grad_norm_([], 1.0).item() == 0.0
    single = ember.nn.Parameter(ember.ones(2))
    single.grad = ember.full((2,), 3.0)
    ember.nn.utils.clip_grad_norm_(single, 1.0)
    np.testing.assert_allclose(single.grad.numpy(), 3 / (np.sqrt(18) + 1e-6), rtol=1e-6)
    bad = _params(ember)
    bad[0].grad[0] = float("nan")
    with pytest.raises(RuntimeError, match="non-finite"):
        ember.nn.utils.clip_grad_norm_(bad, 1.0, error_if_nonfinite=True)
    with pytest.warns(FutureWarning):
        ember.nn.utils.clip_grad_norm(_params(ember), 1.0)


def test_clip_grad_value():
    e, t = _params(ember), _params(torch)
    ember.nn.utils.clip_grad_value_(e, 0.5)
    torch.nn.utils.clip_grad_value_(t, 0.5)
    for a, b in zip(e, t):
        assert a.grad.numpy().tobytes() == b.grad.numpy().tobytes()


def test_parameters_vector_round_trip():
    e, t = _params(ember), _params(torch)
    ev = ember.nn.utils.parameters_to_vector(e)
    tv = torch.nn.utils.parameters_to_vector(t)
    assert ev.detach().numpy().tobytes() == tv.detach().numpy().tobytes()
    assert ev.grad_fn.name() == tv.grad_fn.name()
    ember.nn.utils.vector_to_parameters(ev * 2, e)
    assert np.array_equal(e[1].detach().numpy(), RNG_FIXED[1] * 2)
    assert isinstance(e[1], ember.nn.Parameter)
    with pytest.raises(TypeError, match="expected torch.Tensor"):
        ember.nn.utils.vector_to_parameters([1.0], e)


def _module(lib, data=WEIGHT):
    m = lib.nn.Module()
    m.weight = lib.nn.Parameter(lib.tensor(data))
    return m


@pytest.mark.parametrize("dim", [0, 1, 2, -1, None])
def test_weight_norm_parametrization(dim):
    e = ember.nn.utils.parametrizations.weight_norm(_module(ember), dim=dim)
    t = torch.nn.utils.parametrizations.weight_norm(_module(torch), dim=dim)
    assert type(e).__name__ == type(t).__name__ == "ParametrizedModule"
    assert list(e.state_dict()) == list(t.state_dict())
    for k in t.state_dict():
        np.testing.assert_allclose(e.state_dict()[k].numpy(), t.state_dict()[k].numpy(),
                                   rtol=1e-6)
    np.testing.assert_allclose(e.weight.detach().numpy(), t.weight.detach().numpy(), rtol=1e-5)
    (e.weight ** 2).sum().backward()
    (t.weight ** 2).sum().backward()
    for ep, tp in zip(e.parameters(), t.parameters()):
        np.testing.assert_allclose(ep.grad.numpy(), tp.grad.numpy(), rtol=1e-4, atol=1e-5)
    assert repr(e) == repr(t)


def test_weight_norm_loads_old_checkpoint_names():
    m = ember.nn.utils.parametrizations.weight_norm(_module(ember))
    g = ember.ones(4, 1, 1)
    v = ember.tensor(WEIGHT)
    m.load_state_dict({"weight_g": g, "weight_v": v})
    norms = np.linalg.norm(WEIGHT.reshape(4, -1), axis=1).reshape(4, 1, 1)
    np.testing.assert_allclose(m.weight.detach().numpy(), WEIGHT / norms, rtol=1e-5)


def test_old_weight_norm_and_remove():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        e = ember.nn.utils.weight_norm(_module(ember))
        t = torch.nn.utils.weight_norm(_module(torch))
    assert list(e.state_dict()) == list(t.state_dict()) == ["weight_g", "weight_v"]
    np.testing.assert_allclose(e.weight_g.detach().numpy(), t.weight_g.detach().numpy(),
                               rtol=1e-6)
    ember.nn.utils.remove_weight_norm(e)
    assert list(e.state_dict()) == ["weight"]
    np.testing.assert_allclose(e.weight.detach().numpy(), WEIGHT, rtol=1e-6)
    with pytest.raises(ValueError):
        ember.nn.utils.remove_weight_norm(e)


@pytest.mark.parametrize("dim", [0, 1])
def test_spectral_norm(dim):
    ember.manual_seed(3)
    torch.manual_seed(3)
    e = ember.nn.utils.parametrizations.spectral_norm(_module(ember), dim=dim)
    t = torch.nn.utils.parametrizations.spectral_norm(_module(torch), dim=dim)
    assert list(e.state_dict()) == list(t.state_dict())
    for _ in range(3):  # training mode: each access runs a power-iteration step
        np.testing.assert_allclose(e.weight.detach().numpy(), t.weight.detach().numpy(),
                                   rtol=1e-4, atol=1e-6)
    e.eval()
    t.eval()
    np.testing.assert_allclose(e.weight.detach().numpy(), t.weight.detach().numpy(), rtol=1e-4)
    matrix = np.moveaxis(e.weight.detach().numpy(), dim, 0).reshape(e.weight.shape[dim], -1)
    assert abs(np.linalg.svd(matrix, compute_uv=False)[0] - 1) < 1e-2


@pytest.mark.parametrize("shape,kind", [((4, 4), None), ((5, 3), None), ((3, 5), None),
                                        ((4, 4), "cayley"), ((5, 3), "householder"),
                                        ((3, 5), "matrix_exp")])
def test_orthogonal(shape, kind):
    data = np.random.default_rng(1).standard_normal(shape).astype(np.float64)
    e = ember.nn.utils.parametrizations.orthogonal(_module(ember, data), orthogonal_map=kind)
    t = torch.nn.utils.parametrizations.orthogonal(_module(torch, data), orthogonal_map=kind)
    w = e.weight.detach().numpy()
    small = min(shape)
    gram = w @ w.T if shape[0] <= shape[1] else w.T @ w
    np.testing.assert_allclose(gram, np.eye(small), atol=1e-10)
    np.testing.assert_allclose(w, t.weight.detach().numpy(), atol=1e-8)
    assert list(e.state_dict()) == list(t.state_dict())
    e.weight.sum().backward()
    assert e.parametrizations.weight.original.grad is not None


def test_custom_parametrization_chain_cache_and_remove():
    class Symmetric(ember.nn.Module):
        def forward(self, x):
            return x.triu() + x.triu(1).transpose(-1, -2)

        def right_inverse(self, a):
            return a.triu()

    class Double(ember.nn.Module):
        def forward(self, x):
            return x * 2

        def right_inverse(self, x):
            return x / 2

    P = ember.nn.utils.parametrize
    m = _module(ember, np.arange(9, dtype=np.float32).reshape(3, 3))
    original = m.weight
    P.register_parametrization(m, "weight", Symmetric())
    assert m.parametrizations.weight.original is original  # kept for the optimizer
    w = m.weight.detach().numpy()
    assert np.array_equal(w, w.T)
    P.register_parametrization(m, "weight", Double())
    assert np.array_equal(m.weight.detach().numpy(), w * 2)
    with P.cached():
        assert m.weight is m.weight
    assert m.weight is not m.weight
    m.weight = ember.eye(3) * 4
    assert np.array_equal(m.weight.detach().numpy(), np.eye(3) * 4)
    assert P.is_parametrized(m) and P.is_parametrized(m, "weight")
    assert not P.is_parametrized(m, "bias")
    assert P.type_before_parametrizations(m) is ember.nn.Module
    P.remove_parametrizations(m, "weight")
    assert type(m) is ember.nn.Module and isinstance(m.weight, ember.nn.Parameter)
    assert np.array_equal(m.weight.detach().numpy(), np.eye(3) * 4)
    with pytest.raises(ValueError):
        P.remove_parametrizations(m, "weight")
    with pytest.raises(ValueError):
        P.register_parametrization(m, "nothing", Double())

    class Shrink(ember.nn.Module):
        def forward(self, x):
            return x[0]
    with pytest.raises(ValueError, match="may not change the shape"):
        P.register_parametrization(m, "weight", Shrink())
    assert isinstance(m.weight, ember.nn.Parameter) and type(m) is ember.nn.Module
