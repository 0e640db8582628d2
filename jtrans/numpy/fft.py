"""jtrans.numpy.fft: NumPy's FFT functions with JAX's conventions (complex64 results for float32
and integer inputs, `norm` in "backward" / "ortho" / "forward"), written with lax.fft."""

import math
import operator

import numpy as np

from .. import core, dtypes, lax
from ..errors import JTransValueError
from ..lax.extra import FftType

__all__ = [
    "fft",
    "fft2",
    "fftfreq",
    "fftn",
    "fftshift",
    "hfft",
    "ifft",
    "ifft2",
    "ifftn",
    "ifftshift",
    "ihfft",
    "irfft",
    "irfft2",
    "irfftn",
    "rfft",
    "rfft2",
    "rfftfreq",
    "rfftn",
]


def _jnp():
    from .. import numpy as jnp

    return jnp


def _norm_scale(s, func_name, norm):
    if norm is None or norm == "backward":
        return None
    n = math.prod(s)
    inverse = func_name.startswith("i")
    if norm == "ortho":
        return 1 / math.sqrt(n) if not inverse else math.sqrt(n)
    if norm == "forward":
        return n if inverse else 1 / n
    raise JTransValueError(
        f'Invalid norm value {norm}; should be "backward", "ortho" or "forward".'
    )


def _fft_core(func_name, fft_type, a, s, axes, norm):
    jnp = _jnp()
    arr = jnp.asarray(a)
    full_name = f"jtrans.numpy.fft.{func_name}"
    if s is not None:
        s = tuple(operator.index(d) for d in s)
        if any(d <= 0 for d in s):
            raise JTransValueError(f"{full_name}: shape s={s} should be positive")
    if s is not None and axes is not None and len(s) != len(axes):
        raise JTransValueError(f"{full_name}: shape s={s} and axes={axes} have different lengths")
    orig_axes = axes
    if axes is None:
        axes = range(arr.ndim) if s is None else range(arr.ndim - len(s), arr.ndim)
    axes = [a % arr.ndim if arr.ndim else a for a in axes]
    if len(axes) != len(set(axes)):
        raise JTransValueError(f"{full_name} does not support repeated axes. Got axes {axes}.")
    if orig_axes is not None:
        new_axes = list(range(arr.ndim - len(axes), arr.ndim))
        arr = jnp.moveaxis(arr, axes, new_axes)
        axes = new_axes
    if s is not None:
        in_s = list(arr.shape)
        for ax, d in zip(axes, s):
            in_s[ax] = d
        if fft_type == FftType.IRFFT:
            in_s[-1] = in_s[-1] // 2 + 1
        arr = arr[tuple(slice(d) for d in in_s)]
        arr = jnp.pad(arr, [(0, x - y) for x, y in zip(in_s, arr.shape)])
    else:
        if fft_type == FftType.IRFFT:
            s = [arr.shape[ax] for ax in axes[:-1]]
            if axes:
                s += [max(0, 2 * (arr.shape[axes[-1]] - 1))]
        else:
            s = [arr.shape[ax] for ax in axes]
    out = lax.fft(arr, fft_type, tuple(s))
    scale = _norm_scale(s, func_name, norm)
    if scale is not None:
        out = out * np.asarray(scale, dtype=core.get_aval(out).dtype)
    if orig_axes is not None:
        out = jnp.moveaxis(out, axes, list(orig_axes))
    return out


def _1d(func_name, fft_type, a, n, axis, norm):
    if isinstance(axis, (tuple, list)):
        raise JTransValueError(
            f"jtrans.numpy.fft.{func_name} does not support multiple axes; use "
            f"{func_name}n (got axis={axis})"
        )
    return _fft_core(func_name, fft_type, a, None if n is None else [n], [axis], norm)


def _2d(func_name, fft_type, a, s, axes, norm):
    if len(axes) != 2:
        raise JTransValueError(
            f"jtrans.numpy.fft.{func_name} only supports 2 axes; got axes={axes}"
        )
    return _fft_core(func_name, fft_type, a, s, axes, norm)


def fft(a, n=None, axis=-1, norm=None):
    return _1d("fft", FftType.FFT, a, n, axis, norm)


