"""Structural primitives: dtype conversion, broadcasting, reshaping, transposition, selection,
iota, and the data-movement family (slicing, padding, concatenation, gather/scatter)."""

import numpy as np

from .. import core, dtypes
from ..interpreters import ad, batching
from ._base import (
    Zero,
    as_operand,
    batch_rules,
    canonical_axis,
    instantiate,
    standard_primitive,
    transpose_rules,
)
from ..errors import JTransTypeError, JTransValueError
from . import elementwise as ew

# ---------------------------------------------------------------------------------------------
# convert_element_type


def _convert_impl(x, new_dtype, weak_type=False):
    if new_dtype == dtypes.bool_:
        return np.asarray(x != 0)
    if x.dtype.kind == "c" and new_dtype.kind != "c":
        x = np.real(x)
    if dtypes.is_float(x.dtype) and new_dtype.kind in "iu":
        with np.errstate(invalid="ignore"):
            info = np.iinfo(new_dtype)
            y = np.nan_to_num(np.trunc(np.asarray(x, np.float64)), nan=0.0)
            return np.clip(y, info.min, info.max).astype(new_dtype)
    return np.asarray(x).astype(new_dtype)


def _convert_abstract(x, new_dtype, weak_type=False):
    return core.ShapedArray(x.shape, new_dtype, weak_type)


convert_element_type_p = standard_primitive(
    "convert_element_type", _convert_impl, _convert_abstract
)


def convert_element_type(x, new_dtype, weak_type=False):
    new_dtype = dtypes.check_dtype(new_dtype)
    x = as_operand(x)
    aval = core.get_aval(x)
    if aval.dtype == new_dtype and aval.weak_type == weak_type:
        return x
    return convert_element_type_p.bind(x, new_dtype=new_dtype, weak_type=bool(weak_type))


def _convert_jvp(primals, tangents, new_dtype, weak_type):
    (x,), (g,) = primals, tangents
    out = convert_element_type_p.bind(x, new_dtype=new_dtype, weak_type=weak_type)
    if type(g) is Zero or not dtypes.is_inexact(new_dtype):
        return out, Zero(ad.tangent_aval(core.get_aval(out)))
    if not dtypes.is_inexact(core.get_aval(x).dtype):
        return out, Zero(ad.tangent_aval(core.get_aval(out)))
    return out, convert_element_type_p.bind(g, new_dtype=new_dtype, weak_type=weak_type)


ad.jvp_rules[convert_element_type_p] = _convert_jvp
transpose_rules[convert_element_type_p] = lambda ct, x, new_dtype, weak_type: [
    convert_element_type_p.bind(ct, new_dtype=x.aval.dtype, weak_type=x.aval.weak_type)
]
batch_rules[convert_element_type_p] = lambda vals, dims, **p: (
    convert_element_type_p.bind(vals[0], **p),
    dims[0],
)

# ---------------------------------------------------------------------------------------------
# broadcast_in_dim


def _bid_impl(x, shape, broadcast_dimensions):
    expanded = [1] * len(shape)
    for i, d in enumerate(broadcast_dimensions):
        expanded[d] = x.shape[i]
    return np.broadcast_to(np.reshape(x, expanded), shape)


def _bid_abstract(x, shape, broadcast_dimensions):
    ok = len(broadcast_dimensions) == x.ndim and all(
        0 <= d < len(shape) and (x.shape[i] == 1 or x.shape[i] == shape[d])
        for i, d in enumerate(broadcast_dimensions)
    )
    ok = ok and list(broadcast_dimensions) == sorted(set(broadcast_dimensions))
    if not ok:
        raise JTransValueError(
            f"broadcast_in_dim cannot broadcast an array of shape {x.shape} to shape {shape} "
            f"with broadcast_dimensions={broadcast_dimensions}"
        )
    return core.ShapedArray(shape, x.dtype, x.weak_type)


broadcast_in_dim_p = standard_primitive("broadcast_in_dim", _bid_impl, _bid_abstract)


def broadcast_in_dim(x, shape, broadcast_dimensions):
    x = as_operand(x)
    shape = tuple(int(d) for d in shape)
    broadcast_dimensions = tuple(int(d) for d in broadcast_dimensions)
    if core.get_aval(x).shape == shape and broadcast_dimensions == tuple(range(len(shape))):
        return x
    return broadcast_in_dim_p.bind(x, shape=shape, broadcast_dimensions=broadcast_dimensions)


