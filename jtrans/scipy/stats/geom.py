"""The geometric distribution on 1, 2, ..., as scipy.stats.geom."""

import numpy as np

from ... import numpy as jnp
from .. import special
from ._util import promote


def logpmf(k, p, loc=0):
    k, p, loc = promote("geom.logpmf", k, p, loc)
    y = k - loc
    inside = jnp.logical_and(y >= 1, jnp.round(y) == y)
    y = jnp.where(inside, y, 1)
    return jnp.where(inside, special.xlog1py(y - 1, -p) + jnp.log(p), -np.inf)


def pmf(k, p, loc=0):
    return jnp.exp(logpmf(k, p, loc))
