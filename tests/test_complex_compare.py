"""Order comparisons of complex numbers: lexicographic on (real, imag), as in JAX and NumPy
(jnp.less and friends, the operators, under jit and vmap)."""

import numpy as np
import pytest

import jtrans
import jtrans.numpy as jnp

NAMES = ["less", "less_equal", "greater", "greater_equal"]


def _operands(dtype):
    a = np.array([1 + 2j, 2 + 0j, 1 + 1j, np.nan + 0j, 1 + np.nan * 1j, -0.0 + 1j, 3 - 1j], dtype)
    b = np.array([1 + 1j, 1 + 5j, 1 + 1j, 1 + 0j, 1 + 1j, 0.0 + 1j, 3 + 1j], dtype)
    return a, b


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
def test_matches_numpy(name, dtype, x64):
    a, b = _operands(dtype)
    want = getattr(np, name)(a, b)
    f = getattr(jnp, name)
    for got in (f(a, b), jtrans.jit(f)(a, b), jtrans.vmap(f)(a, b)):
        np.testing.assert_array_equal(np.asarray(got), want)
        assert np.asarray(got).dtype == np.bool_


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_operators_broadcasting_and_mixed_operands():
    a, b = _operands(np.complex64)
    x = jnp.asarray(a)
    np.testing.assert_array_equal(np.asarray(x < b[2]), a < b[2])
    np.testing.assert_array_equal(np.asarray(x >= 1.0), a >= 1.0)
    np.testing.assert_array_equal(np.asarray(jnp.less(a[:, None], b[None, :])),
                                  np.less(a[:, None], b[None, :]))  # fmt: skip
    np.testing.assert_array_equal(np.asarray(jnp.greater(2, x)), np.greater(2, a))


def test_real_comparisons_unchanged():
    x = np.array([1.0, np.nan, -2.0], np.float32)
    np.testing.assert_array_equal(np.asarray(jnp.less(x, 0.0)), [False, False, True])
    assert jnp.less(1, 2).dtype == np.bool_
