"""Array creation: array/asarray, zeros/ones/full/empty (and *_like), arange, linspace,
logspace, geomspace, eye/identity, tri/tril/triu, diagflat, meshgrid, indices, fromfunction.

Everything is built from lax ops (iota, broadcasted_iota, comparisons, select), so creation
traces under jit and differentiates through its array arguments. Shapes must be concrete.
"""

import functools
import inspect

import numpy as np

from .. import core, dtypes, lax
from ..array import Array
from ..errors import JTransTypeError, JTransValueError
from ._util import asarray_any, broadcast_shapes, dtype_and_weak

_PY = (bool, int, float, complex)


# ---------------------------------------------------------------------------------------------
# array, asarray


def _has_traced(x):
    if isinstance(x, (Array, core.Tracer)):
        return True
    if isinstance(x, (list, tuple)):
        return any(_has_traced(e) for e in x)
    return False


def _leaves(x):
    if isinstance(x, (list, tuple)):
        for e in x:
            yield from _leaves(e)
    else:
        yield x


def _stack_nested(x, dtype):
    """A nested list holding jtrans values (tracers included) as one array of `dtype`."""
    if not isinstance(x, (list, tuple)):
        v = asarray_any(x)
        return v if core.get_aval(v).dtype == dtype else lax.convert_element_type(v, dtype)
    parts = [_stack_nested(e, dtype) for e in x]
    if not parts:
        return lax.full((0,), 0, dtype)
    shapes = {core.get_aval(p).shape for p in parts}
    if len(shapes) > 1:
        raise JTransValueError(
            "jnp.array got a nested sequence of arrays of different shapes: "
            + ", ".join(str(s) for s in sorted(shapes))
            + ". All elements at one level must have the same shape."
        )
    (shape,) = shapes
    parts = [lax.reshape(p, (1,) + shape) for p in parts]
    return lax.concatenate(parts, 0) if len(parts) > 1 else parts[0]


def array(object, dtype=None, copy=True, order="K", ndmin=0):
    """A jtrans array from `object` (as jnp.array): Python scalars keep JAX's weak type
    (jnp.array(1.0) is a weakly typed float32 when x64 is off), lists of Python scalars are
    strongly typed (ints -> int32), nested lists of arrays or tracers are stacked."""
    if order is not None and order != "K":
        raise NotImplementedError("jnp.array supports only order='K'")
    dt = dtypes.check_dtype(dtype)
    if isinstance(object, (list, tuple)) and _has_traced(object):
        leaves = list(_leaves(object))
        if dt is None:
            dt = dtypes.result_type(*leaves)
        out = _stack_nested(object, dt)
    elif isinstance(object, (Array, core.Tracer)):
        out = object if dt is None else lax.convert_element_type(object, dt)
    else:
        out = asarray_any(object, dt)
        if copy and isinstance(object, np.ndarray) and out._value is object:
            out = Array(object.copy(), False)
    if ndmin and core.get_aval(out).ndim < ndmin:
        shape = core.get_aval(out).shape
        out = lax.reshape(out, (1,) * (ndmin - len(shape)) + shape)
    return out


def asarray(a, dtype=None, order=None, *, copy=None):
    """A jtrans array from `a`; zero-copy for NumPy arrays of a canonical dtype (unless
    copy=True)."""
    if type(a).__name__ == "PRNGKeyArray" and dtype is None:  # typed PRNG keys stay keys
        return a
    return array(a, dtype=dtype, copy=bool(copy), order=order or "K")


# ---------------------------------------------------------------------------------------------
# zeros, ones, full, empty and their *_like


def _shape(shape, what="shape"):
    if isinstance(shape, core.Tracer):
        shape = core.concrete_or_error(shape, f"the {what} of a new array")
    if np.ndim(shape) == 0:
        return (_dim(shape, what),)
    return tuple(_dim(s, what) for s in shape)


def _dim(s, what):
    if isinstance(s, core.Tracer):
        s = core.concrete_or_error(s, f"the {what} of a new array")
    try:
        d = int(np.asarray(s).item()) if not isinstance(s, int) else s
    except (TypeError, ValueError):
        raise JTransTypeError(f"{what} entries must be integers, got {s!r}") from None
    if np.asarray(s).dtype.kind not in "iub" or d < 0:
        raise JTransTypeError(f"{what} entries must be non-negative integers, got {s!r}")
    return d


