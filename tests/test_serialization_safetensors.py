"""ember.utils.safetensors: the format written and read in NumPy, checked against the
``safetensors`` package (``safetensors.torch``) where it is installed."""
from __future__ import annotations

import json
import struct

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import ember  # noqa: E402
from ember.utils import safetensors  # noqa: E402
from tests.parity import to_numpy  # noqa: E402
from tests.test_serialization import _random_array  # noqa: E402

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32",
          "float64", "complex64"]
SHAPES = [(), (0,), (3,), (2, 5), (2, 0, 4), (3, 2, 2)]


def ember_tensors():
    tensors = {}
    for i, name in enumerate(DTYPES):
        for j, shape in enumerate(SHAPES):
            tensors[f"{name}.{j}"] = ember.Tensor._make(
                np.array(_random_array(name, shape, i * 10 + j), copy=True, order="C"))
    return tensors


def torch_like(tensors):
    converted = {}
    for key, tensor in tensors.items():
        array = np.asarray(tensor._data)
        if tensor.dtype is ember.bfloat16:
            converted[key] = torch.from_numpy(array.astype(np.float32)).to(torch.bfloat16)
        else:
            converted[key] = torch.from_numpy(array.copy())
    return converted


def assert_same(e, t):
    assert str(e.dtype) == str(t.dtype) and tuple(e.shape) == tuple(t.shape)
    np.testing.assert_array_equal(to_numpy(e), to_numpy(t))


def test_round_trip_in_memory_and_on_disk(tmp_path):
    tensors = ember_tensors()
    loaded = safetensors.load(safetensors.save(tensors, {"format": "pt"}))
    assert set(loaded) == set(tensors)
    for key in tensors:
        assert loaded[key].dtype is tensors[key].dtype
        np.testing.assert_array_equal(to_numpy(loaded[key]), to_numpy(tensors[key]))
    path = tmp_path / "t.safetensors"
    safetensors.save_file(tensors, path, metadata={"note": "hi"})
    loaded = safetensors.load_file(path)
    offsets = [8 * (tensor.dtype.itemsize < 8) for tensor in loaded.values()]
    assert offsets == sorted(offsets)  # the widest dtypes come first in the file
    for key in tensors:
        np.testing.assert_array_equal(to_numpy(loaded[key]), to_numpy(tensors[key]))
        assert loaded[key].dtype is tensors[key].dtype
    with safetensors.safe_open(path, framework="pt") as reader:
        assert reader.metadata() == {"note": "hi"}
        assert sorted(reader.keys()) == sorted(tensors)
        assert reader.get_tensor("float32.3").tolist() == tensors["float32.3"].tolist()


def test_layout_of_the_file():
    data = safetensors.save({"b": ember.ones(3, dtype=ember.bool), "a": ember.zeros(2)},
                            metadata={"k": "v"})
    (length,) = struct.unpack("<Q", data[:8])
    assert (8 + length) % 8 == 0
    header = json.loads(data[8:8 + length])
    assert header == {"__metadata__": {"k": "v"},
                      "a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                      "b": {"dtype": "BOOL", "shape": [3], "data_offsets": [8, 11]}}
    assert len(data) == 8 + length + 11


def test_interchange_with_the_safetensors_package(tmp_path):
    reference = pytest.importorskip("safetensors.torch")
    tensors = ember_tensors()
    theirs = torch_like(tensors)
    # Byte-identical output for the same tensors and metadata.
    assert safetensors.save(tensors, {"a": "b"}) == reference.save(theirs, {"a": "b"})
    ours_path, theirs_path = tmp_path / "ours.safetensors", tmp_path / "theirs.safetensors"
    safetensors.save_file(tensors, ours_path)
    reference.save_file(theirs, theirs_path, metadata={"x": "y"})
    read_by_them = reference.load_file(ours_path)
    read_by_us = safetensors.load_file(theirs_path)
    for key in tensors:
        assert_same(tensors[key], read_by_them[key])
        assert_same(read_by_us[key], theirs[key])
    with safetensors.safe_open(theirs_path) as reader:
        assert reader.metadata() == {"x": "y"}


def test_save_refuses_what_safetensors_refuses():
    base = ember.arange(6.0).reshape(2, 3)
    with pytest.raises(ValueError, match="non contiguous tensor: `t`"):
        safetensors.save({"t": base.t()})
    with pytest.raises(RuntimeError, match="Some tensors share memory"):
        safetensors.save({"a": base, "b": base[1]})
    with pytest.raises(KeyError):
        safetensors.save({"c": ember.ones(1, dtype=ember.complex128)})
    with pytest.raises(TypeError):
        safetensors.save({"a": base}, metadata={"k": 1})
    # A contiguous slice of a bigger storage is fine: only its own bytes are written.
    assert safetensors.load(safetensors.save({"row": base[1]}))["row"].tolist() == [3, 4, 5]


def test_damaged_input_is_refused(tmp_path):
    good = safetensors.save({"a": ember.arange(4.0), "b": ember.ones(2, dtype=ember.int8)})
    (length,) = struct.unpack("<Q", good[:8])
    cases = [good[:-1], good + b"\x00", good[:5], good[:8 + length - 3], b"",
             struct.pack("<Q", 10**12) + good[8:],
             good[:8] + good[8:8 + length].replace(b'"F32"', b'"F99"') + good[8 + length:],
             good[:8] + good[8:8 + length].replace(b"[0,16]", b"[0,12]") + good[8 + length:],
             good[:8] + b"{" * length + good[8 + length:],
             struct.pack("<Q", 200_000) + b"[" * 200_000]
    for data in cases:
        with pytest.raises(safetensors.SafetensorError):
            safetensors.load(data)
        path = tmp_path / "bad.safetensors"
        path.write_bytes(data)
        with pytest.raises(safetensors.SafetensorError):
            safetensors.load_file(path)


def test_meta_device_and_ember_load(tmp_path):
    path = tmp_path / "w.safetensors"
    safetensors.save_file({"w": ember.ones(3, 2)}, path)
    meta = safetensors.load_file(path, device="meta")
    assert meta["w"].is_meta and meta["w"].shape == (3, 2)
    assert ember.load(str(path))["w"].tolist() == [[1.0, 1.0]] * 3
    with pytest.raises(RuntimeError, match="dict map_location"):
        ember.load(path, map_location={"cpu": "cpu"})
