"""jtrans.scipy.fft: discrete cosine transforms (types 1-4, norms None/'backward', 'ortho',
'forward') with scipy.fft's signatures. Each 1-D transform is a product with the exact
transform matrix (built once per size, type and norm), so it is differentiable, batches and
compiles like any matmul."""

import functools

import numpy as np
import scipy.fft

from .. import core, dtypes
from .. import numpy as jnp
from ..errors import JTransValueError
from ..numpy._util import asarray_any, canonical_axis, check_arraylike

__all__ = ["dct", "dctn", "idct", "idctn"]


@functools.lru_cache(maxsize=64)
def _matrix(n, type, norm, inverse):
    f = scipy.fft.idct if inverse else scipy.fft.dct
    # column j is the transform of the j-th unit vector: out = M @ x
    return f(np.eye(n), type=type, norm=norm, axis=0)


def _check(name, type, norm):
    if type not in (1, 2, 3, 4):
        raise JTransValueError(f"{name}: type must be 1, 2, 3 or 4, got {type!r}")
    if norm not in (None, "backward", "ortho", "forward"):
        raise JTransValueError(
            f"{name}: norm must be None, 'backward', 'ortho' or 'forward', got {norm!r}"
        )


def _resize(x, n, axis):
    size = core.get_aval(x).shape[axis]
    if n is None or n == size:
        return x
    if n < 1:
        raise JTransValueError(f"invalid number of data points ({n}) specified")
    if n < size:
        return jnp.take(x, jnp.arange(n), axis=axis)
    pad = [(0, 0)] * len(core.get_aval(x).shape)
    pad[axis] = (0, n - size)
    return jnp.pad(x, pad)


def _transform(name, x, type, n, axis, norm, inverse):
    _check(name, type, norm)
    check_arraylike(name, x)
    x = asarray_any(x)
    if not dtypes.is_inexact(x.dtype):
        x = x.astype(dtypes.default_float())
    nd = len(core.get_aval(x).shape)
    axis = canonical_axis(axis, nd, f"{name} axis")
    x = _resize(x, n, axis)
    size = core.get_aval(x).shape[axis]
    if type == 1 and size < 2:
        raise JTransValueError(f"{name}: type 1 needs at least 2 points, got {size}")
    real_dt = dtypes.finfo(x.dtype).dtype
    m = jnp.asarray(_matrix(size, type, norm, inverse).astype(real_dt))
    out = jnp.tensordot(x, m, axes=([axis], [1]))  # the transformed axis comes last
    return jnp.moveaxis(out, -1, axis)


def dct(x, type=2, n=None, axis=-1, norm=None):
    """Discrete cosine transform of x along `axis` (zero-padded or cut to n points)."""
    return _transform("dct", x, type, n, axis, norm, False)


def idct(x, type=2, n=None, axis=-1, norm=None):
    """Inverse discrete cosine transform of x along `axis`."""
    return _transform("idct", x, type, n, axis, norm, True)


def _axes_sizes(name, x, s, axes):
    nd = len(core.get_aval(asarray_any(x)).shape)
    if axes is None:
        axes = tuple(range(nd)) if s is None else tuple(range(nd - len(s), nd))
    axes = [canonical_axis(a, nd, f"{name} axes") for a in np.atleast_1d(axes)]
    if s is None:
        s = [None] * len(axes)
    if len(s) != len(axes):
        raise JTransValueError(f"{name}: s and axes must have the same length, got {s}, {axes}")
    return axes, list(s)


def dctn(x, type=2, s=None, axes=None, norm=None):
    """Multidimensional DCT over `axes` (all by default), sizes s."""
    axes, s = _axes_sizes("dctn", x, s, axes)
    for a, n in zip(axes, s):
        x = dct(x, type, n, a, norm)
    return asarray_any(x)


def idctn(x, type=2, s=None, axes=None, norm=None):
    """Multidimensional inverse DCT over `axes` (all by default), sizes s."""
    axes, s = _axes_sizes("idctn", x, s, axes)
    for a, n in zip(axes, s):
        x = idct(x, type, n, a, norm)
    return asarray_any(x)
