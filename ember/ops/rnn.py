"""Recurrent primitives: the cell functions and torch's multi-layer ``lstm``/``gru``/``rnn_*``.

A cell step (``lstm_cell`` and friends) is composed from ordinary ops, as PyTorch composes it,
so its graph reads as PyTorch's (``MulBackward0``/``AddBackward0`` outputs) and differentiates
any number of times.

A whole layer (one direction of one layer over a full sequence) is one fused primitive: the
input projection of every time step is one matrix product, the time loop runs on NumPy arrays
with in-place gate math, and a single node holds what the hand-written backward needs.  The
backward runs backpropagation through time in NumPy and ends in three large matrix products
for the weight and input gradients.  When a backward is itself recorded (``create_graph``),
the node rebuilds the layer from the cell functions and differentiates that instead, so
double backward is exact.

Sequences are handled as flat rows: a padded (T, B, F) input is T steps of B rows, a packed
one is ``batch_sizes[t]`` rows at step t.  The recurrent state keeps B rows; step t updates the
leading ``batch_sizes[t]`` of them, which is how packed sequences of different lengths share
one loop (forward in time the batch shrinks, backward in time it grows from the initial state).
"""
from __future__ import annotations

import numpy as np

from ..backends import contiguous_array, holds_values
from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.grad_mode import enable_grad
from ..autograd.grad_mode import state as grad_state
from ..autograd.node import Node
from .arith import add, mul, sub
from .blas import addmm, matmul
from .creation import zeros
from .dropout import dropout as dropout_op
from .index import index_put
from .join import cat, stack
from .shape import chunk, narrow, unbind
from .unary import sigmoid, tanh

__all__ = ["lstm", "gru", "rnn_tanh", "rnn_relu", "lstm_cell", "gru_cell", "rnn_tanh_cell",
           "rnn_relu_cell"]

_make = Tensor._make
_F32 = np.dtype(np.float32)
_HALF_TYPES = (np.dtype(np.float16), D.bfloat16.np)


# ----------------------------------------------------------------------------------------------
# cells (one time step, composed from differentiable ops)
# ----------------------------------------------------------------------------------------------

def _linear(x: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
    if bias is None:
        return matmul(x, weight.t())
    return addmm(bias, x, weight.t())


def _check_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, which: str = "0") -> None:
    """PyTorch's shape checks for the cell functions (input width, batch, hidden width)."""
    if input.size(-1) != w_ih.size(1):
        raise RuntimeError(f"input has inconsistent input_size: got {input.size(-1)} expected "
                           f"{w_ih.size(1)}")
    if input.size(0) != hx.size(0):
        raise RuntimeError(f"Input batch size {input.size(0)} doesn't match hidden{which} batch "
                           f"size {hx.size(0)}")
    if hx.size(-1) != w_hh.size(1):
        raise RuntimeError(f"hidden{which} has inconsistent hidden_size: got {hx.size(-1)}, "
                           f"expected {w_hh.size(1)}")


def lstm_cell(input: Tensor, hx, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
              b_hh: Tensor | None = None) -> tuple:
    """One LSTM step: gates i, f, g, o from ``input`` and ``hx = (h, c)``; returns (h', c')."""
    h, c = hx
    _check_cell(input, h, w_ih, w_hh, "0")
    if c.size(0) != input.size(0):
        raise RuntimeError(f"Input batch size {input.size(0)} doesn't match hidden1 batch size "
                           f"{c.size(0)}")
    gates = add(_linear(input, w_ih, b_ih), _linear(h, w_hh, b_hh))
    in_gate, forget_gate, cell_gate, out_gate = chunk(gates, 4, 1)
    cy = add(mul(sigmoid(forget_gate), c), mul(sigmoid(in_gate), tanh(cell_gate)))
    hy = mul(sigmoid(out_gate), tanh(cy))
    return hy, cy


def gru_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
             b_hh: Tensor | None = None) -> Tensor:
    """One GRU step: n = tanh(W_in x + b_in + r * (W_hn h + b_hn)), h' = (h - n) * z + n."""
    _check_cell(input, hx, w_ih, w_hh)
    in_r, in_z, in_n = chunk(_linear(input, w_ih, b_ih), 3, 1)
    hid_r, hid_z, hid_n = chunk(_linear(hx, w_hh, b_hh), 3, 1)
    reset_gate = sigmoid(add(in_r, hid_r))
    update_gate = sigmoid(add(in_z, hid_z))
    new_gate = tanh(add(in_n, mul(hid_n, reset_gate)))
    return add(mul(sub(hx, new_gate), update_gate), new_gate)


