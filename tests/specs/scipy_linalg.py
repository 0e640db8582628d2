"""OpSpecs for jtrans.scipy.linalg against scipy.linalg (and, at the end, for scipy.signal,
integrate, fft and ndimage against SciPy). Inputs are well conditioned (SPD,
diagonally dominated, distinct eigenvalues); decompositions are compared through invariant
views. Functions resting on the Schur form are not differentiable (grad=False)."""

import numpy as np
import scipy.fft as _sfft
import scipy.integrate as _sint
import scipy.linalg as S
import scipy.ndimage as _snd
import scipy.signal as _ssig

import jtrans.numpy as jnp
import jtrans.scipy.fft as _jfft
import jtrans.scipy.integrate as _jint
import jtrans.scipy.linalg as L
import jtrans.scipy.ndimage as _jnd
import jtrans.scipy.signal as _jsig

from ..opspecs import F32, F64, OpSpec
from .linalg import _eig_invariants, _maker, _qr_normalised_square, _svd_invariants

T = 1e-4
SQ = [((3, 3),), ((2, 4, 4),), ((1, 1),)]


def _np_eigh(a):
    w, v = np.linalg.eigh(a)
    return _eig_invariants(w, v, np.einsum)


def _vec(fn):
    """A 2-D-only SciPy oracle applied over leading batch dimensions."""

    def f(*args):
        args = [np.asarray(a) for a in args]
        batch = args[0].shape[:-2]
        if not batch:
            return fn(*args)
        outs = [fn(*[a[i] for a in args]) for i in np.ndindex(*batch)]
        if isinstance(outs[0], tuple):
            return tuple(np.stack(o).reshape(batch + o[0].shape) for o in zip(*outs))
        return np.stack(outs).reshape(batch + outs[0].shape)

    return f


def _cplx_schur(rng, shapes, dtype):
    """(T, Z): the real Schur form of a random matrix with complex eigenvalue pairs."""
    a = rng.standard_normal(shapes[0][-2:])
    t, z = S.schur(a)
    return [t.astype(dtype), z.astype(dtype)]


def _scaled(k):
    def make(rng, shapes, dtype):
        return [np.asarray(k * rng.uniform(-1, 1, size=s), dtype) for s in shapes]

    return make


def _schur_reconstruct(a, output="real"):
    t, z = L.schur(a, output)
    return z @ t @ jnp.conj(jnp.swapaxes(z, -1, -2))


def _tri_solve_spec(name, shapes, **kw):
    return OpSpec(
        name,
        lambda a, b: L.solve_triangular(a, b, **kw),
        lambda a, b: _vec(lambda a, b: S.solve_triangular(a, b, **kw))(a, b),
        shapes,
        args_maker=_maker("gen", "rand"),
        tol=T,
    )


