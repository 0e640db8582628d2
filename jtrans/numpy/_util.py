"""NumPy conventions on top of lax: dtype promotion (JAX's lattice, weak types), rank
promotion and broadcasting, argument checking. Every jnp function goes through these."""

import functools

import numpy as np

from .. import core, dtypes, lax
from ..array import Array
from ..errors import AxisError, JTransTypeError, JTransValueError, ShapeError

_SCALARS = (bool, int, float, complex)


def dtype_and_weak(x):
    """dtypes.dtype_and_weak, with NumPy scalars strongly typed as in JAX (np.float64 and
    np.complex128 subclass Python's float and complex, yet JAX gives them no weak type)."""
    if isinstance(x, np.generic):
        return dtypes.canonicalize_dtype(x.dtype), False
    return dtypes.dtype_and_weak(x)


def asarray_any(x, dtype=None):
    """Any array-like as a jtrans value (tracers pass through)."""
    if isinstance(x, (Array, core.Tracer)):
        return x if dtype is None else lax.convert_element_type(x, dtype)
    if isinstance(x, _SCALARS) and not isinstance(x, np.generic):
        dt = dtypes.python_scalar_dtype(x) if dtype is None else dtypes.check_dtype(dtype)
        return Array(np.asarray(x, dt), dtype is None and not isinstance(x, bool))
    if isinstance(x, (list, tuple)) and any(
        isinstance(e, (Array, core.Tracer)) for e in _flat_list(x)
    ):
        from ._shape import stack

        return stack([asarray_any(e, dtype) for e in x])
    if x is None:  # JAX: ValueError (NumPy makes an object array)
        raise ShapeError("None is not a valid value for jnp.array")
    v = np.asarray(x) if dtype is None else np.asarray(x, dtype=dtypes.check_dtype(dtype))
    if v.dtype == object:
        raise JTransTypeError(f"cannot convert {type(x).__name__} to a jtrans array: {x!r}")
    dt = dtypes.canonicalize_dtype(v.dtype)
    if v.dtype != dt and v.dtype.kind in "iu" and isinstance(x, (list, tuple)) and v.size:
        _check_int_range(v, dt)
    return Array(v if v.dtype == dt else v.astype(dt), False)


def _check_int_range(v, dt):
    """As JAX: Python ints in a list that do not fit the (32-bit) default integer raise instead
    of wrapping around."""
    info = np.iinfo(dt)
    lo, hi = v.min(), v.max()
    if lo < info.min or hi > info.max:
        bad = int(hi) if hi > info.max else int(lo)
        raise OverflowError(f"Python integer {bad} out of bounds for {dt.name}")


def _flat_list(x):
    for e in x:
        if isinstance(e, (list, tuple)):
            yield from _flat_list(e)
        else:
            yield e


def check_arraylike(name, *args):
    for i, a in enumerate(args):
        if not isinstance(a, (Array, core.Tracer, np.ndarray, np.generic) + _SCALARS):
            if isinstance(a, (list, tuple)):
                raise JTransTypeError(
                    f"{name} requires ndarray or scalar arguments, but got a "
                    f"{type(a).__name__} at position {i}. Use jnp.asarray(x) to convert it."
                )
            raise JTransTypeError(
                f"{name} requires ndarray or scalar arguments, got {type(a).__name__} at "
                f"position {i}"
            )


@functools.lru_cache(maxsize=4096)
def _broadcast_shapes_cached(shapes):
    nd = max(len(s) for s in shapes)
    out = []
    for i in range(nd):
        dim = 1
        for s in shapes:
            k = i - (nd - len(s))
            if k < 0:
                continue
            d = s[k]
            if d == 1:
                continue
            if dim == 1:
                dim = d
            elif d != dim:
                return None
        out.append(dim)
    return tuple(out)


def broadcast_shapes(*shapes, name=None):
    shapes = tuple(tuple(s) for s in shapes)
    out = _broadcast_shapes_cached(shapes)
    if out is None:
        where = f"{name}: " if name else ""
        raise ShapeError(
            f"{where}incompatible shapes for broadcasting: " + ", ".join(str(s) for s in shapes)
        )
    return out


def broadcast_to_shape(x, shape):
    aval = core.get_aval(x)
    if aval.shape == shape:
        return x
    nd = len(shape)
    lead = nd - aval.ndim
    if lead < 0 or any(s not in (1, shape[lead + i]) for i, s in enumerate(aval.shape)):
        raise ShapeError(f"cannot broadcast an array of shape {aval.shape} to {shape}")
    # squeeze nothing: broadcast_in_dim handles size-1 dims
    return lax.broadcast_in_dim(x, shape, tuple(range(lead, nd)))


def promote_dtypes(*args):
    """Converts args to their common dtype (JAX's lattice). Python scalars become weak Arrays."""
    if len(args) == 2:  # the common case: two arrays of one dtype and weak type
        a, b = args
        if isinstance(a, _VALUE_TYPES) and isinstance(b, _VALUE_TYPES):
            aa, ba = a.aval, b.aval
            if aa.dtype == ba.dtype and aa.weak_type == ba.weak_type:
                return [a, b]
    key = tuple(dtype_and_weak(a) for a in args)
    dt, weak = dtypes.result_type_of_avals_key(key)
    out = []
    for a, (adt, aweak) in zip(args, key):
        if isinstance(a, _SCALARS):
            out.append(Array(np.asarray(a, dt), weak))
        elif adt != dt or aweak != weak:
            out.append(lax.convert_element_type(asarray_any(a), dt, weak))
        else:
            out.append(asarray_any(a))
    return out


