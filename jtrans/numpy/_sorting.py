"""Sorting and searching: sort, argsort, lexsort, searchsorted, partition, unique, nonzero,
argwhere, flatnonzero. Everything is built on lax.sort (stable, multi-operand); functions with
data-dependent output shapes are concrete-only unless `size=` is given, as in JAX."""

import collections

import numpy as np

from .. import core, dtypes, lax
from ..errors import JTransValueError
from ._util import asarray_any, canonical_axis, check_arraylike


def _prep(name, a):
    check_arraylike(name, a)
    a = asarray_any(a)
    return a, core.get_aval(a)


def _flatten(a):
    return lax.reshape(a, (core.get_aval(a).size,))


def _axis_error(name, axis):
    return JTransValueError(
        f"jnp.{name}: axis {axis} is out of bounds for an array of dimension 0; pass axis=None "
        "to sort the flattened array (as in JAX and NumPy)"
    )


def sort(a, axis=-1, *, kind=None, order=None, stable=True, descending=False):
    if order is not None:
        raise NotImplementedError("jnp.sort: the order argument is not supported")
    a, _ = _prep("sort", a)
    if axis is None:
        a, axis = _flatten(a), 0
    if core.get_aval(a).ndim == 0:
        raise _axis_error("sort", axis)
    axis = canonical_axis(axis, core.get_aval(a).ndim)
    if descending:
        return lax.rev(lax.sort(a, dimension=axis, is_stable=stable), (axis,))
    return lax.sort(a, dimension=axis, is_stable=stable)


def argsort(a, axis=-1, *, kind=None, order=None, stable=True, descending=False, dtype=None):
    """Indices that sort a along axis (of `dtype` if given, else the default integer type)."""
    if dtype is not None:
        out = argsort(a, axis, kind=kind, order=order, stable=stable, descending=descending)
        return lax.convert_element_type(out, dtypes.check_dtype(dtype))
    if order is not None:
        raise NotImplementedError("jnp.argsort: the order argument is not supported")
    a, _ = _prep("argsort", a)
    if axis is None:
        a, axis = _flatten(a), 0
    shape = core.get_aval(a).shape
    if not shape:
        raise _axis_error("argsort", axis)
    axis = canonical_axis(axis, len(shape))
    it = lax.broadcasted_iota(dtypes.default_int(), shape, axis)
    if descending:
        # stable descending order: sort the reversed array ascending, then map back
        idx = lax.sort((lax.rev(a, (axis,)), it), dimension=axis, is_stable=stable)[1]
        n = lax.full_like(idx, shape[axis] - 1)
        return lax.rev(lax.sub(n, idx), (axis,))
    return lax.sort((a, it), dimension=axis, is_stable=stable, num_keys=1)[1]


def lexsort(keys, axis=-1):
    keys = [asarray_any(k) for k in keys]
    if not keys:
        raise TypeError("need sequence of keys with len > 0 in lexsort")
    shape = core.get_aval(keys[0]).shape
    if not shape:
        return lax.full((), 0, dtypes.default_int())
    axis = canonical_axis(axis, len(shape))
    it = lax.broadcasted_iota(dtypes.default_int(), shape, axis)
    return lax.sort((*keys[::-1], it), dimension=axis, num_keys=len(keys))[-1]


def _kth_axis(name, a, kth, axis):
    a, aval = _prep(name, a)
    if aval.ndim == 0:
        raise _axis_error(name, axis)
    axis = canonical_axis(axis, aval.ndim)
    n = aval.shape[axis]
    kth = int(kth)
    if not -n <= kth < n:
        raise JTransValueError(f"jnp.{name}: kth={kth} is out of bounds for axis of size {n}")
    return a, axis, n, kth % n


def partition(a, kth, axis=-1):
    """The array with its kth+1 smallest entries first (ascending), the rest after them in
    descending order: JAX's arrangement (it builds partition from two top_k calls)."""
    a, axis, n, kth = _kth_axis("partition", a, kth, axis)
    s = lax.sort(a, dimension=axis)
    bottom = lax.slice_in_dim(s, 0, kth + 1, axis=axis)
    top = lax.rev(lax.slice_in_dim(s, kth + 1, n, axis=axis), (axis,))
    return lax.concatenate([bottom, top], axis)


def argpartition(a, kth, axis=-1):
    """Indices of the kth+1 smallest entries (in ascending order of value, ties by index), then
    the remaining indices in increasing order: JAX's arrangement."""
    a, axis, n, kth = _kth_axis("argpartition", a, kth, axis)
    idx = argsort(a, axis)
    bottom = lax.slice_in_dim(idx, 0, kth + 1, axis=axis)
    top = lax.sort(lax.slice_in_dim(idx, kth + 1, n, axis=axis), dimension=axis)
    return lax.concatenate([bottom, top], axis)


