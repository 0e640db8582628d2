"""The small jtrans.scipy modules beyond the OpSpec table: optimize.minimize (BFGS),
interpolate.RegularGridInterpolator, cluster.vq, and options/errors of signal, fft, ndimage."""

import numpy as np
import pytest
import scipy.cluster.vq as svq
import scipy.interpolate as sip
import scipy.ndimage as snd
import scipy.optimize as sopt
import scipy.signal as ssig

import jtrans
import jtrans.numpy as jnp
from jtrans.scipy import fft, interpolate, ndimage, optimize, signal
from jtrans.scipy.cluster import vq


def _rosen(x):
    return jnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


# ---------------------------------------------------------------------------------------------
# optimize


@pytest.mark.parametrize("x0", [[-1.2, 1.0], [0.5] * 4, [3.0, -2.0, 1.0]])
def test_minimize_bfgs_rosenbrock(x64, x0):
    x0 = np.asarray(x0)
    r = optimize.minimize(_rosen, x0, method="BFGS")
    assert isinstance(r, optimize.OptimizeResults)
    assert bool(r.success) and int(r.status) == 0
    np.testing.assert_allclose(r.x, np.ones_like(x0), atol=1e-4)
    ref = sopt.minimize(lambda x: float(_rosen(x)), x0, method="BFGS")
    np.testing.assert_allclose(r.x, ref.x, atol=1e-4)
    assert float(r.fun) < 1e-8 and np.max(np.abs(np.asarray(r.jac))) < 1e-5
    assert np.asarray(r.hess_inv).shape == (x0.size, x0.size)
    assert int(r.nfev) >= int(r.nit) > 0


def test_minimize_args_jit_and_vmap(x64):
    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    b = np.array([1.0, -1.0])

    def quad(x, A, b):
        return 0.5 * x @ A @ x - b @ x

    r = optimize.minimize(quad, np.zeros(2), args=(A, b), method="BFGS")
    np.testing.assert_allclose(r.x, np.linalg.solve(A, b), atol=1e-6)
    rj = jtrans.jit(lambda x0: optimize.minimize(_rosen, x0, method="BFGS"))(np.array([-1.2, 1.0]))
    np.testing.assert_allclose(rj.x, [1.0, 1.0], atol=1e-4)
    starts = np.array([[-1.2, 1.0], [2.0, 2.0], [0.0, 0.0]])
    xs = jtrans.vmap(lambda x0: optimize.minimize(_rosen, x0, method="bfgs").x)(starts)
    np.testing.assert_allclose(xs, np.ones((3, 2)), atol=1e-4)


def test_minimize_float32_and_options():
    r = optimize.minimize(_rosen, np.array([-1.2, 1.0], np.float32), method="BFGS")
    assert np.asarray(r.x).dtype == np.float32
    np.testing.assert_allclose(r.x, [1.0, 1.0], atol=1e-3)
    r = optimize.minimize(_rosen, np.array([-1.2, 1.0], np.float32), method="BFGS",
                          options={"maxiter": 3})  # fmt: skip
    assert int(r.nit) == 3 and int(r.status) == 1 and not bool(r.success)
    with pytest.raises(ValueError, match="method"):
        optimize.minimize(_rosen, np.zeros(2), method="Nelder-Mead")
    with pytest.raises(TypeError, match="options"):
        optimize.minimize(_rosen, np.zeros(2), method="BFGS", options={"bogus": 1})
    with pytest.raises(ValueError, match="1-D"):
        optimize.minimize(_rosen, np.zeros((2, 2)), method="BFGS")


def test_line_search_satisfies_wolfe(x64):
    x = np.array([-1.2, 1.0])
    g = np.asarray(jtrans.grad(_rosen)(x))
    ls = optimize.line_search(_rosen, x, -g)
    assert not bool(ls.failed) and int(ls.status) == 0
    a = float(ls.a_k)
    f0, f1 = float(_rosen(x)), float(_rosen(x - a * g))
    assert f1 <= f0 - 1e-4 * a * g @ g
    g1 = np.asarray(jtrans.grad(_rosen)(x - a * g))
    assert abs(g1 @ -g) <= 0.9 * abs(g @ -g)
    np.testing.assert_allclose(float(ls.f_k), f1, rtol=1e-12)
    assert bool(optimize.line_search(_rosen, x, g).failed)  # an ascent direction


# ---------------------------------------------------------------------------------------------
# interpolate


def _grid(rng):
    g = (np.sort(rng.uniform(0, 5, 6)), np.sort(rng.uniform(-1, 1, 4)))
    return g, rng.standard_normal((6, 4, 2))


@pytest.mark.parametrize("method", ["linear", "nearest"])
@pytest.mark.parametrize("fill_value", [np.nan, None, 0.0])
def test_regular_grid_interpolator(rng, method, fill_value):
    g, v = _grid(rng)
    xi = np.stack([rng.uniform(-0.5, 5.5, (3, 7)), rng.uniform(-1.2, 1.2, (3, 7))], -1)
    out = interpolate.RegularGridInterpolator(g, v, method, fill_value=fill_value)(xi)
    ref = sip.RegularGridInterpolator(g, v, method, bounds_error=False, fill_value=fill_value)(xi)
    np.testing.assert_allclose(out, ref, atol=1e-5, equal_nan=True)


