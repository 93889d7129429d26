"""nn.functional attention: scaled_dot_product_attention and multi_head_attention_forward.

``scaled_dot_product_attention`` is one fused primitive: the forward computes
softmax(q k^T * scale + bias) v on NumPy arrays (a row whose keys are all masked out gives
zeros, as PyTorch's safe softmax does) and keeps the attention probabilities; the backward is
the closed form (dS = P * (dP - rowsum(dP * P))).  When the backward is itself recorded
(``create_graph``) it rebuilds the computation from ordinary ops and differentiates that, so
higher derivatives are exact.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from ... import _dtype as D
from ... import ops
from ..._tensor import Tensor
from ...autograd.grad_mode import enable_grad
from ...autograd.grad_mode import state as grad_state
from ...autograd.node import Node
from ...backends import contiguous_array
from .activation import softmax
from .dropout import dropout
from .linear import linear
from .padding import pad

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]

_make = Tensor._make
_F32 = np.dtype(np.float32)
_HALF_TYPES = (np.dtype(np.float16), D.bfloat16.np)


# ----------------------------------------------------------------------------------------------
# scaled_dot_product_attention
# ----------------------------------------------------------------------------------------------

class _AttentionBackward(Node):
    """Backward of fused attention; inputs (query, key, value, float attn_mask or None)."""

    def backward(self, grad):
        saved = self.saved_tensors
        if grad_state.enabled:
            return self._backward_composite(saved, grad)
        query, key, value = saved[0], saved[1], saved[2]
        probs, dropped, noise, scale, groups = self.cache
        compute = probs.dtype
        q = _as(query._data, compute)
        k = _expand_groups(_as(key._data, compute), groups)
        v = _expand_groups(_as(value._data, compute), groups)
        g = _as(grad._data, compute)
        grads = [None, None, None, None]
        need_q, need_k, need_v, need_mask = (n is not None for n in self._next)
        if need_v:
            grads[2] = _reduce_groups(np.matmul(np.swapaxes(dropped, -1, -2), g), groups)
        if need_q or need_k or need_mask:
            d_probs = np.matmul(g, np.swapaxes(v, -1, -2))
            if noise is not None:
                d_probs *= noise
            # softmax backward: dS = P * (dP - sum(dP * P))
            row = np.sum(d_probs * probs, axis=-1, keepdims=True)
            d_scores = d_probs
            d_scores -= row
            d_scores *= probs
            if need_mask:
                grads[3] = d_scores
            if need_q:
                grads[0] = np.matmul(d_scores, k) * scale
            if need_k:
                grads[1] = _reduce_groups(np.matmul(np.swapaxes(d_scores, -1, -2), q) * scale,
                                          groups)
        result = []
        for i, g_i in enumerate(grads):
            if g_i is None or self._next[i] is None:
                result.append(None)
            else:
                result.append(_make(_as(g_i, self._meta[i][1])))
        return tuple(result)

    def _backward_composite(self, saved, grad):
        from ...autograd import grad as autograd_grad
        query, key, value, mask = saved
        probs, dropped, noise, scale, groups = self.cache
        with enable_grad():
            out = _attention_composite(query, key, value, mask, self.bool_mask, self.causal,
                                       noise, scale, groups)
        wanted = [i for i, n in enumerate(self._next) if n is not None]
        grads = autograd_grad([out], [saved[i] for i in wanted], [grad], create_graph=True,
                              allow_unused=True)
        result = [None] * 4
        for i, g in zip(wanted, grads):
            result[i] = g
        return tuple(result)

    def release(self) -> None:
        super().release()
        self.cache = None


def _node_class(name: str):
    # PyTorch's grad_fn names the kernel it picked: the CPU flash kernel for 4-D inputs without
    # dropout, the composite math path (ending in a view of bmm) otherwise.
    cls = type(name, (_AttentionBackward,), {"__doc__": _AttentionBackward.__doc__})
    cls.__module__ = __name__
    return cls


ScaledDotProductFlashAttentionForCpuBackward0 = _node_class(
    "ScaledDotProductFlashAttentionForCpuBackward0")
_MathAttentionBackward = _node_class("UnsafeViewBackward0")


def _as(arr: np.ndarray, dtype) -> np.ndarray:
    return arr if arr.dtype == dtype else arr.astype(dtype)


def _expand_groups(arr: np.ndarray, groups: int) -> np.ndarray:
    return arr if groups == 1 else np.repeat(arr, groups, axis=-3)


def _reduce_groups(arr: np.ndarray, groups: int) -> np.ndarray:
    if groups == 1:
        return arr
    shape = arr.shape
    return arr.reshape(shape[:-3] + (shape[-3] // groups, groups) + shape[-2:]).sum(-3)


def _safe_softmax(scores: np.ndarray) -> np.ndarray:
    """Softmax over the last axis, in place; rows that are entirely -inf become zeros."""
    top = np.max(scores, axis=-1, keepdims=True)
    masked_rows = np.isneginf(top)
    if masked_rows.any():
        top = np.where(masked_rows, 0, top)
    scores -= top
    np.exp(scores, out=scores)
    total = np.sum(scores, axis=-1, keepdims=True)
    if masked_rows.any():
        total = np.where(masked_rows, 1, total)
    scores /= total
    return scores


def _draw_dropout_noise(shape, np_dtype, p: float, device):
    """The scaled keep-mask PyTorch's CPU dropout draws: bernoulli(1 - p) / (1 - p), on
    ``device``."""
    dtype = D._BY_NP[np_dtype]
    if p >= 1:
        return ops.zeros(shape, dtype=dtype, device=device)._data
    noise = ops.empty(shape, dtype=dtype, device=device).bernoulli_(1 - p)
    noise.div_(1 - p)
    return noise._data


def _check_attention_inputs(query, key, value, attn_mask, is_causal: bool) -> None:
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor):
            raise TypeError(f"scaled_dot_product_attention(): argument '{name}' must be Tensor, "
                            f"not {type(t).__name__}")
    if not (query.dtype == key.dtype == value.dtype):
        raise RuntimeError(f"Expected query, key, and value to have the same dtype, but got "
                           f"query.dtype: {_c_name(query.dtype)} key.dtype: "
                           f"{_c_name(key.dtype)} and value.dtype: {_c_name(value.dtype)} "
                           "instead.")
    if query.dim() < 2 or key.dim() < 2 or value.dim() < 2:
        raise RuntimeError(f"Expected query, key and value to all be at least 2 dimensional, but "
                           f"got query.dim: {query.dim()}, key.dim: {key.dim()} and value.dim: "
                           f"{value.dim()} instead.")
    if is_causal and attn_mask is not None:
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set "
                           "when is_causal=True")
    if attn_mask is not None and attn_mask.dtype != D.bool and attn_mask.dtype != query.dtype:
        raise RuntimeError(f"Expected attn_mask dtype to be bool or float or to match query "
                           f"dtype, but got attn_mask.dtype: {_c_name(attn_mask.dtype)} and "
                           f"query.dtype: {_c_name(query.dtype)} instead.")


def _c_name(dtype) -> str:
    return {"float32": "float", "float64": "double", "float16": "c10::Half",
            "bfloat16": "c10::BFloat16"}.get(dtype.name, dtype.name)


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor,
                                 attn_mask: Tensor | None = None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """softmax(query @ key^T * scale + mask) @ value over the last two dims.

    ``scale`` defaults to 1/sqrt(query.size(-1)); a bool ``attn_mask`` marks the keys each query
    may attend to (True = attend), a float one is added to the scores; ``is_causal`` lets query
    i see keys 0..i; ``dropout_p`` drops attention probabilities (always applied, as in
    PyTorch); ``enable_gqa`` shares each key/value head among query.size(-3) // key.size(-3)
    query heads.
    """
    _check_attention_inputs(query, key, value, attn_mask, is_causal)
    np_dtype = query._data.dtype
    compute = _F32 if np_dtype in _HALF_TYPES else np_dtype
    scale = 1.0 / math.sqrt(query.size(-1)) if scale is None else float(scale)
    groups = _gqa_groups(query, key, value) if enable_gqa else 1
    q = _as(query._data, compute)
    k = _expand_groups(_as(key._data, compute), groups)
    v = _expand_groups(_as(value._data, compute), groups)
    with np.errstate(all="ignore"):
        scores = np.matmul(q, np.swapaxes(k, -1, -2))
        scores *= scale
        bool_mask = attn_mask is not None and attn_mask.dtype == D.bool
        if is_causal:
            length, source = scores.shape[-2:]
            keep = np.tril(np.ones((length, source), dtype=bool))
            scores = np.where(keep, scores, -np.inf)
        elif bool_mask:
            scores = np.where(attn_mask._data, scores, -np.inf)
        elif attn_mask is not None:
            scores = scores + _as(attn_mask._data, compute)
        if not scores.flags.writeable or not scores.flags.c_contiguous:
            scores = contiguous_array(scores)
        probs = _safe_softmax(scores)
        noise = None
        dropped = probs
        if dropout_p > 0:
            noise = _draw_dropout_noise(probs.shape, compute, dropout_p, query.device)
            dropped = probs * noise
        out = np.matmul(dropped, v)
    result = _make(_as(out, np_dtype))
    float_mask = attn_mask if attn_mask is not None and not bool_mask else None
    inputs = (query, key, value, float_mask)
    if grad_state.enabled and any(t is not None and t._rg for t in inputs):
        cls = (ScaledDotProductFlashAttentionForCpuBackward0
               if _flash_eligible(query, key, value, float_mask, dropout_p, groups)
               else _MathAttentionBackward)
        node = cls(inputs, result)
        node.save(*inputs)
        node.cache = (probs, dropped, noise, scale, groups)
        node.bool_mask = attn_mask if bool_mask else None
        node.causal = is_causal
    return result


def _flash_eligible(query, key, value, float_mask, dropout_p: float, groups: int) -> bool:
    """Whether PyTorch would take its CPU flash kernel (and so name the grad_fn after it)."""
    if query.dim() != 4 or key.dim() != 4 or value.dim() != 4 or dropout_p > 0:
        return False
    if float_mask is not None and float_mask._rg:
        return False
    if value.size(-1) != query.size(-1):
        return False
    batch_heads = (query.size(0), query.size(1) // groups)
    return (key.size(0), key.size(1)) == batch_heads == (value.size(0), value.size(1))


def _gqa_groups(query: Tensor, key: Tensor, value: Tensor) -> int:
    if query.dim() < 3 or key.dim() < 3:
        return 1
    heads, kv_heads = query.size(-3), key.size(-3)
    if kv_heads == 0 or heads % kv_heads != 0 or value.size(-3) != kv_heads:
        raise RuntimeError(f"Number of heads in key and value must divide the number of heads in "
                           f"query (query heads {heads}, key heads {kv_heads}, value heads "
                           f"{value.size(-3)})")
    return heads // kv_heads


def _attention_composite(query, key, value, float_mask, bool_mask, causal, noise, scale, groups):
    """The same attention from differentiable ops (used for double backward)."""
    if groups != 1:
        key = key.repeat_interleave(groups, -3)
        value = value.repeat_interleave(groups, -3)
    scores = ops.matmul(query, key.transpose(-2, -1)) * scale
    if causal:
        length, source = scores.shape[-2:]
        keep = ops.ones(length, source, dtype=D.bool).tril()
        scores = scores.masked_fill(keep.logical_not(), -math.inf)
    elif bool_mask is not None:
        scores = scores.masked_fill(bool_mask.logical_not(), -math.inf)
    elif float_mask is not None:
        scores = scores + float_mask
    top = scores.detach().amax(-1, keepdim=True)
    top = top.masked_fill(top.isneginf(), 0)
    weights = (scores - top).exp()
    total = weights.sum(-1, keepdim=True)
    probs = weights / total.masked_fill(total == 0, 1)
    if noise is not None:
        probs = probs * _make(noise)
    return ops.matmul(probs, value)


# ----------------------------------------------------------------------------------------------
# multi_head_attention_forward
# ----------------------------------------------------------------------------------------------

def _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads: int) -> bool:
    """PyTorch's rank checks for multi-head attention; returns whether the input is batched."""
    if query.dim() == 3:
        if key.dim() != 3 or value.dim() != 3:
            raise AssertionError("For batched (3-D) `query`, expected `key` and `value` to be 3-D "
                                 f"but found {key.dim()}-D and {value.dim()}-D tensors "
                                 "respectively")
        if key_padding_mask is not None and key_padding_mask.dim() != 2:
            raise AssertionError("For batched (3-D) `query`, expected `key_padding_mask` to be "
                                 f"`None` or 2-D but found {key_padding_mask.dim()}-D tensor "
                                 "instead")
        if attn_mask is not None and attn_mask.dim() not in (2, 3):
            raise AssertionError("For batched (3-D) `query`, expected `attn_mask` to be `None`, "
                                 f"2-D or 3-D but found {attn_mask.dim()}-D tensor instead")
        return True
    if query.dim() == 2:
        if key.dim() != 2 or value.dim() != 2:
            raise AssertionError("For unbatched (2-D) `query`, expected `key` and `value` to be "
                                 f"2-D but found {key.dim()}-D and {value.dim()}-D tensors "
                                 "respectively")
        if key_padding_mask is not None and key_padding_mask.dim() != 1:
            raise AssertionError("For unbatched (2-D) `query`, expected `key_padding_mask` to be "
                                 f"`None` or 1-D but found {key_padding_mask.dim()}-D tensor "
                                 "instead")
        if attn_mask is not None:
            if attn_mask.dim() not in (2, 3):
                raise AssertionError("For unbatched (2-D) `query`, expected `attn_mask` to be "
                                     f"`None`, 2-D or 3-D but found {attn_mask.dim()}-D tensor "
                                     "instead")
            if attn_mask.dim() == 3:
                expected = (num_heads, query.shape[0], key.shape[0])
                if tuple(attn_mask.shape) != expected:
                    raise AssertionError(f"Expected `attn_mask` shape to be {expected} but got "
                                         f"{attn_mask.shape}")
        return False
    raise AssertionError(f"query should be unbatched 2D or batched 3D tensor but received "
                         f"{query.dim()}-D query tensor")