SPECS = [
    OpSpec("sp_cholesky", L.cholesky, _vec(S.cholesky), SQ, args_maker=_maker("spd"), tol=T),
    OpSpec(
        "sp_cholesky_lower",
        lambda a: L.cholesky(a, lower=True),
        lambda a: np.linalg.cholesky(a),
        SQ,
        args_maker=_maker("spd"),
        tol=T,
    ),
    OpSpec(
        "sp_cho_solve",
        lambda a, b: L.cho_solve(L.cho_factor(a), b),
        lambda a, b: S.cho_solve(S.cho_factor(a), b),
        [((3, 3), (3,)), ((3, 3), (3, 2))],
        args_maker=_maker("spd", "rand"),
        tol=T,
    ),
    OpSpec(
        "sp_cho_solve_lower",
        lambda a, b: L.cho_solve(L.cho_factor(a, lower=True), b),
        lambda a, b: np.linalg.solve(a, b),
        [((3, 3), (3, 2)), ((2, 3, 3), (2, 3, 1))],
        args_maker=_maker("spd", "rand"),
        tol=T,
    ),
    OpSpec(
        "sp_solve",
        L.solve,
        np.linalg.solve,
        [((3, 3), (3,)), ((3, 3), (3, 2)), ((2, 3, 3), (2, 3, 2))],
        args_maker=_maker("gen", "rand"),
        tol=T,
    ),
    OpSpec(
        "sp_solve_pos",
        lambda a, b: L.solve(a, b, assume_a="pos"),
        lambda a, b: S.solve(a, b, assume_a="pos"),
        [((3, 3), (3,)), ((4, 4), (4, 2))],
        args_maker=_maker("spd", "rand"),
        tol=T,
    ),
    OpSpec(
        "sp_solve_pos_lower",
        lambda a, b: L.solve(a, b, assume_a="pos", lower=True),
        lambda a, b: S.solve(a, b, assume_a="pos", lower=True),
        [((3, 3), (3, 2))],
        args_maker=_maker("spd", "rand"),
        tol=T,
    ),
    _tri_solve_spec("sp_solve_triangular", [((3, 3), (3,)), ((3, 3), (3, 2))]),
    _tri_solve_spec("sp_solve_triangular_lower_T", [((3, 3), (3, 2))], lower=True, trans="T"),
    _tri_solve_spec("sp_solve_triangular_unit", [((3, 3), (3, 2))], trans=1, unit_diagonal=True),
    OpSpec(
        "sp_solve_triangular_batched",
        lambda a, b: L.solve_triangular(a, b, lower=True),
        lambda a, b: np.linalg.solve(np.tril(a), b),
        [((2, 3, 3), (2, 3, 2)), ((2, 3, 3), (3, 1))],
        args_maker=_maker("gen", "rand"),
        tol=T,
    ),
    OpSpec("sp_det", L.det, S.det, SQ, args_maker=_maker("gen"), tol=T),
    OpSpec("sp_inv", L.inv, np.linalg.inv, SQ, args_maker=_maker("gen"), tol=T),
    OpSpec(
        "sp_lu",
        L.lu,
        _vec(S.lu),
        [((3, 3),), ((4, 3),), ((3, 4),), ((2, 3, 3),)],
        args_maker=_maker("rand"),
        tol=T,
    ),
    OpSpec(
        "sp_lu_permute_l",
        lambda a: L.lu(a, permute_l=True),
        lambda a: S.lu(a, permute_l=True),
        [((3, 3),), ((4, 3),)],
        args_maker=_maker("rand"),
        tol=T,
    ),
    OpSpec(
        "sp_lu_factor",
        lambda a: L.lu_factor(a)[0],
        lambda a: S.lu_factor(a)[0],
        [((3, 3),), ((4, 4),)],
        args_maker=_maker("rand"),
        tol=T,
    ),
    OpSpec(
        "sp_lu_factor_piv",
        lambda a: L.lu_factor(a)[1],
        lambda a: S.lu_factor(a)[1].astype(np.int32),
        [((3, 3),), ((4, 4),)],
        args_maker=_maker("rand"),
        grad=False,
    ),
    *[
        OpSpec(
            f"sp_lu_solve_{trans}",
            lambda a, b, t=trans: L.lu_solve(L.lu_factor(a), b, trans=t),
            lambda a, b, t=trans: S.lu_solve(S.lu_factor(a), b, trans=t),
            [((3, 3), (3,)), ((4, 4), (4, 2))],
            args_maker=_maker("gen", "rand"),
            tol=1e-3,
        )
        for trans in (0, 1, 2)
    ],
    OpSpec(
        "sp_eigh",
        lambda a: _eig_invariants(*L.eigh(a), jnp.einsum),
        _np_eigh,
        SQ,
        args_maker=_maker("eig"),
        tol=T,
    ),
    OpSpec(
        "sp_eigh_values",
        lambda a: L.eigh(a, eigvals_only=True, lower=False),
        lambda a: np.linalg.eigvalsh(a, "U"),
        SQ,
        args_maker=_maker("eig"),
        tol=T,
    ),
    OpSpec(
        "sp_eigh_tridiagonal",
        lambda d, e: L.eigh_tridiagonal(d, e, eigvals_only=True),
        lambda d, e: S.eigh_tridiagonal(d, e, eigvals_only=True),
        [((4,), (3,)), ((1,), (0,))],
        tol=T,
        vmap=False,
    ),
    OpSpec(
        "sp_eigh_tridiagonal_vectors",
        lambda d, e: _eig_invariants(*L.eigh_tridiagonal(d, e), jnp.einsum),
        lambda d, e: _eig_invariants(*S.eigh_tridiagonal(d, e), np.einsum),
        [((4,), (3,))],
        tol=T,
        vmap=False,
    ),
    OpSpec(
        "sp_qr_economic",
        lambda a: _qr_normalised_square(*L.qr(a, mode="economic"), jnp.einsum, jnp.sign),
        lambda a: _qr_normalised_square(*S.qr(a, mode="economic"), np.einsum, np.sign),
        [((3, 3),), ((4, 3),)],
        args_maker=_maker("gen"),
        tol=T,
    ),
    OpSpec(
        "sp_qr_r",
        lambda a: jnp.abs(L.qr(a, mode="r")[0]),
        lambda a: np.abs(S.qr(a, mode="r")[0]),
        [((3, 3),), ((4, 3),)],
        args_maker=_maker("gen"),
        tol=T,
        grad=False,
    ),
    OpSpec(
        "sp_svd",
        lambda a: _svd_invariants(*L.svd(a, full_matrices=False), jnp.einsum),
        lambda a: _svd_invariants(*S.svd(a, full_matrices=False), np.einsum),
        [((3, 3),), ((4, 3),)],
        args_maker=_maker("sv"),
        tol=T,
    ),
    OpSpec(
        "sp_svd_values",
        lambda a: L.svd(a, compute_uv=False),
        lambda a: S.svd(a, compute_uv=False),
        [((3, 3),), ((3, 4),)],
        args_maker=_maker("sv"),
        tol=T,
    ),
    OpSpec(
        "sp_polar",
        L.polar,
        _vec(S.polar),
        [((3, 3),), ((4, 3),), ((2, 3, 3),)],
        args_maker=_maker("sv"),
        tol=T,
    ),
    OpSpec(
        "sp_polar_left",
        lambda a: L.polar(a, "left"),
        lambda a: S.polar(a, "left"),
        [((3, 3),), ((3, 4),)],
        args_maker=_maker("sv"),
        tol=T,
    ),
    OpSpec(
        "sp_expm",
        L.expm,
        _vec(S.expm),
        [((3, 3),), ((2, 3, 3),), ((1, 1),)],
        dtypes=(F32, F64),
        tol=T,
    ),
    OpSpec(
        "sp_expm_squarings",
        L.expm,
        _vec(S.expm),
        [((3, 3),), ((4, 4),)],
        args_maker=_scaled(6.0),
        tol=1e-3,
        grad_tol=1e-3,
    ),
    OpSpec(
        "sp_expm_tiny",
        L.expm,
        S.expm,
        [((3, 3),)],
        args_maker=_scaled(0.005),
        dtypes=(F32, F64),
        tol=T,
    ),
    OpSpec(
        "sp_expm_upper",
        lambda a: L.expm(jnp.triu(a), upper_triangular=True),
        lambda a: S.expm(np.triu(a)),
        [((3, 3),)],
        tol=T,
    ),
    OpSpec(
        "sp_expm_frechet",
        lambda a, e: L.expm_frechet(a, e),
        lambda a, e: S.expm_frechet(a, e),
        [((3, 3), (3, 3))],
        tol=T,
    ),
    OpSpec(
        "sp_solve_sylvester",
        L.solve_sylvester,
        S.solve_sylvester,
        [((3, 3), (2, 2), (3, 2)), ((1, 1), (2, 2), (1, 2))],
        args_maker=_maker("gen", "gen", "rand"),
        tol=T,
        vmap=False,
    ),
    # Schur-form based: values only (no derivatives)
    OpSpec(
        "sp_schur_reconstruct",
        _schur_reconstruct,
        lambda a: a,
        SQ,
        tol=T,
        grad=False,
    ),
    OpSpec(
        "sp_schur_eigvals",
        lambda a: jnp.sort(jnp.diagonal(L.schur(a)[0], axis1=-2, axis2=-1)),
        lambda a: np.sort(np.linalg.eigvalsh(a)),
        SQ,
        args_maker=_maker("eig"),
        tol=T,
        grad=False,
    ),
    OpSpec(
        "sp_schur_complex",
        lambda a: _schur_reconstruct(a, "complex"),
        lambda a: a.astype(np.complex64 if a.dtype == np.float32 else np.complex128),
        [((3, 3),), ((4, 4),)],
        tol=T,
        grad=False,
    ),
    OpSpec(
        "sp_hessenberg",
        lambda a: L.hessenberg(a, calc_q=True),
        _vec(lambda a: S.hessenberg(a, calc_q=True)),
        [((3, 3),), ((4, 4),), ((2, 4, 4),), ((1, 1),)],
        tol=T,
        grad=False,
    ),
    OpSpec(
        "sp_rsf2csf",
        L.rsf2csf,
        S.rsf2csf,
        [((4, 4), (4, 4)), ((5, 5), (5, 5))],
        args_maker=_cplx_schur,
        tol=T,
        grad=False,
        check_dtype=False,  # SciPy promotes float32 to complex128
    ),
    OpSpec(
        "sp_sqrtm",
        L.sqrtm,
        _vec(S.sqrtm),
        [((3, 3),), ((2, 3, 3),)],
        args_maker=_maker("spd"),
        tol=T,
        grad=False,
        check_dtype=False,  # complex, as jax.scipy.linalg.sqrtm (SciPy returns real here)
    ),
    OpSpec(
        "sp_funm_exp",
        lambda a: L.funm(a, jnp.exp),
        S.expm,
        [((3, 3),), ((4, 4),)],
        args_maker=_maker("eig"),
        tol=T,
        grad=False,
        vmap=False,  # funm takes 2-D input only, as in JAX
        check_dtype=False,  # complex, as jax.scipy.linalg.funm
    ),
    # special matrices built from arrays (linear in their arguments)
    OpSpec(
        "sp_block_diag",
        L.block_diag,
        S.block_diag,
        [((2, 2), (3,), (1, 2)), ((2, 3), ())],
        vmap=False,
    ),
    OpSpec(
        "sp_toeplitz",
        L.toeplitz,
        S.toeplitz,
        [((3,), (4,)), ((1,), (2,)), ((4,), (1,))],
        vmap=False,
    ),
    OpSpec(
        "sp_toeplitz_batched",
        L.toeplitz,
        lambda c, r: np.stack([S.toeplitz(ci, ri) for ci, ri in zip(c, r)]),
        [((2, 3), (2, 4))],
    ),
    OpSpec("sp_toeplitz_c", L.toeplitz, S.toeplitz, [((3,),)]),
    OpSpec("sp_hankel", L.hankel, S.hankel, [((3,), (4,)), ((4,), (2,))], vmap=False),
    OpSpec("sp_hankel_c", L.hankel, S.hankel, [((3,),)]),
    OpSpec("sp_circulant", L.circulant, S.circulant, [((4,),), ((1,),)]),
    OpSpec("sp_companion", L.companion, S.companion, [((4,),), ((2,),)], domain=(0.5, 2.0)),
    OpSpec("sp_fiedler", L.fiedler, S.fiedler, [((4,),)], grad=False),
    OpSpec("sp_leslie", L.leslie, S.leslie, [((4,), (3,)), ((2,), (1,))], vmap=False),
    *[
        OpSpec(
            f"sp_convolution_matrix_{mode}",
            lambda a, m=mode: L.convolution_matrix(a, 5, m),
            lambda a, m=mode: S.convolution_matrix(a, 5, m),
            [((3,),), ((6,),)],
            vmap=False,
        )
        for mode in ("full", "same", "valid")
    ],
]


