"""NumPy's index tricks and I/O shims on jtrans arrays: mgrid, ogrid, r_, c_, s_, index_exp,
place, load, save, savez, fromfile, from_dlpack. Grids and concatenators need static slices
(their shapes depend on them); place works on traced masks and values."""

import numpy as np

from .. import core, dtypes, lax
from ..errors import JTransValueError
from ._util import asarray_any, check_arraylike, promote_dtypes

s_ = np.s_
index_exp = np.index_exp
save = np.save
savez = np.savez


def _static(v, what):
    if isinstance(v, core.Tracer):
        v = core.concrete_or_error(v, what)
    return v.__array__().item() if hasattr(v, "__array__") and np.ndim(v) == 0 else v


def _grid_1d(s, name):
    """The 1-D array a slice stands for: arange(start, stop, step), or linspace(start, stop,
    n) when the step is the imaginary number n*1j (stop then included)."""
    from ._creation import arange, linspace

    what = f"a slice bound of jnp.{name} (it sets the output shape)"
    start = _static(s.start, what)
    stop = _static(s.stop, what)
    step = _static(s.step, what)
    start = 0 if start is None else start
    step = 1 if step is None else step
    if np.iscomplexobj(step):
        return linspace(start, stop, int(abs(step)))
    return arange(start, stop, step)


class _Mgrid:
    """jnp.mgrid[a:b:s, ...]: the dense 'ij' mesh of the slices, stacked on a new first axis
    (one slice: the 1-D grid itself)."""

    def __getitem__(self, key):
        from ._creation import meshgrid
        from ._shape import stack

        if isinstance(key, slice):
            return _grid_1d(key, "mgrid")
        grids = [_grid_1d(k, "mgrid") for k in key]
        if not grids:
            return asarray_any(np.array([]))
        return stack(meshgrid(*grids, indexing="ij", sparse=False), 0)


class _Ogrid:
    """jnp.ogrid[a:b:s, ...]: the open (sparse) mesh: a list of arrays that broadcast against
    each other (one slice: the 1-D grid itself)."""

    def __getitem__(self, key):
        from ._creation import meshgrid

        if isinstance(key, slice):
            return _grid_1d(key, "ogrid")
        grids = [_grid_1d(k, "ogrid") for k in key]
        if not grids:
            return []
        grids = promote_dtypes(*grids)  # one dtype for all, as mgrid's stack gives (and JAX)
        return meshgrid(*grids, indexing="ij", sparse=True)


class _AxisConcatenator:
    """r_ / c_: concatenate arrays, scalars and slices (as grids) along `axis`, after giving
    each at least `ndmin` dimensions (1-D items placed per `trans1d`). A leading string
    directive "axis[,ndmin[,trans1d]]" overrides those; "r" / "c" make a row / column matrix
    of a 1-D result."""

    def __init__(self, axis, ndmin, trans1d, name):
        self.axis, self.ndmin, self.trans1d, self.name = axis, ndmin, trans1d, name

    def __getitem__(self, key):
        from ._shape import concatenate, expand_dims, transpose

        key = key if isinstance(key, tuple) else (key,)
        axis, ndmin, trans1d, matrix = self.axis, self.ndmin, self.trans1d, -1
        if key and isinstance(key[0], str):
            directive, key = key[0], key[1:]
            if directive in ("r", "c"):
                matrix = 0 if directive == "r" else 1
            else:
                parts = directive.split(",")[:3]
                try:
                    vals = [int(p) for p in parts]
                except ValueError:
                    raise JTransValueError(
                        f"jnp.{self.name}: could not understand the directive {directive!r}; "
                        "use 'axis', 'axis,ndmin' or 'axis,ndmin,trans1d' (integers), 'r' or 'c'"
                    ) from None
                axis, ndmin, trans1d = (vals + [axis, ndmin, trans1d][len(vals) :])[:3]
        out = []
        for item in key:
            if isinstance(item, str):
                raise JTransValueError(
                    f"jnp.{self.name}: a string directive must come first, got {item!r} later"
                )
            if isinstance(item, slice):
                x, item_nd = _grid_1d(item, self.name), 0
            else:
                x = asarray_any(item)
                item_nd = core.get_aval(x).ndim
            shp = core.get_aval(x).shape
            if len(shp) < ndmin:
                x = lax.reshape(x, (1,) * (ndmin - len(shp)) + shp)
                if trans1d != -1 and ndmin - item_nd > 0:
                    order = tuple(range(ndmin))
                    k = ndmin - abs(ndmin + trans1d + 1) % ndmin
                    x = transpose(x, order[k:] + order[:k])
            out.append(x)
        res = concatenate(out, axis=axis)
        if matrix != -1 and core.get_aval(res).ndim == 1:
            res = expand_dims(res, matrix)
        return res

    def __len__(self):
        return 0


