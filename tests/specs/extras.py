"""OpSpecs for jtrans/numpy/_extras.py: statistics, differences, histograms, set operations,
polynomials, index helpers, windows, convolution and small utilities.

Oracles are NumPy's functions, or NumPy-equivalent lambdas where JAX's semantics differ from
NumPy's (size= padding, out-of-place updates, untrimmed polynomial remainders)."""

import numpy as np

import jtrans.numpy as jnp

from ..opspecs import OpSpec, int_args


def _f(lo=-2.0, hi=2.0):
    return lambda rng, s, dt: rng.uniform(lo, hi, s).astype(dt)


def _i(lo, hi):
    return lambda rng, s, dt: rng.integers(lo, hi, size=s).astype(np.int32)


def _sorted(rng, s, dt):
    return np.sort(rng.uniform(-2, 2, s)).astype(dt)


def _perm_rows(rng, s, dt):
    """Indices along the last axis, distinct within each row (no duplicate writes)."""
    out = np.stack([rng.permutation(s[-1])[: s[-1]] for _ in range(int(np.prod(s[:-1])))])
    return out.reshape(s).astype(np.int32)


def _make(*kinds):
    def make(rng, shapes, dt):
        return [k(rng, s, dt) for k, s in zip(kinds, shapes)]

    return make


def _np_put_along_axis(a, idx, v, axis):
    out = np.array(a, copy=True)
    np.put_along_axis(out, idx, v, axis)
    return out


def _np_fill_diagonal(a, v, wrap=False):
    out = np.array(a, copy=True)
    np.fill_diagonal(out, v, wrap=wrap)
    return out


def _pad_to(x, size, fill):
    x = np.asarray(x)
    if fill is None:
        fill = x.min() if x.size else 0
    return np.concatenate([x, np.full(max(size - x.size, 0), fill, x.dtype)])[:size]


def _np_compress_sized(cond, a, size, fill_value=0, axis=0):
    a = np.moveaxis(np.asarray(a), axis, 0)
    kept = a[np.asarray(cond, bool)]
    pad = np.full((max(size - kept.shape[0], 0),) + a.shape[1:], fill_value, a.dtype)
    return np.moveaxis(np.concatenate([kept, pad])[:size], 0, axis)


def _np_polydiv(u, v):
    """JAX's polydiv: the remainder keeps u's length (NumPy trims it)."""
    q, r = np.polydiv(u, v)
    r = np.concatenate([np.zeros(len(u) - len(r), r.dtype), r])
    return q, r


def _np_histogram(a, w=None, **kw):
    counts, edges = np.histogram(a, weights=w, **kw)
    return counts.astype(np.float64), edges


def _np_histogram2d(x, y, w=None, **kw):
    """Unweighted counts are ints (as in JAX)."""
    h, ex, ey = np.histogram2d(x, y, weights=w, **kw)
    return h.astype(np.int64 if w is None else np.float64), ex, ey


def _np_histogramdd(s, **kw):
    h, edges = np.histogramdd(s, **kw)
    return (h.astype(np.int64), *edges)


def _histogramdd_flat(s):
    h, edges = jnp.histogramdd(s, (2, 3, 2))
    return (h, *edges)


_CHOICE3 = _make(_i(-1, 4), _f(), _f(), _f())
_F2 = [((5,),), ((3, 4),), ((2, 0),)]

