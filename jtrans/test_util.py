"""Checking derivatives numerically: `check_grads(f, args, order, modes)`.

Forward mode is checked against central differences; reverse mode against forward mode by the
inner-product identity <v, J u> = <J^T v, u>; both recursively to `order`. Use float64 inputs
(with x64 enabled) for meaningful tolerances.
"""

import numpy as np

from . import api, core, dtypes
from .tree_util import tree_flatten, tree_map, tree_unflatten

__all__ = ["check_grads", "check_jvp", "check_vjp"]

_EPS = {np.dtype("float64"): 1e-4, np.dtype("float32"): 1e-2, np.dtype("float16"): 1e-1}
_TOL = {np.dtype("float64"): 1e-5, np.dtype("float32"): 2e-2, np.dtype("float16"): 1e-1}


def _np(x):
    return np.asarray(x)


def _rand_like(rng, x):
    a = _np(x)
    if not dtypes.is_inexact(a.dtype):
        return np.zeros(a.shape, np.float32)
    v = rng.standard_normal(a.shape)
    if dtypes.is_complex(a.dtype):
        v = v + 1j * rng.standard_normal(a.shape)
    return np.asarray(v, a.dtype)


def _vdot(xs, ys):
    total = 0.0
    for x, y in zip(xs, ys):
        # the bilinear pairing (no conjugation): transposes follow JAX's convention
        x, y = _np(x).astype(np.complex128), _np(y).astype(np.complex128)
        total += np.sum(x * y).real
    return total


def _add(xs, ys, scale):
    return [(_np(x) + scale * _np(y)).astype(_np(x).dtype) if dtypes.is_inexact(_np(x).dtype)
            else _np(x) for x, y in zip(xs, ys)]  # fmt: skip


def _tol(args, atol, rtol, eps):
    dts = [_np(a).dtype for a in args if dtypes.is_inexact(_np(a).dtype)]
    dt = np.dtype("float32") if not dts else min(dts, key=lambda d: d.itemsize)
    if dt.kind == "c":
        dt = np.dtype("float64") if dt == np.complex128 else np.dtype("float32")
    return (atol or _TOL.get(dt, 1e-2), rtol or _TOL.get(dt, 1e-2), eps or _EPS.get(dt, 1e-2))


def _assert_close(a, b, atol, rtol, what):
    for x, y in zip(a, b):
        x, y = _np(x), _np(y)
        if not np.allclose(x, y, atol=atol, rtol=rtol, equal_nan=True):
            err = np.max(np.abs(x.astype(np.complex128) - y.astype(np.complex128)))
            raise AssertionError(f"{what} mismatch (max abs error {err:.3g}, atol={atol}, "
                                 f"rtol={rtol}):\n{x}\nvs\n{y}")  # fmt: skip


def _flat_f(f, args):
    flat, tree = tree_flatten(args)

    def g(*xs):
        out = f(*tree_unflatten(tree, list(xs)))
        return tree_flatten(out)[0]

    return g, flat


def check_jvp(f, args, atol=None, rtol=None, eps=None, rng=None):
    """Checks jvp(f) at args against central differences along a random direction."""
    rng = rng or np.random.default_rng(0)
    g, flat = _flat_f(f, tuple(args))
    atol, rtol, eps = _tol(flat, atol, rtol, eps)
    tangents = [_rand_like(rng, x) for x in flat]
    _, out_t = api.jvp(g, tuple(flat), tuple(tangents))
    plus = g(*_add(flat, tangents, eps))
    minus = g(*_add(flat, tangents, -eps))
    fd = [(_np(p).astype(np.complex128) - _np(m)) / (2 * eps) for p, m in zip(plus, minus)]
    _assert_close([_np(t) for t in out_t], fd, atol, rtol, "JVP vs finite differences")


def check_vjp(f, args, atol=None, rtol=None, eps=None, rng=None):
    """Checks vjp(f) against jvp(f) by the inner-product identity <v, J u> = <J^T v, u>."""
    rng = rng or np.random.default_rng(1)
    g, flat = _flat_f(f, tuple(args))
    atol, rtol, _ = _tol(flat, atol, rtol, eps)
    u = [_rand_like(rng, x) for x in flat]
    out, f_vjp = api.vjp(g, *flat)
    v = [_rand_like(rng, o) for o in out]
    _, ju = api.jvp(g, tuple(flat), tuple(u))
    jtv = f_vjp(v)
    lhs, rhs = _vdot(v, ju), _vdot(jtv, u)
    if not np.isclose(lhs, rhs, atol=atol * 10, rtol=rtol * 10):
        raise AssertionError(f"VJP inconsistent with JVP: <v, J u> = {lhs} but "
                             f"<J^T v, u> = {rhs}")  # fmt: skip


def check_grads(f, args, order, modes=("fwd", "rev"), atol=None, rtol=None, eps=None):
    """Checks the derivatives of f at args (a tuple) to `order`, in the given modes.

    Higher orders check the derivative functions themselves: for order 2 in "fwd" mode, the
    JVP of `u -> jvp(f, args, u)` is checked too, and likewise for "rev".
    """
    args = tuple(args)
    rng = np.random.default_rng(0)

    def rec(fun, args, order):
        if "fwd" in modes:
            check_jvp(fun, args, atol, rtol, eps, rng)
            if order > 1:
                flat, tree = tree_flatten(args)
                t = tree_unflatten(tree, [_rand_like(rng, x) for x in flat])

                def f_jvp(*primals):
                    return api.jvp(fun, primals, tuple(t))[1]

                rec(f_jvp, args, order - 1)
        if "rev" in modes:
            check_vjp(fun, args, atol, rtol, eps, rng)
            if order > 1:
                out = fun(*args)
                ct = tree_map(lambda o: _rand_like(rng, o), out)

                def f_vjp(*primals):
                    return api.vjp(fun, *primals)[1](ct)

                rec(f_vjp, args, order - 1)

    rec(f, args, order)


def is_concrete(x):
    return core.is_concrete(x)
