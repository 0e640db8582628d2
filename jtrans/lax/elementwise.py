"""Elementwise primitives: unary and n-ary maps over arrays of equal shape (and dtype, except
where a primitive says otherwise). Made by two factories, `unop` and `naryop`; each primitive is
then one paragraph: its definition and its derivative."""

import builtins
import math

import numpy as np
import scipy.special as sp

from .. import core, dtypes
from ..array import Array
from ..errors import JTransTypeError
from ..interpreters import ad, batching
from ..lowering import fusion, passes
from ..lowering import kernel as K
from ._base import (
    Zero,
    as_operand,
    batch_rules,
    check_dtype_kind,
    check_same_dtypes,
    standard_primitive,
    transpose_rules,
)
from .lowerings import scalar_op, unit_rule

_LOW = (dtypes.float16, dtypes.bfloat16)
_LOW_SET = frozenset(_LOW)
_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)
_SCALAR_TYPES = (int, float, complex)  # captured before `complex`, `abs`, `max`... are shadowed


def _upcast_impl(f):
    """NumPy impl that computes half-precision inputs in float32 and casts back."""

    def impl(*xs, **params):
        dt = getattr(xs[0], "dtype", None)
        if dt is _F32 or dt is _F64:  # the common case, without hashing the dtype
            out = f(*xs, **params)
            if type(out) is np.ndarray and out.dtype is dt:
                return out
        elif dt in _LOW_SET:
            out = f(*[np.asarray(x, np.float32) for x in xs], **params)
            return np.asarray(out).astype(dt)
        else:
            out = f(*xs, **params)
        if (dt is not None and hasattr(out, "dtype") and out.dtype != dt and dt.kind != "b"
                and not (dt.kind == "c" and out.dtype.kind == "f")):  # fmt: skip
            out = np.asarray(out).astype(dt)
        return np.asarray(out)

    return impl


# ---------------------------------------------------------------------------------------------
# batching for elementwise ops: bring every batched operand's axis to one place, broadcast the
# unbatched ones


def broadcast_batcher(prim):
    # The batch axis stays where the batched operand of highest rank has it; unbatched arrays are
    # broadcast into that axis and unbatched scalars are left alone.
    def rule(vals, dims, **params):
        from .structural import broadcast_in_dim

        size = batching.current_axis_size()
        ranks = [np.ndim(v) - (d is not None) for v, d in zip(vals, dims)]
        full_rank = builtins.max(ranks)
        lead = [(v, d) for v, d, r in zip(vals, dims, ranks) if d is not None and r == full_rank]
        if lead:
            v0, bdim = lead[0]
            out_shape = core.get_aval(v0).shape
        else:  # only batched scalars are batched: the axis goes in front
            bdim = 0
            s = next(core.get_aval(v).shape for v, r in zip(vals, ranks) if r == full_rank)
            out_shape = (size,) + s
        rest = tuple(i for i in range(full_rank + 1) if i != bdim)
        new_vals = []
        for v, d, r in zip(vals, dims, ranks):
            if d is None and r == 0:
                new_vals.append(v)  # an unbatched scalar still broadcasts
            elif d is None:
                new_vals.append(broadcast_in_dim(v, out_shape, rest))
            elif r < full_rank:  # a batched scalar among arrays
                new_vals.append(broadcast_in_dim(v, out_shape, (bdim,)))
            else:
                new_vals.append(batching.moveaxis(v, d, bdim))
        out = prim.bind(*new_vals, **params)
        return out, ([bdim] * len(out) if prim.multiple_results else bdim)

    batch_rules[prim] = rule
    return rule


# ---------------------------------------------------------------------------------------------
# factories


def unop(name, np_fn, kinds, result_dtype=None, upcast=True, lower=None):
    """A unary primitive. kinds: allowed dtype classes (see check_dtype_kind). lower: its
    compiled scalar rule (fusion.elementwise_rules), or the name of the one Kernel-IR op it is;
    None leaves it a call-out to its impl."""

    def abstract_eval(x):
        check_dtype_kind(name, x, kinds)
        if result_dtype is None:
            return x
        return core.ShapedArray(x.shape, result_dtype(x.dtype), x.weak_type)  # JAX keeps weakness

    impl = _upcast_impl(np_fn) if upcast else np_fn
    prim = standard_primitive(name, impl, abstract_eval)
    broadcast_batcher(prim)
    _lower(prim, lower)
    return prim


