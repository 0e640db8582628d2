"""jtrans: composable function transformations (grad, jvp, vjp, vmap, jit) of NumPy programs."""

from . import dtypes
from .dtypes import config, numpy_dtype_promotion
from . import core
from .array import block_until_ready, device_put, devices
from .core import ArrayType as Array
from . import lax, numpy, tree_util, tree, errors
from ._misc import (  # noqa: F401
    clear_caches,
    default_backend,
    default_device,
    default_matmul_precision,
    device_count,
    device_get,
    effects_barrier,
    enable_x64,
    ensure_compile_time_eval,
    float0,
    fwd_and_bwd,
    host_count,
    host_id,
    host_ids,
    local_device_count,
    local_devices,
    log_compiles,
    named_call,
    named_scope,
    print_environment_info,
    process_count,
    process_index,
    process_indices,
    typeof,
)
from .api import (
    ShapeDtypeStruct,
    disable_jit,
    eval_shape,
    grad,
    hessian,
    jacfwd,
    jacrev,
    jacrev as jacobian,
    jit,
    jvp,
    linear_transpose,
    linearize,
    make_jaxpr,
    pmap,
    value_and_grad,
    vjp,
    vmap,
)
from .interpreters.custom_derivatives import *  # noqa: F401,F403  (custom_jvp, checkpoint...)
from .tree_util import tree_flatten, tree_leaves, tree_map, tree_structure, tree_unflatten
from . import random, nn, optim, scipy, test_util, debug  # noqa: E402
from . import ad_checkpoint, custom_derivatives, flatten_util  # noqa: E402,F401
from .custom_derivatives import custom_gradient, linear_call  # noqa: E402,F401
from .callbacks import pure_callback  # noqa: E402,F401
from . import custom_batching  # noqa: E402,F401
from . import image, typing  # noqa: E402,F401
from . import dlpack, experimental, ops, stages  # noqa: E402,F401
from . import sharding  # noqa: E402,F401  (a single-device shim of JAX's)
from .sharding import NamedSharding, P, make_mesh  # noqa: E402,F401
from .device import Device  # noqa: E402,F401
from ._misc import (  # noqa: E402,F401  (JAX's top-level config options)
    check_tracer_leaks,
    checking_leaks,
    debug_infs,
    debug_nans,
    default_prng_impl,
    enable_checks,
    explain_cache_misses,
    numpy_rank_promotion,
    threefry_partitionable,
    transfer_guard,
    transfer_guard_device_to_device,
    transfer_guard_device_to_host,
    transfer_guard_host_to_device,
)

from . import lowering  # noqa: E402,F401  (registers the compiler with jit)

__version__ = "0.1.0"
