"""Resampling and shape layers against PyTorch: interpolate (every mode), grid_sample,
affine_grid, pixel (un)shuffle, channel shuffle, Upsample*, Flatten/Unflatten."""
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from hypothesis import given, settings, strategies as st  # noqa: E402

import ember  # noqa: E402
import ember.nn as enn  # noqa: E402
import ember.nn.functional as EF  # noqa: E402
import torch.nn.functional as TF  # noqa: E402
from tests.parity import assert_same  # noqa: E402

TOL = {"float32": 1e-5, "float64": 1e-12}


def _pair(shape, dtype="float32", grad=False, seed=0, low=None, high=None):
    rng = np.random.default_rng(seed)
    arr = rng.standard_normal(shape) if low is None else rng.uniform(low, high, shape)
    arr = arr.astype(dtype)
    e, t = ember.from_numpy(arr.copy()), torch.from_numpy(arr.copy())
    if grad:
        e.requires_grad_(True)
        t.requires_grad_(True)
    return e, t


def _backward(ye, yt, seed=1):
    g = np.random.default_rng(seed).standard_normal(tuple(yt.shape)).astype(
        str(yt.dtype).replace("torch.", ""))
    ye.backward(ember.from_numpy(g.copy()))
    yt.backward(torch.from_numpy(g.copy()))


# ------------------------------------------------------------------------------------------------
# interpolate
# ------------------------------------------------------------------------------------------------

SIZE_ARGS = [{"size": 7}, {"size": 3}, {"size": 12}, {"size": 5}, {"scale_factor": 2},
             {"scale_factor": 0.5}, {"scale_factor": 1.7}, {"scale_factor": 2.3},
             {"scale_factor": 1.7, "recompute_scale_factor": True},
             {"scale_factor": 0.63, "recompute_scale_factor": False}]

MODE_DIMS = [("nearest", 1), ("nearest", 2), ("nearest", 3), ("nearest-exact", 1),
             ("nearest-exact", 2), ("nearest-exact", 3), ("linear", 1), ("bilinear", 2),
             ("trilinear", 3), ("bicubic", 2), ("area", 1), ("area", 2), ("area", 3)]
INPUT_SHAPES = {1: (2, 3, 5), 2: (2, 3, 5, 6), 3: (1, 2, 4, 3, 5)}


def _grad_name(mode, ndim):
    names = {"nearest": f"UpsampleNearest{ndim}DBackward0",
             "nearest-exact": f"UpsampleNearestExact{ndim}DBackward0",
             "linear": "UpsampleLinear1DBackward0", "bilinear": "UpsampleBilinear2DBackward0",
             "trilinear": "UpsampleTrilinear3DBackward0", "bicubic": "UpsampleBicubic2DBackward0",
             "area": f"AdaptiveAvgPool{ndim}DBackward0" if ndim > 1 else "SqueezeBackward1"}
    return names[mode]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("size_args", SIZE_ARGS, ids=lambda a: repr(a))
@pytest.mark.parametrize("mode,ndim", MODE_DIMS)
def test_interpolate_matches_torch(mode, ndim, size_args, dtype):
    xe, xt = _pair(INPUT_SHAPES[ndim], dtype, True)
    kwargs = dict(size_args)
    if "size" in kwargs:
        kwargs["size"] = (kwargs["size"],) * ndim if ndim > 1 else kwargs["size"]
    ye = EF.interpolate(xe, mode=mode, **kwargs)
    yt = TF.interpolate(xt, mode=mode, **kwargs)
    exact = mode in ("nearest", "nearest-exact")
    tol = 0 if exact else TOL[dtype]
    assert_same(ye, yt, rtol=tol, atol=tol)
    assert ye.grad_fn.name() == yt.grad_fn.name() == _grad_name(mode, ndim)
    _backward(ye, yt)
    assert_same(xe.grad, xt.grad, rtol=TOL[dtype] * 2, atol=TOL[dtype] * 2)


@pytest.mark.parametrize("shape,layout", [((1, 1, 3, 70), "contiguous"), ((1, 1, 3, 3), "contiguous"),
                                          ((1, 5, 3, 70), "channels_last"),
                                          ((1, 5, 3, 2, 4), "channels_last_3d"),
                                          ((1, 2, 3, 2, 4), "contiguous")])
@pytest.mark.parametrize("mode", ["nearest", "nearest-exact"])
def test_nearest_kernel_selection(shape, layout, mode):
    # With a scale factor whose output is exactly twice the input, PyTorch's generic and
    # index-based nearest kernels pick different pixels; which one runs depends on layout and
    # output size, and the backward always uses the index-based one.
    xe, xt = _pair(shape, "float64", True)
    if layout != "contiguous":
        fmt = getattr(torch, layout)
        xt = xt.detach().contiguous(memory_format=fmt).requires_grad_(True)
        perm = (0, 2, 3, 1) if len(shape) == 4 else (0, 2, 3, 4, 1)
        back = (0, 3, 1, 2) if len(shape) == 4 else (0, 4, 1, 2, 3)
        xe = ember.from_numpy(np.ascontiguousarray(xe.detach().numpy().transpose(perm))) \
            .permute(*back).detach().requires_grad_(True)
    ye = EF.interpolate(xe, scale_factor=2.3, mode=mode)
    yt = TF.interpolate(xt, scale_factor=2.3, mode=mode)
    assert_same(ye, yt, rtol=0, atol=0)
    _backward(ye, yt)
    assert_same(xe.grad, xt.grad)