def _lower(prim, lower):
    if lower is not None:
        fusion.elementwise_rules[prim] = scalar_op(lower) if isinstance(lower, str) else lower


def naryop(name, np_fn, kinds, result_dtype=None, upcast=True, same_dtypes=True, lower=None):
    def abstract_eval(*avals):
        # operands have equal shapes, except that rank-0 operands broadcast (as in JAX)
        a0 = avals[0]
        shape, weak = a0.shape, a0.weak_type
        for a in avals[1:]:
            if a.shape != shape:
                if shape == ():
                    shape = a.shape
                elif a.shape != ():
                    raise JTransTypeError(
                        f"lax.{name} got incompatible shapes for broadcasting: "
                        + ", ".join(str(b.shape) for b in avals)
                        + ". lax functions need equal shapes; jtrans.numpy functions broadcast."
                    )
            weak = weak and a.weak_type
        if same_dtypes:
            if any(a.dtype != a0.dtype for a in avals[1:]):
                check_same_dtypes(name, *avals)
            check_dtype_kind(name, a0, kinds)
        else:
            for a in avals:
                check_dtype_kind(name, a, kinds)
        if result_dtype is None:
            return a0 if shape == a0.shape and weak == a0.weak_type else \
                core.ShapedArray(shape, a0.dtype, weak)  # fmt: skip
        return core.ShapedArray(shape, result_dtype(a0.dtype), weak)  # weak if all inputs are

    impl = _upcast_impl(np_fn) if upcast else np_fn
    prim = standard_primitive(name, impl, abstract_eval)
    broadcast_batcher(prim)
    _lower(prim, lower)
    return prim


_F = "fc"  # floating and complex
_R = "f"  # real floating
_N = "fciu"  # numeric
_I = "iub"  # integer and bool
_ALL = "fciub"


def _bool_dtype(_):
    return dtypes.bool_


def _real_dtype(dt):
    return {dtypes.complex64: dtypes.float32, dtypes.complex128: dtypes.float64}.get(dt, dt)


def _operands(*xs):
    """Python scalars become rank-0 operands of the first array operand's dtype."""
    if len(xs) == 2:  # the common case in rules: a Python float next to an inexact array
        x, y = xs
        if type(x) is float and _VALUE_TYPES.get(type(y)):
            dt = y.aval.dtype
            if dt.kind in "fc":
                return [Array(np.asarray(x, dt), True), y]
        elif type(y) is float and _VALUE_TYPES.get(type(x)):
            dt = x.aval.dtype
            if dt.kind in "fc":
                return [x, Array(np.asarray(y, dt), True)]
    for x in xs:
        if isinstance(x, _SCALAR_TYPES):
            break
    else:  # the common case: no Python scalars
        return [x if type(x) is Array else as_operand(x) for x in xs]
    ref = next((x for x in xs if not isinstance(x, _SCALAR_TYPES)), None)
    dt = None if ref is None else core.get_aval(ref).dtype
    if dt is not None:
        for x in xs:  # as in JAX, a weak scalar may not change the kind of the operands
            k = None if not isinstance(x, _SCALAR_TYPES) else "b" if isinstance(x, bool) else \
                "ifc"[[isinstance(x, t) for t in _SCALAR_TYPES].index(True)]  # fmt: skip
            dk = "b" if dt == dtypes.bool_ else "f" if dtypes.is_float(dt) else dt.kind
            if k is not None and "biufc".index(k.replace("u", "i")) > "biufc".index(dk):
                raise JTransTypeError(
                    f"lax functions require arguments of the same dtype, got a Python "
                    f"{type(x).__name__} ({x!r}) with an operand of dtype {dt.name}. Convert "
                    "the scalar or the array (.astype), or use the jtrans.numpy function, "
                    "which promotes."
                )
    return [as_operand(x, dt) for x in xs]


def unbroadcast(x, ct):
    """The cotangent for operand x (None unless x is linear), summed down to rank 0 where x was
    a broadcast scalar."""
    if type(x) is not ad.UndefinedPrimal:
        return None
    if type(ct) is Zero or x.aval.shape == core.get_aval(ct).shape:
        return ct
    from .reductions import reduce_sum

    return reduce_sum(ct)


