"""Random sampling and Generators compared with PyTorch.

Most samplers reproduce PyTorch's numbers bit for bit for the same seed (the generator is the
same mt19937 stream and the transformations follow PyTorch's CPU kernels); the rest are checked
for determinism and for their distributions' moments.
"""
from __future__ import annotations

import copy
import pickle
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import ember  # noqa: E402
from tests.parity import to_numpy  # noqa: E402

SEED = 1234


def seeded(module, expression: str):
    """``expression`` evaluated right after seeding ``module``'s default generator."""
    module.manual_seed(SEED)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return "ok", eval(expression, {"torch": module, "np": np})
        except Exception as exc:  # noqa: BLE001 - the exception is the result being compared
            return "error", type(exc), str(exc).split("\n")[0]


def as_array(t) -> np.ndarray:
    return np.array(to_numpy(t))


# -- bit-exact parity --------------------------------------------------------------------------

EXACT = [
    "torch.rand(7)", "torch.rand(1000)", "torch.rand(3, 4, dtype=torch.float64)",
    "torch.rand(100, dtype=torch.float16)", "torch.rand(100, dtype=torch.bfloat16)",
    "torch.rand(5, dtype=torch.complex64)", "torch.rand(2, 3, requires_grad=True)",
    "torch.randn(5)", "torch.randn(5, dtype=torch.float64)",
    "torch.randn(16, dtype=torch.float64)", "torch.randn(37, dtype=torch.float64)",
    "torch.randn(1000, dtype=torch.float64)", "torch.randn(37, dtype=torch.float16)",
    "torch.randn(37, dtype=torch.bfloat16)", "torch.randn(7, dtype=torch.float16)",
    "torch.randn(5, dtype=torch.complex128)",
    "[torch.randn(3, dtype=torch.float64), torch.randn(3, dtype=torch.float64)][1]",
    "[torch.randn(3, dtype=torch.float64), torch.rand(3)][1]", "torch.empty(3, 5).t().normal_()",
    "torch.empty(5, 7).t().normal_(1, 3)",
    "torch.empty(5, 7, dtype=torch.float16).t().normal_(1, 3)",
    "torch.empty(3, 5).t().uniform_(-2, 3)", "torch.empty(7).uniform_(-2, 3)",
    "torch.empty(700, dtype=torch.float64).uniform_(-2, 3)",
    "torch.empty(70, dtype=torch.float16).uniform_(-2, 3)",
    "torch.empty(70, dtype=torch.bfloat16).uniform_(-2.5, 3.7)", "torch.randint(0, 10, (50,))",
    "torch.randint(-5, 10, (50,), dtype=torch.int32)", "torch.randint(0, 2**40, (20,))",
    "torch.randint(-2**63, 2**63 - 1, (20,))",
    "torch.randint(0, 2**40, (20,), dtype=torch.float64)",
    "torch.randint(3, (20,), dtype=torch.float16)", "torch.randint(2, (20,), dtype=torch.bool)",
    "torch.randint(256, (20,), dtype=torch.uint8)", "torch.randint(high=5, size=(2,))",
    "torch.randint(low=1, high=5, size=(2,))", "torch.randint(0, 5, size=(2,))",
    "torch.randint_like(torch.ones(5), 3, 9)",
    "torch.randint_like(torch.ones(3, dtype=torch.int32), 5)",
    "torch.empty(20, dtype=torch.int64).random_()", "torch.empty(20, dtype=torch.int32).random_()",
    "torch.empty(20, dtype=torch.int8).random_()", "torch.empty(20, dtype=torch.uint8).random_()",
    "torch.empty(20, dtype=torch.bool).random_()", "torch.empty(20).random_()",
    "torch.empty(20, dtype=torch.float64).random_()",
    "torch.empty(20, dtype=torch.float16).random_()",
    "torch.empty(20, dtype=torch.bfloat16).random_()", "torch.empty(20).random_(5)",
    "torch.empty(20).random_(-3, 5)", "torch.empty(20, dtype=torch.int64).random_(-3, None)",
    "torch.empty(20, dtype=torch.int16).random_(-3, None)",
    "torch.ones(3, dtype=torch.float16).random_(0, 5000)",
    "torch.ones(3, dtype=torch.float16).random_(-3000, 2052)",
    "torch.ones(3, dtype=torch.float32).random_(-2**25 - 3, 2**25 + 5)",
    "torch.ones(3, dtype=torch.float64).random_(-2**60 - 3, None)",
    "torch.empty(20).exponential_()", "torch.empty(20, dtype=torch.float64).exponential_(2.5)",
    "torch.empty(20, dtype=torch.float16).exponential_(2.5)", "torch.empty(20).geometric_(0.3)",
    "torch.empty(20, dtype=torch.int64).geometric_(0.3)", "torch.empty(20).cauchy_(1, 2)",
    "torch.empty(20, dtype=torch.float64).log_normal_()", "torch.empty(20).log_normal_(0, 0.5)",
    "torch.empty(20).bernoulli_(0.3)", "torch.empty(20, dtype=torch.int64).bernoulli_(0.3)",
    "torch.empty(20).bernoulli_(torch.linspace(0, 1, 20))",
    "torch.bernoulli(torch.linspace(0, 1, 20))", "torch.bernoulli(torch.linspace(0, 1, 20), 0.5)",
    "torch.empty(4, 5).t().bernoulli_(torch.rand(5, 4))", "torch.ones(3).bernoulli(0.5)",
    "torch.bernoulli(torch.tensor([0., 1.]), out=torch.empty(2, dtype=torch.int64))",
    "torch.multinomial(torch.tensor([0.1, 0.2, 0.3, 0.4]), 20, True)",
    "torch.multinomial(torch.tensor([[0.1, 0.2, 0.3, 0.4], [1., 1., 1., 0.]]), 20, True)",
    "torch.multinomial(torch.tensor([0.1, 0.2, 0.3, 0.4], dtype=torch.float64), 3)",
    "torch.multinomial(torch.tensor([0.1, 0.2, 0.3, 0.4]), 3)",
    "torch.multinomial(torch.rand(3, 10), 4)", "torch.multinomial(torch.tensor([1., 0.]), 2)",
    "torch.multinomial(torch.tensor([1., 0., 0.]), 2, True)", "torch.ones(3).multinomial(2)",
    "torch.normal(torch.zeros(5), 2.)", "torch.normal(torch.zeros(5), torch.ones(5))",
    "torch.normal(3., torch.ones(5, dtype=torch.float64))", "torch.normal(2, 3, (5,))",
    "torch.normal(torch.zeros(3), torch.ones(2, 1))",
    "torch.normal(0, 1, (2,), dtype=torch.float64)",
    "torch.normal(torch.zeros(20, dtype=torch.float16), 2.)",
    "torch.rand_like(torch.ones(3, 4).t())",
    "torch.randn_like(torch.ones(20, dtype=torch.float64))",
    "torch.rand_like(torch.ones(3), dtype=torch.float64)",
    "torch.ones(3).bernoulli_(0.5, generator=torch.Generator().manual_seed(4))",
    "torch.rand(4, generator=torch.Generator().manual_seed(2**40 + 7))",
    "torch.poisson(torch.tensor([0.5, 3.0, 9.9, 10.]))",
    "torch.randperm(10)", "torch.randperm(5, dtype=torch.float32)",
    "torch.randperm(256, dtype=torch.uint8)", "torch.randperm(0)",
    "torch.randperm(5, dtype=torch.float32, requires_grad=True)",
    # float32 normals of 16 or more elements: PyTorch's AVX2 polynomials, repeated exactly
    "torch.randn(37)", "torch.randn(1000)", "torch.randn(20, dtype=torch.complex64)",
    "torch.normal(2, 3, (50,))", "torch.randn_like(torch.ones(4, 8))",
    # Poisson variates, drawn element by element as PyTorch does
    "torch.poisson(torch.tensor([1., 20., 3., 1000.], dtype=torch.float64))",
]


