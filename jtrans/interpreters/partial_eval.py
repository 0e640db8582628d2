"""Staging Python functions into jaxprs, partial evaluation (known/unknown split) and DCE.

- `StagingTrace` records every primitive into a jaxpr (make_jaxpr, jit, control flow bodies).
- `PartialEvalTrace` records only what touches an unknown value; everything known is handed to
  the parent trace and computed now. Known values used by recorded equations become the jaxpr's
  constants (the residuals). Linearize is a JVP traced under this trace.
Invariant: a jaxpr produced here passes `core.typecheck_jaxpr`.
"""

import numpy as np

from .. import core, dtypes
from ..core import ClosedJaxpr, Eqn, Jaxpr, Literal, Tracer, Var
from ..errors import user_line

# partial_eval_rules[prim](trace, args, params) -> outs: how a primitive with sub-jaxprs is split
# when some inputs are unknown (default: record the whole equation).
partial_eval_rules = {}
# dce_rules[prim](used_outputs, eqn) -> (used_inputs, new_eqn or None)
dce_rules = {}


class StagingTracer(Tracer):
    __slots__ = ("_aval", "var")

    def __init__(self, trace, aval, var):
        self._trace = trace
        self._aval = aval
        self.var = var

    @property
    def aval(self):
        return self._aval

    def __repr__(self):
        return f"JitTracer({self._aval})"


def _is_literal_const(x):
    if isinstance(x, (bool, int, float, complex)):
        return True
    if isinstance(x, (np.ndarray, np.generic)):
        return x.ndim == 0
    arr = getattr(x, "_value", None)  # a concrete jtrans Array
    return arr is not None and not isinstance(x, Tracer) and arr.ndim == 0


class StagingTrace(core.Trace):
    """Records every primitive applied to its tracers into a jaxpr."""

    def __init__(self, parent=None):
        self.parent = parent if parent is not None else core.current_trace()
        self.eqns = []
        self.invars = []
        self.constvars = {}  # id(value) -> (var, value)

    def new_arg(self, aval):
        v = Var(aval)
        self.invars.append(v)
        return StagingTracer(self, aval, v)

    def get_var(self, x):
        t = type(x)
        if t is StagingTracer and x._trace is self:
            return x.var
        if t is core._array_type:  # the common constant: a concrete Array
            v = x._value
            if v.ndim == 0:
                return Literal(v[()], x.aval)
            entry = self.constvars.get(id(x))
            if entry is None:
                entry = self.constvars[id(x)] = (Var(x.aval), x)
            return entry[0]
        self.is_own(x)  # raises for leaked tracers
        if _is_literal_const(x):
            aval = core.get_aval(x)
            val = x._value if hasattr(x, "_value") else x
            return Literal(np.asarray(val, aval.dtype)[()], aval)
        key = id(x)
        entry = self.constvars.get(key)
        if entry is None:
            entry = self.constvars[key] = (Var(core.get_aval(x)), x)
        return entry[0]

    def process_primitive(self, prim, args, params):
        rule = partial_eval_rules.get(prim) if isinstance(self, PartialEvalTrace) else None
        if rule is not None:
            return rule(self, args, params)
        return self.stage(prim, args, params)

    record_source_info = True  # each eqn gets the user's line (a stack walk)

    def stage(self, prim, args, params, out_avals=None):
        invars = []
        sig = [prim, dtypes.config.jax_enable_x64]
        for a in args:
            v = a.var if type(a) is StagingTracer and a._trace is self else self.get_var(a)
            invars.append(v)
            aval = v.aval
            sig += (aval.shape, aval.dtype, aval.weak_type)
        if out_avals is None:
            try:  # the cache lookup of _cached_abstract_eval, inlined for the common case
                out_avals = None if params else core._abstract_eval_cache.get(tuple(sig))
            except TypeError:
                out_avals = None
            if out_avals is None:
                out_avals = core._cached_abstract_eval(prim, sig, invars, params)
        info = user_line() if self.record_source_info else None
        if prim.multiple_results:
            outvars = [Var(a) for a in out_avals]
            self.eqns.append(Eqn(prim, invars, outvars, params, info))
            return [StagingTracer(self, a, v) for a, v in zip(out_avals, outvars)]
        aval = out_avals[0]
        v = Var(aval)
        self.eqns.append(Eqn(prim, invars, [v], params, info))
        return StagingTracer(self, aval, v)

    def to_jaxpr(self, outs):
        """(jaxpr, consts) with outputs `outs`; consts may be values of outer traces."""
        outvars = [self.get_var(o) for o in outs]
        constvars = [v for v, _ in self.constvars.values()]
        consts = [c for _, c in self.constvars.values()]
        jaxpr = Jaxpr(constvars, self.invars, outvars, self.eqns)
        return jaxpr, consts


class PartialEvalTrace(StagingTrace):
    """Records only equations with an unknown (own-tracer) input; computes the rest now."""

    def process_primitive(self, prim, args, params):
        for a in args:
            if type(a) is StagingTracer and a._trace is self:
                break
        else:  # everything known: compute it now (core.bind_in, inlined)
            ctx = core._ctx
            prev = ctx.trace
            ctx.trace = parent = self.parent
            try:
                return parent.process_primitive(prim, args, params)
            finally:
                ctx.trace = prev
        rule = partial_eval_rules.get(prim)
        if rule is not None:
            return rule(self, args, params)
        return self.stage(prim, args, params)

    record_source_info = False  # its jaxprs are internal (linearize, partial_eval_jaxpr)

    def is_unknown(self, x):
        return isinstance(x, Tracer) and x._trace is self


