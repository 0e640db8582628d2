"""Automatic differentiation: forward mode by JVP rules, reverse mode derived from it.

- `jvp_flat`: the JVP trace; tangents may be symbolic `Zero`s, so untouched inputs cost nothing.
- `linearize_flat`: the JVP traced under a PartialEvalTrace: primal work runs now, tangent work is
  recorded into a linear jaxpr whose constants are the residuals.
- `backward_pass`: transposes a linear jaxpr (each linear primitive has a transpose rule).
- `vjp_flat` = linearize + transpose. There is no VJP table.
"""

import numpy as np

from .. import core, dtypes
from ..core import Tracer
from ..errors import JTransTypeError
from . import partial_eval as pe

# jvp_rules[prim](primals, tangents, **params) -> (primal_out, tangent_out); tangents may be Zero
jvp_rules = {}
# transpose_rules[prim](ct, *args, **params) -> list of cts (None/Zero for non-linear args);
# linear args arrive as UndefinedPrimal(aval)
transpose_rules = {}


class Zero:
    """A symbolic zero tangent or cotangent of the given aval."""

    __slots__ = ("aval",)

    def __init__(self, aval):
        self.aval = aval

    @staticmethod
    def from_value(x):
        return Zero(tangent_aval(core.get_aval(x)))

    def __repr__(self):
        return f"Zero({self.aval.str_short()})"


class UndefinedPrimal:
    """Stands for a linear input during transposition."""

    __slots__ = ("aval",)

    def __init__(self, aval):
        self.aval = aval

    def __repr__(self):
        return f"UndefinedPrimal({self.aval.str_short()})"


def is_undefined_primal(x):
    return type(x) is UndefinedPrimal


_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)  # (identity tests: no hashing)


def tangent_aval(aval):
    """Tangents of inexact values share their dtype; other values have only zero tangents."""
    return aval if dtypes.is_inexact(aval.dtype) else aval.update(dtype=dtypes.float32)


def differentiable(aval):
    return dtypes.is_inexact(aval.dtype)


# hooks filled in by jtrans.lax (interpreters know no primitive by name)
_zeros_like_aval = None


def zeros_like_aval(aval):
    return _zeros_like_aval(aval)


def instantiate_zeros(t):
    return zeros_like_aval(t.aval) if type(t) is Zero else t


# add_any: the sum of two tangents/cotangents, owned by AD (not a user op)
add_any_p = core.Primitive("add_any")
core.impl_rules[add_any_p] = lambda x, y: np.asarray(np.add(x, y))
core.abstract_eval_rules[add_any_p] = lambda x, y: x if x.ndim >= y.ndim else y


def add_tangents(x, y):
    if type(x) is Zero:
        return y
    if type(y) is Zero:
        return x
    return add_any_p.bind(x, y)


jvp_rules[add_any_p] = lambda primals, tangents: (add_any_p.bind(*primals), add_tangents(*tangents))
transpose_rules[add_any_p] = lambda ct, x, y: [ct, ct]


# ---------------------------------------------------------------------------------------------
# rule helpers


def defjvp(prim, *fns):
    """JVP from one function per argument: fn(g, *primals, **params) -> contribution."""

    def rule(primals, tangents, **params):
        ans = prim.bind(*primals, **params)
        t = None
        for fn, g in zip(fns, tangents):
            if fn is not None and type(g) is not Zero:
                c = fn(g, *primals, **params)
                t = c if t is None else add_tangents(t, c)
        return ans, (Zero(tangent_aval(core.get_aval(ans))) if t is None else t)

    jvp_rules[prim] = rule


def defjvp2(prim, *fns):
    """Like defjvp, with the primal answer too: fn(g, ans, *primals, **params)."""

    def rule(primals, tangents, **params):
        ans = prim.bind(*primals, **params)
        t = None
        for fn, g in zip(fns, tangents):
            if fn is not None and type(g) is not Zero:
                c = fn(g, ans, *primals, **params)
                t = c if t is None else add_tangents(t, c)
        return ans, (Zero(tangent_aval(core.get_aval(ans))) if t is None else t)

    jvp_rules[prim] = rule


def deflinear(prim, transpose_rule):
    """A primitive linear in all its arguments: jvp applies it to the tangents."""

    def rule(primals, tangents, **params):
        ans = prim.bind(*primals, **params)
        for t in tangents:
            if type(t) is not Zero:
                break
        else:  # every tangent is zero
            out_t = (
                [Zero(tangent_aval(core.get_aval(a))) for a in ans]
                if prim.multiple_results
                else Zero(tangent_aval(core.get_aval(ans)))
            )
            return ans, out_t
        return ans, prim.bind(*[instantiate_zeros(t) for t in tangents], **params)

    jvp_rules[prim] = rule
    transpose_rules[prim] = transpose_rule


