"""The zip container of PyTorch checkpoints: an aligned writer and a checking reader.

PyTorch writes uncompressed ("stored") records, each starting on a 64-byte boundary so that a
storage can be mapped from the file and viewed in place.  The padding goes into an extra field
of the local header (id ``FB``, filled with ``Z``).  Sizes and CRCs follow each record in a data
descriptor, so the writer never seeks back: it works on pipes and sockets too.  Zip64 records
are added where sizes or offsets outgrow 32 bits, and the end of the archive always carries the
zip64 end-of-central-directory record, as PyTorch's writer does.

The reader leans on :mod:`zipfile` for the central directory, but reads stored records straight
into the caller's buffer (no intermediate copy) and checks their CRC-32 itself.
"""
from __future__ import annotations

import io
import os
import struct
import zipfile
import zlib

import numpy as np

try:  # ISA-L's CRC-32 (carry-less multiplication) is several times faster than zlib's
    from isal.isal_zlib import crc32 as _crc32
except ImportError:  # pragma: no cover - the optional accelerator is not installed
    _crc32 = zlib.crc32

ALIGNMENT = 64
# Sizes and offsets from this value on need zip64 fields (a module constant so that tests can
# lower it and exercise the zip64 path on small archives).
ZIP64_LIMIT = 0xFFFFFFFF

_LOCAL_HEADER = struct.Struct("<IHHHHHIIIHH")
_CENTRAL_HEADER = struct.Struct("<IHHHHHHIIIHHHHHII")
_DESCRIPTOR32 = struct.Struct("<IIII")
_DESCRIPTOR64 = struct.Struct("<IIQQ")
_ZIP64_END = struct.Struct("<IQHHIIQQQQ")
_ZIP64_LOCATOR = struct.Struct("<IIQI")
_END = struct.Struct("<IHHHHIIH")

_LOCAL_SIGNATURE = 0x04034B50
_CENTRAL_SIGNATURE = 0x02014B50
_DESCRIPTOR_SIGNATURE = 0x08074B50
_ZIP64_END_SIGNATURE = 0x06064B50
_ZIP64_LOCATOR_SIGNATURE = 0x07064B50
_END_SIGNATURE = 0x06054B50
# Bit 3: sizes and CRC follow the data; bit 11: names are UTF-8.
_FLAGS = 0x0808
_PADDING_FIELD = b"FB"
_ZIP64_FIELD = 0x0001


# -- CRC-32 off the main thread ---------------------------------------------------------------
#
# zlib.crc32 releases the GIL on large buffers, so checksums can run on other cores while the
# main thread reads or writes.  A buffer is cut into pieces whose CRCs are combined with the
# polynomial arithmetic below, so that even one huge storage uses every core.

_CRC_PIECE = 1 << 22
_CRC_POLY = 0xEDB88320  # CRC-32 (zip's), bit-reversed: bit 31 stands for x^0
_pool = None


def _multiply_mod_poly(a: int, b: int) -> int:
    """a(x) * b(x) modulo the CRC-32 polynomial, both in bit-reversed form."""
    product = 0
    mask = 1 << 31
    while a:
        if a & mask:
            product ^= b
            a ^= mask
        mask >>= 1
        b = (b >> 1) ^ _CRC_POLY if b & 1 else b >> 1
    return product


_SHIFTS: dict = {}


def _shift_operator(nbytes: int) -> int:
    """x^(8 * nbytes) modulo the polynomial: appending nbytes zero bytes to a message."""
    operator = _SHIFTS.get(nbytes)
    if operator is None:
        operator = 1 << 31  # x^0
        square = 1 << 23    # x^8: one byte
        count = nbytes
        while count:
            if count & 1:
                operator = _multiply_mod_poly(operator, square)
            square = _multiply_mod_poly(square, square)
            count >>= 1
        if len(_SHIFTS) < 64:
            _SHIFTS[nbytes] = operator
    return operator


def crc32_combine(crc_a: int, crc_b: int, length_b: int) -> int:
    """The CRC-32 of A followed by B, from the CRCs of A and of B (``length_b`` bytes)."""
    return _multiply_mod_poly(_shift_operator(length_b), crc_a) ^ crc_b


