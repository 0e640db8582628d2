"""Structural primitives: dtype conversion, broadcasting, reshaping, transposition, selection,
iota, and the data-movement family (slicing, padding, concatenation, gather/scatter)."""

import builtins as _builtins
import enum as _enum
from collections import namedtuple as _namedtuple

import numpy as np

from .. import core, dtypes
from ..array import Array
from ..errors import (
    JTransTypeError,
    JTransValueError,
    ShapeError,
)
from ..interpreters import ad, batching
from ..lowering import fusion, passes
from ..lowering import indexing as lower_ix
from ..lowering import kernel as K
from . import elementwise as ew
from ._base import (
    Zero,
    as_operand,
    batch_rules,
    canonical_axis,
    instantiate,
    standard_primitive,
    transpose_rules,
)
from .lowerings import clamp_index, identity_if_same, index_in_range, same

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

# compiled: a cast (cheap: recomputed in every fusion that reads it); the identity cast goes
fusion.elementwise_rules[convert_element_type_p] = lambda x, new_dtype, weak_type=False: K.Expr(
    "cast", (x,), np.dtype(new_dtype)
)
fusion.cheap_prims.add(convert_element_type_p)


def _convert_simplify(eqn, producer):
    x = eqn.invars[0]
    return x if x.aval.dtype == eqn.outvars[0].aval.dtype and type(x) is core.Var else None


passes.simplify_rules[convert_element_type_p] = _convert_simplify


# ---------------------------------------------------------------------------------------------
# bitcast_convert_type: the operand's bits read as new_dtype (little-endian, as XLA on the
# host). Equal widths keep the shape; a narrower type adds a trailing axis of width ratio; a
# wider one consumes a trailing axis of exactly that ratio. Not differentiable; no compiled
# rendering (jit runs it as a host step).


def _bitcast_bits(dt):
    return 1 if dt == dtypes.bool_ else np.dtype(dt).itemsize * 8


def _bitcast_impl(x, new_dtype):
    x = np.ascontiguousarray(x) if x.ndim else np.asarray(x)
    old, new = _bitcast_bits(x.dtype), _bitcast_bits(new_dtype)
    if old == new:
        return x.view(new_dtype).copy()
    if old > new:
        return x.reshape(x.shape + (1,)).view(new_dtype).copy()
    return x.view(new_dtype).reshape(x.shape[:-1]).copy()


