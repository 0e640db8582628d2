"""Small top-level helpers of JAX's API: host transfers, device counts, type queries, scopes."""

import contextlib

import numpy as np

from . import core, dtypes
from .tree_util import register_pytree_node, tree_flatten, tree_map, tree_unflatten

# the dtype of tangents of integer values (JAX's float0); jtrans uses symbolic zeros for them
float0 = np.dtype([("float0", np.void, 0)])


def device_get(x):
    """A pytree of arrays as NumPy arrays on the host (leaves that are not arrays pass through)."""

    def get(leaf):
        if isinstance(leaf, core.Tracer):
            return leaf
        return np.asarray(leaf) if hasattr(leaf, "__array__") else leaf

    return tree_map(get, x)


def device_count(backend=None):
    from .array import devices

    return len(devices(backend))


def local_devices(process_index=None, backend=None):
    from .array import devices

    return devices(backend)


local_device_count = device_count


def default_backend():
    return "cpu"


def process_count():
    return 1


def process_index():
    return 0


def typeof(x):
    """The abstract value (shape, dtype, weak type) of x."""
    return core.get_aval(x)


def clear_caches():
    """Drops compiled executables (jit functions retrace and recompile on their next call)."""
    from .interpreters import jit as jit_mod

    jit_mod._executables.clear()


@contextlib.contextmanager
def named_scope(name):
    """Accepted for compatibility: names are not recorded in jaxprs."""
    yield


def named_call(fun, *, name=None):
    return fun


class _CompileTimeEvalTrace(core.Trace):
    """Operations on concrete values run now; those on tracers go to the enclosing trace."""

    def __init__(self, parent):
        self.parent = parent

    def process_primitive(self, prim, args, params):
        if any(isinstance(a, core.Tracer) for a in args):
            return core.bind_in(self.parent, prim, args, params)
        return core.bind_in(core.eval_trace, prim, args, params)


@contextlib.contextmanager
def ensure_compile_time_eval():
    """Inside, operations whose inputs are all concrete are computed at once (even under jit),
    so their results can steer Python control flow; traced values are staged as usual."""
    with core.set_current_trace(_CompileTimeEvalTrace(core.current_trace())):
        yield


enable_x64 = dtypes.enable_x64


@contextlib.contextmanager
def log_compiles(enable=True):
    from .dtypes import config

    prev = config.jax_log_compiles
    config.update("jax_log_compiles", enable)
    try:
        yield
    finally:
        config.update("jax_log_compiles", prev)


@contextlib.contextmanager
def default_device(device):
    """Accepted for compatibility: jtrans places computations by their inputs."""
    yield


# legacy names of the process queries (one process here)
host_count = process_count
host_id = process_index


def host_ids(backend=None):
    return [0]


def process_indices():
    return [0]


def effects_barrier():
    """Waits for pending side effects (callbacks); jtrans runs them synchronously, so none are."""


@contextlib.contextmanager
def default_matmul_precision(precision="default"):
    """Accepted for compatibility: jtrans's CPU matmuls always run at the operands' full
    precision (as JAX's do on CPU), so every setting computes the same thing."""
    names = ("default", "high", "highest", "bfloat16", "tensorfloat32", "float32", "fastest")
    if precision is not None and str(precision).lower() not in names:
        raise ValueError(
            f"default_matmul_precision: unknown precision {precision!r}; use one of {names}"
        )
    yield


def print_environment_info(return_string=False):
    """The versions of jtrans, NumPy and Python and the platform (JAX's print_environment_info)."""
    import platform
    import sys

    from . import __version__

    info = "\n".join([
        f"jtrans:  {__version__}",
        f"numpy:   {np.__version__}",
        f"python:  {sys.version}",
        f"device info: cpu-{device_count()}, {device_count()} local devices",
        f"process_count: {process_count()}",
        f"platform: {platform.uname()}",
    ])  # fmt: skip
    if return_string:
        return info
    print(info)
    return None


class _VJP:
    """The backward pass produced by fwd_and_bwd's `fwd`: a pytree whose leaves are the
    residuals (so it can be passed to a jitted `bwd`) and whose static part is the linear
    jaxpr to transpose."""

    def __init__(self, jaxpr, consts, in_tree, out_tree, n_aux):
        self.jaxpr, self.consts = jaxpr, list(consts)
        self.in_tree, self.out_tree, self.n_aux = in_tree, out_tree, n_aux


register_pytree_node(
    _VJP,
    lambda r: (r.consts, (r.jaxpr, r.in_tree, r.out_tree, r.n_aux)),
    lambda aux, consts: _VJP(aux[0], consts, *aux[1:]),
)


def fwd_and_bwd(fun, argnums, has_aux=False, jitted=True):
    """(fwd, bwd): fwd(*args) -> (fun(*args), residuals[, aux]) and bwd(residuals, ct) -> the
    cotangents of args[argnums] (a tuple, or one cotangent for an int argnums): jax.vjp split
    so that both halves can be jitted once and reused (JAX's jax.fwd_and_bwd)."""
    from .api import _argnums_tuple, _as_value, _partial_argnums, jit
    from .interpreters import ad

    def fwd(*args):
        _, nums = _argnums_tuple(argnums, len(args))
        f_part = _partial_argnums(fun, args, {}, nums)
        flat, in_tree = tree_flatten(tuple(args[i] for i in nums))
        box = []

        def f_flat(*xs):
            out = f_part(*tree_unflatten(in_tree, list(xs)))
            out, aux = out if has_aux else (out, None)
            o_leaves, o_tree = tree_flatten(out)
            a_leaves, a_tree = tree_flatten(aux)
            box.append((o_tree, a_tree, len(o_leaves)))
            return [_as_value(x) for x in o_leaves + a_leaves]

        outs, jaxpr, consts = ad.linearize_flat(f_flat, [_as_value(x) for x in flat])
        o_tree, a_tree, n_out = box[0]
        res = _VJP(jaxpr, consts, in_tree, o_tree, len(outs) - n_out)
        y = tree_unflatten(o_tree, outs[:n_out])
        return (y, res, tree_unflatten(a_tree, outs[n_out:])) if has_aux else (y, res)

    def bwd(res, ct):
        ct_flat, ct_tree = tree_flatten(ct)
        if ct_tree != res.out_tree:
            raise ValueError(
                f"bwd: the cotangent has structure {ct_tree}, but the function's output has "
                f"structure {res.out_tree}"
            )
        n_out = len(res.jaxpr.outvars) - res.n_aux
        cts = [_as_value(c) for c in ct_flat]
        cts += [ad.Zero(ad.tangent_aval(v.aval)) for v in res.jaxpr.outvars[n_out:]]
        args = [ad.UndefinedPrimal(v.aval) for v in res.jaxpr.invars]
        cts_in = ad.backward_pass(res.jaxpr, res.consts, args, cts)
        g = tree_unflatten(res.in_tree, [ad.instantiate_zeros(c) for c in cts_in])
        return g[0] if isinstance(argnums, int) else g

    return (jit(fwd), jit(bwd)) if jitted else (fwd, bwd)
