"""dot_general and the linear-algebra primitives beyond the OpSpec table: the structure of
batched and differentiated jaxprs, per-primitive derivative checks to second order, dtype
rules, and error messages."""

import numpy as np
import pytest

import jtrans
import jtrans.numpy as jnp
from jtrans import lax
from jtrans.test_util import check_grads


def _prims(closed):
    """Names of the primitives in a jaxpr (recursing into sub-jaxprs)."""
    names = []
    for eqn in closed.jaxpr.eqns if hasattr(closed, "jaxpr") else closed.eqns:
        names.append(eqn.prim.name)
        for p in eqn.params.values():
            if isinstance(p, jtrans.core.ClosedJaxpr):
                names.extend(_prims(p))
    return names


def _count(closed, name):
    return _prims(closed).count(name)


# ---------------------------------------------------------------------------------------------
# batching makes one dot_general


def test_vmap_matmul_is_one_dot_general():
    a, b = np.ones((5, 2, 3), np.float32), np.ones((5, 3, 4), np.float32)
    jaxpr = jtrans.make_jaxpr(jtrans.vmap(lambda x, y: x @ y))(a, b)
    assert _count(jaxpr, "dot_general") == 1
    assert len(jaxpr.eqns) == 1, jaxpr


@pytest.mark.parametrize("in_axes", [(0, None), (None, 0), (1, 2), (2, None), (None, 1)])
def test_vmap_dot_general_one_eqn(in_axes):
    shapes = {0: (5, 2, 3), 1: (2, 5, 3), 2: (2, 3, 5), None: (2, 3)}
    bshapes = {0: (5, 3, 4), 1: (3, 5, 4), 2: (3, 4, 5), None: (3, 4)}
    a = np.random.rand(*shapes[in_axes[0]]).astype(np.float32)
    b = np.random.rand(*bshapes[in_axes[1]]).astype(np.float32)
    f = jtrans.vmap(lambda x, y: jnp.matmul(x, y), in_axes=in_axes)
    jaxpr = jtrans.make_jaxpr(f)(a, b)
    assert _count(jaxpr, "dot_general") == 1
    # only the output may need moving to the requested axis: no data movement on the inputs
    assert set(_prims(jaxpr)) <= {"dot_general", "transpose"}
    a_l = [np.moveaxis(a, in_axes[0], 0)[i] if in_axes[0] is not None else a for i in range(5)]
    b_l = [np.moveaxis(b, in_axes[1], 0)[i] if in_axes[1] is not None else b for i in range(5)]
    np.testing.assert_allclose(f(a, b), np.stack([x @ y for x, y in zip(a_l, b_l)]), rtol=1e-5)


def test_nested_vmap_matmul_is_one_dot_general():
    a, b = np.ones((4, 5, 2, 3), np.float32), np.ones((4, 5, 3, 2), np.float32)
    f = jtrans.vmap(jtrans.vmap(jnp.matmul))
    jaxpr = jtrans.make_jaxpr(f)(a, b)
    assert _count(jaxpr, "dot_general") == 1 and len(jaxpr.eqns) == 1
    np.testing.assert_allclose(f(a, b), a @ b)


def test_broadcast_matmul_is_one_dot_general():
    jaxpr = jtrans.make_jaxpr(jnp.matmul)(np.ones((2, 3)), np.ones((5, 3, 4)))
    assert _count(jaxpr, "dot_general") == 1
    assert "broadcast_in_dim" not in _prims(jaxpr)


def test_einsum_matmul_is_dot_general():
    jaxpr = jtrans.make_jaxpr(lambda a, b: jnp.einsum("bij,bjk->bik", a, b))(
        np.ones((2, 3, 4)), np.ones((2, 4, 5))
    )
    assert _prims(jaxpr) == ["dot_general"]


def test_grad_of_matmul_uses_dot_general():
    def f(a, b):
        return jnp.sum(a @ b)

    jaxpr = jtrans.make_jaxpr(jtrans.grad(f, argnums=(0, 1)))(np.ones((2, 3)), np.ones((3, 4)))
    assert _count(jaxpr, "dot_general") >= 2
    for name in ("mul", "reduce_sum"):
        # the cotangents are products, not elementwise multiply + sum of the operands
        assert _prims(jaxpr).count(name) <= 1


