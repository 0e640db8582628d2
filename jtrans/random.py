"""jtrans.random: JAX's counter-based random numbers. A key is a uint32[2] array (as
`jax.random.PRNGKey` makes); every function is a pure function of its key, so the same key
gives the same numbers on every backend, under jit and under vmap (over keys or parameters).

The bits are JAX's (threefry-2x32, JAX's classic non-partitionable scheme,
`jax_threefry_partitionable=False`), and so are the bits-to-number methods: `uniform` takes the
top mantissa bits of each word, `normal` is sqrt(2) erfinv(u), `randint` uses two words per
value, `categorical` is Gumbel-max, `permutation` sorts by random keys.
"""

import math

import numpy as np

from . import core, dtypes, lax
from .array import Array
from .errors import JTransTypeError, JTransValueError
from .lax import random_bits as _rb

_U32 = np.dtype(np.uint32)

__all__ = [
    "PRNGKey",
    "bernoulli",
    "bits",
    "categorical",
    "choice",
    "exponential",
    "fold_in",
    "gumbel",
    "key",
    "key_data",
    "normal",
    "permutation",
    "randint",
    "shuffle",
    "split",
    "truncated_normal",
    "uniform",
    "wrap_key_data",
]


# ---------------------------------------------------------------------------------------------
# keys


def _stack_words(k0, k1):
    """Two uint32 arrays of one shape -> keys of that shape + (2,)."""
    shape = core.get_aval(k0).shape
    n = len(shape)
    full_shape = shape + (2,)
    dims = tuple(range(n))
    b0 = lax.broadcast_in_dim(k0, full_shape, dims)
    b1 = lax.broadcast_in_dim(k1, full_shape, dims)
    first = lax.eq(lax.broadcasted_iota(np.int32, full_shape, n), 0)
    return lax.select(first, b0, b1)


def _words(key, name):
    """The two uint32 words of a single key."""
    return _unstack(_check_key(key, name))


def _check_key(key, name):
    if isinstance(key, (np.ndarray, list, tuple)):
        key = lax.as_operand(np.asarray(key, _U32))
    try:
        aval = core.get_aval(key)
    except (TypeError, AttributeError):
        aval = None
    if aval is None or aval.shape != (2,) or aval.dtype != _U32:
        got = "a " + type(key).__name__ if aval is None else f"{aval.dtype.name}{list(aval.shape)}"
        raise JTransTypeError(
            f"jtrans.random.{name} expects a single key, a uint32[2] array made by "
            f"jtrans.random.PRNGKey(seed) or split(key), but got {got}. For a batch of keys, "
            f"map over them: jtrans.vmap(lambda k: jtrans.random.{name}(k, ...))(keys)."
        )
    return key


def PRNGKey(seed):
    """A key from an integer seed: uint32[2] holding the seed's high and low 32 bits."""
    if isinstance(seed, Array) and seed.shape == () and dtypes.is_int(seed.dtype):
        seed = int(seed)
    if isinstance(seed, (float, complex, bool)) or (
        isinstance(seed, (np.ndarray, np.generic)) and not np.issubdtype(seed.dtype, np.integer)
    ):
        raise JTransTypeError(f"PRNGKey seed must be an integer, got {seed!r}")
    if isinstance(seed, np.ndarray):
        if seed.shape != ():
            raise JTransTypeError(f"PRNGKey seed must be a scalar, got shape {seed.shape}")
        seed = int(seed)
    return _stack_words(*_rb.seed_words(seed))


def key(seed, impl=None):
    """Like PRNGKey. (JAX's `key` returns a typed key array; jtrans keys are always raw
    uint32[2] arrays, so `key_data`/`wrap_key_data` are identities.)"""
    if impl not in (None, "threefry2x32"):
        raise JTransValueError(f"jtrans.random supports only impl='threefry2x32', got {impl!r}")
    return PRNGKey(seed)


def key_data(keys):
    """The uint32 data of keys (an identity for jtrans's raw keys)."""
    return keys


def wrap_key_data(key_bits_array, impl=None):
    aval = core.get_aval(lax.as_operand(key_bits_array))
    if aval.shape[-1:] != (2,) or aval.dtype != _U32:
        raise JTransTypeError(
            f"wrap_key_data expects a uint32 array whose last axis has size 2, got "
            f"{aval.dtype.name}{list(aval.shape)}"
        )
    return lax.as_operand(key_bits_array)


