"""Binary and ternary elementwise ops against PyTorch.

One table of ops drives the forward checks (every dtype pair, Python numbers and zero-dim tensors
on either side, in-place and ``out=`` forms, broadcasting shapes from hypothesis) and the
gradient checks (float64, broadcast and non-contiguous inputs, grad_fn names).  Where PyTorch
raises, ember must raise the same exception type.  Specific behaviours (integer division by
zero, negative integer powers, bool subtraction, shift limits, signed zeros, ...) follow.
"""
# The lambdas handed to check() run at once, inside the loop that binds their variables.
# ruff: noqa: B023
from __future__ import annotations

import itertools
import math
import warnings
from dataclasses import dataclass

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from hypothesis import given, settings, strategies as st  # noqa: E402
from hypothesis.extra.numpy import mutually_broadcastable_shapes  # noqa: E402

import ember  # noqa: E402
from tests.parity import DTYPE_NAMES, assert_same, numerical_grad, to_torch  # noqa: E402


@dataclass(frozen=True)
class Op:
    """One binary op: called as ``lib.<fn>(a, b, **kwargs)`` in both libraries."""

    id: str
    fn: str
    kwargs: tuple = ()
    nonzero: bool = False      # keep integer divisors away from zero (that raises)
    grad: bool = True          # differentiable in float64
    inplace: bool = True       # has a Tensor.<fn>_ method
    tensor_only: bool = False  # PyTorch refuses Python numbers for either operand
    # PyTorch rounds ldexp's 2 ** other in a dtype that depends on the operand mix; ember
    # rounds it in the exponent's dtype, so mixed-precision results may differ by that rounding.
    rtol: float | None = None

    def call(self, lib, a, b, **more):
        return getattr(lib, self.fn)(a, b, **dict(self.kwargs), **more)

    def call_inplace(self, a, b):
        return getattr(a, self.fn + "_")(b, **dict(self.kwargs))


OPS = [
    Op("add", "add"),
    Op("add_alpha", "add", (("alpha", 2),)),
    Op("sub", "sub"),
    Op("sub_alpha", "sub", (("alpha", 3),)),
    Op("subtract", "subtract"),
    Op("rsub", "rsub", inplace=False),
    Op("mul", "mul"),
    Op("multiply", "multiply"),
    Op("div", "div"),
    Op("divide", "divide"),
    Op("true_divide", "true_divide"),
    Op("div_trunc", "div", (("rounding_mode", "trunc"),), nonzero=True),
    Op("div_floor", "div", (("rounding_mode", "floor"),), nonzero=True),
    Op("floor_divide", "floor_divide", nonzero=True, grad=False),
    Op("remainder", "remainder", nonzero=True),
    Op("fmod", "fmod", nonzero=True),
    Op("pow", "pow"),
    Op("float_power", "float_power"),
    Op("atan2", "atan2", tensor_only=True),
    Op("arctan2", "arctan2", tensor_only=True),
    Op("hypot", "hypot", tensor_only=True),
    Op("copysign", "copysign"),
    Op("maximum", "maximum", inplace=False, tensor_only=True),
    Op("minimum", "minimum", inplace=False, tensor_only=True),
    Op("fmax", "fmax", inplace=False, tensor_only=True),
    Op("fmin", "fmin", inplace=False, tensor_only=True),
    Op("logaddexp", "logaddexp", inplace=False, tensor_only=True),
    Op("logaddexp2", "logaddexp2", inplace=False, tensor_only=True),
    Op("xlogy", "xlogy"),
    Op("nextafter", "nextafter", tensor_only=True),
    Op("ldexp", "ldexp", tensor_only=True, rtol=4e-3),
    Op("gcd", "gcd", grad=False, tensor_only=True),
    Op("lcm", "lcm", grad=False, tensor_only=True),
    Op("heaviside", "heaviside", grad=False, tensor_only=True),
    Op("eq", "eq", grad=False),
    Op("ne", "ne", grad=False),
    Op("lt", "lt", grad=False),
    Op("le", "le", grad=False),
    Op("gt", "gt", grad=False),
    Op("ge", "ge", grad=False),
    Op("greater", "greater", grad=False),
    Op("greater_equal", "greater_equal", grad=False),
    Op("less", "less", grad=False),
    Op("less_equal", "less_equal", grad=False),
    Op("not_equal", "not_equal", grad=False),
    Op("logical_and", "logical_and", grad=False, tensor_only=True),
    Op("logical_or", "logical_or", grad=False, tensor_only=True),
    Op("logical_xor", "logical_xor", grad=False, tensor_only=True),
    Op("bitwise_and", "bitwise_and", grad=False),
    Op("bitwise_or", "bitwise_or", grad=False),
    Op("bitwise_xor", "bitwise_xor", grad=False),
    Op("bitwise_left_shift", "bitwise_left_shift", grad=False),
    Op("bitwise_right_shift", "bitwise_right_shift", grad=False),
    Op("clamp_min", "clamp_min"),
    Op("clamp_max", "clamp_max"),
]
OP_IDS = [op.id for op in OPS]
GRAD_OPS = [op for op in OPS if op.grad]
INPLACE_OPS = [op for op in OPS if op.inplace]

FLOAT_SPECIALS = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0])


# ----------------------------------------------------------------------------------------------
# Data and comparison helpers
# ----------------------------------------------------------------------------------------------

def values(name: str, shape, rng, nonzero: bool = False, specials: bool = True) -> np.ndarray:
    """Random values of dtype ``name`` (as a float32/float64/complex/int NumPy array)."""
    if name == "bool":
        return rng.random(shape) < 0.5
    if name == "uint8":
        arr = np.array(rng.integers(0, 12, shape))
    elif name.startswith("int"):
        arr = np.array(rng.integers(-6, 7, shape))
    else:
        arr = np.array(np.round(rng.standard_normal(shape) * 3, 2))
        if name.startswith("complex"):
            arr = arr + 1j * np.round(rng.standard_normal(shape) * 3, 2)
        elif specials and arr.size:
            mask = rng.random(shape) < 0.1
            arr[mask] = rng.choice(FLOAT_SPECIALS, int(mask.sum()))
        return arr
    if nonzero:
        arr[arr == 0] = 1
    return arr


def make(name: str, arr: np.ndarray, requires_grad: bool = False):
    """An (ember, torch) pair with identical values of dtype ``name``."""
    e = ember.from_numpy(np.array(arr, order="C")).to(getattr(ember, name))
    if name == "bfloat16":
        # Copy the bits: torch's float32 -> bfloat16 conversion flips the sign of NaN.
        t = torch.from_numpy(e._data.view(np.int16).copy()).view(torch.bfloat16)
    else:
        t = to_torch(e)
    if requires_grad:
        e.requires_grad_(True)
        t.requires_grad_(True)
    return e, t


def random_pair(name: str, shape, rng, nonzero=False, specials=True, requires_grad=False):
    return make(name, values(name, shape, rng, nonzero, specials), requires_grad)


def tolerance(result) -> dict:
    name = str(result.dtype).replace("torch.", "")
    return {"float16": dict(rtol=2e-3, atol=2e-3), "bfloat16": dict(rtol=1.6e-2, atol=1.6e-2),
            "float32": dict(rtol=2e-5, atol=1e-5), "complex64": dict(rtol=1e-4, atol=1e-4),
            }.get(name, dict(rtol=1e-9, atol=1e-9))


