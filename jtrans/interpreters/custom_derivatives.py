"""User-defined derivatives and rematerialisation: custom_jvp, custom_vjp, checkpoint (remat) and
stop_gradient, each a primitive whose rules live here.

- `custom_jvp_call` carries the staged function (`call_jaxpr`) and the user's JVP rule (a flat
  Python callable, run only when differentiated). Evaluating, staging and batching use the jaxpr;
  the JVP trace runs the rule, so the rule survives jit, make_jaxpr and vmap.
- `custom_vjp_call` carries `call_jaxpr`, `fwd` and `bwd`. Its JVP runs `fwd` and emits the output
  tangents as the *linear* primitive `custom_lin(residuals..., tangents...)`, whose transpose
  calls `bwd`: reverse mode = linearize + transpose, as everywhere else.
- `remat` carries a jaxpr; its partial-evaluation rule saves only the inputs as residuals and
  recomputes the primal intermediates inside the unknown (tangent) part.
Invariant: in eager mode (no transformation running) each wrapper calls the user's function
directly, so it behaves exactly as the undecorated function.
"""

import functools
import inspect
import itertools

import numpy as np

from .. import core, dtypes
from ..core import ClosedJaxpr
from ..errors import (
    ConcretizationTypeError,
    JTransTypeError,
    JTransValueError,
    UnexpectedTracerError,
)
from ..tree_util import flatten_up_to, tree_flatten, tree_map, tree_unflatten
from . import ad, batching
from . import partial_eval as pe

__all__ = [
    "checkpoint",
    "checkpoint_policies",
    "closure_convert",
    "custom_jvp",
    "custom_vjp",
    "remat",
    "stop_gradient",
]


# ---------------------------------------------------------------------------------------------
# shared helpers


def _as_value(x):
    """Tracers and Arrays pass; Python scalars and NumPy values become (weak) Arrays."""
    if isinstance(x, core.Tracer) or type(x) is core._array_type:
        return x
    if isinstance(x, (bool, int, float, complex)):
        return core._wrap(np.asarray(x, dtypes.python_scalar_dtype(x)), not isinstance(x, bool))
    if isinstance(x, (np.ndarray, np.generic, list, tuple)):
        v = np.asarray(x)
        return core._wrap(v.astype(dtypes.canonicalize_dtype(v.dtype), copy=False), False)
    core.get_aval(x)  # raises a clear error for anything else
    return x


def _eager():
    return core.current_trace() is core.eval_trace


def _run_unstaged(flat):
    """The trace under which a custom_jvp/custom_vjp call can run without a jaxpr of its
    function, or None. JAX traces the function only where a jaxpr is needed (jit, vmap, ...):
    under a JVP the rule runs on the primals, and values a partial evaluation knows are
    computed now, so Python control flow on concrete values works (the custom derivatives
    tutorial's `if x > 0` examples). Used when staging the function fails on such a value."""
    trace = core.current_trace()
    if isinstance(trace, ad.JVPTrace):
        return trace
    if getattr(trace, "parent", None) is not None and not any(
        isinstance(x, core.Tracer) and x._trace is trace for x in flat
    ):
        return trace  # every argument is a constant of this trace: compute in its parent
    return None


def _jvp_unstaged(trace, flat, jvp_rule):
    """Applies jvp_rule(primals, tangents) -> (outs, out_tangents) for JVP tracers `flat` in
    the parent trace and packs the results (JAX's process_custom_jvp_call)."""
    primals, tangents = [], []
    for x in flat:
        p, t = trace.unpack(x)
        primals.append(p)
        tangents.append(t)
    with core.set_current_trace(trace.parent):
        outs, out_t = jvp_rule(primals, tangents)
    return [trace.pack(o, t) for o, t in zip(outs, out_t)]


def _resolve_args(fun, args, kwargs, what):
    """Keyword arguments turned positional (custom rules see positional arguments only)."""
    try:
        ba = inspect.signature(fun).bind(*args, **kwargs)
    except (TypeError, ValueError) as e:
        if not kwargs:
            return tuple(args)  # no signature to read (a builtin), or a call error of fun's own
        raise JTransTypeError(f"{what}: could not bind the arguments: {e}") from None
    ba.apply_defaults()
    if ba.kwargs:
        raise JTransTypeError(
            f"{what}: keyword-only arguments {sorted(ba.kwargs)} cannot be resolved to "
            "positions; pass them positionally (or use functools.partial)"
        )
    return tuple(ba.args)


