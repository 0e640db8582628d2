"""OpSpecs for lax.linalg primitives and jnp.linalg. Inputs are well conditioned (SPD for
cholesky, distinct eigenvalues / singular values for eigh and svd); eigh, qr and svd results
are compared through sign-invariant quantities (eigenprojectors, sign-normalised factors)."""

import numpy as np
import scipy.linalg

import jtrans.numpy as jnp
from jtrans import lax

from ..opspecs import F32, F64, OpSpec

# ---------------------------------------------------------------------------------------------
# input makers: (rng, shapes, dtype) -> list of NumPy args


def _orth(rng, batch, n, k):
    q, _ = np.linalg.qr(rng.standard_normal(batch + (n, k)))
    return q


def _mT(x):
    return np.swapaxes(x, -1, -2)


def _spd(rng, s):
    x = rng.standard_normal(s)
    return x @ _mT(x) + s[-1] * np.eye(s[-1])


def _general(rng, s):
    """Well conditioned (diagonally dominated) square or rectangular matrices."""
    return rng.standard_normal(s) + 2 * np.eye(s[-2], s[-1]) * max(s[-2:], default=1)


def _distinct_eig(rng, s):
    n = s[-1]
    q = _orth(rng, s[:-2], n, n)
    w = np.arange(1, n + 1) * 1.5 + rng.uniform(0, 0.5, size=s[:-2] + (n,))
    return (q * w[..., None, :]) @ _mT(q)


def _distinct_sv(rng, s):
    m, n = s[-2:]
    k = min(m, n)
    u, v = _orth(rng, s[:-2], m, k), _orth(rng, s[:-2], n, k)
    sv = np.arange(k, 0, -1) * 1.0 + 0.5 + rng.uniform(0, 0.3, size=s[:-2] + (k,))
    return (u * sv[..., None, :]) @ _mT(v)


def _maker(*kinds):
    """args_maker with one kind per argument: 'spd', 'gen', 'eig', 'sv' or 'rand'."""
    fns = {
        "spd": _spd,
        "gen": _general,
        "eig": _distinct_eig,
        "sv": _distinct_sv,
        "rand": lambda rng, s: rng.uniform(-1, 1, size=s),
    }

    def make(rng, shapes, dtype):
        return [np.asarray(fns[k](rng, s), dtype=dtype) for k, s in zip(kinds, shapes)]

    return make


# ---------------------------------------------------------------------------------------------
# sign/phase-invariant views of decompositions


def _eig_invariants(w, v, einsum):
    return w, einsum("...ik,...jk->...kij", v, v)  # eigenvalues and eigenprojectors


def _svd_invariants(u, s, vh, einsum):
    return s, einsum("...ik,...kj->...kij", u, vh)  # singular values and rank-1 terms


def _lax_eigh(a):
    v, w = lax.linalg.eigh(a)
    return _eig_invariants(w, v, jnp.einsum)


def _np_eigh(a):
    w, v = np.linalg.eigh(a)
    return _eig_invariants(w, v, np.einsum)


def _lax_qr(a):
    q, r = lax.linalg.qr(a, full_matrices=False)
    return _qr_normalised_square(q, r, jnp.einsum, lax.sign)


def _qr_normalised_square(q, r, einsum, sign):
    """q and r with r's diagonal made positive (r square: reduced QR with m >= n)."""
    d = sign(einsum("...ii->...i", r))
    return q * d[..., None, :], r * d[..., :, None]


def _np_qr(a):
    q, r = np.linalg.qr(a)
    return _qr_normalised_square(q, r, np.einsum, np.sign)


def _lax_svd(a):
    u, s, vh = lax.linalg.svd(a, full_matrices=False)
    return _svd_invariants(u, s, vh, jnp.einsum)


def _np_svd(a):
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    return _svd_invariants(u, s, vh, np.einsum)


def _np_lu_perm(a):
    piv = scipy.linalg.lu_factor(a)[1]
    perm = np.broadcast_to(np.arange(a.shape[-2]), a.shape[:-1]).copy()
    for idx in np.ndindex(*a.shape[:-2]):
        p = perm[idx]
        for i, j in enumerate(piv[idx]):
            p[i], p[j] = p[j], p[i]
    return piv.astype(np.int32), perm.astype(np.int32)


