"""jtrans's own GEMM kernels (lowering/gemm.py) against NumPy: every layout of the operands,
the remainders of the register tiles (M % 8 rows, N % 32 columns), K blocks (KC) and the
thread pool's row and column chunks; and the BLAS path (JTRANS_GEMM=blas) agreeing with them."""

import os
import subprocess
import sys

import numpy as np
import pytest

import jtrans
from jtrans.lowering import cpu, gemm

OWN = cpu.own_gemm_available()


def _ops(tA, tB):
    def f(a, b):
        return (a.T if tA else a) @ (b.T if tB else b)

    return f


def _operands(rng, m, n, k, tA, tB, dtype, batch=()):
    a = rng.standard_normal(batch + ((k, m) if tA else (m, k))).astype(dtype)
    b = rng.standard_normal(batch + ((n, k) if tB else (k, n))).astype(dtype)
    return a, b


def _check(f, a, b, dtype):
    got = np.asarray(jtrans.jit(f)(a, b))
    want = f(a.astype(np.float64), b.astype(np.float64))
    k = a.shape[-1] if a.shape[-1] != want.shape[-2] else a.shape[-2]
    tol = (2e-5 if dtype == np.float32 else 1e-12) * np.sqrt(max(k, 1))
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol * np.abs(want).max(initial=1))
    assert got.dtype == dtype


SHAPES = [  # (m, n, k): tile remainders, K blocks (KC = 256), chunked sizes
    (1, 32, 1), (3, 33, 2), (8, 64, 7), (9, 40, 16), (17, 95, 255), (13, 70, 257),
    (40, 100, 600), (128, 512, 130), (300, 64, 64), (77, 300, 90),
]  # fmt: skip


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("tA,tB", [(0, 0), (1, 0), (0, 1), (1, 1)])
@pytest.mark.parametrize("m,n,k", SHAPES)
def test_matches_numpy(m, n, k, tA, tB, dtype, x64):
    rng = np.random.default_rng(m * 1000 + n + k)
    a, b = _operands(rng, m, n, k, tA, tB, dtype)
    _check(_ops(tA, tB), a, b, dtype)


@pytest.mark.parametrize("tA,tB", [(0, 0), (1, 1)])
def test_batched(tA, tB):
    rng = np.random.default_rng(0)
    for batch, (m, n, k) in [((3,), (20, 50, 33)), ((2, 3), (64, 96, 70)), ((5,), (130, 64, 80))]:
        a, b = _operands(rng, m, n, k, tA, tB, np.float32, batch)
        f = lambda a, b: jtrans.numpy.matmul(
            jtrans.numpy.swapaxes(a, -1, -2) if tA else a,
            jtrans.numpy.swapaxes(b, -1, -2) if tB else b)  # fmt: skip
        got = np.asarray(jtrans.jit(f)(a, b))
        want = np.matmul(np.swapaxes(a, -1, -2) if tA else a, np.swapaxes(b, -1, -2) if tB else b)
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


def test_special_values_propagate():
    """Inf and NaN reach the result as in NumPy's product (no stale C values mixed in)."""
    a = np.ones((16, 40), np.float32)
    b = np.ones((40, 64), np.float32)
    a[3, 5] = np.inf
    b[7, 9] = np.nan
    got = np.asarray(jtrans.jit(lambda a, b: a @ b)(a, b))
    want = a @ b
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(np.isinf(got), np.isinf(want))


def test_mlp_gradient_matches_eager():
    """The products of an MLP's gradient (both transposed layouts) compiled against eager."""
    jnp = jtrans.numpy
    rng = np.random.default_rng(1)
    w1 = rng.standard_normal((70, 96)).astype(np.float32) * 0.1
    w2 = rng.standard_normal((96, 40)).astype(np.float32) * 0.1
    x = rng.standard_normal((33, 70)).astype(np.float32)

    def loss(w1, w2, x):
        return jnp.sum(jnp.tanh(jnp.maximum(x @ w1, 0.0) @ w2) ** 2)

    g = jtrans.grad(loss, argnums=(0, 1))
    got = jtrans.jit(g)(w1, w2, x)
    want = g(w1, w2, x)
    for a, b in zip(got, want):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=2e-5, atol=2e-5)


@pytest.mark.skipif(not OWN, reason="the own kernels need AVX-512F (the BLAS runs instead)")
def test_own_kernels_are_used():
    jtrans.jit(lambda a, b: a @ b)(np.ones((8, 32), np.float32), np.ones((32, 32), np.float32))
    assert "float32" in cpu._own


def test_blas_path_agrees():
    """JTRANS_GEMM=blas (read at import) runs every product on the BLAS: same results."""
    code = (
        "import numpy as np, jtrans\n"
        "from jtrans.lowering import cpu\n"
        "rng = np.random.default_rng(0)\n"
        "for tA, tB in [(0, 0), (1, 0), (0, 1), (1, 1)]:\n"
        "    a = rng.standard_normal((50, 45) if tA else (45, 50)).astype(np.float32)\n"
        "    b = rng.standard_normal((70, 50) if tB else (50, 70)).astype(np.float32)\n"
        "    f = lambda a, b: (a.T if tA else a) @ (b.T if tB else b)\n"
        "    got = np.asarray(jtrans.jit(f)(a, b))\n"
        "    np.testing.assert_allclose(got, f(a, b), rtol=1e-4, atol=1e-4)\n"
        "assert not cpu._own\n"
        "print('ok')\n"
    )
    env = dict(os.environ, JTRANS_GEMM="blas")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=False,
                         timeout=300)  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_ir_is_generated_for_both_dtypes():
    for dt in ("float32", "float64"):
        text = gemm.gemm_ir(dt)
        assert f"@jt_{'s' if dt == 'float32' else 'd'}gemm_tiles" in text