def _split_nondiff(args, nondiff_argnums, what):
    n = len(args)
    for i in nondiff_argnums:
        if not -n <= i < n:
            raise JTransValueError(
                f"{what}: nondiff_argnums contains {i}, but the function was called with {n} "
                "positional argument(s)"
            )
    nums = sorted({i % n for i in nondiff_argnums})
    static = [args[i] for i in nums]
    dyn = [a for i, a in enumerate(args) if i not in nums]
    return nums, static, dyn


def _merge(nums, static, dyn):
    """The full argument list from the static (nondiff) and dynamic arguments."""
    out, s_it, d_it = [], iter(static), iter(dyn)
    for i in range(len(static) + len(dyn)):
        out.append(next(s_it) if i in nums else next(d_it))
    return out


def _stage(flat_fun, flat_args):
    """Stages flat_fun at the args' avals: (closed jaxpr taking its traced consts first, those
    consts)."""
    jaxpr, consts = pe.trace_to_jaxpr(flat_fun, [core.get_aval(a) for a in flat_args])
    jaxpr = pe.dce_jaxpr(jaxpr)[0]
    used = jaxpr._const_used
    jaxpr.constvars = [v for v, u in zip(jaxpr.constvars, used) if u]
    consts = [c for c, u in zip(consts, used) if u]
    return pe.close_jaxpr(jaxpr, consts)


def _flat_outputs(fun, in_tree, box):
    def flat(*xs):
        out = fun(*tree_unflatten(in_tree, xs))
        leaves, tree = tree_flatten(out)
        box.append(tree)
        return [_as_value(x) for x in leaves]

    return flat


def _eval_closed_impl(closed, args):
    """The impl of a call-like primitive: evaluate the jaxpr eagerly on NumPy values."""
    with core.set_current_trace(core.eval_trace):
        outs = core.eval_jaxpr(closed.jaxpr, closed.consts, *[core._wrap(a, False) for a in args])
    return [getattr(o, "_value", o) for o in outs]


def _dce_closed(closed, used_outputs, prune_invars=False):
    jaxpr, used_inputs = pe.dce_jaxpr(closed.jaxpr, used_outputs, prune_invars)
    used_c = jaxpr._const_used
    jaxpr.constvars = [v for v, u in zip(jaxpr.constvars, used_c) if u]
    consts = [c for c, u in zip(closed.consts, used_c) if u]
    return ClosedJaxpr(jaxpr, consts), used_inputs


_CLOSURE_HINTS = {
    "custom_jvp": "Pass the value as an argument of the function instead.",
    "custom_vjp": "Pass the value as an argument, or use jtrans.closure_convert to hoist it out.",
}


def _check_const_tangents(tangents, num_consts, what, hint):
    if any(type(t) is not ad.Zero for t in tangents[:num_consts]):
        raise JTransTypeError(
            f"a {what}-decorated function closes over a value that is being differentiated "
            f"(a tracer of an enclosing transformation). {hint}"
        )


def _vmap_at_0(fun, args, in_dims, size):
    """vmap of flat `fun` with every output's batch axis at 0 (broadcast if unbatched)."""
    return batching.vmap_flat(fun, list(args), list(in_dims), itertools.repeat(0), size)


def _sum_axis0(x):
    from ..lax import reduce_sum  # lax sits above the interpreters: imported at call time

    return reduce_sum(x, (0,))


def _batched_out_avals(avals, size):
    return [a.update(shape=(size,) + a.shape) for a in avals]


class _Rule:
    """A Python callable carried as an equation parameter, printed by name."""

    __slots__ = ("__name__", "fun")

    def __init__(self, fun, name):
        self.fun = fun
        self.__name__ = name

    def __call__(self, *args):
        return self.fun(*args)

    def __repr__(self):
        return self.__name__


# ---------------------------------------------------------------------------------------------
# stop_gradient: the identity, with zero derivative

stop_gradient_p = core.Primitive("stop_gradient")
core.impl_rules[stop_gradient_p] = lambda x: x
core.abstract_eval_rules[stop_gradient_p] = lambda x: x
ad.defnondiff(stop_gradient_p)
batching.batch_rules[stop_gradient_p] = lambda vals, dims: (stop_gradient_p.bind(vals[0]), dims[0])


