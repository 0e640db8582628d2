"""The normal distribution truncated to [a, b] (in standard units), as scipy.stats.truncnorm.
Masses Phi(b) - Phi(a) are taken in log space from the tail that keeps them accurate."""

import math

import numpy as np

from ... import numpy as jnp
from .. import special
from ._util import promote

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def _log_diff(log_big, log_small):
    """log(exp(log_big) - exp(log_small)) for log_big >= log_small."""
    return log_big + jnp.log1p(-jnp.exp(log_small - log_big))


def _log_mass(a, b):
    """log(Phi(b) - Phi(a)) for a <= b: the left tail for b <= 0, the mirrored right tail for
    a >= 0, the complement of both tails otherwise."""
    left = b <= 0
    right = a >= 0
    central = jnp.logical_not(jnp.logical_or(left, right))
    lo = jnp.where(right, -b, a)
    hi = jnp.where(right, -a, b)
    lo = jnp.where(central, -1, lo)
    hi = jnp.where(central, 0, hi)
    # an infinite lower end contributes nothing: keep it out of log_ndtr (and its derivative)
    lo_finite = jnp.isfinite(lo)
    lo = jnp.where(lo_finite, lo, hi - 1)
    log_hi = special.log_ndtr(hi)
    tail = jnp.where(lo_finite, _log_diff(log_hi, special.log_ndtr(lo)), log_hi)
    a_c = jnp.where(central, a, -1)
    b_c = jnp.where(central, b, 1)
    mid = jnp.log1p(-special.ndtr(a_c) - special.ndtr(-b_c))
    return jnp.where(central, mid, tail)


def _interior(a, b):
    """A point strictly inside (a, b) for either bound infinite, fed to the unused branch."""
    fa, fb = jnp.isfinite(a), jnp.isfinite(b)
    a0 = jnp.where(fa, a, 0)
    b0 = jnp.where(fb, b, 0)
    both = (a0 + b0) / 2
    return jnp.where(fa & fb, both, jnp.where(fa, a0 + 1, jnp.where(fb, b0 - 1, 0)))


def _z(name, x, a, b, loc, scale):
    x, a, b, loc, scale = promote(name, x, a, b, loc, scale)
    return (x - loc) / scale, a, b, scale


def logpdf(x, a, b, loc=0, scale=1):
    z, a, b, scale = _z("truncnorm.logpdf", x, a, b, loc, scale)
    val = -0.5 * z * z - _HALF_LOG_2PI - jnp.log(scale) - _log_mass(a, b)
    val = jnp.where(jnp.logical_or(z < a, z > b), -np.inf, val)
    return jnp.where(a >= b, np.nan, val)


def pdf(x, a, b, loc=0, scale=1):
    return jnp.exp(logpdf(x, a, b, loc, scale))


def logcdf(x, a, b, loc=0, scale=1):
    z, a, b, _ = _z("truncnorm.logcdf", x, a, b, loc, scale)
    inside = jnp.logical_and(z > a, z < b)
    z_in = jnp.where(inside, z, _interior(a, b))
    val = _log_mass(a, z_in) - _log_mass(a, b)
    val = jnp.where(z <= a, -np.inf, jnp.where(z >= b, 0, val))
    return jnp.where(a >= b, np.nan, val)


def cdf(x, a, b, loc=0, scale=1):
    return jnp.exp(logcdf(x, a, b, loc, scale))


def logsf(x, a, b, loc=0, scale=1):
    z, a, b, _ = _z("truncnorm.logsf", x, a, b, loc, scale)
    inside = jnp.logical_and(z > a, z < b)
    z_in = jnp.where(inside, z, _interior(a, b))
    val = _log_mass(z_in, b) - _log_mass(a, b)
    val = jnp.where(z <= a, 0, jnp.where(z >= b, -np.inf, val))
    return jnp.where(a >= b, np.nan, val)


def sf(x, a, b, loc=0, scale=1):
    return jnp.exp(logsf(x, a, b, loc, scale))
