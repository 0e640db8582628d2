"""OpSpecs for jtrans/lax/misc.py (mulhi, stage/copy, rng_uniform, rng_bit_generator,
approx_max_k, ragged_dot, conv_general_dilated_local, scatter_apply, igamma_grad_a,
random_gamma_grad, broadcast_like) and the lax.linalg additions (householder_product, ormqr,
hessenberg, tridiagonal, tridiagonal_solve, cholesky_update, symmetric_product,
lu_pivots_to_permutation, qdwh), against NumPy / SciPy oracles."""

import numpy as np
import scipy.linalg
import scipy.special as sp

from jtrans import lax
from jtrans.lax import linalg as tla

from ..opspecs import F32, F64, OpSpec, int_args

FLOATS = (F32, F64)


def doms(*ranges):
    def make(rng, shapes, dtype):
        return [
            np.asarray(rng.uniform(lo, hi, size=s), dtype) for (lo, hi), s in zip(ranges, shapes)
        ]

    return make


# --- mulhi ------------------------------------------------------------------------------------


def _np_mulhi(x, y):
    x, y = np.broadcast_arrays(x, y)
    wide = np.int64 if x.dtype.kind == "i" else np.uint64
    bits = x.dtype.itemsize * 8
    return ((x.astype(wide) * y.astype(wide)) >> wide(bits)).astype(x.dtype)


def _uint_args(rng, shapes, _):
    return [rng.integers(0, 2**32, size=s, dtype=np.uint64).astype(np.uint32) for s in shapes]


# --- igamma_grad_a / random_gamma_grad: central differences of SciPy's gammainc ---------------


def _np_igamma_grad_a(a, x):
    a, x = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(x, np.float64))
    h = 1e-4 * np.maximum(a, 1.0)
    d1 = (sp.gammainc(a + h, x) - sp.gammainc(a - h, x)) / (2 * h)
    d2 = (sp.gammainc(a + h / 2, x) - sp.gammainc(a - h / 2, x)) / h
    return (4 * d2 - d1) / 3  # Richardson: O(h^4)


def _np_random_gamma_grad(a, x):
    a64, x64 = np.asarray(a, np.float64), np.asarray(x, np.float64)
    pdf = np.exp((a64 - 1) * np.log(x64) - x64 - sp.gammaln(a64))
    return (-_np_igamma_grad_a(a64, x64) / pdf).astype(np.result_type(a, x))


# --- approx top-k -----------------------------------------------------------------------------


def _np_topk(x, k, axis, largest):
    x = np.moveaxis(x, axis, -1)
    idx = np.argsort(-x if largest else x, axis=-1, kind="stable")[..., :k]
    vals = np.take_along_axis(x, idx, -1)
    return np.moveaxis(vals, -1, axis), np.moveaxis(idx.astype(np.int32), -1, axis)


# --- ragged dot -------------------------------------------------------------------------------


def _ragged_args(rng, shapes, dtype):
    (m, k), (g, _, n), _ = shapes
    sizes = np.zeros(g, np.int32)
    for _r in range(rng.integers(0, m + 1)):  # at most m rows in all
        sizes[rng.integers(0, g)] += 1
    return [rng.uniform(-1, 1, (m, k)).astype(dtype), rng.uniform(-1, 1, (g, k, n)).astype(dtype),
            sizes]  # fmt: skip


def _np_ragged_dot(lhs, rhs, gs):
    out = np.zeros((lhs.shape[0], rhs.shape[2]), np.result_type(lhs, rhs))
    start = 0
    for j, s in enumerate(gs):
        out[start : start + s] = lhs[start : start + s] @ rhs[j]
        start += s
    return out


_CONTRACT = lax.RaggedDotDimensionNumbers((([1], [0]), ([], [])), [1], [])


def _ragged_contract_args(rng, shapes, dtype):
    (m, k), (_, n), (g,) = shapes
    sizes = np.zeros(g, np.int32)
    for _r in range(k):
        sizes[rng.integers(0, g)] += 1
    return [rng.uniform(-1, 1, (m, k)).astype(dtype), rng.uniform(-1, 1, (k, n)).astype(dtype),
            sizes]  # fmt: skip


