"""Recurrent layers, cells and sequence packing against PyTorch on identical weights."""
from __future__ import annotations

import warnings

import pytest
from hypothesis import given, settings, strategies as st

torch = pytest.importorskip("torch")

import ember  # noqa: E402
from ember.autograd import gradcheck, gradgradcheck  # noqa: E402
from ember.nn.utils import rnn as eru  # noqa: E402
from parity import assert_same, to_ember  # noqa: E402
from torch.nn.utils import rnn as tru  # noqa: E402

TOL = {"float32": 1e-5, "float64": 1e-10}
MODES = ["LSTM", "GRU", "RNN"]


def _dtypes(name: str):
    return getattr(torch, name), getattr(ember, name)


def _twin(cls_name: str, *args, dtype: str = "float32", **kwargs):
    """The same layer in torch and ember, ember loaded with torch's weights (via state_dict)."""
    t_dtype, e_dtype = _dtypes(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_mod = getattr(torch.nn, cls_name)(*args, **kwargs).to(t_dtype)
        e_mod = getattr(ember.nn, cls_name)(*args, **kwargs).to(e_dtype)
    assert list(e_mod.state_dict()) == list(t_mod.state_dict())
    e_mod.load_state_dict({k: to_ember(v) for k, v in t_mod.state_dict().items()})
    return t_mod, e_mod


def _randn(*shape, dtype: str = "float32", grad: bool = True):
    t = torch.randn(*shape, dtype=getattr(torch, dtype))
    e = to_ember(t)
    if grad:
        t.requires_grad_()
        e.requires_grad_()
    return t, e


def _flat(outputs):
    """Tensors of a layer's result in a fixed order: output, then each state tensor."""
    out, state = outputs
    if isinstance(out, (tru.PackedSequence, eru.PackedSequence)):
        out = out.data
    states = list(state) if isinstance(state, tuple) else [state]
    return [out] + states


def _compare_layer(t_mod, e_mod, t_inputs, e_inputs, t_leaves, e_leaves, tol):
    """Outputs, then gradients w.r.t. the given leaves and all parameters, under a random
    upstream gradient."""
    t_out = _flat(t_mod(*t_inputs))
    e_out = _flat(e_mod(*e_inputs))
    for e, t in zip(e_out, t_out):
        assert_same(e, t, rtol=tol, atol=tol)
    probes = [torch.randn_like(t) for t in t_out]
    t_wrt = list(t_leaves) + list(t_mod.parameters())
    e_wrt = list(e_leaves) + list(e_mod.parameters())
    t_grads = torch.autograd.grad(t_out, t_wrt, probes)
    e_grads = ember.autograd.grad(e_out, e_wrt, [to_ember(p) for p in probes])
    for e, t in zip(e_grads, t_grads):
        assert_same(e, t, rtol=tol, atol=tol)


# -- construction: init stream, names, reprs ---------------------------------------------------

INIT_CASES = [
    ("LSTM", (3, 4), {}),
    ("LSTM", (3, 4, 2), {"bidirectional": True, "proj_size": 2, "batch_first": True,
                         "dropout": 0.5, "bias": False}),
    ("GRU", (3, 4), {"num_layers": 2}),
    ("GRU", (3, 4), {"bidirectional": True, "bias": False}),
    ("RNN", (3, 4), {"nonlinearity": "relu", "num_layers": 3}),
    ("RNN", (3, 4, 2, "tanh"), {}),
    ("LSTMCell", (3, 4), {}),
    ("GRUCell", (3, 4), {"bias": False}),
    ("RNNCell", (3, 4), {"nonlinearity": "relu"}),
]


@pytest.mark.parametrize("cls_name,args,kwargs", INIT_CASES)
def test_seeded_init_names_and_repr_match_torch(cls_name, args, kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.manual_seed(0)
        t_mod = getattr(torch.nn, cls_name)(*args, **kwargs)
        ember.manual_seed(0)
        e_mod = getattr(ember.nn, cls_name)(*args, **kwargs)
    assert repr(e_mod) == repr(t_mod)
    assert list(e_mod.state_dict()) == list(t_mod.state_dict())
    for (name, e_param), (_, t_param) in zip(e_mod.named_parameters(), t_mod.named_parameters()):
        assert_same(e_param, t_param, rtol=0, atol=0), name


def test_flat_weights_follow_reassignment_and_dtype_changes():
    lstm = ember.nn.LSTM(3, 4, num_layers=2)
    assert lstm._flat_weights_names == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0",
                                        "bias_hh_l0", "weight_ih_l1", "weight_hh_l1",
                                        "bias_ih_l1", "bias_hh_l1"]
    new = ember.nn.Parameter(ember.zeros(16, 3))
    lstm.weight_ih_l0 = new
    assert lstm._flat_weights[0] is new
    lstm.flatten_parameters()  # a no-op on the CPU
    lstm.double()
    assert all(w.dtype == ember.float64 for w in lstm._flat_weights)
    out, _ = lstm(ember.randn(2, 1, 3, dtype=ember.float64))
    assert out.dtype == ember.float64
    assert [len(layer) for layer in lstm.all_weights] == [4, 4]


def test_copies_and_pickles_rebind_the_flat_weights():
    import copy
    import pickle
    lstm = ember.nn.LSTM(3, 4, num_layers=2)
    x = ember.randn(2, 1, 3)
    for clone in (copy.deepcopy(lstm), pickle.loads(pickle.dumps(lstm))):
        assert clone._flat_weights[0] is clone.weight_ih_l0
        assert_same(clone(x)[0], torch.from_numpy(lstm(x)[0].detach().numpy()))


# -- forward / backward parity ------------------------------------------------------------------

LAYER_CASES = [
    ("LSTM", {}),
    ("LSTM", {"batch_first": True}),
    ("LSTM", {"num_layers": 2, "bidirectional": True}),
    ("LSTM", {"proj_size": 3}),
    ("LSTM", {"proj_size": 2, "bidirectional": True, "num_layers": 2, "bias": False}),
    ("GRU", {}),
    ("GRU", {"num_layers": 2, "bidirectional": True, "batch_first": True}),
    ("GRU", {"bias": False}),
    ("RNN", {}),
    ("RNN", {"nonlinearity": "relu", "num_layers": 2, "bidirectional": True}),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("mode,kwargs", LAYER_CASES)
def test_layer_outputs_and_gradients_match_torch(mode, kwargs, dtype):
    torch.manual_seed(1)
    t_mod, e_mod = _twin(mode, 5, 6, dtype=dtype, **kwargs)
    layers = kwargs.get("num_layers", 1) * (2 if kwargs.get("bidirectional") else 1)
    width = kwargs.get("proj_size") or 6
    batch_first = kwargs.get("batch_first", False)
    x_t, x_e = _randn(*((3, 4, 5) if batch_first else (4, 3, 5)), dtype=dtype)
    h_t, h_e = _randn(layers, 3, width, dtype=dtype)
    leaves_t, leaves_e = [x_t, h_t], [x_e, h_e]
    if mode == "LSTM":
        c_t, c_e = _randn(layers, 3, 6, dtype=dtype)
        leaves_t.append(c_t)
        leaves_e.append(c_e)
        state_t, state_e = (h_t, c_t), (h_e, c_e)
    else:
        state_t, state_e = h_t, h_e
    _compare_layer(t_mod, e_mod, (x_t, state_t), (x_e, state_e), leaves_t, leaves_e,
                   TOL[dtype])


@pytest.mark.parametrize("mode", MODES)
def test_unbatched_input_and_default_state(mode):
    torch.manual_seed(2)
    t_mod, e_mod = _twin(mode, 3, 4, dtype="float64", bidirectional=True)
    x_t, x_e = _randn(5, 3, dtype="float64")
    _compare_layer(t_mod, e_mod, (x_t,), (x_e,), [x_t], [x_e], 1e-10)
    e_out, e_state = e_mod(x_e)
    assert e_out.grad_fn.name() == "SqueezeBackward1"
    h = e_state[0] if mode == "LSTM" else e_state
    assert tuple(h.shape) == (2, 4)


def test_unbatched_with_initial_state():
    torch.manual_seed(3)
    t_mod, e_mod = _twin("LSTM", 3, 4, dtype="float64")
    x_t, x_e = _randn(5, 3, dtype="float64")
    h_t, h_e = _randn(1, 4, dtype="float64")
    c_t, c_e = _randn(1, 4, dtype="float64")
    _compare_layer(t_mod, e_mod, (x_t, (h_t, c_t)), (x_e, (h_e, c_e)), [x_t, h_t, c_t],
                   [x_e, h_e, c_e], 1e-10)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_packed_sequences_match_torch(mode, bidirectional):
    torch.manual_seed(4)
    t_mod, e_mod = _twin(mode, 3, 4, dtype="float64", num_layers=2, bidirectional=bidirectional)
    lengths = [2, 5, 3, 5, 1]
    seqs = [_randn(n, 3, dtype="float64") for n in lengths]
    t_seqs, e_seqs = [s[0] for s in seqs], [s[1] for s in seqs]
    layers = 4 if bidirectional else 2
    h_t, h_e = _randn(layers, 5, 4, dtype="float64")
    if mode == "LSTM":
        c_t, c_e = _randn(layers, 5, 4, dtype="float64")
        state_t, state_e, extra_t, extra_e = (h_t, c_t), (h_e, c_e), [c_t], [c_e]
    else:
        state_t, state_e, extra_t, extra_e = h_t, h_e, [], []
    packed_t = tru.pack_sequence(t_seqs, enforce_sorted=False)
    packed_e = eru.pack_sequence(e_seqs, enforce_sorted=False)
    _compare_layer(t_mod, e_mod, (packed_t, state_t), (packed_e, state_e),
                   t_seqs + [h_t] + extra_t, e_seqs + [h_e] + extra_e, 1e-10)
    out_e, _ = e_mod(packed_e, state_e)
    assert isinstance(out_e, eru.PackedSequence)
    assert_same(out_e.batch_sizes, packed_t.batch_sizes)
    assert_same(out_e.unsorted_indices, packed_t.unsorted_indices)


@given(lengths=st.lists(st.integers(1, 4), min_size=1, max_size=4),
       mode=st.sampled_from(MODES), bidirectional=st.booleans(), batch_first=st.booleans())
@settings(max_examples=10, deadline=None)
def test_packed_and_padded_random_lengths(lengths, mode, bidirectional, batch_first):
    torch.manual_seed(len(lengths))
    t_mod, e_mod = _twin(mode, 2, 3, dtype="float64", bidirectional=bidirectional,
                         batch_first=batch_first)
    longest = max(lengths)
    shape = (len(lengths), longest, 2) if batch_first else (longest, len(lengths), 2)
    x_t, x_e = _randn(*shape, dtype="float64")
    packed_t = tru.pack_padded_sequence(x_t, lengths, batch_first, enforce_sorted=False)
    packed_e = eru.pack_padded_sequence(x_e, lengths, batch_first, enforce_sorted=False)
    _compare_layer(t_mod, e_mod, (packed_t,), (packed_e,), [x_t], [x_e], 1e-10)
    _compare_layer(t_mod, e_mod, (x_t,), (x_e,), [x_t], [x_e], 1e-10)


def test_packed_lstm_with_projection_float32():
    torch.manual_seed(5)
    t_mod, e_mod = _twin("LSTM", 3, 5, proj_size=2)
    x_t, x_e = _randn(4, 3, 3)
    packed_t = tru.pack_padded_sequence(x_t, [4, 2, 1])
    packed_e = eru.pack_padded_sequence(x_e, [4, 2, 1])
    _compare_layer(t_mod, e_mod, (packed_t,), (packed_e,), [x_t], [x_e], 1e-5)


def test_grad_fn_names_follow_torch():
    x = ember.randn(4, 2, 3, requires_grad=True)
    out, (h, c) = ember.nn.LSTM(3, 4)(x)
    assert out.grad_fn.name() == "MkldnnRnnLayerBackward0"
    assert h.grad_fn.name() == "StackBackward0"
    out, h = ember.nn.GRU(3, 4)(x)
    assert out.grad_fn.name() == "StackBackward0"
    out, _ = ember.nn.LSTM(3, 4, bidirectional=True)(x)
    assert out.grad_fn.name() == "CatBackward0"
    h, c = ember.nn.LSTMCell(3, 4)(x[0])
    assert (h.grad_fn.name(), c.grad_fn.name()) == ("MulBackward0", "AddBackward0")
    assert ember.nn.GRUCell(3, 4)(x[0]).grad_fn.name() == "AddBackward0"
    assert ember.nn.RNNCell(3, 4)(x[0]).grad_fn.name() == "TanhBackward0"


def test_dropout_between_layers_draws_torch_stream():
    torch.manual_seed(0)
    t_mod, e_mod = _twin("LSTM", 3, 4, num_layers=3, dropout=0.5)
    x_t, x_e = _randn(5, 2, 3, grad=False)
    torch.manual_seed(7)
    ember.manual_seed(7)
    assert_same(e_mod(x_e)[0], t_mod(x_t)[0])
    e_mod.eval()
    t_mod.eval()
    assert_same(e_mod(x_e)[0], t_mod(x_t)[0])


def test_lstm_benchmark_shape_float32():
    # The shape bench/lstm.py times: one layer, 32 -> 128, sequence 35, batch 16.
    torch.manual_seed(6)
    t_mod, e_mod = _twin("LSTM", 32, 128)
    x_t, x_e = _randn(35, 16, 32)
    _compare_layer(t_mod, e_mod, (x_t,), (x_e,), [x_t], [x_e], 2e-5)


# -- cells ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("cls_name,kwargs", [("LSTMCell", {}), ("GRUCell", {}),
                                             ("RNNCell", {"nonlinearity": "relu"}),
                                             ("RNNCell", {"bias": False})])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_cells_match_torch(cls_name, kwargs, dtype):
    torch.manual_seed(8)
    t_mod, e_mod = _twin(cls_name, 3, 4, dtype=dtype, **kwargs)
    x_t, x_e = _randn(2, 3, dtype=dtype)
    h_t, h_e = _randn(2, 4, dtype=dtype)
    if cls_name == "LSTMCell":
        c_t, c_e = _randn(2, 4, dtype=dtype)
        t_out, e_out = list(t_mod(x_t, (h_t, c_t))), list(e_mod(x_e, (h_e, c_e)))
        t_leaves, e_leaves = [x_t, h_t, c_t], [x_e, h_e, c_e]
    else:
        t_out, e_out = [t_mod(x_t, h_t)], [e_mod(x_e, h_e)]
        t_leaves, e_leaves = [x_t, h_t], [x_e, h_e]
    assert_same(e_out, t_out, rtol=TOL[dtype], atol=TOL[dtype])
    probes = [torch.randn_like(t) for t in t_out]
    t_grads = torch.autograd.grad(t_out, t_leaves + list(t_mod.parameters()), probes)
    e_grads = ember.autograd.grad(e_out, e_leaves + list(e_mod.parameters()),
                                  [to_ember(p) for p in probes])
    assert_same(list(e_grads), list(t_grads), rtol=TOL[dtype], atol=TOL[dtype])
    # unbatched, default state
    assert_same(e_mod(x_e[0]), t_mod(x_t[0]), rtol=TOL[dtype], atol=TOL[dtype])


