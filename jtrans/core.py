"""core: avals, the IR as plain data, primitives and `bind`, traces and the current-trace context.

Invariants:
- core knows no primitive by name; a primitive's meanings live in tables (`impl_rules`,
  `abstract_eval_rules` here; jvp, transpose, batch and lowering tables in their interpreters).
- `bind` dispatches on the *current trace* (set by the transformation that is running), never on
  the data. A trace treats values that are not its own tracers as constants of its parent; that is
  what keeps nested transformations of the same kind apart (no perturbation confusion).
"""

import abc
import enum
import itertools
import threading
from contextlib import contextmanager

import numpy as np

from . import dtypes
from .errors import (
    ConcretizationTypeError,
    JTransTypeError,
    TracerArrayConversionError,
    TracerBoolConversionError,
    TracerIntegerConversionError,
    UnexpectedTracerError,
)

# ---------------------------------------------------------------------------------------------
# avals


class ShapedArray:
    """The abstract value of an array: shape, dtype and whether its type is weak (from a Python
    scalar, so it yields to the other operand in promotion)."""

    __slots__ = ("shape", "dtype", "weak_type")

    def __init__(self, shape, dtype, weak_type=False):
        self.shape = tuple(shape)
        self.dtype = dtype
        self.weak_type = weak_type

    ndim = property(lambda self: len(self.shape))
    size = property(lambda self: int(np.prod(self.shape, dtype=np.int64)))

    def update(self, shape=None, dtype=None, weak_type=None):
        return ShapedArray(
            self.shape if shape is None else shape,
            self.dtype if dtype is None else dtype,
            self.weak_type if weak_type is None else weak_type,
        )

    def strip_weak_type(self):
        return ShapedArray(self.shape, self.dtype, False) if self.weak_type else self

    def __eq__(self, other):
        return self is other or (
            type(other) is ShapedArray
            and self.shape == other.shape
            and self.dtype == other.dtype
            and self.weak_type == other.weak_type
        )

    def __hash__(self):
        return hash((self.shape, self.dtype, self.weak_type))

    def str_short(self, short_dtypes=False):
        """`float32[3,4]` (JAX's spelling), or `f32[3,4]` with `short_dtypes` (jaxprs')."""
        name = dtypes.short_name(self.dtype) if short_dtypes else dtypes.full_name(self.dtype)
        return f"{name}[{','.join(map(str, self.shape))}]"

    def __str__(self):
        return ("~" if self.weak_type else "") + self.str_short()

    def __repr__(self):
        weak = ", weak_type=True" if self.weak_type else ""
        return f"ShapedArray({self.str_short()}{weak})"


def get_aval(x):
    """The aval of any value a primitive accepts: tracer, Array, NumPy value or Python scalar."""
    aval = getattr(x, "aval", None)
    if aval is not None:
        return aval
    if isinstance(x, (np.ndarray, np.generic)):  # NumPy scalars (np.float64 too) are strong
        return ShapedArray(x.shape, dtypes.canonicalize_dtype(x.dtype), False)
    if isinstance(x, (bool, int, float, complex)):
        return ShapedArray((), dtypes.python_scalar_dtype(x), not isinstance(x, bool))
    raise JTransTypeError(
        f"value of type {type(x).__name__} is not a valid jtrans type: {x!r}. Arguments of "
        "transformed functions must be arrays, scalars, or pytrees (lists, tuples, dicts) of them."
    )


def raise_to_shaped(aval, weak_type=None):
    return aval if weak_type is None else aval.update(weak_type=weak_type)


# ---------------------------------------------------------------------------------------------
# the IR: plain data


class Var:
    __slots__ = ("aval", "__weakref__")

    def __init__(self, aval):
        self.aval = aval

    def __repr__(self):
        return f"Var({self.aval.str_short()})"


