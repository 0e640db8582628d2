"""Lowering entries of the existing primitives: how each one fuses (an elementwise scalar rule,
an index map, a reduction monoid, a GEMM) and which algebraic simplifications apply to it.
Primitives without an entry run as call-outs to their NumPy impl. (Gathered in one module for
now; each entry belongs in its primitive's paragraph and will move there.)"""

import numpy as np

from .. import core
from ..interpreters import ad
from ..interpreters import custom_derivatives as cd
from ..interpreters import jit as jit_mod
from ..lowering import fusion, passes
from ..lowering import kernel as K
from . import elementwise as ew
from . import linalg, reductions
from . import structural as st

E = fusion.elementwise_rules

# ---------------------------------------------------------------------------------------------
# elementwise: one scalar op each

_UNARY = {ew.neg_p: "neg", ew.sign_p: "sign", ew.floor_p: "floor", ew.ceil_p: "ceil",
          ew.is_finite_p: "is_finite", ew.exp_p: "exp", ew.exp2_p: "exp2", ew.log_p: "log",
          ew.log1p_p: "log1p", ew.expm1_p: "expm1", ew.tanh_p: "tanh", ew.logistic_p: "logistic",
          ew.sin_p: "sin", ew.cos_p: "cos", ew.tan_p: "tan", ew.asin_p: "asin", ew.acos_p: "acos",
          ew.atan_p: "atan", ew.sinh_p: "sinh", ew.cosh_p: "cosh", ew.asinh_p: "asinh",
          ew.acosh_p: "acosh", ew.atanh_p: "atanh", ew.sqrt_p: "sqrt", ew.rsqrt_p: "rsqrt",
          ew.cbrt_p: "cbrt", ew.abs_p: "abs", ew.square_p: "square", ew.erf_p: "erf",
          ew.erfc_p: "erfc", ew.lgamma_p: "lgamma", ew.not_p: "not",
          ew.population_count_p: "popcount"}  # fmt: skip
_BINARY = {ew.add_p: "add", ew.sub_p: "sub", ew.mul_p: "mul", ew.div_p: "div", ew.rem_p: "rem",
           ew.pow_p: "pow", ew.max_p: "max", ew.min_p: "min", ew.atan2_p: "atan2",
           ew.nextafter_p: "nextafter", ew.and_p: "and", ew.or_p: "or", ew.xor_p: "xor",
           ew.shift_left_p: "shl", ew.shift_right_logical_p: "shr",
           ew.shift_right_arithmetic_p: "sar", ew.eq_p: "eq", ew.ne_p: "ne", ew.lt_p: "lt",
           ew.le_p: "le", ew.gt_p: "gt", ew.ge_p: "ge", ad.add_any_p: "add"}  # fmt: skip
_INT_OK = {"neg", "sign", "abs", "square", "not", "popcount"}

for _p, _name in _UNARY.items():
    E[_p] = (lambda name: lambda x: K.op(name, x))(_name)
for _p, _name in _BINARY.items():
    E[_p] = (lambda name: lambda x, y: K.op(name, x, y))(_name)


def _round_rule(x, rounding_method=0):
    return K.op("round_even" if int(rounding_method) == 1 else "round", x)


E[ew.round_p] = _round_rule


def _integer_pow_rule(x, y):
    # binary exponentiation; the expression DAG shares the repeated squares
    n = abs(int(y))
    acc, base = None, x
    while n:
        if n & 1:
            acc = base if acc is None else K.op("mul", acc, base)
        n >>= 1
        if n:
            base = K.op("mul", base, base)
    if acc is None:
        acc = K.const(1, x.dtype)
    if y < 0:
        acc = K.op("div", K.const(1, x.dtype), acc)
    return acc


E[ew.integer_pow_p] = _integer_pow_rule
E[st.convert_element_type_p] = lambda x, new_dtype, weak_type=False: K.Expr(
    "cast", (x,), np.dtype(new_dtype)
)
E[cd.stop_gradient_p] = lambda x: x


def _select_n_rule(which, *cases):
    if which.dtype == K.BOOL:
        return cases[0] if len(cases) == 1 else K.Expr("select", (which, cases[1], cases[0]),
                                                        cases[0].dtype)  # fmt: skip
    out = cases[0]
    for i, c in enumerate(cases[1:], 1):
        out = K.Expr("select", (K.op("eq", which, K.const(i, which.dtype)), c, out), c.dtype)
    return out


E[st.select_n_p] = _select_n_rule

# float-only transcendental ops on integer dtypes never reach here (abstract eval rejects them)
fusion.cheap_prims |= {st.convert_element_type_p, st.iota_p, ew.neg_p}

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


def _in_range(d, lo, n):
    """lo <= d < lo + n for an int64 index expression (as a bool Expr)."""
    ge = K.op("ge", d, K.iconst(lo))
    lt = K.op("lt", d, K.iconst(lo + n))
    return K.op("and", ge, lt)


def _clamp(d, n):
    return K.op("min", K.op("max", d, K.iconst(0)), K.iconst(max(n - 1, 0)))


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

# ---------------------------------------------------------------------------------------------
# inlining: call-like primitives whose jaxpr is their meaning