def op_tolerance(op: Op):
    return None if op.rtol is None else dict(rtol=op.rtol, atol=op.rtol)


def outcome(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return fn(), None
        except Exception as error:  # the comparison below checks its type
            return None, error


SKIPPED = object()


def check(ember_fn, torch_fn, context="", tol=None):
    """ember matches torch: the same value (dtype, shape) or the same exception type."""
    t_result, t_error = outcome(torch_fn)
    e_result, e_error = outcome(ember_fn)
    if (isinstance(t_result, torch.Tensor) and t_result.dtype == torch.complex32) or \
            "ComplexHalf" in str(t_error):
        return SKIPPED  # ember has no complex32 (ComplexHalf): float16 with complex makes it
    if t_error is not None:
        assert e_error is not None, f"{context}: torch raised {t_error!r}, ember returned " \
                                    f"{e_result!r}"
        assert type(e_error).__name__ == type(t_error).__name__, \
            f"{context}: torch raised {t_error!r}, ember raised {e_error!r}"
        return None
    if e_error is not None:
        raise AssertionError(f"{context}: ember raised {e_error!r}, torch returned "
                             f"{t_result!r}") from e_error
    if isinstance(t_result, torch.Tensor):
        try:
            assert_same(e_result, t_result, **(tol or tolerance(t_result)))
        except AssertionError as error:
            raise AssertionError(f"{context}: {error}") from None
    else:
        assert e_result == t_result, (context, e_result, t_result)
    return e_result


def scalar_inputs(op: Op):
    return [True, 3, -2, 2.5, -0.5, 1.5 - 2j]


# ----------------------------------------------------------------------------------------------
# Forward: dtypes, numbers, zero-dim tensors, broadcasting
# ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("op", OPS, ids=OP_IDS)
def test_forward_every_dtype_pair(op):
    rng = np.random.default_rng(0)
    for a, b in itertools.product(DTYPE_NAMES, DTYPE_NAMES):
        ea, ta = random_pair(a, (2, 5), rng)
        eb, tb = random_pair(b, (2, 5), rng, nonzero=op.nonzero)
        check(lambda: op.call(ember, ea, eb), lambda: op.call(torch, ta, tb), f"{op.id} {a} {b}",
              tol=op_tolerance(op))


@pytest.mark.parametrize("op", OPS, ids=OP_IDS)
def test_forward_python_numbers_both_sides(op):
    rng = np.random.default_rng(1)
    for name in DTYPE_NAMES:
        e, t = random_pair(name, (6,), rng, nonzero=op.nonzero)
        for number in scalar_inputs(op):
            check(lambda: op.call(ember, e, number), lambda: op.call(torch, t, number),
                  f"{op.id} {name} {number!r}")
            check(lambda: op.call(ember, number, e), lambda: op.call(torch, number, t),
                  f"{op.id} {number!r} {name}")


@pytest.mark.parametrize("op", OPS, ids=OP_IDS)
def test_forward_zero_dim_operands(op):
    rng = np.random.default_rng(2)
    names = ["bool", "uint8", "int8", "int32", "int64", "float16", "bfloat16", "float32",
             "float64", "complex64"]
    for a, b in itertools.product(names, names):
        ea, ta = random_pair(a, (3,), rng)
        eb, tb = random_pair(b, (), rng, nonzero=op.nonzero)
        check(lambda: op.call(ember, ea, eb), lambda: op.call(torch, ta, tb), f"{op.id} {a} {b}0",
              tol=op_tolerance(op))
        check(lambda: op.call(ember, eb, ea), lambda: op.call(torch, tb, ta), f"{op.id} {b}0 {a}",
              tol=op_tolerance(op))


@pytest.mark.parametrize("op", OPS, ids=OP_IDS)
@settings(max_examples=10, deadline=None)
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, max_dims=4, max_side=3),
       dtypes=st.sampled_from([("float32", "float32"), ("int64", "int64"), ("float64", "int32"),
                               ("uint8", "int8"), ("bool", "float16")]),
       seed=st.integers(0, 2**16))
def test_forward_broadcasting(op, shapes, dtypes, seed):
    rng = np.random.default_rng(seed)
    ea, ta = random_pair(dtypes[0], shapes.input_shapes[0], rng)
    eb, tb = random_pair(dtypes[1], shapes.input_shapes[1], rng, nonzero=op.nonzero)
    result = check(lambda: op.call(ember, ea, eb), lambda: op.call(torch, ta, tb), op.id)
    if result is not None:
        assert tuple(result.shape) == shapes.result_shape


@pytest.mark.parametrize("op", OPS, ids=OP_IDS)
def test_incompatible_shapes_raise_runtime_error(op):
    ea, ta = random_pair("float32", (2, 3), np.random.default_rng(3))
    eb, tb = random_pair("float32", (4,), np.random.default_rng(4))
    check(lambda: op.call(ember, ea, eb), lambda: op.call(torch, ta, tb), op.id)
    with pytest.raises(RuntimeError, match="must match the size"):
        ember.add(ember.zeros(2, 3), ember.zeros(4))


# ----------------------------------------------------------------------------------------------
# In-place and out=
# ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("op", INPLACE_OPS, ids=[op.id for op in INPLACE_OPS])
def test_inplace_every_dtype_pair(op):
    rng = np.random.default_rng(5)
    names = ["bool", "uint8", "int16", "int64", "float16", "bfloat16", "float32", "float64",
             "complex128"]
    for a, b in itertools.product(names, names + [2, 1.5]):
        ea, ta = random_pair(a, (3, 4), rng)
        if isinstance(b, str):
            eb, tb = random_pair(b, (4,), rng, nonzero=op.nonzero)
        else:
            eb = tb = b
        e_before, snapshot = ea, ea.clone()
        result = check(lambda: op.call_inplace(ea, eb), lambda: op.call_inplace(ta, tb),
                       f"{op.id}_ {a} {b}", tol=op_tolerance(op))
        if result is SKIPPED:
            continue
        if result is not None:
            assert result is e_before and result.dtype is getattr(ember, a)
            assert_same(ea, ta, **(op_tolerance(op) or tolerance(ta)))
        else:
            # A refused in-place op leaves its tensor untouched.
            assert_same(ea, to_torch(snapshot))


@pytest.mark.parametrize("op", INPLACE_OPS, ids=[op.id for op in INPLACE_OPS])
def test_inplace_refuses_broadcast_to_a_larger_shape(op):
    rng = np.random.default_rng(6)
    ea, ta = random_pair("float32", (4,), rng)
    eb, tb = random_pair("float32", (3, 4), rng, nonzero=True)
    snapshot = ea.clone()
    check(lambda: op.call_inplace(ea, eb), lambda: op.call_inplace(ta, tb), op.id)
    assert_same(ea, to_torch(snapshot))


def test_inplace_refused_cast_leaves_tensor_unchanged():
    e = ember.tensor([1, 2, 3])
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired "
                                           "output type Long"):
        e += 1.5
    assert e.tolist() == [1, 2, 3]
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        e.add_(ember.ones(2, 3, dtype=ember.int64))
    assert e.tolist() == [1, 2, 3]
    with pytest.raises(RuntimeError):
        ember.tensor([True]).bitwise_and_(ember.tensor([3]))


def test_inplace_keeps_views_in_sync():
    base = ember.arange(6.0).reshape(2, 3)
    row = base[1]
    row.mul_(2).clamp_(max=8.0).remainder_(5)
    t_base = torch.arange(6.0).reshape(2, 3)
    t_base[1].mul_(2).clamp_(max=8.0).remainder_(5)
    assert_same(base, t_base)