def split(key, num=2):
    """`num` new keys (an int or a shape): an array of shape (*num, 2)."""
    shape = (int(num),) if np.ndim(num) == 0 else tuple(int(d) for d in num)
    k0, k1 = _words(key, "split")
    return lax.reshape(_rb.random_bits(k0, k1, 32, (2 * math.prod(shape),)), shape + (2,))


def _split2(key):
    # split(key) without slicing: JAX's split(key, 2) is the stream of 4 words, whose blocks
    # are (0, 2) and (1, 3); the first key is word 0 of both blocks, the second word 1
    k0, k1 = _words(key, "split")
    j = lax.iota(_U32, 2)
    y0, y1 = _rb.threefry2x32(k0, k1, j, lax.add(j, np.uint32(2)))
    return y0, y1


def fold_in(key, data):
    """A new key from `key` and an integer `data` (JAX's threefry_fold_in)."""
    k0, k1 = _words(key, "fold_in")
    if isinstance(data, (int, np.integer)):
        d = lax.full((), int(data) & 0xFFFFFFFF, _U32)
    else:
        d = lax.convert_element_type(lax.as_operand(data), _U32)
    y0, y1 = _rb.threefry2x32(k0, k1, lax.full((), 0, _U32), d)
    return _stack_words(y0, y1)


# ---------------------------------------------------------------------------------------------
# argument conventions


def _shape(shape, name):
    if shape is None:
        return None
    if np.ndim(shape) == 0 and not isinstance(shape, (tuple, list)):
        return (int(shape),)
    try:
        return tuple(int(core.concrete_or_error(d, f"the shape of random.{name}")) for d in shape)
    except TypeError as e:
        raise JTransTypeError(f"random.{name}: shape must be a tuple of ints, got {shape!r}") from e


def _float_dtype(dtype, name):
    dt = dtypes.default_float() if dtype is None else dtypes.canonicalize_dtype(np.dtype(dtype))
    if not dtypes.is_float(dt):
        raise JTransValueError(
            f"random.{name} needs a floating-point dtype, got {dt.name}; e.g. jnp.float32"
        )
    return dt


def _jnp():
    from . import numpy as jnp

    return jnp


def bits(key, shape=(), dtype=None):
    """Raw random bits: unsigned integers of `dtype` (default uint32)."""
    dt = _U32 if dtype is None else dtypes.canonicalize_dtype(np.dtype(dtype))
    if dt.kind != "u":
        raise JTransValueError(f"random.bits needs an unsigned dtype, got {dt.name}")
    k0, k1 = _words(key, "bits")
    return _rb.random_bits(k0, k1, dt.itemsize * 8, _shape(shape, "bits"))


def _unit_floats(key, shape, dt, name):
    """Uniform floats in [0, 1) of dtype dt: the top `nmant` bits of random words, as JAX does
    (its bits | 0x3f800000 reinterpreted as a float, minus 1, is exactly m * 2**-nmant)."""
    fi = dtypes.finfo(dt)
    nbits, nmant = fi.bits, fi.nmant
    rng_bits = max(nbits, 8) if nmant >= 8 else 8
    k0, k1 = _words(key, name)
    b = _rb.random_bits(k0, k1, rng_bits, shape)
    m = lax.shift_right_logical(b, np.dtype(b.dtype).type(rng_bits - nmant))
    work = dt if nbits >= 32 else np.dtype(np.float32)
    f = lax.mul(lax.convert_element_type(m, work), np.asarray(2.0**-nmant, work))
    return lax.convert_element_type(f, dt)


def uniform(key, shape=(), dtype=None, minval=0.0, maxval=1.0):
    """Uniform floats in [minval, maxval)."""
    jnp = _jnp()
    shape = _shape(shape, "uniform")
    dt = _float_dtype(dtype, "uniform")
    minval = lax.convert_element_type(jnp.asarray(minval), dt)
    maxval = lax.convert_element_type(jnp.asarray(maxval), dt)
    _check_broadcast("uniform", shape, minval, maxval)
    floats = _unit_floats(key, shape, dt, "uniform")
    out = jnp.add(jnp.multiply(floats, jnp.subtract(maxval, minval)), minval)
    return jnp.maximum(minval, out)


