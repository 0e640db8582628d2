"""vmap: the batching trace. A batched value carries the position of its batch axis (`bdim`);
values of other traces are unbatched (`not_mapped`). Each primitive's batch rule maps batched
inputs to batched outputs in one call, moving the batch axis only when it must.

Named axes: a `BatchTrace` with an `axis_name` is the axis that collectives (`lax.psum`, ...)
name. A collective is batched by the trace of the axis it names even when none of its operands
is batched there; `axis_env()` lists the named axes enclosing the current trace.
"""

import weakref

import numpy as np

from .. import core
from ..core import Tracer
from ..errors import JTransValueError

# batch_rules[prim](vals, dims, **params) -> (out, out_dim) | (outs, out_dims); dims are
# ints or None (not mapped); rules may use `axis_size` from `current_axis_size()`.
batch_rules = {}
not_mapped = None
# primitives that act over named axes, listed in their `axes` param (psum, all_gather, ...)
axis_primitives = set()

# hooks filled in by jtrans.lax: moveaxis(x, src, dst) and broadcast(x, size, axis)
_moveaxis = None
_broadcast = None


def moveaxis(x, src, dst):
    if src == dst:
        return x
    return _moveaxis(x, src, dst)


def bdim_at_front(x, bdim, size):
    """x with its batch axis at 0 (broadcast to `size` when it is not mapped)."""
    if bdim is not_mapped:
        return _broadcast(x, size, 0)
    return moveaxis(x, bdim, 0)


def move_bdim(x, bdim, dst, size):
    if bdim is not_mapped:
        return _broadcast(x, size, dst)
    return moveaxis(x, bdim, dst)


class BatchTracer(Tracer):
    __slots__ = ("val", "bdim")

    def __init__(self, trace, val, bdim):
        self._trace = trace
        self.val = val
        self.bdim = bdim

    @property
    def aval(self):
        a = core.get_aval(self.val)
        shape = a.shape[: self.bdim] + a.shape[self.bdim + 1 :]
        return core.ShapedArray(shape, a.dtype, a.weak_type)

    def __repr__(self):
        return f"VmapTracer(aval={self.aval}, batched={core.get_aval(self.val)})"


class BatchTrace(core.Trace):
    def __init__(self, axis_size, axis_name=None, parent=None):
        self.parent = parent if parent is not None else core.current_trace()
        self.axis_size = axis_size
        self.axis_name = axis_name

    def unpack(self, x):
        if type(x) is BatchTracer and x._trace is self:
            return x.val, x.bdim
        self.is_own(x)
        return x, not_mapped

    def process_primitive(self, prim, args, params):
        vals, dims = [], []
        for a in args:
            v, d = self.unpack(a)
            vals.append(v)
            dims.append(d)
        if all(d is not_mapped for d in dims) and (
            self.axis_name is None or not _names_axis(prim, params, self.axis_name)
        ):
            return core.bind_in(self.parent, prim, vals, params)
        rule = batch_rules.get(prim)
        if rule is None:
            raise NotImplementedError(f"vmap of primitive {prim.name!r} is not implemented")
        global _axis_size, _axis_name
        prev = _axis_size, _axis_name
        _axis_size, _axis_name = self.axis_size, self.axis_name
        try:
            with core.set_current_trace(self.parent):
                out, out_dim = rule(vals, dims, **params)
        finally:
            _axis_size, _axis_name = prev
        if prim.multiple_results:
            return [self.pack(o, d) for o, d in zip(out, out_dim)]
        return self.pack(out, out_dim)

    def pack(self, val, bdim):
        return val if bdim is not_mapped else BatchTracer(self, val, bdim)


_axis_size = None
_axis_name = None
_CURRENT = object()  # default axis name of vmap_flat: the axis being batched, if any


def current_axis_size():
    """The size of the axis being batched, for rules that need it."""
    return _axis_size


def current_axis_name():
    """The name of the axis being batched (None for an anonymous vmap), for collectives' rules."""
    return _axis_name


def axis_env():
    """(name, size) of each named vmap axis enclosing the current trace, innermost first."""
    env = []
    t = core.current_trace()
    while t is not None:
        if isinstance(t, BatchTrace) and t.axis_name is not None:
            env.append((t.axis_name, t.axis_size))
        t = t.parent
    return tuple(env)