@pytest.mark.parametrize("op", OPS, ids=OP_IDS)
def test_out_argument(op):
    rng = np.random.default_rng(7)
    ea, ta = random_pair("float32", (2, 3), rng)
    eb, tb = random_pair("float32", (3,), rng, nonzero=True)
    ia, tia = random_pair("int32", (2, 3), rng)
    ib, tib = random_pair("int32", (3,), rng, nonzero=True)
    cases = [(ea, eb, ta, tb), (ia, ib, tia, tib)]
    for (xa, xb, ya, yb), out_dtype in itertools.product(cases, ["float64", "int64", "bool"]):
        e_out = ember.empty(2, 3, dtype=getattr(ember, out_dtype))
        t_out = torch.empty(2, 3, dtype=getattr(torch, out_dtype))
        result = check(lambda: op.call(ember, xa, xb, out=e_out),
                       lambda: op.call(torch, ya, yb, out=t_out), f"{op.id} out={out_dtype}",
                       tol=dict(rtol=2e-5, atol=1e-5))
        if result is not None:
            assert result is e_out
    # An empty out is resized without a warning.
    e_out, t_out = ember.empty(0), torch.empty(0)
    check(lambda: op.call(ember, ea, eb, out=e_out), lambda: op.call(torch, ta, tb, out=t_out))


def test_out_refuses_grad():
    x = ember.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="out=... arguments don't support automatic"):
        ember.mul(x, 2, out=ember.empty(2))


# ----------------------------------------------------------------------------------------------
# Gradients
# ----------------------------------------------------------------------------------------------

def _grad_pair(shape, rng, positive=False, transpose=False):
    arr = rng.standard_normal(shape[::-1] if transpose else shape)
    if positive:
        arr = np.abs(arr) + 0.5
    e, t = make("float64", arr, requires_grad=True)
    if transpose:
        return e, t, e.t(), t.t()
    return e, t, e, t


def _positive_inputs(op: Op) -> bool:
    # Keep bases positive where negative values make the derivative NaN.
    return op.fn in ("pow", "float_power", "xlogy")


@pytest.mark.parametrize("op", GRAD_OPS, ids=[op.id for op in GRAD_OPS])
@pytest.mark.parametrize("layout", ["broadcast", "transposed", "scalar", "rscalar"])
def test_gradients_match_torch(op, layout):
    rng = np.random.default_rng(8)
    positive = _positive_inputs(op)
    if layout == "broadcast":
        la, ta_leaf, ea, ta = _grad_pair((3, 1), rng, positive)
        lb, tb_leaf, eb, tb = _grad_pair((4,), rng, positive)
    elif layout == "transposed":
        la, ta_leaf, ea, ta = _grad_pair((3, 4), rng, positive, transpose=True)
        lb, tb_leaf, eb, tb = _grad_pair((3, 4), rng, positive)
    else:
        la, ta_leaf, ea, ta = _grad_pair((2, 3), rng, positive)
        lb = tb_leaf = None
        eb = tb = 1.7
        if layout == "rscalar":
            ea, eb, ta, tb = eb, ea, tb, ta
    t_result, t_error = outcome(lambda: op.call(torch, ta, tb))
    if t_error is not None:
        with pytest.raises(type(t_error)):
            op.call(ember, ea, eb)
        return
    e_result = op.call(ember, ea, eb)
    assert_same(e_result, t_result)
    assert e_result.grad_fn.name() == t_result.grad_fn.name()
    leaves = [(la, ta_leaf)] + ([(lb, tb_leaf)] if lb is not None else [])
    weights = rng.standard_normal(tuple(t_result.shape))
    t_grads = outcome(lambda: torch.autograd.grad(t_result, [t for _, t in leaves],
                                                  torch.from_numpy(weights)))
    if t_grads[1] is not None:
        with pytest.raises(type(t_grads[1])):
            ember.autograd.grad(e_result, [e for e, _ in leaves], ember.from_numpy(weights))
        return
    e_grads = ember.autograd.grad(e_result, [e for e, _ in leaves], ember.from_numpy(weights))
    for e_grad, t_grad in zip(e_grads, t_grads[0]):
        assert_same(e_grad, t_grad, rtol=1e-9, atol=1e-12)


