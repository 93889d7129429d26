"""PyTorch's CPU Poisson sampler, reproduced draw for draw.

What is reproduced
------------------
``torch.poisson`` on the CPU (``_s_poisson_cpu`` in ATen's Distributions.cpp) visits the rates
serially (``cpu_serial_kernel``), in row-major order of the input's logical shape (its output is
a fresh contiguous tensor, whose strides set the order), and calls ``sample_poisson(lambda,
generator)`` on each rate converted to double.  Every uniform draw there is
``at::uniform_real_distribution<double>(0, 1)``: one 64-bit draw (two mt19937 words, the first
as the high half) masked to 53 bits and scaled by 2**-53 -- ``Generator.uniform53``.

- ``lambda == 0`` gives 0 and draws nothing.
- ``0 < lambda < 10``: multiplication of uniforms.  ``prod`` starts at 1.0 and is multiplied by
  one draw at a time; the sample is the number of draws made while ``prod > exp(-lambda)``
  stayed true, so a sample ``k`` consumes ``k + 1`` draws.
- ``lambda >= 10``: Hormann's transformed rejection (PTRS), with b, a, invalpha, vr from
  sqrt(lambda).  Each attempt takes two draws ``U = u1 - 0.5`` and ``V = u2``, with
  ``us = 0.5 - |U|`` and ``k = (int64) floor((2 a / us + b) U + lambda + 0.43)``; it accepts
  at once when ``us >= 0.07 and V <= vr``, rejects when ``k < 0 or (us < 0.013 and V > us)``,
  and otherwise accepts when ``log V + log(invalpha) - log(a / us^2 + b) <= -lambda
  + k log(lambda) - lgamma(k + 1)``.  The sample is the accepted attempt's k.
- A negative or NaN rate raises -- when the loop reaches it, so the draws of the elements
  before it are spent.

Two details of the compiled code matter for huge rates (about 2**63 and up): the int64
conversion of an out-of-range or NaN value gives INT64_MIN (x86-64's ``cvttsd2si``), which is
the sample returned; but the compiler folds the conversion away where k is used as a double,
so ``k < 0`` and the test see the double ``floor(...)`` itself -- an out-of-range k is tested,
not rejected.  Both are reproduced (an infinite rate therefore samples -2**63).

Every comparison is made on the same doubles: IEEE double arithmetic in PyTorch's operation
order (no fused multiply-add); ``exp``/``log`` from the C library (``math.exp``/``math.log``
call it); ``lgamma`` from the C library too, through ctypes -- Python's ``math.lgamma`` is its own
code and differs in the last bits.  The fast paths compute the test with NumPy's ``log``,
Python's ``lgamma`` or Stirling's series, all within a few units in the last place of the C
library's, and re-decide with the C library's functions every test that lands within a
relative 1e-12 of a tie.

How it is computed
------------------
Each element consumes a data-dependent number of draws, so where element i starts depends on
every element before it.  For varying rates that chain is inherently sequential: an element's
consumption depends on both its start and its rate, so no table over positions alone can
describe it; chains started from different positions merge only after a heavy-tailed number of
elements (critical branching for the product loop, a random walk for PTRS), and any guess of
a start is off by about sqrt(i) draws at element i -- so no fixed number of vectorized passes
places the elements.  The work is split instead:

1. Draws come from a ``_Stream``: uniforms drawn ahead in a few large chunks, keeping the
   generator state before each chunk.  Once the elements are placed, the generator is reset to
   the chunk holding the last used draw and advanced by exactly the draws used there, so it is
   left where PyTorch leaves it however far ahead we drew.  Long inputs are sampled in chunks
   of ``_CHUNK`` elements, each with its own stream, to bound memory.
2. For one rate the end of an element depends only on its start, so a table of ends for every
   draw of a window is computed vectorized -- for a small rate from the log-sums of the draws
   (a monotone merge done by ``np.interp``), for a large rate from the acceptance of an attempt
   at every draw -- and the elements follow it with a chain of lookups that the interpreter
   runs in C (``_follow_tables``).  Inputs with at most ``_FEW_RATES`` distinct rates follow one
   table per rate this way; long runs of one rate in other inputs too.
3. A run of one rate >= 10 needs no table: its attempts sit at fixed positions (every attempt
   takes two draws), and the j-th element ends after the j-th accepted one (``_large_run``).
4. Everything else is walked once in a tight scalar loop that only decides where each element
   ends (``_walk_small``, ``_walk_mixed``): one binary search in the log-sums for a small rate;
   for a large rate a precomputed per-draw fast-accept table, and the full test only for the
   attempts that need it.
5. Log-sums only approximate the products, so every small-rate end that lies within a rounding
   band of its threshold is recomputed with PyTorch's exact product loop
   (``_first_wrong_small``); if one differs (never seen in practice), placement resumes from it.
6. The samples follow from the placements, vectorized: ``end - start - 1`` for small rates, and
   the k of the accepted attempt (the two draws before the element's end) for large ones.
"""
from __future__ import annotations

