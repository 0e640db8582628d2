"""jtrans.scipy.ndimage: map_coordinates with spline order 0 (nearest) or 1 (linear), as
jax.scipy.ndimage implements it: gathers of the neighbouring samples, blended by weights, so it
is differentiable in the input and the coordinates and batches."""

import itertools

import numpy as np

from .. import core, dtypes
from .. import numpy as jnp
from ..errors import JTransValueError
from ..numpy._util import asarray_any

__all__ = ["map_coordinates"]


def _mirror(index, size):
    # period 2 * (size - 1), the edge samples not repeated
    if size == 1:
        return jnp.zeros_like(index)
    period = 2 * (size - 1)
    i = jnp.abs(index) % period
    return jnp.where(i >= size, period - i, i)


def _reflect(index, size):
    # period 2 * size, the edge samples repeated
    period = 2 * size
    i = index % period
    return jnp.where(i >= size, period - 1 - i, i)


_INDEX_FIXERS = {
    "constant": lambda index, size: index,
    "nearest": lambda index, size: jnp.clip(index, 0, size - 1),
    "wrap": lambda index, size: index % size,
    "mirror": _mirror,
    "reflect": _reflect,
}


def _round_half_away_from_zero(x):
    return x if dtypes.is_int(x.dtype) else jnp.where(x < 0, -jnp.floor(0.5 - x),
                                                      jnp.floor(x + 0.5))  # fmt: skip


def _nearest(coordinate):
    index = _round_half_away_from_zero(coordinate).astype(np.int32)
    return [(index, 1)]


def _linear(coordinate):
    lower = jnp.floor(coordinate)
    upper_weight = coordinate - lower
    lower = lower.astype(np.int32)
    return [(lower, 1 - upper_weight), (lower + 1, upper_weight)]


def map_coordinates(input, coordinates, order, mode="constant", cval=0.0):
    """Samples `input` at the points `coordinates` (a sequence of input.ndim arrays of one
    shape), by nearest-sample (order=0) or linear (order=1) interpolation. Outside the input,
    `mode` extends it: 'constant' (cval, blended in as SciPy's 'grid-constant' does, like JAX),
    'nearest', 'wrap' (SciPy's 'grid-wrap'), 'mirror' or 'reflect'."""
    input = asarray_any(input)
    shape = core.get_aval(input).shape
    coordinates = [asarray_any(c) for c in coordinates]
    if len(coordinates) != len(shape):
        raise JTransValueError(
            f"map_coordinates: coordinates must be a sequence of length input.ndim "
            f"({len(shape)}), got {len(coordinates)}"
        )
    cshapes = {core.get_aval(c).shape for c in coordinates}
    if len(cshapes) != 1:
        raise JTransValueError(f"map_coordinates: coordinate arrays must share one shape, got "
                               f"{sorted(cshapes)}")  # fmt: skip
    if mode not in _INDEX_FIXERS:
        raise NotImplementedError(
            f"map_coordinates: mode {mode!r} is not supported (use one of {list(_INDEX_FIXERS)})"
        )
    if order not in (0, 1):
        raise NotImplementedError("map_coordinates: only order 0 and 1 are supported")
    fix = _INDEX_FIXERS[mode]
    interp = _nearest if order == 0 else _linear
    wdt = dtypes.result_type(*coordinates)
    wdt = wdt if dtypes.is_inexact(wdt) else dtypes.default_float()
    per_dim = []
    for c, size in zip(coordinates, shape):
        terms = []
        for index, weight in interp(c.astype(wdt) if not dtypes.is_inexact(c.dtype) else c):
            fixed = fix(index, size)
            valid = (fixed >= 0) & (fixed < size) if mode == "constant" else None
            terms.append((jnp.clip(fixed, 0, size - 1), valid, weight))
        per_dim.append(terms)
    out = None
    for corner in itertools.product(*per_dim):
        idx = tuple(t[0] for t in corner)
        valids = [t[1] for t in corner if t[1] is not None]
        value = input[idx]
        if valids:
            ok = valids[0]
            for v in valids[1:]:
                ok = ok & v
            value = jnp.where(ok, value, jnp.asarray(cval, dtype=input.dtype))
        w = None
        for t in corner:
            if not isinstance(t[2], int):
                w = t[2] if w is None else w * t[2]
        term = value if w is None else value * w.astype(
            dtypes.result_type(input.dtype, w.dtype))  # fmt: skip
        out = term if out is None else out + term
    if dtypes.is_int(input.dtype) or input.dtype == np.bool_:
        out = _round_half_away_from_zero(out)
    return out.astype(input.dtype)
