"""jtrans.nn.initializers: parameter initialisers in the jax.nn.initializers / flax style. Each
constructor returns `init(key, shape, dtype=float32) -> array`."""

import math
from typing import Any, Protocol

import numpy as np

from .. import dtypes, lax, random
from .. import numpy as jnp
from ..errors import JTransValueError

__all__ = [
    "Initializer",
    "constant",
    "delta_orthogonal",
    "glorot_normal",
    "glorot_uniform",
    "he_normal",
    "he_uniform",
    "kaiming_normal",
    "kaiming_uniform",
    "lecun_normal",
    "lecun_uniform",
    "normal",
    "ones",
    "orthogonal",
    "truncated_normal",
    "uniform",
    "variance_scaling",
    "xavier_normal",
    "xavier_uniform",
    "zeros",
]


class Initializer(Protocol):
    """The type of an initializer: init(key, shape, dtype) -> array."""

    def __call__(self, key: Any, shape: Any, dtype: Any = None) -> Any: ...


def _dtype(dtype):
    return dtypes.default_float() if dtype is None else dtypes.canonicalize_dtype(np.dtype(dtype))


def zeros(key, shape, dtype=None):
    return jnp.zeros(tuple(shape), _dtype(dtype))


def ones(key, shape, dtype=None):
    return jnp.ones(tuple(shape), _dtype(dtype))


def constant(value, dtype=None):
    def init(key, shape, dtype=dtype):
        return jnp.full(tuple(shape), value, _dtype(dtype))

    return init


def normal(stddev=1e-2, dtype=None):
    """N(0, stddev^2) entries."""

    def init(key, shape, dtype=dtype):
        dt = _dtype(dtype)
        return lax.mul(random.normal(key, shape, dt), np.asarray(stddev, dt))

    return init


def uniform(scale=1e-2, dtype=None):
    """Entries uniform in [0, scale)."""

    def init(key, shape, dtype=dtype):
        dt = _dtype(dtype)
        return lax.mul(random.uniform(key, shape, dt), np.asarray(scale, dt))

    return init


def truncated_normal(stddev=1e-2, dtype=None, lower=-2.0, upper=2.0):
    def init(key, shape, dtype=dtype):
        dt = _dtype(dtype)
        return lax.mul(
            random.truncated_normal(key, lower, upper, shape, dt), np.asarray(stddev, dt)
        )

    return init


def _fans(shape, in_axis, out_axis, batch_axis):
    shape = tuple(shape)
    if len(shape) < 2:
        n = shape[0] if shape else 1
        return n, n
    nd = len(shape)

    def size(axes):
        axes = (axes,) if isinstance(axes, int) else tuple(axes)
        return math.prod(shape[a % nd] for a in axes)

    in_size, out_size, batch_size = size(in_axis), size(out_axis), size(batch_axis)
    receptive = math.prod(shape) / in_size / out_size / batch_size
    return in_size * receptive, out_size * receptive


def variance_scaling(scale, mode, distribution, in_axis=-2, out_axis=-1, batch_axis=(),
                     dtype=None):  # fmt: skip
    """Entries with variance scale / n, n = fan_in, fan_out or their mean (`mode`), drawn from
    a truncated normal (within 2 stddev), a normal or a uniform distribution."""
    if mode not in ("fan_in", "fan_out", "fan_avg"):
        raise JTransValueError(
            f"variance_scaling: mode must be fan_in, fan_out or fan_avg, got {mode!r}"
        )
    if distribution not in ("truncated_normal", "normal", "uniform"):
        raise JTransValueError(
            "variance_scaling: distribution must be truncated_normal, normal or uniform, got "
            f"{distribution!r}"
        )

    def init(key, shape, dtype=dtype):
        dt = _dtype(dtype)
        shape = tuple(int(d) for d in shape)
        fan_in, fan_out = _fans(shape, in_axis, out_axis, batch_axis)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
        variance = scale / max(1.0, n)
        if distribution == "truncated_normal":
            # the stddev of a standard normal truncated to (-2, 2)
            std = math.sqrt(variance) / 0.87962566103423978
            x = random.truncated_normal(key, -2.0, 2.0, shape, dt)
        elif distribution == "normal":
            std = math.sqrt(variance)
            x = random.normal(key, shape, dt)
        else:
            std = math.sqrt(3 * variance)
            x = random.uniform(key, shape, dt, -1.0, 1.0)
        return lax.mul(x, np.asarray(std, dt))

    return init