def _lt_total(x, y):
    """x < y in NumPy's sort order (NaN largest)."""
    lt = lax.lt(x, y)
    if dtypes.is_inexact(core.get_aval(x).dtype):
        lt = lax.bitwise_or(lt, lax.bitwise_and(lax.ne(y, y), lax.eq(x, x)))
    return lt


def searchsorted(a, v, side="left", sorter=None, *, method="scan"):
    """Insertion indices of v into the sorted 1-D a (int32, as JAX, also under x64)."""
    a, aval = _prep("searchsorted", a)
    v = asarray_any(v)
    if aval.ndim != 1:
        raise JTransValueError(f"searchsorted: a must be 1-D, got shape {aval.shape}")
    if side not in ("left", "right"):
        raise JTransValueError(f"searchsorted: side must be 'left' or 'right', got {side!r}")
    dt = dtypes.result_type(aval.dtype, core.get_aval(v).dtype)
    a = lax.convert_element_type(a, dt)
    v = lax.convert_element_type(v, dt)
    n = aval.shape[0]
    if sorter is not None:
        # a[sorter]: sort a by the inverse permutation of sorter
        sorter = asarray_any(sorter)
        it = lax.iota(dtypes.int32, n)
        inv = lax.sort((sorter, it), num_keys=1)[1]
        a = lax.sort((inv, a), num_keys=1)[1]
    vshape = core.get_aval(v).shape
    full = vshape + (n,)
    ab = lax.broadcast_in_dim(a, full, (len(vshape),))
    vb = lax.broadcast_in_dim(v, full, tuple(range(len(vshape))))
    if side == "left":
        hit = _lt_total(ab, vb)  # count of a < v
    else:
        hit = lax.bitwise_not(_lt_total(vb, ab))  # count of a <= v
    # JAX returns int32 indices whatever the x64 setting
    return lax.reduce_sum(lax.convert_element_type(hit, dtypes.int32), (len(vshape),))


# ---------------------------------------------------------------------------------------------
# functions with data-dependent shapes


def _concrete(x, name):
    if isinstance(x, core.Tracer):
        return np.asarray(
            core.concrete_or_error(
                x,
                f"jnp.{name} without size= (its output shape depends on the values). Pass "
                f"size=N (and fill_value=) to use it under jit/vmap/grad",
            )
        )
    return np.asarray(x)


def _wrap(v):
    return asarray_any(np.asarray(v))


def _resize(x, size, fill):
    """x (1-D) cut or padded at the end to `size` entries."""
    n = core.get_aval(x).shape[0]
    if size <= n:
        return lax.slice_in_dim(x, 0, size, axis=0)
    pad_value = lax.convert_element_type(asarray_any(fill), core.get_aval(x).dtype)
    return lax.pad(x, pad_value, [(0, size - n, 0)])


def nonzero(a, *, size=None, fill_value=None):
    a, aval = _prep("nonzero", a)
    if aval.ndim == 0:
        raise JTransValueError(
            "Calling nonzero on 0d arrays is not allowed. Use jnp.atleast_1d(a).nonzero()"
        )
    if size is None:
        return tuple(_wrap(i) for i in np.nonzero(_concrete(a, "nonzero")))
    size = int(size)
    shape = aval.shape
    n = aval.size
    mask = _flatten(lax.ne(a, lax.full_like(a, 0)))
    it = lax.iota(dtypes.default_int(), n)
    key = lax.convert_element_type(lax.bitwise_not(mask), dtypes.int32)
    flat = lax.sort((key, it), num_keys=1)[1]
    count = lax.reduce_sum(lax.convert_element_type(mask, dtypes.default_int()))
    flat = _resize(flat, size, 0)
    valid = lax.lt(lax.iota(dtypes.default_int(), size), lax.broadcast_in_dim(count, (size,), ()))
    fills = fill_value if isinstance(fill_value, (tuple, list)) else [fill_value] * len(shape)
    out = []
    stride = 1
    strides = []
    for s in reversed(shape):
        strides.append(stride)
        stride *= s
    strides = strides[::-1]
    for d, (s, st) in enumerate(zip(shape, strides)):
        idx = lax.rem(lax.div(flat, lax.full_like(flat, st)), lax.full_like(flat, max(s, 1)))
        f = 0 if fills[d] is None else fills[d]
        fill = lax.convert_element_type(asarray_any(f), dtypes.default_int())
        out.append(lax.select(valid, idx, lax.broadcast_in_dim(fill, (size,), ())))
    return tuple(out)


def flatnonzero(a, *, size=None, fill_value=None):
    a, _ = _prep("flatnonzero", a)
    return nonzero(_flatten(a), size=size, fill_value=fill_value)[0]