def _compare(expression: str):
    expected, got = seeded(torch, expression), seeded(ember, expression)
    assert expected[0] == got[0] == "ok", (expected, got)
    t, e = expected[1], got[1]
    assert str(e.dtype) == str(t.dtype) and tuple(e.shape) == tuple(t.shape), (e, t)
    assert e.requires_grad == t.requires_grad
    return as_array(e), as_array(t)


@pytest.mark.parametrize("expression", EXACT)
def test_same_numbers_as_torch(expression):
    e, t = _compare(expression)
    np.testing.assert_array_equal(e, t, err_msg=expression)


def test_state_bytes_match_torch():
    for seed in (0, 5, 2**40 + 3, -5):
        g, tg = ember.Generator().manual_seed(seed), torch.Generator().manual_seed(seed)
        np.testing.assert_array_equal(g.get_state()._data, tg.get_state().numpy())
        ember.rand(3, generator=g)
        torch.rand(3, generator=tg)
        ember.randn(1, dtype=ember.float64, generator=g)
        torch.randn(1, dtype=torch.float64, generator=tg)
        np.testing.assert_array_equal(g.get_state()._data, tg.get_state().numpy())
    # A state taken from PyTorch continues PyTorch's stream.
    g = ember.Generator()
    g.set_state(ember.tensor(tg.get_state().numpy()))
    assert ember.rand(5, generator=g).tolist() == torch.rand(5, generator=tg).tolist()


