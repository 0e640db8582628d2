"""jtrans.debug: print and call back into Python from inside transformed code (JAX's
`jax.debug.print` / `jax.debug.callback`).

`debug_callback` is an effectful primitive with no outputs: DCE, CSE and folding keep it, so a
jitted function calls back at every call (the compiler runs it as a call-out), not only while
tracing. Under grad / jvp it sees primal values; under vmap it runs once per batch element (as
JAX's unordered callbacks do)."""

import functools
import string

import numpy as np

from . import core
from .interpreters import ad, batching
from .tree_util import tree_flatten, tree_unflatten

__all__ = ["callback", "print"]

_print = print  # the builtin, before `print` below shadows it


def _is_dynamic(x):
    return isinstance(x, (core.Tracer, core._array_type, np.ndarray, np.generic, bool, int,
                          float, complex))  # fmt: skip


def _as_value(x):
    if isinstance(x, (core.Tracer, core._array_type)):
        return x
    from .lax import as_operand

    return as_operand(x)


class _Callback:
    """The user's callback with the static leaves and the tree put back (hashable by identity,
    so each call site stays a distinct parameter)."""

    def __init__(self, fn, tree, static, dynamic_mask):
        self.fn, self.tree, self.static, self.mask = fn, tree, static, dynamic_mask
        functools.update_wrapper(self, fn)

    def __call__(self, *vals):
        dyn, st = iter(vals), iter(self.static)
        leaves = [core._wrap(np.asarray(next(dyn)), False) if m else next(st) for m in self.mask]
        args, kwargs = tree_unflatten(self.tree, leaves)
        self.fn(*args, **kwargs)

    def __repr__(self):
        return getattr(self.fn, "__name__", "callback")


def _callback_impl(*args, callback):
    callback(*args)
    return []


debug_callback_p = core.Primitive("debug_callback")
debug_callback_p.multiple_results = True
debug_callback_p.effectful = True
core.impl_rules[debug_callback_p] = _callback_impl
core.abstract_eval_rules[debug_callback_p] = lambda *avals, callback: []


# jvp: the callback sees the primal values; no outputs, so no tangents
def _callback_jvp(primals, tangents, callback):
    debug_callback_p.bind(*primals, callback=callback)
    return [], []


ad.jvp_rules[debug_callback_p] = _callback_jvp


# vmap: one call per batch element (JAX's rule for unordered callbacks)
def _callback_batch(vals, dims, callback):
    from .lax import index_in_dim

    size = batching.current_axis_size()
    for i in range(size):
        sliced = [v if d is None else index_in_dim(v, i, d, keepdims=False)
                  for v, d in zip(vals, dims)]  # fmt: skip
        debug_callback_p.bind(*sliced, callback=callback)
    return [], []


batching.batch_rules[debug_callback_p] = _callback_batch


def callback(callback, *args, ordered=False, partitioned=False, **kwargs):
    """Calls `callback(*args, **kwargs)` with the concrete values of args (Arrays), eagerly and at
    every run of jitted code; under vmap once per batch element. Returns None."""
    leaves, tree = tree_flatten((args, kwargs))
    mask = [_is_dynamic(x) for x in leaves]
    dyn = [_as_value(x) for x, m in zip(leaves, mask) if m]
    static = [x for x, m in zip(leaves, mask) if not m]
    debug_callback_p.bind(*dyn, callback=_Callback(callback, tree, static, mask))


def _format_print(fmt, *args, **kwargs):
    _print(fmt.format(*args, **kwargs))


def _check_format(fmt, args, kwargs):
    """A placeholder with no argument is an error raised at the call, not at run time."""
    auto = 0
    for _, name, _, _ in string.Formatter().parse(fmt):
        if name is None:
            continue
        key = name.split(".")[0].split("[")[0]
        if key == "":
            key, auto = str(auto), auto + 1
        if key.isdigit():
            if int(key) >= len(args):
                raise IndexError(
                    f"jtrans.debug.print: no positional argument {key} for format {fmt!r} "
                    f"({len(args)} given)"
                )
        elif key not in kwargs:
            raise KeyError(f"jtrans.debug.print: no keyword argument {key!r} for format {fmt!r}")


def print(fmt, *args, ordered=False, **kwargs):
    """Prints `fmt.format(*args, **kwargs)` with the concrete values of args: eagerly, at every
    run of jitted code, with primal values under grad, once per batch element under vmap."""
    _check_format(fmt, args, kwargs)
    callback(functools.partial(_format_print, fmt), *args, ordered=ordered, **kwargs)
