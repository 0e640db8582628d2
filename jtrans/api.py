"""The public transformations: thin pytree shells over the interpreters' flat cores."""

import functools
import inspect
import threading
import weakref

import numpy as np

from . import array as _array_mod
from . import core, dtypes
from .array import Array
from .dtypes import config
from .errors import JTransTypeError, JTransValueError
from .interpreters import ad, batching
from .interpreters import jit as jit_mod
from .interpreters import partial_eval as pe
from .interpreters.jit import jit_p
from .tree_util import (
    Partial,
    flatten_up_to,
    register_pytree_node,
    tree_flatten,
    tree_map,
    tree_structure,
    tree_unflatten,
)


def _flat_fun(f, in_tree, out_tree_box):
    def flat(*flat_args):
        args, kwargs = tree_unflatten(in_tree, flat_args)
        out = f(*args, **kwargs)
        leaves, tree = tree_flatten(out)
        out_tree_box.append(tree)
        return [_check_output(x) for x in leaves]

    return flat


def _check_output(x):
    if isinstance(x, (Array, core.Tracer)):
        return x
    if isinstance(x, (bool, int, float, complex, np.ndarray, np.generic)):
        return x
    raise JTransTypeError(
        f"a transformed function returned a value of type {type(x).__name__} ({x!r}); outputs "
        "must be arrays, scalars, or pytrees of them"
    )


class _ArgnumsError(JTransValueError, JTransTypeError):
    """argnums naming an argument the call does not have (JAX: TypeError)."""


def _argnums_tuple(argnums, nargs, what="argnums"):
    single = isinstance(argnums, int)
    nums = (argnums,) if single else tuple(argnums)
    for n in nums:
        if not -nargs <= n < nargs:
            raise _ArgnumsError(
                f"{what}={argnums} refers to argument {n}, but the function was called with "
                f"{nargs} positional argument(s)"
            )
    return single, tuple(n % nargs for n in nums)


def _partial_argnums(fun, args, kwargs, nums):
    """fun as a function of args[nums] only, the other arguments fixed."""

    def f_part(*dargs):
        full = list(args)
        for i, d in zip(nums, dargs):
            full[i] = d
        return fun(*full, **kwargs)

    return f_part


def _as_value(x):
    if isinstance(x, (Array, core.Tracer)):
        return x
    if isinstance(x, (bool, int, float, complex)) and not isinstance(x, np.generic):
        return Array(np.asarray(x, dtypes.python_scalar_dtype(x)), not isinstance(x, bool))
    from .numpy._util import asarray_any

    return asarray_any(x)


# ---------------------------------------------------------------------------------------------
# make_jaxpr


def make_jaxpr(fun, static_argnums=(), return_shape=False):
    """`make_jaxpr(f)(*args)`: the ClosedJaxpr of f at the args' shapes and dtypes."""
    static = (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums)

    @functools.wraps(fun)
    def wrapped(*args, **kwargs):
        dyn_idx = [i for i in range(len(args)) if i not in static]

        def f(*dyn):
            full = list(args)
            for i, d in zip(dyn_idx, dyn):
                full[i] = d
            return fun(*full, **kwargs)

        flat, in_tree = tree_flatten(([args[i] for i in dyn_idx], {}))
        avals = [_abstractify(x) for x in flat]
        box = []
        jaxpr, consts = pe.trace_to_jaxpr(_flat_fun(f, in_tree, box), avals)
        closed = core.ClosedJaxpr(jaxpr, consts)
        if return_shape:
            shapes = tree_unflatten(box[0], [ShapeDtypeStruct(a.shape, a.dtype)
                                             for a in jaxpr.out_avals])  # fmt: skip
            return closed, shapes
        return closed

    return wrapped


def _abstractify(x):
    if isinstance(x, ShapeDtypeStruct):
        return core.ShapedArray(x.shape, dtypes.canonicalize_dtype(x.dtype))
    return core.get_aval(_as_value(x) if isinstance(x, (list, tuple)) else x)


class ShapeDtypeStruct:
    def __init__(self, shape, dtype):
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype)

    def __repr__(self):
        return f"ShapeDtypeStruct(shape={self.shape}, dtype={self.dtype.name})"

    def __eq__(self, other):
        return (isinstance(other, ShapeDtypeStruct) and self.shape == other.shape
                and self.dtype == other.dtype)  # fmt: skip

    def __hash__(self):
        return hash((self.shape, self.dtype))


def eval_shape(fun, *args, **kwargs):
    _, shapes = make_jaxpr(lambda *a: fun(*a, **kwargs), return_shape=True)(*args)
    return shapes


# ---------------------------------------------------------------------------------------------
# jvp, linearize, vjp, grad


def jvp(fun, primals, tangents, has_aux=False):
    """(fun(*primals), J·tangents); primals and tangents are tuples of matching pytrees."""
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise JTransTypeError(
            "jvp expects primals and tangents as tuples (or lists) of arguments, e.g. "
            "jvp(f, (x,), (v,))"
        )
    p_flat, in_tree = tree_flatten(tuple(primals))
    t_flat, t_tree = tree_flatten(tuple(tangents))
    if in_tree != t_tree:
        raise JTransValueError(
            f"jvp: primal and tangent arguments must have the same tree structure; got "
            f"{in_tree} and {t_tree}"
        )
    p_flat = [_as_value(p) for p in p_flat]
    t_flat = [_as_value(t) for t in t_flat]
    for p, t in zip(p_flat, t_flat):
        pa, ta = core.get_aval(p), core.get_aval(t)
        if pa.shape != ta.shape:
            raise JTransValueError(
                f"jvp: a primal of shape {pa.shape} got a tangent of shape {ta.shape}; "
                "each tangent must have the shape of its primal"
            )
    box = []
    flat = _flat_fun(_aux_fun(fun, has_aux), tree_structure((tuple(primals), {})), box)
    tangents_in = [t if ad.differentiable(core.get_aval(p)) else ad.Zero.from_value(p)
                   for p, t in zip(p_flat, t_flat)]  # fmt: skip
    out_p, out_t = ad.jvp_flat(flat, p_flat, tangents_in)
    out_tree, out_p, aux = _split_aux(box[0], out_p, has_aux)
    out_t = [ad.instantiate_zeros(t) for t in out_t[: len(out_p)]]
    res = tree_unflatten(out_tree, out_p), tree_unflatten(out_tree, out_t)
    return (res + (aux,)) if has_aux else res


