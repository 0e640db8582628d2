"""jnp.linalg: norms, solves, determinants and decompositions with numpy.linalg's conventions
(eigh returns eigenvalues first, svd returns (u, s, vh), ...), built on `lax.linalg`."""

import builtins
from typing import NamedTuple

import numpy as np

from .. import core, dtypes, lax
from ..errors import JTransValueError
from ..lax import linalg as lax_linalg
from ._indexing import diagonal as _diagonal
from ._products import cross as _cross
from ._products import dot as _dot
from ._products import matmul, outer, vecdot
from ._products import tensordot as _tensordot
from ._products import trace as _trace
from ._util import (
    asarray_any,
    broadcast_shapes,
    canonical_axes,
    check_arraylike,
    promote_dtypes,
)

__all__ = [
    "EigResult", "EighResult", "QRResult", "SVDResult", "SlogdetResult", "cholesky", "cond",
    "cross", "det", "diagonal", "eig", "eigh", "eigvals", "eigvalsh", "inv", "lstsq", "matrix_norm", "matrix_power", "matrix_rank",
    "matrix_transpose", "multi_dot", "norm", "outer", "pinv", "qr", "slogdet", "solve", "svd",
    "svdvals", "tensordot", "tensorinv", "tensorsolve", "trace", "vecdot", "vector_norm",
]  # fmt: skip


class EigResult(NamedTuple):
    eigenvalues: object
    eigenvectors: object


class EighResult(NamedTuple):
    eigenvalues: object
    eigenvectors: object


class QRResult(NamedTuple):
    Q: object
    R: object


class SVDResult(NamedTuple):
    U: object
    S: object
    Vh: object


class SlogdetResult(NamedTuple):
    sign: object
    logabsdet: object


def _shape(x):
    return core.get_aval(x).shape


def _dtype(x):
    return core.get_aval(x).dtype


def _promote_inexact(name, *args):
    """JAX's dtype promotion, integers and bools to the default float; no broadcasting."""
    check_arraylike(name, *args)
    args = promote_dtypes(*args)
    if not dtypes.is_inexact(_dtype(args[0])):
        to = dtypes.to_inexact_dtype(_dtype(args[0]))
        args = [lax.convert_element_type(a, to) for a in args]
    return args


def _inexact(name, x):
    return _promote_inexact(name, x)[0]


def _matrix(name, a, square=True):
    a = _inexact(name, a)
    s = _shape(a)
    if len(s) < 2 or (square and s[-1] != s[-2]):
        what = "square matrices (..., M, M)" if square else "matrices (..., M, N)"
        raise JTransValueError(f"{name}: the argument must be a stack of {what}, got shape {s}")
    return a


def _mT(x):
    nd = len(_shape(x))
    return lax.transpose(x, tuple(range(nd - 2)) + (nd - 1, nd - 2))


def _H(x):
    x = _mT(x)
    return lax.conj(x) if dtypes.is_complex(_dtype(x)) else x


def _const(x, v, dtype=None):
    return lax.full((), v, _dtype(x) if dtype is None else dtype)


def _real_abs(x):
    out = lax.abs(x)
    # |z| of a complex z is real (guards against an abs impl that keeps the complex dtype)
    return lax.real(out) if dtypes.is_complex(_dtype(out)) else out


def _diag(x):
    return lax_linalg._diag(x)


def _keep(out, shape, axes, keepdims):
    if not keepdims:
        return out
    return lax.reshape(out, tuple(1 if i in axes else d for i, d in enumerate(shape)))


# ---------------------------------------------------------------------------------------------
# norms


def _vector_norm(x, ord, axes):
    if ord is None or ord == 2:
        sq = lax.real(lax.mul(x, lax.conj(x))) if dtypes.is_complex(_dtype(x)) else lax.mul(x, x)
        return lax.sqrt(lax.reduce_sum(sq, axes))
    if not isinstance(ord, (int, float, np.integer, np.floating)) or isinstance(ord, bool):
        raise JTransValueError(f"norm: invalid norm order {ord!r} for vectors")
    ax = _real_abs(x)
    if ord == np.inf:
        return lax.reduce_max(ax, axes)
    if ord == -np.inf:
        return lax.reduce_min(ax, axes)
    if ord == 0:
        nz = lax.convert_element_type(lax.ne(x, lax.full_like(x, 0)), _dtype(ax))
        return lax.reduce_sum(nz, axes)
    if ord == 1:
        return lax.reduce_sum(ax, axes)
    p = _const(ax, float(ord))
    return lax.pow(lax.reduce_sum(lax.pow(ax, p), axes), lax.div(_const(ax, 1.0), p))


