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

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.grad_mode import enable_grad
from ..autograd.grad_mode import state as grad_state
from ..autograd.node import Node
from ..backends.cpu import single_threaded_blas, submit
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
#
# Every state a layer computes is written in place into one history array (see _Plan), so the
# time loop copies no state, and the backward reads all steps' previous states as one matrix
# (a view when the batch is the same at every step) for its weight-gradient products.
#
# Sigmoid gates are computed as 1 / (1 + exp(-z)) and LSTM's tanh gate as 2 / (1 + exp(-2z)) - 1,
# so one exp pass over each step's contiguous gate block squashes all four LSTM gates (NumPy's
# float32 tanh costs about twice its exp).  The factors -1 and -2 are folded into the weight rows
# and biases up front, which is exact (powers of two).
#
# The time loop is inherently serial, and its products are small: it runs with OpenBLAS on one
# thread (see backends.cpu.single_threaded_blas).  The large work that does not feed the next
# step runs beside it on a pool thread, chunk by chunk of steps: the input projection of the
# later steps, the backward's per-row gate factors of the finished ones (forward), and the
# input and weight gradients of the finished ones (backward).  NumPy releases the GIL inside
# that work, so on an idle core it costs the loop no time.
# ----------------------------------------------------------------------------------------------

# Below this many gate values (rows x gates x hidden) a layer runs as one chunk, all inline:
# handing work to a pool thread costs tens of microseconds.
_OVERLAP_MIN = 1 << 16
_CHUNKS = 4


