"""OpSpecs for jtrans.numpy.fft (and lax.fft beneath it) against numpy.fft. Complex inputs are
built inside the function from two real arrays, so derivatives are checked with respect to
real and imaginary parts; results keep JAX's dtypes (complex64 for float32 inputs)."""

import numpy as np

import jtrans.numpy.fft as jfft
from jtrans import lax

from ..opspecs import F32, F64, OpSpec

FLOATS = (F32, F64)


def _c64(re, im):
    """The oracle's complex input, of the width the jtrans function computes in."""
    dt = np.complex64 if re.dtype == np.float32 else np.complex128
    return (re + 1j * im).astype(dt)


def _cplx(fn, np_fn, **kw):
    def f(re, im):
        return fn(lax.complex(re, im), **kw)

    def ref(re, im):
        out = np_fn(_c64(re, im), **kw)
        return out.astype(np.complex64 if re.dtype == np.float32 else out.dtype) \
            if out.dtype.kind == "c" else out.astype(re.dtype)  # fmt: skip

    return f, ref


def _real(fn, np_fn, **kw):
    def f(x):
        return fn(x, **kw)

    def ref(x):
        out = np_fn(x, **kw)
        return out.astype(np.complex64 if x.dtype == np.float32 else out.dtype) \
            if out.dtype.kind == "c" else out.astype(x.dtype)  # fmt: skip

    return f, ref


def spec(name, pair, shapes, **kw):
    f, ref = pair
    return OpSpec(name, f, ref, shapes, dtypes=FLOATS, tol=1e-4, **kw)


C1 = [((8,), (8,)), ((3, 5), (3, 5)), ((1,), (1,)), ((0, 5), (0, 5))]
C2 = [((4, 6), (4, 6)), ((2, 3, 4), (2, 3, 4))]

# fmt: off
SPECS = [
    spec("fft_fft", _cplx(jfft.fft, np.fft.fft), C1),
    spec("fft_fft_n_axis", _cplx(jfft.fft, np.fft.fft, n=5, axis=0), C2),
    spec("fft_fft_ortho", _cplx(jfft.fft, np.fft.fft, norm="ortho"), C1[:2]),
    spec("fft_ifft", _cplx(jfft.ifft, np.fft.ifft), C1),
    spec("fft_ifft_forward", _cplx(jfft.ifft, np.fft.ifft, n=7, norm="forward"), C1[:2]),
    spec("fft_rfft", _real(jfft.rfft, np.fft.rfft), [((8,),), ((3, 5),), ((1,),)]),
    spec("fft_rfft_n_axis", _real(jfft.rfft, np.fft.rfft, n=6, axis=0), [((4, 3),)]),
    spec("fft_irfft", _cplx(jfft.irfft, np.fft.irfft), [((5,), (5,)), ((2, 4), (2, 4))]),
    spec("fft_irfft_n_odd", _cplx(jfft.irfft, np.fft.irfft, n=7), [((4,), (4,)), ((2, 5), (2, 5))]),
    spec("fft_fft2", _cplx(jfft.fft2, np.fft.fft2), C2),
    spec("fft_ifft2_s", _cplx(jfft.ifft2, np.fft.ifft2, s=(3, 8)), C2),
    spec("fft_rfft2", _real(jfft.rfft2, np.fft.rfft2), [((4, 6),), ((2, 3, 5),)]),
    spec("fft_irfft2", _cplx(jfft.irfft2, np.fft.irfft2), [((4, 4), (4, 4)), ((2, 3, 5), (2, 3, 5))]),
    spec("fft_fftn", _cplx(jfft.fftn, np.fft.fftn), C2),
    spec("fft_fftn_axes", _cplx(jfft.fftn, np.fft.fftn, axes=(0, 2)), [((2, 3, 4), (2, 3, 4))]),
    spec("fft_ifftn", _cplx(jfft.ifftn, np.fft.ifftn, norm="ortho"), C2),
    spec("fft_rfftn", _real(jfft.rfftn, np.fft.rfftn), [((4, 6),), ((2, 3, 4),)]),
    spec("fft_irfftn_s", _cplx(jfft.irfftn, np.fft.irfftn, s=(3, 6)), [((3, 4), (3, 4)),
                                                                       ((2, 3, 4), (2, 3, 4))]),
    spec("fft_hfft", _cplx(jfft.hfft, np.fft.hfft), [((5,), (5,)), ((2, 4), (2, 4))]),
    spec("fft_ihfft", _real(jfft.ihfft, np.fft.ihfft), [((6,),), ((2, 5),)]),
    spec("fft_fftshift", _real(jfft.fftshift, np.fft.fftshift), [((0,),), ((5,),), ((4, 3),)]),
    spec("fft_ifftshift_axes", _real(jfft.ifftshift, np.fft.ifftshift, axes=1),
         [((3, 5),), ((2, 4, 3),)]),
    spec("fft_lax_rfft", (lambda x: lax.fft(x, lax.FftType.RFFT, x.shape[-2:]),
                          lambda x: np.fft.rfft2(x).astype(np.complex64 if x.dtype == np.float32
                                                            else np.complex128)),
         [((3, 4, 6),), ((2, 5),)]),
]
# fmt: on
