"""The rest of JAX's lax API: compositions (associative_scan, stack, split, tile, conv_transpose,
conv_general_dilated_patches, ...), implicit differentiation (custom_linear_solve, custom_root),
and the primitives they need (optimization_barrier, reduce_precision, clz, special functions,
fft, linear_solve). Each primitive is one paragraph: definition, derivative, batching.

Invariant: the compositions are written only with lax functions, so they trace, differentiate
and batch through the rules of the primitives they use."""

import builtins
import enum
import itertools
import math

import numpy as np
import scipy.special as sp

from .. import core, dtypes
from ..core import ClosedJaxpr, Jaxpr
from ..errors import JTransTypeError, JTransValueError
from ..interpreters import ad, batching
from ..interpreters import partial_eval as pe
from ..tree_util import tree_flatten, tree_map, tree_unflatten
from . import elementwise as ew
from . import structural as st
from ._base import Zero, as_operand, batch_rules, canonical_axis, standard_primitive
from .convolution import conv_dimension_numbers, conv_general_dilated
from .elementwise import broadcast_batcher, naryop, unop

__all__ = [
    "FftType",
    "associative_scan",
    "bessel_i0e",
    "bessel_i0e_p",
    "bessel_i1e",
    "bessel_i1e_p",
    "betainc",
    "broadcast_shapes",
    "broadcast_to_rank",
    "clz",
    "clz_p",
    "conv_general_dilated_patches",
    "conv_transpose",
    "custom_linear_solve",
    "custom_root",
    "empty",
    "fft",
    "fft_p",
    "igammac",
    "igammac_p",
    "index_take",
    "linear_solve_p",
    "optimization_barrier",
    "optimization_barrier_p",
    "reduce_precision",
    "reduce_precision_p",
    "regularized_incomplete_beta_p",
    "scatter_sub",
    "split",
    "stack",
    "tile",
    "unstack",
    "zeta",
    "zeta_p",
]


# ---------------------------------------------------------------------------------------------
# shape helpers written with lax functions


def stack(operands, axis=0):
    """lax.stack: the operands (equal shapes) stacked along a new axis."""
    operands = [as_operand(x) for x in operands]
    if not operands:
        raise JTransValueError("lax.stack needs at least one array to stack")
    nd = core.get_aval(operands[0]).ndim
    axis = canonical_axis(axis, nd + 1)
    return st.concatenate([st.expand_dims(x, (axis,)) for x in operands], axis)


def unstack(x, axis=0):
    """lax.unstack: the slices of x along `axis`, as a tuple."""
    x = as_operand(x)
    shape = core.get_aval(x).shape
    if not shape:
        raise JTransValueError("lax.unstack requires an array of rank >= 1, got a scalar")
    axis = canonical_axis(axis, len(shape))
    return tuple(st.index_in_dim(x, i, axis, keepdims=False) for i in range(shape[axis]))


def tile(operand, reps):
    """lax.tile: operand repeated reps[i] times along axis i (len(reps) == operand.ndim)."""
    operand = as_operand(operand)
    shape = core.get_aval(operand).shape
    reps = tuple(int(r) for r in reps)
    if len(reps) != len(shape):
        raise JTransValueError(
            f"lax.tile needs one repetition count per axis: operand of shape {shape} got "
            f"reps={reps}. jtrans.numpy.tile accepts other lengths."
        )
    # (r0, s0, r1, s1, ...) by a broadcast, then merged pairwise by a reshape
    inter = tuple(d for r, s in zip(reps, shape) for d in (r, s))
    x = st.broadcast_in_dim(operand, inter, tuple(range(1, 2 * len(shape), 2)))
    return st.reshape(x, tuple(r * s for r, s in zip(reps, shape)))


def split(operand, sizes, axis=0):
    """lax.split: operand cut along `axis` into pieces of the given sizes (summing to the axis
    length)."""
    operand = as_operand(operand)
    shape = core.get_aval(operand).shape
    axis = canonical_axis(axis, len(shape))
    sizes = [int(s) for s in sizes]
    if any(s < 0 for s in sizes) or sum(sizes) != shape[axis]:
        raise JTransValueError(
            f"lax.split: sizes {sizes} must be non-negative and sum to the size of axis {axis} "
            f"of the operand of shape {shape} ({shape[axis]})"
        )
    offsets = [int(o) for o in np.cumsum([0] + sizes)]
    return [st.slice_in_dim(operand, a, b, 1, axis) for a, b in itertools.pairwise(offsets)]


def broadcast_shapes(*shapes):
    """lax.broadcast_shapes: the NumPy broadcast of the given shapes (a tuple)."""
    shapes = [tuple(int(d) for d in s) for s in shapes]
    if not shapes:
        return ()
    nd = builtins.max(len(s) for s in shapes)
    padded = [(1,) * (nd - len(s)) + s for s in shapes]
    out = []
    for i, ds in enumerate(zip(*padded)):
        big = {d for d in ds if d != 1}
        if len(big) > 1:
            raise JTransValueError(
                f"Incompatible shapes for broadcasting: {tuple(shapes)} (axis {i} has sizes "
                f"{sorted(big)})"
            )
        out.append(big.pop() if big else 1)
    return tuple(out)


def broadcast_to_rank(x, rank):
    """lax.broadcast_to_rank: x with leading axes of size 1 added up to rank `rank`."""
    x = as_operand(x)
    nd = core.get_aval(x).ndim
    if nd >= rank:
        return x
    return st.broadcast(x, (1,) * (rank - nd))


