"""Products: dot, matmul, vdot, vecdot, inner, outer, tensordot, einsum, kron, trace, cross.

Every contraction becomes one `lax.dot_general` (batched matmuls included: broadcast batch
dims are batch dims, or free dims of the operand that has them; nothing is materialised)."""

import numpy as np

from .. import core, dtypes, lax
from ..errors import JTransValueError, ShapeError
from ._util import asarray_any, canonical_axis, check_arraylike, promote_dtypes

__all__ = [
    "cross",
    "dot",
    "einsum",
    "einsum_path",
    "inner",
    "kron",
    "matmul",
    "outer",
    "tensordot",
    "trace",
    "vdot",
    "vecdot",
]  # fmt: skip


def _shape(x):
    return core.get_aval(x).shape


def _promote(name, *args):
    check_arraylike(name, *args)
    return promote_dtypes(*args)


def _pet(preferred_element_type):
    return None if preferred_element_type is None else dtypes.check_dtype(preferred_element_type)


def _dg(a, b, dims, precision=None, preferred_element_type=None):
    return lax.dot_general(a, b, dims, precision, _pet(preferred_element_type))


def dot(a, b, *, precision=None, preferred_element_type=None):
    """NumPy's dot: scalars multiply; otherwise the last axis of `a` contracts with the
    second-to-last axis of `b` (its only axis when b is a vector)."""
    a, b = _promote("dot", a, b)
    sa, sb = _shape(a), _shape(b)
    if not sa or not sb:
        from ._ufuncs import multiply

        out = multiply(a, b)
        return out if preferred_element_type is None else out.astype(preferred_element_type)
    cb = 0 if len(sb) == 1 else len(sb) - 2
    if sa[-1] != sb[cb]:
        raise ShapeError(
            f"dot: shapes {sa} and {sb} are not aligned: a.shape[-1] = {sa[-1]} must equal "
            f"b.shape[{cb - len(sb)}] = {sb[cb]}"
        )
    return _dg(a, b, (((len(sa) - 1,), (cb,)), ((), ())), precision, preferred_element_type)


def matmul(a, b, *, precision=None, preferred_element_type=None):
    """Matrix product with NumPy's broadcasting of leading (batch) dims; one dot_general."""
    a, b = _promote("matmul", a, b)
    sa, sb = _shape(a), _shape(b)
    if not sa or not sb:
        raise JTransValueError(
            f"matmul: operands must not be scalars, got shapes {sa} and {sb}; use * to multiply "
            "by a scalar"
        )
    na, nb = len(sa), len(sb)
    ka, kb = na - 1, (0 if nb == 1 else nb - 2)
    if sa[ka] != sb[kb]:
        raise ShapeError(
            f"matmul: shapes {sa} and {sb} are incompatible: the last axis of the first "
            f"({sa[ka]}) must match the {'only' if nb == 1 else 'second-to-last'} axis of the "
            f"second ({sb[kb]})"
        )
    ba, bb = sa[: max(na - 2, 0)], sb[: max(nb - 2, 0)]
    nbatch = max(len(ba), len(bb))
    pa, pb = (None,) * (nbatch - len(ba)) + tuple(ba), (None,) * (nbatch - len(bb)) + tuple(bb)
    # classify each broadcast batch dim: shared batch dim, or a free dim of one operand
    a_batch, b_batch, a_free, b_free, a_drop, b_drop = [], [], [], [], [], []
    kinds = []  # per output batch dim: ("batch" | "a" | "b", its index in that group)
    off_a, off_b = nbatch - len(ba), nbatch - len(bb)
    for i, (da, db) in enumerate(zip(pa, pb)):
        ia, ib = i - off_a, i - off_b
        if da is not None and db is not None and da == db:
            a_batch.append(ia)
            b_batch.append(ib)
            kinds.append(("batch", len(a_batch) - 1))
        elif da is not None and db is not None and da != 1 and db != 1:
            raise ShapeError(
                f"matmul: shapes {sa} and {sb} have incompatible batch dimensions "
                f"({da} vs {db}); leading dims must be equal or 1 (NumPy broadcasting)"
            )
        elif db is None or (da is not None and db == 1):  # a's dim: a free dim of a
            a_free.append(ia)
            kinds.append(("a", len(a_free) - 1))
            if db is not None:
                b_drop.append(ib)
        else:  # b's dim (a lacks it or has size 1)
            b_free.append(ib)
            kinds.append(("b", len(b_free) - 1))
            if da is not None:
                a_drop.append(ia)
    if a_drop:
        a = lax.squeeze(a, a_drop)
    if b_drop:
        b = lax.squeeze(b, b_drop)

    def renum(axes, dropped):
        return [x - sum(1 for d in dropped if d < x) for x in axes]

    a_batch, a_free, ka = renum(a_batch, a_drop), renum(a_free, a_drop), ka - len(a_drop)
    b_batch, b_free, kb = renum(b_batch, b_drop), renum(b_free, b_drop), kb - len(b_drop)
    out = _dg(a, b, (((ka,), (kb,)), (tuple(a_batch), tuple(b_batch))), precision,
              preferred_element_type)  # fmt: skip
    # output layout: batch | a free batch dims [, m] | b free batch dims [, n]
    nB, nA = len(a_batch), len(a_free)
    has_m, has_n = na >= 2, nb >= 2
    b_start = nB + nA + has_m
    perm = []
    for kind, j in kinds:
        perm.append(j if kind == "batch" else (nB + j if kind == "a" else b_start + j))
    if has_m:
        perm.append(nB + nA)
    if has_n:
        perm.append(b_start + len(b_free))
    return lax.transpose(out, perm)


