"""The threefry-2x32 counter-based random bit generator (Salmon et al., "Parallel random numbers:
as easy as 1, 2, 3", SC 2011), written with the uint32 elementwise primitives (add, xor, shifts,
or), so it needs no primitive of its own and works under every transformation (jit, vmap).

Invariant: the bits equal JAX's under either setting of `jax_threefry_partitionable`. Classic
scheme (False): `random_bits(k0, k1, 32, shape)` is JAX's `threefry_2x32(key, iota(n))` reshaped to
`shape`. Partitionable scheme (True): output position i is the threefry block of the counter pair
(i >> 32, i & 0xFFFFFFFF), its two words xor-ed (32 bits), concatenated (64 bits) or xor-ed and
truncated (8 and 16 bits).

JAX applies threefry to the counter `iota(n)` split into halves `x0 = c[:h]`, `x1 = c[h:]` (with a
zero appended when n is odd, h = ceil(n / 2)), and concatenates the two output words. Here every
output position i computes its own block directly: with j = i mod h, the block is
(x0, x1) = (j, h + j), or (j, 0) for the padded block, and position i takes output word 0 when
i < h and word 1 otherwise. That needs only elementwise ops and iota (no slicing or concatenation)
and keeps each output position independent of the others.
"""

import math

import numpy as np

from .. import dtypes
from .elementwise import (
    add,
    bitwise_and,
    bitwise_or,
    bitwise_xor,
    div,
    ge,
    lt,
    mul,
    rem,
    shift_left,
    shift_right_logical,
    sub,
)
from .structural import convert_element_type, full, full_like, iota, reshape, select

_U32 = np.dtype(np.uint32)
_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))
_PARITY = 0x1BD11BDA  # the Threefish key-schedule constant


def _rotate_left(v, r):
    return bitwise_or(shift_left(v, r), shift_right_logical(v, 32 - r))


def threefry2x32(k0, k1, x0, x1):
    """Threefry-2x32 with 20 rounds: keys (k0, k1) and counters (x0, x1) are uint32 arrays
    (rank-0 keys broadcast); returns the two output words."""
    ks = (k0, k1, bitwise_xor(bitwise_xor(k0, k1), _PARITY))
    x0 = add(x0, ks[0])
    x1 = add(x1, ks[1])
    for i in range(5):  # 5 groups of 4 rounds, each followed by a key injection
        for r in _ROTATIONS[i % 2]:
            x0 = add(x0, x1)
            x1 = bitwise_xor(x0, _rotate_left(x1, r))
        x0 = add(x0, ks[(i + 1) % 3])
        x1 = add(add(x1, ks[(i + 2) % 3]), i + 1)
    return x0, x1


def _u32(x):
    return convert_element_type(x, _U32)


def bits_at(k0, k1, idx, n):
    """The 32-bit words at positions `idx` (a uint32 array) of JAX's stream
    `threefry_2x32(key, iota(n))`."""
    h = (n + 1) // 2
    hi = ge(idx, np.uint32(h))
    j = select(hi, sub(idx, np.uint32(h)), idx)
    x1 = add(j, np.uint32(h))
    if n % 2:  # the last block's second counter is the zero JAX pads with
        x1 = select(lt(x1, np.uint32(n)), x1, full_like(x1, 0))
    y0, y1 = threefry2x32(k0, k1, j, x1)
    return select(hi, y1, y0)


def partitionable():
    """Whether JAX's partitionable threefry scheme is on (`jax_threefry_partitionable`)."""
    return dtypes.config.jax_threefry_partitionable


def counter_blocks(k0, k1, shape):
    """The two threefry output words of the partitionable scheme for every position of `shape`
    (the counter pair of position i is (0, i): sizes stay below 2**32)."""
    lo = reshape(iota(_U32, math.prod(shape)), shape)
    return threefry2x32(k0, k1, full_like(lo, 0), lo)