def stop_gradient(x):
    """The identity on each leaf of the pytree `x`, with zero derivative (leaves that are not
    floating point are returned unchanged)."""

    def stop(leaf):
        leaf = _as_value(leaf)
        if dtypes.is_inexact(core.get_aval(leaf).dtype):
            return stop_gradient_p.bind(leaf)
        return leaf

    return tree_map(stop, x)


# ---------------------------------------------------------------------------------------------
# custom_jvp

custom_jvp_call_p = core.Primitive("custom_jvp_call")
custom_jvp_call_p.multiple_results = True


class _Staged(tuple):
    """(nums, static, flat, in_tree, closed, consts, out_tree) of a staged custom function."""


def _stage_primal(self, args, kwargs, kind):
    """Runs the function eagerly outside transformations; else stages it to a closed jaxpr."""
    args = _resolve_args(self.fun, args, kwargs, kind)
    if _eager():
        return self.fun(*args)
    nums, static, dyn = _split_nondiff(args, self.nondiff_argnums, kind)
    flat, in_tree = tree_flatten(tuple(dyn))
    flat = [_as_value(x) for x in flat]
    box = []
    f_flat = _flat_outputs(lambda *d: self.fun(*_merge(nums, static, d)), in_tree, box)
    trace = core.current_trace()
    if isinstance(trace, ad.JVPTrace):
        # as JAX: under a JVP only the rule runs (the function is not traced on its own); the
        # rule runs in the parent trace, where a closed-over tracer of this JVP is a leak
        try:
            return self._call_unstaged(trace, nums, static, dyn, flat, in_tree)
        except UnexpectedTracerError as e:
            hint = _CLOSURE_HINTS[kind]
            raise JTransTypeError(
                f"a {kind}-decorated function closes over a value that is being differentiated "
                f"(a tracer of an enclosing transformation). {hint}"
            ) from e
    try:
        closed, consts = _stage(f_flat, flat)
    except ConcretizationTypeError:
        trace = _run_unstaged(flat)
        if trace is None:
            raise
        return self._call_unstaged(trace, nums, static, dyn, flat, in_tree)
    return _Staged((nums, static, flat, in_tree, closed, consts, box[0]))


