"""jtrans.scipy.linalg: scipy.linalg's functions as jax.scipy.linalg implements them, built on
`lax.linalg` and `jtrans.numpy`, so they are differentiable (except those resting on the Schur
form: schur, hessenberg, sqrtm, funm, rsf2csf) and batch over leading dimensions.

SciPy-only arguments (overwrite_*, check_finite, debug, lwork, ...) are accepted and ignored.
Special matrices (hilbert, pascal, ...) with a static size are built in the default float dtype.
"""

import math

import numpy as np

from .. import core, dtypes, lax
from .. import numpy as jnp
from ..errors import JTransValueError, ShapeError
from ..lax import linalg as lax_linalg
from ..numpy._util import asarray_any, broadcast_shapes, broadcast_to_shape, check_arraylike

__all__ = [
    "block_diag", "cho_factor", "cho_solve", "cholesky", "circulant", "companion",
    "convolution_matrix", "det", "dft", "eigh", "eigh_tridiagonal", "expm", "expm_frechet",
    "fiedler", "fiedler_companion", "funm", "hadamard", "hankel", "helmert", "hessenberg",
    "hilbert", "inv", "invhilbert", "invpascal", "leslie", "lu", "lu_factor", "lu_solve",
    "pascal", "polar", "qr", "qr_multiply", "rsf2csf", "schur", "solve", "solve_sylvester",
    "solve_triangular", "sqrtm", "svd", "toeplitz",
]  # fmt: skip


def _shape(x):
    return core.get_aval(x).shape


def _dtype(x):
    return core.get_aval(x).dtype


def _inexact(*args):
    """JAX's promote_dtypes_inexact: one dtype for all, integers to the default float."""
    args = [asarray_any(a) for a in args]
    dt = dtypes.result_type(*args)
    if not dtypes.is_inexact(dt):
        dt = dtypes.to_inexact_dtype(dt)
    return [a if _dtype(a) == dt else lax.convert_element_type(a, dt) for a in args]


def _square(name, a):
    s = _shape(a)
    if len(s) < 2 or s[-1] != s[-2]:
        raise JTransValueError(
            f"{name}: expected a (batched) square matrix of shape (..., n, n), got shape {s}"
        )


def _complex_dtype(dt):
    return np.dtype(np.complex128 if np.dtype(dt) in (np.float64, np.complex128) else np.complex64)


def _H(x):
    return jnp.conj(jnp.swapaxes(x, -1, -2)) if dtypes.is_complex(_dtype(x)) else (
        jnp.swapaxes(x, -1, -2))  # fmt: skip


def _eye_like(a):
    n = _shape(a)[-1]
    return jnp.eye(n, dtype=_dtype(a))


def _left_solve(a, b, name, **kw):
    """triangular_solve(a, b, left_side=True, **kw) with b (..., n) or (..., n, k) and the batch
    dims of a and b broadcast against each other."""
    a, b = _inexact(a, b)
    sa, sb = _shape(a), _shape(b)
    vector = len(sb) == 1  # SciPy: a 1-D b is one right-hand side; else (..., n, k)
    if vector:
        b = jnp.expand_dims(b, -1)
        sb = _shape(b)
    if not sb or sb[-2] != sa[-1]:
        raise JTransValueError(
            f"{name}: incompatible shapes {sa} and {_shape(b) if not vector else sb[:-1]}: b "
            f"must be (n,) or (..., n, k) with n = {sa[-1]}"
        )
    batch = broadcast_shapes(sa[:-2], sb[:-2], name=name)
    a = broadcast_to_shape(a, batch + sa[-2:])
    b = broadcast_to_shape(b, batch + sb[-2:])
    x = lax_linalg.triangular_solve(a, b, left_side=True, **kw)
    return x[..., 0] if vector else x


# ---------------------------------------------------------------------------------------------
# factorizations and solves


def cholesky(a, lower=False, overwrite_a=False, check_finite=True):
    """Cholesky factor of Hermitian positive definite matrices: upper (a = U^H U) by default,
    lower (a = L L^H) with lower=True."""
    (a,) = _inexact(a)
    _square("cholesky", a)
    L = lax_linalg.cholesky(a)
    return L if lower else _H(L)


def cho_factor(a, lower=False, overwrite_a=False, check_finite=True):
    """(c, lower) for cho_solve: c is the Cholesky factor (the other triangle is not zeroed in
    SciPy; here it is)."""
    return cholesky(a, lower=lower), lower


def cho_solve(c_and_lower, b, overwrite_b=False, check_finite=True):
    """Solves a x = b from cho_factor(a)."""
    c, lower = c_and_lower
    check_arraylike("cho_solve", c, b)
    (c,) = _inexact(c)
    _square("cho_solve", c)
    # a = L L^H (lower) or U^H U (upper): two triangular solves
    y = _left_solve(c, b, "cho_solve", lower=lower, transpose_a=not lower, conjugate_a=not lower)
    return _left_solve(c, y, "cho_solve", lower=lower, transpose_a=lower, conjugate_a=lower)


