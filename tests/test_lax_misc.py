"""jtrans/lax/misc.py and the lax.linalg additions beyond the OpSpec table: JAX's names exist,
64-bit mulhi, the random generators, igamma_grad_a's accuracy, decompositions reconstructed
from their reflectors, qdwh's properties, composite / platform_dependent / tokens, errors."""

import numpy as np
import pytest
import scipy.linalg

import jtrans
import jtrans.numpy as jnp
from jtrans import lax
from jtrans.lax import linalg as tla

LAX_NAMES = [
    "AccuracyMode",
    "ConvGeneralDilatedDimensionNumbers",
    "DotAlgorithm",
    "DotAlgorithmPreset",
    "DotDimensionNumbers",
    "PrecisionLike",
    "RaggedDotDimensionNumbers",
    "RandomAlgorithm",
    "Tolerance",
    "after_all",
    "approx_max_k",
    "approx_min_k",
    "broadcast_like",
    "composite",
    "conv_general_dilated_local",
    "conv_general_shape_tuple",
    "conv_shape_tuple",
    "conv_transpose_shape_tuple",
    "copy_p",
    "create_token",
    "dce_sink",
    "dtype",
    "igamma_grad_a",
    "igamma_grad_a_p",
    "mulhi",
    "mulhi_p",
    "platform_dependent",
    "ragged_dot",
    "ragged_dot_general",
    "random_gamma_grad",
    "reduce_window_shape_tuple",
    "rng_bit_generator",
    "rng_uniform",
    "rng_uniform_p",
    "scatter_apply",
    "shape_as_value",
    "stage",
    "stop_gradient_p",
]
LINALG_NAMES = [
    "EigImplementation",
    "EighImplementation",
    "SvdAlgorithm",
    "cholesky_update",
    "cholesky_update_p",
    "hessenberg",
    "householder_product",
    "ormqr",
    "qdwh",
    "symmetric_product",
    "tridiagonal",
    "tridiagonal_p",
    "tridiagonal_solve",
    "tridiagonal_solve_p",
    "lu_pivots_to_permutation",
    "hessenberg_q",
]


def test_names_exist():
    assert [n for n in LAX_NAMES if not hasattr(lax, n)] == []
    assert [n for n in LINALG_NAMES if not hasattr(tla, n)] == []


# --- mulhi ------------------------------------------------------------------------------------


@pytest.mark.parametrize("dt", [np.int64, np.uint64])
def test_mulhi_64bit(dt, x64):
    rng = np.random.default_rng(0)
    info = np.iinfo(dt)
    x = rng.integers(info.min, info.max, 40, dtype=dt, endpoint=True)
    y = rng.integers(info.min, info.max, 40, dtype=dt, endpoint=True)
    x[:4], y[:4] = [info.min, info.max, 0, info.max], [info.min, info.max, info.max, info.min]
    ref = np.array([(int(a) * int(b)) >> 64 for a, b in zip(x, y)], object).astype(dt)
    np.testing.assert_array_equal(np.asarray(lax.mulhi(x, y)), ref)
    np.testing.assert_array_equal(np.asarray(jtrans.jit(lax.mulhi)(x, y)), ref)


@pytest.mark.parametrize("dt", [np.int8, np.uint16, np.int32])
def test_mulhi_is_native(dt):
    x = np.arange(-3, 5).astype(dt)
    text = jtrans.jit(lax.mulhi).lower(x, x).as_text("kernels")
    assert "callout mulhi" not in text
    np.testing.assert_array_equal(np.asarray(jtrans.jit(lax.mulhi)(x, x)),
                                  np.asarray(lax.mulhi(x, x)))  # fmt: skip


def test_mulhi_rejects_floats():
    with pytest.raises(TypeError):
        lax.mulhi(jnp.ones(2), jnp.ones(2))


# --- rng_uniform / rng_bit_generator ---------------------------------------------------------


def test_rng_uniform_range_dtype_and_state():
    a = lax.rng_uniform(2.0, 3.0, (1000,))
    assert a.dtype == np.float32 and a.shape == (1000,)
    v = np.asarray(a)
    assert v.min() >= 2.0 and v.max() < 3.0 and 2.4 < v.mean() < 2.6
    assert not np.array_equal(v, np.asarray(lax.rng_uniform(2.0, 3.0, (1000,))))
    i = np.asarray(lax.rng_uniform(np.int32(-3), np.int32(4), (500,)))
    assert i.dtype == np.int32 and set(np.unique(i)) == set(range(-3, 4))
    j = np.asarray(jtrans.jit(lambda: lax.rng_uniform(0.0, 1.0, (10,)))())
    assert j.shape == (10,) and (j >= 0).all() and (j < 1).all()


