"""Indexing: `x[idx]` and `x.at[idx].set/add/...`, with NumPy's indexing semantics and JAX's
out-of-bounds rules (reads clamp, updates drop out-of-bounds entries).

Static basic indexing (ints, slices, None, Ellipsis) lowers to lax.slice / rev / reshape;
traced scalar ints add one dynamic_slice; integer-array (advanced) indices and `.at` updates
become ONE gather / scatter whose index vectors combine every indexed axis, so that vmap of
indexing stays one gather.
"""

import numpy as np

from .. import core, dtypes, lax
from ..array import Array
from ..errors import ConcretizationTypeError, JTransTypeError, JTransValueError
from ._util import asarray_any, broadcast_shapes, canonical_axis, check_arraylike


class _IndexDtypeError(JTransValueError, JTransTypeError):
    """Non-integer indices where integers are needed (ValueError in JAX, TypeError in NumPy)."""


__all__ = [
    "NonConcreteBooleanIndexError",
    "_extra_methods",
    "diag",
    "diagonal",
    "ix_",
    "put",
    "take",
    "take_along_axis",
]

from ..errors import NonConcreteBooleanIndexError

_INDEX_TYPES = (Array, core.Tracer, np.ndarray, np.generic)


def _is_int_dtype(dt):
    return np.dtype(dt).kind in "iu"


def _concrete(v):
    """The NumPy value of v if it is known now, else None."""
    if isinstance(v, core.Tracer):
        return v.to_concrete_value()
    if isinstance(v, Array):
        return v._value
    return np.asarray(v)


def _static_int(v, what):
    if v is None:
        return None
    if isinstance(v, core.Tracer):
        c = v.to_concrete_value()
        if c is None:
            raise ConcretizationTypeError(
                what,
                v,
                hint="Slice bounds must be static. Use lax.dynamic_slice(x, start, size) for a "
                "slice of static size at a traced start.",
            )
        v = c
    return int(np.asarray(v).item()) if not isinstance(v, int) else v


def _parse(shape, idx):
    """Entries of the expanded index: ('new',), ('false',), ('slice', d, start, stop, step),
    ('int', d, i), ('dyn', d, tracer), ('arr', d, value) with d the operand axis."""
    if isinstance(idx, list):
        raise TypeError(
            "Using a non-tuple sequence for multidimensional indexing is not allowed; use "
            "`arr[array(seq)]` instead of `arr[seq]` (or `arr[tuple(seq)]` for one index per axis)."
        )
    if not isinstance(idx, tuple):
        idx = (idx,)
    raw = []
    for pos, i in enumerate(idx):
        if i is None:
            raw.append(("new",))
        elif i is Ellipsis:
            raw.append(("ellipsis",))
        elif isinstance(i, slice):
            what = "a slice bound (start, stop and step must be static)"
            raw.append(("slice", _static_int(i.start, what), _static_int(i.stop, what),
                        _static_int(i.step, what)))  # fmt: skip
        elif isinstance(i, (bool, np.bool_)):
            raw.append(("new",) if i else ("false",))
        elif isinstance(i, (int, np.integer)):
            raw.append(("int", int(i)))
        else:
            if isinstance(i, (list, tuple)):
                i = asarray_any(i) if i else Array(np.zeros(0, np.int32))
            if not isinstance(i, _INDEX_TYPES):
                raise TypeError(
                    f"Indexer must be an integer, slice, None, Ellipsis, or an integer or "
                    f"boolean array; got {type(i).__name__} at position {pos}"
                )
            aval = core.get_aval(i)
            if aval.dtype == dtypes.bool_:
                c = _concrete(i)
                if c is None:
                    raise NonConcreteBooleanIndexError(aval)
                if c.ndim == 0:
                    raw.append(("new",) if c else ("false",))
                else:
                    raw.append(("mask", np.asarray(c)))
            elif _is_int_dtype(aval.dtype):
                if aval.ndim == 0:
                    c = _concrete(i)
                    raw.append(("int", int(c)) if c is not None else ("dyn", i))
                else:
                    raw.append(("arr", i))
            else:
                raise TypeError(
                    f"Indexer must have integer or boolean type, got indexer with type "
                    f"{aval.dtype.name} at position {pos}, indexer value {i}"
                )
    n_ell = sum(e[0] == "ellipsis" for e in raw)
    if n_ell > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    used = sum(e[1].ndim if e[0] == "mask" else 1 for e in raw if e[0] in
               ("slice", "int", "dyn", "arr", "mask"))  # fmt: skip
    if used > len(shape):
        raise IndexError(
            f"Too many indices: array of shape {shape} is {len(shape)}-dimensional, but "
            f"{used} were indexed"
        )
    if n_ell == 0:
        raw.append(("ellipsis",))
    entries, d = [], 0
    for e in raw:
        kind = e[0]
        if kind == "ellipsis":
            for _ in range(len(shape) - used):
                entries.append(("slice", d, 0, shape[d], 1))
                d += 1
        elif kind in ("new", "false"):
            entries.append((kind,))
        elif kind == "slice":
            start, stop, step = slice(*e[1:]).indices(shape[d])
            entries.append(("slice", d, start, stop, step))
            d += 1
        elif kind == "mask":
            m = e[1]
            if m.shape != tuple(shape[d : d + m.ndim]):
                raise IndexError(
                    f"boolean index of shape {m.shape} did not match the indexed axes of shape "
                    f"{tuple(shape[d : d + m.ndim])} (array shape {shape}, axes from {d})"
                )
            for nz in np.nonzero(m):
                entries.append(("arr", d, Array(nz.astype(np.int32))))
                d += 1
        else:
            entries.append((kind, d, e[1]))
            d += 1
    return entries