import bisect
import ctypes
import math
import operator
from array import array
from itertools import islice

import numpy as np

INT64_MIN = -(1 << 63)
_TWO_63 = 9.223372036854775808e18   # 2**63 as a double
_RUN_MIN = 64                       # rates >= 10 repeated this often are placed vectorized
_SMALL_RUN_MIN = 256                # rates < 10 repeated this often follow a table
_FEW_RATES = 3                      # inputs with this few distinct rates all follow tables
_TIE = 1e-12                        # relative band around a PTRS test decided exactly
_SPAN = 64                          # draws a small rate's element is first searched within
_SMALL_BAND = 1e-9                  # log-sum distance from the threshold re-decided exactly
_TWO_PI_HALF_LOG = 0.5 * math.log(2.0 * math.pi)


def _c_lgamma():
    """The C library's ``lgamma`` (the one PyTorch's ``std::lgamma`` calls)."""
    for name in (None, "libm.so.6", "libm.dylib", "ucrtbase"):
        try:
            function = ctypes.CDLL(name).lgamma
        except (OSError, AttributeError, TypeError):
            continue
        function.restype = ctypes.c_double
        function.argtypes = [ctypes.c_double]
        return function
    return math.lgamma  # no C library reachable: Python's lgamma, exact in all but near-ties


_LGAMMA = _c_lgamma()
_LGAMMA_TABLE = np.array([_LGAMMA(x + 1.0) for x in range(256)])


# ------------------------------------------------------------------------------------------
# The uniform stream
# ------------------------------------------------------------------------------------------

class _Stream:
    """Uniform doubles drawn ahead from a generator, in chunks, with a way back to the exact
    state after any number of them.  Scalar views for the walk are built on demand."""

    def __init__(self, generator) -> None:
        self._generator = generator
        self._marks: list[tuple[int, object]] = []   # (first draw index, state before it)
        self.values = np.empty(0)                    # every draw so far (float64)
        self._views: dict[str, array] = {}

    def __len__(self) -> int:
        return self.values.size

    def draw(self, count: int) -> None:
        """Append ``count`` more draws."""
        self._marks.append((self.values.size, self._generator.get_state()))
        self.values = np.concatenate((self.values, self._generator.uniform53(count)))
        self._views.clear()

    def ensure(self, count: int, extra: int) -> None:
        """Make at least ``count`` draws available (drawing ``extra`` more beyond them)."""
        if count > self.values.size:
            self.draw(count - self.values.size + extra)

    def view(self, name: str) -> array:
        """A scalar-indexable table over the draws (``array('d')``, fast to index from Python):

        - ``"u"``: the draws themselves;
        - ``"logsum"``: G[p] = sum of -log u over the first p draws (G[0] = 0), so an element
          starting at s multiplies its product below exp(-lam) about where G passes G[s] + lam
          (followed by infinities: an element running past the draws ends past them);
        - ``"fast"``: per position p, the V of an attempt there if its us >= 0.07, else 2.0, so
          the attempt is accepted without the full test exactly when ``fast[p] <= vr``;
        - ``"logv"``: per position p, log of the attempt's V (NumPy's log: see ``_walk_mixed``).
        """
        table = self._views.get(name)
        if table is None:
            u = self.values
            if name == "u":
                data = u
            elif name == "logv":
                with np.errstate(divide="ignore"):
                    data = np.log(u[1:])
            elif name == "logsum":
                with np.errstate(divide="ignore"):
                    # a zero draw ends any product at once; keep the sums finite anyway
                    steps = np.minimum(-np.log(u), 1e3)
                # + _SPAN infinities, so a search window never leaves the table
                data = np.concatenate(([0.0], np.cumsum(steps), np.full(_SPAN, np.inf)))
            else:
                us = 0.5 - np.abs(u[:-1] - 0.5)
                data = np.where(us >= 0.07, u[1:], 2.0)
            table = self._views[name] = array("d", data.tobytes())
        return table

    def settle(self, used: int) -> None:
        """Leave the generator exactly ``used`` draws past where the stream began."""
        offsets = [offset for offset, _ in self._marks]
        offset, state = self._marks[bisect.bisect_right(offsets, used) - 1]
        self._generator.set_state(state)
        if used > offset:
            self._generator.random64(used - offset)


