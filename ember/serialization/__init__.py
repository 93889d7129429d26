"""``ember.save`` / ``ember.load``: PyTorch's checkpoint files, read and written without torch.

Files are PyTorch's own: a zip archive holding ``data.pkl`` (the object, its storages as
persistent ids) and one record per storage (see :mod:`._zip`), or the pre-1.6 legacy stream
(see :mod:`._legacy`).  Pickles name PyTorch's globals, so ``torch.load`` reads what ember
writes, and ember maps those names back onto its own objects (see :mod:`._rebuild`).

Safety: ``load`` defaults to ``weights_only=True``, which runs the pickle through an
interpreter that imports nothing and calls only allow-listed functions
(:func:`add_safe_globals` extends the list).  Damage: every record's CRC-32 is checked (on
worker threads, with ISA-L's CRC when the optional ``isal`` package is installed), every
storage's size and every tensor's bounds are checked against the file, so a truncated or
corrupted file raises ``RuntimeError`` / ``pickle.UnpicklingError`` (``EOFError`` for an empty
one) naming the file, instead of handing back wrong numbers.  ``mmap=True`` maps storages
without reading them, so their CRCs are not checked (sizes and bounds still are).  Crash
safety: ``save`` to a path writes a temporary file next to the target and renames it over the
target only once complete (a process killed midway leaves that temporary file behind).
"""
from __future__ import annotations

import contextlib
import io
import mmap as _mmap
import os
import pickle
import random
import stat
import sys
import warnings
from typing import Any

import numpy as np

from .._storage import TypedStorage, UntypedStorage
from . import _legacy, _pickle, _rebuild, _zip
from ._legacy import MAGIC_NUMBER, PROTOCOL_VERSION
from ._pickle import (add_safe_globals, clear_safe_globals, get_safe_globals,
                      remove_safe_globals, safe_globals)
from ._rebuild import StorageType

__all__ = ["save", "load", "add_safe_globals", "get_safe_globals", "clear_safe_globals",
           "safe_globals", "get_unsafe_globals_in_checkpoint", "DEFAULT_PROTOCOL",
           "location_tag", "default_restore_location", "StorageType", "MAGIC_NUMBER",
           "PROTOCOL_VERSION", "remove_safe_globals", "set_crc32_options", "get_crc32_options"]

DEFAULT_PROTOCOL = 2
_FORMAT_VERSION = b"1"
_FILE_VERSION = b"3\n"

_UNSAFE_MESSAGE = (
    "In PyTorch 2.6, we changed the default value of the `weights_only` argument in "
    "`torch.load` from `False` to `True`. Re-running `torch.load` with `weights_only` set to "
    "`False` will likely succeed, but it can result in arbitrary code execution. Do it only if "
    "you got the file from a trusted source.")
_DOCS_MESSAGE = (
    "\n\nCheck the documentation of torch.load to learn more about types accepted by default "
    "with weights_only https://pytorch.org/docs/stable/generated/torch.load.html.")


# ----------------------------------------------------------------------------------------------
# Paths and streams
# ----------------------------------------------------------------------------------------------

def _is_path(f) -> bool:
    return isinstance(f, (str, os.PathLike))


def _source_name(f) -> str:
    if _is_path(f):
        return os.fspath(f) if isinstance(os.fspath(f), str) else repr(os.fspath(f))
    name = getattr(f, "name", None)
    return name if isinstance(name, str) else repr(f)


def _archive_name(path: str) -> str:
    """The folder name inside the zip: the file name without its extension, as PyTorch's
    writer picks it (non-ASCII names get 'archive', as in PyTorch)."""
    stem = os.path.splitext(os.path.basename(path))[0] if not path.endswith(os.sep) else ""
    if not stem or not stem.isascii():
        return "archive"
    return stem