def _canonical_mask(mask, mask_name: str, other_type, other_name: str, target_type,
                    check_other: bool = True):
    """A bool mask as an additive float mask (-inf where True); float masks pass through."""
    if mask is None:
        return None
    if mask.dtype != D.bool and not mask.dtype.is_floating_point:
        raise AssertionError(f"only bool and floating types of {mask_name} are supported")
    if check_other and other_type is not None and mask.dtype != other_type:
        warnings.warn(f"Support for mismatched {mask_name} and {other_name} is deprecated. Use "
                      "same type for both instead.", stacklevel=3)
    if mask.dtype == D.bool:
        mask = ops.zeros_like(mask, dtype=target_type).masked_fill_(mask, -math.inf)
    return mask


def _none_or_dtype(input):
    if input is None:
        return None
    if isinstance(input, Tensor):
        return input.dtype
    raise RuntimeError("input to _none_or_dtype() must be None or torch.Tensor")


def _in_projection_packed(q, k, v, w, b=None) -> tuple:
    """q, k, v projected by the stacked (3E, E) weight; one product when they are the same
    tensor (self-attention), two when key is value (encoder-decoder attention)."""
    embed = q.size(-1)
    if k is v:
        if q is k:
            proj = linear(q, w, b)
            proj = proj.unflatten(-1, (3, embed)).unsqueeze(0).transpose(0, -2).squeeze(-2)
            proj = proj.contiguous()
            return proj[0], proj[1], proj[2]
        w_q, w_kv = w.split([embed, embed * 2])
        b_q, b_kv = (None, None) if b is None else b.split([embed, embed * 2])
        kv = linear(k, w_kv, b_kv)
        kv = kv.unflatten(-1, (2, embed)).unsqueeze(0).transpose(0, -2).squeeze(-2).contiguous()
        return linear(q, w_q, b_q), kv[0], kv[1]
    w_q, w_k, w_v = w.chunk(3)
    b_q, b_k, b_v = (None, None, None) if b is None else b.chunk(3)
    return linear(q, w_q, b_q), linear(k, w_k, b_k), linear(v, w_v, b_v)