# -- determinism and generator state -----------------------------------------------------------

def test_same_seed_same_numbers():
    draws = []
    for _ in range(2):
        ember.manual_seed(42)
        draws.append([ember.rand(5), ember.randn(30), ember.randint(0, 100, (7,)),
                      ember.randperm(9), ember.empty(6).exponential_(),
                      ember.poisson(ember.full((5,), 20.0)), ember.multinomial(ember.ones(8), 4)])
    for a, b in zip(*draws):
        assert a.tolist() == b.tolist()


def test_generators_have_independent_streams():
    first = ember.Generator().manual_seed(3)
    second = ember.Generator().manual_seed(3)
    a = ember.rand(4, generator=first)
    ember.rand(100)  # the default generator does not touch either of them
    ember.rand(10, generator=ember.Generator().manual_seed(3))
    b = ember.rand(4, generator=second)
    assert a.tolist() == b.tolist()
    assert ember.rand(4, generator=first).tolist() != a.tolist()
    assert ember.Generator().manual_seed(4).initial_seed() == 4


def test_generator_state_round_trip():
    g = ember.Generator().manual_seed(11)
    ember.randn(3, dtype=ember.float64, generator=g)  # leaves a cached normal in the state
    state = g.get_state()
    assert state.dtype is ember.uint8 and state.shape == (5056,)
    first = ember.randn(5, dtype=ember.float64, generator=g)
    g.set_state(state)
    assert ember.randn(5, dtype=ember.float64, generator=g).tolist() == first.tolist()
    assert g.device == ember.device("cpu")
    clone = copy.deepcopy(g)
    restored = pickle.loads(pickle.dumps(g))
    assert ember.rand(3, generator=clone).tolist() == ember.rand(3, generator=restored).tolist()


def test_global_rng_state_round_trip_and_fork():
    ember.manual_seed(9)
    state = ember.get_rng_state()
    first = ember.rand(4)
    ember.set_rng_state(state)
    assert ember.rand(4).tolist() == first.tolist()
    ember.set_rng_state(state)
    with ember.random.fork_rng():
        ember.rand(50)
    assert ember.rand(4).tolist() == first.tolist()


def test_seed_functions():
    assert ember.manual_seed(5) is ember.default_generator
    assert ember.initial_seed() == 5
    assert ember.manual_seed(-5).initial_seed() == 2**64 - 5
    assert ember.manual_seed(1.0).initial_seed() == 1
    value = ember.seed()
    assert isinstance(value, int) and ember.initial_seed() == value
    assert ember.random.thread_safe_generator() is None
    for name in torch.random.__all__:
        assert hasattr(ember.random, name)


SEED_ERRORS = [
    "torch.Generator().manual_seed('a')", "torch.Generator().manual_seed(True)",
    "torch.Generator().manual_seed(torch.tensor(3))", "torch.Generator().manual_seed(-2**63 - 1)",
    "torch.Generator().manual_seed(2**64)", "torch.set_rng_state(torch.zeros(3))",
    "torch.set_rng_state(torch.zeros(3, dtype=torch.uint8))",
    "torch.Generator().set_state(torch.zeros(5056, dtype=torch.uint8))",
    "torch.Generator().set_state([1, 2])", "torch.Generator().get_offset()",
]