def solve(a, b, lower=False, overwrite_a=False, overwrite_b=False, debug=False,
          check_finite=True, assume_a="gen"):  # fmt: skip
    """Solves a x = b; assume_a='pos' uses a Cholesky factorization (reading the `lower` or
    upper triangle), 'gen'/'sym'/'her' an LU factorization."""
    valid = ("gen", "sym", "her", "pos")
    if assume_a not in valid:
        raise JTransValueError(f"solve: assume_a must be one of {valid}, got {assume_a!r}")
    check_arraylike("solve", a, b)
    if assume_a != "pos":
        return jnp.linalg.solve(a, b)
    a, b = _inexact(a, b)
    _square("solve", a)
    tri = jnp.tril(a) if lower else jnp.triu(a)
    full = tri + _H(jnp.tril(a, -1) if lower else jnp.triu(a, 1))
    return cho_solve(cho_factor(full, lower=lower), b)


def solve_triangular(a, b, trans=0, lower=False, unit_diagonal=False, overwrite_b=False,
                     debug=None, check_finite=True):  # fmt: skip
    """Solves op(a) x = b with a triangular (only its `lower` or upper triangle is read);
    trans 0/'N': a, 1/'T': a^T, 2/'C': a^H."""
    ops = {0: (False, False), "N": (False, False), 1: (True, False), "T": (True, False),
           2: (True, True), "C": (True, True)}  # fmt: skip
    if trans not in ops:
        raise JTransValueError(
            f"solve_triangular: invalid trans {trans!r} (0, 1, 2, 'N', 'T', 'C')"
        )
    check_arraylike("solve_triangular", a, b)
    (a,) = _inexact(a)
    _square("solve_triangular", a)
    transpose_a, conjugate_a = ops[trans]
    return _left_solve(a, b, "solve_triangular", lower=lower, transpose_a=transpose_a,
                       conjugate_a=conjugate_a, unit_diagonal=unit_diagonal)  # fmt: skip


def det(a, overwrite_a=False, check_finite=True):
    return jnp.linalg.det(a)


def inv(a, overwrite_a=False, check_finite=True):
    return jnp.linalg.inv(a)


def _perm_matrix(perm, m, dtype):
    """P with P[i, j] = (perm[j] == i), so that P @ x[perm] == x."""
    rows = lax.broadcasted_iota(np.int32, (m, m), 0)
    return (jnp.expand_dims(perm, -2) == rows).astype(dtype)


def lu(a, permute_l=False, overwrite_a=False, check_finite=True):
    """LU decomposition with partial pivoting: (p, l, u) with a = p @ l @ u, or (p @ l, u)
    with permute_l=True. l is (..., m, k) unit lower, u (..., k, n) upper, k = min(m, n)."""
    (a,) = _inexact(a)
    s = _shape(a)
    if len(s) < 2:
        raise JTransValueError(f"lu: expected matrices (..., m, n), got shape {s}")
    m, n = s[-2:]
    k = min(m, n)
    lu_, _, perm = lax_linalg.lu(a)
    dt = _dtype(a)
    p = _perm_matrix(perm, m, dt)
    l = jnp.tril(lu_, -1)[..., :, :k] + jnp.eye(m, k, dtype=dt)
    u = jnp.triu(lu_)[..., :k, :]
    if permute_l:
        return jnp.matmul(p, l), u
    return p, l, u


def lu_factor(a, overwrite_a=False, check_finite=True):
    """(lu, piv) as LAPACK's getrf: l and u packed in lu, piv the row swaps (int32)."""
    (a,) = _inexact(a)
    lu_, piv, _ = lax_linalg.lu(a)
    return lu_, piv


def _pivots_to_permutation(piv, m):
    """The permutation that applying the row swaps i <-> piv[..., i] in order makes (traceable:
    one select per swap)."""
    piv = asarray_any(piv).astype(np.int32)
    batch = _shape(piv)[:-1]
    iota = lax.broadcasted_iota(np.int32, batch + (m,), len(batch))
    perm = iota
    for i in range(_shape(piv)[-1]):
        j = piv[..., i : i + 1]
        pi = perm[..., i : i + 1]
        pj = jnp.take_along_axis(perm, j, axis=-1)
        perm = jnp.where(iota == i, pj, jnp.where(iota == j, pi, perm))
    return perm


def lu_solve(lu_and_piv, b, trans=0, overwrite_b=False, check_finite=True):
    """Solves a x = b (trans 0), a^T x = b (1) or a^H x = b (2) from lu_factor(a)."""
    lu_, piv = lu_and_piv
    check_arraylike("lu_solve", lu_, b)
    lu_, b = _inexact(lu_, b)
    _square("lu_solve", lu_)
    if trans not in (0, 1, 2):
        raise JTransValueError(f"lu_solve: trans must be 0, 1 or 2, got {trans!r}")
    m = _shape(lu_)[-1]
    perm = _pivots_to_permutation(piv, m)
    vector = len(_shape(b)) == 1
    if vector:
        b = jnp.expand_dims(b, -1)
    sa, sb = _shape(lu_), _shape(b)
    batch = broadcast_shapes(sa[:-2], sb[:-2], _shape(perm)[:-1], name="lu_solve")
    lu_ = broadcast_to_shape(lu_, batch + sa[-2:])
    b = broadcast_to_shape(b, batch + sb[-2:])
    perm = broadcast_to_shape(perm, batch + (m,))
    x = lax_linalg.lu_solve(lu_, perm, b, trans=trans)
    return x[..., 0] if vector else x