def rnn_tanh_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor,
                  b_ih: Tensor | None = None, b_hh: Tensor | None = None) -> Tensor:
    """One Elman RNN step with tanh: tanh(W_ih x + b_ih + W_hh h + b_hh)."""
    _check_cell(input, hx, w_ih, w_hh)
    return tanh(add(_linear(input, w_ih, b_ih), _linear(hx, w_hh, b_hh)))


def rnn_relu_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor,
                  b_ih: Tensor | None = None, b_hh: Tensor | None = None) -> Tensor:
    """One Elman RNN step with relu: relu(W_ih x + b_ih + W_hh h + b_hh)."""
    from .. import ops
    _check_cell(input, hx, w_ih, w_hh)
    return ops.relu(add(_linear(input, w_ih, b_ih), _linear(hx, w_hh, b_hh)))


_CELLS = {"LSTM": lstm_cell, "GRU": gru_cell, "RNN_TANH": rnn_tanh_cell,
          "RNN_RELU": rnn_relu_cell}


# ----------------------------------------------------------------------------------------------
# fused layer kernels on NumPy arrays
#
# Each forward takes X (N, I) rows, the initial state(s) with B rows, the weights and `order`,
# the (start, size) row blocks in the order the layer visits them; it returns the output rows
# (N, H_out), the final state(s) and a cache for its backward (None when no grad is needed).
# Sigmoid gates are computed as 1 / (1 + exp(u)) with u = -z: the weight rows of those gates
# are negated once up front, which is exact, so each step spends no separate negation.
# ----------------------------------------------------------------------------------------------

def _lstm_forward(X, h0, c0, weights, order, need_cache):
    w_ih, w_hh, b_ih, b_hh, w_hr = weights
    hidden = w_hh.shape[0] // 4
    h3 = 3 * hidden
    # Gate rows reordered to (i, f, o, g) so the three sigmoids are one contiguous block.
    perm = _lstm_perm(hidden)
    w_ih_r = w_ih[perm]
    w_hh_r = w_hh[perm]
    w_in = w_ih_r.copy()
    w_in[:h3] *= -1
    w_rec_t = w_hh_r.T.copy()
    w_rec_t[:, :h3] *= -1
    gates = X @ w_in.T
    if b_ih is not None:
        bias = (b_ih + b_hh)[perm]
        bias[:h3] *= -1
        gates += bias
    proj_t = None if w_hr is None else np.ascontiguousarray(w_hr.T)
    rows, batch = X.shape[0], h0.shape[0]
    dtype = X.dtype
    h = h0.copy()
    c = c0.copy()
    out = np.empty((rows, h.shape[1]), dtype)
    hprev = np.empty((rows, h.shape[1]), dtype) if need_cache else None
    cprev = np.empty((rows, hidden), dtype) if need_cache else None
    tanh_c = np.empty((rows, hidden), dtype)
    r_all = np.empty((rows, hidden), dtype) if w_hr is not None else None
    tmp = np.empty((batch, 4 * hidden), dtype)
    tmp_h = np.empty((batch, hidden), dtype)
    f_sl, o_sl = slice(hidden, 2 * hidden), slice(2 * hidden, h3)
    with np.errstate(all="ignore"):
        for start, size in order:
            end = start + size
            g = gates[start:end]
            hb = h[:size]
            cb = c[:size]
            if need_cache:
                hprev[start:end] = hb
                cprev[start:end] = cb
            step = tmp[:size]
            np.matmul(hb, w_rec_t, out=step)
            g += step
            sig = g[:, :h3]
            np.exp(sig, out=sig)
            sig += 1
            np.reciprocal(sig, out=sig)
            cell = g[:, h3:]
            np.tanh(cell, out=cell)
            np.multiply(cb, g[:, f_sl], out=cb)
            t = tmp_h[:size]
            np.multiply(g[:, :hidden], cell, out=t)
            cb += t
            tc = tanh_c[start:end]
            np.tanh(cb, out=tc)
            if proj_t is None:
                np.multiply(g[:, o_sl], tc, out=out[start:end])
            else:
                r = r_all[start:end]
                np.multiply(g[:, o_sl], tc, out=r)
                np.matmul(r, proj_t, out=out[start:end])
            hb[...] = out[start:end]
    cache = None
    if need_cache:
        cache = (gates, hprev, cprev, tanh_c, r_all, w_ih_r, w_hh_r, perm)
    return out, h, c, cache


