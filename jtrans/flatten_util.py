"""JAX's `jax.flatten_util`: ravel_pytree flattens a pytree of arrays into one 1-D array and
returns the function that rebuilds the pytree from such an array. Written with jtrans.numpy and
lax only, so both directions differentiate, batch and jit."""

from . import core, dtypes, lax
from . import numpy as jnp
from .interpreters.custom_derivatives import _as_value
from .tree_util import Partial, tree_flatten, tree_unflatten

__all__ = ["ravel_pytree"]


def ravel_pytree(pytree):
    """(flat, unravel): `flat` is the concatenation of the raveled leaves, in tree_flatten order,
    in the leaves' promoted dtype (float32 for an empty tree); `unravel(flat)` rebuilds the
    pytree, casting each leaf back to its dtype (when all leaves share one dtype, unravel keeps
    the dtype of the array it is given, as in JAX)."""
    leaves, treedef = tree_flatten(pytree)
    flat, unravel_list = _ravel_list(leaves)
    return flat, Partial(_unravel_pytree, treedef, unravel_list)


def _unravel_pytree(treedef, unravel_list, flat):
    return tree_unflatten(treedef, unravel_list(flat))


def _ravel_list(leaves):
    if not leaves:
        return jnp.zeros((0,), dtypes.float32), Partial(_unravel_empty)
    leaves = [_as_value(x) for x in leaves]
    avals = [core.get_aval(x) for x in leaves]
    from_dtypes = tuple(a.dtype for a in avals)
    to_dtype = dtypes.result_type(*from_dtypes)
    shapes = tuple(a.shape for a in avals)
    sizes = [int(a.size) for a in avals]
    splits, total = [], 0
    for s in sizes[:-1]:
        total += s
        splits.append(total)
    if all(d == to_dtype for d in from_dtypes):
        flat = jnp.concatenate([jnp.ravel(x) for x in leaves])
        return flat, Partial(_unravel_single_dtype, tuple(splits), shapes)
    flat = jnp.concatenate([jnp.ravel(lax.convert_element_type(x, to_dtype)) for x in leaves])
    return flat, Partial(_unravel_mixed, tuple(splits), shapes, from_dtypes, to_dtype)


def _unravel_empty(flat):
    return []


def _check_flat(flat, splits, shapes):
    aval = core.get_aval(_as_value(flat))
    size = sum(int(_prod(s)) for s in shapes)
    if aval.shape != (size,):
        raise ValueError(
            f"unravel function expected a 1-D array of shape ({size},) (the raveled pytree), "
            f"got shape {aval.shape}"
        )


def _prod(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def _unravel_single_dtype(splits, shapes, flat):
    _check_flat(flat, splits, shapes)
    chunks = jnp.split(flat, list(splits))
    return [jnp.reshape(c, s) for c, s in zip(chunks, shapes)]


def _unravel_mixed(splits, shapes, from_dtypes, to_dtype, flat):
    _check_flat(flat, splits, shapes)
    got = core.get_aval(_as_value(flat)).dtype
    if got != to_dtype:
        raise TypeError(
            f"unravel function given an array of dtype {got} but expected dtype {to_dtype} "
            "(the promoted dtype of the raveled leaves)"
        )
    chunks = jnp.split(flat, list(splits))
    return [lax.convert_element_type(jnp.reshape(c, s), d)
            for c, s, d in zip(chunks, shapes, from_dtypes)]  # fmt: skip
