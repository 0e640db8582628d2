"""Native lowerings of the indexing family: dynamic_slice, dynamic_update_slice and gather as
fused index maps with data-dependent offsets; scatter, cumulative reductions and argmax/argmin as
native steps with their own loop structure.

Index maps read their start indices from a buffer (or a fused expression) inside the loop, clamp
them into bounds as XLA does (start in [0, n - size]), and load the operand at start + offset; a
FILL_OR_DROP gather selects its fill value where a start is out of bounds. They fuse with their
producers and consumers like any other index map.

The steps (`ScatterStep`, `ScanAxisStep`, `ArgStep`) are Kernel IR steps outside the loop-kernel
form: each renders into one LLVM function of its own whose arguments are its buffers, and is
called from the entry or from a control-flow body the same way (it provides `render` for the
entry, `emit` for a body, `check` and `pp_lines` for the checker and printer). Their scalar
expressions are ordinary Kernel IR expressions of loop variables; the functions here only set
up the loops around them.

This module knows no primitive: jtrans/lax/lowerings.py registers these rules under theirs.
"""

import numpy as np

from . import kernel as K

I64 = K.I64

# ---------------------------------------------------------------------------------------------
# index helpers


def _isub(a, b):
    if b.is_const(0):
        return a
    return K.Expr("sub", (a, b), I64)


def _as_index(e):
    """An integer scalar expression as an int64 index."""
    return e if e.dtype == I64 else K.Expr("cast", (e,), I64)


def _clamp(e, lo, hi):
    """lo <= e <= hi (Python ints, lo <= hi)."""
    if e.is_const():
        return K.iconst(min(max(e.args[0], lo), hi))
    return K.op("min", K.op("max", e, K.iconst(lo)), K.iconst(hi))


def _or(a, b):
    return b if a is None else K.op("or", a, b)


def _and(a, b):
    return b if a is None else K.op("and", a, b)


def _out_of(e, lo, hi):
    """e < lo or e > hi, as a bool expression."""
    return K.op("or", K.op("lt", e, K.iconst(lo)), K.op("gt", e, K.iconst(hi)))


_SCALAR = K.Index((), K.iconst(0))


def _start(read, i):
    return _as_index(read(i, _SCALAR))


def default_fill(dtype):
    """The FILL_OR_DROP gather's fill value when none is given: NaN, True, or the integer
    extreme (min for signed, max for unsigned)."""
    dtype = np.dtype(dtype)
    if dtype.kind in "fc":
        return np.nan
    if dtype.kind == "b":
        return True
    info = np.iinfo(dtype)
    return info.min if dtype.kind == "i" else info.max


def _is_fill(mode):
    return getattr(mode, "value", mode) == "fill"


# ---------------------------------------------------------------------------------------------
# fused rules: rule(read, idx, in_avals, out_aval, **params) -> Expr (fusion.fused_rules)


def dynamic_slice_rule(read, idx, in_avals, out_aval, slice_sizes):
    """out[i] = x[clamp(start) + i]; starts are operands 1..rank."""
    x = in_avals[0]
    dims = []
    for d, (i, n, k) in enumerate(zip(idx.dims, x.shape, slice_sizes)):
        if k == n:  # the start clamps to 0
            dims.append(i)
        else:
            dims.append(K.iadd(_clamp(_start(read, 1 + d), 0, n - k), i))
    return read(0, K.Index(dims))


def dynamic_update_slice_rule(read, idx, in_avals, out_aval):
    """out[i] = update[i - start] inside the (clamped) window, x[i] elsewhere."""
    x, u = in_avals[:2]
    if any(k == 0 for k in u.shape):
        return read(0, idx)
    inside, udims = None, []
    for d, (i, n, k) in enumerate(zip(idx.dims, x.shape, u.shape)):
        if k == n:
            udims.append(i)
            continue
        rel = _isub(i, _clamp(_start(read, 2 + d), 0, n - k))
        inside = _and(inside, K.op("not", _out_of(rel, 0, k - 1)))
        udims.append(_clamp(rel, 0, k - 1))
    v = read(1, K.Index(udims))
    if inside is None:
        return v
    return K.Expr("select", (inside, v, read(0, idx)), v.dtype)


def _window_starts(read_index, x_shape, win, index_map, obd, ibd, batch_dims, fill):
    """Per operand axis, the clamped start of the window and (FILL_OR_DROP) the out-of-bounds
    condition: index_map[k] is the operand axis of entry k of the index vector, read with
    `read_index(k)`; operand batching axes obd[j] start at batch index batch_dims[ibd[j]]."""
    starts, oob = [], None
    for d, (n, k) in enumerate(zip(x_shape, win)):
        if d in index_map:
            s = _as_index(read_index(index_map.index(d)))
            if fill:
                oob = _or(oob, _out_of(s, 0, n - k))
            starts.append(_clamp(s, 0, max(n - k, 0)))
        elif d in obd:
            starts.append(batch_dims[ibd[obd.index(d)]])
        else:
            starts.append(K.iconst(0))
    return starts, oob


def gather_rule(read, idx, in_avals, out_aval, *, dimension_numbers, slice_sizes, mode,
                fill_value, indices_are_sorted=False, unique_indices=False):  # fmt: skip
    """Any gather: the output index splits into batch positions (which index vector) and
    offset positions (where in the window); the operand index is window start + offset."""
    x = in_avals[0]
    dn = dimension_numbers
    batch = [idx.dims[p] for p in range(out_aval.ndim) if p not in dn.offset_dims]
    dropped = set(dn.collapsed_slice_dims) | set(dn.operand_batching_dims)
    kept = [d for d in range(x.ndim) if d not in dropped]
    offset = {d: idx.dims[p] for d, p in zip(kept, dn.offset_dims)}
    fill = _is_fill(mode)

    def read_index(k):
        return read(1, K.Index(list(batch) + [K.iconst(k)]))

    starts, oob = _window_starts(read_index, x.shape, slice_sizes, list(dn.start_index_map),
                                 list(dn.operand_batching_dims),
                                 list(dn.start_indices_batching_dims), batch, fill)  # fmt: skip
    dims = [K.iadd(s, offset.get(d, K.iconst(0))) for d, s in enumerate(starts)]
    v = read(0, K.Index(dims))
    if oob is None:
        return v
    fv = default_fill(x.dtype) if fill_value is None else fill_value
    return K.Expr("select", (oob, K.const(fv, v.dtype), v), v.dtype)
