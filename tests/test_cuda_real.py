"""jtrans on a real CUDA GPU: the checks the simulator cannot make (NVVM-compiled kernels, real
launch sizes: 256 threads a block, up to 4096 blocks, 16x16 GEMM tiles, split reductions, true
concurrency of atomics). Skipped unless numba.cuda finds a GPU and NUMBA_ENABLE_CUDASIM is unset.

    python -m pytest -q tests/test_cuda_real.py -m ""        # all of it, the OpSpec sweep too
"""

import os

import numpy as np
import pytest

import jtrans
import jtrans.numpy as jnp
from jtrans import lax

from .opspecs import ALL_SPECS
from .test_cuda import _check, _mlp_loss, _native_steps, _outside_table, _pool, _spec_args
from .test_ops import _close, _leaves


def _real_gpu():
    if os.environ.get("NUMBA_ENABLE_CUDASIM") == "1":
        return "NUMBA_ENABLE_CUDASIM is set (this file needs a real GPU)"
    try:
        from numba import cuda

        if not cuda.is_available():
            return "numba.cuda finds no GPU"
    except Exception as e:  # noqa: BLE001
        return f"numba.cuda unavailable ({type(e).__name__})"
    return None


pytestmark = pytest.mark.skipif(bool(_real_gpu()), reason=str(_real_gpu()))


def _gpu():
    return jtrans.devices("gpu")[0]


def test_gpu_listed_and_round_trip():
    gpu = _gpu()
    assert gpu.platform == "gpu" and gpu in jtrans.devices()
    x = np.arange(1 << 20, dtype=np.float32)
    d = jtrans.device_put(x, gpu)
    assert d.device == gpu
    np.testing.assert_array_equal(np.asarray(d), x)


def test_native_steps_on_gpu():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 5)).astype(np.float32)
    x[1, 2] = np.nan
    xi = np.arange(15, dtype=np.int32).reshape(3, 5) % 7
    e = np.zeros((3, 4), np.float32)
    idx = np.array([0, 2, 0, 1, 2], np.int32)
    upd = rng.normal(size=(5, 4)).astype(np.float32)
    _check(_native_steps, e, idx, upd, x, xi)


def test_large_fused_loops_reductions_and_gemm():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(1 << 22,)).astype(np.float32)  # grid-stride: 4096 blocks x 256 threads
    y = jtrans.jit(lambda a: jnp.tanh(a) * 2 + a * a, device=_gpu())(x)
    np.testing.assert_allclose(np.asarray(y), np.tanh(x) * 2 + x * x, rtol=2e-6, atol=1e-6)
    m = x.reshape(4, -1)  # few long rows: split over gridDim.y blocks, then combined
    s = jtrans.jit(lambda a: (a.sum(axis=1), a.max(), jnp.argmax(a, axis=1)), device=_gpu())(m)
    np.testing.assert_allclose(np.asarray(s[0]), m.astype(np.float64).sum(axis=1), rtol=1e-5)
    assert float(s[1]) == m.max()
    np.testing.assert_array_equal(np.asarray(s[2]), m.argmax(axis=1))
    a = rng.normal(size=(128, 784)).astype(np.float32)
    b = rng.normal(size=(784, 512)).astype(np.float32)
    c = jtrans.jit(lambda p, q: p @ q, device=_gpu())(a, b)
    np.testing.assert_allclose(np.asarray(c), a @ b, rtol=1e-4, atol=1e-3)


def test_scatter_orders_and_atomics_at_scale():
    rng = np.random.default_rng(2)
    idx = rng.integers(0, 50, size=100_000).astype(np.int32)  # many repeated targets
    upd = rng.normal(size=(100_000, 8)).astype(np.float32)
    e = np.zeros((50, 8), np.float32)
    # float sums keep the impl's order: bit-equal to the CPU
    f = lambda e, i, u: jnp.asarray(e).at[i].add(u)
    np.testing.assert_array_equal(np.asarray(jtrans.jit(f, device=_gpu())(e, idx, upd)),
                                  np.asarray(jtrans.jit(f)(e, idx, upd)))  # fmt: skip
    ui = (upd * 100).astype(np.int32)  # integer adds and maxima: atomics, exact in any order
    g = lambda e, i, u: (jnp.asarray(e).at[i].add(u), jnp.asarray(e).at[i].max(u))
    for o, r in zip(jtrans.jit(g, device=_gpu())(e.astype(np.int32), idx, ui),
                    g(e.astype(np.int32), idx, ui)):  # fmt: skip
        np.testing.assert_array_equal(np.asarray(o), np.asarray(r))


def test_cumulative_and_pool_grads_at_scale():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(64, 4096)).astype(np.float32)
    f = lambda a: (jnp.cumsum(a, axis=1), lax.cummax(a, axis=0, reverse=True))
    _check(f, x, tol=1e-4)
    img = rng.normal(size=(8, 64, 64)).astype(np.float32)
    loss = lambda a: jnp.sum(jnp.sin(_pool(a, (1, 3, 3), (1, 2, 2))))
    _check(jtrans.grad(loss), img)