_VALUE_TYPES = (Array, core.Tracer)


def _scalar_fast_path(x, y):
    """array (op) Python scalar where the array's dtype wins: no lattice walk needed."""
    if isinstance(y, _VALUE_TYPES):
        x, y = y, x
        swap = True
    else:
        swap = False
    if not isinstance(x, _VALUE_TYPES) or type(y) not in (int, float):
        return None
    a = x.aval
    kind = a.dtype.kind
    if not (kind == "f" or (kind in "iu" and type(y) is int)) or a.dtype == dtypes.bfloat16:
        return None
    s = Array(np.asarray(y, a.dtype), True)
    return [s, x] if swap else [x, s]


def promote_args(name, *args):
    """promote_dtypes, then broadcast to the common shape (NumPy rules)."""
    for a in args:
        if not isinstance(a, _VALUE_TYPES):
            break
    else:
        a0 = args[0].aval
        for a in args:
            aval = a.aval
            if aval is not a0 and aval != a0:
                break
        else:
            return args  # the common case: same shape, dtype and weak type
    if len(args) == 2:
        fast = _scalar_fast_path(*args)
        if fast is not None:
            return fast
    check_arraylike(name, *args)
    args = promote_dtypes(*args)
    shapes = [core.get_aval(a).shape for a in args]
    if all(s == shapes[0] for s in shapes):
        return args
    if getattr(dtypes.config, "jax_numpy_rank_promotion", "allow") != "allow":
        _check_rank_promotion(name, shapes)
    shape = broadcast_shapes(*shapes, name=name)
    # rank-0 operands stay scalars: lax elementwise ops broadcast them
    return [
        a if s == () or s == shape else broadcast_to_shape(a, shape) for a, s in zip(args, shapes)
    ]


def _check_rank_promotion(name, shapes):
    """jax_numpy_rank_promotion="warn"/"raise": operands of different non-zero ranks."""
    if len({len(s) for s in shapes if s}) < 2:
        return
    shown = " ".join(map(str, shapes))
    if dtypes.config.jax_numpy_rank_promotion == "raise":
        raise JTransValueError(
            f"Operands could not be broadcast together for {name} on shapes {shown} and with "
            "the config option jax_numpy_rank_promotion='raise'. Add the missing leading axes "
            "explicitly (x[None], jnp.expand_dims, reshape), or allow rank promotion with "
            "jtrans.numpy_rank_promotion('allow')."
        )
    import warnings

    warnings.warn(
        f"Following NumPy automatic rank promotion for {name} on shapes {shown}. Set the "
        "jax_numpy_rank_promotion config option to 'allow' to disable this warning.",
        stacklevel=3,
    )


def promote_args_inexact(name, *args):
    """Like promote_args, with integer/bool results made floating (for sin, sqrt, divide...)."""
    # the common case: one inexact array
    if len(args) == 1 and isinstance(args[0], _VALUE_TYPES) and dtypes.is_inexact(args[0].dtype):
        return args
    check_arraylike(name, *args)
    key = tuple(dtype_and_weak(a) for a in args)
    dt, weak = dtypes.result_type_of_avals_key(key)
    if not dtypes.is_inexact(dt):
        to = dtypes.to_inexact_dtype(dt)
        args = [
            lax.convert_element_type(asarray_any(a), to, weak)
            if not isinstance(a, _SCALARS)
            else Array(np.asarray(a, to), weak)
            for a in args
        ]
    return promote_args(name, *args)


def canonical_axes(axis, ndim, name="axis"):
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (int, np.integer)) or (
        hasattr(axis, "__index__") and not isinstance(axis, (tuple, list))
    ):
        axis = (int(axis),)
    out = []
    for a in axis:
        a = int(a)
        if not -ndim <= a < max(ndim, 1) or (ndim == 0 and a not in (0, -1)):
            raise AxisError(f"{name} {a} is out of bounds for array of dimension {ndim}")
        out.append(a % ndim if ndim else 0)
    if len(set(out)) != len(out):
        raise JTransValueError(f"repeated axis in {name}: {tuple(axis)}")
    return tuple(out)


def canonical_axis(axis, ndim, name="axis"):
    return canonical_axes(int(axis), ndim, name)[0]


def ndim(x):
    return core.get_aval(x).ndim if not isinstance(x, (list, tuple)) else np.ndim(x)


def shape(x):
    return core.get_aval(x).shape if not isinstance(x, (list, tuple)) else np.shape(x)


def aval(x):
    return core.get_aval(asarray_any(x) if isinstance(x, (list, tuple)) else x)


def concrete_int(x, what):
    """x as a Python int, or a ConcretizationTypeError saying `what` needs it static."""
    if isinstance(x, core.Tracer):
        return int(core.concrete_or_error(x, what))
    return int(x)
