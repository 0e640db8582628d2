"""jtrans.nn: activation functions and numerically stable softmax / logsumexp, as in jax.nn.

Everything here is a composition of jtrans.numpy / lax functions. Functions whose naive
derivative is unstable or ill-defined carry a custom JVP (relu at 0, softmax), and logsumexp /
log_softmax shift by a stop-gradient maximum so that neither values nor gradients overflow.
"""

import math

import numpy as np

from .. import core, dtypes, lax
from .. import numpy as jnp
from ..errors import JTransValueError
from ..interpreters.custom_derivatives import custom_jvp, stop_gradient
from . import initializers

__all__ = [
    "celu",
    "elu",
    "gelu",
    "glu",
    "hard_sigmoid",
    "hard_silu",
    "hard_swish",
    "hard_tanh",
    "initializers",
    "leaky_relu",
    "log_sigmoid",
    "log_softmax",
    "logsumexp",
    "one_hot",
    "relu",
    "relu6",
    "selu",
    "sigmoid",
    "silu",
    "soft_sign",
    "softmax",
    "softplus",
    "sparse_plus",
    "standardize",
    "swish",
    "tanh",
]


def _float(x):
    x = jnp.asarray(x)
    return x if dtypes.is_inexact(x.dtype) else x.astype(dtypes.default_float())


# ---------------------------------------------------------------------------------------------
# elementwise activations


@custom_jvp
def relu(x):
    """max(x, 0); its derivative at 0 is 0 (as in JAX)."""
    return jnp.maximum(x, 0)


relu.defjvps(lambda g, ans, x: lax.select(lax.gt(x, lax.full_like(x, 0)), g, lax.full_like(g, 0)))


def relu6(x):
    """min(max(x, 0), 6)."""
    return jnp.minimum(relu(x), 6.0)


def sigmoid(x):
    """1 / (1 + exp(-x))."""
    return lax.logistic(_float(x))


@custom_jvp
def _softplus(x):
    return jnp.logaddexp(x, 0.0)


# the derivative is sigmoid(x), smooth everywhere (differentiating the max/abs inside the
# stable formula would give a wrong second derivative at x = 0)
_softplus.defjvps(lambda g, ans, x: lax.mul(g, lax.logistic(x)))


def softplus(x):
    """log(1 + exp(x)), computed stably."""
    return _softplus(_float(x))


def sparse_plus(x):
    """0 for x <= -1, x for x >= 1, (x + 1)^2 / 4 between."""
    x = _float(x)
    return jnp.where(x <= -1.0, 0.0, jnp.where(x >= 1.0, x, (x + 1.0) ** 2 / 4))


def soft_sign(x):
    """x / (|x| + 1)."""
    x = _float(x)
    return x / (jnp.abs(x) + 1)


def silu(x):
    """x * sigmoid(x)."""
    x = _float(x)
    return x * sigmoid(x)


swish = silu


def log_sigmoid(x):
    """log(sigmoid(x)) = -softplus(-x)."""
    return -softplus(-_float(x))


def tanh(x):
    return jnp.tanh(x)


def elu(x, alpha=1.0):
    """x for x > 0, alpha (exp(x) - 1) otherwise."""
    x = _float(x)
    safe = jnp.where(x > 0, 0.0, x)
    return jnp.where(x > 0, x, alpha * jnp.expm1(safe))


def celu(x, alpha=1.0):
    """max(x, 0) + alpha min(exp(x / alpha) - 1, 0)."""
    x = _float(x)
    return jnp.maximum(x, 0.0) + alpha * jnp.expm1(jnp.minimum(x, 0.0) / alpha)


def selu(x):
    """Scaled ELU with the self-normalising constants."""
    alpha = 1.6732632423543772848170429916717
    scale = 1.0507009873554804934193349852946
    return scale * elu(x, alpha)


def leaky_relu(x, negative_slope=1e-2):
    x = _float(x)
    return jnp.where(x >= 0, x, negative_slope * x)


def hard_tanh(x):
    x = _float(x)
    return jnp.where(x > 1, 1.0, jnp.where(x < -1, -1.0, x))


def hard_sigmoid(x):
    """relu6(x + 3) / 6."""
    return relu6(_float(x) + 3.0) / 6.0


def hard_silu(x):
    x = _float(x)
    return x * hard_sigmoid(x)


hard_swish = hard_silu


def gelu(x, approximate=True):
    """Gaussian error linear unit: x Phi(x), or its tanh approximation (the default, as in
    JAX)."""
    x = _float(x)
    if approximate:
        c = math.sqrt(2 / math.pi)
        return 0.5 * x * (1 + jnp.tanh(c * (x + 0.044715 * x**3)))
    return 0.5 * x * (1 + lax.erf(x / np.asarray(math.sqrt(2), x.dtype)))


def glu(x, axis=-1):
    """Gated linear unit: first half * sigmoid(second half) along axis."""
    x = jnp.asarray(x)
    axis = axis % x.ndim
    n = x.shape[axis]
    if n % 2:
        raise JTransValueError(f"glu needs an even size along axis {axis}, got {n}")
    a, b = jnp.split(x, 2, axis=axis)
    return a * sigmoid(b)