@contextlib.contextmanager
def _output(f):
    """Yield ``(stream, archive_name)``; for a path, a temporary file renamed into place only
    when the block completes (so a failed save leaves the old file untouched)."""
    if not _is_path(f):
        if not hasattr(f, "write"):
            raise AttributeError(f"'{type(f).__name__}' object has no attribute 'write'")
        yield f, "archive"
        return
    path = os.fspath(f)
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise RuntimeError(f"Parent directory {os.path.dirname(path) or parent} does not exist.")
    target = os.path.realpath(path)  # write through symlinks, as opening the path would
    if os.path.exists(target) and not os.path.isfile(target):
        # Devices, pipes and the like cannot be replaced by a rename: write to them directly.
        with open(target, "wb") as stream:
            yield stream, _archive_name(path)
        return
    temporary, stream = _create_temporary(target)
    previous = None
    try:
        with stream:
            yield stream, _archive_name(path)
            stream.flush()
        previous = _open_previous(target, temporary)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if previous is not None:
            os.close(previous)
        raise
    if previous is not None:
        _release_later(previous)


def _open_previous(target: str, temporary: str) -> int | None:
    """Give the new file the old one's permissions, and hold the old file open so that the
    rename does not wait for the old file's blocks to be freed (see :func:`_release_later`)."""
    if os.name == "nt":  # Windows cannot rename over an open file
        with contextlib.suppress(OSError):
            os.chmod(temporary, stat.S_IMODE(os.stat(target).st_mode))
        return None
    try:
        descriptor = os.open(target, os.O_RDONLY)
    except OSError:
        return None
    try:
        os.chmod(temporary, stat.S_IMODE(os.fstat(descriptor).st_mode))
    except OSError:
        pass
    return descriptor


def _release_later(descriptor: int) -> None:
    # Closing the last handle on the replaced file frees its blocks, which waits for any
    # writeback of its pages still in flight: a background thread absorbs that wait.  (If
    # the program exits first, the system closes the handle and frees the file all the same.)
    import threading
    threading.Thread(target=os.close, args=(descriptor,), daemon=True,
                     name="ember-release-replaced-checkpoint").start()


def _create_temporary(target: str):
    directory, name = os.path.split(target)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        temporary = os.path.join(directory, f".{name}.{random.getrandbits(40):010x}.tmp")
        try:
            descriptor = os.open(temporary, flags, 0o666)  # the umask applies, as for open()
        except FileExistsError:
            continue
        return temporary, os.fdopen(descriptor, "wb")
    raise FileExistsError(f"could not create a temporary file next to {target}")


@contextlib.contextmanager
def _input(f):
    if _is_path(f):
        with open(f, "rb") as stream:
            yield stream
        return
    for method in ("read", "readline", "tell", "seek"):
        if not hasattr(f, method):
            raise AttributeError(f"'{type(f).__name__}' object has no attribute '{method}'")
    try:
        f.seek(f.tell())
    except (io.UnsupportedOperation, AttributeError, OSError) as error:
        raise type(error)(f"{error}. You can only torch.load from a file that is seekable. "
                          "Please pre-load the data into a buffer like io.BytesIO and try to "
                          "load from it instead.") from None
    yield f


# ----------------------------------------------------------------------------------------------
# save
# ----------------------------------------------------------------------------------------------

def _pickler_class(pickle_module):
    base = getattr(pickle_module, "Pickler", None)
    if pickle_module is pickle or not (isinstance(base, type) and
                                       issubclass(base, pickle._Pickler)):
        return _pickle.TorchPickler
    # A pure-Python pickler from another module (dill): mix in the torch naming.
    dispatch = dict(base.dispatch)
    dispatch.update(_pickle.TorchPickler.dispatch)
    return type("TorchPickler", (_pickle.TorchPickler, base), {"dispatch": dispatch})


def _pickle_object(obj, pickle_module, protocol: int, legacy: bool):
    buffer = io.BytesIO()
    pickler = _pickler_class(pickle_module)(buffer, protocol)
    pickler.legacy = legacy
    pickler.dump(obj)
    return buffer.getvalue(), pickler.storages


_crc32_options = [True]


def set_crc32_options(compute_crc32: bool) -> None:
    """Whether ``save`` computes the CRC-32 of each record (as PyTorch's option of the same
    name; without them, files load everywhere but damage to them goes unnoticed)."""
    _crc32_options[0] = bool(compute_crc32)