def _forget_pool() -> None:
    # A forked child (a DataLoader worker, say) inherits the pool but not its threads: work
    # submitted there would wait forever, so the child starts a pool of its own.
    global _pool
    _pool = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def _executor():
    global _pool
    if _pool is None:
        import concurrent.futures
        workers = max(1, min(8, os.cpu_count() or 1))
        _pool = concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix="ember-crc")
    return _pool


class _CrcJob:
    """The CRC-32 of a buffer, being computed in pieces on the worker threads."""

    def __init__(self, buffer) -> None:
        view = memoryview(buffer).cast("B") if not isinstance(buffer, bytes) else buffer
        size = len(view)
        if size <= _CRC_PIECE:
            self._pieces = [(_executor().submit(_crc32, view), size)]
        else:
            self._pieces = [(_executor().submit(_crc32, view[start:start + _CRC_PIECE]),
                             min(_CRC_PIECE, size - start))
                            for start in range(0, size, _CRC_PIECE)]

    def result(self) -> int:
        crc = 0
        for number, (future, length) in enumerate(self._pieces):
            piece = future.result()
            crc = piece if number == 0 else crc32_combine(crc, piece, length)
        return crc


def crc32_async(buffer):
    """Start the CRC-32 of ``buffer``: an object whose ``result()`` gives it.  Small buffers
    are done on the spot (a thread hop would cost more)."""
    if len(memoryview(buffer).cast("B") if not isinstance(buffer, bytes) else buffer) < (1 << 16):
        return _Done(_crc32(buffer))
    return _CrcJob(buffer)


class _Done:
    __slots__ = ("value",)

    def __init__(self, value: int) -> None:
        self.value = value

    def result(self) -> int:
        return self.value


class ZipWriter:
    """Writes records one after the other to a binary stream, PyTorch's way."""

    def __init__(self, stream, archive_name: str, compute_crc32: bool = True) -> None:
        self._stream = stream
        self._compute_crc32 = compute_crc32
        self._prefix = archive_name + "/"
        self._position = 0
        self._entries: list[tuple[bytes, int, int, int]] = []

    @property
    def record_names(self) -> list[str]:
        return [name.decode("utf-8") for name, *_ in self._entries]

    def _write(self, data) -> None:
        self._stream.write(data)
        self._position += len(data) if isinstance(data, bytes) else data.nbytes

    def write_record(self, name: str, data, crc=None) -> None:
        """Append record ``name`` holding ``data`` (bytes or a 1-D uint8 array); ``crc`` may
        be a job from :func:`crc32_async` started earlier on the same data."""
        full_name = (self._prefix + name).encode("utf-8")
        if isinstance(data, np.ndarray):
            payload = memoryview(data)
            size = data.nbytes
        else:
            payload = data
            size = len(data)
        offset = self._position
        needs_zip64 = size >= ZIP64_LIMIT or offset >= ZIP64_LIMIT
        zip64_field = b""
        if needs_zip64:
            values = []
            if size >= ZIP64_LIMIT:
                values += [size, size]
            if offset >= ZIP64_LIMIT:
                values.append(offset)
            zip64_field = struct.pack(f"<HH{len(values)}Q", _ZIP64_FIELD, 8 * len(values), *values)
        before_data = offset + _LOCAL_HEADER.size + len(full_name) + len(zip64_field) + 4
        padding = -before_data % ALIGNMENT
        extra = zip64_field + _PADDING_FIELD + struct.pack("<H", padding) + b"Z" * padding
        header_size = 0xFFFFFFFF if needs_zip64 else 0
        self._write(_LOCAL_HEADER.pack(_LOCAL_SIGNATURE, 0, _FLAGS, 0, 0, 0, 0, header_size,
                                       header_size, len(full_name), len(extra)))
        self._write(full_name + extra)
        if size:
            self._write(payload)
        if not self._compute_crc32:
            crc = 0
        else:
            crc = _crc32(payload) if crc is None else crc.result()
        if size >= ZIP64_LIMIT:
            self._write(_DESCRIPTOR64.pack(_DESCRIPTOR_SIGNATURE, crc, size, size))
        else:
            self._write(_DESCRIPTOR32.pack(_DESCRIPTOR_SIGNATURE, crc, size, size))
        self._entries.append((full_name, offset, size, crc))

    def finish(self) -> None:
        """Write the central directory and the end records."""
        directory_start = self._position
        for full_name, offset, size, crc in self._entries:
            values = []
            if size >= ZIP64_LIMIT:
                values += [size, size]
            if offset >= ZIP64_LIMIT:
                values.append(offset)
            extra = (struct.pack(f"<HH{len(values)}Q", _ZIP64_FIELD, 8 * len(values), *values)
                     if values else b"")
            size32 = 0xFFFFFFFF if size >= ZIP64_LIMIT else size
            offset32 = 0xFFFFFFFF if offset >= ZIP64_LIMIT else offset
            self._write(_CENTRAL_HEADER.pack(_CENTRAL_SIGNATURE, 0, 0, _FLAGS, 0, 0, 0, crc,
                                             size32, size32, len(full_name), len(extra), 0, 0,
                                             0, 0, offset32))
            self._write(full_name + extra)
        directory_size = self._position - directory_start
        count = len(self._entries)
        zip64_end = self._position
        self._write(_ZIP64_END.pack(_ZIP64_END_SIGNATURE, _ZIP64_END.size - 12, 0x031E, 45, 0, 0,
                                    count, count, directory_size, directory_start))
        self._write(_ZIP64_LOCATOR.pack(_ZIP64_LOCATOR_SIGNATURE, 0, zip64_end, 1))
        count16 = min(count, 0xFFFF)
        self._write(_END.pack(_END_SIGNATURE, 0, 0, count16, count16,
                              min(directory_size, 0xFFFFFFFF), min(directory_start, 0xFFFFFFFF),
                              0))