# ---------------------------------------------------------------------------------------------
# per-primitive derivatives, float64, order 2


def _spd(rng, n, batch=()):
    x = rng.standard_normal(batch + (n, n))
    return x @ np.swapaxes(x, -1, -2) + n * np.eye(n)


def _gen(rng, m, n, batch=()):
    return rng.standard_normal(batch + (m, n)) + 2 * max(m, n) * np.eye(m, n)


@pytest.mark.parametrize(
    "dims,sa,sb",
    [
        ((((1,), (0,)), ((), ())), (2, 3), (3, 4)),
        ((((0,), (0,)), ((), ())), (3, 2), (3, 4)),
        ((((2,), (1,)), ((0,), (0,))), (2, 3, 4), (2, 4, 5)),
        ((((2,), (0,)), ((1,), (1,))), (2, 3, 4), (4, 3, 5)),
        ((((0, 2), (3, 1)), ((1,), (0,))), (2, 3, 4), (3, 4, 5, 2)),
        ((((), ()), ((), ())), (2,), (3,)),
    ],
)
def test_dot_general_grads(x64, rng, dims, sa, sb):
    a, b = rng.standard_normal(sa), rng.standard_normal(sb)
    check_grads(lambda x, y: lax.dot_general(x, y, dims), (a, b), order=2)


def test_cholesky_grads(x64, rng):
    check_grads(lax.linalg.cholesky, (_spd(rng, 3),), order=2)
    check_grads(lax.linalg.cholesky, (_spd(rng, 2, (2,)),), order=1)


@pytest.mark.parametrize("left_side", [True, False])
@pytest.mark.parametrize("lower", [True, False])
@pytest.mark.parametrize("transpose_a", [True, False])
@pytest.mark.parametrize("unit_diagonal", [True, False])
def test_triangular_solve_grads(x64, rng, left_side, lower, transpose_a, unit_diagonal):
    a = _gen(rng, 3, 3)
    b = rng.standard_normal((3, 2) if left_side else (2, 3))
    kw = {"left_side": left_side, "lower": lower, "transpose_a": transpose_a,
          "unit_diagonal": unit_diagonal}  # fmt: skip
    check_grads(lambda a, b: lax.linalg.triangular_solve(a, b, **kw), (a, b), order=2)


def test_eigh_grads(x64, rng):
    q, _ = np.linalg.qr(rng.standard_normal((3, 3)))
    a = (q * np.array([1.0, 2.5, 4.0])) @ q.T

    def f(a):
        v, w = lax.linalg.eigh(a)
        return w, jnp.einsum("ik,jk->kij", v, v)

    check_grads(f, (a,), order=2)


@pytest.mark.parametrize("shape", [(3, 3), (4, 2)])
def test_qr_grads(x64, rng, shape):
    a = _gen(rng, *shape)

    def f(a):
        q, r = lax.linalg.qr(a, full_matrices=False)
        return q, r

    check_grads(f, (a,), order=2)


@pytest.mark.parametrize("shape", [(3, 3), (4, 2), (2, 4)])
def test_svd_grads(x64, rng, shape):
    m, n = shape
    k = min(m, n)
    u, _ = np.linalg.qr(rng.standard_normal((m, k)))
    v, _ = np.linalg.qr(rng.standard_normal((n, k)))
    a = (u * (np.arange(k, 0, -1) + 0.5)) @ v.T

    def f(a):
        u, s, vh = lax.linalg.svd(a, full_matrices=False)
        return s, jnp.einsum("ik,kj->kij", u, vh)

    check_grads(f, (a,), order=2)
    check_grads(lambda a: lax.linalg.svd(a, compute_uv=False), (a,), order=2)


@pytest.mark.parametrize("shape", [(3, 3), (4, 3), (3, 4)])
def test_lu_grads(x64, rng, shape):
    a = rng.standard_normal(shape)
    check_grads(lambda a: lax.linalg.lu(a)[0], (a,), order=2)