GRAD_FN_CASES = [
    ("a + b", lambda lib, a, b: a + b), ("a + 2", lambda lib, a, b: a + 2),
    ("2 - a", lambda lib, a, b: 2 - a), ("a - b", lambda lib, a, b: a - b),
    ("rsub", lambda lib, a, b: lib.rsub(a, b)), ("rsub s", lambda lib, a, b: lib.rsub(a, 2)),
    ("2 / a", lambda lib, a, b: 2 / a), ("a // b", lambda lib, a, b: a // b),
    ("a % 2", lambda lib, a, b: a % 2), ("2 % a", lambda lib, a, b: 2 % a),
    ("a ** 2", lambda lib, a, b: a ** 2), ("2 ** a", lambda lib, a, b: 2 ** a),
    ("a ** b", lambda lib, a, b: a ** b), ("fmod s", lambda lib, a, b: lib.fmod(a, 2.0)),
    ("copysign s", lambda lib, a, b: lib.copysign(a, -1.0)),
    ("xlogy s", lambda lib, a, b: lib.xlogy(a, 2.0)),
    ("xlogy r", lambda lib, a, b: lib.xlogy(2, b)),
    ("heaviside", lambda lib, a, b: lib.heaviside(a, b)),
    ("clamp", lambda lib, a, b: lib.clamp(a, -0.5, 0.5)),
    ("clamp max", lambda lib, a, b: lib.clamp(a, max=0.5)),
    ("clamp t", lambda lib, a, b: lib.clamp(a, b)),
    ("clamp tt", lambda lib, a, b: lib.clamp(a, b, b + 1)),
    ("clamp_min t", lambda lib, a, b: lib.clamp_min(a, b)),
    ("clip", lambda lib, a, b: lib.clip(a, -1, 1)),
    ("where", lambda lib, a, b: lib.where(a > 0, a, b)),
    ("where s", lambda lib, a, b: lib.where(a > 0, 0.0, b)),
    ("lerp", lambda lib, a, b: lib.lerp(a, b, 0.3)),
    ("lerp t", lambda lib, a, b: lib.lerp(a, b, b)),
    ("addcmul", lambda lib, a, b: lib.addcmul(a, a, b, value=2)),
    ("addcdiv", lambda lib, a, b: lib.addcdiv(a, a, b, value=-1.5)),
    ("div trunc s", lambda lib, a, b: lib.div(a, 3, rounding_mode="trunc")),
    ("float_power s", lambda lib, a, b: lib.float_power(a, 2)),
]


@pytest.mark.parametrize("name,fn", GRAD_FN_CASES, ids=[c[0] for c in GRAD_FN_CASES])
def test_grad_fn_names_and_gradients(name, fn):
    rng = np.random.default_rng(9)
    ea, ta = make("float64", np.abs(rng.standard_normal((2, 3))) + 0.2, requires_grad=True)
    eb, tb = make("float64", rng.standard_normal((2, 3)) + 0.1, requires_grad=True)
    e_out, t_out = fn(ember, ea, eb), fn(torch, ta, tb)
    assert_same(e_out, t_out)
    assert e_out.grad_fn.name() == t_out.grad_fn.name()
    assert len(e_out.grad_fn.next_functions) == len(t_out.grad_fn.next_functions)
    weights = rng.standard_normal((2, 3))
    t_error = outcome(lambda: (t_out * torch.from_numpy(weights)).sum().backward())[1]
    if t_error is not None:
        with pytest.raises(type(t_error), match="derivative for aten::"):
            (e_out * ember.from_numpy(weights)).sum().backward()
        return
    (e_out * ember.from_numpy(weights)).sum().backward()
    for e, t in ((ea, ta), (eb, tb)):
        if t.grad is None:
            assert e.grad is None
        else:
            assert_same(e.grad, t.grad, rtol=1e-9, atol=1e-12)


def test_float32_input_grad_through_float_power():
    e = ember.tensor([1.5, 2.0], requires_grad=True)
    t = torch.tensor([1.5, 2.0], requires_grad=True)
    e_out, t_out = ember.float_power(e, e), torch.float_power(t, t)
    assert_same(e_out, t_out)
    e_out.sum().backward()
    t_out.sum().backward()
    assert_same(e.grad, t.grad)


@pytest.mark.parametrize("fn", [
    lambda lib, a, b: lib.pow(a, b), lambda lib, a, b: lib.atan2(a, b),
    lambda lib, a, b: lib.hypot(a, b), lambda lib, a, b: lib.logaddexp(a, b),
    lambda lib, a, b: lib.logaddexp2(a, b), lambda lib, a, b: lib.xlogy(a, b),
    lambda lib, a, b: a / b, lambda lib, a, b: lib.maximum(a, b) * a,
    lambda lib, a, b: lib.lerp(a, b, b), lambda lib, a, b: lib.addcdiv(a, a, b, value=0.5),
    lambda lib, a, b: lib.where(a > 1, a * a, b ** 3), lambda lib, a, b: 2.5 ** (a * b),
    lambda lib, a, b: lib.remainder(a * b, b), lambda lib, a, b: lib.copysign(a * a, b),
], ids=["pow", "atan2", "hypot", "logaddexp", "logaddexp2", "xlogy", "div", "maximum", "lerp",
        "addcdiv", "where", "rpow", "remainder", "copysign"])
def test_double_backward(fn):
    rng = np.random.default_rng(10)
    ea, ta = make("float64", np.abs(rng.standard_normal((3,))) + 0.5, requires_grad=True)
    eb, tb = make("float64", rng.standard_normal((3,)), requires_grad=True)
    e_grads = ember.autograd.grad(fn(ember, ea, eb).sum(), [ea, eb], create_graph=True)
    t_grads = torch.autograd.grad(fn(torch, ta, tb).sum(), [ta, tb], create_graph=True)
    for e_grad, t_grad in zip(e_grads, t_grads):
        assert_same(e_grad, t_grad, rtol=1e-9, atol=1e-12)
    e_second = ember.autograd.grad((e_grads[0] * e_grads[1]).sum(), [ea, eb], allow_unused=True)
    t_second = torch.autograd.grad((t_grads[0] * t_grads[1]).sum(), [ta, tb], allow_unused=True)
    for e_grad, t_grad in zip(e_second, t_second):
        if t_grad is None:
            assert e_grad is None
        else:
            assert_same(e_grad, t_grad, rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("fn", [
    lambda a, b: ember.atan2(a, b), lambda a, b: ember.hypot(a, b),
    lambda a, b: ember.pow(a, b), lambda a, b: ember.logaddexp(a, b),
    lambda a, b: ember.xlogy(a, b), lambda a, b: ember.lerp(a, b, 0.7),
    lambda a, b: ember.addcmul(a, a, b, value=-2.0), lambda a, b: ember.ldexp(a, b),
], ids=["atan2", "hypot", "pow", "logaddexp", "xlogy", "lerp", "addcmul", "ldexp"])
def test_gradients_match_finite_differences(fn):
    rng = np.random.default_rng(11)
    a = ember.from_numpy(np.abs(rng.standard_normal((2, 3))) + 0.5).requires_grad_()
    b = ember.from_numpy(np.abs(rng.standard_normal((3,))) + 0.5).requires_grad_()
    analytic = ember.autograd.grad(fn(a, b).sum(), [a, b])
    numeric = numerical_grad(lambda x, y: fn(x, y), [a.detach(), b.detach()])
    for got, expected in zip(analytic, numeric):
        np.testing.assert_allclose(got.detach().numpy(), expected, rtol=1e-5, atol=1e-6)


COMPLEX_GRAD_CASES = {
    "mul": lambda lib, a, b: a * b, "div": lambda lib, a, b: a / b,
    "rdiv": lambda lib, a, b: (2 + 1j) / a, "mul number": lambda lib, a, b: a * (1 - 2j),
    "add alpha": lambda lib, a, b: lib.add(a, b, alpha=2 - 1j), "sub": lambda lib, a, b: a - b,
    "pow": lambda lib, a, b: a ** b, "pow number": lambda lib, a, b: a ** (2.5 + 0.5j),
    "rpow": lambda lib, a, b: (1.5 + 1j) ** a, "lerp": lambda lib, a, b: lib.lerp(a, b, 0.3),
    "lerp tensor": lambda lib, a, b: lib.lerp(a, b, b),
    "addcmul": lambda lib, a, b: lib.addcmul(a, a, b, value=2),
    "addcdiv": lambda lib, a, b: lib.addcdiv(a, a, b, value=2),
    "logaddexp": lambda lib, a, b: lib.logaddexp(a, b),
}


@pytest.mark.parametrize("fn", COMPLEX_GRAD_CASES.values(), ids=COMPLEX_GRAD_CASES.keys())
def test_complex_gradients_match_torch(fn):
    rng = np.random.default_rng(21)
    ea, ta = make("complex128", _complex(rng.standard_normal(3), rng.standard_normal(3)), True)
    eb, tb = make("complex128", _complex(rng.standard_normal(3), rng.standard_normal(3)), True)
    e_out, t_out = fn(ember, ea, eb), fn(torch, ta, tb)
    assert_same(e_out, t_out)
    weights = _complex(rng.standard_normal(3), rng.standard_normal(3))
    e_grads = ember.autograd.grad(e_out, [ea, eb], ember.from_numpy(weights), allow_unused=True)
    t_grads = torch.autograd.grad(t_out, [ta, tb], torch.from_numpy(weights), allow_unused=True)
    for e_grad, t_grad in zip(e_grads, t_grads):
        if t_grad is None:
            assert e_grad is None
        else:
            assert_same(e_grad, t_grad, rtol=1e-9, atol=1e-12)


def test_maximum_minimum_split_gradient_on_ties():
    for name in ("maximum", "minimum", "fmax", "fmin"):
        ea, ta = make("float64", np.array([1.0, 2.0, np.nan, 3.0]), requires_grad=True)
        eb, tb = make("float64", np.array([1.0, 3.0, 1.0, np.nan]), requires_grad=True)
        getattr(ember, name)(ea, eb).sum().backward()
        getattr(torch, name)(ta, tb).sum().backward()
        assert_same(ea.grad, ta.grad)
        assert_same(eb.grad, tb.grad)


def test_clamp_tensor_bounds_gradients_when_min_exceeds_max():
    ea, ta = make("float64", np.array([0.0, 1.0, 2.0, 3.0]), requires_grad=True)
    elo, tlo = make("float64", np.array([0.5, 2.5, 0.0, 1.0]), requires_grad=True)
    ehi, thi = make("float64", np.array([1.5, 1.5, 2.5, 2.0]), requires_grad=True)
    ember.clamp(ea, elo, ehi).sum().backward()
    torch.clamp(ta, tlo, thi).sum().backward()
    for e, t in ((ea, ta), (elo, tlo), (ehi, thi)):
        assert_same(e.grad, t.grad)


def test_pow_gradients_at_zero_base():
    ea, ta = make("float64", np.array([0.0, 0.0, 2.0]), requires_grad=True)
    eb, tb = make("float64", np.array([2.0, 0.0, 0.5]), requires_grad=True)
    ember.pow(ea, eb).sum().backward()
    torch.pow(ta, tb).sum().backward()
    assert_same(ea.grad, ta.grad)
    assert_same(eb.grad, tb.grad)
    ec, tc = make("float64", np.array([0.0, 1.0, -1.0]), requires_grad=True)
    (0 ** ec).sum().backward()
    (0 ** tc).sum().backward()
    assert_same(ec.grad, tc.grad)


def test_float_op_on_int_tensor_with_grad_input_promotes_gradient_dtype():
    e = ember.tensor([1.0, 2.0], dtype=ember.float32, requires_grad=True)
    t = torch.tensor([1.0, 2.0], dtype=torch.float32, requires_grad=True)
    other_e, other_t = ember.tensor([3.0, 4.0], dtype=ember.float64), torch.tensor(
        [3.0, 4.0], dtype=torch.float64)
    (ember.atan2(e, other_e) * ember.maximum(e, other_e)).sum().backward()
    (torch.atan2(t, other_t) * torch.maximum(t, other_t)).sum().backward()
    assert_same(e.grad, t.grad)


# ----------------------------------------------------------------------------------------------
# Python operators
# ----------------------------------------------------------------------------------------------

OPERATOR_CASES = {
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
    "/": lambda a, b: a / b, "//": lambda a, b: a // b, "%": lambda a, b: a % b,
    "**": lambda a, b: a ** b, "&": lambda a, b: a & b, "|": lambda a, b: a | b,
    "^": lambda a, b: a ^ b, "<<": lambda a, b: a << b, ">>": lambda a, b: a >> b,
    "==": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
}


def _augmented(symbol):
    def apply(a, b):
        namespace = {"a": a, "b": b}
        exec(f"a {symbol}= b", namespace)
        return namespace["a"]
    return apply


@pytest.mark.parametrize("symbol", list(OPERATOR_CASES))
def test_python_operators_and_reflected_forms(symbol):
    fn = OPERATOR_CASES[symbol]
    rng = np.random.default_rng(12)
    for name in ("bool", "uint8", "int32", "int64", "float32", "float64"):
        ea, ta = random_pair(name, (4,), rng, nonzero=True)
        eb, tb = random_pair("int64", (4,), rng, nonzero=True)
        check(lambda: fn(ea, eb), lambda: fn(ta, tb), f"{name} {symbol} int64")
        for number in (2, 5, 1.5, True):
            check(lambda: fn(ea, number), lambda: fn(ta, number), f"{name} {symbol} {number}")
            check(lambda: fn(number, ea), lambda: fn(number, ta), f"{number} {symbol} {name}")


@pytest.mark.parametrize("symbol", [s for s in OPERATOR_CASES if s not in "==!=<=>="])
def test_augmented_assignment_operators(symbol):
    rng = np.random.default_rng(13)
    apply = _augmented(symbol)
    for name in ("bool", "uint8", "int64", "float32"):
        for other in (3, 1.5, True):
            ea, ta = random_pair(name, (4,), rng, nonzero=True)
            before = ea
            result = check(lambda: apply(ea, other), lambda: apply(ta, other),
                           f"{name} {symbol}= {other}")
            if result is not None:
                assert result is before


def test_equality_with_unsupported_types_falls_back_like_torch():
    e, t = ember.tensor([1, 2]), torch.tensor([1, 2])
    assert (e == None) is (t == None) is False  # noqa: E711
    assert (e != "a") is (t != "a") is True
    assert e in [None, e]
    with pytest.raises(TypeError):
        ember.eq(e, None)


# ----------------------------------------------------------------------------------------------
# Specific behaviours
# ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fn", [
    lambda lib, a, b: a // b, lambda lib, a, b: a % b, lambda lib, a, b: lib.fmod(a, b),
    lambda lib, a, b: lib.div(a, b, rounding_mode="trunc"),
    lambda lib, a, b: lib.div(a, b, rounding_mode="floor"), lambda lib, a, b: a // 0,
    lambda lib, a, b: 7 % b, lambda lib, a, b: lib.remainder(a, 0),
], ids=["floordiv", "mod", "fmod", "trunc", "floor", "floordiv0", "rmod", "remainder0"])
def test_integer_division_by_zero_raises(fn):
    for name in ("uint8", "int8", "int64"):
        a = ember.tensor([5, 7, 1], dtype=getattr(ember, name))
        b = ember.tensor([1, 0, 2], dtype=getattr(ember, name))
        with pytest.raises(RuntimeError, match="ZeroDivisionError"):
            fn(ember, a, b)
    # Floats follow IEEE instead (inf / nan, no warning).
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fa, ta = make("float32", np.array([5.0, -7.0, 0.0]))
        fb, tb = make("float32", np.array([0.0, 0.0, 0.0]))
        check(lambda: fn(ember, fa, fb), lambda: fn(torch, ta, tb))


