"""jtrans.nn: activation functions and numerically stable softmax / logsumexp, as in jax.nn.

Everything here is a composition of jtrans.numpy / lax functions. Functions whose naive
derivative is unstable or ill-defined carry a custom JVP (relu at 0, softmax), and logsumexp /
log_softmax shift by a stop-gradient maximum so that neither values nor gradients overflow.
"""

import math

import numpy as np

from .. import core, dtypes, lax
from .. import numpy as jnp
from ..errors import JTransTypeError, JTransValueError
from ..interpreters.custom_derivatives import custom_jvp, stop_gradient
from . import initializers

__all__ = [
    "celu",
    "dot_product_attention",
    "elu",
    "gelu",
    "glu",
    "hard_sigmoid",
    "hard_silu",
    "hard_swish",
    "hard_tanh",
    "identity",
    "initializers",
    "leaky_relu",
    "log1mexp",
    "log_sigmoid",
    "log_softmax",
    "logmeanexp",
    "logsumexp",
    "mish",
    "one_hot",
    "relu",
    "relu6",
    "scaled_matmul",
    "selu",
    "sigmoid",
    "silu",
    "soft_sign",
    "softmax",
    "softplus",
    "sparse_plus",
    "sparse_sigmoid",
    "squareplus",
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


@custom_jvp
def relu6(x):
    """min(max(x, 0), 6); its derivative is 0 at 0 and at 6 (as in JAX)."""
    return jnp.minimum(jnp.maximum(x, 0), 6.0)


relu6.defjvps(
    lambda g, ans, x: lax.select(
        lax.bitwise_and(lax.gt(x, lax.full_like(x, 0)), lax.lt(x, lax.full_like(x, 6))),
        g,
        lax.full_like(g, 0),
    )
)


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
        # as JAX: entries outside `where` are 0, also in a fully masked row (0/0 there)
        return jnp.where(where, e / jnp.sum(e, axis=axes, keepdims=True), 0.0)
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


# ---------------------------------------------------------------------------------------------
# more activations


def identity(x):
    """x itself (as an array)."""
    return jnp.asarray(x)


def sparse_sigmoid(x):
    """0 for x <= -1, 1 for x >= 1, (x + 1) / 2 between: the derivative of sparse_plus."""
    x = _float(x)
    return jnp.clip((x + 1.0) / 2.0, 0.0, 1.0)


def squareplus(x, b=4):
    """(x + sqrt(x^2 + b)) / 2, a smooth relu."""
    x = _float(x)
    return (x + jnp.sqrt(jnp.square(x) + jnp.asarray(b, x.dtype))) / 2


def mish(x):
    """x * tanh(softplus(x))."""
    x = _float(x)
    return x * jnp.tanh(softplus(x))


@custom_jvp
def _log1mexp(x):
    # log(-expm1(-x)) is accurate for small x, log1p(-exp(-x)) for large x (Maechler's note)
    small = x < np.asarray(math.log(2), x.dtype)
    return jnp.where(small, jnp.log(-jnp.expm1(-x)), jnp.log1p(-jnp.exp(-x)))


# d/dx log(1 - exp(-x)) = exp(-x) / (1 - exp(-x)) = 1 / expm1(x)
_log1mexp.defjvps(lambda g, ans, x: g / jnp.expm1(x))


def log1mexp(x):
    """log(1 - exp(-x)) for x >= 0, computed stably (nan for x < 0)."""
    return _log1mexp(_float(x))


def logmeanexp(x, axis=None, where=None, keepdims=False):
    """log(mean(exp(x))) along axis = logsumexp(x) - log(n), n the number of (selected)
    elements."""
    x = _float(x)
    lse = logsumexp(x, axis=axis, keepdims=keepdims, where=where)
    axes = _axes(axis, x.ndim)
    if where is None:
        count = math.prod(x.shape[a] for a in axes)
        return lse - np.asarray(math.log(count) if count else -np.inf, lse.dtype)
    w = jnp.broadcast_to(jnp.asarray(where), x.shape).astype(lse.dtype)
    count = jnp.sum(w, axis=axes, keepdims=keepdims) if axes else w
    return lse - jnp.log(count)


# ---------------------------------------------------------------------------------------------
# attention


def _ensure_4d(x):
    x = jnp.asarray(x)
    return lax.reshape(x, (1,) * (4 - x.ndim) + x.shape) if x.ndim < 4 else x


def _attention_mask(T, S, mask, is_causal, q_len, kv_len, window):
    """The boolean [B|1, N|1, T, S] mask of kept logits, or None when everything is kept."""
    keep = None if mask is None else mask

    def both(m):
        return m if keep is None else jnp.logical_and(keep, m)

    q_pos = lax.broadcasted_iota(np.int32, (T, S), 0)
    k_pos = lax.broadcasted_iota(np.int32, (T, S), 1)
    if is_causal:
        keep = both((q_pos >= k_pos)[None, None])
    if window is not None:
        left, right = window
        keep = both(jnp.logical_and(q_pos <= k_pos + left, q_pos >= k_pos - right)[None, None])
    if q_len is not None:
        keep = both((q_pos[None] < q_len[:, None, None])[:, None])
    if kv_len is not None:
        keep = both((k_pos[None] < kv_len[:, None, None])[:, None])
    return keep


def dot_product_attention(
    query,
    key,
    value,
    bias=None,
    mask=None,
    *,
    scale=None,
    is_causal=False,
    query_seq_lengths=None,
    key_value_seq_lengths=None,
    local_window_size=None,
    implementation=None,
    return_residual=False,
):
    """Scaled dot-product attention, as jax.nn.dot_product_attention.

    query [B, T, N, H], key and value [B, S, K, H] (the batch dimension may be omitted), with K
    dividing N (grouped-query attention: query head n reads key/value head n // (N // K)).
    softmax(scale * q.k + bias, masked) . v, the softmax in float32; `mask` (boolean,
    broadcastable to [B, N, T, S]) keeps True entries; `is_causal` keeps s <= t;
    `local_window_size` (left, right) (or an int for both) keeps t - left <= s <= t + right;
    the sequence lengths mask padding, and query rows past their length come out zero. The
    softmax runs in float32 (float64 for float64 inputs).
    Returns [B, T, N, H] (and the logsumexp [B, T, N] of the logits if return_residual)."""
    if implementation not in (None, "xla"):
        raise JTransValueError(
            f"dot_product_attention: implementation {implementation!r} is not available in "
            "jtrans; use None or 'xla'"
        )
    out_shape = jnp.shape(query)
    q, k, v = _ensure_4d(query), _ensure_4d(key), _ensure_4d(value)
    B, S, K, H = k.shape
    if v.shape != k.shape or v.dtype != k.dtype:
        raise JTransValueError(
            f"dot_product_attention: value must match key's shape {k.shape} and dtype "
            f"{k.dtype}, got {v.shape} {v.dtype}"
        )
    if q.shape[0] != B or q.shape[3] != H or q.dtype != k.dtype:
        raise JTransValueError(
            f"dot_product_attention: query must be [B={B}, T, N, H={H}] of dtype {k.dtype} "
            f"(key is {k.shape}), got {q.shape} {q.dtype}"
        )
    T, N = q.shape[1], q.shape[2]
    if N % K:
        raise JTransValueError(
            f"dot_product_attention: the number of query heads must be a multiple of the "
            f"key/value heads, got {N} vs {K}"
        )
    G = N // K
    bias = None if bias is None else _ensure_4d(bias)
    if mask is not None:
        mask = _ensure_4d(mask)
        if mask.dtype != np.bool_:
            raise JTransTypeError(f"dot_product_attention: mask must be boolean, got {mask.dtype}")
    q_len = None if query_seq_lengths is None else jnp.asarray(query_seq_lengths)
    kv_len = None if key_value_seq_lengths is None else jnp.asarray(key_value_seq_lengths)
    for name, lens in (("query_seq_lengths", q_len), ("key_value_seq_lengths", kv_len)):
        if lens is not None and (lens.shape != (B,) or not dtypes.is_int(lens.dtype)):
            raise JTransValueError(
                f"dot_product_attention: {name} must be an integer array of shape ({B},), "
                f"got {lens.shape} {lens.dtype}"
            )
    if isinstance(local_window_size, int):
        local_window_size = (local_window_size, local_window_size)
    scale = 1.0 / math.sqrt(H) if scale is None else scale

    logits_dtype = dtypes.result_type(q.dtype, np.float32)
    qg = lax.reshape(q, (B, T, K, G, H))
    logits = jnp.einsum("btkgh,bskh->bkgts", qg, k, preferred_element_type=logits_dtype)
    logits = lax.reshape(logits, (B, N, T, S)) * jnp.asarray(scale, logits_dtype)
    if bias is not None:
        logits = (logits + bias).astype(logits_dtype)
    keep = _attention_mask(T, S, mask, is_causal, q_len, kv_len, local_window_size)
    if keep is not None:
        big_neg = -0.7 * min(float(np.finfo(logits_dtype).max), float(np.finfo(np.float32).max))
        logits = jnp.where(keep, logits, jnp.asarray(big_neg, logits_dtype))
    # JAX takes the softmax in float32 always; we keep float64 logits in float64 (more
    # accurate, and differentiable to second order under x64)
    probs = softmax(logits, axis=-1).astype(k.dtype)
    probs = lax.reshape(probs, (B, K, G, T, S))
    out = jnp.einsum("bkgts,bskh->btkgh", probs, v)
    out = lax.reshape(out, (B, T, N, H))
    if q_len is not None:
        rows = lax.broadcasted_iota(np.int32, (B, T), 1) < q_len[:, None]
        out = out * rows[:, :, None, None].astype(out.dtype)
    out = lax.reshape(out, tuple(out_shape))
    if return_residual:
        lse = jnp.transpose(logsumexp(logits, axis=-1), (0, 2, 1)).astype(k.dtype)
        return out, lax.reshape(stop_gradient(lse), tuple(out_shape[:-1]))
    return out


def scaled_matmul(lhs, rhs, lhs_scales, rhs_scales, preferred_element_type=np.float32):
    """Block-scaled batched matmul: lhs [B, M, K] and rhs [B, N, K] contract their last axis,
    each block of K // K_s consecutive entries multiplied by its scale from lhs_scales
    [B, M, K_s] / rhs_scales [B, N, K_s]. Returns [B, M, N] in preferred_element_type."""
    lhs, rhs = jnp.asarray(lhs), jnp.asarray(rhs)
    lhs_scales, rhs_scales = jnp.asarray(lhs_scales), jnp.asarray(rhs_scales)
    out_dt = dtypes.canonicalize_dtype(np.dtype(preferred_element_type))

    def scaled(x, s, what):
        if x.ndim != 3 or s.ndim != 3 or s.shape[:2] != x.shape[:2] or x.shape[2] % s.shape[2]:
            raise JTransValueError(
                f"scaled_matmul: {what} scales of shape {s.shape} do not fit the operand of "
                f"shape {x.shape}: want [B, rows, K_s] with K_s dividing K"
            )
        s = jnp.repeat(s.astype(out_dt), x.shape[2] // s.shape[2], axis=2)
        return x.astype(out_dt) * s

    if lhs.shape[0] != rhs.shape[0] or lhs.shape[2] != rhs.shape[2]:
        raise JTransValueError(
            f"scaled_matmul: lhs [B, M, K] and rhs [B, N, K] must share B and K, got "
            f"{lhs.shape} and {rhs.shape}"
        )
    a, b = scaled(lhs, lhs_scales, "lhs"), scaled(rhs, rhs_scales, "rhs")
    return lax.dot_general(a, b, (((2,), (2,)), ((0,), (0,))), preferred_element_type=out_dt)
