"""jtrans.scipy.interpolate: RegularGridInterpolator (methods 'linear' and 'nearest'), as
jax.scipy.interpolate implements it: differentiable in the values and the query points."""

import itertools

import numpy as np

from .. import core, dtypes
from .. import numpy as jnp
from ..errors import JTransValueError
from ..numpy._util import asarray_any
from ..tree_util import register_pytree_node

__all__ = ["RegularGridInterpolator"]


def _shape(x):
    return core.get_aval(x).shape


class RegularGridInterpolator:
    """Interpolation on a rectilinear grid in any number of dimensions.

    points: a tuple of 1-D strictly ascending grids, one per dimension; values: the data, of
    shape (len(points[0]), ..., len(points[-1]), *trailing); method: 'linear' or 'nearest';
    fill_value: the value outside the grid (None extrapolates). bounds_error=True is not
    supported (as in JAX)."""

    def __init__(self, points, values, method="linear", bounds_error=False, fill_value=np.nan):
        if method not in ("linear", "nearest"):
            raise JTransValueError(f"RegularGridInterpolator: method {method!r} is not supported "
                                   "(use 'linear' or 'nearest')")  # fmt: skip
        if bounds_error:
            raise NotImplementedError("RegularGridInterpolator: bounds_error=True is not supported")
        self.method = method
        self.bounds_error = bounds_error
        values = asarray_any(values)
        if not dtypes.is_inexact(values.dtype):
            values = values.astype(dtypes.default_float())
        grid = tuple(asarray_any(p).astype(values.dtype) for p in points)
        vs = _shape(values)
        if len(grid) > len(vs):
            raise JTransValueError(
                f"RegularGridInterpolator: there are {len(grid)} point arrays, but values has "
                f"{len(vs)} dimensions"
            )
        for i, p in enumerate(grid):
            if len(_shape(p)) != 1 or _shape(p)[0] != vs[i]:
                raise JTransValueError(
                    f"RegularGridInterpolator: points[{i}] must be 1-D of length {vs[i]} "
                    f"(values.shape[{i}]), got shape {_shape(p)}"
                )
        self.grid = grid
        self.values = values
        self.fill_value = fill_value

    def __call__(self, xi, method=None):
        method = self.method if method is None else method
        if method not in ("linear", "nearest"):
            raise JTransValueError(f"RegularGridInterpolator: method {method!r} is not supported")
        ndim = len(self.grid)
        xi = asarray_any(xi)
        if not dtypes.is_inexact(xi.dtype):
            xi = xi.astype(self.values.dtype)
        if _shape(xi)[-1:] != (ndim,):
            raise JTransValueError(
                f"RegularGridInterpolator: the requested sample points xi have dimension "
                f"{_shape(xi)[-1] if _shape(xi) else 0}, but this interpolator has dimension {ndim}"
            )
        batch = _shape(xi)[:-1]
        xi = jnp.reshape(xi, (-1, ndim))
        indices, distances, outside = self._find_indices(xi.T)
        if method == "linear":
            result = self._linear(indices, distances)
        else:
            result = self._nearest(indices, distances)
        if self.fill_value is not None:
            trailing = (None,) * (len(_shape(result)) - 1)
            mask = outside[(slice(None), *trailing)]
            result = jnp.where(mask, jnp.asarray(self.fill_value, result.dtype), result)
        return jnp.reshape(result, batch + _shape(self.values)[ndim:])

    def _find_indices(self, xi):
        indices, distances = [], []
        outside = jnp.zeros(_shape(xi)[1:], dtype=bool)
        for x, g in zip(xi, self.grid):
            n = _shape(g)[0]
            i = jnp.clip(jnp.searchsorted(g, x) - 1, 0, max(n - 2, 0))
            lo, hi = g[i], g[jnp.minimum(i + 1, n - 1)]
            span = hi - lo
            distances.append(jnp.where(span == 0, 0, (x - lo) / jnp.where(span == 0, 1, span)))
            indices.append(i)
            outside = outside | (x < g[0]) | (x > g[n - 1])
        return indices, distances, outside

    def _linear(self, indices, distances):
        trailing = (None,) * (len(_shape(self.values)) - len(indices))
        out = None
        for corner in itertools.product((0, 1), repeat=len(indices)):
            idx, weight = [], None
            for c, i, d, g in zip(corner, indices, distances, self.grid):
                n = _shape(g)[0]
                idx.append(jnp.minimum(i + c, n - 1))
                w = d if c else 1 - d
                weight = w if weight is None else weight * w
            term = self.values[tuple(idx)] * weight[(slice(None), *trailing)]
            out = term if out is None else out + term
        return out

    def _nearest(self, indices, distances):
        idx = [jnp.where(d <= 0.5, i, i + 1) for i, d in zip(indices, distances)]
        idx = [jnp.minimum(i, _shape(g)[0] - 1) for i, g in zip(idx, self.grid)]
        return self.values[tuple(idx)]


def _flatten(interp):
    return (interp.grid, interp.values), (interp.method, interp.bounds_error, interp.fill_value)


def _unflatten(aux, children):
    obj = object.__new__(RegularGridInterpolator)
    obj.grid, obj.values = children
    obj.method, obj.bounds_error, obj.fill_value = aux
    return obj


register_pytree_node(RegularGridInterpolator, _flatten, _unflatten)