def _np_triangular_solve(
    a, b, left_side=False, lower=False, transpose_a=False, unit_diagonal=False
):
    t = np.tril(a) if lower else np.triu(a)
    if unit_diagonal:
        n = a.shape[-1]
        t = t * (1 - np.eye(n, dtype=a.dtype)) + np.eye(n, dtype=a.dtype)
    op = _mT(t) if transpose_a else t
    if left_side:
        return np.linalg.solve(op, b)
    return _mT(np.linalg.solve(_mT(op), _mT(b)))


def _tri(**kw):
    return (
        lambda a, b: lax.linalg.triangular_solve(a, b, **kw),
        lambda a, b: _np_triangular_solve(a, b, **kw),
    )


def _tri_spec(name, shapes, **kw):
    fn, ref = _tri(**kw)
    return OpSpec(name, fn, ref, shapes, args_maker=_maker("gen", "rand"), tol=1e-4)


SQ = [((3, 3),), ((2, 4, 4),), ((1, 1),)]
RECT = [((3, 3),), ((4, 3),), ((3, 4),), ((2, 3, 2),)]
T = 1e-4

SPECS = [
    # lax.linalg primitives
    OpSpec(
        "lax_cholesky",
        lax.linalg.cholesky,
        np.linalg.cholesky,
        SQ + [((0, 0),)],
        args_maker=_maker("spd"),
        tol=T,
    ),
    _tri_spec(
        "lax_triangular_solve_left_lower",
        [((3, 3), (3, 2)), ((2, 3, 3), (2, 3, 1))],
        left_side=True,
        lower=True,
    ),
    _tri_spec("lax_triangular_solve_right_upper", [((3, 3), (2, 3))], left_side=False),
    _tri_spec(
        "lax_triangular_solve_transpose",
        [((3, 3), (3, 2))],
        left_side=True,
        lower=True,
        transpose_a=True,
    ),
    _tri_spec(
        "lax_triangular_solve_right_transpose_unit",
        [((3, 3), (2, 3))],
        lower=True,
        transpose_a=True,
        unit_diagonal=True,
    ),
    _tri_spec("lax_triangular_solve_unit", [((3, 3), (3, 2))], left_side=True, unit_diagonal=True),
    OpSpec("lax_eigh", _lax_eigh, _np_eigh, SQ, args_maker=_maker("eig"), tol=T),
    OpSpec(
        "lax_eigh_values",
        lambda a: lax.linalg.eigh(a)[1],
        np.linalg.eigvalsh,
        SQ,
        args_maker=_maker("eig"),
        tol=T,
    ),
    OpSpec(
        "lax_qr",
        _lax_qr,
        _np_qr,
        [((3, 3),), ((4, 3),), ((2, 4, 2),)],
        args_maker=_maker("gen"),
        tol=T,
    ),
    OpSpec(
        "lax_qr_complete",
        lambda a: lax.linalg.qr(a)[1],
        lambda a: np.linalg.qr(a, "r"),
        [((3, 3),), ((2, 3, 3),)],
        args_maker=_maker("gen"),
        tol=T,
    ),
    OpSpec("lax_svd", _lax_svd, _np_svd, RECT, args_maker=_maker("sv"), tol=T),
    OpSpec(
        "lax_svd_values",
        lambda a: lax.linalg.svd(a, compute_uv=False),
        lambda a: np.linalg.svd(a, compute_uv=False),
        RECT,
        args_maker=_maker("sv"),
        tol=T,
    ),
    OpSpec(
        "lax_lu",
        lambda a: lax.linalg.lu(a)[0],
        lambda a: scipy.linalg.lu_factor(a)[0],
        [((3, 3),), ((2, 4, 4),), ((4, 3),), ((3, 4),)],
        args_maker=_maker("rand"),
        tol=T,
    ),
    OpSpec(
        "lax_lu_pivots",
        lambda a: lax.linalg.lu(a)[1:],
        _np_lu_perm,
        [((3, 3),), ((2, 4, 4),), ((4, 3),)],
        args_maker=_maker("rand"),
        grad=False,
    ),
    # jnp.linalg
    OpSpec("linalg_inv", jnp.linalg.inv, np.linalg.inv, SQ, args_maker=_maker("gen"), tol=T),
    OpSpec(
        "linalg_solve",
        jnp.linalg.solve,
        np.linalg.solve,
        [((3, 3), (3,)), ((3, 3), (3, 2)), ((2, 3, 3), (2, 3, 1)), ((2, 3, 3), (3, 2))],
        args_maker=_maker("gen", "rand"),
        tol=T,
    ),
    OpSpec(
        "linalg_det",
        jnp.linalg.det,
        np.linalg.det,
        SQ,
        args_maker=_maker("gen"),
        tol=T,
        dtypes=(F32, F64),
    ),
    OpSpec(
        "linalg_det_rand",
        jnp.linalg.det,
        np.linalg.det,
        [((3, 3),)],
        args_maker=_maker("rand"),
        tol=T,
    ),
    OpSpec(
        "linalg_slogdet",
        jnp.linalg.slogdet,
        lambda a: tuple(np.linalg.slogdet(a)),
        SQ,
        args_maker=_maker("gen"),  # well conditioned: finite differences of log|det| need it
        tol=T,
    ),
    OpSpec(
        "linalg_cholesky",
        jnp.linalg.cholesky,
        np.linalg.cholesky,
        SQ,
        args_maker=_maker("spd"),
        tol=T,
    ),
    OpSpec(
        "linalg_cholesky_upper",
        lambda a: jnp.linalg.cholesky(a, upper=True),
        lambda a: np.linalg.cholesky(a, upper=True),
        [((3, 3),)],
        args_maker=_maker("spd"),
        tol=T,
    ),
    OpSpec(
        "linalg_eigh",
        lambda a: _eig_invariants(*jnp.linalg.eigh(a), jnp.einsum),
        _np_eigh,
        SQ,
        args_maker=_maker("eig"),
        tol=T,
    ),
    OpSpec(
        "linalg_eigvalsh",
        jnp.linalg.eigvalsh,
        np.linalg.eigvalsh,
        SQ,
        args_maker=_maker("eig"),
        tol=T,
    ),
    OpSpec(
        "linalg_qr",
        lambda a: _qr_normalised_square(*jnp.linalg.qr(a), jnp.einsum, lax.sign),
        _np_qr,
        [((3, 3),), ((4, 3),)],
        args_maker=_maker("gen"),
        tol=T,
    ),
    OpSpec(
        "linalg_svd",
        lambda a: _svd_invariants(*jnp.linalg.svd(a, False), jnp.einsum),
        _np_svd,
        RECT,
        args_maker=_maker("sv"),
        tol=T,
    ),
    OpSpec(
        "linalg_svd_values",
        lambda a: jnp.linalg.svd(a, compute_uv=False),
        lambda a: np.linalg.svd(a, compute_uv=False),
        RECT,
        args_maker=_maker("sv"),
        tol=T,
    ),
    OpSpec("linalg_pinv", jnp.linalg.pinv, np.linalg.pinv, RECT, args_maker=_maker("sv"), tol=T),
    OpSpec(
        "linalg_matrix_power",
        lambda a: jnp.linalg.matrix_power(a, 3),
        lambda a: np.linalg.matrix_power(a, 3),
        [((3, 3),), ((2, 2, 2),)],
        tol=T,
    ),
    OpSpec(
        "linalg_matrix_power_neg",
        lambda a: jnp.linalg.matrix_power(a, -2),
        lambda a: np.linalg.matrix_power(a, -2),
        [((3, 3),)],
        args_maker=_maker("gen"),
        tol=T,
    ),
    OpSpec(
        "linalg_matrix_power_0",
        lambda a: jnp.linalg.matrix_power(a, 0),
        lambda a: np.linalg.matrix_power(a, 0),
        [((3, 3),)],
        grad=False,
    ),
    OpSpec(
        "linalg_matrix_rank",
        jnp.linalg.matrix_rank,
        np.linalg.matrix_rank,
        [((3, 3),), ((4, 2),), ((2, 3, 3),)],
        grad=False,
    ),
    OpSpec("linalg_norm", jnp.linalg.norm, np.linalg.norm, [((3,),), ((2, 3),), ((2, 3, 2),)]),
    OpSpec(
        "linalg_multi_dot",
        lambda a, b, c: jnp.linalg.multi_dot([a, b, c]),
        lambda a, b, c: np.linalg.multi_dot([a, b, c]),
        [((3,), (3, 4), (4, 2)), ((2, 3), (3, 4), (4,))],
    ),
    OpSpec(
        "linalg_lstsq",
        lambda a, b: jnp.linalg.lstsq(a, b)[0],
        lambda a, b: np.linalg.lstsq(a, b)[0],
        [((4, 3), (4,)), ((4, 3), (4, 2))],
        args_maker=_maker("sv", "rand"),
        tol=T,
    ),
    OpSpec(
        "linalg_tensorinv",
        lambda a: jnp.linalg.tensorinv(a, 1),
        lambda a: np.linalg.tensorinv(a, 1),
        [((4, 2, 2),)],
        args_maker=lambda rng, s, dt: [_general(rng, (4, 4)).reshape(s[0]).astype(dt)],
        tol=T,
    ),
    OpSpec(
        "linalg_tensorsolve",
        jnp.linalg.tensorsolve,
        np.linalg.tensorsolve,
        [((2, 2, 4), (2, 2))],
        args_maker=lambda rng, s, dt: [
            _general(rng, (4, 4)).reshape(s[0]).astype(dt),
            rng.standard_normal(s[1]).astype(dt),
        ],
        tol=T,
    ),
]

