"""Linear algebra primitives: `dot_general` (exported at `jtrans.lax`) and the LAPACK-backed
decompositions and solves (used as `lax.linalg.cholesky`, `lax.linalg.eigh`, ...).

Every decomposition accepts leading batch dimensions natively, so its batch rule only moves the
batch axis to the front. Derivative rules are written with lax functions only, so they are
themselves differentiable (to any order).
"""

import enum
import functools
import warnings

import numpy as np
import scipy.linalg

from .. import core, dtypes
from ..errors import JTransTypeError, JTransValueError, ShapeError
from ..interpreters import ad, batching
from ..lowering import fusion, passes
from . import elementwise as ew
from . import reductions as red
from . import structural as st
from ._base import Zero, as_operand, batch_rules, check_dtype_kind, standard_primitive

_LOW = (dtypes.float16, dtypes.bfloat16)


def _prod(xs):
    out = 1
    for x in xs:
        out *= int(x)
    return out


def _tuple(xs):
    return tuple(int(x) for x in xs)


# ---------------------------------------------------------------------------------------------
# dot_general: contracts `lhs` and `rhs` over the contracting dimensions, vectorised over the
# batch dimensions. Output layout: batch dims, then lhs free dims, then rhs free dims.


class Precision(enum.Enum):
    """Matmul precision hints (accepted for compatibility; NumPy computes at full precision)."""

    DEFAULT = 0
    HIGH = 1
    HIGHEST = 2


def _free_dims(ndim, contract, batch):
    return [i for i in range(ndim) if i not in contract and i not in batch]


def _dot_general_impl(lhs, rhs, dimension_numbers, precision=None, preferred_element_type=None):
    (lc, rc), (lb, rb) = dimension_numbers
    out_dt = lhs.dtype if preferred_element_type is None else np.dtype(preferred_element_type)
    if not lb and lhs.ndim <= 2 and rhs.ndim <= 2 and out_dt == lhs.dtype == rhs.dtype:
        # vectors and matrices: the np.matmul the general path below makes, on the same
        # (transposed) views, without building them through lists
        if len(lc) == 1 and out_dt not in _LOW:
            a = lhs.T if lhs.ndim == 2 and lc[0] == 0 else lhs
            b = rhs.T if rhs.ndim == 2 and rc[0] == 1 else rhs
            if lhs.ndim == 1 and rhs.ndim == 1:
                return np.asarray(np.dot(a, b))
            return np.matmul(a, b)
        if not lc and lhs.ndim == 1 and rhs.ndim == 1 and out_dt not in _LOW:  # outer product
            return np.matmul(lhs[:, None], rhs[None, :])
    work_dt = np.float32 if out_dt in _LOW else out_dt
    lhs, rhs = lhs.astype(work_dt, copy=False), rhs.astype(work_dt, copy=False)
    lf, rf = _free_dims(lhs.ndim, lc, lb), _free_dims(rhs.ndim, rc, rb)
    bshape = [lhs.shape[i] for i in lb]
    lf_shape, rf_shape = [lhs.shape[i] for i in lf], [rhs.shape[i] for i in rf]
    k = _prod(lhs.shape[i] for i in lc)
    # (batch, M, K) @ (batch, K, N) with NumPy's matmul (BLAS); transposes are views
    a = np.transpose(lhs, list(lb) + lf + list(lc)).reshape(bshape + [_prod(lf_shape), k])
    b = np.transpose(rhs, list(rb) + list(rc) + rf).reshape(bshape + [k, _prod(rf_shape)])
    out = np.matmul(a, b)
    return np.asarray(out.reshape(bshape + lf_shape + rf_shape)).astype(out_dt, copy=False)


def _dot_general_abstract(lhs, rhs, dimension_numbers, precision=None, preferred_element_type=None):
    (lc, rc), (lb, rb) = dimension_numbers
    where = f"(lhs shape {lhs.shape}, rhs shape {rhs.shape}, dimension_numbers={dimension_numbers})"
    for name, axes, nd in (("lhs", lc + lb, lhs.ndim), ("rhs", rc + rb, rhs.ndim)):
        if any(not 0 <= a < nd for a in axes):
            raise JTransValueError(
                f"dot_general: {name} dimension out of bounds for rank {nd} {where}"
            )
        if len(set(axes)) != len(axes):
            raise JTransValueError(
                f"dot_general: {name} contracting and batch dimensions must be distinct {where}"
            )
    if len(lc) != len(rc) or len(lb) != len(rb):
        raise JTransValueError(
            f"dot_general: lhs and rhs need as many contracting and batch dimensions {where}"
        )
    if [lhs.shape[i] for i in lb] != [rhs.shape[i] for i in rb]:
        raise JTransTypeError(
            f"dot_general requires equal batch dimension sizes, got lhs batch shape "
            f"{tuple(lhs.shape[i] for i in lb)} and rhs batch shape "
            f"{tuple(rhs.shape[i] for i in rb)} {where}"
        )
    if [lhs.shape[i] for i in lc] != [rhs.shape[i] for i in rc]:
        raise JTransTypeError(
            f"dot_general requires contracting dimensions to have the same shape, got lhs "
            f"{tuple(lhs.shape[i] for i in lc)} and rhs {tuple(rhs.shape[i] for i in rc)} {where}"
        )
    if lhs.dtype != rhs.dtype:
        raise JTransTypeError(
            f"the dot_general primitive requires lhs and rhs of one dtype, got {lhs.dtype.name} "
            f"and {rhs.dtype.name} (lax.dot_general converts mixed operands before binding it)"
        )
    shape = (
        tuple(lhs.shape[i] for i in lb)
        + tuple(lhs.shape[i] for i in _free_dims(lhs.ndim, lc, lb))
        + tuple(rhs.shape[i] for i in _free_dims(rhs.ndim, rc, rb))
    )
    if preferred_element_type is not None:
        return core.ShapedArray(shape, np.dtype(preferred_element_type), False)
    return core.ShapedArray(shape, lhs.dtype, lhs.weak_type and rhs.weak_type)


dot_general_p = standard_primitive("dot_general", _dot_general_impl, _dot_general_abstract)


_canonical_dn_cache = {}


def _canonical_dimension_numbers(dimension_numbers, lhs_nd, rhs_nd):
    try:
        return _canonical_dn_cache[dimension_numbers, lhs_nd, rhs_nd]
    except (KeyError, TypeError):  # first sight, or unhashable (lists)
        pass
    dn = _canonical_dimension_numbers_uncached(dimension_numbers, lhs_nd, rhs_nd)
    if len(_canonical_dn_cache) < 4096:
        try:
            _canonical_dn_cache[dimension_numbers, lhs_nd, rhs_nd] = dn
        except TypeError:
            pass
    return dn


def _canonical_dimension_numbers_uncached(dimension_numbers, lhs_nd, rhs_nd):
    try:
        (lc, rc), (lb, rb) = dimension_numbers
    except (TypeError, ValueError):
        raise JTransValueError(
            "dot_general dimension_numbers must be ((lhs_contracting, rhs_contracting), "
            f"(lhs_batch, rhs_batch)), got {dimension_numbers!r}"
        ) from None

    def canon(axes, nd):
        axes = (axes,) if isinstance(axes, (int, np.integer)) else axes
        return tuple(int(a) % nd if nd and -nd <= int(a) < 0 else int(a) for a in axes)

    return (
        (canon(lc, lhs_nd), canon(rc, rhs_nd)),
        (canon(lb, lhs_nd), canon(rb, rhs_nd)),
    )


def _dot_type_rank(dt):
    # XLA's HigherPrecisionType order: complex, exponent range, mantissa, bit width, signed
    c = {dtypes.complex64: dtypes.float32, dtypes.complex128: dtypes.float64}.get(dt, dt)
    fl = c.kind == "f" or c == dtypes.bfloat16
    info = dtypes.finfo(c) if fl else None
    bits = 1 if c == dtypes.bool_ else np.dtype(c).itemsize * 8
    return (dt.kind == "c", info.maxexp if fl else -1, info.nmant if fl else -1, bits,
            c.kind != "u")  # fmt: skip


def _dot_result_dtype(lhs_dt, rhs_dt, preferred):
    """The dtype a dot_general of lhs_dt and rhs_dt computes in (as JAX/XLA: the operand type of
    higher precision), checked against preferred_element_type."""
    if preferred is None and lhs_dt == rhs_dt:
        return lhs_dt
    return _dot_result_dtype_cached(lhs_dt, rhs_dt, preferred)


@functools.lru_cache(maxsize=512)
def _dot_result_dtype_cached(lhs_dt, rhs_dt, preferred):
    lr, rr = _dot_type_rank(lhs_dt), _dot_type_rank(rhs_dt)
    if lr == rr and lhs_dt != rhs_dt:
        raise JTransTypeError(f"lax.dot_general argument type error: {lhs_dt}, {rhs_dt}")
    dt = lhs_dt if lr >= rr else rhs_dt
    if (
        preferred is not None
        and preferred != dt
        and not dtypes.is_float(dt)
        and _dot_type_rank(preferred)[3] < _dot_type_rank(dt)[3]
    ):
        raise JTransTypeError(
            "`preferred_element_type` must not be narrower than the original type, got "
            f"preferred_element_type of {preferred} for result type of {dt}."
        )
    return dt


def dot_general(lhs, rhs, dimension_numbers, precision=None, preferred_element_type=None):
    """General dot product (XLA's DotGeneral): contracts over `dimension_numbers[0]`, maps over
    `dimension_numbers[1]`; the result holds batch dims, lhs free dims, rhs free dims.
    Operands of different dtypes are accepted as in JAX: the result has the type of higher
    precision (XLA's rule, not jnp promotion: uint8 . int8 is int8) unless
    preferred_element_type says otherwise; the other operand is converted to it first."""
    lhs, rhs = as_operand(lhs), as_operand(rhs)
    la, ra = core.get_aval(lhs), core.get_aval(rhs)
    dn = _canonical_dimension_numbers(dimension_numbers, la.ndim, ra.ndim)
    if preferred_element_type is not None:
        preferred_element_type = dtypes.canonicalize_dtype(preferred_element_type)
    lhs_dt, rhs_dt = la.dtype, ra.dtype
    dt = _dot_result_dtype(lhs_dt, rhs_dt, preferred_element_type)
    if lhs_dt != dt:
        lhs = st.convert_element_type(lhs, dt)
    if rhs_dt != dt:
        rhs = st.convert_element_type(rhs, dt)
    if isinstance(precision, list):
        precision = tuple(precision)
    return dot_general_p.bind(
        lhs, rhs, dimension_numbers=dn, precision=precision,
        preferred_element_type=preferred_element_type,
    )  # fmt: skip


