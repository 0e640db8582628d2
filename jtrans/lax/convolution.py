"""conv_general_dilated: N-d convolution with strides, padding, dilation and feature/batch
groups, in any layout (dimension numbers), with JAX's transpose and batching formulas.

The NumPy impl works in the canonical layout (N, C, spatial...) x (O, I, spatial...): it dilates
and pads the input, takes its windows (im2col, a strided view) and contracts them with the
kernel in one batched matmul per group.
"""

from collections import namedtuple

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .. import core, dtypes
from ..errors import JTransTypeError
from ..interpreters import ad, batching
from ..lowering import conv as lower_conv
from ..lowering import fusion
from . import elementwise as ew
from . import structural as st
from ._base import Zero, as_operand, batch_rules, standard_primitive
from .reductions import (
    _dilate_shape,
    _pad_dilate,
    _window_out_shape,
    conv_general_vjp_lhs_padding,
    padtype_to_pads,
    sort_p,
)

ConvDimensionNumbers = namedtuple("ConvDimensionNumbers", ["lhs_spec", "rhs_spec", "out_spec"])
ConvDimensionNumbers.__doc__ = """Each spec is a tuple of axis indices: (batch, feature, spatial...)
for lhs and out, (out feature, in feature, spatial...) for rhs."""

_LOW = (dtypes.float16, dtypes.bfloat16)


def conv_general_permutations(dimension_numbers):
    """Specs (index tuples) from layout strings like ("NHWC", "HWIO", "NHWC")."""
    lhs_s, rhs_s, out_s = dimension_numbers
    pairs = (("N", "C"), ("O", "I"), ("N", "C"))
    for spec, (a, b) in zip(dimension_numbers, pairs):
        if spec.count(a) != 1 or spec.count(b) != 1 or len(spec) != len(set(spec)):
            raise JTransTypeError(
                f"convolution dimension_numbers {dimension_numbers}: each spec must name "
                f"{a} and {b} exactly once and repeat no letter; got {spec!r}"
            )
    if not set(lhs_s) - {"N", "C"} == set(rhs_s) - {"O", "I"} == set(out_s) - {"N", "C"}:
        raise JTransTypeError(
            f"convolution dimension_numbers {dimension_numbers}: the spatial letters of the "
            "three specs must be the same"
        )

    def perm(spec, pair):
        spatial = [i for i, c in enumerate(spec) if c not in pair]
        if spec is not rhs_s:
            spatial = sorted(spatial, key=lambda i: rhs_s.index(spec[i]))
        return (spec.index(pair[0]), spec.index(pair[1])) + tuple(spatial)

    return tuple(perm(s, p) for s, p in zip(dimension_numbers, pairs))


def conv_dimension_numbers(lhs_shape, rhs_shape, dimension_numbers):
    """ConvDimensionNumbers from None (NCHW/OIHW/NCHW), strings, or ConvDimensionNumbers."""
    nd = len(lhs_shape)
    if len(rhs_shape) != nd:
        raise JTransTypeError(
            f"convolution needs lhs and rhs of the same rank, got shapes {tuple(lhs_shape)} and "
            f"{tuple(rhs_shape)}"
        )
    if dimension_numbers is None:
        spec = tuple(range(nd))
        return ConvDimensionNumbers(spec, spec, spec)
    if isinstance(dimension_numbers, ConvDimensionNumbers):
        return ConvDimensionNumbers(*(tuple(int(i) for i in s) for s in dimension_numbers))
    if len(dimension_numbers) != 3:
        raise JTransTypeError(f"dimension_numbers must have 3 entries, got {dimension_numbers}")
    if all(isinstance(s, str) for s in dimension_numbers):
        for s in dimension_numbers:
            if len(s) != nd:
                raise JTransTypeError(
                    f"convolution dimension_numbers {dimension_numbers}: spec {s!r} does not "
                    f"match operands of rank {nd}"
                )
        return ConvDimensionNumbers(*conv_general_permutations(dimension_numbers))
    return ConvDimensionNumbers(*(tuple(int(i) for i in s) for s in dimension_numbers))


def _canon(shape, spec):
    return tuple(shape[i] for i in spec)


