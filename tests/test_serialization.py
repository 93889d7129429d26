"""ember.save / ember.load against torch.save / torch.load: round trips in both directions.

Safety (malicious pickles, damaged files, interrupted saves, fuzzing) is tested in
test_serialization_safety.py; safetensors in test_serialization_safetensors.py.
"""
from __future__ import annotations

import collections
import io
import mmap
import os
import pathlib
import pickle
import struct
import sys
import zipfile

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import ember  # noqa: E402
from ember.serialization import _zip  # noqa: E402
from tests.parity import DTYPE_NAMES, to_numpy  # noqa: E402

SHAPES = [(), (0,), (5,), (3, 4), (2, 0, 3), (2, 3, 4)]


def _random_array(dtype_name: str, shape, seed: int = 0) -> np.ndarray:
    return np.asarray(_random_values(dtype_name, shape, seed))


def _random_values(dtype_name: str, shape, seed: int):
    rng = np.random.default_rng(seed)
    if dtype_name == "bool":
        return rng.integers(0, 2, shape).astype(bool)
    if dtype_name.startswith(("int", "uint")):
        info = np.iinfo(dtype_name)
        return rng.integers(max(info.min, -1000), min(info.max, 1000), shape).astype(dtype_name)
    if dtype_name.startswith("complex"):
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype_name)
    values = rng.standard_normal(shape) * 100
    if dtype_name == "bfloat16":
        import ml_dtypes
        return values.astype(ml_dtypes.bfloat16)
    return values.astype(dtype_name)


def ember_tensor(dtype_name: str, shape, seed: int = 0) -> ember.Tensor:
    return ember.from_numpy(_random_array(dtype_name, shape, seed)) if dtype_name != "bfloat16" \
        else ember.Tensor._make(_random_array(dtype_name, shape, seed))


def torch_tensor(dtype_name: str, shape, seed: int = 0):
    array = _random_array(dtype_name, shape, seed)
    source = torch.from_numpy(array.astype(np.float32) if dtype_name == "bfloat16" else array)
    # Copied into a fresh tensor: torch's own strides even for empty shapes.
    return torch.empty(array.shape, dtype=getattr(torch, dtype_name)).copy_(source)


def assert_tensor_matches(e, t, check_storage: bool = True) -> None:
    """An ember tensor equals a torch tensor in dtype, geometry and values (bit for bit)."""
    assert isinstance(e, ember.Tensor), type(e)
    assert str(e.dtype) == str(t.dtype)
    assert tuple(e.shape) == tuple(t.shape)
    assert e.requires_grad == t.requires_grad
    assert e.device.type == t.device.type
    if t.device.type == "meta":
        assert tuple(e.stride()) == tuple(t.stride())
        return
    if check_storage:
        assert tuple(e.stride()) == tuple(t.stride())
        assert e.storage_offset() == t.storage_offset()
        assert e.untyped_storage().nbytes() == t.untyped_storage().nbytes()
    ev, tv = to_numpy(e), to_numpy(t)
    if ev.dtype.kind in "fc":
        np.testing.assert_array_equal(ev.view(f"u{ev.itemsize}") if ev.dtype.kind == "f"
                                      else ev, tv.view(f"u{tv.itemsize}") if tv.dtype.kind == "f"
                                      else tv)
    else:
        np.testing.assert_array_equal(ev, tv)


def assert_same_structure(e, t) -> None:
    """Recursively compare an ember object tree with a torch one."""
    if isinstance(t, torch.Tensor):
        assert type(e).__name__ == type(t).__name__, (type(e), type(t))
        assert_tensor_matches(e, t)
    elif isinstance(t, torch.Size):
        assert isinstance(e, ember.Size) and tuple(e) == tuple(t)
    elif isinstance(t, torch.dtype):
        assert isinstance(e, ember.dtype) and str(e) == str(t)
    elif isinstance(t, torch.device):
        assert isinstance(e, ember.device) and str(e) == str(t)
    elif isinstance(t, dict):
        assert type(e) is type(t)
        assert list(e) == list(t)
        for key in t:
            assert_same_structure(e[key], t[key])
        assert getattr(e, "_metadata", None) == getattr(t, "_metadata", None)
    elif isinstance(t, (list, tuple)):
        assert type(e) is type(t) and len(e) == len(t)
        for a, b in zip(e, t):
            assert_same_structure(a, b)
    else:
        assert type(e) is type(t) and e == t, (e, t)


def ember_save_bytes(obj, **kwargs) -> bytes:
    buffer = io.BytesIO()
    ember.save(obj, buffer, **kwargs)
    return buffer.getvalue()


def torch_save_bytes(obj, **kwargs) -> bytes:
    buffer = io.BytesIO()
    torch.save(obj, buffer, **kwargs)
    return buffer.getvalue()


def torch_load(data: bytes, **kwargs):
    kwargs.setdefault("weights_only", True)
    return torch.load(io.BytesIO(data), **kwargs)


def ember_load(data: bytes, **kwargs):
    return ember.load(io.BytesIO(data), **kwargs)