def _aux_fun(fun, has_aux):
    """fun itself, or with has_aux: fun checked to return a pair (output, aux). The aux leaves
    then travel as extra outputs, so transformations hand them back as plain (primal) values."""
    if not has_aux:
        return fun

    def f(*args, **kwargs):
        out = fun(*args, **kwargs)
        if not (isinstance(out, tuple) and len(out) == 2):
            raise JTransTypeError(
                "a function with has_aux=True must return a pair (output, auxiliary data)"
            )
        # as JAX, aux leaves that are not arrays (strings, None, objects) come back as they are
        main, aux = out
        return main, tree_map(lambda v: v if _is_value(v) else _StaticAux(v), aux)

    return f


def _is_value(v):
    return isinstance(v, (Array, core.Tracer, bool, int, float, complex, np.ndarray, np.generic))


class _StaticAux:
    """A non-array auxiliary output carried in the tree structure (no leaves)."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


register_pytree_node(_StaticAux, lambda s: ((), s.value), lambda v, _: _StaticAux(v))


def _unwrap_aux(aux):
    return tree_map(lambda v: v.value if isinstance(v, _StaticAux) else v, aux,
                    is_leaf=lambda v: isinstance(v, _StaticAux))  # fmt: skip


def _split_aux(tree, leaves, has_aux):
    """(main output tree, its leaves, aux pytree) from the outputs of an _aux_fun function."""
    if not has_aux:
        return tree, leaves, None
    main_tree, aux_tree = tree.children
    n = main_tree.num_leaves
    return main_tree, leaves[:n], _unwrap_aux(tree_unflatten(aux_tree, leaves[n:]))


def linearize(fun, *primals):
    """(fun(*primals), f_jvp) where f_jvp(*tangents) evaluates the linearized function."""
    p_flat, in_tree = tree_flatten((primals, {}))
    p_flat = [_as_value(p) for p in p_flat]
    box = []
    out_p, jaxpr, consts = ad.linearize_flat(_flat_fun(fun, in_tree, box), p_flat)
    out_tree = box[0]

    def f_jvp(*tangents):
        t_flat, t_tree = tree_flatten((tangents, {}))
        if t_tree != in_tree:
            raise JTransValueError(f"linearized function expected tangents with structure "
                                   f"{in_tree}, got {t_tree}")  # fmt: skip
        outs = core.eval_jaxpr(jaxpr, consts, *[_as_value(t) for t in t_flat])
        return tree_unflatten(out_tree, outs)

    return tree_unflatten(out_tree, out_p), f_jvp


def vjp(fun, *primals, has_aux=False):
    """(fun(*primals), f_vjp[, aux]) where f_vjp(ct) returns a tuple of input cotangents.
    As in JAX, f_vjp is a pytree (a tree_util.Partial) whose leaves are the residuals, so it
    can be passed through jit, flattened and rebuilt."""
    p_flat, in_tree = tree_flatten((primals, {}))
    p_flat = [_as_value(p) for p in p_flat]
    box = []
    out_all, jaxpr, consts = ad.linearize_flat(
        _flat_fun(_aux_fun(fun, has_aux), in_tree, box), p_flat
    )
    out_tree, out_p, aux = _split_aux(box[0], out_all, has_aux)
    out_avals = tuple(core.get_aval(o) for o in out_p)
    aux_zero_cts = tuple(ad.Zero(ad.tangent_aval(core.get_aval(o))) for o in out_all[len(out_p) :])
    pullback = functools.partial(_vjp_pullback, jaxpr, in_tree, out_tree, out_avals, aux_zero_cts)
    f_vjp = Partial(pullback, list(consts))
    out = tree_unflatten(out_tree, out_p)
    return (out, f_vjp, aux) if has_aux else (out, f_vjp)


def _vjp_pullback(jaxpr, in_tree, out_tree, out_avals, aux_zero_cts, consts, ct):
    ct_flat, ct_tree = tree_flatten(ct)
    if ct_tree != out_tree:
        raise JTransValueError(
            f"vjp function expected a cotangent with the structure of the output "
            f"{out_tree}, got {ct_tree}"
        )
    cts = []
    for c, a in zip(ct_flat, out_avals):
        c = _as_value(c)
        if core.get_aval(c).shape != a.shape:
            raise JTransValueError(
                f"vjp: cotangent of shape {core.get_aval(c).shape} for an output of shape {a.shape}"
            )
        cts.append(c)
    args = [ad.UndefinedPrimal(v.aval) for v in jaxpr.invars]
    cts_in = ad.backward_pass(jaxpr, consts, args, cts + list(aux_zero_cts))
    args, _ = tree_unflatten(in_tree, [ad.instantiate_zeros(c) for c in cts_in])
    return tuple(args)


def value_and_grad(fun, argnums=0, has_aux=False, holomorphic=False, allow_int=False,
                   reduce_axes=()):  # fmt: skip
    """A function returning (fun(*args), gradient of fun with respect to args[argnums])."""

    @functools.wraps(fun)
    def vg(*args, **kwargs):
        single, nums = _argnums_tuple(argnums, len(args))
        diff_args = tuple(args[i] for i in nums)
        f_part = _partial_argnums(fun, args, kwargs, nums)
        # vjp's steps, inlined: one flattening, the seed cotangent straight into backward_pass
        p_flat, in_tree = tree_flatten((diff_args, {}))
        p_flat = [_as_value(p) for p in p_flat]
        for leaf in p_flat:
            aval = core.get_aval(leaf)
            if holomorphic and not dtypes.is_complex(aval.dtype):
                raise JTransTypeError(
                    "grad with holomorphic=True requires inputs with complex dtype, but got "
                    f"{aval.dtype.name}."
                )
            if not allow_int:
                ad.check_grad_input(aval, "grad")
        box = []
        out_all, jaxpr, consts = ad.linearize_flat(
            _flat_fun(_aux_fun(f_part, has_aux), in_tree, box), p_flat
        )
        out_tree, out_leaves, aux = _split_aux(box[0], out_all, has_aux)
        if len(out_leaves) != 1 or core.get_aval(_as_value(out_leaves[0])).shape != ():
            shape = core.get_aval(_as_value(out_leaves[0])).shape if len(out_leaves) == 1 \
                else f"a pytree with {len(out_leaves)} leaves"  # fmt: skip
            raise JTransTypeError(
                f"Gradient only defined for scalar-output functions. Output had shape: {shape}. "
                "For a non-scalar output use jtrans.jacrev, jtrans.jacfwd or jtrans.vjp."
            )
        out_aval = core.get_aval(_as_value(out_leaves[0]))
        _check_grad_output_dtype(out_aval.dtype, holomorphic)
        if not dtypes.is_inexact(out_aval.dtype):
            raise JTransTypeError(
                f"grad requires a real- or complex-valued output, got {out_aval.dtype.name}"
            )
        cts = [_ones_like(out_leaves[0])]
        cts += [ad.Zero(ad.tangent_aval(core.get_aval(o))) for o in out_all[1:]]  # aux
        lin_args = [ad.UndefinedPrimal(v.aval) for v in jaxpr.invars]
        cts_in = ad.backward_pass(jaxpr, consts, lin_args, cts)
        g_flat = [ad.instantiate_zeros(c) for c in cts_in]
        if allow_int:  # as JAX: integer and bool inputs get float0 zeros (NumPy arrays)
            g_flat = [
                g_ if ad.differentiable(core.get_aval(p)) else
                np.zeros(core.get_aval(p).shape, dtypes.float0)
                for g_, p in zip(g_flat, p_flat)
            ]  # fmt: skip
        g, _ = tree_unflatten(in_tree, g_flat)
        g = g[0] if single else tuple(g)
        out = tree_unflatten(out_tree, out_leaves)
        if has_aux:
            return (out, aux), g
        return out, g

    return vg


def _check_grad_output_dtype(dtype, holomorphic):
    """JAX's rule: complex outputs need holomorphic=True, which in turn needs them complex."""
    if holomorphic and not dtypes.is_complex(dtype):
        raise JTransTypeError(
            f"grad with holomorphic=True requires outputs with complex dtype, but got {dtype.name}."
        )
    if not holomorphic and dtypes.is_complex(dtype):
        raise JTransTypeError(
            "grad requires real-valued outputs (output dtype that is a sub-dtype of np.floating), "
            f"but got {dtype.name}. For holomorphic differentiation, pass holomorphic=True. For "
            "differentiation of non-holomorphic functions involving complex outputs, use "
            "jtrans.vjp directly."
        )