@pytest.mark.parametrize("expression", SEED_ERRORS)
def test_generator_errors(expression):
    expected, got = seeded(torch, expression), seeded(ember, expression)
    assert expected[0] == got[0] == "error"
    assert got[1] is expected[1]
    assert got[2] == expected[2]


# -- argument errors ---------------------------------------------------------------------------

ERRORS = [
    "torch.randint(5, 5, (3,))", "torch.randint(6, 5, (3,))",
    "torch.randint(3, (2,), dtype=torch.bool)", "torch.randint(-1, 2, (2,), dtype=torch.uint8)",
    "torch.randint(0, 300, (2,), dtype=torch.uint8)", "torch.randint(5, (3,), requires_grad=True)",
    "torch.randint(5.5, (3,))", "torch.randint(5)", "torch.randint(5, 3)",
    "torch.randint(0, 2**40, (2,), dtype=torch.int32)",
    "torch.randint(0, 5, (2,), dtype=torch.complex64)", "torch.randperm(-1)",
    "torch.randperm(300, dtype=torch.uint8)", "torch.randperm(5, dtype=torch.bool)",
    "torch.randperm(5.0)", "torch.randperm(5, requires_grad=True)",
    "torch.rand_like(torch.ones(3, dtype=torch.int64))",
    "torch.randn_like(torch.ones(3, dtype=torch.int64))", "torch.rand(2, dtype=torch.int64)",
    "torch.rand(2, dtype=torch.bool)", "torch.randn(2, dtype=torch.int64)",
    "torch.rand(2, generator=5)", "torch.rand()", "torch.rand(2, -1)", "torch.randn(-1)",
    "torch.normal(0., 1.)", "torch.normal(torch.zeros(3, dtype=torch.int64), 1.)",
    "torch.normal(torch.zeros(3), -1.)", "torch.normal(torch.zeros(3), -torch.ones(3))",
    "torch.normal(0, -1, (2,))", "torch.normal(0, 1, (2,), dtype=torch.int64)",
    "torch.normal(torch.zeros(3), torch.ones(2))", "torch.ones(3).normal_(0, -1)",
    "torch.ones(3, dtype=torch.int64).normal_()", "torch.ones(3, requires_grad=True).normal_()",
    "torch.ones(3).uniform_(5, 2)", "torch.ones(3, dtype=torch.int64).uniform_()",
    "torch.ones(3).uniform_(0, float('inf'))",
    "torch.ones(3, dtype=torch.float16).uniform_(0, 1e10)", "torch.ones(3).random_(5, 2)",
    "torch.ones(3).random_(2, 2)", "torch.ones(3).random_(-1)", "torch.ones(3).random_(0)",
    "torch.ones(3, dtype=torch.uint8).random_(300)",
    "torch.ones(3, dtype=torch.uint8).random_(-5, 3)",
    "torch.ones(3, dtype=torch.int8).random_(-200, 3)",
    "torch.ones(3, dtype=torch.bool).random_(0, 3)",
    "torch.ones(3, dtype=torch.float16).random_(0, 5000000)",
    "torch.ones(3, dtype=torch.complex64).random_()", "torch.ones(3).random_(1.5, 3.5)",
    "torch.ones(3).exponential_(-1)", "torch.ones(3).exponential_(0)",
    "torch.ones(3, dtype=torch.int64).exponential_()", "torch.ones(3).geometric_(0)",
    "torch.ones(3).geometric_(1)", "torch.ones(3).geometric_(1.5)", "torch.ones(3).cauchy_(0, -1)",
    "torch.ones(3, dtype=torch.int64).cauchy_()", "torch.ones(3).log_normal_(0, -1)",
    "torch.ones(3).log_normal_(0, 0)", "torch.ones(3, dtype=torch.int64).log_normal_()",
    "torch.ones(3).bernoulli_(1.5)", "torch.ones(3).bernoulli_(-0.5)",
    "torch.ones(3).bernoulli_(torch.tensor([0., 2., 1.]))",
    "torch.ones(3).bernoulli_(torch.tensor([0., 1.]))", "torch.bernoulli(torch.tensor([0., 1.5]))",
    "torch.bernoulli(torch.tensor([0., -0.5]))", "torch.bernoulli(torch.tensor([0, 1]))",
    "torch.multinomial(torch.tensor([1., 2.]), 3)", "torch.multinomial(torch.tensor([0., 0.]), 1)",
    "torch.multinomial(torch.tensor([-1., 2.]), 1)",
    "torch.multinomial(torch.tensor([float('nan'), 2.]), 1)",
    "torch.multinomial(torch.tensor([float('inf'), 2.]), 1)",
    "torch.multinomial(torch.tensor([1, 2]), 1)", "torch.multinomial(torch.tensor(1.), 1)",
    "torch.multinomial(torch.ones(2, 2, 2), 1)", "torch.multinomial(torch.ones(3), 0)",
    "torch.multinomial(torch.ones(3), -1)", "torch.multinomial(torch.ones(0), 1)",
    "torch.multinomial(torch.tensor([[1., 1.], [0., 0.]]), 1, True)",
    "torch.poisson(torch.tensor([1., -2.]))", "torch.poisson(torch.tensor([1, 2]))",
    "torch.poisson(torch.tensor([float('nan')]))",
]