def _slice_count(start, stop, step):
    return len(range(start, stop, step))


# ---------------------------------------------------------------------------------------------
# reading: x[idx]


def _getitem(x, idx):
    return _rewriting_take(x, idx)


def _rewriting_take(x, idx, mode=None, fill_value=None, indices_are_sorted=False,
                    unique_indices=False, wrap_negative_indices=True):  # fmt: skip
    x = asarray_any(x)
    shape = core.get_aval(x).shape
    entries = _parse(shape, idx)
    if mode is None:
        # static out-of-range ints are clamped like every other index (JAX's documented
        # behaviour: "something must be returned"); only an axis of size 0 has nothing to give
        for e in entries:
            if e[0] in ("int", "dyn") and shape[e[1]] == 0:
                raise IndexError(f"index is out of bounds for axis {e[1]} with size 0")
    # (an unwrapped negative int is out of bounds: it needs the gather's mode, not slicing)
    gather_needed = ("arr",) if wrap_negative_indices else ("arr", "int", "dyn")
    if mode is None and not any(e[0] in gather_needed for e in entries):
        return _basic_take(x, shape, entries)
    ix = _indexer(shape, entries, wrap_negative_indices)
    out = lax.gather(x, ix.indices, ix.dnums, ix.slice_sizes, mode=mode or "promise_in_bounds",
                     fill_value=fill_value, indices_are_sorted=indices_are_sorted,
                     unique_indices=unique_indices)  # fmt: skip
    return _finish(out, ix.final_shape, ix.false_axes)


def _finish(out, final_shape, false_axes):
    out = lax.reshape(out, final_shape)
    for ax in false_axes:
        out = lax.slice_in_dim(out, 0, 0, axis=ax)
    return out


def _basic_take(x, shape, entries):
    """Static slices and ints by lax.slice/rev; traced ints by one dynamic_slice."""
    starts, limits, strides = [0] * len(shape), list(shape), [1] * len(shape)
    rev_dims, drop, dyn = [], [], {}
    final, false_axes = [], []
    for e in entries:
        kind = e[0]
        if kind in ("new", "false"):
            if kind == "false":
                false_axes.append(len(final))
            final.append(1)
            continue
        d = e[1]
        if kind == "slice":
            start, stop, step = e[2:]
            m = _slice_count(start, stop, step)
            if m == 0:
                starts[d] = limits[d] = 0
            elif step > 0:
                starts[d], limits[d], strides[d] = start, start + (m - 1) * step + 1, step
            else:
                starts[d], limits[d], strides[d] = start + (m - 1) * step, start + 1, -step
                rev_dims.append(d)
            final.append(m)
        elif kind == "int":
            i = min(max(e[2] + shape[d] if e[2] < 0 else e[2], 0), shape[d] - 1)
            starts[d], limits[d] = i, i + 1
            drop.append(d)
        else:
            dyn[d] = e[2]
            drop.append(d)
    out = lax.slice(x, starts, limits, strides)
    out = lax.rev(out, rev_dims)
    if dyn:
        cur = core.get_aval(out).shape
        sizes = [1 if d in dyn else s for d, s in enumerate(cur)]
        out = lax.dynamic_slice(out, [dyn.get(d, 0) for d in range(len(cur))], sizes)
    return _finish(out, final, false_axes)