def defnondiff(prim):
    """A primitive whose outputs have zero tangents (comparisons, argmax, integer ops)."""

    def rule(primals, tangents, **params):
        ans = prim.bind(*primals, **params)
        if prim.multiple_results:
            return ans, [Zero(tangent_aval(core.get_aval(a))) for a in ans]
        return ans, Zero(tangent_aval(core.get_aval(ans)))

    jvp_rules[prim] = rule


# ---------------------------------------------------------------------------------------------
# the JVP trace


class JVPTracer(Tracer):
    __slots__ = ("primal", "tangent")

    def __init__(self, trace, primal, tangent):
        self._trace = trace
        self.primal = primal
        self.tangent = tangent

    @property
    def aval(self):
        p = self.primal
        return p.aval if type(p) is core._array_type else core.get_aval(p)

    def to_concrete_value(self):
        p = self.primal
        if isinstance(p, Tracer):
            return p.to_concrete_value()
        return getattr(p, "_value", p)

    def __repr__(self):
        t = self.tangent
        ta = t.aval if isinstance(t, Zero) else core.get_aval(t)
        p = self.primal
        p = p if isinstance(p, Tracer) else getattr(p, "_value", p)
        return f"GradTracer(primal={p}, typeof(tangent)={ta.str_short(short_dtypes=True)})"


class JVPTrace(core.Trace):
    def __init__(self, parent=None):
        self.parent = parent if parent is not None else core.current_trace()

    def unpack(self, x):
        if type(x) is JVPTracer and x._trace is self:
            return x.primal, x.tangent
        self.is_own(x)
        return x, Zero.from_value(x)

    def process_primitive(self, prim, args, params):
        primals = []
        tangents = []
        nonzero = False
        constants = False
        for a in args:
            if type(a) is JVPTracer and a._trace is self:
                primals.append(a.primal)
                tangents.append(a.tangent)
                nonzero = True
            else:
                if isinstance(a, Tracer):
                    self.is_own(a)
                primals.append(a)
                tangents.append(None)
                constants = True
        if not nonzero:
            return core.bind_in(self.parent, prim, primals, params)
        if constants:
            for i, t in enumerate(tangents):
                if t is None:  # a constant of this trace: a symbolic zero tangent
                    a = args[i]
                    aval = a.aval if type(a) is core._array_type else core.get_aval(a)
                    dt = aval.dtype
                    tangents[i] = Zero(aval if dt is _F32 or dt is _F64 else tangent_aval(aval))
        rule = jvp_rules.get(prim)
        if rule is None:
            raise NotImplementedError(
                f"differentiation of primitive {prim.name!r} is not implemented (no JVP rule)"
            )
        ctx = core._ctx
        prev = ctx.trace
        ctx.trace = self.parent
        try:
            out, out_t = rule(primals, tangents, **params)
        finally:
            ctx.trace = prev
        if prim.multiple_results:
            return [self.pack(o, t) for o, t in zip(out, out_t)]
        if type(out_t) is Zero:
            return out
        return JVPTracer(self, out, out_t)

    def pack(self, primal, tangent):
        if type(tangent) is Zero:
            return primal
        return JVPTracer(self, primal, tangent)


def jvp_flat(fun, primals, tangents):
    """(primals_out, tangents_out) of flat `fun`; tangents may be Zero, outputs may be Zero."""
    trace = JVPTrace()
    tracers = [
        JVPTracer(trace, p, t) if type(t) is not Zero else p for p, t in zip(primals, tangents)
    ]
    with core.new_trace(trace):
        outs = fun(*tracers)
    pairs = [trace.unpack(o) for o in outs]
    return [p for p, _ in pairs], [t for _, t in pairs]


