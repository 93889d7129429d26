"""ember.load on hostile and damaged input, and ember.save interrupted midway.

* Pickles crafted to run code are refused by the weights-only loader, naming the global, and
  nothing they ask for happens (each payload writes a marker file when it does run; one test
  runs a payload with weights_only=False to show the payloads are real).
* Truncated, bit-flipped and inconsistent files raise RuntimeError, pickle.UnpicklingError or
  (for an empty file) EOFError, naming the file where it was given by path.
* A save that fails midway leaves the previous checkpoint intact and no temporary file behind.
* Seeded fuzz tests feed a thousand random mutations of valid checkpoints to load.
"""
from __future__ import annotations

import collections
import io
import os
import pickle
import struct
import zipfile

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import ember  # noqa: E402
from ember.serialization import _legacy, _zip  # noqa: E402

# The exception types ember.load raises for damaged or refused input.
LOAD_ERRORS = (RuntimeError, pickle.UnpicklingError, EOFError)


def zip_checkpoint(pickled: bytes, records: dict | None = None) -> bytes:
    """A checkpoint archive (PyTorch's layout) holding ``pickled`` as data.pkl."""
    buffer = io.BytesIO()
    writer = _zip.ZipWriter(buffer, "archive")
    writer.write_record("data.pkl", pickled)
    writer.write_record("byteorder", b"little")
    for name, payload in (records or {}).items():
        writer.write_record(name, payload)
    writer.write_record("version", b"3\n")
    writer.finish()
    return buffer.getvalue()


def legacy_checkpoint(pickled: bytes) -> bytes:
    header = b"".join(pickle.dumps(value, 2) for value in (
        _legacy.MAGIC_NUMBER, _legacy.PROTOCOL_VERSION, {"little_endian": True}))
    return header + pickled + pickle.dumps([], 2)


def ops(value) -> bytes:
    """The opcodes that push ``value`` (a protocol-2 pickle without PROTO and STOP)."""
    return pickle.dumps(value, 2)[2:-1]


# ----------------------------------------------------------------------------------------------
# Hostile pickles
# ----------------------------------------------------------------------------------------------

class Trap:
    """Touches its marker file when unpickling builds it."""

    def __init__(self, marker):
        self.marker = marker

    def __setstate__(self, state):
        open(state["marker"], "w").close()
        self.__dict__.update(state)


class SystemCall:
    def __init__(self, command):
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


def _payloads(marker: str) -> dict:
    command = f"touch {marker}"
    python = f"open({marker!r}, 'w').close()"
    return {
        "os.system": (b"cos\nsystem\n(" + b"V" + command.encode() + b"\ntR.", "os.system"),
        "posix.system (real pickle)": (pickle.dumps(SystemCall(command), 2), "system"),
        "posix.system (protocol 4)": (pickle.dumps(SystemCall(command), 4), "system"),
        "builtins.eval": (b"cbuiltins\neval\n(V" + python.encode() + b"\ntR.", "eval"),
        "__builtin__.exec": (b"c__builtin__\nexec\n(V" + python.encode() + b"\ntR.", "exec"),
        "class global": (pickle.dumps(Trap(marker), 2), "Trap"),
        "INST opcode": (b"(V" + command.encode() + b"\nios\nsystem\n.", "os.system"),
        "getattr": (b"cbuiltins\ngetattr\n(cbuiltins\nopen\nVclose\ntR.", "getattr"),
        # PyTorch calls torch.Tensor(n) here (allocating n floats); ember refuses the call.
        "reduce on a class": (b"ctorch\nTensor\n(K\x05tR.", "unrecognized function"),
        "subprocess": (b"csubprocess\ncall\n((V/bin/sh\nV-c\nV" + command.encode()
                       + b"\nltR.", "subprocess.call"),
    }


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
@pytest.mark.parametrize("name", list(_payloads("m")))
def test_code_running_pickles_are_refused(tmp_path, name):
    marker = tmp_path / "marker"
    payload, needle = _payloads(str(marker))[name]
    for data in (zip_checkpoint(payload), legacy_checkpoint(payload)):
        path = tmp_path / "evil.pt"
        path.write_bytes(data)
        with pytest.raises(pickle.UnpicklingError) as error:
            ember.load(path)
        assert needle in str(error.value)
        assert "Weights only load failed" in str(error.value)
        assert str(path) in str(error.value)
        assert not marker.exists()
    if name != "reduce on a class":
        # PyTorch refuses the same bytes (the payloads are well-formed pickles).
        with pytest.raises(pickle.UnpicklingError):
            torch.load(io.BytesIO(zip_checkpoint(payload)))
    assert not marker.exists()