_VALUE_TYPES = {}  # type -> True if its values are operands as they are (Arrays, tracers)


def _is_value_type(t):
    try:
        return _VALUE_TYPES[t]
    except KeyError:
        r = _VALUE_TYPES[t] = issubclass(t, (Array, core.Tracer))
        return r


def _un(prim):
    def f(x):
        if _VALUE_TYPES.get(type(x)) or _is_value_type(type(x)):
            return prim.bind(x)
        return prim.bind(as_operand(x))

    f.__name__ = prim.name
    return f


def _bin(prim):
    def f(x, y):
        if _VALUE_TYPES.get(type(x)) and _VALUE_TYPES.get(type(y)):
            return prim.bind(x, y)
        if _is_value_type(type(x)) and _is_value_type(type(y)):
            return prim.bind(x, y)
        return prim.bind(*_operands(x, y))

    f.__name__ = prim.name
    return f


# ---------------------------------------------------------------------------------------------
# unary primitives

neg_p = unop("neg", np.negative, _N, lower="neg")
neg = _un(neg_p)
ad.deflinear(neg_p, lambda ct, x: [neg(ct)])
fusion.cheap_prims.add(neg_p)


def _neg_neg(eqn, producer):
    p = producer(eqn.invars[0])
    return p.invars[0] if p is not None and p.prim is neg_p else None


passes.simplify_rules[neg_p] = _neg_neg

sign_p = unop("sign", np.sign, _N, lower="sign")
sign = _un(sign_p)
ad.defnondiff(sign_p)

floor_p = unop("floor", np.floor, _R, lower="floor")
floor = _un(floor_p)
ad.defnondiff(floor_p)

ceil_p = unop("ceil", np.ceil, _R, lower="ceil")
ceil = _un(ceil_p)
ad.defnondiff(ceil_p)


def _round_impl(x, rounding_method=0):
    # 0: away from zero (lax.RoundingMethod.AWAY_FROM_ZERO), 1: to nearest even
    if rounding_method == 1:
        return np.round(x)
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


round_p = standard_primitive("round", _upcast_impl(_round_impl), lambda x, rounding_method=0: x)
broadcast_batcher(round_p)
ad.defnondiff(round_p)
fusion.elementwise_rules[round_p] = lambda x, rounding_method=0: K.op(
    "round_even" if int(rounding_method) == 1 else "round", x
)


class RoundingMethod:
    AWAY_FROM_ZERO = 0
    TO_NEAREST_EVEN = 1


def round(x, rounding_method=RoundingMethod.AWAY_FROM_ZERO):
    return round_p.bind(as_operand(x), rounding_method=int(rounding_method))


is_finite_p = unop("is_finite", np.isfinite, _R, _bool_dtype, upcast=False, lower="is_finite")
is_finite = _un(is_finite_p)
ad.defnondiff(is_finite_p)

exp_p = unop("exp", np.exp, _F, lower="exp")
exp = _un(exp_p)
ad.defjvp2(exp_p, lambda g, ans, x: mul(g, ans))

exp2_p = unop("exp2", np.exp2, _F, lower="exp2")
exp2 = _un(exp2_p)
ad.defjvp2(exp2_p, lambda g, ans, x: mul(g, mul(ans, math.log(2.0))))

log_p = unop("log", np.log, _F, lower="log")
log = _un(log_p)
ad.defjvp(log_p, lambda g, x: div(g, x))

log1p_p = unop("log1p", np.log1p, _F, lower="log1p")
log1p = _un(log1p_p)
ad.defjvp(log1p_p, lambda g, x: div(g, add(x, 1.0)))

expm1_p = unop("expm1", np.expm1, _F, lower="expm1")
expm1 = _un(expm1_p)
ad.defjvp2(expm1_p, lambda g, ans, x: mul(g, add(ans, 1.0)))

tanh_p = unop("tanh", np.tanh, _F, lower="tanh")
tanh = _un(tanh_p)
ad.defjvp2(tanh_p, lambda g, ans, x: mul(g, sub(1.0, mul(ans, ans))))

logistic_p = unop("logistic", sp.expit, _F, lower="logistic")
logistic = _un(logistic_p)
ad.defjvp2(logistic_p, lambda g, ans, x: mul(g, mul(ans, sub(1.0, ans))))