def test_det_hessian(x64, rng):
    a = _gen(rng, 3, 3)
    check_grads(jnp.linalg.det, (a,), order=2)
    # d det / dA = det(A) A^{-T}
    g = jtrans.grad(jnp.linalg.det)(a)
    np.testing.assert_allclose(g, np.linalg.det(a) * np.linalg.inv(a).T, rtol=1e-8)


def test_solve_grads(x64, rng):
    a, b = _gen(rng, 3, 3), rng.standard_normal((3, 2))
    check_grads(jnp.linalg.solve, (a, b), order=2)


def test_vmap_of_grad_of_cholesky(x64, rng):
    xs = _spd(rng, 3, (4,))
    f = jtrans.vmap(jtrans.grad(lambda x: jnp.sum(lax.linalg.cholesky(x))))
    loop = np.stack([jtrans.grad(lambda x: jnp.sum(lax.linalg.cholesky(x)))(x) for x in xs])
    np.testing.assert_allclose(f(xs), loop, rtol=1e-10)


def test_jit_of_linalg(rng):
    a = _gen(rng, 3, 3).astype(np.float32)
    f = jtrans.jit(lambda a: (jnp.linalg.inv(a), jnp.linalg.det(a), jnp.linalg.eigh(a @ a.T)[0]))
    inv, det, w = f(a)
    np.testing.assert_allclose(inv, np.linalg.inv(a), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(det, np.linalg.det(a), rtol=1e-4)
    np.testing.assert_allclose(w, np.linalg.eigvalsh(a @ a.T), rtol=1e-4)


# ---------------------------------------------------------------------------------------------
# dtypes


def test_integer_and_bool_products():
    a = np.arange(6, dtype=np.int32).reshape(2, 3)
    b = np.arange(12, dtype=np.int32).reshape(3, 4)
    out = jnp.matmul(a, b)
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out, a @ b)
    m = np.array([[True, False], [False, False]])
    assert jnp.matmul(m, m).dtype == np.bool_
    np.testing.assert_array_equal(jnp.matmul(m, m), m @ m)


def test_preferred_element_type():
    a = np.ones((2, 3), np.int8)
    out = lax.dot_general(a, a.T, (((1,), (0,)), ((), ())), preferred_element_type=np.int32)
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out, np.full((2, 2), 3))
    out = jnp.dot(np.ones((2, 3), np.float32), np.ones(3, np.float32),
                  preferred_element_type=np.float32)  # fmt: skip
    assert out.dtype == np.float32


def test_promotion_and_weak_types():
    x = jnp.ones((2, 2), jnp.float32)
    assert jnp.dot(x, np.ones((2, 2), np.int32)).dtype == np.float32
    assert jnp.dot(2.0, x).dtype == np.float32
    assert (x @ x).dtype == np.float32
    assert jnp.einsum("ij,jk", x, np.ones((2, 2), np.float16)).dtype == np.float32
    assert jnp.linalg.inv(np.eye(2, dtype=np.int32)).dtype == jtrans.dtypes.default_float()


def test_float16_matmul():
    a = np.random.rand(3, 4).astype(np.float16)
    out = jnp.matmul(a, a.T)
    assert out.dtype == np.float16
    np.testing.assert_allclose(out, (a @ a.T), rtol=1e-2)


# ---------------------------------------------------------------------------------------------
# errors and edge cases


def test_matmul_shape_error_names_both_shapes():
    with pytest.raises(ValueError) as e:
        jnp.matmul(jnp.ones((2, 3)), jnp.ones((4, 5)))
    assert "(2, 3)" in str(e.value) and "(4, 5)" in str(e.value)
    with pytest.raises(ValueError) as e:
        jnp.ones((2, 3)) @ jnp.ones((2, 3))
    assert "(2, 3)" in str(e.value)
    with pytest.raises(ValueError) as e:
        jnp.matmul(jnp.ones((2, 2, 3)), jnp.ones((3, 3, 4)))
    assert "(2, 2, 3)" in str(e.value) and "(3, 3, 4)" in str(e.value)


