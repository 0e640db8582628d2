"""jtrans.scipy.signal: N-dimensional convolution and correlation (direct, through
lax.conv_general_dilated, or by FFT), and detrending, with scipy.signal's signatures as
jax.scipy.signal implements them."""

import itertools

import numpy as np

from .. import core, dtypes, lax
from .. import numpy as jnp
from ..errors import JTransValueError
from ..numpy._util import asarray_any, canonical_axis, check_arraylike

__all__ = ["convolve", "convolve2d", "correlate", "correlate2d", "detrend", "fftconvolve"]

_MODES = ("full", "same", "valid")


def _shape(x):
    return core.get_aval(x).shape


def _promote(name, in1, in2):
    check_arraylike(name, in1, in2)
    in1, in2 = asarray_any(in1), asarray_any(in2)
    dt = dtypes.result_type(in1, in2)
    dt = dt if dtypes.is_inexact(dt) else dtypes.to_inexact_dtype(dt)  # as JAX: floats out
    return in1.astype(dt), in2.astype(dt)


def _check_mode(name, mode, s1, s2):
    if mode not in _MODES:
        raise JTransValueError(f"{name}: mode must be one of {_MODES}, got {mode!r}")
    if len(s1) != len(s2):
        raise JTransValueError(
            f"{name}: in1 and in2 must have the same number of dimensions, got shapes {s1} and {s2}"
        )
    if mode == "valid" and not (
        all(a >= b for a, b in zip(s1, s2)) or all(a <= b for a, b in zip(s1, s2))
    ):
        raise JTransValueError(
            f"{name}: for mode='valid', one input must be at least as large as the other in "
            f"every dimension, got shapes {s1} and {s2}"
        )