def get_crc32_options() -> bool:
    """Whether ``save`` computes the CRC-32 of each record."""
    return _crc32_options[0]


def _serialization_id(names: list[str], sizes: list[int]) -> bytes:
    # Twenty random digits, then twenty from the record names and sizes: what PyTorch's
    # writer stores to tell checkpoints apart.
    digest = hash((tuple(names), tuple(sizes))) % 10**20
    return f"{random.getrandbits(64) % 10**20:020d}{digest:020d}".encode("ascii")


def save(obj: object, f, pickle_module: Any = pickle, pickle_protocol: int = DEFAULT_PROTOCOL,
         _use_new_zipfile_serialization: bool = True,
         _disable_byteorder_record: bool = False) -> None:
    """Save ``obj`` to ``f`` (a path or a writable binary file) in PyTorch's checkpoint format.

    The object is pickled in full before anything is written; a path is written through a
    temporary file in the same directory that replaces the old file only once complete.
    """
    pickled, storages = _pickle_object(obj, pickle_module, pickle_protocol,
                                       legacy=not _use_new_zipfile_serialization)
    with _output(f) as (stream, archive_name):
        if not _use_new_zipfile_serialization:
            _legacy.save_legacy(stream, pickled, storages, pickle_protocol)
            return
        writer = _zip.ZipWriter(stream, archive_name, _crc32_options[0])
        writer.write_record("data.pkl", pickled)
        writer.write_record(".format_version", _FORMAT_VERSION)
        writer.write_record(".storage_alignment", str(_zip.ALIGNMENT).encode("ascii"))
        if not _disable_byteorder_record:
            writer.write_record("byteorder", sys.byteorder.encode("ascii"))
        # Checksums run on worker threads while the main thread writes.
        checksums = {key: _zip.crc32_async(ref.data) if _crc32_options[0] else None
                     for key, ref in storages.items()}
        for key, ref in storages.items():
            writer.write_record(f"data/{key}", ref.data, checksums[key])
        writer.write_record("version", _FILE_VERSION)
        writer.write_record(".data/serialization_id", _serialization_id(
            writer.record_names, [ref.data.nbytes for ref in storages.values()]))
        writer.finish()


# ----------------------------------------------------------------------------------------------
# map_location
# ----------------------------------------------------------------------------------------------

def location_tag(storage) -> str:
    """The location string a storage is saved with ('cpu' for ember's storages)."""
    return str(getattr(storage, "device", "cpu"))


def _default_target(location: str, storage_name: str = "torch.storage.UntypedStorage") -> str:
    """Where PyTorch's default restore puts a storage tagged ``location``: 'cpu' or 'meta'."""
    if location == "cpu":
        return "cpu"
    if location == "meta":
        return "meta"
    if location.startswith("cuda"):
        from .. import cuda
        if not cuda.is_available():
            raise RuntimeError(
                "Attempting to deserialize object on a CUDA device but torch.cuda.is_available() "
                "is False. If you are running on a CPU-only machine, please use torch.load with "
                "map_location=torch.device('cpu') to map your storages to the CPU.")
        return "cpu"  # ember keeps loaded storages in host memory
    raise RuntimeError(f"don't know how to restore data location of {storage_name} (tagged "
                       f"with {location})")


def default_restore_location(storage, location: str):
    """PyTorch's default placement of a loaded storage: it stays where it is on the CPU."""
    if _default_target(location) == "meta":
        return _rebuild.MetaStorage(storage.nbytes(), getattr(storage, "dtype", None))
    return storage