def random_bits(k0, k1, bit_width, shape):
    """JAX's `_random_bits(key, bit_width, shape)` for a key given as its two uint32 words:
    an array of unsigned integers of `bit_width` bits."""
    shape = tuple(int(d) for d in shape)
    size = math.prod(shape)
    if size >= 2**31:
        raise ValueError(f"random_bits: {size} values requested; at most 2**31 - 1 per call")
    if bit_width not in (8, 16, 32, 64):
        raise ValueError(f"random_bits: bit_width must be 8, 16, 32 or 64, got {bit_width}")
    if partitionable():
        y0, y1 = counter_blocks(k0, k1, shape)
        if bit_width == 64:
            u64 = np.dtype(np.uint64)
            hi = shift_left(convert_element_type(y0, u64), np.uint64(32))
            return bitwise_or(hi, convert_element_type(y1, u64))
        bits = bitwise_xor(y0, y1)
        return bits if bit_width == 32 else convert_element_type(bits, uint_dtype(bit_width))
    if bit_width == 32:
        return reshape(bits_at(k0, k1, iota(_U32, size), size), shape)
    if bit_width == 64:
        # JAX draws 2 * size words; the high word i and the low word i are the two outputs of
        # the block (i, size + i)
        u64 = np.dtype(np.uint64)
        j = iota(_U32, size)
        y0, y1 = threefry2x32(k0, k1, j, add(j, np.uint32(size)))
        bits = bitwise_or(
            shift_left(convert_element_type(y0, u64), 32), convert_element_type(y1, u64)
        )
        return reshape(bits, shape)
    if bit_width in (8, 16):
        # each 32-bit word gives 32 // bit_width values, lowest bits first
        per = 32 // bit_width
        words = -(-size * bit_width // 32)
        m = iota(_U32, size)
        w = bits_at(k0, k1, div(m, np.uint32(per)), words)
        shift = mul(rem(m, np.uint32(per)), np.uint32(bit_width))
        out = bitwise_and(shift_right_logical(w, shift), np.uint32(2**bit_width - 1))
        return reshape(convert_element_type(out, np.dtype(f"uint{bit_width}")), shape)
    raise ValueError(f"random_bits: bit_width must be 8, 16, 32 or 64, got {bit_width}")


def uint_dtype(bits):
    return np.dtype(f"uint{bits}")


def seed_words(seed):
    """The two uint32 words of a key made from an integer seed (JAX's `threefry_seed`): the
    high and low 32 bits of the seed (the high word is 0 for 32-bit seeds)."""
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        s = int(seed)
        if not -(2**63) <= s < (2**64 if isinstance(seed, np.unsignedinteger) else 2**63):
            raise OverflowError(f"PRNGKey seed {s} does not fit in 64 bits")
        # as JAX: without x64 the seed is a 32-bit integer (the high word is 0); with x64 a
        # Python int or a 64-bit NumPy integer is 64-bit (so -1 gives [0xFFFFFFFF, 0xFFFFFFFF])
        wide = dtypes.config.jax_enable_x64 and (
            not isinstance(seed, np.integer) or np.dtype(type(seed)).itemsize == 8
        )
        hi = (s >> 32) & 0xFFFFFFFF if wide else 0
        return full((), hi, _U32), full((), s & 0xFFFFFFFF, _U32)
    from .. import core

    aval = core.get_aval(seed)
    if aval.shape != () or not (dtypes.is_int(aval.dtype)):
        raise TypeError(
            f"PRNGKey seed must be a scalar integer, got an array of shape {aval.shape} and "
            f"dtype {aval.dtype}"
        )
    if aval.dtype.itemsize == 8:
        hi = _u32(shift_right_logical(seed, 32))
        lo = _u32(bitwise_and(seed, 0xFFFFFFFF))
        return hi, lo
    return full((), 0, _U32), _u32(seed)


__all__ = [
    "bits_at",
    "counter_blocks",
    "partitionable",
    "random_bits",
    "seed_words",
    "threefry2x32",
]