@pytest.mark.parametrize("expression", ERRORS)
def test_argument_errors(expression):
    expected, got = seeded(torch, expression), seeded(ember, expression)
    assert expected[0] == got[0] == "error", (expected, got)
    assert got[1] is expected[1], (expected, got)
    if "expand" not in expected[2]:
        assert got[2] == expected[2]


def test_errors_leave_tensor_and_generator_untouched():
    ember.manual_seed(3)
    state = ember.get_rng_state()
    t = ember.ones(4)
    with pytest.raises(RuntimeError):
        t.uniform_(5, 2)
    with pytest.raises(RuntimeError):
        t.bernoulli_(ember.tensor([0.0, 2.0, 0.5, 0.5]))
    assert t.tolist() == [1.0] * 4
    assert np.array_equal(ember.get_rng_state()._data, state._data)


# -- distributions: moments with fixed seeds ---------------------------------------------------

N = 200_000


def _generator(seed: int = 0):
    return ember.Generator().manual_seed(seed)


def test_uniform_and_normal_moments():
    u = ember.empty(N, dtype=ember.float64).uniform_(-1, 3, generator=_generator(1)).numpy()
    assert abs(u.mean() - 1.0) < 0.02 and abs(u.var() - 16 / 12) < 0.02
    assert u.min() >= -1 and u.max() < 3
    for n in (N, 15):
        z = ember.randn(n, dtype=ember.float64, generator=_generator(2)).numpy()
        if n == N:
            assert abs(z.mean()) < 0.01 and abs(z.std() - 1) < 0.01
            assert abs(((z - z.mean()) ** 3).mean()) < 0.03
    x = ember.normal(2.0, 3.0, (N,), generator=_generator(3)).numpy()
    assert abs(x.mean() - 2.0) < 0.03 and abs(x.std() - 3.0) < 0.03
    c = ember.randn(N, dtype=ember.complex64, generator=_generator(4)).numpy()
    assert abs(np.mean(np.abs(c) ** 2) - 1.0) < 0.02


