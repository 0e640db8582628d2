"""Shape manipulation: reshape, ravel, transpose, concatenate, stack, split, tile, repeat, flip,
roll, pad, ... Written with lax.reshape / transpose / broadcast_in_dim / slice / concatenate /
rev / pad / gather; static index maps (pad modes, repeat, delete) are computed with NumPy and
applied as one gather."""

import builtins
import itertools

import numpy as np

from .. import core, dtypes, lax
from ..array import Array
from ..errors import JTransValueError
from ..lax.structural import ShapeError
from ._util import (
    asarray_any,
    broadcast_shapes,
    broadcast_to_shape,
    canonical_axes,
    canonical_axis,
    check_arraylike,
    concrete_int,
    promote_dtypes,
)

__all__ = [
    "_extra_methods_shape",
    "_method_flatten",
    "_method_ravel",
    "_method_repeat",
    "_method_reshape",
    "_method_squeeze",
    "_method_swapaxes",
    "_method_transpose",
    "append",
    "array_split",
    "atleast_1d",
    "atleast_2d",
    "atleast_3d",
    "broadcast_arrays",
    "broadcast_to",
    "column_stack",
    "concat",
    "concatenate",
    "delete",
    "dsplit",
    "dstack",
    "expand_dims",
    "flip",
    "fliplr",
    "flipud",
    "hsplit",
    "hstack",
    "insert",
    "matrix_transpose",
    "moveaxis",
    "ndim",
    "pad",
    "permute_dims",
    "ravel",
    "repeat",
    "reshape",
    "resize",
    "roll",
    "rot90",
    "shape",
    "size",
    "split",
    "squeeze",
    "stack",
    "swapaxes",
    "tile",
    "transpose",
    "trim_zeros",
    "unstack",
    "vsplit",
    "vstack",
]  # fmt: skip


def _arr(a, name):
    check_arraylike(name, a)
    return asarray_any(a)


def _shape_of(a):
    return core.get_aval(a).shape


def _take_static(a, idx, axis):
    """a indexed along `axis` by the static integer array `idx` (one gather)."""
    from ._indexing import _rewriting_take

    idx = np.asarray(idx, np.int32)
    if idx.ndim == 1 and len(idx) and np.all(np.diff(idx) == 1):  # a contiguous run: a slice
        return lax.slice_in_dim(a, int(idx[0]), int(idx[-1]) + 1, axis=axis)
    return _rewriting_take(a, (slice(None),) * axis + (Array(idx),), "promise_in_bounds")


# ---------------------------------------------------------------------------------------------
# reshaping and axes


def _norm_shape(newshape, size, old_shape):
    if isinstance(newshape, (int, np.integer)) or (
        hasattr(newshape, "__index__") and np.ndim(newshape) == 0
    ):
        newshape = (newshape,)
    newshape = [concrete_int(d, "a dimension of the new shape") for d in newshape]
    neg = [i for i, d in enumerate(newshape) if d < 0]
    if len(neg) > 1 or (neg and newshape[neg[0]] != -1):
        raise ShapeError(f"can only specify one unknown dimension (-1), got {tuple(newshape)}")
    if neg:
        rest = int(np.prod([d for d in newshape if d >= 0], dtype=np.int64))
        if rest == 0 or size % rest:
            raise ShapeError(
                f"cannot reshape array of shape {old_shape} (size {size}) into shape "
                f"{tuple(newshape)}"
            )
        newshape[neg[0]] = size // rest
    if int(np.prod(newshape, dtype=np.int64)) != size:
        raise ShapeError(
            f"cannot reshape array of shape {old_shape} (size {size}) into shape {tuple(newshape)}"
        )
    return tuple(newshape)


def reshape(a, shape=None, order="C", *, newshape=None, copy=None):
    """`a` with a new shape (one -1 is inferred); order 'C' (row-major) or 'F'."""
    a = _arr(a, "reshape")
    if shape is None:
        shape = newshape
    if shape is None:
        raise TypeError("reshape() missing required argument 'shape'")
    aval = core.get_aval(a)
    shape = _norm_shape(shape, aval.size, aval.shape)
    if order == "F":
        t = lax.transpose(a, tuple(reversed(range(aval.ndim))))
        out = lax.reshape(t, tuple(reversed(shape)))
        return lax.transpose(out, tuple(reversed(range(len(shape)))))
    if order not in ("C", "A", None):
        raise ValueError(f"reshape: unknown order {order!r}; use 'C' or 'F'")
    return lax.reshape(a, shape)


def ravel(a, order="C"):
    a = _arr(a, "ravel")
    return reshape(a, (core.get_aval(a).size,), order)


def transpose(a, axes=None):
    """`a` with its axes permuted (reversed by default)."""
    a = _arr(a, "transpose")
    nd = core.get_aval(a).ndim
    if axes is None:
        axes = tuple(reversed(range(nd)))
    axes = tuple(int(x) for x in axes)
    if len(axes) != nd:
        raise ShapeError(f"axes {axes} don't match an array of rank {nd}")
    if len({x % nd if nd else x for x in axes}) != nd:  # JAX: TypeError, NumPy: ValueError
        raise ShapeError(f"transpose: axes {axes} are not a permutation of {tuple(range(nd))}")
    return lax.transpose(a, canonical_axes(axes, nd, "axes"))


