"""Array creation: array, asarray, zeros/ones/full (and _like), arange, ..."""

import numpy as np

from .. import core, dtypes, lax
from ..array import Array
from ._util import asarray_any


def asarray(a, dtype=None, order=None, *, copy=None):
    """A jtrans array from `a`; zero-copy for NumPy arrays of a canonical dtype."""
    return asarray_any(a, dtype)


def array(object, dtype=None, copy=True, order="K", ndmin=0):
    out = asarray_any(object, dtype)
    if isinstance(out, Array) and isinstance(object, np.ndarray) and copy:
        out = Array(out._value.copy() if out._value is object else out._value, out.weak_type)
    if isinstance(out, Array) and out.weak_type and not isinstance(object, (Array, core.Tracer)):
        out = Array(out._value, False)  # jnp.array(2.0) is a strong float32
    if ndmin and out.ndim < ndmin:
        out = lax.reshape(out, (1,) * (ndmin - out.ndim) + out.shape)
    return out


def _shape(shape):
    if isinstance(shape, (int, np.integer)) or (
        hasattr(shape, "__index__") and np.ndim(shape) == 0
    ):
        return (int(shape),)
    return tuple(int(s) for s in shape)


def zeros(shape, dtype=None):
    return lax.full(_shape(shape), 0, dtypes.check_dtype(dtype) or dtypes.default_float())


def ones(shape, dtype=None):
    return lax.full(_shape(shape), 1, dtypes.check_dtype(dtype) or dtypes.default_float())


def full(shape, fill_value, dtype=None):
    if dtype is None:
        dt, _ = dtypes.dtype_and_weak(fill_value)
        dtype = dt
    fill = asarray_any(fill_value, dtype)
    shape = _shape(shape)
    if core.get_aval(fill).ndim:
        from ._util import broadcast_to_shape

        return broadcast_to_shape(fill, shape)
    return lax.broadcast_in_dim(fill, shape, ())


def empty(shape, dtype=None):
    return zeros(shape, dtype)


def _like(x, dtype, shape):
    a = core.get_aval(asarray_any(x))
    return (a.shape if shape is None else _shape(shape)), (a.dtype if dtype is None else dtype)


def zeros_like(a, dtype=None, shape=None):
    s, d = _like(a, dtype, shape)
    return lax.full(s, 0, d)


def ones_like(a, dtype=None, shape=None):
    s, d = _like(a, dtype, shape)
    return lax.full(s, 1, d)


def full_like(a, fill_value, dtype=None, shape=None):
    s, d = _like(a, dtype, shape)
    return full(s, fill_value, d)


def empty_like(a, dtype=None, shape=None):
    return zeros_like(a, dtype, shape)


def arange(start, stop=None, step=None, dtype=None):
    for v, name in ((start, "start"), (stop, "stop"), (step, "step")):
        if isinstance(v, core.Tracer):
            core.concrete_or_error(v, f"jnp.arange's {name} argument (it sets the shape)")
    vals = [np.asarray(v).item() if v is not None else None for v in (start, stop, step)]
    start, stop, step = vals
    if dtype is None:
        dtype = dtypes.result_type(*[v for v in (start, stop, step) if v is not None])
    dtype = dtypes.check_dtype(dtype)
    if stop is None and step is None:
        return lax.iota(dtype, int(np.ceil(start))) if start >= 0 else \
            Array(np.arange(start, dtype=dtype))  # fmt: skip
    return Array(np.arange(start, stop, step).astype(dtype))
