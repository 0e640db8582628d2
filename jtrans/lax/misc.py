"""The remaining corners of JAX's lax API: the primitives mulhi, copy, rng_uniform and
igamma_grad_a (each one paragraph: definition, derivative, batching, lowering), and compositions
written only with lax functions (rng_bit_generator, approx_max_k, ragged_dot,
conv_general_dilated_local, scatter_apply, random_gamma_grad, ...), which trace, differentiate and
batch through the rules of the primitives they use. Also JAX's small enums and type names
(RandomAlgorithm, DotAlgorithm, AccuracyMode, ...), accepted for compatibility."""

import dataclasses
import enum
import math
import typing
from typing import NamedTuple

import numpy as np
import scipy.special as sp

from .. import core, dtypes
from ..errors import JTransTypeError, JTransValueError
from ..interpreters import ad
from ..lowering import fusion
from ..lowering import kernel as K
from ..tree_util import tree_map
from . import control_flow as cf
from . import elementwise as ew
from . import reductions as red
from . import structural as st
from ._base import Zero, as_operand, axis_size, batch_rules, canonical_axis, standard_primitive
from .convolution import ConvDimensionNumbers, conv_dimension_numbers, conv_general_permutations
from .elementwise import broadcast_batcher, naryop
from .linalg import Precision, dot_general
from .random_bits import threefry2x32

__all__ = [
    "AccuracyMode",
    "ConvGeneralDilatedDimensionNumbers",
    "DotAlgorithm",
    "DotAlgorithmPreset",
    "DotDimensionNumbers",
    "PrecisionLike",
    "RaggedDotDimensionNumbers",
    "RandomAlgorithm",
    "Tolerance",
    "after_all",
    "approx_max_k",
    "approx_min_k",
    "broadcast_like",
    "composite",
    "conv_general_dilated_local",
    "conv_general_shape_tuple",
    "conv_shape_tuple",
    "conv_transpose_shape_tuple",
    "copy_p",
    "create_token",
    "dce_sink",
    "dtype",
    "igamma_grad_a",
    "igamma_grad_a_p",
    "mulhi",
    "mulhi_p",
    "platform_dependent",
    "ragged_dot",
    "ragged_dot_general",
    "random_gamma_grad",
    "reduce_window_shape_tuple",
    "rng_bit_generator",
    "rng_uniform",
    "rng_uniform_p",
    "scatter_apply",
    "shape_as_value",
    "stage",
    "stop_gradient_p",
]


def _aval(x):
    return core.get_aval(x)


# ---------------------------------------------------------------------------------------------
# enums and type names (accepted for compatibility; NumPy computes at full precision)


class AccuracyMode(enum.Enum):
    """Requested accuracy of a transcendental function (a hint; jtrans has one implementation)."""

    HIGHEST = 1
    DEFAULT = 2


class Tolerance:
    """Tolerances for computing unary functions: at most two of atol, rtol, ulps (a hint)."""

    def __init__(self, atol: float = 0.0, rtol: float = 0.0, ulps: int = 0):
        if atol < 0.0 or rtol < 0.0 or ulps < 0:
            raise JTransValueError("Tolerances must be non-negative.")
        if atol == 0.0 and rtol == 0.0 and ulps == 0:
            raise JTransValueError("At least one of atol, rtol, or ulps must be set.")
        self.atol, self.rtol, self.ulps = atol, rtol, ulps


class DotAlgorithm(NamedTuple):
    """The algorithm of a dot product (passed as `precision=`; a hint here)."""

    lhs_precision_type: typing.Any
    rhs_precision_type: typing.Any
    accumulation_type: typing.Any
    lhs_component_count: int = 1
    rhs_component_count: int = 1
    num_primitive_operations: int = 1
    allow_imprecise_accumulation: bool = False


class DotAlgorithmPreset(enum.Enum):
    """Known dot-product algorithms by name (passed as `precision=`; a hint here)."""

    DEFAULT = enum.auto()
    ANY_F8_ANY_F8_F32 = enum.auto()
    ANY_F8_ANY_F8_F32_FAST_ACCUM = enum.auto()
    ANY_F8_ANY_F8_ANY = enum.auto()
    ANY_F8_ANY_F8_ANY_FAST_ACCUM = enum.auto()
    F16_F16_F16 = enum.auto()
    F16_F16_F32 = enum.auto()
    BF16_BF16_BF16 = enum.auto()
    BF16_BF16_F32 = enum.auto()
    BF16_BF16_F32_X3 = enum.auto()
    BF16_BF16_F32_X6 = enum.auto()
    BF16_BF16_F32_X9 = enum.auto()
    TF32_TF32_F32 = enum.auto()
    TF32_TF32_F32_X3 = enum.auto()
    F32_F32_F32 = enum.auto()
    F64_F64_F64 = enum.auto()

    def __repr__(self):
        return f"{self.__class__.__name__}.{self.name}"

    def __str__(self):
        return self.name


class RandomAlgorithm(enum.IntEnum):
    """The bit generator of rng_bit_generator (every choice runs Threefry-2x32 here)."""

    RNG_DEFAULT = 0
    RNG_THREE_FRY = 1
    RNG_PHILOX = 2

    def __str__(self):
        return self.name


