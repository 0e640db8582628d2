"""Pinned fusion decisions: what becomes one kernel, what is a GEMM call, what is a call-out."""

import numpy as np

import jtrans
import jtrans.lowering  # noqa: F401  (registers the compiler)
import jtrans.numpy as jnp
from jtrans import lax
from jtrans.lowering import kernel as K


def _program(f, *args):
    from jtrans.lowering import Compiled

    return Compiled(jtrans.jit(f).lower(*args).jaxpr, "f").program


def _kinds(prog):
    return [type(s).__name__ for s in prog.steps]


def test_elementwise_reduce_is_one_kernel():
    def f(x):
        return jnp.sum(jnp.tanh(x) * jnp.exp(-x * x) + jnp.sin(x) / (1 + x * x))

    x = np.linspace(-3, 3, 1001, dtype=np.float32)
    prog = _program(f, x)
    assert _kinds(prog) == ["LoopKernel"]
    assert prog.steps[0].reduce_axes == (0,)
    text = jtrans.jit(f).lower(x).as_text("kernels")
    assert text.count("kernel ") == 1 and "callout" not in text
    np.testing.assert_allclose(jtrans.jit(f)(x), f(x), rtol=1e-5, atol=1e-5)


def test_mlp_layer_bias_and_activation_fuse_after_gemm():
    def layer(x, w, b):
        return jnp.tanh(x @ w + b)

    x = np.random.RandomState(0).randn(8, 5).astype(np.float32)
    w = np.random.RandomState(1).randn(5, 3).astype(np.float32)
    b = np.random.RandomState(2).randn(3).astype(np.float32)
    prog = _program(layer, x, w, b)
    assert _kinds(prog) == ["GemmKernel", "LoopKernel"]
    epilogue = prog.steps[1]
    assert {"add", "tanh"} <= set(epilogue.eqn_names)
    np.testing.assert_allclose(jtrans.jit(layer)(x, w, b), layer(x, w, b), rtol=1e-5, atol=1e-6)


def test_broadcast_transpose_reshape_are_index_maps():
    def f(x, y):
        return (x.T + y[:, None]).reshape(-1) * 2.0

    x = np.ones((3, 4), np.float32)
    y = np.arange(4, dtype=np.float32)
    prog = _program(f, x, y)
    assert _kinds(prog) == ["LoopKernel"]
    np.testing.assert_allclose(jtrans.jit(f)(x, y), f(x, y))


def test_reduction_ends_fusion_and_feeds_next_kernel():
    def f(x):
        m = jnp.max(x, axis=1, keepdims=True)
        return jnp.exp(x - m) / jnp.sum(jnp.exp(x - m), axis=1, keepdims=True)

    x = np.random.RandomState(0).randn(4, 6).astype(np.float32)
    prog = _program(f, x)
    loops = [s for s in prog.steps if isinstance(s, K.LoopKernel)]
    assert len(prog.steps) == len(loops) <= 3
    np.testing.assert_allclose(jtrans.jit(f)(x), f(x), rtol=1e-5, atol=1e-6)


def test_call_outs_are_shown():
    def f(x):
        return jnp.linalg.cholesky(x) + 1.0

    x = np.diag([9.0, 1.0, 4.0]).astype(np.float32)
    text = jtrans.jit(f).lower(x).as_text("kernels")
    assert "callout cholesky" in text
    np.testing.assert_allclose(jtrans.jit(f)(x), np.diag([3.0, 1.0, 2.0]) + 1.0)


def test_iota_and_select_fuse():
    def f(x):
        i = lax.broadcasted_iota(np.int32, x.shape, 0)
        return jnp.where(i % 2 == 0, x, -x)

    x = np.ones((5, 2), np.float32)
    assert _kinds(_program(f, x)) == ["LoopKernel"]
    np.testing.assert_allclose(jtrans.jit(f)(x), f(x))


# ---------------------------------------------------------------------------------------------
# unit axes, GEMM operands through reshapes, column reductions joining their producer


def _rand(*shape, seed=0):
    return np.random.RandomState(seed).randn(*shape).astype(np.float32)


def test_reduction_over_unit_axes_is_a_reshape_and_keeps_negative_zero():
    x = np.array([[-0.0], [1.5]], np.float32)
    f = lambda x: jnp.sum(x, axis=1)  # noqa: E731
    prog = _program(f, x)
    assert not any(getattr(s, "reduce_axes", ()) for s in prog.steps)
    out = np.asarray(jtrans.jit(f)(x))
    np.testing.assert_array_equal(out, [-0.0, 1.5])
    assert np.signbit(out[0])  # as eager: the element itself, not 0.0 + (-0.0)


