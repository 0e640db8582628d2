"""Collectives over named axes: psum, pmax, pmin, all_gather, axis_index, ppermute, all_to_all
(and pmean, psum_scatter, axis_size built from them).

A named axis is one made by `vmap(f, axis_name=...)` or `pmap`. A collective names the axes it
acts over (param `axes`); the batching trace of that axis runs its batch rule, which reduces or
gathers over the batch dimension, so collectives never reach eager evaluation or the compiler.
Differentiation follows JAX: the collectives are linear, and each transposes to its dual
(psum to psum, all_gather to psum_scatter, ppermute to the inverse permutation, all_to_all to
all_to_all with the axes swapped), so `vmap(grad(f), axis_name=...)` equals the gradient of the
explicitly batched computation's total.
"""

import numpy as np

from .. import core
from ..interpreters import ad, batching
from ..lowering import passes
from ..tree_util import tree_flatten, tree_unflatten
from . import reductions as red
from . import structural as st
from ._base import as_operand, batch_rules, not_mapped, standard_primitive
from .elementwise import add, div, eq, mul
from .extra import index_take

# ---------------------------------------------------------------------------------------------
# axis names and sizes


def _names(axis_name):
    return tuple(axis_name) if isinstance(axis_name, (tuple, list)) else (axis_name,)


def _unbound(name, env):
    bound = [n for n, _ in env]
    return NameError(
        f"unbound axis name: {name}. The following axis names (e.g. defined by vmap or pmap) "
        f"are available to collective operations: {bound}. A collective (lax.psum, lax.pmean, "
        f"lax.all_gather, lax.axis_index, ...) must run inside a vmap or pmap that names its "
        f"axis, e.g. jtrans.vmap(f, axis_name={name!r})"
    )


def _axis_sizes(names):
    """The size of each named axis, from the enclosing vmaps/pmaps (innermost binding wins)."""
    env = batching.axis_env()
    sizes = []
    for name in names:
        for n, size in env:
            if n == name:
                sizes.append(size)
                break
        else:
            raise _unbound(name, env)
    return sizes


def axis_size(axis_name):
    """lax.axis_size: the size of the named axis (the product for a tuple of names), an int."""
    return int(np.prod(_axis_sizes(_names(axis_name)), dtype=np.int64))


def _check_groups(axis_index_groups, what):
    if axis_index_groups is not None:
        raise NotImplementedError(
            f"lax.{what}: axis_index_groups is not supported (only None); split the axis with "
            "a nested vmap instead, so each group is one inner axis"
        )


def _groups(axis_name, axis_index_groups, what):
    """(name, table, position): for a single named axis split into `axis_index_groups`, the
    int32 table whose row i lists the members of member i's group (in the group's order), and
    each member's position within its group."""
    names = _names(axis_name)
    if len(names) != 1:
        raise NotImplementedError(
            f"lax.{what}: axis_index_groups over several axes {names} is not supported"
        )
    (size,) = _axis_sizes(names)
    groups = [[int(i) for i in g] for g in axis_index_groups]
    members = sorted(i for g in groups for i in g)
    if members != list(range(size)) or len({len(g) for g in groups}) != 1:
        raise ValueError(
            f"lax.{what}: axis_index_groups must cover every index of axis {names[0]!r} (size "
            f"{size}) exactly once, in groups of one size; got {axis_index_groups!r}"
        )
    table = np.zeros((size, len(groups[0])), np.int32)
    position = np.zeros(size, np.int32)
    for g in groups:
        for k, i in enumerate(g):
            table[i] = g
            position[i] = k
    return names[0], table, position


def _my_group(leaf, name, table):
    """This member's group's values of `leaf`, stacked at a new leading axis."""
    everyone = all_gather_p.bind(
        as_operand(leaf), axes=(name,), axis=0, axis_size=table.shape[0], tiled=False
    )
    idx = axis_index_p.bind(axes=(name,))
    rows = st.dynamic_index_in_dim(as_operand(table), idx, 0, keepdims=False)
    return index_take(everyone, (rows,), (0,))


