"""Recurrent primitives: the cell functions and torch's multi-layer ``lstm``/``gru``/``rnn_*``.

A cell step (``lstm_cell`` and friends) is composed from ordinary ops, as PyTorch composes it,
so its graph reads as PyTorch's (``MulBackward0``/``AddBackward0`` outputs) and differentiates
any number of times.

A whole layer (one direction of one layer over a full sequence) is one fused primitive: the
input projection of the time steps is done in a few large matrix products, the time loop runs
on NumPy arrays with in-place gate math, and a single node holds what the hand-written backward
needs.  The backward runs backpropagation through time in NumPy and computes the weight and
input gradients in large matrix products over runs of steps.  When a backward is itself
recorded (``create_graph``), the node rebuilds the layer from the cell functions and
differentiates that instead, so double backward is exact.

Sequences come in as flat rows: a padded (T, B, F) input is T steps of B rows, a packed one is
``batch_sizes[t]`` rows at step t (forward in time the batch shrinks).  The kernels work on
per-step blocks with one column per sequence; see the notes above the kernels.
"""
from __future__ import annotations

import time

import numpy as np

from ..backends import contiguous_array, holds_values
from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.grad_mode import enable_grad
from ..autograd.grad_mode import state as grad_state
from ..autograd.node import Node
from ..backends.cpu import get_num_threads, single_threaded_blas, submit
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
# Each forward takes X (N, I) rows, the initial state(s) (B, width), the weights and `order`,
# the (start, size) row blocks in the order the layer visits them; it returns the output rows
# (N, H_out), the final state(s) and a cache for its backward (None when no grad is needed).
#
# Inside, a step's values are columns: a (T, width, B) array holds step t's (width, B) block,
# one column per sequence.  The recurrent product is then W @ h (one BLAS call with the weights
# on the left, faster for a thin h than h @ W.T) and every gate is a contiguous (H, B) block,
# so the elementwise work of a step runs on contiguous memory.  Each state lives in a history
# array of T + 1 blocks, written in place: the previous states of all steps are one view of it.
#
# Packed sequences keep all B columns at every step and compute the finished (or not yet
# started) ones too, on values that stay finite and never mix with the live columns; only what
# leaves the loop is taken from live columns.  Where the batch grows (from the point of view
# of a loop: the forward of a reversed layer, the backward of a forward one) the columns that
# start there are reset to their initial state, or initial gradient; where it shrinks in the
# backward the finished columns' gradients are set aside.  The backward's per-step factors are
# zero in dead columns, so dead columns add nothing to the weight gradients.
#
# Sigmoid gates are computed as 1 / (1 + exp(-z)) and LSTM's tanh gate as 2 / (1 + exp(-2z)) - 1,
# so one exp pass covers all four LSTM gates (NumPy's float32 tanh costs about twice its exp).
# The factors -1 and -2 are folded into the weight rows and biases up front, which is exact.
#
# The time loop is inherently serial and its products are small: it runs with OpenBLAS on one
# thread (see backends.cpu.single_threaded_blas).  The large work that does not feed the next
# step runs beside it on a pool thread, chunk by chunk of steps: the input projection of later
# chunks, and per finished chunk the output rows and the backward's factors (forward) or the
# input and weight gradients (backward).  NumPy releases the GIL inside that work, so on an
# idle core it costs the loop no time (and a call no pool thread has started is run inline).
# On a busy machine it does not pay, see _Overlap.
# ----------------------------------------------------------------------------------------------

# Below this many gate values (rows x gates x hidden) a layer runs as one chunk, all inline:
# handing work to a pool thread costs tens of microseconds.
_OVERLAP_MIN = 1 << 16
# Relative chunk lengths: short first chunks, so that the loop starts soon after the first
# chunk's input projection, and the backward (which meets the chunks in reverse) ends soon
# after the loop with the last gradient products.
_CHUNK_WEIGHTS = (1, 2, 3, 3)
# The share of its wall time an overlapped kernel's calling thread must spend running.
_MIN_BUSY = 0.8


class _Overlap:
    """Whether layers hand work to a pool thread.

    That pays only when a core is idle.  On a busy machine the pool thread takes CPU time from
    the loop (and, descheduled while holding the GIL, stalls it), and the loop ends up waiting.
    So each overlapped kernel call measures the share of its wall time the calling thread spent
    running; below _MIN_BUSY the next 1, 2, 4, ... 64 kernel calls run inline before overlap
    is tried again.
    """

    def __init__(self) -> None:
        self.skip = 0
        self.backoff = 1

    def wanted(self) -> bool:
        if self.skip:
            self.skip -= 1
            return False
        return get_num_threads() > 1

    def start(self, overlap: bool):
        """Timestamps to hand to ``record`` (None when not overlapping)."""
        return (time.thread_time(), time.perf_counter()) if overlap else None

    def record(self, started) -> None:
        if started is None:
            return
        busy = time.thread_time() - started[0]
        if busy < _MIN_BUSY * (time.perf_counter() - started[1]):
            self.skip = self.backoff
            self.backoff = min(2 * self.backoff, 64)
        else:
            self.backoff = 1