def _ones_like(x):
    """The cotangent seed: ones of x's type, weak type included (as JAX's)."""
    from . import lax

    x = _as_value(x)
    aval = core.get_aval(x)
    return lax.broadcast_in_dim(Array(np.ones((), aval.dtype), aval.weak_type), aval.shape, ())


def grad(fun, argnums=0, has_aux=False, holomorphic=False, allow_int=False, reduce_axes=()):
    """The gradient of scalar-valued `fun` with respect to args[argnums]."""
    vg = value_and_grad(fun, argnums, has_aux, holomorphic, allow_int)

    @functools.wraps(fun)
    def g(*args, **kwargs):
        (out, aux), gr = vg(*args, **kwargs) if has_aux else ((None, None), vg(*args, **kwargs)[1])
        return (gr, aux) if has_aux else gr

    return g


def _primal_aval(p):
    """linear_transpose reads only the shape and dtype of a primal (duck-typed, as in JAX:
    a ShapeDtypeStruct or any object with both attributes will do)."""
    if not isinstance(p, (Array, core.Tracer, np.ndarray, np.generic)) and (
        hasattr(p, "shape") and hasattr(p, "dtype")
    ):
        return core.ShapedArray(tuple(p.shape), dtypes.canonicalize_dtype(p.dtype))
    return core.get_aval(_as_value(p))


