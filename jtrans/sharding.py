"""`jtrans.sharding`: JAX's sharding objects as a single-device shim.

jtrans runs each computation on one device, so a mesh holds one device and a sharding names
that device: `Mesh`, `NamedSharding`, `PartitionSpec` (`P`), `SingleDeviceSharding` and
`make_mesh` exist so that code written for JAX's sharding API runs unchanged here, placing
every array on the mesh's device (specs are recorded, not enforced).
"""

import enum
import math

import numpy as np

from . import device as _device


class AxisType(enum.Enum):
    Auto = "Auto"
    Explicit = "Explicit"
    Manual = "Manual"


class PartitionSpec(tuple):
    """How each axis of an array maps onto mesh axes: one entry per array axis, each None
    (replicated), a mesh axis name, or a tuple of names."""

    def __new__(cls, *partitions):
        for p in partitions:
            names = p if isinstance(p, tuple) else (p,)
            if not all(n is None or isinstance(n, str) for n in names) and p is not P.UNCONSTRAINED:
                raise TypeError(
                    f"PartitionSpec entries are None, a mesh axis name or a tuple of names; "
                    f"got {p!r}"
                )
        return super().__new__(cls, partitions)

    def __repr__(self):
        return f"P({', '.join(repr(p) for p in self)}{',' if len(self) == 1 else ''})"

    def __eq__(self, other):
        return isinstance(other, PartitionSpec) and tuple(self) == tuple(other)

    def __hash__(self):
        return hash(("PartitionSpec", tuple(self)))

    def __add__(self, other):
        return PartitionSpec(*self, *other)


P = PartitionSpec
P.UNCONSTRAINED = object()


class Mesh:
    """Devices arranged in a named grid (here: one device)."""

    def __init__(self, devices, axis_names, axis_types=None):
        devs = np.asarray(devices, dtype=object)
        axis_names = (axis_names,) if isinstance(axis_names, str) else tuple(axis_names)
        if devs.ndim != len(axis_names):
            raise ValueError(
                "Mesh requires the ndim of its first argument (`devices`) to equal the length "
                f"of its second argument (`axis_names`), but got devices.ndim == {devs.ndim} "
                f"and len(axis_names) == {len(axis_names)}."
            )
        if len(set(axis_names)) != len(axis_names):
            raise ValueError(f"Mesh axis names must be unique, got {axis_names}")
        self.devices = devs
        self.axis_names = axis_names
        self.axis_types = tuple(axis_types) if axis_types is not None else \
            (AxisType.Explicit,) * len(axis_names)  # fmt: skip

    @property
    def shape(self):
        return dict(zip(self.axis_names, self.devices.shape))

    @property
    def axis_sizes(self):
        return tuple(self.devices.shape)

    @property
    def size(self):
        return int(self.devices.size)

    @property
    def device_ids(self):
        return np.vectorize(lambda d: d.id, otypes=[int])(self.devices)

    def __enter__(self):  # `with mesh:` (JAX's legacy mesh context): nothing to set up
        return self

    def __exit__(self, *exc):
        return False

    def __eq__(self, other):
        return (isinstance(other, Mesh) and self.axis_names == other.axis_names
                and self.devices.shape == other.devices.shape
                and all(a is b for a, b in zip(self.devices.flat, other.devices.flat)))  # fmt: skip

    def __hash__(self):
        return hash((self.axis_names, self.devices.shape))

    def __repr__(self):
        axes = ", ".join(f"'{n}': {s}" for n, s in self.shape.items())
        return f"Mesh({axes}, axis_types=({', '.join(t.name for t in self.axis_types)},))"


def make_mesh(axis_shapes, axis_names, axis_types=None, *, devices=None):
    """A Mesh of `prod(axis_shapes)` devices (of `devices`, default `jtrans.devices()`)."""
    axis_shapes = tuple(axis_shapes)
    axis_names = (axis_names,) if isinstance(axis_names, str) else tuple(axis_names)
    devices = list(_device.devices() if devices is None else devices)
    n = math.prod(axis_shapes)
    if len(devices) < n:
        raise ValueError(
            f"Number of devices {len(devices)} must be >= the product of mesh_shape {axis_shapes}"
        )
    if len(axis_shapes) != len(axis_names):
        raise ValueError(
            f"make_mesh: {len(axis_shapes)} axis sizes {axis_shapes} for "
            f"{len(axis_names)} axis names {axis_names}"
        )
    grid = np.empty(n, dtype=object)
    grid[:] = devices[:n]
    return Mesh(grid.reshape(axis_shapes), axis_names, axis_types)


class Sharding:
    """Where the pieces of an array live; a jtrans sharding always names one device."""

    memory_kind = "device"

    @property
    def device_set(self):
        return set(self.devices_list())

    @property
    def addressable_devices(self):
        return self.device_set

    @property
    def num_devices(self):
        return len(self.device_set)

    @property
    def is_fully_replicated(self):
        return self.num_devices == 1

    @property
    def is_fully_addressable(self):
        return True

    @property
    def _device(self):  # the device that `device_put` places arrays on
        return self.devices_list()[0]


class SingleDeviceSharding(Sharding):
    def __init__(self, device, *, memory_kind=None):
        self.device = device

    def devices_list(self):
        return [self.device]

    def __eq__(self, other):
        return isinstance(other, SingleDeviceSharding) and other.device is self.device

    def __hash__(self):
        return hash(("SingleDeviceSharding", self.device))

    def __repr__(self):
        return f"SingleDeviceSharding(device={self.device!r}, memory_kind=device)"


class NamedSharding(Sharding):
    """A PartitionSpec over a Mesh."""

    def __init__(self, mesh, spec=PartitionSpec(), *, memory_kind=None):
        if not isinstance(spec, PartitionSpec):
            spec = PartitionSpec(*spec) if isinstance(spec, (tuple, list)) else spec
        if not isinstance(spec, PartitionSpec):
            raise TypeError(f"NamedSharding needs a PartitionSpec, got {spec!r}")
        for p in spec:
            for name in p if isinstance(p, tuple) else (p,):
                if isinstance(name, str) and name not in mesh.axis_names:
                    raise ValueError(
                        f"Resource axis: {name} of {spec} is not found in mesh: {mesh.axis_names}."
                    )
        self.mesh = mesh
        self.spec = spec

    def devices_list(self):
        return list(self.mesh.devices.flat)

    def __eq__(self, other):
        return (isinstance(other, NamedSharding) and self.mesh == other.mesh
                and self.spec == other.spec)  # fmt: skip

    def __hash__(self):
        return hash((self.mesh, self.spec))

    def __repr__(self):
        return f"NamedSharding(mesh={self.mesh!r}, spec={self.spec!r}, memory_kind=device)"


def make_single_device_sharding(device):
    return SingleDeviceSharding(device)
