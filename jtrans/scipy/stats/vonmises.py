"""The von Mises distribution with concentration kappa, as scipy.stats.vonmises
(normalized on [-pi, pi], evaluated at any x as JAX does)."""

import math

import numpy as np

from ... import lax
from ... import numpy as jnp
from ._util import promote


def logpdf(x, kappa):
    x, kappa = promote("vonmises.logpdf", x, kappa)
    ok = kappa > 0
    safe = jnp.where(ok, kappa, 1)
    val = safe * (jnp.cos(x) - 1) - math.log(2 * math.pi) - jnp.log(lax.bessel_i0e(safe))
    return jnp.where(ok, val, np.nan)


def pdf(x, kappa):
    return jnp.exp(logpdf(x, kappa))
