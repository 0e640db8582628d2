"""Reductions over axes: reduce_sum / max / min / prod / and / or, argmax / argmin, cumulative
ops, and the windowed reduction used for pooling."""

import numpy as np

from .. import core, dtypes
from ..interpreters import ad, batching
from ._base import as_operand, batch_rules, canonical_axis, standard_primitive
from ..errors import JTransValueError
from . import elementwise as ew
from . import structural as st


def _reduce_abstract(name, keep_dtype=True):
    def rule(x, axes):
        for a in axes:
            if not 0 <= a < x.ndim:
                raise JTransValueError(f"{name}: axis {a} is out of bounds for rank {x.ndim}")
        shape = tuple(s for i, s in enumerate(x.shape) if i not in axes)
        return core.ShapedArray(shape, x.dtype, x.weak_type)

    return rule


def _reduce_batch(prim):
    def rule(vals, dims, axes):
        (x,), (d,) = vals, dims
        new_axes = tuple(a if a < d else a + 1 for a in axes)
        out_d = d - sum(1 for a in axes if a < d)
        return prim.bind(x, axes=new_axes), out_d

    batch_rules[prim] = rule


def _axes(x, axes):
    nd = core.get_aval(x).ndim
    if axes is None:
        return tuple(range(nd))
    if isinstance(axes, int):
        axes = (axes,)
    return tuple(sorted({canonical_axis(a, nd) for a in axes}))


def _np_reduce(fn):
    def impl(x, axes):
        out = fn(x, axis=axes)
        return np.asarray(out, dtype=x.dtype)

    return impl


def _sum_impl(x, axes):
    if x.dtype in (dtypes.float16, dtypes.bfloat16):
        return np.asarray(np.sum(x, axis=axes, dtype=np.float32)).astype(x.dtype)
    return np.asarray(np.sum(x, axis=axes, dtype=x.dtype))


reduce_sum_p = standard_primitive("reduce_sum", _sum_impl, _reduce_abstract("reduce_sum"))
_reduce_batch(reduce_sum_p)


def reduce_sum(x, axes=None):
    x = as_operand(x)
    axes = _axes(x, axes)
    if not axes:
        return x
    return reduce_sum_p.bind(x, axes=axes)


def _reduce_sum_transpose(ct, x, axes):
    shape = x.aval.shape
    kept = tuple(i for i in range(len(shape)) if i not in axes)
    return [st.broadcast_in_dim(ct, shape, kept)]


ad.deflinear(reduce_sum_p, _reduce_sum_transpose)


def _extremum_jvp(prim):
    # the tangent of max/min is the mean of the tangents at the locations of the extremum
    def rule(primals, tangents, axes):
        (x,), (g,) = primals, tangents
        ans = prim.bind(x, axes=axes)
        shape = core.get_aval(x).shape
        kept = tuple(i for i in range(len(shape)) if i not in axes)
        loc = ew.eq(x, st.broadcast_in_dim(ans, shape, kept))
        loc = st.convert_element_type(loc, core.get_aval(g).dtype)
        counts = reduce_sum(loc, axes)
        return ans, ew.div(reduce_sum(ew.mul(g, loc), axes), counts)

    ad.jvp_rules[prim] = rule


reduce_max_p = standard_primitive("reduce_max", _np_reduce(np.max), _reduce_abstract("reduce_max"))
_reduce_batch(reduce_max_p)
_extremum_jvp(reduce_max_p)


def reduce_max(x, axes=None):
    x = as_operand(x)
    axes = _axes(x, axes)
    return reduce_max_p.bind(x, axes=axes) if axes else x


reduce_min_p = standard_primitive("reduce_min", _np_reduce(np.min), _reduce_abstract("reduce_min"))
_reduce_batch(reduce_min_p)
_extremum_jvp(reduce_min_p)


def reduce_min(x, axes=None):
    x = as_operand(x)
    axes = _axes(x, axes)
    return reduce_min_p.bind(x, axes=axes) if axes else x


__all__ = [n for n in dir() if not n.startswith("_") and n not in (
    "np", "core", "dtypes", "ad", "batching", "ew", "st", "standard_primitive", "batch_rules",
    "canonical_axis", "as_operand", "JTransValueError")]  # fmt: skip
