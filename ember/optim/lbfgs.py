"""L-BFGS: limited-memory quasi-Newton steps, optionally with a strong-Wolfe line search
(``torch.optim.LBFGS``).

Unlike the first-order optimizers, L-BFGS works on one flat vector of all parameters, calls the
closure several times per ``step`` and keeps its history as tensors in the state of the first
parameter (as PyTorch does, so checkpoints have the same layout).  It is written with ember's
tensor ops: its cost is dominated by the closure, not by the vector arithmetic.
"""
from __future__ import annotations

import math

import numpy as np

from .. import ops as _ops
from ..ops.creation import _fma_to_odd
from ..ops.creation import fma as _fma
from .._tensor import Tensor
from ..autograd.grad_mode import enable_grad, no_grad
from .optimizer import Optimizer, _bump, _check_lr_tensor, _to_scalar

__all__ = ["LBFGS", "lbfgs_direction"]


def _number(x):
    """A 0-dim tensor as a Python number (PyTorch turns a tensor ``alpha`` into a Scalar)."""
    return x.item() if isinstance(x, Tensor) else x


_SPLITTER = 134217729.0  # 2**27 + 1: splits a float64 into two halves of 26 bits
_FEW = 16


def _fused_multiply_add(alpha: float, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``alpha * x + y`` rounded once, as PyTorch's CPU ``add(alpha=)`` computes it with FMA.

    L-BFGS's line search branches on comparisons, so a one-ulp difference in an update can
    change its path.  NumPy has no FMA: arrays use the core's exact ``fma`` (float32 through
    its round-to-odd double form); a few float64 elements, the usual size of a toy problem,
    are summed exactly by ``math.fsum``, which is much cheaper per call.
    """
    if y.dtype == np.float32:
        return _fma_to_odd(np.float32(alpha), x, y).astype(np.float32)
    if x.size > _FEW:
        return _fma(float(alpha), x, y)
    alpha = float(alpha)
    big = _SPLITTER * alpha
    a_hi = big - (big - alpha)
    a_lo = alpha - a_hi
    out = np.empty(y.shape, np.float64)
    flat = out.reshape(-1)
    for index, (xv, yv) in enumerate(zip(x.reshape(-1).tolist(), y.reshape(-1).tolist())):
        # Dekker's exact product alpha * xv = product + error, then one correctly rounded sum.
        product = alpha * xv
        big = _SPLITTER * xv
        x_hi = big - (big - xv)
        x_lo = xv - x_hi
        error = ((a_hi * x_hi - product) + a_hi * x_lo + a_lo * x_hi) + a_lo * x_lo
        try:
            if not math.isfinite(product):
                raise OverflowError
            flat[index] = math.fsum((product, error, yv))
        except (OverflowError, ValueError):  # inf, nan or overflow: IEEE's answer
            flat[index] = product + yv
    return out


def _axpy_(y: Tensor, x: Tensor, alpha) -> None:
    """``y.add_(x, alpha=alpha)`` with PyTorch's single rounding where the data allows."""
    alpha = _number(alpha)
    target, source = y._data, x._data
    if (type(target) is np.ndarray and type(source) is np.ndarray
            and target.dtype in (np.float32, np.float64) and source.dtype == target.dtype):
        target[...] = _fused_multiply_add(alpha, source, target)
        _bump([y])
    else:
        y.add_(x, alpha=alpha)


def _cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds=None):
    """The minimizer of the cubic through (x1, f1) and (x2, f2) with slopes g1, g2, clamped to
    ``bounds`` (default: the interval between x1 and x2); the midpoint when the cubic has no
    real minimizer."""
    if bounds is not None:
        low, high = bounds
    else:
        low, high = (x1, x2) if x1 <= x2 else (x2, x1)
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 ** 2 - g1 * g2
    if d2_square >= 0:
        d2 = d2_square.sqrt()
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return min(max(min_pos, low), high)
    return (low + high) / 2.0