_overlap = _Overlap()


class _Ran:
    """A call already run on the calling thread, as a handle like ``submit``'s."""

    __slots__ = ("value",)

    def __init__(self, value) -> None:
        self.value = value

    def result(self):
        return self.value


def _beside(overlap: bool, fn, *args):
    """``fn(*args)`` on a pool thread when overlapping, else now; returns its handle."""
    return submit(fn, *args) if overlap else _Ran(fn(*args))


class _Plan:
    """The steps of one layer direction, in the order they run, and the chunks they run in.

    ``steps[i]`` is (t, prev, cur, grow): the time index t, the history blocks holding the
    previous and the new state, and, where the batch has grown since the previous step, the
    (lo, hi) columns to reset to the initial state first.  ``back_fixes[i]`` tells the backward
    what to do before step i (it runs the steps in reverse): ("grow", lo, hi) to start columns
    from the final-state gradients, ("shrink", lo, hi) to set finished columns' gradients
    aside, or None.  ``chunks`` splits the steps into runs (i0, i1, t0, t1): steps i0:i1 cover
    time indices t0:t1; there are several only when ``overlap`` (the forward hands work to a
    pool thread).
    """

    __slots__ = ("T", "batch", "rows", "forward", "sizes", "mask", "steps", "back_fixes",
                 "chunks", "overlap")

    def __init__(self, order: list, batch: int, rows: int, width: int) -> None:
        T = len(order)
        self.T, self.batch, self.rows = T, batch, rows
        self.forward = forward = T < 2 or order[0][0] < order[-1][0]
        sizes = [size for _, size in (order if forward else order[::-1])]
        self.sizes = sizes
        self.mask = None
        if any(size != batch for size in sizes):
            self.mask = np.arange(batch)[None, :] < np.asarray(sizes)[:, None]
        times = range(T) if forward else range(T - 1, -1, -1)
        steps, back_fixes = [], []
        last = batch
        for t in times:
            size = sizes[t]
            prev, cur = (t, t + 1) if forward else (t + 1, t)
            steps.append((t, prev, cur, (last, size) if size > last else None))
            last = size
        for i, (t, _, _, _) in enumerate(steps):
            size = sizes[t]
            before = sizes[steps[i + 1][0]] if i + 1 < T else size
            fix = None
            if size > before:
                fix = ("grow", before, size)
            elif size < before:
                fix = ("shrink", size, before)
            back_fixes.append(fix)
        self.steps, self.back_fixes = steps, back_fixes
        weights = _CHUNK_WEIGHTS
        self.overlap = (rows * width >= _OVERLAP_MIN and T >= 2 * len(weights)
                        and _overlap.wanted())
        if not self.overlap:
            weights = (1,)
        total = sum(weights)
        bounds = [round(T * sum(weights[:i]) / total) for i in range(len(weights) + 1)]
        self.chunks = []
        for i0, i1 in zip(bounds[:-1], bounds[1:]):
            t_a, t_b = steps[i0][0], steps[i1 - 1][0]
            self.chunks.append((i0, i1, min(t_a, t_b), max(t_a, t_b) + 1))

    # -- moving between rows and step blocks --------------------------------------------------

    def steps_of_rows(self, arr: np.ndarray) -> np.ndarray:
        """(N, F) rows as (T, B, F) per-step rows, dead rows zero."""
        if self.mask is None:
            return arr.reshape(self.T, self.batch, arr.shape[1])
        out = np.zeros((self.T, self.batch, arr.shape[1]), arr.dtype)
        out[self.mask] = arr
        return out

    def rows_of_steps(self, arr: np.ndarray) -> np.ndarray:
        """(T, B, F) per-step rows back to the (N, F) live rows."""
        if self.mask is None:
            return arr.reshape(self.rows, arr.shape[2])
        return arr[self.mask]

    def columns_of_rows(self, arr: np.ndarray) -> np.ndarray:
        """(N, F) rows as (T, F, B) step blocks, dead columns zero."""
        out = np.zeros((self.T, arr.shape[1], self.batch), arr.dtype)
        out.transpose(0, 2, 1)[...] = self.steps_of_rows(arr)
        return out

    def history(self, initial: np.ndarray) -> np.ndarray:
        """A (T + 1, width, B) history of a state, holding the initial state (B, width)."""
        hist = np.empty((self.T + 1, initial.shape[1], self.batch), initial.dtype)
        hist[0 if self.forward else self.T] = initial.T
        return hist

    def previous(self, hist: np.ndarray) -> np.ndarray:
        """The (T, width, B) previous states of all steps: a view of the history."""
        return hist[:self.T] if self.forward else hist[1:]

    def outputs(self, hist: np.ndarray) -> np.ndarray:
        """The (T, width, B) new states of all steps: a view of the history."""
        return hist[1:] if self.forward else hist[:self.T]

    def final_state(self, hist: np.ndarray) -> np.ndarray:
        """The (B, width) state each sequence ends in (a fresh array)."""
        if self.mask is None or not self.forward:
            return hist[self.T if self.forward else 0].T.copy()
        ends = self.mask.sum(0)
        return hist[ends, :, np.arange(self.batch)]

    def kill_dead(self, arr: np.ndarray, t0: int, t1: int) -> None:
        """Zero the dead columns of steps t0:t1 of a (T, ..., B) array."""
        if self.mask is not None:
            for t in range(t0, t1):
                if self.sizes[t] < self.batch:
                    arr[t, ..., self.sizes[t]:] = 0

    def project(self, X3: np.ndarray, w: np.ndarray, bias, out: np.ndarray) -> list:
        """out[t] = w @ X3[t].T + bias, chunk by chunk: the first chunk now, the others on a
        pool thread; returns the handles, one per chunk (None for the first)."""
        _project(X3, w, bias, out, *self.chunks[0][2:])
        return [None] + [_beside(self.overlap, _project, X3, w, bias, out, t0, t1)
                         for _, _, t0, t1 in self.chunks[1:]]

    def ahead(self, overlap: bool, fn, *args):
        """``fn(*args, t0, t1)`` for the steps the backward meets first (the forward's last
        chunk) now, and for all the others in one call on a pool thread; returns its handle."""
        _, _, t0, t1 = self.chunks[-1]
        fn(*args, t0, t1)
        rest = (t1, self.T) if t0 == 0 else (0, t0)
        return _beside(overlap, fn, *args, *rest)


