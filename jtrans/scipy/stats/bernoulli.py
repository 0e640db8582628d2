"""The Bernoulli distribution, as scipy.stats.bernoulli."""

import numpy as np

from ... import numpy as jnp
from .. import special
from ._util import promote


def logpmf(k, p, loc=0):
    k, p, loc = promote("bernoulli.logpmf", k, p, loc)
    y = k - loc
    inside = jnp.logical_or(y == 0, y == 1)
    y = jnp.where(inside, y, 0)
    return jnp.where(inside, special.xlogy(y, p) + special.xlog1py(1 - y, -p), -np.inf)


def pmf(k, p, loc=0):
    return jnp.exp(logpmf(k, p, loc))


def cdf(k, p):
    k, p = promote("bernoulli.cdf", k, p)
    ok = jnp.logical_and(p >= 0, p <= 1)
    val = jnp.where(k < 0, 0, jnp.where(k < 1, 1 - p, 1))
    return jnp.where(ok, val, np.nan)


def ppf(q, p):
    q, p = promote("bernoulli.ppf", q, p)
    bad = jnp.isnan(q) | jnp.isnan(p) | (p < 0) | (p > 1) | (q < 0) | (q > 1)
    return jnp.where(bad, np.nan, jnp.where(q <= 1 - p, 0, 1).astype(q.dtype))