class RecordError(RuntimeError):
    """A checkpoint archive that cannot be read (bad zip, missing or damaged record)."""


_CORRUPT_HINT = ("If you are seeing this error, there is a high likelihood that your checkpoint "
                 "file is corrupted. This can happen if the checkpoint was not saved properly, "
                 "was transferred incorrectly, or the file was modified after saving.")


class ZipReader:
    """Looks up the records of a checkpoint archive and reads them with their CRC checked."""

    def __init__(self, stream, source: str) -> None:
        self._stream = stream
        self.source = source
        try:
            self._zip = zipfile.ZipFile(stream)
            infos = self._zip.infolist()
        except Exception as error:  # zipfile reports damage in many ways (even
            # NotImplementedError for a garbled "version needed" field)
            raise RecordError(f"{source}: PytorchStreamReader failed reading zip archive: failed "
                              f"finding central directory ({error}). {_CORRUPT_HINT}") from None
        self._end = stream.seek(0, os.SEEK_END)
        try:
            self._descriptor = stream.fileno() if hasattr(stream, "fileno") else None
        except (OSError, ValueError, io.UnsupportedOperation):
            self._descriptor = None
        self._infos = {}
        for info in infos:
            self._infos.setdefault(info.filename, info)
        # PyTorch can write archives without checksums (set_crc32_options(False)): every CRC
        # is then 0, and there is nothing to check.
        self.checksummed = any(info.CRC for info in infos)
        self.prefix = self._find_prefix(infos)

    def _find_prefix(self, infos) -> str:
        for info in infos:
            head, slash, tail = info.filename.rpartition("/")
            if tail == "data.pkl" and slash and "/" not in head:
                return head + "/"
        names = [info.filename for info in infos[:5]]
        raise RecordError(f"{self.source}: PytorchStreamReader failed locating file data.pkl: "
                          f"file not found (the archive holds {names}...). {_CORRUPT_HINT}")

    def names(self) -> list[str]:
        """Record names without the archive prefix."""
        return [name[len(self.prefix):] for name in self._infos if name.startswith(self.prefix)]

    def has_record(self, name: str) -> bool:
        return self.prefix + name in self._infos

    def _info(self, name: str) -> zipfile.ZipInfo:
        info = self._infos.get(self.prefix + name)
        if info is None:
            raise RecordError(f"{self.source}: PytorchStreamReader failed locating file {name}: "
                              f"file not found. {_CORRUPT_HINT}")
        return info

    def record_size(self, name: str) -> int:
        """The size of record ``name``; a size reaching past the end of the file raises."""
        info = self._info(name)
        if info.header_offset < 0 or info.header_offset + info.compress_size > self._end:
            raise RecordError(f"{self.source}: record {name} is truncated: it claims "
                              f"{info.file_size} bytes at offset {info.header_offset} of a "
                              f"{self._end}-byte file. {_CORRUPT_HINT}")
        return info.file_size

    def read(self, name: str) -> bytes:
        """The whole record ``name`` (for the small ones: the pickle and the markers)."""
        info = self._info(name)
        start = self.data_offset(name)
        if start is None:  # compressed: let zipfile inflate it
            try:
                return self._zip.read(info)
            except Exception as error:  # zipfile raises many kinds on damaged input
                raise RecordError(f"{self.source}: failed reading record {name} "
                                  f"({type(error).__name__}: {error}). {_CORRUPT_HINT}") from None
        data = self._read_at(start, self.record_size(name))
        if len(data) != info.file_size:
            raise RecordError(f"{self.source}: record {name} is truncated: expected "
                              f"{info.file_size} bytes, found {len(data)}. {_CORRUPT_HINT}")
        self._check_crc(name, _crc32(data), info.CRC)
        return data

    def _read_at(self, offset: int, count: int) -> bytes:
        if offset < 0 or count < 0 or offset + count > self._end:
            raise RecordError(f"{self.source}: the archive points past the end of the file "
                              f"(offset {offset}, {count} bytes). {_CORRUPT_HINT}")
        if self._descriptor is not None:
            return os.pread(self._descriptor, count, offset)  # no seek, no buffer refill
        self._stream.seek(offset)
        return self._stream.read(count)

    def data_offset(self, name: str) -> int | None:
        """Where the bytes of a stored record start in the file (None when compressed)."""
        info = self._info(name)
        if info.compress_type != zipfile.ZIP_STORED or info.flag_bits & 0x1:
            return None
        start = info.header_offset
        expected_name = info.orig_filename.encode("utf-8")
        block = self._read_at(start, _LOCAL_HEADER.size + len(expected_name))
        header = block[:_LOCAL_HEADER.size]
        if len(header) != _LOCAL_HEADER.size:
            raise RecordError(f"{self.source}: record {name} is truncated (its local header lies "
                              f"past the end of the file). {_CORRUPT_HINT}")
        fields = _LOCAL_HEADER.unpack(header)
        if fields[0] != _LOCAL_SIGNATURE:
            raise RecordError(f"{self.source}: record {name} has a bad local header signature. "
                              f"{_CORRUPT_HINT}")
        name_length, extra_length = fields[9], fields[10]
        stored_name = block[_LOCAL_HEADER.size:]
        if name_length != len(expected_name):
            stored_name = self._read_at(start + _LOCAL_HEADER.size, name_length)
        if stored_name != info.orig_filename.encode("utf-8") and stored_name.decode(
                "cp437", "replace") != info.orig_filename:
            raise RecordError(f"{self.source}: record {name}: the local header names "
                              f"{stored_name!r}. {_CORRUPT_HINT}")
        return info.header_offset + _LOCAL_HEADER.size + name_length + extra_length

    def read_into(self, name: str, out: np.ndarray, checks: list | None = None) -> None:
        """Fill the uint8 array ``out`` (of the record's exact size) with record ``name``.

        The CRC is checked here, or, when a list ``checks`` is given, started on the worker
        threads and appended there for :meth:`verify` to collect."""
        info = self._info(name)
        start = self.data_offset(name)
        if start is None:  # a compressed record (an archive re-zipped by other tools)
            out[...] = np.frombuffer(self.read(name), np.uint8)
            return
        if start + out.nbytes > self._end:
            raise RecordError(f"{self.source}: record {name} is truncated (it runs past the end "
                              f"of the file). {_CORRUPT_HINT}")
        self._stream.seek(start)
        view = memoryview(out)
        filled = 0
        while filled < out.nbytes:
            count = self._stream.readinto(view[filled:])
            if not count:
                raise RecordError(f"{self.source}: record {name} is truncated: expected "
                                  f"{out.nbytes} bytes, found {filled}. {_CORRUPT_HINT}")
            filled += count
        if checks is None:
            self._check_crc(name, _crc32(view), info.CRC)
        else:
            checks.append((name, crc32_async(out), info.CRC))

    def _check_crc(self, name: str, actual: int, expected: int) -> None:
        if actual != expected and self.checksummed:
            raise RecordError(f"{self.source}: record {name} fails its CRC-32 check (the data "
                              f"was damaged). {_CORRUPT_HINT}")

    def verify(self, checks: list) -> None:
        """Wait for the CRCs started by :meth:`read_into` and raise on the first mismatch."""
        for name, job, expected in checks:
            self._check_crc(name, job.result(), expected)
