"""jtrans.scipy.optimize: `minimize` with method='BFGS' (as jax.scipy.optimize), a BFGS loop
with a strong-Wolfe line search, both `lax.while_loop`s, so it runs under jit and vmap. Results
come as an `OptimizeResults` namedtuple. `line_search` is exported too."""

from typing import NamedTuple

import numpy as np

from .. import core, dtypes, lax
from .. import numpy as jnp
from ..api import value_and_grad
from ..errors import JTransValueError
from ..numpy._util import asarray_any

__all__ = ["OptimizeResults", "line_search", "minimize"]


class OptimizeResults(NamedTuple):
    """x: the solution; success; status (0 converged, 1 max iterations, 3 line search failed);
    fun, jac: value and gradient at x; hess_inv: the BFGS inverse Hessian estimate; nfev,
    njev: function and gradient evaluations; nit: iterations."""

    x: object
    success: object
    status: object
    fun: object
    jac: object
    hess_inv: object
    nfev: object
    njev: object
    nit: object


class _LineSearchResults(NamedTuple):
    failed: object
    nit: object
    nfev: object
    ngev: object
    k: object
    a_k: object
    f_k: object
    g_k: object
    status: object


def line_search(f, xk, pk, old_fval=None, old_old_fval=None, gfk=None, c1=1e-4, c2=0.9,
                maxiter=20):  # fmt: skip
    """Step a_k along pk satisfying the strong Wolfe conditions (Nocedal & Wright, algorithms
    3.5 and 3.6: bracketing, then zoom by bisection); f is scalar-valued. status: 0 found,
    1 maxiter reached, 2 not a descent direction."""
    xk, pk = asarray_any(xk), asarray_any(pk)
    vg = value_and_grad(f)
    if old_fval is None or gfk is None:
        old_fval, gfk = vg(xk)
    dt = core.get_aval(old_fval).dtype

    def phi(a):
        v, g = vg(xk + a.astype(xk.dtype) * pk)
        return v.astype(dt), g, jnp.real(jnp.vdot(g, pk)).astype(dt)

    dphi0 = jnp.real(jnp.vdot(gfk, pk)).astype(dt)
    one = jnp.ones((), dt)
    if old_old_fval is None:
        a_init = one
    else:
        guess = 1.01 * 2 * (old_fval - old_old_fval) / dphi0
        a_init = jnp.where(jnp.isfinite(guess) & (guess > 0), jnp.minimum(one, guess), one)
    zero = jnp.zeros((), dt)
    state = {
        "i": jnp.asarray(0, np.int32), "done": jnp.asarray(False), "zoom": jnp.asarray(False),
        "a_prev": zero, "f_prev": old_fval.astype(dt), "a_try": a_init,
        "lo": zero, "f_lo": old_fval.astype(dt), "d_lo": dphi0, "hi": zero,
        "a_star": zero, "f_star": old_fval.astype(dt), "g_star": gfk,
    }  # fmt: skip

    def cond(s):
        return (~s["done"]) & (s["i"] < maxiter) & (dphi0 < 0)

    def body(s):
        a = jnp.where(s["zoom"], (s["lo"] + s["hi"]) / 2, s["a_try"])
        f_a, g_a, d_a = phi(a)
        armijo_fail = f_a > old_fval + c1 * a * dphi0
        curvature = jnp.abs(d_a) <= -c2 * dphi0
        # bracketing phase
        b_to_zoom1 = armijo_fail | ((s["i"] > 0) & (f_a >= s["f_prev"]))
        b_done = ~b_to_zoom1 & curvature
        b_to_zoom2 = ~b_to_zoom1 & ~b_done & (d_a >= 0)
        # zoom phase
        z_hi = armijo_fail | (f_a >= s["f_lo"])
        z_done = ~z_hi & curvature
        z_flip = ~z_hi & ~z_done & (d_a * (s["hi"] - s["lo"]) >= 0)
        zoom = s["zoom"]
        done = jnp.where(zoom, z_done, b_done)
        new = dict(s)
        new["i"] = s["i"] + 1
        new["done"] = done
        new["zoom"] = zoom | b_to_zoom1 | b_to_zoom2
        # bracket [lo, hi] in either phase
        lo_b = jnp.where(b_to_zoom1, s["a_prev"], a)
        hi_b = jnp.where(b_to_zoom1, a, s["a_prev"])
        f_lo_b = jnp.where(b_to_zoom1, s["f_prev"], f_a)
        lo_z = jnp.where(z_hi, s["lo"], a)
        hi_z = jnp.where(z_hi, a, jnp.where(z_flip, s["lo"], s["hi"]))
        f_lo_z = jnp.where(z_hi, s["f_lo"], f_a)
        entering = ~zoom & (b_to_zoom1 | b_to_zoom2)
        new["lo"] = jnp.where(zoom, lo_z, jnp.where(entering, lo_b, s["lo"]))
        new["hi"] = jnp.where(zoom, hi_z, jnp.where(entering, hi_b, s["hi"]))
        new["f_lo"] = jnp.where(zoom, f_lo_z, jnp.where(entering, f_lo_b, s["f_lo"]))
        new["a_prev"], new["f_prev"] = a, f_a
        new["a_try"] = 2 * a
        new["a_star"] = jnp.where(done, a, s["a_star"])
        new["f_star"] = jnp.where(done, f_a, s["f_star"])
        new["g_star"] = jnp.where(done, g_a, s["g_star"])
        return new

    s = lax.while_loop(cond, body, state)
    status = jnp.where(dphi0 >= 0, 2, jnp.where(s["done"], 0, 1)).astype(np.int32)
    return _LineSearchResults(
        failed=~s["done"], nit=s["i"], nfev=s["i"] + 1, ngev=s["i"] + 1, k=s["i"],
        a_k=s["a_star"], f_k=s["f_star"], g_k=s["g_star"], status=status,
    )  # fmt: skip