def test_rng_uniform_vmap_bounds():
    lo = jnp.array([0.0, 10.0, 100.0])
    out = np.asarray(jtrans.vmap(lambda a: lax.rng_uniform(a, a + 1.0, (50,)))(lo))
    assert out.shape == (3, 50)
    for r, a in zip(out, [0.0, 10.0, 100.0]):
        assert (r >= a).all() and (r < a + 1).all()


def test_rng_uniform_errors():
    with pytest.raises(ValueError):
        lax.rng_uniform(jnp.zeros(2), jnp.ones(2), (2,))
    with pytest.raises(TypeError):
        lax.rng_uniform(np.float32(0), np.int32(1), (2,))


def test_rng_bit_generator_chain_dtypes_and_jit():
    key = jnp.array([1, 2, 3, 4], jnp.uint32)
    k1, b1 = lax.rng_bit_generator(key, (4, 5))
    _, b2 = lax.rng_bit_generator(k1, (4, 5))
    assert b1.dtype == np.uint32 and b1.shape == (4, 5) and k1.shape == (4,)
    assert not np.array_equal(np.asarray(b1), np.asarray(b2))
    assert not np.array_equal(np.asarray(k1), np.asarray(key))
    for dt in (np.uint8, np.uint16):
        _, b = lax.rng_bit_generator(key, (3,), dt, lax.RandomAlgorithm.RNG_THREE_FRY)
        assert b.dtype == dt
    jk, jb = jtrans.jit(lambda k: lax.rng_bit_generator(k, (4, 5)))(key)
    np.testing.assert_array_equal(np.asarray(jb), np.asarray(b1))
    np.testing.assert_array_equal(np.asarray(jk), np.asarray(k1))
    bits = np.asarray(lax.rng_bit_generator(key, (20000,))[1])
    assert abs(np.unpackbits(bits.view(np.uint8)).mean() - 0.5) < 0.01


def test_rng_bit_generator_uint64(x64):
    key = jnp.array([5, 6, 7, 8], jnp.uint32)
    _, b = lax.rng_bit_generator(key, (3,), np.uint64)
    _, w = lax.rng_bit_generator(key, (6,), np.uint32)
    w = np.asarray(w).astype(np.uint64)
    assert b.dtype == np.uint64
    np.testing.assert_array_equal(np.asarray(b), (w[0::2] << np.uint64(32)) | w[1::2])


def test_rng_bit_generator_errors():
    with pytest.raises(TypeError):
        lax.rng_bit_generator(jnp.zeros(2, jnp.uint32), (3,))
    with pytest.raises(TypeError):
        lax.rng_bit_generator(jnp.zeros(4, jnp.uint32), (3,), np.int32)


# --- approx top-k, ragged dot --------------------------------------------------------------


def test_approx_top_k_errors_and_grad():
    with pytest.raises(ValueError):
        lax.approx_max_k(jnp.ones(3), 4)
    with pytest.raises(ValueError):
        lax.approx_max_k(jnp.arange(4), 2)
    x = jnp.array([3.0, 1.0, 4.0, 1.5])
    g = jtrans.grad(lambda x: lax.approx_max_k(x, 2)[0].sum())(x)
    np.testing.assert_array_equal(np.asarray(g), [1, 0, 1, 0])


def test_ragged_dot_batch_group_sizes_and_offset():
    rng = np.random.default_rng(0)
    lhs, rhs = rng.normal(size=(2, 5, 3)), rng.normal(size=(2, 3, 2, 4))
    gs = np.array([[1, 4], [3, 1]], np.int32)
    dn = lax.RaggedDotDimensionNumbers((([2], [1]), ([0], [0])), [1], [2])
    out = np.asarray(lax.ragged_dot_general(lhs, rhs, gs, dn))
    for b in range(2):
        start = 0
        for g in range(2):
            s = gs[b, g]
            np.testing.assert_allclose(out[b, start : start + s],
                                       lhs[b, start : start + s] @ rhs[b, :, g], rtol=1e-5)  # fmt: skip
            start += s
        np.testing.assert_allclose(out[b, start:], 0)
    with pytest.raises(NotImplementedError):
        lax.ragged_dot(
            lhs[0], rhs[0].transpose(1, 0, 2), gs[0], group_offset=jnp.zeros(1, jnp.int32)
        )
    with pytest.raises(TypeError):
        lax.ragged_dot_general(lhs[0], rhs[0][:, 0], gs[0], lax.RaggedDotDimensionNumbers(
            (([1], [0]), ([], [])), [0], []))  # fmt: skip


