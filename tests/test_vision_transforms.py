"""ember.vision.transforms on tensors: known values, PyTorch's own ops, and torchvision when present."""
from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import ember  # noqa: E402
from _vision_oracle import torchvision  # noqa: E402
from ember.vision import transforms as T  # noqa: E402
from ember.vision.transforms import functional as F  # noqa: E402
from parity import assert_same, to_torch  # noqa: E402

IM = F.InterpolationMode


def image(shape=(3, 13, 17), dtype=np.float32, seed=0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    data = rng.random(shape)
    if np.dtype(dtype) == np.uint8:
        return (data * 255).astype(np.uint8)
    return data.astype(dtype)


def pair(array: np.ndarray):
    return ember.from_numpy(array.copy()), torch.from_numpy(array.copy())


def tv_mode(mode: F.InterpolationMode):
    return getattr(torchvision().transforms.InterpolationMode, mode.name)


# -- import without Pillow ------------------------------------------------------------------------

def test_import_without_pillow_and_clear_error():
    code = (
        "import sys\n"
        "sys.modules['PIL'] = None\n"  # makes 'import PIL' fail
        "import ember, ember.vision\n"
        "from ember.vision import transforms as T\n"
        "x = ember.rand(3, 8, 8)\n"
        "y = T.Compose([T.Resize(4), T.RandomHorizontalFlip(), T.Normalize([0.5]*3, [0.2]*3)])(x)\n"
        "assert tuple(y.shape) == (3, 4, 4)\n"
        "try:\n"
        "    T.ToPILImage()(x)\n"
        "except ImportError as e:\n"
        "    assert 'ember[vision]' in str(e), e\n"
        "else:\n"
        "    raise SystemExit('no ImportError')\n"
        "try:\n"
        "    ember.vision.io.encode_png(ember.zeros(1, 2, 2, dtype=ember.uint8))\n"
        "except ImportError as e:\n"
        "    assert 'ember[vision]' in str(e), e\n"
        "else:\n"
        "    raise SystemExit('no ImportError')\n"
        "assert 'torch' not in sys.modules\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=str(__import__("pathlib").Path(ember.__file__).parent.parent))
    assert result.returncode == 0, result.stderr


# -- resize ---------------------------------------------------------------------------------------

def test_resize_known_values():
    x = ember.tensor([[[0.0, 1.0]]])
    assert F.resize(x, [1, 4]).tolist() == [[[0.0, 0.25, 0.75, 1.0]]]
    assert F.resize(x, [1, 4], IM.NEAREST).tolist() == [[[0.0, 0.0, 1.0, 1.0]]]
    # Downscaling by 2 with antialias: a triangle filter two pixels wide (weights 1/4, 3/4,
    # 3/4, 1/4), renormalised where it hangs over the border.
    row = ember.arange(8.0).reshape(1, 1, 8)
    np.testing.assert_allclose(F.resize(row, [1, 4]).numpy().ravel(), [5 / 7, 2.5, 4.5, 44 / 7],
                               rtol=1e-6)


@pytest.mark.parametrize("size", [[6, 7], [29, 41], [13, 40], [3, 3]])
def test_resize_bilinear_antialias_matches_pil(size):
    PIL = pytest.importorskip("PIL.Image")
    plane = image((13, 17), seed=1)
    expected = np.asarray(PIL.fromarray(plane, mode="F").resize(size[::-1], PIL.BILINEAR))
    got = F.resize(ember.from_numpy(plane[None].copy()), size).numpy()[0]
    np.testing.assert_allclose(got, expected, atol=2e-5)


def _torch_resize(x, size, mode, antialias):
    align = False if mode in ("bilinear", "bicubic") else None
    return torch.nn.functional.interpolate(x, size=size, mode=mode, align_corners=align,
                                           antialias=antialias)


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact", "bilinear", "bicubic"])
@pytest.mark.parametrize("antialias", [True, False])
@pytest.mark.parametrize("size", [[5, 8], [27, 35], [13, 40]])
def test_resize_matches_torch_interpolate(mode, antialias, size):
    e, t = pair(image((2, 3, 13, 17)))
    got = F.resize(e, size, IM(mode), antialias=antialias)
    use_aa = antialias and mode in ("bilinear", "bicubic")
    assert_same(got, _torch_resize(t, size, mode, use_aa), atol=3e-6, rtol=1e-5)


@given(in_h=st.integers(1, 12), in_w=st.integers(1, 12), out_h=st.integers(1, 30),
       out_w=st.integers(1, 30), mode=st.sampled_from(["nearest", "nearest-exact", "bilinear",
                                                       "bicubic"]),
       antialias=st.booleans())
def test_resize_any_sizes_match_torch(in_h, in_w, out_h, out_w, mode, antialias):
    data = np.random.default_rng(in_h * 31 + in_w).random((1, 2, in_h, in_w))
    e, t = pair(data)
    got = F.resize(e, [out_h, out_w], IM(mode), antialias=antialias)
    use_aa = antialias and mode in ("bilinear", "bicubic")
    if [in_h, in_w] == [out_h, out_w]:
        assert got is e
        return
    assert_same(got, _torch_resize(t, [out_h, out_w], mode, use_aa), atol=1e-12, rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.uint8, np.float64])
def test_resize_dtypes_and_shapes(dtype):
    e, t = pair(image((3, 10, 14), dtype))
    for size in ([5, 7], [7], 12, [20, 9]):
        got = F.resize(e, size)
        expected_shape = F._compute_resized_output_size((10, 14), [size] if isinstance(size, int) else size)
        assert list(got.shape) == [3, *expected_shape]
        assert got.dtype == e.dtype
    # uint8 goes through float32 and is rounded back.
    as_float = F.resize(e.to(ember.float32), [5, 7])
    if dtype == np.uint8:
        assert_same(F.resize(e, [5, 7]), torch.round(to_torch(as_float)).to(torch.uint8))
    # 2-D (H, W) images work too.
    assert list(F.resize(e[0], [5, 7]).shape) == [5, 7]


def test_resize_aspect_ratio_and_max_size():
    x = ember.zeros(1, 20, 40)
    assert list(F.resize(x, 10).shape) == [1, 10, 20]
    assert list(F.resize(x, [10], max_size=15).shape) == [1, 7, 15]
    with pytest.raises(ValueError, match="max_size"):
        F.resize(x, [10], max_size=10)
    with pytest.raises(ValueError, match="max_size should only be passed"):
        F.resize(x, [10, 10], max_size=20)
    with pytest.raises(TypeError, match="InterpolationMode"):
        F.resize(x, 10, interpolation="bilinear")
    with pytest.raises(ValueError, match="Size must be an int or a 1 or 2"):
        F.resize(x, [1, 2, 3])
    assert F.resize(x, [20, 40]) is x


def test_resize_gradient_matches_torch():
    data = image((1, 2, 9, 11), np.float64)
    e = ember.from_numpy(data.copy()).requires_grad_(True)
    t = torch.from_numpy(data.copy()).requires_grad_(True)
    weights = np.random.default_rng(3).random((1, 2, 5, 15))
    (F.resize(e, [5, 15]) * ember.from_numpy(weights)).sum().backward()
    (_torch_resize(t, [5, 15], "bilinear", True) * torch.from_numpy(weights)).sum().backward()
    np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), atol=1e-12)