def eigh(a, b=None, lower=True, eigvals_only=False, overwrite_a=False, overwrite_b=False,
         turbo=True, eigvals=None, type=1, check_finite=True):  # fmt: skip
    """Eigenvalues (ascending) and eigenvectors of Hermitian matrices: (w, v) or w."""
    if b is not None:
        raise NotImplementedError("eigh: only the standard problem (b=None) is supported")
    if type != 1:
        raise NotImplementedError("eigh: only type=1 is supported")
    if eigvals is not None:
        raise NotImplementedError("eigh: eigvals (subset selection) is not supported")
    (a,) = _inexact(a)
    _square("eigh", a)
    v, w = lax_linalg.eigh(a, lower=lower)
    return w if eigvals_only else (w, v)


def eigh_tridiagonal(d, e, *, eigvals_only=False, select="a", select_range=None, tol=None,
                     key=None):  # fmt: skip
    """Eigenvalues (and eigenvectors, as columns) of the symmetric tridiagonal matrix with
    diagonal d (n,) and off-diagonal e (n-1,); select='i' keeps the indices in select_range."""
    d, e = _inexact(d, e)
    n = _shape(d)[-1] if _shape(d) else 0
    if len(_shape(d)) != 1 or _shape(e) != (max(n - 1, 0),):
        raise JTransValueError(
            f"eigh_tridiagonal: d must be (n,) and e (n-1,), got {_shape(d)} and {_shape(e)}"
        )
    if select == "v":
        raise NotImplementedError("eigh_tridiagonal: select='v' is not supported")
    if select not in ("a", "i"):
        raise JTransValueError(f"eigh_tridiagonal: select must be 'a', 'i' or 'v', got {select!r}")
    if dtypes.is_complex(_dtype(d)):
        d = jnp.real(d)
        d = d.astype(_dtype(e))
    m = jnp.diag(d) + jnp.diag(e, 1) + jnp.diag(jnp.conj(e), -1)
    v, w = lax_linalg.eigh(m, symmetrize_input=False)
    if select == "i":
        if select_range is None:
            raise JTransValueError("eigh_tridiagonal: select='i' needs select_range=(lo, hi)")
        lo, hi = (int(i) for i in select_range)
        w, v = w[lo : hi + 1], v[:, lo : hi + 1]
    return w if eigvals_only else (w, v)


def qr(a, overwrite_a=False, lwork=None, mode="full", pivoting=False, check_finite=True):
    """QR decomposition: mode 'full' (q, r), 'economic' (reduced q, r), 'r' (r,). With
    pivoting=True, the column-pivoted decomposition a[..., p] = q @ r (|diag(r)|
    non-increasing) with the int32 permutation p (..., n) appended: (q, r, p) or (r, p)."""
    if mode not in ("full", "r", "economic"):
        raise JTransValueError(
            f"qr: unsupported QR decomposition mode {mode!r} ('full', 'r' or 'economic')"
        )
    (a,) = _inexact(a)
    _matrix("qr", a)
    q, r, *p = lax_linalg.qr(a, pivoting=bool(pivoting), full_matrices=mode != "economic")
    return (r, *p) if mode == "r" else (q, r, *p)


def _matrix(name, a):
    s = _shape(a)
    if len(s) < 2:  # JAX: a TypeError from qr, a ValueError from qr_multiply; ShapeError is both
        raise ShapeError(
            f"{name}: expected a (batched) matrix of shape (..., m, n), got shape {s}; reshape "
            "a vector to a column (n, 1) or a row (1, n) first"
        )


def qr_multiply(a, c, mode="right", pivoting=False, conjugate=False, overwrite_a=False,
                overwrite_c=False):  # fmt: skip
    """(Q @ c, R) for mode 'left' or (c @ Q, R) for mode 'right' (conj(Q) with conjugate=True),
    Q and R from the economic QR decomposition of a; a 1-D c is a column (left) or row (right).
    The batch dims of a and c broadcast against each other. With pivoting=True, Q and R are
    those of the column-pivoted decomposition a[..., p] = Q @ R, and p (int32, (..., n)) is
    returned third: (cq, r, p)."""
    if mode not in ("right", "left"):
        raise JTransValueError(f"mode must be 'right' or 'left', got {mode!r}")
    a, c = _inexact(a, c)
    _matrix("qr_multiply", a)
    m, n = _shape(a)[-2:]
    k = min(m, n)
    onedim = len(_shape(c)) == 1
    if not _shape(c):
        raise JTransValueError(
            "qr_multiply: c must be a vector or a (batched) matrix, got a scalar (shape ())"
        )
    if onedim:
        c = c[:, None] if mode == "left" else c[None, :]
    if mode == "left" and _shape(c)[-2] != k:
        raise JTransValueError(
            f"Array shapes are not compatible for Q @ c operation: a has shape {_shape(a)} so Q "
            f"has {k} columns, but c has {_shape(c)[-2]} rows (expected {k})."
        )
    if mode == "right" and _shape(c)[-1] != m:
        raise JTransValueError(
            f"Array shapes are not compatible for c @ Q operation: a has shape {_shape(a)} so Q "
            f"has {m} rows, but c has {_shape(c)[-1]} columns (expected {m})."
        )
    batch = broadcast_shapes(_shape(a)[:-2], _shape(c)[:-2])
    a = broadcast_to_shape(a, batch + _shape(a)[-2:])
    c = broadcast_to_shape(c, batch + _shape(c)[-2:])
    q, r, *p = lax_linalg.qr(a, pivoting=bool(pivoting), full_matrices=False)
    if conjugate:
        q = jnp.conj(q)
    cq = jnp.matmul(q, c) if mode == "left" else jnp.matmul(c, q)
    return ((jnp.ravel(cq) if onedim else cq), jnp.triu(r), *p)


