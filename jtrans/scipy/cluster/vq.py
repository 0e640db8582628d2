"""jtrans.scipy.cluster.vq: assigns observations to their nearest code (as jax.scipy)."""

from ... import core, dtypes
from ... import numpy as jnp
from ...errors import JTransValueError
from ...numpy._util import asarray_any, check_arraylike

__all__ = ["vq"]


def vq(obs, code_book, check_finite=True):
    """(code, dist): for each observation (row of obs, (M, N) or (M,)), the index of the
    nearest code in code_book ((K, N) or (K,)) and the Euclidean distance to it."""
    check_arraylike("vq", obs, code_book)
    obs, code_book = asarray_any(obs), asarray_any(code_book)
    dt = dtypes.result_type(obs, code_book)
    dt = dt if dtypes.is_inexact(dt) else dtypes.to_inexact_dtype(dt)
    obs, code_book = obs.astype(dt), code_book.astype(dt)
    so, sc = core.get_aval(obs).shape, core.get_aval(code_book).shape
    if len(so) != len(sc) or len(so) not in (1, 2) or so[1:] != sc[1:]:
        raise JTransValueError(
            f"vq: obs and code_book must be (M, N) and (K, N), or (M,) and (K,); got shapes "
            f"{so} and {sc}"
        )
    if len(so) == 1:
        obs, code_book = obs[:, None], code_book[:, None]
    diff = obs[:, None, :] - code_book[None, :, :]
    dist = jnp.sqrt(jnp.sum(jnp.abs(diff) ** 2, axis=-1))
    code = jnp.argmin(dist, axis=1)
    return code, jnp.take_along_axis(dist, code[:, None], axis=1)[:, 0]