def _params(*shapes):
    return [ember.randn(*s, dtype=ember.float64, requires_grad=True) for s in shapes]


def test_gradcheck_lstm_and_gru_cells():
    ember.manual_seed(0)
    x, h, c = _params((2, 2), (2, 3), (2, 3))
    w_ih, w_hh, b_ih, b_hh = _params((12, 2), (12, 3), (12,), (12,))
    assert gradcheck(lambda *a: ember.lstm_cell(a[0], (a[1], a[2]), *a[3:]),
                     (x, h, c, w_ih, w_hh, b_ih, b_hh))
    g_ih, g_hh, gb_ih, gb_hh = _params((9, 2), (9, 3), (9,), (9,))
    assert gradcheck(ember.gru_cell, (x, h, g_ih, g_hh, gb_ih, gb_hh))


@pytest.mark.parametrize("mode", ["LSTM", "GRU", "RNN_TANH", "RNN_RELU"])
def test_gradcheck_fused_layer_bidirectional(mode):
    ember.manual_seed(1)
    gates = {"LSTM": 4, "GRU": 3}.get(mode, 1) * 2
    x, h = _params((3, 2, 2), (2, 2, 2))
    weights = _params((gates, 2), (gates, 2), (gates,), (gates,),
                      (gates, 2), (gates, 2), (gates,), (gates,))
    if mode == "LSTM":
        (c,) = _params((2, 2, 2))
        fn = lambda x, h, c, *w: ember.lstm(x, (h, c), list(w), True, 1, 0.0, True,  # noqa: E731
                                            True, False)
        assert gradcheck(fn, (x, h, c, *weights))
        return
    run = {"GRU": ember.gru, "RNN_TANH": ember.rnn_tanh, "RNN_RELU": ember.rnn_relu}[mode]
    fn = lambda x, h, *w: run(x, h, list(w), True, 1, 0.0, True, True, False)  # noqa: E731
    assert gradcheck(fn, (x, h, *weights))