class custom_jvp:
    """A function with a user-defined JVP rule (JAX's `jax.custom_jvp`).

    @custom_jvp
    def f(x, y): ...

    @f.defjvp
    def f_jvp(primals, tangents):   # with nondiff_argnums: f_jvp(*nondiff_args, primals, tangents)
        return primal_out, tangent_out
    """

    def __init__(self, fun, nondiff_argnums=()):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = tuple(nondiff_argnums)
        self.jvp = None
        self.symbolic_zeros = False

    def __get__(self, obj, objtype=None):  # as a method
        return self if obj is None else functools.partial(self, obj)

    def defjvp(self, jvp, symbolic_zeros=False):
        self.jvp = jvp
        self.symbolic_zeros = symbolic_zeros
        return jvp

    def defjvps(self, *jvps):
        """One rule per argument: jvp_i(g_i, primal_out, *primals) -> tangent contribution
        (None: the output does not depend on that argument)."""
        if self.nondiff_argnums:
            raise JTransTypeError("custom_jvp.defjvps does not support nondiff_argnums; use defjvp")

        def jvp(primals, tangents):
            primal_out = self(*primals)
            total = None
            for fn, t in zip(jvps, tangents):
                if fn is None:
                    continue
                contrib = fn(t, primal_out, *primals)
                total = contrib if total is None else tree_map(ad.add_tangents, total, contrib)
            if total is None:
                total = tree_map(lambda o: ad.zeros_like_aval(ad.tangent_aval(core.get_aval(o))),
                                 primal_out)  # fmt: skip
            return primal_out, total

        self.defjvp(jvp)

    def __call__(self, *args, **kwargs):
        name = getattr(self.fun, "__name__", "fun")
        if self.jvp is None:
            raise AttributeError(
                f"No JVP defined for custom_jvp function {name} using defjvp; define one with "
                f"@{name}.defjvp before calling it"
            )
        staged = _stage_primal(self, args, kwargs, "custom_jvp")
        if not isinstance(staged, _Staged):
            return staged  # eager: the function itself ran
        nums, static, flat, in_tree, closed, consts, out_tree = staged
        jvp_fun = _Rule(self._flat_jvp(nums, static, in_tree, out_tree, closed.out_avals),
                        getattr(self.jvp, "__name__", "jvp"))  # fmt: skip
        outs = custom_jvp_call_p.bind(*consts, *flat, call_jaxpr=closed, jvp_fun=jvp_fun,
                                      num_consts=len(consts),
                                      symbolic_zeros=self.symbolic_zeros)  # fmt: skip
        return tree_unflatten(out_tree, outs)

    def _call_unstaged(self, trace, nums, static, dyn, flat, in_tree):
        """The call under a JVP or on values a partial evaluation knows: no jaxpr of fun."""

        def in_parent():
            with core.set_current_trace(trace.parent):
                return self(*_merge(nums, static, tree_unflatten(in_tree, flat)))

        if not isinstance(trace, ad.JVPTrace):
            return in_parent()
        if all(type(trace.unpack(x)[1]) is ad.Zero for x in flat):
            primals = [trace.unpack(x)[0] for x in flat]
            with core.set_current_trace(trace.parent):
                return self(*_merge(nums, static, tree_unflatten(in_tree, primals)))
        box = []

        def rule(primals, tangents):
            if not self.symbolic_zeros:
                tangents = [ad.instantiate_zeros(t) for t in tangents]
            out = self.jvp(*static, tuple(tree_unflatten(in_tree, primals)),
                           tuple(tree_unflatten(in_tree, tangents)))  # fmt: skip
            first = out[0] if isinstance(out, (tuple, list)) and len(out) == 2 else out
            p_flat, out_tree = tree_flatten(first)
            box.append(out_tree)
            avals = [core.get_aval(_as_value(p)) for p in p_flat]
            checked = self._flat_jvp(nums, static, in_tree, out_tree, avals, lambda *_: out)
            return checked(primals, tangents)

        outs = _jvp_unstaged(trace, flat, rule)
        return tree_unflatten(box[0], outs)

    def _flat_jvp(self, nums, static, in_tree, out_tree, out_avals, rule=None):
        """jvp_fun(primals_flat, tangents_flat) -> (outs_flat, out_tangents_flat), checked."""
        rule, rule_name = rule or self.jvp, getattr(self.jvp, "__name__", "jvp")
        symbolic = self.symbolic_zeros

        def jvp_fun(primals, tangents):
            p = tuple(tree_unflatten(in_tree, primals))
            t = tuple(tree_unflatten(in_tree, tangents))
            out = rule(*static, p, t)
            if not (isinstance(out, (tuple, list)) and len(out) == 2):
                raise JTransTypeError(
                    f"custom_jvp rule {rule_name} must return a pair (primal_out, tangent_out), "
                    f"got {type(out).__name__}"
                )
            p_flat, p_tree = tree_flatten(out[0])
            t_flat, t_tree = tree_flatten(out[1], is_leaf=lambda x: type(x) is ad.Zero)
            if p_tree != out_tree:
                raise JTransTypeError(
                    f"custom_jvp rule {rule_name} returned a primal output with structure "
                    f"{p_tree}, but the custom_jvp function returns {out_tree}"
                )
            if t_tree != p_tree:
                raise JTransTypeError(
                    f"custom_jvp rule {rule_name} must produce primal and tangent outputs with "
                    f"equal container (pytree) structures, but got {p_tree} and {t_tree}"
                )
            p_flat = [_as_value(x) for x in p_flat]
            t_out = []
            for i, (po, to, want) in enumerate(zip(p_flat, t_flat, out_avals)):
                pa = core.get_aval(po)
                ta = ad.tangent_aval(pa)
                if type(to) is ad.Zero:
                    t_out.append(to if symbolic else ad.zeros_like_aval(ta))
                    continue
                to = _as_value(to)
                got = core.get_aval(to)
                if got.shape != pa.shape or pa.shape != want.shape:
                    raise JTransValueError(
                        f"custom_jvp rule {rule_name} produced primal and tangent outputs with "
                        f"mismatched shapes at output {i}: primal {pa.str_short()} (the function "
                        f"itself gives {want.str_short()}), tangent {got.str_short()}"
                    )
                if got.dtype != ta.dtype:
                    if not got.weak_type:
                        raise JTransTypeError(
                            f"custom_jvp rule {rule_name} produced a tangent of dtype "
                            f"{got.dtype.name} for a primal output of dtype {pa.dtype.name} "
                            f"(output {i}); the tangent dtype must be {ta.dtype.name}"
                        )
                    from ..lax import convert_element_type

                    to = convert_element_type(to, ta.dtype)
                t_out.append(to)
            return p_flat, t_out

        return jvp_fun


