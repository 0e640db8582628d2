"""The rest of jax.numpy's API: functional helpers (vectorize, apply_along_axis), statistics
(cov, histogram, bincount), set operations, polynomials, index helpers, window functions,
bit packing and small utilities.

Everything is written with jnp / lax functions, so it traces, differentiates and batches wherever
JAX's does. Functions whose output shape depends on the values are concrete-only unless they take
`size=` (then the result is cut or padded to `size` entries, as in JAX).
"""

import builtins
import collections
import math
import operator
import re

import numpy as np

from .. import core, dtypes, lax
from .. import numpy as jnp  # the package: attributes are read at call time
from ..errors import JTransTypeError, JTransValueError
from ._util import (
    asarray_any,
    broadcast_to_shape,
    canonical_axes,
    canonical_axis,
    check_arraylike,
    promote_dtypes,
)

_range = builtins.range


def _arr(x, name):
    check_arraylike(name, x)
    return asarray_any(x)


def _shape(x):
    return core.get_aval(x).shape


def _ndim(x):
    return core.get_aval(x).ndim


def _dtype(x):
    return core.get_aval(x).dtype


def _to_inexact(dt):
    """JAX's to_inexact_dtype: bool and ints up to 32 bits become float32, 64-bit ints float64
    (then canonicalized, so float32 without x64)."""
    dt = np.dtype(dt)
    if dtypes.is_inexact(dt):
        return dt
    return dtypes.canonicalize_dtype(np.float64 if dt.itemsize >= 8 else np.float32)


def _inexact(*args):
    """promote_dtypes, with integer/bool results made floating (JAX's promote_dtypes_inexact)."""
    args = promote_dtypes(*[asarray_any(a) for a in args])
    dt = _dtype(args[0])
    if not dtypes.is_inexact(dt):
        args = [lax.convert_element_type(a, _to_inexact(dt), a.weak_type) for a in args]
    return args


def _concrete(x, what):
    """x's value as a NumPy array, or a ConcretizationTypeError saying `what` needs it."""
    if isinstance(x, core.Tracer):
        return np.asarray(core.concrete_or_error(x, what))
    return np.asarray(x)


def _is_traced(x):
    return isinstance(x, core.Tracer) and x.to_concrete_value() is None


def _static_int(x, what):
    if isinstance(x, core.Tracer):
        return int(core.concrete_or_error(x, what))
    return operator.index(x)


def _wrap_np(v, dtype=None):
    """A concrete NumPy result as a jtrans Array with the canonical (or given) dtype."""
    v = np.asarray(v)
    return asarray_any(v.astype(dtypes.canonicalize_dtype(dtype or v.dtype)))


def _int(x):
    return lax.convert_element_type(x, dtypes.default_int())


# ---------------------------------------------------------------------------------------------
# functional helpers


def apply_along_axis(func1d, axis, arr, *args, **kwargs):
    """func1d applied to 1-D slices of arr along axis (one vmap per other axis)."""
    from ..api import vmap

    arr = _arr(arr, "apply_along_axis")
    nd = _ndim(arr)
    axis = canonical_axis(axis, nd)

    def func(x):
        return func1d(x, *args, **kwargs)

    for i in _range(1, nd - axis):
        func = vmap(func, in_axes=i, out_axes=-1)
    for _ in _range(axis):
        func = vmap(func, in_axes=0, out_axes=0)
    return func(arr)


def apply_over_axes(func, a, axes):
    """func(a, axis) applied repeatedly; a reduced axis is kept as size 1."""
    a = _arr(a, "apply_over_axes")
    for axis in [axes] if np.ndim(axes) == 0 else axes:
        b = func(a, axis)
        if _ndim(b) == _ndim(a):
            a = b
        elif _ndim(b) == _ndim(a) - 1:
            a = jnp.expand_dims(b, axis)
        else:
            raise JTransValueError(
                "function is not returning an array of the correct shape: apply_over_axes "
                f"needs func(a, axis) to keep or drop one axis; got shape {_shape(b)} from "
                f"an input of shape {_shape(a)}"
            )
    return a


_DIM = r"\w+"
_CORE = rf"(?:{_DIM}(?:,{_DIM})*)?"
_ARG = rf"\({_CORE}\)"
_ARGLIST = rf"{_ARG}(?:,{_ARG})*"
_SIGNATURE = rf"^{_ARGLIST}->{_ARGLIST}$"


def _parse_signature(signature):
    sig = signature.replace(" ", "")
    if not re.match(_SIGNATURE, sig):
        raise JTransValueError(f"not a valid gufunc signature: {signature!r}")
    ins, outs = (
        [tuple(re.findall(_DIM, a)) for a in re.findall(_ARG, part)] for part in sig.split("->")
    )
    return ins, outs


def _update_dim_sizes(sizes, shape, core_dims, context, is_input):
    n = len(core_dims)
    if is_input and len(shape) < n:
        raise JTransValueError(
            f"input with shape {shape} does not have enough dimensions for all core dimensions "
            f"{core_dims} {context}"
        )
    if not is_input and len(shape) != n:
        raise JTransValueError(
            f"output shape {shape} does not match core dimensions {core_dims} {context}"
        )
    for dim, size in zip(core_dims, shape[len(shape) - n :] if n else ()):
        if sizes.setdefault(dim, size) != size:
            raise JTransValueError(
                f"inconsistent size for core dimension {dim!r}: {size} vs {sizes[dim]} {context}"
            )


def vectorize(pyfunc, *, excluded=frozenset(), signature=None):
    """NumPy's vectorize, built from vmap: pyfunc sees one element (or one core slice, with a
    gufunc `signature` like "(m,n),(n)->(m)") of the broadcast inputs. Keyword arguments not
    in `excluded` are vectorized too, as in NumPy (they come after the positional arguments in
    the signature); excluded ones and None arguments are passed through unchanged."""
    import functools

    from ..api import vmap

    if any(not isinstance(e, (str, int)) for e in excluded):
        raise JTransTypeError(
            f"jnp.vectorize can only exclude integer or string arguments, got {excluded!r}"
        )
    if any(isinstance(e, int) and e < 0 for e in excluded):
        raise JTransValueError(f"excluded={excluded!r} contains negative numbers")

    @functools.wraps(pyfunc)
    def wrapped(*args, **kwargs):
        context = f"on vectorized function with excluded={excluded!r} and signature={signature!r}"
        static_args = [(i, args[i]) for i in sorted(e for e in excluded if isinstance(e, int))
                       if i < len(args)]  # fmt: skip
        static_kw = {k: v for k, v in kwargs.items() if k in excluded}
        kw_names = [k for k in kwargs if k not in excluded]
        args = [a for i, a in enumerate(args) if i not in excluded]
        n_pos = len(args)
        args += [kwargs[k] for k in kw_names]

        if signature is not None:
            in_core, out_core = _parse_signature(signature)
        else:
            in_core, out_core = [()] * len(args), None
        if len(args) != len(in_core):
            raise JTransTypeError(
                f"wrong number of arguments: expected {len(in_core)} (positional, then keyword "
                f"arguments not excluded), got {len(args)} {context}"
            )
        none_args = {i for i, a in enumerate(args) if a is None}
        if any(in_core[i] != () for i in none_args):
            raise JTransValueError(
                f"cannot pass None at argument positions {sorted(none_args)} with "
                f"signature={signature!r}: only arguments with no core dimensions may be None"
            )
        in_core = [d for i, d in enumerate(in_core) if i not in none_args]
        slots = [i for i in range(len(args)) if i not in none_args]  # positions of dyn args
        args = [asarray_any(args[i]) for i in slots]
        sizes, loop_shapes = {}, []
        for a, cd in zip(args, in_core):
            _update_dim_sizes(sizes, _shape(a), cd, context, True)
            loop_shapes.append(_shape(a)[: _ndim(a) - len(cd)])
        loop = jnp.broadcast_shapes(*loop_shapes) if loop_shapes else ()

        def call(*dyn):
            full = [None] * (len(none_args) + len(dyn))
            for i, v in zip(slots, dyn):
                full[i] = v
            pos, kw = full[:n_pos], dict(zip(kw_names, full[n_pos:]))
            for i, v in static_args:
                pos.insert(i, v)
            out = pyfunc(*pos, **kw, **static_kw)
            if out_core is None:
                return out
            outs = out if isinstance(out, tuple) else (out,)
            if len(outs) != len(out_core):
                raise JTransTypeError(
                    f"wrong number of output arguments: expected {len(out_core)}, got "
                    f"{len(outs)} {context}"
                )
            osizes = dict(sizes)
            for o, cd in zip(outs, out_core):
                _update_dim_sizes(osizes, np.shape(o), cd, context, False)
            return out

        # drop size-1 loop dims (they broadcast: in_axes None), one vmap per remaining loop dim
        squeezed, rev_filled = [], []
        for a, ls in zip(args, loop_shapes):
            rev_filled.append(((1,) * (len(loop) - len(ls)) + ls)[::-1])
            squeezed.append(jnp.squeeze(a, tuple(i for i, s in enumerate(ls) if s == 1)))
        f, expand = call, []
        for negdim, sizes_at in enumerate(zip(*rev_filled)):
            in_axes = tuple(None if s == 1 else 0 for s in sizes_at)
            if all(ax is None for ax in in_axes):
                expand.append(len(loop) - 1 - negdim)
            else:
                f = vmap(f, in_axes=in_axes)
        out = f(*squeezed)
        if not expand:
            return out
        if isinstance(out, tuple):
            return tuple(jnp.expand_dims(o, tuple(expand)) for o in out)
        return jnp.expand_dims(out, tuple(expand))

    return wrapped