def _bid_transpose(ct, x, shape, broadcast_dimensions):
    from .reductions import reduce_sum

    in_shape = x.aval.shape
    summed = [d for d in range(len(shape)) if d not in broadcast_dimensions]
    ones = [d for i, d in enumerate(broadcast_dimensions) if in_shape[i] == 1 and shape[d] != 1]
    out = reduce_sum(ct, tuple(sorted(summed + ones)))
    return [reshape(out, in_shape)]


def _bid_batch(vals, dims, shape, broadcast_dimensions):
    (x,), (d,) = vals, dims
    x = batching.moveaxis(x, d, 0)
    size = core.get_aval(x).shape[0]
    new_shape = (size,) + tuple(shape)
    new_dims = (0,) + tuple(b + 1 for b in broadcast_dimensions)
    return broadcast_in_dim(x, new_shape, new_dims), 0


ad.deflinear(broadcast_in_dim_p, _bid_transpose)
batch_rules[broadcast_in_dim_p] = _bid_batch


def broadcast(x, sizes):
    """Adds leading dimensions `sizes` (lax.broadcast)."""
    aval = core.get_aval(as_operand(x))
    n = len(sizes)
    return broadcast_in_dim(x, tuple(sizes) + aval.shape, tuple(range(n, n + aval.ndim)))


def full(shape, fill_value, dtype=None):
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    if dtype is None:
        dt, weak = dtypes.dtype_and_weak(fill_value)
    else:
        dt, weak = dtypes.check_dtype(dtype), False
    if not isinstance(fill_value, core.Tracer):
        fill = as_operand(np.asarray(fill_value, dtype=dt)) if dt != dtypes.bfloat16 else \
            as_operand(np.asarray(np.float32(fill_value)).astype(dt))  # fmt: skip
        if weak:
            fill = type(fill)(fill._value, True)
    else:
        fill = convert_element_type(fill_value, dt, weak)
    return broadcast_in_dim(fill, shape, ())


def full_like(x, fill_value, dtype=None, shape=None):
    aval = core.get_aval(x)
    return full(aval.shape if shape is None else shape, fill_value,
                aval.dtype if dtype is None else dtype)  # fmt: skip


def zeros_like_array(x):
    return full_like(x, 0)


def _broadcast_hook(x, size, axis):
    aval = core.get_aval(x)
    shape = aval.shape[:axis] + (size,) + aval.shape[axis:]
    dims = tuple(i if i < axis else i + 1 for i in range(aval.ndim))
    return broadcast_in_dim(x, shape, dims)


batching._broadcast = _broadcast_hook

# ---------------------------------------------------------------------------------------------
# reshape


def _reshape_abstract(x, new_sizes, dimensions=None):
    if int(np.prod(new_sizes, dtype=np.int64)) != x.size:
        raise JTransValueError(f"cannot reshape an array of shape {x.shape} (size {x.size}) "
                               f"into shape {tuple(new_sizes)}")  # fmt: skip
    return core.ShapedArray(new_sizes, x.dtype, x.weak_type)


reshape_p = standard_primitive(
    "reshape",
    lambda x, new_sizes, dimensions=None: np.reshape(
        x if dimensions is None else np.transpose(x, dimensions), new_sizes
    ),
    _reshape_abstract,
)


def reshape(x, new_sizes, dimensions=None):
    x = as_operand(x)
    new_sizes = tuple(int(d) for d in new_sizes)
    if dimensions is not None:
        x = transpose(x, dimensions)
    if core.get_aval(x).shape == new_sizes:
        return x
    return reshape_p.bind(x, new_sizes=new_sizes, dimensions=None)


ad.deflinear(reshape_p, lambda ct, x, new_sizes, dimensions: [reshape(ct, x.aval.shape)])


def _reshape_batch(vals, dims, new_sizes, dimensions):
    x = batching.moveaxis(vals[0], dims[0], 0)
    return reshape(x, (core.get_aval(x).shape[0],) + tuple(new_sizes)), 0


batch_rules[reshape_p] = _reshape_batch

# ---------------------------------------------------------------------------------------------
# transpose