def test_gradgradcheck_fused_gru_layer():
    ember.manual_seed(2)
    x, h = _params((2, 1, 1), (1, 1, 2))
    weights = _params((6, 1), (6, 2), (6,), (6,))
    fn = lambda x, h, *w: ember.gru(x, h, list(w), True, 1, 0.0, True, False, False)  # noqa: E731
    assert gradgradcheck(fn, (x, h, *weights))


@pytest.mark.parametrize("mode", MODES)
def test_double_backward_through_fused_layer_matches_torch(mode):
    torch.manual_seed(9)
    t_mod, e_mod = _twin(mode, 2, 3, dtype="float64", bidirectional=True)
    x_t, x_e = _randn(3, 2, 2, dtype="float64")
    t_out = _flat(t_mod(x_t))[0]
    e_out = _flat(e_mod(x_e))[0]
    t_params, e_params = list(t_mod.parameters()), list(e_mod.parameters())
    t_first = torch.autograd.grad(t_out.pow(2).sum(), [x_t] + t_params, create_graph=True)
    e_first = ember.autograd.grad(e_out.pow(2).sum(), [x_e] + e_params, create_graph=True)
    t_second = torch.autograd.grad(sum((g * g).sum() for g in t_first), [x_t] + t_params)
    e_second = ember.autograd.grad(sum((g * g).sum() for g in e_first), [x_e] + e_params)
    assert_same(list(e_second), list(t_second), rtol=1e-9, atol=1e-9)


