"""Two complex-valued special functions of jax.scipy.special, written with jtrans.numpy (so
they trace, differentiate, batch and compile): the Faddeeva function `wofz` and the spherical
harmonics `sph_harm_y`.

wofz follows Weideman's rational approximation (SIAM J. Numer. Anal. 31, 1994): in the upper
half plane w(z) = 2 p(Z) / (L - iz)^2 + 1 / (sqrt(pi) (L - iz)) with Z = (L + iz) / (L - iz)
and p a polynomial of degree N - 1 whose coefficients come from the Fourier series of
exp(-t^2) (L^2 + t^2) on t = L tan(theta / 2); below the axis w(z) = 2 exp(-z^2) - w(-z).
N = 40 gives ~1e-13 relative error against SciPy over the plane. Its derivative is the closed
form w'(z) = 2i / sqrt(pi) - 2 z w(z).

sph_harm_y builds the orthonormalised associated Legendre functions by the stable three-term
recurrences (no factorials): the diagonal Ybar_m^m from Ybar_0^0 = 1/sqrt(4 pi), then up in
degree, Ybar_l^m = a_l^m (x Ybar_{l-1}^m - Ybar_{l-2}^m / a_{l-1}^m) with
a_l^m = sqrt((4 l^2 - 1) / (l^2 - m^2)), all elements at once up to `n_max`.
"""

import numpy as np

from .. import core, dtypes
from .. import numpy as jnp
from ..interpreters.custom_derivatives import custom_jvp

_WOFZ_TERMS = 40


def _weideman_coefficients(n):
    m = 2 * n
    k = np.arange(-m + 1, m)
    length = np.sqrt(n / np.sqrt(2.0))
    t = length * np.tan(k * np.pi / (2 * m))
    f = np.concatenate([[0.0], np.exp(-(t**2)) * (length**2 + t**2)])
    a = np.real(np.fft.fft(np.fft.fftshift(f))) / (2 * m)
    return length, a[1 : n + 1][::-1]  # highest power first


_L, _A = _weideman_coefficients(_WOFZ_TERMS)


def _w_upper(z):
    """w(z) for Im z >= 0."""
    d = _L - 1j * z
    big_z = (_L + 1j * z) / d
    p = jnp.zeros_like(z)
    for c in _A:  # Horner
        p = p * big_z + c
    return 2 * p / (d * d) + (1 / np.sqrt(np.pi)) / d


@custom_jvp
def _wofz(z):
    upper = jnp.imag(z) >= 0
    zz = jnp.where(upper, z, -z)
    w = _w_upper(zz)
    # below the axis: the reflection; exp(-z^2) is evaluated only where it is used
    lower = 2 * jnp.exp(-jnp.where(upper, jnp.zeros_like(z), z * z)) - w
    return jnp.where(upper, w, lower)


@_wofz.defjvp
def _wofz_jvp(primals, tangents):
    (z,), (dz,) = primals, tangents
    w = _wofz(z)
    return w, (2j / np.sqrt(np.pi) - 2 * z * w) * dz


def wofz(z):
    """The Faddeeva function w(z) = exp(-z^2) erfc(-iz), complex (as jax.scipy.special.wofz:
    real inputs are promoted to complex)."""
    z = jnp.asarray(z)
    ct = jnp.result_type(z.dtype, jnp.complex64)
    return _wofz(z.astype(ct))


def sph_harm_y(n, m, theta, phi, diff_n=None, n_max=None):
    """Spherical harmonics Y_n^m(theta, phi) (theta the colatitude, phi the longitude), as
    jax.scipy.special.sph_harm_y: complex, orthonormal on the sphere, Condon-Shortley phase,
    Y_n^{-m} = (-1)^m conj(Y_n^m). `n_max` bounds the degree (needed when `n` is traced;
    larger degrees are clipped to it); `diff_n` is not supported (as in JAX)."""
    if diff_n is not None:
        raise NotImplementedError("sph_harm_y: diff_n is not supported (as in JAX)")
    n = jnp.asarray(n)
    m = jnp.asarray(m)
    if n_max is None:
        nv = core.concrete_or_error(
            n, "sph_harm_y's n_max (the largest degree) when n is traced: pass n_max="
        )
        n_max = int(np.max(np.asarray(nv))) if np.size(nv) else 0
    n_max = int(n_max)
    n = jnp.minimum(n, n_max)
    ft = dtypes.result_type(theta, phi, float)
    theta, phi = jnp.asarray(theta, ft), jnp.asarray(phi, ft)
    n, m, theta, phi = jnp.broadcast_arrays(n, m, theta, phi)
    am = jnp.abs(m)
    x, s = jnp.cos(theta), jnp.sin(theta)
    diag = jnp.full(x.shape, 1 / np.sqrt(4 * np.pi), ft)
    for k in range(1, n_max + 1):  # Ybar_k^k, kept where k <= |m|
        step = -np.sqrt((2 * k + 1) / (2 * k)) * s * diag
        diag = jnp.where(k <= am, step, diag)
    amf = am.astype(ft)
    prev2 = jnp.zeros_like(x)  # Ybar_{l-2}^{|m|}
    prev1 = diag  # Ybar_{l-1}^{|m|}, starting at l - 1 = |m|
    out = jnp.where(n == am, diag, jnp.zeros_like(x))
    for ell in range(1, n_max + 1):
        lf = float(ell)
        a = jnp.sqrt((4 * lf * lf - 1) / jnp.maximum(lf * lf - amf * amf, 1.0))
        if ell >= 2:  # (used only from l = |m| + 2 >= 2 on)
            a_prev = jnp.sqrt((4 * (lf - 1) ** 2 - 1) / jnp.maximum((lf - 1) ** 2 - amf * amf, 1.0))
        else:
            a_prev = 1.0
        first = ell == am + 1  # Ybar_{|m|+1}^{|m|} = sqrt(2|m| + 3) x Ybar_{|m|}^{|m|}
        nxt = jnp.where(first, jnp.sqrt(2 * amf + 3) * x * prev1,
                        a * (x * prev1 - prev2 / a_prev))  # fmt: skip
        active = ell > am
        prev2, prev1 = jnp.where(active, prev1, prev2), jnp.where(active, nxt, prev1)
        out = jnp.where(active & (n == ell), nxt, out)
    ct = jnp.result_type(ft, jnp.complex64)
    y = out.astype(ct) * jnp.exp(1j * amf.astype(ct) * phi.astype(ct))
    sign = jnp.where(am % 2 == 1, -1.0, 1.0).astype(ct)
    return jnp.where(m < 0, sign * jnp.conj(y), y)