def _grouped_reduce(x, axis_name, axis_index_groups, what):
    name, table, _ = _groups(axis_name, axis_index_groups, what)
    reduce = {"psum": red.reduce_sum, "pmax": red.reduce_max, "pmin": red.reduce_min}[what]

    def one(leaf):
        if what == "psum" and core.get_aval(as_operand(leaf)).dtype == np.bool_:
            leaf = st.convert_element_type(leaf, np.int32)
        if not isinstance(leaf, core.Tracer):  # the same value at every member
            n = table.shape[1]
            if what != "psum":
                return as_operand(leaf)
            return leaf * n if isinstance(leaf, (int, float, complex)) else mul(
                as_operand(leaf), st.full_like(leaf, n))  # fmt: skip
        return reduce(_my_group(leaf, name, table), (0,))

    leaves, tree = tree_flatten(x)
    return tree_unflatten(tree, [one(leaf) for leaf in leaves])


def _single_name(axis_name, what):
    names = _names(axis_name)
    if len(names) != 1:
        raise NotImplementedError(
            f"lax.{what} over several axes {names} is not supported; use one axis name"
        )
    return names[0]


def _collective_impl(*args, axes, **params):
    # eager evaluation never has a named axis around it
    raise _unbound(axes[0], [])


def _no_lowering(prim):
    def rule(params):
        raise NameError(
            f"the collective {prim.name} over axis {params['axes']} reached the compiler: "
            "collectives are removed by the vmap/pmap that names their axis; call this jitted "
            "function inside that vmap/pmap"
        )

    passes.inline_rules[prim] = rule


def _collective(name, abstract_eval):
    p = standard_primitive(name, _collective_impl, abstract_eval)
    batching.axis_primitives.add(p)
    _no_lowering(p)
    return p


def _unary_batch(prim, own_rule):
    """A batch rule: over the axis being batched, `own_rule(x, bdim, size, **params)`; over
    another axis (an enclosing vmap's), pass the collective on with the batch axis at 0."""

    def rule(vals, dims, axes, **params):
        (x,), (d,) = vals, dims
        name = batching.current_axis_name()
        if name in axes:
            return own_rule(x, d, batching.current_axis_size(), axes=axes, **params)
        x = batching.moveaxis(x, d, 0)
        return prim.bind(x, axes=axes, **_shift_params(params)), 0

    batch_rules[prim] = rule


def _shift_params(params):
    """Params of a collective applied to an operand with one more leading (batch) axis."""
    out = dict(params)
    for k in ("axis", "split_axis", "concat_axis"):
        if k in out:
            out[k] += 1
    return out


# ---------------------------------------------------------------------------------------------
# psum, pmax, pmin: reductions over the named axes


def _reduction(name, reduce, unmapped):
    prim = _collective(name, lambda x, *, axes: x)

    def own(x, d, size, axes):
        out = unmapped(x, size) if d is not_mapped else reduce(x, (d,))
        rest = tuple(a for a in axes if a != batching.current_axis_name())
        return (prim.bind(out, axes=rest) if rest else out), not_mapped

    _unary_batch(prim, own)
    return prim


psum_p = _reduction("psum", red.reduce_sum, lambda x, n: mul(x, st.full_like(x, n)))
pmax_p = _reduction("pmax", red.reduce_max, lambda x, n: x)
pmin_p = _reduction("pmin", red.reduce_min, lambda x, n: x)

ad.deflinear(
    psum_p, lambda ct, x, *, axes: [ct if type(ct) is ad.Zero else psum_p.bind(ct, axes=axes)]
)


def _pminmax_jvp(prim):
    # the tangent at the position(s) holding the extremum, averaged over ties
    def rule(primals, tangents, *, axes):
        (x,), (t,) = primals, tangents
        ans = prim.bind(x, axes=axes)
        if type(t) is ad.Zero:
            return ans, ad.Zero(ad.tangent_aval(core.get_aval(ans)))
        hit = st.convert_element_type(eq(x, ans), core.get_aval(t).dtype)
        num = psum_p.bind(mul(hit, t), axes=axes)
        return ans, div(num, psum_p.bind(hit, axes=axes))

    ad.jvp_rules[prim] = rule


