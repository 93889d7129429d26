"""Downloading, checking and unpacking dataset files (``torchvision.datasets.utils``).

A download streams into a temporary file beside its destination and is renamed into place only
once it is complete and its MD5 matches, so an interrupted or corrupted download never leaves a
file that looks finished.  Archives are unpacked with path checks (no member may land outside
the target folder).
"""
from __future__ import annotations

import bz2
import gzip
import hashlib
import lzma
import os
import pathlib
import shutil
import sys
import tarfile
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterable
from typing import IO, Any, Callable, Optional, Union

USER_AGENT = "pytorch/vision"

PathLike = Union[str, pathlib.Path]

__all__ = ["USER_AGENT", "calculate_md5", "check_md5", "check_integrity", "download_url",
           "download_and_extract_archive", "extract_archive", "list_dir", "list_files",
           "verify_str_arg", "iterable_to_str", "DownloadError", "missing_files_message"]


class _Progress:
    """A one-line byte counter on stderr (percent when the size is known)."""

    def __init__(self, total: Optional[int], label: str, stream=None) -> None:
        self.total = total
        self.done = 0
        self.stream = stream if stream is not None else sys.stderr
        self.stream.write(f"Downloading {label}\n")

    def update(self, count: int) -> None:
        self.done += count
        if self.total:
            percent = 100.0 * self.done / self.total
            text = f"\r  {percent:5.1f}% ({self.done / 1e6:.1f}/{self.total / 1e6:.1f} MB)"
        else:
            text = f"\r  {self.done / 1e6:.1f} MB"
        self.stream.write(text)
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\n")
        self.stream.flush()


def calculate_md5(fpath: PathLike, chunk_size: int = 1024 * 1024) -> str:
    """The hex MD5 digest of a file's bytes."""
    md5 = hashlib.md5(usedforsecurity=False)
    with open(fpath, "rb") as handle:
        while chunk := handle.read(chunk_size):
            md5.update(chunk)
    return md5.hexdigest()


def check_md5(fpath: PathLike, md5: str, **kwargs: Any) -> bool:
    """Whether the file's MD5 is ``md5``."""
    return md5 == calculate_md5(fpath, **kwargs)


def check_integrity(fpath: PathLike, md5: Optional[str] = None) -> bool:
    """Whether ``fpath`` is a file and (when ``md5`` is given) has that checksum."""
    if not os.path.isfile(fpath):
        return False
    if md5 is None:
        return True
    return check_md5(fpath, md5)


def _urlretrieve(url: str, filename: PathLike, md5: Optional[str] = None,
                 chunk_size: int = 1024 * 32) -> None:
    """Stream ``url`` into ``filename`` through a temporary file renamed into place at the end."""
    filename = os.fspath(filename)
    directory = os.path.dirname(filename) or "."
    handle, partial = tempfile.mkstemp(dir=directory, prefix=os.path.basename(filename) + ".",
                                       suffix=".part")
    try:
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
        with os.fdopen(handle, "wb") as out, urllib.request.urlopen(request) as response:
            length = getattr(response, "length", None)
            progress = _Progress(length, f"{url} to {filename}")
            try:
                while chunk := response.read(chunk_size):
                    out.write(chunk)
                    progress.update(len(chunk))
            finally:
                progress.close()
            if length is not None and progress.done < length:
                raise urllib.error.URLError(
                    f"the connection closed after {progress.done} of {length} bytes")
        if md5 is not None and not check_md5(partial, md5):
            raise RuntimeError(f"The file downloaded from {url} is corrupted: its MD5 is "
                               f"{calculate_md5(partial)}, expected {md5}.")
        os.replace(partial, filename)
    except BaseException:
        # Whatever went wrong (network, disk, Ctrl-C), leave no half-written file behind.
        if os.path.exists(partial):
            os.remove(partial)
        raise


def download_url(url: str, root: PathLike, filename: Optional[PathLike] = None,
                 md5: Optional[str] = None, max_redirect_hops: int = 3) -> None:
    """Download ``url`` to ``root/filename`` unless a file with the right MD5 is already there.

    Network errors propagate (``urllib.error.URLError`` and friends); a completed download
    whose MD5 does not match raises RuntimeError and is discarded.
    """
    root = os.path.expanduser(root)
    if not filename:
        filename = os.path.basename(url)
    fpath = os.fspath(os.path.join(root, filename))
    os.makedirs(root, exist_ok=True)
    if check_integrity(fpath, md5):
        return
    _urlretrieve(url, fpath, md5)
    if not check_integrity(fpath, md5):
        raise RuntimeError("File not found or corrupted.")


