"""jtrans.random: JAX's counter-based random numbers. A key is either a typed key (`key(seed)`:
a PRNGKeyArray of shape () and dtype key<fry>, as `jax.random.key` makes) or a legacy raw
uint32[2] array (`PRNGKey(seed)`); both give the same bits. Every function is a pure function
of its key, so the same key gives the same numbers on every backend, under jit and under vmap
(over keys or parameters).

The bits are JAX's (threefry-2x32, in JAX's classic scheme by default,
`jax_threefry_partitionable=False`, or its partitionable one when that option is True), and so are the bits-to-number methods: `uniform` takes the
top mantissa bits of each word, `normal` is sqrt(2) erfinv(u), `randint` uses two words per
value, `categorical` is Gumbel-max, `permutation` sorts by random keys.
"""

import functools
import math

import numpy as np

from . import core, dtypes, lax, tree_util
from .array import Array
from .errors import JTransTypeError, JTransValueError
from .interpreters.custom_derivatives import custom_jvp
from .lax import random_bits as _rb

_U32 = np.dtype(np.uint32)

__all__ = [
    "PRNGKey",
    "ball",
    "bernoulli",
    "beta",
    "binomial",
    "bits",
    "categorical",
    "cauchy",
    "chisquare",
    "choice",
    "clone",
    "dirichlet",
    "double_sided_maxwell",
    "exponential",
    "f",
    "fold_in",
    "gamma",
    "generalized_normal",
    "geometric",
    "gumbel",
    "key",
    "key_data",
    "key_dtype",
    "key_impl",
    "laplace",
    "loggamma",
    "logistic",
    "lognormal",
    "maxwell",
    "multinomial",
    "multivariate_normal",
    "normal",
    "orthogonal",
    "pareto",
    "permutation",
    "poisson",
    "rademacher",
    "randint",
    "rayleigh",
    "shuffle",
    "split",
    "t",
    "triangular",
    "truncated_normal",
    "uniform",
    "wald",
    "weibull_min",
    "wrap_key_data",
]


# ---------------------------------------------------------------------------------------------
# keys: raw keys are uint32[..., 2] arrays (PRNGKey); typed keys are PRNGKeyArrays (key)


class KeyDType(dtypes.ExtendedDType):
    """The element type of typed key arrays, printed key<fry> (threefry2x32), as JAX's:
    `jnp.issubdtype(random.key(0).dtype, jtrans.dtypes.prng_key)` holds."""

    type = dtypes.prng_key
    name = "key<fry>"
    itemsize = 8  # two uint32 words

    def __repr__(self):
        return self.name

    __str__ = __repr__

    def __eq__(self, other):
        return type(other) is KeyDType

    def __hash__(self):
        return hash(KeyDType)


_KEY_DTYPE = KeyDType()


class PRNGKeyArray:
    """A typed key array (what `key` and `wrap_key_data` make): an array of `shape` whose
    elements are threefry keys, of dtype key<fry>. It is stored as its two uint32 words, each
    an array of the key array's own shape; they are its pytree children, so jit, vmap (with any
    in/out axes), scan, while_loop and cond carry key arrays, and no transformation can reach
    the key's hidden words axis. Keys support indexing and reshaping but no arithmetic."""

    __slots__ = ("_k0", "_k1")
    __array_priority__ = 100
    __hash__ = None

    def __init__(self, k0, k1):
        # no checks: tree_util rebuilds key arrays around arbitrary leaves (axis specs, avals)
        self._k0, self._k1 = k0, k1

    shape = property(lambda self: tuple(self._k0.shape))
    ndim = property(lambda self: len(self._k0.shape))
    size = property(lambda self: math.prod(self._k0.shape))
    dtype = property(lambda self: _KEY_DTYPE)
    itemsize = property(lambda self: _KEY_DTYPE.itemsize)
    nbytes = property(lambda self: self.size * _KEY_DTYPE.itemsize)

    def _map(self, fn):
        return PRNGKeyArray(fn(self._k0), fn(self._k1))

    def __getitem__(self, idx):
        if isinstance(idx, PRNGKeyArray):
            raise JTransTypeError("a key array cannot be used as an index")
        if isinstance(idx, (int, np.integer)) and self.ndim:
            n = self.shape[0]
            if not -n <= idx < n:
                raise IndexError(f"index {idx} is out of bounds for axis 0 with size {n}")
            return self._map(lambda w: lax.index_in_dim(w, int(idx) % n, 0, keepdims=False))
        return self._map(lambda w: w[idx])

    def reshape(self, *shape, order="C"):
        return self._map(lambda w: _jnp().reshape(w, shape[0] if len(shape) == 1 else shape,
                                                  order=order))  # fmt: skip

    def ravel(self, order="C"):
        return self.reshape(-1, order=order)

    flatten = ravel

    def squeeze(self, axis=None):
        return self._map(lambda w: _jnp().squeeze(w, axis))

    def swapaxes(self, axis1, axis2):
        return self._map(lambda w: _jnp().swapaxes(w, axis1, axis2))

    def transpose(self, *axes):
        axes = axes[0] if len(axes) == 1 else (axes or None)
        return self._map(lambda w: _jnp().transpose(w, axes))

    T = property(lambda self: self.transpose())
    mT = property(lambda self: self.swapaxes(-1, -2))

    def take(self, indices, axis=None, mode=None, fill_value=None):
        if fill_value is not None:
            raise JTransTypeError("take on key arrays does not support fill_value")
        return self._map(lambda w: _jnp().take(w, indices, axis=axis, mode=mode))

    @property
    def at(self):
        return _KeyIndexUpdate(self)

    def __len__(self):
        if not self.ndim:
            raise TypeError("len() of unsized object (a 0-d key array)")
        return self.shape[0]

    def __iter__(self):
        if not self.ndim:
            raise TypeError("iteration over a 0-d key array")
        return (self[i] for i in range(self.shape[0]))

    def __eq__(self, other):
        return _key_compare(self, other, "==", True)

    def __ne__(self, other):
        return _key_compare(self, other, "!=", False)

    def __bool__(self):
        raise TypeError("a key array cannot be converted to a boolean")

    def __array__(self, dtype=None, copy=None):
        raise TypeError(
            "a jtrans array with PRNG key dtype key<fry> cannot be converted to a NumPy array; "
            "use jtrans.random.key_data(keys) for the underlying uint32 array"
        )

    def astype(self, dtype):
        raise JTransTypeError(
            f"cannot convert a key array (dtype key<fry>) to {dtype}; use "
            f"jtrans.random.key_data(keys) for the underlying uint32 array"
        )

    def __repr__(self):
        if isinstance(self._k0, Array) and isinstance(self._k1, Array):
            data = np.stack([np.asarray(self._k0), np.asarray(self._k1)], axis=-1)
            return f"Array({self.shape}, dtype=key<fry>) overlaying:\n{data}"
        return f"Traced<key<fry>{list(self.shape)}>"

    def copy(self):
        return self

    def __copy__(self):
        return self

    def block_until_ready(self):
        for w in (self._k0, self._k1):
            if hasattr(w, "block_until_ready"):
                w.block_until_ready()
        return self

    def devices(self):
        return self._k0.devices()

    @property
    def device(self):
        return self._k0.device

    def is_fully_addressable(self):
        return True

    @property
    def sharding(self):
        return getattr(self._k0, "sharding", None)


def _no_arithmetic(op):
    def method(self, *args):
        raise JTransTypeError(
            f"{op} is not defined on key arrays (dtype key<fry>): derive new keys with "
            f"jtrans.random.split or fold_in; for the raw uint32 words use "
            f"jtrans.random.key_data(keys)"
        )

    return method


for _op in ("add", "sub", "mul", "truediv", "floordiv", "mod", "divmod", "pow", "matmul",
            "and", "or", "xor", "lshift", "rshift"):  # fmt: skip
    setattr(PRNGKeyArray, f"__{_op}__", _no_arithmetic(_op))
    setattr(PRNGKeyArray, f"__r{_op}__", _no_arithmetic(_op))
