"""`jnp.ufunc`: NumPy's ufunc object (call, reduce, accumulate, reduceat, outer, at) over a
jtrans function, and `frompyfunc` to make one from any scalar function. The binary ufuncs JAX
exposes as objects (add, multiply, maximum, ...) use their fast reductions; any other function
gets the generic forms, written with lax.scan / lax.fori_loop, so every method traces, batches
and differentiates."""

import functools
import math

import numpy as np

from .. import core, dtypes, lax
from ..errors import JTransValueError
from ._util import asarray_any, canonical_axis, check_arraylike


def _one(x):
    """A scalar of x's dtype (to find a function's result dtype by evaluating it once)."""
    aval = core.get_aval(asarray_any(x))
    return lax.full((), 1, aval.dtype)


def _result_dtype(func, *xs):
    from ..api import eval_shape

    return eval_shape(func, *(_one(x) for x in xs)).dtype


def _moveaxis(x, src, dst):
    from ._shape import moveaxis

    return moveaxis(x, src, dst)


class ufunc:
    """A universal function: `func` applied elementwise with broadcasting, plus the methods
    reduce, accumulate, reduceat, outer (binary ufuncs) and at. `call`, `reduce`, ... override
    the generic implementations (JAX's constructor)."""

    def __init__(self, func, /, nin, nout, *, name=None, nargs=None, identity=None, call=None,
                 reduce=None, accumulate=None, at=None, reduceat=None):  # fmt: skip
        self.__doc__ = func.__doc__
        self.__name__ = name or func.__name__
        self.__qualname__ = self.__name__
        self._props = {
            "func": func,
            "nin": int(nin),
            "nout": int(nout),
            "nargs": int(nargs or nin),
            "identity": identity,
            "call": call,
            "reduce": reduce,
            "accumulate": accumulate,
            "at": at,
            "reduceat": reduceat,
        }

    _func = property(lambda self: self._props["func"])
    nin = property(lambda self: self._props["nin"])
    nout = property(lambda self: self._props["nout"])
    nargs = property(lambda self: self._props["nargs"])
    identity = property(lambda self: self._props["identity"])

    def _key(self):
        return (self._func, self.__name__, self.identity, self.nin, self.nout, self.nargs)

    def __hash__(self):
        return hash(self._key())

    def __eq__(self, other):
        return isinstance(other, ufunc) and self._key() == other._key()

    def __repr__(self):
        return f"<jnp.ufunc '{self.__name__}'>"

    def __get__(self, obj, objtype=None):  # as a class attribute it binds like a function
        return self if obj is None else functools.partial(self, obj)

    def __call__(self, *args, out=None, where=None):
        if out is not None:
            raise NotImplementedError(f"the out argument of {self} is not supported")
        if where is not None:
            raise NotImplementedError(f"the where argument of {self} is not supported")
        call = self._props["call"]
        if call is None:
            from ._extras import vectorize

            check_arraylike(self.__name__, *args)
            call = vectorize(self._func)
        return call(*args)

    def _check_binary(self, method):
        if self.nin != 2:
            raise JTransValueError(f"{self.__name__}.{method} is only supported for binary ufuncs")
        if self.nout != 1:
            raise JTransValueError(
                f"{self.__name__}.{method} is only supported for ufuncs returning one value"
            )

    # ---- reduce ----------------------------------------------------------------------------

    def reduce(self, a, axis=0, dtype=None, out=None, keepdims=False, initial=None, where=None):
        """Combine the entries of `a` along `axis` (default 0; None: all axes) with the ufunc."""
        self._check_binary("reduce")
        check_arraylike(f"{self.__name__}.reduce", a)
        if out is not None:
            raise NotImplementedError(f"the out argument of {self.__name__}.reduce")
        if where is not None:
            check_arraylike(f"{self.__name__}.reduce", where)
            if self.identity is None and initial is None:
                raise JTransValueError(
                    f"reduction operation {self.__name__!r} has no identity, so a where mask "
                    "needs initial= to be given"
                )
            if core.get_aval(asarray_any(where)).dtype != np.bool_:
                raise JTransValueError(
                    f"where must have dtype bool, got {core.get_aval(asarray_any(where)).dtype}"
                )
        red = self._props["reduce"] or self._reduce_via_scan
        return red(a, axis=axis, dtype=dtype, keepdims=keepdims, initial=initial, where=where)

    def _reduce_via_scan(self, a, axis=0, dtype=None, keepdims=False, initial=None, where=None):
        a = asarray_any(a)
        shape = core.get_aval(a).shape
        if initial is None:
            initial = self.identity
        dt = dtypes.check_dtype(dtype) if dtype is not None else _result_dtype(self._func, a, a)
        if where is not None:
            where = lax.broadcast_in_dim(asarray_any(where), shape, _trailing(where, shape))
        if isinstance(axis, tuple):
            if len(axis) != 1:
                raise NotImplementedError(
                    f"{self.__name__}.reduce over a tuple of axes (only the built-in ufuncs "
                    "add, multiply, maximum, ... support it)"
                )
            axis = axis[0]
        if axis is None:
            final = (1,) * len(shape) if keepdims else ()
            a = lax.reshape(a, (math.prod(shape),))
            where = None if where is None else lax.reshape(where, (math.prod(shape),))
            axis = 0
        else:
            axis = canonical_axis(axis, len(shape))
            final = shape[:axis] + ((1,) if keepdims else ()) + shape[axis + 1 :]
            a = _moveaxis(a, axis, 0)
            where = None if where is None else _moveaxis(where, axis, 0)
        n = core.get_aval(a).shape[0]
        rest = core.get_aval(a).shape[1:]
        a = lax.convert_element_type(a, dt)
        if n == 0:
            if initial is None:
                raise JTransValueError(
                    f"zero-size array to reduction operation {self.__name__} which has no "
                    "identity; pass initial="
                )
            return lax.full(final, initial, dt)
        if initial is None:
            start, xs = lax.index_in_dim(a, 0, keepdims=False), lax.slice_in_dim(a, 1, n)
            ws = None if where is None else lax.slice_in_dim(where, 1, n)
        else:
            init = lax.convert_element_type(asarray_any(initial), dt)
            start = lax.broadcast_in_dim(init, rest, ())
            xs, ws = a, where

        def step(carry, x):
            if ws is None:
                return self(carry, x), None
            x, w = x
            return lax.select(w, self(carry, x), carry), None

        res, _ = lax.scan(step, start, xs if ws is None else (xs, ws))
        res = lax.convert_element_type(res, dt)
        return lax.reshape(res, final)

    # ---- accumulate ------------------------------------------------------------------------

    def accumulate(self, a, axis=0, dtype=None, out=None):
        """The running reduction along `axis`: out[i] = reduce(a[: i + 1])."""
        self._check_binary("accumulate")
        if out is not None:
            raise NotImplementedError(f"the out argument of {self.__name__}.accumulate")
        acc = self._props["accumulate"] or self._accumulate_via_scan
        return acc(a, axis=axis, dtype=dtype)

    def _accumulate_via_scan(self, a, axis=0, dtype=None):
        check_arraylike(f"{self.__name__}.accumulate", a)
        a = asarray_any(a)
        dt = dtypes.check_dtype(dtype) if dtype is not None else _result_dtype(self._func, a, a)
        if axis is None or isinstance(axis, tuple):
            raise JTransValueError(f"{self.__name__}.accumulate takes one integer axis")
        shape = core.get_aval(a).shape
        axis = canonical_axis(axis, len(shape))
        if math.prod(shape) == 0:
            return lax.full(shape, 0, dt)
        a = lax.convert_element_type(_moveaxis(a, axis, 0), dt)
        first = lax.index_in_dim(a, 0, keepdims=False)

        def step(carry, x):
            y = lax.convert_element_type(self(carry, x), dt)
            return y, y

        _, rest = lax.scan(step, first, lax.slice_in_dim(a, 1, shape[axis]))
        res = lax.concatenate([lax.expand_dims(first, (0,)), rest], 0)
        return _moveaxis(res, 0, axis)

    # ---- at --------------------------------------------------------------------------------

    def at(self, a, indices, b=None, /, *, inplace=True):
        """a with the ufunc applied at `indices` (unbuffered: repeated indices apply again), as
        NumPy's in-place ufunc.at; jtrans arrays are immutable, so pass inplace=False."""
        if inplace:
            raise NotImplementedError(
                f"{self.__name__}.at: jtrans arrays are immutable; pass inplace=False to get "
                "the updated array (or use a.at[indices].add(b) and friends)"
            )
        at = self._props["at"] or self._at_via_scan
        return at(a, indices) if b is None else at(a, indices, b)

    def _at_via_scan(self, a, indices, *args):
        check_arraylike(f"{self.__name__}.at", a, *args)
        dt = _result_dtype(self._func, a, *args)
        a = lax.convert_element_type(asarray_any(a), dt)
        args = tuple(lax.convert_element_type(asarray_any(x), dt) for x in args)
        idx = indices if isinstance(indices, tuple) else (indices,)
        idx = tuple(i if isinstance(i, slice) or i is None or i is Ellipsis else asarray_any(i)
                    for i in idx)  # fmt: skip
        arrs = [i for i in idx if not (isinstance(i, slice) or i is None or i is Ellipsis)]
        shp = tuple(np.broadcast_shapes(*(core.get_aval(i).shape for i in arrs))) if arrs else ()
        if not shp:
            return a.at[idx].set(self(a.at[idx].get(), *args))
        k = math.prod(shp)
        if args:
            b = args[0]
            bs = core.get_aval(b).shape
            full = shp + bs[len(shp) :] if len(bs) > len(shp) else shp
            b = lax.broadcast_in_dim(b, full, _trailing(b, full))
            args = (lax.reshape(b, (k,) + full[len(shp) :]),)

        def flat(i):
            if isinstance(i, slice) or i is None or i is Ellipsis:
                return i
            return lax.reshape(lax.broadcast_in_dim(i, shp, _trailing(i, shp)), (k,))

        idx = tuple(flat(i) for i in idx)

        def step(carry, xs):
            j, *vals = xs
            sel = tuple(i if isinstance(i, slice) or i is None or i is Ellipsis
                        else lax.dynamic_index_in_dim(i, j, keepdims=False) for i in idx)  # fmt: skip
            return carry.at[sel].set(self(carry.at[sel].get(), *vals)), None

        out, _ = lax.scan(step, a, (lax.iota(dtypes.int32, k), *args))
        return out

    # ---- reduceat --------------------------------------------------------------------------

    def reduceat(self, a, indices, axis=0, dtype=None, out=None):
        """Reductions over the slices [indices[i], indices[i+1]) along `axis` (the entry at
        indices[i] alone where indices[i] >= indices[i+1]), as NumPy's."""
        self._check_binary("reduceat")
        if out is not None:
            raise NotImplementedError(f"the out argument of {self.__name__}.reduceat")
        red = self._props["reduceat"] or self._reduceat_via_loop
        return red(a, indices, axis=axis, dtype=dtype)

    def _reduceat_via_loop(self, a, indices, axis=0, dtype=None):
        from ._indexing import take

        check_arraylike(f"{self.__name__}.reduceat", a, indices)
        a, indices = asarray_any(a), asarray_any(indices)
        shape = core.get_aval(a).shape
        if not shape:
            raise JTransValueError(f"reduceat: a must have 1 or more dimensions, got {shape}")
        if core.get_aval(indices).ndim != 1:
            raise JTransValueError(
                f"reduceat: indices must be one-dimensional, got {core.get_aval(indices).shape}"
            )
        if axis is None or isinstance(axis, (tuple, list)):
            raise JTransValueError("reduceat requires a single integer axis")
        axis = canonical_axis(axis, len(shape))
        if dtype is not None:
            a = lax.convert_element_type(a, dtypes.check_dtype(dtype))
        n, m = shape[axis], core.get_aval(indices).shape[0]
        indices = lax.convert_element_type(indices, dtypes.int32)
        res = take(a, indices, axis=axis)
        ends = lax.concatenate([lax.slice_in_dim(indices, 1, m), lax.full((1,), n, dtypes.int32)],
                               0)  # fmt: skip
        out_shape = core.get_aval(res).shape
        starts_b = lax.broadcast_in_dim(indices, out_shape, (axis,))
        ends_b = lax.broadcast_in_dim(ends, out_shape, (axis,))

        def body(i, acc):
            row = lax.dynamic_index_in_dim(a, i, axis, keepdims=True)
            upd = lax.convert_element_type(self(acc, row), core.get_aval(acc).dtype)
            ib = lax.full(out_shape, i, dtypes.int32)
            inside = lax.bitwise_and(lax.gt(ib, starts_b), lax.lt(ib, ends_b))
            return lax.select(inside, upd, acc)

        return lax.fori_loop(0, n, body, res)

    # ---- outer -----------------------------------------------------------------------------

    def outer(self, A, B, /):
        """func(A[i, j, ...], B[k, l, ...]) for every pair: shape A.shape + B.shape."""
        self._check_binary("outer")
        check_arraylike(f"{self.__name__}.outer", A, B)
        A, B = asarray_any(A), asarray_any(B)
        sa, sb = core.get_aval(A).shape, core.get_aval(B).shape
        return self(lax.reshape(A, sa + (1,) * len(sb)), B)


