"""torch.nn.utils.rnn: batches of variable-length sequences, padded or packed.

A PackedSequence stores only the real time steps of a batch: ``data`` holds, step after step,
one row for every sequence still running at that step, and ``batch_sizes[t]`` says how many
rows step t has (sequences are sorted longest first; ``sorted_indices`` remembers the order
the caller gave them in).  The recurrent layers run over this form directly.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import numpy as np

from ... import _dtype as D
from ..._tensor import Tensor
from ...ops import arange, as_tensor, cat, full, sort
from ...ops.rnn import _pack_padded_sequence, _pad_packed_sequence

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pad_packed_sequence",
           "pad_sequence", "unpad_sequence", "pack_sequence", "unpack_sequence"]


class PackedSequence_(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None
    unsorted_indices: Tensor | None


def _bind(optional, fn):
    return None if optional is None else fn(optional)


class PackedSequence(PackedSequence_):
    """The packed form of a batch of sequences (see the module docstring); build one with
    :func:`pack_padded_sequence` or :func:`pack_sequence`."""

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:
            if not (isinstance(data, (list, tuple)) and len(data) == 2):
                raise AssertionError("Expected data to be a list or tuple of length 2")
            data, batch_sizes = data
        elif batch_sizes.device.type != "cpu":
            raise ValueError(
                "batch_sizes should always be on CPU. Instances of PackedSequence should never "
                "be created manually. They should be instantiated by functions like "
                "pack_sequence and pack_padded_sequences in nn.utils.rnn. "
                "https://pytorch.org/docs/stable/nn.html#torch.nn.utils.rnn.pack_sequence")
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def pin_memory(self) -> "PackedSequence":
        return self

    def to(self, *args, **kwargs) -> "PackedSequence":
        """The same packing with ``data`` converted as ``Tensor.to`` would (indices follow the
        device); returns self when nothing changes."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        sorted_indices = _bind(self.sorted_indices, lambda t: t.to(data.device))
        unsorted_indices = _bind(self.unsorted_indices, lambda t: t.to(data.device))
        return type(self)(data, self.batch_sizes, sorted_indices, unsorted_indices)

    def cuda(self, *args, **kwargs) -> "PackedSequence":
        kwargs.setdefault("device", "cuda")
        return self.to(*args, **kwargs)

    def cpu(self, *args, **kwargs) -> "PackedSequence":
        kwargs.setdefault("device", "cpu")
        return self.to(*args, **kwargs)

    def double(self) -> "PackedSequence":
        return self.to(dtype=D.float64)

    def float(self) -> "PackedSequence":
        return self.to(dtype=D.float32)

    def half(self) -> "PackedSequence":
        return self.to(dtype=D.float16)

    def long(self) -> "PackedSequence":
        return self.to(dtype=D.int64)

    def int(self) -> "PackedSequence":
        return self.to(dtype=D.int32)

    def short(self) -> "PackedSequence":
        return self.to(dtype=D.int16)

    def char(self) -> "PackedSequence":
        return self.to(dtype=D.int8)

    def byte(self) -> "PackedSequence":
        return self.to(dtype=D.uint8)

    @property
    def is_cuda(self) -> bool:
        return self.data.is_cuda

    def is_pinned(self) -> bool:
        return False


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The permutation that undoes ``permutation`` (None stays None)."""
    if permutation is None:
        return None
    perm = np.asarray(permutation._data)
    inverse = np.empty_like(perm)
    inverse[perm] = np.arange(perm.size, dtype=perm.dtype)
    return Tensor._make(inverse)


def pack_padded_sequence(input: Tensor, lengths, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded batch (T, B, *) (or (B, T, *) with ``batch_first``) of sequences with the
    given lengths.  Lengths must be decreasing unless ``enforce_sorted=False``, in which case
    the batch is sorted here and the order recorded in ``sorted_indices``."""
    if isinstance(lengths, Tensor):
        lengths = lengths.to(D.int64)
    else:
        lengths = as_tensor(lengths, dtype=D.int64, device="cpu")
    sorted_indices = None
    if not enforce_sorted:
        lengths, sorted_indices = sort(lengths, descending=True)
        sorted_indices = sorted_indices.to(input.device)
        input = input.index_select(0 if batch_first else 1, sorted_indices)
    data, batch_sizes = _pack_padded_sequence(input, lengths, batch_first)
    return PackedSequence(data, batch_sizes, sorted_indices, None)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False,
                        padding_value: float = 0.0, total_length: int | None = None) -> tuple:
    """Undo :func:`pack_padded_sequence`: returns (padded batch, lengths), the batch padded
    with ``padding_value`` to the longest sequence (or to ``total_length``) and put back in the
    caller's order."""
    max_seq_length = sequence.batch_sizes.size(0)
    if total_length is not None:
        if total_length < max_seq_length:
            raise ValueError(
                "Expected total_length to be at least the length of the longest sequence in "
                f"input, but got total_length={total_length} and max sequence length being "
                f"{max_seq_length}")
        max_seq_length = total_length
    padded, lengths = _pad_packed_sequence(sequence.data, sequence.batch_sizes, batch_first,
                                           padding_value, max_seq_length)
    unsorted = sequence.unsorted_indices
    if unsorted is not None:
        padded = padded.index_select(0 if batch_first else 1, unsorted)
        lengths = lengths[unsorted.cpu()]
    return padded, lengths


