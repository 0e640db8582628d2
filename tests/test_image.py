"""jtrans.image: resize and scale_and_translate against a NumPy reference written from the
kernel definitions (loops over output pixels), hand-computed cases, dtypes, errors, and
grad / jit / vmap."""

import numpy as np
import pytest

import jtrans
import jtrans.numpy as jnp
from jtrans import image
from jtrans.test_util import check_grads

# ---------------------------------------------------------------------------------------------
# the reference: for each resized dimension, out[j] = sum_i w_ij x[i] / sum_i w_ij with
# w_ij = k(|s_j - i| / widen), s_j = (j + 0.5 - t) / scale - 0.5 the sample position


def _k_linear(x):
    return max(0.0, 1.0 - x)


def _k_keys(a):
    def k(x):
        if x < 1:
            return (a + 2) * x**3 - (a + 3) * x**2 + 1
        if x < 2:
            return a * x**3 - 5 * a * x**2 + 8 * a * x - 4 * a
        return 0.0

    return k


def _k_lanczos(r):
    def k(x):
        if x > r:
            return 0.0
        return float(np.sinc(x) * np.sinc(x / r))

    return k


KERNELS = {
    "linear": _k_linear,
    "cubic": _k_keys(-0.5),
    "lanczos3": _k_lanczos(3),
    "lanczos5": _k_lanczos(5),
}


def _ref_1d(x, axis, n, kernel, scale, t, antialias):
    x = np.moveaxis(x.astype(np.float64), axis, 0)
    m = x.shape[0]
    widen = max(1 / scale, 1.0) if antialias else 1.0
    out = np.zeros((n,) + x.shape[1:])
    for j in range(n):
        s = (j + 0.5 - t) / scale - 0.5
        if not -0.5 <= s <= m - 0.5:
            continue  # samples outside the image are zero
        w = np.array([kernel(abs(s - i) / widen) for i in range(m)])
        if abs(w.sum()) > 1000 * np.finfo(np.float32).eps:
            out[j] = np.tensordot(w / w.sum(), x, axes=1)
    return np.moveaxis(out, 0, axis)


def _ref_resize(x, shape, method, antialias=True):
    out = x.astype(np.float64)
    for d, n in enumerate(shape):
        if n != x.shape[d]:
            out = _ref_1d(out, d, n, KERNELS[method], n / x.shape[d], 0.0, antialias)
    return out


def _ref_nearest(x, shape):
    for d, n in enumerate(shape):
        idx = np.floor((np.arange(n) + 0.5) * x.shape[d] / n).astype(int)
        x = np.take(x, idx, axis=d)
    return x


SHAPES = [((6,), (12,)), ((6,), (4,)), ((5, 7), (10, 3)), ((2, 5, 4, 3), (2, 3, 9, 3)),
          ((4, 4), (4, 4)), ((3, 1), (6, 2))]  # fmt: skip


