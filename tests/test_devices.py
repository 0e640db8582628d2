"""Devices and device-backed arrays (jtrans/device.py, jtrans/array.py's DeviceArray).

Tests marked `sim` run in the CUDA simulator subprocess started by
tests/test_cuda.py::test_simulator_suite; the others run in the ordinary test process.
"""

import os
import subprocess
import sys

import numpy as np
import pytest

import jtrans
import jtrans.numpy as jnp
from jtrans.array import Array, DeviceArray

SIM = os.environ.get("NUMBA_ENABLE_CUDASIM") == "1"
# JTRANS_TEST_GPU=1 runs the same device tests against a real GPU (see test_cuda_real.py)
ON_DEVICE = SIM or os.environ.get("JTRANS_TEST_GPU") == "1"
sim = pytest.mark.skipif(not ON_DEVICE, reason="runs in the simulator subprocess (test_cuda.py)")


def test_import_needs_no_cuda():
    code = ("import sys, jtrans, jtrans.numpy as jnp; jtrans.jit(jnp.sin)(1.0); "
            "print('numba.cuda' in sys.modules)")  # fmt: skip
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                       check=False)  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "False"


def test_cpu_device_and_cpu_arrays_unchanged():
    x = jnp.ones(3)
    assert type(x) is Array and x.device is jtrans.devices("cpu")[0]
    assert repr(x.device) == "CpuDevice(id=0)"
    assert jtrans.device_put(x) is x and jtrans.device_put(x, "cpu") is x
    assert np.asarray(x) is np.asarray(x)  # zero-copy on the CPU
    assert jtrans.devices()[0].platform == "cpu"


def test_unknown_backend():
    with pytest.raises(RuntimeError, match="unknown backend"):
        jtrans.devices("tpu")


@sim
def test_gpu_listed_and_device_put_round_trip():
    gpu = jtrans.devices("gpu")[0]
    assert gpu in jtrans.devices() and gpu.platform == "gpu" and repr(gpu) == "CudaDevice(id=0)"
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    d = jtrans.device_put(x, gpu)
    assert type(d) is DeviceArray and isinstance(d, jtrans.Array)
    assert d.shape == (2, 3) and d.dtype == np.float32 and d.device == gpu
    assert d.devices() == {gpu}
    np.testing.assert_array_equal(np.asarray(d), x)  # implicit transfer back
    assert jtrans.device_put(d, gpu) is d
    back = jtrans.device_put(d, "cpu")
    assert type(back) is Array and back.device.platform == "cpu"
    np.testing.assert_array_equal(np.asarray(back), x)
    s = jtrans.device_put(2.0, gpu)
    assert s.weak_type and s.shape == () and float(s) == 2.0
    tree = jtrans.device_put({"a": x, "b": [x, 1]}, gpu)
    assert all(type(v) is DeviceArray for v in jtrans.tree_leaves(tree))
    assert d.block_until_ready() is d and d.copy().device == gpu


@sim
def test_jit_placement_follows_inputs():
    gpu = jtrans.devices("gpu")[0]
    f = jtrans.jit(lambda a, b: jnp.exp(a) * b + 1.0)
    x = np.linspace(0, 1, 5).astype(np.float32)
    on_cpu = f(x, x)
    assert type(on_cpu) is Array
    on_gpu = f(jtrans.device_put(x, gpu), x)  # one argument on the GPU: runs there
    assert type(on_gpu) is DeviceArray and on_gpu.device == gpu
    np.testing.assert_allclose(np.asarray(on_gpu), np.asarray(on_cpu), rtol=1e-6)
    explicit = jtrans.jit(lambda a: a * 2, device=gpu)(x)
    assert explicit.device == gpu
    back = jtrans.jit(lambda a: a * 2, device="cpu")(jtrans.device_put(x, gpu))
    assert type(back) is Array
    np.testing.assert_allclose(np.asarray(back), x * 2)


@sim
def test_grad_of_jit_with_device_inputs():
    gpu = jtrans.devices("gpu")[0]
    x = jtrans.device_put(np.linspace(-1, 1, 4).astype(np.float32), gpu)
    g = jtrans.grad(jtrans.jit(lambda a: jnp.sum(jnp.sin(a) ** 2)))(x)
    np.testing.assert_allclose(np.asarray(g), np.sin(2 * np.asarray(x)), rtol=1e-5)


@pytest.mark.skipif(not SIM, reason="about the simulator itself")
def test_simulator_shared_arrays_are_locked():
    """jtrans installs a locked lookup for the simulator's `cuda.shared.array` (its own races:
    two threads of a block could each get a private "shared" array)."""
    from numba.cuda.simulator.kernelapi import FakeCUDAShared

    from jtrans import device

    assert device.simulator()
    assert FakeCUDAShared.array.__module__ == "jtrans.device"
    x = np.arange(4000, dtype=np.float32).reshape(4, 1000)
    gpu = jtrans.devices("gpu")[0]
    for _ in range(5):  # shared-memory tree reductions, many blocks
        s = jtrans.jit(lambda a: a.sum(axis=1), device=gpu)(x)
        np.testing.assert_allclose(np.asarray(s), x.sum(axis=1), rtol=1e-6)