# -- geometry -------------------------------------------------------------------------------------

def test_flips_and_crops_known_values():
    x = ember.arange(24).reshape(2, 3, 4)
    np.testing.assert_array_equal(F.hflip(x).numpy(), x.numpy()[..., ::-1])
    np.testing.assert_array_equal(F.vflip(x).numpy(), x.numpy()[..., ::-1, :])
    np.testing.assert_array_equal(F.crop(x, 1, 1, 2, 2).numpy(), x.numpy()[:, 1:3, 1:3])
    # A crop reaching outside the image is zero-padded.
    out = F.crop(x, -1, 2, 3, 4).numpy()
    assert out.shape == (2, 3, 4)
    np.testing.assert_array_equal(out[:, 1:, :2], x.numpy()[:, :2, 2:])
    assert (out[:, 0] == 0).all() and (out[:, :, 2:] == 0).all()
    np.testing.assert_array_equal(F.center_crop(x, 2).numpy(), x.numpy()[:, 0:2, 1:3])
    assert list(F.center_crop(x, [5, 6]).shape) == [2, 5, 6]
    tl, tr, bl, br, center = F.five_crop(x, [2, 2])
    np.testing.assert_array_equal(br.numpy(), x.numpy()[:, 1:, 2:])
    assert len(F.ten_crop(x, 2)) == 10
    with pytest.raises(ValueError, match="bigger than input size"):
        F.five_crop(x, 5)