# --- igamma_grad_a -----------------------------------------------------------------------------


def test_igamma_grad_a_accuracy_and_edges(x64):
    a = np.array([0.5, 2.0, 3.0, 10.0, 0.1, 50.0, 50.0, 3.0, 100.0, 1e-3, 7.0])
    x = np.array([0.3, 5.0, 1.0, 12.0, 20.0, 40.0, 60.0, 3.0, 101.0, 0.5, 0.01])
    try:  # mpmath (when installed: it comes with sympy) differentiates to 1e-11
        import mpmath

        def ref(a_, x_):
            return float(mpmath.diff(lambda t: mpmath.gammainc(t, 0, x_, regularized=True), a_))

        rtol = 1e-11
    except ImportError:  # else a Richardson-extrapolated central difference of SciPy's P or Q
        import scipy.special as sp

        def ref(a_, x_):
            g, sign = (sp.gammaincc, -1.0) if x_ > a_ + 1 else (sp.gammainc, 1.0)
            d = lambda h: sign * (g(a_ + h, x_) - g(a_ - h, x_)) / (2 * h)  # noqa: E731
            return (4 * d(5e-5 * a_) - d(1e-4 * a_)) / 3

        rtol = 1e-7

    out = np.asarray(lax.igamma_grad_a(a, x))
    np.testing.assert_allclose(out, [ref(p, q) for p, q in zip(a, x)], rtol=rtol, atol=1e-300)
    edge = np.asarray(
        lax.igamma_grad_a(np.array([1.0, 1.0, -1.0, 1.0]), np.array([0.0, np.inf, 1.0, -1.0]))
    )
    np.testing.assert_array_equal(edge[:2], 0)
    assert np.isnan(edge[2:]).all()
    with pytest.raises(NotImplementedError):
        jtrans.grad(lambda a: lax.igamma_grad_a(a, 1.0))(2.0)


def test_random_gamma_grad_matches_sampler_derivative(x64):
    # d/da of a sample x(a, u) with P(a, x) = u fixed, by finite differences of the inverse
    import scipy.special as sp

    a, u = 2.5, 0.3
    x = sp.gammaincinv(a, u)
    h = 1e-6
    fd = (sp.gammaincinv(a + h, u) - sp.gammaincinv(a - h, u)) / (2 * h)
    np.testing.assert_allclose(float(lax.random_gamma_grad(a, x)), fd, rtol=1e-6)


# --- linalg ------------------------------------------------------------------------------------


def test_hessenberg_reflectors_reconstruct(x64):
    rng = np.random.default_rng(1)
    a = rng.normal(size=(5, 5))
    h, taus = tla.hessenberg(a)
    h = np.asarray(h)
    assert taus.shape == (4,)
    q = np.eye(5)
    q[1:, 1:] = np.asarray(tla.householder_product(h[1:, :-1], taus))
    hh = np.triu(h, -1)
    np.testing.assert_allclose(q @ hh @ q.T, a, atol=1e-12)
    hq, qq = tla.hessenberg_q(a)  # the other form is kept
    np.testing.assert_allclose(np.asarray(qq) @ np.asarray(hq) @ np.asarray(qq).T, a, atol=1e-12)


@pytest.mark.parametrize("lower", [True, False])
def test_tridiagonal_reconstruct(lower, x64):
    rng = np.random.default_rng(2)
    a = rng.normal(size=(5, 5))
    a = a + a.T
    _, d, e, _ = (np.asarray(v) for v in tla.tridiagonal(a, lower=lower))
    t = np.diag(d) + np.diag(e, -1) + np.diag(e, 1)
    evals = np.linalg.eigvalsh(t)
    np.testing.assert_allclose(evals, np.linalg.eigvalsh(a), atol=1e-10)