def test_refusal_message_for_an_unknown_global():
    with pytest.raises(pickle.UnpicklingError) as error:
        ember.load(io.BytesIO(zip_checkpoint(b"cbuiltins\neval\n(V1\ntR.")))
    message = str(error.value)
    assert "Unsupported global: GLOBAL eval was not an allowed global by default" in message
    assert "add_safe_globals([eval])" in message
    with pytest.raises(pickle.UnpicklingError) as error:
        ember.load(io.BytesIO(zip_checkpoint(b"cos\nsystem\n(V1\ntR.")))
    assert "Trying to load unsupported GLOBAL os.system whose module os is blocked" in \
        str(error.value)


def test_payloads_do_run_without_weights_only(tmp_path):
    # The control: the same file run as a full pickle executes its payload.
    marker = tmp_path / "marker"
    payload, _ = _payloads(str(marker))["builtins.eval"]
    ember.load(io.BytesIO(zip_checkpoint(payload)), weights_only=False)
    assert marker.exists()


def test_allowed_functions_cannot_be_misused():
    memory_bomb = b"cbuiltins\nbytearray\n(J\xff\xff\xff\x7ftR."
    rot13 = b"c_codecs\nencode\n(Vabc\nVrot13\ntR."
    class_swap = (b"ccollections\nOrderedDict\n)R}V__class__\nccollections\nCounter\nsb.")
    for payload in (memory_bomb, rot13, class_swap):
        with pytest.raises(RuntimeError):
            ember.load(io.BytesIO(zip_checkpoint(payload)))
    assert ember.load(io.BytesIO(zip_checkpoint(b"c_codecs\nencode\n(V\xff\nVlatin1\ntR."))) \
        == b"\xff"
    with pytest.raises(pickle.UnpicklingError, match="Only persistent_load of storage"):
        ember.load(io.BytesIO(zip_checkpoint(b"(VX\nK\x01tQ.")))
    with pytest.raises(pickle.UnpicklingError, match="Unsupported operand"):
        ember.load(io.BytesIO(zip_checkpoint(b"\x82\x01.")))  # EXT1: the copyreg registry


class Point:
    def __init__(self, x, y):
        self.x, self.y = x, y

    def __eq__(self, other):
        return isinstance(other, Point) and (self.x, self.y) == (other.x, other.y)


def test_safe_globals_api(tmp_path):
    path = tmp_path / "points.pt"
    ember.save({"p": Point(1, 2.5), "t": ember.ones(2)}, path)
    name = f"{__name__}.Point"
    assert ember.serialization.get_unsafe_globals_in_checkpoint(path) == [name]
    with pytest.raises(pickle.UnpicklingError, match=name.replace(".", r"\.")):
        ember.load(path)
    assert ember.serialization.get_safe_globals() == []
    with ember.serialization.safe_globals([Point]):
        assert ember.serialization.get_safe_globals() == [Point]
        assert ember.load(path)["p"] == Point(1, 2.5)
    assert ember.serialization.get_safe_globals() == []
    with pytest.raises(pickle.UnpicklingError):
        ember.load(path)
    ember.serialization.add_safe_globals([(Point, name)])
    try:
        assert ember.load(path)["p"] == Point(1, 2.5)
        assert ember.serialization.get_unsafe_globals_in_checkpoint(path) == []
    finally:
        ember.serialization.clear_safe_globals()
    assert ember.serialization.get_safe_globals() == []
    assert ember.load(path, weights_only=False)["p"] == Point(1, 2.5)


