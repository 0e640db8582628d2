"""Small top-level helpers of JAX's API: host transfers, device counts, type queries, scopes."""

import contextlib

import numpy as np

from . import core, dtypes
from .tree_util import tree_map

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
