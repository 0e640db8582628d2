"""jtrans.scipy.signal: N-dimensional convolution and correlation (direct, through
lax.conv_general_dilated, or by FFT), and detrending, with scipy.signal's signatures as
jax.scipy.signal implements them."""

import itertools

import numpy as np

from .. import core, dtypes, lax
from .. import numpy as jnp
from ..errors import JTransValueError
from ..numpy._util import asarray_any, canonical_axis, check_arraylike

__all__ = [
    "convolve",
    "convolve2d",
    "correlate",
    "correlate2d",
    "csd",
    "detrend",
    "fftconvolve",
    "istft",
    "stft",
    "welch",
]

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


# ---------------------------------------------------------------------------------------------
# spectral analysis: stft / istft / csd / welch (scipy.signal's semantics; windows come from
# scipy.signal.get_window on the host, as in JAX)


def _complex_of(dt):
    return np.dtype(np.complex128) if np.dtype(dt).itemsize * (
        1 if dtypes.is_complex(dt) else 2) > 8 else np.dtype(np.complex64)  # fmt: skip


def _get_window(window, nperseg, input_length=None):
    """(window array, nperseg): a named window of nperseg points (nperseg shrunk to the input
    length, default 256), or a 1-D array whose length is nperseg."""
    if isinstance(window, (str, tuple)):
        import scipy.signal

        if nperseg is None:
            nperseg = 256
        if input_length is not None and nperseg > input_length:
            nperseg = input_length
        return np.asarray(scipy.signal.get_window(window, nperseg)), nperseg
    win = np.asarray(window)
    if win.ndim != 1:
        raise JTransValueError("window must be 1-D")
    if input_length is not None and input_length < win.shape[0]:
        raise JTransValueError("window is longer than input signal")
    if nperseg is None:
        nperseg = win.shape[0]
    elif nperseg != win.shape[0]:
        raise JTransValueError("value specified for nperseg is different from length of window")
    return win, nperseg


def _positive_int(v, what):
    v = int(core.concrete_or_error(v, what))
    if v < 1:
        raise JTransValueError(f"{what} must be a positive integer")
    return v


def _extend(x, n, kind):
    """x extended by n points at both ends of its last axis: 'zeros', 'constant' (edge
    values), 'even' (mirrored about the edges) or 'odd' (point-reflected about them)."""
    if n == 0:
        return x
    length = _shape(x)[-1]
    if kind != "zeros" and n >= length:
        raise JTransValueError(
            f"The extension length n ({n}) is too big. It must not exceed x.shape[axis]-1, "
            f"which is {length - 1}."
        )
    if kind == "zeros":
        pad = [(0, 0)] * (len(_shape(x)) - 1) + [(n, n)]
        return jnp.pad(x, pad)
    if kind == "constant":
        left = jnp.repeat(x[..., :1], n, axis=-1)
        right = jnp.repeat(x[..., -1:], n, axis=-1)
        return jnp.concatenate([left, x, right], axis=-1)
    left = jnp.flip(x[..., 1 : n + 1], axis=-1)
    right = jnp.flip(x[..., length - n - 1 : length - 1], axis=-1)
    if kind == "odd":
        left = 2 * x[..., :1] - left
        right = 2 * x[..., -1:] - right
    elif kind != "even":
        raise JTransValueError(f"Unknown boundary option '{kind}', must be one of: zeros, "
                               "even, odd, constant, None")  # fmt: skip
    return jnp.concatenate([left, x, right], axis=-1)


def _segments(x, nperseg, nstep):
    """x[..., n] -> (..., nseg, nperseg) overlapping segments (one gather)."""
    nseg = (_shape(x)[-1] - nperseg) // nstep + 1
    idx = np.arange(nseg)[:, None] * nstep + np.arange(nperseg)[None, :]
    return jnp.take(x, jnp.asarray(idx.astype(np.int32)), axis=-1)