class Literal:
    """A scalar constant written inline in a jaxpr (`2.0:f32[]`)."""

    __slots__ = ("val", "aval", "_array")

    def __init__(self, val, aval):
        self.val = val
        self.aval = aval
        self._array = None  # the weak Array `literal_value` gives, made once

    def __repr__(self):
        return f"Literal({self.val})"


class Eqn:
    __slots__ = ("prim", "invars", "outvars", "params", "source_info")

    def __init__(self, prim, invars, outvars, params, source_info=None):
        self.prim = prim
        self.invars = invars
        self.outvars = outvars
        self.params = params
        self.source_info = source_info

    def replace(self, **kw):
        new = Eqn(self.prim, self.invars, self.outvars, self.params, self.source_info)
        for k, v in kw.items():
            setattr(new, k, v)
        return new


class Jaxpr:
    def __init__(self, constvars, invars, outvars, eqns):
        self.constvars = list(constvars)
        self.invars = list(invars)
        self.outvars = list(outvars)
        self.eqns = list(eqns)

    in_avals = property(lambda self: [v.aval for v in self.invars])
    out_avals = property(lambda self: [v.aval for v in self.outvars])

    def __str__(self):
        from .pretty import pp_jaxpr

        return pp_jaxpr(self)

    __repr__ = __str__


class ClosedJaxpr:
    """A jaxpr with values for its constvars."""

    __slots__ = ("jaxpr", "consts", "__weakref__")

    def __init__(self, jaxpr, consts=()):
        assert len(jaxpr.constvars) == len(consts)
        self.jaxpr = jaxpr
        self.consts = list(consts)

    in_avals = property(lambda self: self.jaxpr.in_avals)
    out_avals = property(lambda self: self.jaxpr.out_avals)
    eqns = property(lambda self: self.jaxpr.eqns)

    def __str__(self):
        from .pretty import pp_jaxpr

        return pp_jaxpr(self.jaxpr)

    __repr__ = __str__

    def _repr_pretty_(self, p, cycle):
        p.text(str(self))


# ---------------------------------------------------------------------------------------------
# primitives and their core tables

all_primitives = []  # every Primitive ever made, for the rule-coverage test

# impl(*values, **params) -> value | list[value]: the NumPy reference (values are NumPy arrays)
impl_rules = {}
# abstract_eval(*avals, **params) -> aval | list[aval]
abstract_eval_rules = {}


class Primitive:
    """A named operation. `bind` hands it to the current trace."""

    multiple_results = False
    # False for a primitive whose abstract rule reads state beyond its avals and params
    cache_abstract_eval = True

    def __init__(self, name):
        self.name = name
        all_primitives.append(self)

    def bind(self, *args, **params):
        return _ctx.trace.process_primitive(self, args, params)

    def __repr__(self):
        return self.name

    def def_impl(self, f):
        impl_rules[self] = f
        return f

    def def_abstract_eval(self, f):
        abstract_eval_rules[self] = f
        return f


def abstract_eval(prim, avals, params):
    """Output avals of `prim` applied to `avals` as a list (one per result)."""
    try:
        rule = abstract_eval_rules[prim]
    except KeyError:
        raise NotImplementedError(f"primitive {prim.name!r} has no abstract evaluation rule")
    out = rule(*avals, **params)
    return list(out) if prim.multiple_results else [out]


# ---------------------------------------------------------------------------------------------
# traces, tracers and the current-trace context


class Trace:
    """Interprets primitives. `parent` is the trace that was current when this one was made: a
    trace runs its rules with the parent current, and treats non-own values as the parent's."""

    parent = None
    alive = True

    def process_primitive(self, prim, args, params):
        raise NotImplementedError

    def invalidate(self):
        self.alive = False

    def is_own(self, x):
        """True if x is a tracer of this trace; raises if x is a tracer of a finished trace."""
        if isinstance(x, Tracer):
            if x._trace is self:
                return True
            if not x._trace.alive:
                raise UnexpectedTracerError(x)
        return False