class _Indexer:
    __slots__ = ("dnums", "false_axes", "final_shape", "gather_shape", "indices", "slice_sizes")


def _normalize(i, n, wrap=True):
    """Integer index value(s) as int32 with negative entries counted from the end (unless
    not `wrap`: then they stay negative, out of bounds)."""
    c = _concrete(i) if not isinstance(i, int) else np.asarray(i)
    if c is not None:
        c = np.asarray(c).astype(np.int64)
        return np.where((c < 0) & wrap, c + n, c).astype(np.int32)
    i = lax.convert_element_type(i, dtypes.int32)
    if core.get_aval(i).dtype.kind == "u" or not wrap:
        return i
    zero = lax.full_like(i, 0)
    return lax.select(lax.lt(i, zero), lax.add(i, lax.full_like(i, n)), i)


def _indexer(shape, entries, wrap_negative_indices=True):
    """One gather describing the whole index: advanced indices (ints, traced ints, integer
    arrays) broadcast together into one block of batch axes, placed where the first of them
    stands if they are adjacent, else first (NumPy's rule); strided slices become index
    columns with their own batch axis; step-1 slices become windows."""
    adv_pos = [k for k, e in enumerate(entries) if e[0] in ("int", "dyn", "arr")]
    adjacent = not adv_pos or adv_pos[-1] - adv_pos[0] == len(adv_pos) - 1
    has_arr = any(e[0] == "arr" for e in entries)
    b_shape = broadcast_shapes(
        *[core.get_aval(e[2]).shape for e in entries if e[0] == "arr"], name="indexing"
    ) if has_arr else ()  # fmt: skip
    # the layout of the result: ("adv",), ("win", d, start, m), ("strided", d, pos), ("new",)
    layout = []
    if adv_pos and not adjacent:
        layout.append(("adv",))
    for k, e in enumerate(entries):
        if e[0] in ("int", "dyn", "arr"):
            if adjacent and k == adv_pos[0]:
                layout.append(("adv",))
        elif e[0] == "slice":
            d, start, stop, step = e[1:]
            m = _slice_count(start, stop, step)
            if step == 1 or m <= 1:
                layout.append(("win", d, start if m else 0, m))
            else:
                layout.append(("strided", d, np.arange(start, stop, step, dtype=np.int32)))
        else:
            layout.append((e[0],))
    # batch axes of the index array, in result order
    batch_shape, adv_at, final_shape, false_axes, gather_shape = [], None, [], [], []
    for item in layout:
        if item[0] == "adv":
            adv_at = len(batch_shape)
            batch_shape.extend(b_shape)
            final_shape.extend(b_shape)
            gather_shape.extend(b_shape)
        elif item[0] == "strided":
            batch_shape.append(len(item[2]))
            final_shape.append(len(item[2]))
            gather_shape.append(len(item[2]))
        elif item[0] == "win":
            final_shape.append(item[3])
            gather_shape.append(item[3])
        else:
            if item[0] == "false":
                false_axes.append(len(final_shape))
            final_shape.append(1)
    nb = len(batch_shape)
    columns, index_map, collapsed = [], [], []
    slice_sizes = list(shape)
    offset_dims, out_pos, bpos = [], 0, 0
    for item in layout:
        if item[0] == "adv":
            out_pos += len(b_shape)
            bpos += len(b_shape)
        elif item[0] == "strided":
            d, pos = item[1], item[2]
            col = np.broadcast_to(pos.reshape([-1 if a == bpos else 1 for a in range(nb)]),
                                  batch_shape)  # fmt: skip
            columns.append(col)
            index_map.append(d)
            collapsed.append(d)
            slice_sizes[d] = 1
            out_pos += 1
            bpos += 1
        elif item[0] == "win":
            d, start, m = item[1:]
            slice_sizes[d] = m
            if start != 0:
                columns.append(np.full(batch_shape, start, np.int32))
                index_map.append(d)
            offset_dims.append(out_pos)
            out_pos += 1
    for e in entries:
        if e[0] not in ("int", "dyn", "arr"):
            continue
        d = e[1]
        v = _normalize(e[2], shape[d], wrap_negative_indices)
        end = adv_at + len(b_shape)
        dims = tuple(range(end - core.get_aval(v).ndim, end))
        if isinstance(v, np.ndarray):
            v = v.reshape([v.shape[dims.index(a)] if a in dims else 1 for a in range(nb)])
            col = np.broadcast_to(v, batch_shape)
        else:
            col = lax.broadcast_in_dim(v, tuple(batch_shape), dims)
        columns.append(col)
        index_map.append(d)
        collapsed.append(d)
        slice_sizes[d] = 1
    if all(isinstance(c, np.ndarray) for c in columns):
        idx = np.stack(columns, -1) if columns else np.zeros(tuple(batch_shape) + (0,), np.int32)
        indices = Array(np.ascontiguousarray(idx.astype(np.int32)))
    else:
        cols = [lax.reshape(c if not isinstance(c, np.ndarray) else Array(
            np.ascontiguousarray(c, np.int32)), tuple(batch_shape) + (1,)) for c in columns]  # fmt: skip
        indices = lax.concatenate(cols, nb)
    # gather wants collapsed_slice_dims sorted; start_index_map may be in any order
    ix = _Indexer()
    ix.indices = indices
    ix.dnums = lax.GatherDimensionNumbers(
        offset_dims=tuple(offset_dims),
        collapsed_slice_dims=tuple(sorted(collapsed)),
        start_index_map=tuple(index_map),
    )
    ix.slice_sizes = tuple(slice_sizes)
    ix.gather_shape = tuple(gather_shape)
    ix.final_shape = tuple(final_shape)
    ix.false_axes = false_axes
    return ix