def ifft(a, n=None, axis=-1, norm=None):
    return _1d("ifft", FftType.IFFT, a, n, axis, norm)


def rfft(a, n=None, axis=-1, norm=None):
    return _1d("rfft", FftType.RFFT, a, n, axis, norm)


def irfft(a, n=None, axis=-1, norm=None):
    return _1d("irfft", FftType.IRFFT, a, n, axis, norm)


def hfft(a, n=None, axis=-1, norm=None):
    """The FFT of a Hermitian-symmetric signal given by its first half (a real spectrum)."""
    jnp = _jnp()
    a = jnp.asarray(a)
    nn = (a.shape[axis] - 1) * 2 if n is None else n
    out = _1d("hfft", FftType.IRFFT, jnp.conj(a), n, axis, norm)
    return out * np.asarray(nn, dtype=core.get_aval(out).dtype)


def ihfft(a, n=None, axis=-1, norm=None):
    """The inverse of hfft: the conjugated half spectrum of a real signal, over n."""
    jnp = _jnp()
    a = jnp.asarray(a)
    nn = a.shape[axis] if n is None else n
    out = _1d("ihfft", FftType.RFFT, a, n, axis, norm)
    return jnp.conj(out) * np.asarray(1 / nn, dtype=core.get_aval(out).dtype)


def fftn(a, s=None, axes=None, norm=None):
    return _fft_core("fftn", FftType.FFT, a, s, axes, norm)


def ifftn(a, s=None, axes=None, norm=None):
    return _fft_core("ifftn", FftType.IFFT, a, s, axes, norm)


def rfftn(a, s=None, axes=None, norm=None):
    return _fft_core("rfftn", FftType.RFFT, a, s, axes, norm)


def irfftn(a, s=None, axes=None, norm=None):
    return _fft_core("irfftn", FftType.IRFFT, a, s, axes, norm)


def fft2(a, s=None, axes=(-2, -1), norm=None):
    return _2d("fft2", FftType.FFT, a, s, axes, norm)


def ifft2(a, s=None, axes=(-2, -1), norm=None):
    return _2d("ifft2", FftType.IFFT, a, s, axes, norm)


def rfft2(a, s=None, axes=(-2, -1), norm=None):
    return _2d("rfft2", FftType.RFFT, a, s, axes, norm)


def irfft2(a, s=None, axes=(-2, -1), norm=None):
    return _2d("irfft2", FftType.IRFFT, a, s, axes, norm)


def _freq_dtype(dtype):
    if dtype is None:
        return dtypes.default_float()
    return dtypes.canonicalize_dtype(np.dtype(dtype))


def fftfreq(n, d=1.0, *, dtype=None, device=None):
    """The sample frequencies of an n-point FFT with sample spacing d:
    [0, 1, ..., n//2 - 1 (or (n-1)//2), -(n//2), ..., -1] / (d n)."""
    jnp = _jnp()
    n = operator.index(n)
    dt = _freq_dtype(dtype)
    k = np.concatenate([np.arange(0, (n - 1) // 2 + 1), np.arange(-(n // 2), 0)]).astype(dt)
    return jnp.asarray(k) / (jnp.asarray(d, dtype=dt) * n)


def rfftfreq(n, d=1.0, *, dtype=None, device=None):
    """The sample frequencies of an n-point rfft: [0, 1, ..., n//2] / (d n)."""
    jnp = _jnp()
    n = operator.index(n)
    dt = _freq_dtype(dtype)
    k = np.arange(0, n // 2 + 1).astype(dt)
    return jnp.asarray(k) / (jnp.asarray(d, dtype=dt) * n)


def _shift(x, axes, sign):
    jnp = _jnp()
    x = jnp.asarray(x)
    if axes is None:
        axes = tuple(range(x.ndim))
    elif isinstance(axes, int):
        axes = (axes,)
    shifts = [sign * (x.shape[ax] // 2) for ax in axes]
    return jnp.roll(x, shifts, axes)


def fftshift(x, axes=None):
    """x rolled so that the zero frequency is in the middle of each axis in `axes`."""
    return _shift(x, axes, 1)


def ifftshift(x, axes=None):
    """The inverse of fftshift."""
    return _shift(x, axes, -1)