def _matrix_norm(x, ord, r, c):
    if ord is None or ord == "fro":
        return _vector_norm(x, None, (r, c))
    if ord in ("nuc", 2, -2):
        nd = len(_shape(x))
        perm = [i for i in range(nd) if i not in (r, c)] + [r, c]
        s = lax_linalg.svd(lax.transpose(x, perm), compute_uv=False)
        if ord == "nuc":
            return lax.reduce_sum(s, (nd - 2,))
        return (lax.reduce_max if ord == 2 else lax.reduce_min)(s, (nd - 2,))
    ax = _real_abs(x)
    if ord in (1, -1):
        red = lax.reduce_max if ord == 1 else lax.reduce_min
        return red(lax.reduce_sum(ax, (r,)), (c - (c > r),))
    if ord in (np.inf, -np.inf):
        red = lax.reduce_max if ord == np.inf else lax.reduce_min
        return red(lax.reduce_sum(ax, (c,)), (r - (r > c),))
    raise JTransValueError(f"norm: invalid norm order {ord!r} for matrices")


def norm(x, ord=None, axis=None, keepdims=False):
    """Vector or matrix norm (numpy.linalg.norm's `ord`, `axis` and `keepdims`)."""
    x = _inexact("norm", x)
    shape = _shape(x)
    nd = len(shape)
    if axis is None:
        if ord is None:
            out = _vector_norm(x, None, tuple(range(nd)))
            return _keep(out, shape, tuple(range(nd)), keepdims)
        if nd not in (1, 2):
            raise JTransValueError(
                f"norm: improper number of dimensions to norm: an array of shape {shape} with "
                f"ord={ord!r} needs axis= (vector norms take 1-D, matrix norms 2-D input)"
            )
        axes = tuple(range(nd))
    else:
        axes = canonical_axes(axis, nd, "norm axis")
        if isinstance(axis, (tuple, list)) and len(axis) == 2:
            axes = tuple(canonical_axes(a, nd, "norm axis")[0] for a in axis)
    if len(axes) == 1:
        out = _vector_norm(x, ord, axes)
    elif len(axes) == 2:
        out = _matrix_norm(x, ord, *axes)
    else:
        raise JTransValueError(f"norm: axis must name 1 or 2 axes, got {axis!r}")
    return _keep(out, shape, axes, keepdims)


def vector_norm(x, /, *, axis=None, keepdims=False, ord=2):
    x = _inexact("vector_norm", x)
    shape = _shape(x)
    axes = canonical_axes(axis, len(shape), "vector_norm axis")
    return _keep(_vector_norm(x, ord, axes), shape, axes, keepdims)


def matrix_norm(x, /, *, keepdims=False, ord="fro"):
    x = _matrix("matrix_norm", x, square=False)
    nd = len(_shape(x))
    return norm(x, ord=ord, axis=(nd - 2, nd - 1), keepdims=keepdims)


# ---------------------------------------------------------------------------------------------
# solves, inverses, determinants


def _batch_broadcast(a, b, vector):
    """Broadcasts the batch dims of a (..., M, M) and b (..., M[, K])."""
    sa, sb = _shape(a), _shape(b)
    core_b = 1 if vector else 2
    batch = broadcast_shapes(sa[:-2], sb[:-core_b], name="solve")
    from ._util import broadcast_to_shape

    return broadcast_to_shape(a, batch + sa[-2:]), broadcast_to_shape(b, batch + sb[-core_b:])


def solve(a, b):
    """Solves a x = b. b is a vector (M,) when 1-D, else a stack of matrices (..., M, K)."""
    check_arraylike("solve", a, b)
    a, b = _promote_inexact("solve", a, b)
    sa, sb = _shape(a), _shape(b)
    if len(sa) < 2 or sa[-1] != sa[-2]:
        raise JTransValueError(f"solve: a must be square matrices (..., M, M), got shape {sa}")
    vector = len(sb) == 1
    if not sb or sb[-1 if vector else -2] != sa[-1]:
        raise JTransValueError(
            f"solve: shapes {sa} and {sb} are incompatible: b must be (M,) or (..., M, K) with "
            f"M = {sa[-1]}"
        )
    a, b = _batch_broadcast(a, b, vector)
    return lax_linalg.solve(a, b)


