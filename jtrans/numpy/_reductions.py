"""Reductions and statistics: sum, prod, max, min, mean, var, std, ptp, argmax, argmin, all,
any, cumulative sums and products, average, count_nonzero, median, quantile, percentile and
the nan-ignoring variants. Integer sums and products promote like JAX's (bool and small ints
to the default int; int32 stays int32 with x64 off)."""

import builtins

import numpy as np

from .. import core, dtypes, lax
from ..errors import JTransValueError
from ._util import asarray_any, broadcast_to_shape, canonical_axes, canonical_axis, check_arraylike


def _prep(name, a):
    check_arraylike(name, a)
    a = asarray_any(a)
    return a, core.get_aval(a)


def _check_out(name, out):
    if out is not None:  # as in JAX: arrays are immutable, there is no output buffer to fill
        raise NotImplementedError(f"The 'out' argument to jnp.{name} is not supported.")


def _check_quantile_args(out, overwrite_input):
    if out is not None or overwrite_input:  # JAX raises ValueError here
        raise JTransValueError(
            "jnp.quantile (and percentile, median) does not support overwrite_input=True or "
            "out != None: arrays are immutable, use the returned value"
        )


def _promote_integer_dtype(dt):
    if dt == dtypes.bool_:
        return dtypes.default_int()
    if dt.kind == "u":
        du = dtypes.canonicalize_dtype(np.uint64)
        return du if dt.itemsize < du.itemsize else dt
    if dt.kind == "i":
        di = dtypes.default_int()
        return di if dt.itemsize < di.itemsize else dt
    return dt


def _keepdims(out, shape, axes):
    return lax.reshape(out, tuple(1 if i in axes else s for i, s in enumerate(shape)))


def _where_mask(where, shape):
    w = asarray_any(where)
    if core.get_aval(w).dtype != dtypes.bool_:
        w = lax.ne(w, lax.full_like(w, 0))
    return broadcast_to_shape(w, shape)


def _apply_where(a, where, fill):
    if where is None:
        return a
    aval = core.get_aval(a)
    return lax.select(_where_mask(where, aval.shape), a, lax.full(aval.shape, fill, aval.dtype))


def _count(shape, axes, where, dtype):
    if where is None:
        n = 1
        for ax in axes:
            n *= shape[ax]
        return n
    m = lax.convert_element_type(_where_mask(where, shape), dtype)
    return lax.reduce_sum(m, axes)


def _reduction(name, lax_fn, identity, promote_int=False, has_initial=True, bool_fn=None):
    def f(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None,
          promote_integers=True):  # fmt: skip
        if out is not None:
            raise NotImplementedError(f"jnp.{name}: the out argument is not supported")
        a, aval = _prep(name, a)
        axes = canonical_axes(axis, aval.ndim)
        if dtype is not None:
            a = lax.convert_element_type(a, dtypes.check_dtype(dtype))
        elif promote_int and promote_integers:
            a = lax.convert_element_type(a, _promote_integer_dtype(aval.dtype))
        dt = core.get_aval(a).dtype
        if identity is None:
            empty = builtins.any(aval.shape[ax] == 0 for ax in axes)
            if empty and initial is None:
                raise JTransValueError(
                    f"zero-size array to reduction operation {name} which has no identity "
                    f"(shape {aval.shape}, axis {axis}); pass initial= to reduce empty arrays"
                )
            if where is not None and initial is None:
                raise JTransValueError(
                    f"reduction operation {name} with where= requires initial= to be given"
                )
            fill = _extreme(dt, name) if initial is None else initial
        else:
            fill = identity
        a = _apply_where(a, where, fill)
        res = lax_fn(a, axes)
        if initial is not None:
            comb = {"sum": lax.add, "prod": lax.mul, "max": lax.max, "min": lax.min}[name]
            init = lax.convert_element_type(asarray_any(initial), dt)
            res = comb(res, lax.broadcast_in_dim(init, core.get_aval(res).shape, ()))
        if core.get_aval(res).weak_type:  # JAX's reductions return strongly typed results
            res = lax.convert_element_type(res, core.get_aval(res).dtype)
        return _keepdims(res, aval.shape, axes) if keepdims else res

    f.__name__ = name
    return f


