"""The Dirichlet distribution, as scipy.stats.dirichlet: x has shape (K, ...) or (K - 1, ...)
(the last coordinate is then 1 - sum), alpha has shape (K,); -inf off the simplex."""

import numpy as np

from ... import numpy as jnp
from ...errors import JTransValueError
from .. import special
from ._util import promote_no_broadcast as promote


def logpdf(x, alpha):
    x, alpha = promote("dirichlet.logpdf", x, alpha)
    if jnp.ndim(alpha) != 1:
        raise JTransValueError(
            f"dirichlet.logpdf: alpha must be one-dimensional; got shape {jnp.shape(alpha)}"
        )
    k = jnp.shape(alpha)[0]
    if jnp.ndim(x) == 0 or jnp.shape(x)[0] not in (k, k - 1):
        raise JTransValueError(
            f"dirichlet.logpdf: x must have K = {k} (alpha's length) or K - 1 entries along "
            f"its first axis; got x.shape={jnp.shape(x)}, alpha.shape={jnp.shape(alpha)}"
        )
    if jnp.shape(x)[0] == k - 1:
        x = jnp.concatenate([x, 1 - jnp.sum(x, axis=0, keepdims=True)], axis=0)
    a = jnp.reshape(alpha, (k,) + (1,) * (jnp.ndim(x) - 1))
    normalize = jnp.sum(special.gammaln(alpha)) - special.gammaln(jnp.sum(alpha))
    on_simplex = jnp.all(x > 0, axis=0) & (jnp.abs(jnp.sum(x, axis=0) - 1) < 1e-6)
    x_safe = jnp.where(on_simplex, x, 1 / k)
    val = jnp.sum(special.xlogy(a - 1, x_safe), axis=0) - normalize
    return jnp.where(on_simplex, val, -np.inf)


def pdf(x, alpha):
    return jnp.exp(logpdf(x, alpha))
