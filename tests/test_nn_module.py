"""nn.Module, Parameter, containers, hooks and state_dict against PyTorch."""
import copy
import pickle
from collections import OrderedDict

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import ember  # noqa: E402

from parity import assert_same  # noqa: E402


def build(lib, seed: int = 0):
    """The same small model in either library, with identical weights."""
    nn = lib.nn
    rng = np.random.default_rng(seed)

    class Block(nn.Module):
        def __init__(self, n_in, n_out):
            super().__init__()
            self.weight = nn.Parameter(lib.tensor(rng.standard_normal((n_out, n_in)),
                                                  dtype=lib.float32))
            self.bias = nn.Parameter(lib.tensor(rng.standard_normal(n_out), dtype=lib.float32))
            self.register_buffer("calls", lib.zeros((), dtype=lib.int64))
            self.register_buffer("scratch", lib.zeros(n_out), persistent=False)

        def forward(self, x):
            return (x @ self.weight.t() + self.bias).tanh()

        def extra_repr(self):
            return f"in={self.weight.shape[1]}, out={self.weight.shape[0]}"

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.first = Block(4, 3)
            self.body = nn.Sequential(Block(3, 3), Block(3, 3))
            self.heads = nn.ModuleList([Block(3, 2) for _ in range(3)])
            self.table = nn.ModuleDict({"a": Block(2, 2)})
            self.scale = nn.Parameter(lib.ones(1))
            self.extras = nn.ParameterList([lib.ones(2), nn.Parameter(lib.zeros(3))])
            self.named = nn.ParameterDict({"p": nn.Parameter(lib.ones(1))})

        def forward(self, x):
            x = self.body(self.first(x))
            x = sum(h(x) for h in self.heads)
            return self.table["a"](x) * self.scale

    return Net()


@pytest.fixture
def nets():
    return build(ember), build(torch)


def test_parameter_basics():
    p = ember.nn.Parameter(ember.ones(2, 3))
    tp = torch.nn.Parameter(torch.ones(2, 3))
    assert repr(p) == repr(tp)
    assert p.requires_grad and p.is_leaf and isinstance(p, ember.Tensor)
    assert type(p * 2) is ember.Tensor
    frozen = ember.nn.Parameter(ember.ones(2), requires_grad=False)
    assert not frozen.requires_grad
    assert repr(ember.nn.Parameter()) == repr(torch.nn.Parameter())
    clone = copy.deepcopy(p)
    assert type(clone) is ember.nn.Parameter and clone is not p
    assert np.array_equal(clone.detach().numpy(), p.detach().numpy())
    restored = pickle.loads(pickle.dumps(p))
    assert type(restored) is ember.nn.Parameter and restored.requires_grad


def test_repr_matches(nets):
    e, t = nets
    assert repr(e) == repr(t)