def _lstm_perm(hidden: int) -> np.ndarray:
    i = np.arange(hidden)
    return np.concatenate([i, i + hidden, i + 3 * hidden, i + 2 * hidden])


def _lstm_backward(cache, X, weights, order, grad_out, grad_h, grad_c, needs):
    gates, hprev, cprev, tanh_c, r_all, w_ih_r, w_hh_r, perm = cache
    w_hr = weights[4]
    rows, hidden = tanh_c.shape
    h3 = 3 * hidden
    dtype = gates.dtype
    i_g, f_g = gates[:, :hidden], gates[:, hidden:2 * hidden]
    o_g, c_g = gates[:, 2 * hidden:h3], gates[:, h3:]
    with np.errstate(all="ignore"):
        # Per-row factors of the gate gradients, for all steps at once: the loop then needs
        # one multiply per block.  Block o holds d(o)/d(pre-activation) * tanh(c).
        k = np.empty((rows, 4 * hidden), dtype)
        np.multiply(i_g, 1 - i_g, out=k[:, :hidden])
        k[:, :hidden] *= c_g
        np.multiply(f_g, 1 - f_g, out=k[:, hidden:2 * hidden])
        k[:, hidden:2 * hidden] *= cprev
        np.multiply(o_g, 1 - o_g, out=k[:, 2 * hidden:h3])
        k[:, 2 * hidden:h3] *= tanh_c
        np.multiply(c_g, c_g, out=k[:, h3:])
        np.subtract(1, k[:, h3:], out=k[:, h3:])
        k[:, h3:] *= i_g
        dc_from_h = o_g * (1 - tanh_c * tanh_c)
    k3 = k.reshape(rows, 4, hidden)
    dz = np.empty((rows, 4 * hidden), dtype)
    dz3 = dz.reshape(rows, 4, hidden)
    dh = grad_h.copy()
    dc = grad_c.copy()
    batch = dh.shape[0]
    dh_all = np.empty((rows, dh.shape[1]), dtype) if w_hr is not None else None
    tmp_h = np.empty((batch, hidden), dtype)
    tmp_r = np.empty((batch, hidden), dtype) if w_hr is not None else None
    for start, size in reversed(order):
        end = start + size
        dhb = dh[:size]
        if grad_out is not None:
            dhb += grad_out[start:end]
        if w_hr is None:
            dr = dhb
        else:
            dh_all[start:end] = dhb
            dr = tmp_r[:size]
            np.matmul(dhb, w_hr, out=dr)
        dcb = dc[:size]
        t = tmp_h[:size]
        np.multiply(dr, dc_from_h[start:end], out=t)
        dcb += t
        block = dz3[start:end]
        np.multiply(k3[start:end], dcb[:, None, :], out=block)
        np.multiply(dr, k3[start:end, 2], out=block[:, 2])
        dcb *= f_g[start:end]
        np.matmul(dz[start:end], w_hh_r, out=dhb)
    grads = [None] * 8
    if needs[0]:
        grads[0] = dz @ w_ih_r
    grads[1], grads[2] = dh, dc
    if needs[3]:
        grads[3] = _unpermute(dz.T @ X, perm)
    if needs[4]:
        grads[4] = _unpermute(dz.T @ hprev, perm)
    if needs[5] or needs[6]:
        grads[5] = grads[6] = _unpermute(dz.sum(0), perm)
    if needs[7]:
        grads[7] = dh_all.T @ r_all
    return grads


def _unpermute(arr: np.ndarray, perm: np.ndarray) -> np.ndarray:
    out = np.empty_like(arr)
    out[perm] = arr
    return out


