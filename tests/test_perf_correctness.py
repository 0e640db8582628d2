"""Correctness of the compiler's fast paths: the native call path (llvm.pycall), GEMMs cut into
blocks run by the thread pool, single-threaded small GEMMs, and the pool itself."""

import ctypes
import threading

import numpy as np
import pytest

import jtrans
import jtrans.numpy as jnp
from jtrans.lowering import cpu, gemm_plan, llvm, runtime


def _rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


# -- the native call path ------------------------------------------------------------------------


def test_layout_probe_found():
    assert runtime.PY_LAYOUT is not None  # CPython 3 on a 64-bit machine


def test_call_path_converts_inputs_it_cannot_take():
    f = jtrans.jit(lambda x, y: x * 2.0 + y)
    x, y = _rand(4, 6), _rand(4, 6, seed=1)
    want = x * 2 + y
    np.testing.assert_allclose(np.asarray(f(x, y)), want, rtol=1e-6)
    # non-contiguous, a broadcast view, another dtype: the general path
    np.testing.assert_allclose(np.asarray(f(np.asfortranarray(x), y)), want, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(f(jnp.ones((4, 6)), y)), 2 + y, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(f(x.astype(np.float64), y)), want, rtol=1e-6)


def test_call_path_outputs_that_are_inputs_literals_or_repeated():
    f = jtrans.jit(lambda x, y: (y, x + 1.0, 3.0, x + 1.0, x))
    x, y = _rand(3), _rand(2, seed=1)
    outs = f(x, y)
    np.testing.assert_array_equal(np.asarray(outs[0]), y)
    np.testing.assert_allclose(np.asarray(outs[1]), x + 1)
    assert float(outs[2]) == 3.0
    np.testing.assert_allclose(np.asarray(outs[3]), x + 1)
    np.testing.assert_array_equal(np.asarray(outs[4]), x)


def test_call_path_zero_size_and_scalars():
    f = jtrans.jit(lambda x, s: x * s)
    np.testing.assert_array_equal(
        np.asarray(f(np.zeros((0, 3), np.float32), 2.0)), np.zeros((0, 3))
    )
    assert float(f(np.float32(3.0), 2.0)) == 6.0


def test_call_path_errors_from_call_outs_still_raise():
    # a call-out whose impl raises inside the native call reports the Python error
    f = jtrans.jit(lambda x: jnp.linalg.cholesky(x))
    out = np.asarray(f(np.eye(3, dtype=np.float32) * 4))
    np.testing.assert_allclose(out, np.eye(3) * 2, rtol=1e-6)


def test_call_path_threads():
    f = jtrans.jit(lambda x: jnp.tanh(x) @ x.T)
    xs = [_rand(64, 64, seed=i) for i in range(4)]
    want = [np.tanh(x) @ x.T for x in xs]
    got = [None] * 4

    def run(i):
        for _ in range(20):
            got[i] = np.asarray(f(xs[i]))

    ts = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-4)