# ---------------------------------------------------------------------------------------------
# updates: x.at[idx].set(y), ...


def _scatter_update(x, idx, y, scatter_fn, indices_are_sorted, unique_indices, mode,
                    wrap_negative_indices=True):  # fmt: skip
    x = asarray_any(x)
    aval = core.get_aval(x)
    y = asarray_any(y)
    y = lax.convert_element_type(y, aval.dtype, aval.weak_type and core.get_aval(y).weak_type)
    ix = _indexer(aval.shape, _parse(aval.shape, idx), wrap_negative_indices)
    y_shape = core.get_aval(y).shape
    try:
        target = broadcast_shapes(y_shape, ix.final_shape)
        if target != ix.final_shape:
            raise ValueError
    except ValueError:
        raise ValueError(
            f"cannot broadcast the update of shape {y_shape} to the indexed shape "
            f"{ix.final_shape} of an array of shape {aval.shape}"
        ) from None
    from ._util import broadcast_to_shape

    y = broadcast_to_shape(y, ix.final_shape)
    if ix.false_axes:
        return x
    y = lax.reshape(y, ix.gather_shape)
    dn = lax.ScatterDimensionNumbers(
        update_window_dims=ix.dnums.offset_dims,
        inserted_window_dims=ix.dnums.collapsed_slice_dims,
        scatter_dims_to_operand_dims=ix.dnums.start_index_map,
    )
    return scatter_fn(x, ix.indices, y, dn, indices_are_sorted=indices_are_sorted,
                      unique_indices=unique_indices, mode=mode)  # fmt: skip


class _IndexUpdateHelper:
    """`x.at`: indexable, giving an _IndexUpdateRef."""

    __slots__ = ("array",)

    def __init__(self, array):
        self.array = array

    def __getitem__(self, index):
        return _IndexUpdateRef(self.array, index)

    def __repr__(self):
        return f"_IndexUpdateHelper({self.array!r})"