def _check_broadcast(name, shape, *args):
    for a in args:
        s = core.get_aval(a).shape
        if len(s) > len(shape) or _jnp().broadcast_shapes(s, shape) != shape:
            raise JTransValueError(
                f"random.{name}: a parameter of shape {s} does not broadcast to the requested "
                f"shape {shape}; pass a shape the parameters broadcast to"
            )


def normal(key, shape=(), dtype=None):
    """Standard normal samples: sqrt(2) erfinv(u) with u uniform in (-1, 1)."""
    shape = _shape(shape, "normal")
    dt = _float_dtype(dtype, "normal")
    lo = np.nextafter(np.array(-1.0, dt), np.array(0.0, dt), dtype=dt)
    u = uniform(key, shape, dt, lo, 1.0)
    return lax.mul(lax.erf_inv(u), np.asarray(np.sqrt(2.0), dt))


def truncated_normal(key, lower, upper, shape=None, dtype=None):
    """Normal samples truncated to [lower, upper] (inverse-CDF method)."""
    jnp = _jnp()
    dt = _float_dtype(dtype, "truncated_normal")
    lower = lax.convert_element_type(jnp.asarray(lower), dt)
    upper = lax.convert_element_type(jnp.asarray(upper), dt)
    if shape is None:
        shape = jnp.broadcast_shapes(lower.shape, upper.shape)
    shape = _shape(shape, "truncated_normal")
    _check_broadcast("truncated_normal", shape, lower, upper)
    sqrt2 = np.asarray(np.sqrt(2.0), dt)
    a = lax.erf(lax.div(lower, sqrt2))
    b = lax.erf(lax.div(upper, sqrt2))
    u = uniform(key, shape, dt, a, b)
    out = lax.mul(lax.erf_inv(u), sqrt2)
    lo = lax.nextafter(_stop(lower), lax.full_like(lower, np.inf))
    hi = lax.nextafter(_stop(upper), lax.full_like(upper, -np.inf))
    return jnp.minimum(jnp.maximum(out, lo), hi)


def _stop(x):
    from .interpreters.custom_derivatives import stop_gradient

    return stop_gradient(x)


def randint(key, shape, minval, maxval, dtype=None):
    """Integers uniform in [minval, maxval), with JAX's method: two random words per value,
    combined modulo the span (so the bias is negligible for any span)."""
    jnp = _jnp()
    shape = _shape(shape, "randint")
    dt = dtypes.default_int() if dtype is None else dtypes.canonicalize_dtype(np.dtype(dtype))
    if not dtypes.is_int(dt):
        raise JTransValueError(f"random.randint needs an integer dtype, got {dt.name}")
    minval, maxval = jnp.asarray(minval), jnp.asarray(maxval)
    if not dtypes.is_int(minval.dtype):
        minval = minval.astype(dtypes.default_int())
    if not dtypes.is_int(maxval.dtype):
        maxval = maxval.astype(dtypes.default_int())
    info = np.iinfo(dt)
    if info.bits < 32:  # sample in 32 bits (as JAX does), then cast
        i32 = np.dtype(np.int32)
        minval = lax.clamp(np.int32(info.min), minval.astype(i32), np.int32(info.max))
        maxval = lax.clamp(np.int32(info.min), maxval.astype(i32), np.int32(info.max + 1))
        return lax.convert_element_type(_randint(key, shape, minval, maxval, i32), dt)
    return _randint(key, shape, minval, maxval, dt)


