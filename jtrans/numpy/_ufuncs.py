"""Elementwise jnp functions (NumPy's ufuncs): JAX's dtype promotion and NumPy broadcasting,
then lax ops. Functions that need floats (sin, divide, ...) promote integers to the default
float; derivatives at edge points follow JAX (abs'(0) = 0, ties of maximum split 0.5, ...)."""

import builtins
import math

import numpy as np

from .. import core, dtypes, lax
from ..array import Array
from ..errors import JTransTypeError, JTransValueError
from ..interpreters.custom_derivatives import custom_jvp
from ._util import (
    asarray_any,
    broadcast_shapes,
    check_arraylike,
    promote_args,
    promote_args_inexact,
)

_PY = (bool, int, float, complex)
_VALUES = (Array, core.Tracer)


def _binary(name, lax_fn, inexact=False):
    promote = promote_args_inexact if inexact else promote_args

    def f(x1, x2, /):
        return lax_fn(*promote(name, x1, x2))

    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"Elementwise {name} of x1 and x2 with NumPy broadcasting and JAX promotion."
    return f


def _unary(name, lax_fn, inexact=False):
    promote = promote_args_inexact if inexact else promote_args

    def f(x, /):
        return lax_fn(*promote(name, x))

    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"Elementwise {name} of x."
    return f


# ---------------------------------------------------------------------------------------------
# helpers: constants of an operand's dtype, and a broadcasting select


def _const(ref, v):
    """A rank-0 constant of ref's dtype (weak if ref is): lax elementwise ops broadcast it."""
    aval = core.get_aval(ref)
    dt = aval.dtype
    val = np.asarray(np.float32(v) if dt == dtypes.bfloat16 else v).astype(dt)
    return Array(val, aval.weak_type)


def _lax_const(ref, v):
    """A rank-0 constant of ref's dtype as JAX's lax._const makes it: weak only when ref is a
    weakly typed scalar (a constant next to a weak array is strong, and makes results strong)."""
    aval = core.get_aval(ref)
    return Array(_const(ref, v)._value, aval.weak_type and aval.ndim == 0)


def _strong_const(ref, v):
    """A strongly typed rank-0 constant of ref's dtype (JAX's _constant_like)."""
    return Array(_const(ref, v)._value, False)


def _strong(x):
    """x with its weak type dropped (JAX functions whose results are always strong)."""
    aval = core.get_aval(x)
    return lax.convert_element_type(x, aval.dtype, False) if aval.weak_type else x


def _promote_numeric(name, *xs):
    """promote_args, with booleans made integers (JAX's promote_args_numeric)."""
    xs = promote_args(name, *xs)
    if _is_bool(xs[0]):
        weak = core.get_aval(xs[0]).weak_type
        xs = [lax.convert_element_type(x, dtypes.default_int(), weak) for x in xs]
    return xs


def _bcast(x, shape):
    s = core.get_aval(x).shape
    if s == shape:
        return x
    if s == ():
        return lax.broadcast_in_dim(x, shape, ())
    return lax.broadcast_in_dim(x, shape, tuple(range(len(shape) - len(s), len(shape))))


def _select(pred, on_true, on_false):
    """lax.select with broadcasting; Python scalars take the other case's dtype."""
    if isinstance(on_true, _PY):
        on_true = _const(on_false, on_true)
    if isinstance(on_false, _PY):
        on_false = _const(on_true, on_false)
    shape = broadcast_shapes(*(core.get_aval(v).shape for v in (pred, on_true, on_false)))
    pred_shape = core.get_aval(pred).shape
    if pred_shape != () or shape == ():
        pred = _bcast(pred, shape)
    return lax.select(pred, _bcast(on_true, shape), _bcast(on_false, shape))


def _promote_full(name, *xs, inexact=False):
    """promote_args, with rank-0 operands broadcast too (lax.max/min's derivative rules need
    operands of one shape)."""
    xs = (promote_args_inexact if inexact else promote_args)(name, *xs)
    shape = broadcast_shapes(*(core.get_aval(x).shape for x in xs))
    return [_bcast(x, shape) for x in xs]


def _is_int(x):
    return core.get_aval(x).dtype.kind in "iu"


def _is_bool(x):
    return (x.aval if isinstance(x, _VALUES) else core.get_aval(x)).dtype == dtypes.bool_


def _is_exact(x):
    return core.get_aval(x).dtype.kind in "iub"


def _is_complex(x):
    return core.get_aval(x).dtype.kind == "c"


def _zero_bool(x):
    return lax.full(core.get_aval(x).shape, False, dtypes.bool_)


# ---------------------------------------------------------------------------------------------
# arithmetic

