"""The Pareto distribution with shape b, as scipy.stats.pareto."""

import numpy as np

from ... import numpy as jnp
from ._util import outside_nan, promote


def _y(name, x, b, loc, scale):
    x, b, loc, scale = promote(name, x, b, loc, scale)
    y = (x - loc) / scale
    inside = y >= 1
    return jnp.where(inside, y, 1), inside, b, scale


def logpdf(x, b, loc=0, scale=1):
    y, inside, b, scale = _y("pareto.logpdf", x, b, loc, scale)
    return jnp.where(inside, jnp.log(b) - jnp.log(scale) - (b + 1) * jnp.log(y), -np.inf)


def pdf(x, b, loc=0, scale=1):
    return jnp.exp(logpdf(x, b, loc, scale))


def cdf(x, b, loc=0, scale=1):
    y, inside, b, _ = _y("pareto.cdf", x, b, loc, scale)
    return jnp.where(inside, -jnp.expm1(-b * jnp.log(y)), 0)


def logcdf(x, b, loc=0, scale=1):
    y, inside, b, _ = _y("pareto.logcdf", x, b, loc, scale)
    y = jnp.where(inside & (y > 1), y, 2)
    return jnp.where(inside & (y > 1), jnp.log(-jnp.expm1(-b * jnp.log(y))), -np.inf)


def sf(x, b, loc=0, scale=1):
    y, inside, b, _ = _y("pareto.sf", x, b, loc, scale)
    return jnp.where(inside, jnp.exp(-b * jnp.log(y)), 1)


def logsf(x, b, loc=0, scale=1):
    y, inside, b, _ = _y("pareto.logsf", x, b, loc, scale)
    return jnp.where(inside, -b * jnp.log(y), 0)


def ppf(q, b, loc=0, scale=1):
    q, b, loc, scale = promote("pareto.ppf", q, b, loc, scale)
    return outside_nan(q, loc + scale * jnp.exp(-jnp.log1p(-q) / b))