PrecisionLike = None | str | Precision | tuple | DotAlgorithm | DotAlgorithmPreset
DotDimensionNumbers = tuple
ConvGeneralDilatedDimensionNumbers = None | ConvDimensionNumbers | tuple


def dtype(x, *, canonicalize=False):
    """The (canonical) dtype of an array, scalar, dtype-like or Python type (JAX's `lax.dtype`)."""
    if isinstance(x, type) and x in (bool, int, float, complex):
        dt = np.dtype(dtypes.python_scalar_dtype(x()))
    elif isinstance(x, (bool, int, float, complex)) and not isinstance(x, np.generic):
        dt = np.dtype(dtypes.python_scalar_dtype(x))
    elif isinstance(x, (str, np.dtype)) or (isinstance(x, type) and issubclass(x, np.generic)):
        dt = np.dtype(x)
    elif hasattr(x, "dtype"):
        dt = np.dtype(x.dtype)
    else:
        dt = np.asarray(x).dtype
    # JAX 0.10 canonicalizes whatever `canonicalize` says (float64 -> float32 without x64)
    return dtypes.canonicalize_dtype(dt)


# ---------------------------------------------------------------------------------------------
# small compositions: broadcast_like, stage, tokens, dce_sink, composite, platform_dependent


def broadcast_like(arr, like_arr):
    """Broadcasts `arr` to the shape of `like_arr` (NumPy rules: new leading axes, size-1 axes
    stretched)."""
    return _broadcast_to(as_operand(arr), tuple(_aval(like_arr).shape))


def _broadcast_to(arr, target):
    shape = _aval(arr).shape
    lead = len(target) - len(shape)
    if lead < 0 or any(s not in (1, t) for s, t in zip(shape, target[lead:])):
        raise JTransValueError(
            f"Incompatible types for broadcasting: input shape {shape} and requested shape {target}"
        )
    if shape == target:
        return arr
    keep = tuple(i for i, s in enumerate(shape) if s == target[lead + i])
    arr = st.reshape(arr, tuple(shape[i] for i in keep)) if len(keep) != len(shape) else arr
    return st.broadcast_in_dim(arr, target, tuple(lead + i for i in keep))


def create_token(_=None):
    """A token (JAX's XLA ordering token). jtrans has no side effects to order, so tokens are
    empty arrays that order nothing."""
    return st.full((0,), False, dtypes.bool_)


def after_all(*operands):
    """Merges tokens into one (a no-op here; see create_token)."""
    for t in operands:
        a = _aval(t)
        if a.shape != (0,) or a.dtype != dtypes.bool_:
            raise JTransTypeError("Arguments to after_all must be tokens (from create_token)")
    return create_token()


def dce_sink(val, *, prevent_mlir_dce=False):
    """Marks values as used so dead-code elimination keeps them. jtrans primitives have no side
    effects, so an unused value has no observable result: this is a no-op (returns None)."""
    tree_map(lambda x: None, val)


def composite(decomposition, name, version=0):
    """A composite op: calls `decomposition`; `name`, `version` and the keyword arguments are
    metadata (jtrans has no hardware-specific implementations to pick from). Unlike JAX's, the
    result is differentiable through the decomposition."""
    import functools

    @functools.wraps(decomposition)
    def wrapped(*args, **kwargs):
        if any(isinstance(v, core.Tracer) for v in kwargs.values()):
            raise JTransTypeError(
                f"composite '{name}': a traced value was passed as an attribute (keyword "
                "argument). Attributes must be known at trace time; pass traced values as "
                "positional arguments."
            )
        return decomposition(*args, **kwargs)

    wrapped.composite_name, wrapped.composite_version = name, version
    return wrapped


def platform_dependent(*args, default=None, **per_platform):
    """Calls the branch for the platform code runs on: 'cpu' (jtrans computes on the CPU; the
    CUDA backend runs the same jaxpr), else `default`."""
    for pname, branch in per_platform.items():
        if not callable(branch):
            raise JTransTypeError(
                f"lax.platform_dependent: the '{pname}' branch must be a callable."
            )
        if pname == "gpu":
            raise JTransValueError("Use 'cuda' or 'rocm' for lax.platform_dependent.")
    if default is not None and not callable(default):
        raise JTransTypeError("lax.platform_dependent: the 'default' branch must be a callable.")
    branch = per_platform.get("cpu", default)
    if branch is None:
        raise JTransValueError(
            f"lax.platform_dependent: no branch for platform 'cpu' among {sorted(per_platform)} "
            "and no default; add cpu=... or default=..."
        )
    return branch(*args)


def shape_as_value(shape):
    """A shape as an int32 array value (static shapes only)."""
    return st.convert_element_type(as_operand(np.asarray(tuple(shape), np.int64)), dtypes.int32) \
        if len(shape) else st.full((0,), 0, dtypes.int32)  # fmt: skip


# ---------------------------------------------------------------------------------------------
# shape helpers of convolutions and windowed reductions (static Python)