def _gru_forward(X, h0, c0, weights, order, need_cache):
    w_ih, w_hh, b_ih, b_hh, _ = weights
    hidden = w_hh.shape[1]
    h2 = 2 * hidden
    w_in = w_ih.copy()
    w_in[:h2] *= -1
    w_rec_t = w_hh.T.copy()
    w_rec_t[:, :h2] *= -1
    gates = X @ w_in.T
    b_hn = None
    if b_ih is not None:
        bias = b_ih.copy()
        bias[:h2] += b_hh[:h2]
        bias[:h2] *= -1
        gates += bias
        b_hn = b_hh[h2:]
    rows, batch = X.shape[0], h0.shape[0]
    dtype = X.dtype
    h = h0.copy()
    out = np.empty((rows, hidden), dtype)
    hprev = np.empty((rows, hidden), dtype) if need_cache else None
    hid_n = np.empty((rows, hidden), dtype)
    tmp = np.empty((batch, 3 * hidden), dtype)
    tmp_h = np.empty((batch, hidden), dtype)
    with np.errstate(all="ignore"):
        for start, size in order:
            end = start + size
            g = gates[start:end]
            hb = h[:size]
            if need_cache:
                hprev[start:end] = hb
            step = tmp[:size]
            np.matmul(hb, w_rec_t, out=step)
            rz = g[:, :h2]
            rz += step[:, :h2]
            np.exp(rz, out=rz)
            rz += 1
            np.reciprocal(rz, out=rz)
            hn = hid_n[start:end]
            if b_hn is None:
                hn[...] = step[:, h2:]
            else:
                np.add(step[:, h2:], b_hn, out=hn)
            n = g[:, h2:]
            t = tmp_h[:size]
            np.multiply(hn, rz[:, :hidden], out=t)
            n += t
            np.tanh(n, out=n)
            np.subtract(hb, n, out=t)
            t *= rz[:, hidden:]
            np.add(t, n, out=out[start:end])
            hb[...] = out[start:end]
    cache = (gates, hprev, hid_n) if need_cache else None
    return out, h, None, cache


def _gru_backward(cache, X, weights, order, grad_out, grad_h, grad_c, needs):
    gates, hprev, hid_n = cache
    w_ih, w_hh = weights[0], weights[1]
    rows, hidden = hid_n.shape
    h2 = 2 * hidden
    dtype = gates.dtype
    r_g, z_g, n_g = gates[:, :hidden], gates[:, hidden:h2], gates[:, h2:]
    with np.errstate(all="ignore"):
        k_n = (1 - z_g) * (1 - n_g * n_g)
        k_r = hid_n * r_g * (1 - r_g)
        k_z = (hprev - n_g) * z_g * (1 - z_g)
    dx_gates = np.empty((rows, 3 * hidden), dtype)
    dh_gates = np.empty((rows, 3 * hidden), dtype)
    dh = grad_h.copy()
    tmp_h = np.empty((dh.shape[0], hidden), dtype)
    for start, size in reversed(order):
        end = start + size
        dhb = dh[:size]
        if grad_out is not None:
            dhb += grad_out[start:end]
        dxg = dx_gates[start:end]
        dn = dxg[:, h2:]
        np.multiply(dhb, k_n[start:end], out=dn)
        np.multiply(dn, k_r[start:end], out=dxg[:, :hidden])
        np.multiply(dhb, k_z[start:end], out=dxg[:, hidden:h2])
        dhg = dh_gates[start:end]
        dhg[:, :h2] = dxg[:, :h2]
        np.multiply(dn, r_g[start:end], out=dhg[:, h2:])
        t = tmp_h[:size]
        np.matmul(dhg, w_hh, out=t)
        dhb *= z_g[start:end]
        dhb += t
    grads = [None] * 8
    if needs[0]:
        grads[0] = dx_gates @ w_ih
    grads[1] = dh
    if needs[3]:
        grads[3] = dx_gates.T @ X
    if needs[4]:
        grads[4] = dh_gates.T @ hprev
    if needs[5]:
        grads[5] = dx_gates.sum(0)
    if needs[6]:
        grads[6] = dh_gates.sum(0)
    return grads


def _elman_forward(relu: bool):
    def forward(X, h0, c0, weights, order, need_cache):
        w_ih, w_hh, b_ih, b_hh, _ = weights
        gates = X @ w_ih.T
        if b_ih is not None:
            gates += b_ih + b_hh
        w_rec_t = np.ascontiguousarray(w_hh.T)
        rows, batch = X.shape[0], h0.shape[0]
        h = h0.copy()
        hprev = np.empty((rows, h.shape[1]), X.dtype) if need_cache else None
        tmp = np.empty((batch, h.shape[1]), X.dtype)
        with np.errstate(all="ignore"):
            for start, size in order:
                end = start + size
                g = gates[start:end]
                hb = h[:size]
                if need_cache:
                    hprev[start:end] = hb
                step = tmp[:size]
                np.matmul(hb, w_rec_t, out=step)
                g += step
                if relu:
                    np.maximum(g, 0, out=g)
                else:
                    np.tanh(g, out=g)
                hb[...] = g
        # The output is handed out; the cache keeps its own copy, safe from in-place edits.
        cache = (gates, hprev, relu) if need_cache else None
        return gates.copy() if need_cache else gates, h, None, cache
    return forward