def _dot_general_transpose_lhs(ct, x_aval, y, dimension_numbers, precision, swap_ans=False):
    # ct has the layout (batch, x free, y free) (or (batch, y free, x free) when swap_ans):
    # contract it with y over y's free dims, then permute to x's layout
    y_aval = core.get_aval(y)
    try:
        dims, perm = _transpose_lhs_dims(dimension_numbers, x_aval.ndim, y_aval.ndim, swap_ans)
    except TypeError:  # unhashable dimension numbers (lists)
        dims, perm = _transpose_lhs_dims.__wrapped__(
            dimension_numbers, x_aval.ndim, y_aval.ndim, swap_ans
        )
    ct, y = as_operand(ct), as_operand(y)
    ct_dt = core.get_aval(ct).dtype
    if y_aval.dtype != ct_dt:
        y = st.convert_element_type(y, ct_dt)
    # dims are canonical and the dtypes equal: what lax.dot_general would bind
    out = dot_general_p.bind(
        ct, y, dimension_numbers=dims, precision=precision, preferred_element_type=None
    )
    if perm is not None:
        out = st.transpose(out, perm)
    out_aval = core.get_aval(out)
    if out_aval.dtype != x_aval.dtype or out_aval.weak_type != x_aval.weak_type:
        out = st.convert_element_type(out, x_aval.dtype, x_aval.weak_type)
    return out


@functools.lru_cache(maxsize=1024)
def _transpose_lhs_dims(dimension_numbers, x_nd, y_nd, swap_ans):
    """(dimension numbers of ct . y, permutation to x's layout or None if identity)."""
    (xc, yc), (xb, yb) = dimension_numbers
    x_kept = _free_dims(x_nd, xc, xb)
    y_kept = _free_dims(y_nd, yc, yb)
    nb = len(xb)
    start = nb if swap_ans else nb + len(x_kept)
    ans_y = tuple(range(start, start + len(y_kept)))
    dims = ((ans_y, tuple(y_kept)), (tuple(range(nb)), tuple(yb)))
    x_contract_sorted_by_y = [xc[i] for i in sorted(range(len(yc)), key=yc.__getitem__)]
    order = list(xb) + x_kept + x_contract_sorted_by_y
    perm = tuple(sorted(range(len(order)), key=order.__getitem__))
    return dims, (None if perm == tuple(range(len(perm))) else perm)


def _dot_general_transpose(ct, lhs, rhs, dimension_numbers, precision, preferred_element_type):
    if type(ct) is Zero:
        return [None, None]
    (lc, rc), (lb, rb) = dimension_numbers
    if ad.is_undefined_primal(lhs):
        return [_dot_general_transpose_lhs(ct, lhs.aval, rhs, dimension_numbers, precision), None]
    swapped = ((rc, lc), (rb, lb))
    return [None, _dot_general_transpose_lhs(ct, rhs.aval, lhs, swapped, precision, True)]


def _dot_general_batch(vals, dims, dimension_numbers, precision, preferred_element_type):
    # both batched: one more batch dimension (output axis 0); one batched: its batch axis is a
    # free dimension of that operand, found in place in the output. Nothing moves.
    (lhs, rhs), (ld, rd) = vals, dims
    (lc, rc), (lb, rb) = dimension_numbers

    def shift(axes, d):
        return tuple(a + (a >= d) for a in axes)

    if ld is not None and rd is not None:
        lc, lb, rc, rb = shift(lc, ld), (ld,) + shift(lb, ld), shift(rc, rd), (rd,) + shift(rb, rd)
        out_dim = 0
    elif ld is not None:
        lc, lb = shift(lc, ld), shift(lb, ld)
        out_dim = len(lb) + _free_dims(core.get_aval(lhs).ndim, lc, lb).index(ld)
    else:
        rc, rb = shift(rc, rd), shift(rb, rd)
        n_lhs_free = core.get_aval(lhs).ndim - len(lc) - len(lb)
        out_dim = len(lb) + n_lhs_free + _free_dims(core.get_aval(rhs).ndim, rc, rb).index(rd)
    out = dot_general_p.bind(
        lhs, rhs, dimension_numbers=((lc, rc), (lb, rb)), precision=precision,
        preferred_element_type=preferred_element_type,
    )  # fmt: skip
    return out, out_dim


def _dot_general_jvp(primals, tangents, **params):
    # bilinear: (lhs' . rhs) + (lhs . rhs')
    (lhs, rhs), (g_lhs, g_rhs) = primals, tangents
    ans = dot_general_p.bind(lhs, rhs, **params)
    terms = []
    if type(g_lhs) is not Zero:
        terms.append(dot_general_p.bind(g_lhs, rhs, **params))
    if type(g_rhs) is not Zero:
        terms.append(dot_general_p.bind(lhs, g_rhs, **params))
    out = terms[0] if len(terms) == 1 else ew.add(*terms)
    return ans, out


ad.jvp_rules[dot_general_p] = _dot_general_jvp
ad.transpose_rules[dot_general_p] = _dot_general_transpose
batch_rules[dot_general_p] = _dot_general_batch


# compiled: a GEMM (a BLAS call from native code; a generated loop as fallback)
def _dot_general_gemm(in_avals, out_aval, dimension_numbers, precision=None,
                      preferred_element_type=None):  # fmt: skip
    return dimension_numbers


fusion.gemm_rules[dot_general_p] = _dot_general_gemm


# compiled: a product with an identity matrix (jnp.eye, jacfwd's basis: hessian = jacfwd(jacrev)
# multiplies by one) contracted over one of its axes is a transpose of the other operand
def _is_identity_matrix(v, producer):
    """convert(eq(iota_1 - iota_0, 0)) (as jnp.eye builds it) or convert(eq(iota_0, iota_1)),
    square and of an inexact dtype."""

    def made_by(x, prim):
        e = producer(x) if type(x) is core.Var else None
        return e if e is not None and e.prim is prim else None

    def iota_dim(x):
        e = made_by(x, st.iota_p)
        return e.params["dimension"] if e is not None and len(e.params["shape"]) == 2 else None

    def zero(x):
        if type(x) is core.Literal:
            return bool(np.all(np.asarray(x.val) == 0))
        e = made_by(x, st.broadcast_in_dim_p)
        return e is not None and type(e.invars[0]) is core.Literal and zero(e.invars[0])

    def diff(x):
        e = made_by(x, ew.sub_p)
        return e is not None and {iota_dim(e.invars[0]), iota_dim(e.invars[1])} == {0, 1}

    conv = made_by(v, st.convert_element_type_p)
    if conv is None or v.aval.ndim != 2 or len(set(v.aval.shape)) != 1:
        return False
    eq = made_by(conv.invars[0], ew.eq_p)
    if eq is None or np.dtype(v.aval.dtype).kind not in "fc":
        return False
    a, b = eq.invars
    return {iota_dim(a), iota_dim(b)} == {0, 1} or (diff(a) and zero(b)) or (diff(b) and zero(a))


def _fold_operand_transposes(eqn, producer):
    """dot_general(transpose(a), b) -> dot_general(a, b) with a's dimension numbers mapped
    through the permutation, when a's free dimensions keep their order (so the output is the
    same): the GEMM then reads `a` with a transposed operand flag instead of a copy."""
    (lc, rc), (lb, rb) = eqn.params["dimension_numbers"]
    dims = [[lc, lb], [rc, rb]]
    invars = list(eqn.invars)
    for i, x in enumerate(eqn.invars):
        e = producer(x) if type(x) is core.Var else None
        if e is None or e.prim is not st.transpose_p:
            continue
        perm = e.params["permutation"]
        c, b = dims[i]
        free = [perm[d] for d in range(x.aval.ndim) if d not in c and d not in b]
        if free != sorted(free):
            continue
        dims[i] = [tuple(perm[d] for d in c), tuple(perm[d] for d in b)]
        invars[i] = e.invars[0]
    if invars == list(eqn.invars):
        return None
    (lc, lb), (rc, rb) = dims
    params = dict(eqn.params, dimension_numbers=((tuple(lc), tuple(rc)), (tuple(lb), tuple(rb))))
    return eqn.replace(invars=invars, params=params)


def _dot_general_simplify(eqn, producer):
    folded = _fold_operand_transposes(eqn, producer)
    if folded is not None:
        return folded
    (lc, rc), (lb, rb) = eqn.params["dimension_numbers"]
    out = eqn.outvars[0].aval
    if lb or rb or len(lc) != 1 or eqn.params["preferred_element_type"] not in (None, out.dtype):
        return None
    lhs, rhs = eqn.invars
    for eye, other, oc, first in ((rhs, lhs, lc[0], False), (lhs, rhs, rc[0], True)):
        if (
            type(other) is core.Var
            and other.aval.dtype == out.dtype
            and _is_identity_matrix(eye, producer)
        ):
            free = [d for d in range(other.aval.ndim) if d != oc]
            perm = tuple([oc] + free if first else free + [oc])
            return eqn.replace(prim=st.transpose_p, invars=[other], params=dict(permutation=perm))
    return None


passes.simplify_rules[dot_general_p] = _dot_general_simplify


def dot(lhs, rhs, precision=None, preferred_element_type=None):
    """Vector/matrix products (lax.dot): contracts the last axis of `lhs` (rank 1 or 2) with the
    first axis of `rhs` (rank 1 or 2)."""
    lhs, rhs = as_operand(lhs), as_operand(rhs)
    ls, rs = core.get_aval(lhs).shape, core.get_aval(rhs).shape
    if not (1 <= len(ls) <= 2 and 1 <= len(rs) <= 2 and ls[-1] == rs[0]):
        raise ShapeError(
            f"Incompatible shapes for dot: got {ls} and {rs}. lax.dot takes rank-1 or rank-2 "
            "operands with lhs.shape[-1] == rhs.shape[0]; use lax.dot_general or "
            "jtrans.numpy.matmul / einsum for other products."
        )
    return dot_general(lhs, rhs, (((len(ls) - 1,), (0,)), ((), ())), precision,
                       preferred_element_type)  # fmt: skip


def batch_matmul(lhs, rhs, precision=None):
    """Batched matrix product: lhs (..., m, k) @ rhs (..., k, n) with equal leading dims."""
    lhs, rhs = as_operand(lhs), as_operand(rhs)
    ls, rs = core.get_aval(lhs).shape, core.get_aval(rhs).shape
    if len(ls) < 2 or len(ls) != len(rs) or ls[:-2] != rs[:-2] or ls[-1] != rs[-2]:
        raise JTransTypeError(
            f"batch_matmul requires operands of equal rank >= 2 with equal batch dims and "
            f"lhs.shape[-1] == rhs.shape[-2], got {ls} and {rs}"
        )
    nd = len(ls)
    batch = tuple(range(nd - 2))
    return dot_general(lhs, rhs, (((nd - 1,), (nd - 2,)), (batch, batch)), precision)


# ---------------------------------------------------------------------------------------------
# helpers for the decompositions' rules (lax functions only, so rules are differentiable)


def _shape(x):
    return core.get_aval(x).shape


def _mT(x):
    nd = len(_shape(x))
    return st.transpose(x, tuple(range(nd - 2)) + (nd - 1, nd - 2))