def _extreme(dt, name):
    if dt == dtypes.bool_:
        return name == "min"
    if dtypes.is_inexact(dt):
        return -np.inf if name == "max" else np.inf
    info = np.iinfo(dt)
    return info.min if name == "max" else info.max


sum = _reduction("sum", lax.reduce_sum, 0, promote_int=True)
prod = _reduction("prod", lax.reduce_prod, 1, promote_int=True)
_max = _reduction("max", lax.reduce_max, None)
_min = _reduction("min", lax.reduce_min, None)


def max(a, axis=None, out=None, keepdims=False, initial=None, where=None):
    """Maximum along axis (JAX's signature: no dtype, out third)."""
    return _max(a, axis, out=out, keepdims=keepdims, initial=initial, where=where)


def min(a, axis=None, out=None, keepdims=False, initial=None, where=None):
    """Minimum along axis (JAX's signature: no dtype, out third)."""
    return _min(a, axis, out=out, keepdims=keepdims, initial=initial, where=where)


amax, amin = max, min


def _bool_reduction(name, lax_fn, identity):
    def f(a, axis=None, out=None, keepdims=False, *, where=None):
        _check_out(name, out)
        a, aval = _prep(name, a)
        axes = canonical_axes(axis, aval.ndim)
        if aval.dtype != dtypes.bool_:
            a = lax.ne(a, lax.full_like(a, 0))
        a = _apply_where(a, where, identity)
        res = lax_fn(a, axes)
        return _keepdims(res, aval.shape, axes) if keepdims else res

    f.__name__ = name
    return f


all = _bool_reduction("all", lax.reduce_and, True)
any = _bool_reduction("any", lax.reduce_or, False)


def _mean_dtype(dt, dtype):
    if dtype is not None:
        return dtypes.check_dtype(dtype)
    return dtypes.to_inexact_dtype(dt)


def mean(a, axis=None, dtype=None, out=None, keepdims=False, *, where=None):
    _check_out("mean", out)
    a, aval = _prep("mean", a)
    axes = canonical_axes(axis, aval.ndim)
    dt = _mean_dtype(aval.dtype, dtype)
    a = lax.convert_element_type(a, dt)
    s = sum(a, axis=axes, keepdims=keepdims, where=where)
    n = _count(aval.shape, axes, where, dt)
    if where is not None and keepdims:
        n = _keepdims(n, aval.shape, axes)
    return lax.div(s, lax.full_like(s, n) if isinstance(n, int) else n)


_mean = mean  # var's and std's `mean=` argument shadows the function


def _given_mean(name, m, aval, dt):
    """A precomputed `mean=` (NumPy 2 / JAX): a scalar or an array shaped like the result
    with keepdims=True, broadcast to the data's shape."""
    m = asarray_any(m)
    ma = core.get_aval(m)
    if ma.ndim not in (0, aval.ndim):
        raise JTransValueError(
            f"{name}: mean= of shape {ma.shape} must be a scalar or keep the reduced axes "
            f"(keepdims=True) for data of shape {aval.shape}"
        )
    return broadcast_to_shape(lax.convert_element_type(m, dt), aval.shape)


def var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None, mean=None,
        correction=None):  # fmt: skip
    _check_out("var", out)
    if correction is not None:
        ddof = correction
    a, aval = _prep("var", a)
    axes = canonical_axes(axis, aval.ndim)
    dt = _mean_dtype(aval.dtype, dtype)
    a = lax.convert_element_type(a, dt)
    if mean is not None:
        m = _given_mean("var", mean, aval, dt)
    else:
        m = broadcast_to_shape(_mean(a, axis=axes, keepdims=True, where=where), aval.shape)
    centered = lax.sub(a, m)
    if dtypes.is_complex(dt):
        sq = lax.real(lax.mul(centered, lax.conj(centered)))
    else:
        sq = lax.mul(centered, centered)
    rdt = core.get_aval(sq).dtype
    s = sum(sq, axis=axes, keepdims=keepdims, where=where)
    n = _count(aval.shape, axes, where, rdt)
    # as in JAX, a non-positive normalizer (ddof >= count) gives NaN (NumPy: inf or negative)
    if isinstance(n, int):
        if n - ddof <= 0:
            return lax.mul(s, lax.full_like(s, np.nan))
        return lax.div(s, lax.full_like(s, n - ddof))
    if keepdims:
        n = _keepdims(n, aval.shape, axes)
    norm = lax.sub(n, lax.full_like(n, ddof))
    bad = lax.le(norm, lax.full_like(norm, 0))
    safe = lax.select(bad, lax.full_like(norm, 1), norm)
    return lax.select(bad, lax.full_like(s, np.nan), lax.div(s, safe))