def _trailing(x, shape):
    """broadcast_in_dim dimensions placing x's axes at the end of `shape` (NumPy broadcasting)."""
    nd = core.get_aval(asarray_any(x)).ndim
    return tuple(range(len(shape) - nd, len(shape)))


def frompyfunc(func, /, nin, nout, *, identity=None):
    """A ufunc from a scalar function of `nin` arguments returning `nout` values (it is
    vectorized with jnp.vectorize; its methods are the generic scan-based forms)."""
    return ufunc(func, nin, nout, identity=identity)


# ---- the built-in ufunc objects -------------------------------------------------------------


def _cast(a, dtype):
    a = asarray_any(a)
    return a if dtype is None else lax.convert_element_type(a, dtypes.check_dtype(dtype))


def _bitwise_reduce(lax_fn, op, identity):
    def reduce(a, axis=0, dtype=None, keepdims=False, initial=None, where=None):
        from ._reductions import _apply_where, _keepdims
        from ._util import canonical_axes

        a = _cast(a, dtype)
        aval = core.get_aval(a)
        if not (dtypes.is_int(aval.dtype) or aval.dtype == np.bool_):
            raise JTransValueError(
                f"bitwise reductions need integer or boolean arrays, got {aval.dtype}"
            )
        axes = canonical_axes(axis, aval.ndim)
        ident = identity if aval.dtype != np.bool_ else bool(identity)
        a = _apply_where(a, where, ident)
        res = lax_fn(a, axes)
        if initial is not None:
            init = lax.convert_element_type(asarray_any(initial), aval.dtype)
            res = op(res, lax.broadcast_in_dim(init, core.get_aval(res).shape, ()))
        return _keepdims(res, aval.shape, axes) if keepdims else res

    return reduce