def test_regular_grid_interpolator_transforms(rng, x64):
    g, v = _grid(rng)
    xi = np.stack([rng.uniform(g[0][0], g[0][-1], 5), rng.uniform(g[1][0], g[1][-1], 5)], -1)
    f = interpolate.RegularGridInterpolator(g, v[..., 0])
    np.testing.assert_allclose(jtrans.jit(lambda f, x: f(x))(f, xi), f(xi), rtol=1e-12)
    # linear in the values: the gradient of a sum is the sum of the interpolation weights
    gv = jtrans.grad(lambda v: jnp.sum(interpolate.RegularGridInterpolator(g, v)(xi)))(v[..., 0])
    np.testing.assert_allclose(np.sum(gv), 5.0, rtol=1e-12)
    dx = jtrans.vmap(jtrans.grad(lambda x: f(x[None])[0]))(xi)
    eps = 1e-6
    fd = (np.asarray(f(xi + [eps, 0])) - np.asarray(f(xi - [eps, 0]))) / (2 * eps)
    np.testing.assert_allclose(np.asarray(dx)[:, 0], fd, rtol=1e-5)
    with pytest.raises(NotImplementedError):
        interpolate.RegularGridInterpolator(g, v, bounds_error=True)
    with pytest.raises(ValueError, match="dimension"):
        f(np.zeros((3, 3)))


# ---------------------------------------------------------------------------------------------
# cluster.vq, signal, fft, ndimage


def test_vq(rng):
    obs, book = rng.standard_normal((8, 3)), rng.standard_normal((4, 3))
    code, dist = vq.vq(obs, book)
    ref_code, ref_dist = svq.vq(obs, book)
    np.testing.assert_array_equal(code, ref_code)
    np.testing.assert_allclose(dist, ref_dist, rtol=1e-5)
    code, dist = jtrans.jit(vq.vq)(obs[:, 0], book[:, 0])
    np.testing.assert_array_equal(code, svq.vq(obs[:, 0], book[:, 0])[0])
    with pytest.raises(ValueError, match="code_book"):
        vq.vq(obs, book[:, :2])


@pytest.mark.parametrize("mode", ["full", "same", "valid"])
def test_complex_and_integer_convolution(rng, mode):
    x = rng.standard_normal(6) + 1j * rng.standard_normal(6)
    k = rng.standard_normal(3) + 1j * rng.standard_normal(3)
    np.testing.assert_allclose(signal.convolve(x, k, mode), ssig.convolve(x, k, mode), atol=1e-5)
    np.testing.assert_allclose(signal.correlate(k, x, mode), ssig.correlate(k, x, mode), atol=1e-5)
    np.testing.assert_allclose(signal.fftconvolve(x, k, mode), ssig.fftconvolve(x, k, mode),
                               atol=1e-5)  # fmt: skip
    xi = np.arange(6, dtype=np.int32)
    out = signal.convolve(xi, xi[:3], mode)
    assert np.asarray(out).dtype == np.float32  # as JAX: integer inputs give floats
    np.testing.assert_allclose(out, ssig.convolve(xi, xi[:3], mode))


def test_signal_errors():
    with pytest.raises(ValueError, match="mode"):
        signal.convolve(np.ones(3), np.ones(2), "bogus")
    with pytest.raises(ValueError, match="same number of dimensions"):
        signal.convolve(np.ones(3), np.ones((2, 2)))
    with pytest.raises(ValueError, match="at least as large"):
        signal.convolve(np.ones((3, 1)), np.ones((1, 3)), "valid")
    with pytest.raises(NotImplementedError, match="boundary"):
        signal.convolve2d(np.ones((3, 3)), np.ones((2, 2)), boundary="wrap")
    with pytest.raises(ValueError, match="2-D"):
        signal.correlate2d(np.ones(3), np.ones(2))
    with pytest.raises(ValueError, match="type"):
        signal.detrend(np.ones(4), type="quadratic")


def test_dct_roundtrip_and_errors(rng):
    x = rng.standard_normal((4, 6)).astype(np.float32)
    for t in (1, 2, 3, 4):
        np.testing.assert_allclose(fft.idct(fft.dct(x, t), t), x, atol=1e-5)
        np.testing.assert_allclose(fft.idctn(fft.dctn(x, t, norm="ortho"), t, norm="ortho"), x,
                                   atol=1e-5)  # fmt: skip
    assert np.asarray(fft.dct(np.arange(4))).dtype == np.float32
    with pytest.raises(ValueError, match="type"):
        fft.dct(x, 5)
    with pytest.raises(ValueError, match="norm"):
        fft.dct(x, norm="bogus")


def test_map_coordinates_integer_input_and_errors(rng):
    img = rng.integers(-50, 50, (5, 6)).astype(np.int32)
    coords = [rng.uniform(0, 4, 10), rng.uniform(0, 5, 10)]
    out = ndimage.map_coordinates(img, coords, 1, mode="nearest")
    assert np.asarray(out).dtype == np.int32
    np.testing.assert_array_equal(out, snd.map_coordinates(img, coords, order=1, mode="nearest"))
    with pytest.raises(NotImplementedError, match="order"):
        ndimage.map_coordinates(img, coords, 3)
    with pytest.raises(NotImplementedError, match="mode"):
        ndimage.map_coordinates(img, coords, 1, mode="grid-mirror")
    with pytest.raises(ValueError, match="length"):
        ndimage.map_coordinates(img, coords[:1], 1)
    # batched coordinates in one gather per corner
    cs = np.stack([np.stack(coords)] * 3)
    outs = jtrans.vmap(lambda c: ndimage.map_coordinates(img.astype(np.float32), list(c), 1))(cs)
    assert np.asarray(outs).shape == (3, 10)
