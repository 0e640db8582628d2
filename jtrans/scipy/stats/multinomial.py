"""The multinomial distribution, as scipy.stats.multinomial: counts x (..., K), total n,
probabilities p (..., K); -inf where the counts do not sum to n."""

import numpy as np

from ... import numpy as jnp
from .. import special
from ._util import promote


def logpmf(x, n, p):
    (p,) = promote("multinomial.logpmf", p)
    x = jnp.asarray(x).astype(p.dtype)
    n = jnp.asarray(n).astype(p.dtype)
    val = special.gammaln(n + 1) + jnp.sum(special.xlogy(x, p) - special.gammaln(x + 1), axis=-1)
    return jnp.where(jnp.sum(x, axis=-1) == n, val, -np.inf)


def pmf(x, n, p):
    return jnp.exp(logpmf(x, n, p))
