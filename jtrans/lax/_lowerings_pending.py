"""Lowering entries still to be moved into their primitives' paragraphs (in progress: this
module goes away when they are all moved)."""

import numpy as np

from .. import core
from ..lowering import fusion, passes
from ..lowering import kernel as K
from . import linalg, reductions
from . import structural as st
from .lowerings import clamp as _clamp
from .lowerings import identity_if_same as _identity_if_same
from .lowerings import in_range as _in_range
from .lowerings import same as _same

E = fusion.elementwise_rules
S = passes.simplify_rules

E[st.convert_element_type_p] = lambda x, new_dtype, weak_type=False: K.Expr(
    "cast", (x,), np.dtype(new_dtype)
)


def _select_n_rule(which, *cases):
    if which.dtype == K.BOOL:
        return cases[0] if len(cases) == 1 else K.Expr("select", (which, cases[1], cases[0]),
                                                        cases[0].dtype)  # fmt: skip
    out = cases[0]
    for i, c in enumerate(cases[1:], 1):
        out = K.Expr("select", (K.op("eq", which, K.const(i, which.dtype)), c, out), c.dtype)
    return out


E[st.select_n_p] = _select_n_rule

fusion.cheap_prims |= {st.convert_element_type_p, st.iota_p}

# ---------------------------------------------------------------------------------------------
# index maps: the operand index for an output index

IX = fusion.index_rules


def _bid_index(idx, in_avals, out_aval, shape, broadcast_dimensions):
    x = in_avals[0]
    dims = [K.iconst(0) if x.shape[i] == 1 else idx.dims[d]
            for i, d in enumerate(broadcast_dimensions)]  # fmt: skip
    return [K.Index(dims)]


IX[st.broadcast_in_dim_p] = _bid_index


def _reshape_index(idx, in_avals, out_aval, **params):
    x = in_avals[0]
    squeezed_in = [n for n in x.shape if n != 1]
    squeezed_out = [n for n in out_aval.shape if n != 1]
    flat = idx.flat
    if squeezed_in == squeezed_out:  # only unit axes change: no division
        it = iter(d for d, n in zip(idx.dims, out_aval.shape) if n != 1)
        return [K.Index([K.iconst(0) if n == 1 else next(it) for n in x.shape], flat)]
    if flat is None:
        flat = K.linearize(idx.dims, out_aval.shape)
    return [K.Index(K.delinearize(flat, x.shape), flat)]


IX[st.reshape_p] = _reshape_index
IX[st.squeeze_p] = lambda idx, in_avals, out_aval, dimensions: _reshape_index(
    idx, in_avals, out_aval
)


def _transpose_index(idx, in_avals, out_aval, permutation):
    dims = [None] * len(permutation)
    for j, p in enumerate(permutation):
        dims[p] = idx.dims[j]
    return [K.Index(dims)]


IX[st.transpose_p] = _transpose_index


def _rev_index(idx, in_avals, out_aval, dimensions):
    n = in_avals[0].shape
    dims = [K.iadd(K.iconst(n[i] - 1), K.imul(d, -1)) if i in dimensions else d
            for i, d in enumerate(idx.dims)]  # fmt: skip
    return [K.Index(dims)]


IX[st.rev_p] = _rev_index


def _slice_index(idx, in_avals, out_aval, start_indices, limit_indices, strides):
    st_ = strides or (1,) * len(start_indices)
    dims = [K.iadd(K.iconst(a), K.imul(d, s)) for d, a, s in zip(idx.dims, start_indices, st_)]
    return [K.Index(dims)]


IX[st.slice_p] = _slice_index

# ---------------------------------------------------------------------------------------------
# fused rules: loop-local ops that are not plain index maps

F = fusion.fused_rules


def _iota_rule(read, idx, in_avals, out_aval, dtype, shape, dimension):
    return K.Expr("cast", (idx.dims[dimension],), np.dtype(dtype))


F[st.iota_p] = _iota_rule


def _pad_rule(read, idx, in_avals, out_aval, padding_config):
    x = in_avals[0]
    pv = read(1, K.Index((), K.iconst(0)))
    if x.size == 0:
        return pv
    ok, dims = None, []
    for d, n, (lo, hi, interior) in zip(idx.dims, x.shape, padding_config):
        step = interior + 1
        rel = K.iadd(d, K.iconst(-lo))
        span = (n - 1) * step + 1
        cond = _in_range(rel, 0, span)
        if step > 1:
            cond = K.op("and", cond, K.op("eq", K.Expr("rem", (K.op("max", rel, K.iconst(0)),
                                                               K.iconst(step)), K.I64),
                                          K.iconst(0)))  # fmt: skip
            rel = K.Expr("div", (rel, K.iconst(step)), K.I64)
        dims.append(_clamp(rel, n))
        ok = cond if ok is None else K.op("and", ok, cond)
    v = read(0, K.Index(dims))
    return v if ok is None else K.Expr("select", (ok, v, pv), v.dtype)


F[st.pad_p] = _pad_rule


def _concatenate_rule(read, idx, in_avals, out_aval, dimension):
    out, start = None, 0
    d = idx.dims[dimension]
    for i, x in enumerate(in_avals):
        n = x.shape[dimension]
        if n == 0:
            continue
        dims = list(idx.dims)
        dims[dimension] = _clamp(K.iadd(d, K.iconst(-start)), n)
        v = read(i, K.Index(dims))
        out = v if out is None else K.Expr("select", (K.op("lt", d, K.iconst(start)), out, v),
                                           v.dtype)  # fmt: skip
        start += n
    return out


F[st.concatenate_p] = _concatenate_rule