def test_integer_division_rounds_like_torch():
    a = np.array([-7, 7, -7, 7, -8, 0, 9])
    b = np.array([2, -2, -2, 2, 4, -3, 4])
    for name in ("int8", "int16", "int32", "int64"):
        ea, ta = make(name, a)
        eb, tb = make(name, b)
        for fn in (lambda lib, x, y: x // y, lambda lib, x, y: x % y,
                   lambda lib, x, y: lib.fmod(x, y),
                   lambda lib, x, y: lib.div(x, y, rounding_mode="trunc")):
            check(lambda: fn(ember, ea, eb), lambda: fn(torch, ta, tb), name)


def test_float_remainder_signed_zeros_match_torch():
    a = np.array([-4.0, 4.0, -3.0, 3.0, 0.0, -0.0, 5.5, -5.5])
    for divisor in (2.0, -2.0):
        ea, ta = make("float64", a)
        for e_fn, t_fn in ((ember.remainder, torch.remainder), (ember.fmod, torch.fmod),
                           (ember.floor_divide, torch.floor_divide)):
            e_res, t_res = e_fn(ea, divisor), t_fn(ta, divisor)
            assert_same(e_res, t_res)
            np.testing.assert_array_equal(np.signbit(e_res.numpy()), np.signbit(t_res.numpy()))


def test_negative_integer_powers():
    e = ember.tensor([-3, -2, -1, 0, 1, 2, 3])
    t = torch.tensor([-3, -2, -1, 0, 1, 2, 3])
    for exponent in (-1, -2, -3):
        with pytest.raises(RuntimeError, match="Integers to negative integer powers are not "
                                               "allowed."):
            e ** exponent
        with pytest.raises(RuntimeError, match="Integers to negative integer powers"):
            e.pow_(exponent)
        assert_same(e ** ember.tensor(exponent), t ** torch.tensor(exponent))
        assert_same(e ** ember.tensor([exponent]), t ** torch.tensor([exponent]))
        assert_same(exponent ** ember.tensor([0, 1, 2, 3]), exponent ** torch.tensor([0, 1, 2, 3]))
    with pytest.raises(RuntimeError, match="Integers to negative integer powers"):
        ember.tensor([True]) ** -1
    assert_same(e ** -1.0, t ** -1.0)
    with pytest.raises(RuntimeError, match="Integers to negative"):
        ember.tensor(2) ** -1