def _transpose_abstract(x, permutation):
    if sorted(permutation) != list(range(x.ndim)):
        raise JTransValueError(
            f"transpose permutation {permutation} is not a permutation of the axes of an "
            f"array of rank {x.ndim}"
        )
    return core.ShapedArray(tuple(x.shape[p] for p in permutation), x.dtype, x.weak_type)


transpose_p = standard_primitive(
    "transpose", lambda x, permutation: np.transpose(x, permutation), _transpose_abstract
)


def transpose(x, permutation):
    x = as_operand(x)
    permutation = tuple(int(p) for p in permutation)
    if permutation == tuple(range(len(permutation))):
        return x
    return transpose_p.bind(x, permutation=permutation)


ad.deflinear(
    transpose_p, lambda ct, x, permutation: [transpose(ct, tuple(np.argsort(permutation)))]
)


def _transpose_batch(vals, dims, permutation):
    (x,), (d,) = vals, dims
    perm = tuple(p if p < d else p + 1 for p in permutation)
    perm = (d,) + perm
    return transpose(x, perm), 0


batch_rules[transpose_p] = _transpose_batch


def _moveaxis_hook(x, src, dst):
    nd = core.get_aval(x).ndim
    perm = [i for i in range(nd) if i != src]
    perm.insert(dst, src)
    return transpose(x, perm)


batching._moveaxis = _moveaxis_hook

# ---------------------------------------------------------------------------------------------
# squeeze / expand_dims


def _squeeze_abstract(x, dimensions):
    for d in dimensions:
        if x.shape[d] != 1:
            raise JTransValueError(
                f"cannot squeeze axis {d} of an array of shape {x.shape}: its size is not 1"
            )
    shape = tuple(s for i, s in enumerate(x.shape) if i not in dimensions)
    return core.ShapedArray(shape, x.dtype, x.weak_type)


squeeze_p = standard_primitive(
    "squeeze", lambda x, dimensions: np.squeeze(x, dimensions), _squeeze_abstract
)


def squeeze(x, dimensions):
    x = as_operand(x)
    nd = core.get_aval(x).ndim
    dimensions = tuple(sorted({canonical_axis(d, nd) for d in dimensions}))
    if not dimensions:
        return x
    return squeeze_p.bind(x, dimensions=dimensions)


ad.deflinear(squeeze_p, lambda ct, x, dimensions: [reshape(ct, x.aval.shape)])


def _squeeze_batch(vals, dims, dimensions):
    x = batching.moveaxis(vals[0], dims[0], 0)
    return squeeze(x, tuple(d + 1 for d in dimensions)), 0


batch_rules[squeeze_p] = _squeeze_batch


def expand_dims(x, dimensions):
    x = as_operand(x)
    aval = core.get_aval(x)
    nd = aval.ndim + len(dimensions)
    dims = sorted(canonical_axis(d, nd) for d in dimensions)
    shape = list(aval.shape)
    for d in dims:
        shape.insert(d, 1)
    return reshape(x, shape)


# ---------------------------------------------------------------------------------------------
# select_n


def _select_n_impl(which, *cases):
    if which.dtype == np.bool_:
        return np.where(which, cases[1], cases[0]) if len(cases) == 2 else cases[0]
    return np.choose(which, cases) if np.ndim(which) else cases[int(which)]


def _select_n_abstract(which, *cases):
    if not cases:
        raise JTransValueError("select_n needs at least one case")
    c0 = cases[0]
    for c in cases[1:]:
        if c.shape != c0.shape or c.dtype != c0.dtype:
            raise JTransTypeError(
                "select_n cases must have the same shapes and dtypes, got "
                + ", ".join(c.str_short() for c in cases)
            )
    if which.shape not in ((), c0.shape):
        raise JTransTypeError(
            f"select_n predicate shape {which.shape} must be scalar or equal to the case "
            f"shape {c0.shape}"
        )
    if which.dtype == dtypes.bool_ and len(cases) > 2:
        raise JTransTypeError("select_n with a boolean predicate takes at most two cases")
    if which.dtype != dtypes.bool_ and which.dtype.kind not in "iu":
        raise JTransTypeError(f"select_n predicate must be bool or integer, got {which.dtype}")
    return core.ShapedArray(c0.shape, c0.dtype, all(c.weak_type for c in cases))