def zeros(shape, dtype=None):
    return lax.full(_shape(shape), 0, dtypes.check_dtype(dtype) or dtypes.default_float())


def ones(shape, dtype=None):
    return lax.full(_shape(shape), 1, dtypes.check_dtype(dtype) or dtypes.default_float())


def empty(shape, dtype=None):
    return zeros(shape, dtype)


def full(shape, fill_value, dtype=None):
    """An array of `shape` filled with `fill_value` (an array fill_value broadcasts); without a
    dtype, a Python scalar fill keeps its weak type, as in JAX."""
    shape = _shape(shape)
    dt = dtypes.check_dtype(dtype)
    if dt is None:
        dt, weak = dtype_and_weak(fill_value)
    else:
        weak = False
    fill = asarray_any(fill_value)
    fill = lax.convert_element_type(fill, dt, weak)
    fshape = core.get_aval(fill).shape
    if fshape == shape:
        return fill
    out_shape = broadcast_shapes(fshape, shape, name="full")
    if out_shape != shape:
        raise JTransValueError(f"full: fill_value of shape {fshape} does not broadcast to {shape}")
    return lax.broadcast_in_dim(fill, shape, tuple(range(len(shape) - len(fshape), len(shape))))


def _like(a, dtype, shape):
    aval = core.get_aval(asarray_any(a))
    dt = dtypes.check_dtype(dtype)
    weak = aval.weak_type and dt is None
    return (aval.shape if shape is None else _shape(shape)), (dt or aval.dtype), weak


def full_like(a, fill_value, dtype=None, shape=None):
    """Like `full`, with a's shape and dtype (and a's weak type when no dtype is given)."""
    s, d, weak = _like(a, dtype, shape)
    out = full(s, fill_value, d)
    return lax.convert_element_type(out, d, weak) if weak else out


def zeros_like(a, dtype=None, shape=None):
    return full_like(a, 0, dtype, shape)


def ones_like(a, dtype=None, shape=None):
    return full_like(a, 1, dtype, shape)


def empty_like(a, dtype=None, shape=None):
    return zeros_like(a, dtype, shape)


# ---------------------------------------------------------------------------------------------
# ranges


def _concrete_scalar(v, fn, name):
    if v is None:
        return None
    if isinstance(v, core.Tracer):
        v = core.concrete_or_error(
            v,
            f"jnp.{fn}'s {name} argument (it sets the length of the result, which must be static)",
        )
    v = np.asarray(v)
    if v.ndim:
        raise JTransValueError(f"jnp.{fn}'s {name} argument must be a scalar, got shape {v.shape}")
    return v.item()


def arange(start, stop=None, step=None, dtype=None):
    """Evenly spaced values in [start, stop) (as np.arange); the arguments must be concrete."""
    dt = dtypes.check_dtype(dtype)
    if stop is None and step is None:  # arange(n): n is the stop
        args = {"stop": start}
        start = 0
    else:
        args = {"start": start, "stop": stop, "step": step}
    if dt is None:
        dt = dtypes.result_type(*[v for v in args.values() if v is not None])
    vals = {k: _concrete_scalar(v, "arange", k) for k, v in args.items()}
    start, stop, step = vals.get("start", 0), vals["stop"], vals.get("step")
    if stop is None:
        start, stop = 0, start
    if step is None:
        step = 1
    if step == 0:
        raise JTransValueError("jnp.arange's step must not be zero")
    n = len(np.arange(start, stop, step))  # NumPy's own length rule, without materialising
    n = max(n, 0)
    if dtypes.is_int(dt) or dt == dtypes.bool_:
        ramp = lax.iota(dt, n)
        if step != 1:
            ramp = lax.mul(ramp, lax.full((), step, dt))
        return ramp if start == 0 else lax.add(ramp, lax.full((), start, dt))
    ramp = lax.iota(dt, n)
    ramp = lax.mul(ramp, lax.full((), step, dt)) if step != 1 else ramp
    return lax.add(ramp, lax.full((), start, dt)) if start != 0 else ramp