class _IndexUpdateRef:
    """`x.at[idx]`: out-of-place updates of x at idx (JAX's semantics: out-of-bounds updates
    are dropped unless mode='clip'; repeated indices accumulate for add/multiply/min/max and
    one of them wins for set). With wrap_negative_indices=False a negative index is out of
    bounds instead of counting from the end."""

    __slots__ = ("array", "index")

    def __init__(self, array, index):
        self.array = array
        self.index = index

    def __repr__(self):
        return f"_IndexUpdateRef({self.array!r}, {self.index!r})"

    def get(self, *, indices_are_sorted=False, unique_indices=False, mode=None, fill_value=None,
            wrap_negative_indices=True):  # fmt: skip
        if mode is None and fill_value is None:
            return _rewriting_take(self.array, self.index, None, None, indices_are_sorted,
                                   unique_indices, wrap_negative_indices)  # fmt: skip
        return _rewriting_take(self.array, self.index, mode or "fill", fill_value,
                               indices_are_sorted, unique_indices, wrap_negative_indices)  # fmt: skip

    def _update(self, values, fn, indices_are_sorted, unique_indices, mode, wrap_negative_indices):
        return _scatter_update(self.array, self.index, values, fn, indices_are_sorted,
                               unique_indices, mode, wrap_negative_indices)  # fmt: skip

    def set(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None,
            wrap_negative_indices=True):  # fmt: skip
        return self._update(values, lax.scatter, indices_are_sorted, unique_indices, mode,
                            wrap_negative_indices)  # fmt: skip

    def add(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None,
            wrap_negative_indices=True):  # fmt: skip
        return self._update(values, lax.scatter_add, indices_are_sorted, unique_indices, mode,
                            wrap_negative_indices)  # fmt: skip

    def subtract(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None,
                 wrap_negative_indices=True):  # fmt: skip
        values = lax.neg(asarray_any(values))
        return self.add(values, indices_are_sorted=indices_are_sorted,
                        unique_indices=unique_indices, mode=mode,
                        wrap_negative_indices=wrap_negative_indices)  # fmt: skip

    def multiply(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None,
                 wrap_negative_indices=True):  # fmt: skip
        return self._update(values, lax.scatter_mul, indices_are_sorted, unique_indices, mode,
                            wrap_negative_indices)  # fmt: skip

    mul = multiply

    def _by_product(self, combine, values, indices_are_sorted, unique_indices, mode,
                    wrap_negative_indices):  # fmt: skip
        """combine(x, p): p is 1 except at the indices, where it is the product of the values."""
        x = asarray_any(self.array)
        p = _scatter_update(lax.full_like(x, 1), self.index, values, lax.scatter_mul,
                            indices_are_sorted, unique_indices, mode, wrap_negative_indices)  # fmt: skip
        return combine(x, p)

    def divide(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None,
               wrap_negative_indices=True):  # fmt: skip
        from ._ufuncs import divide

        return self._by_product(divide, values, indices_are_sorted, unique_indices, mode,
                                wrap_negative_indices)  # fmt: skip

    def power(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None,
              wrap_negative_indices=True):  # fmt: skip
        from ._ufuncs import power

        return self._by_product(power, values, indices_are_sorted, unique_indices, mode,
                                wrap_negative_indices)  # fmt: skip

    def min(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None,
            wrap_negative_indices=True):  # fmt: skip
        return self._update(values, lax.scatter_min, indices_are_sorted, unique_indices, mode,
                            wrap_negative_indices)  # fmt: skip

    def max(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None,
            wrap_negative_indices=True):  # fmt: skip
        return self._update(values, lax.scatter_max, indices_are_sorted, unique_indices, mode,
                            wrap_negative_indices)  # fmt: skip

    def apply(self, func, *, indices_are_sorted=False, unique_indices=False, mode=None,
              wrap_negative_indices=True):  # fmt: skip
        """x with func applied at idx (once per element, for unique indices)."""
        vals = func(self.get(indices_are_sorted=indices_are_sorted, unique_indices=unique_indices,
                             wrap_negative_indices=wrap_negative_indices))  # fmt: skip
        return self.set(vals, indices_are_sorted=indices_are_sorted,
                        unique_indices=unique_indices, mode=mode,
                        wrap_negative_indices=wrap_negative_indices)  # fmt: skip


# ---------------------------------------------------------------------------------------------
# functions


def _wrap_mode_indices(indices, n, mode):
    from ._ufuncs import remainder

    if mode == "wrap":
        return remainder(asarray_any(indices), n) if n else indices
    return indices