# ---------------------------------------------------------------------------------------------
# reductions: logsumexp, softmax, log_softmax, standardize


def _axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    return tuple(sorted(a % ndim if ndim else 0 for a in axes))


def logsumexp(a, axis=None, b=None, keepdims=False, return_sign=False, where=None):
    """log(sum(b * exp(a))) along axis, computed stably: the maximum is subtracted first (and
    held constant under differentiation, which leaves the gradient, softmax, unchanged)."""
    a = _float(a)
    if b is not None:
        a, b = jnp.broadcast_arrays(a, _float(b)) if hasattr(jnp, "broadcast_arrays") else (
            a + jnp.zeros_like(b), b + jnp.zeros_like(a))  # fmt: skip
    axes = _axes(axis, a.ndim)
    masked = a if where is None else jnp.where(where, a, -np.inf)
    amax = jnp.max(masked, axis=axes, keepdims=True) if axes else masked
    amax = stop_gradient(jnp.where(jnp.isfinite(amax), amax, 0.0))
    e = jnp.exp(masked - amax)
    if b is not None:
        e = b * e
    s = jnp.sum(e, axis=axes, keepdims=True) if axes else e
    if return_sign:
        sign = jnp.sign(s)
        s = jnp.abs(s)
    out = jnp.log(s) + amax
    if not keepdims:
        out = lax.reshape(out, tuple(d for i, d in enumerate(out.shape) if i not in axes))
        if return_sign:
            sign = lax.reshape(sign, out.shape)
    return (out, sign) if return_sign else out


def _softmax_fwd(x, axes):
    amax = stop_gradient(jnp.max(x, axis=axes, keepdims=True))
    amax = jnp.where(jnp.isfinite(amax), amax, 0.0)
    e = jnp.exp(x - amax)
    return e / jnp.sum(e, axis=axes, keepdims=True)


def _make_softmax(axes):
    @custom_jvp
    def sm(x):
        return _softmax_fwd(x, axes)

    @sm.defjvp
    def sm_jvp(primals, tangents):
        (x,), (x_dot,) = primals, tangents
        y = sm(x)
        return y, y * (x_dot - jnp.sum(y * x_dot, axis=axes, keepdims=True))

    return sm


_softmax_cache = {}


def softmax(x, axis=-1, where=None):
    """exp(x) / sum(exp(x)) along axis; stable, with the JVP y * (x_dot - <y, x_dot>)."""
    x = _float(x)
    axes = _axes(axis, x.ndim)
    if where is not None:
        e = jnp.where(where, jnp.exp(x - stop_gradient(jnp.max(jnp.where(where, x, -np.inf),
                      axis=axes, keepdims=True))), 0.0)  # fmt: skip
        return e / jnp.sum(e, axis=axes, keepdims=True)
    if axes not in _softmax_cache:
        _softmax_cache[axes] = _make_softmax(axes)
    return _softmax_cache[axes](x)


def log_softmax(x, axis=-1, where=None):
    """x - logsumexp(x) along axis, computed stably."""
    x = _float(x)
    axes = _axes(axis, x.ndim)
    masked = x if where is None else jnp.where(where, x, -np.inf)
    shifted = masked - stop_gradient(jnp.max(masked, axis=axes, keepdims=True))
    out = shifted - jnp.log(jnp.sum(jnp.exp(shifted), axis=axes, keepdims=True))
    return out if where is None else jnp.where(where, out, -np.inf)


def standardize(x, axis=-1, mean=None, variance=None, epsilon=1e-5, where=None):
    """(x - mean) / sqrt(variance + epsilon), statistics along axis unless given."""
    x = _float(x)
    axes = _axes(axis, x.ndim)
    if mean is None:
        mean = jnp.mean(x, axis=axes, keepdims=True)
    if variance is None:
        # E[x^2] - E[x]^2, as JAX computes it
        variance = jnp.mean(jnp.square(x), axis=axes, keepdims=True) - jnp.square(mean)
    return (x - mean) * lax.rsqrt(variance + np.asarray(epsilon, x.dtype))


def one_hot(x, num_classes, *, dtype=None, axis=-1):
    """x[..., None] == arange(num_classes), as dtype (default float32); out-of-range entries
    give all-zero rows."""
    x = jnp.asarray(x)
    if not dtypes.is_int(x.dtype) and not dtypes.is_float(x.dtype):
        raise JTransValueError(f"one_hot needs integer class indices, got dtype {x.dtype}")
    num_classes = int(core.concrete_or_error(num_classes, "one_hot's num_classes"))
    dt = dtypes.default_float() if dtype is None else dtypes.canonicalize_dtype(np.dtype(dtype))
    nd = x.ndim + 1
    axis = axis % nd
    out_shape = x.shape[:axis] + (num_classes,) + x.shape[axis:]
    xb = lax.broadcast_in_dim(x, out_shape, tuple(d for d in range(nd) if d != axis))
    cls = lax.broadcasted_iota(x.dtype, out_shape, axis)
    return lax.convert_element_type(lax.eq(xb, cls), dt)