sin_p = unop("sin", np.sin, _F, lower="sin")
sin = _un(sin_p)
ad.defjvp(sin_p, lambda g, x: mul(g, cos(x)))

cos_p = unop("cos", np.cos, _F, lower="cos")
cos = _un(cos_p)
ad.defjvp(cos_p, lambda g, x: neg(mul(g, sin(x))))

tan_p = unop("tan", np.tan, _F, lower="tan")
tan = _un(tan_p)
ad.defjvp2(tan_p, lambda g, ans, x: mul(g, add(1.0, mul(ans, ans))))

asin_p = unop("asin", np.arcsin, _F, lower="asin")
asin = _un(asin_p)
ad.defjvp(asin_p, lambda g, x: mul(g, rsqrt(sub(1.0, mul(x, x)))))

acos_p = unop("acos", np.arccos, _F, lower="acos")
acos = _un(acos_p)
ad.defjvp(acos_p, lambda g, x: neg(mul(g, rsqrt(sub(1.0, mul(x, x))))))

atan_p = unop("atan", np.arctan, _F, lower="atan")
atan = _un(atan_p)
ad.defjvp(atan_p, lambda g, x: div(g, add(1.0, mul(x, x))))

sinh_p = unop("sinh", np.sinh, _F, lower="sinh")
sinh = _un(sinh_p)
ad.defjvp(sinh_p, lambda g, x: mul(g, cosh(x)))

cosh_p = unop("cosh", np.cosh, _F, lower="cosh")
cosh = _un(cosh_p)
ad.defjvp(cosh_p, lambda g, x: mul(g, sinh(x)))

asinh_p = unop("asinh", np.arcsinh, _F, lower="asinh")
asinh = _un(asinh_p)
ad.defjvp(asinh_p, lambda g, x: mul(g, rsqrt(add(mul(x, x), 1.0))))

acosh_p = unop("acosh", np.arccosh, _F, lower="acosh")
acosh = _un(acosh_p)
ad.defjvp(acosh_p, lambda g, x: mul(g, rsqrt(mul(sub(x, 1.0), add(x, 1.0)))))

atanh_p = unop("atanh", np.arctanh, _F, lower="atanh")
atanh = _un(atanh_p)
ad.defjvp(atanh_p, lambda g, x: div(g, sub(1.0, mul(x, x))))

sqrt_p = unop("sqrt", np.sqrt, _F, lower="sqrt")
sqrt = _un(sqrt_p)
ad.defjvp2(sqrt_p, lambda g, ans, x: div(g, mul(ans, 2.0)))

rsqrt_p = unop("rsqrt", lambda x: 1.0 / np.sqrt(x), _F, lower="rsqrt")
rsqrt = _un(rsqrt_p)
ad.defjvp2(rsqrt_p, lambda g, ans, x: mul(g, mul(div(ans, x), -0.5)))

cbrt_p = unop("cbrt", np.cbrt, _R, lower="cbrt")
cbrt = _un(cbrt_p)
ad.defjvp2(cbrt_p, lambda g, ans, x: div(g, mul(mul(ans, ans), 3.0)))

abs_p = unop("abs", np.abs, _N, _real_dtype, lower="abs")
abs = _un(abs_p)


def _abs_jvp(g, x):
    if core.get_aval(x).dtype.kind == "c":  # d|x| = Re(conj(x) g) / |x|, a real tangent
        return div(real(mul(conj(x), g)), abs(x))
    return mul(g, sign(x))


ad.defjvp(abs_p, _abs_jvp)

square_p = unop("square", np.square, _N, lower="square")
square = _un(square_p)
ad.defjvp(square_p, lambda g, x: mul(g, mul(x, 2.0)))

erf_p = unop("erf", sp.erf, _R, lower="erf")
erf = _un(erf_p)
ad.defjvp(erf_p, lambda g, x: mul(g, mul(exp(neg(mul(x, x))), 2.0 / math.sqrt(math.pi))))

erfc_p = unop("erfc", sp.erfc, _R, lower="erfc")
erfc = _un(erfc_p)
ad.defjvp(erfc_p, lambda g, x: mul(g, mul(exp(neg(mul(x, x))), -2.0 / math.sqrt(math.pi))))