@pytest.mark.parametrize("mode", ["linear", "bilinear", "trilinear", "bicubic"])
@pytest.mark.parametrize("size_args", [{"size": 7}, {"size": 1}, {"scale_factor": 2},
                                       {"scale_factor": 0.6}, {"size": 4}],
                         ids=lambda a: repr(a))
def test_interpolate_align_corners(mode, size_args):
    ndim = {"linear": 1, "bilinear": 2, "trilinear": 3, "bicubic": 2}[mode]
    xe, xt = _pair(INPUT_SHAPES[ndim], "float32", True)
    kwargs = dict(size_args)
    if "size" in kwargs and ndim > 1:
        kwargs["size"] = (kwargs["size"],) * ndim
    ye = EF.interpolate(xe, mode=mode, align_corners=True, **kwargs)
    yt = TF.interpolate(xt, mode=mode, align_corners=True, **kwargs)
    assert_same(ye, yt, rtol=1e-5, atol=1e-5)
    _backward(ye, yt)
    assert_same(xe.grad, xt.grad, rtol=2e-5, atol=2e-5)


@settings(max_examples=20, deadline=None)
@given(h=st.integers(1, 9), w=st.integers(1, 9), oh=st.integers(1, 13), ow=st.integers(1, 13),
       mode=st.sampled_from(["nearest", "nearest-exact", "bilinear", "bicubic"]))
def test_interpolate_sizes_hypothesis(h, w, oh, ow, mode):
    xe, xt = _pair((1, 2, h, w))
    tol = 0 if mode.startswith("nearest") else 1e-5
    assert_same(EF.interpolate(xe, size=(oh, ow), mode=mode),
                TF.interpolate(xt, size=(oh, ow), mode=mode), rtol=tol, atol=tol)


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
@pytest.mark.parametrize("size", [(3, 4), (2, 9), (7, 2), (20, 21), (11, 13)])
@pytest.mark.parametrize("align_corners", [False, True])
def test_interpolate_antialias(mode, size, align_corners):
    xe, xt = _pair((2, 3, 11, 13), "float32", True)
    ye = EF.interpolate(xe, size=size, mode=mode, antialias=True, align_corners=align_corners)
    yt = TF.interpolate(xt, size=size, mode=mode, antialias=True, align_corners=align_corners)
    assert_same(ye, yt, rtol=1e-5, atol=1e-5)
    assert ye.grad_fn.name() == yt.grad_fn.name()
    _backward(ye, yt)
    assert_same(xe.grad, xt.grad, rtol=1e-5, atol=1e-5)


LANCZOS_SIZES = [(3, 4), (2, 9), (7, 2), (20, 21), (11, 13), (40, 5), (1, 1), (33, 3)]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("size", LANCZOS_SIZES)
def test_interpolate_lanczos(size, dtype):
    xe, xt = _pair((2, 3, 11, 13), dtype, True)
    ye = EF.interpolate(xe, size=size, mode="lanczos", antialias=True)
    yt = TF.interpolate(xt, size=size, mode="lanczos", antialias=True)
    tol = TOL[dtype]
    assert_same(ye, yt, rtol=tol, atol=tol)
    assert ye.grad_fn.name() == yt.grad_fn.name() == "UpsampleLanczos2DAaBackward0"
    _backward(ye, yt)
    assert_same(xe.grad, xt.grad, rtol=tol, atol=tol)


@pytest.mark.parametrize("scale_factor", [0.5, 1.7, 0.33, (2.5, 0.6)])
@pytest.mark.parametrize("recompute_scale_factor", [None, True])
def test_interpolate_lanczos_scale_factor(scale_factor, recompute_scale_factor):
    xe, xt = _pair((1, 2, 9, 10), "float64", True)
    kwargs = {"scale_factor": scale_factor, "recompute_scale_factor": recompute_scale_factor,
              "mode": "lanczos", "antialias": True}
    ye, yt = EF.interpolate(xe, **kwargs), TF.interpolate(xt, **kwargs)
    assert_same(ye, yt)
    _backward(ye, yt)
    assert_same(xe.grad, xt.grad)


def test_interpolate_lanczos_same_size_noncontiguous_and_half():
    xe, xt = _pair((2, 4, 6, 5), "float32")
    # A size that is already right is left alone (even in half precision, which PyTorch
    # refuses as soon as there are weights to compute).
    for e, t in [(xe, xt), (xe.half(), xt.half())]:
        assert_same(EF.interpolate(e, size=(6, 5), mode="lanczos", antialias=True),
                    TF.interpolate(t, size=(6, 5), mode="lanczos", antialias=True))
    assert_same(EF.interpolate(xe.transpose(2, 3), size=(8, 3), mode="lanczos", antialias=True),
                TF.interpolate(xt.transpose(2, 3), size=(8, 3), mode="lanczos", antialias=True),
                rtol=1e-5, atol=1e-5)
    for mode in ["bilinear", "bicubic", "lanczos"]:
        for e, t in [(xe.half(), xt.half()), (xe.bfloat16(), xt.bfloat16())]:
            with pytest.raises(NotImplementedError) as t_err:
                TF.interpolate(t, size=(3, 5), mode=mode, antialias=True)
            with pytest.raises(NotImplementedError) as e_err:
                EF.interpolate(e, size=(3, 5), mode=mode, antialias=True)
            assert str(e_err.value) == str(t_err.value)