def _strong_wolfe(obj_func, x, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9,
                  max_ls=25):
    """Find a step ``t`` along ``d`` meeting the strong Wolfe conditions (sufficient decrease
    with constant c1, curvature with c2): first bracket an acceptable step by extrapolating
    with cubic interpolation, then shrink the bracket ("zoom").

    ``obj_func(x, t, d)`` returns (loss, flat gradient) at ``x + t d``.  Returns
    (loss, gradient, t, number of evaluations).
    """
    d_norm = d.abs().max()
    g = g.clone()
    f_new, g_new = obj_func(x, t, d)
    evaluations = 1
    gtd_new = g_new.dot(d)
    t_prev, f_prev, g_prev, gtd_prev = 0, f, g, gtd
    done = False
    iteration = 0
    # Phase 1: grow the step until an interval that must contain a good step is bracketed.
    while iteration < max_ls:
        if f_new > (f + c1 * t * gtd) or (iteration > 1 and f_new >= f_prev):
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.clone()], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.clone()], [gtd_prev, gtd_new]
            break
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10
        previous_t = t
        t = _cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new,
                               bounds=(min_step, max_step))
        t_prev, f_prev, g_prev, gtd_prev = previous_t, f_new, g_new.clone(), gtd_new
        f_new, g_new = obj_func(x, t, d)
        evaluations += 1
        gtd_new = g_new.dot(d)
        iteration += 1
    if iteration == max_ls:
        bracket, bracket_f, bracket_g = [0, t], [f, f_new], [g, g_new]
    # Phase 2: zoom into the bracket until the conditions hold or it becomes too small.
    insufficient_progress = False
    low, high = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and iteration < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0],
                               bracket[1], bracket_f[1], bracket_gtd[1])
        # Keep t away from the bracket ends, or the zoom can stall.
        top, bottom = max(bracket), min(bracket)
        margin = 0.1 * (top - bottom)
        if min(top - t, t - bottom) < margin:
            if insufficient_progress or t >= top or t <= bottom:
                t = top - margin if abs(t - top) < abs(t - bottom) else bottom + margin
                insufficient_progress = False
            else:
                insufficient_progress = True
        else:
            insufficient_progress = False
        f_new, g_new = obj_func(x, t, d)
        evaluations += 1
        gtd_new = g_new.dot(d)
        iteration += 1
        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low]:
            bracket[high], bracket_f[high] = t, f_new
            bracket_g[high], bracket_gtd[high] = g_new.clone(), gtd_new
            low, high = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high] - bracket[low]) >= 0:
                bracket[high], bracket_f[high] = bracket[low], bracket_f[low]
                bracket_g[high], bracket_gtd[high] = bracket_g[low], bracket_gtd[low]
            bracket[low], bracket_f[low] = t, f_new
            bracket_g[low], bracket_gtd[low] = g_new.clone(), gtd_new
    return bracket_f[low], bracket_g[low], bracket[low], evaluations


def lbfgs_direction(flat_grad: Tensor, old_dirs: list, old_stps: list, ro: list, H_diag,
                    al: list) -> Tensor:
    """The L-BFGS search direction ``-H g`` by the two-loop recursion.

    With curvature pairs (s_i = old_stps[i], y_i = old_dirs[i], rho_i = 1 / (y_i . s_i)),
    newest last, and initial inverse Hessian ``H_diag * I``::

        q <- -g
        for i from newest to oldest:  a_i <- rho_i (s_i . q);  q <- q - a_i y_i
        r <- H_diag q
        for i from oldest to newest:  b <- rho_i (y_i . r);    r <- r + (a_i - b) s_i
        return r

    ``al`` is scratch storage for the a_i (kept in the optimizer state, as in PyTorch).
    """
    if not all(type(t._data) is np.ndarray for t in [flat_grad, *old_dirs, *old_stps]):
        return _direction_with_tensor_ops(flat_grad, old_dirs, old_stps, ro, H_diag, al)
    # The same arithmetic on the arrays: the vectors are often tiny, so per-op overhead counts.
    # Scalars are NumPy scalars of the vectors' dtype, rounding as PyTorch's 0-dim tensors do.
    count = len(old_dirs)
    rhos = [_scalar(r) for r in ro]
    q = np.negative(flat_grad._data)
    for i in range(count - 1, -1, -1):
        a_i = np.dot(old_stps[i]._data, q) * rhos[i]
        al[i] = Tensor._make(np.asarray(a_i))
        q = _fused_multiply_add(-float(a_i), old_dirs[i]._data, q)
    r = np.multiply(q, _scalar(H_diag))
    for i in range(count):
        be_i = np.dot(old_dirs[i]._data, r) * rhos[i]
        r = _fused_multiply_add(float(al[i]._data - be_i), old_stps[i]._data, r)
    return Tensor._make(r)


def _scalar(x):
    return x._data.reshape(())[()] if isinstance(x, Tensor) else x


def _direction_with_tensor_ops(flat_grad, old_dirs, old_stps, ro, H_diag, al) -> Tensor:
    count = len(old_dirs)
    q = flat_grad.neg()
    for i in range(count - 1, -1, -1):
        al[i] = old_stps[i].dot(q) * ro[i]
        q.add_(old_dirs[i], alpha=-_number(al[i]))
    r = _ops.mul(q, H_diag)
    for i in range(count):
        be_i = old_dirs[i].dot(r) * ro[i]
        r.add_(old_stps[i], alpha=_number(al[i] - be_i))
    return r