erf_inv_p = unop("erf_inv", sp.erfinv, _R)
erf_inv = _un(erf_inv_p)
ad.defjvp2(erf_inv_p, lambda g, ans, x: mul(g, mul(exp(mul(ans, ans)), math.sqrt(math.pi) / 2)))

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


fusion.elementwise_rules[erf_inv_p] = _erf_inv_rule


lgamma_p = unop("lgamma", sp.gammaln, _R, lower="lgamma")
lgamma = _un(lgamma_p)
ad.defjvp(lgamma_p, lambda g, x: mul(g, digamma(x)))

digamma_p = unop("digamma", sp.digamma, _R)
digamma = _un(digamma_p)
ad.defjvp(digamma_p, lambda g, x: mul(g, polygamma(1.0, x)))

not_p = unop("not", lambda x: np.invert(x), _I, upcast=False, lower="not")
bitwise_not = _un(not_p)
ad.defnondiff(not_p)


def _population_count_impl(x):
    # counts the bits of the two's-complement pattern (np.bitwise_count counts |x|'s bits)
    return np.bitwise_count(x.view(np.dtype(f"u{x.dtype.itemsize}"))).astype(x.dtype)


population_count_p = unop(
    "population_count", _population_count_impl, "iu", upcast=False, lower="popcount"
)
population_count = _un(population_count_p)
ad.defnondiff(population_count_p)

real_p = unop("real", np.real, "c", _real_dtype, upcast=False)
real = _un(real_p)
imag_p = unop("imag", np.imag, "c", _real_dtype, upcast=False)
imag = _un(imag_p)


def _conj_dtype(dt):
    # as JAX's lax.conj: a real input gives its complex type
    return {dtypes.float64: dtypes.complex128}.get(dt, dtypes.complex64) if dt.kind == "f" else dt


conj_p = unop("conj", lambda x: np.conj(x).astype(_conj_dtype(x.dtype)), "fc", _conj_dtype,
              upcast=False)  # fmt: skip
conj = _un(conj_p)
ad.deflinear(real_p, lambda ct, x: [complex(ct, zeros_like(ct))])
ad.deflinear(imag_p, lambda ct, x: [complex(zeros_like(ct), neg(ct))])
ad.deflinear(conj_p, lambda ct, x: [conj(ct) if x.aval.dtype.kind == "c" else real(ct)])


def zeros_like(x):
    from .structural import full_like

    return full_like(x, 0)


# ---------------------------------------------------------------------------------------------
# binary primitives


def _as_sum_tangent(t, zero):
    """The tangent t of one operand of a sum whose other operand's tangent is `zero`: what
    adding the zero would give (its shape if t is a broadcast scalar, strong if it is), without
    materialising the zero."""
    ta, za = core.get_aval(t), zero.aval
    if ta.shape != za.shape and ta.shape == ():
        from .structural import broadcast_in_dim

        t = broadcast_in_dim(t, za.shape, ())
    if ta.weak_type and not za.weak_type:
        from .structural import convert_element_type

        t = convert_element_type(t, ta.dtype, False)
    return t


def _sum_jvp(prim, negate_second):
    """The JVP of x + y (x - y with `negate_second`): a zero tangent passes the other through
    (not materialised)."""

    def rule(primals, tangents):
        (x, y), (tx, ty) = primals, tangents
        ans = prim.bind(x, y)
        if type(tx) is Zero and type(ty) is Zero:
            return ans, Zero(ad.tangent_aval(core.get_aval(ans)))
        if type(tx) is Zero:
            return ans, _as_sum_tangent(neg_p.bind(ty) if negate_second else ty, tx)
        if type(ty) is Zero:
            return ans, _as_sum_tangent(tx, ty)
        return ans, prim.bind(tx, ty)

    return rule


add_p = naryop("add", np.add, _N, lower="add")
add = _bin(add_p)
ad.jvp_rules[add_p] = _sum_jvp(add_p, False)
transpose_rules[add_p] = lambda ct, x, y: [unbroadcast(x, ct), unbroadcast(y, ct)]
passes.simplify_rules[add_p] = unit_rule(0, True)

sub_p = naryop("sub", np.subtract, _N, lower="sub")
sub = _bin(sub_p)
ad.jvp_rules[sub_p] = _sum_jvp(sub_p, True)
transpose_rules[sub_p] = lambda ct, x, y: [unbroadcast(x, ct), unbroadcast(y, neg(ct))]
passes.simplify_rules[sub_p] = unit_rule(0, False)

