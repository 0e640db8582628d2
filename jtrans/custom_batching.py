"""custom_vmap: functions with their own batching rule (JAX's `jax.custom_batching`).

`custom_vmap_call_p` carries the function as a closed jaxpr (param `call`, taking the closure's
traced values first) and the user's rule. Under vmap the rule runs instead of batching the
jaxpr; everywhere else the jaxpr is the meaning: eager evaluation and the compiler inline it,
and differentiation differentiates it (the rule is not used under a derivative).
"""

import functools
import inspect

from . import core
from .api import _as_value
from .errors import JTransTypeError, JTransValueError
from .interpreters import ad, batching
from .interpreters import partial_eval as pe
from .lowering import passes
from .tree_util import tree_flatten, tree_map, tree_unflatten

custom_vmap_call_p = core.Primitive("custom_vmap_call")
custom_vmap_call_p.multiple_results = True


def _impl(*args, call, rule, in_tree, out_tree, num_consts):
    with core.set_current_trace(core.eval_trace):
        outs = core.eval_jaxpr(call.jaxpr, call.consts, *[core._wrap(a, False) for a in args])
    return [o._value for o in outs]


core.impl_rules[custom_vmap_call_p] = _impl
core.abstract_eval_rules[custom_vmap_call_p] = lambda *avals, call, **_: call.out_avals
# the compiler runs the function itself
passes.inline_rules[custom_vmap_call_p] = lambda params: params["call"]


def _jvp(primals, tangents, *, call, **_):
    # differentiate the function's body (the batching rule plays no part in derivatives)
    outs, out_t = ad.jvp_flat(core.jaxpr_as_fun(call), primals, tangents)
    return outs, out_t


ad.jvp_rules[custom_vmap_call_p] = _jvp


def _batch(vals, dims, *, call, rule, in_tree, out_tree, num_consts):
    size = batching.current_axis_size()
    if any(d is not batching.not_mapped for d in dims[:num_consts]):
        raise JTransValueError(
            f"custom_vmap function {rule.fun_name}: the function closes over a value that is "
            "batched by this vmap; pass that value as an argument instead"
        )
    args = [batching.moveaxis(v, d, 0) if d is not None else v
            for v, d in zip(vals[num_consts:], dims[num_consts:])]  # fmt: skip
    in_batched = tree_unflatten(in_tree, [d is not None for d in dims[num_consts:]])
    out, out_batched = rule(size, list(in_batched), *tree_unflatten(in_tree, args))
    outs, tree = tree_flatten(out)
    if tree != out_tree:
        raise JTransTypeError(
            f"custom_vmap rule of {rule.fun_name} returned an output of structure {tree}, but "
            f"the function returns {out_tree}"
        )
    if isinstance(out_batched, bool):
        flags = [out_batched] * len(outs)
    else:
        flags, btree = tree_flatten(out_batched)
        if btree != tree or not all(isinstance(b, bool) for b in flags):
            raise JTransTypeError(
                f"custom_vmap rule of {rule.fun_name} must return (out, out_batched) with "
                f"out_batched a pytree of bools of the structure of out ({tree}); got "
                f"{out_batched!r}"
            )
    outs = [_as_value(o) for o in outs]
    for o, b, aval in zip(outs, flags, call.out_avals):
        want = ((size,) if b else ()) + aval.shape
        got = core.get_aval(o)
        if got.shape != want or got.dtype != aval.dtype:
            raise JTransValueError(
                f"custom_vmap rule of {rule.fun_name} returned an output of type "
                f"{got.str_short()} where {'batched' if b else 'unbatched'} "
                f"{core.ShapedArray(want, aval.dtype).str_short()} was expected"
            )
    return outs, [0 if b else None for b in flags]


batching.batch_rules[custom_vmap_call_p] = _batch


class _Rule:
    """The user's rule with the function name, for error messages."""

    def __init__(self, rule, fun_name):
        self.rule, self.fun_name = rule, fun_name

    def __call__(self, *args):
        return self.rule(*args)

    def __repr__(self):
        return getattr(self.rule, "__name__", "rule")


class custom_vmap:
    """A function with a custom vmap rule, set with `def_vmap`:

        @custom_vmap
        def f(x, y): ...

        @f.def_vmap
        def f_vmap_rule(axis_size, in_batched, xs, ys):
            ...
            return out, out_batched

    `in_batched` has one pytree of bools per argument (is that leaf batched); batched leaves
    arrive with the batch axis first, unbatched ones as they are. The rule returns the output
    (batched leaves with the batch axis first) and `out_batched`, a pytree of bools of the
    output's structure (or one bool for all leaves). Derivatives differentiate `f` itself.
    """

    def __init__(self, fun):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.vmap_rule = None

    def def_vmap(self, rule):
        self.vmap_rule = rule
        return rule

    def __call__(self, *args, **kwargs):
        name = getattr(self.fun, "__name__", "fun")
        if self.vmap_rule is None:
            raise AttributeError(
                f"No batching rule defined for custom_vmap function {name} using def_vmap."
            )
        if kwargs:
            try:
                bound = inspect.signature(self.fun).bind(*args, **kwargs)
            except (TypeError, ValueError) as e:
                raise JTransTypeError(f"custom_vmap function {name}: {e}") from None
            if bound.kwargs:
                raise JTransTypeError(
                    f"custom_vmap function {name} was called with keyword-only arguments "
                    f"{sorted(bound.kwargs)}; pass them positionally"
                )
            args = bound.args
        flat, in_tree = tree_flatten(args)
        flat = [_as_value(x) for x in flat]
        box = []

        def flat_fun(*xs):
            out = self.fun(*tree_unflatten(in_tree, xs))
            leaves, tree = tree_flatten(out)
            box.append(tree)
            return [_as_value(o) for o in leaves]

        jaxpr, consts = pe.trace_to_jaxpr(flat_fun, [core.get_aval(x) for x in flat])
        call = core.ClosedJaxpr(pe.convert_constvars(jaxpr), [])
        outs = custom_vmap_call_p.bind(
            *consts,
            *flat,
            call=call,
            rule=_Rule(self.vmap_rule, name),
            in_tree=in_tree,
            out_tree=box[0],
            num_consts=len(consts),
        )
        return tree_unflatten(box[0], outs)


def sequential_vmap(f):
    """A custom_vmap version of `f` whose vmap runs `f` once per batch member, in a loop
    (`lax.map`), instead of vectorising it."""
    from . import lax

    f = custom_vmap(f)

    @f.def_vmap
    def rule(axis_size, in_batched, *args):
        flags, _ = tree_flatten(in_batched)
        leaves, tree = tree_flatten(args)
        mapped = [x for x, b in zip(leaves, flags) if b]

        def member(xs):
            it = iter(xs)
            full = [next(it) if b else x for x, b in zip(leaves, flags)]
            return f(*tree_unflatten(tree, full))

        out = lax.map(member, mapped)
        return out, tree_map(lambda _: True, out)

    return f


__all__ = ["custom_vmap", "custom_vmap_call_p", "sequential_vmap"]