@pytest.mark.parametrize("mode", ["constant", "edge", "reflect", "symmetric"])
@pytest.mark.parametrize("padding", [2, [1, 3], [1, 2, 3, 0]])
def test_pad_matches_numpy(mode, padding):
    data = image((2, 5, 6))
    left, top, right, bottom = (padding, padding, padding, padding) if isinstance(padding, int) \
        else ((padding[0], padding[1]) * 2 if len(padding) == 2 else padding)
    widths = ((0, 0), (top, bottom), (left, right))
    kwargs = {"constant_values": 0.5} if mode == "constant" else {}
    expected = np.pad(data, widths, mode=mode, **kwargs)
    got = F.pad(ember.from_numpy(data), padding, 0.5 if mode == "constant" else 0, mode)
    np.testing.assert_array_equal(got.numpy(), expected)


def test_pad_errors_and_negative():
    x = ember.ones(1, 4, 4)
    with pytest.raises(ValueError, match="Padding mode"):
        F.pad(x, 1, padding_mode="wrap")
    with pytest.raises(ValueError, match="Padding must be an int or a 1, 2, or 4"):
        F.pad(x, [1, 2, 3])
    with pytest.raises(RuntimeError, match="Padding size should be less than"):
        F.pad(x, 4, padding_mode="reflect")
    assert list(F.pad(x, [-1, 0, 2, -2]).shape) == [1, 2, 5]


def test_rotate_right_angles_and_affine_identity():
    data = image((3, 6, 6))
    x = ember.from_numpy(data)
    # Counter-clockwise, like np.rot90 on the (H, W) axes.
    np.testing.assert_array_equal(F.rotate(x, 90).numpy(), np.rot90(data, 1, axes=(1, 2)))
    np.testing.assert_array_equal(F.rotate(x, 180).numpy(), data[:, ::-1, ::-1])
    np.testing.assert_allclose(F.affine(x, 0, [0, 0], 1.0, 0.0).numpy(), data)
    shifted = F.affine(x, 0, [2, 1], 1.0, 0.0).numpy()
    np.testing.assert_array_equal(shifted[:, 1:, 2:], data[:, :-1, :-2])
    assert (shifted[:, 0] == 0).all()
    rotated = F.rotate(ember.ones(1, 4, 8), 90, expand=True)
    assert list(rotated.shape) == [1, 8, 4]
    filled = F.rotate(ember.zeros(3, 5, 5), 45, fill=[1.0, 2.0, 3.0]).numpy()
    assert filled[2, 0, 0] == 3.0 and filled[0, 2, 2] == 0.0


def _tv_functional():
    return torchvision().transforms.functional


@pytest.mark.parametrize("angle", [30, -47.5, 90])
@pytest.mark.parametrize("mode", [IM.NEAREST, IM.BILINEAR])
@pytest.mark.parametrize("expand", [False, True])
def test_rotate_matches_torchvision(angle, mode, expand):
    TF = _tv_functional()
    e, t = pair(image((2, 3, 11, 14)))
    got = F.rotate(e, angle, mode, expand=expand, fill=[0.1, 0.2, 0.3])
    assert_same(got, TF.rotate(t, angle, tv_mode(mode), expand=expand, fill=[0.1, 0.2, 0.3]),
                atol=1e-5, rtol=1e-5)


def test_affine_and_perspective_match_torchvision():
    TF = _tv_functional()
    e, t = pair(image((3, 15, 19)))
    for args in ((20, [3, -2], 1.2, [10, 5]), (-5.0, (1, 1), 0.7, 8.0)):
        for mode in (IM.NEAREST, IM.BILINEAR):
            assert_same(F.affine(e, *args, interpolation=mode, center=[4, 5]),
                        TF.affine(t, *args, interpolation=tv_mode(mode), center=[4, 5]),
                        atol=1e-5, rtol=1e-5)
    start = [[0, 0], [18, 0], [18, 14], [0, 14]]
    end = [[2, 1], [16, 3], [17, 13], [1, 12]]
    assert_same(F.perspective(e, start, end), TF.perspective(t, start, end), atol=2e-5, rtol=1e-5)
    eu, tu = pair(image((3, 15, 19), np.uint8))
    assert_same(F.rotate(eu, 33), TF.rotate(tu, 33))