def _spectral_helper(x, y, fs=1.0, window="hann", nperseg=None, noverlap=None, nfft=None,
                     detrend_type="constant", return_onesided=True, scaling="density", axis=-1,
                     mode="psd", boundary=None, padded=False):  # fmt: skip
    """(freqs, times, result[..., freq, segment]) of the windowed FFTs of x (cross-spectral
    with y when it is given), as scipy.signal's _spectral_helper."""
    if mode not in ("psd", "stft"):
        raise JTransValueError(f"Unknown value for mode {mode}, must be one of: 'psd', 'stft'")
    if boundary not in (None, "zeros", "even", "odd", "constant"):
        raise JTransValueError(f"Unknown boundary option '{boundary}', must be one of: zeros, "
                               "even, odd, constant, None")  # fmt: skip
    check_arraylike("spectral analysis", x)
    x = asarray_any(x)
    if y is not None:
        if mode != "psd":
            raise JTransValueError("two-argument mode is available only when mode=='psd'")
        check_arraylike("spectral analysis", y)
        y = asarray_any(y)
        if x.ndim != y.ndim:
            raise JTransValueError(f"two-arguments must have the same rank ({x.ndim} vs {y.ndim}).")
    out_dt = dtypes.result_type(x, np.complex64)
    if y is not None:
        out_dt = dtypes.result_type(out_dt, y)
    work_dt = dtypes.to_inexact_dtype(x.dtype) if y is None else dtypes.result_type(
        dtypes.to_inexact_dtype(x.dtype), dtypes.to_inexact_dtype(y.dtype))  # fmt: skip
    x = x.astype(work_dt)
    axis = canonical_axis(axis, max(x.ndim, 1), "axis") if x.ndim else 0
    x = jnp.moveaxis(jnp.atleast_1d(x), axis, -1)
    if y is not None:
        y = jnp.moveaxis(jnp.atleast_1d(y.astype(work_dt)), axis, -1)
        # same length along the axis (the shorter zero-padded), broadcast elsewhere
        n = max(_shape(x)[-1], _shape(y)[-1])
        x = jnp.pad(x, [(0, 0)] * (x.ndim - 1) + [(0, n - _shape(x)[-1])])
        y = jnp.pad(y, [(0, 0)] * (y.ndim - 1) + [(0, n - _shape(y)[-1])])
        try:
            lead = np.broadcast_shapes(_shape(x)[:-1], _shape(y)[:-1])
        except ValueError:
            raise JTransValueError("x and y cannot be broadcast together.") from None
        x = jnp.broadcast_to(x, lead + (n,))
        y = jnp.broadcast_to(y, lead + (n,))
    if nperseg is not None:
        nperseg = _positive_int(nperseg, "nperseg")
    win, nperseg = _get_window(window, nperseg, _shape(x)[-1])
    nfft = nperseg if nfft is None else int(nfft)
    if nfft < nperseg:
        raise JTransValueError("nfft must be greater than or equal to nperseg.")
    noverlap = nperseg // 2 if noverlap is None else int(noverlap)
    if noverlap >= nperseg:
        raise JTransValueError("noverlap must be less than nperseg.")
    nstep = nperseg - noverlap
    if boundary is not None:
        x = _extend(x, nperseg // 2, boundary)
        if y is not None:
            y = _extend(y, nperseg // 2, boundary)
    if padded:
        nadd = (-(_shape(x)[-1] - nperseg) % nstep) % nperseg
        x = jnp.pad(x, [(0, 0)] * (x.ndim - 1) + [(0, nadd)])
        if y is not None:
            y = jnp.pad(y, [(0, 0)] * (y.ndim - 1) + [(0, nadd)])
    if detrend_type is False or detrend_type is None:
        detrend_fn = lambda d: d
    elif callable(detrend_type):
        detrend_fn = detrend_type
    elif isinstance(detrend_type, str):
        detrend_fn = lambda d: detrend(d, type=detrend_type, axis=-1)
    else:
        raise JTransValueError(f"Unsupported detrend type: {detrend_type}")
    real_dt = dtypes.finfo(work_dt).dtype if dtypes.is_complex(work_dt) else work_dt
    win_j = jnp.asarray(win, dtype=real_dt)
    if scaling == "density":
        scale = 1.0 / (float(fs) * float(np.sum(win * win)))
    elif scaling == "spectrum":
        scale = 1.0 / float(np.sum(win)) ** 2
    else:
        raise JTransValueError(f"Unknown scaling: {scaling}")
    if mode == "stft":
        scale = np.sqrt(scale)
    onesided = bool(return_onesided) and not dtypes.is_complex(work_dt)
    if onesided:
        freqs = np.fft.rfftfreq(nfft, 1.0 / float(fs))
    else:
        freqs = np.fft.fftfreq(nfft, 1.0 / float(fs))

    def fft_segments(d):
        seg = detrend_fn(_segments(d, nperseg, nstep)) * win_j
        return jnp.fft.rfft(seg, n=nfft) if onesided else jnp.fft.fft(seg, n=nfft)

    result = fft_segments(x)
    if y is not None:
        result = jnp.conj(result) * fft_segments(y)
    elif mode == "psd":
        result = jnp.conj(result) * result
    result = result * jnp.asarray(scale, dtype=real_dt)
    if onesided and mode == "psd":
        double = np.ones(_shape(result)[-1])
        double[1 : (None if nfft % 2 else -1)] = 2
        result = result * jnp.asarray(double, dtype=real_dt)
    times = np.arange(nperseg / 2, _shape(x)[-1] - nperseg / 2 + 1, nstep) / float(fs)
    if boundary is not None:
        times = times - (nperseg / 2) / float(fs)
    result = result.astype(out_dt)
    if y is None and mode != "stft":
        result = jnp.real(result)
    # the frequency axis goes back where the data axis was; segments are the last axis
    result = jnp.moveaxis(result, -1, -2)
    if axis != len(_shape(result)) - 2 and _shape(result)[:-2]:
        result = jnp.moveaxis(result, -2, axis)
    fdt = dtypes.finfo(out_dt).dtype
    return jnp.asarray(freqs, dtype=fdt), jnp.asarray(times, dtype=fdt), result


def stft(x, fs=1.0, window="hann", nperseg=256, noverlap=None, nfft=None, detrend=False,
         return_onesided=True, boundary="zeros", padded=True, axis=-1):  # fmt: skip
    """Short-time Fourier transform: (frequencies, segment times, Zxx[..., freq, time])."""
    return _spectral_helper(x, None, fs, window, nperseg, noverlap, nfft, detrend,
                            return_onesided, "spectrum", axis, "stft", boundary, padded)  # fmt: skip


def _median_bias(n):
    ii_2 = 2 * np.arange(1.0, (n - 1) // 2 + 1)
    return 1 + np.sum(1.0 / (ii_2 + 1) - 1.0 / ii_2)


def csd(x, y, fs=1.0, window="hann", nperseg=None, noverlap=None, nfft=None,
        detrend="constant", return_onesided=True, scaling="density", axis=-1, average="mean"):  # fmt: skip
    """Cross power spectral density by Welch's method: (frequencies, Pxy)."""
    freqs, _, pxy = _spectral_helper(x, y, fs, window, nperseg, noverlap, nfft, detrend,
                                     return_onesided, scaling, axis, "psd")  # fmt: skip
    if y is not None:
        pxy = pxy + 0j
    shape = _shape(pxy)
    if len(shape) >= 2 and pxy.size > 0:
        if shape[-1] > 1:
            if average == "median":
                bias = _median_bias(shape[-1])
                if jnp.iscomplexobj(pxy):
                    pxy = jnp.median(jnp.real(pxy), axis=-1) + 1j * jnp.median(
                        jnp.imag(pxy), axis=-1
                    )
                else:
                    pxy = jnp.median(pxy, axis=-1)
                pxy = pxy / jnp.asarray(bias, dtype=dtypes.finfo(pxy.dtype).dtype)
            elif average == "mean":
                pxy = jnp.mean(pxy, axis=-1)
            else:
                raise JTransValueError(f'average must be "median" or "mean", got {average}')
        else:
            pxy = jnp.reshape(pxy, shape[:-1])
    return freqs, pxy


def welch(x, fs=1.0, window="hann", nperseg=None, noverlap=None, nfft=None, detrend="constant",
          return_onesided=True, scaling="density", axis=-1, average="mean"):  # fmt: skip
    """Power spectral density by Welch's method (averaged periodograms): (frequencies, Pxx)."""
    freqs, pxx = csd(x, None, fs, window, nperseg, noverlap, nfft, detrend, return_onesided,
                     scaling, axis, average)  # fmt: skip
    return freqs, jnp.real(pxx)


def istft(Zxx, fs=1.0, window="hann", nperseg=None, noverlap=None, nfft=None,
          input_onesided=True, boundary=True, time_axis=-1, freq_axis=-2):  # fmt: skip
    """Inverse short-time Fourier transform by weighted overlap-add: (times, x)."""
    check_arraylike("istft", Zxx)
    z = asarray_any(Zxx)
    nd = z.ndim
    if nd < 2:
        raise JTransValueError("Input stft must be at least 2d!")
    time_axis = canonical_axis(time_axis, nd, "time_axis")
    freq_axis = canonical_axis(freq_axis, nd, "freq_axis")
    if time_axis == freq_axis:
        raise JTransValueError("Must specify differing time and frequency axes!")
    nfreq = _shape(z)[freq_axis]
    n_default = 2 * (nfreq - 1) if input_onesided else nfreq
    nperseg = n_default if nperseg is None else _positive_int(nperseg, "nperseg")
    if nfft is None:
        if input_onesided and nperseg == n_default + 1:
            nfft = nperseg  # odd nperseg, no FFT padding
        else:
            nfft = n_default
    elif int(nfft) < nperseg:
        raise JTransValueError(f"FFT length ({nfft}) must be longer than nperseg ({nperseg}).")
    nfft = int(nfft)
    noverlap = nperseg // 2 if noverlap is None else int(noverlap)
    if noverlap >= nperseg:
        raise JTransValueError("noverlap must be less than nperseg.")
    nstep = nperseg - noverlap
    # (..., time, freq)
    z = jnp.moveaxis(z, (freq_axis, time_axis), (-1, -2))
    if not dtypes.is_complex(z.dtype):
        z = z.astype(_complex_of(dtypes.to_inexact_dtype(z.dtype)))
    frames = jnp.fft.irfft(z, n=nfft) if input_onesided else jnp.fft.ifft(z, n=nfft)
    frames = frames[..., :nperseg]
    win, _ = _get_window(window, nperseg)
    real_dt = dtypes.finfo(frames.dtype).dtype
    frames = frames * jnp.asarray(win * np.sum(win), dtype=real_dt)
    nseg = _shape(frames)[-2]
    length = nperseg + (nseg - 1) * nstep
    idx = np.arange(nseg)[:, None] * nstep + np.arange(nperseg)[None, :]
    out = jnp.zeros(_shape(frames)[:-2] + (length,), frames.dtype)
    out = out.at[..., jnp.asarray(idx.astype(np.int32))].add(frames)
    norm = np.zeros(length)
    np.add.at(norm, idx, np.broadcast_to(win * win, idx.shape))
    if boundary:
        half = nperseg // 2
        out = out[..., half : length - half]
        norm = norm[half : length - half]
    if input_onesided:
        out = jnp.real(out)
    out = out / jnp.asarray(np.where(norm > 1e-10, norm, 1.0), dtype=real_dt)
    if nd > 2 and time_axis != nd - 1:
        # the time axis goes back where it was among the remaining (non-frequency) axes
        t_ax = time_axis - 1 if freq_axis < time_axis else time_axis
        out = jnp.moveaxis(out, -1, t_ax)
    times = np.arange(_shape(out)[0]) / float(fs)  # the length of axis 0, as JAX counts it
    return jnp.asarray(times, dtype=real_dt), out