mul_p = naryop("mul", np.multiply, _N + "b", lower="mul")
mul = _bin(mul_p)
ad.defjvp(mul_p, lambda g, x, y: mul(g, y), lambda g, x, y: mul(x, g))


def _mul_transpose(ct, x, y):
    if type(x) is ad.UndefinedPrimal:
        return [None if type(ct) is Zero else unbroadcast(x, mul(ct, y)), None]
    return [None, None if type(ct) is Zero else unbroadcast(y, mul(x, ct))]


transpose_rules[mul_p] = _mul_transpose
passes.simplify_rules[mul_p] = unit_rule(1, True)


def _div_impl(x, y):
    if x.dtype.kind in "iu":  # truncates toward zero; x / 0 = -1 (all ones); MIN / -1 wraps
        zero = y == 0
        neg1 = (y == -1) if x.dtype.kind == "i" else np.zeros(np.shape(y), bool)
        y0 = np.where(zero | neg1, 1, y).astype(x.dtype)  # (no |MIN| overflow: floor division)
        q = x // y0 + ((x % y0 != 0) & ((x < 0) != (y0 < 0))).astype(x.dtype)
        q = np.where(neg1, np.negative(x), q)
        return np.where(zero, np.array(-1).astype(x.dtype), q).astype(x.dtype)
    return np.divide(x, y)


div_p = naryop("div", _div_impl, _N, lower="div")
div = _bin(div_p)
ad.defjvp(div_p, lambda g, x, y: div(g, y), lambda g, x, y: mul(neg(g), div(x, mul(y, y))))
transpose_rules[div_p] = lambda ct, x, y: [
    None if type(ct) is Zero else unbroadcast(x, div(ct, y)),
    None,
]
passes.simplify_rules[div_p] = unit_rule(1, False)


def _rem_impl(x, y):
    if x.dtype.kind in "iu":  # x rem 0 is x, as in XLA
        return np.where(y == 0, x, np.fmod(x, np.where(y == 0, 1, y))).astype(x.dtype)
    return np.fmod(x, y)


rem_p = naryop("rem", _rem_impl, _N, lower="rem")
rem = _bin(rem_p)
ad.defjvp(rem_p, lambda g, x, y: g,
          lambda g, x, y: mul(neg(g), mul(sign(div(x, y)), floor(abs(div(x, y))))))  # fmt: skip


def _pow_impl(x, y):
    return np.power(x, y)


pow_p = naryop("pow", _pow_impl, _F, lower="pow")


def pow(x, y):
    """x ** y. As in JAX, y may also be an integer array when x is inexact (the primitive sees
    y converted to x's dtype, so the compiled and eager paths agree)."""
    x, y = _operands(x, y)
    xa, ya = core.get_aval(x), core.get_aval(y)
    if ya.dtype.kind in "iu" and (dtypes.is_float(xa.dtype) or xa.dtype.kind == "c"):
        from .structural import convert_element_type

        y = convert_element_type(y, xa.dtype)
    return pow_p.bind(x, y)


def _pow_jvp_x(g, x, y):
    # d/dx x^y = y x^(y-1), defined as 0 where y == 0 (also at x == 0)
    from .structural import select

    yz = eq(y, 0.0)
    safe_y = select(yz, full_like_scalar(y, 1.0), y)
    return mul(g, select(yz, zeros_like(x), mul(safe_y, pow(x, sub(safe_y, 1.0)))))


def _pow_jvp_y(g, ans, x, y):
    from .structural import select

    xz = eq(x, 0.0)
    safe_x = select(xz, full_like_scalar(x, 1.0), x)
    return mul(g, select(xz, zeros_like(x), mul(ans, log(safe_x))))


def full_like_scalar(x, v):
    from .structural import full_like

    return full_like(x, v)


def _to_shape(v, shape):
    """A rank-0 operand broadcast to `shape` (for derivative formulas that select on it)."""
    if core.get_aval(v).shape == shape:
        return v
    from .structural import broadcast_in_dim

    return broadcast_in_dim(v, shape, ())