def inv(a):
    """Inverse of square matrices (..., M, M)."""
    a = _matrix("inv", a)
    n = _shape(a)[-1]
    eye = lax.broadcast_in_dim(lax_linalg._eye(n, n, _dtype(a)), _shape(a),
                               (len(_shape(a)) - 2, len(_shape(a)) - 1))  # fmt: skip
    return lax_linalg.solve(a, eye)


def slogdet(a, *, method=None):
    """(sign, log|det|) of square matrices, from an LU decomposition."""
    a = _matrix("slogdet", a)
    n = _shape(a)[-1]
    lu, pivots, _ = lax_linalg.lu(a)
    d = _diag(lu)
    last = len(_shape(d)) - 1
    iota = lax.broadcasted_iota(np.int32, _shape(pivots), last)
    swaps = lax.reduce_sum(lax.convert_element_type(lax.ne(pivots, iota), np.int32), (last,))
    absd = _real_abs(d)
    logabsdet = lax.reduce_sum(lax.log(absd), (last,))
    is_zero = lax.reduce_max(lax.convert_element_type(lax.eq(d, lax.full_like(d, 0)), np.int32),
                             (last,)) if n else None  # fmt: skip
    if dtypes.is_complex(_dtype(a)):
        unit = lax.div(d, lax.convert_element_type(absd, _dtype(d)))
        sign = lax.exp(lax.reduce_sum(lax.log(unit), (last,)))
        flip = lax.rem(swaps, lax.full_like(swaps, 2))
        sign = lax.mul(
            sign,
            lax.convert_element_type(
                lax.sub(lax.full_like(flip, 1), lax.mul(flip, lax.full_like(flip, 2))), _dtype(a)
            ),
        )
    else:
        neg = lax.reduce_sum(lax.convert_element_type(lax.lt(d, lax.full_like(d, 0)), np.int32),
                             (last,))  # fmt: skip
        flip = lax.rem(lax.add(swaps, neg), lax.full_like(swaps, 2))
        sign = lax.convert_element_type(
            lax.sub(lax.full_like(flip, 1), lax.mul(flip, lax.full_like(flip, 2))), _dtype(a)
        )
    if is_zero is not None:
        sign = lax.select(lax.gt(is_zero, lax.full_like(is_zero, 0)), lax.full_like(sign, 0), sign)
    return SlogdetResult(sign, logabsdet)


def det(a):
    """Determinant of square matrices: sign * exp(log|det|) from slogdet."""
    sign, logabsdet = slogdet(a)
    return lax.mul(sign, lax.convert_element_type(lax.exp(logabsdet), _dtype(sign)))


# ---------------------------------------------------------------------------------------------
# decompositions


def cholesky(a, *, upper=False, symmetrize_input=True):
    """Cholesky factor of Hermitian positive definite matrices: lower (a = L L^H) or upper."""
    a = _matrix("cholesky", a)
    L = lax_linalg.cholesky(a, symmetrize_input=symmetrize_input)
    return _H(L) if upper else L


def eigh(a, UPLO=None, symmetrize_input=True):
    """Eigenvalues (ascending) and eigenvectors (columns) of Hermitian matrices: (w, v)."""
    a = _matrix("eigh", a)
    if UPLO not in (None, "L", "U"):
        raise JTransValueError(f"eigh: UPLO must be 'L' or 'U', got {UPLO!r}")
    v, w = lax_linalg.eigh(a, lower=UPLO != "U", symmetrize_input=symmetrize_input)
    return EighResult(w, v)


def eigvalsh(a, UPLO="L", *, symmetrize_input=True):
    return eigh(a, UPLO, symmetrize_input).eigenvalues


def eig(a):
    """Eigenvalues and right eigenvectors (columns, unit norm) of general square matrices; both
    complex. Differentiable for distinct eigenvalues."""
    a = _matrix("eig", a)
    w, v = lax_linalg.eig(a, compute_left_eigenvectors=False)
    return EigResult(w, v)


def eigvals(a):
    """Eigenvalues (complex) of general square matrices."""
    a = _matrix("eigvals", a)
    return lax_linalg.eig(a, compute_left_eigenvectors=False, compute_right_eigenvectors=False)[0]


