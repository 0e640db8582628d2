"""The wrapped Cauchy distribution on [0, 2 pi] with shape 0 < c < 1, as
scipy.stats.wrapcauchy."""

import math

import numpy as np

from ... import numpy as jnp
from ._util import promote


def logpdf(x, c):
    x, c = promote("wrapcauchy.logpdf", x, c)
    ok = jnp.logical_and(c > 0, c < 1)
    c = jnp.where(ok, c, 0.5)
    inside = jnp.logical_and(x >= 0, x <= 2 * math.pi)
    val = jnp.log1p(-c * c) - math.log(2 * math.pi) - jnp.log1p(c * c - 2 * c * jnp.cos(x))
    return jnp.where(ok, jnp.where(inside, val, -np.inf), np.nan)


def pdf(x, c):
    return jnp.exp(logpdf(x, c))