def _H(x):
    x = _mT(x)
    return ew.conj(x) if dtypes.is_complex(core.get_aval(x).dtype) else x


def _mm(a, b):
    """a @ b over the last two axes; leading dims equal, or one operand a plain matrix."""
    na, nb = len(_shape(a)), len(_shape(b))
    if na == nb:
        batch = tuple(range(na - 2))
        return dot_general(a, b, (((na - 1,), (nb - 2,)), (batch, batch)))
    if nb == 2:  # (..., m, k) @ (k, n): lhs free dims are (..., m)
        return dot_general(a, b, (((na - 1,), (0,)), ((), ())))
    assert na == 2  # (m, k) @ (..., k, n) gives (m, ..., n)
    out = dot_general(a, b, (((1,), (nb - 2,)), ((), ())))
    return st.transpose(out, tuple(range(1, nb - 1)) + (0, nb))


def _tri_mask(shape, k, lower):
    """Boolean mask of shape (..., m, n): col - row <= k (lower) or >= k (upper)."""
    nd = len(shape)
    rows = st.broadcasted_iota(np.int32, shape, nd - 2)
    cols = st.broadcasted_iota(np.int32, shape, nd - 1)
    diff = ew.sub(cols, rows)
    k = as_operand(np.int32(k))
    return ew.le(diff, k) if lower else ew.ge(diff, k)


def _eye_mask(shape):
    nd = len(shape)
    return ew.eq(st.broadcasted_iota(np.int32, shape, nd - 2),
                 st.broadcasted_iota(np.int32, shape, nd - 1))  # fmt: skip


def _tril(x, k=0):
    return st.select(_tri_mask(_shape(x), k, True), x, st.full_like(x, 0))


def _triu(x, k=0):
    return st.select(_tri_mask(_shape(x), k, False), x, st.full_like(x, 0))


def _eye(n, m, dtype, batch=()):
    return st.convert_element_type(_eye_mask(tuple(batch) + (n, m)), dtype)


def _diag(x):
    """The diagonal (..., n) of square matrices x (..., n, n)."""
    shape = _shape(x)
    return red.reduce_sum(st.select(_eye_mask(shape), x, st.full_like(x, 0)), (len(shape) - 1,))


def _diag_embed(v):
    """Square matrices (..., n, n) with diagonal v (..., n)."""
    shape = _shape(v)
    nd = len(shape)
    full = shape + (shape[-1],)
    rows = st.broadcast_in_dim(v, full, tuple(range(nd - 1)) + (nd,))
    return st.select(_eye_mask(full), rows, st.full_like(rows, 0))


def _bcast_last(v, full_shape, axis):
    """v (..., n) broadcast to (..., n, n) as a row (axis=-2 inserted) or column (axis=-1)."""
    nd = len(full_shape)
    dims = tuple(range(nd - 2)) + ((nd - 1,) if axis == -2 else (nd - 2,))
    return st.broadcast_in_dim(v, full_shape, dims)


def _scalar(x, v):
    return as_operand(np.asarray(v, core.get_aval(x).dtype))


def _real(x):
    return ew.real(x) if dtypes.is_complex(core.get_aval(x).dtype) else x


def _check_matrix(name, x, square=True):
    check_dtype_kind(name, x, "fc")
    if x.ndim < 2 or (square and x.shape[-1] != x.shape[-2]):
        what = "square matrices" if square else "matrices"
        raise JTransValueError(
            f"{name} expects {what} (an array of shape (..., m, {'m' if square else 'n'})), "
            f"got shape {x.shape}"
        )


def _real_dtype(dt):
    return {dtypes.complex64: dtypes.float32, dtypes.complex128: dtypes.float64}.get(dt, dt)


def _lapack(f):
    """Impl wrapper: half-precision inputs are computed in float32 and cast back."""

    def impl(x, **params):
        dt = x.dtype
        outs = f(x.astype(np.float32) if dt in _LOW else x, **params)
        if dt not in _LOW:
            return outs
        if isinstance(outs, (list, tuple)):
            return [o.astype(dt) if o.dtype.kind == "f" else o for o in outs]
        return outs.astype(dt)

    return impl


def _front_batcher(prim):
    """Batch rule of ops that take leading batch dimensions: move the batch axis to the front."""

    def rule(vals, dims, **params):
        size = batching.current_axis_size()
        vals = [batching.bdim_at_front(v, d, size) for v, d in zip(vals, dims)]
        out = prim.bind(*vals, **params)
        return out, ([0] * len(out) if prim.multiple_results else 0)

    batch_rules[prim] = rule


def _symmetrize(x):
    return ew.div(ew.add(x, _H(x)), _scalar(x, 2))


# ---------------------------------------------------------------------------------------------
# cholesky: the lower factor L of a Hermitian positive definite x = L L^H (NaNs if not PD)


def _cholesky_impl(x):
    try:
        return np.linalg.cholesky(x)
    except np.linalg.LinAlgError:
        out = np.full(x.shape, np.nan, x.dtype)
        for idx in np.ndindex(x.shape[:-2]):
            try:
                out[idx] = np.linalg.cholesky(x[idx])
            except np.linalg.LinAlgError:
                pass
        return out


def _cholesky_abstract(x):
    _check_matrix("cholesky", x)
    return x.strip_weak_type()


cholesky_p = standard_primitive("cholesky", _lapack(_cholesky_impl), _cholesky_abstract)


def cholesky(x, *, symmetrize_input=True):
    """Lower Cholesky factor of Hermitian positive definite matrices (..., n, n)."""
    x = as_operand(x)
    if symmetrize_input:
        x = _symmetrize(x)
    return cholesky_p.bind(x)


def _cholesky_jvp(primals, tangents):
    # L' = L phi(L^{-1} x' L^{-H}), phi = lower triangle with the diagonal halved
    (x,), (g,) = primals, tangents
    L = cholesky_p.bind(x)
    tmp = triangular_solve(L, g, left_side=False, lower=True, transpose_a=True, conjugate_a=True)
    tmp = triangular_solve(L, tmp, left_side=True, lower=True)
    half_diag = st.select(_eye_mask(_shape(tmp)), ew.mul(tmp, _scalar(tmp, 0.5)),
                          st.full_like(tmp, 0))  # fmt: skip
    phi = ew.add(_tril(tmp, -1), half_diag)
    return L, _mm(L, phi)


ad.jvp_rules[cholesky_p] = _cholesky_jvp
_front_batcher(cholesky_p)

# ---------------------------------------------------------------------------------------------
# triangular_solve: x with op(a) x = b (left_side) or x op(a) = b, a triangular; linear in b.
# op(a) is a, a^T, conj(a) or a^H by transpose_a / conjugate_a.


def _triangular_solve_impl(a, b, left_side, lower, transpose_a, conjugate_a, unit_diagonal):
    dt = b.dtype
    if dt in _LOW:
        a, b = a.astype(np.float32), b.astype(np.float32)
    if conjugate_a:
        a = np.conj(a)
    trans = int(transpose_a != (not left_side))  # right side: op(a)^T x^T = b^T
    if not left_side:
        b = np.swapaxes(b, -1, -2)
    if b.size == 0:
        x = np.zeros(b.shape, b.dtype)
    else:
        try:
            x = scipy.linalg.solve_triangular(
                a, b, trans=trans, lower=lower, unit_diagonal=unit_diagonal, check_finite=False
            )
        except (np.linalg.LinAlgError, ValueError):
            # a singular triangle: substitute with IEEE semantics (infs/NaNs, as JAX gives)
            x = _substitute(a, b, trans, lower, unit_diagonal)
    if not left_side:
        x = np.swapaxes(x, -1, -2)
    return np.asarray(x).astype(dt, copy=False)


def _substitute(a, b, trans, lower, unit_diagonal):
    if trans:
        a, lower = np.swapaxes(a, -1, -2), not lower
    n = a.shape[-1]
    x = np.zeros(b.shape, np.result_type(a, b))
    order = range(n) if lower else range(n - 1, -1, -1)
    with np.errstate(all="ignore"):
        for i in order:
            r = b[..., i, :] - np.einsum("...j,...jk->...k", a[..., i, :], x)
            x[..., i, :] = r if unit_diagonal else r / a[..., i, i, None]
    return x


def _triangular_solve_abstract(a, b, left_side, lower, transpose_a, conjugate_a, unit_diagonal):
    _check_matrix("triangular_solve", a)
    check_dtype_kind("triangular_solve", b, "fc")
    if a.dtype != b.dtype:
        raise JTransTypeError(f"triangular_solve requires a and b to have the same dtype, got "
                              f"{a.dtype.name} and {b.dtype.name}")  # fmt: skip
    m = a.shape[-1]
    side = b.shape[-2] if left_side else (b.shape[-1] if b.ndim else None)
    if b.ndim != a.ndim or b.shape[:-2] != a.shape[:-2] or side != m:
        raise JTransTypeError(
            f"triangular_solve with left_side={left_side} expects b of shape "
            f"{a.shape[:-2] + ((m, 'n') if left_side else ('n', m))} for a of shape {a.shape}, "
            f"got b of shape {b.shape}"
        )
    return b.strip_weak_type()


triangular_solve_p = standard_primitive(
    "triangular_solve", _triangular_solve_impl, _triangular_solve_abstract
)


def triangular_solve(a, b, *, left_side=False, lower=False, transpose_a=False,
                     conjugate_a=False, unit_diagonal=False):  # fmt: skip
    """Solves op(a) x = b (left_side) or x op(a) = b for x, a triangular (..., m, m); only the
    `lower` (or upper) triangle of a is read; unit_diagonal assumes ones on its diagonal."""
    return triangular_solve_p.bind(
        as_operand(a), as_operand(b), left_side=bool(left_side), lower=bool(lower),
        transpose_a=bool(transpose_a), conjugate_a=bool(conjugate_a),
        unit_diagonal=bool(unit_diagonal),
    )  # fmt: skip


def _triangular_solve_jvp_a(g, ans, a, b, left_side, lower, transpose_a, conjugate_a,
                            unit_diagonal):  # fmt: skip
    # d(op(a)^{-1} b) = -op(a)^{-1} op(da) x  (left), -x op(da) op(a)^{-1} (right)
    k = 1 if unit_diagonal else 0
    g = _tril(g, -k) if lower else _triu(g, k)
    g = ew.neg(g)
    g = _mT(g) if transpose_a else g
    g = ew.conj(g) if conjugate_a and dtypes.is_complex(core.get_aval(g).dtype) else g
    prod = _mm(g, ans) if left_side else _mm(ans, g)
    return triangular_solve(a, prod, left_side=left_side, lower=lower, transpose_a=transpose_a,
                            conjugate_a=conjugate_a, unit_diagonal=unit_diagonal)  # fmt: skip


