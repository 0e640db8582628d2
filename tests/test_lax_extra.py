"""lax.extra beyond the OpSpec table: reduce_precision's linear JVP, custom_linear_solve and
custom_root under every transformation, errors, and jaxpr shapes of associative_scan."""

import numpy as np
import pytest

import jtrans
import jtrans.numpy as jnp
from jtrans import lax


def test_reduce_precision_rounds_like_float16_and_bfloat16():
    x = np.array([1.2345678, 65519.0, 1e-8, np.nan, np.inf, 70000.0, -3e-5, 1.5, -65520.0],
                 np.float32)  # fmt: skip
    half = np.asarray(lax.reduce_precision(x, 5, 10))
    np.testing.assert_array_equal(
        half, np.array([1.234375, 65504, 0, np.nan, np.inf, np.inf, -0.0, 1.5, -np.inf], np.float32)
    )
    bf = np.asarray(lax.reduce_precision(x, 8, 7))
    assert bf[0] == np.float32(1.234375) and bf[1] == 65536 and np.isnan(bf[3])
    assert np.isnan(np.asarray(lax.reduce_precision(x, 2, 0))[3])  # NaN stays NaN


def test_reduce_precision_jvp_is_the_rounding():
    x = np.linspace(-2, 2, 5).astype(np.float32)
    t = np.full(5, 1.2345678, np.float32)
    _, out_t = jtrans.jvp(lambda x: lax.reduce_precision(x, 5, 4), (x,), (t,))
    np.testing.assert_array_equal(out_t, lax.reduce_precision(t, 5, 4))
    g = jtrans.grad(lambda x: jnp.sum(lax.reduce_precision(x, 8, 23) * 3.0))(x)
    np.testing.assert_array_equal(g, np.full(5, 3.0, np.float32))


def test_clz_widths():
    for dt, bits in ((np.int8, 8), (np.uint16, 16), (np.int32, 32), (np.uint32, 32)):
        x = np.array([0, 1, 2, 3, 64], dt)
        want = [bits - int(v).bit_length() for v in x.astype(np.int64)]
        out = lax.clz(x)
        assert np.asarray(out).dtype == dt
        np.testing.assert_array_equal(out, want)
    assert int(lax.clz(np.int32(-1))) == 0


def test_associative_scan_is_logarithmic_and_batches():
    jaxpr = jtrans.make_jaxpr(lambda x: lax.associative_scan(lax.add, x))(np.ones(64, np.float32))
    n_add = str(jaxpr).count(" add ")
    assert n_add < 3 * 64, n_add  # O(n) adds over O(log n) levels, no sequential loop
    assert "scan" not in str(jaxpr) and "while" not in str(jaxpr)
    x = np.random.default_rng(0).uniform(size=(3, 10)).astype(np.float32)
    out = jtrans.vmap(lambda r: lax.associative_scan(lax.add, r, reverse=True), in_axes=1)(x.T)
    np.testing.assert_allclose(out, np.flip(np.cumsum(np.flip(x, 1), 1), 1), rtol=1e-5)
    out = jtrans.jit(lambda x: lax.associative_scan(lax.add, x, axis=1))(x)
    np.testing.assert_allclose(out, np.cumsum(x, 1), rtol=1e-5)


def test_associative_scan_errors():
    with pytest.raises(ValueError, match="same size along axis"):
        lax.associative_scan(lambda a, b: a, (np.ones(3), np.ones(4)))
    with pytest.raises(ValueError, match="rank >= 1"):
        lax.associative_scan(lax.add, np.float32(1))


def test_shape_helpers_errors():
    with pytest.raises(ValueError, match="sum to the size"):
        lax.split(np.ones((2, 3)), (1, 1), axis=1)
    with pytest.raises(ValueError, match="one repetition count per axis"):
        lax.tile(np.ones((2, 3)), (2,))
    with pytest.raises(ValueError, match="Incompatible shapes"):
        lax.broadcast_shapes((2, 3), (4,))
    assert lax.broadcast_shapes((2, 1), (3,), ()) == (2, 3)
    assert lax.empty((2, 3), jnp.int32).dtype == np.int32


def _dense_solve(mv, b):
    m = jnp.stack([mv(e) for e in jnp.eye(b.shape[0], dtype=b.dtype)], axis=1)
    return jnp.linalg.solve(m, b)


A = np.array([[4.0, 1.0, 0.3], [1.0, 3.5, 1.0], [0.0, 1.0, 2.0]], np.float32)
B = np.array([1.0, 2.0, 3.0], np.float32)


def _cls(a, b):
    return lax.custom_linear_solve(lambda x: a @ x, b, _dense_solve, _dense_solve)


def test_custom_linear_solve_derivatives_match_a_direct_solve(x64):
    a, b = A.astype(np.float64), B.astype(np.float64)

    def loss(f):
        return lambda a, b: jnp.sum(f(a, b) ** 2 * jnp.arange(1.0, 4.0))

    direct = jtrans.grad(loss(jnp.linalg.solve), (0, 1))(a, b)
    for g in (jtrans.grad(loss(_cls), (0, 1)), jtrans.jit(jtrans.grad(loss(_cls), (0, 1)))):
        for got, want in zip(g(a, b), direct):
            np.testing.assert_allclose(got, want, rtol=1e-10)
    t = (np.ones((3, 3)), np.ones(3))
    np.testing.assert_allclose(jtrans.jvp(_cls, (a, b), t)[1],
                               jtrans.jvp(jnp.linalg.solve, (a, b), t)[1], rtol=1e-10)  # fmt: skip
    h = jtrans.hessian(lambda b: jnp.sum(_cls(a, b) ** 3))(b)
    np.testing.assert_allclose(h, jtrans.hessian(lambda b: jnp.sum(jnp.linalg.solve(a, b) ** 3))(b),
                               rtol=1e-8)  # fmt: skip


