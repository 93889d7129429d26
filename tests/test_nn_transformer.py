"""Attention and Transformer layers against PyTorch on identical weights."""
from __future__ import annotations

import math
import warnings

import pytest

torch = pytest.importorskip("torch")

import ember  # noqa: E402
import ember.nn.functional as EF  # noqa: E402
import torch.nn.functional as TF  # noqa: E402
from ember.autograd import gradcheck, gradgradcheck  # noqa: E402
from parity import assert_same, to_ember  # noqa: E402

TOL = {"float32": 2e-5, "float64": 1e-10}


def _randn(*shape, dtype: str = "float64", grad: bool = True):
    t = torch.randn(*shape, dtype=getattr(torch, dtype))
    e = to_ember(t)
    if grad:
        t.requires_grad_()
        e.requires_grad_()
    return t, e


def _e(value):
    return to_ember(value) if isinstance(value, torch.Tensor) else value


def _twin(cls_name: str, *args, dtype: str = "float64", **kwargs):
    """The same module built in both libraries from the same seed (weights must agree)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.manual_seed(0)
        t_mod = getattr(torch.nn, cls_name)(*args, **kwargs).to(getattr(torch, dtype))
        ember.manual_seed(0)
        e_mod = getattr(ember.nn, cls_name)(*args, **kwargs).to(getattr(ember, dtype))
    return t_mod, e_mod


def _compare_grads(t_out, e_out, t_wrt, e_wrt, tol):
    probe = torch.randn_like(t_out)
    t_grads = torch.autograd.grad(t_out, t_wrt, probe)
    e_grads = ember.autograd.grad(e_out, e_wrt, to_ember(probe))
    assert_same(list(e_grads), list(t_grads), rtol=tol, atol=tol)


# -- scaled_dot_product_attention -----------------------------------------------------------------

def _sdpa_case(case: str, dtype: str):
    """(query, key, value, kwargs, extra grad leaves) as torch/ember pairs for one case."""
    q = _randn(2, 4, 5, 8, dtype=dtype)
    k = _randn(2, 4, 6, 8, dtype=dtype)
    v = _randn(2, 4, 6, 3, dtype=dtype)
    kwargs, extra = {}, []
    if case == "causal_square":
        k, v = _randn(2, 4, 5, 8, dtype=dtype), _randn(2, 4, 5, 8, dtype=dtype)
        kwargs["is_causal"] = True
    elif case == "causal_rectangular":
        kwargs["is_causal"] = True
    elif case == "bool_mask_broadcast":
        kwargs["attn_mask"] = torch.rand(5, 6) > 0.3
    elif case == "fully_masked_rows":
        mask = torch.rand(2, 1, 5, 6) > 0.3
        mask[0, 0, 1] = False
        kwargs["attn_mask"] = mask
    elif case == "float_mask":
        kwargs["attn_mask"] = torch.randn(4, 5, 6, dtype=getattr(torch, dtype))
    elif case == "float_mask_with_grad":
        mask = _randn(4, 5, 6, dtype=dtype)
        kwargs["attn_mask"] = mask[0]
        extra.append(mask)
    elif case == "scale":
        kwargs["scale"] = 0.3
    elif case == "gqa":
        k, v = _randn(2, 2, 6, 8, dtype=dtype), _randn(2, 2, 6, 3, dtype=dtype)
        kwargs["enable_gqa"] = True
    elif case == "three_d":
        q, k, v = (_randn(4, 5, 8, dtype=dtype), _randn(4, 6, 8, dtype=dtype),
                   _randn(4, 6, 3, dtype=dtype))
    elif case == "broadcast_batch":
        k, v = _randn(1, 4, 6, 8, dtype=dtype), _randn(1, 4, 6, 3, dtype=dtype)
    elif case == "transposed_inputs":
        q = _randn(2, 5, 4, 8, dtype=dtype)
        q = (q[0].transpose(1, 2), q[1].transpose(1, 2))
    return q, k, v, kwargs, extra


SDPA_CASES = ["plain", "causal_square", "causal_rectangular", "bool_mask_broadcast",
              "fully_masked_rows", "float_mask", "float_mask_with_grad", "scale", "gqa",
              "three_d", "broadcast_batch", "transposed_inputs"]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", SDPA_CASES)
def test_sdpa_values_and_gradients_match_torch(case, dtype):
    torch.manual_seed(0)
    (q_t, q_e), (k_t, k_e), (v_t, v_e), kwargs, extra = _sdpa_case(case, dtype)
    t_out = TF.scaled_dot_product_attention(q_t, k_t, v_t, **kwargs)
    e_out = EF.scaled_dot_product_attention(q_e, k_e, v_e,
                                            **{n: _e(x) for n, x in kwargs.items()})
    if extra:
        e_out = EF.scaled_dot_product_attention(q_e, k_e, v_e, attn_mask=extra[0][1])
    assert_same(e_out, t_out, rtol=TOL[dtype], atol=TOL[dtype])
    leaves_t = [x for x in (q_t, k_t, v_t) if x.is_leaf] + [m[0] for m in extra]
    leaves_e = [x for x in (q_e, k_e, v_e) if x.is_leaf] + [m[1] for m in extra]
    _compare_grads(t_out, e_out, leaves_t, leaves_e, TOL[dtype])


@pytest.mark.parametrize("case", ["plain", "causal_square", "bool_mask_broadcast", "gqa"])
def test_sdpa_grad_fn_name_follows_torch_kernel_choice(case):
    dims = {"plain": (8, 8), "causal_square": (5, 8)}
    q = torch.randn(2, 4, 5, 8, requires_grad=True)
    k = torch.randn(2, 4 if case != "gqa" else 2, dims.get(case, (6, 8))[0], 8)
    kwargs = {"is_causal": True} if case == "causal_square" else {}
    if case == "bool_mask_broadcast":
        kwargs["attn_mask"] = torch.rand(5, 6) > 0.5
    if case == "gqa":
        kwargs["enable_gqa"] = True
    t_out = TF.scaled_dot_product_attention(q, k, k, **kwargs)
    e_out = EF.scaled_dot_product_attention(to_ember(q), to_ember(k), to_ember(k),
                                            **{n: _e(x) for n, x in kwargs.items()})
    assert e_out.grad_fn.name() == t_out.grad_fn.name()


def test_sdpa_dropout_draws_torch_stream():
    (q_t, q_e), (k_t, k_e), (v_t, v_e), _, _ = _sdpa_case("plain", "float64")
    torch.manual_seed(3)
    t_out = TF.scaled_dot_product_attention(q_t, k_t, v_t, dropout_p=0.4)
    ember.manual_seed(3)
    e_out = EF.scaled_dot_product_attention(q_e, k_e, v_e, dropout_p=0.4)
    assert_same(e_out, t_out)
    _compare_grads(t_out, e_out, [q_t, k_t, v_t], [q_e, k_e, v_e], 1e-10)


def test_sdpa_gradcheck_and_double_backward():
    ember.manual_seed(0)
    q, k, v = (ember.randn(1, 2, 3, 2, dtype=ember.float64, requires_grad=True)
               for _ in range(3))
    mask = ember.randn(3, 3, dtype=ember.float64, requires_grad=True)
    assert gradcheck(lambda q, k, v, m: EF.scaled_dot_product_attention(q, k, v, m),
                     (q, k, v, mask))
    assert gradgradcheck(lambda q, k, v: EF.scaled_dot_product_attention(q, k, v,
                                                                          is_causal=True),
                         (q, k, v))


def test_sdpa_second_derivatives_match_torch():
    (q_t, q_e), (k_t, k_e), (v_t, v_e), _, _ = _sdpa_case("plain", "float64")
    mask = torch.rand(5, 6) > 0.4
    t_out = TF.scaled_dot_product_attention(q_t, k_t, v_t, attn_mask=mask)
    e_out = EF.scaled_dot_product_attention(q_e, k_e, v_e, attn_mask=to_ember(mask))
    t_first = torch.autograd.grad(t_out.pow(2).sum(), [q_t, k_t, v_t], create_graph=True)
    e_first = ember.autograd.grad(e_out.pow(2).sum(), [q_e, k_e, v_e], create_graph=True)
    t_second = torch.autograd.grad(sum((g * g).sum() for g in t_first), [q_t, k_t, v_t])
    e_second = ember.autograd.grad(sum((g * g).sum() for g in e_first), [q_e, k_e, v_e])
    assert_same(list(e_second), list(t_second), rtol=1e-9, atol=1e-9)


def test_sdpa_errors_match_torch():
    q = torch.randn(2, 3, 4)
    mask = torch.ones(3, 3, dtype=torch.bool)
    with pytest.raises(RuntimeError, match="Explicit attn_mask should not be set when "
                                           "is_causal=True"):
        EF.scaled_dot_product_attention(to_ember(q), to_ember(q), to_ember(q),
                                        attn_mask=to_ember(mask), is_causal=True)
    with pytest.raises(RuntimeError):
        TF.scaled_dot_product_attention(q.double(), q, q)
    with pytest.raises(RuntimeError, match="Expected query, key, and value to have the same "
                                           "dtype, but got query.dtype: double"):
        EF.scaled_dot_product_attention(to_ember(q.double()), to_ember(q), to_ember(q))


# -- MultiheadAttention ------------------------------------------------------------------------

MHA_MODULE_CASES = [{}, {"batch_first": True}, {"kdim": 5, "vdim": 3},
                    {"add_bias_kv": True, "add_zero_attn": True}, {"bias": False}]
MHA_CALL_CASES = ["weights", "no_weights", "per_head", "float_masks", "bool_masks", "causal"]


def _mha_call(case: str, dtype: str, length: int, source: int, batch: int):
    t_dtype = getattr(torch, dtype)
    if case == "weights":
        return {}
    if case == "no_weights":
        return {"need_weights": False}
    if case == "per_head":
        return {"average_attn_weights": False}
    if case == "float_masks":
        padding = torch.zeros(batch, source, dtype=t_dtype)
        padding[0, 1] = -math.inf
        return {"attn_mask": torch.randn(length, source, dtype=t_dtype),
                "key_padding_mask": padding}
    if case == "bool_masks":
        mask = torch.rand(batch * 2, length, source) > 0.6
        mask[:, :, 0] = False
        return {"attn_mask": mask, "key_padding_mask": torch.rand(batch, source) > 0.8,
                "need_weights": False}
    return {"attn_mask": torch.nn.Transformer.generate_square_subsequent_mask(length,
                                                                                dtype=t_dtype),
            "is_causal": True, "need_weights": False}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("call_case", MHA_CALL_CASES)
@pytest.mark.parametrize("module_case", range(len(MHA_MODULE_CASES)))
def test_multihead_attention_matches_torch(module_case, call_case, dtype):
    kwargs = MHA_MODULE_CASES[module_case]
    t_mod, e_mod = _twin("MultiheadAttention", 8, 2, dtype=dtype, **kwargs)
    assert repr(e_mod) == repr(t_mod)
    assert list(e_mod.state_dict()) == list(t_mod.state_dict())
    for (name, e_p), (_, t_p) in zip(e_mod.named_parameters(), t_mod.named_parameters()):
        assert_same(e_p, t_p, rtol=0, atol=0), name
    length, batch = 4, 3
    source = length if call_case == "causal" else 5
    batch_first = kwargs.get("batch_first", False)

    def shaped(n, width):
        return _randn(*((batch, n, width) if batch_first else (n, batch, width)), dtype=dtype)

    q_t, q_e = shaped(length, 8)
    k_t, k_e = shaped(source, kwargs.get("kdim", 8))
    v_t, v_e = shaped(source, kwargs.get("vdim", 8))
    call = _mha_call(call_case, dtype, length, source, batch)
    t_out, t_weights = t_mod(q_t, k_t, v_t, **call)
    e_out, e_weights = e_mod(q_e, k_e, v_e, **{n: _e(x) for n, x in call.items()})
    assert_same(e_out, t_out, rtol=TOL[dtype], atol=TOL[dtype])
    if t_weights is None:
        assert e_weights is None
    else:
        assert_same(e_weights, t_weights, rtol=TOL[dtype], atol=TOL[dtype])
    if call_case in ("weights", "bool_masks"):
        _compare_grads(t_out, e_out, [q_t, k_t, v_t] + list(t_mod.parameters()),
                       [q_e, k_e, v_e] + list(e_mod.parameters()), TOL[dtype])


def test_multihead_self_attention_unbatched_and_in_eval():
    t_mod, e_mod = _twin("MultiheadAttention", 8, 4, dropout=0.3)
    t_mod.eval()
    e_mod.eval()
    x_t, x_e = _randn(5, 8)
    t_out, t_w = t_mod(x_t, x_t, x_t)
    e_out, e_w = e_mod(x_e, x_e, x_e)
    assert_same(e_out, t_out)
    assert_same(e_w, t_w)
    _compare_grads(t_out, e_out, [x_t] + list(t_mod.parameters()),
                   [x_e] + list(e_mod.parameters()), 1e-10)


def test_multihead_attention_dropout_draws_torch_stream():
    t_mod, e_mod = _twin("MultiheadAttention", 8, 2, dropout=0.5)
    x_t, x_e = _randn(4, 2, 8)
    for need_weights in (True, False):
        torch.manual_seed(5)
        ember.manual_seed(5)
        t_out, _ = t_mod(x_t, x_t, x_t, need_weights=need_weights)
        e_out, _ = e_mod(x_e, x_e, x_e, need_weights=need_weights)
        assert_same(e_out, t_out)


@pytest.mark.parametrize("args,kwargs", [((8, 3), {}), ((0, 2), {})])
def test_multihead_attention_constructor_errors(args, kwargs):
    with pytest.raises((AssertionError, ValueError)) as t_info:
        torch.nn.MultiheadAttention(*args, **kwargs)
    with pytest.raises(type(t_info.value)):
        ember.nn.MultiheadAttention(*args, **kwargs)


def test_multihead_attention_forward_errors():
    e_mod = ember.nn.MultiheadAttention(8, 2)
    x = ember.randn(4, 3, 8)
    with pytest.raises(AssertionError, match="expected `key` and `value` to be 3-D"):
        e_mod(x, ember.randn(4, 8), ember.randn(4, 8))
    with pytest.raises(RuntimeError, match=r"The shape of the 2D attn_mask is"):
        e_mod(x, x, x, attn_mask=ember.zeros(3, 3))
    with pytest.raises(RuntimeError, match="Need attn_mask if specifying the is_causal hint"):
        e_mod(x, x, x, is_causal=True)
    with pytest.raises(AssertionError, match="only bool and floating types of attn_mask"):
        e_mod(x, x, x, attn_mask=ember.zeros(4, 4, dtype=ember.int64))
    with pytest.warns(UserWarning, match="Support for mismatched key_padding_mask and attn_mask"):
        e_mod(x, x, x, attn_mask=ember.zeros(4, 4),
              key_padding_mask=ember.zeros(3, 4, dtype=ember.bool))


# -- Transformer ---------------------------------------------------------------------------------

TRANSFORMER_CASES = [{}, {"norm_first": True, "activation": "gelu", "batch_first": True},
                     {"bias": False, "layer_norm_eps": 1e-3}]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", range(len(TRANSFORMER_CASES)))
def test_small_transformer_matches_torch(case, dtype):
    kwargs = TRANSFORMER_CASES[case]
    t_mod, e_mod = _twin("Transformer", dtype=dtype, d_model=8, nhead=2, num_encoder_layers=2,
                         num_decoder_layers=1, dim_feedforward=16, **kwargs)
    assert repr(e_mod) == repr(t_mod)
    assert list(e_mod.state_dict()) == list(t_mod.state_dict())
    for (name, e_p), (_, t_p) in zip(e_mod.named_parameters(), t_mod.named_parameters()):
        assert_same(e_p, t_p, rtol=0, atol=0), name
    t_mod.eval()
    e_mod.eval()
    batch_first = kwargs.get("batch_first", False)
    src_t, src_e = _randn(*((3, 5, 8) if batch_first else (5, 3, 8)), dtype=dtype)
    tgt_t, tgt_e = _randn(*((3, 4, 8) if batch_first else (4, 3, 8)), dtype=dtype)
    mask_t = torch.nn.Transformer.generate_square_subsequent_mask(4, dtype=getattr(torch, dtype))
    mask_e = ember.nn.Transformer.generate_square_subsequent_mask(4, dtype=getattr(ember, dtype))
    assert_same(mask_e, mask_t)
    padding = torch.zeros(3, 5, dtype=torch.bool)
    padding[1, 3:] = True
    t_out = t_mod(src_t, tgt_t, tgt_mask=mask_t, src_key_padding_mask=padding,
                  memory_key_padding_mask=padding)
    e_out = e_mod(src_e, tgt_e, tgt_mask=mask_e, src_key_padding_mask=to_ember(padding),
                  memory_key_padding_mask=to_ember(padding))
    tol = 1e-4 if dtype == "float32" else 1e-9
    assert_same(e_out, t_out, rtol=tol, atol=tol)
    _compare_grads(t_out, e_out, [src_t, tgt_t] + list(t_mod.parameters()),
                   [src_e, tgt_e] + list(e_mod.parameters()), tol)


def test_encoder_layer_training_dropout_draws_torch_stream():
    t_mod, e_mod = _twin("TransformerEncoderLayer", 8, 2, dim_feedforward=16, dropout=0.3)
    x_t, x_e = _randn(5, 2, 8)
    torch.manual_seed(11)
    ember.manual_seed(11)
    assert_same(e_mod(x_e), t_mod(x_t))


def test_encoder_and_decoder_stacks_with_callable_activation():
    t_layer, e_layer = _twin("TransformerEncoderLayer", 8, 2, dim_feedforward=16, dropout=0.0,
                             activation=torch.nn.functional.gelu)
    e_layer.activation = EF.gelu
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_enc = torch.nn.TransformerEncoder(t_layer, 2, enable_nested_tensor=False)
        e_enc = ember.nn.TransformerEncoder(e_layer, 2, enable_nested_tensor=False)
    assert repr(e_enc) == repr(t_enc)
    x_t, x_e = _randn(5, 2, 8)
    mask_t = torch.nn.Transformer.generate_square_subsequent_mask(5, dtype=torch.float64)
    t_out = t_enc(x_t, mask=mask_t, is_causal=True)
    e_out = e_enc(x_e, mask=to_ember(mask_t), is_causal=True)
    assert_same(e_out, t_out)
    t_dec_layer, e_dec_layer = _twin("TransformerDecoderLayer", 8, 2, dim_feedforward=16,
                                     dropout=0.0, norm_first=True)
    t_dec = torch.nn.TransformerDecoder(t_dec_layer, 2, norm=torch.nn.LayerNorm(8).double())
    e_dec = ember.nn.TransformerDecoder(e_dec_layer, 2, norm=ember.nn.LayerNorm(8).double())
    assert repr(e_dec) == repr(t_dec)
    tgt_t, tgt_e = _randn(3, 2, 8)
    assert_same(e_dec(tgt_e, e_out), t_dec(tgt_t, t_out))


def test_encoder_warns_about_nested_tensor_like_torch():
    with pytest.warns(UserWarning) as t_record:
        torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(8, 2), 1)
    with pytest.warns(UserWarning) as e_record:
        encoder = ember.nn.TransformerEncoder(ember.nn.TransformerEncoderLayer(8, 2), 1)
    assert str(e_record[0].message) == str(t_record[0].message)
    assert not encoder.use_nested_tensor and encoder.enable_nested_tensor
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        layer = ember.nn.TransformerEncoderLayer(8, 2, batch_first=True)
        assert ember.nn.TransformerEncoder(layer, 1).use_nested_tensor


def test_transformer_forward_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ember.nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1,
                                     num_decoder_layers=1, dim_feedforward=8)
    with pytest.raises(RuntimeError, match="the batch number of src and tgt must be equal"):
        model(ember.randn(3, 2, 8), ember.randn(3, 4, 8))
    with pytest.raises(RuntimeError, match="the feature number of src and tgt must be equal "
                                           "to d_model"):
        model(ember.randn(3, 2, 6), ember.randn(3, 2, 6))
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        ember.nn.TransformerEncoderLayer(8, 2, activation="tanh")


@pytest.mark.parametrize("left_aligned", [True, False])
def test_encoder_inference_zeroes_padding_like_torch_nested_path(left_aligned):
    t_layer, e_layer = _twin("TransformerEncoderLayer", 8, 2, dim_feedforward=16,
                             batch_first=True, dtype="float32")
    t_enc = torch.nn.TransformerEncoder(t_layer, 2, norm=torch.nn.LayerNorm(8))
    e_enc = ember.nn.TransformerEncoder(e_layer, 2, norm=ember.nn.LayerNorm(8))
    t_enc.eval()
    e_enc.eval()
    x_t, x_e = _randn(2, 4, 8, dtype="float32", grad=False)
    padding = torch.tensor([[False, False, True, True], [False, False, False, False]])
    if not left_aligned:
        padding[0] = torch.tensor([False, True, False, True])
    with torch.no_grad(), ember.no_grad():
        t_out = t_enc(x_t, src_key_padding_mask=padding)
        e_out = e_enc(x_e, src_key_padding_mask=to_ember(padding))
    assert_same(e_out, t_out, rtol=1e-5, atol=1e-5)
    # With gradients on, PyTorch takes the regular path and padded positions get values.
    assert_same(e_enc(x_e, src_key_padding_mask=to_ember(padding)),
                t_enc(x_t, src_key_padding_mask=padding), rtol=1e-5, atol=1e-5)
