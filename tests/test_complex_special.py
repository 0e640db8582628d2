"""jtrans.scipy.special.wofz and sph_harm_y (jtrans/scipy/_complex_special.py) against SciPy:
values over the plane / sphere, float32 and float64, derivatives (checked numerically to second
order), jit and vmap."""

import numpy as np
import pytest
import scipy.special as sp

import jtrans
import jtrans.numpy as jnp
from jtrans.scipy import special as jsp
from jtrans.test_util import check_grads


@pytest.fixture
def x64():
    jtrans.config.update("jax_enable_x64", True)
    yield
    jtrans.config.update("jax_enable_x64", False)


def _plane(n, seed=0):
    rng = np.random.default_rng(seed)
    z = rng.standard_normal(n) * 4 + 1j * rng.standard_normal(n) * 4
    edges = [0, 1e-8, 10, 1j, -2j, 30 + 30j, 0.5 - 0.01j, 100, 1e-3j, -5 - 0.5j]
    return np.concatenate([z, edges])


def test_wofz_values(x64):
    z = _plane(3000)
    ref = sp.wofz(z)
    for f in (jsp.wofz, jtrans.jit(jsp.wofz)):
        w = np.asarray(f(z))
        assert w.dtype == np.complex128
        np.testing.assert_allclose(w, ref, rtol=1e-12)


def test_wofz_float32_and_real_inputs():
    z = _plane(500)
    z = z[(np.abs(z) < 6) & (z.imag > -2)].astype(np.complex64)  # no overflow in complex64
    w = jsp.wofz(z)
    assert w.dtype == np.complex64
    np.testing.assert_allclose(np.asarray(w), sp.wofz(z.astype(complex)), rtol=2e-5)
    x = np.linspace(-3, 3, 7, dtype=np.float32)  # real inputs are promoted to complex
    w = jsp.wofz(x)
    assert w.dtype == np.complex64
    np.testing.assert_allclose(np.asarray(w), sp.wofz(x.astype(complex)), rtol=2e-6, atol=1e-7)


def test_wofz_derivatives(x64):
    z = np.array([1 + 1j, 0.5 - 2j, -3 + 0.1j, 0.2j])
    check_grads(jsp.wofz, (z,), order=2, modes=("fwd", "rev"))
    g = jtrans.grad(lambda x: jsp.wofz(x).real)(1.0)  # d/dx Re w(x) = -2x exp(-x^2)
    np.testing.assert_allclose(g, -2 * np.exp(-1.0), rtol=1e-12)
    v = jtrans.vmap(jsp.wofz)(z)
    np.testing.assert_allclose(np.asarray(v), sp.wofz(z), rtol=1e-12)


def test_sph_harm_y_values(x64):
    rng = np.random.default_rng(1)
    n = np.repeat(np.arange(16), 25)
    m = np.array([rng.integers(-k, k + 1) for k in n])
    theta = rng.uniform(0, np.pi, n.size)
    phi = rng.uniform(0, 2 * np.pi, n.size)
    ref = sp.sph_harm_y(n, m, theta, phi)
    y = jsp.sph_harm_y(n, m, theta, phi)
    assert y.dtype == np.complex128
    np.testing.assert_allclose(np.asarray(y), ref, atol=1e-13)
    f = jtrans.jit(lambda *a: jsp.sph_harm_y(*a, n_max=15))  # traced n: n_max given
    np.testing.assert_allclose(np.asarray(f(n, m, theta, phi)), ref, atol=1e-13)
    with pytest.raises(jtrans.errors.ConcretizationTypeError, match="n_max"):
        jtrans.jit(jsp.sph_harm_y)(n, m, theta, phi)


def test_sph_harm_y_float32_broadcast_vmap_grad(x64):
    y = jsp.sph_harm_y(3, np.array([-2, 0, 2]), 0.7, 1.3)
    ref = sp.sph_harm_y(3, np.array([-2, 0, 2]), 0.7, 1.3)
    np.testing.assert_allclose(np.asarray(y), ref, atol=1e-13)
    v = jtrans.vmap(lambda t: jsp.sph_harm_y(4, -3, t, 0.25))(np.array([0.1, 1.0, 2.5]))
    np.testing.assert_allclose(np.asarray(v), sp.sph_harm_y(4, -3, np.array([0.1, 1.0, 2.5]),
                                                             0.25), atol=1e-13)  # fmt: skip
    f = lambda t, p: jsp.sph_harm_y(np.array([3, 4]), np.array([1, -2]), t, p)
    check_grads(lambda t, p: f(t, p).real, (np.array([0.4, 1.1]), np.array([0.3, 2.0])), order=2)
    check_grads(lambda t, p: f(t, p).imag, (np.array([0.4, 1.1]), np.array([0.3, 2.0])), order=2)
    assert jsp.sph_harm_y(2, 1, np.float32(0.3), np.float32(0.7)).dtype == np.complex64
    with pytest.raises(NotImplementedError, match="diff_n"):
        jsp.sph_harm_y(2, 1, 0.3, 0.7, diff_n=1)