def linear_transpose(fun, *primals, reduce_axes=()):
    """The transpose of linear `fun`, traced at the shapes of `primals`."""
    p_flat, in_tree = tree_flatten((primals, {}))
    avals = [_primal_aval(p) for p in p_flat]
    box = []
    jaxpr, consts = pe.trace_to_jaxpr(_flat_fun(fun, in_tree, box), avals)
    out_tree = box[0]

    def transposed(ct):
        from . import lax

        ct_flat, ct_tree = tree_flatten(ct)
        if ct_tree != out_tree:
            raise JTransValueError(f"linear_transpose: expected cotangent structure {out_tree}, "
                                   f"got {ct_tree}")  # fmt: skip
        args = [ad.UndefinedPrimal(a) for a in avals]
        cts = ad.backward_pass(jaxpr, consts, args, [_as_value(c) for c in ct_flat])
        cts = [ad.instantiate_zeros(c) for c in cts]
        # each cotangent takes its primal's type (a float32 primal gives a strong float32)
        cts = [lax.convert_element_type(c, a.dtype, a.weak_type) if dtypes.is_inexact(a.dtype)
               and core.get_aval(c).dtype == a.dtype else c for c, a in zip(cts, avals)]  # fmt: skip
        return tuple(tree_unflatten(in_tree, cts)[0])

    return transposed


# ---------------------------------------------------------------------------------------------
# vmap


def vmap(fun, in_axes=0, out_axes=0, axis_name=None, axis_size=None, spmd_axis_name=None):
    """Vectorizes `fun` over the axes `in_axes` of its arguments (JAX's semantics)."""
    if isinstance(in_axes, list):
        in_axes = tuple(in_axes)
    if not (in_axes is None or isinstance(in_axes, (int, tuple))):
        raise JTransTypeError(
            "vmap in_axes must be an int, None, or a tuple with one entry per positional argument "
            f"(entries may be pytrees, e.g. a dict for a dict argument), got {in_axes!r}"
        )

    @functools.wraps(fun)
    def batched(*args, **kwargs):
        # keyword arguments are always mapped over their axis 0, as in JAX
        flat, in_tree = tree_flatten((args, kwargs))
        num_kw = len(tree_flatten(kwargs)[0])
        if isinstance(in_axes, tuple) and len(in_axes) != len(args):
            raise JTransValueError(
                f"vmap in_axes has {len(in_axes)} entries but the function was called with "
                f"{len(args)} positional arguments; in_axes must be an int, None, or a tuple "
                "with one entry per argument"
            )
        try:
            dims = (
                [in_axes] * (len(flat) - num_kw)
                if not isinstance(in_axes, tuple)
                else _broadcast_prefix(in_axes, args)
            ) + [0] * num_kw
        except JTransValueError as e:
            raise JTransValueError(
                f"vmap in_axes specification does not match the arguments: {e}"
            ) from None
        # unmapped Python scalars reach `fun` as they are (as in JAX: `y * 2.` stays a float)
        flat = [x if d is None and type(x) in (bool, int, float, complex) else _as_value(x)
                for x, d in zip(flat, dims)]  # fmt: skip
        sizes = {}
        norm_dims = []
        for i, (x, d) in enumerate(zip(flat, dims)):
            if d is None:
                norm_dims.append(None)
                continue
            nd = core.get_aval(x).ndim
            if not -nd <= d < nd:
                raise JTransValueError(
                    f"vmap in_axes={d} for an argument of rank {nd} (shape "
                    f"{core.get_aval(x).shape}): the axis must be in [{-nd}, {nd - 1}]"
                )
            d = d % nd
            norm_dims.append(d)
            sizes.setdefault(core.get_aval(x).shape[d], []).append(i)
        if axis_size is not None:
            size = axis_size
            if sizes and set(sizes) != {axis_size}:
                raise JTransValueError(f"vmap axis_size={axis_size} but mapped axes have sizes "
                                       f"{sorted(sizes)}")  # fmt: skip
        elif not sizes:
            raise JTransValueError(
                "vmap needs at least one mapped argument (in_axes all None) or axis_size"
            )
        elif len(sizes) > 1:
            detail = "; ".join(f"arguments at flat positions {v} have size {k}"
                               for k, v in sizes.items())  # fmt: skip
            raise JTransValueError(
                f"vmap got inconsistent sizes for the array axes to be mapped: {detail}"
            )
        else:
            size = next(iter(sizes))
        box = []

        def flat_fun(*xs):
            xargs, xkwargs = tree_unflatten(in_tree, xs)
            out = fun(*xargs, **xkwargs)
            leaves, tree = tree_flatten(out)
            box.append(tree)
            return leaves

        # out_axes need the output tree, known only after tracing: resolve lazily
        trace = batching.BatchTrace(size, axis_name)
        tracers = [x if d is None else batching.BatchTracer(trace, x, d)
                   for x, d in zip(flat, norm_dims)]  # fmt: skip
        with core.new_trace(trace):
            outs = flat_fun(*tracers)
        out_tree = box[0]
        if isinstance(out_axes, (int, type(None))):
            odims = [out_axes] * len(outs)
        else:
            try:
                odims = _broadcast_prefix(out_axes, tree_unflatten(out_tree, outs))
            except JTransValueError as e:
                raise JTransValueError(
                    f"vmap out_axes specification does not match the outputs: {e}"
                ) from None
        results = _finish(trace, outs, odims, size)
        return tree_unflatten(out_tree, results)

    return batched


def _finish(trace, outs, odims, size):
    results = []
    for o, od in zip(outs, odims):
        if od is None and not isinstance(o, core.Tracer):
            results.append(o)  # an output computed from unmapped values only is returned as is
            continue
        v, d = trace.unpack(_as_value(o) if not isinstance(o, core.Tracer) else o)
        if od is None:
            if d is not None:
                raise JTransValueError(
                    "vmap has out_axes=None for an output that is mapped; out_axes=None is "
                    "only allowed for outputs that do not depend on the mapped axis"
                )
            results.append(v)
            continue
        nd = core.get_aval(v).ndim - (d is not None)
        if not -nd - 1 <= od <= nd:
            raise JTransValueError(
                f"vmap out_axes={od} does not fit an output of rank {nd} (valid: {-nd - 1} to {nd})"
            )
        results.append(batching.move_bdim(v, d, od % (nd + 1), size))
    return results


