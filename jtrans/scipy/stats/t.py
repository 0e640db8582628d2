"""Student's t distribution with df degrees of freedom, as scipy.stats.t."""

import math

from ... import numpy as jnp
from .. import special
from ._util import promote


def logpdf(x, df, loc=0, scale=1):
    x, df, loc, scale = promote("t.logpdf", x, df, loc, scale)
    z = (x - loc) / scale
    half = (df + 1) / 2
    norm = (special.gammaln(half) - special.gammaln(df / 2)
            - 0.5 * (jnp.log(df) + math.log(math.pi)) - jnp.log(scale))  # fmt: skip
    return norm - half * jnp.log1p(z * z / df)


def pdf(x, df, loc=0, scale=1):
    return jnp.exp(logpdf(x, df, loc, scale))