# ------------------------------------------------------------------------------------------
# PTRS pieces shared by the scalar and the vectorized paths
# ------------------------------------------------------------------------------------------

def _ptrs_constants(lam):
    """b, a, invalpha and vr of PTRS (arrays or floats), in PyTorch's operation order."""
    slam = np.sqrt(lam)
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    invalpha = 1.1239 + 1.1328 / (b - 3.4)
    vr = 0.9277 - 3.6224 / (b - 2)
    return b, a, invalpha, vr


def _test_exact(U: float, V: float, us: float, k: float, lam: float, a: float, b: float,
                invalpha: float) -> bool:
    """The final PTRS test with the C library's log and lgamma."""
    lhs = (math.log(V) if V > 0.0 else -math.inf) + math.log(invalpha) - math.log(
        a / (us * us) + b)
    return lhs <= -lam + k * math.log(lam) - _LGAMMA(k + 1.0)


def _lgamma_of_integers(x: np.ndarray) -> np.ndarray:
    """lgamma at integer-valued x >= 1: the C library's values below 257, Stirling's series
    above (an estimate within a few units in the last place; ties are re-decided exactly)."""
    small = x < 257.0
    result = np.empty_like(x)
    result[small] = _LGAMMA_TABLE[x[small].astype(np.int64) - 1]
    big = x[~small]
    inverse = 1.0 / big
    inverse2 = inverse * inverse
    result[~small] = ((big - 0.5) * np.log(big) - big + _TWO_PI_HALF_LOG
                      + inverse * (1.0 / 12.0 - inverse2 * (1.0 / 360.0 - inverse2 / 1260.0)))
    return result


def _attempt_floor(U: np.ndarray, us: np.ndarray, lam, a, b) -> np.ndarray:
    """``floor((2 a / us + b) U + lam + 0.43)`` in double precision."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return np.floor((2 * a / us + b) * U + lam + 0.43)


def _to_int64(k: np.ndarray) -> np.ndarray:
    """x86-64's double -> int64 conversion: INT64_MIN for NaN and out-of-range values."""
    inside = (k >= -_TWO_63) & (k < _TWO_63)
    return np.where(inside, np.where(inside, k, 0.0).astype(np.int64), INT64_MIN)