@pytest.mark.parametrize("call,error", [
    (lambda F, x: F.interpolate(x, size=(3, 4), mode="lanczos"), ValueError),
    (lambda F, x: F.interpolate(x, size=(3, 4), mode="lanczos", antialias=True,
                                align_corners=True), ValueError),
    (lambda F, x: F.interpolate(x[0], size=3, mode="lanczos", antialias=True), ValueError),
    (lambda F, x: F.interpolate(x[0], size=3, mode="lanczos"), NotImplementedError),
    (lambda F, x: F.interpolate(x, size=(0, 4), mode="lanczos", antialias=True), RuntimeError),
    (lambda F, x: F.interpolate(x.long(), size=(3, 4), mode="lanczos", antialias=True),
     NotImplementedError),
])
def test_interpolate_lanczos_errors(call, error):
    xe, xt = _pair((2, 3, 4, 5))
    with pytest.raises(error) as t_err:
        call(TF, xt)
    with pytest.raises(error) as e_err:
        call(EF, xe)
    if error is not NotImplementedError or "Input Error" in str(t_err.value):
        assert str(e_err.value) == str(t_err.value)


def test_interpolate_noncontiguous_and_uint8():
    xe, xt = _pair((2, 5, 4, 3))
    assert_same(EF.interpolate(xe.transpose(1, 3), scale_factor=2, mode="bilinear"),
                TF.interpolate(xt.transpose(1, 3), scale_factor=2, mode="bilinear"))
    img = np.random.default_rng(2).integers(0, 256, (1, 3, 4, 5)).astype(np.uint8)
    assert_same(EF.interpolate(ember.from_numpy(img.copy()), size=(7, 3)),
                TF.interpolate(torch.from_numpy(img.copy()), size=(7, 3)))


