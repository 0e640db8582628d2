"""Small top-level API pieces users of JAX reach for."""

import numpy as np

import jtrans
import jtrans.numpy as jnp


def test_device_get_and_counts():
    out = jtrans.device_get({"a": jnp.ones(2), "b": 3})
    assert isinstance(out["a"], np.ndarray) and out["b"] == 3
    assert jtrans.device_count() >= 1 and jtrans.default_backend() == "cpu"
    assert jtrans.typeof(jnp.ones((2, 3))).shape == (2, 3)


def test_jacobian_alias_and_enable_x64():
    np.testing.assert_allclose(jtrans.jacobian(jnp.sin)(1.0), np.cos(1.0), rtol=1e-6)
    with jtrans.enable_x64():
        assert jnp.ones(2).dtype == np.float64
    assert jnp.ones(2).dtype == np.float32


def test_ensure_compile_time_eval_under_jit():
    @jtrans.jit
    def f(x):
        with jtrans.ensure_compile_time_eval():
            n = int(jnp.sum(jnp.arange(4)))  # concrete although inside jit
            y = x * 2  # traced: staged as usual
        return y + n

    assert float(f(1.0)) == 8.0


def test_isinstance_array_for_concrete_and_traced():
    seen = []
    jtrans.jit(lambda t: seen.append(isinstance(t, jtrans.Array)) or t)(jnp.ones(2))
    assert seen == [True] and isinstance(jnp.ones(2), jnp.ndarray)
    assert not isinstance(1.0, jtrans.Array)


def test_has_aux_values_are_concrete():
    g, aux = jtrans.grad(lambda x: (jnp.sum(x**2), {"m": jnp.mean(x)}), has_aux=True)(jnp.ones(3))
    assert float(aux["m"]) == 1.0 and type(aux["m"]).__name__ == "Array"
    np.testing.assert_allclose(g, 2 * np.ones(3))
