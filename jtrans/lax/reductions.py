"""Reductions over axes: reduce_sum / max / min / prod / and / or / xor, argmax / argmin,
cumulative ops, sort and top_k, and the windowed reductions used for pooling.

Invariants: impls keep dtypes exact (an int32 sum stays int32, float16 is computed in float32
and cast back); every primitive has its JVP (or is non-differentiable), a transpose rule if it
is linear, and a batch rule that folds the batch axis into the operation (never a loop).
"""

import itertools

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .. import core, dtypes
from ..errors import JTransTypeError, JTransValueError
from ..interpreters import ad, batching
from ..lowering import conv as lower_conv
from ..lowering import fusion, passes
from ..lowering import indexing as lower_ix
from ..lowering import sort as lower_sort
from . import elementwise as ew
from . import structural as st
from ._base import Zero, as_operand, batch_rules, canonical_axis, standard_primitive

_LOW = (dtypes.float16, dtypes.bfloat16)


def _aval(x):
    return core.get_aval(x)


def _reduce_abstract(name, kinds=None, out_dtype=None):
    def rule(x, axes, **params):
        for a in axes:
            if not 0 <= a < x.ndim:
                raise JTransValueError(f"{name}: axis {a} is out of bounds for rank {x.ndim}")
        if kinds is not None and not _kind_ok(x.dtype, kinds):
            raise JTransTypeError(f"lax.{name} does not accept dtype {x.dtype.name}")
        shape = tuple(s for i, s in enumerate(x.shape) if i not in axes)
        if out_dtype is not None:
            return core.ShapedArray(shape, out_dtype(x.dtype, **params), False)
        return core.ShapedArray(shape, x.dtype, x.weak_type)

    return rule


def _kind_ok(dt, kinds):
    kind = "b" if dt == dtypes.bool_ else ("f" if dtypes.is_float(dt) else dt.kind)
    return kind in kinds


def _reduce_batch(prim):
    def rule(vals, dims, axes, **params):
        (x,), (d,) = vals, dims
        new_axes = tuple(a if a < d else a + 1 for a in axes)
        out_d = d - sum(1 for a in axes if a < d)
        return prim.bind(x, axes=new_axes, **params), out_d

    batch_rules[prim] = rule


def _axes(x, axes):
    nd = _aval(x).ndim
    if axes is None:
        return tuple(range(nd))
    if isinstance(axes, (int, np.integer)):
        axes = (axes,)
    return tuple(sorted({canonical_axis(int(a), nd) for a in axes}))


def _identity(dt, kind):
    """The identity of max (kind="max") or min (kind="min") for dtype dt."""
    if dt == dtypes.bool_:
        return kind == "min"
    if dtypes.is_inexact(dt):
        return -np.inf if kind == "max" else np.inf
    info = np.iinfo(dt)
    return info.min if kind == "max" else info.max


def _np_extremum(fn, kind):
    def impl(x, axes):
        if x.dtype in _LOW:
            return np.asarray(impl(x.astype(np.float32), axes)).astype(x.dtype)
        out = fn(x, axis=axes, initial=_identity(x.dtype, kind))
        return np.asarray(out, dtype=x.dtype)

    return impl


def _sum_impl(x, axes):
    if x.dtype in _LOW:
        return np.asarray(np.sum(x, axis=axes, dtype=np.float32)).astype(x.dtype)
    return np.asarray(np.sum(x, axis=axes, dtype=x.dtype))


# ---------------------------------------------------------------------------------------------
# reduce_sum: linear; its transpose broadcasts the cotangent back

reduce_sum_p = standard_primitive("reduce_sum", _sum_impl, _reduce_abstract("reduce_sum"))
_reduce_batch(reduce_sum_p)
fusion.reduction_rules[reduce_sum_p] = "add"  # compiled: a reduction that ends a fusion


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


def _keep(x, axes):
    """A reduced value broadcast back to x's shape (the kept axes)."""
    shape = _aval(x).shape
    return lambda r: st.broadcast_in_dim(r, shape, tuple(i for i in range(len(shape))
                                                         if i not in axes))  # fmt: skip


# ---------------------------------------------------------------------------------------------
# reduce_max / reduce_min: the tangent is the mean of the tangents at the extremum's locations


def _extremum_jvp(prim):
    def rule(primals, tangents, axes):
        (x,), (g,) = primals, tangents
        ans = prim.bind(x, axes=axes)
        if _aval(x).size == 0:  # nothing was reduced: the result is the identity
            return ans, Zero(ad.tangent_aval(_aval(ans)))
        loc = ew.eq(x, _keep(x, axes)(ans))
        loc = st.convert_element_type(loc, _aval(g).dtype)
        counts = reduce_sum(loc, axes)
        return ans, ew.div(reduce_sum(ew.mul(g, loc), axes), counts)

    ad.jvp_rules[prim] = rule


reduce_max_p = standard_primitive(
    "reduce_max", _np_extremum(np.max, "max"), _reduce_abstract("reduce_max")
)
_reduce_batch(reduce_max_p)
_extremum_jvp(reduce_max_p)
fusion.reduction_rules[reduce_max_p] = "max"


def reduce_max(x, axes=None):
    x = as_operand(x)
    axes = _axes(x, axes)
    return reduce_max_p.bind(x, axes=axes) if axes else x


reduce_min_p = standard_primitive(
    "reduce_min", _np_extremum(np.min, "min"), _reduce_abstract("reduce_min")
)
_reduce_batch(reduce_min_p)
_extremum_jvp(reduce_min_p)
fusion.reduction_rules[reduce_min_p] = "min"


def reduce_min(x, axes=None):
    x = as_operand(x)
    axes = _axes(x, axes)
    return reduce_min_p.bind(x, axes=axes) if axes else x


# ---------------------------------------------------------------------------------------------
# reduce_prod. JVP: sum_k t_k * prod_{j != k} x_j, the product of the others formed without
# division (exclusive products from the left times exclusive products from the right), so it
# is right where x has zeros.


def _prod_impl(x, axes):
    if x.dtype in _LOW:
        return np.asarray(np.prod(x, axis=axes, dtype=np.float32)).astype(x.dtype)
    return np.asarray(np.prod(x, axis=axes, dtype=x.dtype))


