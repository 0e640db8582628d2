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