def _broadcast_prefix(prefix, tree):
    """One axis per leaf of `tree`, from the axes spec `prefix` (a tree prefix of it, None
    being a leaf)."""
    leaves, td = tree_flatten(prefix, is_leaf=lambda x: x is None)
    subtrees = flatten_up_to(td, tree)
    out = []
    for ax, sub in zip(leaves, subtrees):
        if ax is not None and not isinstance(ax, int):
            raise JTransValueError(f"an axis spec must be an int or None, got {ax!r}")
        out.extend([ax] * len(tree_flatten(sub)[0]))
    return out


# ---------------------------------------------------------------------------------------------
# pmap


def pmap(fun, axis_name=None, *, in_axes=0, out_axes=0, static_broadcasted_argnums=(),
         devices=None, backend=None, axis_size=None, donate_argnums=(),
         global_arg_shapes=None):  # fmt: skip
    """Maps `fun` over axis `in_axes` of its arguments, with collectives (`lax.psum`, ...) over
    `axis_name` (JAX's pmap). This system has one device, so the mapped axis runs as a batch on
    it: `pmap(f)` is `jit(vmap(f, in_axes, out_axes, axis_name=axis_name))` and accepts any
    axis size (JAX would refuse more members than devices). Arguments at
    `static_broadcasted_argnums` are passed to every member unchanged and must be hashable (a
    new value compiles anew). `devices`, `backend` and `donate_argnums` are accepted and ignored.
    """
    if isinstance(static_broadcasted_argnums, int):
        static_broadcasted_argnums = (static_broadcasted_argnums,)
    static_nums = tuple(static_broadcasted_argnums)
    if isinstance(in_axes, list):
        in_axes = tuple(in_axes)
    compiled = {}

    @functools.wraps(fun)
    def pmapped(*args, **kwargs):
        n = len(args)
        nums = sorted({i % n for i in static_nums if -n <= i < n})
        statics = tuple((i, args[i]) for i in nums)
        try:
            hash(statics)
        except TypeError:
            raise JTransValueError(
                f"pmap: static_broadcasted_argnums={static_nums} names an argument of "
                "unhashable type; static arguments must be hashable (e.g. a tuple, not a list)"
            ) from None
        key = (n, statics)
        f = compiled.get(key)
        if f is None:
            static_map = dict(statics)

            @functools.wraps(fun)
            def member(*dyn, **kw):
                it = iter(dyn)
                return fun(*[static_map[i] if i in static_map else next(it) for i in range(n)],
                           **kw)  # fmt: skip

            axes = in_axes
            if isinstance(in_axes, tuple) and nums:
                if len(in_axes) != n:
                    raise JTransValueError(
                        f"pmap in_axes has {len(in_axes)} entries but the function was called "
                        f"with {n} positional arguments"
                    )
                axes = tuple(a for i, a in enumerate(in_axes) if i not in static_map)
            mapped = vmap(member, axes, out_axes, axis_name=axis_name, axis_size=axis_size)
            f = compiled[key] = jit(mapped)
        return f(*[a for i, a in enumerate(args) if i not in nums], **kwargs)

    return pmapped


# ---------------------------------------------------------------------------------------------
# jacobians


def _std_basis(flat):
    from . import numpy as jnp

    sizes = [int(np.prod(core.get_aval(x).shape)) for x in flat]
    total = sum(sizes)
    dt = dtypes.result_type(*flat) if flat else dtypes.default_float()
    return jnp.eye(total, dtype=dt), sizes


def jacfwd(fun, argnums=0, has_aux=False, holomorphic=False):
    """The Jacobian by forward mode: vmap of jvp over a basis of input tangents."""

    def jac(*args, **kwargs):
        single, nums = _argnums_tuple(argnums, len(args))
        dargs = tuple(args[i] for i in nums)

        f_part = _partial_argnums(fun, args, kwargs, nums)

        d_flat, d_tree = tree_flatten(dargs)
        d_flat = [_as_value(x) for x in d_flat]
        for x in d_flat:
            ad.check_grad_input(core.get_aval(x), "jacfwd")
        basis, sizes = _std_basis(d_flat)

        def push(row):
            tans, off = [], 0
            for x, s in zip(d_flat, sizes):
                a = core.get_aval(x)
                tans.append(row[off : off + s].reshape(a.shape).astype(a.dtype))
                off += s
            res = jvp(f_part, tree_unflatten(d_tree, d_flat), tree_unflatten(d_tree, tans),
                      has_aux=has_aux)  # fmt: skip
            return res[1:] if has_aux else res[1]

        out = vmap(push, in_axes=0, out_axes=-1)(basis)
        aux = None
        if has_aux:
            out, aux = out
            aux = tree_map(lambda a: a[..., 0] if hasattr(a, "ndim") and a.ndim else a, aux)
        y = f_part(*dargs)
        if has_aux:
            y = y[0]

        def split(o):
            # o: out_shape + (total,) -> per-input jacobians out_shape + in_shape
            parts, off = [], 0
            for x, s in zip(d_flat, sizes):
                a = core.get_aval(x)
                parts.append(o[..., off : off + s].reshape(o.shape[:-1] + a.shape))
                off += s
            res = tree_unflatten(d_tree, parts)
            return res[0] if single else res

        jac_tree = tree_map(split, out)
        return (jac_tree, aux) if has_aux else jac_tree

    return jac