# -- colour -----------------------------------------------------------------------------------------

def test_colour_known_values():
    x = ember.tensor([[[1.0]], [[0.5]], [[0.0]]])
    gray = F.rgb_to_grayscale(x)
    assert gray.shape == (1, 1, 1)
    assert math.isclose(gray.item(), 0.2989 + 0.587 * 0.5, rel_tol=1e-6)
    assert list(F.rgb_to_grayscale(x, 3).shape) == [3, 1, 1]
    np.testing.assert_allclose(F.adjust_brightness(x, 0.5).numpy().ravel(), [0.5, 0.25, 0.0])
    np.testing.assert_allclose(F.adjust_brightness(x, 3).numpy().ravel(), [1.0, 1.0, 0.0])
    # A pure red pixel shifted by a third of a turn becomes pure green.
    red = ember.tensor([[[1.0]], [[0.0]], [[0.0]]])
    np.testing.assert_allclose(F.adjust_hue(red, 1 / 3).numpy().ravel(), [0, 1, 0], atol=1e-6)
    np.testing.assert_allclose(F.adjust_saturation(x, 0).numpy().ravel(), [gray.item()] * 3,
                               rtol=1e-6)
    u = ember.tensor([[[200]], [[100]], [[0]]], dtype=ember.uint8)
    assert F.adjust_brightness(u, 1.5).numpy().ravel().tolist() == [255, 150, 0]
    assert F.invert(u).numpy().ravel().tolist() == [55, 155, 255]
    assert F.posterize(u, 2).numpy().ravel().tolist() == [192, 64, 0]
    assert F.solarize(u, 150).numpy().ravel().tolist() == [55, 100, 0]
    with pytest.raises(ValueError, match="hue_factor"):
        F.adjust_hue(x, 0.7)
    with pytest.raises(ValueError, match="non-negative"):
        F.adjust_contrast(x, -1)
    with pytest.raises(TypeError, match="permitted channel values"):
        F.adjust_brightness(ember.rand(2, 3, 3), 1.0)


@pytest.mark.parametrize("dtype", [np.float32, np.uint8])
def test_colour_ops_match_torchvision(dtype):
    TF = _tv_functional()
    e, t = pair(image((2, 3, 9, 10), dtype))
    exact = 0 if dtype == np.uint8 else 1e-6
    for name, args in [("adjust_brightness", (0.3,)), ("adjust_contrast", (1.7,)),
                       ("adjust_saturation", (0.4,)), ("adjust_hue", (-0.3,)),
                       ("adjust_hue", (0.45,)), ("adjust_gamma", (0.6, 1.1)),
                       ("adjust_sharpness", (1.8,)), ("rgb_to_grayscale", (3,)),
                       ("autocontrast", ()), ("invert", ())]:
        assert_same(getattr(F, name)(e, *args), getattr(TF, name)(t, *args), atol=exact, rtol=0)
    if dtype == np.uint8:
        assert_same(F.equalize(e), TF.equalize(t))


def test_equalize_known_values():
    data = np.array([[[0, 0, 50, 50], [100, 100, 200, 250]]], dtype=np.uint8)
    got = F.equalize(ember.from_numpy(data)).numpy()
    # PIL's algorithm: step = (8 - count of the brightest value) // 255 = 0 -> unchanged.
    np.testing.assert_array_equal(got, data)
    ramp = np.arange(256, dtype=np.uint8).repeat(3).reshape(1, 24, 32)
    assert F.equalize(ember.from_numpy(ramp)).numpy().max() <= 255


def test_convert_image_dtype():
    u = ember.tensor([[[0, 128, 255]]], dtype=ember.uint8)
    np.testing.assert_allclose(F.convert_image_dtype(u).numpy().ravel(), [0, 128 / 255, 1.0])
    f = ember.tensor([[[0.0, 0.5, 1.0]]])
    assert F.convert_image_dtype(f, ember.uint8).numpy().ravel().tolist() == [0, 127, 255]
    assert F.convert_image_dtype(u, ember.int16).numpy().ravel().tolist() == [0, 128 * 128,
                                                                               255 * 128]
    assert F.convert_image_dtype(u.to(ember.int32) * 2 ** 23, ember.uint8).dtype == ember.uint8
    with pytest.raises(RuntimeError, match="cannot be performed safely"):
        F.convert_image_dtype(f, ember.int32)
    assert T.ConvertImageDtype(ember.float64)(u).dtype == ember.float64


