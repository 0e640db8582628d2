"""The binomial distribution, as scipy.stats.binom."""

import numpy as np

from ... import numpy as jnp
from .. import special
from ._util import promote


def _log_comb(n, k):
    return special.gammaln(n + 1) - special.gammaln(k + 1) - special.gammaln(n - k + 1)


def logpmf(k, n, p, loc=0):
    k, n, p, loc = promote("binom.logpmf", k, n, p, loc)
    y = k - loc
    inside = jnp.logical_and(jnp.logical_and(y >= 0, y <= n), jnp.round(y) == y)
    y = jnp.where(inside, y, 0)
    val = _log_comb(n, y) + special.xlogy(y, p) + special.xlog1py(n - y, -p)
    return jnp.where(inside, val, -np.inf)


def pmf(k, n, p, loc=0):
    return jnp.exp(logpmf(k, n, p, loc))