def _randint(key, shape, minval, maxval, dt):
    nbits = dt.itemsize * 8
    udt = np.dtype(f"uint{nbits}")
    info = np.iinfo(dt)
    _check_broadcast("randint", shape, minval, maxval)
    # maxval above dtype's max (e.g. randint(k, s, 0, 256, uint8)) makes the span one larger
    src = np.dtype(maxval.dtype)
    top = max(min(info.max, np.iinfo(src).max), np.iinfo(src).min)
    max_out_of_range = lax.gt(_bcast(maxval, shape), lax.full(shape, top, src))
    minval = _bcast(_clip_to(minval, dt), shape)
    maxval = _bcast(_clip_to(maxval, dt), shape)
    ka, kb = _split2(key)
    higher = _rb.random_bits(*_unstack(ka), nbits, shape)
    lower = _rb.random_bits(*_unstack(kb), nbits, shape)
    one = lax.full(shape, 1, udt)
    span = lax.convert_element_type(lax.sub(maxval, minval), udt)
    span = lax.select(lax.le(maxval, minval), one, span)
    span = lax.select(
        lax.bitwise_and(max_out_of_range, lax.gt(maxval, minval)), lax.add(span, one), span
    )
    # (a 2**N + b) mod d = ((a mod d)(2**N mod d) + b) mod d, in N-bit unsigned arithmetic
    # (a span that wrapped to 0 means the whole range: remainders by it leave x unchanged)
    multiplier = _urem(lax.full_like(span, 2 ** (nbits // 2)), span)
    multiplier = _urem(lax.mul(multiplier, multiplier), span)
    offset = lax.add(lax.mul(_urem(higher, span), multiplier), _urem(lower, span))
    offset = _urem(offset, span)
    return lax.add(minval, lax.convert_element_type(offset, dt))


def _urem(x, span):
    """x mod span, with x mod 0 = x (XLA's convention for integer remainders)."""
    zero = lax.eq(span, lax.full_like(span, 0))
    return lax.select(zero, x, lax.rem(x, lax.select(zero, lax.full_like(span, 1), span)))


def _bcast(x, shape):
    from .numpy._util import broadcast_to_shape

    return broadcast_to_shape(x, tuple(shape))


def _unstack(key2):
    return tuple(lax.index_in_dim(key2, i, 0, keepdims=False) for i in (0, 1))


def _clip_to(x, dt):
    info = np.iinfo(dt)
    src = np.dtype(x.dtype)
    if np.can_cast(src, dt):
        return lax.convert_element_type(x, dt)
    lo = max(info.min, np.iinfo(src).min)
    hi = min(info.max, np.iinfo(src).max)
    x = lax.max(lax.min(x, np.asarray(hi, src)), np.asarray(lo, src))
    return lax.convert_element_type(x, dt)


def bernoulli(key, p=0.5, shape=None):
    """Booleans that are True with probability p."""
    jnp = _jnp()
    p = jnp.asarray(p)
    if not dtypes.is_float(p.dtype):
        p = p.astype(dtypes.default_float())
    shape = p.shape if shape is None else _shape(shape, "bernoulli")
    _check_broadcast("bernoulli", shape, p)
    return lax.lt(uniform(key, shape, p.dtype), _bcast(p, shape))


def gumbel(key, shape=(), dtype=None):
    """Standard Gumbel samples: -log(-log(u))."""
    dt = _float_dtype(dtype, "gumbel")
    u = uniform(key, _shape(shape, "gumbel"), dt, dtypes.finfo(dt).tiny, 1.0)
    return lax.neg(lax.log(lax.neg(lax.log(u))))


def exponential(key, shape=(), dtype=None):
    """Standard exponential samples: -log1p(-u)."""
    dt = _float_dtype(dtype, "exponential")
    u = uniform(key, _shape(shape, "exponential"), dt)
    return lax.neg(lax.log1p(lax.neg(u)))


def _argmax(x, axis):
    """First index of the maximum along axis (lax only)."""
    aval = core.get_aval(x)
    dims = tuple(d for d in range(aval.ndim) if d != axis)
    m = lax.broadcast_in_dim(lax.reduce_max(x, (axis,)), aval.shape, dims)
    idx = lax.broadcasted_iota(dtypes.default_int(), aval.shape, axis)
    n = np.asarray(aval.shape[axis], dtypes.default_int())
    return lax.reduce_min(lax.select(lax.eq(x, m), idx, lax.full_like(idx, n)), (axis,))


def categorical(key, logits, axis=-1, shape=None):
    """Indices sampled with probabilities softmax(logits) along `axis` (Gumbel-max)."""
    jnp = _jnp()
    logits = jnp.asarray(logits)
    if not dtypes.is_float(logits.dtype):
        logits = logits.astype(dtypes.default_float())
    nd = logits.ndim
    if not -nd <= axis < nd:
        raise JTransValueError(f"random.categorical: axis {axis} out of range for rank {nd}")
    if axis >= 0:
        axis -= nd
    batch_shape = tuple(np.delete(np.array(logits.shape, dtype=np.int64), axis).tolist())
    shape = batch_shape if shape is None else _shape(shape, "categorical")
    if shape[len(shape) - len(batch_shape) :] != batch_shape:
        raise JTransValueError(
            f"random.categorical: shape {shape} must end with the logits' batch shape "
            f"{batch_shape} (the logits' shape without axis {axis})"
        )
    prefix = shape[: len(shape) - len(batch_shape)]
    logits_shape = list(shape[len(shape) - len(batch_shape) :])
    logits_shape.insert(axis % nd, logits.shape[axis])
    full_shape = tuple(prefix) + tuple(logits_shape)
    g = gumbel(key, full_shape, logits.dtype)
    lg = lax.broadcast_in_dim(logits, full_shape, tuple(range(len(prefix), len(full_shape))))
    return _argmax(lax.add(g, lg), len(full_shape) + axis)


def _shuffle(key, x, axis):
    """Shuffle x along axis by sorting on random keys (JAX's method; rounds grow with size so
    that ties between 32-bit sort keys are improbable)."""
    jnp = _jnp()
    size = math.prod(x.shape)
    rounds = int(np.ceil(3 * np.log(max(1, size)) / np.log(np.iinfo(np.uint32).max)))
    for _ in range(rounds):
        ka, kb = _split2(key)
        key = _stack_words(*_unstack(ka))
        sort_keys = _rb.random_bits(*_unstack(kb), 32, x.shape)
        order = jnp.argsort(sort_keys, axis=axis, stable=True)
        x = jnp.take_along_axis(x, order, axis=axis)
    return x


def permutation(key, x, axis=0, independent=False):
    """A random permutation of range(x) (x an int), or of x's entries along axis."""
    jnp = _jnp()
    _check_key(key, "permutation")
    if isinstance(x, (int, np.integer)) or (np.ndim(x) == 0 and not hasattr(x, "shape")):
        return _shuffle(key, jnp.arange(int(x)), 0)
    x = jnp.asarray(x)
    if x.ndim == 0:
        if not dtypes.is_int(x.dtype):
            raise JTransTypeError("random.permutation: x must be an integer or an array")
        return _shuffle(key, jnp.arange(int(x)), 0)
    axis = axis % x.ndim
    if independent or x.ndim == 1:
        return _shuffle(key, x, axis)
    ind = _shuffle(key, jnp.arange(x.shape[axis]), 0)
    return jnp.take(x, ind, axis=axis)


def shuffle(key, x, axis=0):
    """Deprecated in JAX: use permutation(key, x, axis, independent=True)."""
    return _shuffle(key, _jnp().asarray(x), axis)


def choice(key, a, shape=(), replace=True, p=None, axis=0):
    """Samples from a (an int n means arange(n)) along axis, with or without replacement,
    uniformly or with probabilities p."""
    jnp = _jnp()
    _check_key(key, "choice")
    shape = _shape(shape, "choice")
    if isinstance(a, (int, np.integer)):
        n_inputs = int(a)
        arr = None
    else:
        arr = jnp.asarray(a)
        if arr.ndim == 0:
            n_inputs, arr = int(arr), None
        else:
            axis = axis % arr.ndim
            n_inputs = arr.shape[axis]
    n_draws = math.prod(shape)
    if n_draws == 0:
        ind = jnp.zeros(shape, dtypes.default_int())
    elif n_inputs <= 0:
        raise JTransValueError("random.choice: a must be non-empty")
    elif not replace and n_draws > n_inputs:
        raise JTransValueError(
            f"random.choice: cannot take {n_draws} samples without replacement from "
            f"{n_inputs} entries; use replace=True or a smaller shape"
        )
    elif p is None:
        if replace:
            ind = randint(key, shape, 0, n_inputs)
        else:
            ind = jnp.reshape(permutation(key, n_inputs)[:n_draws], shape)
    else:
        p = jnp.asarray(p)
        if p.shape != (n_inputs,):
            raise JTransValueError(
                f"random.choice: p must have shape ({n_inputs},) to match a, got {p.shape}"
            )
        if replace:
            cdf = jnp.cumsum(p)
            r = jnp.multiply(cdf[-1], jnp.subtract(1, uniform(key, shape, p.dtype)))
            ind = jnp.searchsorted(cdf, r).astype(dtypes.default_int())
        else:
            # Gumbel top-k: the n_draws largest of gumbel + log p
            g = jnp.add(gumbel(key, (n_inputs,), p.dtype), jnp.log(p))
            ind = jnp.reshape(jnp.argsort(jnp.negative(g), stable=True)[:n_draws], shape)
    if arr is None:
        return ind
    return jnp.take(arr, jnp.reshape(ind, (-1,)), axis=axis).reshape(
        arr.shape[:axis] + shape + arr.shape[axis + 1 :]
    )