def _accepts(U: np.ndarray, V: np.ndarray, lam, b, a, invalpha, vr) -> np.ndarray:
    """Whether each PTRS attempt (U, V) accepts, for rates ``lam`` (scalars or arrays shaped
    like U)."""
    lam, b, a, invalpha, vr = (np.broadcast_to(np.asarray(x, dtype=np.float64), U.shape)
                               for x in (lam, b, a, invalpha, vr))
    us = 0.5 - np.abs(U)
    accept = (us >= 0.07) & (V <= vr)
    # PyTorch's compiled code tests ``k < 0`` and forms ``k * loglam`` and ``lgamma(k + 1)``
    # from the double floor() itself (the int64 round trip is folded away), so a huge rate's
    # out-of-range k is tested, not rejected; a NaN or infinite k always fails the test.
    k = _attempt_floor(U, us, lam, a, b)
    where = np.flatnonzero(~accept & (k >= 0) & (k < np.inf) & ~((us < 0.013) & (V > us)))
    if where.size:
        U, V, us, k = U[where], V[where], us[where], k[where]
        lam, b, a, invalpha = lam[where], b[where], a[where], invalpha[where]
        with np.errstate(all="ignore"):   # huge rates overflow to inf/NaN as in PyTorch
            lhs = np.log(V) + np.log(invalpha) - np.log(a / (us * us) + b)
            k_log = k * np.log(lam)
            lg = _lgamma_of_integers(k + 1.0)
            rhs = -lam + k_log - lg
            passed = lhs <= rhs
            near = ~(np.abs(lhs - rhs) > _TIE * (np.abs(lg) + np.abs(k_log) + lam + 8.0))
        for j in np.flatnonzero(near).tolist():   # ties within 1e-12 (or NaN): rare
            passed[j] = _test_exact(float(U[j]), float(V[j]), float(us[j]), float(k[j]),
                                    float(lam[j]), float(a[j]), float(b[j]), float(invalpha[j]))
        accept[where[passed]] = True
    return accept


# ------------------------------------------------------------------------------------------
# Placing the elements
# ------------------------------------------------------------------------------------------

def _large_run(stream: _Stream, lam: float, count: int, start: int, ends: np.ndarray,
               first: int) -> int:
    """Place ``count`` consecutive elements of one rate >= 10 starting at draw ``start``: the
    j-th of them ends after the j-th accepted attempt.  Returns the position after the run."""
    b, a, invalpha, vr = (float(c) for c in _ptrs_constants(np.float64(lam)))
    accepted = []
    found = 0
    attempt = 0
    while found < count:
        batch = int((count - found) * 1.25) + 64
        stream.ensure(start + 2 * (attempt + batch) + 1, 2 * batch)
        positions = start + 2 * np.arange(attempt, attempt + batch)
        u = stream.values
        hits = _accepts(u[positions] - 0.5, u[positions + 1], lam, b, a, invalpha, vr)
        accepted.append(positions[hits])
        found += int(hits.sum())
        attempt += batch
    ends[first:first + count] = np.concatenate(accepted)[:count] + 2
    return int(ends[first + count - 1])


def _next_starts(G: np.ndarray, lam: float) -> np.ndarray:
    """For every draw p of a window (log-sums ``G``, G[0] = 0, length m + 1): where an element
    of rate ``lam`` starting at p ends -- the first e > p with G[e] >= G[p] + lam (m + 1 when
    the window is too short).  ``np.interp`` does the search: with sorted queries it steps
    from the previous answer, in linear time.  (A query a rounding away from a G value can
    land one off; ``_first_wrong_small`` re-decides exactly those.)"""
    ends = np.ceil(np.interp(G + lam, G, np.arange(G.size, dtype=np.float64),
                             right=float(G.size))).astype(np.int64)
    if lam < 1e-6:   # a rate too small to move G still takes one draw
        np.maximum(ends, np.arange(1, G.size + 1), out=ends)
    return ends


def _next_accepted(window: np.ndarray, lam: float) -> np.ndarray:
    """For every draw p of a window of draws: where an element of rate ``lam`` (>= 10)
    starting at p ends -- two draws past its first accepted attempt at p, p + 2, ...
    (``window.size + 1`` when none is accepted within the window)."""
    b, a, invalpha, vr = (float(c) for c in _ptrs_constants(np.float64(lam)))
    last = window.size - 1                        # an attempt needs draws p and p + 1
    accepted = _accepts(window[:-1] - 0.5, window[1:], lam, b, a, invalpha, vr)
    beyond = window.size + 1
    ends = np.full(window.size, beyond, dtype=np.int64)
    for parity in (0, 1):
        where = np.arange(parity, last, 2)
        hits = np.where(accepted[where], where, beyond)
        following = np.minimum.accumulate(hits[::-1])[::-1]    # first accepted at or after
        ends[where] = np.where(following < beyond, following + 2, beyond)
    return ends


