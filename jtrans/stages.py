"""`jtrans.stages`: the stages of a jitted function, as in JAX's AOT API.

    jit(f)                  Wrapped    (callable; .trace / .lower / .eval_shape)
    jit(f).trace(*args)     Traced     (.jaxpr, .out_info, .args_info, .lower())
    jit(f).lower(*args)     Lowered    (.as_text(stage), .out_info, .compile())
    .compile()              Compiled   (callable with arguments of the lowered signature only)

Lowered and Compiled are jtrans.api's (which print every compiler stage), extended here with
JAX's signature information (`in_tree`, `in_avals`, `args_info`, `out_info`).
"""

from typing import Protocol, runtime_checkable

from . import api, core
from .tree_util import tree_flatten, tree_unflatten


@runtime_checkable
class Wrapped(Protocol):
    """A function wrapped by `jit`: callable, and able to trace and lower itself."""

    def __call__(self, *args, **kwargs): ...

    def trace(self, *args, **kwargs): ...

    def lower(self, *args, **kwargs): ...

    def eval_shape(self, *args, **kwargs): ...


class ArgInfo:
    """The abstract value of one (dynamic) argument of a staged function."""

    def __init__(self, aval, donated=False):
        self._aval = aval
        self.donated = donated

    shape = property(lambda self: self._aval.shape)
    dtype = property(lambda self: self._aval.dtype)

    def __repr__(self):
        return f"ArgInfo(_aval={self._aval!r}, donated={self.donated})"

    def __eq__(self, other):
        return (isinstance(other, ArgInfo) and self._aval == other._aval
                and self.donated == other.donated)  # fmt: skip

    def __hash__(self):
        return hash((self._aval, self.donated))


class _Signature:
    """What every stage knows of its signature: the dynamic arguments' tree and avals and the
    outputs' tree and avals (the jaxpr's)."""

    def _set_signature(self, jaxpr, in_tree, in_avals, out_tree, donate_argnums=()):
        self.in_tree = in_tree
        self.in_avals = tuple(in_avals)
        self.out_tree = out_tree
        self.out_avals = tuple(jaxpr.out_avals)
        self.donate_argnums = tuple(donate_argnums)

    @property
    def args_info(self):
        """The pytree (args, kwargs) of ArgInfo, one per dynamic argument leaf."""
        return tree_unflatten(self.in_tree, [ArgInfo(a) for a in self.in_avals])

    @property
    def out_info(self):
        """The pytree of the outputs' ShapeDtypeStructs."""
        outs = [api.ShapeDtypeStruct(a.shape, a.dtype) for a in self.out_avals]
        return tree_unflatten(self.out_tree, outs)


class Lowered(api.Lowered, _Signature):
    """`jit(f).lower(*args)`: the staged computation, printable at every compiler stage
    (`as_text("jaxpr" | "optimized" | "kernels" | "llvm")`)."""

    def __init__(self, jaxpr, name, out_tree, jitted, in_tree, in_avals, donate_argnums=()):
        super().__init__(jaxpr, name, out_tree, jitted)
        self._set_signature(jaxpr, in_tree, in_avals, out_tree, donate_argnums)

    def compile(self, compiler_options=None):
        super().compile()
        return Compiled(self)


class Compiled(api.Compiled, _Signature):
    """`jit(f).lower(*args).compile()`: callable only with arguments of the lowered signature
    (same tree structure, shapes and dtypes), as in JAX."""

    def __init__(self, lowered):
        super().__init__(lowered)
        self._set_signature(lowered.jaxpr, lowered.in_tree, lowered.in_avals, lowered.out_tree,
                            lowered.donate_argnums)  # fmt: skip

    def __call__(self, *args, **kwargs):
        """Called with the dynamic arguments only (static ones were fixed when lowering)."""
        flat, in_tree = tree_flatten((args, kwargs))
        if in_tree != self.in_tree:
            raise TypeError(
                "Function compiled with input pytree does not match the input pytree it was "
                f"called with: compiled for {self.in_tree}, called with {in_tree} (static "
                "arguments are not passed to a Compiled function)"
            )
        avals = [core.get_aval(api._as_value(x)).strip_weak_type() for x in flat]
        want = [a.strip_weak_type() for a in self.in_avals]
        if avals != want:
            diffs = [f"argument {i} compiled with {w.str_short()} and called with "
                     f"{a.str_short()}" for i, (w, a) in enumerate(zip(want, avals))
                     if w != a]  # fmt: skip
            raise TypeError(
                "Argument types differ from the types for which this computation was "
                "compiled. The mismatches are: " + "; ".join(diffs) + ". Lower and compile "
                "again for the new types (or call the jitted function, which compiles per "
                "signature)."
            )
        statics = dict(self.lowered._statics)
        it = iter(args)
        n = len(args) + sum(isinstance(k, int) for k in statics)
        full = [statics[i] if i in statics else next(it) for i in range(n)]
        kwargs = {**kwargs, **{k: v for k, v in statics.items() if isinstance(k, str)}}
        return super().__call__(*full, **kwargs)

    call = __call__


class Traced(_Signature):
    """`jit(f).trace(*args)`: the traced function: its jaxpr and signature, before lowering."""

    def __init__(self, jaxpr, name, out_tree, jitted, in_tree, in_avals, statics=(),
                 donate_argnums=()):  # fmt: skip
        self.jaxpr = jaxpr
        self.fun_name = name
        self._jitted = jitted
        self._statics = tuple(statics)  # (position or keyword, value) pairs
        self._set_signature(jaxpr, in_tree, in_avals, out_tree, donate_argnums)

    def lower(self, *, lowering_platforms=None):
        low = Lowered(self.jaxpr, self.fun_name, self.out_tree, self._jitted, self.in_tree,
                      self.in_avals, self.donate_argnums)  # fmt: skip
        low._statics = self._statics
        return low


def trace(jitted, name, closed, out_tree, dyn_args, dyn_kwargs, statics, donate_argnums=()):
    """The Traced stage of `jitted` for one call's split arguments (used by `jit`)."""
    flat, in_tree = tree_flatten((tuple(dyn_args), dyn_kwargs))
    in_avals = [core.get_aval(api._as_value(x)) for x in flat]
    return Traced(closed, name, out_tree, jitted, in_tree, in_avals, statics, donate_argnums)
