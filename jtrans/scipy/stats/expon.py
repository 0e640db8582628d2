"""The exponential distribution, as scipy.stats.expon."""

import numpy as np

from ... import numpy as jnp
from ._util import outside_nan, promote


def _y(name, x, loc, scale):
    x, loc, scale = promote(name, x, loc, scale)
    y = (x - loc) / scale
    inside = y >= 0
    return jnp.where(inside, y, 0), inside, scale


def logpdf(x, loc=0, scale=1):
    y, inside, scale = _y("expon.logpdf", x, loc, scale)
    return jnp.where(inside, -y - jnp.log(scale), -np.inf)


def pdf(x, loc=0, scale=1):
    return jnp.exp(logpdf(x, loc, scale))


def cdf(x, loc=0, scale=1):
    y, inside, _ = _y("expon.cdf", x, loc, scale)
    return jnp.where(inside, -jnp.expm1(-y), 0)


def logcdf(x, loc=0, scale=1):
    y, inside, _ = _y("expon.logcdf", x, loc, scale)
    return jnp.where(inside, jnp.log(-jnp.expm1(-y)), -np.inf)


def sf(x, loc=0, scale=1):
    y, inside, _ = _y("expon.sf", x, loc, scale)
    return jnp.where(inside, jnp.exp(-y), 1)


def logsf(x, loc=0, scale=1):
    y, inside, _ = _y("expon.logsf", x, loc, scale)
    return jnp.where(inside, -y, 0)


def ppf(q, loc=0, scale=1):
    q, loc, scale = promote("expon.ppf", q, loc, scale)
    return outside_nan(q, loc - scale * jnp.log1p(-q))