def permute_dims(a, axes):
    return transpose(a, axes)


def matrix_transpose(x):
    x = _arr(x, "matrix_transpose")
    nd = core.get_aval(x).ndim
    if nd < 2:
        raise ValueError(f"x must be at least two-dimensional for matrix_transpose; got ndim={nd}")
    return lax.transpose(x, tuple(range(nd - 2)) + (nd - 1, nd - 2))


def moveaxis(a, source, destination):
    a = _arr(a, "moveaxis")
    nd = core.get_aval(a).ndim
    src = canonical_axes(source, nd, "source")
    dst = canonical_axes(destination, nd, "destination")
    if len(src) != len(dst):
        raise ValueError(
            f"Inconsistent number of elements: {len(src)} (source) vs {len(dst)} (destination)"
        )
    perm = [i for i in range(nd) if i not in src]
    for d, s in sorted(zip(dst, src)):
        perm.insert(d, s)
    return lax.transpose(a, perm)


def swapaxes(a, axis1, axis2):
    a = _arr(a, "swapaxes")
    nd = core.get_aval(a).ndim
    a1, a2 = canonical_axis(axis1, nd), canonical_axis(axis2, nd)
    perm = list(range(nd))
    perm[a1], perm[a2] = perm[a2], perm[a1]
    return lax.transpose(a, perm)


def squeeze(a, axis=None):
    a = _arr(a, "squeeze")
    shp = _shape_of(a)
    if axis is None:
        axes = tuple(i for i, s in enumerate(shp) if s == 1)
    else:
        axes = canonical_axes(axis, len(shp))
        for ax in axes:
            if shp[ax] != 1:
                raise ValueError(
                    "cannot select an axis to squeeze out which has size not equal to one, "
                    f"got shape={shp} and dimensions={axes}"
                )
    return lax.squeeze(a, axes)


def expand_dims(a, axis):
    a = _arr(a, "expand_dims")
    if isinstance(axis, (int, np.integer)):
        axis = (int(axis),)
    nd = core.get_aval(a).ndim + len(axis)
    axes = canonical_axes(axis, nd)
    return lax.expand_dims(a, axes)


def broadcast_to(array, shape):
    a = _arr(array, "broadcast_to")
    if isinstance(shape, (int, np.integer)):
        shape = (int(shape),)
    shape = tuple(int(s) for s in shape)
    old = _shape_of(a)
    if len(old) > len(shape) or broadcast_shapes(old, shape, name="broadcast_to") != shape:
        raise JTransValueError(
            f"Incompatible shapes for broadcasting: {old} and requested shape {shape}"
        )
    return broadcast_to_shape(a, shape)


def broadcast_arrays(*args):
    args = [asarray_any(a) for a in args]
    shape = broadcast_shapes(*[_shape_of(a) for a in args], name="broadcast_arrays")
    return [broadcast_to_shape(a, shape) for a in args]


def _atleast(n, arys):
    out = []
    for a in arys:
        a = asarray_any(a)
        shp = _shape_of(a)
        if len(shp) < n:
            if n == 3 and len(shp) == 2:
                shp = shp + (1,)
            elif n == 3 and len(shp) == 1:
                shp = (1,) + shp + (1,)
            else:
                shp = (1,) * (n - len(shp)) + shp
            a = lax.reshape(a, shp)
        out.append(a)
    return out[0] if len(out) == 1 else out


def atleast_1d(*arys):
    return _atleast(1, arys)


def atleast_2d(*arys):
    return _atleast(2, arys)


def atleast_3d(*arys):
    return _atleast(3, arys)


# ---------------------------------------------------------------------------------------------
# joining and splitting


def _seq(arrays, name):
    if isinstance(arrays, (Array, core.Tracer, np.ndarray)):
        a = asarray_any(arrays)
        if core.get_aval(a).ndim == 0:
            raise ValueError(f"{name}: need a sequence of arrays, got a 0-d array")
        return [a[i] for i in range(_shape_of(a)[0])]
    arrays = list(arrays)
    if not arrays:
        raise ValueError("need at least one array to concatenate")
    return arrays


def _is_key(a):
    return type(a).__name__ == "PRNGKeyArray"


def concatenate(arrays, axis=0, dtype=None):
    """Joins arrays along an existing axis (flattened first if axis is None)."""
    arrays = _seq(arrays, "concatenate")
    if any(_is_key(a) for a in arrays):  # typed PRNG key arrays: word by word
        from .. import random as _random

        return _random._map_words(lambda *ws: concatenate(ws, axis), *arrays)
    arrays = [asarray_any(a) for a in arrays]
    if dtype is not None:
        arrays = [lax.convert_element_type(a, dtypes.check_dtype(dtype)) for a in arrays]
    else:
        arrays = promote_dtypes(*arrays)
    if axis is None:
        arrays = [lax.reshape(a, (core.get_aval(a).size,)) for a in arrays]
        axis = 0
    nd = core.get_aval(arrays[0]).ndim
    if nd == 0:
        raise ValueError("Zero-dimensional arrays cannot be concatenated.")
    axis = canonical_axis(axis, nd)
    for a in arrays[1:]:
        s0, s = _shape_of(arrays[0]), _shape_of(a)
        if len(s) != nd or any(x != y for i, (x, y) in enumerate(zip(s0, s)) if i != axis):
            raise ShapeError(
                "All the input array dimensions except for the concatenation axis must match "
                f"exactly, got shapes {[_shape_of(b) for b in arrays]} for axis {axis}"
            )
    return lax.concatenate(arrays, axis)


