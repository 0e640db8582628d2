"""Jaxpr -> jaxpr passes run before fusion. The pipeline is the list `PASSES`, in order:

    inline     nested jitted jaxprs (and other `inline_rules` primitives) become plain equations
    simplify   algebraic identities (`simplify_rules`: x*1, x+0, transpose of transpose, reshape
               chains, converts to the same dtype...) and constant folding of scalar equations
    cse        equal equations (same primitive, operands and parameters) are computed once
    dce        equations whose results are unused are removed

Each pass maps (jaxpr, consts) -> (jaxpr, consts) and never changes the jaxpr's signature; the
caller may check the result with `core.typecheck_jaxpr` after every pass.
"""

import numpy as np

from .. import core
from ..core import Eqn, Jaxpr, Literal, Var

# inline_rules[prim] = params -> ClosedJaxpr whose evaluation is the equation's meaning
inline_rules = {}
# simplify_rules[prim] = rule(eqn, producer) -> atom (Var or Literal) equal to the single output,
# a rewritten Eqn with the same outvars, or None; producer(var) is var's defining Eqn or None
simplify_rules = {}
# primitives never folded even with literal operands (effects, randomness keys...)
no_fold = set()


def _subst(env, v):
    while type(v) is Var and v in env:
        v = env[v]
    return v


def inline(jaxpr, consts):
    constvars, consts = list(jaxpr.constvars), list(consts)
    eqns = []

    def go(jx, env):
        for eqn in jx.eqns:
            ins = [_subst(env, v) for v in eqn.invars]
            rule = inline_rules.get(eqn.prim)
            if rule is None:
                outs = [Var(v.aval) for v in eqn.outvars]
                env.update(zip(eqn.outvars, outs))
                eqns.append(eqn.replace(invars=ins, outvars=outs))
                continue
            inner = rule(eqn.params)
            inner_env = dict(zip(inner.jaxpr.invars, ins))
            for cv, c in zip(inner.jaxpr.constvars, inner.consts):
                nv = Var(cv.aval)
                constvars.append(nv)
                consts.append(c)
                inner_env[cv] = nv
            go(inner.jaxpr, inner_env)
            env.update(zip(eqn.outvars, [_subst(inner_env, v) for v in inner.jaxpr.outvars]))

    env = {}
    go(jaxpr, env)
    outvars = [_subst(env, v) for v in jaxpr.outvars]
    return Jaxpr(constvars, jaxpr.invars, outvars, eqns), consts


def _fold(eqn):
    """A Literal for a scalar equation whose operands are all literals, else None."""
    if eqn.prim.multiple_results or eqn.prim in no_fold or eqn.prim in inline_rules:
        return None
    out = eqn.outvars[0].aval
    if out.shape != () or not all(type(v) is Literal for v in eqn.invars):
        return None
    if any(True for _ in core.subjaxprs(eqn)) or np.dtype(out.dtype).kind not in "biuf":
        return None
    impl = core.impl_rules.get(eqn.prim)
    if impl is None:
        return None
    try:
        with core.set_current_trace(core.eval_trace), np.errstate(all="ignore"):
            val = impl(*[np.asarray(v.val, v.aval.dtype) for v in eqn.invars], **eqn.params)
        val = np.asarray(val)
    except Exception:
        return None
    if val.shape != () or val.dtype != out.dtype:
        return None
    return Literal(val[()], out)


def simplify(jaxpr, consts):
    env, producer, eqns = {}, {}, []
    for eqn in jaxpr.eqns:
        eqn = eqn.replace(invars=[_subst(env, v) for v in eqn.invars])
        while True:
            rule = simplify_rules.get(eqn.prim)
            new = rule(eqn, producer.get) if rule is not None else None
            if new is None:
                new = _fold(eqn)
            if type(new) is Eqn:
                eqn = new
                continue
            break
        if new is not None:
            out = eqn.outvars[0]
            assert new.aval.shape == out.aval.shape and new.aval.dtype == out.aval.dtype, (
                f"simplification of {eqn.prim} changed {out.aval} to {new.aval}"
            )
            env[out] = new
            continue
        for v in eqn.outvars:
            producer[v] = eqn
        eqns.append(eqn)
    outvars = [_subst(env, v) for v in jaxpr.outvars]
    return Jaxpr(jaxpr.constvars, jaxpr.invars, outvars, eqns), consts


def _atom_key(v):
    if type(v) is Literal:
        return ("lit", np.asarray(v.val).item(), str(v.aval.dtype))
    return v


def cse(jaxpr, consts):
    env, seen, eqns = {}, {}, []
    for eqn in jaxpr.eqns:
        eqn = eqn.replace(invars=[_subst(env, v) for v in eqn.invars])
        try:
            key = (eqn.prim, tuple(map(_atom_key, eqn.invars)),
                   tuple(sorted((k, _param_key(p)) for k, p in eqn.params.items())))  # fmt: skip
            hash(key)
        except TypeError:
            key = None
        if key is not None and key in seen and not getattr(eqn.prim, "effectful", False):
            prev = seen[key]
            env.update(zip(eqn.outvars, prev.outvars))
            continue
        if key is not None:
            seen[key] = eqn
        eqns.append(eqn)
    outvars = [_subst(env, v) for v in jaxpr.outvars]
    return Jaxpr(jaxpr.constvars, jaxpr.invars, outvars, eqns), consts


def _param_key(p):
    # type-tagged, so that 1 and 1.0 and True are different parameters
    if isinstance(p, (tuple, list)):
        return (type(p).__name__,) + tuple(_param_key(q) for q in p)
    if isinstance(p, (bool, int, float, complex, str)):
        return (type(p).__name__, p)
    return p


def dce(jaxpr, consts):
    live = {v for v in jaxpr.outvars if type(v) is Var}
    eqns = []
    for eqn in reversed(jaxpr.eqns):
        if not any(v in live for v in eqn.outvars) and not getattr(eqn.prim, "effectful", False):
            continue
        live.update(v for v in eqn.invars if type(v) is Var)
        eqns.append(eqn)
    eqns.reverse()
    keep = [v in live for v in jaxpr.constvars]
    constvars = [v for v, k in zip(jaxpr.constvars, keep) if k]
    consts = [c for c, k in zip(consts, keep) if k]
    return Jaxpr(constvars, jaxpr.invars, jaxpr.outvars, eqns), consts


PASSES = [("inline", inline), ("simplify", simplify), ("cse", cse), ("dce", dce)]


def optimize(jaxpr, consts, check=False):
    for name, p in PASSES:
        jaxpr, consts = p(jaxpr, consts)
        if check:
            core.typecheck_jaxpr(jaxpr)
    return jaxpr, consts