reduce_prod_p = standard_primitive("reduce_prod", _prod_impl, _reduce_abstract("reduce_prod"))
_reduce_batch(reduce_prod_p)
fusion.reduction_rules[reduce_prod_p] = "mul"


def reduce_prod(x, axes=None):
    x = as_operand(x)
    axes = _axes(x, axes)
    return reduce_prod_p.bind(x, axes=axes) if axes else x


def _exclusive_cumprod(x, axis, reverse):
    """prod of x_j over j < i (j > i if reverse), with 1 for the first element."""
    shape = _aval(x).shape
    n = len(shape)
    pad = [(0, 0)] * n
    pad[axis] = (-1, 1) if reverse else (1, -1)  # shift by one, filling with 0
    shifted = _reduce_window_sum_bind(x, (1,) * n, (1,) * n, tuple(pad), (1,) * n, (1,) * n)
    first = ew.eq(st.broadcasted_iota(dtypes.int32, shape, axis), shape[axis] - 1 if reverse else 0)
    shifted = st.select(first, st.full_like(x, 1), shifted)
    return cumprod(shifted, axis, reverse)


def _reduce_prod_jvp(primals, tangents, axes):
    (x,), (g,) = primals, tangents
    ans = reduce_prod_p.bind(x, axes=axes)
    shape = _aval(x).shape
    kept = [i for i in range(len(shape)) if i not in axes]
    n = int(np.prod([shape[a] for a in axes], dtype=np.int64))
    # move the reduced axes to the front and flatten them into one
    perm = list(axes) + kept
    flat_shape = (n,) + tuple(shape[i] for i in kept)
    xf = st.reshape(st.transpose(x, perm), flat_shape)
    gf = st.reshape(st.transpose(g, perm), flat_shape)
    if n == 0:
        return ans, reduce_sum(gf, (0,))
    others = ew.mul(_exclusive_cumprod(xf, 0, False), _exclusive_cumprod(xf, 0, True))
    return ans, reduce_sum(ew.mul(gf, others), (0,))


ad.jvp_rules[reduce_prod_p] = _reduce_prod_jvp


# ---------------------------------------------------------------------------------------------
# reduce_and / reduce_or / reduce_xor (booleans and integers; not differentiable)


def _bitwise_impl(ufunc, bool_fn):
    def impl(x, axes):
        if x.dtype == np.bool_:
            return np.asarray(bool_fn(x, axis=axes))
        return np.asarray(ufunc.reduce(x, axis=axes), dtype=x.dtype)

    return impl


def _xor_bool(x, axis):
    return np.asarray(np.sum(x, axis=axis) % 2 == 1)


reduce_and_p = standard_primitive(
    "reduce_and", _bitwise_impl(np.bitwise_and, np.all), _reduce_abstract("reduce_and", "biu")
)
reduce_or_p = standard_primitive(
    "reduce_or", _bitwise_impl(np.bitwise_or, np.any), _reduce_abstract("reduce_or", "biu")
)
reduce_xor_p = standard_primitive(
    "reduce_xor", _bitwise_impl(np.bitwise_xor, _xor_bool), _reduce_abstract("reduce_xor", "biu")
)
for _p in (reduce_and_p, reduce_or_p, reduce_xor_p):
    _reduce_batch(_p)
    ad.defnondiff(_p)
fusion.reduction_rules[reduce_and_p] = "and"
fusion.reduction_rules[reduce_or_p] = "or"  # (reduce_xor: a call-out)


def _unit_reduce_simplify(eqn, producer):
    """A reduction over axes of one element each is a reshape (as eager computes it: the
    element itself, so -0.0 stays -0.0); the compiler then needs no loop for it (vmap of a
    single-example loss gives such sums)."""
    x, out = eqn.invars[0], eqn.outvars[0]
    if type(x) is not core.Var or any(x.aval.shape[a] != 1 for a in eqn.params["axes"]):
        return None
    if x.aval.dtype != out.aval.dtype:
        return None
    return eqn.replace(prim=st.reshape_p, params=dict(new_sizes=out.aval.shape, dimensions=None))


for _p in (reduce_sum_p, reduce_max_p, reduce_min_p, reduce_prod_p, reduce_and_p, reduce_or_p):
    passes.simplify_rules[_p] = _unit_reduce_simplify


def reduce_and(x, axes=None):
    x = as_operand(x)
    axes = _axes(x, axes)
    return reduce_and_p.bind(x, axes=axes) if axes else x


def reduce_or(x, axes=None):
    x = as_operand(x)
    axes = _axes(x, axes)
    return reduce_or_p.bind(x, axes=axes) if axes else x


def reduce_xor(x, axes=None):
    x = as_operand(x)
    axes = _axes(x, axes)
    return reduce_xor_p.bind(x, axes=axes) if axes else x


# ---------------------------------------------------------------------------------------------
# argmax / argmin: the first index of the extremum along one axis; NaN counts as the extremum
# (NumPy's convention, which is JAX's). Not differentiable.


def _arg_impl(fn):
    def impl(x, axes, index_dtype):
        if x.dtype in _LOW:
            x = x.astype(np.float32)
        if x.shape[axes[0]] == 0:
            raise JTransValueError("argmax/argmin of an empty axis: the axis has no elements")
        return np.asarray(fn(x, axis=axes[0]), dtype=index_dtype)

    return impl


def _arg_abstract(name):
    def rule(x, axes, index_dtype):
        if x.shape[axes[0]] == 0:
            raise JTransValueError(
                f"{name} of an empty axis (axis {axes[0]} of shape {x.shape}): the operation "
                "has no identity. Reduce over a non-empty axis."
            )
        shape = tuple(s for i, s in enumerate(x.shape) if i != axes[0])
        return core.ShapedArray(shape, index_dtype, False)

    return rule


argmax_p = standard_primitive("argmax", _arg_impl(np.argmax), _arg_abstract("argmax"))
argmin_p = standard_primitive("argmin", _arg_impl(np.argmin), _arg_abstract("argmin"))
for _p in (argmax_p, argmin_p):
    _reduce_batch(_p)
    ad.defnondiff(_p)
# compiled: native loops along the axis, reading the operand through fused expressions
fusion.control_rules[argmax_p] = lower_ix.arg_rule("max")
fusion.control_rules[argmin_p] = lower_ix.arg_rule("min")
fusion.fused_operand_prims |= {argmax_p, argmin_p}