def qr(a, mode="reduced"):
    """QR decomposition; mode 'reduced' (Q, R), 'complete' (Q, R) or 'r' (R only)."""
    a = _matrix("qr", a, square=False)
    if mode not in ("reduced", "complete", "r"):
        raise NotImplementedError(f"qr: mode {mode!r} is not supported (use 'reduced', "
                                  "'complete' or 'r')")  # fmt: skip
    q, r = lax_linalg.qr(a, full_matrices=mode == "complete")
    return r if mode == "r" else QRResult(q, r)


def svd(a, full_matrices=True, compute_uv=True, hermitian=False, subset_by_index=None):
    """Singular value decomposition: (U, S, Vh) with a = U diag(S) Vh, or S alone."""
    a = _matrix("svd", a, square=False)
    out = lax_linalg.svd(a, full_matrices=full_matrices, compute_uv=compute_uv,
                         subset_by_index=subset_by_index)  # fmt: skip
    return SVDResult(*out) if compute_uv else out


def svdvals(x, /):
    return svd(x, compute_uv=False)


def cond(x, p=None):
    """Condition number of square matrices (..., M, M) in the norm `p` (None/2/-2 from the
    singular values; other orders as norm(x, p) * norm(inv(x), p); inf for singular x)."""
    x = _matrix("cond", x, square=p not in (None, 2, -2))
    if p in (None, 2, -2):
        s = lax_linalg.svd(x, compute_uv=False)
        last = len(_shape(s)) - 1
        k = _shape(s)[-1]
        big, small = lax.index_in_dim(s, 0, last, False), lax.index_in_dim(s, k - 1, last, False)
        return lax.div(small, big) if p == -2 else lax.div(big, small)
    nd = len(_shape(x))
    ax = (nd - 2, nd - 1)
    r = lax.mul(norm(x, p, axis=ax), norm(inv(x), p, axis=ax))
    return lax.select(lax.ne(r, r), lax.full_like(r, np.inf), r)


def cross(x1, x2, /, *, axis=-1):
    """Cross product of 3-vectors along `axis` (the array API's linalg.cross)."""
    check_arraylike("cross", x1, x2)
    for x in (x1, x2):
        s = np.shape(x) if not hasattr(x, "shape") else tuple(x.shape)
        if not s or s[axis] != 3:
            raise JTransValueError(
                f"linalg.cross: both inputs must have size 3 along axis {axis}, got shapes "
                f"{np.shape(x1)} and {np.shape(x2)}"
            )
    return _cross(x1, x2, axis=axis)


def diagonal(x, /, *, offset=0):
    """Diagonals of the matrices (..., M, N), shifted by `offset`."""
    return _diagonal(x, offset, axis1=-2, axis2=-1)


def trace(x, /, *, offset=0, dtype=None):
    """Sums of the diagonals of the matrices (..., M, N), shifted by `offset`."""
    return _trace(x, offset, axis1=-2, axis2=-1, dtype=dtype)


def tensordot(x1, x2, /, *, axes=2, precision=None, preferred_element_type=None):
    """Tensor contraction over `axes` (the array API's linalg.tensordot)."""
    return _tensordot(x1, x2, axes, precision=precision,
                      preferred_element_type=preferred_element_type)  # fmt: skip


def matrix_transpose(x, /):
    x = asarray_any(x)
    if len(_shape(x)) < 2:
        raise JTransValueError(f"matrix_transpose needs at least 2 dims, got shape {_shape(x)}")
    return _mT(x)


def matrix_power(a, n):
    """a to the integer power n (negative n inverts first), by repeated squaring."""
    check_arraylike("matrix_power", a)
    a = asarray_any(a)
    s = _shape(a)
    if len(s) < 2 or s[-1] != s[-2]:
        raise JTransValueError(f"matrix_power: a must be square matrices, got shape {s}")
    try:
        n = operator_index(n)
    except TypeError:
        raise TypeError(f"matrix_power: exponent must be an integer, got {n!r}") from None
    if n == 0:
        eye = lax_linalg._eye(s[-1], s[-1], _dtype(a))
        return lax.broadcast_in_dim(eye, s, (len(s) - 2, len(s) - 1))
    if n < 0:
        a, n = inv(a), -n
    result = None
    z = a
    while n:
        if n & 1:
            result = z if result is None else matmul(result, z)
        n >>= 1
        if n:
            z = matmul(z, z)
    return result


def operator_index(n):
    import operator

    return operator.index(n)


