"""jtrans.Array: an immutable array wrapping a buffer (a NumPy array on the CPU, a Numba device
array on a GPU: `DeviceArray`, a subclass whose `_value` is a host copy made on first use, so
`np.asarray(x)` copies back and every CPU code path reads it unchanged).

Operator methods and array methods (`sum`, `reshape`, `at`, ...) are installed by
`jtrans.numpy` on both Array and core.Tracer, so traced and concrete code read the same.
"""

import numpy as np

from . import core, dtypes
from . import device as _device
from .device import Device, cpu_device  # noqa: F401  (re-exported)


class Array:
    """An immutable array. `np.asarray(x)` is zero-copy on the CPU."""

    __slots__ = ("_value", "weak_type", "_aval", "__weakref__")
    __array_priority__ = 1000

    def __init__(self, value, weak_type=False):
        self._value = value
        self.weak_type = weak_type
        self._aval = None

    @property
    def aval(self):
        a = self._aval
        if a is None:
            v = self._value
            a = self._aval = core.ShapedArray(v.shape, v.dtype, self.weak_type)
        return a

    shape = property(lambda self: self._value.shape)
    dtype = property(lambda self: self._value.dtype)
    ndim = property(lambda self: self._value.ndim)
    size = property(lambda self: self._value.size)
    nbytes = property(lambda self: self._value.nbytes)
    itemsize = property(lambda self: self._value.itemsize)

    def __array__(self, dtype=None, copy=None):
        v = self._value
        if type(v) is not np.ndarray:
            v = self._value = np.asarray(v)
        if dtype is not None and np.dtype(dtype) != v.dtype:
            return v.astype(dtype)
        if copy:
            return v.copy()
        return v

    def __len__(self):
        if not self._value.shape:
            raise TypeError("len() of unsized object (a 0-d array)")
        return self._value.shape[0]

    def __iter__(self):
        if not self._value.shape:
            raise TypeError("iteration over a 0-d array")
        return (self[i] for i in range(self._value.shape[0]))

    def __bool__(self):
        return bool(self._value)

    def __float__(self):
        return float(self._value)

    def __int__(self):
        return int(self._value)

    def __complex__(self):
        return complex(self._value)

    def __index__(self):
        if not dtypes.is_int(self._value.dtype) and not dtypes.is_bool(self._value.dtype):
            raise TypeError(f"only integer arrays can be used as an index, got {self.dtype}")
        return int(self._value)

    def __hash__(self):
        raise TypeError("unhashable type: 'jtrans.Array'")

    def __repr__(self):
        v = self._value
        weak = ", weak_type=True" if self.weak_type else ""
        if v.size == 0:
            return f"Array([], shape={v.shape}, dtype={v.dtype.name}{weak})"
        body = np.array2string(v, separator=", ", prefix="Array(")
        return f"Array({body}, dtype={v.dtype.name}{weak})"

    def __str__(self):
        return str(self._value)

    def __format__(self, spec):
        return format(self._value.item() if self._value.ndim == 0 else self._value, spec)

    def __reduce__(self):
        return (Array, (self._value, self.weak_type))

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return Array(self._value.copy(), self.weak_type)

    def item(self, *args):
        return self._value.item(*args)

    def tolist(self):
        return self._value.tolist()

    def block_until_ready(self):
        return self

    def copy(self):
        return Array(self._value.copy(), self.weak_type)

    def to_concrete_value(self):
        return self._value

    def devices(self):
        return {cpu_device}

    @property
    def device(self):
        return cpu_device

    def is_fully_addressable(self):
        return True

    @property
    def sharding(self):
        return None


core.set_array_type(Array)

# set when the first DeviceArray is made: until then, jit's call path skips looking for them
device_arrays_made = False