def test_backward_twice_needs_retain_graph_and_sees_inplace_changes():
    lstm = ember.nn.LSTM(3, 4)
    x = ember.randn(2, 1, 3, requires_grad=True)
    out, _ = lstm(x)
    out.sum().backward(retain_graph=True)
    first = x.grad.clone()
    out.sum().backward()
    assert_same(x.grad, to_torch_like(first * 2))
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        out.sum().backward()
    out, _ = lstm(x)
    with ember.no_grad():
        lstm.weight_hh_l0.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()


def to_torch_like(e):
    return torch.from_numpy(e.detach().numpy().copy())


def test_no_grad_forward_builds_no_graph():
    lstm = ember.nn.GRU(3, 4)
    with ember.no_grad():
        out, h = lstm(ember.randn(2, 1, 3))
    assert out.grad_fn is None and not out.requires_grad


# -- errors --------------------------------------------------------------------------------------

def _raises_like(e_call, t_call, match=None):
    with pytest.raises(Exception) as t_info:
        t_call()
    with pytest.raises(type(t_info.value)) as e_info:
        e_call()
    if match is not None:
        assert match in str(e_info.value) and match in str(t_info.value)
    return e_info.value


ERROR_CASES = [
    ("LSTM", lambda m, lib: m(lib.randn(5, 2, 4)),
     "input.size(-1) must be equal to input_size. Expected 3, got 4"),
    ("LSTM", lambda m, lib: m(lib.randn(5, 2, 3), (lib.randn(2, 2, 4), lib.randn(1, 2, 4))),
     "Expected hidden[0] size (1, 2, 4), got [2, 2, 4]"),
    ("LSTM", lambda m, lib: m(lib.randn(5, 2, 3), (lib.randn(1, 2, 4), lib.randn(1, 3, 4))),
     "Expected hidden[1] size (1, 2, 4), got [1, 3, 4]"),
    ("GRU", lambda m, lib: m(lib.randn(5, 2, 3), lib.randn(2, 2, 4)),
     "Expected hidden size (1, 2, 4), got [2, 2, 4]"),
    ("GRU", lambda m, lib: m(lib.randn(5, 2, 3), lib.randn(2, 4)),
     "For batched 3-D input, hx should also be 3-D but got 2-D tensor"),
    ("LSTM", lambda m, lib: m(lib.randn(5, 3), (lib.randn(1, 2, 4), lib.randn(1, 2, 4))),
     "For unbatched 2-D input, hx and cx should also be 2-D but got (3-D, 3-D) tensors"),
    ("RNN", lambda m, lib: m(lib.randn(5, 2, 3, 1)),
     "RNN: Expected input to be 2D or 3D, got 4D tensor instead"),
    ("LSTM", lambda m, lib: m(lib.randn(5, 2, 3, dtype=lib.float64)),
     "RNN input dtype"),
    ("GRU", lambda m, lib: m(lib.randn(0, 2, 3)),
     "Expected sequence length to be larger than 0 in RNN"),
    ("LSTMCell", lambda m, lib: m(lib.randn(2, 5)),
     "input has inconsistent input_size: got 5 expected 3"),
    ("GRUCell", lambda m, lib: m(lib.randn(2, 3), lib.randn(3, 4)),
     "Input batch size 2 doesn't match hidden0 batch size 3"),
    ("LSTMCell", lambda m, lib: m(lib.randn(2, 3), (lib.randn(2, 5), lib.randn(2, 4))),
     "hidden0 has inconsistent hidden_size: got 5, expected 4"),
    ("RNNCell", lambda m, lib: m(lib.randn(2, 3, 3)),
     "RNNCell: Expected input to be 1D or 2D, got 3D instead"),
]