_pminmax_jvp(pmax_p)
_pminmax_jvp(pmin_p)


def _reducer(prim, what):
    def f(x, axis_name, *, axis_index_groups=None):
        if axis_index_groups is not None:
            return _grouped_reduce(x, axis_name, axis_index_groups, what)
        names = _names(axis_name)
        sizes = _axis_sizes(names)
        leaves, tree = tree_flatten(x)
        outs = []
        for leaf in leaves:
            if prim is psum_p:
                if core.get_aval(leaf).dtype == np.bool_:
                    leaf = st.convert_element_type(leaf, np.int32)
                if not isinstance(leaf, core.Tracer):  # a constant: n copies summed, now
                    n = int(np.prod(sizes, dtype=np.int64))
                    outs.append(leaf * n if isinstance(leaf, (int, float, complex)) else
                                mul(as_operand(leaf), st.full_like(leaf, n)))  # fmt: skip
                    continue
            elif not isinstance(leaf, core.Tracer):
                outs.append(as_operand(leaf))
                continue
            outs.append(prim.bind(as_operand(leaf), axes=names))
        return tree_unflatten(tree, outs)

    f.__name__ = what
    f.__doc__ = f"lax.{what}: the {what[1:]} of x (a pytree) over the named axis or axes."
    return f


psum = _reducer(psum_p, "psum")
pmax = _reducer(pmax_p, "pmax")
pmin = _reducer(pmin_p, "pmin")


def pmean(x, axis_name, *, axis_index_groups=None):
    """lax.pmean: psum(x) / the axis size (the group size with axis_index_groups)."""
    if axis_index_groups is not None:
        n = len(axis_index_groups[0])
        leaves, tree = tree_flatten(psum(x, axis_name, axis_index_groups=axis_index_groups))
        return tree_unflatten(tree, [leaf / n for leaf in leaves])
    n = axis_size(axis_name)
    leaves, tree = tree_flatten(psum(x, axis_name))
    return tree_unflatten(tree, [leaf / n for leaf in leaves])


# ---------------------------------------------------------------------------------------------
# axis_index: each member's position along the axis


axis_index_p = _collective("axis_index", lambda *, axes: core.ShapedArray((), np.dtype(np.int32)))


def _axis_index_batch(vals, dims, axes):
    size = batching.current_axis_size()
    return st.iota(np.int32, size), 0


batch_rules[axis_index_p] = _axis_index_batch
ad.defnondiff(axis_index_p)


def axis_index(axis_name):
    """lax.axis_index: the int32 index along the named axis (row-major over a tuple of names)."""
    names = _names(axis_name)
    sizes = _axis_sizes(names)
    out = None
    for name, size in zip(names, sizes):
        i = axis_index_p.bind(axes=(name,))
        out = i if out is None else add(mul(out, np.int32(size)), i)
    return out


# ---------------------------------------------------------------------------------------------
# all_gather: every member gets the stack (or concatenation) of all members' values


def _all_gather_abstract(x, *, axes, axis, axis_size, tiled):
    shape = list(x.shape)
    if tiled:
        shape[axis] *= axis_size
    else:
        shape.insert(axis, axis_size)
    return core.ShapedArray(shape, x.dtype, x.weak_type)


all_gather_p = _collective("all_gather", _all_gather_abstract)


def _all_gather_own(x, d, size, *, axes, axis, axis_size, tiled):
    if d is not_mapped:
        x = batching.bdim_at_front(x, d, size)
        d = 0
    out = batching.moveaxis(x, d, axis)
    if tiled:
        shape = list(core.get_aval(out).shape)
        shape[axis : axis + 2] = [shape[axis] * shape[axis + 1]]
        out = st.reshape(out, shape)
    return out, not_mapped


_unary_batch(all_gather_p, _all_gather_own)