def list_dir(root: PathLike, prefix: bool = False) -> list[str]:
    """The folders directly under ``root`` (with ``root`` prepended when ``prefix``)."""
    root = os.path.expanduser(root)
    directories = [p for p in os.listdir(root) if os.path.isdir(os.path.join(root, p))]
    return [os.path.join(root, d) for d in directories] if prefix else directories


def list_files(root: PathLike, suffix: str, prefix: bool = False) -> list[str]:
    """The files directly under ``root`` ending with ``suffix``."""
    root = os.path.expanduser(root)
    files = [p for p in os.listdir(root)
             if os.path.isfile(os.path.join(root, p)) and p.endswith(suffix)]
    return [os.path.join(root, d) for d in files] if prefix else files


def _inside(root: str, member: str) -> bool:
    target = os.path.realpath(os.path.join(root, member))
    return os.path.commonpath([os.path.realpath(root), target]) == os.path.realpath(root)


def _extract_tar(from_path: PathLike, to_path: PathLike, compression: Optional[str]) -> None:
    with tarfile.open(from_path, f"r:{compression[1:]}" if compression else "r") as tar:
        for member in tar.getmembers():
            if not _inside(os.fspath(to_path), member.name):
                raise RuntimeError(f"Refusing to extract {member.name!r}: it would be written "
                                   f"outside {to_path}")
        if hasattr(tarfile, "data_filter"):
            tar.extractall(to_path, filter="data")
        else:  # Python without extraction filters: the member names were checked above
            tar.extractall(to_path)


_ZIP_COMPRESSION_MAP = {".bz2": zipfile.ZIP_BZIP2, ".xz": zipfile.ZIP_LZMA}


def _extract_zip(from_path: PathLike, to_path: PathLike, compression: Optional[str]) -> None:
    mode = _ZIP_COMPRESSION_MAP[compression] if compression else zipfile.ZIP_STORED
    with zipfile.ZipFile(from_path, "r", compression=mode) as archive:
        for name in archive.namelist():
            if not _inside(os.fspath(to_path), name):
                raise RuntimeError(f"Refusing to extract {name!r}: it would be written outside "
                                   f"{to_path}")
        archive.extractall(to_path)


_ARCHIVE_EXTRACTORS: dict[str, Callable] = {".tar": _extract_tar, ".zip": _extract_zip}
_COMPRESSED_FILE_OPENERS: dict[str, Callable[..., IO]] = {".bz2": bz2.open, ".gz": gzip.open,
                                                          ".xz": lzma.open}
_FILE_TYPE_ALIASES = {".tbz": (".tar", ".bz2"), ".tbz2": (".tar", ".bz2"), ".tgz": (".tar", ".gz")}


def _detect_file_type(file: PathLike) -> tuple[str, Optional[str], Optional[str]]:
    """(suffix, archive type, compression) from a file name's suffixes."""
    suffixes = pathlib.Path(file).suffixes
    if not suffixes:
        raise RuntimeError(f"File '{file}' has no suffixes that could be used to detect the "
                           "archive type and compression.")
    suffix = suffixes[-1]
    if suffix in _FILE_TYPE_ALIASES:
        return (suffix, *_FILE_TYPE_ALIASES[suffix])
    if suffix in _ARCHIVE_EXTRACTORS:
        return suffix, suffix, None
    if suffix in _COMPRESSED_FILE_OPENERS:
        if len(suffixes) > 1 and suffixes[-2] in _ARCHIVE_EXTRACTORS:
            return suffixes[-2] + suffix, suffixes[-2], suffix
        return suffix, None, suffix
    valid = sorted(set(_FILE_TYPE_ALIASES) | set(_ARCHIVE_EXTRACTORS) | set(_COMPRESSED_FILE_OPENERS))
    raise RuntimeError(f"Unknown compression or archive type: '{suffix}'.\n"
                       f"Known suffixes are: '{valid}'.")