def empty(shape, dtype, *, out_sharding=None):
    """lax.empty: an array whose values must not be relied on (here: zeros)."""
    shape = (int(shape),) if np.ndim(shape) == 0 else tuple(int(d) for d in shape)
    return st.full(shape, 0, dtypes.canonicalize_dtype(np.dtype(dtype)))


def scatter_sub(operand, scatter_indices, updates, dimension_numbers, *, indices_are_sorted=False,
                unique_indices=False, mode=None):  # fmt: skip
    """lax.scatter_sub: operand with updates subtracted at the scattered windows (a scatter_add
    of the negated updates)."""
    operand = as_operand(operand)
    updates = as_operand(updates, core.get_aval(operand).dtype)
    return st.scatter_add(operand, scatter_indices, ew.neg(updates), dimension_numbers,
                          indices_are_sorted=indices_are_sorted, unique_indices=unique_indices,
                          mode=mode)  # fmt: skip


def index_take(src, idxs, axes):
    """lax.index_take: src indexed along `axes[k]` by the 1-D index array `idxs[k]` (one
    gather: out[i, ...] = src[..., idxs[0][i], ..., idxs[1][i], ...])."""
    src = as_operand(src)
    sshape = core.get_aval(src).shape
    axes = tuple(canonical_axis(a, len(sshape)) for a in axes)
    idxs = [as_operand(i) for i in idxs]
    if len(idxs) != len(axes) or any(core.get_aval(i).ndim != 1 for i in idxs):
        raise JTransValueError(
            f"lax.index_take needs one 1-D index array per axis in axes={axes}, got shapes "
            f"{[core.get_aval(i).shape for i in idxs]}"
        )
    indices = st.concatenate([st.expand_dims(i, (1,)) for i in idxs], 1)
    slice_sizes = [1 if d in axes else s for d, s in enumerate(sshape)]
    dn = st.GatherDimensionNumbers(
        offset_dims=tuple(range(1, len(sshape) - len(axes) + 1)),
        collapsed_slice_dims=tuple(sorted(axes)),
        start_index_map=axes,
    )
    return st.gather(src, indices, dn, tuple(slice_sizes), mode=st.GatherScatterMode.CLIP)


# ---------------------------------------------------------------------------------------------
# associative_scan: the parallel prefix of Blelloch / Ladner-Fischer by recursion on the
# pairwise-combined odd positions, all with strided slices, concatenation and interior padding


def _interleave(a, b, axis):
    """[a0, b0, a1, b1, ...] along axis (len(a) == len(b) or len(b) + 1)."""
    na, nb = core.get_aval(a).shape[axis], core.get_aval(b).shape[axis]
    nd = core.get_aval(a).ndim
    pad_a, pad_b = [(0, 0, 0)] * nd, [(0, 0, 0)] * nd
    pad_a[axis] = (0, 1 if na == nb else 0, 1)
    pad_b[axis] = (1, 0 if na == nb else 1, 1)
    dt = core.get_aval(a).dtype
    zero = as_operand(np.zeros((), dt))
    op = ew.bitwise_or if dt == dtypes.bool_ else ew.add
    return op(st.pad(a, zero, pad_a), st.pad(b, zero, pad_b))


def associative_scan(fn, elems, reverse=False, axis=0):
    """lax.associative_scan: all prefix combinations fn(...fn(fn(e0, e1), e2)..., ei) along
    `axis` of the pytree `elems`, for an associative, vectorised `fn` (O(log n) depth)."""
    flat, tree = tree_flatten(elems)
    flat = [as_operand(x) for x in flat]
    if not flat:
        return elems
    nd = core.get_aval(flat[0]).ndim
    if nd == 0:
        raise JTransValueError("lax.associative_scan needs arrays of rank >= 1, got scalars")
    axis = canonical_axis(axis, nd)
    lengths = {core.get_aval(x).shape[axis] for x in flat}
    if len(lengths) != 1:
        raise JTransValueError(
            f"lax.associative_scan: all elems must have the same size along axis {axis}, got "
            f"shapes {[core.get_aval(x).shape for x in flat]}"
        )
    if reverse:
        flat = [st.rev(x, (axis,)) for x in flat]

    def combine(a, b):
        out = fn(tree_unflatten(tree, a), tree_unflatten(tree, b))
        out_flat, out_tree = tree_flatten(out)
        if out_tree != tree:
            raise JTransTypeError(
                f"lax.associative_scan: fn must return the structure of elems ({tree}), got "
                f"{out_tree}"
            )
        return [as_operand(x) for x in out_flat]

    def sl(x, start, stop=None, stride=1):
        return st.slice_in_dim(x, start, stop, stride, axis)

    def scan(es):
        n = core.get_aval(es[0]).shape[axis]
        if n < 2:
            return es
        reduced = combine([sl(e, 0, n - 1, 2) for e in es], [sl(e, 1, None, 2) for e in es])
        odd = scan(reduced)
        if n % 2 == 0:
            m = core.get_aval(odd[0]).shape[axis]
            even = combine([sl(e, 0, m - 1) for e in odd], [sl(e, 2, None, 2) for e in es])
        else:
            even = combine(odd, [sl(e, 2, None, 2) for e in es])
        even = [st.concatenate([sl(e, 0, 1), r], axis) for e, r in zip(es, even)]
        return [_interleave(e, o, axis) for e, o in zip(even, odd)]

    out = scan(flat)
    if reverse:
        out = [st.rev(x, (axis,)) for x in out]
    return tree_unflatten(tree, out)


# ---------------------------------------------------------------------------------------------
# convolution helpers


