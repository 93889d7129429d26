"""Printing tensors exactly as PyTorch prints them, plus the print options that steer it.

The printed body is built in three steps, each proportional to what ends up on screen:

1. *Summarize*: above ``threshold`` elements, every dimension longer than ``2 * edgeitems`` is cut
   down to its first and last ``edgeitems`` entries with one NumPy fancy index, so a huge tensor
   is never walked.
2. *Format*: the kept values become strings.  One mode (integer-valued, fixed or scientific) and
   one column width hold for the whole tensor; both are decided from the finite, nonzero kept
   values only, as PyTorch does.  Complex tensors format real and imaginary parts separately.
3. *Lay out*: the strings are nested with brackets, ``...`` markers where entries were cut, line
   wrapping at ``linewidth`` and one blank line per extra dimension between blocks.

Suffixes (device, size, dtype, grad_fn / requires_grad) follow, wrapped onto a new line when the
last line would pass ``linewidth``.
"""
from __future__ import annotations

import contextlib
import math
import sys
from typing import Any

import numpy as np

from . import _dtype

__all__ = ["set_printoptions", "get_printoptions"]


# ----------------------------------------------------------------------------------------------
# Print options
# ----------------------------------------------------------------------------------------------

_PROFILES = {
    "default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80},
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
    "full": {"precision": 4, "threshold": math.inf, "edgeitems": 3, "linewidth": 80},
}


class _PrintOptions:
    """The current print options (one shared instance, like PyTorch's ``PRINT_OPTS``)."""

    __slots__ = ("precision", "threshold", "edgeitems", "linewidth", "sci_mode")

    def __init__(self) -> None:
        for name, value in _PROFILES["default"].items():
            setattr(self, name, value)
        self.sci_mode = None


PRINT_OPTS = _PrintOptions()


def set_printoptions(precision: int | None = None, threshold: float | None = None,
                     edgeitems: int | None = None, linewidth: int | None = None,
                     profile: str | None = None, sci_mode: bool | None = None) -> None:
    """Change how tensors print: digits after the point, the element count above which output is
    summarized, the entries kept at each edge when summarizing, the line width, a named profile
    ('default', 'short' or 'full') applied first, and forced (True) or forbidden (False)
    scientific notation.  Options left as None keep their value, except ``sci_mode``, which
    every call resets to automatic unless given (PyTorch behaves the same way)."""
    if profile is not None and profile in _PROFILES:
        for name, value in _PROFILES[profile].items():
            setattr(PRINT_OPTS, name, value)
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions() -> dict[str, Any]:
    """The current print options as a dict that ``set_printoptions(**options)`` accepts."""
    return {name: getattr(PRINT_OPTS, name) for name in _PrintOptions.__slots__}


@contextlib.contextmanager
def printoptions(**kwargs):
    """Apply ``set_printoptions(**kwargs)`` inside a ``with`` block and restore afterwards."""
    saved = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**saved)


# ----------------------------------------------------------------------------------------------
# Step 1: summarizing
# ----------------------------------------------------------------------------------------------

def _summarize(values: np.ndarray, edge: int) -> tuple[np.ndarray, tuple[bool, ...]]:
    """Keep the first and last ``edge`` entries of every dimension longer than ``2 * edge``.

    Returns the kept values and, per dimension, whether entries were cut there.
    """
    cut = tuple(size > 2 * edge for size in values.shape)
    # One dimension at a time: several index arrays at once would be broadcast together.
    for dim, was_cut in enumerate(cut):
        if was_cut:
            size = values.shape[dim]
            values = values.take(np.r_[0:edge, size - edge:size], axis=dim)
    return values, cut


# ----------------------------------------------------------------------------------------------
# Step 2: formatting values
# ----------------------------------------------------------------------------------------------