def argmax(operand, axis, index_dtype):
    x = as_operand(operand)
    axis = canonical_axis(int(axis), _aval(x).ndim)
    return argmax_p.bind(x, axes=(axis,), index_dtype=dtypes.check_dtype(index_dtype))


def argmin(operand, axis, index_dtype):
    x = as_operand(operand)
    axis = canonical_axis(int(axis), _aval(x).ndim)
    return argmin_p.bind(x, axes=(axis,), index_dtype=dtypes.check_dtype(index_dtype))


# ---------------------------------------------------------------------------------------------
# cumulative reductions along one axis: cumsum (linear), cumprod, cummax, cummin, cumlogsumexp


def _cum_impl(fn):
    def impl(x, axis, reverse):
        dt = x.dtype
        y = x.astype(np.float32) if dt in _LOW else x
        if reverse:
            y = np.flip(y, axis)
        out = fn(y, axis)
        if reverse:
            out = np.flip(out, axis)
        return np.ascontiguousarray(np.asarray(out).astype(dt, copy=False))

    return impl


def _cum_abstract(name, kinds):
    def rule(x, axis, reverse):
        if x.ndim and not 0 <= axis < x.ndim:
            raise JTransValueError(f"lax.{name}: axis {axis} is out of bounds for rank {x.ndim}")
        if not _kind_ok(x.dtype, kinds):
            raise JTransTypeError(f"lax.{name} does not accept dtype {x.dtype.name}")
        return x

    return rule


def _cum_batch(prim):
    def rule(vals, dims, axis, reverse):
        (x,), (d,) = vals, dims
        return prim.bind(x, axis=axis + (d <= axis), reverse=reverse), d

    batch_rules[prim] = rule


def _cum_fn(prim):
    def f(operand, axis=0, reverse=False):
        x = as_operand(operand)
        nd = _aval(x).ndim
        if nd == 0:
            return x
        return prim.bind(x, axis=canonical_axis(int(axis), nd), reverse=bool(reverse))

    f.__name__ = prim.name
    return f


def _logaddexp_accumulate(x, axis):
    return np.logaddexp.accumulate(x, axis=axis)


cumsum_p = standard_primitive(
    "cumsum",
    _cum_impl(lambda x, a: np.cumsum(x, a, dtype=x.dtype)),
    _cum_abstract("cumsum", "fciu"),
)
cumprod_p = standard_primitive(
    "cumprod", _cum_impl(lambda x, a: np.cumprod(x, a, dtype=x.dtype)),
    _cum_abstract("cumprod", "fciu"),
)  # fmt: skip
cummax_p = standard_primitive(
    "cummax", _cum_impl(lambda x, a: np.maximum.accumulate(x, a)), _cum_abstract("cummax", "fiub")
)
cummin_p = standard_primitive(
    "cummin", _cum_impl(lambda x, a: np.minimum.accumulate(x, a)), _cum_abstract("cummin", "fiub")
)
cumlogsumexp_p = standard_primitive(
    "cumlogsumexp", _cum_impl(_logaddexp_accumulate), _cum_abstract("cumlogsumexp", "f")
)
cumsum = _cum_fn(cumsum_p)
cumprod = _cum_fn(cumprod_p)
cummax = _cum_fn(cummax_p)
cummin = _cum_fn(cummin_p)
cumlogsumexp = _cum_fn(cumlogsumexp_p)
for _p in (cumsum_p, cumprod_p, cummax_p, cummin_p, cumlogsumexp_p):
    _cum_batch(_p)
# compiled: native scans along the axis, reading the operand through fused expressions
for _p, _monoid in ((cumsum_p, "add"), (cumprod_p, "mul"), (cummax_p, "max"), (cummin_p, "min")):
    fusion.control_rules[_p] = lower_ix.cumulative_rule(_monoid)
fusion.control_rules[cumlogsumexp_p] = lower_ix.cumlogsumexp_rule
fusion.fused_operand_prims |= {cumsum_p, cumprod_p, cummax_p, cummin_p, cumlogsumexp_p}

ad.deflinear(
    cumsum_p, lambda ct, x, axis, reverse: [cumsum_p.bind(ct, axis=axis, reverse=not reverse)]
)


def _cumprod_jvp(g, x, axis, reverse):
    # With z_i the number of zeros among x_0..x_i and P_i the product of the nonzero ones:
    # z_i = 0: dP_i = P_i * sum_{k<=i} t_k / x_k;  z_i = 1: the derivative is P_i times the
    # tangent at the (first) zero;  z_i >= 2: zero.
    zero = ew.eq(x, st.full_like(x, 0))
    one = st.full_like(x, 1)
    safe = st.select(zero, one, x)
    nz_prod = cumprod(safe, axis, reverse)
    count = cumsum(st.convert_element_type(zero, dtypes.int32), axis, reverse)
    zeros_t = st.full_like(g, 0)
    at_first_zero = ew.bitwise_and(zero, ew.eq(count, st.full_like(count, 1)))
    part0 = cumsum(ew.div(g, safe), axis, reverse)
    part1 = cumsum(st.select(at_first_zero, g, zeros_t), axis, reverse)
    c0 = ew.eq(count, st.full_like(count, 0))
    c1 = ew.eq(count, st.full_like(count, 1))
    return ew.mul(nz_prod, st.select(c0, part0, st.select(c1, part1, zeros_t)))


ad.defjvp(cumprod_p, _cumprod_jvp)


def _cumextremum_jvp(kind):
    # the tangent at the location of the running extremum: a windowed select over the prefix
    def jvp(g, x, axis, reverse):
        shape = _aval(x).shape
        n, nd = shape[axis], len(shape)
        window = tuple(n if i == axis else 1 for i in range(nd))
        pad = tuple(((0, n - 1) if reverse else (n - 1, 0)) if i == axis else (0, 0)
                    for i in range(nd))  # fmt: skip
        ones = (1,) * nd
        return select_and_gather_add_p.bind(
            g, x, select_prim=kind, window_dimensions=window, window_strides=ones,
            padding=pad, base_dilation=ones, window_dilation=ones,
        )  # fmt: skip

    return jvp


ad.defjvp(cummax_p, _cumextremum_jvp("max"))
ad.defjvp(cummin_p, _cumextremum_jvp("min"))


