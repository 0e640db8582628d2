"""jtrans.scipy.special: logsumexp, softmax, the error and gamma families, expit/logit,
xlogy/xlog1py/entr, the normal distribution's ndtr/log_ndtr/ndtri, betaln, multigammaln.

Written with lax and jtrans.numpy only. Where a formula has a removable singularity or an
undefined branch, the unused branch is fed a safe input (the "double where" pattern) so that
derivatives stay finite, as JAX's versions do.
"""

import math

import numpy as np

from .. import core, dtypes, lax
from .. import numpy as jnp
from ..errors import JTransValueError
from ..numpy._ufuncs import _unary as _ufunc_unary
from ..numpy._util import asarray_any, canonical_axes, promote_args_inexact

__all__ = [
    "betaln", "digamma", "entr", "erf", "erfc", "erfinv", "expit", "gamma", "gammainc",
    "gammaincc", "gammaln", "log_ndtr", "log_softmax", "logit", "logsumexp", "multigammaln",
    "ndtr", "ndtri", "polygamma", "softmax", "xlog1py", "xlogy",
]  # fmt: skip


def _stop_gradient(x):
    sg = getattr(lax, "stop_gradient", None)
    return x if sg is None else sg(x)


def _unary(name, lax_fn):
    return _ufunc_unary(name, lax_fn, inexact=True)


erf = _unary("erf", lax.erf)
erfc = _unary("erfc", lax.erfc)
erfinv = _unary("erfinv", lax.erf_inv)
gammaln = _unary("gammaln", lax.lgamma)
digamma = _unary("digamma", lax.digamma)
expit = _unary("expit", lax.logistic)


def logit(x):
    """log(x / (1 - x))."""
    (x,) = promote_args_inexact("logit", x)
    return lax.sub(lax.log(x), lax.log1p(lax.neg(x)))


def gamma(x):
    """The gamma function: sign * exp(gammaln(x)), the sign alternating between the poles of
    the negative axis."""
    (x,) = promote_args_inexact("gamma", x)
    odd = lax.ne(jnp.remainder(lax.floor(x), 2.0), 0.0)
    negative = lax.bitwise_and(lax.lt(x, 0.0), odd)
    mag = lax.exp(lax.lgamma(x))
    return jnp.where(negative, lax.neg(mag), mag)


def polygamma(n, x):
    """The n-th derivative of digamma (n: a non-negative integer array or int)."""
    n_arr = asarray_any(n)
    if not dtypes.is_int(core.get_aval(n_arr).dtype) and not isinstance(n, int):
        nv = getattr(n_arr, "_value", None)
        if nv is None or not np.all(np.equal(np.mod(nv, 1), 0)):
            raise JTransValueError("polygamma's order n must be an integer")
    (x,) = promote_args_inexact("polygamma", x)
    dt = core.get_aval(x).dtype
    n_f, x = promote_args_inexact("polygamma", lax.convert_element_type(n_arr, dt), x)
    return lax.polygamma(n_f, x)


def betaln(a, b):
    """log |B(a, b)| = gammaln(a) + gammaln(b) - gammaln(a + b)."""
    a, b = promote_args_inexact("betaln", a, b)
    return lax.sub(lax.add(lax.lgamma(a), lax.lgamma(b)), lax.lgamma(lax.add(a, b)))


def multigammaln(a, d):
    """The log of the multivariate gamma function of dimension d (a static int)."""
    d = int(d)
    (a,) = promote_args_inexact("multigammaln", a)
    out = lax.full_like(a, d * (d - 1) / 4 * math.log(math.pi))
    for j in range(d):
        out = lax.add(out, lax.lgamma(lax.sub(a, j / 2)))
    return out


def gammainc(a, x):
    """The regularized lower incomplete gamma function P(a, x) (not differentiable)."""
    a, x = promote_args_inexact("gammainc", a, x)
    return lax.igamma(a, x)


def gammaincc(a, x):
    """The regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x)."""
    p = gammainc(a, x)
    return lax.sub(lax.full_like(p, 1), p)


# ---------------------------------------------------------------------------------------------
# x * log(y) with 0 * log(0) = 0


def _xlog_family(name, log_fn, ok_fn, safe):
    def f(x, y):
        x, y = promote_args_inexact(name, x, y)
        # where x == 0 and y is outside log's domain (but not NaN), the product is 0: feed the
        # log a safe y there, so the value is 0 and no inf/nan reaches the derivatives
        bad = jnp.logical_and(
            lax.eq(x, 0.0), jnp.logical_and(lax.eq(y, y), jnp.logical_not(ok_fn(y)))
        )
        safe_y = jnp.where(bad, safe, y)
        return lax.mul(x, log_fn(safe_y))

    f.__name__ = f.__qualname__ = name
    return f


def _log_ok(y):
    return jnp.logical_and(lax.gt(y, 0.0), jnp.isfinite(y))


def _log1p_ok(y):
    return jnp.logical_and(lax.gt(y, -1.0), jnp.isfinite(y))


xlogy = _xlog_family("xlogy", lax.log, _log_ok, 1.0)
xlogy.__doc__ = """x * log(y), 0 where x == 0 (unless y is NaN). d/dx = log(y), d/dy = x / y
(as JAX's custom derivative, at every point where y > 0)."""
xlog1py = _xlog_family("xlog1py", lax.log1p, _log1p_ok, 0.0)
xlog1py.__doc__ = "x * log1p(y), 0 where x == 0 (unless y is NaN)."


def entr(x):
    """-x log x for x > 0, 0 at 0, -inf for x < 0."""
    (x,) = promote_args_inexact("entr", x)
    return jnp.where(lax.lt(x, 0.0), -np.inf, lax.neg(xlogy(x, x)))


