"""`jtrans.ops`: segment reductions (JAX's `jax.ops`): `segment_sum`, `segment_prod`,
`segment_max`, `segment_min`.

Each is a scatter (`x.at[segment_ids].add/multiply/max/min`) into an array filled with the
reduction's identity, so they are differentiable, batchable and jittable through the scatter
primitives' rules; `num_segments` fixes the output's shape and must be static under `jit`.
"""

import operator

import numpy as np

from . import core, dtypes, lax
from . import numpy as jnp
from .errors import JTransTypeError, JTransValueError, ShapeError
from .numpy._util import broadcast_to_shape, check_arraylike

_SCATTERS = {"add": lax.scatter_add, "multiply": lax.scatter_mul, "max": lax.scatter_max,
             "min": lax.scatter_min}  # fmt: skip


def _identity(kind, dtype):
    """The value a segment holds when no data lands in it."""
    if kind == "add":
        return 0
    if kind == "multiply":
        return 1
    if dtype == np.bool_:
        return kind == "min"
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return int(info.max if kind == "min" else info.min)
    return np.inf if kind == "min" else -np.inf


def _num_segments(name, segment_ids, num_segments):
    if num_segments is None:
        ids = core.concrete_or_error(
            segment_ids,
            f"{name}: the number of segments (max(segment_ids) + 1, as num_segments=None) "
            "fixes the output shape; pass a static num_segments to use it under jit",
        )
        if ids.size == 0:
            raise JTransValueError(
                f"{name}: num_segments=None needs a non-empty segment_ids to infer the number "
                "of segments from; pass num_segments"
            )
        return int(np.max(ids)) + 1
    n = core.concrete_or_error(
        num_segments, f"{name}: num_segments fixes the output shape and must be static"
    )
    try:
        n = operator.index(n.item() if n.ndim == 0 else n)
    except TypeError:
        raise JTransValueError(f"{name}: num_segments must be an int, got {num_segments!r}")
    if n < 0:
        raise JTransValueError(f"{name}: num_segments must be non-negative, got {n}")
    return n


def _scatter(name, kind, out, index_axes, ids, data, opts):
    """out with `data` combined in at out[ids[0], ..., ids[k-1]] (each id array indexing one
    leading axis of out; ids share one shape). Ids are NOT wrapped: negative ids are out of
    bounds, as in JAX's segment ops."""
    ids_shape = ids[0].shape
    window = out.shape[index_axes:]
    try:
        data = broadcast_to_shape(data, ids_shape + window)
    except ShapeError:
        raise ShapeError(
            f"{name}: data of shape {data.shape} does not match segment_ids of shape "
            f"{ids[-1].shape}: data's shape must be segment_ids.shape + data.shape[1:] (one "
            "segment id per entry along data's leading axis)"
        ) from None
    indices = jnp.stack([i.astype(dtypes.default_int()) for i in ids], axis=-1)
    dn = lax.ScatterDimensionNumbers(
        update_window_dims=tuple(range(len(ids_shape), len(ids_shape) + len(window))),
        inserted_window_dims=tuple(range(index_axes)),
        scatter_dims_to_operand_dims=tuple(range(index_axes)),
    )
    return _SCATTERS[kind](out, indices, data, dn, **opts)