class _Plan:
    """Where each step of a layer finds its previous state, and the chunks the steps run in.

    A layer's history array of a state has rows + batch rows: the initial state at rows
    ``initial:initial + batch`` and the state after sequence row r at row ``offset + r``.  A
    forward-running layer puts the initial state first, a reverse-running one last, so that the
    previous state of every step is the block just before (after) its own.  ``steps`` lists
    (start, end, source, split) in the order the steps run: the previous state of rows
    start:end is history[source:source + end - start], except after the batch has grown (packed
    input run in reverse), where only its first ``split`` rows come from there and the rest from
    the initial state.  ``previous`` and ``final`` index the history (a slice when the batch is
    the same at every step) for the previous state of every row, in row order, and the final
    state.  ``chunks`` splits ``steps`` into runs of consecutive steps, as (steps, lo, hi) with
    lo:hi the rows they cover.
    """

    __slots__ = ("steps", "batch", "initial", "offset", "previous", "final", "chunks")

    def __init__(self, order: list, batch: int, rows: int, width: int) -> None:
        forward = not order or order[0][0] == 0
        self.batch = batch
        self.initial, self.offset = (0, batch) if forward else (rows, 0)
        steps = []
        source, last = self.initial, batch
        for start, size in order:
            steps.append((start, start + size, source, 0 if size <= last else last))
            source, last = self.offset + start, size
        self.steps = steps
        count = _CHUNKS if rows * width >= _OVERLAP_MIN and len(steps) >= 2 * _CHUNKS else 1
        # The first chunk is short: the loop starts once its input projection is done, and
        # the backward ends with its gradient products.
        first = max(1, len(steps) // (2 * count)) if count > 1 else len(steps)
        rest = len(steps) - first
        bounds = [0] + [first + round(i * rest / max(1, count - 1)) for i in range(count)]
        self.chunks = []
        for a, b in zip(bounds[:-1], bounds[1:]):
            run = steps[a:b]
            self.chunks.append((run, min(run[0][0], run[-1][0]), max(run[0][1], run[-1][1])))
        if all(size == batch for _, size in order):
            shift = 0 if forward else batch
            self.previous = slice(shift, shift + rows)
            end = self.offset + order[-1][0] if order else self.initial
            self.final = slice(end, end + batch)
            return
        previous = np.empty(rows, np.intp)
        final = np.arange(self.initial, self.initial + batch)
        for start, end, source, split in steps:
            size = end - start
            previous[start:end] = np.arange(source, source + size)
            if split:
                previous[start + split:end] = np.arange(self.initial + split, self.initial + size)
            final[:size] = np.arange(self.offset + start, self.offset + end)
        self.previous, self.final = previous, final

    def history(self, initial: np.ndarray, rows: int) -> np.ndarray:
        """A history array for ``rows`` step states, holding the initial state."""
        hist = np.empty((rows + self.batch, initial.shape[1]), initial.dtype)
        hist[self.initial:self.initial + self.batch] = initial
        return hist

    def previous_rows(self, hist: np.ndarray, lo: int = 0, hi: int | None = None) -> np.ndarray:
        """The previous states of sequence rows lo:hi (a view when the batch never changes)."""
        prev = self.previous
        if type(prev) is slice:
            return hist[prev][lo:hi]
        return hist[prev[lo:hi]]

    def final_state(self, hist: np.ndarray) -> np.ndarray:
        """The state each batch row ends in (a fresh array)."""
        return hist[self.final].copy() if type(self.final) is slice else hist[self.final]

    def gather(self, hist: np.ndarray, step: tuple, buffer: np.ndarray) -> np.ndarray:
        """The previous state of a step whose batch has grown, collected into ``buffer``."""
        start, end, source, split = step
        size = end - start
        out = buffer[:size]
        out[:split] = hist[source:source + split]
        out[split:] = hist[self.initial + split:self.initial + size]
        return out

    def project(self, X: np.ndarray, w_t: np.ndarray, bias, out: np.ndarray) -> list:
        """out = X @ w_t + bias, chunk by chunk: the first chunk's rows now, the others on a
        pool thread; returns the handles, one per chunk (None for the first)."""
        _, lo, hi = self.chunks[0]
        _project(X, w_t, bias, out, lo, hi)
        return [None] + [submit(_project, X, w_t, bias, out, lo, hi)
                         for _, lo, hi in self.chunks[1:]]


def _project(X, w_t, bias, out, lo, hi) -> None:
    with np.errstate(all="ignore"):
        np.matmul(X[lo:hi], w_t, out=out[lo:hi])
        if bias is not None:
            out[lo:hi] += bias


def _gradient_products(d_in, d_rec, X, h_prev, w_ih, grad_x, needs, lo, hi, prepare=None):
    """The input gradient rows lo:hi (written to ``grad_x``) and those rows' share of the
    weight and bias gradients, from the gradients of the input products (``d_in``) and of the
    recurrent products (``d_rec``; when that is ``d_in`` the two biases share one gradient,
    returned as the first)."""
    with np.errstate(all="ignore"):
        if prepare is not None:
            prepare(lo, hi)
        d_x, d_h = d_in[lo:hi], d_rec[lo:hi]
        if grad_x is not None:
            np.matmul(d_x, w_ih, out=grad_x[lo:hi])
        w_in = d_x.T @ X[lo:hi] if needs[3] else None
        w_rec = d_h.T @ h_prev[lo:hi] if needs[4] else None
        shared = d_rec is d_in
        b_in = d_x.sum(0) if needs[5] or (shared and needs[6]) else None
        b_rec = d_h.sum(0) if needs[6] and not shared else None
        return w_in, w_rec, b_in, b_rec


def _backward_chunks(plan, run_chunk, products):
    """Run the backward loop chunk by chunk (``run_chunk(steps)``), each finished chunk's
    gradient products (``products(lo, hi)``) beside the next; the last one inline.  Returns
    the products summed over the chunks."""
    pending = []
    chunks = plan.chunks[::-1]
    for i, (steps, lo, hi) in enumerate(chunks):
        run_chunk(steps[::-1])
        if i + 1 < len(chunks):
            pending.append(submit(products, lo, hi))
    total = list(products(lo, hi))
    for future in pending:
        for i, part in enumerate(future.result()):
            if part is not None:
                total[i] += part
    return total


def _lstm_forward(X, h0, c0, weights, order, need_cache):
    w_ih, w_hh, b_ih, b_hh, w_hr = weights
    hidden = w_hh.shape[0] // 4
    h2, h3 = 2 * hidden, 3 * hidden
    rows, batch = X.shape[0], h0.shape[0]
    dtype = X.dtype
    plan = _Plan(order, batch, rows, 4 * hidden)
    # Pre-activations scaled by -1 (gates i, f, o) and -2 (cell gate g), see above.
    scale = np.full((4 * hidden, 1), -1, dtype)
    scale[h2:h3] = -2
    w_rec_t = (w_hh * scale).T
    bias = None if b_ih is None else (b_ih + b_hh) * scale[:, 0]
    # 1 / (1 + e) for the sigmoid gates, 2 / (1 + e) for the cell gate (then minus 1).
    numerators = np.ones(4 * hidden, dtype)
    numerators[h2:h3] = 2
    proj_t = None if w_hr is None else w_hr.T
    h_hist = plan.history(h0, rows)
    c_hist = plan.history(c0, rows)
    gates = np.empty((rows, 4 * hidden), dtype)
    tanh_c = np.empty((rows, hidden), dtype)
    r_all = None if w_hr is None else np.empty((rows, hidden), dtype)
    factors = None
    if need_cache:
        factors = (np.empty((rows, 4 * hidden), dtype), np.empty((rows, hidden), dtype))
    step_buf = np.empty((batch, 4 * hidden), dtype)
    tmp = np.empty((batch, hidden), dtype)
    h_buf, c_buf = np.empty_like(h0), np.empty_like(c0)
    offset = plan.offset
    pending = []
    with np.errstate(all="ignore"), single_threaded_blas:
        projections = plan.project(X, (w_ih * scale).T, bias, gates)
        for i, (steps, lo, hi) in enumerate(plan.chunks):
            if i:
                projections[i].result()
            for step in steps:
                start, end, source, split = step
                size = end - start
                if split:
                    h_prev = plan.gather(h_hist, step, h_buf)
                    c_prev = plan.gather(c_hist, step, c_buf)
                else:
                    h_prev, c_prev = h_hist[source:source + size], c_hist[source:source + size]
                g = gates[start:end]
                recurrent = step_buf[:size]
                np.matmul(h_prev, w_rec_t, out=recurrent)
                g += recurrent
                np.exp(g, out=g)
                g += 1
                np.divide(numerators, g, out=g)
                cell = g[:, h2:h3]
                cell -= 1
                c_new = c_hist[offset + start:offset + end]
                np.multiply(g[:, hidden:h2], c_prev, out=c_new)
                t = tmp[:size]
                np.multiply(g[:, :hidden], cell, out=t)
                c_new += t
                tc = tanh_c[start:end]
                np.tanh(c_new, out=tc)
                h_new = h_hist[offset + start:offset + end]
                if proj_t is None:
                    np.multiply(g[:, h3:], tc, out=h_new)
                else:
                    r = r_all[start:end]
                    np.multiply(g[:, h3:], tc, out=r)
                    np.matmul(r, proj_t, out=h_new)
            if need_cache:
                args = (gates, plan.previous_rows(c_hist, lo, hi), tanh_c, factors, lo, hi)
                if i + 1 < len(plan.chunks):
                    pending.append(submit(_lstm_factors, *args))
                else:
                    _lstm_factors(*args)
        for future in pending:
            future.result()
    out = h_hist[offset:offset + rows]
    h_n, c_n = plan.final_state(h_hist), plan.final_state(c_hist)
    if not need_cache:
        return out, h_n, c_n, None
    # The cache keeps the history; the output handed out is its own copy.
    return out.copy(), h_n, c_n, (gates, h_hist, r_all, factors, plan)


def _lstm_factors(gates, c_prev, tanh_c, factors, lo, hi) -> None:
    """Per-row factors of the gate gradients for rows lo:hi, so that the backward loop needs
    one multiply for them: each gate's derivative times what it multiplies in
    c' = f * c + i * g (for o: tanh(c'), as o multiplies dh rather than dc); and the factor
    o * (1 - tanh(c')^2) taking dh to dc."""
    k_all, dc_all = factors
    hidden = tanh_c.shape[1]
    h2, h3 = 2 * hidden, 3 * hidden
    g, k, tc = gates[lo:hi], k_all[lo:hi], tanh_c[lo:hi]
    with np.errstate(all="ignore"):
        for a, b in ((0, h2), (h3, 4 * hidden)):
            np.subtract(1, g[:, a:b], out=k[:, a:b])
            k[:, a:b] *= g[:, a:b]
        k[:, :hidden] *= g[:, h2:h3]
        k[:, hidden:h2] *= c_prev
        k[:, h3:] *= tc
        k_cell = k[:, h2:h3]
        np.multiply(g[:, h2:h3], g[:, h2:h3], out=k_cell)
        np.subtract(1, k_cell, out=k_cell)
        k_cell *= g[:, :hidden]
        dc = dc_all[lo:hi]
        np.multiply(tc, tc, out=dc)
        np.subtract(1, dc, out=dc)
        dc *= g[:, h3:]


def _lstm_backward(cache, X, weights, order, grad_out, grad_h, grad_c, needs):
    gates, h_hist, r_all, (k, dc_from_h), plan = cache
    w_ih, w_hh, w_hr = weights[0], weights[1], weights[4]
    rows, hidden = dc_from_h.shape
    dtype = gates.dtype
    forget_gate = gates[:, hidden:2 * hidden]
    k3 = k.reshape(rows, 4, hidden)
    dh = grad_h.copy()
    dc = grad_c.copy()
    batch = dh.shape[0]
    dz = np.empty((rows, 4 * hidden), dtype)
    dz3 = dz.reshape(rows, 4, hidden)
    dh_all = None if w_hr is None else np.empty((rows, dh.shape[1]), dtype)
    tmp = np.empty((batch, hidden), dtype)
    tmp_r = None if w_hr is None else np.empty((batch, hidden), dtype)

    def run_chunk(steps):
        for start, end, _, _ in steps:
            size = end - start
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
            t = tmp[:size]
            np.multiply(dr, dc_from_h[start:end], out=t)
            dcb += t
            block = dz3[start:end]
            np.multiply(k3[start:end, :3], dcb[:, None, :], out=block[:, :3])
            np.multiply(dr, k3[start:end, 3], out=block[:, 3])
            dcb *= forget_gate[start:end]
            np.matmul(dz[start:end], w_hh, out=dhb)

    grad_x = np.empty((rows, w_ih.shape[1]), dtype) if needs[0] else None
    h_prev = plan.previous_rows(h_hist)
    with np.errstate(all="ignore"), single_threaded_blas:
        w_in, w_rec, b, _ = _backward_chunks(
            plan, run_chunk,
            lambda lo, hi: _gradient_products(dz, dz, X, h_prev, w_ih, grad_x, needs, lo, hi))
        w_proj = dh_all.T @ r_all if needs[7] else None
    return [grad_x, dh, dc, w_in, w_rec, b, b, w_proj]


def _gru_forward(X, h0, c0, weights, order, need_cache):
    w_ih, w_hh, b_ih, b_hh, _ = weights
    hidden = w_hh.shape[1]
    h2 = 2 * hidden
    rows, batch = X.shape[0], h0.shape[0]
    dtype = X.dtype
    plan = _Plan(order, batch, rows, 3 * hidden)
    # Pre-activations of the sigmoid gates r, z scaled by -1, see above.
    scale = np.ones((3 * hidden, 1), dtype)
    scale[:h2] = -1
    w_rec_t = (w_hh * scale).T
    bias = b_hn = None
    if b_ih is not None:
        bias = b_ih.copy()
        bias[:h2] += b_hh[:h2]
        bias[:h2] *= -1
        b_hn = b_hh[h2:]
    h_hist = plan.history(h0, rows)
    gates = np.empty((rows, 3 * hidden), dtype)
    hid_n = np.empty((rows, hidden), dtype)
    factors = None
    if need_cache:
        factors = (np.empty((rows, 3, hidden), dtype), np.empty((rows, hidden), dtype))
    step_buf = np.empty((batch, 3 * hidden), dtype)
    tmp = np.empty((batch, hidden), dtype)
    h_buf = np.empty_like(h0)
    offset = plan.offset
    pending = []
    with np.errstate(all="ignore"), single_threaded_blas:
        projections = plan.project(X, (w_ih * scale).T, bias, gates)
        for i, (steps, lo, hi) in enumerate(plan.chunks):
            if i:
                projections[i].result()
            for step in steps:
                start, end, source, split = step
                size = end - start
                h_prev = (plan.gather(h_hist, step, h_buf) if split
                          else h_hist[source:source + size])
                g = gates[start:end]
                recurrent = step_buf[:size]
                np.matmul(h_prev, w_rec_t, out=recurrent)
                rz = g[:, :h2]
                rz += recurrent[:, :h2]
                np.exp(rz, out=rz)
                rz += 1
                np.divide(1, rz, out=rz)
                hn = hid_n[start:end]
                if b_hn is None:
                    hn[...] = recurrent[:, h2:]
                else:
                    np.add(recurrent[:, h2:], b_hn, out=hn)
                n = g[:, h2:]
                t = tmp[:size]
                np.multiply(hn, rz[:, :hidden], out=t)
                n += t
                np.tanh(n, out=n)
                np.subtract(h_prev, n, out=t)
                t *= rz[:, hidden:]
                np.add(t, n, out=h_hist[offset + start:offset + end])
            if need_cache:
                args = (gates, hid_n, plan.previous_rows(h_hist, lo, hi), factors, lo, hi)
                if i + 1 < len(plan.chunks):
                    pending.append(submit(_gru_factors, *args))
                else:
                    _gru_factors(*args)
        for future in pending:
            future.result()
    out = h_hist[offset:offset + rows]
    h_n = plan.final_state(h_hist)
    if not need_cache:
        return out, h_n, None, None
    return out.copy(), h_n, None, (gates, h_hist, factors, plan)


def _gru_factors(gates, hid_n, h_prev, factors, lo, hi) -> None:
    """Per-row factors for rows lo:hi taking dh' to the gradients of the recurrent products'
    r, z, n blocks (``k``), and to the input product's n block (``k_n``)."""
    k_all, k_n_all = factors
    hidden = hid_n.shape[1]
    g, k, k_n = gates[lo:hi], k_all[lo:hi], k_n_all[lo:hi]
    r_g, z_g, n_g = g[:, :hidden], g[:, hidden:2 * hidden], g[:, 2 * hidden:]
    with np.errstate(all="ignore"):
        np.multiply(n_g, n_g, out=k_n)
        np.subtract(1, k_n, out=k_n)
        k_n *= 1 - z_g
        np.multiply(hid_n[lo:hi], k_n, out=k[:, 0])
        k[:, 0] *= r_g
        k[:, 0] *= 1 - r_g
        np.subtract(h_prev, n_g, out=k[:, 1])
        k[:, 1] *= z_g
        k[:, 1] *= 1 - z_g
        np.multiply(k_n, r_g, out=k[:, 2])


def _gru_backward(cache, X, weights, order, grad_out, grad_h, grad_c, needs):
    gates, h_hist, (k, k_n), plan = cache
    w_ih, w_hh = weights[0], weights[1]
    rows, hidden = k_n.shape
    h2 = 2 * hidden
    dtype = gates.dtype
    z_g = gates[:, hidden:h2]
    dh = grad_h.copy()
    dh_all = np.empty((rows, hidden), dtype)
    dh_gates = np.empty((rows, 3 * hidden), dtype)
    dh_gates3 = dh_gates.reshape(rows, 3, hidden)
    dx_gates = np.empty((rows, 3 * hidden), dtype)
    tmp = np.empty((dh.shape[0], hidden), dtype)

    def run_chunk(steps):
        for start, end, _, _ in steps:
            size = end - start
            dhb = dh[:size]
            if grad_out is not None:
                dhb += grad_out[start:end]
            dh_all[start:end] = dhb
            np.multiply(k[start:end], dhb[:, None, :], out=dh_gates3[start:end])
            t = tmp[:size]
            np.matmul(dh_gates[start:end], w_hh, out=t)
            dhb *= z_g[start:end]
            dhb += t

    def input_gates(lo, hi):
        # The input products share the r, z gradients; their n block is dh' * k_n.
        dx_gates[lo:hi, :h2] = dh_gates[lo:hi, :h2]
        np.multiply(dh_all[lo:hi], k_n[lo:hi], out=dx_gates[lo:hi, h2:])

    grad_x = np.empty((rows, w_ih.shape[1]), dtype) if needs[0] else None
    h_prev = plan.previous_rows(h_hist)
    with np.errstate(all="ignore"), single_threaded_blas:
        w_in, w_rec, b_in, b_rec = _backward_chunks(
            plan, run_chunk,
            lambda lo, hi: _gradient_products(dx_gates, dh_gates, X, h_prev, w_ih, grad_x, needs,
                                              lo, hi, input_gates))
    return [grad_x, dh, None, w_in, w_rec, b_in, b_rec, None]


def _elman_forward(relu: bool):
    def forward(X, h0, c0, weights, order, need_cache):
        w_ih, w_hh, b_ih, b_hh, _ = weights
        rows, batch = X.shape[0], h0.shape[0]
        plan = _Plan(order, batch, rows, h0.shape[1])
        w_rec_t = w_hh.T
        h_hist = plan.history(h0, rows)
        offset = plan.offset
        out = h_hist[offset:offset + rows]
        step_buf = np.empty((batch, h0.shape[1]), X.dtype)
        h_buf = np.empty_like(h0)
        bias = None if b_ih is None else b_ih + b_hh
        with np.errstate(all="ignore"), single_threaded_blas:
            projections = plan.project(X, w_ih.T, bias, out)
            for i, (steps, _, _) in enumerate(plan.chunks):
                if i:
                    projections[i].result()
                for step in steps:
                    start, end, source, split = step
                    size = end - start
                    h_prev = (plan.gather(h_hist, step, h_buf) if split
                              else h_hist[source:source + size])
                    recurrent = step_buf[:size]
                    np.matmul(h_prev, w_rec_t, out=recurrent)
                    g = h_hist[offset + start:offset + end]
                    g += recurrent
                    if relu:
                        np.maximum(g, 0, out=g)
                    else:
                        np.tanh(g, out=g)
        h_n = plan.final_state(h_hist)
        if not need_cache:
            return out, h_n, None, None
        return out.copy(), h_n, None, (h_hist, plan, relu)
    return forward


def _elman_backward(cache, X, weights, order, grad_out, grad_h, grad_c, needs):
    h_hist, plan, relu = cache
    w_ih, w_hh = weights[0], weights[1]
    rows = X.shape[0]
    outputs = h_hist[plan.offset:plan.offset + rows]
    dz = np.empty_like(outputs)
    dh = grad_h.copy()

    def run_chunk(steps):
        for start, end, _, _ in steps:
            dhb = dh[:end - start]
            if grad_out is not None:
                dhb += grad_out[start:end]
            d = dz[start:end]
            np.multiply(dhb, slope[start:end], out=d)
            np.matmul(d, w_hh, out=dhb)

    grad_x = np.empty((rows, w_ih.shape[1]), X.dtype) if needs[0] else None
    h_prev = plan.previous_rows(h_hist)
    with np.errstate(all="ignore"), single_threaded_blas:
        if relu:
            slope = (outputs > 0).astype(outputs.dtype)
        else:
            slope = np.multiply(outputs, outputs)
            np.subtract(1, slope, out=slope)
        w_in, w_rec, b, _ = _backward_chunks(
            plan, run_chunk,
            lambda lo, hi: _gradient_products(dz, dz, X, h_prev, w_ih, grad_x, needs, lo, hi))
    return [grad_x, dh, None, w_in, w_rec, b, b, None]


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
    return np.ascontiguousarray(_as(arr, dtype).reshape(rows, arr.shape[-1]))


def _layer(mode: str, x: Tensor, h0: Tensor, c0: Tensor | None, weights: tuple, order: list,
           packed: bool) -> tuple:
    """Run one layer direction over the sequence ``x``; returns (output, h_n, c_n or None)."""
    np_dtype = x._data.dtype
    compute = _F32 if np_dtype in _HALF_TYPES else np_dtype
    rows = int(np.prod(x._data.shape[:-1]))
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