class _Restorer:
    """Applies ``map_location`` to each storage as it is loaded."""

    def __init__(self, map_location) -> None:
        from .._device import device
        self.function = None
        self.mapping = None
        self.fixed = None
        if map_location is None:
            pass
        elif isinstance(map_location, (str, bytes)):
            self.fixed = map_location.decode() if isinstance(map_location, bytes) else map_location
        elif isinstance(map_location, device):
            self.fixed = str(map_location)
        elif isinstance(map_location, dict):
            self.mapping = {key: str(value) for key, value in map_location.items()}
        elif callable(map_location):
            self.function = map_location
        else:
            raise TypeError(f"map_location must be None, a string, a device, a dict or a "
                            f"callable, got {type(map_location).__name__}")

    def target(self, location: str) -> str:
        """'cpu' or 'meta': where the storage tagged ``location`` goes (errors as PyTorch)."""
        if self.function is not None:
            return "cpu"  # the function receives the loaded storage
        if self.fixed is not None:
            return _default_target(self.fixed)
        if self.mapping is not None:
            location = self.mapping.get(location, location)
        return _default_target(location)

    def __call__(self, untyped: UntypedStorage, location: str):
        if self.function is None:
            return untyped
        result = self.function(untyped, location)
        if result is None:
            return default_restore_location(untyped, location)
        return result


def _typed(result, dtype):
    """The storage a map_location function handed back, seen as ``dtype``."""
    if isinstance(result, UntypedStorage):
        return _rebuild.typed_storage(result, dtype)
    if isinstance(result, TypedStorage):
        return _rebuild.typed_storage(result._untyped_storage, dtype)
    if isinstance(result, _rebuild.MetaStorage):
        return _rebuild.MetaStorage(result.nbytes(), dtype)
    raise TypeError(f"map_location must return a storage or None, got {type(result).__name__}")


# ----------------------------------------------------------------------------------------------
# load
# ----------------------------------------------------------------------------------------------

def _weights_only_message(message: str) -> str:
    if "was not an allowed global by default" in message:
        text = ("Weights only load failed. This file can still be loaded, to do so you have two "
                "options, \033[1mdo those steps only if you trust the source of the "
                f"checkpoint\033[0m. \n\t(1) {_UNSAFE_MESSAGE}\n\t(2) Alternatively, to load "
                "with `weights_only=True` please check the recommended steps in the following "
                "error message.\n\tWeightsUnpickler error: " + message)
    else:
        text = f"Weights only load failed. {_UNSAFE_MESSAGE}\n"
        if "is blocked" not in message:
            text += ("Please file an issue with the following so that we can make "
                     "`weights_only=True` compatible with your use case: WeightsUnpickler "
                     "error: ")
        text += "\n\n" + message
    return text + _DOCS_MESSAGE


def _text(value):
    return value.decode("ascii") if isinstance(value, bytes) else value


def _is_zip(stream) -> bool:
    position = stream.tell()
    head = stream.read(4)
    stream.seek(position)
    return head == b"PK\x03\x04"


