"""JAX's `jax.custom_derivatives` module: custom_jvp, custom_vjp, closure_convert, their
primitives, symbolic zeros, and custom_gradient (a function returning its value and its VJP,
built on custom_vjp as JAX does)."""

from . import core
from .interpreters import ad
from .interpreters import partial_eval as pe
from .interpreters.checkpoint import remat_p  # noqa: F401
from .interpreters.custom_derivatives import (
    _as_value,
    closure_convert,
    custom_jvp,
    custom_jvp_call_p,
    custom_vjp,
    custom_vjp_call_p,
)
from .tree_util import register_pytree_node, tree_flatten, tree_map, tree_unflatten, treedef_is_leaf

__all__ = [
    "SymbolicZero",
    "closure_convert",
    "custom_gradient",
    "custom_jvp",
    "custom_jvp_call_p",
    "custom_vjp",
    "custom_vjp_call_p",
    "zero_from_primal",
]

# the symbolic zero tangent a custom_jvp rule defined with symbolic_zeros=True receives
SymbolicZero = ad.Zero


def zero_from_primal(val, symbolic_zeros=False):
    """A zero tangent for each leaf of `val`: SymbolicZero(aval) if symbolic_zeros, else an
    array of zeros of the tangent's shape and dtype."""

    def zero(x):
        aval = ad.tangent_aval(core.get_aval(_as_value(x))).strip_weak_type()
        return SymbolicZero(aval) if symbolic_zeros else ad.zeros_like_aval(aval)

    return tree_map(zero, val)


class _Residuals:
    """The VJP function of a custom_gradient call, staged as a jaxpr; its traced constants are
    the pytree's leaves, so they travel as custom_vjp residuals."""

    def __init__(self, jaxpr, in_tree, out_tree, consts):
        self.jaxpr, self.in_tree, self.out_tree, self.consts = jaxpr, in_tree, out_tree, consts


register_pytree_node(
    _Residuals,
    lambda r: (r.consts, (r.jaxpr, r.in_tree, r.out_tree)),
    lambda aux, consts: _Residuals(*aux, list(consts)),
)


def custom_gradient(fun):
    """`fun(*args) -> (value, vjp_fn)` made a function returning `value` whose reverse-mode
    derivative is `vjp_fn(ct) -> (ct_arg, ...)` (JAX's `jax.custom_gradient`)."""

    @custom_vjp
    def wrapped(*args):
        return fun(*args)[0]

    def fwd(*args):
        ans, vjp_fn = fun(*args)
        ans_flat, out_tree = tree_flatten((ans,))
        box = []

        def vjp_flat(*cts):
            out = vjp_fn(*tree_unflatten(out_tree, list(cts)))
            leaves, tree = tree_flatten(out)
            box.append(tree)
            return [_as_value(x) for x in leaves]

        ct_avals = [ad.tangent_aval(core.get_aval(_as_value(a))).strip_weak_type()
                    for a in ans_flat]  # fmt: skip
        jaxpr, consts = pe.trace_to_jaxpr(vjp_flat, ct_avals)
        return ans, _Residuals(jaxpr, box[0], out_tree, [_as_value(c) for c in consts])

    def bwd(res, ct):
        cts_flat, tree = tree_flatten((ct,))
        if tree != res.out_tree:
            raise TypeError(
                f"custom_gradient: cotangent structure {tree} does not match the output "
                f"structure {res.out_tree}"
            )
        cts_flat = [ad.instantiate_zeros(c) if type(c) is ad.Zero else c for c in cts_flat]
        cts_in = tree_unflatten(res.in_tree, core.eval_jaxpr(res.jaxpr, res.consts, *cts_flat))
        return (cts_in,) if treedef_is_leaf(res.in_tree) else cts_in

    wrapped.defvjp(fwd, bwd)
    return wrapped
