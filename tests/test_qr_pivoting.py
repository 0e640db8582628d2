"""Column-pivoted QR: jtrans.scipy.linalg.qr / qr_multiply and lax.linalg.qr with pivoting=True.

Checked against scipy.linalg (LAPACK geqp3, as JAX's CPU path): the permutation p (int32, also
under x64) with a[..., p] == q @ r, the factors themselves, jit, vmap against a Python loop,
leading batch dims, and derivatives (the permutation is piecewise constant, so the derivative is
that of qr(a[..., p]) with p held fixed, as in JAX's qr JVP rule).
"""

import numpy as np
import pytest
import scipy.linalg as S

import jtrans
import jtrans.numpy as jnp
import jtrans.scipy.linalg as L
from jtrans import lax
from jtrans.test_util import check_grads

SHAPES = [(4, 3), (3, 3), (3, 5), (6, 1), (1, 4)]
MODES = ["full", "economic", "r"]


def _mat(rng, shape, dtype=np.float64):
    """Well-conditioned matrices with clearly distinct pivot choices (singular values 1..2)."""
    *batch, m, n = shape
    k = min(m, n)
    cplx = np.dtype(dtype).kind == "c"

    def orth(rows):
        z = rng.standard_normal((*batch, rows, k))
        if cplx:
            z = z + 1j * rng.standard_normal(z.shape)
        return np.linalg.qr(z)[0]

    sv = np.linspace(2.0, 1.0, k) if k else np.zeros(0)
    return ((orth(m) * sv) @ np.conj(np.swapaxes(orth(n), -1, -2))).astype(dtype)


def _tol(dtype):
    return 1e-4 if np.dtype(dtype) in (np.float32, np.complex64) else 1e-10


def _scipy_qr(a, mode):
    """scipy.linalg.qr(pivoting=True) over leading batch dims."""
    batch = a.shape[:-2]
    per = [S.qr(a[idx], mode=mode, pivoting=True) for idx in np.ndindex(*batch)]
    return [np.stack([o[i] for o in per]).reshape(*batch, *per[0][i].shape)
            for i in range(len(per[0]))]  # fmt: skip


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("shape", SHAPES + [(2, 4, 3), (2, 1, 3, 5)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex64])
def test_matches_scipy(request, rng, shape, mode, dtype):
    if dtype == np.float64:
        request.getfixturevalue("x64")
    a = _mat(rng, shape, dtype)
    out = L.qr(a, mode=mode, pivoting=True)
    want = _scipy_qr(a, mode)
    assert isinstance(out, tuple) and len(out) == len(want) == (2 if mode == "r" else 3)
    for got, ref in zip(out, want):
        assert got.shape == ref.shape
        assert got.dtype == ref.dtype, (got.dtype, ref.dtype)
        np.testing.assert_allclose(np.asarray(got), ref, atol=_tol(dtype), rtol=_tol(dtype))
    p = np.asarray(out[-1])
    assert p.dtype == np.int32
    assert (np.sort(p, axis=-1) == np.arange(shape[-1])).all()  # a permutation


@pytest.mark.parametrize("shape", SHAPES + [(3, 2, 4)])
def test_factorization_properties(rng, shape):
    a = rng.standard_normal(shape).astype(np.float32)
    q, r, p = (np.asarray(x) for x in L.qr(a, mode="economic", pivoting=True))
    ap = np.take_along_axis(a, np.broadcast_to(p[..., None, :], a.shape), axis=-1)
    np.testing.assert_allclose(q @ r, ap, atol=1e-5)
    assert np.allclose(np.triu(r), r)
    d = np.abs(np.diagonal(r, axis1=-2, axis2=-1))
    assert (np.diff(d, axis=-1) <= 1e-5).all()  # |diag(r)| non-increasing
    k = min(shape[-2:])
    np.testing.assert_allclose(
        np.swapaxes(q, -1, -2) @ q, np.broadcast_to(np.eye(k), shape[:-2] + (k, k)), atol=1e-5
    )


