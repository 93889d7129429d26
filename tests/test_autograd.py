"""Autograd engine behaviour compared with PyTorch: each scenario runs against both libraries."""
from __future__ import annotations

import numpy as np
import pytest

import ember
from parity import assert_same

torch = pytest.importorskip("torch")


def run_both(scenario):
    """Run ``scenario(lib)`` with ember and with torch; return both results."""
    return scenario(ember), scenario(torch)


def compare(scenario, rtol=1e-6):
    ours, theirs = run_both(scenario)
    assert_same(ours, theirs, rtol=rtol, atol=1e-9)


def leaf(lib, values, dtype="float64"):
    return lib.tensor(values, dtype=getattr(lib, dtype), requires_grad=True)


# -- basic backward ----------------------------------------------------------------------------------

def scenario_chain(lib):
    a = leaf(lib, [1.0, 2.0, 3.0])
    b = leaf(lib, [4.0, 5.0, 6.0])
    z = (a * b + b).sum()
    z.backward()
    return [z, a.grad, b.grad]


def scenario_broadcast(lib):
    a = leaf(lib, [[1.0], [2.0]])
    b = leaf(lib, [3.0, 4.0, 5.0])
    ((a * b) / (b + 1) - a).sum().backward()
    return [a.grad, b.grad]


def scenario_accumulate(lib):
    a = leaf(lib, [1.0, 2.0])
    (a * 3).sum().backward()
    (a * a).sum().backward()
    return [a.grad]


def scenario_reuse(lib):
    a = leaf(lib, [1.0, -2.0])
    y = a * a
    z = y * y + y
    z.sum().backward()
    return [a.grad]


def scenario_mixed_dtype(lib):
    a = leaf(lib, [1.0, 2.0], "float32")
    b = leaf(lib, [3.0, 4.0], "float64")
    c = a * b
    c.sum().backward()
    return [c, a.grad, b.grad]


def scenario_gradient_argument(lib):
    a = leaf(lib, [1.0, 2.0, 3.0])
    y = a * a
    y.backward(lib.tensor([1.0, 0.5, 2.0], dtype=lib.float64))
    return [a.grad]