core.abstract_eval_rules[custom_jvp_call_p] = lambda *avals, call_jaxpr, **_: call_jaxpr.out_avals
core.impl_rules[custom_jvp_call_p] = lambda *args, call_jaxpr, **_: _eval_closed_impl(
    call_jaxpr, args
)


def _custom_jvp_call_jvp(primals, tangents, *, call_jaxpr, jvp_fun, num_consts, symbolic_zeros):
    _check_const_tangents(tangents, num_consts, "custom_jvp",
                          "Pass the value as an argument of the function instead.")  # fmt: skip
    primals, tangents = primals[num_consts:], tangents[num_consts:]
    if not symbolic_zeros:
        tangents = [ad.instantiate_zeros(t) for t in tangents]
    outs, out_t = jvp_fun(list(primals), list(tangents))
    return outs, out_t


ad.jvp_rules[custom_jvp_call_p] = _custom_jvp_call_jvp


def _custom_jvp_call_batch(vals, dims, *, call_jaxpr, jvp_fun, num_consts, symbolic_zeros):
    size = batching.current_axis_size()
    n_out = len(call_jaxpr.out_avals)
    batched, _ = batching.batch_jaxpr(call_jaxpr, size, dims, [0] * n_out)
    arg_dims = list(dims[num_consts:])

    def batched_jvp(primals, tangents):
        # a tangent has the shape of its (batched or not) primal, so the same batch axis
        n = len(primals)
        t_dims = [d if type(t) is not ad.Zero else None for d, t in zip(arg_dims, tangents)]
        zeros = [type(t) is ad.Zero for t in tangents]

        def f(*xs):
            ts = [ad.Zero(ad.tangent_aval(core.get_aval(p))) if z else x
                  for p, x, z in zip(xs[:n], xs[n:], zeros)]  # fmt: skip
            outs, out_t = jvp_fun(list(xs[:n]), ts)
            return list(outs) + [ad.instantiate_zeros(t) for t in out_t]

        nz_t = [ad.zeros_like_aval(t.aval) if z else t for t, z in zip(tangents, zeros)]
        res = _vmap_at_0(f, list(primals) + nz_t, arg_dims + t_dims, size)
        return res[:n_out], res[n_out:]

    outs = custom_jvp_call_p.bind(*vals, call_jaxpr=batched,
                                  jvp_fun=_Rule(batched_jvp, f"vmap({jvp_fun.__name__})"),
                                  num_consts=num_consts, symbolic_zeros=symbolic_zeros)  # fmt: skip
    return outs, [0] * n_out


batching.batch_rules[custom_jvp_call_p] = _custom_jvp_call_batch


# ---------------------------------------------------------------------------------------------
# custom_vjp

custom_vjp_call_p = core.Primitive("custom_vjp_call")
custom_vjp_call_p.multiple_results = True

# custom_lin(residuals..., tangents...): the tangent outputs of a custom_vjp function, linear in
# the tangents; its transpose is the user's bwd. It has no forward (JVP) meaning.
custom_lin_p = core.Primitive("custom_lin")
custom_lin_p.multiple_results = True