def take(a, indices, axis=None, out=None, mode=None, unique_indices=False,
         indices_are_sorted=False, fill_value=None):  # fmt: skip
    """Elements of `a` at `indices` along `axis` (flattened if None). Out-of-bounds indices
    give `fill_value` (NaN for inexact types) by default, as in JAX; mode='clip' clamps and
    mode='wrap' wraps around."""
    check_arraylike("take", a)
    if out is not None:
        raise NotImplementedError("The 'out' argument to jnp.take is not supported.")
    a = asarray_any(a)
    if axis is None:
        a = lax.reshape(a, (core.get_aval(a).size,))
        axis = 0
    nd = core.get_aval(a).ndim
    axis = canonical_axis(axis, nd)
    n = core.get_aval(a).shape[axis]
    indices = asarray_any(indices)
    if not _is_int_dtype(core.get_aval(indices).dtype):
        # JAX raises ValueError here (NumPy TypeError): this error is both
        raise _IndexDtypeError(
            f"take: indices must have an integer type, got {core.get_aval(indices).dtype}"
        )
    if mode == "raise":  # checkable only when the indices are known (JAX: never supported)
        conc = indices._value if not isinstance(indices, core.Tracer) else None
        if conc is None:
            raise NotImplementedError(
                "jnp.take(mode='raise') needs concrete indices (it checks them in Python); "
                "under jit/vmap use mode='fill' (the default), 'clip' or 'wrap'"
            )
        bad = (conc < -n) | (conc >= n)
        if np.any(bad):
            raise IndexError(
                f"jnp.take: index {conc[bad].ravel()[0]} is out of bounds for axis {axis} with "
                f"size {n}"
            )
        indices = _wrap_mode_indices(indices, n, "wrap") if n else indices
        mode = None
    indices = _wrap_mode_indices(indices, n, mode)
    gmode = "clip" if mode == "clip" else "fill"
    idx = (slice(None),) * axis + (indices,)
    ix = _indexer(core.get_aval(a).shape, _parse(core.get_aval(a).shape, idx))
    out = lax.gather(a, ix.indices, ix.dnums, ix.slice_sizes, mode=gmode, fill_value=fill_value,
                     indices_are_sorted=indices_are_sorted, unique_indices=unique_indices)  # fmt: skip
    return lax.reshape(out, ix.final_shape)


def take_along_axis(arr, indices, axis=-1, mode=None, fill_value=None, *,
                    wrap_negative_indices=None):  # fmt: skip
    """arr's elements at `indices` along `axis`; the other axes of arr and indices broadcast.
    A negative index counts from the end unless wrap_negative_indices is False."""
    check_arraylike("take_along_axis", arr, indices)
    arr = asarray_any(arr)
    indices = asarray_any(indices)
    a_aval, i_aval = core.get_aval(arr), core.get_aval(indices)
    if not _is_int_dtype(i_aval.dtype):
        raise JTransTypeError(f"take_along_axis: indices must be integers, got {i_aval.dtype}")
    if axis is None:
        if i_aval.ndim != 1:
            raise JTransValueError(
                f"take_along_axis: indices must be 1-D when axis=None, got shape {i_aval.shape}"
            )
        arr = lax.reshape(arr, (a_aval.size,))
        axis = 0
        a_aval, i_aval = core.get_aval(arr), core.get_aval(indices)
    if a_aval.ndim != i_aval.ndim:
        raise ValueError(
            f"take_along_axis: indices and arr must have the same number of dimensions; "
            f"got {i_aval.ndim} vs {a_aval.ndim}"
        )
    nd = a_aval.ndim
    axis = canonical_axis(axis, nd)
    indices = _wrap_mode_indices(indices, a_aval.shape[axis], mode)
    idx = []
    for d in range(nd):
        if d == axis:
            idx.append(indices)
        else:
            shp = [1] * nd
            shp[d] = a_aval.shape[d]
            idx.append(Array(np.arange(a_aval.shape[d], dtype=np.int32).reshape(shp)))
    gmode = "clip" if mode == "clip" else "fill"
    wrap = wrap_negative_indices is None or bool(wrap_negative_indices)
    return _rewriting_take(arr, tuple(idx), gmode, fill_value, wrap_negative_indices=wrap)