def _triangular_solve_transpose(ct, a, b, left_side, lower, transpose_a, conjugate_a,
                                unit_diagonal):  # fmt: skip
    if ad.is_undefined_primal(a):
        raise NotImplementedError("triangular_solve is not linear in its matrix `a`")
    if type(ct) is Zero:
        return [None, None]
    ct_b = triangular_solve(a, ct, left_side=left_side, lower=lower,
                            transpose_a=not transpose_a, conjugate_a=conjugate_a,
                            unit_diagonal=unit_diagonal)  # fmt: skip
    return [None, ct_b]


ad.defjvp2(
    triangular_solve_p,
    _triangular_solve_jvp_a,
    lambda g, ans, a, b, **params: triangular_solve_p.bind(a, g, **params),
)
ad.transpose_rules[triangular_solve_p] = _triangular_solve_transpose
_front_batcher(triangular_solve_p)

# ---------------------------------------------------------------------------------------------
# eigh: eigenvectors v (columns) and ascending eigenvalues w of Hermitian x; returns (v, w)


def _eigh_impl(x, lower):
    w, v = np.linalg.eigh(x, UPLO="L" if lower else "U")
    return [v, w]


def _eigh_abstract(x, lower):
    _check_matrix("eigh", x)
    return [x.strip_weak_type(), core.ShapedArray(x.shape[:-1], _real_dtype(x.dtype))]


eigh_p = standard_primitive("eigh", _lapack(_eigh_impl), _eigh_abstract, multiple_results=True)


def eigh(x, *, lower=True, symmetrize_input=True, sort_eigenvalues=True, subset_by_index=None):
    """Eigendecomposition of Hermitian matrices: returns (v, w) with x = v diag(w) v^H and
    w ascending."""
    if subset_by_index is not None:
        raise NotImplementedError("eigh: subset_by_index is not supported")
    x = as_operand(x)
    if symmetrize_input:
        x = _symmetrize(x)
    v, w = eigh_p.bind(x, lower=bool(lower))
    return v, w


def _eigh_jvp(primals, tangents, lower):
    # for distinct eigenvalues: dw = diag(v^H dx v), dv = v (F * (v^H dx v)),
    # F_ij = 1 / (w_j - w_i) off the diagonal, 0 on it
    (x,), (g,) = primals, tangents
    v, w = eigh_p.bind(x, lower=lower)
    shape = _shape(x)
    dt = core.get_aval(x).dtype
    wc = st.convert_element_type(w, dt)
    eye = st.convert_element_type(_eye_mask(shape), dt)
    diff = ew.sub(_bcast_last(wc, shape, -2), _bcast_last(wc, shape, -1))
    F = ew.sub(ew.div(_scalar(eye, 1), ew.add(eye, diff)), eye)
    vhgv = _mm(_mm(_H(v), g), v)
    dv = _mm(v, ew.mul(F, vhgv))
    dw = _real(_diag(vhgv))
    return [v, w], [dv, dw]


ad.jvp_rules[eigh_p] = _eigh_jvp
_front_batcher(eigh_p)

# ---------------------------------------------------------------------------------------------
# qr: x = q r with q orthonormal columns and r upper triangular; returns (q, r). With
# pivoting=True the column-pivoted factorization x[..., p] = q r (LAPACK geqp3, |diag(r)|
# non-increasing) and the permutation p (int32, (..., n)) as a third result.


def _qr_impl(x, full_matrices, pivoting=False):
    if not pivoting:
        q, r = np.linalg.qr(x, mode="complete" if full_matrices else "reduced")
        return [q, r]
    *batch, m, n = x.shape
    k = m if full_matrices else min(m, n)
    q = np.empty((*batch, m, k), x.dtype)
    r = np.empty((*batch, k, n), x.dtype)
    p = np.empty((*batch, n), np.int32)
    mode = "full" if full_matrices else "economic"
    for idx in np.ndindex(*batch):
        q[idx], r[idx], p[idx] = scipy.linalg.qr(x[idx], mode=mode, pivoting=True,
                                                 check_finite=False)  # fmt: skip
    return [q, r, p]


def _qr_abstract(x, full_matrices, pivoting=False):
    _check_matrix("qr", x, square=False)
    *batch, m, n = x.shape
    k = m if full_matrices else min(m, n)
    x = x.strip_weak_type()
    outs = [x.update(shape=(*batch, m, k)), x.update(shape=(*batch, k, n))]
    if pivoting:
        outs.append(core.ShapedArray((*batch, n), dtypes.int32))
    return outs


qr_p = standard_primitive("qr", _lapack(_qr_impl), _qr_abstract, multiple_results=True)


def qr(x, *, pivoting=False, full_matrices=True, use_magma=None):
    """QR decomposition of matrices (..., m, n): returns (q, r), or (q, r, p) with
    pivoting=True: the column-pivoted factorization x[..., p] = q @ r, |diag(r)|
    non-increasing, p an int32 permutation (..., n)."""
    outs = qr_p.bind(as_operand(x), full_matrices=bool(full_matrices), pivoting=bool(pivoting))
    return tuple(outs)


def _permute_columns(x, p):
    """x[..., p] per matrix: x (..., m, n), p (..., n) int32 (one gather with batch dims)."""
    nb = len(_shape(p)) - 1
    batch = tuple(range(nb))
    dn = st.GatherDimensionNumbers(offset_dims=(nb,), collapsed_slice_dims=(nb + 1,),
                                   start_index_map=(nb + 1,), operand_batching_dims=batch,
                                   start_indices_batching_dims=batch)  # fmt: skip
    idx = st.expand_dims(p, (nb + 1,))
    return st.gather(x, idx, dn, (1,) * nb + (_shape(x)[-2], 1), unique_indices=True,
                     indices_are_sorted=False, mode=st.GatherScatterMode.PROMISE_IN_BOUNDS)  # fmt: skip


def _thin_qr_tangents(q, r, dx):
    """(dq, dr) of x = q r for x (..., m, n), m >= n, q (..., m, n), r (..., n, n)."""
    dx_rinv = triangular_solve(r, dx)  # dx r^{-1}
    qt_dx_rinv = _mm(_H(q), dx_rinv)
    low = _tril(qt_dx_rinv, -1)
    do = ew.sub(low, _H(low))  # skew-symmetric
    if dtypes.is_complex(core.get_aval(dx).dtype):
        im = ew.sub(qt_dx_rinv, st.convert_element_type(ew.real(qt_dx_rinv), _dtype(dx)))
        do = ew.add(do, st.select(_eye_mask(_shape(im)), im, st.full_like(im, 0)))
    dq = ew.add(_mm(q, ew.sub(do, qt_dx_rinv)), dx_rinv)
    dr = _mm(ew.sub(qt_dx_rinv, do), r)
    return dq, dr


def _cols(x, lo, hi):
    return st.slice_in_dim(x, lo, hi, axis=len(_shape(x)) - 1)


def _rows(x, lo, hi):
    return st.slice_in_dim(x, lo, hi, axis=len(_shape(x)) - 2)


def _qr_jvp(primals, tangents, full_matrices, pivoting=False):
    # Square and reduced tall: J. Townsend, "Differentiating the QR decomposition" (2018).
    # Wide (m < n), x = q [r1 r2]: (dq, dr1) from the square x1 = q r1, dr2 = dq^H x2 + q^H dx2.
    # Full tall (m > n): the columns q2 beyond n follow LAPACK's Householder construction; with
    # z = q[n:, :n] (q[:n, :n] - I)^{-1} (arXiv:2409.13374, eq. 32-33, as JAX's rule):
    # dq2 = dq1 z^H - (q1 + q2 z) (dq1[n:] - z dq1[:n])^H, dr = [dr1; 0].
    # With pivoting the permutation is piecewise constant: the derivative is that of
    # qr(x[..., p]) with p held fixed.
    (x,), (dx,) = primals, tangents
    *batch, m, n = _shape(x)
    outs = qr_p.bind(x, full_matrices=full_matrices, pivoting=pivoting)
    q, r = outs[0], outs[1]
    dx = ad.instantiate_zeros(dx)
    if pivoting:
        x, dx = _permute_columns(x, outs[2]), _permute_columns(dx, outs[2])
    if m < n:
        dq, dr1 = _thin_qr_tangents(q, _cols(r, 0, m), _cols(dx, 0, m))
        dr2 = ew.add(_mm(_H(dq), _cols(x, m, n)), _mm(_H(q), _cols(dx, m, n)))
        dr = st.concatenate([dr1, dr2], len(batch) + 1)
    elif not full_matrices or m == n:
        dq, dr = _thin_qr_tangents(q, r, dx)
    else:
        q1, q2 = _cols(q, 0, n), _cols(q, n, m)
        dq1, dr1 = _thin_qr_tangents(q1, _rows(r, 0, n), dx)
        lu_, _, perm = lu(ew.sub(_rows(q1, 0, n), _eye(n, n, _dtype(q), batch)))
        # z = q1[n:] (q1[:n] - I)^{-1} with (q1[:n] - I)[perm] = l u
        z = triangular_solve(lu_, _rows(q1, n, m), left_side=False, lower=False)
        z = triangular_solve(lu_, z, left_side=False, lower=True, unit_diagonal=True)
        z = _mm(z, _permutation_matrix(perm, _dtype(q)))
        dz = ew.sub(_rows(dq1, n, m), _mm(z, _rows(dq1, 0, n)))
        dq2 = ew.sub(_mm(dq1, _H(z)), _mm(ew.add(q1, _mm(q2, z)), _H(dz)))
        dq = st.concatenate([dq1, dq2], len(batch) + 1)
        dr = st.concatenate([dr1, st.full_like(_rows(r, n, m), 0)], len(batch))
    if pivoting:
        return outs, [dq, dr, Zero.from_value(outs[2])]
    return outs, [dq, dr]


def _dtype(x):
    return core.get_aval(x).dtype


ad.jvp_rules[qr_p] = _qr_jvp
_front_batcher(qr_p)

# ---------------------------------------------------------------------------------------------
# svd: x = u diag(s) vh, s descending. The primitive returns [s, u, vh] (or [s]).


def _svd_impl(x, full_matrices, compute_uv):
    if not compute_uv:
        return [np.linalg.svd(x, compute_uv=False)]
    u, s, vh = np.linalg.svd(x, full_matrices=full_matrices)
    return [s, u, vh]


def _svd_abstract(x, full_matrices, compute_uv):
    _check_matrix("svd", x, square=False)
    *batch, m, n = x.shape
    k = min(m, n)
    s = core.ShapedArray((*batch, k), _real_dtype(x.dtype))
    if not compute_uv:
        return [s]
    x = x.strip_weak_type()
    mu, nv = (m, n) if full_matrices else (k, k)
    return [s, x.update(shape=(*batch, m, mu)), x.update(shape=(*batch, nv, n))]


svd_p = standard_primitive("svd", _lapack(_svd_impl), _svd_abstract, multiple_results=True)