# ---------------------------------------------------------------------------------------------
# counting, differences, statistics


def bincount(x, weights=None, minlength=0, *, length=None):
    """Counts of each non-negative int in x (negatives count as 0); `length` must be given
    under jit/vmap."""
    x = _arr(x, "bincount")
    if _dtype(x) == np.bool_:
        x = lax.convert_element_type(x, dtypes.int32)
    if _dtype(x).kind not in "iu":
        raise JTransTypeError(f"x argument to bincount must have an integer type; got {_dtype(x)}")
    if _ndim(x) != 1:
        raise JTransValueError(f"bincount: only 1-dimensional input supported, got {_shape(x)}")
    minlength = _static_int(minlength, "argument 'minlength' of jnp.bincount")
    if length is None:
        xv = _concrete(
            x, "jnp.bincount without length= (the output size depends on the values of x); "
            "pass a static length= to use it under jit/vmap"
        )  # fmt: skip
        length = builtins.max(minlength, xv.size and int(builtins.max(0, xv.max())) + 1)
    else:
        length = _static_int(length, "argument 'length' of jnp.bincount")
    if weights is None:
        weights = lax.full((), 1, dtypes.default_int())
    else:
        weights = _arr(weights, "bincount")
        if _shape(weights) != _shape(x):
            raise JTransValueError(
                f"bincount: weights must have the shape of x, got {_shape(weights)} and {_shape(x)}"
            )
    return jnp.zeros(length, _dtype(weights)).at[jnp.clip(x, 0)].add(weights, mode="drop")


def diff(a, n=1, axis=-1, prepend=None, append=None):
    """n-th discrete difference along axis (bool arrays use !=)."""
    arr = _arr(a, "diff")
    n = operator.index(n)
    if n == 0:
        return arr
    if n < 0:
        raise JTransValueError(f"order must be non-negative but got {n}")
    if _ndim(arr) == 0:
        raise JTransValueError(f"diff requires input that is at least one dimensional; got {a}")
    nd = _ndim(arr)
    axis = canonical_axis(axis, nd)

    def edge(e):
        e = asarray_any(e)
        if _ndim(e) == 0:
            shape = list(_shape(arr))
            shape[axis] = 1
            e = jnp.broadcast_to(e, tuple(shape))
        return e

    parts = [arr]
    if prepend is not None:
        parts.insert(0, edge(prepend))
    if append is not None:
        parts.append(edge(append))
    if len(parts) > 1:
        arr = jnp.concatenate(parts, axis)
    op = jnp.not_equal if _dtype(arr) == np.bool_ else jnp.subtract
    for _ in _range(n):
        m = _shape(arr)[axis]
        hi = lax.slice_in_dim(arr, 1 if m else 0, m, axis=axis)
        lo = lax.slice_in_dim(arr, 0, builtins.max(m - 1, 0), axis=axis)
        arr = op(hi, lo)
    return arr


def ediff1d(ary, to_end=None, to_begin=None):
    """Differences of the flattened array, with optional values before and after (cast to the
    array's dtype, as in JAX)."""
    arr = jnp.ravel(_arr(ary, "ediff1d"))
    m = _shape(arr)[0]
    result = lax.sub(lax.slice_in_dim(arr, 1 if m else 0, m),
                     lax.slice_in_dim(arr, 0, builtins.max(m - 1, 0)))  # fmt: skip
    if to_begin is not None:
        result = jnp.concatenate([jnp.ravel(jnp.asarray(to_begin, _dtype(arr))), result])
    if to_end is not None:
        result = jnp.concatenate([result, jnp.ravel(jnp.asarray(to_end, _dtype(arr)))])
    return result


def digitize(x, bins, right=False, *, method=None):
    """Indices of the bins (monotonic, increasing or decreasing) that x falls in."""
    check_arraylike("digitize", x, bins)
    x = asarray_any(x)
    bins = asarray_any(bins)
    if _ndim(bins) != 1:
        raise JTransValueError(f"digitize: bins must be a 1-dimensional array; got {_shape(bins)}")
    nb = _shape(bins)[0]
    if nb == 0:
        return jnp.zeros(_shape(x), dtypes.default_int())
    side = "left" if right else "right"
    inc = jnp.searchsorted(bins, x, side=side)
    dec = nb - jnp.searchsorted(bins[::-1], x, side=side)
    return jnp.where(bins[-1] >= bins[0], inc, dec)


def cov(m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None,
        dtype=None):  # fmt: skip
    """Covariance matrix of the rows (rowvar) or columns of m (and y), with optional frequency
    and analytic weights, computed in `dtype` if given."""
    if dtype is not None:
        check_arraylike("cov", m)
        m = lax.convert_element_type(asarray_any(m), dtypes.check_dtype(dtype))
        if y is not None:
            check_arraylike("cov", y)
            y = lax.convert_element_type(asarray_any(y), dtypes.check_dtype(dtype))
    if y is not None:
        check_arraylike("cov", m, y)
        m, y = _inexact(m, y)
        if _ndim(y) > 2:
            raise JTransValueError(f"cov: y has more than 2 dimensions: {_shape(y)}")
    else:
        check_arraylike("cov", m)
        (m,) = _inexact(m)
    if _ndim(m) > 2:
        raise JTransValueError(f"cov: m has more than 2 dimensions: {_shape(m)}")
    X = jnp.atleast_2d(m)
    if not rowvar and _ndim(m) != 1:
        X = X.T
    if _shape(X)[0] == 0:
        return jnp.zeros((0, 0), _dtype(X))
    if y is not None:
        yy = jnp.atleast_2d(y)
        if not rowvar and _shape(yy)[0] != 1:
            yy = yy.T
        X = jnp.concatenate([X, yy], axis=0)
    if ddof is None:
        ddof = 1 if not bias else 0
    w = None
    if fweights is not None:
        fw = _arr(fweights, "cov")
        if _ndim(fw) > 1:
            raise JTransValueError("cov: cannot handle multidimensional fweights")
        if _shape(fw)[0] != _shape(X)[1]:
            raise JTransValueError("cov: incompatible numbers of samples and fweights")
        if _dtype(fw).kind not in "iub":
            raise JTransTypeError("cov: fweights must be integer")
        w = fw
    if aweights is not None:
        aw = _arr(aweights, "cov")
        if _ndim(aw) > 1:
            raise JTransValueError("cov: cannot handle multidimensional aweights")
        if _shape(aw)[0] != _shape(X)[1]:
            raise JTransValueError("cov: incompatible numbers of samples and aweights")
        w = aw if w is None else w * aw
    if w is None:
        avg = jnp.mean(X, axis=1)
        f = _shape(X)[1] - ddof
    else:
        w = lax.convert_element_type(w, _dtype(X))
        w_sum = jnp.sum(w)
        avg = jnp.sum(X * w, axis=1) / w_sum
        if ddof == 0:
            f = w_sum
        elif aweights is None:
            f = w_sum - ddof
        else:
            f = w_sum - ddof * jnp.sum(w * aw) / w_sum
    X = X - avg[:, None]
    X_T = X.T if w is None else (X * w).T
    return jnp.squeeze(jnp.true_divide(jnp.dot(X, jnp.conj(X_T)), f))


def corrcoef(x, y=None, rowvar=True, dtype=None):
    """Pearson correlation coefficients (cov normalised by the standard deviations)."""
    check_arraylike("corrcoef", x)
    c = cov(x, y, rowvar)
    if dtype is not None:
        c = c.astype(dtype)
    if _ndim(c) == 0:
        return jnp.divide(c, c)
    d = jnp.diag(c)
    std = jnp.sqrt(jnp.real(d)).astype(_dtype(c))
    c = c / std[:, None] / std[None, :]
    re_ = jnp.clip(jnp.real(c), -1, 1)
    if jnp.iscomplexobj(c):
        return lax.complex(re_, jnp.clip(jnp.imag(c), -1, 1))
    return re_


def gradient(f, *varargs, axis=None, edge_order=None):
    """Second-order central differences inside, first-order at the edges (edge_order=1);
    spacings are scalars or 1-D coordinate arrays, one per axis."""
    if edge_order is not None and edge_order != 1:
        raise NotImplementedError(
            "jnp.gradient: edge_order=2 is not supported (as in JAX); use the default "
            "first-order edges"
        )
    (a,) = _inexact(_arr(f, "gradient"))
    axes = canonical_axes(axis, _ndim(a))
    if not axes:
        return []
    if builtins.min(_shape(a)[i] for i in axes) < 2:
        raise JTransValueError(
            "Shape of array too small to calculate a numerical gradient, at least 2 elements "
            f"are required along every axis; got shape {_shape(a)}"
        )
    if len(varargs) == 0:
        dx = [1.0] * len(axes)
    elif len(varargs) == 1:
        dx = list(varargs) * len(axes)
    elif len(varargs) == len(axes):
        dx = list(varargs)
    else:
        raise JTransTypeError(
            f"gradient: invalid number of spacing arguments ({len(varargs)}) for {len(axes)} axes"
        )
    out = [_gradient_along(a, h, ax) for ax, h in zip(axes, dx)]
    return out[0] if len(axes) == 1 else out


