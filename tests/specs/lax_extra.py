"""OpSpecs for jtrans/lax/extra.py: lax compositions (stack, split, tile, associative_scan,
conv_transpose, patches...), implicit differentiation (custom_linear_solve, custom_root) and the
primitives optimization_barrier, reduce_precision, clz and the special functions, against NumPy
and SciPy oracles."""

import numpy as np
import scipy.special as sp

import jtrans.numpy as jnp
from jtrans import lax

from ..opspecs import F32, F64, OpSpec

FLOATS = (F32, F64)
U = [((),), ((3,),), ((2, 3),), ((0,),)]


def doms(*ranges):
    def make(rng, shapes, dtype):
        return [
            np.asarray(rng.uniform(lo, hi, size=s), dtype) for (lo, hi), s in zip(ranges, shapes)
        ]

    return make


def _recurrence(elems_a, elems_b):
    """Sequential oracle of the linear recurrence h_t = a_t h_{t-1} + b_t (h_0 = b_0)."""
    a, b = np.array(elems_a, copy=True), np.array(elems_b, copy=True)
    for t in range(1, len(a)):
        b[t] = a[t] * b[t - 1] + b[t]
        a[t] = a[t] * a[t - 1]
    return a, b


def _lin_combine(x, y):
    (a1, b1), (a2, b2) = x, y
    return a1 * a2, a2 * b1 + b2


def _tpad(k, s, padding):
    # JAX's padding of a transposed convolution for a forward 'SAME' / 'VALID' padding
    if padding == "SAME":
        pad_len = k + s - 2
        a = k - 1 if s > k - 1 else int(np.ceil(pad_len / 2))
    else:
        pad_len = k + s - 2 + max(k - s, 0)
        a = k - 1
    return a, pad_len - a


def _np_conv_transpose(lhs, rhs, strides, padding):
    """NHWC x HWIO: dilate the input by the strides, pad, cross-correlate (no kernel flip)."""
    n, h, w, c = lhs.shape
    kh, kw, _, o = rhs.shape
    (sh, sw) = strides
    dil = np.zeros((n, (h - 1) * sh + 1 if h else 0, (w - 1) * sw + 1 if w else 0, c), lhs.dtype)
    dil[:, ::sh, ::sw] = lhs
    if isinstance(padding, str):
        pads = [_tpad(kh, sh, padding), _tpad(kw, sw, padding)]
    else:
        pads = list(padding)
    x = np.pad(dil, [(0, 0), pads[0], pads[1], (0, 0)])
    oh, ow = x.shape[1] - kh + 1, x.shape[2] - kw + 1
    out = np.zeros((n, oh, ow, o), np.result_type(lhs, rhs))
    for i in range(kh):
        for j in range(kw):
            out += np.einsum("nhwc,co->nhwo", x[:, i : i + oh, j : j + ow], rhs[i, j])
    return out


def _np_patches(lhs, filter_shape, strides, padding):
    """NCHW patches: output channel c * (kh kw) + i * kw + j holds lhs[c] at offset (i, j)."""
    n, c = lhs.shape[:2]
    kh, kw = filter_shape
    x = np.pad(lhs, [(0, 0), (0, 0), padding[0], padding[1]])
    oh = (x.shape[2] - kh) // strides[0] + 1
    ow = (x.shape[3] - kw) // strides[1] + 1
    out = np.zeros((n, c * kh * kw, oh, ow), lhs.dtype)
    for ci in range(c):
        for i in range(kh):
            for j in range(kw):
                win = x[:, ci, i : i + strides[0] * (oh - 1) + 1 : strides[0],
                        j : j + strides[1] * (ow - 1) + 1 : strides[1]]  # fmt: skip
                out[:, ci * kh * kw + i * kw + j] = win
    return out


def _well_conditioned(rng, shapes, dtype):
    (n, _), bshape = shapes
    a = rng.uniform(-0.5, 0.5, (n, n)) + 3 * np.eye(n)
    return [a.astype(dtype), rng.uniform(-1, 1, bshape).astype(dtype)]