def _conv_transpose_padding(k, s, padding):
    """(before, after) padding of the transposed convolution for a forward conv with kernel
    extent k, stride s and padding 'SAME' / 'VALID' / (lo, hi)."""
    if padding == "SAME":
        pad_len = k + s - 2
        pad_a = k - 1 if s > k - 1 else int(np.ceil(pad_len / 2))
    elif padding == "VALID":
        pad_len = k + s - 2 + builtins.max(k - s, 0)
        pad_a = k - 1
    elif isinstance(padding, tuple):
        pads = tuple(k - p - 1 for p in padding)
        pad_a, pad_len = pads[0], sum(pads)
    else:
        raise JTransValueError(f"conv_transpose: invalid padding {padding!r}")
    return pad_a, pad_len - pad_a


def conv_transpose(lhs, rhs, strides, padding, rhs_dilation=None, dimension_numbers=None,
                   transpose_kernel=False, precision=None, preferred_element_type=None,
                   use_consistent_padding=False):  # fmt: skip
    """lax.conv_transpose: a fractionally strided convolution (conv_general_dilated with
    lhs_dilation = strides), with JAX's padding conventions and default layouts (NHWC, HWIO)."""
    lhs, rhs = as_operand(lhs), as_operand(rhs)
    la, ra = core.get_aval(lhs), core.get_aval(rhs)
    nd = la.ndim
    if nd != ra.ndim or nd < 2:
        raise JTransValueError(
            f"conv_transpose needs lhs and rhs of equal rank >= 2, got {la.shape} and {ra.shape}"
        )
    if dimension_numbers is None:
        defaults = {2: ("NC", "IO", "NC"), 3: ("NHC", "HIO", "NHC"),
                    4: ("NHWC", "HWIO", "NHWC"), 5: ("NHWDC", "HWDIO", "NHWDC")}  # fmt: skip
        if nd not in defaults:
            raise JTransValueError("conv_transpose has no default dimension_numbers for rank > 5")
        dimension_numbers = defaults[nd]
    dn = conv_dimension_numbers(la.shape, ra.shape, dimension_numbers)
    k_sdims = [ra.shape[d] for d in dn.rhs_spec[2:]]
    rhs_dilation = (1,) * (nd - 2) if rhs_dilation is None else tuple(rhs_dilation)
    strides = tuple(int(s) for s in strides)
    if use_consistent_padding or (isinstance(padding, str) and padding in ("SAME", "VALID")):
        eff = [(k - 1) * r + 1 if k else 0 for k, r in zip(k_sdims, rhs_dilation)]
        rep = [padding] * len(strides) if isinstance(padding, str) else \
            [tuple(p) for p in padding]  # fmt: skip
        pads = tuple(_conv_transpose_padding(k, s, p) for k, s, p in zip(eff, strides, rep))
    else:
        pads = padding
    if transpose_kernel:
        rhs = st.rev(rhs, tuple(dn.rhs_spec[2:]))
        perm = list(range(nd))
        perm[dn.rhs_spec[0]], perm[dn.rhs_spec[1]] = dn.rhs_spec[1], dn.rhs_spec[0]
        rhs = st.transpose(rhs, perm)
    return conv_general_dilated(lhs, rhs, (1,) * (nd - 2), pads, strides, rhs_dilation, dn,
                                precision=precision,
                                preferred_element_type=preferred_element_type)  # fmt: skip


def conv_general_dilated_patches(lhs, filter_shape, window_strides, padding, lhs_dilation=None,
                                 rhs_dilation=None, dimension_numbers=None, precision=None,
                                 preferred_element_type=None):  # fmt: skip
    """lax.conv_general_dilated_patches: the patches a convolution with a kernel of spatial shape
    `filter_shape` would see, flattened into the output feature axis (channel-major: C, then
    the filter positions), computed as a convolution with an identity kernel."""
    lhs = as_operand(lhs)
    la = core.get_aval(lhs)
    filter_shape = tuple(int(d) for d in filter_shape)
    dn = conv_dimension_numbers(la.shape, (1, 1) + filter_shape, dimension_numbers)
    spatial = math.prod(filter_shape)
    n_channels = la.shape[dn.lhs_spec[1]]
    eye = np.eye(spatial, dtype=la.dtype)
    kernel = np.broadcast_to(eye, (n_channels, spatial, spatial))
    kernel = kernel.reshape((n_channels * spatial, 1) + filter_shape)
    kernel = np.moveaxis(kernel, (0, 1), (dn.rhs_spec[0], dn.rhs_spec[1]))
    return conv_general_dilated(lhs, as_operand(np.ascontiguousarray(kernel)), window_strides,
                                padding, lhs_dilation, rhs_dilation, dn,
                                feature_group_count=n_channels, precision=precision,
                                preferred_element_type=preferred_element_type)  # fmt: skip


# ---------------------------------------------------------------------------------------------
# optimization_barrier: the identity on a pytree, which the compiler may not move across


def _barrier_impl(*xs):
    return list(xs)


optimization_barrier_p = standard_primitive(
    "optimization_barrier", _barrier_impl, lambda *avals: list(avals), multiple_results=True
)


def optimization_barrier(operand, /):
    flat, tree = tree_flatten(operand)
    return tree_unflatten(tree, optimization_barrier_p.bind(*[as_operand(x) for x in flat]))


def _barrier_nonzero(ts):
    nz = [t for t in ts if type(t) is not Zero]
    outs = iter(optimization_barrier_p.bind(*nz) if nz else [])
    return [t if type(t) is Zero else next(outs) for t in ts]


