"""The same seed gives PyTorch's numbers bit for bit: many seeds, sizes and call sequences.

Compared as raw bytes, not with a tolerance.  The one documented exception: float32 normal
draws of 16 or more contiguous elements, which PyTorch computes with SLEEF's vectorized
log/sin/cos; NumPy's float32 functions differ from those in the last bit for some inputs, so
those values are compared to within a few float32 roundings (4e-7).
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")

import ember  # noqa: E402

SEEDS = [0, 1, 42, 2**31 - 1, 2**32 + 5, 123456789]
SIZES = [1, 2, 15, 16, 17, 31, 33, 100, 1001]
FLOAT_TYPES = ["float32", "float64", "float16", "bfloat16"]


def same_bytes(e, t) -> None:
    ea = e.detach().numpy() if e.dtype.name != "bfloat16" else e.float().detach().numpy()
    ta = (t.detach().numpy() if t.dtype != torch.bfloat16
          else t.float().detach().numpy())
    assert ea.dtype == ta.dtype and ea.shape == ta.shape
    assert ea.tobytes() == ta.tobytes()


def both(seed: int, make):
    torch.manual_seed(seed)
    ember.manual_seed(seed)
    return make(ember), make(torch)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("dtype", FLOAT_TYPES)
def test_uniform_family(seed, size, dtype):
    for make in (lambda m: m.rand(size, dtype=getattr(m, dtype)),
                 lambda m: m.empty(size, dtype=getattr(m, dtype)).uniform_(-3, 0.5),
                 lambda m: m.rand_like(m.zeros(size, dtype=getattr(m, dtype)))):
        same_bytes(*both(seed, make))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("dtype", FLOAT_TYPES)
def test_normal_family(seed, size, dtype):
    makers = [lambda m: m.randn(size, dtype=getattr(m, dtype)),
              lambda m: m.empty(size, dtype=getattr(m, dtype)).normal_(2.0, 0.5),
              lambda m: m.normal(m.zeros(size, dtype=getattr(m, dtype)), 3.0),
              lambda m: m.normal(1.5, m.ones(size, dtype=getattr(m, dtype))),
              lambda m: m.randn_like(m.zeros(size, dtype=getattr(m, dtype)))]
    for make in makers:
        e, t = both(seed, make)
        if dtype == "float32" and size >= 16:
            np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=4e-7, atol=4e-7)
        else:
            same_bytes(e, t)


INT_CASES = [("randint", lambda m, n: m.randint(0, 10, (n,))),
             ("randint_wide", lambda m, n: m.randint(-2**40, 2**40, (n,))),
             ("randint_int8", lambda m, n: m.randint(-128, 128, (n,), dtype=m.int8)),
             ("randint_float", lambda m, n: m.randint(0, 1000, (n,), dtype=m.float32)),
             ("random_", lambda m, n: m.empty(n, dtype=m.int64).random_()),
             ("random_int16", lambda m, n: m.empty(n, dtype=m.int16).random_(-7, 9)),
             ("random_uint8", lambda m, n: m.empty(n, dtype=m.uint8).random_()),
             ("randperm", lambda m, n: m.randperm(n)),
             ("randperm_int32", lambda m, n: m.randperm(n, dtype=m.int32)),
             ("bernoulli_p", lambda m, n: m.empty(n).bernoulli_(0.3)),
             ("bernoulli_t", lambda m, n: m.bernoulli(m.linspace(0, 1, n))),
             ("exponential", lambda m, n: m.empty(n).exponential_(1.7)),
             ("geometric", lambda m, n: m.empty(n).geometric_(0.2)),
             ("cauchy", lambda m, n: m.empty(n, dtype=m.float64).cauchy_(0.5, 2)),
             ("log_normal", lambda m, n: m.empty(n, dtype=m.float64).log_normal_(0.1, 0.3)),
             ("multinomial", lambda m, n: m.multinomial(m.arange(1.0, n + 2.0), n, True)),
             ("multinomial_noreplace",
              lambda m, n: m.multinomial(m.arange(1.0, n + 2.0), min(n, 5)))]


@pytest.mark.parametrize("seed", SEEDS[:4])
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("name,make", INT_CASES, ids=[c[0] for c in INT_CASES])
def test_discrete_and_other_distributions(name, make, size, seed):
    same_bytes(*both(seed, lambda m: make(m, size)))


@pytest.mark.parametrize("n", [0, 1, 2, 3, 1000, 4096, 65537, 200003])
def test_randperm_large(n):
    same_bytes(*both(9, lambda m: m.randperm(n)))


CALLS = {
    "rand_odd": lambda m: m.rand(7),
    "rand_even": lambda m: m.rand(8, dtype=m.float64),
    "randn_odd": lambda m: m.randn(5, dtype=m.float64),
    "randn_even": lambda m: m.randn(6, dtype=m.float64),
    "randn_small32": lambda m: m.randn(3),
    "randn_block": lambda m: m.randn(33, dtype=m.float64),
    "randint": lambda m: m.randint(0, 100, (9,)),
    "randperm": lambda m: m.randperm(23),
    "normal_": lambda m: m.empty(3).normal_(),
    "bernoulli": lambda m: m.empty(11).bernoulli_(0.5),
}


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1),
       st.lists(st.sampled_from(sorted(CALLS)), min_size=1, max_size=8))
def test_mixed_call_sequences_stay_in_lockstep(seed, names):
    torch.manual_seed(seed)
    ember.manual_seed(seed)
    for name in names:
        same_bytes(CALLS[name](ember), CALLS[name](torch))
    assert ember.get_rng_state().numpy().tobytes() == torch.get_rng_state().numpy().tobytes()


def test_state_round_trips_between_libraries():
    torch.manual_seed(5)
    torch.randn(3)
    torch.rand(5)
    state = torch.get_rng_state()
    ember.set_rng_state(ember.tensor(state.numpy()))
    same_bytes(ember.randn(3, dtype=ember.float64), torch.randn(3, dtype=torch.float64))
    torch.set_rng_state(torch.tensor(ember.get_rng_state().numpy()))
    same_bytes(ember.rand(9), torch.rand(9))


def test_explicit_generators_match():
    for seed in SEEDS:
        ge = ember.Generator().manual_seed(seed)
        gt = torch.Generator().manual_seed(seed)
        assert ge.initial_seed() == gt.initial_seed()
        same_bytes(ember.randperm(50, generator=ge), torch.randperm(50, generator=gt))
        same_bytes(ember.randn(5, generator=ge, dtype=ember.float64),
                   torch.randn(5, generator=gt, dtype=torch.float64))
        assert ge.get_state().numpy().tobytes() == gt.get_state().numpy().tobytes()