# ----------------------------------------------------------------------------------------------
# Every dtype and shape, both directions
# ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype_name", DTYPE_NAMES)
def test_every_dtype_and_shape_round_trips(dtype_name):
    originals_e = {f"t{i}": ember_tensor(dtype_name, shape, i) for i, shape in enumerate(SHAPES)}
    originals_t = {f"t{i}": torch_tensor(dtype_name, shape, i) for i, shape in enumerate(SHAPES)}
    # ember -> torch
    from_ember = torch_load(ember_save_bytes(originals_e))
    assert_same_structure(originals_e, from_ember)
    # torch -> ember
    from_torch = ember_load(torch_save_bytes(originals_t))
    assert_same_structure(from_torch, originals_t)
    # ember -> ember
    assert_same_structure(ember_load(ember_save_bytes(originals_e)), originals_t)


def test_state_dict_file_is_byte_identical_to_torch():
    # Same tensors, same container: the archive differs only in its random serialization id.
    arrays = [_random_array(name, (3, 5), i) for i, name in enumerate(DTYPE_NAMES)
              if name != "bfloat16"]
    state_e = collections.OrderedDict((f"layer{i}.weight", ember.from_numpy(a.copy()))
                                      for i, a in enumerate(arrays))
    state_t = collections.OrderedDict((f"layer{i}.weight", torch.from_numpy(a.copy()))
                                      for i, a in enumerate(arrays))
    state_e._metadata = collections.OrderedDict({"": {"version": 1}})
    state_t._metadata = collections.OrderedDict({"": {"version": 1}})
    ours, theirs = ember_save_bytes(state_e), torch_save_bytes(state_t)
    assert len(ours) == len(theirs)
    names = zipfile.ZipFile(io.BytesIO(theirs)).namelist()
    assert zipfile.ZipFile(io.BytesIO(ours)).namelist() == names
    id_offset = zipfile.ZipFile(io.BytesIO(theirs)).getinfo(
        "archive/.data/serialization_id").header_offset
    assert ours[:id_offset] == theirs[:id_offset]


def test_record_names_order_and_alignment():
    base = ember.arange(24.0).reshape(4, 6)
    data = ember_save_bytes({"a": base, "b": ember.ones(3, dtype=ember.int8), "v": base[1:]})
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.namelist() == [
        "archive/data.pkl", "archive/.format_version", "archive/.storage_alignment",
        "archive/byteorder", "archive/data/0", "archive/data/1", "archive/version",
        "archive/.data/serialization_id"]
    assert archive.read("archive/byteorder") == sys.byteorder.encode()
    assert archive.read("archive/.format_version") == b"1"
    assert archive.read("archive/.storage_alignment") == b"64"
    assert archive.read("archive/version") == b"3\n"
    assert archive.read("archive/.data/serialization_id").isdigit()
    assert len(archive.read("archive/.data/serialization_id")) == 40
    for info in archive.infolist():
        assert info.compress_type == zipfile.ZIP_STORED
        name_length, extra_length = struct.unpack("<HH", data[info.header_offset + 26:
                                                              info.header_offset + 30])
        start = info.header_offset + 30 + name_length + extra_length
        assert start % 64 == 0, info.filename
    assert archive.read("archive/data/0") == np.arange(24.0, dtype=np.float32).tobytes()


def test_archive_name_follows_the_file_name(tmp_path):
    ember.save({"x": ember.ones(2)}, tmp_path / "model.v2.pt")
    assert zipfile.ZipFile(tmp_path / "model.v2.pt").namelist()[0] == "model.v2/data.pkl"
    ember.save(ember.ones(2), str(tmp_path / "weights"))
    assert zipfile.ZipFile(tmp_path / "weights").namelist()[0] == "weights/data.pkl"
    assert torch.load(tmp_path / "weights").tolist() == [1.0, 1.0]


def test_disable_byteorder_record():
    data = ember_save_bytes(ember.ones(2), _disable_byteorder_record=True)
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert "archive/byteorder" not in names
    assert ember_load(data).tolist() == [1.0, 1.0]
    assert torch_load(data).tolist() == [1.0, 1.0]