def _all_gather_transpose(ct, x, *, axes, axis, axis_size, tiled):
    if type(ct) is ad.Zero:
        return [ad.Zero(x.aval)]
    return [_psum_scatter(ct, axes[0], axis_size, axis, tiled)]


ad.deflinear(all_gather_p, _all_gather_transpose)


def all_gather(x, axis_name, *, axis_index_groups=None, axis=0, tiled=False):
    """lax.all_gather: each member gets all members' x stacked at a new axis `axis` (tiled:
    concatenated along the existing axis `axis`), over the named axis or axes (row-major);
    with axis_index_groups, over the members of each member's group (in the group's order)."""
    names = _names(axis_name)
    sizes = _axis_sizes(names)
    group_table = None
    if axis_index_groups is not None:
        gname, group_table, _ = _groups(axis_name, axis_index_groups, "all_gather")

    def one(leaf):
        leaf = as_operand(leaf)
        nd = core.get_aval(leaf).ndim
        ax = _check_axis(axis, nd if tiled else nd + 1, "all_gather axis")
        if tiled and nd == 0:
            raise ValueError("lax.all_gather(tiled=True) needs an operand of rank >= 1")
        if group_table is not None:
            out = batching.moveaxis(_my_group(leaf, gname, group_table), 0, ax)
            if tiled:
                shape = list(core.get_aval(out).shape)
                shape[ax : ax + 2] = [shape[ax] * shape[ax + 1]]
                out = st.reshape(out, shape)
            return out
        out = leaf
        # the last name gathers first, so the first name ends up major
        for name, size in reversed(list(zip(names, sizes))):
            out = all_gather_p.bind(out, axes=(name,), axis=ax, axis_size=size, tiled=False)
        if len(names) > 1 or tiled:
            shape = list(core.get_aval(out).shape)
            k = len(names) + (1 if tiled else 0)
            shape[ax : ax + k] = [int(np.prod(shape[ax : ax + k], dtype=np.int64))]
            out = st.reshape(out, shape)
        return out

    leaves, tree = tree_flatten(x)
    return tree_unflatten(tree, [one(leaf) for leaf in leaves])


def _check_axis(axis, n, what):
    if not -n <= axis < n:
        raise ValueError(f"{what}={axis} is out of bounds (valid: {-n} to {n - 1})")
    return axis % n


# ---------------------------------------------------------------------------------------------
# psum_scatter: psum, then each member keeps its own block (built from psum and axis_index)


def _psum_scatter(x, name, size, scatter_dimension, tiled):
    total = psum_p.bind(x, axes=(name,))
    idx = axis_index_p.bind(axes=(name,))
    if not tiled:
        return st.dynamic_index_in_dim(total, idx, scatter_dimension, keepdims=False)
    block = core.get_aval(x).shape[scatter_dimension] // size
    return st.dynamic_slice_in_dim(total, mul(idx, np.int32(block)), block, scatter_dimension)


def psum_scatter(x, axis_name, *, scatter_dimension=0, axis_index_groups=None, tiled=False):
    """lax.psum_scatter: the psum of x, of which member i keeps block i along
    `scatter_dimension` (tiled=False: that axis has the axis size and is removed); with
    axis_index_groups, the psum over the member's group, of which it keeps the block at its
    position in the group."""
    name = _single_name(axis_name, "psum_scatter")
    (size,) = _axis_sizes((name,))
    if axis_index_groups is not None:
        return _grouped_psum_scatter(x, name, axis_index_groups, scatter_dimension, tiled)

    def one(leaf):
        leaf, _, sd = _scatter_operand(leaf, scatter_dimension, size, tiled,
                                       f"the size {size} of axis {name!r}")  # fmt: skip
        return _psum_scatter(leaf, name, size, sd, tiled)

    leaves, tree = tree_flatten(x)
    return tree_unflatten(tree, [one(leaf) for leaf in leaves])