def _gradient_along(a, h, axis):
    def sl(x, lo, hi):
        n = _shape(x)[axis]
        hi = n if hi is None else hi + n if hi < 0 else hi
        return lax.slice_in_dim(x, lo + n if lo < 0 else lo, hi, axis=axis)

    first = sl(a, 1, 2) - sl(a, 0, 1)
    last = sl(a, -1, None) - sl(a, -2, -1)
    if np.ndim(h) == 0:
        inner = (sl(a, 2, None) - sl(a, 0, -2)) * 0.5 / h
        return jnp.concatenate([first / h, inner, last / h], axis=axis)
    h = asarray_any(h)
    if _ndim(h) != 1:
        raise JTransValueError("gradient: spacing arrays must be 1-D arrays or scalars")
    n = _shape(a)[axis]
    if _shape(h)[0] != n:
        raise JTransValueError(
            f"gradient: the spacing array has length {_shape(h)[0]}, but the array has "
            f"{n} entries along axis {axis}"
        )
    shape = [1] * _ndim(a)
    shape[axis] = n
    h = jnp.reshape(h, shape)
    first = first / (sl(h, 1, 2) - sl(h, 0, 1))
    last = last / (sl(h, -1, None) - sl(h, -2, -1))
    dx1 = sl(h, 1, -1) - sl(h, 0, -2)
    dx2 = sl(h, 2, None) - sl(h, 1, -1)
    c_lo = -dx2 / (dx1 * (dx1 + dx2))
    c_mid = (dx2 - dx1) / (dx1 * dx2)
    c_hi = dx1 / (dx2 * (dx1 + dx2))
    inner = c_lo * sl(a, 0, -2) + c_mid * sl(a, 1, -1) + c_hi * sl(a, 2, None)
    return jnp.concatenate([first, inner, last], axis=axis)


def trapezoid(y, x=None, dx=1.0, axis=-1):
    """Integral of y (sampled at x, or with spacing dx) by the trapezoidal rule."""
    if x is None:
        (y,) = _inexact(_arr(y, "trapezoid"))
        d = asarray_any(dx)
    else:
        check_arraylike("trapezoid", y, x)
        y, x = _inexact(y, x)
        d = jnp.diff(x) if _ndim(x) == 1 else jnp.moveaxis(jnp.diff(x, axis=axis), axis, -1)
    y = jnp.moveaxis(y, axis, -1)
    m = _shape(y)[-1]
    hi = lax.slice_in_dim(y, 1 if m else 0, m, axis=_ndim(y) - 1)
    lo = lax.slice_in_dim(y, 0, builtins.max(m - 1, 0), axis=_ndim(y) - 1)
    return 0.5 * jnp.sum(d * (hi + lo), axis=-1)


def unwrap(p, discont=None, axis=-1, period=2 * np.pi):
    """p with jumps larger than discont replaced by their period-complement."""
    p = _arr(p, "unwrap")
    p, period = promote_dtypes(p, period)
    if dtypes.issubdtype(_dtype(p), np.complexfloating):
        raise JTransValueError("jnp.unwrap does not support complex inputs.")
    if _shape(p)[axis] == 0:
        return p
    if discont is None:
        discont = period / 2
    interval = period // 2 if _dtype(p).kind in "iu" else period / 2
    dd = jnp.diff(p, axis=axis)
    ddmod = jnp.mod(dd + interval, period) - interval
    ddmod = jnp.where((ddmod == -interval) & (dd > 0), interval, ddmod)
    correct = jnp.where(jnp.abs(dd) < discont, 0, ddmod - dd)
    axis = canonical_axis(axis, _ndim(p))
    n = _shape(p)[axis]
    head = lax.slice_in_dim(p, 0, 1, axis=axis)
    rest = lax.slice_in_dim(p, 1, n, axis=axis) + jnp.cumsum(correct, axis=axis)
    return jnp.concatenate([head, rest], axis=axis)


# ---------------------------------------------------------------------------------------------
# histograms


def histogram_bin_edges(a, bins=10, range=None, weights=None):
    """Edges of `bins` equal bins over range (default: [a.min(), a.max()]), or bins itself
    when it is an array of edges."""
    arr = _arr(a, "histogram_bin_edges")
    if isinstance(bins, str):
        bins = _string_bins(arr, bins, range, weights)
    dt = _to_inexact(_dtype(arr))
    if np.ndim(bins) == 1:
        return jnp.asarray(bins, dtype=dt)
    nbins = _static_int(bins, "the bins argument of histogram_bin_edges")
    if range is None:
        lo, hi = jnp.min(arr), jnp.max(arr)
    else:
        rng = jnp.asarray(range, dtype=dt) if not isinstance(range, (list, tuple)) else None
        if rng is None:
            if len(range) != 2:
                raise JTransValueError(
                    f"`range` must be either None or a sequence of two scalars, got {range}"
                )
            lo, hi = range
        else:
            if _shape(rng) != (2,):
                raise JTransValueError(
                    f"`range` must be either None or a sequence of two scalars, got {range}"
                )
            lo, hi = rng[0], rng[1]
    lo = jnp.asarray(lo, dtype=dt)
    hi = jnp.asarray(hi, dtype=dt)
    same = hi == lo
    lo, hi = jnp.where(same, lo - 0.5, lo), jnp.where(same, hi + 0.5, hi)
    return jnp.linspace(lo, hi, nbins + 1, dtype=dt)


def _string_bins(arr, bins, range, weights):
    """The number of bins NumPy's estimator `bins` ('auto', 'fd', 'doane', 'scott', 'stone',
    'rice', 'sturges', 'sqrt') chooses; it depends on the values, so `a` must be concrete (JAX
    has no string bins at all)."""
    if weights is not None:
        raise JTransTypeError(
            f"jnp.histogram: bins={bins!r} (automated bin estimation) is not supported for "
            "weighted data (as in NumPy); pass an int or an array of edges"
        )
    c = core.concrete_or_error(
        arr, f"jnp.histogram's bins={bins!r}: the number of bins depends on the values; pass "
        "an int or an array of edges under jit/vmap/grad"
    )  # fmt: skip
    if range is not None:
        range = tuple(float(core.concrete_or_error(r, "jnp.histogram's range")) for r in range)
    return len(np.histogram_bin_edges(np.asarray(c), bins, range)) - 1


def histogram(a, bins=10, range=None, weights=None, density=None):
    """(counts, bin_edges): the (weighted) number of values in each bin; the last bin includes
    its right edge; values outside the range are not counted."""
    weighted = weights is not None
    if weights is None:
        (a,) = _inexact(_arr(a, "histogram"))
        weights = jnp.ones_like(a)
    else:
        check_arraylike("histogram", a, weights)
        if np.shape(a) != np.shape(weights):
            raise JTransValueError(
                f"histogram: weights should have the shape of a; got {np.shape(weights)} and "
                f"{np.shape(a)}"
            )
        a, weights = _inexact(a, weights)
    if isinstance(bins, str):
        bins = _string_bins(a, bins, range, weights if weighted else None)
    edges = histogram_bin_edges(a, bins, range)
    ne = _shape(edges)[0]
    idx = jnp.searchsorted(edges, a, side="right")
    idx = jnp.where(a == edges[-1], ne - 1, idx)
    counts = jnp.zeros(ne, _dtype(weights)).at[idx].add(weights, mode="drop")[1:]
    if density:
        counts = counts / jnp.diff(edges) / jnp.sum(counts)
    return counts, edges


def histogramdd(sample, bins=10, range=None, weights=None, density=None):
    """The D-dimensional histogram of N points given as an (N, D) array."""
    if weights is None:
        sample = _arr(sample, "histogramdd")
    else:
        check_arraylike("histogramdd", sample, weights)
        sample, weights = _inexact(sample, weights)
    if _ndim(sample) != 2:
        raise JTransValueError(f"histogramdd: sample must be an (N, D) array, got {_shape(sample)}")
    N, D = _shape(sample)
    if range is not None and (
        len(range) != D or any(r is not None and np.shape(r)[0] != 2 for r in range)
    ):
        raise JTransValueError(
            f"For sample.shape={(N, D)}, range must be a sequence of {D} pairs or Nones; got "
            f"{range=}"
        )
    if isinstance(bins, str):  # an estimator name for every dimension (NumPy has none)
        bins = [bins] * D
    try:
        if len(bins) != D:
            raise JTransValueError(
                f"histogramdd: there should be one bins entry per dimension ({D}), got {len(bins)}"
            )
    except TypeError:
        bins = D * [operator.index(bins)]
    idxs, edges_all = [], []
    for i in _range(D):
        col = sample[:, i]
        b, r = bins[i], None if range is None else range[i]
        if isinstance(b, str):
            b = _string_bins(col, b, r, weights)
        edges = histogram_bin_edges(col, b, r)
        idx = jnp.searchsorted(edges, col, side="right")
        idx = jnp.where(col == edges[-1], idx - 1, idx)
        idxs.append(idx)
        edges_all.append(edges)
    nbins = tuple(_shape(e)[0] + 1 for e in edges_all)
    flat = ravel_multi_index(tuple(idxs), nbins, mode="clip")
    hist = bincount(flat, weights, length=math.prod(nbins))
    hist = jnp.reshape(hist, nbins)[(slice(1, -1),) * D]
    if density:
        hist = hist.astype(_to_inexact(_dtype(sample)))
        hist = hist / jnp.sum(hist)
        for k in _range(D):
            shape = [1] * D
            shape[k] = nbins[k] - 2
            hist = hist / jnp.reshape(jnp.diff(edges_all[k]), shape)
    return hist, edges_all


def histogram2d(x, y, bins=10, range=None, weights=None, density=None):
    """(hist, x_edges, y_edges): the 2-D histogram of the points (x[i], y[i])."""
    check_arraylike("histogram2d", x, y)
    try:
        nb = len(bins)
    except TypeError:
        nb = 1
    if isinstance(bins, str):
        nb = 1
    if nb != 1 and nb != 2:
        e = asarray_any(bins)
        bins = [e, e]
    sample = jnp.transpose(jnp.asarray([x, y]))
    hist, edges = histogramdd(sample, bins, range, weights, density)
    return hist, edges[0], edges[1]