for _op in ("neg", "pos", "abs", "invert", "lt", "le", "gt", "ge", "int", "float", "complex",
            "index"):  # fmt: skip
    setattr(PRNGKeyArray, f"__{_op}__", _no_arithmetic(_op))
del _op


def _key_compare(a, b, op, eq):
    if not isinstance(b, PRNGKeyArray):
        if isinstance(b, (int, float, complex, bool, np.ndarray, np.generic, Array, core.Tracer)):
            raise JTransTypeError(
                f"key array {op} {type(b).__name__}: a key array compares only with key arrays"
            )
        return NotImplemented
    jnp = _jnp()
    same = jnp.logical_and(jnp.equal(a._k0, b._k0), jnp.equal(a._k1, b._k1))
    return same if eq else jnp.logical_not(same)


class _KeyIndexUpdate:
    """keys.at[idx].set(new_keys) / .get(): indexed updates of key arrays (JAX's `at`)."""

    __slots__ = ("keys", "idx")

    def __init__(self, keys, idx=None):
        self.keys, self.idx = keys, idx

    def __getitem__(self, idx):
        return _KeyIndexUpdate(self.keys, idx)

    def get(self, **kwargs):
        return self.keys._map(lambda w: w.at[self.idx].get(**kwargs))

    def set(self, values, **kwargs):
        if not isinstance(values, PRNGKeyArray):
            raise JTransTypeError(
                f"keys.at[...].set needs a key array of values, got {type(values).__name__}"
            )
        k0 = self.keys._k0.at[self.idx].set(values._k0, **kwargs)
        k1 = self.keys._k1.at[self.idx].set(values._k1, **kwargs)
        return PRNGKeyArray(k0, k1)


tree_util.register_pytree_node(
    PRNGKeyArray, lambda k: ((k._k0, k._k1), None), lambda _, words: PRNGKeyArray(*words)
)
core.ArrayType.register(PRNGKeyArray)  # isinstance(key, jtrans.Array) holds, as in JAX


def _map_words(fn, *keys):
    """fn applied to each word of key arrays (for jnp.stack/concatenate/where on keys):
    fn(*first_words) and fn(*second_words) make the words of the result."""
    for k in keys:
        if not isinstance(k, PRNGKeyArray):
            raise JTransTypeError(
                f"key arrays (dtype key<fry>) combine only with key arrays, got "
                f"{type(k).__name__}; wrap raw uint32 keys with jtrans.random.wrap_key_data"
            )
    return PRNGKeyArray(fn(*(k._k0 for k in keys)), fn(*(k._k1 for k in keys)))


def _is_typed(key):
    return isinstance(key, PRNGKeyArray)


def _wrap(data):
    """Raw keys uint32[..., 2] -> the typed key array of shape `...`."""
    n = core.get_aval(data).ndim - 1
    return PRNGKeyArray(*(lax.index_in_dim(data, i, n, keepdims=False) for i in (0, 1)))


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
    """The two uint32 words of a single key (raw or typed)."""
    if isinstance(key, PRNGKeyArray):
        _check_typed(key, name)
        return key._k0, key._k1
    return _unstack(_check_key(key, name))


def _check_typed(key, name):
    if key.shape != ():
        raise JTransTypeError(
            f"jtrans.random.{name} accepts a single key, but was given a key array of shape "
            f"{key.shape} != (). For a batch of keys, map over them: "
            f"jtrans.vmap(lambda k: jtrans.random.{name}(k, ...))(keys)."
        )


def _raw(key, name):
    """A single key (raw or typed) -> its raw uint32[2] array."""
    if isinstance(key, PRNGKeyArray):
        _check_typed(key, name)
        return _stack_words(key._k0, key._k1)
    return _check_key(key, name)


def _check_key(key, name):
    """A single key: a typed key of shape () (returned as is) or a raw uint32[2] array (as an
    operand); an error naming random.`name` otherwise."""
    if isinstance(key, PRNGKeyArray):
        _check_typed(key, name)
        return key
    if isinstance(key, (np.ndarray, list, tuple)):
        key = lax.as_operand(np.asarray(key, _U32))
    try:
        aval = core.get_aval(key)
    except (TypeError, AttributeError):
        aval = None
    if aval is None or aval.shape != (2,) or aval.dtype != _U32:
        got = "a " + type(key).__name__ if aval is None else f"{aval.dtype.name}{list(aval.shape)}"
        raise JTransTypeError(
            f"jtrans.random.{name} expects a single key, made by jtrans.random.key(seed) (a "
            f"typed key of shape ()), jtrans.random.PRNGKey(seed) (a raw uint32[2] array) or "
            f"split(key), but got {got}. For a batch of keys, map over them: "
            f"jtrans.vmap(lambda k: jtrans.random.{name}(k, ...))(keys)."
        )
    return key


def _seed_words(seed, who):
    if isinstance(seed, PRNGKeyArray):
        raise JTransTypeError(f"{who} seed must be an integer, got a key array; use split(key)")
    if isinstance(seed, Array) and seed.shape == () and dtypes.is_int(seed.dtype):
        seed = int(seed)
    if isinstance(seed, (float, complex, bool)) or (
        isinstance(seed, (np.ndarray, np.generic)) and not np.issubdtype(seed.dtype, np.integer)
    ):
        raise JTransTypeError(f"{who} seed must be an integer, got {seed!r}")
    shape = getattr(seed, "shape", ())
    if shape != ():
        raise JTransTypeError(
            f"{who} accepts a scalar seed, but was given an array of shape {tuple(shape)} != (); "
            f"for a batch of keys map over the seeds: jtrans.vmap(jtrans.{who})(seeds)"
        )
    if isinstance(seed, np.ndarray):
        seed = int(seed)
    return _rb.seed_words(seed)


def PRNGKey(seed):
    """A legacy raw key from an integer seed: uint32[2] holding the seed's high and low 32
    bits. Prefer `key(seed)`, which makes a typed key of the same bits."""
    return _stack_words(*_seed_words(seed, "random.PRNGKey"))


def _check_impl(impl, dtype=None):
    if impl not in (None, "threefry2x32"):
        raise JTransValueError(f"jtrans.random supports only impl='threefry2x32', got {impl!r}")
    if dtype is None or isinstance(dtype, KeyDType) or dtype in ("threefry2x32", "key<fry>"):
        return
    if isinstance(dtype, dtypes.ExtendedDType) or np.dtype(dtype) != _U32:
        raise JTransValueError(
            f"jtrans.random keys have dtype random.key_dtype() (key<fry>), got dtype={dtype!r}"
        )


def key(seed, impl=None, *, dtype=None):
    """A typed key from an integer seed: a key array of shape () and dtype key<fry> (JAX's
    `jax.random.key`). It gives the same bits as the raw key `PRNGKey(seed)`."""
    _check_impl(impl, dtype)
    return PRNGKeyArray(*_seed_words(seed, "random.key"))


def _key_words(x, expects):
    """x as a uint32[..., 2] array of key words, else a TypeError: `expects`, got ..."""
    x = lax.as_operand(x)
    aval = core.get_aval(x)
    if aval.shape[-1:] != (2,) or aval.dtype != _U32:
        raise JTransTypeError(f"{expects}, got {aval.dtype.name}{list(aval.shape)}")
    return x


def key_data(keys):
    """The uint32[..., 2] data of typed keys (raw keys are returned as they are)."""
    if isinstance(keys, PRNGKeyArray):
        return _stack_words(keys._k0, keys._k1)
    return _key_words(keys, "random.key_data expects keys (a typed key array or a uint32 array "
                            "whose last axis has size 2)")  # fmt: skip


def wrap_key_data(key_bits_array, impl=None, *, dtype=None):
    """Typed keys from their uint32[..., 2] data: a key array of shape `...`."""
    _check_impl(impl, dtype)
    if isinstance(key_bits_array, PRNGKeyArray):
        raise JTransTypeError("wrap_key_data expects a uint32 array, got a key array")
    return _wrap(_key_words(key_bits_array, "wrap_key_data expects a uint32 array whose last "
                                            "axis has size 2"))  # fmt: skip


