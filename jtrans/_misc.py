"""Small top-level helpers of JAX's API: host transfers, device counts, type queries, scopes,
and JAX's top-level config options (`jtrans.debug_nans(True)`, `jtrans.numpy_rank_promotion(
"raise")`, ...) with the NaN/Inf checker they drive."""

import contextlib
import functools
import threading

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
    """The abstract value (shape, dtype, weak type) of x; for a typed key array,
    `ShapedArray(shape, key<fry>)` as in JAX."""
    from .random import PRNGKeyArray

    if isinstance(x, PRNGKeyArray):
        return core.ShapedArray(x.shape, x.dtype)
    return core.get_aval(x)


def clear_caches():
    """Drops compiled executables, the CPU's and the GPU's (jit functions retrace and recompile
    on their next call)."""
    import sys

    from .interpreters import jit as jit_mod

    jit_mod._executables.clear()
    for name, cache in (("cuda", "_programs"), ("cuda_exec", "_executables")):
        mod = sys.modules.get(f"jtrans.lowering.{name}")  # only if a GPU program was made
        if mod is not None:
            getattr(mod, cache).clear()


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


# ---------------------------------------------------------------------------------------------
# config options as JAX exposes them at top level: `with jtrans.debug_nans(True): ...`,
# `jtrans.debug_nans.value`, `@jtrans.debug_nans(True)` on a function; each is also
# `jtrans.config.update("jax_<name>", value)`.

_NO_VALUE = object()


class _State:
    """One config option (JAX's config.State): calling it gives a context manager (also
    usable as a decorator) that sets the option inside and restores it after."""

    def __init__(self, name, default, doc, values=None, check=None):
        self.name = name
        self.__name__ = name[len("jax_") :]
        self.__doc__ = doc
        self._values = values  # the accepted values (an enum option), or None
        self._check = check  # extra validation: check(value) raises
        self._bool = isinstance(default, bool)
        if not hasattr(dtypes.config, name):  # options dtypes.Config does not declare
            setattr(dtypes.config, name, default)

    @property
    def value(self):
        return dtypes.config.read(self.name)

    def validate(self, value):
        if self._bool and not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{self.name} takes True or False, got {value!r}")
        if self._values is not None and value not in self._values:
            raise ValueError(
                f"{self.name}: new enum value must be one of {list(self._values)}, got {value!r}"
            )
        if self._check is not None:
            self._check(value)
        return bool(value) if self._bool else value

    def __call__(self, new_val=_NO_VALUE):
        if new_val is _NO_VALUE:
            if not self._bool:
                raise TypeError(
                    f"Context manager for {self.name} config option requires an argument "
                    "representing the new value for the config option."
                )
            new_val = True
        return _StateContext(self, self.validate(new_val))

    def __repr__(self):
        return f"State({self.name}={self.value!r})"


class _StateContext:
    def __init__(self, state, value):
        self.state, self.new_val = state, value

    def __enter__(self):
        self.prev = dtypes.config.read(self.state.name)
        dtypes.config.update(self.state.name, self.new_val)

    def __exit__(self, *exc):
        dtypes.config.update(self.state.name, self.prev)

    def __call__(self, fun):
        @functools.wraps(fun)
        def wrapper(*args, **kwargs):
            with _StateContext(self.state, self.new_val):
                return fun(*args, **kwargs)

        return wrapper


def _prng_impl_check(value):
    if value != "threefry2x32":
        raise ValueError(
            f"jax_default_prng_impl={value!r}: jtrans.random implements only threefry2x32"
        )


_PRNG_IMPLS = ("threefry2x32", "threefry4x32", "rbg", "unsafe_rbg", "philox2x32", "philox4x32")
_GUARD_LEVELS = (None, "allow", "log", "disallow", "log_explicit", "disallow_explicit")

debug_nans = _State(
    "jax_debug_nans",
    False,
    """Checks every operation's result for NaNs:
eager primitives raise FloatingPointError naming the primitive; a jitted function whose outputs
hold a NaN is rerun without jit to name the primitive that made it.""",
)
debug_infs = _State("jax_debug_infs", False, "As debug_nans, for infinities.")
numpy_rank_promotion = _State(
    "jax_numpy_rank_promotion",
    "allow",
    """NumPy's implicit
rank promotion (broadcasting operands of different non-zero ranks) in jtrans.numpy: "allow",
"warn" (a UserWarning) or "raise" (ValueError).""",
    values=("allow", "warn", "raise"),
)
default_prng_impl = _State("jax_default_prng_impl", "threefry2x32", """The PRNG of
jtrans.random keys; only "threefry2x32" is implemented (other JAX names raise).""",
                           values=_PRNG_IMPLS, check=_prng_impl_check)  # fmt: skip