def test_p_is_int32_under_x64_and_integer_input_promotes(x64):
    _, r, p = L.qr(np.arange(12).reshape(4, 3), pivoting=True)
    assert (r.dtype, p.dtype) == (np.float64, np.int32)
    np.testing.assert_array_equal(p, S.qr(np.arange(12.0).reshape(4, 3), pivoting=True)[2])
    (r32,) = L.qr(np.arange(12).reshape(4, 3), mode="r")  # unpivoted 'r' stays a 1-tuple
    assert r32.dtype == np.float64


def test_rank_deficient_column_goes_last(rng):
    a = rng.standard_normal((5, 3)).astype(np.float32)
    a = np.concatenate([a, a[:, :1] + a[:, 1:2]], axis=1)  # column 3 = col 0 + col 1: rank 3
    r, p = L.qr(a, mode="r", pivoting=True)
    np.testing.assert_array_equal(p, S.qr(a, mode="r", pivoting=True)[1])
    assert abs(float(r[3, 3])) < 1e-5 * abs(float(r[0, 0]))  # rank revealed in the last pivot


@pytest.mark.parametrize("shape", [(0, 3), (3, 0), (0, 0), (2, 0, 3)])
@pytest.mark.parametrize("mode", MODES)
def test_zero_size(shape, mode):
    a = np.zeros(shape, np.float32)
    out = L.qr(a, mode=mode, pivoting=True)
    m, n = shape[-2:]
    k = {"full": m, "r": m, "economic": min(m, n)}[mode]
    if mode != "r":
        assert out[0].shape == shape[:-2] + (m, k)
    assert out[-2].shape == shape[:-2] + (k, n)
    # the identity permutation (scipy's answer), a valid permutation
    np.testing.assert_array_equal(out[-1], np.broadcast_to(np.arange(n), shape[:-2] + (n,)))
    out_jit = jtrans.jit(lambda x: L.qr(x, mode=mode, pivoting=True))(a)
    for x, y in zip(out, out_jit):
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("dtype", [jnp.float16, jnp.bfloat16])
def test_half_precision_computed_in_float32(rng, dtype):
    a = rng.standard_normal((4, 3)).astype(dtype)
    q, r, p = L.qr(a, pivoting=True)
    assert (q.dtype, r.dtype, p.dtype) == (dtype, dtype, np.int32)
    np.testing.assert_array_equal(p, S.qr(np.asarray(a, np.float32), pivoting=True)[2])


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("shape", [(4, 3), (3, 5), (2, 4, 3)])
def test_jit_matches_eager(rng, shape, mode):
    a = rng.standard_normal(shape).astype(np.float32)
    eager = L.qr(a, mode=mode, pivoting=True)
    jitted = jtrans.jit(lambda x: L.qr(x, mode=mode, pivoting=True))(a)
    for x, y in zip(eager, jitted):
        assert x.dtype == y.dtype and x.shape == y.shape
        np.testing.assert_allclose(np.asarray(x), np.asarray(y), atol=1e-6)


@pytest.mark.parametrize("in_axis", [0, 1, -1])
@pytest.mark.parametrize("mode", MODES)
def test_vmap_matches_loop(rng, in_axis, mode):
    a = rng.standard_normal((3, 4, 5)).astype(np.float32)  # 3 matrices 4x5 along axis 0
    xs = np.moveaxis(a, 0, in_axis)
    got = jtrans.vmap(lambda x: L.qr(x, mode=mode, pivoting=True), in_axes=in_axis)(xs)
    for i in range(3):
        want = L.qr(a[i], mode=mode, pivoting=True)
        for x, y in zip(got, want):
            np.testing.assert_allclose(np.asarray(x[i]), np.asarray(y), atol=1e-6)
    assert got[-1].dtype == np.int32
    # leading batch dims give the same as vmap
    for x, y in zip(got, L.qr(a, mode=mode, pivoting=True)):
        np.testing.assert_allclose(np.asarray(x), np.asarray(y), atol=1e-6)


def test_vmap_of_jit_and_nested_vmap(rng):
    a = rng.standard_normal((2, 3, 5, 4)).astype(np.float32)
    f = jtrans.jit(lambda x: L.qr(x, mode="economic", pivoting=True))
    got = jtrans.vmap(jtrans.vmap(f))(a)
    want = L.qr(a, mode="economic", pivoting=True)
    for x, y in zip(got, want):
        np.testing.assert_allclose(np.asarray(x), np.asarray(y), atol=1e-6)


