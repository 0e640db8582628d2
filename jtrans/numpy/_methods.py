"""Operators and methods of jtrans.Array and of tracers, installed here so concrete and traced
values behave alike. Each method is a jnp function."""

from .. import core
from ..array import Array


def _swap(f):
    def g(x, y):
        return f(y, x)

    return g


def _defer(f):
    """Binary operator that returns NotImplemented for types it doesn't know (lets Python try
    the other operand's reflected method)."""

    def op(self, other):
        if not isinstance(other, (Array, core.Tracer, int, float, complex, bool)) and not hasattr(
            other, "__array__"
        ):
            return NotImplemented
        return f(self, other)

    return op


def _astype(x, dtype, copy=False):
    from .. import lax

    return lax.convert_element_type(x, dtype)


def install():
    from . import _ufuncs as u
    import jtrans.numpy as jnp

    ops = {
        "__add__": u.add, "__radd__": _swap(u.add),
        "__sub__": u.subtract, "__rsub__": _swap(u.subtract),
        "__mul__": u.multiply, "__rmul__": _swap(u.multiply),
        "__truediv__": u.divide, "__rtruediv__": _swap(u.divide),
        "__pow__": u.power, "__rpow__": _swap(u.power),
    }  # fmt: skip
    optional = {
        "__floordiv__": "floor_divide", "__rfloordiv__": ("floor_divide",),
        "__mod__": "remainder", "__rmod__": ("remainder",),
        "__matmul__": "matmul", "__rmatmul__": ("matmul",),
        "__and__": "bitwise_and", "__rand__": ("bitwise_and",),
        "__or__": "bitwise_or", "__ror__": ("bitwise_or",),
        "__xor__": "bitwise_xor", "__rxor__": ("bitwise_xor",),
        "__lshift__": "left_shift", "__rlshift__": ("left_shift",),
        "__rshift__": "right_shift", "__rrshift__": ("right_shift",),
        "__lt__": "less", "__le__": "less_equal", "__gt__": "greater",
        "__ge__": "greater_equal", "__eq__": "equal", "__ne__": "not_equal",
        "__divmod__": "divmod", "__rdivmod__": ("divmod",),
    }  # fmt: skip
    for name, fn in optional.items():
        if isinstance(fn, tuple):
            f = getattr(jnp, fn[0], None)
            if f is not None:
                ops[name] = _swap(f)
        else:
            f = getattr(jnp, fn, None)
            if f is not None:
                ops[name] = f
    unary = {"__neg__": "negative", "__pos__": "positive", "__abs__": "absolute",
             "__invert__": "invert", "__round__": "round"}  # fmt: skip
    methods = [
        "sum", "mean", "max", "min", "prod", "argmax", "argmin", "all", "any", "cumsum",
        "cumprod", "var", "std", "reshape", "transpose", "squeeze", "flatten", "ravel", "clip",
        "dot", "astype", "round", "conj", "conjugate", "nonzero", "argsort", "sort",
        "diagonal", "trace", "repeat", "swapaxes", "take", "ptp", "searchsorted", "view",
    ]  # fmt: skip
    for cls in (Array, core.Tracer):
        for name, f in ops.items():
            setattr(cls, name, _defer(f))
        for name, fn in unary.items():
            f = getattr(jnp, fn, None)
            if f is not None:
                setattr(cls, name, f)
        for name in methods:
            f = getattr(jnp, "_method_" + name, None) or getattr(jnp, name, None)
            if f is not None:
                setattr(cls, name, f)
        cls.astype = _astype
        cls.real = property(lambda self: jnp.real(self) if hasattr(jnp, "real") else self)
        cls.imag = property(lambda self: jnp.imag(self))
        extra = getattr(jnp, "_extra_methods", {})
        for name, f in extra.items():
            setattr(cls, name, f)