mgrid = _Mgrid()
ogrid = _Ogrid()
r_ = _AxisConcatenator(0, 1, -1, "r_")
c_ = _AxisConcatenator(-1, 2, 0, "c_")


def place(arr, mask, vals, *, inplace=True):
    """arr with the entries where `mask` is true replaced, in order, by `vals` (repeated as
    needed), as np.place; jtrans arrays are immutable, so pass inplace=False."""
    check_arraylike("place", arr, mask, vals)
    if inplace:
        raise JTransValueError(
            "jnp.place cannot modify arrays in place (jtrans arrays are immutable); pass "
            "inplace=False to get the updated array"
        )
    from ._reductions import cumsum

    a, m, v = asarray_any(arr), asarray_any(mask), asarray_any(vals)
    shape, dt = core.get_aval(a).shape, core.get_aval(a).dtype
    n = core.get_aval(a).size
    if core.get_aval(m).size != n:
        raise JTransValueError(
            f"place: mask and data must be the same size, got {core.get_aval(m).shape} and {shape}"
        )
    if n == 0:
        return a
    m = lax.ne(lax.reshape(m, (n,)), lax.full((), 0, core.get_aval(m).dtype))
    k = core.get_aval(v).size
    if k == 0:
        mc = m._value if not isinstance(m, core.Tracer) else None
        if mc is not None and not mc.any():
            return a
        raise JTransValueError("place: cannot insert from an empty array of values")
    v = lax.convert_element_type(lax.reshape(v, (k,)), dt)
    pos = lax.sub(cumsum(lax.convert_element_type(m, np.int32)), lax.full((n,), 1, np.int32))
    pos = lax.rem(lax.max(pos, lax.full((n,), 0, np.int32)), lax.full((n,), k, np.int32))
    from ._indexing import take

    picked = take(v, pos, mode="promise_in_bounds")
    return lax.reshape(lax.select(m, picked, lax.reshape(a, (n,))), shape)


def load(file, *args, **kwargs):
    """np.load, with arrays returned as jtrans arrays (other results, such as the mapping of
    an .npz file or object arrays, as NumPy returns them)."""
    out = np.load(file, *args, **kwargs)
    if isinstance(out, np.ndarray) and out.dtype == np.dtype("V2"):
        # .npy files store bfloat16 as 2-byte voids; JAX reads them back as bfloat16
        out = out.view(dtypes.bfloat16)
    if isinstance(out, np.ndarray) and out.dtype != object:
        try:
            return asarray_any(out)
        except TypeError:  # a dtype jtrans does not hold: keep NumPy's array
            return out
    return out


def fromfile(*args, **kwargs):
    raise NotImplementedError(
        "jnp.fromfile() is not implemented: reading a file is a side effect, unsafe under "
        "jit and the other transformations; use jnp.asarray(np.fromfile(...)) outside them"
    )


def from_dlpack(x, /, *, device=None, copy=None):
    """A jtrans array from an object with __dlpack__ (through NumPy, on the CPU)."""
    return asarray_any(np.from_dlpack(x) if copy is None else np.from_dlpack(x, copy=copy))


__all__ = ["c_", "from_dlpack", "fromfile", "index_exp", "load", "mgrid", "ogrid", "place",
           "r_", "s_", "save", "savez"]  # fmt: skip