def test_interpolate_half():
    xe, xt = _pair((1, 2, 4, 5))
    assert_same(EF.interpolate(xe.half(), scale_factor=1.5, mode="bilinear"),
                TF.interpolate(xt.half(), scale_factor=1.5, mode="bilinear"),
                rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize("call,error", [
    (lambda F, x: F.interpolate(x, size=(3,), mode="bilinear"), ValueError),
    (lambda F, x: F.interpolate(x, size=(0, 3), mode="bilinear"), RuntimeError),
    (lambda F, x: F.interpolate(x, scale_factor=0.1, mode="bilinear"), RuntimeError),
    (lambda F, x: F.interpolate(x, size=(3.5, 3), mode="bilinear"), TypeError),
    (lambda F, x: F.interpolate(x, scale_factor=2, mode="nearest", align_corners=True),
     ValueError),
    (lambda F, x: F.interpolate(x, scale_factor=2, mode="linear"), NotImplementedError),
    (lambda F, x: F.interpolate(x, scale_factor=2, mode="trilinear"), NotImplementedError),
    (lambda F, x: F.interpolate(x[0], scale_factor=2, mode="bicubic"), NotImplementedError),
    (lambda F, x: F.interpolate(x, scale_factor=2, mode="foo"), NotImplementedError),
    (lambda F, x: F.interpolate(x[0, 0], scale_factor=2), NotImplementedError),
    (lambda F, x: F.interpolate(x, scale_factor=(2, 2, 2)), ValueError),
    (lambda F, x: F.interpolate(x, size=3, scale_factor=2), ValueError),
    (lambda F, x: F.interpolate(x), ValueError),
    (lambda F, x: F.interpolate(x, size=(4, 5), recompute_scale_factor=True), ValueError),
    (lambda F, x: F.interpolate(x[0], scale_factor=0.5, mode="linear", antialias=True),
     ValueError),
    (lambda F, x: F.interpolate(x.long(), scale_factor=2, mode="bilinear"),
     NotImplementedError),
])
def test_interpolate_errors(call, error):
    xe, xt = _pair((2, 3, 4, 5))
    with pytest.raises(error) as t_err:
        call(TF, xt)
    with pytest.raises(error) as e_err:
        call(EF, xe)
    if error is not NotImplementedError:
        assert str(e_err.value) == str(t_err.value)


def test_deprecated_upsample_functions_warn():
    xe, xt = _pair((1, 2, 3, 3))
    for name, kwargs in [("upsample", {"mode": "bilinear"}), ("upsample_nearest", {}),
                         ("upsample_bilinear", {})]:
        with pytest.warns(UserWarning, match=f"nn.functional.{name}` is deprecated"):
            ye = getattr(EF, name)(xe, scale_factor=2, **kwargs)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yt = getattr(TF, name)(xt, scale_factor=2, **kwargs)
        assert_same(ye, yt)


UPSAMPLE_CASES = [("Upsample", {"scale_factor": 2}), ("Upsample", {"size": (3, 4),
                                                                   "mode": "bilinear",
                                                                   "align_corners": True}),
                  ("Upsample", {"scale_factor": (1.5, 2), "mode": "bicubic"}),
                  ("Upsample", {"size": 5, "mode": "nearest-exact"}),
                  ("UpsamplingNearest2d", {"scale_factor": 2}),
                  ("UpsamplingBilinear2d", {"size": 3}),
                  ("UpsamplingBilinear2d", {"scale_factor": 1.5})]


@pytest.mark.parametrize("cls,kwargs", UPSAMPLE_CASES)
def test_upsample_layers(cls, kwargs):
    e_mod, t_mod = getattr(enn, cls)(**kwargs), getattr(torch.nn, cls)(**kwargs)
    assert repr(e_mod) == repr(t_mod)
    xe, xt = _pair((2, 3, 4, 5), grad=True)
    ye, yt = e_mod(xe), t_mod(xt)
    assert_same(ye, yt, rtol=1e-5, atol=1e-5)
    _backward(ye, yt)
    assert_same(xe.grad, xt.grad, rtol=1e-5, atol=1e-5)


# ------------------------------------------------------------------------------------------------
# grid_sample and affine_grid
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("mode", ["bilinear", "nearest", "bicubic"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_grid_sample_2d(mode, padding_mode, align_corners, dtype):
    xe, xt = _pair((2, 3, 5, 6), dtype, True)
    ge, gt = _pair((2, 4, 7, 2), dtype, True, seed=3, low=-1.4, high=1.4)
    ye = EF.grid_sample(xe, ge, mode, padding_mode, align_corners)
    yt = TF.grid_sample(xt, gt, mode, padding_mode, align_corners)
    tol = 0 if mode == "nearest" else TOL[dtype] * 2
    assert_same(ye, yt, rtol=tol, atol=tol)
    assert ye.grad_fn.name() == yt.grad_fn.name() == "GridSampler2DBackward0"
    _backward(ye, yt)
    gtol = {"float32": 1e-4, "float64": 1e-11}[dtype]
    assert_same(xe.grad, xt.grad, rtol=gtol, atol=gtol)
    assert_same(ge.grad, gt.grad, rtol=gtol, atol=gtol)


@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_grid_sample_3d(mode, padding_mode, align_corners):
    xe, xt = _pair((2, 2, 3, 4, 5), "float64", True)
    ge, gt = _pair((2, 3, 2, 4, 3), "float64", True, seed=4, low=-1.3, high=1.3)
    ye = EF.grid_sample(xe, ge, mode, padding_mode, align_corners)
    yt = TF.grid_sample(xt, gt, mode, padding_mode, align_corners)
    assert_same(ye, yt)
    assert ye.grad_fn.name() == yt.grad_fn.name() == "GridSampler3DBackward0"
    _backward(ye, yt)
    assert_same(xe.grad, xt.grad)
    assert_same(ge.grad, gt.grad)


def test_grid_sample_exact_pixel_centres_and_top_level():
    # A grid at exact pixel positions reproduces the input (align_corners=True).
    xe, xt = _pair((1, 1, 3, 4))
    ys, xs = np.meshgrid(np.linspace(-1, 1, 3), np.linspace(-1, 1, 4), indexing="ij")
    grid = np.stack([xs, ys], -1)[None].astype(np.float32)
    ye = EF.grid_sample(xe, ember.from_numpy(grid.copy()), align_corners=True)
    assert_same(ye, xt, rtol=1e-6, atol=1e-6)
    gt = torch.from_numpy(grid.copy())
    assert_same(ember.grid_sampler(xe, ember.from_numpy(grid.copy()), 0, 1, True),
                torch.grid_sampler(xt, gt, 0, 1, True))


def test_grid_sample_align_corners_warning():
    xe, _ = _pair((1, 1, 3, 3))
    with pytest.warns(UserWarning, match="Default grid_sample and affine_grid behavior"):
        EF.grid_sample(xe, ember.zeros(1, 2, 2, 2))


@pytest.mark.parametrize("call,error", [
    (lambda F, T, x, g: F.grid_sample(x, g[:1], align_corners=False), RuntimeError),
    (lambda F, T, x, g: F.grid_sample(x, T.zeros(2, 5, 6, 3), align_corners=False),
     RuntimeError),
    (lambda F, T, x, g: F.grid_sample(x, T.zeros(2, 5, 6, 1, 2), align_corners=False),
     RuntimeError),
    (lambda F, T, x, g: F.grid_sample(x.unsqueeze(2), T.zeros(2, 5, 6, 1, 3), mode="bicubic",
                                      align_corners=False), RuntimeError),
    (lambda F, T, x, g: F.grid_sample(x, g.double(), align_corners=False), RuntimeError),
    (lambda F, T, x, g: F.grid_sample(x, g, mode="foo"), ValueError),
    (lambda F, T, x, g: F.grid_sample(x, g, padding_mode="foo"), ValueError),
    (lambda F, T, x, g: F.grid_sample(x.long(), g.long(), align_corners=False),
     NotImplementedError),
])
def test_grid_sample_errors(call, error):
    xe, xt = _pair((2, 3, 4, 5))
    ge, gt = _pair((2, 5, 6, 2))
    with pytest.raises(error) as t_err:
        call(TF, torch, xt, gt)
    with pytest.raises(error) as e_err:
        call(EF, ember, xe, ge)
    assert str(e_err.value) == str(t_err.value)


@pytest.mark.parametrize("size", [(2, 3, 4, 5), (2, 1, 1, 6), (2, 3, 2, 3, 4), (2, 1, 1, 1, 3)])
@pytest.mark.parametrize("align_corners", [False, True])
def test_affine_grid(size, align_corners):
    k = len(size) - 2
    te, tt = _pair((2, k, k + 1), grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ye = EF.affine_grid(te, size, align_corners=align_corners)
        yt = TF.affine_grid(tt, size, align_corners=align_corners)
    assert_same(ye, yt, rtol=1e-6, atol=1e-6)
    assert ye.grad_fn.name() == yt.grad_fn.name() == "AffineGridGeneratorBackward0"
    _backward(ye, yt)
    assert_same(te.grad, tt.grad, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("theta_shape,size,error", [
    ((2, 3, 3), (2, 3, 4, 5), ValueError), ((2, 2, 3), (2, 3, 4), NotImplementedError),
    ((2, 2, 3), (2, 3, 0, 5), ValueError), ((2, 3, 4), (2, 3, 4, 5, 0), ValueError),
    ((2, 2, 3), (2, 3, 4, 5, 6), ValueError)])
def test_affine_grid_errors(theta_shape, size, error):
    te, tt = _pair(theta_shape)
    with pytest.raises(error) as t_err:
        TF.affine_grid(tt, size, align_corners=False)
    with pytest.raises(error) as e_err:
        EF.affine_grid(te, size, align_corners=False)
    assert str(e_err.value).replace("ember", "torch") == str(t_err.value)
    with pytest.raises(ValueError, match="Expected theta to have floating point type"):
        EF.affine_grid(ember.zeros(2, 2, 3, dtype=ember.int64), (2, 3, 4, 5), False)


def test_affine_grid_then_grid_sample_identity():
    theta = ember.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
    xe, xt = _pair((1, 2, 4, 6))
    grid = EF.affine_grid(theta, (1, 2, 4, 6), align_corners=False)
    assert_same(EF.grid_sample(xe, grid, align_corners=False), xt, rtol=1e-5, atol=1e-5)


# ------------------------------------------------------------------------------------------------
# pixel shuffle, channel shuffle, flatten
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("shape,r", [((2, 8, 3, 4), 2), ((9, 2, 2), 3), ((1, 2, 4, 3, 5), 1),
                                     ((2, 2, 16, 3, 2), 2)])
def test_pixel_shuffle_roundtrip(shape, r):
    xe, xt = _pair(shape, grad=True)
    ye, yt = EF.pixel_shuffle(xe, r), TF.pixel_shuffle(xt, r)
    assert_same(ye, yt, check_stride=True)
    assert ye.grad_fn.name() == yt.grad_fn.name() == "PixelShuffleBackward0"
    _backward(ye, yt)
    assert_same(xe.grad, xt.grad)
    ue, ut = EF.pixel_unshuffle(ye, r), TF.pixel_unshuffle(yt, r)
    assert_same(ue, ut, check_stride=True)
    assert ue.grad_fn.name() == "PixelUnshuffleBackward0"
    assert_same(ue, xt)


@pytest.mark.parametrize("shape,groups", [((2, 8, 3, 4), 2), ((2, 6, 5), 3), ((1, 4, 2, 2, 2), 4),
                                          ((3, 6, 2), 1)])
def test_channel_shuffle(shape, groups):
    xe, xt = _pair(shape, grad=True)
    ye, yt = EF.channel_shuffle(xe, groups), TF.channel_shuffle(xt, groups)
    assert_same(ye, yt, check_stride=True)
    assert ye.grad_fn.name() == yt.grad_fn.name() == "ChannelShuffleBackward0"
    _backward(ye, yt)
    assert_same(xe.grad, xt.grad)
    e_mod, t_mod = enn.ChannelShuffle(groups), torch.nn.ChannelShuffle(groups)
    assert repr(e_mod) == repr(t_mod)
    assert_same(e_mod(xe), t_mod(xt))
    # A non-contiguous input with the same channels.
    ne, nt = _pair(shape[1:2] + shape[:1] + shape[2:], seed=2)
    assert_same(EF.channel_shuffle(ne.transpose(0, 1), groups),
                TF.channel_shuffle(nt.transpose(0, 1), groups), check_stride=True)


@pytest.mark.parametrize("call", [
    lambda F, x: F.pixel_shuffle(x[0, 0], 2), lambda F, x: F.pixel_shuffle(x[:, :5], 2),
    lambda F, x: F.pixel_shuffle(x, 0), lambda F, x: F.pixel_shuffle(x, -1),
    lambda F, x: F.pixel_unshuffle(x, 2), lambda F, x: F.pixel_unshuffle(x[..., :4], 2),
    lambda F, x: F.pixel_unshuffle(x[0, 0], 2), lambda F, x: F.pixel_unshuffle(x, 0),
    lambda F, x: F.channel_shuffle(x, 3), lambda F, x: F.channel_shuffle(x[:, :, 0, 0], 2),
    lambda F, x: F.channel_shuffle(x, 0)])
def test_shuffle_errors(call):
    xe, xt = _pair((2, 8, 3, 5))
    with pytest.raises(RuntimeError) as t_err:
        call(TF, xt)
    with pytest.raises(RuntimeError) as e_err:
        call(EF, xe)
    assert str(e_err.value) == str(t_err.value)


def test_shuffle_layers():
    for cls, arg in (("PixelShuffle", 2), ("PixelUnshuffle", 2)):
        e_mod, t_mod = getattr(enn, cls)(arg), getattr(torch.nn, cls)(arg)
        assert repr(e_mod) == repr(t_mod)
        xe, xt = _pair((1, 4, 4, 6))
        assert_same(e_mod(xe), t_mod(xt))


def test_flatten_unflatten_layers():
    xe, xt = _pair((2, 3, 4, 5), grad=True)
    for e_mod, t_mod in [(enn.Flatten(), torch.nn.Flatten()),
                         (enn.Flatten(0, 2), torch.nn.Flatten(0, 2)),
                         (enn.Unflatten(1, (3, 1)), torch.nn.Unflatten(1, (3, 1))),
                         (enn.Unflatten(-1, [5, 1]), torch.nn.Unflatten(-1, [5, 1]))]:
        assert repr(e_mod) == repr(t_mod)
        ye, yt = e_mod(xe), t_mod(xt)
        assert_same(ye, yt, check_stride=True)
        assert ye.grad_fn.name() == yt.grad_fn.name()
    with pytest.raises(TypeError, match="unflattened_size must be tuple of ints, but found "
                                        "element of type float at pos 1"):
        enn.Unflatten(1, (2, 1.5))
    with pytest.raises(TypeError, match="unflattened_size must be a tuple of ints, but found "
                                        "type int"):
        enn.Unflatten(1, 2)


# ------------------------------------------------------------------------------------------------
# gradcheck / double backward
# ------------------------------------------------------------------------------------------------

def _leaf(shape, seed=0, low=None, high=None):
    rng = np.random.default_rng(seed)
    arr = rng.standard_normal(shape) if low is None else rng.uniform(low, high, shape)
    return ember.from_numpy(arr).requires_grad_(True)


@pytest.mark.parametrize("mode,shape,kwargs", [
    ("nearest", (1, 2, 3), {"size": 5}), ("linear", (1, 2, 3), {"scale_factor": 1.5}),
    ("bilinear", (1, 1, 2, 3), {"size": (3, 2)}), ("bicubic", (1, 1, 3, 3), {"size": (4, 2)}),
    ("trilinear", (1, 1, 2, 2, 2), {"scale_factor": 1.5}),
    ("bilinear", (1, 1, 5, 4), {"size": (2, 3), "antialias": True}),
    ("lanczos", (1, 1, 5, 4), {"size": (3, 7), "antialias": True}),
    ("area", (1, 1, 5, 4), {"size": (2, 3)})])
def test_gradcheck_interpolate(mode, shape, kwargs):
    x = _leaf(shape)
    assert ember.autograd.gradcheck(lambda x: EF.interpolate(x, mode=mode, **kwargs), (x,))
    assert ember.autograd.gradgradcheck(lambda x: EF.interpolate(x, mode=mode, **kwargs) ** 2,
                                        (x,))


@pytest.mark.parametrize("mode", ["bilinear", "bicubic", "nearest"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
def test_gradcheck_grid_sample(mode, padding_mode):
    x = _leaf((1, 2, 3, 4))
    grid = _leaf((1, 2, 3, 2), seed=7, low=-0.9, high=0.9)
    inputs = (x, grid) if mode != "nearest" else (x, grid.detach())
    assert ember.autograd.gradcheck(
        lambda x, g: EF.grid_sample(x, g, mode, padding_mode, align_corners=False), inputs,
        atol=1e-5)
    assert ember.autograd.gradgradcheck(
        lambda x, g: EF.grid_sample(x, g, mode, padding_mode, align_corners=True), inputs,
        atol=1e-5)


@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("padding_mode", ["zeros", "reflection"])
def test_gradgradcheck_grid_sample_3d(mode, padding_mode):
    x = _leaf((1, 2, 3, 2, 3))
    grid = _leaf((1, 2, 1, 2, 3), seed=8, low=-1.1, high=1.1)
    assert ember.autograd.gradgradcheck(
        lambda x, g: EF.grid_sample(x, g, mode, padding_mode, align_corners=False), (x, grid),
        atol=1e-5)


def test_gradcheck_affine_grid_and_shuffles():
    theta = _leaf((2, 2, 3))
    assert ember.autograd.gradcheck(lambda t: EF.affine_grid(t, (2, 1, 3, 2), False), (theta,))
    assert ember.autograd.gradgradcheck(lambda t: EF.affine_grid(t, (2, 1, 3, 2), False) ** 2,
                                        (theta,))
    x = _leaf((1, 4, 2, 2))
    for fn in (lambda x: EF.pixel_shuffle(x, 2) ** 2, lambda x: EF.pixel_unshuffle(x, 2) ** 2,
               lambda x: EF.channel_shuffle(x, 2) ** 2):
        assert ember.autograd.gradcheck(fn, (x,))
        assert ember.autograd.gradgradcheck(fn, (x,))


def test_interpolate_double_backward_matches_torch():
    xe, xt = _pair((1, 2, 3, 4), "float64", True)
    ye = EF.interpolate(xe, scale_factor=1.5, mode="bicubic") ** 2
    yt = TF.interpolate(xt, scale_factor=1.5, mode="bicubic") ** 2
    ge = ember.autograd.grad(ye.sum(), xe, create_graph=True)[0]
    gt = torch.autograd.grad(yt.sum(), xt, create_graph=True)[0]
    assert_same(ge, gt)
    assert_same(ember.autograd.grad((ge ** 2).sum(), xe)[0],
                torch.autograd.grad((gt ** 2).sum(), xt)[0])


@pytest.mark.parametrize("mode,antialias", [("bilinear", False), ("bicubic", False),
                                            ("bilinear", True), ("bicubic", True),
                                            ("lanczos", True)])
@pytest.mark.parametrize("size", [(9, 11), (30, 40)])
def test_interpolate_uint8_images(mode, antialias, size):
    # PyTorch interpolates uint8 with 16-bit fixed-point weights; ember rounds float32 passes,
    # which agrees to within one grey level.
    img = np.random.default_rng(0).integers(0, 256, (1, 3, 17, 23)).astype(np.uint8)
    e = EF.interpolate(ember.from_numpy(img.copy()), size=size, mode=mode, antialias=antialias)
    t = TF.interpolate(torch.from_numpy(img.copy()), size=size, mode=mode, antialias=antialias)
    assert e.dtype is ember.uint8
    diff = np.abs(e.numpy().astype(int) - t.numpy().astype(int))
    assert diff.max() <= 1 and diff.mean() < 0.05


GRID_SAMPLE_CASES = [(mode, padding, align_corners, ndim)
                     for mode in ("bilinear", "nearest", "bicubic")
                     for padding in ("zeros", "border", "reflection")
                     for align_corners in (False, True) for ndim in (2, 3)
                     if not (mode == "bicubic" and ndim == 3)]


def _grid_sample_orders(lib, F, x_arr, grid_arr, kwargs, wrt=(True, True), third=False):
    """Gradients of a grid_sample loss (recorded), then of a loss built from them."""
    x = lib.from_numpy(x_arr.copy()).requires_grad_(wrt[0])
    grid = lib.from_numpy(grid_arr.copy()).requires_grad_(wrt[1])
    inputs = [t for t, w in zip((x, grid), wrt) if w]
    y = F.grid_sample(x, grid, **kwargs)
    first = lib.autograd.grad((y * y).sum(), inputs, create_graph=True)
    names = [g.grad_fn.name() for g in first]
    loss = sum((g ** 2).sum() + (g * t).sum() for g, t in zip(first, inputs))
    second = lib.autograd.grad(loss, inputs, allow_unused=True, create_graph=third)
    out = {"names": names, "first": [g.detach() for g in first],
           "second": [None if g is None else g.detach() for g in second]}
    if third:
        used = [g for g in second if g is not None]
        out["third"] = lib.autograd.grad(sum((g ** 2).sum() for g in used), inputs,
                                         allow_unused=True)
    return out


def _grid_arrays(ndim, dtype="float64", seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, 3) + (5, 4, 6)[:ndim]).astype(dtype)
    grid = rng.uniform(-1.3, 1.3, (2,) + (3, 4, 2)[:ndim] + (ndim,)).astype(dtype)
    return x, grid


def _same_or_both_none(e, t, **tol):
    assert (e is None) == (t is None)
    if t is not None:
        assert_same(e, t, **tol)


@pytest.mark.parametrize("mode,padding_mode,align_corners,ndim", GRID_SAMPLE_CASES)
def test_grid_sample_double_backward_matches_torch(mode, padding_mode, align_corners, ndim):
    x, grid = _grid_arrays(ndim)
    kwargs = {"mode": mode, "padding_mode": padding_mode, "align_corners": align_corners}
    e = _grid_sample_orders(ember, EF, x, grid, kwargs)
    t = _grid_sample_orders(torch, TF, x, grid, kwargs)
    assert e["names"] == t["names"] == [f"GridSampler{ndim}DBackwardBackward0"] * 2
    for key in ("first", "second"):
        for a, b in zip(e[key], t[key]):
            _same_or_both_none(a, b, rtol=1e-11, atol=1e-11)


@pytest.mark.parametrize("wrt", [(True, False), (False, True)])
@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
def test_grid_sample_double_backward_one_input_and_third_order(mode, wrt):
    x, grid = _grid_arrays(2, seed=1)
    kwargs = {"mode": mode, "padding_mode": "border", "align_corners": False}
    e = _grid_sample_orders(ember, EF, x, grid, kwargs, wrt, third=any(wrt))
    t = _grid_sample_orders(torch, TF, x, grid, kwargs, wrt, third=any(wrt))
    assert e["names"] == t["names"]
    for key in ("first", "second", "third"):
        for a, b in zip(e[key], t[key]):
            _same_or_both_none(a, b, rtol=1e-10, atol=1e-10)


def test_grid_sample_third_order_both_inputs():
    x, grid = _grid_arrays(2, seed=2)
    for mode in ("bilinear", "bicubic"):
        kwargs = {"mode": mode, "padding_mode": "zeros", "align_corners": True}
        e = _grid_sample_orders(ember, EF, x, grid, kwargs, third=True)
        t = _grid_sample_orders(torch, TF, x, grid, kwargs, third=True)
        for a, b in zip(e["third"], t["third"]):
            assert_same(a, b, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("mode", ["bilinear", "bicubic", "nearest"])
def test_grid_sample_double_backward_float32_noncontiguous(mode):
    x, grid = _grid_arrays(2, "float32", seed=3)
    results = []
    for lib, F in ((ember, EF), (torch, TF)):
        xl = lib.from_numpy(np.ascontiguousarray(x.transpose(0, 1, 3, 2))).transpose(2, 3)
        gl = lib.from_numpy(np.concatenate([grid, grid], 1))[:, ::2]
        xl.requires_grad_(True)
        gl.requires_grad_(True)
        y = F.grid_sample(xl.transpose(2, 3).transpose(2, 3), gl, mode=mode,
                          padding_mode="reflection", align_corners=False)
        gx, gg = lib.autograd.grad((y * y).sum(), (xl, gl), create_graph=True)
        second = lib.autograd.grad((gx ** 2).sum() + (gg ** 2).sum(), (xl, gl),
                                   allow_unused=True)
        results.append([gx.detach(), gg.detach(), *second])
    for a, b in zip(*results):
        # float32 sums of terms up to ~1e3 in size: compare relative to the largest entry.
        scale = 1.0 if b is None else max(1.0, float(b.abs().max()))
        _same_or_both_none(a, b, rtol=1e-5, atol=1e-6 * scale)


def test_grid_sample_gradients_without_create_graph_are_plain():
    x, grid = _grid_arrays(2)
    xe, ge = ember.from_numpy(x).requires_grad_(), ember.from_numpy(grid).requires_grad_()
    gx, gg = ember.autograd.grad(EF.grid_sample(xe, ge, align_corners=False).sum(), (xe, ge))
    assert gx.grad_fn is None and gg.grad_fn is None and not gx.requires_grad
    # Half precision: recorded in float32 like the forward, gradients in the inputs' dtype.
    half = ember.from_numpy(x).half().requires_grad_()
    half_grid = ember.from_numpy(grid).half().requires_grad_()
    y = EF.grid_sample(half, half_grid, align_corners=False)
    gx, gg = ember.autograd.grad((y.float() ** 2).sum(), (half, half_grid), create_graph=True)
    assert gx.dtype is gg.dtype is ember.float16
    assert gx.grad_fn.name() == "GridSampler2DBackwardBackward0"
    second = ember.autograd.grad((gx.float() ** 2).sum() + gg.float().sum(), (half, half_grid))
    assert second[0].dtype is second[1].dtype is ember.float16
    # Against the same computation in float32 from the half-rounded inputs.
    x32 = half.detach().float().requires_grad_()
    grid32 = half_grid.detach().float().requires_grad_()
    y = EF.grid_sample(x32, grid32, align_corners=False)
    gx, gg = ember.autograd.grad((y ** 2).sum(), (x32, grid32), create_graph=True)
    expected = ember.autograd.grad((gx ** 2).sum() + gg.sum(), (x32, grid32))
    for got, want in zip(second, expected):
        scale = float(want.abs().max())
        np.testing.assert_allclose(got.float().numpy(), want.numpy(), atol=2e-2 * scale)


@pytest.mark.parametrize("call", [
    lambda F, T: F.interpolate(T.empty(2, 3, 4, 4, device="meta"), scale_factor=1.5,
                               mode="bilinear"),
    lambda F, T: F.interpolate(T.empty(2, 3, 4, 4, device="meta"), size=(2, 3), mode="bicubic",
                               antialias=True),
    lambda F, T: F.interpolate(T.empty(2, 3, 4, 4, 4, device="meta"), size=5),
    lambda F, T: F.grid_sample(T.empty(2, 3, 4, 4, device="meta"),
                               T.empty(2, 5, 6, 2, device="meta"), align_corners=False),
    lambda F, T: F.affine_grid(T.empty(2, 2, 3, device="meta"), (2, 3, 4, 5), False),
    lambda F, T: F.pixel_shuffle(T.empty(1, 8, 2, 2, device="meta"), 2),
    lambda F, T: F.channel_shuffle(T.empty(1, 8, 2, 2, device="meta"), 4),
    lambda F, T: F.embedding(T.zeros(3, 2, dtype=T.int64, device="meta"),
                             T.empty(5, 4, device="meta")),
    lambda F, T: F.layer_norm(T.empty(2, 3, 4, device="meta"), (4,)),
    lambda F, T: F.group_norm(T.empty(2, 4, 3, device="meta"), 2),
    lambda F, T: F.batch_norm(T.empty(2, 4, 3, device="meta"), None, None, training=True),
])
def test_meta_tensors_give_shapes(call):
    e, t = call(EF, ember), call(TF, torch)
    assert tuple(e.shape) == tuple(t.shape) and e.device.type == "meta"


@pytest.mark.parametrize("in_hw,out_hw", [((2, 1), (3, 1)), ((5, 4), (3, 1)), ((3, 3), (7, 1)),
                                          ((2, 1), (3, 4)), ((4, 1), (4, 1))])
@pytest.mark.parametrize("mode", ["bilinear", "bicubic", "lanczos"])
def test_interpolate_antialias_unit_width(in_hw, out_hw, mode):
    # PyTorch's antialiased forward repeats output row 0 when the result is one pixel wide.
    xe, xt = _pair((2, 2) + in_hw, "float64", True)
    ye = EF.interpolate(xe, size=out_hw, mode=mode, antialias=True)
    yt = TF.interpolate(xt, size=out_hw, mode=mode, antialias=True)
    assert_same(ye, yt)
    _backward(ye, yt)
    assert_same(xe.grad, xt.grad)