def svd(a, full_matrices=True, compute_uv=True, overwrite_a=False, check_finite=True,
        lapack_driver="gesdd"):  # fmt: skip
    """Singular value decomposition: (u, s, vh) or s."""
    (a,) = _inexact(a)
    return lax_linalg.svd(a, full_matrices=full_matrices, compute_uv=compute_uv)


def polar(a, side="right", *, method="qdwh", eps=None, max_iterations=None):
    """Polar decomposition (u, p): a = u p (side='right', p (n, n)) or a = p u ('left', p
    (m, m)), u with orthonormal columns, p Hermitian positive semidefinite. Computed from the
    SVD for every `method`."""
    if side not in ("right", "left"):
        raise JTransValueError(f"polar: side must be 'right' or 'left', got {side!r}")
    if method not in ("qdwh", "svd"):
        raise NotImplementedError(f"polar: method {method!r} is not supported")
    (a,) = _inexact(a)
    if len(_shape(a)) < 2:
        raise JTransValueError(f"polar: the input must be at least 2-D, got shape {_shape(a)}")
    w, s, vh = lax_linalg.svd(a, full_matrices=False)
    u = jnp.matmul(w, vh)
    sc = s.astype(_dtype(a))
    if side == "right":
        p = jnp.matmul(_H(vh) * jnp.expand_dims(sc, -2), vh)
    else:
        p = jnp.matmul(w * jnp.expand_dims(sc, -2), _H(w))
    return u, p


# ---------------------------------------------------------------------------------------------
# Schur-form based functions (not differentiable: the Schur decomposition has no derivative)


def schur(a, output="real"):
    """Schur decomposition (t, z), a = z t z^H: the real (quasi-triangular) form for real a,
    or the complex triangular one with output='complex'."""
    if output not in ("real", "complex"):
        raise JTransValueError(f"schur: output must be 'real' or 'complex', got {output!r}")
    (a,) = _inexact(a)
    _square("schur", a)
    if output == "complex":
        a = a.astype(_complex_dtype(_dtype(a)))
    return lax_linalg.schur(a)


def hessenberg(a, *, calc_q=False, overwrite_a=False, check_finite=True):
    """Upper Hessenberg form h of a (and q with a = q h q^H when calc_q)."""
    (a,) = _inexact(a)
    _square("hessenberg", a)
    h, q = lax_linalg.hessenberg_q(a)
    return (h, q) if calc_q else h


def _unit(n, i, j, dtype):
    e = np.zeros((n, n), dtype)
    e[i, j] = 1
    return e


def rsf2csf(T, Z, check_finite=True):
    """Converts a real Schur form (T, Z) to the complex one, by a Givens rotation per 2x2
    diagonal block (as scipy.linalg.rsf2csf)."""
    T, Z = _inexact(T, Z)
    _square("rsf2csf", T)
    _square("rsf2csf", Z)
    if _shape(T)[-1] != _shape(Z)[-1]:
        raise JTransValueError(f"rsf2csf: shapes of T {_shape(T)} and Z {_shape(Z)} differ")
    cdt = _complex_dtype(_dtype(T))
    T, Z = T.astype(cdt), Z.astype(cdt)
    n = _shape(T)[-1]
    eps = float(np.finfo(cdt).eps)
    for m in range(n - 1, 0, -1):
        a, b = T[..., m - 1, m - 1], T[..., m - 1, m]
        c, d = T[..., m, m - 1], T[..., m, m]
        rotate = jnp.abs(c) > eps * (jnp.abs(a) + jnp.abs(d))
        half = (a - d) / 2
        mu = half + jnp.sqrt(half * half + b * c)  # the 2x2 block's eigenvalue minus d
        r = jnp.sqrt(jnp.abs(mu) ** 2 + jnp.abs(c) ** 2)
        safe_r = jnp.where(rotate, r, 1).astype(cdt)
        cs = jnp.where(rotate, mu / safe_r, 1)[..., None, None]
        sn = jnp.where(rotate, c / safe_r, 0)[..., None, None]
        G = (
            jnp.eye(n, dtype=cdt)
            + (jnp.conj(cs) - 1) * _unit(n, m - 1, m - 1, cdt)
            + sn * _unit(n, m - 1, m, cdt)
            - sn * _unit(n, m, m - 1, cdt)
            + (cs - 1) * _unit(n, m, m, cdt)
        )
        GH = _H(G)
        T = jnp.matmul(jnp.matmul(G, T), GH) * (1 - _unit(n, m, m - 1, cdt))
        Z = jnp.matmul(Z, GH)
    return T, Z