def test_named_members_match(nets):
    e, t = nets
    assert [n for n, _ in e.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert [n for n, _ in e.named_buffers()] == [n for n, _ in t.named_buffers()]
    assert [n for n, _ in e.named_modules()] == [n for n, _ in t.named_modules()]
    assert [n for n, _ in e.named_children()] == [n for n, _ in t.named_children()]
    assert [n for n, _ in e.named_parameters(prefix="m", recurse=False)] == \
        [n for n, _ in t.named_parameters(prefix="m", recurse=False)]
    assert len(list(e.modules())) == len(list(t.modules()))


def test_shared_parameter_appears_once():
    for lib in (ember, torch):
        a = lib.nn.Module()
        shared = lib.nn.Parameter(lib.ones(2))
        a.x = shared
        a.y = shared
        child = lib.nn.Module()
        child.z = shared
        a.child = child
        a.again = child
    assert [n for n, _ in a.named_parameters()] == ["x"]
    names = [n for n, _ in a.named_parameters(remove_duplicate=False)]
    assert names == ["x", "y", "child.z", "again.z"]
    assert [n for n, _ in a.named_modules()] == ["", "child"]


def test_state_dict_keys_values_and_metadata(nets):
    e, t = nets
    es, ts = e.state_dict(), t.state_dict()
    assert list(es) == list(ts)
    assert es._metadata == ts._metadata
    for key in ts:
        assert_same(es[key], ts[key])
        assert not es[key].requires_grad
    kept = e.state_dict(keep_vars=True)
    assert kept["scale"] is e.scale


def test_load_state_dict_from_torch(nets):
    e, t = nets
    torch.manual_seed(1)
    for p in t.parameters():
        p.data.normal_()
    state = OrderedDict((k, ember.tensor(v.numpy())) for k, v in t.state_dict().items())
    result = e.load_state_dict(state)
    assert repr(result) == "<All keys matched successfully>"
    assert result.missing_keys == [] and result.unexpected_keys == []
    x = np.random.default_rng(2).standard_normal((5, 4)).astype(np.float32)
    assert_same(e(ember.tensor(x)), t(torch.tensor(x)), rtol=1e-5, atol=1e-6)


def _messages(e, t, mutate):
    es, ts = e.state_dict(), t.state_dict()
    mutate(es, ember)
    mutate(ts, torch)
    with pytest.raises(RuntimeError) as te:
        t.load_state_dict(ts)
    with pytest.raises(RuntimeError) as ee:
        e.load_state_dict(es)
    return str(ee.value), str(te.value)


@pytest.mark.parametrize("case", ["missing", "unexpected", "size", "not_tensor", "all"])
def test_load_state_dict_errors_match_and_leave_module_unchanged(nets, case):
    e, t = nets
    before = {k: v.clone() for k, v in e.state_dict().items()}

    def mutate(sd, lib):
        if case in ("missing", "all"):
            del sd["body.1.bias"]
        if case in ("unexpected", "all"):
            sd["body.7.weight"] = lib.ones(1)
            sd["nothing"] = lib.ones(1)
        if case in ("size", "all"):
            sd["first.weight"] = lib.zeros(3)
        if case == "not_tensor":
            sd["scale"] = 3.0
        # a valid change that must not survive the failed load
        sd["heads.0.bias"] = lib.full((2,), 9.0)

    em, tm = _messages(e, t, mutate)
    assert em == tm
    for k, v in e.state_dict().items():
        assert np.array_equal(v.numpy(), before[k].numpy()), k


def test_load_state_dict_non_strict(nets):
    e, t = nets
    es, ts = e.state_dict(), t.state_dict()
    for sd, lib in ((es, ember), (ts, torch)):
        del sd["scale"]
        sd["extra.key"] = lib.ones(1)
    er = e.load_state_dict(es, strict=False)
    tr = t.load_state_dict(ts, strict=False)
    assert er.missing_keys == tr.missing_keys
    assert er.unexpected_keys == tr.unexpected_keys
    with pytest.raises(TypeError):
        e.load_state_dict([1, 2])


def test_load_state_dict_assign_keeps_parameter_type():
    m = ember.nn.Module()
    m.w = ember.nn.Parameter(ember.zeros(2, device="meta"))
    m.register_buffer("b", ember.zeros(2, device="meta"))
    m.load_state_dict({"w": ember.ones(2), "b": ember.full((2,), 2.0)}, assign=True)
    assert isinstance(m.w, ember.nn.Parameter) and m.w.device.type == "cpu"
    assert m.w.requires_grad
    assert m.b.tolist() == [2.0, 2.0]


def test_state_dict_hooks():
    def record(lib):
        m = lib.nn.Module()
        m.w = lib.nn.Parameter(lib.ones(1))
        calls = []
        m.register_state_dict_pre_hook(lambda mod, prefix, keep: calls.append(("pre", prefix)))
        m.register_load_state_dict_post_hook(lambda mod, keys: calls.append(("post",
                                                                              list(keys[0]))))
        m.load_state_dict(m.state_dict())
        return calls
    assert record(ember) == record(torch)


def test_extra_state_round_trip():
    class WithExtra(ember.nn.Module):
        def __init__(self):
            super().__init__()
            self.value = 1

        def get_extra_state(self):
            return {"value": self.value}

        def set_extra_state(self, state):
            self.value = state["value"]

    a, b = WithExtra(), WithExtra()
    a.value = 7
    sd = a.state_dict()
    assert list(sd) == ["_extra_state"]
    b.load_state_dict(sd)
    assert b.value == 7


def test_setattr_rules_and_errors():
    for lib in (ember, torch):
        m = lib.nn.Module()
        m.w = lib.nn.Parameter(lib.ones(1))
        with pytest.raises(TypeError) as err:
            m.w = lib.ones(1)
        m.w = None
        assert "w" in m._parameters and m.w is None
        m.sub = lib.nn.Module()
        with pytest.raises(TypeError):
            m.sub = 3
        m.register_buffer("buf", lib.ones(1))
        with pytest.raises(TypeError):
            m.buf = 3
        m.buf = lib.zeros(2)
        assert m.buf.shape == (2,)
        with pytest.raises(KeyError):
            m.register_buffer("a.b", None)
        with pytest.raises(KeyError):
            m.register_parameter("", None)
        with pytest.raises(KeyError):
            m.add_module("buf", lib.nn.Module())
        with pytest.raises(TypeError):
            m.add_module("x", 3)
        with pytest.raises(TypeError):
            m.register_parameter("p", lib.ones(1))
        with pytest.raises(AttributeError) as missing:
            _ = m.nothing
        del m.sub
        assert "sub" not in m._modules
        if lib is ember:
            ember_text = str(missing.value), str(err.value)
    assert ember_text == (str(missing.value), str(err.value))


def test_buffer_class_registers():
    for lib in (ember, torch):
        m = lib.nn.Module()
        m.stat = lib.nn.Buffer(lib.ones(2), persistent=False)
        m.kept = lib.nn.Buffer(lib.ones(1))
        assert type(m.stat) is lib.Tensor
        assert list(m.state_dict()) == ["kept"]
        assert [n for n, _ in m.named_buffers()] == ["stat", "kept"]


def test_dir_lists_members():
    e = build(ember)
    names = dir(e)
    assert "first" in names and "scale" in names and "forward" in names


def test_lookup_by_path(nets):
    e, t = nets
    assert e.get_submodule("body.1") is e.body[1]
    assert e.get_parameter("heads.2.weight") is e.heads[2].weight
    assert e.get_buffer("first.calls") is e.first.calls
    for target in ("body.9", "first.weight.x"):
        with pytest.raises(AttributeError) as ee:
            e.get_submodule(target)
        with pytest.raises(AttributeError) as te:
            t.get_submodule(target)
        assert str(ee.value) == str(te.value)
    with pytest.raises(AttributeError):
        e.get_buffer("first.weight")
    replacement = ember.nn.Module()
    e.set_submodule("body.0", replacement)
    assert e.body[0] is replacement


def test_train_eval_apply_requires_grad_zero_grad(nets):
    e, _ = nets
    e.eval()
    assert not any(m.training for m in e.modules())
    e.train()
    assert all(m.training for m in e.modules())
    with pytest.raises(ValueError):
        e.train("yes")
    seen = []
    e.apply(lambda m: seen.append(type(m).__name__))
    assert seen[-1] == "Net" and seen[0] == "Block"
    out = e(ember.ones(2, 4)).sum()
    out.backward()
    used = [p for name, p in e.named_parameters() if not name.startswith(("extras", "named"))]
    assert all(p.grad is not None for p in used)
    e.zero_grad(set_to_none=False)
    assert all(float(p.grad.abs().sum()) == 0 for p in used)
    e.zero_grad()
    assert all(p.grad is None for p in e.parameters())
    e.requires_grad_(False)
    assert not any(p.requires_grad for p in e.parameters())


def test_to_and_casts_keep_parameter_identity(nets):
    e, _ = nets
    weight = e.first.weight
    e.double()
    assert e.first.weight is weight and weight.dtype == ember.float64
    assert e.first.calls.dtype == ember.int64  # integer buffers keep their dtype
    e.to(ember.float16)
    assert weight.dtype == ember.float16
    e.to("cpu", ember.float32)
    assert weight.dtype == ember.float32
    e.half().float()
    assert weight.dtype == ember.float32
    e.to(ember.zeros(1, dtype=ember.float64))
    assert weight.dtype == ember.float64
    with pytest.raises(TypeError):
        e.to(ember.int32)
    meta = build(ember).to("meta")
    assert meta.first.weight.device.type == "meta"
    empty = meta.to_empty(device="cpu")
    assert empty.first.weight.device.type == "cpu"


def _hooked_outputs(lib):
    net = build(lib)
    record = []
    block = net.body[0]
    block.register_forward_pre_hook(lambda m, args: (args[0] * 2,))
    block.register_forward_hook(lambda m, args, out: out + 1)
    block.register_forward_pre_hook(
        lambda m, args, kwargs: record.append(("pre_kw", sorted(kwargs))), with_kwargs=True)
    block.register_forward_hook(
        lambda m, args, kwargs, out: record.append(("post_kw", tuple(out.shape))),
        with_kwargs=True)
    handle = block.register_forward_hook(lambda m, args, out: record.append("removed"))
    handle.remove()
    block.register_full_backward_pre_hook(
        lambda m, grad_out: record.append(("bpre", np.round(grad_out[0].sum().item(), 4))))
    block.register_full_backward_hook(
        lambda m, grad_in, grad_out: (grad_in[0] * 3,))
    block.register_full_backward_hook(
        lambda m, grad_in, grad_out: record.append(
            ("bhook", np.round(grad_in[0].sum().item(), 4), np.round(grad_out[0].sum().item(),
                                                                     4))))
    x = lib.tensor(np.linspace(-1, 1, 8, dtype=np.float32).reshape(2, 4), requires_grad=True)
    out = net(x)
    out.sum().backward()
    return out, x.grad, record


def test_forward_and_backward_hooks_match():
    eo, eg, erec = _hooked_outputs(ember)
    to, tg, trec = _hooked_outputs(torch)
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(eg.numpy(), tg.numpy(), rtol=1e-5, atol=1e-6)
    assert erec == trec


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_backward_hook_without_input_grad(lib):
    m = build(lib).first
    seen = []
    m.register_full_backward_hook(lambda mod, gi, go: seen.append(gi))
    with pytest.warns(UserWarning, match="no inputs require gradients"):
        m(lib.ones(1, 4)).sum().backward()
    assert seen == [(None,)]


def test_forward_hook_always_call_and_global_hooks():
    m = ember.nn.Module()
    calls = []

    def broken(x):
        raise ValueError("boom")
    m.forward = broken
    m.register_forward_hook(lambda mod, args, out: calls.append(out), always_call=True)
    with pytest.raises(ValueError):
        m(1)
    assert calls == [None]
    from ember.nn.modules.module import register_module_forward_hook
    handle = register_module_forward_hook(lambda mod, args, out: calls.append("global"))
    try:
        build(ember).first(ember.ones(1, 4))
    finally:
        handle.remove()
    assert calls.count("global") == 1


def test_forward_not_implemented():
    with pytest.raises(NotImplementedError) as ee:
        ember.nn.Module()(1)
    with pytest.raises(NotImplementedError) as te:
        torch.nn.Module()(1)
    assert str(ee.value) == str(te.value)


def test_sequential_operations():
    for lib in (ember, torch):
        mods = [lib.nn.Module() for _ in range(4)]
        s = lib.nn.Sequential(*mods)
        assert len(s) == 4 and s[-1] is mods[3] and list(s) == mods
        sliced = s[1:3]
        assert type(sliced) is lib.nn.Sequential and list(sliced) == mods[1:3]
        s.append(lib.nn.Module())
        s.insert(1, lib.nn.Module())
        s.extend([lib.nn.Module()])
        popped = s.pop(0)
        assert popped is mods[0]
        del s[0]
        assert [k for k, _ in s.named_children()] == [str(i) for i in range(len(s))]
        with pytest.raises(IndexError):
            s[10]
        named = lib.nn.Sequential(OrderedDict([("a", lib.nn.Module()), ("b", lib.nn.Module())]))
        assert [k for k, _ in named.named_children()] == ["a", "b"]
        combined = named + named
        assert len(combined) == 4
        if lib is ember:
            ember_repr = repr(combined), repr(s)
    assert ember_repr == (repr(combined), repr(s))


def test_sequential_forward_chains():
    class Double(ember.nn.Module):
        def forward(self, x):
            return x * 2

    s = ember.nn.Sequential(Double(), Double(), Double())
    assert s(ember.ones(1)).item() == 8.0


def test_module_list_and_dict():
    for lib in (ember, torch):
        ml = lib.nn.ModuleList([lib.nn.Module() for _ in range(2)])
        ml.append(lib.nn.Module())
        ml.extend([lib.nn.Module()])
        ml.insert(0, lib.nn.Module())
        ml += [lib.nn.Module()]
        del ml[1]
        assert len(ml) == 5 and len(ml[1:3]) == 2
        with pytest.raises(IndexError):
            ml[7]
        with pytest.raises(TypeError):
            ml.extend(3)
        md = lib.nn.ModuleDict({"b": lib.nn.Module(), "a": lib.nn.Module()})
        md.update([("c", lib.nn.Module())])
        md["d"] = lib.nn.Module()
        md.pop("b")
        assert list(md.keys()) == ["a", "c", "d"] and "a" in md and len(md) == 3
        with pytest.raises(ValueError):
            md.update([("x",)])
        if lib is ember:
            ember_repr = repr(ml), repr(md)
    assert ember_repr == (repr(ml), repr(md))


def test_module_list_repr_groups_identical_layers():
    class Tagged(ember.nn.Module):
        def __init__(self, tag):
            super().__init__()
            self.tag = tag

        def extra_repr(self):
            return str(self.tag)

    class TTagged(torch.nn.Module):
        def __init__(self, tag):
            super().__init__()
            self.tag = tag

        def extra_repr(self):
            return str(self.tag)

    tags = [1, 1, 1, 2, 3, 3]
    e = ember.nn.ModuleList([Tagged(t) for t in tags])
    t = torch.nn.ModuleList([TTagged(t) for t in tags])
    assert repr(e).replace("Tagged", "T") == repr(t).replace("TTagged", "T")


def test_parameter_list_and_dict():
    for lib in (ember, torch):
        pl = lib.nn.ParameterList([lib.ones(2), lib.zeros(2, 3)])
        pl.append(lib.nn.Parameter(lib.ones(1)))
        assert all(isinstance(p, lib.nn.Parameter) for p in pl) and len(pl) == 3
        pd = lib.nn.ParameterDict({"b": lib.ones(1), "a": lib.zeros(2)})
        pd["c"] = lib.ones(3)
        pd.update({"d": lib.ones(1)})
        assert list(pd.keys()) == ["a", "b", "c", "d"]
        assert isinstance(pd["c"], lib.nn.Parameter)
        owner = lib.nn.Module()
        owner.pl = pl
        owner.pd = pd
        if lib is ember:
            ember_state = repr(owner), list(owner.state_dict())
    assert ember_state == (repr(owner), list(owner.state_dict()))


def test_deepcopy_and_pickle_module(nets):
    e, _ = nets
    clone = copy.deepcopy(e)
    assert clone.first.weight is not e.first.weight
    assert np.array_equal(clone.first.weight.detach().numpy(), e.first.weight.detach().numpy())
    seq = ember.nn.Sequential(ember.nn.Module(), ember.nn.ModuleList([ember.nn.Module()]))
    seq.w = ember.nn.Parameter(ember.arange(3.0))
    restored = pickle.loads(pickle.dumps(seq))
    assert repr(restored) == repr(seq) and restored.w.tolist() == [0.0, 1.0, 2.0]
    assert isinstance(restored.w, ember.nn.Parameter)


def test_uninitialized_parameter():
    p = ember.nn.UninitializedParameter()
    assert repr(p) == repr(torch.nn.UninitializedParameter())
    with pytest.raises(RuntimeError):
        _ = p.shape
    p.materialize((2, 3))
    assert type(p) is ember.nn.Parameter and p.shape == (2, 3) and p.requires_grad


def test_lazy_mixin_materializes_on_first_call():
    class LazyScale(ember.nn.modules.lazy.LazyModuleMixin, ember.nn.Module):
        def __init__(self):
            super().__init__()
            self.weight = ember.nn.UninitializedParameter()

        def initialize_parameters(self, x):
            if self.has_uninitialized_params():
                with ember.no_grad():
                    self.weight.materialize((x.shape[-1],))
                    self.weight.fill_(2.0)

        def forward(self, x):
            return x * self.weight

    m = LazyScale()
    assert m.has_uninitialized_params()
    out = m(ember.ones(2, 3))
    assert out.tolist() == [[2.0] * 3] * 2 and not m.has_uninitialized_params()
    assert not m._forward_pre_hooks

    fresh = LazyScale()
    fresh.load_state_dict({"weight": ember.ones(5)})
    assert fresh.weight.shape == (5,)