def _elman_backward(cache, X, weights, order, grad_out, grad_h, grad_c, needs):
    gates, hprev, relu = cache
    w_ih, w_hh = weights[0], weights[1]
    with np.errstate(all="ignore"):
        if relu:
            slope = (gates > 0).astype(gates.dtype)
        else:
            slope = 1 - gates * gates
    dz = np.empty_like(gates)
    dh = grad_h.copy()
    for start, size in reversed(order):
        end = start + size
        dhb = dh[:size]
        if grad_out is not None:
            dhb += grad_out[start:end]
        d = dz[start:end]
        np.multiply(dhb, slope[start:end], out=d)
        np.matmul(d, w_hh, out=dhb)
    grads = [None] * 8
    if needs[0]:
        grads[0] = dz @ w_ih
    grads[1] = dh
    if needs[3]:
        grads[3] = dz.T @ X
    if needs[4]:
        grads[4] = dz.T @ hprev
    if needs[5] or needs[6]:
        grads[5] = grads[6] = dz.sum(0)
    return grads


_KERNELS = {"LSTM": (_lstm_forward, _lstm_backward),
            "GRU": (_gru_forward, _gru_backward),
            "RNN_TANH": (_elman_forward(False), _elman_backward),
            "RNN_RELU": (_elman_forward(True), _elman_backward)}


# ----------------------------------------------------------------------------------------------
# the layer node
# ----------------------------------------------------------------------------------------------

class _RnnLayerBackward(Node):
    """Backward of one layer direction over a whole sequence (inputs: x, h0, c0, w_ih, w_hh,
    b_ih, b_hh, w_hr; outputs: output, h_n and, for LSTM, c_n)."""

    def backward(self, grad_output, grad_h, grad_c=None):
        saved = self.saved_tensors
        if grad_state.enabled:
            return self._backward_composite(saved, grad_output, grad_h, grad_c)
        x, h0, c0 = saved[0], saved[1], saved[2]
        compute = self.compute
        rows = self.rows
        weights = tuple(None if w is None else _as(w._data, compute) for w in saved[3:])
        X = _rows(x._data, rows, compute)
        g_out = None if grad_output is None else _rows(grad_output._data, rows, compute)
        g_h = np.zeros(h0._data.shape, compute) if grad_h is None else _as(grad_h._data, compute)
        g_c = None
        if c0 is not None:
            g_c = np.zeros(c0._data.shape, compute) if grad_c is None else _as(grad_c._data,
                                                                               compute)
        needs = tuple(n is not None for n in self._next)
        grads = _KERNELS[self.mode][1](self.cache, X, weights, self.order, g_out, g_h, g_c,
                                       needs)
        if grads[0] is not None:
            grads[0] = grads[0].reshape(x._data.shape)
        result = []
        for i, (g, n) in enumerate(zip(grads, self._next)):
            if g is None or n is None:
                result.append(None)
                continue
            result.append(_make(g.astype(self._meta[i][1], copy=False)))
        return tuple(result)

    def _backward_composite(self, saved, grad_output, grad_h, grad_c):
        """Differentiable backward: rebuild the layer from cells and differentiate that."""
        from ..autograd import grad as autograd_grad
        x, h0, c0 = saved[0], saved[1], saved[2]
        weights = saved[3:]
        with enable_grad():
            outputs = _layer_composite(self.mode, x, h0, c0, weights, self.order, self.rows)
        pairs = [(o, g) for o, g in zip(outputs, (grad_output, grad_h, grad_c))
                 if o is not None and g is not None]
        wanted = [i for i, n in enumerate(self._next) if n is not None]
        targets = [saved[i] for i in wanted]
        grads = autograd_grad([o for o, _ in pairs], targets, [g for _, g in pairs],
                              create_graph=True, allow_unused=True)
        result = [None] * len(self._next)
        for i, g in zip(wanted, grads):
            result[i] = g
        return tuple(result)

    def release(self) -> None:
        super().release()
        self.cache = None


