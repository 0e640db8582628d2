"""jtrans.scipy.linalg and lax.linalg.eig/schur/hessenberg beyond the OpSpec table: options,
errors, structure of results, transformations of the Schur-based and iterative functions."""

import numpy as np
import pytest
import scipy.linalg as S

import jtrans
import jtrans.numpy as jnp
import jtrans.scipy.linalg as L
from jtrans import lax


@pytest.fixture
def a(rng):
    return rng.standard_normal((4, 4))


def test_signatures_accept_scipy_only_arguments(a, rng):
    b = rng.standard_normal(4)
    x = L.solve(a, b, overwrite_a=True, overwrite_b=True, check_finite=False, debug=False)
    np.testing.assert_allclose(x, np.linalg.solve(a, b), rtol=1e-4)
    x = L.solve_triangular(a, b, overwrite_b=True, check_finite=False, lower=True)
    np.testing.assert_allclose(x, S.solve_triangular(a, b, lower=True), rtol=1e-4)
    np.testing.assert_allclose(L.inv(a, overwrite_a=True, check_finite=False), np.linalg.inv(a),
                               rtol=1e-4, atol=1e-5)  # fmt: skip


def test_errors_name_the_problem(a):
    with pytest.raises(ValueError, match="assume_a"):
        L.solve(a, a, assume_a="banana")
    with pytest.raises(ValueError, match="trans"):
        L.solve_triangular(a, a, trans=3)
    with pytest.raises(ValueError, match="square"):
        L.expm(np.ones((2, 3)))
    with pytest.raises(ValueError, match="output"):
        L.schur(a, output="other")
    with pytest.raises(ValueError, match="power of 2"):
        L.hadamard(6)


def test_schur_based_functions_refuse_derivatives(a):
    spd = a @ a.T + 4 * np.eye(4)
    for f in (lambda x: L.schur(x)[0].sum(), lambda x: jnp.real(L.sqrtm(x)).sum(),
              lambda x: L.hessenberg(x).sum()):  # fmt: skip
        with pytest.raises(NotImplementedError, match="derivative of (schur|hessenberg)"):
            jtrans.grad(f)(spd)


def test_schur_structure(a):
    t, z = L.schur(a)
    assert np.allclose(np.tril(np.asarray(t), -2), 0)
    np.testing.assert_allclose(np.asarray(z) @ np.asarray(z).T, np.eye(4), atol=1e-5)
    t, z = L.schur(a, output="complex")
    assert np.asarray(t).dtype == np.complex64
    assert np.allclose(np.tril(np.asarray(t), -1), 0)


def test_hessenberg_structure_and_batching(rng):
    x = rng.standard_normal((3, 5, 5)).astype(np.float32)
    h, q = jtrans.vmap(lambda m: L.hessenberg(m, calc_q=True))(x)
    h, q = np.asarray(h), np.asarray(q)
    assert np.allclose(np.tril(h, -2), 0)
    np.testing.assert_allclose(q @ h @ np.swapaxes(q, -1, -2), x, atol=1e-4)
    np.testing.assert_allclose(jtrans.jit(L.hessenberg)(x), h, atol=1e-5)


def test_rsf2csf_gives_triangular_complex_form(rng):
    t, z = S.schur(rng.standard_normal((5, 5)))
    tc, zc = L.rsf2csf(t, z)
    tc, zc = np.asarray(tc), np.asarray(zc)
    assert np.allclose(np.tril(tc, -1), 0, atol=1e-6)
    np.testing.assert_allclose(zc @ tc @ zc.conj().T, z @ t @ z.T, atol=1e-4)


