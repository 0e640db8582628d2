"""jnp.linalg: norm, inv, solve, det, slogdet, cholesky, eigh, qr, svd, ..."""

__all__ = []