def _num(num):
    n = _concrete_scalar(num, "linspace", "num")
    if not isinstance(n, (int, np.integer)) or n < 0:
        raise JTransValueError(f"linspace's num must be a non-negative integer, got {num!r}")
    return int(n)


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """`num` evenly spaced values from start to stop (arrays broadcast; start and stop may be
    traced, num must be static). The last value is exactly stop when endpoint is True."""
    num = _num(num)
    dt = dtypes.check_dtype(dtype)
    start, stop = asarray_any(start), asarray_any(stop)
    if dt is None:
        dt = dtypes.result_type(start, stop, float)
    cdt = dtypes.result_type(dt, float)  # computation dtype: inexact
    if not dtypes.is_inexact(cdt):
        cdt = dtypes.default_float()
    start = lax.convert_element_type(start, cdt)
    stop = lax.convert_element_type(stop, cdt)
    bshape = broadcast_shapes(core.get_aval(start).shape, core.get_aval(stop).shape)
    start, stop = (_bcast_to(v, bshape) for v in (start, stop))
    nd = len(bshape) + 1
    if not -nd <= axis < nd:
        raise JTransValueError(f"linspace: axis {axis} is out of bounds for a result of rank {nd}")
    ax = axis % nd
    out_shape = bshape[:ax] + (num,) + bshape[ax:]
    bdims = tuple(i for i in range(nd) if i != ax)

    def expand(v):
        s = core.get_aval(v).shape
        dims = bdims[len(bdims) - len(s) :]
        return lax.broadcast_in_dim(v, out_shape, dims)

    div = num - 1 if endpoint else num
    delta = lax.div(lax.sub(stop, start), lax.full((), max(div, 1), cdt))
    if num == 1 and endpoint:
        delta = lax.full_like(delta, np.nan)
    if num == 0:
        out = lax.full(out_shape, 0, cdt)
    elif num == 1:
        out = expand(start)
    else:
        ramp = lax.broadcasted_iota(cdt, out_shape, ax)
        out = lax.add(expand(start), lax.mul(ramp, expand(delta)))
        if endpoint and num > 1:
            last = lax.eq(ramp, lax.full(out_shape, num - 1, cdt))
            out = lax.select(last, expand(stop), out)
    if dtypes.is_int(dt):
        out = lax.floor(out)
    out = lax.convert_element_type(out, dt)
    if retstep:
        return out, lax.convert_element_type(delta, dt) if dtypes.is_inexact(dt) else delta
    return out


def _bcast_to(v, shape):
    s = core.get_aval(v).shape
    if s == shape:
        return v
    return lax.broadcast_in_dim(v, shape, tuple(range(len(shape) - len(s), len(shape))))


def logspace(start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0):
    """base ** linspace(start, stop)."""
    from ._ufuncs import power

    dt = dtypes.check_dtype(dtype)
    if dt is None:
        dt = dtypes.result_type(asarray_any(start), asarray_any(stop), float)
    cdt = dtypes.result_type(dt, float)
    lin = linspace(start, stop, num, endpoint, dtype=cdt, axis=axis)
    base = lax.convert_element_type(asarray_any(base), cdt)
    shape = core.get_aval(lin).shape
    bshape = core.get_aval(base).shape
    nd = len(shape)
    ax = axis % nd
    dims = tuple(i for i in range(nd) if i != ax)
    base = lax.broadcast_in_dim(base, shape, dims[len(dims) - len(bshape) :])
    out = power(base, lin)
    if dtypes.is_int(dt):
        out = lax.floor(out)
    return lax.convert_element_type(out, dt)


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """A geometric progression from start to stop (both of one sign, nonzero); the ends are
    exactly start and stop."""
    from ._ufuncs import absolute, log10, sign

    dt = dtypes.check_dtype(dtype)
    start, stop = asarray_any(start), asarray_any(stop)
    if dt is None:
        dt = dtypes.result_type(start, stop, float)
    cdt = dtypes.result_type(dt, float)
    start = lax.convert_element_type(start, cdt)
    stop = lax.convert_element_type(stop, cdt)
    s = sign(start)
    out = logspace(log10(absolute(start)), log10(absolute(stop)), num, endpoint, 10.0, cdt, axis)
    shape = core.get_aval(out).shape
    nd = len(shape)
    ax = axis % nd
    dims = tuple(i for i in range(nd) if i != ax)

    def expand(v):
        vs = core.get_aval(v).shape
        return lax.broadcast_in_dim(v, shape, dims[len(dims) - len(vs) :])

    out = lax.mul(expand(s), out)
    if num > 0:
        ramp = lax.broadcasted_iota(dtypes.int32, shape, ax)
        out = lax.select(lax.eq(ramp, lax.full(shape, 0, dtypes.int32)), expand(start), out)
        if endpoint and num > 1:
            last = lax.eq(ramp, lax.full(shape, num - 1, dtypes.int32))
            out = lax.select(last, expand(stop), out)
    if dtypes.is_int(dt):
        out = lax.floor(out)
    return lax.convert_element_type(out, dt)