def test_sqrtm_and_funm(a):
    spd = a @ a.T + 4 * np.eye(4)
    r = np.asarray(L.sqrtm(spd))
    np.testing.assert_allclose(r @ r, spd, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(jtrans.jit(L.sqrtm)(spd), r, atol=1e-5)
    f, err = L.funm(spd, jnp.log, disp=False)
    np.testing.assert_allclose(f, S.logm(spd), rtol=1e-4, atol=1e-4)
    assert 0 < float(err) <= 1


def test_expm_agrees_and_transforms(rng, x64):
    a = rng.standard_normal((3, 3))
    np.testing.assert_allclose(L.expm(a), S.expm(a), rtol=1e-12)
    np.testing.assert_allclose(L.expm(20 * a), S.expm(20 * a), rtol=1e-9)
    np.testing.assert_allclose(jtrans.jit(L.expm)(a), S.expm(a), rtol=1e-12)
    # the Frechet derivative by both routes
    e = rng.standard_normal((3, 3))
    _, fr = L.expm_frechet(a, e)
    np.testing.assert_allclose(fr, S.expm_frechet(a, e, compute_expm=False), rtol=1e-9)
    assert np.asarray(L.expm_frechet(a, e, compute_expm=False)).shape == (3, 3)
    # d/dt tr(expm(t a)) at t = 1 equals tr(a expm(a))
    g = jtrans.grad(lambda t: jnp.trace(L.expm(t * a)))(1.0)
    np.testing.assert_allclose(g, np.trace(a @ S.expm(a)), rtol=1e-9)
    xs = rng.standard_normal((4, 3, 3)) * np.array([0.01, 0.5, 3, 30])[:, None, None]
    np.testing.assert_allclose(jtrans.vmap(L.expm)(xs), [S.expm(x) for x in xs], rtol=1e-8)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the squarings overflow on purpose
def test_expm_too_many_squarings_gives_nan():
    out = L.expm(np.diag([1e8, -1e8]).astype(np.float32), max_squarings=4)
    assert np.all(np.isnan(np.asarray(out)))


def test_lu_solve_with_traced_pivots(rng):
    a = rng.standard_normal((3, 4, 4)) + 4 * np.eye(4)
    b = rng.standard_normal((3, 4))

    def f(a, b):
        return L.lu_solve(L.lu_factor(a), b)

    out = jtrans.vmap(f)(a, b)
    np.testing.assert_allclose(out, np.linalg.solve(a, b[..., None])[..., 0], rtol=1e-4)
    np.testing.assert_allclose(jtrans.jit(f)(a[0], b[0]), out[0], rtol=1e-5)


def test_eigh_tridiagonal_select_index(rng):
    d, e = rng.standard_normal(6), rng.standard_normal(5)
    w = L.eigh_tridiagonal(d, e, eigvals_only=True, select="i", select_range=(1, 3))
    ref = S.eigh_tridiagonal(d, e, eigvals_only=True, select="i", select_range=(1, 3))
    np.testing.assert_allclose(w, ref, rtol=1e-4, atol=1e-5)
    w, v = L.eigh_tridiagonal(d, e)
    t = np.diag(d) + np.diag(e, 1) + np.diag(e, -1)
    np.testing.assert_allclose(t @ np.asarray(v), np.asarray(v) * np.asarray(w), atol=1e-4)


def test_qr_modes(a):
    (r,) = L.qr(a, mode="r")
    q, r2 = L.qr(a[:, :2], mode="economic")
    assert np.shape(r) == (4, 4) and np.shape(q) == (4, 2) and np.shape(r2) == (2, 2)
    q, _ = L.qr(a[:, :2])
    assert np.shape(q) == (4, 4)


def test_special_matrices_dtypes():
    assert np.asarray(L.hilbert(3)).dtype == np.float32
    assert np.asarray(L.hadamard(4)).dtype == np.int32
    assert np.asarray(L.dft(4)).dtype == np.complex64
    np.testing.assert_allclose(np.asarray(L.pascal(4)) @ np.asarray(L.invpascal(4)), np.eye(4),
                               atol=1e-5)  # fmt: skip
    assert np.asarray(L.block_diag()).shape == (1, 0)


def test_lax_eig_outputs_and_jit(rng):
    x = rng.standard_normal((2, 4, 4)).astype(np.float32)
    w, vl, vr = lax.linalg.eig(x)
    assert np.asarray(w).dtype == np.complex64 and np.asarray(vr).shape == (2, 4, 4)
    w, vl, vr = (np.asarray(o) for o in (w, vl, vr))
    np.testing.assert_allclose(x @ vr, vr * w[:, None, :], atol=1e-4)
    np.testing.assert_allclose(np.conj(np.swapaxes(vl, -1, -2)) @ x,
                               w[:, :, None] * np.conj(np.swapaxes(vl, -1, -2)), atol=1e-4)  # fmt: skip
    (w2,) = jtrans.jit(lambda m: lax.linalg.eig(m, compute_left_eigenvectors=False,
                                                compute_right_eigenvectors=False))(x)  # fmt: skip
    np.testing.assert_allclose(w2, w, atol=1e-5)
    text = jtrans.jit(lambda m: lax.linalg.eig(m)[0]).lower(x).as_text("kernels")
    assert "callout eig" in text


def test_eig_left_eigenvector_derivative_is_refused(rng):
    x = rng.standard_normal((3, 3))
    with pytest.raises(NotImplementedError, match="left eigenvectors"):
        jtrans.grad(lambda m: jnp.real(lax.linalg.eig(m)[1]).sum())(x)


def test_eigvals_derivative_complex_pair(rng, x64):
    # a rotation-like matrix with complex eigenvalues: d|w|^2 checked by finite differences
    x = np.array([[0.5, -2.0, 0.1], [1.5, 0.3, 0.2], [0.0, 0.4, 2.0]])

    def f(m):
        w = jnp.linalg.eigvals(m)
        return jnp.sum(jnp.abs(w) ** 2 * jnp.array([1.0, 2.0, 3.0])[jnp.argsort(jnp.real(w))])

    from jtrans.test_util import check_grads

    check_grads(f, (x,), order=1, modes=("fwd", "rev"))


def test_jnp_linalg_cond_singular_is_inf():
    assert np.isinf(float(jnp.linalg.cond(np.zeros((2, 2)), 1)))