def test_householder_product_is_qr_q_complex(x64):
    rng = np.random.default_rng(3)
    a = rng.normal(size=(5, 3)) + 1j * rng.normal(size=(5, 3))
    (qr, tau), _ = scipy.linalg.qr(a, mode="raw")
    q = np.asarray(tla.householder_product(qr, tau))
    np.testing.assert_allclose(q, scipy.linalg.qr(a, mode="economic")[0], atol=1e-12)
    c = rng.normal(size=(5, 2)) + 0j
    np.testing.assert_allclose(np.asarray(tla.ormqr(qr, tau, c, transpose=True))[:3],
                               q.conj().T @ c, atol=1e-12)  # fmt: skip


def test_lu_pivots_to_permutation_traced_matches_lu():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(3, 6, 6)).astype(np.float32)
    _, piv, perm = tla.lu(x)

    def f(p):
        return tla.lu_pivots_to_permutation(p, 6)

    np.testing.assert_array_equal(np.asarray(jtrans.jit(f)(piv)), np.asarray(perm))
    np.testing.assert_array_equal(np.asarray(jtrans.vmap(jtrans.jit(f))(piv)), np.asarray(perm))
    with pytest.raises(ValueError):
        tla.lu_pivots_to_permutation(piv, 3)


def test_tridiagonal_solve_vmap_grad_wrt_diagonals(x64):
    from jtrans.test_util import check_grads

    rng = np.random.default_rng(5)
    dl, du = rng.normal(size=(2, 4)), rng.normal(size=(2, 4))
    d = rng.uniform(3, 4, (2, 4))
    b = rng.normal(size=(2, 4, 2))
    f = jtrans.vmap(tla.tridiagonal_solve)
    check_grads(f, (dl, d, du, b), order=1, modes=("fwd", "rev"))
    assert np.isnan(np.asarray(tla.tridiagonal_solve(np.zeros(2), np.zeros(2), np.zeros(2),
                                                     np.ones((2, 1))))).all()  # fmt: skip


def test_qdwh_polar_properties(x64):
    rng = np.random.default_rng(6)
    x = rng.normal(size=(6, 4))
    u, h, n, conv = tla.qdwh(x)
    u, h = np.asarray(u), np.asarray(h)
    np.testing.assert_allclose(u.T @ u, np.eye(4), atol=1e-10)
    np.testing.assert_allclose(h, h.T, atol=1e-12)
    assert (np.linalg.eigvalsh(h) > 0).all()
    np.testing.assert_allclose(u @ h, x, atol=1e-10)
    assert bool(conv) and 0 < int(n) <= 10
    uj = np.asarray(jtrans.jit(lambda x: tla.qdwh(x)[0])(x))
    np.testing.assert_allclose(uj, u, atol=1e-12)
    with pytest.raises(ValueError):
        tla.qdwh(x.T)


def test_cholesky_update_lower_triangle_is_zero():
    r = np.triu(np.ones((3, 3))) + np.eye(3)
    r_noisy = r + np.tril(np.full((3, 3), 5.0), -1)
    out = np.asarray(tla.cholesky_update(r_noisy, np.ones(3)))
    np.testing.assert_array_equal(np.tril(out, -1), 0)
    np.testing.assert_allclose(out.T @ out, r.T @ r + 1, atol=1e-5)


def test_symmetric_product_symmetrize():
    a, c = np.arange(6.0).reshape(2, 3), np.eye(2)
    out = np.asarray(tla.symmetric_product(a, c, beta=2.0, symmetrize_output=True))
    np.testing.assert_allclose(out, a @ a.T + 2 * c)


def test_linalg_enums():
    assert tla.EigImplementation.LAPACK.value == "lapack"
    assert tla.EighImplementation.QDWH.value == "qdwh"
    assert tla.SvdAlgorithm.JACOBI.value == "Jacobi"


# --- small compositions ------------------------------------------------------------------------


def test_composite_runs_and_differentiates():
    tangent = lax.composite(lambda x, *, scale: scale * lax.sin(x) / lax.cos(x), name="my.tangent")
    x = jnp.array([0.1, 0.5])
    np.testing.assert_allclose(np.asarray(tangent(x, scale=2.0)), 2 * np.tan([0.1, 0.5]), rtol=1e-6)
    g = jtrans.grad(lambda x: tangent(x, scale=1.0).sum())(x)
    np.testing.assert_allclose(np.asarray(g), 1 / np.cos([0.1, 0.5]) ** 2, rtol=1e-5)
    assert tangent.composite_name == "my.tangent"
    with pytest.raises(TypeError):
        jtrans.jit(lambda s: tangent(x, scale=s))(1.0)


