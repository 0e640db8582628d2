"""The gamma distribution with shape a, as scipy.stats.gamma."""

import numpy as np

from ... import numpy as jnp
from .. import special
from ._util import promote


def _y(name, x, a, loc, scale):
    x, a, loc, scale = promote(name, x, a, loc, scale)
    y = (x - loc) / scale
    inside = y >= 0
    return jnp.where(inside, y, 1), inside, a, scale


def logpdf(x, a, loc=0, scale=1):
    y, inside, a, scale = _y("gamma.logpdf", x, a, loc, scale)
    val = special.xlogy(a - 1, y) - y - special.gammaln(a) - jnp.log(scale)
    return jnp.where(inside, val, -np.inf)


def pdf(x, a, loc=0, scale=1):
    return jnp.exp(logpdf(x, a, loc, scale))


def cdf(x, a, loc=0, scale=1):
    y, inside, a, _ = _y("gamma.cdf", x, a, loc, scale)
    return jnp.where(inside, special.gammainc(a, y), 0)


def logcdf(x, a, loc=0, scale=1):
    return jnp.log(cdf(x, a, loc, scale))


def sf(x, a, loc=0, scale=1):
    y, inside, a, _ = _y("gamma.sf", x, a, loc, scale)
    return jnp.where(inside, special.gammaincc(a, y), 1)


def logsf(x, a, loc=0, scale=1):
    return jnp.log(sf(x, a, loc, scale))