def _np_ragged_contract(lhs, rhs, gs):
    out, start = [], 0
    for s in gs:
        out.append(lhs[:, start : start + s] @ rhs[start : start + s])
        start += s
    return np.stack(out)


# --- conv_general_dilated_local (NCHW / OIHW, VALID, stride 1) --------------------------------


def _np_conv_local(lhs, rhs, fh, fw):
    n, c, h, w = lhs.shape
    oh, ow = h - fh + 1, w - fw + 1
    patches = np.zeros((n, c * fh * fw, oh, ow), lhs.dtype)
    for ci in range(c):
        for i in range(fh):
            for j in range(fw):
                patches[:, ci * fh * fw + i * fw + j] = lhs[:, ci, i : i + oh, j : j + ow]
    return np.einsum("niyx,oiyx->noyx", patches, rhs)


# --- rng_bit_generator: a NumPy Threefry-2x32 oracle -------------------------------------------


def _np_threefry(k0, k1, x0, x1):
    m = np.uint64(0xFFFFFFFF)
    k0, k1 = np.uint64(k0), np.uint64(k1)
    ks = (k0, k1, k0 ^ k1 ^ np.uint64(0x1BD11BDA))
    x0, x1 = (x0.astype(np.uint64) + ks[0]) & m, (x1.astype(np.uint64) + ks[1]) & m
    rot = ((13, 15, 26, 6), (17, 29, 16, 24))
    for i in range(5):
        for r in rot[i % 2]:
            x0 = (x0 + x1) & m
            x1 = (((x1 << np.uint64(r)) | (x1 >> np.uint64(32 - r))) & m) ^ x0
        x0 = (x0 + ks[(i + 1) % 3]) & m
        x1 = (x1 + ks[(i + 2) % 3] + np.uint64(i + 1)) & m
    return x0.astype(np.uint32), x1.astype(np.uint32)


def _np_rng_bits(key, shape=(2, 3)):
    n = int(np.prod(shape))
    blocks = (n + 1) // 2
    j = np.arange(blocks, dtype=np.uint64)
    y0, y1 = _np_threefry(key[0], key[1], (j + key[2]) & np.uint64(0xFFFFFFFF),
                          np.full(blocks, key[3], np.uint64))  # fmt: skip
    words = np.stack([y0, y1], -1).reshape(-1)[:n]
    c0 = (int(key[2]) + blocks) & 0xFFFFFFFF
    c1 = (int(key[3]) + (c0 < int(key[2]))) & 0xFFFFFFFF
    return np.array([key[0], key[1], c0, c1], np.uint32), words.reshape(shape)


def _key_args(rng, shapes, _):
    return [rng.integers(0, 2**32, size=s, dtype=np.uint64).astype(np.uint32) for s in shapes]


# --- scatter_apply ----------------------------------------------------------------------------

_DN = lax.ScatterDimensionNumbers(update_window_dims=(), inserted_window_dims=(0,),
                                  scatter_dims_to_operand_dims=(0,))  # fmt: skip
_IDX = np.array([[1], [3], [1]], np.int32)


def _np_scatter_apply(x):
    out = np.array(x, copy=True)
    for (i,) in _IDX:
        out[i] = out[i] * 2 + 1
    return out


# --- linalg helpers -----------------------------------------------------------------------------


def _np_reflectors(a, k):
    out = []
    for i in range(k):
        v = np.array(a[:, i], copy=True)
        v[:i], v[i] = 0, 1
        out.append(v)
    return out


def _np_q(a, taus):
    """Q = H_1 ... H_k (m, m) from packed reflectors (one matrix)."""
    m = a.shape[-2]
    q = np.eye(m, dtype=a.dtype)
    for v, t in zip(_np_reflectors(a, len(taus)), taus):
        q = q @ (np.eye(m, dtype=a.dtype) - t * np.outer(v, v.conj()))
    return q