concat = concatenate


def stack(arrays, axis=0, out=None, dtype=None):
    """Joins same-shape arrays along a new axis."""
    if out is not None:
        raise NotImplementedError("The 'out' argument to jnp.stack is not supported.")
    arrays = _seq(arrays, "stack")
    if any(_is_key(a) for a in arrays):  # typed PRNG key arrays: word by word
        from .. import random as _random

        return _random._map_words(lambda *ws: stack(ws, axis), *arrays)
    arrays = [asarray_any(a) for a in arrays]
    shp = _shape_of(arrays[0])
    if any(_shape_of(a) != shp for a in arrays):
        raise ValueError(
            f"All input arrays must have the same shape, got {[_shape_of(a) for a in arrays]}"
        )
    axis = canonical_axis(axis, len(shp) + 1)
    arrays = [lax.expand_dims(a, (axis,)) for a in arrays]
    return concatenate(arrays, axis, dtype)


def unstack(x, axis=0):
    x = _arr(x, "unstack")
    axis = canonical_axis(axis, core.get_aval(x).ndim)
    n = _shape_of(x)[axis]
    return tuple(lax.index_in_dim(x, i, axis, keepdims=False) for i in range(n))


def hstack(tup, dtype=None):
    arrs = [atleast_1d(a) for a in _seq(tup, "hstack")]
    return concatenate(arrs, 0 if core.get_aval(arrs[0]).ndim == 1 else 1, dtype)


def vstack(tup, dtype=None):
    return concatenate([atleast_2d(a) for a in _seq(tup, "vstack")], 0, dtype)


def dstack(tup, dtype=None):
    return concatenate([atleast_3d(a) for a in _seq(tup, "dstack")], 2, dtype)


def column_stack(tup):
    arrs = []
    for a in _seq(tup, "column_stack"):
        a = asarray_any(a)
        if core.get_aval(a).ndim < 2:
            a = lax.reshape(a, (core.get_aval(a).size, 1))
        arrs.append(a)
    return concatenate(arrs, 1)


def _split(name, ary, indices_or_sections, axis, equal):
    ary = _arr(ary, name)
    shp = _shape_of(ary)
    axis = canonical_axis(axis, len(shp))
    n = shp[axis]
    if isinstance(indices_or_sections, (int, np.integer)) or (
        np.ndim(indices_or_sections) == 0 and not isinstance(indices_or_sections, (list, tuple))
    ):
        k = concrete_int(indices_or_sections, f"the number of sections of {name}")
        if k <= 0:
            raise ValueError("number sections must be larger than 0.")
        if equal and n % k:
            raise ValueError("array split does not result in an equal division")
        q, r = divmod(n, k)
        sizes = [q + 1] * r + [q] * (k - r)
        bounds = np.concatenate([[0], np.cumsum(sizes)]).astype(int).tolist()
    else:
        idx = [concrete_int(i, f"a split index of {name}") for i in indices_or_sections]
        bounds = [0] + idx + [n]
    out = []
    for lo, hi in itertools.pairwise(bounds):
        lo = builtins.min(builtins.max(lo + n if lo < 0 else lo, 0), n)
        hi = builtins.min(builtins.max(hi + n if hi < 0 else hi, 0), n)
        out.append(lax.slice_in_dim(ary, lo, builtins.max(lo, hi), axis=axis))
    return out


def split(ary, indices_or_sections, axis=0):
    return _split("split", ary, indices_or_sections, axis, True)


def array_split(ary, indices_or_sections, axis=0):
    return _split("array_split", ary, indices_or_sections, axis, False)


def hsplit(ary, indices_or_sections):
    a = _arr(ary, "hsplit")
    return split(a, indices_or_sections, 1 if core.get_aval(a).ndim > 1 else 0)


def vsplit(ary, indices_or_sections):
    a = _arr(ary, "vsplit")
    if core.get_aval(a).ndim < 1:  # JAX splits a 1-d array along its only axis
        raise ValueError("vsplit only works on arrays of 1 or more dimensions")
    return split(a, indices_or_sections, 0)


def dsplit(ary, indices_or_sections):
    a = _arr(ary, "dsplit")
    if core.get_aval(a).ndim < 3:
        raise ValueError("dsplit only works on arrays of 3 or more dimensions")
    return split(a, indices_or_sections, 2)


# ---------------------------------------------------------------------------------------------
# repetition


def tile(A, reps):
    A = _arr(A, "tile")
    if isinstance(reps, (int, np.integer)):
        reps = (int(reps),)
    reps = tuple(concrete_int(r, "tile's reps") for r in reps)
    shp = _shape_of(A)
    nd = builtins.max(len(reps), len(shp))
    shp = (1,) * (nd - len(shp)) + shp
    reps = (1,) * (nd - len(reps)) + reps
    A = lax.reshape(A, shp)
    big = []
    for r, s in zip(reps, shp):
        big += [r, s]
    out = lax.broadcast_in_dim(A, big, tuple(range(1, 2 * nd, 2)))
    return lax.reshape(out, tuple(r * s for r, s in zip(reps, shp)))