def _project(X3, w, bias, out, t0, t1) -> None:
    with np.errstate(all="ignore"):
        np.matmul(w, X3[t0:t1].transpose(0, 2, 1), out=out[t0:t1])
        if bias is not None:
            out[t0:t1] += bias[:, None]


def _columns(arr3: np.ndarray) -> np.ndarray:
    """(n, F, B) step blocks as one (F, n * B) matrix (a copy)."""
    n, width, batch = arr3.shape
    out = np.empty((width, n, batch), arr3.dtype)
    np.copyto(out, arr3.transpose(1, 0, 2))
    return out.reshape(width, n * batch)


def _live_columns(plan, arr3: np.ndarray, t0: int, t1: int) -> np.ndarray:
    """Steps t0:t1 of a (T, F, B) array as one (F, n * B) matrix, dead columns zero: they hold
    finite but meaningless values (a relu layer's may even overflow)."""
    out = _columns(arr3[t0:t1])
    if plan.mask is not None:
        out.reshape(out.shape[0], t1 - t0, -1)[:, ~plan.mask[t0:t1]] = 0
    return out


def _transpose_rows(src3, dst3, t0, t1) -> None:
    """dst3[t0:t1] = src3[t0:t1] with its last two axes swapped."""
    np.copyto(dst3[t0:t1], src3[t0:t1].transpose(0, 2, 1))


def _gradient_products(plan, d_in, d_rec, X3, h_prev, w_ih, grad_x, needs, t0, t1,
                       prepare=None):
    """The input gradient rows of steps t0:t1 (into ``grad_x``, (T, B, I)) and those steps'
    share of the weight and bias gradients, from the (T, G, B) gradients of the input products
    (``d_in``) and of the recurrent products (``d_rec``; when that is ``d_in`` the two biases
    share one gradient, returned as the first)."""
    with np.errstate(all="ignore"):
        if prepare is not None:
            prepare(t0, t1)
        a_in = _columns(d_in[t0:t1])
        shared = d_rec is d_in
        a_rec = a_in if shared else _columns(d_rec[t0:t1])
        if grad_x is not None:
            np.matmul(a_in.T, w_ih, out=grad_x[t0:t1].reshape(-1, w_ih.shape[1]))
        w_in = a_in @ X3[t0:t1].reshape(-1, X3.shape[2]) if needs[3] else None
        w_rec = a_rec @ _live_columns(plan, h_prev, t0, t1).T if needs[4] else None
        b_in = a_in.sum(1) if needs[5] or (shared and needs[6]) else None
        b_rec = a_rec.sum(1) if needs[6] and not shared else None
        return w_in, w_rec, b_in, b_rec


