"""Reductions: sum, mean, max, min, ..."""

from .. import core, dtypes, lax
from ._util import asarray_any, canonical_axes, check_arraylike


def _reduction(name, lax_fn, promote_int=False):
    def f(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
        check_arraylike(name, a)
        a = asarray_any(a)
        aval = core.get_aval(a)
        axes = canonical_axes(axis, aval.ndim)
        if dtype is not None:
            a = lax.convert_element_type(a, dtype)
        elif promote_int and (aval.dtype.kind in "iu" or aval.dtype == dtypes.bool_):
            big = (
                dtypes.default_int()
                if aval.dtype.kind != "u"
                else dtypes.canonicalize_dtype("uint64")
            )
            if aval.dtype.kind == "b":
                big = dtypes.default_int()
            a = lax.convert_element_type(a, big)
        out = lax_fn(a, axes)
        if keepdims:
            shape = tuple(1 if i in axes else s for i, s in enumerate(aval.shape))
            out = lax.reshape(out, shape)
        return out

    f.__name__ = name
    return f


sum = _reduction("sum", lax.reduce_sum, promote_int=True)
max = amax = _reduction("max", lax.reduce_max)
min = amin = _reduction("min", lax.reduce_min)


def mean(a, axis=None, dtype=None, out=None, keepdims=False, where=None):
    a = asarray_any(a)
    aval = core.get_aval(a)
    axes = canonical_axes(axis, aval.ndim)
    n = 1
    for ax in axes:
        n *= aval.shape[ax]
    if dtype is None:
        dtype = aval.dtype if dtypes.is_inexact(aval.dtype) else dtypes.default_float()
    s = sum(lax.convert_element_type(a, dtype), axis=axes, keepdims=keepdims)
    return lax.div(s, lax.full_like(s, n))