def test_lax_qr_pivoting(rng):
    a = rng.standard_normal((5, 3)).astype(np.float32)
    out = lax.linalg.qr(a, pivoting=True)
    assert len(out) == 3 and [o.shape for o in out] == [(5, 5), (5, 3), (3,)]
    out = lax.linalg.qr(a, pivoting=True, full_matrices=False)
    assert [o.shape for o in out] == [(5, 3), (3, 3), (3,)]
    assert len(lax.linalg.qr(a)) == 2  # unpivoted: (q, r)
    text = str(jtrans.make_jaxpr(lambda x: lax.linalg.qr(x, pivoting=True))(a))
    assert "pivoting=True" in text and "i32[3]" in text


# ---------------------------------------------------------------------------------------------
# derivatives


@pytest.mark.parametrize("full_matrices", [False, True])
@pytest.mark.parametrize("shape", [(4, 3), (3, 3), (3, 5), (5, 2), (2, 4, 3), (2, 2, 4)])
def test_grads_real(x64, rng, shape, full_matrices):
    a = _mat(rng, shape)

    def f(x):
        q, r, _ = lax.linalg.qr(x, pivoting=True, full_matrices=full_matrices)
        return q, r

    check_grads(f, (a,), order=2)


@pytest.mark.parametrize("full_matrices", [False, True])
@pytest.mark.parametrize("shape", [(4, 3), (3, 3), (2, 4)])
def test_grads_complex(x64, rng, shape, full_matrices):
    a = _mat(rng, shape, np.complex128)

    def f(x):
        q, r, _ = lax.linalg.qr(x, pivoting=True, full_matrices=full_matrices)
        return q, r

    check_grads(f, (a,), order=1)


@pytest.mark.parametrize("shape", [(5, 3), (3, 5)])
@pytest.mark.parametrize("full_matrices", [False, True])
def test_jvp_is_that_of_qr_of_permuted_input(x64, rng, shape, full_matrices):
    a, da = _mat(rng, shape), rng.standard_normal(shape)
    (q, r, p), (dq, dr, dp) = jtrans.jvp(
        lambda x: lax.linalg.qr(x, pivoting=True, full_matrices=full_matrices), (a,), (da,)
    )
    p = np.asarray(p)
    assert not np.asarray(dp).any()  # the integer output's tangent is zero
    (q2, r2), (dq2, dr2) = jtrans.jvp(
        lambda x: lax.linalg.qr(x, full_matrices=full_matrices), (a[:, p],), (da[:, p],)
    )
    for x, y in ((q, q2), (r, r2), (dq, dq2), (dr, dr2)):
        np.testing.assert_allclose(np.asarray(x), np.asarray(y), atol=1e-10)


@pytest.mark.parametrize("full_matrices", [False, True])
@pytest.mark.parametrize("shape", [(3, 5), (5, 3)])
def test_unpivoted_qr_grads_wide_and_full(x64, rng, shape, full_matrices):
    """The JVP rule now also covers wide inputs and full_matrices=True on tall ones (as JAX's)."""
    a = _mat(rng, shape)
    check_grads(lambda x: lax.linalg.qr(x, full_matrices=full_matrices), (a,), order=2)


@pytest.mark.parametrize("mode", MODES)
def test_scipy_qr_grad_all_modes(x64, rng, mode):
    a = _mat(rng, (5, 3))
    check_grads(lambda x: L.qr(x, mode=mode, pivoting=True)[:-1], (a,), order=1)


def test_vmap_and_jit_of_grad_match_loop(x64, rng):
    a = np.stack([_mat(rng, (4, 3)) for _ in range(3)])

    def loss(x):
        q, r, _ = L.qr(x, mode="economic", pivoting=True)
        return jnp.sum(r * r) + jnp.sum(q[:, 0] * 2.0)

    g = jtrans.vmap(jtrans.grad(loss))(a)
    gj = jtrans.jit(jtrans.vmap(jtrans.grad(loss)))(a)
    for i in range(3):
        gi = jtrans.grad(loss)(a[i])
        np.testing.assert_allclose(np.asarray(g[i]), np.asarray(gi), atol=1e-10)
        np.testing.assert_allclose(np.asarray(gj[i]), np.asarray(gi), atol=1e-10)


