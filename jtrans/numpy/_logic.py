"""Comparisons and logic: equal, less, ..., logical_*, isclose/allclose, array_equal, where,
select, piecewise, and the dtype predicates. Comparisons promote their operands (JAX's lattice)
and broadcast (NumPy's rules) before one lax comparison; results are boolean."""

import numpy as np

from .. import core, dtypes, lax
from ..array import Array
from ..errors import JTransTypeError, JTransValueError
from ._ufuncs import _binary
from ._util import (
    asarray_any,
    broadcast_shapes,
    check_arraylike,
    promote_args,
    promote_args_inexact,
)

equal = _binary("equal", lax.eq)
not_equal = _binary("not_equal", lax.ne)


def _lexicographic(lax_fn):
    """An order comparison of promoted operands; complex ones compare lexicographically on
    (real, imag), as in JAX and NumPy."""

    def f(x1, x2):
        if dtypes.issubdtype(core.get_aval(x1).dtype, np.complexfloating):
            r1, r2 = lax.real(x1), lax.real(x2)
            return lax.select(lax.eq(r1, r2), lax_fn(lax.imag(x1), lax.imag(x2)), lax_fn(r1, r2))
        return lax_fn(x1, x2)

    return f


less = _binary("less", _lexicographic(lax.lt))
less_equal = _binary("less_equal", _lexicographic(lax.le))
greater = _binary("greater", _lexicographic(lax.gt))
greater_equal = _binary("greater_equal", _lexicographic(lax.ge))


def _to_bool(x):
    """x != 0, weak where x is a weak scalar (JAX compares with lax._const(x, 0))."""
    x = asarray_any(x)
    aval = core.get_aval(x)
    if aval.dtype == dtypes.bool_:
        return x
    zero = np.zeros((), aval.dtype) if aval.dtype != dtypes.bfloat16 else np.zeros((), np.float32)
    return lax.ne(x, Array(zero.astype(aval.dtype), aval.weak_type and aval.ndim == 0))


def _strong(x):
    """x with its weak type dropped (functions whose results JAX always makes strong)."""
    aval = core.get_aval(x)
    return lax.convert_element_type(x, aval.dtype, False) if aval.weak_type else x


def _logical(name, lax_fn):
    def f(*xs):
        check_arraylike(name, *xs)
        return lax_fn(*[_to_bool(x) for x in promote_args(name, *xs)])

    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"Elementwise {name} of the arguments' truth values (nonzero is True)."
    return f


logical_and = _logical("logical_and", lax.bitwise_and)
logical_or = _logical("logical_or", lax.bitwise_or)
logical_xor = _logical("logical_xor", lax.bitwise_xor)
logical_not = _logical("logical_not", lax.bitwise_not)


def _bcast(x, shape):
    s = core.get_aval(x).shape
    if s == shape:
        return x
    return lax.broadcast_in_dim(x, shape, tuple(range(len(shape) - len(s), len(shape))))


class _WhereArgsError(JTransValueError, JTransTypeError):
    """jnp.where given x without y or y without x (JAX: TypeError)."""


def where(condition, x=None, y=None, /, *, size=None, fill_value=None):
    """x where condition else y (broadcast, promoted). With only a condition: jnp.nonzero
    (concrete conditions only, or give `size`)."""
    if x is None and y is None:
        from . import nonzero  # the sorting module's, looked up when called

        return nonzero(condition, size=size, fill_value=fill_value)
    if type(x).__name__ == "PRNGKeyArray":  # typed PRNG keys: word by word
        from .. import random as _random

        return _random._map_words(lambda a, b: where(condition, a, b), x, y)
    if x is None or y is None:
        raise _WhereArgsError("jnp.where takes either one argument or three, not two")
    check_arraylike("where", condition, x, y)
    cond = _to_bool(condition)
    x, y = promote_args("where", x, y)
    shape = broadcast_shapes(*(core.get_aval(v).shape for v in (cond, x, y)), name="where")
    return lax.select(_bcast(cond, shape), _bcast(x, shape), _bcast(y, shape))


def select(condlist, choicelist, default=0):
    """choicelist[i] where condlist[i] first holds, else default."""
    if len(condlist) != len(choicelist):
        raise JTransValueError(
            f"select needs as many conditions as choices, got {len(condlist)} and {len(choicelist)}"
        )
    if not condlist:
        raise JTransValueError("select needs at least one condition")
    out = default
    for cond, choice in reversed(list(zip(condlist, choicelist))):
        out = where(cond, choice, out)
    dt = dtypes.result_type(*choicelist, default)
    out = asarray_any(out)
    return out if core.get_aval(out).dtype == dt else lax.convert_element_type(out, dt)


def piecewise(x, condlist, funclist, *args, **kw):
    """funclist[i](x) where condlist[i] holds (later conditions win), 0 elsewhere, or
    funclist[-1](x) when it has one more entry than condlist. Every function sees all of x."""
    x = asarray_any(x)
    aval = core.get_aval(x)
    funclist = list(funclist)
    if isinstance(condlist, (Array, core.Tracer, np.ndarray, bool, np.bool_)):
        cond_shape = np.shape(condlist) if isinstance(condlist, np.ndarray) else None
        cond_shape = (
            core.get_aval(asarray_any(condlist)).shape if cond_shape is None else cond_shape
        )
        if cond_shape and cond_shape[0] in (len(funclist), len(funclist) - 1):
            # JAX: an array's leading axis lists the conditions
            condlist = [condlist[i] for i in range(cond_shape[0])]
        else:  # NumPy: a scalar, or one condition shaped like x
            condlist = [condlist]
    condlist = list(condlist)
    if len(funclist) not in (len(condlist), len(condlist) + 1):
        raise JTransValueError(
            f"piecewise: {len(condlist)} conditions need {len(condlist)} or "
            f"{len(condlist) + 1} functions, got {len(funclist)}"
        )

    def value(f):
        v = f(x, *args, **kw) if callable(f) else f
        v = asarray_any(v)
        if core.get_aval(v).dtype != aval.dtype:
            v = lax.convert_element_type(v, aval.dtype)
        return _bcast(v, aval.shape)

    out = value(funclist[-1]) if len(funclist) > len(condlist) else lax.full_like(x, 0)
    for cond, f in zip(condlist, funclist):
        out = lax.select(_bcast(_to_bool(cond), aval.shape), value(f), out)
    return out