def _follow_tables(stream: _Stream, lam: np.ndarray, start: int, ends: np.ndarray) -> int:
    """Place consecutive elements whose rates take only a few values, from draw ``start``
    (filling ``ends``); returns where they end.

    For one rate, where an element ends depends only on where it starts: that map is computed
    for every draw of a window at once (``_next_starts`` / ``_next_accepted``), one table per
    rate, and the elements follow their tables with a chain of lookups that the interpreter
    runs in C (a list extended from an iterator that reads the list itself)."""
    values, classes = np.unique(lam, return_inverse=True)
    small_values = values[values < 10.0]
    done = span = 0
    while done < lam.size:
        left = lam.size - done
        expect = _expected_draws(lam[done:])
        span = max(span, int(expect + 8.0 * math.sqrt(expect)) + 2 * _SPAN)
        stream.ensure(start + span + 1, 1024)
        window = stream.values[start:start + span + 1]
        G = None
        if small_values.size:
            with np.errstate(divide="ignore"):
                steps = np.minimum(-np.log(window), 1e3)
            G = np.zeros(window.size + 1)
            np.cumsum(steps, out=G[1:])
            G = G[:window.size]
        getters = [array("q", (_next_starts(G, v) if v < 10.0 else _next_accepted(window, v))
                         .tobytes()).__getitem__ for v in values.tolist()]
        path = [0]
        try:
            if len(getters) == 1:
                path.extend(islice(map(getters[0], path), left))
            else:
                steps_of = np.array(getters, dtype=object)[classes[done:]].tolist()
                path.extend(islice(map(operator.call, steps_of, path), left))
        except IndexError:   # the window was too short: a wider one
            span *= 2
            continue
        placed = ends[done:]
        placed[:] = path[1:]
        placed += start
        if G is None:
            return int(placed[-1])
        starts = np.concatenate(([start], placed[:-1]))
        wrong, exact = _first_wrong_small(stream, G, start, lam[done:], starts, placed)
        if wrong < 0:
            return int(placed[-1])
        # a near-tie went the other way: fix that element and go on from its true end
        placed[wrong] = exact
        done += wrong + 1
        start = exact
    return start


def _walk_small(G: array, lams: list, ends: list, s: int) -> None:
    """Place small-rate elements one after another from draw ``s``, appending their ends: one
    binary search in the log-sums per element (``_first_wrong_small`` re-decides near-ties
    and the rare element that needs more than ``_SPAN`` draws)."""
    search, append = bisect.bisect_left, ends.append
    for lam in lams:
        s = search(G, G[s] + lam, s + 1, s + _SPAN)
        append(s)


def _walk_mixed(G: array, u: array, fast: array, logv: array, lams: list, constants,
                ends: list, s: int) -> None:
    """Place elements of any rate one after another from draw ``s``, appending their ends.

    Small rates as in ``_walk_small``.  A large rate's attempt at draw p is accepted at once
    when ``fast[p] <= vr``; otherwise it goes through PTRS's checks and test in PyTorch's
    operation order, with ``logv[p] = log(u[p + 1])`` and the rate's logs precomputed by NumPy
    and Python's lgamma -- all within a few units in the last place, so a test this close to
    a tie is decided again exactly (``_test_exact``).  ``constants`` yields each large rate's
    (vr, b, a, log(invalpha), log(lam))."""
    search, append, log, lgamma, inf = bisect.bisect_left, ends.append, math.log, math.lgamma, \
        math.inf
    for lam in lams:
        if lam < 10.0:
            s = search(G, G[s] + lam, s + 1, s + _SPAN)
        else:
            vr, b, a, log_invalpha, log_lam = next(constants)
            while True:
                if fast[s] <= vr:
                    s += 2
                    break
                U = u[s] - 0.5
                us = 0.5 - abs(U)
                s += 2
                if us < 0.013 and (u[s - 1] > us or us == 0.0):
                    continue
                t = (2 * a / us + b) * U + lam + 0.43
                if not 0.0 <= t < inf:
                    continue   # k < 0, or a NaN/infinite k that fails the test
                k = float(int(t)) if t < 4503599627370496.0 else t   # floor(t)
                lg = lgamma(k + 1.0) if k < 1e300 else _LGAMMA(k + 1.0)
                k_log = k * log_lam
                gap = logv[s - 2] + log_invalpha - log(a / (us * us) + b) - (-lam + k_log - lg)
                tie = _TIE * (lg + k_log + lam + 8.0)   # lg, k_log >= 0 here
                if gap < -tie:
                    break
                if not gap > tie and _test_exact(U, u[s - 1], us, k, lam, a, b,
                                                 1.1239 + 1.1328 / (b - 3.4)):
                    break
        append(s)