# ---------------------------------------------------------------------------------------------
# qr_multiply


@pytest.mark.parametrize(
    "ashape, mode, cshape",
    [((4, 3), "left", (3, 2)), ((4, 3), "right", (2, 4)), ((4, 3), "left", (3,)),
     ((4, 3), "right", (4,)), ((3, 5), "left", (3, 2)), ((3, 5), "right", (2, 3)),
     ((3, 3), "right", (1, 3))],
)  # fmt: skip
@pytest.mark.parametrize("conjugate", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.complex64])
def test_qr_multiply_matches_scipy(rng, ashape, mode, cshape, conjugate, dtype):
    a = _mat(rng, ashape, dtype)
    c = rng.standard_normal(cshape).astype(dtype)
    got = L.qr_multiply(a, c, mode=mode, pivoting=True, conjugate=conjugate)
    want = S.qr_multiply(a, c, mode=mode, pivoting=True, conjugate=conjugate)
    assert len(got) == 3
    for x, y in zip(got, want):
        assert x.shape == y.shape and x.dtype == y.dtype, (x.shape, y.shape, x.dtype, y.dtype)
        np.testing.assert_allclose(np.asarray(x), y, atol=1e-5, rtol=1e-5)


def test_qr_multiply_batch_dims_broadcast_like_jax(rng):
    a = rng.standard_normal((4, 3)).astype(np.float32)
    c = rng.standard_normal((5, 3, 2)).astype(np.float32)
    cq, r, p = L.qr_multiply(a, c, mode="left", pivoting=True)
    # JAX broadcasts a against c's batch dims before factoring: r and p carry them too
    assert (cq.shape, r.shape, p.shape) == ((5, 4, 2), (5, 3, 3), (5, 3))
    q, _, p1 = L.qr(a, mode="economic", pivoting=True)
    np.testing.assert_allclose(cq, np.asarray(q) @ c, atol=1e-5)
    np.testing.assert_array_equal(p, np.broadcast_to(p1, (5, 3)))
    cq2, r2 = L.qr_multiply(a, c, mode="left")
    assert (cq2.shape, r2.shape) == ((5, 4, 2), (5, 3, 3))


def test_qr_multiply_jit_vmap_grad(x64, rng):
    a = np.stack([_mat(rng, (4, 3)) for _ in range(3)])
    c = rng.standard_normal((3, 2, 4))

    def f(x, y):
        return L.qr_multiply(x, y, mode="right", pivoting=True)

    got = jtrans.vmap(f)(a, c)
    got_jit = jtrans.jit(jtrans.vmap(f))(a, c)
    for i in range(3):
        want = S.qr_multiply(a[i], c[i], mode="right", pivoting=True)
        for x, xj, y in zip(got, got_jit, want):
            np.testing.assert_allclose(np.asarray(x[i]), y, atol=1e-10)
            np.testing.assert_allclose(np.asarray(xj[i]), y, atol=1e-10)
    check_grads(lambda x, y: f(x, y)[:2], (a[0], c[0]), order=1)


# ---------------------------------------------------------------------------------------------
# errors


def test_errors():
    for f in (lambda: L.qr(np.ones(3), pivoting=True), lambda: L.qr(np.float32(1.0)),
              lambda: L.qr_multiply(np.ones(3), np.ones(3), pivoting=True)):  # fmt: skip
        # JAX: TypeError (qr, "rank at least 2") and ValueError (qr_multiply); both catch this
        with pytest.raises(TypeError, match=r"matrix of shape \(\.\.\., m, n\)"):
            f()
        with pytest.raises(ValueError, match="got shape"):
            f()
    with pytest.raises(ValueError, match="unsupported QR decomposition mode 'raw'"):
        L.qr(np.ones((3, 3)), mode="raw", pivoting=True)
    with pytest.raises(ValueError, match="'right' or 'left'"):
        L.qr_multiply(np.ones((3, 3)), np.ones(3), mode="up", pivoting=True)
    with pytest.raises(ValueError, match="not compatible for Q @ c"):
        L.qr_multiply(np.ones((4, 3)), np.ones((4, 2)), mode="left", pivoting=True)
    with pytest.raises(TypeError):
        lax.linalg.qr(np.arange(6).reshape(2, 3), pivoting=True)  # integer operand
