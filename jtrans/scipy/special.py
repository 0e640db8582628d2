"""jtrans.scipy.special: logsumexp, softmax, the error and gamma families, expit/logit,
xlogy/xlog1py/entr, the normal distribution's ndtr/log_ndtr/ndtri, betaln, multigammaln;
beta/betainc/comb/factorial/poch, Box-Cox, kl_div/rel_entr, the Bessel functions i0/i1 (and
scaled), bessel_jn, zeta, erfcx/dawsn, the exponential integrals, spence, sici, fresnel,
owens_t, hyp1f1/hyp2f1. wofz and sph_harm_y (complex-valued) raise NotImplementedError.

Functions without a lax primitive are series, continued fractions or quadratures with fixed
term counts (so they trace, batch and compile), with closed-form derivatives via custom_jvp
where one exists.

Written with lax and jtrans.numpy only. Where a formula has a removable singularity or an
undefined branch, the unused branch is fed a safe input (the "double where" pattern) so that
derivatives stay finite, as JAX's versions do.
"""

import math

import numpy as np

from .. import core, dtypes, lax
from .. import numpy as jnp
from ..errors import JTransValueError
from ..interpreters.custom_derivatives import custom_jvp
from ..numpy._ufuncs import _unary as _ufunc_unary
from ..numpy._util import asarray_any, canonical_axes, promote_args_inexact