ad.jvp_rules[optimization_barrier_p] = lambda primals, tangents: (
    optimization_barrier_p.bind(*primals),
    _barrier_nonzero(tangents),
)
ad.transpose_rules[optimization_barrier_p] = lambda cts, *xs: _barrier_nonzero(list(cts))
batch_rules[optimization_barrier_p] = lambda vals, dims: (
    optimization_barrier_p.bind(*vals),
    list(dims),
)


# ---------------------------------------------------------------------------------------------
# reduce_precision: round to a float format with fewer exponent / mantissa bits (XLA's
# ReducePrecision: round to nearest even on the mantissa, overflow to inf, underflow to zero)

_FLOAT_BITS = {2: (5, 10), 4: (8, 23), 8: (11, 52)}  # itemsize -> (exponent, mantissa) bits


def _reduce_precision_impl(x, exponent_bits, mantissa_bits):
    dt = x.dtype
    if dt == dtypes.bfloat16:
        src_exp, src_mant, nbits = 8, 7, 16
    else:
        (src_exp, src_mant), nbits = _FLOAT_BITS[dt.itemsize], 8 * dt.itemsize
    ut = np.dtype(f"u{nbits // 8}")
    one = ut.type(1)
    bits = np.ascontiguousarray(x).view(ut).copy()
    if mantissa_bits < src_mant:
        shift = ut.type(src_mant - mantissa_bits)
        last_bit_mask = one << shift
        base_bias = (last_bit_mask >> one) - one
        last_bit = (bits & last_bit_mask) >> shift
        bits = (bits + last_bit + base_bias) & ~(last_bit_mask - one)
    if exponent_bits < src_exp:
        sign_mask = one << ut.type(nbits - 1)
        exp_mask = ((one << ut.type(src_exp)) - one) << ut.type(src_mant)
        bias = (1 << (src_exp - 1)) - 1
        reduced_bias = (1 << (exponent_bits - 1)) - 1
        max_exp = ut.type(bias + reduced_bias) << ut.type(src_mant)
        min_exp = ut.type(bias - reduced_bias) << ut.type(src_mant)
        e = bits & exp_mask
        signed_zero = bits & sign_mask
        bits = np.where(e > max_exp, signed_zero | exp_mask,
                        np.where(e <= min_exp, signed_zero, bits)).astype(ut)  # fmt: skip
    out = bits.view(dt).reshape(x.shape)
    # NaNs stay NaN (rounding or the exponent clamp could have made them inf or zero)
    return np.where(np.isnan(x), x, out).astype(dt)


def _reduce_precision_abstract(x, exponent_bits, mantissa_bits):
    if not dtypes.is_float(x.dtype):
        raise JTransTypeError(
            f"lax.reduce_precision needs a floating-point operand, got {x.dtype.name}"
        )
    return x


reduce_precision_p = standard_primitive(
    "reduce_precision", _reduce_precision_impl, _reduce_precision_abstract
)


def reduce_precision(operand, exponent_bits, mantissa_bits):
    exponent_bits = int(exponent_bits)
    mantissa_bits = int(mantissa_bits)
    if exponent_bits < 1 or mantissa_bits < 0:
        raise JTransValueError(
            f"lax.reduce_precision needs exponent_bits >= 1 and mantissa_bits >= 0, got "
            f"{exponent_bits} and {mantissa_bits}"
        )
    return reduce_precision_p.bind(as_operand(operand), exponent_bits=exponent_bits,
                                   mantissa_bits=mantissa_bits)  # fmt: skip


# linear as in JAX: the tangent (and the cotangent) is rounded the same way
ad.deflinear(reduce_precision_p, lambda ct, x, **p: [reduce_precision_p.bind(ct, **p)])
broadcast_batcher(reduce_precision_p)


# ---------------------------------------------------------------------------------------------
# clz: count leading zeros of the two's-complement bit pattern


def _clz_impl(x):
    nbits = 8 * x.dtype.itemsize
    u = x.view(np.dtype(f"u{x.dtype.itemsize}")).astype(np.uint64)
    length = np.zeros(x.shape, np.int64)
    for s in (32, 16, 8, 4, 2, 1):
        if s >= nbits:
            continue
        big = (u >> np.uint64(s)) != 0
        length += np.where(big, s, 0)
        u = np.where(big, u >> np.uint64(s), u)
    length += (u != 0).astype(np.int64)
    return np.asarray(nbits - length).astype(x.dtype)


clz_p = unop("clz", _clz_impl, "iu", upcast=False)
ad.defnondiff(clz_p)


def clz(x):
    return clz_p.bind(as_operand(x))


# ---------------------------------------------------------------------------------------------
# special functions


def _operands(*xs):
    return ew._operands(*xs)


def _no_grad(name, arg):
    def jvp(g, *args):
        raise NotImplementedError(
            f"the derivative of lax.{name} with respect to `{arg}` is not implemented (as in "
            f"JAX); wrap that argument in lax.stop_gradient"
        )

    return jvp


# zeta(x, q): the Hurwitz zeta function sum_k (k + q)^-x
zeta_p = naryop("zeta", sp.zeta, "f")
ad.defjvp(zeta_p, _no_grad("zeta", "x"),
          lambda g, x, q: ew.mul(g, ew.mul(ew.neg(x), zeta(ew.add(x, 1.0), q))))  # fmt: skip


def zeta(x, q):
    return zeta_p.bind(*_operands(x, q))


# bessel_i0e(x) = exp(-|x|) I0(x); d/dx = i1e(x) - sign(x) i0e(x)
bessel_i0e_p = unop("bessel_i0e", sp.i0e, "f")
ad.defjvp2(bessel_i0e_p,
           lambda g, ans, x: ew.mul(g, ew.sub(bessel_i1e(x), ew.mul(ew.sign(x), ans))))  # fmt: skip