_VECTOR_ORDS = [None, 1, 2, np.inf, -np.inf, 3, 0.5]
_MATRIX_ORDS = ["fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf]
for _o in _VECTOR_ORDS:
    SPECS.append(
        OpSpec(
            f"linalg_norm_vec_{_o}",
            lambda x, o=_o: jnp.linalg.norm(x, o, axis=-1),
            lambda x, o=_o: np.linalg.norm(x, o, axis=-1),
            [((4,),), ((2, 3),)],
            tol=T,
        )
    )
for _o in _MATRIX_ORDS:
    SPECS.append(
        OpSpec(
            f"linalg_norm_mat_{_o}",
            lambda x, o=_o: jnp.linalg.norm(x, o),
            lambda x, o=_o: np.linalg.norm(x, o),
            [((3, 3),), ((2, 4),)],
            args_maker=_maker("sv"),
            tol=T,
        )
    )
SPECS.append(
    OpSpec(
        "linalg_norm_vec_0",
        lambda x: jnp.linalg.norm(x, 0),
        lambda x: np.linalg.norm(x, 0),
        [((4,),)],
        grad=False,
    )
)
SPECS.append(
    OpSpec(
        "linalg_norm_axes_keepdims",
        lambda x: jnp.linalg.norm(x, 1, axis=(2, 0), keepdims=True),
        lambda x: np.linalg.norm(x, 1, axis=(2, 0), keepdims=True),
        [((3, 2, 4),)],
        tol=T,
    )
)


# ---------------------------------------------------------------------------------------------
# general eigenproblems (eig) and the array-API names of jnp.linalg


def _real_eig(rng, s):
    """Non-symmetric matrices with real, well separated eigenvalues: q diag(w) q^{-1}."""
    n = s[-1]
    q = rng.standard_normal(s) * 0.3 + np.eye(n)
    w = np.arange(1, n + 1) * 1.5 + rng.uniform(0, 0.5, size=s[:-2] + (n,))
    return (q * w[..., None, :]) @ np.linalg.inv(q)


def _eig_maker(rng, shapes, dtype):
    return [np.asarray(_real_eig(rng, s), dtype) for s in shapes]


def _sorted_eig(w, v, xp):
    """Eigenvalues sorted (real parts) with eigenvectors of sign-normalised real parts."""
    w, v = xp.real(w), xp.real(v)
    idx = xp.argsort(w, axis=-1)
    w = xp.take_along_axis(w, idx, axis=-1)
    v = xp.take_along_axis(v, idx[..., None, :], axis=-1)
    return w, v * xp.sign(v[..., :1, :])


def _lax_eig_left(a):
    w, vl, _ = lax.linalg.eig(a)
    # vl^H a = diag(w) vl^H: compare sorted w and |vl| entries in sorted order
    w, vl = _sorted_eig(w, vl, jnp)
    return w, jnp.abs(vl)


def _np_eig_left(a):
    w, vl = scipy.linalg.eig(a, left=True, right=False)
    w, vl = _sorted_eig(w, vl, np)
    return w, np.abs(vl)


SPECS += [
    OpSpec(
        "lax_eig",
        lambda a: _sorted_eig(*lax.linalg.eig(a, compute_left_eigenvectors=False), jnp),
        lambda a: _sorted_eig(*np.linalg.eig(a), np),
        [((3, 3),), ((2, 4, 4),), ((1, 1),)],
        args_maker=_eig_maker,
        tol=T,
    ),
    OpSpec(
        "lax_eig_values",
        lambda a: jnp.sort(
            jnp.real(
                lax.linalg.eig(
                    a, compute_left_eigenvectors=False, compute_right_eigenvectors=False
                )[0]
            )
        ),
        lambda a: np.sort(np.real(np.linalg.eigvals(a))),
        [((3, 3),), ((2, 4, 4),)],
        args_maker=_eig_maker,
        tol=T,
    ),
    OpSpec(
        "lax_eig_left",
        _lax_eig_left,
        _np_eig_left,
        [((3, 3),)],
        args_maker=_eig_maker,
        tol=T,
        grad=False,
    ),
    OpSpec(
        "linalg_eig",
        lambda a: _sorted_eig(*jnp.linalg.eig(a), jnp),
        lambda a: _sorted_eig(*np.linalg.eig(a), np),
        [((3, 3),), ((2, 3, 3),)],
        args_maker=_eig_maker,
        tol=T,
    ),
    OpSpec(
        "linalg_eigvals",
        jnp.linalg.eigvals,
        lambda a: np.linalg.eigvals(a).astype(np.complex128),
        [((3, 3),), ((1, 1),)],
        args_maker=lambda rng, s, dt: [np.triu(rng.standard_normal(s[0])).astype(dt)],
        tol=T,
        grad=False,  # complex output; the eigenvalue derivative is checked by lax_eig_values
    ),
    *[
        OpSpec(
            f"linalg_cond_{p}",
            lambda a, p=p: jnp.linalg.cond(a, p),
            lambda a, p=p: np.linalg.cond(a, p),
            [((3, 3),), ((2, 3, 3),)],
            args_maker=_maker("gen"),
            tol=T,
        )
        for p in (None, -2, 1, np.inf, "fro")
    ],
    OpSpec(
        "linalg_cond_rect",
        jnp.linalg.cond,
        np.linalg.cond,
        [((4, 3),)],
        args_maker=_maker("sv"),
        tol=T,
    ),
    OpSpec(
        "linalg_cross",
        jnp.linalg.cross,
        lambda a, b: np.cross(a, b),
        [((3,), (3,)), ((2, 3), (3,)), ((4, 3), (4, 3))],
    ),
    OpSpec(
        "linalg_cross_axis",
        lambda a, b: jnp.linalg.cross(a, b, axis=0),
        lambda a, b: np.cross(a, b, axis=0),
        [((3, 2), (3, 2))],
    ),
    OpSpec(
        "linalg_diagonal",
        jnp.linalg.diagonal,
        lambda a: np.diagonal(a, axis1=-2, axis2=-1),
        [((3, 3),), ((2, 3, 4),), ((0, 2),)],
    ),
    OpSpec(
        "linalg_diagonal_offset",
        lambda a: jnp.linalg.diagonal(a, offset=-1),
        lambda a: np.diagonal(a, -1, axis1=-2, axis2=-1),
        [((3, 3),), ((2, 4, 3),)],
    ),
    OpSpec(
        "linalg_trace",
        jnp.linalg.trace,
        lambda a: np.trace(a, axis1=-2, axis2=-1),
        [((3, 3),), ((2, 3, 4),), ((0, 0),)],
    ),
    OpSpec(
        "linalg_trace_offset",
        lambda a: jnp.linalg.trace(a, offset=1),
        lambda a: np.trace(a, 1, axis1=-2, axis2=-1),
        [((3, 3),), ((2, 3, 4),)],
    ),
    OpSpec(
        "linalg_tensordot",
        jnp.linalg.tensordot,
        np.tensordot,
        [((2, 3, 4), (3, 4, 2)), ((3, 4), (3, 4))],
    ),
    OpSpec(
        "linalg_tensordot_axes",
        lambda a, b: jnp.linalg.tensordot(a, b, axes=([0], [1])),
        lambda a, b: np.tensordot(a, b, axes=([0], [1])),
        [((2, 3), (4, 2)), ((3,), (2, 3))],
    ),
]