def _layer_node_class(name: str):
    # PyTorch's output grad_fn depends on the path it takes (oneDNN's whole-layer node for a
    # float32 LSTM; per-step results stacked, or concatenated for packed input, otherwise);
    # the fused node carries the name PyTorch prints for the same call.
    cls = type(name, (_RnnLayerBackward,), {"__doc__": _RnnLayerBackward.__doc__})
    cls.__module__ = __name__
    return cls


MkldnnRnnLayerBackward0 = _layer_node_class("MkldnnRnnLayerBackward0")
_StackedLayerBackward = _layer_node_class("StackBackward0")
_CatLayerBackward = _layer_node_class("CatBackward0")


def _as(arr: np.ndarray, dtype) -> np.ndarray:
    return arr if arr.dtype == dtype else arr.astype(dtype)


def _rows(arr: np.ndarray, rows: int, dtype) -> np.ndarray:
    """``arr`` as a C-contiguous (rows, features) array of ``dtype``."""
    return contiguous_array(_as(arr, dtype).reshape(rows, arr.shape[-1]))


def _layer(mode: str, x: Tensor, h0: Tensor, c0: Tensor | None, weights: tuple, order: list,
           packed: bool) -> tuple:
    """Run one layer direction over the sequence ``x``; returns (output, h_n, c_n or None)."""
    np_dtype = x._data.dtype
    compute = _F32 if np_dtype in _HALF_TYPES else np_dtype
    rows = int(np.prod(x._data.shape[:-1]))
    if not holds_values(x._data):  # meta: ordinary ops step by step work out the shapes
        return _layer_composite(mode, x, h0, c0, weights, order, rows)
    tensors = (x, h0, c0) + tuple(weights)
    recording = grad_state.enabled and any(t is not None and t._rg for t in tensors)
    X = _rows(x._data, rows, compute)
    arrays = tuple(None if w is None else _as(w._data, compute) for w in weights)
    c_arr = None if c0 is None else _as(c0._data, compute)
    out, h_n, c_n, cache = _KERNELS[mode][0](X, _as(h0._data, compute), c_arr, arrays, order,
                                             recording)
    out = out.reshape(x._data.shape[:-1] + (out.shape[-1],))
    results = [_make(_as(out, np_dtype)), _make(_as(h_n, np_dtype))]
    if c_n is not None:
        results.append(_make(_as(c_n, np_dtype)))
    if recording:
        if packed:
            cls = _CatLayerBackward
        elif mode == "LSTM" and np_dtype == _F32 and weights[4] is None:
            cls = MkldnnRnnLayerBackward0
        else:
            cls = _StackedLayerBackward
        node = cls(tensors, None)
        node.mode, node.order, node.rows, node.compute, node.cache = mode, order, rows, compute, cache
        node.save(*tensors)
        node._nout = len(results)
        for i, t in enumerate(results):
            t.grad_fn = node
            t._rg = True
            t._output_nr = i
    if c_n is None:
        results.append(None)
    return tuple(results)


def _layer_composite(mode: str, x: Tensor, h0: Tensor, c0: Tensor | None, weights, order,
                     rows: int) -> tuple:
    """The same layer built step by step from the cell functions (differentiable twice)."""
    cell = _CELLS[mode]
    w_ih, w_hh, b_ih, b_hh, w_hr = weights
    flat = x.reshape(rows, x.shape[-1])
    batch = h0.shape[0]
    h, c = h0, c0
    outputs = {}
    for start, size in order:
        step_in = narrow(flat, 0, start, size)
        h_rows = h if size == batch else narrow(h, 0, 0, size)
        if mode == "LSTM":
            c_rows = c if size == batch else narrow(c, 0, 0, size)
            if w_hr is None:
                h_new, c_new = cell(step_in, (h_rows, c_rows), w_ih, w_hh, b_ih, b_hh)
            else:
                h_new, c_new = _projected_lstm_cell(step_in, h_rows, c_rows, weights)
            c = c_new if size == batch else cat([c_new, narrow(c, 0, size, batch - size)])
        else:
            h_new = cell(step_in, h_rows, w_ih, w_hh, b_ih, b_hh)
        outputs[start] = h_new
        h = h_new if size == batch else cat([h_new, narrow(h, 0, size, batch - size)])
    output = cat([outputs[start] for start, _ in sorted(order)])
    output = output.reshape(x.shape[:-1] + (output.shape[-1],))
    return output, h, c