class LBFGS(Optimizer):
    """Limited-memory BFGS (one parameter group; ``step`` needs a closure)."""

    def __init__(self, params, lr: float | Tensor = 1, max_iter: int = 20,
                 max_eval: int | None = None, tolerance_grad: float = 1e-7,
                 tolerance_change: float = 1e-9, history_size: int = 100,
                 line_search_fn: str | None = None) -> None:
        _check_lr_tensor(lr)
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = {"lr": lr, "max_iter": max_iter, "max_eval": max_eval,
                    "tolerance_grad": tolerance_grad, "tolerance_change": tolerance_change,
                    "history_size": history_size, "line_search_fn": line_search_fn}
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]
        self._numel_cache = None

    def _numel(self) -> int:
        if self._numel_cache is None:
            self._numel_cache = sum(2 * p.numel() if p.is_complex() else p.numel()
                                    for p in self._params)
        return self._numel_cache

    def _gather_flat_grad(self) -> Tensor:
        pieces = []
        for p in self._params:
            grad = p._grad
            if grad is None:
                piece = _ops.zeros(p.numel(), dtype=p.dtype)
            else:
                piece = grad.reshape(-1)
            if piece.is_complex():
                piece = _ops.view_as_real(piece).reshape(-1)
            pieces.append(piece)
        return _ops.cat(pieces, 0)

    def _add_grad(self, step_size, update: Tensor) -> None:
        alpha = _number(step_size)
        offset = 0
        for p in self._params:
            view = _ops.view_as_real(p) if p.is_complex() else p
            count = view.numel()
            _axpy_(view, update[offset:offset + count].view_as(view), alpha)
            offset += count
        if offset != self._numel():
            raise AssertionError(f"Expected offset {offset} to equal {self._numel()}")

    def _clone_param(self) -> list[Tensor]:
        return [p.clone() for p in self._params]

    def _set_param(self, params_data) -> None:
        for p, data in zip(self._params, params_data):
            p.copy_(data)

    def _directional_evaluate(self, closure, x, t, d):
        self._add_grad(t, d)
        loss = float(closure())
        flat_grad = self._gather_flat_grad()
        self._set_param(x)
        return loss, flat_grad

    def step(self, closure):
        """Run up to ``max_iter`` L-BFGS iterations; ``closure`` must recompute the loss with
        gradients and return it.  Returns the loss from the first evaluation."""
        with no_grad():
            return self._step(closure)

    def _step(self, closure):
        if len(self.param_groups) != 1:
            raise AssertionError(f"Expected exactly one param_group, but got "
                                 f"{len(self.param_groups)}")
        closure = enable_grad()(closure)
        group = self.param_groups[0]
        lr = _to_scalar(group["lr"])
        max_iter = group["max_iter"]
        max_eval = group["max_eval"]
        tolerance_grad = group["tolerance_grad"]
        tolerance_change = group["tolerance_change"]
        line_search_fn = group["line_search_fn"]
        history_size = group["history_size"]

        # The whole optimizer state lives in the state of the first parameter.
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        orig_loss = closure()
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._gather_flat_grad()
        if flat_grad.abs().max() <= tolerance_grad:
            return orig_loss

        d = state.get("d")
        t = state.get("t")
        old_dirs = state.get("old_dirs")
        old_stps = state.get("old_stps")
        ro = state.get("ro")
        H_diag = state.get("H_diag")
        prev_flat_grad = state.get("prev_flat_grad")
        prev_loss = state.get("prev_loss")

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = flat_grad.neg()
                old_dirs, old_stps, ro = [], [], []
                H_diag = 1
            else:
                # Record the newest curvature pair when it keeps the Hessian estimate positive.
                y = flat_grad.sub(prev_flat_grad)
                s = d.mul(t)
                ys = y.dot(s)
                if ys > 1e-10:
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    H_diag = ys / y.dot(y)
                if "al" not in state:
                    state["al"] = [None] * history_size
                d = lbfgs_direction(flat_grad, old_dirs, old_stps, ro, H_diag, state["al"])

            if prev_flat_grad is None:
                prev_flat_grad = flat_grad.clone()
            else:
                prev_flat_grad.copy_(flat_grad)
            prev_loss = loss

            # The first step is scaled down so it moves at most lr in total.
            if state["n_iter"] == 1:
                t = min(1.0, 1.0 / flat_grad.abs().sum()) * lr
            else:
                t = lr
            gtd = flat_grad.dot(d)
            if gtd > -tolerance_change:
                break  # not a descent direction

            ls_func_evals = 0
            if line_search_fn is not None:
                if line_search_fn != "strong_wolfe":
                    raise RuntimeError("only 'strong_wolfe' is supported")
                x_init = self._clone_param()

                def obj_func(x, step, direction):
                    return self._directional_evaluate(closure, x, step, direction)

                loss, flat_grad, t, ls_func_evals = _strong_wolfe(
                    obj_func, x_init, t, d, loss, flat_grad, gtd,
                    max_ls=max_eval - current_evals)
                self._add_grad(t, d)
                opt_cond = flat_grad.abs().max() <= tolerance_grad
            else:
                self._add_grad(t, d)
                opt_cond = False
                if n_iter != max_iter:
                    # Re-evaluate only when another iteration may follow.
                    loss = float(closure())
                    flat_grad = self._gather_flat_grad()
                    opt_cond = flat_grad.abs().max() <= tolerance_grad
                    ls_func_evals = 1
            current_evals += ls_func_evals
            state["func_evals"] += ls_func_evals

            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if d.mul(t).abs().max() <= tolerance_change:
                break
            if abs(loss - prev_loss) < tolerance_change:
                break

        state["d"] = d
        state["t"] = t
        state["old_dirs"] = old_dirs
        state["old_stps"] = old_stps
        state["ro"] = ro
        state["H_diag"] = H_diag
        state["prev_flat_grad"] = prev_flat_grad
        state["prev_loss"] = prev_loss
        return orig_loss
