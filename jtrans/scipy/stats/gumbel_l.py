"""The left-skewed Gumbel distribution, as scipy.stats.gumbel_l."""

from ... import numpy as jnp
from ._util import outside_nan, promote


def _z(name, x, loc, scale):
    x, loc, scale = promote(name, x, loc, scale)
    return (x - loc) / scale, scale


def logpdf(x, loc=0, scale=1):
    z, scale = _z("gumbel_l.logpdf", x, loc, scale)
    return z - jnp.exp(z) - jnp.log(scale)


def pdf(x, loc=0, scale=1):
    return jnp.exp(logpdf(x, loc, scale))


def cdf(x, loc=0, scale=1):
    z, _ = _z("gumbel_l.cdf", x, loc, scale)
    return -jnp.expm1(-jnp.exp(z))


def logcdf(x, loc=0, scale=1):
    z, _ = _z("gumbel_l.logcdf", x, loc, scale)
    return jnp.log(-jnp.expm1(-jnp.exp(z)))


def sf(x, loc=0, scale=1):
    z, _ = _z("gumbel_l.sf", x, loc, scale)
    return jnp.exp(-jnp.exp(z))


def logsf(x, loc=0, scale=1):
    z, _ = _z("gumbel_l.logsf", x, loc, scale)
    return -jnp.exp(z)


def ppf(p, loc=0, scale=1):
    p, loc, scale = promote("gumbel_l.ppf", p, loc, scale)
    return outside_nan(p, loc + scale * jnp.log(-jnp.log1p(-p)))
