"""Convolution, the max-pool derivatives and sort under jit compile natively
(jtrans/lowering/conv.py, jtrans/lowering/sort.py): each agrees with eager evaluation across
layouts, strides, padding (negative included), dilations, groups and dtypes, and the kernels
text shows no call-out for them; jit(grad) of a small CNN runs natively end to end."""

import numpy as np
import pytest

import jtrans
import jtrans.lowering  # (registers the compiler)
import jtrans.numpy as jnp
from jtrans import lax

from .test_conv import CASES, _fn

RNG = np.random.RandomState(0)


def _close(a, b, tol=1e-5):
    la, ta = jtrans.tree_util.tree_flatten(a)
    lb, tb = jtrans.tree_util.tree_flatten(b)
    assert ta == tb
    for x, y in zip(la, lb):
        x, y = np.asarray(x), np.asarray(y)
        assert x.dtype == y.dtype and x.shape == y.shape, (x.dtype, y.dtype, x.shape, y.shape)
        if tol == 0:
            np.testing.assert_array_equal(x, y)
        else:
            np.testing.assert_allclose(x, y, rtol=tol, atol=tol)


def _check(f, *args, prims=(), tol=1e-5):
    """jit(f) equals f, and the compiled program calls out for none of `prims`."""
    args = [jnp.asarray(a) for a in args]
    _close(jtrans.jit(f)(*args), f(*args), tol)
    text = jtrans.jit(f).lower(*args).as_text("kernels")
    for p in prims:
        assert f"callout {p} " not in text, text
    return text


def _rand(shape, dtype=np.float32):
    if np.dtype(dtype).kind in "iu":
        return RNG.randint(-3, 4, size=shape).astype(dtype)
    return RNG.randn(*shape).astype(dtype)


CONV = ("conv_general_dilated",)

# ---------------------------------------------------------------------------------------------
# convolution


@pytest.mark.parametrize("i", range(len(CASES)))
@pytest.mark.parametrize("dtype", [np.float32, np.int32])
def test_conv_cases(i, dtype):
    c = CASES[i]
    x, w = _rand(c["x"], dtype), _rand(c["w"], dtype)
    _check(_fn(c), x, w, prims=CONV, tol=1e-4 if dtype == np.float32 else 0)


def test_conv_float64(x64):
    for c in CASES:
        _check(_fn(c), _rand(c["x"], np.float64), _rand(c["w"], np.float64), prims=CONV,
               tol=1e-10)  # fmt: skip


LAYOUTS = [("NCHW", "OIHW", "NCHW"), ("NHWC", "HWIO", "NHWC"), ("NHWC", "OIHW", "NCHW"),
           ("CHWN", "IHWO", "HWCN"), ("NWHC", "OHWI", "NCWH")]  # fmt: skip