def argwhere(a, *, size=None, fill_value=None):
    a, aval = _prep("argwhere", a)
    if aval.ndim == 0:
        a = lax.reshape(a, (1,))
    cols = nonzero(a, size=size, fill_value=fill_value)
    k = core.get_aval(cols[0]).shape[0]
    out = lax.concatenate([lax.reshape(c, (k, 1)) for c in cols], 1)
    return lax.slice(out, (0, 0), (k, aval.ndim))  # a scalar's rows have no columns


def unique(ar, return_index=False, return_inverse=False, return_counts=False, axis=None, *,
           equal_nan=True, size=None, fill_value=None, sorted=True):  # fmt: skip
    ar, aval = _prep("unique", ar)
    if axis is not None:
        res = _unique_axis(ar, aval, canonical_axis(axis, aval.ndim), size, fill_value,
                           return_index, return_inverse, return_counts, equal_nan)  # fmt: skip
        return res[0] if len(res) == 1 else tuple(res)
    if size is None:
        res = np.unique(_concrete(ar, "unique"), return_index, return_inverse, return_counts,
                        equal_nan=equal_nan)  # fmt: skip
        res = [_wrap(r) for r in res] if isinstance(res, tuple) else [_wrap(res)]
    else:
        res = _unique_sized(ar, aval, int(size), fill_value, return_index, return_inverse,
                            return_counts, equal_nan)  # fmt: skip
    if aval.weak_type:  # the unique values keep the input's weak type (as JAX)
        res[0] = lax.convert_element_type(res[0], aval.dtype, True)
    return res[0] if len(res) == 1 else tuple(res)


def _unique_sized(ar, aval, size, fill_value, return_index, return_inverse, return_counts,
                  equal_nan):  # fmt: skip
    x = _flatten(ar)
    n = aval.size
    ity = dtypes.default_int()
    if n == 0:
        raise JTransValueError("jnp.unique with size= of an empty array")
    it = lax.iota(ity, n)
    s, perm = lax.sort((x, it), num_keys=1)
    prev = lax.concatenate([lax.slice_in_dim(s, 0, 1), lax.slice_in_dim(s, 0, n - 1)], 0)
    first = lax.ne(s, prev)
    if equal_nan and dtypes.is_inexact(aval.dtype):
        both_nan = lax.bitwise_and(lax.ne(s, s), lax.ne(prev, prev))
        first = lax.bitwise_and(first, lax.bitwise_not(both_nan))
    first = lax.bitwise_or(first, lax.eq(it, lax.full_like(it, 0)))
    first_i = lax.convert_element_type(first, ity)
    gid = lax.sub(lax.cumsum(first_i), lax.full_like(it, 1))
    num = lax.reduce_sum(first_i)
    key = lax.select(first, gid, lax.full_like(gid, n))
    _, u, uidx, upos = lax.sort((key, s, perm, it), num_keys=1)
    sit = lax.iota(ity, size)
    valid = lax.lt(sit, lax.broadcast_in_dim(num, (size,), ()))
    u = _resize(u, size, 0)
    if fill_value is None:
        fill = lax.broadcast_in_dim(lax.slice_in_dim(u, 0, 1), (size,), (0,)) if size else u
    else:
        fill = lax.full((size,), fill_value, aval.dtype)
    outs = [lax.select(valid, u, fill)]
    if return_index:  # padded with the first unique value's index (as JAX)
        uidx = _resize(uidx, size, 0)
        first_idx = lax.broadcast_in_dim(lax.slice_in_dim(uidx, 0, 1), (size,), (0,)) if size \
            else uidx  # fmt: skip
        outs.append(lax.select(valid, uidx, first_idx))
    if return_inverse:
        inv = lax.sort((perm, gid), num_keys=1)[1]
        outs.append(lax.reshape(inv, aval.shape))
    if return_counts:
        p = _resize(upos, size + 1, n)
        start = lax.slice_in_dim(p, 0, size)
        nxt = lax.slice_in_dim(p, 1, size + 1)
        last = lax.lt(lax.add(sit, lax.full_like(sit, 1)), lax.broadcast_in_dim(num, (size,), ()))
        nxt = lax.select(last, nxt, lax.full_like(nxt, n))
        outs.append(lax.select(valid, lax.sub(nxt, start), lax.full_like(start, 0)))
    return outs