# ---------------------------------------------------------------------------------------------
# the small jtrans.scipy modules: signal, integrate, fft, ndimage (their other tests are in
# tests/test_scipy_misc.py)

_CONV_SHAPES = [((5,), (3,)), ((3,), (5,)), ((4, 5), (2, 3)), ((1,), (1,))]
for _mode in ("full", "same", "valid"):
    SPECS += [
        OpSpec(
            f"signal_convolve_{_mode}",
            lambda a, b, m=_mode: _jsig.convolve(a, b, m),
            lambda a, b, m=_mode: _ssig.convolve(a, b, m),
            _CONV_SHAPES,
            tol=T,
        ),
        OpSpec(
            f"signal_correlate_{_mode}",
            lambda a, b, m=_mode: _jsig.correlate(a, b, m),
            lambda a, b, m=_mode: _ssig.correlate(a, b, m),
            _CONV_SHAPES,
            tol=T,
        ),
        OpSpec(
            f"signal_fftconvolve_{_mode}",
            lambda a, b, m=_mode: _jsig.fftconvolve(a, b, m),
            lambda a, b, m=_mode: _ssig.fftconvolve(a, b, m),
            _CONV_SHAPES,
            tol=T,
        ),
        OpSpec(
            f"signal_convolve2d_{_mode}",
            lambda a, b, m=_mode: _jsig.convolve2d(a, b, m),
            lambda a, b, m=_mode: _ssig.convolve2d(a, b, m),
            [((4, 5), (2, 3)), ((3, 3), (3, 3))],
            tol=T,
            vmap=False,  # 2-D inputs only
        ),
        OpSpec(
            f"signal_correlate2d_{_mode}",
            lambda a, b, m=_mode: _jsig.correlate2d(a, b, m),
            lambda a, b, m=_mode: _ssig.correlate2d(a, b, m),
            [((4, 5), (2, 3)), ((2, 2), (4, 4))],
            tol=T,
            vmap=False,
        ),
    ]