def _cumlogsumexp_jvp(g, ans, x, axis, reverse):
    # d out_i = sum_{k<=i} t_k exp(x_k - out_i), computed relative to the global maximum m
    m = _keep(x, (axis,))(reduce_max(x, (axis,)))
    e = ew.exp(ew.sub(x, m))
    return ew.mul(cumsum(ew.mul(g, e), axis, reverse), ew.exp(ew.sub(m, ans)))


ad.defjvp2(cumlogsumexp_p, _cumlogsumexp_jvp)


# ---------------------------------------------------------------------------------------------
# sort: stable, over one dimension, of several operands ordered by the first `num_keys`.
# JVP: the tangents are sorted as extra (payload) operands with the primal keys; transposing
# that w.r.t. a payload applies the inverse permutation, which is a sort of (perm, ct).


def _sort_impl(*operands, dimension, is_stable, num_keys):
    keys = operands[:num_keys]
    if num_keys == 1:
        k = keys[0]
        k = k.astype(np.float32) if k.dtype in _LOW else k
        perm = np.argsort(k, axis=dimension, kind="stable")
    else:
        ks = [k.astype(np.float32) if k.dtype in _LOW else k for k in keys]
        perm = np.lexsort(ks[::-1], axis=dimension)
    return [np.take_along_axis(op, perm, axis=dimension) for op in operands]


def _sort_abstract(*operands, dimension, is_stable, num_keys):
    shape = operands[0].shape
    for o in operands:
        if o.shape != shape:
            raise JTransTypeError(
                "lax.sort operands must all have the same shape, got "
                + ", ".join(str(o.shape) for o in operands)
            )
    if not 0 <= dimension < max(len(shape), 1):
        raise JTransValueError(f"lax.sort: dimension {dimension} is out of bounds for {shape}")
    if not 1 <= num_keys <= len(operands):
        raise JTransValueError(f"lax.sort: num_keys={num_keys} with {len(operands)} operands")
    return [o.update(weak_type=o.weak_type) for o in operands]


sort_p = standard_primitive("sort", _sort_impl, _sort_abstract, multiple_results=True)


def sort(operand, dimension=-1, is_stable=True, num_keys=1):
    """lax.sort: sorts one array, or a tuple of arrays by its first `num_keys` entries."""
    single = not isinstance(operand, (tuple, list))
    ops = [as_operand(o) for o in ([operand] if single else operand)]
    nd = _aval(ops[0]).ndim
    if nd == 0:
        return ops[0] if single else tuple(ops)
    dimension = canonical_axis(int(dimension), nd)
    outs = sort_p.bind(*ops, dimension=dimension, is_stable=bool(is_stable),
                       num_keys=int(num_keys))  # fmt: skip
    return outs[0] if single else tuple(outs)


def sort_key_val(keys, values, dimension=-1, is_stable=True):
    return sort((keys, values), dimension, is_stable, 1)


def _sort_jvp(primals, tangents, dimension, is_stable, num_keys):
    outs = sort_p.bind(*primals, dimension=dimension, is_stable=is_stable, num_keys=num_keys)
    nz = [i for i, t in enumerate(tangents) if type(t) is not Zero]
    out_t = [Zero(ad.tangent_aval(_aval(o))) for o in outs]
    if nz:
        moved = sort_p.bind(*primals[:num_keys], *[tangents[i] for i in nz],
                            dimension=dimension, is_stable=is_stable, num_keys=num_keys)  # fmt: skip
        for i, t in zip(nz, moved[num_keys:]):
            out_t[i] = t
    return outs, out_t


def _sort_transpose(cts, *operands, dimension, is_stable, num_keys):
    keys = operands[:num_keys]
    if any(ad.is_undefined_primal(k) for k in keys):
        raise NotImplementedError("transpose of lax.sort with respect to its keys")
    shape = _aval(keys[0]).shape
    iota = st.broadcasted_iota(dtypes.int32, shape, dimension)
    perm = sort_p.bind(*keys, iota, dimension=dimension, is_stable=True, num_keys=num_keys)[-1]
    out = [None] * num_keys
    for op, ct in zip(operands[num_keys:], cts[num_keys:]):
        if not ad.is_undefined_primal(op):
            out.append(None)
        elif type(ct) is Zero:
            out.append(Zero(op.aval))
        else:
            out.append(sort_p.bind(perm, ct, dimension=dimension, is_stable=True, num_keys=1)[1])
    return out


def _sort_batch(vals, dims, dimension, is_stable, num_keys):
    size = batching.current_axis_size()
    vals = [batching.bdim_at_front(v, d, size) for v, d in zip(vals, dims)]
    outs = sort_p.bind(*vals, dimension=dimension + 1, is_stable=is_stable, num_keys=num_keys)
    return outs, [0] * len(outs)


ad.jvp_rules[sort_p] = _sort_jvp
ad.transpose_rules[sort_p] = _sort_transpose
batch_rules[sort_p] = _sort_batch
# compiled: a native stable merge sort per row, operands gathered by the permutation
fusion.control_rules[sort_p] = lower_sort.sort_rule
fusion.fused_operand_prims.add(sort_p)


# ---------------------------------------------------------------------------------------------
# top_k: the k largest entries along the last axis (stable: ties keep index order; NaN counts
# as the largest) and their indices. JVP: the tangents at the indices, picked by a one-hot.


def _top_k_impl(x, k):
    y = x.astype(np.float32) if x.dtype in _LOW else x
    if dtypes.is_float(y.dtype):
        key = np.where(np.isnan(y), -np.inf, -y)
        # NaN first, then descending values; equal keys keep index order
        nan_first = ~np.isnan(y)
        perm = np.lexsort((key, nan_first), axis=-1)
    elif y.dtype == np.bool_:
        perm = np.argsort(~y, axis=-1, kind="stable")
    elif y.dtype.kind == "u":
        perm = np.argsort(np.iinfo(y.dtype).max - y, axis=-1, kind="stable")
    else:
        perm = np.lexsort((-(y.astype(np.int64)),), axis=-1)
    idx = perm[..., :k]
    return [np.take_along_axis(x, idx, axis=-1), idx.astype(np.int32)]