def _bfgs(fun, x0, maxiter, norm, gtol, line_search_maxiter):
    n = core.get_aval(x0).shape[0]
    vg = value_and_grad(fun)
    f0, g0 = vg(x0)
    dt = x0.dtype
    eye = jnp.eye(n, dtype=dt)
    state = {
        "converged": jnp.linalg.norm(g0, ord=norm) < gtol, "failed": jnp.asarray(False),
        "k": jnp.asarray(0, np.int32), "nfev": jnp.asarray(1, np.int32),
        "ngev": jnp.asarray(1, np.int32), "x": x0, "f": f0, "g": g0, "H": eye,
        "old_old": f0 + jnp.linalg.norm(g0) / 2, "ls_status": jnp.asarray(0, np.int32),
    }  # fmt: skip

    def cond(s):
        return (~s["converged"]) & (~s["failed"]) & (s["k"] < maxiter)

    def body(s):
        p = -(s["H"] @ s["g"])
        ls = line_search(fun, s["x"], p, old_fval=s["f"], old_old_fval=s["old_old"],
                         gfk=s["g"], maxiter=line_search_maxiter)  # fmt: skip
        sk = ls.a_k.astype(dt) * p
        x1 = s["x"] + sk
        yk = ls.g_k - s["g"]
        rho = 1 / jnp.real(jnp.vdot(yk, sk))
        rho_c = rho.astype(dt)
        w = eye - rho_c * jnp.outer(sk, yk)
        H1 = w @ s["H"] @ w.T + rho_c * jnp.outer(sk, sk)
        H1 = jnp.where(jnp.isfinite(rho), H1, s["H"])
        new = dict(s)
        new["failed"] = ls.failed
        keep = ls.failed
        new["k"] = s["k"] + 1
        new["nfev"] = s["nfev"] + ls.nfev
        new["ngev"] = s["ngev"] + ls.ngev
        new["x"] = jnp.where(keep, s["x"], x1)
        new["f"] = jnp.where(keep, s["f"], ls.f_k)
        new["g"] = jnp.where(keep, s["g"], ls.g_k)
        new["H"] = jnp.where(keep, s["H"], H1)
        new["old_old"] = s["f"]
        new["converged"] = (~keep) & (jnp.linalg.norm(ls.g_k, ord=norm) < gtol)
        new["ls_status"] = ls.status
        return new

    s = lax.while_loop(cond, body, state)
    status = jnp.where(s["converged"], 0, jnp.where(s["k"] >= maxiter, 1, jnp.where(
        s["failed"], 3, -1))).astype(np.int32)  # fmt: skip
    return OptimizeResults(
        x=s["x"], success=s["converged"] & ~s["failed"], status=status, fun=s["f"],
        jac=s["g"], hess_inv=s["H"], nfev=s["nfev"], njev=s["ngev"], nit=s["k"],
    )  # fmt: skip


def minimize(fun, x0, args=(), *, method, tol=None, options=None):
    """Minimises the scalar function fun(x, *args) from x0 (a 1-D array). method: 'BFGS'.
    options: maxiter (default 200 * len(x0)), norm (of the gradient, default inf), gtol
    (default 1e-5; tol overrides it), line_search_maxiter (default 10)."""
    if options is None:
        options = {}
    if not isinstance(args, tuple):
        raise TypeError(f"minimize: args must be a tuple, got {type(args).__name__}")
    x0 = asarray_any(x0)
    if len(core.get_aval(x0).shape) != 1:
        raise JTransValueError(f"minimize: x0 must be 1-D, got shape {core.get_aval(x0).shape}")
    if not dtypes.is_inexact(x0.dtype):
        x0 = x0.astype(dtypes.default_float())
    if method.lower() != "bfgs":
        raise JTransValueError(f"minimize: method {method!r} is not supported (use 'BFGS')")
    known = {"maxiter", "norm", "gtol", "line_search_maxiter"}
    unknown = set(options) - known
    if unknown:
        raise TypeError(f"minimize: unexpected options {sorted(unknown)} (known: {sorted(known)})")
    n = core.get_aval(x0).shape[0]
    maxiter = options.get("maxiter")
    maxiter = 200 * n if maxiter is None else maxiter
    gtol = options.get("gtol", 1e-5) if tol is None else tol
    return _bfgs(lambda x: fun(x, *args), x0, maxiter, options.get("norm", np.inf), gtol,
                 options.get("line_search_maxiter", 10))  # fmt: skip
