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

import struct
import zipfile
import zlib

import numpy as np

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


class ZipWriter:
    """Writes records one after the other to a binary stream, PyTorch's way."""

    def __init__(self, stream, archive_name: str) -> None:
        self._stream = stream
        self._prefix = archive_name + "/"
        self._position = 0
        self._entries: list[tuple[bytes, int, int, int]] = []

    @property
    def record_names(self) -> list[str]:
        return [name.decode("utf-8") for name, *_ in self._entries]

    def _write(self, data) -> None:
        self._stream.write(data)
        self._position += len(data) if isinstance(data, bytes) else data.nbytes

    def write_record(self, name: str, data) -> None:
        """Append record ``name`` holding ``data`` (bytes or a 1-D uint8 array)."""
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
        crc = zlib.crc32(payload)
        if size:
            self._write(payload)
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
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError,
                struct.error, UnicodeDecodeError, OverflowError, MemoryError) as error:
            raise RecordError(f"{source}: PytorchStreamReader failed reading zip archive: failed "
                              f"finding central directory ({error}). {_CORRUPT_HINT}") from None
        self._infos = {}
        for info in infos:
            self._infos.setdefault(info.filename, info)
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
        return self._info(name).file_size

    def read(self, name: str) -> bytes:
        """The whole record ``name`` (for the small ones: the pickle and the markers)."""
        info = self._info(name)
        try:
            return self._zip.read(info)
        except Exception as error:  # zipfile raises many kinds on damaged input
            raise RecordError(f"{self.source}: failed reading record {name} ({type(error).__name__}:"
                              f" {error}). {_CORRUPT_HINT}") from None

    def data_offset(self, name: str) -> int | None:
        """Where the bytes of a stored record start in the file (None when compressed)."""
        info = self._info(name)
        if info.compress_type != zipfile.ZIP_STORED or info.flag_bits & 0x1:
            return None
        self._stream.seek(info.header_offset)
        header = self._stream.read(_LOCAL_HEADER.size)
        if len(header) != _LOCAL_HEADER.size:
            raise RecordError(f"{self.source}: record {name} is truncated (its local header lies "
                              f"past the end of the file). {_CORRUPT_HINT}")
        fields = _LOCAL_HEADER.unpack(header)
        if fields[0] != _LOCAL_SIGNATURE:
            raise RecordError(f"{self.source}: record {name} has a bad local header signature. "
                              f"{_CORRUPT_HINT}")
        name_length, extra_length = fields[9], fields[10]
        stored_name = self._stream.read(name_length)
        if stored_name != info.orig_filename.encode("utf-8") and stored_name.decode(
                "cp437", "replace") != info.orig_filename:
            raise RecordError(f"{self.source}: record {name}: the local header names "
                              f"{stored_name!r}. {_CORRUPT_HINT}")
        return info.header_offset + _LOCAL_HEADER.size + name_length + extra_length

    def read_into(self, name: str, out: np.ndarray) -> None:
        """Fill the uint8 array ``out`` (of the record's exact size) with record ``name``."""
        info = self._info(name)
        start = self.data_offset(name)
        if start is None:  # a compressed record (an archive re-zipped by other tools)
            out[...] = np.frombuffer(self.read(name), np.uint8)
            return
        self._stream.seek(start)
        view = memoryview(out)
        filled = 0
        while filled < out.nbytes:
            count = self._stream.readinto(view[filled:])
            if not count:
                raise RecordError(f"{self.source}: record {name} is truncated: expected "
                                  f"{out.nbytes} bytes, found {filled}. {_CORRUPT_HINT}")
            filled += count
        if zlib.crc32(view) != info.CRC:
            raise RecordError(f"{self.source}: record {name} fails its CRC-32 check (the data "
                              f"was damaged). {_CORRUPT_HINT}")