@pytest.mark.parametrize("dn", LAYOUTS)
@pytest.mark.parametrize("groups", [(1, 1), (2, 1), (1, 2)])
def test_conv_layouts(dn, groups):
    g, bg = groups
    canon_x, canon_w = (4, 4, 7, 6), (4, 4 // g, 3, 2)
    x = _rand([canon_x["NCHW".index(a)] for a in dn[0]])
    w = _rand([canon_w["OIHW".index(a)] for a in dn[1]])

    def f(x, w):
        return lax.conv_general_dilated(x, w, (2, 1), ((1, 2), (-1, 1)), (1, 2), (2, 1),
                                        dimension_numbers=dn, feature_group_count=g,
                                        batch_group_count=bg)  # fmt: skip

    _check(f, x, w, prims=CONV, tol=1e-4)


def test_conv_fuses_operands_and_dtypes():
    x, w = _rand((2, 3, 8, 8)), _rand((5, 3, 3, 3))

    def f(x, w):  # relu fuses into the patches, the rev of the kernel into its copy
        return lax.conv(jnp.maximum(x, 0.0), w[:, :, ::-1, ::-1], (1, 1), "SAME") * 2.0

    text = _check(f, x, w, prims=CONV, tol=1e-4)
    assert "gemm" in text
    x16, w16 = x.astype(np.float16), w.astype(np.float16)
    _check(lambda x, w: lax.conv(x, w, (1, 1), "VALID"), x16, w16, prims=CONV, tol=1e-2)
    xi, wi = _rand((2, 3, 5, 5), np.int8), _rand((4, 3, 2, 2), np.int8)
    _check(lambda x, w: lax.conv_general_dilated(x, w, (1, 1), "VALID",
                                                 preferred_element_type=np.int32),
           xi, wi, prims=CONV, tol=0)  # fmt: skip


def test_conv_zero_sizes():
    for xs, ws, pad in [((0, 3, 5, 5), (4, 3, 2, 2), "VALID"), ((2, 0, 5, 5), (4, 0, 2, 2), "SAME"),
                        ((2, 3, 5, 5), (0, 3, 2, 2), "VALID"), ((2, 3, 1, 1), (4, 3, 3, 3),
                                                                 "VALID")]:  # fmt: skip
        _check(lambda x, w, pad=pad: lax.conv(x, w, (1, 1), pad), _rand(xs), _rand(ws), prims=CONV)


def test_conv_1d_and_3d():
    _check(lambda x, w: lax.conv_general_dilated(x, w, (2,), ((2, 1),), (3,), (1,)),
           _rand((2, 3, 9)), _rand((4, 3, 3)), prims=CONV, tol=1e-4)  # fmt: skip
    _check(lambda x, w: lax.conv(x, w, (1, 2, 1), "SAME"), _rand((1, 2, 4, 5, 3)),
           _rand((3, 2, 2, 3, 2)), prims=CONV, tol=1e-4)  # fmt: skip


def test_conv_vmap_jit():
    x, w = _rand((3, 2, 3, 6, 6)), _rand((3, 4, 3, 3, 3))
    f = jtrans.vmap(lambda x, w: lax.conv(x, w, (1, 1), "SAME"))
    _check(f, x, w, prims=CONV, tol=1e-4)


# ---------------------------------------------------------------------------------------------
# pooling derivatives and a small CNN

POOL = ("select_and_gather_add", "select_and_scatter_add", *CONV)


def _maxpool(x, k=2):
    return lax.reduce_window(x, -jnp.inf, lax.max, (1, 1, k, k), (1, 1, k, k), "VALID")


@pytest.mark.parametrize("kind", ["max", "min"])
def test_select_and_gather_scatter(kind):
    from jtrans.lax import reductions as R

    x = _rand((2, 3, 7, 6))
    x[0, 0, :2, :2] = 1.0  # ties: the first wins
    x[1, 1, 3, 3] = np.nan
    params = {"select_prim": kind, "window_dimensions": (1, 1, 3, 2),
              "window_strides": (1, 1, 2, 1), "padding": ((0, 0), (0, 0), (1, 2), (-1, 1)),
              "base_dilation": (1, 1, 1, 2), "window_dilation": (1, 1, 2, 1)}  # fmt: skip
    out_shape = R.select_and_gather_add_p.bind(x, x, **params).shape
    t = _rand(x.shape)
    s = _rand(out_shape)

    def f(t, s, x):
        return (R.select_and_gather_add_p.bind(t * 2.0, x, **params),
                R.select_and_scatter_add_p.bind(s, x + 0.0, **params))  # fmt: skip

    _check(f, t, s, x, prims=POOL)
    xi = _rand(x.shape, np.int32)
    _check(f, t, s, xi, prims=POOL, tol=1e-5)


def _cnn_params(seed=0):
    r = np.random.RandomState(seed)
    return {"w1": r.randn(8, 1, 3, 3).astype(np.float32) * 0.3,
            "b1": np.zeros(8, np.float32),
            "w2": r.randn(16, 8, 3, 3).astype(np.float32) * 0.1,
            "b2": np.zeros(16, np.float32),
            "w3": r.randn(16 * 5 * 5, 10).astype(np.float32) * 0.05,
            "b3": np.zeros(10, np.float32)}  # fmt: skip


def cnn_loss(params, x, y):
    h = lax.conv(x, params["w1"], (1, 1), "VALID") + params["b1"][None, :, None, None]
    h = _maxpool(jnp.maximum(h, 0.0))
    h = lax.conv(h, params["w2"], (1, 1), "VALID") + params["b2"][None, :, None, None]
    h = _maxpool(jnp.maximum(h, 0.0))
    logits = h.reshape(h.shape[0], -1) @ params["w3"] + params["b3"]
    logp = logits - jnp.log(jnp.sum(jnp.exp(logits), axis=1, keepdims=True))
    return -jnp.mean(jnp.sum(logp * y, axis=1))


def test_cnn_grad_native():
    params = _cnn_params()
    x = RNG.randn(4, 1, 28, 28).astype(np.float32)
    y = np.eye(10, dtype=np.float32)[RNG.randint(0, 10, 4)]
    g = jtrans.jit(jtrans.grad(cnn_loss))
    _close(g(params, x, y), jtrans.grad(cnn_loss)(params, x, y), 1e-4)
    text = g.lower(params, x, y).as_text("kernels")
    assert "callout" not in text, text


# ---------------------------------------------------------------------------------------------
# sort

SORT = ("sort",)


def _sort_data(shape, dtype):
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return RNG.rand(*shape) < 0.5
    if dtype.kind in "iu":
        return RNG.randint(0, 7, size=shape).astype(dtype)  # many ties
    x = np.round(RNG.randn(*shape) * 2).astype(dtype)  # ties
    flat = x.reshape(-1)
    if flat.size > 6:
        flat[::7] = np.nan
        flat[1::11] = -0.0
        flat[2::13] = np.inf
        flat[3::17] = -np.inf
    return x


def _bits(x):
    x = np.asarray(x)
    return x.view(np.uint8) if x.dtype.itemsize == 1 else x.view(f"u{x.dtype.itemsize}")


@pytest.mark.parametrize("dtype", [np.float32, np.float16, np.int32, np.uint8, np.int8, np.bool_])
@pytest.mark.parametrize("shape,axis", [((40,), 0), ((3, 33), 1), ((33, 3), 0), ((2, 20, 3), 1),
                                        ((0, 5), 1), ((4, 0), 1), ((5, 1), 1)])  # fmt: skip
def test_sort_and_argsort(dtype, shape, axis):
    x = _sort_data(shape, dtype)

    def f(x):
        return jnp.sort(x, axis=axis), jnp.argsort(x, axis=axis)

    _check(f, x, prims=SORT, tol=0)
    a = jtrans.jit(lambda x: jnp.sort(x, axis=axis))(x)
    np.testing.assert_array_equal(_bits(a), _bits(jnp.sort(x, axis=axis)))  # -0.0, NaN bits


def test_sort_multi_operand_and_keys(x64):
    k1 = RNG.randint(0, 3, size=(4, 50)).astype(np.int64)
    k2 = _sort_data((4, 50), np.float64)
    v = RNG.randn(4, 50)

    def f(k1, k2, v):
        return (lax.sort((k1, k2, v), dimension=1, num_keys=2),
                lax.sort((k2, v), dimension=0, num_keys=1),
                lax.sort((k1 * 2, v + 1.0), dimension=1, num_keys=1))  # fmt: skip

    _check(f, k1, k2, v, prims=SORT, tol=0)
    _check(lambda x: jnp.sort(x), _sort_data((300,), np.float64), prims=SORT, tol=0)


@pytest.mark.parametrize("n", [1, 15, 16, 17, 257, 5000])
def test_sort_long_rows(n):
    x = RNG.randn(2, n).astype(np.float32)
    x[:, ::3] = 0.5  # ties keep their order
    _check(lambda x: (jnp.sort(x), jnp.argsort(x), lax.sort((x, -x), num_keys=1)), x,
           prims=SORT, tol=0)  # fmt: skip


def test_sort_grad_and_vmap():
    x = RNG.randn(3, 30).astype(np.float32)

    def loss(x):
        return jnp.sum(jnp.sort(x, axis=1) * jnp.arange(30.0))

    text = _check(jtrans.grad(loss), x, prims=SORT, tol=1e-5)
    assert "sort" in text
    _check(jtrans.vmap(lambda r: jnp.sort(r * 2.0)), x, prims=SORT, tol=0)


@pytest.mark.parametrize("dtype", [np.float32, np.float16, np.int8, np.uint16, np.bool_])
def test_sort_radix_rows(dtype):
    x = _sort_data((2, 3000), dtype)  # ties, NaN, -0.0, infinities
    text = _check(lambda x: (jnp.sort(x, axis=1), jnp.argsort(x, axis=1)), x, prims=SORT, tol=0)
    assert "radix" in text
    a = jtrans.jit(lambda x: jnp.sort(x, axis=1))(x)
    np.testing.assert_array_equal(_bits(a), _bits(jnp.sort(x, axis=1)))


# ---------------------------------------------------------------------------------------------
# erf_inv: an inline approximation (jtrans/lax/lowerings.py) against SciPy


def _erf_inv_points(dt):
    t = np.logspace(-16, -1, 300)
    x = np.concatenate([np.linspace(-1, 1, 20001), 1 - t, t - 1, np.logspace(-300, -1, 300),
                        [0.0, -0.0, 1.0, -1.0, 1.5, -2.0, np.nan]])  # fmt: skip
    return x.astype(dt)


@pytest.mark.parametrize("dtype,bound", [(np.float32, 1e-6), (np.float64, 2e-15)])
def test_erf_inv_against_scipy(dtype, bound, x64):
    import scipy.special as sp

    x = _erf_inv_points(dtype)
    text = _check(lax.erf_inv, x, prims=("erf_inv",), tol=2 * bound)
    assert "callout" not in text
    a, b = np.asarray(jtrans.jit(lax.erf_inv)(x)), sp.erfinv(x)
    assert a.dtype == dtype
    ok = np.isfinite(b)
    rel = np.abs(a[ok] - b[ok]) / np.maximum(np.abs(b[ok]), np.finfo(dtype).tiny)
    assert rel.max() <= bound, (rel.max(), x[ok][rel.argmax()])
    np.testing.assert_array_equal(a[~ok], b[~ok])
    assert np.signbit(a[x == 0]).tolist() == np.signbit(x[x == 0]).tolist()


def test_erf_inv_float16_and_grad():
    x = np.linspace(-0.99, 0.99, 41).astype(np.float16)
    _check(lax.erf_inv, x, prims=("erf_inv",), tol=2e-3)
    x32 = x.astype(np.float32)
    _check(jtrans.grad(lambda x: jnp.sum(lax.erf_inv(x) ** 2)), x32, prims=("erf_inv",), tol=1e-4)


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_cumlogsumexp(dtype):
    x = (RNG.randn(4, 9) * 3).astype(dtype)
    x[0, 2] = -np.inf
    x[1, :] = -np.inf
    x[2, 3] = np.inf
    x[2, 5] = np.inf
    x[3, 4] = np.nan
    tol = 1e-5 if dtype == np.float32 else 2e-3

    def f(x):
        return (lax.cumlogsumexp(x * 1.0, axis=1), lax.cumlogsumexp(x, axis=0, reverse=True))

    _check(f, x, prims=("cumlogsumexp",), tol=tol)
    _check(jtrans.grad(lambda x: jnp.sum(lax.cumlogsumexp(x, axis=1))), RNG.randn(3, 5)
           .astype(np.float32), prims=("cumlogsumexp",), tol=1e-4)  # fmt: skip