SPECS += [
    OpSpec(
        "signal_fftconvolve_axes",
        lambda a, b: _jsig.fftconvolve(a, b, axes=1),
        lambda a, b: _ssig.fftconvolve(a, b, axes=1),
        [((3, 5), (1, 3))],
        tol=T,
    ),
    OpSpec("signal_detrend", _jsig.detrend, _ssig.detrend, [((8,),), ((3, 6),)], tol=T),
    OpSpec(
        "signal_detrend_bp",
        lambda x: _jsig.detrend(x, axis=0, bp=[2, 5]),
        lambda x: _ssig.detrend(x, axis=0, bp=[2, 5]),
        [((8,),), ((9, 2),)],
        tol=T,
    ),
    OpSpec(
        "signal_detrend_constant",
        lambda x: _jsig.detrend(x, type="constant"),
        lambda x: _ssig.detrend(x, type="constant"),
        [((8,),), ((3, 6),)],
        tol=T,
    ),
    OpSpec(
        "integrate_trapezoid",
        _jint.trapezoid,
        _sint.trapezoid,
        [((5,),), ((3, 4),)],
    ),
    OpSpec(
        "integrate_trapezoid_x",
        lambda y, x: _jint.trapezoid(y, x, axis=0),
        lambda y, x: _sint.trapezoid(y, x, axis=0),
        [((4, 3), (4,))],
    ),
]
for _type in (1, 2, 3, 4):
    for _norm in (None, "ortho"):
        SPECS += [
            OpSpec(
                f"fft_dct_{_type}_{_norm}",
                lambda x, t=_type, nm=_norm: _jfft.dct(x, t, norm=nm),
                lambda x, t=_type, nm=_norm: _sfft.dct(x, t, norm=nm),
                [((6,),), ((3, 5),)],
                tol=T,
            ),
            OpSpec(
                f"fft_idct_{_type}_{_norm}",
                lambda x, t=_type, nm=_norm: _jfft.idct(x, t, norm=nm),
                lambda x, t=_type, nm=_norm: _sfft.idct(x, t, norm=nm),
                [((6,),), ((3, 5),)],
                tol=T,
            ),
        ]
