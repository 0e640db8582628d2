"""The chi-squared distribution with df degrees of freedom, as scipy.stats.chi2 (a gamma
distribution with shape df / 2 and scale 2)."""

from . import gamma as _gamma
from ._util import promote


def _args(name, x, df, loc, scale):
    x, df, loc, scale = promote(name, x, df, loc, scale)
    return x, df / 2, loc, 2 * scale


def logpdf(x, df, loc=0, scale=1):
    return _gamma.logpdf(*_args("chi2.logpdf", x, df, loc, scale))


def pdf(x, df, loc=0, scale=1):
    return _gamma.pdf(*_args("chi2.pdf", x, df, loc, scale))


def cdf(x, df, loc=0, scale=1):
    return _gamma.cdf(*_args("chi2.cdf", x, df, loc, scale))


def logcdf(x, df, loc=0, scale=1):
    return _gamma.logcdf(*_args("chi2.logcdf", x, df, loc, scale))


def sf(x, df, loc=0, scale=1):
    return _gamma.sf(*_args("chi2.sf", x, df, loc, scale))


def logsf(x, df, loc=0, scale=1):
    return _gamma.logsf(*_args("chi2.logsf", x, df, loc, scale))