def _by_superdiagonals(T, F, step):
    """Fills the strictly upper part of F (its diagonal given), one superdiagonal at a time:
    entries at offset k come from step(T, F) with F holding offsets < k only."""
    n = _shape(T)[-1]
    rows = np.arange(n)[:, None]
    cols = np.arange(n)[None, :]
    for k in range(1, n):
        mask = (cols - rows) == k
        F = jnp.where(mask, step(T, F), F)
    return F


def _sqrtm_triu(T):
    # R^2 = T: R_ij = (T_ij - sum_{i<l<j} R_il R_lj) / (R_ii + R_jj), by superdiagonals
    r = jnp.sqrt(jnp.diagonal(T, axis1=-2, axis2=-1))
    R = r[..., :, None] * jnp.eye(_shape(T)[-1], dtype=_dtype(T))
    denom = r[..., :, None] + r[..., None, :]
    return _by_superdiagonals(T, R, lambda T, R: (T - jnp.matmul(R, R)) / denom)


def sqrtm(A, blocksize=1):
    """Principal square root of square matrices (complex result), via the complex Schur
    form. Not differentiable."""
    if blocksize > 1:
        raise NotImplementedError("sqrtm: the blocked algorithm (blocksize > 1) is not supported")
    T, Z = schur(A, output="complex")
    return jnp.matmul(jnp.matmul(Z, _sqrtm_triu(T)), _H(Z))


def funm(A, func, disp=True):
    """Matrix function F = func(A) by the Schur-Parlett algorithm (func maps the eigenvalues,
    a complex vector, elementwise). Returns F (complex), or (F, error estimate) when
    disp=False. Not differentiable; needs distinct eigenvalues."""
    (A,) = _inexact(A)
    if len(_shape(A)) != 2:
        raise JTransValueError(f"funm: expected a square matrix (n, n), got shape {_shape(A)}")
    _square("funm", A)
    T, Z = schur(A, output="complex")
    t = jnp.diagonal(T)
    F = jnp.diag(jnp.asarray(func(t)).astype(_dtype(T)))
    denom = t[None, :] - t[:, None]  # T_jj - T_ii
    n = _shape(T)[-1]
    safe = jnp.where(jnp.eye(n, dtype=bool), 1, denom)
    # FT = TF: F_ij (T_jj - T_ii) = (T F - F T)_ij with F_ij still zero
    F = _by_superdiagonals(T, F, lambda T, F: (jnp.matmul(T, F) - jnp.matmul(F, T)) / safe)
    out = jnp.matmul(jnp.matmul(Z, F), _H(Z))
    if disp:
        return out
    tol = float(np.finfo(_dtype(T)).eps)
    upper = np.triu(np.ones((n, n), bool), 1)
    minden = jnp.min(jnp.where(upper, jnp.abs(denom), np.inf)) if n > 1 else jnp.asarray(np.inf)
    minden = jnp.where(minden == 0, tol, minden)
    err = jnp.minimum(1, jnp.maximum(tol, (tol / minden) * jnp.linalg.norm(jnp.triu(T, 1), 1)))
    err = jnp.where(jnp.any(jnp.isinf(out)), np.inf, err)
    return out, err


# ---------------------------------------------------------------------------------------------
# expm: Pade approximation with scaling and squaring (Higham 2005), differentiable

_PADE = {
    3: (120.0, 60.0, 12.0, 1.0),
    5: (30240.0, 15120.0, 3360.0, 420.0, 30.0, 1.0),
    7: (17297280.0, 8648640.0, 1995840.0, 277200.0, 25200.0, 1512.0, 56.0, 1.0),
    9: (17643225600.0, 8821612800.0, 2075673600.0, 302702400.0, 30270240.0, 2162160.0,
        110880.0, 3960.0, 90.0, 1.0),
    13: (64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0,
         129060195264000.0, 10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0,
         40840800.0, 960960.0, 16380.0, 182.0, 1.0),
}  # fmt: skip


def _pade(m):
    """(U, V) of the degree-m Pade approximant: exp(A) ~ (V - U)^{-1} (V + U)."""
    b = _PADE[m]

    def f(A):
        ident = _eye_like(A)
        A2 = jnp.matmul(A, A)
        if m == 13:
            A4 = jnp.matmul(A2, A2)
            A6 = jnp.matmul(A4, A2)
            U = jnp.matmul(A, jnp.matmul(A6, b[13] * A6 + b[11] * A4 + b[9] * A2)
                           + b[7] * A6 + b[5] * A4 + b[3] * A2 + b[1] * ident)  # fmt: skip
            V = (jnp.matmul(A6, b[12] * A6 + b[10] * A4 + b[8] * A2)
                 + b[6] * A6 + b[4] * A4 + b[2] * A2 + b[0] * ident)  # fmt: skip
            return U, V
        powers = [ident, A2]
        while len(powers) <= m // 2:
            powers.append(jnp.matmul(powers[-1], A2))
        odd = sum(b[2 * i + 1] * p for i, p in enumerate(powers))
        even = sum(b[2 * i] * p for i, p in enumerate(powers))
        return jnp.matmul(A, odd), even

    return f