def bessel_i0e(x):
    return bessel_i0e_p.bind(as_operand(x))


# bessel_i1e(x) = exp(-|x|) I1(x); d/dx = i0e(x) - i1e(x) (sign(x) + 1/x), 1/2 at x = 0
bessel_i1e_p = unop("bessel_i1e", sp.i1e, "f")


def _bessel_i1e_jvp(g, ans, x):
    eps = float(np.finfo(core.get_aval(x).dtype).eps)
    not_tiny = ew.gt(ew.abs(x), eps)
    safe_x = st.select(not_tiny, x, ew.full_like_scalar(x, eps))
    d = ew.sub(bessel_i0e(safe_x), ew.mul(ans, ew.add(ew.sign(safe_x), ew.div(1.0, safe_x))))
    return ew.mul(g, st.select(not_tiny, d, ew.full_like_scalar(x, 0.5)))


ad.defjvp2(bessel_i1e_p, _bessel_i1e_jvp)


def bessel_i1e(x):
    return bessel_i1e_p.bind(as_operand(x))


# igammac(a, x) = 1 - igamma(a, x), the regularized upper incomplete gamma function
igammac_p = naryop("igammac", sp.gammaincc, "f")
def _igammac_jvp_a(g, a, x):
    from .misc import igamma_grad_a  # (misc imports this module)

    return ew.neg(ew.mul(g, igamma_grad_a(a, x)))


ad.defjvp(igammac_p, _igammac_jvp_a,
          lambda g, a, x: ew.neg(ew.mul(g, ew.exp(ew.sub(ew.sub(ew.mul(ew.sub(a, 1.0), ew.log(x)),
                                                               x), ew.lgamma(a))))))  # fmt: skip


def igammac(a, x):
    return igammac_p.bind(*_operands(a, x))


# betainc(a, b, x): the regularized incomplete beta function I_x(a, b);
# d/dx = x^(a-1) (1-x)^(b-1) / B(a, b)
regularized_incomplete_beta_p = naryop("regularized_incomplete_beta", sp.betainc, "f")


def _betainc_jvp_x(g, a, b, x):
    log_beta = ew.sub(ew.add(ew.lgamma(a), ew.lgamma(b)), ew.lgamma(ew.add(a, b)))
    t = ew.add(ew.mul(ew.sub(a, 1.0), ew.log(x)), ew.mul(ew.sub(b, 1.0), ew.log1p(ew.neg(x))))
    return ew.mul(g, ew.exp(ew.sub(t, log_beta)))


ad.defjvp(regularized_incomplete_beta_p, _no_grad("betainc", "a"), _no_grad("betainc", "b"),
          _betainc_jvp_x)  # fmt: skip


def betainc(a, b, x):
    return regularized_incomplete_beta_p.bind(*_operands(a, b, x))


# ---------------------------------------------------------------------------------------------
# fft: one primitive for the four transforms over the trailing len(fft_lengths) axes


class FftType(enum.IntEnum):
    """Which FFT lax.fft computes (JAX's names and values)."""

    FFT = 0  # complex -> complex, forward
    IFFT = 1  # complex -> complex, inverse
    RFFT = 2  # real -> complex (half spectrum along the last axis)
    IRFFT = 3  # complex half spectrum -> real


def _complex_dtype(dt):
    return dtypes.complex128 if dt in (dtypes.float64, dtypes.complex128) else dtypes.complex64


def _fft_impl(x, fft_type, fft_lengths):
    axes = tuple(range(x.ndim - len(fft_lengths), x.ndim))
    if x.size == 0 or 0 in fft_lengths:  # NumPy rejects empty transforms; XLA gives zeros
        out = _fft_abstract(core.get_aval(x), fft_type, fft_lengths)
        return np.zeros(out.shape, out.dtype)
    if fft_type == FftType.FFT:
        out = np.fft.fftn(x, axes=axes)
    elif fft_type == FftType.IFFT:
        out = np.fft.ifftn(x, axes=axes)
    elif fft_type == FftType.RFFT:
        out = np.fft.rfftn(x, axes=axes)
    else:
        out = np.fft.irfftn(x, s=fft_lengths, axes=axes)
        return np.asarray(out).astype(ew._real_dtype(x.dtype))
    return np.asarray(out).astype(_complex_dtype(x.dtype))