def _scatter_operand(leaf, scatter_dimension, size, tiled, of):
    """(operand, its shape, its scatter dimension), checking that dimension against the `size`
    members sharing the scatter (`of` names them in the error)."""
    leaf = as_operand(leaf)
    shape = core.get_aval(leaf).shape
    sd = _check_axis(scatter_dimension, len(shape), "psum_scatter scatter_dimension")
    if (shape[sd] % size) if tiled else (shape[sd] != size):
        need = "a multiple of" if tiled else "equal to"
        raise ValueError(
            f"lax.psum_scatter: dimension {sd} of the operand (shape {shape}) must be {need} {of}"
        )
    return leaf, shape, sd


def _grouped_psum_scatter(x, name, axis_index_groups, scatter_dimension, tiled):
    _, table, position = _groups(name, axis_index_groups, "psum_scatter")
    gsize = table.shape[1]

    def one(leaf):
        leaf, shape, sd = _scatter_operand(leaf, scatter_dimension, gsize, tiled,
                                           f"the group size {gsize}")  # fmt: skip
        total = red.reduce_sum(_my_group(leaf, name, table), (0,))
        idx = axis_index_p.bind(axes=(name,))
        pos = st.dynamic_index_in_dim(as_operand(position), idx, 0, keepdims=False)
        if not tiled:
            return st.dynamic_index_in_dim(total, pos, sd, keepdims=False)
        block = shape[sd] // gsize
        return st.dynamic_slice_in_dim(total, mul(pos, np.int32(block)), block, sd)

    leaves, tree = tree_flatten(x)
    return tree_unflatten(tree, [one(leaf) for leaf in leaves])


# ---------------------------------------------------------------------------------------------
# ppermute: member dst receives member src's x for each (src, dst) in perm; others get zeros


ppermute_p = _collective("ppermute", lambda x, *, axes, perm: x)


def _ppermute_own(x, d, size, *, axes, perm):
    x = batching.bdim_at_front(x, d, size)
    src = np.zeros(size, np.int32)
    has = np.zeros(size, bool)
    for s, t in perm:
        src[t], has[t] = s, True
    out = index_take(x, [src], (0,))
    if not has.all():
        shape = core.get_aval(out).shape
        mask = st.broadcast_in_dim(has, shape, (0,))
        out = st.select_n(mask, st.full_like(out, 0), out)
    return out, 0


_unary_batch(ppermute_p, _ppermute_own)


def _ppermute_transpose(ct, x, *, axes, perm):
    if type(ct) is ad.Zero:
        return [ct]
    return [ppermute_p.bind(ct, axes=axes, perm=tuple((t, s) for s, t in perm))]


ad.deflinear(ppermute_p, _ppermute_transpose)


def ppermute(x, axis_name, perm):
    """lax.ppermute: member `dst` gets member `src`'s x for each pair (src, dst) in perm;
    members that are no destination get zeros."""
    name = _single_name(axis_name, "ppermute")
    (size,) = _axis_sizes((name,))
    perm = tuple((int(s), int(t)) for s, t in perm)
    srcs, dsts = [s for s, _ in perm], [t for _, t in perm]
    if len(set(srcs)) != len(srcs) or len(set(dsts)) != len(dsts):
        raise ValueError(f"lax.ppermute: sources and destinations must be unique, got {perm}")
    if any(not 0 <= i < size for i in srcs + dsts):
        raise ValueError(
            f"lax.ppermute: perm {perm} has indices out of range for axis {name!r} of size {size}"
        )
    leaves, tree = tree_flatten(x)
    outs = [ppermute_p.bind(as_operand(leaf), axes=(name,), perm=perm) for leaf in leaves]
    return tree_unflatten(tree, outs)


def pshuffle(x, axis_name, perm):
    """lax.pshuffle: member i gets member perm[i]'s x (perm a permutation of the axis)."""
    return ppermute(x, axis_name, [(s, t) for t, s in enumerate(perm)])


# ---------------------------------------------------------------------------------------------
# all_to_all (tiled form as the primitive): split `split_axis` into axis-size blocks, send block
# j to member j, concatenate the received blocks along `concat_axis` (member order)


