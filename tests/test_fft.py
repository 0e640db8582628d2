"""jtrans.numpy.fft and lax.fft beyond the OpSpec table: dtypes, norms, errors, transposes
(reverse mode) against the dense DFT matrices, batching and jit."""

import numpy as np
import pytest

import jtrans
import jtrans.numpy.fft as jfft
from jtrans import lax


def test_dtypes_follow_jax():
    assert jfft.fft(np.arange(4)).dtype == np.complex64
    assert jfft.rfft(np.arange(4.0, dtype=np.float32)).dtype == np.complex64
    assert jfft.irfft(np.ones(3, np.complex64)).dtype == np.float32
    assert jfft.fftfreq(4).dtype == np.float32 and jfft.rfftfreq(5, 0.5).dtype == np.float32
    np.testing.assert_allclose(jfft.fftfreq(5, 0.1), np.fft.fftfreq(5, 0.1), rtol=1e-6)
    np.testing.assert_allclose(jfft.rfftfreq(8), np.fft.rfftfreq(8), rtol=1e-6)


def test_lax_fft_types_and_errors():
    x = np.arange(8.0, dtype=np.float32).reshape(2, 4)
    out = lax.fft(x, "fft", (2, 4))
    np.testing.assert_allclose(out, np.fft.fft2(x), rtol=1e-5, atol=1e-5)
    assert lax.fft(x, lax.FftType.IFFT, ()).dtype == np.complex64  # no axes: converted only
    with pytest.raises(ValueError, match="real valued"):
        lax.fft(x.astype(np.complex64), "rfft", (4,))
    with pytest.raises(ValueError, match="Unknown FFT type"):
        lax.fft(x, "dct", (4,))
    with pytest.raises(ValueError, match="fft_lengths"):
        lax.fft(x.astype(np.complex64), "fft", (3,))
    with pytest.raises(ValueError, match="norm"):
        jfft.fft(x, norm="bad")
    with pytest.raises(ValueError, match="repeated axes"):
        jfft.fftn(x, axes=(0, 0))


def _dft(n, inverse=False):
    k = np.arange(n)
    m = np.exp((2j if inverse else -2j) * np.pi * np.outer(k, k) / n)
    return m / n if inverse else m


@pytest.mark.parametrize("n", [5, 6])
def test_real_transforms_vjp_match_dense_matrices(n, x64):
    rng = np.random.default_rng(n)
    # rfft as a real-linear map R^n -> C^m; its VJP against a real pairing is Re/Im of M^T ct
    m = n // 2 + 1
    M = _dft(n)[:m]
    ct = rng.normal(size=m) + 1j * rng.normal(size=m)
    _, vjp = jtrans.vjp(jfft.rfft, rng.normal(size=n))
    np.testing.assert_allclose(vjp(ct)[0], (M.T @ ct).real, atol=1e-10)
    # irfft: the forward values against numpy, the reverse mode against numerical jvp pairing
    z = rng.normal(size=m) + 1j * rng.normal(size=m)
    out, vjp = jtrans.vjp(lambda z: jfft.irfft(z, n=n), z)
    np.testing.assert_allclose(out, np.fft.irfft(z, n=n), atol=1e-10)
    u = rng.normal(size=n)
    (g,) = vjp(u)
    for dz in (rng.normal(size=m) + 0j, 1j * rng.normal(size=m)):
        _, t = jtrans.jvp(lambda z: jfft.irfft(z, n=n), (z,), (dz,))
        # JAX's convention: the cotangent g of a complex input pairs as Re(g dz) (g = df/dx -
        # i df/dy for the real and imaginary parts)
        np.testing.assert_allclose(np.sum(u * np.asarray(t)), np.sum(g * dz).real,
                                   atol=1e-10)  # fmt: skip


def test_fft_batches_and_jits():
    x = np.random.default_rng(0).normal(size=(3, 4, 8)).astype(np.float32)
    out = jtrans.vmap(lambda r: jfft.rfft2(r), in_axes=2, out_axes=0)(x)
    np.testing.assert_allclose(out, np.moveaxis(np.fft.rfft2(np.moveaxis(x, 2, 0)), 0, 0),
                               rtol=1e-4, atol=1e-4)  # fmt: skip
    rt = jtrans.jit(lambda x: jfft.irfftn(jfft.rfftn(x), s=x.shape))(x)
    np.testing.assert_allclose(rt, x, atol=1e-5)
    s = jtrans.jit(lambda x: jfft.ifftshift(jfft.fftshift(x, axes=(0, 2)), axes=(0, 2)))(x)
    np.testing.assert_array_equal(s, x)


def test_empty_fft():
    assert jfft.fft(np.zeros((2, 0), np.complex64)).shape == (2, 0)
    assert jfft.fft(np.zeros((0, 3))).shape == (0, 3)