class custom_vjp:
    """A function with a user-defined VJP (JAX's `jax.custom_vjp`).

    @custom_vjp
    def f(x, y): ...
    def f_fwd(x, y): return f(x, y), residuals
    def f_bwd(residuals, ct): return (ct_x, ct_y)    # None for a zero cotangent
    f.defvjp(f_fwd, f_bwd)

    With nondiff_argnums, fwd takes all arguments and bwd is called as
    bwd(*nondiff_args, residuals, ct), returning cotangents for the other arguments only.
    """

    def __init__(self, fun, nondiff_argnums=()):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = tuple(nondiff_argnums)
        self.fwd = self.bwd = None
        self.symbolic_zeros = False

    def __get__(self, obj, objtype=None):
        return self if obj is None else functools.partial(self, obj)

    def defvjp(self, fwd, bwd, symbolic_zeros=False, optimize_remat=False):
        self.fwd, self.bwd = fwd, bwd
        self.symbolic_zeros = symbolic_zeros

    def __call__(self, *args, **kwargs):
        name = getattr(self.fun, "__name__", "fun")
        if self.fwd is None:
            raise AttributeError(
                f"No VJP defined for custom_vjp function {name} using defvjp; define one with "
                f"{name}.defvjp(fwd, bwd) before calling it"
            )
        staged = _stage_primal(self, args, kwargs, "custom_vjp")
        if not isinstance(staged, _Staged):
            return staged  # eager: the function itself ran
        nums, static, flat, in_tree, closed, consts, out_tree = staged
        in_avals = [core.get_aval(x) for x in flat]
        fwd = _Rule(self._flat_fwd(nums, static, in_tree, out_tree),
                    getattr(self.fwd, "__name__", "fwd"))  # fmt: skip
        dyn = tree_unflatten(in_tree, flat)
        bwd = _Rule(self._flat_bwd(static, in_tree, out_tree, dyn, in_avals),
                    getattr(self.bwd, "__name__", "bwd"))  # fmt: skip
        outs = custom_vjp_call_p.bind(*consts, *flat, call_jaxpr=closed, fwd=fwd, bwd=bwd,
                                      num_consts=len(consts))  # fmt: skip
        return tree_unflatten(out_tree, outs)

    def _call_unstaged(self, trace, nums, static, dyn, flat, in_tree):
        """The call under a JVP (fwd now, bwd later) or on values a partial evaluation knows."""

        def call(xs):
            with core.set_current_trace(trace.parent):
                return self(*_merge(nums, static, tree_unflatten(in_tree, xs)))

        if not isinstance(trace, ad.JVPTrace):
            return call(flat)
        if all(type(trace.unpack(x)[1]) is ad.Zero for x in flat):
            return call([trace.unpack(x)[0] for x in flat])
        box = []

        def rule(primals, tangents):
            def fwd(*ps):
                out = self._flat_fwd(nums, static, in_tree, None)(*ps)
                box.append(out[3])
                return out[:3]

            in_avals = [core.get_aval(p) for p in primals]
            bwd = _Rule(lambda res_tree, res, cts: self._flat_bwd(
                static, in_tree, box[0], dyn, in_avals)(res_tree, res, cts),
                getattr(self.bwd, "__name__", "bwd"))  # fmt: skip
            return _custom_vjp_call_jvp(primals, tangents, call_jaxpr=None,
                                        fwd=_Rule(fwd, getattr(self.fwd, "__name__", "fwd")),
                                        bwd=bwd, num_consts=0)  # fmt: skip

        outs = _jvp_unstaged(trace, flat, rule)
        return tree_unflatten(box[0], outs)

    def _flat_fwd(self, nums, static, in_tree, out_tree):
        """fwd(*primals_flat) -> (outs_flat, residuals_flat, residual_tree)."""
        rule, rule_name = self.fwd, getattr(self.fwd, "__name__", "fwd")

        def fwd(*primals):
            out = rule(*_merge(nums, static, tree_unflatten(in_tree, primals)))
            if not (isinstance(out, (tuple, list)) and len(out) == 2):
                raise JTransTypeError(
                    f"custom_vjp fwd rule {rule_name} must return a pair (output, residuals), "
                    f"got {type(out).__name__}"
                )
            p_flat, p_tree = tree_flatten(out[0])
            if out_tree is not None and p_tree != out_tree:
                raise JTransTypeError(
                    f"custom_vjp fwd rule {rule_name} returned a primal output with structure "
                    f"{p_tree}, but the custom_vjp function returns {out_tree}"
                )
            res_flat, res_tree = tree_flatten(out[1])
            outs = [_as_value(x) for x in p_flat], [_as_value(r) for r in res_flat], res_tree
            return outs if out_tree is not None else (*outs, p_tree)

        return fwd

    def _flat_bwd(self, static, in_tree, out_tree, dyn, in_avals):
        """bwd(res_tree, residuals_flat, cts_flat) -> cts_in_flat (ad.Zero for none)."""
        rule, rule_name = self.bwd, getattr(self.bwd, "__name__", "bwd")
        arg_trees = [tree_flatten(a)[1] for a in dyn]

        def bwd(res_tree, res, cts):
            out = rule(*static, tree_unflatten(res_tree, res), tree_unflatten(out_tree, cts))
            if not isinstance(out, (tuple, list)) or len(out) != len(dyn):
                got = f"a {type(out).__name__} of length {len(out)}" if isinstance(
                    out, (tuple, list)) else f"a {type(out).__name__}"  # fmt: skip
                raise JTransTypeError(
                    f"custom_vjp bwd rule {rule_name} must return a tuple with one cotangent per "
                    f"differentiable argument ({len(dyn)}), got {got}"
                )
            flat = []
            for i, (ct, td) in enumerate(zip(out, arg_trees)):
                if ct is None:
                    flat.extend([None] * td.num_leaves)
                    continue
                try:
                    flat.extend(flatten_up_to(td, ct))
                except JTransValueError:
                    raise JTransTypeError(
                        f"custom_vjp bwd rule {rule_name} returned a cotangent for argument {i} "
                        f"with structure {tree_flatten(ct)[1]}, but the argument has structure "
                        f"{td}"
                    ) from None
            result = []
            for ct, aval in zip(flat, in_avals):
                ta = ad.tangent_aval(aval)
                if ct is None or type(ct) is ad.Zero:
                    result.append(ad.Zero(ta))
                    continue
                ct = _as_value(ct)
                got = core.get_aval(ct)
                if got.shape != aval.shape:
                    raise JTransValueError(
                        f"custom_vjp bwd rule {rule_name} produced a cotangent of shape "
                        f"{got.shape} for an argument of shape {aval.shape}; cotangents must "
                        "have the shapes of the arguments"
                    )
                if got.dtype != ta.dtype and dtypes.is_inexact(aval.dtype):
                    from ..lax import convert_element_type

                    ct = convert_element_type(ct, ta.dtype)
                result.append(ct)
            return result

        return bwd