def _backward_chunks(plan, overlap, run_chunk, products):
    """Run the backward loop chunk by chunk (``run_chunk(n, i0, i1)`` runs steps i1-1 down to
    i0), each finished chunk's gradient products (``products(t0, t1)``) beside the next, the
    last inline.  Returns the products summed over the chunks."""
    pending = []
    chunks = plan.chunks[::-1]
    for n, (i0, i1, t0, t1) in enumerate(chunks):
        run_chunk(n, i0, i1)
        if n + 1 < len(chunks):
            pending.append(_beside(overlap, products, t0, t1))
    total = list(products(t0, t1))
    for future in pending:
        for i, part in enumerate(future.result()):
            if part is not None:
                total[i] += part
    return total


def _start_columns(plan, grad):
    """The backward's column state from a (B, width) gradient, and the array collecting the
    gradients of columns that finish early (or None)."""
    state = grad.T.copy()
    return state, (np.empty_like(state) if plan.mask is not None else None)


def _apply_fix(fix, state, grad, finished) -> None:
    """Before a backward step: start columns from their final-state gradient, or set the
    gradients of columns that are finished aside."""
    kind, lo, hi = fix
    if kind == "grow":
        state[:, lo:hi] = grad.T[:, lo:hi]
    else:
        finished[:, lo:hi] = state[:, lo:hi]


def _finish_columns(plan, state, finished) -> np.ndarray:
    """The (B, width) gradients of the initial state."""
    if finished is not None and plan.sizes[plan.steps[0][0]] < plan.batch:
        live = plan.sizes[plan.steps[0][0]]
        state[:, live:] = finished[:, live:]
    return state.T.copy()


def _after_chunk(outputs, out_rows, factors, args, t0, t1) -> None:
    """A finished forward chunk: its output rows and (``factors(*args, t0, t1)``) the
    backward's factors for its steps."""
    _transpose_rows(outputs, out_rows, t0, t1)
    if factors is not None:
        factors(*args, t0, t1)


def _forward_chunks(plan, run_chunk, projections, outputs, out_rows, factors, args):
    """Run the forward loop chunk by chunk (``run_chunk(i0, i1)``), each chunk once its input
    projection is there; after each, its output rows and factors, beside the next chunk.
    The last chunk's factors are left running: returns their handle, for the backward."""
    pending = []
    last = len(plan.chunks) - 1
    deferred = None
    for n, (i0, i1, t0, t1) in enumerate(plan.chunks):
        if n:
            projections[n].result()
        run_chunk(i0, i1)
        if n < last:
            pending.append(_beside(plan.overlap, _after_chunk, outputs, out_rows, factors, args,
                                   t0, t1))
            continue
        _transpose_rows(outputs, out_rows, t0, t1)
        if factors is not None:
            deferred = _beside(plan.overlap, factors, *args, t0, t1)
    for handle in pending:
        handle.result()
    return deferred


def _grad_out_columns(plan, overlap, grad_out, width):
    """The output gradient as (T, width, B) blocks (or None), and the handle of the part the
    backward does not meet first, converted beside it (or None)."""
    if grad_out is None:
        return None, None
    if plan.mask is not None:
        return plan.columns_of_rows(grad_out), None
    blocks = np.empty((plan.T, width, plan.batch), grad_out.dtype)
    return blocks, plan.ahead(overlap, _transpose_rows,
                              grad_out.reshape(plan.T, plan.batch, width), blocks)