def std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None, mean=None,
        correction=None):  # fmt: skip
    _check_out("std", out)
    return lax.sqrt(var(a, axis, dtype, out, ddof, keepdims, where=where, mean=mean,
                        correction=correction))  # fmt: skip


def ptp(a, axis=None, out=None, keepdims=False):
    _check_out("ptp", out)
    return lax.sub(max(a, axis, keepdims=keepdims), min(a, axis, keepdims=keepdims))


def _arg_reduction(name, lax_fn):
    def f(a, axis=None, out=None, keepdims=False):
        _check_out(name, out)
        a, aval = _prep(name, a)
        shape = aval.shape
        if axis is None:
            a = lax.reshape(a, (aval.size,))
            ax = 0
        else:
            ax = canonical_axis(axis, aval.ndim)
        if core.get_aval(a).ndim == 0:
            a = lax.reshape(a, (1,))
        if core.get_aval(a).shape[ax] == 0:
            raise JTransValueError(
                f"attempt to get {name} of an empty sequence (shape {shape}, axis {axis})"
            )
        res = lax_fn(a, ax, dtypes.default_int())
        if keepdims:
            axes = tuple(range(len(shape))) if axis is None else (ax,)
            res = _keepdims(res, shape, axes)
        return res

    f.__name__ = name
    return f


argmax = _arg_reduction("argmax", lax.argmax)
argmin = _arg_reduction("argmin", lax.argmin)


def _cumulative(name, lax_fn, promote=True):
    def f(a, axis=None, dtype=None, out=None):
        _check_out(name, out)
        a, aval = _prep(name, a)
        if axis is None:
            a = lax.reshape(a, (aval.size,))
            axis = 0
        ax = canonical_axis(axis, core.get_aval(a).ndim)
        if dtype is not None:
            a = lax.convert_element_type(a, dtypes.check_dtype(dtype))
        elif promote and aval.dtype == dtypes.bool_:  # as in JAX, int8 stays int8 here
            a = lax.convert_element_type(a, dtypes.default_int())
        if core.get_aval(a).weak_type:  # as in JAX, the result is strongly typed
            a = lax.convert_element_type(a, core.get_aval(a).dtype)
        if core.get_aval(a).ndim == 0:
            return lax.reshape(a, (1,))
        return lax_fn(a, axis=ax)

    f.__name__ = name
    return f


cumsum = _cumulative("cumsum", lax.cumsum)
cumprod = _cumulative("cumprod", lax.cumprod)


def _array_api_cumulative(name, jnp_fn, initial):
    """cumulative_sum / cumulative_prod: the array-API forms of cumsum / cumprod."""

    def f(x, /, *, axis=None, dtype=None, include_initial=False):
        x, aval = _prep(name, x)
        if axis is None:
            if aval.ndim > 1:
                raise JTransValueError(
                    f"{name}: axis must be given for arrays of rank > 1 (shape {aval.shape})"
                )
            axis = 0
        if dtype is None:  # unlike cumsum, the array-API functions promote small integers
            dtype = _promote_integer_dtype(aval.dtype)
        out = jnp_fn(x, axis, dtype)
        if include_initial:
            cfg = [(0, 0, 0)] * aval.ndim
            cfg[canonical_axis(axis, aval.ndim)] = (1, 0, 0)
            out = lax.pad(out, lax.full((), initial, core.get_aval(out).dtype), cfg)
        return out

    f.__name__ = f.__qualname__ = name
    return f


cumulative_sum = _array_api_cumulative("cumulative_sum", cumsum, 0)
cumulative_prod = _array_api_cumulative("cumulative_prod", cumprod, 1)