# ---------------------------------------------------------------------------------------------
# matrices: eye, identity, tri, tril, triu, diagflat


def _offset_mask(n, m, k, cmp):
    """cmp(col - row, k) on an (n, m) grid: eq for diagonals, le/ge for triangles."""
    rows = lax.broadcasted_iota(dtypes.int32, (n, m), 0)
    cols = lax.broadcasted_iota(dtypes.int32, (n, m), 1)
    return cmp(lax.sub(cols, rows), lax.full((n, m), int(k), dtypes.int32))


def eye(N, M=None, k=0, dtype=None):
    """Ones on the k-th diagonal of an N x M matrix."""
    n = _dim(N, "N")
    m = n if M is None else _dim(M, "M")
    k = int(_concrete_scalar(k, "eye", "k"))
    dt = dtypes.check_dtype(dtype) or dtypes.default_float()
    return lax.convert_element_type(_offset_mask(n, m, k, lax.eq), dt)


def identity(n, dtype=None):
    return eye(n, dtype=dtype)


def tri(N, M=None, k=0, dtype=None):
    """Ones at and below the k-th diagonal of an N x M matrix."""
    n = _dim(N, "N")
    m = n if M is None else _dim(M, "M")
    k = int(_concrete_scalar(k, "tri", "k"))
    dt = dtypes.check_dtype(dtype) or dtypes.default_float()
    return lax.convert_element_type(_offset_mask(n, m, k, lax.le), dt)


def _triangle(name, cmp):
    def f(m, k=0):
        m = asarray_any(m)
        shape = core.get_aval(m).shape
        if len(shape) < 2:
            raise JTransValueError(
                f"jnp.{name} needs an array of rank at least 2, got shape {shape}"
            )
        k = int(_concrete_scalar(k, name, "k"))
        mask = _offset_mask(shape[-2], shape[-1], k, cmp)
        if len(shape) > 2:
            mask = lax.broadcast_in_dim(mask, shape, (len(shape) - 2, len(shape) - 1))
        return lax.select(mask, m, lax.full_like(m, 0))

    f.__name__ = f.__qualname__ = name
    return f


tril = _triangle("tril", lax.le)
tril.__doc__ = "m with the elements above the k-th diagonal zeroed (last two axes)."
triu = _triangle("triu", lax.ge)
triu.__doc__ = "m with the elements below the k-th diagonal zeroed (last two axes)."


def diagflat(v, k=0):
    """A square matrix with the flattened v on its k-th diagonal."""
    v = asarray_any(v)
    aval = core.get_aval(v)
    n = int(np.prod(aval.shape, dtype=np.int64))
    v = lax.reshape(v, (n,))
    k = int(_concrete_scalar(k, "diagflat", "k"))
    size = n + abs(k)
    # the entry of row r is v[r - max(-k, 0)] (column c = r + k): select it by a one-hot sum
    rows = lax.broadcasted_iota(dtypes.int32, (size, n), 0)
    js = lax.broadcasted_iota(dtypes.int32, (size, n), 1)
    hit = lax.eq(lax.sub(rows, lax.full((size, n), max(-k, 0), dtypes.int32)), js)
    vb = lax.broadcast_in_dim(v, (size, n), (1,))
    per_row = lax.reduce_sum(lax.select(hit, vb, lax.full_like(vb, 0)), (1,))
    mat = lax.broadcast_in_dim(per_row, (size, size), (0,))
    return lax.select(_offset_mask(size, size, k, lax.eq), mat, lax.full_like(mat, 0))


# ---------------------------------------------------------------------------------------------
# grids