def _expm_2d(A, upper_triangular, max_squarings):
    dt = _dtype(A)
    double = np.dtype(dt) in (np.float64, np.complex128)
    A_L1 = jnp.linalg.norm(A, 1)
    if double:
        maxnorm, conds, degrees = 5.371920351148152, (0.01495585217958292, 0.2539398330063230,
                                  0.9504178996162932, 2.097847961257068), (3, 5, 7, 9, 13)  # fmt: skip
    else:
        maxnorm, conds, degrees = 3.925724783138660, (0.4258730016922831, 1.880152677804762), (
            3, 5, 7)  # fmt: skip
    n_squarings = jnp.maximum(0, jnp.floor(jnp.log2(A_L1 / maxnorm)))
    A = A / (2**n_squarings).astype(dt)
    idx = jnp.digitize(A_L1, jnp.asarray(np.array(conds, _dtype(A_L1))))
    U, V = lax.switch(idx, [_pade(m) for m in degrees], A)
    P, Q = U + V, V - U
    if upper_triangular:
        R = solve_triangular(Q, P)
    else:
        R = jnp.linalg.solve(Q, P)

    def square(R, i):
        return jnp.where(i < n_squarings, jnp.matmul(R, R), R), None

    R, _ = lax.scan(square, R, jnp.arange(max_squarings, dtype=_dtype(n_squarings)))
    return jnp.where(n_squarings > max_squarings, jnp.full_like(R, np.nan), R)


def expm(A, *, upper_triangular=False, max_squarings=16):
    """Matrix exponential by Pade approximation with scaling and squaring; NaN when more than
    max_squarings squarings would be needed. Differentiable (through ordinary operations)."""
    (A,) = _inexact(A)
    _square("expm", A)
    f = lambda a: _expm_2d(a, upper_triangular, max_squarings)
    if len(_shape(A)) > 2:
        f = jnp.vectorize(f, signature="(n,n)->(n,n)")
    return f(A)


def expm_frechet(A, E, *, method=None, compute_expm=True):
    """The Frechet derivative of expm at A in the direction E (and expm(A)): a JVP of expm."""
    from ..api import jvp

    A, E = _inexact(A, E)
    _square("expm_frechet", A)
    if _shape(A) != _shape(E):
        raise JTransValueError(
            f"expm_frechet: A and E must have the same shape, got {_shape(A)} and {_shape(E)}"
        )
    expm_A, frechet = jvp(lambda a: expm(a), (A,), (E,))
    return (expm_A, frechet) if compute_expm else frechet


def solve_sylvester(A, B, C, *, method="schur", tol=1e-8):
    """Solves A X + X B = C through the Kronecker form (I (x) A + B^T (x) I) vec(X) = vec(C)
    (differentiable; suited to small systems)."""
    A, B, C = _inexact(A, B, C)
    _square("solve_sylvester", A)
    _square("solve_sylvester", B)
    m, n = _shape(A)[-1], _shape(B)[-1]
    if _shape(C)[-2:] != (m, n):
        raise JTransValueError(
            f"solve_sylvester: C must be ({m}, {n}) for A {_shape(A)} and B {_shape(B)}, got "
            f"{_shape(C)}"
        )
    if len(_shape(A)) != 2 or len(_shape(B)) != 2 or len(_shape(C)) != 2:
        raise JTransValueError("solve_sylvester: A, B and C must be 2-D")
    K = jnp.kron(jnp.eye(n, dtype=_dtype(A)), A) + jnp.kron(B.T, jnp.eye(m, dtype=_dtype(A)))
    x = jnp.linalg.solve(K, C.T.reshape(-1))  # vec() stacks columns
    return x.reshape(n, m).T


# ---------------------------------------------------------------------------------------------
# special matrices


def block_diag(*arrs):
    """The block-diagonal matrix of the (at most 2-D) arguments."""
    if not arrs:
        arrs = (jnp.zeros((1, 0)),)
    check_arraylike("block_diag", *arrs)
    arrs = [asarray_any(a) for a in arrs]
    dt = dtypes.result_type(*arrs)
    for i, a in enumerate(arrs):
        if len(_shape(a)) > 2:
            raise JTransValueError(
                f"block_diag: arguments must have at most 2 dimensions, got shape {_shape(a)} "
                f"at argument {i}"
            )
    arrs = [jnp.atleast_2d(a).astype(dt) for a in arrs]
    total = sum(_shape(a)[1] for a in arrs)
    rows, col = [], 0
    for a in arrs:
        c = _shape(a)[1]
        rows.append(lax.pad(a, np.zeros((), dt), ((0, 0, 0), (col, total - c - col, 0))))
        col += c
    return jnp.concatenate(rows, axis=0)