class _ZipLoader:
    """Turns the persistent ids of a zip checkpoint's pickle into loaded storages."""

    def __init__(self, reader: _zip.ZipReader, restorer: _Restorer, mapped) -> None:
        self.reader = reader
        self.source = reader.source
        self.restorer = restorer
        self.mapped = mapped
        self.loaded: dict = {}
        self.checks: list = []  # CRCs computed on worker threads while reading goes on
        # Files without the record are little-endian (PyTorch's default since 2.1).
        order = "little"
        if reader.has_record("byteorder"):
            order = reader.read("byteorder").decode("ascii", "replace")
            if order not in ("little", "big"):
                raise _zip.RecordError(f"{self.source}: Unknown endianness type: {order!r}")
        self.swap = order != sys.byteorder

    def persistent_load(self, pid):
        if not isinstance(pid, tuple) or len(pid) != 5 or _text(pid[0]) != "storage":
            raise pickle.UnpicklingError(f"unsupported persistent id {pid!r}")
        _, storage_type, key, location, numel = pid
        key, location = _text(key), _text(location)
        if not isinstance(storage_type, StorageType):
            raise pickle.UnpicklingError(f"persistent id names {storage_type!r}, not a storage "
                                         "type")
        if not isinstance(key, str) or not isinstance(location, str):
            raise pickle.UnpicklingError(f"bad storage key or location in {pid!r}")
        if isinstance(numel, bool) or not isinstance(numel, int) or numel < 0:
            raise pickle.UnpicklingError(f"bad storage size in {pid!r}")
        dtype = storage_type.dtype
        storage = self.loaded.get(key)
        if storage is None:
            storage = self._load_storage(key, location, numel, dtype)
            self.loaded[key] = storage
        elif storage.dtype is not dtype:  # one storage viewed as several dtypes (v3 tensors)
            storage = _typed(storage if isinstance(storage, _rebuild.MetaStorage)
                             else storage._untyped_storage, dtype)
        return storage

    def _load_storage(self, key: str, location: str, numel: int, dtype):
        name = f"data/{key}"
        nbytes = numel * dtype.itemsize
        size = self.reader.record_size(name)  # checked against the file's length
        if size != nbytes:
            raise _zip.RecordError(
                f"{self.source}: storage size mismatch: record {name} holds {size} bytes, but "
                f"the pickle expects {numel} elements of {dtype} ({nbytes} bytes). The "
                "checkpoint is damaged.")
        if self.restorer.target(location) == "meta":
            return _rebuild.MetaStorage(nbytes, dtype)
        raw = self._read(name, nbytes)
        if self.swap:
            _legacy.byteswap(raw, dtype)
        return _typed(self.restorer(UntypedStorage(raw), location), dtype)

    def _read(self, name: str, nbytes: int) -> np.ndarray:
        if self.mapped is not None and nbytes:
            start = self.reader.data_offset(name)
            if start is not None:
                if start + nbytes > len(self.mapped):
                    raise _zip.RecordError(f"{self.source}: record {name} is truncated (it "
                                           "runs past the end of the file)")
                return np.frombuffer(self.mapped, np.uint8, nbytes, start)
        raw = np.empty(nbytes, np.uint8)
        if nbytes:
            self.reader.read_into(name, raw, self.checks)
        return raw