def test_normalize_values_inplace_and_grad():
    data = image((2, 3, 4, 5), np.float64)
    x = ember.from_numpy(data.copy()).requires_grad_(True)
    mean, std = [0.1, 0.2, 0.3], [0.5, 0.25, 2.0]
    out = F.normalize(x, mean, std)
    expected = (data - np.array(mean)[:, None, None]) / np.array(std)[:, None, None]
    np.testing.assert_allclose(out.detach().numpy(), expected)
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy()[0, :, 0, 0], 1 / np.array(std))
    y = ember.from_numpy(data.copy())
    assert F.normalize(y, mean, std, inplace=True) is y
    with pytest.raises(TypeError, match="float tensor"):
        F.normalize(ember.zeros(3, 2, 2, dtype=ember.uint8), mean, std)
    with pytest.raises(ValueError, match="std evaluated to zero"):
        F.normalize(ember.zeros(3, 2, 2), mean, [1, 0, 1])


def test_gaussian_blur_known_values():
    delta = np.zeros((1, 7, 7), np.float64)
    delta[0, 3, 3] = 1.0
    out = F.gaussian_blur(ember.from_numpy(delta), [3, 5], [0.8, 1.3]).numpy()[0]

    def kernel(size, sigma):
        x = np.arange(size) - (size - 1) / 2
        k = np.exp(-0.5 * (x / sigma) ** 2)
        return k / k.sum()

    expected = np.outer(kernel(5, 1.3), kernel(3, 0.8))
    np.testing.assert_allclose(out[1:6, 2:5], expected, atol=1e-12)
    flat = F.gaussian_blur(ember.full((3, 6, 6), 0.25), 5)
    np.testing.assert_allclose(flat.numpy(), 0.25, atol=1e-7)
    with pytest.raises(ValueError, match="odd and positive"):
        F.gaussian_blur(flat, 4)
    with pytest.raises(ValueError, match="positive values"):
        F.gaussian_blur(flat, 3, -1.0)


def test_gaussian_blur_matches_torchvision():
    TF = _tv_functional()
    for dtype in (np.float32, np.uint8):
        e, t = pair(image((2, 3, 12, 15), dtype))
        for ks, sigma in ((3, None), ([5, 7], [1.5, 0.7])):
            assert_same(F.gaussian_blur(e, ks, sigma), TF.gaussian_blur(t, ks, sigma),
                        atol=1e-6 if dtype == np.float32 else 1, rtol=0)


def test_erase():
    x = ember.zeros(3, 5, 5)
    out = F.erase(x, 1, 2, 2, 3, ember.tensor(7.0))
    assert out.sum().item() == 7.0 * 3 * 6 and x.sum().item() == 0
    assert F.erase(x, 0, 0, 1, 1, ember.tensor(1.0), inplace=True) is x


# -- random transforms draw exactly what torchvision draws ---------------------------------------

def _draws(seed, fn_ember, fn_torch):
    ember.manual_seed(seed)
    torch.manual_seed(seed)
    return fn_ember(), fn_torch()


def test_random_crop_draws_like_torch():
    def ember_side():
        return [T.RandomCrop.get_params(ember.zeros(1, 20, 30), (8, 9)) for _ in range(5)]

    def torch_side():
        out = []
        for _ in range(5):
            i = torch.randint(0, 20 - 8 + 1, size=(1,)).item()
            j = torch.randint(0, 30 - 9 + 1, size=(1,)).item()
            out.append((i, j, 8, 9))
        return out

    got, expected = _draws(11, ember_side, torch_side)
    assert got == expected


