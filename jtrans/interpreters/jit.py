"""jit as a primitive: `jit_p` carries a closed jaxpr (param `jaxpr`) and a `name`. Its rules
transform the inner jaxpr, so jvp, vjp, vmap and partial evaluation of jitted code stay jitted.

Execution: `jit_p`'s impl hands the jaxpr to the compiler registered with `set_compiler`; until
a compiler is registered it evaluates the jaxpr primitive by primitive (the eager reference).
"""

import weakref

from .. import core
from ..core import ClosedJaxpr
from . import ad, batching
from . import partial_eval as pe

jit_p = core.Primitive("jit")
jit_p.multiple_results = True

_compiler = None  # callable(closed_jaxpr) -> callable(*arrays) -> list of arrays


def set_compiler(compile_fn):
    global _compiler
    _compiler = compile_fn


_executables = weakref.WeakKeyDictionary()


def compiled_executable(jaxpr, name):
    """The executable for `jaxpr`, compiled on first use and cached with the jaxpr."""
    exe = _executables.get(jaxpr)
    if exe is None:
        exe = _executables[jaxpr] = _compiler(jaxpr, name)
    return exe


# device_dispatch(args, jaxpr, name) -> outputs, or None when no argument lives on a GPU; set
# when the first device array is made (jtrans/array.py), so CPU-only programs pay nothing
device_dispatch = None


def _jit_impl(*args, jaxpr, name):
    if device_dispatch is not None:
        outs = device_dispatch(args, jaxpr, name)
        if outs is not None:
            return outs
    if _compiler is None:
        with core.set_current_trace(core.eval_trace):
            outs = core.eval_jaxpr(jaxpr.jaxpr, jaxpr.consts, *[core._wrap(a, False) for a in args])
        return [o._value if hasattr(o, "_value") else o for o in outs]
    return compiled_executable(jaxpr, name)(*args)


core.impl_rules[jit_p] = _jit_impl
core.abstract_eval_rules[jit_p] = lambda *avals, jaxpr, name: jaxpr.out_avals


def _weak_args_eval(prim, args, params):
    return core.bind_in(core.current_trace(), prim, args, params)


# ---------------------------------------------------------------------------------------------
# jvp: one jitted computation for primal and tangent outputs

_jvp_cache = weakref.WeakKeyDictionary()


def jvp_jaxpr(closed, nonzeros):
    """A closed jaxpr (primals, nonzero tangents) -> (primal outs, tangent outs)."""
    key = tuple(nonzeros)
    per = _jvp_cache.setdefault(closed, {})
    if key in per:
        return per[key]
    n = len(closed.in_avals)

    def fun(*args):
        primals, tans = args[:n], iter(args[n:])
        tangents = [next(tans) if nz else ad.Zero(ad.tangent_aval(a))
                    for nz, a in zip(nonzeros, closed.in_avals)]  # fmt: skip
        outs, out_t = ad.jvp_flat(
            lambda *xs: core.eval_jaxpr(closed.jaxpr, closed.consts, *xs), primals, tangents
        )
        return list(outs) + [ad.instantiate_zeros(t) for t in out_t]

    tan_avals = [ad.tangent_aval(a) for a, nz in zip(closed.in_avals, nonzeros) if nz]
    jaxpr, consts = pe.trace_to_jaxpr(fun, list(closed.in_avals) + tan_avals)
    per[key] = ClosedJaxpr(jaxpr, consts)
    return per[key]


def _jit_jvp(primals, tangents, jaxpr, name):
    nonzeros = [type(t) is not ad.Zero for t in tangents]
    jj = jvp_jaxpr(jaxpr, nonzeros)
    nz_tangents = [t for t in tangents if type(t) is not ad.Zero]
    outs = jit_p.bind(*primals, *nz_tangents, name=f"jvp({name})", jaxpr=jj)
    n = len(jaxpr.out_avals)
    return outs[:n], outs[n:]