def _unique_axis(ar, aval, axis, size, fill_value, return_index, return_inverse, return_counts,
                 equal_nan):  # fmt: skip
    """Unique slices along `axis` (as JAX: rows sorted lexicographically, NaN rows equal when
    equal_nan). With size=None the data must be concrete; with size= the result has `size`
    slices, padded with fill_value (default: the first unique slice), index padded with the
    first unique slice's index, counts with 0."""
    from ._shape import moveaxis

    x = moveaxis(ar, axis, 0)
    n, rest = aval.shape[axis], core.get_aval(x).shape[1:]
    m = int(np.prod(rest))
    ity = dtypes.default_int()
    if n == 0 or m == 0:  # no rows, or all rows empty (hence equal): decide statically
        if size is not None and n == 0:
            raise JTransValueError("jnp.unique with size= of an array with no slices")
        k = min(n, 1) if size is None else size
        vals = lax.full((k, *rest), 0, aval.dtype)
        outs = [moveaxis(vals, 0, axis)]
        if return_index:
            outs.append(lax.full((k,), 0, ity))
        if return_inverse:
            outs.append(lax.full((n,), 0, ity))
        if return_counts:
            outs.append(lax.pad(lax.full((min(k, 1),), n, ity), lax.full((), 0, ity),
                                [(0, k - min(k, 1), 0)]))  # fmt: skip
        return outs
    rows = lax.reshape(x, (n, m))
    it = lax.iota(ity, n)
    cols = [lax.reshape(lax.slice_in_dim(rows, j, j + 1, axis=1), (n,)) for j in range(m)]
    *scols, perm = lax.sort((*cols, it), num_keys=m + 1)
    srows = lax.concatenate([lax.reshape(c, (n, 1)) for c in scols], 1)
    cur, prev = lax.slice_in_dim(srows, 1, n), lax.slice_in_dim(srows, 0, n - 1)
    ne = lax.ne(cur, prev)
    if equal_nan and dtypes.is_inexact(aval.dtype):
        ne = lax.bitwise_and(ne, lax.bitwise_not(lax.bitwise_and(lax.ne(cur, cur),
                                                                 lax.ne(prev, prev))))  # fmt: skip
    diff = lax.ne(lax.reduce_sum(lax.convert_element_type(ne, ity), (1,)), lax.full((), 0, ity))
    first = lax.concatenate([lax.full((1,), True, np.bool_), diff], 0)
    first_i = lax.convert_element_type(first, ity)
    gid = lax.sub(lax.cumsum(first_i), lax.full_like(it, 1))
    num = lax.reduce_sum(first_i)
    if size is None:
        size = int(core.concrete_or_error(num, "the number of unique slices in jnp.unique "
                                          "(pass size= to use it under jit)"))  # fmt: skip
    key = lax.select(first, gid, lax.full_like(gid, n))
    _, uidx, upos = lax.sort((key, perm, it), num_keys=1)
    sit = lax.iota(ity, size)
    valid = lax.lt(sit, lax.broadcast_in_dim(num, (size,), ()))
    uidx = _resize(uidx, size, 0)
    first_idx = lax.broadcast_in_dim(lax.slice_in_dim(uidx, 0, 1), (size,), (0,))
    uidx = lax.select(valid, uidx, first_idx)  # padded with the first unique slice's index
    from ._indexing import take

    vals = take(x, uidx, axis=0, mode="promise_in_bounds")
    if fill_value is not None:
        fill = lax.full(core.get_aval(vals).shape, 0, aval.dtype)
        fill = lax.add(fill, lax.convert_element_type(asarray_any(fill_value), aval.dtype))
        vmask = lax.broadcast_in_dim(valid, core.get_aval(vals).shape, (0,))
        vals = lax.select(vmask, vals, fill)
    if aval.weak_type:
        vals = lax.convert_element_type(vals, aval.dtype, True)
    outs = [moveaxis(vals, 0, axis)]
    if return_index:
        outs.append(uidx)
    if return_inverse:
        outs.append(lax.sort((perm, gid), num_keys=1)[1])
    if return_counts:
        p = _resize(upos, size + 1, n)
        start, nxt = lax.slice_in_dim(p, 0, size), lax.slice_in_dim(p, 1, size + 1)
        last = lax.lt(lax.add(sit, lax.full_like(sit, 1)), lax.broadcast_in_dim(num, (size,), ()))
        nxt = lax.select(last, nxt, lax.full_like(nxt, n))
        outs.append(lax.select(valid, lax.sub(nxt, start), lax.full_like(start, 0)))
    return outs


def unique_values(x, *, size=None, fill_value=None):
    return unique(x, size=size, fill_value=fill_value)


_UniqueCountsResult = collections.namedtuple("_UniqueCountsResult", ["values", "counts"])


def unique_counts(x, *, size=None, fill_value=None):
    """(values, counts) of the unique values of x (Array API), a named tuple as in JAX."""
    return _UniqueCountsResult(*unique(x, return_counts=True, size=size, fill_value=fill_value))


__all__ = [
    "argpartition",
    "argsort",
    "argwhere",
    "flatnonzero",
    "lexsort",
    "nonzero",
    "partition",
    "searchsorted",
    "sort",
    "unique",
    "unique_counts",
    "unique_values",
]
