"""jtrans.Array: an immutable array wrapping a buffer (a NumPy array on the CPU).

Operator methods and array methods (`sum`, `reshape`, `at`, ...) are installed by
`jtrans.numpy` on both Array and core.Tracer, so traced and concrete code read the same.
"""

import numpy as np

from . import core, dtypes


class Device:
    """A place arrays live: the CPU, or a GPU (see the GPU issue)."""

    def __init__(self, platform, id=0):
        self.platform = platform
        self.id = id
        self.device_kind = platform

    def __repr__(self):
        return f"{'CpuDevice' if self.platform == 'cpu' else 'CudaDevice'}(id={self.id})"


cpu_device = Device("cpu", 0)


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


def to_array(x, dtype=None, weak_type=False):
    """A concrete Array from a NumPy value, list or scalar, with canonical dtype."""
    if isinstance(x, Array) and dtype is None:
        return x
    v = np.asarray(x)
    dt = dtypes.canonicalize_dtype(v.dtype if dtype is None else dtype)
    if v.dtype != dt:
        v = v.astype(dt)
    return Array(v, weak_type)


def device_put(x, device=None):
    """Puts a pytree of values on `device` (the CPU by default) as jtrans Arrays."""
    from .tree_util import tree_map

    def put(leaf):
        if isinstance(leaf, core.Tracer):
            return leaf
        if isinstance(leaf, (bool, int, float, complex)):
            return to_array(np.asarray(leaf, dtypes.python_scalar_dtype(leaf)), weak_type=True)
        return to_array(leaf)

    return tree_map(put, x)


def devices(backend=None):
    return [cpu_device]


def block_until_ready(x):
    return x
