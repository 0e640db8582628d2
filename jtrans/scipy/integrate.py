"""jtrans.scipy.integrate: trapezoid (as jax.scipy.integrate)."""

from .. import numpy as jnp

__all__ = ["trapezoid"]


def trapezoid(y, x=None, dx=1.0, axis=-1):
    """Integral of y along `axis` by the trapezoidal rule, at sample points x (or spacing dx)."""
    return jnp.trapezoid(y, x=x, dx=dx, axis=axis)