def svd(x, *, full_matrices=True, compute_uv=True, subset_by_index=None, algorithm=None):
    """Singular value decomposition: (u, s, vh) with x = u diag(s) vh, or s alone."""
    if subset_by_index is not None:
        raise NotImplementedError("svd: subset_by_index is not supported")
    outs = svd_p.bind(as_operand(x), full_matrices=bool(full_matrices),
                      compute_uv=bool(compute_uv))  # fmt: skip
    if not compute_uv:
        return outs[0]
    s, u, vh = outs
    return u, s, vh


def _svd_jvp(primals, tangents, full_matrices, compute_uv):
    # for distinct nonzero singular values (Townsend's / JAX's derivation)
    (A,), (dA,) = primals, tangents
    if compute_uv and full_matrices:
        m, n = _shape(A)[-2:]
        if m != n:
            raise NotImplementedError(
                "the derivative of svd with full_matrices=True is only implemented for square "
                f"matrices; got shape {_shape(A)}. Use full_matrices=False."
            )
    s, U, Vt = svd_p.bind(A, full_matrices=False, compute_uv=True)
    dt = _dtype(A)
    Ut, V = _H(U), _H(Vt)
    dS = _mm(_mm(Ut, dA), V)
    ds = _real(_diag(dS))
    if not compute_uv:
        return [s], [ds]
    kshape = _shape(dS)
    sc = st.convert_element_type(s, dt)
    s_row, s_col = _bcast_last(s, kshape, -2), _bcast_last(s, kshape, -1)
    eye_r = st.convert_element_type(_eye_mask(kshape), _dtype(s))
    s_diffs = ew.mul(ew.add(s_row, s_col), ew.sub(s_row, s_col))
    F = ew.sub(ew.div(_scalar(eye_r, 1), ew.add(s_diffs, eye_r)), eye_r)
    F = st.convert_element_type(F, dt)
    sc_row, sc_col = _bcast_last(sc, kshape, -2), _bcast_last(sc, kshape, -1)
    dSS, SdS = ew.mul(sc_row, dS), ew.mul(sc_col, dS)
    s_zero = st.convert_element_type(ew.eq(s, _scalar(s, 0)), _dtype(s))
    s_inv = ew.sub(ew.div(_scalar(s, 1), ew.add(s, s_zero)), s_zero)
    s_inv_mat = st.convert_element_type(_diag_embed(s_inv), dt)
    dUdV_diag = ew.mul(ew.mul(ew.sub(dS, _H(dS)), _scalar(dS, 0.5)), s_inv_mat)
    dU = _mm(U, ew.add(ew.mul(F, ew.add(dSS, _H(dSS))), dUdV_diag))
    dV = _mm(V, ew.mul(F, ew.add(SdS, _H(SdS))))
    m, n = _shape(A)[-2:]
    if m > n:
        dAV = _mm(dA, V)
        dU = ew.add(dU, ew.div(ew.sub(dAV, _mm(U, _mm(Ut, dAV))), _bcast_last(sc, _shape(dAV), -2)))
    if n > m:
        dAHU = _mm(_H(dA), U)
        dV = ew.add(dV, ew.div(ew.sub(dAHU, _mm(V, _mm(Vt, dAHU))),
                               _bcast_last(sc, _shape(dAHU), -2)))  # fmt: skip
    return [s, U, Vt], [ds, dU, _H(dV)]


ad.jvp_rules[svd_p] = _svd_jvp
_front_batcher(svd_p)

# ---------------------------------------------------------------------------------------------
# lu: partial-pivoting LU, x[perm] = l u; returns (lu, pivots, permutation), l unit lower and u
# upper packed in `lu`; pivots are LAPACK's row swaps (int32), permutation their product.


def _lu_impl(x):
    *batch, m, n = x.shape
    k = min(m, n)
    if x.size == 0:
        piv = np.zeros((*batch, k), np.int32)
        return [np.zeros(x.shape, x.dtype), piv, np.broadcast_to(
            np.arange(m, dtype=np.int32), (*batch, m)).copy()]  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lu, piv = scipy.linalg.lu_factor(x, check_finite=False)
    piv = piv.astype(np.int32)
    return [np.asarray(lu, x.dtype), piv, _pivots_to_permutation(piv, m)]


def _pivots_to_permutation(piv, m):
    """Applies the row swaps i <-> piv[..., i] in order to arange(m), for all batch entries."""
    batch = piv.shape[:-1]
    perm = np.broadcast_to(np.arange(m, dtype=np.int32), (*batch, m)).reshape(-1, m).copy()
    pv = piv.reshape(-1, piv.shape[-1])
    rows = np.arange(perm.shape[0])
    for i in range(pv.shape[1]):
        j = pv[:, i]
        tmp = perm[rows, i].copy()
        perm[rows, i] = perm[rows, j]
        perm[rows, j] = tmp
    return perm.reshape(*batch, m)


def _lu_abstract(x):
    _check_matrix("lu", x, square=False)
    *batch, m, n = x.shape
    return [x.strip_weak_type(), core.ShapedArray((*batch, min(m, n)), dtypes.int32),
            core.ShapedArray((*batch, m), dtypes.int32)]  # fmt: skip


lu_p = standard_primitive("lu", _lapack(_lu_impl), _lu_abstract, multiple_results=True)


def lu(x):
    """LU decomposition with partial pivoting: (lu, pivots, permutation), x[permutation] = l u."""
    lu_, pivots, perm = lu_p.bind(as_operand(x))
    return lu_, pivots, perm


def _permutation_matrix(perm, dtype):
    """P (..., m, m) with P[i, j] = (perm[i] == j), so P @ x == x[perm]."""
    shape = _shape(perm)
    full = shape + (shape[-1],)
    rows = st.broadcast_in_dim(perm, full, tuple(range(len(shape))))
    return st.convert_element_type(ew.eq(rows, st.broadcasted_iota(np.int32, full, len(shape))),
                                   dtype)  # fmt: skip


def _lu_jvp(primals, tangents):
    # De Hoog, Anderssen & Lukas: with l u = p a, F = l^{-1} (p a') u^{-1}
    # l' = l tril(F, -1), u' = triu(F) u
    (a,), (a_dot,) = primals, tangents
    lu_, pivots, perm = lu_p.bind(a)
    *batch, m, n = _shape(a)
    dt = _dtype(a)
    x = _mm(_permutation_matrix(perm, dt), a_dot)
    if m == n:
        l = ew.add(_tril(lu_, -1), _eye(m, m, dt, batch))
        u = _triu(lu_)
    else:  # pad l to (m, m) and u to (n, n) by products with the 0/1 matrix eye(n, m)
        k = min(m, n)
        e_nm = _eye(n, m, dt)
        l = ew.add(_tril(_mm(lu_, e_nm), -1), _eye(m, m, dt, batch))
        nn = (*batch, n, n)
        u_eye = ew.bitwise_and(
            _eye_mask(nn),
            ew.ge(st.broadcasted_iota(np.int32, nn, len(batch)), as_operand(np.int32(k))),
        )
        u = ew.add(_triu(_mm(e_nm, lu_)), st.convert_element_type(u_eye, dt))
    la = triangular_solve(l, x, left_side=True, lower=True, unit_diagonal=True)
    lau = triangular_solve(u, la, left_side=False, lower=False)
    lu_dot = ew.add(_mm(l, _tril(lau, -1)), _mm(_triu(lau), u))
    return [lu_, pivots, perm], [lu_dot, Zero.from_value(pivots), Zero.from_value(perm)]


ad.jvp_rules[lu_p] = _lu_jvp
_front_batcher(lu_p)


def lu_solve(lu, permutation, b, trans=0):
    """Solves a x = b (trans=0), a^T x = b (1) or a^H x = b (2) from lu(a) (square a).
    b is (..., m) (when its rank is one less than lu's) or (..., m, k)."""
    lu, b = as_operand(lu), as_operand(b)
    vector = len(_shape(b)) == len(_shape(lu)) - 1
    if vector:
        b = st.expand_dims(b, (len(_shape(b)),))
    dt = _dtype(lu)
    P = _permutation_matrix(permutation, dt)
    if trans == 0:
        x = _mm(P, b)
        x = triangular_solve(lu, x, left_side=True, lower=True, unit_diagonal=True)
        x = triangular_solve(lu, x, left_side=True, lower=False)
    else:
        conj = trans == 2
        x = triangular_solve(lu, b, left_side=True, lower=False, transpose_a=True,
                             conjugate_a=conj)  # fmt: skip
        x = triangular_solve(lu, x, left_side=True, lower=True, transpose_a=True,
                             conjugate_a=conj, unit_diagonal=True)  # fmt: skip
        x = _mm(_mT(P), x)
    if vector:
        x = st.squeeze(x, (len(_shape(x)) - 1,))
    return x


def solve(a, b):
    """Solves a x = b for square a (..., m, m) and b (..., m, k) with equal leading dims, via
    lu and two triangular solves."""
    lu_, _, perm = lu(a)
    return lu_solve(lu_, perm, b)


# ---------------------------------------------------------------------------------------------
# eig: eigenvalues w and (optionally) left and right eigenvectors of general square matrices;
# complex results (float32 -> complex64). The primitive returns [w, vl?, vr?]; eigenvectors are
# columns of unit 2-norm (LAPACK geev's normalisation).


def _complex_dtype(dt):
    return np.dtype(np.complex128 if np.dtype(dt) in (np.float64, np.complex128) else np.complex64)


def _eig_impl(x, compute_left_eigenvectors, compute_right_eigenvectors):
    cdt = _complex_dtype(x.dtype)
    *batch, n, _ = x.shape
    w = np.zeros((*batch, n), cdt)
    vl, vr = np.zeros(x.shape, cdt), np.zeros(x.shape, cdt)
    for idx in np.ndindex(*batch):
        if not n:
            break
        if np.all(np.isfinite(x[idx])):
            w[idx], vl[idx], vr[idx] = scipy.linalg.eig(x[idx], left=True, right=True,
                                                        check_finite=False)  # fmt: skip
        else:
            w[idx], vl[idx], vr[idx] = np.nan, np.nan, np.nan
    outs = [w]
    if compute_left_eigenvectors:
        outs.append(vl)
    if compute_right_eigenvectors:
        outs.append(vr)
    return outs


def _eig_abstract(x, compute_left_eigenvectors, compute_right_eigenvectors):
    _check_matrix("eig", x)
    cdt = _complex_dtype(x.dtype)
    v = core.ShapedArray(x.shape, cdt)
    nv = int(compute_left_eigenvectors) + int(compute_right_eigenvectors)
    return [core.ShapedArray(x.shape[:-1], cdt)] + [v] * nv


eig_p = standard_primitive("eig", _lapack(_eig_impl), _eig_abstract, multiple_results=True)