def _lstm_forward(X, h0, c0, weights, order, need_cache):
    w_ih, w_hh, b_ih, b_hh, w_hr = weights
    hidden = w_hh.shape[0] // 4
    h2, h3 = 2 * hidden, 3 * hidden
    batch, width = h0.shape
    dtype = X.dtype
    plan = _Plan(order, batch, X.shape[0], 4 * hidden)
    started = _overlap.start(plan.overlap)
    T = plan.T
    # Pre-activations scaled by -1 (gates i, f, o) and -2 (cell gate g), see above.
    scale = np.full((4 * hidden, 1), -1, dtype)
    scale[h2:h3] = -2
    w_rec = w_hh * scale
    bias = None if b_ih is None else (b_ih + b_hh) * scale[:, 0]
    # 1 / (1 + e) for the sigmoid gates, 2 / (1 + e) for the cell gate (then minus 1).
    numerators = np.ones((4 * hidden, 1), dtype)
    numerators[h2:h3] = 2
    X3 = plan.steps_of_rows(X)
    h_hist, c_hist = plan.history(h0), plan.history(c0)
    h0_t, c0_t = h0.T, c0.T
    gates = np.empty((T, 4 * hidden, batch), dtype)
    tanh_c = np.empty((T, hidden, batch), dtype)
    r_all = None if w_hr is None else np.empty((T, hidden, batch), dtype)
    out_rows = np.empty((T, batch, width), dtype)
    factors = None
    if need_cache:
        factors = (np.empty((T, 4, hidden, batch), dtype), np.empty((T, hidden, batch), dtype))
    recurrent = np.empty((4 * hidden, batch), dtype)
    tmp = np.empty((hidden, batch), dtype)
    steps = plan.steps

    def run_chunk(i0, i1):
        for t, prev, cur, grow in steps[i0:i1]:
            h_prev, c_prev = h_hist[prev], c_hist[prev]
            if grow is not None:
                h_prev[:, grow[0]:grow[1]] = h0_t[:, grow[0]:grow[1]]
                c_prev[:, grow[0]:grow[1]] = c0_t[:, grow[0]:grow[1]]
            g = gates[t]
            np.matmul(w_rec, h_prev, out=recurrent)
            g += recurrent
            np.exp(g, out=g)
            g += 1
            np.divide(numerators, g, out=g)
            cell = g[h2:h3]
            cell -= 1
            c_new = c_hist[cur]
            np.multiply(g[hidden:h2], c_prev, out=c_new)
            np.multiply(g[:hidden], cell, out=tmp)
            c_new += tmp
            tc = tanh_c[t]
            np.tanh(c_new, out=tc)
            if w_hr is None:
                np.multiply(g[h3:], tc, out=h_hist[cur])
            else:
                r = r_all[t]
                np.multiply(g[h3:], tc, out=r)
                np.matmul(w_hr, r, out=h_hist[cur])

    with np.errstate(all="ignore"), single_threaded_blas:
        projections = plan.project(X3, w_ih * scale, bias, gates)
        deferred = _forward_chunks(
            plan, run_chunk, projections, plan.outputs(h_hist), out_rows,
            _lstm_factors if need_cache else None,
            (plan, gates, plan.previous(c_hist), tanh_c, factors))
    h_n, c_n = plan.final_state(h_hist), plan.final_state(c_hist)
    out = plan.rows_of_steps(out_rows)
    _overlap.record(started)
    cache = (gates, h_hist, r_all, factors, deferred, plan) if need_cache else None
    return out, h_n, c_n, cache


def _lstm_factors(plan, gates, c_prev, tanh_c, factors, t0, t1) -> None:
    """Per-column factors of the gate gradients for steps t0:t1, so that the backward loop
    needs one multiply for them: each gate's derivative times what it multiplies in
    c' = f * c + i * g (for o: tanh(c'), as o multiplies dh rather than dc); and
    o * (1 - tanh(c')^2), taking dh to dc.  Zero in dead columns."""
    k_all, dc_all = factors
    hidden = tanh_c.shape[1]
    g = gates[t0:t1].reshape(t1 - t0, 4, hidden, -1)
    i_g, c_g, o_g = g[:, 0], g[:, 2], g[:, 3]
    k, tc = k_all[t0:t1], tanh_c[t0:t1]
    with np.errstate(all="ignore"):
        for j in (0, 1, 3):
            np.subtract(1, g[:, j], out=k[:, j])
            k[:, j] *= g[:, j]
        k[:, 0] *= c_g
        k[:, 1] *= c_prev[t0:t1]
        k[:, 3] *= tc
        np.multiply(c_g, c_g, out=k[:, 2])
        np.subtract(1, k[:, 2], out=k[:, 2])
        k[:, 2] *= i_g
        dc = dc_all[t0:t1]
        np.multiply(tc, tc, out=dc)
        np.subtract(1, dc, out=dc)
        dc *= o_g
    plan.kill_dead(k_all, t0, t1)
    plan.kill_dead(dc_all, t0, t1)