def split(key, num=2):
    """`num` new keys (num an int or a shape): a typed key array of shape num for a typed
    key, a raw array of shape (*num, 2) for a raw one."""
    shape = (int(num),) if np.ndim(num) == 0 else tuple(int(d) for d in num)
    k0, k1 = _words(key, "split")
    if _rb.partitionable():  # key i is the threefry block of the counter pair (0, i)
        y0, y1 = _rb.counter_blocks(k0, k1, shape)
        return PRNGKeyArray(y0, y1) if _is_typed(key) else _stack_words(y0, y1)
    raw = lax.reshape(_rb.random_bits(k0, k1, 32, (2 * math.prod(shape),)), shape + (2,))
    return _wrap(raw) if _is_typed(key) else raw


def _split2(key):
    # two raw keys, split(key) without slicing: JAX's split(key, 2) is the stream of 4 words,
    # whose blocks are (0, 2) and (1, 3); the first key is word 0 of both blocks, the second
    # word 1
    k0, k1 = _words(key, "split")
    if _rb.partitionable():
        keys = _stack_words(*_rb.counter_blocks(k0, k1, (2,)))
        return tuple(lax.index_in_dim(keys, i, 0, keepdims=False) for i in (0, 1))
    j = lax.iota(_U32, 2)
    y0, y1 = _rb.threefry2x32(k0, k1, j, lax.add(j, np.uint32(2)))
    return y0, y1


def fold_in(key, data):
    """A new key from `key` and an integer `data` (JAX's threefry_fold_in); typed if key is."""
    k0, k1 = _words(key, "fold_in")
    if isinstance(data, (int, np.integer)):
        d = lax.full((), int(data) & 0xFFFFFFFF, _U32)
    else:
        d = lax.convert_element_type(lax.as_operand(data), _U32)
    y0, y1 = _rb.threefry2x32(k0, k1, lax.full((), 0, _U32), d)
    return PRNGKeyArray(y0, y1) if _is_typed(key) else _stack_words(y0, y1)


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
    dtypes.check_user_dtype_supported(dtype, name)
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
    """Raw random bits: unsigned integers of `dtype` (default uint32, uint64 under x64)."""
    dtypes.check_user_dtype_supported(dtype, "bits")
    if dtype is None:
        dtype = np.uint64 if dtypes.config.jax_enable_x64 else np.uint32
    dt = dtypes.canonicalize_dtype(np.dtype(dtype))
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
    key = _check_key(key, "uniform")
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
        try:
            ok = len(s) <= len(shape) and _jnp().broadcast_shapes(s, shape) == shape
        except ValueError:
            ok = False
        if not ok:
            raise JTransValueError(
                f"random.{name}: a parameter of shape {s} does not broadcast to the requested "
                f"shape {shape}; pass a shape the parameters broadcast to"
            )


def normal(key, shape=(), dtype=None):
    """Standard normal samples: sqrt(2) erfinv(u) with u uniform in (-1, 1). A complex dtype
    gives (re + i im) / sqrt(2) from two split keys, as JAX's."""
    key = _check_key(key, "normal")
    shape = _shape(shape, "normal")
    if dtype is not None and dtypes.is_complex(np.dtype(dtype)):
        cdt = dtypes.canonicalize_dtype(np.dtype(dtype))
        rdt = dtypes.finfo(cdt).dtype
        k_re, k_im = _keys(key, 2)
        re = lax.convert_element_type(normal(k_re, shape, rdt), cdt)
        im = lax.convert_element_type(normal(k_im, shape, rdt), cdt)
        z = lax.add(re, lax.mul(im, np.asarray(1j, cdt)))
        return lax.div(z, np.asarray(np.sqrt(2.0), cdt))
    dt = _float_dtype(dtype, "normal")
    lo = np.nextafter(np.array(-1.0, dt), np.array(0.0, dt), dtype=dt)
    u = uniform(key, shape, dt, lo, 1.0)
    return lax.mul(lax.erf_inv(u), np.asarray(np.sqrt(2.0), dt))


def truncated_normal(key, lower, upper, shape=None, dtype=None):
    """Normal samples truncated to [lower, upper] (inverse-CDF method)."""
    key = _check_key(key, "truncated_normal")
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
    key = _check_key(key, "randint")
    jnp = _jnp()
    shape = _shape(shape, "randint")
    dtypes.check_user_dtype_supported(dtype, "randint")
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
    key = _check_key(key, "bernoulli")
    jnp = _jnp()
    p = jnp.asarray(p)
    if not dtypes.is_float(p.dtype):
        p = p.astype(dtypes.default_float())
    shape = p.shape if shape is None else _shape(shape, "bernoulli")
    _check_broadcast("bernoulli", shape, p)
    return lax.lt(uniform(key, shape, p.dtype), _bcast(p, shape))


def gumbel(key, shape=(), dtype=None):
    """Standard Gumbel samples: -log(-log(u))."""
    key = _check_key(key, "gumbel")
    dt = _float_dtype(dtype, "gumbel")
    u = uniform(key, _shape(shape, "gumbel"), dt, dtypes.finfo(dt).tiny, 1.0)
    return lax.neg(lax.log(lax.neg(lax.log(u))))


def exponential(key, shape=(), dtype=None):
    """Standard exponential samples: -log1p(-u)."""
    key = _check_key(key, "exponential")
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
    key = _check_key(key, "categorical")
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
    key = _check_key(key, "permutation")
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
    key = _check_key(key, "shuffle")
    return _shuffle(key, _jnp().asarray(x), axis)


def choice(key, a, shape=(), replace=True, p=None, axis=0):
    """Samples from a (an int n means arange(n)) along axis, with or without replacement,
    uniformly or with probabilities p."""
    jnp = _jnp()
    key = _check_key(key, "choice")
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


# ---------------------------------------------------------------------------------------------
# more samplers (JAX's jax.random set). Parameters broadcast against `shape` (None: the
# parameters' broadcast shape); rejection samplers run one lax.while_loop over the whole array,
# freezing each lane once it has accepted, so they work eagerly, under jit and under vmap.


def _sampler(fn):
    """Checks that the first argument is a single key (an error naming `fn` otherwise)."""

    @functools.wraps(fn)
    def sampler(key, *args, **kwargs):
        return fn(_check_key(key, fn.__name__), *args, **kwargs)

    return sampler


def _keys(key, num):
    """`num` independent raw keys (a list of uint32[2] values) from one key."""
    ks = split(_raw(key, "split"), num)
    return [lax.index_in_dim(ks, i, 0, keepdims=False) for i in range(num)]


def _param(x, dt):
    return lax.convert_element_type(_jnp().asarray(x), dt)


def _out_shape(name, shape, *params):
    """`shape` (checked against the parameters) or, when None, the parameters' shape."""
    jnp = _jnp()
    if shape is None:
        return jnp.broadcast_shapes(*(core.get_aval(p).shape for p in params))
    shape = _shape(shape, name)
    _check_broadcast(name, shape, *params)
    return shape


def _int_dtype(dtype, name):
    dt = dtypes.default_int() if dtype is None else dtypes.canonicalize_dtype(np.dtype(dtype))
    if not dtypes.is_int(dt):
        raise JTransValueError(
            f"random.{name} needs an integer dtype, got {dt.name}; e.g. jnp.int32"
        )
    return dt


def _work_float(x):
    """The float dtype in which to compute with parameter x: its own if float32/64, else the
    default float."""
    dt = np.dtype(core.get_aval(x).dtype)
    return dt if dtypes.is_float(dt) and dt.itemsize >= 4 else dtypes.default_float()


def _all(x):
    return lax.reduce_and(x, tuple(range(core.get_aval(x).ndim)))


def _any(x):
    return lax.reduce_or(x, tuple(range(core.get_aval(x).ndim)))


def _c(x, v):
    """A constant v of x's dtype (a rank-0 operand that broadcasts in elementwise lax ops)."""
    return np.asarray(v, core.get_aval(x).dtype)


def _where(c, x, y):
    shape = core.get_aval(c).shape
    return lax.select(c, _bcast(x, shape), _bcast(y, shape))


# --- continuous, from uniforms / normals ---------------------------------------------------