def test_integer_powers_wrap_like_torch():
    for name, base, exponent in (("int8", 3, 5), ("int64", 10, 30), ("uint8", 7, 3),
                                 ("int16", -5, 7)):
        e = ember.tensor([base], dtype=getattr(ember, name))
        t = torch.tensor([base], dtype=getattr(torch, name))
        assert_same(e ** exponent, t ** exponent)
    with pytest.raises(NotImplementedError, match="\"pow\" not implemented for 'Bool'"):
        ember.tensor([True]) ** ember.tensor([True])
    assert_same(ember.tensor([True, False]) ** False, torch.tensor([True, False]) ** False)


def test_bool_arithmetic_rules():
    eb, tb = ember.tensor([True, False]), torch.tensor([True, False])
    with pytest.raises(RuntimeError, match="with two bool tensors is not supported"):
        eb - eb
    with pytest.raises(RuntimeError, match="with two bool tensors"):
        eb - True
    with pytest.raises(RuntimeError, match="with a bool tensor is not supported"):
        eb - 1
    with pytest.raises(RuntimeError, match="with a bool tensor"):
        1.5 - eb
    with pytest.raises(RuntimeError, match="with two bool tensors"):
        eb.sub_(eb)
    for fn in (lambda x: x + x, lambda x: x * x, lambda x: x / x, lambda x: x + 2,
               lambda x: x.add(x, alpha=3), lambda x: x * 1.5, lambda x: x & True):
        assert_same(fn(eb), fn(tb))
    with pytest.raises(RuntimeError, match="Boolean alpha only supported for Boolean results"):
        ember.add(ember.ones(2), ember.ones(2), alpha=True)
    with pytest.raises(RuntimeError, match="alpha must not be a floating point number"):
        ember.add(ember.tensor([1]), ember.tensor([1]), alpha=1.5)
    with pytest.raises(RuntimeError, match="alpha must not be a complex number"):
        ember.add(ember.ones(1), ember.ones(1), alpha=1j)
    with pytest.raises(RuntimeError, match="without overflow"):
        ember.add(ember.tensor([1], dtype=ember.uint8), ember.tensor([1], dtype=ember.uint8),
                  alpha=300)


def test_out_of_range_python_integers_wrap_like_torch():
    for name, value in (("uint8", 300), ("uint8", -2), ("int8", 1000), ("int16", -70000)):
        e = ember.tensor([1, 5], dtype=getattr(ember, name))
        t = torch.tensor([1, 5], dtype=getattr(torch, name))
        for fn in (lambda x: x + value, lambda x: x * value, lambda x: x - value,
                   lambda x: x > value, lambda x: x == value):
            assert_same(fn(e), fn(t))


def test_shift_limits_match_torch():
    shifts = np.array([-1, 0, 1, 3, 7, 8, 9, 15, 16, 31, 63, 64, 70])
    for name in ("uint8", "int8", "int16", "int32", "int64"):
        ea, ta = make(name, np.array([1, -8, 5, 127, -128, 0, 3, 2, 1, -1, 9, 1, 1])
                      if name != "uint8" else np.array([1, 8, 5, 127, 128, 0, 3, 2, 1, 255, 9,
                                                        1, 1]))
        es, ts = make("int64", shifts)
        check(lambda: ea << es, lambda: ta << ts, name)
        check(lambda: ea >> es, lambda: ta >> ts, name)
    with pytest.raises(NotImplementedError, match="lshift_cpu"):
        ember.ones(2) << 1
    with pytest.raises(NotImplementedError, match="bitwise_and_cpu"):
        ember.ones(2) & ember.ones(2)
    with pytest.raises(NotImplementedError, match="bitwise_not_cpu"):
        ember.bitwise_not(ember.ones(2))


def test_bitwise_not_and_logical_not():
    for name in DTYPE_NAMES:
        e, t = random_pair(name, (5,), np.random.default_rng(14))
        check(lambda: ember.bitwise_not(e), lambda: torch.bitwise_not(t), name)
        check(lambda: ~e, lambda: ~t, name)
        check(lambda: ember.logical_not(e), lambda: torch.logical_not(t), name)
        check(lambda: e.logical_not_(), lambda: t.logical_not_(), name)
        out_e, out_t = ember.empty(5, dtype=ember.int32), torch.empty(5, dtype=torch.int32)
        check(lambda: ember.logical_not(e, out=out_e), lambda: torch.logical_not(t, out=out_t))


def test_comparisons_return_bool_and_handle_nan():
    ea, ta = make("float32", np.array([np.nan, 1.0, -np.inf, 2.0]))
    eb, tb = make("float32", np.array([np.nan, 1.0, -np.inf, np.nan]))
    for name in ("eq", "ne", "lt", "le", "gt", "ge"):
        result = check(lambda: getattr(ember, name)(ea, eb), lambda: getattr(torch, name)(ta, tb))
        assert result.dtype is ember.bool
    # An int64 tensor meets a float number in float32, as in PyTorch.
    big_e, big_t = ember.tensor([16777217]), torch.tensor([16777217])
    assert_same(big_e == 16777216.0, big_t == 16777216.0)
    with pytest.raises(NotImplementedError, match="lt_cpu"):
        ember.lt(ember.tensor([1j]), ember.tensor([1j]))
    assert_same(ember.tensor([1 + 0j]) == 1, torch.tensor([1 + 0j]) == 1)


def test_isclose_allclose_equal():
    rng = np.random.default_rng(15)
    a = np.array([1.0, np.nan, np.inf, -np.inf, 1e-9, 1.0, 100.0])
    b = np.array([1.0 + 1e-9, np.nan, np.inf, np.inf, 0.0, 1.1, 100.001])
    for name in ("float16", "bfloat16", "float32", "float64", "complex64"):
        ea, ta = make(name, a if "complex" not in name else a + 1j)
        eb, tb = make(name, b if "complex" not in name else b + 1j)
        for kwargs in ({}, {"equal_nan": True}, {"rtol": 0.1}, {"rtol": 0, "atol": 0},
                       {"atol": 1e-3, "rtol": 0}):
            check(lambda: ember.isclose(ea, eb, **kwargs), lambda: torch.isclose(ta, tb, **kwargs))
            check(lambda: ember.allclose(ea, eb, **kwargs),
                  lambda: torch.allclose(ta, tb, **kwargs))
            check(lambda: ea.isclose(eb, **kwargs), lambda: ta.isclose(tb, **kwargs))
    for name in ("bool", "uint8", "int64"):
        ea, ta = random_pair(name, (6,), rng)
        eb, tb = random_pair(name, (2, 6), rng)
        for kwargs in ({}, {"atol": 12, "rtol": 0}, {"rtol": 0.5}):
            check(lambda: ember.isclose(ea, eb, **kwargs), lambda: torch.isclose(ta, tb, **kwargs))
    check(lambda: ember.isclose(ember.tensor([16777217]), ember.tensor([16777216]), atol=0.5,
                                rtol=0),
          lambda: torch.isclose(torch.tensor([16777217]), torch.tensor([16777216]), atol=0.5,
                                rtol=0))
    with pytest.raises(RuntimeError, match="Long did not match Float"):
        ember.isclose(ember.tensor([1]), ember.tensor([1.0]))
    with pytest.raises(RuntimeError, match="rtol must be greater than or equal to zero"):
        ember.isclose(ember.ones(1), ember.ones(1), rtol=-1)
    with pytest.raises(RuntimeError, match="must match the size"):
        ember.allclose(ember.ones(2), ember.ones(3))
    cases = [([1, 2], [1, 2]), ([1, 2], [1.0, 2.0]), ([1, 1], [1]), ([np.nan], [np.nan]),
             ([True], [1]), ([1, 2], [1, 3])]
    for x, y in cases:
        assert ember.equal(ember.tensor(x), ember.tensor(y)) == torch.equal(torch.tensor(x),
                                                                            torch.tensor(y))
        assert ember.tensor(x).equal(ember.tensor(y)) == torch.tensor(x).equal(torch.tensor(y))


