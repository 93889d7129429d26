"""ember.vision.transforms on PIL images, and the PIL <-> tensor conversions."""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
Image = pytest.importorskip("PIL.Image")

import ember  # noqa: E402
from _vision_oracle import torchvision  # noqa: E402
from ember.vision import transforms as T  # noqa: E402
from ember.vision.transforms import functional as F  # noqa: E402

IM = F.InterpolationMode


def rgb(height=21, width=27, seed=0):
    data = (np.random.default_rng(seed).random((height, width, 3)) * 255).astype(np.uint8)
    return data, Image.fromarray(data)


def same_pixels(a, b) -> bool:
    return a.mode == b.mode and a.size == b.size and np.array_equal(np.asarray(a), np.asarray(b))


def test_to_tensor_and_back():
    data, img = rgb()
    t = F.to_tensor(img)
    assert t.dtype == ember.float32 and list(t.shape) == [3, 21, 27]
    np.testing.assert_array_equal(t.numpy(), data.transpose(2, 0, 1).astype(np.float32) / 255)
    raw = F.pil_to_tensor(img)
    assert raw.dtype == ember.uint8
    np.testing.assert_array_equal(raw.numpy(), data.transpose(2, 0, 1))
    back = F.to_pil_image(raw)
    assert back.mode == "RGB" and np.array_equal(np.asarray(back), data)
    # Floats are scaled by 255 and truncated, exactly as torchvision does.
    assert np.array_equal(np.asarray(F.to_pil_image(t)), (t.numpy().transpose(1, 2, 0) * 255)
                          .astype(np.uint8))
    arr = F.to_tensor(data)
    np.testing.assert_array_equal(arr.numpy(), t.numpy())
    np.testing.assert_array_equal(F.to_tensor(data.astype(np.float64)).numpy(),
                                  data.transpose(2, 0, 1))


@pytest.mark.parametrize("mode,dtype,channels", [
    ("L", ember.float32, 1), ("1", ember.float32, 1), ("I", ember.int32, 1),
    ("F", ember.float32, 1), ("LA", ember.float32, 2), ("RGBA", ember.float32, 4),
    ("P", ember.float32, 1), ("CMYK", ember.float32, 4), ("YCbCr", ember.float32, 3)])
def test_to_tensor_modes(mode, dtype, channels):
    _, img = rgb()
    converted = img.convert(mode)
    t = F.to_tensor(converted)
    assert t.dtype == dtype and t.shape[0] == channels
    expected = np.asarray(converted).reshape(21, 27, channels).transpose(2, 0, 1)
    if mode == "1":
        expected = expected.astype(np.float32)  # bilevel becomes 0 or 1 (255 / 255)
    elif dtype == ember.float32 and mode != "F":
        expected = expected.astype(np.float32) / 255
    np.testing.assert_allclose(t.numpy(), expected)


def test_to_pil_image_modes_and_errors():
    gray = ember.rand(1, 4, 5)
    assert F.to_pil_image(gray).mode == "L"
    assert F.to_pil_image(gray[0], "F").mode == "F"
    assert F.to_pil_image(ember.zeros(2, 4, 5, dtype=ember.uint8)).mode == "LA"
    assert F.to_pil_image(ember.zeros(4, 4, 5, dtype=ember.uint8)).mode == "RGBA"
    assert F.to_pil_image(ember.zeros(1, 4, 5, dtype=ember.int16)).mode == "I;16"
    assert F.to_pil_image(ember.zeros(1, 4, 5, dtype=ember.int32)).mode == "I"
    assert F.to_pil_image(ember.zeros(3, 4, 5, dtype=ember.uint8), "HSV").mode == "HSV"
    with pytest.raises(ValueError, match="should not have > 4 channels"):
        F.to_pil_image(ember.zeros(5, 2, 2))
    with pytest.raises(ValueError, match="Only modes"):
        F.to_pil_image(ember.zeros(3, 2, 2, dtype=ember.uint8), "RGBA")
    with pytest.raises(TypeError, match="pic should be Tensor or ndarray"):
        F.to_pil_image([1, 2])
    with pytest.raises(TypeError, match="pic should be PIL Image"):
        F.pil_to_tensor(ember.zeros(1, 2, 2))
    with pytest.raises(TypeError, match="Input type int64 is not supported"):
        F.to_pil_image(ember.zeros(3, 2, 2, dtype=ember.int64))


