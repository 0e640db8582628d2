"""The multivariate normal distribution, as scipy.stats.multivariate_normal: x (..., n),
mean (..., n) or a scalar, cov (..., n, n), or a scalar / vector for a (diagonal) isotropic one
(as JAX accepts). The log density goes through a Cholesky factor and one triangular solve."""

import math

from ... import lax
from ... import numpy as jnp
from ...errors import JTransValueError
from ...lax import linalg as lax_linalg
from ._util import promote_no_broadcast as promote

_LOG_2PI = math.log(2 * math.pi)


def logpdf(x, mean, cov, allow_singular=None):
    if allow_singular is not None:
        raise NotImplementedError(
            "multivariate_normal.logpdf: allow_singular is not supported (as in JAX); pass a "
            "positive definite cov"
        )
    x, mean, cov = promote("multivariate_normal.logpdf", x, mean, cov)
    if jnp.ndim(mean) == 0:
        return -0.5 * (x - mean) ** 2 / cov - 0.5 * (_LOG_2PI + jnp.log(cov))
    n = jnp.shape(mean)[-1]
    y = x - mean
    if jnp.ndim(cov) == 0:
        return -0.5 * jnp.sum(y * y, axis=-1) / cov - n / 2 * (_LOG_2PI + jnp.log(cov))
    if jnp.ndim(cov) < 2 or jnp.shape(cov)[-2:] != (n, n):
        raise JTransValueError(
            f"multivariate_normal.logpdf: cov must have shape (..., {n}, {n}) to match mean's "
            f"last axis of size {n}; got cov.shape={jnp.shape(cov)}, mean.shape="
            f"{jnp.shape(mean)}"
        )
    chol = lax_linalg.cholesky(cov)
    batch = jnp.broadcast_shapes(jnp.shape(y)[:-1], jnp.shape(chol)[:-2])
    chol_b = jnp.broadcast_to(chol, batch + (n, n))
    y_b = jnp.broadcast_to(y, batch + (n,))
    z = lax_linalg.triangular_solve(chol_b, y_b[..., None], left_side=True, lower=True)[..., 0]
    log_det_half = jnp.sum(jnp.log(jnp.diagonal(chol, axis1=-2, axis2=-1)), axis=-1)
    return -0.5 * jnp.sum(z * z, axis=-1) - n / 2 * _LOG_2PI - log_det_half


def pdf(x, mean, cov):
    return lax.exp(logpdf(x, mean, cov))
