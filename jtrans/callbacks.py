"""pure_callback: call a pure Python / NumPy function from transformed code (JAX's
`jax.pure_callback`). The `pure_callback` primitive carries the callback and the result shapes;
under jit it runs as a call-out at every call; it may be removed when its results are unused
(it is pure). Under vmap it follows `vmap_method`; it has no derivative (use custom_jvp or
custom_vjp around it), as in JAX."""

import numpy as np

from . import core, dtypes
from .errors import JTransTypeError, JTransValueError
from .interpreters import ad, batching
from .tree_util import tree_flatten, tree_unflatten

__all__ = ["pure_callback"]

_VMAP_METHODS = ("sequential", "sequential_unrolled", "expand_dims", "broadcast_all",
                 "legacy_vectorized")  # fmt: skip


class _Flat:
    """The user's callback on flat NumPy values, returning flat results checked against the
    declared shapes and dtypes."""

    def __init__(self, fn, in_tree, out_tree, kwargs):
        self.fn, self.in_tree, self.out_tree, self.kwargs = fn, in_tree, out_tree, kwargs

    def __call__(self, vals, result_avals):
        args = tree_unflatten(self.in_tree, [np.asarray(v) for v in vals])
        out = self.fn(*args, **self.kwargs)
        flat, tree = tree_flatten(out)
        if tree != self.out_tree:
            raise JTransTypeError(
                f"pure_callback: the callback returned a value of structure {tree}, but "
                f"result_shape_dtypes declares {self.out_tree}"
            )
        res = []
        for i, (o, a) in enumerate(zip(flat, result_avals)):
            o = np.asarray(o)
            if o.shape != a.shape:
                raise JTransValueError(
                    f"pure_callback: result {i} has shape {o.shape}, but result_shape_dtypes "
                    f"declares {a.shape}"
                )
            if o.dtype != a.dtype:
                if o.dtype.kind != np.dtype(a.dtype).kind:
                    raise JTransTypeError(
                        f"pure_callback: result {i} has dtype {o.dtype.name}, but "
                        f"result_shape_dtypes declares {np.dtype(a.dtype).name}"
                    )
                o = o.astype(a.dtype)  # same kind, other width (e.g. float64 from NumPy)
            res.append(o)
        return res

    def __repr__(self):
        return getattr(self.fn, "__name__", "callback")


def _pure_callback_impl(*args, callback, result_avals, vmap_method):
    return callback(args, result_avals)


pure_callback_p = core.Primitive("pure_callback")
pure_callback_p.multiple_results = True
core.impl_rules[pure_callback_p] = _pure_callback_impl
core.abstract_eval_rules[pure_callback_p] = lambda *avals, result_avals, **_: list(result_avals)


def _pure_callback_jvp(primals, tangents, **params):
    raise ValueError(
        "Pure callbacks do not support JVP. Please use `jtrans.custom_jvp` to use callbacks "
        "while taking gradients."
    )


def _pure_callback_transpose(cts, *args, **params):
    raise ValueError(
        "Pure callbacks do not support transpose. Please use `jtrans.custom_vjp` to use "
        "callbacks while taking gradients."
    )


ad.jvp_rules[pure_callback_p] = _pure_callback_jvp
ad.transpose_rules[pure_callback_p] = _pure_callback_transpose


# vmap, by vmap_method (JAX's rule): "sequential" maps the callback over the batch with a scan;
# "expand_dims" calls it once with unbatched arguments given a leading axis of size 1;
# "broadcast_all" once with every argument broadcast to the batch; "legacy_vectorized" once with
# unbatched arguments left as they are
def _pure_callback_batch(vals, dims, *, callback, result_avals, vmap_method):
    from . import lax

    size = batching.current_axis_size()
    vals = [v if d is None else batching.moveaxis(v, d, 0) for v, d in zip(vals, dims)]
    batched_avals = tuple(core.ShapedArray((size, *a.shape), a.dtype) for a in result_avals)
    if vmap_method in ("expand_dims", "broadcast_all", "legacy_vectorized"):
        if vmap_method != "legacy_vectorized":
            n = size if vmap_method == "broadcast_all" else 1
            vals = [lax.broadcast(v, (n,)) if d is None else v for v, d in zip(vals, dims)]
        outs = pure_callback_p.bind(*vals, callback=callback, result_avals=batched_avals,
                                    vmap_method=vmap_method)  # fmt: skip
    elif vmap_method in ("sequential", "sequential_unrolled"):
        batched = [d is not None for d in dims]

        def body(carry, xs):
            it = iter(xs)
            args = [next(it) if b else v for v, b in zip(vals, batched)]
            return carry, pure_callback_p.bind(*args, callback=callback,
                                               result_avals=result_avals,
                                               vmap_method=vmap_method)  # fmt: skip

        _, outs = lax.scan(body, (), [v for v, b in zip(vals, batched) if b])
    else:
        raise NotImplementedError(
            "vmap is only supported for the pure_callback primitive when vmap_method is one of "
            "'sequential', 'sequential_unrolled', 'expand_dims', 'broadcast_all', or "
            f"'legacy_vectorized'. Got vmap_method={vmap_method!r}."
        )
    return list(outs), [0] * len(outs)


batching.batch_rules[pure_callback_p] = _pure_callback_batch


def _result_aval(x):
    shape, dtype = getattr(x, "shape", None), getattr(x, "dtype", None)
    if shape is None or dtype is None:
        raise JTransTypeError(
            "pure_callback: result_shape_dtypes must be a pytree of objects with .shape and "
            f".dtype (jtrans.ShapeDtypeStruct, arrays), got {x!r}"
        )
    return core.ShapedArray(tuple(shape), dtypes.canonicalize_dtype(np.dtype(dtype)))


def pure_callback(callback, result_shape_dtypes, *args, sharding=None, vmap_method=None,
                  **kwargs):  # fmt: skip
    """Calls the pure function `callback(*args, **kwargs)` on NumPy values and returns its result
    (shapes and dtypes as declared by `result_shape_dtypes`), eagerly and from jitted code.
    vmap_method says how it batches: "sequential" (one call per element), "expand_dims"
    (one call, unbatched arguments with a leading axis of size 1), "broadcast_all" (one call,
    all arguments broadcast). It is not differentiable: wrap it in custom_jvp / custom_vjp."""
    if vmap_method is not None and vmap_method not in _VMAP_METHODS:
        raise JTransValueError(
            f"pure_callback: vmap_method must be one of {_VMAP_METHODS} or None, got "
            f"{vmap_method!r}"
        )
    from .lax import as_operand

    flat, in_tree = tree_flatten(args)
    flat = [x if isinstance(x, (core.Tracer, core._array_type)) else as_operand(x) for x in flat]
    out_flat, out_tree = tree_flatten(result_shape_dtypes)
    result_avals = tuple(_result_aval(x) for x in out_flat)
    outs = pure_callback_p.bind(*flat, callback=_Flat(callback, in_tree, out_tree, kwargs),
                                result_avals=result_avals, vmap_method=vmap_method)  # fmt: skip
    return tree_unflatten(out_tree, outs)