def test_pil_geometry_uses_pillow():
    data, img = rgb()
    assert same_pixels(F.hflip(img), Image.fromarray(data[:, ::-1].copy()))
    assert same_pixels(F.vflip(img), Image.fromarray(data[::-1].copy()))
    assert same_pixels(F.crop(img, 2, 3, 5, 6), Image.fromarray(data[2:7, 3:9].copy()))
    assert same_pixels(F.resize(img, [10, 12]), img.resize((12, 10), Image.BILINEAR))
    assert same_pixels(F.resize(img, [10, 12], IM.NEAREST), img.resize((12, 10), Image.NEAREST))
    assert F.resize(img, 10).size == (12, 10)
    assert F.center_crop(img, 10).size == (10, 10)
    padded = np.asarray(F.pad(img, [1, 2], fill=(9, 8, 7)))
    assert padded.shape == (25, 29, 3) and tuple(padded[0, 0]) == (9, 8, 7)
    reflect = np.asarray(F.pad(img, 2, padding_mode="reflect"))
    np.testing.assert_array_equal(reflect, np.pad(data, ((2, 2), (2, 2), (0, 0)), "reflect"))
    assert same_pixels(F.rotate(img, 90, expand=True), img.rotate(90, expand=True))
    assert F.to_grayscale(img).mode == "L" and F.rgb_to_grayscale(img, 3).mode == "RGB"
    assert same_pixels(F.gaussian_blur(img, 1), img)


def test_pil_transform_classes():
    _, img = rgb()
    pipeline = T.Compose([T.RandomResizedCrop(16), T.RandomHorizontalFlip(),
                          T.ColorJitter(0.3, 0.3, 0.3, 0.1), T.PILToTensor(),
                          T.ConvertImageDtype(ember.float32)])
    ember.manual_seed(0)
    out = pipeline(img)
    assert list(out.shape) == [3, 16, 16] and out.dtype == ember.float32
    ember.manual_seed(0)
    assert np.array_equal(pipeline(img).numpy(), out.numpy())


FUNCTIONAL_CASES = [
    ("resize", ([10, 12],)), ("resize", (9, IM.BICUBIC)), ("center_crop", ((30, 30),)),
    ("pad", ((1, 2, 3, 4), 5)), ("pad", ([2, -1], 0, "symmetric")), ("pad", (2, 0, "edge")),
    ("rotate", (30,)), ("rotate", (30, IM.BILINEAR, True, [3, 4], [1, 2, 3])),
    ("affine", (10, [2, 3], 1.1, [5, 2])), ("adjust_brightness", (1.3,)),
    ("adjust_contrast", (0.6,)), ("adjust_saturation", (0.2,)), ("adjust_hue", (0.3,)),
    ("adjust_gamma", (0.8,)), ("adjust_sharpness", (2.0,)), ("rgb_to_grayscale", (3,)),
    ("gaussian_blur", (5, 1.2)), ("invert", ()), ("posterize", (3,)), ("solarize", (128,)),
    ("autocontrast", ()), ("equalize", ()),
    ("perspective", ([[0, 0], [26, 0], [26, 20], [0, 20]], [[2, 1], [24, 3], [25, 19], [1, 18]])),
]


@pytest.mark.parametrize("name,args", FUNCTIONAL_CASES,
                         ids=[f"{name}{i}" for i, (name, _) in enumerate(FUNCTIONAL_CASES)])
def test_pil_functional_matches_torchvision(name, args):
    TF = torchvision().transforms.functional
    _, img = rgb()
    tv_args = tuple(getattr(TF.InterpolationMode, a.name) if isinstance(a, IM) else a
                    for a in args)
    assert same_pixels(getattr(F, name)(img, *args), getattr(TF, name)(img, *tv_args))


def test_pil_random_transforms_match_torchvision():
    tv = torchvision()
    _, img = rgb()
    for make in (lambda M: M.RandomResizedCrop(12), lambda M: M.ColorJitter(.4, .4, .4, .2),
                 lambda M: M.RandomRotation(30, fill=(1, 2, 3)),
                 lambda M: M.RandomAffine(15, scale=(0.9, 1.1)),
                 lambda M: M.RandomCrop(30, pad_if_needed=True),
                 lambda M: M.RandomPerspective(p=1.0)):
        ember.manual_seed(3)
        torch.manual_seed(3)
        ours, theirs = make(T), make(tv.transforms)
        for _ in range(3):
            assert same_pixels(ours(img), theirs(img))
