"""The negative binomial distribution, as scipy.stats.nbinom."""

import numpy as np

from ... import numpy as jnp
from .. import special
from ._util import promote


def logpmf(k, n, p, loc=0):
    k, n, p, loc = promote("nbinom.logpmf", k, n, p, loc)
    y = k - loc
    inside = jnp.logical_and(y >= 0, jnp.round(y) == y)
    y = jnp.where(inside, y, 0)
    comb = special.gammaln(n + y) - special.gammaln(y + 1) - special.gammaln(n)
    val = comb + special.xlogy(n, p) + special.xlog1py(y, -p)
    return jnp.where(inside, val, -np.inf)


def pmf(k, n, p, loc=0):
    return jnp.exp(logpmf(k, n, p, loc))