def _stride_dim(d, window, stride):
    return max((d - window) // stride + 1, 0)


def conv_shape_tuple(lhs_shape, rhs_shape, strides, pads, batch_group_count=1):
    """The output shape of a convolution in canonical layout (N, C, spatial...)."""
    if isinstance(pads, str):
        pads = red.padtype_to_pads(lhs_shape[2:], rhs_shape[2:], strides, pads)
    if len(pads) != len(lhs_shape) - 2:
        raise JTransTypeError(
            f"Wrong number of explicit pads for convolution: expected {len(lhs_shape) - 2}, "
            f"got {len(pads)}."
        )
    padded = [int(s) + int(lo) + int(hi) for s, (lo, hi) in zip(lhs_shape[2:], pads)]
    if any(p < 0 for p in padded):
        raise JTransValueError(
            "Negative padding is larger than the size of the corresponding dimension: got "
            f"padding={pads} for lhs_shape[2:]={tuple(lhs_shape[2:])}"
        )
    space = tuple(_stride_dim(p, int(k), int(s)) for p, k, s in zip(padded, rhs_shape[2:], strides))
    n = int(lhs_shape[0])
    if batch_group_count > 1:
        n //= batch_group_count
    return (n, int(rhs_shape[0])) + space


def conv_general_shape_tuple(lhs_shape, rhs_shape, window_strides, padding, dimension_numbers):
    """The output shape of conv_general_dilated for layout strings or specs."""
    lp, rp, op = conv_general_permutations(dimension_numbers)
    out = conv_shape_tuple([lhs_shape[i] for i in lp], [rhs_shape[i] for i in rp],
                           window_strides, padding)  # fmt: skip
    return tuple(out[i] for i in np.argsort(op))


def conv_transpose_shape_tuple(lhs_shape, rhs_shape, window_strides, padding, dimension_numbers):
    """The output shape of conv_transpose."""
    from .extra import _conv_transpose_padding

    lp, rp, op = conv_general_permutations(dimension_numbers)
    lt, rt = [int(lhs_shape[i]) for i in lp], [int(rhs_shape[i]) for i in rp]
    if isinstance(padding, str):
        padding = [_conv_transpose_padding(k, s, padding) for k, s in zip(rt[2:], window_strides)]
    pads = [int(sum(p)) for p in padding]
    space = [(i - 1) * s - k + 2 + p for i, k, s, p in zip(lt[2:], rt[2:], window_strides, pads)]
    out = (lt[0], rt[0]) + tuple(space)
    return tuple(out[i] for i in np.argsort(op))


def reduce_window_shape_tuple(operand_shape, window_dimensions, window_strides, padding,
                              base_dilation=None, window_dilation=None):  # fmt: skip
    """The output shape of reduce_window with explicit (lo, hi) padding pairs."""
    from .reductions import _dilate_shape

    if base_dilation is not None:
        operand_shape = _dilate_shape(operand_shape, base_dilation)
    if window_dilation is not None:
        window_dimensions = _dilate_shape(window_dimensions, window_dilation)
    padded = [int(d) + int(lo) + int(hi) for d, (lo, hi) in zip(operand_shape, padding)]
    return tuple(_stride_dim(p, int(w), int(s))
                 for p, w, s in zip(padded, window_dimensions, window_strides))  # fmt: skip


# ---------------------------------------------------------------------------------------------
# mulhi: the high half of the 2N-bit product of N-bit integers (signed or unsigned)


def _mulhi_impl(x, y):
    x, y = np.broadcast_arrays(x, y)
    dt = x.dtype
    bits = dt.itemsize * 8
    if bits <= 32:
        wide = np.int64 if dt.kind == "i" else np.uint64
        out = (x.astype(wide) * y.astype(wide)) >> wide(bits)
    else:  # exact 128-bit products through Python integers
        out = np.array([(int(a) * int(b)) >> 64 for a, b in zip(x.ravel(), y.ravel())], object)
        out = out.reshape(x.shape).astype(dt) if out.size else np.zeros(x.shape, dt)
    return np.asarray(out).astype(dt)


def _mulhi_rule(x, y):
    # up to 32 bits: one product in 64 bits, shifted; 64 bits: schoolbook on 32-bit halves of
    # the unsigned bit patterns, then the two's-complement correction for signed operands
    dt = x.dtype
    bits = dt.itemsize * 8
    if bits <= 32:
        wdt = np.dtype(np.int64 if dt.kind == "i" else np.uint64)
        prod = K.op("mul", K.Expr("cast", (x,), wdt), K.Expr("cast", (y,), wdt))
        shifted = K.op("sar" if dt.kind == "i" else "shr", prod, K.const(bits, wdt))
        return K.Expr("cast", (shifted,), dt)
    u = np.dtype(np.uint64)
    ux, uy = (v if dt.kind == "u" else K.Expr("cast", (v,), u) for v in (x, y))
    mask, s32 = K.const(0xFFFFFFFF, u), K.const(32, u)
    xl, xh = K.op("and", ux, mask), K.op("shr", ux, s32)
    yl, yh = K.op("and", uy, mask), K.op("shr", uy, s32)
    t = K.op("mul", xl, yl)
    t = K.op("add", K.op("mul", xh, yl), K.op("shr", t, s32))
    w1, w2 = K.op("and", t, mask), K.op("shr", t, s32)
    t = K.op("add", K.op("mul", xl, yh), w1)
    hi = K.op("add", K.op("add", K.op("mul", xh, yh), w2), K.op("shr", t, s32))
    if dt.kind == "u":
        return hi
    s63 = K.const(63, dt)
    corr = K.op("add", K.op("and", K.op("sar", x, s63), y), K.op("and", K.op("sar", y, s63), x))
    return K.op("sub", K.Expr("cast", (hi,), dt), corr)


mulhi_p = naryop("mulhi", _mulhi_impl, "iu", upcast=False, lower=_mulhi_rule)
ad.defnondiff(mulhi_p)


def mulhi(x, y, /):
    """Elementwise multiply-high: the upper N bits of the 2N-bit product of N-bit integers."""
    return mulhi_p.bind(*ew._operands(x, y))


# ---------------------------------------------------------------------------------------------
# copy: the identity that makes a new buffer (JAX's copy_p); stage lifts a value into the trace


copy_p = standard_primitive("copy", lambda x: np.array(x, copy=True), lambda x: x)
ad.deflinear(copy_p, lambda ct, x: [ct if type(ct) is Zero else copy_p.bind(ct)])
broadcast_batcher(copy_p)
fusion.elementwise_rules[copy_p] = lambda x: x


def stage(x, /):
    """Lifts a value (a Python scalar, a NumPy array) into the active trace: the identity."""
    return copy_p.bind(as_operand(x))


from ..interpreters.custom_derivatives import stop_gradient_p  # JAX's name for it

# ---------------------------------------------------------------------------------------------
# rng_uniform: stateful uniform random numbers in [a, b) (XLA's RngUniform). Each evaluation
# draws new numbers from a process-wide NumPy generator; not differentiable. The primitive also
# accepts a and b of the output's shape (its batching rule needs that).

_rng_state = np.random.default_rng()


def _rng_uniform_impl(a, b, shape):
    if a.dtype.kind == "f" or a.dtype in (dtypes.bfloat16,):
        u = _rng_state.random(shape)
        out = a.astype(np.float64) + (b.astype(np.float64) - a.astype(np.float64)) * u
        out = np.minimum(out, np.nextafter(b.astype(np.float64), -np.inf))  # keep [a, b)
        return np.where(b > a, out, a).astype(a.dtype)
    lo, hi = np.broadcast_to(a, shape).astype(np.int64), np.broadcast_to(b, shape).astype(np.int64)
    out = _rng_state.integers(lo, np.maximum(hi, lo + 1))
    return np.asarray(out).astype(a.dtype)


def _rng_uniform_abstract(a, b, shape):
    if a.dtype != b.dtype:
        raise JTransTypeError(
            f"Arguments to rng_uniform must have identical dtypes, got {a.dtype} and {b.dtype}."
        )
    if a.dtype.kind not in "fiu" or a.dtype == dtypes.bool_:
        raise JTransTypeError(f"rng_uniform: unsupported dtype {a.dtype}")
    for v in (a, b):
        if v.shape not in ((), tuple(shape)):
            raise JTransValueError(
                f"Arguments to rng_uniform must be scalars; got shapes {a.shape} and {b.shape}."
            )
    return core.ShapedArray(tuple(shape), a.dtype, a.weak_type and b.weak_type)


rng_uniform_p = standard_primitive("rng_uniform", _rng_uniform_impl, _rng_uniform_abstract)
ad.defnondiff(rng_uniform_p)


def _rng_uniform_batch(vals, dims, shape):
    size = axis_size()
    full = (size,) + tuple(shape)
    ops = []
    for v, d in zip(vals, dims):
        if d is None:
            ops.append(v)
        else:
            v = st.transpose(v, (d,) + tuple(i for i in range(_aval(v).ndim) if i != d))
            nd = _aval(v).ndim
            ops.append(st.broadcast_in_dim(v, full, tuple(range(nd))))
    return rng_uniform_p.bind(*ops, shape=full), 0


batch_rules[rng_uniform_p] = _rng_uniform_batch


def rng_uniform(a, b, shape):
    """Stateful uniform random numbers in [a, b) of `shape` (new numbers at every evaluation).
    Prefer jtrans.random."""
    a, b = ew._operands(a, b)
    if _aval(a).shape != () or _aval(b).shape != ():
        raise JTransValueError(
            f"Arguments to rng_uniform must be scalars; got shapes {_aval(a).shape} and "
            f"{_aval(b).shape}."
        )
    return rng_uniform_p.bind(a, b, shape=tuple(int(d) for d in shape))


# ---------------------------------------------------------------------------------------------
# rng_bit_generator: stateless random bits from a uint32[4] key (k0, k1, c0, c1): Threefry-2x32
# with key (k0, k1) over the counter blocks (c0 + j, c1); the returned key advances the counter
# past the blocks used, so chaining calls gives fresh bits. Every algorithm runs Threefry.

_U32 = np.dtype(np.uint32)


def _words(k0, k1, c0, c1, n):
    """n uint32 words: two per counter block (c0 + j, c1)."""
    idx = st.iota(_U32, n)
    blk = ew.shift_right_logical(idx, np.uint32(1))
    y0, y1 = threefry2x32(k0, k1, ew.add(c0, blk), st.broadcast_in_dim(c1, (n,), ()))
    odd = ew.ne(ew.bitwise_and(idx, np.uint32(1)), np.uint32(0))
    return st.select(odd, y1, y0), (n + 1) // 2


def rng_bit_generator(key, shape, dtype=np.uint32, algorithm=RandomAlgorithm.RNG_DEFAULT, *,
                      out_sharding=None):  # fmt: skip
    """Stateless random bits: (new_key, bits) with `bits` of unsigned integer `dtype` and
    `shape`, from a uint32 key of shape (4,)."""
    key = as_operand(key)
    ka = _aval(key)
    if ka.shape != (4,) or ka.dtype != _U32:
        raise JTransTypeError(
            f"rng_bit_generator: the key must be a uint32 array of shape (4,), got {ka.dtype} "
            f"{ka.shape}"
        )
    shape = tuple(int(d) for d in shape)
    dt = np.dtype(dtype)
    if dt not in (np.dtype(np.uint8), np.dtype(np.uint16), _U32, np.dtype(np.uint64)):
        raise JTransTypeError(f"rng_bit_generator: unsupported dtype {dt}")
    dt = dtypes.canonicalize_dtype(dt)
    k0, k1, c0, c1 = (st.index_in_dim(key, i, 0, keepdims=False) for i in range(4))
    size = math.prod(shape)
    per = 2 if dt.itemsize == 8 else 1
    words, blocks = _words(k0, k1, c0, c1, size * per)
    if per == 2:
        pairs = st.reshape(words, (size, 2))
        hi = st.convert_element_type(st.index_in_dim(pairs, 0, 1, keepdims=False), dt)
        lo = st.convert_element_type(st.index_in_dim(pairs, 1, 1, keepdims=False), dt)
        bits = ew.bitwise_or(ew.shift_left(hi, dt.type(32)), lo)
    else:
        bits = st.convert_element_type(words, dt)  # 8/16 bits: the low bits of each word
    new_c0 = ew.add(c0, np.uint32(blocks & 0xFFFFFFFF))
    carry = st.convert_element_type(ew.lt(new_c0, c0), _U32)
    new_c1 = ew.add(ew.add(c1, carry), np.uint32(blocks >> 32))
    new_key = st.concatenate([st.reshape(v, (1,)) for v in (k0, k1, new_c0, new_c1)], 0)
    return new_key, st.reshape(bits, shape)


# ---------------------------------------------------------------------------------------------
# approx_max_k / approx_min_k: exact top-k here (recall 1 >= any recall_target), through top_k


def _approx_top_k(operand, k, reduction_dimension, is_max_k):
    operand = as_operand(operand)
    a = _aval(operand)
    if a.ndim == 0:
        raise JTransTypeError(f"approx_top_k operand must have >= 1 dimension, got {a.shape}")
    if not dtypes.is_float(a.dtype):
        raise JTransValueError(
            f"approx_max_k/approx_min_k: operand must be a floating type, got {a.dtype}"
        )
    k = int(k)
    if k <= 0:
        raise JTransValueError(f"k must be positive, got {k}")
    d = canonical_axis(int(reduction_dimension), a.ndim, "reduction_dimension")
    if a.shape[d] < k:
        raise JTransValueError(
            f"k must be smaller than the size of reduction_dim {a.shape[d]}, got {k}"
        )
    perm = tuple(i for i in range(a.ndim) if i != d) + (d,)
    x = st.transpose(operand, perm) if d != a.ndim - 1 else operand
    vals, idx = red.top_k(x if is_max_k else ew.neg(x), k)
    if not is_max_k:
        vals = ew.neg(vals)
    if d != a.ndim - 1:
        inv = tuple(int(i) for i in np.argsort(perm))
        vals, idx = st.transpose(vals, inv), st.transpose(idx, inv)
    return vals, idx


def approx_max_k(operand, k, reduction_dimension=-1, recall_target=0.95,
                 reduction_input_size_override=-1, aggregate_to_topk=True):  # fmt: skip
    """The k largest values along `reduction_dimension` and their int32 indices, sorted (exact:
    recall 1)."""
    return _approx_top_k(operand, k, reduction_dimension, True)


def approx_min_k(operand, k, reduction_dimension=-1, recall_target=0.95,
                 reduction_input_size_override=-1, aggregate_to_topk=True):  # fmt: skip
    """The k smallest values along `reduction_dimension` and their int32 indices, sorted (exact:
    recall 1)."""
    return _approx_top_k(operand, k, reduction_dimension, False)


# ---------------------------------------------------------------------------------------------
# ragged_dot_general: a dot_general where the lhs ragged dimension is split into groups of
# `group_sizes` rows. Written as JAX's reference: the ragged operand is expanded to one masked
# copy per group (a leading axis g), then one dot_general contracts or keeps that axis.


@dataclasses.dataclass(frozen=True, init=False)
class RaggedDotDimensionNumbers:
    """Dot dimension numbers ((lhs_contract, rhs_contract), (lhs_batch, rhs_batch)), the lhs
    ragged dimension (one) and the rhs group dimensions (one in the non-contracting mode)."""

    dot_dimension_numbers: tuple
    lhs_ragged_dimensions: tuple
    rhs_group_dimensions: tuple

    def __init__(self, dot_dimension_numbers, lhs_ragged_dimensions, rhs_group_dimensions):
        dn = tuple(tuple(tuple(int(i) for i in s) for s in t) for t in dot_dimension_numbers)
        object.__setattr__(self, "dot_dimension_numbers", dn)
        object.__setattr__(
            self, "lhs_ragged_dimensions", tuple(int(i) for i in lhs_ragged_dimensions)
        )
        object.__setattr__(
            self, "rhs_group_dimensions", tuple(int(i) for i in rhs_group_dimensions)
        )


_BASIC_RAGGED = RaggedDotDimensionNumbers((([1], [1]), ([], [])), [0], [0])


def _ragged_prefix(mode, rank, ragged, batch, contract):
    noncontract = [i for i in range(rank) if i not in contract and i not in batch]
    if mode == "noncontracting":
        return list(batch) + noncontract[: noncontract.index(ragged)]
    if mode == "contracting":
        return list(batch) + list(contract)[: list(contract).index(ragged)]
    return list(batch)[: list(batch).index(ragged)]


def _ragged_expand(x, dim, gs, prefix):
    """(g, *x.shape): copy j keeps the entries of x whose index along `dim` lies in group j
    (group_sizes `gs` of shape (*x.shape[prefix], g)), zeros elsewhere."""
    shape = _aval(x).shape
    g = _aval(gs).shape[-1]
    full = (g,) + tuple(shape)
    ends = red.cumsum(gs, axis=_aval(gs).ndim - 1)
    starts = ew.sub(ends, gs)
    # gs axes follow `prefix` order; put them in increasing order of x's axes
    order = sorted(range(len(prefix)), key=lambda i: prefix[i])
    perm = (len(prefix),) + tuple(order)
    bdims = (0,) + tuple(1 + prefix[i] for i in order)
    ends, starts = (st.broadcast_in_dim(st.transpose(v, perm), full, bdims) for v in (ends, starts))
    pos = st.broadcasted_iota(_aval(gs).dtype, full, dim + 1)
    mask = ew.bitwise_and(ew.le(starts, pos), ew.lt(pos, ends))
    xb = st.broadcast_in_dim(x, full, tuple(range(1, len(full))))
    return st.select(mask, xb, st.full_like(xb, 0))


def ragged_dot_general(lhs, rhs, group_sizes, ragged_dot_dimension_numbers, precision=None,
                       preferred_element_type=None, group_offset=None, out_sharding=None):  # fmt: skip
    """Ragged matrix multiplication in JAX's three modes: the lhs ragged dimension is a
    non-contracting dimension (rhs has a group dimension; each group of lhs rows uses its rhs
    slice), a contracting dimension (the result gains a leading group axis), or a batch
    dimension (a plain dot_general). `group_sizes` is (g,) or (*prefix, g)."""
    if group_offset is not None:
        raise NotImplementedError("ragged_dot_general: group_offset is not supported (as in JAX)")
    lhs, rhs, gs = as_operand(lhs), as_operand(rhs), as_operand(group_sizes)
    rdn = ragged_dot_dimension_numbers
    la, ra, ga = _aval(lhs), _aval(rhs), _aval(gs)
    if len(rdn.lhs_ragged_dimensions) != 1:
        raise JTransTypeError("ragged_dot_general expects exactly one lhs ragged dimension.")
    if not dtypes.is_int(ga.dtype) or ga.ndim == 0:
        raise JTransTypeError(
            f"ragged_dot_general: group_sizes must be an integer array of rank >= 1, got "
            f"{ga.dtype} {ga.shape}"
        )
    ragged = rdn.lhs_ragged_dimensions[0]
    (lc, rc), (lb, rb) = rdn.dot_dimension_numbers
    if not 0 <= ragged < la.ndim:
        raise JTransTypeError(
            f"lhs ragged dimension {ragged} out of range for lhs of rank {la.ndim}"
        )
    mode = "contracting" if ragged in lc else "batch" if ragged in lb else "noncontracting"
    prefix = _ragged_prefix(mode, la.ndim, ragged, lb, lc)
    g = ga.shape[-1]
    expected = tuple(la.shape[i] for i in prefix) + (g,)
    if ga.ndim == 1:
        gs = st.broadcast_in_dim(gs, expected, (len(expected) - 1,))
    elif ga.shape != expected:
        raise JTransTypeError(f"expected group_sizes to have shape {expected}, got {ga.shape}.")
    groups = rdn.rhs_group_dimensions
    dot = lambda x, y, dn: dot_general(x, y, dn, precision, preferred_element_type)
    inc = lambda dims: tuple(d + 1 for d in dims)
    if mode == "noncontracting":
        if len(groups) != 1:
            raise JTransTypeError(
                "ragged_dot_general requires exactly one rhs group dimension when the lhs "
                "ragged dimension is non-contracting."
            )
        if groups[0] in rc or groups[0] in rb or ra.shape[groups[0]] != g:
            raise JTransTypeError(
                f"ragged_dot_general: rhs group dimension {groups[0]} must be a free dimension "
                f"of rhs of size {g} (rhs shape {ra.shape})"
            )
        x = _ragged_expand(lhs, ragged, gs, prefix)
        return dot(x, rhs, ((inc(lc) + (0,), tuple(rc) + (groups[0],)), (inc(lb), tuple(rb))))
    if groups:
        raise JTransTypeError(
            "ragged_dot_general requires zero group dimensions in the rhs when the lhs ragged "
            "dimension is contracting or batch."
        )
    if mode == "batch":
        return dot(lhs, rhs, ((lc, rc), (lb, rb)))
    r_ragged = rc[list(lc).index(ragged)]
    r_prefix = _ragged_prefix(mode, ra.ndim, r_ragged, rb, rc)
    x = _ragged_expand(lhs, ragged, gs, prefix)
    y = _ragged_expand(rhs, r_ragged, gs, r_prefix)
    return dot(x, y, ((inc(lc), inc(rc)), ((0,) + inc(lb), (0,) + inc(rb))))


def ragged_dot(lhs, rhs, group_sizes, precision=None, preferred_element_type=None,
               group_offset=None, out_sharding=None):  # fmt: skip
    """Ragged matrix multiplication: lhs (m, k), rhs (g, k, n), group_sizes (g,) -> (m, n);
    rows of lhs in group j are multiplied by rhs[j] (rows past sum(group_sizes) give zeros)."""
    return ragged_dot_general(lhs, rhs, group_sizes, _BASIC_RAGGED, precision,
                              preferred_element_type, group_offset)  # fmt: skip


# ---------------------------------------------------------------------------------------------
# conv_general_dilated_local: a convolution with a separate kernel at each output position
# (a locally connected layer): the input's patches contracted with the kernel per position


def conv_general_dilated_local(lhs, rhs, window_strides, padding, filter_shape, lhs_dilation=None,
                               rhs_dilation=None, dimension_numbers=None, precision=None):  # fmt: skip
    """Unshared convolution. rhs has the output's spatial dims (in rhs_spec's spatial order), an
    'I' dim of in_channels * prod(filter_shape) (channel-major) and an 'O' dim."""
    from .extra import conv_general_dilated_patches

    lhs, rhs = as_operand(lhs), as_operand(rhs)
    lhs_precision = precision[0] if isinstance(precision, (tuple, list)) else precision
    patches = conv_general_dilated_patches(lhs, filter_shape, window_strides, padding,
                                           lhs_dilation, rhs_dilation, dimension_numbers,
                                           lhs_precision)  # fmt: skip
    _, rs, os_ = conv_dimension_numbers(_aval(lhs).shape, (1, 1) + tuple(filter_shape),
                                         dimension_numbers)  # fmt: skip
    lhs_b = list(os_[2:])
    rhs_b = list(rs[2:])
    rhs_b = [rhs_b[i] for i in sorted(range(len(rhs_b)), key=lambda i: lhs_b[i])]
    lhs_b = sorted(lhs_b)
    dn = (((os_[1],), (rs[1],)), (tuple(lhs_b), tuple(rhs_b)))
    out = dot_general(patches, rhs, dn, precision)
    # out: (spatial sorted as in the output..., N, O); move N and O to the output's places
    nd = _aval(out).ndim
    src = [nd - 2, nd - 1]
    dst = [os_[0], os_[1]]
    rest = [i for i in range(nd) if i not in src]
    order = [None] * nd
    for s_, d_ in zip(src, dst):
        order[d_] = s_
    it = iter(rest)
    perm = tuple(o if o is not None else next(it) for o in order)
    return st.transpose(out, perm)


# ---------------------------------------------------------------------------------------------
# scatter_apply: operand with func applied at the scattered windows, once per time an index
# hits an element (func applied to the whole array, so it must act elementwise)


def scatter_apply(operand, scatter_indices, func, dimension_numbers, *, update_shape=(),
                  indices_are_sorted=False, unique_indices=False, mode=None):  # fmt: skip
    """Scatter-apply: replaces operand[i] by func(operand[i]) at every scattered index i
    (func applied as many times as the index occurs). func must be elementwise."""
    operand = as_operand(operand)
    ones = st.full(tuple(update_shape), 1, dtypes.int32)
    hits = st.scatter_add(st.full(_aval(operand).shape, 0, dtypes.int32), scatter_indices, ones,
                          dimension_numbers, indices_are_sorted=indices_are_sorted,
                          unique_indices=unique_indices, mode=mode)  # fmt: skip
    n = red.reduce_max(hits, tuple(range(_aval(hits).ndim))) if _aval(hits).size else 0

    def body(state):
        i, x = state
        return ew.add(i, np.int32(1)), st.select(ew.lt(i, hits), func(x), x)

    _, out = cf.while_loop(lambda s: ew.lt(s[0], n), body, (np.int32(0), operand))
    return out


# ---------------------------------------------------------------------------------------------
# igamma_grad_a: d/da of the regularized lower incomplete gamma function P(a, x). The impl runs
# in float64: for x <= max(1, a) the power series of P with the derivative of each term in a;
# otherwise the continued fraction of Q = 1 - P (modified Lentz) with the derivative of each
# convergent. Derivative in x: d/dx dP/da = d/da (x^(a-1) e^-x / Gamma(a)) = pdf (log x - psi(a));
# in a: not implemented (as in JAX, which defines none).

_EPS = np.finfo(np.float64).eps
_MAX_ITER = 2000


def _igamma_series_da(a, x):
    logx = np.log(x)
    t, dt, s, ds = np.ones_like(a), np.zeros_like(a), np.ones_like(a), np.zeros_like(a)
    active = np.ones(a.shape, bool)
    n = 0
    while active.any() and n < 50 * _MAX_ITER:
        n += 1
        r = x / (a + n)
        t_new = t * r
        dt_new = dt * r - t_new / (a + n)
        s = np.where(active, s + t_new, s)
        ds = np.where(active, ds + dt_new, ds)
        t, dt = t_new, dt_new
        active &= ~((np.abs(t_new) <= _EPS * np.abs(s)) & (np.abs(dt_new) <= _EPS * np.abs(ds)))
    logax = a * logx - x - sp.gammaln(a + 1)
    return np.exp(logax) * (ds + s * (logx - sp.digamma(a + 1)))


def _igammac_cf_da(a, x):
    tiny = 1e-300
    b, db = x + 1 - a, -1.0
    c, dc = np.full_like(a, 1 / tiny), np.zeros_like(a)
    d = 1 / b
    dd = -db / (b * b)
    h, dh = d.copy(), dd.copy()
    active = np.ones(a.shape, bool)
    for i in range(1, _MAX_ITER + 1):
        an, dan = -i * (i - a), float(i)
        b = b + 2
        D = an * d + b
        dD = dan * d + an * dd + db
        D = np.where(np.abs(D) < tiny, tiny, D)
        C = b + an / c
        dC = db + (dan - an * (dc / c)) / c
        C = np.where(np.abs(C) < tiny, tiny, C)
        d, dd = 1 / D, -dD / (D * D)
        c, dc = C, dC
        delta, ddelta = d * c, dd * c + d * dc
        h_new, dh_new = h * delta, dh * delta + h * ddelta
        h, dh = np.where(active, h_new, h), np.where(active, dh_new, dh)
        active &= ~((np.abs(delta - 1) <= _EPS) & (np.abs(h * ddelta) <= _EPS * np.abs(dh)))
        if not active.any():
            break
    logx = np.log(x)
    pre = np.exp(a * logx - x - sp.gammaln(a))
    return -pre * (dh + h * (logx - sp.digamma(a)))


def _igamma_grad_a_impl(a, x):
    a, x = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(x, np.float64))
    out = np.full(a.shape, np.nan)
    ok = (a > 0) & (x >= 0)
    zero = ok & ((x == 0) | np.isposinf(x) | np.isposinf(a))
    out[zero] = 0.0
    live = ok & ~zero
    use_cf = live & (x > 1) & (x > a)
    use_s = live & ~use_cf
    if use_s.any():
        out[use_s] = _igamma_series_da(a[use_s], x[use_s])
    if use_cf.any():
        out[use_cf] = _igammac_cf_da(a[use_cf], x[use_cf])
    return out