def pad_sequence(sequences, batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """Stack sequences of different lengths (each (L_i, *)) into one (T, B, *) tensor (or
    (B, T, *)), filling the gaps with ``padding_value`` on the right (or the left)."""
    if not isinstance(sequences, Iterable):
        raise RuntimeError(f"pad_sequence: Expected iterable for input sequences, but got arg of "
                           f"type: {type(sequences)}")
    sequences = tuple(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got "
                           f"{padding_side}.")
    first = sequences[0]
    trailing = tuple(first.shape[1:])
    for seq in sequences[1:]:
        _check_trailing(tuple(seq.shape[1:]), trailing)
    lengths = np.array([seq.shape[0] for seq in sequences], dtype=np.int64)
    longest = int(lengths.max())
    batch = len(sequences)
    # Every real row lands at (its sequence, its step): one scatter of all rows at once.
    seq_index = np.repeat(np.arange(batch), lengths)
    offsets = np.repeat(np.cumsum(lengths) - lengths, lengths)
    step_index = np.arange(int(lengths.sum())) - offsets
    if padding_side == "left":
        step_index = step_index + np.repeat(longest - lengths, lengths)
    shape = (batch, longest) if batch_first else (longest, batch)
    out = full(shape + trailing, padding_value, dtype=first.dtype)
    rows = cat([seq.to(first.dtype) for seq in sequences])
    index = (seq_index, step_index) if batch_first else (step_index, seq_index)
    return out.index_put((Tensor._make(index[0]), Tensor._make(index[1])), rows)


def _check_trailing(shape: tuple, expected: tuple) -> None:
    if len(shape) != len(expected):
        raise RuntimeError(f"The expanded size of the tensor must match the existing size: "
                           f"got {list(shape)} and {list(expected)}")
    for dim, (got, want) in enumerate(zip(shape, expected)):
        if got != want:
            raise RuntimeError(f"The size of tensor a ({want}) must match the size of tensor b "
                               f"({got}) at non-singleton dimension {dim + 1}")


def unpad_sequence(padded_sequences: Tensor, lengths: Tensor,
                   batch_first: bool = False) -> list:
    """Split a padded batch back into its sequences (a list of (L_i, *) tensors)."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    steps = arange(padded_sequences.shape[1], device=lengths.device)
    return [seq[steps < length] for seq, length in zip(padded_sequences, lengths)]


def pack_sequence(sequences, enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of sequences (each (L_i, *)); longest first unless
    ``enforce_sorted=False``."""
    lengths = as_tensor([seq.size(0) for seq in sequences])
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list:
    """The list of sequences a PackedSequence holds, in the caller's original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