select_n_p = standard_primitive("select_n", _select_n_impl, _select_n_abstract)


def select_n(which, *cases):
    return select_n_p.bind(as_operand(which), *[as_operand(c) for c in cases])


def select(pred, on_true, on_false):
    """lax.select: on_true where pred else on_false."""
    return select_n(pred, on_false, on_true)


def _select_n_jvp(primals, tangents):
    which, *cases = primals
    out = select_n_p.bind(which, *cases)
    if all(type(t) is Zero for t in tangents[1:]):
        return out, Zero(ad.tangent_aval(core.get_aval(out)))
    return out, select_n_p.bind(which, *[instantiate(t) for t in tangents[1:]])


def _select_n_transpose(ct, which, *cases):
    if type(ct) is Zero:
        return [None] + [None] * len(cases)
    zeros = full_like(ct, 0)
    out = [None]
    for i, c in enumerate(cases):
        if type(c) is ad.UndefinedPrimal:
            out.append(select_n(which, *[ct if j == i else zeros for j in range(len(cases))]))
        else:
            out.append(None)
    return out


def _select_n_batch(vals, dims):
    which, *cases = vals
    size = batching.current_axis_size()
    case_nd = max(np.ndim(v) - (d is not None) for v, d in zip(cases, dims[1:]))
    wd = dims[0]
    w_nd = core.get_aval(which).ndim - (wd is not None)
    if w_nd < case_nd:  # scalar predicate with array cases
        if wd is None and all(d == dims[1] for d in dims[1:]) and dims[1] is not None:
            return select_n(which, *cases), dims[1]
        which = batching.bdim_at_front(which, wd, size)
        shape = (size,) + core.get_aval(cases[0]).shape[(dims[1] is not None) :]
        c_shape = None
        for c, d in zip(cases, dims[1:]):
            a = core.get_aval(c).shape
            c_shape = a[:d] + a[d + 1 :] if d is not None else a
        shape = (size,) + tuple(c_shape)
        which = broadcast_in_dim(which, shape, (0,))
        wd = 0
    vals = [
        batching.bdim_at_front(v, d, size) for v, d in zip([which] + cases, [wd] + list(dims[1:]))
    ]
    return select_n(*vals), 0


ad.jvp_rules[select_n_p] = _select_n_jvp
transpose_rules[select_n_p] = _select_n_transpose
batch_rules[select_n_p] = _select_n_batch


def clamp(min, x, max):
    """lax.clamp: x limited to [min, max] (scalars broadcast)."""
    x = as_operand(x)
    aval = core.get_aval(x)
    lo = full_like(x, min) if np.ndim(min) == 0 and not isinstance(min, core.Tracer) else min
    hi = full_like(x, max) if np.ndim(max) == 0 and not isinstance(max, core.Tracer) else max
    lo = broadcast_in_dim(lo, aval.shape, ()) if core.get_aval(lo).ndim == 0 else lo
    hi = broadcast_in_dim(hi, aval.shape, ()) if core.get_aval(hi).ndim == 0 else hi
    return ew.min(ew.max(x, lo), hi)


# ---------------------------------------------------------------------------------------------
# iota


def _iota_impl(dtype, shape, dimension):
    r = np.arange(shape[dimension], dtype=dtype)
    expanded = [1] * len(shape)
    expanded[dimension] = shape[dimension]
    return np.broadcast_to(r.reshape(expanded), shape)


iota_p = standard_primitive(
    "iota",
    _iota_impl,
    lambda dtype, shape, dimension: core.ShapedArray(shape, dtype, False),
)


def iota(dtype, size):
    return iota_p.bind(dtype=dtypes.check_dtype(dtype), shape=(int(size),), dimension=0)


def broadcasted_iota(dtype, shape, dimension):
    shape = tuple(int(s) for s in shape)
    return iota_p.bind(dtype=dtypes.check_dtype(dtype), shape=shape,
                       dimension=canonical_axis(dimension, len(shape)))  # fmt: skip


__all__ = [n for n in dir() if not n.startswith("_") and n not in (
    "np", "core", "dtypes", "ad", "batching", "ew", "Zero", "instantiate", "standard_primitive",
    "batch_rules", "transpose_rules", "canonical_axis", "as_operand")]  # fmt: skip