def _decompress(from_path: PathLike, to_path: Optional[PathLike] = None,
                remove_finished: bool = False) -> pathlib.Path:
    suffix, archive_type, compression = _detect_file_type(from_path)
    if not compression:
        raise RuntimeError(f"Couldn't detect a compression from suffix {suffix}.")
    if to_path is None:
        to_path = pathlib.Path(os.fspath(from_path).replace(suffix, archive_type or ""))
    to_path = os.fspath(to_path)
    handle, partial = tempfile.mkstemp(dir=os.path.dirname(to_path) or ".", suffix=".part")
    try:
        with _COMPRESSED_FILE_OPENERS[compression](from_path, "rb") as source, \
                os.fdopen(handle, "wb") as target:
            shutil.copyfileobj(source, target)
        os.replace(partial, to_path)
    except BaseException:
        if os.path.exists(partial):
            os.remove(partial)
        raise
    if remove_finished:
        os.remove(from_path)
    return pathlib.Path(to_path)


def extract_archive(from_path: PathLike, to_path: Optional[PathLike] = None,
                    remove_finished: bool = False) -> PathLike:
    """Unpack a .tar/.zip archive (optionally compressed) or decompress a .gz/.bz2/.xz file
    into ``to_path`` (default: beside it); returns where the result went."""
    def same_kind(path: pathlib.Path) -> PathLike:
        return os.fspath(path) if isinstance(from_path, str) else path

    if to_path is None:
        to_path = os.path.dirname(from_path)
    suffix, archive_type, compression = _detect_file_type(from_path)
    if not archive_type:
        target = os.path.join(to_path, os.path.basename(from_path).replace(suffix, ""))
        return same_kind(_decompress(from_path, target, remove_finished=remove_finished))
    _ARCHIVE_EXTRACTORS[archive_type](from_path, to_path, compression)
    if remove_finished:
        os.remove(from_path)
    return same_kind(pathlib.Path(to_path))


def download_and_extract_archive(url: str, download_root: PathLike,
                                 extract_root: Optional[PathLike] = None,
                                 filename: Optional[PathLike] = None, md5: Optional[str] = None,
                                 remove_finished: bool = False) -> None:
    """Download ``url`` into ``download_root`` and unpack it into ``extract_root``."""
    download_root = os.path.expanduser(download_root)
    if extract_root is None:
        extract_root = download_root
    if not filename:
        filename = os.path.basename(url)
    download_url(url, download_root, filename, md5)
    extract_archive(os.path.join(download_root, filename), extract_root, remove_finished)


# The exceptions a failed download can raise: no route/DNS (URLError), a dropped connection
# (OSError, http.client's errors) or a bad checksum (RuntimeError).
def _download_errors() -> tuple:
    import http.client
    return (urllib.error.URLError, OSError, http.client.HTTPException, RuntimeError)


class DownloadError(RuntimeError):
    """A dataset's files could not be downloaded; the message says how to provide them."""


def missing_files_message(dataset: str, folder: PathLike, files: Iterable[str],
                          urls: Iterable[str], errors: Iterable[str]) -> str:
    """The explanation given when a dataset cannot be downloaded."""
    lines = [f"Could not download the {dataset} dataset."]
    lines += [f"  {error}" for error in errors]
    lines.append("If this machine cannot reach the internet, download these files elsewhere:")
    lines += [f"  {url}" for url in urls]
    lines.append(f"and put them in {folder}:")
    lines += [f"  {os.path.join(folder, name)}" for name in files]
    return "\n".join(lines)


def iterable_to_str(iterable: Iterable) -> str:
    """``'a', 'b', 'c'``."""
    return "'" + "', '".join(str(item) for item in iterable) + "'"


def verify_str_arg(value, arg: Optional[str] = None, valid_values: Optional[Iterable] = None,
                   custom_msg: Optional[str] = None):
    """Check that ``value`` is a string among ``valid_values``; returns it."""
    if not isinstance(value, str):
        if arg is None:
            msg = f"Expected type str, but got type {type(value)}."
        else:
            msg = f"Expected type str for argument {arg}, but got type {type(value)}."
        raise ValueError(msg)
    if valid_values is None:
        return value
    if value not in valid_values:
        if custom_msg is not None:
            raise ValueError(custom_msg)
        raise ValueError(f"Unknown value '{value}' for argument {arg}. Valid values are "
                         f"{{{iterable_to_str(valid_values)}}}.")
    return value
