"""JAX's `jax.custom_derivatives` module: custom_jvp, custom_vjp, closure_convert, their
primitives, symbolic zeros, custom_gradient (a function returning its value and its VJP, built on
custom_vjp as JAX does) and linear_call (a linear function with a user-given transpose; its
primitive `linear_call_p` lives here with its rules, as JAX keeps it in this module)."""

from . import core
from .core import ClosedJaxpr, Jaxpr
from .interpreters import ad, batching
from .interpreters import partial_eval as pe
from .interpreters.checkpoint import remat_p  # noqa: F401
from .interpreters.custom_derivatives import (
    _as_value,
    _eval_closed_impl,
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
    "linear_call",
    "linear_call_p",
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

        ct_avals = [ad.tangent_aval(core.get_aval(_as_value(a))) for a in ans_flat]
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


# ---------------------------------------------------------------------------------------------
# linear_call: fun(residuals, x) linear in x, whose transpose is fun_transpose(residuals, ct).
# linear_call_p(callee consts, transpose consts, residuals, linear args) carries both staged
# functions, each taking all four groups (its own consts first), so transposing swaps them.

linear_call_p = core.Primitive("linear_call")
linear_call_p.multiple_results = True


def _stage_avals(fun, avals):
    """(closed jaxpr taking its traced consts first, those consts)."""
    jaxpr, consts = pe.trace_to_jaxpr(fun, avals)
    jaxpr = pe.dce_jaxpr(jaxpr)[0]
    used = jaxpr._const_used
    jaxpr.constvars = [v for v, u in zip(jaxpr.constvars, used) if u]
    return pe.close_jaxpr(jaxpr, [c for c, u in zip(consts, used) if u])


def _with_unused_inputs(closed, at, avals):
    j = closed.jaxpr
    invars = j.invars[:at] + [core.Var(a) for a in avals] + j.invars[at:]
    return ClosedJaxpr(Jaxpr(j.constvars, invars, j.outvars, j.eqns), closed.consts)


def _flat(fun, trees, counts, box, what, want_tree=None):
    def flat(*xs):
        groups, i = [], 0
        for tree, n in zip(trees, counts):
            groups.append(tree_unflatten(tree, list(xs[i : i + n])))
            i += n
        leaves, tree = tree_flatten(fun(*groups))
        if want_tree is not None and tree != want_tree:
            raise TypeError(f"linear_call: {what} returned structure {tree}, expected {want_tree}")
        box.append(tree)
        return [_as_value(x) for x in leaves]

    return flat


def linear_call(fun, fun_transpose, residual_args, linear_args):
    """fun(residual_args, linear_args), where fun is linear in linear_args and transposes to
    fun_transpose(residual_args, ct) (JAX's `jax.custom_derivatives.linear_call`)."""
    res, res_tree = tree_flatten(residual_args)
    lin, lin_tree = tree_flatten(linear_args)
    res, lin = [_as_value(x) for x in res], [_as_value(x) for x in lin]
    res_avals = [core.get_aval(x) for x in res]
    box = []
    f_flat = _flat(fun, [res_tree, lin_tree], [len(res), len(lin)], box, "fun")
    f_closed, f_consts = _stage_avals(f_flat, res_avals + [core.get_aval(x) for x in lin])
    out_avals = [ad.tangent_aval(a).strip_weak_type() for a in f_closed.out_avals]
    t_flat = _flat(fun_transpose, [res_tree, box[0]], [len(res), len(out_avals)], [],
                   "fun_transpose", lin_tree)  # fmt: skip
    t_closed, t_consts = _stage_avals(t_flat, res_avals + out_avals)
    callee = _with_unused_inputs(f_closed, len(f_consts), [core.get_aval(c) for c in t_consts])
    transpose = _with_unused_inputs(t_closed, len(t_consts), [core.get_aval(c) for c in f_consts])
    outs = linear_call_p.bind(*f_consts, *t_consts, *res, *lin, callee=callee,
                              transpose=transpose, num_callee_consts=len(f_consts),
                              num_transpose_consts=len(t_consts), num_res=len(res))  # fmt: skip
    return tree_unflatten(box[0], outs)


def _linear_call_jvp(primals, tangents, **params):
    n_fixed = params["num_callee_consts"] + params["num_transpose_consts"] + params["num_res"]
    if any(type(t) is not ad.Zero for t in tangents[:n_fixed]):
        raise TypeError(
            "linear_call: the residual arguments (and values fun closes over) are being "
            "differentiated; linear_call is linear in linear_args only"
        )
    outs = linear_call_p.bind(*primals, **params)
    lin_t = [ad.instantiate_zeros(t) for t in tangents[n_fixed:]]
    return outs, linear_call_p.bind(*primals[:n_fixed], *lin_t, **params)


def _linear_call_transpose(cts, *args, callee, transpose, num_callee_consts,
                           num_transpose_consts, num_res):  # fmt: skip
    f_consts, rest = args[:num_callee_consts], args[num_callee_consts:]
    t_consts, rest = rest[:num_transpose_consts], rest[num_transpose_consts:]
    res = rest[:num_res]
    if any(ad.is_undefined_primal(x) for x in (*f_consts, *t_consts, *res)):
        raise TypeError("linear_call: cannot transpose with respect to the residual arguments")
    cts = [ad.instantiate_zeros(c) for c in cts]
    cts_out = linear_call_p.bind(*t_consts, *f_consts, *res, *cts, callee=transpose,
                                 transpose=callee, num_callee_consts=num_transpose_consts,
                                 num_transpose_consts=num_callee_consts, num_res=num_res)  # fmt: skip
    return [None] * (len(args) - len(cts_out)) + list(cts_out)


def _linear_call_batch(vals, dims, *, callee, transpose, **params):
    # every input and output batched at axis 0; the transpose is batched the same way
    size = batching.current_axis_size()
    vals = [batching.bdim_at_front(v, d, size) for v, d in zip(vals, dims)]

    def at_0(closed):
        n_in, n_out = len(closed.in_avals), len(closed.out_avals)
        return batching.batch_jaxpr(closed, size, [0] * n_in, [0] * n_out)[0]

    outs = linear_call_p.bind(*vals, callee=at_0(callee), transpose=at_0(transpose), **params)
    return outs, [0] * len(outs)


core.impl_rules[linear_call_p] = lambda *args, callee, **_: _eval_closed_impl(callee, args)
core.abstract_eval_rules[linear_call_p] = lambda *avals, callee, **_: callee.out_avals
ad.jvp_rules[linear_call_p] = _linear_call_jvp
ad.transpose_rules[linear_call_p] = _linear_call_transpose
batching.batch_rules[linear_call_p] = _linear_call_batch


def _register_lowering():
    from .lowering import passes  # the compiler inlines the callee, as it does jit's jaxpr

    passes.inline_rules[linear_call_p] = lambda params: params["callee"]


_register_lowering()
