"""checkpoint (remat): a function whose backward pass recomputes its intermediates instead of
storing them. `remat_p` carries the function's closed jaxpr and a policy; its partial-evaluation
rule saves as residuals the inputs and the values of the equations the policy calls saveable,
and recomputes every other value the tangent part reads inside the unknown (tangent) part.
`name_p` tags a value with a name that policies can select (checkpoint_name)."""

import functools

from .. import core
from ..core import ClosedJaxpr, Jaxpr
from ..tree_util import tree_flatten, tree_map, tree_unflatten
from . import ad, batching
from . import partial_eval as pe
from .jit import jvp_jaxpr

__all__ = ["checkpoint", "checkpoint_name", "checkpoint_policies", "remat"]


from .custom_derivatives import (
    _as_value,
    _dce_closed,
    _eager,
    _eval_closed_impl,
    _merge,
    _stage,
)

# ---------------------------------------------------------------------------------------------
# checkpoint / remat

remat_p = core.Primitive("checkpoint")  # (JAX prints checkpoint[...] in jaxprs)
remat_p.multiple_results = True


# name_p: the identity, carrying a name a policy can save by (JAX's checkpoint_name)

name_p = core.Primitive("name")
core.impl_rules[name_p] = lambda x, *, name: x
core.abstract_eval_rules[name_p] = lambda x, *, name: x
ad.deflinear(
    name_p, lambda ct, x, *, name: [ct if type(ct) is ad.Zero else name_p.bind(ct, name=name)]
)
batching.batch_rules[name_p] = lambda vals, dims, *, name: (
    name_p.bind(vals[0], name=name),
    dims[0],
)


def checkpoint_name(x, name):
    """Each leaf of the pytree `x` unchanged, tagged `name` so that a checkpoint policy
    (save_only_these_names, ...) can decide to save it for the backward pass."""
    return tree_map(lambda leaf: name_p.bind(_as_value(leaf), name=name), x)


# ---------------------------------------------------------------------------------------------
# policies: policy(prim, *avals, **params) -> bool (or Saveable / Recompute / Offloadable(...))
# says whether an equation's outputs may be saved for the backward pass


class Saveable:
    """A policy answer: save the value."""


class Recompute:
    """A policy answer: recompute the value in the backward pass."""


class Offloadable(tuple):
    """A policy answer: save the value in another memory (jtrans has one: it is saved)."""

    def __new__(cls, src, dst):
        return super().__new__(cls, (src, dst))

    src = property(lambda self: self[0])
    dst = property(lambda self: self[1])


def _is_saved(answer):
    if answer is Recompute:
        return False
    return answer is Saveable or isinstance(answer, Offloadable) or bool(answer)


def _is_dot(prim):
    from ..lax import linalg  # lax sits above the interpreters: imported at call time

    return prim is linalg.dot_general_p


def _everything_saveable(*_, **__):
    return True


def _nothing_saveable(*_, **__):
    return False


def _dots_saveable(prim, *_, **__):
    return _is_dot(prim)


def _dots_with_no_batch_dims_saveable(prim, *_, **params):
    return _is_dot(prim) and not any(params["dimension_numbers"][1])


def _names_policy(keep):
    def policy(names):
        names = frozenset(names)

        def saveable(prim, *_, **params):
            return prim is name_p and keep(params["name"] in names)

        return saveable

    return policy


def _save_only_these_names(*names):
    return _names_policy(lambda hit: hit)(names)


def _save_any_names_but_these(*names):
    return _names_policy(lambda hit: not hit)(names)


def _save_anything_except_these_names(*names):
    names = frozenset(names)

    def policy(prim, *_, **params):
        return not (prim is name_p and params["name"] in names)

    return policy


def _save_from_both_policies(policy_1, policy_2):
    def policy(prim, *avals, **params):
        return _is_saved(policy_1(prim, *avals, **params)) or _is_saved(
            policy_2(prim, *avals, **params)
        )

    return policy


def _save_and_offload_only_these_names(
    *, names_which_can_be_saved, names_which_can_be_offloaded, offload_src="device",
    offload_dst="pinned_host"
):  # fmt: skip
    # one memory here: offloading is saving
    return _save_only_these_names(*names_which_can_be_saved, *names_which_can_be_offloaded)


def _offload_dot_with_no_batch_dims(offload_src="device", offload_dst="pinned_host"):
    return _dots_with_no_batch_dims_saveable


class checkpoint_policies:
    """Which intermediates a checkpointed function may save for the backward pass (JAX's
    `jax.checkpoint_policies`): predicates policy(prim, *avals, **params) -> bool over the
    equations of the function's JVP. The default (policy=None) saves only the inputs."""

    everything_saveable = staticmethod(_everything_saveable)
    nothing_saveable = staticmethod(_nothing_saveable)
    dots_saveable = checkpoint_dots = staticmethod(_dots_saveable)
    dots_with_no_batch_dims_saveable = staticmethod(_dots_with_no_batch_dims_saveable)
    checkpoint_dots_with_no_batch_dims = dots_with_no_batch_dims_saveable
    save_only_these_names = staticmethod(_save_only_these_names)
    save_any_names_but_these = staticmethod(_save_any_names_but_these)
    save_anything_except_these_names = staticmethod(_save_anything_except_these_names)
    save_from_both_policies = staticmethod(_save_from_both_policies)
    save_and_offload_only_these_names = staticmethod(_save_and_offload_only_these_names)
    offload_dot_with_no_batch_dims = staticmethod(_offload_dot_with_no_batch_dims)