# -- GEMMs ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("ta", [False, True])
@pytest.mark.parametrize("tb", [False, True])
@pytest.mark.parametrize("m,n,k", [(160, 40, 700), (40, 300, 400), (257, 251, 129), (3, 5, 2)])
def test_gemm_blocks(m, n, k, ta, tb):
    a = _rand(k, m) if ta else _rand(m, k)
    b = _rand(n, k, seed=1) if tb else _rand(k, n, seed=1)
    f = jtrans.jit(lambda a, b: (a.T if ta else a) @ (b.T if tb else b))
    want = (a.T if ta else a).astype(np.float64) @ (b.T if tb else b).astype(np.float64)
    np.testing.assert_allclose(np.asarray(f(a, b)), want, rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gemm_batched_large(dtype):
    a = _rand(20, 64, 200).astype(dtype)
    b = _rand(20, 200, 90, seed=1).astype(dtype)
    f = jtrans.jit(jnp.matmul)
    np.testing.assert_allclose(np.asarray(f(a, b)), a @ b, rtol=1e-4, atol=1e-3)


def test_large_gemm_is_cut_into_chunks():
    m = n = k = 256
    assert m * n * k >= gemm_plan.GEMM_SERIAL_MNK
    c = gemm_plan.GEMM_MAX_CHUNKS
    split = gemm_plan.gemm_split
    assert split(1, m, n, k) == (1, min(c, 8)) and split(1, 64, 512, k)[0] == 2
    assert split(20, 64, 90, 200) == (0, c) and split(1, 8, 8, 8)[0] == -1
    # modules hold a descriptor-filling driver; the BLAS calls live in the shared routine
    text = jtrans.jit(jnp.matmul).lower(_rand(m, k), _rand(k, n)).as_text("llvm")
    assert llvm.GEMM_GLOBAL in text and "_chunk" not in text
    assert cpu.gemm_address() != 0


def test_mlp_grad_matches_eager():
    sizes = [100, 300, 200, 10]
    rng = np.random.default_rng(0)
    params = [((rng.standard_normal((a, b)) / np.sqrt(a)).astype(np.float32),
               np.zeros(b, np.float32)) for a, b in zip(sizes[:-1], sizes[1:])]  # fmt: skip
    x, y = _rand(128, 100), _rand(128, 10, seed=2)

    def loss(params, x, y):
        h = x
        for w, b in params[:-1]:
            h = jnp.maximum(h @ w + b, 0.0)
        w, b = params[-1]
        return jnp.mean((h @ w + b - y) ** 2)

    g_jit = jtrans.jit(jtrans.grad(loss))(params, x, y)
    g_eager = jtrans.grad(loss)(params, x, y)
    for (gw, gb), (ew, eb) in zip(g_jit, g_eager):
        np.testing.assert_allclose(np.asarray(gw), np.asarray(ew), rtol=2e-4, atol=1e-5)
        np.testing.assert_allclose(np.asarray(gb), np.asarray(eb), rtol=2e-4, atol=1e-5)


# -- the pool ------------------------------------------------------------------------------------


def test_pool_runs_every_chunk_once():
    addr = cpu.pool_address()
    if not addr:
        pytest.skip("no thread pool on this machine")
    chunk_ty = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int64)
    pf = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64)(addr)
    for n in (0, 1, 2, 7, 64):
        hits = []
        cb = chunk_ty(lambda ctx, i: hits.append(i))
        pf(ctypes.cast(cb, ctypes.c_void_p), None, n)
        assert sorted(hits) == list(range(n))


# -- parallel loop kernels -----------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(300_001,), (1000, 333), (7, 40_000), (3, 5, 20_000)])
def test_parallel_elementwise_and_reductions(shape):
    x = np.random.default_rng(0).uniform(-3, 3, shape).astype(np.float32)

    def f(x):
        y = jnp.tanh(x) * jnp.exp(-x * x) + jnp.sin(x) / (1 + x * x)
        return y, jnp.sum(y), jnp.max(y, axis=-1), jnp.sum(y, axis=0), jnp.min(x)

    got = jtrans.jit(f)(x)
    x64 = x.astype(np.float64)
    y = np.tanh(x64) * np.exp(-x64 * x64) + np.sin(x64) / (1 + x64 * x64)
    want = (y, y.sum(), y.max(axis=-1), y.sum(axis=0), x.min())
    for g, w in zip(got, want):
        np.testing.assert_allclose(np.asarray(g), w, rtol=1e-4, atol=1e-4 * np.sqrt(x.size))
    # the same result on every call (chunks are combined in a fixed order)
    assert float(jtrans.jit(f)(x)[1]) == float(got[1])


def test_large_loop_is_cut_into_chunks():
    text = jtrans.jit(lambda x: jnp.sum(jnp.exp(x))).lower(np.ones(10**6, np.float32))
    assert "_chunk" in text.as_text("llvm")
    small = jtrans.jit(lambda x: jnp.sum(jnp.exp(x))).lower(np.ones(1000, np.float32))
    assert "_chunk" not in small.as_text("llvm")


def test_parallel_integer_and_bool_reductions():
    x = np.arange(400_000, dtype=np.int32) % 1000 - 500
    f = jtrans.jit(lambda x: (jnp.sum(x), jnp.max(x), jnp.any(x > 498), jnp.all(x > -501)))
    s, m, a, b = f(x)
    assert int(s) == int(x.sum()) and int(m) == 499 and bool(a) and bool(b)


# -- the result pool -----------------------------------------------------------------------------