def _small_end(stream: _Stream, s: int, lam: float) -> int:
    """Exactly where a small rate's element starting at draw s ends: PyTorch's loop."""
    enlam = math.exp(-lam)
    prod = 1.0
    while True:
        stream.ensure(s + 1, 1024)
        prod *= float(stream.values[s])
        s += 1
        if not prod > enlam:
            return s


def _first_wrong_small(stream: _Stream, G: np.ndarray, offset: int, lam: np.ndarray,
                       starts: np.ndarray, ends: np.ndarray) -> tuple[int, int]:
    """The first small-rate element whose end found in the log-sums (``G[p - offset]`` for
    draw p) is not the end PyTorch's product loop gives, with that end; (-1, 0) if there is
    none.  Only ends within a rounding band of the threshold (or at the edge of the search
    window) are recomputed."""
    index = np.flatnonzero(lam < 10.0)
    if not index.size:
        return -1, 0
    s, e, rate = starts[index], ends[index], lam[index]
    base = G[s - offset]
    after = G[e - offset] - base - rate      # >= 0: the product fell to exp(-lam) here
    before = G[e - 1 - offset] - base - rate  # < 0, unless a single draw was taken
    band = _SMALL_BAND + 64 * np.finfo(np.float64).eps * (e - s + 1) * np.abs(G[e - offset])
    doubtful = ((np.abs(after) <= band) | ((e - 1 > s) & (np.abs(before) <= band))
                | (e - s >= _SPAN))
    for j in np.flatnonzero(doubtful).tolist():
        exact = _small_end(stream, int(s[j]), float(rate[j]))
        if exact != e[j]:
            return int(index[j]), exact
    return -1, 0


