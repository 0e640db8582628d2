"""The summary statistics of jax.scipy.stats: mode, rankdata, sem."""

from typing import NamedTuple

import numpy as np

from ... import dtypes
from ... import numpy as jnp
from ...errors import JTransValueError


class ModeResult(NamedTuple):
    mode: object
    count: object


def _to_last(a, axis):
    a = jnp.asarray(a)
    if axis is None:
        return jnp.ravel(a)
    return jnp.moveaxis(a, axis, -1)


def mode(a, axis=0, nan_policy="propagate", keepdims=False):
    """The most frequent value along axis (the smallest among ties) and its count, as
    scipy.stats.mode. Counting compares every pair of entries along the axis (O(n^2))."""
    if nan_policy not in ("propagate", "omit", "raise"):
        raise JTransValueError(f"mode: unknown nan_policy {nan_policy!r}")
    if nan_policy != "propagate":
        raise NotImplementedError("mode: only nan_policy='propagate' is implemented (as JAX)")
    a = jnp.asarray(a)
    in_shape = jnp.shape(a)
    x = _to_last(a, axis)
    n = jnp.shape(x)[-1]
    if n == 0:
        val = jnp.full(jnp.shape(x)[:-1], np.nan, dtypes.default_float())
        cnt = jnp.zeros(jnp.shape(x)[:-1], dtypes.default_int())
    else:
        s = jnp.sort(x, axis=-1)
        counts = jnp.sum(s[..., :, None] == s[..., None, :], axis=-1).astype(dtypes.default_int())
        best = jnp.argmax(counts, axis=-1)
        val = jnp.take_along_axis(s, best[..., None], axis=-1)[..., 0]
        cnt = jnp.max(counts, axis=-1)
    if keepdims:
        if axis is None:
            kshape = (1,) * len(in_shape)
        else:
            ax = axis % len(in_shape)
            kshape = tuple(1 if i == ax else d for i, d in enumerate(in_shape))
        val, cnt = jnp.reshape(val, kshape), jnp.reshape(cnt, kshape)
    return ModeResult(val, cnt)


def rankdata(a, method="average", *, axis=None, nan_policy="propagate"):
    """Ranks (1-based) of the entries along axis (all entries with axis=None), ties resolved by
    method in {'average', 'min', 'max', 'dense', 'ordinal'}, as scipy.stats.rankdata. With
    nan_policy='propagate' a NaN anywhere along the axis makes that slice's ranks NaN.
    Ties are found by comparing every pair of entries along the axis (O(n^2))."""
    if method not in ("average", "min", "max", "dense", "ordinal"):
        raise JTransValueError(
            f"rankdata: unknown method {method!r}; use one of 'average', 'min', 'max', "
            "'dense', 'ordinal'"
        )
    if nan_policy not in ("propagate", "omit", "raise"):
        raise JTransValueError(f"rankdata: unknown nan_policy {nan_policy!r}")
    if nan_policy != "propagate":
        raise NotImplementedError("rankdata: only nan_policy='propagate' is implemented (as JAX)")
    a = jnp.asarray(a)
    x = _to_last(a, axis)
    n = jnp.shape(x)[-1]
    itype = dtypes.default_int()
    less = jnp.sum(x[..., None, :] < x[..., :, None], axis=-1).astype(itype)
    equal = x[..., None, :] == x[..., :, None]
    ties = jnp.sum(equal, axis=-1).astype(itype)
    if method == "min":
        r = less + 1
    elif method == "max":
        r = less + ties
    elif method == "average":
        r = less.astype(dtypes.default_float()) + (ties.astype(dtypes.default_float()) + 1) / 2
    elif method == "ordinal":
        earlier = jnp.tril(jnp.ones((n, n), bool), -1)
        r = less + jnp.sum(equal & earlier, axis=-1).astype(itype) + 1
    else:  # dense: 1 + the number of distinct values below, each distinct value counted once
        lt = x[..., None, :] < x[..., :, None]
        weight = 1 / jnp.sum(equal, axis=-1).astype(dtypes.default_float())
        distinct = jnp.sum(jnp.where(lt, weight[..., None, :], 0), axis=-1)
        r = jnp.round(distinct).astype(itype) + 1
    if dtypes.is_inexact(x.dtype):
        has_nan = jnp.any(jnp.isnan(x), axis=-1, keepdims=True)
        if method == "average":
            r = jnp.where(has_nan, np.nan, r)
    if axis is None:
        return r
    return jnp.moveaxis(r, -1, axis)


def sem(a, axis=0, ddof=1, nan_policy="propagate", *, keepdims=False):
    """The standard error of the mean: std(a, ddof) / sqrt(n) along axis, as scipy.stats.sem;
    nan_policy='omit' ignores NaNs."""
    if nan_policy not in ("propagate", "omit"):
        raise JTransValueError(
            f"sem: nan_policy must be 'propagate' or 'omit' (got {nan_policy!r})"
        )
    a = jnp.asarray(a)
    if not dtypes.is_inexact(a.dtype):
        a = a.astype(dtypes.default_float())
    if axis is None:
        a, axis = jnp.ravel(a), 0
    if nan_policy == "omit":
        count = jnp.sum(jnp.logical_not(jnp.isnan(a)), axis=axis, keepdims=keepdims)
        std = jnp.nanstd(a, axis=axis, ddof=ddof, keepdims=keepdims)
        return std / jnp.sqrt(count).astype(a.dtype)
    size = jnp.shape(a)[axis]
    return jnp.std(a, axis=axis, ddof=ddof, keepdims=keepdims) / np.sqrt(size).astype(a.dtype)