@pytest.mark.parametrize("method", list(KERNELS))
@pytest.mark.parametrize("in_shape,out_shape", SHAPES)
@pytest.mark.parametrize("antialias", [True, False])
def test_resize_vs_reference(method, in_shape, out_shape, antialias):
    x = np.random.default_rng(0).normal(size=in_shape).astype(np.float32)
    out = image.resize(x, out_shape, method, antialias=antialias)
    assert out.shape == out_shape and out.dtype == np.float32
    ref = _ref_resize(x, out_shape, method, antialias)
    np.testing.assert_allclose(np.asarray(out), ref, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("in_shape,out_shape", SHAPES)
def test_resize_nearest_vs_reference(in_shape, out_shape):
    x = np.random.default_rng(1).integers(0, 100, in_shape).astype(np.int32)
    out = image.resize(x, out_shape, "nearest")
    assert out.dtype == np.int32  # nearest keeps the dtype
    np.testing.assert_array_equal(np.asarray(out), _ref_nearest(x, out_shape))


def test_hand_computed_cases():
    # upsampling by 2 with linear: sample positions -0.25, 0.25, 0.75, 1.25
    out = image.resize(jnp.array([0.0, 1.0]), (4,), "linear")
    np.testing.assert_allclose(np.asarray(out), [0.0, 0.25, 0.75, 1.0])
    out = image.resize(jnp.array([0.0, 4.0, 8.0]), (6,), "bilinear")
    np.testing.assert_allclose(np.asarray(out), [0.0, 1.0, 3.0, 5.0, 7.0, 8.0])
    # downsampling by 2 with antialias: the triangle widens to radius 2 around 0.5, 2.5
    out = image.resize(jnp.array([1.0, 3.0, 5.0, 7.0]), (2,), "linear")
    np.testing.assert_allclose(np.asarray(out), [(1.5 * 1 + 3 * 1.5 + 5 * 0.5 + 0 * 7) / 3.5,
                                                 (3 * 0.5 + 5 * 1.5 + 7 * 1.5) / 3.5], rtol=1e-6)  # fmt: skip
    # ... without antialias it interpolates halfway: 2 and 6
    out = image.resize(jnp.array([1.0, 3.0, 5.0, 7.0]), (2,), "linear", antialias=False)
    np.testing.assert_allclose(np.asarray(out), [2.0, 6.0])
    np.testing.assert_array_equal(np.asarray(image.resize(jnp.array([1, 2]), (4,), "nearest")),
                                  [1, 1, 2, 2])  # fmt: skip
    # a constant image stays constant under every kernel (weights are normalised)
    for m in ["linear", "cubic", "lanczos3", "lanczos5", "area", "cubic-pytorch"]:
        out = image.resize(jnp.full((5, 6), 2.5), (9, 4), m)
        np.testing.assert_allclose(np.asarray(out), 2.5, rtol=1e-6, err_msg=m)


def test_area_averages_blocks():
    x = np.arange(16, dtype=np.float32).reshape(4, 4)
    out = image.resize(x, (2, 2), "area")
    np.testing.assert_allclose(np.asarray(out), x.reshape(2, 2, 2, 2).mean(axis=(1, 3)))


def test_scale_and_translate_vs_reference():
    x = np.random.default_rng(2).normal(size=(2, 6, 5)).astype(np.float32)
    scale, t = np.array([1.7, 0.6], np.float32), np.array([0.3, -1.2], np.float32)
    for method in ["linear", "cubic", "lanczos3"]:
        for aa in [True, False]:
            out = image.scale_and_translate(x, (2, 9, 4), (1, 2), scale, t, method, antialias=aa)
            ref = _ref_1d(x, 1, 9, KERNELS[method], 1.7, 0.3, aa)
            ref = _ref_1d(ref, 2, 4, KERNELS[method], 0.6, -1.2, aa)
            np.testing.assert_allclose(np.asarray(out), ref, rtol=1e-5, atol=1e-5)


def test_resize_method_enum_and_names():
    assert image.ResizeMethod.from_string("bilinear") is image.ResizeMethod.LINEAR
    assert image.ResizeMethod.from_string("tricubic") is image.ResizeMethod.CUBIC
    x = np.random.default_rng(3).normal(size=(4, 5)).astype(np.float32)
    a = image.resize(x, (7, 3), image.ResizeMethod.LANCZOS3)
    np.testing.assert_array_equal(np.asarray(a), np.asarray(image.resize(x, (7, 3), "lanczos3")))
    with pytest.raises(ValueError, match="Unknown resize method"):
        image.resize(x, (7, 3), "bogus")
    with pytest.raises(ValueError, match="one entry per dimension"):
        image.resize(x, (7,), "linear")
    with pytest.raises(ValueError, match="nearest"):
        image.scale_and_translate(x, (8, 5), (0,), [2.0], [0.0], "nearest")


def test_dtypes():
    x8 = np.arange(12, dtype=np.uint8).reshape(3, 4)
    assert image.resize(x8, (6, 8), "linear").dtype == np.float32
    assert image.resize(x8, (6, 8), "nearest").dtype == np.uint8
    assert image.resize(jnp.ones((3, 4), jnp.float16), (6, 2), "cubic").dtype == np.float16
    with jtrans.dtypes.enable_x64():
        assert image.resize(np.ones((3, 4)), (6, 2), "cubic").dtype == np.float64


def test_grad_jit_vmap():
    x = np.random.default_rng(4).normal(size=(5, 6)).astype(np.float32)

    def f(x):
        return image.resize(x, (8, 3), "cubic")

    np.testing.assert_allclose(np.asarray(jtrans.jit(f)(x)), np.asarray(f(x)), rtol=1e-5, atol=1e-6)
    # resize is linear in the image: the gradient of <w, f(x)> is f's transpose applied to w
    w = np.random.default_rng(5).normal(size=(8, 3)).astype(np.float32)
    g = jtrans.grad(lambda x: jnp.sum(f(x) * w))(x)
    basis = np.eye(30, dtype=np.float32).reshape(30, 5, 6)
    expect = np.array([np.sum(np.asarray(f(b)) * w) for b in basis]).reshape(5, 6)
    np.testing.assert_allclose(np.asarray(g), expect, rtol=1e-4, atol=1e-5)
    batched = jtrans.vmap(f)(np.stack([x, 2 * x]))
    np.testing.assert_allclose(np.asarray(batched[1]), 2 * np.asarray(f(x)), rtol=1e-5, atol=1e-5)
    with jtrans.dtypes.enable_x64():
        x64 = x.astype(np.float64)
        check_grads(lambda x: image.resize(x, (3, 9), "lanczos3"), (x64,), order=2)

        # derivatives in the scale and the translation (away from the kernels' kinks)
        def g_st(s, t):
            return image.scale_and_translate(x64, (5, 6), (0, 1), s, t, "cubic")

        check_grads(g_st, (np.array([1.3, 0.8]), np.array([0.21, -0.37])), order=1,
                    atol=1e-4, rtol=1e-4)  # fmt: skip
    st = jtrans.jit(lambda s, t: image.scale_and_translate(x, (7, 6), (0, 1), s, t, "linear"))
    out = st(np.array([1.5, 1.0], np.float32), np.array([0.0, 0.0], np.float32))
    ref = image.scale_and_translate(x, (7, 6), (0, 1), [1.5, 1.0], [0.0, 0.0], "linear")
    np.testing.assert_allclose(np.asarray(out), np.asarray(ref), rtol=1e-5, atol=1e-6)
