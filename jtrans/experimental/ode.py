"""`jtrans.experimental.ode`: odeint, an adaptive Dormand–Prince (RK45) ODE solver, as JAX's
`jax.experimental.ode.odeint`.

The forward solve steps with error control inside `lax.while_loop`s (one per requested output
time, driven by `lax.scan`) and reads the outputs off the 4th-order dense-output polynomial of
the step that covers them. Reverse-mode derivatives come from the adjoint method (a custom_vjp):
the adjoint system is integrated backwards in time between consecutive output times, which
costs another ODE solve instead of differentiating through the solver's loops.
"""

import numpy as np

from .. import lax
from .. import numpy as jnp
from ..api import vjp, vmap
from ..core import ArrayType
from ..errors import JTransTypeError, JTransValueError
from ..flatten_util import ravel_pytree
from ..interpreters.custom_derivatives import closure_convert, custom_vjp
from ..tree_util import tree_flatten, tree_map

__all__ = ["odeint"]

# ---------------------------------------------------------------------------------------------
# the Dormand–Prince 5(4) tableau

_C = np.array([0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1, 1])
_A = [
    [],
    [1 / 5],
    [3 / 40, 9 / 40],
    [44 / 45, -56 / 15, 32 / 9],
    [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
    [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
    [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84],
]
# 5th-order weights (the last stage is f at the new point: "first same as last")
_B5 = np.array([35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84, 0])
# 5th-order minus embedded 4th-order weights: the local error estimate
_B_ERR = _B5 - np.array(
    [5179 / 57600, 0, 7571 / 16695, 393 / 640, -92097 / 339200, 187 / 2100, 1 / 40]
)
# weights of the dense-output value at the middle of the step (Shampine's, theta = 1/2)
_B_MID = 0.5 * np.array([
    6025192743 / 30085553152, 0, 51252292925 / 65400821598, -2691868925 / 45128329728,
    187940372067 / 1594534317056, -1776094331 / 19743644256, 11237099 / 235043384,
])  # fmt: skip
# the quartic p(s) = a s^4 + b s^3 + c s^2 + d s + e on s in [0, 1] through y0 (s = 0),
# y1 (s = 1), y_mid (s = 1/2), with slopes h f0 and h f1 at the ends: the rows of the inverse
# of the conditions matrix give (a, b, c, d, e) from (y0, y1, y_mid, h f0, h f1)
_QUARTIC = np.linalg.inv(np.array([
    [0, 0, 0, 0, 1], [1, 1, 1, 1, 1], [1 / 16, 1 / 8, 1 / 4, 1 / 2, 1], [0, 0, 0, 1, 0],
    [4, 3, 2, 1, 0],
]))  # fmt: skip


def _combine(weights, ks, dtype):
    """sum_i weights[i] * ks[i] over the nonzero weights."""
    out = None
    for w, k in zip(weights, ks):
        if w != 0:
            term = k * np.asarray(w, dtype)
            out = term if out is None else out + term
    return out


def _rk_step(fun, y, f0, t, dt):
    """One Dormand–Prince step: (y1, f1, error estimate, stages)."""
    ks = [f0]
    for i in range(1, 7):
        yi = y + dt * _combine(_A[i], ks, y.dtype)
        ks.append(fun(yi, t + dt * np.asarray(_C[i], dt.dtype)))
    y1 = y + dt * _combine(_B5, ks, y.dtype)
    err = dt * _combine(_B_ERR, ks, y.dtype)
    return y1, ks[-1], err, ks


def _interp_coeffs(y0, y1, ks, dt):
    """The dense-output quartic's coefficients [a, b, c, d, e] (highest power first)."""
    y_mid = y0 + dt * _combine(_B_MID, ks, y0.dtype)
    basis = [y0, y1, y_mid, dt * ks[0], dt * ks[-1]]
    return jnp.stack([_combine(row, basis, y0.dtype) for row in _QUARTIC])


def _polyval(coeffs, s):
    out = coeffs[0]
    for i in range(1, coeffs.shape[0]):
        out = out * s + coeffs[i]
    return out


def _rms(x):
    return jnp.sqrt(jnp.mean(jnp.square(x)))


def _error_ratio(err, rtol, atol, y0, y1):
    """The mean squared error relative to the tolerance atol + rtol max(|y0|, |y1|)."""
    tol = atol + rtol * jnp.maximum(jnp.abs(y0), jnp.abs(y1))
    return jnp.mean(jnp.square(err / tol))


def _next_step(dt, ratio, safety=0.9, ifactor=10.0, dfactor=0.2, order=5.0):
    """The next step size from the last one and its error ratio: grow by at most ifactor, and
    shrink by at most dfactor after a rejected step (no shrinking after an accepted one)."""
    dfactor = jnp.where(ratio < 1.0, 1.0, dfactor)
    err = jnp.sqrt(jnp.where(ratio == 0.0, 1.0, ratio)) ** (1.0 / order)
    factor = jnp.minimum(ifactor, jnp.maximum(safety / err, dfactor))
    return jnp.where(ratio == 0.0, dt * ifactor, dt * factor)


def _initial_step(fun, t0, y0, order, rtol, atol, f0):
    """Hairer, Norsett & Wanner's starting step size (Solving ODEs I, II.4)."""
    scale = atol + jnp.abs(y0) * rtol
    d0, d1 = _rms(y0 / scale), _rms(f0 / scale)
    h0 = jnp.where((d0 < 1e-5) | (d1 < 1e-5), 1e-6, 0.01 * d0 / jnp.where(d1 > 0, d1, 1.0))
    h0 = h0.astype(y0.dtype)
    f1 = fun(y0 + h0 * f0, t0 + h0)
    d2 = _rms((f1 - f0) / scale) / h0
    big = jnp.maximum(d1, d2)
    h1 = jnp.where(big <= 1e-15, jnp.maximum(1e-6, h0 * 1e-3),
                   (0.01 / jnp.where(big > 0, big, 1.0)) ** (1.0 / (order + 1.0)))  # fmt: skip
    return jnp.minimum(100 * h0, h1).astype(y0.dtype)


# ---------------------------------------------------------------------------------------------
# the solver on flat state vectors


def _solve(func, rtol, atol, mxstep, hmax, y0, ts, *args):
    def fun(y, t):
        return func(y, t, *args)

    def to_target(carry, target):
        def running(state):
            i, _, _, t, dt, _, _ = state
            return (t < target) & (i < mxstep) & (dt > 0)

        def step(state):
            i, y, f, t, dt, last_t, coeffs = state
            y1, f1, err, ks = _rk_step(fun, y, f, t, dt)
            ratio = _error_ratio(err, rtol, atol, y, y1)
            new_dt = jnp.clip(_next_step(dt, ratio), 0, hmax).astype(dt.dtype)
            accept = ratio <= 1.0
            new = (y1, f1, t + dt, new_dt, t, _interp_coeffs(y, y1, ks, dt))
            old = (y, f, t, new_dt, last_t, coeffs)
            return (i + 1,) + tuple(jnp.where(accept, a, b) for a, b in zip(new, old))

        _, *carry = lax.while_loop(running, step, (0, *carry))
        _, _, t, _, last_t, coeffs = carry
        s = (target - last_t) / (t - last_t)
        return tuple(carry), _polyval(coeffs, s.astype(coeffs.dtype))

    f0 = fun(y0, ts[0])
    dt = jnp.clip(_initial_step(fun, ts[0], y0, 4.0, rtol, atol, f0), 0, hmax).astype(ts.dtype)
    coeffs = jnp.stack([y0] * 5)
    carry = (y0, f0, ts[0], dt, ts[0], coeffs)
    _, ys = lax.scan(to_target, carry, ts[1:])
    return jnp.concatenate([y0[None], ys])


def _solve_fwd(func, rtol, atol, mxstep, hmax, y0, ts, *args):
    ys = _solve(func, rtol, atol, mxstep, hmax, y0, ts, *args)
    return ys, (ys, ts, args)


def _solve_bwd(func, rtol, atol, mxstep, hmax, res, g):
    """The adjoint method: between output times, integrate backwards (in s = -t) the state y,
    its adjoint y_bar (d y_bar/dt = -y_bar . df/dy) and the accumulating cotangents of t0 and
    of the args; add each output's cotangent to y_bar as its time is passed."""
    ys, ts, args = res

    def aug_dynamics(state, s, *args):
        y, y_bar, _, _ = state
        y_dot, pullback = vjp(func, y, -s, *args)
        return (-y_dot, *pullback(y_bar))

    def back_one(carry, i):
        y_bar, t0_bar, args_bar = carry
        # the cotangent of output time ts[i] is <f(y_i, t_i), g_i>
        t_bar = jnp.sum(func(ys[i], ts[i], *args) * g[i])
        t0_bar = t0_bar - t_bar
        state = (ys[i], y_bar, t0_bar, args_bar)
        span = jnp.stack([-ts[i], -ts[i - 1]])
        out = odeint(aug_dynamics, state, span, *args, rtol=rtol, atol=atol, mxstep=mxstep,
                     hmax=hmax)  # fmt: skip
        _, y_bar, t0_bar, args_bar = tree_map(lambda x: x[1], out)
        return (y_bar + g[i - 1], t0_bar, args_bar), t_bar

    init = (g[-1], jnp.zeros((), ts.dtype), tree_map(jnp.zeros_like, args))
    (y_bar, t0_bar, args_bar), rev_ts_bar = lax.scan(
        back_one, init, jnp.arange(ts.shape[0] - 1, 0, -1)
    )
    ts_bar = jnp.concatenate([t0_bar[None], rev_ts_bar[::-1]])
    return (y_bar, ts_bar, *args_bar)


_solve_diff = custom_vjp(_solve, nondiff_argnums=(0, 1, 2, 3, 4))
_solve_diff.defvjp(_solve_fwd, _solve_bwd)


# ---------------------------------------------------------------------------------------------
# the user's entry point: pytrees, closures


def _check_arg(arg):
    if not isinstance(arg, (int, float, complex, bool, np.ndarray, np.generic, ArrayType)):
        raise JTransTypeError(
            f"odeint's extra arguments must be arrays or pytrees of arrays, got {arg!r} of "
            f"type {type(arg).__name__}. To pass a function or other static value, close over "
            "it in `func` (e.g. with functools.partial) instead"
        )


def _ravel_func(func, unravel):
    def flat_func(y, t, *args):
        return ravel_pytree(func(unravel(y), t, *args))[0]

    return flat_func


def odeint(func, y0, t, *args, rtol=1.4e-8, atol=1.4e-8, mxstep=np.inf, hmax=np.inf):
    """Solves dy/dt = func(y, t, *args) from y(t[0]) = y0 and returns y at each time of `t`.

    func: (y, t, *args) -> dy/dt, with y a pytree of arrays shaped like y0.
    y0: the initial state, a pytree of float arrays. t: a 1-D increasing array of times, t[0]
    the initial time. args: extra arguments of func (arrays or pytrees of arrays; functions
    must be closed over instead), differentiable like y0 and t. rtol, atol: relative and
    absolute local error tolerances; mxstep: the most steps between two output times; hmax:
    the largest step size.

    Returns a pytree shaped like y0 with a leading axis of len(t). Differentiable in reverse
    mode (by the adjoint method) with respect to y0, t and args; works under jit and vmap."""
    for arg in tree_flatten(args)[0]:
        _check_arg(arg)
    t = jnp.asarray(t)
    if t.ndim != 1:
        raise JTransValueError(f"odeint: t must be a 1-D array of times, got shape {t.shape}")
    if not jnp.issubdtype(t.dtype, jnp.floating):
        t = t.astype(jnp.result_type(float))
    converted, consts = closure_convert(func, y0, t[0], *args)
    flat_y0, unravel = ravel_pytree(y0)
    flat_func = _ravel_func(converted, unravel)
    ys = _solve_diff(flat_func, rtol, atol, mxstep, hmax, flat_y0, t, *args, *consts)
    return vmap(unravel)(ys)