def test_discrete_distributions():
    ints = ember.randint(3, 9, (N,), generator=_generator(5)).numpy()
    assert ints.min() == 3 and ints.max() == 8
    counts = np.bincount(ints - 3) / N
    assert np.abs(counts - 1 / 6).max() < 0.01
    b = ember.empty(N).bernoulli_(0.3, generator=_generator(6)).numpy()
    assert abs(b.mean() - 0.3) < 0.01
    g = ember.empty(N).geometric_(0.25, generator=_generator(7)).numpy()
    assert g.min() >= 1 and abs(g.mean() - 4.0) < 0.05
    for rate in (0.7, 4.0, 30.0, 500.0):
        p = ember.poisson(ember.full((N // 4,), rate), generator=_generator(8)).numpy()
        assert abs(p.mean() - rate) < 0.03 * rate + 0.02
        assert abs(p.var() - rate) < 0.08 * rate + 0.05
    full_range = ember.empty(N, dtype=ember.uint8).random_(generator=_generator(9)).numpy()
    assert full_range.min() == 0 and full_range.max() == 255


def test_continuous_distributions():
    e = ember.empty(N, dtype=ember.float64).exponential_(2.0, generator=_generator(10)).numpy()
    assert abs(e.mean() - 0.5) < 0.01 and e.min() >= 0
    c = ember.empty(N, dtype=ember.float64).cauchy_(1.0, 2.0, generator=_generator(11)).numpy()
    assert abs(np.median(c) - 1.0) < 0.05
    q25, q75 = np.percentile(c, [25, 75])
    assert abs((q75 - q25) / 2 - 2.0) < 0.05
    ln = ember.empty(N, dtype=ember.float64).log_normal_(0.5, 0.25, generator=_generator(12))
    ln = ln.numpy()
    assert abs(np.log(ln).mean() - 0.5) < 0.01 and abs(np.log(ln).std() - 0.25) < 0.01


def test_multinomial_frequencies():
    probs = ember.tensor([0.1, 0.2, 0.3, 0.4])
    with_replacement = ember.multinomial(probs, N, True, generator=_generator(13)).numpy()
    assert np.abs(np.bincount(with_replacement, minlength=4) / N - probs.numpy()).max() < 0.01
    rows = ember.multinomial(probs.expand(20000, 4).contiguous(), 4, generator=_generator(14))
    rows = rows.numpy()
    assert (np.sort(rows, axis=1) == np.arange(4)).all()  # no category repeats in a row
    first = np.bincount(rows[:, 0], minlength=4) / rows.shape[0]
    assert np.abs(first - probs.numpy()).max() < 0.015


def test_randperm_is_a_uniform_permutation():
    perm = ember.randperm(1000, generator=_generator(15)).numpy()
    assert sorted(perm.tolist()) == list(range(1000))
    positions = np.array([ember.randperm(5, generator=_generator(s)).numpy() for s in range(400)])
    assert np.abs(positions.mean(axis=0) - 2.0).max() < 0.25


# -- autograd ----------------------------------------------------------------------------------

INPLACE_NAMES = [
    ("t.uniform_()", "UniformBackward0"), ("t.normal_()", "NormalBackward0"),
    ("t.random_()", "RandomBackward2"), ("t.random_(5)", "RandomBackward1"),
    ("t.random_(1, 5)", "RandomBackward0"), ("t.bernoulli_(0.5)", "BernoulliBackward2"),
    ("t.bernoulli_(torch.full((3,), 0.5))", "BernoulliBackward1"),
    ("t.exponential_()", "ExponentialBackward0"), ("t.geometric_(0.5)", "GeometricBackward0"),
    ("t.cauchy_()", "CauchyBackward0"), ("t.log_normal_()", "LogNormalBackward0"),
]


@pytest.mark.parametrize("call, name", INPLACE_NAMES)
def test_inplace_random_ops_record_zero_gradients(call, name):
    for module in (torch, ember):
        leaf = module.ones(3, requires_grad=True)
        t = leaf * 2
        eval(call, {"torch": module, "t": t})
        assert t.grad_fn.name() == name
        t.sum().backward()
        assert leaf.grad.tolist() == [0.0, 0.0, 0.0]


def test_sampling_from_tensors_that_require_grad():
    mean = ember.zeros(3, requires_grad=True)
    std = ember.ones(3, requires_grad=True)
    out = ember.normal(mean, std)
    assert out.grad_fn.name() == "NormalBackward3"
    out.sum().backward()
    assert mean.grad.tolist() == [0.0] * 3 and std.grad.tolist() == [0.0] * 3
    assert ember.normal(mean, 2.0).grad_fn.name() == "NormalBackward1"
    assert ember.normal(1.0, std).grad_fn.name() == "NormalBackward2"
    p = ember.full((3,), 0.5, requires_grad=True)
    assert ember.bernoulli(p).grad_fn.name() == "BernoulliBackward0"
    assert ember.poisson(p).grad_fn.name() == "PoissonBackward0"
    refused = ember.bernoulli(p, 0.5)
    with pytest.raises(RuntimeError, match="derivative for aten::bernoulli is not implemented"):
        refused.sum().backward()
    assert ember.rand(3, requires_grad=True).is_leaf
    assert not ember.multinomial(p, 2).requires_grad
