"""The beta-binomial distribution, as scipy.stats.betabinom."""

import numpy as np

from ... import numpy as jnp
from .. import special
from ._util import promote


def logpmf(k, n, a, b, loc=0):
    k, n, a, b, loc = promote("betabinom.logpmf", k, n, a, b, loc)
    y = k - loc
    inside = jnp.logical_and(jnp.logical_and(y >= 0, y <= n), jnp.round(y) == y)
    y = jnp.where(inside, y, 0)
    log_comb = -jnp.log1p(n) - special.betaln(n - y + 1, y + 1)
    val = log_comb + special.betaln(y + a, n - y + b) - special.betaln(a, b)
    return jnp.where(inside, val, -np.inf)


def pmf(k, n, a, b, loc=0):
    return jnp.exp(logpmf(k, n, a, b, loc))