enable_checks = _State(
    "jax_enable_checks",
    False,
    """JAX's internal invariant checks.
Accepted; jtrans's tests check its jaxprs (core.typecheck_jaxpr) instead.""",
)
check_tracer_leaks = _State(
    "jax_check_tracer_leaks",
    False,
    """Accepted for compatibility:
a jtrans tracer that escapes its transformation raises UnexpectedTracerError wherever it is
used later (its trace is gone), so no separate leak check runs.""",
)
checking_leaks = functools.partial(check_tracer_leaks, True)
explain_cache_misses = _State(
    "jax_explain_cache_misses",
    False,
    """Log why a jit traces
again (as log_compiles does: the argument that changed).""",
)
log_compiles = _State(
    "jax_log_compiles",
    False,
    """Log (logging.WARNING, logger "jtrans")
each time a jit function is traced and compiled, with the reason.""",
)
default_device = _State(
    "jax_default_device",
    None,
    """Accepted for compatibility: jtrans
places computations by their inputs (`device_put`, `jit(..., device=)`).""",
)
threefry_partitionable = _State(
    "jax_threefry_partitionable",
    False,
    """JAX's partitionable
threefry scheme for jtrans.random (the bits follow JAX's under either setting).""",
)
transfer_guard_host_to_device = _State(
    "jax_transfer_guard_host_to_device",
    None,
    """Accepted
for compatibility (no effect): jtrans does not guard transfers.""",
    values=_GUARD_LEVELS,
)
transfer_guard_device_to_device = _State("jax_transfer_guard_device_to_device", None,
                                         "As transfer_guard_host_to_device.",
                                         values=_GUARD_LEVELS)  # fmt: skip
transfer_guard_device_to_host = _State("jax_transfer_guard_device_to_host", None,
                                       "As transfer_guard_host_to_device.",
                                       values=_GUARD_LEVELS)  # fmt: skip


@contextlib.contextmanager
def transfer_guard(new_val):
    """Sets the three transfer guards (no effect in jtrans: accepted for compatibility)."""
    with contextlib.ExitStack() as stack:
        for guard in (transfer_guard_host_to_device, transfer_guard_device_to_device,
                      transfer_guard_device_to_host):  # fmt: skip
            stack.enter_context(guard(new_val))
        yield


# ---------------------------------------------------------------------------------------------
# debug_nans / debug_infs


def _special_kind(x):
    """ "nan" or "inf" when the array x (a NumPy value) holds one that the options look for."""
    x = np.asarray(x)
    if x.dtype.kind not in "fc" and x.dtype != dtypes.bfloat16:
        return None
    cfg = dtypes.config
    if cfg.jax_debug_nans and np.isnan(x).any():
        return "nan"
    if cfg.jax_debug_infs and np.isinf(x).any():
        return "inf"
    return None


def _check_nans(prim, outs, params=None):
    """The eager check (run by core's EvalTrace after each primitive while debug_nans or
    debug_infs is on): FloatingPointError naming the primitive that made a NaN/Inf."""
    for out in outs if prim.multiple_results else (outs,):
        kind = _special_kind(out)
        if kind is not None:
            name = prim.name
            if params and "jaxpr" in params and "name" in params:  # a jit call
                name = f"{name}({params['name']})"
            raise FloatingPointError(f"invalid value ({kind}) encountered in {name}")


_jit_check = threading.local()


def jit_check_running():
    """True inside debug_check_jit's own call of the jitted function (this thread)."""
    return getattr(_jit_check, "active", False)


def debug_check_jit(jitted, fun, name, args, kwargs):
    """A jitted call under debug_nans/debug_infs: its concrete outputs are checked, and when
    one holds a NaN/Inf the function runs again without jit (every primitive checked
    eagerly), so the error names the primitive that made it (JAX's behaviour)."""
    _jit_check.active = True
    try:
        try:
            out = jitted(*args, **kwargs)
            err = None
        except FloatingPointError as e:  # raised by the eager check of the jit call itself
            err = str(e)
        if err is None:
            for leaf in tree_flatten(out)[0]:
                if isinstance(leaf, core.Tracer) or not hasattr(leaf, "__array__"):
                    continue
                kind = _special_kind(leaf)
                if kind is not None:
                    err = f"invalid value ({kind}) encountered in jit({name})"
                    break
            else:
                return out
    finally:
        _jit_check.active = False
    print("Invalid nan value encountered in the output of a jtrans.jit function. Calling the "
          "de-optimized version.")  # fmt: skip
    from .api import disable_jit

    with disable_jit():
        fun(*args, **kwargs)  # raises FloatingPointError at the primitive when it can
    raise FloatingPointError(
        f"{err}. Because jax_debug_nans and/or jax_debug_infs is set, the de-optimized "
        "function (i.e., the function as if the `jit` decorator were removed) was called in an "
        "attempt to get a more precise error message. However, the de-optimized function did "
        "not produce invalid values during its execution. This can happen when the compiled "
        "code computes differently from the eager one, or when nan/inf literals are inputs or "
        "outputs of the function, like `jtrans.jit(lambda ...: jtrans.numpy.nan)(...)`."
    )
