"""Elementwise kernels run as GEMM epilogues (gemm_plan.gemm_epilogues): on each block of C as the
GEMM routine computes it. Results are bit-identical to running the kernel after the product,
and the fusion is refused where a block could see another block's data."""

import numpy as np
import pytest

import jtrans
import jtrans.numpy as jnp
from jtrans import lowering
from jtrans.lowering import gemm_plan


def _fused_count(f, *args):
    closed = jtrans.make_jaxpr(f)(*args)
    prev, gemm_plan.GEMM_EPILOGUES = gemm_plan.GEMM_EPILOGUES, True
    try:
        c = lowering.Compiled(closed, "f")
        return len(gemm_plan.gemm_epilogues(c.program, c.locator))
    finally:
        gemm_plan.GEMM_EPILOGUES = prev


def _both(f, *args):
    """f compiled with and without epilogues (bit-identical), and f eager."""
    outs = []
    for on in (True, False):
        prev, gemm_plan.GEMM_EPILOGUES = gemm_plan.GEMM_EPILOGUES, on
        try:
            jtrans.clear_caches()
            outs.append(jtrans.tree_util.tree_map(np.asarray, jtrans.jit(f)(*args)))
        finally:
            gemm_plan.GEMM_EPILOGUES = prev
            jtrans.clear_caches()
    for a, b in zip(jtrans.tree_util.tree_leaves(outs[0]), jtrans.tree_util.tree_leaves(outs[1])):
        np.testing.assert_array_equal(a, b)
    eager = jtrans.tree_util.tree_map(np.asarray, f(*args))
    for a, b in zip(jtrans.tree_util.tree_leaves(outs[0]), jtrans.tree_util.tree_leaves(eager)):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)
    return outs[0]


@pytest.mark.parametrize("m,n,k", [(128, 512, 300), (20, 64, 16), (300, 100, 70), (33, 40, 500)])
def test_bias_activation(m, n, k):
    rng = np.random.default_rng(m + n + k)
    x = rng.standard_normal((m, k)).astype(np.float32)
    w = rng.standard_normal((k, n)).astype(np.float32)
    b = rng.standard_normal(n).astype(np.float32)
    f = lambda x, w, b: jnp.tanh(jnp.maximum(x @ w + b, 0.1 * (x @ w)))
    _both(f, x, w, b)
    assert _fused_count(f, x, w, b) == 1


def test_weight_update_after_gradient():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((128, 200)).astype(np.float32)
    g = rng.standard_normal((128, 96)).astype(np.float32)
    w = rng.standard_normal((200, 96)).astype(np.float32)
    f = lambda x, g, w: w - 0.01 * (x.T @ g)
    _both(f, x, g, w)
    assert _fused_count(f, x, g, w) == 1


def test_mlp_step_moves_updates_up_to_their_gradients():
    """The SGD update of W2 is several steps after W2's gradient: it moves up to it."""
    jnp_ = jnp
    rng = np.random.default_rng(1)
    sizes = [70, 96, 64, 10]
    params = [(rng.standard_normal((a, b)).astype(np.float32) * 0.1,
               np.zeros(b, np.float32)) for a, b in zip(sizes[:-1], sizes[1:])]  # fmt: skip
    x = rng.standard_normal((64, 70)).astype(np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 64)]

    def loss(params, x, y):
        h = x
        for w, b in params[:-1]:
            h = jnp_.maximum(h @ w + b, 0.0)
        w, b = params[-1]
        z = h @ w + b
        z = z - jnp_.max(z, axis=-1, keepdims=True)
        return -jnp_.mean(jnp_.sum(y * (z - jnp_.log(jnp_.sum(jnp_.exp(z), -1, keepdims=True))), -1))

    def step(params, x, y):
        g = jtrans.grad(loss)(params, x, y)
        return [(w - 0.1 * gw, b - 0.1 * gb) for (w, b), (gw, gb) in zip(params, g)]

    _both(step, params, x, y)
    assert _fused_count(step, params, x, y) >= 4  # two layers' bias + ReLU, two updates


def test_refused_when_c_is_read_elsewhere_in_the_block():
    """A kernel reading C at another position (a roll along the columns) is not an epilogue:
    a block would read columns another block has not computed yet."""
    rng = np.random.default_rng(2)
    x = rng.standard_normal((64, 50)).astype(np.float32)
    w = rng.standard_normal((50, 256)).astype(np.float32)
    f = lambda x, w: jnp.roll(x @ w, 3, axis=1) + 1.0
    _both(f, x, w)
    assert _fused_count(f, x, w) == 0
    g = lambda x, w: (x @ w)[::-1] * 2.0
    _both(g, x, w)
    assert _fused_count(g, x, w) == 0


def test_reductions_and_batched_products_are_not_epilogues():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 64, 50)).astype(np.float32)
    w = rng.standard_normal((4, 50, 96)).astype(np.float32)
    f = lambda x, w: jnp.exp(jnp.matmul(x, w))
    _both(f, x, w)
    assert _fused_count(f, x, w) == 0
    h = lambda x, w: jnp.sum(x[0] @ w[0], axis=0)
    _both(h, x, w)
    assert _fused_count(h, x, w) == 0


def test_float64_epilogue(x64):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((100, 120))
    w = rng.standard_normal((120, 200))
    f = lambda x, w: jnp.sin(x @ w) * 0.5
    out = _both(f, x, w)
    assert out.dtype == np.float64
    assert _fused_count(f, x, w) == 1