@_sampler
def cauchy(key, shape=(), dtype=None):
    """Standard Cauchy samples: tan(pi (u - 1/2))."""
    dt = _float_dtype(dtype, "cauchy")
    u = uniform(key, _shape(shape, "cauchy"), dt, dtypes.finfo(dt).eps, 1.0)
    return lax.tan(lax.mul(_c(u, np.pi), lax.sub(u, _c(u, 0.5))))


@_sampler
def laplace(key, shape=(), dtype=None):
    """Standard Laplace samples (density e^-|x| / 2)."""
    dt = _float_dtype(dtype, "laplace")
    lo = -1.0 + float(dtypes.finfo(dt).epsneg)
    u = uniform(key, _shape(shape, "laplace"), dt, lo, 1.0)
    return lax.mul(lax.sign(u), lax.log1p(lax.neg(lax.abs(u))))


@_sampler
def logistic(key, shape=(), dtype=None):
    """Standard logistic samples: log(u / (1 - u))."""
    dt = _float_dtype(dtype, "logistic")
    u = uniform(key, _shape(shape, "logistic"), dt, dtypes.finfo(dt).eps, 1.0)
    return lax.log(lax.div(u, lax.sub(_c(u, 1.0), u)))


@_sampler
def lognormal(key, sigma=1.0, shape=None, dtype=None):
    """exp(sigma * N(0, 1))."""
    dt = _float_dtype(dtype, "lognormal")
    sigma = _param(sigma, dt)
    shape = _out_shape("lognormal", shape, sigma)
    return lax.exp(lax.mul(normal(key, shape, dt), _bcast(sigma, shape)))


@_sampler
def maxwell(key, shape=(), dtype=None):
    """One-sided Maxwell samples: the norm of three standard normals."""
    dt = _float_dtype(dtype, "maxwell")
    shape = _shape(shape, "maxwell")
    z = normal(key, shape + (3,), dt)
    return lax.sqrt(lax.reduce_sum(lax.mul(z, z), (len(shape),)))


@_sampler
def double_sided_maxwell(key, loc, scale, shape=(), dtype=None):
    """loc + scale * (random sign) * maxwell; the result has shape `shape` + the parameters'
    broadcast shape."""
    jnp = _jnp()
    dt = _float_dtype(dtype, "double_sided_maxwell")
    loc, scale = _param(loc, dt), _param(scale, dt)
    shape = _shape(shape, "double_sided_maxwell") + jnp.broadcast_shapes(loc.shape, scale.shape)
    k_m, k_s = _keys(key, 2)
    x = lax.mul(maxwell(k_m, shape, dt), rademacher(k_s, shape, dt))
    return jnp.add(jnp.multiply(x, scale), loc)


@_sampler
def rademacher(key, shape=(), dtype=None):
    """-1 or +1 with equal probability (default dtype int)."""
    dt = dtypes.default_int() if dtype is None else dtypes.canonicalize_dtype(np.dtype(dtype))
    b = bernoulli(key, 0.5, _shape(shape, "rademacher"))
    b = lax.convert_element_type(b, dt)
    return lax.sub(lax.mul(b, _c(b, 2)), _c(b, 1))


@_sampler
def pareto(key, b, shape=None, dtype=None):
    """Pareto samples (density b / x^(b+1) on x >= 1): exp(E / b), E standard exponential."""
    dt = _float_dtype(dtype, "pareto")
    b = _param(b, dt)
    shape = _out_shape("pareto", shape, b)
    return lax.exp(lax.div(exponential(key, shape, dt), _bcast(b, shape)))


@_sampler
def rayleigh(key, scale, shape=None, dtype=None):
    """Rayleigh samples: scale sqrt(-2 log(u)) (JAX's formula)."""
    dt = _float_dtype(dtype, "rayleigh")
    scale = _param(scale, dt)
    shape = _out_shape("rayleigh", shape, scale)
    u = uniform(key, shape, dt)
    r = lax.sqrt(lax.mul(lax.log(u), _c(u, -2.0)))
    return lax.mul(_bcast(scale, shape), r)


@_sampler
def weibull_min(key, scale, concentration, shape=(), dtype=None):
    """Weibull samples: scale (-log(1 - u))^(1 / concentration). As in JAX the result has the
    broadcast shape of `shape` and the parameters."""
    jnp = _jnp()
    dt = _float_dtype(dtype, "weibull_min")
    scale, concentration = _param(scale, dt), _param(concentration, dt)
    u = uniform(key, _shape(shape, "weibull_min"), dt)
    e = lax.neg(lax.log1p(lax.neg(u)))
    return jnp.multiply(jnp.power(e, jnp.divide(1.0, concentration)), scale)


@_sampler
def wald(key, mean, shape=None, dtype=None):
    """Wald (inverse Gaussian with unit shape) samples, by Michael, Schucany and Haas."""
    dt = _float_dtype(dtype, "wald")
    mean = _param(mean, dt)
    shape = _out_shape("wald", shape, mean)
    mu = _bcast(mean, shape)
    k_n, k_u = _keys(key, 2)
    v = normal(k_n, shape, dt)
    z = uniform(k_u, shape, dt)
    y = lax.mul(v, v)
    mu2 = lax.mul(mu, mu)
    root = lax.sqrt(lax.add(lax.mul(_c(y, 4.0), lax.mul(mu, y)), lax.mul(mu2, lax.mul(y, y))))
    x = lax.sub(
        lax.add(mu, lax.mul(_c(y, 0.5), lax.mul(mu2, y))), lax.mul(_c(y, 0.5), lax.mul(mu, root))
    )
    return lax.select(lax.le(z, lax.div(mu, lax.add(mu, x))), x, lax.div(mu2, x))


@_sampler
def triangular(key, left, mode, right, shape=None, dtype=None):
    """Triangular samples on [left, right] with peak at mode (inverse CDF)."""
    dt = _float_dtype(dtype, "triangular")
    left, mode, right = (_param(v, dt) for v in (left, mode, right))
    shape = _out_shape("triangular", shape, left, mode, right)
    left, mode, right = (_bcast(v, shape) for v in (left, mode, right))
    width = lax.sub(right, left)
    fc = lax.div(lax.sub(mode, left), width)
    u = uniform(key, shape, dt)
    lo = lax.add(left, lax.sqrt(lax.mul(lax.mul(u, width), lax.sub(mode, left))))
    hi_w = lax.mul(lax.mul(lax.sub(_c(u, 1.0), u), width), lax.sub(right, mode))
    hi = lax.sub(right, lax.sqrt(hi_w))
    return lax.select(lax.lt(u, fc), lo, hi)


@_sampler
def geometric(key, p, shape=None, dtype=None):
    """Number of Bernoulli(p) trials up to and including the first success (values >= 1)."""
    odt = _int_dtype(dtype, "geometric")
    p = _jnp().asarray(p)
    p = lax.convert_element_type(p, _work_float(p))
    shape = _out_shape("geometric", shape, p)
    u = uniform(key, shape, p.dtype)
    # JAX's formula: floor(log(u) / log1p(-p)) + 1, with u == 0 read as 1 (no infinite log)
    u = lax.select(lax.eq(u, _c(u, 0.0)), lax.full_like(u, 1.0), u)
    ratio = lax.div(lax.log(u), _bcast(lax.log1p(lax.neg(p)), shape))
    return lax.convert_element_type(lax.add(lax.floor(ratio), _c(u, 1.0)), odt)


# --- gamma and its family --------------------------------------------------------------------