CLAMP_CASES = [
    ("min", dict(min=-1.0)), ("max", dict(max=1)), ("both", dict(min=-1, max=1.5)),
    ("nan min", dict(min=math.nan)), ("min > max", dict(min=2, max=1)),
    ("int bounds", dict(min=-2, max=3)), ("tensor min", "tmin"), ("tensor both", "tboth"),
    ("none", dict()), ("none none", dict(min=None, max=None)),
]


@pytest.mark.parametrize("case,kwargs", CLAMP_CASES, ids=[c[0] for c in CLAMP_CASES])
def test_clamp_and_clip(case, kwargs):
    rng = np.random.default_rng(16)
    for name in DTYPE_NAMES:
        e, t = random_pair(name, (3, 4), rng)
        if kwargs == "tmin":
            elo, tlo = random_pair(name, (4,), rng)
            ekw, tkw = dict(min=elo), dict(min=tlo)
        elif kwargs == "tboth":
            elo, tlo = random_pair("float64", (3, 1), rng)
            ehi, thi = random_pair("int32", (), rng)
            ekw, tkw = dict(min=elo, max=ehi), dict(min=tlo, max=thi)
        else:
            ekw = tkw = kwargs
        for fn in ("clamp", "clip"):
            check(lambda: getattr(ember, fn)(e, **ekw), lambda: getattr(torch, fn)(t, **tkw),
                  f"{fn} {name}")
            check(lambda: getattr(e, fn)(**ekw), lambda: getattr(t, fn)(**tkw), f"{fn} {name}")
        e2, t2 = e.clone(), t.clone()
        check(lambda: e2.clamp_(**ekw), lambda: t2.clamp_(**tkw), f"clamp_ {name}")
        if "min" in tkw and "max" not in tkw:
            check(lambda: ember.clamp_min(e, ekw["min"]), lambda: torch.clamp_min(t, tkw["min"]))
            check(lambda: e.clone().clamp_min_(ekw["min"]),
                  lambda: t.clone().clamp_min_(tkw["min"]))
        if "max" in tkw and "min" not in tkw:
            check(lambda: ember.clamp_max(e, ekw["max"]), lambda: torch.clamp_max(t, tkw["max"]))
    with pytest.raises(RuntimeError, match="At least one of 'min' or 'max' must not be None"):
        ember.clamp(ember.ones(2))
    with pytest.raises(TypeError):
        ember.clamp(ember.ones(2), ember.zeros(1), 1.0)


def test_where():
    rng = np.random.default_rng(17)
    cond_e, cond_t = random_pair("bool", (3, 1), rng)
    for a, b in itertools.product(["bool", "uint8", "int32", "float16", "float64", "complex64",
                                   2, 2.5, True, 1j], repeat=2):
        ea, ta = random_pair(a, (4,), rng) if isinstance(a, str) else (a, a)
        eb, tb = random_pair(b, (), rng) if isinstance(b, str) else (b, b)
        check(lambda: ember.where(cond_e, ea, eb), lambda: torch.where(cond_t, ta, tb),
              f"where {a} {b}")
    e, t = random_pair("float32", (3, 4), rng)
    assert_same(e.where(cond_e, 0.5), t.where(cond_t, 0.5))
    out_e, out_t = ember.empty(3, 4), torch.empty(3, 4)
    check(lambda: ember.where(cond_e, e, 1.0, out=out_e), lambda: torch.where(cond_t, t, 1.0,
                                                                             out=out_t))
    with pytest.raises(RuntimeError, match="where expected condition to be a boolean tensor"):
        ember.where(ember.ones(2), 1, 2)
    with pytest.raises(RuntimeError, match="must match the size"):
        ember.where(ember.ones(2).bool(), ember.ones(3), 0.0)
    with pytest.warns(UserWarning, match="uint8 condition"):
        result = ember.where(ember.tensor([1, 0], dtype=ember.uint8), 1.0, 2)
    assert result.tolist() == [1.0, 2.0]


def test_where_with_one_argument_is_nonzero_as_tuple():
    if not hasattr(ember, "nonzero"):
        pytest.skip("ember.nonzero is provided by the advanced indexing module")
    e = ember.tensor([[True, False], [True, True]])
    t = torch.tensor([[True, False], [True, True]])
    assert_same(ember.where(e), torch.where(t))


LERP_WEIGHTS = [0.0, 0.3, 0.5, 0.8, 1.0, -1.5, 2, "tensor"]


@pytest.mark.parametrize("weight", LERP_WEIGHTS, ids=repr)
def test_lerp(weight):
    rng = np.random.default_rng(18)
    for name in DTYPE_NAMES:
        ea, ta = random_pair(name, (3, 1), rng, specials=False)
        eb, tb = random_pair(name, (4,), rng, specials=False)
        if weight == "tensor":
            ew, tw = random_pair(name, (2, 1, 1), rng, specials=False)
        else:
            ew = tw = weight
        check(lambda: ember.lerp(ea, eb, ew), lambda: torch.lerp(ta, tb, tw), f"lerp {name}")
        check(lambda: ea.lerp(eb, ew), lambda: ta.lerp(tb, tw), f"lerp {name}")
        ex, tx = random_pair(name, (3, 4), rng, specials=False)
        check(lambda: ex.lerp_(eb, ew), lambda: tx.lerp_(tb, tw), f"lerp_ {name}")
    mismatched = [("float32", "float64"), ("float16", "int64"), ("float32", "bfloat16"),
                  ("float64", "complex128")]
    for a, b in mismatched:
        ea, ta = random_pair(a, (2,), rng)
        eb, tb = random_pair(b, (2,), rng)
        check(lambda: ember.lerp(ea, eb, 0.5), lambda: torch.lerp(ta, tb, 0.5))
        check(lambda: ember.lerp(ea, ea, eb), lambda: torch.lerp(ta, ta, tb))
    with pytest.raises(RuntimeError, match="expected dtype float for `end` but got dtype double"):
        ember.lerp(ember.ones(1), ember.ones(1, dtype=ember.float64), 0.5)