def pinv(a, rtol=None, hermitian=False, *, rcond=None):
    """Moore-Penrose pseudo-inverse from the SVD; singular values below rtol * max(s) count
    as zero (default rtol: 10 * max(M, N) * eps)."""
    a = _matrix("pinv", a, square=False)
    m, n = _shape(a)[-2:]
    if rtol is None:
        rtol = rcond
    if rtol is None:
        rtol = 10 * builtins.max(m, n) * float(np.finfo(_real_dtype(_dtype(a))).eps)
    u, s, vh = lax_linalg.svd(a, full_matrices=False)
    k = _shape(s)[-1]
    last = len(_shape(s)) - 1
    if k == 0:
        return _mT(lax.full(_shape(a), 0, _dtype(a)))
    smax = lax.reduce_max(s, (last,))
    cutoff = lax.mul(lax.broadcast_in_dim(smax, _shape(s), tuple(range(last))),
                     _const(s, rtol))  # fmt: skip
    big = lax.gt(s, cutoff)
    safe = lax.select(big, s, lax.full_like(s, 1))
    s_inv = lax.select(big, lax.div(lax.full_like(s, 1), safe), lax.full_like(s, 0))
    vs = _H(vh)
    nd = len(_shape(vs))
    s_row = lax.broadcast_in_dim(lax.convert_element_type(s_inv, _dtype(a)), _shape(vs),
                                 tuple(range(nd - 2)) + (nd - 1,))  # fmt: skip
    return matmul(lax.mul(vs, s_row), _H(u))


def _real_dtype(dt):
    return {np.dtype("complex64"): np.dtype("float32"),
            np.dtype("complex128"): np.dtype("float64")}.get(np.dtype(dt), dt)  # fmt: skip


def matrix_rank(M, rtol=None, *, tol=None):
    """Number of singular values above tol (default: max(s) * max(M, N) * eps)."""
    M = _inexact("matrix_rank", M)
    s_ = _shape(M)
    if len(s_) < 2:
        nz = lax.ne(M, lax.full_like(M, 0))
        any_nz = lax.reduce_max(lax.convert_element_type(nz, np.int32), tuple(range(len(s_))))
        return lax.convert_element_type(any_nz, dtypes.default_int())
    s = lax_linalg.svd(M, compute_uv=False)
    last = len(_shape(s)) - 1
    if tol is None:
        r = rtol if rtol is not None else builtins.max(s_[-2:]) * float(
            np.finfo(_real_dtype(_dtype(M))).eps)  # fmt: skip
        smax = lax.reduce_max(s, (last,)) if _shape(s)[-1] else lax.full(_shape(s)[:-1], 0,
                                                                         _dtype(s))  # fmt: skip
        tol_ = lax.mul(smax, _const(s, r))
    else:
        tol_ = lax.full(_shape(s)[:-1], tol, _dtype(s))
    tol_ = lax.broadcast_in_dim(tol_, _shape(s), tuple(range(last)))
    return lax.reduce_sum(lax.convert_element_type(lax.gt(s, tol_), dtypes.default_int()),
                          (last,))  # fmt: skip


def lstsq(a, b, rcond=None, *, numpy_resid=False):
    """Least-squares solution of a x = b via the SVD: (x, residuals, rank, s)."""
    check_arraylike("lstsq", a, b)
    a, b = _promote_inexact("lstsq", a, b)
    sa, sb = _shape(a), _shape(b)
    if len(sa) != 2 or len(sb) not in (1, 2) or sb[0] != sa[0]:
        raise JTransValueError(f"lstsq: a must be (M, N) and b (M,) or (M, K), got {sa}, {sb}")
    vector = len(sb) == 1
    if vector:
        b = lax.reshape(b, (sb[0], 1))
    m, n = sa
    u, s, vh = lax_linalg.svd(a, full_matrices=False)
    if rcond is None:
        rcond = float(np.finfo(_real_dtype(_dtype(a))).eps) * builtins.max(m, n)
    k = _shape(s)[0]
    if k:
        cutoff = lax.mul(lax.reduce_max(s, (0,)), _const(s, rcond))
        big = lax.ge(s, lax.broadcast_in_dim(cutoff, (k,), ()))
    else:
        big = lax.full((0,), True, np.bool_)
    rank = lax.reduce_sum(lax.convert_element_type(big, np.int32), (0,))
    safe = lax.select(big, s, lax.full_like(s, 1))
    s_inv = lax.select(big, lax.div(lax.full_like(s, 1), safe), lax.full_like(s, 0))
    uhb = matmul(_H(u), b)
    scaled = lax.mul(uhb, lax.broadcast_in_dim(lax.convert_element_type(s_inv, _dtype(a)),
                                               _shape(uhb), (0,)))  # fmt: skip
    x = matmul(_H(vh), scaled)
    r = lax.sub(b, matmul(a, x))
    sq = lax.real(lax.mul(r, lax.conj(r))) if dtypes.is_complex(_dtype(r)) else lax.mul(r, r)
    resid = lax.reduce_sum(sq, (0,))
    if numpy_resid and (m <= n or core.is_concrete(rank) and int(np.asarray(rank)) < n):
        resid = lax.full((0,), 0, _dtype(resid))
    if vector:
        x = lax.reshape(x, (n,))
    return x, resid, rank, s