def _walk_segment(stream: _Stream, lam: np.ndarray, ends: np.ndarray, first: int) -> int:
    """Place a stretch of elements one after another from draw ``first`` (filling ``ends``);
    returns where the stretch ends."""
    n = lam.size
    small = lam < 10.0
    large = ~small
    b, a, invalpha, vr = _ptrs_constants(lam[large])
    columns = [c.tolist() for c in (vr, b, a, np.log(invalpha), np.log(lam[large]))]
    large_before = np.concatenate(([0], np.cumsum(large)))
    lams = lam.tolist()
    draws_after = np.concatenate((np.cumsum(np.where(small, lam + 1.0, 2.8)[::-1])[::-1], [0.0]))
    placed: list[int] = []
    i, s = 0, first
    while True:
        while i < n:
            need = float(draws_after[i])
            stream.ensure(s + int(need + 6.0 * math.sqrt(need)) + 64,
                          int(4.0 * math.sqrt(need)) + 256)
            try:
                if not large[i:].any():
                    _walk_small(stream.view("logsum"), lams[i:], placed, s)
                else:
                    _walk_mixed(stream.view("logsum") if small[i:].any() else array("d"),
                                stream.view("u"), stream.view("fast"), stream.view("logv"),
                                lams[i:], zip(*(c[int(large_before[i]):] for c in columns)),
                                placed, s)
            except IndexError:   # a large rate's attempts ran past the draws
                pass
            # Elements ending past the draws ran out of them: draw more, go on from the first.
            past = np.flatnonzero(np.asarray(placed[i:], dtype=np.int64) > len(stream))
            done = i + (int(past[0]) if past.size else len(placed) - i)
            del placed[done:]
            i = done
            s = placed[-1] if placed else first
            if i < n:
                stream.draw(max(len(stream) // 4, 4096))
        ends[:] = placed
        starts = np.concatenate(([first], ends[:-1]))
        G = np.frombuffer(stream.view("logsum"), dtype=np.float64)
        wrong, exact = _first_wrong_small(stream, G, 0, lam, starts, ends)
        if wrong < 0:
            return int(ends[-1])
        # A near-tie went the other way: fix that element and walk on from its true end.
        del placed[wrong:]
        placed.append(exact)
        i, s = wrong + 1, exact


def _place(stream: _Stream, lam: np.ndarray) -> np.ndarray:
    """Where each element (rates ``lam``, all > 0, in order) ends in the stream."""
    n = lam.size
    ends = np.empty(n, dtype=np.int64)
    bounds = np.concatenate(([0], np.flatnonzero(lam[1:] != lam[:-1]) + 1, [n]))
    if bounds.size > 2 and np.unique(lam).size <= _FEW_RATES:
        _follow_tables(stream, lam, 0, ends)
        return ends
    # Long runs of one rate are placed without walking; everything else is walked.
    run_starts, run_ends = bounds[:-1], bounds[1:]
    run_large = lam[run_starts] >= 10.0
    long_runs = run_ends - run_starts >= np.where(run_large, _RUN_MIN, _SMALL_RUN_MIN)
    s = cursor = 0
    for r0, r1 in zip(run_starts[long_runs].tolist(), run_ends[long_runs].tolist()):
        if r0 > cursor:
            s = _walk_segment(stream, lam[cursor:r0], ends[cursor:r0], s)
        if lam[r0] >= 10.0:
            s = _large_run(stream, float(lam[r0]), r1 - r0, s, ends, r0)
        else:
            s = _follow_tables(stream, lam[r0:r1], s, ends[r0:r1])
        cursor = r1
    if cursor < n:
        _walk_segment(stream, lam[cursor:], ends[cursor:], s)
    return ends


def _expected_draws(lam: np.ndarray) -> float:
    """About how many draws the elements of rates ``lam`` (all > 0) take."""
    small = lam[lam < 10.0]
    return float(small.sum() + small.size + 2.8 * (lam.size - small.size))


def _sample_chunk(generator, lam: np.ndarray) -> np.ndarray:
    """The samples of consecutive elements with rates ``lam`` (all > 0), leaving the generator
    just past their draws."""
    stream = _Stream(generator)
    expect = _expected_draws(lam)
    # A little less than expected first: the tail comes in a second, small chunk, so the
    # final rewind only redraws that chunk's used part.
    stream.draw(max(int(expect - 3.0 * math.sqrt(expect)), 16))
    ends = _place(stream, lam)
    starts = np.concatenate(([0], ends[:-1]))
    values = ends - starts - 1            # small rates: k + 1 draws for a sample k
    large = lam >= 10.0
    if large.any():                       # large rates: k of the accepted attempt
        lam_large = lam[large]
        b, a, _, _ = _ptrs_constants(lam_large)
        U = stream.values[ends[large] - 2] - 0.5
        values[large] = _to_int64(_attempt_floor(U, 0.5 - np.abs(U), lam_large, a, b))
    stream.settle(int(ends[-1]))
    return values


# ------------------------------------------------------------------------------------------
# Entry point
# ------------------------------------------------------------------------------------------

_CHUNK = 1 << 18   # elements sampled per stream, which bounds the memory of the draws


def sample_poisson(generator, rates: np.ndarray) -> np.ndarray:
    """PyTorch's CPU Poisson samples (int64) for ``rates`` (1-D, float64, in PyTorch's
    iteration order), leaving ``generator`` exactly where PyTorch leaves it.  Raises
    RuntimeError at the first negative or NaN rate, after spending the draws of the elements
    before it, as PyTorch does."""
    rates = np.asarray(rates, dtype=np.float64).reshape(-1)
    valid = rates >= 0
    invalid_at = None if valid.all() else int(np.argmin(valid))
    usable = rates if invalid_at is None else rates[:invalid_at]
    samples = np.zeros(rates.size, dtype=np.int64)
    active = np.flatnonzero(usable)          # a zero rate gives 0 and draws nothing
    for first in range(0, active.size, _CHUNK):
        chunk = active[first:first + _CHUNK]
        samples[chunk] = _sample_chunk(generator, usable[chunk])
    if invalid_at is not None:
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    return samples