def test_random_flip_and_resized_crop_draw_like_torch():
    x = ember.arange(12.0).reshape(1, 3, 4)
    ember.manual_seed(5)
    flips = [T.RandomHorizontalFlip()(x).tolist() != x.tolist() for _ in range(20)]
    torch.manual_seed(5)
    assert flips == [bool(torch.rand(1) < 0.5) for _ in range(20)]

    def torch_rrc(height, width, scale=(0.08, 1.0), ratio=(3 / 4, 4 / 3)):
        log_ratio = torch.log(torch.tensor(ratio))
        for _ in range(10):
            area = height * width * torch.empty(1).uniform_(scale[0], scale[1]).item()
            aspect = torch.exp(torch.empty(1).uniform_(log_ratio[0], log_ratio[1])).item()
            w = int(round(math.sqrt(area * aspect)))
            h = int(round(math.sqrt(area / aspect)))
            if 0 < w <= width and 0 < h <= height:
                i = torch.randint(0, height - h + 1, size=(1,)).item()
                j = torch.randint(0, width - w + 1, size=(1,)).item()
                return i, j, h, w
        return None

    got, expected = _draws(
        2, lambda: [T.RandomResizedCrop.get_params(ember.zeros(3, 40, 50), (0.08, 1.0),
                                                   (3 / 4, 4 / 3)) for _ in range(8)],
        lambda: [torch_rrc(40, 50) for _ in range(8)])
    assert got == expected


def test_color_jitter_order_draws_like_torch():
    got, expected = _draws(
        9, lambda: [T.ColorJitter.get_params((0.5, 1.5), None, (0.2, 1.8), (-0.1, 0.1))
                    for _ in range(4)],
        lambda: [(torch.randperm(4), float(torch.empty(1).uniform_(0.5, 1.5)), None,
                  float(torch.empty(1).uniform_(0.2, 1.8)),
                  float(torch.empty(1).uniform_(-0.1, 0.1))) for _ in range(4)])
    for (order, *factors), (t_order, *t_factors) in zip(got, expected):
        assert order.tolist() == t_order.tolist()
        assert factors == t_factors


def test_random_rotation_and_erasing_reproducible():
    x = ember.from_numpy(image((3, 16, 16)))
    for transform in (T.RandomRotation(45), T.RandomErasing(p=1.0, value="random"),
                      T.RandomAffine(20, translate=(0.1, 0.1), scale=(0.9, 1.1), shear=5),
                      T.GaussianBlur(5), T.RandomPerspective(p=1.0),
                      T.ElasticTransform(sigma=1.0)):
        ember.manual_seed(4)
        first = transform(x)
        ember.manual_seed(4)
        assert np.array_equal(first.numpy(), transform(x).numpy()), transform


RANDOM_CASES = [
    ("RandomHorizontalFlip", lambda M: M.RandomHorizontalFlip()),
    ("RandomCrop", lambda M: M.RandomCrop(10, padding=2)),
    ("RandomCrop pad", lambda M: M.RandomCrop((20, 25), pad_if_needed=True, padding_mode="edge")),
    ("RandomResizedCrop", lambda M: M.RandomResizedCrop(12)),
    ("RandomRotation", lambda M: M.RandomRotation((10, 50), M.InterpolationMode.BILINEAR,
                                                  expand=True, fill=0.5)),
    ("RandomAffine", lambda M: M.RandomAffine(30, (0.1, 0.2), (0.8, 1.2), (5, 10, -3, 3))),
    ("ColorJitter", lambda M: M.ColorJitter(0.4, 0.4, 0.4, 0.1)),
    ("RandomGrayscale", lambda M: M.RandomGrayscale(0.5)),
    ("RandomErasing", lambda M: M.RandomErasing(p=0.9, value=(0.1, 0.2, 0.3))),
    ("RandomErasing random", lambda M: M.RandomErasing(p=1.0, value="random")),
    ("GaussianBlur", lambda M: M.GaussianBlur(5)),
    ("RandomPerspective", lambda M: M.RandomPerspective(p=0.8)),
    ("ElasticTransform", lambda M: M.ElasticTransform(alpha=20.0, sigma=3.0)),
    ("RandomApply", lambda M: M.RandomApply([M.ColorJitter(0.5)], p=0.5)),
    ("RandomAdjustSharpness", lambda M: M.RandomAdjustSharpness(2)),
    ("Compose", lambda M: M.Compose([M.RandomResizedCrop(8), M.RandomVerticalFlip(),
                                     M.Normalize([0.5, 0.4, 0.3], [0.2, 0.2, 0.2])])),
    ("Resize", lambda M: M.Resize(9, max_size=12)),
    ("Pad", lambda M: M.Pad((1, 2), fill=3)),
    ("CenterCrop", lambda M: M.CenterCrop((7, 9))),
    ("Grayscale", lambda M: M.Grayscale(3)),
]


