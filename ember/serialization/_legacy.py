"""PyTorch's pre-1.6 checkpoint format (``torch.save(..., _use_new_zipfile_serialization=False)``).

The file is a run of pickles followed by raw storage bytes:

1. the magic number, the protocol version (1001) and a dict describing the writing machine
   (byte order, C type sizes);
2. the object itself, whose storages are persistent ids
   ``('storage', storage_type, key, location, numel, view_metadata)``;
3. the list of storage keys, in the order their bytes follow;
4. for each key: its element count as a little-endian int64, then its bytes.

Storages are allocated when the object's pickle names them and filled once their bytes are
reached, so tensors rebuilt while unpickling already view the memory that receives the data.
"""
from __future__ import annotations

import io
import os
import pickle
import struct
import sys

import numpy as np

from .. import _dtype
from .._storage import TypedStorage, UntypedStorage
from . import _rebuild

MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
PROTOCOL_VERSION = 1001

_CORRUPT = ("the checkpoint is damaged or truncated (it was not saved completely, or changed "
            "after saving)")


def _remaining_bytes(stream) -> int | None:
    try:
        position = stream.tell()
        end = stream.seek(0, os.SEEK_END)
        stream.seek(position)
        return end - position
    except (OSError, AttributeError, ValueError):
        return None


def load_legacy(stream, source: str, unpickle, restore) -> object:
    """Read a legacy-format checkpoint from ``stream``.

    ``unpickle(stream, persistent_load)`` reads one pickle; ``restore(untyped, location)`` turns
    a freshly read CPU storage into the storage to use (or answers ``'meta'`` through
    ``restore.target(location)``) per ``map_location``.
    """
    header = stream.read(6)
    stream.seek(-len(header), os.SEEK_CUR)
    if len(header) >= 6 and header[:1] != b"\x80" and _looks_like_tar(stream):
        raise RuntimeError(f"{source}: this is PyTorch's tar-based checkpoint format (written "
                           "by PyTorch 0.3 and older), which ember cannot read")
    magic = unpickle(stream, None)
    if magic != MAGIC_NUMBER:
        raise RuntimeError(f"{source}: Invalid magic number; corrupt file? (not a PyTorch "
                           "checkpoint, or " + _CORRUPT + ")")
    protocol = unpickle(stream, None)
    if protocol != PROTOCOL_VERSION:
        raise RuntimeError(f"{source}: Invalid protocol version: {protocol!r}")
    system = unpickle(stream, None)
    little_endian = system.get("little_endian", True) if isinstance(system, dict) else True

    pending: dict = {}
    loaded: dict = {}
    limit = _remaining_bytes(stream)

    def persistent_load(pid):
        if isinstance(pid, tuple) and len(pid) == 4 and _text(pid[0]) == "module":
            # A whole nn.Module pickled with its source (weights_only=False only: the safe
            # unpickler refuses such ids before they get here).
            return pid[1]
        if not isinstance(pid, tuple) or len(pid) != 6 or _text(pid[0]) != "storage":
            raise pickle.UnpicklingError(f"unsupported persistent id {pid!r}")
        _, storage_type, key, location, numel, view = pid
        if not isinstance(storage_type, _rebuild.StorageType):
            raise pickle.UnpicklingError(f"unknown storage type {storage_type!r}")
        location = _text(location)
        dtype = storage_type.dtype
        if key not in loaded:
            if not isinstance(numel, int) or numel < 0:
                raise _rebuild.StorageError(f"bad storage size {numel!r}")
            nbytes = numel * dtype.itemsize
            if limit is not None and nbytes > limit:
                raise _rebuild.StorageError(f"storage {key} claims {nbytes} bytes but the file "
                                            f"holds only {limit} more: " + _CORRUPT)
            if restore.target(location) == "meta":
                loaded[key] = _rebuild.MetaStorage(nbytes, dtype)
            else:
                raw = np.empty(nbytes, np.uint8)
                loaded[key] = _rebuild.typed_storage(UntypedStorage(raw), dtype)
                pending[key] = (raw, numel, dtype, location)
        storage = loaded[key]
        if view is None:
            return storage
        view_key, offset, size = view
        if view_key not in loaded:
            if isinstance(storage, _rebuild.MetaStorage):
                loaded[view_key] = _rebuild.MetaStorage(size * dtype.itemsize, dtype)
            else:
                raw = storage._untyped_storage._bytes
                start, stop = offset * dtype.itemsize, (offset + size) * dtype.itemsize
                if offset < 0 or size < 0 or stop > raw.size:
                    raise _rebuild.StorageError(f"storage view {view_key} lies outside storage "
                                                f"{key}")
                loaded[view_key] = _rebuild.typed_storage(UntypedStorage(raw[start:stop]), dtype)
        return loaded[view_key]

    result = unpickle(stream, persistent_load)
    keys = unpickle(stream, None)
    if not isinstance(keys, list) or not all(isinstance(key, str) for key in keys):
        raise RuntimeError(f"{source}: the storage key list is missing: " + _CORRUPT)
    for key in keys:
        if key not in loaded:
            raise RuntimeError(f"{source}: storage {key!r} is listed but no object uses it: "
                               + _CORRUPT)
        count_bytes = stream.read(8)
        if len(count_bytes) != 8:
            raise RuntimeError(f"{source}: storage {key!r} is truncated: " + _CORRUPT)
        (count,) = struct.unpack("<q", count_bytes)
        storage = loaded[key]
        if isinstance(storage, _rebuild.MetaStorage):
            stream.seek(count * storage.dtype.itemsize, os.SEEK_CUR)
            continue
        if key not in pending:
            raise RuntimeError(f"{source}: storage {key!r} is listed twice, or is a view: "
                               + _CORRUPT)
        raw, numel, dtype, location = pending.pop(key)
        if count != numel:
            raise RuntimeError(f"{source}: storage {key!r} holds {count} elements where the "
                               f"pickle expects {numel}: " + _CORRUPT)
        if stream.readinto(memoryview(raw)) != raw.size:
            raise RuntimeError(f"{source}: storage {key!r} is truncated: " + _CORRUPT)
        if little_endian != (sys.byteorder == "little"):
            byteswap(raw, dtype)
        replaced = restore(storage._untyped_storage, location)
        if isinstance(replaced, TypedStorage):
            replaced = replaced._untyped_storage
        if isinstance(replaced, UntypedStorage) and replaced is not storage._untyped_storage:
            storage._untyped_storage = replaced
    if pending:
        raise RuntimeError(f"{source}: the data of storages {sorted(pending)} is missing: "
                           + _CORRUPT)
    return result