def trace_to_jaxpr(fun, in_avals):
    """Stages flat `fun(*args) -> list` at `in_avals`: returns (jaxpr, consts, out_avals)."""
    trace = StagingTrace()
    args = [trace.new_arg(a) for a in in_avals]
    with core.new_trace(trace):
        outs = fun(*args)
    jaxpr, consts = trace.to_jaxpr(outs)
    return jaxpr, consts


def convert_constvars(jaxpr):
    """The same jaxpr with its constvars turned into leading invars."""
    return Jaxpr([], jaxpr.constvars + jaxpr.invars, jaxpr.outvars, jaxpr.eqns)


def close_jaxpr(jaxpr, consts):
    """A ClosedJaxpr for (jaxpr, consts) when every const is concrete, else one taking the
    non-concrete consts as leading arguments: returns (closed, extra_args)."""
    if not any(isinstance(c, Tracer) for c in consts):
        return ClosedJaxpr(jaxpr, consts), []
    return ClosedJaxpr(convert_constvars(jaxpr), []), list(consts)


def trace_to_closed_jaxpr(fun, in_avals):
    """Stages flat `fun`; returns (closed_jaxpr taking const args first, const_args)."""
    jaxpr, consts = trace_to_jaxpr(fun, in_avals)
    return ClosedJaxpr(convert_constvars(jaxpr), []), consts


def partial_eval_jaxpr(closed, in_unknowns, instantiate=False):
    """Splits `closed` into a known jaxpr (known inputs -> known outputs + residuals) and an
    unknown one (residuals + unknown inputs -> unknown outputs).

    Returns (jaxpr_known, jaxpr_unknown, out_unknowns, num_res), both as ClosedJaxprs.
    `instantiate` (bool or list) forces outputs to be unknown.
    """
    n_out = len(closed.out_avals)
    if isinstance(instantiate, bool):
        instantiate = [instantiate] * n_out
    state = {}

    def known_fun(*known_args):
        pe = PartialEvalTrace(core.current_trace())
        known_it = iter(known_args)
        args = [
            pe.new_arg(aval) if unk else next(known_it)
            for aval, unk in zip(closed.in_avals, in_unknowns)
        ]
        with core.new_trace(pe):
            outs = core.eval_jaxpr(closed.jaxpr, closed.consts, *args)
        out_unknowns = [pe.is_unknown(o) or inst for o, inst in zip(outs, instantiate)]
        unknown_outs = [o for o, u in zip(outs, out_unknowns) if u]
        jaxpr_u, residuals = pe.to_jaxpr(unknown_outs)
        state["out_unknowns"] = out_unknowns
        state["jaxpr_u"] = jaxpr_u
        state["num_res"] = len(residuals)
        known_outs = [o for o, u in zip(outs, out_unknowns) if not u]
        return known_outs + list(residuals)

    known_avals = [a for a, u in zip(closed.in_avals, in_unknowns) if not u]
    jaxpr_k, consts_k = trace_to_jaxpr(known_fun, known_avals)
    jaxpr_k = dce_jaxpr(jaxpr_k)[0]
    jaxpr_u = convert_constvars(state["jaxpr_u"])  # residuals first
    return (
        ClosedJaxpr(jaxpr_k, consts_k),
        ClosedJaxpr(jaxpr_u, []),
        state["out_unknowns"],
        state["num_res"],
    )


# ---------------------------------------------------------------------------------------------
# dead-code elimination


def has_effects(eqn):
    return getattr(eqn.prim, "effectful", False)


def dce_jaxpr(jaxpr, used_outputs=None, prune_invars=False):
    """Removes equations whose results are unused. Returns (jaxpr, used_inputs) where
    used_inputs flags the invars still read (all kept unless prune_invars)."""
    if used_outputs is None:
        used_outputs = [True] * len(jaxpr.outvars)
    live = {v for v, u in zip(jaxpr.outvars, used_outputs) if u and type(v) is Var}
    new_eqns = []
    for eqn in reversed(jaxpr.eqns):
        for v in eqn.outvars:
            if v in live:
                break
        else:  # no output used
            if not has_effects(eqn):
                continue
        rule = dce_rules.get(eqn.prim)
        if rule is not None:
            # used_in flags the equation's original inputs; the rule may return a pruned eqn
            used_in, new_eqn = rule([v in live for v in eqn.outvars], eqn)
            ins = [v for v, u in zip(eqn.invars, used_in) if u]
            eqn = new_eqn
            if eqn is None:
                continue
        else:
            ins = eqn.invars
        for v in ins:
            if type(v) is Var:
                live.add(v)
        new_eqns.append(eqn)
    new_eqns.reverse()
    outvars = [v for v, u in zip(jaxpr.outvars, used_outputs) if u]
    used_inputs = [v in live for v in jaxpr.invars]
    invars = jaxpr.invars
    if prune_invars:
        invars = [v for v, u in zip(jaxpr.invars, used_inputs) if u]
    constvars_used = [v in live for v in jaxpr.constvars]
    new = Jaxpr(jaxpr.constvars, invars, outvars, new_eqns)
    new._const_used = constvars_used  # type: ignore[attr-defined]
    return new, used_inputs


def dce_closed(closed):
    """DCE of a ClosedJaxpr, dropping unused consts too."""
    jaxpr, _ = dce_jaxpr(closed.jaxpr)
    used = jaxpr._const_used
    constvars = [v for v, u in zip(jaxpr.constvars, used) if u]
    consts = [c for c, u in zip(closed.consts, used) if u]
    return ClosedJaxpr(Jaxpr(constvars, jaxpr.invars, jaxpr.outvars, jaxpr.eqns), consts)