@pytest.mark.parametrize("cls_name,call,message", ERROR_CASES)
def test_forward_errors_match_torch(cls_name, call, message):
    t_mod = getattr(torch.nn, cls_name)(3, 4)
    e_mod = getattr(ember.nn, cls_name)(3, 4)
    _raises_like(lambda: call(e_mod, ember), lambda: call(t_mod, torch), message)


@pytest.mark.parametrize("cls_name,args,kwargs,message", [
    ("LSTM", (3, 4), {"proj_size": 4}, "proj_size has to be smaller than hidden_size"),
    ("GRU", (3, 4), {"proj_size": 2}, "proj_size argument is only supported for LSTM"),
    ("RNN", (3, 4), {"nonlinearity": "sigmoid"}, "Unknown nonlinearity 'sigmoid'"),
    ("LSTM", (3, 4), {"dropout": 2}, "dropout should be a number in range [0, 1]"),
    ("GRU", (3, 0), {}, "hidden_size must be greater than zero"),
    ("LSTM", (3, 4), {"num_layers": 0}, "num_layers must be greater than zero"),
    ("LSTM", (3.0, 4), {}, "input_size should be of type int, got: float"),
    ("LSTM", (3, 4), {"bias": 1}, "bias should be of type bool, got: int"),
])
def test_constructor_errors_match_torch(cls_name, args, kwargs, message):
    _raises_like(lambda: getattr(ember.nn, cls_name)(*args, **kwargs),
                 lambda: getattr(torch.nn, cls_name)(*args, **kwargs), message)