def test_result_pool_reuses_blocks_only_after_death():
    f = jtrans.jit(lambda x: x * 2.0)
    x = np.arange(1 << 19, dtype=np.float32)  # 2 MiB: pooled
    a = np.asarray(f(x))
    b = np.asarray(f(x))
    assert a.ctypes.data != b.ctypes.data  # `a` is alive: its block is not reused
    np.testing.assert_array_equal(a, x * 2)
    np.testing.assert_array_equal(b, x * 2)
    view = a[10:20]
    del a
    c = np.asarray(f(x + 1))
    assert c.ctypes.data != view.ctypes.data - 40  # a view keeps the block alive
    np.testing.assert_array_equal(view, x[10:20] * 2)
    np.testing.assert_array_equal(c, (x + 1) * 2)
    assert c.flags.c_contiguous and c.flags.writeable and c.ctypes.data % 64 == 0


# -- dot_generals with a one-element contraction: fused broadcast products ----------------------


def test_outer_product_dots_are_fused():
    from jtrans import lax

    def f(a, b):  # a batched outer product, then a transpose: one loop kernel
        d = lax.dot_general(a, b, (((1,), (1,)), ((0,), (0,))))
        return jnp.transpose(d, (0, 2, 1)) * 2.0

    a, b = _rand(8, 1, 5), _rand(8, 1, 7, seed=1)
    text = jtrans.jit(f).lower(a, b).as_text("kernels")
    assert "gemm" not in text and text.count("kernel ") == 1, text
    want = np.einsum("bxi,bxj->bji", a, b) * 2
    np.testing.assert_allclose(np.asarray(jtrans.jit(f)(a, b)), want, rtol=1e-6)
    # no contraction at all (jnp.outer), integers, mixed dtypes with preferred_element_type
    x, y = _rand(6), _rand(4, seed=2)
    np.testing.assert_allclose(np.asarray(jtrans.jit(jnp.outer)(x, y)), np.outer(x, y), rtol=1e-6)
    i, j = np.arange(6, dtype=np.int32).reshape(6, 1), np.arange(3, dtype=np.int32).reshape(1, 3)
    np.testing.assert_array_equal(np.asarray(jtrans.jit(jnp.matmul)(i, j)), i @ j)
    g = jtrans.jit(lambda p, q: lax.dot_general(p, q, (((1,), (0,)), ((), ())),
                                                preferred_element_type=jnp.float32))  # fmt: skip
    out = g(i.astype(np.int8), j.astype(np.int8))
    assert out.dtype == np.float32
    np.testing.assert_array_equal(np.asarray(out), (i @ j).astype(np.float32))


def test_per_example_gradients_have_no_k1_gemms():
    def loss(w, x):
        return jnp.sum(jnp.tanh(x[None] @ w))

    w, xs = _rand(5, 3), _rand(4, 5, seed=1)
    f = jtrans.jit(jtrans.vmap(jtrans.grad(loss), in_axes=(None, 0)))
    text = f.lower(w, xs).as_text("kernels")
    assert "k=1 " not in text and "# fuses: transpose\n" not in text + "\n", text
    want = np.stack([np.outer(x, 1 - np.tanh(x @ w) ** 2) for x in xs])
    np.testing.assert_allclose(np.asarray(f(w, xs)), want, rtol=2e-5, atol=1e-6)


def test_gemm_read_transposed_is_computed_swapped():
    from jtrans import lax

    x, w = _rand(6, 5), _rand(5, 3, seed=1)
    g = jtrans.jit(jtrans.grad(lambda w, x: jnp.sum(jnp.tanh(x @ w)), argnums=0))
    text = g.lower(w, x).as_text("kernels")
    assert "transpose" not in text, text
    want = x.T @ (1 - np.tanh(x @ w) ** 2)
    np.testing.assert_allclose(np.asarray(g(w, x)), want, rtol=2e-5, atol=1e-6)
    a, b = _rand(4, 6, 5), _rand(4, 5, 3, seed=2)
    for perm in [(0, 2, 1), (1, 0, 2), (2, 1, 0)]:  # only the first is a swap
        f = jtrans.jit(lambda a, b, p=perm: jnp.transpose(
            lax.dot_general(a, b, (((2,), (1,)), ((0,), (0,)))), p))  # fmt: skip
        np.testing.assert_allclose(np.asarray(f(a, b)), np.transpose(a @ b, perm), rtol=2e-5,
                                   atol=1e-6)  # fmt: skip
    # the product is also read elsewhere, or is an output: no swap, same values
    f = jtrans.jit(lambda a, b: (a @ b, (a @ b).T))
    o1, o2 = f(x, w)
    np.testing.assert_allclose(np.asarray(o2), (x @ w).T, rtol=2e-5, atol=1e-6)