def _gamma_one(key, alpha):
    """log of one Gamma(alpha) sample from a raw key, as JAX's `_gamma_one(log_space=True)`:
    Marsaglia & Tsang with the same key splits, loops and arithmetic, so the samples are JAX's.
    alpha < 1 samples Gamma(alpha + 1) and adds log(u) / alpha."""
    dt = core.get_aval(alpha).dtype
    zero, one = _c(alpha, 0.0), _c(alpha, 1.0)
    boost_mask = lax.ge(alpha, one)
    alpha_orig = alpha
    alpha = lax.select(boost_mask, alpha, lax.add(alpha, one))
    d = lax.sub(alpha, _c(alpha, 1.0 / 3.0))
    c = lax.div(_c(alpha, 1.0 / 3.0), lax.sqrt(d))

    def reject(state):  # the loop runs while the proposal fails both acceptance tests
        _, x2, v3, u = state
        squeeze = lax.ge(u, lax.sub(one, lax.mul(_c(alpha, 0.0331), lax.mul(x2, x2))))
        bound = lax.add(
            lax.mul(x2, _c(alpha, 0.5)), lax.mul(d, lax.add(lax.sub(one, v3), lax.log(v3)))
        )
        return lax.bitwise_and(squeeze, lax.ge(lax.log(u), bound))

    def propose(state):
        k, x_key, u_key = _keys(state[0], 3)

        def next_x(kxv):
            kk, sub = _keys(kxv[0], 2)
            x = normal(sub, (), dt)
            return kk, x, lax.add(one, lax.mul(x, c))

        _, x, v = lax.while_loop(lambda kxv: lax.le(kxv[2], zero), next_x, (x_key, zero, -one))
        return k, lax.mul(x, x), lax.mul(lax.mul(v, v), v), uniform(u_key, (), dt)

    key, subkey = _keys(key, 2)
    _, _, v3, _ = lax.while_loop(reject, propose, (key, zero, one, _c(alpha, 2.0)))
    log_u = lax.neg(exponential(subkey, (), dt))
    skip = lax.bitwise_or(boost_mask, lax.eq(log_u, zero))
    log_boost = lax.select(skip, zero, lax.mul(log_u, lax.div(one, alpha_orig)))
    return lax.add(lax.add(lax.log(d), lax.log(v3)), log_boost)


def _loggamma_raw(key, a):
    """log of Gamma(a) samples (a: float array of the output shape; no derivative): one key per
    element (split(key, a.size)), each sampled by `_gamma_one` (batched, not looped), as JAX's
    random_gamma. Lanes with a <= 0 or NaN give NaN."""
    from .lax.control_flow import _vmap0

    aval = core.get_aval(a)
    shape, n = aval.shape, math.prod(aval.shape)
    if n == 0:
        return lax.full(shape, 0.0, aval.dtype)
    valid = lax.gt(a, _c(a, 0.0))  # False for NaN too
    safe_a = lax.reshape(lax.select(valid, a, lax.full_like(a, 1.0)), (n,))
    keys = split(_raw(key, "gamma"), n)
    out = lax.reshape(_vmap0(lambda ka: _gamma_one(*ka), (keys, safe_a)), shape)
    return lax.select(valid, out, lax.full_like(out, np.nan))


_MAX_ITER = 2000


def _dlogx_da(a, log_x):
    """d log(x) / d a along the sample path of x ~ Gamma(a) (implicit reparameterisation:
    P(a, x(a)) = u held fixed, so dx/da = -(dP/da) / p(x; a)). dP/da comes from the series of
    P (x <= max(1, a)) or Cephes' continued fraction of Q = 1 - P, each differentiated in a
    term by term; both are written relative to x p(x; a) so no exponential can under/overflow."""
    dt = core.get_aval(a).dtype
    eps = float(dtypes.finfo(dt).eps)
    x = lax.exp(log_x)  # may underflow to 0: the series then needs only log_x
    ok = lax.bitwise_and(lax.gt(a, _c(a, 0.0)), lax.is_finite(log_x))
    a = lax.select(ok, a, lax.full_like(a, 1.0))
    x = lax.select(ok, x, lax.full_like(x, 0.5))
    log_x = lax.select(ok, log_x, lax.full_like(x, np.log(0.5)))
    one_ = lax.full_like(a, 1.0)
    # large a: the series / fraction need ~sqrt(a) terms and lose accuracy to rounding; the
    # Wilson-Hilferty form x = a w^3, w = 1 - 1/(9a) + z / (3 sqrt(a)) (z fixed) is then more
    # accurate (its derivative's relative error: ~6e-6 at a = 1e3, ~7e-9 at 1e5, ~4e-10 at 1e6)
    large = lax.ge(a, _c(a, 1e3 if dt.itemsize < 8 else 1e5))
    w = lax.exp(lax.div(lax.sub(log_x, lax.log(a)), _c(a, 3.0)))
    z = lax.mul(
        lax.add(lax.sub(w, one_), lax.div(_c(a, 1 / 9), a)), lax.sqrt(lax.mul(a, _c(a, 9.0)))
    )
    dw = lax.sub(
        lax.div(_c(a, 1 / 9), lax.mul(a, a)),
        lax.div(z, lax.mul(_c(a, 6.0), lax.pow(a, _c(a, 1.5)))),
    )
    d_large = lax.add(lax.div(one_, a), lax.div(lax.mul(_c(a, 3.0), dw), w))
    use_cf = lax.bitwise_and(lax.gt(x, _c(x, 1.0)), lax.gt(x, a))
    # each method sees harmless values in the other's lanes (which it leaves untouched)
    x_s = lax.select(use_cf, lax.full_like(x, 0.5), x)
    x_cf = lax.select(use_cf, x, lax.add(a, _c(a, 1.0)))
    zero, one = lax.full_like(a, 0.0), lax.full_like(a, 1.0)
    not_ = lax.bitwise_not
    and_ = lax.bitwise_and

    def small(v, ref):
        return lax.le(lax.abs(v), lax.mul(_c(v, eps), lax.abs(ref)))

    def running(state):
        return and_(lax.lt(state[0], _MAX_ITER), not_(_all(state[-1])))

    # series: P = x^a e^-x / Gamma(a+1) * S, S = sum_n t_n, t_n = t_{n-1} x / (a + n)
    def series_body(state):
        i, n, t, dt_, s, ds, done = state
        n = lax.add(n, one)
        r = lax.div(x_s, lax.add(a, n))
        t_new = lax.mul(t, r)
        dt_new = lax.sub(lax.mul(dt_, r), lax.div(t_new, lax.add(a, n)))
        s_new, ds_new = lax.add(s, t_new), lax.add(ds, dt_new)
        conv = and_(small(t_new, s_new), small(dt_new, ds_new))
        keep = lambda new, old: lax.select(done, old, new)
        return (i + 1, n, keep(t_new, t), keep(dt_new, dt_), keep(s_new, s), keep(ds_new, ds),
                lax.bitwise_or(done, conv))  # fmt: skip

    init = (
        np.int32(0),
        zero,
        one,
        zero,
        one,
        zero,
        lax.bitwise_or(use_cf, not_(and_(ok, not_(large)))),
    )
    _, _, _, _, s, ds, _ = lax.while_loop(running, series_body, init)
    d_series = lax.neg(
        lax.div(lax.add(lax.mul(lax.sub(log_x, lax.digamma(lax.add(a, one))), s), ds), a)
    )

    # continued fraction of Q (Cephes igamc) with the derivative of each convergent in a
    big, biginv = _c(a, 2.0**50), _c(a, 2.0**-50)

    def cf_body(state):
        i, c, y, z, pm2, qm2, pm1, qm1, dpm2, dqm2, dpm1, dqm1, ans, dans, done = state
        c, y, z = lax.add(c, one), lax.add(y, one), lax.add(z, _c(z, 2.0))
        yc = lax.mul(y, c)
        pk = lax.sub(lax.mul(pm1, z), lax.mul(pm2, yc))
        qk = lax.sub(lax.mul(qm1, z), lax.mul(qm2, yc))
        # dy/da = dz/da = -1, so d(yc)/da = -c
        dpk = lax.add(lax.sub(lax.sub(lax.mul(dpm1, z), pm1), lax.mul(dpm2, yc)), lax.mul(pm2, c))
        dqk = lax.add(lax.sub(lax.sub(lax.mul(dqm1, z), qm1), lax.mul(dqm2, yc)), lax.mul(qm2, c))
        nz = lax.ne(qk, zero)
        safe_qk = lax.select(nz, qk, one)
        r = lax.div(pk, safe_qk)
        dr = lax.div(lax.sub(dpk, lax.mul(r, dqk)), safe_qk)
        conv = and_(nz, and_(small(lax.sub(ans, r), r), small(lax.sub(dans, dr), dr)))
        ans_new = lax.select(nz, r, ans)
        dans_new = lax.select(nz, dr, dans)
        scale = lax.select(lax.gt(lax.abs(pk), big), lax.full_like(pk, biginv), one)
        new = [lax.mul(v, scale) for v in (pm1, qm1, pk, qk, dpm1, dqm1, dpk, dqk)]
        old = [pm2, qm2, pm1, qm1, dpm2, dqm2, dpm1, dqm1]
        kept = [lax.select(done, o, n_) for n_, o in zip(new, old)]
        return (i + 1, c, y, z, *kept, lax.select(done, ans, ans_new),
                lax.select(done, dans, dans_new), lax.bitwise_or(done, conv))  # fmt: skip

    y0 = lax.sub(one, a)
    z0 = lax.add(lax.add(x_cf, y0), one)
    qm1 = lax.mul(z0, x_cf)
    ans0 = lax.div(lax.add(x_cf, one), qm1)
    dqm1 = lax.neg(x_cf)
    dans0 = lax.div(lax.mul(ans0, x_cf), qm1)
    init = (np.int32(0), zero, y0, z0, one, x_cf, lax.add(x_cf, one), qm1, zero, zero, zero, dqm1,
            ans0, dans0, not_(and_(use_cf, and_(ok, not_(large)))))  # fmt: skip
    out = lax.while_loop(running, cf_body, init)
    ans, dans = out[12], out[13]
    d_cf = lax.add(dans, lax.mul(ans, lax.sub(log_x, lax.digamma(a))))
    res = lax.select(large, d_large, lax.select(use_cf, d_cf, d_series))
    return lax.select(ok, res, lax.full_like(res, np.nan))