def scenario_matmul_grad(lib):
    a = leaf(lib, [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    b = leaf(lib, [[0.5, -1.0, 2.0], [1.5, 0.0, -2.0]])
    (a @ b).sum().backward()
    return [a.grad, b.grad]


def scenario_views_grad(lib):
    a = leaf(lib, [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    y = a.t().reshape(6)[1:4] * a.view(6)[2:5] + a[:, 1].sum()
    y.sum().backward()
    return [a.grad]


@pytest.mark.parametrize("scenario", [scenario_chain, scenario_broadcast, scenario_accumulate,
                                      scenario_reuse, scenario_mixed_dtype,
                                      scenario_gradient_argument, scenario_matmul_grad,
                                      scenario_views_grad])
def test_backward_matches_torch(scenario):
    compare(scenario)


def test_grad_fn_names_and_edges():
    a = ember.tensor([1.0, 2.0], requires_grad=True)
    b = a * 2 + a
    assert b.grad_fn.name() == "AddBackward0"
    (mul_node, _), (acc, _) = b.grad_fn.next_functions
    assert mul_node.name() == "MulBackward0"
    assert acc.name() == "AccumulateGrad" and acc.variable is a
    assert mul_node.next_functions[1] == (None, 0)
    assert repr(b).endswith("grad_fn=<AddBackward0>)")
    assert (a * 2).sum().grad_fn.name() == "SumBackward0"
    assert a.sum(0).grad_fn.name() == "SumBackward1"


def test_is_leaf_and_requires_grad_flags():
    a = ember.tensor([1.0], requires_grad=True)
    b = a * 2
    assert a.is_leaf and not b.is_leaf and b.requires_grad
    c = ember.tensor([1.0])
    assert c.is_leaf and not (c * 2).requires_grad
    with pytest.raises(RuntimeError, match="only change requires_grad flags of leaf"):
        b.requires_grad = False
    with pytest.raises(RuntimeError, match="floating point and complex"):
        ember.tensor([1, 2]).requires_grad_()


def test_backward_errors_match_torch():
    for lib in (ember, torch):
        a = leaf(lib, [1.0, 2.0])
        with pytest.raises(RuntimeError, match="implicitly created only for scalar outputs"):
            (a * 2).backward()
        with pytest.raises(RuntimeError, match="does not require grad"):
            lib.tensor([1.0]).sum().backward()
        with pytest.raises(RuntimeError, match="Mismatch in shape"):
            (a * 2).backward(lib.ones(3, dtype=lib.float64))


def test_second_backward_through_freed_graph_raises():
    for lib in (ember, torch):
        a = leaf(lib, [1.0, 2.0])
        y = (a * a).sum()
        y.backward()
        with pytest.raises(RuntimeError, match="backward through the graph a second time"):
            y.backward()
        z = (a * a).sum()
        z.backward(retain_graph=True)
        z.backward()
        # A graph with nothing saved can be walked twice, as in PyTorch.
        w = (a + 1).sum()
        w.backward()
        w.backward()


def test_retain_graph_accumulates_twice():
    compare(lambda lib: _twice(lib))


def _twice(lib):
    a = leaf(lib, [1.0, 3.0])
    y = (a * a).sum()
    y.backward(retain_graph=True)
    y.backward()
    return [a.grad]


# -- autograd.grad and higher order ----------------------------------------------------------------

def scenario_grad_function(lib):
    a = leaf(lib, [1.0, 2.0, 3.0])
    b = leaf(lib, [0.5, 0.25, 2.0])
    y = (a * a * b).sum()
    ga, gb = lib.autograd.grad(y, (a, b))
    return [ga, gb]


def scenario_second_derivative(lib):
    a = leaf(lib, [1.0, 2.0, 3.0])
    y = (a * a * a).sum()
    (g,) = lib.autograd.grad(y, a, create_graph=True)
    (h,) = lib.autograd.grad(g.sum(), a)
    return [g, h]


def scenario_third_derivative(lib):
    a = leaf(lib, [0.5, -2.0])
    y = (a * a * a * a).sum()
    (g,) = lib.autograd.grad(y, a, create_graph=True)
    (h,) = lib.autograd.grad(g.sum(), a, create_graph=True)
    (k,) = lib.autograd.grad(h.sum(), a)
    return [g, h, k]


def scenario_grad_of_grad_division(lib):
    a = leaf(lib, [1.0, 2.0])
    b = leaf(lib, [3.0, 5.0])
    y = (a / b).sum()
    ga, gb = lib.autograd.grad(y, (a, b), create_graph=True)
    (gab,) = lib.autograd.grad((ga * gb).sum(), b)
    return [ga, gb, gab]


def scenario_create_graph_backward(lib):
    a = leaf(lib, [1.0, 2.0])
    y = (a * a * a).sum()
    y.backward(create_graph=True)
    g = a.grad
    a.grad = None
    g.sum().backward()
    return [g.detach(), a.grad]


def scenario_nonleaf_input(lib):
    a = leaf(lib, [1.0, 2.0])
    h = a * 3
    y = (h * h).sum()
    (gh,) = lib.autograd.grad(y, h)
    return [gh]


def scenario_backward_inputs(lib):
    a = leaf(lib, [1.0, 2.0])
    b = leaf(lib, [3.0, 4.0])
    (a * b).sum().backward(inputs=[a])
    return [a.grad, b.grad is None]


@pytest.mark.parametrize("scenario", [scenario_grad_function, scenario_second_derivative,
                                      scenario_third_derivative, scenario_grad_of_grad_division,
                                      scenario_create_graph_backward, scenario_nonleaf_input,
                                      scenario_backward_inputs])
def test_grad_and_higher_order_match_torch(scenario):
    compare(scenario)


def test_grad_allow_unused():
    for lib in (ember, torch):
        a = leaf(lib, [1.0])
        b = leaf(lib, [2.0])
        with pytest.raises(RuntimeError, match="allow_unused=True"):
            lib.autograd.grad((a * 2).sum(), (a, b))
        ga, gb = lib.autograd.grad((a * 2).sum(), (a, b), allow_unused=True)
        assert gb is None
        ga, gb = lib.autograd.grad((a * 2).sum(), (a, b), materialize_grads=True)
        assert float(gb.sum()) == 0.0


# -- hooks -----------------------------------------------------------------------------------------

def scenario_hooks(lib):
    seen = []
    a = leaf(lib, [1.0, 2.0])
    a.register_hook(lambda g: seen.append(g.clone()))
    h = a * a
    h.register_hook(lambda g: g * 10)
    h.retain_grad()
    (h * 2).sum().backward()
    return [a.grad, h.grad, seen[0]]


def scenario_hook_removal(lib):
    a = leaf(lib, [1.0, 2.0])
    handle = a.register_hook(lambda g: g * 100)
    handle.remove()
    (a * a).sum().backward()
    return [a.grad]


def scenario_retain_grad_leafless(lib):
    a = leaf(lib, [1.0, 2.0])
    h = a + 1
    h.retain_grad()
    y = (h * h).sum()
    y.backward()
    return [h.grad, a.grad, h.retains_grad]


@pytest.mark.parametrize("scenario", [scenario_hooks, scenario_hook_removal,
                                      scenario_retain_grad_leafless])
def test_hooks_match_torch(scenario):
    compare(scenario)


def test_post_accumulate_grad_hook_and_node_hooks():
    calls = []
    a = ember.tensor([1.0, 2.0], requires_grad=True)
    a.register_post_accumulate_grad_hook(lambda t: calls.append(t.grad.clone()))
    y = a * 3
    y.grad_fn.register_prehook(lambda grads: (grads[0] * 2,))
    y.grad_fn.register_hook(lambda grad_inputs, grad_outputs: calls.append("post"))
    y.sum().backward()
    assert calls[0] == "post"
    np.testing.assert_array_equal(a.grad.numpy(), [6.0, 6.0])
    np.testing.assert_array_equal(calls[1].numpy(), [6.0, 6.0])


# -- grad modes ------------------------------------------------------------------------------------

def test_no_grad_enable_grad_set_grad_enabled():
    a = ember.tensor([1.0], requires_grad=True)
    with ember.no_grad():
        assert not (a * 2).requires_grad
        assert not ember.is_grad_enabled()
        with ember.enable_grad():
            assert (a * 2).requires_grad
    assert ember.is_grad_enabled()
    with ember.set_grad_enabled(False):
        assert not (a * 2).requires_grad
    assert (a * 2).requires_grad
    ember.set_grad_enabled(False)
    assert not ember.is_grad_enabled()
    ember.set_grad_enabled(True)

    @ember.no_grad()
    def double(x):
        return x * 2

    assert not double(a).requires_grad

    @ember.inference_mode()
    def triple(x):
        return x * 3

    assert not triple(a).requires_grad
    with ember.inference_mode():
        assert ember.is_inference_mode_enabled()
        assert not (a * 2).requires_grad

    @ember.no_grad()
    def generate(x):
        yield x * 2
        yield x * 3

    assert not any(t.requires_grad for t in generate(a))


def test_detach_shares_memory_and_cuts_graph():
    a = ember.tensor([1.0, 2.0], requires_grad=True)
    b = a * 2
    d = b.detach()
    assert not d.requires_grad and d.grad_fn is None
    d[0] = 10.0
    assert float(b[0]) == 10.0
    assert d._version == b._version
    b.detach_()
    assert b.is_leaf and not b.requires_grad


# -- in-place semantics ----------------------------------------------------------------------------

def test_inplace_on_leaf_requiring_grad_raises():
    for lib in (ember, torch):
        a = leaf(lib, [1.0, 2.0])
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            a.add_(1)
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            a[0] = 3.0
        with pytest.raises(RuntimeError, match="view of a leaf Variable"):
            a[0:1].mul_(2)
        with lib.no_grad():
            a.add_(1)
        assert a.is_leaf


def test_modified_saved_tensor_is_detected():
    for lib in (ember, torch):
        a = leaf(lib, [1.0, 2.0])
        y = a * 1
        z = y * y
        y.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            z.sum().backward()


def test_saved_output_modified_is_detected():
    a = ember.tensor([1.0, 2.0], requires_grad=True)
    y = (a + 1).exp()
    y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def scenario_inplace_nonleaf(lib):
    a = leaf(lib, [1.0, 2.0, 3.0])
    w = leaf(lib, [2.0, 3.0, 4.0])
    y = a * 1
    y.mul_(w)
    y.add_(a)
    (y * y).sum().backward()
    return [y, a.grad, w.grad]


def scenario_inplace_view(lib):
    a = leaf(lib, [1.0, 2.0, 3.0, 4.0])
    x = a.clone()
    v = x[1:3]
    v.mul_(3)
    (x * x).sum().backward()
    return [x, a.grad]


def scenario_setitem(lib):
    a = leaf(lib, [[1.0, 2.0], [3.0, 4.0]])
    b = leaf(lib, [7.0, 8.0])
    x = a * 2
    x[0] = b
    x[1, 1] = 0.5
    (x * x).sum().backward()
    return [x, a.grad, b.grad]


def scenario_inplace_view_of_no_grad_base(lib):
    z = lib.zeros(3, dtype=lib.float64)
    u = leaf(lib, [1.0, 1.0])
    z[0:2].add_(u)
    (z * lib.arange(3, dtype=lib.float64)).sum().backward()
    return [z, u.grad]


def scenario_nested_view_inplace(lib):
    w = leaf(lib, [1.0, 2.0, 3.0])
    y = w * 1
    y[0:2][1:].mul_(3)
    (y * y).sum().backward()
    return [y, w.grad]


@pytest.mark.parametrize("scenario", [scenario_inplace_nonleaf, scenario_inplace_view,
                                      scenario_setitem, scenario_inplace_view_of_no_grad_base,
                                      scenario_nested_view_inplace])
def test_inplace_gradients_match_torch(scenario):
    compare(scenario)


def test_inplace_view_grad_fn_names():
    w = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x = w.clone()
    v = x[0:2]
    v.mul_(2)
    assert v.grad_fn.name() == "AsStridedBackward0"
    assert x.grad_fn.name() == "CopySlices"
    assert x.grad_fn.next_functions[0][0].name() == "CloneBackward0"


def test_version_counter_shared_by_views():
    a = ember.zeros(4)
    v = a[1:3]
    assert a._version == 0
    v.add_(1)
    assert a._version == 1 and v._version == 1
    a[0] = 2
    assert v._version == 2


def test_refused_inplace_leaves_tensor_unchanged():
    a = ember.tensor([1, 2, 3])
    with pytest.raises(RuntimeError):
        a.add_(1.5)
    np.testing.assert_array_equal(a.numpy(), [1, 2, 3])
    b = ember.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError):
        b.add_(ember.ones(3))
    np.testing.assert_array_equal(b.numpy(), [1.0, 2.0])


# -- custom Function -------------------------------------------------------------------------------

def make_functions(lib):
    class Cube(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, scale):
            ctx.save_for_backward(x)
            ctx.scale = scale
            return x * x * x * scale

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 3 * x * x * ctx.scale, None

    class SplitTwo(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, x + 1

        @staticmethod
        def backward(ctx, g1, g2):
            return g1 * 2 + g2

    class NewStyle(lib.autograd.Function):
        @staticmethod
        def forward(x, y):
            return x * y

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(*inputs)

        @staticmethod
        def backward(ctx, grad):
            x, y = ctx.saved_tensors
            return grad * y, grad * x

    return Cube, SplitTwo, NewStyle


def scenario_custom_function(lib):
    cube, split_two, new_style = make_functions(lib)
    a = leaf(lib, [1.0, 2.0])
    b = leaf(lib, [3.0, -1.0])
    y = cube.apply(a, 2.0)
    p, q = split_two.apply(b)
    r = new_style.apply(a, b)
    (y.sum() + (p * q).sum() + r.sum()).backward()
    return [y, p, q, a.grad, b.grad]


def test_custom_function_matches_torch():
    compare(scenario_custom_function)


def test_custom_function_metadata():
    cube, split_two, _ = make_functions(ember)
    a = ember.tensor([1.0, 2.0], requires_grad=True)
    y = cube.apply(a, 2.0)
    assert y.grad_fn.name() == "CubeBackward"
    assert y.grad_fn.next_functions[0][0].variable is a
    p, q = split_two.apply(a)
    assert p.grad_fn is q.grad_fn and q.output_nr == 1

    class WrongCount(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, g):
            return g, g

    with pytest.raises(RuntimeError, match="incorrect number of gradients"):
        WrongCount.apply(a).sum().backward()

    class Indices(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            idx = ember.tensor([1, 0])
            ctx.mark_non_differentiable(idx)
            return x * 2, idx

        @staticmethod
        def backward(ctx, g, g_idx):
            return g * 2

    out, idx = Indices.apply(a)
    assert out.requires_grad and not idx.requires_grad


def test_once_differentiable_runs_without_graph():
    class Square(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @ember.autograd.once_differentiable
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 2 * x

    a = ember.tensor([3.0], requires_grad=True)
    (g,) = ember.autograd.grad(Square.apply(a).sum(), a, create_graph=True)
    assert float(g) == 6.0 and not g.requires_grad


# -- gradcheck, functional, anomaly -----------------------------------------------------------------

def test_gradcheck_accepts_correct_and_rejects_wrong_gradients():
    a = ember.tensor([0.5, 1.5, -2.0], dtype=ember.float64, requires_grad=True)
    b = ember.tensor([1.0, 2.0, 0.5], dtype=ember.float64, requires_grad=True)
    assert ember.autograd.gradcheck(lambda x, y: x * y / (y + 1) - x, (a, b))
    assert ember.autograd.gradgradcheck(lambda x, y: x * x * y, (a, b))

    class Wrong(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * x

        @staticmethod
        def backward(ctx, g):
            return g * 3

    with pytest.raises(RuntimeError, match="Jacobian mismatch"):
        ember.autograd.gradcheck(Wrong.apply, (a,))
    assert ember.autograd.gradcheck(Wrong.apply, (a,), raise_exception=False) is False


def scenario_functional(lib):
    F = lib.autograd.functional
    x = lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64)
    v = lib.tensor([1.0, -1.0, 0.5], dtype=lib.float64)

    def f(t):
        return t * t * t

    def scalar(t):
        return (t * t * t).sum()

    return [F.jacobian(f, x), F.hessian(scalar, x), *F.vjp(f, x, v), *F.jvp(f, x, v),
            *F.hvp(scalar, x, v), *F.vhp(scalar, x, v)]


def test_functional_matches_torch():
    if not hasattr(ember, "stack"):
        pytest.skip("stack not available")
    compare(scenario_functional)


def test_detect_anomaly_reports_nan():
    a = ember.tensor([1.0, 2.0], requires_grad=True)
    with pytest.warns(UserWarning):
        with ember.autograd.detect_anomaly():
            with pytest.raises(RuntimeError, match="returned nan values in its 0th output"):
                with pytest.warns(UserWarning, match="Error detected in MulBackward0"):
                    (a * float("nan")).sum().backward()


def test_variable_legacy_wrapper():
    a = ember.tensor([1.0, 2.0])
    v = ember.autograd.Variable(a, requires_grad=True)
    assert isinstance(v, ember.autograd.Variable) and isinstance(a, ember.autograd.Variable)
    assert v.requires_grad and v.is_leaf
    (v * v).sum().backward()
    np.testing.assert_array_equal(v.grad.numpy(), [2.0, 4.0])
    assert ember.autograd.Variable(a) is a


def test_grad_is_stolen_only_when_private():
    # A gradient buffer shared with user code must be copied into .grad, never aliased.
    g = ember.tensor([1.0, 1.0])
    a = ember.tensor([1.0, 2.0], requires_grad=True)
    b = a + 0
    b.backward(g)
    a.grad.add_(5)
    np.testing.assert_array_equal(g.numpy(), [1.0, 1.0])
    x = ember.tensor([1.0], requires_grad=True)
    y = ember.tensor([2.0], requires_grad=True)
    (x + y).sum().backward()
    x.grad.add_(1)
    assert float(y.grad) == 1.0


# -- gradient buffers: kept when private, copied when anything else can see them ---------------------

def scenario_linear_weight_grad_layout(lib):
    """A Linear weight's gradient is computed through two transposes; it must come out with the
    weight's own (row-major) strides, and a second backward accumulates into it."""
    lib.manual_seed(0)
    layer = lib.nn.Linear(5, 3)
    x = lib.randn(4, 5)
    layer(x).sum().backward()
    first = layer.weight.grad.clone()
    layer(x).pow(2).sum().backward()
    return [first, layer.weight.grad, list(layer.weight.grad.stride()),
            layer.weight.grad.is_contiguous(), layer.bias.grad]


def test_linear_weight_grad_layout():
    compare(scenario_linear_weight_grad_layout, rtol=1e-5)


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_grad_seen_by_a_hook_is_not_reused_as_dot_grad(lib):
    # A hook that keeps the incoming gradient must not find it changed by a later accumulation.
    w = lib.ones(3, requires_grad=True)
    seen = []
    w.register_hook(lambda g: seen.append(g))
    (w * 2).sum().backward()
    (w * 3).sum().backward()
    assert seen[0].tolist() == [2.0, 2.0, 2.0]
    assert w.grad.tolist() == [5.0, 5.0, 5.0]


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_weight_grad_buffer_is_private(lib):
    # Changing what backward produced (here, the output of a transposed product) after the fact
    # must not reach .grad, and vice versa.
    lib.manual_seed(0)
    layer = lib.nn.Linear(4, 2, bias=False)
    x = lib.randn(3, 4)
    grads = lib.autograd.grad(layer(x).sum(), layer.weight, retain_graph=True)
    layer(x).sum().backward()
    layer.weight.grad.mul_(0)
    assert grads[0].abs().sum().item() > 0
