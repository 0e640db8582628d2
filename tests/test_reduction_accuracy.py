"""Compiled float32 reductions are at least as accurate as NumPy's pairwise sum (issue: the
compiler; 10^7 elements)."""

import numpy as np

import jtrans
import jtrans.numpy as jnp


def _exact(x):
    return np.sum(x.astype(np.float64))


def test_float32_sum_of_10_million_no_worse_than_numpy():
    rng = np.random.default_rng(0)
    for x in (rng.random(10**7, dtype=np.float32),  # all positive: error accumulates
              rng.standard_normal(10**7).astype(np.float32) + np.float32(3.0)):  # fmt: skip
        exact = _exact(x)
        ours = float(jtrans.jit(jnp.sum)(x))
        numpy_err = abs(float(np.sum(x)) - exact)
        assert abs(ours - exact) <= max(numpy_err, 1e-7 * abs(exact)), (ours, exact, numpy_err)


def test_float32_mean_and_axis_sums():
    rng = np.random.default_rng(1)
    x = rng.random((1000, 3000), dtype=np.float32)
    f = jtrans.jit(lambda a: (jnp.mean(a), jnp.sum(a, axis=0), jnp.sum(a, axis=1)))
    m, s0, s1 = f(x)
    x64 = x.astype(np.float64)
    np.testing.assert_allclose(float(m), x64.mean(), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(s0), x64.sum(0), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(s1), x64.sum(1), rtol=1e-6)