# ---------------------------------------------------------------------------------------------
# the normal distribution


def ndtr(x):
    """The standard normal CDF: erfc(-x / sqrt 2) / 2."""
    (x,) = promote_args_inexact("ndtr", x)
    return lax.mul(lax.erfc(lax.mul(x, -1 / math.sqrt(2))), 0.5)


def ndtri(p):
    """The inverse of ndtr: sqrt(2) * erfinv(2p - 1)."""
    (p,) = promote_args_inexact("ndtri", p)
    return lax.mul(lax.erf_inv(lax.sub(lax.mul(p, 2.0), 1.0)), math.sqrt(2))


def log_ndtr(x):
    """log(ndtr(x)), accurate in both tails: log1p(-ndtr(-x)) above 6, an asymptotic series
    below -10 (float32) / -20 (float64) where ndtr underflows, log(ndtr(x)) between."""
    (x,) = promote_args_inexact("log_ndtr", x)
    dt = core.get_aval(x).dtype
    lower = -20.0 if dt == dtypes.float64 else -10.0
    upper = 6.0
    hi = lax.gt(x, upper)
    lo = lax.lt(x, lower)
    x_mid = jnp.where(jnp.logical_or(hi, lo), 0.0, x)
    mid = lax.log(ndtr(x_mid))
    x_hi = jnp.where(hi, x, upper)
    right = lax.log1p(lax.neg(ndtr(lax.neg(x_hi))))
    x_lo = jnp.where(lo, x, lower)
    # log ndtr(x) = -x^2/2 - log(-x) - log(2 pi)/2 + log(1 + sum_k (-1)^k (2k-1)!! / x^(2k))
    z = lax.div(lax.full_like(x_lo, 1.0), lax.mul(x_lo, x_lo))
    series = lax.full_like(x_lo, 0.0)
    coef, zk = 1.0, lax.full_like(x_lo, 1.0)
    for k in range(1, 6):
        coef *= -(2 * k - 1)
        zk = lax.mul(zk, z)
        series = lax.add(series, lax.mul(zk, coef))
    left = lax.sub(
        lax.sub(lax.mul(lax.mul(x_lo, x_lo), -0.5), lax.log(lax.neg(x_lo))),
        0.5 * math.log(2 * math.pi),
    )
    left = lax.add(left, lax.log1p(series))
    return jnp.where(hi, right, jnp.where(lo, left, mid))


# ---------------------------------------------------------------------------------------------
# logsumexp and softmax


def _keepdims_shape(shape, axes):
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


def _max_shift(a, axes):
    """The max over axes (keepdims), with non-finite maxima replaced by 0 and no derivative."""
    shape = core.get_aval(a).shape
    kshape = _keepdims_shape(shape, axes)
    if any(shape[i] == 0 for i in axes):
        return lax.full(kshape, 0, core.get_aval(a).dtype)
    amax = lax.reshape(lax.reduce_max(a, axes), kshape)
    amax = _stop_gradient(amax)
    return jnp.where(jnp.isfinite(amax), amax, lax.full_like(amax, 0))


def logsumexp(a, axis=None, b=None, keepdims=False, return_sign=False):
    """log(sum(b * exp(a))) over axis, computed after shifting by the maximum; with
    return_sign, (log|sum|, sign); without, a negative sum gives NaN."""
    if b is not None:
        a, b = promote_args_inexact("logsumexp", a, b)
        a = jnp.where(lax.ne(b, lax.full_like(b, 0)), a, -np.inf)
    else:
        (a,) = promote_args_inexact("logsumexp", a)
    shape = core.get_aval(a).shape
    axes = canonical_axes(axis, len(shape))
    kshape = _keepdims_shape(shape, axes)
    amax = _max_shift(a, axes)
    full = lax.broadcast_in_dim(amax, shape, tuple(range(len(shape)))) if shape != kshape else amax
    e = lax.exp(lax.sub(a, full))
    if b is not None:
        e = lax.mul(e, b)
    s = lax.reshape(lax.reduce_sum(e, axes), kshape)
    sign = lax.sign(s)
    out = lax.add(lax.log(lax.abs(s)), amax)
    if not return_sign:
        out = jnp.where(lax.lt(sign, lax.full_like(sign, 0)), np.nan, out)
    if not keepdims:
        out_shape = tuple(d for i, d in enumerate(shape) if i not in axes)
        out = lax.reshape(out, out_shape)
        sign = lax.reshape(sign, out_shape)
    return (out, sign) if return_sign else out


def log_softmax(x, axis=None):
    """x - logsumexp(x, axis, keepdims=True) (axis=None: over all elements, as SciPy)."""
    (x,) = promote_args_inexact("log_softmax", x)
    shape = core.get_aval(x).shape
    axes = canonical_axes(axis, len(shape))
    shifted = lax.sub(x, _bcast_keep(_max_shift(x, axes), shape))
    lse = lax.log(lax.reshape(lax.reduce_sum(lax.exp(shifted), axes), _keepdims_shape(shape, axes)))
    return lax.sub(shifted, _bcast_keep(lse, shape))


def softmax(x, axis=None):
    """exp(x) / sum(exp(x), axis) (axis=None: over all elements, as SciPy)."""
    (x,) = promote_args_inexact("softmax", x)
    shape = core.get_aval(x).shape
    axes = canonical_axes(axis, len(shape))
    e = lax.exp(lax.sub(x, _bcast_keep(_max_shift(x, axes), shape)))
    s = lax.reshape(lax.reduce_sum(e, axes), _keepdims_shape(shape, axes))
    return lax.div(e, _bcast_keep(s, shape))


def _bcast_keep(v, shape):
    if core.get_aval(v).shape == shape:
        return v
    return lax.broadcast_in_dim(v, shape, tuple(range(len(shape))))
