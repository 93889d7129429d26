"""ember.vision.io (image files as tensors) and ember.vision.utils (make_grid, save_image)."""
from __future__ import annotations

import io

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import ember  # noqa: E402
from _vision_oracle import torchvision  # noqa: E402
from ember.vision import io as vio  # noqa: E402
from ember.vision.utils import make_grid, save_image  # noqa: E402


def pil():
    return pytest.importorskip("PIL.Image")


def rgb_array(height=9, width=11, seed=0) -> np.ndarray:
    return (np.random.default_rng(seed).random((height, width, 3)) * 255).astype(np.uint8)


def png_bytes(array: np.ndarray, mode=None, **info) -> bytes:
    Image = pil()
    buffer = io.BytesIO()
    image = Image.fromarray(array) if mode is None else Image.fromarray(array).convert(mode)
    image.save(buffer, format="PNG", **info)
    return buffer.getvalue()


def test_read_write_file_round_trip(tmp_path):
    payload = bytes(range(256)) * 3
    path = tmp_path / "blob.bin"
    path.write_bytes(payload)
    data = vio.read_file(path)
    assert data.dtype == ember.uint8 and list(data.shape) == [len(payload)]
    assert data.numpy().tobytes() == payload
    vio.write_file(str(tmp_path / "copy.bin"), data)
    assert (tmp_path / "copy.bin").read_bytes() == payload
    with pytest.raises(RuntimeError, match="uint8"):
        vio.write_file(tmp_path / "x", ember.zeros(3))


def test_decode_png_modes(tmp_path):
    array = rgb_array()
    path = tmp_path / "a.png"
    path.write_bytes(png_bytes(array))
    img = vio.read_image(str(path))
    assert img.dtype == ember.uint8 and list(img.shape) == [3, 9, 11]
    np.testing.assert_array_equal(img.numpy(), array.transpose(2, 0, 1))
    gray = vio.read_image(path, vio.ImageReadMode.GRAY)
    expected_gray = np.asarray(pil().fromarray(array).convert("L"))
    np.testing.assert_array_equal(gray.numpy()[0], expected_gray)
    assert list(vio.read_image(path, "RGB_ALPHA").shape) == [4, 9, 11]
    assert vio.read_image(path, vio.ImageReadMode.RGBA).numpy()[3].min() == 255
    assert list(vio.decode_image(vio.read_file(path), "gray_alpha").shape) == [2, 9, 11]
    # Stored gray+alpha comes back with two channels; a palette image expands to RGB.
    la = tmp_path / "la.png"
    la.write_bytes(png_bytes(array, "LA"))
    assert vio.read_image(la).shape[0] == 2
    palette = tmp_path / "p.png"
    palette.write_bytes(png_bytes(array, "P"))
    expected = np.asarray(pil().open(palette).convert("RGB")).transpose(2, 0, 1)
    np.testing.assert_array_equal(vio.read_image(palette).numpy(), expected)
    with pytest.raises(RuntimeError, match="Unsupported image file"):
        vio.decode_image(ember.zeros(10, dtype=ember.uint8))


def test_encode_png_round_trip_and_errors(tmp_path):
    array = rgb_array()
    tensor = ember.from_numpy(array.transpose(2, 0, 1).copy())
    encoded = vio.encode_png(tensor, compression_level=9)
    assert encoded.dtype == ember.uint8 and encoded.ndim == 1
    assert encoded.numpy()[:8].tobytes() == b"\x89PNG\r\n\x1a\n"
    np.testing.assert_array_equal(vio.decode_png(encoded).numpy(), tensor.numpy())
    vio.write_png(tensor[:1], tmp_path / "g.png")
    np.testing.assert_array_equal(vio.read_image(tmp_path / "g.png").numpy(), tensor.numpy()[:1])
    with pytest.raises(RuntimeError, match="Compression level"):
        vio.encode_png(tensor, 10)
    with pytest.raises(RuntimeError, match="uint8"):
        vio.encode_png(tensor.float())
    with pytest.raises(RuntimeError, match="3-dimensional"):
        vio.encode_png(tensor[0])