def vdot(a, b, *, precision=None, preferred_element_type=None):
    """Dot product of the flattened arrays, conjugating the first."""
    a, b = _promote("vdot", a, b)
    if dtypes.is_complex(core.get_aval(a).dtype):
        a = lax.conj(a)
    a = lax.reshape(a, (core.get_aval(a).size,))
    b = lax.reshape(b, (core.get_aval(b).size,))
    return dot(a, b, precision=precision, preferred_element_type=preferred_element_type)


def vecdot(x1, x2, /, *, axis=-1, precision=None, preferred_element_type=None):
    """Conjugated vector dot product over `axis`, broadcasting the other dims."""
    x1, x2 = _promote("vecdot", x1, x2)
    s1, s2 = _shape(x1), _shape(x2)
    a1, a2 = canonical_axis(axis, len(s1)), canonical_axis(axis, len(s2))
    if s1[a1] != s2[a2]:
        raise ShapeError(f"vecdot: axis {axis} has size {s1[a1]} in the first operand "
                               f"(shape {s1}) and {s2[a2]} in the second (shape {s2})")  # fmt: skip
    if dtypes.is_complex(core.get_aval(x1).dtype):
        x1 = lax.conj(x1)
    x1 = lax.expand_dims(_moveaxis(x1, a1, -1), (-2,))
    x2 = lax.expand_dims(_moveaxis(x2, a2, -1), (-1,))
    out = matmul(x1, x2, precision=precision, preferred_element_type=preferred_element_type)
    nd = len(_shape(out))
    return lax.squeeze(out, (nd - 2, nd - 1))


def _moveaxis(x, src, dst):
    nd = len(_shape(x))
    src, dst = src % nd, dst % nd
    perm = [i for i in range(nd) if i != src]
    perm.insert(dst, src)
    return lax.transpose(x, perm)


def inner(a, b, *, precision=None, preferred_element_type=None):
    """Contracts the last axes of a and b (scalars multiply)."""
    a, b = _promote("inner", a, b)
    sa, sb = _shape(a), _shape(b)
    if not sa or not sb:
        return dot(a, b, preferred_element_type=preferred_element_type)
    if sa[-1] != sb[-1]:
        raise ShapeError(f"inner: the last axes of shapes {sa} and {sb} differ")
    return _dg(a, b, (((len(sa) - 1,), (len(sb) - 1,)), ((), ())), precision,
               preferred_element_type)  # fmt: skip


def outer(a, b, out=None):
    """Outer product of the flattened arrays."""
    if out is not None:
        raise NotImplementedError("The 'out' argument to jnp.outer is not supported.")
    a, b = _promote("outer", a, b)
    a = lax.reshape(a, (core.get_aval(a).size,))
    b = lax.reshape(b, (core.get_aval(b).size,))
    return _dg(a, b, (((), ()), ((), ())))