# ---------------------------------------------------------------------------------------------
# reductions and GEMM

fusion.reduction_rules.update({reductions.reduce_sum_p: "add", reductions.reduce_max_p: "max",
                               reductions.reduce_min_p: "min", reductions.reduce_prod_p: "mul",
                               reductions.reduce_and_p: "and", reductions.reduce_or_p: "or"})  # fmt: skip


def _dot_general_gemm(in_avals, out_aval, dimension_numbers, precision=None,
                      preferred_element_type=None):  # fmt: skip
    return dimension_numbers


fusion.gemm_rules[linalg.dot_general_p] = _dot_general_gemm

S = passes.simplify_rules


def _convert_simplify(eqn, producer):
    x = eqn.invars[0]
    return x if x.aval.dtype == eqn.outvars[0].aval.dtype and type(x) is core.Var else None


S[st.convert_element_type_p] = _convert_simplify
S[st.broadcast_in_dim_p] = _identity_if_same
S[st.squeeze_p] = _identity_if_same


def _reshape_simplify(eqn, producer):
    x = eqn.invars[0]
    if _same(x, eqn.outvars[0]) and type(x) is core.Var:
        return x
    p = producer(x)
    if p is not None and p.prim in (st.reshape_p, st.squeeze_p):  # a chain of reshapes
        return eqn.replace(invars=[p.invars[0]], params=dict(new_sizes=eqn.outvars[0].aval.shape,
                                                             dimensions=None))  # fmt: skip
    return None


S[st.reshape_p] = _reshape_simplify


def _transpose_simplify(eqn, producer):
    x = eqn.invars[0]
    perm = eqn.params["permutation"]
    if list(perm) == list(range(len(perm))):
        return x
    p = producer(x)
    if p is not None and p.prim is st.transpose_p:  # transpose of transpose
        inner = p.params["permutation"]
        composed = tuple(inner[i] for i in perm)
        return eqn.replace(invars=[p.invars[0]], params=dict(permutation=composed))
    return None


S[st.transpose_p] = _transpose_simplify


# ---------------------------------------------------------------------------------------------
# control flow: native branches and loops around sub-programs (jtrans/lowering/control.py)

from ..lowering import control
from . import control_flow as cf

fusion.control_rules[cf.cond_p] = control.lower_cond
fusion.control_rules[cf.while_p] = control.lower_while
fusion.control_rules[cf.scan_p] = control.lower_scan

# ---------------------------------------------------------------------------------------------
# indexing: dynamic slices and gathers as index maps; scatter, cumulative reductions and
# argmax/argmin as native steps (jtrans/lowering/indexing.py)

from ..lowering import indexing as ix

F[st.dynamic_slice_p] = ix.dynamic_slice_rule
F[st.dynamic_update_slice_p] = ix.dynamic_update_slice_rule
F[st.gather_p] = ix.gather_rule

_SCATTERS = {st.scatter_p: None, st.scatter_add_p: "add", st.scatter_mul_p: "mul",
             st.scatter_min_p: "min", st.scatter_max_p: "max"}  # fmt: skip
for _p, _combine in _SCATTERS.items():
    fusion.control_rules[_p] = ix.scatter_rule(_combine)
fusion.fused_operand_prims |= set(_SCATTERS)

_CUMULATIVE = {reductions.cumsum_p: "add", reductions.cumprod_p: "mul",
               reductions.cummax_p: "max", reductions.cummin_p: "min"}  # fmt: skip
for _p, _monoid in _CUMULATIVE.items():
    fusion.control_rules[_p] = ix.cumulative_rule(_monoid)
fusion.control_rules[reductions.argmax_p] = ix.arg_rule("max")
fusion.control_rules[reductions.argmin_p] = ix.arg_rule("min")
fusion.fused_operand_prims |= set(_CUMULATIVE) | {reductions.argmax_p, reductions.argmin_p}

fusion.control_rules[reductions.reduce_window_sum_p] = ix.reduce_window_rule("add", lambda d: 0)
fusion.control_rules[reductions.reduce_window_max_p] = ix.reduce_window_rule("max", ix.max_identity)
fusion.control_rules[reductions.reduce_window_min_p] = ix.reduce_window_rule("min", ix.min_identity)
fusion.fused_operand_prims |= {reductions.reduce_window_sum_p, reductions.reduce_window_max_p,
                               reductions.reduce_window_min_p}  # fmt: skip

# ---------------------------------------------------------------------------------------------
# convolution as GEMMs over patches; the max-pool derivatives as native window loops
# (jtrans/lowering/conv.py)

from ..lowering import conv as lconv
from . import convolution as _conv

fusion.control_rules[_conv.conv_general_dilated_p] = lconv.conv_rule
fusion.control_rules[reductions.select_and_gather_add_p] = lconv.window_select_rule("gather")
fusion.control_rules[reductions.select_and_scatter_add_p] = lconv.window_select_rule("scatter")
fusion.fused_operand_prims |= {_conv.conv_general_dilated_p, reductions.select_and_gather_add_p,
                               reductions.select_and_scatter_add_p}  # fmt: skip

# ---------------------------------------------------------------------------------------------
# sort: a native stable merge sort per row, operands gathered by the permutation
# (jtrans/lowering/sort.py)

from ..lowering import sort as lsort

fusion.control_rules[reductions.sort_p] = lsort.sort_rule
fusion.fused_operand_prims.add(reductions.sort_p)

fusion.control_rules[reductions.cumlogsumexp_p] = ix.cumlogsumexp_rule
fusion.fused_operand_prims.add(reductions.cumlogsumexp_p)