def _format_floats(values: np.ndarray) -> tuple[list[str], int]:
    """Strings for real floating values (unpadded) and the common column width.

    The mode comes from the finite nonzero values: integer-valued ones print as ``1.``;
    scientific notation is used when they span more than three decades or leave [1e-4, 1e8].
    Zeros, nan and inf never widen the column.
    """
    flat = values.astype(np.float64, copy=False).ravel()
    significant = np.isfinite(flat) & (flat != 0)
    kept = flat[significant]
    numbers = flat.tolist()
    precision = PRINT_OPTS.precision
    if kept.size == 0:
        # Nothing to decide from: integer style, and sci_mode is ignored.
        return [_integer_style(x) for x in numbers], 1
    magnitudes = np.abs(kept)
    smallest, largest = magnitudes.min(), magnitudes.max()
    integer_valued = bool(np.all(np.ceil(kept) == kept))
    if PRINT_OPTS.sci_mode is None:
        with np.errstate(over="ignore"):
            scientific = bool(largest / smallest > 1000.0 or largest > 1.0e8
                              or smallest < 1.0e-4)
    else:
        scientific = PRINT_OPTS.sci_mode
    if scientific:
        spec = f".{precision}e"
        strings = [format(x, spec) for x in numbers]
    elif integer_valued:
        strings = [_integer_style(x) for x in numbers]
    else:
        spec = f".{precision}f"
        strings = [format(x, spec) for x in numbers]
    width = max(len(s) for s, keep in zip(strings, significant.tolist()) if keep)
    return strings, max(1, width)


def _integer_style(x: float) -> str:
    """``3.`` for a finite integer-valued float, ``nan`` / ``inf`` / ``-inf`` otherwise."""
    text = format(x, ".0f")
    return text + "." if math.isfinite(x) else text


def _format_exact(values: np.ndarray) -> tuple[list[str], int]:
    """Strings for integer and bool values (``True`` / ``False``) and their column width."""
    strings = [str(x) for x in values.ravel().tolist()]
    return strings, max(1, max(len(s) for s in strings))


def _format_cells(values: np.ndarray, kind: str) -> tuple[np.ndarray, int]:
    """Each kept value as its final string (right-aligned in its column), shaped like ``values``,
    and the width one entry takes on a line (for wrapping)."""
    if kind == "complex":
        real, real_width = _format_floats(values.real)
        imag, imag_width = _format_floats(values.imag)
        # The real parts share a column; imaginary parts are left unpadded after their sign.
        strings = [re.rjust(real_width) + (im + "j" if im[0] in "+-" else "+" + im + "j")
                   for re, im in zip(real, imag)]
        width = real_width + imag_width + 1
    else:
        strings, width = (_format_floats if kind == "float" else _format_exact)(values)
        strings = [s.rjust(width) for s in strings]
    cells = np.empty(len(strings), dtype=object)
    cells[:] = strings
    return cells.reshape(values.shape), width


# ----------------------------------------------------------------------------------------------
# Step 3: layout
# ----------------------------------------------------------------------------------------------

