"""The beta distribution on [loc, loc + scale], as scipy.stats.beta."""

import numpy as np

from ... import numpy as jnp
from .. import special
from ._util import promote


def _y(name, x, a, b, loc, scale):
    x, a, b, loc, scale = promote(name, x, a, b, loc, scale)
    y = (x - loc) / scale
    return y, a, b, scale


def logpdf(x, a, b, loc=0, scale=1):
    y, a, b, scale = _y("beta.logpdf", x, a, b, loc, scale)
    inside = jnp.logical_and(y >= 0, y <= 1)
    y_safe = jnp.where(inside, y, 0.5)
    val = (special.xlogy(a - 1, y_safe) + special.xlog1py(b - 1, -y_safe)
           - special.betaln(a, b) - jnp.log(scale))  # fmt: skip
    return jnp.where(inside, val, -np.inf)


def pdf(x, a, b, loc=0, scale=1):
    return jnp.exp(logpdf(x, a, b, loc, scale))


def cdf(x, a, b, loc=0, scale=1):
    y, a, b, _ = _y("beta.cdf", x, a, b, loc, scale)
    return special.betainc(a, b, jnp.clip(y, 0, 1))


def logcdf(x, a, b, loc=0, scale=1):
    return jnp.log(cdf(x, a, b, loc, scale))


def sf(x, a, b, loc=0, scale=1):
    y, a, b, _ = _y("beta.sf", x, a, b, loc, scale)
    return special.betainc(b, a, 1 - jnp.clip(y, 0, 1))


def logsf(x, a, b, loc=0, scale=1):
    return jnp.log(sf(x, a, b, loc, scale))
