"""Loop kernels whose innermost axis is short (llvm.UNROLL_INNER_MAX): elementwise rows are
emitted unrolled and stored as one vector ("row"), small kernels compiled for size get unrolled
copies of their innermost loop ("copies"), and chunked kernels reach their buffers through an
inlined noalias rows function. Results must equal NumPy's whatever the path."""

import numpy as np
import pytest

import jtrans
import jtrans.numpy as jnp
from jtrans.lowering import llvm as L

RNG = np.random.default_rng(0)


def _f32(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


@pytest.mark.parametrize("batch,n,k", [(64, 128, 10), (256, 128, 5), (3, 700, 16), (40, 60, 2)])
def test_outer_product_rows(batch, n, k):
    # the per-example weight-gradient shape: out[b, i, j] = a[b, i] * c[b, j]
    a, c = _f32(batch, n), _f32(batch, k)
    f = jtrans.jit(lambda a, c: a[:, :, None] * c[:, None, :])
    np.testing.assert_array_equal(np.asarray(f(a, c)), a[:, :, None] * c[:, None, :])
    if batch * n * k > L.SMALL_KERNEL:
        assert f"store <{k} x float>" in f.lower(a, c).as_text("llvm")


def test_vmap_grad_outer_product_rows():
    w = _f32(32, 10)
    x = _f32(128, 32)

    def loss(w, x):
        return jnp.sum(jnp.tanh(x @ w))

    g = jtrans.jit(jtrans.vmap(jtrans.grad(loss), in_axes=(None, 0)))(w, x)
    want = x[:, :, None] * (1 - np.tanh(x @ w) ** 2)[:, None, :]
    np.testing.assert_allclose(np.asarray(g), want, rtol=2e-5, atol=2e-6)


def test_rows_of_other_dtypes():
    a = RNG.integers(-50, 50, (50, 100)).astype(np.int32)
    c = RNG.integers(-50, 50, (50, 7)).astype(np.int32)
    f = jtrans.jit(lambda a, c: (a[:, :, None] + c[:, None, :], a[:, :, None] > c[:, None, :]))
    s, gt = f(a, c)
    np.testing.assert_array_equal(np.asarray(s), a[:, :, None] + c[:, None, :])
    np.testing.assert_array_equal(np.asarray(gt), a[:, :, None] > c[:, None, :])
    x = _f32(300, 40, 3).astype(np.float64)
    with jtrans.enable_x64():
        y = jtrans.jit(lambda x: x * 2.0 + 1.0)(x)
    np.testing.assert_array_equal(np.asarray(y), x * 2.0 + 1.0)


def test_row_with_several_outputs_and_transcendentals():
    a = _f32(200, 50, 4)
    f = jtrans.jit(lambda a: (jnp.exp(a), a * a))
    e, sq = f(a)
    np.testing.assert_allclose(np.asarray(e), np.exp(a), rtol=1e-6)
    np.testing.assert_array_equal(np.asarray(sq), a * a)


@pytest.mark.parametrize("op", ["max", "min", "sum"])
def test_small_row_reductions(op):
    # [128, 10]: a kernel compiled for size whose reduced innermost loop is unrolled
    x = _f32(128, 10)
    x[3, 4] = np.nan
    x[7, :] = -np.inf
    f = jtrans.jit(lambda x: getattr(jnp, op)(x + 1.0, axis=-1))
    np.testing.assert_allclose(np.asarray(f(x)), getattr(np, op)(x + 1.0, axis=-1), rtol=1e-6)


def test_small_elementwise_copies_and_int_reduction():
    x = RNG.integers(-9, 9, (100, 7)).astype(np.int32)
    f = jtrans.jit(lambda x: (x * 3 - 1, jnp.sum(x * x, axis=1)))
    y, s = f(x)
    np.testing.assert_array_equal(np.asarray(y), x * 3 - 1)
    np.testing.assert_array_equal(np.asarray(s), np.sum(x * x, axis=1))


def test_chunked_kernels_with_noalias_rows():
    # kernels of >= PARALLEL_MIN_ELEMENTS iterations run in chunks through a rows function
    x = _f32(L.PARALLEL_MIN_ELEMENTS * 2 + 3)
    total = jtrans.jit(jnp.sum)(x)
    np.testing.assert_allclose(float(total), float(np.sum(x.astype(np.float64))), rtol=1e-5)
    m = _f32(1000, 300)
    y = jtrans.jit(lambda m: jnp.max(m * 2.0, axis=1))(m)
    np.testing.assert_array_equal(np.asarray(y), np.max(m * 2.0, axis=1))
    z = jtrans.jit(lambda m: jnp.sin(m) + m)(m)
    np.testing.assert_allclose(np.asarray(z), np.sin(m) + m, rtol=1e-5, atol=1e-6)


def test_idle_pool_workers_sleep_soon_under_contention():
    """After a parallel kernel, idle workers spin, yield their core, then sleep on the futex
    within a bounded time (POOL_IDLE_CYCLES), also while other threads want the cores: a bound
    on the number of yields let them stay runnable for tens of ms there, slowing the BLAS
    threads of NumPy code that ran next."""
    import ctypes
    import threading
    import time

    from jtrans.lowering import cpu

    if not cpu.pool_address():
        pytest.skip("no thread pool on this machine")
    engine = cpu._pool[0]
    sleeping = ctypes.c_int32.from_address(engine.get_global_value_address("jt_pool_sleeping"))
    nworkers = ctypes.c_int32.from_address(engine.get_global_value_address("jt_pool_nworkers"))
    stop = threading.Event()
    a = np.ones((400, 400), np.float32)

    def busy():  # BLAS threads wanting the cores while the workers go idle
        while not stop.is_set():
            a @ a

    f = jtrans.jit(lambda x: jnp.sin(x) * 2 + 1)
    x = np.ones(1 << 20, np.float32)
    t = threading.Thread(target=busy)
    t.start()
    try:
        for _ in range(3):
            f(x).block_until_ready()
            t0 = time.perf_counter()
            while sleeping.value < nworkers.value and time.perf_counter() - t0 < 2.0:
                time.sleep(0.001)
            assert sleeping.value == nworkers.value
            assert time.perf_counter() - t0 < 0.1, "idle workers stayed awake"
    finally:
        stop.set()
        t.join()
