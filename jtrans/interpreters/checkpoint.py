"""checkpoint (remat): a function whose backward pass recomputes its intermediates instead of
storing them. `remat_p` carries the function's closed jaxpr; its partial-evaluation rule keeps
only the inputs as residuals and recomputes the rest inside the linear (tangent) part."""

import functools

from .. import core
from ..tree_util import tree_flatten, tree_unflatten
from . import ad, batching
from . import partial_eval as pe
from .jit import jvp_jaxpr

__all__ = ["checkpoint", "checkpoint_policies", "remat"]


from .custom_derivatives import (  # noqa: F401
    _as_value,
    _eager,
    _merge,
    _dce_closed,
    _eval_closed_impl,
    _flat_outputs,
    _stage,
    _vmap_at_0,
)

# ---------------------------------------------------------------------------------------------
# checkpoint / remat

remat_p = core.Primitive("remat")
remat_p.multiple_results = True


class checkpoint_policies:
    """Which intermediates a checkpointed function may save for the backward pass, as predicates
    policy(prim, *avals, **params) -> bool (JAX's `jax.checkpoint_policies`). The default
    (policy=None) saves nothing but the inputs."""

    @staticmethod
    def everything_saveable(*_, **__):
        return True

    @staticmethod
    def nothing_saveable(*_, **__):
        return False


def checkpoint(fun=None, *, prevent_cse=True, policy=None, static_argnums=()):
    """`fun` whose intermediates are recomputed in the backward pass instead of being saved
    (JAX's `jax.checkpoint`, alias `remat`)."""
    if fun is None:
        return functools.partial(checkpoint, prevent_cse=prevent_cse, policy=policy,
                                 static_argnums=static_argnums)  # fmt: skip
    statics = (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums)

    @functools.wraps(fun)
    def wrapped(*args, **kwargs):
        if _eager():
            return fun(*args, **kwargs)
        nums = sorted({i % len(args) for i in statics}) if args else []
        static = [args[i] for i in nums]
        dyn = [a for i, a in enumerate(args) if i not in nums]
        flat, in_tree = tree_flatten((tuple(dyn), kwargs))
        flat = [_as_value(x) for x in flat]
        box = []

        def f_flat(*xs):
            d, kw = tree_unflatten(in_tree, xs)
            out = fun(*_merge(nums, static, d), **kw)
            leaves, tree = tree_flatten(out)
            box.append(tree)
            return [_as_value(x) for x in leaves]

        closed, consts = _stage(f_flat, flat)
        outs = remat_p.bind(*consts, *flat, jaxpr=closed, prevent_cse=prevent_cse,
                            policy=_normalize_policy(policy))  # fmt: skip
        return tree_unflatten(box[0], outs)

    return wrapped


remat = checkpoint


def _normalize_policy(policy):
    if policy is None or policy is checkpoint_policies.nothing_saveable:
        return None
    if policy is checkpoint_policies.everything_saveable:
        return policy
    raise NotImplementedError(
        "checkpoint supports policy=None (save only the inputs), "
        "checkpoint_policies.nothing_saveable and checkpoint_policies.everything_saveable; "
        f"got {policy!r}"
    )


core.abstract_eval_rules[remat_p] = lambda *avals, jaxpr, **_: jaxpr.out_avals
core.impl_rules[remat_p] = lambda *args, jaxpr, **_: _eval_closed_impl(jaxpr, args)


def _remat_jvp(primals, tangents, *, jaxpr, prevent_cse, policy):
    nonzeros = [type(t) is not ad.Zero for t in tangents]
    jj = jvp_jaxpr(jaxpr, nonzeros)
    outs = remat_p.bind(*primals, *[t for t in tangents if type(t) is not ad.Zero], jaxpr=jj,
                        prevent_cse=prevent_cse, policy=policy)  # fmt: skip
    n = len(jaxpr.out_avals)
    return outs[:n], outs[n:]


ad.jvp_rules[remat_p] = _remat_jvp


def _remat_transpose(cts, *args, jaxpr, prevent_cse, policy):
    # Split the jaxpr into its non-linear part (the recomputation of the primal values, which
    # runs now) and its linear part, then transpose the linear part. Splitting first keeps
    # equations that mix primal and tangent outputs (a nested remat or jit) out of the
    # linear part.
    linear = [ad.is_undefined_primal(a) for a in args]
    jk, ju, out_unknowns, num_res = pe.partial_eval_jaxpr(jaxpr, linear)
    known = [a for a, lin in zip(args, linear) if not lin]
    residuals = core.eval_jaxpr(jk.jaxpr, jk.consts, *known)[len(jk.out_avals) - num_res :]
    lin_args = [ad.UndefinedPrimal(a.aval) for a in args if ad.is_undefined_primal(a)]
    lin_cts = [c for c, u in zip(cts, out_unknowns) if u]
    res = ad.backward_pass(ju.jaxpr, ju.consts, list(residuals) + lin_args, lin_cts)
    it = iter(res[num_res:])
    return [next(it) if lin else None for lin in linear]


ad.transpose_rules[remat_p] = _remat_transpose


def _remat_batch(vals, dims, *, jaxpr, prevent_cse, policy):
    size = batching.current_axis_size()
    batched, out_dims = batching.batch_jaxpr(jaxpr, size, dims)
    outs = remat_p.bind(*vals, jaxpr=batched, prevent_cse=prevent_cse, policy=policy)
    return outs, out_dims


batching.batch_rules[remat_p] = _remat_batch


def _remat_partial_eval(trace, args, params):
    """Known part: the primal outputs only (no residuals). Unknown part: the whole computation
    of the unknown outputs from all the inputs, so the inputs are the only residuals."""
    closed = params["jaxpr"]
    unknowns = [trace.is_unknown(a) for a in args]
    jk, ju, out_unknowns, num_res = pe.partial_eval_jaxpr(closed, unknowns)
    known_args = [a for a, u in zip(args, unknowns) if not u]
    n_known = len(jk.out_avals) - num_res
    if params["policy"] is checkpoint_policies.everything_saveable:
        known_outs = core.bind_in(trace.parent, remat_p, known_args, dict(params, jaxpr=jk))
        residuals = known_outs[n_known:]
        unknown_args = [a for a, u in zip(args, unknowns) if u]
        unknown_outs = trace.stage(remat_p, residuals + unknown_args, dict(params, jaxpr=ju))
        known_outs = known_outs[:n_known]
    else:
        jk_outs, _ = _dce_closed(jk, [True] * n_known + [False] * num_res)
        known_outs = core.bind_in(trace.parent, remat_p, known_args, dict(params, jaxpr=jk_outs))
        ju_all, used = _dce_closed(closed, out_unknowns, prune_invars=True)
        used_args = [a for a, u in zip(args, used) if u]
        unknown_outs = trace.stage(remat_p, used_args, dict(params, jaxpr=ju_all)) \
            if any(out_unknowns) else []  # fmt: skip
    k_it, u_it = iter(known_outs), iter(unknown_outs)
    return [next(u_it) if u else next(k_it) for u in out_unknowns]


pe.partial_eval_rules[remat_p] = _remat_partial_eval


def _remat_dce(used_outputs, eqn):
    closed, used_inputs = _dce_closed(eqn.params["jaxpr"], used_outputs, prune_invars=True)
    new_eqn = eqn.replace(
        invars=[v for v, u in zip(eqn.invars, used_inputs) if u],
        outvars=[v for v, u in zip(eqn.outvars, used_outputs) if u],
        params=dict(eqn.params, jaxpr=closed),
    )
    return used_inputs, new_eqn


pe.dce_rules[remat_p] = _remat_dce
