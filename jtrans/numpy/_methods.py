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


def _astype(x, dtype, copy=False, device=None):
    from .. import lax

    out = lax.convert_element_type(x, dtype)
    if device is not None:
        from ..array import device_put

        out = device_put(out, device)
    return out


def _view(x, dtype=None, type=None):
    """x's bits reinterpreted as dtype (NumPy's ndarray.view, as jax.Array.view): the last
    axis grows or shrinks by the ratio of the item sizes; bool and complex go through uint8
    and (real, imag) pairs."""
    from .. import dtypes, lax
    from ..errors import JTransValueError

    if type is not None:
        raise NotImplementedError("the `type` argument of Array.view() is not supported")
    if dtype is None:
        return x
    dtype = dtypes.canonicalize_dtype(dtypes.check_dtype(dtype))
    aval = core.get_aval(x)
    bits_in, bits_out = aval.dtype.itemsize * 8, dtype.itemsize * 8
    if aval.ndim == 0:
        if bits_in != bits_out:
            raise JTransValueError(
                f"view() of a 0-d array needs an unchanged item size, got {aval.dtype} -> {dtype}"
            )
        return lax.squeeze(_view(lax.expand_dims(x, (0,)), dtype), (0,))
    if (aval.shape[-1] * bits_in) % bits_out:
        raise JTransValueError(
            f"view() as {dtype}: the last axis of shape {aval.shape} ({aval.dtype}) does not hold "
            "a whole number of the new items"
        )
    if aval.dtype == dtype:
        return x
    if aval.dtype == dtypes.bool_:
        return _view(lax.convert_element_type(x, dtypes.uint8), dtype)
    if aval.dtype.kind == "c":  # interleave (real, imag) along the last axis
        pair = lax.concatenate([lax.expand_dims(lax.real(x), (aval.ndim,)),
                                lax.expand_dims(lax.imag(x), (aval.ndim,))], aval.ndim)  # fmt: skip
        return _view(lax.reshape(pair, aval.shape[:-1] + (2 * aval.shape[-1],)), dtype)
    if dtype == dtypes.bool_:
        return lax.ne(_view(x, dtypes.uint8), lax.full((), 0, dtypes.uint8))
    if dtype.kind == "c":
        part = _view(x, dtypes.float32 if dtype == dtypes.complex64 else dtypes.float64)
        n = core.get_aval(part).shape[-1]
        re = lax.slice_in_dim(part, 0, n, 2, axis=-1)
        im = lax.slice_in_dim(part, 1, n, 2, axis=-1)
        return lax.complex(re, im)
    if bits_in < bits_out:
        k = bits_out // bits_in
        x = lax.reshape(x, aval.shape[:-1] + (aval.shape[-1] // k, k))
        return lax.bitcast_convert_type(x, dtype)
    if bits_in > bits_out:
        out = lax.bitcast_convert_type(x, dtype)
        return lax.reshape(out, aval.shape[:-1] + (aval.shape[-1] * (bits_in // bits_out),))
    return lax.bitcast_convert_type(x, dtype)


def _byteswap(x):
    """x with the bytes of each element reversed (complex: of each part), as jax.Array.byteswap."""
    from .. import dtypes, lax

    aval = core.get_aval(x)
    if aval.dtype.kind == "c":
        return lax.complex(_byteswap(lax.real(x)), _byteswap(lax.imag(x)))
    if aval.dtype.itemsize == 1:
        return x
    octets = lax.bitcast_convert_type(x, dtypes.uint8)  # a new last axis of itemsize bytes
    return lax.bitcast_convert_type(lax.rev(octets, (aval.ndim,)), aval.dtype)


def _compress(self, condition, axis=None, *, out=None, size=None, fill_value=0):
    import jtrans.numpy as jnp

    return jnp.compress(condition, self, axis, out=out, size=size, fill_value=fill_value)


def _choose(self, choices, out=None, mode="raise"):
    import jtrans.numpy as jnp

    return jnp.choose(self, choices, out=out, mode=mode)


def _argpartition(self, kth, axis=-1):
    import jtrans.numpy as jnp

    return jnp.argpartition(self, kth, axis)


def _copy(self):
    import jtrans.numpy as jnp

    return jnp.copy(self)


def _array_namespace(self, *, api_version=None):
    import jtrans.numpy as jnp

    return jnp


def _dlpack(self, *, stream=None, max_version=None, dl_device=None, copy=None):
    """DLPack export of the host buffer (NumPy's), so np.from_dlpack(x) works."""
    import numpy as np

    kw = {"stream": stream}
    if max_version is not None:
        kw.update(max_version=max_version, dl_device=dl_device, copy=copy)
    return np.asarray(self).__dlpack__(**kw)


def _dlpack_device(self):
    import numpy as np

    return np.asarray(self).__dlpack_device__()


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
        cls.view = _view
        cls.byteswap = _byteswap
        cls.compress = _compress
        cls.choose = _choose
        cls.argpartition = _argpartition
        cls.__array_namespace__ = _array_namespace
        if not hasattr(cls, "copy"):
            cls.copy = _copy
        cls.real = property(lambda self: jnp.real(self) if hasattr(jnp, "real") else self)
        cls.imag = property(lambda self: jnp.imag(self))
        if cls is Array:  # a concrete buffer to share
            cls.__dlpack__ = _dlpack
            cls.__dlpack_device__ = _dlpack_device
        extra = getattr(jnp, "_extra_methods", {})
        for name, f in extra.items():
            setattr(cls, name, f)