def _resolve_weights_only(weights_only, pickle_module) -> bool:
    truthy = ("1", "y", "yes", "true")
    force = os.getenv("TORCH_FORCE_WEIGHTS_ONLY_LOAD", "0").lower() in truthy
    force_not = os.getenv("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "0").lower() in truthy
    if force and force_not:
        raise RuntimeError("Only one of `TORCH_FORCE_WEIGHTS_ONLY_LOAD` or "
                           "`TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD` should be set, but both were set.")
    if force:
        return True
    if weights_only is None:
        if force_not:
            warnings.warn("Environment variable TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD detected, since "
                          "the`weights_only` argument was not explicitly passed to `torch.load`, "
                          "forcing weights_only=False.", UserWarning, stacklevel=3)
            return False
        # PyTorch's default: safe, unless the caller brings its own pickle module.
        return pickle_module is None
    return bool(weights_only)


def _make_unpickle(weights_only: bool, pickle_module, load_args: dict):
    """A function ``(stream, persistent_load) -> object`` reading one pickle."""
    if weights_only:
        encoding = load_args.get("encoding", "utf-8")

        def unpickle(stream, persistent_load):
            unpickler = _pickle.WeightsOnlyUnpickler(stream, encoding=encoding,
                                                     persistent_load=persistent_load)
            return unpickler.load()
        return unpickle

    def unpickle_full(stream, persistent_load):
        unpickler = _pickle.full_unpickler(pickle_module, stream, persistent_load, **load_args)
        return unpickler.load()
    return unpickle_full


def load(f, map_location=None, pickle_module: Any = None, *, weights_only: bool | None = None,
         mmap: bool | None = None, **pickle_load_args: Any) -> Any:
    """Load an object saved with ``torch.save`` / ``ember.save`` from a path or binary file.

    ``weights_only`` (default True unless ``pickle_module`` is given) refuses any pickle that
    would import or call something outside the allow-list; ``map_location`` ('cpu', 'meta', a
    device, a dict of location tags, or a function ``(storage, location)``) decides where
    storages go; ``mmap=True`` maps the storages from the file instead of reading them.
    """
    weights_only = _resolve_weights_only(weights_only, pickle_module)
    if weights_only:
        if pickle_module is not None:
            raise RuntimeError("Can not safely load weights when explicit pickle_module is "
                               "specified")
        if pickle_load_args:
            warnings.warn("pickle_load_args only works if `weights_only=False`.", stacklevel=2)
    elif pickle_module is None:
        pickle_module = pickle
    pickle_load_args.setdefault("encoding", "utf-8")
    restorer = _Restorer(map_location)
    if _is_path(f) and os.fspath(f).endswith(".safetensors" if isinstance(os.fspath(f), str)
                                             else b".safetensors"):
        return _load_safetensors(f, map_location)
    unpickle = _make_unpickle(weights_only, pickle_module, pickle_load_args)
    source = _source_name(f)
    try:
        with _input(f) as stream:
            if _is_zip(stream):
                return _load_zip(f, stream, source, restorer, unpickle, bool(mmap))
            if mmap:
                name = f"{f}, " if isinstance(f, str) else ""
                raise RuntimeError("mmap can only be used with files saved with "
                                   f"`torch.save({name}_use_new_zipfile_serialization=True), "
                                   "please torch.save your checkpoint with this option in order "
                                   "to use mmap.")
            return _legacy.load_legacy(stream, source, unpickle, restorer)
    except _rebuild.StorageError as error:
        raise RuntimeError(f"{source}: {error}. The checkpoint is damaged or was written by "
                           "something ember cannot read.") from None
    except pickle.UnpicklingError as error:
        if weights_only:
            raise pickle.UnpicklingError(_weights_only_message(str(error)) +
                                         f"\n(while loading {source})") from None
        raise


def _load_zip(f, stream, source: str, restorer: _Restorer, unpickle, use_mmap: bool):
    reader = _zip.ZipReader(stream, source)
    if reader.has_record("constants.pkl"):
        raise RuntimeError(f"{source} is a TorchScript archive (written by torch.jit.save); "
                           "ember cannot load TorchScript programs")
    mapped = None
    if use_mmap:
        if not _is_path(f):
            raise ValueError("f must be a file path in order to use the mmap argument")
        if os.path.getsize(f):
            mapped = _mmap.mmap(stream.fileno(), 0, access=_mmap.ACCESS_COPY)
    loader = _ZipLoader(reader, restorer, mapped)
    result = unpickle(io.BytesIO(reader.read("data.pkl")), loader.persistent_load)
    reader.verify(loader.checks)  # nothing is handed back before every checksum matched
    return result


def _load_safetensors(f, map_location):
    from ..utils import safetensors
    device = "cpu"
    if map_location is not None:
        if isinstance(map_location, dict):
            raise RuntimeError("Loading safetensors file with dict map_location is not "
                               "supported. Use a device string or torch.device instead.")
        if callable(map_location) and not isinstance(map_location, str):
            raise RuntimeError("Loading safetensors file with callable map_location is not "
                               "supported. Use a device string or torch.device instead.")
        device = str(map_location)
    return safetensors.load_file(f, device=device)


def get_unsafe_globals_in_checkpoint(f) -> list[str]:
    """The globals in checkpoint ``f`` that a ``weights_only`` load would refuse (read without
    running the pickle)."""
    import pickletools
    with _input(f) as stream:
        if not _is_zip(stream):
            raise ValueError("Expected input to be a checkpoint saved with torch.save(..., "
                             "_use_new_zipfile_serialization=True)")
        data = _zip.ZipReader(stream, _source_name(f)).read("data.pkl")
    unsafe = set()
    strings: list = []
    for opcode, argument, _ in pickletools.genops(data):
        if opcode.name in ("SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "UNICODE"):
            strings.append(argument)
        names = []
        if opcode.name in ("GLOBAL", "INST"):
            names.append(tuple(argument.split(" ", 1)))
        elif opcode.name == "STACK_GLOBAL" and len(strings) >= 2:
            names.append((strings[-2], strings[-1]))
        for module, name in names:
            try:
                _pickle.resolve_safe_global(module, name)
            except (pickle.UnpicklingError, RuntimeError):
                unsafe.add(f"{module}.{name}")
    return sorted(unsafe)