def _lstm_backward(cache, X, weights, order, grad_out, grad_h, grad_c, needs):
    gates, h_hist, r_all, (k, dc_from_h), deferred, plan = cache
    w_ih, w_hh, w_hr = weights[0], weights[1], weights[4]
    T, hidden, batch = dc_from_h.shape
    overlap = len(plan.chunks) > 1 and _overlap.wanted()
    started = _overlap.start(overlap)
    dtype = gates.dtype
    w_hh_t = w_hh.T
    w_hr_t = None if w_hr is None else w_hr.T
    dh, dh_done = _start_columns(plan, grad_h)
    dc, dc_done = _start_columns(plan, grad_c)
    dz = np.empty((T, 4 * hidden, batch), dtype)
    dz4 = dz.reshape(T, 4, hidden, batch)
    dh_all = None if w_hr is None else np.empty((T, dh.shape[0], batch), dtype)
    tmp = np.empty((hidden, batch), dtype)
    dr = dh if w_hr is None else np.empty((hidden, batch), dtype)
    steps, fixes = plan.steps, plan.back_fixes
    X3 = plan.steps_of_rows(X)
    h_prev = plan.previous(h_hist)
    grad_x = np.empty_like(X3) if needs[0] else None
    with np.errstate(all="ignore"), single_threaded_blas:
        if deferred is not None:
            deferred.result()
        g_out, ready = _grad_out_columns(plan, overlap, grad_out, dh.shape[0])

        def run_chunk(n, i0, i1):
            if n == 1 and ready is not None:
                ready.result()
            for i in range(i1 - 1, i0 - 1, -1):
                t = steps[i][0]
                fix = fixes[i]
                if fix is not None:
                    _apply_fix(fix, dh, grad_h, dh_done)
                    _apply_fix(fix, dc, grad_c, dc_done)
                # (In place throughout: dh and dc belong to the enclosing function.)
                if g_out is not None:
                    np.add(dh, g_out[t], out=dh)
                if w_hr is not None:
                    dh_all[t] = dh
                    np.matmul(w_hr_t, dh, out=dr)
                np.multiply(dr, dc_from_h[t], out=tmp)
                np.add(dc, tmp, out=dc)
                block = dz4[t]
                np.multiply(k[t, :3], dc, out=block[:3])
                np.multiply(dr, k[t, 3], out=block[3])
                np.multiply(dc, gates[t, hidden:2 * hidden], out=dc)
                np.matmul(w_hh_t, dz[t], out=dh)

        w_in, w_rec, b, _ = _backward_chunks(
            plan, overlap, run_chunk,
            lambda t0, t1: _gradient_products(plan, dz, dz, X3, h_prev, w_ih, grad_x, needs,
                                              t0, t1))
        w_proj = None
        if needs[7]:
            w_proj = _live_columns(plan, dh_all, 0, T) @ _live_columns(plan, r_all, 0, T).T
    grad_x = None if grad_x is None else plan.rows_of_steps(grad_x)
    grad_h0, grad_c0 = _finish_columns(plan, dh, dh_done), _finish_columns(plan, dc, dc_done)
    _overlap.record(started)
    return [grad_x, grad_h0, grad_c0, w_in, w_rec, b, b, w_proj]


def _gru_forward(X, h0, c0, weights, order, need_cache):
    w_ih, w_hh, b_ih, b_hh, _ = weights
    hidden = w_hh.shape[1]
    h2 = 2 * hidden
    batch = h0.shape[0]
    dtype = X.dtype
    plan = _Plan(order, batch, X.shape[0], 3 * hidden)
    started = _overlap.start(plan.overlap)
    T = plan.T
    # Pre-activations of the sigmoid gates r, z scaled by -1, see above.
    scale = np.ones((3 * hidden, 1), dtype)
    scale[:h2] = -1
    w_rec = w_hh * scale
    bias = b_hn = None
    if b_ih is not None:
        bias = b_ih.copy()
        bias[:h2] += b_hh[:h2]
        bias[:h2] *= -1
        b_hn = b_hh[h2:, None]
    X3 = plan.steps_of_rows(X)
    h_hist = plan.history(h0)
    h0_t = h0.T
    gates = np.empty((T, 3 * hidden, batch), dtype)
    hid_n = np.empty((T, hidden, batch), dtype)
    out_rows = np.empty((T, batch, hidden), dtype)
    factors = None
    if need_cache:
        factors = (np.empty((T, 3, hidden, batch), dtype), np.empty((T, hidden, batch), dtype))
    recurrent = np.empty((3 * hidden, batch), dtype)
    tmp = np.empty((hidden, batch), dtype)
    steps = plan.steps

    def run_chunk(i0, i1):
        for t, prev, cur, grow in steps[i0:i1]:
            h_prev = h_hist[prev]
            if grow is not None:
                h_prev[:, grow[0]:grow[1]] = h0_t[:, grow[0]:grow[1]]
            g = gates[t]
            np.matmul(w_rec, h_prev, out=recurrent)
            rz = g[:h2]
            rz += recurrent[:h2]
            np.exp(rz, out=rz)
            rz += 1
            np.divide(1, rz, out=rz)
            hn = hid_n[t]
            if b_hn is None:
                hn[...] = recurrent[h2:]
            else:
                np.add(recurrent[h2:], b_hn, out=hn)
            n_g = g[h2:]
            np.multiply(hn, rz[:hidden], out=tmp)
            n_g += tmp
            np.tanh(n_g, out=n_g)
            np.subtract(h_prev, n_g, out=tmp)
            np.multiply(tmp, rz[hidden:], out=tmp)
            np.add(tmp, n_g, out=h_hist[cur])

    with np.errstate(all="ignore"), single_threaded_blas:
        projections = plan.project(X3, w_ih * scale, bias, gates)
        deferred = _forward_chunks(
            plan, run_chunk, projections, plan.outputs(h_hist), out_rows,
            _gru_factors if need_cache else None,
            (plan, gates, hid_n, plan.previous(h_hist), factors))
    h_n = plan.final_state(h_hist)
    out = plan.rows_of_steps(out_rows)
    _overlap.record(started)
    cache = (gates, h_hist, factors, deferred, plan) if need_cache else None
    return out, h_n, None, cache