def _names_axis(prim, params, name):
    """Whether `prim` (or a jaxpr in its params) has a collective over axis `name`."""
    if prim in axis_primitives:
        return name in params["axes"]
    return any(name in jaxpr_axis_names(j) for j in _param_jaxprs(params))


def _param_jaxprs(params):
    for p in params.values():
        if isinstance(p, core.ClosedJaxpr):
            yield p
        elif isinstance(p, (tuple, list)):
            for q in p:
                if isinstance(q, core.ClosedJaxpr):
                    yield q


_axis_names_cache = weakref.WeakKeyDictionary()


def jaxpr_axis_names(closed):
    """The axis names the collectives in `closed` (and its sub-jaxprs) act over."""
    names = _axis_names_cache.get(closed)
    if names is None:
        names = set()
        for eqn in closed.jaxpr.eqns:
            if eqn.prim in axis_primitives:
                names.update(eqn.params["axes"])
            for j in _param_jaxprs(eqn.params):
                names |= jaxpr_axis_names(j)
        _axis_names_cache[closed] = names = frozenset(names)
    return names


def vmap_flat(fun, args, in_dims, out_dims, axis_size, axis_name=_CURRENT):
    """Applies flat `fun` over axis `in_dims[i]` of each arg; outputs stacked at `out_dims`.
    Called from a batch rule, the axis keeps by default the name of the axis being batched."""
    if axis_name is _CURRENT:
        axis_name = _axis_name if axis_size == _axis_size else None
    trace = BatchTrace(axis_size, axis_name)
    tracers = [a if d is not_mapped else BatchTracer(trace, a, d) for a, d in zip(args, in_dims)]
    with core.new_trace(trace):
        outs = fun(*tracers)
    results = []
    for o, od in zip(outs, out_dims):
        v, d = trace.unpack(o)
        if od is not_mapped:
            if d is not not_mapped:
                raise JTransValueError(
                    "vmap has out_axes=None for an output that depends on the mapped axis; "
                    "only outputs that do not vary along the mapped axis can have out_axes=None"
                )
            results.append(v)
        else:
            nd = np.ndim(v) if d is not_mapped else np.ndim(v) - 1
            if not -nd - 1 <= od <= nd:
                raise JTransValueError(
                    f"vmap out_axes={od} is out of bounds for an output of rank {nd} "
                    f"(it must be in [{-nd - 1}, {nd}])"
                )
            od = od % (nd + 1)
            results.append(move_bdim(v, d, od, axis_size))
    return results


def batch_jaxpr(closed, axis_size, in_dims, out_dims_wanted=None):
    """A ClosedJaxpr computing `closed` batched at `in_dims`; returns (jaxpr, out_dims).
    With `out_dims_wanted` (list of int/None), outputs are moved there (broadcast if needed).
    Called from a batch rule, the batched axis keeps the name of the axis being batched (so
    collectives inside `closed` act over it)."""
    from .partial_eval import trace_to_jaxpr

    out_dims_box = []
    axis_name = _axis_name if axis_size == _axis_size else None

    def fun(*args):
        trace = BatchTrace(axis_size, axis_name)
        tracers = [
            a if d is not_mapped else BatchTracer(trace, a, d) for a, d in zip(args, in_dims)
        ]
        with core.new_trace(trace):
            outs = core.eval_jaxpr(closed.jaxpr, closed.consts, *tracers)
        res = []
        dims = []
        for i, o in enumerate(outs):
            v, d = trace.unpack(o)
            if out_dims_wanted is not None:
                want = out_dims_wanted[i]
                if want is not_mapped:
                    assert d is not_mapped
                else:
                    v = move_bdim(v, d, want, axis_size)
                d = want
            res.append(v)
            dims.append(d)
        out_dims_box.append(dims)
        return res

    in_avals = []
    for a, d in zip(closed.in_avals, in_dims):
        if d is not_mapped:
            in_avals.append(a)
        else:
            shape = a.shape[:d] + (axis_size,) + a.shape[d:]
            in_avals.append(a.update(shape=shape))
    jaxpr, consts = trace_to_jaxpr(fun, in_avals)
    return core.ClosedJaxpr(jaxpr, consts), out_dims_box[0]