ad.jvp_rules[jit_p] = _jit_jvp


# ---------------------------------------------------------------------------------------------
# transpose: the backward pass of the inner jaxpr, itself jitted


def _jit_transpose(cts, *args, jaxpr, name):
    linear = [type(a) is ad.UndefinedPrimal for a in args]
    known = [a for a in args if type(a) is not ad.UndefinedPrimal]
    ct_avals = [a for a in jaxpr.out_avals]
    nz_cts = [type(c) is not ad.Zero for c in cts]

    def fun(*xs):
        known_it = iter(xs[: len(known)])
        ct_it = iter(xs[len(known) :])
        full_args = [ad.UndefinedPrimal(a) if lin else next(known_it)
                     for a, lin in zip(jaxpr.in_avals, linear)]  # fmt: skip
        cts_in = [next(ct_it) if nz else ad.Zero(a) for nz, a in zip(nz_cts, ct_avals)]
        res = ad.backward_pass(jaxpr.jaxpr, jaxpr.consts, full_args, cts_in)
        return [ad.instantiate_zeros(r) for r, lin in zip(res, linear) if lin]

    in_avals = [core.get_aval(k) for k in known] + [a for a, nz in zip(ct_avals, nz_cts) if nz]
    tj, consts = pe.trace_to_jaxpr(fun, in_avals)
    nz = [c for c in cts if type(c) is not ad.Zero]
    outs = jit_p.bind(*known, *nz, name=f"transpose({name})", jaxpr=ClosedJaxpr(tj, consts))
    it = iter(outs)
    return [next(it) if lin else None for lin in linear]


ad.transpose_rules[jit_p] = _jit_transpose


# ---------------------------------------------------------------------------------------------
# batching


def _jit_batch(vals, dims, jaxpr, name):
    size = batching.current_axis_size()
    bj, out_dims = batching.batch_jaxpr(jaxpr, size, dims)
    return jit_p.bind(*vals, name=name, jaxpr=bj), out_dims


batching.batch_rules[jit_p] = _jit_batch


# ---------------------------------------------------------------------------------------------
# partial evaluation: run the known part now (jitted), stage the unknown part


def _jit_partial_eval(trace, args, params):
    closed, name = params["jaxpr"], params["name"]
    unknowns = [trace.is_unknown(a) for a in args]
    jk, ju, out_unknowns, num_res = pe.partial_eval_jaxpr(closed, unknowns)
    known_args = [a for a, u in zip(args, unknowns) if not u]
    known_outs = core.bind_in(trace.parent, jit_p, known_args, dict(name=name, jaxpr=jk))
    n_known = len(known_outs) - num_res
    residuals = known_outs[n_known:]
    unknown_args = [a for a, u in zip(args, unknowns) if u]
    unknown_outs = trace.stage(jit_p, residuals + unknown_args, dict(name=name, jaxpr=ju))
    k_it, u_it = iter(known_outs[:n_known]), iter(unknown_outs)
    return [next(u_it) if u else next(k_it) for u in out_unknowns]


pe.partial_eval_rules[jit_p] = _jit_partial_eval


def _jit_dce(used_outputs, eqn):
    closed = eqn.params["jaxpr"]
    new_jaxpr, used_inputs = pe.dce_jaxpr(closed.jaxpr, used_outputs, prune_invars=True)
    used_c = new_jaxpr._const_used
    new_jaxpr.constvars = [v for v, u in zip(new_jaxpr.constvars, used_c) if u]
    consts = [c for c, u in zip(closed.consts, used_c) if u]
    new_eqn = eqn.replace(
        invars=[v for v, u in zip(eqn.invars, used_inputs) if u],
        outvars=[v for v, u in zip(eqn.outvars, used_outputs) if u],
        params=dict(eqn.params, jaxpr=ClosedJaxpr(new_jaxpr, consts)),
    )
    return used_inputs, new_eqn


pe.dce_rules[jit_p] = _jit_dce