def jacrev(fun, argnums=0, has_aux=False, holomorphic=False, allow_int=False):
    """The Jacobian by reverse mode: vmap of vjp over a basis of output cotangents."""

    def jac(*args, **kwargs):
        single, nums = _argnums_tuple(argnums, len(args))
        dargs = tuple(args[i] for i in nums)

        f_part = _partial_argnums(fun, args, kwargs, nums)

        for x in tree_flatten(dargs)[0]:
            ad.check_grad_input(core.get_aval(_as_value(x)), "jacrev")
        res = vjp(f_part, *dargs, has_aux=has_aux)
        y, f_vjp = res[0], res[1]
        y_flat, y_tree = tree_flatten(y)
        y_flat = [_as_value(v) for v in y_flat]
        basis, sizes = _std_basis(y_flat)

        def pull(row):
            cts, off = [], 0
            for v, s in zip(y_flat, sizes):
                a = core.get_aval(v)
                cts.append(row[off : off + s].reshape(a.shape).astype(a.dtype))
                off += s
            return f_vjp(tree_unflatten(y_tree, cts))

        rows = vmap(pull)(basis)  # tuple over args; each (total_out,) + in_shape
        per_out = []
        for k, (v, s) in enumerate(zip(y_flat, sizes)):
            off = sum(sizes[:k])
            a = core.get_aval(v)

            def piece(r, off=off, s=s, a=a):
                return r[off : off + s].reshape(a.shape + r.shape[1:])

            per_arg = tree_map(piece, rows)
            per_out.append(per_arg[0] if single else per_arg)
        out = tree_unflatten(y_tree, per_out)
        return (out, res[2]) if has_aux else out

    return jac


def hessian(fun, argnums=0, has_aux=False, holomorphic=False):
    return jacfwd(jacrev(fun, argnums, has_aux), argnums, has_aux)


# ---------------------------------------------------------------------------------------------
# jit


class _JitCache:
    def __init__(self):
        self.entries = {}
        self.lock = threading.Lock()
        self.last_key = None


# traces are shared by every jit wrapper of one function with the same options (as in JAX:
# jit(f) written twice traces f once per signature); dropped with the function
_trace_caches = weakref.WeakKeyDictionary()


def _shared_cache(fun, options):
    try:
        per_fun = _trace_caches.setdefault(fun, {})
        return per_fun.setdefault(options, _JitCache())
    except TypeError:  # not weak-referenceable or unhashable: a cache of this wrapper's own
        return _JitCache()


class Lowered:
    """`jit(f).lower(*args)`: the staged computation, inspectable at every compiler stage."""

    def __init__(self, closed, name, out_tree, jitted=None):
        self.jaxpr = closed
        self.name = name
        self.out_tree = out_tree
        self._jitted = jitted

    def as_text(self, stage="jaxpr"):
        if stage == "jaxpr":
            return str(self.jaxpr)
        from .interpreters import jit as jit_mod

        if jit_mod._compiler is None:
            raise NotImplementedError(
                f"stage {stage!r} needs the compiler (jtrans.lowering), which is not available"
            )
        return jit_mod.lower_text(self.jaxpr, self.name, stage)

    def compile(self):
        """The executable (compiled now), callable with arguments of the lowered signature."""
        from .interpreters import jit as jit_mod

        if jit_mod._compiler is not None:
            jit_mod.compiled_executable(self.jaxpr, self.name)
        return Compiled(self)

    def cost_analysis(self):
        """An estimate of the computation's cost, with XLA's keys: 'flops' (2 per multiply-add
        of a dot_general, 1 per element of other arithmetic and per reduced element),
        'transcendentals' (elements of exp, log, sin, ...), 'bytes accessed' (of the
        arguments and results)."""
        flops, trans = _jaxpr_cost(self.jaxpr.jaxpr)
        jaxpr = self.jaxpr.jaxpr
        nbytes = sum(_aval_bytes(v.aval) for v in (*jaxpr.invars, *jaxpr.outvars))
        out = {"flops": float(flops), "bytes accessed": float(nbytes)}
        if trans:
            out["transcendentals"] = float(trans)
        return out


# the elementwise primitives cost_analysis counts as transcendentals; other elementwise
# arithmetic costs one flop per element
_TRANSCENDENTAL = frozenset(
    "exp exp2 expm1 log log1p sin cos tan asin acos atan atan2 sinh cosh tanh asinh acosh atanh "
    "logistic erf erfc erf_inv lgamma digamma pow sqrt rsqrt cbrt".split()
)
_FREE = frozenset(
    "broadcast_in_dim reshape transpose squeeze expand_dims convert_element_type slice "
    "dynamic_slice dynamic_update_slice concatenate pad gather scatter iota select_n copy "
    "rev bitcast_convert_type".split()
)


def _aval_bytes(aval):
    return int(np.prod(aval.shape, dtype=np.int64)) * np.dtype(aval.dtype).itemsize