def tensordot(a, b, axes=2, *, precision=None, preferred_element_type=None):
    """Contracts the last `axes` dims of a with the first of b, or the axis lists (ax_a, ax_b)."""
    a, b = _promote("tensordot", a, b)
    sa, sb = _shape(a), _shape(b)
    if isinstance(axes, (int, np.integer)):
        n = int(axes)
        if n < 0 or n > min(len(sa), len(sb)):
            raise JTransValueError(
                f"tensordot: axes={n} must be between 0 and the smaller rank of shapes {sa} "
                f"and {sb}"
            )
        ca, cb = tuple(range(len(sa) - n, len(sa))), tuple(range(n))
    else:
        try:
            ax_a, ax_b = axes
        except (TypeError, ValueError):
            raise JTransValueError(
                f"tensordot: axes must be an int or a pair of axis sequences, got {axes!r}"
            ) from None
        ax_a = (ax_a,) if isinstance(ax_a, (int, np.integer)) else tuple(ax_a)
        ax_b = (ax_b,) if isinstance(ax_b, (int, np.integer)) else tuple(ax_b)
        if len(ax_a) != len(ax_b):
            raise JTransValueError(f"tensordot: axes {axes} name different numbers of axes")
        ca = tuple(canonical_axis(x, len(sa)) for x in ax_a)
        cb = tuple(canonical_axis(x, len(sb)) for x in ax_b)
    for i, j in zip(ca, cb):
        if sa[i] != sb[j]:
            raise JTransValueError(
                f"tensordot: shape mismatch along contracted axes: shapes {sa} and {sb}, "
                f"axis {i} ({sa[i]}) vs axis {j} ({sb[j]})"
            )
    return _dg(a, b, ((ca, cb), ((), ())), precision, preferred_element_type)


# ---------------------------------------------------------------------------------------------
# einsum: parse, take diagonals of repeated labels, sum labels used once, then contract pairs
# greedily (smallest result first), each pair one dot_general.


def _parse_einsum(subscripts, shapes):
    subscripts = subscripts.replace(" ", "")
    if "->" in subscripts:
        lhs, out = subscripts.split("->")
        explicit = True
    else:
        lhs, out, explicit = subscripts, None, False
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise JTransValueError(
            f"einsum: subscripts {subscripts!r} name {len(terms)} operands but "
            f"{len(shapes)} were given"
        )
    n_ell = 0
    for t, s in zip(terms, shapes):
        if "..." in t:
            n_ell = max(n_ell, len(s) - (len(t) - 3))
    ell = [chr(0x2460 + i) for i in range(n_ell)]  # private labels for ellipsis dims
    labels = []
    for t, s in zip(terms, shapes):
        if "..." in t:
            pre, post = t.split("...")
            k = len(s) - len(pre) - len(post)
            if k < 0:
                raise JTransValueError(f"einsum: operand of shape {s} has too few dims for {t!r}")
            labs = list(pre) + ell[n_ell - k :] + list(post)
        else:
            labs = list(t)
        if len(labs) != len(s):
            raise JTransValueError(
                f"einsum: subscript {t!r} names {len(labs)} axes but the operand has shape {s}"
            )
        for c in labs:
            if not (c.isalpha() or c in ell):
                raise JTransValueError(f"einsum: invalid subscript character {c!r}")
        labels.append(labs)
    if explicit:
        if "..." in out:
            pre, post = out.split("...")
            out_labels = list(pre) + ell + list(post)
        else:
            out_labels = list(out)
        all_labels = {c for labs in labels for c in labs}
        for c in out_labels:
            if c not in all_labels:
                raise JTransValueError(f"einsum: output subscript {c!r} appears in no input")
        if len(set(out_labels)) != len(out_labels):
            raise JTransValueError(f"einsum: output subscripts {out!r} repeat a label")
    else:
        counts = {}
        for labs in labels:
            for c in labs:
                counts[c] = counts.get(c, 0) + 1
        out_labels = ell + sorted(c for c, n in counts.items() if n == 1 and c not in ell)
    return labels, out_labels


def _sublist_to_str(args):
    """einsum(op0, sub0, op1, sub1, ..., [sub_out]) to the string form."""
    out = args[-1] if len(args) % 2 == 1 else None
    pairs = args[: len(args) - (out is not None)]
    ops, subs = list(pairs[0::2]), list(pairs[1::2])

    def conv(sub):
        return "".join("..." if s is Ellipsis else chr(ord("a") + s) if s < 26 else
                       chr(ord("A") + s - 26) for s in sub)  # fmt: skip

    s = ",".join(conv(x) for x in subs)
    if out is not None:
        s += "->" + conv(out)
    return s, ops