@pytest.mark.parametrize("name,make", RANDOM_CASES, ids=[c[0] for c in RANDOM_CASES])
def test_transforms_match_torchvision(name, make):
    tv = torchvision()
    e, t = pair(image((3, 18, 22), seed=2))
    ember_t, torch_t = make(T), make(tv.transforms)
    assert repr(ember_t) == repr(torch_t)
    ember.manual_seed(7)
    torch.manual_seed(7)
    for _ in range(4):
        assert_same(ember_t(e), torch_t(t), atol=2e-5, rtol=1e-5)


def test_reprs():
    assert repr(T.ToTensor()) == "ToTensor()"
    assert repr(T.ToPILImage("RGB")) == "ToPILImage(mode=RGB)"
    assert repr(T.Lambda(abs)) == "Lambda()"
    assert repr(T.ConvertImageDtype(ember.float32)) == "ConvertImageDtype()"
    assert repr(T.Resize(3)) == "Resize(size=3, interpolation=bilinear, max_size=None, antialias=True)"
    assert repr(T.RandomRotation(10)) == ("RandomRotation(degrees=[-10.0, 10.0], "
                                         "interpolation=nearest, expand=False, fill=0)")
    assert repr(T.ColorJitter(brightness=0.2)) == ("ColorJitter(brightness=(0.8, 1.2), "
                                                  "contrast=None, saturation=None, hue=None)")


def test_argument_errors():
    with pytest.raises(TypeError, match="callable"):
        T.Lambda(3)
    with pytest.raises(ValueError, match="If degrees is a single number"):
        T.RandomRotation(-3)
    with pytest.raises(ValueError, match="hue values should be between"):
        T.ColorJitter(hue=0.7)
    with pytest.raises(ValueError, match="odd and positive"):
        T.GaussianBlur(4)
    with pytest.raises(ValueError, match="Scale should be between 0 and 1"):
        T.RandomErasing(scale=(0.1, 2))
    with pytest.raises(ValueError, match="larger than input image size"):
        T.RandomCrop(50)(ember.zeros(1, 10, 10))
    with pytest.raises(TypeError, match="Size should be int or sequence"):
        T.Resize(2.5)
    with pytest.raises(TypeError, match="Tensor is not a torch image"):
        F.hflip(ember.zeros(4))


def test_batched_tensors_and_linear_transformation():
    batch = ember.from_numpy(image((4, 3, 10, 12)))
    assert list(F.resize(batch, [5, 6]).shape) == [4, 3, 5, 6]
    assert list(F.rotate(batch, 10).shape) == [4, 3, 10, 12]
    assert list(F.gaussian_blur(batch, 3).shape) == [4, 3, 10, 12]
    np.testing.assert_array_equal(F.hflip(batch)[2].numpy(), F.hflip(batch[2]).numpy())
    matrix = ember.eye(3 * 2 * 2) * 2
    mean = ember.ones(12)
    x = ember.ones(3, 2, 2) * 3
    out = T.LinearTransformation(matrix, mean)(x)
    np.testing.assert_allclose(out.numpy(), 4.0)
    with pytest.raises(ValueError, match="square"):
        T.LinearTransformation(ember.ones(2, 3), ember.ones(2))


def test_module_transforms_are_nn_modules():
    # As in torchvision, the tensor transforms are modules and chain in nn.Sequential.
    pipeline = ember.nn.Sequential(T.Resize(4), T.CenterCrop(3), T.Normalize([0.5] * 3, [0.5] * 3))
    out = pipeline(ember.ones(3, 8, 8))
    assert list(out.shape) == [3, 3, 3] and np.allclose(out.numpy(), 1.0)
    assert isinstance(T.RandomInvert(), ember.nn.Module)
    assert not isinstance(T.Compose([]), ember.nn.Module)
    flip = T.RandomHorizontalFlip(p=1.0).eval()
    assert flip(ember.arange(3.0).reshape(1, 1, 3)).tolist() == [[[2.0, 1.0, 0.0]]]
    assert T.RandomInvert(p=1.0).to(ember.float64)(ember.zeros(1, 1, 2)).tolist() == [[[1.0, 1.0]]]