add = _binary("add", lambda x, y: lax.bitwise_or(x, y) if _is_bool(x) else lax.add(x, y))
subtract = _binary("subtract", lax.sub)
multiply = _binary("multiply", lambda x, y: lax.bitwise_and(x, y) if _is_bool(x) else lax.mul(x, y))
true_divide = divide = _binary("divide", lax.div, inexact=True)
negative = _unary("negative", lax.neg)
positive = _unary("positive", lambda x: x)


def square(x, /):
    return lax.square(*_promote_numeric("square", x))


def floor_divide(x1, x2, /):
    """x1 // x2, rounded toward minus infinity (NumPy's semantics, also for floats)."""
    x1, x2 = _promote_numeric("floor_divide", x1, x2)
    if _is_int(x1):
        q = lax.div(x1, x2)
        if core.get_aval(x1).dtype.kind == "u":
            return q
        r = lax.rem(x1, x2)
        fix = lax.bitwise_and(
            lax.ne(r, 0), lax.ne(lax.sign(x1), lax.sign(x2))
        )  # as JAX (x2 == 0 too)
        return _select(fix, lax.sub(q, 1), q)
    if _is_complex(x1):
        raise JTransTypeError("floor_divide does not accept complex arguments")
    return _float_divmod(x1, x2)[0]


def _float_divmod(x, y):
    # NumPy's npy_divmod: q = (x - fmod(x, y)) / y, corrected so the remainder has y's sign, then
    # rounded to the integer it approximates
    mod = lax.rem(x, y)
    q = lax.div(lax.sub(x, mod), y)
    fix = lax.bitwise_and(lax.ne(mod, 0.0), lax.ne(lax.lt(y, 0.0), lax.lt(mod, 0.0)))
    mod = _select(fix, lax.add(mod, y), mod)
    q = _select(fix, lax.sub(q, 1.0), q)
    fq = lax.floor(q)
    fq = _select(lax.gt(lax.sub(q, fq), 0.5), lax.add(fq, 1.0), fq)
    fq = _select(lax.eq(y, 0.0), lax.div(x, y), fq)
    return fq, mod


def remainder(x1, x2, /):
    """x1 mod x2 with the sign of x2 (NumPy's `%`)."""
    x1, x2 = _promote_numeric("remainder", x1, x2)
    if _is_complex(x1):
        raise JTransTypeError(f"remainder does not accept {core.get_aval(x1).dtype} arguments")
    if _is_int(x1):  # x mod 0 is 0 (as JAX)
        x2 = _select(lax.eq(x2, _const(x2, 0)), _const(x2, 1), x2)
    if core.get_aval(x1).dtype.kind == "u":
        return lax.rem(x1, x2)
    r = lax.rem(x1, x2)
    zero = 0 if _is_int(x1) else 0.0
    fix = lax.bitwise_and(lax.ne(r, zero), lax.ne(lax.lt(r, zero), lax.lt(x2, zero)))
    return _select(fix, lax.add(r, x2), r)


mod = remainder


def fmod(x1, x2, /):
    """The C-style remainder: the sign of x1."""
    check_arraylike("fmod", x1, x2)
    guard = dtypes.result_type(x1, x2).kind in "iu"  # not for booleans (as JAX)
    x1, x2 = _promote_numeric("fmod", x1, x2)
    if guard:  # fmod(x, 0) is 0 for integers (as JAX)
        x2 = _select(lax.eq(x2, _const(x2, 0)), _const(x2, 1), x2)
    return lax.rem(x1, x2)


def divmod(x1, x2, /):
    return floor_divide(x1, x2), remainder(x1, x2)


def _no_out(name, out):
    if out is not None:
        raise NotImplementedError(f"The 'out' argument to jnp.{name} is not supported.")


def modf(x, /, out=None):
    """(fractional part, integral part), both with x's sign."""
    _no_out("modf", out)
    (x,) = promote_args_inexact("modf", x)
    whole = trunc(x)
    return lax.sub(x, whole), whole


def _concrete_int(x):
    """x as a Python int if it is a concrete integer scalar (JAX's core.is_concrete +
    operator.index), else None."""
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (Array, np.ndarray)) and np.ndim(x) == 0:
        v = np.asarray(x._value if isinstance(x, Array) else x)
        if v.dtype.kind in "iu":
            return int(v)
    return None


class _NegativePowerError(JTransValueError, JTransTypeError):
    """An integer raised to a negative power (JAX: TypeError, NumPy: ValueError)."""