def _top_k_abstract(x, k):
    if x.ndim == 0 or not 0 <= k <= x.shape[-1]:
        raise JTransValueError(
            f"top_k: k={k} must be between 0 and the size of the last axis of an array of "
            f"rank >= 1, got shape {x.shape}"
        )
    shape = x.shape[:-1] + (k,)
    return [core.ShapedArray(shape, x.dtype, x.weak_type), core.ShapedArray(shape, dtypes.int32)]


top_k_p = standard_primitive("top_k", _top_k_impl, _top_k_abstract, multiple_results=True)


def top_k(operand, k, *, axis=-1):
    """The k largest entries along `axis` (default the last) and their indices."""
    x = as_operand(operand)
    nd = _aval(x).ndim
    if nd == 0:
        raise JTransValueError("top_k needs an operand of rank 1 or more, got a scalar")
    ax = canonical_axis(axis, nd)
    if ax == nd - 1:
        return tuple(top_k_p.bind(x, k=int(k)))
    perm = tuple(i for i in range(nd) if i != ax) + (ax,)
    inv = tuple(int(i) for i in np.argsort(perm))
    vals, idx = top_k_p.bind(st.transpose(x, perm), k=int(k))
    return st.transpose(vals, inv), st.transpose(idx, inv)


def _take_last(t, idx):
    """t[..., idx[..., j]] for each j, as a one-hot contraction (linear in t)."""
    n = _aval(t).shape[-1]
    shape = _aval(idx).shape + (n,)
    nd = len(shape)
    onehot = ew.eq(st.broadcast_in_dim(idx, shape, tuple(range(nd - 1))),
                   st.broadcasted_iota(dtypes.int32, shape, nd - 1))  # fmt: skip
    onehot = st.convert_element_type(onehot, _aval(t).dtype)
    tb = st.broadcast_in_dim(t, shape, tuple(range(nd - 2)) + (nd - 1,))
    return reduce_sum(ew.mul(tb, onehot), (nd - 1,))


def _top_k_jvp(primals, tangents, k):
    (x,), (g,) = primals, tangents
    vals, idx = top_k_p.bind(x, k=k)
    return [vals, idx], [_take_last(g, idx), Zero(ad.tangent_aval(_aval(idx)))]


def _top_k_batch(vals, dims, k):
    (x,), (d,) = vals, dims
    x = batching.moveaxis(x, d, 0)
    return top_k_p.bind(x, k=k), [0, 0]


ad.jvp_rules[top_k_p] = _top_k_jvp
batch_rules[top_k_p] = _top_k_batch


# ---------------------------------------------------------------------------------------------
# windowed reductions (pooling). Each window reduces `window_dimensions` elements of the
# operand after it is dilated (`base_dilation`) and padded (`padding`, pairs that may be
# negative) with the identity; windows are `window_dilation`-spaced and `window_strides` apart.


def _pad_dilate(x, fill, padding, base_dilation):
    if any(d > 1 for d in base_dilation):
        shape = [0 if s == 0 else (s - 1) * d + 1 for s, d in zip(x.shape, base_dilation)]
        y = np.full(shape, fill, x.dtype)
        y[tuple(slice(None, None, d) for d in base_dilation)] = x
        x = y
    crop = tuple(slice(max(-lo, 0), s - max(-hi, 0)) for s, (lo, hi) in zip(x.shape, padding))
    x = x[crop]
    pads = [(max(lo, 0), max(hi, 0)) for lo, hi in padding]
    if any(p != (0, 0) for p in pads):
        x = np.pad(x, pads, constant_values=fill)
    return x