def _jaxpr_cost(jaxpr):
    """(flops, transcendentals) of a jaxpr, sub-jaxprs included (a scan's body times its
    length; a cond's most expensive branch)."""
    flops = trans = 0
    for eqn in jaxpr.eqns:
        name = eqn.prim.name
        subs = []
        for v in eqn.params.values():
            for j in v if isinstance(v, (tuple, list)) else (v,):
                if isinstance(j, (core.ClosedJaxpr, core.Jaxpr)):
                    subs.append(_jaxpr_cost(j.jaxpr if isinstance(j, core.ClosedJaxpr) else j))
        if subs:
            if name == "cond":
                f, t = max(subs)
            else:
                f, t = sum(c[0] for c in subs), sum(c[1] for c in subs)
            times = int(eqn.params.get("length", 1)) if name == "scan" else 1
            flops, trans = flops + f * times, trans + t * times
            continue
        out_size = sum(int(np.prod(v.aval.shape, dtype=np.int64)) for v in eqn.outvars)
        if name == "dot_general":
            (lc, _), _ = eqn.params["dimension_numbers"]
            lshape = eqn.invars[0].aval.shape
            k = int(np.prod([lshape[d] for d in lc], dtype=np.int64))
            flops += 2 * out_size * k
        elif name.startswith("reduce_") or name.startswith("cum") or name.startswith("arg"):
            in_size = int(np.prod(eqn.invars[0].aval.shape, dtype=np.int64))
            flops += max(in_size - out_size, 0) if name.startswith(("reduce_", "arg")) else in_size
        elif name in _TRANSCENDENTAL:
            trans += out_size
        elif name not in _FREE:
            flops += out_size
    return flops, trans


class Compiled:
    def __init__(self, lowered):
        self.lowered = lowered

    def __call__(self, *args, **kwargs):
        return self.lowered._jitted(*args, **kwargs)

    def as_text(self, stage="kernels"):
        return self.lowered.as_text(stage)

    def cost_analysis(self):
        return self.lowered.cost_analysis()


def _check_static_args(sig, static_nums, static_names):
    """As JAX, at jit time: static_argnums within the positional parameters and
    static_argnames among the parameters (unless the function takes *args / **kwargs)."""
    kinds = [p.kind for p in sig.parameters.values()]
    P = inspect.Parameter
    if P.VAR_POSITIONAL not in kinds:
        npos = sum(k in (P.POSITIONAL_ONLY, P.POSITIONAL_OR_KEYWORD) for k in kinds)
        if any(not -npos <= i < npos for i in static_nums):
            raise JTransValueError(
                f"Jitted function has static_argnums={tuple(static_nums)}, but only accepts "
                f"{npos} positional arguments."
            )
    if P.VAR_KEYWORD not in kinds:
        named = {n for n, p in sig.parameters.items() if p.kind != P.POSITIONAL_ONLY}
        bad = set(static_names) - named
        if bad:
            raise JTransValueError(
                f"Jitted function has invalid argnames {bad} in static_argnames. Function does "
                "not take these args."
            )