def _batched(f):
    def g(*xs, **kw):
        lead = xs[0].shape[:-2]
        if not lead:
            return f(*xs, **kw)
        outs = [f(*[x[idx] for x in xs], **kw) for idx in np.ndindex(*lead)]
        return np.stack(outs).reshape(lead + outs[0].shape)

    return g


def _np_householder_product(a, taus):
    lead = a.shape[:-2]
    if lead:
        return np.stack([_np_householder_product(a[i], taus[i]) for i in range(lead[0])])
    return _np_q(a, taus)[:, : a.shape[-1]]


def _np_ormqr(a, taus, c, left=True, transpose=False):
    q = _np_q(a, taus)
    if transpose:
        q = q.conj().T
    return q @ c if left else c @ q


def _hh_args(rng, shapes, dtype):
    sa, st_ = shapes[:2]
    out = [rng.uniform(-1, 1, sa).astype(dtype), rng.uniform(0.2, 1.5, st_).astype(dtype)]
    return out + [rng.uniform(-1, 1, s).astype(dtype) for s in shapes[2:]]


def _np_gehrd(x):
    def one(m):
        ht, tau, _ = scipy.linalg.lapack.get_lapack_funcs(("gehrd",), (m,))[0](m)
        return ht, tau[: m.shape[0] - 1]

    if x.ndim == 2:
        return one(x)
    outs = [one(x[i]) for i in range(x.shape[0])]
    return np.stack([o[0] for o in outs]), np.stack([o[1] for o in outs])


def _np_sytrd(x, lower=True):
    def one(m):
        c, d, e, tau, _ = scipy.linalg.lapack.get_lapack_funcs(("sytrd",), (m,))[0](
            m, lower=int(lower)
        )
        return c, d, e, tau[: m.shape[0] - 1]

    if x.ndim == 2:
        return one(x)
    outs = [one(x[i]) for i in range(x.shape[0])]
    return tuple(np.stack([o[j] for o in outs]) for j in range(4))


def _sym_args(rng, shapes, dtype):
    (s,) = shapes
    a = rng.uniform(-1, 1, s)
    return [(a + np.swapaxes(a, -1, -2)).astype(dtype)]


def _tri_args(rng, shapes, dtype):
    s, _, _, sb = shapes
    dl, du = rng.uniform(-1, 1, s), rng.uniform(-1, 1, s)
    d = rng.uniform(2.5, 3.5, s)
    dl[..., 0], du[..., -1] = 0, 0
    return [v.astype(dtype) for v in (dl, d, du, rng.uniform(-1, 1, sb))]


def _np_tridiagonal_solve(dl, d, du, b):
    def one(dl, d, du, b):
        m = d.shape[0]
        a = np.diag(d) + np.diag(dl[1:], -1) + np.diag(du[: m - 1], 1)
        return np.linalg.solve(a, b) if m else b

    if d.ndim == 1:
        return one(dl, d, du, b)
    return np.stack([one(dl[i], d[i], du[i], b[i]) for i in range(d.shape[0])])


def _chol_args(rng, shapes, dtype):
    sr, sw = shapes
    a = rng.uniform(-1, 1, sr)
    a = a @ np.swapaxes(a, -1, -2) + sr[-1] * np.eye(sr[-1])
    r = np.swapaxes(np.linalg.cholesky(a), -1, -2)
    return [r.astype(dtype), rng.uniform(-1, 1, sw).astype(dtype)]


def _np_cholesky_update(r, w):
    a = np.swapaxes(r, -1, -2) @ r + w[..., :, None] * w[..., None, :]
    return np.swapaxes(np.linalg.cholesky(a), -1, -2)


def _pivot_args(rng, shapes, _):
    (s,) = shapes
    k = s[-1]
    piv = np.stack([rng.integers(i, 5, size=s[:-1]) for i in range(k)], -1) if k else \
        np.zeros(s, np.int64)  # fmt: skip
    return [piv.astype(np.int32)]


def _np_pivots(piv, m=5):
    flat = piv.reshape(int(np.prod(piv.shape[:-1])), piv.shape[-1])
    out = np.tile(np.arange(m, dtype=np.int32), (flat.shape[0], 1))
    for b in range(flat.shape[0]):
        for i, j in enumerate(flat[b]):
            out[b, [i, j]] = out[b, [j, i]]
    return out.reshape(piv.shape[:-1] + (m,))