def average(a, axis=None, weights=None, returned=False, keepdims=False):
    a, aval = _prep("average", a)
    axes = canonical_axes(axis, aval.ndim)
    if weights is None:
        avg = mean(a, axis=axes, keepdims=keepdims)
        n = 1
        for ax in axes:
            n *= aval.shape[ax]
        wsum = lax.full_like(avg, n)
    else:
        w = asarray_any(weights)
        wa = core.get_aval(w)
        dt = dtypes.result_type(aval.dtype, wa.dtype)
        if not dtypes.is_inexact(dt):
            dt = dtypes.to_inexact_dtype(dt)
        a = lax.convert_element_type(a, dt)
        w = lax.convert_element_type(w, dt)
        if wa.shape != aval.shape:
            if axis is None or wa.ndim != 1 or len(axes) != 1 or wa.shape[0] != aval.shape[axes[0]]:
                raise JTransValueError(
                    f"average: weights of shape {wa.shape} must have the shape of a "
                    f"{aval.shape} or be 1-D with the length of the axis {axis}"
                )
            w = lax.broadcast_in_dim(w, aval.shape, (axes[0],))
        wsum = sum(w, axis=axes, keepdims=keepdims)
        avg = lax.div(sum(lax.mul(a, w), axis=axes, keepdims=keepdims), wsum)
    if returned:
        return avg, wsum
    return avg


def count_nonzero(a, axis=None, keepdims=False):
    a, _ = _prep("count_nonzero", a)
    nz = lax.ne(a, lax.full_like(a, 0))
    return sum(lax.convert_element_type(nz, dtypes.default_int()), axis=axis, keepdims=keepdims)


# ---------------------------------------------------------------------------------------------
# quantiles


def _isnan(x):
    return lax.ne(x, x)


def quantile(a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False,
             *, weights=None, interpolation=None):  # fmt: skip
    _check_quantile_args(out, overwrite_input)
    if interpolation is not None:
        method = interpolation
    return _quantile("quantile", a, q, axis, method, keepdims, False, weights=weights)


def percentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
               keepdims=False, *, weights=None, interpolation=None):  # fmt: skip
    _check_quantile_args(out, overwrite_input)
    if interpolation is not None:
        method = interpolation
    return _quantile("percentile", a, q, axis, method, keepdims, True, weights=weights)