def jit(fun=None, *, static_argnums=(), static_argnames=(), donate_argnums=(), device=None,
        inline=False, **kwargs):  # fmt: skip
    """Compiles `fun`: traced once per argument signature into a jaxpr bound as `jit_p`."""
    if fun is None:
        return functools.partial(
            jit,
            static_argnums=static_argnums,
            static_argnames=static_argnames,
            donate_argnums=donate_argnums,
            device=device,
        )
    static_nums = (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums)
    static_names = (static_argnames,) if isinstance(static_argnames, str) else \
        tuple(static_argnames)  # fmt: skip
    try:
        sig = inspect.signature(fun)
    except (TypeError, ValueError):
        sig = None
    if sig is not None:
        _check_static_args(sig, static_nums, static_names)
    if sig is not None and static_names and not static_nums:
        params = list(sig.parameters)
        static_nums = tuple(params.index(n) for n in static_names if n in params)
    cache = _shared_cache(fun, (static_nums, static_names, device, inline))
    name = getattr(fun, "__name__", "fun")

    def _split(args, kwargs):
        statics = []
        dyn_args = []
        for i, a in enumerate(args):
            if i in static_nums or (i - len(args)) in static_nums:
                try:
                    hash(a)
                except TypeError:
                    raise JTransValueError(
                        f"jit: static argument {i} of {name} has unhashable type "
                        f"{type(a).__name__}; static arguments must be hashable (use a tuple "
                        "instead of a list, or make it a non-static argument)"
                    ) from None
                statics.append((i, a))
            else:
                dyn_args.append(a)
        dyn_kwargs = {}
        for k, v in kwargs.items():
            if k in static_names:
                try:
                    hash(v)
                except TypeError:
                    raise JTransValueError(
                        f"jit: static argument {k!r} of {name} has unhashable type "
                        f"{type(v).__name__}"
                    ) from None
                statics.append((k, v))
            else:
                dyn_kwargs[k] = v
        return tuple(statics), dyn_args, dyn_kwargs

    def _trace(statics, dyn_args, dyn_kwargs, n_args):
        static_map = dict(statics)
        flat, in_tree = tree_flatten((dyn_args, dyn_kwargs))
        flat = [_as_value(x) for x in flat]
        avals = [core.get_aval(x) for x in flat]
        # collectives bake the sizes of the named axes around them into the jaxpr; the options
        # that change what tracing produces are part of the key too (as in JAX)
        opts = (
            config.jax_enable_x64,
            config.jax_threefry_partitionable,
            config.jax_numpy_rank_promotion,
        )
        key = (in_tree, tuple(avals), statics, batching.axis_env(), opts)
        entry = cache.entries.get(key)
        if entry is None:
            box = []

            def flat_fun(*xs):
                dargs, dkw = tree_unflatten(in_tree, xs)
                it = iter(dargs)
                full = [static_map[i] if i in static_map else next(it) for i in range(n_args)]
                kw = dict(dkw)
                kw.update({k: v for k, v in statics if isinstance(k, str)})
                out = fun(*full, **kw)
                leaves, tree = tree_flatten(out)
                box.append(tree)
                return [_as_value(o) for o in leaves]

            if config.jax_log_compiles or config.jax_explain_cache_misses:
                _log_compile(name, cache, key)
            jaxpr, consts = pe.trace_to_jaxpr(flat_fun, avals)
            jaxpr = pe.dce_jaxpr(jaxpr)[0]
            closed, const_args = pe.close_jaxpr(jaxpr, consts)
            entry = (closed, const_args, box[0])
            if not const_args:  # closures over tracers are retraced each call
                with cache.lock:
                    cache.entries[key] = entry
        return entry, flat

    # The warm-call fast path: eager calls with plain Array arguments (no statics, keywords or
    # devices) go straight to the executable, keyed on each argument's (shape, dtype, weak type).
    fast = {}
    fast_state = [config.trace_state]  # the options `fast`'s executables were traced under
    eval_trace, ctx = core.eval_trace, core._ctx
    fast_ok = not static_nums and not static_names and device is None

    canon = {}  # NumPy dtype -> the dtype jtrans gives it (under fast_state's options)

    def _fast_key(args):
        """(shape, dtype, weak type) of each Array or NumPy array argument (a NumPy array is
        strongly typed, its dtype canonicalized: the executable converts it, as the traced path
        would); the key is short when another kind of argument is among them."""
        key = []
        for a in args:
            t = type(a)
            if t is Array:
                key.append((a._value.shape, a._value.dtype, a.weak_type))
            elif t is np.ndarray:
                dt = canon.get(a.dtype)
                if dt is None:
                    if a.dtype.kind not in "biufc":
                        break
                    dt = canon[a.dtype] = dtypes.canonicalize_dtype(a.dtype)
                key.append((a.shape, dt, False))
        return tuple(key)

    @functools.wraps(fun)
    def jitted(*args, **kwargs):
        if config.jax_disable_jit:
            return fun(*args, **kwargs)
        if config.debug_checks:  # checked outputs (debug_nans / debug_infs)
            from . import _misc

            if not _misc.jit_check_running():
                return _misc.debug_check_jit(jitted, fun, name, args, kwargs)
        eligible = fast_ok and not kwargs and ctx.trace is eval_trace
        if eligible:
            if config.trace_state is not fast_state[0]:  # an option traces depend on changed
                fast.clear()
                canon.clear()
                fast_state[0] = config.trace_state
            key = _fast_key(args)
            if len(key) == len(args):  # flat Array arguments
                leaves = args
            else:  # pytrees of Arrays (parameter lists, dicts): key on structure and leaves
                leaves, treedef = tree_flatten(args)
                key = _fast_key(leaves)
                key = (treedef, key) if len(key) == len(leaves) else None
            hit = fast.get(key) if key is not None else None
            if hit is not None:
                exe, out_tree, weak = hit
                outs = exe(*[a._value if type(a) is Array else a for a in leaves])
                return tree_unflatten(out_tree, [Array(o, w) for o, w in zip(outs, weak)])
        statics, dyn_args, dyn_kwargs = _split(args, kwargs)
        (closed, const_args, out_tree), flat = _trace(statics, dyn_args, dyn_kwargs, len(args))
        if device is not None or _array_mod.device_arrays_made:  # a GPU, or GPU arguments
            from .lowering import cuda_exec

            outs = cuda_exec.jit_call(device, closed, name, [*const_args, *flat])
            if outs is not None:
                return tree_unflatten(out_tree, outs)
        outs = jit_p.bind(*const_args, *flat, name=name, jaxpr=closed)
        if (eligible and not const_args and jit_mod._compiler is not None
                and not _array_mod.device_arrays_made and key is not None):  # fmt: skip
            exe = jit_mod.compiled_executable(closed, name)
            fast[key] = (exe, out_tree, [a.weak_type for a in closed.out_avals])
        return tree_unflatten(out_tree, outs)

    def trace(*args, **kwargs):  # the stages of JAX's AOT API (jtrans.stages)
        from . import stages

        statics, dyn_args, dyn_kwargs = _split(args, kwargs)
        (closed, _, out_tree), _ = _trace(statics, dyn_args, dyn_kwargs, len(args))
        return stages.trace(jitted, name, closed, out_tree, dyn_args, dyn_kwargs, statics)

    jitted.trace = trace
    jitted.lower = lambda *args, **kwargs: trace(*args, **kwargs).lower()
    jitted.eval_shape = lambda *args, **kwargs: trace(*args, **kwargs).out_info
    jitted._cache = cache
    jitted.clear_cache = lambda: (cache.entries.clear(), fast.clear())
    return jitted


def _log_compile(name, cache, key):
    import logging

    prev = cache.last_key
    reason = "first call"
    if prev is not None:
        diffs = []
        if prev[0] != key[0]:
            diffs.append(f"argument structure changed from {prev[0]} to {key[0]}")
        for i, (a, b) in enumerate(zip(prev[1], key[1])):
            if a != b:
                diffs.append(f"flat argument {i} changed from {a.str_short(True)}"
                             f"{' (weak)' if a.weak_type else ''} to {b.str_short(True)}"
                             f"{' (weak)' if b.weak_type else ''}")  # fmt: skip
        if prev[2] != key[2]:
            diffs.append(f"static arguments changed from {prev[2]} to {key[2]}")
        reason = "; ".join(diffs) or "new signature"
    cache.last_key = key
    logging.getLogger("jtrans").warning("Compiling %s: %s", name, reason)


def disable_jit(disable=True):
    return _ConfigCtx("jax_disable_jit", disable)


class _ConfigCtx:
    def __init__(self, name, value):
        self.name, self.value = name, value

    def __enter__(self):
        self.prev = config.read(self.name)
        config.update(self.name, self.value)

    def __exit__(self, *exc):
        config.update(self.name, self.prev)