def repeat(a, repeats, axis=None, *, total_repeat_length=None):
    """Each element repeated `repeats` times (a scalar, or one count per element along axis).
    Traced array repeats need a static `total_repeat_length`."""
    a = _arr(a, "repeat")
    if axis is None:
        a = lax.reshape(a, (core.get_aval(a).size,))
        axis = 0
    shp = _shape_of(a)
    axis = canonical_axis(axis, len(shp))
    n = shp[axis]
    rep_c = repeats.to_concrete_value() if isinstance(repeats, core.Tracer) else repeats
    if rep_c is not None:
        rep_c = np.asarray(rep_c)
        if rep_c.ndim == 0 or rep_c.shape == (1,):
            r = int(rep_c.reshape(()))
            if r < 0:
                raise ValueError(f"repeats may not contain negative values, got {r}")
            big = shp[: axis + 1] + (r,) + shp[axis + 1 :]
            dims = tuple(i if i <= axis else i + 1 for i in range(len(shp)))
            out = lax.broadcast_in_dim(a, big, dims)
            out = lax.reshape(out, shp[:axis] + (n * r,) + shp[axis + 1 :])
            if total_repeat_length is not None:
                out = _fit_length(out, axis, total_repeat_length)
            return out
        if rep_c.shape != (n,):
            raise ValueError(
                f"repeat: repeats of shape {rep_c.shape} must be a scalar or have one count per "
                f"element along axis {axis} (size {n})"
            )
        idx = np.repeat(np.arange(n), rep_c)
        if total_repeat_length is not None:
            t = int(total_repeat_length)
            idx = idx[:t] if len(idx) >= t else np.concatenate([idx, np.full(t - len(idx), n - 1)])
        return _take_static(a, idx, axis)
    if total_repeat_length is None:
        raise core.ConcretizationTypeError(
            "jnp.repeat with traced repeats (the output size depends on their values)",
            repeats,
            hint="Pass a static total_repeat_length=... to fix the output size.",
        )
    from ._indexing import _rewriting_take

    reps = lax.convert_element_type(asarray_any(repeats), dtypes.int32)
    if core.get_aval(reps).ndim == 0:
        reps = lax.broadcast_in_dim(reps, (n,), ())
    t = int(total_repeat_length)
    # idx[j] = number of elements whose cumulative count is <= j
    tri = Array(np.tril(np.ones((n, n), np.int32)))
    cum = lax.reduce_sum(lax.mul(tri, lax.broadcast_in_dim(reps, (n, n), (1,))), (1,))
    j = lax.iota(dtypes.int32, t)
    le = lax.le(lax.broadcast_in_dim(cum, (t, n), (1,)), lax.broadcast_in_dim(j, (t, n), (0,)))
    idx = lax.reduce_sum(lax.convert_element_type(le, dtypes.int32), (1,))
    idx = lax.min(idx, lax.full_like(idx, builtins.max(n - 1, 0)))
    return _rewriting_take(a, (slice(None),) * axis + (idx,), "promise_in_bounds")


def _fit_length(x, axis, t):
    n = _shape_of(x)[axis]
    t = int(t)
    if t <= n:
        return lax.slice_in_dim(x, 0, t, axis=axis)
    last = lax.slice_in_dim(x, n - 1, n, axis=axis)
    return concatenate([x] + [last] * (t - n), axis)