def linearize_flat(fun, primals, instantiate=True):
    """(primals_out, linear_jaxpr, consts): the jaxpr maps input tangents to output tangents.
    Inputs that are not differentiable get a (float32) tangent slot that is never read."""
    pe_trace = pe.PartialEvalTrace()
    in_avals = [tangent_aval(core.get_aval(p)) for p in primals]
    tan_args = [pe_trace.new_arg(a) for a in in_avals]
    tangents = [
        t if differentiable(core.get_aval(p)) else Zero(a)
        for p, t, a in zip(primals, tan_args, in_avals)
    ]
    with core.new_trace(pe_trace):
        out_primals, out_tangents = jvp_flat(fun, primals, tangents)
    if instantiate:
        out_tangents = [
            np.zeros(t.aval.shape, t.aval.dtype) if type(t) is Zero else t for t in out_tangents
        ]
    jaxpr, consts = pe_trace.to_jaxpr(out_tangents)
    jaxpr = pe.dce_jaxpr(jaxpr)[0]
    used = jaxpr._const_used
    jaxpr.constvars = [v for v, u in zip(jaxpr.constvars, used) if u]
    consts = [c for c, u in zip(consts, used) if u]
    return out_primals, jaxpr, consts


# ---------------------------------------------------------------------------------------------
# transposition


def backward_pass(jaxpr, consts, args, cts_out):
    """Transposes `jaxpr` with respect to the args that are UndefinedPrimal. Non-linear
    equations (all inputs known) are evaluated forward first. Returns one cotangent per arg
    (Zero where none flows, None for known args)."""
    Literal, literal_value = core.Literal, core.literal_value
    env = dict(zip(jaxpr.constvars, consts))
    linear = set()  # the variables that depend on an UndefinedPrimal input (env holds one)
    for v, a in zip(jaxpr.invars, args):
        if type(a) is UndefinedPrimal:
            linear.add(v)
            env[v] = UndefinedPrimal(v.aval)
        else:
            env[v] = a

    lin_eqns = []
    for eqn in jaxpr.eqns:
        for v in eqn.invars:
            if v in linear:  # a Literal is never in `linear`
                lin_eqns.append(eqn)
                for o in eqn.outvars:
                    linear.add(o)
                    env[o] = UndefinedPrimal(o.aval)
                break
        else:
            outs = eqn.prim.bind(
                *[literal_value(v) if type(v) is Literal else env[v] for v in eqn.invars],
                **eqn.params,
            )
            if eqn.prim.multiple_results:
                env.update(zip(eqn.outvars, outs))
            else:
                env[eqn.outvars[0]] = outs

    ct_env = {}

    def write_cts(vs, cts):
        for v, ct in zip(vs, cts):
            if ct is None or type(ct) is Zero or v not in linear:
                continue
            prev = ct_env.get(v)
            ct_env[v] = ct if prev is None else add_tangents(prev, ct)

    write_cts(jaxpr.outvars, cts_out)
    pop = ct_env.pop
    for eqn in reversed(lin_eqns):
        prim = eqn.prim
        if prim.multiple_results:
            cts = [pop(v, None) for v in eqn.outvars]
            if all(c is None for c in cts):
                continue
            ct = [Zero(v.aval) if c is None else c for v, c in zip(eqn.outvars, cts)]
        else:
            ct = pop(eqn.outvars[0], None)
            if ct is None:
                continue
        invals = [literal_value(v) if type(v) is Literal else env[v] for v in eqn.invars]
        rule = transpose_rules.get(prim)
        if rule is None:
            raise NotImplementedError(
                f"reverse-mode differentiation of {prim.name!r} is not implemented "
                "(no transpose rule)"
            )
        for v, c in zip(eqn.invars, rule(ct, *invals, **eqn.params)):  # write_cts, inlined
            if c is None or type(c) is Zero or v not in linear:
                continue
            prev = ct_env.get(v)
            ct_env[v] = c if prev is None else add_tangents(prev, c)
    return [
        (ct_env[v] if v in ct_env else Zero(v.aval)) if type(a) is UndefinedPrimal else None
        for v, a in zip(jaxpr.invars, args)
    ]


def vjp_flat(fun, primals):
    """(primals_out, f_vjp) where f_vjp(cts_out) -> cts_in (Zero-free, instantiated)."""
    out_primals, jaxpr, consts = linearize_flat(fun, primals)
    in_avals = [v.aval for v in jaxpr.invars]

    def f_vjp(cts):
        args = [UndefinedPrimal(a) for a in in_avals]
        cts_in = backward_pass(jaxpr, consts, args, cts)
        return [instantiate_zeros(c) for c in cts_in]

    return out_primals, f_vjp


def check_grad_input(aval, what="grad"):
    if not dtypes.is_inexact(aval.dtype):
        raise JTransTypeError(
            f"{what} requires real- or complex-valued inputs (a floating-point dtype), but got "
            f"{aval.dtype.name} ({aval.str_short()}). Integer and boolean inputs have no "
            "gradient: convert the input with .astype(jnp.float32), mark it static, or set "
            "allow_int=True to get a zero gradient for it."
        )