def _window_out_shape(shape, window, strides, padding, base_dilation, window_dilation):
    out = []
    for s, w, st_, (lo, hi), bd, wd in zip(shape, window, strides, padding, base_dilation,
                                            window_dilation):  # fmt: skip
        padded = (0 if s == 0 else (s - 1) * bd + 1) + lo + hi
        eff = 0 if w == 0 else (w - 1) * wd + 1
        out.append(max(0, (padded - eff) // st_ + 1) if padded >= eff else 0)
    return tuple(out)


def _windows(x, fill, window, strides, padding, base_dilation, window_dilation):
    """The windows of x: shape out_shape + (prod(window),)."""
    out_shape = _window_out_shape(x.shape, window, strides, padding, base_dilation,
                                  window_dilation)  # fmt: skip
    k = int(np.prod(window, dtype=np.int64))
    p = _pad_dilate(x, fill, padding, base_dilation)
    if 0 in out_shape or k == 0:
        return np.full(out_shape + (k,), fill, x.dtype)
    eff = tuple((w - 1) * d + 1 for w, d in zip(window, window_dilation))
    v = sliding_window_view(p, eff)
    v = v[tuple(slice(None, None, s) for s in strides) + tuple(slice(None, None, d) for d in
                                                                window_dilation)]  # fmt: skip
    v = v[tuple(slice(0, o) for o in out_shape)]
    return v.reshape(out_shape + (k,))


def _rw_abstract(x, window_dimensions, window_strides, padding, base_dilation, window_dilation,
                 **_):  # fmt: skip
    nd = x.ndim
    for name, v in (("window_dimensions", window_dimensions), ("window_strides", window_strides),
                    ("padding", padding), ("base_dilation", base_dilation),
                    ("window_dilation", window_dilation)):  # fmt: skip
        if len(v) != nd:
            raise JTransValueError(
                f"reduce_window: {name} has {len(v)} entries but the operand has rank {nd} "
                f"(shape {x.shape}); give one entry per operand dimension"
            )
    shape = _window_out_shape(x.shape, window_dimensions, window_strides, padding,
                              base_dilation, window_dilation)  # fmt: skip
    return core.ShapedArray(shape, x.dtype, x.weak_type)


def _rw_impl(kind):
    def impl(x, window_dimensions, window_strides, padding, base_dilation, window_dilation):
        dt = x.dtype
        y = x.astype(np.float32) if dt in _LOW else x
        fill = 0 if kind == "sum" else _identity(y.dtype, kind)
        w = _windows(y, fill, window_dimensions, window_strides, padding, base_dilation,
                     window_dilation)  # fmt: skip
        if kind == "sum":
            out = np.sum(w, axis=-1, dtype=y.dtype)
        elif kind == "max":
            out = np.max(w, axis=-1, initial=fill)
        else:
            out = np.min(w, axis=-1, initial=fill)
        return np.asarray(out).astype(dt)

    return impl


def _rw_params(nd, window_dimensions, window_strides, padding, base_dilation, window_dilation):
    return {
        "window_dimensions": tuple(int(w) for w in window_dimensions),
        "window_strides": tuple(int(s) for s in window_strides),
        "padding": tuple((int(lo), int(hi)) for lo, hi in padding),
        "base_dilation": (1,) * nd if base_dilation is None else tuple(int(d) for d in base_dilation),
        "window_dilation": (1,) * nd if window_dilation is None else tuple(int(d) for d in
                                                                         window_dilation),
    }  # fmt: skip


def _rw_batch(prim):
    def rule(vals, dims, **params):
        size = batching.current_axis_size()
        vals = [batching.bdim_at_front(v, d, size) for v, d in zip(vals, dims)]
        new = {}
        for k, v in params.items():
            if k == "select_prim":
                new[k] = v
            elif k == "padding":
                new[k] = ((0, 0),) + v
            else:
                new[k] = (1,) + v
        return prim.bind(*vals, **new), 0

    batch_rules[prim] = rule


def _reduce_window_sum_bind(x, window_dimensions, window_strides, padding, base_dilation,
                            window_dilation):  # fmt: skip
    return reduce_window_sum_p.bind(
        x, window_dimensions=window_dimensions, window_strides=window_strides, padding=padding,
        base_dilation=base_dilation, window_dilation=window_dilation,
    )  # fmt: skip


def _dilate_shape(shape, dilation):
    return tuple(0 if s == 0 else 1 + d * (s - 1) for s, d in zip(shape, dilation))


def conv_general_vjp_lhs_padding(in_shape, window_dimensions, window_strides, out_shape, padding,
                                 lhs_dilation, rhs_dilation):  # fmt: skip
    """Padding of the cotangent for the transpose of a windowed op w.r.t. its input."""
    lhs_d = _dilate_shape(in_shape, lhs_dilation)
    rhs_d = _dilate_shape(window_dimensions, rhs_dilation)
    out_d = _dilate_shape(out_shape, window_strides)
    before = [r - lo - 1 for r, (lo, _) in zip(rhs_d, padding)]
    after = [ld + r - 1 - od - b for ld, r, od, b in zip(lhs_d, rhs_d, out_d, before)]
    return tuple(zip(before, after))


# reduce_window_sum: linear; the transpose spreads each cotangent over its window, which is a
# windowed sum of the cotangent dilated by the strides (JAX's formulation)
reduce_window_sum_p = standard_primitive("reduce_window_sum", _rw_impl("sum"), _rw_abstract)
_rw_batch(reduce_window_sum_p)
fusion.control_rules[reduce_window_sum_p] = lower_ix.reduce_window_rule("add", lambda d: 0)
fusion.fused_operand_prims.add(reduce_window_sum_p)  # compiled: native window loops


def _reduce_window_sum_transpose(ct, x, window_dimensions, window_strides, padding,
                                 base_dilation, window_dilation):  # fmt: skip
    in_shape = x.aval.shape
    if type(ct) is Zero:
        return [Zero(x.aval)]
    pads = conv_general_vjp_lhs_padding(in_shape, window_dimensions, window_strides,
                                        _aval(ct).shape, padding, base_dilation,
                                        window_dilation)  # fmt: skip
    out = _reduce_window_sum_bind(ct, window_dimensions, base_dilation, pads, window_strides,
                                  window_dilation)  # fmt: skip
    assert _aval(out).shape == in_shape, (_aval(out).shape, in_shape)
    return [out]


ad.deflinear(reduce_window_sum_p, _reduce_window_sum_transpose)


# select_and_gather_add(t, x): for each window, the entry of t where x is largest (or smallest:
# select_prim="min"). Linear in t; its transpose scatters cotangents to those places
# (select_and_scatter_add), whose transpose is select_and_gather_add again.


def _select_positions(x, select_prim, window_dimensions, window_strides, padding, base_dilation,
                      window_dilation):  # fmt: skip
    y = x.astype(np.float32) if x.dtype in _LOW else x
    fill = _identity(y.dtype, select_prim)
    w = _windows(y, fill, window_dimensions, window_strides, padding, base_dilation,
                 window_dilation)  # fmt: skip
    if w.shape[-1] == 0:
        return w.astype(np.int64)[..., :0], w.shape[:-1]
    pick = np.argmax(w, axis=-1) if select_prim == "max" else np.argmin(w, axis=-1)
    return pick[..., None], w.shape[:-1]


def _sga_impl(t, x, select_prim, window_dimensions, window_strides, padding, base_dilation,
              window_dilation):  # fmt: skip
    pick, out_shape = _select_positions(x, select_prim, window_dimensions, window_strides,
                                        padding, base_dilation, window_dilation)  # fmt: skip
    tw = _windows(t, 0, window_dimensions, window_strides, padding, base_dilation,
                  window_dilation)  # fmt: skip
    if pick.shape[-1] == 0:
        return np.zeros(out_shape, t.dtype)
    out = np.take_along_axis(tw, pick, axis=-1)[..., 0]
    return out if out.flags.c_contiguous else out.copy(order="C")  # (rank 0 stays rank 0)


def _ssa_impl(s, x, select_prim, window_dimensions, window_strides, padding, base_dilation,
              window_dilation):  # fmt: skip
    pick, _out_shape = _select_positions(x, select_prim, window_dimensions, window_strides,
                                        padding, base_dilation, window_dilation)  # fmt: skip
    padded_shape = _pad_dilate(np.empty(x.shape, np.bool_), False, padding, base_dilation).shape
    flat = np.arange(int(np.prod(padded_shape, dtype=np.int64)), dtype=np.int64)
    flat = flat.reshape(padded_shape)
    none = ((0, 0),) * x.ndim
    ones = (1,) * x.ndim
    iw = _windows(flat, -1, window_dimensions, window_strides, none, ones, window_dilation)
    acc = np.zeros(flat.size, s.dtype if s.dtype not in _LOW else np.float32)
    if pick.shape[-1] and pick.size:
        where = np.take_along_axis(iw, pick, axis=-1)[..., 0]
        np.add.at(acc, where.ravel(), s.ravel())
    acc = acc.reshape(padded_shape)
    # undo the padding (re-adding what negative padding cropped) and the dilation
    dil = _dilate_shape(x.shape, base_dilation)
    acc = _pad_dilate(acc, 0, tuple((-lo, -hi) for lo, hi in padding), (1,) * x.ndim)
    assert acc.shape == dil, (acc.shape, dil)
    acc = acc[tuple(slice(None, None, d) for d in base_dilation)]
    return np.ascontiguousarray(acc).astype(s.dtype)


def _sga_abstract(t, x, select_prim, **params):
    return _rw_abstract(x, **params).update(dtype=t.dtype, weak_type=t.weak_type)


def _ssa_abstract(s, x, select_prim, **params):
    return x.update(dtype=s.dtype, weak_type=s.weak_type)


select_and_gather_add_p = standard_primitive("select_and_gather_add", _sga_impl, _sga_abstract)
select_and_scatter_add_p = standard_primitive("select_and_scatter_add", _ssa_impl, _ssa_abstract)
_rw_batch(select_and_gather_add_p)
_rw_batch(select_and_scatter_add_p)
# compiled: the max-pool derivatives as native window loops (jtrans/lowering/conv.py)
fusion.control_rules[select_and_gather_add_p] = lower_conv.window_select_rule("gather")
fusion.control_rules[select_and_scatter_add_p] = lower_conv.window_select_rule("scatter")
fusion.fused_operand_prims |= {select_and_gather_add_p, select_and_scatter_add_p}


def _linear_in_first(prim):
    def jvp(primals, tangents, **params):
        out = prim.bind(*primals, **params)
        g = tangents[0]
        if type(g) is Zero:
            return out, Zero(ad.tangent_aval(_aval(out)))
        return out, prim.bind(g, primals[1], **params)

    ad.jvp_rules[prim] = jvp


_linear_in_first(select_and_gather_add_p)
_linear_in_first(select_and_scatter_add_p)
ad.transpose_rules[select_and_gather_add_p] = lambda ct, t, x, **p: [
    Zero(t.aval) if type(ct) is Zero else select_and_scatter_add_p.bind(ct, x, **p),
    None,
]
ad.transpose_rules[select_and_scatter_add_p] = lambda ct, s, x, **p: [
    Zero(s.aval) if type(ct) is Zero else select_and_gather_add_p.bind(ct, x, **p),
    None,
]


def _rw_extremum(kind):
    prim = standard_primitive(f"reduce_window_{kind}", _rw_impl(kind), _rw_abstract)
    _rw_batch(prim)
    identity = lower_ix.max_identity if kind == "max" else lower_ix.min_identity
    fusion.control_rules[prim] = lower_ix.reduce_window_rule(kind, identity)
    fusion.fused_operand_prims.add(prim)

    def jvp(primals, tangents, **params):
        (x,), (g,) = primals, tangents
        out = prim.bind(x, **params)
        return out, select_and_gather_add_p.bind(g, x, select_prim=kind, **params)

    ad.jvp_rules[prim] = jvp
    return prim


reduce_window_max_p = _rw_extremum("max")
reduce_window_min_p = _rw_extremum("min")


def padtype_to_pads(in_shape, window_shape, window_strides, padding):
    """Explicit (lo, hi) pairs for padding "SAME", "SAME_LOWER" or "VALID"."""
    if not isinstance(padding, str):
        return tuple((int(lo), int(hi)) for lo, hi in padding)
    p = padding.upper()
    if p == "VALID":
        return ((0, 0),) * len(in_shape)
    if p in ("SAME", "SAME_LOWER"):
        out = []
        for s, w, st_ in zip(in_shape, window_shape, window_strides):
            o = -(-s // st_)
            total = max(0, (o - 1) * st_ + w - s)
            lo = total // 2 if p == "SAME" else total - total // 2
            out.append((lo, total - lo))
        return tuple(out)
    raise JTransValueError(
        f"padding must be 'SAME', 'SAME_LOWER', 'VALID' or pairs, got {padding!r}"
    )


def _computation_kind(computation):
    names = {ew.add: "sum", ew.max: "max", ew.min: "min", ew.mul: "prod",
             ew.bitwise_and: "and", ew.bitwise_or: "or"}  # fmt: skip
    kind = names.get(computation)
    if kind is None:
        raise NotImplementedError(
            f"reduce_window/reduce with computation {computation!r}: only lax.add, lax.max "
            "and lax.min (lax.mul, lax.bitwise_and, lax.bitwise_or for lax.reduce) are supported"
        )
    return kind


def _scalar_value(v):
    if isinstance(v, core.Tracer):
        return None
    return np.asarray(getattr(v, "_value", v)).item()


def _reduce_window_generic(x, init_value, computation, params):
    """reduce_window with any elementwise computation: the operand padded with init_value
    (base dilation as interior padding), one strided slice per window offset, folded into
    init_value with `computation` (built from other lax ops, so every transformation applies)."""
    aval = _aval(x)
    init = st.convert_element_type(as_operand(init_value), aval.dtype)
    cfg = [(lo, hi, b - 1) for (lo, hi), b in zip(params["padding"], params["base_dilation"])]
    xp = st.pad(x, init, cfg)
    wdims, strides, wd = params["window_dimensions"], params["window_strides"], params["window_dilation"]  # fmt: skip
    padded = _aval(xp).shape
    out_shape = tuple(max(0, (n - ((w - 1) * d + 1)) // s + 1) if n else 0
                      for n, w, d, s in zip(padded, wdims, wd, strides))  # fmt: skip
    acc = st.broadcast_in_dim(init, out_shape, ())
    if 0 in out_shape:
        return acc
    for offs in itertools.product(*[range(w) for w in wdims]):
        start = [o * d for o, d in zip(offs, wd)]
        limit = [b + (n - 1) * s + 1 for b, n, s in zip(start, out_shape, strides)]
        acc = computation(acc, st.slice(xp, start, limit, strides))
    return acc


def reduce_window(operand, init_value, computation, window_dimensions, window_strides=None,
                  padding="VALID", base_dilation=None, window_dilation=None):  # fmt: skip
    """lax.reduce_window: lax.add, lax.max and lax.min reduce through their window primitives;
    any other elementwise computation (lax.mul, a lambda) folds strided slices of the operand."""
    x = as_operand(operand)
    aval = _aval(x)
    nd = aval.ndim
    window_strides = (1,) * nd if window_strides is None else tuple(window_strides)
    bd = (1,) * nd if base_dilation is None else tuple(base_dilation)
    wd = (1,) * nd if window_dilation is None else tuple(window_dilation)
    if isinstance(padding, str):
        padding = padtype_to_pads(_dilate_shape(aval.shape, bd),
                                  _dilate_shape(window_dimensions, wd), window_strides, padding)  # fmt: skip
    params = _rw_params(nd, window_dimensions, window_strides, padding, bd, wd)
    prims = {"sum": reduce_window_sum_p, "max": reduce_window_max_p, "min": reduce_window_min_p}
    try:
        kind = _computation_kind(computation)
    except NotImplementedError:
        kind = None
    if kind not in prims:
        return _reduce_window_generic(x, init_value, computation, params)
    out = prims[kind].bind(x, **params)
    # padding and the result take init_value: fold it in unless it is the identity
    init = _scalar_value(init_value)
    if kind == "sum":
        if init == 0:
            return out
        ones = st.full_like(x, 1)
        count = reduce_window_sum_p.bind(ones, **params)
        k = int(np.prod(params["window_dimensions"], dtype=np.int64))
        extra = ew.sub(st.full_like(count, k + 1), count)
        return ew.add(out, ew.mul(extra, st.full_like(out, init_value) if init is not None
                                  else st.broadcast_in_dim(init_value, _aval(out).shape, ())))  # fmt: skip
    if init is not None and init == _identity(aval.dtype, kind):
        return out
    iv = st.broadcast_in_dim(st.convert_element_type(init_value, aval.dtype),
                             _aval(out).shape, ())  # fmt: skip
    return (ew.max if kind == "max" else ew.min)(out, iv)


def _reduce_tree(ops, inits, computation, dimensions, single):
    """lax.reduce with any (associative, commutative) computation: the reduced axes become one
    trailing axis, which is halved log2(n) times by applying `computation` to its two halves
    (padded with the init values when odd). Built from other lax ops, so every transformation
    applies; the computation must work elementwise (as lax and jnp functions do)."""
    ops = [as_operand(x) for x in ops]
    shape = _aval(ops[0]).shape
    for x in ops[1:]:
        if _aval(x).shape != shape:
            raise JTransValueError(
                f"lax.reduce: all operands must have the same shape, got "
                f"{[tuple(_aval(o).shape) for o in ops]}"
            )
    dims = sorted(canonical_axis(d, len(shape)) for d in dimensions)
    keep = [d for d in range(len(shape)) if d not in dims]
    kept = tuple(shape[d] for d in keep)
    n = int(np.prod([shape[d] for d in dims], dtype=np.int64))
    xs = [st.reshape(st.transpose(x, keep + dims), (*kept, n)) for x in ops]
    inits = [st.convert_element_type(as_operand(i), _aval(x).dtype) for i, x in zip(inits, ops)]
    pads = [st.broadcast_in_dim(i, (*kept, 1), ()) for i in inits]

    def apply(a, b):
        out = computation(a[0], b[0]) if single else computation(tuple(a), tuple(b))
        out = [out] if single else list(out)
        return [st.convert_element_type(o, _aval(x).dtype) for o, x in zip(out, xs)]

    while n > 1:
        if n % 2:
            xs = [st.concatenate([x, p], len(kept)) for x, p in zip(xs, pads)]
            n += 1
        half = n // 2
        xs = apply([st.slice_in_dim(x, 0, half, axis=len(kept)) for x in xs],
                   [st.slice_in_dim(x, half, n, axis=len(kept)) for x in xs])  # fmt: skip
        n = half
    if n == 0:
        outs = [st.broadcast_in_dim(i, kept, ()) for i in inits]
    else:
        outs = [st.reshape(x, kept) for x in xs]
        outs = apply(outs, [st.broadcast_in_dim(i, kept, ()) for i in inits])
    return outs[0] if single else tuple(outs)


def reduce(operands, init_values, computation, dimensions):
    """lax.reduce: the monoids add, mul, max, min, and, or as reduction primitives; any other
    (associative, commutative, elementwise) computation, or several operands reduced together,
    as a tree of applications of `computation`."""
    single = not isinstance(operands, (tuple, list))
    try:
        kind = _computation_kind(computation)
    except NotImplementedError:
        kind = None
    if kind is None or (not single and len(operands) > 1):
        ops = [operands] if single else list(operands)
        inits = [init_values] if single else list(init_values)
        if len(ops) != len(inits):
            raise JTransValueError(f"lax.reduce: {len(ops)} operands but {len(inits)} init values")
        return _reduce_tree(ops, inits, computation, dimensions, single)
    single = not isinstance(operands, (tuple, list))
    ops = [operands] if single else list(operands)
    inits = [init_values] if single else list(init_values)
    fns = {"sum": (reduce_sum, ew.add), "prod": (reduce_prod, ew.mul),
           "max": (reduce_max, ew.max), "min": (reduce_min, ew.min),
           "and": (reduce_and, ew.bitwise_and), "or": (reduce_or, ew.bitwise_or)}  # fmt: skip
    red, comb = fns[kind]
    outs = []
    for x, init in zip(ops, inits):
        x = as_operand(x)
        r = red(x, tuple(dimensions))
        iv = _scalar_value(init)
        identity = {"sum": 0, "prod": 1, "and": -1 if _aval(x).dtype != dtypes.bool_ else True,
                    "or": 0}.get(kind)  # fmt: skip
        if kind in ("max", "min"):
            identity = _identity(_aval(x).dtype, kind)
        if iv is None or iv != identity:
            init = st.convert_element_type(init, _aval(r).dtype)
            r = comb(r, st.broadcast_in_dim(init, _aval(r).shape, ()))
        outs.append(r)
    return outs[0] if single else tuple(outs)


__all__ = [n for n in dir() if not n.startswith("_") and n not in (
    "np", "core", "dtypes", "ad", "batching", "ew", "st", "standard_primitive", "batch_rules",
    "canonical_axis", "as_operand", "JTransValueError", "JTransTypeError", "Zero",
    "sliding_window_view", "fusion", "lower_conv", "lower_ix", "lower_sort")]  # fmt: skip