# ----------------------------------------------------------------------------------------------
# Damaged files
# ----------------------------------------------------------------------------------------------

def _reference_state():
    base = ember.arange(40.0).reshape(5, 8)
    state = collections.OrderedDict(
        weight=base, view=base[1:4, ::3], ints=ember.arange(6, dtype=ember.int64),
        half=ember.ones(3, dtype=ember.float16), flags=ember.tensor([True, False]),
        cplx=ember.tensor([1 + 2j]), scalar=ember.tensor(2.5),
        extra={"epoch": 3, "names": ["a", "b"], "lr": 0.1})
    state._metadata = collections.OrderedDict({"": {"version": 1}})
    return state


def _data_offset(data: bytes, record: str) -> int:
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(f"archive/{record}")
    name_length, extra_length = struct.unpack("<HH", data[info.header_offset + 26:
                                                          info.header_offset + 30])
    return info.header_offset + 30 + name_length + extra_length


def _save(state) -> bytes:
    buffer = io.BytesIO()
    ember.save(state, buffer)
    return buffer.getvalue()


def test_truncated_files_are_rejected_with_the_file_name(tmp_path):
    data = _save(_reference_state())
    path = tmp_path / "cut.pt"
    for length in list(range(0, len(data), 97)) + [len(data) - 1, 4, 1]:
        path.write_bytes(data[:length])
        with pytest.raises(LOAD_ERRORS) as error:
            ember.load(path)
        if length > 4:
            assert str(path) in str(error.value), (length, str(error.value))


def test_empty_file_raises_eoferror_like_torch(tmp_path):
    (tmp_path / "empty.pt").write_bytes(b"")
    with pytest.raises(EOFError):
        ember.load(tmp_path / "empty.pt")
    with pytest.raises(EOFError):
        torch.load(tmp_path / "empty.pt")


def test_bit_flips_in_storages_and_pickle_fail_the_crc(tmp_path):
    data = bytearray(_save(_reference_state()))
    for record in ("data/0", "data/1", "data.pkl"):
        damaged = bytearray(data)
        damaged[_data_offset(bytes(data), record) + 3] ^= 0x04
        path = tmp_path / "flip.pt"
        path.write_bytes(bytes(damaged))
        with pytest.raises(RuntimeError, match="CRC") as error:
            ember.load(path)
        assert str(path) in str(error.value)


def test_not_a_checkpoint(tmp_path):
    (tmp_path / "junk.pt").write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    with pytest.raises(RuntimeError, match="failed finding central directory"):
        ember.load(tmp_path / "junk.pt")
    (tmp_path / "text.pt").write_bytes(b"hello, this is not a checkpoint")
    with pytest.raises(LOAD_ERRORS):
        ember.load(tmp_path / "text.pt")
    (tmp_path / "pickle.pt").write_bytes(pickle.dumps(12345, 2))
    with pytest.raises(RuntimeError, match="Invalid magic number"):
        ember.load(tmp_path / "pickle.pt")


def _rezip(data: bytes, change) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            payload = change(info.filename, source.read(info))
            if payload is not None:
                target.writestr(info.filename, payload)
    return out.getvalue()


def test_missing_record_and_size_mismatch(tmp_path):
    data = _save(_reference_state())
    missing = _rezip(data, lambda name, payload: None if name.endswith("data/1") else payload)
    with pytest.raises(RuntimeError, match="failed locating file data/1"):
        ember.load(io.BytesIO(missing))
    short = _rezip(data, lambda name, payload: payload[:-8] if name.endswith("data/0")
                   else payload)
    with pytest.raises(RuntimeError, match="storage size mismatch: record data/0 holds 152 "
                                           "bytes, but the pickle expects 40 elements"):
        ember.load(io.BytesIO(short))
    no_pickle = _rezip(data, lambda name, payload: None if name.endswith("data.pkl")
                       else payload)
    with pytest.raises(RuntimeError, match="data.pkl"):
        ember.load(io.BytesIO(no_pickle))