def test_single_layer_dropout_warns_like_torch():
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        ember.nn.GRU(3, 4, dropout=0.2)


# -- packing utilities ---------------------------------------------------------------------------

@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["right", "left"])
def test_pad_sequence_matches_torch(batch_first, side):
    seqs = [_randn(n, 2, dtype="float64") for n in (3, 5, 1)]
    t_pad = tru.pad_sequence([s[0] for s in seqs], batch_first=batch_first,
                             padding_value=-1.5, padding_side=side)
    e_pad = eru.pad_sequence([s[1] for s in seqs], batch_first=batch_first,
                             padding_value=-1.5, padding_side=side)
    assert_same(e_pad, t_pad, check_stride=True)
    probe = torch.randn_like(t_pad)
    t_grads = torch.autograd.grad(t_pad, [s[0] for s in seqs], probe)
    e_grads = ember.autograd.grad(e_pad, [s[1] for s in seqs], to_ember(probe))
    assert_same(list(e_grads), list(t_grads))


def test_pad_sequence_keeps_first_dtype_and_checks_shapes():
    t_pad = tru.pad_sequence([torch.tensor([1, 2]), torch.tensor([3])])
    e_pad = eru.pad_sequence([ember.tensor([1, 2]), ember.tensor([3])])
    assert_same(e_pad, t_pad)
    _raises_like(lambda: eru.pad_sequence([ember.randn(2, 3), ember.randn(1, 4)]),
                 lambda: tru.pad_sequence([torch.randn(2, 3), torch.randn(1, 4)]),
                 "must match the size of tensor b")
    _raises_like(lambda: eru.pad_sequence([]), lambda: tru.pad_sequence([]),
                 "received an empty list of sequences")
    _raises_like(lambda: eru.pad_sequence([ember.randn(2)], padding_side="mid"),
                 lambda: tru.pad_sequence([torch.randn(2)], padding_side="mid"),
                 "Expected padding_side to be one of left or right, but got mid.")


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_pack_and_pad_round_trip_matches_torch(batch_first, enforce_sorted):
    lengths = [5, 3, 3, 1] if enforce_sorted else [3, 5, 1, 3]
    shape = (4, 5, 2) if batch_first else (5, 4, 2)
    x_t, x_e = _randn(*shape, dtype="float64")
    packed_t = tru.pack_padded_sequence(x_t, lengths, batch_first, enforce_sorted)
    packed_e = eru.pack_padded_sequence(x_e, ember.tensor(lengths), batch_first,
                                        enforce_sorted)
    assert_same(packed_e.data, packed_t.data)
    assert_same(packed_e.batch_sizes, packed_t.batch_sizes)
    for e, t in ((packed_e.sorted_indices, packed_t.sorted_indices),
                 (packed_e.unsorted_indices, packed_t.unsorted_indices)):
        assert (e is None) == (t is None)
        if t is not None:
            assert_same(e, t)
    assert packed_e.data.grad_fn.name() == "PackPaddedSequenceBackward0"
    t_pad, t_len = tru.pad_packed_sequence(packed_t, batch_first, padding_value=9.0,
                                           total_length=6)
    e_pad, e_len = eru.pad_packed_sequence(packed_e, batch_first, padding_value=9.0,
                                           total_length=6)
    assert_same(e_pad, t_pad)
    assert_same(e_len, t_len)
    probe = torch.randn_like(t_pad)
    assert_same(ember.autograd.grad(e_pad, x_e, to_ember(probe))[0],
                torch.autograd.grad(t_pad, x_t, probe)[0])
    t_seqs = tru.unpack_sequence(packed_t)
    e_seqs = eru.unpack_sequence(packed_e)
    assert_same(list(e_seqs), list(t_seqs))
    t_unpad = tru.unpad_sequence(t_pad.detach().clone(), t_len, batch_first)
    e_unpad = eru.unpad_sequence(e_pad.detach(), e_len, batch_first)
    assert_same(list(e_unpad), list(t_unpad))