def _solve_fn(a, b):
    return lax.custom_linear_solve(lambda x: a @ x, b,
                                   solve=lambda mv, r: jnp.linalg.solve(a, r),
                                   transpose_solve=lambda vm, r: jnp.linalg.solve(a.T, r))  # fmt: skip


def _newton(f, x0):
    import jtrans

    def step(i, x):
        fx, dfx = jtrans.jvp(f, (x,), (jnp.ones_like(x),))
        return x - fx / dfx

    return lax.fori_loop(0, 25, step, x0)


def _sqrt_root(a):
    return lax.custom_root(lambda x: x * x - a, jnp.ones_like(a), _newton,
                           lambda g, y: y / g(jnp.ones_like(y)))  # fmt: skip


def _np_scatter_sub(x, u):
    out = np.array(x, copy=True)
    np.subtract.at(out, [1, 1, 3], u)
    return out


_SCATTER_DN = lax.ScatterDimensionNumbers(update_window_dims=(), inserted_window_dims=(0,),
                                          scatter_dims_to_operand_dims=(0,))  # fmt: skip


def _index_take_args(rng, shapes, dtype):
    src, i, j = shapes
    return [rng.uniform(-2, 2, src).astype(dtype), rng.integers(0, src[0], i).astype(np.int32),
            rng.integers(0, src[2], j).astype(np.int32)]  # fmt: skip


def _np_clz(x):
    u = x.astype(np.int64) & 0xFFFFFFFF
    return np.array([32 - int(v).bit_length() for v in u.ravel()], np.int32).reshape(x.shape)