def _gather_last(elems, idx):
    """elems[..., idx] for a static NumPy index array idx."""
    return jnp.take(elems, jnp.asarray(idx.astype(np.int32)), axis=-1)


def toeplitz(c, r=None):
    """Toeplitz matrix with first column c and first row r (default conj(c)); r[0] is ignored.
    Leading dimensions of c and r batch."""
    check_arraylike("toeplitz", c) if r is None else check_arraylike("toeplitz", c, r)
    c = jnp.atleast_1d(asarray_any(c))
    r = jnp.conj(c) if r is None else jnp.atleast_1d(asarray_any(r))
    c, r = _batch_pair(*_promote(c, r))
    m, n = _shape(c)[-1], _shape(r)[-1]
    if m == 0 or n == 0:
        return jnp.zeros(_shape(c)[:-1] + (m, n), _dtype(c))
    elems = jnp.concatenate([jnp.flip(c, -1), r[..., 1:]], axis=-1)
    idx = (m - 1) + np.arange(n)[None, :] - np.arange(m)[:, None]
    return _gather_last(elems, idx)


def _promote(*args):
    dt = dtypes.result_type(*args)
    return [a.astype(dt) for a in args]


def _batch_pair(c, r):
    bs = broadcast_shapes(_shape(c)[:-1], _shape(r)[:-1], name="toeplitz")
    return (broadcast_to_shape(c, bs + _shape(c)[-1:]), broadcast_to_shape(r, bs + _shape(r)[-1:]))


def hankel(c, r=None):
    """Hankel matrix with first column c and last row r (default zeros); r[0] is ignored."""
    c = jnp.atleast_1d(asarray_any(c))
    r = jnp.zeros_like(c) if r is None else jnp.atleast_1d(asarray_any(r))
    c, r = _batch_pair(*_promote(c, r))
    m, n = _shape(c)[-1], _shape(r)[-1]
    if m == 0 or n == 0:
        return jnp.zeros(_shape(c)[:-1] + (m, n), _dtype(c))
    elems = jnp.concatenate([c, r[..., 1:]], axis=-1)
    return _gather_last(elems, np.arange(m)[:, None] + np.arange(n)[None, :])


def circulant(c):
    """Circulant matrix with first column c (leading dimensions batch)."""
    c = jnp.atleast_1d(asarray_any(c))
    n = _shape(c)[-1]
    return _gather_last(c, (np.arange(n)[:, None] - np.arange(n)[None, :]) % max(n, 1))


def companion(a):
    """Companion matrix of the polynomial with coefficients a (highest degree first)."""
    a = asarray_any(a)
    if len(_shape(a)) < 1 or _shape(a)[-1] < 2:
        raise JTransValueError(f"companion: a needs at least two coefficients, got {_shape(a)}")
    (a,) = _inexact(a)
    n = _shape(a)[-1]
    first = -a[..., 1:] / a[..., :1]
    sub = np.eye(n - 1, k=-1, dtype=_dtype(a))
    row0 = np.arange(n - 1)[:, None] == 0
    return jnp.where(row0, first[..., None, :], sub)


def convolution_matrix(a, n, mode="full"):
    """The matrix A with A @ v == numpy.convolve(a, v, mode) for v of length n."""
    a = asarray_any(a)
    if len(_shape(a)) != 1:
        raise JTransValueError(f"convolution_matrix: a must be 1-D, got shape {_shape(a)}")
    m = _shape(a)[0]
    if m == 0 or n <= 0:
        raise JTransValueError("convolution_matrix: a must be non-empty and n positive")
    if mode not in ("full", "same", "valid"):
        raise JTransValueError(f"convolution_matrix: invalid mode {mode!r}")
    rows = np.arange(m + n - 1)[:, None]
    k = rows - np.arange(n)[None, :]
    padded = jnp.concatenate([a, jnp.zeros((1,), _dtype(a))])
    full = _gather_last(padded, np.where((k >= 0) & (k < m), k, m))
    if mode == "full":
        return full
    if mode == "same":
        start = (min(n, m) - 1) // 2
        return full[start : start + max(m, n)]
    return full[min(m, n) - 1 : max(m, n)]


def fiedler(a):
    """Symmetric Fiedler matrix |a_i - a_j|."""
    a = jnp.atleast_1d(asarray_any(a))
    return jnp.abs(a[..., :, None] - a[..., None, :])


def fiedler_companion(a):
    """The pentadiagonal Fiedler companion matrix of the polynomial with coefficients a (highest
    degree first, leading dimensions batch): its eigenvalues are the polynomial's roots."""
    (a,) = _inexact(jnp.atleast_1d(asarray_any(a)))
    big = _shape(a)[-1]
    if big == 0:
        raise JTransValueError(
            "fiedler_companion requires the last axis of 'a' to have nonzero length, but got an "
            f"array of shape {_shape(a)}."
        )
    n = big - 1
    # each cell holds -a[k] / a[0] for some k, one or zero: positions `big` and `big + 1` of
    # the extended coefficient vector
    idx = np.full((n, n), big + 1)
    for i in range(n):
        if i == 0:
            idx[0, 0] = 1
        if i == 1:
            idx[1, 0] = big
        if i % 2 == 0:
            if i + 1 < n:
                idx[i, i + 1] = i + 2
            if i + 2 < n:
                idx[i, i + 2] = big
            if i >= 2:
                idx[i, i - 1] = i + 1
        elif i >= 3:
            idx[i, i - 2] = big
    lead = _shape(a)[:-1]
    ext = jnp.concatenate(
        [-a / a[..., :1], jnp.ones(lead + (1,), _dtype(a)), jnp.zeros(lead + (1,), _dtype(a))],
        axis=-1,
    )
    return _gather_last(ext, idx)