class Tracer:
    """A value being traced. Operator methods are installed by `jtrans.numpy`."""

    __slots__ = ("_trace",)
    __array_priority__ = 1000

    @property
    def aval(self):
        raise NotImplementedError

    def to_concrete_value(self):
        """The concrete value behind this tracer if it has one (a JVP tracer of a concrete
        primal does), else None."""
        return None

    shape = property(lambda self: self.aval.shape)
    dtype = property(lambda self: self.aval.dtype)
    ndim = property(lambda self: self.aval.ndim)
    size = property(lambda self: self.aval.size)
    weak_type = property(lambda self: self.aval.weak_type)

    def __len__(self):
        if not self.shape:
            raise TypeError("len() of unsized object (a 0-d array)")
        return self.shape[0]

    def _concrete(self, what, error=ConcretizationTypeError):
        v = self.to_concrete_value()
        if v is None:
            raise error(what, self)
        return v

    def __bool__(self):
        return bool(self._concrete("the truth value of a traced array (bool() or an `if`)",
                                   TracerBoolConversionError))  # fmt: skip

    def __float__(self):
        return float(self._concrete("float() of a traced array"))

    def __int__(self):
        return int(self._concrete("int() of a traced array", TracerIntegerConversionError))

    def __complex__(self):
        return complex(self._concrete("complex() of a traced array"))

    def __index__(self):
        return int(self._concrete("the use of a traced array as an index (__index__)",
                                  TracerIntegerConversionError))  # fmt: skip

    def __array__(self, dtype=None, copy=None):
        v = self.to_concrete_value()
        if v is None:
            raise TracerArrayConversionError(self)
        return np.asarray(v, dtype=dtype)

    def __iter__(self):
        if not self.shape:
            raise TypeError("iteration over a 0-d array")
        return (self[i] for i in range(self.shape[0]))

    def __hash__(self):
        raise TypeError(f"unhashable type: traced array {self.aval.str_short()}")

    def __repr__(self):
        # the tracers of jit, vmap and grad print as JAX 0.10's (JitTracer(~int32[]), ...)
        return f"Traced<{self.aval}>with<{type(self._trace).__name__}>"

    def item(self):
        return self._concrete("item() of a traced array").item()

    def tolist(self):
        return np.asarray(self._concrete("tolist() of a traced array")).tolist()


def _misc_check_nans(prim, out, params):
    from ._misc import _check_nans  # (core imports nothing above it unless the check is on)

    _check_nans(prim, out, params)


class EvalTrace(Trace):
    """The base trace: runs each primitive's NumPy impl on concrete values."""

    def process_primitive(self, prim, args, params):
        # the abstract rule checks shapes and dtypes (eager code gets the errors traced code
        # gets) and gives the result's weak type; its answer is cached per signature
        config = dtypes.config
        vals = []
        sig = [prim, config.jax_enable_x64]
        for a in args:
            t = type(a)
            if t is _array_type:
                v = a._value
                vals.append(v)
                sig += (v.shape, v.dtype, a.weak_type)
            elif isinstance(a, Tracer):
                raise UnexpectedTracerError(a)
            else:
                if t in _SCALAR_TYPES:
                    v = np.asarray(a, dtypes.python_scalar_dtype(a))
                else:  # a device-backed Array (its host copy) or a NumPy value
                    v = a._value if isinstance(a, _array_type) else a
                vals.append(v)
                aval = get_aval(a)
                sig += (aval.shape, aval.dtype, aval.weak_type)
        try:  # the cache lookup of _cached_abstract_eval, inlined for the common case
            out_avals = None if params else _abstract_eval_cache.get(tuple(sig))
        except TypeError:
            out_avals = None
        if out_avals is None:
            out_avals = _cached_abstract_eval(prim, sig, args, params)
        rule = impl_rules.get(prim)
        if rule is None:
            raise NotImplementedError(f"primitive {prim.name!r} has no eager (impl) rule")
        out = rule(*vals, **params)
        if config.debug_checks:  # jtrans.debug_nans / debug_infs
            _misc_check_nans(prim, out, params)
        if prim.multiple_results:
            return [_array_type(_np_array(o), a.weak_type) for o, a in zip(out, out_avals)]
        if type(out) is not np.ndarray:
            out = np.asarray(out)
        aval = out_avals[0]
        res = _array_type(out, aval.weak_type)
        if out.shape == aval.shape and out.dtype == aval.dtype:
            res._aval = aval  # the rule's aval, so nothing builds another
        return res