__all__ = [
    "bernoulli", "bessel_jn", "beta", "betainc", "betaln", "boxcox", "boxcox1p", "comb",
    "dawsn", "digamma", "entr", "erf", "erfc", "erfcx", "erfinv", "exp1", "expi", "expit",
    "expn", "factorial", "fresnel", "gamma", "gammainc", "gammaincc", "gammaln", "gammasgn",
    "hyp1f1", "hyp2f1", "i0", "i0e", "i1", "i1e", "kl_div", "log_ndtr", "log_softmax",
    "loggamma", "logit", "logsumexp", "multigammaln", "ndtr", "ndtri", "owens_t", "poch",
    "polygamma", "rel_entr", "sici", "softmax", "spence", "sph_harm_y", "wofz", "xlog1py",
    "xlogy", "zeta",
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


# ---------------------------------------------------------------------------------------------
# gamma and beta relatives, combinatorics


def gammasgn(x):
    """The sign of the gamma function: 1 for x > 0 (and at +0), -1 / 1 alternating between the
    poles of the negative axis, NaN at the poles (negative integers)."""
    (x,) = promote_args_inexact("gammasgn", x)
    odd = lax.ne(jnp.remainder(lax.floor(x), 2.0), 0.0)
    sign = jnp.where(jnp.logical_and(lax.lt(x, 0.0), odd), -1.0, 1.0).astype(x.dtype)
    pole = jnp.logical_and(lax.lt(x, 0.0), lax.eq(lax.floor(x), x))
    return jnp.where(jnp.logical_or(pole, jnp.isnan(x)), np.nan, sign)


def loggamma(x):
    """The principal branch of log Gamma; for real x it is gammaln(x) for x > 0 and NaN for
    x < 0, as SciPy's real loggamma."""
    (x,) = promote_args_inexact("loggamma", x)
    if dtypes.is_complex(core.get_aval(x).dtype):
        raise NotImplementedError(
            "loggamma of complex arguments is not implemented in jtrans; for real x use "
            "gammaln(x) (log|Gamma|) and gammasgn(x) (its sign)"
        )
    return jnp.where(lax.lt(x, 0.0), np.nan, lax.lgamma(jnp.where(lax.lt(x, 0.0), 1.0, x)))


def beta(a, b):
    """The beta function B(a, b) = Gamma(a) Gamma(b) / Gamma(a + b)."""
    a, b = promote_args_inexact("beta", a, b)
    sign = gammasgn(a) * gammasgn(b) * gammasgn(a + b)
    return sign * lax.exp(betaln(a, b))


def betainc(a, b, x):
    """The regularized incomplete beta function I_x(a, b) (differentiable in x only)."""
    a, b, x = promote_args_inexact("betainc", a, b, x)
    return lax.betainc(a, b, x)


def factorial(n, exact=False):
    """n! = Gamma(n + 1) for n >= 0 (any real n), 0 for n < 0."""
    if exact:
        raise NotImplementedError(
            "factorial(exact=True) is not supported (as in JAX); use exact=False, or Python's "
            "math.factorial for concrete integers"
        )
    (n,) = promote_args_inexact("factorial", n)
    safe = jnp.where(lax.lt(n, 0.0), 0.0, n)
    return jnp.where(lax.lt(n, 0.0), 0.0, lax.exp(lax.lgamma(safe + 1.0)))


def comb(N, k, *, exact=False, repetition=False):
    """The number of combinations N choose k, exp(gammaln(N + 1) - gammaln(k + 1) -
    gammaln(N - k + 1)); 0 where k < 0 or k > N; with repetition, comb(N + k - 1, k)."""
    if exact:
        raise NotImplementedError("comb(exact=True) is not supported (as in JAX)")
    N, k = promote_args_inexact("comb", N, k)
    if repetition:
        return comb(N + k - 1, k)
    ok = jnp.logical_and(jnp.logical_and(lax.ge(k, 0.0), lax.le(k, N)), lax.ge(N, 0.0))
    k_s = jnp.where(ok, k, 0.0)
    N_s = jnp.where(ok, N, 0.0)
    val = lax.exp(lax.lgamma(N_s + 1.0) - lax.lgamma(k_s + 1.0) - lax.lgamma(N_s - k_s + 1.0))
    return jnp.where(ok, val, 0.0)


def poch(z, m):
    """The Pochhammer symbol (z)_m = Gamma(z + m) / Gamma(z)."""
    z, m = promote_args_inexact("poch", z, m)
    sign = gammasgn(z + m) * gammasgn(z)
    val = sign * lax.exp(lax.lgamma(z + m) - lax.lgamma(z))
    return jnp.where(lax.eq(m, 0.0), 1.0, val)


def bernoulli(n):
    """The Bernoulli numbers B_0 ... B_n (B_1 = -1/2), as a float array of length n + 1
    (n: a static non-negative int)."""
    from fractions import Fraction

    n = int(core.concrete_or_error(n, "bernoulli's n (a static int)"))
    if n < 0:
        raise JTransValueError(f"bernoulli: n must be a non-negative integer, got {n}")
    # the recurrence sum_{j<=m} C(m + 1, j) B_j = 0, in exact rationals
    nums = [Fraction(1)]
    for m in range(1, n + 1):
        s = sum(math.comb(m + 1, j) * nums[j] for j in range(m))
        nums.append(-s / (m + 1))
    return jnp.asarray(np.array([float(b) for b in nums]), dtype=dtypes.default_float())


# ---------------------------------------------------------------------------------------------
# Box-Cox, entropies


def _expm1_ratio(t):
    """expm1(t) / t, smooth through t = 0 (its Taylor series below |t| = 1e-2)."""
    small = lax.lt(lax.abs(t), 1e-2)
    ts = jnp.where(small, 1.0, t)
    tt = jnp.where(small, t, 0.0)
    series = 1.0 + tt * (1 / 2 + tt * (1 / 6 + tt * (1 / 24 + tt / 120)))
    return jnp.where(small, series, lax.expm1(ts) / ts)


def boxcox(x, lmbda):
    """(x^lmbda - 1) / lmbda, log(x) at lmbda == 0 (smooth in lmbda through 0)."""
    x, lmbda = promote_args_inexact("boxcox", x, lmbda)
    logx = lax.log(x)
    return logx * _expm1_ratio(lmbda * logx)


def boxcox1p(x, lmbda):
    """((1 + x)^lmbda - 1) / lmbda, log1p(x) at lmbda == 0 (smooth in lmbda through 0)."""
    x, lmbda = promote_args_inexact("boxcox1p", x, lmbda)
    log1px = lax.log1p(x)
    return log1px * _expm1_ratio(lmbda * log1px)


def rel_entr(p, q):
    """p log(p / q) for p, q > 0; 0 at p == 0 (q >= 0); inf otherwise."""
    p, q = promote_args_inexact("rel_entr", p, q)
    both = jnp.logical_and(lax.gt(p, 0.0), lax.gt(q, 0.0))
    p_s = jnp.where(both, p, 1.0)
    q_s = jnp.where(both, q, 1.0)
    val = p_s * lax.log(p_s / q_s)
    zero = jnp.logical_and(lax.eq(p, 0.0), lax.ge(q, 0.0))
    out = jnp.where(both, val, jnp.where(zero, 0.0, np.inf))
    return jnp.where(jnp.isnan(p) | jnp.isnan(q), np.nan, out)


def kl_div(p, q):
    """p log(p / q) - p + q for p, q > 0; q at p == 0 (q >= 0); inf otherwise."""
    p, q = promote_args_inexact("kl_div", p, q)
    both = jnp.logical_and(lax.gt(p, 0.0), lax.gt(q, 0.0))
    p_s = jnp.where(both, p, 1.0)
    q_s = jnp.where(both, q, 1.0)
    val = p_s * lax.log(p_s / q_s) - p_s + q_s
    zero = jnp.logical_and(lax.eq(p, 0.0), lax.ge(q, 0.0))
    out = jnp.where(both, val, jnp.where(zero, q, np.inf))
    return jnp.where(jnp.isnan(p) | jnp.isnan(q), np.nan, out)


# ---------------------------------------------------------------------------------------------
# Bessel functions, zeta


def i0e(x):
    """The exponentially scaled modified Bessel function of order 0, exp(-|x|) I0(x)."""
    (x,) = promote_args_inexact("i0e", x)
    return lax.bessel_i0e(x)


def i1e(x):
    """The exponentially scaled modified Bessel function of order 1, exp(-|x|) I1(x)."""
    (x,) = promote_args_inexact("i1e", x)
    return lax.bessel_i1e(x)


def i0(x):
    """The modified Bessel function of order 0, exp(|x|) i0e(x)."""
    (x,) = promote_args_inexact("i0", x)
    return lax.exp(lax.abs(x)) * lax.bessel_i0e(x)


def i1(x):
    """The modified Bessel function of order 1, exp(|x|) i1e(x)."""
    (x,) = promote_args_inexact("i1", x)
    return lax.exp(lax.abs(x)) * lax.bessel_i1e(x)


def zeta(x, q=None):
    """The Hurwitz zeta function sum_k (k + q)^-x; q=None gives Riemann's zeta (q = 1), as
    SciPy. Differentiable in q."""
    if q is None:
        (x,) = promote_args_inexact("zeta", x)
        return lax.zeta(x, jnp.ones_like(x))
    x, q = promote_args_inexact("zeta", x, q)
    return lax.zeta(x, q)


def bessel_jn(z, *, v, n_iter=50):
    """The Bessel functions of the first kind J_0(z) ... J_v(z), stacked along a new leading
    axis (shape (v + 1,) + z.shape), by Miller's backward recurrence started at order
    v + n_iter (accurate for |z| well below that order). Differentiable in z."""
    v = int(v)
    n_iter = int(n_iter)
    if v < 0:
        raise JTransValueError(f"bessel_jn: the order v must be a non-negative int, got {v}")
    (z,) = promote_args_inexact("bessel_jn", z)
    zero = lax.eq(z, 0.0)
    zs = jnp.where(zero, 1.0, z)
    top = v + n_iter + (v + n_iter) % 2
    # (j_k, j_{k+1}) run down from (tiny, 0); each step is rescaled by |j_k| (the scale cancels
    # in the normalisation J_0 + 2 sum_k J_2k = 1, so it carries no derivative)
    p = jnp.full_like(zs, 1e-30)
    q = jnp.zeros_like(zs)
    norm = jnp.zeros_like(zs)
    outs = [None] * (v + 1)
    for k in range(top, 0, -1):
        p, q = (2.0 * k / zs) * p - q, p  # now p = j_{k-1}
        r = _stop_gradient(lax.abs(p) + 1e-30)
        p, q, norm = p / r, q / r, norm / r
        outs = [o / r if o is not None else None for o in outs]
        if k - 1 <= v:
            outs[k - 1] = p
        if (k - 1) % 2 == 0:
            norm = norm + (2.0 * p if k - 1 > 0 else p)
    res = [jnp.where(zero, 1.0 if i == 0 else 0.0, o / norm) for i, o in enumerate(outs)]
    return jnp.stack(res)


# ---------------------------------------------------------------------------------------------
# error-function relatives, exponential integrals, Spence, sine/cosine and Fresnel integrals.
# The values come from series and continued fractions evaluated with lax (fixed term counts,
# so they trace, batch and compile); the derivatives are the closed forms, via custom_jvp.

_EULER = 0.5772156649015329
_SQRT_PI = math.sqrt(math.pi)


def _fori(n, body, init):
    return lax.fori_loop(0, n, body, init)


def _cf_erfcx(x):
    # erfcx(x) = 1 / (sqrt(pi) (x + (1/2) / (x + 1 / (x + (3/2) / (x + ...))))), for x >= 2
    n = 60

    def body(i, t):
        k = (n - i).astype(t.dtype)
        return x + 0.5 * k / t

    return 1.0 / (_SQRT_PI * _fori(n, body, x))


@custom_jvp
def _erfcx(x):
    big = lax.ge(x, 2.0)
    x_small = jnp.where(big, 0.0, x)
    direct = lax.exp(x_small * x_small) * lax.erfc(x_small)
    return jnp.where(big, _cf_erfcx(jnp.where(big, x, 2.0)), direct)


_erfcx.defjvps(lambda g, ans, x: g * (2.0 * x * ans - 2.0 / _SQRT_PI))


def erfcx(x):
    """The scaled complementary error function exp(x^2) erfc(x): directly below 2, by its
    continued fraction above (no underflow for large x)."""
    (x,) = promote_args_inexact("erfcx", x)
    return _erfcx(x)


@custom_jvp
def _dawsn(x):
    # Rybicki's sum: F(x) = lim_{h->0} (1/sqrt(pi)) sum_{n odd} exp(-(x - n h)^2) / n, shifted
    # to the even multiple n0 h nearest x; h = 0.2 and 72 terms give double precision.
    # Below 0.2 the Taylor series (alternating, no cancellation there) is used instead.
    h, m_max = 0.2, 35
    small = lax.lt(lax.abs(x), 0.2)
    xb = jnp.where(small, 1.0, x)
    n0 = 2.0 * lax.round(xb / (2.0 * h))
    xp = xb - n0 * h
    total = jnp.zeros_like(xb)
    for m in range(-2 * m_max - 1, 2 * m_max + 2, 2):
        total = total + lax.exp(-((xp - m * h) ** 2)) / (n0 + m)
    big = total / _SQRT_PI
    xs = jnp.where(small, x, 0.0)
    x2 = xs * xs
    term, series = xs, xs
    for k in range(1, 12):
        term = term * (-2.0 * x2 / (2 * k + 1))
        series = series + term
    out = jnp.where(small, series, big)
    return jnp.where(jnp.isinf(x), 0.0, out)


_dawsn.defjvps(lambda g, ans, x: g * (1.0 - 2.0 * x * ans))


def dawsn(x):
    """Dawson's integral exp(-x^2) int_0^x exp(t^2) dt."""
    (x,) = promote_args_inexact("dawsn", x)
    return _dawsn(x)


def _e1_positive(x):
    """E1(x) for x > 0: the power series up to 2, the continued fraction above."""
    small = lax.le(x, 2.0)
    xs = jnp.where(small, x, 1.0)
    term = jnp.ones_like(xs)
    acc = jnp.zeros_like(xs)
    for k in range(1, 40):
        term = term * (-xs / k)
        acc = acc - term / k
    series = acc - _EULER - lax.log(xs)
    xl = jnp.where(small, 3.0, x)
    n = 60

    def body(i, t):
        k = (n - i).astype(t.dtype)
        return xl + 2.0 * k - 1.0 - k * k / t

    cf = lax.exp(-xl) / _fori(n, body, xl + 2.0 * n + 1.0)
    return jnp.where(small, series, cf)


@custom_jvp
def _exp1(x):
    pos = lax.gt(x, 0.0)
    val = _e1_positive(jnp.where(pos, x, 1.0))
    return jnp.where(pos, val, jnp.where(lax.eq(x, 0.0), np.inf, np.nan))


_exp1.defjvps(lambda g, ans, x: g * (-lax.exp(-x) / x))


def exp1(x):
    """The exponential integral E1(x) = int_1^inf exp(-x t) / t dt (x > 0; inf at 0, NaN
    below)."""
    (x,) = promote_args_inexact("exp1", x)
    return _exp1(x)


@custom_jvp
def _expi(x):
    # x < 0: -E1(-x); 0 < x <= 40: gamma + log x + sum x^k / (k k!) (positive terms);
    # x > 40: the asymptotic series exp(x) / x sum k! / x^k
    neg = lax.lt(x, 0.0)
    e1 = _e1_positive(jnp.where(neg, -x, 1.0))
    mid = jnp.logical_and(lax.gt(x, 0.0), lax.le(x, 40.0))
    xm = jnp.where(mid, x, 1.0)

    def body(i, c):
        term, acc = c
        k = (i + 1).astype(xm.dtype)
        term = term * xm / k
        return term, acc + term / k

    _, acc = _fori(120, body, (jnp.ones_like(xm), jnp.zeros_like(xm)))
    series = _EULER + lax.log(xm) + acc
    xl = jnp.where(lax.gt(x, 40.0), x, 41.0)
    term = jnp.ones_like(xl)
    asym = jnp.ones_like(xl)
    for k in range(1, 40):
        term = term * (k / xl)
        asym = asym + term
    asym = lax.exp(xl) / xl * asym
    out = jnp.where(neg, -e1, jnp.where(mid, series, asym))
    return jnp.where(lax.eq(x, 0.0), -np.inf, out)


_expi.defjvps(lambda g, ans, x: g * (lax.exp(x) / x))


def expi(x):
    """The exponential integral Ei(x) = -PV int_{-x}^inf exp(-t) / t dt."""
    (x,) = promote_args_inexact("expi", x)
    return _expi(x)


def _expn_value(n, x):
    # n = 0: exp(-x) / x. x > 1: the continued fraction
    # E_n(x) = exp(-x) / (x + n - 1 n / (x + n + 2 - 2 (n + 1) / (x + n + 4 - ...))).
    # x <= 1: E_n(x) = (-x)^(n-1) / (n-1)! (psi(n) - log x) - sum_{k != n-1} (-x)^k / ((k-n+1) k!)
    big = lax.gt(x, 1.0)
    xb = jnp.where(big, x, 2.0)
    m = 60

    def body(i, t):
        k = (m - i).astype(t.dtype)
        return xb + n + 2.0 * (k - 1.0) - k * (n + k - 1.0) / t

    cf = lax.exp(-xb) / _fori(m, body, xb + n + 2.0 * m)
    xs = jnp.where(big, 0.5, x)
    xs_pos = jnp.where(lax.gt(xs, 0.0), xs, 1.0)
    n1 = jnp.maximum(n, 1.0)
    lead_mag = lax.exp((n1 - 1.0) * lax.log(xs_pos) - lax.lgamma(n1))
    lead_sign = jnp.where(lax.eq(jnp.remainder(n1 - 1.0, 2.0), 0.0), 1.0, -1.0)
    lead = lead_sign * lead_mag * (lax.digamma(n1) - lax.log(xs_pos))
    acc = jnp.zeros_like(xs)
    pw = jnp.ones_like(xs)  # (-x)^k / k!
    for k in range(30):
        if k > 0:
            pw = pw * (-xs / k)
        skip = lax.eq(n1 - 1.0, float(k))
        denom = jnp.where(skip, 1.0, k - n1 + 1.0)
        acc = acc + jnp.where(skip, 0.0, pw / denom)
    series = lead - acc
    # at x == 0: 1 / (n - 1) for n > 1, inf for n <= 1
    at_zero = jnp.where(lax.gt(n, 1.0), 1.0 / jnp.maximum(n - 1.0, 1.0), np.inf)
    series = jnp.where(lax.eq(xs, 0.0), at_zero, series)
    val = jnp.where(big, cf, series)
    x0 = jnp.where(lax.gt(x, 0.0), x, 1.0)
    e0 = jnp.where(lax.gt(x, 0.0), lax.exp(-x0) / x0, np.inf)
    val = jnp.where(lax.eq(n, 0.0), e0, val)
    bad = jnp.logical_or(lax.lt(n, 0.0), lax.lt(x, 0.0))
    return jnp.where(bad, np.nan, val)


@custom_jvp
def _expn(n, x):
    return _expn_value(n, x)


def _expn_jvp(primals, tangents):
    n, x = primals
    _, x_dot = tangents
    ans = _expn(n, x)
    # d/dx E_n = -E_{n-1}; E_{-1}(x) = exp(-x) (1/x + 1/x^2)
    x_pos = jnp.where(lax.gt(x, 0.0), x, 1.0)
    e_m1 = lax.exp(-x_pos) * (1.0 / x_pos + 1.0 / (x_pos * x_pos))
    prev = jnp.where(lax.eq(n, 0.0), e_m1, _expn_value(jnp.maximum(n - 1.0, 0.0), x))
    return ans, -prev * x_dot


_expn.defjvp(_expn_jvp)


def expn(n, x):
    """The generalized exponential integral E_n(x) = int_1^inf exp(-x t) / t^n dt for integer
    n >= 0 and x >= 0 (NaN otherwise). Differentiable in x."""
    n_arr = asarray_any(n)
    (x,) = promote_args_inexact("expn", x)
    n_f, x = promote_args_inexact("expn", lax.convert_element_type(n_arr, x.dtype), x)
    n_f = _stop_gradient(n_f)
    return _expn(n_f, x)


def _li2_bernoulli(u):
    """Li2(z) with u = -log(1 - z), |u| <= log 2: sum_n B_n u^(n+1) / (n+1)!."""
    coeffs = _BERNOULLI_24
    acc = jnp.zeros_like(u)
    pw = jnp.ones_like(u)
    fact = 1.0
    for n_, b in enumerate(coeffs):
        pw = pw * u
        fact *= n_ + 1
        if b != 0.0:
            acc = acc + (b / fact) * pw
    return acc


_BERNOULLI_24 = [1.0, -0.5, 1 / 6, 0.0, -1 / 30, 0.0, 1 / 42, 0.0, -1 / 30, 0.0, 5 / 66, 0.0,
                 -691 / 2730, 0.0, 7 / 6, 0.0, -3617 / 510, 0.0, 43867 / 798, 0.0,
                 -174611 / 330, 0.0, 854513 / 138, 0.0, -236364091 / 2730]  # fmt: skip


@custom_jvp
def _spence(x):
    # spence(x) = Li2(1 - x). x in [0.5, 2]: the Bernoulli series with u = -log x;
    # x < 0.5: Li2(1 - x) = pi^2/6 - log(x) log(1 - x) - Li2(x);
    # x > 2: Li2(1 - x) = -pi^2/6 - log(x - 1)^2 / 2 - Li2(1 / (1 - x)).
    pi2_6 = math.pi**2 / 6
    mid = jnp.logical_and(lax.ge(x, 0.5), lax.le(x, 2.0))
    lo = lax.lt(x, 0.5)
    xm = jnp.where(mid, x, 1.0)
    v_mid = _li2_bernoulli(-lax.log(xm))
    xl = jnp.where(jnp.logical_and(lo, lax.gt(x, 0.0)), x, 0.25)
    v_lo = pi2_6 - lax.log(xl) * lax.log1p(-xl) - _li2_bernoulli(-lax.log1p(-xl))
    v_lo = jnp.where(lax.eq(x, 0.0), pi2_6, v_lo)
    xh = jnp.where(lax.gt(x, 2.0), x, 3.0)
    v_hi = -pi2_6 - 0.5 * lax.log(xh - 1.0) ** 2 - _li2_bernoulli(-lax.log(xh / (xh - 1.0)))
    out = jnp.where(mid, v_mid, jnp.where(lo, v_lo, v_hi))
    return jnp.where(lax.lt(x, 0.0), np.nan, out)


def _spence_jvp(g, ans, x):
    one = lax.eq(x, 1.0)
    xs = jnp.where(one, 2.0, x)
    return g * jnp.where(one, -1.0, lax.log(xs) / (1.0 - xs))


_spence.defjvps(_spence_jvp)


def spence(x):
    """Spence's function int_1^x log(t) / (1 - t) dt = Li2(1 - x), for x >= 0 (NaN below)."""
    (x,) = promote_args_inexact("spence", x)
    return _spence(x)


def _complex_div(ar, ai, br, bi):
    d = br * br + bi * bi
    return (ar * br + ai * bi) / d, (ai * br - ar * bi) / d


@custom_jvp
def _sici(x):
    # |x| <= 4: the power series; above, E1(i x) = -Ci(x) + i (Si(x) - pi/2) by its continued
    # fraction 1 / (ix + 1 - 1 / (ix + 3 - 4 / (ix + 5 - ...))) times exp(-ix), in real pairs.
    ax = lax.abs(x)
    small = lax.le(ax, 4.0)
    xs = jnp.where(small, ax, 1.0)
    x2 = xs * xs
    si_t, si = xs, xs
    ci_t, ci = jnp.ones_like(xs), jnp.zeros_like(xs)
    for k in range(1, 25):
        si_t = si_t * (-x2 / ((2 * k) * (2 * k + 1)))
        si = si + si_t / (2 * k + 1)
        ci_t = ci_t * (-x2 / ((2 * k - 1) * (2 * k)))
        ci = ci + ci_t / (2 * k)
    ci = ci + _EULER + lax.log(xs)
    xl = jnp.where(small, 5.0, ax)
    n = 50

    def body(i, c):
        tr, ti = c
        k = (n - i).astype(tr.dtype)
        qr, qi = _complex_div(k * k, jnp.zeros_like(tr), tr, ti)
        return 2.0 * k - 1.0 - qr, xl - qi

    tr, ti = _fori(n, body, (jnp.full_like(xl, 2.0 * n + 1.0), xl))
    ir, ii = _complex_div(jnp.ones_like(tr), jnp.zeros_like(tr), tr, ti)
    c, s = lax.cos(xl), lax.sin(xl)
    er, ei = c * ir + s * ii, c * ii - s * ir
    si_big, ci_big = math.pi / 2 + ei, -er
    si = jnp.where(small, si, si_big)
    ci = jnp.where(small, ci, ci_big)
    si = jnp.where(lax.lt(x, 0.0), -si, si)
    si = jnp.where(jnp.isinf(x), jnp.sign(x) * (math.pi / 2), si)
    ci = jnp.where(jnp.isinf(x), 0.0, ci)
    ci = jnp.where(lax.eq(x, 0.0), -np.inf, ci)
    return si, ci


def _sici_jvp(primals, tangents):
    (x,) = primals
    (x_dot,) = tangents
    si, ci = _sici(x)
    zero = lax.eq(x, 0.0)
    xs = jnp.where(zero, 1.0, x)
    d_si = jnp.where(zero, 1.0, lax.sin(xs) / xs)
    return (si, ci), (d_si * x_dot, lax.cos(x) / x * x_dot)


_sici.defjvp(_sici_jvp)


def sici(x):
    """The sine and cosine integrals (Si(x), Ci(x)); for x < 0, Ci is the real part
    Ci(|x|), as SciPy's real version."""
    (x,) = promote_args_inexact("sici", x)
    return _sici(x)


@custom_jvp
def _fresnel(x):
    # |x| < 1.5: the power series; above, C + iS = (1+i)/2 (1 - exp(i pi x^2 / 2) h) with h the
    # continued fraction x (1 - i) / (b0 - 1*2 / (b0 + 4 - 3*4 / (b0 + 8 - ...))),
    # b0 = 1 - i pi x^2, evaluated in real pairs.
    ax = lax.abs(x)
    small = lax.lt(ax, 1.5)
    xs = jnp.where(small, ax, 1.0)
    t = (math.pi / 2) * xs * xs
    t2 = t * t
    c_t, c = xs, xs
    s_t, s = xs * t, xs * t / 3.0
    for k in range(1, 25):
        c_t = c_t * (-t2 / ((2 * k - 1) * (2 * k)))
        c = c + c_t / (4 * k + 1)
        s_t = s_t * (-t2 / ((2 * k) * (2 * k + 1)))
        s = s + s_t / (4 * k + 3)
    xl = jnp.where(small, 2.0, ax)
    pix2 = math.pi * xl * xl
    n = 40

    def body(i, carry):
        tr, ti = carry
        k = (n - i).astype(tr.dtype)
        a = -(2.0 * k - 1.0) * (2.0 * k)
        qr, qi = _complex_div(a, jnp.zeros_like(tr), tr, ti)
        return 1.0 + 4.0 * (k - 1.0) + qr, -pix2 + qi

    tr, ti = _fori(n, body, (1.0 + 4.0 * n + jnp.zeros_like(xl), -pix2))
    hr, hi = _complex_div(jnp.ones_like(tr), jnp.zeros_like(tr), tr, ti)
    hr, hi = xl * (hr + hi), xl * (hi - hr)
    # the phase pi x^2 / 2 taken modulo 2 pi exactly enough: x^2 mod 4 from x = hi + lo
    x_int = lax.round(xl)
    x_frac = xl - x_int
    i_odd = jnp.remainder(x_int, 2.0)
    p = x_frac * lax.floor(x_int / 2.0)
    x2_mod4 = i_odd + 2.0 * x_frac * i_odd + 4.0 * (p - lax.floor(p)) + x_frac * x_frac
    cs, sn = lax.cos((math.pi / 2) * x2_mod4), lax.sin((math.pi / 2) * x2_mod4)
    er, ei = 1.0 - (cs * hr - sn * hi), -(cs * hi + sn * hr)
    c_big, s_big = 0.5 * (er - ei), 0.5 * (er + ei)
    c = jnp.where(small, c, c_big)
    s = jnp.where(small, s, s_big)
    c = jnp.where(jnp.isinf(x), 0.5, c)
    s = jnp.where(jnp.isinf(x), 0.5, s)
    neg = lax.lt(x, 0.0)
    return jnp.where(neg, -s, s), jnp.where(neg, -c, c)


def _fresnel_jvp(primals, tangents):
    (x,) = primals
    (x_dot,) = tangents
    arg = (math.pi / 2) * x * x
    return _fresnel(x), (lax.sin(arg) * x_dot, lax.cos(arg) * x_dot)


_fresnel.defjvp(_fresnel_jvp)


def fresnel(x):
    """The Fresnel integrals (S(x), C(x)) = int_0^x (sin, cos)(pi t^2 / 2) dt."""
    (x,) = promote_args_inexact("fresnel", x)
    return _fresnel(x)


# ---------------------------------------------------------------------------------------------
# Owen's T, confluent and Gauss hypergeometric functions (differentiable through their
# quadrature / series in every argument)

_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(48)
_GL_U = (_GL_NODES + 1.0) / 2.0  # nodes and weights on [0, 1]
_GL_W = _GL_WEIGHTS / 2.0


def _owens_t_small(h, a):
    """T(h, a) for 0 <= a <= 1: (a / 2 pi) int_0^1 exp(-h^2 (1 + a^2 u^2) / 2) / (1 + a^2 u^2) du
    by 48-point Gauss-Legendre quadrature."""
    shape = jnp.shape(h)
    u = jnp.asarray(_GL_U, dtype=h.dtype).reshape((-1,) + (1,) * len(shape))
    w = jnp.asarray(_GL_W, dtype=h.dtype).reshape((-1,) + (1,) * len(shape))
    s = 1.0 + (a * u) ** 2
    f = lax.exp(-0.5 * h * h * s) / s
    return a / (2 * math.pi) * jnp.sum(w * f, axis=0)


def owens_t(h, a):
    """Owen's T function T(h, a) = (1 / 2 pi) int_0^a exp(-h^2 (1 + x^2) / 2) / (1 + x^2) dx;
    for |a| > 1 through T(h, a) = Q(h)/2 + Q(ah)/2 - Q(h) Q(ah) - T(ah, 1/a), Q = 1 - ndtr."""
    h, a = promote_args_inexact("owens_t", h, a)
    shape = jnp.broadcast_shapes(jnp.shape(h), jnp.shape(a))
    h = jnp.broadcast_to(lax.abs(h), shape)
    a_abs = jnp.broadcast_to(lax.abs(a), shape)
    sign = jnp.broadcast_to(jnp.sign(a), shape)
    big = lax.gt(a_abs, 1.0)
    a_small = jnp.where(big, 0.5, a_abs)
    t_small = _owens_t_small(h, a_small)
    a_big = jnp.where(big, a_abs, 2.0)
    ah = a_big * h
    qh, qah = ndtr(-h), ndtr(-ah)
    t_big = 0.5 * qh + 0.5 * qah - qh * qah - _owens_t_small(ah, 1.0 / a_big)
    out = sign * jnp.where(big, t_big, t_small)
    out = jnp.where(jnp.isinf(a_abs), sign * 0.5 * ndtr(-h), out)
    return out


def hyp1f1(a, b, x):
    """Kummer's confluent hypergeometric function 1F1(a; b; x) = sum_k (a)_k / (b)_k x^k / k!,
    summed over 300 terms after Kummer's transformation 1F1(a; b; x) = exp(x) 1F1(b - a; b; -x)
    for x < 0 (accurate for |x| up to about 150)."""
    a, b, x = promote_args_inexact("hyp1f1", a, b, x)
    shape = jnp.broadcast_shapes(jnp.shape(a), jnp.shape(b), jnp.shape(x))
    a, b, x = (jnp.broadcast_to(v, shape) for v in (a, b, x))
    neg = lax.lt(x, 0.0)
    aa = jnp.where(neg, b - a, a)
    xx = lax.abs(x)

    def body(i, c):
        term, acc = c
        k = i.astype(xx.dtype)
        term = term * (aa + k) / (b + k) * xx / (k + 1.0)
        return term, acc + term

    _, acc = _fori(300, body, (jnp.ones_like(xx), jnp.ones_like(xx)))
    return jnp.where(neg, lax.exp(x) * acc, acc)


def hyp2f1(a, b, c, x):
    """The Gauss hypergeometric function 2F1(a, b; c; x) for x <= 1: the series
    sum_k (a)_k (b)_k / (c)_k x^k / k! over 500 terms for 0 <= x < 1, Pfaff's transformation
    (1 - x)^-a 2F1(a, c - b; c; x / (x - 1)) for x < 0, Gauss's closed form at x = 1 (inf when
    c - a - b <= 0); NaN for x > 1. Accurate while the series argument stays below about 0.9
    (x <= 0.9, x >= -9)."""
    a, b, c, x = promote_args_inexact("hyp2f1", a, b, c, x)
    shape = jnp.broadcast_shapes(*(jnp.shape(v) for v in (a, b, c, x)))
    a, b, c, x = (jnp.broadcast_to(v, shape) for v in (a, b, c, x))
    neg = lax.lt(x, 0.0)
    inside = jnp.logical_and(lax.lt(x, 1.0), jnp.logical_not(neg))
    xn = jnp.where(neg, x, -1.0)
    z = jnp.where(neg, xn / (xn - 1.0), jnp.where(inside, x, 0.0))
    bb = jnp.where(neg, c - b, b)

    def body(i, carry):
        term, acc = carry
        k = i.astype(z.dtype)
        term = term * (a + k) * (bb + k) / ((c + k) * (k + 1.0)) * z
        return term, acc + term

    _, acc = _fori(500, body, (jnp.ones_like(z), jnp.ones_like(z)))
    series = jnp.where(neg, lax.exp(-a * lax.log1p(-xn)) * acc, acc)
    s = c - a - b
    s_safe = jnp.where(lax.gt(s, 0.0), s, 1.0)
    gauss = gamma(c) * gamma(s_safe) / (gamma(c - a) * gamma(c - b))
    at_one = jnp.where(lax.gt(s, 0.0), gauss, np.inf)
    out = jnp.where(lax.eq(x, 1.0), at_one, series)
    return jnp.where(lax.gt(x, 1.0), np.nan, out)


# ---------------------------------------------------------------------------------------------
# complex-valued functions: not implemented


from ._complex_special import sph_harm_y, wofz  # complex-valued: their own module