def einsum(subscripts, *operands, out=None, optimize="auto", precision=None,
           preferred_element_type=None, _dot_general=None):  # fmt: skip
    """Einstein summation (explicit or implicit output, '...', repeated labels); pairwise
    contractions are dot_generals in a greedy order."""
    if out is not None:
        raise NotImplementedError("The 'out' argument to jnp.einsum is not supported.")
    if not isinstance(subscripts, str):
        subscripts, operands = _sublist_to_str((subscripts,) + operands)
    ops = _promote("einsum", *operands)
    labels, out_labels = _parse_einsum(subscripts, [_shape(o) for o in ops])
    dg = _dot_general or lax.dot_general
    pet = _pet(preferred_element_type)
    # sizes, with NumPy's broadcasting of size-1 dims
    sizes = {}
    for labs, o in zip(labels, ops):
        for c, d in zip(labs, _shape(o)):
            if sizes.get(c, 1) == 1:
                sizes[c] = d
            elif d not in (1, sizes[c]):
                raise JTransValueError(
                    f"einsum: label {c!r} has sizes {sizes[c]} and {d} in {subscripts!r} "
                    f"(operand shapes {[_shape(o) for o in ops]})"
                )
    terms = []
    for labs, o in zip(labels, ops):
        o, labs = _diagonals(o, list(labs))
        drop = [i for i, c in enumerate(labs) if _shape(o)[i] == 1 and sizes[c] != 1]
        if drop:
            o = lax.squeeze(o, drop)
            labs = [c for i, c in enumerate(labs) if i not in drop]
        terms.append((o, labs))

    def needed(exclude):
        keep = set(out_labels)
        for i, (_, labs) in enumerate(terms):
            if i not in exclude:
                keep.update(labs)
        return keep

    def sum_unneeded(i):
        o, labs = terms[i]
        keep = needed({i})
        axes = tuple(j for j, c in enumerate(labs) if c not in keep)
        if axes:
            o = lax.reduce_sum(o, axes)
            labs = [c for c in labs if c in keep]
        terms[i] = (o, labs)

    for i in range(len(terms)):
        sum_unneeded(i)
    while len(terms) > 1:
        best = None
        for i in range(len(terms)):
            for j in range(i + 1, len(terms)):
                keep = needed({i, j})
                res = set(terms[i][1]) | set(terms[j][1])
                cost = _prod(sizes[c] for c in res if c in keep)
                if best is None or cost < best[0]:
                    best = (cost, i, j)
        _, i, j = best
        (a, la), (b, lb) = terms[i], terms[j]
        keep = needed({i, j})
        shared = [c for c in la if c in lb]
        batch = [c for c in shared if c in keep]
        contract = [c for c in shared if c not in keep]
        dims = (
            (tuple(la.index(c) for c in contract), tuple(lb.index(c) for c in contract)),
            (tuple(la.index(c) for c in batch), tuple(lb.index(c) for c in batch)),
        )
        res = dg(a, b, dims, precision, pet)
        res_labels = batch + [c for c in la if c not in shared] + [c for c in lb if c not in shared]
        terms = [t for k, t in enumerate(terms) if k not in (i, j)] + [(res, res_labels)]
        sum_unneeded(len(terms) - 1)
    o, labs = terms[0]
    if pet is not None and core.get_aval(o).dtype != pet:
        o = lax.convert_element_type(o, pet)
    perm = [labs.index(c) for c in out_labels]
    o = lax.transpose(o, perm)
    out_shape = tuple(sizes[c] for c in out_labels)
    if _shape(o) != out_shape:  # labels broadcast from size 1 that no operand kept
        o = lax.broadcast_in_dim(o, out_shape, tuple(range(len(out_shape))))
    return o


def einsum_path(subscripts, *operands, optimize="auto"):
    """(path, description): a contraction order as JAX gives it (a list of operand-position
    tuples), computed by NumPy's einsum_path ('auto' and opt_einsum's strategy names use its
    greedy search; the description is NumPy's text). einsum's own order is internal."""
    if isinstance(optimize, (list, tuple)):
        optimize = ["einsum_path", *[tuple(p) for p in optimize if p != "einsum_path"]]
    elif isinstance(optimize, str) and optimize not in ("greedy", "optimal"):
        optimize = "greedy"
    path, info = np.einsum_path(
        subscripts, *[np.zeros(_shape(asarray_any(o))) for o in operands], optimize=optimize
    )
    return [tuple(p) for p in path[1:]], info


def _prod(xs):
    out = 1
    for x in xs:
        out *= int(x)
    return out


def _diagonal_mask(shape, i, j, offset=0):
    """Boolean mask over `shape`: index along axis j == index along axis i + offset."""
    ii = lax.broadcasted_iota(np.int32, shape, i)
    jj = lax.broadcasted_iota(np.int32, shape, j)
    if offset:
        ii = lax.add(ii, lax.full_like(ii, offset))
    return lax.eq(ii, jj)


def _diagonals(x, labs):
    """Takes diagonals for labels repeated within one operand ('ii->i')."""
    while len(set(labs)) != len(labs):
        for i, c in enumerate(labs):
            j = labs.index(c, i + 1) if labs.count(c) > 1 else None
            if j is not None:
                break
        shape = _shape(x)
        x = lax.select(_diagonal_mask(shape, i, j), x, lax.full_like(x, 0))
        x = lax.reduce_sum(x, (j,))
        labs = labs[:j] + labs[j + 1 :]
    return x, labs


