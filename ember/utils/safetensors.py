"""The safetensors format, written and read with NumPy alone (no ``safetensors`` package).

A file is an 8-byte little-endian header length N, N bytes of JSON (padded with spaces so the
data starts on an 8-byte boundary), then the tensors' bytes back to back.  The JSON maps each
tensor name to ``{"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}`` (offsets
into the data section) and may hold ``"__metadata__"``: a dict of strings.  Like the reference
implementation, the reader insists that the offsets tile the data section exactly, so a
truncated or doctored file is refused instead of read wrongly.

The functions mirror ``safetensors.torch``: :func:`save_file`, :func:`load_file`,
:func:`save`, :func:`load`, and :func:`safe_open` for reading tensors one at a time.
"""
from __future__ import annotations

import json
import os
import struct

import numpy as np

from .. import _dtype
from .._storage import _span_bytes, _span_start, root_array
from .._tensor import Tensor

__all__ = ["save_file", "load_file", "save", "load", "safe_open", "SafetensorError"]

# The reference implementation refuses headers larger than this (100 MB).
MAX_HEADER_SIZE = 100_000_000

_CODES = {
    _dtype.bool: "BOOL", _dtype.uint8: "U8", _dtype.int8: "I8", _dtype.int16: "I16",
    _dtype.int32: "I32", _dtype.int64: "I64", _dtype.float16: "F16",
    _dtype.bfloat16: "BF16", _dtype.float32: "F32", _dtype.float64: "F64",
    _dtype.complex64: "C64",
}
_DTYPES = {code: dt for dt, code in _CODES.items()}
# The reference writer orders tensors by its dtype enumeration, last first (widest types lead,
# so each tensor starts aligned), then by name.
_WRITE_RANK = {code: rank for rank, code in enumerate(
    ["BOOL", "U8", "I8", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "C64", "F64", "I64",
     "U64"])}


class SafetensorError(Exception):
    """A safetensors file or buffer that cannot be read (as ``safetensors.SafetensorError``)."""


# ----------------------------------------------------------------------------------------------
# Writing
# ----------------------------------------------------------------------------------------------

def _check_tensors(tensors: dict) -> list:
    if not isinstance(tensors, dict):
        raise TypeError(f"Expected a dict of [str, torch.Tensor] but received {type(tensors)}")
    owners: dict = {}
    for name, tensor in tensors.items():
        if not isinstance(name, str):
            raise TypeError(f"Key `{name!r}` is invalid, expected str but received {type(name)}")
        if not isinstance(tensor, Tensor):
            raise ValueError(f"Key `{name}` is invalid, expected torch.Tensor but received "
                             f"{type(tensor)}")
        if tensor.dtype not in _CODES:
            raise KeyError(repr(tensor.dtype))
        if tensor.device.type != "cpu":
            raise ValueError(f"You are trying to save tensor `{name}` on device "
                             f"{tensor.device}; ember can only write tensors held in memory.")
        if not tensor.is_contiguous():
            raise ValueError(
                f"You are trying to save a non contiguous tensor: `{name}` which is not allowed. "
                "It either means you are trying to save tensors which are reference of each "
                "other in which case it's recommended to save only the full tensors, and reslice "
                "at load time, or simply call `.contiguous()` on your tensor to pack it before "
                "saving.")
        if tensor.numel():
            root = root_array(tensor._data)
            owners.setdefault((_span_start(root), _span_bytes(root)), []).append(name)
    shared = [set(names) for names in owners.values() if len(names) > 1]
    if shared:
        raise RuntimeError(
            "\n            Some tensors share memory, this will lead to duplicate memory on disk "
            f"and potential differences when loading them again: {shared}.\n            A "
            "potential way to correctly save your model is to use `save_model`.\n            "
            "More information at https://huggingface.co/docs/safetensors/torch_shared_tensors\n"
            "            ")
    return sorted(tensors.items(), key=lambda item: (-_WRITE_RANK[_CODES[item[1].dtype]],
                                                     item[0]))