@pytest.mark.parametrize("fn", ["addcmul", "addcdiv"])
@pytest.mark.parametrize("value", [1, 2, -0.5, 1.5, 0])
def test_addcmul_addcdiv(fn, value):
    rng = np.random.default_rng(19)
    names = ["bool", "uint8", "int64", "float16", "bfloat16", "float32", "float64", "complex64"]
    for a, b, c in itertools.product(names, ["int32", "float32", "float64", "bool"],
                                     ["float32", "int64"]):
        ea, ta = random_pair(a, (3, 1), rng, specials=False)
        eb, tb = random_pair(b, (4,), rng, specials=False)
        ec, tc = random_pair(c, (2, 1, 1), rng, nonzero=True, specials=False)
        check(lambda: getattr(ember, fn)(ea, eb, ec, value=value),
              lambda: getattr(torch, fn)(ta, tb, tc, value=value), f"{fn} {a} {b} {c}")
        check(lambda: getattr(ea, fn)(eb, ec, value=value),
              lambda: getattr(ta, fn)(tb, tc, value=value), f"{fn} {a} {b} {c}")
        ex, tx = random_pair(a, (2, 3, 4), rng, specials=False)
        check(lambda: getattr(ex, fn + "_")(eb, ec, value=value),
              lambda: getattr(tx, fn + "_")(tb, tc, value=value), f"{fn}_ {a} {b} {c}")


def test_float_power_dtypes_and_inplace():
    rng = np.random.default_rng(20)
    for name in DTYPE_NAMES:
        e, t = random_pair(name, (4,), rng)
        for exponent in (2, 0.5, -1, 1j):
            check(lambda: ember.float_power(e, exponent), lambda: torch.float_power(t, exponent))
            check(lambda: ember.float_power(exponent, e), lambda: torch.float_power(exponent, t))
            check(lambda: e.clone().float_power_(exponent),
                  lambda: t.clone().float_power_(exponent), name)
    with pytest.raises(RuntimeError, match="the base given to float_power_ has dtype Float but "
                                           "the operation's result requires dtype Double"):
        ember.ones(2).float_power_(2)
    with pytest.raises(TypeError):
        ember.float_power(2, 3)
    with pytest.raises(TypeError):
        ember.pow(2, 3)


def test_special_float_ops_edge_values():
    x = np.array([0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, 1e-30, 3.0])
    y = np.array([0.0, np.nan, 0.0, 2.0, np.inf, -np.inf, 1.0, -1.0, -0.0])
    for name in ("float16", "bfloat16", "float32", "float64"):
        ea, ta = make(name, x)
        eb, tb = make(name, y)
        for fn in ("xlogy", "atan2", "hypot", "copysign", "logaddexp", "logaddexp2",
                   "nextafter", "heaviside", "fmax", "fmin", "maximum", "minimum", "remainder",
                   "fmod", "floor_divide", "pow", "ldexp"):
            check(lambda: getattr(ember, fn)(ea, eb), lambda: getattr(torch, fn)(ta, tb),
                  f"{fn} {name}")
    # Complex logaddexp: finite values and each kind of infinity in the real part.
    real = np.array([0.5, -1.0, np.inf, -np.inf, np.inf, 3.0])
    other_real = np.array([2.0, -1.0, np.inf, -np.inf, 1.0, np.nan])
    ea, ta = make("complex128", _complex(real, np.array([0.3, -0.2, 0.0, 0.0, 1.0, 0.5])))
    eb, tb = make("complex128", _complex(other_real, np.array([1.0, 0.7, 0.0, 0.0, 0.0, 0.0])))
    check(lambda: ember.logaddexp(ea, eb), lambda: torch.logaddexp(ta, tb))


def _complex(real, imag):
    out = np.empty(real.shape, np.complex128)
    out.real, out.imag = real, imag
    return out


def test_gcd_lcm():
    a = np.array([0, -4, 6, -9, 12, 0, 7])
    b = np.array([0, 6, -4, -6, 18, 5, 1])
    for name in ("uint8", "int8", "int16", "int32", "int64"):
        ea, ta = make(name, np.abs(a) if name == "uint8" else a)
        eb, tb = make(name, np.abs(b) if name == "uint8" else b)
        for fn in ("gcd", "lcm"):
            check(lambda: getattr(ember, fn)(ea, eb), lambda: getattr(torch, fn)(ta, tb))
            check(lambda: getattr(ember, fn + "_")(ea.clone(), eb),
                  lambda: getattr(torch, fn + "_")(ta.clone(), tb))


def test_nextafter_steps_in_each_precision():
    for name in ("float16", "bfloat16", "float32", "float64"):
        ea, ta = make(name, np.array([1.0, 1.0, 0.0, -2.0]))
        eb, tb = make(name, np.array([2.0, 0.0, 1.0, -2.0]))
        e_res, t_res = ember.nextafter(ea, eb), torch.nextafter(ta, tb)
        assert_same(e_res, t_res, rtol=0, atol=0)


def test_module_functions_and_methods_exist():
    for name in ("floor_divide", "remainder", "fmod", "pow", "float_power", "atan2", "arctan2",
                 "hypot", "copysign", "maximum", "minimum", "fmax", "fmin", "logaddexp",
                 "logaddexp2", "xlogy", "nextafter", "ldexp", "gcd", "lcm", "heaviside", "eq",
                 "greater", "logical_xor", "bitwise_left_shift", "isclose", "allclose", "equal",
                 "clamp", "clip", "clamp_min", "clamp_max", "where", "lerp", "addcmul",
                 "addcdiv", "rsub", "true_divide", "subtract", "multiply", "divide"):
        assert hasattr(ember, name), name
        if hasattr(torch.Tensor, name):
            assert hasattr(ember.Tensor, name), name
        if hasattr(torch.Tensor, name + "_"):
            assert hasattr(ember.Tensor, name + "_"), name + "_"
    for name in ("xlogy_", "ldexp_", "gcd_", "lcm_", "clamp_", "clip_", "clamp_min_",
                 "clamp_max_"):
        assert hasattr(ember, name), name


# -- operators meeting NumPy arrays ------------------------------------------------------------------
# PyTorch's operators answer NotImplemented for an ndarray, so NumPy computes (with its own
# promotion) and its result comes back as a tensor through __array_wrap__ (bools as uint8).

NUMPY_OPERAND_CASES = {
    "add": lambda t, a: t + a,
    "radd_scalar": lambda t, a: np.float64(2) + t,
    "sub_zero_dim": lambda t, a: t - np.array(2.0),
    "mul_float32": lambda t, a: t * a.astype(np.float32),
    "truediv": lambda t, a: t / a,
    "pow": lambda t, a: t ** a,
    "matmul": lambda t, a: t @ a.astype(np.float32),
    "iadd_rebinds": lambda t, a: _iadd(t.clone(), a),
    "rsub_array": lambda t, a: a - t,
    "and_float": lambda t, a: t & a,
    "ufunc_sin": lambda t, a: np.sin(t),
    "ufunc_greater": lambda t, a: np.greater(t, 1),
    "ufunc_zero_dim": lambda t, a: np.exp(t[0]),
    "add_list": lambda t, a: t + [1, 2],
    "add_str": lambda t, a: t + "a",
    "method_add": lambda t, a: t.add(a),
}


def _iadd(t, a):
    t += a
    return t


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("case", sorted(NUMPY_OPERAND_CASES))
def test_operators_with_numpy_operands(case):
    fn = NUMPY_OPERAND_CASES[case]
    array = np.array([1, 2], dtype=np.int64)
    outcomes = []
    for lib in (ember, torch):
        try:
            outcomes.append(fn(lib.tensor([1.0, 2.0]), array))
        except Exception as error:  # noqa: BLE001 - the exception type is what is compared
            outcomes.append(type(error))
    ours, theirs = outcomes
    if isinstance(theirs, type):
        assert ours is theirs
        return
    assert isinstance(ours, ember.Tensor)
    assert_same(ours, theirs)