_SCALAR_TYPES = frozenset((int, float, complex, bool))

# (prim, x64, *(shape, dtype, weak_type) per input, params key) -> output avals. Abstract rules
# are pure functions of avals and params, so eager and staged binds of the same signature reuse
# one answer. Params with values that are not plain data (jaxprs, functions) are not cached,
# and a primitive whose rule reads other state sets `cache_abstract_eval = False`.
_abstract_eval_cache = {}
_PLAIN_TYPES = frozenset((type(None), bool, int, float, complex, str))


_plain_tuples = set()  # tuples found plain (they hold only small data: no retention concern)


def _plain(v):
    t = type(v)
    if t in _PLAIN_TYPES:
        return True
    if t is tuple:
        try:
            if v in _plain_tuples:
                return True
        except TypeError:  # unhashable contents
            return False
        for x in v:
            if not _plain(x):
                return False
        if len(_plain_tuples) < 10000:
            _plain_tuples.add(v)
        return True
    return isinstance(v, (np.dtype, enum.Enum))


def _cached_abstract_eval(prim, sig, args, params, args_are_avals=False):
    """abstract_eval(prim, avals of args, params), cached under `sig` (a list describing the
    inputs; extended here with the params). The cache is looked up first; only a miss checks
    that the params are plain data before storing the answer."""
    if params:
        sig.append(tuple(params.items()))
        sig.append(tuple(map(type, params.values())))
    key = tuple(sig)
    try:
        out = _abstract_eval_cache.get(key)
    except TypeError:  # an unhashable param, dtype or shape: no caching
        out = key = None
    if out is not None:
        return out
    out = abstract_eval(prim, args if args_are_avals else [get_aval(a) for a in args], params)
    if key is not None and prim.cache_abstract_eval:
        for v in params.values():
            if not _plain(v):
                return out
        if len(_abstract_eval_cache) >= 20000:
            _abstract_eval_cache.clear()
        _abstract_eval_cache[key] = out
    return out


def abstract_eval_cached(prim, avals, params):
    """`abstract_eval`, answered from a cache when the same signature was seen before."""
    sig = [prim, dtypes.config.jax_enable_x64]
    for a in avals:
        sig += (a.shape, a.dtype, a.weak_type)
    return _cached_abstract_eval(prim, sig, avals, params, True)


def _np_array(x):
    # NumPy returns scalars (np.float32) from 0-d operations; an Array always holds an ndarray
    return x if type(x) is np.ndarray else np.asarray(x)


def _wrap(x, weak):
    return _array_type(x, bool(weak))


_array_type = None  # set by jtrans.array


def set_array_type(t):
    global _array_type
    _array_type = t
    ArrayType.register(t)


class ArrayType(abc.ABC):
    """`jtrans.Array` / `jnp.ndarray` for users: `isinstance(x, jtrans.Array)` holds for concrete
    arrays and for tracers alike, as it does for jax.Array."""


ArrayType.register(Tracer)


eval_trace = EvalTrace()


class _Ctx(threading.local):
    def __init__(self):
        self.trace = eval_trace


_ctx = _Ctx()


def current_trace():
    return _ctx.trace


@contextmanager
def set_current_trace(trace):
    prev = _ctx.trace
    _ctx.trace = trace
    try:
        yield
    finally:
        _ctx.trace = prev