def resize(a, new_shape):
    a = _arr(a, "resize")
    if isinstance(new_shape, (int, np.integer)):
        new_shape = (int(new_shape),)
    new_shape = tuple(int(s) for s in new_shape)
    size = int(np.prod(new_shape, dtype=np.int64))
    flat = ravel(a)
    n = _shape_of(flat)[0]
    if n == 0 or size == 0:
        return lax.full(new_shape, 0, core.get_aval(a).dtype)
    reps = -(-size // n)
    flat = lax.slice(tile(flat, reps), (0,), (size,))
    return lax.reshape(flat, new_shape)


# ---------------------------------------------------------------------------------------------
# reordering


def flip(m, axis=None):
    m = _arr(m, "flip")
    axes = canonical_axes(axis, core.get_aval(m).ndim)
    return lax.rev(m, axes)


def fliplr(m):
    m = _arr(m, "fliplr")
    if core.get_aval(m).ndim < 2:
        raise ValueError("fliplr requires an array of at least two dimensions")
    return lax.rev(m, (1,))


def flipud(m):
    m = _arr(m, "flipud")
    if core.get_aval(m).ndim < 1:
        raise ValueError("flipud requires an array of at least one dimension")
    return lax.rev(m, (0,))


def _roll_one(a, shift, axis):
    n = _shape_of(a)[axis]
    if n == 0:
        return a
    c = shift.to_concrete_value() if isinstance(shift, core.Tracer) else shift
    if c is not None:
        s = int(np.asarray(c)) % n
        if s == 0:
            return a
        return lax.concatenate(
            [lax.slice_in_dim(a, n - s, n, axis=axis), lax.slice_in_dim(a, 0, n - s, axis=axis)],
            axis,
        )
    s = lax.convert_element_type(shift, dtypes.int32)
    nn = lax.full_like(s, n)
    s = lax.rem(lax.add(lax.rem(s, nn), nn), nn)
    start = lax.sub(nn, s)
    return lax.dynamic_slice_in_dim(lax.concatenate([a, a], axis), start, n, axis)


def roll(a, shift, axis=None):
    """Elements shifted cyclically by `shift` along `axis` (flattened if None); shift and axis
    may be tuples."""
    a = _arr(a, "roll")
    if axis is None:
        shp = _shape_of(a)
        return lax.reshape(roll(ravel(a), shift, 0), shp)
    nd = core.get_aval(a).ndim
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    if isinstance(shift, (tuple, list)) or np.ndim(shift) == 1:
        shifts = (
            list(shift)
            if isinstance(shift, (tuple, list))
            else [shift[i] for i in range(len(shift))]
        )
    else:
        shifts = [shift]
    if len(shifts) == 1:
        shifts = shifts * len(axes)
    if len(axes) == 1 and len(shifts) > 1:
        axes = axes * len(shifts)
    if len(shifts) != len(axes):
        raise ValueError(f"roll: shift {shift} and axis {axis} must have matching lengths")
    for s, ax in zip(shifts, axes):
        a = _roll_one(a, s, canonical_axis(ax, nd))
    return a


def rot90(m, k=1, axes=(0, 1)):
    m = _arr(m, "rot90")
    nd = core.get_aval(m).ndim
    if len(axes) != 2:
        raise ValueError("len(axes) must be 2.")
    a0, a1 = canonical_axis(axes[0], nd), canonical_axis(axes[1], nd)
    if a0 == a1:
        raise ValueError("Axes must be different.")
    k = int(k) % 4
    if k == 0:
        return m
    if k == 2:
        return lax.rev(m, (a0, a1))
    perm = list(range(nd))
    perm[a0], perm[a1] = perm[a1], perm[a0]
    if k == 1:
        return lax.transpose(lax.rev(m, (a1,)), perm)
    return lax.rev(lax.transpose(m, perm), (a1,))


# ---------------------------------------------------------------------------------------------
# pad


def _pad_pairs(pad_width, nd, what="pad_width"):
    if isinstance(pad_width, dict):  # NumPy 2: {axis: width or (before, after)}, others 0
        pairs = [(0, 0)] * nd
        for ax, w in pad_width.items():
            pairs[canonical_axis(ax, nd)] = _pad_pairs(w, 1, what)[0]
        return pairs
    pw = np.asarray(pad_width)
    if pw.dtype == object or (pw.size and pw.dtype.kind not in "iu"):
        if pw.size and pw.dtype.kind == "f" and np.all(pw == np.round(pw)):
            pw = pw.astype(np.int64)
        else:
            raise TypeError(f"`{what}` must be of integral type, got {pad_width!r}")
    try:
        return [(int(lo), int(hi)) for lo, hi in np.broadcast_to(pw, (nd, 2))]
    except ValueError:
        raise ValueError(
            f"{what} {pad_width!r} cannot be broadcast to one (before, after) pair per axis "
            f"of an array of rank {nd}"
        ) from None


_PAD_KWARGS = {
    "constant": {"constant_values"},
    "edge": set(),
    "wrap": set(),
    "empty": set(),
    "reflect": {"reflect_type"},
    "symmetric": {"reflect_type"},
    "linear_ramp": {"end_values"},
    "maximum": {"stat_length"},
    "minimum": {"stat_length"},
    "mean": {"stat_length"},
    "median": {"stat_length"},
}


def pad(array, pad_width, mode="constant", **kwargs):
    """NumPy's pad: modes 'constant' (constant_values), 'edge', 'wrap', 'empty' (as 'constant'
    with zeros, as in JAX), 'reflect' / 'symmetric' (reflect_type 'even' or 'odd'),
    'linear_ramp' (end_values), 'maximum' / 'minimum' / 'mean' / 'median' (stat_length), or a
    callable (as NumPy's, applied to each 1-D slice; JAX's contract). pad_width as an int, a
    (before, after) pair or one pair per axis. Axes are padded one after the other, so corners
    see the earlier axes' padding, as in NumPy."""
    a = _arr(array, "pad")
    aval = core.get_aval(a)
    nd = aval.ndim
    pairs = _pad_pairs(pad_width, nd)
    if any(lo < 0 or hi < 0 for lo, hi in pairs):
        raise ValueError(f"index can't contain negative values, got pad_width={pad_width!r}")
    if callable(mode):
        return _pad_callable(a, pairs, mode, kwargs)
    if mode not in _PAD_KWARGS:
        raise ValueError(
            f"jnp.pad: unimplemented padding mode {mode!r}; use one of {sorted(_PAD_KWARGS)}"
        )
    bad = set(kwargs) - _PAD_KWARGS[mode]
    if bad:
        raise ValueError(f"unsupported keyword arguments for mode {mode!r}: {bad}")
    if mode == "empty":
        return lax.pad(a, lax.full((), 0, aval.dtype), [(lo, hi, 0) for lo, hi in pairs])
    if mode == "constant":
        return _pad_constant(a, aval, pairs, kwargs.get("constant_values", 0))
    for d, (lo, hi) in enumerate(pairs):
        if aval.shape[d] == 0 and (lo or hi):
            raise ValueError(
                f"can't extend empty axis {d} using modes other than 'constant' or 'empty'"
            )
    if mode in ("maximum", "minimum", "mean", "median"):
        return _pad_stats(a, pairs, kwargs.get("stat_length"), mode)
    if mode == "linear_ramp":
        return _pad_linear_ramp(a, pairs, kwargs.get("end_values", 0))
    reflect_type = kwargs.get("reflect_type", "even")
    if reflect_type not in ("even", "odd"):
        raise ValueError(f"jnp.pad: reflect_type must be 'even' or 'odd', got {reflect_type!r}")
    if reflect_type == "odd":
        return _pad_reflect_odd(a, pairs, mode == "reflect")
    for d, (lo, hi) in enumerate(pairs):
        if lo == hi == 0:
            continue
        idx = np.pad(np.arange(aval.shape[d]), (lo, hi), mode=mode)
        a = _take_static(a, idx, d)
    return a


def _pad_constant(a, aval, pairs, cv):
    nd = aval.ndim
    cv_c = _concrete_or_none(cv)
    if cv_c is not None and np.ndim(cv_c) == 0:
        val = asarray_any(cv, aval.dtype) if not isinstance(cv, core.Tracer) else \
            lax.convert_element_type(cv, aval.dtype)  # fmt: skip
        return lax.pad(a, val, [(lo, hi, 0) for lo, hi in pairs])
    cv = asarray_any(cv)
    if core.get_aval(cv).ndim == 0:
        return lax.pad(
            a, lax.convert_element_type(cv, aval.dtype), [(lo, hi, 0) for lo, hi in pairs]
        )
    cvs = _constant_pairs(cv, nd, aval.dtype)
    for d, ((lo, hi), (cb, ca)) in enumerate(zip(pairs, cvs)):
        cfg = [(0, 0, 0)] * nd
        cfg[d] = (lo, 0, 0)
        a = lax.pad(a, cb, cfg)
        cfg[d] = (0, hi, 0)
        a = lax.pad(a, ca, cfg)
    return a


def _repeat_along(x, n, axis):
    """x (size 1 along `axis`) broadcast to size n along it."""
    shp = list(_shape_of(x))
    shp[axis] = n
    return lax.broadcast_in_dim(lax.squeeze(x, (axis,)), tuple(shp),
                                tuple(i for i in range(len(shp)) if i != axis))  # fmt: skip


def _stat_pairs(stat_length, nd):
    if stat_length is None:
        return [(None, None)] * nd
    if isinstance(stat_length, core.Tracer):
        stat_length = core.concrete_or_error(stat_length, "jnp.pad's stat_length (static)")
    sl = np.asarray(stat_length.__array__() if isinstance(stat_length, Array) else stat_length)
    if sl.dtype == object or sl.dtype.kind not in "iuf":
        raise TypeError(f"`stat_length` must be of integral type, got {stat_length!r}")
    if np.any(sl < 0):
        raise ValueError(f"index can't contain negative values, got stat_length={stat_length!r}")
    return _pad_pairs(sl.astype(np.int64), nd, "stat_length")


def _pad_stats(a, pairs, stat_length, mode):
    from . import _reductions as R
    from ._ufuncs import round as _round

    func = {"maximum": R.max, "minimum": R.min, "mean": R.mean, "median": R.median}[mode]
    dt = core.get_aval(a).dtype
    for d, ((lo, hi), (llen, rlen)) in enumerate(
        zip(pairs, _stat_pairs(stat_length, len(_shape_of(a))))
    ):
        if llen == 0 or rlen == 0:
            raise ValueError("stat_length of 0 yields no value for padding")
        if lo == hi == 0:
            continue
        n = _shape_of(a)[d]
        llen = n if llen is None else builtins.min(llen, n)
        rlen = n if rlen is None else builtins.min(rlen, n)

        def stat(x):
            s = func(x, axis=d, keepdims=True)
            if dtypes.is_int(dt) or dt == np.bool_:
                s = _round(s) if not dtypes.is_int(core.get_aval(s).dtype) else s
            return lax.convert_element_type(s, dt)

        before = stat(lax.slice_in_dim(a, 0, llen, axis=d))
        after = before if rlen == llen == n else stat(lax.slice_in_dim(a, n - rlen, n, axis=d))
        a = lax.concatenate([_repeat_along(before, lo, d), a, _repeat_along(after, hi, d)], d)
    return a


def _pad_linear_ramp(a, pairs, end_values):
    from ._creation import linspace

    dt = core.get_aval(a).dtype
    ev = asarray_any(end_values)
    if not dtypes.is_inexact(core.get_aval(ev).dtype):
        ev = lax.convert_element_type(ev, dtypes.result_type(dt, float))
    evs = _constant_pairs(ev, len(_shape_of(a)), core.get_aval(ev).dtype)
    for d, ((lo, hi), (eb, ea)) in enumerate(zip(pairs, evs)):
        if lo == hi == 0:
            continue
        n = _shape_of(a)[d]
        parts = []
        for end, w, edge_at in ((eb, lo, 0), (ea, hi, n - 1)):
            edge = lax.squeeze(lax.slice_in_dim(a, edge_at, edge_at + 1, axis=d), (d,))
            ramp = linspace(end, edge, num=w, endpoint=False, dtype=dt, axis=d)
            parts.append(ramp)
        a = lax.concatenate([parts[0], a, lax.rev(parts[1], (d,))], d)
    return a


def _pad_reflect_odd(a, pairs, reflect):
    """Odd reflection (2 * edge - mirrored values), chunk by chunk away from the original."""
    for d, (lo, hi) in enumerate(pairs):
        size = _shape_of(a)[d]
        offset = 1 if reflect and size > 1 else 0
        for before, pad_n in ((True, lo), (False, hi)):
            while pad_n > 0:
                n = _shape_of(a)[d]
                k = builtins.min(pad_n, size - offset)
                pad_n -= k
                if before:
                    edge = lax.slice_in_dim(a, 0, 1, axis=d)
                    x = lax.slice_in_dim(a, offset, offset + k, axis=d)
                else:
                    edge = lax.slice_in_dim(a, n - 1, n, axis=d)
                    x = lax.slice_in_dim(a, n - k - offset, n - offset, axis=d)
                x = lax.rev(x, (d,))
                edge = _repeat_along(edge, k, d)
                two = lax.full((), 2, core.get_aval(a).dtype)
                x = lax.sub(lax.mul(two, edge), x)
                a = lax.concatenate([x, a] if before else [a, x], d)
    return a


def _pad_callable(a, pairs, func, kwargs):
    """NumPy's callable mode: func(vector, iaxis_pad_width, iaxis, kwargs) returns the padded
    1-D vector; applied to every 1-D slice along each axis in turn (JAX's semantics: the
    function must return a new vector rather than mutate its input)."""
    from ..api import vmap

    a = _pad_constant(a, core.get_aval(a), pairs, 0)
    for d, pw in enumerate(pairs):
        moved = moveaxis(a, d, -1)
        shp = _shape_of(moved)
        flat = lax.reshape(moved, (int(np.prod(shp[:-1])), shp[-1]))
        out = vmap(lambda v: asarray_any(func(v, pw, d, kwargs)))(flat)
        a = moveaxis(lax.reshape(lax.convert_element_type(out, core.get_aval(a).dtype), shp), -1, d)
    return a


def _concrete_or_none(v):
    if isinstance(v, core.Tracer):
        return v.to_concrete_value()
    if isinstance(v, Array):
        return v._value
    return np.asarray(v)


def _constant_pairs(cv, nd, dtype):
    """Per-axis (before, after) constant scalars from a constant_values array."""
    cv = lax.convert_element_type(cv, dtype)
    shp = _shape_of(cv)
    cv = lax.reshape(cv, (1,) * (2 - len(shp)) + shp) if len(shp) < 2 else cv
    cv = broadcast_to_shape(cv, (nd, 2))
    return [
        tuple(lax.reshape(lax.slice(cv, (d, j), (d + 1, j + 1)), ()) for j in (0, 1))
        for d in range(nd)
    ]


# ---------------------------------------------------------------------------------------------
# append / insert / delete / trim_zeros


def append(arr, values, axis=None):
    arr, values = asarray_any(arr), asarray_any(values)
    if axis is None:
        return concatenate([ravel(arr), ravel(values)], 0)
    return concatenate([arr, values], axis)


def _static_obj(obj, what):
    if isinstance(obj, slice):
        return obj
    if isinstance(obj, core.Tracer):
        obj = core.concrete_or_error(obj, what)
    return np.asarray(obj)


def delete(arr, obj, axis=None, *, assume_unique_indices=False):
    """`arr` without the entries at the (static) positions `obj` along `axis`."""
    arr = _arr(arr, "delete")
    if axis is None:
        arr = ravel(arr)
        axis = 0
    axis = canonical_axis(axis, core.get_aval(arr).ndim)
    n = _shape_of(arr)[axis]
    if (
        assume_unique_indices
        and isinstance(obj, core.Tracer)
        and core.get_aval(obj).ndim <= 1
        and dtypes.is_int(core.get_aval(obj).dtype)
    ):
        return _delete_traced(arr, obj, axis, n)
    obj = _static_obj(
        obj,
        "jnp.delete's indices (they set the output shape; traced integer indices work with "
        "assume_unique_indices=True)",
    )
    if not isinstance(obj, slice) and obj.dtype == np.bool_:
        keep = np.nonzero(~obj)[0]
    else:
        keep = np.delete(np.arange(n), obj)
    return _take_static(arr, keep, axis)


def _delete_traced(arr, obj, axis, n):
    """delete with traced integer indices promised unique and in bounds (JAX's
    assume_unique_indices=True): the output has n - len(obj) entries along axis."""
    from ._indexing import _rewriting_take
    from ._sorting import argsort

    aval = core.get_aval(obj)
    idx = lax.reshape(lax.convert_element_type(obj, dtypes.int32), (aval.size,))
    idx = lax.select(lax.lt(idx, lax.full_like(idx, 0)), lax.add(idx, lax.full_like(idx, n)), idx)
    positions = lax.iota(dtypes.int32, n)
    hit = lax.eq(lax.broadcast_in_dim(positions, (n, aval.size), (0,)),
                 lax.broadcast_in_dim(idx, (n, aval.size), (1,)))  # fmt: skip
    deleted = lax.convert_element_type(lax.reduce_or(hit, (1,)), dtypes.int32)
    keep = lax.slice_in_dim(argsort(deleted, stable=True), 0, n - aval.size)
    return _rewriting_take(arr, (slice(None),) * axis + (keep,), "promise_in_bounds")


def insert(arr, obj, values, axis=None):
    """`arr` with `values` inserted before the (static) positions `obj` along `axis`."""
    arr = _arr(arr, "insert")
    if axis is None:
        arr = ravel(arr)
        axis = 0
    shp = _shape_of(arr)
    nd = len(shp)
    axis = canonical_axis(axis, nd)
    n = shp[axis]
    obj = _static_obj(obj, "jnp.insert's indices (they set the output shape)")
    if isinstance(obj, slice):
        obj = np.arange(*obj.indices(n))
    values = lax.convert_element_type(asarray_any(values), core.get_aval(arr).dtype)
    if obj.ndim == 0:
        pos = int(obj)
        if not -n <= pos <= n:
            raise IndexError(f"index {pos} is out of bounds for axis {axis} with size {n}")
        pos = pos + n if pos < 0 else pos  # as NumPy: -1 inserts before the last element
        vshp = _shape_of(values)
        vshp = (1,) * builtins.max(nd - len(vshp), 0) + vshp
        values = lax.reshape(values, vshp)
        values = moveaxis(values, 0, axis) if nd else values
        k = _shape_of(values)[axis] if nd else 1
        positions = np.full(k, pos)
    else:
        positions = obj.astype(np.int64).ravel()
        positions = np.where(positions < 0, positions + n, positions)
        k = len(positions)
    target = shp[:axis] + (k,) + shp[axis + 1 :]
    values = broadcast_to_shape(values, broadcast_shapes(_shape_of(values), target))
    values = broadcast_to_shape(values, target)
    order = np.argsort(positions, kind="stable")
    new_pos = positions.copy()
    new_pos[order] += np.arange(k)
    perm = np.empty(n + k, np.int64)
    is_old = np.ones(n + k, bool)
    is_old[new_pos] = False
    perm[is_old] = np.arange(n)
    perm[new_pos] = n + np.arange(k)
    return _take_static(concatenate([arr, values], axis), perm, axis)


def trim_zeros(filt, trim="fb", axis=None):
    """filt without leading ('f') and/or trailing ('b') zeros along `axis` (default: every
    axis; an N-d array loses the outer slices that are all zero, as in NumPy 2.2 and JAX).
    Needs a concrete filt: the output shape depends on the values."""
    f = _arr(filt, "trim_zeros")
    c = np.asarray(
        core.concrete_or_error(f, "jnp.trim_zeros (the output size depends on the values)")
    )
    if c.ndim == 0:
        return f
    axes = range(c.ndim) if axis is None else canonical_axes(axis, c.ndim)
    trim = trim.lower()
    for ax in axes:
        others = tuple(i for i in range(c.ndim) if i != ax)
        nz = np.nonzero(np.any(c != 0, axis=others) if others else c != 0)[0]
        if not len(nz):
            lo = hi = 0
        else:
            lo = int(nz[0]) if "f" in trim else 0
            hi = int(nz[-1]) + 1 if "b" in trim else c.shape[ax]
        f = lax.slice_in_dim(f, lo, hi, axis=ax)
    return f


def ndim(a):
    return core.get_aval(asarray_any(a)).ndim


def shape(a):
    return core.get_aval(asarray_any(a)).shape


def size(a, axis=None):
    s = core.get_aval(asarray_any(a)).shape
    if axis is None:
        return int(np.prod(s, dtype=np.int64))
    if isinstance(axis, (tuple, list)):  # JAX: the product of the sizes of these axes
        return int(np.prod([s[canonical_axis(ax, len(s))] for ax in axis], dtype=np.int64))
    return s[canonical_axis(axis, len(s))]


# ---------------------------------------------------------------------------------------------
# methods


def _method_reshape(self, *args, order="C", **kw):
    if "shape" in kw:
        return reshape(self, kw["shape"], order)
    if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
        return reshape(self, args[0], order)
    return reshape(self, args, order)


def _method_transpose(self, *args):
    if not args or (len(args) == 1 and args[0] is None):
        return transpose(self)
    if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
        return transpose(self, args[0])
    return transpose(self, args)


def _method_flatten(self, order="C"):
    return ravel(self, order)


def _method_ravel(self, order="C"):
    return ravel(self, order)


def _method_squeeze(self, axis=None):
    return squeeze(self, axis)


def _method_swapaxes(self, axis1, axis2):
    return swapaxes(self, axis1, axis2)


def _method_repeat(self, repeats, axis=None, *, total_repeat_length=None):
    return repeat(self, repeats, axis, total_repeat_length=total_repeat_length)


_extra_methods_shape = {
    "T": property(lambda self: transpose(self)),
    "mT": property(lambda self: matrix_transpose(self)),
}