def _bitcast_abstract(x, new_dtype):
    special = dtypes.bool_ in (x.dtype, new_dtype) or "c" in (x.dtype.kind, new_dtype.kind)
    if special and x.dtype != new_dtype:
        raise JTransTypeError(
            "lax.bitcast_convert_type does not support bool or complex values unless the "
            f"operand and destination types match, got {x.dtype} and {new_dtype}; use "
            "x.view(dtype) instead"
        )
    old, new = _bitcast_bits(x.dtype), _bitcast_bits(new_dtype)
    if old == new:
        shape = x.shape
    elif old > new:
        shape = x.shape + (old // new,)
    else:
        last = x.shape[-1] if x.shape else 1
        if last * old != new:
            raise ShapeError(
                f"bitcast_convert_type from {x.dtype} ({old} bits) to {new_dtype} ({new} bits) "
                f"needs a last axis of size {new // old}, got shape {x.shape}"
            )
        shape = x.shape[:-1]
    return core.ShapedArray(shape, new_dtype, False)


bitcast_convert_type_p = standard_primitive(
    "bitcast_convert_type", _bitcast_impl, _bitcast_abstract
)


def bitcast_convert_type(operand, new_dtype):
    """The bits of `operand` reinterpreted as `new_dtype` (see the shape rule above)."""
    return bitcast_convert_type_p.bind(as_operand(operand), new_dtype=dtypes.check_dtype(new_dtype))


def _bitcast_batch(vals, dims, new_dtype):
    (x,), (bdim,) = vals, dims
    if bdim == core.get_aval(x).ndim - 1:  # the trailing axis may change: batch elsewhere
        x, bdim = batching.moveaxis(x, bdim, 0), 0
    return bitcast_convert_type_p.bind(x, new_dtype=new_dtype), bdim


ad.defnondiff(bitcast_convert_type_p)
batch_rules[bitcast_convert_type_p] = _bitcast_batch

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
        raise ShapeError(
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
    dims = broadcast_dimensions
    if len(set(dims)) == len(dims) == core.get_aval(x).ndim and list(dims) != sorted(dims):
        # JAX allows an implicit transpose: the primitive keeps its dimensions increasing
        perm = tuple(sorted(range(len(dims)), key=dims.__getitem__))
        x, broadcast_dimensions = transpose(x, perm), tuple(sorted(dims))
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
    out = broadcast_in_dim(fill, shape, ())
    if type(out) is Array and not out._value.flags.c_contiguous:
        # eager: a dense buffer, as JAX's (a stride-0 view would make every jit call copy it)
        out = Array(np.ascontiguousarray(out._value), out.weak_type)
    return out


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


# compiled: an index map; the identity broadcast goes
def _bid_index(idx, in_avals, out_aval, shape, broadcast_dimensions):
    x = in_avals[0]
    dims = [K.iconst(0) if x.shape[i] == 1 else idx.dims[d]
            for i, d in enumerate(broadcast_dimensions)]  # fmt: skip
    return [K.Index(dims)]


fusion.index_rules[broadcast_in_dim_p] = _bid_index
fusion.keeps_order_rules[broadcast_in_dim_p] = lambda eqn: (  # only unit axes added, in order
    list(eqn.params["broadcast_dimensions"]) == sorted(eqn.params["broadcast_dimensions"])
    and eqn.invars[0].aval.size == eqn.outvars[0].aval.size
)
passes.simplify_rules[broadcast_in_dim_p] = identity_if_same


# ---------------------------------------------------------------------------------------------
# reshape


def _reshape_abstract(x, new_sizes, dimensions=None):
    if int(np.prod(new_sizes, dtype=np.int64)) != x.size:
        raise ShapeError(f"cannot reshape an array of shape {x.shape} (size {x.size}) "
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


# compiled: an index map (through the flat index unless only unit axes change); the identity
# reshape goes and a chain of reshapes becomes one
def _reshape_index(idx, in_avals, out_aval, **params):
    x = in_avals[0]
    squeezed_in = [n for n in x.shape if n != 1]
    squeezed_out = [n for n in out_aval.shape if n != 1]
    flat = idx.flat
    if squeezed_in == squeezed_out:  # only unit axes change: no division
        it = iter(d for d, n in zip(idx.dims, out_aval.shape) if n != 1)
        return [K.Index([K.iconst(0) if n == 1 else next(it) for n in x.shape], flat)]
    if flat is None:
        flat = K.linearize(idx.dims, out_aval.shape)
    return [K.Index(K.delinearize(flat, x.shape), flat)]


fusion.index_rules[reshape_p] = _reshape_index
fusion.keeps_order_rules[reshape_p] = lambda eqn: eqn.params["dimensions"] is None


def _reshape_simplify(eqn, producer):
    x = eqn.invars[0]
    if same(x, eqn.outvars[0]) and type(x) is core.Var:
        return x
    p = producer(x)
    if p is not None and p.prim in (reshape_p, squeeze_p):  # a chain of reshapes
        return eqn.replace(invars=[p.invars[0]], params=dict(new_sizes=eqn.outvars[0].aval.shape,
                                                             dimensions=None))  # fmt: skip
    return None


passes.simplify_rules[reshape_p] = _reshape_simplify


# ---------------------------------------------------------------------------------------------
# transpose


def _transpose_abstract(x, permutation):
    if sorted(permutation) != list(range(x.ndim)):
        raise ShapeError(
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
    if permutation == tuple(range(core.get_aval(x).ndim)):
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


# compiled: an index map; the identity permutation goes, a transpose of a transpose composes
def _transpose_index(idx, in_avals, out_aval, permutation):
    dims = [None] * len(permutation)
    for j, p in enumerate(permutation):
        dims[p] = idx.dims[j]
    return [K.Index(dims)]


fusion.index_rules[transpose_p] = _transpose_index


def _transpose_simplify(eqn, producer):
    x = eqn.invars[0]
    perm = eqn.params["permutation"]
    if list(perm) == list(range(len(perm))):
        return x
    p = producer(x)
    if p is not None and p.prim is transpose_p:  # transpose of transpose
        inner = p.params["permutation"]
        composed = tuple(inner[i] for i in perm)
        return eqn.replace(invars=[p.invars[0]], params=dict(permutation=composed))
    return None


passes.simplify_rules[transpose_p] = _transpose_simplify


# ---------------------------------------------------------------------------------------------
# squeeze / expand_dims


def _squeeze_abstract(x, dimensions):
    for d in dimensions:
        if x.shape[d] != 1:
            raise ShapeError(
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


# compiled: squeeze is a reshape (an index map); the identity squeeze goes
fusion.index_rules[squeeze_p] = lambda idx, in_avals, out_aval, dimensions: _reshape_index(
    idx, in_avals, out_aval
)
passes.simplify_rules[squeeze_p] = identity_if_same
fusion.keeps_order_rules[squeeze_p] = lambda eqn: True


# ---------------------------------------------------------------------------------------------
# select_n


def _select_n_impl(which, *cases):
    if which.dtype == np.bool_:
        return np.where(which, cases[1], cases[0]) if len(cases) == 2 else cases[0]
    return np.choose(which, cases) if np.ndim(which) else cases[int(which)]


def _select_n_abstract(which, *cases):
    if not cases:
        raise ShapeError("select_n needs at least one case")
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


# compiled: a chain of scalar selects
def _select_n_rule(which, *cases):
    if which.dtype == K.BOOL:
        return cases[0] if len(cases) == 1 else K.Expr("select", (which, cases[1], cases[0]),
                                                        cases[0].dtype)  # fmt: skip
    out = cases[0]
    for i, c in enumerate(cases[1:], 1):
        out = K.Expr("select", (K.op("eq", which, K.const(i, which.dtype)), c, out), c.dtype)
    return out


fusion.elementwise_rules[select_n_p] = _select_n_rule


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


# compiled: the loop index, cast (cheap: recomputed in every fusion that reads it)
def _iota_rule(read, idx, in_avals, out_aval, dtype, shape, dimension):
    return K.Expr("cast", (idx.dims[dimension],), np.dtype(dtype))


fusion.fused_rules[iota_p] = _iota_rule
fusion.cheap_prims.add(iota_p)


# ---------------------------------------------------------------------------------------------
# data movement: rev, pad, concatenate, slice, dynamic_slice, dynamic_update_slice, gather and
# the scatter family. All are linear in their array operand(s); index operands are integers
# and never differentiated.


def _int_operand(i, what):
    i = as_operand(i)
    aval = core.get_aval(i)
    if aval.dtype.kind not in "iu":
        raise JTransTypeError(f"{what} must be integers, got dtype {aval.dtype.name}")
    return i


def _not_zero(t):
    return type(t) is not Zero


# ---------------------------------------------------------------------------------------------
# rev


def _rev_abstract(x, dimensions):
    if any(not 0 <= d < x.ndim for d in dimensions) or len(set(dimensions)) != len(dimensions):
        raise ShapeError(
            f"rev dimensions {dimensions} must be distinct axes of an array of rank {x.ndim}"
        )
    return x


rev_p = standard_primitive("rev", lambda x, dimensions: np.flip(x, dimensions), _rev_abstract)


def rev(operand, dimensions):
    """Reverses `operand` along each axis in `dimensions`."""
    operand = as_operand(operand)
    nd = core.get_aval(operand).ndim
    dimensions = tuple(sorted(canonical_axis(d, nd) for d in dimensions))
    if not dimensions:
        return operand
    return rev_p.bind(operand, dimensions=dimensions)


ad.deflinear(rev_p, lambda ct, x, dimensions: [rev(ct, dimensions)])
batch_rules[rev_p] = lambda vals, dims, dimensions: (
    rev(vals[0], tuple(d + (d >= dims[0]) for d in dimensions)),
    dims[0],
)


# compiled: an index map
def _rev_index(idx, in_avals, out_aval, dimensions):
    n = in_avals[0].shape
    dims = [K.iadd(K.iconst(n[i] - 1), K.imul(d, -1)) if i in dimensions else d
            for i, d in enumerate(idx.dims)]  # fmt: skip
    return [K.Index(dims)]


fusion.index_rules[rev_p] = _rev_index


# ---------------------------------------------------------------------------------------------
# pad: (lo, hi, interior) per axis; negative lo/hi remove elements


def _pad_impl(x, padding_value, padding_config):
    pv = np.asarray(padding_value, x.dtype)
    for d, (lo, hi, interior) in enumerate(padding_config):
        n = x.shape[d]
        if interior > 0 and n > 1:
            shape = list(x.shape)
            shape[d] = n + (n - 1) * interior
            y = np.full(shape, pv, x.dtype)
            idx = [_builtins.slice(None)] * x.ndim
            idx[d] = _builtins.slice(None, None, interior + 1)
            y[tuple(idx)] = x
            x = y
        parts = []
        if lo > 0:
            parts.append(np.full(x.shape[:d] + (lo,) + x.shape[d + 1 :], pv, x.dtype))
        parts.append(x)
        if hi > 0:
            parts.append(np.full(x.shape[:d] + (hi,) + x.shape[d + 1 :], pv, x.dtype))
        x = np.concatenate(parts, axis=d) if len(parts) > 1 else x
        idx = [_builtins.slice(None)] * x.ndim
        idx[d] = _builtins.slice(-lo if lo < 0 else 0, x.shape[d] + hi if hi < 0 else None)
        x = x[tuple(idx)]
    return np.asarray(x)


def _pad_abstract(x, padding_value, padding_config):
    if padding_value.shape != ():
        raise ShapeError(f"pad: padding_value must be a scalar, got shape {padding_value.shape}")
    if padding_value.dtype != x.dtype:
        raise JTransTypeError(
            f"pad: padding_value dtype {padding_value.dtype.name} differs from the operand's "
            f"{x.dtype.name}; convert one of them"
        )
    if len(padding_config) != x.ndim:
        raise ShapeError(
            f"pad: padding_config has {len(padding_config)} entries for an operand of rank "
            f"{x.ndim}; give one (lo, hi, interior) triple per axis"
        )
    shape = []
    for n, (lo, hi, interior) in zip(x.shape, padding_config):
        if interior < 0:
            raise ShapeError(f"pad: interior padding must be >= 0, got {padding_config}")
        out = lo + hi + n + max(n - 1, 0) * interior
        if out < 0:
            raise ShapeError(
                f"pad: padding_config {padding_config} gives a negative size for an operand "
                f"of shape {x.shape}"
            )
        shape.append(out)
    return core.ShapedArray(shape, x.dtype, x.weak_type)


pad_p = standard_primitive("pad", _pad_impl, _pad_abstract)


def pad(operand, padding_value, padding_config):
    """Pads `operand` with the scalar `padding_value`; `padding_config` holds one
    (low, high, interior) triple per axis. Negative low/high remove elements."""
    operand = as_operand(operand)
    padding_value = as_operand(padding_value)
    op_dt, pv_dt = core.get_aval(operand).dtype, core.get_aval(padding_value).dtype
    if op_dt != pv_dt:  # no promotion, as JAX (a Python 0 is int32, 0.0 float32)
        raise JTransTypeError(
            f"pad operand and padding_value must be same dtype: got {op_dt} and {pv_dt}; "
            "convert padding_value (e.g. lax.full((), 0, operand.dtype))"
        )
    config = tuple((int(lo), int(hi), int(i)) for lo, hi, i in padding_config)
    return pad_p.bind(operand, padding_value, padding_config=config)


def _pad_transpose(ct, operand, padding_value, padding_config):
    from .reductions import reduce_sum

    unpadded = pad(
        ct, full((), 0, core.get_aval(ct).dtype), [(-lo, -hi, 0) for lo, hi, _ in padding_config]
    )
    shape = core.get_aval(unpadded).shape
    t_op = slice(unpadded, [0] * len(shape), shape, [i + 1 for _, _, i in padding_config])
    t_pv = None
    if ad.is_undefined_primal(padding_value):
        t_pv = ew.sub(reduce_sum(ct), reduce_sum(t_op))
    return [t_op if ad.is_undefined_primal(operand) else None, t_pv]


def _pad_batch(vals, dims, padding_config):
    (x, pv), (xd, pvd) = vals, dims
    if pvd is None:
        config = list(padding_config)
        config.insert(xd, (0, 0, 0))
        return pad(x, pv, config), xd
    size = batching.current_axis_size()
    x = batching.bdim_at_front(x, xd, size)
    config = [(0, 0, 0)] + list(padding_config)
    shape = core.get_aval(x).shape
    mask = pad(full(shape, False), True, config)
    out_shape = core.get_aval(mask).shape
    pv = broadcast_in_dim(batching.moveaxis(pv, pvd, 0), out_shape, (0,))
    return select(mask, pv, pad(x, full((), 0, core.get_aval(x).dtype), config)), 0


ad.deflinear(pad_p, _pad_transpose)
batch_rules[pad_p] = _pad_batch


# compiled: a fused rule reading the operand where the index falls on it, else the padding value
def _pad_rule(read, idx, in_avals, out_aval, padding_config):
    x = in_avals[0]
    pv = read(1, K.Index((), K.iconst(0)))
    if x.size == 0:
        return pv
    ok, dims = None, []
    for d, n, (lo, hi, interior) in zip(idx.dims, x.shape, padding_config):
        step = interior + 1
        rel = K.iadd(d, K.iconst(-lo))
        span = (n - 1) * step + 1
        cond = index_in_range(rel, 0, span)
        if step > 1:
            cond = K.op("and", cond, K.op("eq", K.Expr("rem", (K.op("max", rel, K.iconst(0)),
                                                               K.iconst(step)), K.I64),
                                          K.iconst(0)))  # fmt: skip
            rel = K.Expr("div", (rel, K.iconst(step)), K.I64)
        dims.append(clamp_index(rel, n))
        ok = cond if ok is None else K.op("and", ok, cond)
    v = read(0, K.Index(dims))
    return v if ok is None else K.Expr("select", (ok, v, pv), v.dtype)


fusion.fused_rules[pad_p] = _pad_rule


# ---------------------------------------------------------------------------------------------
# concatenate


def _concatenate_abstract(*xs, dimension):
    if not xs:
        raise ShapeError("concatenate needs at least one operand")
    x0 = xs[0]
    if x0.ndim == 0 or not 0 <= dimension < x0.ndim:
        raise ShapeError(
            f"concatenate dimension {dimension} is out of bounds for operands of rank {x0.ndim}"
        )
    for x in xs[1:]:
        if x.dtype != x0.dtype:
            raise JTransTypeError(
                "concatenate operands must have the same dtype, got "
                + ", ".join(a.dtype.name for a in xs)
            )
        if x.ndim != x0.ndim or any(
            a != b for i, (a, b) in enumerate(zip(x.shape, x0.shape)) if i != dimension
        ):
            raise ShapeError(
                f"concatenate operands must have equal shapes except along dimension "
                f"{dimension}, got " + ", ".join(str(a.shape) for a in xs)
            )
    shape = list(x0.shape)
    shape[dimension] = sum(x.shape[dimension] for x in xs)
    return core.ShapedArray(shape, x0.dtype, all(x.weak_type for x in xs))


concatenate_p = standard_primitive(
    "concatenate", lambda *xs, dimension: np.concatenate(xs, axis=dimension), _concatenate_abstract
)


def concatenate(operands, dimension):
    """Concatenates a sequence of same-dtype arrays along axis `dimension`."""
    operands = [as_operand(x) for x in operands]
    if not operands:
        raise ShapeError("concatenate needs at least one operand")
    dimension = canonical_axis(dimension, core.get_aval(operands[0]).ndim, "dimension")
    if len(operands) == 1:
        return operands[0]
    return concatenate_p.bind(*operands, dimension=dimension)


def _concatenate_transpose(ct, *xs, dimension):
    out, start = [], 0
    for x in xs:
        aval = x.aval if ad.is_undefined_primal(x) else core.get_aval(x)
        n = aval.shape[dimension]
        out.append(slice_in_dim(ct, start, start + n, axis=dimension)
                   if ad.is_undefined_primal(x) else None)  # fmt: skip
        start += n
    return out


def _concatenate_batch(vals, dims, dimension):
    size = batching.current_axis_size()
    vals = [batching.bdim_at_front(v, d, size) for v, d in zip(vals, dims)]
    return concatenate(vals, dimension + 1), 0


ad.deflinear(concatenate_p, _concatenate_transpose)
batch_rules[concatenate_p] = _concatenate_batch


# compiled: a fused rule selecting the operand the index falls in
def _concatenate_rule(read, idx, in_avals, out_aval, dimension):
    out, start = None, 0
    d = idx.dims[dimension]
    for i, x in enumerate(in_avals):
        n = x.shape[dimension]
        if n == 0:
            continue
        dims = list(idx.dims)
        dims[dimension] = clamp_index(K.iadd(d, K.iconst(-start)), n)
        v = read(i, K.Index(dims))
        out = v if out is None else K.Expr("select", (K.op("lt", d, K.iconst(start)), out, v),
                                           v.dtype)  # fmt: skip
        start += n
    return out


fusion.fused_rules[concatenate_p] = _concatenate_rule


# ---------------------------------------------------------------------------------------------
# slice (static start/limit/strides)


def _slice_impl(x, start_indices, limit_indices, strides):
    st = strides or (1,) * x.ndim
    return np.asarray(
        x[tuple(_builtins.slice(a, b, s) for a, b, s in zip(start_indices, limit_indices, st))]
    )


def _slice_abstract(x, start_indices, limit_indices, strides):
    st = strides or (1,) * x.ndim
    if not len(start_indices) == len(limit_indices) == len(st) == x.ndim:
        raise ShapeError(
            f"slice: start_indices {start_indices}, limit_indices {limit_indices} and strides "
            f"{strides} must each have one entry per axis of the operand of shape {x.shape}"
        )
    shape = []
    for n, a, b, s in zip(x.shape, start_indices, limit_indices, st):
        if not 0 <= a <= b <= n or s < 1:
            raise ShapeError(
                f"slice: invalid start_indices {start_indices} / limit_indices {limit_indices} "
                f"/ strides {strides} for an operand of shape {x.shape}: need "
                "0 <= start <= limit <= size and stride >= 1"
            )
        shape.append((b - a + s - 1) // s)
    return core.ShapedArray(shape, x.dtype, x.weak_type)


slice_p = standard_primitive("slice", _slice_impl, _slice_abstract)


def slice(operand, start_indices, limit_indices, strides=None):
    """operand[start:limit:stride] along every axis (static bounds)."""
    operand = as_operand(operand)
    start = tuple(int(i) for i in start_indices)
    limit = tuple(int(i) for i in limit_indices)
    strides = None if strides is None else tuple(int(s) for s in strides)
    if strides is not None and all(s == 1 for s in strides):
        strides = None
    shape = core.get_aval(operand).shape
    if strides is None and start == (0,) * len(shape) and limit == shape:
        return operand
    return slice_p.bind(operand, start_indices=start, limit_indices=limit, strides=strides)


def _slice_transpose(ct, x, start_indices, limit_indices, strides):
    shape = x.aval.shape
    st = strides or (1,) * len(shape)
    out_shape = core.get_aval(ct).shape
    config = []
    for n, a, s, m in zip(shape, start_indices, st, out_shape):
        real_limit = a + (m - 1) * s + 1 if m > 0 else a
        config.append((a, n - real_limit, s - 1 if m > 0 else 0))
    return [pad(ct, full((), 0, core.get_aval(ct).dtype), config)]


def _slice_batch(vals, dims, start_indices, limit_indices, strides):
    (x,), (d,) = vals, dims
    size = core.get_aval(x).shape[d]
    start, limit = list(start_indices), list(limit_indices)
    start.insert(d, 0)
    limit.insert(d, size)
    st = None
    if strides is not None:
        st = list(strides)
        st.insert(d, 1)
    return slice(x, start, limit, st), d


ad.deflinear(slice_p, _slice_transpose)
batch_rules[slice_p] = _slice_batch


def slice_in_dim(operand, start_index, limit_index, stride=1, axis=0):
    """lax.slice along one axis (None start/limit mean the ends; negative ones count back)."""
    operand = as_operand(operand)
    shape = core.get_aval(operand).shape
    axis = canonical_axis(axis, len(shape))
    n = shape[axis]
    start = 0 if start_index is None else int(start_index)
    limit = n if limit_index is None else int(limit_index)
    start = start + n if start < 0 else start
    limit = limit + n if limit < 0 else limit
    starts, limits, strides = [0] * len(shape), list(shape), [1] * len(shape)
    starts[axis], limits[axis], strides[axis] = start, limit, int(stride)
    return slice(operand, starts, limits, strides)


def index_in_dim(operand, index, axis=0, keepdims=True):
    """operand[index] along `axis` (static index; negative counts back)."""
    operand = as_operand(operand)
    shape = core.get_aval(operand).shape
    axis = canonical_axis(axis, len(shape))
    n = shape[axis]
    index = int(index)
    if not -n <= index < n:
        raise IndexError(f"index {index} is out of bounds for axis {axis} with size {n}")
    index = index % n
    out = slice_in_dim(operand, index, index + 1, 1, axis)
    return out if keepdims else squeeze(out, (axis,))


# compiled: an index map
def _slice_index(idx, in_avals, out_aval, start_indices, limit_indices, strides):
    st_ = strides or (1,) * len(start_indices)
    dims = [K.iadd(K.iconst(a), K.imul(d, s)) for d, a, s in zip(idx.dims, start_indices, st_)]
    return [K.Index(dims)]


fusion.index_rules[slice_p] = _slice_index


# ---------------------------------------------------------------------------------------------
# dynamic_slice / dynamic_update_slice: traced scalar starts, clamped into bounds like XLA


def _clamped_starts(shape, starts, sizes):
    return [int(np.clip(int(s), 0, n - k)) for n, s, k in zip(shape, starts, sizes)]


def _dynamic_slice_impl(x, *starts, slice_sizes):
    st = _clamped_starts(x.shape, starts, slice_sizes)
    return np.asarray(x[tuple(_builtins.slice(a, a + k) for a, k in zip(st, slice_sizes))])


def _check_starts(name, x, starts):
    if len(starts) != x.ndim:
        raise ShapeError(
            f"{name}: got {len(starts)} start indices for an operand of rank {x.ndim}; give "
            "one scalar start per axis"
        )
    for s in starts:
        if s.shape != () or s.dtype.kind not in "iu":
            raise JTransTypeError(
                f"{name}: start indices must be integer scalars, got {s.str_short()}"
            )


def _dynamic_slice_abstract(x, *starts, slice_sizes):
    _check_starts("dynamic_slice", x, starts)
    if len(slice_sizes) != x.ndim or any(not 0 <= k <= n for k, n in zip(slice_sizes, x.shape)):
        raise ShapeError(
            f"dynamic_slice: slice_sizes {slice_sizes} must give one size per axis, each at "
            f"most the operand's size {x.shape}"
        )
    return core.ShapedArray(slice_sizes, x.dtype, x.weak_type)


dynamic_slice_p = standard_primitive("dynamic_slice", _dynamic_slice_impl, _dynamic_slice_abstract)


def _normalize_starts(operand, start_indices, what, allow_negative_indices=True):
    """Scalar int32 starts, one per axis; negative starts count back from the end (unless
    allow_negative_indices is False for that axis: then they are clamped to 0 as in XLA, and
    a concrete one is an error, as in JAX)."""
    shape = core.get_aval(operand).shape
    if isinstance(start_indices, (core.Tracer, Array, np.ndarray)):
        a = core.get_aval(start_indices)
        if a.ndim != 1:
            raise ShapeError(f"{what}: start_indices must be a sequence or 1-D array")
        start_indices = [
            reshape(slice(start_indices, (i,), (i + 1,)), ()) for i in range(a.shape[0])
        ]
    start_indices = list(start_indices)
    if len(start_indices) != len(shape):
        raise ShapeError(
            f"{what}: got {len(start_indices)} start indices for an operand of shape {shape}; "
            "give one per axis"
        )
    if isinstance(allow_negative_indices, (bool, np.bool_)):
        allow = [bool(allow_negative_indices)] * len(shape)
    else:
        allow = [bool(b) for b in allow_negative_indices]
        if len(allow) != len(shape):
            raise ShapeError(
                f"{what}: allow_negative_indices has {len(allow)} entries for an operand of "
                f"rank {len(shape)}"
            )
    out = []
    for s, n, neg_ok in zip(start_indices, shape, allow):
        if isinstance(s, (int, np.integer)):
            s = int(s)
            if s < 0 and not neg_ok:
                raise JTransValueError(
                    f"Index {s} is out of bounds for dimension {n} if allow_negative_indices=False"
                )
            out.append(as_operand(np.int32(s + n if s < 0 else s)))
            continue
        s = convert_element_type(_int_operand(s, f"{what} start indices"), dtypes.int32)
        if not neg_ok:
            out.append(s)
            continue
        out.append(
            select(ew.lt(s, full((), 0, dtypes.int32)), ew.add(s, full((), n, dtypes.int32)), s)
        )
    return out


def dynamic_slice(operand, start_indices, slice_sizes, *, allow_negative_indices=True):
    """The slice of `operand` of size `slice_sizes` starting at the (traced) `start_indices`;
    starts are clamped so the slice stays in bounds, as in XLA."""
    operand = as_operand(operand)
    starts = _normalize_starts(operand, start_indices, "dynamic_slice", allow_negative_indices)
    return dynamic_slice_p.bind(operand, *starts, slice_sizes=tuple(int(k) for k in slice_sizes))


def _dynamic_slice_jvp(primals, tangents, slice_sizes):
    out = dynamic_slice_p.bind(*primals, slice_sizes=slice_sizes)
    g = tangents[0]
    if type(g) is Zero:
        return out, Zero(ad.tangent_aval(core.get_aval(out)))
    return out, dynamic_slice_p.bind(g, *primals[1:], slice_sizes=slice_sizes)


def _dynamic_slice_transpose(ct, operand, *starts, slice_sizes):
    zeros = full(operand.aval.shape, 0, core.get_aval(ct).dtype)
    return [dynamic_update_slice_p.bind(zeros, ct, *starts)] + [None] * len(starts)


def _index_vector(starts, dims, size):
    """The starts as one (B, r) int32 index array, batched at 0."""
    cols = []
    for s, d in zip(starts, dims):
        s = batching.bdim_at_front(s, d, size)
        cols.append(reshape(s, (size, 1)))
    return concatenate(cols, 1)


def _dynamic_slice_batch(vals, dims, slice_sizes):
    (x, *starts), (xd, *sds) = vals, dims
    size = batching.current_axis_size()
    r = len(slice_sizes)
    if all(d is None for d in sds):
        x = batching.moveaxis(x, xd, 0)
        zero = as_operand(np.int32(0))
        return dynamic_slice_p.bind(x, zero, *starts, slice_sizes=(size,) + slice_sizes), 0
    idx = _index_vector(starts, sds, size)
    dn = GatherDimensionNumbers(tuple(range(r)), (), tuple(range(r)))
    params = {"dimension_numbers": dn, "slice_sizes": slice_sizes, "mode": GatherScatterMode.CLIP,
                  "fill_value": None, "indices_are_sorted": False, "unique_indices": False}  # fmt: skip
    return _gather_batch([x, idx], [xd, 0], **params)


ad.jvp_rules[dynamic_slice_p] = _dynamic_slice_jvp
transpose_rules[dynamic_slice_p] = _dynamic_slice_transpose
batch_rules[dynamic_slice_p] = _dynamic_slice_batch
fusion.fused_rules[dynamic_slice_p] = lower_ix.dynamic_slice_rule  # an index map, clamped


def _dynamic_update_slice_impl(x, update, *starts):
    st = _clamped_starts(x.shape, starts, update.shape)
    out = x.copy()
    out[tuple(_builtins.slice(a, a + k) for a, k in zip(st, update.shape))] = update
    return out


def _dynamic_update_slice_abstract(x, update, *starts):
    _check_starts("dynamic_update_slice", x, starts)
    if update.dtype != x.dtype:
        raise JTransTypeError(
            f"dynamic_update_slice: update dtype {update.dtype.name} differs from the "
            f"operand's {x.dtype.name}"
        )
    if update.ndim != x.ndim or any(u > n for u, n in zip(update.shape, x.shape)):
        raise ShapeError(
            f"dynamic_update_slice: update of shape {update.shape} does not fit in an operand "
            f"of shape {x.shape} (same rank, each size at most the operand's)"
        )
    return core.ShapedArray(x.shape, x.dtype, x.weak_type)


dynamic_update_slice_p = standard_primitive(
    "dynamic_update_slice", _dynamic_update_slice_impl, _dynamic_update_slice_abstract
)


def dynamic_update_slice(operand, update, start_indices, *, allow_negative_indices=True):
    """`operand` with `update` written at the (traced, clamped) `start_indices`."""
    operand = as_operand(operand)
    update = as_operand(update, core.get_aval(operand).dtype)
    starts = _normalize_starts(operand, start_indices, "dynamic_update_slice",
                               allow_negative_indices)  # fmt: skip
    return dynamic_update_slice_p.bind(operand, update, *starts)


def _dynamic_update_slice_jvp(primals, tangents):
    out = dynamic_update_slice_p.bind(*primals)
    g_op, g_up = tangents[:2]
    if type(g_op) is Zero and type(g_up) is Zero:
        return out, Zero(ad.tangent_aval(core.get_aval(out)))
    g_op, g_up = instantiate(g_op), instantiate(g_up)
    return out, dynamic_update_slice_p.bind(g_op, g_up, *primals[2:])


def _dynamic_update_slice_transpose(ct, operand, update, *starts):
    up_aval = update.aval if ad.is_undefined_primal(update) else core.get_aval(update)
    ct_op = ct_up = None
    if ad.is_undefined_primal(operand):
        zeros = full(up_aval.shape, 0, core.get_aval(ct).dtype)
        ct_op = dynamic_update_slice_p.bind(ct, zeros, *starts)
    if ad.is_undefined_primal(update):
        ct_up = dynamic_slice_p.bind(ct, *starts, slice_sizes=up_aval.shape)
    return [ct_op, ct_up] + [None] * len(starts)


def _dynamic_update_slice_batch(vals, dims):
    (x, up, *starts), (xd, ud, *sds) = vals, dims
    size = batching.current_axis_size()
    x = batching.bdim_at_front(x, xd, size)
    up = batching.bdim_at_front(up, ud, size)
    if all(d is None for d in sds):
        zero = as_operand(np.int32(0))
        return dynamic_update_slice_p.bind(x, up, zero, *starts), 0
    r = len(starts)
    idx = _index_vector(starts, sds, size)
    dn = ScatterDimensionNumbers(tuple(range(r)), (), tuple(range(r)))
    params = {"dimension_numbers": dn, "indices_are_sorted": True, "unique_indices": True,
                  "mode": GatherScatterMode.CLIP}  # fmt: skip
    return _scatter_batch(scatter_p)([x, idx, up], [0, 0, 0], **params)


ad.jvp_rules[dynamic_update_slice_p] = _dynamic_update_slice_jvp
transpose_rules[dynamic_update_slice_p] = _dynamic_update_slice_transpose
batch_rules[dynamic_update_slice_p] = _dynamic_update_slice_batch
fusion.fused_rules[dynamic_update_slice_p] = lower_ix.dynamic_update_slice_rule


def dynamic_slice_in_dim(operand, start_index, slice_size, axis=0, *,
                         allow_negative_indices=True):  # fmt: skip
    operand = as_operand(operand)
    shape = core.get_aval(operand).shape
    axis = canonical_axis(axis, len(shape))
    starts = [0] * len(shape)
    starts[axis] = start_index
    sizes = list(shape)
    sizes[axis] = int(slice_size)
    return dynamic_slice(operand, starts, sizes, allow_negative_indices=allow_negative_indices)


def dynamic_index_in_dim(operand, index, axis=0, keepdims=True, *,
                         allow_negative_indices=True):  # fmt: skip
    operand = as_operand(operand)
    axis = canonical_axis(axis, core.get_aval(operand).ndim)
    out = dynamic_slice_in_dim(operand, index, 1, axis,
                               allow_negative_indices=allow_negative_indices)  # fmt: skip
    return out if keepdims else squeeze(out, (axis,))


def dynamic_update_slice_in_dim(operand, update, start_index, axis, *,
                                allow_negative_indices=True):  # fmt: skip
    operand = as_operand(operand)
    nd = core.get_aval(operand).ndim
    axis = canonical_axis(axis, nd)
    starts = [0] * nd
    starts[axis] = start_index
    return dynamic_update_slice(operand, update, starts,
                                allow_negative_indices=allow_negative_indices)  # fmt: skip


def dynamic_update_index_in_dim(operand, update, index, axis, *,
                                allow_negative_indices=True):  # fmt: skip
    operand = as_operand(operand)
    axis = canonical_axis(axis, core.get_aval(operand).ndim)
    update = as_operand(update, core.get_aval(operand).dtype)
    if core.get_aval(update).ndim == core.get_aval(operand).ndim - 1:
        update = expand_dims(update, (axis,))
    return dynamic_update_slice_in_dim(operand, update, index, axis,
                                       allow_negative_indices=allow_negative_indices)  # fmt: skip


def collapse(operand, start_dimension, stop_dimension=None):
    """Merges axes [start_dimension, stop_dimension) into one."""
    operand = as_operand(operand)
    shape = core.get_aval(operand).shape
    nd = len(shape)
    lo = canonical_axis(start_dimension, nd) if nd else 0
    hi = (
        nd
        if stop_dimension is None
        else (stop_dimension + nd if stop_dimension < 0 else stop_dimension)
    )
    size = int(np.prod(shape[lo:hi], dtype=np.int64))
    return reshape(operand, shape[:lo] + (size,) + shape[hi:])


# ---------------------------------------------------------------------------------------------
# gather / scatter: JAX's general forms. The index vector is the last axis of the indices.


class GatherDimensionNumbers(_namedtuple("GatherDimensionNumbers", [
        "offset_dims", "collapsed_slice_dims", "start_index_map", "operand_batching_dims",
        "start_indices_batching_dims"], defaults=((), ()))):  # fmt: skip
    """offset_dims: output axes of the slice axes that are kept; collapsed_slice_dims: operand
    axes sliced to size 1 and dropped; start_index_map: the operand axis each index-vector
    entry addresses; operand_batching_dims / start_indices_batching_dims: operand axes indexed
    in lockstep with axes of the indices (batched gathers)."""


class ScatterDimensionNumbers(_namedtuple("ScatterDimensionNumbers", [
        "update_window_dims", "inserted_window_dims", "scatter_dims_to_operand_dims",
        "operand_batching_dims", "scatter_indices_batching_dims"], defaults=((), ()))):  # fmt: skip
    """update_window_dims: axes of `updates` that are window axes; inserted_window_dims:
    operand axes of window size 1 absent from `updates`; scatter_dims_to_operand_dims: the
    operand axis each index-vector entry addresses; operand_batching_dims /
    scatter_indices_batching_dims: operand axes addressed in lockstep with axes of the indices."""


class GatherScatterMode(_enum.Enum):
    """Out-of-bounds behaviour: CLIP clamps start indices into bounds; FILL_OR_DROP returns
    `fill_value` for out-of-bounds gathered slices and drops out-of-bounds scattered updates;
    PROMISE_IN_BOUNDS promises indices are in bounds (here: clamps, like CLIP)."""

    CLIP = "clip"
    FILL_OR_DROP = "fill"
    PROMISE_IN_BOUNDS = "promise_in_bounds"

    @staticmethod
    def from_any(s):
        if isinstance(s, GatherScatterMode):
            return s
        if s == "clip":
            return GatherScatterMode.CLIP
        if s is None or s == "fill" or s == "drop":
            return GatherScatterMode.FILL_OR_DROP
        if s == "promise_in_bounds":
            return GatherScatterMode.PROMISE_IN_BOUNDS
        raise ShapeError(
            f"unknown gather/scatter mode {s!r}; use 'clip', 'fill', 'drop' or 'promise_in_bounds'"
        )

    def __repr__(self):
        return f"GatherScatterMode.{self.name}"

    __str__ = __repr__


def _full_starts(shape, indices, index_map, operand_batching_dims, indices_batching_dims):
    """(N, rank) start positions in the operand for each index vector (N = batch size)."""
    batch_shape = indices.shape[:-1]
    n = int(np.prod(batch_shape, dtype=np.int64))
    starts = np.zeros((n, len(shape)), np.int64)
    flat = indices.reshape(n, indices.shape[-1]).astype(np.int64)
    for k, d in enumerate(index_map):
        starts[:, d] = flat[:, k]
    if operand_batching_dims:
        grid = np.indices(batch_shape).reshape(len(batch_shape), n)
        for od, idd in zip(operand_batching_dims, indices_batching_dims):
            starts[:, od] = grid[idd]
    return starts


def _window_index(starts, sizes):
    """Index arrays addressing, for each of the N starts, the window of `sizes` there."""
    n, r = starts.shape
    ix = []
    for d in range(r):
        s = [1] * (r + 1)
        s[d + 1] = sizes[d]
        ix.append(starts[:, d].reshape((n,) + (1,) * r) + np.arange(sizes[d]).reshape(s))
    return tuple(ix)


def _default_fill(dtype):
    if dtypes.is_inexact(dtype):
        return np.nan
    if dtype == dtypes.bool_:
        return True
    info = np.iinfo(dtype)
    return info.min if dtype.kind == "i" else info.max


def _gather_impl(operand, indices, *, dimension_numbers, slice_sizes, mode, fill_value,
                 indices_are_sorted, unique_indices):  # fmt: skip
    dn = dimension_numbers
    starts = _full_starts(operand.shape, indices, dn.start_index_map, dn.operand_batching_dims,
                          dn.start_indices_batching_dims)  # fmt: skip
    hi = np.asarray(operand.shape, np.int64) - np.asarray(slice_sizes, np.int64)
    oob = np.any((starts < 0) | (starts > hi), axis=1)
    starts = np.clip(starts, 0, hi)
    out = operand[_window_index(starts, slice_sizes)]
    if mode == GatherScatterMode.FILL_OR_DROP and oob.any():
        fill = _default_fill(operand.dtype) if fill_value is None else fill_value
        out[oob] = np.asarray(fill).astype(operand.dtype)
    dropped = set(dn.collapsed_slice_dims) | set(dn.operand_batching_dims)
    offset_sizes = tuple(k for d, k in enumerate(slice_sizes) if d not in dropped)
    batch_shape = indices.shape[:-1]
    out = out.reshape(batch_shape + offset_sizes)
    nb = len(batch_shape)
    perm, b = [], 0
    for p in range(nb + len(offset_sizes)):
        if p in dn.offset_dims:
            perm.append(nb + dn.offset_dims.index(p))
        else:
            perm.append(b)
            b += 1
    # (not np.ascontiguousarray: it makes a rank-0 result rank 1)
    return np.asarray(np.transpose(out, perm), order="C")


def _check_dims(name, what, dims, bound, sort=True):
    if (
        any(not 0 <= d < bound for d in dims)
        or len(set(dims)) != len(dims)
        or (sort and list(dims) != sorted(dims))
    ):
        raise ShapeError(
            f"{name}: {what} {tuple(dims)} must be {'sorted, ' if sort else ''}distinct axes "
            f"in [0, {bound})"
        )


def _check_indices(name, indices, index_map, what):
    if indices.dtype.kind not in "iu":
        raise JTransTypeError(f"{name}: indices must be integers, got {indices.str_short()}")
    if indices.ndim < 1 or indices.shape[-1] != len(index_map):
        raise ShapeError(
            f"{name}: the last axis of the indices ({indices.str_short()}) is the index vector "
            f"and must have size len({what}) = {len(index_map)}"
        )


def _check_batching_dims(name, operand, indices, obd, ibd):
    _check_dims(name, "operand_batching_dims", obd, operand.ndim)
    _check_dims(name, "indices batching dims", ibd, indices.ndim - 1, sort=False)
    if len(obd) != len(ibd) or any(operand.shape[a] != indices.shape[b] for a, b in zip(obd, ibd)):
        raise ShapeError(
            f"{name}: operand_batching_dims {obd} and indices batching dims {ibd} must pair "
            f"axes of equal size (operand {operand.shape}, indices {indices.shape})"
        )


def _gather_abstract(operand, indices, *, dimension_numbers, slice_sizes, mode, fill_value,
                     indices_are_sorted, unique_indices):  # fmt: skip
    dn = dimension_numbers
    _check_indices("gather", indices, dn.start_index_map, "start_index_map")
    _check_dims("gather", "start_index_map", dn.start_index_map, operand.ndim, sort=False)
    _check_dims("gather", "collapsed_slice_dims", dn.collapsed_slice_dims, operand.ndim)
    _check_batching_dims("gather", operand, indices, dn.operand_batching_dims,
                         dn.start_indices_batching_dims)  # fmt: skip
    dropped = set(dn.collapsed_slice_dims) | set(dn.operand_batching_dims)
    if len(slice_sizes) != operand.ndim or any(
        not 0 <= k <= n and not (d in dropped and k == 1)
        for d, (k, n) in enumerate(zip(slice_sizes, operand.shape))
    ):
        raise ShapeError(
            f"gather: slice_sizes {tuple(slice_sizes)} must give one size per operand axis, "
            f"each between 0 and the operand's size {operand.shape}"
        )
    dropped = set(dn.collapsed_slice_dims) | set(dn.operand_batching_dims)
    if len(dropped) != len(dn.collapsed_slice_dims) + len(dn.operand_batching_dims) or any(
        slice_sizes[d] != 1 for d in dropped
    ):
        raise ShapeError(
            "gather: collapsed_slice_dims and operand_batching_dims must be disjoint axes of "
            f"slice size 1, got {dn} with slice_sizes {tuple(slice_sizes)}"
        )
    offset_sizes = [k for d, k in enumerate(slice_sizes) if d not in dropped]
    batch_shape = indices.shape[:-1]
    out_rank = len(batch_shape) + len(offset_sizes)
    if len(dn.offset_dims) != len(offset_sizes):
        raise ShapeError(
            f"gather: offset_dims {dn.offset_dims} must have one entry per kept slice axis "
            f"({len(offset_sizes)})"
        )
    _check_dims("gather", "offset_dims", dn.offset_dims, out_rank)
    shape, b = [], iter(batch_shape)
    for p in range(out_rank):
        shape.append(offset_sizes[dn.offset_dims.index(p)] if p in dn.offset_dims else next(b))
    return core.ShapedArray(shape, operand.dtype, operand.weak_type)


gather_p = standard_primitive("gather", _gather_impl, _gather_abstract)


def _gather_params(dimension_numbers, slice_sizes, mode, fill_value, indices_are_sorted,
                   unique_indices):  # fmt: skip
    dn = GatherDimensionNumbers(*[tuple(int(d) for d in f) for f in dimension_numbers])
    return {"dimension_numbers": dn, "slice_sizes": tuple(int(k) for k in slice_sizes),
                "mode": GatherScatterMode.from_any(mode), "fill_value": fill_value,
                "indices_are_sorted": bool(indices_are_sorted),
                "unique_indices": bool(unique_indices)}  # fmt: skip


def gather(operand, start_indices, dimension_numbers, slice_sizes, *, unique_indices=False,
           indices_are_sorted=False, mode=None, fill_value=None):  # fmt: skip
    """XLA's gather with JAX's signature: slices of `slice_sizes` at the start positions given
    by the index vectors in the last axis of `start_indices` (see GatherDimensionNumbers)."""
    operand = as_operand(operand)
    start_indices = _int_operand(start_indices, "gather indices")
    params = _gather_params(dimension_numbers, slice_sizes, mode, fill_value,
                            indices_are_sorted, unique_indices)  # fmt: skip
    return gather_p.bind(operand, start_indices, **params)


def _gather_to_scatter_dnums(dn):
    return ScatterDimensionNumbers(dn.offset_dims, dn.collapsed_slice_dims, dn.start_index_map,
                                   dn.operand_batching_dims, dn.start_indices_batching_dims)  # fmt: skip


def _scatter_to_gather(dn, operand_shape, updates_shape):
    """The gather dimension numbers and slice sizes reading back what a scatter wrote."""
    gdn = GatherDimensionNumbers(dn.update_window_dims, dn.inserted_window_dims,
                                 dn.scatter_dims_to_operand_dims, dn.operand_batching_dims,
                                 dn.scatter_indices_batching_dims)  # fmt: skip
    sizes, pos = [], 0
    for d in range(len(operand_shape)):
        if d in dn.inserted_window_dims or d in dn.operand_batching_dims:
            sizes.append(1)
        else:
            sizes.append(updates_shape[dn.update_window_dims[pos]])
            pos += 1
    return gdn, tuple(sizes)


def _gather_jvp(primals, tangents, **params):
    out = gather_p.bind(*primals, **params)
    g = tangents[0]
    if type(g) is Zero:
        return out, Zero(ad.tangent_aval(core.get_aval(out)))
    return out, gather_p.bind(g, primals[1], **dict(params, fill_value=0))


def _gather_transpose(ct, operand, indices, *, dimension_numbers, slice_sizes, mode, fill_value,
                      indices_are_sorted, unique_indices):  # fmt: skip
    zeros = full(operand.aval.shape, 0, core.get_aval(ct).dtype)
    out = scatter_add_p.bind(zeros, indices, ct,
                             dimension_numbers=_gather_to_scatter_dnums(dimension_numbers),
                             indices_are_sorted=indices_are_sorted,
                             unique_indices=unique_indices, mode=mode)  # fmt: skip
    return [out, None]


def _shift(dims, k=1):
    return tuple(d + k for d in dims)


def _gather_batch(vals, dims, *, dimension_numbers, slice_sizes, **params):
    (x, idx), (xd, idd) = vals, dims
    dn = dimension_numbers
    size = batching.current_axis_size()
    if idd is None:  # the batch axis of the operand becomes a kept slice axis
        x = batching.moveaxis(x, xd, 0)
        dn = GatherDimensionNumbers((0,) + _shift(dn.offset_dims), _shift(dn.collapsed_slice_dims),
                                    _shift(dn.start_index_map), _shift(dn.operand_batching_dims),
                                    dn.start_indices_batching_dims)  # fmt: skip
        return gather_p.bind(x, idx, dimension_numbers=dn, slice_sizes=(size,) + slice_sizes,
                             **params), 0  # fmt: skip
    idx = batching.moveaxis(idx, idd, 0)
    if xd is None:  # the batch axis of the indices is the first batch axis of the output
        dn = GatherDimensionNumbers(_shift(dn.offset_dims), dn.collapsed_slice_dims,
                                    dn.start_index_map, dn.operand_batching_dims,
                                    _shift(dn.start_indices_batching_dims))  # fmt: skip
        return gather_p.bind(x, idx, dimension_numbers=dn, slice_sizes=slice_sizes, **params), 0
    x = batching.moveaxis(x, xd, 0)  # both batched: one more pair of batching axes
    dn = GatherDimensionNumbers(_shift(dn.offset_dims), _shift(dn.collapsed_slice_dims),
                                _shift(dn.start_index_map),
                                (0,) + _shift(dn.operand_batching_dims),
                                (0,) + _shift(dn.start_indices_batching_dims))  # fmt: skip
    return gather_p.bind(x, idx, dimension_numbers=dn, slice_sizes=(1,) + slice_sizes,
                         **params), 0  # fmt: skip


ad.jvp_rules[gather_p] = _gather_jvp
transpose_rules[gather_p] = _gather_transpose
batch_rules[gather_p] = _gather_batch
fusion.fused_rules[gather_p] = lower_ix.gather_rule  # an index map through the indices


def _scatter_impl(combine):
    def impl(operand, indices, updates, *, dimension_numbers, indices_are_sorted, unique_indices,
             mode):  # fmt: skip
        dn = dimension_numbers
        starts = _full_starts(operand.shape, indices, dn.scatter_dims_to_operand_dims,
                              dn.operand_batching_dims, dn.scatter_indices_batching_dims)  # fmt: skip
        _, win = _scatter_to_gather(dn, operand.shape, updates.shape)
        scatter_dims = [d for d in range(updates.ndim) if d not in dn.update_window_dims]
        u = np.transpose(updates, scatter_dims + list(dn.update_window_dims))
        u = u.reshape((starts.shape[0],) + win)
        hi = np.asarray(operand.shape, np.int64) - np.asarray(win, np.int64)
        if mode == GatherScatterMode.FILL_OR_DROP:
            keep = ~np.any((starts < 0) | (starts > hi), axis=1)
            starts, u = starts[keep], u[keep]
        else:
            starts = np.clip(starts, 0, hi)
        out = operand.copy()
        combine(out, _window_index(starts, win), u)
        return out

    return impl


def _scatter_set(out, ix, u):
    out[ix] = u


def _scatter_abstract(name):
    def rule(operand, indices, updates, *, dimension_numbers, indices_are_sorted, unique_indices,
             mode):  # fmt: skip
        dn = dimension_numbers
        _check_indices(name, indices, dn.scatter_dims_to_operand_dims,
                       "scatter_dims_to_operand_dims")  # fmt: skip
        _check_dims(name, "scatter_dims_to_operand_dims", dn.scatter_dims_to_operand_dims,
                    operand.ndim, sort=False)  # fmt: skip
        _check_dims(name, "inserted_window_dims", dn.inserted_window_dims, operand.ndim)
        _check_batching_dims(name, operand, indices, dn.operand_batching_dims,
                             dn.scatter_indices_batching_dims)  # fmt: skip
        _check_dims(name, "update_window_dims", dn.update_window_dims, updates.ndim)
        if updates.dtype != operand.dtype:
            raise JTransTypeError(
                f"{name}: updates dtype {updates.dtype.name} differs from the operand's "
                f"{operand.dtype.name}; convert the updates"
            )
        n_win = operand.ndim - len(dn.inserted_window_dims) - len(dn.operand_batching_dims)
        batch_shape = indices.shape[:-1]
        scatter_shape = tuple(s for d, s in enumerate(updates.shape)
                              if d not in dn.update_window_dims)  # fmt: skip
        if len(dn.update_window_dims) != n_win or scatter_shape != batch_shape:
            raise ShapeError(
                f"{name}: updates of shape {updates.shape} do not match: expected "
                f"{n_win} window axes (update_window_dims={dn.update_window_dims}) and the "
                f"other axes equal to the indices' batch shape {batch_shape}"
            )
        _, win = _scatter_to_gather(dn, operand.shape, updates.shape)
        dropped = set(dn.inserted_window_dims) | set(dn.operand_batching_dims)
        if any(w > n for d, (w, n) in enumerate(zip(win, operand.shape)) if d not in dropped):
            raise ShapeError(
                f"{name}: update windows of shape {win} are larger than the operand {operand.shape}"
            )
        return core.ShapedArray(operand.shape, operand.dtype, operand.weak_type)

    return rule


def _scatter_batch(prim):
    def rule(vals, dims, *, dimension_numbers, **params):
        (x, idx, up), (xd, idd, ud) = vals, dims
        dn = dimension_numbers
        size = batching.current_axis_size()
        x = batching.bdim_at_front(x, xd, size)
        up = batching.bdim_at_front(up, ud, size)
        if idd is None:  # the batch axis is one more window axis
            dn = ScatterDimensionNumbers((0,) + _shift(dn.update_window_dims),
                                         _shift(dn.inserted_window_dims),
                                         _shift(dn.scatter_dims_to_operand_dims),
                                         _shift(dn.operand_batching_dims),
                                         dn.scatter_indices_batching_dims)  # fmt: skip
        else:  # one more pair of batching axes
            idx = batching.moveaxis(idx, idd, 0)
            dn = ScatterDimensionNumbers(_shift(dn.update_window_dims),
                                         _shift(dn.inserted_window_dims),
                                         _shift(dn.scatter_dims_to_operand_dims),
                                         (0,) + _shift(dn.operand_batching_dims),
                                         (0,) + _shift(dn.scatter_indices_batching_dims))  # fmt: skip
        return prim.bind(x, idx, up, dimension_numbers=dn, **params), 0

    return rule


def _scatter_prim(name, combine, monoid):
    """monoid: the Kernel-IR op combining an update with the operand (None: the update wins);
    compiled as a native step that copies the operand and scatters into it."""
    p = standard_primitive(name, _scatter_impl(combine), _scatter_abstract(name))
    batch_rules[p] = _scatter_batch(p)
    fusion.control_rules[p] = lower_ix.scatter_rule(monoid)
    fusion.fused_operand_prims.add(p)
    return p


def _scatter_fn(prim, doc):
    def f(operand, scatter_indices, updates, dimension_numbers, *, indices_are_sorted=False,
          unique_indices=False, mode=None):  # fmt: skip
        operand = as_operand(operand)
        updates = as_operand(updates, core.get_aval(operand).dtype)
        scatter_indices = _int_operand(scatter_indices, f"{prim.name} indices")
        dn = ScatterDimensionNumbers(*[tuple(int(d) for d in f) for f in dimension_numbers])
        return prim.bind(operand, scatter_indices, updates, dimension_numbers=dn,
                         indices_are_sorted=bool(indices_are_sorted),
                         unique_indices=bool(unique_indices),
                         mode=GatherScatterMode.from_any(mode))  # fmt: skip

    f.__name__ = f.__qualname__ = prim.name.replace("-", "_")
    f.__doc__ = doc
    return f


def _zero_out(t):
    return Zero(ad.tangent_aval(core.get_aval(t)))


# scatter_add: linear in (operand, updates); its transpose reads back with a gather
scatter_add_p = _scatter_prim("scatter-add", lambda out, ix, u: np.add.at(out, ix, u), "add")
scatter_add = _scatter_fn(scatter_add_p, "operand with updates added at the scattered windows "
                          "(repeated indices accumulate).")  # fmt: skip


def _scatter_add_jvp(primals, tangents, **params):
    out = scatter_add_p.bind(*primals, **params)
    g_op, _, g_up = tangents
    if type(g_op) is Zero and type(g_up) is Zero:
        return out, _zero_out(out)
    return out, scatter_add_p.bind(instantiate(g_op), primals[1], instantiate(g_up), **params)


def _scatter_add_transpose(ct, operand, indices, updates, *, dimension_numbers, mode, **params):
    ct_up = None
    if ad.is_undefined_primal(updates):
        gdn, sizes = _scatter_to_gather(dimension_numbers, core.get_aval(ct).shape,
                                        updates.aval.shape)  # fmt: skip
        ct_up = gather_p.bind(ct, indices, dimension_numbers=gdn, slice_sizes=sizes, mode=mode,
                              fill_value=0, **params)  # fmt: skip
    return [ct if ad.is_undefined_primal(operand) else None, None, ct_up]


ad.jvp_rules[scatter_add_p] = _scatter_add_jvp
transpose_rules[scatter_add_p] = _scatter_add_transpose


# scatter (set). For repeated indices one update wins; the JVP finds which one by scattering
# ids and gathering them back, then expresses the result with scatter_add of masked values
# (so it needs no transpose of its own and is exact for repeated indices).
scatter_p = _scatter_prim("scatter", _scatter_set, None)
scatter = _scatter_fn(scatter_p, "operand with the scattered windows replaced by updates.")


def _gather_back(x, indices, updates_shape, dimension_numbers, params, fill_value=None):
    gdn, sizes = _scatter_to_gather(dimension_numbers, core.get_aval(x).shape, updates_shape)
    return gather_p.bind(x, indices, dimension_numbers=gdn, slice_sizes=sizes,
                         mode=params["mode"], fill_value=fill_value,
                         indices_are_sorted=params["indices_are_sorted"],
                         unique_indices=params["unique_indices"])  # fmt: skip


def _scatter_jvp(primals, tangents, *, dimension_numbers, **params):
    operand, indices, updates = primals
    g_op, _, g_up = tangents
    dn = dimension_numbers
    out = scatter_p.bind(operand, indices, updates, dimension_numbers=dn, **params)
    if type(g_op) is Zero and type(g_up) is Zero:
        return out, _zero_out(out)
    u_shape = core.get_aval(updates).shape
    ids_shape = [1 if d in dn.update_window_dims else s for d, s in enumerate(u_shape)]
    n_ids = int(np.prod(ids_shape, dtype=np.int64))
    ids = ew.add(reshape(iota(dtypes.int32, n_ids), ids_shape), full(ids_shape, 1, dtypes.int32))
    ids = broadcast_in_dim(ids, u_shape, tuple(range(len(u_shape))))
    op_shape = core.get_aval(operand).shape
    scattered = scatter_p.bind(full(op_shape, 0, dtypes.int32), indices, ids, dimension_numbers=dn,
                               **params)  # fmt: skip
    won = ew.eq(ids, _gather_back(scattered, indices, u_shape, dn, params))
    kept = ew.eq(scattered, full(op_shape, 0, dtypes.int32))
    g_op, g_up = instantiate(g_op), instantiate(g_up)
    t_op = select(kept, g_op, full_like(g_op, 0))
    t_up = select(won, g_up, full_like(g_up, 0))
    return out, scatter_add_p.bind(t_op, indices, t_up, dimension_numbers=dn, **params)


def _scatter_transpose(ct, operand, indices, updates, *, dimension_numbers, **params):
    # scatter is linear in (operand, updates) jointly; reached only when a batched
    # dynamic_update_slice of tangents is transposed, where indices are unique
    if not params["unique_indices"]:
        raise NotImplementedError(
            "transposing lax.scatter is only implemented for unique_indices=True"
        )
    up_aval = updates.aval if ad.is_undefined_primal(updates) else core.get_aval(updates)
    ct_op = ct_up = None
    if ad.is_undefined_primal(operand):
        zeros = full(up_aval.shape, 0, core.get_aval(ct).dtype)
        ct_op = scatter_p.bind(ct, indices, zeros, dimension_numbers=dimension_numbers, **params)
    if ad.is_undefined_primal(updates):
        ct_up = _gather_back(ct, indices, up_aval.shape, dimension_numbers, params, 0)
    return [ct_op, None, ct_up]


ad.jvp_rules[scatter_p] = _scatter_jvp
transpose_rules[scatter_p] = _scatter_transpose


# scatter_mul: linear in the operand. With respect to the updates the JVP is exact for
# unique_indices=True; for possibly repeated indices it divides by the updates (so it is NaN
# where an update is exactly 0 and its index repeats or unique_indices is not set)
scatter_mul_p = _scatter_prim("scatter-mul", lambda out, ix, u: np.multiply.at(out, ix, u), "mul")
scatter_mul = _scatter_fn(scatter_mul_p, "operand multiplied by updates at the scattered windows.")


def _scatter_mul_jvp(primals, tangents, **params):
    operand, indices, updates = primals
    g_op, _, g_up = tangents
    out = scatter_mul_p.bind(*primals, **params)
    t = _zero_out(out)
    if type(g_op) is not Zero:
        t = scatter_mul_p.bind(g_op, indices, updates, **params)
    if type(g_up) is not Zero:
        zeros = full_like(operand, 0)
        if params["unique_indices"]:
            t_up = ew.mul(operand, scatter_add_p.bind(zeros, indices, g_up, **params))
        else:  # out / u_i is the product of everything else at u_i's position (needs u_i != 0)
            placed = scatter_add_p.bind(zeros, indices, ew.div(g_up, updates), **params)
            t_up = ew.mul(out, placed)
        t = ad.add_tangents(t, t_up)
    return out, t


def _scatter_mul_transpose(ct, operand, indices, updates, **params):
    if ad.is_undefined_primal(updates):
        raise NotImplementedError("scatter_mul is not linear in its updates")
    return [scatter_mul_p.bind(ct, indices, updates, **params), None, None]


ad.jvp_rules[scatter_mul_p] = _scatter_mul_jvp
transpose_rules[scatter_mul_p] = _scatter_mul_transpose


def _scatter_extremum(name, np_ufunc, monoid):
    # the tangent is the mean of the tangents of the operand element and the updates that
    # attain the extremum at each position (as for reduce_max), for repeated indices too
    prim = _scatter_prim(name, lambda out, ix, u: np_ufunc.at(out, ix, u), monoid)

    def jvp(primals, tangents, *, dimension_numbers, **params):
        operand, indices, updates = primals
        g_op, _, g_up = tangents
        dn = dimension_numbers
        out = prim.bind(*primals, dimension_numbers=dn, **params)
        u_shape = core.get_aval(updates).shape
        won = ew.eq(updates, _gather_back(out, indices, u_shape, dn, params))
        kept = ew.eq(operand, out)
        dt = core.get_aval(out).dtype
        one = lambda m: convert_element_type(m, dt)
        count = scatter_add_p.bind(one(kept), indices, one(won), dimension_numbers=dn, **params)
        g_op = full_like(operand, 0) if type(g_op) is Zero else g_op
        g_up = full_like(updates, 0) if type(g_up) is Zero else g_up
        t_op = select(kept, g_op, full_like(g_op, 0))
        t_up = select(won, g_up, full_like(g_up, 0))
        total = scatter_add_p.bind(t_op, indices, t_up, dimension_numbers=dn, **params)
        return out, ew.div(total, count)

    ad.jvp_rules[prim] = jvp
    return prim


scatter_min_p = _scatter_extremum("scatter-min", np.minimum, "min")
scatter_min = _scatter_fn(
    scatter_min_p, "elementwise minimum of operand and the scattered updates."
)
scatter_max_p = _scatter_extremum("scatter-max", np.maximum, "max")
scatter_max = _scatter_fn(
    scatter_max_p, "elementwise maximum of operand and the scattered updates."
)


__all__ = [n for n in dir() if not n.startswith("_") and n not in (
    "np", "core", "dtypes", "ad", "batching", "ew", "Zero", "instantiate", "standard_primitive",
    "batch_rules", "transpose_rules", "canonical_axis", "as_operand", "Array", "fusion", "passes",
    "lower_ix", "K", "clamp_index", "identity_if_same", "index_in_range", "same")]  # fmt: skip