def _projected_lstm_cell(step_in, h, c, weights):
    w_ih, w_hh, b_ih, b_hh, w_hr = weights
    gates = add(_linear(step_in, w_ih, b_ih), _linear(h, w_hh, b_hh))
    in_gate, forget_gate, cell_gate, out_gate = chunk(gates, 4, 1)
    c_new = add(mul(sigmoid(forget_gate), c), mul(sigmoid(in_gate), tanh(cell_gate)))
    h_new = matmul(mul(sigmoid(out_gate), tanh(c_new)), w_hr.t())
    return h_new, c_new


# ----------------------------------------------------------------------------------------------
# multi-layer entry points (torch.lstm / torch.gru / torch.rnn_tanh / torch.rnn_relu)
# ----------------------------------------------------------------------------------------------

def _run(mode: str, input: Tensor, batch_sizes, hx: Tensor, cx: Tensor | None, params,
         has_biases: bool, num_layers: int, dropout: float, train: bool, bidirectional: bool,
         batch_first: bool) -> tuple:
    num_directions = 2 if bidirectional else 1
    params = list(params)
    per_layer = len(params) // (num_layers * num_directions) if params else 0
    base = 4 if has_biases else 2
    if per_layer not in (base, base + 1) or (per_layer == base + 1 and mode != "LSTM"):
        raise RuntimeError(f"{_name(mode)}: expected {base * num_layers * num_directions} "
                           f"parameters, got {len(params)}")
    packed = batch_sizes is not None
    if packed:
        sizes = [int(s) for s in np.asarray(batch_sizes._data).reshape(-1)]
        order, start = [], 0
        for size in sizes:
            order.append((start, size))
            start += size
        x = input
    else:
        x = input.transpose(0, 1) if batch_first else input
        if x.shape[0] == 0:
            raise RuntimeError("Expected sequence length to be larger than 0 in RNN")
        batch = x.shape[1]
        order = [(t * batch, batch) for t in range(x.shape[0])]
    reverse_order = order[::-1]
    h_states = unbind(hx, 0)
    c_states = unbind(cx, 0) if cx is not None else None
    h_finals, c_finals = [], []
    layer_input = x
    for layer in range(num_layers):
        outputs = []
        for direction in range(num_directions):
            k = layer * num_directions + direction
            w = params[k * per_layer:(k + 1) * per_layer]
            weights = (w[0], w[1], w[2] if has_biases else None, w[3] if has_biases else None,
                       w[base] if per_layer > base else None)
            out, h_n, c_n = _layer(mode, layer_input, h_states[k],
                                   None if c_states is None else c_states[k], weights,
                                   reverse_order if direction else order, packed)
            outputs.append(out)
            h_finals.append(h_n)
            c_finals.append(c_n)
        layer_output = outputs[0] if num_directions == 1 else cat(outputs, -1)
        if dropout != 0 and train and layer < num_layers - 1:
            layer_output = dropout_op(layer_output, dropout, True)
        layer_input = layer_output
    output = layer_input.transpose(0, 1) if batch_first and not packed else layer_input
    h_n = stack(h_finals, 0)
    if cx is None:
        return output, h_n
    return output, h_n, stack(c_finals, 0)


def _name(mode: str) -> str:
    return {"LSTM": "lstm", "GRU": "gru", "RNN_TANH": "rnn_tanh", "RNN_RELU": "rnn_relu"}[mode]


def _check_hidden_dtype(input: Tensor, *states) -> None:
    for s in states:
        if s._data.dtype != input._data.dtype:
            raise RuntimeError(f"Expected all tensors to be of the same dtype, but got input "
                               f"{input.dtype} and hidden {s.dtype}")


def lstm(input: Tensor, second, third, *rest) -> tuple:
    """Multi-layer LSTM over a sequence: ``lstm(input, (h0, c0), params, has_biases,
    num_layers, dropout, train, bidirectional, batch_first)`` or, for packed data,
    ``lstm(data, batch_sizes, (h0, c0), params, has_biases, num_layers, dropout, train,
    bidirectional)``; returns (output, h_n, c_n)."""
    if isinstance(second, Tensor):
        hx = third
        params, has_biases, num_layers, dropout, train, bidirectional = rest
        batch_sizes, batch_first = second, False
    else:
        hx, params = second, third
        has_biases, num_layers, dropout, train, bidirectional, batch_first = rest
        batch_sizes = None
    h0, c0 = hx
    _check_hidden_dtype(input, h0, c0)
    return _run("LSTM", input, batch_sizes, h0, c0, params, has_biases, num_layers, dropout,
                train, bidirectional, batch_first)