SPECS += [
    OpSpec(
        "fft_dct_n_axis",
        lambda x: _jfft.dct(x, n=7, axis=0, norm="forward"),
        lambda x: _sfft.dct(x, n=7, axis=0, norm="forward"),
        [((5, 3),)],
        tol=T,
    ),
    OpSpec("fft_dctn", _jfft.dctn, _sfft.dctn, [((3, 4),), ((2, 3, 2),)], tol=T),
    OpSpec(
        "fft_idctn_s",
        lambda x: _jfft.idctn(x, s=(5, 3), norm="ortho"),
        lambda x: _sfft.idctn(x, s=(5, 3), norm="ortho"),
        [((3, 4),)],
        tol=T,
    ),
]


def _coords_maker(rng, shapes, dtype):
    img = rng.standard_normal(shapes[0])
    coords = [rng.uniform(-1.5, n + 0.5, size=shapes[1]) for n in shapes[0]]
    return [img.astype(dtype), np.stack(coords).astype(dtype)]


_SCIPY_MODE = {"constant": "grid-constant", "wrap": "grid-wrap"}
for _order in (0, 1):
    for _m in ("constant", "nearest", "wrap", "mirror", "reflect"):
        SPECS.append(
            OpSpec(
                f"ndimage_map_coordinates_{_order}_{_m}",
                lambda x, c, o=_order, m=_m: _jnd.map_coordinates(x, list(c), o, m, cval=0.5),
                lambda x, c, o=_order, m=_m: _snd.map_coordinates(
                    x, c, order=o, mode=_SCIPY_MODE.get(m, m), cval=0.5
                ),
                [((5, 4), (7,)), ((6,), (3, 2))],
                args_maker=_coords_maker,
                tol=T,
                grad=_order == 1,
                grad_tol=1e-3,
                nondiff_argnums=(1,),  # piecewise linear in the coordinates: kinks
            )
        )