def _gru_factors(plan, gates, hid_n, h_prev, factors, t0, t1) -> None:
    """Per-column factors for steps t0:t1 taking dh' to the gradients of the recurrent
    products' r, z, n blocks (``k``) and of the input product's n block (``k_n``).  Zero in
    dead columns."""
    k_all, k_n_all = factors
    hidden = hid_n.shape[1]
    g = gates[t0:t1].reshape(t1 - t0, 3, hidden, -1)
    r_g, z_g, n_g = g[:, 0], g[:, 1], g[:, 2]
    k, k_n = k_all[t0:t1], k_n_all[t0:t1]
    with np.errstate(all="ignore"):
        np.multiply(n_g, n_g, out=k_n)
        np.subtract(1, k_n, out=k_n)
        k_n *= 1 - z_g
        np.multiply(hid_n[t0:t1], k_n, out=k[:, 0])
        k[:, 0] *= r_g
        k[:, 0] *= 1 - r_g
        np.subtract(h_prev[t0:t1], n_g, out=k[:, 1])
        k[:, 1] *= z_g
        k[:, 1] *= 1 - z_g
        np.multiply(k_n, r_g, out=k[:, 2])
    plan.kill_dead(k_all, t0, t1)
    plan.kill_dead(k_n_all, t0, t1)


def _gru_backward(cache, X, weights, order, grad_out, grad_h, grad_c, needs):
    gates, h_hist, (k, k_n), deferred, plan = cache
    w_ih, w_hh = weights[0], weights[1]
    T, hidden, batch = k_n.shape
    overlap = len(plan.chunks) > 1 and _overlap.wanted()
    started = _overlap.start(overlap)
    h2 = 2 * hidden
    dtype = gates.dtype
    w_hh_t = w_hh.T
    dh, dh_done = _start_columns(plan, grad_h)
    dh_all = np.empty((T, hidden, batch), dtype)
    dh_gates = np.empty((T, 3 * hidden, batch), dtype)
    dh_gates4 = dh_gates.reshape(T, 3, hidden, batch)
    dx_gates = np.empty((T, 3 * hidden, batch), dtype)
    tmp = np.empty((hidden, batch), dtype)
    steps, fixes = plan.steps, plan.back_fixes
    X3 = plan.steps_of_rows(X)
    h_prev = plan.previous(h_hist)
    grad_x = np.empty_like(X3) if needs[0] else None
    with np.errstate(all="ignore"), single_threaded_blas:
        if deferred is not None:
            deferred.result()
        g_out, ready = _grad_out_columns(plan, overlap, grad_out, hidden)

        def run_chunk(n, i0, i1):
            if n == 1 and ready is not None:
                ready.result()
            for i in range(i1 - 1, i0 - 1, -1):
                t = steps[i][0]
                if fixes[i] is not None:
                    _apply_fix(fixes[i], dh, grad_h, dh_done)
                if g_out is not None:
                    np.add(dh, g_out[t], out=dh)
                dh_all[t] = dh
                np.multiply(k[t], dh, out=dh_gates4[t])
                np.matmul(w_hh_t, dh_gates[t], out=tmp)
                np.multiply(dh, gates[t, hidden:h2], out=dh)
                np.add(dh, tmp, out=dh)

        def input_gates(t0, t1):
            # The input products share the r, z gradients; their n block is dh' * k_n.
            dx_gates[t0:t1, :h2] = dh_gates[t0:t1, :h2]
            np.multiply(dh_all[t0:t1], k_n[t0:t1], out=dx_gates[t0:t1, h2:])

        w_in, w_rec, b_in, b_rec = _backward_chunks(
            plan, overlap, run_chunk,
            lambda t0, t1: _gradient_products(plan, dx_gates, dh_gates, X3, h_prev, w_ih,
                                              grad_x, needs, t0, t1, input_gates))
    grad_x = None if grad_x is None else plan.rows_of_steps(grad_x)
    grad_h0 = _finish_columns(plan, dh, dh_done)
    _overlap.record(started)
    return [grad_x, grad_h0, None, w_in, w_rec, b_in, b_rec, None]