def eig(x, *, compute_left_eigenvectors=True, compute_right_eigenvectors=True,
        enable_eigvec_derivs=False, implementation=None, use_magma=None):  # fmt: skip
    """Eigendecomposition of general square matrices (..., n, n): [w, vl, vr] (the eigenvector
    arrays only when asked for), complex; x vr = vr diag(w) and vl^H x = diag(w) vl^H.
    Eigenvalues and right eigenvectors are differentiable (eigenvectors for distinct eigenvalues,
    in the gauge that keeps their norm; enable_eigvec_derivs is accepted for compatibility)."""
    x = as_operand(x)
    if core.get_aval(x).dtype in _LOW:
        x = st.convert_element_type(x, dtypes.float32)
    return list(eig_p.bind(x, compute_left_eigenvectors=bool(compute_left_eigenvectors),
                           compute_right_eigenvectors=bool(compute_right_eigenvectors)))  # fmt: skip


def _eig_jvp(primals, tangents, compute_left_eigenvectors, compute_right_eigenvectors):
    # with x = v diag(w) v^{-1}: dw = diag(v^{-1} dx v) and, for distinct w,
    # dv = v (F * (v^{-1} dx v)), F_ij = 1 / (w_j - w_i) off the diagonal, then the component
    # along each v_j that changes its norm is removed (unit-norm gauge)
    if compute_left_eigenvectors:
        raise NotImplementedError(
            "the derivative of eig's left eigenvectors is not implemented; call eig with "
            "compute_left_eigenvectors=False to differentiate eigenvalues and right eigenvectors"
        )
    (x,), (dx,) = primals, tangents
    outs = eig_p.bind(x, compute_left_eigenvectors=False, compute_right_eigenvectors=True)
    w, v = outs
    cdt = _dtype(v)
    dx = st.convert_element_type(dx, cdt)
    vinv_dx_v = solve(v, _mm(dx, v))
    dw = _diag(vinv_dx_v)
    if not compute_right_eigenvectors:
        return [w], [dw]
    shape = _shape(v)
    eye = _eye(shape[-1], shape[-1], cdt, shape[:-2])
    diff = ew.sub(_bcast_last(w, shape, -2), _bcast_last(w, shape, -1))
    F = ew.sub(ew.div(_scalar(eye, 1), ew.add(eye, diff)), eye)
    dv = _mm(v, ew.mul(F, vinv_dx_v))
    # remove Re(v_j^H dv_j) v_j so that |v_j| stays 1
    proj = red.reduce_sum(ew.mul(ew.conj(v), dv), (len(shape) - 2,))
    proj = st.convert_element_type(ew.real(proj), cdt)
    dv = ew.sub(dv, ew.mul(v, _bcast_last(proj, shape, -2)))
    return [w, v], [dw, dv]


ad.jvp_rules[eig_p] = _eig_jvp
_front_batcher(eig_p)

# ---------------------------------------------------------------------------------------------
# schur: x = z t z^H with z unitary and t upper (quasi-)triangular: the real Schur form for real
# x, the complex one for complex x. Returns (t, z). Not differentiable (as in JAX).


def _schur_impl(x, compute_schur_vectors):
    t, z = np.zeros(x.shape, x.dtype), np.zeros(x.shape, x.dtype)
    output = "complex" if x.dtype.kind == "c" else "real"
    for idx in np.ndindex(*x.shape[:-2]):
        if x.shape[-1] == 0:
            break
        if np.all(np.isfinite(x[idx])):
            t[idx], z[idx] = scipy.linalg.schur(x[idx], output=output, check_finite=False)
        else:
            t[idx], z[idx] = np.nan, np.nan
    return [t, z] if compute_schur_vectors else [t]


def _schur_abstract(x, compute_schur_vectors):
    _check_matrix("schur", x)
    x = x.strip_weak_type()
    return [x, x] if compute_schur_vectors else [x]


schur_p = standard_primitive("schur", _lapack(_schur_impl), _schur_abstract,
                             multiple_results=True)  # fmt: skip


def schur(x, *, compute_schur_vectors=True, sort_eig_vals=False, select_callable=None):
    """Schur decomposition of square matrices (..., n, n): (t, z) with x = z t z^H (t alone
    without compute_schur_vectors). Real input gives the real Schur form."""
    if sort_eig_vals or select_callable is not None:
        raise NotImplementedError("schur: sort_eig_vals / select_callable are not supported")
    outs = schur_p.bind(as_operand(x), compute_schur_vectors=bool(compute_schur_vectors))
    return tuple(outs) if compute_schur_vectors else outs[0]


def _no_derivative(name, hint=""):
    def rule(primals, tangents, **params):
        raise NotImplementedError(f"the derivative of {name} is not implemented (as in JAX){hint}")

    return rule


ad.jvp_rules[schur_p] = _no_derivative(
    "schur", "; functions built on it (sqrtm, funm, rsf2csf) are not differentiable either"
)
_front_batcher(schur_p)

# ---------------------------------------------------------------------------------------------
# hessenberg: x = q h q^H with q unitary and h upper Hessenberg. Returns (h, q) directly
# (jax.lax.linalg.hessenberg returns packed Householder reflectors instead, hence another name).
# Not differentiable.


def _hessenberg_impl(x):
    h, q = np.zeros(x.shape, x.dtype), np.zeros(x.shape, x.dtype)
    for idx in np.ndindex(*x.shape[:-2]):
        if x.shape[-1] == 0:
            break
        if np.all(np.isfinite(x[idx])):
            h[idx], q[idx] = scipy.linalg.hessenberg(x[idx], calc_q=True, check_finite=False)
        else:
            h[idx], q[idx] = np.nan, np.nan
    return [h, q]


def _hessenberg_abstract(x):
    _check_matrix("hessenberg", x)
    x = x.strip_weak_type()
    return [x, x]


hessenberg_p = standard_primitive("hessenberg", _lapack(_hessenberg_impl), _hessenberg_abstract,
                                  multiple_results=True)  # fmt: skip


def hessenberg_q(x):
    """Hessenberg decomposition of square matrices (..., n, n): (h, q) with x = q h q^H."""
    h, q = hessenberg_p.bind(as_operand(x))
    return h, q


ad.jvp_rules[hessenberg_p] = _no_derivative("hessenberg")
_front_batcher(hessenberg_p)


# ---------------------------------------------------------------------------------------------
# algorithm choices of eig / eigh / svd (accepted for compatibility; LAPACK runs every one)


class EigImplementation(enum.Enum):
    """Eigendecomposition backend choice (jtrans always uses LAPACK through SciPy)."""

    CUSOLVER = "cusolver"
    MAGMA = "magma"
    LAPACK = "lapack"


class EighImplementation(enum.Enum):
    """Symmetric eigendecomposition algorithm choice (a hint here)."""

    QR = "qr"
    JACOBI = "jacobi"
    QDWH = "qdwh"


class SvdAlgorithm(enum.Enum):
    """SVD algorithm choice (a hint here)."""

    DEFAULT = "default"
    QR = "QR"
    JACOBI = "Jacobi"
    POLAR = "polar"
    DIVIDE_AND_CONQUER = "divide_and_conquer"


def _lapack_multi(f):
    """Impl wrapper for several operands: half precision computed in float32 and cast back."""

    def impl(*xs, **params):
        dt = xs[0].dtype
        if dt not in _LOW:
            return f(*xs, **params)
        return f(*[x.astype(np.float32) for x in xs], **params).astype(dt)

    return impl


# ---------------------------------------------------------------------------------------------
# lu_pivots_to_permutation for traced pivots: the row swaps i <-> pivots[..., i] applied in
# order to iota(m), as a fori_loop whose body reads and writes by one-hot masks (so it batches)


def _swaps_to_permutation(pivots, m):
    from .control_flow import fori_loop

    pshape = _shape(pivots)
    batch, k = pshape[:-1], pshape[-1]
    nb = len(batch)
    perm = st.broadcasted_iota(np.int32, tuple(batch) + (m,), nb)
    pos = st.broadcasted_iota(np.int32, tuple(batch) + (m,), nb)
    kpos = st.broadcasted_iota(np.int32, pshape, nb)

    def pick(x, where):  # x[..., where] for a one-hot mask `where` on the last axis
        return red.reduce_sum(st.select(where, x, st.full_like(x, 0)), (nb,))

    def body(i, perm):
        i = st.convert_element_type(i, np.int32)  # (an int64 counter under x64)
        j = pick(pivots, ew.eq(kpos, i))
        at_i, at_j = (
            ew.eq(pos, i),
            ew.eq(pos, st.broadcast_in_dim(j, _shape(perm), tuple(range(nb)))),
        )
        pi = st.broadcast_in_dim(pick(perm, at_i), _shape(perm), tuple(range(nb)))
        pj = st.broadcast_in_dim(pick(perm, at_j), _shape(perm), tuple(range(nb)))
        return st.select(at_i, pj, st.select(at_j, pi, perm))

    return fori_loop(0, k, body, perm)


def lu_pivots_to_permutation(pivots, permutation_size):
    """The permutation (int32, (..., permutation_size)) that LAPACK's row swaps `pivots`
    (int32, (..., k), k <= permutation_size) make of iota: swap i <-> pivots[..., i] in order."""
    m = int(permutation_size)
    pivots = as_operand(pivots)
    k = _shape(pivots)[-1] if _shape(pivots) else 0
    if not _shape(pivots) or k > m:
        raise JTransValueError(
            f"lu_pivots_to_permutation: pivots of shape (..., k) with k <= permutation_size "
            f"required, got shape {_shape(pivots)} and permutation_size={m}"
        )
    if k == 0:
        return st.broadcasted_iota(np.int32, _shape(pivots)[:-1] + (m,), len(_shape(pivots)) - 1)
    if not isinstance(pivots, core.Tracer):
        return as_operand(_pivots_to_permutation(np.asarray(pivots._value, np.int32), m))
    if core.get_aval(pivots).dtype != dtypes.int32:
        pivots = st.convert_element_type(pivots, dtypes.int32)
    return _swaps_to_permutation(pivots, m)


# ---------------------------------------------------------------------------------------------
# Householder reflectors (LAPACK's geqrf storage): H_i = I - tau_i v_i v_i^H with v_i[i] = 1,
# v_i[:i] = 0 and v_i[i+1:] = a[i+1:, i]. householder_product and ormqr apply them one by one
# (a static loop of rank-1 updates written with lax), so both differentiate and batch.


def _reflector(a, i):
    """v_i (..., m) from the packed reflectors a (..., m, n)."""
    nd = len(_shape(a))
    col = st.index_in_dim(a, i, nd - 1, keepdims=False)
    rows = st.broadcasted_iota(np.int32, _shape(col), nd - 2)
    one = st.full_like(col, 1)
    return st.select(ew.lt(rows, np.int32(i)), st.full_like(col, 0),
                     st.select(ew.eq(rows, np.int32(i)), one, col))  # fmt: skip


def _conj(x):
    return ew.conj(x) if dtypes.is_complex(_dtype(x)) else x