# ---------------------------------------------------------------------------------------------


def kron(a, b):
    """Kronecker product: blocks a[i] * b."""
    a, b = _promote("kron", a, b)
    sa, sb = _shape(a), _shape(b)
    nd = max(len(sa), len(sb))
    sa, sb = (1,) * (nd - len(sa)) + sa, (1,) * (nd - len(sb)) + sb
    a, b = lax.reshape(a, sa), lax.reshape(b, sb)
    full = tuple(d for pair in zip(sa, sb) for d in pair)
    ea = lax.broadcast_in_dim(a, full, tuple(range(0, 2 * nd, 2)))
    eb = lax.broadcast_in_dim(b, full, tuple(range(1, 2 * nd, 2)))
    return lax.reshape(lax.mul(ea, eb), tuple(x * y for x, y in zip(sa, sb)))


def trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    """Sum along a diagonal (offset above the main one) of the plane (axis1, axis2)."""
    if out is not None:
        raise NotImplementedError("The 'out' argument to jnp.trace is not supported.")
    check_arraylike("trace", a)
    a = asarray_any(a)
    aval = core.get_aval(a)
    if aval.ndim < 2:
        raise JTransValueError(f"trace: the array must have at least two dims, got {aval.shape}")
    i, j = canonical_axis(axis1, aval.ndim), canonical_axis(axis2, aval.ndim)
    if i == j:
        raise JTransValueError(f"trace: axis1 and axis2 must differ, got {axis1} and {axis2}")
    if dtype is not None:
        a = lax.convert_element_type(a, dtypes.check_dtype(dtype))
    elif aval.dtype == dtypes.bool_ or aval.dtype.kind in "iu":
        big = dtypes.default_int()
        if aval.dtype.kind == "u":
            big = dtypes.canonicalize_dtype(np.dtype("uint64"))
        if np.dtype(aval.dtype).itemsize < np.dtype(big).itemsize or aval.dtype.kind == "b":
            a = lax.convert_element_type(a, big)
    mask = _diagonal_mask(aval.shape, i, j, int(offset))
    return lax.reduce_sum(lax.select(mask, a, lax.full_like(a, 0)), (i, j))


def cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """Cross product of 3-vectors (or 2-vectors, giving the z component) along the given axes."""
    a, b = _promote("cross", a, b)
    if axis is not None:
        axisa = axisb = axisc = axis
    a = _moveaxis(a, canonical_axis(axisa, len(_shape(a))), -1)
    b = _moveaxis(b, canonical_axis(axisb, len(_shape(b))), -1)
    na, nb = _shape(a)[-1], _shape(b)[-1]
    if na not in (2, 3) or nb not in (2, 3):
        raise JTransValueError(
            f"cross: incompatible dimensions for cross product (dimension must be 2 or 3), got "
            f"{na} and {nb}"
        )
    dt = core.get_aval(a).dtype
    # a 2-vector is a 3-vector with z = 0: embed with a 0/1 matrix product (exact)
    if na == 2:
        a = dot(a, lax.convert_element_type(np.eye(2, 3), dt))
    if nb == 2:
        b = dot(b, lax.convert_element_type(np.eye(2, 3), dt))
    eps = np.zeros((3, 3, 3))
    eps[0, 1, 2] = eps[1, 2, 0] = eps[2, 0, 1] = 1
    eps[0, 2, 1] = eps[2, 1, 0] = eps[1, 0, 2] = -1
    from ._util import broadcast_shapes, broadcast_to_shape

    shape = broadcast_shapes(_shape(a), _shape(b), name="cross")
    a, b = broadcast_to_shape(a, shape), broadcast_to_shape(b, shape)
    nd = len(shape)
    outer_ab = lax.mul(
        lax.broadcast_in_dim(a, shape + (3,), tuple(range(nd))),
        lax.broadcast_in_dim(b, shape[:-1] + (3, 3), tuple(range(nd - 1)) + (nd,)),
    )
    c = _dg(outer_ab, lax.convert_element_type(eps, dt), (((nd - 1, nd), (0, 1)), ((), ())))
    if na == 2 and nb == 2:
        return _dg(c, lax.convert_element_type(np.array([0.0, 0.0, 1.0]), dt),
                   (((nd - 1,), (0,)), ((), ())))  # fmt: skip
    return _moveaxis(c, -1, canonical_axis(axisc, len(_shape(c))))