def meshgrid(*xi, copy=True, sparse=False, indexing="xy"):
    """Coordinate arrays from 1-D coordinate vectors ('xy': Cartesian, 'ij': matrix)."""
    if indexing not in ("xy", "ij"):
        raise JTransValueError(f"meshgrid's indexing must be 'xy' or 'ij', got {indexing!r}")
    xs = [asarray_any(x) for x in xi]
    for i, x in enumerate(xs):
        if core.get_aval(x).ndim != 1:
            xs[i] = lax.reshape(x, (int(np.prod(core.get_aval(x).shape, dtype=np.int64)),))
    sizes = [core.get_aval(x).shape[0] for x in xs]
    nd = len(xs)
    axes = list(range(nd))
    if indexing == "xy" and nd >= 2:
        axes[0], axes[1] = 1, 0
    shape = [1] * nd
    for x_ax, s in zip(axes, sizes):
        shape[x_ax] = s
    out = []
    for x, ax, s in zip(xs, axes, sizes):
        if sparse:
            sh = [1] * nd
            sh[ax] = s
            out.append(lax.reshape(x, tuple(sh)))
        else:
            out.append(lax.broadcast_in_dim(x, tuple(shape), (ax,)))
    return out


def indices(dimensions, dtype=None, sparse=False):
    """An array (or, sparse, a tuple) of the index grids of an array of shape `dimensions`."""
    dims = _shape(dimensions, "dimensions")
    dt = dtypes.check_dtype(dtype) or dtypes.default_int()
    nd = len(dims)
    if sparse:
        out = []
        for i, d in enumerate(dims):
            sh = [1] * nd
            sh[i] = d
            out.append(lax.broadcasted_iota(dt, tuple(sh), i))
        return tuple(out)
    grids = [lax.broadcasted_iota(dt, (1,) + dims, i + 1) for i in range(nd)]
    if not grids:
        return lax.full((0,), 0, dt)
    return lax.concatenate(grids, 0) if nd > 1 else grids[0]


def fromfunction(function, shape, *, dtype=float, **kwargs):
    """function(i, j, ...) at every index of `shape`, as JAX does it: `function` is vmapped over
    each axis, so it sees scalar indices and may return any shape (or a pytree), which gets
    `shape` as leading dimensions. kwargs are passed to `function` unchanged."""
    from ..api import vmap  # jtrans.api imports jtrans.numpy

    shape = _shape(shape)
    dt = dtypes.check_dtype(dtype)
    fun = functools.partial(function, **kwargs) if kwargs else function
    for i in range(len(shape)):
        fun = vmap(fun, in_axes=tuple(0 if j == len(shape) - 1 - i else None
                                      for j in range(len(shape))))  # fmt: skip
    return fun(*(lax.iota(dt, n) for n in shape))


def _placed(fn, sharding=True):
    """fn with JAX's keyword-only `device=` (and `out_sharding=`): the result is put there
    (a Device, a backend name or a single-device Sharding; under a trace it stays a tracer)."""
    extra = ("device", "out_sharding") if sharding else ("device",)

    def f(*args, device=None, out_sharding=None, **kwargs):
        if out_sharding is not None and not sharding:
            raise TypeError(f"{fn.__name__}() got an unexpected keyword argument 'out_sharding'")
        out = fn(*args, **kwargs)
        target = device if device is not None else out_sharding
        if target is None:
            return out
        from ..array import device_put

        return device_put(out, target)

    functools.update_wrapper(f, fn)
    del f.__wrapped__
    sig = inspect.signature(fn)
    kw = [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, default=None) for n in extra]
    f.__signature__ = sig.replace(parameters=[*sig.parameters.values(), *kw])
    return f


for _name in ("array", "asarray", "zeros", "ones", "empty", "full", "full_like", "zeros_like",
              "ones_like", "arange"):  # fmt: skip
    globals()[_name] = _placed(globals()[_name])
for _name in ("empty_like", "eye", "linspace"):  # JAX: device= only
    globals()[_name] = _placed(globals()[_name], sharding=False)
del _name


__all__ = [
    "arange",
    "array",
    "asarray",
    "diagflat",
    "empty",
    "empty_like",
    "eye",
    "fromfunction",
    "full",
    "full_like",
    "geomspace",
    "identity",
    "indices",
    "linspace",
    "logspace",
    "meshgrid",
    "ones",
    "ones_like",
    "tri",
    "tril",
    "triu",
    "zeros",
    "zeros_like",
]  # fmt: skip