def test_packing_errors_match_torch():
    x_t, x_e = _randn(3, 2, 1, grad=False)
    _raises_like(lambda: eru.pack_padded_sequence(x_e, [1, 2]),
                 lambda: tru.pack_padded_sequence(x_t, [1, 2]),
                 "`lengths` array must be sorted in decreasing order")
    _raises_like(lambda: eru.pack_padded_sequence(x_e, [3, 2, 1]),
                 lambda: tru.pack_padded_sequence(x_t, [3, 2, 1]),
                 "Expected `len(lengths)` to be equal to batch_size, but got 3 (batch_size=2)")
    _raises_like(lambda: eru.pack_padded_sequence(x_e, [3, 0]),
                 lambda: tru.pack_padded_sequence(x_t, [3, 0]),
                 "Length of all samples has to be greater than 0")
    packed_t = tru.pack_padded_sequence(x_t, [3, 2])
    packed_e = eru.pack_padded_sequence(x_e, [3, 2])
    _raises_like(lambda: eru.pad_packed_sequence(packed_e, total_length=2),
                 lambda: tru.pad_packed_sequence(packed_t, total_length=2),
                 "Expected total_length to be at least the length of the longest sequence")


def test_packed_sequence_is_a_namedtuple_with_conversions():
    seqs = [ember.randn(3, 2), ember.randn(2, 2)]
    packed = eru.pack_sequence(seqs)
    data, batch_sizes, sorted_indices, unsorted_indices = packed
    assert packed._fields == ("data", "batch_sizes", "sorted_indices", "unsorted_indices")
    assert sorted_indices is None and unsorted_indices is None
    assert packed.double().data.dtype == ember.float64
    assert packed.to(ember.float32) is packed
    assert isinstance(packed.float(), eru.PackedSequence)
    assert not packed.is_cuda and not packed.is_pinned()
    rebuilt = eru.PackedSequence(data, batch_sizes, ember.tensor([1, 0]))
    assert rebuilt.unsorted_indices.tolist() == [1, 0]
    assert repr(packed).startswith("PackedSequence(data=tensor(")


# -- the chunked kernels (work overlapped on a pool thread) --------------------------------------

CHUNKED_CASES = [
    ("LSTM", {}),
    ("LSTM", {"bidirectional": True, "proj_size": 2, "num_layers": 2}),
    ("LSTM", {"bias": False}),
    ("GRU", {"bidirectional": True}),
    ("GRU", {"bias": False}),
    ("RNN", {"nonlinearity": "relu"}),
    ("RNN", {"bidirectional": True}),
]


@pytest.fixture(params=["pool", "inline"])
def chunked(request, monkeypatch):
    """Every layer runs in chunks, however small, their side work on the pool (never backing
    off) or, for "inline", on the calling thread."""
    from ember.backends import cpu
    from ember.ops import rnn as ops_rnn
    before = cpu.get_num_threads()
    cpu.set_num_threads(2)
    monkeypatch.setattr(ops_rnn, "_OVERLAP_MIN", 0)
    monkeypatch.setattr(ops_rnn, "_MIN_BUSY", 0.0)
    monkeypatch.setattr(ops_rnn, "_overlap", ops_rnn._Overlap())
    if request.param == "inline":
        monkeypatch.setattr(ops_rnn, "submit", lambda fn, *args: ops_rnn._Ran(fn(*args)))
    plan = ops_rnn._Plan([(3 * t, 3) for t in range(9)], 3, 27, 4)
    assert plan.overlap and len(plan.chunks) == len(ops_rnn._CHUNK_WEIGHTS) > 1
    yield ops_rnn
    cpu.set_num_threads(before)


@pytest.mark.parametrize("mode,kwargs", CHUNKED_CASES)
def test_chunked_layers_match_torch(chunked, mode, kwargs):
    torch.manual_seed(11)
    t_mod, e_mod = _twin(mode, 3, 4, dtype="float64", **kwargs)
    x_t, x_e = _randn(9, 3, 3, dtype="float64")
    _compare_layer(t_mod, e_mod, (x_t,), (x_e,), [x_t], [x_e], 1e-10)
    lengths = [9, 7, 7, 4, 1]
    x_t, x_e = _randn(9, 5, 3, dtype="float64")
    packed_t = tru.pack_padded_sequence(x_t, lengths)
    packed_e = eru.pack_padded_sequence(x_e, lengths)
    _compare_layer(t_mod, e_mod, (packed_t,), (packed_e,), [x_t], [x_e], 1e-10)