# ---------------------------------------------------------------------------------------------
# selection and assembly


def choose(a, choices, out=None, mode="raise"):
    """choices[a[i]][i] for every i (all broadcast together); mode 'raise' needs concrete a."""
    if out is not None:
        raise NotImplementedError("The 'out' argument to jnp.choose is not supported.")
    check_arraylike("choose", a, *choices)
    a = asarray_any(a)
    if _dtype(a).kind not in "iub":
        raise JTransTypeError(f"choose: a must be an integer array, got dtype {_dtype(a)}")
    n = len(choices)
    if mode == "raise":
        av = _concrete(a, "jnp.choose with mode='raise' (the bounds check needs concrete indices); "
                       "use mode='wrap' or mode='clip' under jit/vmap")  # fmt: skip
        if np.any((av < 0) | (av >= n)):
            raise JTransValueError(f"invalid entry in choice array: indices must be in [0, {n})")
    elif mode == "wrap":
        a = jnp.mod(a, n)
    elif mode == "clip":
        a = jnp.clip(a, 0, n - 1)
    else:
        raise JTransValueError(f"mode={mode!r} not understood. Must be 'raise', 'wrap', or 'clip'")
    a, *choices = jnp.broadcast_arrays(a, *choices)
    choices = promote_dtypes(*choices)
    return lax.select_n(lax.convert_element_type(a, dtypes.int32), *choices)


def compress(condition, a, axis=None, *, size=None, fill_value=0, out=None):
    """The slices of a along axis where condition is true; with size=, the first `size` of them
    followed by slices of fill_value."""
    if out is not None:
        raise NotImplementedError("The 'out' argument to jnp.compress is not supported.")
    check_arraylike("compress", condition, a)
    cond = asarray_any(condition)
    if _dtype(cond) != np.bool_:
        cond = lax.ne(cond, lax.full_like(cond, 0))
    if _ndim(cond) != 1:
        raise JTransValueError(f"compress: condition must be a 1D array, got {_shape(cond)}")
    arr = asarray_any(a)
    if axis is None:
        axis = 0
        arr = jnp.ravel(arr)
    else:
        arr = jnp.moveaxis(arr, axis, 0)
    n = _shape(arr)[0]
    extra = cond[n:]
    cond = cond[:n]
    arr = arr[: _shape(cond)[0]]
    if _shape(extra)[0] and not _is_traced(extra) and np.any(_concrete(extra, "")):
        raise JTransValueError("compress: condition contains entries that are out of bounds")
    if size is None:
        cv = _concrete(cond, "jnp.compress without size= (the output size depends on the "
                       "condition); pass size= to use it under jit/vmap")  # fmt: skip
        arr = jnp.take(arr, _wrap_np(np.nonzero(cv)[0]), axis=0)
    else:
        size = _static_int(size, "argument 'size' of jnp.compress")
        if not 0 < size <= _shape(arr)[0]:
            raise JTransValueError(
                "size must be positive and not greater than the size of the array axis; got "
                f"size={size} for a.shape[axis]={_shape(arr)[0]}"
            )
        mask = jnp.expand_dims(cond, tuple(_range(1, _ndim(arr))))
        arr = jnp.where(mask, arr, jnp.asarray(fill_value, _dtype(arr)))
        order = jnp.argsort(cond, stable=True, descending=True)
        arr = jnp.take(arr, order[:size], axis=0)
    return jnp.moveaxis(arr, 0, axis)


def extract(condition, arr, *, size=None, fill_value=0):
    """The entries of arr where condition is true (both flattened); see compress for size=."""
    check_arraylike("extract", condition, arr)
    return compress(jnp.ravel(condition), jnp.ravel(arr), size=size, fill_value=fill_value)


def block(arrays):
    """An array assembled from nested lists of blocks (the innermost lists join along the
    last axis)."""
    out, _ = _block(arrays)
    return out


def _block(xs):
    if isinstance(xs, tuple):
        raise JTransValueError("jnp.block does not allow tuples; use lists of arrays")
    if isinstance(xs, list):
        if not xs:
            raise JTransValueError("jnp.block: arrays cannot be empty")
        parts, depths = zip(*[_block(x) for x in xs])
        if any(d != depths[0] for d in depths[1:]):
            raise JTransValueError("jnp.block: mismatched list depths")
        rank = builtins.max(depths[0], builtins.max(_ndim(x) for x in parts))
        parts = [jnp.reshape(x, (1,) * (rank - _ndim(x)) + _shape(x)) for x in parts]
        return jnp.concatenate(parts, axis=-depths[0]), depths[0] + 1
    return jnp.asarray(xs), 1


def put_along_axis(arr, indices, values, axis, inplace=True, *, mode=None):
    """arr with values written at indices along axis (out of place: pass inplace=False)."""
    if inplace:
        raise JTransValueError(
            "jnp.put_along_axis cannot modify arrays in-place, because jtrans arrays are "
            "immutable. Pass inplace=False to instead return an updated array."
        )
    check_arraylike("put_along_axis", arr, indices, values)
    arr = asarray_any(arr)
    indices = asarray_any(indices)
    shape0 = _shape(arr)
    if axis is None:
        arr, indices, axis = jnp.ravel(arr), jnp.ravel(indices), 0
    nd = _ndim(arr)
    axis = canonical_axis(axis, nd)
    if _ndim(indices) != nd:
        raise JTransValueError(
            f"put_along_axis: indices and arr must have the same number of dimensions; got "
            f"{_shape(indices)} and {_shape(arr)}"
        )
    idx = []
    for i, s in enumerate(_shape(arr)):
        if i == axis:
            idx.append(indices)
        else:
            shape = [1] * nd
            shape[i] = s
            idx.append(jnp.reshape(jnp.arange(s), shape))
    return jnp.reshape(arr.at[tuple(idx)].set(values, mode=mode), shape0)