# fmt: off
SPECS = [
    OpSpec("lax_stack", lambda a, b: lax.stack([a, b], -1), lambda a, b: np.stack([a, b], -1),
           [((2, 3), (2, 3)), ((4,), (4,)), ((0, 2), (0, 2))]),
    OpSpec("lax_stack_scalars", lambda a, b: lax.stack([a, b]), lambda a, b: np.stack([a, b]),
           [((), ())]),
    OpSpec("lax_unstack", lambda x: lax.unstack(x, 1), lambda x: tuple(np.moveaxis(x, 1, 0)),
           [((3, 4, 2),), ((2, 1),)]),
    OpSpec("lax_tile", lambda x: lax.tile(x, (2, 1, 3)), lambda x: np.tile(x, (2, 1, 3)),
           [((2, 3, 1),), ((0, 2, 2),)]),
    OpSpec("lax_split", lambda x: lax.split(x, (1, 0, 2), axis=1),
           lambda x: tuple(np.split(x, [1, 1], axis=1)), [((2, 3),), ((0, 3),)]),
    OpSpec("lax_broadcast_to_rank", lambda x: lax.broadcast_to_rank(x, 3),
           lambda x: np.reshape(x, (1,) * (3 - np.ndim(x)) + np.shape(x)), U),
    OpSpec("lax_index_take", lambda s, i, j: lax.index_take(s, (i, j), (0, 2)),
           lambda s, i, j: s[i, :, j], [((3, 4, 5), (6,), (6,)), ((2, 0, 3), (4,), (4,))],
           args_maker=_index_take_args, nondiff_argnums=(1, 2)),
    OpSpec("lax_scatter_sub", lambda x, u: lax.scatter_sub(x, np.array([[1], [1], [3]]), u,
                                                           _SCATTER_DN),
           _np_scatter_sub, [((5,), (3,))]),
    OpSpec("lax_associative_scan_add", lambda x: lax.associative_scan(lax.add, x),
           lambda x: np.cumsum(x, axis=0), [((7,),), ((8, 3),), ((1,),), ((0,),)], dtypes=FLOATS),
    OpSpec("lax_associative_scan_mul_reverse",
           lambda x: lax.associative_scan(lax.mul, x, reverse=True, axis=1),
           lambda x: np.flip(np.cumprod(np.flip(x, 1), axis=1), 1), [((2, 5),), ((3, 6),)],
           domain=(0.5, 1.5)),
    OpSpec("lax_associative_scan_max", lambda x: lax.associative_scan(lax.max, x, axis=-1),
           lambda x: np.maximum.accumulate(x, axis=-1), [((9,),), ((2, 4),)]),
    OpSpec("lax_associative_scan_pytree", lambda a, b: lax.associative_scan(_lin_combine, (a, b)),
           _recurrence, [((6,), (6,)), ((5, 2), (5, 2))], domain=(-1, 1)),
    OpSpec("lax_conv_transpose_same", lambda l, r: lax.conv_transpose(l, r, (2, 1), "SAME"),
           lambda l, r: _np_conv_transpose(l, r, (2, 1), "SAME"),
           [((1, 3, 4, 2), (3, 2, 2, 3))], tol=1e-4, grad_order=1),
    OpSpec("lax_conv_transpose_valid", lambda l, r: lax.conv_transpose(l, r, (2, 2), "VALID"),
           lambda l, r: _np_conv_transpose(l, r, (2, 2), "VALID"),
           [((2, 3, 3, 1), (2, 3, 1, 2))], tol=1e-4, grad_order=1),
    OpSpec("lax_conv_transpose_explicit",
           lambda l, r: lax.conv_transpose(l, r, (1, 2), ((1, 0), (2, 1))),
           lambda l, r: _np_conv_transpose(l, r, (1, 2), ((1, 0), (2, 1))),
           [((1, 4, 3, 2), (2, 2, 2, 1))], tol=1e-4, grad_order=1),
    OpSpec("lax_conv_general_dilated_patches",
           lambda x: lax.conv_general_dilated_patches(x, (2, 3), (1, 2), ((1, 0), (1, 1))),
           lambda x: _np_patches(x, (2, 3), (1, 2), ((1, 0), (1, 1))), [((2, 2, 4, 5),)],
           grad_order=1),
    OpSpec("lax_optimization_barrier", lambda x, y: lax.optimization_barrier((x, y)),
           lambda x, y: (x, y), [((3,), ()), ((0,), (2, 2))]),
    OpSpec("lax_reduce_precision_half", lambda x: lax.reduce_precision(x, 5, 10),
           lambda x: x.astype(np.float16).astype(x.dtype), U, dtypes=FLOATS, tol=0, grad=False,
           note="piecewise constant: its JVP is the linear rounding (tests/test_lax_extra.py)"),
    OpSpec("lax_clz", lax.clz, _np_clz, [((),), ((7,),), ((0,),)], grad=False,
           args_maker=lambda rng, shapes, dt: [rng.integers(-2**31, 2**31, s).astype(np.int32) >>
                                               rng.integers(0, 32, s).astype(np.int32)
                                               for s in shapes]),
    OpSpec("lax_zeta", lax.zeta, sp.zeta, [((), ()), ((3,), (3,)), ((2, 3), ()), ((0,), (0,))],
           dtypes=FLOATS, args_maker=doms((1.5, 4.0), (0.5, 3.0)), nondiff_argnums=(0,),
           tol=1e-4),
    OpSpec("lax_bessel_i0e", lax.bessel_i0e, sp.i0e, U, dtypes=FLOATS, domain=(-3, 3)),
    OpSpec("lax_bessel_i1e", lax.bessel_i1e, sp.i1e, U, dtypes=FLOATS, domain=(-3, 3)),
    OpSpec("lax_igammac", lax.igammac, sp.gammaincc, [((), ()), ((4,), (4,)), ((0,), (0,))],
           dtypes=FLOATS, args_maker=doms((0.5, 3.0), (0.2, 3.0)), nondiff_argnums=(0,),
           tol=1e-4),
    OpSpec("lax_betainc", lax.betainc, sp.betainc, [((), (), ()), ((4,), (4,), (4,))],
           dtypes=FLOATS, args_maker=doms((0.8, 3.0), (0.8, 3.0), (0.1, 0.9)),
           nondiff_argnums=(0, 1), tol=1e-4),
    OpSpec("lax_custom_linear_solve", _solve_fn, np.linalg.solve,
           [((3, 3), (3,)), ((4, 4), (4,))], args_maker=_well_conditioned, tol=1e-4),
    OpSpec("lax_custom_root_sqrt", _sqrt_root, np.sqrt, [((),), ((3,),)], domain=(0.5, 4.0),
           tol=1e-5),
]
# fmt: on