def _fft_abstract(x, fft_type, fft_lengths):
    k = len(fft_lengths)
    if x.ndim < k:
        raise JTransValueError(
            f"lax.fft: fft_lengths {fft_lengths} has more axes than the operand of shape {x.shape}"
        )
    lead, tail = x.shape[: x.ndim - k], x.shape[x.ndim - k :]
    if fft_type == FftType.RFFT:
        if x.dtype not in (dtypes.float32, dtypes.float64):
            raise JTransTypeError(f"lax.fft RFFT needs a float32/64 operand, got {x.dtype.name}")
        if tail != tuple(fft_lengths):
            raise JTransValueError(
                f"lax.fft RFFT: the trailing axes of the operand {x.shape} must equal "
                f"fft_lengths {fft_lengths}"
            )
        shape = lead + tail[:-1] + (fft_lengths[-1] // 2 + 1,)
        return core.ShapedArray(shape, _complex_dtype(x.dtype))
    if x.dtype not in (dtypes.complex64, dtypes.complex128):
        raise JTransTypeError(
            f"lax.fft {FftType(fft_type).name} needs a complex operand, got {x.dtype.name}"
        )
    if fft_type == FftType.IRFFT:
        want = tuple(fft_lengths[:-1]) + (fft_lengths[-1] // 2 + 1,)
        if tail != want:
            raise JTransValueError(
                f"lax.fft IRFFT: the trailing axes of the operand {x.shape} must be {want} for "
                f"fft_lengths {fft_lengths}"
            )
        return core.ShapedArray(lead + tuple(fft_lengths), ew._real_dtype(x.dtype))
    if tail != tuple(fft_lengths):
        raise JTransValueError(
            f"lax.fft: the trailing axes of the operand {x.shape} must equal fft_lengths "
            f"{fft_lengths}"
        )
    return core.ShapedArray(x.shape, x.dtype)


fft_p = standard_primitive("fft", _fft_impl, _fft_abstract)

_FFT_NAMES = {"fft": FftType.FFT, "ifft": FftType.IFFT, "rfft": FftType.RFFT,
              "irfft": FftType.IRFFT}  # fmt: skip


def fft(x, fft_type, fft_lengths):
    """lax.fft: the FFT of type `fft_type` (an FftType or its name) over the trailing
    len(fft_lengths) axes of x."""
    if isinstance(fft_type, str):
        if fft_type.lower() not in _FFT_NAMES:
            raise JTransValueError(f"Unknown FFT type '{fft_type}'")
        typ = _FFT_NAMES[fft_type.lower()]
    elif isinstance(fft_type, FftType):
        typ = fft_type
    else:
        raise JTransTypeError(f"Unknown FFT type value '{fft_type}'")
    x = as_operand(x)
    dt = core.get_aval(x).dtype
    if typ == FftType.RFFT:
        if dt.kind == "c":
            raise JTransValueError("only real valued inputs supported for rfft")
        want = dt if dtypes.is_inexact(dt) and dt.itemsize >= 4 else dtypes.default_float()
        if dt == dtypes.float16 or dt == dtypes.bfloat16:
            want = dtypes.float32
    else:
        want = _complex_dtype(dt) if dtypes.is_inexact(dt) else \
            _complex_dtype(dtypes.default_float())  # fmt: skip
    if dt != want:
        x = st.convert_element_type(x, want)
    fft_lengths = tuple(int(n) for n in fft_lengths)
    if not fft_lengths:
        return x
    return fft_p.bind(x, fft_type=typ, fft_lengths=fft_lengths)


def _rfft_transpose(ct, fft_lengths):
    # RFFT = slice of FFT(x as complex): its transpose pads, FFTs and keeps the real part
    n = fft_lengths[-1]
    nd = core.get_aval(ct).ndim
    cfg = [(0, 0, 0)] * nd
    cfg[-1] = (0, n - (n // 2 + 1), 0)
    zero = as_operand(np.zeros((), core.get_aval(ct).dtype))
    full = fft_p.bind(st.pad(ct, zero, cfg), fft_type=FftType.FFT, fft_lengths=fft_lengths)
    return ew.real(full)


def _irfft_transpose(ct, fft_lengths):
    # JAX's rule: RFFT of the cotangent, the interior frequencies counted twice, scaled by 1/N,
    # conjugated (JAX's convention for complex cotangents)
    x = fft_p.bind(ct, fft_type=FftType.RFFT, fft_lengths=fft_lengths)
    xa = core.get_aval(x)
    m = xa.shape[-1]
    odd = fft_lengths[-1] % 2
    mask = np.concatenate([np.ones(1), np.full(m - 2 + odd, 2.0), np.ones(1 - odd)])[:m]
    scale = (mask / math.prod(fft_lengths)).astype(ew._real_dtype(xa.dtype))
    w = st.broadcast_in_dim(as_operand(scale.astype(xa.dtype)), xa.shape, (xa.ndim - 1,))
    return ew.conj(ew.mul(x, w))


def _fft_transpose(ct, x, fft_type, fft_lengths):
    if type(ct) is Zero:
        return [Zero(x.aval)]
    if fft_type == FftType.RFFT:
        return [_rfft_transpose(ct, fft_lengths)]
    if fft_type == FftType.IRFFT:
        return [_irfft_transpose(ct, fft_lengths)]
    # the DFT matrix is symmetric: FFT and IFFT are their own transposes
    return [fft_p.bind(ct, fft_type=fft_type, fft_lengths=fft_lengths)]


ad.deflinear(fft_p, _fft_transpose)


def _fft_batch(vals, dims, fft_type, fft_lengths):
    (x,), (d,) = vals, dims
    x = batching.moveaxis(x, d, 0)
    return fft_p.bind(x, fft_type=fft_type, fft_lengths=fft_lengths), 0


batch_rules[fft_p] = _fft_batch


# ---------------------------------------------------------------------------------------------
# custom_linear_solve: x = solve(matvec, b), differentiated implicitly. `linear_solve` carries
# four closed jaxprs (matvec, vecmat, solve, transpose_solve; their closed-over values are
# operands, counted by const_lengths) and is linear in b: its JVP solves for the tangent and its
# transpose solves the transposed system.


def _staged(fun, in_tree, avals, what):
    """fun (a pytree function) staged at avals: (ClosedJaxpr whose invars are consts + args,
    consts, out_tree)."""
    box = []

    def flat_fun(*args):
        out = fun(tree_unflatten(in_tree, list(args)))
        out_flat, out_tree = tree_flatten(out)
        box.append(out_tree)
        return [as_operand(o) for o in out_flat]

    jaxpr, consts = pe.trace_to_jaxpr(flat_fun, list(avals))
    jx = Jaxpr([], list(jaxpr.constvars) + list(jaxpr.invars), jaxpr.outvars, jaxpr.eqns)
    return ClosedJaxpr(jx, []), list(consts), box[0]


def _eval(closed, *args):
    return core.eval_jaxpr(closed.jaxpr, closed.consts, *args)


def _transpose_fun(matvec, n_consts, x_avals):
    """vecmat(consts..., y...) -> x-cotangents: the transpose of matvec in its last inputs."""

    def vecmat(*args):
        consts, ys = args[:n_consts], args[n_consts:]
        und = [ad.UndefinedPrimal(a) for a in x_avals]
        cts = ad.backward_pass(matvec.jaxpr, matvec.consts, list(consts) + und, list(ys))
        return [ad.instantiate_zeros(c) if type(c) is Zero else c for c in cts[n_consts:]]

    return vecmat


def _split_ops(args, const_lengths):
    out, i = [], 0
    for n in const_lengths:
        out.append(list(args[i : i + n]))
        i += n
    out.append(list(args[i:]))
    return out


def _linear_solve_impl(*args, const_lengths, jaxprs, num_aux):
    *_, s_c, _, b = _split_ops(args, const_lengths)
    with core.set_current_trace(core.eval_trace):
        outs = _eval(jaxprs[2], *[core._wrap(a, False) for a in s_c + b])
    return [np.asarray(o._value if hasattr(o, "_value") else o) for o in outs]


linear_solve_p = standard_primitive(
    "custom_linear_solve", _linear_solve_impl,
    lambda *avals, const_lengths, jaxprs, num_aux: list(jaxprs[2].out_avals),
    multiple_results=True,
)  # fmt: skip


def _linear_solve_jvp(primals, tangents, const_lengths, jaxprs, num_aux):
    # A x = b  =>  x' = A^-1 (b' - A' x); tangents of solve / transpose_solve consts are ignored
    params = {"const_lengths": const_lengths, "jaxprs": jaxprs, "num_aux": num_aux}
    outs = linear_solve_p.bind(*primals, **params)
    n_x = len(outs) - num_aux
    x = outs[:n_x]
    m_c = _split_ops(primals, const_lengths)[0]
    m_t, _, _, _, b_t = _split_ops(tangents, const_lengths)
    aux_t = [Zero(ad.tangent_aval(core.get_aval(a))) for a in outs[n_x:]]
    rhs = [t for t in b_t]
    if any(type(t) is not Zero for t in m_t):
        x_t = [Zero(ad.tangent_aval(core.get_aval(v))) for v in x]
        _, mv_t = ad.jvp_flat(lambda *a: _eval(jaxprs[0], *a), list(m_c) + list(x),
                              list(m_t) + x_t)  # fmt: skip
        rhs = [ad.add_tangents(r, ew.neg(t) if type(t) is not Zero else t)
               for r, t in zip(rhs, mv_t)]  # fmt: skip
    if all(type(r) is Zero for r in rhs):
        return outs, [Zero(ad.tangent_aval(core.get_aval(v))) for v in x] + aux_t
    rhs = [ad.instantiate_zeros(r) for r in rhs]
    x_dot = linear_solve_p.bind(*primals[: sum(const_lengths)], *rhs, **params)[:n_x]
    return outs, list(x_dot) + aux_t


ad.jvp_rules[linear_solve_p] = _linear_solve_jvp


def _linear_solve_transpose(cts, *args, const_lengths, jaxprs, num_aux):
    if jaxprs[3] is None:
        raise TypeError(
            "transpose_solve required for backwards mode automatic differentiation of "
            "custom_linear_solve"
        )
    n_c = sum(const_lengths)
    consts, b = args[:n_c], args[n_c:]
    if any(type(c) is ad.UndefinedPrimal for c in consts):
        raise JTransValueError(
            "custom_linear_solve is linear in b only; it cannot be transposed in the values "
            "matvec or solve close over"
        )
    cts_x = list(cts)[: len(b)]
    if all(type(c) is Zero for c in cts_x):
        return [None] * n_c + [Zero(v.aval) for v in b]
    cts_x = [ad.instantiate_zeros(c) for c in cts_x]
    m_c, v_c, s_c, t_c = _split_ops(consts, const_lengths)[:4]
    mv, vm, so, ts = jaxprs
    t_lengths = (const_lengths[1], const_lengths[0], const_lengths[3], const_lengths[2])
    outs = linear_solve_p.bind(*v_c, *m_c, *t_c, *s_c, *cts_x, const_lengths=t_lengths,
                               jaxprs=(vm, mv, ts, so), num_aux=0)  # fmt: skip
    return [None] * n_c + list(outs)


ad.transpose_rules[linear_solve_p] = _linear_solve_transpose


def _linear_solve_batch(vals, dims, const_lengths, jaxprs, num_aux):
    # everything batched at axis 0; b (and so x) is always batched
    size = batching.current_axis_size()
    groups = _split_ops(list(zip(vals, dims)), const_lengths)
    b_vals = [batching.bdim_at_front(v, d, size) for v, d in groups[4]]
    new_vals, new_jaxprs = [], []
    for k, (j, grp) in enumerate(zip(jaxprs, groups[:4])):
        c_vals = [v if d is None else batching.moveaxis(v, d, 0) for v, d in grp]
        c_dims = [None if d is None else 0 for _, d in grp]
        new_vals += c_vals
        if j is None:
            new_jaxprs.append(None)
            continue
        n_out = len(j.out_avals)
        bj, _ = batching.batch_jaxpr(j, size, c_dims + [0] * len(b_vals), [0] * n_out)
        new_jaxprs.append(bj)
    outs = linear_solve_p.bind(*new_vals, *b_vals, const_lengths=const_lengths,
                               jaxprs=tuple(new_jaxprs), num_aux=num_aux)  # fmt: skip
    return outs, [0] * len(outs)


batch_rules[linear_solve_p] = _linear_solve_batch


def custom_linear_solve(matvec, b, solve, transpose_solve=None, symmetric=False, has_aux=False):
    """lax.custom_linear_solve: x = solve(matvec, b) for the linear map `matvec`, differentiated
    implicitly (x' = solve(matvec, b' - matvec'(x))); reverse mode uses
    transpose_solve(vecmat, b) (or `solve` when symmetric)."""
    b_flat, tree = tree_flatten(b)
    b_flat = [as_operand(x) for x in b_flat]
    b_avals = [core.get_aval(x).strip_weak_type() for x in b_flat]

    mv, mv_c, mv_tree = _staged(matvec, tree, b_avals, "matvec")
    if mv_tree != tree:
        raise JTransTypeError(
            f"custom_linear_solve: matvec must return the structure of b ({tree}), got {mv_tree}"
        )

    def _with(j, consts):
        return lambda x: tree_unflatten(tree, _eval(j, *consts, *tree_flatten(x)[0]))

    aux_box = []

    def solve_b(x_tree):
        out = solve(_with(mv, mv_c), x_tree)
        out, aux = out if has_aux else (out, ())
        aux_box.append(tree_flatten(aux)[1])
        return out, aux

    so, so_c, _ = _staged(solve_b, tree, b_avals, "solve")
    num_aux = len(so.out_avals) - len(b_avals)
    if symmetric:
        vm, vm_c = mv, mv_c
        ts, ts_c = so, so_c
    else:
        vm_fun = _transpose_fun(mv, len(mv_c), b_avals)
        vm, vm_c, _ = _staged(lambda y: vm_fun(*mv_c, *tree_flatten(y)[0]), tree, b_avals, "vecmat")
        vm_c = list(vm_c)
        if transpose_solve is None:
            ts, ts_c = None, []
        else:
            ts, ts_c, _ = _staged(lambda y: transpose_solve(_with(vm, vm_c), y), tree, b_avals,
                                  "transpose_solve")  # fmt: skip
    const_lengths = (len(mv_c), len(vm_c), len(so_c), len(ts_c))
    outs = linear_solve_p.bind(*mv_c, *vm_c, *so_c, *ts_c, *b_flat, const_lengths=const_lengths,
                               jaxprs=(mv, vm, so, ts), num_aux=num_aux)  # fmt: skip
    x = tree_unflatten(tree, outs[: len(b_avals)])
    if has_aux:
        return x, tree_unflatten(aux_box[-1], outs[len(b_avals) :])
    return x


# ---------------------------------------------------------------------------------------------
# custom_root: a root of f found by `solve`, differentiated by the implicit function theorem
# (a custom_jvp whose tangent is a custom_linear_solve with tangent_solve)


def custom_root(f, initial_guess, solve, tangent_solve, has_aux=False):
    """lax.custom_root: solution = solve(f, initial_guess) with f(solution) = 0, whose derivative
    with respect to the values f closes over is -(df/dx)^-1 (df/dtheta) theta'
    (tangent_solve(g, y) solves the linear g(x) = y)."""
    from ..interpreters.custom_derivatives import closure_convert, custom_jvp, stop_gradient

    guess_flat, tree = tree_flatten(initial_guess)
    guess_flat = [as_operand(x) for x in guess_flat]
    guess = tree_unflatten(tree, guess_flat)
    f_conv, hoisted = closure_convert(f, guess)
    n_h = len(hoisted)

    def f_of(params):
        return lambda x: f_conv(x, *params)

    def run_solve(params, g):
        out = solve(f_of(params), g)
        return out if has_aux else (out, None)

    @custom_jvp
    def _root(params, g):
        sol, aux = run_solve(params, g)
        return (sol, aux) if has_aux else sol

    @_root.defjvp
    def _root_jvp(primals, tangents):
        params, g = primals
        params_dot, _ = tangents
        out = _root(params, g)
        sol = out[0] if has_aux else out
        sol_flat = tree_flatten(sol)[0]

        # rhs = (df/dparams) params_dot at the solution
        def f_params(*ps):
            return tree_flatten(f_conv(sol, *ps))[0]

        p_t = [ad.instantiate_zeros(t) if type(t) is Zero else t for t in params_dot]
        _, rhs = ad.jvp_flat(f_params, list(params), p_t)
        rhs = [ad.instantiate_zeros(r) for r in rhs]

        def matvec(u):
            def f_x(*xs):
                return tree_flatten(f_conv(tree_unflatten(tree, list(xs)), *params))[0]

            _, t = ad.jvp_flat(f_x, sol_flat, tree_flatten(u)[0])
            return tree_unflatten(tree, [ad.instantiate_zeros(v) for v in t])

        sol_dot = custom_linear_solve(matvec, tree_unflatten(tree, rhs),
                                      solve=lambda mv, y: tangent_solve(mv, y),
                                      transpose_solve=lambda vm, y: tangent_solve(vm, y))  # fmt: skip
        sol_dot = tree_map(ew.neg, sol_dot)
        if has_aux:
            aux_t = tree_map(lambda a: ew.zeros_like(a), out[1])
            return out, (sol_dot, aux_t)
        return out, sol_dot

    return _root(tuple(hoisted), stop_gradient(guess)) if n_h else \
        _root_nohoist(run_solve, guess, has_aux)  # fmt: skip


def _root_nohoist(run_solve, guess, has_aux):
    from ..interpreters.custom_derivatives import stop_gradient

    sol, aux = run_solve((), stop_gradient(guess))
    return (sol, aux) if has_aux else sol
