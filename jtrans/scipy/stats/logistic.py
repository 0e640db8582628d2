"""The logistic distribution, as scipy.stats.logistic."""

from ... import numpy as jnp
from .. import special
from ._util import outside_nan, promote


def _softplus(x):
    return jnp.logaddexp(x, 0)


def logpdf(x, loc=0, scale=1):
    x, loc, scale = promote("logistic.logpdf", x, loc, scale)
    z = (x - loc) / scale
    return -z - 2 * _softplus(-z) - jnp.log(scale)


def pdf(x, loc=0, scale=1):
    return jnp.exp(logpdf(x, loc, scale))


def cdf(x, loc=0, scale=1):
    x, loc, scale = promote("logistic.cdf", x, loc, scale)
    return special.expit((x - loc) / scale)


def sf(x, loc=0, scale=1):
    x, loc, scale = promote("logistic.sf", x, loc, scale)
    return special.expit((loc - x) / scale)


def ppf(x, loc=0, scale=1):
    x, loc, scale = promote("logistic.ppf", x, loc, scale)
    return outside_nan(x, loc + scale * special.logit(x))


def isf(x, loc=0, scale=1):
    x, loc, scale = promote("logistic.isf", x, loc, scale)
    return outside_nan(x, loc - scale * special.logit(x))