def _elman_forward(relu: bool):
    def forward(X, h0, c0, weights, order, need_cache):
        w_ih, w_hh, b_ih, b_hh, _ = weights
        batch, hidden = h0.shape
        plan = _Plan(order, batch, X.shape[0], hidden)
        started = _overlap.start(plan.overlap)
        X3 = plan.steps_of_rows(X)
        h_hist = plan.history(h0)
        h0_t = h0.T
        outputs = plan.outputs(h_hist)
        out_rows = np.empty((plan.T, batch, hidden), X.dtype)
        recurrent = np.empty((hidden, batch), X.dtype)
        bias = None if b_ih is None else b_ih + b_hh
        steps = plan.steps

        def run_chunk(i0, i1):
            for _, prev, cur, grow in steps[i0:i1]:
                h_prev = h_hist[prev]
                if grow is not None:
                    h_prev[:, grow[0]:grow[1]] = h0_t[:, grow[0]:grow[1]]
                np.matmul(w_hh, h_prev, out=recurrent)
                g = h_hist[cur]
                g += recurrent
                if relu:
                    np.maximum(g, 0, out=g)
                else:
                    np.tanh(g, out=g)

        with np.errstate(all="ignore"), single_threaded_blas:
            projections = plan.project(X3, w_ih, bias, outputs)
            _forward_chunks(plan, run_chunk, projections, outputs, out_rows, None, ())
        h_n = plan.final_state(h_hist)
        out = plan.rows_of_steps(out_rows)
        _overlap.record(started)
        return out, h_n, None, ((h_hist, plan, relu) if need_cache else None)
    return forward


def _elman_backward(cache, X, weights, order, grad_out, grad_h, grad_c, needs):
    h_hist, plan, relu = cache
    w_ih, w_hh = weights[0], weights[1]
    overlap = len(plan.chunks) > 1 and _overlap.wanted()
    started = _overlap.start(overlap)
    w_hh_t = w_hh.T
    outputs = plan.outputs(h_hist)
    dh, dh_done = _start_columns(plan, grad_h)
    dz = np.empty_like(outputs)
    steps, fixes = plan.steps, plan.back_fixes
    X3 = plan.steps_of_rows(X)
    h_prev = plan.previous(h_hist)
    grad_x = np.empty_like(X3) if needs[0] else None
    with np.errstate(all="ignore"), single_threaded_blas:
        if relu:
            slope = (outputs > 0).astype(outputs.dtype)
        else:
            slope = np.multiply(outputs, outputs)
            np.subtract(1, slope, out=slope)
        plan.kill_dead(slope, 0, plan.T)
        g_out, ready = _grad_out_columns(plan, overlap, grad_out, dh.shape[0])

        def run_chunk(n, i0, i1):
            if n == 1 and ready is not None:
                ready.result()
            for i in range(i1 - 1, i0 - 1, -1):
                t = steps[i][0]
                if fixes[i] is not None:
                    _apply_fix(fixes[i], dh, grad_h, dh_done)
                if g_out is not None:
                    np.add(dh, g_out[t], out=dh)
                np.multiply(dh, slope[t], out=dz[t])
                np.matmul(w_hh_t, dz[t], out=dh)

        w_in, w_rec, b, _ = _backward_chunks(
            plan, overlap, run_chunk,
            lambda t0, t1: _gradient_products(plan, dz, dz, X3, h_prev, w_ih, grad_x, needs,
                                              t0, t1))
    grad_x = None if grad_x is None else plan.rows_of_steps(grad_x)
    grad_h0 = _finish_columns(plan, dh, dh_done)
    _overlap.record(started)
    return [grad_x, grad_h0, None, w_in, w_rec, b, b, None]


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