def power(x1, x2, /):
    """x1 ** x2, with JAX's special cases: a concrete integer exponent becomes lax.integer_pow
    (exact, differentiable); integer bases and exponents use binary exponentiation; float bases
    with integer exponents keep the exponent's type (so the derivative at x1 = 0 is defined)."""
    check_arraylike("power", x1, x2)
    n = _concrete_int(x2)
    if n is not None:
        (x1,) = promote_args("power", x1)
        if _is_bool(x1):
            x1 = lax.convert_element_type(x1, dtypes.default_int(), core.get_aval(x1).weak_type)
        if _is_int(x1) and n < 0:
            raise _NegativePowerError(
                f"Integers cannot be raised to negative powers, got integer_pow({x1.aval}, {n})"
            )
        return lax.integer_pow(x1, n)
    a1, a2 = asarray_any(x1), asarray_any(x2)
    shape = broadcast_shapes(core.get_aval(a1).shape, core.get_aval(a2).shape, name="power")
    b1, b2 = _promote_numeric("power", x1, x2)
    if _is_int(b1):
        return _int_power(_bcast(b1, shape), _bcast(b2, shape))
    d1, d2 = core.get_aval(a1).dtype, core.get_aval(a2).dtype
    if dtypes.is_inexact(d1) and d2.kind in "iu":
        return lax.pow(_bcast(a1, shape), _bcast(a2, shape))
    return lax.pow(b1, b2)


def _int_power(x, y):
    # binary exponentiation over the exponent's low 6 bits, as JAX (anything more overflows
    # for |x| > 1); acc starts at 0 for 0 ** y (y != 0)
    zero, one = _const(y, 0), _const(y, 1)
    weak = core.get_aval(x).weak_type and core.get_aval(y).weak_type
    c0, c1 = (Array(_const(x, v)._value, weak) for v in (0, 1))
    acc = _select(lax.bitwise_and(lax.eq(x, _const(x, 0)), lax.ne(y, zero)), c0,
                  _bcast(c1, core.get_aval(x).shape))  # fmt: skip
    for _ in range(6):
        acc = _select(lax.ne(lax.bitwise_and(y, one), zero), lax.mul(acc, x), acc)
        x = lax.mul(x, x)
        y = lax.shift_right_logical(y, one)
    return acc


pow = power


def float_power(x1, x2, /):
    """x1 ** x2 computed in floating point (JAX: the promoted inexact type, not always f64)."""
    x1, x2 = promote_args_inexact("float_power", x1, x2)
    return lax.pow(x1, x2)


def reciprocal(x, /):
    (x,) = promote_args_inexact("reciprocal", x)
    return lax.integer_pow(x, -1)


def absolute(x, /):
    (x,) = promote_args("absolute", x)
    if _is_bool(x) or core.get_aval(x).dtype.kind == "u":
        return x
    return lax.abs(x)


abs = absolute


def fabs(x, /):
    (x,) = promote_args_inexact("fabs", x)
    if _is_complex(x):
        raise JTransTypeError("fabs does not accept complex arguments; use jnp.abs")
    return lax.abs(x)


def sign(x, /):
    (x,) = promote_args("sign", x)
    if _is_bool(x):
        raise JTransTypeError(
            "sign does not accept dtype bool. Accepted dtypes are subtypes of integer, floating, "
            "complexfloating."
        )
    return lax.sign(x)


def conjugate(x, /):
    (x,) = promote_args("conjugate", x)
    return lax.conj(x) if _is_complex(x) else x


conj = conjugate


def real(val, /):
    (val,) = promote_args("real", val)
    return lax.real(val) if _is_complex(val) else val


def imag(val, /):
    (val,) = promote_args("imag", val)
    if _is_complex(val):
        return lax.imag(val)
    aval = core.get_aval(val)  # zeros with val's weak type (JAX's lax.full_like keeps it)
    zeros = lax.full_like(val, 0)
    return lax.convert_element_type(zeros, aval.dtype, True) if aval.weak_type else zeros


def angle(z, deg=False):
    """The argument of z. As in JAX, non-inexact inputs and real scalars are computed in the
    default float type (so angle of a float16 scalar is float32)."""
    check_arraylike("angle", z)
    z = asarray_any(z)
    re, im = real(z), imag(z)
    aval = core.get_aval(z)
    if not dtypes.is_inexact(core.get_aval(re).dtype) or (aval.dtype.kind == "f" and not aval.ndim):
        re = lax.convert_element_type(re, dtypes.default_float())
        im = lax.convert_element_type(im, dtypes.default_float())
    out = lax.atan2(im, re)
    return lax.mul(out, 180.0 / math.pi) if deg else out


# ---------------------------------------------------------------------------------------------
# exponentials, logarithms, powers