# ---------------------------------------------------------------------------------------------
# conv_general_dilated: definition


def _conv_shape(lhs_shape, rhs_shape, window_strides, padding, lhs_dilation, rhs_dilation,
                dimension_numbers, feature_group_count, batch_group_count):  # fmt: skip
    ls, rs, os_ = dimension_numbers
    x, w = _canon(lhs_shape, ls), _canon(rhs_shape, rs)
    n, c = x[:2]
    o, i = w[:2]
    g, bg = feature_group_count, batch_group_count
    problem = None
    if g > 1 and bg > 1:
        problem = "feature_group_count and batch_group_count cannot both be > 1"
    elif c != i * g:
        problem = (f"the lhs feature size {c} must equal the rhs input feature size {i} times "
                   f"feature_group_count={g}")  # fmt: skip
    elif o % g or o % bg:
        problem = f"the rhs output feature size {o} must be divisible by the group counts {g}/{bg}"
    elif n % bg:
        problem = f"the lhs batch size {n} must be divisible by batch_group_count={bg}"
    elif not len(window_strides) == len(padding) == len(lhs_dilation) == len(rhs_dilation) == \
            len(x) - 2:  # fmt: skip
        problem = "window_strides, padding and dilations need one entry per spatial dimension"
    if problem:
        raise JTransTypeError(
            f"conv_general_dilated with lhs shape {tuple(lhs_shape)}, rhs shape "
            f"{tuple(rhs_shape)} and dimension_numbers {tuple(dimension_numbers)}: {problem}"
        )
    sp = _window_out_shape(x[2:], w[2:], window_strides, padding, lhs_dilation, rhs_dilation)
    canon_out = (n // bg, o) + sp
    out = [0] * len(canon_out)
    for k, d in enumerate(os_):
        out[d] = canon_out[k]
    return tuple(out)


def _conv_abstract(lhs, rhs, *, preferred_element_type, **params):
    params.pop("precision")
    if lhs.dtype != rhs.dtype:
        raise JTransTypeError(
            f"conv_general_dilated requires operands of the same dtype, got {lhs.dtype.name} "
            f"and {rhs.dtype.name}; convert one of them (jnp functions promote automatically)"
        )
    shape = _conv_shape(lhs.shape, rhs.shape, **params)
    dt = lhs.dtype if preferred_element_type is None else preferred_element_type
    return core.ShapedArray(shape, dt, lhs.weak_type and rhs.weak_type)


def _conv_impl(lhs, rhs, *, window_strides, padding, lhs_dilation, rhs_dilation,
               dimension_numbers, feature_group_count, batch_group_count, precision,
               preferred_element_type):  # fmt: skip
    ls, rs, os_ = dimension_numbers
    out_dt = lhs.dtype if preferred_element_type is None else np.dtype(preferred_element_type)
    work = np.float32 if out_dt in _LOW else out_dt
    x = np.transpose(lhs, ls).astype(work, copy=False)
    w = np.transpose(rhs, rs).astype(work, copy=False)
    n, c = x.shape[:2]
    o = w.shape[0]
    ksp = w.shape[2:]
    g, bg = feature_group_count, batch_group_count
    sp = _window_out_shape(x.shape[2:], ksp, window_strides, padding, lhs_dilation, rhs_dilation)
    nb, og, cg = n // bg, o // (g * bg), c // g
    npos, kk = int(np.prod(sp, dtype=np.int64)), int(np.prod(ksp, dtype=np.int64))
    if 0 in (nb, o, npos, cg, kk):
        res = np.zeros((nb, o) + sp, work)
    else:
        nsp = len(sp)
        xp = _pad_dilate(x, 0, ((0, 0), (0, 0)) + tuple(padding), (1, 1) + tuple(lhs_dilation))
        eff = _dilate_shape(ksp, rhs_dilation)
        v = sliding_window_view(xp, eff, axis=tuple(range(2, 2 + nsp)))
        v = v[(slice(None), slice(None))
              + tuple(slice(0, o_ * s, s) for o_, s in zip(sp, window_strides))
              + tuple(slice(None, None, d) for d in rhs_dilation)]  # fmt: skip
        # v: (N, C, *sp, *ksp) -> (BG, G, Nb * P, Cg * K)
        v = v.reshape(bg, nb, g, cg, npos, kk).transpose(0, 2, 1, 4, 3, 5)
        v = v.reshape(bg, g, nb * npos, cg * kk)
        wm = w.reshape(bg, g, og, cg * kk).transpose(0, 1, 3, 2)
        res = np.matmul(v, wm)  # (BG, G, Nb * P, Og)
        res = res.reshape(bg, g, nb, npos, og).transpose(2, 0, 1, 4, 3)
        res = res.reshape((nb, o) + sp)
    return np.ascontiguousarray(np.transpose(res, np.argsort(os_))).astype(out_dt, copy=False)


conv_general_dilated_p = standard_primitive("conv_general_dilated", _conv_impl, _conv_abstract)


def conv_general_dilated(lhs, rhs, window_strides, padding, lhs_dilation=None, rhs_dilation=None,
                         dimension_numbers=None, feature_group_count=1, batch_group_count=1,
                         precision=None, preferred_element_type=None):  # fmt: skip
    """lax.conv_general_dilated: a general N-d convolution (cross-correlation, as in JAX)."""
    lhs, rhs = as_operand(lhs), as_operand(rhs)
    la, ra = core.get_aval(lhs), core.get_aval(rhs)
    dnums = conv_dimension_numbers(la.shape, ra.shape, dimension_numbers)
    nsp = la.ndim - 2
    lhs_dilation = (1,) * nsp if lhs_dilation is None else tuple(int(d) for d in lhs_dilation)
    rhs_dilation = (1,) * nsp if rhs_dilation is None else tuple(int(d) for d in rhs_dilation)
    window_strides = tuple(int(s) for s in window_strides)
    if isinstance(padding, str):
        in_sp = _dilate_shape(_canon(la.shape, dnums.lhs_spec)[2:], lhs_dilation)
        k_sp = _dilate_shape(_canon(ra.shape, dnums.rhs_spec)[2:], rhs_dilation)
        padding = padtype_to_pads(in_sp, k_sp, window_strides, padding)
    padding = tuple((int(lo), int(hi)) for lo, hi in padding)
    if preferred_element_type is not None:
        preferred_element_type = dtypes.check_dtype(preferred_element_type)
    return conv_general_dilated_p.bind(
        lhs, rhs, window_strides=window_strides, padding=padding, lhs_dilation=lhs_dilation,
        rhs_dilation=rhs_dilation, dimension_numbers=dnums,
        feature_group_count=int(feature_group_count), batch_group_count=int(batch_group_count),
        precision=None, preferred_element_type=preferred_element_type,
    )  # fmt: skip


def conv(lhs, rhs, window_strides, padding, precision=None, preferred_element_type=None):
    """lax.conv: NCHW input, OIHW kernel."""
    return conv_general_dilated(lhs, rhs, window_strides, padding, precision=precision,
                                preferred_element_type=preferred_element_type)  # fmt: skip


def conv_with_general_padding(lhs, rhs, window_strides, padding, lhs_dilation, rhs_dilation,
                              precision=None, preferred_element_type=None):  # fmt: skip
    return conv_general_dilated(lhs, rhs, window_strides, padding, lhs_dilation, rhs_dilation,
                                precision=precision,
                                preferred_element_type=preferred_element_type)  # fmt: skip


# ---------------------------------------------------------------------------------------------
# conv_general_dilated: derivatives. Bilinear: the JVP is conv(t_lhs, rhs) + conv(lhs, t_rhs);
# the transposes are convolutions too (JAX's formulas).

ad.defjvp(
    conv_general_dilated_p,
    lambda g, lhs, rhs, **p: conv_general_dilated_p.bind(g, rhs, **p),
    lambda g, lhs, rhs, **p: conv_general_dilated_p.bind(lhs, g, **p),
)


def _rev(x, dims):
    """x reversed along `dims` (a stable sort by descending position: linear in x)."""
    rev = getattr(st, "rev", None)
    if rev is not None:
        return rev(x, tuple(dims))
    shape = core.get_aval(x).shape
    for d in dims:
        key = ew.neg(st.broadcasted_iota(dtypes.int32, shape, d))
        x = sort_p.bind(key, x, dimension=d, is_stable=True, num_keys=1)[1]
    return x


def _reshape_axis_into(src, dst, x):
    """Merges axis src into axis dst (numbered after src is removed), src major."""
    shape = core.get_aval(x).shape
    perm = [i for i in range(len(shape)) if i != src]
    perm.insert(dst, src)
    new_shape = [s for i, s in enumerate(shape) if i != src]
    new_shape[dst] *= shape[src]
    return st.reshape(x, new_shape, perm)


def _reshape_axis_out_of(src, size1, x):
    shape = list(core.get_aval(x).shape)
    shape[src : src + 1] = [size1, shape[src] // size1]
    return st.reshape(x, shape)


def _spec_transpose(spec):
    return (spec[1], spec[0]) + tuple(spec[2:])


def _conv_vjp_rhs_padding(in_shape, window_dimensions, window_strides, out_shape, padding,
                          lhs_dilation, rhs_dilation):  # fmt: skip
    if not in_shape:
        return ()
    lhs_d = _dilate_shape(in_shape, lhs_dilation)
    rhs_d = _dilate_shape(window_dimensions, rhs_dilation)
    out_d = _dilate_shape(out_shape, window_strides)
    lo = [p for p, _ in padding]
    hi = [od - ld + rd - p - 1 for od, ld, rd, p in zip(out_d, lhs_d, rhs_d, lo)]
    return tuple(zip(lo, hi))


def _conv_transpose_lhs(g, rhs, lhs_aval, window_strides, padding, lhs_dilation, rhs_dilation,
                        dimension_numbers, feature_group_count, batch_group_count, precision,
                        preferred_element_type):  # fmt: skip
    ls, rs, os_ = dimension_numbers
    rhs_shape = core.get_aval(rhs).shape
    if feature_group_count > 1:
        rhs = _reshape_axis_out_of(rs[0], feature_group_count, rhs)
        rhs = _reshape_axis_into(rs[0], rs[1], rhs)
    elif batch_group_count > 1:
        rhs = _reshape_axis_out_of(rs[0], batch_group_count, rhs)
        rhs = _reshape_axis_into(rs[0], rs[1], rhs)
        feature_group_count = batch_group_count
    trans = ConvDimensionNumbers(os_, _spec_transpose(rs), ls)
    new_rhs_shape = core.get_aval(rhs).shape
    pads = conv_general_vjp_lhs_padding(
        _canon(lhs_aval.shape, ls)[2:], _canon(new_rhs_shape, rs)[2:], window_strides,
        _canon(core.get_aval(g).shape, os_)[2:], padding, lhs_dilation, rhs_dilation,
    )  # fmt: skip
    del rhs_shape
    out = conv_general_dilated_p.bind(
        g, _rev(rhs, rs[2:]), window_strides=lhs_dilation, padding=pads,
        lhs_dilation=window_strides, rhs_dilation=rhs_dilation, dimension_numbers=trans,
        feature_group_count=feature_group_count, batch_group_count=1, precision=precision,
        preferred_element_type=preferred_element_type,
    )  # fmt: skip
    if batch_group_count > 1:
        out = _reshape_axis_out_of(ls[1], batch_group_count, out)
        out = _reshape_axis_into(ls[1], ls[0], out)
    return out


def _conv_transpose_rhs(g, lhs, rhs_aval, window_strides, padding, lhs_dilation, rhs_dilation,
                        dimension_numbers, feature_group_count, batch_group_count, precision,
                        preferred_element_type):  # fmt: skip
    ls, rs, os_ = dimension_numbers
    if batch_group_count > 1:
        feature_group_count, batch_group_count = batch_group_count, 1
    elif feature_group_count > 1:
        feature_group_count, batch_group_count = 1, feature_group_count
    trans = ConvDimensionNumbers(_spec_transpose(ls), _spec_transpose(os_), _spec_transpose(rs))
    pads = _conv_vjp_rhs_padding(
        _canon(core.get_aval(lhs).shape, ls)[2:], _canon(rhs_aval.shape, rs)[2:], window_strides,
        _canon(core.get_aval(g).shape, os_)[2:], padding, lhs_dilation, rhs_dilation,
    )  # fmt: skip
    return conv_general_dilated_p.bind(
        lhs, g, window_strides=rhs_dilation, padding=pads, lhs_dilation=lhs_dilation,
        rhs_dilation=window_strides, dimension_numbers=trans,
        feature_group_count=feature_group_count, batch_group_count=batch_group_count,
        precision=precision, preferred_element_type=preferred_element_type,
    )  # fmt: skip


def _conv_transpose(ct, lhs, rhs, **params):
    if type(ct) is Zero:
        return [Zero(lhs.aval) if ad.is_undefined_primal(lhs) else None,
                Zero(rhs.aval) if ad.is_undefined_primal(rhs) else None]  # fmt: skip
    if ad.is_undefined_primal(lhs):
        return [_conv_transpose_lhs(ct, rhs, lhs.aval, **params), None]
    if core.get_aval(ct).size == 0:
        return [None, Zero(rhs.aval)]
    return [None, _conv_transpose_rhs(ct, lhs, rhs.aval, **params)]


ad.transpose_rules[conv_general_dilated_p] = _conv_transpose


# ---------------------------------------------------------------------------------------------
# conv_general_dilated: batching. A batched lhs folds into N (or into the batch groups); a
# batched rhs folds into O (inside the feature groups); both batched: into feature groups.


def _conv_batch(vals, dims, **params):
    lhs, rhs = vals
    lb, rb = dims
    ls, rs, os_ = params["dimension_numbers"]
    g, bg = params["feature_group_count"], params["batch_group_count"]
    size = batching.current_axis_size()
    bind = conv_general_dilated_p.bind
    if lb is not None and rb is not None:
        p = dict(params)
        if bg > 1:
            new_lhs = _reshape_axis_into(lb, ls[0], lhs)
            p["batch_group_count"] = bg * size
        else:
            new_lhs = _reshape_axis_into(lb, ls[1], lhs)
            p["feature_group_count"] = g * size
        new_rhs = _reshape_axis_into(rb, rs[0], rhs)
        out = bind(new_lhs, new_rhs, **p)
        return _reshape_axis_out_of(os_[1], size, out), os_[1]
    if lb is not None:
        if bg == 1:
            out = bind(_reshape_axis_into(lb, ls[0], lhs), rhs, **params)
            return _reshape_axis_out_of(os_[0], size, out), os_[0]
        new_lhs = _reshape_axis_out_of(ls[0] + int(lb <= ls[0]), bg, lhs)
        new_lhs = _reshape_axis_into(lb + int(ls[0] < lb), ls[0] + 1, new_lhs)
        new_lhs = _reshape_axis_into(ls[0], ls[0], new_lhs)
        out = bind(new_lhs, rhs, **params)
        return _reshape_axis_out_of(os_[0], size, out), os_[0]
    if g == 1 and bg == 1:
        out = bind(lhs, _reshape_axis_into(rb, rs[0], rhs), **params)
        return _reshape_axis_out_of(os_[1], size, out), os_[1]
    groups = g if g > 1 else bg
    new_rhs = _reshape_axis_out_of(rs[0] + int(rb <= rs[0]), groups, rhs)
    new_rhs = _reshape_axis_into(rb + int(rs[0] < rb), rs[0] + 1, new_rhs)
    new_rhs = _reshape_axis_into(rs[0], rs[0], new_rhs)
    out = bind(lhs, new_rhs, **params)
    out = _reshape_axis_out_of(os_[1], groups, out)
    out = _reshape_axis_out_of(os_[1] + 1, size, out)
    out = _reshape_axis_into(os_[1], os_[1] + 1, out)
    return out, os_[1]


batch_rules[conv_general_dilated_p] = _conv_batch
# compiled: GEMMs over patches (jtrans/lowering/conv.py), reading the operands fused
fusion.control_rules[conv_general_dilated_p] = lower_conv.conv_rule
fusion.fused_operand_prims.add(conv_general_dilated_p)

__all__ = [
    "ConvDimensionNumbers",
    "conv",
    "conv_dimension_numbers",
    "conv_general_dilated",
    "conv_general_dilated_p",
    "conv_general_permutations",
    "conv_with_general_padding",
]
