"""The Poisson distribution, as scipy.stats.poisson."""

import math

import numpy as np

from ... import numpy as jnp
from .. import special
from ._util import promote


def logpmf(k, mu, loc=0):
    k, mu, loc = promote("poisson.logpmf", k, mu, loc)
    y = k - loc
    inside = jnp.logical_and(y >= 0, jnp.round(k) == k)
    y = jnp.where(inside, y, 0)
    val = special.xlogy(y, mu) - special.gammaln(y + 1) - mu
    return jnp.where(inside, val, -np.inf)


def pmf(k, mu, loc=0):
    return jnp.exp(logpmf(k, mu, loc))


def cdf(k, mu, loc=0):
    k, mu, loc = promote("poisson.cdf", k, mu, loc)
    y = k - loc
    inside = y >= 0
    y = jnp.where(inside, y, 0)
    return jnp.where(inside, special.gammaincc(jnp.floor(y) + 1, mu), 0)


_K_MAX = 250  # mu < 100: the pmf beyond k = 250 is below 1e-30


def entropy(mu, loc=0):
    """-sum_k p(k) log p(k): the sum over k < 250 for mu < 100, the asymptotic series
    log(2 pi e mu) / 2 - 1/(12 mu) - 1/(24 mu^2) - 19/(360 mu^3) above. NaN for mu < 0."""
    mu, loc = promote("poisson.entropy", mu, loc)
    shape = jnp.broadcast_shapes(jnp.shape(mu), jnp.shape(loc))
    mu = jnp.broadcast_to(mu, shape)
    small = mu < 100
    mu_s = jnp.where(small, mu, 1)
    k = jnp.arange(_K_MAX, dtype=mu.dtype).reshape((_K_MAX,) + (1,) * len(shape))
    direct = jnp.sum(special.entr(pmf(k, mu_s)), axis=0)
    mu_l = jnp.where(small, 100, mu)
    asym = (0.5 * jnp.log(2 * math.pi * math.e * mu_l) - 1 / (12 * mu_l)
            - 1 / (24 * mu_l**2) - 19 / (360 * mu_l**3))  # fmt: skip
    out = jnp.where(small, direct, asym)
    return jnp.where(mu < 0, np.nan, out)