sqrt = _unary("sqrt", lax.sqrt, inexact=True)
cbrt = _unary("cbrt", lax.cbrt, inexact=True)
exp = _unary("exp", lax.exp, inexact=True)
exp2 = _unary("exp2", lax.exp2, inexact=True)
expm1 = _unary("expm1", lax.expm1, inexact=True)
log = _unary("log", lax.log, inexact=True)
log1p = _unary("log1p", lax.log1p, inexact=True)
log2 = _unary("log2", lambda x: lax.div(lax.log(x), _strong_const(x, math.log(2.0))), True)
log10 = _unary("log10", lambda x: lax.div(lax.log(x), _strong_const(x, math.log(10.0))), True)


def logaddexp(x1, x2, /):
    """log(exp(x1) + exp(x2)) without overflow; the derivative is the softmax weight."""
    x1, x2 = _promote_full("logaddexp", x1, x2, inexact=True)
    return _logaddexp(x1, x2)


@custom_jvp
def _logaddexp(x1, x2):
    amax = lax.max(x1, x2)
    delta = lax.sub(x1, x2)
    out = lax.add(amax, lax.log1p(lax.exp(lax.neg(lax.abs(delta)))))
    return _select(lax.ne(delta, delta), lax.add(x1, x2), out)  # inf - inf: x1 + x2


@_logaddexp.defjvp
def _logaddexp_jvp(primals, tangents):
    # d out = t1 exp(x1 - out) + t2 exp(x2 - out); infinities replaced by 0 so that
    # logaddexp(inf, inf) has finite weights (as JAX does)
    x1, x2 = primals
    t1, t2 = tangents
    out = _logaddexp(x1, x2)

    def finite(v):
        return _select(lax.is_finite(v), v, lax.full_like(v, 0))

    w1 = lax.exp(lax.sub(finite(x1), finite(out)))
    w2 = lax.exp(lax.sub(finite(x2), finite(out)))
    return out, lax.add(lax.mul(t1, w1), lax.mul(t2, w2))


def logaddexp2(x1, x2, /):
    """log2(2**x1 + 2**x2) without overflow."""
    x1, x2 = _promote_full("logaddexp2", x1, x2, inexact=True)
    amax = lax.max(x1, x2)
    delta = lax.sub(x1, x2)
    tail = lax.div(lax.log1p(lax.exp2(lax.neg(lax.abs(delta)))), _lax_const(x1, math.log(2.0)))
    return _select(lax.ne(delta, delta), lax.add(x1, x2), lax.add(amax, tail))


def ldexp(x1, x2, /):
    """x1 * 2**x2 for integer x2."""
    check_arraylike("ldexp", x1, x2)
    if not _is_exact(asarray_any(x2)):
        raise JTransValueError(
            f"ldexp's exponent x2 must be an integer array, got {core.get_aval(asarray_any(x2))}"
        )
    (x1,) = promote_args_inexact("ldexp", x1)
    dt = core.get_aval(x1).dtype
    x1, x2 = promote_args("ldexp", x1, lax.convert_element_type(asarray_any(x2), dt))
    return lax.mul(x1, lax.exp2(x2))


def frexp(x, /):
    """(mantissa in [0.5, 1), integer exponent) with x = mantissa * 2**exponent."""
    (x,) = promote_args_inexact("frexp", x)
    if _is_complex(x):
        raise JTransTypeError("frexp does not accept complex arguments")
    ax = lax.abs(x)
    special = lax.bitwise_or(lax.eq(ax, 0.0), lax.bitwise_not(lax.is_finite(x)))
    safe = _select(special, 1.0, ax)
    e = lax.add(lax.floor(lax.div(lax.log(safe), _const(x, math.log(2.0)))), 1.0)
    m = lax.div(safe, lax.exp2(e))
    for _ in range(2):  # the log can be off by one ulp at powers of two
        big, small = lax.ge(m, 1.0), lax.lt(m, 0.5)
        m = _select(big, lax.mul(m, 0.5), _select(small, lax.mul(m, 2.0), m))
        e = _select(big, lax.add(e, 1.0), _select(small, lax.sub(e, 1.0), e))
    m = _select(special, x, _select(lax.lt(x, 0.0), lax.neg(m), m))
    e = _select(special, 0.0, e)
    return _strong(m), lax.convert_element_type(e, dtypes.canonicalize_dtype(np.int32))


# ---------------------------------------------------------------------------------------------
# trigonometric and hyperbolic