@contextmanager
def new_trace(trace):
    """Makes `trace` current for the body and invalidates it afterwards (leak detection)."""
    prev = _ctx.trace
    _ctx.trace = trace
    try:
        yield trace
    finally:
        _ctx.trace = prev
        trace.invalidate()


def bind_in(trace, prim, args, params):
    """Binds `prim` with `trace` current (how a trace hands work to its parent)."""
    prev = _ctx.trace
    _ctx.trace = trace
    try:
        return trace.process_primitive(prim, args, params)
    finally:
        _ctx.trace = prev


def is_concrete(x):
    return not isinstance(x, Tracer) or x.to_concrete_value() is not None


def concrete_or_error(x, what):
    """A concrete NumPy value for x, or ConcretizationTypeError explaining `what` needed it."""
    if isinstance(x, Tracer):
        return np.asarray(x._concrete(what))
    return np.asarray(x)


# ---------------------------------------------------------------------------------------------
# evaluating and checking jaxprs


def eval_jaxpr(jaxpr, consts, *args):
    """Evaluates `jaxpr` by binding each equation's primitive under the current trace."""
    env = {}
    for v, x in zip(jaxpr.constvars, consts):
        env[v] = x
    for v, x in zip(jaxpr.invars, args):
        env[v] = x

    def read(v):
        return literal_value(v) if type(v) is Literal else env[v]

    for eqn in jaxpr.eqns:
        outs = eqn.prim.bind(*[read(v) for v in eqn.invars], **eqn.params)
        if not eqn.prim.multiple_results:
            outs = [outs]
        for v, x in zip(eqn.outvars, outs):
            env[v] = x
    return [read(v) for v in jaxpr.outvars]


def literal_value(lit):
    """A literal's value for evaluation: a weak Array where the literal is weakly typed."""
    if lit.aval.weak_type:
        a = lit._array
        if a is None:
            a = lit._array = _array_type(np.asarray(lit.val, lit.aval.dtype), True)
        return a
    return lit.val


def jaxpr_as_fun(closed):
    return lambda *args: eval_jaxpr(closed.jaxpr, closed.consts, *args)


class JaxprTypeError(TypeError):
    pass


def typecheck_jaxpr(jaxpr):
    """Checks that every variable is defined once before use and that each equation's outputs
    have the avals its primitive's abstract rule gives. Raises JaxprTypeError otherwise."""
    defined = set()

    def define(v):
        if v in defined:
            raise JaxprTypeError(f"variable {v} defined twice")
        defined.add(v)

    def check_use(v, where):
        if type(v) is Literal:
            return
        if v not in defined:
            raise JaxprTypeError(f"variable {v} used before definition in {where}")

    for v in itertools.chain(jaxpr.constvars, jaxpr.invars):
        define(v)
    for eqn in jaxpr.eqns:
        for v in eqn.invars:
            check_use(v, eqn.prim.name)
        out_avals = abstract_eval(eqn.prim, [v.aval for v in eqn.invars], eqn.params)
        if len(out_avals) != len(eqn.outvars):
            raise JaxprTypeError(f"{eqn.prim.name}: {len(out_avals)} results, "
                                 f"{len(eqn.outvars)} output variables")  # fmt: skip
        for v, a in zip(eqn.outvars, out_avals):
            if (v.aval.shape, v.aval.dtype) != (a.shape, a.dtype):
                raise JaxprTypeError(
                    f"{eqn.prim.name}: output declared {v.aval.str_short()} but the rule "
                    f"gives {a.str_short()}"
                )
            define(v)
    for v in jaxpr.outvars:
        check_use(v, "the output")
    return True


def subjaxprs(eqn):
    """The closed jaxprs among an equation's parameters (for passes that recurse)."""
    for p in eqn.params.values():
        if isinstance(p, ClosedJaxpr):
            yield p
        elif isinstance(p, (tuple, list)):
            for q in p:
                if isinstance(q, ClosedJaxpr):
                    yield q