igamma_grad_a_p = naryop("igamma_grad_a", _igamma_grad_a_impl, "f")


def _log_gamma_pdf(a, x):
    return ew.sub(ew.sub(ew.mul(ew.sub(a, 1.0), ew.log(x)), x), ew.lgamma(a))


def _igamma_grad_a_jvp_a(g, a, x):
    raise NotImplementedError(
        "the derivative of igamma_grad_a with respect to `a` is not implemented (JAX defines "
        "none); differentiate with respect to x only"
    )


ad.defjvp(igamma_grad_a_p, _igamma_grad_a_jvp_a,
          lambda g, a, x: ew.mul(g, ew.mul(ew.exp(_log_gamma_pdf(a, x)),
                                           ew.sub(ew.log(x), ew.digamma(a)))))  # fmt: skip


def igamma_grad_a(a, x):
    """Elementwise derivative of the regularized incomplete gamma function in `a`."""
    return igamma_grad_a_p.bind(*ew._operands(a, x))


def random_gamma_grad(a, x):
    """Elementwise derivative of samples x ~ Gamma(a, 1) with respect to a (implicit
    differentiation of P(a, x) = u: dx/da = -(dP/da) / (dP/dx)). Shapes broadcast."""
    a, x = ew._operands(a, x)
    sa, sx = _aval(a).shape, _aval(x).shape
    if sa != sx:
        from .extra import broadcast_shapes

        shape = broadcast_shapes(sa, sx)
        a, x = _broadcast_to(a, shape), _broadcast_to(x, shape)
    low = _aval(a).dtype in (dtypes.float16, dtypes.bfloat16)
    dt = _aval(a).dtype
    if low:
        a, x = st.convert_element_type(a, np.float32), st.convert_element_type(x, np.float32)
    out = ew.neg(ew.div(igamma_grad_a(a, x), ew.exp(_log_gamma_pdf(a, x))))
    return st.convert_element_type(out, dt) if low else out