def _segment_update(name, kind, reducer, data, segment_ids, num_segments, indices_are_sorted,
                    unique_indices, bucket_size, mode):  # fmt: skip
    check_arraylike(name, data, segment_ids)
    data = jnp.asarray(data)
    segment_ids = jnp.asarray(segment_ids)
    if kind in ("add", "multiply") and data.dtype == np.bool_:
        raise JTransTypeError(
            f"{name}: data of dtype bool has no {kind}; cast it to an integer dtype first"
        )
    if not dtypes.is_int(segment_ids.dtype):
        raise JTransTypeError(
            f"{name}: segment_ids must have an integer dtype, got {segment_ids.dtype}"
        )
    n = _num_segments(name, segment_ids, num_segments)
    dtype = data.dtype
    fill = _identity(kind, dtype)
    opts = {"indices_are_sorted": indices_are_sorted, "unique_indices": unique_indices,
            "mode": "fill" if mode is None else mode}  # fmt: skip
    if bucket_size is None:
        out = jnp.full((n,) + data.shape[1:], fill, dtype=dtype)
        return _scatter(name, kind, out, 1, [segment_ids], data, opts)
    # each bucket of `bucket_size` consecutive entries reduces into its own row (shorter
    # accumulation chains: better accuracy for sums and products), then the rows reduce
    if segment_ids.ndim != 1:
        raise JTransValueError(
            f"{name}: bucket_size needs 1-D segment_ids, got shape {segment_ids.shape}"
        )
    bucket_size = operator.index(bucket_size)
    if bucket_size <= 0:
        raise JTransValueError(f"{name}: bucket_size must be positive, got {bucket_size}")
    num_buckets = -(-segment_ids.shape[0] // bucket_size)
    out = jnp.full((num_buckets, n) + data.shape[1:], fill, dtype=dtype)
    bucket = jnp.arange(segment_ids.shape[0]) // bucket_size
    out = _scatter(name, kind, out, 2, [bucket, segment_ids], data, opts)
    return reducer(out, axis=0).astype(dtype)


def segment_sum(data, segment_ids, num_segments=None, indices_are_sorted=False,
                unique_indices=False, bucket_size=None, mode=None):  # fmt: skip
    """Sums of `data`'s entries (along its leading axis) grouped by `segment_ids`: an array of
    shape `(num_segments,) + data.shape[1:]`; empty segments hold 0.

    num_segments: the number of segments (static under jit); default `max(segment_ids) + 1`.
    indices_are_sorted / unique_indices: promises about `segment_ids` (hints only).
    bucket_size: reduce each run of `bucket_size` entries separately first (accuracy).
    mode: how ids outside [0, num_segments) are handled: dropped by default ("fill"), or
    "clip" to clamp them (a `lax.GatherScatterMode` or its name).

    >>> segment_sum(jnp.arange(5), jnp.array([0, 0, 1, 1, 2]))
    Array([1, 5, 4], dtype=int32)
    """
    return _segment_update("segment_sum", "add", jnp.sum, data, segment_ids, num_segments,
                           indices_are_sorted, unique_indices, bucket_size, mode)  # fmt: skip


def segment_prod(data, segment_ids, num_segments=None, indices_are_sorted=False,
                 unique_indices=False, bucket_size=None, mode=None):  # fmt: skip
    """Products of `data`'s entries grouped by `segment_ids` (empty segments hold 1); the
    arguments are segment_sum's."""
    return _segment_update("segment_prod", "multiply", jnp.prod, data, segment_ids,
                           num_segments, indices_are_sorted, unique_indices, bucket_size,
                           mode)  # fmt: skip


def segment_max(data, segment_ids, num_segments=None, indices_are_sorted=False,
                unique_indices=False, bucket_size=None, mode=None):  # fmt: skip
    """Maxima of `data`'s entries grouped by `segment_ids` (empty segments hold -inf, the
    dtype's minimum for integers, False for booleans); the arguments are segment_sum's."""
    return _segment_update("segment_max", "max", jnp.max, data, segment_ids, num_segments,
                           indices_are_sorted, unique_indices, bucket_size, mode)  # fmt: skip


def segment_min(data, segment_ids, num_segments=None, indices_are_sorted=False,
                unique_indices=False, bucket_size=None, mode=None):  # fmt: skip
    """Minima of `data`'s entries grouped by `segment_ids` (empty segments hold +inf, the
    dtype's maximum for integers, True for booleans); the arguments are segment_sum's."""
    return _segment_update("segment_min", "min", jnp.min, data, segment_ids, num_segments,
                           indices_are_sorted, unique_indices, bucket_size, mode)  # fmt: skip
