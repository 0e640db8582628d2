"""gaussian_kde: a Gaussian kernel density estimate, as scipy.stats.gaussian_kde (and JAX's:
a pytree, so instances pass through jit/vmap; set_bandwidth and integrate_box are not
supported, as in JAX)."""

import math

from ... import numpy as jnp
from ... import random
from ...errors import JTransValueError
from ...tree_util import register_pytree_node_class
from .. import special
from . import multivariate_normal as _mvn


@register_pytree_node_class
class gaussian_kde:
    """gaussian_kde(dataset, bw_method=None, weights=None); dataset has shape (d, n) or (n,)."""

    def __init__(self, dataset, bw_method=None, weights=None):
        dataset = jnp.atleast_2d(jnp.asarray(dataset))
        if not jnp.issubdtype(dataset.dtype, jnp.inexact):
            dataset = dataset.astype(jnp.result_type(float))
        d, n = jnp.shape(dataset)
        if n <= 1:
            raise JTransValueError(
                f"gaussian_kde: the dataset needs more than one point (shape {dataset.shape})"
            )
        if weights is not None:
            weights = jnp.asarray(weights).astype(dataset.dtype)
            weights = jnp.atleast_1d(weights)
            if jnp.shape(weights) != (n,):
                raise JTransValueError(
                    f"gaussian_kde: weights must have shape ({n},) to match the dataset's "
                    f"{n} points; got {jnp.shape(weights)}"
                )
            weights = weights / jnp.sum(weights)
        else:
            weights = jnp.full((n,), 1.0 / n, dataset.dtype)
        neff = 1 / jnp.sum(weights**2)
        if bw_method is None or bw_method == "scott":
            factor = neff ** (-1.0 / (d + 4))
        elif bw_method == "silverman":
            factor = (neff * (d + 2) / 4.0) ** (-1.0 / (d + 4))
        elif isinstance(bw_method, str):
            raise JTransValueError(
                f"gaussian_kde: bw_method must be 'scott', 'silverman', a scalar or a callable; "
                f"got {bw_method!r}"
            )
        elif callable(bw_method):
            self._setattr(dataset, weights, d, n, neff, None, None)
            factor = bw_method(self)
        else:
            factor = bw_method
        data_cov = jnp.atleast_2d(jnp.cov(dataset, rowvar=True, bias=False, aweights=weights))
        covariance = data_cov * factor**2
        inv_cov = jnp.linalg.inv(covariance)
        self._setattr(dataset, weights, d, n, neff, covariance, inv_cov)

    def _setattr(self, dataset, weights, d, n, neff, covariance, inv_cov):
        self.dataset, self.weights, self.d, self.n = dataset, weights, d, n
        self.neff, self.covariance, self.inv_cov = neff, covariance, inv_cov

    def tree_flatten(self):
        children = (self.dataset, self.weights, self.neff, self.covariance, self.inv_cov)
        return children, (self.d, self.n)

    @classmethod
    def tree_unflatten(cls, aux, children):
        obj = object.__new__(cls)
        dataset, weights, neff, covariance, inv_cov = children
        obj._setattr(dataset, weights, aux[0], aux[1], neff, covariance, inv_cov)
        return obj

    def _points(self, points):
        points = jnp.atleast_2d(jnp.asarray(points)).astype(self.dataset.dtype)
        d, m = jnp.shape(points)
        if d != self.d:
            if d == 1 and m == self.d:
                points = jnp.reshape(points, (self.d, 1))
            else:
                raise JTransValueError(
                    f"gaussian_kde: points have dimension {d}, the dataset has {self.d}"
                )
        return points

    def logpdf(self, x):
        """The log density at points x (d, m) -> (m,)."""
        points = self._points(x)
        # the kernel: N(points_j; data_i, covariance), through the whitening inv_cov
        diff = self.dataset[:, :, None] - points[:, None, :]  # (d, n, m)
        quad = jnp.einsum("inm,ij,jnm->nm", diff, self.inv_cov, diff)
        _, logdet = jnp.linalg.slogdet(self.covariance)
        log_norm = 0.5 * (self.d * math.log(2 * math.pi) + logdet)
        return special.logsumexp(-0.5 * quad - log_norm, axis=0, b=self.weights[:, None])

    def evaluate(self, points):
        return jnp.exp(self.logpdf(points))

    __call__ = evaluate
    pdf = evaluate

    def integrate_gaussian(self, mean, cov):
        """The integral of the estimate times the Gaussian N(mean, cov)."""
        mean = jnp.atleast_1d(jnp.squeeze(jnp.asarray(mean)))
        cov = jnp.atleast_2d(jnp.asarray(cov))
        if jnp.shape(mean) != (self.d,) or jnp.shape(cov) != (self.d, self.d):
            raise JTransValueError(
                f"gaussian_kde.integrate_gaussian: mean must have shape ({self.d},) and cov "
                f"({self.d}, {self.d}); got {jnp.shape(mean)} and {jnp.shape(cov)}"
            )
        dens = _mvn.pdf(self.dataset.T, mean, self.covariance + cov)
        return jnp.sum(self.weights * dens)

    def integrate_box_1d(self, low, high):
        """The mass of a one-dimensional estimate between low and high."""
        if self.d != 1:
            raise JTransValueError("gaussian_kde.integrate_box_1d needs one-dimensional data")
        sigma = jnp.sqrt(self.covariance[0, 0])
        lo = (low - self.dataset[0]) / sigma
        hi = (high - self.dataset[0]) / sigma
        return jnp.sum(self.weights * (special.ndtr(hi) - special.ndtr(lo)))

    def integrate_kde(self, other):
        """The integral of the product of two estimates of the same dimension."""
        if other.d != self.d:
            raise JTransValueError(
                f"gaussian_kde.integrate_kde: dimensions differ ({self.d} vs {other.d})"
            )
        cov = self.covariance + other.covariance
        diff = self.dataset.T[:, None, :] - other.dataset.T[None, :, :]  # (n1, n2, d)
        dens = _mvn.pdf(diff, jnp.zeros((self.d,), self.dataset.dtype), cov)
        return jnp.sum(self.weights[:, None] * other.weights[None, :] * dens)

    def resample(self, key, shape=()):
        """Draws of shape (d,) + shape: a data point picked by weight plus kernel noise."""
        shape = tuple(shape) if not isinstance(shape, int) else (shape,)
        ind_key, eps_key = random.split(key)
        eps = random.normal(eps_key, (self.d,) + shape, self.dataset.dtype)
        chol = jnp.linalg.cholesky(self.covariance)
        noise = jnp.tensordot(chol, eps, axes=1)
        idx = random.choice(ind_key, self.n, shape=shape, p=self.weights)
        return self.dataset[:, idx] + noise

    def set_bandwidth(self, bw_method=None):
        raise NotImplementedError(
            "gaussian_kde.set_bandwidth is not supported (as in JAX): build a new gaussian_kde "
            "with the bw_method you want"
        )

    def integrate_box(self, low_bounds, high_bounds, maxpts=None):
        raise NotImplementedError(
            "gaussian_kde.integrate_box is not supported (as in JAX); for one-dimensional data "
            "use integrate_box_1d"
        )