def _pow_jvp(primals, tangents):
    x, y = primals
    gx, gy = tangents
    ans = pow(x, y)

    shape = core.get_aval(ans).shape
    x, y = _to_shape(x, shape), _to_shape(y, shape)
    t = Zero(core.get_aval(ans))
    if type(gx) is not Zero:
        t = ad.add_tangents(t, _pow_jvp_x(gx, x, y))
    if type(gy) is not Zero:
        t = ad.add_tangents(t, _pow_jvp_y(gy, ans, x, y))
    return ans, t


ad.jvp_rules[pow_p] = _pow_jvp


def _integer_pow_impl(x, y):
    if y < 0 and x.dtype.kind in "iu":
        raise JTransTypeError("integer_pow of an integer array needs a non-negative exponent")
    if y == 0:
        return np.ones_like(x)
    return np.asarray(np.power(x, x.dtype.type(y)) if x.dtype.kind in "iu" else x**y).astype(
        x.dtype
    )


integer_pow_p = standard_primitive("integer_pow", _upcast_impl(_integer_pow_impl), lambda x, y: x)
broadcast_batcher(integer_pow_p)


def integer_pow(x, y):
    return integer_pow_p.bind(as_operand(x), y=int(y))


def _integer_pow_jvp(g, x, y):
    if y == 0:
        return zeros_like(g)
    return mul(g, mul(integer_pow(x, y - 1), float(y) if dtypes.is_inexact(x.dtype) else y))


ad.defjvp(integer_pow_p, _integer_pow_jvp)


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


fusion.elementwise_rules[integer_pow_p] = _integer_pow_rule


def _balanced_eq(x, z, y):
    # 1 where x is the unique extremum, 0.5 where x ties with y, 0 elsewhere (JAX's convention)
    from .structural import convert_element_type, select

    shape = core.get_aval(z).shape
    x, y = _to_shape(x, shape), _to_shape(y, shape)
    dt = core.get_aval(x).dtype
    one = full_like_scalar(x, 1.0)
    return (
        div(
            select(eq(x, z), one, zeros_like(x)),
            select(eq(y, z), full_like_scalar(x, 2.0), one),
        )
        if dtypes.is_inexact(dt)
        else convert_element_type(eq(x, z), dt)
    )


max_p = naryop("max", np.maximum, _N + "b", lower="max")
max = _bin(max_p)
ad.defjvp2(max_p, lambda g, ans, x, y: mul(g, _balanced_eq(x, ans, y)),
           lambda g, ans, x, y: mul(g, _balanced_eq(y, ans, x)))  # fmt: skip

min_p = naryop("min", np.minimum, _N + "b", lower="min")
min = _bin(min_p)
ad.defjvp2(min_p, lambda g, ans, x, y: mul(g, _balanced_eq(x, ans, y)),
           lambda g, ans, x, y: mul(g, _balanced_eq(y, ans, x)))  # fmt: skip

atan2_p = naryop("atan2", np.arctan2, _R, lower="atan2")
atan2 = _bin(atan2_p)
ad.defjvp(atan2_p, lambda g, x, y: mul(g, div(y, add(mul(x, x), mul(y, y)))),
          lambda g, x, y: mul(g, div(neg(x), add(mul(x, x), mul(y, y)))))  # fmt: skip

nextafter_p = naryop("nextafter", np.nextafter, _R, lower="nextafter")
nextafter = _bin(nextafter_p)
ad.defnondiff(nextafter_p)

polygamma_p = naryop("polygamma", lambda m, x: sp.polygamma(m, x), _R)
polygamma = _bin(polygamma_p)
ad.defjvp(polygamma_p, None, lambda g, m, x: mul(g, polygamma(add(m, 1.0), x)))

igamma_p = naryop("igamma", sp.gammainc, _R)
igamma = _bin(igamma_p)


def _igamma_jvp_a(g, a, x):
    from .misc import igamma_grad_a  # (misc imports this module)

    return mul(g, igamma_grad_a(a, x))


ad.defjvp(igamma_p, _igamma_jvp_a,
          lambda g, a, x: mul(g, exp(sub(sub(mul(sub(a, 1.0), log(x)), x), lgamma(a)))))  # fmt: skip


def _complex_impl(x, y):
    x, y = np.asarray(x), np.asarray(y)
    ctype = np.complex128 if np.result_type(x, y) == np.float64 else np.complex64
    out = np.empty(np.broadcast(x, y).shape, ctype)
    out.real, out.imag = x, y  # (x + 1j * y would lose a -0.0 imaginary part)
    return out