def test_dot_general_errors():
    with pytest.raises(TypeError, match="contracting dimensions"):
        lax.dot_general(jnp.ones((2, 3)), jnp.ones((4, 5)), (((1,), (0,)), ((), ())))
    # mixed dtypes are accepted as in JAX (the result takes the wider type)
    mixed = lax.dot_general(jnp.ones((2, 3)), jnp.ones((3,), jnp.int32), (((1,), (0,)), ((), ())))
    assert mixed.dtype == jnp.float32
    with pytest.raises(TypeError, match="Incompatible shapes for dot"):
        lax.dot(jnp.ones((2, 3)), jnp.ones((2, 3)))


def test_linalg_errors():
    with pytest.raises(ValueError, match="square"):
        jnp.linalg.inv(jnp.ones((2, 3)))
    with pytest.raises(ValueError, match=r"\(3, 3\)"):
        jnp.linalg.solve(jnp.eye(3), jnp.ones((4,)))
    with pytest.raises(TypeError, match="triangular_solve"):
        lax.linalg.triangular_solve(jnp.eye(3), jnp.ones((2, 3)), left_side=True)


def test_namespace():
    assert lax.linalg.cholesky is not None and lax.linalg.eigh is not None
    assert not hasattr(lax, "cholesky") and not hasattr(lax, "eigh")
    assert lax.dot_general is lax.linalg.dot_general


def test_not_positive_definite_gives_nans():
    out = lax.linalg.cholesky(np.array([[1.0, 2.0], [2.0, 1.0]], np.float32))
    assert np.isnan(np.asarray(out)).all()


def test_singular_triangular_solve_does_not_raise():
    a = np.array([[1.0, 0.0], [1.0, 0.0]], np.float32)
    out = lax.linalg.triangular_solve(a, np.ones((2, 1), np.float32), left_side=True, lower=True)
    assert not np.isfinite(np.asarray(out)).all()


def test_decomposition_conventions(rng):
    a = _gen(rng, 4, 3)
    u, s, vh = jnp.linalg.svd(a)
    assert (u.shape, s.shape, vh.shape) == ((4, 4), (3,), (3, 3))
    q, r = jnp.linalg.qr(a, mode="complete")
    assert (q.shape, r.shape) == ((4, 4), (4, 3))
    assert jnp.linalg.qr(a, mode="r").shape == (3, 3)
    spd = _spd(rng, 3)
    w, v = jnp.linalg.eigh(spd)  # numpy order: eigenvalues first
    assert w.shape == (3,) and v.shape == (3, 3)
    _, w2 = lax.linalg.eigh(spd)  # lax order: eigenvectors first
    np.testing.assert_allclose(w, w2)
    lu, piv, perm = lax.linalg.lu(a)
    assert piv.dtype == np.int32 and perm.shape == (4,)
    l = np.tril(np.asarray(lu), -1)[:, :3] + np.eye(4, 3)
    np.testing.assert_allclose(a[np.asarray(perm)], l @ np.triu(np.asarray(lu))[:3], rtol=1e-5)
    sign, logdet = jnp.linalg.slogdet(spd)
    assert float(sign) == 1.0
    np.testing.assert_allclose(logdet, np.linalg.slogdet(spd)[1])


def test_norm_grad_at_zero_is_nan_like_jax(x64):
    g = jtrans.grad(jnp.linalg.norm)(np.zeros(3))
    assert np.isnan(np.asarray(g)).all()


def test_einsum_forms():
    a, b = np.random.rand(2, 3), np.random.rand(3, 4)
    np.testing.assert_allclose(jnp.einsum(a, [0, 1], b, [1, 2], [0, 2]), a @ b, rtol=1e-6)
    np.testing.assert_allclose(jnp.einsum("ij,jk->", a, b), np.einsum("ij,jk->", a, b),
                               rtol=1e-5)  # fmt: skip
    with pytest.raises(ValueError, match="label"):
        jnp.einsum("ij,jk->ik", a, np.ones((4, 4)))