def _np_polar(x):
    u, h = scipy.linalg.polar(x.astype(np.float64))
    return u.astype(x.dtype), h.astype(x.dtype)


def _well_args(rng, shapes, dtype):
    (s,) = shapes
    x = rng.uniform(-1, 1, s) + 2 * np.eye(*s)
    return [x.astype(dtype)]


# fmt: off
SPECS = [
    OpSpec("lax_mulhi_i32", lax.mulhi, _np_mulhi, [((), ()), ((5,), (5,)), ((2, 3), ()), ((0,), (0,))],
           grad=False, args_maker=int_args(-(2**31), 2**31 - 1)),
    OpSpec("lax_mulhi_u32", lax.mulhi, _np_mulhi, [((4,), (4,)), ((2, 2), (2, 2))], grad=False,
           args_maker=_uint_args),
    OpSpec("lax_stage", lax.stage, lambda x: x, [((),), ((3,),), ((2, 3),), ((0,),)], dtypes=FLOATS),
    OpSpec("lax_rng_uniform_int", lambda a: lax.rng_uniform(a, a + 1, (3,)),
           lambda a: np.full((3,), a, np.int32), [((),)], grad=False, args_maker=int_args(-50, 50)),
    OpSpec("lax_rng_bit_generator", lambda k: lax.rng_bit_generator(k, (2, 3)), _np_rng_bits,
           [((4,),)], grad=False, args_maker=_key_args),
    OpSpec("lax_igamma_grad_a", lax.igamma_grad_a, _np_igamma_grad_a,
           [((), ()), ((5,), (5,)), ((2, 3), (2, 3)), ((0,), (0,))], dtypes=FLOATS,
           args_maker=doms((0.3, 4.0), (0.1, 6.0)), nondiff_argnums=(0,), tol=2e-5, grad_tol=1e-3),
    OpSpec("lax_random_gamma_grad", lax.random_gamma_grad, _np_random_gamma_grad,
           [((), ()), ((5,), (5,)), ((2, 3), ())], dtypes=FLOATS,
           args_maker=doms((0.5, 4.0), (0.3, 5.0)), nondiff_argnums=(0,), tol=1e-4, grad_tol=1e-3),
    OpSpec("lax_approx_max_k", lambda x: lax.approx_max_k(x, 2), lambda x: _np_topk(x, 2, -1, True),
           [((5,),), ((3, 4),), ((2, 0, 3),)], dtypes=FLOATS),
    OpSpec("lax_approx_min_k_axis0", lambda x: lax.approx_min_k(x, 2, reduction_dimension=0),
           lambda x: _np_topk(x, 2, 0, False), [((4, 3),), ((3, 2, 2),)], dtypes=FLOATS),
    OpSpec("lax_ragged_dot", lax.ragged_dot, _np_ragged_dot,
           [((5, 3), (3, 3, 4), (3,)), ((4, 2), (2, 2, 3), (2,)), ((0, 3), (2, 3, 2), (2,))],
           dtypes=FLOATS, args_maker=_ragged_args),
    OpSpec("lax_ragged_dot_general_contracting",
           lambda a, b, g: lax.ragged_dot_general(a, b, g, _CONTRACT), _np_ragged_contract,
           [((3, 6), (6, 2), (3,)), ((2, 4), (4, 3), (2,))], dtypes=FLOATS,
           args_maker=_ragged_contract_args),
    OpSpec("lax_conv_general_dilated_local",
           lambda x, w: lax.conv_general_dilated_local(x, w, (1, 1), "VALID", (2, 2)),
           lambda x, w: _np_conv_local(x, w, 2, 2),
           [((1, 2, 4, 3), (3, 8, 3, 2)), ((2, 1, 3, 3), (2, 4, 2, 2))], dtypes=FLOATS, tol=1e-4),
    OpSpec("lax_scatter_apply",
           lambda x: lax.scatter_apply(x, _IDX, lambda v: v * 2 + 1, _DN, update_shape=(3,)),
           _np_scatter_apply, [((5,),), ((4,),)], dtypes=FLOATS, grad=False),
    OpSpec("lax_broadcast_like", lax.broadcast_like, lambda x, y: np.broadcast_to(x, y.shape),
           [((3,), (2, 3)), ((), (2,)), ((1, 3), (4, 2, 3)), ((0,), (2, 0))], dtypes=FLOATS),
    # lax.linalg
    OpSpec("linalg_householder_product", tla.householder_product, _np_householder_product,
           [((5, 3), (3,)), ((4, 4), (2,)), ((2, 3, 2), (2, 2)), ((3, 2), (0,))], dtypes=FLOATS,
           args_maker=_hh_args, tol=1e-4),
    OpSpec("linalg_ormqr", tla.ormqr, _batched(_np_ormqr),
           [((4, 3), (3,), (4, 2)), ((3, 3), (2,), (3, 3))], dtypes=FLOATS, args_maker=_hh_args,
           tol=1e-4),
    OpSpec("linalg_ormqr_right_t", lambda a, t, c: tla.ormqr(a, t, c, left=False, transpose=True),
           lambda a, t, c: _np_ormqr(a, t, c, left=False, transpose=True),
           [((4, 3), (3,), (2, 4))], dtypes=FLOATS, args_maker=_hh_args, tol=1e-4),
    OpSpec("linalg_ormqr_left_t", lambda a, t, c: tla.ormqr(a, t, c, transpose=True),
           lambda a, t, c: _np_ormqr(a, t, c, transpose=True),
           [((4, 2), (2,), (4, 3))], dtypes=FLOATS, args_maker=_hh_args, tol=1e-4),
    OpSpec("linalg_hessenberg", tla.hessenberg, _np_gehrd, [((4, 4),), ((2, 3, 3),), ((1, 1),)],
           dtypes=FLOATS, grad=False, tol=1e-4),
    OpSpec("linalg_tridiagonal", tla.tridiagonal, _np_sytrd, [((4, 4),), ((2, 3, 3),)],
           dtypes=FLOATS, grad=False, args_maker=_sym_args, tol=1e-4),
    OpSpec("linalg_tridiagonal_upper", lambda a: tla.tridiagonal(a, lower=False),
           lambda a: _np_sytrd(a, False), [((4, 4),)], dtypes=FLOATS, grad=False,
           args_maker=_sym_args, tol=1e-4),
    OpSpec("linalg_tridiagonal_solve", tla.tridiagonal_solve, _np_tridiagonal_solve,
           [((5,), (5,), (5,), (5, 2)), ((2, 4), (2, 4), (2, 4), (2, 4, 3)), ((1,), (1,), (1,), (1, 1)),
            ((3,), (3,), (3,), (3, 0))], dtypes=FLOATS, args_maker=_tri_args, tol=1e-4),
    OpSpec("linalg_cholesky_update", tla.cholesky_update, _np_cholesky_update,
           [((3, 3), (3,)), ((2, 4, 4), (2, 4)), ((1, 1), (1,))], dtypes=FLOATS,
           args_maker=_chol_args, tol=1e-4),
    OpSpec("linalg_symmetric_product",
           lambda a, c: tla.symmetric_product(a, c, alpha=2.0, beta=0.5),
           lambda a, c: 2.0 * a @ np.swapaxes(a, -1, -2) + 0.5 * c,
           [((3, 4), (3, 3)), ((2, 2, 3), (2, 2, 2)), ((0, 2), (0, 0))], dtypes=FLOATS, tol=1e-4),
    OpSpec("linalg_lu_pivots_to_permutation", lambda p: tla.lu_pivots_to_permutation(p, 5),
           _np_pivots, [((3,),), ((2, 5),), ((0,),)], grad=False, args_maker=_pivot_args),
    OpSpec("linalg_qdwh", lambda x: tla.qdwh(x)[:2], _np_polar, [((4, 3),), ((3, 3),)],
           dtypes=FLOATS, grad=False, args_maker=_well_args, tol=1e-4),
]
# fmt: on
