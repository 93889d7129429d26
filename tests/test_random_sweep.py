"""Hypothesis sweep of the whole random API: the same seed gives PyTorch's bytes and state.

Each example draws one call (an op with its parameters: size, dtype, layout, bounds), runs it
in both libraries after the same seed and compares the result's raw bytes, dtype, shape and
the generator's 5056-byte state afterwards -- or, where PyTorch refuses the call, the exception
type.  The table reaches the corners fixed tests tend to miss: half types (whose double samples
PyTorch rounds through float), spans near the 2**28 switch to 64-bit draws, non-contiguous
outputs (which take PyTorch's serial kernels), tensor-valued parameters and the nn layers that
draw.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")

import ember  # noqa: E402

FLOATS = ["float32", "float64", "float16", "bfloat16"]
INTS = ["uint8", "int8", "int16", "int32", "int64"]
SIZES = [1, 2, 3, 15, 16, 17, 31, 33, 100, 257, 1001, 4097]
SEEDS = [0, 1, 7, 2**31 - 1, 2**32 + 5, 2**63 - 1, 123456789, -3]

# '{n}' is the size, '{f}' a float dtype, '{i}' an integer dtype, '{lo}'/'{hi}' integer bounds.
CALLS = [
    "m.rand({n}, dtype=m.{f})",
    "m.rand({n}, dtype=m.complex64)",
    "m.empty({n}, dtype=m.{f}).uniform_(-3, 5)",
    "m.empty(3, {n}, dtype=m.{f})[:, ::2].uniform_()",
    "m.rand_like(m.empty({n}, 3, dtype=m.{f}).t())",
    "m.randn({n}, dtype=m.{f})",
    "m.randn({n}, 5, dtype=m.complex128)",
    "m.empty({n}, 3, dtype=m.{f}).t().normal_()",
    "m.empty({n}, dtype=m.{f}).normal_(1.5, 0.25)",
    "m.normal(m.arange({n}, dtype=m.{f}), 2.0)",
    "m.normal(1.0, m.arange(1, {n} + 1, dtype=m.{f}))",
    "m.normal(m.zeros(3, 1, dtype=m.{f}), m.ones({n}, dtype=m.{f}))",
    "m.normal(2.0, 0.5, size=({n}, 2))",
    "m.empty({n}, dtype=m.{f}).exponential_(1.7)",
    "m.empty({n}, 2, dtype=m.{f})[:, 0].exponential_()",
    "m.empty({n}, dtype=m.{f}).cauchy_(0.5, 2.0)",
    "m.empty({n}, dtype=m.{f}).log_normal_(0.1, 0.5)",
    "m.empty({n}, dtype=m.{f}).geometric_(0.3)",
    "m.empty({n}, dtype=m.{i}).random_()",
    "m.empty({n}, dtype=m.{i}).random_(3)",
    "m.empty({n}, dtype=m.{f}).random_(3)",
    "m.empty({n}, dtype=m.bool).random_()",
    "m.randint({lo}, {hi}, ({n},))",
    "m.randint_like(m.empty({n}, dtype=m.{i}), 0, 100)",
    "m.empty({n}, dtype=m.{f}).bernoulli_(0.37)",
    "m.empty({n}, dtype=m.{i}).bernoulli_(m.rand({n}))",
    "m.bernoulli(m.rand({n}, dtype=m.{f}))",
    "m.multinomial(m.arange(1, min({n}, 300) + 1, dtype=m.float32), min({n}, 300) // 2 + 1)",
    "m.multinomial(m.rand(3, {n}) + 0.01, 7, True)",
    "m.multinomial(m.rand({n}, dtype=m.{f}) + 0.1, 1)",
    "m.randperm({n})",
    "m.randperm({n}, dtype=m.{f})",
    "m.poisson(m.rand({n}, dtype=m.float64) * 30)",
    "m.nn.init.trunc_normal_(m.empty({n}), 0.0, 1.0, -2.0, 2.0)",
    "m.nn.init.kaiming_uniform_(m.empty(8, {n}))",
    "m.nn.init.xavier_normal_(m.empty({n}, 4))",
    "m.nn.init.sparse_(m.empty({n}, 4), 0.5)",
    "m.nn.functional.dropout(m.ones({n}, 3, dtype=m.{f}), 0.3)",
    "m.nn.functional.dropout2d(m.ones(2, min({n}, 64), 3, 3), 0.5)",
    "m.nn.functional.alpha_dropout(m.ones({n}), 0.2, True)",
    "m.nn.functional.rrelu(m.linspace(-1, 1, {n}, dtype=m.{f}), training=True)",
]

BOUNDS = [(0, 10), (-100, 100), (0, 2**28 - 1), (0, 2**28), (3, 2**31 + 3), (0, 2**32),
          (-2**40, 2**40), (-2**63, 2**63 - 1)]


def run(lib, expression: str, seed: int):
    """(result bytes, dtype, shape, state bytes) or (exception type name,)."""
    lib.manual_seed(seed)
    try:
        value = eval(expression, {"m": lib}).detach()
    except Exception as error:  # noqa: BLE001 - the type is what is compared
        return (type(error).__name__,)
    if value.is_complex():
        value = lib.view_as_real(value)
    dtype = str(value.dtype)
    if value.dtype == lib.bfloat16:
        value = value.float()
    state = lib.get_rng_state().numpy().tobytes()
    return value.contiguous().numpy().tobytes(), dtype, tuple(value.shape), state


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(CALLS), st.sampled_from(SIZES), st.sampled_from(FLOATS),
       st.sampled_from(INTS), st.sampled_from(BOUNDS), st.sampled_from(SEEDS))
def test_random_calls_match_torch_bit_for_bit(template, n, f, i, bounds, seed):
    expression = template.format(n=n, f=f, i=i, lo=bounds[0], hi=bounds[1])
    with np.errstate(all="ignore"):
        expected = run(torch, expression, seed)
        got = run(ember, expression, seed)
    assert got[1:] == expected[1:], expression
    assert got[0] == expected[0], expression
