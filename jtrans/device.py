"""Devices and device buffers: the CPU and, when Numba finds one, each CUDA GPU.

`numba.cuda` is imported only when a GPU is asked about (`devices()`, `device_put` to a GPU,
`jit(..., device=gpu)`), so `import jtrans` needs neither a GPU nor Numba's CUDA target. Under
Numba's CUDA simulator (`NUMBA_ENABLE_CUDASIM=1` before numba.cuda is first imported) the
simulated GPU is listed like a real one.

A device buffer is a flat (1-D, contiguous) Numba device array; the shape lives with the Array.
"""

import collections
import os
import sys
import threading

import numpy as np


class Device:
    """A place arrays live. `platform` is "cpu" or "gpu" (JAX's names)."""

    def __init__(self, platform, id=0, device_kind=None):
        self.platform = platform
        self.id = id
        self.device_kind = device_kind or platform

    def __repr__(self):
        return f"{'CpuDevice' if self.platform == 'cpu' else 'CudaDevice'}(id={self.id})"

    def __reduce__(self):
        return (_device_by_key, (self.platform, self.id))


cpu_device = Device("cpu", 0, "cpu")

_gpus = None  # list of GPU Devices once numba.cuda has been asked


def cuda_module():
    """numba.cuda, imported on first use."""
    from numba import cuda

    return cuda


def simulator():
    """True when numba.cuda is Numba's CUDA simulator."""
    from numba.cuda import config

    if config.ENABLE_CUDASIM:
        _lock_simulator_shared_arrays()
        return True
    return False


_shared_patched = False


def _lock_simulator_shared_arrays():
    """The simulator runs a block's threads as Python threads; `cuda.shared.array` finds the
    block's array by the calling line in a dict, with an unlocked check-then-insert, so two
    threads can each make their own "shared" array (a reduction then loses partial sums, rarely
    at CPython's default switch interval, often at a short one). This installs the same lookup
    under a lock (Numba 0.5x-0.6x's FakeCUDAShared); it changes nothing else."""
    global _shared_patched
    if _shared_patched:
        return
    _shared_patched = True
    import sys
    import threading

    try:
        from numba.core import types
        from numba.cuda.simulator.kernelapi import FakeCUDAShared
        from numba.np import numpy_support
    except ImportError:  # another simulator layout: leave it as it is
        return
    original = FakeCUDAShared.array
    lock = threading.Lock()

    def array(self, shape, dtype):
        if shape == 0 or not hasattr(self, "_allocations"):
            return original(self, shape, dtype)
        if isinstance(dtype, types.Type):
            dtype = numpy_support.as_dtype(dtype)
        frame = sys._getframe(1)
        caller = (frame.f_code.co_filename, frame.f_lineno)
        with lock:
            res = self._allocations.get(caller)
            if res is None:
                res = self._allocations[caller] = np.empty(shape, dtype)
        return res

    FakeCUDAShared.array = array


def gpu_devices():
    """The CUDA GPUs Numba can use (empty without a GPU, a driver or the simulator)."""
    global _gpus
    if _gpus is None:
        try:
            cuda = cuda_module()
            found = []
            if cuda.is_available():
                for i, g in enumerate(cuda.gpus):
                    name = getattr(g, "name", b"gpu")
                    name = name.decode() if isinstance(name, bytes) else str(name)
                    found.append(Device("gpu", i, name))
        except Exception:  # noqa: BLE001  (no Numba CUDA support at all: no GPUs)
            found = []
        _gpus = found
    return _gpus


def devices(backend=None):
    """All devices (`backend=None`): the CPU, then each GPU; or those of `backend` ("cpu",
    "gpu" / "cuda")."""
    if backend is None:
        return [cpu_device] + gpu_devices()
    if backend == "cpu":
        return [cpu_device]
    if backend in ("gpu", "cuda"):
        gpus = gpu_devices()
        if not gpus:
            raise RuntimeError(
                f"backend {backend!r} requested, but numba.cuda finds no GPU (no CUDA driver or "
                "device); set NUMBA_ENABLE_CUDASIM=1 before importing jtrans to use Numba's CUDA "
                "simulator, or use the CPU"
            )
        return gpus
    raise RuntimeError(f"unknown backend {backend!r}; backends are 'cpu' and 'gpu'")


def local_devices(backend=None):
    return devices(backend)


def _device_by_key(platform, id):
    return cpu_device if platform == "cpu" else gpu_devices()[id]