@custom_jvp
def _attach_gamma_grad(a, log_x):
    """log_x (log-gamma samples drawn with a held constant), given its derivative in a."""
    return log_x


@_attach_gamma_grad.defjvp
def _attach_gamma_grad_jvp(primals, tangents):
    a, log_x = primals
    a_dot, log_x_dot = tangents
    return log_x, lax.add(log_x_dot, lax.mul(a_dot, _dlogx_da(a, log_x)))


def _loggamma(key, a, shape, dtype, name):
    key = _check_key(key, name)
    dt = _float_dtype(dtype, name)
    wdt = dt if dt.itemsize >= 4 else np.dtype(np.float32)  # half precision: sample in f32
    a = _param(a, wdt)
    shape = _out_shape(name, shape, a)
    a = _bcast(a, shape)
    log_x = _attach_gamma_grad(a, _loggamma_raw(key, _stop(a)))
    return lax.convert_element_type(log_x, dt)


@_sampler
def loggamma(key, a, shape=None, dtype=None):
    """log of Gamma(a) samples, computed in log space (accurate for small a, where gamma()
    underflows). Differentiable in a (implicit reparameterisation)."""
    return _loggamma(key, a, shape, dtype, "loggamma")


@_sampler
def gamma(key, a, shape=None, dtype=None):
    """Gamma(a) samples (unit scale; density x^(a-1) e^-x / Gamma(a)). Differentiable in a:
    the derivative of a sample is -(dCDF/da) / pdf at that sample (implicit
    reparameterisation), so grad of an expectation over samples is unbiased."""
    log_x = _loggamma(key, a, shape, dtype, "gamma")
    x = lax.exp(log_x)
    tiny = lax.full_like(x, dtypes.finfo(core.get_aval(x).dtype).tiny)
    return lax.select(lax.eq(x, lax.full_like(x, 0.0)), tiny, x)


@_sampler
def beta(key, a, b, shape=None, dtype=None):
    """Beta(a, b) samples: G_a / (G_a + G_b) from log-space gamma samples."""
    jnp = _jnp()
    dt = _float_dtype(dtype, "beta")
    a, b = _param(a, dt), _param(b, dt)
    shape = _out_shape("beta", shape, a, b)
    k_a, k_b = _keys(key, 2)
    log_ga = _loggamma(k_a, a, shape, dt, "beta")
    log_gb = _loggamma(k_b, b, shape, dt, "beta")
    log_max = _stop(jnp.maximum(log_ga, log_gb))
    ga, gb = jnp.exp(log_ga - log_max), jnp.exp(log_gb - log_max)
    return ga / (ga + gb)


@_sampler
def dirichlet(key, alpha, shape=None, dtype=None):
    """Dirichlet(alpha) samples along the last axis (normalised log-space gamma samples); the
    result has shape `shape` + alpha.shape[-1:] (default alpha.shape)."""
    jnp = _jnp()
    dt = _float_dtype(dtype, "dirichlet")
    alpha = _param(alpha, dt)
    if alpha.ndim < 1:
        raise JTransValueError(
            "random.dirichlet needs alpha with at least one axis (the categories), got a "
            "scalar; e.g. alpha=jnp.array([1.0, 2.0, 3.0])"
        )
    if shape is None:
        shape = alpha.shape[:-1]
    else:
        shape = _shape(shape, "dirichlet")
        _check_broadcast("dirichlet", shape, lax.full(alpha.shape[:-1], 0.0, dt))
    log_g = _loggamma(key, alpha, shape + alpha.shape[-1:], dt, "dirichlet")
    log_g = log_g - _stop(jnp.max(log_g, axis=-1, keepdims=True))
    g = jnp.exp(log_g)
    return g / jnp.sum(g, axis=-1, keepdims=True)


@_sampler
def chisquare(key, df, shape=None, dtype=None):
    """Chi-square(df) samples: 2 Gamma(df / 2)."""
    dt = _float_dtype(dtype, "chisquare")
    df = _param(df, dt)
    shape = _out_shape("chisquare", shape, df)
    log_g = _loggamma(key, lax.div(df, _c(df, 2.0)), shape, dt, "chisquare")
    return lax.mul(lax.exp(log_g), _c(log_g, 2.0))


@_sampler
def f(key, dfnum, dfden, shape=None, dtype=None):
    """F(dfnum, dfden) samples: (X1 / dfnum) / (X2 / dfden), X1, X2 chi-square."""
    dt = _float_dtype(dtype, "f")
    dfnum, dfden = _param(dfnum, dt), _param(dfden, dt)
    shape = _out_shape("f", shape, dfnum, dfden)
    k_den, k_num = _keys(key, 2)
    num = lax.div(chisquare(k_num, dfnum, shape, dt), _bcast(dfnum, shape))
    den = lax.div(chisquare(k_den, dfden, shape, dt), _bcast(dfden, shape))
    return lax.div(num, den)


@_sampler
def t(key, df, shape=(), dtype=None):
    """Student's t(df) samples: N sqrt((df/2) / Gamma(df/2)). As in JAX, `shape` defaults to
    (); shape=None means df's shape."""
    dt = _float_dtype(dtype, "t")
    df = _param(df, dt)
    shape = _out_shape("t", shape, df)
    k_n, k_g = _keys(key, 2)
    n = normal(k_n, shape, dt)
    half = _bcast(lax.div(df, _c(df, 2.0)), shape)
    g = gamma(k_g, half, shape, dt)
    return lax.mul(n, lax.sqrt(lax.div(half, g)))


@_sampler
def generalized_normal(key, p, shape=(), dtype=None):
    """Samples with density proportional to exp(-|x|^p): sign * Gamma(1/p)^(1/p)."""
    jnp = _jnp()
    dt = _float_dtype(dtype, "generalized_normal")
    shape = _shape(shape, "generalized_normal")
    p = _param(p, dt)
    k_g, k_r = _keys(key, 2)
    inv_p = jnp.divide(1.0, p)
    g = gamma(k_g, inv_p, shape, dt)
    return jnp.multiply(rademacher(k_r, shape, dt), jnp.power(g, inv_p))


@_sampler
def ball(key, d, p=2, shape=(), dtype=None):
    """Points uniform in the unit L^p ball of dimension d: shape `shape` + (d,)."""
    jnp = _jnp()
    dt = _float_dtype(dtype, "ball")
    shape = _shape(shape, "ball")
    d = int(core.concrete_or_error(d, "the dimension d of random.ball"))
    if d < 0:
        raise JTransValueError(f"random.ball: d must be a nonnegative int, got {d}")
    k_g, k_e = _keys(key, 2)
    g = generalized_normal(k_g, p, shape + (d,), dt)
    e = exponential(k_e, shape, dt)
    r = jnp.power(jnp.sum(jnp.power(jnp.abs(g), p), axis=-1) + e, jnp.divide(1.0, p))
    return g / r[..., None]


