"""``poisson`` draws PyTorch's samples bit for bit and leaves the generator where PyTorch does.

Compared as raw bytes for many seeds, sizes, rate mixes (zero, tiny, below and above the
switch at 10, huge, infinite), dtypes, layouts and generators; after every call the generator
states must be equal byte for byte, so the next draws stay in lockstep.  The last tests force
the rarely taken paths of ember/ops/_poisson.py (exact re-decision of near-ties, fix-ups after
a wrong placement, stream extensions, the vectorized run placements) and check that they still
give PyTorch's values.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")

import ember  # noqa: E402
from ember.ops import _poisson  # noqa: E402

SEEDS = [0, 1, 42, 2**31 - 1, 123456789]
SIZES = [1, 15, 16, 17, 100, 1001, 10007]


def _rates(kind: str, size: int, seed: int) -> np.ndarray:
    """Rates of one kind, from a NumPy stream independent of the generators under test."""
    rng = np.random.default_rng(seed + 7 * size)
    if kind == "small":
        return rng.random(size) * 10.0
    if kind == "large":
        return 10.0 + rng.random(size) * 200.0
    if kind == "mixed":
        return rng.random(size) * 30.0
    if kind == "zeros":
        return np.where(rng.random(size) < 0.5, 0.0, rng.random(size) * 25.0)
    if kind == "huge":
        return np.where(rng.random(size) < 0.5, 1e6, rng.random(size) * 1e9)
    if kind == "tiny":
        return np.where(rng.random(size) < 0.7, 1e-3, rng.random(size) * 1e-6)
    if kind == "edges":   # the switch between the two methods, on both sides
        return rng.choice([10.0, np.nextafter(10.0, 0.0), 9.5, 10.5], size)
    if kind == "two rates":
        return rng.choice([3.0, 30.0], size)
    if kind == "three rates":   # (zeros are not rates: they draw nothing)
        return rng.choice([0.0, 0.5, 9.99, 1e6], size)
    if kind == "constant small":
        return np.full(size, 4.25)
    if kind == "constant large":
        return np.full(size, 61.5)
    if kind == "runs":    # long stretches of one rate, small and large, between varying ones
        return np.concatenate([np.full(size // 3, 2.5), rng.random(size // 6) * 20,
                               np.full(size // 3, 33.0), rng.random(size - size // 3 * 2
                                                                    - size // 6) * 20])
    raise ValueError(kind)


def _state(generator) -> bytes:
    return bytes(generator.get_state().numpy())


def _as_bytes(tensor) -> bytes:
    if tensor.dtype in (torch.bfloat16, ember.bfloat16):
        tensor = tensor.float()
    return tensor.detach().numpy().tobytes()


def _check(rates: np.ndarray, seed: int, dtype: str = "float64", shape=None,
           layout=lambda t: t) -> None:
    """poisson of the same rates with generators seeded alike: same bytes, same dtype and
    shape, and equal generator states afterwards."""
    results, states = [], []
    for lib in (torch, ember):
        data = lib.tensor(rates, dtype=getattr(lib, dtype))
        if shape is not None:
            data = data.reshape(shape)
        generator = lib.Generator().manual_seed(seed)
        sample = lib.poisson(layout(data), generator=generator)
        results.append(sample)
        states.append(_state(generator))
    expected, got = results
    assert str(got.dtype) == str(expected.dtype) and tuple(got.shape) == tuple(expected.shape)
    assert _as_bytes(got) == _as_bytes(expected)
    assert states[0] == states[1]


@pytest.mark.parametrize("size, seed", [(size, seed) for size in SIZES for seed in SEEDS
                                         if size < 10007 or seed in SEEDS[:2]])
@pytest.mark.parametrize("kind", ["small", "large", "mixed", "zeros"])
def test_rate_mixes(kind, size, seed):
    _check(_rates(kind, size, seed), seed)


@pytest.mark.parametrize("seed", SEEDS[:3])
@pytest.mark.parametrize("size", [1, 16, 17, 1001])
@pytest.mark.parametrize("kind", ["huge", "tiny", "edges", "two rates", "three rates",
                                  "constant small", "constant large", "runs"])
def test_special_rates(kind, size, seed):
    _check(_rates(kind, size, seed), seed)


@pytest.mark.parametrize("rate", [np.inf, 1e300, 1.5e308, 1e100, 1e20, 1e19, 9.3e18, 1e18,
                                  5e15, 2.0**53, 1e9, 1e6])
def test_extreme_rates(rate):
    # Out of int64's range PyTorch returns INT64_MIN, and its compiled test uses the double k:
    # both are reproduced, so the stream stays in lockstep through such rates.
    rates = np.array([rate, 3.0, rate, 50.0, rate] * 6)
    for seed in range(4):
        _check(rates, seed)


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
def test_dtypes(dtype):
    for seed in SEEDS[:3]:
        _check(_rates("mixed", 1001, seed), seed, dtype)
        _check(_rates("huge", 100, seed) / 1e3, seed, dtype)   # rounding of large counts


@pytest.mark.parametrize("layout", [
    lambda t: t.t(), lambda t: t[::2], lambda t: t[:, 1::3], lambda t: t.t()[1:],
], ids=["transposed", "rows-strided", "cols-strided", "transposed-sliced"])
def test_non_contiguous(layout):
    # PyTorch visits the elements in row-major order of the logical shape.
    for seed in SEEDS[:3]:
        _check(_rates("mixed", 24 * 35, seed), seed, "float32", (24, 35), layout)


def test_expanded_and_permuted():
    for seed in SEEDS[:2]:
        _check(_rates("mixed", 7, seed), seed, "float64", (1, 7), lambda t: t.expand(5, 7))
        _check(_rates("mixed", 120, seed), seed, "float32", (2, 3, 4, 5),
               lambda t: t.permute(2, 0, 3, 1))


def test_zero_dim_and_empty():
    for seed in SEEDS[:2]:
        _check(np.array(7.5), seed, "float32")
        _check(np.array(42.0), seed, "float64")
        _check(np.zeros(0), seed, "float32", (0, 3))
        _check(np.zeros(40), seed)   # only zero rates: nothing is drawn


def test_default_generator_lockstep():
    rates = _rates("mixed", 2000, 3)
    for seed in SEEDS:
        torch.manual_seed(seed)
        ember.manual_seed(seed)
        expected = torch.poisson(torch.tensor(rates))
        got = ember.poisson(ember.tensor(rates))
        assert _as_bytes(got) == _as_bytes(expected)
        # the following draws of every kind agree
        assert _as_bytes(ember.rand(5)) == _as_bytes(torch.rand(5))
        assert _as_bytes(ember.randn(3, dtype=ember.float64)) == \
            _as_bytes(torch.randn(3, dtype=torch.float64))
        again = ember.poisson(ember.tensor(rates[:50]))
        assert _as_bytes(again) == _as_bytes(torch.poisson(torch.tensor(rates[:50])))
        assert bytes(ember.get_rng_state().numpy()) == bytes(torch.get_rng_state().numpy())


def test_tensor_method_and_shared_generator():
    # Interleaved calls on one Generator: every call starts where the previous one stopped.
    g_torch, g_ember = torch.Generator().manual_seed(11), ember.Generator().manual_seed(11)
    for kind in ["small", "large", "zeros", "runs", "mixed"]:
        rates = _rates(kind, 300, 5)
        expected = torch.poisson(torch.tensor(rates), g_torch)
        got = ember.poisson(ember.tensor(rates), g_ember)
        assert _as_bytes(got) == _as_bytes(expected)
        assert _as_bytes(ember.rand(2, generator=g_ember)) == \
            _as_bytes(torch.rand(2, generator=g_torch))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(st.just(0.0), st.floats(0.0, 1e-2), st.floats(0.0, 10.0),
                          st.floats(9.0, 11.0), st.floats(10.0, 1e4), st.floats(1e4, 1e12)),
                min_size=0, max_size=60),
       st.integers(0, 2**40))
def test_arbitrary_rates(rates, seed):
    _check(np.array(rates, dtype=np.float64), seed)


# -- errors -------------------------------------------------------------------------------

@pytest.mark.parametrize("rates", [[-1.0], [2.0, 30.0, -0.5, 4.0], [float("nan")],
                                   [1e3, 0.0, float("nan"), -1.0], [-np.inf]])
def test_invalid_rates(rates):
    # PyTorch raises when it reaches the bad rate: the draws of the elements before are spent.
    errors, states = [], []
    for lib in (torch, ember):
        generator = lib.Generator().manual_seed(9)
        with pytest.raises(RuntimeError) as error:
            lib.poisson(lib.tensor(rates), generator=generator)
        errors.append(str(error.value))
        states.append(_state(generator))
    assert errors[0] == errors[1]
    assert states[0] == states[1]


@pytest.mark.parametrize("call, error", [
    (lambda lib: lib.poisson(lib.tensor([1, 2])), NotImplementedError),
    (lambda lib: lib.poisson(lib.tensor([1 + 1j])), NotImplementedError),
    (lambda lib: lib.poisson([1.0]), TypeError),
    (lambda lib: lib.poisson(lib.tensor([1.0]), generator=5), TypeError),
    (lambda lib: lib.poisson(lib.tensor([1, 2]), generator=5), TypeError),
])
def test_argument_errors(call, error):
    for lib in (torch, ember):
        with pytest.raises(error):
            call(lib)


def test_gradient_is_zero():
    for lib in (torch, ember):
        x = lib.tensor([1.5, 20.0, 0.0], requires_grad=True)
        y = lib.poisson(x)
        assert type(y.grad_fn).__name__ == "PoissonBackward0"
        (y * 3).sum().backward()
        assert x.grad.tolist() == [0.0, 0.0, 0.0]


def test_meta():
    got = ember.poisson(ember.empty(3, 4, device="meta", dtype=ember.float64))
    assert got.device.type == "meta" and tuple(got.shape) == (3, 4)
    assert got.dtype == ember.float64


# -- the rarely taken paths ------------------------------------------------------------------

def test_every_ptrs_test_decided_exactly(monkeypatch):
    # A tie band covering every test sends each one through the C library's log and lgamma.
    monkeypatch.setattr(_poisson, "_TIE", 1e300)
    for seed in SEEDS[:3]:
        _check(_rates("large", 400, seed), seed)
        _check(_rates("constant large", 300, seed), seed)
        _check(_rates("huge", 100, seed), seed)


def test_every_small_end_decided_exactly(monkeypatch):
    monkeypatch.setattr(_poisson, "_SMALL_BAND", 1e300)
    for seed in SEEDS[:3]:
        _check(_rates("small", 500, seed), seed)
        _check(_rates("constant small", 600, seed), seed)
        _check(_rates("two rates", 600, seed), seed)


def test_wrong_placement_is_fixed(monkeypatch):
    # Place some small-rate elements one draw too far; the exact re-decision (forced on every
    # element here) must notice, put them right and walk on from there.
    spoiled = set()

    def clumsy(walk, lams_at):
        def run(G, *args):
            ends, lams = args[-2], args[lams_at]
            first = len(ends)
            walk(G, *args)
            for j in range(first, len(ends)):
                if j % 23 == 3 and j not in spoiled and lams[j - first] < 10.0:
                    spoiled.add(j)
                    ends[j] += 1
        return run

    monkeypatch.setattr(_poisson, "_SMALL_BAND", 1e300)
    monkeypatch.setattr(_poisson, "_walk_small", clumsy(_poisson._walk_small, 0))
    monkeypatch.setattr(_poisson, "_walk_mixed", clumsy(_poisson._walk_mixed, 3))
    for seed in SEEDS[:2]:
        for kind in ["small", "mixed"]:
            spoiled.clear()
            _check(_rates(kind, 300, seed), seed)
            assert spoiled


def test_stream_drawn_in_small_chunks(monkeypatch):
    # Under-estimating the draws forces many extensions and a rewind into a late chunk.
    monkeypatch.setattr(_poisson, "_expected_draws", lambda lam: 1.0)
    for seed in SEEDS[:2]:
        for kind in ["small", "large", "mixed", "runs", "constant small", "constant large",
                     "two rates"]:
            _check(_rates(kind, 700, seed), seed)


@pytest.mark.parametrize("threshold", [1, 10**9])
def test_tables_or_walk(monkeypatch, threshold):
    # The same inputs placed by the table and run code (threshold 1: every run is long, any
    # input with few rates follows tables) and by the walk alone (no run is long enough).
    monkeypatch.setattr(_poisson, "_RUN_MIN", threshold)
    monkeypatch.setattr(_poisson, "_SMALL_RUN_MIN", threshold)
    monkeypatch.setattr(_poisson, "_FEW_RATES", 10 if threshold == 1 else 0)
    for seed in SEEDS[:3]:
        for kind in ["runs", "constant small", "constant large", "edges", "zeros", "two rates",
                     "three rates"]:
            _check(_rates(kind, 500, seed), seed)


def test_more_draws_than_the_search_window():
    # A rate just below 10 that needs more than _poisson._SPAN draws is rare; forcing a tiny
    # window makes it common.
    original = _poisson._SPAN
    try:
        _poisson._SPAN = 3
        for seed in SEEDS[:3]:
            _check(_rates("small", 300, seed), seed)
            _check(_rates("runs", 600, seed), seed)
    finally:
        _poisson._SPAN = original


def test_chunked_sampling(monkeypatch):
    # Long inputs are sampled in chunks of elements, each with its own stream of draws.
    monkeypatch.setattr(_poisson, "_CHUNK", 37)
    for seed in SEEDS[:2]:
        for kind in ["mixed", "runs", "zeros", "constant small"]:
            _check(_rates(kind, 500, seed), seed)