def _serialize(tensors: dict, metadata: dict | None) -> tuple[bytes, list]:
    """The header bytes (length prefix included) and the arrays to write after it."""
    ordered = _check_tensors(tensors)
    header: dict = {}
    if metadata is not None:
        if not isinstance(metadata, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
            raise TypeError("metadata must be a dict of str to str")
        header["__metadata__"] = metadata
    arrays = []
    offset = 0
    for name, tensor in ordered:
        array = np.ascontiguousarray(tensor._data)
        header[name] = {"dtype": _CODES[tensor.dtype], "shape": list(tensor.shape),
                        "data_offsets": [offset, offset + array.nbytes]}
        offset += array.nbytes
        arrays.append(array)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text, arrays


def save(tensors: dict, metadata: dict | None = None) -> bytes:
    """The safetensors bytes holding ``tensors`` (a dict of contiguous tensors)."""
    head, arrays = _serialize(tensors, metadata)
    return head + b"".join(array.tobytes() for array in arrays)


def save_file(tensors: dict, filename, metadata: dict | None = None) -> None:
    """Write ``tensors`` to ``filename`` in safetensors format (through a temporary file that
    replaces the target only once complete)."""
    from ..serialization import _output
    head, arrays = _serialize(tensors, metadata)
    with _output(os.fspath(filename)) as (stream, _):
        stream.write(head)
        for array in arrays:
            if array.nbytes:
                stream.write(memoryview(array.reshape(-1).view(np.uint8)))


# ----------------------------------------------------------------------------------------------
# Reading
# ----------------------------------------------------------------------------------------------

def _parse_header(head: bytes, total: int) -> tuple[dict, dict, int]:
    """``(entries, metadata, data_start)`` from the first bytes of a file of ``total`` bytes."""
    if total < 8 or len(head) < 8:
        raise SafetensorError("Error while deserializing header: header too small")
    (length,) = struct.unpack("<Q", head[:8])
    if length > MAX_HEADER_SIZE:
        raise SafetensorError("Error while deserializing header: header too large")
    if 8 + length > total:
        raise SafetensorError("Error while deserializing header: invalid header length")
    try:
        header = json.loads(head[8:8 + length].decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise SafetensorError(f"Error while deserializing header: invalid JSON in header: "
                              f"{error}") from None
    if not isinstance(header, dict):
        raise SafetensorError("Error while deserializing header: the header is not a JSON "
                              "object")
    metadata = header.pop("__metadata__", None)
    if metadata is not None and not (isinstance(metadata, dict) and all(
            isinstance(v, str) for v in metadata.values())):
        raise SafetensorError("Error while deserializing header: __metadata__ must map "
                              "strings to strings")
    data_size = total - 8 - length
    entries = {}
    for name, info in header.items():
        entries[name] = _check_entry(name, info)
    expected = 0
    for name, (_, _, begin, end) in sorted(entries.items(), key=lambda e: e[1][2:]):
        if begin != expected:
            raise SafetensorError("Error while deserializing header: invalid offset for tensor "
                                  f"{name}: the data section is not tiled exactly")
        expected = end
    if expected != data_size:
        raise SafetensorError("Error while deserializing header: incomplete metadata, file not "
                              "fully covered")
    return entries, metadata or {}, 8 + length


def _check_entry(name: str, info) -> tuple:
    if not isinstance(info, dict) or set(info) - {"dtype", "shape", "data_offsets"}:
        raise SafetensorError(f"Error while deserializing header: bad entry for tensor {name}")
    code = info.get("dtype")
    if code not in _DTYPES:
        raise SafetensorError(f"Error while deserializing header: unsupported dtype {code!r} "
                              f"for tensor {name}")
    shape = info.get("shape")
    offsets = info.get("data_offsets")
    if not (isinstance(shape, list) and all(type(s) is int and s >= 0 for s in shape)):
        raise SafetensorError(f"Error while deserializing header: bad shape for tensor {name}")
    if not (isinstance(offsets, list) and len(offsets) == 2
            and all(type(o) is int and o >= 0 for o in offsets) and offsets[0] <= offsets[1]):
        raise SafetensorError(f"Error while deserializing header: bad data_offsets for tensor "
                              f"{name}")
    dtype = _DTYPES[code]
    numel = 1
    for size in shape:
        numel *= size
    if numel * dtype.itemsize != offsets[1] - offsets[0]:
        raise SafetensorError(f"Error while deserializing header: tensor {name} has shape "
                              f"{shape} of {code} but {offsets[1] - offsets[0]} bytes of data "
                              "(TensorInvalidInfo)")
    return dtype, tuple(shape), offsets[0], offsets[1]


def _to_device(tensor: Tensor, device) -> Tensor:
    device = str(device)
    return tensor if device == "cpu" else tensor.to(device)


def _meta_tensor(dtype, shape) -> Tensor:
    from ..backends.meta import MetaArray
    return Tensor._make(MetaArray(shape, dtype.np))


def load(data: bytes) -> dict:
    """The tensors held in safetensors bytes ``data`` (each in memory of its own)."""
    head = bytes(data[:8])
    if len(head) == 8:
        (length,) = struct.unpack("<Q", head)
        head = bytes(data[:8 + min(length, MAX_HEADER_SIZE + 1)])
    entries, _, start = _parse_header(head, len(data))
    result = {}
    for name, (dtype, shape, begin, end) in sorted(entries.items(), key=lambda e: e[1][2]):
        array = np.empty(end - begin, np.uint8)
        array[...] = np.frombuffer(data, np.uint8, end - begin, start + begin) if end > begin \
            else array
        result[name] = Tensor._make(array.view(dtype.np).reshape(shape))
    return result


class safe_open:
    """Open a safetensors file for reading tensors one by one (``safetensors.safe_open``)."""

    def __init__(self, filename, framework: str = "pt", device="cpu") -> None:
        self._file = open(filename, "rb")
        self._device = device
        try:
            total = os.fstat(self._file.fileno()).st_size
            head = self._file.read(8)
            if len(head) == 8:
                (length,) = struct.unpack("<Q", head)
                head += self._file.read(min(length, MAX_HEADER_SIZE + 1))
            self._entries, self._metadata, self._start = _parse_header(head, total)
        except BaseException:
            self._file.close()
            raise

    def __enter__(self) -> "safe_open":
        return self

    def __exit__(self, *exc) -> None:
        self._file.close()

    def keys(self) -> list:
        """Tensor names in the order their data appears in the file."""
        return [name for name, _ in sorted(self._entries.items(), key=lambda e: e[1][2])]

    def metadata(self) -> dict:
        return dict(self._metadata)

    def get_tensor(self, name: str) -> Tensor:
        """Read tensor ``name`` into fresh memory."""
        if name not in self._entries:
            raise SafetensorError(f"File does not contain tensor {name}")
        dtype, shape, begin, end = self._entries[name]
        if str(self._device) == "meta":
            return _meta_tensor(dtype, shape)
        array = np.empty(end - begin, np.uint8)
        self._file.seek(self._start + begin)
        if self._file.readinto(memoryview(array)) != array.size:
            raise SafetensorError(f"Error while deserializing: tensor {name} is truncated")
        return _to_device(Tensor._make(array.view(dtype.np).reshape(shape)), self._device)


def load_file(filename, device="cpu") -> dict:
    """The tensors of the safetensors file ``filename``, placed on ``device``."""
    with safe_open(filename, "pt", device=device) as reader:
        return {name: reader.get_tensor(name) for name in reader.keys()}