def _looks_like_tar(stream) -> bool:
    position = stream.tell()
    block = stream.read(512)
    stream.seek(position)
    return len(block) == 512 and block[257:262] == b"ustar"


def _text(value):
    return value.decode("ascii") if isinstance(value, bytes) else value


def byteswap(raw: np.ndarray, dtype: _dtype.dtype) -> None:
    """Reverse the byte order of each element (each part of a complex number) in place."""
    width = dtype.itemsize // 2 if dtype.is_complex else dtype.itemsize
    if width > 1 and raw.size:
        words = raw.view(np.dtype(f"u{width}"))
        words.byteswap(inplace=True)


def save_legacy(stream, pickled: bytes, storages: dict, protocol: int) -> None:
    """Write a legacy-format checkpoint: the header pickles, the object's pickle ``pickled``
    (whose persistent ids name the keys of ``storages``), the key list and the storage bytes."""
    header = io.BytesIO()
    pickle.dump(MAGIC_NUMBER, header, protocol=protocol)
    pickle.dump(PROTOCOL_VERSION, header, protocol=protocol)
    pickle.dump({"protocol_version": PROTOCOL_VERSION,
                 "little_endian": sys.byteorder == "little",
                 "type_sizes": {"short": 2, "int": 4, "long": 4}}, header, protocol=protocol)
    keys = sorted(storages)
    stream.write(header.getvalue())
    stream.write(pickled)
    stream.write(pickle.dumps(keys, protocol=protocol))
    for key in keys:
        ref = storages[key]
        stream.write(struct.pack("<q", ref.data.nbytes // ref.dtype.itemsize))
        if ref.data.nbytes:
            stream.write(memoryview(ref.data))