sin = _unary("sin", lax.sin, inexact=True)
cos = _unary("cos", lax.cos, inexact=True)
tan = _unary("tan", lax.tan, inexact=True)
arcsin = _unary("arcsin", lax.asin, inexact=True)
arccos = _unary("arccos", lax.acos, inexact=True)
arctan = _unary("arctan", lax.atan, inexact=True)
arctan2 = _binary("arctan2", lax.atan2, inexact=True)
sinh = _unary("sinh", lax.sinh, inexact=True)
cosh = _unary("cosh", lax.cosh, inexact=True)
tanh = _unary("tanh", lax.tanh, inexact=True)
arcsinh = _unary("arcsinh", lax.asinh, inexact=True)
arccosh = _unary("arccosh", lax.acosh, inexact=True)
arctanh = _unary("arctanh", lax.atanh, inexact=True)
deg2rad = radians = _unary("deg2rad", lambda x: lax.mul(x, _const(x, math.pi / 180)), True)
rad2deg = degrees = _unary("rad2deg", lambda x: lax.mul(x, _const(x, 180 / math.pi)), True)
acos, asin, atan, atan2 = arccos, arcsin, arctan, arctan2
acosh, asinh, atanh = arccosh, arcsinh, arctanh


def hypot(x1, x2, /):
    """sqrt(x1**2 + x2**2) without overflow: the larger magnitude is factored out."""
    x1, x2 = _promote_full("hypot", x1, x2, inexact=True)
    if _is_complex(x1):
        raise JTransTypeError("hypot does not accept complex arguments")
    a, b = lax.abs(x1), lax.abs(x2)
    hi, lo = lax.max(a, b), lax.min(a, b)
    hi_safe = _select(lax.eq(hi, 0.0), 1.0, hi)
    r = lax.div(lo, hi_safe)
    out = lax.mul(hi, lax.sqrt(lax.add(lax.mul(r, r), 1.0)))
    inf = lax.bitwise_or(lax.eq(a, np.inf), lax.eq(b, np.inf))
    return _select(inf, _lax_const(out, np.inf), out)


def sinc(x, /):
    """sin(pi x) / (pi x), 1 at 0. Near 0 a Taylor polynomial is selected, so every derivative
    is finite there (sinc'(0) = 0, sinc''(0) = -pi**2 / 3)."""
    (x,) = promote_args_inexact("sinc", x)
    small = lax.lt(lax.abs(x), 1e-2) if not _is_complex(x) else lax.eq(x, 0)
    safe = _select(small, 1.0, x)
    pix = lax.mul(safe, _const(x, math.pi))
    direct = lax.div(lax.sin(pix), pix)
    y = lax.square(lax.mul(x, _const(x, math.pi)))
    # 1 - y/6 + y^2/120 - y^3/5040 (error below y^4/362880 ~ 1e-18 for |x| < 0.01)
    taylor = lax.add(lax.mul(lax.add(lax.mul(lax.sub(lax.mul(y, -1 / 5040), -1 / 120), y),
                                     -1 / 6), y), 1.0)  # fmt: skip
    return _select(small, taylor, direct)


# ---------------------------------------------------------------------------------------------
# rounding


def _rounding(name, lax_fn, exact_to_float=False, complex_parts=False):
    def f(x, /):
        (x,) = promote_args(name, x)
        if _is_exact(x):
            # integers are already whole: JAX keeps their dtype (rint makes them floats)
            return lax.convert_element_type(x, dtypes.default_float()) if exact_to_float else x
        if _is_complex(x):
            if not complex_parts:
                raise JTransTypeError(f"{name} does not accept complex arguments")
            return lax.complex(lax_fn(lax.real(x)), lax_fn(lax.imag(x)))  # rint: each part
        return lax_fn(x)

    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"Elementwise {name} of x (integers pass through)."
    return f


floor = _rounding("floor", lax.floor)
ceil = _rounding("ceil", lax.ceil)
trunc = _rounding("trunc", lambda x: _select(lax.lt(x, 0.0), lax.ceil(x), lax.floor(x)))
fix = _rounding("fix", lambda x: trunc(x))
rint = _rounding("rint", lambda x: lax.round(x, lax.RoundingMethod.TO_NEAREST_EVEN), True, True)


def round(a, decimals=0, out=None):
    """Rounds half to even (NumPy), to `decimals` places (negative: tens, hundreds...)."""
    if out is not None:
        raise NotImplementedError("The 'out' argument to jnp.round is not supported.")
    (a,) = promote_args("round", a)
    decimals = int(decimals)
    if _is_bool(a):
        raise JTransValueError("jnp.round: data type bool is not inexact; convert to an integer "
                               "or floating type first")  # fmt: skip
    if _is_int(a):
        if decimals >= 0:
            return a
        f = 10 ** (-decimals)
        # half to even on the quotient of a by 10**-decimals
        q, r = floor_divide(a, f), remainder(a, f)
        up = lax.bitwise_or(lax.gt(lax.mul(r, 2), f),
                            lax.bitwise_and(lax.eq(lax.mul(r, 2), f), lax.ne(remainder(q, 2), 0)))  # fmt: skip
        return lax.mul(_select(up, lax.add(q, 1), q), _const(a, f))

    def rnd(x):
        if decimals == 0:
            return lax.round(x, lax.RoundingMethod.TO_NEAREST_EVEN)
        f = _const(x, 10.0**decimals)
        return lax.div(lax.round(lax.mul(x, f), lax.RoundingMethod.TO_NEAREST_EVEN), f)

    if _is_complex(a):
        return lax.complex(rnd(lax.real(a)), rnd(lax.imag(a)))
    return rnd(a)