def _logical_reduce(jnp_fn, op, identity):
    def reduce(a, axis=0, dtype=None, keepdims=False, initial=None, where=None):
        res = jnp_fn(a, axis=axis, keepdims=keepdims, where=where)
        if initial is not None:
            init = lax.ne(
                asarray_any(initial), lax.full((), 0, core.get_aval(asarray_any(initial)).dtype)
            )
            res = op(res, lax.broadcast_in_dim(init, core.get_aval(res).shape, ()))
        return res if dtype is None else lax.convert_element_type(res, dtypes.check_dtype(dtype))

    return reduce


def _minmax_reduce(jnp_fn):
    def reduce(a, axis=0, dtype=None, keepdims=False, initial=None, where=None):
        return jnp_fn(_cast(a, dtype), axis=axis, keepdims=keepdims, initial=initial, where=where)

    return reduce


def _at_method(name):
    def at(a, indices, b):
        return getattr(asarray_any(a).at[indices], name)(b)

    return at


def make_builtin_ufuncs(ns):
    """Replace the plain binary functions in namespace `ns` (jtrans.numpy's) by ufunc objects,
    as in JAX: add, multiply, subtract, maximum, minimum, negative, logaddexp, logaddexp2 and the
    bitwise and logical and/or/xor."""
    from . import _reductions as R

    def cumulative(fn):
        return lambda a, axis=0, dtype=None: fn(a, axis=axis, dtype=dtype)

    table = {
        "add": dict(nin=2, identity=0, reduce=R.sum, accumulate=cumulative(R.cumsum),
                    at=_at_method("add")),
        "multiply": dict(nin=2, identity=1, reduce=R.prod, accumulate=cumulative(R.cumprod),
                         at=_at_method("multiply")),
        "subtract": dict(nin=2, identity=None, at=_at_method("subtract")),
        "maximum": dict(nin=2, identity=None, reduce=_minmax_reduce(R.max), at=_at_method("max")),
        "minimum": dict(nin=2, identity=None, reduce=_minmax_reduce(R.min), at=_at_method("min")),
        "bitwise_and": dict(nin=2, identity=-1,
                            reduce=_bitwise_reduce(lax.reduce_and, lax.bitwise_and, -1)),
        "bitwise_or": dict(nin=2, identity=0,
                           reduce=_bitwise_reduce(lax.reduce_or, lax.bitwise_or, 0)),
        "bitwise_xor": dict(nin=2, identity=0,
                            reduce=_bitwise_reduce(lax.reduce_xor, lax.bitwise_xor, 0)),
        "logical_and": dict(nin=2, identity=True,
                            reduce=_logical_reduce(R.all, lax.bitwise_and, True)),
        "logical_or": dict(nin=2, identity=False,
                           reduce=_logical_reduce(R.any, lax.bitwise_or, False)),
        "logical_xor": dict(nin=2, identity=False),
        "logaddexp": dict(nin=2, identity=-np.inf),
        "logaddexp2": dict(nin=2, identity=-np.inf),
        "negative": dict(nin=1, identity=None),
    }  # fmt: skip
    for name, kw in table.items():
        f = ns[name]
        if isinstance(f, ufunc):
            continue
        nin = kw.pop("nin")
        ns[name] = ufunc(f, nin, 1, name=name, call=f, **kw)