def _rezip(data: bytes, change) -> bytes:
    """The archive rewritten by Python's zipfile (unaligned, no data descriptors), each record
    passed through ``change(name, payload)`` (returning None drops it)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            payload = change(info.filename, source.read(info))
            if payload is not None:
                target.writestr(info.filename, payload)
    return out.getvalue()


@pytest.mark.parametrize("dtype_name", ["int16", "float32", "float64", "complex64", "bfloat16",
                                        "bool"])
def test_big_endian_checkpoint_is_swapped_on_load(dtype_name):
    original = ember_tensor(dtype_name, (3, 4), 7)
    data = ember_save_bytes({"x": original})
    np_dtype = original._data.dtype
    width = np_dtype.itemsize // 2 if np_dtype.kind == "c" else np_dtype.itemsize

    def to_big_endian(name, payload):
        if name.endswith("byteorder"):
            return b"big"
        if name.endswith("data/0"):
            return np.frombuffer(payload, f"u{width}").byteswap().tobytes() if width > 1 \
                else payload
        return payload

    big = _rezip(data, to_big_endian)
    loaded = ember_load(big)["x"]
    np.testing.assert_array_equal(to_numpy(loaded), to_numpy(original))
    assert_tensor_matches(loaded, torch_load(big)["x"])


def test_foreign_zip_written_by_python_zipfile_loads():
    data = torch_save_bytes({"x": torch.arange(10)})
    loaded = ember_load(_rezip(data, lambda name, payload: payload))
    assert loaded["x"].tolist() == list(range(10))


def test_compressed_records_load():
    data = torch_save_bytes({"x": torch.arange(1000)})
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info))
    assert ember_load(out.getvalue())["x"].tolist() == list(range(1000))


def test_zip64_records(monkeypatch):
    # Force the zip64 fields a checkpoint over 4 GB gets, on a small archive.
    monkeypatch.setattr(_zip, "ZIP64_LIMIT", 16)
    state = {"big": ember.arange(100.0), "small": ember.ones(2, dtype=ember.int8)}
    data = ember_save_bytes(state)
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.getinfo("archive/data/0").file_size == 400
    assert archive.testzip() is None
    assert torch_load(data)["big"].tolist() == list(np.arange(100.0))
    assert ember_load(data)["big"].tolist() == list(np.arange(100.0))


# ----------------------------------------------------------------------------------------------
# Views, sharing, Parameters, autograd flags
# ----------------------------------------------------------------------------------------------

def _views(lib, base):
    return {"base": base, "rows": base[1:3], "cols": base[:, ::2], "t": base.t(),
            "elem": base[2, 3], "expand": base[0:1].expand(3, 6), "empty": base[4:]}


def test_views_share_one_storage_ember_to_torch():
    base = ember.arange(24.0).reshape(4, 6)
    views_e = _views(ember, base)
    data = ember_save_bytes(views_e)
    assert [n for n in zipfile.ZipFile(io.BytesIO(data)).namelist() if "/data/" in n] == [
        "archive/data/0"]
    loaded = torch_load(data)
    views_t = _views(torch, torch.arange(24.0).reshape(4, 6))
    for key in views_t:
        assert_tensor_matches(views_e[key], loaded[key])
        assert loaded[key].untyped_storage().data_ptr() == \
            loaded["base"].untyped_storage().data_ptr()
    loaded["base"][2, 3] = -1.0
    assert loaded["elem"].item() == -1.0 and loaded["t"][3, 2].item() == -1.0


def test_views_share_one_storage_torch_to_ember():
    views_t = _views(torch, torch.arange(24.0).reshape(4, 6))
    loaded = ember_load(torch_save_bytes(views_t))
    for key in views_t:
        assert_tensor_matches(loaded[key], views_t[key])
        assert loaded[key].untyped_storage().data_ptr() == \
            loaded["base"].untyped_storage().data_ptr()
    loaded["base"][2, 3] = -1.0
    assert loaded["elem"].item() == -1.0 and loaded["t"][3, 2].item() == -1.0
    # ember -> ember keeps the sharing too.
    again = ember_load(ember_save_bytes(loaded))
    again["base"][0, 0] = 99.0
    assert again["rows"].untyped_storage().data_ptr() == again["base"].untyped_storage().data_ptr()
    assert again["expand"][2, 0].item() == 99.0


def test_same_tensor_twice_loads_as_one_object():
    t = ember.ones(3)
    loaded = ember_load(ember_save_bytes([t, t, {"again": t}]))
    assert loaded[0] is loaded[1] is loaded[2]["again"]
    from_torch = ember_load(torch_save_bytes([torch.ones(1)] * 2))
    assert from_torch[0] is from_torch[1]


def test_storage_viewed_as_two_dtypes_is_refused():
    base = ember.arange(4.0)
    with pytest.raises(RuntimeError, match="view the same data as different types"):
        ember.save([base, base.view(ember.int32)], io.BytesIO())


def test_parameters_and_requires_grad_both_ways():
    weight_e = ember.nn.Parameter(ember.arange(6.0).reshape(2, 3))
    frozen_e = ember.nn.Parameter(ember.ones(2), requires_grad=False)
    leaf_e = ember.ones(2, dtype=ember.float64).requires_grad_()
    nonleaf_e = leaf_e * 2
    loaded_t = torch_load(ember_save_bytes({"w": weight_e, "f": frozen_e, "l": leaf_e,
                                            "n": nonleaf_e, "view": weight_e[1]}))
    assert type(loaded_t["w"]) is torch.nn.Parameter and loaded_t["w"].requires_grad
    assert type(loaded_t["f"]) is torch.nn.Parameter and not loaded_t["f"].requires_grad
    assert loaded_t["l"].requires_grad and loaded_t["n"].requires_grad
    assert loaded_t["n"].tolist() == [2.0, 2.0] and loaded_t["n"].is_leaf
    assert loaded_t["view"].untyped_storage().data_ptr() == \
        loaded_t["w"].untyped_storage().data_ptr()

    state_t = {"w": torch.nn.Parameter(torch.arange(6.0).reshape(2, 3)),
               "f": torch.nn.Parameter(torch.ones(2), requires_grad=False),
               "l": torch.ones(2, dtype=torch.float64).requires_grad_()}
    loaded_e = ember_load(torch_save_bytes(state_t))
    assert type(loaded_e["w"]) is ember.nn.Parameter and loaded_e["w"].requires_grad
    assert type(loaded_e["f"]) is ember.nn.Parameter and not loaded_e["f"].requires_grad
    assert loaded_e["l"].requires_grad and loaded_e["l"].is_leaf
    assert_same_structure(loaded_e, state_t)


def test_tensor_with_python_attributes():
    tensor_e = ember.arange(3.0)
    tensor_e.note = "hello"
    loaded_t = torch_load(ember_save_bytes(tensor_e))
    assert loaded_t.note == "hello" and loaded_t.tolist() == [0.0, 1.0, 2.0]
    tensor_t = torch.arange(3.0)
    tensor_t.note = {"k": 1}
    loaded_e = ember_load(torch_save_bytes(tensor_t))
    assert loaded_e.note == {"k": 1} and loaded_e.tolist() == [0.0, 1.0, 2.0]


@pytest.mark.filterwarnings("ignore:TypedStorage is deprecated")
def test_storages_saved_directly():
    tensor = ember.arange(4.0)
    loaded = torch_load(ember_save_bytes([tensor.untyped_storage()]))
    assert loaded[0].nbytes() == 16 and loaded[0].dtype == torch.uint8
    loaded = torch_load(ember_save_bytes([tensor.storage(), tensor[1:]]))
    assert loaded[0].dtype == torch.float32 and loaded[0].tolist() == [0.0, 1.0, 2.0, 3.0]
    assert loaded[1].untyped_storage().data_ptr() == loaded[0].data_ptr()
    from_torch = ember_load(torch_save_bytes([torch.arange(4.0).untyped_storage()]))
    assert isinstance(from_torch[0], ember.TypedStorage) and from_torch[0].size() == 16


def test_meta_tensors_both_ways():
    meta_e = {"w": ember.empty(3, 4, device="meta"), "t": ember.empty(4, 3, device="meta").t()}
    loaded_t = torch_load(ember_save_bytes(meta_e))
    assert loaded_t["w"].is_meta and loaded_t["w"].shape == (3, 4)
    assert loaded_t["t"].stride() == (1, 3)
    meta_t = {"w": torch.empty(3, 4, device="meta"),
              "p": torch.nn.Parameter(torch.empty(2, device="meta"))}
    loaded_e = ember_load(torch_save_bytes(meta_t))
    assert_same_structure(loaded_e, meta_t)


# ----------------------------------------------------------------------------------------------
# Containers: state dicts, optimizer state, plain Python values
# ----------------------------------------------------------------------------------------------

class _Net(ember.nn.Module):
    def __init__(self, device=None):
        super().__init__()
        self.weight = ember.nn.Parameter(ember.randn(4, 3, device=device))
        self.bias = ember.nn.Parameter(ember.zeros(4, device=device))
        self.register_buffer("steps", ember.tensor(5, device=device))
        self.inner = ember.nn.Sequential()


def test_module_state_dict_with_metadata_both_ways():
    net = _Net()
    state = net.state_dict()
    assert isinstance(state, collections.OrderedDict) and hasattr(state, "_metadata")
    loaded_t = torch_load(ember_save_bytes(state))
    assert isinstance(loaded_t, collections.OrderedDict)
    assert loaded_t._metadata == state._metadata
    for key in state:
        assert_tensor_matches(state[key], loaded_t[key])

    linear = torch.nn.Linear(3, 2)
    torch_state = torch.nn.Sequential(linear, torch.nn.BatchNorm1d(2)).state_dict()
    loaded_e = ember_load(torch_save_bytes(torch_state))
    assert_same_structure(loaded_e, torch_state)
    assert loaded_e._metadata == torch_state._metadata


def test_load_state_dict_into_meta_module_with_assign(tmp_path):
    net = _Net()
    ember.save(net.state_dict(), tmp_path / "net.pt")
    on_meta = ember.load(tmp_path / "net.pt", map_location="meta")
    assert all(t.is_meta for t in on_meta.values())
    assert on_meta["weight"].shape == (4, 3)
    skeleton = _Net(device="meta")
    skeleton.load_state_dict(on_meta, assign=True)
    assert skeleton.weight.is_meta
    # The real weights, assigned into the meta skeleton, make it a working module.
    skeleton.load_state_dict(ember.load(tmp_path / "net.pt"), assign=True)
    assert not skeleton.weight.is_meta and type(skeleton.weight) is ember.nn.Parameter
    assert skeleton.weight.requires_grad
    np.testing.assert_array_equal(to_numpy(skeleton.weight), to_numpy(net.weight))
    assert skeleton.steps.item() == 5


def test_optimizer_state_dict_both_ways():
    model = torch.nn.Linear(3, 2)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01, betas=(0.8, 0.99))
    model(torch.randn(4, 3)).sum().backward()
    optimizer.step()
    state_t = optimizer.state_dict()
    loaded_e = ember_load(torch_save_bytes(state_t))
    assert_same_structure(loaded_e, state_t)
    back = torch_load(ember_save_bytes(loaded_e))
    assert_same_structure(loaded_e, back)
    torch.optim.Adam(model.parameters()).load_state_dict(back)


def test_nested_containers_with_plain_values():
    def build(lib):
        return {
            "epoch": 7, "loss": 0.125, "big": 2**70, "neg": -3, "name": "run-1", "none": None,
            "flags": [True, False], "pair": (1, "a"), "set": {1, 2}, "complex": 1 - 2j,
            "bytes": b"\x00\xff", "bytearray": bytearray(b"ab"), "unicode": "héllo ✓",
            "nested": [{"t": lib.ones(2, dtype=lib.int64)}, ({"deep": [lib.zeros(1)]},)],
            "size": lib.Size([2, 3]), "dtype": lib.bfloat16, "device": lib.device("cpu"),
            "ordered": collections.OrderedDict(b=1, a=2), "float_inf": float("inf"),
        }
    state_e, state_t = build(ember), build(torch)
    assert_same_structure(state_e, torch_load(ember_save_bytes(state_e)))
    assert_same_structure(ember_load(torch_save_bytes(state_t)), state_t)
    assert_same_structure(ember_load(ember_save_bytes(state_e)), state_t)


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
def test_pickle_protocols(protocol):
    state = {"w": ember.arange(4.0), "v": [1, "x"], "d": ember.float16, "s": ember.Size([1])}
    data = ember_save_bytes(state, pickle_protocol=protocol)
    loaded = ember_load(data)
    assert loaded["w"].tolist() == [0.0, 1.0, 2.0, 3.0] and loaded["v"] == [1, "x"]
    assert loaded["d"] is ember.float16 and loaded["s"] == ember.Size([1])
    assert torch_load(data, weights_only=False)["w"].tolist() == [0.0, 1.0, 2.0, 3.0]
    from_torch = ember_load(torch_save_bytes({"w": torch.ones(2)}, pickle_protocol=protocol))
    assert from_torch["w"].tolist() == [1.0, 1.0]


# ----------------------------------------------------------------------------------------------
# Legacy (pre-1.6) format
# ----------------------------------------------------------------------------------------------

def _legacy_state(lib):
    base = lib.arange(12.0).reshape(3, 4)
    return {"base": base, "view": base[1:, 1:], "half": lib.ones(3, dtype=lib.float16),
            "p": lib.nn.Parameter(lib.ones(2)), "empty": lib.zeros(0, dtype=lib.int64),
            "scalar": lib.tensor(3.5, dtype=lib.float64), "extra": [1, "two"]}


@pytest.mark.parametrize("weights_only", [True, False])
def test_legacy_format_torch_to_ember(weights_only):
    state_t = _legacy_state(torch)
    data = torch_save_bytes(state_t, _use_new_zipfile_serialization=False)
    assert not data.startswith(b"PK")
    loaded = ember_load(data, weights_only=weights_only)
    assert_same_structure(loaded, state_t)
    assert loaded["view"].untyped_storage().data_ptr() == \
        loaded["base"].untyped_storage().data_ptr()


def test_legacy_format_ember_to_torch():
    state_e = _legacy_state(ember)
    data = ember_save_bytes(state_e, _use_new_zipfile_serialization=False)
    loaded = torch_load(data)
    assert_same_structure(state_e, loaded)
    assert loaded["view"].untyped_storage().data_ptr() == \
        loaded["base"].untyped_storage().data_ptr()
    assert_same_structure(ember_load(data), loaded)
    meta = ember_load(data, map_location="meta")
    assert meta["view"].is_meta and meta["view"].shape == (2, 3)
    assert meta["extra"] == [1, "two"]


# ----------------------------------------------------------------------------------------------
# map_location
# ----------------------------------------------------------------------------------------------

def test_map_location_variants():
    data = torch_save_bytes({"w": torch.arange(6.0).reshape(2, 3), "v": [torch.ones(1)]})
    for location in ("cpu", ember.device("cpu"), {"cpu": "cpu"}, None):
        assert ember_load(data, map_location=location)["w"].tolist() == [[0, 1, 2], [3, 4, 5]]
    calls = []

    def remember(storage, location):
        calls.append((type(storage).__name__, location))
        return storage

    assert ember_load(data, map_location=remember)["v"][0].tolist() == [1.0]
    assert calls == [("UntypedStorage", "cpu"), ("UntypedStorage", "cpu")]
    assert ember_load(data, map_location=lambda s, loc: None)["w"].shape == (2, 3)
    for meta in ("meta", ember.device("meta"), {"cpu": "meta"}):
        loaded = ember_load(data, map_location=meta)
        assert loaded["w"].is_meta and loaded["w"].shape == (2, 3)
        assert torch.load(io.BytesIO(data), map_location="meta")["w"].stride() == \
            loaded["w"].stride()


def test_map_location_errors_match_torch():
    data = torch_save_bytes(torch.ones(2))
    for location in ("cuda", "foo"):
        with pytest.raises(RuntimeError) as ours:
            ember_load(data, map_location=location)
        with pytest.raises(RuntimeError) as theirs:
            torch_load(data, map_location=location)
        assert str(ours.value) == str(theirs.value)


def test_cuda_location_tag_needs_map_location():
    def tag_cuda(name, payload):
        if name.endswith("data.pkl"):
            return payload.replace(b"X\x03\x00\x00\x00cpu", b"X\x06\x00\x00\x00cuda:0")
        return payload

    data = _rezip(torch_save_bytes({"w": torch.ones(2)}), tag_cuda)
    with pytest.raises(RuntimeError, match="torch.cuda.is_available\\(\\) is False"):
        ember_load(data)
    assert ember_load(data, map_location="cpu")["w"].tolist() == [1.0, 1.0]
    assert ember_load(data, map_location={"cuda:0": "cpu"})["w"].tolist() == [1.0, 1.0]
    seen = []
    with pytest.raises(RuntimeError, match="CUDA"):  # None: back to the default restore
        ember_load(data, map_location=lambda s, loc: seen.append(loc))
    assert seen == ["cuda:0"]


# ----------------------------------------------------------------------------------------------
# Files: paths, pathlib, streams, mmap
# ----------------------------------------------------------------------------------------------

class _WriteOnly:
    def __init__(self):
        self.chunks = []

    def write(self, data):
        self.chunks.append(bytes(data))
        return len(data)


def test_paths_pathlib_and_streams(tmp_path):
    state = {"w": ember.arange(5)}
    ember.save(state, str(tmp_path / "a.pt"))
    ember.save(state, tmp_path / "b.pt")
    with open(tmp_path / "c.pt", "wb") as handle:
        handle.write(b"")
        ember.save(state, handle)
    sink = _WriteOnly()
    ember.save(state, sink)  # no seek, no tell
    (tmp_path / "d.pt").write_bytes(b"".join(sink.chunks))
    for name in "abcd":
        path = tmp_path / f"{name}.pt"
        assert ember.load(path)["w"].tolist() == list(range(5))
        assert ember.load(str(path))["w"].tolist() == list(range(5))
        with open(path, "rb") as handle:
            assert ember.load(handle)["w"].tolist() == list(range(5))
        assert torch.load(path)["w"].tolist() == list(range(5))


def test_checkpoint_after_other_data_in_a_stream():
    buffer = io.BytesIO()
    buffer.write(b"header bytes")
    ember.save({"w": ember.ones(3)}, buffer)
    buffer.seek(len(b"header bytes"))
    assert ember.load(buffer)["w"].tolist() == [1.0, 1.0, 1.0]


def test_non_seekable_input_is_refused():
    class Unseekable(io.RawIOBase):
        def readable(self):
            return True

        def seekable(self):
            return False

    with pytest.raises(io.UnsupportedOperation, match="seekable"):
        ember.load(Unseekable())


def test_mmap_maps_storages_from_the_file(tmp_path):
    base = ember.arange(1000.0)
    state = {"w": base, "v": base[10:20], "i": ember.arange(7, dtype=ember.int16),
             "e": ember.zeros(0)}
    path = tmp_path / "m.pt"
    ember.save(state, path)
    loaded = ember.load(path, mmap=True)
    for key in state:
        np.testing.assert_array_equal(to_numpy(loaded[key]), to_numpy(state[key]))
    from ember._storage import root_array
    assert isinstance(root_array(loaded["w"]._data).base.obj, mmap.mmap)
    assert loaded["v"].untyped_storage().data_ptr() == loaded["w"].untyped_storage().data_ptr()
    loaded["w"][0] = 123.0  # a private mapping: the file does not change
    assert ember.load(path)["w"][0].item() == 0.0
    from_torch = tmp_path / "t.pt"
    torch.save({"w": torch.arange(50.0)}, from_torch)
    assert ember.load(from_torch, mmap=True)["w"].tolist() == list(np.arange(50.0))


def test_mmap_errors_match_torch(tmp_path):
    buffer = io.BytesIO(ember_save_bytes(ember.ones(1)))
    with pytest.raises(ValueError, match="f must be a file path in order to use the mmap"):
        ember.load(buffer, mmap=True)
    path = tmp_path / "legacy.pt"
    ember.save(ember.ones(1), path, _use_new_zipfile_serialization=False)
    with pytest.raises(RuntimeError, match="mmap can only be used with files saved with"):
        ember.load(path, mmap=True)


def test_torchscript_archive_is_refused(tmp_path):
    path = tmp_path / "script.pt"
    torch.jit.save(torch.jit.script(torch.nn.Linear(2, 2)), str(path))
    with pytest.raises(RuntimeError, match="TorchScript"):
        ember.load(path)


def test_full_pickle_maps_torch_globals(tmp_path):
    state = {"w": torch.ones(2), "dtype": torch.float64, "size": torch.Size([3]),
             "layout": torch.strided, "fraction": __import__("fractions").Fraction(1, 3)}
    data = torch_save_bytes(state)
    with pytest.raises(pickle.UnpicklingError, match="fractions.Fraction"):
        ember_load(data)
    loaded = ember_load(data, weights_only=False)
    assert loaded["w"].tolist() == [1.0, 1.0] and loaded["dtype"] is ember.float64
    assert loaded["size"] == ember.Size([3]) and loaded["layout"] is ember.strided
    assert loaded["fraction"] == __import__("fractions").Fraction(1, 3)
    assert ember_load(data, pickle_module=pickle)["dtype"] is ember.float64


def test_pickle_module_with_weights_only_is_refused():
    with pytest.raises(RuntimeError, match="explicit pickle_module"):
        ember_load(ember_save_bytes(1), pickle_module=pickle, weights_only=True)
    with pytest.warns(UserWarning, match="pickle_load_args only works"):
        ember_load(ember_save_bytes(1), encoding="latin1")


def test_load_safetensors_path_through_ember_load(tmp_path):
    from ember.utils import safetensors
    safetensors.save_file({"w": ember.arange(3.0)}, tmp_path / "w.safetensors")
    assert ember.load(tmp_path / "w.safetensors")["w"].tolist() == [0.0, 1.0, 2.0]
    assert ember.load(tmp_path / "w.safetensors", map_location="meta")["w"].is_meta


def test_atomic_save_keeps_file_mode(tmp_path):
    path = tmp_path / "m.pt"
    path.write_bytes(b"old")
    os.chmod(path, 0o640)
    ember.save(ember.ones(1), path)
    assert os.stat(path).st_mode & 0o777 == 0o640
    assert ember.load(path).tolist() == [1.0]
    link = tmp_path / "link.pt"
    link.symlink_to(path)
    ember.save(ember.zeros(1), link)
    assert link.is_symlink() and ember.load(path).tolist() == [0.0]


def test_save_to_missing_directory_matches_torch(tmp_path):
    target = tmp_path / "missing" / "x.pt"
    with pytest.raises(RuntimeError) as ours:
        ember.save(1, target)
    with pytest.raises(RuntimeError) as theirs:
        torch.save(1, target)
    assert str(ours.value) == str(theirs.value)


def test_default_protocol_and_public_names():
    assert ember.serialization.DEFAULT_PROTOCOL == torch.serialization.DEFAULT_PROTOCOL
    assert ember.serialization.MAGIC_NUMBER == torch.serialization.MAGIC_NUMBER
    assert ember.serialization.PROTOCOL_VERSION == torch.serialization.PROTOCOL_VERSION
    assert ember.save is ember.serialization.save and ember.load is ember.serialization.load
    assert pathlib.Path  # paths are accepted everywhere (see test_paths_pathlib_and_streams)


def test_crc32_combine_matches_zlib():
    import zlib
    rng = np.random.default_rng(3)
    for length_a, length_b in [(0, 5), (5, 0), (1, 1), (100, 3), (12345, 67890), (1 << 20, 7)]:
        a, b = rng.bytes(length_a), rng.bytes(length_b)
        assert _zip.crc32_combine(zlib.crc32(a), zlib.crc32(b), length_b) == zlib.crc32(a + b)


@pytest.mark.parametrize("use_zlib", [False, True])
def test_checksums_in_pieces_on_worker_threads(monkeypatch, use_zlib):
    # Small pieces: every storage's CRC is computed in parts on the pool and combined.
    import zlib
    monkeypatch.setattr(_zip, "_CRC_PIECE", 4096)
    if use_zlib:  # the fallback when the optional ISA-L accelerator is missing
        monkeypatch.setattr(_zip, "_crc32", zlib.crc32)
    state = {"a": ember.arange(50_000.0), "b": ember.ones(30_001, dtype=ember.int8)}
    data = ember_save_bytes(state)
    assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None
    loaded = ember_load(data)
    assert loaded["a"].tolist() == list(np.arange(50_000.0))
    damaged = bytearray(data)
    damaged[-20_000] ^= 0x01  # inside data/1, in a later piece
    with pytest.raises(RuntimeError, match="CRC"):
        ember_load(bytes(damaged))


@pytest.mark.parametrize("protocol", [2, 4])
def test_fast_pickling_paths_write_the_generic_bytes(monkeypatch, protocol):
    from ember.serialization import _pickle
    base = ember.arange(24.0).reshape(4, 6)
    state = collections.OrderedDict(
        base=base, view=base[1:, ::2], empty=base[4:], scalar=ember.tensor(3, dtype=ember.int64),
        big=ember.zeros(2, 3, 4, 5), grad=ember.ones(2).requires_grad_(),
        p=ember.nn.Parameter(ember.ones(3)), nested=[1, 2.5, "s", None, True, b"x", 2**80, -7],
        again=base)

    def pickled(data):
        return zipfile.ZipFile(io.BytesIO(data)).read("archive/data.pkl")

    fast = pickled(ember_save_bytes(state, pickle_protocol=protocol))
    monkeypatch.setattr(_pickle.TorchPickler, "save", pickle._Pickler.save)
    assert pickled(ember_save_bytes(state, pickle_protocol=protocol)) == fast


@pytest.mark.parametrize("legacy", [False, True])
def test_whole_modules_with_weights_only_false(legacy):
    # ember -> ember: a pickled module comes back as a module.
    net = _Net()
    data = ember_save_bytes(net, _use_new_zipfile_serialization=not legacy)
    with pytest.raises(pickle.UnpicklingError, match="_Net"):
        ember_load(data)
    loaded = ember_load(data, weights_only=False)
    assert type(loaded) is _Net and type(loaded.weight) is ember.nn.Parameter
    np.testing.assert_array_equal(to_numpy(loaded.weight), to_numpy(net.weight))
    # torch -> ember: torch.nn classes map onto ember.nn's.
    params = torch.nn.ParameterList([torch.nn.Parameter(torch.arange(3.0))])
    from_torch = ember_load(torch_save_bytes(params, _use_new_zipfile_serialization=not legacy),
                            weights_only=False)
    assert type(from_torch) is ember.nn.ParameterList
    assert from_torch[0].tolist() == [0.0, 1.0, 2.0] and from_torch[0].requires_grad


from hypothesis import given, strategies as st  # noqa: E402


@st.composite
def _strided_views(draw):
    shape = tuple(draw(st.lists(st.integers(0, 4), min_size=0, max_size=4)))
    dtype_name = draw(st.sampled_from(DTYPE_NAMES))
    base = ember_tensor(dtype_name, shape, draw(st.integers(0, 100)))
    view = base
    for dim in range(len(shape)):
        start = draw(st.integers(0, shape[dim]))
        step = draw(st.integers(1, 3))
        index = [slice(None)] * len(shape)
        index[dim] = slice(start, None, step)
        view = view[tuple(index)]
    if len(shape) >= 2 and draw(st.booleans()):
        view = view.transpose(0, len(shape) - 1)
    return base, view


@given(_strided_views())
def test_random_strided_views_round_trip(pair):
    base, view = pair
    data = ember_save_bytes({"base": base, "view": view})
    from_torch = torch_load(data)
    assert_tensor_matches(view, from_torch["view"])
    assert_tensor_matches(base, from_torch["base"])
    again = ember_load(torch_save_bytes(from_torch))
    assert_tensor_matches(again["view"], from_torch["view"])
    if view.numel():
        assert again["view"].untyped_storage().data_ptr() == \
            again["base"].untyped_storage().data_ptr()


def test_archives_without_checksums(monkeypatch):
    # PyTorch's set_crc32_options(False) writes every CRC as 0: such files load as in torch.
    monkeypatch.setattr(torch.serialization, "_crc32_options", None, raising=False)
    torch.serialization.set_crc32_options(False)
    try:
        data = torch_save_bytes({"w": torch.arange(10.0)})
    finally:
        torch.serialization.set_crc32_options(True)
    assert {info.CRC for info in zipfile.ZipFile(io.BytesIO(data)).infolist()} == {0}
    assert ember_load(data)["w"].tolist() == list(np.arange(10.0))
    assert ember.serialization.get_crc32_options()
    ember.serialization.set_crc32_options(False)
    try:
        ours = ember_save_bytes({"w": ember.arange(10.0)})
    finally:
        ember.serialization.set_crc32_options(True)
    assert {info.CRC for info in zipfile.ZipFile(io.BytesIO(ours)).infolist()} == {0}
    assert torch_load(ours)["w"].tolist() == list(np.arange(10.0))
    assert ember_load(ours)["w"].tolist() == list(np.arange(10.0))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_load_in_a_forked_child_after_the_parent_loaded(tmp_path):
    # The checksum threads do not survive fork; a child (a DataLoader worker) must not hang.
    path = tmp_path / "w.pt"
    ember.save({"w": ember.arange(100_000.0)}, path)
    assert ember.load(path)["w"][5].item() == 5.0  # the parent's pool now exists
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        try:
            ok = ember.load(path)["w"][7].item() == 7.0
            ember.save({"w": ember.ones(100_000)}, tmp_path / "child.pt")
        finally:
            os._exit(0 if ok else 1)
    import time
    deadline = time.monotonic() + 60
    while True:
        finished, status = os.waitpid(child, os.WNOHANG)
        if finished:
            break
        if time.monotonic() > deadline:
            os.kill(child, 9)
            os.waitpid(child, 0)
            pytest.fail("ember.load hung in a forked child")
        time.sleep(0.05)
    assert os.waitstatus_to_exitcode(status) == 0
    assert ember.load(tmp_path / "child.pt")["w"].sum().item() == 100_000