def test_custom_linear_solve_vmap_symmetric_aux():
    bs = np.stack([B, 2 * B, -B])
    out = jtrans.vmap(_cls, (None, 0))(A, bs)
    np.testing.assert_allclose(out, np.linalg.solve(A, bs.T).T, rtol=1e-5)
    out = jtrans.vmap(_cls, (0, None))(np.stack([A, A.T]), B)
    np.testing.assert_allclose(out[1], np.linalg.solve(A.T, B), rtol=1e-5)
    s = A + A.T
    g = jtrans.grad(lambda b: jnp.sum(lax.custom_linear_solve(lambda x: s @ x, b, _dense_solve,
                                                              symmetric=True)))(B)  # fmt: skip
    np.testing.assert_allclose(g, np.linalg.solve(s.T, np.ones(3)), rtol=1e-5)
    x, aux = lax.custom_linear_solve(lambda x: A @ x, B,
                                     lambda mv, b: (_dense_solve(mv, b), jnp.sum(b)),
                                     has_aux=True)  # fmt: skip
    np.testing.assert_allclose(x, np.linalg.solve(A, B), rtol=1e-5)
    assert float(aux) == 6.0


def test_custom_linear_solve_needs_transpose_solve_for_grad():
    f = lambda b: jnp.sum(lax.custom_linear_solve(lambda x: A @ x, b, _dense_solve))
    jtrans.jvp(f, (B,), (B,))  # forward mode needs no transpose_solve
    with pytest.raises(TypeError, match="transpose_solve required"):
        jtrans.grad(f)(B)


def _newton(f, x0):
    def step(i, x):
        fx, dfx = jtrans.jvp(f, (x,), (jnp.ones_like(x),))
        return x - fx / dfx

    return lax.fori_loop(0, 30, step, x0)


def _cube_root(a):
    return lax.custom_root(lambda x: x**3 - a, jnp.ones_like(a), _newton,
                           lambda g, y: y / g(jnp.ones_like(y)))  # fmt: skip


def test_custom_root_implicit_derivatives(x64):
    a = np.array([2.0, 8.0, 27.0])
    np.testing.assert_allclose(_cube_root(a), np.cbrt(a), rtol=1e-12)
    want = 1 / (3 * np.cbrt(a) ** 2)
    np.testing.assert_allclose(jtrans.grad(lambda a: jnp.sum(_cube_root(a)))(a), want, rtol=1e-10)
    np.testing.assert_allclose(jtrans.jit(jtrans.vmap(jtrans.grad(_cube_root)))(a), want,
                               rtol=1e-10)  # fmt: skip
    np.testing.assert_allclose(jtrans.jvp(_cube_root, (a,), (np.ones(3),))[1], want, rtol=1e-10)
    d2 = jtrans.grad(jtrans.grad(lambda a: _cube_root(a)))(8.0)
    np.testing.assert_allclose(d2, -2 / 9 * 8.0 ** (-5 / 3), rtol=1e-8)


def test_custom_root_has_aux():
    def solve(f, x0):
        return _newton(f, x0), jnp.asarray(30)

    x, n = lax.custom_root(lambda x: x * x - 2.0, 1.0, solve, lambda g, y: y / g(1.0),
                           has_aux=True)  # fmt: skip
    np.testing.assert_allclose(x, np.sqrt(2.0), rtol=1e-6)
    assert int(n) == 30


def test_optimization_barrier_keeps_pytrees_and_derivatives():
    x = np.arange(3.0, dtype=np.float32)
    out = lax.optimization_barrier({"a": x, "b": (x * 2,)})
    np.testing.assert_array_equal(out["b"][0], x * 2)
    g = jtrans.grad(lambda x: jnp.sum(lax.optimization_barrier((x, x * x))[1]))(x)
    np.testing.assert_array_equal(g, 2 * x)
    assert "optimization_barrier" in str(jtrans.make_jaxpr(lax.optimization_barrier)(x))
    np.testing.assert_array_equal(jtrans.jit(lambda x: lax.optimization_barrier(x) + 1)(x), x + 1)


def test_special_function_errors_name_the_argument():
    # igamma/igammac are differentiable in a (igamma_grad_a), as in JAX
    h = 1e-3
    fd = (lax.igammac(1.5 + h, 1.0) - lax.igammac(1.5 - h, 1.0)) / (2 * h)
    np.testing.assert_allclose(jtrans.grad(lambda a: lax.igammac(a, 1.0))(1.5), fd, rtol=1e-3)
    with pytest.raises(NotImplementedError, match="with respect to `b`"):
        jtrans.grad(lambda b: lax.betainc(1.0, b, 0.5))(1.5)
    np.testing.assert_allclose(jtrans.grad(lax.bessel_i1e)(0.0), 0.5)