def _conv_nd(in1, in2, mode, precision):
    """Convolution of same-rank in1 and in2 (the kernel is flipped, then correlated)."""
    s1, s2 = _shape(in1), _shape(in2)
    if mode == "valid" and any(a < b for a, b in zip(s1, s2)):
        in1, in2 = in2, in1  # convolution commutes; the larger one slides under the smaller
        s1, s2 = s2, s1
    if not s1 or any(d == 0 for d in s1 + s2):
        shape = {"full": tuple(a + b - 1 for a, b in zip(s1, s2)), "same": s1,
                 "valid": tuple(a - b + 1 for a, b in zip(s1, s2))}[mode]  # fmt: skip
        if not s1:
            return lax.mul(in1, in2)
        return jnp.zeros(tuple(max(d, 0) for d in shape), in1.dtype)
    if mode == "full":
        pads = [(k - 1, k - 1) for k in s2]
    elif mode == "same":
        pads = [(k // 2, (k - 1) // 2) for k in s2]
    else:
        pads = [(0, 0)] * len(s2)
    kernel = lax.rev(in2, tuple(range(len(s2))))
    if dtypes.is_complex(in1.dtype):
        # conv_general_dilated is real: (a + ib) * (c + id) by four real convolutions
        def real_conv(x, k):
            return _conv_real(x, k, pads, precision)

        ar, ai, kr, ki = lax.real(in1), lax.imag(in1), lax.real(kernel), lax.imag(kernel)
        re = lax.sub(real_conv(ar, kr), real_conv(ai, ki))
        im = lax.add(real_conv(ar, ki), real_conv(ai, kr))
        return lax.complex(re, im)
    return _conv_real(in1, kernel, pads, precision)


def _conv_real(x, k, pads, precision):
    nd = len(_shape(x))
    out = lax.conv_general_dilated(x[None, None], k[None, None], (1,) * nd, pads,
                                   precision=precision)  # fmt: skip
    return out[0, 0]


def convolve(in1, in2, mode="full", method="auto", precision=None):
    """N-dimensional convolution of in1 and in2 (same rank); mode 'full', 'same' (the size of
    in1) or 'valid'. method='fft' uses fftconvolve."""
    in1, in2 = _promote("convolve", in1, in2)
    _check_mode("convolve", mode, _shape(in1), _shape(in2))
    if method == "fft":
        return fftconvolve(in1, in2, mode=mode)
    if method not in ("auto", "direct"):
        raise JTransValueError(
            f"convolve: method must be 'auto', 'direct' or 'fft', got {method!r}"
        )
    return _conv_nd(in1, in2, mode, precision)


def correlate(in1, in2, mode="full", method="auto", precision=None):
    """N-dimensional cross-correlation: convolve(in1, flip(conj(in2)))."""
    in1, in2 = _promote("correlate", in1, in2)
    _check_mode("correlate", mode, _shape(in1), _shape(in2))
    nd = len(_shape(in2))
    flipped = lax.rev(jnp.conj(in2), tuple(range(nd)))
    swap = mode == "valid" and any(a < b for a, b in zip(_shape(in1), _shape(in2)))
    if swap:  # SciPy: correlate(in2, in1) reversed and conjugated
        out = _conv_nd(in2, lax.rev(jnp.conj(in1), tuple(range(nd))), mode, precision)
        return jnp.conj(lax.rev(out, tuple(range(nd))))
    if method == "fft":
        return fftconvolve(in1, flipped, mode=mode)
    return _conv_nd(in1, flipped, mode, precision)


def _check_2d(name, in1, in2, boundary, fillvalue):
    if len(_shape(in1)) != 2 or len(_shape(in2)) != 2:
        raise JTransValueError(
            f"{name}: inputs must be 2-D, got shapes {_shape(in1)} and {_shape(in2)}"
        )
    if boundary != "fill" or fillvalue != 0:
        raise NotImplementedError(f"{name}: only boundary='fill' with fillvalue=0 is supported")


def convolve2d(in1, in2, mode="full", boundary="fill", fillvalue=0, precision=None):
    """2-D convolution (boundary='fill' with fillvalue=0 only)."""
    in1, in2 = _promote("convolve2d", in1, in2)
    _check_2d("convolve2d", in1, in2, boundary, fillvalue)
    return convolve(in1, in2, mode=mode, precision=precision)


def correlate2d(in1, in2, mode="full", boundary="fill", fillvalue=0, precision=None):
    """2-D cross-correlation (boundary='fill' with fillvalue=0 only)."""
    in1, in2 = _promote("correlate2d", in1, in2)
    _check_2d("correlate2d", in1, in2, boundary, fillvalue)
    if mode == "same":  # SciPy centres correlate2d's 'same' output as a flipped convolution
        _check_mode("correlate2d", mode, _shape(in1), _shape(in2))
        out = _conv_nd(lax.rev(in1, (0, 1)), jnp.conj(in2), mode, precision)
        return lax.rev(out, (0, 1))
    return correlate(in1, in2, mode=mode, precision=precision)


def fftconvolve(in1, in2, mode="full", axes=None):
    """Convolution by FFT over `axes` (all by default); the other axes broadcast."""
    in1, in2 = _promote("fftconvolve", in1, in2)
    s1, s2 = _shape(in1), _shape(in2)
    if len(s1) != len(s2):
        raise JTransValueError(
            f"fftconvolve: in1 and in2 must have the same rank, got shapes {s1} and {s2}"
        )
    nd = len(s1)
    if nd == 0:
        return lax.mul(in1, in2)
    axes = tuple(range(nd)) if axes is None else tuple(
        sorted(canonical_axis(a, nd, "fftconvolve axes") for a in np.atleast_1d(axes)))  # fmt: skip
    _check_mode("fftconvolve", mode, [s1[a] for a in axes], [s2[a] for a in axes])
    if any(s1[a] == 0 or s2[a] == 0 for a in axes):
        return _conv_nd(in1, in2, mode, None) if axes == tuple(range(nd)) else jnp.zeros(
            (0,) * nd, in1.dtype)  # fmt: skip
    full = [s1[a] + s2[a] - 1 for a in axes]
    if dtypes.is_complex(in1.dtype):
        sp = jnp.fft.fftn(in1, full, axes) * jnp.fft.fftn(in2, full, axes)
        out = jnp.fft.ifftn(sp, full, axes)
    else:
        sp = jnp.fft.rfftn(in1, full, axes) * jnp.fft.rfftn(in2, full, axes)
        out = jnp.fft.irfftn(sp, full, axes).astype(in1.dtype)
    if mode == "full":
        return out
    idx = [slice(None)] * nd
    for a, f in zip(axes, full):
        n = s1[a] if mode == "same" else abs(s1[a] - s2[a]) + 1
        start = (f - n) // 2
        idx[a] = slice(start, start + n)
    return out[tuple(idx)]


def detrend(data, axis=-1, type="linear", bp=0, overwrite_data=None):
    """Removes the mean (type='constant') or a least-squares line (type='linear') along
    `axis`, piecewise between the breakpoints `bp` for 'linear'."""
    check_arraylike("detrend", data)
    if type not in ("constant", "c", "linear", "l"):
        raise JTransValueError(f"detrend: type must be 'linear' or 'constant', got {type!r}")
    data = asarray_any(data)
    if not dtypes.is_inexact(data.dtype):
        data = data.astype(dtypes.default_float())
    nd = len(_shape(data))
    axis = canonical_axis(axis, nd, "detrend axis")
    if type in ("constant", "c"):
        return data - jnp.mean(data, axis=axis, keepdims=True)
    x = jnp.moveaxis(data, axis, -1)
    n = _shape(x)[-1]
    bps = sorted({0, n, *(int(b) for b in np.atleast_1d(bp))})
    if bps[0] < 0 or bps[-1] > n:
        raise JTransValueError(f"detrend: breakpoints must lie in [0, {n}], got {bp!r}")
    pieces = []
    for lo, hi in itertools.pairwise(bps):
        seg = x[..., lo:hi]
        t = np.arange(hi - lo, dtype=np.float64)
        tc = t - t.mean()
        denom = float(np.sum(tc * tc)) or 1.0
        tcj = jnp.asarray(tc, dtype=dtypes.finfo(seg.dtype).dtype)
        slope = jnp.sum(seg * tcj, axis=-1, keepdims=True) / denom
        pieces.append(seg - jnp.mean(seg, axis=-1, keepdims=True) - slope * tcj)
    return jnp.moveaxis(jnp.concatenate(pieces, axis=-1), -1, axis)