# --- discrete ----------------------------------------------------------------------------------


def _poisson_knuth(key, lam):
    """Knuth: count uniforms until their product drops below e^-lam (lam < 10); one loop over
    the whole array, as JAX's (the count less one)."""
    shape = lam.shape
    neg_lam = lax.neg(lam)

    def cond(state):
        return _any(lax.gt(state[2], neg_lam))

    def body(state):
        k, n, log_prod = state
        k, sub = _keys(k, 2)
        n = lax.select(lax.gt(log_prod, neg_lam), lax.add(n, _c(n, 1.0)), n)
        return k, n, lax.add(log_prod, lax.log(uniform(sub, shape, np.float32)))

    zero = lax.full(shape, 0.0, np.float32)
    return lax.sub(lax.while_loop(cond, body, (key, zero, zero))[1], _c(zero, 1.0))


def _poisson_ptrs(key, lam):
    """Hörmann's transformed rejection (PTRS) for lam >= 10, as JAX's: one loop until every
    lane has accepted, each accepted proposal (in any round) replacing the lane's value."""
    jnp = _jnp()
    shape, dt = lam.shape, lam.dtype
    log_lam = jnp.log(lam)
    b = 0.931 + 2.53 * jnp.sqrt(lam)
    a = -0.059 + 0.02483 * b
    inv_alpha = 1.1239 + 1.1328 / (b - 3.4)
    v_r = 0.9277 - 3.6224 / (b - 2.0)

    def cond(state):
        return lax.bitwise_not(_all(state[2]))

    def body(state):
        k, out, accepted = state
        k, k_u, k_v = _keys(k, 3)
        u = uniform(k_u, shape, dt) - 0.5
        v = uniform(k_v, shape, dt)
        us = 0.5 - jnp.abs(u)
        n = jnp.floor((2.0 * a / us + b) * u + lam + 0.43)
        s = jnp.log(v * inv_alpha / (a / (us * us) + b))
        t_ = -lam + n * log_lam - lax.lgamma(n + 1.0)
        accept1 = (us >= 0.07) & (v <= v_r)
        reject = (n < 0) | ((us < 0.013) & (v > us))
        accept = accept1 | (~reject & (s <= t_))
        return k, lax.select(accept, n, out), accepted | accept

    init = (key, lax.full(shape, -1.0, dt), lax.full(shape, False, np.bool_))
    return lax.while_loop(cond, body, init)[1]


@_sampler
def poisson(key, lam, shape=None, dtype=None):
    """Poisson(lam) samples (integers, default dtype int), as JAX's: lam in float32, Knuth's
    method for lam < 10, transformed rejection above, both driven by the same key. lam = 0
    gives 0; lam < 0 or NaN gives -1 (and so does an infinite lam)."""
    key = _raw(key, "poisson")
    odt = _int_dtype(dtype, "poisson")
    lam = lax.convert_element_type(_jnp().asarray(lam), np.float32)
    shape = _out_shape("poisson", shape, lam)
    lam = _bcast(lam, shape)
    use_knuth = lax.bitwise_or(lax.ne(lam, lam), lax.lt(lam, _c(lam, 10.0)))
    knuth = _poisson_knuth(key, lax.select(use_knuth, lam, lax.full_like(lam, 0.0)))
    fin = lax.is_finite(lam)
    lam_rej = lax.select(lax.bitwise_and(lax.bitwise_not(use_knuth), fin), lam,
                         lax.full_like(lam, 1e5))  # fmt: skip
    rej = _poisson_ptrs(key, lam_rej)
    out = lax.select(use_knuth, knuth, rej)
    out = lax.select(lax.eq(lam, _c(lam, 0.0)), lax.full_like(out, 0.0), out)
    out = lax.select(fin, out, lax.full_like(out, -1.0))
    return lax.convert_element_type(out, odt)


_STIRLING_TAIL = np.array([
    0.0810614667953272, 0.0413406959554092, 0.0276779256849983, 0.02079067210376509,
    0.0166446911898211, 0.0138761288230707, 0.0118967099458917, 0.0104112652619720,
    0.00925546218271273, 0.00833056343336287,
])  # fmt: skip


def _stirling_tail(k):
    """log k! - [(k + 1/2) log(k + 1) - (k + 1) + log(2 pi) / 2], as JAX computes it: a table
    for k <= 9, above it the asymptotic series evaluated at k clamped to 9 (JAX's formula, kept
    so that samples equal JAX's)."""
    jnp = _jnp()
    kc = jnp.clip(k, 0.0, 9.0)
    kp1sq = (kc + 1) * (kc + 1)
    approx = (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / kp1sq) / kp1sq) / (kc + 1)
    table = jnp.asarray(_STIRLING_TAIL, dtype=k.dtype)
    return jnp.where(k <= 9, jnp.take(table, jnp.floor(kc).astype(np.int32)), approx)


def _binomial_inversion(key, n, q):
    """Count geometric waiting times until they pass n (n q <= 10): one loop over the whole
    array, as JAX's (the count less one)."""
    jnp = _jnp()
    shape, dt = q.shape, q.dtype
    pos = q > 0
    log1mq = jnp.where(pos, jnp.log1p(-q), -1.0)  # q = 0: the waiting time is +inf (as JAX's)

    def cond(state):
        return _any(state[2] <= n)

    def body(state):
        k, num, total = state
        sub, k = _keys(k, 2)
        num = lax.select(total <= n, num + 1.0, num)
        geom = jnp.where(pos, jnp.ceil(jnp.log(uniform(sub, shape, dt)) / log1mq), np.inf)
        total = total + geom
        return k, num, total

    zero = lax.full(shape, 0.0, dt)
    return lax.while_loop(cond, body, (key, zero, zero))[1] - 1.0


def _btrs(key, n, q):
    """Hörmann's BTRS transformed rejection (n q > 10, q <= 1/2), as JAX's: one loop until every
    lane has accepted, each accepted proposal replacing the lane's value."""
    jnp = _jnp()
    shape, dt = q.shape, q.dtype
    stddev = jnp.sqrt(n * q * (1.0 - q))
    b = 1.15 + 2.53 * stddev
    a = -0.0873 + 0.0248 * b + 0.01 * q
    c = n * q + 0.5
    v_r = 0.92 - 4.2 / b
    r = q / (1.0 - q)
    alpha = (2.83 + 5.1 / b) * stddev
    m = jnp.floor((n + 1.0) * q)

    def cond(state):
        return lax.bitwise_not(_all(state[2]))

    def body(state):
        key, out, accepted = state
        key, k_u, k_v = _keys(key, 3)
        u = uniform(k_u, shape, dt) - 0.5
        v = uniform(k_v, shape, dt)
        us = 0.5 - jnp.abs(u)
        accept1 = (us >= 0.07) & (v <= v_r)
        k = jnp.floor((2.0 * a / us + b) * u + c)
        reject = (k < 0) | (k > n)
        lv = jnp.log(v * alpha / (a / (us * us) + b))
        kc = jnp.clip(k, 0.0, n)  # rejected lanes' bound is never read: keep their logs finite
        ub = ((m + 0.5) * jnp.log((m + 1.0) / (r * (n - m + 1.0)))
              + (n + 1.0) * jnp.log((n - m + 1.0) / (n - kc + 1.0))
              + (kc + 0.5) * jnp.log(r * (n - kc + 1.0) / (kc + 1.0))
              + _stirling_tail(m) + _stirling_tail(n - m)
              - _stirling_tail(kc) - _stirling_tail(n - kc))  # fmt: skip
        accept = accept1 | (~reject & (lv <= ub))
        return key, lax.select(accept, k, out), accepted | accept

    init = (key, lax.full(shape, -1.0, dt), lax.full(shape, False, np.bool_))
    return lax.while_loop(cond, body, init)[1]