# fmt: off
SPECS = [
    # --- differences, integration -----------------------------------------------------------
    OpSpec("extras.diff", jnp.diff, np.diff, [((5,),), ((3, 4),), ((3, 0),), ((1,),)]),
    OpSpec("extras.diff_axis0_n2", lambda x: jnp.diff(x, n=2, axis=0),
           lambda x: np.diff(x, n=2, axis=0), [((4, 3),), ((2, 2),)]),
    OpSpec("extras.diff_prepend_append", lambda x, p, a: jnp.diff(x, prepend=p, append=a),
           lambda x, p, a: np.diff(x, prepend=p, append=a),
           [((3, 4), (), (3, 2)), ((5,), (1,), ())]),
    OpSpec("extras.diff_int", jnp.diff, np.diff, [((6,),), ((2, 3),)], args_maker=int_args(-5, 5),
           grad=False),
    OpSpec("extras.ediff1d", jnp.ediff1d, np.ediff1d, [((5,),), ((2, 3),), ((0,),), ((1,),)]),
    OpSpec("extras.ediff1d_ends", lambda x, b, e: jnp.ediff1d(x, to_end=e, to_begin=b),
           lambda x, b, e: np.ediff1d(x, to_end=e, to_begin=b), [((4,), (2,), ()), ((3,), (), ())]),
    OpSpec("extras.gradient", jnp.gradient, np.gradient, [((5,),), ((2,),), ((3, 4),)]),
    OpSpec("extras.gradient_spacing", lambda f: jnp.gradient(f, 0.5, axis=1),
           lambda f: np.gradient(f, 0.5, axis=1), [((3, 4),)]),
    OpSpec("extras.gradient_coords", jnp.gradient, np.gradient, [((5,), (5,))],
           args_maker=_make(_f(), _sorted), tol=1e-4),
    OpSpec("extras.trapezoid", jnp.trapezoid, np.trapezoid, [((5,),), ((3, 4),), ((1,),)]),
    OpSpec("extras.trapezoid_x", jnp.trapezoid, np.trapezoid, [((5,), (5,)), ((3, 4), (4,))]),
    OpSpec("extras.trapezoid_x_axis0", lambda y, x: jnp.trapezoid(y, x, axis=0),
           lambda y, x: np.trapezoid(y, x, axis=0), [((3, 4), (3, 4))]),
    OpSpec("extras.unwrap", jnp.unwrap, np.unwrap, [((6,),), ((3, 5),), ((0,),)],
           domain=(-6.0, 6.0), tol=1e-4),
    OpSpec("extras.unwrap_axis0", lambda p: jnp.unwrap(p, axis=0, discont=4.0),
           lambda p: np.unwrap(p, axis=0, discont=4.0), [((4, 3),)], domain=(-6.0, 6.0),
           tol=1e-4),
    # --- statistics ---------------------------------------------------------------------------
    OpSpec("extras.cov", jnp.cov, np.cov, [((3, 5),), ((6,),), ((1, 4),)], tol=1e-4),
    OpSpec("extras.cov_y", jnp.cov, np.cov, [((2, 5), (5,)), ((6,), (6,))], tol=1e-4),
    OpSpec("extras.cov_rowvar_bias", lambda m: jnp.cov(m, rowvar=False, bias=True),
           lambda m: np.cov(m, rowvar=False, bias=True), [((5, 3),)], tol=1e-4),
    OpSpec("extras.cov_ddof", lambda m: jnp.cov(m, ddof=2), lambda m: np.cov(m, ddof=2),
           [((3, 5),)], tol=1e-4),
    OpSpec("extras.cov_weights", lambda m, aw: jnp.cov(m, fweights=np.array([1, 2, 1, 3, 1]),
                                                     aweights=aw),
           lambda m, aw: np.cov(m, fweights=np.array([1, 2, 1, 3, 1]), aweights=aw),
           [((3, 5), (5,))], args_maker=_make(_f(), _f(0.5, 2.0)), tol=1e-4),
    OpSpec("extras.corrcoef", jnp.corrcoef, np.corrcoef, [((3, 5),), ((2, 6),)], tol=1e-4),
    OpSpec("extras.corrcoef_y", jnp.corrcoef, np.corrcoef, [((5,), (5,))], tol=1e-4),
    OpSpec("extras.bincount", lambda x: jnp.bincount(x, length=6),
           lambda x: np.bincount(np.maximum(x, 0), minlength=6)[:6], [((10,),), ((0,),)],
           args_maker=int_args(-1, 8), grad=False),
    OpSpec("extras.bincount_concrete", lambda x: jnp.bincount(x, minlength=3),
           lambda x: np.bincount(x, minlength=3), [((10,),), ((0,),)],
           args_maker=int_args(0, 6), grad=False, vmap=False, jit=False),
    OpSpec("extras.bincount_weights", lambda x, w: jnp.bincount(x, w, length=5),
           lambda x, w: np.bincount(x, w, minlength=5)[:5], [((8,), (8,))],
           args_maker=_make(_i(0, 7), _f()), nondiff_argnums=(0,)),
    OpSpec("extras.digitize", jnp.digitize, np.digitize, [((6,), (4,)), ((2, 3), (5,)), ((), (3,))],
           args_maker=_make(_f(), _sorted), grad=False),
    OpSpec("extras.digitize_right_decreasing", lambda x, b: jnp.digitize(x, b[::-1], right=True),
           lambda x, b: np.digitize(x, b[::-1], right=True), [((6,), (4,))],
           args_maker=_make(_f(), _sorted), grad=False),
    OpSpec("extras.histogram", lambda a, w: jnp.histogram(a, 4, range=(-1.5, 1.5), weights=w),
           lambda a, w: _np_histogram(a, w, bins=4, range=(-1.5, 1.5)), [((20,), (20,))],
           tol=1e-4),
    OpSpec("extras.histogram_auto", lambda a: jnp.histogram(a, 5),
           lambda a: _np_histogram(a, bins=5), [((20,),), ((3, 4),)], tol=1e-4, grad=False),
    OpSpec("extras.histogram_density", lambda a: jnp.histogram(a, 3, density=True),
           lambda a: _np_histogram(a, bins=3, density=True), [((20,),)], tol=1e-4, grad=False),
    OpSpec("extras.histogram_bin_edges", lambda a: jnp.histogram_bin_edges(a, 6),
           lambda a: np.histogram_bin_edges(a, 6), [((20,),), ((2, 3),)], tol=1e-5),
    OpSpec("extras.histogram2d", lambda x, y: jnp.histogram2d(x, y, bins=(3, 4)),
           lambda x, y: _np_histogram2d(x, y, bins=(3, 4)), [((20,), (20,))], tol=1e-4,
           grad=False),
    OpSpec("extras.histogram2d_weights",
           lambda x, y, w: jnp.histogram2d(x, y, 3, range=[(-2, 2), (-2, 2)], weights=w),
           lambda x, y, w: _np_histogram2d(x, y, w, bins=3, range=[(-2, 2), (-2, 2)]),
           [((20,), (20,), (20,))], tol=1e-4),
    OpSpec("extras.histogramdd", _histogramdd_flat,
           lambda s: _np_histogramdd(s, bins=(2, 3, 2)), [((20, 3),)], tol=1e-4, grad=False),
    # --- selection and assembly ---------------------------------------------------------------
    OpSpec("extras.choose_clip", lambda a, x, y, z: jnp.choose(a, [x, y, z], mode="clip"),
           lambda a, x, y, z: np.choose(a, [x, y, z], mode="clip"),
           [((5,), (5,), (5,), (5,)), ((2, 3), (3,), (2, 3), ())], args_maker=_CHOICE3,
           nondiff_argnums=(0,)),
    OpSpec("extras.choose_wrap", lambda a, x, y, z: jnp.choose(a, [x, y, z], mode="wrap"),
           lambda a, x, y, z: np.choose(a, [x, y, z], mode="wrap"),
           [((5,), (5,), (5,), (5,))], args_maker=_CHOICE3, nondiff_argnums=(0,)),
    OpSpec("extras.choose_raise", lambda a, x, y: jnp.choose(a, [x, y]),
           lambda a, x, y: np.choose(a, [x, y]), [((5,), (5,), (5,))],
           args_maker=_make(_i(0, 2), _f(), _f()), nondiff_argnums=(0,), vmap=False, jit=False),
    OpSpec("extras.compress", lambda c, a: jnp.compress(c, a, axis=1),
           lambda c, a: np.compress(c, a, axis=1), [((4,), (3, 4)), ((2,), (2, 3))],
           args_maker=_make(_i(0, 2), _f()), nondiff_argnums=(0,), vmap=False, jit=False),
    OpSpec("extras.compress_size", lambda c, a: jnp.compress(c, a, axis=0, size=3, fill_value=9),
           lambda c, a: _np_compress_sized(c, a, 3, 9, axis=0), [((4,), (4, 2)), ((3,), (3,))],
           args_maker=_make(_i(0, 2), _f()), nondiff_argnums=(0,)),
    OpSpec("extras.extract", jnp.extract, np.extract, [((2, 3), (2, 3))],
           args_maker=_make(_i(0, 2), _f()), nondiff_argnums=(0,), vmap=False, jit=False),
    OpSpec("extras.extract_size", lambda c, a: jnp.extract(c, a, size=5),
           lambda c, a: _pad_to(np.extract(c, a), 5, 0), [((2, 3), (2, 3))],
           args_maker=_make(_i(0, 2), _f()), nondiff_argnums=(0,)),
    OpSpec("extras.block", lambda a, b, c: jnp.block([[a, b], [c]]),
           lambda a, b, c: np.block([[a, b], [c]]), [((2, 2), (2, 1), (1, 3)), ((2,), (1,), (3,))]),
    OpSpec("extras.put_along_axis", lambda a, i, v: jnp.put_along_axis(a, i, v, 1, inplace=False),
           lambda a, i, v: _np_put_along_axis(a, i, v, 1), [((3, 4), (3, 2), (3, 2))],
           args_maker=lambda rng, s, dt: [_f()(rng, s[0], dt),
                                          _perm_rows(rng, (3, 4), dt)[:, :2],
                                          _f()(rng, s[2], dt)],
           nondiff_argnums=(1,)),
    OpSpec("extras.fill_diagonal", lambda a, v: jnp.fill_diagonal(a, v, inplace=False),
           _np_fill_diagonal, [((3, 3), ()), ((4, 2), (2,)), ((2, 2, 2), (2,))]),
    OpSpec("extras.fill_diagonal_wrap",
           lambda a, v: jnp.fill_diagonal(a, v, wrap=True, inplace=False),
           lambda a, v: _np_fill_diagonal(a, v, wrap=True),
           [((7, 3), ()), ((8, 2), (3,)), ((2, 3), (2,))]),
    # --- set operations -----------------------------------------------------------------------
    OpSpec("extras.isin", jnp.isin, np.isin, [((6,), (3,)), ((2, 3), (4,)), ((), (2,))],
           args_maker=int_args(0, 6), grad=False),
    OpSpec("extras.isin_invert", lambda a, b: jnp.isin(a, b, invert=True),
           lambda a, b: np.isin(a, b, invert=True), [((6,), (3,))], args_maker=int_args(0, 6),
           grad=False),
    OpSpec("extras.union1d", jnp.union1d, np.union1d, [((6,), (3,)), ((2, 3), (0,))],
           args_maker=int_args(0, 6), grad=False, vmap=False, jit=False),
    OpSpec("extras.union1d_size", lambda a, b: jnp.union1d(a, b, size=8),
           lambda a, b: _pad_to(np.union1d(a, b), 8, None), [((6,), (3,))],
           args_maker=int_args(0, 6), grad=False),
    OpSpec("extras.intersect1d", jnp.intersect1d, np.intersect1d, [((6,), (4,))],
           args_maker=int_args(0, 6), grad=False, vmap=False, jit=False),
    OpSpec("extras.intersect1d_indices", lambda a, b: jnp.intersect1d(a, b, return_indices=True),
           lambda a, b: np.intersect1d(a, b, return_indices=True), [((6,), (4,))],
           args_maker=int_args(0, 6), grad=False, vmap=False, jit=False),
    OpSpec("extras.intersect1d_size", lambda a, b: jnp.intersect1d(a, b, size=4, fill_value=-1),
           lambda a, b: _pad_to(np.intersect1d(a, b), 4, -1), [((6,), (4,)), ((3,), (5,))],
           args_maker=int_args(0, 6), grad=False),
    OpSpec("extras.setdiff1d", jnp.setdiff1d, np.setdiff1d, [((6,), (3,)), ((4,), (0,))],
           args_maker=int_args(0, 6), grad=False, vmap=False, jit=False),
    OpSpec("extras.setdiff1d_size", lambda a, b: jnp.setdiff1d(a, b, size=5),
           lambda a, b: _pad_to(np.setdiff1d(a, b), 5, 0), [((6,), (3,)), ((8,), (1,))],
           args_maker=int_args(0, 6), grad=False),
    OpSpec("extras.setxor1d", jnp.setxor1d, np.setxor1d, [((6,), (3,))],
           args_maker=int_args(0, 6), grad=False, vmap=False, jit=False),
    OpSpec("extras.setxor1d_size", lambda a, b: jnp.setxor1d(a, b, size=6),
           lambda a, b: _pad_to(np.setxor1d(a, b), 6, None), [((6,), (3,)), ((4,), (5,))],
           args_maker=int_args(0, 8), grad=False),
    OpSpec("extras.unique_all", lambda x: tuple(jnp.unique_all(x)),
           lambda x: tuple(np.unique_all(x)), [((8,),), ((2, 3),)], args_maker=int_args(0, 4),
           grad=False, vmap=False, jit=False),
    OpSpec("extras.unique_inverse", lambda x: tuple(jnp.unique_inverse(x)),
           lambda x: tuple(np.unique_inverse(x)), [((8,),), ((2, 3),)],
           args_maker=int_args(0, 4), grad=False, vmap=False, jit=False),
    # --- polynomials --------------------------------------------------------------------------
    OpSpec("extras.poly", jnp.poly, np.poly, [((3,),), ((1,),)]),
    OpSpec("extras.polyadd", jnp.polyadd, np.polyadd, [((3,), (5,)), ((4,), (2,)), ((3,), (3,))]),
    OpSpec("extras.polysub", jnp.polysub, np.polysub, [((3,), (5,)), ((4,), (2,))]),
    OpSpec("extras.polymul", jnp.polymul, np.polymul, [((3,), (5,)), ((1,), (2,))]),
    OpSpec("extras.polydiv", jnp.polydiv, _np_polydiv, [((5,), (3,)), ((4,), (1,))],
           args_maker=_make(_f(), _f(1.0, 2.0)), tol=1e-4),
    OpSpec("extras.polyder", lambda p: jnp.polyder(p, 2), lambda p: np.polyder(p, 2),
           [((5,),), ((2,),)]),
    OpSpec("extras.polyint", lambda p, k: jnp.polyint(p, 2, k), lambda p, k: np.polyint(p, 2, k),
           [((4,), (2,)), ((1,), ())]),
    OpSpec("extras.polyval", jnp.polyval, np.polyval, [((4,), (3,)), ((3,), ()), ((0,), (2,))]),
    OpSpec("extras.polyfit", lambda x, y: jnp.polyfit(x, y, 2), lambda x, y: np.polyfit(x, y, 2),
           [((8,), (8,)), ((6,), (6, 2))], tol=1e-3, grad_tol=1e-3, grad_order=1),
    OpSpec("extras.polyfit_w", lambda x, y, w: jnp.polyfit(x, y, 1, w=w),
           lambda x, y, w: np.polyfit(x, y, 1, w=w), [((6,), (6,), (6,))],
           args_maker=_make(_f(), _f(), _f(0.5, 2.0)), tol=1e-3, grad_tol=1e-3, grad_order=1),
    OpSpec("extras.roots", lambda p: jnp.sort(jnp.roots(p)), lambda p: np.sort(np.roots(p)),
           [((4,),), ((3,),)], args_maker=_make(_f(0.5, 2.0)), tol=1e-4, grad=False, vmap=False,
           jit=False),
    OpSpec("extras.vander", jnp.vander, np.vander, [((4,),), ((0,),)]),
    OpSpec("extras.vander_increasing", lambda x: jnp.vander(x, 3, increasing=True),
           lambda x: np.vander(x, 3, increasing=True), [((4,),)]),
    # --- convolution --------------------------------------------------------------------------
    *[OpSpec(f"extras.{op}_{mode}", lambda a, v, op=op, mode=mode: getattr(jnp, op)(a, v, mode),
             lambda a, v, op=op, mode=mode: getattr(np, op)(a, v, mode),
             [((6,), (3,)), ((3,), (5,)), ((4,), (4,)), ((1,), (1,))], tol=1e-4)
      for op in ("convolve", "correlate") for mode in ("full", "same", "valid")],
    # --- index helpers ------------------------------------------------------------------------
    OpSpec("extras.ravel_multi_index", lambda i, j: jnp.ravel_multi_index((i, j), (3, 4), "clip"),
           lambda i, j: np.ravel_multi_index((i, j), (3, 4), "clip"), [((5,), (5,)), ((), ())],
           args_maker=int_args(-2, 6), grad=False),
    OpSpec("extras.ravel_multi_index_wrap_F",
           lambda i, j: jnp.ravel_multi_index((i, j), (3, 4), "wrap", order="F"),
           lambda i, j: np.ravel_multi_index((i, j), (3, 4), "wrap", order="F"), [((5,), (5,))],
           args_maker=int_args(-5, 9), grad=False),
    OpSpec("extras.unravel_index", lambda i: jnp.unravel_index(i, (3, 4)),
           lambda i: np.unravel_index(i, (3, 4)), [((6,),), ((),), ((2, 2),)],
           args_maker=int_args(0, 12), grad=False),
    OpSpec("extras.tril_indices", lambda: jnp.tril_indices(4, 1, 5),
           lambda: np.tril_indices(4, 1, 5), [()], grad=False),
    OpSpec("extras.triu_indices_from", lambda a: jnp.triu_indices_from(a, -1),
           lambda a: np.triu_indices_from(a, -1), [((3, 4),)], grad=False, vmap=False),
    OpSpec("extras.mask_indices", lambda: jnp.mask_indices(3, jnp.triu, 1),
           lambda: np.mask_indices(3, np.triu, 1), [()], grad=False, jit=False),
    OpSpec("extras.diag_indices", lambda: jnp.diag_indices(3, 3),
           lambda: np.diag_indices(3, 3), [()], grad=False),
    # --- windows, special ---------------------------------------------------------------------
    *[OpSpec(f"extras.{w}", lambda w=w: getattr(jnp, w)(7), lambda w=w: getattr(np, w)(7), [()],
             grad=False) for w in ("bartlett", "blackman", "hamming", "hanning")],
    OpSpec("extras.kaiser", lambda beta: jnp.kaiser(6, beta), lambda beta: np.kaiser(6, beta),
           [((),)], domain=(0.5, 8.0), tol=1e-5),
    OpSpec("extras.i0", jnp.i0, np.i0, [((5,),), ((),), ((2, 0),)], domain=(-6.0, 6.0), tol=1e-5),
    OpSpec("extras.spacing", jnp.spacing, np.spacing, [((5,),), ((),)], domain=(-1e3, 1e3),
           grad=False),
    # --- small array functions ----------------------------------------------------------------
    OpSpec("extras.rollaxis", lambda a: jnp.rollaxis(a, 2, 1), lambda a: np.rollaxis(a, 2, 1),
           [((2, 3, 4),)]),
    OpSpec("extras.matvec", jnp.matvec, np.matvec, [((3, 4), (4,)), ((2, 3, 4), (1, 4))]),
    OpSpec("extras.vecmat", jnp.vecmat, np.vecmat, [((3,), (3, 4)), ((2, 3), (2, 3, 4))]),
    OpSpec("extras.sort_complex", jnp.sort_complex, np.sort_complex, [((5,),)], grad=False),
    OpSpec("extras.copy", jnp.copy, np.copy, [((3,),), ((),)]),
    OpSpec("extras.astype", lambda x: jnp.astype(x, jnp.int32), lambda x: x.astype(np.int32),
           [((4,),)], domain=(-5.0, 5.0), grad=False),
    OpSpec("extras.packbits", lambda x: jnp.packbits(x, axis=-1),
           lambda x: np.packbits(x, axis=-1), [((10,),), ((2, 9),), ((0,),)],
           args_maker=int_args(0, 2), grad=False),
    OpSpec("extras.unpackbits", lambda x: jnp.unpackbits(x, count=11, bitorder="little"),
           lambda x: np.unpackbits(x, count=11, bitorder="little"), [((3,),)],
           args_maker=int_args(0, 256, np.uint8), grad=False),
    OpSpec("extras.unpackbits_axis", lambda x: jnp.unpackbits(x, axis=0),
           lambda x: np.unpackbits(x, axis=0), [((2, 3),)],
           args_maker=int_args(0, 256, np.uint8), grad=False),
    # --- functional helpers -------------------------------------------------------------------
    OpSpec("extras.apply_along_axis",
           lambda x: jnp.apply_along_axis(lambda v: jnp.sum(v * v[::-1]), 1, x),
           lambda x: np.apply_along_axis(lambda v: np.sum(v * v[::-1]), 1, x),
           [((2, 3, 4),), ((3, 2),)]),
    OpSpec("extras.apply_along_axis_outer",
           lambda x: jnp.apply_along_axis(lambda v: jnp.outer(v, v), 0, x),
           lambda x: np.apply_along_axis(lambda v: np.outer(v, v), 0, x), [((3, 2),)]),
    OpSpec("extras.apply_over_axes", lambda x: jnp.apply_over_axes(jnp.sum, x, (0, 2)),
           lambda x: np.apply_over_axes(np.sum, x, (0, 2)), [((2, 3, 4),)]),
    OpSpec("extras.vectorize", jnp.vectorize(lambda a, b: a * jnp.sin(b)),
           np.vectorize(lambda a, b: a * np.sin(b)), [((3, 1), (4,)), ((), (2,))],
           check_dtype=False),
    OpSpec("extras.vectorize_signature",
           jnp.vectorize(lambda a, b: a @ b, signature="(m,n),(n)->(m)"),
           np.vectorize(lambda a, b: a @ b, signature="(m,n),(n)->(m)"),
           [((4, 2, 3), (3,)), ((1, 2, 3), (5, 1, 3))]),
    OpSpec("extras.vectorize_two_outputs",
           jnp.vectorize(lambda a: (jnp.sum(a), jnp.max(a)), signature="(n)->(),()"),
           np.vectorize(lambda a: (np.sum(a), np.max(a)), signature="(n)->(),()"),
           [((4, 3),)]),
]
# fmt: on