def put(a, ind, v, mode=None, *, inplace=True):
    """Out-of-place put: a copy of `a` with flat positions `ind` set to `v` (JAX requires
    inplace=False)."""
    if inplace:
        raise ValueError(
            "jnp.put cannot modify arrays in-place, because JAX arrays are immutable. Pass "
            "inplace=False to instead return an updated array."
        )
    a = asarray_any(a)
    aval = core.get_aval(a)
    ind = asarray_any(ind)
    v = asarray_any(v)
    flat = lax.reshape(a, (aval.size,))
    ind_flat = lax.reshape(ind, (core.get_aval(ind).size,))
    v_flat = lax.reshape(v, (core.get_aval(v).size,))
    n_ind, n_v = core.get_aval(ind_flat).shape[0], core.get_aval(v_flat).shape[0]
    if n_v != n_ind and n_v:  # NumPy repeats v to the length of ind
        reps = -(-n_ind // n_v)
        v_flat = lax.slice(lax.reshape(lax.broadcast(v_flat, (reps,)), (reps * n_v,)), (0,),
                           (n_ind,))  # fmt: skip
    ind_flat = _wrap_mode_indices(ind_flat, aval.size, mode)
    smode = "clip" if mode in ("clip",) else None
    out = _IndexUpdateRef(flat, ind_flat).set(v_flat, mode=smode)
    return lax.reshape(out, aval.shape)


def diagonal(a, offset=0, axis1=0, axis2=1):
    """The diagonal at `offset` of the 2-D slices of `a` over axis1/axis2, as the last axis."""
    check_arraylike("diagonal", a)
    a = asarray_any(a)
    aval = core.get_aval(a)
    nd = aval.ndim
    if nd < 2:
        raise ValueError("diagonal requires an array of at least two dimensions.")
    a1, a2 = canonical_axis(axis1, nd), canonical_axis(axis2, nd)
    if a1 == a2:
        raise ValueError("axis1 and axis2 must not be equal")
    offset = int(offset)
    perm = [d for d in range(nd) if d not in (a1, a2)] + [a1, a2]
    a = lax.transpose(a, perm)
    n1, n2 = aval.shape[a1], aval.shape[a2]
    n = max(0, min(n1 + min(offset, 0), n2 - max(offset, 0)))
    i = np.arange(n, dtype=np.int32)
    rows, cols = Array(i + max(-offset, 0)), Array(i + max(offset, 0))
    return _rewriting_take(a, (Ellipsis, rows, cols), "promise_in_bounds")


def diag(v, k=0):
    """The k-th diagonal of a 2-D array, or a 2-D array with the 1-D `v` on its k-th diagonal."""
    check_arraylike("diag", v)
    v = asarray_any(v)
    aval = core.get_aval(v)
    k = int(k)
    if aval.ndim == 1:
        n = aval.shape[0] + abs(k)
        zeros = lax.full((n, n), 0, aval.dtype)
        i = np.arange(aval.shape[0], dtype=np.int32)
        rows, cols = Array(i + max(-k, 0)), Array(i + max(k, 0))
        out = _IndexUpdateRef(zeros, (rows, cols)).set(v, unique_indices=True)
        return out if not aval.weak_type else lax.convert_element_type(out, aval.dtype, True)
    if aval.ndim == 2:
        return diagonal(v, k)
    raise ValueError("diag input must be 1d or 2d")


def ix_(*args):
    """An open mesh from 1-D index sequences: out[k] has shape (1,..,n_k,..,1)."""
    n = len(args)
    out = []
    for k, a in enumerate(args):
        a = asarray_any(a)
        aval = core.get_aval(a)
        if aval.ndim != 1:
            raise ValueError(f"Cross index must be 1 dimensional, got shape {aval.shape}")
        if aval.dtype == dtypes.bool_:
            a = Array(np.nonzero(np.asarray(_concrete(a)))[0].astype(np.int32))
            aval = core.get_aval(a)
        shp = [1] * n
        shp[k] = aval.shape[0]
        out.append(lax.reshape(a, shp))
    return tuple(out)


def _at(self):
    return _IndexUpdateHelper(self)


def _setitem(self, idx, value):
    raise TypeError(
        f"'{type(self).__name__}' object does not support item assignment. JAX arrays are "
        "immutable. Instead of ``x[idx] = y``, use ``x = x.at[idx].set(y)`` or another .at[] "
        "method: https://jax.readthedocs.io/en/latest/_autosummary/jax.numpy.ndarray.at.html"
    )


_extra_methods = {"__getitem__": _getitem, "__setitem__": _setitem, "at": property(_at)}
try:
    from ._shape import _extra_methods_shape

    _extra_methods.update(_extra_methods_shape)
except ImportError:  # pragma: no cover
    pass