def test_values_differing_by_unit_axes_share_one_loop():
    # vmap of a single-example function makes [n, 1, k] values next to [n, k] results
    def f(t, b):
        y = jnp.tanh(t + b)  # [n, 1, k]
        return y, y.reshape(t.shape[0], t.shape[2])

    t, b = _rand(6, 1, 5), _rand(5, seed=1)
    prog = _program(f, t, b)
    assert _kinds(prog) == ["LoopKernel"] and prog.steps[0].shape == (6, 5)
    for got, want in zip(jtrans.jit(f)(t, b), f(t, b)):
        np.testing.assert_allclose(got, want, rtol=1e-6)


def test_gemm_operand_through_a_reshape_needs_no_copy():
    a, z = _rand(2, 3), _rand(4, 3, seed=1)
    f = lambda z: lax.dot_general(a, z.reshape(4, 3, 1), (((1,), (1,)), ((), ())))  # noqa: E731
    np.testing.assert_allclose(jtrans.jit(f)(z), f(z), rtol=1e-5)
    g = lambda z: z.reshape(2, 6) @ _rand(6, 3, seed=2)  # noqa: E731
    prog = _program(g, z)
    assert _kinds(prog) == ["GemmKernel"]
    np.testing.assert_allclose(jtrans.jit(g)(z), g(z), rtol=1e-5)


def test_transposed_gemm_operand_of_a_reshape():
    # a transposing copy of a reshaped operand indexes the source buffer in the reshaped
    # layout (regression: every row of the result equalled the first)
    a = jnp.array([[1.0, 2.0], [3.0, 4.0]])
    z = jnp.arange(8.0).reshape(4, 2)

    def f(z):
        d = lax.dot_general(a, z.reshape(4, 2, 1), (((1,), (1,)), ((), ())))
        return lax.transpose(d, (1, 0, 2))

    np.testing.assert_allclose(jtrans.jit(f)(z), f(z))
    np.testing.assert_allclose(jtrans.jit(lambda z: jnp.matmul(a, z[..., None])[..., 0])(z),
                               np.asarray(z) @ np.asarray(a).T)  # fmt: skip


def test_column_sum_joins_the_loop_that_computes_its_operand():
    # a bias gradient: the column sum of a freshly computed matrix
    def f(g, h):
        d = g * (h > 0)
        return d, jnp.sum(d, axis=0), jnp.max(d, axis=0)

    g, h = _rand(16, 8), _rand(16, 8, seed=1)
    prog = _program(f, g, h)
    assert _kinds(prog) == ["LoopKernel"]
    k = prog.steps[0]
    assert k.col_axes == 1 and [m for _, _, m in k.col_outputs] == ["add", "max"]
    assert "add= o0[...] over i0" in K.pp_program(prog)
    for got, want in zip(jtrans.jit(f)(g, h), f(g, h)):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


def test_column_reductions_of_3d_values_and_their_limits():
    x = _rand(3, 4, 5)
    for axes in [(0,), (0, 1)]:
        f = lambda x, axes=axes: (jnp.exp(x), jnp.sum(jnp.exp(x), axis=axes))  # noqa: E731
        k = _program(f, x).steps[0]
        assert len(k.col_outputs) == 1 and k.col_axes == len(axes)
        for got, want in zip(jtrans.jit(f)(x), f(x)):
            np.testing.assert_allclose(got, want, rtol=1e-5)
    # a reduction over a trailing axis, or of a loop too large to run serially, stays apart
    f = lambda x: (jnp.exp(x), jnp.sum(jnp.exp(x), axis=2))  # noqa: E731
    assert not _program(f, x).steps[0].col_outputs
    big = _rand(512, 512)
    f = lambda x: (jnp.exp(x), jnp.sum(jnp.exp(x), axis=0))  # noqa: E731
    assert not any(getattr(s, "col_outputs", None) for s in _program(f, big).steps)
    for got, want in zip(jtrans.jit(f)(big), f(big)):
        np.testing.assert_allclose(got, want, rtol=1e-4)
    empty = np.zeros((0, 3), np.float32)
    for got, want in zip(jtrans.jit(f)(empty), f(empty)):
        np.testing.assert_array_equal(got, want)