def fill_diagonal(a, val, wrap=False, *, inplace=True):
    """a with its main diagonal set to val (tiled); out of place: pass inplace=False. With
    wrap=True a tall 2-D matrix gets NumPy's wrapped diagonal (one more row skipped per
    restart)."""
    if inplace:
        raise NotImplementedError(
            "jtrans arrays are immutable, so jnp.fill_diagonal must use inplace=False"
        )
    check_arraylike("fill_diagonal", a, val)
    a, val = asarray_any(a), asarray_any(val)
    if _ndim(a) < 2:
        raise JTransValueError(f"fill_diagonal: array must be at least 2-d, got {_shape(a)}")
    if _ndim(a) > 2 and not all(s == _shape(a)[0] for s in _shape(a)[1:]):
        raise JTransValueError(
            f"fill_diagonal: all dimensions of input must be of equal length, got {_shape(a)}"
        )
    n = builtins.min(_shape(a))
    if wrap and _ndim(a) == 2 and _shape(a)[0] > _shape(a)[1] + 1:
        # NumPy: a.flat[::m + 1] = val, so a tall matrix restarts its diagonal every m + 1 rows
        rows, m = _shape(a)
        flat = np.arange(0, rows * m, m + 1)
        idx = (flat // m, flat % m)
        n = len(flat)
    else:
        idx = diag_indices(n, _ndim(a))
    if _ndim(val) != 0:
        val = jnp.ravel(val)
        k = _shape(val)[0]
        if k == 0:
            raise JTransValueError("fill_diagonal: val must not be empty")
        if k < n:
            val = jnp.tile(val, -(-n // k))
        val = val[:n]
    return a.at[idx].set(val)


# ---------------------------------------------------------------------------------------------
# index helpers


def diag_indices(n, ndim=2):
    """Indices of the main diagonal of an n x ... x n array."""
    n = _static_int(n, "argument n of jnp.diag_indices")
    ndim = _static_int(ndim, "argument ndim of jnp.diag_indices")
    if n < 0:
        raise JTransValueError(f"n argument to diag_indices must be nonnegative, got {n}")
    if ndim < 0:
        raise JTransValueError(f"ndim argument to diag_indices must be nonnegative, got {ndim}")
    return (jnp.arange(n),) * ndim


def diag_indices_from(arr):
    arr = _arr(arr, "diag_indices_from")
    s = _shape(arr)
    if len(s) < 2:
        raise JTransValueError(f"diag_indices_from: input array must be at least 2-d, got {s}")
    if len(set(s)) != 1:
        raise JTransValueError(f"diag_indices_from: all dimensions must be equal, got {s}")
    return diag_indices(s[0], len(s))


def _index_pair(rows, cols):
    return _wrap_np(rows, dtypes.default_int()), _wrap_np(cols, dtypes.default_int())


def tril_indices(n, k=0, m=None):
    n = _static_int(n, "argument n of jnp.tril_indices")
    k = _static_int(k, "argument k of jnp.tril_indices")
    m = n if m is None else _static_int(m, "argument m of jnp.tril_indices")
    return _index_pair(*np.tril_indices(n, k, m))


def triu_indices(n, k=0, m=None):
    n = _static_int(n, "argument n of jnp.triu_indices")
    k = _static_int(k, "argument k of jnp.triu_indices")
    m = n if m is None else _static_int(m, "argument m of jnp.triu_indices")
    return _index_pair(*np.triu_indices(n, k, m))


def _check_2d(arr, name):
    arr = _arr(arr, name)
    if _ndim(arr) != 2:
        raise JTransValueError(f"{name}: input must be a 2-D array, got shape {_shape(arr)}")
    return _shape(arr)


def tril_indices_from(arr, k=0):
    r, c = _check_2d(arr, "tril_indices_from")
    return tril_indices(r, k, c)


def triu_indices_from(arr, k=0):
    r, c = _check_2d(arr, "triu_indices_from")
    return triu_indices(r, k, c)


def mask_indices(n, mask_func, k=0, *, size=None):
    """Indices where mask_func(ones((n, n)), k) is non-zero."""
    n = _static_int(n, "argument n of jnp.mask_indices")
    return jnp.nonzero(mask_func(jnp.ones((n, n)), k), size=size)


def ravel_multi_index(multi_index, dims, mode="raise", order="C", *, dtype=None):
    """Flat indices of the coordinate arrays in multi_index into an array of shape dims (of
    `dtype` if given)."""
    dims = tuple(_static_int(d, "the dims argument of jnp.ravel_multi_index") for d in dims)
    check_arraylike("ravel_multi_index", *multi_index)
    if len(multi_index) != len(dims):
        raise JTransValueError(
            f"ravel_multi_index: parameter multi_index must be a sequence of length {len(dims)}, "
            f"got {len(multi_index)}"
        )
    idx = [asarray_any(i) for i in multi_index]
    for i in idx:
        if _dtype(i).kind not in "iu":
            raise JTransTypeError("ravel_multi_index: only int indices permitted")
    if mode == "raise":
        for i, d in zip(idx, dims):
            v = _concrete(i, "jnp.ravel_multi_index with mode='raise' (the bounds check needs "
                          "concrete indices); use mode='wrap' or mode='clip' under jit/vmap")  # fmt: skip
            if np.any((v < 0) | (v >= d)):
                raise JTransValueError("invalid entry in coordinates array")
    elif mode == "wrap":
        idx = [jnp.mod(i, d) for i, d in zip(idx, dims)]
    elif mode == "clip":
        idx = [jnp.clip(i, 0, d - 1) for i, d in zip(idx, dims)]
    else:
        raise JTransValueError(f"invalid mode={mode!r}. Expected 'raise', 'wrap', or 'clip'")
    if order == "F":
        strides = np.cumprod((1,) + dims[:-1])
    elif order == "C":
        strides = np.cumprod((1,) + dims[1:][::-1])[::-1]
    else:
        raise JTransValueError(f"invalid order={order!r}. Expected 'C' or 'F'")
    dt = _dtype(idx[0]) if idx else dtypes.default_int()
    result = jnp.zeros((), dt)
    for i, s in zip(idx, strides):
        result = result + i * int(s)
    if dtype is not None:
        result = lax.convert_element_type(result, dtypes.check_dtype(dtype))
    return result


def unravel_index(indices, shape):
    """Coordinate arrays of the flat indices into an array of shape (out-of-range indices are
    clipped, as in JAX)."""
    x = _arr(indices, "unravel_index")
    try:
        shape = tuple(_static_int(s, "the shape argument of jnp.unravel_index") for s in shape)
    except TypeError:
        shape = (_static_int(shape, "the shape argument of jnp.unravel_index"),)
    if any(s < 0 for s in shape):
        raise JTransValueError(f"unravel_index: shape must be non-negative, got {shape}")
    out = [None] * len(shape)
    for i, s in reversed(list(enumerate(shape))):
        x, out[i] = jnp.divmod(x, s)
    oob_pos = x > 0
    oob_neg = x < -1
    return tuple(jnp.where(oob_pos, s - 1, jnp.where(oob_neg, 0, o)) for s, o in zip(shape, out))


# ---------------------------------------------------------------------------------------------
# set operations


def isin(element, test_elements, assume_unique=False, invert=False, *, method="auto"):
    """element's entries that occur in test_elements (elementwise bool, element's shape)."""
    check_arraylike("isin", element, test_elements)
    el, test = promote_dtypes(asarray_any(element), asarray_any(test_elements))
    return jnp.reshape(_in1d(el, test, invert), _shape(el))


def _in1d(el, test, invert=False):
    el, test = promote_dtypes(jnp.ravel(el), jnp.ravel(test))
    hit = jnp.any(el[:, None] == test[None, :], axis=1)
    return jnp.logical_not(hit) if invert else hit


def _unique_masked(x, with_index=False):
    """(u, valid[, first_index]): the n unique values of a 1-D x, sorted, in the first entries
    of u (the rest is padding), and which entries of u are real."""
    n = _shape(x)[0]
    it = lax.iota(dtypes.default_int(), n)
    s, perm = lax.sort((x, it), num_keys=1)
    first = lax.ne(s, lax.concatenate([s[:1], s[:-1]], 0))
    if dtypes.is_inexact(_dtype(x)):  # NaNs are equal to each other here (equal_nan)
        both_nan = jnp.isnan(s) & jnp.isnan(lax.concatenate([s[:1], s[:-1]], 0))
        first = first & ~both_nan
    first = first | (it == 0)
    u, perm = lax.sort((lax.convert_element_type(~first, dtypes.int32), s, perm), num_keys=2)[1:]
    valid = it < jnp.sum(first)
    return (u, valid, perm) if with_index else (u, valid)


def _compact(vals, keep, size, fill):
    """The kept entries of vals in order, then fill: `size` entries."""
    n = _shape(vals)[0]
    order = jnp.argsort(~keep, stable=True)
    out = jnp.take(vals, order)
    cnt = jnp.sum(keep)
    if size > n:
        out = jnp.concatenate([out, jnp.zeros(size - n, _dtype(out))])
    out = out[:size]
    if fill is None:  # JAX: the smallest kept value
        big = jnp.where(jnp.arange(size) < cnt, out, jnp.max(out) if size else 0)
        fill = jnp.min(big) if size else 0
    return jnp.where(jnp.arange(size) < cnt, out, jnp.asarray(fill, _dtype(out)))


def _size_or_concrete(name, size, *xs):
    if size is None:
        for x in xs:
            _concrete(x, f"jnp.{name} without size= (the output size depends on the values); "
                      "pass size= (and fill_value=) to use it under jit/vmap")  # fmt: skip
        return None
    return _static_int(size, f"argument 'size' of jnp.{name}")


def union1d(ar1, ar2, *, size=None, fill_value=None):
    """The sorted unique values in either array."""
    check_arraylike("union1d", ar1, ar2)
    size = _size_or_concrete("union1d", size, ar1, ar2)
    conc = jnp.concatenate([jnp.ravel(ar1), jnp.ravel(ar2)])
    return jnp.unique(conc, size=size, fill_value=fill_value)


def setdiff1d(ar1, ar2, assume_unique=False, *, size=None, fill_value=None):
    """The sorted unique values of ar1 that are not in ar2 (fill_value defaults to 0)."""
    check_arraylike("setdiff1d", ar1, ar2)
    a1, a2 = jnp.ravel(asarray_any(ar1)), jnp.ravel(asarray_any(ar2))
    size = _size_or_concrete("setdiff1d", size, a1)
    fill = 0 if fill_value is None else fill_value
    if size is None:
        v1, v2 = _concrete(a1, ""), _concrete(a2, "")
        return _wrap_np(np.setdiff1d(v1, v2.astype(v1.dtype) if v2.size else v2, assume_unique),
                        _dtype(a1))  # fmt: skip
    if _shape(a1)[0] == 0:
        return jnp.full(size, fill, _dtype(a1))
    if assume_unique:
        u, valid = a1, jnp.ones(_shape(a1), bool)
    else:
        u, valid = _unique_masked(a1)
    keep = valid & _in1d(u, a2, invert=True)
    return _compact(u, keep, size, fill)


def intersect1d(ar1, ar2, assume_unique=False, return_indices=False, *, size=None,
                fill_value=None):  # fmt: skip
    """The sorted unique values in both arrays (and, with return_indices, the index of each
    one's first occurrence in ar1 and in ar2)."""
    check_arraylike("intersect1d", ar1, ar2)
    a1, a2 = promote_dtypes(jnp.ravel(asarray_any(ar1)), jnp.ravel(asarray_any(ar2)))
    size = _size_or_concrete("intersect1d", size, a1, a2)
    ity = dtypes.default_int()
    if size is None:
        res = np.intersect1d(_concrete(a1, ""), _concrete(a2, ""), assume_unique, return_indices)
        if return_indices:
            return _wrap_np(res[0], _dtype(a1)), _wrap_np(res[1], ity), _wrap_np(res[2], ity)
        return _wrap_np(res, _dtype(a1))
    n1, n2 = _shape(a1)[0], _shape(a2)[0]
    if n1 == 0 or n2 == 0:
        vals = jnp.full(size, 0 if fill_value is None else fill_value, _dtype(a1))
        if return_indices:
            return vals, jnp.full(size, n1, ity), jnp.full(size, n2, ity)
        return vals
    u, valid, idx1 = _unique_masked(a1, with_index=True)
    keep = valid & _in1d(u, a2)
    vals = _compact(u, keep, size, fill_value)
    if not return_indices:
        return vals
    order = jnp.argsort(~keep, stable=True)
    cnt = jnp.sum(keep)
    real = jnp.arange(size) < cnt
    pad = builtins.max(size - n1, 0)
    i1 = jnp.concatenate([jnp.take(idx1, order), jnp.zeros(pad, ity)])[:size]
    # first occurrence in ar2 of each kept value
    u_k = jnp.concatenate([jnp.take(u, order), jnp.zeros(pad, _dtype(u))])[:size]
    i2 = jnp.argmax(u_k[:, None] == a2[None, :], axis=1).astype(ity)
    return vals, jnp.where(real, i1, n1), jnp.where(real, i2, n2)


def setxor1d(ar1, ar2, assume_unique=False, *, size=None, fill_value=None):
    """The sorted unique values in exactly one of the arrays."""
    check_arraylike("setxor1d", ar1, ar2)
    a1, a2 = promote_dtypes(jnp.ravel(asarray_any(ar1)), jnp.ravel(asarray_any(ar2)))
    size = _size_or_concrete("setxor1d", size, a1, a2)
    if size is None:
        return _wrap_np(np.setxor1d(_concrete(a1, ""), _concrete(a2, ""), assume_unique),
                        _dtype(a1))  # fmt: skip
    parts, keeps = [], []
    for x, other in ((a1, a2), (a2, a1)):
        if _shape(x)[0] == 0:
            continue
        u, valid = (x, jnp.ones(_shape(x), bool)) if assume_unique else _unique_masked(x)
        parts.append(u)
        keeps.append(valid & _in1d(u, other, invert=True))
    if not parts:
        return jnp.full(size, 0 if fill_value is None else fill_value, _dtype(a1))
    u = jnp.concatenate(parts)
    keep = jnp.concatenate(keeps)
    u, keep = lax.sort((lax.convert_element_type(~keep, dtypes.int32), u, keep), num_keys=2)[1:]
    return _compact(u, keep, size, fill_value)


_UniqueAllResult = collections.namedtuple(
    "_UniqueAllResult", ["values", "indices", "inverse_indices", "counts"]
)
_UniqueInverseResult = collections.namedtuple("_UniqueInverseResult", ["values", "inverse_indices"])


def unique_all(x, *, size=None, fill_value=None):
    """(values, indices, inverse_indices, counts) of the unique values of x (Array API)."""
    x = _arr(x, "unique_all")
    v, i, inv, c = jnp.unique(x, return_index=True, return_inverse=True, return_counts=True,
                              size=size, fill_value=fill_value)  # fmt: skip
    return _UniqueAllResult(v, i, jnp.reshape(inv, _shape(x)), c)


def unique_inverse(x, *, size=None, fill_value=None):
    """(values, inverse_indices) of the unique values of x (Array API)."""
    x = _arr(x, "unique_inverse")
    v, inv = jnp.unique(x, return_inverse=True, size=size, fill_value=fill_value)
    return _UniqueInverseResult(v, jnp.reshape(inv, _shape(x)))


# ---------------------------------------------------------------------------------------------
# convolution and polynomials


def _conv(x, y, mode, op, precision, preferred_element_type):
    check_arraylike(op, x, y)
    x, y = asarray_any(x), asarray_any(y)
    if _ndim(x) != 1 or _ndim(y) != 1:
        raise JTransValueError(
            f"{op}() only supports 1-dimensional inputs, got shapes {_shape(x)} and {_shape(y)}"
        )
    if preferred_element_type is None:
        x, y = _inexact(x, y)
    else:
        x, y = promote_dtypes(x, y)
    if _shape(x)[0] == 0 or _shape(y)[0] == 0:
        raise JTransValueError(
            f"{op}: inputs cannot be empty, got shapes {_shape(x)} and {_shape(y)}"
        )
    flip_out = False
    if op == "correlate":
        y = jnp.conj(y)
        if _shape(x)[0] < _shape(y)[0]:
            x, y, flip_out = y, x, True
    else:
        if _shape(x)[0] < _shape(y)[0]:
            x, y = y, x
        y = lax.rev(y, (0,))
    m = _shape(y)[0]
    if mode == "valid":
        padding = [(0, 0)]
    elif mode == "same":
        padding = [(m // 2, m - m // 2 - 1)]
    elif mode == "full":
        padding = [(m - 1, m - 1)]
    else:
        raise JTransValueError(f"mode must be one of ['full', 'same', 'valid'], got {mode!r}")
    out = lax.conv_general_dilated(x[None, None, :], y[None, None, :], (1,), padding,
                                   precision=precision,
                                   preferred_element_type=preferred_element_type)[0, 0]  # fmt: skip
    return lax.rev(out, (0,)) if flip_out else out


def convolve(a, v, mode="full", *, precision=None, preferred_element_type=None):
    """The discrete linear convolution of two 1-D arrays."""
    return _conv(a, v, mode, "convolve", precision, preferred_element_type)


def correlate(a, v, mode="valid", *, precision=None, preferred_element_type=None):
    """The cross-correlation of two 1-D arrays (v conjugated, as in NumPy)."""
    return _conv(a, v, mode, "correlate", precision, preferred_element_type)


def _poly_conv(a, b):
    """Full convolution of two non-empty 1-D arrays of one dtype (any dtype): the outer
    product with row i shifted right by i, then summed over rows."""
    na, nb = _shape(a)[0], _shape(b)[0]
    w = na + nb
    zero = lax.full((), 0, _dtype(a))
    rows = lax.pad(a[:, None] * b[None, :], zero, [(0, 0, 0), (0, na, 0)])  # (na, w)
    # flattened, row i starts at i * w; re-read with rows of w - 1, row i's entries move right by i
    rows = jnp.reshape(jnp.ravel(rows)[: na * (w - 1)], (na, w - 1))
    return jnp.sum(rows, axis=0)


def poly(seq_of_zeros):
    """Coefficients of the monic polynomial with the given roots (or a square matrix's
    characteristic polynomial, concrete only)."""
    seq = jnp.atleast_1d(_arr(seq_of_zeros, "poly"))  # a scalar is one root (JAX)
    s = _shape(seq)
    if len(s) == 2 and s[0] == s[1] and s[0] != 0:
        v = _concrete(seq, "jnp.poly of a matrix (eigenvalues need a concrete matrix)")
        seq = _wrap_np(np.linalg.eigvals(v).astype(np.result_type(v.dtype, np.complex64)))
    elif len(s) == 1:
        (seq,) = _inexact(seq)
    else:
        raise JTransValueError("poly: input must be 1d or non-empty square 2d array.")
    dt = _dtype(seq)
    if _shape(seq)[0] == 0:
        return jnp.ones((), dt)
    a = jnp.ones((1,), dt)
    for k in _range(_shape(seq)[0]):
        z = jnp.zeros((1,), dt)
        a = jnp.concatenate([a, z]) - seq[k] * jnp.concatenate([z, a])
    return a


def _poly_pair(name, a1, a2, inexact=False):
    check_arraylike(name, a1, a2)
    a1, a2 = (_inexact if inexact else promote_dtypes)(asarray_any(a1), asarray_any(a2))
    if _ndim(a1) != 1 or _ndim(a2) != 1:
        raise JTransValueError(
            f"{name}: arguments must be 1-D coefficient arrays, got {_shape(a1)} and {_shape(a2)}"
        )
    return a1, a2


def _pad_front(a, n):
    """a with zeros in front along axis 0, to length n."""
    k = _shape(a)[0]
    if k >= n:
        return a
    return lax.pad(a, lax.full((), 0, _dtype(a)), [(n - k, 0, 0)] + [(0, 0, 0)] * (_ndim(a) - 1))


def _poly_add_sub(name, a1, a2, op):
    """a1 op a2 for coefficients along axis 0, aligned at the end; as in JAX, the shorter one's
    trailing axes broadcast into the longer one's (so stacks of polynomials work)."""
    check_arraylike(name, a1, a2)
    a1, a2 = promote_dtypes(jnp.atleast_1d(a1), jnp.atleast_1d(a2))
    n1, n2 = _shape(a1)[0], _shape(a2)[0]
    long, short = (a1, a2) if n2 <= n1 else (a2, a1)
    n = _shape(long)[0]
    tail = (_shape(short)[0],) + _shape(long)[1:]
    if _ndim(short) > len(tail):
        raise JTransValueError(
            f"{name}: cannot broadcast coefficients of shape {_shape(short)} into the last "
            f"{tail[0]} rows of shape {_shape(long)}"
        )
    short = _pad_front(broadcast_to_shape(short, tail), n)
    return op(a1, short) if n2 <= n1 else op(short, a2)


def polyadd(a1, a2):
    return _poly_add_sub("polyadd", a1, a2, lax.add)


def polysub(a1, a2):
    return _poly_add_sub("polysub", a1, a2, lax.sub)


def polymul(a1, a2, *, trim_leading_zeros=False):
    """The product of two polynomials (leading zeros kept unless trim_leading_zeros)."""
    check_arraylike("polymul", a1, a2)
    a1, a2 = _inexact(jnp.atleast_1d(a1), jnp.atleast_1d(a2))
    if trim_leading_zeros and (_shape(a1)[0] > 1 or _shape(a2)[0] > 1):
        a1, a2 = jnp.trim_zeros(a1, trim="f"), jnp.trim_zeros(a2, trim="f")
    if _shape(a1)[0] == 0:
        a1 = jnp.zeros((1,), _dtype(a1))
    if _shape(a2)[0] == 0:
        a2 = jnp.zeros((1,), _dtype(a2))
    return _poly_conv(a1, a2)


def polydiv(u, v, *, trim_leading_zeros=False):
    """(quotient, remainder) of polynomial division; the remainder keeps u's length unless
    trim_leading_zeros (concrete only)."""
    u, v = _poly_pair("polydiv", u, v, inexact=True)
    m, n = _shape(u)[0] - 1, _shape(v)[0] - 1
    scale = 1.0 / v[0]
    zero = lax.full((), 0, _dtype(u))
    q, r = [], u
    for k in _range(0, m - n + 1):
        d = scale * r[k]
        q.append(d)
        r = r - lax.pad(d * v, zero, [(k, m - n - k, 0)])
    q = jnp.stack(q) if q else jnp.zeros(1, _dtype(u))
    if trim_leading_zeros:
        rv = _concrete(r, "jnp.polydiv with trim_leading_zeros=True")
        tol = np.sqrt(np.finfo(rv.dtype).eps)
        nz = np.nonzero(np.abs(rv) > tol)[0]
        r = r[int(nz[0]) :] if len(nz) else r[_shape(r)[0] :]
    return q, r


def polyder(p, m=1):
    """The m-th derivative of a polynomial."""
    (p,) = _inexact(_arr(p, "polyder"))
    m = operator.index(m)
    if m < 0:
        raise JTransValueError(f"polyder: order of derivative must be non-negative, got {m}")
    if m == 0:
        return p
    n = _shape(p)[0]
    coeff = np.ones(builtins.max(n - m, 0))
    for i in _range(m):
        coeff = coeff * np.arange(n - 1 - i, m - 1 - i, -1)[: len(coeff)]
    return p[: builtins.max(n - m, 0)] * jnp.asarray(coeff, _dtype(p))


def polyint(p, m=1, k=None):
    """The m-th antiderivative of a polynomial, with integration constants k."""
    m = operator.index(m)
    if m < 0:
        raise JTransValueError(f"polyint: order of integral must be non-negative, got {m}")
    check_arraylike("polyint", p)
    p, kk = _inexact(asarray_any(p), asarray_any(0 if k is None else k))
    if m == 0:
        return p
    if _ndim(kk) == 0:
        kk = jnp.broadcast_to(kk, (m,))
    if _shape(kk) != (m,):
        raise JTransValueError("polyint: k must be a scalar or a rank-1 array of length 1 or m.")
    n = _shape(p)[0]
    grid = np.arange(n + m)[None, :] - np.arange(m)[:, None]
    coeff = np.prod(np.maximum(1, grid), axis=0)[::-1]
    return jnp.concatenate([p, kk]) / jnp.asarray(coeff, _dtype(p))


def polyval(p, x, *, unroll=16):
    """p[0] * x**(n-1) + ... + p[n-1] by Horner's rule (p's extra axes broadcast with x)."""
    check_arraylike("polyval", p, x)
    p, x = promote_dtypes(asarray_any(p), asarray_any(x))
    shape = jnp.broadcast_shapes(_shape(p)[1:], _shape(x))
    y = jnp.zeros(shape, _dtype(x))
    for i in _range(_shape(p)[0]):
        y = y * x + p[i]
    return y


def polyfit(x, y, deg, rcond=None, full=False, w=None, cov=False):
    """Least-squares fit of a degree-`deg` polynomial to the points (x, y)."""
    check_arraylike("polyfit", x, y)
    x, y = _inexact(asarray_any(x), asarray_any(y))
    deg = _static_int(deg, "argument deg of jnp.polyfit")
    if deg < 0:
        raise JTransValueError("polyfit: expected deg >= 0")
    if _ndim(x) != 1:
        raise JTransTypeError("polyfit: expected 1D vector for x")
    if _shape(x)[0] == 0:
        raise JTransTypeError("polyfit: expected non-empty vector for x")
    if _ndim(y) < 1 or _ndim(y) > 2:
        raise JTransTypeError("polyfit: expected 1D or 2D array for y")
    if _shape(x)[0] != _shape(y)[0]:
        raise JTransTypeError("polyfit: expected x and y to have same length")
    order = deg + 1
    n = _shape(x)[0]
    if rcond is None:
        rcond = n * float(np.finfo(_dtype(x)).eps)
    lhs = vander(x, order)
    rhs = y
    if w is not None:
        w = _arr(w, "polyfit")
        if _ndim(w) != 1:
            raise JTransTypeError("polyfit: expected a 1-d array for weights")
        if _shape(w)[0] != _shape(y)[0]:
            raise JTransTypeError("polyfit: expected w and y to have the same length")
        lhs = lhs * w[:, None]
        rhs = rhs * w[:, None] if _ndim(rhs) == 2 else rhs * w
    scale = jnp.sqrt(jnp.sum(lhs * lhs, axis=0))
    lhs = lhs / scale[None, :]
    c, resids, rank, s = jnp.linalg.lstsq(lhs, rhs, rcond)
    c = (c.T / scale).T
    if full:
        return c, resids, rank, s, asarray_any(float(rcond))
    if cov:
        Vbase = jnp.linalg.inv(jnp.dot(lhs.T, lhs))
        Vbase = Vbase / jnp.outer(scale, scale)
        if cov == "unscaled":
            fac = 1.0
        else:
            if n <= order:
                raise JTransValueError(
                    "polyfit: the number of data points must exceed order to scale the "
                    "covariance matrix"
                )
            fac = resids / (n - order)
            fac = fac[0] if _ndim(y) == 1 else fac
        if _ndim(y) == 1:
            return c, Vbase * fac
        return c, Vbase[:, :, None] * fac
    return c


def roots(p, *, strip_zeros=True):
    """The roots of a polynomial (eigenvalues of its companion matrix; concrete only)."""
    p = _arr(p, "roots")
    if _ndim(p) != 1:
        raise JTransValueError(f"roots: input must be a rank-1 array, got shape {_shape(p)}")
    (p,) = _inexact(p)
    v = _concrete(p, "jnp.roots (it is computed on concrete coefficients)")
    cdt = np.result_type(v.dtype, np.complex64)
    if strip_zeros:
        return _wrap_np(np.roots(v).astype(cdt))
    # leading zeros: roots at infinity, reported as NaN (as JAX does)
    n = builtins.max(v.shape[0] - 1, 0)
    nz = np.nonzero(v)[0]
    r = np.roots(v[nz[0] :]) if len(nz) else np.zeros(0)
    r = np.concatenate([r, np.full(n - len(r), np.nan + 1j * np.nan)])
    return _wrap_np(r.astype(cdt))


def vander(x, N=None, increasing=False):
    """The Vandermonde matrix: columns x**(N-1), ..., x, 1 (reversed if increasing)."""
    x = _arr(x, "vander")
    if _ndim(x) != 1:
        raise JTransValueError(f"vander: x must be a one-dimensional array, got {_shape(x)}")
    N = _shape(x)[0] if N is None else _static_int(N, "argument N of jnp.vander")
    if N < 0:
        raise JTransValueError(f"vander: N must be nonnegative, got {N}")
    powers = np.arange(N) if increasing else np.arange(N)[::-1]
    return jnp.power(x[:, None], jnp.asarray(powers, _dtype(x))[None, :])


# ---------------------------------------------------------------------------------------------
# window functions


def _window_len(M, name):
    return _static_int(M, f"argument M of jnp.{name}")


def bartlett(M):
    M = _window_len(M, "bartlett")
    if M <= 1:
        return jnp.ones(builtins.max(M, 0), dtypes.default_float())
    n = jnp.arange(1 - M, M, 2, dtype=dtypes.default_float())
    return jnp.where(n <= 0, 1 + n / (M - 1), 1 - n / (M - 1))


def _cosine_window(M, name, coeffs):
    M = _window_len(M, name)
    if M <= 1:
        return jnp.ones(builtins.max(M, 0), dtypes.default_float())
    n = jnp.arange(M, dtype=dtypes.default_float())
    out = jnp.full((M,), coeffs[0], dtypes.default_float())
    for k, c in enumerate(coeffs[1:], 1):
        out = out + c * jnp.cos(2 * k * np.pi * n / (M - 1))
    return out


def blackman(M):
    return _cosine_window(M, "blackman", (0.42, -0.5, 0.08))


def hamming(M):
    return _cosine_window(M, "hamming", (0.54, -0.46))


def hanning(M):
    return _cosine_window(M, "hanning", (0.5, -0.5))


def kaiser(M, beta):
    M = _window_len(M, "kaiser")
    if M <= 1:
        return jnp.ones(builtins.max(M, 0), dtypes.default_float())
    (beta,) = _inexact(asarray_any(beta))
    n = jnp.arange(M, dtype=dtypes.default_float())
    alpha = 0.5 * (M - 1)
    return i0(beta * jnp.sqrt(1 - ((n - alpha) / alpha) ** 2)) / i0(beta)


_I0_NODES = 129  # half of a 256-point periodic trapezoid rule


def i0(x):
    """The modified Bessel function of the first kind, order 0:
    I0(x) = (1/pi) * integral over [0, pi] of exp(x cos t) dt, by the trapezoidal rule on the
    periodic integrand (error about exp(-256**2 / (2|x|)), far below float64's eps wherever I0 is
    finite), written as exp(|x|) * mean(exp(|x| (cos t - 1))) so the mean cannot overflow."""
    x = _arr(x, "i0")
    if dtypes.issubdtype(_dtype(x), np.complexfloating):
        raise JTransValueError("i0 does not support complex-valued inputs")
    (x,) = _inexact(x)
    ax = jnp.abs(x)
    t = np.linspace(0.0, np.pi, _I0_NODES)
    w = np.full(_I0_NODES, 1.0 / (_I0_NODES - 1))
    w[0] = w[-1] = 0.5 / (_I0_NODES - 1)
    cm1 = jnp.asarray(np.cos(t) - 1.0, _dtype(x))
    terms = jnp.exp(ax[..., None] * cm1) * jnp.asarray(w, _dtype(x))
    return jnp.exp(ax) * jnp.sum(terms, axis=-1)


# ---------------------------------------------------------------------------------------------
# small array functions


def rollaxis(a, axis, start=0):
    """moveaxis with NumPy's older convention for the destination."""
    a = _arr(a, "rollaxis")
    nd = _ndim(a)
    axis = canonical_axis(axis, nd)
    if not -nd <= start <= nd:
        raise JTransValueError(f"rollaxis: start={start} must satisfy {-nd} <= start <= {nd}")
    if start < 0:
        start += nd
    if start > axis:
        start -= 1
    return jnp.moveaxis(a, axis, start)


def spacing(x):
    """The distance from x to the next representable value away from zero (signed)."""
    (x,) = _inexact(_arr(x, "spacing"))
    if dtypes.issubdtype(_dtype(x), np.complexfloating):
        raise JTransValueError("jnp.spacing is not defined for complex inputs.")
    away = jnp.copysign(jnp.asarray(np.inf, _dtype(x)), x)
    return lax.sub(jnp.nextafter(x, away), x)


def matvec(x1, x2, /):
    """Batched matrix-vector product: x1[..., i, j] x2[..., j] -> [..., i]."""
    check_arraylike("matvec", x1, x2)
    x1, x2 = asarray_any(x1), asarray_any(x2)
    if _ndim(x1) < 2 or _ndim(x2) < 1:
        raise JTransValueError(
            f"matvec needs x1 of rank >= 2 and x2 of rank >= 1, got {_shape(x1)} and {_shape(x2)}"
        )
    return jnp.matmul(x1, x2[..., None])[..., 0]


def vecmat(x1, x2, /):
    """Batched vector-matrix product: conj(x1)[..., i] x2[..., i, j] -> [..., j]."""
    check_arraylike("vecmat", x1, x2)
    x1, x2 = asarray_any(x1), asarray_any(x2)
    if _ndim(x1) < 1 or _ndim(x2) < 2:
        raise JTransValueError(
            f"vecmat needs x1 of rank >= 1 and x2 of rank >= 2, got {_shape(x1)} and {_shape(x2)}"
        )
    return jnp.matmul(jnp.conj(x1)[..., None, :], x2)[..., 0, :]


def sort_complex(a):
    """a sorted (real part first, then imaginary part) and made complex."""
    a = jnp.sort(_arr(a, "sort_complex"))
    dt = _dtype(a)
    if dt.kind != "c":
        cdt = dtypes.canonicalize_dtype(np.complex128 if dt.itemsize >= 8 else np.complex64)
        a = lax.convert_element_type(a, cdt)
    return a


def copy(a, order=None):
    """A copy of a (jtrans arrays are immutable, so this is a new Array over the same values)."""
    return jnp.array(a, copy=True)


def astype(x, dtype, /, *, copy=False, device=None):
    """x converted to dtype (the result is never weakly typed), put on `device` if given."""
    x = _arr(x, "astype")
    out = lax.convert_element_type(x, dtypes.check_dtype(dtype), False)
    if device is not None:
        from ..array import device_put

        out = device_put(out, device)
    return out


_ISDTYPE_KINDS = {
    "bool": lambda d: d == np.bool_,
    "signed integer": lambda d: d.kind == "i",
    "unsigned integer": lambda d: d.kind == "u",
    "integral": lambda d: d.kind in "iu",
    "real floating": lambda d: d.kind == "f" or d == dtypes.bfloat16,
    "complex floating": lambda d: d.kind == "c",
    "numeric": lambda d: d.kind in "iufc" or d == dtypes.bfloat16,
}


def _as_np_dtype(d):
    return np.dtype(getattr(d, "dtype", d))


def isdtype(dtype, kind):
    """Whether dtype is of `kind`: a kind name ('integral', 'real floating', ...), a dtype, or a
    tuple of them (Array API)."""
    d = _as_np_dtype(dtype)
    for k in kind if isinstance(kind, tuple) else (kind,):
        if isinstance(k, str):
            if k not in _ISDTYPE_KINDS:
                raise JTransValueError(
                    f"isdtype: unrecognized kind {k!r}; expected one of {list(_ISDTYPE_KINDS)}"
                )
            if _ISDTYPE_KINDS[k](d):
                return True
        elif d == _as_np_dtype(k):
            return True
    return False


def iterable(y):
    return np.iterable(y)


def packbits(a, axis=None, bitorder="big"):
    """Groups of 8 truth values packed into uint8 (padded with zeros at the end)."""
    arr = _arr(a, "packbits")
    if _dtype(arr).kind not in "iub":
        raise JTransTypeError("packbits: expected an input array of integer or boolean data type")
    if bitorder not in ("little", "big"):
        raise JTransValueError("packbits: 'order' must be either 'little' or 'big'")
    arr = lax.convert_element_type(lax.ne(arr, lax.full_like(arr, 0)), np.uint8)
    bits = np.arange(8, dtype=np.uint8)
    if bitorder == "big":
        bits = bits[::-1]
    if axis is None:
        arr, axis = jnp.ravel(arr), 0
    arr = jnp.swapaxes(arr, axis, -1)
    rem = _shape(arr)[-1] % 8
    if rem:
        pads = [(0, 0, 0)] * (_ndim(arr) - 1) + [(0, 8 - rem, 0)]
        arr = lax.pad(arr, lax.full((), 0, np.uint8), pads)
    arr = jnp.reshape(arr, _shape(arr)[:-1] + (_shape(arr)[-1] // 8, 8))
    packed = jnp.sum(lax.shift_left(arr, lax.broadcast_in_dim(jnp.asarray(bits), _shape(arr),
                                                              (_ndim(arr) - 1,))),
                     axis=-1, dtype=np.uint8)  # fmt: skip
    return jnp.swapaxes(packed, axis, -1)


def unpackbits(a, axis=None, count=None, bitorder="big"):
    """The bits of a uint8 array, as a uint8 array of 0s and 1s (8 per input byte)."""
    arr = _arr(a, "unpackbits")
    if _dtype(arr) != np.uint8:
        raise JTransTypeError("unpackbits: expected an input array of unsigned byte data type")
    if bitorder not in ("little", "big"):
        raise JTransValueError("unpackbits: 'order' must be either 'little' or 'big'")
    bits = np.left_shift(np.uint8(1), np.arange(8, dtype=np.uint8))
    if bitorder == "big":
        bits = bits[::-1]
    if axis is None:
        arr, axis = jnp.ravel(arr), 0
    arr = jnp.swapaxes(arr, axis, -1)
    full = _shape(arr) + (8,)
    b = lax.broadcast_in_dim(jnp.asarray(bits), full, (len(full) - 1,))
    ab = lax.broadcast_in_dim(arr, full, tuple(_range(len(full) - 1)))
    out = lax.convert_element_type(lax.ne(lax.bitwise_and(ab, b), lax.full_like(b, 0)), np.uint8)
    out = jnp.reshape(out, _shape(arr)[:-1] + (-1,))
    if count is not None:
        count = _static_int(count, "argument count of jnp.unpackbits")
        k = _shape(out)[-1]
        if count > k:
            pads = [(0, 0, 0)] * (_ndim(out) - 1) + [(0, count - k, 0)]
            out = lax.pad(out, lax.full((), 0, np.uint8), pads)
        else:
            out = out[..., :count]
    return jnp.swapaxes(out, axis, -1)


# ---------------------------------------------------------------------------------------------
# printing and conversion from Python/NumPy sources (concrete)


def array_repr(arr, max_line_width=None, precision=None, suppress_small=None):
    """The repr of arr as NumPy would print it, named Array."""
    s = np.array_repr(np.asarray(arr), max_line_width, precision, suppress_small)
    return "Array" + s[len("array") :] if s.startswith("array") else s


def array_str(a, max_line_width=None, precision=None, suppress_small=None):
    return np.array_str(np.asarray(a), max_line_width, precision, suppress_small)


printoptions = np.printoptions
get_printoptions = np.get_printoptions
set_printoptions = np.set_printoptions


def frombuffer(buffer, dtype=float, count=-1, offset=0):
    return asarray_any(np.frombuffer(buffer, dtype=dtype, count=count, offset=offset))


def fromiter(iterable, dtype, count=-1):
    return asarray_any(np.fromiter(iterable, dtype=dtype, count=count))


def fromstring(string, dtype=float, count=-1, *, sep):
    return asarray_any(np.fromstring(string, dtype=dtype, count=count, sep=sep))


__all__ = [
    "apply_along_axis",
    "apply_over_axes",
    "array_repr",
    "array_str",
    "astype",
    "bartlett",
    "bincount",
    "blackman",
    "block",
    "choose",
    "compress",
    "convolve",
    "copy",
    "corrcoef",
    "correlate",
    "cov",
    "diag_indices",
    "diag_indices_from",
    "diff",
    "digitize",
    "ediff1d",
    "extract",
    "fill_diagonal",
    "frombuffer",
    "fromiter",
    "fromstring",
    "get_printoptions",
    "gradient",
    "hamming",
    "hanning",
    "histogram",
    "histogram2d",
    "histogram_bin_edges",
    "histogramdd",
    "i0",
    "intersect1d",
    "isdtype",
    "isin",
    "iterable",
    "kaiser",
    "mask_indices",
    "matvec",
    "packbits",
    "poly",
    "polyadd",
    "polyder",
    "polydiv",
    "polyfit",
    "polyint",
    "polymul",
    "polysub",
    "polyval",
    "printoptions",
    "put_along_axis",
    "ravel_multi_index",
    "rollaxis",
    "roots",
    "set_printoptions",
    "setdiff1d",
    "setxor1d",
    "sort_complex",
    "spacing",
    "trapezoid",
    "tril_indices",
    "tril_indices_from",
    "triu_indices",
    "triu_indices_from",
    "union1d",
    "unique_all",
    "unique_inverse",
    "unpackbits",
    "unravel_index",
    "unwrap",
    "vander",
    "vecmat",
    "vectorize",
]  # fmt: skip