def glorot_uniform(in_axis=-2, out_axis=-1, batch_axis=(), dtype=None):
    return variance_scaling(1.0, "fan_avg", "uniform", in_axis, out_axis, batch_axis, dtype)


def glorot_normal(in_axis=-2, out_axis=-1, batch_axis=(), dtype=None):
    return variance_scaling(
        1.0, "fan_avg", "truncated_normal", in_axis, out_axis, batch_axis, dtype
    )


def lecun_uniform(in_axis=-2, out_axis=-1, batch_axis=(), dtype=None):
    return variance_scaling(1.0, "fan_in", "uniform", in_axis, out_axis, batch_axis, dtype)


def lecun_normal(in_axis=-2, out_axis=-1, batch_axis=(), dtype=None):
    return variance_scaling(1.0, "fan_in", "truncated_normal", in_axis, out_axis, batch_axis, dtype)


def he_uniform(in_axis=-2, out_axis=-1, batch_axis=(), dtype=None):
    return variance_scaling(2.0, "fan_in", "uniform", in_axis, out_axis, batch_axis, dtype)


def he_normal(in_axis=-2, out_axis=-1, batch_axis=(), dtype=None):
    return variance_scaling(2.0, "fan_in", "truncated_normal", in_axis, out_axis, batch_axis, dtype)


xavier_uniform, xavier_normal = glorot_uniform, glorot_normal
kaiming_uniform, kaiming_normal = he_uniform, he_normal


def orthogonal(scale=1.0, column_axis=-1, dtype=None):
    """A (scaled) matrix with orthonormal rows or columns, from the QR of a Gaussian matrix."""

    def init(key, shape, dtype=dtype):
        dt = _dtype(dtype)
        shape = tuple(int(d) for d in shape)
        if len(shape) < 2:
            raise JTransValueError(f"orthogonal initializer needs a rank >= 2 shape, got {shape}")
        n_rows = math.prod(shape) // shape[column_axis]
        n_cols = shape[column_axis]
        mat_shape = (n_cols, n_rows) if n_rows < n_cols else (n_rows, n_cols)
        a = random.normal(key, mat_shape, dt)
        q, r = jnp.linalg.qr(a)
        q = q * jnp.sign(jnp.diagonal(r))[None, :]
        if n_rows < n_cols:
            q = q.T
        q = jnp.reshape(q, tuple(np.delete(shape, column_axis % len(shape))) + (n_cols,))
        q = jnp.moveaxis(q, -1, column_axis)
        return lax.mul(q, np.asarray(scale, dt))

    return init


def delta_orthogonal(scale=1.0, column_axis=-1, dtype=None):
    """For convolution kernels of shape [*spatial, in, out] (1 to 3 spatial dimensions, in <=
    out): zero except at the spatial centre, which holds an orthogonal [in, out] matrix (the
    delta-orthogonal initialisation of Xiao et al. 2018)."""

    def init(key, shape, dtype=dtype):
        dt = _dtype(dtype)
        shape = tuple(int(d) for d in shape)
        if len(shape) not in (3, 4, 5):
            raise JTransValueError(
                f"delta_orthogonal initializer needs a 3D, 4D or 5D shape, got {shape}"
            )
        if shape[-1] < shape[-2]:
            raise JTransValueError(
                f"delta_orthogonal: fan_in ({shape[-2]}) must be <= fan_out ({shape[-1]})"
            )
        mat = orthogonal(scale=scale, column_axis=column_axis, dtype=dt)(key, shape[-2:])
        centre = tuple((d - 1) // 2 for d in shape[:-2])
        return jnp.zeros(shape, dt).at[centre].set(mat)

    return init