def _chain_order(dims):
    """split[i][j]: where the cheapest product of matrices i..j splits (the classic
    matrix-chain dynamic program; matrix i has shape (dims[i], dims[i + 1]))."""
    n = len(dims) - 1
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = None
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if cost[i][j] is None or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


def multi_dot(arrays, *, precision=None):
    """Chained dot products in the cheapest order (the first and last arrays may be
    vectors), as numpy.linalg.multi_dot."""
    if len(arrays) < 2:
        raise JTransValueError("multi_dot: expecting at least two arrays")
    if len(arrays) == 2:
        return _dot(arrays[0], arrays[1], precision=precision)
    arrays = [a if isinstance(a, core.Tracer) else lax.as_operand(np.asarray(a))
              if isinstance(a, (list, tuple)) else lax.as_operand(a) for a in arrays]  # fmt: skip
    first_vec, last_vec = len(_shape(arrays[0])) == 1, len(_shape(arrays[-1])) == 1
    if first_vec:
        arrays[0] = lax.reshape(arrays[0], (1, _shape(arrays[0])[0]))
    if last_vec:
        arrays[-1] = lax.reshape(arrays[-1], (_shape(arrays[-1])[0], 1))
    for i, a in enumerate(arrays):
        if len(_shape(a)) != 2:
            raise JTransValueError(
                f"multi_dot: array {i} has shape {_shape(a)}; only the first and last arrays "
                "may be 1-D, the others must be 2-D"
            )
    dims = [_shape(a)[0] for a in arrays] + [_shape(arrays[-1])[1]]
    split = _chain_order(dims)

    def product(i, j):
        if i == j:
            return arrays[i]
        k = split[i][j]
        return _dot(product(i, k), product(k + 1, j), precision=precision)

    out = product(0, len(arrays) - 1)
    if first_vec and last_vec:
        return lax.reshape(out, ())
    if first_vec:
        return lax.reshape(out, _shape(out)[1:])
    if last_vec:
        return lax.reshape(out, _shape(out)[:1])
    return out


def tensorinv(a, ind=2):
    """Inverse of a tensor with respect to `ind` leading indices."""
    a = _inexact("tensorinv", a)
    s = _shape(a)
    rows, cols = int(np.prod(s[:ind])), int(np.prod(s[ind:]))
    if rows != cols:
        raise JTransValueError(f"tensorinv: prod(a.shape[:ind]) != prod(a.shape[ind:]) for {s}")
    return lax.reshape(inv(lax.reshape(a, (rows, cols))), s[ind:] + s[:ind])


def tensorsolve(a, b, axes=None):
    """Solves tensordot(a, x, x.ndim) = b for x."""
    check_arraylike("tensorsolve", a, b)
    a, b = _promote_inexact("tensorsolve", a, b)
    nd = len(_shape(a))
    if axes is not None:
        axes = [ax % nd for ax in ((axes,) if isinstance(axes, int) else axes)]
        perm = [i for i in range(nd) if i not in axes] + axes
        a = lax.transpose(a, perm)
    sa, sb = _shape(a), _shape(b)
    out_shape = sa[len(sb) :]
    rows, cols = int(np.prod(sb)), int(np.prod(out_shape))
    if rows != cols:
        raise JTransValueError(f"tensorsolve: a of shape {sa} is not square for b of shape {sb}")
    x = solve(lax.reshape(a, (rows, cols)), lax.reshape(b, (rows,)))
    return lax.reshape(x, out_shape)
