"""The generalized normal distribution with shape beta, as scipy.stats.gennorm."""

import math

from ... import numpy as jnp
from .. import special
from ._util import promote


def logpdf(x, beta):
    x, beta = promote("gennorm.logpdf", x, beta)
    return jnp.log(beta) - math.log(2) - special.gammaln(1 / beta) - jnp.abs(x) ** beta


def pdf(x, beta):
    return jnp.exp(logpdf(x, beta))


def cdf(x, beta):
    x, beta = promote("gennorm.cdf", x, beta)
    return 0.5 + 0.5 * jnp.sign(x) * special.gammainc(1 / beta, jnp.abs(x) ** beta)