complex_p = naryop(
    "complex",
    lambda x, y: np.asarray(_complex_impl(x, y)).astype(
        dtypes.complex128 if x.dtype == dtypes.float64 else dtypes.complex64
    ),
    _R,
    lambda dt: dtypes.complex128 if dt == dtypes.float64 else dtypes.complex64,
    upcast=False,
)
complex = _bin(complex_p)
ad.deflinear(complex_p, lambda ct, x, y: [unbroadcast(x, real(ct)), unbroadcast(y, neg(imag(ct)))])

and_p = naryop("and", np.bitwise_and, _I, upcast=False, lower="and")
bitwise_and = _bin(and_p)
or_p = naryop("or", np.bitwise_or, _I, upcast=False, lower="or")
bitwise_or = _bin(or_p)
xor_p = naryop("xor", np.bitwise_xor, _I, upcast=False, lower="xor")
bitwise_xor = _bin(xor_p)


def _shift_left(x, y):
    bits = x.dtype.itemsize * 8
    out = np.left_shift(x, np.clip(y, 0, bits - 1).astype(x.dtype))
    return np.where((y < 0) | (y >= bits), np.zeros_like(x), out).astype(x.dtype)


def _shift_right_logical(x, y):
    bits = x.dtype.itemsize * 8
    ux = x.view(np.dtype(f"u{x.dtype.itemsize}"))
    out = np.right_shift(ux, np.clip(y, 0, bits - 1).astype(ux.dtype)).view(x.dtype)
    return np.where((y < 0) | (y >= bits), np.zeros_like(x), out).astype(x.dtype)


def _shift_right_arithmetic(x, y):
    bits = x.dtype.itemsize * 8
    sx = x.view(np.dtype(f"i{x.dtype.itemsize}"))
    out = np.right_shift(sx, np.clip(y, 0, bits - 1).astype(sx.dtype)).view(x.dtype)
    fill = np.where(sx < 0, -1, 0).astype(sx.dtype).view(x.dtype)
    return np.where((y < 0) | (y >= bits), fill, out).astype(x.dtype)


shift_left_p = naryop("shift_left", _shift_left, "iu", upcast=False, lower="shl")
shift_left = _bin(shift_left_p)
shift_right_logical_p = naryop(
    "shift_right_logical", _shift_right_logical, "iu", upcast=False, lower="shr"
)
shift_right_logical = _bin(shift_right_logical_p)
shift_right_arithmetic_p = naryop(
    "shift_right_arithmetic", _shift_right_arithmetic, "iu", upcast=False, lower="sar"
)
shift_right_arithmetic = _bin(shift_right_arithmetic_p)

for _p in (and_p, or_p, xor_p, shift_left_p, shift_right_logical_p, shift_right_arithmetic_p):
    ad.defnondiff(_p)

eq_p = naryop("eq", np.equal, _ALL, _bool_dtype, upcast=False, lower="eq")
eq = _bin(eq_p)
ne_p = naryop("ne", np.not_equal, _ALL, _bool_dtype, upcast=False, lower="ne")
ne = _bin(ne_p)
lt_p = naryop("lt", np.less, "fiub", _bool_dtype, upcast=False, lower="lt")
lt = _bin(lt_p)
le_p = naryop("le", np.less_equal, "fiub", _bool_dtype, upcast=False, lower="le")
le = _bin(le_p)
gt_p = naryop("gt", np.greater, "fiub", _bool_dtype, upcast=False, lower="gt")
gt = _bin(gt_p)
ge_p = naryop("ge", np.greater_equal, "fiub", _bool_dtype, upcast=False, lower="ge")
ge = _bin(ge_p)
for _p in (eq_p, ne_p, lt_p, le_p, gt_p, ge_p):
    ad.defnondiff(_p)


def reciprocal(x):
    return integer_pow(x, -1)


__all__ = [n for n in dir() if not n.startswith("_") and n not in ("np", "sp", "math", "core",
           "dtypes", "ad", "batching", "Zero", "instantiate", "fusion", "passes", "K",
           "scalar_op", "unit_rule")]  # fmt: skip

# AD's own sum of tangents batches like any elementwise op
broadcast_batcher(ad.add_any_p)