passes.inline_rules[jit_mod.jit_p] = lambda params: params["jaxpr"]
passes.inline_rules[cd.custom_jvp_call_p] = lambda params: params["call_jaxpr"]
passes.inline_rules[cd.custom_vjp_call_p] = lambda params: params["call_jaxpr"]
passes.inline_rules[cd.remat_p] = lambda params: params["jaxpr"]

# ---------------------------------------------------------------------------------------------
# algebraic simplification

S = passes.simplify_rules


def _is_lit(v, value):
    return type(v) is core.Literal and np.asarray(v.val).size == 1 and np.asarray(v.val) == value


def _same(v, out):
    return v.aval.shape == out.aval.shape and v.aval.dtype == out.aval.dtype


def _unit_rule(unit, commutative):
    def rule(eqn, producer):
        x, y = eqn.invars
        out = eqn.outvars[0]
        if _is_lit(y, unit) and _same(x, out):
            return x
        if commutative and _is_lit(x, unit) and _same(y, out):
            return y
        return None

    return rule


S[ew.add_p] = S[ad.add_any_p] = _unit_rule(0, True)
S[ew.sub_p] = _unit_rule(0, False)
S[ew.mul_p] = _unit_rule(1, True)
S[ew.div_p] = _unit_rule(1, False)


def _neg_neg(eqn, producer):
    p = producer(eqn.invars[0])
    return p.invars[0] if p is not None and p.prim is ew.neg_p else None


S[ew.neg_p] = _neg_neg


def _identity_if_same(eqn, producer):
    x = eqn.invars[0]
    return x if type(x) is core.Var and _same(x, eqn.outvars[0]) else None


def _convert_simplify(eqn, producer):
    x = eqn.invars[0]
    return x if x.aval.dtype == eqn.outvars[0].aval.dtype and type(x) is core.Var else None


S[st.convert_element_type_p] = _convert_simplify
S[st.broadcast_in_dim_p] = _identity_if_same
S[st.squeeze_p] = _identity_if_same
S[cd.stop_gradient_p] = _identity_if_same


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

# ---------------------------------------------------------------------------------------------
# erf_inv: Giles' single-precision polynomials ("Approximating the erfinv function", GPU Gems
# 2011) in w = -log(1 - x^2); float64 refines with four Newton steps on erf (|x| < 0.5) or on
# log erfc (|x| >= 0.5, where 1 - |x| is exact), so both keep their relative accuracy. Measured against
# scipy.special.erfinv (tests/test_compiler_conv_sort.py): float32 3.6e-7, float64 4.5e-16
# relative over (-1, 1), |x| within 1e-16 of 1 and down to 1e-300 included (tested bounds: 1e-6
# and 2e-15); +-1 give +-inf, |x| > 1 and NaN give NaN, -0.0 stays -0.0.

_ERFINV_SMALL = (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
                 -0.00125372503, -0.00417768164, 0.246640727, 1.50140941)  # fmt: skip
_ERFINV_LARGE = (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
                 -0.0076224613, 0.00943887047, 1.00167406, 2.83297682)  # fmt: skip


def _horner(w, coeffs):
    p = K.const(coeffs[0], w.dtype)
    for c in coeffs[1:]:
        p = K.op("add", K.op("mul", p, w), K.const(c, w.dtype))
    return p


def _erf_inv_rule(x):
    dt = x.dtype
    if dt == np.float16:
        return K.Expr("cast", (_erf_inv_rule(K.Expr("cast", (x,), np.float32)),), dt)

    def c(v):
        return K.const(v, dt)

    a = K.op("abs", x)
    w = K.op("neg", K.op("log", K.op("mul", K.op("sub", c(1.0), a), K.op("add", c(1.0), a))))
    y = K.Expr("select", (K.op("lt", w, c(5.0)), _horner(K.op("sub", w, c(2.5)), _ERFINV_SMALL),
                          _horner(K.op("sub", K.op("sqrt", w), c(3.0)), _ERFINV_LARGE)),
               dt)  # fmt: skip
    y = K.op("mul", y, a)
    if dt == np.float64:
        small = K.op("lt", a, c(0.5))
        log_t = K.op("log", K.op("sub", c(1.0), a))
        for _ in range(4):
            # erf(y) - a, or (log erfc(y) - log(1 - a)) * erfc(y): Newton on log erfc in the
            # tail, where log erfc is nearly quadratic (fast convergence from a rough start)
            ec = K.op("erfc", y)
            r = K.Expr("select", (small, K.op("sub", K.op("erf", y), a),
                                  K.op("mul", K.op("sub", log_t, K.op("log", ec)), ec)),
                       dt)  # fmt: skip
            step = K.op(
                "mul", K.op("mul", r, c(np.sqrt(np.pi) / 2)), K.op("exp", K.op("mul", y, y))
            )
            y = K.op("sub", y, step)
    y = K.Expr("select", (K.op("eq", a, c(1.0)), c(np.inf), y), dt)
    # the sign of x (erf_inv is odd; -0.0 stays -0.0)
    return K.Expr("select", (K.op("lt", x, c(0.0)), K.op("neg", y), K.op("mul", y, K.op("sign", x))),
                  dt)  # fmt: skip


E[ew.erf_inv_p] = _erf_inv_rule

fusion.control_rules[reductions.cumlogsumexp_p] = ix.cumlogsumexp_rule
fusion.fused_operand_prims.add(reductions.cumlogsumexp_p)