core.abstract_eval_rules[custom_vjp_call_p] = lambda *avals, call_jaxpr, **_: call_jaxpr.out_avals
core.impl_rules[custom_vjp_call_p] = lambda *args, call_jaxpr, **_: _eval_closed_impl(
    call_jaxpr, args
)


def _custom_vjp_call_jvp(primals, tangents, *, call_jaxpr, fwd, bwd, num_consts):
    _check_const_tangents(
        tangents, num_consts, "custom_vjp",
        "Pass the value as an argument, or use jtrans.closure_convert to hoist it out.",
    )  # fmt: skip
    primals, tangents = primals[num_consts:], tangents[num_consts:]
    outs, res, res_tree = fwd(*primals)
    nonzeros = tuple(type(t) is not ad.Zero for t in tangents)
    out_avals = tuple(ad.tangent_aval(core.get_aval(o)).strip_weak_type() for o in outs)
    lin_bwd = _Rule(functools.partial(bwd, res_tree), bwd.__name__)
    out_t = custom_lin_p.bind(*res, *[t for t in tangents if type(t) is not ad.Zero],
                              num_res=len(res), bwd=lin_bwd, nonzeros=nonzeros,
                              out_avals=out_avals)  # fmt: skip
    return outs, out_t


ad.jvp_rules[custom_vjp_call_p] = _custom_vjp_call_jvp


def _batch_bwd(bwd, size, res_dims, arg_dims):
    """bwd(res, cts) -> cts_in for batched residuals (at res_dims) and cotangents (at 0);
    input cotangents come back at arg_dims, summed over the batch where an input is unbatched."""

    def batched_bwd(res, cts):
        nr = len(res)

        def f(*xs):
            return [ad.instantiate_zeros(c) for c in bwd(list(xs[:nr]), list(xs[nr:]))]

        outs = _vmap_at_0(f, list(res) + list(cts), list(res_dims) + [0] * len(cts), size)
        return [_sum_axis0(o) if d is None else batching.moveaxis(o, 0, d)
                for o, d in zip(outs, arg_dims)]  # fmt: skip

    return batched_bwd