def leslie(f, s):
    """Leslie matrix: first row f (n,), subdiagonal s (n-1,)."""
    f, s = _promote(jnp.atleast_1d(asarray_any(f)), jnp.atleast_1d(asarray_any(s)))
    n = _shape(f)[-1]
    if _shape(s)[-1] != n - 1:
        raise JTransValueError(
            f"leslie: s must have length len(f) - 1, got {_shape(f)}, {_shape(s)}"
        )
    sub = jnp.concatenate([jnp.zeros(_shape(s)[:-1] + (1,), _dtype(s)), s], -1)  # s[i-1] at i
    row = np.arange(n)[:, None]
    col = np.arange(n)[None, :]
    out = jnp.where(row == 0, f[..., None, :], 0)
    return jnp.where(col == row - 1, sub[..., :, None], out)


def _default_float():
    return dtypes.default_float()


def hilbert(n):
    """The (n, n) Hilbert matrix 1 / (i + j + 1)."""
    i = np.arange(n)
    return jnp.asarray(1.0 / (i[:, None] + i[None, :] + 1), dtype=_default_float())


def invhilbert(n):
    """The exact inverse of the Hilbert matrix of order n."""
    out = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1):
            s = i + j
            v = ((-1) ** s * (s + 1) * math.comb(n + i, n - j - 1) * math.comb(n + j, n - i - 1)
                 * math.comb(s, i) ** 2)  # fmt: skip
            out[i, j] = out[j, i] = v
    return jnp.asarray(out, dtype=_default_float())


def _pascal_lower(n):
    return np.array([[math.comb(i, j) for j in range(n)] for i in range(n)], np.float64).reshape(
        n, n
    )


def pascal(n, kind=None):
    """Pascal matrix of order n: kind 'symmetric' (default), 'lower' or 'upper'."""
    kind = "symmetric" if kind is None else kind
    if kind not in ("symmetric", "lower", "upper"):
        raise JTransValueError(
            f"pascal: kind must be 'symmetric', 'lower' or 'upper', got {kind!r}"
        )
    L = _pascal_lower(n)
    out = {"lower": L, "upper": L.T, "symmetric": L @ L.T}[kind]
    return jnp.asarray(out, dtype=_default_float())


def invpascal(n, kind=None):
    """Inverse of pascal(n, kind)."""
    kind = "symmetric" if kind is None else kind
    if kind not in ("symmetric", "lower", "upper"):
        raise JTransValueError("invpascal: kind must be 'symmetric', 'lower' or 'upper'")
    L = _pascal_lower(n)
    sign = (-1.0) ** (np.arange(n)[:, None] + np.arange(n)[None, :])
    Li = L * sign
    out = {"lower": Li, "upper": Li.T, "symmetric": Li.T @ Li}[kind]
    return jnp.asarray(out, dtype=_default_float())


def hadamard(n, dtype=int):
    """Sylvester's Hadamard matrix of order n (a power of 2)."""
    if n < 1 or n & (n - 1):
        raise JTransValueError(f"hadamard: n must be a positive power of 2, got {n}")
    h = np.ones((1, 1))
    while h.shape[0] < n:
        h = np.block([[h, h], [h, -h]])
    return jnp.asarray(h, dtype=dtypes.canonicalize_dtype(np.dtype(dtype)))


def helmert(n, full=False):
    """Helmert matrix of order n (without its first row unless full)."""
    h = np.tril(np.ones((n, n)), -1) - np.diag(np.arange(n))
    d = np.arange(n) * np.arange(1, n + 1)
    h[0] = 1
    d[0] = n
    out = h / np.sqrt(d)[:, None]
    return jnp.asarray(out if full else out[1:], dtype=_default_float())


def dft(n, scale=None, *, dtype=None):
    """Discrete Fourier transform matrix exp(-2 pi i j k / n), scaled by 1/n ('n') or
    1/sqrt(n) ('sqrtn')."""
    if scale not in (None, "sqrtn", "n"):
        raise JTransValueError(f"dft: scale must be None, 'sqrtn' or 'n', got {scale!r}")
    jk = np.outer(np.arange(n), np.arange(n)) % max(n, 1)
    m = np.exp(-2j * np.pi * jk / max(n, 1))
    if scale == "sqrtn":
        m = m / math.sqrt(n)
    elif scale == "n":
        m = m / n
    dt = _complex_dtype(_default_float()) if dtype is None else dtype
    return jnp.asarray(m, dtype=dt)