def test_kernels_equal_up_to_buffers_share_a_function():
    def f(x, w1, b1, w2, b2):  # two bias + tanh epilogues of the same shape
        h = jnp.tanh(x @ w1 + b1)
        return jnp.tanh(h @ w2 + b2)

    args = (_rand(8, 16), _rand(16, 16, seed=1), _rand(16, seed=2), _rand(16, 16, seed=3),
            _rand(16, seed=4))  # fmt: skip
    lo = jtrans.jit(f).lower(*args)
    kernels = [ln for ln in lo.as_text("kernels").splitlines() if ln.startswith("kernel k")]
    defined = [
        ln for ln in lo.as_text("llvm").splitlines() if ln.startswith("define internal void")
    ]
    assert len(kernels) == 4 and len(defined) == 2, (kernels, defined)  # one gemm, one loop
    x, w1, b1, w2, b2 = args
    want = np.tanh(np.tanh(x @ w1 + b1) @ w2 + b2)
    np.testing.assert_allclose(np.asarray(jtrans.jit(f)(*args)), want, rtol=2e-5, atol=1e-6)


# -- column-style reductions: a row of accumulators --------------------------------------------


@pytest.mark.parametrize(
    "shape,axis", [((128, 512), 0), ((1024, 520), 0), ((64, 300, 40), 1), ((6, 9, 33), (0, 1)),
                   ((3, 5000), 0), ((300, 7), 0)])  # fmt: skip
def test_column_reductions(shape, axis):
    x = _rand(*shape)
    x.flat[::97] = np.nan if shape == (6, 9, 33) else x.flat[::97]
    for fn in (jnp.sum, jnp.max, jnp.min, jnp.prod):
        got = np.asarray(jtrans.jit(lambda x, fn=fn: fn(x, axis=axis))(x))
        want = getattr(np, fn.__name__)(x.astype(np.float64), axis=axis).astype(np.float32)
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=1e-5, err_msg=fn.__name__)
    i = (np.nan_to_num(x) * 100).astype(np.int32)
    got = np.asarray(jtrans.jit(lambda x: jnp.sum(x, axis=axis))(i))
    np.testing.assert_array_equal(got, i.sum(axis=axis, dtype=np.int32))


def test_bias_gradient_reduction_is_vectorised():
    f = jtrans.jit(lambda x: jnp.sum(x, axis=0))
    ir_opt = f.lower(_rand(128, 512)).as_text("llvm-opt")
    assert "<16 x double>" in ir_opt or "<8 x double>" in ir_opt or "<4 x double>" in ir_opt


def test_gemm_driver_from_the_disk_cache(tmp_path):
    """A module loaded as object code from JTRANS_CACHE_DIR still finds the process-wide GEMM
    routine, the pool and the BLAS thread setter through its globals."""
    import os
    import subprocess
    import sys

    code = (
        "import numpy as np, jtrans, jtrans.lowering, jtrans.numpy as jnp\n"
        "r = np.random.default_rng(0)\n"
        "a, b = r.standard_normal((300, 200), np.float32), r.standard_normal((200, 250), np.float32)\n"
        "f = jtrans.jit(lambda a, b: jnp.tanh(a @ b) @ b.T)\n"
        "print(float(np.abs(np.asarray(f(a, b)) - np.tanh(a @ b) @ b.T).max()))\n"
    )
    env = dict(os.environ, JTRANS_CACHE_DIR=str(tmp_path))
    for _ in range(2):  # compile and store, then load
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                             text=True, check=True, cwd=os.getcwd()).stdout  # fmt: skip
        assert float(out) < 1e-3
    assert any(f.endswith(".o") for f in os.listdir(tmp_path))