def _custom_vjp_call_batch(vals, dims, *, call_jaxpr, fwd, bwd, num_consts):
    size = batching.current_axis_size()
    n_out = len(call_jaxpr.out_avals)
    batched, _ = batching.batch_jaxpr(call_jaxpr, size, dims, [0] * n_out)
    arg_dims = list(dims[num_consts:])

    def batched_fwd(*primals):
        tree_box = []

        def f(*xs):
            outs, res, res_tree = fwd(*xs)
            tree_box.append((len(outs), res_tree))
            return list(outs) + list(res)

        out = _vmap_at_0(f, primals, arg_dims, size)
        n, res_tree = tree_box[0]
        return out[:n], out[n:], res_tree

    def batched_bwd(res_tree, res, cts):
        inner = functools.partial(bwd, res_tree)
        return _batch_bwd(inner, size, [0] * len(res), arg_dims)(res, cts)

    outs = custom_vjp_call_p.bind(
        *vals, call_jaxpr=batched, fwd=_Rule(batched_fwd, f"vmap({fwd.__name__})"),
        bwd=_Rule(batched_bwd, f"vmap({bwd.__name__})"), num_consts=num_consts,
    )  # fmt: skip
    return outs, [0] * n_out


batching.batch_rules[custom_vjp_call_p] = _custom_vjp_call_batch


_FWD_MODE_MSG = (
    "can't apply forward-mode autodiff (jvp) to a custom_vjp function: a custom_vjp function "
    "only has a reverse-mode rule (its bwd). Use reverse mode (grad, vjp, jacrev), or define "
    "the derivative with jtrans.custom_jvp instead, which supports both modes."
)


def _custom_lin_impl(*args, **params):
    raise JTransTypeError(_FWD_MODE_MSG)


def _custom_lin_jvp(primals, tangents, **params):
    raise JTransTypeError(_FWD_MODE_MSG)


def _custom_lin_transpose(cts, *args, num_res, bwd, nonzeros, out_avals):
    res = list(args[:num_res])
    cts = [ad.instantiate_zeros(c) for c in cts]
    cts_in = bwd(res, cts)
    return [None] * num_res + [c for c, nz in zip(cts_in, nonzeros) if nz]


def _custom_lin_batch(vals, dims, *, num_res, bwd, nonzeros, out_avals):
    size = batching.current_axis_size()
    t_dims = iter(dims[num_res:])
    arg_dims = [next(t_dims) if nz else None for nz in nonzeros]
    new_bwd = _Rule(_batch_bwd(bwd, size, dims[:num_res], arg_dims), f"vmap({bwd.__name__})")
    outs = custom_lin_p.bind(*vals, num_res=num_res, bwd=new_bwd, nonzeros=nonzeros,
                             out_avals=tuple(_batched_out_avals(out_avals, size)))  # fmt: skip
    return outs, [0] * len(outs)


core.impl_rules[custom_lin_p] = _custom_lin_impl
core.abstract_eval_rules[custom_lin_p] = lambda *avals, out_avals, **_: list(out_avals)
ad.jvp_rules[custom_lin_p] = _custom_lin_jvp
ad.transpose_rules[custom_lin_p] = _custom_lin_transpose
batching.batch_rules[custom_lin_p] = _custom_lin_batch


def closure_convert(fun, *example_args):
    """(converted, consts): `converted(*args, *consts)` computes `fun(*args)`, with the values
    `fun` closes over that are traced (by an enclosing transformation) made explicit arguments,
    so that they can be passed through a custom_vjp function and differentiated."""
    flat, in_tree = tree_flatten(tuple(example_args))
    flat = [_as_value(x) for x in flat]
    box = []
    jaxpr, consts = pe.trace_to_jaxpr(_flat_outputs(fun, in_tree, box),
                                      [core.get_aval(x) for x in flat])  # fmt: skip
    out_tree = box[0]
    traced = [isinstance(c, core.Tracer) for c in consts]
    closed_consts = [c for c, t in zip(consts, traced) if not t]
    hoisted = [c for c, t in zip(consts, traced) if t]
    n_args = len(flat)

    def converted(*args):
        a_flat = tree_flatten(tuple(args[: len(args) - len(hoisted)]))[0]
        h_it, c_it = iter(args[len(args) - len(hoisted) :]), iter(closed_consts)
        cs = [next(h_it) if t else next(c_it) for t in traced]
        assert len(a_flat) == n_args
        return tree_unflatten(out_tree, core.eval_jaxpr(jaxpr, cs, *a_flat))

    return converted, hoisted


from .checkpoint import checkpoint, checkpoint_policies, remat, remat_p  # noqa: F401