def _tensor_pickle(offset, size, stride, numel, dtype_class=b"FloatStorage") -> bytes:
    return (b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n((" + ops("storage")
            + b"ctorch\n" + dtype_class + b"\n" + ops("0") + ops("cpu") + ops(numel)
            + b"tQ" + ops(offset) + ops(tuple(size)) + ops(tuple(stride)) + ops(False)
            + b"ccollections\nOrderedDict\n)RtR.")


@pytest.mark.parametrize("offset, size, stride, message", [
    (0, (4,), (1,), None),  # the control: a valid tensor
    (3, (2,), (1,), "out of bounds"),
    (0, (2, 3), (3, 1), "out of bounds"),
    (0, (3,), (-1,), "negative"),
    (0, (-3,), (1,), "negative"),
    (0, (2,), (1, 1), "differ in length"),
    (2**40, (1,), (1,), "out of bounds"),
    (0, (2**20, 2**20), (0, 0), None),  # zero strides: a huge view of one element is fine
    (0, (2**62, 2**62), (1, 1), "out of bounds"),
    ("0", (4,), (1,), "must be an int"),
])
def test_tensor_geometry_is_checked_against_the_storage(offset, size, stride, message):
    data = zip_checkpoint(_tensor_pickle(offset, size, stride, 4),
                          {"data/0": np.arange(4, dtype=np.float32).tobytes()})
    if message is None:
        tensor = ember.load(io.BytesIO(data))
        assert tuple(tensor.shape) == size
        return
    with pytest.raises(RuntimeError, match=message):
        ember.load(io.BytesIO(data))


def test_storage_numel_must_match_the_record():
    data = zip_checkpoint(_tensor_pickle(0, (4,), (1,), 5),
                          {"data/0": np.arange(4, dtype=np.float32).tobytes()})
    with pytest.raises(RuntimeError, match="storage size mismatch"):
        ember.load(io.BytesIO(data))
    huge = zip_checkpoint(_tensor_pickle(0, (4,), (1,), 2**60),
                          {"data/0": np.arange(4, dtype=np.float32).tobytes()})
    with pytest.raises(RuntimeError, match="storage size mismatch"):
        ember.load(io.BytesIO(huge))
    legacy_huge = (legacy_checkpoint(_tensor_pickle(0, (4,), (1,), 2**60)
                                     .replace(b"tQ", b"NtQ")))
    with pytest.raises(RuntimeError, match="claims"):
        ember.load(io.BytesIO(legacy_huge))


def test_unsupported_dtype_is_named():
    data = io.BytesIO()
    torch.save({"x": torch.ones(2, dtype=torch.uint16)}, data)
    data.seek(0)
    with pytest.raises(RuntimeError, match="torch.uint16"):
        ember.load(data)


# ----------------------------------------------------------------------------------------------
# Interrupted saves
# ----------------------------------------------------------------------------------------------

class Exploding:
    def __reduce__(self):
        raise ValueError("cannot pickle this")


def _assert_untouched(tmp_path, path, original: bytes) -> None:
    assert path.read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_failed_pickling_leaves_old_checkpoint(tmp_path):
    path = tmp_path / "model.pt"
    ember.save({"w": ember.ones(3)}, path)
    original = path.read_bytes()
    with pytest.raises(ValueError, match="cannot pickle this"):
        ember.save({"w": ember.zeros(3), "bad": Exploding(), "x": ember.ones(1)}, path)
    _assert_untouched(tmp_path, path, original)
    assert ember.load(path)["w"].tolist() == [1.0, 1.0, 1.0]


@pytest.mark.parametrize("failure", [OSError("disk full"), KeyboardInterrupt()])
def test_failed_write_leaves_old_checkpoint(tmp_path, monkeypatch, failure):
    path = tmp_path / "model.pt"
    ember.save({"w": ember.ones(3)}, path)
    original = path.read_bytes()
    real_write = _zip.ZipWriter.write_record

    def failing_write(self, name, data, *rest):
        if name == "data/1":
            raise failure
        return real_write(self, name, data, *rest)

    monkeypatch.setattr(_zip.ZipWriter, "write_record", failing_write)
    with pytest.raises(type(failure)):
        ember.save({"a": ember.zeros(100), "b": ember.zeros(5)}, path)
    _assert_untouched(tmp_path, path, original)
    monkeypatch.undo()
    ember.save({"a": ember.zeros(100), "b": ember.zeros(5)}, path)
    assert ember.load(path)["b"].tolist() == [0.0] * 5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.pt"]


def test_failed_legacy_and_safetensors_saves_leave_old_file(tmp_path, monkeypatch):
    from ember.utils import safetensors
    path = tmp_path / "model.pt"
    ember.save({"w": ember.ones(3)}, path)
    original = path.read_bytes()
    with pytest.raises(ValueError):
        ember.save([ember.ones(1), Exploding()], path, _use_new_zipfile_serialization=False)
    _assert_untouched(tmp_path, path, original)

    real_create = ember.serialization._create_temporary

    class FailingStream:
        def __init__(self, stream):
            self.stream = stream
            self.writes = 0

        def write(self, data):
            self.writes += 1
            if self.writes > 1:
                raise OSError("disk full")
            return self.stream.write(data)

        def __getattr__(self, name):
            return getattr(self.stream, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.stream.close()

    def failing_create(target):
        temporary, stream = real_create(target)
        return temporary, FailingStream(stream)

    monkeypatch.setattr(ember.serialization, "_create_temporary", failing_create)
    with pytest.raises(OSError, match="disk full"):
        safetensors.save_file({"w": ember.ones(2), "v": ember.zeros(3)}, path)
    with pytest.raises(OSError, match="disk full"):
        ember.save({"w": ember.ones(2)}, path)
    monkeypatch.undo()
    _assert_untouched(tmp_path, path, original)


# ----------------------------------------------------------------------------------------------
# Fuzzing
# ----------------------------------------------------------------------------------------------

def _same(a, b) -> bool:
    if isinstance(a, ember.Tensor):
        return (isinstance(b, ember.Tensor) and a.dtype is b.dtype and a.shape == b.shape
                and a.stride() == b.stride() and a.storage_offset() == b.storage_offset()
                and np.asarray(a._data).tobytes() == np.asarray(b._data).tobytes())
    if isinstance(a, dict):
        return (type(a) is type(b) and list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
                and getattr(a, "_metadata", None) == getattr(b, "_metadata", None))
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(_same, a, b))
    return type(a) is type(b) and a == b


def _mutate(data: bytes, rng: np.random.Generator) -> bytes:
    data = bytearray(data)
    kind = rng.integers(0, 7)
    position = int(rng.integers(0, len(data)))
    if kind == 0:  # flip one bit
        data[position] ^= 1 << int(rng.integers(0, 8))
    elif kind == 1:  # set one byte
        data[position] = int(rng.integers(0, 256))
    elif kind == 2:  # truncate
        del data[position:]
    elif kind == 3:  # delete a span
        del data[position:position + int(rng.integers(1, 64))]
    elif kind == 4:  # insert random bytes
        data[position:position] = rng.bytes(int(rng.integers(1, 16)))
    elif kind == 5:  # overwrite a span with zeros
        span = int(rng.integers(1, 32))
        data[position:position + span] = bytes(len(data[position:position + span]))
    else:  # several bit flips
        for _ in range(4):
            data[int(rng.integers(0, len(data)))] ^= 1 << int(rng.integers(0, 8))
    return bytes(data)


@pytest.mark.parametrize("writer", ["ember", "torch"])
def test_fuzzed_checkpoints_fail_cleanly_or_load_correctly(writer):
    state = _reference_state()
    if writer == "ember":
        data = _save(state)
    else:
        buffer = io.BytesIO()
        torch.save(torch.load(io.BytesIO(_save(state))), buffer)
        data = buffer.getvalue()
    reference = ember.load(io.BytesIO(data))
    assert _same(reference, state)
    rng = np.random.default_rng(2024)
    outcomes = collections.Counter()
    for _ in range(1000):
        mutated = _mutate(data, rng)
        try:
            result = ember.load(io.BytesIO(mutated))
        except LOAD_ERRORS as error:
            outcomes[next(kind.__name__ for kind in LOAD_ERRORS if isinstance(error, kind))] += 1
            continue
        assert _same(result, reference), "a damaged checkpoint loaded with different contents"
        outcomes["loaded"] += 1
    assert outcomes["RuntimeError"] > 400 and outcomes["loaded"] > 0, outcomes


def test_fuzzed_legacy_checkpoints_fail_cleanly():
    # The legacy format has no checksums: a flipped data byte loads as a different value, so
    # only the kind of failure is checked here.
    buffer = io.BytesIO()
    ember.save(_reference_state(), buffer, _use_new_zipfile_serialization=False)
    data = buffer.getvalue()
    rng = np.random.default_rng(7)
    for _ in range(500):
        try:
            ember.load(io.BytesIO(_mutate(data, rng)))
        except LOAD_ERRORS:
            pass


def _touch_tensors(obj) -> None:
    """Read every value of every tensor in ``obj`` (a bad view would fault here)."""
    if isinstance(obj, ember.Tensor):
        if not obj.is_meta:
            np.asarray(obj._data).tobytes()
    elif isinstance(obj, dict):
        for value in obj.values():
            _touch_tensors(value)
    elif isinstance(obj, (list, tuple, set)):
        for value in obj:
            _touch_tensors(value)


def test_fuzzed_pickles_with_valid_checksums_fail_cleanly():
    # Damage that the CRC cannot see (the pickle rewritten, checksums recomputed) reaches the
    # unpickler and the tensor rebuilding: they must refuse it with the same clean errors.
    data = _save(_reference_state())
    archive = zipfile.ZipFile(io.BytesIO(data))
    pickled = archive.read("archive/data.pkl")
    records = {info.filename[len("archive/"):]: archive.read(info)
               for info in archive.infolist() if "/data/" in info.filename}
    rng = np.random.default_rng(11)
    outcomes = collections.Counter()
    for _ in range(1000):
        mutated = zip_checkpoint(_mutate(pickled, rng), records)
        try:
            result = ember.load(io.BytesIO(mutated))
        except LOAD_ERRORS as error:
            outcomes[next(kind.__name__ for kind in LOAD_ERRORS if isinstance(error, kind))] += 1
            continue
        _touch_tensors(result)
        outcomes["loaded"] += 1
    assert outcomes["UnpicklingError"] > 300 and outcomes["loaded"] > 0, outcomes


def test_killed_process_leaves_old_checkpoint(tmp_path):
    # A real crash: the saving process is killed (SIGKILL) in the middle of writing.
    import signal
    import subprocess
    import sys
    path = tmp_path / "model.pt"
    ember.save({"w": ember.ones(3)}, path)
    original = path.read_bytes()
    script = f"""
import os, signal
import ember
from ember.serialization import _zip
real = _zip.ZipWriter.write_record
def dying(self, name, data, *rest):
    if name == "data/1":
        os.kill(os.getpid(), signal.SIGKILL)
    return real(self, name, data, *rest)
_zip.ZipWriter.write_record = dying
ember.save({{"a": ember.zeros(1000), "b": ember.zeros(10)}}, {str(path)!r})
"""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    done = subprocess.run([sys.executable, "-c", script], cwd=root, timeout=120)
    assert done.returncode == -signal.SIGKILL
    assert path.read_bytes() == original
    assert ember.load(path)["w"].tolist() == [1.0, 1.0, 1.0]
    # Only the unfinished temporary file is left beside it (nothing could remove it).
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "model.pt"]
    assert all(name.startswith(".model.pt.") and name.endswith(".tmp") for name in leftovers)