def _single_state(mode: str):
    name = _name(mode)

    def run(input: Tensor, second, third, *rest) -> tuple:
        if isinstance(third, Tensor):
            batch_sizes, hx = second, third
            params, has_biases, num_layers, dropout, train, bidirectional = rest
            batch_first = False
        else:
            hx, params = second, third
            has_biases, num_layers, dropout, train, bidirectional, batch_first = rest
            batch_sizes = None
        _check_hidden_dtype(input, hx)
        return _run(mode, input, batch_sizes, hx, None, params, has_biases, num_layers, dropout,
                    train, bidirectional, batch_first)

    run.__name__ = run.__qualname__ = name
    run.__doc__ = (f"Multi-layer {mode} over a sequence: ``{name}(input, hx, params, "
                   f"has_biases, num_layers, dropout, train, bidirectional, batch_first)`` or, "
                   f"for packed data, ``{name}(data, batch_sizes, hx, params, has_biases, "
                   "num_layers, dropout, train, bidirectional)``; returns (output, h_n).")
    return run


gru = _single_state("GRU")
rnn_tanh = _single_state("RNN_TANH")
rnn_relu = _single_state("RNN_RELU")


# ----------------------------------------------------------------------------------------------
# packing (torch._pack_padded_sequence / torch._pad_packed_sequence)
# ----------------------------------------------------------------------------------------------

class PackPaddedSequenceBackward0(Node):
    def backward(self, grad):
        padded = zeros(self.time_major_shape, dtype=grad.dtype)
        padded = index_put(padded, (self.mask,), grad)
        return padded.transpose(0, 1) if self.batch_first else padded


def _valid_steps(lengths: np.ndarray, steps: int) -> np.ndarray:
    """(steps, batch) mask of the positions that hold data; True rows are packed in order."""
    return np.arange(steps)[:, None] < lengths[None, :]


def _pack_padded_sequence(input: Tensor, lengths: Tensor, batch_first: bool) -> tuple:
    """The rows of a padded batch that hold data, step by step, and the batch size per step."""
    from .creation import tensor
    time_major = input.transpose(0, 1) if batch_first else input
    arr = time_major._data
    lens = np.asarray(lengths._data).reshape(-1).astype(np.int64)
    if lens.shape[0] != arr.shape[1]:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got "
                           f"{lens.shape[0]} (batch_size={arr.shape[1]})")
    if lens.size and lens[-1] <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element "
                           "in 'lengths' that is <= 0")
    if np.any(lens[1:] > lens[:-1]):
        raise RuntimeError("`lengths` array must be sorted in decreasing order when "
                           "`enforce_sorted` is True. You can pass `enforce_sorted=False` to "
                           "pack_padded_sequence and/or pack_sequence to sidestep this "
                           "requirement if you do not need ONNX exportability.")
    steps = int(lens[0]) if lens.size else 0
    if steps > arr.shape[0]:
        raise RuntimeError(f"Expected the longest sequence length ({steps}) to be at most the "
                           f"padded length ({arr.shape[0]})")
    mask = _valid_steps(lens, steps)
    data = _make(np.ascontiguousarray(arr[:steps][mask]))
    batch_sizes = tensor(mask.sum(1).astype(np.int64))
    if grad_state.enabled and input._rg:
        node = PackPaddedSequenceBackward0((input,), data)
        node.time_major_shape = arr.shape
        node.mask = tensor(np.pad(mask, ((0, arr.shape[0] - steps), (0, 0))))
        node.batch_first = batch_first
    return data, batch_sizes


def _pad_packed_sequence(data: Tensor, batch_sizes: Tensor, batch_first: bool,
                         padding_value: float, total_length: int) -> tuple:
    """Packed rows back into a (T, B, *) (or (B, T, *)) batch filled with ``padding_value``."""
    from .creation import full, tensor
    sizes = np.asarray(batch_sizes._data).reshape(-1).astype(np.int64)
    batch = int(sizes[0]) if sizes.size else 0
    lengths = (np.arange(batch)[None, :] < sizes[:, None]).sum(0).astype(np.int64)
    mask = _valid_steps(lengths, total_length)
    padded = full((total_length, batch) + tuple(data.shape[1:]), padding_value, dtype=data.dtype)
    padded = padded.index_put((tensor(mask),), data)
    if batch_first:
        padded = padded.transpose(0, 1)
    return padded, tensor(lengths)