def test_mlp_gradient_bias_sums_fuse():
    def loss(w, b, x):
        return jnp.sum(jnp.tanh(x @ w + b) ** 2)

    w, b, x = _rand(8, 16), _rand(16, seed=1), _rand(32, 8, seed=2)
    g = jtrans.grad(loss, argnums=(0, 1))
    prog = _program(g, w, b, x)
    assert sum(len(getattr(s, "col_outputs", ())) for s in prog.steps) == 1
    for got, want in zip(jtrans.jit(g)(w, b, x), g(w, b, x)):
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=1e-5)


def test_products_with_an_identity_matrix_are_transposes():
    # jacfwd's basis: hessian(f) = jacfwd(jacrev(f)) multiplies by jnp.eye
    a = _rand(3, 4, 5)
    cases = [
        lambda a: a @ jnp.eye(5),
        lambda a: jnp.eye(3) @ a[:, :, 0],
        lambda a: jnp.einsum("ijk,lj->ilk", a, jnp.eye(4)),
        lambda a: lax.dot_general(jnp.eye(4), a, (((0,), (1,)), ((), ()))),
        lambda a: a @ jnp.identity(5, dtype=jnp.float32),
    ]
    for f in cases:
        assert "GemmKernel" not in _kinds(_program(f, a))
        np.testing.assert_allclose(jtrans.jit(f)(a), f(a), rtol=1e-6)
    # not an identity: the product stays
    for f in (lambda a: a @ jnp.eye(5, k=1), lambda a: a @ (2 * jnp.eye(5))):
        assert "GemmKernel" in _kinds(_program(f, a))
        np.testing.assert_allclose(jtrans.jit(f)(a), f(a), rtol=1e-6)


def test_hessian_needs_one_matrix_product():
    w, x = _rand(20, 20) / 5, _rand(20, seed=1)
    h = jtrans.hessian(lambda x, w: jnp.sum(jnp.tanh(w @ x)))
    prog = _program(h, x, w)
    gemms = [s for s in prog.steps if isinstance(s, K.GemmKernel)]
    assert len(gemms) == 2 and sum(g.n > 1 for g in gemms) == 1  # W x, then one matrix product
    # the transposed result is written by the GEMM itself (through a unit-axis reshape)
    assert isinstance(prog.steps[-1], K.GemmKernel)
    np.testing.assert_allclose(jtrans.jit(h)(x, w), h(x, w), rtol=1e-5, atol=1e-6)


def test_gemm_reads_transposed_operands_in_place():
    """`a @ b.T`, `a.T @ b` and batched swapaxes become one GEMM with a transposed-operand flag
    (no transpose copy); a transpose that reorders an operand's free dimensions is kept."""
    rng = np.random.default_rng(0)
    a, b = (
        rng.standard_normal((6, 5)).astype(np.float32),
        rng.standard_normal((4, 5)).astype(np.float32),
    )
    c = rng.standard_normal((6, 3)).astype(np.float32)
    b3 = rng.standard_normal((2, 4, 5)).astype(np.float32)
    cases = [
        (lambda p, q: p @ q.T, (a, b), "op(A)=N op(B)=T"),
        (lambda p, q: p.T @ q, (a, c), "op(A)=T op(B)=N"),
        (lambda p, q: p.T @ q.T, (c, a.T.copy()), "op(A)=T op(B)=T"),
        (lambda q, r: jnp.swapaxes(q, 1, 2) @ r, (b3, b3[:, :, :3].copy()), "op(A)=T op(B)=N"),
    ]  # fmt: skip
    for f, args, flags in cases:
        text = jtrans.jit(f).lower(*args).as_text("kernels")
        assert flags in text and "fuses: transpose" not in text, text
        np.testing.assert_allclose(np.asarray(jtrans.jit(f)(*args)), np.asarray(f(*args)),
                                   rtol=1e-5, atol=1e-5)  # fmt: skip
    t = rng.standard_normal((3, 4, 5)).astype(np.float32)  # free dims (3, 4) swap: not folded
    g = lambda p: jnp.einsum("abk,k->ab", jnp.transpose(p, (1, 0, 2)), jnp.ones(5))
    np.testing.assert_allclose(np.asarray(jtrans.jit(g)(t)), np.asarray(g(t)), rtol=1e-5)