def _apply_reflector(c, v, tau, left):
    """(I - tau v v^H) c (left) or c (I - tau v v^H) (right), c (..., r, s), v (..., m)."""
    cs = _shape(c)
    nb = len(cs) - 2
    bd = tuple(range(nb))
    if left:  # w = v^H c (..., s); c - tau v w
        vb = st.broadcast_in_dim(_conj(v), cs, bd + (nb,))
        w = red.reduce_sum(ew.mul(vb, c), (nb,))
        outer = ew.mul(
            st.broadcast_in_dim(v, cs, bd + (nb,)), st.broadcast_in_dim(w, cs, bd + (nb + 1,))
        )
    else:  # w = c v (..., r); c - tau w v^H
        vb = st.broadcast_in_dim(v, cs, bd + (nb + 1,))
        w = red.reduce_sum(ew.mul(c, vb), (nb + 1,))
        outer = ew.mul(
            st.broadcast_in_dim(w, cs, bd + (nb,)),
            st.broadcast_in_dim(_conj(v), cs, bd + (nb + 1,)),
        )
    return ew.sub(c, ew.mul(st.broadcast_in_dim(tau, cs, bd), outer))


def _check_reflectors(name, a, taus):
    sa, st_ = _shape(a), _shape(taus)
    if len(sa) < 2 or st_[:-1] != sa[:-2] or st_[-1] > min(sa[-2:]):
        raise JTransValueError(
            f"{name}: a must be (..., m, n) and taus (..., k) with k <= min(m, n) and the same "
            f"leading dims, got shapes {sa} and {st_}"
        )


def householder_product(a, taus):
    """The first n columns (..., m, n) of Q = H_1 ... H_k for the reflectors in a (..., m, n)
    and their factors taus (..., k) (LAPACK orgqr / ungqr)."""
    a, taus = as_operand(a), as_operand(taus)
    _check_reflectors("householder_product", a, taus)
    *batch, m, n = _shape(a)
    q = _eye(m, n, _dtype(a), batch)
    nd = len(_shape(taus))
    for i in reversed(range(_shape(taus)[-1])):
        tau = st.index_in_dim(taus, i, nd - 1, keepdims=False)
        q = _apply_reflector(q, _reflector(a, i), tau, True)
    return q


def ormqr(a, taus, c, *, left=True, transpose=False):
    """Q @ c, Q^H @ c (left), c @ Q or c @ Q^H (right) for Q = H_1 ... H_k given as reflectors
    a (..., m, n) and taus (..., k), without forming Q (LAPACK ormqr / unmqr)."""
    a, taus, c = as_operand(a), as_operand(taus), as_operand(c)
    _check_reflectors("ormqr", a, taus)
    k = _shape(taus)[-1]
    m = _shape(a)[-2]
    if _shape(c)[-2 if left else -1] != m:
        raise JTransValueError(
            f"ormqr: c of shape {_shape(c)} does not fit Q of size {m} (left={left})"
        )
    nd = len(_shape(taus))
    # Q c = H_1 (... (H_k c)); Q^H c = H_k^H (... (H_1^H c)); c Q = ((c H_1) ...) H_k
    order = range(k) if left == bool(transpose) else reversed(range(k))
    for i in order:
        tau = st.index_in_dim(taus, i, nd - 1, keepdims=False)
        c = _apply_reflector(c, _reflector(a, i), _conj(tau) if transpose else tau, left)
    return c


# ---------------------------------------------------------------------------------------------
# hessenberg (JAX's form): (a, taus) with the upper Hessenberg matrix in the upper triangle and
# first subdiagonal and the Householder reflectors below it (LAPACK gehrd). Not differentiable.


def _gehrd_impl(x):
    n = x.shape[-1]
    out, taus = x.copy(), np.zeros(x.shape[:-1][:-1] + (max(n - 1, 0),), x.dtype)
    if n == 0:
        return [out, taus]
    (gehrd,) = scipy.linalg.lapack.get_lapack_funcs(("gehrd",), (x,))
    for idx in np.ndindex(*x.shape[:-2]):
        if np.all(np.isfinite(x[idx])):
            ht, tau, _ = gehrd(x[idx])
            out[idx], taus[idx] = ht, tau[: n - 1]
        else:
            out[idx], taus[idx] = np.nan, np.nan
    return [out, taus]


def _gehrd_abstract(x):
    _check_matrix("hessenberg", x)
    n = x.shape[-1]
    x = x.strip_weak_type()
    return [x, core.ShapedArray(x.shape[:-2] + (max(n - 1, 0),), x.dtype)]


hessenberg_reflectors_p = standard_primitive("hessenberg_reflectors", _lapack(_gehrd_impl),
                                             _gehrd_abstract, multiple_results=True)  # fmt: skip
ad.jvp_rules[hessenberg_reflectors_p] = _no_derivative("hessenberg", " (use hessenberg_q)")
_front_batcher(hessenberg_reflectors_p)


def hessenberg(a):
    """Reduces square matrices to upper Hessenberg form: (a, taus) with the Hessenberg matrix in
    the upper triangle and first subdiagonal of `a` and the Householder reflectors below (their
    factors in taus, (..., n - 1)); Q = householder_product of the reflectors shifted down one
    row. `hessenberg_q` returns (h, q) directly."""
    return tuple(hessenberg_reflectors_p.bind(as_operand(a)))


# ---------------------------------------------------------------------------------------------
# tridiagonal: Hermitian x = Q T Q^H with T tridiagonal (LAPACK sytrd / hetrd): (a, d, e, taus),
# the tridiagonal in a's diagonal and first sub- (lower) or super- (upper) diagonal, d and e
# (real) its diagonals, the reflectors in the rest of the triangle. Not differentiable.


def _sytrd_impl(x, lower):
    n = x.shape[-1]
    rdt = _real_dtype(x.dtype)
    out = x.copy()
    d = np.zeros(x.shape[:-1], rdt)
    e = np.zeros(x.shape[:-2] + (max(n - 1, 0),), rdt)
    taus = np.zeros(x.shape[:-2] + (max(n - 1, 0),), x.dtype)
    if n == 0:
        return [out, d, e, taus]
    (trd,) = scipy.linalg.lapack.get_lapack_funcs(
        ("hetrd" if x.dtype.kind == "c" else "sytrd",), (x,)
    )
    for idx in np.ndindex(*x.shape[:-2]):
        c, d[idx], e[idx], tau, _ = trd(x[idx], lower=int(lower))
        out[idx], taus[idx] = c, tau[: n - 1]
    return [out, d, e, taus]


def _sytrd_abstract(x, lower):
    _check_matrix("tridiagonal", x)
    n = x.shape[-1]
    x = x.strip_weak_type()
    rdt = _real_dtype(x.dtype)
    k = x.shape[:-2] + (max(n - 1, 0),)
    return [x, core.ShapedArray(x.shape[:-1], rdt), core.ShapedArray(k, rdt),
            core.ShapedArray(k, x.dtype)]  # fmt: skip


tridiagonal_p = standard_primitive("tridiagonal", _lapack(_sytrd_impl), _sytrd_abstract,
                                   multiple_results=True)  # fmt: skip
ad.jvp_rules[tridiagonal_p] = _no_derivative("tridiagonal")
_front_batcher(tridiagonal_p)


def tridiagonal(a, *, lower=True):
    """Reduces Hermitian matrices to tridiagonal form: (a, d, e, taus) (see LAPACK sytrd)."""
    return tuple(tridiagonal_p.bind(as_operand(a), lower=bool(lower)))


# ---------------------------------------------------------------------------------------------
# tridiagonal_solve: A x = b for tridiagonal A given by dl (A[i, i-1], dl[0] = 0), d (A[i, i])
# and du (A[i, i+1], du[m-1] = 0), all (..., m), b (..., m, n); LAPACK gtsv (partial pivoting).
# Linear in b. With x = A^{-1} b: x' = A^{-1} (b' - A' x); transpose in b: a solve with A^T,
# whose sub-diagonal is du shifted down one and super-diagonal dl shifted up one.


def _gtsv_impl(dl, d, du, b, perturb_singular):
    out = np.zeros(b.shape, b.dtype)
    m = d.shape[-1]
    if m == 0 or b.size == 0:
        return out
    if m == 1:  # (SciPy's gtsv wrapper rejects empty off-diagonals)
        return b / d[..., None]
    (gtsv,) = scipy.linalg.lapack.get_lapack_funcs(("gtsv",), (d, b))
    for idx in np.ndindex(*d.shape[:-1]):
        *_, x, info = gtsv(dl[idx][1:], d[idx], du[idx][:-1], b[idx])
        out[idx] = x if info == 0 else np.nan
    return out


def _gtsv_abstract(dl, d, du, b, perturb_singular):
    for name, v in (("dl", dl), ("du", du)):
        if v.shape != d.shape or v.dtype != d.dtype:
            raise JTransTypeError(
                f"tridiagonal_solve: {name} must have the shape and dtype of d {d.shape} "
                f"{d.dtype}, got {v.shape} {v.dtype}"
            )
    check_dtype_kind("tridiagonal_solve", d, "fc")
    if b.ndim != d.ndim + 1 or b.shape[:-1] != d.shape or b.dtype != d.dtype:
        raise JTransTypeError(
            f"tridiagonal_solve: b must be (..., m, n) of d's dtype with d (..., m), got b "
            f"{b.shape} {b.dtype} and d {d.shape} {d.dtype}"
        )
    return b.strip_weak_type()


tridiagonal_solve_p = standard_primitive("tridiagonal_solve", _lapack_multi(_gtsv_impl),
                                         _gtsv_abstract)  # fmt: skip


def tridiagonal_solve(dl, d, du, b, *, perturb_singular=False):
    """Solves A x = b for tridiagonal A (diagonals dl, d, du of shape (..., m), dl[0] and
    du[m-1] ignored) and b (..., m, n). Singular systems give NaNs."""
    dl, d, du, b = (as_operand(v) for v in (dl, d, du, b))
    return tridiagonal_solve_p.bind(dl, d, du, b, perturb_singular=bool(perturb_singular))


def _shift_rows(x, down):
    """x (..., m, n) moved one row down (row i holds x[i-1], row 0 zero) or up."""
    nd = len(_shape(x))
    cfg = [(0, 0, 0)] * nd
    cfg[nd - 2] = (1, -1, 0) if down else (-1, 1, 0)
    return st.pad(x, _scalar(x, 0), cfg)


def _shift_vec(v, down):
    nd = len(_shape(v))
    cfg = [(0, 0, 0)] * nd
    cfg[nd - 1] = (1, -1, 0) if down else (-1, 1, 0)
    return st.pad(v, _scalar(v, 0), cfg)


def _tridiagonal_matmul(dl, d, du, x):
    """A x for tridiagonal A and x (..., m, n)."""

    def col(v):  # v (..., m) as a column broadcast over x's n columns
        return st.broadcast_in_dim(v, _shape(x), tuple(range(len(_shape(v)))))

    return ew.add(ew.add(ew.mul(col(dl), _shift_rows(x, True)), ew.mul(col(d), x)),
                  ew.mul(col(du), _shift_rows(x, False)))  # fmt: skip