# ---------------------------------------------------------------------------------------------
# closeness and equality of whole arrays


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """|a - b| <= atol + rtol * |b| (integers compared as floats, as JAX); infinities are close
    only to themselves. The result is strongly typed, also for Python scalars."""
    a, b = promote_args("isclose", a, b)
    if not dtypes.is_inexact(core.get_aval(a).dtype):
        a, b = promote_args_inexact("isclose", a, b)
    dt = core.get_aval(a).dtype
    rdt = {dtypes.complex64: dtypes.float32, dtypes.complex128: dtypes.float64}.get(dt, dt)
    rtol = lax.convert_element_type(asarray_any(rtol), rdt)
    atol = lax.convert_element_type(asarray_any(atol), rdt)
    in_range = lax.le(lax.abs(lax.sub(a, b)), lax.add(atol, lax.mul(rtol, lax.abs(b))))
    if dt.kind == "c":
        finite = lax.bitwise_and(lax.is_finite(lax.real(b)), lax.is_finite(lax.imag(b)))
    else:
        finite = lax.is_finite(b)
    out = lax.bitwise_or(lax.eq(a, b), lax.bitwise_and(finite, in_range))
    if equal_nan:
        out = lax.bitwise_or(out, lax.bitwise_and(lax.ne(a, a), lax.ne(b, b)))
    return _strong(out)


def _all(x):
    """A scalar bool: every element of the bool array x is True (empty: True)."""
    aval = core.get_aval(x)
    if aval.ndim == 0:
        return x
    bad = lax.convert_element_type(lax.bitwise_not(x), dtypes.int32)
    return lax.eq(lax.reduce_sum(bad, tuple(range(aval.ndim))), lax.full((), 0, dtypes.int32))


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    return _strong(_all(isclose(a, b, rtol, atol, equal_nan)))


def array_equal(a1, a2, equal_nan=False):
    """Whether a1 and a2 have the same shape and elements (a boolean scalar array)."""
    a1, a2 = asarray_any(a1), asarray_any(a2)
    if core.get_aval(a1).shape != core.get_aval(a2).shape:
        return Array(np.asarray(False), False)
    a1, a2 = promote_args("array_equal", a1, a2)
    eq = lax.eq(a1, a2)
    if equal_nan and dtypes.is_inexact(core.get_aval(a1).dtype):
        eq = lax.bitwise_or(eq, lax.bitwise_and(lax.ne(a1, a1), lax.ne(a2, a2)))
    return _strong(_all(eq))


def array_equiv(a1, a2):
    """Whether a1 and a2 are equal after broadcasting. Shapes that don't broadcast raise a
    ShapeError (a TypeError and ValueError), as in JAX (NumPy returns False)."""
    a1, a2 = promote_args("array_equiv", asarray_any(a1), asarray_any(a2))
    eq = lax.eq(a1, a2)
    shape = broadcast_shapes(core.get_aval(a1).shape, core.get_aval(a2).shape)
    return _strong(_all(_bcast(eq, shape)))


# ---------------------------------------------------------------------------------------------
# dtype and kind predicates


def _dtype_of(x):
    return dtypes.dtype_and_weak(x)[0]


def iscomplexobj(x):
    if x is None:
        return False
    return dtypes.is_complex(_dtype_of(x))


def isrealobj(x):
    return not iscomplexobj(x)


def isscalar(element):
    """True for Python and NumPy scalars and for zero-dimensional arrays (as in JAX)."""
    if isinstance(element, (bool, int, float, complex, np.generic)):
        return True
    if isinstance(element, (Array, core.Tracer, np.ndarray)):
        return core.get_aval(asarray_any(element)).ndim == 0
    return False


def isreal(x):
    """Elementwise: the imaginary part is zero."""
    (x,) = promote_args("isreal", x)
    return _imag_test(x, lax.eq, True)


def _imag_test(x, cmp, real_value):
    """cmp(imag(x), 0): weak where x is a weak scalar (JAX compares with lax._const)."""
    aval = core.get_aval(x)
    if dtypes.is_complex(aval.dtype):
        i = lax.imag(x)
        return cmp(i, lax.full_like(i, 0))
    out = lax.full(aval.shape, real_value, dtypes.bool_)
    return lax.convert_element_type(out, dtypes.bool_, True) if aval.weak_type and not aval.ndim \
        else out  # fmt: skip


def iscomplex(x):
    """Elementwise: the imaginary part is nonzero."""
    (x,) = promote_args("iscomplex", x)
    return _imag_test(x, lax.ne, False)


__all__ = [
    "allclose",
    "array_equal",
    "array_equiv",
    "equal",
    "greater",
    "greater_equal",
    "isclose",
    "iscomplex",
    "iscomplexobj",
    "isreal",
    "isrealobj",
    "isscalar",
    "less",
    "less_equal",
    "logical_and",
    "logical_not",
    "logical_or",
    "logical_xor",
    "not_equal",
    "piecewise",
    "select",
    "where",
]  # fmt: skip