def test_chunked_lstm_float32_matches_one_chunk(chunked):
    torch.manual_seed(12)
    _, e_mod = _twin("LSTM", 3, 8)
    x = ember.randn(12, 2, 3, requires_grad=True)
    results = []
    for minimum in (0, 1 << 30):
        chunked._OVERLAP_MIN = minimum
        e_mod.zero_grad()
        x.grad = None
        out, (h, c) = e_mod(x)
        (out.sum() + h.sum() + c.sum()).backward()
        results.append([out, h, c, x.grad] + [p.grad for p in e_mod.parameters()])
    assert_same(results[0], [to_torch_like(t) for t in results[1]], rtol=1e-6, atol=1e-6)


def test_overlap_backs_off_while_the_caller_waits(monkeypatch):
    import time
    from ember.backends import cpu
    from ember.ops import rnn as ops_rnn
    policy = ops_rnn._Overlap()
    monkeypatch.setattr(cpu, "_threads", 2)
    waited = (time.thread_time(), time.perf_counter() - 1.0)   # 1 s of wall, no CPU time
    busy = (time.thread_time() - 10.0, time.perf_counter())    # CPU time kept pace
    assert policy.start(False) is None and policy.wanted()
    policy.record(waited)
    assert [policy.wanted() for _ in range(2)] == [False, True]
    policy.record(waited)
    assert [policy.wanted() for _ in range(3)] == [False, False, True]
    policy.record(busy)
    policy.record(waited)
    assert [policy.wanted() for _ in range(2)] == [False, True]
    monkeypatch.setattr(cpu, "_threads", 1)
    assert not policy.wanted()


def test_single_threaded_blas_nests_and_restores():
    from ember.backends import cpu
    with cpu.single_threaded_blas:
        pass
    if not cpu._blas_api:
        pytest.skip("NumPy's BLAS is not an OpenBLAS with openblas_set_num_threads")
    get = cpu._blas_api[1]
    before = get()
    with cpu.single_threaded_blas:
        assert get() == 1
        with cpu.single_threaded_blas:
            assert get() == 1
        assert get() == 1
    assert get() == before


def test_submit_takes_back_work_no_pool_thread_started():
    import threading
    from ember.backends import cpu
    before = cpu.get_num_threads()
    cpu.set_num_threads(2)
    try:
        release = threading.Event()
        # With the one pool thread busy, the next call waits in the queue: result() runs it
        # on the caller's thread instead of waiting.
        blocker = cpu.submit(release.wait, 10)
        queued = cpu.submit(threading.get_ident)
        assert queued.result() == threading.get_ident()
        release.set()
        assert blocker.result() is True
        cpu.set_num_threads(1)
        assert cpu.submit(threading.get_ident).result() == threading.get_ident()
    finally:
        cpu.set_num_threads(before)


@pytest.mark.parametrize("overlap", [False, True], ids=["one-chunk", "chunked"])
def test_packed_dead_columns_never_reach_the_results(monkeypatch, overlap):
    # A relu layer whose recurrent weights blow up any nonzero state: the short sequence's
    # columns overflow to inf/nan once it has ended (or before it starts, in reverse), while
    # every live value stays finite; torch's results and gradients are finite.
    from ember.ops import rnn as ops_rnn
    monkeypatch.setattr(ops_rnn, "_OVERLAP_MIN", 0 if overlap else 1 << 30)
    monkeypatch.setattr(ops_rnn, "_MIN_BUSY", 0.0)
    monkeypatch.setattr(ops_rnn, "_overlap", ops_rnn._Overlap())
    t_mod, e_mod = _twin("RNN", 1, 2, nonlinearity="relu", bidirectional=True)
    with torch.no_grad():
        for name, param in t_mod.named_parameters():
            param.copy_({"weight_ih": -100.0, "weight_hh": 1e6, "bias_ih": 1.0,
                         "bias_hh": 0.0}[name.split("_l0")[0]])
            param.mul_(torch.eye(2) if name.startswith("weight_hh") else 1)
    e_mod.load_state_dict({k: to_ember(v) for k, v in t_mod.state_dict().items()})
    x_t = torch.ones(10, 2, 1, requires_grad=True)
    x_e = to_ember(x_t.detach()).requires_grad_()
    packed_t = tru.pack_padded_sequence(x_t, [10, 1])
    packed_e = eru.pack_padded_sequence(x_e, [10, 1])
    _compare_layer(t_mod, e_mod, (packed_t,), (packed_e,), [x_t], [x_e], 1e-5)