def as_device(device):
    """A Device from a Device, a backend name ("cpu", "gpu", "cuda") or None (the CPU)."""
    if device is None:
        return cpu_device
    if isinstance(device, Device):
        return device
    if isinstance(device, str):
        return devices(device)[0]
    dev = getattr(device, "_device", None)  # a jtrans.sharding Sharding: the device it names
    if isinstance(dev, Device):
        return dev
    raise TypeError(f"expected a jtrans Device or a backend name, got {device!r}")


# ---------------------------------------------------------------------------------------------
# device buffers


def context(device):
    """A context manager making `device` Numba's current GPU."""
    return cuda_module().gpus[device.id]


def to_device(host, device):
    """A flat device buffer holding a copy of the NumPy array `host` (made contiguous)."""
    host = np.ascontiguousarray(host).reshape(-1)
    buf = empty(host.size, host.dtype, device)
    if host.size:
        with context(device):
            buf.copy_to_device(host)
    return buf


# Result buffers of dead DeviceArrays wait here, by (device id, length, dtype), for the next
# result of the same size: a training loop then allocates nothing after its first steps
# (cudaMalloc of a large buffer costs ~0.1 ms, and Numba frees in batches that synchronise).
# A buffer comes back only when nothing else refers to it (see `release`); at most POOL_BYTES
# wait, the oldest leaving first; an allocation that fails for memory empties the pool and
# tries again. `empty_pool()` gives everything back to the driver.
POOL_BYTES = int(os.environ.get("JTRANS_GPU_POOL_BYTES", str(2 << 30)))
_pool = collections.OrderedDict()  # (device id, length, dtype) -> [buffers]
_pool_bytes = 0
_pool_lock = threading.Lock()


def _nbytes(buf):
    return buf.shape[0] * buf.dtype.itemsize


def empty(size, dtype, device):
    """A flat device buffer of `size` elements (contents undefined), from the pool if one fits."""
    global _pool_bytes
    key = (device.id, int(size), np.dtype(dtype))
    with _pool_lock:
        free = _pool.get(key)
        if free:
            buf = free.pop()
            if not free:
                del _pool[key]
            _pool_bytes -= _nbytes(buf)
            return buf
    with context(device):
        try:
            buf = cuda_module().device_array(key[1], key[2])
        except Exception as e:  # out of memory: give the pool back, retry
            if "OUT_OF_MEMORY" not in str(e) or not empty_pool():
                raise
            buf = cuda_module().device_array(key[1], key[2])
    data = getattr(buf, "gpu_data", None)
    try:  # the references its memory has while no view shares it; its address
        buf._jtrans_refs = sys.getrefcount(data) if data is not None else 0
        buf._jtrans_ptr = buf.device_ctypes_pointer.value or 0
    except AttributeError:  # a buffer type without attributes: never pooled
        pass
    return buf


def release(buf, device):
    """Called when the only Array holding `buf` dies: `buf` waits in the pool for reuse unless
    something else still refers to it or to its memory (a view, a user's handle)."""
    global _pool_bytes
    base = getattr(buf, "_jtrans_refs", None)
    # references: the dying Array's slot, this frame's argument and getrefcount's
    if base is None or sys.getrefcount(buf) > 3:
        return
    data = getattr(buf, "gpu_data", None)
    if data is not None and sys.getrefcount(data) > base:
        return
    nb = _nbytes(buf)
    if nb > POOL_BYTES:
        return
    key = (device.id, buf.shape[0], buf.dtype)
    with _pool_lock:
        _pool.setdefault(key, []).append(buf)
        _pool.move_to_end(key)
        _pool_bytes += nb
        while _pool_bytes > POOL_BYTES:
            old_key, old = next(iter(_pool.items()))
            _pool_bytes -= _nbytes(old.pop(0))
            if not old:
                del _pool[old_key]


def empty_pool():
    """Frees every pooled buffer (returns whether there were any)."""
    global _pool_bytes
    with _pool_lock:
        had = bool(_pool)
        _pool.clear()
        _pool_bytes = 0
    return had


def to_host(buf, shape):
    """A NumPy copy of a flat device buffer, reshaped to `shape`."""
    return buf.copy_to_host().reshape(shape)


def copy(buf, device):
    """A new device buffer with the contents of `buf` (device to device)."""
    out = empty(buf.shape[0], buf.dtype, device)
    if buf.shape[0]:
        out.copy_to_device(buf)
    return out


def synchronize(device):
    with context(device):
        cuda_module().synchronize()