def test_jpeg_round_trip(tmp_path):
    smooth = np.tile(np.linspace(0, 255, 16, dtype=np.uint8), (16, 1))
    tensor = ember.from_numpy(np.stack([smooth, smooth.T, 255 - smooth]))
    encoded = vio.encode_jpeg(tensor, quality=95)
    assert encoded.numpy()[:2].tobytes() == b"\xff\xd8"
    decoded = vio.decode_jpeg(encoded)
    assert list(decoded.shape) == [3, 16, 16]
    # Decoding gives exactly Pillow's pixels, close to the original (JPEG is lossy).
    reference = np.asarray(pil().open(io.BytesIO(encoded.numpy().tobytes())).convert("RGB"))
    np.testing.assert_array_equal(decoded.numpy(), reference.transpose(2, 0, 1))
    assert np.abs(decoded.numpy().astype(int) - tensor.numpy()).mean() < 8
    vio.write_jpeg(tensor, str(tmp_path / "a.jpg"), quality=50)
    assert vio.read_image(tmp_path / "a.jpg", vio.ImageReadMode.GRAY).shape[0] == 1
    assert len(vio.encode_jpeg([tensor, tensor])) == 2
    with pytest.raises(ValueError, match="between 1 and 100"):
        vio.encode_jpeg(tensor, quality=0)


def test_sixteen_bit_png_reads_as_int32(tmp_path):
    Image = pil()
    values = (np.arange(20, dtype=np.uint16) * 3000).reshape(4, 5)
    path = tmp_path / "deep.png"
    Image.fromarray(values).save(path)
    image = vio.read_image(path)
    assert image.dtype == ember.int32
    np.testing.assert_array_equal(image.numpy()[0], values)


def test_make_grid_layout_known_values():
    images = ember.arange(1.0, 4.0).reshape(3, 1, 1, 1).expand(3, 3, 2, 2)
    grid = make_grid(images, nrow=2, padding=1, pad_value=-1).numpy()
    assert grid.shape == (3, 1 + 2 * 3, 1 + 2 * 3)
    channel = grid[0]
    assert (channel[1:3, 1:3] == 1).all() and (channel[1:3, 4:6] == 2).all()
    assert (channel[4:6, 1:3] == 3).all() and (channel[4:6, 4:6] == -1).all()
    assert (channel[0] == -1).all() and (channel[:, 3] == -1).all()
    single = make_grid(ember.ones(1, 5, 6))
    assert list(single.shape) == [3, 5, 6]
    normalized = make_grid(ember.tensor([[[-2.0, 0.0, 2.0]]]), normalize=True).numpy()
    np.testing.assert_allclose(normalized[0, 0], [0.0, 0.5, 1.0])
    with pytest.raises(TypeError, match="tensor or list of tensors"):
        make_grid("x")
    with pytest.raises(TypeError, match="value_range has to be a tuple"):
        make_grid(ember.ones(2, 3, 2, 2), normalize=True, value_range=[0, 1])


@pytest.mark.parametrize("kwargs", [{}, {"nrow": 2, "padding": 1, "pad_value": 0.5},
                                    {"normalize": True}, {"normalize": True, "scale_each": True},
                                    {"normalize": True, "value_range": (0.0, 1.0)},
                                    {"padding": 0}])
def test_make_grid_matches_torchvision(kwargs):
    tv = torchvision()
    data = np.random.default_rng(0).random((5, 3, 4, 6)).astype(np.float32) * 3 - 1
    ours = make_grid(ember.from_numpy(data.copy()), **kwargs).numpy()
    theirs = tv.utils.make_grid(torch.from_numpy(data.copy()), **kwargs).numpy()
    np.testing.assert_array_equal(ours, theirs)
    one_channel = data[:, :1].copy()
    np.testing.assert_array_equal(make_grid(ember.from_numpy(one_channel), **kwargs).numpy(),
                                  tv.utils.make_grid(torch.from_numpy(one_channel), **kwargs).numpy())


def test_save_image(tmp_path):
    Image = pil()
    images = ember.from_numpy(np.random.default_rng(1).random((4, 3, 5, 5)).astype(np.float32))
    path = tmp_path / "grid.png"
    save_image(images, path, nrow=2)
    saved = np.asarray(Image.open(path))
    grid = make_grid(images, nrow=2).numpy()
    expected = np.clip(grid * 255 + 0.5, 0, 255).astype(np.uint8).transpose(1, 2, 0)
    np.testing.assert_array_equal(saved, expected)
    buffer = io.BytesIO()
    save_image(images[0], buffer, format="PNG")
    assert buffer.getvalue()[:4] == b"\x89PNG"
