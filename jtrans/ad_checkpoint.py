"""JAX's `jax.ad_checkpoint` module: checkpoint (remat) with its policies, checkpoint_name, and
print_saved_residuals / saved_residuals to see which values a function saves for its backward
pass (the residuals of its linearization) and where each one comes from."""

import inspect

from . import core
from .interpreters import ad
from .interpreters import partial_eval as pe
from .interpreters.checkpoint import (
    Offloadable,
    Recompute,
    Saveable,
    checkpoint,
    checkpoint_name,
    checkpoint_policies,
    name_p,
    remat,
)
from .interpreters.custom_derivatives import _as_value
from .tree_util import keystr, tree_flatten, tree_flatten_with_path, tree_unflatten

__all__ = [
    "Offloadable",
    "Recompute",
    "Saveable",
    "checkpoint",
    "checkpoint_name",
    "checkpoint_policies",
    "print_saved_residuals",
    "remat",
    "saved_residuals",
]


def _arg_names(f, args, kwargs):
    """A name for each flattened argument leaf: the parameter name, plus the leaf's path."""
    try:
        bound = inspect.signature(f).bind(*args, **kwargs)
        named = list(bound.arguments.items())
    except (TypeError, ValueError):
        named = [(f"args[{i}]", a) for i, a in enumerate(args)] + list(kwargs.items())
    names = []
    for name, value in named:
        kind = None
        try:
            kind = inspect.signature(f).parameters[name].kind
        except (TypeError, ValueError, KeyError):
            pass
        if kind is inspect.Parameter.VAR_POSITIONAL:
            value = tuple(value)
        elif kind is inspect.Parameter.VAR_KEYWORD:
            value = dict(value)
        for path, _ in tree_flatten_with_path(value)[0]:
            names.append(name + keystr(path))
    return names


def saved_residuals(f, *args, **kwargs):
    """[(aval, description)] of the values reverse-mode differentiation of f at args saves for
    the backward pass: its arguments, constants, and outputs of named operations."""
    flat, in_tree = tree_flatten((args, kwargs))
    flat = [_as_value(x) for x in flat]

    def f_flat(*xs):
        a, kw = tree_unflatten(in_tree, list(xs))
        return tree_flatten(f(*a, **kw))[0]

    def residuals_of(*xs):
        return list(ad.linearize_flat(f_flat, list(xs))[2])

    jaxpr, _ = pe.trace_to_jaxpr(residuals_of, [core.get_aval(x) for x in flat])
    names = _arg_names(f, args, kwargs)
    if len(names) != len(flat):
        names = [None] * len(flat)
    # JAX's order: constants, then arguments, then outputs of equations, each in order
    res = {v for v in jaxpr.outvars if type(v) is core.Var}
    out = [(v.aval, "from a constant") for v in jaxpr.outvars if type(v) is core.Literal]
    out += [(v.aval, "from a constant") for v in jaxpr.constvars if v in res]
    for i, v in enumerate(jaxpr.invars):
        if v in res:
            out.append((v.aval, f"from the argument {names[i]}" if names[i]
                        else f"from the argument at flattened index {i}"))  # fmt: skip
    named = {v: e for e in jaxpr.eqns if e.prim is name_p for v in e.invars}
    for eqn in jaxpr.eqns:
        src = eqn.source_info or "an unknown location"
        for v in eqn.outvars:
            if v not in res:
                continue
            if eqn.prim is name_p or v in named:
                name = (eqn if eqn.prim is name_p else named[v]).params["name"]
                out.append((v.aval, f"named '{name}' from {src}"))
            elif isinstance(eqn.params.get("name"), str):  # a jitted function
                out.append((v.aval, f"output of {eqn.prim.name} '{eqn.params['name']}' from {src}"))
            else:
                out.append((v.aval, f"output of {eqn.prim.name} from {src}"))
    return out


def print_saved_residuals(f, *args, **kwargs):
    """Prints one line per value saved for the backward pass of f at args (JAX's
    `jax.ad_checkpoint.print_saved_residuals`), e.g. `f32[3] from the argument x`."""
    for aval, src in saved_residuals(f, *args, **kwargs):
        print(f"{aval.str_short(short_dtypes=True)} {src}")


def _register_lowering():
    # name_p is the identity for the compiler (interpreters must not import it: done here)
    from .lax.lowerings import identity_if_same
    from .lowering import fusion, passes

    fusion.elementwise_rules[name_p] = lambda x: x
    passes.simplify_rules[name_p] = identity_if_same


_register_lowering()
