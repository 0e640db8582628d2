"""The CUDA renderer (jtrans/lowering/cuda.py): the Kernel IR rendered as numba.cuda kernels.

- Under Numba's CUDA simulator: every OpSpec runs through `jit(..., device=gpu)` and matches
  eager; `jit(grad(loss))`, `vmap(grad)` and control flow run on the device path end to end.
  numba.cuda reads NUMBA_ENABLE_CUDASIM when it is first imported, so these tests run in a
  subprocess with the variable set (`test_simulator_suite`, part of the default test command);
  inside it, `SIM` is true and the tests marked `sim` run.
- Compile-only: rendered kernels become PTX through `numba.cuda.compile_ptx`, which needs
  libNVVM (the `cuda` extra: nvidia-cuda-nvcc-cu12) but no GPU; skipped when libNVVM is absent.
"""

import os
import re
import subprocess
import sys

import numpy as np
import pytest

import jtrans
import jtrans.numpy as jnp

from .opspecs import ALL_SPECS
from .test_ops import _close, _leaves, _rng

SIM = os.environ.get("NUMBA_ENABLE_CUDASIM") == "1"
sim = pytest.mark.skipif(not SIM, reason="runs in the simulator subprocess (test_simulator_suite)")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_simulator_suite():
    """Runs this file's and test_devices.py's simulator tests with NUMBA_ENABLE_CUDASIM=1."""
    if SIM:
        pytest.skip("this is the simulator run")
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "ignore",
           "tests/test_cuda.py", "tests/test_devices.py", "-k", "not ptx"]  # fmt: skip
    r = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stdout[-8000:] + r.stderr[-2000:]


def _gpu():
    return jtrans.devices("gpu")[0]


def _spec_args(spec):
    shapes, dtype = spec.shapes[0], spec.dtypes[0]
    args = spec.make_args(_rng(spec, shapes), shapes, dtype)
    static = [i for i in spec.nondiff_argnums if np.ndim(args[i]) == 0 and
              not isinstance(args[i], np.ndarray)]  # fmt: skip
    return args, tuple(static), dtype


JIT_SPECS = [pytest.param(s, id=s.name) for s in ALL_SPECS if s.jit]


@sim
@pytest.mark.parametrize("spec", JIT_SPECS)
def test_opspec_on_device(spec):
    args, static, dtype = _spec_args(spec)
    try:
        ref = spec.call(*args)
    except jtrans.errors.ConcretizationTypeError:
        pytest.skip("not jittable")
    try:
        out = jtrans.jit(spec.call, static_argnums=static, device=_gpu())(*args)
    except jtrans.errors.ConcretizationTypeError:
        pytest.skip("not jittable (value-dependent shape)")
    for o, r in zip(_leaves(out), _leaves(ref)):
        assert type(o).__name__ == "DeviceArray" and o.device == _gpu()
        _close(o, r, max(spec.tol, 1e-5), dtype)


def _loss(w, x, y):
    return jnp.mean((jnp.tanh(x @ w) - y) ** 2)


@sim
def test_jit_grad_and_vmap_grad_on_device():
    rng = np.random.default_rng(0)
    w = rng.normal(size=(3, 2)).astype(np.float32)
    x = rng.normal(size=(4, 3)).astype(np.float32)
    y = rng.normal(size=(4, 2)).astype(np.float32)
    gpu = _gpu()
    wd, xd, yd = jtrans.device_put((w, x, y), gpu)
    g = jtrans.jit(jtrans.grad(_loss))(wd, xd, yd)  # placement follows the inputs
    assert g.device == gpu
    np.testing.assert_allclose(np.asarray(g), np.asarray(jtrans.grad(_loss)(w, x, y)), rtol=1e-5,
                               atol=1e-6)  # fmt: skip
    per_example = jtrans.vmap(jtrans.grad(_loss), in_axes=(None, 0, 0))
    xs, ys = x.reshape(2, 2, 3), y.reshape(2, 2, 2)
    gd = jtrans.jit(per_example, device=gpu)(w, xs, ys)
    assert gd.device == gpu
    np.testing.assert_allclose(np.asarray(gd), np.asarray(per_example(w, xs, ys)), rtol=1e-5,
                               atol=1e-6)  # fmt: skip