def _all_to_all_abstract(x, *, axes, split_axis, concat_axis, axis_size):
    shape = list(x.shape)
    shape[split_axis] //= axis_size
    shape[concat_axis] *= axis_size
    return core.ShapedArray(shape, x.dtype, x.weak_type)


all_to_all_p = _collective("all_to_all", _all_to_all_abstract)


def _all_to_all_own(x, d, size, *, axes, split_axis, concat_axis, axis_size):
    x = batching.bdim_at_front(x, d, size)  # x[k]: member k's operand
    shape = core.get_aval(x).shape[1:]
    s, c, r = split_axis, concat_axis, len(shape)
    # split the split axis into (j, block): axis positions of the member axes after that
    split_shape = list(shape[:s]) + [size, shape[s] // size] + list(shape[s + 1 :])
    x = st.reshape(x, [size] + split_shape)
    pos = [a + 1 if a < s else a + 2 for a in range(r)]
    pos[s] = s + 2  # the block part
    perm = [s + 1]  # j (the receiving member) becomes the batch axis
    for a in range(r):
        if a == c:
            perm.append(0)  # k (the sending member) is major in the concatenation
        perm.append(pos[a])
    out = st.transpose(x, perm)
    out_shape = list(shape)
    out_shape[s] //= size
    out_shape[c] *= size
    return st.reshape(out, [size] + out_shape), 0


_unary_batch(all_to_all_p, _all_to_all_own)


def _all_to_all_transpose(ct, x, *, axes, split_axis, concat_axis, axis_size):
    if type(ct) is ad.Zero:
        return [ad.Zero(x.aval)]
    return [all_to_all_p.bind(ct, axes=axes, split_axis=concat_axis, concat_axis=split_axis,
                              axis_size=axis_size)]  # fmt: skip


ad.deflinear(all_to_all_p, _all_to_all_transpose)


def all_to_all(x, axis_name, split_axis, concat_axis, *, axis_index_groups=None, tiled=False):
    """lax.all_to_all: the named axis becomes positional at `concat_axis` and the positional
    `split_axis` (of the axis size; tiled: a multiple of it, split in blocks) becomes mapped."""
    _check_groups(axis_index_groups, "all_to_all")
    name = _single_name(axis_name, "all_to_all")
    (size,) = _axis_sizes((name,))

    def one(leaf):
        leaf = as_operand(leaf)
        shape = core.get_aval(leaf).shape
        nd = len(shape)
        s = _check_axis(split_axis, nd, "all_to_all split_axis")
        c = _check_axis(concat_axis, nd, "all_to_all concat_axis")
        if (shape[s] % size) if tiled else (shape[s] != size):
            need = "a multiple of" if tiled else "equal to"
            raise ValueError(
                f"lax.all_to_all: split_axis {s} of the operand (shape {shape}) must be {need} "
                f"the size {size} of axis {name!r}"
            )
        if tiled:
            return all_to_all_p.bind(leaf, axes=(name,), split_axis=s, concat_axis=c,
                                     axis_size=size)  # fmt: skip
        # untiled: the split axis (size n) leaves, a new axis of size n appears at concat_axis
        if s < c:
            c += 1
            leaf = st.expand_dims(leaf, (c,))
        elif c < s:
            leaf = st.expand_dims(leaf, (c,))
            s += 1
        out = all_to_all_p.bind(leaf, axes=(name,), split_axis=s, concat_axis=c, axis_size=size)
        return st.squeeze(out, (s,)) if s != c else out

    leaves, tree = tree_flatten(x)
    return tree_unflatten(tree, [one(leaf) for leaf in leaves])


__all__ = [
    "all_gather",
    "all_gather_p",
    "all_to_all",
    "all_to_all_p",
    "axis_index",
    "axis_index_p",
    "axis_size",
    "pmax",
    "pmax_p",
    "pmean",
    "pmin",
    "pmin_p",
    "ppermute",
    "ppermute_p",
    "pshuffle",
    "psum",
    "psum_p",
    "psum_scatter",
]