def _layout(cells: np.ndarray, cut: tuple[bool, ...], indent: int, entry_width: int) -> str:
    """Nest the strings in brackets; ``indent`` is the column of this level's opening bracket."""
    edge = PRINT_OPTS.edgeitems
    if cells.ndim == 1:
        entries = cells.tolist()
        if cut[0]:
            entries[edge:edge] = [" ..."]
        # Each entry takes its width plus ", ".
        per_line = max(1, math.floor((PRINT_OPTS.linewidth - indent) / (entry_width + 2)))
        lines = [", ".join(entries[i:i + per_line]) for i in range(0, len(entries), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    blocks = [_layout(sub, cut[1:], indent + 1, entry_width) for sub in cells]
    if cut[0]:
        blocks[edge:edge] = ["..."]
    separator = "," + "\n" * (cells.ndim - 1) + " " * (indent + 1)
    return "[" + separator.join(blocks) + "]"


def _value_kind(dtype: _dtype.dtype) -> str:
    if dtype.is_complex:
        return "complex"
    if dtype.is_floating_point:
        return "float"
    return "exact"


def _body(t, indent: int) -> str:
    """The bracketed contents of non-empty tensor ``t``, its first line starting at ``indent``."""
    kind = _value_kind(t.dtype)
    data = t._data
    summarize = data.ndim > 0 and data.size > PRINT_OPTS.threshold
    if summarize and not PRINT_OPTS.edgeitems:
        return "[...]"
    if summarize:
        # Cut on the tensor's own backend so only the displayed entries reach the host.
        data, cut = _summarize(data, PRINT_OPTS.edgeitems)
    else:
        cut = (False,) * data.ndim
    values = _to_host(data, t.device)
    cells, entry_width = _format_cells(values, kind)
    if values.ndim == 0:
        return cells[()]
    return _layout(cells, cut, indent, entry_width)


def _to_host(data, dev) -> np.ndarray:
    if type(data) is np.ndarray:
        return data
    from .backends import backend_for
    return backend_for(dev.type).to_host(data)


# ----------------------------------------------------------------------------------------------
# Suffixes and the whole repr
# ----------------------------------------------------------------------------------------------

def _add_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    """Append ``, suffix`` items, starting a new indented line when one would pass linewidth."""
    parts = [text]
    # PyTorch's estimate of the last line's length (two more than the exact count).
    line_length = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if line_length + len(suffix) + 2 > PRINT_OPTS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            line_length = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            line_length += len(suffix) + 2
    parts.append(")")
    return "".join(parts)


def _parameter_class():
    # ember.nn may not exist or not be imported yet; without it there are no Parameters.
    nn = sys.modules.get("ember.nn")
    return getattr(nn, "Parameter", None)


def _default_device_shown(dev) -> bool:
    """Whether the tensor's device differs from the default one and so must be printed."""
    import ember
    if dev.type != ember.get_default_device().type:
        return True
    if dev.type == "cuda":
        from . import cuda
        return cuda.current_device() != dev.index
    return dev.type == "mps"


def tensor_repr(t, tensor_contents: str | None = None) -> str:
    """``repr(t)`` exactly as PyTorch writes it, e.g. ``tensor([1., 2.], dtype=torch.float64)``.

    ``tensor_contents`` replaces the bracketed values when given.
    """
    from ._tensor import Tensor
    parameter = _parameter_class()
    plain = type(t) is Tensor or (parameter is not None and type(t) is parameter)
    prefix = "tensor(" if plain else f"{type(t).__name__}("
    indent = len(prefix)
    suffixes = []
    dtype = t.dtype
    default_float = _dtype.get_default_dtype()
    default_complex = _dtype.complex128 if default_float is _dtype.float64 else _dtype.complex64
    has_default_dtype = dtype in (default_float, default_complex, _dtype.int64, _dtype.bool)

    dev = t.device
    if _default_device_shown(dev):
        suffixes.append(f"device='{dev}'")

    body = tensor_contents
    shape = tuple(t.shape)
    if dev.type == "meta":
        suffixes.append(f"size={shape}")
        if dtype is not default_float:
            suffixes.append(f"dtype={dtype}")
        if body is None:
            body = "..."
    elif t.numel() == 0:
        # Without elements the dtype cannot be guessed from them, so it shows even for int64.
        if len(shape) != 1:
            suffixes.append(f"size={shape}")
        if dtype is not default_float:
            suffixes.append(f"dtype={dtype}")
        if body is None:
            body = "[]"
    else:
        if not PRINT_OPTS.edgeitems:
            suffixes.append(f"size={shape}")
        if not has_default_dtype:
            suffixes.append(f"dtype={dtype}")
        if body is None:
            body = _body(t, indent)

    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")

    text = _add_suffixes(prefix + body, suffixes, indent)
    if parameter is not None and isinstance(t, parameter) and not plain:
        text = f"Parameter({text})"
    return text