@sim
def test_control_flow_runs_on_host_around_kernels():
    from jtrans import lax

    def f(x, n):
        def body(i, c):
            return c * 0.5 + jnp.sin(c)

        y = lax.fori_loop(0, n, body, x)
        z = lax.cond(y.sum() > 0, lambda v: v * 2.0, lambda v: v - 1.0, y)
        carry, ys = lax.scan(lambda c, t: (c + t, c * t), z[0], z)
        return carry, ys

    x = np.linspace(-1, 1, 5).astype(np.float32)
    out = jtrans.jit(f, device=_gpu())(x, 3)
    for o, r in zip(out, f(x, 3)):
        np.testing.assert_allclose(np.asarray(o), np.asarray(r), rtol=1e-5, atol=1e-6)


@sim
def test_split_reduction_and_tiled_gemm_edges():
    gpu = _gpu()
    x = np.arange(1000, dtype=np.float32).reshape(2, 500) / 100
    out = jtrans.jit(lambda a: (a.sum(axis=1), a.max(), (a > 3).all(axis=1)), device=gpu)(x)
    np.testing.assert_allclose(np.asarray(out[0]), x.sum(axis=1), rtol=1e-6)
    assert float(out[1]) == x.max()
    np.testing.assert_array_equal(np.asarray(out[2]), (x > 3).all(axis=1))
    for m, k, n in [(1, 1, 1), (3, 5, 7), (4, 0, 2), (0, 3, 2)]:
        a = np.ones((m, k), np.float32) * 0.5
        b = np.arange(k * n, dtype=np.float32).reshape(k, n)
        c = jtrans.jit(lambda p, q: p @ q, device=gpu)(a, b)
        np.testing.assert_allclose(np.asarray(c), a @ b, rtol=1e-6)


# ---------------------------------------------------------------------------------------------
# compile-only: PTX


def _nvvm_missing():
    if SIM:
        return "the simulator has no PTX compiler"
    try:
        from numba.cuda.cudadrv import nvvm

        nvvm.NVVM()
    except Exception as e:  # noqa: BLE001
        return (f"libNVVM not found ({type(e).__name__}); install the `cuda` extra "
                "(pip install nvidia-cuda-nvcc-cu12) to compile kernels to PTX")  # fmt: skip
    return None


def _ptx_of_specs(specs):
    from numba import cuda

    from jtrans.lowering import cuda as C

    seen = set()
    for spec in specs:
        args, static, _ = _spec_args(spec)
        try:
            low = jtrans.jit(spec.call, static_argnums=static).lower(*args)
        except jtrans.errors.ConcretizationTypeError:
            continue
        try:
            prog = C.CudaProgram(low.jaxpr, spec.name, sim=False)
        except C.HostFallback:  # runs on the CPU path; nothing to compile
            continue
        for name, fn, sig in prog.kernels():
            key = (re.sub(r"\b\d+\b", "N", prog.kernel_source(name).replace(name, "K")), str(sig))
            if key in seen:
                continue
            seen.add(key)
            ptx = cuda.compile_ptx(fn, sig, cc=(8, 0))[0]
            assert ".entry" in ptx, f"{spec.name}: {name} gave no kernel entry"
    return len(seen)


@pytest.mark.skipif(bool(_nvvm_missing()), reason=str(_nvvm_missing()))
def test_ptx_sample():
    """A sample of the OpSpec table (every 20th spec, plus GEMMs and control flow): each of its
    kernels compiles to PTX (catches code the simulator accepts but NVVM rejects)."""
    names = {"matmul", "dot", "einsum"}
    specs = [s for i, s in enumerate(ALL_SPECS) if s.jit and (i % 20 == 0 or s.name in names)]
    assert _ptx_of_specs(specs) > 10


@pytest.mark.slow
@pytest.mark.skipif(bool(_nvvm_missing()), reason=str(_nvvm_missing()))
def test_ptx_every_opspec():
    """Every distinct kernel of the OpSpec table compiles to PTX (~2 minutes)."""
    assert _ptx_of_specs([s for s in ALL_SPECS if s.jit]) > 500