around = round_ = round


# ---------------------------------------------------------------------------------------------
# extrema and clipping


def maximum(x1, x2, /):
    """Elementwise maximum (NaN propagates); at ties the derivative splits 0.5 / 0.5."""
    return lax.max(*_promote_full("maximum", x1, x2))


def minimum(x1, x2, /):
    """Elementwise minimum (NaN propagates); at ties the derivative splits 0.5 / 0.5."""
    return lax.min(*_promote_full("minimum", x1, x2))


def fmax(x1, x2, /):
    """maximum that ignores NaNs (NaN only where both are NaN); at ties the derivative goes
    to x2 (as JAX: where((x1 > x2) | isnan(x2), x1, x2))."""
    x1, x2 = _promote_full("fmax", x1, x2)
    return _select(lax.bitwise_or(lax.gt(x1, x2), lax.ne(x2, x2)), x1, x2)


def fmin(x1, x2, /):
    """minimum that ignores NaNs (NaN only where both are NaN); at ties the derivative goes
    to x2, as fmax's."""
    x1, x2 = _promote_full("fmin", x1, x2)
    return _select(lax.bitwise_or(lax.lt(x1, x2), lax.ne(x2, x2)), x1, x2)


_MISSING = object()


def clip(arr=None, /, min=None, max=None, *, a=_MISSING, a_min=_MISSING, a_max=_MISSING):
    """arr limited to [min, max] (either may be None). `a`, `a_min`, `a_max` are NumPy's older
    spellings. At a bound, the derivative splits like maximum's (0.5 each)."""
    if a is not _MISSING:
        arr = a
    if a_min is not _MISSING:
        min = a_min
    if a_max is not _MISSING:
        max = a_max
    if arr is None:
        raise JTransTypeError("clip needs an array argument")
    check_arraylike("clip", arr)
    out = asarray_any(arr)
    if min is not None:
        out = maximum(min, out)
    if max is not None:
        out = minimum(max, out)
    return out


def heaviside(x1, x2, /):
    """0 where x1 < 0, x2 where x1 == 0, 1 where x1 > 0."""
    x1, x2 = promote_args_inexact("heaviside", x1, x2)
    zero, one = _lax_const(x1, 0), _lax_const(x1, 1)
    # NaN where x1 is NaN (as NumPy and JAX): NaN compares false, so x1 itself is taken
    return _select(lax.lt(x1, zero), zero, _select(lax.gt(x1, zero), one,
                                                   _select(lax.eq(x1, zero), x2, x1)))  # fmt: skip


def signbit(x, /):
    """True where the sign bit is set (also -0.0)."""
    (x,) = promote_args("signbit", x)
    kind = core.get_aval(x).dtype.kind
    if kind in "ub":
        return _zero_bool(x)
    if kind == "i":
        return lax.lt(x, _strong_const(x, 0))
    if kind == "c":
        raise JTransTypeError("signbit does not accept complex arguments")
    # the sign bit itself, so -0.0 and -nan count as negative (as in JAX)
    bits = lax.bitcast_convert_type(x, np.dtype(f"int{8 * core.get_aval(x).dtype.itemsize}"))
    return lax.lt(bits, lax.full_like(bits, 0))


def copysign(x1, x2, /):
    """|x1| with the sign of x2."""
    x1, x2 = promote_args_inexact("copysign", x1, x2)
    if _is_complex(x1):
        raise JTransTypeError("copysign does not accept complex arguments")
    a = lax.abs(x1)
    return _select(signbit(x2), lax.neg(a), a)


def nextafter(x1, x2, /):
    x1, x2 = promote_args_inexact("nextafter", x1, x2)
    return lax.nextafter(x1, x2)


# ---------------------------------------------------------------------------------------------
# integers and bits


def _int_args(name, *xs):
    xs = promote_args(name, *xs)
    if not _is_exact(xs[0]):
        raise JTransTypeError(
            f"{name} accepts only integer and boolean arrays, got {core.get_aval(xs[0]).dtype}"
        )
    return xs


def gcd(x1, x2, /):
    """Greatest common divisor, by a fixed number of Euclid steps (enough for the bit width)."""
    x1, x2 = _int_args("gcd", x1, x2)
    if _is_bool(x1):
        raise JTransTypeError("gcd does not accept boolean arrays")
    a, b = absolute(x1), absolute(x2)
    bits = np.dtype(core.get_aval(a).dtype).itemsize * 8
    for _ in range(int(bits * 1.5) + 2):  # Euclid on n bits takes < 1.45 n steps
        zero = lax.eq(b, _const(b, 0))
        safe_b = _select(zero, 1, b)
        a, b = _select(zero, a, b), _select(zero, 0, lax.rem(a, safe_b))
    return a