def checkpoint(fun=None, *, prevent_cse=True, policy=None, static_argnums=()):
    """`fun` whose intermediates are recomputed in the backward pass instead of being saved
    (JAX's `jax.checkpoint`, alias `remat`)."""
    if fun is None:
        return functools.partial(checkpoint, prevent_cse=prevent_cse, policy=policy,
                                 static_argnums=static_argnums)  # fmt: skip
    statics = (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums)
    policy = _normalize_policy(policy)

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
                            policy=policy)  # fmt: skip
        return tree_unflatten(box[0], outs)

    return wrapped


remat = checkpoint


def _normalize_policy(policy):
    if policy is None or policy is _nothing_saveable:
        return None  # save only the inputs
    if not callable(policy):
        raise TypeError(
            "checkpoint: policy must be None or a function (prim, *avals, **params) -> bool "
            f"such as those of jtrans.checkpoint_policies; got {policy!r}"
        )
    return policy


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
    """Known part: the primal outputs and the residuals the policy saves, computed now (inline,
    as JAX does). Unknown part: the tangent computation, recomputing from the residuals every
    value it reads that the policy does not save. policy=None saves only the inputs."""
    closed, policy = params["jaxpr"], params["policy"]
    unknowns = [trace.is_unknown(a) for a in args]
    jk, ju, out_unknowns, num_res = pe.partial_eval_jaxpr(closed, unknowns)
    known_args = [a for a, u in zip(args, unknowns) if not u]
    n_known = len(jk.out_avals) - num_res
    if policy is None:
        jk_outs, _ = _dce_closed(jk, [True] * n_known + [False] * num_res)
        # the known outputs are computed now, hoisted out of the remat (as JAX does): a
        # staged forward pass shows their equations, and their residual sources name them
        with core.set_current_trace(trace.parent):
            known_outs = core.eval_jaxpr(jk_outs.jaxpr, jk_outs.consts, *known_args)
        ju_all, used = _dce_closed(closed, out_unknowns, prune_invars=True)
        used_args = [a for a, u in zip(args, used) if u]
        unknown_outs = trace.stage(remat_p, used_args, dict(params, jaxpr=ju_all)) \
            if any(out_unknowns) else []  # fmt: skip
    else:
        jk, ju = _apply_policy(jk, ju, n_known, num_res, policy)
        with core.set_current_trace(trace.parent):
            known_outs = core.eval_jaxpr(jk.jaxpr, jk.consts, *known_args)
        residuals = known_outs[n_known:]
        unknown_args = [a for a, u in zip(args, unknowns) if u]
        unknown_outs = trace.stage(remat_p, residuals + unknown_args, dict(params, jaxpr=ju)) \
            if any(out_unknowns) else []  # fmt: skip
        known_outs = known_outs[:n_known]
    k_it, u_it = iter(known_outs), iter(unknown_outs)
    return [next(u_it) if u else next(k_it) for u in out_unknowns]


def _apply_policy(jk, ju, n_known, num_res, policy):
    """Rewrites the split of pe.partial_eval_jaxpr (jk: known inputs -> known outputs +
    residuals; ju: residuals + unknown inputs -> unknown outputs) so that the residuals are
    only values the policy lets us save: the known inputs, the outputs of saveable equations
    (and of effectful ones, which must not run twice). Every other residual is recomputed from
    those at the start of the unknown part."""
    jaxpr = jk.jaxpr
    saved, recompute = list(jaxpr.invars), []
    for eqn in jaxpr.eqns:
        avals = [v.aval for v in eqn.invars]
        if pe.has_effects(eqn) or _is_saved(policy(eqn.prim, *avals, **eqn.params)):
            if eqn.prim is name_p and type(eqn.invars[0]) is core.Var:
                saved.append(eqn.invars[0])  # the same value, saved once for both names
                recompute.append(eqn)
            else:
                saved.extend(eqn.outvars)
        else:
            recompute.append(eqn)
    saved_set = set(saved)
    for eqn in [e for e in recompute if any(v in saved_set for v in e.outvars)]:
        recompute.remove(eqn)  # it made a value saved for a name: save its other outputs too
        saved.extend(v for v in eqn.outvars if v not in saved_set)
    residuals = jaxpr.outvars[n_known:]
    saved_set = set(saved) | set(jaxpr.constvars)
    if all(type(r) is core.Var and r in saved_set for r in residuals):
        return jk, ju
    # recompute: saved values -> residuals, over the equations whose outputs are not saved
    rec = Jaxpr(jaxpr.constvars, saved, residuals, recompute)
    rec, used = pe.dce_jaxpr(rec, prune_invars=True)
    saved = [v for v, u in zip(saved, used) if u]
    # the unknown part reads the residuals from the recomputation
    ju_jaxpr = ju.jaxpr
    sub = dict(zip(ju_jaxpr.invars[:num_res], residuals))
    ren = lambda v: sub.get(v, v) if type(v) is core.Var else v
    eqns = [e.replace(invars=[ren(v) for v in e.invars]) for e in ju_jaxpr.eqns]
    unknown = Jaxpr(jaxpr.constvars, saved + ju_jaxpr.invars[num_res:],
                    [ren(v) for v in ju_jaxpr.outvars], rec.eqns + eqns)  # fmt: skip
    unknown = pe.dce_closed(ClosedJaxpr(unknown, jk.consts))
    unknown = ClosedJaxpr(pe.convert_constvars(unknown.jaxpr), []) if _traced(unknown) \
        else unknown  # fmt: skip
    known = Jaxpr(jaxpr.constvars, jaxpr.invars, jaxpr.outvars[:n_known] + saved, jaxpr.eqns)
    known, _ = _dce_closed(ClosedJaxpr(known, jk.consts), [True] * (n_known + len(saved)))
    return known, unknown


def _traced(closed):
    return any(isinstance(c, core.Tracer) for c in closed.consts)


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
