"""Shared helpers of the jtrans.scipy.stats distributions: argument promotion, standardisation,
and the "safe where" used so that out-of-support branches never put inf/NaN into derivatives."""

import numpy as np

from ... import numpy as jnp
from ...numpy._util import promote_args_inexact

__all__ = [
    "inf",
    "is_int",
    "nan",
    "outside_nan",
    "promote",
    "promote_no_broadcast",
    "standardize",
    "where",
]

inf = np.inf
nan = np.nan
where = jnp.where


def promote(name, *args):
    """JAX's promote_args_inexact: float dtypes, broadcasting left to the operations."""
    return promote_args_inexact(name, *args)


def standardize(x, loc, scale):
    return (x - loc) / scale


def outside_nan(q, value):
    """NaN where the probability q lies outside [0, 1] (or is NaN)."""
    ok = jnp.logical_and(q >= 0, q <= 1)
    return jnp.where(ok, value, np.nan)


def is_int(k):
    return jnp.equal(jnp.round(k), k)


def promote_no_broadcast(name, *args):
    """The common inexact dtype, without broadcasting (for arguments of different ranks)."""
    from ... import dtypes
    from ...numpy._util import check_arraylike, promote_dtypes

    check_arraylike(name, *args)
    out = promote_dtypes(*args)
    dt = out[0].dtype
    if not dtypes.is_inexact(dt):
        out = [o.astype(dtypes.to_inexact_dtype(dt)) for o in out]
    return out