def median(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    _check_quantile_args(out, overwrite_input)
    return _quantile("median", a, 0.5, axis, "linear", keepdims, False)


_QUANTILE_METHODS = ("linear", "lower", "higher", "nearest", "midpoint", "inverted_cdf")


def _quantile_weights(name, weights, aval, axis, method):
    """`weights` broadcast to the data's shape (JAX: the data's shape, or the reduced axes')."""
    if method != "inverted_cdf":
        raise NotImplementedError(
            f"{name}: method {method!r} doesn't support weights; only 'inverted_cdf' does"
        )
    w = asarray_any(weights)
    wa = core.get_aval(w)
    if dtypes.is_complex(wa.dtype):
        raise JTransValueError(f"{name}: weights cannot be complex (got {wa.dtype})")
    if wa.shape == aval.shape:
        return w
    if axis is None:
        raise JTransValueError(
            f"{name}: weights of shape {wa.shape} must match the data's shape {aval.shape} "
            "when axis is None"
        )
    axes = canonical_axes(axis, aval.ndim)
    if wa.shape != tuple(aval.shape[ax] for ax in axes):
        raise JTransValueError(
            f"{name}: weights of shape {wa.shape} must match the data's shape {aval.shape} or "
            f"the reduced axes' sizes {tuple(aval.shape[ax] for ax in axes)} (axis={axis})"
        )
    return lax.broadcast_in_dim(w, aval.shape, axes)


def _quantile(name, a, q, axis, method, keepdims, percent, ignore_nan=False, weights=None):
    a, aval = _prep(name, a)
    if method not in _QUANTILE_METHODS:
        raise JTransValueError(
            f"{name}: method {method!r} is not supported; use 'linear', 'lower', 'higher', "
            "'nearest', 'midpoint' or 'inverted_cdf'"
        )
    dt = dtypes.to_inexact_dtype(aval.dtype)
    if weights is not None:
        weights = _quantile_weights(name, weights, aval, axis, method)
        dt = dtypes.to_inexact_dtype(dtypes.result_type(dt, weights))
    elif method == "inverted_cdf":
        weights = lax.full(aval.shape, 1, dt)
    qdt = dtypes.result_type(dt, q)  # a Python scalar q is weak: float16 data stays float16
    q = asarray_any(q)
    dt = qdt if dtypes.is_inexact(qdt) else dt
    a = lax.convert_element_type(a, dt)
    q = lax.convert_element_type(q, dt)
    if percent:
        q = lax.div(q, lax.full_like(q, 100))
    q = lax.clamp(lax.full_like(q, 0), q, lax.full_like(q, 1))  # JAX clamps q to [0, 1]
    shape = aval.shape
    if axis is None:
        axes = tuple(range(aval.ndim))
        flat_shape = (aval.size,)
    else:
        axes = canonical_axes(axis, aval.ndim)
        kept = [i for i in range(aval.ndim) if i not in axes]
        n_red = 1
        for ax in axes:
            n_red *= shape[ax]
        flat_shape = tuple(shape[i] for i in kept) + (n_red,)
    perm = [i for i in range(aval.ndim) if i not in axes] + list(axes)

    def reduced_axis_last(x):
        return lax.reshape(lax.transpose(x, perm), flat_shape)

    a = reduced_axis_last(a)
    n = core.get_aval(a).shape[-1]
    if n == 0:
        raise JTransValueError(f"{name} of an empty array (shape {shape}, axis {axis})")
    nan = _isnan(a)
    if weights is not None:
        w = reduced_axis_last(lax.convert_element_type(weights, dt))
        s, w = lax.sort((a, w), dimension=-1, num_keys=1)
    else:
        s = lax.sort(a, dimension=-1)
    if ignore_nan:
        valid = lax.convert_element_type(lax.bitwise_not(nan), dt)
        cnt = lax.reduce_sum(valid, (core.get_aval(a).ndim - 1,))
        last = lax.sub(cnt, lax.full_like(cnt, 1))
    else:
        last = lax.full(core.get_aval(s).shape[:-1], n - 1, dt)
    qa = core.get_aval(q)
    # positions: shape q.shape + batch shape
    bshape = core.get_aval(s).shape[:-1]
    pshape = qa.shape + bshape
    qb = lax.broadcast_in_dim(q, pshape, tuple(range(qa.ndim)))
    lastb = lax.broadcast_in_dim(last, pshape, tuple(range(qa.ndim, len(pshape))))
    pos = lax.mul(qb, lastb)
    lo = lax.floor(pos)
    hi = lax.ceil(pos)
    if method == "inverted_cdf":
        pos_lo, bad_weight = _inverted_cdf_positions(s, w, qb, lastb, qa.ndim)
        pos_hi, frac = pos_lo, None
    elif method == "lower":
        pos_lo, pos_hi, frac = lo, lo, None
    elif method == "higher":
        pos_lo, pos_hi, frac = hi, hi, None
    elif method == "nearest":
        # JAX rounds a position halfway between two elements down (NumPy: to even)
        r = lax.select(lax.le(lax.sub(pos, lo), lax.full_like(pos, 0.5)), lo, hi)
        pos_lo, pos_hi, frac = r, r, None
    elif method == "midpoint":
        pos_lo, pos_hi, frac = lo, hi, lax.full_like(pos, 0.5)
    else:
        pos_lo, pos_hi, frac = lo, hi, lax.sub(pos, lo)
    v_lo = _pick(s, pos_lo, qa.ndim)
    if frac is None:
        res = v_lo
    else:
        v_hi = _pick(s, pos_hi, qa.ndim)
        res = lax.add(v_lo, lax.mul(lax.sub(v_hi, v_lo), frac))
        # the exact endpoint where the interpolation weight is 0 (avoids inf - inf)
        res = lax.select(lax.eq(pos_lo, pos_hi), v_lo, res)
    if ignore_nan:
        none = lax.broadcast_in_dim(lax.eq(cnt, lax.full_like(cnt, 0)), pshape,
                                    tuple(range(qa.ndim, len(pshape))))  # fmt: skip
        res = lax.select(none, lax.full_like(res, np.nan), res)
    else:
        anynan = lax.reduce_or(nan, (core.get_aval(nan).ndim - 1,))
        anynan = lax.broadcast_in_dim(anynan, pshape, tuple(range(qa.ndim, len(pshape))))
        res = lax.select(anynan, lax.full_like(res, np.nan), res)
    if method == "inverted_cdf":  # a negative or NaN weight makes the result NaN (as in JAX)
        res = lax.select(bad_weight, lax.full_like(res, np.nan), res)
    if keepdims:
        kshape = tuple(1 if (axis is None or i in axes) else d for i, d in enumerate(shape))
        res = lax.reshape(res, qa.shape + kshape)
    return res


def _inverted_cdf_positions(s, w, qb, lastb, nq):
    """The positions (as floats, shape q.shape + batch) of the first sorted elements whose
    cumulative weight reaches q times the total, and where a weight is negative or NaN."""
    n_axis = core.get_aval(s).ndim - 1
    bad = lax.bitwise_or(lax.lt(w, lax.full_like(w, 0)), _isnan(w))
    w = lax.select(lax.bitwise_or(bad, _isnan(s)), lax.full_like(w, 0), w)
    cw = lax.cumsum(w, axis=n_axis)
    total = lax.index_in_dim(cw, core.get_aval(cw).shape[-1] - 1, n_axis, keepdims=False)
    pshape = core.get_aval(qb).shape
    full = pshape + core.get_aval(s).shape[-1:]
    bdims = tuple(range(nq, len(full)))
    target = lax.mul(qb, lax.broadcast_in_dim(total, pshape, bdims[:-1]))
    below = lax.lt(lax.broadcast_in_dim(cw, full, bdims),
                   lax.broadcast_in_dim(target, full, tuple(range(len(pshape)))))  # fmt: skip
    pos = lax.reduce_sum(lax.convert_element_type(below, core.get_aval(qb).dtype), (len(full) - 1,))
    pos = lax.clamp(lax.full_like(pos, 0), pos, lastb)
    bad = lax.reduce_or(bad, (n_axis,))
    return pos, lax.broadcast_in_dim(bad, pshape, bdims[:-1])


def _pick(s, pos, nq):
    """s[..., pos] for float positions pos of shape q.shape + s.shape[:-1] (a one-hot sum)."""
    sa = core.get_aval(s)
    n = sa.shape[-1]
    pshape = core.get_aval(pos).shape
    full = pshape + (n,)
    idx = lax.convert_element_type(pos, dtypes.int32)
    idx = lax.broadcast_in_dim(idx, full, tuple(range(len(pshape))))
    onehot = lax.eq(idx, lax.broadcasted_iota(dtypes.int32, full, len(full) - 1))
    sb = lax.broadcast_in_dim(s, full, tuple(range(nq, len(full))))
    return lax.reduce_sum(lax.select(onehot, sb, lax.full_like(sb, 0)), (len(full) - 1,))


# ---------------------------------------------------------------------------------------------
# nan-ignoring variants


def _nan_to(a, value):
    a = asarray_any(a)
    if not dtypes.is_inexact(core.get_aval(a).dtype):
        return a
    return lax.select(_isnan(a), lax.full_like(a, value), a)


def nansum(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    _check_out("nansum", out)
    return sum(_nan_to(a, 0), axis, dtype, keepdims=keepdims, initial=initial, where=where)


def nanprod(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    _check_out("nanprod", out)
    return prod(_nan_to(a, 1), axis, dtype, keepdims=keepdims, initial=initial, where=where)


def _nan_extremum(name, fn, fill):
    def f(a, axis=None, out=None, keepdims=False, initial=None, where=None):
        _check_out(name, out)
        a, aval = _prep(name, a)
        if not dtypes.is_inexact(aval.dtype):
            return fn(a, axis, keepdims=keepdims, initial=initial, where=where)
        nan = _isnan(a)
        res = fn(_nan_to(a, fill), axis, keepdims=keepdims, initial=initial, where=where)
        allnan = all(nan, axis, keepdims=keepdims)
        return lax.select(allnan, lax.full_like(res, np.nan), res)

    f.__name__ = name
    return f


nanmax = _nan_extremum("nanmax", max, -np.inf)
nanmin = _nan_extremum("nanmin", min, np.inf)


def _nan_count(a, axis, keepdims, dt):
    return sum(lax.convert_element_type(lax.bitwise_not(_isnan(a)), dt), axis, keepdims=keepdims)


def nanmean(a, axis=None, dtype=None, out=None, keepdims=False, where=None):
    _check_out("nanmean", out)
    a, aval = _prep("nanmean", a)
    if not dtypes.is_inexact(aval.dtype):
        return mean(a, axis, dtype, keepdims=keepdims, where=where)
    dt = _mean_dtype(aval.dtype, dtype)
    a = lax.convert_element_type(a, dt)
    mask = lax.bitwise_not(_isnan(a))
    if where is not None:
        mask = lax.bitwise_and(mask, _where_mask(where, aval.shape))
    s = sum(_nan_to(a, 0), axis, keepdims=keepdims, where=mask)
    n = sum(lax.convert_element_type(mask, dt), axis, keepdims=keepdims)
    return lax.div(s, n)


def nanvar(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, where=None, mean=None):
    _check_out("nanvar", out)
    a, aval = _prep("nanvar", a)
    if not dtypes.is_inexact(aval.dtype):
        return var(a, axis, dtype, ddof=ddof, keepdims=keepdims, where=where, mean=mean)
    dt = _mean_dtype(aval.dtype, dtype)
    a = lax.convert_element_type(a, dt)
    mask = lax.bitwise_not(_isnan(a))
    if where is not None:
        mask = lax.bitwise_and(mask, _where_mask(where, aval.shape))
    if mean is not None:
        m = _given_mean("nanvar", mean, aval, dt)
    else:
        m = broadcast_to_shape(nanmean(a, axis, keepdims=True, where=where), aval.shape)
    # zero the ignored entries before squaring, so no NaN reaches a derivative
    c = lax.sub(_nan_to(a, 0), m)
    c = lax.select(mask, c, lax.full_like(a, 0))
    sq = lax.real(lax.mul(c, lax.conj(c))) if dtypes.is_complex(dt) else lax.mul(c, c)
    rdt = core.get_aval(sq).dtype
    s = sum(sq, axis, keepdims=keepdims)
    n = sum(lax.convert_element_type(mask, rdt), axis, keepdims=keepdims)
    return lax.div(s, lax.sub(n, lax.full_like(n, ddof)))


def nanstd(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, where=None, mean=None):
    _check_out("nanstd", out)
    return lax.sqrt(nanvar(a, axis, dtype, ddof=ddof, keepdims=keepdims, where=where, mean=mean))


def _nan_arg(name, fn, fill):
    def f(a, axis=None, out=None, keepdims=False):
        _check_out(name, out)
        a, aval = _prep(name, a)
        if not dtypes.is_inexact(aval.dtype):
            return fn(a, axis, keepdims=keepdims)
        nan = _isnan(a)
        res = fn(_nan_to(a, fill), axis, keepdims=keepdims)
        allnan = all(nan, axis, keepdims=keepdims)
        return lax.select(allnan, lax.full_like(res, -1), res)

    f.__name__ = name
    return f


nanargmax = _nan_arg("nanargmax", argmax, -np.inf)
nanargmin = _nan_arg("nanargmin", argmin, np.inf)


def nancumsum(a, axis=None, dtype=None, out=None):
    _check_out("nancumsum", out)
    return cumsum(_nan_to(a, 0), axis, dtype)


def nancumprod(a, axis=None, dtype=None, out=None):
    _check_out("nancumprod", out)
    return cumprod(_nan_to(a, 1), axis, dtype)


def nanmedian(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    _check_quantile_args(out, overwrite_input)
    return _quantile("nanmedian", a, 0.5, axis, "linear", keepdims, False, ignore_nan=True)


def nanquantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                keepdims=False, *, weights=None):  # fmt: skip
    _check_quantile_args(out, overwrite_input)
    return _quantile("nanquantile", a, q, axis, method, keepdims, False, True, weights)


def nanpercentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                  keepdims=False, *, weights=None):  # fmt: skip
    _check_quantile_args(out, overwrite_input)
    return _quantile("nanpercentile", a, q, axis, method, keepdims, True, True, weights)


__all__ = [
    "all",
    "amax",
    "amin",
    "any",
    "argmax",
    "argmin",
    "average",
    "count_nonzero",
    "cumprod",
    "cumsum",
    "cumulative_prod",
    "cumulative_sum",
    "max",
    "mean",
    "median",
    "min",
    "nanargmax",
    "nanargmin",
    "nancumprod",
    "nancumsum",
    "nanmax",
    "nanmean",
    "nanmedian",
    "nanmin",
    "nanpercentile",
    "nanprod",
    "nanquantile",
    "nanstd",
    "nansum",
    "nanvar",
    "percentile",
    "prod",
    "ptp",
    "quantile",
    "std",
    "sum",
    "var",
]  # fmt: skip