@_sampler
def binomial(key, n, p, shape=None, dtype=None):
    """Binomial(n, p) samples as floats (JAX's convention; default dtype float), as JAX's:
    geometric waiting times when n min(p, 1-p) <= 10, BTRS rejection above, both driven by the
    same key. n is floored; n < 0 or NaN, or p outside [0, 1] / NaN, give NaN; n = inf gives
    inf."""
    jnp = _jnp()
    key = _raw(key, "binomial")
    odt = _float_dtype(dtype, "binomial")
    p = jnp.asarray(p)
    wdt = _work_float(p)
    p = lax.convert_element_type(p, wdt)
    n = _param(n, wdt)
    shape = _out_shape("binomial", shape, n, p)
    n, p = _bcast(n, shape), _bcast(p, shape)
    p_lt_half = p < 0.5
    q = jnp.where(p_lt_half, p, 1.0 - p)
    n_bad = jnp.isnan(n) | (n < 0)
    n_inf = jnp.isinf(n)
    q_bad = jnp.isnan(q) | (q < 0)
    q = jnp.where(q_bad, 0.01, q)
    use_inv = n_bad | (n * q <= 10.0)
    n = jnp.floor(n)
    inv = _binomial_inversion(key, jnp.where(use_inv, n, 0.0), q)
    btrs = _btrs(key, jnp.where(use_inv, 1e4, n), jnp.where(use_inv, 0.5, q))
    out = jnp.where(use_inv, inv, btrs)
    bad = q_bad | n_bad
    out = jnp.where(bad, np.nan, out)
    out = jnp.where(n_inf & ~bad, np.inf, out)
    out = jnp.where(p_lt_half | n_bad | jnp.isnan(q) | n_inf, out, n - out)
    return lax.convert_element_type(out, odt)


@_sampler
def multinomial(key, n, p, *, shape=None, dtype=None, unroll=1):
    """Multinomial counts of n draws over the categories of p's last axis (as floats, JAX's
    convention), by sequential conditional binomials. p need not be normalised. The result has
    shape `shape` (whose last axis is the categories; default p.shape)."""
    jnp = _jnp()
    _check_key(key, "multinomial")
    odt = _float_dtype(dtype, "multinomial")
    p = jnp.asarray(p)
    wdt = _work_float(p)
    p, n = lax.convert_element_type(p, wdt), _param(n, wdt)
    if p.ndim < 1:
        raise JTransValueError(
            "random.multinomial needs p with at least one axis (the categories), got a scalar"
        )
    shape = p.shape if shape is None else _shape(shape, "multinomial")
    if not shape:
        raise JTransValueError("random.multinomial: shape must end with the categories axis")
    _check_broadcast("multinomial", shape, p)
    _check_broadcast("multinomial", shape[:-1], n)
    n = _bcast(n, shape[:-1])
    p = jnp.moveaxis(_bcast(p, shape), -1, 0)
    remaining = jnp.flip(jnp.cumsum(jnp.flip(p, 0), axis=0), 0)
    ratios = jnp.clip(p / jnp.where(remaining == 0, 1.0, remaining), 0.0, 1.0)
    keys = split(key, shape[-1])

    def step(rest, xs):
        ratio, k = xs
        count = binomial(k, rest, ratio, dtype=wdt)
        return rest - count, count

    _, counts = lax.scan(step, n, (ratios, keys), unroll=unroll)
    return lax.convert_element_type(jnp.moveaxis(counts, 0, -1), odt)


# --- matrices ----------------------------------------------------------------------------------


@_sampler
def multivariate_normal(key, mean, cov, shape=None, dtype=None, method="cholesky"):
    """mean + A z with A A^T = cov (A from 'cholesky', or 'eigh' / 'svd' for singular cov);
    the result has shape `shape` + (n,) (default the broadcast batch shape of mean and cov)."""
    jnp = _jnp()
    from .numpy import linalg

    _check_key(key, "multivariate_normal")
    if method not in ("svd", "eigh", "cholesky"):
        raise JTransValueError(
            f"random.multivariate_normal: method must be one of 'cholesky', 'eigh', 'svd', "
            f"got {method!r}"
        )
    from .numpy._util import promote_dtypes

    mean, cov = promote_dtypes(jnp.asarray(mean), jnp.asarray(cov))
    if not dtypes.is_inexact(mean.dtype):
        mean, cov = mean.astype(dtypes.default_float()), cov.astype(dtypes.default_float())
    dt = mean.dtype if dtype is None else _float_dtype(dtype, "multivariate_normal")
    if mean.ndim < 1:
        raise JTransValueError(
            f"random.multivariate_normal needs mean.ndim >= 1, got mean.ndim == {mean.ndim}"
        )
    if cov.ndim < 2:
        raise JTransValueError(
            f"random.multivariate_normal needs cov.ndim >= 2, got cov.ndim == {cov.ndim}"
        )
    n = mean.shape[-1]
    if cov.shape[-2:] != (n, n):
        raise JTransValueError(
            f"random.multivariate_normal needs cov.shape == (..., n, n) with n={n} (the size of "
            f"mean's last axis), but got cov.shape == {cov.shape}"
        )
    batch = jnp.broadcast_shapes(mean.shape[:-1], cov.shape[:-2])
    if shape is None:
        shape = batch
    else:
        shape = _shape(shape, "multivariate_normal")
        _check_broadcast("multivariate_normal", shape, lax.full(batch, 0.0, dt))
    if method == "svd":
        u, s, _ = linalg.svd(cov)
        factor = u * jnp.sqrt(s[..., None, :])
    elif method == "eigh":
        w, v = linalg.eigh(cov)
        factor = v * jnp.sqrt(jnp.maximum(w, 0.0)[..., None, :])
    else:
        factor = linalg.cholesky(cov)
    z = normal(key, shape + (n,), dt)
    out = mean + jnp.einsum("...ij,...j->...i", factor, z)
    return lax.convert_element_type(out, dt)


@_sampler
def orthogonal(key, n, shape=(), dtype=None, m=None):
    """Haar-random matrices with orthonormal columns (or rows, when n < m) of shape
    `shape` + (n, m) (m defaults to n: the orthogonal group O(n)), from the QR of a normal
    matrix with R's diagonal made positive."""
    jnp = _jnp()
    from .numpy import linalg

    dt = _float_dtype(dtype, "orthogonal")
    shape = _shape(shape, "orthogonal")
    n = int(core.concrete_or_error(n, "the size n of random.orthogonal"))
    m = n if m is None else int(core.concrete_or_error(m, "the size m of random.orthogonal"))
    if n < 0 or m < 0:
        raise JTransValueError(f"random.orthogonal: n and m must be nonnegative, got {n}, {m}")
    z = normal(key, shape + (max(n, m), min(n, m)), dt)
    q, r = linalg.qr(z)
    d = jnp.diagonal(r, 0, -2, -1)
    q = q * jnp.where(d < 0, -1.0, 1.0).astype(dt)[..., None, :]
    return jnp.swapaxes(q, -1, -2) if n < m else q


# --- keys ---------------------------------------------------------------------------------------


def clone(key):
    """A copy of key for reuse (an identity: jtrans does no key-reuse checking)."""
    _words(key, "clone")
    return key


def key_impl(keys):
    """The name of the keys' PRNG implementation: always 'threefry2x32' in jtrans."""
    if isinstance(keys, PRNGKeyArray):
        return "threefry2x32"
    aval = core.get_aval(lax.as_operand(keys) if isinstance(keys, np.ndarray) else keys)
    if aval.shape[-1:] != (2,) or aval.dtype != _U32:
        raise JTransTypeError(
            f"random.key_impl expects keys (a uint32 array whose last axis has size 2), got "
            f"{aval.dtype.name}{list(aval.shape)}"
        )
    return "threefry2x32"


def key_dtype(impl_spec=None):
    """The dtype of typed keys, key<fry> (a KeyDType). impl_spec may be None or
    'threefry2x32'."""
    if impl_spec not in (None, "threefry2x32"):
        raise JTransValueError(
            f"jtrans.random supports only the 'threefry2x32' implementation, got {impl_spec!r}"
        )
    return _KEY_DTYPE