def _tridiagonal_solve_jvp(primals, tangents, perturb_singular):
    dl, d, du, b = primals
    x = tridiagonal_solve_p.bind(dl, d, du, b, perturb_singular=perturb_singular)
    ts = [ad.instantiate_zeros(t) for t in tangents[:3]]
    rhs = tangents[3]
    if any(type(t) is not Zero for t in tangents[:3]):
        ax = _tridiagonal_matmul(*ts, x)
        rhs = ew.neg(ax) if type(rhs) is Zero else ew.sub(rhs, ax)
    if type(rhs) is Zero:
        return x, Zero.from_value(x)
    return x, tridiagonal_solve_p.bind(dl, d, du, rhs, perturb_singular=perturb_singular)


def _tridiagonal_solve_transpose(ct, dl, d, du, b, perturb_singular):
    if any(ad.is_undefined_primal(v) for v in (dl, d, du)):
        raise NotImplementedError("tridiagonal_solve is linear only in b")
    if type(ct) is Zero:
        return [None, None, None, ct]
    # A^T: sub-diagonal du[i-1], super-diagonal dl[i+1]
    ct_b = tridiagonal_solve_p.bind(_shift_vec(du, True), d, _shift_vec(dl, False), ct,
                                    perturb_singular=perturb_singular)  # fmt: skip
    return [None, None, None, ct_b]


ad.jvp_rules[tridiagonal_solve_p] = _tridiagonal_solve_jvp
ad.transpose_rules[tridiagonal_solve_p] = _tridiagonal_solve_transpose
_front_batcher(tridiagonal_solve_p)


# ---------------------------------------------------------------------------------------------
# cholesky_update: the upper factor R' of R'^T R' = R^T R + w w^T from upper R (..., n, n) and
# w (..., n), in O(n^2) by rotations. Derivative as for cholesky: with dA = R^T dR + dR^T R +
# w dw^T + dw w^T, dR' = phi(R'^{-T} dA R'^{-1}) R', phi = upper triangle with half diagonal.


def _cholesky_update_impl(r, w):
    r, w = np.triu(r), w.copy()  # only the upper triangle of r is read; the result is upper
    n = r.shape[-1]
    for k in range(n):
        rkk, wk = r[..., k, k], w[..., k]
        nr = np.hypot(rkk, wk)
        c, s = nr / rkk, wk / rkk
        r[..., k, k] = nr
        r[..., k, k + 1 :] = (r[..., k, k + 1 :] + s[..., None] * w[..., k + 1 :]) / c[..., None]
        w[..., k + 1 :] = c[..., None] * w[..., k + 1 :] - s[..., None] * r[..., k, k + 1 :]
    return r


def _cholesky_update_abstract(r, w):
    _check_matrix("cholesky_update", r)
    check_dtype_kind("cholesky_update", r, "f")
    if w.shape != r.shape[:-1] or w.dtype != r.dtype:
        raise JTransTypeError(
            f"cholesky_update: w must be (..., n) of r's dtype for r (..., n, n), got r "
            f"{r.shape} {r.dtype} and w {w.shape} {w.dtype}"
        )
    return r.strip_weak_type()


cholesky_update_p = standard_primitive("cholesky_update", _lapack_multi(_cholesky_update_impl),
                                       _cholesky_update_abstract)  # fmt: skip


def cholesky_update(r_matrix, w_vector):
    """The upper Cholesky factor of R^T R + w w^T, given upper R (..., n, n) and w (..., n)
    (only R's upper triangle is read; the result's lower triangle is zero)."""
    return cholesky_update_p.bind(as_operand(r_matrix), as_operand(w_vector))


def _cholesky_update_jvp(primals, tangents):
    (r, w), (dr, dw) = primals, tangents
    out = cholesky_update_p.bind(r, w)
    if type(dr) is Zero and type(dw) is Zero:
        return out, Zero.from_value(out)
    shape = _shape(r)
    terms = []
    if type(dr) is not Zero:
        rt_dr = _mm(_mT(r), _triu(dr))
        terms += [rt_dr, _mT(rt_dr)]
    if type(dw) is not Zero:
        w_dw = ew.mul(_bcast_last(w, shape, -1), _bcast_last(dw, shape, -2))
        terms += [w_dw, _mT(w_dw)]
    da = terms[0]
    for t in terms[1:]:
        da = ew.add(da, t)
    tmp = triangular_solve(out, da, left_side=True, lower=False, transpose_a=True)
    tmp = triangular_solve(out, tmp, left_side=False, lower=False)
    half_diag = st.select(_eye_mask(shape), ew.mul(tmp, _scalar(tmp, 0.5)), st.full_like(tmp, 0))
    return out, _mm(ew.add(_triu(tmp, 1), half_diag), out)


ad.jvp_rules[cholesky_update_p] = _cholesky_update_jvp
_front_batcher(cholesky_update_p)


# ---------------------------------------------------------------------------------------------
# symmetric_product: alpha a a^T + beta c (a composition; the whole result is computed, so it
# is valid in both triangles)


def symmetric_product(a_matrix, c_matrix, *, alpha=1.0, beta=0.0, symmetrize_output=False):
    """alpha A A^T + beta C for A (..., m, n) and symmetric C (..., m, m)."""
    a, c = as_operand(a_matrix), as_operand(c_matrix)
    out = _mm(a, _mT(a))
    if alpha != 1.0:
        out = ew.mul(_scalar(out, alpha), out)
    if beta != 0.0:
        out = ew.add(out, ew.mul(_scalar(c, beta), c))
    if symmetrize_output:
        out = ew.add(_tril(out), _mT(_tril(out, -1)))
    return out


# ---------------------------------------------------------------------------------------------
# qdwh: the polar decomposition x = u h (u with orthonormal columns, h Hermitian PSD) of a full
# rank (m, n) matrix, m >= n, by the QR-based dynamically weighted Halley iteration
# (Nakatsukasa, Bai & Gygi 2010). The weights depend only on eps, so their schedule is static:
# QR steps while c is large, Cholesky steps after, then Halley steps in a while_loop until the
# iterate stops moving, then one Newton-Schulz refinement.


def _qdwh_qr_step(u, a, b, c):
    m, n = _shape(u)
    dt = _dtype(u)
    y = st.concatenate([ew.mul(_scalar(u, np.sqrt(c)), u), _eye(n, n, dt)], 0)
    q, _ = qr(y, full_matrices=False)
    q1, q2 = st.slice(q, (0, 0), (m, n)), st.slice(q, (m, 0), (m + n, n))
    e = b / c
    return ew.add(
        ew.mul(_scalar(u, e), u), ew.mul(_scalar(u, (a - e) / np.sqrt(c)), _mm(q1, _H(q2)))
    )


def _qdwh_chol_step(u, a, b, c):
    n = _shape(u)[1]
    e = b / c
    x = ew.add(ew.mul(_scalar(u, c), _mm(_H(u), u)), _eye(n, n, _dtype(u)))
    y = cholesky_p.bind(x)
    z = triangular_solve(y, _H(u), left_side=True, lower=True)
    z = triangular_solve(y, z, left_side=True, lower=True, transpose_a=True, conjugate_a=True)
    return ew.add(ew.mul(_scalar(u, e), u), ew.mul(_scalar(u, a - e), _H(z)))


def qdwh(x, *, is_hermitian=False, max_iterations=None, eps=None, dynamic_shape=None):
    """Polar decomposition of a full-rank matrix x (m, n), m >= n, by QDWH:
    (u, h, num_iters, is_converged) with x = u h."""
    from .control_flow import while_loop

    x = as_operand(x)
    if len(_shape(x)) != 2:
        raise JTransValueError(f"qdwh expects a matrix (m, n), got shape {_shape(x)}; use vmap")
    M, N = _shape(x)
    if M < N:
        raise JTransValueError("The input matrix of shape M x N must have M >= N.")
    max_iterations = 10 if max_iterations is None else int(max_iterations)
    dt = _dtype(x)
    if dynamic_shape is not None:
        m, n = dynamic_shape
        mask = ew.bitwise_and(ew.lt(st.broadcasted_iota(np.int32, (M, N), 0), np.int32(m)),
                              ew.lt(st.broadcasted_iota(np.int32, (M, N), 1), np.int32(n)))  # fmt: skip
        x = st.select(mask, x, st.full_like(x, 0))
    eps = float(dtypes.finfo(_real_dtype(dt)).eps) if eps is None else float(eps)
    ax = ew.abs(x)
    one_norm = red.reduce_max(red.reduce_sum(ax, (0,)), (0,))
    inf_norm = red.reduce_max(red.reduce_sum(ax, (1,)), (0,))
    scale = ew.mul(ew.rsqrt(one_norm), ew.rsqrt(inf_norm))
    scale = st.select(ew.eq(one_norm, _scalar(one_norm, 0)), _scalar(scale, 1), scale)
    u = ew.mul(x, st.broadcast_in_dim(st.convert_element_type(scale, dt), (M, N), ()))
    tol_l = 10.0 * eps / 2.0
    tol_norm = np.cbrt(tol_l)

    def frob(v):
        return ew.sqrt(red.reduce_sum(_real(ew.mul(v, _conj(v))), (0, 1)))

    def moved(new, old):  # the iterate still moves (JAX's absolute test)
        return ew.gt(frob(ew.sub(new, old)), _scalar(frob(old), tol_norm))

    moving = st.full((), True, dtypes.bool_)
    lo, k = eps, 0
    while lo + tol_l < 1 and k < max_iterations:
        k += 1
        l2 = lo * lo
        dd = (4 * (1 / l2 - 1) / l2) ** (1 / 3)
        sqd = np.sqrt(1.0 + dd)
        a = sqd + np.sqrt(2 - dd + 2 * (2 - l2) / (l2 * sqd))
        b = (a - 1) ** 2 / 4
        c = a + b - 1
        lo = lo * (a + b * l2) / (1 + c * l2)
        if c > 100:
            u = _qdwh_qr_step(u, a, b, c)
        else:
            u, prev = _qdwh_chol_step(u, a, b, c), u
            moving = moved(u, prev)

    def cond(state):
        i, _, moving = state
        return ew.bitwise_and(moving, ew.lt(i, np.int32(max_iterations)))

    def body(state):  # Halley's method: the weights' limit (a, b, c) = (3, 1, 3)
        i, u, _ = state
        new = _qdwh_chol_step(u, 3.0, 1.0, 3.0)
        return ew.add(i, np.int32(1)), new, moved(new, u)

    num_iters, u, moving = while_loop(cond, body, (np.int32(k), u, moving))
    u = ew.sub(ew.mul(_scalar(u, 1.5), u), ew.mul(_scalar(u, 0.5), _mm(u, _mm(_H(u), u))))
    h = _mm(_H(u), x)
    h = ew.mul(ew.add(h, _H(h)), _scalar(h, 0.5))
    return u, h, num_iters, ew.bitwise_not(moving)


# dot_general and dot are lax functions; the decompositions live under lax.linalg only
__all__ = ["Precision", "batch_matmul", "dot", "dot_general", "dot_general_p"]