def _in_projection(q, k, v, w_q, w_k, w_v, b_q=None, b_k=None, b_v=None) -> tuple:
    """q, k, v projected by separate weights (used when key/value widths differ)."""
    e_q, e_k, e_v = q.size(-1), k.size(-1), v.size(-1)
    for name, w, shape in (("query", w_q, (e_q, e_q)), ("key", w_k, (e_q, e_k)),
                           ("value", w_v, (e_q, e_v))):
        if tuple(w.shape) != shape:
            raise AssertionError(f"expecting {name} weights shape of {shape}, but got {w.shape}")
    for name, b in (("query", b_q), ("key", b_k), ("value", b_v)):
        if b is not None and tuple(b.shape) != (e_q,):
            raise AssertionError(f"expecting {name} bias shape of {(e_q,)}, but got {b.shape}")
    return linear(q, w_q, b_q), linear(k, w_k, b_k), linear(v, w_v, b_v)


def multi_head_attention_forward(query: Tensor, key: Tensor, value: Tensor,
                                 embed_dim_to_check: int, num_heads: int,
                                 in_proj_weight: Tensor | None, in_proj_bias: Tensor | None,
                                 bias_k: Tensor | None, bias_v: Tensor | None,
                                 add_zero_attn: bool, dropout_p: float,
                                 out_proj_weight: Tensor, out_proj_bias: Tensor | None,
                                 training: bool = True,
                                 key_padding_mask: Tensor | None = None,
                                 need_weights: bool = True, attn_mask: Tensor | None = None,
                                 use_separate_proj_weight: bool = False,
                                 q_proj_weight: Tensor | None = None,
                                 k_proj_weight: Tensor | None = None,
                                 v_proj_weight: Tensor | None = None,
                                 static_k: Tensor | None = None,
                                 static_v: Tensor | None = None,
                                 average_attn_weights: bool = True,
                                 is_causal: bool = False) -> tuple:
    """Multi-head attention over (L, N, E) query and (S, N, E) key/value (or unbatched 2-D):
    project, split into ``num_heads`` heads, attend, merge and project out.  Returns
    (attn_output, attn_weights); the weights are averaged over heads unless
    ``average_attn_weights=False``, and None when ``need_weights=False``."""
    is_batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not is_batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask",
                                       _none_or_dtype(attn_mask), "attn_mask", query.dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the "
                           "Transformer module method `generate_square_subsequent_mask` to "
                           "create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None  # the SDPA path applies the causal mask itself
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype,
                                    check_other=False)
        if key_padding_mask is not None:
            is_causal = False
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but "
                             f"got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if key.shape[:2] != value.shape[:2]:
            raise AssertionError(f"key's sequence and batch dims {key.shape[:2]} do not match "
                                 f"value's {value.shape[:2]}")
    elif key.shape != value.shape:
        raise AssertionError(f"key shape {key.shape} does not match value shape {value.shape}")

    if not use_separate_proj_weight:
        if in_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
        q, k, v = _in_projection_packed(query, key, value, in_proj_weight, in_proj_bias)
    else:
        for name, w in (("q", q_proj_weight), ("k", k_proj_weight), ("v", v_proj_weight)):
            if w is None:
                raise AssertionError(f"use_separate_proj_weight is True but {name}_proj_weight "
                                     "is None")
        b_q, b_k, b_v = (None, None, None) if in_proj_bias is None else in_proj_bias.chunk(3)
        q, k, v = _in_projection(query, key, value, q_proj_weight, k_proj_weight, v_proj_weight,
                                 b_q, b_k, b_v)

    if attn_mask is not None:
        if attn_mask.dim() == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(f"The shape of the 2D attn_mask is {attn_mask.shape}, but "
                                   f"should be {(tgt_len, src_len)}.")
            attn_mask = attn_mask.unsqueeze(0)
        elif attn_mask.dim() == 3:
            if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
                raise RuntimeError(f"The shape of the 3D attn_mask is {attn_mask.shape}, but "
                                   f"should be {(bsz * num_heads, tgt_len, src_len)}.")
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.dim()} is not supported")

    if bias_k is not None and bias_v is not None:
        if static_k is not None:
            raise AssertionError("bias cannot be added to static key.")
        if static_v is not None:
            raise AssertionError("bias cannot be added to static value.")
        k = ops.cat([k, bias_k.repeat(1, bsz, 1)])
        v = ops.cat([v, bias_v.repeat(1, bsz, 1)])
        if attn_mask is not None:
            attn_mask = pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = pad(key_padding_mask, (0, 1))
    elif bias_k is not None:
        raise AssertionError("bias_k is set but bias_v is None")
    elif bias_v is not None:
        raise AssertionError("bias_v is set but bias_k is None")

    q = q.view(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    k = _heads(k, static_k, bsz, num_heads, head_dim, "k")
    v = _heads(v, static_v, bsz, num_heads, head_dim, "v")

    if add_zero_attn:
        zero_shape = (bsz * num_heads, 1, head_dim)
        k = ops.cat([k, ops.zeros(zero_shape, dtype=k.dtype, device=k.device)], 1)
        v = ops.cat([v, ops.zeros(zero_shape, dtype=v.dtype, device=v.device)], 1)
        if attn_mask is not None:
            attn_mask = pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = pad(key_padding_mask, (0, 1))

    src_len = k.size(1)
    if key_padding_mask is not None:
        if key_padding_mask.shape[0] != bsz:
            raise AssertionError(f"Expected key_padded_mask.shape[0] to be {bsz}, but got "
                                 f"{key_padding_mask.shape[0]}")
        if key_padding_mask.shape[1] != src_len:
            raise AssertionError(f"Expected key_padded_mask.shape[1] to be {src_len}, but got "
                                 f"{key_padding_mask.shape[1]}")
        key_padding_mask = (key_padding_mask.view(bsz, 1, 1, src_len)
                            .expand(-1, num_heads, -1, -1).reshape(bsz * num_heads, 1, src_len))
        attn_mask = key_padding_mask if attn_mask is None else attn_mask + key_padding_mask

    if not training:
        dropout_p = 0.0

    if need_weights:
        scaled_q = q * math.sqrt(1.0 / float(q.shape[-1]))
        if is_causal and attn_mask is None:
            raise AssertionError("FIXME: is_causal not implemented for need_weights")
        if attn_mask is not None:
            weights = ops.baddbmm(attn_mask, scaled_q, k.transpose(-2, -1))
        else:
            weights = ops.bmm(scaled_q, k.transpose(-2, -1))
        weights = softmax(weights, -1)
        if dropout_p > 0.0:
            weights = dropout(weights, p=dropout_p)
        attn_output = ops.bmm(weights, v)
        attn_output = attn_output.transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
        attn_output = linear(attn_output, out_proj_weight, out_proj_bias)
        attn_output = attn_output.view(tgt_len, bsz, attn_output.size(1))
        weights = weights.view(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            weights = weights.mean(dim=1)
        if not is_batched:
            attn_output = attn_output.squeeze(1)
            weights = weights.squeeze(0)
        return attn_output, weights

    if attn_mask is not None:
        if attn_mask.size(0) == 1 and attn_mask.dim() == 3:
            attn_mask = attn_mask.unsqueeze(0)
        else:
            attn_mask = attn_mask.view(bsz, num_heads, -1, src_len)
    q = q.view(bsz, num_heads, tgt_len, head_dim)
    k = k.view(bsz, num_heads, src_len, head_dim)
    v = v.view(bsz, num_heads, src_len, head_dim)
    attn_output = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal)
    attn_output = attn_output.permute(2, 0, 1, 3).reshape(bsz * tgt_len, embed_dim)
    attn_output = linear(attn_output, out_proj_weight, out_proj_bias)
    attn_output = attn_output.view(tgt_len, bsz, attn_output.size(1))
    if not is_batched:
        attn_output = attn_output.squeeze(1)
    return attn_output, None


def _heads(t: Tensor, static: Tensor | None, bsz: int, num_heads: int, head_dim: int,
           name: str) -> Tensor:
    """(S, N, E) keys or values as (N * heads, S, head_dim), or the given static ones."""
    if static is None:
        return t.view(t.shape[0], bsz * num_heads, head_dim).transpose(0, 1)
    if static.size(0) != bsz * num_heads:
        raise AssertionError(f"expecting static_{name}.size(0) of {bsz * num_heads}, but got "
                             f"{static.size(0)}")
    if static.size(2) != head_dim:
        raise AssertionError(f"expecting static_{name}.size(2) of {head_dim}, but got "
                             f"{static.size(2)}")
    return static