class DeviceArray(Array):
    """An Array in a GPU's memory: `_buf` is a flat Numba device array, `_shape` its shape.
    Reading `_value` (what NumPy code and eager primitives see) copies it to the host once.

    Eager operations (outside `jit`) on a DeviceArray run their NumPy impl on that host copy and
    return host (CPU) Arrays with the right values. Known difference from JAX, which keeps eager
    results on the device: to stay on the GPU, put the computation under `jit` (a jitted call
    with any argument on a GPU runs there and returns DeviceArrays)."""

    __slots__ = ("_buf", "_shape", "_dev", "_host")

    def __init__(self, buf, shape, device, weak_type=False, aval=None):
        if not device_arrays_made:
            _first_device_array()
        self._buf, self._shape, self._dev, self._host = buf, tuple(shape), device, None
        self.weak_type = weak_type
        self._aval = aval

    @property
    def _value(self):
        h = self._host
        if h is None:
            h = self._host = self._buf.copy_to_host().reshape(self._shape)
        return h

    @property
    def aval(self):
        a = self._aval
        if a is None:
            a = self._aval = core.ShapedArray(self._shape, self._buf.dtype, self.weak_type)
        return a

    shape = property(lambda self: self._shape)
    dtype = property(lambda self: self._buf.dtype)
    ndim = property(lambda self: len(self._shape))
    size = property(lambda self: int(np.prod(self._shape, dtype=np.int64)))
    nbytes = property(lambda self: self.size * self._buf.dtype.itemsize)
    itemsize = property(lambda self: self._buf.dtype.itemsize)

    def __reduce__(self):
        return (Array, (self._value, self.weak_type))

    def __del__(self):
        # the buffer goes back to the device pool when nothing else holds it (device.release)
        try:
            _dev_mod().release(self._buf, self._dev)
        except Exception:  # noqa: BLE001, S110  (never fully made; or interpreter shutdown)
            pass

    def __deepcopy__(self, memo):
        return self.copy()

    def copy(self):
        return DeviceArray(_dev_mod().copy(self._buf, self._dev), self._shape, self._dev,
                           self.weak_type, self._aval)  # fmt: skip

    def block_until_ready(self):
        _dev_mod().synchronize(self._dev)
        return self

    def devices(self):
        return {self._dev}

    @property
    def device(self):
        return self._dev


def _first_device_array():
    """From now on jit looks for device arguments (before, it pays nothing for them)."""
    global device_arrays_made
    from .interpreters import jit

    def dispatch(args, jaxpr, name):
        from .lowering import cuda_exec

        return cuda_exec.jit_dispatch(args, jaxpr, name)

    jit.device_dispatch = dispatch
    device_arrays_made = True


def _dev_mod():
    return _device


def to_array(x, dtype=None, weak_type=False):
    """A concrete Array from a NumPy value, list or scalar, with canonical dtype."""
    if isinstance(x, Array) and dtype is None:
        return x
    v = np.asarray(x)
    dt = dtypes.canonicalize_dtype(v.dtype if dtype is None else dtype)
    if v.dtype != dt:
        v = v.astype(dt)
    return Array(v, weak_type)


def put_on(x, device):
    """The Array `x` (an Array or a NumPy value) on `device`: itself if it is there already."""
    if device.platform == "cpu":
        return Array(x._value, x.weak_type) if type(x) is DeviceArray else to_array(x)
    if type(x) is DeviceArray:
        if x._dev is device:
            return x
        x = Array(x._value, x.weak_type)
    x = to_array(x)
    buf = _dev_mod().to_device(x._value, device)
    return DeviceArray(buf, x.shape, device, x.weak_type)


def device_put(x, device=None):
    """Puts a pytree of values on `device` (a Device or "cpu"/"gpu"; the CPU by default) as
    jtrans Arrays. Arrays already there are returned as they are."""
    from .tree_util import tree_map

    dev = _dev_mod().as_device(device) if device is not None else cpu_device

    def put(leaf):
        if isinstance(leaf, core.Tracer):
            return leaf
        if isinstance(leaf, (bool, int, float, complex)) and not isinstance(leaf, np.generic):
            leaf = to_array(np.asarray(leaf, dtypes.python_scalar_dtype(leaf)), weak_type=True)
        if device is None and type(leaf) is DeviceArray:
            return leaf
        return put_on(leaf, dev)

    return tree_map(put, x)


def devices(backend=None):
    """The CPU and, when numba.cuda finds one (or runs its simulator), each GPU."""
    return _dev_mod().devices(backend)


def block_until_ready(x):
    from .tree_util import tree_map

    return tree_map(lambda a: a.block_until_ready() if isinstance(a, Array) else a, x)
