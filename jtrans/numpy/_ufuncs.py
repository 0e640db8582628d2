"""Elementwise jnp functions (NumPy's ufuncs): promotion and broadcasting, then one lax op."""

import numpy as np

from .. import dtypes, lax
from ._util import promote_args, promote_args_inexact


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


add = _binary("add", lax.add)
subtract = _binary("subtract", lax.sub)
multiply = _binary("multiply", lax.mul)
true_divide = divide = _binary("divide", lax.div, inexact=True)
maximum = _binary("maximum", lax.max)
minimum = _binary("minimum", lax.min)
arctan2 = _binary("arctan2", lax.atan2, inexact=True)

negative = _unary("negative", lax.neg)
positive = _unary("positive", lambda x: x)
exp = _unary("exp", lax.exp, inexact=True)
exp2 = _unary("exp2", lax.exp2, inexact=True)
log = _unary("log", lax.log, inexact=True)
log1p = _unary("log1p", lax.log1p, inexact=True)
expm1 = _unary("expm1", lax.expm1, inexact=True)
tanh = _unary("tanh", lax.tanh, inexact=True)
sin = _unary("sin", lax.sin, inexact=True)
cos = _unary("cos", lax.cos, inexact=True)
tan = _unary("tan", lax.tan, inexact=True)
arcsin = _unary("arcsin", lax.asin, inexact=True)
arccos = _unary("arccos", lax.acos, inexact=True)
arctan = _unary("arctan", lax.atan, inexact=True)
sinh = _unary("sinh", lax.sinh, inexact=True)
cosh = _unary("cosh", lax.cosh, inexact=True)
arcsinh = _unary("arcsinh", lax.asinh, inexact=True)
arccosh = _unary("arccosh", lax.acosh, inexact=True)
arctanh = _unary("arctanh", lax.atanh, inexact=True)
sqrt = _unary("sqrt", lax.sqrt, inexact=True)
cbrt = _unary("cbrt", lax.cbrt, inexact=True)
square = _unary("square", lax.square)


def absolute(x, /):
    (x,) = promote_args("absolute", x)
    if dtypes.is_bool(x.dtype) or x.dtype.kind == "u":
        return x
    return lax.abs(x)


abs = absolute


def power(x1, x2, /):
    """x1 ** x2. An integer Python exponent becomes lax.integer_pow (exact, differentiable)."""
    if isinstance(x2, int) and not isinstance(x2, bool) and not isinstance(x1, (int, float)):
        (x1,) = promote_args("power", x1)
        return lax.integer_pow(x1, x2)
    x1, x2 = promote_args("power", x1, x2)
    if x1.dtype.kind in "iu":
        return _int_power(x1, x2)
    return lax.pow(x1, x2)


def _int_power(x, y):
    # integer power by squaring, 64 steps bound the exponent's bits
    acc = lax.full_like(x, 1)
    base = x
    e = y
    for _ in range(np.dtype(x.dtype).itemsize * 8):
        acc = lax.select(lax.ne(lax.bitwise_and(e, lax.full_like(e, 1)), lax.full_like(e, 0)),
                         lax.mul(acc, base), acc)  # fmt: skip
        base = lax.mul(base, base)
        e = lax.shift_right_logical(e, lax.full_like(e, 1))
    return acc


pow = power