def lcm(x1, x2, /):
    x1, x2 = _int_args("lcm", x1, x2)
    if _is_bool(x1):
        raise JTransTypeError("lcm does not accept boolean arrays")
    g = gcd(x1, x2)
    zero = lax.eq(g, _const(g, 0))
    return _select(zero, 0, absolute(lax.mul(lax.div(x1, _select(zero, 1, g)), x2)))


def _bitwise(name, lax_fn):
    def f(*xs):
        return lax_fn(*_int_args(name, *xs))

    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"Elementwise {name} of integer or boolean arrays."
    return f


bitwise_and = _bitwise("bitwise_and", lax.bitwise_and)
bitwise_or = _bitwise("bitwise_or", lax.bitwise_or)
bitwise_xor = _bitwise("bitwise_xor", lax.bitwise_xor)
bitwise_invert = bitwise_not = invert = _bitwise("invert", lax.bitwise_not)


def left_shift(x1, x2, /):
    x1, x2 = _promote_numeric("left_shift", *_int_args("left_shift", x1, x2))
    return lax.shift_left(x1, x2)


def right_shift(x1, x2, /):
    """Arithmetic shift for signed integers, logical for unsigned."""
    x1, x2 = _promote_numeric("right_shift", *_int_args("right_shift", x1, x2))
    if core.get_aval(x1).dtype.kind == "u":
        return lax.shift_right_logical(x1, x2)
    return lax.shift_right_arithmetic(x1, x2)


bitwise_left_shift, bitwise_right_shift = left_shift, right_shift


def bitwise_count(x, /):
    (x,) = _promote_numeric("bitwise_count", *_int_args("bitwise_count", x))
    return lax.convert_element_type(lax.population_count(absolute(x)), dtypes.uint8)


# ---------------------------------------------------------------------------------------------
# floating-point classes


def isfinite(x, /):
    (x,) = promote_args("isfinite", x)
    if _is_exact(x):
        return lax.full(core.get_aval(x).shape, True, dtypes.bool_)
    if _is_complex(x):
        return lax.bitwise_and(lax.is_finite(lax.real(x)), lax.is_finite(lax.imag(x)))
    return lax.is_finite(x)


def isinf(x, /):
    (x,) = promote_args("isinf", x)
    if _is_exact(x):
        return _zero_bool(x)
    if _is_complex(x):
        return lax.bitwise_or(isinf(lax.real(x)), isinf(lax.imag(x)))
    return lax.eq(lax.abs(x), _strong_const(x, np.inf))


def isnan(x, /):
    (x,) = promote_args("isnan", x)
    if _is_exact(x):  # all False, weak as x (JAX's ne(x, x))
        aval = core.get_aval(x)
        return lax.full(aval.shape, False, dtypes.bool_) if not aval.weak_type else lax.ne(x, x)
    return lax.ne(x, x)


def isposinf(x, /, out=None):
    _no_out("isposinf", out)
    (x,) = promote_args("isposinf", x)
    return _zero_bool(x) if _is_exact(x) else lax.eq(x, _strong_const(x, np.inf))


def isneginf(x, /, out=None):
    _no_out("isneginf", out)
    (x,) = promote_args("isneginf", x)
    return _zero_bool(x) if _is_exact(x) else lax.eq(x, _strong_const(x, -np.inf))


def nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    """NaN -> nan, +inf -> posinf (default: the largest finite value), -inf -> neginf."""
    (x,) = promote_args("nan_to_num", x)
    if _is_exact(x):
        return x
    if _is_complex(x):
        f = lambda v: nan_to_num(v, nan=nan, posinf=posinf, neginf=neginf)
        return lax.complex(f(lax.real(x)), f(lax.imag(x)))
    info = dtypes.finfo(core.get_aval(x).dtype)
    posinf = float(info.max) if posinf is None else posinf
    neginf = float(info.min) if neginf is None else neginf
    out = _select(lax.ne(x, x), _strong_const(x, nan), x)
    out = _select(lax.eq(x, np.inf), _strong_const(x, posinf), out)
    return _select(lax.eq(x, -np.inf), _strong_const(x, neginf), out)


# ---------------------------------------------------------------------------------------------
# interpolation