def test_platform_dependent():
    assert lax.platform_dependent(3, cpu=lambda v: v + 1, default=lambda v: v) == 4
    assert lax.platform_dependent(3, tpu=lambda v: v + 1, default=lambda v: v * 2) == 6
    with pytest.raises(ValueError):
        lax.platform_dependent(3, tpu=lambda v: v)
    with pytest.raises(ValueError):
        lax.platform_dependent(3, gpu=lambda v: v)


def test_tokens_dce_sink_stage_and_stop_gradient_p():
    t = lax.after_all(lax.create_token(), lax.create_token())
    assert t.shape == (0,)
    with pytest.raises(TypeError):
        lax.after_all(jnp.ones(2))
    assert lax.dce_sink({"a": jnp.ones(2)}) is None
    text = str(jtrans.make_jaxpr(lambda x: lax.stage(x) + lax.stop_gradient(x))(1.0))
    assert "copy" in text and "stop_gradient" in text
    assert lax.stop_gradient_p.name == "stop_gradient"


def test_shape_helpers():
    assert lax.conv_shape_tuple((2, 3, 9, 9), (4, 3, 3, 2), (2, 3), "SAME") == (2, 4, 5, 3)
    assert lax.conv_general_shape_tuple((2, 5, 6, 3), (3, 3, 3, 4), (1, 2), "SAME",
                                        ("NHWC", "HWIO", "NHWC")) == (2, 5, 3, 4)  # fmt: skip
    assert lax.conv_transpose_shape_tuple((2, 5, 6, 3), (3, 3, 3, 4), (2, 2), "SAME",
                                          ("NHWC", "HWIO", "NHWC")) == (2, 10, 12, 4)  # fmt: skip
    assert lax.reduce_window_shape_tuple((5, 7), (2, 3), (1, 2), ((1, 0), (0, 1)), (2, 1),
                                         (1, 2)) == (9, 2)  # fmt: skip
    np.testing.assert_array_equal(np.asarray(lax.shape_as_value((2, 3))), [2, 3])
    with pytest.raises(TypeError):
        lax.conv_shape_tuple((2, 3, 9, 9), (4, 3, 3, 2), (1, 1), [(0, 0)])


def test_conv_local_layouts_agree():
    rng = np.random.default_rng(7)
    x = rng.normal(size=(2, 3, 6, 5)).astype(np.float32)
    w = rng.normal(size=(4, 3 * 6, 5, 3)).astype(np.float32)  # O, I, out H, out W
    a = lax.conv_general_dilated_local(x, w, (1, 1), "VALID", (2, 3))
    b = lax.conv_general_dilated_local(x.transpose(0, 2, 3, 1), w.transpose(2, 3, 1, 0), (1, 1),
                                       "VALID", (2, 3), dimension_numbers=("NHWC", "HWIO", "NHWC"))  # fmt: skip
    np.testing.assert_allclose(
        np.asarray(b), np.asarray(a).transpose(0, 2, 3, 1), rtol=1e-4, atol=1e-5
    )


def test_enums_and_precision_hints():
    assert str(lax.RandomAlgorithm.RNG_PHILOX) == "RNG_PHILOX"
    assert repr(lax.DotAlgorithmPreset.F32_F32_F32) == "DotAlgorithmPreset.F32_F32_F32"
    alg = lax.DotAlgorithm(np.float32, np.float32, np.float32)
    x = jnp.ones((2, 2))
    for p in (alg, lax.DotAlgorithmPreset.DEFAULT):
        f = jtrans.jit(lambda a, p=p: lax.dot(a, a, precision=p))
        np.testing.assert_allclose(np.asarray(f(x)), 2)
    with pytest.raises(ValueError):
        lax.Tolerance()
    with pytest.raises(ValueError):
        lax.Tolerance(atol=-1.0)
    assert lax.AccuracyMode.HIGHEST.value == 1
    assert lax.dtype(jnp.ones(2, jnp.int32)) == np.int32 and lax.dtype("float16") == np.float16


def test_scatter_apply_repeats_and_jit():
    dn = lax.ScatterDimensionNumbers((), (0,), (0,))
    idx = np.array([[1], [3], [1]], np.int32)
    out = jtrans.jit(lambda x: lax.scatter_apply(x, idx, lambda v: v * 2, dn, update_shape=(3,)))(
        jnp.arange(5.0)
    )
    np.testing.assert_array_equal(np.asarray(out), [0, 4, 2, 6, 4])
