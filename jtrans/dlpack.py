"""`jtrans.dlpack`: exchanging arrays with other libraries through DLPack (JAX's jax.dlpack),
by way of NumPy's DLPack support (so for CPU memory)."""

import numpy as np

from . import dtypes
from .array import Array, device_put
from .device import as_device, cpu_device
from .errors import JTransTypeError, JTransValueError

_SUPPORTED = {np.dtype(t) for t in (np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8,
                                    np.uint16, np.uint32, np.uint64, np.float16, np.float32,
                                    np.float64, np.complex64, np.complex128)}  # fmt: skip
_SUPPORTED.add(np.dtype(dtypes.bfloat16))


def is_supported_dtype(dtype):
    """Whether arrays of `dtype` can be exchanged through DLPack."""
    return np.dtype(dtype) in _SUPPORTED


def from_dlpack(external_array, device=None, copy=None):
    """A jtrans Array from any object with `__dlpack__` and `__dlpack_device__` (a NumPy array,
    a CPU torch tensor, ...). It shares the memory of `external_array` unless a copy is needed
    (a dtype that jtrans's x64 setting narrows, e.g. float64 with x64 off) or asked for
    (`copy=True`); `copy=False` raises instead of copying. Arrays are immutable in jtrans, but
    the external owner can still write to shared memory: don't.

    device: where to put the result (a Device, "cpu"/"gpu" or None: the CPU)."""
    if not hasattr(external_array, "__dlpack__"):
        raise JTransTypeError(
            f"from_dlpack expects an object with __dlpack__ and __dlpack_device__ methods (a "
            f"DLPack-capable array), got {type(external_array).__name__}"
        )
    try:
        host = np.from_dlpack(external_array)
    except (BufferError, RuntimeError, TypeError) as e:
        raise JTransValueError(
            f"from_dlpack: the {type(external_array).__name__} cannot be read as CPU memory "
            f"through NumPy's DLPack support ({e}); move it to the CPU first"
        ) from None
    dt = dtypes.canonicalize_dtype(host.dtype)
    needs_copy = dt != host.dtype
    if needs_copy and copy is False:
        raise JTransValueError(
            f"from_dlpack: copy=False, but an array of dtype {host.dtype} must be copied to "
            f"{dt} (jax_enable_x64 is off); enable x64 or allow a copy"
        )
    if needs_copy or copy:
        host = host.astype(dt)  # a fresh copy
    out = Array(host, False)
    dev = as_device(device)
    return out if dev is cpu_device else device_put(out, dev)


def to_dlpack(x, stream=None):
    """A DLPack capsule of `x`'s buffer (its host copy for an array on a GPU): the legacy
    interface; prefer passing the array itself to a consumer's `from_dlpack`."""
    return np.asarray(x).__dlpack__(stream=stream)