def interp(x, xp, fp, left=None, right=None, period=None):
    """1-D linear interpolation (np.interp; left/right may be 'extrapolate', as in JAX). xp must
    increase. Written with comparisons and sums
    (no sort or gather): each x finds its segment by counting the xp <= x, then picks the
    segment's ends by one-hot sums, so it traces, batches and differentiates in x, xp and fp."""
    check_arraylike("interp", x, xp, fp)
    x, xp, fp = (asarray_any(v) for v in (x, xp, fp))
    dt, weak = dtypes.result_type(x, xp, fp, return_weak_type_flag=True)
    dt = dtypes.to_inexact_dtype(dt)
    x, xp, fp = (lax.convert_element_type(v, dt, weak) for v in (x, xp, fp))
    if core.get_aval(xp).ndim != 1 or core.get_aval(fp).shape != core.get_aval(xp).shape:
        raise JTransValueError(
            f"interp needs 1-D xp and fp of equal length, got shapes {core.get_aval(xp).shape} "
            f"and {core.get_aval(fp).shape}"
        )
    if period is not None:  # NumPy's: x and xp taken mod period, xp sorted, one point beyond
        # each end so every x has a segment; left and right are ignored
        period = asarray_any(period)
        if core.get_aval(period).ndim != 0:
            raise JTransValueError(f"interp: period must be a scalar, got {period}")
        pc = period._value if not isinstance(period, core.Tracer) else None
        if pc is not None and pc == 0:
            raise JTransValueError("interp: period must be a non-zero value")
        period = lax.abs(lax.convert_element_type(period, dt))
        x, xp = remainder(x, period), remainder(xp, period)
        xp, fp = lax.sort((xp, fp), num_keys=1)
        m = core.get_aval(xp).shape[0]
        if m:
            xp = lax.concatenate([lax.sub(lax.slice(xp, (m - 1,), (m,)), period), xp,
                                  lax.add(lax.slice(xp, (0,), (1,)), period)], 0)  # fmt: skip
            fp = lax.concatenate([lax.slice(fp, (m - 1,), (m,)), fp, lax.slice(fp, (0,), (1,))], 0)
        left = right = None
    n = core.get_aval(xp).shape[0]
    if n == 0:
        raise JTransValueError("interp needs a non-empty xp")
    xs = core.get_aval(x).shape
    grid = xs + (n,)
    xe = lax.broadcast_in_dim(x, grid, tuple(range(len(xs))))
    xpe = lax.broadcast_in_dim(xp, grid, (len(xs),))
    fpe = lax.broadcast_in_dim(fp, grid, (len(xs),))
    count = lax.reduce_sum(lax.convert_element_type(lax.le(xpe, xe), dtypes.int32), (len(xs),))
    lo = lax.clamp(0, lax.sub(count, 1), builtins.max(n - 2, 0))
    j = lax.broadcasted_iota(dtypes.int32, grid, len(xs))
    lo_e = lax.broadcast_in_dim(lo, grid, tuple(range(len(xs))))

    def pick(v, idx):
        hit = lax.convert_element_type(lax.eq(j, idx), dt)
        return lax.reduce_sum(lax.mul(hit, v), (len(xs),))

    hi_e = lax.add(lo_e, 1) if n > 1 else lo_e
    x0, x1, f0, f1 = pick(xpe, lo_e), pick(xpe, hi_e), pick(fpe, lo_e), pick(fpe, hi_e)
    dx = lax.sub(x1, x0)
    flat = lax.eq(dx, 0.0)
    t = lax.div(lax.sub(x, x0), _select(flat, 1.0, dx))
    out = _select(flat, f0, lax.add(f0, lax.mul(t, lax.sub(f1, f0))))
    first, last = pick(fpe, lax.full(grid, 0, dtypes.int32)), pick(fpe, lax.full(grid, n - 1,
                                                                             dtypes.int32))  # fmt: skip
    xp0, xpn = pick(xpe, lax.full(grid, 0, dtypes.int32)), pick(xpe, lax.full(grid, n - 1,
                                                                            dtypes.int32))  # fmt: skip
    # left/right='extrapolate' (JAX): the end segments' lines continue (lo is clamped to them)
    if not (isinstance(left, str) and left == "extrapolate"):
        left_v = first if left is None else _bcast(asarray_any(left, dt), xs)
        out = _select(lax.lt(x, xp0), left_v, out)
    if not (isinstance(right, str) and right == "extrapolate"):
        right_v = last if right is None else _bcast(asarray_any(right, dt), xs)
        out = _select(lax.gt(x, xpn), right_v, out)
    return out


__all__ = [n for n in dir() if not n.startswith("_") and n not in (
    "builtins", "math", "np", "core", "dtypes", "lax", "Array", "JTransTypeError",
    "JTransValueError", "asarray_any", "broadcast_shapes", "check_arraylike", "promote_args",
    "promote_args_inexact")]  # fmt: skip