def test_training_step_and_workspace_reuse():
    from jtrans.lowering import cuda as C
    from jtrans.lowering import cuda_exec as X

    rng = np.random.default_rng(4)
    w = (rng.normal(size=(784, 512)) * 0.05).astype(np.float32)
    x = rng.normal(size=(128, 784)).astype(np.float32)
    y = rng.normal(size=(128, 512)).astype(np.float32)

    def step(w, x, y):
        loss, g = jtrans.value_and_grad(lambda w: jnp.mean((jnp.tanh(x @ w) - y) ** 2))(w)
        return w - 0.1 * g, loss

    wd, xd, yd = jtrans.device_put((w, x, y), _gpu())
    ref_w, ref_loss = step(w, x, y)
    new_w, loss = jtrans.jit(step)(wd, xd, yd)
    np.testing.assert_allclose(float(loss), float(ref_loss), rtol=1e-5)
    np.testing.assert_allclose(np.asarray(new_w), np.asarray(ref_w), rtol=1e-4, atol=1e-6)
    exe = X.CudaExecutable(C.CudaProgram(jtrans.jit(step).lower(w, x, y).jaxpr, "step"), _gpu())
    bufs = [a._buf for a in (wd, xd, yd)]
    exe(bufs)
    held = {k: id(v) for k, v in exe._pool[0].items()}
    for _ in range(3):
        exe(bufs)
    assert {k: id(v) for k, v in exe._pool[0].items()} == held


def test_mlp_grad_bias_sums_and_outside_table_on_gpu():
    """An MLP gradient at a real size (bias gradients: column sums at full launch sizes), and
    the primitives no OpSpec reaches (collectives under vmap, custom rules, callbacks)."""
    rng = np.random.default_rng(6)
    f = lambda *s: (rng.normal(size=s) * 0.05).astype(np.float32)
    params, x, y = [(f(784, 512), f(512)), (f(512, 10), f(10))], f(128, 784), f(128, 10)
    g = jtrans.jit(jtrans.grad(_mlp_loss), device=_gpu())(params, x, y)
    for o, r in zip(_leaves(g), _leaves(jtrans.jit(jtrans.grad(_mlp_loss))(params, x, y))):
        assert o.device == _gpu()
        np.testing.assert_allclose(np.asarray(o), np.asarray(r), rtol=1e-4, atol=1e-6)
    _check(_outside_table, np.linspace(-1, 1, 12, dtype=np.float32).reshape(4, 3))


def test_sort_on_gpu_and_long_rows_on_host():
    """Many rows sort on the GPU (a thread per row); a few very long rows on the host."""
    rng = np.random.default_rng(5)
    x = rng.normal(size=(512, 300)).astype(np.float32)
    x[::7, ::5] = np.nan
    _check(lambda a: (jnp.sort(a, axis=1) * 2, jnp.argsort(a, axis=1)), x)
    long_rows = rng.integers(0, 100, size=(2, 100_000)).astype(np.int32)
    _check(lambda a: (jnp.sort(a, axis=1), jnp.argsort(a, axis=1)), long_rows)


JIT_SPECS = [pytest.param(s, id=s.name) for s in ALL_SPECS if s.jit]


@pytest.mark.slow
@pytest.mark.parametrize("spec", JIT_SPECS)
def test_opspec_on_real_gpu(spec):
    """Every jittable OpSpec on the GPU (~1 s each the first time: NVVM compiles)."""
    args, static, dtype = _spec_args(spec)
    try:
        ref = spec.call(*args)
        out = jtrans.jit(spec.call, static_argnums=static, device=_gpu())(*args)
    except jtrans.errors.ConcretizationTypeError:
        pytest.skip("not jittable")
    for o, r in zip(_leaves(out), _leaves(ref)):
        assert o.device == _gpu()
        _close(o, r, max(spec.tol, 1e-5), dtype)


def test_kernels_launch_through_the_driver():
    """Kernels and GEMMs launch through cuLaunchKernel (jtrans packs their parameters), and
    give the same results as Numba's own launch (JTRANS_CUDA_LAUNCH=numba)."""
    from jtrans.lowering import cuda as C
    from jtrans.lowering import cuda_exec as X

    rng = np.random.default_rng(7)
    a = rng.normal(size=(64, 48)).astype(np.float32)
    b = rng.normal(size=(48, 32)).astype(np.float32)
    f = lambda p, q: (jnp.tanh(p @ q) * 2, (p * p).sum(axis=0))
    closed = jtrans.jit(f).lower(a, b).jaxpr
    bufs = [jtrans.device_put(v, _gpu())._buf for v in (a, b)]
    outs = {}
    for how in ("driver", "numba"):
        os.environ["JTRANS_CUDA_LAUNCH"] = how
        try:
            exe = X.CudaExecutable(C.CudaProgram(closed, "f"), _gpu())
            outs[how] = [o.copy_to_host() for o in exe(bufs)]
        finally:
            del os.environ["JTRANS_CUDA_LAUNCH"]
        driver = [x for x in exe._launchers.values() if isinstance(x, X._DriverLaunch)]
        assert len(driver) == (len(exe._launchers) if how == "driver" else 0)
    for o, r, ref in zip(outs["driver"], outs["numba"], f(a, b)):
        np.testing.assert_array_equal(o, r)
        np.testing.assert_allclose(o, np.asarray(ref).reshape(-1), rtol=1e-5, atol=1e-5)
